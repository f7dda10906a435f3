//! `blz query TABLE [--where EXPR] [--select LIST | --agg LIST] [--group-by KEYS]
//! [--order-by LIST] [--limit N] [--format table|csv|json]`.
//!
//! The command is a printer of what the engine returns ([`blz::Select`]). Selected rows stream:
//! matches are found a few chunks at a time and written as they come, so a query over a table
//! of any size holds only one batch of rows (with `--order-by`, the ordered rows; with
//! `--limit` as well, only the best N of each chunk). Aggregates are one row; groups come
//! sorted by key (null first), the keys first, then the aggregates as written, unless
//! `--order-by` says otherwise. JSON output is DuckDB's json mode: an array of row objects.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use blz::arrow::arrow_array::RecordBatchReader;
use blz::query::{Item, SelectItem, parse_select};
use blz::{CTable, Expr, Query, Select};

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
    /// and/or/not, `in [...]`, between, like, `is [not] null`, arithmetic; see docs/query.md).
    #[arg(long = "where", value_name = "EXPR", allow_hyphen_values = true)]
    filter: Option<String>,
    /// What to print for each row, comma-separated: columns and expressions, each optionally
    /// named with `as` (`carrier, arr_delay - dep_delay as gain`) [default: all columns].
    /// Aggregates here (`count(*), sum(x) as total`) make one row, as --agg does.
    #[arg(
        long,
        value_name = "LIST",
        allow_hyphen_values = true,
        conflicts_with = "agg"
    )]
    select: Option<String>,
    /// Aggregates instead of rows, comma-separated: count(*), count(x), count(distinct x),
    /// sum(x), min(x), max(x), mean(x) (or avg), where x is a column or an expression
    /// (`sum(price * qty)`); `as` names an output.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    agg: Option<String>,
    /// One output row per distinct combination of these columns (comma-separated), sorted by
    /// them (null first), with the aggregates of its rows [default aggregate: count(*)].
    #[arg(long, value_name = "COL,...")]
    group_by: Option<String>,
    /// Order the output: comma-separated items, each a column, an expression, an output's
    /// name, a group key or an aggregate as written, optionally followed by asc|desc and
    /// nulls first|last (`count(*) desc, dest`). Nulls come last by default, as in SQL.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    order_by: Option<String>,
    /// Print at most N rows (with --order-by, the first N in that order).
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
    let q = t.query(text).map_err(|e| query_error(e, text, "--where"))?;
    // A list that does not parse is a usage error (exit code 2), as a bad option value.
    let list = |flag: &str, text: &str| -> Result<Vec<SelectItem>> {
        parse_select(text).map_err(|e| crate::usage(query_error(e.into(), text, flag)))
    };
    let select = args
        .select
        .as_deref()
        .map(|s| list("--select", s))
        .transpose()?;
    let aggs = args.agg.as_deref().map(|s| list("--agg", s)).transpose()?;
    if let (Some(items), Some(text)) = (&aggs, &args.agg)
        && let Some(i) = items.iter().find(|i| !i.item.is_agg())
    {
        usage_bail!(
            "--agg {text:?}: {} is not an aggregate; aggregates are count(*), count(x), \
             count(distinct x), sum(x), min(x), max(x) and mean(x); put columns in --select",
            i.name
        );
    }
    let keys = match &args.group_by {
        None => None,
        Some(text) => Some(group_keys(text)?),
    };
    let (items, flag) = match (&select, &aggs) {
        (Some(s), _) => (s.clone(), "--select"),
        (None, Some(a)) => (a.clone(), "--agg"),
        (None, None) if keys.is_some() => (list("--agg", "count(*)")?, "--agg"),
        (None, None) => (Vec::new(), "--select"),
    };
    let mut names: Vec<&str> = match (&keys, select.is_none()) {
        (Some(k), true) => k.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    names.extend(items.iter().map(|i| i.name.as_str()));
    if let Some(dup) = names
        .iter()
        .enumerate()
        .find_map(|(i, n)| names[..i].contains(n).then_some(n))
    {
        usage_bail!(
            "two outputs are named {dup:?}; give one of them another name with `as` \
             (`{flag} \"..., {dup} as {dup}2\"`)"
        );
    }
    // Plain columns, in table order or as listed, without ordering: the Arrow stream.
    if keys.is_none() && aggs.is_none() && args.order_by.is_none() {
        let plain: Option<Vec<&str>> = match &select {
            None => Some(Vec::new()),
            Some(items) => items.iter().map(plain_column).collect(),
        };
        if let Some(cols) = plain {
            let q = match args.limit {
                Some(n) => q.limit(n),
                None => q,
            };
            return rows(&q, &cols, args.format, out);
        }
    }
    let sel = build(t, q, keys.as_deref(), items, select.is_none())
        .map_err(|e| query_error(e, source(args, flag), flag))?;
    let sel = match &args.order_by {
        None => sel,
        Some(text) => sel.order_by(text).map_err(|e| {
            let parse = matches!(e, blz::Error::Parse(_));
            let e = query_error(e, text, "--order-by");
            if parse { crate::usage(e) } else { e }
        })?,
    };
    let sel = match args.limit {
        Some(n) => sel.limit(n),
        None => sel,
    };
    let mut w = RowWriter::new(out, args.format, sel.columns().to_vec());
    // A failed write stops the scan; the write's own error is what the user sees.
    let mut failed = None;
    let run = sel.for_each_batch(|rows| {
        for r in rows {
            let cells: Vec<Cell> = r.into_iter().map(Cell::Value).collect();
            if let Err(e) = w.row(&cells) {
                failed = Some(e);
                return Err(blz::Error::Io {
                    path: "standard output".into(),
                    op: "write",
                    source: std::io::Error::other("output failed"),
                });
            }
        }
        Ok(())
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    run.map_err(|e| query_error(e, source(args, flag), flag))?;
    w.finish()?;
    Ok(())
}

/// The text an error of the select list `flag` points into.
fn source<'a>(args: &'a Args, flag: &str) -> &'a str {
    let s = match flag {
        "--agg" => args.agg.as_deref(),
        _ => args.select.as_deref(),
    };
    s.unwrap_or("count(*)")
}

/// The engine's select: groups when `keys` are given (with `--agg`, the keys are printed
/// first), else rows or one row of aggregates; all columns when the list is empty.
fn build<'t>(
    t: &CTable,
    q: Query<'t>,
    keys: Option<&[String]>,
    mut items: Vec<SelectItem>,
    keys_first: bool,
) -> blz::Result<Select<'t>> {
    match keys {
        Some(keys) => {
            let names: Vec<&str> = keys.iter().map(String::as_str).collect();
            if keys_first {
                let mut all: Vec<SelectItem> =
                    names.iter().map(|k| SelectItem::column(k)).collect();
                all.append(&mut items);
                items = all;
            }
            q.group_items(&names, items)
        }
        None if items.is_empty() => {
            let all = t
                .schema()
                .fields
                .iter()
                .map(|f| SelectItem::column(&f.name))
                .collect();
            q.select_items(all)
        }
        None => q.select_items(items),
    }
}

/// The key columns of `--group-by a,b` (names bare or back-quoted).
fn group_keys(text: &str) -> Result<Vec<String>> {
    let items =
        parse_select(text).map_err(|e| crate::usage(query_error(e.into(), text, "--group-by")))?;
    items
        .iter()
        .map(|i| match &i.item {
            Item::Expr(Expr::Column { name, .. }) if i.alias.is_none() => Ok(name.clone()),
            _ => Err(crate::usage(format!(
                "--group-by {text:?}: {} is not a column; group by columns, comma-separated",
                i.name
            ))),
        })
        .collect()
}

/// The column an item reads as it is (no alias), if it is one.
fn plain_column(i: &SelectItem) -> Option<&str> {
    match &i.item {
        Item::Expr(Expr::Column { name, .. }) if i.alias.is_none() => Some(name),
        _ => None,
    }
}

/// Streams the matching rows (the chosen columns, or all).
fn rows(q: &Query<'_>, cols: &[&str], format: Format, out: impl Write) -> Result<()> {
    let batches = q.record_batches((!cols.is_empty()).then_some(cols), BATCH_ROWS)?;
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

#[cfg(test)]
mod tests;
