//! AVX-512 (F + BW) bit transposes: `test_epi8_mask` against `1 << k` gives bit-row k of 64
//! bytes as one 64-bit mask; the inverse ORs `maskz_mov_epi8(mask_k, 1 << k)` over the 8 rows.
//!
//! Invariants relied on by the `unsafe` blocks:
//! 1. The kernels run only after AVX-512 F and BW were detected.
//! 2. Every 64-byte load/store is at an offset `o` with `o + 64 <= len` of its slice.
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics with unaligned loads and stores"
)]

use std::arch::x86_64::{
    _mm512_loadu_si512, _mm512_maskz_mov_epi8, _mm512_or_si512, _mm512_set1_epi8,
    _mm512_setzero_si512, _mm512_storeu_si512, _mm512_test_epi8_mask,
};

/// Whether this CPU can run the kernels.
fn detected() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
}

/// Bit-transposes the leading 64-byte chunks of `row` into the 8 bit-rows of `out` (see
/// `scalar::trans_bits`); returns the number of row bytes done.
pub(super) fn trans_bits(row: &[u8], out: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: F + BW were detected just above (invariant 1).
    unsafe { trans(row, out) }
}

/// Inverse of [`trans_bits`]; returns the number of row bytes done.
pub(super) fn untrans_bits(bits: &[u8], row: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: F + BW were detected just above (invariant 1).
    unsafe { untrans(bits, row) }
}

/// `1 << k` in every byte.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn bit(k: usize) -> std::arch::x86_64::__m512i {
    _mm512_set1_epi8((1u8 << k) as i8)
}

/// # Safety
/// AVX-512 F + BW must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn trans(row: &[u8], out: &mut [u8]) -> usize {
    let len = row.len().min(out.len()) & !7;
    let stride = len / 8;
    let chunks = len / 64;
    for c in 0..chunks {
        // SAFETY: 64c + 64 <= len <= row.len() (invariant 2).
        let v = unsafe { _mm512_loadu_si512(row.as_ptr().add(64 * c).cast()) };
        for k in 0..8 {
            let m = _mm512_test_epi8_mask(v, bit(k));
            out[k * stride + 8 * c..k * stride + 8 * c + 8].copy_from_slice(&m.to_le_bytes());
        }
    }
    chunks * 64
}

/// # Safety
/// AVX-512 F + BW must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn untrans(bits: &[u8], row: &mut [u8]) -> usize {
    let len = bits.len().min(row.len()) & !7;
    let stride = len / 8;
    let chunks = len / 64;
    for c in 0..chunks {
        let mut acc = _mm512_setzero_si512();
        for k in 0..8 {
            let o = k * stride + 8 * c;
            let mut m = [0u8; 8];
            m.copy_from_slice(&bits[o..o + 8]);
            acc = _mm512_or_si512(acc, _mm512_maskz_mov_epi8(u64::from_le_bytes(m), bit(k)));
        }
        // SAFETY: 64c + 64 <= len <= row.len() (invariant 2).
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().add(64 * c).cast(), acc) };
    }
    chunks * 64
}
