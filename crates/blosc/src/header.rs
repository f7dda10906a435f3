//! The chunk header: 16 bytes (Blosc1) or 32 bytes (Blosc2 extended header).
//!
//! Parsing is pure and allocation-free; it validates every field a decoder relies on so that
//! later stages can trust `typesize > 0`, `0 < blocksize <= MAX_BLOCKSIZE` and the like.

use crate::error::{Error, Result};
use crate::params::{Compressor, MAX_BLOCKSIZE, Shuffle};

/// Size of the Blosc1 header.
pub const HEADER_LEN: usize = 16;
/// Size of the Blosc2 extended header.
pub const EXTENDED_HEADER_LEN: usize = 32;
/// Extra bytes a compressed chunk may need beyond its input (Blosc1 format).
pub const MAX_OVERHEAD: usize = HEADER_LEN;

pub(crate) const FLAG_SHUFFLE: u8 = 0x01;
pub(crate) const FLAG_MEMCPYED: u8 = 0x02;
pub(crate) const FLAG_BITSHUFFLE: u8 = 0x04;
pub(crate) const FLAG_DELTA: u8 = 0x08;
pub(crate) const FLAG_DONT_SPLIT: u8 = 0x10;

pub(crate) const FILTER_NONE: u8 = 0;
pub(crate) const FILTER_SHUFFLE: u8 = 1;
pub(crate) const FILTER_BITSHUFFLE: u8 = 2;
pub(crate) const FILTER_DELTA: u8 = 3;
pub(crate) const FILTER_TRUNC_PREC: u8 = 4;
pub(crate) const FILTER_BYTEDELTA_BUGGY: u8 = 34;
pub(crate) const FILTER_BYTEDELTA: u8 = 35;

/// A Blosc2 special chunk: no data streams, the content is implied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Special {
    /// All bytes zero.
    Zeros,
    /// Every element a quiet NaN (typesize 4 or 8).
    Nan,
    /// One value (the bytes after the header) repeated.
    Value,
    /// Uninitialized: the decoder leaves the output as it is.
    Uninit,
}

/// A parsed and validated chunk header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkHeader {
    pub(crate) version: u8,
    pub(crate) versionlz: u8,
    pub(crate) flags: u8,
    pub(crate) typesize: u8,
    pub(crate) nbytes: usize,
    pub(crate) blocksize: usize,
    pub(crate) cbytes: usize,
    pub(crate) extended: bool,
    pub(crate) filters: [u8; 6],
    pub(crate) filters_meta: [u8; 6],
    pub(crate) udcompcode: u8,
    pub(crate) compcode_meta: u8,
    pub(crate) blosc2_flags2: u8,
    pub(crate) blosc2_flags: u8,
    pub(crate) codec: Compressor,
    pub(crate) special: Option<Special>,
}

fn le_i32(b: &[u8], at: usize) -> i32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    i32::from_le_bytes(w)
}

fn bad(field: &'static str, value: impl Into<i64>, expected: &'static str) -> Error {
    Error::BadHeader {
        field,
        value: value.into(),
        expected,
    }
}

impl ChunkHeader {
    /// Parses and validates the header at the start of `src`.
    ///
    /// Only the header is read: `src` may be a prefix of the chunk (at least 16 bytes, 32 for an
    /// extended header).
    ///
    /// # Errors
    /// [`Error::Truncated`] if `src` is shorter than the header, [`Error::BadHeader`] for a field
    /// no valid chunk has, [`Error::Unsupported`] for features this crate does not read
    /// (version 6 VL-block chunks, lazy chunks, codec plugins).
    pub fn parse(src: &[u8]) -> Result<ChunkHeader> {
        if src.len() < HEADER_LEN {
            return Err(Error::Truncated {
                what: "header",
                needed: HEADER_LEN,
                got: src.len(),
            });
        }
        let version = src[0];
        let versionlz = src[1];
        let flags = src[2];
        let typesize = src[3];
        let nbytes = le_i32(src, 4);
        let blocksize = le_i32(src, 8);
        let cbytes = le_i32(src, 12);
        if !(2..=5).contains(&version) {
            return Err(if version == 6 {
                Error::Unsupported {
                    feature: "chunk version (VL-block chunks)",
                    value: 6,
                }
            } else {
                bad("version", version, "2 (blosc1) or 3..=5 (blosc2)")
            });
        }
        if typesize == 0 {
            return Err(bad("typesize", 0, "1..=255"));
        }
        let nbytes = usize::try_from(nbytes).map_err(|_| bad("nbytes", nbytes, ">= 0"))?;
        let blocksize_u = usize::try_from(blocksize)
            .ok()
            .filter(|&b| b > 0 && b <= MAX_BLOCKSIZE)
            .ok_or_else(|| bad("blocksize", blocksize, "1..=715827542"))?;
        let extended = flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE) == (FLAG_SHUFFLE | FLAG_BITSHUFFLE);
        let header_len = if extended {
            EXTENDED_HEADER_LEN
        } else {
            HEADER_LEN
        };
        let cbytes = usize::try_from(cbytes)
            .ok()
            .filter(|&c| c >= header_len)
            .ok_or_else(|| bad("cbytes", cbytes, ">= the header length"))?;
        let mut h = ChunkHeader {
            version,
            versionlz,
            flags,
            typesize,
            nbytes,
            blocksize: blocksize_u,
            cbytes,
            extended,
            filters: [0; 6],
            filters_meta: [0; 6],
            udcompcode: 0,
            compcode_meta: 0,
            blosc2_flags2: 0,
            blosc2_flags: 0,
            codec: Compressor::BloscLz,
            special: None,
        };
        let memcpyed = flags & FLAG_MEMCPYED != 0;
        if extended {
            if src.len() < EXTENDED_HEADER_LEN {
                return Err(Error::Truncated {
                    what: "extended header",
                    needed: EXTENDED_HEADER_LEN,
                    got: src.len(),
                });
            }
            h.filters.copy_from_slice(&src[16..22]);
            h.udcompcode = src[22];
            h.compcode_meta = src[23];
            h.filters_meta.copy_from_slice(&src[24..30]);
            h.blosc2_flags2 = src[30];
            h.blosc2_flags = src[31];
            if version == 3 {
                // Blosc2 alpha left slot 5 uninitialised; C-Blosc2 zeroes it on read.
                h.filters[5] = 0;
                h.filters_meta[5] = 0;
            }
            if h.blosc2_flags2 & 0x01 != 0 {
                return Err(Error::Unsupported {
                    feature: "chunk version (VL-block chunks)",
                    value: i64::from(version),
                });
            }
            if h.blosc2_flags2 != 0 {
                return Err(bad("blosc2_flags2", h.blosc2_flags2, "0"));
            }
            h.special = match (h.blosc2_flags >> 4) & 0x07 {
                0 => None,
                1 => Some(Special::Zeros),
                2 => Some(Special::Nan),
                3 => Some(Special::Value),
                4 => Some(Special::Uninit),
                other => return Err(bad("special value type", other, "0..=4")),
            };
            if h.blosc2_flags & 0x08 != 0 && h.special.is_none() {
                return Err(Error::Unsupported {
                    feature: "lazy chunk (needs its frame)",
                    value: i64::from(h.blosc2_flags),
                });
            }
            match h.special {
                Some(Special::Value) => {
                    let ts = cbytes - EXTENDED_HEADER_LEN;
                    if ts == 0 || ts > 255 * 256 || ts > nbytes.max(1) || nbytes % ts != 0 {
                        return Err(bad(
                            "cbytes",
                            i64::try_from(cbytes).unwrap_or(i64::MAX),
                            "32 + a value size that divides nbytes",
                        ));
                    }
                }
                Some(Special::Nan)
                    if !matches!(typesize, 4 | 8)
                        || !nbytes.is_multiple_of(usize::from(typesize)) =>
                {
                    return Err(bad(
                        "typesize",
                        typesize,
                        "4 or 8 dividing nbytes for a nan chunk",
                    ));
                }
                _ => {}
            }
        } else {
            if version == 2 && flags & FLAG_DELTA != 0 {
                return Err(bad("flags", flags, "bit 3 clear in a blosc1 chunk"));
            }
            if flags & FLAG_SHUFFLE != 0 && typesize > 1 {
                h.filters[5] = FILTER_SHUFFLE;
            }
            if flags & FLAG_BITSHUFFLE != 0 {
                h.filters[5] = FILTER_BITSHUFFLE;
            }
            if flags & FLAG_DELTA != 0 {
                h.filters[4] = FILTER_DELTA;
            }
        }
        if h.special.is_none() {
            let format = flags >> 5;
            h.codec = match format {
                6 if extended => {
                    Compressor::from_compcode(h.udcompcode).ok_or(Error::Unsupported {
                        feature: "codec (plugin)",
                        value: i64::from(h.udcompcode),
                    })?
                }
                _ => Compressor::from_format_code(format).ok_or(Error::Unsupported {
                    feature: "codec format",
                    value: i64::from(format),
                })?,
            };
            if version == 2 && !memcpyed && versionlz != 1 {
                return Err(bad("versionlz", versionlz, "1"));
            }
            if memcpyed && cbytes != nbytes + header_len {
                return Err(bad(
                    "cbytes",
                    i64::try_from(cbytes).unwrap_or(i64::MAX),
                    "nbytes + header length for a memcpyed chunk",
                ));
            }
        }
        if nbytes > 0 && blocksize_u > nbytes {
            if version == 2 {
                return Err(bad("blocksize", blocksize, "<= nbytes in a blosc1 chunk"));
            }
            // C-Blosc2 clamps the block size to the chunk size.
            h.blocksize = nbytes;
        }
        Ok(h)
    }

    /// Format version byte: 2 for Blosc1 chunks, 3-5 for Blosc2.
    pub fn version(&self) -> u8 {
        self.version
    }
    /// Codec stream-format version byte (1 for every built-in codec).
    pub fn versionlz(&self) -> u8 {
        self.versionlz
    }
    /// The raw flags byte.
    pub fn flags(&self) -> u8 {
        self.flags
    }
    /// Element size recorded in the header.
    pub fn typesize(&self) -> usize {
        usize::from(self.typesize)
    }
    /// Uncompressed size in bytes.
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }
    /// Block size in bytes (clamped to `nbytes` for Blosc2 chunks, as C-Blosc2 does).
    pub fn blocksize(&self) -> usize {
        self.blocksize
    }
    /// Compressed size in bytes, header included.
    pub fn cbytes(&self) -> usize {
        self.cbytes
    }
    /// Number of blocks (0 for an empty chunk).
    pub fn nblocks(&self) -> usize {
        self.nbytes.div_ceil(self.blocksize)
    }
    /// Header length: 16, or 32 with the extended header.
    pub fn header_len(&self) -> usize {
        if self.extended {
            EXTENDED_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }
    /// Whether the 32-byte Blosc2 header is present.
    pub fn is_extended(&self) -> bool {
        self.extended
    }
    /// Whether the data is stored uncompressed after the header.
    pub fn is_memcpyed(&self) -> bool {
        self.flags & FLAG_MEMCPYED != 0
    }
    /// Whether the "don't split" flag is set.
    pub fn dont_split(&self) -> bool {
        self.flags & FLAG_DONT_SPLIT != 0
    }
    /// The codec of the streams (for a special chunk: BloscLZ, meaningless).
    pub fn compressor(&self) -> Compressor {
        self.codec
    }
    /// The 6-slot filter pipeline (ids), as C-Blosc2 sees it.
    pub fn filters(&self) -> [u8; 6] {
        self.filters
    }
    /// The filter meta bytes of the 6 slots.
    pub fn filters_meta(&self) -> [u8; 6] {
        self.filters_meta
    }
    /// The shuffle of a Blosc1-style header (from the flags).
    pub fn shuffle(&self) -> Shuffle {
        if self.extended {
            match self.filters.iter().rev().find(|&&f| f == 1 || f == 2) {
                Some(1) => Shuffle::Byte,
                Some(2) => Shuffle::Bit,
                _ => Shuffle::None,
            }
        } else if self.flags & FLAG_SHUFFLE != 0 {
            Shuffle::Byte
        } else if self.flags & FLAG_BITSHUFFLE != 0 {
            Shuffle::Bit
        } else {
            Shuffle::None
        }
    }
    /// The special-chunk kind, if any.
    pub fn special(&self) -> Option<Special> {
        self.special
    }
    /// Whether a dictionary follows the block starts.
    pub fn has_dict(&self) -> bool {
        self.extended && self.blosc2_flags & 0x01 != 0
    }
    /// The Blosc2 `blosc2_flags` byte (0 for a 16-byte header).
    pub fn blosc2_flags(&self) -> u8 {
        self.blosc2_flags
    }
}

/// Reads `(nbytes, cbytes, blocksize)` of a chunk from its header, like C's `blosc_cbuffer_sizes`.
///
/// # Errors
/// As [`ChunkHeader::parse`].
pub fn cbuffer_sizes(src: &[u8]) -> Result<(usize, usize, usize)> {
    let h = ChunkHeader::parse(src)?;
    Ok((h.nbytes, h.cbytes, h.blocksize))
}

pub(crate) fn put_i32(dst: &mut [u8], at: usize, v: usize) {
    // Callers check every size against the format's i32 limits before writing.
    let v = i32::try_from(v).unwrap_or(i32::MAX);
    dst[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn get_i32(src: &[u8], at: usize) -> Option<i32> {
    let b = src.get(at..at.checked_add(4)?)?;
    Some(le_i32(b, 0))
}
