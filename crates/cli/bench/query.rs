//! `blz bench query`: the anchors' filter query and a group-by on `table_10M` held in a
//! [`CTable`], next to a plain in-memory scan of the same columns, written as the anchors'
//! container JSON Lines records (`../shared/anchors/README.md`).
//!
//! Method (the anchors' `container_bench.py`, section `filter`): the five columns (`id`, `ts`,
//! `price`, `qty`, `flag`) are read from the data folder and appended to a `CTable` with default
//! options (LZ4 5 + shuffle); every timing is one call (query text parsed and compiled inside
//! it), after one untimed warm-up; medians (min–max) of `repeats` calls are reported:
//! - `filter table_10M`: `count(*)` and `sum(price)` where `(qty < 10) & (price > X)` (X = 96.0)
//!   in one pass (`Query::aggregates`) — the row that sits next to the peers' — plus `count()`
//!   and `aggregate(price, Sum)` alone;
//! - `groupby table_10M`: `sum(price)` grouped by `qty` over all rows (`Query::group_by`);
//! - the same computations as one-thread loops over the raw `Vec`s, which also check the results
//!   (and, on the whole anchors table with X = 96.0, the peers' `[453455, 47309939.72]`).

use std::fs::File;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use blz::{Agg, CArrayOptions, CTable, ColumnBatch, Values};
use serde_json::{Value, json};

use super::datasets::Manifest;
use super::measure::{container_out, gbps, loadavg, median, stats};
use super::print_table;

/// The table's columns, in the peers' order.
pub(super) const COLUMNS: [&str; 5] = ["id", "ts", "price", "qty", "flag"];
/// The table's name in the manifest and in the case names.
pub(super) const TABLE: &str = "table_10M";
/// What the peers get on the whole anchors table with X = 96.0.
const PEER_COUNT: usize = 453_455;
const PEER_SUM: f64 = 47_309_939.72;

/// The blz measurements of `blz bench query`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BlzCase {
    Where,
    Count,
    Sum,
    Groupby,
}

/// Arguments of `blz bench query`.
#[derive(clap::Args, Debug)]
pub(crate) struct QueryArgs {
    /// Folder of the anchors' datasets (with manifest.json and table_10M/) [default:
    /// $BLZ_ANCHORS_DATA, else ${TMPDIR:-/tmp}/blz-anchors/data].
    #[arg(long, value_name = "DIR")]
    datasets: Option<PathBuf>,
    /// Use only the first N rows [default: the whole table].
    #[arg(long, value_name = "N")]
    rows: Option<usize>,
    /// The price threshold X of `(qty < 10) & (price > X)`.
    #[arg(long, default_value_t = 96.0, value_name = "X")]
    x: f64,
    /// Threads of the pool the table is built and queried in [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Timed repeats of each filter case [default: 5, 3 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    repeats: Option<u16>,
    /// Timed repeats of the group-by [default: 3, 1 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1000))]
    repeats_slow: Option<u16>,
    /// Fewer repeats (also set by BLZ_ANCHORS_QUICK=1).
    #[arg(long)]
    quick: bool,
    /// Rows per chunk [default: the table's default for `CArrayOptions::default()`].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    chunklen: Option<u64>,
    /// The blz cases to run, comma-separated: where (count and sum in one pass), count, sum,
    /// groupby. The in-memory `Vec` loops that check them always run.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CASE,...",
        default_value = "where,count,sum,groupby"
    )]
    cases: Vec<BlzCase>,
    /// JSON Lines file to append the results to [default: $BLZ_ANCHORS_RUN_DIR/container-blz.jsonl
    /// (container-1t-blz.jsonl with --threads 1) when that is set, else none].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl QueryArgs {
    fn data_dir(&self) -> PathBuf {
        self.datasets
            .clone()
            .or_else(|| std::env::var_os("BLZ_ANCHORS_DATA").map(PathBuf::from))
            .unwrap_or_else(|| {
                std::env::var_os("TMPDIR")
                    .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
                    .join("blz-anchors/data")
            })
    }

    fn threads(&self) -> usize {
        self.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        )
    }

    fn quick(&self) -> bool {
        self.quick || std::env::var("BLZ_ANCHORS_QUICK").is_ok_and(|v| v == "1")
    }

    /// The JSON Lines output, if any.
    fn out(&self) -> Result<Option<File>> {
        container_out(self.out.as_deref(), self.threads())
    }
}

/// The table's columns as read, plus what the reference loops need.
pub(super) struct Loaded {
    pub(super) batches: Vec<ColumnBatch>,
    pub(super) qty: Vec<i64>,
    pub(super) price: Vec<f64>,
    pub(super) nrows: usize,
    /// Whether all rows of the table were read (the case names then match the peers').
    pub(super) whole: bool,
}

/// Reads `table_10M` (its first `rows` rows) from the anchors' data folder.
pub(super) fn load(dir: &Path, rows: Option<usize>) -> Result<Loaded> {
    let mpath = dir.join("manifest.json");
    let text = std::fs::read_to_string(&mpath).with_context(|| {
        format!(
            "cannot read {} (generate the data with ../shared/anchors/datasets.py --only {TABLE})",
            mpath.display()
        )
    })?;
    let root: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", mpath.display()))?;
    let entry = &root[TABLE];
    if entry.is_null() {
        bail!(
            "{TABLE} is not in {} (generate it with ../shared/anchors/datasets.py --only {TABLE})",
            mpath.display()
        );
    }
    let total = usize::try_from(
        entry["nrows"]
            .as_u64()
            .context("manifest: table without \"nrows\"")?,
    )?;
    let nrows = rows.map_or(total, |r| r.min(total));
    let manifest = Manifest::open(dir)?;
    let mut batches = Vec::with_capacity(COLUMNS.len());
    let (mut qty, mut price) = (None, None);
    for col in COLUMNS {
        let e = &entry["columns"][col];
        let dtype = e["dtype"]
            .as_str()
            .with_context(|| format!("manifest: {TABLE} has no column {col} with a \"dtype\""))?;
        let size: usize = dtype
            .get(2..)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("{col}: unsupported dtype {dtype}"))?;
        // The manifest reader takes codec dataset names: `table.price_f8` is table_10M's price.
        let name = format!("table.{col}_{}", &dtype[1..]);
        let ds = manifest
            .load(&name, Some(nrows * size))?
            .with_context(|| format!("{col} is missing from the manifest"))?;
        let bytes = ds.arrays.concat();
        if bytes.len() != nrows * size {
            bail!(
                "{col}: read {} bytes, expected {}",
                bytes.len(),
                nrows * size
            );
        }
        let values = decode(dtype, &bytes).with_context(|| format!("column {col}"))?;
        drop(bytes);
        match (col, &values) {
            ("qty", Values::I8(v)) => qty = Some(v.iter().map(|&x| i64::from(x)).collect()),
            ("qty", Values::I16(v)) => qty = Some(v.iter().map(|&x| i64::from(x)).collect()),
            ("qty", Values::I32(v)) => qty = Some(v.iter().map(|&x| i64::from(x)).collect()),
            ("qty", Values::I64(v)) => qty = Some(v.clone()),
            ("qty", _) => bail!("qty must be a signed integer column, not {dtype}"),
            ("price", Values::F64(v)) => price = Some(v.clone()),
            ("price", _) => bail!("price must be float64, not {dtype}"),
            _ => {}
        }
        batches.push(ColumnBatch::new(col, values));
    }
    Ok(Loaded {
        batches,
        qty: qty.context("no qty column")?,
        price: price.context("no price column")?,
        nrows,
        whole: nrows == total,
    })
}

/// Little-endian bytes of a numpy dtype (`<i8`, `<f8`, `|b1`, ...) as table values.
fn decode(dtype: &str, b: &[u8]) -> Result<Values> {
    fn le<const N: usize, T>(b: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
        b.chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect()
    }
    Ok(match dtype {
        "|b1" => Values::Bool(b.iter().map(|&x| x != 0).collect()),
        "|i1" => Values::I8(le(b, i8::from_le_bytes)),
        "|u1" => Values::U8(b.to_vec()),
        "<i2" => Values::I16(le(b, i16::from_le_bytes)),
        "<u2" => Values::U16(le(b, u16::from_le_bytes)),
        "<i4" => Values::I32(le(b, i32::from_le_bytes)),
        "<u4" => Values::U32(le(b, u32::from_le_bytes)),
        "<i8" => Values::I64(le(b, i64::from_le_bytes)),
        "<u8" => Values::U64(le(b, u64::from_le_bytes)),
        "<f4" => Values::F32(le(b, f32::from_le_bytes)),
        "<f8" => Values::F64(le(b, f64::from_le_bytes)),
        other => bail!("unsupported dtype {other}"),
    })
}

/// Times `f`: one untimed warm-up, then `repeats` timed calls. Returns the seconds of each call
/// and the last result.
pub(super) fn time_it<R>(
    repeats: usize,
    mut f: impl FnMut() -> Result<R>,
) -> Result<(Vec<f64>, R)> {
    drop(black_box(f()?));
    let mut ts = Vec::with_capacity(repeats);
    let mut last = None;
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        let r = black_box(f()?);
        ts.push(t.elapsed().as_secs_f64());
        drop(last.replace(r));
    }
    Ok((ts, last.context("no timed call")?))
}

/// The compressed table's sizes, attached to its records.
struct TableInfo {
    chunklen: usize,
    cbytes: usize,
    nbytes: usize,
    per_col: Value,
}

/// One measured case: a printed row and a container JSON Lines record.
struct Case {
    section: &'static str,
    case: String,
    imp: String,
    times: Vec<f64>,
    nbytes: usize,
    value: Value,
    blz: bool,
    note: String,
}

impl Case {
    fn record(&self, table: &TableInfo, threads: usize) -> Value {
        let g: Vec<f64> = self.times.iter().map(|&s| gbps(self.nbytes, s)).collect();
        let mut r = json!({
            "bench": "container",
            "kind": "result",
            "section": self.section,
            "case": self.case,
            "impl": self.imp,
            "time_s": self.times,
            "time": stats(&self.times),
            "nbytes": self.nbytes,
            "gbps": stats(&g),
            "value": self.value,
            "nthreads": threads,
            "data": "anchors",
            "loadavg": loadavg(),
        });
        if self.blz {
            r["cbytes"] = table.cbytes.into();
            r["nbytes_container"] = table.nbytes.into();
            r["ratio"] = json!(round(crate::demo::ratio(table.nbytes, table.cbytes), 3));
            r["per_col_ratio"] = table.per_col.clone();
            r["chunklen"] = table.chunklen.into();
        }
        r
    }

    fn row(&self, vs: f64) -> Vec<String> {
        let m = median(&self.times);
        let min = self.times.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.times.iter().copied().fold(0.0, f64::max);
        let value = match &self.value {
            Value::Array(v) => v
                .iter()
                .map(|x| match x.as_f64() {
                    Some(f) if !x.is_i64() && !x.is_u64() => format!("{f:.2}"),
                    _ => x.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            v => v.to_string(),
        };
        vec![
            self.case.clone(),
            self.imp.clone(),
            value,
            format!("{:.2}", m * 1e3),
            format!("{:.2}-{:.2}", min * 1e3, max * 1e3),
            format!("{:.2}", gbps(self.nbytes, m)),
            format!("{:.2}", vs / m.max(1e-12)),
            self.note.clone(),
        ]
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// `[count, sum]` as the peers write it.
fn pair(count: usize, sum: f64) -> Value {
    json!([count, sum])
}

fn rel_diff(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

pub(super) fn as_f64(v: &blz::Value) -> Result<f64> {
    match v {
        blz::Value::Float(f) => Ok(*f),
        other => bail!("expected a float, got {other:?}"),
    }
}

pub(super) fn as_count(v: &blz::Value) -> Result<usize> {
    match v {
        blz::Value::Int(i) => Ok(usize::try_from(*i)?),
        blz::Value::UInt(u) => Ok(usize::try_from(*u)?),
        other => bail!("expected a count, got {other:?}"),
    }
}

/// `blz bench query`.
pub(crate) fn query(a: &QueryArgs) -> Result<()> {
    let threads = a.threads();
    let quick = a.quick();
    let repeats = usize::from(a.repeats.unwrap_or(if quick { 3 } else { 5 }));
    let repeats_slow = usize::from(a.repeats_slow.unwrap_or(if quick { 1 } else { 3 }));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let mut out = a.out()?;
    let dir = a.data_dir();
    let x = a.x;
    if !x.is_finite() {
        usage_bail!("--x must be finite");
    }

    let t = Instant::now();
    let Loaded {
        batches,
        qty,
        price,
        nrows,
        whole,
    } = load(&dir, a.rows)?;
    eprintln!(
        "{TABLE}: {nrows} rows read from {} in {:.2} s",
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    let suffix = if whole {
        String::new()
    } else {
        format!("[:{nrows}]")
    };
    let filter_case = format!("filter {TABLE}{suffix}");
    let group_case = format!("groupby {TABLE}{suffix}");
    // The bytes the filter scans (qty + price, as the peers count them), and the group-by.
    let scanned = |b: &[ColumnBatch]| -> usize {
        b.iter()
            .filter(|c| c.name == "qty" || c.name == "price")
            .map(|c| match &c.values {
                Values::I8(_) => nrows,
                Values::I16(_) => nrows * 2,
                Values::I32(_) => nrows * 4,
                _ => nrows * 8,
            })
            .sum()
    };
    let nbq = scanned(&batches);

    let t = Instant::now();
    let table = pool.install(|| -> Result<CTable> {
        let mut opts = CArrayOptions::default();
        if let Some(cl) = a.chunklen {
            opts = opts.with_chunklen(usize::try_from(cl)?);
        }
        let mut t = CTable::with_options(opts)?;
        t.append(batches)?;
        Ok(t)
    })?;
    let mut per_col = serde_json::Map::new();
    for c in COLUMNS {
        let (n, cb) = table.column_sizes(c)?;
        per_col.insert(c.to_owned(), json!(round(crate::demo::ratio(n, cb), 2)));
    }
    let info = TableInfo {
        chunklen: table.chunklen(),
        cbytes: table.cbytes(),
        nbytes: table.nbytes(),
        per_col: Value::Object(per_col),
    };
    let table_ratio = crate::demo::ratio(info.nbytes, info.cbytes);
    eprintln!(
        "built in {:.2} s with {threads} threads: chunklen {}, ratio {table_ratio:.3} ({} / {} bytes)",
        t.elapsed().as_secs_f64(),
        table.chunklen(),
        info.nbytes,
        info.cbytes,
    );
    eprint!("{table}");

    let text = format!("(qty < 10) & (price > {x:?})");
    let label = "(lz4 5+shuffle)";
    let mut cases = Vec::new();

    // The reference: a one-thread loop over the raw columns.
    let (ts, (vn, vs)) = time_it(repeats, || {
        let (mut n, mut s) = (0usize, 0.0f64);
        for (&q, &p) in qty.iter().zip(&price) {
            if q < 10 && p > x {
                n += 1;
                s += p;
            }
        }
        Ok((n, s))
    })?;
    let vec_filter_s = median(&ts);
    cases.push(Case {
        section: "filter",
        case: filter_case.clone(),
        imp: "Rust Vec loop (in-memory, 1 thread)".into(),
        times: ts,
        nbytes: nbq,
        value: pair(vn, vs),
        blz: false,
        note: String::new(),
    });
    let peers_note = if whole && nrows == 10_000_000 && x.to_bits() == 96.0f64.to_bits() {
        if vn != PEER_COUNT || (vs - PEER_SUM).abs() > 0.01 {
            bail!("the data gives [{vn}, {vs}], the peers [{PEER_COUNT}, {PEER_SUM}]");
        }
        "= peers' [453455, 47309939.72]"
    } else {
        ""
    };

    if a.cases.contains(&BlzCase::Where) {
        let (ts, got) = time_it(repeats, || {
            Ok(pool.install(|| {
                table
                    .query(&text)?
                    .aggregates(&[(Agg::Count, "price"), (Agg::Sum, "price")])
            })?)
        })?;
        let (n, s) = (as_count(&got[0])?, as_f64(&got[1])?);
        if n != vn || rel_diff(s, vs) > 1e-9 {
            bail!("{filter_case}: blz gives [{n}, {s}], the Vec loop [{vn}, {vs}]");
        }
        cases.push(Case {
            section: "filter",
            case: filter_case.clone(),
            imp: format!("blz CTable where {label}"),
            times: ts,
            nbytes: nbq,
            value: pair(n, s),
            blz: true,
            note: format!("one pass: aggregates(count, sum) {peers_note}"),
        });
    }
    if a.cases.contains(&BlzCase::Count) {
        let (ts, n) = time_it(repeats, || {
            pool.install(|| Ok(table.query(&text)?.count()?))
        })?;
        if n != vn {
            bail!("{filter_case}: blz count() gives {n}, the Vec loop {vn}");
        }
        cases.push(Case {
            section: "filter",
            case: format!("{filter_case} count"),
            imp: format!("blz CTable where count() {label}"),
            times: ts,
            nbytes: nbq,
            value: json!(n),
            blz: true,
            note: String::new(),
        });
    }
    if a.cases.contains(&BlzCase::Sum) {
        let (ts, got) = time_it(repeats, || {
            pool.install(|| Ok(table.query(&text)?.aggregate("price", Agg::Sum)?))
        })?;
        let s = as_f64(&got)?;
        if rel_diff(s, vs) > 1e-9 {
            bail!("{filter_case}: blz sum(price) gives {s}, the Vec loop {vs}");
        }
        cases.push(Case {
            section: "filter",
            case: format!("{filter_case} sum"),
            imp: format!("blz CTable where aggregate(price, Sum) {label}"),
            times: ts,
            nbytes: nbq,
            value: json!(s),
            blz: true,
            note: String::new(),
        });
    }

    let mut group_cases = Vec::new();
    let mut vec_group_s = 0.0;
    if a.cases.contains(&BlzCase::Groupby) {
        // Reference: dense per-key sums when the keys span a small range.
        let (lo, hi) = qty
            .iter()
            .fold((i64::MAX, i64::MIN), |(l, h), &q| (l.min(q), h.max(q)));
        let span = usize::try_from(hi.saturating_sub(lo)).unwrap_or(usize::MAX);
        if nrows > 0 && span >= 1 << 20 {
            bail!("qty spans {lo}..={hi}: too wide for the reference group-by");
        }
        let (ts, groups) = time_it(repeats_slow, || {
            let mut sums = vec![0.0f64; span + 1];
            let mut seen = vec![false; span + 1];
            for (&q, &p) in qty.iter().zip(&price) {
                let k = usize::try_from(q - lo)?;
                sums[k] += p;
                seen[k] = true;
            }
            Ok(seen
                .iter()
                .zip(&sums)
                .enumerate()
                .filter(|(_, (s, _))| **s)
                .map(|(k, (_, &v))| (lo + i64::try_from(k).unwrap_or(0), v))
                .collect::<Vec<(i64, f64)>>())
        })?;
        vec_group_s = median(&ts);
        let vtotal: f64 = groups.iter().map(|g| g.1).sum();
        let nbg = nbq;
        group_cases.push(Case {
            section: "groupby",
            case: group_case.clone(),
            imp: "Rust Vec loop, dense keys (in-memory, 1 thread)".into(),
            times: ts,
            nbytes: nbg,
            value: pair(groups.len(), vtotal),
            blz: false,
            note: String::new(),
        });
        let (ts, got) = time_it(repeats_slow, || {
            pool.install(|| {
                Ok(table
                    .query("true")?
                    .group_by("qty", &[(Agg::Sum, "price")])?)
            })
        })?;
        if got.len() != groups.len() {
            bail!(
                "{group_case}: blz gives {} groups, the Vec loop {}",
                got.len(),
                groups.len()
            );
        }
        let mut total = 0.0;
        for ((k, vals), &(vk, vsum)) in got.iter().zip(&groups) {
            let key = match k {
                blz::Value::Int(i) => *i,
                other => bail!("{group_case}: unexpected key {other:?}"),
            };
            let s = as_f64(vals.first().context("no aggregate")?)?;
            if key != vk || rel_diff(s, vsum) > 1e-9 {
                bail!("{group_case}: blz gives {key} -> {s}, the Vec loop {vk} -> {vsum}");
            }
            total += s;
        }
        group_cases.push(Case {
            section: "groupby",
            case: group_case.clone(),
            imp: format!("blz CTable group_by(qty, sum(price)) {label}"),
            times: ts,
            nbytes: nbg,
            value: pair(got.len(), total),
            blz: true,
            note: "all rows: query(\"true\")".into(),
        });
    }

    if let Some(f) = out.as_mut() {
        for c in cases.iter().chain(&group_cases) {
            writeln!(f, "{}", c.record(&info, threads))?;
        }
    }
    let header = [
        "case",
        "impl",
        "value",
        "ms (median)",
        "ms min-max",
        "GB/s",
        "x Vec loop",
        "note",
    ];
    let mut rows: Vec<Vec<String>> = cases.iter().map(|c| c.row(vec_filter_s)).collect();
    rows.extend(group_cases.iter().map(|c| c.row(vec_group_s)));
    outln!(
        "query {text:?} on {nrows} rows, {threads} threads; table ratio {table_ratio:.3} \
         ({} / {} bytes); cols {}",
        info.nbytes,
        info.cbytes,
        COLUMNS
            .iter()
            .map(|c| format!("{c}:{}", info.per_col[*c]))
            .collect::<Vec<_>>()
            .join(" "),
    );
    print_table(&header, &rows);
    outln!(
        "\nms: median of {repeats} runs ({repeats_slow} for group-by) after one warm-up; GB/s over \
         qty + price ({nbq} bytes); loadavg {}",
        loadavg().map_or_else(|| "n/a".to_owned(), |l| format!("{l:?}"))
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_numpy_dtypes() {
        let b = [1u8, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode("<i4", &b).unwrap(), Values::I32(vec![1, -1]));
        assert_eq!(
            decode("|b1", &[0, 1, 2]).unwrap(),
            Values::Bool(vec![false, true, true])
        );
        assert_eq!(
            decode("<f8", &2.5f64.to_le_bytes()).unwrap(),
            Values::F64(vec![2.5])
        );
        assert!(decode(">i4", &b).is_err());
    }
}
