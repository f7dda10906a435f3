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

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk mapped from a file whose mapping hands pages back (`release_pages`), its bytes
    /// `data`.
    fn mapped(dir: &std::path::Path, data: &[u8]) -> ChunkBytes {
        let path = dir.join("c0.data");
        std::fs::write(&path, data).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        let map = MappedFile::map(&f, data.len() as u64, &path, Arc::from(dir), true).unwrap();
        let h = xxhash_rust::xxh3::xxh3_64(data);
        ChunkBytes::Mapped(Arc::new(MappedChunk::new(
            map,
            0,
            data.len(),
            h,
            Arc::from("x/data"),
            false,
        )))
    }

    #[test]
    fn only_reads_once_hand_pages_back_and_only_when_they_end() {
        let d = tempfile::tempdir().unwrap();
        let c = mapped(d.path(), &[7u8; 1000]);
        let m = c.mapped().unwrap();
        {
            let r = c.read(0, Access::Random).unwrap();
            assert_eq!(&r[..3], [7, 7, 7]);
        }
        assert_eq!(m.file.pending(), 0, "a random read keeps the pages");
        let r = c.read(0, Access::Once).unwrap();
        assert_eq!(r.len(), 1000);
        assert_eq!(m.file.pending(), 0, "pages stay while the read runs");
        drop(r);
        assert_eq!(m.file.pending(), 1000, "handed back when it ends");
    }

    #[test]
    fn damaged_mapped_chunk_is_a_checksum_error_whatever_the_access() {
        let d = tempfile::tempdir().unwrap();
        let c = mapped(d.path(), &[1u8; 64]);
        let ChunkBytes::Mapped(m) = &c else {
            unreachable!()
        };
        let bad = ChunkBytes::Mapped(Arc::new(MappedChunk::new(
            Arc::clone(&m.file),
            0,
            64,
            m.xxh3 ^ 1,
            Arc::from("x/data"),
            false,
        )));
        for a in [Access::Random, Access::Once] {
            assert!(matches!(
                bad.read(3, a),
                Err(Error::Checksum { chunk: 3, .. })
            ));
        }
        assert_eq!(m.file.pending(), 0);
        let owned = ChunkBytes::Owned(Arc::new(vec![1, 2, 3]));
        assert_eq!(&*owned.read(0, Access::Once).unwrap(), [1, 2, 3]);
    }
}
