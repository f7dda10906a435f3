//! C-Blosc1 through `blosc-src`, the yardstick of `blz bench codec` (feature `interop` only).
//!
//! Invariants the unsafe calls below rely on:
//! 1. Every pointer comes from a live Rust slice or `Vec` borrowed for the whole call, and the
//!    size passed with it is at most that slice's (or spare capacity's) length.
//! 2. `blosc_compress_ctx` and `blosc_decompress_ctx` use no global state and write at most
//!    `destsize` bytes into `dest` (documented in `blosc.h`); they are safe to call from any
//!    thread.
//! 3. `blosc_decompress_ctx` trusts the header: it is only called on a buffer that
//!    `blosc_cbuffer_validate` accepted for its real length, with an output of at least the
//!    `nbytes` that check reported.
#![allow(unsafe_code, reason = "FFI to the C-Blosc yardstick")]

use std::ffi::{CStr, c_int, c_void};

use anyhow::{Result, bail};
use blz_blosc::{Compressor, Shuffle};

/// `C-Blosc <version> (blosc-src)`.
pub(crate) fn version() -> String {
    let v = CStr::from_bytes_until_nul(blosc_src::BLOSC_VERSION_STRING)
        .map_or("?", |s| s.to_str().unwrap_or("?"));
    format!("C-Blosc {v} (blosc-src ffi)")
}

/// Compresses `src` into one new Blosc1 chunk with C-Blosc1.
pub(crate) fn compress(
    src: &[u8],
    codec: Compressor,
    clevel: u8,
    shuffle: Shuffle,
    typesize: usize,
    nthreads: usize,
) -> Result<Vec<u8>> {
    let name: &CStr = match codec {
        Compressor::BloscLz => c"blosclz",
        Compressor::Lz4 => c"lz4",
        Compressor::Lz4Hc => c"lz4hc",
        Compressor::Snappy => c"snappy",
        Compressor::Zlib => c"zlib",
        Compressor::Zstd => c"zstd",
        other => bail!("c-blosc1 has no codec {other}"),
    };
    let doshuffle = match shuffle {
        Shuffle::None => blosc_src::BLOSC_NOSHUFFLE,
        Shuffle::Byte => blosc_src::BLOSC_SHUFFLE,
        Shuffle::Bit => blosc_src::BLOSC_BITSHUFFLE,
        _ => bail!("c-blosc1 has no filter {shuffle}"),
    };
    let destsize = src.len() + blosc_src::BLOSC_MAX_OVERHEAD as usize;
    // Not zero-filled, as python-blosc does not: C writes the chunk, `set_len` keeps what it wrote.
    let mut dest: Vec<u8> = Vec::with_capacity(destsize);
    // SAFETY: invariants 1 and 2: `src` is valid for `src.len()` reads, `dest` has `destsize`
    // bytes of spare capacity, `name` is a NUL-terminated string that outlives the call.
    let n = unsafe {
        blosc_src::blosc_compress_ctx(
            c_int::from(clevel),
            c_int::try_from(doshuffle)?,
            typesize,
            src.len(),
            src.as_ptr().cast::<c_void>(),
            dest.as_mut_ptr().cast::<c_void>(),
            destsize,
            name.as_ptr(),
            0,
            c_int::try_from(nthreads)?,
        )
    };
    if n <= 0 {
        bail!("blosc_compress_ctx failed with code {n}");
    }
    let n = usize::try_from(n)?;
    if n > destsize {
        bail!("blosc_compress_ctx reported {n} bytes for a {destsize}-byte buffer");
    }
    // SAFETY: invariant 2: C initialized the first `n <= destsize = capacity` bytes of `dest`.
    unsafe { dest.set_len(n) };
    Ok(dest)
}

/// Decompresses one chunk into `dst` with C-Blosc1; returns the bytes written.
pub(crate) fn decompress_into(src: &[u8], dst: &mut [u8], nthreads: usize) -> Result<usize> {
    let mut nbytes = 0usize;
    // SAFETY: invariant 1: `src` is valid for `src.len()` reads; `nbytes` is a live local.
    let ok = unsafe {
        blosc_src::blosc_cbuffer_validate(src.as_ptr().cast::<c_void>(), src.len(), &raw mut nbytes)
    };
    if ok != 0 {
        bail!("c-blosc1 rejects the chunk header");
    }
    if nbytes > dst.len() {
        bail!("output too small: needed {nbytes} bytes, got {}", dst.len());
    }
    // SAFETY: invariants 1-3: the header was validated against `src.len()`, and `dst` holds at
    // least the `nbytes` it announces.
    let n = unsafe {
        blosc_src::blosc_decompress_ctx(
            src.as_ptr().cast::<c_void>(),
            dst.as_mut_ptr().cast::<c_void>(),
            dst.len(),
            c_int::try_from(nthreads)?,
        )
    };
    if n < 0 {
        bail!("blosc_decompress_ctx failed with code {n}");
    }
    Ok(usize::try_from(n)?)
}
