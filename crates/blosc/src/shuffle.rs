//! Byte shuffle filter (Blosc `SHUFFLE`): a `typesize x n` byte transpose of a block.
//!
//! Output byte `j * n + i` is input byte `i * typesize + j` for the `n = len / typesize` whole
//! elements; the `len % typesize` trailing bytes are copied unchanged. This is on the path of every
//! decompression, so x86-64 gets SSE2, AVX2 and AVX-512 kernels, picked once at run time; every
//! other target (and `--no-default-features`) uses the safe blocked transpose in [`scalar`].

pub(crate) mod scalar;

#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod avx2;
#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod avx512;
#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod sse2;

/// An implementation of the shuffle kernels; bitshuffle uses the same set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// Safe portable code.
    Scalar,
    /// SSE2, present on every x86-64 CPU.
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    Sse2,
    /// AVX2.
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    Avx2,
    /// AVX-512 F + BW (VBMI and GFNI are used when also present).
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    Avx512,
}

/// The kernels this CPU can run, slowest first, so tests can exercise each one.
pub(crate) fn kernels() -> Vec<Kernel> {
    #[allow(unused_mut, reason = "only SIMD builds push more")]
    let mut v = vec![Kernel::Scalar];
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    {
        v.push(Kernel::Sse2);
        if std::is_x86_feature_detected!("avx2") {
            v.push(Kernel::Avx2);
        }
        if avx512::detected() {
            v.push(Kernel::Avx512);
        }
    }
    v
}

/// The fastest kernel of this CPU, detected once.
pub(crate) fn best() -> Kernel {
    static BEST: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
    *BEST.get_or_init(|| kernels().last().copied().unwrap_or(Kernel::Scalar))
}

/// Byte shuffle of a block: n = src.len() / typesize whole elements;
/// `dst[j*n + i] = src[i*typesize + j]` for i < n, j < typesize; the `src.len() % typesize`
/// trailing bytes are copied unchanged to the end. typesize 1 (and 0) is a plain copy.
/// If the lengths differ (a caller bug) only the shorter length is processed.
pub(crate) fn shuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    shuffle_with(best(), typesize, src, dst);
}

/// The inverse of [`shuffle`].
pub(crate) fn unshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    unshuffle_with(best(), typesize, src, dst);
}

/// Splits off the common length and copies the trailing partial element; returns the lengths'
/// minimum rounded down to whole elements.
fn prepare(typesize: usize, src: &[u8], dst: &mut [u8]) -> usize {
    debug_assert_eq!(src.len(), dst.len(), "shuffle buffers differ in length");
    let len = src.len().min(dst.len());
    let body = if typesize <= 1 {
        len
    } else {
        len - len % typesize
    };
    dst[body..len].copy_from_slice(&src[body..len]);
    body
}

/// [`shuffle`] with an explicit kernel; a kernel the CPU lacks is replaced by [`Kernel::Scalar`].
pub(crate) fn shuffle_with(kernel: Kernel, typesize: usize, src: &[u8], dst: &mut [u8]) {
    let body = prepare(typesize, src, dst);
    let (src, dst) = (&src[..body], &mut dst[..body]);
    if typesize <= 1 {
        dst.copy_from_slice(src);
        return;
    }
    let done = match kernel {
        Kernel::Scalar => 0,
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Sse2 => sse2::shuffle(typesize, src, dst),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx2 => avx2::shuffle(typesize, src, dst),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx512 => avx512::shuffle(typesize, src, dst),
    };
    scalar::shuffle_elems(typesize, src, dst, done);
}

/// [`unshuffle`] with an explicit kernel; a kernel the CPU lacks is replaced by [`Kernel::Scalar`].
pub(crate) fn unshuffle_with(kernel: Kernel, typesize: usize, src: &[u8], dst: &mut [u8]) {
    let body = prepare(typesize, src, dst);
    let (src, dst) = (&src[..body], &mut dst[..body]);
    if typesize <= 1 {
        dst.copy_from_slice(src);
        return;
    }
    let done = match kernel {
        Kernel::Scalar => 0,
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Sse2 => sse2::unshuffle(typesize, src, dst),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx2 => avx2::unshuffle(typesize, src, dst),
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx512 => avx512::unshuffle(typesize, src, dst),
    };
    scalar::unshuffle_elems(typesize, src, dst, done);
}

/// [`unshuffle`] of a block whose `rows.len()` rows (typesize) lie in separate buffers:
/// `dst[i * t + j] = rows[j][i]` for the `n = dst.len() / t` elements (`dst.len()` a multiple of
/// `t`, every row at least `n` bytes). A split block's streams that were stored raw are read
/// where they lie in the chunk, instead of being copied next to the decoded ones first.
///
/// Without a SIMD rows kernel for this typesize ([`rows_kernel`]) it runs a plain byte loop:
/// callers that care for speed gather the rows and call [`unshuffle`] then. Returns false, with
/// nothing written, when the lengths do not fit.
pub(crate) fn unshuffle_rows(rows: &[&[u8]], dst: &mut [u8]) -> bool {
    unshuffle_rows_with(best(), rows, dst)
}

/// Whether this CPU's kernel unshuffles `t` rows given apart with SIMD.
pub(crate) fn rows_kernel(t: usize) -> bool {
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    if best() == Kernel::Avx512 {
        return matches!(t, 4 | 8);
    }
    let _ = t;
    false
}

/// [`unshuffle_rows`] with an explicit kernel.
pub(crate) fn unshuffle_rows_with(kernel: Kernel, rows: &[&[u8]], dst: &mut [u8]) -> bool {
    let t = rows.len();
    if t < 2 || !dst.len().is_multiple_of(t) {
        return false;
    }
    let n = dst.len() / t;
    if rows.iter().any(|r| r.len() < n) {
        return false;
    }
    let done = match kernel {
        #[cfg(all(feature = "simd", target_arch = "x86_64"))]
        Kernel::Avx512 => avx512::unshuffle_rows(rows, dst),
        // The other kernels have no rows variant: the byte loop below does it all.
        _ => 0,
    };
    for (i, out) in dst.chunks_exact_mut(t).enumerate().skip(done) {
        for (j, b) in out.iter_mut().enumerate() {
            *b = rows[j][i];
        }
    }
    true
}

#[cfg(test)]
mod tests;
