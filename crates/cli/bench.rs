//! `blz bench sum|take|append` (module `carray`): `CArray<f64>` against `Vec<f64>` and the codec.
//!
//! `blz bench query` (module `query`): the anchors' filter query and a group-by on `table_10M`
//! in a `CTable`.
//!
//! `blz bench codec`: chunked compress/decompress throughput and ratio, against a memcpy of the
//! same buffers measured in the same run (and C-Blosc1 with the `interop` feature), written in
//! the anchors' codec JSON Lines schema (`../shared/anchors/README.md`).
//!
//! Method (the anchors' `codec_bench.py`): split each array into `chunk_bytes` chunks; compress
//! every chunk into a new buffer (one timing); decompress every chunk into one preallocated,
//! pre-faulted buffer (one timing); `repeats` of each, medians reported; round trip checked
//! once, outside the timings.

mod carray;
mod datasets;
mod measure;
mod persist;
mod query;

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use blz_blosc::{CLevel, Compressor, Shuffle};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::chunk::{parse_codec, parse_filter};
use datasets::Dataset;
use measure::{Config, Lib, Measured, loadavg, measure, median};
pub(crate) use measure::{
    compress_chunks, decompress_chunks, first_difference, gbps, memcpy_secs, print_table,
};

/// Arguments of `blz bench`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Codec throughput and ratio on chunked data, against memcpy (and C-Blosc1 with interop).
    Codec(CodecArgs),
    /// `CArray<f64>` sum (statistics off/on), min, max against a `Vec<f64>` sum.
    Sum(carray::SumArgs),
    /// `CArray<f64>` random `get`s and `take` (cold/warm cache) against `Vec` indexing.
    Take(carray::TakeArgs),
    /// `CArray<f64>` `push` and `extend_from_slice` against the codec's compress speed.
    Append(carray::AppendArgs),
    /// `CTable` filter query (count, sum) and group-by on the anchors' table_10M.
    Query(query::QueryArgs),
    /// Tables on disk: write, open, sum and filter read back (warm and cold page cache).
    Persist(persist::PersistArgs),
}

const MIB: usize = 1 << 20;

#[derive(clap::Args, Debug)]
struct CodecArgs {
    /// Folder of the anchors' datasets (with manifest.json); default $BLZ_ANCHORS_DATA, else
    /// data generated in memory (the demo's columns, `cap` bytes each).
    #[arg(long, value_name = "DIR")]
    datasets: Option<PathBuf>,
    /// Datasets to run (comma-separated) from the folder, or from the generated columns.
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    names: Vec<String>,
    /// Small run: lz4:5,zstd:5, shuffle, 1 thread, 32 MiB prefix, the anchors' quick datasets.
    /// Also set by BLZ_ANCHORS_QUICK=1. Explicit options override its choices.
    #[arg(long)]
    quick: bool,
    /// Codecs with levels, comma-separated [default: lz4:5,zstd:5 with --quick, else
    /// blosclz:5,lz4:5,lz4hc:5,zstd:5,zlib:5].
    #[arg(long, value_delimiter = ',', value_parser = parse_codec_level, value_name = "CODEC:CLEVEL,...")]
    codecs: Vec<(Compressor, CLevel)>,
    /// Filters, comma-separated [default: shuffle with --quick, else shuffle,bitshuffle].
    #[arg(long, value_delimiter = ',', value_parser = parse_filter, value_name = "FILTER,...")]
    filters: Vec<Shuffle>,
    /// Thread counts, comma-separated [default: 1].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=256), value_name = "N,...")]
    threads: Vec<u16>,
    /// Chunk size in bytes.
    #[arg(long, default_value_t = MIB, value_parser = parse_chunk_bytes)]
    chunk_bytes: usize,
    /// Timed repeats of each measurement (medians are reported).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=1000))]
    repeats: u16,
    /// Prefix of each dataset to use, in MiB; 0 = whole dataset [default: 32 with --quick, else
    /// 64].
    #[arg(long)]
    cap_mib: Option<usize>,
    /// JSON Lines file to append the results to [default: $BLZ_ANCHORS_RUN_DIR/codec-blz.jsonl
    /// when that is set, else none].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `blz bench`.
pub(crate) fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Codec(a) => codec(a),
        Command::Sum(a) => carray::sum(&a),
        Command::Take(a) => carray::take(&a),
        Command::Append(a) => carray::append(&a),
        Command::Query(a) => query::query(&a),
        Command::Persist(a) => persist::persist(&a),
    }
}

fn codec(mut a: CodecArgs) -> Result<()> {
    let quick = a.quick || std::env::var("BLZ_ANCHORS_QUICK").is_ok_and(|v| v == "1");
    if a.codecs.is_empty() {
        let list = if quick {
            "lz4:5,zstd:5"
        } else {
            "blosclz:5,lz4:5,lz4hc:5,zstd:5,zlib:5"
        };
        a.codecs = list
            .split(',')
            .map(parse_codec_level)
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?;
    }
    if a.filters.is_empty() {
        a.filters = if quick {
            vec![Shuffle::Byte]
        } else {
            vec![Shuffle::Byte, Shuffle::Bit]
        };
    }
    if a.threads.is_empty() {
        a.threads = vec![1];
    }
    let cap = match a.cap_mib {
        Some(0) => None,
        Some(m) => Some(m.checked_mul(MIB).context("--cap-mib is too large")?),
        None => Some(if quick { 32 * MIB } else { 64 * MIB }),
    };
    let repeats = usize::from(a.repeats);
    let data_dir = a
        .datasets
        .clone()
        .or_else(|| std::env::var_os("BLZ_ANCHORS_DATA").map(PathBuf::from));

    // The data, loaded one dataset at a time to bound the memory.
    let mut loaders: Vec<Box<dyn FnOnce() -> Result<Option<Dataset>>>> = Vec::new();
    if let Some(dir) = &data_dir {
        let manifest = std::rc::Rc::new(datasets::Manifest::open(dir)?);
        let names: Vec<String> = if a.names.is_empty() {
            let list: &[&str] = if quick {
                &datasets::QUICK
            } else {
                &datasets::DEFAULT
            };
            list.iter().map(|&s| s.to_owned()).collect()
        } else {
            a.names.clone()
        };
        for name in names {
            if !datasets::ALL.contains(&name.as_str()) {
                usage_bail!(
                    "unknown dataset {name}: expected one of {}",
                    datasets::ALL.join(", ")
                );
            }
            let m = std::rc::Rc::clone(&manifest);
            loaders.push(Box::new(move || m.load(&name, cap)));
        }
        eprintln!("data: {}", dir.display());
    } else {
        let size = cap.unwrap_or(64 * MIB);
        let mut all = datasets::generated(size);
        if !a.names.is_empty() {
            for n in &a.names {
                if !all.iter().any(|d| &d.name == n) {
                    let known: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
                    usage_bail!(
                        "unknown generated dataset {n}: expected one of {}",
                        known.join(", ")
                    );
                }
            }
            all.retain(|d| a.names.contains(&d.name));
        }
        eprintln!("data: generated in memory, {} MiB per column", size / MIB);
        for d in all {
            loaders.push(Box::new(move || Ok(Some(d))));
        }
    }

    let mut configs = Vec::new();
    for &(codec, clevel) in &a.codecs {
        for &filter in &a.filters {
            for &nt in &a.threads {
                configs.push(Config {
                    codec,
                    clevel,
                    filter,
                    nthreads: usize::from(nt),
                });
            }
        }
    }

    let out_path = a.out.clone().or_else(|| {
        std::env::var_os("BLZ_ANCHORS_RUN_DIR").map(|d| PathBuf::from(d).join("codec-blz.jsonl"))
    });
    let mut out = match &out_path {
        Some(p) => {
            eprintln!("writing {}", p.display());
            Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?,
            )
        }
        None => None,
    };

    let total = loaders.len() * configs.len() * Lib::ALL.len();
    let pb = ProgressBar::new(u64::try_from(total)?);
    if std::io::stderr().is_terminal() {
        pb.set_style(ProgressStyle::with_template(
            "{bar:30} {pos}/{len} [{elapsed}] {msg}",
        )?);
    } else {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }

    let mut rows = Vec::new();
    for load in loaders {
        let Some(ds) = load()? else {
            continue;
        };
        let nbytes = ds.nbytes();
        if nbytes == 0 {
            pb.println(format!("skip {} (empty)", ds.name));
            continue;
        }
        let mut dsts: Vec<Vec<u8>> = ds.arrays.iter().map(|x| vec![0u8; x.len()]).collect();
        let memcpy_s = {
            let mut ts = Vec::new();
            for _ in 0..repeats.max(5) {
                let t = Instant::now();
                for (src, dst) in ds.arrays.iter().zip(dsts.iter_mut()) {
                    dst.copy_from_slice(src);
                    std::hint::black_box(&mut *dst);
                }
                ts.push(t.elapsed().as_secs_f64());
            }
            median(&ts)
        };
        for cfg in &configs {
            let mut results = Vec::new();
            for &lib in Lib::ALL {
                pb.set_message(format!(
                    "{} {} {} {} nt={} {}",
                    ds.name,
                    cfg.codec,
                    cfg.clevel.get(),
                    cfg.filter,
                    cfg.nthreads,
                    lib.name()
                ));
                let m = measure(lib, &ds, &mut dsts, cfg, a.chunk_bytes, repeats)
                    .with_context(|| format!("{} on {} with {cfg:?}", lib.name(), ds.name))?;
                if let Some(f) = out.as_mut() {
                    let rec = record(lib, &ds, cfg, a.chunk_bytes, &m);
                    writeln!(f, "{rec}")?;
                }
                results.push(m);
                pb.inc(1);
            }
            rows.push(table_row(&ds.name, cfg, memcpy_s, &results));
        }
    }
    pb.finish_and_clear();

    let mut header = vec![
        "dataset",
        "codec",
        "filter",
        "nt",
        "ratio",
        "comp GB/s",
        "dec GB/s",
        "memcpy GB/s",
        "comp/memcpy",
        "dec/memcpy",
    ];
    if Lib::ALL.len() > 1 {
        header.extend([
            "C ratio",
            "C comp GB/s",
            "C dec GB/s",
            "comp blz/C",
            "dec blz/C",
        ]);
    }
    print_table(&header, &rows);
    outln!(
        "\nGB/s: median of {repeats} repeats; chunks of {} bytes; loadavg {}",
        a.chunk_bytes,
        loadavg().map_or_else(|| "n/a".to_owned(), |l| format!("{l:?}"))
    );
    Ok(())
}

/// One JSON Lines record in the anchors' codec schema.
fn record(
    lib: Lib,
    ds: &Dataset,
    cfg: &Config,
    chunk_bytes: usize,
    m: &Measured,
) -> serde_json::Value {
    let stats = |secs: &[f64]| {
        let g: Vec<f64> = secs.iter().map(|&s| gbps(m.nbytes, s)).collect();
        json!({
            "median": median(&g),
            "min": g.iter().copied().fold(f64::INFINITY, f64::min),
            "max": g.iter().copied().fold(0.0, f64::max),
            "n": g.len(),
        })
    };
    json!({
        "bench": "codec",
        "kind": "result",
        "part": "custom",
        "dataset": ds.name,
        "cap_bytes": ds.cap_bytes,
        "typesize": ds.typesize,
        "lib": lib.name(),
        "lib_version": lib.version(),
        "codec": cfg.codec.name(),
        "clevel": cfg.clevel.get(),
        "filter": cfg.filter.name(),
        "nthreads": cfg.nthreads,
        "chunk_bytes": chunk_bytes,
        "nbytes": m.nbytes,
        "cbytes": m.cbytes,
        "ratio": crate::demo::ratio(m.nbytes, m.cbytes),
        "nchunks": m.nchunks,
        "blocksize": m.blocksize,
        "comp_s": m.comp_s,
        "decomp_s": m.decomp_s,
        "comp_gbps": stats(&m.comp_s),
        "decomp_gbps": stats(&m.decomp_s),
        "loadavg": loadavg(),
    })
}

/// The printed row: blz first, then C-Blosc1 and the blz/C ratios when measured.
fn table_row(dataset: &str, cfg: &Config, memcpy_s: f64, results: &[Measured]) -> Vec<String> {
    let speeds = |m: &Measured| {
        (
            gbps(m.nbytes, median(&m.comp_s)),
            gbps(m.nbytes, median(&m.decomp_s)),
        )
    };
    let blz = &results[0];
    let (c, d) = speeds(blz);
    let mc = gbps(blz.nbytes, memcpy_s);
    let mut row = vec![
        dataset.to_owned(),
        format!("{} {}", cfg.codec, cfg.clevel.get()),
        cfg.filter.to_string(),
        cfg.nthreads.to_string(),
        format!("{:.2}", crate::demo::ratio(blz.nbytes, blz.cbytes)),
        format!("{c:.3}"),
        format!("{d:.3}"),
        format!("{mc:.2}"),
        format!("{:.3}", c / mc),
        format!("{:.3}", d / mc),
    ];
    if let Some(cm) = results.get(1) {
        let (cc, cd) = speeds(cm);
        row.extend([
            format!("{:.2}", crate::demo::ratio(cm.nbytes, cm.cbytes)),
            format!("{cc:.3}"),
            format!("{cd:.3}"),
            format!("{:.2}", c / cc),
            format!("{:.2}", d / cd),
        ]);
    }
    row
}

/// `codec:clevel`, e.g. `lz4:5`.
fn parse_codec_level(s: &str) -> Result<(Compressor, CLevel), String> {
    let (c, l) = s
        .split_once(':')
        .ok_or_else(|| format!("expected codec:clevel (e.g. lz4:5), got {s}"))?;
    Ok((parse_codec(c)?, crate::chunk::parse_clevel(l)?))
}

/// `--chunk-bytes`: 1 byte to 1 GiB.
fn parse_chunk_bytes(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=1 << 30).contains(&n) => Ok(n),
        _ => Err(format!(
            "invalid parameter chunk-bytes: got {s}, expected 1..=1073741824"
        )),
    }
}
