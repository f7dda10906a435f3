//! LZ4 block decoder (`LZ4_decompress_safe` and `LZ4_decompress_safe_usingDict` semantics).

use super::MIN_MATCH;
use super::copy::{CHUNK, Copier, copy_match_exact};

/// Error for a stream that ends inside a sequence.
const TRUNCATED: &str = "lz4 stream truncated";

/// Decodes a raw LZ4 block into exactly `dst.len()` bytes.
///
/// # Errors
/// When the stream is malformed, ends early, would write past `dst`, references data before the
/// start of the output, or produces fewer than `dst.len()` bytes.
pub(crate) fn decompress(src: &[u8], dst: &mut [u8]) -> Result<(), &'static str> {
    dispatch::<false>(src, dst, &[], 0)
}

/// Decodes the start of a raw LZ4 block: stops after the first sequence that brings the output
/// to `want` bytes or more (`want < dst.len()`; `dst` has room for the whole block). The rest of
/// the stream is not read, so errors past that point go unnoticed; everything decoded is
/// bounds checked as in [`decompress`]. `dict` as in [`decompress_with_dict`] (empty for none).
///
/// # Errors
/// As [`decompress_with_dict`], for the part decoded.
pub(crate) fn decompress_prefix(
    src: &[u8],
    dst: &mut [u8],
    dict: &[u8],
    want: usize,
) -> Result<(), &'static str> {
    if want >= dst.len() {
        return dispatch::<false>(src, dst, dict, 0);
    }
    dispatch::<true>(src, dst, dict, want)
}

/// Decodes a raw LZ4 block whose matches may reach back into `dict` (the history just before
/// `dst[0]`; only its last 64 KiB can be referenced).
///
/// # Errors
/// As [`decompress`]; references before the start of `dict` are errors too.
pub(crate) fn decompress_with_dict(
    src: &[u8],
    dst: &mut [u8],
    dict: &[u8],
) -> Result<(), &'static str> {
    dispatch::<false>(src, dst, dict, 0)
}

/// Runs [`decode`] compiled for AVX-512 (F, BW) or AVX2 when the CPU has them, else for the
/// baseline target: the same code, its fixed-size copies becoming 64- or 32-byte moves (see
/// `copy_simd`). The check is a cached load, once per stream.
#[inline]
#[cfg_attr(
    all(feature = "simd", target_arch = "x86_64"),
    allow(
        unsafe_code,
        reason = "calling target-feature functions after run-time detection"
    )
)]
fn dispatch<const PREFIX: bool>(
    src: &[u8],
    dst: &mut [u8],
    dict: &[u8],
    want: usize,
) -> Result<(), &'static str> {
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the only precondition of the `#[target_feature]` function is that the
            // CPU has AVX-512 F and BW, detected just above.
            return unsafe { decode_avx512::<PREFIX>(src, dst, dict, want) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the only precondition of the `#[target_feature]` function is that the
            // CPU has AVX2, detected just above.
            return unsafe { decode_avx2::<PREFIX>(src, dst, dict, want) };
        }
    }
    decode::<Fast, PREFIX>(src, dst, dict, want)
}

/// [`decode`] with AVX-512 code generation and 64-byte match copies.
#[cfg(all(feature = "simd", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512bw,avx2")]
fn decode_avx512<const PREFIX: bool>(
    src: &[u8],
    dst: &mut [u8],
    dict: &[u8],
    want: usize,
) -> Result<(), &'static str> {
    decode::<super::copy_simd::Wide<64>, PREFIX>(src, dst, dict, want)
}

/// [`decode`] with AVX2 code generation.
#[cfg(all(feature = "simd", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn decode_avx2<const PREFIX: bool>(
    src: &[u8],
    dst: &mut [u8],
    dict: &[u8],
    want: usize,
) -> Result<(), &'static str> {
    decode::<Fast, PREFIX>(src, dst, dict, want)
}

/// The copy routines used by the public entry points.
#[cfg(feature = "simd")]
type Fast = super::copy_simd::Wide<32>;
/// The copy routines used by the public entry points.
#[cfg(not(feature = "simd"))]
type Fast = super::copy::Safe;

/// Reads the extra length bytes after a nibble of 15. `limit` bounds the result (a length larger
/// than the output can only be an error), which also keeps the sum from overflowing.
#[inline(always)]
fn read_extra_len(src: &[u8], ip: &mut usize, limit: usize) -> Result<usize, &'static str> {
    let mut len = 0usize;
    loop {
        let b = *src.get(*ip).ok_or(TRUNCATED)?;
        *ip += 1;
        len += usize::from(b);
        if b != 255 {
            return Ok(len);
        }
        if len > limit {
            return Err("lz4 length exceeds output size");
        }
    }
}

/// The decoder, generic over the copy routines so tests can run both implementations.
///
/// Runs of common sequences (literal run under 15, match under 19, far from the end of both
/// buffers) are decoded by [`Copier::fast_sequences`]: one combined bounds check per sequence,
/// fixed-size copies with no loop. Everything else goes through the exactly checked general path
/// here, one sequence at a time.
///
/// With `PREFIX`, decoding stops once `want` bytes (fewer than `dst.len()`) are out: the fast
/// loop is given only the first `want` bytes of `dst` as room, the general path checks after
/// every sequence.
#[inline(always)]
pub(super) fn decode<C: Copier, const PREFIX: bool>(
    src: &[u8],
    dst: &mut [u8],
    dict: &[u8],
    want: usize,
) -> Result<(), &'static str> {
    let mut ip = 0usize;
    let mut op = 0usize;
    loop {
        if PREFIX {
            if op >= want {
                return Ok(());
            }
            (ip, op) = C::fast_sequences(src, ip, &mut dst[..want], op);
        } else {
            (ip, op) = C::fast_sequences(src, ip, dst, op);
        }
        let token = *src.get(ip).ok_or(TRUNCATED)?;
        ip += 1;

        let lit = usize::from(token >> 4);
        if (lit < 15) & (ip + CHUNK <= src.len()) & (op + CHUNK <= dst.len()) {
            C::copy16(src, ip, dst, op);
            ip += lit;
            op += lit;
        } else {
            let mut lit = lit;
            if lit == 15 {
                lit += read_extra_len(src, &mut ip, dst.len())?;
            }
            if lit > src.len() - ip {
                return Err(TRUNCATED);
            }
            if lit > dst.len() - op {
                return Err("lz4 literals overflow output");
            }
            C::copy_literals(src, ip, dst, op, lit);
            ip += lit;
            op += lit;
        }

        let Some(&[lo, hi]) = src.get(ip..ip + 2) else {
            return finish(src, ip, dst, op);
        };
        ip += 2;
        let offset = usize::from(u16::from_le_bytes([lo, hi]));

        let mut len = usize::from(token & 15);
        if len == 15 {
            len += read_extra_len(src, &mut ip, dst.len())?;
        }
        len += MIN_MATCH;

        if (offset == 0) | (offset > op) {
            copy_from_dict(dst, op, offset, len, dict)?;
        } else if PREFIX && op + len > want {
            // The last match needed (a long run in a smooth byte plane may span the rest of
            // the stream): only its part up to `want` is copied.
            if len > dst.len() - op {
                return Err("lz4 match overflows output");
            }
            copy_match_exact(dst, op - offset, op, want.saturating_sub(op));
            return Ok(());
        } else if op + len + 2 * CHUNK <= dst.len() {
            C::copy_match_wide(dst, op - offset, op, len);
        } else {
            if len > dst.len() - op {
                return Err("lz4 match overflows output");
            }
            copy_match_exact(dst, op - offset, op, len);
        }
        op += len;
    }
}

/// The stream ended after a sequence's literals: fine only at the very end of both buffers.
#[cold]
fn finish(src: &[u8], ip: usize, dst: &[u8], op: usize) -> Result<(), &'static str> {
    if ip != src.len() {
        Err(TRUNCATED)
    } else if op != dst.len() {
        Err("lz4 stream ends before output is full")
    } else {
        Ok(())
    }
}

/// A match that starts before `dst[0]` (or has the invalid offset 0): its first part comes from the tail of `dict`, the rest (if
/// any) is an ordinary match into `dst`.
#[cold]
fn copy_from_dict(
    dst: &mut [u8],
    op: usize,
    offset: usize,
    len: usize,
    dict: &[u8],
) -> Result<(), &'static str> {
    if offset == 0 {
        return Err("lz4 match offset is zero");
    }
    if len > dst.len() - op {
        return Err("lz4 match overflows output");
    }
    let back = offset - op;
    if back > dict.len() {
        return Err("lz4 match offset before start of output");
    }
    let start = dict.len() - back;
    let from_dict = back.min(len);
    dst[op..op + from_dict].copy_from_slice(&dict[start..start + from_dict]);
    if from_dict < len {
        // The rest continues at dst[0] with distance `op + from_dict`, possibly overlapping.
        copy_match_exact(dst, 0, op + from_dict, len - from_dict);
    }
    Ok(())
}
