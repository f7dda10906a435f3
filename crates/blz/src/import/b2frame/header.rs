//! The frame header (msgpack) and the `b2nd` metalayer.

use std::path::Path;

use super::super::ImportError;
use super::super::msgpack::{Item, Reader};

pub(super) fn bad(
    file: &Path,
    field: &'static str,
    got: impl ToString,
    expected: &'static str,
) -> ImportError {
    ImportError::BadHeader {
        file: file.to_path_buf(),
        field,
        got: got.to_string(),
        expected,
    }
}

/// The fixed fields of the frame header.
pub(super) struct Header {
    pub(super) header_len: u64,
    pub(super) frame_len: u64,
    pub(super) flags: [u8; 4],
    pub(super) nbytes: u64,
    pub(super) cbytes: u64,
    pub(super) typesize: usize,
    pub(super) chunksize: i64,
    /// Metalayer name -> absolute offset of its content.
    pub(super) metalayers: Vec<(Vec<u8>, usize)>,
}

pub(super) fn parse_header(h: &[u8], path: &Path) -> Result<Header, ImportError> {
    let trunc = |what| {
        bad(
            path,
            what,
            "a cut or malformed msgpack item",
            "a valid frame header",
        )
    };
    let mut r = Reader::new(h);
    let n = r.array().ok_or_else(|| trunc("header array"))?;
    if n < 13 {
        return Err(bad(path, "header items", n, "at least 13"));
    }
    if r.next() != Some(Item::Str(b"b2frame\0")) {
        return Err(bad(path, "magic", "other bytes", "\"b2frame\\0\""));
    }
    let mut int = |field| {
        r.int()
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| trunc(field))
    };
    let header_len = int("header_len")?;
    let frame_len = int("frame_len")?;
    let flags = match r.next() {
        Some(Item::Str(f)) if f.len() == 4 => [f[0], f[1], f[2], f[3]],
        _ => return Err(trunc("flags")),
    };
    let nbytes = r
        .int()
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| trunc("nbytes"))?;
    let cbytes = r
        .int()
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| trunc("cbytes"))?;
    let typesize = r
        .int()
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| trunc("typesize"))?;
    r.int().ok_or_else(|| trunc("blocksize"))?;
    let chunksize = r
        .int()
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| trunc("chunksize"))?;
    // Threads (2), has-vlmetalayers, filters ext; then, as the 14th item, the metalayers.
    for _ in 9..13 {
        r.skip().ok_or_else(|| trunc("header item"))?;
    }
    let mut metalayers = Vec::new();
    if n > 13 {
        if r.array() != Some(3) {
            return Err(trunc("metalayers"));
        }
        r.int().ok_or_else(|| trunc("metalayers index size"))?;
        let count = match r.next() {
            Some(Item::Map(c)) => c,
            _ => return Err(trunc("metalayers map")),
        };
        for _ in 0..count.min(h.len()) {
            let name = match r.next() {
                Some(Item::Str(s)) => s.to_vec(),
                _ => return Err(trunc("metalayer name")),
            };
            let off = r
                .int()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| trunc("metalayer offset"))?;
            metalayers.push((name, off));
        }
    }
    Ok(Header {
        header_len,
        frame_len,
        flags,
        nbytes,
        cbytes,
        typesize,
        chunksize,
        metalayers,
    })
}

/// The `b2nd` metalayer: shape, chunk shape, block shape, numpy dtype string.
pub(super) struct B2nd {
    pub(super) shape: Vec<u64>,
    pub(super) chunks: Vec<u64>,
    pub(super) blocks: Vec<u64>,
    pub(super) dtype: String,
}

pub(super) fn parse_b2nd(content: &[u8], path: &Path) -> Result<B2nd, ImportError> {
    let b = |what| {
        bad(
            path,
            what,
            "malformed",
            "a b2nd metalayer [version, ndim, shape, chunks, blocks, 0, dtype]",
        )
    };
    let mut r = Reader::new(content);
    if r.array().is_none_or(|n| n < 7) {
        return Err(b("b2nd metalayer"));
    }
    r.int().ok_or_else(|| b("b2nd version"))?;
    let ndim = r
        .int()
        .and_then(|v| usize::try_from(v).ok())
        .filter(|&d| (1..=16).contains(&d))
        .ok_or_else(|| b("b2nd ndim"))?;
    let mut dims = |what, min: u64| -> Result<Vec<u64>, ImportError> {
        if r.array() != Some(ndim) {
            return Err(b(what));
        }
        (0..ndim)
            .map(|_| {
                r.int()
                    .and_then(|v| u64::try_from(v).ok())
                    .filter(|&v| v >= min)
                    .ok_or_else(|| b(what))
            })
            .collect()
    };
    let shape = dims("b2nd shape", 0)?;
    let chunks = dims("b2nd chunkshape", 1)?;
    let blocks = dims("b2nd blockshape", 1)?;
    if r.int() != Some(0) {
        return Err(b("b2nd dtype format (0 = numpy)"));
    }
    let dtype = match r.next() {
        Some(Item::Str(s)) => String::from_utf8_lossy(s).into_owned(),
        _ => return Err(b("b2nd dtype")),
    };
    Ok(B2nd {
        shape,
        chunks,
        blocks,
        dtype,
    })
}
