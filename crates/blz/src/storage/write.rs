//! Appending to data files and writing side files, with the syncs the commit protocol needs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::file::{create_fresh, open_regular};
use super::manifest::{BlobRec, hex};
use crate::error::{Error, Result};

/// A data file open for appending chunks.
pub(crate) struct DataFile {
    name: String,
    path: PathBuf,
    file: File,
    /// Where the next chunk goes (past the committed end and any chunks of this commit).
    end: u64,
    /// Bytes written since the last sync.
    unsynced: bool,
}

impl DataFile {
    /// Opens (creating if needed) `dir/name`, dropping any bytes past `committed` (garbage of
    /// an interrupted commit).
    pub(crate) fn open(dir: &Path, name: &str, committed: u64) -> Result<DataFile> {
        let path = dir.join(name);
        let file = open_regular(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(&path, "stat", e))?
            .len();
        if len < committed {
            return Err(Error::table(
                &path,
                format!(
                    "data file holds {len} bytes, the manifest commits {committed}: the file was truncated"
                ),
            ));
        }
        if len > committed {
            file.set_len(committed)
                .map_err(|e| Error::io(&path, "truncate", e))?;
        }
        Ok(DataFile {
            name: name.to_owned(),
            path,
            file,
            end: committed,
            unsynced: len > committed,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Bytes in the file once this commit's chunks are written.
    pub(crate) fn end(&self) -> u64 {
        self.end
    }

    /// Appends `bytes`; returns their offset.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        use std::os::unix::fs::FileExt;
        let at = self.end;
        self.file
            .write_all_at(bytes, at)
            .map_err(|e| Error::io(&self.path, "write", e))?;
        self.end += bytes.len() as u64;
        self.unsynced = true;
        Ok(at)
    }

    /// Makes the appended bytes durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(|e| Error::io(&self.path, "sync", e))?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Forgets chunks written by a commit that failed: the next commit writes after the
    /// committed end again.
    pub(crate) fn rewind(&mut self, committed: u64) {
        if self.end != committed && self.file.set_len(committed).is_ok() {
            self.end = committed;
        }
    }
}

/// The side file of one commit, built in memory (tails and dictionaries are small).
#[derive(Default)]
pub(crate) struct SideWriter {
    buf: Vec<u8>,
}

impl SideWriter {
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<BlobRec> {
        let offset = self.buf.len() as u64;
        self.buf.extend_from_slice(bytes);
        Ok(BlobRec {
            offset,
            len: bytes.len() as u64,
            xxh3: hex(xxhash_rust::xxh3::xxh3_64(bytes)),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn len(&self) -> u64 {
        self.buf.len() as u64
    }

    /// Writes the side file and syncs it.
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        write_synced(path, &self.buf)
    }
}

/// Creates `path` with `bytes` (replacing a file there, never what a link there points to)
/// and syncs it.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = create_fresh(path)?;
    f.write_all(bytes)
        .map_err(|e| Error::io(path, "write", e))?;
    f.sync_all().map_err(|e| Error::io(path, "sync", e))
}

/// Syncs a directory, so the names created or renamed in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, "sync", e))
}
