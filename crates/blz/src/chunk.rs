//! The bytes of one compressed chunk: owned (built in this process) or mapped from a table's
//! data file (read through mmap, checked against its checksum the first time it is used).

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::error::{Error, Result};
use crate::storage::MappedFile;

/// A compressed chunk's bytes.
#[derive(Clone)]
pub(crate) enum ChunkBytes {
    /// Compressed in this process, held in memory.
    Owned(Arc<Vec<u8>>),
    /// A committed region of a data file.
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
    /// The bytes checked for integrity: always for owned chunks, against the stored checksum
    /// for mapped ones. `chunk` is the chunk's index, for the error.
    pub(crate) fn checked(&self, chunk: usize) -> Result<&[u8]> {
        match self {
            ChunkBytes::Owned(v) => Ok(v),
            ChunkBytes::Mapped(m) => m.checked(chunk),
        }
    }

    /// Tells the OS the mapped pages of this chunk are not needed soon (out-of-core scans), so
    /// they leave this process's resident set; a no-op for owned chunks.
    pub(crate) fn release(&self) {
        if let ChunkBytes::Mapped(m) = self {
            m.file.release(m.offset, m.len);
        }
    }

    /// The mapped location, if this chunk lives in a data file.
    pub(crate) fn mapped(&self) -> Option<&MappedChunk> {
        match self {
            ChunkBytes::Owned(_) => None,
            ChunkBytes::Mapped(m) => Some(m),
        }
    }
}

impl Deref for ChunkBytes {
    type Target = [u8];
    /// The raw bytes, unchecked (sizes and headers only; decode through [`ChunkBytes::checked`]).
    fn deref(&self) -> &[u8] {
        match self {
            ChunkBytes::Owned(v) => v,
            ChunkBytes::Mapped(m) => m.bytes(),
        }
    }
}
