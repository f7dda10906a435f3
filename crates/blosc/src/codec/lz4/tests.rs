#![expect(
    clippy::cast_possible_truncation,
    reason = "hand-built test streams from small known values"
)]

use super::copy::{Copier, Safe};
use super::decode::decode;
use super::{Encoder, decompress, decompress_prefix, decompress_with_dict};
use proptest::prelude::*;

/// Worst-case compressed size (`LZ4_compressBound`).
fn bound(n: usize) -> usize {
    n + n / 255 + 16
}

fn compress_fast(src: &[u8], acceleration: u32) -> Vec<u8> {
    let mut dst = vec![0; bound(src.len())];
    let n = Encoder::new().compress(src, &mut dst, acceleration);
    assert!(n > 0);
    dst.truncate(n);
    dst
}

fn compress_hc(src: &[u8], level: u32) -> Vec<u8> {
    let mut dst = vec![0; bound(src.len())];
    let n = Encoder::new().compress_hc(src, &mut dst, level);
    assert!(n > 0);
    dst.truncate(n);
    dst
}

/// Decodes with every copy implementation compiled in and checks they agree.
fn decode_all(src: &[u8], len: usize, dict: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut a = vec![0; len];
    let ra = decode::<Safe, false>(src, &mut a, dict, 0);
    #[cfg(feature = "simd")]
    {
        let mut b = vec![0; len];
        let rb = decode::<super::copy_simd::Wide<32>, false>(src, &mut b, dict, 0);
        assert_eq!(ra.is_ok(), rb.is_ok());
        if ra.is_ok() {
            assert_eq!(a, b);
        }
        // `Wide<64>` runs AVX-512 code on x86-64 (its contract).
        #[cfg(target_arch = "x86_64")]
        let wide64 =
            std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw");
        #[cfg(not(target_arch = "x86_64"))]
        let wide64 = true;
        if wide64 {
            let mut b = vec![0; len];
            let rb = decode::<super::copy_simd::Wide<64>, false>(src, &mut b, dict, 0);
            assert_eq!(ra.is_ok(), rb.is_ok());
            if ra.is_ok() {
                assert_eq!(a, b);
            }
        }
    }
    // The public entry point: with the `simd` feature on an AVX2 machine, the same code
    // compiled for AVX2 (32-byte match copies).
    let mut c = vec![0; len];
    let rc = decompress_with_dict(src, &mut c, dict);
    assert_eq!(ra.is_ok(), rc.is_ok());
    if ra.is_ok() {
        assert_eq!(a, c);
    }
    ra.map(|()| a)
}

/// Inputs of the kinds Blosc sees: random, low entropy, runs, repetitive, shuffled integers.
fn data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..70_000),
        prop::collection::vec(0u8..4, 0..70_000),
        (prop::collection::vec((any::<u8>(), 1usize..300), 0..400)).prop_map(|runs| {
            runs.into_iter()
                .flat_map(|(b, n)| std::iter::repeat_n(b, n))
                .collect()
        }),
        (
            prop::collection::vec(any::<u8>(), 1..40),
            0usize..70_000,
            any::<u64>()
        )
            .prop_map(|(pat, n, seed)| {
                let mut x = seed | 1;
                (0..n)
                    .map(|i| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        if x % 97 == 0 {
                            x.to_le_bytes()[0]
                        } else {
                            pat[i % pat.len()]
                        }
                    })
                    .collect()
            }),
        (0usize..9000, any::<i64>(), 1i64..1000).prop_map(|(n, start, step)| {
            // Byte-shuffled int64 arange: 8 streams of slowly changing bytes.
            let v: Vec<[u8; 8]> = (0..n as i64)
                .map(|i| start.wrapping_add(i * step).to_le_bytes())
                .collect();
            (0..8).flat_map(|b| v.iter().map(move |e| e[b])).collect()
        }),
    ]
}

proptest! {
    #[test]
    fn fast_roundtrip(src in data(), acceleration in 1u32..=9) {
        let c = compress_fast(&src, acceleration);
        prop_assert_eq!(decode_all(&c, src.len(), &[]).expect("decodes"), src.clone());
        let mut out = vec![0; src.len()];
        decompress(&c, &mut out).expect("decodes");
        prop_assert_eq!(&out, &src);
        prop_assert_eq!(lz4_flex::block::decompress(&c, src.len()).expect("flex decodes"), src);
    }

    #[test]
    fn hc_roundtrip(src in data(), level in 1u32..=12) {
        let c = compress_hc(&src, level);
        prop_assert_eq!(decode_all(&c, src.len(), &[]).expect("decodes"), src.clone());
        prop_assert_eq!(lz4_flex::block::decompress(&c, src.len()).expect("flex decodes"), src);
    }

    #[test]
    fn prefix_decode_equals_the_start_of_a_full_decode(
        src in data(),
        acceleration in 1u32..=9,
        cut in any::<prop::sample::Index>(),
    ) {
        let c = compress_fast(&src, acceleration);
        let want = cut.index(src.len() + 1);
        let mut out = vec![0xAA; src.len()];
        decompress_prefix(&c, &mut out, &[], want).expect("decodes");
        prop_assert_eq!(&out[..want], &src[..want]);
    }

    #[test]
    fn decode_lz4_flex_stream(src in data()) {
        let c = lz4_flex::block::compress(&src);
        prop_assert_eq!(decode_all(&c, src.len(), &[]).expect("decodes"), src);
    }

    #[test]
    fn small_output_buffer_gives_zero_or_valid(src in data(), cut in 0usize..64, level in 1u32..=9) {
        // When `dst` is too small the answer is 0; otherwise the stream must still round-trip.
        let cap = src.len().saturating_sub(cut);
        let mut enc = Encoder::new();
        for hc in [false, true] {
            let mut dst = vec![0; cap];
            let n = if hc {
                enc.compress_hc(&src, &mut dst, level)
            } else {
                enc.compress(&src, &mut dst, level)
            };
            if n > 0 {
                prop_assert_eq!(decode_all(&dst[..n], src.len(), &[]).expect("decodes"), src.clone());
            }
        }
    }

    #[test]
    fn decode_arbitrary_never_panics(src in prop::collection::vec(any::<u8>(), 0..300), len in 0usize..2000) {
        let _ = decode_all(&src, len, &[]);
        let _ = decode_all(&src, len, &src);
    }

    #[test]
    fn decode_mutated_stream_never_panics(
        src in data(),
        level in 1u32..=9,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        slack in 0usize..3,
    ) {
        // Valid streams with a few bytes overwritten: lengths and offsets turn into nonsense in
        // the middle of long runs of well-formed sequences, the fast path's territory. Both copy
        // implementations must agree, and an `Ok` must mean the output is fully written.
        let mut c = compress_hc(&src, level);
        for (at, b) in &edits {
            let i = at.index(c.len());
            c[i] = *b;
        }
        for len in [src.len(), src.len() + slack, src.len().saturating_sub(slack)] {
            let _ = decode_all(&c, len, &[]);
            let _ = decode_all(&c, len, &src[..src.len() / 2]);
        }
    }

    #[test]
    fn decode_strict_prefix_is_error(src in data(), level in 1u32..=9) {
        let c = compress_fast(&src, level);
        // Every prefix length near the start and the end, plus a sample in between.
        let step = (c.len() / 64).max(1);
        for cut in (0..c.len()).filter(|&k| k < 40 || k + 40 > c.len() || k % step == 0) {
            prop_assert!(decode_all(&c[..cut], src.len(), &[]).is_err(), "prefix {cut} decoded");
        }
    }

    #[test]
    fn dict_decode_matches_lz4_flex(src in data(), dict in data()) {
        let c = lz4_flex::block::compress_with_dict(&src, &dict);
        let expected = lz4_flex::block::decompress_with_dict(&c, src.len(), &dict).expect("flex");
        prop_assert_eq!(&expected, &src);
        prop_assert_eq!(decode_all(&c, src.len(), &dict).expect("decodes"), src.clone());
        let mut out = vec![0; src.len()];
        decompress_with_dict(&c, &mut out, &dict).expect("decodes");
        prop_assert_eq!(out, src);
    }
}

#[test]
fn empty_input_roundtrip() {
    assert_eq!(compress_fast(&[], 1), [0]);
    assert_eq!(compress_hc(&[], 9), [0]);
    assert!(decompress(&[0], &mut []).is_ok());
    assert!(decompress(&[], &mut []).is_err());
}

#[test]
fn compress_into_too_small_is_zero() {
    let src: Vec<u8> = (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let mut enc = Encoder::new();
    assert_eq!(enc.compress(&src, &mut [0; 10], 1), 0);
    assert_eq!(enc.compress_hc(&src, &mut [0; 10], 9), 0);
    assert_eq!(enc.compress(&src[..5], &mut [0; 5], 1), 0);
}

#[test]
fn decode_zero_offset_is_error() {
    // 1 literal, then a match with offset 0.
    assert!(decompress(&[0x10, b'a', 0, 0, 0x00], &mut [0; 5]).is_err());
}

#[test]
fn decode_offset_before_start_is_error() {
    assert!(decompress(&[0x10, b'a', 2, 0, 0x00], &mut [0; 5]).is_err());
    // The same stream is fine with one byte of dictionary.
    let mut out = [0; 5];
    decompress_with_dict(&[0x10, b'a', 2, 0, 0x00], &mut out, b"z").expect("dict");
    assert_eq!(&out, b"azaza");
}

#[test]
fn decode_too_short_output_is_error() {
    let c = compress_fast(&[7; 1000], 1);
    assert!(decompress(&c, &mut [0; 999]).is_err());
    assert!(decompress(&c, &mut [0; 1001]).is_err());
}

#[test]
fn decode_overlapping_matches_near_end() {
    // Every offset 1..=40 with match lengths that end at various distances from the end of dst,
    // so both the wide and the exact tail paths run.
    for offset in 1..=40usize {
        for tail in 0..48usize {
            let lits: Vec<u8> = (0..offset).map(|i| (i * 37 + 11) as u8).collect();
            let len = 4 + tail + 3 * offset;
            let mut src = vec![];
            let lit_nibble = offset.min(15);
            let ml = len - 4;
            src.push((lit_nibble << 4 | ml.min(15)) as u8);
            if offset >= 15 {
                src.push((offset - 15) as u8);
            }
            src.extend_from_slice(&lits);
            src.extend_from_slice(&(offset as u16).to_le_bytes());
            if ml >= 15 {
                let mut r = ml - 15;
                while r >= 255 {
                    src.push(255);
                    r -= 255;
                }
                src.push(r as u8);
            }
            src.extend_from_slice(&[0x50, 1, 2, 3, 4, 5]);
            let total = offset + len + 5;
            let mut expected: Vec<u8> = lits.clone();
            for i in 0..len {
                expected.push(expected[i]);
            }
            expected.extend_from_slice(&[1, 2, 3, 4, 5]);
            assert_eq!(decode_all(&src, total, &[]).expect("decodes"), expected);
        }
    }
}

#[test]
fn decode_long_runs_in_fast_zone() {
    // Long literal runs and long matches (every offset class) far from the end of the output,
    // followed by plenty of data, so the fast loop's long paths run; then the same near the end.
    let mut src = vec![];
    let mut x = 12_345u32;
    for round in 0..200usize {
        let lit_len = 15 + round % 70;
        for _ in 0..lit_len {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            src.push((x >> 24) as u8);
        }
        let offset = 1 + round % 40;
        let start = src.len() - offset;
        for i in 0..(19 + round * 3 % 600) {
            src.push(src[start + i]);
        }
    }
    for level in [1, 9] {
        let c = compress_fast(&src, level);
        assert_eq!(decode_all(&c, src.len(), &[]).expect("decodes"), src);
        let c = compress_hc(&src, level);
        assert_eq!(decode_all(&c, src.len(), &[]).expect("decodes"), src);
    }
}

#[test]
fn hc_levels_compress_runs_well() {
    // Long runs of one byte (the deep levels jump along them) and repeated blocks.
    let mut src = vec![0u8; 100_000];
    src.extend((0..50_000u32).map(|i| (i % 251) as u8));
    src.extend(std::iter::repeat_n(7u8, 70_000));
    src.extend((0..50_000u32).map(|i| (i % 251) as u8));
    for level in 1..=12 {
        let c = compress_hc(&src, level);
        assert!(c.len() < src.len() / 50, "level {level}: {} bytes", c.len());
        assert_eq!(decode_all(&c, src.len(), &[]).expect("decodes"), src);
    }
}

#[test]
fn safe_and_fast_copiers_agree_on_patterns() {
    for offset in 1..16 {
        let mut a = vec![0u8; 200];
        for (i, b) in a.iter_mut().enumerate().take(offset) {
            *b = i as u8 + 1;
        }
        let mut b = a.clone();
        Safe::copy_match_wide(&mut a, 0, offset, 100);
        super::copy::copy_match_exact(&mut b, 0, offset, 100);
        assert_eq!(a[..offset + 100], b[..offset + 100]);
    }
}
