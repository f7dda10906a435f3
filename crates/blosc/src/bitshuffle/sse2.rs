//! SSE2 bit transpose: `movemask_epi8` collects bit 7 of 16 bytes; shifting the bytes left by
//! one between the 8 masks yields bit-rows 7 down to 0.
//!
//! Invariants relied on by the `unsafe` blocks:
//! 1. SSE2 is part of the x86-64 baseline, so the intrinsics are always available.
//! 2. Every 16-byte load is at an offset `o` with `o + 16 <= len` of the slice it reads.
#![allow(unsafe_code, reason = "SIMD loads")]

use std::arch::x86_64::{_mm_loadu_si128, _mm_movemask_epi8, _mm_slli_epi16};

/// Bit-transposes the leading 16-byte chunks of `row` into the 8 bit-rows of `out` (see
/// `scalar::trans_bits`); returns the number of row bytes done.
pub(super) fn trans_bits(row: &[u8], out: &mut [u8]) -> usize {
    // SAFETY: SSE2 is present on every x86-64 CPU (invariant 1).
    unsafe { trans(row, out) }
}

/// # Safety
/// SSE2 must be available (invariant 1).
#[target_feature(enable = "sse2")]
unsafe fn trans(row: &[u8], out: &mut [u8]) -> usize {
    let len = row.len().min(out.len()) & !7;
    let stride = len / 8;
    let chunks = len / 16;
    for c in 0..chunks {
        // SAFETY: 16c + 16 <= len <= row.len() (invariant 2).
        let mut v = unsafe { _mm_loadu_si128(row.as_ptr().add(16 * c).cast()) };
        for k in (0..8).rev() {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "movemask_epi8 sets 16 bits"
            )]
            let m = _mm_movemask_epi8(v) as u16;
            out[k * stride + 2 * c..k * stride + 2 * c + 2].copy_from_slice(&m.to_le_bytes());
            v = _mm_slli_epi16::<1>(v);
        }
    }
    chunks * 16
}
