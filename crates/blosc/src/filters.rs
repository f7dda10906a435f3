//! The Blosc2-only filters: DELTA, TRUNC_PREC and BYTEDELTA (blosc-format.md §4.3-4.5).
//!
//! Byte and bit shuffle live in their own modules (`shuffle`, `bitshuffle`).

/// DELTA's word size for a typesize: 1, 2, 4 or 8; other multiples of 8 use 8; the rest 1.
fn delta_word(typesize: usize) -> usize {
    match typesize {
        1 | 2 | 4 | 8 => typesize,
        t if t % 8 == 0 => 8,
        _ => 1,
    }
}

fn load(b: &[u8], i: usize, w: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..w].copy_from_slice(&b[i * w..i * w + w]);
    u64::from_le_bytes(v)
}

fn store(b: &mut [u8], i: usize, w: usize, x: u64) {
    b[i * w..i * w + w].copy_from_slice(&x.to_le_bytes()[..w]);
}

/// DELTA encoding of one block. `block0` is the chunk's raw block 0 (the reference); `first`
/// tells whether this block is block 0 itself. Trailing bytes past the last whole word are copied
/// (C-Blosc2 leaves them unwritten; copying them keeps our chunks round-tripping).
pub(crate) fn delta_encode(
    block0: &[u8],
    first: bool,
    typesize: usize,
    src: &[u8],
    dst: &mut [u8],
) {
    let w = delta_word(typesize);
    let n = src.len() / w;
    if first {
        if n > 0 {
            store(dst, 0, w, load(src, 0, w));
        }
        for i in 1..n {
            store(dst, i, w, load(src, i, w) ^ load(src, i - 1, w));
        }
    } else {
        for i in 0..n {
            store(dst, i, w, load(src, i, w) ^ load(block0, i, w));
        }
    }
    dst[n * w..].copy_from_slice(&src[n * w..]);
}

/// DELTA decoding in place. For block 0 pass `block0 = None` (a running XOR); for the others pass
/// the already decoded block 0.
pub(crate) fn delta_decode(block0: Option<&[u8]>, typesize: usize, buf: &mut [u8]) {
    let w = delta_word(typesize);
    let n = buf.len() / w;
    match block0 {
        None => {
            for i in 1..n {
                let v = load(buf, i, w) ^ load(buf, i - 1, w);
                store(buf, i, w, v);
            }
        }
        Some(r) => {
            if w == 8 {
                for (d, s) in buf[..n * 8].chunks_exact_mut(8).zip(r.chunks_exact(8)) {
                    for (a, b) in d.iter_mut().zip(s) {
                        *a ^= *b;
                    }
                }
            } else {
                for (a, b) in buf[..n * w].iter_mut().zip(r) {
                    *a ^= *b;
                }
            }
        }
    }
}

/// TRUNC_PREC: zero the low mantissa bits of float32 (typesize 4) or float64 (typesize 8).
/// `bits >= 0` keeps that many mantissa bits, `bits < 0` clears `-bits` bits. Parameters were
/// validated by `CParams::validate`.
pub(crate) fn trunc_prec(bits: i8, typesize: usize, src: &[u8], dst: &mut [u8]) {
    let mantissa: i32 = if typesize == 4 { 23 } else { 52 };
    let b = i32::from(bits);
    let zeroed = if b >= 0 { mantissa - b } else { -b }.clamp(0, mantissa - 1);
    let mask: u64 = !((1u64 << zeroed) - 1);
    let n = src.len() / typesize;
    for i in 0..n {
        let v = load(src, i, typesize) & mask;
        store(dst, i, typesize, v);
    }
    dst[n * typesize..].copy_from_slice(&src[n * typesize..]);
}

/// BYTEDELTA forward: `t` streams of `len / t` bytes, each replaced by its byte differences.
pub(crate) fn bytedelta_encode(t: usize, src: &[u8], dst: &mut [u8]) {
    let sl = src.len() / t;
    for s in 0..t {
        let mut prev = 0u8;
        for i in s * sl..(s + 1) * sl {
            dst[i] = src[i].wrapping_sub(prev);
            prev = src[i];
        }
    }
    dst[t * sl..].copy_from_slice(&src[t * sl..]);
}

/// BYTEDELTA backward: running byte sums. `buggy` reproduces filter id 34, whose scalar tail
/// (after the 16-byte SIMD steps of the C plugin) restarts its running value at 0.
pub(crate) fn bytedelta_decode(t: usize, buggy: bool, src: &[u8], dst: &mut [u8]) {
    let sl = src.len() / t;
    for s in 0..t {
        let mut acc = 0u8;
        let base = s * sl;
        // The C plugin's SIMD loop covers whole 16-byte steps; id 34 restarts after them.
        let simd_end = (sl / 16) * 16;
        for i in 0..sl {
            if buggy && i == simd_end {
                acc = 0;
            }
            acc = acc.wrapping_add(src[base + i]);
            dst[base + i] = acc;
        }
    }
    dst[t * sl..].copy_from_slice(&src[t * sl..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_round_trips_every_word_size() {
        for ts in [1usize, 2, 3, 4, 8, 16, 24] {
            let block0: Vec<u8> = (0..1003u32).map(|i| (i * 7 % 251) as u8).collect();
            let other: Vec<u8> = (0..1003u32).map(|i| (i * 13 % 241) as u8).collect();
            let mut e0 = vec![0; block0.len()];
            delta_encode(&block0, true, ts, &block0, &mut e0);
            delta_decode(None, ts, &mut e0);
            assert_eq!(e0, block0, "typesize {ts}");
            let mut e1 = vec![0; other.len()];
            delta_encode(&block0, false, ts, &other, &mut e1);
            delta_decode(Some(&block0), ts, &mut e1);
            assert_eq!(e1, other, "typesize {ts}");
        }
    }

    #[test]
    fn bytedelta_round_trips() {
        let src: Vec<u8> = (0..1001u32).map(|i| (i * i % 253) as u8).collect();
        for t in [1usize, 2, 4, 8, 7] {
            let mut enc = vec![0; src.len()];
            bytedelta_encode(t, &src, &mut enc);
            let mut dec = vec![0; src.len()];
            bytedelta_decode(t, false, &enc, &mut dec);
            assert_eq!(dec, src);
        }
    }

    #[test]
    fn trunc_prec_clears_low_bits() {
        let x = 1.234_567_890_123_f64.to_le_bytes();
        let mut out = [0u8; 8];
        trunc_prec(10, 8, &x, &mut out);
        let v = u64::from_le_bytes(out);
        assert_eq!(v & ((1 << 42) - 1), 0);
        assert!((f64::from_le_bytes(out) - 1.234_567_890_123).abs() < 1e-3);
    }
}
