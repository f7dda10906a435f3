//! bcolz carray and ctable directories.
//!
//! A carray rootdir holds `meta/sizes` (JSON: `shape` = `[len]`, `nbytes`, `cbytes`),
//! `meta/storage` (JSON: `dtype` as numpy writes `str(dtype)`, `chunklen`, `cparams`,
//! `expectedlen`, `dflt`), `__attrs__` (JSON user attributes) and `data/__<i>.blp`, one file per
//! chunk. A chunk file is a 16-byte header (`b"blpk"`, format version 1, three reserved bytes, i64
//! little-endian chunk count, 1 or -1) followed by one Blosc1 chunk of `chunklen` items. When
//! `len % chunklen != 0` the last file (`__<len / chunklen>.blp`) holds the leftover items.
//! A ctable rootdir holds one carray rootdir per column and `__rootdirs__` (JSON: `names`,
//! the column order).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::npdtype::NpDType;
use super::{ImportError, fail};
use crate::ctable::{ColumnBatch, Field, Schema};
use crate::error::{Error, Result};

/// Metadata files larger than this are not bcolz metadata.
const MAX_META_BYTES: u64 = 1 << 20;
const BLP_HEADER_LEN: usize = 16;

/// A bcolz carray or ctable directory, read chunk by chunk.
///
/// A carray becomes a one-column table whose column is named after the directory (its last
/// path component); a ctable keeps its column names and order. Each batch holds about one
/// chunk of the column with the longest `chunklen`.
///
/// ```no_run
/// # fn main() -> blz::Result<()> {
/// let mut src = blz::import::BcolzSource::open("prices.bcolz")?;
/// println!("{} rows: {:?}", src.len(), src.schema());
/// for batch in &mut src {
///     let batch = batch?; // one ColumnBatch per column
///     # let _ = batch;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct BcolzSource {
    root: PathBuf,
    columns: Vec<CArrayReader>,
    len: usize,
    batch_rows: usize,
    pos: usize,
    failed: bool,
}

/// One carray: its metadata and the decoded bytes not yet handed out.
#[derive(Debug)]
struct CArrayReader {
    name: String,
    dir: PathBuf,
    dtype: NpDType,
    len: usize,
    chunklen: usize,
    nfiles: usize,
    next_file: usize,
    pending: Vec<u8>,
}

fn read_json(file: &Path) -> Result<Json, ImportError> {
    let meta = std::fs::metadata(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ImportError::Missing {
            file: file.to_path_buf(),
        },
        _ => ImportError::Io {
            file: file.to_path_buf(),
            op: "stat",
            source: e,
        },
    })?;
    if meta.len() > MAX_META_BYTES {
        return Err(ImportError::Meta {
            file: file.to_path_buf(),
            field: "file size",
            got: meta.len().to_string(),
            expected: "at most 1 MiB of JSON",
        });
    }
    let bytes = std::fs::read(file).map_err(|e| ImportError::Io {
        file: file.to_path_buf(),
        op: "read",
        source: e,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ImportError::Json {
        file: file.to_path_buf(),
        message: e.to_string(),
    })
}

fn meta_err(
    file: &Path,
    field: &'static str,
    got: Option<&Json>,
    expected: &'static str,
) -> ImportError {
    ImportError::Meta {
        file: file.to_path_buf(),
        field,
        got: got.map_or_else(|| "missing".to_owned(), ToString::to_string),
        expected,
    }
}

fn usize_field(
    j: &Json,
    file: &Path,
    field: &'static str,
    expected: &'static str,
) -> Result<usize, ImportError> {
    let v = j.get(field);
    v.and_then(Json::as_u64)
        .and_then(|x| usize::try_from(x).ok())
        .ok_or_else(|| meta_err(file, field, v, expected))
}

impl CArrayReader {
    fn open(dir: &Path, name: String) -> Result<CArrayReader, ImportError> {
        let sizes_file = dir.join("meta").join("sizes");
        let storage_file = dir.join("meta").join("storage");
        let sizes = read_json(&sizes_file)?;
        let storage = read_json(&storage_file)?;
        let shape = sizes.get("shape");
        let len = match shape.and_then(Json::as_array).map(Vec::as_slice) {
            Some([n]) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            _ => None,
        }
        .ok_or_else(|| {
            meta_err(
                &sizes_file,
                "shape",
                shape,
                "[len], a one-dimensional shape",
            )
        })?;
        let nbytes = usize_field(&sizes, &sizes_file, "nbytes", "len * itemsize")?;
        let dt = storage.get("dtype");
        let dtype = NpDType::parse(
            dt.and_then(Json::as_str)
                .ok_or_else(|| meta_err(&storage_file, "dtype", dt, "a numpy dtype string"))?,
        )?;
        let chunklen = usize_field(&storage, &storage_file, "chunklen", "a positive integer")?;
        let chunk_bytes = chunklen.checked_mul(dtype.itemsize());
        if chunklen == 0 || chunk_bytes.is_none_or(|b| b > blz_blosc::MAX_BUFFERSIZE) {
            return Err(meta_err(
                &storage_file,
                "chunklen",
                storage.get("chunklen"),
                "1 or more, chunklen * itemsize within one Blosc chunk",
            ));
        }
        if len.checked_mul(dtype.itemsize()) != Some(nbytes) {
            return Err(meta_err(
                &sizes_file,
                "nbytes",
                sizes.get("nbytes"),
                "len * itemsize",
            ));
        }
        let nfiles = len.div_ceil(chunklen);
        for i in 0..nfiles {
            let f = chunk_file(dir, i);
            if !f.is_file() {
                return Err(ImportError::Missing { file: f });
            }
        }
        Ok(CArrayReader {
            name,
            dir: dir.to_path_buf(),
            dtype,
            len,
            chunklen,
            nfiles,
            next_file: 0,
            pending: Vec::new(),
        })
    }

    /// The raw item bytes of chunk `i` (only the leftover items for the last one).
    fn read_chunk(&self, i: usize) -> Result<Vec<u8>, ImportError> {
        let file = chunk_file(&self.dir, i);
        let io = |op, e| ImportError::Io {
            file: file.clone(),
            op,
            source: e,
        };
        let mut f = File::open(&file).map_err(|e| io("open", e))?;
        let size = f.metadata().map_err(|e| io("stat", e))?.len();
        let items = if i + 1 == self.nfiles && !self.len.is_multiple_of(self.chunklen) {
            self.len % self.chunklen
        } else {
            self.chunklen
        };
        let want = items * self.dtype.itemsize();
        let mut head = [0u8; BLP_HEADER_LEN + blz_blosc::HEADER_LEN];
        let got = usize::try_from(size).unwrap_or(usize::MAX);
        if got < head.len() {
            return Err(ImportError::Truncated {
                file,
                what: "bloscpack and blosc headers",
                needed: head.len() as u64,
                got: size,
            });
        }
        f.read_exact(&mut head).map_err(|e| io("read", e))?;
        let bad = |field, got: String, expected| ImportError::BadHeader {
            file: file.clone(),
            field,
            got,
            expected,
        };
        if &head[..4] != b"blpk" {
            return Err(bad(
                "bloscpack magic",
                format!("{:?}", &head[..4]),
                "b\"blpk\"",
            ));
        }
        if head[4] != 1 {
            return Err(bad("bloscpack version", head[4].to_string(), "1"));
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&head[8..16]);
        let nchunks = i64::from_le_bytes(n);
        if nchunks != 1 && nchunks != -1 {
            return Err(bad(
                "bloscpack chunk count",
                nchunks.to_string(),
                "1 (or -1, unknown)",
            ));
        }
        let (nbytes, cbytes, _) =
            blz_blosc::cbuffer_sizes(&head[BLP_HEADER_LEN..]).map_err(|e| ImportError::Chunk {
                file: file.clone(),
                chunk: i,
                source: e,
            })?;
        // A full chunk holds chunklen items, the leftover file exactly the leftover items:
        // anything else means the sizes do not describe these files.
        if nbytes != want {
            return Err(ImportError::ChunkSize {
                file,
                chunk: i,
                got: nbytes,
                expected: want.to_string(),
            });
        }
        if cbytes > got - BLP_HEADER_LEN {
            return Err(ImportError::Truncated {
                file,
                what: "blosc chunk",
                needed: (BLP_HEADER_LEN + cbytes) as u64,
                got: size,
            });
        }
        let mut chunk = head[BLP_HEADER_LEN..].to_vec();
        chunk.resize(cbytes.max(chunk.len()), 0);
        f.read_exact(&mut chunk[blz_blosc::HEADER_LEN..])
            .map_err(|e| io("read", e))?;
        blz_blosc::decompress(&chunk).map_err(|e| ImportError::Chunk {
            file: file.clone(),
            chunk: i,
            source: e,
        })
    }

    /// The next `rows` rows as values.
    fn take(&mut self, rows: usize, first_row: usize) -> Result<ColumnBatch, ImportError> {
        let need = rows * self.dtype.itemsize();
        while self.pending.len() < need && self.next_file < self.nfiles {
            let raw = self.read_chunk(self.next_file)?;
            self.next_file += 1;
            if self.pending.is_empty() {
                self.pending = raw;
            } else {
                self.pending.extend_from_slice(&raw);
            }
        }
        if self.pending.len() < need {
            return Err(ImportError::ColumnLength {
                column: self.name.clone(),
                got: first_row + self.pending.len() / self.dtype.itemsize(),
                expected: first_row + rows,
            });
        }
        let rest = self.pending.split_off(need);
        let raw = std::mem::replace(&mut self.pending, rest);
        let values = self.dtype.decode(&raw, &self.name, first_row)?;
        Ok(ColumnBatch::new(&self.name, values))
    }
}

fn chunk_file(dir: &Path, i: usize) -> PathBuf {
    dir.join("data").join(format!("__{i}.blp"))
}

/// Whether `dir` looks like a bcolz carray or ctable rootdir.
pub(crate) fn is_bcolz_dir(dir: &Path) -> bool {
    dir.join("__rootdirs__").is_file()
        || (dir.join("meta").join("sizes").is_file() && dir.join("meta").join("storage").is_file())
}

/// The column name of a carray opened on its own: the directory's last path component.
fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        });
    name.unwrap_or_else(|| "values".to_owned())
}

impl BcolzSource {
    /// Opens a bcolz carray or ctable directory, reading only its metadata.
    ///
    /// # Errors
    /// [`Error::Import`]: not a bcolz directory, missing or invalid metadata, a missing chunk
    /// file, an unsupported dtype, columns of different lengths.
    pub fn open(path: impl AsRef<Path>) -> Result<BcolzSource> {
        let root = path.as_ref();
        Self::open_inner(root).map_err(|k| fail(root, k))
    }

    fn open_inner(root: &Path) -> Result<BcolzSource, ImportError> {
        let rootdirs = root.join("__rootdirs__");
        let columns = if rootdirs.is_file() {
            let j = read_json(&rootdirs)?;
            let names = j.get("names");
            let list = names
                .and_then(Json::as_array)
                .ok_or_else(|| meta_err(&rootdirs, "names", names, "a list of column names"))?;
            let mut cols: Vec<CArrayReader> = Vec::with_capacity(list.len());
            for n in list {
                // Names become paths: only plain directory names.
                let name = n
                    .as_str()
                    .filter(|s| {
                        !s.is_empty() && *s != "." && *s != ".." && !s.contains(['/', '\\', '\0'])
                    })
                    .ok_or_else(|| {
                        meta_err(&rootdirs, "names", Some(n), "plain directory names")
                    })?;
                if cols.iter().any(|c| c.name == name) {
                    return Err(meta_err(&rootdirs, "names", Some(n), "each name once"));
                }
                cols.push(CArrayReader::open(&root.join(name), name.to_owned())?);
            }
            cols
        } else if root.join("meta").is_dir() {
            vec![CArrayReader::open(root, stem(root))?]
        } else if root.is_dir() {
            return Err(ImportError::NotRecognized);
        } else {
            return Err(ImportError::Missing {
                file: root.to_path_buf(),
            });
        };
        let len = columns.first().map_or(0, |c| c.len);
        if let Some(c) = columns.iter().find(|c| c.len != len) {
            return Err(ImportError::ColumnLength {
                column: c.name.clone(),
                got: c.len,
                expected: len,
            });
        }
        let batch_rows = columns.iter().map(|c| c.chunklen).max().unwrap_or(1);
        Ok(BcolzSource {
            root: root.to_path_buf(),
            columns,
            len,
            batch_rows,
            pos: 0,
            failed: false,
        })
    }

    /// Names and types of the columns (none nullable).
    pub fn schema(&self) -> Schema {
        Schema {
            fields: self
                .columns
                .iter()
                .map(|c| Field {
                    name: c.name.clone(),
                    ty: c.dtype.column_type(),
                    nullable: false,
                })
                .collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn next_batch(&mut self) -> Result<Vec<ColumnBatch>, ImportError> {
        let rows = self.batch_rows.min(self.len - self.pos);
        let first = self.pos;
        let batch = self
            .columns
            .iter_mut()
            .map(|c| c.take(rows, first))
            .collect::<Result<Vec<_>, _>>()?;
        self.pos += rows;
        Ok(batch)
    }
}

impl Iterator for BcolzSource {
    type Item = Result<Vec<ColumnBatch>, Error>;

    /// The next batch of rows, one [`ColumnBatch`] per column; after an error, `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.len {
            return None;
        }
        let r = self.next_batch().map_err(|k| fail(&self.root, k));
        self.failed = r.is_err();
        Some(r)
    }
}
