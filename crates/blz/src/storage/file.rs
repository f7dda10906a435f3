//! Opening the files of a table directory: never through a symbolic link, never anything but a
//! regular file (a FIFO would block every command, a link would let an append truncate the file
//! it points to).

use std::fs::{File, FileType, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// What a file type is, in words, for errors.
fn kind(t: FileType) -> &'static str {
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

fn not_regular(path: &Path, what: &str) -> Error {
    Error::table(
        path,
        format!("is {what}, not a regular file; the files of a table must be regular files"),
    )
}

/// Opens `path` with `opts`, refusing anything but a regular file: symbolic links are not
/// followed (`O_NOFOLLOW`), and FIFOs and devices are refused before they are opened (and are
/// opened non-blocking, so one swapped in meanwhile cannot hang the open; the type is checked
/// again on the open file).
pub(crate) fn open_regular(path: &Path, opts: &mut OpenOptions) -> Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.file_type().is_file() => return Err(not_regular(path, kind(m.file_type()))),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, "stat", e)),
    }
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let f = opts
        .custom_flags(i32::try_from(flags.bits()).unwrap_or(0))
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                not_regular(path, "a symbolic link")
            } else {
                Error::io(path, "open", e)
            }
        })?;
    let t = f
        .metadata()
        .map_err(|e| Error::io(path, "stat", e))?
        .file_type();
    if !t.is_file() {
        return Err(not_regular(path, kind(t)));
    }
    Ok(f)
}

/// Reads the whole regular file `path` (see [`open_regular`]).
pub(crate) fn read_regular(path: &Path) -> Result<Vec<u8>> {
    let mut f = open_regular(path, OpenOptions::new().read(true))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| Error::io(path, "read", e))?;
    Ok(buf)
}

/// Creates `path` anew (removing a file of that name first, never following a link there).
pub(crate) fn create_fresh(path: &Path) -> Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => return Err(not_regular(path, "a directory")),
        Ok(_) => std::fs::remove_file(path).map_err(|e| Error::io(path, "remove", e))?,
        Err(_) => {}
    }
    open_regular(path, OpenOptions::new().write(true).create_new(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_fifos_and_directories_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target");
        std::fs::write(&target, b"keep").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = open_regular(&link, OpenOptions::new().write(true)).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(e.to_string().contains("link"), "{e}");
        let e = open_regular(d.path(), OpenOptions::new().read(true)).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let fifo = d.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let e = read_regular(&fifo).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        // A fresh file replaces the link, not its target.
        create_fresh(&link).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
    }
}
