//! Tables on disk: a directory with a checksummed JSON manifest, one append-only data file per
//! column part holding Blosc chunks back to back, and a small side file per commit holding the
//! uncompressed tails and text dictionaries. See docs/format.md.
//!
//! Commit protocol: new chunks are appended to the data files and synced; the side file is
//! written and synced; the manifest is written to `manifest.json.tmp`, synced, and renamed over
//! `manifest.json`; the directory is synced. A crash at any point leaves the previous manifest,
//! and everything it names, intact. Bytes past a data file's committed length are garbage of an
//! interrupted commit: readers ignore them and the next writer truncates them.
//!
//! A table on disk is a [`DiskTable`]: it owns the in-memory [`CTable`](crate::CTable) (lent
//! for every read), the directory's files and the writer lock; changes become durable at its
//! `commit`, and dropping it discards what was not committed.
//!
//! Layers: this module creates the mappings of the data files ([`crate::chunk`] holds the
//! mapping type the chunks point into) and builds `CTable`s over them; nothing below it
//! (chunks, arrays, tables in memory, queries) knows the disk format.
//!
//! ```
//! use blz::{ColumnBatch, CreateOptions, DiskTable, OpenMode};
//! # fn main() -> blz::Result<()> {
//! let dir = std::env::temp_dir().join(format!("blz-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! let mut t = DiskTable::create(&dir, CreateOptions::default())?;
//! t.append(vec![ColumnBatch::new("x", (0..100_000).collect::<Vec<i64>>())])?;
//! t.commit()?;
//! drop(t);
//! let t = DiskTable::open(&dir, OpenMode::ReadOnly)?;
//! assert_eq!(t.query("x >= 99990")?.count()?, 10);
//! assert!(blz::verify(&dir)?.problems.is_empty());
//! # drop(t);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

mod array;
mod file;
mod load;
mod manifest;
mod place;
mod save;
mod table;
mod verify;
mod write;

use std::path::Path;

pub use place::{TableLock, move_table, remove_stale_staging};
pub use table::{DiskTable, MIN_TABLE_CHUNKLEN};

use crate::carray::CArrayOptions;
use crate::error::Result;

/// How [`DiskTable::open`] opens a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenMode {
    /// Read through mmap; any number of processes and threads at once, next to one writer.
    /// Sees the table as it was committed when it was opened.
    ReadOnly,
    /// Read and append (and change columns); takes the table's writer lock. Changes become
    /// durable at [`DiskTable::commit`]; dropping the table discards those not committed.
    Append,
}

/// Options of [`DiskTable::create`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CreateOptions {
    /// Options of the table's columns (chunk length, codec, cache). Default as
    /// [`CTable::new`](crate::CTable::new).
    pub column: Option<CArrayOptions>,
    /// Replace an existing table (or use an existing empty directory). Default false: creating
    /// where anything exists is an error. Never replaces a directory that is not a blz table.
    pub overwrite: bool,
}

impl CreateOptions {
    /// Sets `overwrite`.
    pub fn with_overwrite(mut self, on: bool) -> Self {
        self.overwrite = on;
        self
    }

    /// Sets the column options.
    pub fn with_column_options(mut self, opts: CArrayOptions) -> Self {
        self.column = Some(opts);
        self
    }
}

/// What [`verify`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Rows of the table.
    pub rows: u64,
    /// Columns of the table.
    pub columns: usize,
    /// Chunks checked (checksum and full decompression).
    pub chunks: u64,
    /// Compressed bytes checked.
    pub bytes: u64,
    /// Every problem found, naming column, part and chunk; empty for a sound table.
    pub problems: Vec<String>,
}

/// Checks a table on disk: the manifest, every chunk's checksum and decompression, tails and
/// dictionaries, and that the sizes add up. Problems in chunks are collected rather than
/// stopping at the first.
///
/// # Errors
/// When the table cannot be opened at all (no table, a damaged manifest, a missing file).
pub fn verify(path: impl AsRef<Path>) -> Result<VerifyReport> {
    verify::verify(path.as_ref())
}
