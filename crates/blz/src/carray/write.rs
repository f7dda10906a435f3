//! Writing in place: `set`, `set_range`, `truncate`, `resize`, `clear`, `flush`.
//!
//! A chunk changed in place is decompressed once and kept as a plain vector ("dirty") so that
//! further updates cost what a `Vec` write costs; it is recompressed, with fresh statistics, when
//! more than [`MAX_DIRTY`] chunks are dirty or on [`CArray::flush`]. Every read sees dirty data.

use super::{CArray, Chunk};
use crate::dtype::Element;
use crate::error::{Error, Result};

/// Dirty chunks held decompressed before the oldest is recompressed.
pub(crate) const MAX_DIRTY: usize = 4;

impl<T: Element> CArray<T> {
    fn make_dirty(&mut self, c: usize) -> Result<&mut Vec<T>> {
        if !self.dirty.contains_key(&c) {
            if self.dirty.len() >= MAX_DIRTY {
                let oldest = *self.dirty.keys().next().unwrap_or(&c);
                self.flush_chunk(oldest)?;
            }
            let mut v = vec![T::default(); self.chunklen];
            self.decode_into(c, 0, &mut v)?;
            self.dirty.insert(c, v);
        }
        self.dirty.get_mut(&c).ok_or(Error::CorruptChunk {
            chunk: c,
            reason: "dirty chunk vanished",
        })
    }

    fn replace_chunk(&mut self, c: usize, xs: &[T]) -> Result<()> {
        let (data, blocksize, stats) = self.seal(xs)?;
        let old = &self.chunks[c];
        let nblocks = self.chunklen.div_ceil(self.block_elems(c));
        for b in 0..nblocks {
            self.cache
                .remove((self.owner, old.gen_id, u32::try_from(b).unwrap_or(u32::MAX)));
        }
        let gen_id = self.new_gen();
        self.chunks[c] = Chunk {
            data,
            gen_id,
            blocksize,
            stats,
        };
        Ok(())
    }

    fn flush_chunk(&mut self, c: usize) -> Result<()> {
        if let Some(v) = self.dirty.remove(&c) {
            self.replace_chunk(c, &v)?;
        }
        Ok(())
    }

    /// Recompresses every chunk changed in place (updating its statistics).
    ///
    /// # Errors
    /// If compression fails.
    pub fn flush(&mut self) -> Result<()> {
        let keys: Vec<usize> = self.dirty.keys().copied().collect();
        for c in keys {
            self.flush_chunk(c)?;
        }
        Ok(())
    }

    /// Sets the element at `i`.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`] when `i >= len`.
    pub fn set(&mut self, i: usize, x: T) -> Result<()> {
        let len = self.len();
        if i >= len {
            return Err(Error::IndexOutOfBounds { index: i, len });
        }
        let (c, off) = (i / self.chunklen, i % self.chunklen);
        if c == self.chunks.len() {
            self.tail[off] = x;
        } else {
            self.make_dirty(c)?[off] = x;
        }
        Ok(())
    }

    /// Overwrites elements `start..start + xs.len()` with `xs`. Whole chunks are recompressed
    /// directly; partly covered ones are changed in place.
    ///
    /// # Errors
    /// [`Error::RangeOutOfBounds`] when the range reaches past the end.
    pub fn set_range(&mut self, start: usize, xs: &[T]) -> Result<()> {
        let end = start.saturating_add(xs.len());
        self.check_range(&(start..end))?;
        let mut pos = start;
        while pos < end {
            let (c, off) = (pos / self.chunklen, pos % self.chunklen);
            let n = (self.chunklen - off).min(end - pos);
            let src = &xs[pos - start..pos - start + n];
            if c == self.chunks.len() {
                self.tail[off..off + n].copy_from_slice(src);
            } else if n == self.chunklen {
                self.dirty.remove(&c);
                self.replace_chunk(c, src)?;
            } else {
                self.make_dirty(c)?[off..off + n].copy_from_slice(src);
            }
            pos += n;
        }
        Ok(())
    }

    /// Shortens the column to `n` elements (no effect when `n >= len`).
    ///
    /// # Errors
    /// If the chunk cut in two fails to decompress.
    pub fn truncate(&mut self, n: usize) -> Result<()> {
        if n >= self.len() {
            return Ok(());
        }
        let (c, off) = (n / self.chunklen, n % self.chunklen);
        if c == self.chunks.len() {
            self.tail.truncate(off);
            return Ok(());
        }
        let mut head = vec![T::default(); off];
        if off > 0 {
            match self.dirty.get(&c) {
                Some(d) => head.copy_from_slice(&d[..off]),
                None => self.decode_into(c, 0, &mut head)?,
            }
        }
        self.dirty.retain(|&k, _| k < c);
        self.chunks.truncate(c);
        self.tail = head;
        Ok(())
    }

    /// Grows (appending copies of `fill`) or shrinks the column to `n` elements.
    ///
    /// # Errors
    /// As [`CArray::truncate`] and [`CArray::extend_from_slice`].
    pub fn resize(&mut self, n: usize, fill: T) -> Result<()> {
        let len = self.len();
        if n <= len {
            return self.truncate(n);
        }
        let piece = vec![fill; self.chunklen.min(n - len).max(1)];
        let mut left = n - len;
        while left > 0 {
            let k = left.min(piece.len());
            self.extend_from_slice(&piece[..k])?;
            left -= k;
        }
        Ok(())
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.chunks.clear();
        self.dirty.clear();
        self.tail.clear();
    }
}
