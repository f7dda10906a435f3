//! `blz bench persist`: tables on disk, written and read back, in the anchors' container JSON
//! Lines schema (section `persist`, the same case names as `container_bench.py`).
//!
//! Method: every timing is one call; `repeats` timed calls, medians reported.
//! - `write NAME`: `DiskTable::create` + appends of 4 Mi rows + `commit` (data and manifest
//!   synced to disk: the time includes the fsyncs).
//! - `open NAME`: `DiskTable::open` read-only, page cache cold.
//! - `disk-sum NAME`: open + `sum(x)` over every row, warm (page cache holds the files) and
//!   cold (the files are dropped from the page cache first, with `dd iflag=nocache`); with
//!   chunk statistics off (every chunk decoded, as the peers do) and on (the manifest's
//!   per-chunk sums answer). Reference: read the raw `.npy` file and sum it.
//! - `write table_10M`, `disk-filter table_10M`: the five-column table, and `count(*)`,
//!   `sum(price)` where `(qty < 10) & (price > 96)` read back from disk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use blz::{Agg, ColumnSlice, CreateOptions, DiskTable, OpenMode};
use serde_json::{Value, json};

use super::datasets::Manifest;
use super::measure::{container_out, gbps, loadavg, median, stats};
use super::print_table;
use super::query::{TABLE, as_count, as_f64, load, time_it};

/// Arguments of `blz bench persist`.
#[derive(clap::Args, Debug)]
pub(crate) struct PersistArgs {
    /// Folder of the anchors' datasets [default: $BLZ_ANCHORS_DATA, else
    /// ${TMPDIR:-/tmp}/blz-anchors/data].
    #[arg(long, value_name = "DIR")]
    datasets: Option<PathBuf>,
    /// float64 datasets, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAME,...",
        default_value = "linspace_f8_100M"
    )]
    names: Vec<String>,
    /// Also the table_10M cases.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    table: bool,
    /// Where the tables are written (removed afterwards) [default: $BLZ_ANCHORS_WORK, else
    /// ${TMPDIR:-/tmp}/blz-anchors/work].
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// Timed repeats of each case.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    repeats: u16,
    /// JSON Lines file to append the results to [default: $BLZ_ANCHORS_RUN_DIR/container-blz.jsonl].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn tmp_base() -> PathBuf {
    std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}

/// Bytes under `path`.
fn du(path: &Path) -> u64 {
    std::fs::read_dir(path).map_or(0, |rd| {
        rd.flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    })
}

/// Drops the files under `path` from the page cache (GNU dd's `iflag=nocache count=0`).
fn evict(path: &Path) -> Result<()> {
    let files: Vec<PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)?
            .flatten()
            .map(|e| e.path())
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    for f in files {
        let ok = Command::new("dd")
            .arg(format!("if={}", f.display()))
            .args(["iflag=nocache", "count=0", "status=none"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            bail!(
                "cannot drop {} from the page cache (needs GNU dd)",
                f.display()
            );
        }
    }
    Ok(())
}

struct Rec {
    case: String,
    imp: String,
    times: Vec<f64>,
    nbytes: Option<usize>,
    value: Value,
    ondisk: Option<u64>,
}

impl Rec {
    fn json(&self) -> Value {
        let mut r = json!({
            "bench": "container", "kind": "result", "section": "persist",
            "case": self.case, "impl": self.imp, "time_s": self.times,
            "time": stats(&self.times), "nbytes": self.nbytes, "value": self.value,
            "nthreads": rayon::current_num_threads(), "data": "anchors", "loadavg": loadavg(),
        });
        if let Some(n) = self.nbytes {
            let g: Vec<f64> = self.times.iter().map(|&s| gbps(n, s)).collect();
            r["gbps"] = stats(&g);
        }
        if let Some(d) = self.ondisk {
            r["ondisk"] = d.into();
        }
        r
    }
}

/// Times `f` `repeats` times, calling `setup` (untimed) before each.
fn timed<R>(
    repeats: usize,
    warm: bool,
    mut setup: impl FnMut() -> Result<()>,
    mut f: impl FnMut() -> Result<R>,
) -> Result<(Vec<f64>, R)> {
    if warm {
        return time_it(repeats, f);
    }
    let mut ts = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        setup()?;
        let t = Instant::now();
        let r = f()?;
        ts.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    Ok((ts, last.context("no timed call")?))
}

fn write_table<'a>(
    path: &Path,
    batches: impl Fn(usize, usize) -> Result<Vec<ColumnSlice<'a>>>,
    n: usize,
) -> Result<()> {
    let mut t = DiskTable::create(path, CreateOptions::default().with_overwrite(true))?;
    let mut start = 0;
    while start < n {
        let m = (n - start).min(4 << 20);
        t.append_slices(&batches(start, m)?)?;
        start += m;
    }
    t.commit()?;
    Ok(())
}

pub(crate) fn persist(a: &PersistArgs) -> Result<()> {
    let data = a
        .datasets
        .clone()
        .or_else(|| std::env::var_os("BLZ_ANCHORS_DATA").map(PathBuf::from))
        .unwrap_or_else(|| tmp_base().join("blz-anchors/data"));
    let work = a
        .work
        .clone()
        .or_else(|| std::env::var_os("BLZ_ANCHORS_WORK").map(PathBuf::from))
        .unwrap_or_else(|| tmp_base().join("blz-anchors/work"))
        .join(format!("blz-persist-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let r = run(a, &data, &work);
    let _ = std::fs::remove_dir_all(&work);
    r
}

fn run(a: &PersistArgs, data: &Path, work: &Path) -> Result<()> {
    let repeats = usize::from(a.repeats);
    let mut out = container_out(a.out.as_deref(), rayon::current_num_threads())?;
    let mut recs: Vec<Rec> = Vec::new();
    let manifest = Manifest::open(data)?;
    for name in &a.names {
        let ds = manifest
            .load(name, None)?
            .with_context(|| format!("{name} is not in {}", data.display()))?;
        let bytes = ds.arrays.concat();
        let xs: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        drop(bytes);
        let nb = xs.len() * 8;
        let path = work.join(format!("{name}.blz"));
        let (ts, ()) = time_it(repeats, || {
            write_table(
                &path,
                |s, m| Ok(vec![ColumnSlice::new("x", &xs[s..s + m])]),
                xs.len(),
            )
        })?;

        let ondisk = du(&path);
        recs.push(Rec {
            case: format!("write {name}"),
            imp: "blz CTable create+append+commit (lz4 5+shuffle, fsync)".into(),
            times: ts,
            nbytes: Some(nb),
            value: json!(xs.len()),
            ondisk: Some(ondisk),
        });
        let (ts, _) = timed(
            repeats,
            false,
            || evict(&path),
            || Ok(DiskTable::open(&path, OpenMode::ReadOnly)?),
        )?;
        recs.push(Rec {
            case: format!("open {name}"),
            imp: "blz CTable open (cold)".into(),
            times: ts,
            nbytes: None,
            value: Value::Null,
            ondisk: None,
        });
        let expect: f64 = xs.iter().sum();
        let sum = |stats_on: bool| -> Result<f64> {
            let mut t = DiskTable::open(&path, OpenMode::ReadOnly)?;
            t.set_use_stats(stats_on);
            as_f64(&t.query("true")?.aggregate("x", Agg::Sum)?)
        };
        for (stats_on, label) in [(false, "stats off"), (true, "stats on")] {
            for warm in [true, false] {
                let (ts, s) = timed(repeats, warm, || evict(&path), || sum(stats_on))?;
                if ((s - expect) / expect.abs().max(1.0)).abs() > 1e-9 {
                    bail!("disk-sum {name}: blz gives {s}, the data {expect}");
                }
                let w = if warm { "warm" } else { "cold" };
                recs.push(Rec {
                    case: format!("disk-sum {name}"),
                    imp: format!("blz CTable open+sum, {label} ({w})"),
                    times: ts,
                    nbytes: Some(nb),
                    value: json!(s),
                    ondisk: Some(ondisk),
                });
            }
        }
        // The raw reference: the dataset's own .npy file read whole and summed.
        let npy = data.join(format!("{name}.npy"));
        if npy.is_file() {
            for warm in [true, false] {
                let (ts, s) = timed(
                    repeats,
                    warm,
                    || evict(&npy),
                    || {
                        let b = std::fs::read(&npy)?;
                        let off = b.len() - nb;
                        Ok(b[off..]
                            .chunks_exact(8)
                            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                            .sum::<f64>())
                    },
                )?;
                let w = if warm { "warm" } else { "cold" };
                recs.push(Rec {
                    case: format!("disk-sum {name}"),
                    imp: format!("Rust read .npy + sum, 1 thread ({w})"),
                    times: ts,
                    nbytes: Some(nb),
                    value: json!(s),
                    ondisk: std::fs::metadata(&npy).ok().map(|m| m.len()),
                });
            }
        }
        let _ = std::fs::remove_dir_all(&path);
    }
    if a.table {
        let l = load(data, None)?;
        let (nrows, whole) = (l.nrows, l.whole);
        if !whole {
            bail!("{TABLE} is incomplete");
        }
        let nb: usize = l
            .batches
            .iter()
            .map(|b| match &b.values {
                blz::Values::Bool(_) | blz::Values::I8(_) | blz::Values::U8(_) => nrows,
                blz::Values::I16(_) => 2 * nrows,
                blz::Values::I32(_) | blz::Values::F32(_) => 4 * nrows,
                _ => 8 * nrows,
            })
            .sum();
        let nbq = nrows * 8 + l.qty.len() * 4;
        let path = work.join("table_10M.blz");
        let batches = &l.batches;
        let slice = |s: usize, m: usize| -> Result<Vec<ColumnSlice<'_>>> {
            batches
                .iter()
                .map(|b| {
                    let values = b.values.as_values_ref().get(s..s + m);
                    Ok(ColumnSlice {
                        values: values.context("rows out of range")?,
                        ..b.as_slice()
                    })
                })
                .collect()
        };
        let (ts, ()) = time_it(repeats, || write_table(&path, slice, nrows))?;

        let ondisk = du(&path);
        recs.push(Rec {
            case: format!("write {TABLE}"),
            imp: "blz CTable create+append+commit (lz4 5+shuffle, fsync)".into(),
            times: ts,
            nbytes: Some(nb),
            value: json!(nrows),
            ondisk: Some(ondisk),
        });
        let (mut vn, mut vs) = (0usize, 0.0f64);
        for (&q, &p) in l.qty.iter().zip(&l.price) {
            if q < 10 && p > 96.0 {
                vn += 1;
                vs += p;
            }
        }
        for warm in [true, false] {
            let (ts, got) = timed(
                repeats,
                warm,
                || evict(&path),
                || {
                    let t = DiskTable::open(&path, OpenMode::ReadOnly)?;
                    Ok(t.query("(qty < 10) & (price > 96.0)")?
                        .aggregates(&[(Agg::Count, "price"), (Agg::Sum, "price")])?)
                },
            )?;
            let (n, s) = (as_count(&got[0])?, as_f64(&got[1])?);
            if n != vn || ((s - vs) / vs.max(1.0)).abs() > 1e-9 {
                bail!("disk-filter: blz gives [{n}, {s}], the data [{vn}, {vs}]");
            }
            let w = if warm { "warm" } else { "cold" };
            recs.push(Rec {
                case: format!("disk-filter {TABLE}"),
                imp: format!("blz CTable open+where ({w})"),
                times: ts,
                nbytes: Some(nbq),
                value: json!([n, s]),
                ondisk: Some(ondisk),
            });
        }
    }
    let mut rows = Vec::new();
    for r in &recs {
        let m = median(&r.times);
        rows.push(vec![
            r.case.clone(),
            r.imp.clone(),
            format!("{:.1}", m * 1e3),
            r.nbytes
                .map_or_else(String::new, |n| format!("{:.2}", gbps(n, m))),
            r.ondisk.map_or_else(String::new, |d| {
                format!("{:.1}", d as f64 / (1 << 20) as f64)
            }),
        ]);
        if let Some(f) = out.as_mut() {
            writeln!(f, "{}", r.json())?;
        }
    }
    print_table(&["case", "impl", "median ms", "GB/s", "on disk MiB"], &rows);
    Ok(())
}
