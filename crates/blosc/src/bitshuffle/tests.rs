use super::scalar::transpose8;
use super::{bitshuffle, bitshuffle_with, bitunshuffle, bitunshuffle_with};
use crate::shuffle::{Kernel, kernels};
use proptest::prelude::*;

/// The definition, bit by bit.
fn naive(ts: usize, nelems: usize, src: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    let body = nelems * ts;
    out[..body].fill(0);
    let rowlen = nelems / 8;
    for e in 0..nelems {
        for j in 0..ts {
            for k in 0..8 {
                let bit = (src[e * ts + j] >> k) & 1;
                out[(8 * j + k) * rowlen + e / 8] |= bit << (e % 8);
            }
        }
    }
    out
}

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[5]
        })
        .collect()
}

#[test]
fn transpose8_swaps_rows_and_columns() {
    for (r, c) in [(0, 0), (0, 7), (3, 5), (7, 0), (6, 6)] {
        assert_eq!(transpose8(1 << (8 * r + c)), 1 << (8 * c + r));
    }
}

#[test]
fn bitshuffle_ts1_by_hand() {
    // Element m has only bit m%8 set (m < 8), then all ones.
    let src = [
        1, 2, 4, 8, 16, 32, 64, 128, 255, 255, 255, 255, 255, 255, 255, 255, 7,
    ];
    let mut dst = [0; 17];
    let mut scratch = Vec::new();
    bitshuffle(1, 16, &src, &mut dst, &mut scratch);
    // Bit-row k (2 bytes): element k in the first byte, all 8 elements in the second.
    let want = [
        1, 255, 2, 255, 4, 255, 8, 255, 16, 255, 32, 255, 64, 255, 128, 255, 7,
    ];
    assert_eq!(dst, want);
    let mut back = [0; 17];
    bitunshuffle(1, 16, &dst, &mut back, &mut scratch);
    assert_eq!(back, src);
}

#[test]
fn bitshuffle_ts2_by_hand() {
    // 8 elements u16 = 0x8001: byte 0 has bit 0, byte 1 has bit 7.
    let src: Vec<u8> = (0..8).flat_map(|_| [0x01, 0x80]).chain([9]).collect();
    let mut dst = vec![0; 17];
    bitshuffle(2, 8, &src, &mut dst, &mut Vec::new());
    let mut want = vec![0; 17];
    want[0] = 0xFF; // row 8*0 + 0
    want[15] = 0xFF; // row 8*1 + 7
    want[16] = 9;
    assert_eq!(dst, want);
}

#[test]
fn bitshuffle_zero_elems_is_copy() {
    let src = pattern(37, 3);
    let mut dst = vec![0; 37];
    bitshuffle(4, 0, &src, &mut dst, &mut Vec::new());
    assert_eq!(dst, src);
    bitunshuffle(0, 8, &src, &mut dst, &mut Vec::new());
    assert_eq!(dst, src);
}

#[test]
fn bitshuffle_every_kernel_matches_naive() {
    for kernel in kernels() {
        for ts in (1..=20).chain([31, 32, 33, 255]) {
            for nelems in [8, 16, 24, 56, 64, 120, 128, 136, 256, 264, 520] {
                let src = pattern(nelems * ts + 5, (ts * 7919 + nelems) as u64);
                let want = naive(ts, nelems, &src);
                let mut dst = vec![0; src.len()];
                let mut scratch = Vec::new();
                bitshuffle_with(kernel, ts, nelems, &src, &mut dst, &mut scratch);
                assert_eq!(dst, want, "bitshuffle {kernel:?} ts {ts} nelems {nelems}");
                let mut back = vec![0; src.len()];
                bitunshuffle_with(kernel, ts, nelems, &want, &mut back, &mut scratch);
                assert_eq!(back, src, "bitunshuffle {kernel:?} ts {ts} nelems {nelems}");
            }
        }
    }
}

fn typesize() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..=32, Just(63usize), Just(255)]
}

/// A length and an element count that fits in it (a multiple of 8, maybe less than all).
fn case() -> impl Strategy<Value = (usize, usize, usize)> {
    (typesize(), 0usize..=70_000).prop_flat_map(|(ts, len)| {
        let max = len / ts / 8;
        (Just(ts), Just(len), (0..=max).prop_map(|e| e * 8))
    })
}

proptest! {
    #[test]
    fn bitshuffle_kernels_equal_scalar((ts, len, nelems) in case(), seed: u64) {
        let src = pattern(len, seed);
        let mut scratch = Vec::new();
        let mut want = vec![0; len];
        bitshuffle_with(Kernel::Scalar, ts, nelems, &src, &mut want, &mut scratch);
        for kernel in kernels() {
            let mut dst = vec![0; len];
            bitshuffle_with(kernel, ts, nelems, &src, &mut dst, &mut scratch);
            prop_assert!(dst == want, "bitshuffle {:?} ts {} nelems {}", kernel, ts, nelems);
        }
    }

    #[test]
    fn bitunshuffle_kernels_equal_scalar((ts, len, nelems) in case(), seed: u64) {
        let src = pattern(len, seed);
        let mut scratch = Vec::new();
        let mut want = vec![0; len];
        bitunshuffle_with(Kernel::Scalar, ts, nelems, &src, &mut want, &mut scratch);
        for kernel in kernels() {
            let mut dst = vec![0; len];
            bitunshuffle_with(kernel, ts, nelems, &src, &mut dst, &mut scratch);
            prop_assert!(dst == want, "bitunshuffle {:?} ts {} nelems {}", kernel, ts, nelems);
        }
    }

    #[test]
    fn bitunshuffle_inverts_bitshuffle((ts, len, nelems) in case(), seed: u64) {
        let src = pattern(len, seed);
        let mut scratch = Vec::new();
        let mut mid = vec![0; len];
        bitshuffle(ts, nelems, &src, &mut mid, &mut scratch);
        let mut back = vec![0; len];
        bitunshuffle(ts, nelems, &mid, &mut back, &mut scratch);
        prop_assert_eq!(back, src);
    }
}
