//! Seeded inputs of the benches: the numeric columns of `blz demo` (same generators, same
//! seeds), small enough for a 2-core machine, and the codec settings they run.

use blz_blosc::{CLevel, CParams, Compressor, Shuffle, TypeSize};
use criterion::Criterion;
use std::time::Duration;

/// Bytes of each input.
pub(crate) const INPUT_BYTES: usize = 2 << 20;
/// Bytes of each chunk (the last may be shorter).
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// Every codec, at clevel 5.
pub(crate) const CODECS: [Compressor; 6] = [
    Compressor::BloscLz,
    Compressor::Lz4,
    Compressor::Lz4Hc,
    Compressor::Snappy,
    Compressor::Zlib,
    Compressor::Zstd,
];

/// Every Blosc1 filter.
pub(crate) const FILTERS: [Shuffle; 3] = [Shuffle::None, Shuffle::Byte, Shuffle::Bit];

/// One input column.
pub(crate) struct Input {
    /// Short name with the numpy-like dtype, e.g. `randwalk_f8`.
    pub(crate) name: &'static str,
    /// Element size in bytes.
    pub(crate) typesize: usize,
    /// Little-endian element bytes.
    pub(crate) bytes: Vec<u8>,
}

/// int64 arange, float64 linspace, float64 random walk, int32 low-cardinality values.
pub(crate) fn inputs() -> Vec<Input> {
    let n8 = INPUT_BYTES / 8;
    let step = 100.0 / (n8 - 1) as f64;
    let mut walk = Rng::new(0x7261_6e64_7761_6c6b);
    let mut x = 0.0f64;
    let mut low = Rng::new(0x006c_6f77_6361_7264);
    vec![
        Input {
            name: "arange_i8",
            typesize: 8,
            bytes: (0i64..).take(n8).flat_map(i64::to_le_bytes).collect(),
        },
        Input {
            name: "linspace_f8",
            typesize: 8,
            bytes: (0..n8)
                .flat_map(|i| (i as f64 * step).to_le_bytes())
                .collect(),
        },
        Input {
            name: "randwalk_f8",
            typesize: 8,
            bytes: (0..n8)
                .flat_map(|_| {
                    x += 0.05 * walk.normal();
                    ((x * 100.0).round() / 100.0 + 100.0).to_le_bytes()
                })
                .collect(),
        },
        Input {
            name: "lowcard_i4",
            typesize: 4,
            bytes: (0..INPUT_BYTES / 4)
                .flat_map(|_| low.below(100).to_le_bytes())
                .collect(),
        },
    ]
}

/// The parameters of one benchmark.
pub(crate) fn cparams(
    codec: Compressor,
    filter: Shuffle,
    typesize: usize,
    nthreads: usize,
) -> CParams {
    CParams::default()
        .with_compressor(codec)
        .with_clevel(CLevel::new(5))
        .with_shuffle(filter)
        .with_typesize(TypeSize::new(typesize))
        .with_nthreads(nthreads)
}

/// Short runs for a 2-core machine: 10 samples, short warm-up and measurement.
pub(crate) fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(30))
        .measurement_time(Duration::from_millis(80))
        .nresamples(1000)
        .without_plots()
}

/// xorshift64* seeded through splitmix64, as in `blz demo`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u32) -> u32 {
        // (x >> 32) < n, so the cast keeps every bit.
        let x = (self.next_u64() >> 32) * u64::from(n);
        (x >> 32) as u32
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn normal(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 3f64.sqrt()
    }
}
