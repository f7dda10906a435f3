//! # blz-capi
//!
//! A C ABI that hands blz tables to any Arrow implementation through the
//! [Arrow C stream interface](https://arrow.apache.org/docs/format/CStreamInterface.html)
//! (`struct ArrowArrayStream`): pyarrow (`pa.RecordBatchReader._import_from_c`), DuckDB,
//! polars, nanoarrow or plain C. Build it with `cargo build --release -p blz-capi`; the library
//! is `libblz_capi.so` (`.dylib`, `.dll`). `examples/pyarrow_ffi.py` drives it from Python.
//!
//! ## Map
//! - [`blz_table_stream`]: the rows of a table on disk (opened read-only).
//! - [`blz_demo_stream`]: a generated table in memory (`id` int64, `x` float64, `label` text
//!   with nulls), for trying a consumer without a table at hand.
//! - [`blz_last_error`]: the message of the last failed call on this thread.
//! - [`BLZ_OK`], [`BLZ_ERR_ARGUMENT`], [`BLZ_ERR_TABLE`], [`BLZ_ERR_PANIC`]: return codes;
//!   [`Error`]: what they stand for, on the Rust side.
//!
//! ## Contract
//! In C:
//! ```c
//! int32_t blz_table_stream(const char *path, struct ArrowArrayStream *out);
//! int32_t blz_demo_stream(uint64_t nrows, struct ArrowArrayStream *out);
//! const char *blz_last_error(void);
//! ```
//! - Both stream functions return [`BLZ_OK`] (0) and move a new stream into `*out`, or return a
//!   nonzero code and write a released stream (`release == NULL`) into `*out` when `out` can be
//!   written, and leave a message for [`blz_last_error`].
//! - `out` must point to memory valid for writing one `ArrowArrayStream` (it may be
//!   uninitialized: its old contents are neither read nor released). A null or misaligned `out`
//!   is an error ([`BLZ_ERR_ARGUMENT`]), never undefined behaviour.
//! - `path` must be null or a nul-terminated string that stays valid during the call. Null and
//!   non-UTF-8 paths are errors ([`BLZ_ERR_ARGUMENT`]); the table is opened read-only, so other
//!   processes may read it and one writer may append meanwhile (the stream sees the table as it
//!   was committed when it was opened).
//! - The consumer owns the stream: it calls `release` once when done (pyarrow does so). The
//!   stream holds the table (and its file mappings) until then, and may be read from any thread,
//!   one thread at a time. It yields batches of at most [`BATCH_ROWS`] rows, decompressed one at
//!   a time, so a large table streams in bounded memory.
//! - No Rust panic crosses the boundary: a panic in a call or while the consumer pulls a batch
//!   becomes an error ([`BLZ_ERR_PANIC`], or the stream's `get_last_error`) and the stream
//!   ends.
//!
//! ## Example
//! The same calls from Rust (the crate is also an `rlib`):
//! ```
//! use std::ffi::CString;
//! use blz::arrow::arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut out = FFI_ArrowArrayStream::empty();
//! // SAFETY: `out` is a valid, aligned stream struct.
//! let rc = unsafe { blz_capi::blz_demo_stream(1000, &mut out) };
//! assert_eq!(rc, blz_capi::BLZ_OK);
//! let rows: usize = ArrowArrayStreamReader::try_new(out)?.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
//! assert_eq!(rows, 1000);
//!
//! let path = CString::new("/no/such/table.blz")?;
//! let mut out = FFI_ArrowArrayStream::empty();
//! // SAFETY: `path` is nul-terminated and `out` is a valid, aligned stream struct.
//! let rc = unsafe { blz_capi::blz_table_stream(path.as_ptr(), &mut out) };
//! assert_eq!(rc, blz_capi::BLZ_ERR_TABLE);
//! assert!(!blz_capi::blz_last_error().is_null());
//! # Ok(())
//! # }
//! ```
//!
//! ## Features
//! - `simd` (default): forwarded to `blz` (SIMD filters in the codec).
#![allow(
    unsafe_code,
    reason = "a C ABI: #[no_mangle] exports that read a C string and write through a caller's pointer"
)]
#![warn(clippy::unwrap_used)]

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use blz::arrow::arrow_array::ffi_stream::FFI_ArrowArrayStream;
use blz::arrow::arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchReader, StringArray,
};
use blz::arrow::arrow_schema::{ArrowError, SchemaRef};
use blz::arrow::{TableBatches, to_ffi_stream};
use blz::{CTable, DiskTable, OpenMode};

mod error;

pub use error::{BLZ_ERR_ARGUMENT, BLZ_ERR_PANIC, BLZ_ERR_TABLE, BLZ_OK, Error, blz_last_error};
use error::{panic_message, set_last_error};

/// Rows per record batch of the streams.
pub const BATCH_ROWS: usize = 65_536;

/// Runs `make` with panics caught, then moves its stream (or, on error, a released stream)
/// into `*out`, records the error and returns the code.
fn export_into(
    out: *mut FFI_ArrowArrayStream,
    make: impl FnOnce() -> Result<FFI_ArrowArrayStream, Error>,
) -> i32 {
    let result = if out.is_null() {
        Err(Error::NullPointer { name: "out" })
    } else if !out.is_aligned() {
        Err(Error::Misaligned {
            name: "out",
            address: out.addr(),
            align: align_of::<FFI_ArrowArrayStream>(),
        })
    } else {
        let result = catch_unwind(AssertUnwindSafe(make)).unwrap_or_else(|payload| {
            Err(Error::Panic {
                message: panic_message(&*payload),
            })
        });
        let (stream, result) = match result {
            Ok(stream) => (stream, Ok(())),
            Err(e) => (FFI_ArrowArrayStream::empty(), Err(e)),
        };
        // SAFETY: `out` is non-null and aligned (checked above), and the contract (crate docs)
        // makes the caller give memory valid for writing one `ArrowArrayStream`. `write` does
        // not read or drop the old contents, which may be uninitialized.
        unsafe { out.write(stream) };
        result
    };
    set_last_error(result.as_ref().err());
    result.map_or_else(|e| e.code(), |()| BLZ_OK)
}

/// A reader that turns a panic of the inner reader into an error and then ends, so that no
/// panic unwinds through the stream's C callbacks.
struct CatchPanics<R> {
    inner: R,
    done: bool,
}

impl<R: RecordBatchReader> Iterator for CatchPanics<R> {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match catch_unwind(AssertUnwindSafe(|| self.inner.next())) {
            Ok(item) => item,
            Err(payload) => {
                self.done = true;
                let e = Error::Panic {
                    message: panic_message(&*payload),
                };
                Some(Err(ArrowError::ExternalError(Box::new(e))))
            }
        }
    }
}

impl<R: RecordBatchReader> RecordBatchReader for CatchPanics<R> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

fn stream_table(table: CTable) -> Result<FFI_ArrowArrayStream, Error> {
    let inner = TableBatches::owned(Arc::new(table), None, BATCH_ROWS)?;
    Ok(to_ffi_stream(CatchPanics { inner, done: false }))
}

/// Moves a stream of all the rows of the blz table in directory `path` into `*out`.
///
/// The table is opened read-only ([`OpenMode::ReadOnly`]) and read batch by batch as the
/// consumer pulls; the stream keeps it open until released. See the crate docs for the
/// contract.
///
/// Returns [`BLZ_OK`], or [`BLZ_ERR_ARGUMENT`] for a null `path`, a non-UTF-8 `path` or a
/// null or misaligned `out`; [`BLZ_ERR_TABLE`] when `path` holds no readable table;
/// [`BLZ_ERR_PANIC`]. The message is in [`blz_last_error`].
///
/// # Safety
/// `path` must be null or point to a nul-terminated string valid for reads during the call;
/// `out` must be null or point to memory valid for writing one `ArrowArrayStream`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn blz_table_stream(
    path: *const c_char,
    out: *mut FFI_ArrowArrayStream,
) -> i32 {
    export_into(out, || {
        if path.is_null() {
            return Err(Error::NullPointer { name: "path" });
        }
        // SAFETY: `path` is non-null (checked above) and, by this function's contract, a
        // nul-terminated string valid for reads during this call; the `CStr` does not outlive it.
        let path = unsafe { CStr::from_ptr(path) };
        let path = path.to_str().map_err(|e| Error::NonUtf8Path {
            valid_up_to: e.valid_up_to(),
        })?;
        // A read-only table holds no lock: its rows, mapped, are all the stream needs.
        stream_table(DiskTable::open(Path::new(path), OpenMode::ReadOnly)?.into_table())
    })
}

/// Moves a stream of a generated in-memory table of `nrows` rows into `*out`: `id` (int64,
/// `0..nrows`), `x` (float64, `id * 0.5`) and `label` (text `"row{id}"`, null where
/// `id % 5 == 4`).
///
/// The table is built (compressed, in memory) before the call returns, so a large `nrows`
/// takes time and memory in proportion.
///
/// Returns [`BLZ_OK`], or [`BLZ_ERR_ARGUMENT`] for a null or misaligned `out` or an `nrows`
/// beyond `usize`; [`BLZ_ERR_TABLE`]; [`BLZ_ERR_PANIC`]. The message is in [`blz_last_error`].
///
/// # Safety
/// `out` must be null or point to memory valid for writing one `ArrowArrayStream`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn blz_demo_stream(nrows: u64, out: *mut FFI_ArrowArrayStream) -> i32 {
    export_into(out, || stream_table(demo_table(nrows)?))
}

/// The table of [`blz_demo_stream`].
fn demo_table(nrows: u64) -> Result<CTable, Error> {
    let n = usize::try_from(nrows).map_err(|_| Error::TooManyRows {
        nrows,
        max: usize::MAX,
    })?;
    let mut table = CTable::new();
    let mut start = 0_usize;
    loop {
        let end = n.min(start.saturating_add(BATCH_ROWS));
        table.append_record_batch(&demo_batch(start..end)?)?;
        if end == n {
            return Ok(table);
        }
        start = end;
    }
}

fn demo_batch(rows: std::ops::Range<usize>) -> Result<RecordBatch, Error> {
    let id: Vec<i64> = rows
        .clone()
        .map(|i| i64::try_from(i).unwrap_or(i64::MAX))
        .collect();
    let x: Float64Array = id.iter().map(|&i| Some(i as f64 * 0.5)).collect();
    let label: StringArray = id
        .iter()
        .map(|&i| (i % 5 != 4).then(|| format!("row{i}")))
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(id)) as ArrayRef),
        ("x", Arc::new(x) as ArrayRef),
        ("label", Arc::new(label) as ArrayRef),
    ])
    .map_err(|source| blz::Error::Arrow {
        context: "building the demo batch".to_owned(),
        source,
    })?;
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use blz::CreateOptions;
    use blz::arrow::arrow_array::Array;
    use blz::arrow::arrow_array::cast::AsArray;
    use blz::arrow::arrow_array::ffi_stream::ArrowArrayStreamReader;
    use blz::arrow::arrow_array::types::{Float64Type, Int64Type};
    use std::ffi::CString;
    use std::mem::MaybeUninit;
    use std::ptr;

    /// Calls `f` on an uninitialized stream struct, as a C caller would, and imports the
    /// result with `ArrowArrayStreamReader::from_raw`.
    fn call(
        f: impl FnOnce(*mut FFI_ArrowArrayStream) -> i32,
    ) -> (i32, Result<Vec<RecordBatch>, ArrowError>) {
        let mut out = MaybeUninit::<FFI_ArrowArrayStream>::uninit();
        let rc = f(out.as_mut_ptr());
        // SAFETY: every call writes `*out` when `out` is non-null and aligned, as here: a
        // stream on success, a released stream on error. `from_raw` moves it out and leaves a
        // released stream behind, which `MaybeUninit` never drops.
        let reader = unsafe { ArrowArrayStreamReader::from_raw(out.as_mut_ptr()) };
        let batches = reader.and_then(|r| r.collect::<Result<Vec<_>, _>>());
        (rc, batches)
    }

    fn last_error() -> Option<String> {
        let p = blz_last_error();
        // SAFETY: a non-null `blz_last_error` is a nul-terminated string valid until the next
        // call on this thread; it is copied at once.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }

    fn table_stream(path: &CStr) -> (i32, Result<Vec<RecordBatch>, ArrowError>) {
        // SAFETY: `path` is nul-terminated and lives across the call; `out` comes from `call`.
        call(|out| unsafe { blz_table_stream(path.as_ptr(), out) })
    }

    #[test]
    fn demo_stream_yields_all_rows_with_nulls() {
        let n = 2 * BATCH_ROWS + 123;
        // SAFETY: `out` comes from `call`: valid and aligned.
        let (rc, batches) = call(|out| unsafe { blz_demo_stream(n as u64, out) });
        assert_eq!(rc, BLZ_OK);
        assert_eq!(last_error(), None);
        let batches = batches.unwrap();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), n);
        assert!(batches.iter().all(|b| b.num_rows() <= BATCH_ROWS));
        let b = &batches[1];
        let id = b.column_by_name("id").unwrap().as_primitive::<Int64Type>();
        let x = b.column_by_name("x").unwrap().as_primitive::<Float64Type>();
        let label = b.column_by_name("label").unwrap().as_string::<i32>();
        let first = i64::try_from(BATCH_ROWS).unwrap();
        assert_eq!(id.value(0), first);
        assert_eq!(x.value(3), (first + 3) as f64 * 0.5);
        assert_eq!(label.value(0), format!("row{first}"));
        let nulls: usize = batches
            .iter()
            .map(|b| b.column_by_name("label").unwrap().null_count())
            .sum();
        assert_eq!(nulls, n / 5);
        assert!(label.is_null(usize::try_from(4 - first % 5).unwrap()));
    }

    #[test]
    fn demo_stream_of_zero_rows_is_empty_with_schema() {
        let mut out = FFI_ArrowArrayStream::empty();
        // SAFETY: `out` is a valid, aligned stream struct.
        let rc = unsafe { blz_demo_stream(0, &mut out) };
        assert_eq!(rc, BLZ_OK);
        let reader = ArrowArrayStreamReader::try_new(out).unwrap();
        let names: Vec<String> = reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["id", "x", "label"]);
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 0);
    }

    #[test]
    fn table_stream_reads_a_table_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.blz");
        let n = BATCH_ROWS + 10;
        {
            let mut t = DiskTable::create(&path, CreateOptions::default()).unwrap();
            t.append_record_batch(&demo_batch(0..n).unwrap()).unwrap();
            t.commit().unwrap();
        }
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        let (rc, batches) = table_stream(&c_path);
        assert_eq!(rc, BLZ_OK, "{:?}", last_error());
        let batches = batches.unwrap();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), n);
        let last = batches.last().unwrap();
        let id = last.column(0).as_primitive::<Int64Type>();
        assert_eq!(id.value(id.len() - 1), i64::try_from(n - 1).unwrap());
        let expected = demo_batch(0..n).unwrap();
        let mut offset = 0;
        for b in &batches {
            assert_eq!(b.columns(), expected.slice(offset, b.num_rows()).columns());
            offset += b.num_rows();
        }
    }

    #[test]
    fn table_stream_of_a_missing_table_is_a_table_error() {
        let (rc, batches) = table_stream(c"/nonexistent/blz-capi-test.blz");
        assert_eq!(rc, BLZ_ERR_TABLE);
        let msg = last_error().unwrap();
        assert!(msg.contains("/nonexistent/blz-capi-test.blz"), "{msg}");
        // The released stream left in `*out` cannot be imported.
        assert!(batches.is_err());
    }

    #[test]
    fn table_stream_rejects_a_non_utf8_path() {
        let (rc, _) = table_stream(c"/tmp/\xff.blz");
        assert_eq!(rc, BLZ_ERR_ARGUMENT);
        assert_eq!(
            last_error().unwrap(),
            "path is not valid UTF-8: invalid byte at offset 5"
        );
    }

    #[test]
    fn null_pointers_are_argument_errors() {
        // SAFETY: null arguments are allowed and rejected.
        let (rc, _) = call(|out| unsafe { blz_table_stream(ptr::null(), out) });
        assert_eq!(rc, BLZ_ERR_ARGUMENT);
        assert_eq!(last_error().unwrap(), "argument path is a null pointer");
        // SAFETY: as above.
        let rc = unsafe { blz_table_stream(c"x".as_ptr(), ptr::null_mut()) };
        assert_eq!(rc, BLZ_ERR_ARGUMENT);
        assert_eq!(last_error().unwrap(), "argument out is a null pointer");
        // SAFETY: as above.
        let rc = unsafe { blz_demo_stream(1, ptr::null_mut()) };
        assert_eq!(rc, BLZ_ERR_ARGUMENT);
        // A success clears the message.
        // SAFETY: `out` comes from `call`.
        let (rc, _) = call(|out| unsafe { blz_demo_stream(1, out) });
        assert_eq!(rc, BLZ_OK);
        assert_eq!(last_error(), None);
    }

    #[test]
    fn misaligned_out_is_an_argument_error() {
        let mut buf = [0u64; 16];
        let out = buf
            .as_mut_ptr()
            .cast::<u8>()
            .wrapping_add(1)
            .cast::<FFI_ArrowArrayStream>();
        // SAFETY: a misaligned `out` is rejected before any write.
        let rc = unsafe { blz_demo_stream(1, out) };
        assert_eq!(rc, BLZ_ERR_ARGUMENT);
        assert!(last_error().unwrap().contains("misaligned"));
        assert_eq!(buf, [0; 16]);
    }

    #[test]
    fn panics_become_errors() {
        let mut out = FFI_ArrowArrayStream::empty();
        let rc = export_into(&mut out, || panic!("boom"));
        assert_eq!(rc, BLZ_ERR_PANIC);
        assert_eq!(last_error().unwrap(), "blz panicked: boom");

        struct Panicky(SchemaRef);
        impl Iterator for Panicky {
            type Item = Result<RecordBatch, ArrowError>;
            fn next(&mut self) -> Option<Self::Item> {
                panic!("in next")
            }
        }
        impl RecordBatchReader for Panicky {
            fn schema(&self) -> SchemaRef {
                self.0.clone()
            }
        }
        let schema = demo_batch(0..1).unwrap().schema();
        let stream = to_ffi_stream(CatchPanics {
            inner: Panicky(schema),
            done: false,
        });
        let mut reader = ArrowArrayStreamReader::try_new(stream).unwrap();
        let err = reader.next().unwrap().unwrap_err();
        assert!(err.to_string().contains("blz panicked: in next"), "{err}");
        assert!(reader.next().is_none());
    }
}
