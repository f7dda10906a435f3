//! # blz
//!
//! Compressed in-memory columnar containers over Blosc chunks.
//!
//! Memory is slow next to the CPU, so data kept compressed in RAM can be processed about as fast
//! as raw data while holding several times more of it. A [`CArray<T>`] is one typed column held
//! as independently compressed chunks (Blosc, through [`blosc`]) plus an uncompressed tail that
//! takes appends; it reads, updates and reduces almost like a `Vec<T>`.
//!
//! ## Map
//! - [`CArray`]: the column: build, append, `get`/`slice`/`take`, `set`, iterate, reduce, filter.
//! - [`CArrayOptions`]: chunk length, codec parameters, cache, statistics.
//! - [`ChunkCache`]: the byte-bounded cache of decompressed blocks shared by columns.
//! - [`Element`], [`DType`], [`Timestamp`], [`TimeUnit`]: element types.
//! - [`CTable`]: a table of named, typed columns in memory; [`Query`] filters and reduces it.
//! - [`DiskTable`]: a table in a directory: owns its `CTable` (lent for reads and queries),
//!   the files and the writer lock; explicit `commit` and `rollback`. [`OpenMode`],
//!   [`CreateOptions`], [`verify`].
//! - [`Stats`]: per-chunk statistics; [`Pred`]: predicates they can decide.
//! - [`blosc`]: the codec crate, re-exported.
//!
//! ## Example
//! ```
//! use blz::{CArray, Pred};
//! # fn main() -> blz::Result<()> {
//! let a = CArray::<i64>::try_from_iter(0..2_000_000)?;
//! assert_eq!(a.sum()?, 1_999_999 * 2_000_000 / 2);
//! assert_eq!(a.count_where(Pred::Lt(10))?, 10);
//! assert_eq!(a.take(&[5, 1_500_000, 3])?, vec![5, 1_500_000, 3]);
//! println!("{a}");
//! # Ok(())
//! # }
//! ```
//!
//! ## Features
//! - `simd` (default): forwarded to `blz-blosc` (SIMD filters, LZ4 wide copies).
//! - `arrow`: the [`arrow`] module (record batches, the C stream interface, CSV
//!   and Arrow IPC files); `parquet` adds Parquet files.
#![deny(unsafe_code)]
#![warn(clippy::unwrap_used)]

#[cfg(feature = "arrow")]
pub mod arrow;
mod cache;
mod carray;
mod chunk;
mod ctable;
mod dtype;
mod error;
pub mod import;
pub mod query;
mod stats;
mod storage;
mod wide;

pub use blz_blosc as blosc;
pub use cache::{CacheStats, ChunkCache, DEFAULT_CACHE_BYTES};
pub use carray::{
    Blocks, CArray, CArrayOptions, DEFAULT_BLOCK_BYTES, DEFAULT_MIN_SAVING, Iter, Pred,
    default_chunklen,
};
pub use ctable::{
    AppendRows, CTable, ColumnBatch, ColumnSlice, ColumnType, Field, Schema, Value, Values,
    ValuesRef,
};
pub use dtype::{DType, Element, TimeUnit, Timestamp};
pub use error::{Error, Result};
pub use query::{
    Agg, BinOp, Expr, Literal, MAX_DEPTH, ParseError, Query, Rows, Select, Span, UnOp, parse,
};
pub use stats::Stats;
pub use storage::{
    CreateOptions, DiskTable, MIN_TABLE_CHUNKLEN, OpenMode, TableLock, VerifyReport, move_table,
    remove_stale_staging, verify,
};

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
