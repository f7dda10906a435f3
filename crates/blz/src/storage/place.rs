//! Putting a whole table directory into place: a rename that never replaces anything, an atomic
//! swap with the table it replaces, the writer lock held without opening a table, and the
//! removal of staging directories that crashed imports left behind.
//!
//! `renameat2(RENAME_NOREPLACE)` and `renameat2(RENAME_EXCHANGE)` (or their macOS spellings)
//! do the work where the kernel and file system offer them. Elsewhere (an old kernel, a file
//! system without the flags): a new table claims its name by creating an empty directory there
//! (`mkdir` fails when anything exists) and is renamed over that empty directory, which
//! `rename` refuses to do once anything was written into it; a replacement moves the old table
//! aside and the new one into place, so a reader may briefly find no table, but nothing is lost.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::file::open_regular;
use super::manifest::MANIFEST;
use crate::error::{Error, Result};

/// The writer lock's file name inside a table directory.
pub(crate) const LOCK: &str = "LOCK";

/// Takes the writer lock of the table directory `dir` (creating the lock file if needed).
pub(crate) fn take_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK);
    let f = open_regular(
        &path,
        OpenOptions::new().create(true).truncate(false).write(true),
    )?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked {
            path: dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, "lock", e)),
    }
}

/// Whether the kernel or file system lacks a `renameat2` flag (the caller falls back).
fn unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(c) if c == rustix::io::Errno::INVAL.raw_os_error()
            || c == rustix::io::Errno::NOSYS.raw_os_error()
            || c == rustix::io::Errno::NOTSUP.raw_os_error()
    )
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn rename_with(from: &Path, to: &Path, flags: rustix::fs::RenameFlags) -> std::io::Result<()> {
    rustix::fs::renameat_with(rustix::fs::CWD, from, rustix::fs::CWD, to, flags)
        .map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn rename_with(_: &Path, _: &Path, _: ()) -> std::io::Result<()> {
    Err(std::io::Error::from_raw_os_error(
        rustix::io::Errno::NOSYS.raw_os_error(),
    ))
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
const NOREPLACE: rustix::fs::RenameFlags = rustix::fs::RenameFlags::NOREPLACE;
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
const EXCHANGE: rustix::fs::RenameFlags = rustix::fs::RenameFlags::EXCHANGE;
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
const NOREPLACE: () = ();
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
const EXCHANGE: () = ();

/// Renames the directory `from` to `to`, failing with [`Error::AlreadyExists`] when anything
/// exists at `to` (also something that appears there while this runs).
pub(crate) fn rename_noreplace(from: &Path, to: &Path) -> Result<()> {
    let exists = || Error::AlreadyExists {
        path: to.to_path_buf(),
    };
    match rename_with(from, to, NOREPLACE) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) if !unsupported(&e) => return Err(Error::io(to, "rename into place", e)),
        Err(_) => {}
    }
    // Fallback: claim the name with an empty directory, then rename over it (which `rename`
    // refuses once anything is inside).
    match std::fs::create_dir(to) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => return Err(Error::io(to, "create", e)),
    }
    std::fs::rename(from, to).map_err(|e| {
        if matches!(
            e.kind(),
            ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty
        ) {
            exists()
        } else {
            let _ = std::fs::remove_dir(to);
            Error::io(to, "rename into place", e)
        }
    })
}

/// Swaps the directories `a` and `b` atomically where the system can; elsewhere moves `b`
/// aside to a sibling name and `a` into `b`'s place, then the old `b` to `a`.
fn exchange(a: &Path, b: &Path) -> Result<()> {
    match rename_with(a, b, EXCHANGE) {
        Ok(()) => return Ok(()),
        Err(e) if !unsupported(&e) => return Err(Error::io(b, "exchange", e)),
        Err(_) => {}
    }
    let aside = sibling(b, "replaced")?;
    std::fs::rename(b, &aside).map_err(|e| Error::io(b, "move aside", e))?;
    if let Err(e) = rename_noreplace(a, b) {
        // Put the old table back; nothing was lost.
        let _ = std::fs::rename(&aside, b);
        return Err(e);
    }
    std::fs::rename(&aside, a).map_err(|e| Error::io(a, "rename", e))
}

/// `.NAME.WHAT-PID` beside `path`.
pub(crate) fn sibling(path: &Path, what: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::table(path, "a table path needs a final name"))?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let n = format!(".{}.{what}-{}", name.to_string_lossy(), std::process::id());
    Ok(parent.map_or_else(|| PathBuf::from(&n), |p| p.join(&n)))
}

/// Whether `--overwrite`-style replacement may remove `dir`: a blz table or an empty directory.
pub(crate) fn replaceable(dir: &Path) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(Error::io(dir, "stat", e)),
    };
    if !meta.is_dir() {
        return Ok(false);
    }
    let m = std::fs::symlink_metadata(dir.join(MANIFEST));
    if m.is_ok_and(|m| m.is_file()) {
        return Ok(true);
    }
    Ok(std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "list", e))?
        .next()
        .is_none())
}

/// The writer lock of a table directory, held without opening the table: what a replacement
/// of the whole table (`blz import --overwrite`) holds from its start to the swap, so no other
/// writer (an append) runs meanwhile.
#[derive(Debug)]
pub struct TableLock {
    dir: PathBuf,
    _file: File,
}

impl TableLock {
    /// Takes the writer lock of the table at `dir`, which must be a blz table or an empty
    /// directory.
    ///
    /// # Errors
    /// [`Error::Locked`] while another writer holds it, [`Error::Table`] when `dir` is something
    /// else than a table or an empty directory, [`Error::Io`].
    pub fn acquire(dir: impl AsRef<Path>) -> Result<TableLock> {
        let dir = dir.as_ref();
        if !dir.is_dir() || !replaceable(dir)? {
            return Err(Error::table(
                dir,
                "exists and is not a blz table; refusing to replace it",
            ));
        }
        Ok(TableLock {
            dir: dir.to_path_buf(),
            _file: take_lock(dir)?,
        })
    }

    /// The locked directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Replaces the locked table with the complete table directory `new`: the two are swapped
    /// atomically (readers see the old table or the new one), then the old one is removed and
    /// the lock released.
    ///
    /// # Errors
    /// [`Error::Io`] when the swap fails (both tables are then where they were); removing the
    /// old table is best effort.
    pub fn replace_with(self, new: impl AsRef<Path>) -> Result<()> {
        let new = new.as_ref();
        exchange(new, &self.dir)?;
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = super::write::sync_dir(parent);
        }
        // `new` now holds the old table (and the lock file this guard holds open).
        let _ = std::fs::remove_dir_all(new);
        Ok(())
    }
}

/// Moves the complete table directory `from` to `to`, which must not exist: a rename that
/// never replaces anything, so a directory or table that appears at `to` meanwhile is kept.
///
/// # Errors
/// [`Error::AlreadyExists`] when something is at `to` (`from` is left as it was),
/// [`Error::Io`].
pub fn move_table(from: impl AsRef<Path>, to: impl AsRef<Path>) -> Result<()> {
    let to = to.as_ref();
    rename_noreplace(from.as_ref(), to)?;
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        super::write::sync_dir(parent)?;
    }
    Ok(())
}

/// The process id in a staging directory's name made for the table named `table`:
/// `.TABLE.importing-PID`, `.TABLE.creating-PID`, `.TABLE.replaced-PID`, and the same names
/// nested (`..TABLE.importing-PID.creating-PID`).
fn staging_pid(entry: &str, table: &str) -> Option<u32> {
    let rest = entry.strip_prefix('.')?;
    let (base, tail) = rest.rsplit_once('.')?;
    let pid = ["importing-", "creating-", "replaced-"]
        .iter()
        .find_map(|k| tail.strip_prefix(k))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid: u32 = pid.parse().ok()?;
    (base == table || staging_pid(base, table).is_some()).then_some(pid)
}

/// Whether process `pid` is gone (a process we may not signal still exists).
fn process_gone(pid: u32) -> bool {
    let Some(p) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    matches!(
        rustix::process::test_kill_process(p),
        Err(rustix::io::Errno::SRCH)
    )
}

/// Removes the staging directories beside the table path `table` that imports or creations
/// left behind when they were killed: `.NAME.importing-PID` (and the like) whose process is
/// gone. Directories of running processes (and of this one) are never touched. Returns the
/// directories removed.
///
/// # Errors
/// [`Error::Io`] when the parent directory cannot be listed; removing is best effort.
pub fn remove_stale_staging(table: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
    let table = table.as_ref();
    let Some(name) = table.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let parent = table
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let rd = match std::fs::read_dir(parent) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(parent, "list", e)),
    };
    let me = std::process::id();
    let mut removed = Vec::new();
    for e in rd.flatten() {
        let entry = e.file_name();
        let Some(entry) = entry.to_str() else {
            continue;
        };
        let Some(pid) = staging_pid(entry, name) else {
            continue;
        };
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if pid == me || !is_dir || !process_gone(pid) {
            continue;
        }
        let path = e.path();
        if std::fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_names_are_recognised_only_for_their_table() {
        assert_eq!(staging_pid(".t.importing-12", "t"), Some(12));
        assert_eq!(staging_pid(".t.creating-7", "t"), Some(7));
        assert_eq!(staging_pid("..t.importing-12.creating-12", "t"), Some(12));
        assert_eq!(staging_pid(".tt.importing-12", "t"), None);
        assert_eq!(staging_pid(".t.importing-", "t"), None);
        assert_eq!(staging_pid(".t.importing-1x", "t"), None);
        assert_eq!(staging_pid("t.importing-1", "t"), None);
        assert_eq!(staging_pid(".a.b.importing-3", "a.b"), Some(3));
    }

    #[test]
    fn rename_noreplace_keeps_what_is_there() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        assert!(matches!(
            rename_noreplace(&a, &b),
            Err(Error::AlreadyExists { .. })
        ));
        assert!(a.is_dir() && b.is_dir());
        std::fs::remove_dir(&b).unwrap();
        rename_noreplace(&a, &b).unwrap();
        assert!(!a.exists() && b.is_dir());
    }

    #[test]
    fn live_and_own_processes_are_not_gone() {
        assert!(!process_gone(std::process::id()));
        assert!(!process_gone(0));
        assert!(process_gone(u32::try_from(i32::MAX).unwrap()));
    }
}
