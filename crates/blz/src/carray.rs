//! [`CArray<T>`]: one typed column held as compressed chunks plus an uncompressed tail.

mod read;
mod scan;
mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use blz_blosc::{CLevel, CParams, ChunkHeader, Compressor, Shuffle, TypeSize};
use rayon::prelude::*;

use crate::cache::ChunkCache;
use crate::chunk::ChunkBytes;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::stats::Stats;

pub use scan::{Blocks, Iter, Pred};

/// Default block size blz asks the codec for (see [`CArrayOptions::block_bytes`]): what
/// C-Blosc1 picks for LZ4 5 on 1 MiB chunks, so ratios match bcolz's (a float ramp: 23x, where
/// 256 KiB blocks give 11x), and a decoded block still fits the L2 cache while it is reduced.
/// Scans are faster than with smaller blocks; a random `get` that misses the cache decodes
/// each byte stream of its block up to the element (half a block on average).
pub const DEFAULT_BLOCK_BYTES: usize = 1 << 20;

/// Default [`CParams::min_saving`] of a column (when its `cparams` leave it `None`): a byte
/// stream that compression shrinks by less than 15 % is stored raw. Such streams (the noisy
/// low bytes of measured floats) decode at a fraction of memory speed for the few bytes they
/// save: a random-walk column sums 10-15 % faster with them raw, its ratio 1.3715 -> 1.3610.
/// `Some(0)` in the column's `cparams` keeps C-Blosc's rule (raw only when not shrunk at all).
pub const DEFAULT_MIN_SAVING: u8 = 15;

/// One sealed chunk: exactly `chunklen` elements, compressed.
#[derive(Clone)]
pub(crate) struct Chunk<T: Element> {
    /// The Blosc chunk.
    pub(crate) data: ChunkBytes,
    /// Generation: changes whenever the chunk is rewritten (the cache key).
    pub(crate) gen_id: u64,
    /// Block size in bytes, from the chunk header.
    pub(crate) blocksize: usize,
    pub(crate) stats: Stats<T>,
}

/// A typed column of compressed chunks plus an uncompressed tail that takes appends.
///
/// ```
/// use blz::CArray;
/// # fn main() -> blz::Result<()> {
/// let mut a = CArray::<f64>::from_slice(&(0..1_000_000).map(f64::from).collect::<Vec<_>>())?;
/// a.push(1e6)?;
/// assert_eq!(a.len(), 1_000_001);
/// assert_eq!(a.get(123_456)?, 123_456.0);
/// assert_eq!(a.sum()?, 500_000_500_000.0);
/// assert!(a.cbytes() * 5 < a.nbytes());
/// # Ok(())
/// # }
/// ```
pub struct CArray<T: Element> {
    pub(crate) chunks: Vec<Chunk<T>>,
    /// Chunks changed in place and not yet recompressed (decompressed, by chunk index).
    pub(crate) dirty: BTreeMap<usize, Vec<T>>,
    pub(crate) tail: Vec<T>,
    pub(crate) chunklen: usize,
    pub(crate) cparams: CParams,
    pub(crate) dtype: DType,
    pub(crate) cache: Arc<ChunkCache>,
    pub(crate) owner: u64,
    pub(crate) next_gen: u64,
    pub(crate) use_stats: bool,
}

/// Options for building a [`CArray`].
#[derive(Clone, Debug)]
pub struct CArrayOptions {
    /// Elements per chunk; `None` derives it from `expected_len` and the element size.
    pub chunklen: Option<usize>,
    /// Expected final length, used to choose `chunklen` (bcolz's `expectedlen`). Default 1 M.
    pub expected_len: usize,
    /// Codec parameters; `typesize` is set from the element type. Default LZ4 5 + shuffle
    /// (bool columns take bit shuffle for byte shuffle, which does nothing on 1-byte values);
    /// `min_saving` `None` becomes [`DEFAULT_MIN_SAVING`].
    pub cparams: CParams,
    /// The cache of decompressed chunks; default the process-wide one.
    pub cache: Option<Arc<ChunkCache>>,
    /// Whether reductions and filters may use the per-chunk statistics. Default true.
    pub use_stats: bool,
    /// Run-time type, for timestamp units (`None`: the element type's).
    pub dtype: Option<DType>,
    /// Bytes per codec block (one block is the unit a random `get` decodes), at most the
    /// chunk's size; `None`: [`DEFAULT_BLOCK_BYTES`]. Ignored when `cparams.blocksize` is set.
    /// Smaller blocks make random reads cheaper and compress smooth data less well:
    /// 256 KiB blocks make a cold random `get` several times faster and halve the ratio of a
    /// float ramp.
    pub block_bytes: Option<usize>,
}

impl Default for CArrayOptions {
    fn default() -> Self {
        CArrayOptions {
            chunklen: None,
            expected_len: 1 << 20,
            cparams: CParams::default()
                .with_compressor(Compressor::Lz4)
                .with_clevel(CLevel::new(5))
                .with_shuffle(Shuffle::Byte),
            cache: None,
            use_stats: true,
            dtype: None,
            block_bytes: None,
        }
    }
}

impl CArrayOptions {
    /// Sets `chunklen`.
    pub fn with_chunklen(mut self, chunklen: usize) -> Self {
        self.chunklen = Some(chunklen);
        self
    }
    /// Sets `expected_len`.
    pub fn with_expected_len(mut self, n: usize) -> Self {
        self.expected_len = n;
        self
    }
    /// Sets the codec parameters.
    pub fn with_cparams(mut self, p: CParams) -> Self {
        self.cparams = p;
        self
    }
    /// Uses this cache.
    pub fn with_cache(mut self, cache: Arc<ChunkCache>) -> Self {
        self.cache = Some(cache);
        self
    }
    /// Turns the use of statistics on or off.
    pub fn with_stats(mut self, on: bool) -> Self {
        self.use_stats = on;
        self
    }
    /// Sets the codec block size in bytes (see [`CArrayOptions::block_bytes`]).
    pub fn with_block_bytes(mut self, n: usize) -> Self {
        self.block_bytes = Some(n);
        self
    }
    /// Sets the run-time type (a timestamp unit).
    pub fn with_dtype(mut self, dtype: DType) -> Self {
        self.dtype = Some(dtype);
        self
    }
}

/// Chunk length for an expected column length: chunks of 16 KiB to 4 MiB, growing with the
/// column, so small columns waste little and big ones give every thread whole chunks to work on.
pub fn default_chunklen(expected_len: usize, elem_size: usize) -> usize {
    let total = expected_len.saturating_mul(elem_size.max(1));
    let bytes = match total {
        0..=1_048_576 => (total / 4).next_power_of_two().clamp(16 << 10, 256 << 10),
        1_048_577..=67_108_864 => 1 << 20,
        _ => 4 << 20,
    };
    (bytes / elem_size.max(1)).max(1)
}

impl<T: Element> CArray<T> {
    /// An empty column with default options.
    pub fn new() -> Self {
        match Self::with_options(CArrayOptions::default()) {
            Ok(a) => a,
            Err(e) => unreachable!("default options are valid: {e}"),
        }
    }

    /// An empty column.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a zero `chunklen`, bad codec parameters, or a `dtype` that
    /// is not the element type's.
    pub fn with_options(opts: CArrayOptions) -> Result<Self> {
        let size = std::mem::size_of::<T>();
        let chunklen = opts
            .chunklen
            .unwrap_or_else(|| default_chunklen(opts.expected_len, size));
        if chunklen == 0 {
            return Err(Error::param("chunklen", 0, "at least 1"));
        }
        if chunklen.saturating_mul(size) > blz_blosc::MAX_BUFFERSIZE {
            return Err(Error::param("chunklen", chunklen, "chunks below 2 GiB"));
        }
        let dtype = opts.dtype.unwrap_or(T::DTYPE);
        let same = match (dtype, T::DTYPE) {
            (DType::Timestamp(_), DType::Timestamp(_)) => true,
            (a, b) => a == b,
        };
        if !same {
            return Err(Error::TypeMismatch {
                expected: dtype,
                got: T::DTYPE,
            });
        }
        let cparams = Self::effective_cparams(opts.cparams, opts.block_bytes)?;
        let cache = opts.cache.unwrap_or_else(ChunkCache::global);
        Ok(CArray {
            chunks: Vec::new(),
            dirty: BTreeMap::new(),
            tail: Vec::new(),
            chunklen,
            cparams,
            dtype,
            owner: cache.new_owner(),
            cache,
            next_gen: 1,
            use_stats: opts.use_stats,
        })
    }

    /// A column holding a copy of `xs`.
    ///
    /// # Errors
    /// As [`CArray::extend_from_slice`].
    pub fn from_slice(xs: &[T]) -> Result<Self> {
        let mut a = Self::with_options(CArrayOptions::default().with_expected_len(xs.len()))?;
        a.extend_from_slice(xs)?;
        Ok(a)
    }

    /// A column built from an iterator.
    ///
    /// # Errors
    /// As [`CArray::extend_from_slice`].
    pub fn try_from_iter(it: impl IntoIterator<Item = T>) -> Result<Self> {
        let mut a = Self::new();
        a.extend(it)?;
        Ok(a)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.chunks.len() * self.chunklen + self.tail.len()
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements per chunk.
    pub fn chunklen(&self) -> usize {
        self.chunklen
    }

    /// Number of sealed chunks (the tail not counted).
    pub fn nchunks(&self) -> usize {
        self.chunks.len()
    }

    /// The run-time element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The parameters chunks of `T` are compressed with, from what the user asked: the
    /// typesize of `T`, bit shuffle for bools asked for byte shuffle, the forced block size.
    fn effective_cparams(p: CParams, block_bytes: Option<usize>) -> Result<CParams> {
        let size = std::mem::size_of::<T>();
        let mut cparams = p.with_typesize(TypeSize::new(size));
        if T::DTYPE == DType::Bool && cparams.shuffle == Shuffle::Byte {
            // Byte shuffle does nothing on 1-byte values; bit shuffle packs a bool's one bit
            // of information into bit planes (a random bool column: 8.1x instead of 3.4x).
            cparams.shuffle = Shuffle::Bit;
        }
        if cparams.min_saving.is_none() {
            cparams.min_saving = Some(DEFAULT_MIN_SAVING);
        }
        if cparams.blocksize.is_none() {
            let target = block_bytes.unwrap_or(DEFAULT_BLOCK_BYTES);
            if target < 1024 {
                return Err(Error::param("block_bytes", target, "at least 1024"));
            }
            cparams.blocksize = Some(forced_blocksize(&cparams, size, target));
        }
        cparams.validate()?;
        Ok(cparams)
    }

    /// Compresses the chunks sealed from now on with `p` (`typesize` is set from `T`; the
    /// default block size unless `p.blocksize` is set). Chunks already sealed keep theirs:
    /// every chunk records its own parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] or a codec error for bad parameters (nothing changes then).
    pub fn set_cparams(&mut self, p: CParams) -> Result<()> {
        self.cparams = Self::effective_cparams(p, None)?;
        Ok(())
    }

    /// Whether [`CArray::set_cparams`] would accept `p`.
    pub(crate) fn check_cparams(&self, p: CParams) -> Result<()> {
        Self::effective_cparams(p, None).map(|_| ())
    }

    /// The codec parameters of the chunks.
    pub fn cparams(&self) -> &CParams {
        &self.cparams
    }

    /// Uncompressed size in bytes.
    pub fn nbytes(&self) -> usize {
        self.len() * std::mem::size_of::<T>()
    }

    /// Memory used by the data: compressed chunks, plus the tail and chunks changed in place
    /// (held uncompressed until recompressed).
    pub fn cbytes(&self) -> usize {
        let size = std::mem::size_of::<T>();
        self.chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if self.dirty.contains_key(&i) {
                    self.chunklen * size
                } else {
                    c.data.len()
                }
            })
            .sum::<usize>()
            + self.tail.len() * size
    }

    /// Compression ratio, `nbytes / cbytes` (1.0 for an empty column).
    pub fn ratio(&self) -> f64 {
        let c = self.cbytes();
        if c == 0 {
            1.0
        } else {
            self.nbytes() as f64 / c as f64
        }
    }

    /// The cache this column reads through.
    pub fn cache(&self) -> &Arc<ChunkCache> {
        &self.cache
    }

    /// Whether reductions and filters use the per-chunk statistics.
    pub fn uses_stats(&self) -> bool {
        self.use_stats
    }

    /// Turns the use of statistics on or off (they are always kept up to date).
    pub fn set_use_stats(&mut self, on: bool) {
        self.use_stats = on;
    }

    /// Statistics of the whole column.
    ///
    /// # Errors
    /// If a chunk fails to decompress (changed chunks are summarised from their data).
    pub fn stats(&self) -> Result<Stats<T>> {
        let mut s = Stats::default();
        for (i, c) in self.chunks.iter().enumerate() {
            s = s.merge(match self.dirty.get(&i) {
                Some(d) => Stats::of(d),
                None => c.stats,
            });
        }
        Ok(s.merge(Stats::of(&self.tail)))
    }

    /// Compresses one full chunk of elements.
    pub(crate) fn seal(&self, xs: &[T]) -> Result<(ChunkBytes, usize, Stats<T>)> {
        let bytes: &[u8] = bytemuck::cast_slice(T::to_raw(xs));
        let size = std::mem::size_of::<T>();
        // Block statistics are taken as the codec reaches each block, while it is in cache
        // (a second pass over the chunk cost a fifth of an append); keyed by first element.
        let seen: std::sync::Mutex<Vec<(usize, usize, Stats<T>)>> = Default::default();
        let visit = |_i: usize, block: &[u8]| {
            let start = (block.as_ptr() as usize - bytes.as_ptr() as usize) / size;
            let n = block.len() / size;
            if let Some(b) = xs.get(start..start + n) {
                let st = Stats::of_one_pass(b);
                seen.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((start, n, st));
            }
        };
        let data = blz_blosc::compress_visiting(bytes, &self.cparams, Some(&visit))?;
        let blocksize = ChunkHeader::parse(&data)?.blocksize();
        let block_elems = (blocksize / size).max(1);
        let mut seen = seen
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.sort_unstable_by_key(|e| e.0);
        // Merged in block order (the association `Stats::of_blocks` has); a block the codec
        // did not show (a chunk stored raw) is summarised here.
        let mut stats = Stats::default();
        let mut k = 0;
        for (j, b) in xs.chunks(block_elems).enumerate() {
            let start = j * block_elems;
            while k < seen.len() && seen[k].0 < start {
                k += 1;
            }
            stats = stats.merge(match seen.get(k) {
                Some(&(s, n, st)) if s == start && n == b.len() => st,
                _ => Stats::of_one_pass(b),
            });
        }
        Ok((ChunkBytes::Owned(Arc::new(data)), blocksize, stats))
    }

    pub(crate) fn new_gen(&mut self) -> u64 {
        self.next_gen += 1;
        self.next_gen
    }

    /// Appends one element.
    ///
    /// For many elements, [`CArray::extend`] (any iterator) and [`CArray::extend_from_slice`]
    /// are faster: a loop of `push` costs about 1 ns per element more (the tail's length makes
    /// a round trip through memory at every call), which on this project's benchmark machine
    /// is ~0.7x the codec's compression speed against 0.8-0.97x for the bulk appends.
    ///
    /// # Errors
    /// If sealing a full tail into a chunk fails (bad codec parameters); the elements already
    /// in the tail stay there.
    #[inline]
    pub fn push(&mut self, x: T) -> Result<()> {
        let len = self.tail.len();
        if len + 1 < self.chunklen && len < self.tail.capacity() {
            // The common case, kept small enough to inline into the caller's loop: with room
            // known, `Vec::push` has no growth call, so nothing is spilled around it.
            self.tail.push(x);
            Ok(())
        } else {
            self.push_slow(x)
        }
    }

    /// `push` when the element fills the tail or the tail has no room yet.
    #[cold]
    #[inline(never)]
    fn push_slow(&mut self, x: T) -> Result<()> {
        let (len, cap) = (self.tail.len(), self.tail.capacity());
        if len == cap {
            // Grow by doubling, but never past one chunk (a tail is sealed when full).
            let want = (cap * 2).max(16).min(self.chunklen.max(1));
            self.tail.reserve_exact(want.saturating_sub(len).max(1));
        }
        self.tail.push(x);
        if self.tail.len() == self.chunklen {
            self.seal_tail()?;
        }
        Ok(())
    }

    fn seal_tail(&mut self) -> Result<()> {
        let tail = std::mem::take(&mut self.tail);
        let (data, blocksize, stats) = match self.seal(&tail) {
            Ok(sealed) => sealed,
            Err(e) => {
                // Nothing is lost when sealing fails: the elements stay in the tail.
                self.tail = tail;
                return Err(e);
            }
        };
        let gen_id = self.new_gen();
        self.chunks.push(Chunk {
            data,
            gen_id,
            blocksize,
            stats,
        });
        self.tail = tail;
        self.tail.clear();
        Ok(())
    }

    /// Appends a slice; full chunks are compressed in parallel.
    ///
    /// # Errors
    /// If compression fails (bad codec parameters); nothing is appended then.
    pub fn extend_from_slice(&mut self, mut xs: &[T]) -> Result<()> {
        // A tail that this slice fills is sealed in the same parallel batch as the full chunks.
        let mut filled_tail: Option<Vec<T>> = None;
        if !self.tail.is_empty() {
            let take = (self.chunklen - self.tail.len()).min(xs.len());
            self.tail.extend_from_slice(&xs[..take]);
            xs = &xs[take..];
            if self.tail.len() == self.chunklen {
                filled_tail = Some(std::mem::take(&mut self.tail));
            }
        }
        let full = xs.len() / self.chunklen * self.chunklen;
        let pieces: Vec<&[T]> = filled_tail
            .as_deref()
            .into_iter()
            .chain(xs[..full].chunks(self.chunklen))
            .collect();
        if !pieces.is_empty() {
            let sealed = if pieces.len() == 1 {
                vec![self.seal(pieces[0])?]
            } else {
                pieces
                    .par_iter()
                    .map(|c| self.seal(c))
                    .collect::<Result<Vec<_>>>()?
            };
            for (data, blocksize, stats) in sealed {
                let gen_id = self.new_gen();
                self.chunks.push(Chunk {
                    data,
                    gen_id,
                    blocksize,
                    stats,
                });
            }
        }
        if let Some(mut t) = filled_tail {
            t.clear();
            self.tail = t;
        }
        self.tail.extend_from_slice(&xs[full..]);
        Ok(())
    }

    /// Appends the elements of an iterator.
    ///
    /// # Errors
    /// As [`CArray::push`].
    pub fn extend(&mut self, it: impl IntoIterator<Item = T>) -> Result<()> {
        // Straight into the tail, one chunk's room at a time: `Vec::extend` of a `Take` runs a
        // tight loop (a copy for slice iterators), where pushing through a buffer cost ~2 ns
        // per element.
        let mut it = it.into_iter();
        loop {
            let room = self.chunklen.saturating_sub(self.tail.len());
            let before = self.tail.len();
            self.tail.extend(it.by_ref().take(room));
            if self.tail.len() < self.chunklen {
                return Ok(());
            }
            if let Err(e) = self.seal_tail() {
                // Leave the column as it was before this chunk's elements (the tail is intact
                // when sealing fails).
                self.tail.truncate(before);
                return Err(e);
            }
        }
    }
}

impl<T: Element> Default for CArray<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The forced block size that makes Blosc1 blocks of about `target` bytes: C-Blosc1
/// multiplies a forced size by the typesize when it splits blocks (FORWARD_COMPAT rule).
fn forced_blocksize(p: &CParams, size: usize, target: usize) -> usize {
    let splits = p.compressor != Compressor::Zstd && size <= 16 && p.shuffle == Shuffle::Byte;
    if splits {
        (target / size).max(128)
    } else {
        target
    }
}

impl<T: Element> fmt::Display for CArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "carray(({},), {})  nbytes: {}; cbytes: {}; ratio: {:.2}",
            self.len(),
            self.dtype,
            human(self.nbytes()),
            human(self.cbytes()),
            self.ratio()
        )?;
        writeln!(
            f,
            "  cparams := {} clevel={} {} (chunklen={}, chunks={}, tail={})",
            self.cparams.compressor,
            self.cparams.clevel.get(),
            self.cparams.shuffle,
            self.chunklen,
            self.chunks.len(),
            self.tail.len()
        )?;
        let head: Vec<T> = self.slice(0..self.len().min(5)).unwrap_or_default();
        write!(f, "  [")?;
        for (i, x) in head.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{x:?}")?;
        }
        if self.len() > 5 {
            write!(f, ", ...")?;
        }
        write!(f, "]")
    }
}

impl<T: Element> fmt::Debug for CArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn human(n: usize) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.2} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.2} KB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

#[cfg(feature = "ndarray")]
impl<T: Element> CArray<T> {
    /// A column holding a copy of a 1-D ndarray view (contiguous or strided).
    ///
    /// # Errors
    /// As [`CArray::extend_from_slice`].
    pub fn from_ndarray(view: ndarray::ArrayView1<'_, T>) -> Result<Self> {
        match view.as_slice() {
            Some(s) => Self::from_slice(s),
            None => {
                let mut a =
                    Self::with_options(CArrayOptions::default().with_expected_len(view.len()))?;
                a.extend(view.iter().copied())?;
                Ok(a)
            }
        }
    }

    /// The whole column as an owned 1-D ndarray.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn to_ndarray(&self) -> Result<ndarray::Array1<T>> {
        Ok(ndarray::Array1::from_vec(self.to_vec()?))
    }
}

#[cfg(all(test, feature = "ndarray"))]
mod ndarray_tests {
    use super::*;

    #[test]
    fn ndarray_views_round_trip() {
        let a = ndarray::Array1::from_iter((0..10_000).map(|i| i as f32 * 0.5));
        let c = CArray::from_ndarray(a.view()).unwrap();
        assert_eq!(c.to_ndarray().unwrap(), a);
        let strided = a.slice_axis(ndarray::Axis(0), ndarray::Slice::new(0, None, 3));
        let c = CArray::from_ndarray(strided).unwrap();
        assert_eq!(c.to_ndarray().unwrap(), strided.to_owned());
    }
}

#[cfg(test)]
mod seal_tests {
    use super::*;

    /// Statistics taken block by block while the codec compresses must equal a separate
    /// block-wise pass bit for bit: compressible data (every block visited), incompressible data
    /// (the chunk is stored raw, blocks partly or not visited), NaNs, several threads.
    #[test]
    fn sealed_statistics_equal_a_separate_pass() {
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let ramp: Vec<f64> = (0..300_000).map(|i| f64::from(i) * 0.25).collect();
        let noise: Vec<f64> = (0..300_000)
            .map(|_| f64::from_bits(next() >> 2) - 1.0)
            .collect();
        let mut nans = ramp.clone();
        for i in (7..nans.len()).step_by(9_973) {
            nans[i] = f64::NAN;
        }
        for nthreads in [1, 2] {
            for xs in [&ramp, &noise, &nans] {
                let opts = CArrayOptions::default()
                    .with_chunklen(xs.len())
                    .with_block_bytes(64 << 10);
                let mut a = CArray::<f64>::with_options(opts).unwrap();
                let p = a.cparams().clone().with_nthreads(nthreads);
                a.set_cparams(p.with_blocksize(Some(64 << 10))).unwrap();
                let (_, blocksize, st) = a.seal(xs).unwrap();
                let want = Stats::of_blocks(xs, blocksize / 8);
                assert_eq!(st.count, want.count);
                assert_eq!(st.nan_count, want.nan_count);
                assert_eq!(st.min, want.min);
                assert_eq!(st.max, want.max);
                assert_eq!(st.sum.to_bits(), want.sum.to_bits(), "{nthreads} threads");
            }
        }
    }
}
