//! `blz verify TABLE [--json]`: checks every checksum and chunk of a table on disk. Exit code
//! 0 when the table is sound, 1 when anything is wrong (problems listed).

use std::path::PathBuf;

use anyhow::{Result, anyhow};
use serde_json::json;

use crate::output::{human_bytes, thousands};

/// Arguments of `blz verify`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The table (a directory made by `blz import`).
    table: PathBuf,
    /// Print one JSON object: `ok`, `rows`, `columns`, `chunks`, `bytes`, `problems`.
    #[arg(long)]
    json: bool,
}

/// Runs `blz verify`; `Ok(false)` when the table has problems.
pub(crate) fn run(args: &Args) -> Result<bool> {
    let path = &args.table;
    if !path.exists() {
        return Err(anyhow!("no table at {}", path.display()));
    }
    let r = blz::verify(path).map_err(|e| anyhow!("{} cannot be verified: {e}", path.display()))?;
    let ok = r.problems.is_empty();
    if args.json {
        let j = json!({
            "ok": ok,
            "rows": r.rows,
            "columns": r.columns,
            "chunks": r.chunks,
            "bytes": r.bytes,
            "problems": r.problems,
        });
        outln!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        outln!(
            "{}: {} rows, {} columns, {} chunks ({}) checked",
            path.display(),
            thousands(usize::try_from(r.rows)?),
            r.columns,
            thousands(usize::try_from(r.chunks)?),
            human_bytes(usize::try_from(r.bytes)?)
        );
        if ok {
            outln!("ok: every checksum and chunk is sound");
        } else {
            for p in &r.problems {
                outln!("problem: {p}");
            }
            outln!(
                "CORRUPT: {} problem(s); restore the table from a copy or re-import it",
                r.problems.len()
            );
        }
    }
    Ok(ok)
}
