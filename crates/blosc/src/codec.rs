//! Per-stream codec dispatch. Each stream of a block is compressed on its own; the encoders'
//! state (hash tables, zlib and zstd contexts) lives in a per-thread [`Codecs`] and is reused for
//! every stream, so steady-state compression allocates nothing per block.

pub(crate) mod blosclz;
pub(crate) mod lz4;

use crate::error::{Error, Result};
use crate::params::{CLevel, Compressor};

/// Which BloscLZ heuristics to follow, by chunk format.
pub(crate) use blosclz::Flavor as BloscLzFlavor;

/// Reusable codec state of one thread.
pub(crate) struct Codecs {
    blosclz: blosclz::Encoder,
    lz4: lz4::Encoder,
    zlib: Option<(u32, flate2::Compress)>,
    inflate: Option<flate2::Decompress>,
    zstd: Option<(i32, zstd::bulk::Compressor<'static>)>,
    zstd_d: Option<zstd::bulk::Decompressor<'static>>,
    snappy: Option<snap::raw::Encoder>,
    /// Output buffer for codecs that need more room than `maxout` (Snappy).
    tmp: Vec<u8>,
}

impl Codecs {
    pub(crate) fn new() -> Self {
        Codecs {
            blosclz: blosclz::Encoder::new(),
            lz4: lz4::Encoder::new(),
            zlib: None,
            inflate: None,
            zstd: None,
            zstd_d: None,
            snappy: None,
            tmp: Vec::new(),
        }
    }

    /// Compresses one stream into `dst` (whose length is the most we accept). Returns the
    /// compressed size, or 0 when the stream should be stored raw (did not compress or fit).
    pub(crate) fn compress(
        &mut self,
        codec: Compressor,
        clevel: CLevel,
        flavor: BloscLzFlavor,
        src: &[u8],
        dst: &mut [u8],
    ) -> Result<usize> {
        let cl = clevel.get();
        let n = match codec {
            Compressor::BloscLz => self.blosclz.compress(src, dst, cl, flavor),
            Compressor::Lz4 => self.lz4.compress(src, dst, u32::from(10 - cl)),
            Compressor::Lz4Hc => self.lz4.compress_hc(src, dst, u32::from(cl)),
            Compressor::Snappy => {
                let enc = self.snappy.get_or_insert_with(snap::raw::Encoder::new);
                self.tmp.resize(snap::raw::max_compress_len(src.len()), 0);
                match enc.compress(src, &mut self.tmp) {
                    Ok(n) if n <= dst.len() => {
                        dst[..n].copy_from_slice(&self.tmp[..n]);
                        n
                    }
                    _ => 0,
                }
            }
            Compressor::Zlib => self.zlib_compress(zlib_level(cl), src, dst)?,
            Compressor::Zstd => {
                let level = if cl >= 9 { 22 } else { 2 * i32::from(cl) - 1 };
                let zc = match &mut self.zstd {
                    Some((l, c)) if *l == level => c,
                    slot => {
                        let c = zstd::bulk::Compressor::new(level).map_err(|e| {
                            Error::CompressFailed {
                                codec,
                                reason: e.to_string(),
                            }
                        })?;
                        &mut slot.insert((level, c)).1
                    }
                };
                // A too-small destination is an error in zstd: the stream is stored raw.
                zc.compress_to_buffer(src, dst).unwrap_or(0)
            }
        };
        Ok(n)
    }

    /// `level` is zlib-rs's level (see [`zlib_level`]).
    fn zlib_compress(&mut self, level: u32, src: &[u8], dst: &mut [u8]) -> Result<usize> {
        use flate2::{Compress, Compression, FlushCompress, Status};
        let z = match &mut self.zlib {
            Some((l, z)) if *l == level => {
                z.reset();
                z
            }
            slot => {
                &mut slot
                    .insert((level, Compress::new(Compression::new(level), true)))
                    .1
            }
        };
        match z.compress(src, dst, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => Ok(usize::try_from(z.total_out()).unwrap_or(0)),
            // Not finished means the output did not fit: store raw.
            Ok(_) | Err(_) => Ok(0),
        }
    }

    /// Decodes the first `want` bytes (at least) of one stream whose whole output is
    /// `dst.len()` bytes. BloscLZ and LZ4 stop early; the other codecs decode it all.
    pub(crate) fn decompress_prefix(
        &mut self,
        codec: Compressor,
        src: &[u8],
        dst: &mut [u8],
        dict: Option<&[u8]>,
        want: usize,
    ) -> std::result::Result<(), &'static str> {
        match codec {
            Compressor::BloscLz => blosclz::decompress_prefix(src, dst, want),
            Compressor::Lz4 | Compressor::Lz4Hc => {
                lz4::decompress_prefix(src, dst, dict.unwrap_or(&[]), want)
            }
            _ => self.decompress(codec, src, dst, dict),
        }
    }

    /// Decodes one stream into exactly `dst.len()` bytes.
    pub(crate) fn decompress(
        &mut self,
        codec: Compressor,
        src: &[u8],
        dst: &mut [u8],
        dict: Option<&[u8]>,
    ) -> std::result::Result<(), &'static str> {
        match codec {
            Compressor::BloscLz => blosclz::decompress(src, dst),
            Compressor::Lz4 | Compressor::Lz4Hc => match dict {
                Some(d) => lz4::decompress_with_dict(src, dst, d),
                None => lz4::decompress(src, dst),
            },
            Compressor::Snappy => {
                let len = snap::raw::decompress_len(src).map_err(|_| "bad snappy length")?;
                if len != dst.len() {
                    return Err("snappy length differs from the stream size");
                }
                snap::raw::Decoder::new()
                    .decompress(src, dst)
                    .map_err(|_| "bad snappy stream")
                    .and_then(|n| {
                        if n == dst.len() {
                            Ok(())
                        } else {
                            Err("short snappy stream")
                        }
                    })
            }
            Compressor::Zlib => {
                use flate2::{Decompress, FlushDecompress, Status};
                let z = self.inflate.get_or_insert_with(|| Decompress::new(true));
                z.reset(true);
                match z.decompress(src, dst, FlushDecompress::Finish) {
                    Ok(Status::StreamEnd) if z.total_out() == dst.len() as u64 => Ok(()),
                    Ok(Status::StreamEnd) => Err("zlib stream shorter than the block"),
                    Ok(_) => Err("zlib stream longer than the block or truncated"),
                    Err(_) => Err("bad zlib stream"),
                }
            }
            Compressor::Zstd => {
                let n = match dict {
                    Some(d) => zstd::bulk::Decompressor::with_dictionary(d)
                        .map_err(|_| "bad zstd dictionary")?
                        .decompress_to_buffer(src, dst),
                    None => {
                        let z = match &mut self.zstd_d {
                            Some(z) => z,
                            slot => slot.insert(
                                zstd::bulk::Decompressor::new()
                                    .map_err(|_| "cannot create a zstd context")?,
                            ),
                        };
                        z.decompress_to_buffer(src, dst)
                    }
                };
                match n {
                    Ok(n) if n == dst.len() => Ok(()),
                    Ok(_) => Err("zstd stream shorter than the block"),
                    Err(_) => Err("bad zstd stream"),
                }
            }
        }
    }
}

/// The zlib-rs level for a Blosc compression level.
///
/// C-Blosc hands its level to zlib unchanged, and zlib's levels 4-9 all match lazily. zlib-rs
/// follows zlib-ng instead: level 1 is its "quick" strategy, 4-6 its "medium" one, and only 7-9
/// match lazily, so the same number compresses less (measured on the anchors' datasets against
/// C-Blosc 1.21.6: level 1 gave 25-38 % lower ratios, level 5 on arange 312 against 368, level 6
/// on linspace 43.9 against 50.6). Each Blosc level maps to the first zlib-rs level whose ratio
/// is within 2 % of C's (or better) on every anchor dataset and on the generated data of
/// `interop::compression_ratios_are_within_two_percent_of_c_blosc1`, shuffled and bitshuffled;
/// each is still faster than C at that Blosc level but at 4 on the price column
/// (docs/benchmarks.md). The streams are plain zlib streams either way.
pub(crate) fn zlib_level(clevel: u8) -> u32 {
    match clevel {
        0 => 0,
        1 => 2,
        2 | 3 => 4,
        4..=6 => 7,
        7 => 8,
        _ => 9,
    }
}
