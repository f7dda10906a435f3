//! Reading data other tools wrote: bcolz carray/ctable directories and python-blosc2
//! contiguous frames (`.b2frame`, `.b2nd`).
//!
//! Each input is a *source*: its [`Schema`], its length, and an iterator of batches (one
//! [`ColumnBatch`] per column, about one input chunk per batch), so an input larger than memory
//! can be streamed into a table on disk. [`read`], [`read_bcolz`] and [`read_b2frame`] collect
//! a whole input into an in-memory [`CTable`].
//!
//! - [`BcolzSource`]: a bcolz carray (one column, named after the directory) or ctable (its
//!   columns, in its order).
//! - [`B2FrameSource`]: a python-blosc2 frame (one column, named after the file stem).
//! - [`Source`], [`detect`], [`detect_bytes`], [`SourceFormat`]: either, recognised by content.
//! - [`ImportError`]: what can be wrong, inside [`Error::Import`].
//!
//! numpy types map to blz types as follows: `bool` -> `bool`; `int8..int64`, `uint8..uint64`,
//! `float32`, `float64` -> the same; `float16` -> `f32` (exact); `datetime64[s|ms|us|ns]` ->
//! `timestamp` in that unit, `datetime64[m|h|D|W]` -> `timestamp[s]` (NaT stays `i64::MIN`);
//! `timedelta64` -> `i64` (a count of its unit); fixed-width `S` (UTF-8 bytes) and `U` -> text,
//! trailing NULs removed. Big-endian dtypes (`>`) are byte-swapped. See `docs/import.md`.
//!
//! ```no_run
//! # fn main() -> blz::Result<()> {
//! let t = blz::import::read("trades.bcolz")?; // or a .b2frame file
//! println!("{t}");
//! # Ok(())
//! # }
//! ```

mod b2frame;
mod bcolz;
mod msgpack;
mod npdtype;

use std::io::Read;
use std::path::Path;

pub use crate::error::ImportError;
pub use b2frame::B2FrameSource;
pub use bcolz::BcolzSource;

use crate::ctable::{CTable, ColumnBatch, Schema};
use crate::error::{Error, Result};

pub(crate) fn fail(path: &Path, kind: ImportError) -> Error {
    Error::Import {
        path: path.to_path_buf(),
        kind,
    }
}

/// The formats [`detect`] recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceFormat {
    /// A bcolz carray or ctable directory.
    Bcolz,
    /// A python-blosc2 contiguous frame.
    B2Frame,
}

/// Recognises an input by its content: a directory with bcolz metadata (`__rootdirs__`, or
/// `meta/sizes` and `meta/storage`), or a file starting with the frame magic (`b2frame`).
/// `None` for anything else, including paths that cannot be read.
pub fn detect(path: impl AsRef<Path>) -> Option<SourceFormat> {
    let path = path.as_ref();
    if path.is_dir() {
        return bcolz::is_bcolz_dir(path).then_some(SourceFormat::Bcolz);
    }
    let mut start = [0u8; 10];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut start))
        .ok()?;
    detect_bytes(&start)
}

/// Recognises a python-blosc2 frame by its first bytes (at least 10; a bcolz input is a
/// directory, never a stream).
pub fn detect_bytes(head: &[u8]) -> Option<SourceFormat> {
    let start = head.get(..10)?;
    (start[0] & 0xf0 == 0x90 && &start[1..] == b2frame::MAGIC).then_some(SourceFormat::B2Frame)
}

/// Either source, chosen by [`detect`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Source {
    /// A bcolz directory.
    Bcolz(BcolzSource),
    /// A python-blosc2 frame.
    B2Frame(B2FrameSource),
}

impl Source {
    /// Opens a bcolz directory or a python-blosc2 frame, whichever `path` holds.
    ///
    /// # Errors
    /// [`Error::Import`] with [`ImportError::NotRecognized`] for anything else, or the errors
    /// of [`BcolzSource::open`] / [`B2FrameSource::open`].
    pub fn open(path: impl AsRef<Path>) -> Result<Source> {
        let path = path.as_ref();
        match detect(path) {
            Some(SourceFormat::Bcolz) => BcolzSource::open(path).map(Source::Bcolz),
            Some(SourceFormat::B2Frame) => B2FrameSource::open(path).map(Source::B2Frame),
            None if !path.exists() => Err(fail(
                path,
                ImportError::Missing {
                    file: path.to_path_buf(),
                },
            )),
            None => Err(fail(path, ImportError::NotRecognized)),
        }
    }

    /// The input's format.
    pub fn format(&self) -> SourceFormat {
        match self {
            Source::Bcolz(_) => SourceFormat::Bcolz,
            Source::B2Frame(_) => SourceFormat::B2Frame,
        }
    }

    /// Names and types of the columns.
    pub fn schema(&self) -> Schema {
        match self {
            Source::Bcolz(s) => s.schema(),
            Source::B2Frame(s) => s.schema(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Source::Bcolz(s) => s.len(),
            Source::B2Frame(s) => s.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for Source {
    type Item = Result<Vec<ColumnBatch>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Source::Bcolz(s) => s.next(),
            Source::B2Frame(s) => s.next(),
        }
    }
}

/// Appends every batch to a new in-memory table with the schema (so an empty input still has
/// its columns).
fn collect(
    schema: &Schema,
    batches: impl Iterator<Item = Result<Vec<ColumnBatch>>>,
) -> Result<CTable> {
    let mut t = CTable::new();
    for f in &schema.fields {
        t.add_empty_column(&f.name, f.ty)?;
    }
    for b in batches {
        t.append(b?)?;
    }
    Ok(t)
}

/// Reads a bcolz directory or a python-blosc2 frame into an in-memory table.
///
/// # Errors
/// As [`Source::open`], and any error met while decoding the chunks.
pub fn read(path: impl AsRef<Path>) -> Result<CTable> {
    let src = Source::open(path)?;
    let schema = src.schema();
    collect(&schema, src)
}

/// Reads a bcolz carray or ctable directory into an in-memory table.
///
/// # Errors
/// As [`BcolzSource::open`], and any error met while decoding the chunks.
pub fn read_bcolz(path: impl AsRef<Path>) -> Result<CTable> {
    let src = BcolzSource::open(path)?;
    let schema = src.schema();
    collect(&schema, src)
}

/// Reads a python-blosc2 frame into an in-memory one-column table.
///
/// # Errors
/// As [`B2FrameSource::open`], and any error met while decoding the chunks.
pub fn read_b2frame(path: impl AsRef<Path>) -> Result<CTable> {
    let src = B2FrameSource::open(path)?;
    let schema = src.schema();
    collect(&schema, src)
}
