//! Scans: iterators, block iteration, parallel reductions and filters. Scans decompress block
//! by block into per-task buffers and bypass the chunk cache, so a scan of a column larger than
//! the cache does not evict other users' chunks.

use std::ops::Range;

use rayon::prelude::*;

use super::CArray;
use crate::chunk::Access;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::stats::{LaneSum, Stats, block_sum, min_max};

/// Bytes of the pieces reductions and filters decode blocks in: small enough for the L1
/// cache, a multiple of 8 elements of any type.
const PIECE_BYTES: usize = 16 << 10;

/// A comparison predicate on elements, which chunk statistics can decide for whole chunks.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Pred<T> {
    /// `x < v`
    Lt(T),
    /// `x <= v`
    Le(T),
    /// `x > v`
    Gt(T),
    /// `x >= v`
    Ge(T),
    /// `x == v`
    Eq(T),
    /// `x != v` (true for NaN, as IEEE says)
    Ne(T),
    /// `lo <= x <= hi`
    Between(T, T),
}

impl<T: Element> Pred<T> {
    /// Whether `x` satisfies the predicate.
    #[inline]
    pub fn test(&self, x: T) -> bool {
        match *self {
            Pred::Lt(v) => x < v,
            Pred::Le(v) => x <= v,
            Pred::Gt(v) => x > v,
            Pred::Ge(v) => x >= v,
            Pred::Eq(v) => x == v,
            Pred::Ne(v) => x != v,
            Pred::Between(lo, hi) => lo <= x && x <= hi,
        }
    }

    /// `Some(false)`: no element of a run with these statistics matches; `Some(true)`: every
    /// element matches; `None`: the data must be looked at.
    #[expect(
        clippy::neg_cmp_op_on_partial_ord,
        reason = "NaN-aware: with a NaN bound nothing compares true, so the chunk is ruled out"
    )]
    pub fn decide(&self, s: &Stats<T>) -> Option<bool> {
        if s.count == 0 {
            return Some(false);
        }
        let (Some(min), Some(max)) = (s.min, s.max) else {
            // Only NaNs: only `!=` matches, and then all.
            return Some(matches!(self, Pred::Ne(_)));
        };
        let nan = s.nan_count > 0;
        let (none, all) = match *self {
            Pred::Lt(v) => (!(min < v), max < v),
            Pred::Le(v) => (!(min <= v), max <= v),
            Pred::Gt(v) => (!(max > v), min > v),
            Pred::Ge(v) => (!(max >= v), min >= v),
            Pred::Eq(v) => (v < min || v > max, min == v && max == v),
            Pred::Ne(v) => (!nan && min == v && max == v, v < min || v > max),
            Pred::Between(lo, hi) => (hi < min || lo > max || lo > hi, lo <= min && max <= hi),
        };
        if none && !(nan && matches!(self, Pred::Ne(_))) {
            Some(false)
        } else if all && (!nan || matches!(self, Pred::Ne(_))) {
            Some(true)
        } else {
            None
        }
    }
}

/// Iterator over the elements of a [`CArray`], decoding one chunk at a time.
pub struct Iter<'a, T: Element> {
    arr: &'a CArray<T>,
    next_chunk: usize,
    buf: Vec<T>,
    pos: usize,
}

impl<T: Element> Iterator for Iter<'_, T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        if self.pos < self.buf.len() {
            self.pos += 1;
            return Some(Ok(self.buf[self.pos - 1]));
        }
        let a = self.arr;
        let c = self.next_chunk;
        if c > a.chunks.len() {
            return None;
        }
        self.next_chunk += 1;
        self.pos = 0;
        if c == a.chunks.len() {
            self.buf.clear();
            self.buf.extend_from_slice(&a.tail);
        } else if let Some(d) = a.dirty.get(&c) {
            self.buf.clear();
            self.buf.extend_from_slice(d);
        } else {
            self.buf.resize(a.chunklen, T::default());
            if let Err(e) = a.decode_into(c, 0, &mut self.buf) {
                self.next_chunk = usize::MAX;
                self.buf.clear();
                return Some(Err(e));
            }
        }
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let done = self.next_chunk.saturating_sub(1).min(self.arr.chunks.len()) * self.arr.chunklen;
        let left = self.arr.len().saturating_sub(done) + (self.buf.len() - self.pos);
        (0, Some(left))
    }
}

/// Blocks of a chosen length over a [`CArray`]; [`Blocks::next_block`] lends each block.
pub struct Blocks<'a, T: Element> {
    arr: &'a CArray<T>,
    len: usize,
    pos: usize,
    buf: Vec<T>,
}

impl<T: Element> Blocks<'_, T> {
    /// The next block (its first index and elements), or `None` at the end.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn next_block(&mut self) -> Option<Result<(usize, &[T])>> {
        let n = self.arr.len();
        if self.pos >= n {
            return None;
        }
        let start = self.pos;
        let end = (start + self.len).min(n);
        self.buf.resize(end - start, T::default());
        if let Err(e) = self.arr.slice_into(start..end, &mut self.buf) {
            self.pos = n;
            return Some(Err(e));
        }
        self.pos = end;
        Some(Ok((start, &self.buf)))
    }
}

impl<T: Element> CArray<T> {
    /// Iterates the elements in order, decoding one chunk at a time (never the whole column).
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            arr: self,
            next_chunk: 0,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Blocks of `len` elements (the last may be shorter).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `len == 0`.
    pub fn blocks(&self, len: usize) -> Result<Blocks<'_, T>> {
        if len == 0 {
            return Err(Error::param("block length", 0, "at least 1"));
        }
        Ok(Blocks {
            arr: self,
            len,
            pos: 0,
            buf: Vec::new(),
        })
    }

    /// Calls `f(first_index, block)` on every block of `len` elements, in parallel across
    /// blocks (rayon), in no particular order.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for `len == 0`; the first decompression error.
    pub fn par_for_each_block(
        &self,
        len: usize,
        f: impl Fn(usize, &[T]) + Sync + Send,
    ) -> Result<()> {
        if len == 0 {
            return Err(Error::param("block length", 0, "at least 1"));
        }
        let n = self.len();
        (0..n.div_ceil(len))
            .into_par_iter()
            .map_init(Vec::new, |buf, b| {
                let r = b * len..((b + 1) * len).min(n);
                buf.resize(r.len(), T::default());
                self.slice_into(r.clone(), buf)?;
                f(r.start, buf);
                Ok(())
            })
            .collect::<Result<()>>()
    }

    /// Calls `f(first_index, block)` in order on the codec blocks covering `range`.
    pub(crate) fn scan_range(
        &self,
        range: Range<usize>,
        mut f: impl FnMut(usize, &[T]),
    ) -> Result<()> {
        self.check_range(&range)?;
        let mut buf = Vec::new();
        let mut pos = range.start;
        while pos < range.end {
            let c = pos / self.chunklen;
            let off = pos % self.chunklen;
            if c == self.chunks.len() {
                f(pos, &self.tail[off..off + (range.end - pos)]);
                break;
            }
            let n = (self.chunklen - off).min(range.end - pos);
            if let Some(d) = self.dirty.get(&c) {
                f(pos, &d[off..off + n]);
            } else {
                let be = self.block_elems(c);
                let mut o = off;
                while o < off + n {
                    let m = (be - o % be).min(off + n - o);
                    buf.resize(m, T::default());
                    self.decode_into(c, o, &mut buf)?;
                    f(c * self.chunklen + o, &buf);
                    o += m;
                }
            }
            pos += n;
        }
        Ok(())
    }

    /// Decoded bytes as elements (`None`: misaligned, or not valid elements, like a bool that
    /// is not 0 or 1).
    fn view(bytes: &[u8]) -> Option<&[T]> {
        bytemuck::try_cast_slice::<u8, T::Raw>(bytes)
            .ok()
            .and_then(T::from_raw)
    }

    /// Folds every chunk (and the tail) piece by piece (pieces of at most 16 KiB, never across
    /// a block), chunks in parallel; one result per chunk, in chunk order. `step(acc, start,
    /// xs)` gets the index of `xs[0]`. `skip(c)` may answer for a sealed chunk without
    /// decoding it.
    pub(crate) fn fold_chunks<A: Send>(
        &self,
        init: impl Fn() -> A + Sync,
        step: impl Fn(A, usize, &[T]) -> A + Sync,
        skip: impl Fn(usize) -> Option<A> + Sync,
    ) -> Result<Vec<A>> {
        let nc = self.chunks.len();
        let mut out: Vec<A> = (0..nc)
            .into_par_iter()
            .map_init(
                || vec![0u64; PIECE_BYTES / 8],
                |words, c| {
                    if !self.dirty.contains_key(&c)
                        && let Some(a) = skip(c)
                    {
                        return Ok(a);
                    }
                    let base = c * self.chunklen;
                    if let Some(d) = self.dirty.get(&c) {
                        let be = self.block_elems(c);
                        let mut a = init();
                        for (k, b) in d.chunks(be).enumerate() {
                            a = step(a, base + k * be, b);
                        }
                        return Ok(a);
                    }
                    // In L1-sized pieces, unshuffled straight from each block's rows: the
                    // decoded chunk is never written out whole (see `sum`).
                    let piece: &mut [u8] = bytemuck::cast_slice_mut(&mut words[..]);
                    let data = self.chunk_bytes(c, Access::Once)?;
                    let (mut a, mut pos, mut bad) = (Some(init()), base, false);
                    blz_blosc::getitem_pieces(&data, 0, self.chunklen, piece, |bytes| {
                        match Self::view(bytes) {
                            Some(xs) => {
                                a = a.take().map(|cur| step(cur, pos, xs));
                                pos += xs.len();
                            }
                            None => bad = true,
                        }
                    })?;
                    match a {
                        Some(a) if !bad => Ok(a),
                        _ => Err(Self::corrupt(c)),
                    }
                },
            )
            .collect::<Result<_>>()?;
        out.push(step(init(), nc * self.chunklen, &self.tail));
        Ok(out)
    }

    /// Statistics of chunk `c` (`c == nchunks` is the tail): the kept ones when they may be
    /// used, else computed from the data block by block with the association of
    /// [`CArray::sum`], so both give the same sum bit for bit. Without `minmax` the data path
    /// leaves `min`, `max` and `nan_count` unset (the sum and the count are always right).
    pub(crate) fn chunk_stats(&self, c: usize, minmax: bool) -> Result<Stats<T>> {
        let of = |xs: &[T]| {
            if minmax {
                Stats::of(xs)
            } else {
                Stats {
                    sum: block_sum(xs, xs.len().max(1)),
                    count: xs.len(),
                    ..Stats::default()
                }
            }
        };
        if c >= self.chunks.len() {
            return Ok(of(&self.tail));
        }
        if let Some(s) = self.clean_stats(c) {
            return Ok(*s);
        }
        let be = self.block_elems(c);
        if let Some(d) = self.dirty.get(&c) {
            return Ok(d.chunks(be).fold(Stats::default(), |a, b| a.merge(of(b))));
        }
        // Block by block through the whole chunk: read once.
        let _once = self.chunk_bytes(c, Access::Once)?;
        let mut acc = Stats::default();
        let mut o = 0;
        while o < self.chunklen {
            let m = be.min(self.chunklen - o);
            let s = self.with_decoded(c, o, m, of)?;
            acc = acc.merge(s);
            o += m;
        }
        Ok(acc)
    }

    /// Runs `f` on elements `[start, start + n)` of sealed chunk `c`, decoded into this
    /// thread's scratch buffer (reused, never zeroed: the codec writes every byte).
    pub(crate) fn with_decoded<R>(
        &self,
        c: usize,
        start: usize,
        n: usize,
        f: impl FnOnce(&[T]) -> R,
    ) -> Result<R> {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let size = std::mem::size_of::<T>();
        SCRATCH.with(|cell| {
            let Ok(mut words) = cell.try_borrow_mut() else {
                // Re-entered from `f` (not done today): decode into a fresh buffer instead.
                let mut buf = vec![T::default(); n];
                self.decode_into(c, start, &mut buf)?;
                return Ok(f(&buf));
            };
            let need = (n * size).div_ceil(8);
            if words.len() < need {
                words.resize(need, 0);
            }
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut words[..need]);
            let bytes = &mut bytes[..n * size];
            blz_blosc::getitem(&self.chunk_bytes(c, Access::Random)?, start, n, bytes)?;
            let raw: &[T::Raw] = bytemuck::try_cast_slice(bytes).map_err(|_| Self::corrupt(c))?;
            let xs = T::from_raw(raw).ok_or_else(|| Self::corrupt(c))?;
            Ok(f(xs))
        })
    }

    fn clean_stats(&self, c: usize) -> Option<&Stats<T>> {
        (self.use_stats && !self.dirty.contains_key(&c)).then(|| &self.chunks[c].stats)
    }

    /// Sum of the elements (see [`Element::Acc`]: wrapping `i64`/`u64` for integers, `f64` for
    /// floats, the count of `true` for `bool`). The association order is fixed (within a block,
    /// 32 lanes combined pairwise; block sums added in order), so the result is the same for any
    /// thread count, with or without statistics.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn sum(&self) -> Result<T::Acc> {
        let nc = self.chunks.len();
        // Sealed chunks are summed as they are decoded, in pieces that stay in the L1 cache
        // (`blz_blosc::getitem_pieces`): a block is never written out whole and read back.
        let parts: Vec<T::Acc> = (0..nc)
            .into_par_iter()
            .map_init(
                || vec![0u64; PIECE_BYTES / 8],
                |words, c| -> Result<T::Acc> {
                    if let Some(s) = self.clean_stats(c) {
                        return Ok(s.sum);
                    }
                    let be = self.block_elems(c);
                    if let Some(d) = self.dirty.get(&c) {
                        return Ok(d
                            .chunks(be)
                            .fold(T::Acc::default(), |a, b| T::acc_merge(a, T::sum_slice(b))));
                    }
                    let data = self.chunk_bytes(c, Access::Once)?;
                    let piece: &mut [u8] = bytemuck::cast_slice_mut(&mut words[..]);
                    let mut a = T::Acc::default();
                    let mut o = 0;
                    while o < self.chunklen {
                        let m = be.min(self.chunklen - o);
                        let mut lanes = LaneSum::<T>::new();
                        let mut bad = false;
                        blz_blosc::getitem_pieces(&data, o, m, piece, |bytes| {
                            match Self::view(bytes) {
                                Some(xs) => lanes.add(xs),
                                None => bad = true,
                            }
                        })?;
                        if bad {
                            return Err(Self::corrupt(c));
                        }
                        a = T::acc_merge(a, lanes.finish());
                        o += m;
                    }
                    Ok(a)
                },
            )
            .collect::<Result<_>>()?;
        let tail = block_sum(&self.tail, self.tail.len().max(1));
        Ok(parts
            .into_iter()
            .chain(std::iter::once(tail))
            .fold(T::Acc::default(), T::acc_merge))
    }

    /// Smallest non-NaN element (`None` when there is none).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn min(&self) -> Result<Option<T>> {
        Ok(self.minmax(true)?.map(|(_, v)| v))
    }

    /// Largest non-NaN element (`None` when there is none).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn max(&self) -> Result<Option<T>> {
        Ok(self.minmax(false)?.map(|(_, v)| v))
    }

    /// Index of the first smallest non-NaN element.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn argmin(&self) -> Result<Option<usize>> {
        self.arg(true)
    }

    /// Index of the first largest non-NaN element.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn argmax(&self) -> Result<Option<usize>> {
        self.arg(false)
    }

    fn better(less: bool, x: T, best: T) -> bool {
        if less { x < best } else { x > best }
    }

    /// (index or usize::MAX when unknown, value) of the extreme.
    fn minmax(&self, less: bool) -> Result<Option<(usize, T)>> {
        let parts = self.fold_chunks(
            || None,
            |a: Option<(usize, T)>, _, xs| {
                let (mn, mx, _) = min_max(xs);
                let v = if less { mn } else { mx };
                match (a, v) {
                    (Some((_, b)), Some(x)) if !Self::better(less, x, b) => a,
                    (_, Some(x)) => Some((usize::MAX, x)),
                    (a, None) => a,
                }
            },
            |c| {
                self.clean_stats(c).map(|s| {
                    let v = if less { s.min } else { s.max };
                    v.map(|v| (usize::MAX, v))
                })
            },
        )?;
        let mut best: Option<(usize, T)> = None;
        for (i, v) in parts
            .into_iter()
            .enumerate()
            .filter_map(|(c, p)| p.map(|p| (c, p)))
        {
            let (_, (_, x)) = (i, v);
            match best {
                Some((_, b)) if !Self::better(less, x, b) => {}
                _ => best = Some(v),
            }
        }
        Ok(best)
    }

    fn arg(&self, less: bool) -> Result<Option<usize>> {
        let Some((idx, v)) = self.minmax(less)? else {
            return Ok(None);
        };
        if idx != usize::MAX {
            return Ok(Some(idx));
        }
        // The extreme came from statistics: find its first position, scanning only the chunks
        // whose statistics hold it.
        for (c, chunk) in self.chunks.iter().enumerate() {
            let s = chunk.stats;
            let holds = if less { s.min } else { s.max };
            if self.dirty.contains_key(&c) || holds == Some(v) {
                let mut found = None;
                self.scan_range(c * self.chunklen..(c + 1) * self.chunklen, |start, xs| {
                    if found.is_none() {
                        found = xs.iter().position(|&x| x == v).map(|p| start + p);
                    }
                })?;
                if found.is_some() {
                    return Ok(found);
                }
            }
        }
        Ok(self
            .tail
            .iter()
            .position(|&x| x == v)
            .map(|p| self.chunks.len() * self.chunklen + p))
    }

    /// Mean of the elements (`NaN` for an empty column; NaNs propagate).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn mean(&self) -> Result<f64> {
        let n = self.len();
        if n == 0 {
            return Ok(f64::NAN);
        }
        Ok(T::acc_f64(self.sum()?) / n as f64)
    }

    /// Number of elements (`len`), for symmetry with `count_where`.
    pub fn count(&self) -> usize {
        self.len()
    }

    /// Number of elements matching `pred`; chunks the statistics decide are not decompressed.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn count_where(&self, pred: Pred<T>) -> Result<usize> {
        let parts = self.fold_chunks(
            || 0usize,
            |a, _, xs| a + xs.iter().filter(|&&x| pred.test(x)).count(),
            |c| {
                let s = self.clean_stats(c)?;
                pred.decide(s).map(|all| if all { s.count } else { 0 })
            },
        )?;
        Ok(parts.into_iter().sum())
    }

    /// Number of elements for which `f` is true (no chunk skipping).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn count_where_fn(&self, f: impl Fn(T) -> bool + Sync) -> Result<usize> {
        let parts = self.fold_chunks(
            || 0usize,
            |a, _, xs| a + xs.iter().filter(|&&x| f(x)).count(),
            |_| None,
        )?;
        Ok(parts.into_iter().sum())
    }

    /// `(index, value)` of every element matching `pred`, in order; chunks the statistics rule out
    /// are not decompressed.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn where_(&self, pred: Pred<T>) -> Result<Vec<(usize, T)>> {
        let parts = self.fold_chunks(
            Vec::new,
            |mut a, start, xs| {
                a.extend(
                    xs.iter()
                        .enumerate()
                        .filter(|(_, x)| pred.test(**x))
                        .map(|(i, &x)| (start + i, x)),
                );
                a
            },
            |c| {
                let s = self.clean_stats(c)?;
                (pred.decide(s) == Some(false)).then(Vec::new)
            },
        )?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// `(index, value)` of every element for which `f` is true, in order.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn where_fn(&self, f: impl Fn(T) -> bool + Sync) -> Result<Vec<(usize, T)>> {
        let parts = self.fold_chunks(
            Vec::new,
            |mut a, start, xs| {
                a.extend(
                    xs.iter()
                        .enumerate()
                        .filter(|(_, x)| f(**x))
                        .map(|(i, &x)| (start + i, x)),
                );
                a
            },
            |_| None,
        )?;
        Ok(parts.into_iter().flatten().collect())
    }
}

impl CArray<bool> {
    /// Indices of the `true` elements, in order (bcolz's `wheretrue`).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn wheretrue(&self) -> Result<Vec<usize>> {
        Ok(self
            .where_(Pred::Eq(true))?
            .into_iter()
            .map(|(i, _)| i)
            .collect())
    }
}
