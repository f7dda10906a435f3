//! LZ4 *block* codec as Blosc uses it: raw blocks, no frame, no size prefix.
//!
//! Blosc compresses every stream on its own with `LZ4_compress_fast(acceleration = 10 - clevel)` or
//! `LZ4_compress_HC(level = clevel)` and decodes with `LZ4_decompress_safe` (or
//! `LZ4_decompress_safe_usingDict` for Blosc2 chunks with a dictionary), always knowing the exact
//! decompressed size. This module provides the same three operations:
//!
//! * [`Encoder`]: reusable compression state; [`Encoder::compress`] (fast, with acceleration) and
//!   [`Encoder::compress_hc`] (C's LZ4HC strategies: two hash tables for levels 1..=2, hash
//!   chains with an overlapping-match parse from level 3, so ratios and speeds track C's).
//! * [`decompress`] / [`decompress_with_dict`]: the hot path of every scan. A fast loop decodes
//!   whole sequences with one bounds check each while both buffers have room to spare (fixed-size
//!   copies, 8-byte pieces and offset patterns for close matches); an exactly checked general
//!   path handles the rest and the end of the block. With the `simd` feature the copies use raw
//!   pointers (`lz4/copy_simd.rs`) and, on x86-64, the decoder is compiled for AVX-512 or AVX2
//!   when the CPU has them (detected at run time): matches whose offset allows it are copied 64
//!   or 32 bytes at a time. Without it an all-safe implementation (`lz4/copy.rs`) is used.
//!
//! Block format (the LZ4 spec): a sequence is a token (high nibble literal length, low nibble match
//! length - 4, 15 meaning "more length bytes follow, each adding up to 255"), the literals, a 2-byte
//! little-endian offset (1..=65535) and the extra match-length bytes. The last sequence has literals
//! only. Encoders must leave the last 5 bytes as literals and start no match in the last 12 bytes.

mod copy;
#[cfg(feature = "simd")]
mod copy_simd;
mod decode;
mod encode;
mod hc;
#[cfg(test)]
mod tests;

pub(crate) use decode::{decompress, decompress_prefix, decompress_with_dict};
pub(crate) use encode::Encoder;

/// Shortest match the format can express.
const MIN_MATCH: usize = 4;
/// The last `LAST_LITERALS` bytes of a block are always literals (spec "end of block" rule).
const LAST_LITERALS: usize = 5;
/// No match may start in the last `MF_LIMIT` bytes of a block.
const MF_LIMIT: usize = 12;
/// Inputs shorter than this are stored as a single literal run.
const MIN_INPUT: usize = MF_LIMIT + 1;
/// Largest offset the 2-byte field can hold.
const MAX_DISTANCE: usize = 65_535;
