//! Read-only memory maps of the committed part of a table's data files: the type the chunk
//! bytes point into. The storage layer creates them ([`MappedFile::map`]) and decides their
//! page policy; reads hand pages back through [`Access::Once`](super::Access::Once).
//!
//! The only unsafe code of the `blz` crate. Invariants relied on:
//! 1. blz never writes, truncates or deletes bytes below a data file's committed length while a
//!    table is open: data files are append-only, a writer truncates only bytes past the committed
//!    end (garbage of a crashed commit), and a map covers at most the committed length.
//! 2. Other programs changing a table's files while it is open are outside blz's contract (as
//!    for any database file); the per-chunk checksums turn such changes into errors, not wrong
//!    data, as long as the file is not shortened under the map.

#![allow(
    unsafe_code,
    reason = "memmap2 maps files only through unsafe calls; see the invariants above"
)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use memmap2::{Mmap, MmapOptions, UncheckedAdvice};

use crate::error::{Error, Result};

/// The committed prefix of one data file, mapped read-only.
pub(crate) struct MappedFile {
    map: Option<Mmap>,
    path: PathBuf,
    table: Arc<Path>,
    /// Whether scans hand pages back to the OS after use (tables bigger than the cache).
    release_pages: bool,
    /// Bytes handed back by readers since the pages were last dropped.
    pending: AtomicUsize,
}

/// Pages are dropped once per this many bytes handed back: each `madvise` costs a TLB
/// shootdown on every core (about 40 us here), too much per 40 KiB chunk; the resident set
/// grows by at most this much (plus the chunks in flight) between drops.
const RELEASE_BATCH: usize = 8 << 20;

impl MappedFile {
    /// Maps the first `len` bytes of `file` (nothing for `len == 0`).
    pub(crate) fn map(
        file: &File,
        len: u64,
        path: &Path,
        table: Arc<Path>,
        release_pages: bool,
    ) -> Result<Arc<MappedFile>> {
        let map = if len == 0 {
            None
        } else {
            let n = usize::try_from(len)
                .map_err(|_| Error::param("data file length", len, "below the address space"))?;
            // SAFETY: the region [0, len) is committed data that blz never changes while the
            // table is open (invariant 1); changes by other programs are outside the contract
            // and caught by checksums (invariant 2).
            let m = unsafe { MmapOptions::new().len(n).map(file) }
                .map_err(|e| Error::io(path, "map", e))?;
            Some(m)
        };
        Ok(Arc::new(MappedFile {
            map,
            path: path.to_path_buf(),
            table,
            release_pages,
            pending: AtomicUsize::new(0),
        }))
    }

    /// The mapped bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// The data file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The table directory.
    pub(crate) fn table(&self) -> &Path {
        &self.table
    }

    /// Hands back the pages of `[offset, offset + len)` (a chunk read whole) when the table is
    /// bigger than the cache: after every [`RELEASE_BATCH`] bytes handed back, the whole map is
    /// dropped from this process's resident set. The file is unchanged; the kernel may keep the
    /// pages in its page cache, and a later read faults them back in.
    pub(crate) fn release(&self, _offset: usize, len: usize) {
        let Some(m) = &self.map else { return };
        if !self.release_pages {
            return;
        }
        if self.pending.fetch_add(len, Ordering::Relaxed) + len < RELEASE_BATCH {
            return;
        }
        self.pending.store(0, Ordering::Relaxed);
        // SAFETY: MADV_DONTNEED on a read-only, shared file mapping only drops this process's
        // page-table entries: later reads (by any thread, also ones reading the map right now)
        // fault the file's bytes back in, and they did not change (invariant 1).
        let _ = unsafe { m.unchecked_advise_range(UncheckedAdvice::DontNeed, 0, m.len()) };
    }

    /// Bytes handed back since the pages were last dropped (tests).
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }
}
