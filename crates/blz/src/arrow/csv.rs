//! CSV files: a streaming reader with type inference and pandas-like missing values, and a
//! writer.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, BooleanArray, PrimitiveArray, RecordBatch,
    RecordBatchReader, StringArray,
};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit as ArrowUnit};

use super::files::{FileFormat, WriteOptions, check_format, create_output, write_all};
use super::import::to_arrow_error;
use crate::dtype::TimeUnit;
use crate::error::{Error, Result};

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
    /// Rows per record batch. Default 65 536.
    pub batch_rows: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: true,
            delimiter: b',',
            infer_rows: 10_000,
            schema: None,
            null_values: DEFAULT_NULL_VALUES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            nan_is_null: true,
            batch_rows: 1 << 16,
        }
    }
}

impl CsvOptions {
    /// Sets `has_header`.
    pub fn with_header(mut self, on: bool) -> Self {
        self.has_header = on;
        self
    }
    /// Sets `delimiter`.
    pub fn with_delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
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
}

/// A streaming CSV reader yielding typed record batches; see [`open_csv`].
pub struct CsvReader {
    inner: arrow_csv::reader::Reader<File>,
    schema: SchemaRef,
    path: PathBuf,
    nulls: Vec<String>,
    nan_is_null: bool,
    /// Lines before the next batch's first record.
    line: u64,
    done: bool,
}

/// What a field looks like, for inference (ordered so that `max` merges int and float).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Ts,
    Text,
}

fn kind_of(s: &str) -> Kind {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
        Kind::Bool
    } else if t.parse::<i64>().is_ok() {
        Kind::Int
    } else if t.parse::<f64>().is_ok() {
        Kind::Float
    } else if parse_ts(t, TimeUnit::Microsecond).is_some() {
        Kind::Ts
    } else {
        Kind::Text
    }
}

fn merge(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        (Kind::Null, k) | (k, Kind::Null) => k,
        (a, b) if a == b => a,
        (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
        _ => Kind::Text,
    }
}

/// ISO 8601 `YYYY-MM-DD`, `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]`, with an optional `Z` or
/// `+00:00` suffix, as a count of `unit` since the epoch (UTC). `None` if it does not parse
/// or overflows.
fn parse_ts(s: &str, unit: TimeUnit) -> Option<i64> {
    let s = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .unwrap_or(s);
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let (mut secs, mut frac_ns) = (0i64, 0i64);
    if b.len() > 10 {
        if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let mut sec = 0;
        if b.len() > 16 {
            if b[16] != b':' || b.len() < 19 {
                return None;
            }
            sec = num(17..19)?;
            if b.len() > 19 {
                let f = s.get(20..)?;
                if b[19] != b'.' || f.is_empty() || f.len() > 9 {
                    return None;
                }
                frac_ns = num(20..b.len())? * 10i64.pow(u32::try_from(9 - f.len()).ok()?);
            }
        }
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs = (h * 60 + mi) * 60 + sec;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let total_s = days.checked_mul(86_400)?.checked_add(secs)?;
    let (per_s, ns_per) = match unit {
        TimeUnit::Second => (1, 1_000_000_000),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        _ => (1_000_000_000, 1),
    };
    total_s.checked_mul(per_s)?.checked_add(frac_ns / ns_per)
}

fn is_null(nulls: &[String], nan_is_null: bool, text: bool, s: &str) -> bool {
    nulls.iter().any(|n| n == s) || (nan_is_null && !text && (s == "NaN" || s == "nan"))
}

fn arrow_error(path: &Path, e: ArrowError) -> Error {
    Error::Arrow {
        context: format!("reading {}", path.display()),
        source: e,
    }
}

fn csv_format(opts: &CsvOptions) -> arrow_csv::reader::Format {
    arrow_csv::reader::Format::default()
        .with_header(opts.has_header)
        .with_delimiter(opts.delimiter)
}

fn text_reader(
    path: &Path,
    names: &[String],
    opts: &CsvOptions,
) -> Result<arrow_csv::reader::Reader<File>> {
    let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
    let schema = Schema::new(
        names
            .iter()
            .map(|n| Field::new(n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    );
    arrow_csv::ReaderBuilder::new(Arc::new(schema))
        .with_format(csv_format(opts))
        .with_batch_size(opts.batch_rows.max(1))
        .build(file)
        .map_err(|e| arrow_error(path, e))
}

/// Opens a CSV file as a stream of record batches (`opts.batch_rows` rows each); the file is
/// read as the batches are, never whole.
///
/// Types are inferred from the first `opts.infer_rows` data rows (missing values ignored):
/// `true`/`false` (any case) as boolean, integers as `Int64` (a column of integers with
/// missing values stays an integer column with nulls), numbers as `Float64`, ISO 8601 dates
/// and date-times (optional `Z`) as `Timestamp(Microsecond)`, anything else, or a column with
/// no value, as `Utf8`. Missing values are `opts.null_values` (in any column) and `NaN`/`nan`
/// in non-text columns (see [`CsvOptions::nan_is_null`]).
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened; [`Error::FileFormat`] for a Parquet or Arrow
/// file; [`Error::Arrow`] if the header does not read; [`Error::UnsupportedArrowType`] for a
/// schema type the reader does not parse. While reading, a field that does not read as its
/// column's type is an [`Error::Csv`] naming the file, line and column (as
/// `ArrowError::ExternalError`; [`import_batches`](crate::arrow::import_batches) unwraps it).
pub fn open_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<CsvReader> {
    let path = path.as_ref();
    check_format(path, FileFormat::Csv)?;
    if opts.batch_rows == 0 {
        return Err(Error::param("batch_rows", 0, "at least 1"));
    }
    let nulls = opts.null_values.clone();
    let schema = match &opts.schema {
        Some(s) => {
            for f in s.fields() {
                if !supported(f.data_type()) {
                    return Err(super::types::unsupported(f.name(), f.data_type()));
                }
            }
            Arc::clone(s)
        }
        None => {
            let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
            let (header, _) = csv_format(opts)
                .infer_schema(file, Some(1))
                .map_err(|e| arrow_error(path, e))?;
            let names: Vec<String> = header.fields().iter().map(|f| f.name().clone()).collect();
            let mut kinds = vec![Kind::Null; names.len()];
            let mut seen = 0usize;
            for b in text_reader(path, &names, opts)? {
                let b = b.map_err(|e| arrow_error(path, e))?;
                let take = b.num_rows().min(opts.infer_rows - seen);
                for (k, col) in kinds.iter_mut().zip(b.columns()) {
                    let col = col.as_string::<i32>();
                    for i in 0..take {
                        let s = col.value(i);
                        if !col.is_null(i) && !is_null(&nulls, opts.nan_is_null, false, s) {
                            *k = merge(*k, kind_of(s));
                        }
                    }
                }
                seen += take;
                if seen >= opts.infer_rows {
                    break;
                }
            }
            let fields: Vec<Field> = names
                .iter()
                .zip(kinds)
                .map(|(n, k)| {
                    let dt = match k {
                        Kind::Bool => DataType::Boolean,
                        Kind::Int => DataType::Int64,
                        Kind::Float => DataType::Float64,
                        Kind::Ts => DataType::Timestamp(ArrowUnit::Microsecond, None),
                        Kind::Null | Kind::Text => DataType::Utf8,
                    };
                    Field::new(n, dt, true)
                })
                .collect();
            Arc::new(Schema::new(fields))
        }
    };
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    Ok(CsvReader {
        inner: text_reader(path, &names, opts)?,
        schema,
        path: path.to_owned(),
        nulls,
        nan_is_null: opts.nan_is_null,
        line: u64::from(opts.has_header),
        done: false,
    })
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
    /// Typed column `col` of a batch read as text.
    fn convert(&self, field: &Field, col: &StringArray) -> Result<ArrayRef> {
        let text = *field.data_type() == DataType::Utf8;
        let null =
            |i: usize| col.is_null(i) || is_null(&self.nulls, self.nan_is_null, text, col.value(i));
        let valid: Vec<bool> = (0..col.len()).map(|i| !null(i)).collect();
        let nulls = valid
            .iter()
            .any(|&v| !v)
            .then(|| NullBuffer::from(valid.clone()));
        let fail = |i: usize| Error::Csv {
            path: self.path.clone(),
            line: self.line + i as u64 + 1,
            column: field.name().clone(),
            value: col.value(i).to_owned(),
            expected: field.data_type().to_string(),
        };
        macro_rules! prim {
            ($t:ty, $parse:expr) => {{
                let parse = $parse;
                let mut v = Vec::with_capacity(col.len());
                for (i, &ok) in valid.iter().enumerate() {
                    if ok {
                        v.push(parse(col.value(i).trim()).ok_or_else(|| fail(i))?);
                    } else {
                        v.push(<$t as ArrowPrimitiveType>::Native::default());
                    }
                }
                Arc::new(
                    PrimitiveArray::<$t>::new(v.into(), nulls)
                        .with_data_type(field.data_type().clone()),
                ) as ArrayRef
            }};
        }
        fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
            s.parse().ok()
        }
        let ts = |u: TimeUnit| move |s: &str| parse_ts(s, u);
        Ok(match field.data_type() {
            DataType::Utf8 => Arc::new(StringArray::new(
                col.offsets().clone(),
                col.values().clone(),
                nulls,
            )),
            DataType::Boolean => {
                let mut v = Vec::with_capacity(col.len());
                for (i, &ok) in valid.iter().enumerate() {
                    let s = col.value(i).trim();
                    v.push(if !ok {
                        false
                    } else if s.eq_ignore_ascii_case("true") {
                        true
                    } else if s.eq_ignore_ascii_case("false") {
                        false
                    } else {
                        return Err(fail(i));
                    });
                }
                Arc::new(BooleanArray::new(BooleanBuffer::from(v), nulls))
            }
            DataType::Int8 => prim!(Int8Type, num::<i8>),
            DataType::Int16 => prim!(Int16Type, num::<i16>),
            DataType::Int32 => prim!(Int32Type, num::<i32>),
            DataType::Int64 => prim!(Int64Type, num::<i64>),
            DataType::UInt8 => prim!(UInt8Type, num::<u8>),
            DataType::UInt16 => prim!(UInt16Type, num::<u16>),
            DataType::UInt32 => prim!(UInt32Type, num::<u32>),
            DataType::UInt64 => prim!(UInt64Type, num::<u64>),
            DataType::Float32 => prim!(Float32Type, num::<f32>),
            DataType::Float64 => prim!(Float64Type, num::<f64>),
            DataType::Timestamp(ArrowUnit::Second, _) => {
                prim!(TimestampSecondType, ts(TimeUnit::Second))
            }
            DataType::Timestamp(ArrowUnit::Millisecond, _) => {
                prim!(TimestampMillisecondType, ts(TimeUnit::Millisecond))
            }
            DataType::Timestamp(ArrowUnit::Microsecond, _) => {
                prim!(TimestampMicrosecondType, ts(TimeUnit::Microsecond))
            }
            DataType::Timestamp(ArrowUnit::Nanosecond, _) => {
                prim!(TimestampNanosecondType, ts(TimeUnit::Nanosecond))
            }
            DataType::Date32 => prim!(Date32Type, |s: &str| {
                parse_ts(s, TimeUnit::Second)
                    .map(|x| x.div_euclid(86_400))
                    .and_then(|d| i32::try_from(d).ok())
            }),
            DataType::Date64 => prim!(Date64Type, ts(TimeUnit::Millisecond)),
            other => return Err(super::types::unsupported(field.name(), other)),
        })
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let Some(b) = self.inner.next() else {
            return Ok(None);
        };
        let b = b.map_err(|e| arrow_error(&self.path, e))?;
        let cols = self
            .schema
            .fields()
            .iter()
            .zip(b.columns())
            .map(|(f, c)| self.convert(f, c.as_string::<i32>()))
            .collect::<Result<Vec<_>>>()?;
        self.line += b.num_rows() as u64;
        RecordBatch::try_new(Arc::clone(&self.schema), cols)
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
