//! blz-blosc compress/decompress throughput: every codec (clevel 5) x filter x nthreads 1, 2 on
//! the seeded inputs of `common`, in 1 MiB chunks, next to a memcpy of the same input.
//!
//! Ids: `compress/lz4/shuffle/ts8/nt1/randwalk_f8`, `decompress/...`, `compress/memcpy/...`.
//! Run: `cargo bench --bench codec` (about a minute), or one slice, e.g.
//! `cargo bench --bench codec -- 'compress/lz4/'`.

#[expect(
    clippy::mod_module_files,
    reason = "benches/common/mod.rs is cargo's shared-module idiom"
)]
mod common;

use std::hint::black_box;

use blz_blosc::DParams;
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

use common::{CHUNK_BYTES, CODECS, FILTERS, cparams, inputs};

const THREADS: [usize; 2] = [1, 2];

fn compress(c: &mut Criterion) {
    let mut g = c.benchmark_group("compress");
    g.sampling_mode(SamplingMode::Flat);
    for input in inputs() {
        let ts = input.typesize;
        g.throughput(Throughput::Bytes(input.bytes.len() as u64));
        let mut dst = vec![0u8; input.bytes.len()];
        g.bench_function(
            BenchmarkId::new(format!("memcpy/ts{ts}"), input.name),
            |b| {
                b.iter(|| dst.copy_from_slice(black_box(&input.bytes)));
            },
        );
        for codec in CODECS {
            for filter in FILTERS {
                for nt in THREADS {
                    let p = cparams(codec, filter, ts, nt);
                    let id =
                        BenchmarkId::new(format!("{codec}/{filter}/ts{ts}/nt{nt}"), input.name);
                    g.bench_function(id, |b| {
                        b.iter(|| {
                            for chunk in input.bytes.chunks(CHUNK_BYTES) {
                                black_box(
                                    blz_blosc::compress(black_box(chunk), &p).expect("compress"),
                                );
                            }
                        });
                    });
                }
            }
        }
    }
    g.finish();
}

fn decompress(c: &mut Criterion) {
    let mut g = c.benchmark_group("decompress");
    g.sampling_mode(SamplingMode::Flat);
    for input in inputs() {
        let ts = input.typesize;
        g.throughput(Throughput::Bytes(input.bytes.len() as u64));
        let mut dst = vec![0u8; input.bytes.len()];
        g.bench_function(
            BenchmarkId::new(format!("memcpy/ts{ts}"), input.name),
            |b| {
                b.iter(|| dst.copy_from_slice(black_box(&input.bytes)));
            },
        );
        for codec in CODECS {
            for filter in FILTERS {
                for nt in THREADS {
                    let p = cparams(codec, filter, ts, nt);
                    let chunks: Vec<Vec<u8>> = input
                        .bytes
                        .chunks(CHUNK_BYTES)
                        .map(|x| blz_blosc::compress(x, &p).expect("compress"))
                        .collect();
                    let dp = DParams::default().with_nthreads(nt);
                    // Checked once, outside the timing.
                    for (chunk, out) in chunks.iter().zip(dst.chunks_mut(CHUNK_BYTES)) {
                        blz_blosc::decompress_into_with(chunk, out, &dp).expect("decompress");
                    }
                    assert!(
                        dst == input.bytes,
                        "{codec} {filter} nt{nt} {}: round trip differs",
                        input.name
                    );
                    let id =
                        BenchmarkId::new(format!("{codec}/{filter}/ts{ts}/nt{nt}"), input.name);
                    g.bench_function(id, |b| {
                        b.iter(|| {
                            for (chunk, out) in chunks.iter().zip(dst.chunks_mut(CHUNK_BYTES)) {
                                blz_blosc::decompress_into_with(black_box(chunk), out, &dp)
                                    .expect("decompress");
                            }
                        });
                    });
                }
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
