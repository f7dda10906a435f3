//! CSV files: a streaming reader with type inference and pandas-like missing values, and a
//! writer.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchOptions, RecordBatchReader, StringArray};
use arrow_buffer::{ArrowNativeType, Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use super::files::{FileFormat, WriteOptions, create_output, write_all};
use super::import::to_arrow_error;
use crate::error::{Error, Result};

mod convert;
mod infer;
mod split;

use convert::{convert, is_null};
use infer::{Infer, sniff_delimiter};
pub use split::CsvProblem;
use split::{Splitter, TextBatch};

/// The fields read as null by default, in every column: the empty field, `NA`, `N/A`, `NULL`
/// and `null` (pandas' and pyarrow's common markers). `NaN`/`nan` are also null in non-text
/// columns, see [`CsvOptions::nan_is_null`].
pub const DEFAULT_NULL_VALUES: &[&str] = &["", "NA", "N/A", "NULL", "null"];

/// How to read a CSV file.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CsvOptions {
    /// Whether the first line names the columns. Default true (else columns are `column_1`...).
    pub has_header: bool,
    /// Field separator. Default `b','`.
    pub delimiter: u8,
    /// Whether to pick the delimiter from the input when `delimiter` is not set explicitly:
    /// a `.tsv`/`.tab` file is tab-separated, and a header line with no `delimiter` but tabs or
    /// semicolons is split at those. Default true; [`CsvOptions::with_delimiter`] turns it off.
    pub auto_delimiter: bool,
    /// Data rows read to infer the column types. Default 10 000. A later field that does not
    /// fit the inferred type is an error naming its line and column: raise this, or give a
    /// `schema`.
    pub infer_rows: usize,
    /// Column names and types to use instead of inference (the header line, if any, is
    /// skipped). Types: boolean, integers, floats, timestamps, `Date32`/`Date64`, `Utf8`.
    pub schema: Option<SchemaRef>,
    /// Fields read as null in every column (exact match). Default [`DEFAULT_NULL_VALUES`].
    pub null_values: Vec<String>,
    /// Whether `NaN` and `nan` are null in non-text columns (as pandas reads them). Default
    /// true; when false they read as a float NaN. In a text column they are always the text
    /// `"NaN"`, as pyarrow keeps them.
    pub nan_is_null: bool,
    /// Rows per record batch at most. Default 65 536.
    pub batch_rows: usize,
    /// Bytes of a record batch, about (text read, its offsets and typed values): a wide file
    /// gets fewer rows per batch than `batch_rows`, so memory follows the data, not the column
    /// count. Default 32 MiB.
    pub batch_bytes: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: true,
            delimiter: b',',
            auto_delimiter: true,
            infer_rows: 10_000,
            schema: None,
            null_values: DEFAULT_NULL_VALUES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            nan_is_null: true,
            batch_rows: 1 << 16,
            batch_bytes: 32 << 20,
        }
    }
}

impl CsvOptions {
    /// Sets `has_header`.
    pub fn with_header(mut self, on: bool) -> Self {
        self.has_header = on;
        self
    }
    /// Sets `delimiter` (and turns `auto_delimiter` off).
    pub fn with_delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self.auto_delimiter = false;
        self
    }
    /// Sets `infer_rows`.
    pub fn with_infer_rows(mut self, n: usize) -> Self {
        self.infer_rows = n;
        self
    }
    /// Sets an explicit `schema`.
    pub fn with_schema(mut self, schema: SchemaRef) -> Self {
        self.schema = Some(schema);
        self
    }
    /// Replaces `null_values`.
    pub fn with_null_values<S: Into<String>>(mut self, v: impl IntoIterator<Item = S>) -> Self {
        self.null_values = v.into_iter().map(Into::into).collect();
        self
    }
    /// Sets `nan_is_null`.
    pub fn with_nan_is_null(mut self, on: bool) -> Self {
        self.nan_is_null = on;
        self
    }
    /// Sets `batch_rows`.
    pub fn with_batch_rows(mut self, n: usize) -> Self {
        self.batch_rows = n;
        self
    }
    /// Sets `batch_bytes`.
    pub fn with_batch_bytes(mut self, n: usize) -> Self {
        self.batch_bytes = n;
        self
    }
}

/// A streaming CSV reader yielding typed record batches; see [`open_csv`].
pub struct CsvReader {
    split: Splitter<Box<dyn BufRead + Send>>,
    schema: SchemaRef,
    path: PathBuf,
    nulls: Vec<String>,
    nan_is_null: bool,
    /// Batches read for inference, not yet yielded.
    pending: VecDeque<TextBatch>,
    batch_rows: usize,
    batch_bytes: usize,
    /// Whether a batch was yielded (a file without rows yields one empty batch).
    yielded: bool,
    done: bool,
}

fn arrow_error(path: &Path, e: ArrowError) -> Error {
    Error::Arrow {
        context: format!("reading {}", path.display()),
        source: e,
    }
}

fn record_error(path: &Path, line: u64, problem: CsvProblem) -> Error {
    Error::CsvRecord {
        path: path.to_owned(),
        line,
        problem,
    }
}

/// Opens a CSV file as a stream of record batches; the file is read as the batches are, never
/// whole, and only once (so a named pipe or `/dev/stdin` reads whole too).
///
/// With [`CsvOptions::auto_delimiter`] (the default), a `.tsv` or `.tab` file is read with
/// tabs; see [`open_csv_reader`] for the rest.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened; [`Error::FileFormat`] for a Parquet or Arrow
/// file; the errors of [`open_csv_reader`].
pub fn open_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<CsvReader> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let mut opts = opts.clone();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if opts.auto_delimiter && matches!(ext.as_deref(), Some("tsv" | "tab")) {
        opts.delimiter = b'\t';
        opts.auto_delimiter = false;
    }
    open_csv_reader(file, path, &opts)
}

/// Reads the start of `input` (up to the end of its first line, at most 64 KiB) and gives it
/// back with a reader of the whole input: the bytes read are kept, not lost.
fn read_head(
    mut input: Box<dyn Read + Send>,
    label: &Path,
) -> Result<(Vec<u8>, Box<dyn BufRead + Send>)> {
    let mut head = Vec::new();
    let mut buf = [0u8; 8192];
    while head.len() < (64 << 10) && !head.contains(&b'\n') {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(label, "read", e)),
        }
    }
    let rest = std::io::Cursor::new(head.clone()).chain(input);
    Ok((head, Box::new(BufReader::with_capacity(1 << 16, rest))))
}

/// Reads CSV text from any reader (standard input, a pipe, a socket, a file) as a stream of
/// record batches; `label` names it in errors. Nothing is read twice: the records read to
/// infer the types are kept and yielded first.
///
/// Types are inferred from the first `opts.infer_rows` data rows (at most 64 MiB of them;
/// missing values ignored): `true`/`false` (any case) as boolean; integers as `Int64`, or
/// `UInt64` when some exceed `Int64` and none is negative (a column of integers with missing
/// values stays an integer column with nulls); numbers as `Float64`; ISO 8601 dates and
/// date-times (optional `Z`) as `Timestamp(Microsecond)`; anything else, or a column with no
/// value, as `Utf8`. Integers that fit no integer type, or that an `f64` column would round
/// (beyond 2^53), are an error rather than rounded; so is a date-like field that names no
/// date (`2024-02-30`). Missing values are `opts.null_values` (in any column) and `NaN`/`nan`
/// in non-text columns (see [`CsvOptions::nan_is_null`]).
///
/// A file with a header and no rows yields one empty batch (so its columns are created).
///
/// # Errors
/// [`Error::Io`] if the input cannot be read; [`Error::CsvRecord`] for an empty input, an
/// unclosed quote (at the line it opens), a record with the wrong number of fields, text that
/// is not UTF-8, or integers no type holds; [`Error::Csv`] for a date-like field that names no
/// date; [`Error::UnsupportedArrowType`] for a schema type the reader does not parse;
/// [`Error::InvalidParam`] for `batch_rows` or `batch_bytes` 0. While reading, a field that
/// does not read as its column's type is an [`Error::Csv`] naming the file, line and column
/// (as `ArrowError::ExternalError`; [`import_batches`](crate::arrow::import_batches) unwraps
/// it), and so are the structural errors above.
pub fn open_csv_reader(
    input: impl Read + Send + 'static,
    label: impl AsRef<Path>,
    opts: &CsvOptions,
) -> Result<CsvReader> {
    let path = label.as_ref();
    if opts.batch_rows == 0 {
        return Err(Error::param("batch_rows", 0, "at least 1"));
    }
    if opts.batch_bytes == 0 {
        return Err(Error::param("batch_bytes", 0, "at least 1"));
    }
    if let Some(s) = &opts.schema {
        for f in s.fields() {
            if !supported(f.data_type()) {
                return Err(super::types::unsupported(f.name(), f.data_type()));
            }
        }
    }
    let (mut head, input) = read_head(Box::new(input), path)?;
    if head.starts_with(b"PAR1") || head.starts_with(b"ARROW1") || head.starts_with(&[0xFF; 4]) {
        head.truncate(8);
        let found = FileFormat::sniff_bytes(&head);
        return Err(super::files::mismatch(path, FileFormat::Csv, found));
    }
    let mut delim = opts.delimiter;
    if opts.auto_delimiter
        && let Some(d) = sniff_delimiter(&head, delim)
    {
        delim = d;
    }
    let mut input = input;
    // A UTF-8 byte order mark is not part of the first name.
    if head.starts_with(b"\xEF\xBB\xBF") {
        // The head is read again first, so the buffer holds at least these 3 bytes.
        input.fill_buf().map_err(|e| Error::io(path, "read", e))?;
        input.consume(3);
    }
    let mut r = CsvReader {
        split: Splitter::new(input, delim),
        schema: Arc::new(Schema::empty()),
        path: path.to_owned(),
        nulls: opts.null_values.clone(),
        nan_is_null: opts.nan_is_null,
        pending: VecDeque::new(),
        batch_rows: opts.batch_rows,
        batch_bytes: opts.batch_bytes,
        yielded: false,
        done: false,
    };
    // The first record: the header, or the first row (which then names `column_1`...).
    let first = match r.split.next_record() {
        Ok(Some(rec)) => {
            let fields: Vec<String> = (0..rec.len())
                .map(|i| String::from_utf8_lossy(rec.field(i)).into_owned())
                .collect();
            let mut row = None;
            if !opts.has_header {
                let mut b = TextBatch::new(rec.len());
                b.push(&rec)
                    .map_err(|_| record_error(path, rec.line, CsvProblem::Empty))?;
                row = Some(b);
            }
            (fields, row)
        }
        Ok(None) => return Err(record_error(path, 1, CsvProblem::Empty)),
        Err((line, p)) => return Err(record_error(path, line, p)),
    };
    let (header, first_row) = first;
    let nfields = header.len();
    let names: Vec<String> = match &opts.schema {
        Some(s) => s.fields().iter().map(|f| f.name().clone()).collect(),
        None if opts.has_header => header,
        None => (1..=header.len()).map(|i| format!("column_{i}")).collect(),
    };
    let ncols = names.len();
    if nfields != ncols {
        return Err(record_error(
            path,
            1,
            CsvProblem::FieldCount {
                expected: ncols,
                got: nfields,
            },
        ));
    }
    r.schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    // Read the sample (every batch of it is kept for replay).
    let mut sample = first_row.unwrap_or_else(|| TextBatch::new(ncols));
    let (mut rows, mut bytes) = (sample.rows(), sample.bytes);
    let infer = opts.schema.is_none();
    let (infer_rows, infer_bytes) = if infer {
        (opts.infer_rows, 64 << 20)
    } else {
        (0, 0)
    };
    while rows < infer_rows && bytes < infer_bytes {
        if sample.rows() >= rows_per_batch(opts, bytes, rows, ncols)
            || sample.bytes >= opts.batch_bytes
        {
            r.pending
                .push_back(std::mem::replace(&mut sample, TextBatch::new(ncols)));
        }
        let before = sample.bytes;
        if !r.read_record(&mut sample)? {
            break;
        }
        rows += 1;
        bytes += sample.bytes - before;
    }
    r.pending.push_back(sample);
    if let Some(s) = &opts.schema {
        r.schema = Arc::clone(s);
    } else {
        r.schema = r.infer_schema(&names, infer_rows)?;
    }
    r.batch_rows = rows_per_batch(opts, bytes, rows, ncols);
    Ok(r)
}

/// Rows per batch so that a batch holds about `batch_bytes` (text, offsets and the typed
/// values), from the `bytes` that `rows` records took so far: a wide file gets few rows per
/// batch, a narrow one many.
fn rows_per_batch(opts: &CsvOptions, bytes: usize, rows: usize, ncols: usize) -> usize {
    let per_row = bytes.checked_div(rows).unwrap_or(0) + 8 * ncols + 8;
    opts.batch_rows.min((opts.batch_bytes / per_row).max(1))
}

fn supported(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Timestamp(_, _)
            | DataType::Date32
            | DataType::Date64
            | DataType::Utf8
    )
}

impl CsvReader {
    /// Rows per record batch: `CsvOptions::batch_rows`, or fewer so that a batch of a wide file
    /// holds about `CsvOptions::batch_bytes` (estimated from the rows read to infer the types).
    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    /// The same reader with other column names and types (as many columns as it has): the
    /// fields read so far and later are read as those. For a file whose inferred types should
    /// give way to known ones, e.g. a table's when appending to it.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for another number of columns; [`Error::UnsupportedArrowType`]
    /// for a type the reader does not parse.
    pub fn with_schema(mut self, schema: SchemaRef) -> Result<Self> {
        if schema.fields().len() != self.schema.fields().len() {
            return Err(Error::param(
                "schema",
                format!(
                    "{} columns for a file of {}",
                    schema.fields().len(),
                    self.schema.fields().len()
                ),
                "as many columns as the file",
            ));
        }
        for f in schema.fields() {
            if !supported(f.data_type()) {
                return Err(super::types::unsupported(f.name(), f.data_type()));
            }
        }
        self.schema = schema;
        Ok(self)
    }

    /// Reads one record into `b`; false at the end of the input.
    fn read_record(&mut self, b: &mut TextBatch) -> Result<bool> {
        let path = &self.path;
        match self.split.next_record() {
            Ok(Some(rec)) => {
                if rec.len() != b.cols.len() {
                    return Err(record_error(
                        path,
                        rec.line,
                        CsvProblem::FieldCount {
                            expected: b.cols.len(),
                            got: rec.len(),
                        },
                    ));
                }
                let line = rec.line;
                b.push(&rec).map_err(|i| {
                    record_error(
                        path,
                        line,
                        CsvProblem::FieldTooLong {
                            column: self.schema.field(i).name().clone(),
                        },
                    )
                })?;
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err((line, p)) => Err(record_error(path, line, p)),
        }
    }

    /// The types of the columns from the sampled batches.
    fn infer_schema(&self, names: &[String], infer_rows: usize) -> Result<SchemaRef> {
        let mut kinds = vec![Infer::default(); names.len()];
        let mut seen = 0usize;
        for b in &self.pending {
            let take = b.rows().min(infer_rows - seen);
            for (c, k) in kinds.iter_mut().enumerate() {
                let col = self.text_column(b, c)?;
                for i in 0..take {
                    let s = col.value(i);
                    if !is_null(&self.nulls, self.nan_is_null, false, s) {
                        k.add(s, b.lines[i]);
                    }
                }
            }
            seen += take;
        }
        let mut fields = Vec::with_capacity(names.len());
        for (n, k) in names.iter().zip(&kinds) {
            let dt = k
                .data_type(n)
                .map_err(|(line, value, problem)| match problem {
                    Some(p) => record_error(&self.path, line, p),
                    None => Error::Csv {
                        path: self.path.clone(),
                        line,
                        column: n.clone(),
                        value,
                        expected: "a date or date-time that exists".to_owned(),
                    },
                })?;
            fields.push(Field::new(n, dt, true));
        }
        Ok(Arc::new(Schema::new(fields)))
    }

    /// Column `c` of a text batch as a string array (checked to be UTF-8).
    fn text_column(&self, b: &TextBatch, c: usize) -> Result<StringArray> {
        let (offsets, values) = &b.cols[c];
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets.clone()));
        let values = Buffer::from(values.clone());
        StringArray::try_new(offsets.clone(), values.clone(), None).map_err(|_| {
            // Find the first field that is not UTF-8, for its line.
            let row = offsets
                .windows(2)
                .position(|w| {
                    let (a, z) = (w[0].as_usize(), w[1].as_usize());
                    std::str::from_utf8(&values[a..z]).is_err()
                })
                .unwrap_or(0);
            record_error(
                &self.path,
                b.lines.get(row).copied().unwrap_or(0),
                CsvProblem::InvalidUtf8 {
                    column: self.schema.field(c).name().clone(),
                },
            )
        })
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let ncols = self.schema.fields().len();
        let mut b = self
            .pending
            .pop_front()
            .unwrap_or_else(|| TextBatch::new(ncols));
        if b.rows() == 0 {
            while b.rows() < self.batch_rows && b.bytes < self.batch_bytes {
                if !self.read_record(&mut b)? {
                    break;
                }
            }
        }
        if b.rows() == 0 && self.yielded {
            return Ok(None);
        }
        self.yielded = true;
        let mut cols = Vec::with_capacity(b.cols.len());
        for (c, f) in self.schema.fields().iter().enumerate() {
            let text = self.text_column(&b, c)?;
            cols.push(convert(
                f,
                &text,
                &b.lines,
                &self.path,
                &self.nulls,
                self.nan_is_null,
            )?);
        }
        let opts = RecordBatchOptions::new().with_row_count(Some(b.rows()));
        RecordBatch::try_new_with_options(Arc::clone(&self.schema), cols, &opts)
            .map(Some)
            .map_err(|e| arrow_error(&self.path, e))
    }
}

impl Iterator for CsvReader {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(to_arrow_error(e)))
            }
        }
    }
}

impl RecordBatchReader for CsvReader {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

/// Writes a stream of record batches as a CSV file with a header line; returns the rows
/// written. Nulls are written as empty fields (so empty strings read back as nulls, as with
/// pandas), float NaN as `NaN` (read back as null by default), timestamps as ISO 8601.
///
/// # Errors
/// [`Error::AlreadyExists`] when the file exists and `opts.overwrite` is false; [`Error::Io`];
/// [`Error::Arrow`] for a batch the CSV writer rejects; the reader's errors.
pub fn export_csv(
    reader: impl RecordBatchReader,
    path: impl AsRef<Path>,
    opts: &WriteOptions,
) -> Result<u64> {
    let path = path.as_ref();
    write_csv(reader, create_output(path, opts)?, path)
}

/// [`export_csv`] into any writer; `label` names it in errors.
pub(crate) fn write_csv(
    reader: impl RecordBatchReader,
    out: impl std::io::Write,
    label: &Path,
) -> Result<u64> {
    let mut w = arrow_csv::WriterBuilder::new()
        .with_header(true)
        .build(std::io::BufWriter::new(out));
    let rows = write_all(reader, label, |b| w.write(b))?;
    let mut inner = w.into_inner();
    std::io::Write::flush(&mut inner).map_err(|e| Error::io(label, "write", e))?;
    Ok(rows)
}
