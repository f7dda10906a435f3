//! blz -> Arrow: a table (or a query's matches) as a stream of record batches.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::types::UInt32Type;
use arrow_array::{
    ArrayRef, DictionaryArray, RecordBatch, RecordBatchOptions, RecordBatchReader, StringArray,
    UInt32Array,
};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer};
use arrow_schema::{ArrowError, DataType, Field as ArrowField, Schema as ArrowSchema, SchemaRef};

use super::import::to_arrow_error;
use super::types::{ArrowElement, to_arrow_type};
use crate::carray::CArray;
use crate::ctable::{CTable, Column, Data, StrData};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::query::Query;

/// Rows of a column to export: a range, or indices (ascending for speed; any order works).
enum Rows<'a> {
    Range(Range<usize>),
    Take(&'a [usize]),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::Range(r) => r.len(),
            Rows::Take(i) => i.len(),
        }
    }
}

fn fixed<T: Element>(a: &CArray<T>, rows: &Rows<'_>) -> Result<Vec<T>> {
    match rows {
        Rows::Range(r) => a.slice(r.clone()),
        Rows::Take(i) => a.take(i),
    }
}

fn arr<T: ArrowElement>(
    a: &CArray<T>,
    rows: &Rows<'_>,
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef> {
    Ok(T::into_array(fixed(a, rows)?, a.dtype(), nulls))
}

/// Rows of text read at most this many rows at a time (bounds memory for scattered indices).
const TEXT_SPAN: usize = 1 << 16;

/// Text of plain-stored rows, appended to `bytes`/`offsets`.
fn plain_text(
    ends: &CArray<u64>,
    data: &CArray<u8>,
    rows: &Rows<'_>,
    out: &mut TextOut,
) -> Result<()> {
    // Runs of rows whose span is small: one decode of `ends` and `data` per run.
    let idx: Vec<usize> = match rows {
        Rows::Range(r) => {
            let mut s = r.start;
            while s < r.end {
                let e = (s + TEXT_SPAN).min(r.end);
                let ix: Vec<usize> = (s..e).collect();
                plain_run(ends, data, &ix, out)?;
                s = e;
            }
            return Ok(());
        }
        Rows::Take(i) => i.to_vec(),
    };
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && idx[e] >= idx[e - 1] && idx[e] - idx[s] < TEXT_SPAN {
            e += 1;
        }
        plain_run(ends, data, &idx[s..e], out)?;
        s = e;
    }
    Ok(())
}

/// `idx` ascending and spanning fewer than `TEXT_SPAN` rows.
fn plain_run(
    ends: &CArray<u64>,
    data: &CArray<u8>,
    idx: &[usize],
    out: &mut TextOut,
) -> Result<()> {
    let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
        return Ok(());
    };
    let lo = first.saturating_sub(1);
    let e = ends.slice(lo..last + 1)?;
    let start_of = |i: usize| -> u64 { if i == 0 { 0 } else { e[i - 1 - lo] } };
    let base = start_of(first);
    let top = e[last - lo];
    let corrupt = || Error::CorruptChunk {
        chunk: first / ends.chunklen().max(1),
        reason: "text offsets out of order",
    };
    let (b0, b1) = (usize::try_from(base), usize::try_from(top));
    let (Ok(b0), Ok(b1)) = (b0, b1) else {
        return Err(corrupt());
    };
    if b0 > b1 || b1 > data.len() {
        return Err(corrupt());
    }
    let bytes = data.slice(b0..b1)?;
    for &i in idx {
        let (s, t) = (start_of(i), e[i - lo]);
        if s < base || t < s || t > top {
            return Err(corrupt());
        }
        let piece = usize::try_from(s - base)
            .ok()
            .zip(usize::try_from(t - base).ok())
            .and_then(|(s, t)| bytes.get(s..t))
            .ok_or_else(corrupt)?;
        out.push(piece)?;
    }
    Ok(())
}

/// A `Utf8` array under construction.
struct TextOut {
    offsets: Vec<i32>,
    bytes: Vec<u8>,
}

impl TextOut {
    fn new(n: usize) -> Self {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        TextOut {
            offsets,
            bytes: Vec::new(),
        }
    }
    fn push(&mut self, s: &[u8]) -> Result<()> {
        self.bytes.extend_from_slice(s);
        let end = i32::try_from(self.bytes.len()).map_err(|_| {
            Error::param(
                "batch_rows",
                self.offsets.len(),
                "batches holding under 2 GiB of text",
            )
        })?;
        self.offsets.push(end);
        Ok(())
    }
    fn finish(self, nulls: Option<NullBuffer>) -> Result<ArrayRef> {
        // Offsets are built increasing from 0, so `OffsetBuffer::new` cannot panic.
        let offsets = OffsetBuffer::new(self.offsets.into());
        StringArray::try_new(offsets, Buffer::from_vec(self.bytes), nulls)
            .map(|a| Arc::new(a) as ArrayRef)
            .map_err(|e| Error::Arrow {
                context: "building a text column".to_owned(),
                source: e,
            })
    }
}

/// Rows of one column as an Arrow array. `dict`: the column's dictionary as Arrow values when
/// it exports as a `DictionaryArray`.
fn column_array(c: &Column, rows: &Rows<'_>, dict: Option<&ArrayRef>) -> Result<ArrayRef> {
    let nulls = match &c.validity {
        Some(v) => {
            let m = fixed(v, rows)?;
            m.iter().any(|&b| !b).then(|| NullBuffer::from(m))
        }
        None => None,
    };
    match &c.data {
        Data::Bool(a) => arr(a, rows, nulls),
        Data::I8(a) => arr(a, rows, nulls),
        Data::I16(a) => arr(a, rows, nulls),
        Data::I32(a) => arr(a, rows, nulls),
        Data::I64(a) => arr(a, rows, nulls),
        Data::U8(a) => arr(a, rows, nulls),
        Data::U16(a) => arr(a, rows, nulls),
        Data::U32(a) => arr(a, rows, nulls),
        Data::U64(a) => arr(a, rows, nulls),
        Data::F32(a) => arr(a, rows, nulls),
        Data::F64(a) => arr(a, rows, nulls),
        Data::Timestamp(a, _) => arr(a, rows, nulls),
        Data::Utf8(StrData::Dict { values, codes, .. }) => {
            let codes = fixed(codes, rows)?;
            if let Some(d) = dict {
                let keys = UInt32Array::new(codes.into(), nulls);
                return DictionaryArray::<UInt32Type>::try_new(keys, Arc::clone(d))
                    .map(|a| Arc::new(a) as ArrayRef)
                    .map_err(|e| Error::Arrow {
                        context: format!("building dictionary column {:?}", c.name),
                        source: e,
                    });
            }
            let mut out = TextOut::new(codes.len());
            for code in codes {
                let s = values.get(code as usize).ok_or(Error::CorruptChunk {
                    chunk: 0,
                    reason: "dictionary code out of range",
                })?;
                out.push(s.as_bytes())?;
            }
            out.finish(nulls)
        }
        Data::Utf8(StrData::Plain { ends, bytes }) => {
            let mut out = TextOut::new(rows.len());
            plain_text(ends, bytes, rows, &mut out)?;
            out.finish(nulls)
        }
    }
}

/// The table being read, borrowed or shared.
enum TableRef<'t> {
    Borrowed(&'t CTable),
    Owned(Arc<CTable>),
}

impl TableRef<'_> {
    fn get(&self) -> &CTable {
        match self {
            TableRef::Borrowed(t) => t,
            TableRef::Owned(t) => t,
        }
    }
}

/// Where the rows come from.
enum Source<'t> {
    /// All rows, in order.
    Rows { next: usize },
    /// The rows matching a query, found a few chunks at a time.
    Matches {
        query: QueryRef<'t>,
        next_chunk: usize,
        pending: VecDeque<usize>,
        emitted: usize,
        limit: Option<usize>,
    },
}

enum QueryRef<'t> {
    Borrowed(&'t Query<'t>),
    /// Query text, compiled again against the owned table for each refill (compiling is cheap
    /// next to evaluating a chunk, and this keeps the stream free of self-references).
    Text(String),
}

/// A stream of Arrow record batches read from a [`CTable`] (all rows, or a query's matches),
/// `batch_rows` rows at a time: each batch decodes only its own rows, so memory stays bounded
/// whatever the table size. Implements [`RecordBatchReader`], so it feeds the Arrow C stream
/// interface ([`to_ffi_stream`](crate::arrow::to_ffi_stream)) and the file writers.
///
/// Built by [`CTable::record_batches`], [`Query::record_batches`], or, holding an
/// `Arc<CTable>` (`'static`, for threads and FFI), [`TableBatches::owned`] and
/// [`TableBatches::owned_query`]. Errors while reading come as `ArrowError::ExternalError`
/// wrapping the [`Error`].
pub struct TableBatches<'t> {
    table: TableRef<'t>,
    cols: Vec<usize>,
    schema: SchemaRef,
    /// Per selected column: its dictionary as Arrow values when it exports as a dictionary.
    dict: Vec<Option<ArrayRef>>,
    batch_rows: usize,
    src: Source<'t>,
    done: bool,
}

impl CTable {
    /// The Arrow schema of the table as [`CTable::record_batches`] exports it: one field per
    /// column, nullable when the column holds nulls, text as `Utf8`, timestamps in their unit
    /// without a time zone.
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(ArrowSchema::new(
            self.columns.iter().map(field_of).collect::<Vec<_>>(),
        ))
    }

    /// The rows of the table as Arrow record batches of `batch_rows` rows (the last may be
    /// shorter), with the chosen columns (`None`: all) in the order given.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::InvalidParam`] for `batch_rows == 0`.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> blz::Result<()> {
    /// use blz::{CTable, ColumnBatch};
    /// let mut t = CTable::new();
    /// t.append(vec![ColumnBatch::new("x", (0..10).collect::<Vec<i64>>())])?;
    /// let sizes: Vec<usize> = t
    ///     .record_batches(None, 4)?
    ///     .map(|b| b.map(|b| b.num_rows()))
    ///     .collect::<Result<_, _>>()
    ///     .map_err(|e| blz::Error::Arrow { context: "reading".into(), source: e })?;
    /// assert_eq!(sizes, [4, 4, 2]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn record_batches(
        &self,
        columns: Option<&[&str]>,
        batch_rows: usize,
    ) -> Result<TableBatches<'_>> {
        TableBatches::build(
            TableRef::Borrowed(self),
            columns,
            batch_rows,
            Source::Rows { next: 0 },
        )
    }
}

impl<'t> Query<'t> {
    /// The matching rows as Arrow record batches of `batch_rows` rows, with the chosen columns
    /// (`None`: all). Matches are found a few chunks at a time as batches are read, so memory
    /// stays bounded; a [`limit`](Query::limit) is honoured.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::InvalidParam`] for `batch_rows == 0`.
    pub fn record_batches(
        &self,
        columns: Option<&[&str]>,
        batch_rows: usize,
    ) -> Result<TableBatches<'_>> {
        TableBatches::build(
            TableRef::Borrowed(self.table()),
            columns,
            batch_rows,
            Source::Matches {
                query: QueryRef::Borrowed(self),
                next_chunk: 0,
                pending: VecDeque::new(),
                emitted: 0,
                limit: self.row_limit(),
            },
        )
    }
}

fn field_of(c: &Column) -> ArrowField {
    ArrowField::new(
        c.name.clone(),
        to_arrow_type(c.column_type()),
        c.validity.is_some(),
    )
}

impl TableBatches<'static> {
    /// As [`CTable::record_batches`], holding the table: a `'static` stream to send to another
    /// thread or export through [`to_ffi_stream`](crate::arrow::to_ffi_stream).
    ///
    /// # Errors
    /// As [`CTable::record_batches`].
    pub fn owned(
        table: Arc<CTable>,
        columns: Option<&[&str]>,
        batch_rows: usize,
    ) -> Result<TableBatches<'static>> {
        TableBatches::build(
            TableRef::Owned(table),
            columns,
            batch_rows,
            Source::Rows { next: 0 },
        )
    }

    /// As [`Query::record_batches`] for the query `text` over a shared table (`'static`).
    ///
    /// # Errors
    /// The errors of [`CTable::query`] and [`CTable::record_batches`].
    pub fn owned_query(
        table: Arc<CTable>,
        text: &str,
        columns: Option<&[&str]>,
        batch_rows: usize,
    ) -> Result<TableBatches<'static>> {
        table.query(text)?;
        TableBatches::build(
            TableRef::Owned(table),
            columns,
            batch_rows,
            Source::Matches {
                query: QueryRef::Text(text.to_owned()),
                next_chunk: 0,
                pending: VecDeque::new(),
                emitted: 0,
                limit: None,
            },
        )
    }
}

impl<'t> TableBatches<'t> {
    fn build(
        table: TableRef<'t>,
        columns: Option<&[&str]>,
        batch_rows: usize,
        src: Source<'t>,
    ) -> Result<Self> {
        if batch_rows == 0 {
            return Err(Error::param("batch_rows", 0, "at least 1"));
        }
        let t = table.get();
        let cols = match columns {
            Some(names) => names
                .iter()
                .map(|n| t.col_index(n))
                .collect::<Result<Vec<_>>>()?,
            None => (0..t.columns.len()).collect(),
        };
        let schema = Arc::new(ArrowSchema::new(
            cols.iter()
                .map(|&i| field_of(&t.columns[i]))
                .collect::<Vec<_>>(),
        ));
        let dict = vec![None; cols.len()];
        Ok(TableBatches {
            table,
            cols,
            schema,
            dict,
            batch_rows,
            src,
            done: false,
        })
    }

    /// Exports text columns stored as a dictionary (few distinct values) as
    /// `Dictionary(UInt32, Utf8)` arrays sharing one values array, instead of `Utf8`: cheaper
    /// to build and to send. Other columns are unchanged; the schema follows.
    ///
    /// # Errors
    /// [`Error::Arrow`] if the dictionary holds over 2 GiB of text.
    pub fn with_dictionary(mut self, on: bool) -> Result<Self> {
        let t = self.table.get();
        let mut fields = Vec::with_capacity(self.cols.len());
        let mut dict = Vec::with_capacity(self.cols.len());
        for &i in &self.cols {
            let c = &t.columns[i];
            let mut f = field_of(c);
            let mut d = None;
            if let (true, Data::Utf8(StrData::Dict { values, .. })) = (on, &c.data) {
                let mut out = TextOut::new(values.len());
                for v in values {
                    out.push(v.as_bytes())?;
                }
                d = Some(out.finish(None)?);
                f = f.with_data_type(DataType::Dictionary(
                    Box::new(DataType::UInt32),
                    Box::new(DataType::Utf8),
                ));
            }
            fields.push(f);
            dict.push(d);
        }
        self.schema = Arc::new(ArrowSchema::new(fields));
        self.dict = dict;
        Ok(self)
    }

    fn batch(&self, rows: &Rows<'_>) -> Result<RecordBatch> {
        let t = self.table.get();
        let arrays = self
            .cols
            .iter()
            .zip(&self.dict)
            .map(|(&i, d)| column_array(&t.columns[i], rows, d.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let opts = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        RecordBatch::try_new_with_options(Arc::clone(&self.schema), arrays, &opts).map_err(|e| {
            Error::Arrow {
                context: "assembling a record batch".to_owned(),
                source: e,
            }
        })
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let batch_rows = self.batch_rows;
        let t = self.table.get();
        let len = t.len();
        match &mut self.src {
            Source::Rows { next } => {
                if *next >= len {
                    return Ok(None);
                }
                let r = *next..(*next + batch_rows).min(len);
                *next = r.end;
                self.batch(&Rows::Range(r)).map(Some)
            }
            Source::Matches {
                query,
                next_chunk,
                pending,
                emitted,
                limit,
            } => {
                let want = limit.map_or(batch_rows, |l| batch_rows.min(l - *emitted));
                let nchunks = len.div_ceil(t.chunklen().max(1));
                // A few chunks per step keep every thread busy while bounding the pending list.
                let step = rayon::current_num_threads().max(1);
                while pending.len() < want && *next_chunk < nchunks {
                    let end = (*next_chunk + step).min(nchunks);
                    let m = match query {
                        QueryRef::Borrowed(q) => q.chunk_matches(*next_chunk..end)?,
                        QueryRef::Text(s) => t.query(s)?.chunk_matches(*next_chunk..end)?,
                    };
                    pending.extend(m);
                    *next_chunk = end;
                }
                let k = want.min(pending.len());
                if k == 0 {
                    return Ok(None);
                }
                *emitted += k;
                let idx: Vec<usize> = pending.drain(..k).collect();
                self.batch(&Rows::Take(&idx)).map(Some)
            }
        }
    }
}

impl Iterator for TableBatches<'_> {
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

impl RecordBatchReader for TableBatches<'_> {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
