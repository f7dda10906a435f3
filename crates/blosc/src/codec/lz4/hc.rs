//! LZ4HC-style compression, following the strategies of C's `LZ4_compress_HC` level by level so
//! that ratio and speed track it.
//!
//! * Levels 1..=2 ("mid"): no chains. Two hash tables (7-byte and 4-byte hashes, most recent
//!   position only); the long hash is tried first, a short match gets one look at `ip + 1` for a
//!   longer one, and the step grows over long literal runs.
//! * Levels 3..=9: hash chains over every position (deltas in a 64 Ki ring of `u16`, like C's
//!   `chainTable`) walked for at most 4, 8, .., 256 candidates. The parse keeps up to three
//!   overlapping matches: after a match of length `ml` at `ip` it searches at `ip + ml - 2` (and
//!   then past the second match) for a match reaching further, which may start earlier
//!   (backward extension); overlaps are trimmed so every sequence stays valid. Only the positions
//!   where a better match could start are searched, not every one.
//! * From level 9 on, long runs of one byte are handled by jumping along the run (a chain of
//!   distance-1 links would otherwise be walked link by link with a full comparison each).
//! * Levels 10..=12 (an optimal parser in C) use the same parse with deeper searches.

use super::encode::{count, read_u32, write_last_literals, write_sequence};
use super::{LAST_LITERALS, MAX_DISTANCE, MF_LIMIT, MIN_MATCH};

/// log2 of the number of chain heads (C's `LZ4HC_HASH_LOG`).
const HASH_LOG: u32 = 15;
/// log2 of each of the two "mid" hash tables (they share the chain heads' memory).
const MID_HASH_LOG: u32 = HASH_LOG - 1;
/// The chain ring covers the whole 64 KiB window.
const CHAIN_MASK: usize = (1 << 16) - 1;
/// Where the 7-byte "mid" table starts in the heads (the 4-byte one fills the first half).
const MID8: usize = 1 << MID_HASH_LOG;
/// A table slot with no position yet (too far from any position to ever be used).
const EMPTY: u32 = u32::MAX;
/// Matches up to this length are cheap to shorten: used when trimming overlaps (15 + 4 - 1).
const OPTIMAL_ML: usize = 18;

/// Hash chain tables, reused across calls (allocated on first use).
pub(super) struct Chains {
    /// Most recent position per hash (or the two "mid" tables, one per half). Fixed-size
    /// arrays: hashes and masked positions index them without bounds checks.
    head: Option<Box<Heads>>,
    /// Distance to the previous position with the same hash, per position modulo 64 Ki (at most
    /// `MAX_DISTANCE`, which already lies outside the window). Never cleared: an entry is always
    /// written when its position is inserted, before any search can reach it.
    chain: Option<Box<Ring>>,
}

/// Chain heads.
type Heads = [u32; 1 << HASH_LOG];
/// Chain deltas.
type Ring = [u16; CHAIN_MASK + 1];

/// Candidates walked per search at a chain level.
fn attempts(level: u32) -> usize {
    match level {
        0..=9 => 1 << level.saturating_sub(1),
        10 => 1024,
        11 => 4096,
        _ => 16_384,
    }
}

/// 4-byte hash into `HASH_LOG` bits (C's LZ4HC hash).
#[inline(always)]
fn hash4(s: &[u8], i: usize) -> usize {
    (read_u32(s, i).wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

/// 4-byte hash into `MID_HASH_LOG` bits.
#[inline(always)]
fn mid_hash4(s: &[u8], i: usize) -> usize {
    (read_u32(s, i).wrapping_mul(2_654_435_761) >> (32 - MID_HASH_LOG)) as usize
}

/// 7-byte hash (of the 8 bytes at `i`) into `MID_HASH_LOG` bits.
#[inline(always)]
fn mid_hash7(s: &[u8], i: usize) -> usize {
    ((read_u64(s, i) << 8).wrapping_mul(58_295_818_150_454_627) >> (64 - MID_HASH_LOG)) as usize
}

/// Little-endian 8 bytes at `i`.
#[inline(always)]
fn read_u64(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(b)
}

/// Little-endian 2 bytes at `i`.
#[inline(always)]
fn read_u16(s: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([s[i], s[i + 1]])
}

/// Converts a position to its table entry (inputs are at most 0x7E00_0000 bytes).
#[inline(always)]
#[expect(
    clippy::cast_possible_truncation,
    reason = "inputs are at most 0x7E00_0000 bytes"
)]
fn pos32(p: usize) -> u32 {
    p as u32
}

/// Number of equal bytes just before `a` and `b` (`a > b`), going back at most to `low` for `a`
/// and to 0 for `b`.
#[inline(always)]
fn count_back(s: &[u8], a: usize, b: usize, low: usize) -> usize {
    let max = (a - low).min(b);
    let mut k = 0;
    if b >= 8 {
        // Usually the run is short: one 8-byte compare (it may look at bytes before `low`, which
        // only exist to be read; the result is clamped to `max`).
        let x = read_u64(s, a - 8) ^ read_u64(s, b - 8);
        if x != 0 || max <= 8 {
            return ((x.leading_zeros() / 8) as usize).min(max);
        }
        k = 8;
    }
    while k + 8 <= max {
        let x = read_u64(s, a - k - 8) ^ read_u64(s, b - k - 8);
        if x != 0 {
            return k + (x.leading_zeros() / 8) as usize;
        }
        k += 8;
    }
    while k < max && s[a - k - 1] == s[b - k - 1] {
        k += 1;
    }
    k
}

/// Number of bytes equal to `byte` from `from` up to (not including) `limit`.
#[inline(always)]
fn run_forward(s: &[u8], from: usize, limit: usize, byte: u8) -> usize {
    let pat = u64::from_le_bytes([byte; 8]);
    let mut i = from;
    while i + 8 <= limit {
        let x = read_u64(s, i) ^ pat;
        if x != 0 {
            return i - from + (x.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < limit && s[i] == byte {
        i += 1;
    }
    i - from
}

/// Number of bytes equal to `byte` just before `from`, going back at most to `low`.
#[inline(always)]
fn run_backward(s: &[u8], from: usize, low: usize, byte: u8) -> usize {
    let pat = u64::from_le_bytes([byte; 8]);
    let mut i = from;
    while i >= low + 8 {
        let x = read_u64(s, i - 8) ^ pat;
        if x != 0 {
            return from - i + (x.leading_zeros() / 8) as usize;
        }
        i -= 8;
    }
    while i > low && s[i - 1] == byte {
        i -= 1;
    }
    from - i
}

/// A search result: a match of `len` bytes at distance `off` starting `back` bytes before the
/// searched position. `off == 0` means nothing better than the length asked for was found.
#[derive(Clone, Copy)]
struct Found {
    /// Match length (including the `back` bytes).
    len: usize,
    /// Match distance.
    off: usize,
    /// How far the match starts before the searched position.
    back: usize,
}

/// Whether the searched position starts a run of one byte (checked at most once per search).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Not looked at yet.
    Untested,
    /// The first four bytes differ.
    No,
    /// A run of this many bytes (at least 4) starts at the searched position.
    Run(usize),
}

/// The running state of one chain compression.
struct Matcher<'a> {
    /// Input.
    src: &'a [u8],
    /// Chain heads.
    head: &'a mut Heads,
    /// Chain deltas.
    chain: &'a mut Ring,
    /// Next position not yet inserted.
    next_insert: usize,
    /// Matches may not extend past this (the last literals).
    match_limit: usize,
    /// Candidates walked per search.
    attempts: usize,
}

impl Matcher<'_> {
    /// Inserts every position before `ip`.
    #[inline(always)]
    fn insert_until(&mut self, ip: usize) {
        let mut p = self.next_insert;
        while p < ip {
            let h = hash4(self.src, p);
            // EMPTY (u32::MAX) gives a huge delta: clamped to MAX_DISTANCE, out of the window.
            let delta = p.wrapping_sub(self.head[h] as usize).min(MAX_DISTANCE);
            #[expect(clippy::cast_possible_truncation, reason = "delta <= MAX_DISTANCE")]
            {
                self.chain[p & CHAIN_MASK] = delta as u16;
            }
            self.head[h] = pos32(p);
            p += 1;
        }
        self.next_insert = p;
    }

    /// Searches the chain of `ip` for a match longer than `longest`, which may extend backwards
    /// down to `low` (`low <= ip`). Returns `Found { len: longest, off: 0, .. }` if none. `RUNS`
    /// jumps over runs of one byte instead of walking them (deep levels).
    #[inline(always)]
    fn wider<const RUNS: bool>(&mut self, ip: usize, low: usize, longest: usize) -> Found {
        self.insert_until(ip);
        let src = self.src;
        let limit = self.match_limit;
        let lookback = ip - low;
        let lowest = ip.saturating_sub(MAX_DISTANCE);
        let first = read_u32(src, ip);
        let mut best = Found {
            len: longest,
            off: 0,
            back: 0,
        };
        // The two bytes where a match longer than the best (from `low`) would end.
        let mut want = read_u16(src, low + best.len - 1);
        let mut repeat = Repeat::Untested;
        let mut left = self.attempts;
        let mut c = self.head[hash4(src, ip)] as usize;
        while c >= lowest && c < ip && left > 0 {
            left -= 1;
            // Cheap rejection: the two bytes where a longer match (from `low`) would end must
            // match too. Candidates too close to the start skip it.
            let quick = c < lookback || read_u16(src, c - lookback + best.len - 1) == want;
            if quick && read_u32(src, c) == first {
                let fwd = MIN_MATCH + count(src, ip + MIN_MATCH, c + MIN_MATCH, limit);
                let back = if lookback > 0 {
                    count_back(src, ip, c, low)
                } else {
                    0
                };
                if fwd + back > best.len {
                    best = Found {
                        len: fwd + back,
                        off: ip - c,
                        back,
                    };
                    if ip + fwd >= limit && back == lookback {
                        // Nothing can reach further on either side.
                        break;
                    }
                    want = read_u16(src, low + best.len - 1);
                }
            }
            let d = usize::from(self.chain[c & CHAIN_MASK]);
            if RUNS && d == 1 {
                if repeat == Repeat::Untested {
                    let byte = src[ip];
                    repeat = if first == u32::from_le_bytes([byte; 4]) {
                        Repeat::Run(MIN_MATCH + run_forward(src, ip + MIN_MATCH, limit, byte))
                    } else {
                        Repeat::No
                    };
                }
                if let Repeat::Run(src_run) = repeat
                    && let Some(at) = c.checked_sub(1)
                    && at >= lowest
                    && read_u32(src, at) == first
                {
                    // `at` lies in a run of the same byte: measure the whole run and jump to the
                    // one position of it whose remaining run equals ours (what follows may match
                    // too), or past it when no position of it fits.
                    let byte = src[ip];
                    let fwd = MIN_MATCH + run_forward(src, at + MIN_MATCH, limit, byte);
                    let back = run_backward(src, at, lowest, byte);
                    let segment = back + fwd;
                    if segment >= src_run && fwd <= src_run {
                        c = at + fwd - src_run;
                    } else {
                        let start = at - back;
                        c = start;
                        if lookback == 0 {
                            // The run itself is the best this segment offers.
                            let len = segment.min(src_run);
                            if len > best.len {
                                best = Found {
                                    len,
                                    off: ip - start,
                                    back: 0,
                                };
                                want = read_u16(src, low + best.len - 1);
                            }
                            let d2 = usize::from(self.chain[start & CHAIN_MASK]);
                            if d2 > start {
                                break;
                            }
                            c = start - d2;
                        }
                    }
                    continue;
                }
            }
            if d > c {
                break;
            }
            c -= d;
        }
        best
    }
}

impl Chains {
    /// Empty state; tables are allocated by the first [`Chains::compress`].
    pub(super) fn new() -> Self {
        Self {
            head: None,
            chain: None,
        }
    }

    /// Compresses `src` (at least `MIN_INPUT` bytes) at `level` 1..=12.
    pub(super) fn compress(&mut self, src: &[u8], dst: &mut [u8], level: u32) -> Option<usize> {
        let head = self
            .head
            .get_or_insert_with(|| Box::new([EMPTY; 1 << HASH_LOG]));
        head.fill(EMPTY);
        if level <= 2 {
            return compress_mid(head, src, dst);
        }
        let chain = self
            .chain
            .get_or_insert_with(|| Box::new([0; CHAIN_MASK + 1]));
        let attempts = attempts(level);
        let mut mm = Matcher {
            src,
            head,
            chain,
            next_insert: 0,
            match_limit: src.len() - LAST_LITERALS,
            attempts,
        };
        if attempts > 128 {
            compress_chain::<true>(&mut mm, dst)
        } else {
            compress_chain::<false>(&mut mm, dst)
        }
    }
}

/// Writes a sequence for a match of `len` at distance `off` starting at `ip`, with the literals
/// since `anchor`; returns the new output position. `None` if it does not fit (or if the parse
/// ever produced a match too short to encode, which would be a bug: the caller then stores the
/// input uncompressed instead of writing a broken stream).
#[inline(always)]
fn emit(
    dst: &mut [u8],
    op: usize,
    src: &[u8],
    anchor: usize,
    ip: usize,
    m: Found,
) -> Option<usize> {
    if m.len < MIN_MATCH || m.off == 0 || m.off > ip {
        debug_assert!(false, "invalid match in the HC parse");
        return None;
    }
    write_sequence(dst, op, src, anchor, ip, m.off, m.len)
}

/// Hash chain parse with up to three overlapping matches (levels 3..=12).
fn compress_chain<const RUNS: bool>(mm: &mut Matcher<'_>, dst: &mut [u8]) -> Option<usize> {
    let src = mm.src;
    // Last position where a match may start.
    let mf_limit = src.len() - MF_LIMIT;
    let mut op = 0;
    let mut anchor = 0;
    let mut ip = 0;
    'main: while ip <= mf_limit {
        let mut m1 = mm.wider::<RUNS>(ip, ip, MIN_MATCH - 1);
        if m1.off == 0 {
            ip += 1;
            continue;
        }
        // The first match found, kept in case a later one only overlaps it a little.
        let (mut start0, mut m0) = (ip, m1);
        'search2: loop {
            // A second match starting inside the first one (extendable back to `ip`).
            let (mut start2, mut m2) = if ip + m1.len <= mf_limit {
                let s = ip + m1.len - 2;
                let f = mm.wider::<RUNS>(s, ip, m1.len);
                (s - f.back, f)
            } else {
                (ip, Found { off: 0, ..m1 })
            };
            if m2.off == 0 || m2.len <= m1.len {
                op = emit(dst, op, src, anchor, ip, m1)?;
                ip += m1.len;
                anchor = ip;
                continue 'main;
            }
            if start0 < ip && start2 < ip + m0.len {
                // The first match was replaced by a later one, but the one after reaches far
                // enough back to make the original worth keeping.
                ip = start0;
                m1 = m0;
            }
            if start2 - ip < 3 {
                // The first match would be too short: the second replaces it.
                ip = start2;
                m1 = m2;
                continue 'search2;
            }
            loop {
                // Search3: make room for at least a useful first match, then look past the
                // second for a third one.
                if start2 - ip < OPTIMAL_ML {
                    let mut new_ml = m1.len.min(OPTIMAL_ML);
                    if ip + new_ml > start2 + m2.len - MIN_MATCH {
                        new_ml = start2 - ip + m2.len - MIN_MATCH;
                    }
                    if new_ml > start2 - ip {
                        let correction = new_ml - (start2 - ip);
                        start2 += correction;
                        m2.len -= correction;
                    }
                }
                let (start3, m3) = if start2 + m2.len <= mf_limit {
                    let s = start2 + m2.len - 3;
                    let f = mm.wider::<RUNS>(s, start2, m2.len);
                    (s - f.back, f)
                } else {
                    (start2, Found { off: 0, ..m2 })
                };
                if m3.off == 0 || m3.len <= m2.len {
                    // No third match: write the first (trimmed) and the second.
                    if start2 < ip + m1.len {
                        m1.len = start2 - ip;
                    }
                    op = emit(dst, op, src, anchor, ip, m1)?;
                    anchor = ip + m1.len;
                    op = emit(dst, op, src, anchor, start2, m2)?;
                    ip = start2 + m2.len;
                    anchor = ip;
                    continue 'main;
                }
                if start3 < ip + m1.len + 3 {
                    // The third match leaves no room for the second: drop the second.
                    if start3 >= ip + m1.len {
                        // The first can be written whole; the third becomes the new first.
                        if start2 < ip + m1.len {
                            let correction = ip + m1.len - start2;
                            start2 += correction;
                            m2.len = m2.len.saturating_sub(correction);
                            if m2.len < MIN_MATCH {
                                start2 = start3;
                                m2 = m3;
                            }
                        }
                        op = emit(dst, op, src, anchor, ip, m1)?;
                        anchor = ip + m1.len;
                        ip = start3;
                        m1 = m3;
                        start0 = start2;
                        m0 = m2;
                        continue 'search2;
                    }
                    start2 = start3;
                    m2 = m3;
                    continue;
                }
                // Three ascending matches: write the first, trimmed to end where the second
                // starts; the second and third move up.
                if start2 < ip + m1.len {
                    if start2 - ip < OPTIMAL_ML {
                        m1.len = m1.len.min(OPTIMAL_ML);
                        if ip + m1.len > start2 + m2.len - MIN_MATCH {
                            m1.len = start2 - ip + m2.len - MIN_MATCH;
                        }
                        if m1.len > start2 - ip {
                            let correction = m1.len - (start2 - ip);
                            start2 += correction;
                            m2.len -= correction;
                        }
                    } else {
                        m1.len = start2 - ip;
                    }
                }
                op = emit(dst, op, src, anchor, ip, m1)?;
                anchor = ip + m1.len;
                ip = start2;
                m1 = m2;
                start2 = start3;
                m2 = m3;
            }
        }
    }
    write_last_literals(dst, op, src, anchor)
}

/// "Mid" compression (levels 1..=2): most recent position per 7-byte and per 4-byte hash.
fn compress_mid(tables: &mut Heads, src: &[u8], dst: &mut [u8]) -> Option<usize> {
    let n = src.len();
    let mf_limit = n - MF_LIMIT;
    let match_limit = n - LAST_LITERALS;
    // Last position whose 8 bytes can be hashed.
    let hash_limit = n - 8;
    let mut op = 0;
    let mut anchor = 0;
    let mut ip = 0;
    // A table entry is usable when it lies before `p` within the window (EMPTY never is).
    let near = |p: usize, pos: u32| p.wrapping_sub(pos as usize).wrapping_sub(1) < MAX_DISTANCE;
    while ip <= mf_limit {
        let mut found = None;
        let h8 = mid_hash7(src, ip);
        let pos8 = tables[MID8 + h8];
        tables[MID8 + h8] = pos32(ip);
        if near(ip, pos8) {
            let m = pos8 as usize;
            let len = count(src, ip, m, match_limit);
            if len >= MIN_MATCH {
                found = Some((len, ip - m));
            }
        }
        if found.is_none() {
            let h4 = mid_hash4(src, ip);
            let pos4 = tables[h4];
            tables[h4] = pos32(ip);
            if near(ip, pos4) {
                let m = pos4 as usize;
                let len = count(src, ip, m, match_limit);
                if len >= MIN_MATCH {
                    found = Some((len, ip - m));
                    // A short match: one look at the next position for a longer one.
                    if ip < mf_limit {
                        let h = mid_hash7(src, ip + 1);
                        let p = tables[MID8 + h];
                        if near(ip + 1, p) {
                            let len2 = count(src, ip + 1, p as usize, match_limit);
                            if len2 > len {
                                tables[MID8 + h] = pos32(ip + 1);
                                ip += 1;
                                found = Some((len2, ip - p as usize));
                            }
                        }
                    }
                }
            }
        }
        let Some((mut len, off)) = found else {
            // Skip faster over incompressible data.
            ip += 1 + ((ip - anchor) >> 9);
            continue;
        };
        // Extend backwards over the pending literals.
        while ip > anchor && ip > off && src[ip - 1] == src[ip - 1 - off] {
            ip -= 1;
            len += 1;
        }
        tables[MID8 + mid_hash7(src, ip + 1)] = pos32(ip + 1);
        tables[MID8 + mid_hash7(src, ip + 2)] = pos32(ip + 2);
        tables[mid_hash4(src, ip + 1)] = pos32(ip + 1);
        op = write_sequence(dst, op, src, anchor, ip, off, len)?;
        ip += len;
        anchor = ip;
        // Index a few positions at the end of the match.
        if ip - 2 < hash_limit {
            if ip > 5 {
                tables[MID8 + mid_hash7(src, ip - 5)] = pos32(ip - 5);
            }
            tables[MID8 + mid_hash7(src, ip - 3)] = pos32(ip - 3);
            tables[MID8 + mid_hash7(src, ip - 2)] = pos32(ip - 2);
            tables[mid_hash4(src, ip - 2)] = pos32(ip - 2);
            tables[mid_hash4(src, ip - 1)] = pos32(ip - 1);
        }
    }
    write_last_literals(dst, op, src, anchor)
}
