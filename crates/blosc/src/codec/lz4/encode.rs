//! LZ4 fast compression (`LZ4_compress_fast` rules), the [`Encoder`] state and the sequence writer
//! shared with the HC encoder.

use super::hc::Chains;
use super::{LAST_LITERALS, MAX_DISTANCE, MF_LIMIT, MIN_INPUT, MIN_MATCH};

/// Largest input LZ4 accepts (`LZ4_MAX_INPUT_SIZE`); positions then always fit in a `u32`.
const MAX_INPUT: usize = 0x7E00_0000;
/// Inputs shorter than this use the 13-bit hash of 4 bytes (C's `byU16` table); longer ones the
/// 12-bit hash of 5 bytes (`byU32`), as C does, so ratios follow C's.
const SMALL_INPUT: usize = 65_536 + MF_LIMIT - 1;
/// log2 of the hash table size for small inputs.
const SMALL_HASH_LOG: u32 = 13;
/// log2 of the hash table size for large inputs.
const LARGE_HASH_LOG: u32 = 12;
/// After `1 << SKIP_TRIGGER` failed probes the search step grows by one.
const SKIP_TRIGGER: u32 = 6;

/// Reusable compression state (hash table for the fast path, hash chains for HC). Created once
/// per thread and reused for every stream: no allocation per call after the first.
pub(crate) struct Encoder {
    /// Fast-path hash table: positions of the last 4-byte (or 5-byte) sequences per hash.
    table: Vec<u32>,
    /// HC state, allocated on first HC use.
    chains: Chains,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// Allocates the fast-path table (32 KiB); HC tables come on first use.
    pub(crate) fn new() -> Self {
        Self {
            table: vec![0; 1 << SMALL_HASH_LOG],
            chains: Chains::new(),
        }
    }

    /// LZ4 fast compression with C's `acceleration` semantics (Blosc passes 10 - clevel, so 1..=9;
    /// values below 1 act as 1). Returns the compressed size, or 0 if the output would not fit in
    /// `dst` (or `src` is larger than LZ4's 2,113,929,216-byte limit).
    pub(crate) fn compress(&mut self, src: &[u8], dst: &mut [u8], acceleration: u32) -> usize {
        if src.len() > MAX_INPUT {
            return 0;
        }
        if src.len() < MIN_INPUT {
            return write_last_literals(dst, 0, src, 0).unwrap_or(0);
        }
        let acceleration = acceleration.clamp(1, 65_537) as usize;
        let out = if src.len() < SMALL_INPUT {
            let table = &mut self.table[..1 << SMALL_HASH_LOG];
            table.fill(0);
            compress_fast::<true>(table, src, dst, acceleration)
        } else {
            let table = &mut self.table[..1 << LARGE_HASH_LOG];
            table.fill(0);
            compress_fast::<false>(table, src, dst, acceleration)
        };
        out.unwrap_or(0)
    }

    /// LZ4HC compression at `level` 1..=12 (Blosc passes its clevel 1..=9; 0 acts as 1, more than
    /// 12 as 12). Returns the compressed size, or 0 if the output would not fit in `dst`.
    pub(crate) fn compress_hc(&mut self, src: &[u8], dst: &mut [u8], level: u32) -> usize {
        if src.len() > MAX_INPUT {
            return 0;
        }
        if src.len() < MIN_INPUT {
            return write_last_literals(dst, 0, src, 0).unwrap_or(0);
        }
        self.chains
            .compress(src, dst, level.clamp(1, 12))
            .unwrap_or(0)
    }
}

/// Little-endian 4 bytes at `i`.
#[inline(always)]
pub(super) fn read_u32(s: &[u8], i: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&s[i..i + 4]);
    u32::from_le_bytes(b)
}

/// Little-endian 8 bytes at `i`.
#[inline(always)]
fn read_u64(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(b)
}

/// Bytes compared per step by the wide loop of [`count`].
const WIDE: usize = 32;

/// The `WIDE` bytes at `i`, if in bounds; an array so that comparing two is one vector compare.
#[inline(always)]
fn wide(s: &[u8], i: usize) -> Option<&[u8; WIDE]> {
    s.get(i..i + WIDE)?.try_into().ok()
}

/// Length of the common run of `s[a..]` and `s[b..]`, stopping at `limit` (for `a`).
#[inline(always)]
pub(super) fn count(s: &[u8], mut a: usize, mut b: usize, limit: usize) -> usize {
    let start = a;
    // Most matches end within 8 bytes: settle those before the wide loop.
    if a + 8 <= limit {
        let x = read_u64(s, a) ^ read_u64(s, b);
        if x != 0 {
            return (x.trailing_zeros() / 8) as usize;
        }
        a += 8;
        b += 8;
    }
    // Then whole 32-byte blocks (one vector compare each): byte-shuffled numeric data is mostly
    // long runs, where this loop is where the encoder spends its time.
    while a + WIDE <= limit {
        let (Some(x), Some(y)) = (wide(s, a), wide(s, b)) else {
            break;
        };
        if x != y {
            break;
        }
        a += WIDE;
        b += WIDE;
    }
    while a + 8 <= limit {
        let x = read_u64(s, a) ^ read_u64(s, b);
        if x != 0 {
            return a - start + (x.trailing_zeros() / 8) as usize;
        }
        a += 8;
        b += 8;
    }
    while a < limit && s[a] == s[b] {
        a += 1;
        b += 1;
    }
    a - start
}

/// Hash of the sequence at `i`: 4 bytes into 13 bits for small inputs, 5 bytes into 12 bits
/// otherwise (the multipliers are the usual Fibonacci/prime ones LZ4 uses).
#[inline(always)]
fn hash<const SMALL: bool>(s: &[u8], i: usize) -> usize {
    if SMALL {
        (read_u32(s, i).wrapping_mul(2_654_435_761) >> (32 - SMALL_HASH_LOG)) as usize
    } else {
        ((read_u64(s, i) << 24).wrapping_mul(889_523_592_379) >> (64 - LARGE_HASH_LOG)) as usize
    }
}

/// Converts a position to its table entry (inputs are at most [`MAX_INPUT`] bytes).
#[inline(always)]
#[expect(
    clippy::cast_possible_truncation,
    reason = "src.len() <= MAX_INPUT < u32::MAX"
)]
fn pos32(p: usize) -> u32 {
    p as u32
}

/// The fast match finder: probe the hash table, skip faster the longer nothing matches.
fn compress_fast<const SMALL: bool>(
    table: &mut [u32],
    src: &[u8],
    dst: &mut [u8],
    acceleration: usize,
) -> Option<usize> {
    let n = src.len();
    // Last position a search may probe (C's mflimitPlusOne) and the end of match extension.
    let search_end = n - MF_LIMIT + 1;
    let match_limit = n - LAST_LITERALS;
    let mut op = 0;
    let mut anchor = 0;

    table[hash::<SMALL>(src, 0)] = 0;
    let mut ip = 1;
    let mut next_hash = hash::<SMALL>(src, ip);
    'search: loop {
        let mut m;
        let mut next_ip = ip;
        let mut step = 1;
        let mut probes = acceleration << SKIP_TRIGGER;
        loop {
            let h = next_hash;
            ip = next_ip;
            next_ip += step;
            step = probes >> SKIP_TRIGGER;
            probes += 1;
            if next_ip > search_end {
                break 'search;
            }
            m = table[h] as usize;
            next_hash = hash::<SMALL>(src, next_ip);
            table[h] = pos32(ip);
            if (SMALL || ip - m <= MAX_DISTANCE) && read_u32(src, m) == read_u32(src, ip) {
                break;
            }
        }
        // Extend backwards over the pending literals.
        while ip > anchor && m > 0 && src[ip - 1] == src[m - 1] {
            ip -= 1;
            m -= 1;
        }
        loop {
            let len = MIN_MATCH + count(src, ip + MIN_MATCH, m + MIN_MATCH, match_limit);
            op = write_sequence(dst, op, src, anchor, ip, ip - m, len)?;
            ip += len;
            anchor = ip;
            if ip >= search_end {
                break 'search;
            }
            table[hash::<SMALL>(src, ip - 2)] = pos32(ip - 2);
            // A match right after a match needs no literals: test it before searching again.
            let h = hash::<SMALL>(src, ip);
            m = table[h] as usize;
            table[h] = pos32(ip);
            if !((SMALL || ip - m <= MAX_DISTANCE) && read_u32(src, m) == read_u32(src, ip)) {
                ip += 1;
                next_hash = hash::<SMALL>(src, ip);
                continue 'search;
            }
        }
    }
    write_last_literals(dst, op, src, anchor)
}

/// Writes the token's extra length bytes for `len` (already reduced by the nibble's 15).
#[inline(always)]
fn write_extra_len(dst: &mut [u8], mut op: usize, mut len: usize) -> usize {
    while len >= 255 {
        dst[op] = 255;
        op += 1;
        len -= 255;
    }
    #[expect(clippy::cast_possible_truncation, reason = "len < 255 here")]
    {
        dst[op] = len as u8;
    }
    op + 1
}

/// Number of extra length bytes a length field of `len` needs (0 when it fits the nibble).
#[inline(always)]
fn extra_len_bytes(len: usize) -> usize {
    if len >= 15 { (len - 15) / 255 + 1 } else { 0 }
}

/// Copies the literals `src[anchor..anchor + lit]` to `dst[op..]` (room already checked).
#[inline(always)]
fn write_literals(dst: &mut [u8], op: usize, src: &[u8], anchor: usize, lit: usize) {
    if lit <= 16
        && let (Some(to), Some(from)) = (dst.get_mut(op..op + 16), src.get(anchor..anchor + 16))
    {
        // Wide copy: the bytes past `lit` are overwritten by whatever is written next.
        to.copy_from_slice(from);
    } else {
        dst[op..op + lit].copy_from_slice(&src[anchor..anchor + lit]);
    }
}

/// Writes one sequence (literals `src[anchor..ip]`, match of `len` at `offset`); `None` if it does
/// not fit in `dst`.
#[inline(always)]
pub(super) fn write_sequence(
    dst: &mut [u8],
    op: usize,
    src: &[u8],
    anchor: usize,
    ip: usize,
    offset: usize,
    len: usize,
) -> Option<usize> {
    let lit = ip - anchor;
    let ml = len - MIN_MATCH;
    let need = 1 + extra_len_bytes(lit) + lit + 2 + extra_len_bytes(ml);
    if need > dst.len() - op {
        return None;
    }
    let token = op;
    let mut op = op + 1;
    let lit_nibble = if lit >= 15 {
        op = write_extra_len(dst, op, lit - 15);
        15
    } else {
        lit
    };
    write_literals(dst, op, src, anchor, lit);
    op += lit;
    #[expect(clippy::cast_possible_truncation, reason = "offset <= MAX_DISTANCE")]
    let off = offset as u16;
    dst[op..op + 2].copy_from_slice(&off.to_le_bytes());
    op += 2;
    let ml_nibble = if ml >= 15 {
        op = write_extra_len(dst, op, ml - 15);
        15
    } else {
        ml
    };
    #[expect(clippy::cast_possible_truncation, reason = "both nibbles are <= 15")]
    {
        dst[token] = (lit_nibble << 4 | ml_nibble) as u8;
    }
    Some(op)
}

/// Writes the final literal-only sequence `src[anchor..]`; `None` if it does not fit.
pub(super) fn write_last_literals(
    dst: &mut [u8],
    op: usize,
    src: &[u8],
    anchor: usize,
) -> Option<usize> {
    let lit = src.len() - anchor;
    if 1 + extra_len_bytes(lit) + lit > dst.len() - op {
        return None;
    }
    let mut op = op;
    if lit >= 15 {
        dst[op] = 15 << 4;
        op = write_extra_len(dst, op + 1, lit - 15);
    } else {
        #[expect(clippy::cast_possible_truncation, reason = "lit < 15")]
        {
            dst[op] = (lit as u8) << 4;
        }
        op += 1;
    }
    dst[op..op + lit].copy_from_slice(&src[anchor..]);
    Some(op + lit)
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn count_matches_bytewise_at_every_mismatch_offset() {
        for len in 0..100 {
            for limit_slack in 0..3 {
                // A run of zeros compared with itself one byte later, broken at `len`.
                let mut s = vec![0u8; 1 + len + 40];
                s[1 + len] = 1;
                let limit = (1 + len + 1 + limit_slack).min(s.len());
                let naive = (1..limit).take_while(|&i| s[i] == s[i - 1]).count();
                assert_eq!(count(&s, 1, 0, limit), naive, "len {len} limit {limit}");
            }
        }
    }
}
