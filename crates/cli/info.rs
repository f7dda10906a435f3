//! `blz info TABLE [--json]`: a table's schema, rows, and per column its raw and compressed
//! sizes, ratio, codec and chunk count. Compressed sizes are the bytes stored on disk: the
//! chunks, and the tail and dictionary as compressed in the side file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use blz::DiskTable;
use serde_json::{Value as Json, json};

use crate::output::{Align, human_bytes, ratio_text, thousands, write_table};

/// Arguments of `blz info`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The table (a directory made by `blz import`).
    table: PathBuf,
    /// Print one JSON object: `rows`, `chunklen`, `nbytes`, `cbytes`, `ratio` and a `columns`
    /// array of objects with `name`, `type`, `nullable`, `nbytes`, `cbytes`, `ratio`, `codec`,
    /// `clevel`, `shuffle`, `min_saving`, `chunks`, `storage` and `dict_len`.
    #[arg(long)]
    json: bool,
}

/// Runs `blz info`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let t = crate::tables::open_read(&args.table)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut j = describe(&t)?;
        j["path"] = json!(args.table.display().to_string());
        writeln!(out, "{}", serde_json::to_string_pretty(&j)?)?;
    } else {
        write_text(&mut out, &args.table.display().to_string(), &t)?;
    }
    Ok(())
}

/// `nbytes / cbytes` rounded to 3 decimals (0 when nothing is stored).
fn ratio3(n: usize, c: usize) -> f64 {
    (crate::demo::ratio(n, c) * 1000.0).round() / 1000.0
}

/// The table as the JSON object `--json` prints (without `path`).
///
/// # Errors
/// None in practice: every name comes from the table's own schema.
pub(crate) fn describe(t: &DiskTable) -> Result<Json> {
    let mut cols = Vec::new();
    for f in t.schema().fields {
        let (n, _) = t.column_sizes(&f.name)?;
        let c = t.column_stored_bytes(&f.name)?;
        let p = t.column_cparams(&f.name)?;
        let (storage, dict_len) = t.column_storage(&f.name)?;
        cols.push(json!({
            "name": f.name,
            "type": f.ty.to_string(),
            "nullable": f.nullable,
            "nbytes": n,
            "cbytes": c,
            "ratio": ratio3(n, c),
            "codec": p.compressor.to_string(),
            "clevel": p.clevel.get(),
            "shuffle": p.shuffle.to_string(),
            "min_saving": p.min_saving,
            "chunks": t.column_nchunks(&f.name)?,
            "storage": storage,
            "dict_len": dict_len,
        }));
    }
    let (n, c) = (t.nbytes(), t.stored_bytes());
    Ok(json!({
        "rows": t.len(),
        "chunklen": t.chunklen(),
        "nbytes": n,
        "cbytes": c,
        "ratio": ratio3(n, c),
        "columns": cols,
    }))
}

/// The human-readable report.
fn write_text(out: &mut impl Write, name: &str, t: &DiskTable) -> Result<()> {
    writeln!(
        out,
        "{name}: {} rows, {} columns, {} rows per chunk\n",
        thousands(t.len()),
        t.ncols(),
        thousands(t.chunklen())
    )?;
    let mut rows = Vec::new();
    for f in t.schema().fields {
        let (n, _) = t.column_sizes(&f.name)?;
        let c = t.column_stored_bytes(&f.name)?;
        let p = t.column_cparams(&f.name)?;
        let (storage, dict_len) = t.column_storage(&f.name)?;
        let mut ty = f.ty.to_string();
        if f.nullable {
            ty.push_str(" (nulls)");
        }
        rows.push(vec![
            f.name.clone(),
            ty,
            human_bytes(n),
            human_bytes(c),
            ratio_text(n, c),
            format!("{} {} {}", p.compressor, p.clevel.get(), p.shuffle),
            t.column_nchunks(&f.name)?.to_string(),
            match dict_len {
                Some(d) => format!("{storage} ({d} values)"),
                None => storage.to_owned(),
            },
        ]);
    }
    let (n, c) = (t.nbytes(), t.stored_bytes());
    rows.push(vec![
        "total".into(),
        String::new(),
        human_bytes(n),
        human_bytes(c),
        ratio_text(n, c),
        String::new(),
        String::new(),
        String::new(),
    ]);
    use Align::{Left, Right};
    write_table(
        out,
        &[
            "column",
            "type",
            "raw",
            "compressed",
            "ratio",
            "codec",
            "chunks",
            "storage",
        ],
        &[Left, Left, Right, Right, Right, Left, Right, Left],
        &rows,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use blz::{ColumnBatch, CreateOptions};

    /// More rows than one chunk (128 Ki rows), so some are sealed and compressed; committed in
    /// `d`.
    fn table(d: &tempfile::TempDir) -> DiskTable {
        let mut t = DiskTable::create(d.path().join("t"), CreateOptions::default()).unwrap();
        t.append(vec![
            ColumnBatch::new("qty", (0..300_000).map(|i| i % 50).collect::<Vec<i64>>()),
            ColumnBatch::new(
                "sym",
                (0..300_000)
                    .map(|i| ["AA", "BB"][i % 2])
                    .collect::<Vec<&str>>(),
            ),
        ])
        .unwrap();
        t.commit().unwrap();
        t
    }

    #[test]
    fn describe_lists_every_column() {
        let d = tempfile::tempdir().unwrap();
        let j = describe(&table(&d)).unwrap();
        assert_eq!(j["rows"], 300_000);
        let cols = j["columns"].as_array().unwrap();
        assert_eq!(cols.len(), 2);
        assert_eq!(cols[0]["name"], "qty");
        assert_eq!(cols[0]["type"], "i64");
        assert_eq!(cols[0]["nbytes"], 2_400_000);
        assert!(cols[0]["cbytes"].as_u64().unwrap() < 2_400_000);
        assert_eq!(cols[0]["codec"], "lz4");
        assert_eq!(cols[1]["storage"], "dict");
        assert_eq!(cols[1]["dict_len"], 2);
    }

    #[test]
    fn text_report_has_a_total() {
        let d = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        write_text(&mut out, "t", &table(&d)).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("t: 300,000 rows, 2 columns"), "{s}");
        assert!(s.lines().last().unwrap().starts_with("total"), "{s}");
    }
}
