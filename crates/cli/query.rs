//! `blz query TABLE [--where EXPR] [--select a,b | --agg "count(*), sum(x)"] [--group-by KEY]
//! [--limit N] [--format table|csv|json]`.
//!
//! Selected rows stream: matches are found a few chunks at a time and written as they come, so
//! a query over a table of any size holds only one batch of rows. Aggregates and groups are one
//! row each; groups come sorted by key (null first), the key first, then the aggregates as
//! written. JSON output is DuckDB's json mode: an array of row objects.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use blz::arrow::arrow_array::RecordBatchReader;
use blz::{Agg, CTable, ColumnType, DType, Query};

use crate::output::{Cell, Format, RowWriter};
use crate::tables::{open_read, query_error};

/// Rows per batch when selected rows stream out.
const BATCH_ROWS: usize = 4096;

/// Arguments of `blz query`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The table (a directory made by `blz import`).
    table: PathBuf,
    /// Keep the rows where EXPR holds, e.g. `qty < 10 and sym in ['AA', 'BB']` (comparisons,
    /// and/or/not, in `[...]`, `is [not] null`, arithmetic).
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,
    /// Columns to print, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_name = "COL,...", conflicts_with_all = ["agg", "group_by"])]
    select: Vec<String>,
    /// Aggregates instead of rows, comma-separated: count(*), count(col), sum(col), min(col),
    /// max(col), mean(col) (or avg).
    #[arg(long, value_name = "AGG,...", value_parser = parse_aggs)]
    agg: Option<AggList>,
    /// One output row per distinct value of this column (sorted, null first), with the
    /// aggregates of its rows [default aggregate: count(*)].
    #[arg(long, value_name = "COLUMN")]
    group_by: Option<String>,
    /// Print at most N rows.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Ignore the per-chunk statistics: decompress every chunk the query reads (for checks
    /// and benchmarks; answers are the same, up to float summation order).
    #[arg(long)]
    no_stats: bool,
    /// Budget of the cache of decompressed chunks, in MiB [default: 256]. Scans stream past
    /// it, so tables far bigger than the budget (and than RAM) are queried in bounded memory.
    #[arg(long, value_name = "MIB")]
    cache_mib: Option<u64>,
}

/// One aggregate of `--agg`: the function and its column (`None` for `count(*)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AggSpec {
    agg: Agg,
    column: Option<String>,
    /// The output name: `count(*)`, `sum(price)`...
    name: String,
}

/// The parsed `--agg` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AggList(Vec<AggSpec>);

/// Parses `count(*), sum(price), mean(x)`: functions count, sum, min, max, mean (avg) in any
/// case, spaces anywhere between the parts, column names bare or in back-quotes (with ` `` `
/// for a back-quote).
fn parse_aggs(text: &str) -> Result<AggList, String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    loop {
        let open = rest
            .find('(')
            .ok_or_else(|| format!("expected `function(column)` at {rest:?}"))?;
        let func = rest[..open].trim();
        let agg = match func.to_ascii_lowercase().as_str() {
            "count" => Agg::Count,
            "sum" => Agg::Sum,
            "min" => Agg::Min,
            "max" => Agg::Max,
            "mean" | "avg" => Agg::Mean,
            _ => {
                return Err(format!(
                    "unknown aggregate {func:?}; use count, sum, min, max or mean"
                ));
            }
        };
        let (column, after) = parse_arg(&rest[open + 1..])?;
        let func = func.to_ascii_lowercase();
        let func = if func == "avg" { "mean".into() } else { func };
        match &column {
            None if agg != Agg::Count => {
                return Err(format!("{func}(*) is not defined; name a column"));
            }
            None => out.push(AggSpec {
                agg,
                column,
                name: "count(*)".into(),
            }),
            Some(c) => out.push(AggSpec {
                agg,
                name: format!("{func}({c})"),
                column,
            }),
        }
        rest = after.trim_start();
        if rest.is_empty() {
            return Ok(AggList(out));
        }
        rest = rest
            .strip_prefix(',')
            .ok_or_else(|| format!("expected `,` between aggregates at {rest:?}"))?
            .trim_start();
    }
}

/// The argument of an aggregate up to its `)`: `*` (None) or a column name; and the text after.
fn parse_arg(s: &str) -> Result<(Option<String>, &str), String> {
    let s = s.trim_start();
    if let Some(q) = s.strip_prefix('`') {
        let mut name = String::new();
        let mut chars = q.char_indices();
        while let Some((i, ch)) = chars.next() {
            if ch != '`' {
                name.push(ch);
            } else if q[i + 1..].starts_with('`') {
                name.push('`');
                chars.next();
            } else {
                let rest = q[i + 1..].trim_start();
                let rest = rest
                    .strip_prefix(')')
                    .ok_or_else(|| format!("expected `)` after `{name}`"))?;
                return Ok((Some(name), rest));
            }
        }
        return Err(format!("unclosed back-quote in {s:?}"));
    }
    let close = s
        .find(')')
        .ok_or_else(|| format!("expected `)` in {s:?}"))?;
    let arg = s[..close].trim();
    let col = match arg {
        "*" => None,
        "" => return Err("empty argument: write count(*) or a column name".into()),
        a => Some(a.to_owned()),
    };
    Ok((col, &s[close + 1..]))
}

/// Runs `blz query`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let mut t = match args.cache_mib {
        None => open_read(&args.table)?,
        Some(mib) => {
            let cache = blz::ChunkCache::new(mib << 20)
                .map_err(|e| crate::usage(format!("--cache-mib {mib}: {e}")))?;
            crate::tables::open_read_with_cache(&args.table, cache)?
        }
    };
    if args.no_stats {
        t.set_use_stats(false);
    }
    let stdout = std::io::stdout().lock();
    let out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    execute(&t, args, out)
}

/// Runs the query of `args` over `t`, writing to `out`.
fn execute(t: &CTable, args: &Args, out: impl Write) -> Result<()> {
    let text = args.filter.as_deref().unwrap_or("true");
    let mut q = t.query(text).map_err(|e| query_error(e, text, "--where"))?;
    if args.agg.is_none() && args.group_by.is_none() {
        if let Some(n) = args.limit {
            q = q.limit(n);
        }
        return rows(&q, &args.select, args.format, out);
    }
    let default = AggList(vec![AggSpec {
        agg: Agg::Count,
        column: None,
        name: "count(*)".into(),
    }]);
    let aggs = args.agg.as_ref().unwrap_or(&default);
    let mut result = match &args.group_by {
        None => vec![aggregate(&q, &aggs.0)?],
        Some(key) => group(t, &q, key, &aggs.0)?,
    };
    if let Some(n) = args.limit {
        result.truncate(n);
    }
    let mut names: Vec<String> = args.group_by.iter().cloned().collect();
    names.extend(aggs.0.iter().map(|a| a.name.clone()));
    let mut w = RowWriter::new(out, args.format, names);
    for r in &result {
        w.row(r)?;
    }
    w.finish()?;
    Ok(())
}

/// Streams the matching rows (the chosen columns, or all).
fn rows(q: &Query<'_>, select: &[String], format: Format, out: impl Write) -> Result<()> {
    // `--select "carrier, flight"`: spaces after the commas are not part of the names.
    let cols: Vec<&str> = select.iter().map(|s| s.trim()).collect();
    let batches = q.record_batches((!cols.is_empty()).then_some(&cols[..]), BATCH_ROWS)?;
    let names = batches
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut w = RowWriter::new(out, format, names);
    for b in batches {
        let b = b.context("reading the table")?;
        crate::cells::for_each_row(&b, |r| Ok(w.row(r)?))?;
    }
    w.finish()?;
    Ok(())
}

/// The (Agg, column) pairs for the query engine (`*` for `count(*)`).
fn engine_aggs(aggs: &[AggSpec]) -> Vec<(Agg, &str)> {
    aggs.iter()
        .map(|a| (a.agg, a.column.as_deref().unwrap_or("*")))
        .collect()
}

/// One row of aggregates over the matches.
fn aggregate(q: &Query<'_>, aggs: &[AggSpec]) -> Result<Vec<Cell>> {
    let vals = q.aggregates(&engine_aggs(aggs))?;
    Ok(vals.into_iter().map(Cell::from).collect())
}

/// Rows of `[key, aggregates...]` per group, sorted by key.
fn group(t: &CTable, q: &Query<'_>, key: &str, aggs: &[AggSpec]) -> Result<Vec<Vec<Cell>>> {
    let schema = t.schema();
    let Some(kf) = schema.fields.iter().find(|f| f.name == key) else {
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        bail!("unknown column {key:?} in --group-by; the table has {names:?}");
    };
    if matches!(kf.ty, ColumnType::Fixed(DType::F32 | DType::F64)) {
        bail!(
            "--group-by {key}: {key} is {}, group by an integer, bool, timestamp or text column",
            kf.ty
        );
    }
    let groups = q.group_by(key, &engine_aggs(aggs))?;
    Ok(groups
        .into_iter()
        .map(|(k, vals)| std::iter::once(k).chain(vals).map(Cell::Value).collect())
        .collect())
}

#[cfg(test)]
mod tests;
