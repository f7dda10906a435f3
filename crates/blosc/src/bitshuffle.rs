//! Bit shuffle filter (Blosc `BITSHUFFLE`, the layout of the bitshuffle library).
//!
//! For `n` elements (n a multiple of 8) of T bytes the output is `8 * T` bit-rows of `n / 8`
//! bytes: bit-row `8 * j + k` holds bit k (0 = least significant) of byte j of every element,
//! packed LSB first (bit m of row byte b is bit k of byte j of element `8 * b + m`).
//!
//! It is computed as a byte shuffle (T byte-rows of n bytes, [`crate::shuffle`]) followed by a
//! bit transpose of each byte-row into 8 bit-rows: 8x8 bit-matrix transposes, done with
//! movemask-style instructions by the SIMD kernels. The inverse runs the two steps backwards.

pub(crate) mod scalar;

#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod avx2;
#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod avx512;
#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod sse2;

use crate::shuffle::{Kernel, best, shuffle_with, unshuffle_with};

/// Bit shuffle of the first `nelems` elements of `typesize` bytes (nelems must be a multiple of
/// 8 and `nelems * typesize <= src.len()`); every byte after `nelems * typesize` is copied
/// unchanged. `scratch` is a reusable buffer, grown here if needed (no allocation once it is
/// large enough). Out-of-contract arguments (a caller bug) are clamped, never a panic.
pub(crate) fn bitshuffle(
    typesize: usize,
    nelems: usize,
    src: &[u8],
    dst: &mut [u8],
    scratch: &mut Vec<u8>,
) {
    bitshuffle_with(best(), typesize, nelems, src, dst, scratch);
}

/// The inverse of [`bitshuffle`], same contract.
pub(crate) fn bitunshuffle(
    typesize: usize,
    nelems: usize,
    src: &[u8],
    dst: &mut [u8],
    scratch: &mut Vec<u8>,
) {
    bitunshuffle_with(best(), typesize, nelems, src, dst, scratch);
}

/// Checks the contract, copies the bytes after the shuffled part, and returns the number of
/// shuffled bytes (0 when there is nothing to transpose).
fn prepare(typesize: usize, nelems: usize, src: &[u8], dst: &mut [u8]) -> usize {
    debug_assert_eq!(src.len(), dst.len(), "bitshuffle buffers differ in length");
    debug_assert_eq!(nelems % 8, 0, "bitshuffle needs a multiple of 8 elements");
    let len = src.len().min(dst.len());
    let n = if typesize == 0 {
        0
    } else {
        debug_assert!(
            nelems.saturating_mul(typesize) <= len,
            "bitshuffle past the end"
        );
        nelems.min(len / typesize) & !7
    };
    let body = n * typesize;
    dst[body..len].copy_from_slice(&src[body..len]);
    body
}

/// Grows `scratch` to at least `len` bytes and returns its first `len` bytes.
fn scratch_of(scratch: &mut Vec<u8>, len: usize) -> &mut [u8] {
    if scratch.len() < len {
        scratch.resize(len, 0);
    }
    &mut scratch[..len]
}

/// [`bitshuffle`] with an explicit kernel (a kernel the CPU lacks falls back to scalar code).
pub(crate) fn bitshuffle_with(
    kernel: Kernel,
    typesize: usize,
    nelems: usize,
    src: &[u8],
    dst: &mut [u8],
    scratch: &mut Vec<u8>,
) {
    let body = prepare(typesize, nelems, src, dst);
    if body == 0 {
        return;
    }
    let n = body / typesize;
    if typesize == 1 {
        trans_bits(kernel, &src[..body], &mut dst[..body]);
        return;
    }
    let rows = scratch_of(scratch, body);
    shuffle_with(kernel, typesize, &src[..body], rows);
    for (row, out) in rows.chunks_exact(n).zip(dst.chunks_exact_mut(n)) {
        trans_bits(kernel, row, out);
    }
}

/// [`bitunshuffle`] with an explicit kernel (a kernel the CPU lacks falls back to scalar code).
pub(crate) fn bitunshuffle_with(
    kernel: Kernel,
    typesize: usize,
    nelems: usize,
    src: &[u8],
    dst: &mut [u8],
    scratch: &mut Vec<u8>,
) {
    let body = prepare(typesize, nelems, src, dst);
    if body == 0 {
        return;
    }
    let n = body / typesize;
    if typesize == 1 {
        untrans_bits(kernel, &src[..body], &mut dst[..body]);
        return;
    }
    let rows = scratch_of(scratch, body);
    for (bits, row) in src[..body].chunks_exact(n).zip(rows.chunks_exact_mut(n)) {
        untrans_bits(kernel, bits, row);
    }
    unshuffle_with(kernel, typesize, rows, &mut dst[..body]);
}

/// Bit transpose of one byte-row (length a multiple of 8) into 8 bit-rows of `len / 8` bytes.
fn trans_bits(kernel: Kernel, row: &[u8], out: &mut [u8]) {
    let done = match kernel {
        Kernel::Scalar => 0,
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Sse2 => sse2::trans_bits(row, out),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx2 => avx2::trans_bits(row, out),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx512 => avx512::trans_bits(row, out),
    };
    scalar::trans_bits(row, out, done);
}

/// Inverse of [`trans_bits`]: 8 bit-rows back into one byte-row.
fn untrans_bits(kernel: Kernel, bits: &[u8], row: &mut [u8]) {
    let done = match kernel {
        Kernel::Scalar => 0,
        // SSE2 has no byte shuffle to spread the bits; its scalar SWAR code is as good.
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Sse2 => 0,
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx2 => avx2::untrans_bits(bits, row),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx512 => avx512::untrans_bits(bits, row),
    };
    scalar::untrans_bits(bits, row, done);
}

#[cfg(test)]
mod tests;
