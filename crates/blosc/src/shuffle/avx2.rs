//! AVX2 shuffle kernels: the SSE2 algorithms (see `sse2.rs`) run on two independent 16-element
//! blocks at once, one per 128-bit lane (`unpack*_epi8` works within lanes), so a block is 32
//! elements; `permute2x128` moves the lanes between the memory order and the two-block order.
//!
//! Invariants relied on by the `unsafe` blocks:
//! 1. Every kernel runs only after `is_x86_feature_detected!("avx2")` returned true (checked in
//!    [`shuffle`] and [`unshuffle`]).
//! 2. Every load/store of `w` bytes is at an offset `o` with `o + w <= len` of the slice it
//!    addresses; the block loops compute their bounds so that this holds (comments at each).
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics with unaligned loads and stores"
)]

use std::arch::x86_64::{
    __m256i, _mm_loadu_si128, _mm_storeu_si128, _mm256_castsi256_si128, _mm256_extracti128_si256,
    _mm256_loadu_si256, _mm256_permute2x128_si256, _mm256_set_m128i, _mm256_setzero_si256,
    _mm256_storeu_si256, _mm256_unpackhi_epi8, _mm256_unpacklo_epi8,
};

/// Whether this CPU can run the kernels of this module.
fn detected() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Shuffles as many leading elements as the kernels handle; returns that element count (the
/// caller finishes the rest). `src` and `dst` hold whole elements.
pub(super) fn shuffle(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: AVX2 was detected just above (invariant 1).
    unsafe {
        match ts {
            4 => shuffle_pow2::<4>(src, dst),
            8 => shuffle_pow2::<8>(src, dst),
            // Measured on 256 KiB blocks: the SSE2 kernels are faster for 2 and 16.
            2 | 16 => super::sse2::shuffle(ts, src, dst),
            _ => shuffle_tiles(ts, src, dst),
        }
    }
}

/// Inverse of [`shuffle`], same contract.
pub(super) fn unshuffle(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: AVX2 was detected just above (invariant 1).
    unsafe {
        match ts {
            4 => unshuffle_pow2::<4>(src, dst),
            8 => unshuffle_pow2::<8>(src, dst),
            2 | 16 => super::sse2::unshuffle(ts, src, dst),
            _ => unshuffle_tiles(ts, src, dst),
        }
    }
}

/// One perfect-shuffle round over T registers, per lane.
#[inline]
#[target_feature(enable = "avx2")]
fn interleave<const T: usize>(r: [__m256i; T]) -> [__m256i; T] {
    let mut o = r;
    for q in 0..T / 2 {
        o[2 * q] = _mm256_unpacklo_epi8(r[q], r[q + T / 2]);
        o[2 * q + 1] = _mm256_unpackhi_epi8(r[q], r[q + T / 2]);
    }
    o
}

/// `[lo lane of a, lo lane of b]` if `hi` is false, else `[hi lane of a, hi lane of b]`.
#[inline]
#[target_feature(enable = "avx2")]
fn lanes(a: __m256i, b: __m256i, hi: bool) -> __m256i {
    if hi {
        _mm256_permute2x128_si256::<0x31>(a, b)
    } else {
        _mm256_permute2x128_si256::<0x20>(a, b)
    }
}

/// Shuffle for T in {2, 4, 8, 16}, 32 elements (blocks A and B of 16) at a time.
///
/// # Safety
/// AVX2 must be available (invariant 1).
#[target_feature(enable = "avx2")]
unsafe fn shuffle_pow2<const T: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / T;
    let blocks = n / 32;
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 32;
        let mut l = [_mm256_setzero_si256(); T];
        for (p, reg) in l.iter_mut().enumerate() {
            // SAFETY: i*T + 32p + 32 <= (i + 32) * T <= n*T (invariant 2).
            *reg = unsafe { _mm256_loadu_si256(s.add(i * T + 32 * p).cast()) };
        }
        // Register q = [A chunk q, B chunk q]; chunk c of the 32T bytes is in l[c/2], lane c%2.
        let mut r = [_mm256_setzero_si256(); T];
        for (q, reg) in r.iter_mut().enumerate() {
            *reg = lanes(l[q / 2], l[T / 2 + q / 2], q % 2 == 1);
        }
        for _ in 0..4 {
            r = interleave(r);
        }
        for (j, reg) in r.iter().enumerate() {
            // SAFETY: j*n + i + 32 <= j*n + n <= n*T (invariant 2).
            unsafe { _mm256_storeu_si256(d.add(j * n + i).cast(), *reg) };
        }
    }
    blocks * 32
}

/// Unshuffle for T = 2^k in {2, 4, 8, 16}, 32 elements at a time.
///
/// # Safety
/// AVX2 must be available (invariant 1).
#[target_feature(enable = "avx2")]
unsafe fn unshuffle_pow2<const T: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / T;
    let blocks = n / 32;
    let rounds = T.trailing_zeros();
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 32;
        let mut r = [_mm256_setzero_si256(); T];
        for (j, reg) in r.iter_mut().enumerate() {
            // SAFETY: j*n + i + 32 <= n*T (invariant 2).
            *reg = unsafe { _mm256_loadu_si256(s.add(j * n + i).cast()) };
        }
        for _ in 0..rounds {
            r = interleave(r);
        }
        // r[q] = [A chunk q, B chunk q]; store p holds chunks 2p, 2p+1 of A (p < T/2) or of B.
        for p in 0..T {
            let c = (2 * p) % T;
            let v = lanes(r[c], r[c + 1], p >= T / 2);
            // SAFETY: i*T + 32p + 32 <= (i + 32) * T <= n*T (invariant 2).
            unsafe { _mm256_storeu_si256(d.add(i * T + 32 * p).cast(), v) };
        }
    }
    blocks * 32
}

/// Number of 32-element blocks whose 16-byte element accesses stay inside `n * ts` bytes (the
/// last element of a block is accessed up to byte `(i + 31) * ts + max(ts, 16)`).
fn tile_blocks(ts: usize, n: usize) -> usize {
    let need = 31 * ts + ts.max(16);
    let len = n * ts;
    if len < need {
        0
    } else {
        ((len - need) / (32 * ts) + 1).min(n / 32)
    }
}

/// Byte offsets of the 16-byte columns of an element (see `sse2::columns`).
fn columns(ts: usize) -> impl Iterator<Item = usize> {
    let full = ts / 16;
    let last = (!ts.is_multiple_of(16) && ts > 16).then(|| ts - 16);
    (0..full.max(1)).map(|c| c * 16).chain(last)
}

/// Shuffle for any typesize >= 3 with 16x16 byte transposes, two per register.
///
/// # Safety
/// AVX2 must be available (invariant 1).
#[target_feature(enable = "avx2")]
unsafe fn shuffle_tiles(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / ts;
    let blocks = tile_blocks(ts, n);
    let rows = ts.min(16);
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 32;
        for j in columns(ts) {
            let mut r = [_mm256_setzero_si256(); 16];
            for (m, reg) in r.iter_mut().enumerate() {
                // SAFETY: elements i+m and i+16+m are in the block; by tile_blocks their bytes
                // j..j+16 are inside the slice (invariant 2).
                let (lo, hi) = unsafe {
                    (
                        _mm_loadu_si128(s.add((i + m) * ts + j).cast()),
                        _mm_loadu_si128(s.add((i + 16 + m) * ts + j).cast()),
                    )
                };
                *reg = _mm256_set_m128i(hi, lo);
            }
            for _ in 0..4 {
                r = interleave(r);
            }
            for (k, reg) in r.iter().take(rows).enumerate() {
                // SAFETY: j+k < ts and i + 32 <= n (invariant 2).
                unsafe { _mm256_storeu_si256(d.add((j + k) * n + i).cast(), *reg) };
            }
        }
    }
    blocks * 32
}

/// Unshuffle for any typesize >= 3 with 16x16 byte transposes, two per register. Stores go in
/// increasing element order, so the `16 - ts` spare bytes each store writes for ts < 16 are
/// overwritten by the next store or by the caller's scalar tail.
///
/// # Safety
/// AVX2 must be available (invariant 1).
#[target_feature(enable = "avx2")]
unsafe fn unshuffle_tiles(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / ts;
    let blocks = tile_blocks(ts, n);
    let rows = ts.min(16);
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 32;
        for j in columns(ts) {
            let mut r = [_mm256_setzero_si256(); 16];
            for (k, reg) in r.iter_mut().take(rows).enumerate() {
                // SAFETY: j+k < ts and i + 32 <= n (invariant 2).
                *reg = unsafe { _mm256_loadu_si256(s.add((j + k) * n + i).cast()) };
            }
            for _ in 0..4 {
                r = interleave(r);
            }
            for (m, reg) in r.iter().enumerate() {
                // SAFETY: element i+m is in the block, bytes j..j+16 inside by tile_blocks
                // (invariant 2).
                unsafe {
                    _mm_storeu_si128(d.add((i + m) * ts + j).cast(), _mm256_castsi256_si128(*reg))
                };
            }
            for (m, reg) in r.iter().enumerate() {
                let hi = _mm256_extracti128_si256::<1>(*reg);
                // SAFETY: element i+16+m is in the block, bytes j..j+16 inside by tile_blocks
                // (invariant 2).
                unsafe { _mm_storeu_si128(d.add((i + 16 + m) * ts + j).cast(), hi) };
            }
        }
    }
    blocks * 32
}
