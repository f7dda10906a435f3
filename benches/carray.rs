//! `CArray<f64>` against `Vec<f64>` on the seeded float64 inputs of `common` (2 MiB each): sum
//! with statistics off and on, random `get`s, a `take`, and appends next to the codec alone.
//!
//! Ids: `sum/blz-stats-off/linspace_f8` next to `sum/vec-rayon/linspace_f8`, `get/blz/...`,
//! `take/blz/...`, `append/blz-push/...` next to `append/codec/...`.
//! Run: `cargo bench --bench carray` (about a minute), or one group, e.g.
//! `cargo bench --bench carray -- 'sum/'`. The full-size runs are `blz bench sum|take|append`.

#[expect(
    clippy::mod_module_files,
    reason = "benches/common/mod.rs is cargo's shared-module idiom"
)]
#[allow(
    dead_code,
    reason = "the codec settings of `common` are for the codec benches"
)]
mod common;

use std::hint::black_box;

use blz::{CArray, CArrayOptions};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

/// Random indices per `get` loop and per `take`.
const INDICES: usize = 10_000;
/// Elements per `extend_from_slice` call.
const PIECE: usize = 1 << 16;

/// The float64 inputs of `common`, as `(name, values)`.
fn columns() -> Vec<(&'static str, Vec<f64>)> {
    common::inputs()
        .into_iter()
        .filter(|i| i.name.ends_with("_f8"))
        .map(|i| {
            let xs = i
                .bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                .collect();
            (i.name, xs)
        })
        .collect()
}

/// Seeded indices below `n` (splitmix64).
fn indices(n: usize) -> Vec<usize> {
    let mut s = 0x7461_6b65_u64;
    let n = n as u64;
    (0..INDICES)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            usize::try_from((z ^ (z >> 31)) % n).expect("below n")
        })
        .collect()
}

/// Eight-lane sum, the fair `Vec` baseline.
fn lanes_sum(xs: &[f64]) -> f64 {
    let mut l = [0.0f64; 8];
    let it = xs.chunks_exact(8);
    let rest = it.remainder();
    for c in it {
        for (a, &x) in l.iter_mut().zip(c) {
            *a += x;
        }
    }
    l.iter().sum::<f64>() + rest.iter().sum::<f64>()
}

fn sum(c: &mut Criterion) {
    let mut g = c.benchmark_group("sum");
    for (name, xs) in columns() {
        g.throughput(Throughput::Bytes(
            std::mem::size_of_val(xs.as_slice()) as u64
        ));
        let mut a = CArray::<f64>::from_slice(&xs).expect("build");
        g.bench_function(BenchmarkId::new("vec-rayon", name), |b| {
            b.iter(|| {
                let parts: Vec<f64> = black_box(&xs).par_chunks(1 << 16).map(lanes_sum).collect();
                parts.iter().sum::<f64>()
            });
        });
        g.bench_function(BenchmarkId::new("vec-iter", name), |b| {
            b.iter(|| black_box(&xs).iter().sum::<f64>());
        });
        a.set_use_stats(false);
        g.bench_function(BenchmarkId::new("blz-stats-off", name), |b| {
            b.iter(|| black_box(&a).sum().expect("sum"));
        });
        a.set_use_stats(true);
        g.bench_function(BenchmarkId::new("blz-stats-on", name), |b| {
            b.iter(|| black_box(&a).sum().expect("sum"));
        });
        g.bench_function(BenchmarkId::new("blz-min-stats-on", name), |b| {
            b.iter(|| black_box(&a).min().expect("min"));
        });
    }
    g.finish();
}

fn get_take(c: &mut Criterion) {
    let mut g = c.benchmark_group("get");
    let cols = columns();
    for (name, xs) in &cols {
        let a = CArray::<f64>::from_slice(xs).expect("build");
        let idx = indices(xs.len());
        g.throughput(Throughput::Elements(INDICES as u64));
        g.bench_function(BenchmarkId::new("vec", name), |b| {
            b.iter(|| idx.iter().map(|&i| xs[black_box(i)]).sum::<f64>());
        });
        g.bench_function(BenchmarkId::new("blz", name), |b| {
            b.iter(|| {
                idx.iter()
                    .map(|&i| a.get(black_box(i)).expect("get"))
                    .sum::<f64>()
            });
        });
    }
    g.finish();
    let mut g = c.benchmark_group("take");
    for (name, xs) in &cols {
        let a = CArray::<f64>::from_slice(xs).expect("build");
        let idx = indices(xs.len());
        assert_eq!(
            a.take(&idx).expect("take"),
            idx.iter().map(|&i| xs[i]).collect::<Vec<_>>()
        );
        g.throughput(Throughput::Elements(INDICES as u64));
        g.bench_function(BenchmarkId::new("vec", name), |b| {
            b.iter(|| idx.iter().map(|&i| xs[i]).collect::<Vec<f64>>());
        });
        g.bench_function(BenchmarkId::new("blz", name), |b| {
            b.iter(|| a.take(black_box(&idx)).expect("take"));
        });
    }
    g.finish();
}

fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    for (name, xs) in columns() {
        let opts = CArrayOptions::default().with_expected_len(xs.len());
        let probe = CArray::<f64>::with_options(opts.clone()).expect("options");
        let p = probe.cparams().clone().with_nthreads(1);
        let chunk_bytes = probe.chunklen() * 8;
        let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(BenchmarkId::new("codec", name), |b| {
            b.iter(|| {
                bytes
                    .chunks(chunk_bytes)
                    .map(|c| blz_blosc::compress(black_box(c), &p).expect("compress"))
                    .collect::<Vec<_>>()
            });
        });
        g.bench_function(BenchmarkId::new("blz-push", name), |b| {
            b.iter(|| {
                let mut a = CArray::<f64>::with_options(opts.clone()).expect("options");
                for &x in &xs {
                    a.push(black_box(x)).expect("push");
                }
                a
            });
        });
        g.bench_function(BenchmarkId::new("blz-extend", name), |b| {
            b.iter(|| {
                let mut a = CArray::<f64>::with_options(opts.clone()).expect("options");
                for piece in xs.chunks(PIECE) {
                    a.extend_from_slice(black_box(piece)).expect("extend");
                }
                a
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = sum, get_take, append
}
criterion_main!(benches);
