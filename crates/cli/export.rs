//! `blz export TABLE DEST [--format csv|parquet|ipc|ipc-stream] [--where EXPR] [--select a,b]`:
//! a table's rows (all, or a query's matches) streamed into a CSV, Parquet, Arrow IPC file or
//! Arrow IPC stream.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use blz::arrow::FileFormat;
use blz::arrow::arrow_array::{RecordBatch, RecordBatchReader};
use blz::arrow::arrow_schema::{ArrowError, SchemaRef};

use crate::outfile::OutFile;
use crate::output::thousands;
use crate::progress::Progress;
use crate::tables::{open_read, query_error, run_error};

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
    /// Export only the rows where EXPR holds (the query language of `blz query`); EXPR may
    /// start with `-` (`--where "-x > 3"`).
    #[arg(long = "where", value_name = "EXPR", allow_hyphen_values = true)]
    filter: Option<String>,
    /// Columns to export, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    select: Vec<String>,
    /// Replace DEST if it exists (only once the new file is complete: a failed export leaves
    /// the old one as it was).
    #[arg(long)]
    overwrite: bool,
}

/// Runs `blz export`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let t0 = Instant::now();
    let to_stdout = args.dest.as_os_str() == "-";
    if to_stdout && args.format.is_none() {
        usage_bail!(
            "writing to standard output (`-`) needs --format csv, parquet, ipc or ipc-stream"
        );
    }
    let format = match args.format {
        Some(OutFormat::Csv) => FileFormat::Csv,
        Some(OutFormat::Parquet) => FileFormat::Parquet,
        Some(OutFormat::Ipc) => FileFormat::Ipc,
        Some(OutFormat::IpcStream) => FileFormat::IpcStream,
        None => match FileFormat::from_extension(&args.dest) {
            Some(f) => f,
            None => usage_bail!(
                "cannot tell the format of {} from its extension; pass --format csv, parquet, \
                 ipc or ipc-stream",
                args.dest.display()
            ),
        },
    };
    if !to_stdout {
        check_dest(args)?;
    }
    let t = open_read(&args.table)?;
    let cols: Vec<&str> = args.select.iter().map(String::as_str).collect();
    let cols = (!cols.is_empty()).then_some(&cols[..]);
    let query = match &args.filter {
        Some(text) => Some(t.query(text).map_err(|e| query_error(e, text, "--where"))?),
        None => None,
    };
    let batches = match &query {
        Some(q) => Counted::new(q.record_batches(cols, BATCH_ROWS)?, None),
        None => Counted::new(t.record_batches(cols, BATCH_ROWS)?, Some(t.len() as u64)),
    };
    let context = || {
        format!(
            "exporting {} to {}",
            args.table.display(),
            args.dest.display()
        )
    };
    // A query error met in a row (an integer overflow) is shown as a compile error is.
    let run_error = |e: anyhow::Error| match &args.filter {
        Some(text) => run_error(e, text, "--where"),
        None => e,
    };
    let rows = if to_stdout {
        let mut out = PipeWatch::default();
        match blz::arrow::export_to_writer(batches, &mut out, format, "standard output") {
            Ok(rows) => rows,
            // The reader has gone (`| head`): it has what it wanted.
            Err(_) if out.closed => return Ok(()),
            Err(e) => return Err(run_error(anyhow::Error::new(e).context(context()))),
        }
    } else {
        // Written beside DEST and moved into place when complete: a failed export leaves
        // whatever was at DEST untouched.
        let mut out = OutFile::create(&args.dest, args.overwrite)?;
        let label = args.dest.display().to_string();
        let rows = blz::arrow::export_to_writer(batches, &mut out, format, &label)
            .map_err(|e| run_error(anyhow::Error::new(e).context(context())))?;
        out.commit()?;
        rows
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

/// Refuses a DEST that exists (without --overwrite) or lies inside the table's directory.
fn check_dest(args: &Args) -> Result<()> {
    let dest = &args.dest;
    if !args.overwrite && std::fs::metadata(dest).is_ok_and(|m| m.is_file()) {
        bail!(
            "{} already exists; pass --overwrite to replace it",
            dest.display()
        );
    }
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if let (Ok(table), Ok(folder)) = (args.table.canonicalize(), folder.canonicalize())
        && folder.starts_with(&table)
    {
        bail!(
            "{} is inside the table {}; export to a file outside it",
            dest.display(),
            args.table.display()
        );
    }
    Ok(())
}

/// Standard output that remembers whether the reader closed the pipe (the error the format
/// writers return then does not always keep the `io::Error`).
#[derive(Default)]
struct PipeWatch {
    closed: bool,
}

impl PipeWatch {
    fn check<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        r
    }
}

impl Write for PipeWatch {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = std::io::stdout().lock().write(buf);
        self.check(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = std::io::stdout().lock().flush();
        self.check(r)
    }
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
