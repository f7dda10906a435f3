use super::{
    Kernel, kernels, shuffle, shuffle_with, unshuffle, unshuffle_rows_with, unshuffle_with,
};
use proptest::prelude::*;

/// The definition, byte by byte.
fn naive(ts: usize, src: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    if ts > 1 {
        let n = src.len() / ts;
        for i in 0..n {
            for j in 0..ts {
                out[j * n + i] = src[i * ts + j];
            }
        }
    }
    out
}

pub(super) fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[3]
        })
        .collect()
}

#[test]
fn shuffle_ts4_small_by_hand() {
    let src = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    let mut dst = [0; 11];
    shuffle(4, &src, &mut dst);
    assert_eq!(dst, [1, 5, 2, 6, 3, 7, 4, 8, 9, 10, 11]);
    let mut back = [0; 11];
    unshuffle(4, &dst, &mut back);
    assert_eq!(back, src);
}

#[test]
fn shuffle_ts3_by_hand() {
    let src = [0, 1, 2, 10, 11, 12, 20, 21];
    let mut dst = [0; 8];
    shuffle(3, &src, &mut dst);
    assert_eq!(dst, [0, 10, 1, 11, 2, 12, 20, 21]);
}

#[test]
fn shuffle_typesize_one_and_zero_copy() {
    let src = pattern(100, 1);
    for ts in [0, 1] {
        let mut dst = vec![0; 100];
        shuffle(ts, &src, &mut dst);
        assert_eq!(dst, src);
        unshuffle(ts, &src, &mut dst);
        assert_eq!(dst, src);
    }
}

#[test]
fn shuffle_shorter_than_typesize_is_copy() {
    let src = pattern(7, 2);
    let mut dst = vec![0; 7];
    shuffle(8, &src, &mut dst);
    assert_eq!(dst, src);
}

#[test]
fn shuffle_every_kernel_matches_naive_at_block_edges() {
    for kernel in kernels() {
        for ts in (2..=40).chain([63, 64, 65, 127, 128, 255]) {
            for n in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200] {
                for extra in [0, ts - 1] {
                    let src = pattern(n * ts + extra, (ts * 1000 + n) as u64);
                    let want = naive(ts, &src);
                    let mut dst = vec![0xAA; src.len()];
                    shuffle_with(kernel, ts, &src, &mut dst);
                    assert_eq!(dst, want, "shuffle {kernel:?} ts {ts} n {n} extra {extra}");
                    let mut back = vec![0x55; src.len()];
                    unshuffle_with(kernel, ts, &want, &mut back);
                    assert_eq!(
                        back, src,
                        "unshuffle {kernel:?} ts {ts} n {n} extra {extra}"
                    );
                }
            }
        }
    }
}

fn typesize() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..=32, Just(63usize), Just(64), Just(100), Just(255)]
}

proptest! {
    #[test]
    fn shuffle_kernels_equal_scalar(ts in typesize(), len in 0usize..=70_000, seed: u64) {
        let src = pattern(len, seed);
        let mut want = vec![0; len];
        shuffle_with(Kernel::Scalar, ts, &src, &mut want);
        prop_assert_eq!(&want, &naive(ts, &src));
        for kernel in kernels() {
            let mut dst = vec![0; len];
            shuffle_with(kernel, ts, &src, &mut dst);
            prop_assert!(dst == want, "shuffle {:?} ts {} len {}", kernel, ts, len);
        }
    }

    #[test]
    fn unshuffle_kernels_equal_scalar(ts in typesize(), len in 0usize..=70_000, seed: u64) {
        let src = pattern(len, seed);
        let mut want = vec![0; len];
        unshuffle_with(Kernel::Scalar, ts, &src, &mut want);
        for kernel in kernels() {
            let mut dst = vec![0; len];
            unshuffle_with(kernel, ts, &src, &mut dst);
            prop_assert!(dst == want, "unshuffle {:?} ts {} len {}", kernel, ts, len);
        }
    }

    #[test]
    fn unshuffle_rows_equals_unshuffle(
        ts in prop_oneof![Just(2usize), Just(3), Just(4), Just(8), Just(16)],
        n in 0usize..=3_000,
        seed: u64,
    ) {
        // The rows given apart (each in its own buffer, as raw streams lie in a chunk) must
        // unshuffle exactly as the same rows laid out one after the other.
        let src = pattern(n * ts, seed);
        let mut want = vec![0; src.len()];
        unshuffle_with(Kernel::Scalar, ts, &src, &mut want);
        let owned: Vec<Vec<u8>> = src.chunks(n.max(1)).map(<[u8]>::to_vec).collect();
        let rows: Vec<&[u8]> = (0..ts).map(|j| owned.get(j).map_or(&[][..], |r| &r[..])).collect();
        for kernel in kernels() {
            let mut dst = vec![0xAA; src.len()];
            if unshuffle_rows_with(kernel, &rows, &mut dst) {
                prop_assert!(dst == want, "unshuffle_rows {:?} ts {} n {}", kernel, ts, n);
            } else {
                prop_assert!(dst.iter().all(|&b| b == 0xAA), "declined but wrote");
            }
        }
        prop_assert!(unshuffle_rows_with(Kernel::Scalar, &rows, &mut vec![0; src.len()]));
    }

    #[test]
    fn unshuffle_inverts_shuffle(ts in typesize(), src in proptest::collection::vec(any::<u8>(), 0..5_000)) {
        let mut mid = vec![0; src.len()];
        shuffle(ts, &src, &mut mid);
        let mut back = vec![0; src.len()];
        unshuffle(ts, &mid, &mut back);
        prop_assert_eq!(back, src);
    }
}
