//! AVX2 bit transposes. Forward: `movemask_epi8` collects bit 7 of 32 bytes, shifting left by
//! one between masks. Inverse: each 32-bit mask is broadcast, its bytes spread with `pshufb` so
//! that byte i holds mask byte i / 8, and `cmpeq` against `1 << (i % 8)` turns bit i into a byte.
//!
//! Invariants relied on by the `unsafe` blocks:
//! 1. The kernels run only after `is_x86_feature_detected!("avx2")` returned true.
//! 2. Every 32-byte load/store is at an offset `o` with `o + 32 <= len` of its slice.
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics with unaligned loads and stores"
)]

use std::arch::x86_64::{
    _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
    _mm256_set1_epi8, _mm256_set1_epi32, _mm256_setr_epi8, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_slli_epi16, _mm256_storeu_si256,
};

/// Bit-transposes the leading 32-byte chunks of `row` into the 8 bit-rows of `out` (see
/// `scalar::trans_bits`); returns the number of row bytes done.
pub(super) fn trans_bits(row: &[u8], out: &mut [u8]) -> usize {
    if !std::is_x86_feature_detected!("avx2") {
        return 0;
    }
    // SAFETY: AVX2 was detected just above (invariant 1).
    unsafe { trans(row, out) }
}

/// Inverse of [`trans_bits`]; returns the number of row bytes done.
pub(super) fn untrans_bits(bits: &[u8], row: &mut [u8]) -> usize {
    if !std::is_x86_feature_detected!("avx2") {
        return 0;
    }
    // SAFETY: AVX2 was detected just above (invariant 1).
    unsafe { untrans(bits, row) }
}

/// # Safety
/// AVX2 must be available (invariant 1).
#[target_feature(enable = "avx2")]
unsafe fn trans(row: &[u8], out: &mut [u8]) -> usize {
    let len = row.len().min(out.len()) & !7;
    let stride = len / 8;
    let chunks = len / 32;
    for c in 0..chunks {
        // SAFETY: 32c + 32 <= len <= row.len() (invariant 2).
        let mut v = unsafe { _mm256_loadu_si256(row.as_ptr().add(32 * c).cast()) };
        for k in (0..8).rev() {
            #[expect(clippy::cast_sign_loss, reason = "the 32 mask bits, reinterpreted")]
            let m = _mm256_movemask_epi8(v) as u32;
            out[k * stride + 4 * c..k * stride + 4 * c + 4].copy_from_slice(&m.to_le_bytes());
            v = _mm256_slli_epi16::<1>(v);
        }
    }
    chunks * 32
}

/// # Safety
/// AVX2 must be available (invariant 1).
#[target_feature(enable = "avx2")]
unsafe fn untrans(bits: &[u8], row: &mut [u8]) -> usize {
    let len = bits.len().min(row.len()) & !7;
    let stride = len / 8;
    let chunks = len / 32;
    let spread = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, //
        2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
    );
    let select = _mm256_setr_epi8(
        1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128, //
        1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
    );
    for c in 0..chunks {
        let mut acc = _mm256_setzero_si256();
        for k in 0..8 {
            let o = k * stride + 4 * c;
            let mut m = [0u8; 4];
            m.copy_from_slice(&bits[o..o + 4]);
            let x = i32::from_le_bytes(m);
            let v = _mm256_shuffle_epi8(_mm256_set1_epi32(x), spread);
            let set = _mm256_cmpeq_epi8(_mm256_and_si256(v, select), select);
            let bit = _mm256_set1_epi8((1u8 << k) as i8);
            acc = _mm256_or_si256(acc, _mm256_and_si256(set, bit));
        }
        // SAFETY: 32c + 32 <= len <= row.len() (invariant 2).
        unsafe { _mm256_storeu_si256(row.as_mut_ptr().add(32 * c).cast(), acc) };
    }
    chunks * 32
}
