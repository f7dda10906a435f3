//! `blz export TABLE DEST [--format csv|parquet|ipc|ipc-stream] [--where EXPR] [--select a,b]`:
//! a table's rows (all, or a query's matches) streamed into a CSV, Parquet, Arrow IPC file or
//! Arrow IPC stream.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use blz::arrow::arrow_array::{RecordBatch, RecordBatchReader};
use blz::arrow::arrow_schema::{ArrowError, SchemaRef};
use blz::arrow::{FileFormat, WriteOptions};

use crate::output::thousands;
use crate::progress::Progress;
use crate::tables::{open_read, query_error};

/// Rows per record batch written.
const BATCH_ROWS: usize = 1 << 16;

/// Formats `blz export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC file.
    Ipc,
    /// Arrow IPC stream (no footer: readable while it is written).
    IpcStream,
}

/// Arguments of `blz export`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The table (a directory made by `blz import`).
    table: PathBuf,
    /// The file to write; `-` writes to standard output (give --format; the summary line goes
    /// to standard error).
    dest: PathBuf,
    /// Output format [default: from DEST's extension: .csv, .parquet/.pq, .arrow/.ipc/.feather,
    /// .arrows].
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Export only the rows where EXPR holds (the query language of `blz query`).
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,
    /// Columns to export, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    select: Vec<String>,
    /// Replace DEST if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// Runs `blz export`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let t0 = Instant::now();
    let to_stdout = args.dest.as_os_str() == "-";
    if to_stdout && args.format.is_none() {
        bail!("writing to standard output (`-`) needs --format csv, parquet, ipc or ipc-stream");
    }
    let format = match args.format {
        Some(OutFormat::Csv) => FileFormat::Csv,
        Some(OutFormat::Parquet) => FileFormat::Parquet,
        Some(OutFormat::Ipc) => FileFormat::Ipc,
        Some(OutFormat::IpcStream) => FileFormat::IpcStream,
        None => match FileFormat::from_extension(&args.dest) {
            Some(f) => f,
            None => bail!(
                "cannot tell the format of {} from its extension; pass --format csv, parquet, \
                 ipc or ipc-stream",
                args.dest.display()
            ),
        },
    };
    if !to_stdout && args.dest.exists() && !args.overwrite {
        bail!(
            "{} already exists; pass --overwrite to replace it",
            args.dest.display()
        );
    }
    let existed = to_stdout || args.dest.exists();
    let t = open_read(&args.table)?;
    let cols: Vec<&str> = args.select.iter().map(String::as_str).collect();
    let cols = (!cols.is_empty()).then_some(&cols[..]);
    let opts = WriteOptions::default().with_overwrite(args.overwrite);
    let write = |batches: Counted<blz::arrow::TableBatches<'_>>| {
        if to_stdout {
            blz::arrow::export_to_writer(batches, std::io::stdout(), format, "stdout")
        } else {
            blz::arrow::export(batches, &args.dest, format, &opts)
        }
    };
    let written = match &args.filter {
        Some(text) => {
            let q = t.query(text).map_err(|e| query_error(e, text, "--where"))?;
            write(Counted::new(q.record_batches(cols, BATCH_ROWS)?, None))
        }
        None => {
            let total = Some(t.len() as u64);
            write(Counted::new(t.record_batches(cols, BATCH_ROWS)?, total))
        }
    };
    let rows = match written {
        Ok(r) => r,
        Err(e) => {
            if !existed {
                // Leave no partial file behind.
                let _ = std::fs::remove_file(&args.dest);
            }
            return Err(anyhow::Error::new(e)).with_context(|| {
                format!(
                    "exporting {} to {}",
                    args.table.display(),
                    args.dest.display()
                )
            });
        }
    };
    let summary = format!(
        "exported {} rows of {} to {} ({}) in {:.2} s",
        thousands(usize::try_from(rows)?),
        args.table.display(),
        if to_stdout {
            "standard output".into()
        } else {
            args.dest.display().to_string()
        },
        format.name(),
        t0.elapsed().as_secs_f64()
    );
    if to_stdout {
        eprintln!("{summary}");
    } else {
        outln!("{summary}");
    }
    Ok(())
}

/// A batch stream that shows its progress (after a second, on a terminal).
struct Counted<R> {
    inner: R,
    rows: u64,
    progress: Progress,
}

impl<R> Counted<R> {
    fn new(inner: R, total: Option<u64>) -> Self {
        Counted {
            inner,
            rows: 0,
            progress: Progress::new(total, "exporting"),
        }
    }
}

impl<R: Iterator<Item = Result<RecordBatch, ArrowError>>> Iterator for Counted<R> {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.inner.next();
        match &b {
            Some(Ok(b)) => {
                self.rows += b.num_rows() as u64;
                self.progress.set(self.rows);
            }
            _ => self.progress.finish(),
        }
        b
    }
}

impl<R: RecordBatchReader> RecordBatchReader for Counted<R> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}
