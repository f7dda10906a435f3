//! AVX-512 shuffle kernels.
//!
//! * T in {2, 4, 8, 16} (AVX-512 F + BW): the interleave rounds of `sse2.rs` on four independent
//!   16-element blocks, one per 128-bit lane (a block is 64 elements); 4x4 transposes of 128-bit
//!   lanes (`shuffle_i64x2`) move between memory order and the four-block order.
//! * Unshuffle for T = 8 with VBMI (the f64/i64 decode and scan path): three rounds of
//!   two-register byte permutes, 24 per 64 elements instead of 40 shuffles.
//! * Other T < 16 (needs VBMI too): a block of 64 elements is T registers; output row j gathers
//!   byte `m*T + j` of the block for m < 64 with one masked two-register byte permute
//!   (`vpermt2b`) per register pair, the masks computed once per call. Unshuffle does the reverse.
//! * T > 16, or T < 16 without VBMI: the AVX2 tile kernels.
//!
//! Invariants relied on by the `unsafe` blocks:
//! 1. Every kernel runs only after [`detected`] (and for the VBMI kernels `avx512vbmi` detection)
//!    returned true; AVX-512 F/BW imply AVX2.
//! 2. Every load/store of `w` bytes is at an offset `o` with `o + w <= len` of the slice it
//!    addresses; the block loops compute their bounds so that this holds (comments at each).
#![allow(
    unsafe_code,
    reason = "SIMD intrinsics with unaligned loads and stores"
)]

use std::arch::x86_64::{
    __m512i, _mm512_add_epi8, _mm512_loadu_si512, _mm512_maskz_permutex2var_epi8, _mm512_or_si512,
    _mm512_permutex2var_epi8, _mm512_permutex2var_epi64, _mm512_set_epi64, _mm512_set1_epi8,
    _mm512_setzero_si512, _mm512_shuffle_i64x2, _mm512_storeu_si512, _mm512_unpackhi_epi8,
    _mm512_unpacklo_epi8,
};

/// Whether this CPU can run the F + BW kernels of this module.
pub(super) fn detected() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
}

/// Whether the VBMI kernels can run.
fn vbmi() -> bool {
    detected() && std::is_x86_feature_detected!("avx512vbmi")
}

/// Shuffles as many leading elements as the kernels handle; returns that element count (the
/// caller finishes the rest). `src` and `dst` hold whole elements.
pub(super) fn shuffle(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: F + BW detected just above, VBMI checked before its kernel (invariant 1).
    unsafe {
        match ts {
            4 => shuffle_pow2::<4>(src, dst),
            8 => shuffle_pow2::<8>(src, dst),
            // Measured on 256 KiB blocks: the SSE2 kernels are faster for 2 and 16.
            2 | 16 => super::sse2::shuffle(ts, src, dst),
            3..16 if vbmi() => shuffle_vbmi(ts, src, dst),
            _ => super::avx2::shuffle(ts, src, dst),
        }
    }
}

/// Inverse of [`shuffle`], same contract.
pub(super) fn unshuffle(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: F + BW detected just above, VBMI checked before its kernel (invariant 1).
    unsafe {
        match ts {
            4 => unshuffle_pow2::<4>(src, dst),
            8 if vbmi() => {
                let n = src.len().min(dst.len()) / 8;
                let mut rows = [&src[..0]; 8];
                for (j, row) in rows.iter_mut().enumerate() {
                    *row = &src[j * n..(j + 1) * n];
                }
                unshuffle_rows8_vbmi(&rows, dst)
            }
            8 => unshuffle_pow2::<8>(src, dst),
            2 | 16 => super::sse2::unshuffle(ts, src, dst),
            3..16 if vbmi() => unshuffle_vbmi(ts, src, dst),
            _ => super::avx2::unshuffle(ts, src, dst),
        }
    }
}

/// [`unshuffle`] of rows given apart (see [`super::unshuffle_rows`]); returns the elements done
/// (0 when this typesize has no rows kernel here).
pub(super) fn unshuffle_rows(rows: &[&[u8]], dst: &mut [u8]) -> usize {
    if !detected() {
        return 0;
    }
    // SAFETY: F + BW detected just above (invariant 1).
    unsafe {
        match *rows {
            [a, b, c, d] => unshuffle_rows_pow2::<4>(&[a, b, c, d], dst),
            [a, b, c, d, e, f, g, h] if vbmi() => {
                unshuffle_rows8_vbmi(&[a, b, c, d, e, f, g, h], dst)
            }
            [a, b, c, d, e, f, g, h] => unshuffle_rows_pow2::<8>(&[a, b, c, d, e, f, g, h], dst),
            _ => 0,
        }
    }
}

/// One perfect-shuffle round over T registers, per lane.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn interleave<const T: usize>(r: [__m512i; T]) -> [__m512i; T] {
    let mut o = r;
    for q in 0..T / 2 {
        o[2 * q] = _mm512_unpacklo_epi8(r[q], r[q + T / 2]);
        o[2 * q + 1] = _mm512_unpackhi_epi8(r[q], r[q + T / 2]);
    }
    o
}

/// Transposes a 4x4 matrix of 128-bit lanes: `out[x]` lane `l` = `v[l]` lane `x`.
#[inline]
#[target_feature(enable = "avx512f")]
fn transpose4(v: [__m512i; 4]) -> [__m512i; 4] {
    let t0 = _mm512_shuffle_i64x2::<0x44>(v[0], v[1]);
    let t1 = _mm512_shuffle_i64x2::<0xEE>(v[0], v[1]);
    let t2 = _mm512_shuffle_i64x2::<0x44>(v[2], v[3]);
    let t3 = _mm512_shuffle_i64x2::<0xEE>(v[2], v[3]);
    [
        _mm512_shuffle_i64x2::<0x88>(t0, t2),
        _mm512_shuffle_i64x2::<0xDD>(t0, t2),
        _mm512_shuffle_i64x2::<0x88>(t1, t3),
        _mm512_shuffle_i64x2::<0xDD>(t1, t3),
    ]
}

/// Shuffle for T in {2, 4, 8, 16}, 64 elements (four 16-element blocks) at a time.
///
/// # Safety
/// AVX-512 F + BW must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn shuffle_pow2<const T: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / T;
    let blocks = n / 64;
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 64;
        let mut l = [_mm512_setzero_si512(); T];
        for (p, reg) in l.iter_mut().enumerate() {
            // SAFETY: i*T + 64p + 64 <= (i + 64) * T <= n*T (invariant 2).
            *reg = unsafe { _mm512_loadu_si512(s.add(i * T + 64 * p).cast()) };
        }
        // r[q] lane l = chunk T*l + q of the block, which is l[(T*l + q) / 4] lane (T*l + q) % 4.
        let mut r = [_mm512_setzero_si512(); T];
        if T == 2 {
            r[0] = _mm512_shuffle_i64x2::<0x88>(l[0], l[1]);
            r[1] = _mm512_shuffle_i64x2::<0xDD>(l[0], l[1]);
        } else {
            let g4 = T / 4;
            for g in 0..g4 {
                let t = transpose4([l[g], l[g4 + g], l[2 * g4 + g], l[3 * g4 + g]]);
                r[4 * g..4 * g + 4].copy_from_slice(&t);
            }
        }
        for _ in 0..4 {
            r = interleave(r);
        }
        for (j, reg) in r.iter().enumerate() {
            // SAFETY: j*n + i + 64 <= j*n + n <= n*T (invariant 2).
            unsafe { _mm512_storeu_si512(d.add(j * n + i).cast(), *reg) };
        }
    }
    blocks * 64
}

/// Unshuffle for T = 2^k in {2, 4, 8, 16}, 64 elements at a time.
///
/// # Safety
/// AVX-512 F + BW must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn unshuffle_pow2<const T: usize>(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len()) / T;
    let mut rows = [&src[..0]; T];
    for (j, row) in rows.iter_mut().enumerate() {
        *row = &src[j * n..(j + 1) * n];
    }
    // SAFETY: same features as this function's (invariant 1).
    unsafe { unshuffle_rows_pow2::<T>(&rows, dst) }
}

/// Unshuffle for T = 2^k in {2, 4, 8, 16} of T rows given apart: element `i` of the output is
/// byte `i` of every row; `n` = the shortest row or `dst.len() / T` elements, 64 at a time.
/// Returns the elements done (a multiple of 64).
///
/// # Safety
/// AVX-512 F + BW must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn unshuffle_rows_pow2<const T: usize>(rows: &[&[u8]; T], dst: &mut [u8]) -> usize {
    let n = rows.iter().fold(dst.len() / T, |m, r| m.min(r.len()));
    let blocks = n / 64;
    let rounds = T.trailing_zeros();
    let d = dst.as_mut_ptr();
    let mut s = [std::ptr::null::<u8>(); T];
    for (p, row) in s.iter_mut().zip(rows) {
        *p = row.as_ptr();
    }
    for b in 0..blocks {
        let i = b * 64;
        let mut r = [_mm512_setzero_si512(); T];
        for (j, reg) in r.iter_mut().enumerate() {
            // SAFETY: i + 64 <= n <= rows[j].len() (invariant 2).
            *reg = unsafe { _mm512_loadu_si512(s[j].add(i).cast()) };
        }
        for _ in 0..rounds {
            r = interleave(r);
        }
        // r[q] lane l = chunk q of block l; store p holds chunks 4p..4p+4 of the 64T bytes.
        let mut out = [_mm512_setzero_si512(); T];
        if T == 2 {
            let lo = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
            let hi = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
            out[0] = _mm512_permutex2var_epi64(r[0], lo, r[1]);
            out[1] = _mm512_permutex2var_epi64(r[0], hi, r[1]);
        } else {
            let g4 = T / 4;
            for g in 0..g4 {
                let t = transpose4([r[4 * g], r[4 * g + 1], r[4 * g + 2], r[4 * g + 3]]);
                for (x, v) in t.into_iter().enumerate() {
                    out[x * g4 + g] = v;
                }
            }
        }
        for (p, reg) in out.iter().enumerate() {
            // SAFETY: i*T + 64p + 64 <= (i + 64) * T <= n*T (invariant 2).
            unsafe { _mm512_storeu_si512(d.add(i * T + 64 * p).cast(), *reg) };
        }
    }
    blocks * 64
}

/// A 64-byte permute index: byte `i` is `f(i)` (below 128; bit 6 picks the second register).
#[inline]
#[target_feature(enable = "avx512f")]
fn byte_index(f: impl Fn(usize) -> usize) -> __m512i {
    let mut b = [0u8; 64];
    for (i, x) in b.iter_mut().enumerate() {
        *x = u8::try_from(f(i) & 127).unwrap_or(0);
    }
    // SAFETY: a 64-byte array is a valid 64-byte read.
    unsafe { _mm512_loadu_si512(b.as_ptr().cast()) }
}

/// [`unshuffle_rows_pow2`] for T = 8 with VBMI: three rounds of two-register byte permutes
/// (`vpermt2b`), 24 per 64 elements where the unpack rounds and lane transposes take 40 (all on
/// the one 512-bit shuffle port). Round 1 pairs rows `2a, 2a+1` (byte pairs of 32 elements per
/// register), round 2 pairs those (4 bytes of 16 elements), round 3 gives whole elements, 8 per
/// register, in memory order. Same contract as [`unshuffle_rows_pow2`].
///
/// # Safety
/// AVX-512 F + BW + VBMI must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn unshuffle_rows8_vbmi(rows: &[&[u8]; 8], dst: &mut [u8]) -> usize {
    let n = rows.iter().fold(dst.len() / 8, |m, r| m.min(r.len()));
    let blocks = n / 64;
    // Round 1, half h: byte 2e + t = row (2a + t), element 32h + e.
    let r1 = [0, 1].map(|h| byte_index(|i| 32 * h + i / 2 + 64 * (i % 2)));
    // Round 2, quarter q (s = q % 2): byte 4e + u = pair (u / 2) byte (u % 2) of element
    // 16q + e, at 2 (16s + e) + u % 2 of its round-1 register.
    let r2 = [0, 1].map(|s| byte_index(|i| 2 * (16 * s + i / 4) + i % 4 % 2 + 64 * (i % 4 / 2)));
    // Round 3, output p (s = p % 2): byte 8k + j = byte j of element 8p + k, at
    // 4 (8s + k) + j % 4 of the round-2 register of bytes 4 (j / 4)..
    let r3 = [0, 1].map(|s| byte_index(|i| 4 * (8 * s + i / 8) + i % 8 % 4 + 64 * (i % 8 / 4)));
    let d = dst.as_mut_ptr();
    for blk in 0..blocks {
        let i = blk * 64;
        let mut r = [_mm512_setzero_si512(); 8];
        for (j, reg) in r.iter_mut().enumerate() {
            // SAFETY: i + 64 <= n <= rows[j].len() (invariant 2).
            *reg = unsafe { _mm512_loadu_si512(rows[j].as_ptr().add(i).cast()) };
        }
        // p1[2a + h]: rows 2a, 2a + 1, elements 32h..32h + 32.
        let mut p1 = [_mm512_setzero_si512(); 8];
        for a in 0..4 {
            for h in 0..2 {
                p1[2 * a + h] = _mm512_permutex2var_epi8(r[2 * a], r1[h], r[2 * a + 1]);
            }
        }
        // p2[4b + q]: bytes 4b..4b + 4 of elements 16q..16q + 16.
        let mut p2 = [_mm512_setzero_si512(); 8];
        for b in 0..2 {
            for q in 0..4 {
                let (x, y) = (p1[2 * (2 * b) + q / 2], p1[2 * (2 * b + 1) + q / 2]);
                p2[4 * b + q] = _mm512_permutex2var_epi8(x, r2[q % 2], y);
            }
        }
        for p in 0..8 {
            let v = _mm512_permutex2var_epi8(p2[p / 2], r3[p % 2], p2[4 + p / 2]);
            // SAFETY: i*8 + 64p + 64 <= (i + 64) * 8 <= n*8 <= dst.len() (invariant 2).
            unsafe { _mm512_storeu_si512(d.add(i * 8 + 64 * p).cast(), v) };
        }
    }
    blocks * 64
}

/// Register pairs of a T-register block: `ceil(T / 2)`, at most 8 for T < 16.
const PAIRS: usize = 8;

/// Shuffle for 2 < T < 16 with VBMI byte permutes, 64 elements at a time.
///
/// # Safety
/// AVX-512 F + BW + VBMI must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn shuffle_vbmi(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    if !(3..16).contains(&ts) {
        return 0;
    }
    let n = src.len().min(dst.len()) / ts;
    let blocks = n / 64;
    let pairs = ts.div_ceil(2);
    // masks[j][p]: output bytes m of row j whose source byte m*ts + j is in register pair p.
    let mut masks = [[0u64; PAIRS]; 16];
    let mut base = [0u8; 64];
    for (m, b) in base.iter_mut().enumerate() {
        *b = (m * ts).to_le_bytes()[0]; // mod 256; vpermt2b uses the low 7 bits
        for (j, row) in masks.iter_mut().enumerate().take(ts) {
            row[(m * ts + j) / 128] |= 1 << m;
        }
    }
    // SAFETY: a 64-byte array is a valid 64-byte read.
    let base = unsafe { _mm512_loadu_si512(base.as_ptr().cast()) };
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 64;
        let mut l = [_mm512_setzero_si512(); 2 * PAIRS];
        for (p, reg) in l.iter_mut().enumerate().take(ts) {
            // SAFETY: i*ts + 64p + 64 <= (i + 64) * ts <= n*ts (invariant 2).
            *reg = unsafe { _mm512_loadu_si512(s.add(i * ts + 64 * p).cast()) };
        }
        for (j, row_masks) in masks.iter().enumerate().take(ts) {
            #[expect(clippy::cast_possible_truncation, reason = "j < 16")]
            let idx = _mm512_add_epi8(base, _mm512_set1_epi8(j as i8));
            let mut acc = _mm512_setzero_si512();
            for p in 0..pairs {
                let v = _mm512_maskz_permutex2var_epi8(row_masks[p], l[2 * p], idx, l[2 * p + 1]);
                acc = _mm512_or_si512(acc, v);
            }
            // SAFETY: j*n + i + 64 <= j*n + n <= n*ts (invariant 2).
            unsafe { _mm512_storeu_si512(d.add(j * n + i).cast(), acc) };
        }
    }
    blocks * 64
}

/// Unshuffle for 2 < T < 16 with VBMI byte permutes, 64 elements at a time.
///
/// # Safety
/// AVX-512 F + BW + VBMI must be available (invariant 1).
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn unshuffle_vbmi(ts: usize, src: &[u8], dst: &mut [u8]) -> usize {
    if !(3..16).contains(&ts) {
        return 0;
    }
    let n = src.len().min(dst.len()) / ts;
    let blocks = n / 64;
    let pairs = ts.div_ceil(2);
    // Output register q byte s is block byte t = 64q + s = element t / ts, byte j = t % ts, taken
    // from row j (pair j / 2, upper half of the pair's table if j is odd).
    let mut idx = [[0u8; 64]; 16];
    let mut masks = [[0u64; PAIRS]; 16];
    for q in 0..ts {
        for (s, ix) in idx[q].iter_mut().enumerate() {
            let t = 64 * q + s;
            let (m, j) = (t / ts, t % ts);
            #[expect(clippy::cast_possible_truncation, reason = "m < 64")]
            let v = (m + 64 * (j & 1)) as u8;
            *ix = v;
            masks[q][j / 2] |= 1 << s;
        }
    }
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    for b in 0..blocks {
        let i = b * 64;
        let mut r = [_mm512_setzero_si512(); 2 * PAIRS];
        for (j, reg) in r.iter_mut().enumerate().take(ts) {
            // SAFETY: j*n + i + 64 <= n*ts (invariant 2).
            *reg = unsafe { _mm512_loadu_si512(s.add(j * n + i).cast()) };
        }
        for q in 0..ts {
            // SAFETY: a 64-byte array is a valid 64-byte read.
            let ix = unsafe { _mm512_loadu_si512(idx[q].as_ptr().cast()) };
            let mut acc = _mm512_setzero_si512();
            for p in 0..pairs {
                let v = _mm512_maskz_permutex2var_epi8(masks[q][p], r[2 * p], ix, r[2 * p + 1]);
                acc = _mm512_or_si512(acc, v);
            }
            // SAFETY: i*ts + 64q + 64 <= (i + 64) * ts <= n*ts (invariant 2).
            unsafe { _mm512_storeu_si512(d.add(i * ts + 64 * q).cast(), acc) };
        }
    }
    blocks * 64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The VBMI rows kernel for T = 8 equals the F + BW one it replaces where VBMI exists
        /// (the shuffle tests compare the dispatched kernels with the scalar code; this keeps
        /// the F + BW kernel checked on machines that have VBMI).
        #[test]
        fn rows8_vbmi_equals_rows_pow2(
            n in 0usize..2_000,
            extra in prop::collection::vec(0usize..100, 8),
            seed: u64,
        ) {
            if !super::vbmi() {
                return Ok(());
            }
            let owned: Vec<Vec<u8>> = (0u64..)
                .zip(&extra)
                .map(|(j, &e)| super::super::tests::pattern(n + e, seed ^ j))
                .collect();
            let rows: [&[u8]; 8] = std::array::from_fn(|j| &owned[j][..]);
            let mut a = vec![0u8; 8 * n + 8];
            let mut b = a.clone();
            // SAFETY: VBMI (and F + BW) detected above (invariant 1).
            let (da, db) = unsafe {
                (
                    super::unshuffle_rows8_vbmi(&rows, &mut a),
                    super::unshuffle_rows_pow2::<8>(&rows, &mut b),
                )
            };
            prop_assert_eq!(da, db);
            prop_assert!(a == b);
        }
    }
}
