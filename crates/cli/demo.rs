//! `blz demo`: the main job on built-in data. First a generated table of trades held compressed
//! in a `CTable` (module `table`): sizes, ratio, and a sum, a filter and a group-by timed next
//! to the same loops over plain `Vec`s. Then the codecs alone: a few typical columns compressed
//! with a few codecs into 1 MiB chunks, every round trip checked, ratio and speed printed.
//!
//! The generators are also the data of `blz bench codec` when no datasets folder is given.

mod table;

use anyhow::{Context, Result, bail};
use blz_blosc::{CLevel, CParams, Compressor, DParams, Shuffle, TypeSize};

use crate::bench::{self, gbps};
use crate::output::{Align, human_bytes, write_table};

/// Arguments of `blz demo`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Rows of the generated table (0 skips the table part).
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(0..=1_000_000_000))]
    rows: u64,
    /// Timed calls of each query and loop (the median is shown).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=1000))]
    repeats: u16,
    /// Skip the codec part.
    #[arg(long)]
    no_codecs: bool,
    /// Threads per chunk, for compression and decompression.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    nthreads: u16,
    /// Size of each generated column of the codec part, in MiB.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    mib: u32,
    /// Chunk size in bytes.
    #[arg(long, default_value_t = 1 << 20, value_parser = clap::value_parser!(u64).range(1..=(1 << 30)))]
    chunk_bytes: u64,
}

/// The codec settings the demo shows: (codec, clevel, filter).
const CONFIGS: [(Compressor, u8, Shuffle); 3] = [
    (Compressor::Lz4, 5, Shuffle::Byte),
    (Compressor::Zstd, 5, Shuffle::Byte),
    (Compressor::Zstd, 5, Shuffle::Bit),
];

/// Runs `blz demo`.
pub(crate) fn run(args: &Args) -> Result<()> {
    outln!("blz demo: compressed columns in memory, on generated data\n");
    if args.rows > 0 {
        table::run(usize::try_from(args.rows)?, usize::from(args.repeats))?;
    }
    if args.no_codecs {
        return Ok(());
    }
    if args.rows > 0 {
        outln!();
    }
    codecs(args)
}

/// The codec part: each generated column compressed with each of [`CONFIGS`].
fn codecs(args: &Args) -> Result<()> {
    let nbytes = usize::try_from(args.mib)? << 20;
    let chunk_bytes = usize::try_from(args.chunk_bytes)?;
    let nthreads = usize::from(args.nthreads);
    let columns = columns(nbytes);
    let mut dst = vec![0u8; nbytes];
    let memcpy_s = bench::memcpy_secs(&columns[0].bytes, &mut dst, 5);
    outln!(
        "The codecs alone: {} columns of {} MiB, {} KiB chunks, {} thread(s) per chunk:\n",
        columns.len(),
        args.mib,
        chunk_bytes >> 10,
        nthreads
    );
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for col in &columns {
        for &(codec, clevel, shuffle) in &CONFIGS {
            let params = CParams::default()
                .with_compressor(codec)
                .with_clevel(CLevel::try_from(clevel)?)
                .with_shuffle(shuffle)
                .with_typesize(TypeSize::try_from(col.typesize)?)
                .with_nthreads(nthreads);
            let dparams = DParams::default().with_nthreads(nthreads);
            let (chunks, comp_s) = bench::compress_chunks(&col.bytes, chunk_bytes, &params)
                .with_context(|| format!("compressing {} with {codec}", col.name))?;
            dst.fill(0);
            let decomp_s = bench::decompress_chunks(&chunks, chunk_bytes, &mut dst, &dparams)
                .with_context(|| format!("decompressing {} with {codec}", col.name))?;
            let cbytes: usize = chunks.iter().map(Vec::len).sum();
            let label = format!("{} {codec} {clevel} {shuffle}", col.name);
            if let Some(at) = bench::first_difference(&col.bytes, &dst) {
                failures.push(format!("{label}: round trip differs at byte {at}"));
            }
            rows.push(vec![
                col.name.to_owned(),
                format!("{codec} {clevel}"),
                shuffle.to_string(),
                human_bytes(col.bytes.len()),
                human_bytes(cbytes),
                format!("{:.2}", ratio(col.bytes.len(), cbytes)),
                format!("{:.2}", gbps(col.bytes.len(), comp_s)),
                format!("{:.2}", gbps(col.bytes.len(), decomp_s)),
            ]);
        }
    }
    use Align::{Left, Right};
    write_table(
        &mut std::io::stdout().lock(),
        &[
            "column",
            "codec",
            "filter",
            "raw",
            "compressed",
            "ratio",
            "comp GB/s",
            "decomp GB/s",
        ],
        &[Left, Left, Left, Right, Right, Right, Right, Right],
        &rows,
    )?;
    outln!(
        "\nmemcpy of {} MiB: {:.3} GB/s (median of 5, for reference)",
        args.mib,
        gbps(nbytes, memcpy_s)
    );
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("blz demo: {f}");
        }
        bail!("{} of {} round trips differ", failures.len(), rows.len());
    }
    outln!("all {} round trips identical", rows.len());
    Ok(())
}

/// `nbytes / cbytes`, or 0 for an empty result.
pub(crate) fn ratio(nbytes: usize, cbytes: usize) -> f64 {
    if cbytes == 0 {
        0.0
    } else {
        nbytes as f64 / cbytes as f64
    }
}

/// One generated column: little-endian element bytes.
pub(crate) struct Column {
    /// Short name with the numpy-like dtype, e.g. `arange_i8`.
    pub(crate) name: &'static str,
    /// Element size in bytes.
    pub(crate) typesize: usize,
    /// The data.
    pub(crate) bytes: Vec<u8>,
}

/// The demo columns, `nbytes` each (cut to whole elements): int64 arange, float64 linspace,
/// int32 low-cardinality values, float64 random walk, text-like bytes. Deterministic.
pub(crate) fn columns(nbytes: usize) -> Vec<Column> {
    vec![
        Column {
            name: "arange_i8",
            typesize: 8,
            bytes: arange_i8(nbytes / 8),
        },
        Column {
            name: "linspace_f8",
            typesize: 8,
            bytes: linspace_f8(nbytes / 8),
        },
        Column {
            name: "lowcard_i4",
            typesize: 4,
            bytes: lowcard_i4(nbytes / 4),
        },
        Column {
            name: "randwalk_f8",
            typesize: 8,
            bytes: randwalk_f8(nbytes / 8),
        },
        Column {
            name: "text_u1",
            typesize: 1,
            bytes: text(nbytes),
        },
    ]
}

/// `0, 1, 2, ...` as int64.
fn arange_i8(n: usize) -> Vec<u8> {
    (0i64..).take(n).flat_map(i64::to_le_bytes).collect()
}

/// `n` evenly spaced float64 values from 0 to 100 inclusive.
fn linspace_f8(n: usize) -> Vec<u8> {
    let step = if n > 1 { 100.0 / (n - 1) as f64 } else { 0.0 };
    (0..n)
        .flat_map(|i| (i as f64 * step).to_le_bytes())
        .collect()
}

/// int32 values uniform in `0..100`.
fn lowcard_i4(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(0x006c_6f77_6361_7264);
    // Values below 100 have the same bytes as u32 and as i32.
    (0..n).flat_map(|_| rng.below(100).to_le_bytes()).collect()
}

/// A float64 random walk around 100 with N(0, 0.05)-like steps, rounded to 2 decimals (prices).
fn randwalk_f8(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(0x7261_6e64_7761_6c6b);
    let mut x = 0.0f64;
    (0..n)
        .flat_map(|_| {
            x += 0.05 * rng.normal();
            ((x * 100.0).round() / 100.0 + 100.0).to_le_bytes()
        })
        .collect()
}

/// English-like text: words drawn with a skewed (Zipf-like) frequency, sentences and lines.
fn text(nbytes: usize) -> Vec<u8> {
    const WORDS: [&str; 48] = [
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "with", "was", "on",
        "be", "by", "this", "are", "from", "or", "have", "an", "they", "which", "one", "you",
        "data", "block", "chunk", "column", "value", "compress", "filter", "shuffle", "codec",
        "table", "query", "memory", "speed", "ratio", "blosc", "array", "bytes", "element",
        "thread", "cache", "stream", "header",
    ];
    let mut rng = Rng::new(0x7465_7874);
    let mut out = Vec::with_capacity(nbytes + 16);
    let mut in_sentence = 0;
    while out.len() < nbytes {
        // The smallest of three draws: frequent short words, a long tail.
        let idx = rng.below(48).min(rng.below(48)).min(rng.below(48));
        let word = WORDS[idx as usize].as_bytes();
        if in_sentence == 0 {
            out.push(word[0].to_ascii_uppercase());
            out.extend_from_slice(&word[1..]);
        } else {
            out.extend_from_slice(word);
        }
        in_sentence += 1;
        if in_sentence > 4 && rng.below(8) == 0 {
            out.extend_from_slice(if rng.below(4) == 0 { b".\n" } else { b". " });
            in_sentence = 0;
        } else {
            out.push(b' ');
        }
    }
    out.truncate(nbytes);
    out
}

/// xorshift64* seeded through splitmix64: tiny, fast, deterministic on every platform.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub(crate) fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        // xorshift's state must not be zero.
        Rng((z ^ (z >> 31)) | 1)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the tiny bias is irrelevant here).
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        // (x >> 32) < n, so the cast keeps every bit.
        let x = (self.next_u64() >> 32) * u64::from(n);
        (x >> 32) as u32
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Approximately standard normal (Irwin-Hall sum of 4 uniforms, rescaled).
    pub(crate) fn normal(&mut self) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        (s - 2.0) * 3f64.sqrt()
    }
}
