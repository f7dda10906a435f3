//! blz-blosc against C-Blosc1 (the `blosc-src` crate, C-Blosc 1.21) on the same inputs and
//! settings: every codec (clevel 5) x filter, 1 thread, 1 MiB chunks. Needs `--features interop`.
//!
//! Ids: `compress/lz4/shuffle/ts8/randwalk_f8/blz` next to `.../c-blosc1`, and `decompress/...`.
//! Run: `cargo bench --features interop --bench vs_c` (about a minute).

#[expect(
    clippy::mod_module_files,
    reason = "benches/common/mod.rs is cargo's shared-module idiom"
)]
mod common;
// The one FFI wrapper of the project (its unsafe blocks and SAFETY comments live there).
#[path = "../crates/cli/cblosc.rs"]
mod cblosc;

use std::hint::black_box;

use blz_blosc::DParams;
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

use common::{CHUNK_BYTES, CODECS, FILTERS, cparams, inputs};

fn compress(c: &mut Criterion) {
    eprintln!("yardstick: {}", cblosc::version());
    let mut g = c.benchmark_group("compress");
    g.sampling_mode(SamplingMode::Flat);
    for input in inputs() {
        let ts = input.typesize;
        g.throughput(Throughput::Bytes(input.bytes.len() as u64));
        for codec in CODECS {
            for filter in FILTERS {
                let p = cparams(codec, filter, ts, 1);
                let name = format!("{codec}/{filter}/ts{ts}/{}", input.name);
                g.bench_function(BenchmarkId::new(name.clone(), "blz"), |b| {
                    b.iter(|| {
                        for chunk in input.bytes.chunks(CHUNK_BYTES) {
                            black_box(blz_blosc::compress(black_box(chunk), &p).expect("compress"));
                        }
                    });
                });
                g.bench_function(BenchmarkId::new(name, "c-blosc1"), |b| {
                    b.iter(|| {
                        for chunk in input.bytes.chunks(CHUNK_BYTES) {
                            let out = cblosc::compress(black_box(chunk), codec, 5, filter, ts, 1);
                            black_box(out.expect("c compress"));
                        }
                    });
                });
            }
        }
    }
    g.finish();
}

fn decompress(c: &mut Criterion) {
    let mut g = c.benchmark_group("decompress");
    g.sampling_mode(SamplingMode::Flat);
    let dp = DParams::default();
    for input in inputs() {
        let ts = input.typesize;
        g.throughput(Throughput::Bytes(input.bytes.len() as u64));
        let mut dst = vec![0u8; input.bytes.len()];
        for codec in CODECS {
            for filter in FILTERS {
                let p = cparams(codec, filter, ts, 1);
                let ours: Vec<Vec<u8>> = input
                    .bytes
                    .chunks(CHUNK_BYTES)
                    .map(|x| blz_blosc::compress(x, &p).expect("compress"))
                    .collect();
                let theirs: Vec<Vec<u8>> = input
                    .bytes
                    .chunks(CHUNK_BYTES)
                    .map(|x| cblosc::compress(x, codec, 5, filter, ts, 1).expect("c compress"))
                    .collect();
                let name = format!("{codec}/{filter}/ts{ts}/{}", input.name);
                // Each library decodes its own chunks, as a user of either would.
                g.bench_function(BenchmarkId::new(name.clone(), "blz"), |b| {
                    b.iter(|| {
                        for (chunk, out) in ours.iter().zip(dst.chunks_mut(CHUNK_BYTES)) {
                            blz_blosc::decompress_into_with(black_box(chunk), out, &dp)
                                .expect("decompress");
                        }
                    });
                });
                assert!(dst == input.bytes, "blz {name}: round trip differs");
                g.bench_function(BenchmarkId::new(name.clone(), "c-blosc1"), |b| {
                    b.iter(|| {
                        for (chunk, out) in theirs.iter().zip(dst.chunks_mut(CHUNK_BYTES)) {
                            cblosc::decompress_into(black_box(chunk), out, 1)
                                .expect("c decompress");
                        }
                    });
                });
                assert!(dst == input.bytes, "c-blosc1 {name}: round trip differs");
            }
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = compress, decompress
}
criterion_main!(benches);
