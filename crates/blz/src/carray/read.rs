//! Reading: single elements (through the block cache), ranges, stepped ranges, `take`, masks.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::CArray;
use crate::cache::{ChunkKey, Lookup};
use crate::chunk::{Access, ChunkRead};
use crate::dtype::Element;
use crate::error::{Error, Result};

impl<T: Element> CArray<T> {
    pub(crate) fn check_range(&self, r: &Range<usize>) -> Result<()> {
        if r.start > r.end || r.end > self.len() {
            return Err(Error::RangeOutOfBounds {
                start: r.start,
                end: r.end,
                len: self.len(),
            });
        }
        Ok(())
    }

    pub(super) fn corrupt(chunk: usize) -> Error {
        Error::CorruptChunk {
            chunk,
            reason: "decompressed bytes are not valid elements",
        }
    }

    /// Elements per block of chunk `c`.
    pub(crate) fn block_elems(&self, c: usize) -> usize {
        (self.chunks[c].blocksize / std::mem::size_of::<T>()).max(1)
    }

    /// The compressed bytes of sealed chunk `c`, checked, for one read that uses them as
    /// `access` says: the one place the array states its access pattern (a read of the whole
    /// chunk, once, lets a mapped chunk's pages go when it ends).
    pub(crate) fn chunk_bytes(&self, c: usize, access: Access) -> Result<ChunkRead<'_>> {
        self.chunks[c].data.read(c, access)
    }

    /// Decodes elements `[start, start + out.len())` of sealed chunk `c` (not dirty) into `out`.
    pub(crate) fn decode_into(&self, c: usize, start: usize, out: &mut [T]) -> Result<()> {
        let size = std::mem::size_of::<T>();
        // A whole chunk decoded (scans, queries) is read once.
        let access = if start == 0 && out.len() == self.chunklen {
            Access::Once
        } else {
            Access::Random
        };
        let data = self.chunk_bytes(c, access)?;
        if let Some(raw) = T::raw_mut(out) {
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(raw);
            blz_blosc::getitem(&data, start, bytes.len() / size.max(1), bytes)?;
            return Ok(());
        }
        let mut raw = vec![0u8; std::mem::size_of_val(out)];
        blz_blosc::getitem(&data, start, out.len(), &mut raw)?;
        let rawt: Vec<T::Raw> = bytemuck::allocation::pod_collect_to_vec(&raw);
        let view = T::from_raw(&rawt).ok_or_else(|| Self::corrupt(c))?;
        out.copy_from_slice(view);
        Ok(())
    }

    fn block_key(&self, c: usize, b: usize) -> ChunkKey {
        (
            self.owner,
            self.chunks[c].gen_id,
            u32::try_from(b).unwrap_or(u32::MAX),
        )
    }

    /// Elements at offsets `offs` of sealed chunk `c` (not dirty; all in block `b`, sorted or
    /// not) into `out`. From the cache when it holds the block; else the block is decoded and
    /// cached if the cache admits it (it has room, or the block was missed on recently), else
    /// only what the offsets need is decoded (see [`ChunkCache`]).
    fn block_items(&self, c: usize, b: usize, offs: &[usize], out: &mut [T]) -> Result<()> {
        let be = self.block_elems(c);
        let n = be.min(self.chunklen - b * be);
        let block = match self
            .cache
            .lookup(self.block_key(c, b), n * std::mem::size_of::<T>())
        {
            Lookup::Hit(block) => block,
            Lookup::Miss { admit: true } => self.load_block(c, b)?,
            Lookup::Miss { admit: false } => return self.gather_into(c, offs, out),
        };
        for (o, &off) in out.iter_mut().zip(offs) {
            *o = Self::element_of_block(&block, off - b * be, c)?;
        }
        Ok(())
    }

    /// Elements at offsets `offs` of sealed chunk `c` (not dirty), decoded from the chunk
    /// without the cache: each block holding one is decoded once per run (up to its last
    /// element wanted) and the elements are picked from its byte rows.
    fn gather_into(&self, c: usize, offs: &[usize], out: &mut [T]) -> Result<()> {
        if let Some(raw) = T::raw_mut(out) {
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(raw);
            blz_blosc::gather(&self.chunk_bytes(c, Access::Random)?, offs, bytes)?;
            // Validate what the bytes mean (a bool must be 0 or 1).
            let raw: &[T::Raw] = bytemuck::cast_slice(bytes);
            if T::from_raw(raw).is_none() {
                return Err(Self::corrupt(c));
            }
            return Ok(());
        }
        // Elements not every byte pattern of which is valid (`bool`): gathered as bytes in the
        // same one pass, then checked (never a decode per element).
        let mut raw = vec![0u8; std::mem::size_of_val(out)];
        blz_blosc::gather(&self.chunk_bytes(c, Access::Random)?, offs, &mut raw)?;
        let rawt: Vec<T::Raw> = bytemuck::allocation::pod_collect_to_vec(&raw);
        let view = T::from_raw(&rawt).ok_or_else(|| Self::corrupt(c))?;
        out.copy_from_slice(view);
        Ok(())
    }

    /// Block `b` of sealed chunk `c`, decompressed, cached (not counted as a lookup).
    fn load_block(&self, c: usize, b: usize) -> Result<Arc<Vec<u8>>> {
        let be = self.block_elems(c);
        self.cache.insert_with(self.block_key(c, b), || {
            let start = b * be;
            let n = be.min(self.chunklen - start);
            let mut v = vec![0u8; n * std::mem::size_of::<T>()];
            // The decoded block is cached: the compressed pages are read once.
            blz_blosc::getitem(&self.chunk_bytes(c, Access::Once)?, start, n, &mut v)?;
            Ok(Arc::new(v))
        })
    }

    fn element_of_block(block: &[u8], i: usize, c: usize) -> Result<T> {
        let size = std::mem::size_of::<T>();
        let raw: T::Raw = bytemuck::pod_read_unaligned(&block[i * size..(i + 1) * size]);
        T::from_raw(std::slice::from_ref(&raw))
            .map(|v| v[0])
            .ok_or_else(|| Self::corrupt(c))
    }

    /// The element at `i`.
    ///
    /// Reads through the block cache: a hit costs a lookup; a miss decodes the element's block
    /// whole and caches it while the cache has room (or when the same block is read again
    /// right after), else decodes only what the element needs (see [`crate::ChunkCache`]). Many
    /// elements at once are cheaper with [`CArray::take`] or [`CArray::slice`].
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`] when `i >= len`.
    pub fn get(&self, i: usize) -> Result<T> {
        if i >= self.len() {
            return Err(Error::IndexOutOfBounds {
                index: i,
                len: self.len(),
            });
        }
        let c = i / self.chunklen;
        let off = i % self.chunklen;
        if c == self.chunks.len() {
            return Ok(self.tail[off]);
        }
        if let Some(d) = self.dirty.get(&c) {
            return Ok(d[off]);
        }
        let be = self.block_elems(c);
        let mut v = [T::default()];
        self.block_items(c, off / be, &[off], &mut v)?;
        Ok(v[0])
    }

    /// Copies elements `range` into `out` (of the same length).
    ///
    /// # Errors
    /// [`Error::RangeOutOfBounds`], or [`Error::LengthMismatch`] when `out` has another length.
    pub fn slice_into(&self, range: Range<usize>, out: &mut [T]) -> Result<()> {
        self.check_range(&range)?;
        if out.len() != range.len() {
            return Err(Error::LengthMismatch {
                what: "output buffer",
                got: out.len(),
                expected: range.len(),
            });
        }
        let mut pos = range.start;
        let mut o = 0;
        while pos < range.end {
            let c = pos / self.chunklen;
            let off = pos % self.chunklen;
            let n = (self.chunklen - off).min(range.end - pos);
            let dst = &mut out[o..o + n];
            if c == self.chunks.len() {
                dst.copy_from_slice(&self.tail[off..off + n]);
            } else if let Some(d) = self.dirty.get(&c) {
                dst.copy_from_slice(&d[off..off + n]);
            } else {
                self.decode_into(c, off, dst)?;
            }
            pos += n;
            o += n;
        }
        Ok(())
    }

    /// Elements `range` as a new vector.
    ///
    /// # Errors
    /// [`Error::RangeOutOfBounds`].
    pub fn slice(&self, range: Range<usize>) -> Result<Vec<T>> {
        self.check_range(&range)?;
        let mut out = vec![T::default(); range.len()];
        self.slice_into(range, &mut out)?;
        Ok(out)
    }

    /// Every `step`-th element of `range`, starting at `range.start`.
    ///
    /// # Errors
    /// [`Error::RangeOutOfBounds`]; [`Error::InvalidParam`] for `step == 0`.
    pub fn slice_step(&self, range: Range<usize>, step: usize) -> Result<Vec<T>> {
        self.check_range(&range)?;
        if step == 0 {
            return Err(Error::param("step", 0, "at least 1"));
        }
        if step == 1 {
            return self.slice(range);
        }
        let mut out = Vec::with_capacity(range.len().div_ceil(step));
        self.scan_range(range.clone(), |start, xs| {
            // First index >= start that is on the step grid.
            let first = if start <= range.start {
                range.start
            } else {
                range.start + (start - range.start).div_ceil(step) * step
            };
            let mut i = first;
            while i < start + xs.len() {
                out.push(xs[i - start]);
                i += step;
            }
        })?;
        Ok(out)
    }

    /// The elements at `indices` (any order, repeats allowed), in that order. Indices are grouped
    /// by chunk so each block is decoded at most once.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`] for the first bad index.
    pub fn take(&self, indices: &[usize]) -> Result<Vec<T>> {
        let len = self.len();
        if let Some(&bad) = indices.iter().find(|&&i| i >= len) {
            return Err(Error::IndexOutOfBounds { index: bad, len });
        }
        let sorted = indices.windows(2).all(|w| w[0] <= w[1]);
        let order: Vec<usize> = if sorted {
            (0..indices.len()).collect()
        } else {
            // Positions bucketed by chunk in one pass (counting sort), then each chunk's
            // bucket sorted, in parallel: a global sort of 100k random indices took longer
            // than decoding the blocks they touch.
            let nc = self.chunks.len() + 1;
            let mut start = vec![0usize; nc + 1];
            for &i in indices {
                start[i / self.chunklen + 1] += 1;
            }
            for c in 0..nc {
                start[c + 1] += start[c];
            }
            let mut next = start.clone();
            let mut o = vec![0usize; indices.len()];
            for (k, &i) in indices.iter().enumerate() {
                let c = i / self.chunklen;
                o[next[c]] = k;
                next[c] += 1;
            }
            let mut buckets = Vec::with_capacity(nc);
            let mut rest = &mut o[..];
            for c in 0..nc {
                let (bucket, tail) = rest.split_at_mut(start[c + 1] - start[c]);
                buckets.push(bucket);
                rest = tail;
            }
            buckets
                .into_par_iter()
                .for_each(|b| b.sort_unstable_by_key(|&k| indices[k]));
            o
        };
        // Runs of positions (in `order`) that fall in the same chunk, fetched in parallel.
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut s = 0;
        while s < order.len() {
            let c = indices[order[s]] / self.chunklen;
            let mut e = s + 1;
            while e < order.len() && indices[order[e]] / self.chunklen == c {
                e += 1;
            }
            groups.push(s..e);
            s = e;
        }
        let parts: Vec<Vec<T>> = groups
            .par_iter()
            .map(|g| {
                let c = indices[order[g.start]] / self.chunklen;
                let mut vals = Vec::with_capacity(g.len());
                if c == self.chunks.len() || self.dirty.contains_key(&c) {
                    let data = self.dirty.get(&c).map_or(&self.tail[..], |d| &d[..]);
                    for &k in &order[g.clone()] {
                        vals.push(data[indices[k] % self.chunklen]);
                    }
                    return Ok(vals);
                }
                let be = self.block_elems(c);
                let offs: Vec<usize> = order[g.clone()]
                    .iter()
                    .map(|&k| indices[k] % self.chunklen)
                    .collect();
                vals.resize(g.len(), T::default());
                if g.len() >= self.chunklen.div_ceil(be) * 8 {
                    // Many indices in this chunk: each block they touch is decoded once and the
                    // elements picked from its byte rows (no unshuffle of the block), not
                    // through the shared cache.
                    self.gather_into(c, &offs, &mut vals)?;
                    return Ok(vals);
                }
                // A few: block by block, through the cache (which may decline to hold them).
                let mut s = 0;
                while s < offs.len() {
                    let b = offs[s] / be;
                    let mut e = s + 1;
                    while e < offs.len() && offs[e] / be == b {
                        e += 1;
                    }
                    self.block_items(c, b, &offs[s..e], &mut vals[s..e])?;
                    s = e;
                }
                Ok(vals)
            })
            .collect::<Result<_>>()?;
        let mut out = vec![T::default(); indices.len()];
        for (g, vals) in groups.iter().zip(parts) {
            for (&k, v) in order[g.clone()].iter().zip(vals) {
                out[k] = v;
            }
        }
        Ok(out)
    }

    /// The elements where `mask` is true (`mask.len()` must equal `len`).
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when the mask has another length.
    pub fn filter_mask(&self, mask: &[bool]) -> Result<Vec<T>> {
        if mask.len() != self.len() {
            return Err(Error::LengthMismatch {
                what: "mask",
                got: mask.len(),
                expected: self.len(),
            });
        }
        let mut out = Vec::new();
        self.scan_range(0..self.len(), |start, xs| {
            let m = &mask[start..start + xs.len()];
            out.extend(xs.iter().zip(m).filter(|(_, k)| **k).map(|(x, _)| *x));
        })?;
        Ok(out)
    }

    /// The whole column as a vector.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn to_vec(&self) -> Result<Vec<T>> {
        self.slice(0..self.len())
    }
}
