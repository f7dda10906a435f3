//! SSE2 shuffle kernels (every x86-64 CPU has SSE2).
//!
//! Power-of-two typesizes T = 2^k use "interleave rounds": a block of 16 elements is loaded into T
//! registers; one round of `unpacklo/hi_epi8` between register q and q + T/2 is a perfect shuffle
//! of the whole 16*T-byte block, i.e. a left rotation of the byte address bits. Shuffle needs the
//! address `(i, j) -> (j, i)` (4 rounds), unshuffle the reverse rotation (k rounds). Other
//! typesizes use 16x16 byte transposes (4 rounds with T = 16) of 16-element x 16-byte tiles.
//!
//! Invariants relied on by the `unsafe` blocks:
//! 1. Every kernel runs only after `is_x86_feature_detected!` confirmed its target features
//!    (SSE2 is part of the x86-64 baseline, so here it always holds).
//! 2. Every load/store is 16 bytes at an offset `o` with `o + 16 <= len`, where `len` is the
//!    length of the slice it addresses; the block loops below compute their bounds so that this
//!    holds (see the comments at each loop).
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics with unaligned loads and stores"
)]

use std::arch::x86_64::{
    __m128i, _mm_loadu_si128, _mm_setzero_si128, _mm_storeu_si128, _mm_unpackhi_epi8,
    _mm_unpacklo_epi8,
};

/// Shuffles as many leading elements as the kernels handle; returns that element count (the
/// caller finishes the rest). `src` and `dst` hold whole elements.
pub(super) fn shuffle(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    // SAFETY: SSE2 is always present on x86-64 (invariant 1); the kernels check lengths.
    unsafe {
        match ts {
            2 => shuffle_pow2::<2>(src, dst),
            4 => shuffle_pow2::<4>(src, dst),
            8 => shuffle_pow2::<8>(src, dst),
            16 => shuffle_pow2::<16>(src, dst),
            _ => shuffle_tiles(ts, src, dst),
        }
    }
}

/// Inverse of [`shuffle`], same contract.
pub(super) fn unshuffle(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    // SAFETY: SSE2 is always present on x86-64 (invariant 1); the kernels check lengths.
    unsafe {
        match ts {
            2 => unshuffle_pow2::<2>(src, dst),
            4 => unshuffle_pow2::<4>(src, dst),
            8 => unshuffle_pow2::<8>(src, dst),
            16 => unshuffle_pow2::<16>(src, dst),
            _ => unshuffle_tiles(ts, src, dst),
        }
    }
}

/// One perfect-shuffle round over T registers.
#[inline]
#[target_feature(enable = "sse2")]
fn interleave<const T: usize>(r: [__m128i; T]) -> [__m128i; T] {
    let mut o = r;
    for q in 0..T / 2 {
        o[2 * q] = _mm_unpacklo_epi8(r[q], r[q + T / 2]);
        o[2 * q + 1] = _mm_unpackhi_epi8(r[q], r[q + T / 2]);
    }
    o
}

/// Shuffle for T in {2, 4, 8, 16}, 16 elements at a time.
///
/// # Safety
/// SSE2 must be available (invariant 1).
#[target_feature(enable = "sse2")]
unsafe fn shuffle_pow2<const T: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / T;
    let blocks = n / 16;
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 16;
        let mut r = [_mm_setzero_si128(); T];
        for (q, reg) in r.iter_mut().enumerate() {
            // SAFETY: i*T + 16q + 16 <= (i + 16) * T <= n*T (invariant 2).
            *reg = unsafe { _mm_loadu_si128(s.add(i * T + 16 * q).cast()) };
        }
        for _ in 0..4 {
            r = interleave(r);
        }
        for (j, reg) in r.iter().enumerate() {
            // SAFETY: j*n + i + 16 <= j*n + n <= n*T (invariant 2).
            unsafe { _mm_storeu_si128(d.add(j * n + i).cast(), *reg) };
        }
    }
    blocks * 16
}

/// Unshuffle for T = 2^k in {2, 4, 8, 16}, 16 elements at a time.
///
/// # Safety
/// SSE2 must be available (invariant 1).
#[target_feature(enable = "sse2")]
unsafe fn unshuffle_pow2<const T: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / T;
    let blocks = n / 16;
    let rounds = T.trailing_zeros();
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 16;
        let mut r = [_mm_setzero_si128(); T];
        for (j, reg) in r.iter_mut().enumerate() {
            // SAFETY: j*n + i + 16 <= n*T (invariant 2).
            *reg = unsafe { _mm_loadu_si128(s.add(j * n + i).cast()) };
        }
        for _ in 0..rounds {
            r = interleave(r);
        }
        for (q, reg) in r.iter().enumerate() {
            // SAFETY: i*T + 16q + 16 <= (i + 16) * T <= n*T (invariant 2).
            unsafe { _mm_storeu_si128(d.add(i * T + 16 * q).cast(), *reg) };
        }
    }
    blocks * 16
}

/// Number of 16-element blocks whose 16-byte element loads/stores stay inside `n * ts` bytes:
/// the last element of a block is accessed at `(i + 15) * ts + j` for `j + 16 <= max(ts, 16)`.
fn tile_blocks(ts: usize, n: usize) -> usize {
    let need = 15 * ts + ts.max(16); // bytes from the block start
    let len = n * ts;
    if len < need {
        0
    } else {
        ((len - need) / (16 * ts) + 1).min(n / 16)
    }
}

/// Byte offsets of the 16-byte columns of an element: 0, 16, ... and, if ts is not a multiple
/// of 16, a last one at ts - 16 that overlaps the previous one (it rewrites equal bytes).
/// Typesizes below 16 get one column at 0 of which only `ts` rows are used.
fn columns(ts: usize) -> impl Iterator<Item = usize> {
    let full = ts / 16;
    let last = (!ts.is_multiple_of(16) && ts > 16).then(|| ts - 16);
    (0..full.max(1)).map(|c| c * 16).chain(last)
}

/// Shuffle for any typesize >= 3 with 16x16 byte transposes.
///
/// # Safety
/// SSE2 must be available (invariant 1).
#[target_feature(enable = "sse2")]
unsafe fn shuffle_tiles(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / ts;
    let blocks = tile_blocks(ts, n);
    let rows = ts.min(16);
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 16;
        for j in columns(ts) {
            let mut r = [_mm_setzero_si128(); 16];
            for (m, reg) in r.iter_mut().enumerate() {
                // SAFETY: (i+m)*ts + j + 16 <= block start + 15*ts + max(ts,16) <= n*ts by
                // tile_blocks (invariant 2).
                *reg = unsafe { _mm_loadu_si128(s.add((i + m) * ts + j).cast()) };
            }
            for _ in 0..4 {
                r = interleave(r);
            }
            for (k, reg) in r.iter().take(rows).enumerate() {
                // SAFETY: (j+k) < ts and i + 16 <= n, so (j+k)*n + i + 16 <= n*ts (invariant 2).
                unsafe { _mm_storeu_si128(d.add((j + k) * n + i).cast(), *reg) };
            }
        }
    }
    blocks * 16
}

/// Unshuffle for any typesize >= 3 with 16x16 byte transposes. For ts < 16 each element store
/// also writes 16 - ts bytes of the next element, which the next store (or the caller's scalar
/// tail, which starts at the returned element) overwrites.
///
/// # Safety
/// SSE2 must be available (invariant 1).
#[target_feature(enable = "sse2")]
unsafe fn unshuffle_tiles(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / ts;
    let blocks = tile_blocks(ts, n);
    let rows = ts.min(16);
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 16;
        for j in columns(ts) {
            let mut r = [_mm_setzero_si128(); 16];
            for (k, reg) in r.iter_mut().take(rows).enumerate() {
                // SAFETY: (j+k) < ts and i + 16 <= n (invariant 2).
                *reg = unsafe { _mm_loadu_si128(s.add((j + k) * n + i).cast()) };
            }
            for _ in 0..4 {
                r = interleave(r);
            }
            for (m, reg) in r.iter().enumerate() {
                // SAFETY: as for the loads of shuffle_tiles, by tile_blocks (invariant 2).
                unsafe { _mm_storeu_si128(d.add((i + m) * ts + j).cast(), *reg) };
            }
        }
    }
    blocks * 16
}
