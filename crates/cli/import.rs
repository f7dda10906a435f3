//! `blz import SRC TABLE`: a CSV, Parquet or Arrow IPC file, a bcolz directory or a
//! python-blosc2 frame into a table on disk, batch by batch.
//!
//! A new table is written into a hidden sibling directory (`.NAME.importing-PID`) and renamed
//! into place only once complete, so a failed import leaves nothing behind (and `--overwrite`
//! keeps the old table until the new one is whole). `--append` commits every ~64 MiB of input
//! and at the end; on failure the table keeps what its last commit holds.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use blz::arrow::arrow_array::{RecordBatch, RecordBatchReader};
use blz::arrow::{CsvOptions, DEFAULT_NULL_VALUES, FileFormat};
use blz::blosc::{CLevel, CParams, Compressor, Shuffle};
use blz::import::{Source, SourceFormat};
use blz::{CArrayOptions, CTable, ColumnBatch, CreateOptions, DiskTable, OpenMode, Values};

use crate::chunk::{parse_clevel, parse_codec, parse_filter};
use crate::output::{human_bytes, ratio_text, thousands};
use crate::progress::Progress;

/// Input bytes appended between two commits.
const COMMIT_BYTES: usize = 64 << 20;

/// Formats `blz import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC (file or stream).
    Ipc,
    /// A bcolz carray or ctable directory.
    Bcolz,
    /// A python-blosc2 contiguous frame.
    B2frame,
}

/// Arguments of `blz import`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The data to import: a file (.csv, .tsv, .parquet, .arrow/.ipc/.feather, .b2frame), a
    /// bcolz directory, or `-` for standard input (CSV or an Arrow IPC stream; so is a pipe or
    /// a FIFO).
    src: PathBuf,
    /// The table to create (a directory).
    table: PathBuf,
    /// Input format [default: from the content and the extension].
    #[arg(long, value_enum)]
    format: Option<InFormat>,
    /// Add the rows to the existing TABLE (same columns and types).
    #[arg(long, conflicts_with = "overwrite")]
    append: bool,
    /// Replace TABLE if it exists (only a blz table or an empty directory).
    #[arg(long)]
    overwrite: bool,
    /// Codec of the new table's chunks: blosclz, lz4, lz4hc, snappy, zlib, zstd.
    #[arg(long, default_value = "lz4", value_parser = parse_codec, conflicts_with = "append")]
    codec: Compressor,
    /// Compression level, 0 to 9.
    #[arg(long, default_value = "5", value_parser = parse_clevel, conflicts_with = "append")]
    clevel: CLevel,
    /// Shuffle filter: byte, bit or none.
    #[arg(long, default_value = "byte", value_parser = parse_filter, conflicts_with = "append")]
    shuffle: Shuffle,
    /// Store uncompressed the parts of a chunk that compression shrinks by less than this
    /// percent, 0-99 [default: 15; 0 keeps every saving]: barely compressed data is slower to
    /// read than the few bytes it saves.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=99), conflicts_with = "append")]
    min_saving: Option<u8>,
    /// Rows per chunk of the new table, at least 1,024 [default: 131,072]. Queries read whole
    /// chunks; smaller chunks skip more precisely but cost more bookkeeping. Rows past the last
    /// full chunk are kept in a small compressed tail until more rows fill it.
    #[arg(long, value_name = "N", value_parser = parse_chunklen, conflicts_with = "append")]
    chunklen: Option<u64>,
    /// CSV: the field separator, one ASCII character or `tab` [default: `,`; tab for .tsv
    /// files; tab or `;` when the header line holds those and no comma].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// CSV: a field read as null (repeatable; replaces the default "", NA, N/A, NULL, null).
    #[arg(long, value_name = "TEXT")]
    null_value: Vec<String>,
    /// CSV: the column names and types, in file order, instead of inferring them, e.g.
    /// `id:i64,price:f64,sym:utf8,ts:timestamp[us]` (types: bool, i8..i64, u8..u64, f32, f64,
    /// utf8, timestamp[s|ms|us|ns], date).
    #[arg(long, value_name = "NAME:TYPE,...")]
    schema: Option<String>,
    /// Rows per batch read from CSV, Parquet and IPC (tests use small batches).
    #[arg(long, default_value_t = 1 << 16, hide = true, value_parser = clap::value_parser!(u64).range(1..=(1 << 24)))]
    batch_rows: u64,
    /// Input bytes between commits of `--append` (tests use small values).
    #[arg(long, default_value_t = COMMIT_BYTES as u64, hide = true)]
    commit_bytes: u64,
}

/// The smallest `--chunklen`: every chunk of every column costs a manifest record (about 200
/// bytes) and a Blosc header, and a query's per-chunk work; at 1,024 rows even a column of
/// one-byte values has chunks five times the size of their records, where `--chunklen 1` made
/// a manifest 50 times the size of its CSV.
const MIN_CHUNKLEN: u64 = 1024;

/// Parses `--chunklen`, refusing values below [`MIN_CHUNKLEN`] with the reason.
fn parse_chunklen(s: &str) -> std::result::Result<u64, String> {
    let n: u64 = s
        .trim()
        .replace(['_', ','], "")
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of rows"))?;
    if n < MIN_CHUNKLEN {
        return Err(format!(
            "{n} rows is too few: chunks of fewer than {MIN_CHUNKLEN} rows make the table's \
             manifest (a record per chunk and column) outgrow its data; use at least \
             {MIN_CHUNKLEN} (the default is 131,072)"
        ));
    }
    if n > 1 << 28 {
        return Err(format!(
            "{n} rows is too many: a chunk holds at most {} rows",
            1u64 << 28
        ));
    }
    Ok(n)
}

/// `--delimiter`: one ASCII character other than a quote or a line break, or `tab`.
fn parse_delimiter(s: &str) -> std::result::Result<u8, String> {
    let b = match s {
        "tab" | "\\t" | "\t" => b'\t',
        _ if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
        _ => {
            return Err(format!("expected one ASCII character or `tab`, got {s:?}"));
        }
    };
    if matches!(b, b'"' | b'\n' | b'\r') {
        return Err(format!("{s:?} cannot separate fields"));
    }
    Ok(b)
}

/// Where the rows come from.
enum Input {
    Arrow(Box<dyn RecordBatchReader + Send>),
    Blosc(Box<Source>),
}

/// Runs `blz import`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let src = &args.src;
    if src.as_os_str() != "-" && !src.exists() {
        bail!("no such file or directory: {}", src.display());
    }
    let t0 = Instant::now();
    let input = open_input(args)?;
    let dest = &args.table;
    let every = usize::try_from(args.commit_bytes).unwrap_or(usize::MAX);
    // The progress bar's total for CSV input, estimated from the file's size.
    let rows_hint = crate::progress::estimate_csv_rows(src);
    let rows = if args.append {
        append(dest, input, every, rows_hint)?
    } else {
        create(args, dest, input, every, rows_hint)?
    };
    let t = DiskTable::open(dest, OpenMode::ReadOnly)
        .with_context(|| format!("reading back {}", dest.display()))?;
    let (n, c) = (t.nbytes(), t.stored_bytes());
    outln!(
        "{} {} rows into {} in {:.2} s: {} rows, {} columns, {} -> {} (ratio {})",
        if args.append { "appended" } else { "imported" },
        thousands(usize::try_from(rows)?),
        dest.display(),
        t0.elapsed().as_secs_f64(),
        thousands(t.len()),
        t.ncols(),
        human_bytes(n),
        human_bytes(c),
        ratio_text(n, c),
    );
    Ok(())
}

/// Opens the input in the format asked for or detected. Standard input (`-`), a pipe or a
/// FIFO is read once, as a stream: the bytes read to find its format are kept, so no row is
/// lost; CSV and Arrow IPC streams read this way, formats that need to seek do not.
fn open_input(args: &Args) -> Result<Input> {
    let src = &args.src;
    let stdin = src.as_os_str() == "-";
    let label = if stdin {
        Path::new("<stdin>")
    } else {
        src.as_path()
    };
    let stream = stdin || std::fs::metadata(src).is_ok_and(|m| !m.is_file() && !m.is_dir());
    // A stream: its first bytes, and a reader that gives them back.
    let mut head = Vec::new();
    let mut piped: Option<Box<dyn Read + Send>> = None;
    if stream {
        let mut r: Box<dyn Read + Send> = if stdin {
            Box::new(std::io::stdin())
        } else {
            Box::new(
                std::fs::File::open(src)
                    .with_context(|| format!("cannot open {}", src.display()))?,
            )
        };
        let mut buf = [0u8; 16];
        let mut n = 0;
        while n < buf.len() {
            match r.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).with_context(|| format!("reading {}", label.display())),
            }
        }
        head.extend_from_slice(&buf[..n]);
        piped = Some(Box::new(std::io::Cursor::new(head.clone()).chain(r)));
    }
    let format = match args.format {
        Some(f) => f,
        None if stream => match blz::import::detect_bytes(&head) {
            Some(_) => InFormat::B2frame,
            None => match FileFormat::sniff_bytes(&head) {
                None => InFormat::Csv,
                Some(FileFormat::Parquet) => InFormat::Parquet,
                Some(_) => InFormat::Ipc,
            },
        },
        None => match blz::import::detect(src) {
            Some(SourceFormat::Bcolz) => InFormat::Bcolz,
            Some(SourceFormat::B2Frame) => InFormat::B2frame,
            _ if src.is_dir() => bail!(
                "{} is a directory but not a bcolz carray or ctable",
                src.display()
            ),
            _ => match FileFormat::detect(src)? {
                FileFormat::Csv => InFormat::Csv,
                FileFormat::Parquet => InFormat::Parquet,
                _ => InFormat::Ipc,
            },
        },
    };
    if format != InFormat::Csv
        && (args.schema.is_some() || !args.null_value.is_empty() || args.delimiter.is_some())
    {
        usage_bail!("--schema, --null-value and --delimiter apply to CSV input only");
    }
    let batch_rows = usize::try_from(args.batch_rows)?;
    if let Some(input) = piped {
        let ipc_stream = FileFormat::sniff_bytes(&head) == Some(FileFormat::IpcStream);
        return Ok(match format {
            InFormat::Csv => Input::Arrow(Box::new(open_csv_input(args, Some(input), label)?)),
            InFormat::Ipc if ipc_stream => Input::Arrow(blz::arrow::open_ipc_reader(input, label)?),
            other => bail!(
                "{} is a stream (standard input, a pipe or a FIFO); {} input needs a file it                  can seek in: save it to a file first (CSV and Arrow IPC streams read from a                  stream)",
                label.display(),
                match other {
                    InFormat::Parquet => "Parquet",
                    InFormat::Ipc => "Arrow IPC file",
                    InFormat::Bcolz => "bcolz",
                    _ => "python-blosc2 frame",
                }
            ),
        });
    }
    Ok(match format {
        InFormat::Csv => Input::Arrow(Box::new(open_csv_input(args, None, label)?)),
        InFormat::Parquet => Input::Arrow(blz::arrow::open_parquet(src, batch_rows)?),
        InFormat::Ipc => Input::Arrow(blz::arrow::open_ipc(src)?),
        InFormat::Bcolz => Input::Blosc(Box::new(Source::Bcolz(blz::import::BcolzSource::open(
            src,
        )?))),
        InFormat::B2frame => Input::Blosc(Box::new(Source::B2Frame(
            blz::import::B2FrameSource::open(src)?,
        ))),
    })
}

/// The CSV reader of `open_input`: the file `args.src`, or `stream` (named `label`).
fn open_csv_input(
    args: &Args,
    stream: Option<Box<dyn Read + Send>>,
    label: &Path,
) -> Result<blz::arrow::CsvReader> {
    let mut o = CsvOptions::default().with_batch_rows(usize::try_from(args.batch_rows)?);
    if !args.null_value.is_empty() {
        o = o.with_null_values(args.null_value.iter().cloned());
    } else {
        o = o.with_null_values(DEFAULT_NULL_VALUES.iter().copied());
    }
    let tsv = label
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab"));
    if let Some(d) = args.delimiter {
        o = o.with_delimiter(d);
    } else if tsv {
        o = o.with_delimiter(b'\t');
    }
    if let Some(s) = &args.schema {
        o = o.with_schema(crate::schema_arg::parse(s)?);
    }
    let mut r = match stream {
        Some(input) => blz::arrow::open_csv_reader(input, label, &o)?,
        None => blz::arrow::open_csv(label, &o)?,
    };
    if args.schema.is_none()
        && args.append
        && let Some(schema) = append_schema(&r.schema(), &args.table)
    {
        r = r.with_schema(schema)?;
    }
    Ok(r)
}

/// The types to read a CSV file with when appending it to the table at `dest`: the table's
/// type for every column the file's header names (so a file whose sample looks integer still
/// appends to a float column), the inferred ones for the rest (the append then names them).
/// `None` when there is no table to append to (the append reports that).
fn append_schema(
    inferred: &blz::arrow::arrow_schema::SchemaRef,
    dest: &Path,
) -> Option<blz::arrow::arrow_schema::SchemaRef> {
    use blz::arrow::arrow_schema::{Field, Schema};
    let t = DiskTable::open(dest, OpenMode::ReadOnly).ok()?;
    let table = t.arrow_schema();
    let fields: Vec<Field> = inferred
        .fields()
        .iter()
        .map(|f| {
            table
                .field_with_name(f.name())
                .map_or_else(|_| f.as_ref().clone(), |tf| tf.clone().with_nullable(true))
        })
        .collect();
    Some(std::sync::Arc::new(Schema::new(fields)))
}

/// A new table at `dest`: built in a hidden sibling directory, moved into place when whole by a
/// rename that never replaces anything (without `--overwrite`) or swapped atomically with the
/// table it replaces, whose writer lock `--overwrite` holds from the start.
fn create(
    args: &Args,
    dest: &Path,
    input: Input,
    every: usize,
    rows_hint: Option<u64>,
) -> Result<u64> {
    let mut lock = None;
    if std::fs::symlink_metadata(dest).is_ok() {
        if !args.overwrite {
            bail!(
                "{} already exists; pass --overwrite to replace it, or --append to add the rows \
                 to it",
                dest.display()
            );
        }
        lock = Some(
            blz::TableLock::acquire(dest)
                .with_context(|| format!("cannot replace {}", dest.display()))?,
        );
    }
    let name = dest
        .file_name()
        .with_context(|| format!("{} does not name a directory to create", dest.display()))?;
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty());
    let tmp_name = format!(
        ".{}.importing-{}",
        name.to_string_lossy(),
        std::process::id()
    );
    let tmp = parent.map_or_else(|| PathBuf::from(&tmp_name), |p| p.join(&tmp_name));
    if let Some(p) = parent
        && !p.is_dir()
    {
        bail!("the folder {} does not exist", p.display());
    }
    remove_stale(dest);
    // A directory of this name can only be left by an earlier process with our id.
    let _ = std::fs::remove_dir_all(&tmp);
    let cparams = CParams::default()
        .with_compressor(args.codec)
        .with_clevel(args.clevel)
        .with_shuffle(args.shuffle)
        .with_min_saving(args.min_saving);
    let chunklen = match args.chunklen {
        Some(n) => usize::try_from(n)?,
        None => CTable::new().chunklen(),
    };
    let opts = CArrayOptions::default()
        .with_chunklen(chunklen)
        .with_cparams(cparams);
    let built = (|| -> Result<u64> {
        let mut t = DiskTable::create(&tmp, CreateOptions::default().with_column_options(opts))?;
        if let Input::Blosc(s) = &input {
            for f in s.schema().fields {
                t.add_empty_column(&f.name, f.ty)?;
            }
        }
        let mut committed = 0;
        let rows = feed(&mut t, input, &mut committed, every, rows_hint)?;
        t.commit()?;
        Ok(rows)
    })();
    let rows = match built {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e.context(format!(
                "importing {} failed; nothing was written to {}",
                args.src.display(),
                dest.display()
            )));
        }
    };
    test_hook_before_rename(dest);
    let placed = match lock {
        Some(l) => l.replace_with(&tmp),
        None => blz::move_table(&tmp, dest),
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_dir_all(&tmp);
        if matches!(e, blz::Error::AlreadyExists { .. }) {
            bail!(
                "{} appeared while importing {}; it was left as it is and the imported rows were \
                 discarded (pass --overwrite to replace it)",
                dest.display(),
                args.src.display()
            );
        }
        return Err(anyhow!(e).context(format!(
            "cannot move the new table from {} to {}",
            tmp.display(),
            dest.display()
        )));
    }
    Ok(rows)
}

/// Removes staging directories that killed imports left beside `dest` (best effort: a
/// directory that cannot be listed is the import's own problem to report).
fn remove_stale(dest: &Path) {
    if let Ok(gone) = blz::remove_stale_staging(dest) {
        for p in gone {
            eprintln!("removed {}, left by an import that was killed", p.display());
        }
    }
}

/// Tests only: with `BLZ_TEST_BEFORE_RENAME=DIR` set, creates the directory DIR (with a file in
/// it) just before the new table is moved into place, as another program might at that moment.
fn test_hook_before_rename(dest: &Path) {
    if let Some(d) = std::env::var_os("BLZ_TEST_BEFORE_RENAME")
        && Path::new(&d) == dest
    {
        let _ = std::fs::create_dir_all(dest);
        let _ = std::fs::write(dest.join("precious.txt"), b"made while the import ran");
    }
}

/// Appends to the existing table `dest`; on failure the rows after its last commit are
/// discarded.
fn append(dest: &Path, input: Input, every: usize, rows_hint: Option<u64>) -> Result<u64> {
    if !dest.exists() {
        bail!(
            "no table at {} to append to (leave out --append to create it)",
            dest.display()
        );
    }
    let mut t = DiskTable::open(dest, OpenMode::Append)
        .with_context(|| format!("cannot open {} for appending", dest.display()))?;
    remove_stale(dest);
    let before = t.len();
    let mut committed = before;
    match feed(&mut t, input, &mut committed, every, rows_hint).and_then(|r| {
        t.commit()?;
        Ok(r)
    }) {
        Ok(r) => Ok(r),
        Err(e) => {
            // Dropping the table would discard them too; rolling back reports a failure.
            t.rollback()
                .with_context(|| format!("cannot roll back {}", dest.display()))?;
            Err(e.context(format!(
                "appending to {} stopped; the table keeps the {} rows of its last commit ({} \
                 of them from this import)",
                dest.display(),
                thousands(committed),
                thousands(committed - before)
            )))
        }
    }
}

/// Appends every batch of `input`, committing every `every` bytes of input; `committed` tracks
/// the table's length at its last commit. Returns the rows appended.
fn feed(
    t: &mut DiskTable,
    input: Input,
    committed: &mut usize,
    every: usize,
    rows_hint: Option<u64>,
) -> Result<u64> {
    let start = t.len();
    let mut since_commit = 0usize;
    let mut add = |t: &mut DiskTable, bytes: usize, progress: &mut Progress| -> Result<()> {
        since_commit += bytes;
        if since_commit >= every {
            t.commit()?;
            *committed = t.len();
            since_commit = 0;
        }
        progress.set((t.len() - start) as u64);
        Ok(())
    };
    match input {
        Input::Arrow(reader) => {
            let mut progress = Progress::new(rows_hint, "importing");
            for b in reader {
                let bytes = append_batch(t, b)?;
                add(t, bytes, &mut progress)?;
            }
            progress.finish();
        }
        Input::Blosc(src) => {
            let mut progress = Progress::new(Some(src.len() as u64), "importing");
            for b in *src {
                let b = b?;
                let bytes = b.iter().map(batch_bytes).sum();
                t.append(b)?;
                add(t, bytes, &mut progress)?;
            }
            progress.finish();
        }
    }
    Ok((t.len() - start) as u64)
}

/// Appends one record batch (or reports the reader's error with its file, line and column).
fn append_batch(
    t: &mut DiskTable,
    b: std::result::Result<RecordBatch, blz::arrow::arrow_schema::ArrowError>,
) -> Result<usize> {
    let bytes = b.as_ref().map_or(0, RecordBatch::get_array_memory_size);
    // `import_batches` unwraps the reader's errors into blz errors (CSV: file, line, column).
    blz::arrow::import_batches(std::iter::once(b), t, |_| {}).map_err(|e| anyhow!(e))?;
    Ok(bytes)
}

/// Bytes of one column batch, for the commit interval.
fn batch_bytes(b: &ColumnBatch) -> usize {
    let n = b.values.len();
    match &b.values {
        Values::Utf8(v) => v.iter().map(String::len).sum::<usize>() + 8 * n,
        Values::Bool(_) | Values::I8(_) | Values::U8(_) => n,
        Values::I16(_) | Values::U16(_) => 2 * n,
        Values::I32(_) | Values::U32(_) | Values::F32(_) => 4 * n,
        _ => 8 * n,
    }
}
