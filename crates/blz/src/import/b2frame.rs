//! python-blosc2 contiguous frames (`.b2frame`, `.b2nd`): header, offsets, chunks.
//!
//! Layout (C-Blosc2 `README_CFRAME_FORMAT.rst`, checked against frames python-blosc2 writes):
//! a msgpack header (a 14-item array: magic `"b2frame\0"`, header_len, frame_len, 4 flag bytes,
//! nbytes, cbytes, typesize, blocksize, chunksize, threads, has-vlmetalayers, filters ext;
//! then the metalayers: a 3-item array of index size, a map name -> absolute offset of a msgpack
//! bin, and the bins), the chunks back to back, the offsets chunk at `header_len + cbytes` (a
//! Blosc2 chunk of little-endian i64 chunk offsets counted from the end of the header; a
//! negative offset is a special chunk that is not stored, its top byte `0x80 | kind`), then a
//! trailer (vlmetalayers, not read here).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

mod header;

use header::{B2nd, bad, parse_b2nd, parse_header};

use super::msgpack::{Item, Reader};
use super::npdtype::NpDType;
use super::{ImportError, fail};
use crate::ctable::{ColumnBatch, Field, Schema};
use crate::dtype::DType;
use crate::error::{Error, Result};

/// `"b2frame\0"` as msgpack fixstr, after the fixarray byte.
pub(crate) const MAGIC: &[u8; 9] = b"\xa8b2frame\0";

/// A python-blosc2 contiguous frame (an `SChunk` or a `b2nd` NDArray saved with
/// `contiguous=True`), read chunk by chunk as one column named after the file stem.
///
/// The element type comes from the `b2nd` metalayer's numpy dtype when the frame has one
/// (`'<f8'`, `'|b1'`, `'<M8[ms]'`, `'|S6'`...); otherwise from the frame's typesize: 1 -> `u8`,
/// 2 -> `i16`, 4 -> `i32`, 8 -> `i64` (other typesizes need [`B2FrameSource::open_as`]).
/// An N-d array is flattened in C order when its chunks and blocks span whole rows (every
/// dimension but the first is complete); tiled chunks are not supported.
#[derive(Debug)]
pub struct B2FrameSource {
    path: PathBuf,
    file: File,
    name: String,
    dtype: NpDType,
    header_len: u64,
    /// End of the chunk section (start of the offsets chunk).
    chunks_end: u64,
    /// Frame typesize (for NaN special chunks).
    typesize: usize,
    /// Uncompressed bytes of all chunks.
    nbytes: u64,
    /// Fixed chunk size in bytes, or `None` for variable-size chunks.
    chunksize: Option<usize>,
    offsets: Vec<i64>,
    /// For a `b2nd` array: the bytes of each chunk that hold data (the rest is padding).
    keep_per_chunk: Option<usize>,
    len: usize,
    next_chunk: usize,
    emitted: usize,
    consumed: u64,
    pending: Vec<u8>,
    failed: bool,
}

fn read_at(file: &mut File, path: &Path, pos: u64, len: usize) -> Result<Vec<u8>, ImportError> {
    let io = |e| ImportError::Io {
        file: path.to_path_buf(),
        op: "read",
        source: e,
    };
    file.seek(SeekFrom::Start(pos)).map_err(io)?;
    let mut buf = vec![0u8; len];
    file.read_exact(&mut buf).map_err(io)?;
    Ok(buf)
}

impl B2FrameSource {
    /// Opens a frame, reading its header and chunk offsets; the element type comes from the
    /// `b2nd` metalayer or the typesize (see the type docs).
    ///
    /// # Errors
    /// [`Error::Import`]: not a frame, a header or offsets chunk that is cut or corrupt, a sparse
    /// frame, an unsupported dtype or array geometry.
    pub fn open(path: impl AsRef<Path>) -> Result<B2FrameSource> {
        let p = path.as_ref();
        Self::open_inner(p, None).map_err(|k| fail(p, k))
    }

    /// Opens a frame, reading its elements as `dtype` (little-endian) whatever its metadata
    /// says: the total size must be a whole number of elements (and, for a `b2nd` array, the
    /// element size must be the frame's typesize).
    ///
    /// # Errors
    /// As [`B2FrameSource::open`].
    pub fn open_as(path: impl AsRef<Path>, dtype: DType) -> Result<B2FrameSource> {
        let p = path.as_ref();
        Self::open_inner(p, Some(dtype)).map_err(|k| fail(p, k))
    }

    fn open_inner(path: &Path, forced: Option<DType>) -> Result<B2FrameSource, ImportError> {
        let mut file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ImportError::Missing {
                file: path.to_path_buf(),
            },
            _ => ImportError::Io {
                file: path.to_path_buf(),
                op: "open",
                source: e,
            },
        })?;
        let size = file
            .metadata()
            .map_err(|e| ImportError::Io {
                file: path.to_path_buf(),
                op: "stat",
                source: e,
            })?
            .len();
        let start = read_at(
            &mut file,
            path,
            0,
            usize::try_from(size.min(16)).unwrap_or(16),
        )?;
        if start.len() < 16 || start[0] & 0xf0 != 0x90 || &start[1..10] != MAGIC {
            return Err(ImportError::NotRecognized);
        }
        // header_len is the first item after the magic (an int32 as C-Blosc2 writes it).
        let header_len = match Reader::at(&start, 10).int().map(u64::try_from) {
            Some(Ok(n)) if n <= size => n,
            Some(Ok(n)) => {
                return Err(ImportError::Truncated {
                    file: path.to_path_buf(),
                    what: "frame header",
                    needed: n,
                    got: size,
                });
            }
            _ => {
                return Err(bad(
                    path,
                    "header_len",
                    "not a non-negative integer",
                    "an int32",
                ));
            }
        };
        let h = read_at(&mut file, path, 0, usize::try_from(header_len).unwrap_or(0))?;
        let hd = parse_header(&h, path)?;
        if hd.frame_len != size {
            return Err(if hd.frame_len > size {
                ImportError::Truncated {
                    file: path.to_path_buf(),
                    what: "frame",
                    needed: hd.frame_len,
                    got: size,
                }
            } else {
                bad(path, "frame_len", hd.frame_len, "the file size")
            });
        }
        if hd.flags[1] & 0x0f != 0 {
            return Err(ImportError::Unsupported {
                what: "frame type (only contiguous frames are read)",
                value: (hd.flags[1] & 0x0f).to_string(),
            });
        }
        if (hd.flags[0] >> 4) & 0x3 != 1 {
            return Err(bad(
                path,
                "offsets width flag",
                hd.flags[0],
                "64-bit offsets (bits 4-5 = 1)",
            ));
        }
        let chunks_end = hd
            .header_len
            .checked_add(hd.cbytes)
            .filter(|&e| e <= size)
            .ok_or_else(|| {
                bad(
                    path,
                    "cbytes",
                    hd.cbytes,
                    "header_len + cbytes within the frame",
                )
            })?;
        let chunksize = usize::try_from(hd.chunksize).ok().filter(|&c| c > 0);
        let mut src = B2FrameSource {
            path: path.to_path_buf(),
            file,
            name: path
                .file_stem()
                .map_or_else(|| "values".to_owned(), |s| s.to_string_lossy().into_owned()),
            dtype: NpDType::from_dtype(DType::U8),
            header_len: hd.header_len,
            chunks_end,
            typesize: hd.typesize,
            nbytes: hd.nbytes,
            chunksize,
            offsets: Vec::new(),
            keep_per_chunk: None,
            len: 0,
            next_chunk: 0,
            emitted: 0,
            consumed: 0,
            pending: Vec::new(),
            failed: false,
        };
        if hd.nbytes > 0 {
            src.offsets = src.read_offsets(size)?;
        }
        let b2nd = match hd.metalayers.iter().find(|(n, _)| n == b"b2nd") {
            Some(&(_, off)) => match Reader::at(&h, off).next() {
                Some(Item::Bin(content)) => Some(parse_b2nd(content, path)?),
                _ => {
                    return Err(bad(
                        path,
                        "b2nd metalayer offset",
                        off,
                        "a msgpack bin in the header",
                    ));
                }
            },
            None => None,
        };
        src.dtype = match (forced, &b2nd) {
            (Some(d), _) => NpDType::from_dtype(d),
            (None, Some(m)) => NpDType::parse(&m.dtype)?,
            (None, None) => match hd.typesize {
                1 => NpDType::from_dtype(DType::U8),
                2 => NpDType::from_dtype(DType::I16),
                4 => NpDType::from_dtype(DType::I32),
                8 => NpDType::from_dtype(DType::I64),
                t => {
                    return Err(ImportError::Unsupported {
                        what: "typesize without a b2nd dtype (open it with a dtype)",
                        value: t.to_string(),
                    });
                }
            },
        };
        let itemsize = src.dtype.itemsize();
        match b2nd {
            Some(m) => src.set_geometry(&m)?,
            None => {
                if hd.nbytes % itemsize as u64 != 0 {
                    return Err(bad(
                        path,
                        "nbytes",
                        hd.nbytes,
                        "a multiple of the element size",
                    ));
                }
                src.len = usize::try_from(hd.nbytes / itemsize as u64)
                    .map_err(|_| bad(path, "nbytes", hd.nbytes, "an addressable size"))?;
            }
        }
        Ok(src)
    }

    /// Checks a `b2nd` array's geometry and sets the length and the bytes kept per chunk.
    fn set_geometry(&mut self, m: &B2nd) -> Result<(), ImportError> {
        let path = &self.path;
        let itemsize = self.dtype.itemsize();
        if itemsize != self.typesize {
            return Err(bad(
                path,
                "typesize",
                self.typesize,
                "the b2nd dtype's item size",
            ));
        }
        if m.chunks[1..] != m.shape[1..] || m.blocks[1..] != m.shape[1..] {
            return Err(ImportError::Unsupported {
                what: "b2nd array whose chunks are not whole rows (tiled chunks)",
                value: format!(
                    "shape {:?}, chunks {:?}, blocks {:?}",
                    m.shape, m.chunks, m.blocks
                ),
            });
        }
        let too_big = || {
            bad(
                path,
                "b2nd shape",
                format!("{:?}", m.shape),
                "an addressable size",
            )
        };
        let row: u64 = m.shape[1..]
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .ok_or_else(too_big)?;
        let len = m.shape[0].checked_mul(row).ok_or_else(too_big)?;
        self.len = usize::try_from(len).map_err(|_| too_big())?;
        let (c0, b0) = (m.chunks[0], m.blocks[0]);
        let ext_rows = c0.div_ceil(b0).checked_mul(b0).ok_or_else(too_big)?;
        let bytes = |rows: u64| {
            rows.checked_mul(row)
                .and_then(|e| e.checked_mul(itemsize as u64))
                .and_then(|b| usize::try_from(b).ok())
                .ok_or_else(too_big)
        };
        let ext = bytes(ext_rows)?;
        self.keep_per_chunk = Some(bytes(c0)?);
        let nchunks = if len == 0 { 0 } else { m.shape[0].div_ceil(c0) };
        if self.offsets.len() as u64 != nchunks {
            return Err(bad(
                path,
                "chunk count",
                self.offsets.len(),
                "ceil(shape[0] / chunkshape[0])",
            ));
        }
        if nchunks > 0 && self.chunksize != Some(ext) {
            return Err(bad(
                path,
                "chunksize",
                format!("{:?}", self.chunksize),
                "the b2nd chunk size in bytes",
            ));
        }
        Ok(())
    }

    /// Reads and decodes the offsets chunk.
    fn read_offsets(&mut self, size: u64) -> Result<Vec<i64>, ImportError> {
        let path = self.path.clone();
        let at = self.chunks_end;
        let head_len = usize::try_from((size - at).min(32)).unwrap_or(32);
        let head = read_at(&mut self.file, &path, at, head_len)?;
        let chunk_err = |e| ImportError::OffsetsChunk {
            file: path.clone(),
            source: e,
        };
        let h = blz_blosc::ChunkHeader::parse(&head).map_err(chunk_err)?;
        if h.cbytes() as u64 > size - at {
            return Err(ImportError::Truncated {
                file: path.clone(),
                what: "offsets chunk",
                needed: at + h.cbytes() as u64,
                got: size,
            });
        }
        let ok = match self.chunksize {
            Some(c) => {
                Some(self.nbytes.div_ceil(c as u64).saturating_mul(8))
                    == u64::try_from(h.nbytes()).ok()
            }
            None => h.nbytes() % 8 == 0 && h.nbytes() as u64 / 8 <= self.nbytes,
        };
        if !ok {
            return Err(bad(
                &path,
                "offsets chunk nbytes",
                h.nbytes(),
                "8 bytes per chunk",
            ));
        }
        let bytes = read_at(&mut self.file, &path, at, h.cbytes())?;
        let raw = blz_blosc::decompress(&bytes).map_err(chunk_err)?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                i64::from_le_bytes(a)
            })
            .collect())
    }

    /// The uncompressed bytes of chunk `i`.
    fn chunk(&mut self, i: usize) -> Result<Vec<u8>, ImportError> {
        let path = self.path.clone();
        let left = self.nbytes - self.consumed;
        let expected = self
            .chunksize
            .map(|c| usize::try_from((c as u64).min(left)).unwrap_or(c));
        let off = self.offsets[i];
        if off < 0 {
            // A special chunk that is not stored: 0x80 | kind in the top byte.
            let kind = (off.cast_unsigned() >> 56) & 0x7f;
            let n = expected.ok_or_else(|| ImportError::Unsupported {
                what: "special chunk in a frame of variable-size chunks",
                value: kind.to_string(),
            })?;
            return match (kind, self.typesize) {
                (1 | 4, _) => Ok(vec![0; n]),
                (2, 4) => Ok(f32::NAN
                    .to_le_bytes()
                    .iter()
                    .copied()
                    .cycle()
                    .take(n)
                    .collect()),
                (2, 8) => Ok(f64::NAN
                    .to_le_bytes()
                    .iter()
                    .copied()
                    .cycle()
                    .take(n)
                    .collect()),
                _ => Err(bad(
                    &path,
                    "special chunk offset",
                    format!("{off:#x}"),
                    "zeros (1), NaN (2, typesize 4 or 8) or uninit (4)",
                )),
            };
        }
        let pos = self
            .header_len
            .checked_add(off.cast_unsigned())
            .filter(|&p| p < self.chunks_end)
            .ok_or_else(|| bad(&path, "chunk offset", off, "inside the chunk section"))?;
        let head_len = usize::try_from((self.chunks_end - pos).min(32)).unwrap_or(32);
        let head = read_at(&mut self.file, &path, pos, head_len)?;
        let chunk_err = |e| ImportError::Chunk {
            file: path.clone(),
            chunk: i,
            source: e,
        };
        let h = blz_blosc::ChunkHeader::parse(&head).map_err(chunk_err)?;
        if h.cbytes() as u64 > self.chunks_end - pos {
            return Err(ImportError::Truncated {
                file: path.clone(),
                what: "chunk",
                needed: pos + h.cbytes() as u64,
                got: self.chunks_end,
            });
        }
        let size_ok = match expected {
            Some(e) => h.nbytes() == e,
            None => h.nbytes() as u64 <= left,
        };
        if !size_ok {
            return Err(ImportError::ChunkSize {
                file: path.clone(),
                chunk: i,
                got: h.nbytes(),
                expected: expected.map_or_else(|| format!("at most {left}"), |e| e.to_string()),
            });
        }
        let bytes = read_at(&mut self.file, &path, pos, h.cbytes())?;
        blz_blosc::decompress(&bytes).map_err(chunk_err)
    }

    /// Names and types: one column, named after the file stem.
    pub fn schema(&self) -> Schema {
        Schema {
            fields: vec![Field {
                name: self.name.clone(),
                ty: self.dtype.column_type(),
                nullable: false,
            }],
        }
    }

    /// Number of elements (rows).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Renames the column (the file stem by default).
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    fn next_batch(&mut self) -> Result<Option<ColumnBatch>, ImportError> {
        let itemsize = self.dtype.itemsize();
        while self.next_chunk < self.offsets.len() {
            let i = self.next_chunk;
            let mut raw = self.chunk(i)?;
            self.next_chunk += 1;
            self.consumed += raw.len() as u64;
            let left = ((self.len - self.emitted) * itemsize).saturating_sub(self.pending.len());
            if let Some(k) = self.keep_per_chunk {
                raw.truncate(k);
            }
            raw.truncate(left);
            self.pending.extend_from_slice(&raw);
            let whole = self.pending.len() / itemsize * itemsize;
            if whole > 0 {
                let rest = self.pending.split_off(whole);
                let take = std::mem::replace(&mut self.pending, rest);
                let values = self.dtype.decode(&take, &self.name, self.emitted)?;
                self.emitted += whole / itemsize;
                return Ok(Some(ColumnBatch::new(&self.name, values)));
            }
        }
        if self.emitted != self.len || self.consumed != self.nbytes {
            return Err(bad(
                &self.path,
                "nbytes",
                self.consumed,
                "the sum of the chunks' sizes",
            ));
        }
        Ok(None)
    }
}

impl Iterator for B2FrameSource {
    type Item = Result<Vec<ColumnBatch>, Error>;

    /// The next chunk's elements as a one-column batch; after an error, `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_batch() {
            Ok(b) => b.map(|b| Ok(vec![b])),
            Err(k) => {
                self.failed = true;
                Some(Err(fail(&self.path, k)))
            }
        }
    }
}
