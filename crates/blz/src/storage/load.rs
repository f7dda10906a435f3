//! Reading a committed table: the manifest's files mapped, its columns rebuilt over them.

use std::collections::{BTreeMap, HashMap};
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Arc;

use super::array::{self, Source, blob, cparams_from, parse_dtype};
use super::file::{open_regular, read_regular};
use super::manifest::{ArrayRec, ColumnRec, MANIFEST, Manifest, StorageRec};
use crate::cache::ChunkCache;
use crate::carray::{CArray, CArrayOptions};
use crate::chunk::MappedFile;
use crate::ctable::{Column, Data, StrData};
use crate::dtype::DType;
use crate::dtype::Timestamp;
use crate::error::{Error, Result};

/// A manifest being written; never named by a committed manifest.
pub(super) const MANIFEST_TMP: &str = "manifest.json.tmp";

pub(super) fn read_manifest_bytes(dir: &Path) -> Result<Vec<u8>> {
    let path = dir.join(MANIFEST);
    match read_regular(&path) {
        Ok(b) => Ok(b),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::table(
                dir,
                "not a blz table (no manifest.json); create one with `blz import`",
            ))
        }
        Err(e) => Err(e),
    }
}

/// Whether `name` is a file blz manages in a table directory.
pub(super) fn is_ours(name: &str) -> bool {
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

pub(super) fn file_id(name: &str) -> Option<u64> {
    name.strip_prefix('c')?.split_once('.')?.0.parse().ok()
}

/// Loads every column of `m`: maps the data files, reads the side file.
pub(super) struct Loaded {
    pub(super) columns: Vec<Column>,
    pub(super) maps: BTreeMap<String, Arc<MappedFile>>,
    pub(super) opts: CArrayOptions,
}

/// Whether scans hand mapped pages back to the OS: the committed data outgrows the cache.
pub(super) fn releases_pages(m: &Manifest, cache: &ChunkCache) -> bool {
    // Saturating: the lengths come from the manifest, which may be hand-edited.
    m.files.values().fold(0u64, |a, &b| a.saturating_add(b)) > cache.stats().capacity
}

pub(super) fn load(dir: &Arc<Path>, m: &Manifest, cache: &Arc<ChunkCache>) -> Result<Loaded> {
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

pub(super) fn load_column(
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
pub(super) fn arrays_of(c: &ColumnRec) -> Vec<(&'static str, &ArrayRec)> {
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
pub(super) fn check_ends(ends: &CArray<u64>) -> std::result::Result<(), String> {
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

pub(super) fn decode_dict(mut b: &[u8], count: u64) -> Option<Vec<String>> {
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
pub(super) fn ids_of(m: &Manifest) -> (HashMap<String, u64>, u64) {
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
