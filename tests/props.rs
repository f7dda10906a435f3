//! Property tests: round trips over random data and parameters, and getitem against slicing.
//! Case counts come from PROPTEST_CASES (default 64 here, so CI stays quick).

use blz_blosc::{
    CLevel, CParams, Compressor, DParams, Filter, Format, Shuffle, SplitMode, TypeSize, decompress,
    decompress_with, getitem,
};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    ProptestConfig::with_cases(cases)
}

/// Data with structure (counters, runs, few values) and without (random bytes).
fn data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..20_000),
        (0usize..150_000, 1u64..1000).prop_map(|(n, step)| (0..n as u64)
            .flat_map(|i| (i * step).to_le_bytes())
            .take(n)
            .collect()),
        (0usize..100_000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        (prop::collection::vec(0u8..4, 0..50_000)),
        (0usize..80_000).prop_map(|n| (0..n).map(|i| ((i / 7) % 256) as u8).collect()),
    ]
}

fn codec() -> impl Strategy<Value = Compressor> {
    prop::sample::select(Compressor::ALL.to_vec())
}

fn shuffle() -> impl Strategy<Value = Shuffle> {
    prop::sample::select(vec![Shuffle::None, Shuffle::Byte, Shuffle::Bit])
}

fn typesize() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..=16, Just(17), Just(24), Just(33), Just(255)]
}

fn splitmode() -> impl Strategy<Value = SplitMode> {
    prop::sample::select(vec![
        SplitMode::ForwardCompat,
        SplitMode::Auto,
        SplitMode::Always,
        SplitMode::Never,
    ])
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn blosc1_round_trips(
        src in data(),
        codec in codec(),
        clevel in 0u8..=9,
        shuffle in shuffle(),
        ts in typesize(),
        nthreads in 1usize..=3,
        forced in prop::option::of(1usize..70_000),
        split in splitmode(),
    ) {
        let p = CParams::default()
            .with_compressor(codec)
            .with_clevel(CLevel::new(clevel))
            .with_shuffle(shuffle)
            .with_typesize(TypeSize::new(ts))
            .with_nthreads(nthreads)
            .with_blocksize(forced)
            .with_splitmode(split);
        let chunk = blz_blosc::compress(&src, &p).unwrap();
        prop_assert!(chunk.len() <= src.len() + 16);
        prop_assert_eq!(&decompress(&chunk).unwrap(), &src);
        let par = decompress_with(&chunk, &DParams::default().with_nthreads(2)).unwrap();
        prop_assert_eq!(&par, &src);
        // Deterministic: the same bytes whatever the thread count.
        let serial = blz_blosc::compress(&src, &p.clone().with_nthreads(1)).unwrap();
        prop_assert_eq!(serial, chunk);
    }

    #[test]
    fn blosc2_pipelines_round_trip(
        src in data(),
        codec in prop::sample::select(vec![
            Compressor::BloscLz, Compressor::Lz4, Compressor::Lz4Hc, Compressor::Zlib, Compressor::Zstd,
        ]),
        clevel in 0u8..=9,
        ts in typesize(),
        pipeline in prop::sample::select(vec![
            vec![],
            vec![Filter::Shuffle],
            vec![Filter::BitShuffle],
            vec![Filter::Delta],
            vec![Filter::Delta, Filter::Shuffle],
            vec![Filter::Delta, Filter::BitShuffle],
            vec![Filter::Shuffle, Filter::ByteDelta],
            vec![Filter::Shuffle, Filter::BitShuffle],
        ]),
        nthreads in 1usize..=2,
    ) {
        let p = CParams::default()
            .with_compressor(codec)
            .with_clevel(CLevel::new(clevel))
            .with_typesize(TypeSize::new(ts))
            .with_shuffle(Shuffle::None)
            .with_filters(pipeline)
            .with_format(Format::Blosc2)
            .with_nthreads(nthreads);
        let chunk = blz_blosc::compress(&src, &p).unwrap();
        prop_assert!(chunk.len() <= src.len() + 32);
        prop_assert_eq!(&decompress(&chunk).unwrap(), &src);
    }

    #[test]
    fn getitem_equals_slicing(
        src in data(),
        codec in codec(),
        shuffle in shuffle(),
        ts in typesize(),
        format in prop::sample::select(vec![Format::Blosc1, Format::Blosc2]),
        delta in any::<bool>(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
    ) {
        prop_assume!(!(format == Format::Blosc2 && codec == Compressor::Snappy));
        let mut p = CParams::default()
            .with_compressor(codec)
            .with_shuffle(shuffle)
            .with_typesize(TypeSize::new(ts))
            .with_format(format)
            .with_blocksize(Some(4096));
        if format == Format::Blosc2 && delta {
            p = p.with_filters(vec![Filter::Delta, Filter::Shuffle]);
        }
        let chunk = blz_blosc::compress(&src, &p).unwrap();
        let n = src.len() / ts;
        prop_assume!(n > 0);
        let (x, y) = (a.index(n), b.index(n));
        let (start, end) = (x.min(y), x.max(y) + 1);
        let mut out = vec![0u8; (end - start) * ts];
        getitem(&chunk, start, end - start, &mut out).unwrap();
        prop_assert_eq!(&out[..], &src[start * ts..end * ts]);
    }

    #[test]
    fn getitem_pieces_equal_slicing(
        src in data(),
        codec in codec(),
        shuffle in shuffle(),
        ts in typesize(),
        format in prop::sample::select(vec![Format::Blosc1, Format::Blosc2]),
        delta in any::<bool>(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        piece_items in 1usize..700,
        blocksize in prop::sample::select(vec![None, Some(4096), Some(4099)]),
    ) {
        prop_assume!(!(format == Format::Blosc2 && codec == Compressor::Snappy));
        let mut p = CParams::default()
            .with_compressor(codec)
            .with_shuffle(shuffle)
            .with_typesize(TypeSize::new(ts))
            .with_format(format)
            .with_blocksize(blocksize);
        if format == Format::Blosc2 && delta {
            p = p.with_filters(vec![Filter::Delta, Filter::Shuffle]);
        }
        let chunk = blz_blosc::compress(&src, &p).unwrap();
        let n = src.len() / ts;
        prop_assume!(n > 0);
        let (x, y) = (a.index(n), b.index(n));
        let (start, end) = (x.min(y), x.max(y) + 1);
        let mut piece = vec![0u8; piece_items * ts];
        let mut got = Vec::new();
        let mut sizes = Vec::new();
        blz_blosc::getitem_pieces(&chunk, start, end - start, &mut piece, |bytes| {
            sizes.push(bytes.len());
            got.extend_from_slice(bytes);
        })
        .unwrap();
        prop_assert_eq!(&got[..], &src[start * ts..end * ts]);
        prop_assert!(sizes.iter().all(|&k| k > 0 && k <= piece_items * ts && k % ts == 0));
    }

    #[test]
    fn gather_equals_indexing(
        src in data(),
        codec in codec(),
        shuffle in shuffle(),
        ts in typesize(),
        format in prop::sample::select(vec![Format::Blosc1, Format::Blosc2]),
        delta in any::<bool>(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..200),
        sorted in any::<bool>(),
        blocksize in prop::sample::select(vec![None, Some(4096), Some(4099)]),
    ) {
        prop_assume!(!(format == Format::Blosc2 && codec == Compressor::Snappy));
        let mut p = CParams::default()
            .with_compressor(codec)
            .with_shuffle(shuffle)
            .with_typesize(TypeSize::new(ts))
            .with_format(format)
            .with_blocksize(blocksize);
        if format == Format::Blosc2 && delta {
            p = p.with_filters(vec![Filter::Delta, Filter::Shuffle]);
        }
        let chunk = blz_blosc::compress(&src, &p).unwrap();
        let n = src.len() / ts;
        prop_assume!(n > 0);
        let mut items: Vec<usize> = picks.iter().map(|i| i.index(n)).collect();
        if sorted {
            items.sort_unstable();
        }
        let mut out = vec![0u8; items.len() * ts];
        blz_blosc::gather(&chunk, &items, &mut out).unwrap();
        for (k, &i) in items.iter().enumerate() {
            prop_assert_eq!(&out[k * ts..(k + 1) * ts], &src[i * ts..(i + 1) * ts], "item {}", i);
        }
        prop_assert!(blz_blosc::gather(&chunk, &[n], &mut [0u8; 512]).is_err());
        if !items.is_empty() {
            prop_assert!(blz_blosc::gather(&chunk, &items, &mut out[1..]).is_err());
        }
    }
}

#[test]
fn bad_parameters_name_the_parameter() {
    let e = CLevel::try_from(12u8).unwrap_err().to_string();
    assert!(e.contains("clevel") && e.contains("12"), "{e}");
    let e = TypeSize::try_from(0usize).unwrap_err().to_string();
    assert!(e.contains("typesize"), "{e}");
    let e = "foo".parse::<Compressor>().unwrap_err().to_string();
    assert!(e.contains("codec") && e.contains("foo"), "{e}");
    let e = blz_blosc::compress(b"abc", &CParams::default().with_nthreads(0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nthreads"), "{e}");
    let p = CParams::default().with_filters(vec![Filter::Delta]);
    let e = blz_blosc::compress(b"abc", &p).unwrap_err().to_string();
    assert!(e.contains("filters") && e.contains("blosc2"), "{e}");
    let p = CParams::default()
        .with_format(Format::Blosc2)
        .with_compressor(Compressor::Snappy);
    assert!(blz_blosc::compress(b"abc", &p).is_err());
}
