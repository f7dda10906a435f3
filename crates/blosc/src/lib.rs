//! # blz-blosc
//!
//! A fast, pure-Rust implementation of the [Blosc](https://www.blosc.org) chunk formats.
//!
//! Blosc splits a buffer into blocks, applies a shuffle filter (byte or bit transposition by
//! element size) and compresses each block with a fast codec. This crate reads every chunk that
//! C-Blosc 1.x (bcolz, Zarr/numcodecs, HDF5, python-blosc) and C-Blosc2 (python-blosc2) write, and
//! writes chunks they read: the Blosc1 format (version 2) by default, the Blosc2 format (version 5)
//! on request.
//!
//! ## Map
//! - [`compress`] / [`compress_into`]: a buffer into one chunk, with [`CParams`];
//!   [`compress_visiting`] also shows each block to the caller while it is in cache.
//! - [`decompress`] / [`decompress_into`] / [`decompress_with`]: a chunk back, with [`DParams`].
//! - [`getitem`]: items `[start, start + n)` of a chunk, decoding only the blocks that hold them
//!   (in a byte-shuffled BloscLZ or LZ4 block, each byte stream only up to the last item);
//!   [`gather`]: items at any indices, each block decoded once and the items picked from its
//!   byte rows (no unshuffle of the block); [`getitem_pieces`]: a range handed over in small
//!   pieces, for scans that never write the decoded range out.
//! - [`ChunkHeader`]: a chunk's header fields, parsed and validated; [`cbuffer_sizes`].
//! - [`Compressor`], [`Shuffle`], [`Filter`], [`CLevel`], [`TypeSize`], [`SplitMode`], [`Format`]:
//!   the parameters; [`Error`]: what can go wrong.
//!
//! ## Example
//! ```
//! use blz_blosc::{CParams, CLevel, Compressor, Shuffle, TypeSize};
//! # fn main() -> blz_blosc::Result<()> {
//! let values: Vec<u8> = (0..250_000i32).flat_map(|i| (i * 3).to_le_bytes()).collect();
//! let params = CParams::default()
//!     .with_compressor(Compressor::Lz4)
//!     .with_clevel(CLevel::new(5))
//!     .with_shuffle(Shuffle::Byte)
//!     .with_typesize(TypeSize::new(4))
//!     .with_nthreads(2);
//! let chunk = blz_blosc::compress(&values, &params)?;
//! let header = blz_blosc::ChunkHeader::parse(&chunk)?;
//! assert_eq!(header.nbytes(), values.len());
//! assert_eq!(blz_blosc::decompress(&chunk)?, values);
//! # Ok(())
//! # }
//! ```
//!
//! ## Features
//! - `simd` (default): SIMD shuffle/bitshuffle kernels chosen at run time and wide copies in the
//!   LZ4 decoder. Without it the crate has no unsafe code at all (`forbid(unsafe_code)`).
#![cfg_attr(not(feature = "simd"), forbid(unsafe_code))]
#![warn(clippy::unwrap_used)]

mod bitshuffle;
mod blocksize;
mod codec;
mod compress;
mod decompress;
mod error;
mod filters;
mod header;
mod params;
mod scratch;
mod shuffle;

pub use compress::{
    BlockVisitor, compress, compress_into, compress_into_visiting, compress_visiting,
    max_compressed_len,
};
pub use decompress::{
    decompress, decompress_into, decompress_into_with, decompress_with, gather, getitem,
    getitem_pieces,
};
pub use error::{Error, Result};
pub use header::{
    ChunkHeader, EXTENDED_HEADER_LEN, HEADER_LEN, MAX_OVERHEAD, Special, cbuffer_sizes,
};
pub use params::{
    CLevel, CParams, Compressor, DParams, Filter, Format, MAX_BLOCKSIZE, MAX_BUFFERSIZE,
    MAX_BUFFERSIZE_BLOSC2, MAX_THREADS, Shuffle, SplitMode, TypeSize,
};
