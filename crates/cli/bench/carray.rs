//! `blz bench sum|take|append`: `CArray<f64>` against a plain `Vec<f64>` (and the codec alone)
//! measured in the same run, on the anchors' float64 datasets or generated columns, written as
//! the anchors' container JSON Lines records (`../shared/anchors/README.md`).
//!
//! Method (the anchors' `container_bench.py`): every timing is one call; a case is one untimed
//! warm-up (not for cold or append cases) then `repeats` timed calls; medians (min–max) are
//! reported, and ratios against a baseline timed in the same run:
//! - `sum`: `CArray::sum` with statistics off and on, `min`/`max`, against a `Vec<f64>` sum in
//!   the same thread pool (rayon, fixed-size pieces, 8 accumulator lanes) and a one-thread
//!   `iter().sum()`.
//! - `take`: `count` random `get`s and one `count`-index `take` (seeded indices), with the
//!   block cache cleared before each call (cold) or kept (warm), against `Vec` indexing.
//! - `append`: `push` one by one, `extend` from an iterator and `extend_from_slice` in pieces, against `blz_blosc::compress`
//!   of the same bytes in `chunklen` chunks with the column's codec parameters, one thread;
//!   also one read of the source on one thread: the codec hides its input's read behind its
//!   work, one-by-one appends cannot, so they are at best `codec / (codec + read)` as fast.

use std::fs::File;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use blz::{CArray, CArrayOptions, ChunkCache};
use rayon::prelude::*;
use serde_json::{Value, json};

use super::datasets::Manifest;
use super::measure::{compress_chunks, container_out, gbps, loadavg, median, stats};
use super::print_table;
use crate::demo::Rng;

/// Elements per rayon task of the `Vec` baselines (512 KiB of f64).
const VEC_PIECE: usize = 1 << 16;

/// Options shared by the three subcommands.
#[derive(clap::Args, Debug)]
pub(crate) struct Common {
    /// Folder of the anchors' datasets (with manifest.json); default $BLZ_ANCHORS_DATA, else
    /// the columns are generated in memory (linspace, randwalk or uniform, by name).
    #[arg(long, value_name = "DIR")]
    datasets: Option<PathBuf>,
    /// float64 datasets, comma-separated (e.g. linspace_f8_100M,randwalk_f8_50M).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    names: Vec<String>,
    /// Use only the first N elements (generated data: N elements) [default: the whole dataset;
    /// generated: the count in the name, e.g. 100M].
    #[arg(long, value_name = "N")]
    len: Option<usize>,
    /// Threads of the pool the containers and the `Vec` baseline run in [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Timed repeats of each case (medians are reported).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    repeats: Option<u16>,
    /// JSON Lines file to append the results to [default: $BLZ_ANCHORS_RUN_DIR/container-blz.jsonl
    /// (container-1t-blz.jsonl with --threads 1) when that is set, else none].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Arguments of `blz bench sum`.
#[derive(clap::Args, Debug)]
pub(crate) struct SumArgs {
    #[command(flatten)]
    common: Common,
}

/// Arguments of `blz bench take`.
#[derive(clap::Args, Debug)]
pub(crate) struct TakeArgs {
    #[command(flatten)]
    common: Common,
    /// Random indices per case.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Seed of the indices.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// A private block cache of this many MiB [default: the process-wide cache, 256 MiB].
    #[arg(long, value_name = "MIB")]
    cache_mib: Option<u64>,
    /// Write the indices to FILE (raw little-endian u64) for a peer script to reuse.
    #[arg(long, value_name = "FILE")]
    save_indices: Option<PathBuf>,
    /// Codec block size in KiB (a random get decodes up to one block) [default: the CArray default,
    /// 1024]; 256 is the random-access setting.
    #[arg(long, value_name = "KIB", value_parser = clap::value_parser!(u64).range(1..=65536))]
    block_kib: Option<u64>,
}

/// Arguments of `blz bench append`.
#[derive(clap::Args, Debug)]
pub(crate) struct AppendArgs {
    #[command(flatten)]
    common: Common,
    /// Elements per `extend_from_slice` call.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    piece: u64,
}

/// One float64 column to measure.
struct Column {
    name: String,
    xs: Vec<f64>,
    /// Whether `xs` is the whole dataset (the case names then match the peers').
    whole: bool,
    source: &'static str,
}

impl Column {
    fn nbytes(&self) -> usize {
        std::mem::size_of_val(self.xs.as_slice())
    }

    /// `"{what} {name}"`, or `"{what} {name}[:len]"` for a prefix.
    fn case(&self, what: &str) -> String {
        if self.whole {
            format!("{what} {}", self.name)
        } else {
            format!("{what} {}[:{}]", self.name, self.xs.len())
        }
    }
}

/// The element count in a dataset name: `linspace_f8_100M` → 100 000 000.
fn nominal_len(name: &str) -> Option<usize> {
    if name == "table.price_f8" {
        return Some(10_000_000);
    }
    let tail = name.rsplit('_').next()?;
    let (num, mul) = match tail.strip_suffix('M') {
        Some(n) => (n, 1_000_000),
        None => (tail.strip_suffix('K')?, 1_000),
    };
    num.parse::<usize>().ok()?.checked_mul(mul)
}

/// A generated column for `name`, by the word it starts with.
fn generate(name: &str, n: usize) -> Result<Vec<f64>> {
    let mut rng = Rng::new(0x7261_6e64_7761_6c6b);
    Ok(if name.starts_with("linspace") {
        let step = if n > 1 { 100.0 / (n - 1) as f64 } else { 0.0 };
        (0..n).map(|i| i as f64 * step).collect()
    } else if name.starts_with("randwalk") || name == "table.price_f8" {
        let mut x = 0.0f64;
        (0..n)
            .map(|_| {
                x += 0.05 * rng.normal();
                (x * 100.0).round() / 100.0 + 100.0
            })
            .collect()
    } else if name.starts_with("uniform") {
        (0..n).map(|_| rng.unit()).collect()
    } else {
        usage_bail!(
            "cannot generate {name}: expected a name starting with linspace, randwalk or uniform"
        )
    })
}

/// Little-endian bytes as f64.
fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            f64::from_le_bytes(a)
        })
        .collect()
}

impl Common {
    fn data_dir(&self) -> Option<PathBuf> {
        self.datasets
            .clone()
            .or_else(|| std::env::var_os("BLZ_ANCHORS_DATA").map(PathBuf::from))
    }

    fn threads(&self) -> usize {
        self.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        )
    }

    fn repeats(&self, default: u16) -> usize {
        usize::from(self.repeats.unwrap_or(default))
    }

    fn names(&self, default: &[&str]) -> Vec<String> {
        if self.names.is_empty() {
            default.iter().map(|&s| s.to_owned()).collect()
        } else {
            self.names.clone()
        }
    }

    /// Loads (or generates) one column.
    fn load(&self, name: &str) -> Result<Column> {
        if !name.contains("_f8") {
            usage_bail!("{name}: these benchmarks take float64 datasets (names with _f8)");
        }
        if let Some(dir) = self.data_dir() {
            let cap = self.len.map(|n| n.saturating_mul(8));
            let ds = Manifest::open(&dir)?.load(name, cap)?.with_context(|| {
                format!(
                    "{name} is not in {} (generate it with ../shared/anchors/datasets.py --only {name})",
                    dir.display()
                )
            })?;
            if ds.typesize != 8 || ds.arrays.len() != 1 {
                bail!("{name}: expected one float64 array");
            }
            let xs = f64s(&ds.arrays[0]);
            drop(ds);
            let whole = self.len_is_whole(&dir, name)?;
            return Ok(Column {
                name: name.to_owned(),
                xs,
                whole,
                source: "anchors",
            });
        }
        let n = match (self.len, nominal_len(name)) {
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => usage_bail!("{name}: give --len for generated data"),
        };
        Ok(Column {
            name: name.to_owned(),
            xs: generate(name, n)?,
            whole: nominal_len(name) == Some(n),
            source: "generated",
        })
    }

    /// Whether `--len` (if any) covers the whole dataset in the folder.
    fn len_is_whole(&self, dir: &Path, name: &str) -> Result<bool> {
        let Some(n) = self.len else {
            return Ok(true);
        };
        let text = std::fs::read_to_string(dir.join("manifest.json"))?;
        let root: Value = serde_json::from_str(&text)?;
        let nbytes = root[name]["nbytes"].as_u64().unwrap_or(u64::MAX);
        Ok(u64::try_from(n.saturating_mul(8)).unwrap_or(u64::MAX) >= nbytes)
    }

    fn pool(&self) -> Result<rayon::ThreadPool> {
        Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads())
            .build()?)
    }

    /// The JSON Lines output, if any.
    fn out(&self) -> Result<Option<File>> {
        container_out(self.out.as_deref(), self.threads())
    }
}

/// Times `f`: an optional untimed warm-up, then `repeats` timed calls, each after an untimed
/// `setup`. Returns the seconds of each call and the last result (dropped results are dropped
/// outside the timing).
fn time_it<R>(
    repeats: usize,
    warmup: bool,
    mut setup: impl FnMut(),
    mut f: impl FnMut() -> Result<R>,
) -> Result<(Vec<f64>, R)> {
    if warmup {
        setup();
        drop(black_box(f()?));
    }
    let mut ts = Vec::with_capacity(repeats);
    let mut last = None;
    for _ in 0..repeats.max(1) {
        setup();
        let t = Instant::now();
        let r = black_box(f()?);
        ts.push(t.elapsed().as_secs_f64());
        drop(last.replace(r));
    }
    Ok((ts, last.context("no timed call")?))
}

fn no_setup() {}

/// One measured case: a printed row and a container JSON Lines record.
struct Case {
    section: &'static str,
    case: String,
    imp: String,
    times: Vec<f64>,
    nbytes: Option<usize>,
    value: Value,
    /// `(cbytes, nbytes)` of the container read.
    container: Option<(usize, usize)>,
    /// Median seconds of the baseline this case is compared with.
    baseline: Option<f64>,
    note: String,
}

impl Case {
    fn new(section: &'static str, case: &str, imp: impl Into<String>, times: Vec<f64>) -> Case {
        Case {
            section,
            case: case.to_owned(),
            imp: imp.into(),
            times,
            nbytes: None,
            value: Value::Null,
            container: None,
            baseline: None,
            note: String::new(),
        }
    }
    fn bytes(mut self, n: usize) -> Case {
        self.nbytes = Some(n);
        self
    }
    fn value(mut self, v: impl Into<Value>) -> Case {
        self.value = v.into();
        self
    }
    fn container<T: blz::Element>(mut self, a: &CArray<T>) -> Case {
        self.container = Some((a.cbytes(), a.nbytes()));
        self
    }
    fn vs(mut self, baseline_s: f64) -> Case {
        self.baseline = Some(baseline_s);
        self
    }
    fn note(mut self, s: impl Into<String>) -> Case {
        self.note = s.into();
        self
    }
    fn median(&self) -> f64 {
        median(&self.times)
    }

    fn record(&self, source: &str, threads: usize) -> Value {
        let mut r = json!({
            "bench": "container",
            "kind": "result",
            "section": self.section,
            "case": self.case,
            "impl": self.imp,
            "time_s": self.times,
            "time": stats(&self.times),
            "nbytes": self.nbytes,
            "value": self.value,
            "nthreads": threads,
            "data": source,
            "loadavg": loadavg(),
        });
        if let Some(n) = self.nbytes {
            let g: Vec<f64> = self.times.iter().map(|&s| gbps(n, s)).collect();
            r["gbps"] = stats(&g);
        }
        if let Some((c, n)) = self.container {
            r["cbytes"] = c.into();
            r["nbytes_container"] = n.into();
            r["ratio"] = json!((crate::demo::ratio(n, c) * 1000.0).round() / 1000.0);
        }
        if let Some(b) = self.baseline {
            r["speed_vs_baseline"] = json!(b / self.median().max(1e-12));
        }
        r
    }

    fn row(&self) -> Vec<String> {
        let m = self.median();
        let min = self.times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.times.iter().copied().fold(0.0, f64::max);
        let value = match &self.value {
            Value::Number(n) => n
                .as_f64()
                .map_or_else(|| n.to_string(), |f| format!("{f:.10e}")),
            Value::Null => String::new(),
            v => v.to_string(),
        };
        vec![
            self.case.clone(),
            self.imp.clone(),
            value,
            format!("{:.3}", m * 1e3),
            format!("{:.3}-{:.3}", min * 1e3, max * 1e3),
            self.nbytes
                .map_or_else(String::new, |n| format!("{:.2}", gbps(n, m))),
            self.container.map_or_else(String::new, |(c, n)| {
                format!("{:.2}", crate::demo::ratio(n, c))
            }),
            self.baseline
                .map_or_else(String::new, |b| sig3(b / m.max(1e-12))),
            self.note.clone(),
        ]
    }
}

/// Three significant digits.
fn sig3(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn finish(
    cases: &[Case],
    out: Option<&mut File>,
    threads: usize,
    source: &str,
    vs: &str,
) -> Result<()> {
    if let Some(f) = out {
        for c in cases {
            writeln!(f, "{}", c.record(source, threads))?;
        }
    }
    let header = [
        "case",
        "impl",
        "value",
        "ms (median)",
        "ms min-max",
        "GB/s",
        "ratio",
        vs,
        "note",
    ];
    let rows: Vec<Vec<String>> = cases.iter().map(Case::row).collect();
    print_table(&header, &rows);
    outln!(
        "threads {threads}; data {source}; median of {} repeats; loadavg {}\n",
        cases.first().map_or(0, |c| c.times.len()),
        loadavg().map_or_else(|| "n/a".to_owned(), |l| format!("{l:?}"))
    );
    Ok(())
}

/// Sum with eight independent lanes (vectorised), lanes added in order.
fn lanes_sum(xs: &[f64]) -> f64 {
    // Eight lanes: the fastest plain loop for this crate's baseline target (SSE2). More lanes
    // (blz's 32) spill registers here and made the baseline slower; it is memory bound anyway.
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

/// Smallest (`less`) or largest non-NaN value with eight lanes; NaN when there is none.
fn lanes_ext(xs: &[f64], less: bool) -> f64 {
    let pick = |a: f64, x: f64| if less { a.min(x) } else { a.max(x) };
    let mut l = [f64::NAN; 8];
    let it = xs.chunks_exact(8);
    let rest = it.remainder();
    for c in it {
        for (a, &x) in l.iter_mut().zip(c) {
            *a = pick(*a, x);
        }
    }
    l.iter().chain(rest).fold(f64::NAN, |a, &x| pick(a, x))
}

/// The fair `Vec` baseline: fixed pieces across the current pool, eight lanes each.
fn vec_sum(xs: &[f64]) -> f64 {
    let parts: Vec<f64> = xs.par_chunks(VEC_PIECE).map(lanes_sum).collect();
    parts.iter().sum()
}

fn vec_ext(xs: &[f64], less: bool) -> f64 {
    let parts: Vec<f64> = xs
        .par_chunks(VEC_PIECE)
        .map(|c| lanes_ext(c, less))
        .collect();
    lanes_ext(&parts, less)
}

fn opt_value(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

/// `blz bench sum`.
pub(crate) fn sum(a: &SumArgs) -> Result<()> {
    let c = &a.common;
    let threads = c.threads();
    let repeats = c.repeats(5);
    let pool = c.pool()?;
    let mut out = c.out()?;
    for name in c.names(&["linspace_f8_100M", "randwalk_f8_50M"]) {
        let col = c.load(&name)?;
        let nb = col.nbytes();
        let case = col.case("sum");
        let xs = &col.xs;
        eprintln!("{case}: {} elements from {} data", xs.len(), col.source);
        let t = Instant::now();
        let mut arr = pool.install(|| CArray::<f64>::from_slice(xs))?;
        eprintln!(
            "  built in {:.3} s: chunklen {}, {} chunks, ratio {:.2}",
            t.elapsed().as_secs_f64(),
            arr.chunklen(),
            arr.nchunks(),
            arr.ratio()
        );
        let label = format!(
            "({} {}+{})",
            arr.cparams().compressor,
            arr.cparams().clevel.get(),
            arr.cparams().shuffle
        );
        let mut cases = Vec::new();

        let (ts, v) = time_it(repeats, true, no_setup, || Ok(pool.install(|| vec_sum(xs))))?;
        let vec_s = median(&ts);
        cases.push(
            Case::new(
                "sum",
                &case,
                "Rust Vec<f64> sum (rayon, 8 lanes, in-memory)",
                ts,
            )
            .bytes(nb)
            .value(v)
            .vs(vec_s),
        );
        let (ts, v) = time_it(repeats, true, no_setup, || Ok(xs.iter().sum::<f64>()))?;
        cases.push(
            Case::new(
                "sum",
                &case,
                "Rust Vec<f64> iter().sum() (1 thread, in-memory)",
                ts,
            )
            .bytes(nb)
            .value(v)
            .vs(vec_s),
        );

        arr.set_use_stats(false);
        let (ts, off) = time_it(repeats, true, no_setup, || Ok(pool.install(|| arr.sum())?))?;
        let rel = (off - v).abs() / v.abs().max(f64::MIN_POSITIVE);
        cases.push(
            Case::new(
                "sum",
                &case,
                format!("blz CArray sum, stats off {label}"),
                ts,
            )
            .bytes(nb)
            .value(off)
            .container(&arr)
            .vs(vec_s)
            .note(format!("rel. diff vs 1-thread sum {rel:.1e}")),
        );
        let (ts, m) = time_it(repeats, true, no_setup, || Ok(pool.install(|| arr.min())?))?;
        let (vmin_ts, vmin) = time_it(repeats, true, no_setup, || {
            Ok(pool.install(|| vec_ext(xs, true)))
        })?;
        let vmin_s = median(&vmin_ts);
        cases.push(
            Case::new(
                "sum",
                &case,
                format!("blz CArray min, stats off {label}"),
                ts,
            )
            .bytes(nb)
            .value(opt_value(m))
            .container(&arr)
            .vs(vmin_s),
        );

        arr.set_use_stats(true);
        let (ts, on) = time_it(repeats, true, no_setup, || Ok(pool.install(|| arr.sum())?))?;
        if on.to_bits() != off.to_bits() {
            bail!("{case}: sum with statistics {on} differs from sum without {off}");
        }
        cases.push(
            Case::new(
                "sum",
                &case,
                format!("blz CArray sum, stats on {label}"),
                ts,
            )
            .bytes(nb)
            .value(on)
            .container(&arr)
            .vs(vec_s),
        );
        cases.push(
            Case::new(
                "sum",
                &case,
                "Rust Vec<f64> min (rayon, 8 lanes, in-memory)",
                vmin_ts,
            )
            .bytes(nb)
            .value(vmin)
            .vs(vmin_s),
        );
        let (ts, m) = time_it(repeats, true, no_setup, || Ok(pool.install(|| arr.min())?))?;
        if m != Some(vmin) {
            bail!("{case}: min {m:?} differs from the Vec's {vmin}");
        }
        cases.push(
            Case::new(
                "sum",
                &case,
                format!("blz CArray min, stats on {label}"),
                ts,
            )
            .bytes(nb)
            .value(opt_value(m))
            .container(&arr)
            .vs(vmin_s),
        );
        let (vmax_ts, vmax) = time_it(repeats, true, no_setup, || {
            Ok(pool.install(|| vec_ext(xs, false)))
        })?;
        let vmax_s = median(&vmax_ts);
        cases.push(
            Case::new(
                "sum",
                &case,
                "Rust Vec<f64> max (rayon, 8 lanes, in-memory)",
                vmax_ts,
            )
            .bytes(nb)
            .value(vmax)
            .vs(vmax_s),
        );
        let (ts, m) = time_it(repeats, true, no_setup, || Ok(pool.install(|| arr.max())?))?;
        if m != Some(vmax) {
            bail!("{case}: max {m:?} differs from the Vec's {vmax}");
        }
        cases.push(
            Case::new(
                "sum",
                &case,
                format!("blz CArray max, stats on {label}"),
                ts,
            )
            .bytes(nb)
            .value(opt_value(m))
            .container(&arr)
            .vs(vmax_s),
        );
        finish(&cases, out.as_mut(), threads, col.source, "x Vec (speed)")?;
    }
    Ok(())
}

/// `count` indices below `n`, seeded.
fn random_indices(n: usize, count: usize, seed: u64) -> Result<Vec<usize>> {
    if n == 0 {
        bail!("cannot draw indices from an empty column");
    }
    let mut rng = Rng::new(seed);
    let n64 = u64::try_from(n)?;
    (0..count)
        .map(|_| Ok(usize::try_from(rng.next_u64() % n64)?))
        .collect()
}

/// `blz bench take`.
pub(crate) fn take(a: &TakeArgs) -> Result<()> {
    let c = &a.common;
    let threads = c.threads();
    let repeats = c.repeats(3);
    let pool = c.pool()?;
    let mut out = c.out()?;
    for name in c.names(&["linspace_f8_100M"]) {
        let col = c.load(&name)?;
        let xs = &col.xs;
        let idx = random_indices(xs.len(), a.count, a.seed)?;
        if let Some(p) = &a.save_indices {
            let bytes: Vec<u8> = idx
                .iter()
                .flat_map(|&i| u64::try_from(i).unwrap_or(u64::MAX).to_le_bytes())
                .collect();
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
        }
        let mut opts = CArrayOptions::default().with_expected_len(xs.len());
        if let Some(mib) = a.cache_mib {
            let budget = mib
                .checked_mul(1 << 20)
                .context("--cache-mib is too large")?;
            opts = opts.with_cache(ChunkCache::with_chunk_size(budget, 64 << 10)?);
        }
        if let Some(kib) = a.block_kib {
            opts = opts.with_block_bytes(usize::try_from(kib << 10)?);
        }
        let mut arr = CArray::<f64>::with_options(opts)?;
        pool.install(|| arr.extend_from_slice(xs))?;
        let cache: Arc<ChunkCache> = Arc::clone(arr.cache());
        let bkib = a.block_kib.unwrap_or(blz::DEFAULT_BLOCK_BYTES as u64 >> 10);
        eprintln!(
            "{}: {} elements from {} data, ratio {:.2}, cache {} MiB, blocks of {} KiB",
            col.name,
            xs.len(),
            col.source,
            arr.ratio(),
            cache.stats().capacity >> 20,
            bkib
        );
        let get_case = col.case(&format!("get {}", a.count));
        let take_case = col.case(&format!("take {}", a.count));
        let nb = a.count * 8;
        let mut cases = Vec::new();

        let (ts, v) = time_it(repeats, true, no_setup, || {
            Ok(idx.iter().map(|&i| xs[black_box(i)]).sum::<f64>())
        })?;
        let vget_s = median(&ts);
        cases.push(
            Case::new("random", &get_case, "Rust Vec<f64> xs[i] loop", ts)
                .bytes(nb)
                .value(v)
                .vs(vget_s),
        );
        let get_sum = |arr: &CArray<f64>| -> Result<f64> {
            let mut s = 0.0;
            for &i in &idx {
                s += arr.get(i)?;
            }
            Ok(s)
        };
        for (warm, what) in [(false, "cold"), (true, "warm")] {
            let before = cache.stats();
            let (ts, s) = time_it(
                repeats,
                warm,
                || {
                    if !warm {
                        cache.clear();
                    }
                },
                || get_sum(&arr),
            )?;
            if s.to_bits() != v.to_bits() {
                bail!("{get_case}: CArray gets sum to {s}, the Vec's to {v}");
            }
            let after = cache.stats();
            let hits = after.hits - before.hits;
            let lookups = hits + after.misses - before.misses;
            cases.push(
                Case::new(
                    "random",
                    &get_case,
                    format!("blz CArray get loop ({what} cache, {bkib} KiB blocks)"),
                    ts,
                )
                .bytes(nb)
                .value(s)
                .container(&arr)
                .vs(vget_s)
                .note(format!(
                    "cache hits {:.0}%",
                    100.0 * hits as f64 / lookups.max(1) as f64
                )),
            );
        }
        let (ts, tv) = time_it(repeats, true, no_setup, || {
            Ok(idx.iter().map(|&i| xs[i]).collect::<Vec<f64>>())
        })?;
        let vtake_s = median(&ts);
        let tsum = lanes_sum(&tv);
        cases.push(
            Case::new(
                "random",
                &take_case,
                "Rust Vec<f64> indices.map(xs[i]).collect()",
                ts,
            )
            .bytes(nb)
            .value(tsum)
            .vs(vtake_s),
        );
        for (warm, what) in [(false, "cold"), (true, "warm")] {
            let before = cache.stats();
            let (ts, got) = time_it(
                repeats,
                warm,
                || {
                    if !warm {
                        cache.clear();
                    }
                },
                || Ok(pool.install(|| arr.take(&idx))?),
            )?;
            if got != tv {
                bail!("{take_case}: CArray::take differs from the Vec's");
            }
            let after = cache.stats();
            let hits = after.hits - before.hits;
            let lookups = hits + after.misses - before.misses;
            cases.push(
                Case::new(
                    "random",
                    &take_case,
                    format!("blz CArray take ({what} cache, {bkib} KiB blocks)"),
                    ts,
                )
                .bytes(nb)
                .value(lanes_sum(&got))
                .container(&arr)
                .vs(vtake_s)
                .note(format!(
                    "cache hits {:.0}%",
                    100.0 * hits as f64 / lookups.max(1) as f64
                )),
            );
        }
        arr.clear();
        finish(&cases, out.as_mut(), threads, col.source, "x Vec (speed)")?;
    }
    Ok(())
}

/// `blz bench append`.
pub(crate) fn append(a: &AppendArgs) -> Result<()> {
    let c = &a.common;
    let threads = c.threads();
    let repeats = c.repeats(3);
    let pool = c.pool()?;
    let mut out = c.out()?;
    let piece = usize::try_from(a.piece)?;
    for name in c.names(&["linspace_f8_100M"]) {
        let col = c.load(&name)?;
        let xs = &col.xs;
        let nb = col.nbytes();
        let case = col.case("append");
        let opts = CArrayOptions::default().with_expected_len(xs.len());
        let probe = CArray::<f64>::with_options(opts.clone())?;
        let cparams = probe.cparams().clone().with_nthreads(1);
        let chunk_bytes = probe.chunklen() * 8;
        eprintln!(
            "{case}: {} elements from {} data; chunklen {}",
            xs.len(),
            col.source,
            probe.chunklen()
        );
        let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut cases = Vec::new();

        let mut comp_ts = Vec::new();
        let mut cbytes = 0;
        for _ in 0..repeats.max(1) {
            let (chunks, s) = compress_chunks(&bytes, chunk_bytes, &cparams)?;
            comp_ts.push(s);
            cbytes = chunks.iter().map(Vec::len).sum();
        }
        drop(bytes);
        let codec_s = median(&comp_ts);
        cases.push(
            Case::new(
                "append",
                &case,
                "blz-blosc compress, chunklen chunks (1 thread)",
                comp_ts,
            )
            .bytes(nb)
            .vs(codec_s)
            .note(format!("ratio {:.2}", crate::demo::ratio(nb, cbytes))),
        );

        // What the source costs to read once on one thread (an 8-lane fold of its bits, bound
        // by memory). The codec reads its input while it compresses and hides that read behind
        // the work; `push` (or any one-by-one append) must bring each element in through its
        // own loop before the tail is compressed, so on one thread it is at best
        // `codec / (codec + read)` as fast as the codec.
        let (ts, _) = time_it(repeats, false, no_setup, || {
            let mut acc = [0u64; 8];
            let mut it = xs.chunks_exact(8);
            for c in it.by_ref() {
                for (a, x) in acc.iter_mut().zip(c) {
                    *a ^= x.to_bits();
                }
            }
            let rest = it.remainder().iter().fold(0, |a, x| a ^ x.to_bits());
            Ok(acc.iter().fold(rest, |a, b| a ^ b))
        })?;
        let read_s = median(&ts);
        cases.push(
            Case::new(
                "append",
                &case,
                "read of the source once (1 thread, 8 lanes, no compression)",
                ts,
            )
            .bytes(nb)
            .vs(codec_s)
            .note(format!(
                "one-by-one bound: codec / (codec + read) = {:.3}",
                codec_s / (codec_s + read_s)
            )),
        );

        let (ts, arr) = time_it(repeats, false, no_setup, || {
            let mut arr = CArray::<f64>::with_options(opts.clone())?;
            for &x in xs {
                arr.push(x)?;
            }
            Ok(arr)
        })?;
        if arr.len() != xs.len() {
            bail!("{case}: push made {} elements", arr.len());
        }
        cases.push(
            Case::new("append", &case, "blz CArray push (one by one)", ts)
                .bytes(nb)
                .container(&arr)
                .vs(codec_s),
        );
        drop(arr);
        let (ts, arr) = time_it(repeats, false, no_setup, || {
            let mut arr = CArray::<f64>::with_options(opts.clone())?;
            arr.extend(xs.iter().copied())?;
            Ok(arr)
        })?;
        if arr.len() != xs.len() {
            bail!("{case}: extend made {} elements", arr.len());
        }
        cases.push(
            Case::new("append", &case, "blz CArray extend (an iterator)", ts)
                .bytes(nb)
                .container(&arr)
                .vs(codec_s),
        );
        drop(arr);
        let (ts, arr) = time_it(repeats, false, no_setup, || {
            pool.install(|| {
                let mut arr = CArray::<f64>::with_options(opts.clone())?;
                for p in xs.chunks(piece) {
                    arr.extend_from_slice(p)?;
                }
                Ok(arr)
            })
        })?;
        if arr.len() != xs.len() || arr.get(xs.len() / 2)? != xs[xs.len() / 2] {
            bail!("{case}: extend_from_slice made a different column");
        }
        cases.push(
            Case::new(
                "append",
                &case,
                format!("blz CArray extend_from_slice ({piece} pieces, {threads} threads)"),
                ts,
            )
            .bytes(nb)
            .container(&arr)
            .vs(codec_s),
        );
        drop(arr);
        finish(&cases, out.as_mut(), threads, col.source, "x codec (speed)")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_lengths() {
        assert_eq!(nominal_len("linspace_f8_100M"), Some(100_000_000));
        assert_eq!(nominal_len("randwalk_f8_50M"), Some(50_000_000));
        assert_eq!(nominal_len("x_f8_5K"), Some(5_000));
        assert_eq!(nominal_len("table.price_f8"), Some(10_000_000));
        assert_eq!(nominal_len("flights.all"), None);
    }

    #[test]
    fn lanes_match_plain_loops() {
        let xs: Vec<f64> = (0..1001).map(|i| f64::from(i) * 0.5 - 100.0).collect();
        assert_eq!(lanes_sum(&xs), xs.iter().sum::<f64>());
        assert_eq!(lanes_ext(&xs, true), -100.0);
        assert_eq!(lanes_ext(&xs, false), 400.0);
        assert!(lanes_ext(&[f64::NAN], true).is_nan());
        assert_eq!(lanes_ext(&[f64::NAN, 2.0, 1.0], true), 1.0);
    }
}
