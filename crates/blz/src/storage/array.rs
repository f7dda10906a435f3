//! One typed array (a column's values, validity, codes, ...) to and from its manifest record.

use std::sync::Arc;

use blz_blosc::{CLevel, CParams, Compressor, Shuffle};

use super::manifest::{ArrayRec, BlobRec, ChunkRec, CodecRec, Num, StatsRec, hex, parse_hex};
use super::write::{DataFile, SideWriter};
use crate::cache::ChunkCache;
use crate::carray::{CArray, CArrayOptions, Chunk};
use crate::chunk::{ChunkBytes, MappedChunk, MappedFile};
use crate::dtype::{DType, Element, TimeUnit, Timestamp};
use crate::error::Result;
use crate::stats::Stats;

/// Element types whose statistics go to and come from the manifest.
pub(crate) trait Persist: Element {
    fn to_num(self) -> Num;
    fn from_num(n: Num) -> Option<Self>;
    fn acc_to_num(a: Self::Acc) -> Num;
    fn acc_from_num(n: Num) -> Option<Self::Acc>;
}

macro_rules! persist_int {
    ($t:ty, $var:ident, $wide:ty, $as:ident) => {
        impl Persist for $t {
            fn to_num(self) -> Num {
                Num::$var(<$wide>::from(self))
            }
            fn from_num(n: Num) -> Option<Self> {
                n.$as().and_then(|x| <$t>::try_from(x).ok())
            }
            fn acc_to_num(a: $wide) -> Num {
                Num::$var(a)
            }
            fn acc_from_num(n: Num) -> Option<$wide> {
                n.$as()
            }
        }
    };
}
persist_int!(i8, I, i64, as_i64);
persist_int!(i16, I, i64, as_i64);
persist_int!(i32, I, i64, as_i64);
persist_int!(i64, I, i64, as_i64);
persist_int!(u8, U, u64, as_u64);
persist_int!(u16, U, u64, as_u64);
persist_int!(u32, U, u64, as_u64);
persist_int!(u64, U, u64, as_u64);

impl Persist for f64 {
    fn to_num(self) -> Num {
        Num::float(self)
    }
    fn from_num(n: Num) -> Option<Self> {
        n.as_f64()
    }
    fn acc_to_num(a: f64) -> Num {
        Num::float(a)
    }
    fn acc_from_num(n: Num) -> Option<f64> {
        n.as_f64()
    }
}

impl Persist for f32 {
    fn to_num(self) -> Num {
        Num::float(f64::from(self))
    }
    fn from_num(n: Num) -> Option<Self> {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the value was an f32 when it was written"
        )]
        n.as_f64().map(|x| x as f32)
    }
    fn acc_to_num(a: f64) -> Num {
        Num::float(a)
    }
    fn acc_from_num(n: Num) -> Option<f64> {
        n.as_f64()
    }
}

impl Persist for bool {
    fn to_num(self) -> Num {
        Num::U(u64::from(self))
    }
    fn from_num(n: Num) -> Option<Self> {
        match n.as_u64()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn acc_to_num(a: u64) -> Num {
        Num::U(a)
    }
    fn acc_from_num(n: Num) -> Option<u64> {
        n.as_u64()
    }
}

impl Persist for Timestamp {
    fn to_num(self) -> Num {
        Num::I(self.0)
    }
    fn from_num(n: Num) -> Option<Self> {
        n.as_i64().map(Timestamp)
    }
    fn acc_to_num(a: i64) -> Num {
        Num::I(a)
    }
    fn acc_from_num(n: Num) -> Option<i64> {
        n.as_i64()
    }
}

pub(crate) fn stats_rec<T: Persist>(s: &Stats<T>) -> StatsRec {
    StatsRec {
        min: s.min.map(T::to_num),
        max: s.max.map(T::to_num),
        sum: T::acc_to_num(s.sum),
        count: s.count as u64,
        nan_count: s.nan_count as u64,
    }
}

fn stats_from<T: Persist>(r: &StatsRec) -> Option<Stats<T>> {
    let opt = |n: Option<Num>| match n {
        None => Some(None),
        Some(n) => T::from_num(n).map(Some),
    };
    Some(Stats {
        min: opt(r.min)?,
        max: opt(r.max)?,
        sum: T::acc_from_num(r.sum)?,
        count: usize::try_from(r.count).ok()?,
        nan_count: usize::try_from(r.nan_count).ok()?,
    })
}

pub(crate) fn codec_rec(p: &CParams) -> CodecRec {
    CodecRec {
        codec: p.compressor.name().to_owned(),
        clevel: p.clevel.get(),
        shuffle: p.shuffle.name().to_owned(),
        blocksize: p.blocksize.map(|b| b as u64),
        min_saving: p.min_saving,
    }
}

pub(crate) fn cparams_from(r: &CodecRec) -> Option<CParams> {
    let mut p = CParams::default()
        .with_compressor(r.codec.parse::<Compressor>().ok()?)
        .with_clevel(CLevel::try_from(r.clevel).ok()?)
        .with_shuffle(r.shuffle.parse::<Shuffle>().ok()?);
    p.blocksize = match r.blocksize {
        Some(b) => Some(usize::try_from(b).ok()?),
        None => None,
    };
    p.min_saving = match r.min_saving {
        Some(m) if m > 99 => return None,
        m => m,
    };
    Some(p)
}

pub(crate) fn dtype_name(d: DType) -> String {
    d.to_string()
}

pub(crate) fn parse_dtype(s: &str) -> Option<DType> {
    Some(match s {
        "bool" => DType::Bool,
        "i8" => DType::I8,
        "i16" => DType::I16,
        "i32" => DType::I32,
        "i64" => DType::I64,
        "u8" => DType::U8,
        "u16" => DType::U16,
        "u32" => DType::U32,
        "u64" => DType::U64,
        "f32" => DType::F32,
        "f64" => DType::F64,
        "timestamp[s]" => DType::Timestamp(TimeUnit::Second),
        "timestamp[ms]" => DType::Timestamp(TimeUnit::Millisecond),
        "timestamp[us]" => DType::Timestamp(TimeUnit::Microsecond),
        "timestamp[ns]" => DType::Timestamp(TimeUnit::Nanosecond),
        _ => return None,
    })
}

/// Writes the chunks of `a` that are not yet in `file` and its tail to the side file; returns
/// the array's record.
pub(crate) fn save<T: Persist>(
    a: &mut CArray<T>,
    file: &mut DataFile,
    side: &mut SideWriter,
) -> Result<ArrayRec> {
    a.flush()?;
    let mut chunks = Vec::with_capacity(a.chunks.len());
    for c in &a.chunks {
        let (offset, xxh3) = match c.data.mapped() {
            Some(m) if m.file.path() == file.path() => (m.offset as u64, m.xxh3),
            _ => {
                let h = xxhash_rust::xxh3::xxh3_64(&c.data);
                (file.append(&c.data)?, h)
            }
        };
        chunks.push(ChunkRec {
            offset,
            cbytes: c.data.len() as u64,
            xxh3: hex(xxh3),
            blocksize: c.blocksize as u64,
            stats: stats_rec(&c.stats),
        });
    }
    let tail = if a.tail.is_empty() {
        None
    } else {
        let bytes: &[u8] = bytemuck::cast_slice(T::to_raw(&a.tail));
        let mut p = a.cparams.clone();
        // A tail shorter than the forced block size: let the codec choose.
        p.blocksize = None;
        let chunk = blz_blosc::compress(bytes, &p)?;
        Some(side.append(&chunk)?)
    };
    Ok(ArrayRec {
        file: file.name().to_owned(),
        dtype: dtype_name(a.dtype),
        chunklen: a.chunklen as u64,
        codec: codec_rec(&a.cparams),
        chunks,
        tail_len: a.tail.len() as u64,
        tail,
    })
}

/// After a commit: every chunk of `a` now lives in `map` at the places `rec` says.
pub(crate) fn remap<T: Element>(
    a: &mut CArray<T>,
    rec: &ArrayRec,
    map: &Arc<MappedFile>,
    label: &Arc<str>,
) {
    for (c, r) in a.chunks.iter_mut().zip(&rec.chunks) {
        if let (Ok(offset), Ok(len), Some(h)) = (
            usize::try_from(r.offset),
            usize::try_from(r.cbytes),
            parse_hex(&r.xxh3),
        ) {
            c.data = ChunkBytes::Mapped(Arc::new(MappedChunk::new(
                Arc::clone(map),
                offset,
                len,
                h,
                Arc::clone(label),
                true,
            )));
        }
    }
}

/// Where an array's bytes come from when it is loaded.
pub(crate) struct Source<'a> {
    pub(crate) map: &'a Arc<MappedFile>,
    pub(crate) side: &'a [u8],
    pub(crate) label: &'a Arc<str>,
    pub(crate) cache: &'a Arc<ChunkCache>,
    /// Elements the array must hold.
    pub(crate) len: u64,
}

/// Reads a region of the side file, checking its checksum.
pub(crate) fn blob<'a>(
    side: &'a [u8],
    b: &BlobRec,
    what: &str,
) -> std::result::Result<&'a [u8], String> {
    let start = usize::try_from(b.offset).map_err(|_| format!("{what}: offset too large"))?;
    let len = usize::try_from(b.len).map_err(|_| format!("{what}: length too large"))?;
    let bytes = start
        .checked_add(len)
        .and_then(|end| side.get(start..end))
        .ok_or_else(|| format!("{what}: the side file is shorter than the manifest says"))?;
    if parse_hex(&b.xxh3) != Some(xxhash_rust::xxh3::xxh3_64(bytes)) {
        return Err(format!("{what}: checksum mismatch in the side file"));
    }
    Ok(bytes)
}

/// Whether a chunk's statistics can describe `chunklen` values: the count is the chunk's, and
/// for integers the sum lies between count x minimum and count x maximum (when those cannot
/// wrap around). Float sums are left to `blz::verify`, which recomputes them.
fn stats_plausible(s: &StatsRec, chunklen: u64) -> bool {
    if s.count != chunklen || s.nan_count > s.count {
        return false;
    }
    let wide = |n: Num| match n {
        Num::I(x) => Some(i128::from(x)),
        Num::U(x) => Some(i128::from(x)),
        Num::F(_) | Num::NonFinite(_) => None,
    };
    let (Some(lo), Some(hi), Some(sum)) = (s.min.and_then(wide), s.max.and_then(wide), wide(s.sum))
    else {
        return true;
    };
    let n = i128::from(s.count);
    let (lo, hi) = (lo * n, hi * n);
    let fits = match s.sum {
        Num::I(_) => lo >= i128::from(i64::MIN) && hi <= i128::from(i64::MAX),
        _ => lo >= 0 && hi <= i128::from(u64::MAX),
    };
    !fits || (lo <= sum && sum <= hi)
}

/// Builds an array from its record (chunks stay in the map; the tail is decompressed).
/// Errors are reasons, for the caller to attach the table path.
pub(crate) fn load<T: Persist>(
    rec: &ArrayRec,
    dtype: DType,
    src: &Source<'_>,
) -> std::result::Result<CArray<T>, String> {
    let what = src.label;
    if parse_dtype(&rec.dtype) != Some(dtype) {
        return Err(format!("{what}: stored type {} is not {dtype}", rec.dtype));
    }
    let cparams = cparams_from(&rec.codec)
        .ok_or_else(|| format!("{what}: unknown codec parameters {:?}", rec.codec))?;
    let chunklen =
        usize::try_from(rec.chunklen).map_err(|_| format!("{what}: chunklen too large"))?;
    let opts = CArrayOptions::default()
        .with_chunklen(chunklen)
        .with_cparams(cparams)
        .with_cache(Arc::clone(src.cache))
        .with_dtype(dtype);
    let mut a = CArray::<T>::with_options(opts).map_err(|e| format!("{what}: {e}"))?;
    let n = (rec.chunks.len() as u64)
        .checked_mul(rec.chunklen)
        .and_then(|x| x.checked_add(rec.tail_len));
    if n != Some(src.len) || rec.tail_len >= rec.chunklen {
        return Err(format!(
            "{what}: {} chunks of {} plus a tail of {} do not make {} rows",
            rec.chunks.len(),
            rec.chunklen,
            rec.tail_len,
            src.len
        ));
    }
    let size = std::mem::size_of::<T>();
    let mapped = src.map.bytes().len() as u64;
    for (i, r) in rec.chunks.iter().enumerate() {
        let end = r.offset.checked_add(r.cbytes);
        let h = parse_hex(&r.xxh3);
        let stats = stats_from::<T>(&r.stats);
        let (Some(end), Some(h), Some(stats)) = (end, h, stats) else {
            return Err(format!("{what}: chunk {i} has a malformed record"));
        };
        if !stats_plausible(&r.stats, rec.chunklen) {
            return Err(format!(
                "{what}: chunk {i} has statistics that cannot hold (count, minimum, maximum and \
                 sum disagree); the manifest is damaged"
            ));
        }
        if end > mapped || r.blocksize == 0 || r.blocksize > (chunklen * size) as u64 {
            return Err(format!(
                "{what}: chunk {i} lies outside the committed data file"
            ));
        }
        let gen_id = a.new_gen();
        a.chunks.push(Chunk {
            data: ChunkBytes::Mapped(Arc::new(MappedChunk::new(
                Arc::clone(src.map),
                usize::try_from(r.offset).map_err(|_| format!("{what}: offset too large"))?,
                usize::try_from(r.cbytes).map_err(|_| format!("{what}: size too large"))?,
                h,
                Arc::clone(src.label),
                false,
            ))),
            gen_id,
            blocksize: usize::try_from(r.blocksize)
                .map_err(|_| format!("{what}: blocksize too large"))?,
            stats,
        });
    }
    if let Some(b) = &rec.tail {
        let bytes = blob(src.side, b, what)?;
        let tail_len =
            usize::try_from(rec.tail_len).map_err(|_| format!("{what}: tail too long"))?;
        let mut raw = vec![T::Raw::zeroed_raw(); tail_len];
        let out: &mut [u8] = bytemuck::cast_slice_mut(&mut raw);
        let got =
            blz_blosc::decompress_into(bytes, out).map_err(|e| format!("{what}: tail: {e}"))?;
        if got != out.len() {
            return Err(format!(
                "{what}: tail holds {got} bytes, expected {}",
                out.len()
            ));
        }
        let xs = T::from_raw(&raw).ok_or_else(|| format!("{what}: tail holds invalid values"))?;
        a.tail.extend_from_slice(xs);
    } else if rec.tail_len != 0 {
        return Err(format!(
            "{what}: tail of {} elements has no data",
            rec.tail_len
        ));
    }
    Ok(a)
}

/// `Zeroable` for the raw storage types, spelled so the generic code reads plainly.
trait ZeroRaw {
    fn zeroed_raw() -> Self;
}

impl<R: bytemuck::Pod> ZeroRaw for R {
    fn zeroed_raw() -> Self {
        R::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_records_keep_min_saving_and_reject_bad_ones() {
        let p = CParams::default().with_min_saving(Some(15));
        let rec = codec_rec(&p);
        assert_eq!(cparams_from(&rec).unwrap().min_saving, Some(15));
        // Tables written before the field existed: absent, the column default applies later.
        let old = CodecRec {
            min_saving: None,
            ..rec.clone()
        };
        assert_eq!(cparams_from(&old).unwrap().min_saving, None);
        let bad = CodecRec {
            min_saving: Some(150),
            ..rec
        };
        assert!(cparams_from(&bad).is_none());
    }
}
