//! BloscLZ decoder: safe, bounds checked once per instruction, on the chunk scan path.

use super::{MAX_COPY, MAX_DISTANCE};

/// Decode a BloscLZ stream into exactly dst.len() bytes. Err on: empty input, reading past src,
/// output overrun (including the long-match length overflow of c-blosc #405: bound lengths, use
/// checked arithmetic), a distance reaching before dst[0], or fewer than dst.len() bytes produced.
///
/// A stream must end with a literal run (see the module docs): a trailing match is an error, as it
/// makes C produce a short output.
///
/// # Errors
///
/// A short lower-case reason when the stream is malformed, truncated, or does not decode to
/// exactly `dst.len()` bytes. `dst` then holds unspecified bytes.
pub(crate) fn decompress(src: &[u8], dst: &mut [u8]) -> Result<(), &'static str> {
    decode::<false>(src, dst, 0)
}

/// Decodes the start of a BloscLZ stream: stops after the first instruction that brings the
/// output to `want` bytes or more (`dst` has room for the whole stream). The rest of the stream
/// is not read, so errors past that point go unnoticed.
///
/// # Errors
/// As [`decompress`], for the part decoded.
pub(crate) fn decompress_prefix(
    src: &[u8],
    dst: &mut [u8],
    want: usize,
) -> Result<(), &'static str> {
    if want >= dst.len() {
        return decode::<false>(src, dst, 0);
    }
    decode::<true>(src, dst, want)
}

#[inline(always)]
fn decode<const PREFIX: bool>(src: &[u8], dst: &mut [u8], want: usize) -> Result<(), &'static str> {
    let Some(&first) = src.first() else {
        return Err("empty input");
    };
    let out_len = dst.len();
    let mut ip = 1;
    let mut op = 0;
    // The first control byte carries the 0x20 marker: it is always a literal run.
    let mut ctrl = usize::from(first & 31);
    loop {
        if PREFIX && op >= want {
            return Ok(());
        }
        if ctrl < 32 {
            let n = ctrl + 1;
            if ip + MAX_COPY <= src.len() && op + MAX_COPY <= out_len {
                // Fixed-size copies (a register or two); the bytes past `n` are garbage that later
                // instructions overwrite (the output must be filled to the end). The smallest
                // width that covers `n` keeps later loads of these bytes store-forwardable.
                dst[op..op + MAX_COPY].copy_from_slice(&src[ip..ip + MAX_COPY]);
            } else {
                let lit = src.get(ip..ip + n).ok_or("literal run past end of input")?;
                dst.get_mut(op..op + n)
                    .ok_or("literal run past end of output")?
                    .copy_from_slice(lit);
            }
            ip += n;
            op += n;
            match src.get(ip) {
                Some(&c) => ctrl = usize::from(c),
                None => break,
            }
            ip += 1;
        } else {
            let room = out_len - op;
            let mut len = (ctrl >> 5) + 2;
            if ctrl >> 5 == 7 {
                // Long match: 255-extensions. Bounding the length by the room left stops the
                // c-blosc #405 overflow attack after at most room / 255 bytes.
                loop {
                    let &b = src.get(ip).ok_or("match length past end of input")?;
                    ip += 1;
                    len += usize::from(b);
                    if len > room {
                        return Err("match past end of output");
                    }
                    if b != 255 {
                        break;
                    }
                }
            }
            let &lo = src.get(ip).ok_or("match distance past end of input")?;
            ip += 1;
            let hi = ctrl & 31;
            let dist = if lo == 255 && hi == 31 {
                let far = src
                    .get(ip..ip + 2)
                    .ok_or("far distance past end of input")?;
                ip += 2;
                usize::from(u16::from_be_bytes([far[0], far[1]])) + MAX_DISTANCE + 1
            } else {
                (hi << 8) + usize::from(lo) + 1
            };
            let Some(&c) = src.get(ip) else {
                return Err("stream ends with a match");
            };
            ip += 1;
            if len > room {
                return Err("match past end of output");
            }
            if dist > op {
                return Err("match distance before start of output");
            }
            copy_match(dst, op, dist, len);
            op += len;
            ctrl = usize::from(c);
        }
    }
    if op == out_len {
        Ok(())
    } else {
        Err("stream shorter than expected output")
    }
}

/// Copies `len` bytes from `op - dist` to `op` with LZ semantics (the source may overlap the
/// bytes being written, repeating a pattern of period `dist`).
///
/// The caller guarantees `1 <= dist <= op` and `op + len <= dst.len()`.
#[inline(always)]
fn copy_match(dst: &mut [u8], op: usize, dist: usize, len: usize) {
    let start = op - dist;
    if dist >= len {
        // Fixed-size memmoves: bytes [op, op + len) come from [start, start + len), which lies
        // before `op`; the rest is garbage overwritten later.
        if op + MAX_COPY <= dst.len() && len <= MAX_COPY {
            if len <= 8 {
                dst.copy_within(start..start + 8, op);
            } else if len <= 16 {
                dst.copy_within(start..start + 16, op);
            } else {
                dst.copy_within(start..start + MAX_COPY, op);
            }
        } else {
            dst.copy_within(start..start + len, op);
        }
    } else if dist == 1 {
        let b = dst[start];
        dst[op..op + len].fill(b);
    } else if dist >= 8 {
        // Overlap not tighter than 8 bytes: forward 8-byte steps keep LZ semantics.
        let end = op + len;
        let mut cur = op;
        if end + 8 <= dst.len() {
            while cur < end {
                dst.copy_within(cur - dist..cur - dist + 8, cur);
                cur += 8;
            }
        } else {
            while cur < end {
                let n = (end - cur).min(dist);
                dst.copy_within(cur - dist..cur - dist + n, cur);
                cur += n;
            }
        }
    } else {
        // Short period: copy the pattern, doubling the chunk each time since [start, cur) is
        // periodic with period `dist` and cur - start stays a multiple of it.
        let end = op + len;
        let mut cur = op;
        while cur < end {
            let n = (cur - start).min(end - cur);
            dst.copy_within(start..start + n, cur);
            cur += n;
        }
    }
}
