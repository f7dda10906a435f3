//! Decompression of whole chunks and of item ranges (`getitem`).
//!
//! Every offset and size read from the chunk is checked before use; C-Blosc1 semantics apply
//! to version-2 chunks (split guard, old bitshuffle leftover rule) and C-Blosc2 semantics to
//! versions 3-5 (filter pipeline, run-length streams, special chunks, dictionaries).

use std::ops::Range;

use rayon::prelude::*;

use crate::bitshuffle::bitunshuffle;
use crate::blocksize::decoder_split_v1;
use crate::error::{Error, Result};
use crate::filters;
use crate::header::{
    ChunkHeader, FILTER_BITSHUFFLE, FILTER_BYTEDELTA, FILTER_BYTEDELTA_BUGGY, FILTER_DELTA,
    FILTER_NONE, FILTER_SHUFFLE, FILTER_TRUNC_PREC, Special, get_i32,
};
use crate::params::{Compressor, DParams};
use crate::scratch::{Scratch, with_scratch};
use crate::shuffle::{rows_kernel, unshuffle, unshuffle_rows};

/// Most bytes `getitem` unshuffles from a partly decoded block with the byte loop, on CPUs
/// without a rows kernel (larger requests decode the whole block and copy out of it).
const ROWS_PICK_MAX: usize = 4096;

/// Decompresses a chunk into a new vector, with one thread.
///
/// ```
/// # fn main() -> blz_blosc::Result<()> {
/// let data: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
/// let params = blz_blosc::CParams::default().with_typesize(blz_blosc::TypeSize::new(4));
/// let chunk = blz_blosc::compress(&data, &params)?;
/// assert_eq!(blz_blosc::decompress(&chunk)?, data);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// Any [`Error`] describing why the bytes are not a valid chunk; never panics.
pub fn decompress(src: &[u8]) -> Result<Vec<u8>> {
    decompress_with(src, &DParams::default())
}

/// Decompresses a chunk into a new vector, with the given parameters.
///
/// # Errors
/// As [`decompress`]; also [`Error::InvalidParam`] for bad parameters.
pub fn decompress_with(src: &[u8], params: &DParams) -> Result<Vec<u8>> {
    let h = ChunkHeader::parse(src)?;
    check_len(&h, src)?;
    if h.special.is_none() && !h.is_memcpyed() && h.nbytes > 0 {
        // Validate the block table and every stream's size before allocating what the header
        // announces: a stream too short to decode to its share of `nbytes` fails here.
        Chunk::new(&h, &src[..h.cbytes])?.check_sizes()?;
    }
    let mut out = Vec::new();
    out.try_reserve_exact(h.nbytes)
        .map_err(|_| Error::OutputTooSmall {
            needed: h.nbytes,
            got: 0,
        })?;
    out.resize(h.nbytes, 0);
    let n = decompress_into_with(src, &mut out, params)?;
    debug_assert_eq!(n, out.len());
    Ok(out)
}

/// Decompresses a chunk into `dst` (at least `nbytes` long). Returns the bytes written.
///
/// # Errors
/// As [`decompress`]; [`Error::OutputTooSmall`] if `dst` is shorter than the chunk's `nbytes`.
pub fn decompress_into(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    decompress_into_with(src, dst, &DParams::default())
}

/// [`decompress_into`] with parameters (threads).
///
/// # Errors
/// As [`decompress_into`].
pub fn decompress_into_with(src: &[u8], dst: &mut [u8], params: &DParams) -> Result<usize> {
    params.validate()?;
    let h = ChunkHeader::parse(src)?;
    check_len(&h, src)?;
    let src = &src[..h.cbytes];
    if dst.len() < h.nbytes {
        return Err(Error::OutputTooSmall {
            needed: h.nbytes,
            got: dst.len(),
        });
    }
    let dst = &mut dst[..h.nbytes];
    if h.nbytes == 0 {
        return Ok(0);
    }
    if let Some(special) = h.special {
        fill_special(&h, src, special, dst);
        return Ok(h.nbytes);
    }
    if h.is_memcpyed() {
        let hl = h.header_len();
        dst.copy_from_slice(&src[hl..hl + h.nbytes]);
        return Ok(h.nbytes);
    }
    let chunk = Chunk::new(&h, src)?;
    let bs = h.blocksize;
    let nblocks = h.nblocks();
    let nthreads = params.nthreads.min(nblocks);
    if chunk.has_delta {
        // Every other block is XORed with the decoded block 0, so it goes first.
        let (first, rest) = dst.split_at_mut(bs.min(h.nbytes));
        with_scratch(|s| chunk.decode_block(0, first, None, s))?;
        let block0: &[u8] = first;
        run_blocks(&chunk, rest, 1, nthreads, Some(block0))?;
    } else {
        // Block 0 is shared out with the others: decoded alone first, it left a two-block
        // chunk on two threads as slow as one thread (zstd, 512 KiB blocks).
        run_blocks(&chunk, dst, 0, nthreads, None)?;
    }
    Ok(h.nbytes)
}

/// Decodes the blocks of `out` (which starts at block `first_index`), in parallel when asked.
fn run_blocks(
    chunk: &Chunk<'_>,
    out: &mut [u8],
    first_index: usize,
    nthreads: usize,
    block0: Option<&[u8]>,
) -> Result<()> {
    let bs = chunk.h.blocksize;
    if out.is_empty() {
        return Ok(());
    }
    if nthreads <= 1 {
        return with_scratch(|s| {
            for (i, b) in out.chunks_mut(bs).enumerate() {
                chunk.decode_block(first_index + i, b, block0, s)?;
            }
            Ok(())
        });
    }
    let nb = out.len().div_ceil(bs);
    let per = nb.div_ceil(nthreads);
    out.par_chunks_mut(bs * per)
        .enumerate()
        .try_for_each(|(g, group)| {
            with_scratch(|s| {
                for (i, b) in group.chunks_mut(bs).enumerate() {
                    chunk.decode_block(first_index + g * per + i, b, block0, s)?;
                }
                Ok(())
            })
        })
}

/// Decompresses the items at `items` (indices in units of the chunk's typesize, best sorted)
/// into `dst`, `items.len() * typesize` bytes, in the order given. Every block holding one is
/// decoded once per run of items in it (a byte-shuffled BloscLZ or LZ4 block only up to the
/// run's last item, as in [`getitem`]); in a byte-shuffled block the items are picked from the
/// decoded byte rows, without the unshuffle of the whole block (a random `take` of many items
/// costs little more than the codec's own decoding).
///
/// ```
/// # fn main() -> blz_blosc::Result<()> {
/// let data: Vec<u8> = (0..100_000u64).flat_map(|i| i.to_le_bytes()).collect();
/// let params = blz_blosc::CParams::default().with_typesize(blz_blosc::TypeSize::new(8));
/// let chunk = blz_blosc::compress(&data, &params)?;
/// let mut out = [0u8; 24];
/// blz_blosc::gather(&chunk, &[3, 70_000, 99_999], &mut out)?;
/// assert_eq!(out[8..16], 70_000u64.to_le_bytes());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`decompress`]; [`Error::InvalidParam`] for an item outside the chunk;
/// [`Error::OutputTooSmall`] when `dst` is shorter than `items.len() * typesize`.
pub fn gather(src: &[u8], items: &[usize], dst: &mut [u8]) -> Result<()> {
    let h = ChunkHeader::parse(src)?;
    check_len(&h, src)?;
    let src = &src[..h.cbytes];
    let ts = h.typesize().max(1);
    let nitems = h.nbytes / ts;
    if let Some(&bad) = items.iter().find(|&&i| i >= nitems) {
        return Err(Error::param(
            "items",
            format!("item {bad}"),
            "indices inside the chunk",
        ));
    }
    let need = items.len() * ts;
    if dst.len() < need {
        return Err(Error::OutputTooSmall {
            needed: need,
            got: dst.len(),
        });
    }
    if items.is_empty() {
        return Ok(());
    }
    if h.special.is_some() || h.is_memcpyed() || h.blocksize == 0 || h.blocksize % ts != 0 {
        // No blocks to decode, or items that may straddle two blocks: item by item.
        for (k, &i) in items.iter().enumerate() {
            getitem(src, i, 1, &mut dst[k * ts..(k + 1) * ts])?;
        }
        return Ok(());
    }
    let chunk = Chunk::new(&h, src)?;
    let bs = h.blocksize;
    let per_block = (bs / ts).max(1);
    with_scratch(|s| -> Result<()> {
        let block0 = chunk.block0(s)?;
        let mut blockbuf = Vec::new();
        let mut k = 0;
        while k < items.len() {
            let b = items[k] * ts / bs;
            let mut e = k + 1;
            while e < items.len() && items[e] * ts / bs == b {
                e += 1;
            }
            let bstart = b * bs;
            let bsize = bs.min(h.nbytes - bstart);
            let first = b * per_block;
            let out = &mut dst[k * ts..e * ts];
            if chunk.rows_readable(bsize) && !(chunk.has_delta && b == 0) {
                // Only the streams' bytes up to the last item wanted are decoded.
                let upto = items[k..e].iter().max().map_or(0, |&m| m - first + 1);
                chunk.with_block_rows(b, bsize, upto, s, |rows| {
                    for (o, &i) in out.chunks_exact_mut(ts).zip(&items[k..e]) {
                        for (byte, row) in o.iter_mut().zip(rows) {
                            *byte = row[i - first];
                        }
                    }
                })?;
            } else {
                let block = chunk.whole_block(b, bsize, &block0, &mut blockbuf, s)?;
                for (o, &i) in out.chunks_exact_mut(ts).zip(&items[k..e]) {
                    let at = i * ts - bstart;
                    o.copy_from_slice(&block[at..at + ts]);
                }
            }
            k = e;
        }
        Ok(())
    })
}

/// Decompresses items `[start, start + nitems)` (in units of the chunk's typesize) into `dst`,
/// decoding only the blocks that hold them. Returns the bytes written.
///
/// In a block stored as byte streams (the byte shuffle, typesize 2-16) coded with BloscLZ or
/// LZ4, each stream is decoded only up to the last item wanted and only the items wanted are
/// unshuffled: reading one item costs on average half a block's decoding. The rest of such a
/// stream is not read, so damage past the items read is not reported (a whole-chunk
/// [`decompress`] checks everything).
///
/// ```
/// # fn main() -> blz_blosc::Result<()> {
/// let data: Vec<u8> = (0..100_000u64).flat_map(|i| i.to_le_bytes()).collect();
/// let params = blz_blosc::CParams::default().with_typesize(blz_blosc::TypeSize::new(8));
/// let chunk = blz_blosc::compress(&data, &params)?;
/// let mut out = [0u8; 16];
/// blz_blosc::getitem(&chunk, 500, 2, &mut out)?;
/// assert_eq!(out[..8], 500u64.to_le_bytes());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`decompress`]; [`Error::InvalidParam`] when the range is outside the chunk;
/// [`Error::OutputTooSmall`] when `dst` cannot hold the items.
pub fn getitem(src: &[u8], start: usize, nitems: usize, dst: &mut [u8]) -> Result<usize> {
    let h = ChunkHeader::parse(src)?;
    check_len(&h, src)?;
    let src = &src[..h.cbytes];
    let ts = h.typesize();
    let begin = start.checked_mul(ts);
    let end = start.checked_add(nitems).and_then(|e| e.checked_mul(ts));
    let (begin, end) = match (begin, end) {
        (Some(b), Some(e)) if e <= h.nbytes => (b, e),
        _ => {
            return Err(Error::param(
                "start + nitems",
                format!("{start} + {nitems} items of {ts} bytes"),
                "a range inside the chunk",
            ));
        }
    };
    let len = end - begin;
    if dst.len() < len {
        return Err(Error::OutputTooSmall {
            needed: len,
            got: dst.len(),
        });
    }
    let dst = &mut dst[..len];
    if len == 0 {
        return Ok(0);
    }
    if let Some(special) = h.special {
        // Fill a whole-element window, then copy the requested bytes (VALUE needs alignment).
        let vts = if special == Special::Value {
            h.cbytes - h.header_len()
        } else {
            ts.max(1)
        };
        let a = begin / vts * vts;
        let b = end.div_ceil(vts) * vts;
        let mut tmp = vec![0u8; b - a];
        if special == Special::Uninit {
            return Ok(len);
        }
        fill_special(&h, src, special, &mut tmp);
        dst.copy_from_slice(&tmp[begin - a..end - a]);
        return Ok(len);
    }
    if h.is_memcpyed() {
        let hl = h.header_len();
        dst.copy_from_slice(&src[hl + begin..hl + end]);
        return Ok(len);
    }
    let chunk = Chunk::new(&h, src)?;
    let bs = h.blocksize;
    with_scratch(|s| -> Result<()> {
        let block0 = chunk.block0(s)?;
        let mut blockbuf = Vec::new();
        for b in begin / bs..end.div_ceil(bs) {
            let bstart = b * bs;
            let bend = (bstart + bs).min(h.nbytes);
            let (lo, hi) = (begin.max(bstart), end.min(bend));
            let out = &mut dst[lo - begin..hi - begin];
            if chunk.has_delta && b == 0 {
                out.copy_from_slice(&block0[lo..hi]);
                continue;
            }
            let reference = chunk.has_delta.then_some(block0.as_slice());
            if lo == bstart && hi == bend {
                chunk.decode_block(b, out, reference, s)?;
            } else if bs % ts == 0
                && chunk.rows_readable(bend - bstart)
                && (rows_kernel(ts) || hi - lo <= ROWS_PICK_MAX)
            {
                // Part of a byte-shuffled block: the streams are decoded only up to the last
                // element wanted, and only the elements wanted are unshuffled.
                let (e0, e1) = ((lo - bstart) / ts, (hi - bstart) / ts);
                let done = chunk.with_block_rows(b, bend - bstart, e1, s, |rows| {
                    let mut sub: [&[u8]; 16] = [&[]; 16];
                    for (d, r) in sub.iter_mut().zip(rows) {
                        *d = &r[e0..e1];
                    }
                    unshuffle_rows(&sub[..rows.len()], out)
                })?;
                if !done {
                    return Err(Error::CorruptBlock {
                        block: b,
                        reason: "block size is not a multiple of the stream count",
                    });
                }
            } else {
                blockbuf.resize(bend - bstart, 0);
                chunk.decode_block(b, &mut blockbuf, reference, s)?;
                out.copy_from_slice(&blockbuf[lo - bstart..hi - bstart]);
            }
        }
        Ok(())
    })?;
    Ok(len)
}

/// Decodes items `[start, start + nitems)` in consecutive pieces of `piece.len() / typesize`
/// items (the last one may be shorter), calling `f` with each piece, in order, as bytes in
/// `piece`. A whole-range scan this way never writes the decoded range out: a byte-shuffled
/// block is unshuffled piece by piece from its decoded rows into `piece` (small enough to stay
/// in the L1 cache), where [`getitem`] would write the whole block out and the caller would
/// read it back.
///
/// ```
/// # fn main() -> blz_blosc::Result<()> {
/// let data: Vec<u8> = (0..100_000u64).flat_map(|i| i.to_le_bytes()).collect();
/// let params = blz_blosc::CParams::default().with_typesize(blz_blosc::TypeSize::new(8));
/// let chunk = blz_blosc::compress(&data, &params)?;
/// let mut piece = vec![0u8; 8 * 1024];
/// let mut sum = 0u64;
/// blz_blosc::getitem_pieces(&chunk, 0, 100_000, &mut piece, |bytes| {
///     sum += bytes.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().unwrap())).sum::<u64>();
/// })?;
/// assert_eq!(sum, (0..100_000u64).sum::<u64>());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`getitem`]; [`Error::InvalidParam`] when `piece` holds less than one item.
pub fn getitem_pieces(
    src: &[u8],
    start: usize,
    nitems: usize,
    piece: &mut [u8],
    mut f: impl FnMut(&[u8]),
) -> Result<()> {
    let h = ChunkHeader::parse(src)?;
    check_len(&h, src)?;
    let src = &src[..h.cbytes];
    let ts = h.typesize().max(1);
    let per = piece.len() / ts;
    if per == 0 {
        return Err(Error::param(
            "piece",
            format!("{} bytes", piece.len()),
            "room for at least one item",
        ));
    }
    let end = start
        .checked_add(nitems)
        .filter(|&e| e.checked_mul(ts).is_some_and(|b| b <= h.nbytes));
    let Some(end) = end else {
        return Err(Error::param(
            "start + nitems",
            format!("{start} + {nitems} items of {ts} bytes"),
            "a range inside the chunk",
        ));
    };
    let bs = h.blocksize;
    if h.special.is_some() || h.is_memcpyed() || bs == 0 || bs % ts != 0 {
        // No blocks to decode, or items that may straddle two blocks: a block (or 1 MiB) at a
        // time through `getitem`, aligned to the blocks.
        let step = if bs > 0 && bs % ts == 0 {
            bs / ts
        } else {
            per.max((1 << 20) / ts)
        };
        let mut buf = Vec::new();
        let mut i = start;
        while i < end {
            let e = ((i / step + 1) * step).min(end);
            buf.resize((e - i) * ts, 0);
            getitem(src, i, e - i, &mut buf)?;
            hand_over(&buf, &mut piece[..per * ts], &mut f);
            i = e;
        }
        return Ok(());
    }
    let chunk = Chunk::new(&h, src)?;
    let per_block = bs / ts;
    with_scratch(|s| -> Result<()> {
        // Decoded once for the whole range (DELTA decodes every block against it).
        let block0 = chunk.block0(s)?;
        let mut blockbuf = Vec::new();
        let mut i = start;
        while i < end {
            let b = i / per_block;
            let first = b * per_block;
            let bsize = bs.min(h.nbytes - b * bs);
            let bend = (first + bsize / ts).min(end);
            let (e0, e1) = (i - first, bend - first);
            if chunk.rows_readable(bsize) && rows_kernel(ts) {
                let done = chunk.with_block_rows(b, bsize, e1, s, |rows| {
                    let mut e = e0;
                    while e < e1 {
                        let n = per.min(e1 - e);
                        let mut sub: [&[u8]; 16] = [&[]; 16];
                        for (d, r) in sub.iter_mut().zip(rows) {
                            *d = &r[e..e + n];
                        }
                        let out = &mut piece[..n * ts];
                        if !unshuffle_rows(&sub[..rows.len()], out) {
                            return false;
                        }
                        f(out);
                        e += n;
                    }
                    true
                })?;
                if !done {
                    return Err(Error::CorruptBlock {
                        block: b,
                        reason: "block size is not a multiple of the stream count",
                    });
                }
            } else {
                // Not read as byte rows (a leftover block, other filters, no rows kernel):
                // the block decoded whole, then handed over piece by piece.
                let block = chunk.whole_block(b, bsize, &block0, &mut blockbuf, s)?;
                hand_over(&block[e0 * ts..e1 * ts], &mut piece[..per * ts], &mut f);
            }
            i = bend;
        }
        Ok(())
    })
}

/// Hands `bytes` to `f` in pieces of `piece.len()` bytes (whole items), copied into `piece`.
fn hand_over(bytes: &[u8], piece: &mut [u8], f: &mut impl FnMut(&[u8])) {
    for part in bytes.chunks(piece.len()) {
        let out = &mut piece[..part.len()];
        out.copy_from_slice(part);
        f(out);
    }
}

fn check_len(h: &ChunkHeader, src: &[u8]) -> Result<()> {
    if src.len() < h.cbytes {
        return Err(Error::Truncated {
            what: "chunk",
            needed: h.cbytes,
            got: src.len(),
        });
    }
    Ok(())
}

fn fill_special(h: &ChunkHeader, src: &[u8], special: Special, dst: &mut [u8]) {
    match special {
        Special::Zeros => dst.fill(0),
        Special::Uninit => {}
        Special::Nan => {
            if h.typesize == 4 {
                let nan = 0x7FC0_0000u32.to_le_bytes();
                dst.chunks_exact_mut(4)
                    .for_each(|c| c.copy_from_slice(&nan));
            } else {
                let nan = 0x7FF8_0000_0000_0000u64.to_le_bytes();
                dst.chunks_exact_mut(8)
                    .for_each(|c| c.copy_from_slice(&nan));
            }
        }
        Special::Value => {
            let value = &src[h.header_len()..h.cbytes];
            dst.chunks_exact_mut(value.len())
                .for_each(|c| c.copy_from_slice(value));
        }
    }
}

/// The most bytes a stream of `csize` bytes of `codec` can decode to: each codec's largest
/// expansion per input byte, with a margin (BloscLZ and LZ4 add at most 255 bytes of match per
/// length byte, Snappy 64 bytes per 3-byte copy, deflate 258 bytes per 2 bits, a Zstandard
/// block of at least 4 bytes makes at most 128 KiB), plus 1 KiB.
fn max_decoded(codec: Compressor, csize: usize) -> usize {
    let per_byte: usize = match codec {
        Compressor::BloscLz | Compressor::Lz4 | Compressor::Lz4Hc => 256,
        Compressor::Snappy => 64,
        Compressor::Zlib => 2048,
        Compressor::Zstd => 1 << 16,
    };
    csize.saturating_mul(per_byte).saturating_add(1 << 10)
}

/// A validated chunk whose blocks can be decoded independently (but for DELTA's reference).
struct Chunk<'a> {
    h: &'a ChunkHeader,
    src: &'a [u8],
    dict: Option<&'a [u8]>,
    has_delta: bool,
    /// The pipeline is the byte shuffle alone (see [`Chunk::with_block_rows`]).
    shuffle_only: bool,
}

/// Where the current bytes of a block are during the filter pipeline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loc {
    Out,
    T1,
    T2,
}

fn pick<'b>(
    out: &'b mut [u8],
    t1: &'b mut [u8],
    t2: &'b mut [u8],
    from: Loc,
    to: Loc,
) -> (&'b [u8], &'b mut [u8]) {
    match (from, to) {
        (Loc::Out, Loc::T1) => (out, t1),
        (Loc::Out, Loc::T2) => (out, t2),
        (Loc::T1, Loc::Out) => (t1, out),
        (Loc::T1, Loc::T2) => (t1, t2),
        (Loc::T2, Loc::Out) => (t2, out),
        (Loc::T2, Loc::T1) => (t2, t1),
        // Callers never ask for a move in place.
        (_, _) => (t1, t2),
    }
}

impl<'a> Chunk<'a> {
    fn new(h: &'a ChunkHeader, src: &'a [u8]) -> Result<Self> {
        let hl = h.header_len();
        let nblocks = h.nblocks();
        let bstarts_end = nblocks
            .checked_mul(4)
            .and_then(|n| n.checked_add(hl))
            .filter(|&e| e <= h.cbytes)
            .ok_or(Error::Truncated {
                what: "block starts",
                needed: nblocks.saturating_mul(4).saturating_add(hl),
                got: h.cbytes,
            })?;
        let mut dict = None;
        if h.has_dict() {
            let dsize = get_i32(src, bstarts_end).ok_or(Error::Truncated {
                what: "dictionary size",
                needed: bstarts_end + 4,
                got: src.len(),
            })?;
            let dsize = usize::try_from(dsize)
                .ok()
                .filter(|&d| d > 0 && d <= src.len() - bstarts_end - 4)
                .ok_or(Error::BadHeader {
                    field: "dictionary size",
                    value: i64::from(dsize),
                    expected: "a size inside the chunk",
                })?;
            dict = Some(&src[bstarts_end + 4..bstarts_end + 4 + dsize]);
        }
        for &f in &h.filters {
            if !matches!(
                f,
                FILTER_NONE
                    | FILTER_SHUFFLE
                    | FILTER_BITSHUFFLE
                    | FILTER_DELTA
                    | FILTER_TRUNC_PREC
                    | FILTER_BYTEDELTA
                    | FILTER_BYTEDELTA_BUGGY
            ) {
                return Err(Error::Unsupported {
                    feature: "filter",
                    value: i64::from(f),
                });
            }
        }
        // Byte shuffle by the typesize and nothing else that moves or changes bytes on the way
        // back (TRUNC_PREC only acts when compressing).
        let mut active =
            (0..6).filter(|&k| !matches!(h.filters[k], FILTER_NONE | FILTER_TRUNC_PREC));
        let shuffle_only = match (active.next(), active.next()) {
            (Some(k), None) => {
                let meta = usize::from(h.filters_meta[k]);
                h.filters[k] == FILTER_SHUFFLE && (meta == 0 || meta == h.typesize())
            }
            _ => false,
        };
        Ok(Chunk {
            h,
            src,
            shuffle_only,
            dict,
            has_delta: h.filters.contains(&FILTER_DELTA),
        })
    }

    /// Walks the stream sizes of every block without decoding: each stream lies inside the
    /// chunk and is long enough to decode to its share of the block with the chunk's codec
    /// (see [`max_decoded`]). A chunk that passes may still fail to decode, but a header cannot
    /// announce far more bytes than its streams can hold.
    fn check_sizes(&self) -> Result<()> {
        let h = self.h;
        let ts = h.typesize();
        for i in 0..h.nblocks() {
            let bsize = h.blocksize.min(h.nbytes - i * h.blocksize);
            let split = self.split_of(bsize);
            let res = self.check_streams(i, if split { ts } else { 1 }, bsize);
            match res {
                // As decode_block: a C-Blosc1 chunk written in ALWAYS split mode.
                Err(e) if h.version == 2 && !split && !h.dont_split() && bsize == h.blocksize => {
                    if ts <= 1 || self.check_streams(i, ts, bsize).is_err() {
                        return Err(e);
                    }
                }
                r => r?,
            }
        }
        Ok(())
    }

    /// [`Chunk::check_sizes`] for block `i` stored as `nstreams` streams.
    fn check_streams(&self, i: usize, nstreams: usize, bsize: usize) -> Result<()> {
        let h = self.h;
        let corrupt = |reason| Error::CorruptBlock { block: i, reason };
        let neblock = bsize / nstreams;
        if neblock == 0 || neblock * nstreams != bsize {
            return Err(corrupt("block size is not a multiple of the stream count"));
        }
        let bstart = get_i32(self.src, h.header_len() + 4 * i).unwrap_or(-1);
        let mut pos = usize::try_from(bstart)
            .ok()
            .filter(|&p| p >= h.header_len() && p < h.cbytes)
            .ok_or(corrupt("block start outside the chunk"))?;
        for _ in 0..nstreams {
            let csize = get_i32(self.src, pos).ok_or(corrupt("stream size past the chunk end"))?;
            pos += 4;
            if csize < 0 {
                // A run: one token byte stands for the whole stream.
                pos += 1;
            } else if csize > 0 {
                let c = usize::try_from(csize).unwrap_or(usize::MAX);
                if pos.checked_add(c).is_none_or(|e| e > self.src.len()) {
                    return Err(corrupt("stream data past the chunk end"));
                }
                if c != neblock && neblock > max_decoded(h.codec, c) {
                    return Err(corrupt(
                        "stream too short for the bytes the header announces",
                    ));
                }
                pos += c;
            }
        }
        if pos > self.src.len() {
            return Err(corrupt("run token past the chunk end"));
        }
        Ok(())
    }

    /// Decodes block `i` into `out` (exactly the block's size). `block0` is the decoded block 0
    /// when the pipeline has DELTA and `i > 0`.
    fn decode_block(
        &self,
        i: usize,
        out: &mut [u8],
        block0: Option<&[u8]>,
        s: &mut Scratch,
    ) -> Result<()> {
        let h = self.h;
        let bsize = out.len();
        let leftover = bsize < h.blocksize;
        let ts = h.typesize();
        let dont_split = h.dont_split();
        let v2_split = !dont_split && !leftover;
        let split = self.split_of(bsize);
        let nstreams = if split { ts } else { 1 };
        let moving = self.h.filters.iter().any(|&f| {
            matches!(
                f,
                FILTER_SHUFFLE | FILTER_BITSHUFFLE | FILTER_BYTEDELTA | FILTER_BYTEDELTA_BUGGY
            )
        });
        if moving {
            s.reserve(bsize);
        }
        if self.rows_readable(bsize) && rows_kernel(ts) {
            // The common case: the unshuffle reads each row where it lies, so the streams
            // stored raw (5 of 8 in noisy floats) are not copied next to the decoded ones.
            return if self
                .with_block_rows(i, bsize, usize::MAX, s, |rows| unshuffle_rows(rows, out))?
            {
                Ok(())
            } else {
                Err(Error::CorruptBlock {
                    block: i,
                    reason: "block size is not a multiple of the stream count",
                })
            };
        }
        let first = if moving { Loc::T1 } else { Loc::Out };
        let res = self.read_streams(i, nstreams, bsize, out, first, s, None, usize::MAX);
        match res {
            Err(e) if h.version == 2 && !split && v2_split && ts > 1 => {
                // A C-Blosc1 chunk written in ALWAYS split mode with typesize > 16: C-Blosc1
                // cannot read it, C-Blosc2 can. Try the split reading before giving up.
                self.read_streams(i, ts, bsize, out, first, s, None, usize::MAX)
                    .map_err(|_| e)?;
            }
            r => r?,
        }
        self.backward(i, out, first, block0, s)
    }

    /// Block 0 decoded when the pipeline has DELTA (the other blocks are decoded against it),
    /// else empty.
    fn block0(&self, s: &mut Scratch) -> Result<Vec<u8>> {
        let mut block0 = Vec::new();
        if self.has_delta {
            block0.resize(self.h.blocksize.min(self.h.nbytes), 0);
            self.decode_block(0, &mut block0, None, s)?;
        }
        Ok(block0)
    }

    /// Block `b` (`bsize` bytes) decoded whole: `block0` itself for block 0 of a DELTA chunk
    /// (see [`Chunk::block0`]), else decoded into `buf` (against `block0` with DELTA).
    fn whole_block<'b>(
        &self,
        b: usize,
        bsize: usize,
        block0: &'b [u8],
        buf: &'b mut Vec<u8>,
        s: &mut Scratch,
    ) -> Result<&'b [u8]> {
        if self.has_delta && b == 0 {
            return Ok(block0);
        }
        buf.resize(bsize, 0);
        self.decode_block(b, buf, self.has_delta.then_some(block0), s)?;
        Ok(buf)
    }

    /// Whether a block of `bsize` bytes is stored as one stream per byte of the typesize.
    fn split_of(&self, bsize: usize) -> bool {
        let h = self.h;
        let leftover = bsize < h.blocksize;
        if h.version == 2 {
            decoder_split_v1(h.dont_split(), h.typesize(), h.blocksize, leftover)
        } else {
            !h.dont_split() && !leftover
        }
    }

    /// Whether block `i` of `bsize` bytes can be read as rows ([`Chunk::with_block_rows`]).
    fn rows_readable(&self, bsize: usize) -> bool {
        let ts = self.h.typesize();
        self.shuffle_only && (2..=16).contains(&ts) && self.split_of(bsize)
    }

    /// Decodes the streams of a block for which [`Chunk::rows_readable`] holds and calls `f`
    /// with its shuffled rows: row `j` holds byte `j` of the block's first `upto` elements (the
    /// raw ones where they lie in the chunk, the others decoded into the scratch; all of them
    /// for `upto >= bsize / typesize`).
    fn with_block_rows<R>(
        &self,
        i: usize,
        bsize: usize,
        upto: usize,
        s: &mut Scratch,
        f: impl FnOnce(&[&[u8]]) -> R,
    ) -> Result<R> {
        let ts = self.h.typesize();
        s.reserve(bsize);
        let mut raw: [Option<Range<usize>>; 16] = Default::default();
        // `out` is not written when reading into t1; an empty one satisfies the signature.
        let mut no_out = [0u8; 0];
        let neblock = bsize / ts;
        let upto = upto.min(neblock);
        self.read_streams(
            i,
            ts,
            bsize,
            &mut no_out,
            Loc::T1,
            s,
            Some(&mut raw[..ts]),
            upto,
        )?;
        let t1 = &s.t1[..bsize];
        let mut rows: [&[u8]; 16] = [&[]; 16];
        for (j, row) in rows.iter_mut().enumerate().take(ts) {
            *row = match &raw[j] {
                Some(r) => &self.src[r.start..r.start + upto],
                None => &t1[j * neblock..j * neblock + upto],
            };
        }
        Ok(f(&rows[..ts]))
    }

    /// Decodes the streams of block `i` into `out` or `t1` (per `loc`). With `deferred`, a
    /// stream stored raw is not copied: its range in the chunk is recorded there instead. Only
    /// the first `upto` bytes of each stream are sure to be decoded (BloscLZ and LZ4 stop
    /// there; `usize::MAX` for whole streams).
    #[expect(clippy::too_many_arguments, reason = "private; one call site per use")]
    fn read_streams(
        &self,
        i: usize,
        nstreams: usize,
        bsize: usize,
        out: &mut [u8],
        loc: Loc,
        s: &mut Scratch,
        mut deferred: Option<&mut [Option<Range<usize>>]>,
        upto: usize,
    ) -> Result<()> {
        let h = self.h;
        let corrupt = |reason| Error::CorruptBlock { block: i, reason };
        let neblock = bsize / nstreams;
        if neblock == 0 || neblock * nstreams != bsize {
            return Err(corrupt("block size is not a multiple of the stream count"));
        }
        let upto = upto.min(neblock);
        let bstart = get_i32(self.src, h.header_len() + 4 * i).unwrap_or(-1);
        let mut pos = usize::try_from(bstart)
            .ok()
            .filter(|&p| p >= h.header_len() && p < h.cbytes)
            .ok_or(corrupt("block start outside the chunk"))?;
        let Scratch { codecs, t1, .. } = s;
        let target: &mut [u8] = match loc {
            Loc::Out => &mut out[..bsize],
            _ => &mut t1[..bsize],
        };
        for (j, stream) in target.chunks_exact_mut(neblock).enumerate() {
            let csize = get_i32(self.src, pos).ok_or(corrupt("stream size past the chunk end"))?;
            pos += 4;
            if csize == 0 {
                stream[..upto].fill(0);
            } else if csize < 0 {
                let token = *self
                    .src
                    .get(pos)
                    .ok_or(corrupt("run token past the chunk end"))?;
                pos += 1;
                if token & 1 == 0 || csize < -255 {
                    return Err(corrupt("unsupported stream token"));
                }
                stream[..upto].fill(csize.unsigned_abs().to_le_bytes()[0]);
            } else {
                let c = usize::try_from(csize).unwrap_or(usize::MAX);
                let data = pos
                    .checked_add(c)
                    .and_then(|e| self.src.get(pos..e))
                    .ok_or(corrupt("stream data past the chunk end"))?;
                if c == neblock {
                    match deferred.as_deref_mut().and_then(|d| d.get_mut(j)) {
                        Some(slot) => *slot = Some(pos..pos + c),
                        None => stream[..upto].copy_from_slice(&data[..upto]),
                    }
                } else if upto < neblock {
                    codecs
                        .decompress_prefix(h.codec, data, stream, self.dict, upto)
                        .map_err(|reason| Error::Codec {
                            codec: h.codec,
                            block: i,
                            reason,
                        })?;
                } else {
                    codecs
                        .decompress(h.codec, data, stream, self.dict)
                        .map_err(|reason| Error::Codec {
                            codec: h.codec,
                            block: i,
                            reason,
                        })?;
                }
                pos += c;
            }
        }
        Ok(())
    }

    /// Runs the filter pipeline backwards (slot 5 to 0), ending in `out`.
    fn backward(
        &self,
        i: usize,
        out: &mut [u8],
        mut cur: Loc,
        block0: Option<&[u8]>,
        s: &mut Scratch,
    ) -> Result<()> {
        let h = self.h;
        let bsize = out.len();
        let ts = h.typesize();
        let last_moving = (0..6).find(|&k| {
            matches!(
                h.filters[k],
                FILTER_SHUFFLE | FILTER_BITSHUFFLE | FILTER_BYTEDELTA | FILTER_BYTEDELTA_BUGGY
            )
        });
        let Scratch { t1, t2, bits, .. } = s;
        let (l1, l2) = (bsize.min(t1.len()), bsize.min(t2.len()));
        let t1 = &mut t1[..l1];
        let t2 = &mut t2[..l2];
        for k in (0..6).rev() {
            let f = h.filters[k];
            let meta = usize::from(h.filters_meta[k]);
            if matches!(f, FILTER_NONE | FILTER_TRUNC_PREC) {
                continue;
            }
            if f == FILTER_DELTA {
                let buf: &mut [u8] = match cur {
                    Loc::Out => &mut *out,
                    Loc::T1 => &mut *t1,
                    Loc::T2 => &mut *t2,
                };
                if i == 0 {
                    filters::delta_decode(None, ts, buf);
                } else {
                    let r = block0.ok_or(Error::CorruptBlock {
                        block: i,
                        reason: "delta block decoded without block 0",
                    })?;
                    if r.len() < buf.len() {
                        return Err(Error::CorruptBlock {
                            block: i,
                            reason: "block longer than block 0",
                        });
                    }
                    filters::delta_decode(Some(r), ts, buf);
                }
                continue;
            }
            let to = if Some(k) == last_moving {
                Loc::Out
            } else if cur == Loc::T1 {
                Loc::T2
            } else {
                Loc::T1
            };
            let (from_buf, to_buf) = pick(out, t1, t2, cur, to);
            match f {
                FILTER_SHUFFLE => {
                    let t = if meta == 0 { ts } else { meta };
                    unshuffle(t, from_buf, to_buf);
                }
                FILTER_BITSHUFFLE => {
                    let n = bsize / ts;
                    let n8 = if h.version == 2 {
                        // C-Blosc1: a block whose element count is not a multiple of 8 is copied.
                        if n.is_multiple_of(8) { n } else { 0 }
                    } else {
                        n - n % 8
                    };
                    bitunshuffle(ts, n8, from_buf, to_buf, bits);
                }
                _ => {
                    let t = if meta == 0 { ts } else { meta };
                    filters::bytedelta_decode(t, f == FILTER_BYTEDELTA_BUGGY, from_buf, to_buf);
                }
            }
            cur = to;
        }
        if cur != Loc::Out {
            let (from_buf, to_buf) = pick(out, t1, t2, cur, Loc::Out);
            to_buf.copy_from_slice(from_buf);
        }
        Ok(())
    }
}
