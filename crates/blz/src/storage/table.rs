//! `CTable` on disk: create, open, commit, verify.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::Arc;

use super::array::{self, Persist, Source, blob, codec_rec, cparams_from, parse_dtype};
use super::file::{open_regular, read_regular};
use super::manifest::{
    ArrayRec, ColumnRec, DictRec, FORMAT_NAME, FORMAT_VERSION, MANIFEST, Manifest, SideRec,
    StorageRec,
};
use super::place::{TableLock, rename_noreplace, sibling, take_lock};
use super::write::{DataFile, SideWriter, sync_dir, write_synced};
use super::{CreateOptions, OpenMode};
use crate::cache::ChunkCache;
use crate::carray::{CArray, CArrayOptions};
use crate::chunk::MappedFile;
use crate::ctable::{CTable, Column, Data, StrData};
use crate::dtype::{DType, Timestamp};
use crate::error::{Error, Result};

const MANIFEST_TMP: &str = "manifest.json.tmp";

/// The smallest chunk length of a table on disk. Every chunk of every column costs a manifest
/// record (offset, size, checksum and statistics: about 200 bytes of JSON) and a Blosc header;
/// below 64 rows a chunk of 8-byte values (512 bytes) hardly outweighs its record, and a table
/// of one-row chunks has a manifest many times its data. `blz import` asks for more (1,024).
pub const MIN_TABLE_CHUNKLEN: usize = 64;

/// The on-disk side of a table opened from (or created in) a directory.
pub(crate) struct Store {
    dir: Arc<Path>,
    writable: bool,
    /// The writer lock, held while the table is open for writing.
    _lock: Option<File>,
    committed: Manifest,
    files: BTreeMap<String, DataFile>,
    maps: BTreeMap<String, Arc<MappedFile>>,
    /// Column name -> the number in its data files' names.
    ids: HashMap<String, u64>,
    next_id: u64,
    /// Changes not committed yet.
    changed: bool,
}

fn read_manifest_bytes(dir: &Path) -> Result<Vec<u8>> {
    let path = dir.join(MANIFEST);
    match read_regular(&path) {
        Ok(b) => Ok(b),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::table(
                dir,
                "not a blz table (no manifest.json); create one with `blz import` or CTable::create",
            ))
        }
        Err(e) => Err(e),
    }
}

/// Whether `name` is a file blz manages in a table directory.
fn is_ours(name: &str) -> bool {
    let data = name
        .strip_prefix('c')
        .and_then(|r| r.split_once('.'))
        .is_some_and(|(id, part)| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && ["data", "validity", "codes", "ends", "bytes"].contains(&part)
        });
    let side = name
        .strip_prefix("side.")
        .is_some_and(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
    data || side || name == MANIFEST_TMP
}

fn file_id(name: &str) -> Option<u64> {
    name.strip_prefix('c')?.split_once('.')?.0.parse().ok()
}

fn empty_manifest(opts: &CArrayOptions, chunklen: usize) -> Manifest {
    Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        generation: 0,
        rows: 0,
        chunklen: chunklen as u64,
        codec: codec_rec(&opts.cparams),
        columns: Vec::new(),
        files: BTreeMap::new(),
        side: None,
    }
}

fn write_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    let tmp = dir.join(MANIFEST_TMP);
    write_synced(&tmp, &m.to_bytes()?)?;
    let dst = dir.join(MANIFEST);
    std::fs::rename(&tmp, &dst).map_err(|e| Error::io(&dst, "rename", e))?;
    sync_dir(dir)
}

/// Loads every column of `m`: maps the data files, reads the side file.
struct Loaded {
    columns: Vec<Column>,
    maps: BTreeMap<String, Arc<MappedFile>>,
    opts: CArrayOptions,
}

/// Whether scans hand mapped pages back to the OS: the committed data outgrows the cache.
fn releases_pages(m: &Manifest, cache: &ChunkCache) -> bool {
    // Saturating: the lengths come from the manifest, which may be hand-edited.
    m.files.values().fold(0u64, |a, &b| a.saturating_add(b)) > cache.stats().capacity
}

fn load(dir: &Arc<Path>, m: &Manifest, cache: &Arc<ChunkCache>) -> Result<Loaded> {
    let release = releases_pages(m, cache);
    let mut maps = BTreeMap::new();
    for (name, &len) in &m.files {
        if !is_ours(name) {
            return Err(Error::table(
                dir,
                format!("the manifest names a foreign file {name:?}"),
            ));
        }
        let path = dir.join(name);
        let f = open_regular(&path, OpenOptions::new().read(true))?;
        let have = f.metadata().map_err(|e| Error::io(&path, "stat", e))?.len();
        if have < len {
            return Err(Error::table(
                &path,
                format!(
                    "data file holds {have} bytes, the manifest commits {len}: the file was truncated"
                ),
            ));
        }
        maps.insert(
            name.clone(),
            MappedFile::map(&f, len, &path, Arc::clone(dir), release)?,
        );
    }
    let side = match &m.side {
        None => Vec::new(),
        Some(s) => {
            if !is_ours(&s.file) {
                return Err(Error::table(
                    dir,
                    format!("the manifest names a foreign file {:?}", s.file),
                ));
            }
            let path = dir.join(&s.file);
            let b = read_regular(&path)?;
            if (b.len() as u64) < s.len {
                return Err(Error::table(
                    &path,
                    "the side file is shorter than the manifest says",
                ));
            }
            b
        }
    };
    let chunklen = usize::try_from(m.chunklen)
        .ok()
        .filter(|&c| c > 0)
        .ok_or_else(|| Error::table(dir, "the manifest has a zero or huge chunklen"))?;
    let cparams = cparams_from(&m.codec)
        .ok_or_else(|| Error::table(dir, format!("unknown codec parameters {:?}", m.codec)))?;
    let opts = CArrayOptions::default()
        .with_chunklen(chunklen)
        .with_cparams(cparams)
        .with_cache(Arc::clone(cache));
    let mut columns = Vec::with_capacity(m.columns.len());
    for c in &m.columns {
        if columns.iter().any(|x: &Column| x.name == c.name) {
            return Err(Error::table(
                dir,
                format!("column {:?} appears twice", c.name),
            ));
        }
        for (part, a) in arrays_of(c) {
            if a.chunklen != m.chunklen {
                return Err(Error::table(
                    dir,
                    format!(
                        "column {:?} ({part}) has chunks of {} rows, the table {}: the manifest is inconsistent",
                        c.name, a.chunklen, m.chunklen
                    ),
                ));
            }
        }
        let col = load_column(c, m.rows, &maps, &side, cache).map_err(|r| Error::table(dir, r))?;
        columns.push(col);
    }
    Ok(Loaded {
        columns,
        maps,
        opts,
    })
}

fn load_column(
    c: &ColumnRec,
    rows: u64,
    maps: &BTreeMap<String, Arc<MappedFile>>,
    side: &[u8],
    cache: &Arc<ChunkCache>,
) -> std::result::Result<Column, String> {
    let len = usize::try_from(rows).map_err(|_| "too many rows".to_string())?;
    let labels = |part: &str| -> Arc<str> { Arc::from(format!("{}/{part}", c.name)) };
    let src = |rec: &ArrayRec,
               label: &Arc<str>|
     -> std::result::Result<(Arc<MappedFile>, Arc<str>), String> {
        let map = maps
            .get(&rec.file)
            .ok_or_else(|| format!("{label}: data file {:?} is not in the manifest", rec.file))?;
        Ok((Arc::clone(map), Arc::clone(label)))
    };
    macro_rules! load_as {
        ($t:ty, $rec:expr, $dtype:expr, $part:expr) => {{
            let label = labels($part);
            let (map, label) = src($rec, &label)?;
            let s = Source {
                map: &map,
                side,
                label: &label,
                cache,
                len: rows,
            };
            array::load::<$t>($rec, $dtype, &s)?
        }};
    }
    let data = match &c.storage {
        StorageRec::Fixed { data } => {
            let dtype = parse_dtype(&c.ty)
                .ok_or_else(|| format!("column {:?}: unknown type {:?}", c.name, c.ty))?;
            match dtype {
                DType::Bool => Data::Bool(load_as!(bool, data, dtype, "data")),
                DType::I8 => Data::I8(load_as!(i8, data, dtype, "data")),
                DType::I16 => Data::I16(load_as!(i16, data, dtype, "data")),
                DType::I32 => Data::I32(load_as!(i32, data, dtype, "data")),
                DType::I64 => Data::I64(load_as!(i64, data, dtype, "data")),
                DType::U8 => Data::U8(load_as!(u8, data, dtype, "data")),
                DType::U16 => Data::U16(load_as!(u16, data, dtype, "data")),
                DType::U32 => Data::U32(load_as!(u32, data, dtype, "data")),
                DType::U64 => Data::U64(load_as!(u64, data, dtype, "data")),
                DType::F32 => Data::F32(load_as!(f32, data, dtype, "data")),
                DType::F64 => Data::F64(load_as!(f64, data, dtype, "data")),
                DType::Timestamp(u) => Data::Timestamp(load_as!(Timestamp, data, dtype, "data"), u),
            }
        }
        StorageRec::Dict { codes, dict } => {
            if c.ty != "utf8" {
                return Err(format!(
                    "column {:?}: dictionary storage for type {}",
                    c.name, c.ty
                ));
            }
            let codes = load_as!(u32, codes, DType::U32, "codes");
            let values = decode_dict(
                blob(side, &dict.blob, &format!("{}/dict", c.name))?,
                dict.count,
            )
            .ok_or_else(|| format!("column {:?}: malformed dictionary", c.name))?;
            let index = values
                .iter()
                .enumerate()
                .map(|(i, v)| (v.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
                .collect();
            Data::Utf8(StrData::Dict {
                values,
                index,
                codes,
            })
        }
        StorageRec::Plain { ends, bytes } => {
            if c.ty != "utf8" {
                return Err(format!(
                    "column {:?}: text storage for type {}",
                    c.name, c.ty
                ));
            }
            let ends = load_as!(u64, ends, DType::U64, "ends");
            let total = if len == 0 {
                0
            } else {
                ends.get(len - 1)
                    .map_err(|e| format!("column {:?}: {e}", c.name))?
            };
            let label = labels("bytes");
            let (map, label) = src(bytes, &label)?;
            let s = Source {
                map: &map,
                side,
                label: &label,
                cache,
                len: total,
            };
            let bytes = array::load::<u8>(bytes, DType::U8, &s)?;
            check_ends(&ends).map_err(|r| format!("column {:?}: {r}", c.name))?;
            Data::Utf8(StrData::Plain { ends, bytes })
        }
    };
    let validity = match &c.validity {
        None => None,
        Some(v) => Some(load_as!(bool, v, DType::Bool, "validity")),
    };
    Ok(Column {
        name: c.name.clone(),
        data,
        validity,
        len,
    })
}

/// The arrays of a column record, with their part names.
fn arrays_of(c: &ColumnRec) -> Vec<(&'static str, &ArrayRec)> {
    let mut v = match &c.storage {
        StorageRec::Fixed { data } => vec![("data", data)],
        StorageRec::Dict { codes, .. } => vec![("codes", codes)],
        StorageRec::Plain { ends, bytes } => vec![("ends", ends), ("bytes", bytes)],
    };
    if let Some(val) = &c.validity {
        v.push(("validity", val));
    }
    v
}

/// What can be checked of a text column's end offsets without decoding them: the chunks'
/// ranges (from their statistics) follow one another and the tail continues them in order.
/// `blz::verify` checks every offset.
fn check_ends(ends: &CArray<u64>) -> std::result::Result<(), String> {
    let bad = |at: String| Err(format!("text offsets out of order ({at})"));
    let mut prev = 0u64;
    for (i, c) in ends.chunks.iter().enumerate() {
        match (c.stats.min, c.stats.max) {
            (Some(lo), Some(hi)) if lo >= prev && hi >= lo => prev = hi,
            (None, None) if c.stats.count == 0 => {}
            _ => return bad(format!("chunk {i}")),
        }
    }
    for (i, &e) in ends.tail.iter().enumerate() {
        if e < prev {
            return bad(format!("row {} of the tail", i));
        }
        prev = e;
    }
    Ok(())
}

fn encode_dict(values: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.iter().map(|v| v.len() + 4).sum());
    for v in values {
        out.extend_from_slice(&u32::try_from(v.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

fn decode_dict(mut b: &[u8], count: u64) -> Option<Vec<String>> {
    let n = usize::try_from(count).ok()?;
    // Each value takes at least its 4-byte length: bound the allocation by the input.
    let mut out = Vec::with_capacity(n.min(b.len() / 4));
    for _ in 0..n {
        let (len, rest) = b.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let s = rest.get(..len)?;
        out.push(String::from_utf8(s.to_vec()).ok()?);
        b = &rest[len..];
    }
    b.is_empty().then_some(out)
}

/// Column name -> file id of a manifest's columns, and the next free id.
fn ids_of(m: &Manifest) -> (HashMap<String, u64>, u64) {
    let ids: HashMap<String, u64> = m
        .columns
        .iter()
        .filter_map(|c| {
            let file = match &c.storage {
                StorageRec::Fixed { data } => &data.file,
                StorageRec::Dict { codes, .. } => &codes.file,
                StorageRec::Plain { ends, .. } => &ends.file,
            };
            Some((c.name.clone(), file_id(file)?))
        })
        .collect();
    let next_id = m
        .files
        .keys()
        .filter_map(|f| file_id(f))
        .max()
        .map_or(0, |x| x + 1);
    (ids, next_id)
}

impl Store {
    /// Forgets chunks written since the last commit: every data file goes back to its
    /// committed length.
    fn rewind_files(&mut self) {
        for (name, f) in &mut self.files {
            f.rewind(self.committed.files.get(name).copied().unwrap_or(0));
        }
    }

    fn data_file(&mut self, name: &str) -> Result<&mut DataFile> {
        if !self.files.contains_key(name) {
            let committed = self.committed.files.get(name).copied().unwrap_or(0);
            let f = DataFile::open(&self.dir, name, committed)?;
            self.files.insert(name.to_owned(), f);
        }
        self.files
            .get_mut(name)
            .ok_or_else(|| Error::table(&self.dir, "data file vanished"))
    }

    fn id_for(&mut self, column: &str) -> u64 {
        if let Some(&id) = self.ids.get(column) {
            return id;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.ids.insert(column.to_owned(), id);
        id
    }

    /// Removes files of ours that the committed manifest does not name (dropped columns, old
    /// side files, garbage of crashed commits). Best effort.
    fn collect_garbage(&mut self) {
        let keep: Vec<&str> = self
            .committed
            .files
            .keys()
            .map(String::as_str)
            .chain(self.committed.side.as_ref().map(|s| s.file.as_str()))
            .collect();
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_ours(name) && !keep.contains(&name) {
                self.files.remove(name);
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

fn save_array<T: Persist>(
    store: &mut Store,
    a: &mut CArray<T>,
    file: &str,
    side: &mut SideWriter,
) -> Result<ArrayRec> {
    let df = store.data_file(file)?;
    array::save(a, df, side)
}

fn save_column(store: &mut Store, col: &mut Column, side: &mut SideWriter) -> Result<ColumnRec> {
    let id = store.id_for(&col.name);
    let f = |part: &str| format!("c{id}.{part}");
    macro_rules! fixed {
        ($a:expr) => {
            StorageRec::Fixed {
                data: save_array(store, $a, &f("data"), side)?,
            }
        };
    }
    let ty = col.column_type().to_string();
    let storage = match &mut col.data {
        Data::Bool(a) => fixed!(a),
        Data::I8(a) => fixed!(a),
        Data::I16(a) => fixed!(a),
        Data::I32(a) => fixed!(a),
        Data::I64(a) => fixed!(a),
        Data::U8(a) => fixed!(a),
        Data::U16(a) => fixed!(a),
        Data::U32(a) => fixed!(a),
        Data::U64(a) => fixed!(a),
        Data::F32(a) => fixed!(a),
        Data::F64(a) => fixed!(a),
        Data::Timestamp(a, _) => fixed!(a),
        Data::Utf8(StrData::Dict { values, codes, .. }) => {
            let codes = save_array(store, codes, &f("codes"), side)?;
            let blob = side.append(&encode_dict(values))?;
            StorageRec::Dict {
                codes,
                dict: DictRec {
                    count: values.len() as u64,
                    blob,
                },
            }
        }
        Data::Utf8(StrData::Plain { ends, bytes }) => StorageRec::Plain {
            ends: save_array(store, ends, &f("ends"), side)?,
            bytes: save_array(store, bytes, &f("bytes"), side)?,
        },
    };
    let validity = match &mut col.validity {
        Some(v) => Some(save_array(store, v, &f("validity"), side)?),
        None => None,
    };
    Ok(ColumnRec {
        name: col.name.clone(),
        ty,
        validity,
        storage,
    })
}

fn remap_column(col: &mut Column, rec: &ColumnRec, maps: &BTreeMap<String, Arc<MappedFile>>) {
    fn one<T: crate::dtype::Element>(
        a: &mut CArray<T>,
        r: &ArrayRec,
        maps: &BTreeMap<String, Arc<MappedFile>>,
        label: String,
    ) {
        if let Some(m) = maps.get(&r.file) {
            array::remap(a, r, m, &Arc::from(label));
        }
    }
    let name = col.name.clone();
    let l = |p: &str| format!("{name}/{p}");
    match (&mut col.data, &rec.storage) {
        (Data::Bool(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I8(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I16(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I32(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::I64(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U8(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U16(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U32(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::U64(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::F32(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::F64(a), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::Timestamp(a, _), StorageRec::Fixed { data }) => one(a, data, maps, l("data")),
        (Data::Utf8(StrData::Dict { codes, .. }), StorageRec::Dict { codes: r, .. }) => {
            one(codes, r, maps, l("codes"));
        }
        (
            Data::Utf8(StrData::Plain { ends, bytes }),
            StorageRec::Plain {
                ends: re,
                bytes: rb,
            },
        ) => {
            one(ends, re, maps, l("ends"));
            one(bytes, rb, maps, l("bytes"));
        }
        _ => {}
    }
    if let (Some(v), Some(r)) = (&mut col.validity, &rec.validity) {
        one(v, r, maps, l("validity"));
    }
}

impl CTable {
    /// Creates a table in a new directory `path` (see [`CreateOptions`]), holding its writer
    /// lock. Rows appended become durable at [`CTable::commit`] (and when the table is dropped).
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] when `path` exists (unless `overwrite`, which replaces only a blz
    /// table or an empty directory), [`Error::Locked`] when the table to replace is open for
    /// writing, [`Error::Io`] on file errors.
    pub fn create(path: impl AsRef<Path>, opts: CreateOptions) -> Result<CTable> {
        let dir = path.as_ref();
        // The table to replace, locked from here to the swap: no other writer runs meanwhile.
        let mut replace = None;
        if std::fs::symlink_metadata(dir).is_ok() {
            if !opts.overwrite {
                return Err(Error::AlreadyExists {
                    path: dir.to_path_buf(),
                });
            }
            replace = Some(TableLock::acquire(dir)?);
        }
        // Build the table in a hidden sibling directory and move it into place, so a crash
        // during creation never leaves a half-made table at `path`, and a replaced table is
        // swapped for the new one atomically.
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", e))?;
        let staging = sibling(dir, "creating")?;
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, "create", e))?;
        let made = (|| -> Result<(File, CTable, Manifest)> {
            let lock = take_lock(&staging)?;
            let t = match opts.column {
                Some(o) => CTable::with_options(o)?,
                None => CTable::new(),
            };
            if t.chunklen() < MIN_TABLE_CHUNKLEN {
                return Err(Error::param(
                    "chunklen",
                    t.chunklen(),
                    "at least 64 (MIN_TABLE_CHUNKLEN) for a table on disk: every chunk costs a \
                     manifest record of about 200 bytes per column",
                ));
            }
            let m = empty_manifest(&t.opts, t.chunklen());
            write_manifest(&staging, &m)?;
            match replace {
                Some(old) => old.replace_with(&staging)?,
                None => rename_noreplace(&staging, dir)?,
            }
            sync_dir(parent)?;
            Ok((lock, t, m))
        })();
        let (lock, t, m) = match made {
            Ok(x) => x,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        let dir: Arc<Path> = Arc::from(dir);
        let mut t = t;
        t.store = Some(Box::new(Store {
            dir,
            writable: true,
            _lock: Some(lock),
            committed: m,
            files: BTreeMap::new(),
            maps: BTreeMap::new(),
            ids: HashMap::new(),
            next_id: 0,
            changed: false,
        }));
        Ok(t)
    }

    /// Opens the table in directory `path`, reading through the process-wide cache.
    ///
    /// # Errors
    /// [`Error::Table`] when `path` holds no table, a damaged manifest, a newer format or files
    /// that do not match the manifest; [`Error::Locked`] for a second writer; [`Error::Io`].
    pub fn open(path: impl AsRef<Path>, mode: OpenMode) -> Result<CTable> {
        Self::open_with_cache(path, mode, ChunkCache::global())
    }

    /// Opens the table in directory `path`, reading through `cache`.
    ///
    /// # Errors
    /// As [`CTable::open`].
    pub fn open_with_cache(
        path: impl AsRef<Path>,
        mode: OpenMode,
        cache: Arc<ChunkCache>,
    ) -> Result<CTable> {
        let dir = path.as_ref();
        if !dir.is_dir() {
            return Err(Error::table(
                dir,
                if dir.exists() {
                    "not a blz table (not a directory)"
                } else {
                    "no such table"
                },
            ));
        }
        let lock = match mode {
            OpenMode::Append => Some(take_lock(dir)?),
            OpenMode::ReadOnly => None,
        };
        let adir: Arc<Path> = Arc::from(dir);
        // A writer may commit (and delete the files of the previous commit), or replace the
        // whole table (`blz import --overwrite` swaps directories), between our reading the
        // manifest and opening its files: a reader reads the manifest again after loading and
        // starts over when it changed, so the files it holds are the ones the manifest names.
        let mut attempt = 0;
        let (m, loaded) = loop {
            let raw = read_manifest_bytes(dir)?;
            let m = Manifest::from_bytes(&raw, &dir.join(MANIFEST))?;
            let res = load(&adir, &m, &cache);
            let settled = lock.is_some()
                || attempt >= 16
                || read_manifest_bytes(dir).ok().as_deref() == Some(&raw[..]);
            match res {
                Ok(l) if settled => break (m, l),
                Err(e) if settled => return Err(e),
                _ => attempt += 1,
            }
        };
        let (ids, next_id) = ids_of(&m);
        let rows = usize::try_from(m.rows).map_err(|_| Error::table(dir, "too many rows"))?;
        let mut store = Store {
            dir: adir,
            writable: lock.is_some(),
            _lock: lock,
            committed: m,
            files: BTreeMap::new(),
            maps: loaded.maps,
            ids,
            next_id,
            changed: false,
        };
        if store.writable {
            // Reclaim what crashed commits left: bytes past the committed ends, stray files.
            let names: Vec<String> = store.committed.files.keys().cloned().collect();
            for n in names {
                store.data_file(&n)?;
            }
            store.collect_garbage();
        }
        Ok(CTable {
            columns: loaded.columns,
            len: rows,
            opts: loaded.opts,
            store: Some(Box::new(store)),
        })
    }

    /// The table's directory, for a table on disk.
    pub fn path(&self) -> Option<&Path> {
        self.store.as_ref().map(|s| &*s.dir)
    }

    /// Whether the table is open read-only.
    pub fn is_read_only(&self) -> bool {
        self.store.as_ref().is_some_and(|s| !s.writable)
    }

    /// Checks that the table may change, and notes that it did (called by every mutator).
    pub(crate) fn before_change(&mut self) -> Result<()> {
        if let Some(s) = &mut self.store {
            if !s.writable {
                return Err(Error::ReadOnly {
                    path: s.dir.to_path_buf(),
                });
            }
            s.changed = true;
        }
        Ok(())
    }

    /// Notes a renamed column (its files keep their names).
    pub(crate) fn note_rename(&mut self, from: &str, to: &str) {
        if let Some(s) = &mut self.store
            && let Some(id) = s.ids.remove(from)
        {
            s.ids.insert(to.to_owned(), id);
        }
    }

    /// Notes a dropped column (its files go at the next commit).
    pub(crate) fn note_drop(&mut self, name: &str) {
        if let Some(s) = &mut self.store {
            s.ids.remove(name);
        }
    }

    /// Discards every change since the last commit (appended rows, added, dropped or renamed
    /// columns): the table returns to its committed state, and dropping it commits nothing.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], [`Error::InvalidParam`] for a table in memory, and the errors of
    /// [`CTable::open`] when the committed files cannot be read again.
    pub fn rollback(&mut self) -> Result<()> {
        let Some(store) = self.store.as_mut() else {
            return Err(Error::param(
                "rollback",
                "a table in memory",
                "a table made by CTable::create or opened with OpenMode::Append",
            ));
        };
        if !store.writable {
            return Err(Error::ReadOnly {
                path: store.dir.to_path_buf(),
            });
        }
        let cache = self.opts.cache.clone().unwrap_or_else(ChunkCache::global);
        let loaded = load(&store.dir, &store.committed, &cache)?;
        store.rewind_files();
        let (ids, next_id) = ids_of(&store.committed);
        store.ids = ids;
        store.next_id = store.next_id.max(next_id);
        store.maps = loaded.maps;
        store.changed = false;
        self.len = usize::try_from(store.committed.rows).unwrap_or(usize::MAX);
        self.columns = loaded.columns;
        self.opts = loaded.opts;
        Ok(())
    }

    /// Makes every change durable: new chunks are appended to the data files and synced, then
    /// a new manifest replaces the old one atomically. When this returns `Ok`, the rows are on
    /// disk; a crash before that leaves the table as of the previous commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`] for a table opened read-only, [`Error::InvalidParam`] for a table in
    /// memory (nothing to commit to), [`Error::Io`] when writing fails (a full disk): the table
    /// on disk keeps its last committed state and this table keeps its rows, so `commit` may be
    /// retried.
    pub fn commit(&mut self) -> Result<()> {
        let Some(mut store) = self.store.take() else {
            return Err(Error::param(
                "commit",
                "a table in memory",
                "a table made by CTable::create or opened with OpenMode::Append",
            ));
        };
        let r = self.commit_into(&mut store);
        if r.is_err() {
            store.rewind_files();
        }
        self.store = Some(store);
        r
    }

    fn commit_into(&mut self, store: &mut Store) -> Result<()> {
        if !store.writable {
            return Err(Error::ReadOnly {
                path: store.dir.to_path_buf(),
            });
        }
        let generation = store.committed.generation + 1;
        let mut side = SideWriter::default();
        let mut columns = Vec::with_capacity(self.columns.len());
        for col in &mut self.columns {
            columns.push(save_column(store, col, &mut side)?);
        }
        let mut files = BTreeMap::new();
        for c in &columns {
            let arrays: Vec<&ArrayRec> = match &c.storage {
                StorageRec::Fixed { data } => vec![data],
                StorageRec::Dict { codes, .. } => vec![codes],
                StorageRec::Plain { ends, bytes } => vec![ends, bytes],
            };
            for a in arrays.into_iter().chain(c.validity.as_ref()) {
                let end = store.data_file(&a.file)?.end();
                files.insert(a.file.clone(), end);
            }
        }
        for name in files.keys() {
            store.data_file(name)?.sync()?;
        }
        let side_rec = if side.is_empty() {
            None
        } else {
            let file = format!("side.{generation}");
            side.write(&store.dir.join(&file))?;
            Some(SideRec {
                file,
                len: side.len(),
            })
        };
        // New data and side files must have durable names before the manifest names them.
        sync_dir(&store.dir)?;
        let m = Manifest {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            generation,
            rows: self.len as u64,
            chunklen: self.chunklen() as u64,
            codec: codec_rec(&self.opts.cparams),
            columns,
            files,
            side: side_rec,
        };
        write_manifest(&store.dir, &m)?;
        // Committed. Point the chunks at the files (freeing the in-memory copies), tidy up.
        let mut maps = BTreeMap::new();
        let release = releases_pages(
            &m,
            &self.opts.cache.clone().unwrap_or_else(ChunkCache::global),
        );
        let dir = Arc::clone(&store.dir);
        for (name, &len) in &m.files {
            let df = store.data_file(name)?;
            let map = MappedFile::map(df.file(), len, df.path(), Arc::clone(&dir), release)?;
            maps.insert(name.clone(), map);
        }
        for (col, rec) in self.columns.iter_mut().zip(&m.columns) {
            remap_column(col, rec, &maps);
        }
        store.maps = maps;
        store.committed = m;
        store.changed = false;
        store.collect_garbage();
        Ok(())
    }
}

impl Drop for CTable {
    fn drop(&mut self) {
        if self.store.as_ref().is_some_and(|s| s.writable && s.changed) {
            // Errors cannot be reported here; call `commit` to see them.
            let _ = self.commit();
        }
    }
}

impl CTable {
    /// Bytes column `name` takes as stored: its compressed chunks plus, for a table on disk,
    /// its compressed tail and dictionary as the last commit wrote them (a table in memory or
    /// with uncommitted changes counts its tail uncompressed, as [`CTable::column_sizes`]).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn column_stored_bytes(&self, name: &str) -> Result<usize> {
        let (_, mem) = self.column_sizes(name)?;
        let Some(store) = self.store.as_ref().filter(|s| !s.changed) else {
            return Ok(mem);
        };
        let Some(rec) = store.committed.columns.iter().find(|c| c.name == name) else {
            return Ok(mem);
        };
        let mut n = 0u64;
        for (_, a) in arrays_of(rec) {
            let chunks = a
                .chunks
                .iter()
                .fold(0u64, |x, c| x.saturating_add(c.cbytes));
            n = n
                .saturating_add(chunks)
                .saturating_add(a.tail.as_ref().map_or(0, |t| t.len));
        }
        if let StorageRec::Dict { dict, .. } = &rec.storage {
            n = n.saturating_add(dict.blob.len);
        }
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Bytes of all columns as stored (see [`CTable::column_stored_bytes`]).
    pub fn stored_bytes(&self) -> usize {
        self.columns
            .iter()
            .map(|c| self.column_stored_bytes(&c.name).unwrap_or(0))
            .sum()
    }
}
