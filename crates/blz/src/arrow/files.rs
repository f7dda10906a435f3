//! File formats: detection, Parquet and Arrow IPC readers and writers, shared output helpers.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::ArrowError;

use super::csv::{CsvOptions, open_csv, write_csv};
use super::import::{from_arrow_error, to_arrow_error};
use crate::error::{Error, Result};

mod ipc;

/// Runs `f`, turning a panic inside it (a dependency's reader on a malformed file) into an
/// error naming the file, so a bad input never takes the process down.
pub(crate) fn guard<T>(label: &Path, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        Error::Arrow {
            context: format!("reading {}", label.display()),
            source: ArrowError::ExternalError(
                format!("the file is malformed (the reader failed: {what})").into(),
            ),
        }
    })
}

/// A record batch reader whose every step runs under [`guard`].
#[cfg(feature = "parquet")]
struct Guarded {
    inner: Box<dyn RecordBatchReader + Send>,
    label: std::path::PathBuf,
    done: bool,
}

#[cfg(feature = "parquet")]
impl Iterator for Guarded {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let inner = &mut self.inner;
        let item = match guard(&self.label, || inner.next()) {
            Ok(item) => item,
            Err(e) => Some(Err(to_arrow_error(e))),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

#[cfg(feature = "parquet")]
impl RecordBatchReader for Guarded {
    fn schema(&self) -> arrow_schema::SchemaRef {
        self.inner.schema()
    }
}

/// A file format blz reads and writes through Arrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileFormat {
    /// Comma-separated values (`.csv`; `.tsv` is read with the delimiter the options give).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`; magic `PAR1`). Needs the `parquet` feature.
    Parquet,
    /// Arrow IPC file format (`.arrow`, `.ipc`, `.feather`; magic `ARROW1`).
    Ipc,
    /// Arrow IPC stream format (`.arrows`; starts with `0xFFFFFFFF`).
    IpcStream,
}

impl FileFormat {
    /// The format a file name's extension names (case-insensitive), if any.
    pub fn from_extension(path: impl AsRef<Path>) -> Option<FileFormat> {
        let ext = path.as_ref().extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "tsv" | "txt" => FileFormat::Csv,
            "parquet" | "pq" => FileFormat::Parquet,
            "arrow" | "ipc" | "feather" => FileFormat::Ipc,
            "arrows" => FileFormat::IpcStream,
            _ => return None,
        })
    }

    /// The format the first bytes of a file show: Parquet, an Arrow IPC file or stream;
    /// `None` for anything else (text).
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read.
    pub fn sniff(path: impl AsRef<Path>) -> Result<Option<FileFormat>> {
        let path = path.as_ref();
        let mut head = [0u8; 8];
        let mut f = File::open(path).map_err(|e| Error::io(path, "open", e))?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(path, "read", e)),
            }
        }
        Ok(FileFormat::sniff_bytes(&head[..n]))
    }

    /// The format a file's first bytes show (see [`FileFormat::sniff`]).
    pub fn sniff_bytes(head: &[u8]) -> Option<FileFormat> {
        if head.starts_with(b"PAR1") {
            Some(FileFormat::Parquet)
        } else if head.starts_with(b"ARROW1") {
            Some(FileFormat::Ipc)
        } else if head.starts_with(&[0xFF, 0xFF, 0xFF, 0xFF]) {
            Some(FileFormat::IpcStream)
        } else {
            None
        }
    }

    /// The format of an existing file: its magic bytes, checked against its extension (an
    /// unknown extension takes the bytes' word; text with no known extension is CSV).
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::FileFormat`] when the bytes contradict the extension.
    pub fn detect(path: impl AsRef<Path>) -> Result<FileFormat> {
        let path = path.as_ref();
        match (FileFormat::from_extension(path), FileFormat::sniff(path)?) {
            (Some(ext), Some(found)) if ext != found => Err(mismatch(path, ext, Some(found))),
            (Some(ext), None) if ext != FileFormat::Csv => Err(mismatch(path, ext, None)),
            (_, Some(found)) => Ok(found),
            (Some(ext), None) => Ok(ext),
            (None, None) => Ok(FileFormat::Csv),
        }
    }

    /// A short name: `csv`, `parquet`, `arrow ipc`, `arrow ipc stream`.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
            FileFormat::Ipc => "arrow ipc",
            FileFormat::IpcStream => "arrow ipc stream",
        }
    }
}

pub(crate) fn mismatch(path: &Path, expected: FileFormat, found: Option<FileFormat>) -> Error {
    Error::FileFormat {
        path: path.to_owned(),
        expected: expected.name(),
        found: found.map_or("text (not a parquet or arrow file)", FileFormat::name),
    }
}

/// Checks that the file's first bytes fit `want` (for a reader of that format).
pub(crate) fn check_format(path: &Path, want: FileFormat) -> Result<()> {
    let found = FileFormat::sniff(path)?;
    let ok = match want {
        FileFormat::Csv => found.is_none(),
        FileFormat::Ipc => matches!(found, Some(FileFormat::Ipc | FileFormat::IpcStream)),
        w => found == Some(w),
    };
    if ok {
        Ok(())
    } else {
        Err(mismatch(path, want, found))
    }
}

/// How to write an output file.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Replace an existing file. Default false: an existing file is an error.
    pub overwrite: bool,
}

impl WriteOptions {
    /// Sets `overwrite`.
    pub fn with_overwrite(mut self, on: bool) -> Self {
        self.overwrite = on;
        self
    }
}

pub(crate) fn create_output(path: &Path, opts: &WriteOptions) -> Result<File> {
    let mut o = OpenOptions::new();
    o.write(true);
    if opts.overwrite {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    o.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::AlreadyExists {
                path: path.to_owned(),
            }
        } else {
            Error::io(path, "create", e)
        }
    })
}

/// Feeds every batch of `reader` to `write`; returns the rows written.
pub(crate) fn write_all(
    reader: impl RecordBatchReader,
    path: &Path,
    mut write: impl FnMut(&RecordBatch) -> std::result::Result<(), ArrowError>,
) -> Result<u64> {
    let mut rows = 0u64;
    for b in reader {
        let b = b.map_err(|e| from_arrow_error(e, "reading a record batch to export"))?;
        write(&b).map_err(|e| from_arrow_error(e, format!("writing {}", path.display())))?;
        rows += b.num_rows() as u64;
    }
    Ok(rows)
}

/// Opens an Arrow IPC file (or IPC stream) as a stream of record batches. Every length the
/// file declares is checked against the file before anything is allocated, and no malformed
/// file makes the reader panic (see the `ipc` module): a bad file is an error naming it.
///
/// # Errors
/// [`Error::Io`]; [`Error::FileFormat`] when the file is not Arrow IPC; [`Error::Arrow`] if its
/// schema does not decode (later, for a batch that does not, or a truncated file).
pub fn open_ipc(path: impl AsRef<Path>) -> Result<Box<dyn RecordBatchReader + Send>> {
    let path = path.as_ref();
    check_format(path, FileFormat::Ipc)?;
    let mut f = BufReader::new(File::open(path).map_err(|e| Error::io(path, "open", e))?);
    let file = FileFormat::sniff(path)? == Some(FileFormat::Ipc);
    if file {
        // The file magic, padded to 8 bytes; the stream format follows.
        let mut magic = [0u8; 8];
        f.read_exact(&mut magic)
            .map_err(|e| Error::io(path, "read", e))?;
        // Writers may pad further to their alignment (arrow-rs to 64 bytes): zero words, which
        // no message starts with.
        for _ in 0..7 {
            let buf = f.fill_buf().map_err(|e| Error::io(path, "read", e))?;
            if buf.len() < 8 || buf[..8] != [0; 8] {
                break;
            }
            f.consume(8);
        }
    }
    Ok(Box::new(ipc::IpcReader::new(f, path, file)?))
}

/// Reads an Arrow IPC *stream* from any reader (standard input, a pipe); `label` names it in
/// errors. Checked as [`open_ipc`] checks a file.
///
/// # Errors
/// [`Error::Io`]; [`Error::Arrow`] if the schema message does not decode.
pub fn open_ipc_reader(
    input: impl Read + Send + 'static,
    label: impl AsRef<Path>,
) -> Result<Box<dyn RecordBatchReader + Send>> {
    let r = ipc::IpcReader::new(BufReader::new(input), label.as_ref(), false)?;
    Ok(Box::new(r))
}

/// Writes a stream of record batches as an Arrow IPC file (uncompressed, `ARROW1`); returns
/// the rows written.
///
/// # Errors
/// [`Error::AlreadyExists`] unless `opts.overwrite`; [`Error::Io`]; [`Error::Arrow`].
pub fn export_ipc(
    reader: impl RecordBatchReader,
    path: impl AsRef<Path>,
    opts: &WriteOptions,
) -> Result<u64> {
    let path = path.as_ref();
    write_ipc(reader, create_output(path, opts)?, path)
}

/// [`export_ipc`] into any writer; `label` names it in errors.
fn write_ipc(reader: impl RecordBatchReader, out: impl Write, label: &Path) -> Result<u64> {
    let ctx = || format!("writing {}", label.display());
    let mut w = arrow_ipc::writer::FileWriter::try_new(BufWriter::new(out), &reader.schema())
        .map_err(|e| from_arrow_error(e, ctx()))?;
    let rows = write_all(reader, label, |b| w.write(b))?;
    w.finish().map_err(|e| from_arrow_error(e, ctx()))?;
    Ok(rows)
}

/// Writes a stream of record batches in the Arrow IPC *stream* format (`.arrows`: schema, then
/// batches, then an end-of-stream marker; no footer, so readers can consume it as it is
/// written); returns the rows written.
///
/// # Errors
/// [`Error::AlreadyExists`] unless `opts.overwrite`; [`Error::Io`]; [`Error::Arrow`].
pub fn export_ipc_stream(
    reader: impl RecordBatchReader,
    path: impl AsRef<Path>,
    opts: &WriteOptions,
) -> Result<u64> {
    let path = path.as_ref();
    write_ipc_stream(reader, create_output(path, opts)?, path)
}

/// [`export_ipc_stream`] into any writer; `label` names it in errors.
fn write_ipc_stream(reader: impl RecordBatchReader, out: impl Write, label: &Path) -> Result<u64> {
    let ctx = || format!("writing {}", label.display());
    let mut w = arrow_ipc::writer::StreamWriter::try_new(BufWriter::new(out), &reader.schema())
        .map_err(|e| from_arrow_error(e, ctx()))?;
    let rows = write_all(reader, label, |b| w.write(b))?;
    w.finish().map_err(|e| from_arrow_error(e, ctx()))?;
    Ok(rows)
}

#[cfg(feature = "parquet")]
fn parquet_error(path: &Path, verb: &str, e: parquet::errors::ParquetError) -> Error {
    Error::Parquet {
        context: format!("{verb} {}", path.display()),
        source: e,
    }
}

/// Opens a Parquet file as a stream of record batches of `batch_rows` rows; row groups are
/// read as the batches are. A malformed file is an error naming it, never a panic.
///
/// # Errors
/// [`Error::Io`]; [`Error::FileFormat`] when the file is not Parquet; [`Error::Parquet`] if its
/// footer does not decode.
#[cfg(feature = "parquet")]
pub fn open_parquet(
    path: impl AsRef<Path>,
    batch_rows: usize,
) -> Result<Box<dyn RecordBatchReader + Send>> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let path = path.as_ref();
    check_format(path, FileFormat::Parquet)?;
    let f = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let r = guard(path, || {
        ParquetRecordBatchReaderBuilder::try_new(f)?
            .with_batch_size(batch_rows.max(1))
            .build()
    })?
    .map_err(|e| parquet_error(path, "reading", e))?;
    Ok(Box::new(Guarded {
        inner: Box::new(r),
        label: path.to_owned(),
        done: false,
    }))
}

/// Writes a stream of record batches as a Parquet file (zstd), returns the rows written.
///
/// # Errors
/// [`Error::AlreadyExists`] unless `opts.overwrite`; [`Error::Io`]; [`Error::Parquet`].
#[cfg(feature = "parquet")]
pub fn export_parquet(
    reader: impl RecordBatchReader,
    path: impl AsRef<Path>,
    opts: &WriteOptions,
) -> Result<u64> {
    let path = path.as_ref();
    write_parquet(reader, create_output(path, opts)?, path)
}

/// [`export_parquet`] into any writer; `label` names it in errors.
#[cfg(feature = "parquet")]
fn write_parquet(
    reader: impl RecordBatchReader,
    out: impl Write + Send,
    label: &Path,
) -> Result<u64> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut w = ArrowWriter::try_new(BufWriter::new(out), reader.schema(), Some(props))
        .map_err(|e| parquet_error(label, "writing", e))?;
    let mut rows = 0u64;
    for b in reader {
        let b = b.map_err(|e| from_arrow_error(e, "reading a record batch to export"))?;
        w.write(&b)
            .map_err(|e| parquet_error(label, "writing", e))?;
        rows += b.num_rows() as u64;
    }
    let mut out = w
        .into_inner()
        .map_err(|e| parquet_error(label, "writing", e))?;
    out.flush().map_err(|e| Error::io(label, "write", e))?;
    Ok(rows)
}

/// Opens a data file of any supported format, detected with [`FileFormat::detect`]; `csv`
/// gives the CSV options and the batch size of every format.
///
/// # Errors
/// [`Error::FileFormat`] for contents that contradict the extension, or Parquet without the
/// `parquet` feature; the errors of the format's reader.
pub fn open(path: impl AsRef<Path>, csv: &CsvOptions) -> Result<Box<dyn RecordBatchReader + Send>> {
    let path = path.as_ref();
    match FileFormat::detect(path)? {
        FileFormat::Csv => Ok(Box::new(open_csv(path, csv)?)),
        FileFormat::Ipc | FileFormat::IpcStream => open_ipc(path),
        #[cfg(feature = "parquet")]
        FileFormat::Parquet => open_parquet(path, csv.batch_rows),
        #[cfg(not(feature = "parquet"))]
        FileFormat::Parquet => Err(no_parquet(path)),
    }
}

/// Writes a stream of record batches in `format`; returns the rows written.
///
/// # Errors
/// As the format's writer; [`Error::FileFormat`] for Parquet without the `parquet` feature.
pub fn export(
    reader: impl RecordBatchReader,
    path: impl AsRef<Path>,
    format: FileFormat,
    opts: &WriteOptions,
) -> Result<u64> {
    let path = path.as_ref();
    #[cfg(not(feature = "parquet"))]
    if matches!(format, FileFormat::Parquet) {
        // Refused before the file is created.
        return Err(no_parquet(path));
    }
    write_to(reader, create_output(path, opts)?, format, path)
}

/// Writes a stream of record batches in `format` to any writer (standard output, a pipe, a
/// socket, a `Vec<u8>`), buffered; returns the rows written. `label` names the destination in
/// errors. Every format needs only `Write`: the IPC file and Parquet footers are written last.
///
/// ```
/// use std::sync::Arc;
/// use blz::CTable;
/// use blz::arrow::arrow_array::{ArrayRef, Float64Array, RecordBatch};
/// use blz::arrow::{FileFormat, export_to_writer};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let batch = RecordBatch::try_from_iter([(
///     "x",
///     Arc::new(Float64Array::from(vec![1.5, 2.5, 3.5])) as ArrayRef,
/// )])?;
/// let t = CTable::from_record_batches([&batch])?;
/// let mut out = Vec::new();
/// let batches = t.record_batches(None, 1024)?;
/// let rows = export_to_writer(batches, &mut out, FileFormat::IpcStream, "memory")?;
/// assert_eq!(rows, 3);
/// assert_eq!(out[..4], [0xFF; 4]); // an IPC stream's continuation marker
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`export`] (but never [`Error::AlreadyExists`]); I/O errors name `label`.
pub fn export_to_writer(
    reader: impl RecordBatchReader,
    out: impl Write + Send,
    format: FileFormat,
    label: &str,
) -> Result<u64> {
    write_to(reader, out, format, Path::new(label))
}

/// The error for Parquet in a build without the `parquet` feature.
#[cfg(not(feature = "parquet"))]
fn no_parquet(label: &Path) -> Error {
    Error::FileFormat {
        path: label.to_owned(),
        expected: "csv or arrow ipc (parquet needs the `parquet` feature)",
        found: "parquet",
    }
}

/// [`export_to_writer`] with the destination named by `label`.
fn write_to(
    reader: impl RecordBatchReader,
    out: impl Write + Send,
    format: FileFormat,
    label: &Path,
) -> Result<u64> {
    match format {
        FileFormat::Csv => write_csv(reader, out, label),
        FileFormat::Ipc => write_ipc(reader, out, label),
        FileFormat::IpcStream => write_ipc_stream(reader, out, label),
        #[cfg(feature = "parquet")]
        FileFormat::Parquet => write_parquet(reader, out, label),
        #[cfg(not(feature = "parquet"))]
        FileFormat::Parquet => Err(no_parquet(label)),
    }
}
