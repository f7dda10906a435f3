//! Tests of the BloscLZ codec: round trips, hostile input, hand-made streams, C streams.

mod c_streams;

use super::{Encoder, Flavor, decompress, decompress_prefix};
use proptest::prelude::*;

/// Small deterministic generator for test data (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

/// Data of a given kind: 0 random, 1 low entropy, 2 runs, 3 repetitive with noise, 4 integers.
fn make_data(kind: u8, len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut v = Vec::with_capacity(len);
    match kind {
        0 => v.extend((0..len).map(|_| rng.byte())),
        1 => v.extend((0..len).map(|_| [0u8, 1, 7, 255][rng.below(4)])),
        2 => {
            while v.len() < len {
                let b = rng.byte();
                let max = if rng.below(8) == 0 { 5000 } else { 40 };
                let k = rng.below(max) + 1;
                v.extend(std::iter::repeat_n(b, k));
            }
        }
        3 => {
            let period = rng.below(2000) + 1;
            let pattern: Vec<u8> = (0..period.min(len.max(1))).map(|_| rng.byte()).collect();
            v.extend(pattern.iter().copied().cycle().take(len));
            for _ in 0..len / 50 {
                let i = rng.below(len);
                v[i] = rng.byte();
            }
        }
        _ => {
            let step = rng.below(5);
            v.extend(
                (0..len.div_ceil(4)).flat_map(|i| u32::try_from(i * step).unwrap().to_le_bytes()),
            );
        }
    }
    v.truncate(len);
    v
}

/// Compresses with a fresh encoder and checks the contract; returns the stream (empty if raw).
fn compress(src: &[u8], clevel: u8, flavor: Flavor) -> Vec<u8> {
    let mut dst = vec![0; src.len()];
    let n = Encoder::new().compress(src, &mut dst, clevel, flavor);
    assert!(n < src.len() || n == 0, "stream as long as its input");
    dst.truncate(n);
    dst
}

fn flavors() -> [Flavor; 3] {
    [
        Flavor::Blosc1 { split: false },
        Flavor::Blosc1 { split: true },
        Flavor::Blosc2,
    ]
}

fn flavor_strategy() -> impl Strategy<Value = Flavor> {
    prop_oneof![
        any::<bool>().prop_map(|split| Flavor::Blosc1 { split }),
        Just(Flavor::Blosc2)
    ]
}

proptest! {
    #[test]
    fn roundtrip_generated_data(
        kind in 0u8..5,
        len in prop_oneof![0usize..300, 0usize..70_000],
        seed in any::<u64>(),
        clevel in 1u8..=9,
        flavor in flavor_strategy(),
    ) {
        let src = make_data(kind, len, seed);
        let stream = compress(&src, clevel, flavor);
        if !stream.is_empty() {
            let mut out = vec![0xAA; src.len()];
            prop_assert_eq!(decompress(&stream, &mut out), Ok(()));
            prop_assert!(out == src);
        }
    }

    #[test]
    fn prefix_decode_equals_the_start_of_a_full_decode(
        kind in 0u8..5,
        len in 0usize..70_000,
        seed in any::<u64>(),
        clevel in 1u8..=9,
        flavor in flavor_strategy(),
        cut in any::<prop::sample::Index>(),
    ) {
        let src = make_data(kind, len, seed);
        let stream = compress(&src, clevel, flavor);
        if !stream.is_empty() {
            let want = cut.index(src.len() + 1);
            let mut out = vec![0xAA; src.len()];
            prop_assert_eq!(decompress_prefix(&stream, &mut out, want), Ok(()));
            prop_assert!(out[..want] == src[..want]);
        }
    }

    #[test]
    fn roundtrip_arbitrary_bytes(
        src in proptest::collection::vec(any::<u8>(), 0..2000),
        clevel in 1u8..=9,
        flavor in flavor_strategy(),
    ) {
        let stream = compress(&src, clevel, flavor);
        if !stream.is_empty() {
            let mut out = vec![0; src.len()];
            prop_assert_eq!(decompress(&stream, &mut out), Ok(()));
            prop_assert_eq!(out, src);
        }
    }

    #[test]
    fn decode_arbitrary_bytes_never_panics(
        src in proptest::collection::vec(any::<u8>(), 0..400),
        out_len in 0usize..3000,
    ) {
        let mut out = vec![0; out_len];
        let _ = decompress(&src, &mut out);
    }

    #[test]
    fn decode_mutated_stream_never_panics(
        seed in any::<u64>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut src = make_data(3, 3000, seed);
        let mut stream = compress(&src, 5, Flavor::Blosc2);
        if stream.is_empty() {
            src = make_data(2, 3000, seed);
            stream = compress(&src, 5, Flavor::Blosc2);
        }
        prop_assert!(!stream.is_empty());
        for (i, b) in flips {
            let i = i.index(stream.len());
            stream[i] = b;
        }
        let mut out = vec![0; src.len()];
        let _ = decompress(&stream, &mut out);
    }
}

#[test]
fn encode_every_size_and_level_roundtrips() {
    for len in (0..300).chain([1000, 4095, 4096, 4097, 65_536]) {
        for kind in 0..5 {
            let src = make_data(kind, len, 42 + len as u64);
            for clevel in 1..=9 {
                for flavor in flavors() {
                    let stream = compress(&src, clevel, flavor);
                    if !stream.is_empty() {
                        let mut out = vec![0; len];
                        decompress(&stream, &mut out).unwrap();
                        assert_eq!(out, src, "len {len} kind {kind} clevel {clevel} {flavor:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn encode_matches_c_streams() {
    let arange: Vec<u8> = {
        // 256 u32 values i * 3, byte-shuffled (typesize 4).
        let raw: Vec<u8> = (0..256u32).flat_map(|i| (i * 3).to_le_bytes()).collect();
        (0..4)
            .flat_map(|j| raw.iter().skip(j).step_by(4).copied())
            .collect()
    };
    let text = b"BloscLZ is a FastLZ derivative. Blosc splits blocks into streams; \
BloscLZ is a FastLZ derivative used by Blosc. "
        .repeat(4);
    let cases: [(&[u8], u8, Flavor, &[u8]); 5] = [
        (
            &arange,
            5,
            Flavor::Blosc1 { split: false },
            c_streams::ARANGE_CL5_B1,
        ),
        (
            &arange,
            5,
            Flavor::Blosc1 { split: true },
            c_streams::ARANGE_CL5_B1_SPLIT,
        ),
        (&arange, 5, Flavor::Blosc2, c_streams::ARANGE_CL5_B2),
        (
            &text,
            9,
            Flavor::Blosc1 { split: false },
            c_streams::TEXT_CL9_B1,
        ),
        (&text, 9, Flavor::Blosc2, c_streams::TEXT_CL9_B2),
    ];
    for (src, clevel, flavor, c) in cases {
        assert_eq!(
            compress(src, clevel, flavor),
            c,
            "clevel {clevel} {flavor:?}"
        );
        let mut out = vec![0; src.len()];
        decompress(c, &mut out).unwrap();
        assert_eq!(out, src);
    }
    // The C entropy probe rejects this text at clevel 1 (estimated ratio below 2).
    for flavor in flavors() {
        assert!(compress(&text, 1, flavor).is_empty());
    }
}

#[test]
fn encode_small_or_incompressible_returns_zero() {
    let mut enc = Encoder::new();
    let mut dst = vec![0; 100_000];
    for flavor in flavors() {
        // Below 16 bytes, and with a too-small output, C gives up.
        assert_eq!(enc.compress(&[0; 15], &mut dst, 9, flavor), 0);
        assert_eq!(enc.compress(&[0; 1000], &mut dst[..65], 9, flavor), 0);
        assert_eq!(enc.compress(&[], &mut dst, 9, flavor), 0);
        assert_eq!(enc.compress(&[0; 1000], &mut dst, 0, flavor), 0);
        // Random data fails the entropy probe.
        let random = make_data(0, 50_000, 7);
        assert_eq!(enc.compress(&random, &mut dst, 9, flavor), 0);
        // Does not fit: the output is cut short.
        let text = make_data(3, 50_000, 7);
        let full = enc.compress(&text, &mut dst, 5, flavor);
        assert!(full > 0);
        assert_eq!(enc.compress(&text, &mut dst[..full - 1], 5, flavor), 0);
        // C also wants room for one more control byte after the last literal.
        assert_eq!(enc.compress(&text, &mut dst[..full + 1], 5, flavor), full);
    }
}

#[test]
fn encoder_reuse_gives_same_output() {
    let mut enc = Encoder::new();
    let a = make_data(3, 20_000, 1);
    let b = make_data(2, 30_000, 2);
    for flavor in flavors() {
        for clevel in [1, 2, 5, 9] {
            let mut first = vec![0; b.len()];
            let n = enc.compress(&b, &mut first, clevel, flavor);
            let mut scratch = vec![0; a.len()];
            enc.compress(&a, &mut scratch, 9, flavor);
            let mut again = vec![0; b.len()];
            assert_eq!(enc.compress(&b, &mut again, clevel, flavor), n);
            assert_eq!(first[..n], again[..n]);
        }
    }
}

#[test]
fn encode_zeros_and_long_runs() {
    for len in [16, 17, 100, 1000, 100_000] {
        let src = vec![0u8; len];
        for flavor in flavors() {
            let stream = compress(&src, 5, flavor);
            if len >= 1000 {
                assert!(stream.len() * 50 < len, "len {len}: {}", stream.len());
            }
            if !stream.is_empty() {
                let mut out = vec![1; len];
                decompress(&stream, &mut out).unwrap();
                assert_eq!(out, src);
            }
        }
    }
}

#[test]
fn every_strict_prefix_is_error() {
    for (kind, len) in [(2, 5000), (3, 20_000), (3, 3000), (2, 800)] {
        let src = make_data(kind, len, 99);
        for flavor in flavors() {
            let stream = compress(&src, 9, flavor);
            assert!(!stream.is_empty(), "kind {kind} len {len} {flavor:?}");
            let mut out = vec![0; src.len()];
            decompress(&stream, &mut out).unwrap();
            for cut in 0..stream.len() {
                assert!(
                    decompress(&stream[..cut], &mut out).is_err(),
                    "prefix {cut}"
                );
            }
        }
    }
}

#[test]
fn decode_hand_made_near_matches() {
    // "abc" then a match of length 6 (L = 4) at distance 3: "abcabcabc".
    let stream = [0x22, b'a', b'b', b'c', 4 << 5, 2, 0x00, b'!'];
    let mut out = [0; 10];
    decompress(&stream, &mut out).unwrap();
    assert_eq!(&out, b"abcabcabc!");
    // L = 1 and 2 (3 and 4 bytes) are never written by C but decoded by it.
    let stream = [0x21, b'x', b'y', 1 << 5, 1, 2 << 5, 0, 0x00, b'z'];
    let mut out = [0; 10];
    decompress(&stream, &mut out).unwrap();
    assert_eq!(&out, b"xyxyxxxxxz");
}

#[test]
fn decode_distance_one_runs() {
    // 'q' then a run of 3 + 255 + 255 + 10 bytes of 'q' (long match, distance 1), then 'e'.
    let stream = [0x20, b'q', 7 << 5, 255, 255, 10, 0, 0x00, b'e'];
    let mut out = vec![0; 1 + 9 + 255 + 255 + 10 + 1];
    decompress(&stream, &mut out).unwrap();
    assert!(out[..out.len() - 1].iter().all(|&b| b == b'q'));
    assert_eq!(out.last(), Some(&b'e'));
}

#[test]
fn decode_long_matches_with_extensions() {
    // 32 distinct bytes, then a match at distance 32 of length 9 + 255 + 100, then a literal.
    let lit: Vec<u8> = (0..32).collect();
    let mut stream = vec![0x20 | 31];
    stream.extend(&lit);
    stream.extend([7 << 5, 255, 100, 31, 0x00, 0xEE]);
    let total = 32 + 9 + 255 + 100 + 1;
    let mut out = vec![0; total];
    decompress(&stream, &mut out).unwrap();
    for (i, &b) in out[..total - 1].iter().enumerate() {
        assert_eq!(usize::from(b), i % 32);
    }
    // One byte more or less of output is an error.
    assert!(decompress(&stream, &mut vec![0; total + 1]).is_err());
    assert!(decompress(&stream, &mut vec![0; total - 1]).is_err());
}

#[test]
fn decode_far_matches() {
    // 9000 bytes of literals (a counter mod 251), then a far match at distance 8192 + 700 = 8892
    // (hi = 31, lo = 255, big-endian 700), length 5 (L = 3); then a long far match.
    let data: Vec<u8> = (0..9000u32)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect();
    let mut stream = Vec::new();
    for (k, chunk) in data.chunks(32).enumerate() {
        let marker = if k == 0 { 0x20 } else { 0 };
        stream.push(marker | u8::try_from(chunk.len() - 1).unwrap());
        stream.extend(chunk);
    }
    stream.extend([(3 << 5) | 31, 255, 0x02, 0xBC]);
    stream.extend([(7 << 5) | 31, 20, 255, 0x00, 0x00]);
    stream.extend([0x00, 0x55]);
    let mut out = vec![0; 9000 + 5 + 29 + 1];
    decompress(&stream, &mut out).unwrap();
    let mut expect = data.clone();
    for _ in 0..5 {
        expect.push(expect[expect.len() - 8892]);
    }
    for _ in 0..29 {
        expect.push(expect[expect.len() - 8192]);
    }
    expect.push(0x55);
    assert_eq!(out, expect);
}

#[test]
fn decode_rejects_bad_streams() {
    let mut out = [0; 16];
    assert_eq!(decompress(&[], &mut out), Err("empty input"));
    // Literal run longer than the input.
    assert!(decompress(&[0x23, 1, 2], &mut out[..4]).is_err());
    // Literal run longer than the output.
    assert!(decompress(&[0x23, 1, 2, 3, 4], &mut out[..3]).is_err());
    // Distance before the start of the output.
    assert!(decompress(&[0x20, 7, 1 << 5, 1, 0x00, 9], &mut out[..5]).is_err());
    // Far distance reaching before the output.
    assert!(decompress(&[0x20, 7, (3 << 5) | 31, 255, 0, 0, 0x00, 9], &mut out[..7]).is_err());
    // Match overruns the output.
    assert!(decompress(&[0x20, 7, 4 << 5, 0, 0x00, 9], &mut out[..6]).is_err());
    // Output longer than the stream produces.
    assert!(decompress(&[0x20, 7], &mut out[..2]).is_err());
}

#[test]
fn decode_rejects_trailing_match() {
    // C drops a match that ends the input (or fails on a short one): either way it produces
    // fewer bytes than the stream describes, so a trailing match is an error here.
    let mut out = [0; 4];
    assert!(decompress(&[0x20, 7, 1 << 5, 0], &mut out).is_err());
    assert!(decompress(&[0x20, 7, 1 << 5, 0], &mut out[..1]).is_err());
    assert!(decompress(&[0x20, 7, 7 << 5, 0, 0], &mut [0; 10]).is_err());
    assert!(decompress(&[0x20, 7, (1 << 5) | 31, 255, 0, 0], &mut [0; 8196]).is_err());
}

#[test]
fn decode_length_overflow_attack_fails_fast() {
    // c-blosc #405: a long match followed by millions of 0xFF extension bytes. The length is
    // bounded by the output room, so decoding stops after about room / 255 bytes.
    let mut stream = vec![0x20, 1, 7 << 5];
    stream.resize(3 + 50_000_000, 255);
    stream.extend([0, 0x00, 2]);
    let mut out = vec![0; 100_000];
    let start = std::time::Instant::now();
    assert!(decompress(&stream, &mut out).is_err());
    assert!(
        start.elapsed().as_millis() < 500,
        "took {:?}",
        start.elapsed()
    );
    // Same with an output large enough that a 32-bit length would wrap.
    let mut stream = vec![0x20, 1, 7 << 5];
    stream.resize(3 + (1 << 25), 255);
    stream.extend([0, 0x00, 2]);
    let mut out = vec![0; 1 << 20];
    assert!(decompress(&stream, &mut out).is_err());
}
