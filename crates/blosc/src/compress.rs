//! Compression of a buffer into one chunk.
//!
//! Blocks are compressed independently (in parallel with `nthreads > 1`) but always written in
//! block order, so the output depends only on the input and the parameters.

use rayon::prelude::*;

use crate::bitshuffle::bitshuffle;
use crate::blocksize::{
    MIN_BUFFERSIZE_V1, MIN_BUFFERSIZE_V2, blocksize_v1, blocksize_v2, split_v1, split_v2,
};
use crate::codec::BloscLzFlavor;
use crate::error::{Error, Result};
use crate::filters;
use crate::header::{
    EXTENDED_HEADER_LEN, FLAG_BITSHUFFLE, FLAG_DELTA, FLAG_DONT_SPLIT, FLAG_MEMCPYED, FLAG_SHUFFLE,
    HEADER_LEN, put_i32,
};
use crate::params::{CParams, Filter, Format, MAX_BUFFERSIZE, MAX_BUFFERSIZE_BLOSC2};
use crate::scratch::{Scratch, with_scratch};
use crate::shuffle::shuffle;

/// The largest chunk [`compress`] can produce for `nbytes` of input: `nbytes` plus the header
/// (16 bytes for [`Format::Blosc1`], 32 for [`Format::Blosc2`]).
pub fn max_compressed_len(nbytes: usize, format: Format) -> usize {
    nbytes.saturating_add(match format {
        Format::Blosc1 => HEADER_LEN,
        Format::Blosc2 => EXTENDED_HEADER_LEN,
    })
}

/// Compresses `src` into a new chunk.
///
/// ```
/// use blz_blosc::{CParams, Compressor, TypeSize};
/// # fn main() -> blz_blosc::Result<()> {
/// let data: Vec<u8> = (0..1_000_000u64).flat_map(|i| i.to_le_bytes()).collect();
/// let params = CParams::default()
///     .with_compressor(Compressor::Zstd)
///     .with_typesize(TypeSize::new(8));
/// let chunk = blz_blosc::compress(&data, &params)?;
/// assert!(chunk.len() < data.len() / 50);
/// assert_eq!(blz_blosc::decompress(&chunk)?, data);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`Error::InvalidParam`] for bad parameters, [`Error::TooLarge`] for inputs above the format's
/// limit (about 2 GiB).
pub fn compress(src: &[u8], params: &CParams) -> Result<Vec<u8>> {
    compress_visiting(src, params, None)
}

/// A function shown each block's raw bytes by [`compress_visiting`]: `(block index, bytes)`.
pub type BlockVisitor<'v> = &'v (dyn Fn(usize, &[u8]) + Sync);

/// [`compress`], showing each block's raw bytes to `visit` just before the block is filtered
/// and compressed, on the thread that compresses it. A caller that needs its own pass over the
/// data (statistics, checksums) does it while the block is in cache instead of in a second pass
/// over the whole buffer.
///
/// Blocks are visited in any order and from any of the `nthreads` threads. Not every block is
/// necessarily visited (a chunk that turns out incompressible is stored raw, partway through;
/// tiny inputs are stored without blocks), so a caller completes what was not visited itself.
///
/// ```
/// # fn main() -> blz_blosc::Result<()> {
/// use blz_blosc::{CParams, TypeSize};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let data: Vec<u8> = (0..1u32 << 20).flat_map(|i| (i % 1000).to_le_bytes()).collect();
/// let params = CParams::default().with_typesize(TypeSize::new(4));
/// let seen = AtomicUsize::new(0);
/// let chunk = blz_blosc::compress_visiting(&data, &params, Some(&|_i, block: &[u8]| {
///     seen.fetch_add(block.len(), Ordering::Relaxed);
/// }))?;
/// assert_eq!(seen.into_inner(), data.len());
/// assert_eq!(blz_blosc::decompress(&chunk)?, data);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`compress`].
pub fn compress_visiting(
    src: &[u8],
    params: &CParams,
    visit: Option<BlockVisitor<'_>>,
) -> Result<Vec<u8>> {
    params.validate()?;
    let max = max_compressed_len(src.len(), params.format);
    // Compress into a per-thread buffer that is zeroed once and reused, then copy out only the
    // chunk: zeroing a fresh `nbytes` buffer per call cost more than the copy of a compressed
    // chunk. (`compress_into` writes every byte of the chunk it returns.)
    OUT.with(|cell| match cell.try_borrow_mut() {
        Ok(mut out) => {
            if out.len() < max {
                out.resize(max, 0);
            }
            let r = compress_into_visiting(src, &mut out[..max], params, visit)
                .map(|n| out[..n].to_vec());
            if out.len() > OUT_KEEP_LIMIT {
                *out = Vec::new();
            }
            r
        }
        Err(_) => {
            let mut out = vec![0u8; max];
            let n = compress_into_visiting(src, &mut out, params, visit)?;
            out.truncate(n);
            Ok(out)
        }
    })
}

/// Output buffers above this are released after use.
const OUT_KEEP_LIMIT: usize = 64 << 20;

thread_local! {
    static OUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Compresses `src` into `dst` and returns the chunk size. A `dst` of
/// [`max_compressed_len`] bytes always suffices.
///
/// # Errors
/// As [`compress`]; [`Error::OutputTooSmall`] when the chunk does not fit in `dst`.
pub fn compress_into(src: &[u8], dst: &mut [u8], params: &CParams) -> Result<usize> {
    compress_into_visiting(src, dst, params, None)
}

/// [`compress_into`] with a block visitor, as in [`compress_visiting`].
///
/// # Errors
/// As [`compress_into`].
pub fn compress_into_visiting(
    src: &[u8],
    dst: &mut [u8],
    params: &CParams,
    visit: Option<BlockVisitor<'_>>,
) -> Result<usize> {
    params.validate()?;
    let nbytes = src.len();
    let (max, hl) = match params.format {
        Format::Blosc1 => (MAX_BUFFERSIZE, HEADER_LEN),
        Format::Blosc2 => (MAX_BUFFERSIZE_BLOSC2, EXTENDED_HEADER_LEN),
    };
    if nbytes > max {
        return Err(Error::TooLarge { nbytes, max });
    }
    if dst.len() < hl {
        return Err(Error::OutputTooSmall {
            needed: max_compressed_len(nbytes, params.format),
            got: dst.len(),
        });
    }
    let mut plan = Plan::new(params, nbytes);
    plan.visit = visit;
    let maxbytes = dst.len().min(nbytes + hl);
    let mut flags = plan.flags;
    let mut cbytes = None;
    let mut special_zeros = false;
    if !plan.memcpyed && hl + 4 * plan.nblocks <= maxbytes {
        let r = if params.nthreads > 1 && plan.nblocks > 1 {
            plan.compress_parallel(src, dst, maxbytes)?
        } else {
            with_scratch(|s| plan.compress_serial(src, dst, maxbytes, s))?
        };
        if let Some((n, all_zero_runs)) = r {
            cbytes = Some(n);
            special_zeros = all_zero_runs && params.format == Format::Blosc2;
        }
    }
    let cbytes = match cbytes {
        Some(_) if special_zeros => hl,
        Some(n) => n,
        None => {
            // Stored: the raw input follows the header.
            if nbytes + hl > dst.len() {
                return Err(Error::OutputTooSmall {
                    needed: nbytes + hl,
                    got: dst.len(),
                });
            }
            flags |= FLAG_MEMCPYED;
            dst[hl..hl + nbytes].copy_from_slice(src);
            nbytes + hl
        }
    };
    plan.write_header(dst, flags, cbytes, special_zeros);
    Ok(cbytes)
}

/// One thread's compressed blocks: the bytes, each block's length, whether all were zero runs;
/// `None` when they did not fit.
type GroupOutput = Option<(Vec<u8>, Vec<usize>, bool)>;

/// Everything decided before the blocks are compressed.
struct Plan<'p> {
    params: &'p CParams,
    pipeline: Vec<Filter>,
    typesize: usize,
    nbytes: usize,
    blocksize: usize,
    nblocks: usize,
    split: bool,
    memcpyed: bool,
    flags: u8,
    hl: usize,
    /// Shown each block before it is compressed ([`compress_visiting`]).
    visit: Option<BlockVisitor<'p>>,
}

impl<'p> Plan<'p> {
    fn new(params: &'p CParams, nbytes: usize) -> Self {
        let ts = params.typesize.get();
        let pipeline = params.pipeline();
        let codec = params.compressor;
        let (blocksize, split, memcpyed, flags, hl) = match params.format {
            Format::Blosc1 => {
                let bs = blocksize_v1(
                    params.clevel,
                    ts,
                    nbytes,
                    params.blocksize,
                    codec,
                    params.splitmode,
                );
                let split = split_v1(params.splitmode, codec, ts, bs);
                let memcpyed = params.clevel.get() == 0 || nbytes < MIN_BUFFERSIZE_V1;
                let mut flags = match pipeline.first() {
                    Some(Filter::Shuffle) => FLAG_SHUFFLE,
                    Some(Filter::BitShuffle) => FLAG_BITSHUFFLE,
                    _ => 0,
                };
                if memcpyed {
                    flags |= FLAG_MEMCPYED;
                }
                if !split {
                    flags |= FLAG_DONT_SPLIT;
                }
                flags |= codec.format_code() << 5;
                (bs, split, memcpyed, flags, HEADER_LEN)
            }
            Format::Blosc2 => {
                let bs = blocksize_v2(
                    params.clevel,
                    ts,
                    nbytes,
                    params.blocksize,
                    codec,
                    params.splitmode,
                    &pipeline,
                );
                let split = split_v2(params.splitmode, codec, params.clevel, &pipeline, ts, bs);
                let memcpyed = params.clevel.get() == 0 || nbytes < MIN_BUFFERSIZE_V2;
                let mut flags = FLAG_SHUFFLE | FLAG_BITSHUFFLE;
                if memcpyed {
                    flags |= FLAG_MEMCPYED;
                } else {
                    if pipeline.contains(&Filter::Delta) {
                        flags |= FLAG_DELTA;
                    }
                    if !split {
                        flags |= FLAG_DONT_SPLIT;
                    }
                    flags |= codec.format_code() << 5;
                }
                (bs, split, memcpyed, flags, EXTENDED_HEADER_LEN)
            }
        };
        Plan {
            params,
            pipeline,
            typesize: ts,
            nbytes,
            blocksize,
            nblocks: if nbytes == 0 {
                0
            } else {
                nbytes.div_ceil(blocksize)
            },
            split,
            memcpyed,
            flags,
            hl,
            visit: None,
        }
    }

    fn write_header(&self, dst: &mut [u8], flags: u8, cbytes: usize, special_zeros: bool) {
        let p = self.params;
        dst[0] = match p.format {
            Format::Blosc1 => 2,
            Format::Blosc2 => 5,
        };
        dst[1] = 1;
        dst[2] = flags;
        dst[3] = p.typesize.get().to_le_bytes()[0];
        put_i32(dst, 4, self.nbytes);
        put_i32(dst, 8, self.blocksize);
        put_i32(dst, 12, cbytes);
        if p.format == Format::Blosc2 {
            let mut filters = [0u8; 6];
            let mut metas = [0u8; 6];
            let off = 6 - self.pipeline.len();
            for (k, f) in self.pipeline.iter().enumerate() {
                let (id, meta) = f.id_meta(dst[3]);
                filters[off + k] = id;
                metas[off + k] = meta;
            }
            dst[16..22].copy_from_slice(&filters);
            dst[22] = p.compressor.compcode();
            dst[23] = 0;
            dst[24..30].copy_from_slice(&metas);
            dst[30] = 0;
            dst[31] = if special_zeros { 0x10 } else { 0 };
        }
    }

    fn block_range(&self, i: usize) -> std::ops::Range<usize> {
        let start = i * self.blocksize;
        start..(start + self.blocksize).min(self.nbytes)
    }

    /// Compresses all blocks straight into `dst`, as C does with one thread. Returns the chunk
    /// size and whether every stream was a zero run, or `None` if the result would not fit.
    fn compress_serial(
        &self,
        src: &[u8],
        dst: &mut [u8],
        maxbytes: usize,
        s: &mut Scratch,
    ) -> Result<Option<(usize, bool)>> {
        let mut pos = self.hl + 4 * self.nblocks;
        let mut all_zero = true;
        let block0 = &src[self.block_range(0)];
        for i in 0..self.nblocks {
            put_i32(dst, self.hl + 4 * i, pos);
            let block = &src[self.block_range(i)];
            let worst = self.worst_case(block.len());
            let r = if maxbytes - pos >= worst {
                self.compress_block(i, block, block0, &mut dst[pos..pos + worst], s)?
            } else {
                // Near the end of the budget: compress with the same room the parallel path
                // gives every block, then see whether it fits, so the chunk does not depend on
                // the thread count.
                let mut tmp = std::mem::take(&mut s.spill);
                tmp.resize(worst, 0);
                let r = self.compress_block(i, block, block0, &mut tmp, s)?;
                let r = match r {
                    Some((n, z)) if pos + n <= maxbytes => {
                        dst[pos..pos + n].copy_from_slice(&tmp[..n]);
                        Some((n, z))
                    }
                    _ => None,
                };
                s.spill = tmp;
                r
            };
            match r {
                Some((n, z)) => {
                    pos += n;
                    all_zero &= z;
                }
                None => return Ok(None),
            }
        }
        Ok(Some((pos, all_zero)))
    }

    /// Room a block may need: every stream stored raw plus its size word, or a run token.
    fn worst_case(&self, bsize: usize) -> usize {
        bsize + 5 * self.typesize.max(1)
    }

    /// Compresses groups of blocks on `nthreads` threads, each into its own buffer, then
    /// concatenates them in block order.
    fn compress_parallel(
        &self,
        src: &[u8],
        dst: &mut [u8],
        maxbytes: usize,
    ) -> Result<Option<(usize, bool)>> {
        let per = self.nblocks.div_ceil(self.params.nthreads);
        let groups: Vec<usize> = (0..self.nblocks.div_ceil(per)).collect();
        let block0 = &src[self.block_range(0)];
        let parts: Vec<GroupOutput> = groups
            .par_iter()
            .map(|&g| {
                with_scratch(|s| -> Result<_> {
                    let blocks = g * per..((g + 1) * per).min(self.nblocks);
                    let raw: usize = blocks.clone().map(|i| self.block_range(i).len()).sum();
                    let mut buf = vec![0u8; raw + blocks.len() * 5 * self.typesize.max(1)];
                    let mut lens = Vec::with_capacity(blocks.len());
                    let mut pos = 0;
                    let mut all_zero = true;
                    for i in blocks {
                        let block = &src[self.block_range(i)];
                        match self.compress_block(i, block, block0, &mut buf[pos..], s)? {
                            Some((n, z)) => {
                                pos += n;
                                lens.push(n);
                                all_zero &= z;
                            }
                            None => return Ok(None),
                        }
                    }
                    buf.truncate(pos);
                    Ok(Some((buf, lens, all_zero)))
                })
            })
            .collect::<Result<_>>()?;
        let mut pos = self.hl + 4 * self.nblocks;
        let mut i = 0;
        let mut all_zero = true;
        for part in parts {
            let Some((buf, lens, z)) = part else {
                return Ok(None);
            };
            if pos + buf.len() > maxbytes {
                return Ok(None);
            }
            dst[pos..pos + buf.len()].copy_from_slice(&buf);
            for n in lens {
                put_i32(dst, self.hl + 4 * i, pos);
                pos += n;
                i += 1;
            }
            all_zero &= z;
        }
        Ok(Some((pos, all_zero)))
    }

    /// Filters and compresses block `i` into `out`. Returns the bytes written and whether every
    /// stream was a zero run, or `None` if it does not fit.
    fn compress_block(
        &self,
        i: usize,
        block: &[u8],
        block0: &[u8],
        out: &mut [u8],
        s: &mut Scratch,
    ) -> Result<Option<(usize, bool)>> {
        if let Some(visit) = self.visit {
            visit(i, block);
        }
        let bsize = block.len();
        let leftover = bsize < self.blocksize;
        let ts = self.typesize;
        let blosc2 = self.params.format == Format::Blosc2;
        s.reserve(bsize);
        let Scratch {
            codecs,
            t1,
            t2,
            bits,
            ..
        } = s;
        let filtered = forward(&self.pipeline, self.params, i, block, block0, t1, t2, bits);
        let filtered: &[u8] = match filtered {
            Loc::Src => block,
            Loc::T1 => &t1[..bsize],
            Loc::T2 => &t2[..bsize],
        };
        let nstreams = if self.split && !leftover { ts } else { 1 };
        let neblock = bsize / nstreams;
        let flavor = if blosc2 {
            BloscLzFlavor::Blosc2
        } else {
            // C passes the chunk's split decision, also for the (unsplit) leftover block.
            BloscLzFlavor::Blosc1 { split: self.split }
        };
        let mut pos = 0usize;
        let mut all_zero = true;
        for stream in filtered.chunks_exact(neblock) {
            if pos + 4 > out.len() {
                return Ok(None);
            }
            let csize_at = pos;
            pos += 4;
            if blosc2 && let Some(&v) = stream.first().filter(|&&v| stream.iter().all(|&b| b == v))
            {
                if v == 0 {
                    put_i32_signed(out, csize_at, 0);
                } else {
                    if pos + 1 > out.len() {
                        return Ok(None);
                    }
                    put_i32_signed(out, csize_at, -i32::from(v));
                    out[pos] = 1;
                    pos += 1;
                    all_zero = false;
                }
                continue;
            }
            all_zero = false;
            if pos >= out.len() {
                return Ok(None);
            }
            // The codec gives up (returns 0) past the size from which the stream is stored raw.
            let raw_from = self.params.raw_from(neblock);
            let maxout = raw_from.min(out.len() - pos);
            let n = codecs.compress(
                self.params.compressor,
                self.params.clevel,
                flavor,
                stream,
                &mut out[pos..pos + maxout],
            )?;
            let n = if n == 0 || n >= raw_from {
                if pos + neblock > out.len() {
                    return Ok(None);
                }
                out[pos..pos + neblock].copy_from_slice(stream);
                neblock
            } else {
                n
            };
            put_i32(out, csize_at, n);
            pos += n;
        }
        Ok(Some((pos, all_zero)))
    }
}

fn put_i32_signed(dst: &mut [u8], at: usize, v: i32) {
    dst[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Loc {
    Src,
    T1,
    T2,
}

/// Applies the forward pipeline to `block`; returns where the filtered bytes are.
#[expect(
    clippy::too_many_arguments,
    reason = "the block plus its scratch buffers"
)]
fn forward(
    pipeline: &[Filter],
    params: &CParams,
    i: usize,
    block: &[u8],
    block0: &[u8],
    t1: &mut [u8],
    t2: &mut [u8],
    bits: &mut Vec<u8>,
) -> Loc {
    let bsize = block.len();
    let ts = params.typesize.get();
    let blosc2 = params.format == Format::Blosc2;
    let mut cur = Loc::Src;
    for f in pipeline {
        let to = if cur == Loc::T1 { Loc::T2 } else { Loc::T1 };
        let (from, dst): (&[u8], &mut [u8]) = match (cur, to) {
            (Loc::Src, _) => (block, &mut t1[..bsize]),
            (Loc::T1, _) => (&t1[..bsize], &mut t2[..bsize]),
            (Loc::T2, _) => (&t2[..bsize], &mut t1[..bsize]),
        };
        match *f {
            Filter::Shuffle => {
                if ts <= 1 {
                    continue;
                }
                shuffle(ts, from, dst);
            }
            Filter::BitShuffle => {
                let n = bsize / ts;
                let n8 = if blosc2 {
                    n - n % 8
                } else if n.is_multiple_of(8) {
                    n
                } else {
                    0
                };
                bitshuffle(ts, n8, from, dst, bits);
            }
            Filter::Delta => filters::delta_encode(block0, i == 0, ts, from, dst),
            Filter::TruncPrec(b) => filters::trunc_prec(b, ts, from, dst),
            Filter::ByteDelta => filters::bytedelta_encode(ts, from, dst),
        }
        cur = to;
    }
    cur
}
