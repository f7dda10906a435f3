//! Copy routines of the decoder: the all-safe implementation and the trait both share.
//!
//! The decoder checks exact bounds once per sequence and then calls these routines, which decide
//! on their own whether there is enough slack after the copy to write whole 16-byte chunks (the
//! bytes written past the end of a copy are garbage that later sequences overwrite) or must copy
//! exactly (near the end of `dst`).

/// Width of one wide copy.
pub(super) const CHUNK: usize = 16;

/// The decoder's copy primitives. Callers guarantee the exact ranges are in bounds; implementors
/// may only write past them when the slack is in bounds too.
pub(super) trait Copier {
    /// Copies 16 bytes from `src[s..]` to `dst[d..]` (a short literal run plus slack); caller
    /// guarantees both 16-byte ranges are in bounds.
    fn copy16(src: &[u8], s: usize, dst: &mut [u8], d: usize);

    /// Copies `src[s..s + len]` to `dst[d..d + len]`; caller guarantees both ranges are in bounds.
    fn copy_literals(src: &[u8], s: usize, dst: &mut [u8], d: usize, len: usize);

    /// LZ77 copy of `len` bytes from `dst[m..]` to `dst[d..]` with `m < d`, byte by byte semantics
    /// (overlap repeats the pattern of period `d - m`); caller guarantees
    /// `d + len + 32 <= dst.len()`, the slack the wide stores may overwrite.
    fn copy_match_wide(dst: &mut [u8], m: usize, d: usize, len: usize);

    /// Decodes whole sequences starting at `src[ip]` / `dst[op]` for as long as both buffers
    /// have [`FAST_SRC`] / [`FAST_DST`] bytes of room left and the sequences are ones it handles
    /// (always: literal run under 15, match under 19, offset within `dst[..op]`; the `simd` one
    /// also takes long runs that fit with room to spare). Returns the positions after the last
    /// sequence decoded. Stops at the first other sequence without consuming it: bytes it may
    /// already have written at or after `op` are rewritten identically by the general path.
    fn fast_sequences(src: &[u8], ip: usize, dst: &mut [u8], op: usize) -> (usize, usize);
}

/// Input room (from the token) for a fast sequence: token, up to 14 literals read as one
/// 16-byte chunk, whose bytes also cover the 2-byte offset.
pub(super) const FAST_SRC: usize = 1 + CHUNK;
/// Output room for a fast sequence: up to 14 literals (written as 16 bytes), then a match of at
/// most 18 bytes written as at most 32 (or, after a long literal run, `copy_match_wide`'s 18 + 32).
pub(super) const FAST_DST: usize = 64;

/// Reads the extra length bytes after a nibble of 15 at `src[*at..]`; `None` if the input ends
/// first or the length exceeds `limit` (the caller's room, which also rules out overflow).
#[cfg(feature = "simd")]
#[inline(always)]
pub(super) fn extra_len(src: &[u8], at: &mut usize, limit: usize) -> Option<usize> {
    let mut len = 0usize;
    loop {
        let b = *src.get(*at)?;
        *at += 1;
        len += usize::from(b);
        if b != 255 {
            return Some(len);
        }
        if len > limit {
            return None;
        }
    }
}

/// Safe implementation: slice copies with bounds checks, same chunking as the `simd` one.
#[cfg_attr(
    all(feature = "simd", not(test)),
    expect(
        dead_code,
        reason = "the simd build decodes with copy_simd; tests still run this one"
    )
)]
pub(super) struct Safe;

impl Copier for Safe {
    #[inline(always)]
    fn copy16(src: &[u8], s: usize, dst: &mut [u8], d: usize) {
        dst[d..d + CHUNK].copy_from_slice(&src[s..s + CHUNK]);
    }
    #[inline(always)]
    fn copy_literals(src: &[u8], s: usize, dst: &mut [u8], d: usize, len: usize) {
        if len <= CHUNK
            && let (Some(from), Some(to)) = (src.get(s..s + CHUNK), dst.get_mut(d..d + CHUNK))
        {
            to.copy_from_slice(from);
        } else {
            dst[d..d + len].copy_from_slice(&src[s..s + len]);
        }
    }

    #[inline(always)]
    fn fast_sequences(src: &[u8], ip: usize, dst: &mut [u8], op: usize) -> (usize, usize) {
        let (mut ip, mut op) = (ip, op);
        while ip + FAST_SRC <= src.len() && op + FAST_DST <= dst.len() {
            let token = src[ip];
            let (lit, len) = (usize::from(token >> 4), usize::from(token & 15));
            if (lit == 15) | (len == 15) {
                break;
            }
            let len = len + super::MIN_MATCH;
            let at = ip + 1 + lit;
            let offset = usize::from(u16::from_le_bytes([src[at], src[at + 1]]));
            let d = op + lit;
            if offset.wrapping_sub(1) >= d {
                break;
            }
            dst[op..op + CHUNK].copy_from_slice(&src[ip + 1..ip + 1 + CHUNK]);
            let m = d - offset;
            if offset >= 8 {
                // 8-byte pieces never overlap their own source; 8 + 8 + 2 >= 18 bytes.
                dst.copy_within(m..m + 8, d);
                dst.copy_within(m + 8..m + 16, d + 8);
                dst.copy_within(m + 16..m + 18, d + 16);
            } else {
                let (pat, step) = pattern(dst, m, offset);
                dst[d..d + CHUNK].copy_from_slice(&pat);
                dst[d + step..d + step + CHUNK].copy_from_slice(&pat);
            }
            ip = at + 2;
            op = d + len;
        }
        (ip, op)
    }

    #[inline(always)]
    fn copy_match_wide(dst: &mut [u8], m: usize, d: usize, len: usize) {
        let offset = d - m;
        let end = d + len;
        {
            if offset >= CHUNK {
                if len >= LONG_MATCH {
                    copy_match_doubling(dst, m, d, 0, len);
                    return;
                }
                // Each chunk reads bytes at least 16 behind the bytes it writes: no overlap inside
                // a chunk, and earlier chunks have already written what later ones read. Two
                // chunks per round: most matches need no second round.
                let mut x = 0;
                loop {
                    dst.copy_within(m + x..m + x + CHUNK, d + x);
                    dst.copy_within(m + x + CHUNK..m + x + 2 * CHUNK, d + x + CHUNK);
                    x += 2 * CHUNK;
                    if x >= len {
                        break;
                    }
                }
            } else {
                if offset == 1 && len >= RUN_FILL {
                    // A run of one byte: memset beats our 16-byte stores.
                    let b = dst[m];
                    dst[d..end].fill(b);
                    return;
                }
                let (pat, step) = pattern(dst, m, offset);
                let mut x = d;
                loop {
                    dst[x..x + CHUNK].copy_from_slice(&pat);
                    dst[x + step..x + step + CHUNK].copy_from_slice(&pat);
                    x += 2 * step;
                    if x >= end {
                        break;
                    }
                    if len >= LONG_MATCH {
                        // d..x + 16 now holds whole periods: let memmove do the rest.
                        copy_match_doubling(dst, m, d, x - d, len);
                        return;
                    }
                }
            }
        }
    }
}

/// Per offset 1..16: the multiplier that repeats an `offset`-byte value across 16 bytes (a 1 at
/// every multiple of `offset` bytes; the copies do not overlap, so no carries), and the store step
/// (largest multiple of `offset` that is at most 16), so pattern stores stay in phase.
const PATTERNS: ([u128; CHUNK], [usize; CHUNK]) = {
    let mut mul = [0u128; CHUNK];
    let mut step = [0usize; CHUNK];
    let mut offset = 1;
    while offset < CHUNK {
        let mut at = 0;
        while at < CHUNK {
            mul[offset] |= 1u128 << (8 * at);
            at += offset;
        }
        step[offset] = CHUNK - CHUNK % offset;
        offset += 1;
    }
    (mul, step)
};

/// 16 bytes repeating `dst[m..m + offset]` (the period of an overlapping match) and the step for
/// writing it with 16-byte stores. Needs `m + 16 <= dst.len()` and `1 <= offset < 16`.
#[inline(always)]
pub(super) fn pattern(dst: &[u8], m: usize, offset: usize) -> ([u8; CHUNK], usize) {
    let mut seed = [0u8; CHUNK];
    seed.copy_from_slice(&dst[m..m + CHUNK]);
    pattern_of(seed, offset)
}

/// [`pattern`] for offsets 1..8 from the 8 bytes at the match source (a smaller load than 16
/// bytes, which more often comes straight from one recent store).
#[cfg(feature = "simd")]
#[inline(always)]
pub(super) fn pattern_small(seed: u64, offset: usize) -> ([u8; CHUNK], usize) {
    let offset = offset & 7;
    let period = u128::from(seed & ((1u64 << (8 * offset)) - 1));
    let v = period.wrapping_mul(PATTERNS.0[offset]);
    (v.to_le_bytes(), PATTERNS.1[offset])
}

/// [`pattern`] from the 16 bytes at the match source.
#[inline(always)]
pub(super) fn pattern_of(seed: [u8; CHUNK], offset: usize) -> ([u8; CHUNK], usize) {
    let offset = offset & (CHUNK - 1);
    let period = u128::from_le_bytes(seed) & ((1u128 << (8 * offset)) - 1);
    let v = period.wrapping_mul(PATTERNS.0[offset]);
    (v.to_le_bytes(), PATTERNS.1[offset])
}

/// Runs of one byte at least this long are written with `fill` (memset).
pub(super) const RUN_FILL: usize = 64;

/// Matches at least this long are finished with `memmove` calls (wider stores than ours).
pub(super) const LONG_MATCH: usize = 512;

/// Exact LZ77 copy that never writes past `d + len` (the tail of the block).
#[inline(never)]
pub(super) fn copy_match_exact(dst: &mut [u8], m: usize, d: usize, len: usize) {
    copy_match_doubling(dst, m, d, 0, len);
}

/// Exact LZ77 copy of `dst[m..]` to `dst[d..d + len]` whose first `done` bytes are already
/// written; `done` must be a multiple of the offset `d - m`.
#[inline(never)]
pub(super) fn copy_match_doubling(dst: &mut [u8], m: usize, d: usize, done: usize, len: usize) {
    let offset = d - m;
    if offset >= len {
        dst.copy_within(m..m + len, d);
    } else {
        // Everything from `m` to the write position is already a whole number of periods, so it
        // can be copied in one go: the copied run doubles each time.
        let mut done = done;
        while done < len {
            let n = (offset + done).min(len - done);
            dst.copy_within(m..m + n, d + done);
            done += n;
        }
    }
}
