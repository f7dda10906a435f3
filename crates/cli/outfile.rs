//! Output files that are never left half-written: the bytes go to a hidden temporary file
//! beside the destination, which is synced and moved into place only when complete. A failed
//! or interrupted write leaves the old file (or no file) exactly as it was, and the temporary
//! file is removed.
//!
//! Without `overwrite`, the final move refuses to replace anything, even a file that appeared
//! while the output was being written (a hard link, which fails when the name exists, then the
//! temporary name is removed). With `overwrite`, a rename replaces the old file atomically:
//! readers see the old contents or the new, never a mix or an empty file.
//!
//! Destinations that are not regular files (a FIFO, `/dev/null`, a terminal) are written
//! directly: there is nothing to replace and no directory entry to create.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result, bail};

/// Distinguishes the temporary files of one process.
static SERIAL: AtomicU32 = AtomicU32::new(0);

/// An output file being written; [`OutFile::commit`] makes it visible at its destination.
/// Dropped without a commit, it removes its temporary file and leaves the destination alone.
pub(crate) struct OutFile {
    file: File,
    dest: PathBuf,
    /// The temporary file, for a destination that is (or will be) a regular file.
    tmp: Option<PathBuf>,
    overwrite: bool,
    /// A write failed (a writer that drops its errors, as `BufWriter`'s drop, cannot make a
    /// short file look complete).
    failed: bool,
}

impl OutFile {
    /// Starts writing `dest`. Without `overwrite`, an existing `dest` (anything but a FIFO or
    /// device) is an error now and again at the commit.
    ///
    /// # Errors
    /// `dest` exists (without `overwrite`), is a directory, or its folder cannot hold a new
    /// file.
    pub(crate) fn create(dest: &Path, overwrite: bool) -> Result<Self> {
        // A symlink is written through: the file it names is the one replaced.
        let dest = match std::fs::symlink_metadata(dest) {
            Ok(m) if m.file_type().is_symlink() && dest.exists() => dest
                .canonicalize()
                .with_context(|| format!("cannot resolve {}", dest.display()))?,
            _ => dest.to_owned(),
        };
        match std::fs::metadata(&dest) {
            Ok(m) if m.is_dir() => bail!("{} is a directory", dest.display()),
            Ok(m) if !m.is_file() => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(&dest)
                    .with_context(|| format!("cannot write {}", dest.display()))?;
                return Ok(OutFile {
                    file,
                    dest,
                    tmp: None,
                    overwrite,
                    failed: false,
                });
            }
            Ok(_) if !overwrite => bail!(
                "{} already exists; pass --overwrite to replace it",
                dest.display()
            ),
            _ => {}
        }
        let (file, tmp) = create_temp(&dest)?;
        Ok(OutFile {
            file,
            dest,
            tmp: Some(tmp),
            overwrite,
            failed: false,
        })
    }

    /// Flushes the file to disk and moves it to its destination.
    ///
    /// # Errors
    /// A failed sync or move; without `overwrite`, a destination that appeared meanwhile. The
    /// temporary file is removed then.
    pub(crate) fn commit(mut self) -> Result<()> {
        if self.failed {
            bail!(
                "writing {} failed; it was left as it was",
                self.dest.display()
            );
        }
        let Some(tmp) = self.tmp.take() else {
            return self
                .file
                .flush()
                .with_context(|| format!("cannot write {}", self.dest.display()));
        };
        let done = self.finish(&tmp);
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done
    }

    /// Syncs `tmp` and moves it to the destination.
    fn finish(&mut self, tmp: &Path) -> Result<()> {
        let dest = &self.dest;
        self.file
            .sync_all()
            .with_context(|| format!("cannot write {}", dest.display()))?;
        if self.overwrite {
            if let Ok(m) = std::fs::metadata(dest) {
                // The replacement keeps the old file's permissions.
                let _ = self.file.set_permissions(m.permissions());
            }
            std::fs::rename(tmp, dest)
                .with_context(|| format!("cannot move the new file to {}", dest.display()))?;
        } else {
            place_new(tmp, dest)?;
        }
        sync_dir(dest);
        Ok(())
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.file.write(buf);
        self.failed |= r
            .as_ref()
            .is_err_and(|e| e.kind() != io::ErrorKind::Interrupted);
        r
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.file.flush();
        self.failed |= r
            .as_ref()
            .is_err_and(|e| e.kind() != io::ErrorKind::Interrupted);
        r
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The folder `path` is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new hidden file beside `dest`: `.NAME.PID-N.tmp`, never an existing one.
fn create_temp(dest: &Path) -> Result<(File, PathBuf)> {
    let dir = parent_of(dest);
    let name = dest
        .file_name()
        .with_context(|| format!("{} does not name a file", dest.display()))?
        .to_string_lossy();
    loop {
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot create a file in {} to write {}",
                        dir.display(),
                        dest.display()
                    )
                });
            }
        }
    }
}

/// Moves `tmp` to `dest` unless `dest` exists: a hard link fails on an existing name, so a
/// file that appeared at `dest` meanwhile is kept. On a file system without hard links the
/// move is a rename after a last check.
fn place_new(tmp: &Path, dest: &Path) -> Result<()> {
    let exists = || {
        anyhow::anyhow!(
            "{} appeared while it was being written; it is kept (pass --overwrite to replace it)",
            dest.display()
        )
    };
    match std::fs::hard_link(tmp, dest) {
        Ok(()) => {
            std::fs::remove_file(tmp)
                .with_context(|| format!("cannot remove the temporary file {}", tmp.display()))?;
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) => {
            if std::fs::symlink_metadata(dest).is_ok() {
                return Err(exists());
            }
            std::fs::rename(tmp, dest)
                .with_context(|| format!("cannot move the new file to {}", dest.display()))
        }
    }
}

/// Syncs the folder of `path`, so the new name survives a crash (best effort: not every
/// platform opens folders).
fn sync_dir(path: &Path) {
    if let Ok(d) = File::open(parent_of(path)) {
        let _ = d.sync_all();
    }
}

/// Whether `a` and `b` are the same file (the same inode, through any link), when both exist.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn uncommitted_file_leaves_the_old_one() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        let mut f = OutFile::create(&p, true).unwrap();
        f.write_all(b"new, half written").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(names(d.path()), ["out.csv"]);
    }

    #[test]
    fn commit_replaces_only_with_overwrite() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.csv");
        let mut f = OutFile::create(&p, false).unwrap();
        f.write_all(b"one").unwrap();
        // Another writer gets there first: its file is kept.
        std::fs::write(&p, "theirs").unwrap();
        let e = f.commit().unwrap_err();
        assert!(format!("{e:#}").contains("appeared"), "{e:#}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "theirs");
        assert_eq!(names(d.path()), ["out.csv"]);
        assert!(OutFile::create(&p, false).is_err());
        let mut f = OutFile::create(&p, true).unwrap();
        f.write_all(b"two").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(names(d.path()), ["out.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_into_devices() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target.bin");
        std::fs::write(&target, "old").unwrap();
        let link = d.path().join("link.bin");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut f = OutFile::create(&link, true).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let mut f = OutFile::create(Path::new("/dev/null"), false).unwrap();
        f.write_all(b"gone").unwrap();
        f.commit().unwrap();
        assert!(same_file(&link, &target));
        assert!(!same_file(&link, Path::new("/dev/null")));
    }
}
