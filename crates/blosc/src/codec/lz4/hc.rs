//! LZ4HC-style compression: hash chains over every position, lazy matching.
//!
//! Each position is inserted in a chain of earlier positions with the same 4-byte hash (deltas
//! in a 64 Ki ring, like C's `chainTable`). At each position the encoder walks up to `attempts`
//! candidates for the longest match (each extended backwards over the pending literals), then
//! looks one (from level 3 on, two) positions ahead for a match reaching further before
//! committing. Levels 1..=9 walk 2, 2, 8, 16, .., 512 candidates, 10..=12 walk 1 Ki, 4 Ki, 16 Ki.
//! C's levels 1..=2 use a different "mid" strategy and 10..=12 an optimal parser; ours only
//! searches deeper there.

use super::encode::{count, read_u32, write_last_literals, write_sequence};
use super::{LAST_LITERALS, MAX_DISTANCE, MF_LIMIT, MIN_MATCH};

/// log2 of the number of chain heads.
const HASH_LOG: u32 = 15;
/// The chain ring covers the whole 64 KiB window.
const CHAIN_MASK: usize = (1 << 16) - 1;
/// A head with no position yet.
const EMPTY: u32 = u32::MAX;

/// Hash chain tables, reused across calls (allocated on first use).
pub(super) struct Chains {
    /// Most recent position per hash.
    head: Vec<u32>,
    /// Distance to the previous position with the same hash, per position modulo 64 Ki
    /// (0 = none within the window).
    chain: Vec<u16>,
}

/// Search effort for a level: candidates walked per position.
fn attempts(level: u32) -> usize {
    match level {
        // Twice C's chain depth from level 3 on: our one-step-lazy parse is simpler than C's
        // overlapping-match parse and needs the deeper search to match its ratio.
        0..=2 => 2,
        3..=9 => 1 << level,
        10 => 1024,
        11 => 4096,
        _ => 16_384,
    }
}

/// 4-byte hash into `HASH_LOG` bits.
#[inline(always)]
fn hash4(s: &[u8], i: usize) -> usize {
    (read_u32(s, i).wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

/// The running state of one compression.
struct Matcher<'a> {
    /// Input.
    src: &'a [u8],
    /// Chain heads.
    head: &'a mut [u32],
    /// Chain deltas.
    chain: &'a mut [u16],
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
    #[expect(
        clippy::cast_possible_truncation,
        reason = "inputs are at most 0x7E00_0000 bytes"
    )]
    fn insert_until(&mut self, ip: usize) {
        while self.next_insert < ip {
            let p = self.next_insert;
            let h = hash4(self.src, p);
            let prev = self.head[h];
            let delta = if prev == EMPTY { 0 } else { p - prev as usize };
            self.chain[p & CHAIN_MASK] = if delta <= MAX_DISTANCE {
                delta as u16
            } else {
                0
            };
            self.head[h] = p as u32;
            self.next_insert += 1;
        }
    }

    /// Best match covering position `ip` among the chain candidates, each extended backwards
    /// over the pending literals (down to `anchor`): (start, length, match position); length <
    /// `MIN_MATCH` means none.
    #[inline(always)]
    fn find(&mut self, ip: usize, anchor: usize) -> (usize, usize, usize) {
        self.insert_until(ip);
        let src = self.src;
        let limit = self.match_limit;
        let first = read_u32(src, ip);
        let mut best = MIN_MATCH - 1;
        let mut best_fwd = MIN_MATCH - 1;
        let (mut best_start, mut best_pos) = (ip, 0);
        let cand = self.head[hash4(src, ip)];
        if cand == EMPTY {
            return (ip, 0, 0);
        }
        let mut left = self.attempts;
        let mut c = cand as usize;
        while left > 0 && ip - c <= MAX_DISTANCE {
            left -= 1;
            // Cheap rejection: the byte that would make this candidate longer must match.
            if src[c + best_fwd] == src[ip + best_fwd] && read_u32(src, c) == first {
                let fwd = MIN_MATCH + count(src, ip + MIN_MATCH, c + MIN_MATCH, limit);
                let mut back = 0;
                while ip - back > anchor && c > back && src[ip - back - 1] == src[c - back - 1] {
                    back += 1;
                }
                if fwd + back > best {
                    best = fwd + back;
                    best_fwd = fwd.max(best_fwd);
                    best_start = ip - back;
                    best_pos = c - back;
                    if ip + fwd >= limit {
                        break;
                    }
                }
            }
            let d = usize::from(self.chain[c & CHAIN_MASK]);
            if d == 0 || d > c {
                break;
            }
            c -= d;
        }
        (best_start, best, best_pos)
    }
}

impl Chains {
    /// Empty state; tables are allocated by the first [`Chains::compress`].
    pub(super) fn new() -> Self {
        Self {
            head: Vec::new(),
            chain: Vec::new(),
        }
    }

    /// Compresses `src` (at least `MIN_INPUT` bytes) at `level` 1..=12.
    pub(super) fn compress(&mut self, src: &[u8], dst: &mut [u8], level: u32) -> Option<usize> {
        if self.head.is_empty() {
            self.head = vec![EMPTY; 1 << HASH_LOG];
            self.chain = vec![0; CHAIN_MASK + 1];
        } else {
            self.head.fill(EMPTY);
        }
        let n = src.len();
        let mut mm = Matcher {
            src,
            head: &mut self.head,
            chain: &mut self.chain,
            next_insert: 0,
            match_limit: n - LAST_LITERALS,
            attempts: attempts(level),
        };
        // Last position where a match may start.
        let mf_limit = n - MF_LIMIT;
        let lookahead = if level >= 3 { 2 } else { 1 };
        let mut op = 0;
        let mut anchor = 0;
        let mut ip = 0;
        while ip <= mf_limit {
            let (mut start, mut len, mut m) = mm.find(ip, anchor);
            if len < MIN_MATCH {
                ip += 1;
                continue;
            }
            // Lazy matching: a longer match found a little later wins over this one.
            let mut at = ip;
            'lazy: loop {
                for ahead in 1..=lookahead {
                    let next = at + ahead;
                    if next > mf_limit || start + len >= mm.match_limit {
                        break 'lazy;
                    }
                    let (start2, len2, m2) = mm.find(next, anchor);
                    if len2 >= MIN_MATCH && start2 + len2 > start + len + usize::from(ahead > 1) {
                        let gain = (start2 + len2) - (start + len);
                        // Moving the start later turns bytes into literals: worth it only if
                        // the match reaches further than it costs.
                        if start2 <= start || gain > start2 - start {
                            at = next;
                            start = start2;
                            len = len2;
                            m = m2;
                            continue 'lazy;
                        }
                    }
                }
                break;
            }
            op = write_sequence(dst, op, src, anchor, start, start - m, len)?;
            ip = start + len;
            anchor = ip;
        }
        write_last_literals(dst, op, src, anchor)
    }
}
