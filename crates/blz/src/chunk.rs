//! The bytes of one compressed chunk: owned (built in this process) or mapped from a file
//! (read through mmap, checked against its checksum the first time it is used), and how a
//! read says what it will do with them ([`Access`]).
//!
//! The bottom of the read path: it knows a mapping ([`MappedFile`], in `chunk/map.rs`) but
//! not the disk format; the storage layer creates the mappings and hands them down.

mod map;

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::{Error, Result};
pub(crate) use map::MappedFile;

/// How a read uses a chunk's bytes: the one hook through which the array states its access
/// pattern, so the bytes' owner (a mapping, for a table on disk) can manage its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Parts of the chunk that may be read again soon (an element, a gather, a range): the
    /// pages stay.
    Random,
    /// The chunk read through once (a scan, a reduction, a whole-chunk decode, a block decoded
    /// into the cache): when the read ends, the pages may leave this process's resident set.
    Once,
}

/// A chunk's bytes lent for one read, checked; ends the read as its [`Access`] says when
/// dropped.
pub(crate) struct ChunkRead<'a> {
    bytes: &'a [u8],
    /// The mapping to hand pages back to when the read ends (`Access::Once` on a mapped chunk).
    done: Option<&'a MappedChunk>,
}

impl Deref for ChunkRead<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes
    }
}

impl Drop for ChunkRead<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.done {
            // Advice only: the mapping's policy decides whether pages go (tables bigger than
            // the cache) and batches the calls.
            m.file.release(m.offset, m.len);
        }
    }
}

/// A compressed chunk's bytes.
#[derive(Clone)]
pub(crate) enum ChunkBytes {
    /// Compressed in this process, held in memory.
    Owned(Arc<Vec<u8>>),
    /// A region of a mapped file (a committed region of a table's data file).
    Mapped(Arc<MappedChunk>),
}

/// Where a mapped chunk lives, and whether its checksum was checked yet.
pub(crate) struct MappedChunk {
    pub(crate) file: Arc<MappedFile>,
    pub(crate) offset: usize,
    pub(crate) len: usize,
    pub(crate) xxh3: u64,
    /// What to name in errors: the column (and part) this chunk belongs to.
    pub(crate) column: Arc<str>,
    /// 0 unchecked, 1 good, 2 bad.
    state: AtomicU8,
}

impl MappedChunk {
    pub(crate) fn new(
        file: Arc<MappedFile>,
        offset: usize,
        len: usize,
        xxh3: u64,
        column: Arc<str>,
        verified: bool,
    ) -> Self {
        MappedChunk {
            file,
            offset,
            len,
            xxh3,
            column,
            state: AtomicU8::new(u8::from(verified)),
        }
    }

    fn bytes(&self) -> &[u8] {
        // In range: checked against the mapped length when the table was opened.
        self.file
            .bytes()
            .get(self.offset..self.offset + self.len)
            .unwrap_or(&[])
    }

    /// The bytes, after checking the checksum (once; later calls reuse the answer).
    fn checked(&self, chunk: usize) -> Result<&[u8]> {
        let b = self.bytes();
        let ok = match self.state.load(Ordering::Acquire) {
            1 => true,
            2 => false,
            _ => {
                let ok = b.len() == self.len && xxhash_rust::xxh3::xxh3_64(b) == self.xxh3;
                self.state.store(if ok { 1 } else { 2 }, Ordering::Release);
                ok
            }
        };
        if ok {
            Ok(b)
        } else {
            Err(Error::Checksum {
                table: self.file.table().to_path_buf(),
                column: self.column.to_string(),
                chunk,
                file: self.file.path().to_path_buf(),
            })
        }
    }
}

impl ChunkBytes {
    /// The bytes for one read, checked for integrity (always good for owned chunks, against
    /// the stored checksum for mapped ones); `chunk` is the chunk's index, for the error.
    /// `access` says how the read uses them: with [`Access::Once`], a mapped chunk's pages are
    /// handed back when the returned guard drops.
    pub(crate) fn read(&self, chunk: usize, access: Access) -> Result<ChunkRead<'_>> {
        match self {
            ChunkBytes::Owned(v) => Ok(ChunkRead {
                bytes: v,
                done: None,
            }),
            ChunkBytes::Mapped(m) => Ok(ChunkRead {
                bytes: m.checked(chunk)?,
                done: (access == Access::Once).then_some(&**m),
            }),
        }
    }

    /// The mapped location, if this chunk lives in a mapped file.
    pub(crate) fn mapped(&self) -> Option<&MappedChunk> {
        match self {
            ChunkBytes::Owned(_) => None,
            ChunkBytes::Mapped(m) => Some(m),
        }
    }
}

impl Deref for ChunkBytes {
    type Target = [u8];
    /// The raw bytes, unchecked (sizes and headers only; decode through [`ChunkBytes::read`]).
    fn deref(&self) -> &[u8] {
        match self {
            ChunkBytes::Owned(v) => v,
            ChunkBytes::Mapped(m) => m.bytes(),
        }
    }
}
