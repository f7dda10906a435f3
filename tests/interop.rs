//! Interop with the real C-Blosc 1.21 (built from source by the `blosc-src` crate): C decodes every
//! chunk we write and we decode every chunk C writes, for all codecs, shuffles and typesizes.
#![allow(
    unsafe_code,
    reason = "FFI to C-Blosc, the yardstick; wrapped in safe functions below"
)]

use std::ffi::c_void;
use std::os::raw::c_int;

use blz_blosc::{CLevel, CParams, Compressor, Shuffle, SplitMode, TypeSize};

/// C-Blosc1 `blosc_compress_ctx`; `None` when C reports an error.
pub(crate) fn c_compress(
    clevel: u8,
    shuffle: Shuffle,
    typesize: usize,
    src: &[u8],
    codec: Compressor,
    blocksize: usize,
    nthreads: usize,
) -> Option<Vec<u8>> {
    let mut dst = vec![0u8; src.len() + 16];
    let name = format!("{}\0", codec.name());
    let doshuffle = match shuffle {
        Shuffle::None => 0,
        Shuffle::Byte => 1,
        _ => 2,
    };
    // SAFETY: `src` and `dst` are valid for the lengths passed; `name` is NUL-terminated and
    // outlives the call; C-Blosc never writes more than `destsize` bytes.
    let n = unsafe {
        blosc_src::blosc_compress_ctx(
            c_int::from(clevel),
            doshuffle,
            typesize,
            src.len(),
            src.as_ptr().cast::<c_void>(),
            dst.as_mut_ptr().cast::<c_void>(),
            dst.len(),
            name.as_ptr().cast(),
            blocksize,
            c_int::try_from(nthreads).ok()?,
        )
    };
    let n = usize::try_from(n).ok().filter(|&n| n > 0)?;
    dst.truncate(n);
    Some(dst)
}

/// C-Blosc1 `blosc_decompress_ctx` into a buffer of `nbytes`, pre-filled with `fill` so bytes C
/// leaves unwritten cannot pass by luck.
pub(crate) fn c_decompress(
    chunk: &[u8],
    nbytes: usize,
    fill: u8,
    nthreads: usize,
) -> Option<Vec<u8>> {
    let mut dst = vec![fill; nbytes];
    // SAFETY: C-Blosc reads at most cbytes (from the header) bytes of `chunk`, which we checked is
    // no more than its length, and writes at most `destsize` bytes into `dst`.
    let n = unsafe {
        blosc_src::blosc_decompress_ctx(
            chunk.as_ptr().cast::<c_void>(),
            dst.as_mut_ptr().cast::<c_void>(),
            dst.len(),
            c_int::try_from(nthreads).ok()?,
        )
    };
    (usize::try_from(n).ok()? == nbytes).then_some(dst)
}

/// C-Blosc1 `blosc_getitem`.
fn c_getitem(chunk: &[u8], start: usize, nitems: usize, typesize: usize) -> Option<Vec<u8>> {
    let mut dst = vec![0u8; nitems * typesize];
    // SAFETY: `dst` holds nitems * typesize bytes, what C writes for this range; C reads the chunk
    // within its cbytes, which is its length here.
    let n = unsafe {
        blosc_src::blosc_getitem(
            chunk.as_ptr().cast::<c_void>(),
            c_int::try_from(start).ok()?,
            c_int::try_from(nitems).ok()?,
            dst.as_mut_ptr().cast::<c_void>(),
        )
    };
    (usize::try_from(n).ok()? == dst.len()).then_some(dst)
}

/// Deterministic test data of several kinds.
pub(crate) fn data(kind: usize, typesize: usize, nbytes: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::with_capacity(nbytes + 8);
    let mut i = 0u64;
    let mut walk = 1000.0f64;
    while out.len() < nbytes {
        match kind % 5 {
            0 => out.extend_from_slice(&i.to_le_bytes()[..typesize.min(8)]),
            1 => {
                walk += (rnd() % 2001) as f64 / 1000.0 - 1.0;
                out.extend_from_slice(&walk.to_le_bytes()[..typesize.min(8)]);
            }
            2 => out.extend_from_slice(&(rnd() % 4).to_le_bytes()[..typesize.min(8)]),
            3 => out.extend_from_slice(&rnd().to_le_bytes()),
            _ => out.extend_from_slice(b"the quick brown fox jumps over the lazy dog; "),
        }
        if typesize > 8 && kind % 5 < 3 {
            out.resize(out.len() + typesize - 8, (i % 3) as u8);
        }
        i += 1;
    }
    out.truncate(nbytes);
    out
}

const TYPESIZES: [usize; 10] = [1, 2, 3, 4, 8, 12, 16, 17, 32, 255];
const SIZES: [usize; 5] = [0, 100, 1000, 40_007, 300_001];
const SHUFFLES: [Shuffle; 3] = [Shuffle::None, Shuffle::Byte, Shuffle::Bit];

/// Our compressed size against C-Blosc1's for the same parameters, every codec but Snappy at
/// every level 1-9: the ratio must be within 2 % of C's or better. zlib-rs numbers its levels
/// differently from zlib (`codec::zlib_level` maps them); this guards that mapping and any
/// encoder change.
#[test]
fn compression_ratios_are_within_two_percent_of_c_blosc1() {
    let n = 1 << 19;
    let linspace: Vec<u8> = (0..n / 8)
        .flat_map(|i| (i as f64 * (100.0 / 99_999_999.0)).to_le_bytes())
        .collect();
    let inputs = [
        ("arange", data(0, 8, n, 1)),
        ("random walk", data(1, 8, n, 2)),
        ("linspace", linspace),
    ];
    let mut failures = Vec::new();
    let mut cells = 0;
    for codec in Compressor::ALL
        .into_iter()
        .filter(|&c| c != Compressor::Snappy)
    {
        for clevel in 1..=9u8 {
            for shuffle in [Shuffle::Byte, Shuffle::Bit] {
                for (name, src) in &inputs {
                    let p = CParams::default()
                        .with_compressor(codec)
                        .with_clevel(CLevel::new(clevel))
                        .with_shuffle(shuffle)
                        .with_typesize(TypeSize::new(8));
                    let ours = blz_blosc::compress(src, &p).expect("compresses").len();
                    let c = c_compress(clevel, shuffle, 8, src, codec, 0, 1)
                        .expect("C compresses")
                        .len();
                    // ratio ours / C = c / ours, at least 0.98.
                    if (c as f64) < 0.98 * ours as f64 {
                        failures.push(format!(
                            "{codec}:{clevel} {shuffle} {name}: {ours} bytes against C's {c}"
                        ));
                    }
                    cells += 1;
                }
            }
        }
    }
    assert_eq!(cells, 5 * 9 * 2 * 3);
    assert!(
        failures.is_empty(),
        "{} cells over 2 % larger than C-Blosc1's:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn c_blosc1_decodes_every_chunk_we_write() {
    let mut failures = Vec::new();
    let mut n = 0;
    for (ci, codec) in Compressor::ALL.into_iter().enumerate() {
        for (si, shuffle) in SHUFFLES.into_iter().enumerate() {
            for (ti, ts) in TYPESIZES.into_iter().enumerate() {
                for (zi, nbytes) in SIZES.into_iter().enumerate() {
                    let seed = (ci * 1000 + si * 100 + ti * 10 + zi) as u64;
                    let clevel = [1u8, 5, 9, 3, 0][(ci + ti + zi) % 5];
                    let src = data(ti + zi, ts, nbytes, seed);
                    let p = CParams::default()
                        .with_compressor(codec)
                        .with_clevel(CLevel::new(clevel))
                        .with_shuffle(shuffle)
                        .with_typesize(TypeSize::new(ts))
                        .with_nthreads(1 + zi % 2);
                    let chunk = blz_blosc::compress(&src, &p).expect("compresses");
                    for (fill, nt) in [(0xAA, 1), (0x55, 2)] {
                        if c_decompress(&chunk, nbytes, fill, nt).as_deref() != Some(&src[..]) {
                            failures.push(format!(
                                "{codec} {shuffle} cl{clevel} ts{ts} n{nbytes} fill {fill:#x}"
                            ));
                        }
                    }
                    if nbytes >= ts && nbytes > 0 {
                        let items = nbytes / ts;
                        let (start, k) = (items / 3, (items / 2).max(1));
                        let got = c_getitem(&chunk, start, k, ts);
                        if got.as_deref() != Some(&src[start * ts..(start + k) * ts]) {
                            failures.push(format!("getitem {codec} {shuffle} ts{ts} n{nbytes}"));
                        }
                    }
                    n += 1;
                }
            }
        }
    }
    assert_eq!(n, 6 * 3 * TYPESIZES.len() * SIZES.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn we_decode_every_chunk_c_blosc1_writes() {
    let mut failures = Vec::new();
    for (ci, codec) in Compressor::ALL.into_iter().enumerate() {
        for (si, shuffle) in SHUFFLES.into_iter().enumerate() {
            for (ti, ts) in TYPESIZES.into_iter().enumerate() {
                for (zi, nbytes) in SIZES.into_iter().enumerate() {
                    let seed = (ci * 1000 + si * 100 + ti * 10 + zi) as u64 + 7;
                    let clevel = [9u8, 1, 5, 0, 3][(ci + ti + zi) % 5];
                    let src = data(ti + zi + 1, ts, nbytes, seed);
                    let forced = if zi == 3 { 4096 } else { 0 };
                    let Some(chunk) =
                        c_compress(clevel, shuffle, ts, &src, codec, forced, 1 + zi % 2)
                    else {
                        failures.push(format!("C failed to compress {codec} ts{ts} n{nbytes}"));
                        continue;
                    };
                    match blz_blosc::decompress(&chunk) {
                        Ok(out) if out == src => {}
                        Ok(_) => failures.push(format!(
                            "wrong bytes {codec} {shuffle} cl{clevel} ts{ts} n{nbytes}"
                        )),
                        Err(e) => failures.push(format!(
                            "{codec} {shuffle} cl{clevel} ts{ts} n{nbytes}: {e}"
                        )),
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn our_blosc1_headers_match_c_on_generated_inputs() {
    // Same header bytes 0..12 (version, versionlz, flags but the memcpy bit, typesize, nbytes,
    // blocksize) for every codec, shuffle, clevel and typesize.
    let mut mismatches = Vec::new();
    for codec in Compressor::ALL {
        for shuffle in SHUFFLES {
            for ts in TYPESIZES {
                for clevel in 0..=9u8 {
                    let nbytes = 200_000 + usize::from(clevel) * 3;
                    let src = data(2, ts, nbytes, u64::from(clevel));
                    let c =
                        c_compress(clevel, shuffle, ts, &src, codec, 0, 1).expect("C compresses");
                    let p = CParams::default()
                        .with_compressor(codec)
                        .with_clevel(CLevel::new(clevel))
                        .with_shuffle(shuffle)
                        .with_typesize(TypeSize::new(ts))
                        .with_splitmode(SplitMode::ForwardCompat);
                    let ours = blz_blosc::compress(&src, &p).expect("compresses");
                    if c[..2] != ours[..2] || c[2] & !2 != ours[2] & !2 || c[3..12] != ours[3..12] {
                        mismatches.push(format!(
                            "{codec} {shuffle} ts{ts} cl{clevel}: C {:02x?} ours {:02x?}",
                            &c[..12],
                            &ours[..12]
                        ));
                    }
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Writes, for every C-made vector, the chunk our encoder makes from the same input with the same
/// parameters (`FOO.blosc` + the expected `FOO.bin`), for `c_decompress_check.py DIR --pairs` in
/// ../shared/anchors (real C-Blosc1 and C-Blosc2). Run by hand:
/// `BLZ_C_CHECK_DIR=/tmp/blz-c-check cargo test --test tests -- --ignored write_chunks_for_c_check`
#[test]
#[ignore = "writes files for a manual check with the C libraries (docs/compatibility.md)"]
fn write_chunks_for_c_check() {
    let dir = std::path::PathBuf::from(
        std::env::var("BLZ_C_CHECK_DIR").unwrap_or_else(|_| "/tmp/blz-c-check".into()),
    );
    std::fs::create_dir_all(&dir).expect("output dir");
    let mut n = 0;
    for v in crate::util::vectors() {
        let Some(input) = v.input_bytes() else {
            continue;
        };
        let want = if v.lossy {
            v.expected().expect("original")
        } else {
            input.clone()
        };
        for nthreads in [1, 2] {
            let p = v.cparams().with_nthreads(nthreads);
            let chunk = blz_blosc::compress(&input, &p).expect("compresses");
            let name = format!("{}_blz_nt{nthreads}", v.id);
            std::fs::write(dir.join(format!("{name}.blosc")), &chunk).expect("write");
            std::fs::write(dir.join(format!("{name}.bin")), &want).expect("write");
            n += 1;
        }
    }
    // Extra: every codec x shuffle x typesize, Blosc1 and Blosc2, on structured data.
    for codec in Compressor::ALL {
        for shuffle in SHUFFLES {
            for ts in TYPESIZES {
                for format in [blz_blosc::Format::Blosc1, blz_blosc::Format::Blosc2] {
                    if format == blz_blosc::Format::Blosc2 && codec == Compressor::Snappy {
                        continue;
                    }
                    let src = data(ts, ts, 123_457, ts as u64);
                    let p = CParams::default()
                        .with_compressor(codec)
                        .with_shuffle(shuffle)
                        .with_typesize(TypeSize::new(ts))
                        .with_format(format);
                    let chunk = blz_blosc::compress(&src, &p).expect("compresses");
                    let name = format!("gen_{codec}_{shuffle}_ts{ts}_{format:?}");
                    std::fs::write(dir.join(format!("{name}.blosc")), &chunk).expect("write");
                    std::fs::write(dir.join(format!("{name}.bin")), &src).expect("write");
                    n += 1;
                }
            }
        }
    }
    eprintln!("wrote {n} chunk pairs to {}", dir.display());
}

#[test]
fn blosclz_chunks_are_byte_identical_to_c_blosc1() {
    // One thread, default split mode: our BloscLZ follows C's 2.5.1 encoder exactly, and the
    // framing writes blocks in order as C does with one thread.
    let mut differ = Vec::new();
    let mut n = 0;
    for (ti, ts) in [1usize, 2, 4, 8, 16].into_iter().enumerate() {
        for shuffle in [Shuffle::None, Shuffle::Byte, Shuffle::Bit] {
            for clevel in [1u8, 3, 5, 7, 9] {
                for kind in 0..5 {
                    let nbytes = [1000, 40_007, 300_001][(ti + kind) % 3];
                    let src = data(kind, ts, nbytes, (ti * 10 + kind) as u64);
                    let c = c_compress(clevel, shuffle, ts, &src, Compressor::BloscLz, 0, 1)
                        .expect("C compresses");
                    let p = CParams::default()
                        .with_compressor(Compressor::BloscLz)
                        .with_clevel(CLevel::new(clevel))
                        .with_shuffle(shuffle)
                        .with_typesize(TypeSize::new(ts));
                    let ours = blz_blosc::compress(&src, &p).expect("compresses");
                    if ours != c {
                        differ.push(format!("ts{ts} {shuffle} cl{clevel} kind{kind} n{nbytes}"));
                    }
                    n += 1;
                }
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {n} chunks differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

/// `(stream csize, decoded stream size)` of every stream of a Blosc1 chunk with blocks.
fn blosc1_streams(chunk: &[u8]) -> Vec<(usize, usize)> {
    let h = blz_blosc::ChunkHeader::parse(chunk).expect("a chunk");
    assert!(!h.is_memcpyed(), "a memcpyed chunk has no streams");
    let word = |at: usize| u32::from_le_bytes(chunk[at..at + 4].try_into().unwrap()) as usize;
    let (nbytes, blocksize, ts) = (h.nbytes(), h.blocksize(), h.typesize());
    let mut out = Vec::new();
    for b in 0..h.nblocks() {
        let bsize = blocksize.min(nbytes - b * blocksize);
        let split = !h.dont_split() && bsize == blocksize;
        let nstreams = if split { ts } else { 1 };
        let mut pos = word(h.header_len() + 4 * b);
        for _ in 0..nstreams {
            let csize = word(pos);
            out.push((csize, bsize / nstreams));
            pos += 4 + csize;
        }
    }
    out
}

#[test]
fn min_saving_stores_weak_streams_raw_and_c_reads_them() {
    // Noisy floats (a random walk): their low byte streams barely compress.
    let src = data(1, 8, 300_001, 7);
    for codec in Compressor::ALL {
        let mut raw_counts = Vec::new();
        for saving in [None, Some(0), Some(15), Some(50), Some(99)] {
            let p = CParams::default()
                .with_compressor(codec)
                .with_clevel(CLevel::new(5))
                .with_typesize(TypeSize::new(8))
                .with_min_saving(saving);
            let chunk = blz_blosc::compress(&src, &p).expect("compresses");
            assert_eq!(
                blz_blosc::decompress(&chunk).unwrap(),
                src,
                "{codec} {saving:?}"
            );
            assert_eq!(
                c_decompress(&chunk, src.len(), 0xAA, 1).as_deref(),
                Some(&src[..]),
                "C decodes {codec} {saving:?}"
            );
            if blz_blosc::ChunkHeader::parse(&chunk).unwrap().is_memcpyed() {
                // Nothing compressed well enough: the whole chunk is stored.
                raw_counts.push(usize::MAX);
                continue;
            }
            let streams = blosc1_streams(&chunk);
            let limit = |n: usize| n * (100 - usize::from(saving.unwrap_or(0))) / 100;
            for &(c, n) in &streams {
                // Raw, or compressed by at least the asked saving.
                assert!(c == n || c <= limit(n), "{codec} {saving:?}: {c} of {n}");
            }
            raw_counts.push(streams.iter().filter(|&&(c, n)| c == n).count());
        }
        // `None` and `Some(0)` are the same (C's) rule; asking more stores more streams raw.
        assert_eq!(raw_counts[0], raw_counts[1], "{codec}");
        assert!(
            raw_counts.windows(2).all(|w| w[0] <= w[1]),
            "{codec}: {raw_counts:?}"
        );
        assert!(raw_counts[4] > raw_counts[0], "{codec}: {raw_counts:?}");
    }
    let bad = CParams::default().with_min_saving(Some(100));
    assert!(matches!(
        blz_blosc::compress(&src, &bad),
        Err(blz_blosc::Error::InvalidParam { .. })
    ));
}
