//! Arrow interop (feature `arrow`; Parquet with feature `parquet`): move data between blz
//! tables and the Arrow world (pyarrow, polars, DuckDB, Parquet / CSV / Arrow IPC files).
//!
//! - Types: [`to_arrow_type`] / [`from_arrow_type`] (see docs/arrow.md for the full table).
//!   `Timestamp(unit, tz)` keeps its unit and drops the time zone (values are UTC instants);
//!   `Date32`/`Date64` import as `timestamp[s]`/`timestamp[ms]`; `Utf8`, `LargeUtf8`,
//!   `Utf8View` and dictionaries of text import as a text column. Nulls map to the column's
//!   validity. Any other type is an [`Error::UnsupportedArrowType`](crate::Error::UnsupportedArrowType) naming the column.
//! - Arrays: [`CArray::to_arrow`](crate::CArray::to_arrow) and
//!   [`CArray::from_arrow`](crate::CArray::from_arrow).
//! - Tables: [`CTable::append_record_batch`](crate::CTable::append_record_batch), [`CTable::from_record_batches`](crate::CTable::from_record_batches),
//!   [`CTable::arrow_schema`](crate::CTable::arrow_schema), and the bounded-memory streams [`CTable::record_batches`](crate::CTable::record_batches) and
//!   [`Query::record_batches`](crate::Query::record_batches) ([`TableBatches`], a
//!   `RecordBatchReader`; [`TableBatches::owned`] holds an `Arc<CTable>`).
//! - The Arrow C stream interface: [`to_ffi_stream`].
//! - Files, streamed batch by batch: [`open_csv`], [`open_ipc`], `open_parquet`, [`open`]
//!   (format from magic bytes and extension, [`FileFormat`]), [`import_batches`], and
//!   [`export_csv`], [`export_ipc`], [`export_ipc_stream`], `export_parquet`, [`export`], and
//!   [`export_to_writer`] (any `Write`: standard output, a pipe).
//! - The Arrow crates, re-exported so users need not pin their versions:
//!   [`arrow_array`], [`arrow_schema`], [`arrow_buffer`], [`arrow_data`], [`arrow_ipc`],
//!   [`arrow_csv`] (and `parquet`).
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use blz::arrow::arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
//! use blz::CTable;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef),
//!     ("sym", Arc::new(StringArray::from(vec!["a", "b", "a"])) as ArrayRef),
//! ])?;
//! let table = CTable::from_record_batches([&batch])?;
//! assert_eq!(table.len(), 3);
//!
//! // Back to Arrow, two rows at a time, only the rows matching a query.
//! let q = table.query("sym == 'a'")?;
//! let out: Vec<RecordBatch> = q.record_batches(Some(&["id"]), 2)?.collect::<Result<_, _>>()?;
//! assert_eq!(out[0].num_rows(), 2);
//!
//! // The whole table, through the Arrow C stream interface (as pyarrow or DuckDB take it).
//! let stream = blz::arrow::TableBatches::owned(Arc::new(table), None, 1024)?;
//! let ffi = blz::arrow::to_ffi_stream(stream);
//! let back = blz::arrow::arrow_array::ffi_stream::ArrowArrayStreamReader::try_new(ffi)?;
//! let batches: Vec<RecordBatch> = back.collect::<Result<_, _>>()?;
//! assert_eq!(batches[0].columns(), batch.columns());
//! # Ok(())
//! # }
//! ```

mod csv;
mod export;
mod files;
mod import;
mod types;

pub use arrow_array;
pub use arrow_buffer;
pub use arrow_csv;
pub use arrow_data;
pub use arrow_ipc;
pub use arrow_schema;
#[cfg(feature = "parquet")]
pub use parquet;

use arrow_array::RecordBatchReader;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;

pub use csv::{
    CsvOptions, CsvProblem, CsvReader, DEFAULT_NULL_VALUES, export_csv, open_csv, open_csv_reader,
};
pub use export::TableBatches;
pub use files::{
    FileFormat, WriteOptions, export, export_ipc, export_ipc_stream, export_to_writer, open,
    open_ipc, open_ipc_reader,
};
#[cfg(feature = "parquet")]
pub use files::{export_parquet, open_parquet};
pub use import::import_batches;
pub use types::{ArrowElement, from_arrow_type, to_arrow_type};

/// Exports a stream of record batches through the Arrow C stream interface
/// (`ArrowArrayStream`), for pyarrow (`RecordBatchReader._import_from_c`), DuckDB, polars or
/// any other Arrow implementation. The consumer pulls batches one at a time; errors reach it
/// as the stream's last error message.
///
/// Give it a `'static` reader, such as [`TableBatches::owned`].
pub fn to_ffi_stream(reader: impl RecordBatchReader + Send + 'static) -> FFI_ArrowArrayStream {
    FFI_ArrowArrayStream::new(Box::new(reader))
}
