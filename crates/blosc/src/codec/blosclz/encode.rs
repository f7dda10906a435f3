//! BloscLZ encoder following the heuristics of the C encoders (BloscLZ 2.5.1 and 2.5.3), so that
//! its output is byte-identical to theirs (format notes §5.2).
//!
//! Both C versions share the main loop: a single-entry hash table of 4-byte sequences, greedy
//! matches, a length backed off by `ipshift` bytes after extension, re-hashing at the match end.
//! They differ in the entropy probe run first on a window at the end of the stream
//! ([`Encoder::probe`]) and in the minimum match length.

use super::{Flavor, MAX_COPY, MAX_DISTANCE, MAX_FARDISTANCE};

/// log2 of the largest hash table (clevel >= 3).
const HASH_LOG: u32 = 14;
/// log2 of the hash table of the BloscLZ 2.5.1 entropy probe.
const PROBE_HASH_LOG_V1: u32 = 12;
/// Literal-run control byte written before the run length is known (patched later).
const COPY_PLACEHOLDER: u8 = 31;
/// Minimum estimated compression ratio of the probe, by clevel (index 0 unused).
const MIN_CRATIO: [f64; 10] = [0.0, 2.0, 1.5, 1.2, 1.2, 1.2, 1.2, 1.15, 1.1, 1.0];

/// Reusable state (hash table) created once per thread and reused: no allocation per call.
pub(crate) struct Encoder {
    /// Positions of the last 4-byte sequence seen per hash, `1 << HASH_LOG` entries; the probe
    /// and the main loop clear only the prefix they use.
    htab: Box<[u32; 1 << HASH_LOG]>,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").finish_non_exhaustive()
    }
}

/// Little-endian 4-byte load; the callers keep `i + 4 <= s.len()`.
#[inline(always)]
fn read32(s: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(s[i..i + 4].try_into().unwrap_or([0; 4]))
}

/// Multiplicative (LZ4-style) hash keeping the top `hashlog` bits.
#[inline(always)]
fn hash(seq: u32, hashlog: u32) -> usize {
    // The mask is a no-op (hashlog <= HASH_LOG); it lets the compiler drop the table's bounds
    // checks.
    (seq.wrapping_mul(2_654_435_761) >> (32 - hashlog)) as usize & ((1 << HASH_LOG) - 1)
}

/// Little-endian 8-byte load; the callers keep `i + 8 <= s.len()`.
#[inline(always)]
fn load64(s: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]))
}

/// Bytes compared per step by the wide loop of [`extend`].
const WIDE: usize = 32;

/// The `WIDE` bytes at `i`, if in bounds; an array so that comparing two is one vector compare.
#[inline(always)]
fn wide(s: &[u8], i: usize) -> Option<&[u8; WIDE]> {
    s.get(i..i + WIDE)?.try_into().ok()
}

/// Extends a match whose bytes before `i` agree with those `dist` bytes earlier.
///
/// Returns one past the first mismatching index, capped at `bound`: the C helpers (`get_match`,
/// `get_run`, in every SIMD variant) all return this, and the encoder's length arithmetic
/// depends on the "one past" quirk.
#[inline(always)]
fn extend(s: &[u8], mut i: usize, dist: usize, bound: usize) -> usize {
    // Most matches end within 8 bytes: settle those before the wide loop.
    if i + 8 <= bound {
        let x = load64(s, i) ^ load64(s, i - dist);
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize + 1;
        }
        i += 8;
    }
    // Then whole 32-byte blocks (one vector compare each): byte-shuffled numeric data is mostly
    // long runs, where this loop is where the encoder spends its time.
    while i + WIDE <= bound {
        let (Some(x), Some(y)) = (wide(s, i), wide(s, i - dist)) else {
            break;
        };
        if x != y {
            break;
        }
        i += WIDE;
    }
    while i + 8 <= bound {
        let x = load64(s, i) ^ load64(s, i - dist);
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize + 1;
        }
        i += 8;
    }
    while i < bound {
        if s[i] != s[i - dist] {
            return i + 1;
        }
        i += 1;
    }
    bound
}

/// Bytes taken by the length extension of a long match (`len >= 7`) after its control byte.
#[inline(always)]
fn long_len_bytes(len: usize) -> usize {
    (len - 7) / 255 + 1
}

impl Encoder {
    /// Allocates the hash table (64 KiB) once.
    pub(crate) fn new() -> Self {
        Self {
            htab: Box::new([0; 1 << HASH_LOG]),
        }
    }

    /// Compress `src` at `clevel` 1..=9 into `dst` (dst.len() = Blosc's maxout). Returns the compressed
    /// size, or 0 when the data is judged incompressible (the entropy probe) or does not fit in dst;
    /// Blosc then stores the stream raw. Never returns a size equal to src.len() (return 0 instead),
    /// and the stream always ends with a literal run.
    ///
    /// A clevel of 0 returns 0 (Blosc stores such chunks raw); above 9 counts as 9.
    pub(crate) fn compress(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        clevel: u8,
        flavor: Flavor,
    ) -> usize {
        if clevel == 0 {
            return 0;
        }
        let clevel = usize::from(clevel.min(9));
        let hashlog = match clevel {
            1 => HASH_LOG - 2,
            2 => HASH_LOG - 1,
            _ => HASH_LOG,
        };
        let length = src.len();
        // Entropy probe on a window at the end of the stream; both C versions probe before
        // checking the minimum sizes.
        let ipshift = match flavor {
            Flavor::Blosc1 { split } => {
                let maxlen = length / 4;
                let cratio = self.probe(&src[length - maxlen..], PROBE_HASH_LOG_V1, 3);
                if cratio < MIN_CRATIO[clevel] {
                    return 0;
                }
                // 2.5.1: short matches pay off for unsplit or poorly compressible streams.
                if !split || cratio < 4.0 { 3 } else { 4 }
            }
            Flavor::Blosc2 => {
                let maxlen = match clevel {
                    1 => length / 8,
                    2 | 3 => length / 4,
                    4..=6 => length / 2,
                    _ => length,
                };
                let cratio = self.probe(&src[length - maxlen..], hashlog, 4);
                if cratio < MIN_CRATIO[clevel] {
                    return 0;
                }
                4
            }
        };
        if length < 16 || dst.len() < 66 {
            return 0;
        }
        // Monomorphised per hash size: the shift becomes a constant and frees a register.
        let out = match (hashlog, clevel) {
            (12, _) => self.compress_main::<12, false>(src, dst, ipshift),
            (13, _) => self.compress_main::<13, false>(src, dst, ipshift),
            (_, 9) => self.compress_main::<HASH_LOG, true>(src, dst, ipshift),
            _ => self.compress_main::<HASH_LOG, false>(src, dst, ipshift),
        };
        match out {
            Some(n) if n < length => n,
            _ => 0,
        }
    }

    /// The C `get_cratio`: simulates the main loop on the first `min(window.len(), 1 << hashlog)`
    /// bytes of `window` (from its start, not its end), counting output bytes, and returns
    /// input / output. `ipshift` is also the minimum match length.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "windows are shorter than 2^14 bytes"
    )]
    fn probe(&mut self, window: &[u8], hashlog: u32, ipshift: usize) -> f64 {
        let limit = window.len().min(1 << hashlog);
        if limit <= 12 {
            // The C loop does not run: 0 bytes in, 5 out.
            return 0.0;
        }
        let s = &window[..limit];
        let htab = &mut *self.htab;
        htab[..1 << hashlog].fill(0);
        let ip_bound = limit - 1;
        let ip_limit = limit - 12;
        // Output estimate: a literal run of 4 opened by its control byte.
        let mut copy = 4;
        let mut oc: usize = 5;
        let mut ip = 0;
        while ip < ip_limit {
            let anchor = ip;
            let seq = read32(s, ip);
            let h = hash(seq, hashlog);
            let r = htab[h] as usize;
            htab[h] = anchor as u32;
            let distance = anchor - r;
            let mut matched = None;
            if distance != 0 && distance < MAX_FARDISTANCE && read32(s, r) == seq {
                let end = extend(s, anchor + 4, distance, ip_bound) - ipshift;
                if end - anchor >= ipshift {
                    matched = Some(end);
                }
            }
            let Some(end) = matched else {
                oc += 1;
                ip = anchor + 1;
                copy += 1;
                if copy == MAX_COPY {
                    copy = 0;
                    oc += 1;
                }
                continue;
            };
            let len = end - anchor;
            if copy == 0 {
                oc -= 1;
            }
            copy = 0;
            if len >= 7 {
                oc += long_len_bytes(len);
            }
            oc += if distance - 1 < MAX_DISTANCE { 2 } else { 4 };
            let h = hash(read32(s, end), hashlog);
            htab[h] = end as u32;
            ip = end + 2;
            oc += 1;
        }
        ip as f64 / oc as f64
    }

    /// The C main loop. Returns the stream size, or None when it does not fit in `dst`.
    /// `REHASH_NEXT` (clevel 9) also hashes the position after a match.
    /// Requires `src.len() >= 16` and `dst.len() >= 66`.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "Blosc streams are shorter than 2^31 bytes; literal counts are below 32"
    )]
    fn compress_main<const HASHLOG: u32, const REHASH_NEXT: bool>(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        ipshift: usize,
    ) -> Option<usize> {
        let hashlog = HASHLOG;
        let length = src.len();
        let op_limit = dst.len();
        let ip_bound = length - 1;
        let ip_limit = length - 12;
        let htab = &mut *self.htab;
        htab[..1 << hashlog].fill(0);
        let minlen = ipshift;

        // The stream opens with a literal run holding the first 4 bytes.
        dst[0] = COPY_PLACEHOLDER;
        dst[1..5].copy_from_slice(&src[..4]);
        let mut op = 5;
        let mut ip = 4;
        let mut copy = 4;

        while ip < ip_limit {
            let anchor = ip;
            let seq = read32(src, ip);
            let h = hash(seq, hashlog);
            let r = htab[h] as usize;
            htab[h] = anchor as u32;
            let distance = anchor - r;
            let mut matched = None;
            if distance != 0 && distance < MAX_FARDISTANCE && read32(src, r) == seq {
                let end = extend(src, anchor + 4, distance, ip_bound) - ipshift;
                let len = end - anchor;
                // Short far matches cost as much as literals and decode slower.
                if len >= minlen && (len > 5 || distance - 1 < MAX_DISTANCE) {
                    matched = Some(end);
                }
            }
            let Some(end) = matched else {
                // C requires room for the byte and a possible next control byte.
                let out = dst.get_mut(op..op + 2)?;
                out[0] = seq.to_le_bytes()[0];
                op += 1;
                ip = anchor + 1;
                copy += 1;
                if copy == MAX_COPY {
                    copy = 0;
                    out[1] = COPY_PLACEHOLDER;
                    op += 1;
                }
                continue;
            };
            let len = end - anchor;
            // Close the pending literal run, or drop its unused control byte.
            if copy != 0 {
                dst[op - copy - 1] = (copy - 1) as u8;
            } else {
                op -= 1;
            }
            copy = 0;
            op = emit_match(dst, op, len, distance - 1)?;

            let seq = read32(src, end);
            htab[hash(seq, hashlog)] = end as u32;
            if REHASH_NEXT {
                // clevel 9 also hashes the next position, from the same (shifted) load: only 3
                // data bytes, as in C.
                htab[hash(seq >> 8, hashlog)] = (end + 1) as u32;
            }
            ip = end + 2;
            if op + 1 > op_limit {
                return None;
            }
            dst[op] = COPY_PLACEHOLDER;
            op += 1;
        }

        // Leftover bytes as literals.
        while ip <= ip_bound {
            if op + 2 > op_limit {
                return None;
            }
            dst[op] = src[ip];
            op += 1;
            ip += 1;
            copy += 1;
            if copy == MAX_COPY {
                copy = 0;
                dst[op] = COPY_PLACEHOLDER;
                op += 1;
            }
        }
        if copy != 0 {
            dst[op - copy - 1] = (copy - 1) as u8;
        } else {
            op -= 1;
        }
        // Format marker in the top bits of the first control byte.
        dst[0] |= 1 << 5;
        Some(op)
    }
}

/// Writes a match of encoded length `len` (copies `len + 2` bytes) at biased distance `dist`
/// (distance - 1). Returns the new output position, or None when it does not fit (C fails the
/// whole stream then, whichever of its byte-by-byte checks trips first).
#[inline(always)]
#[expect(
    clippy::cast_possible_truncation,
    reason = "values are masked or bounded below 256"
)]
fn emit_match(dst: &mut [u8], op: usize, len: usize, dist: usize) -> Option<usize> {
    let (near, d) = if dist < MAX_DISTANCE {
        (true, dist)
    } else {
        (false, dist - MAX_DISTANCE)
    };
    let ext = if len >= 7 { long_len_bytes(len) } else { 0 };
    let total = 1 + ext + if near { 1 } else { 3 };
    let out = dst.get_mut(op..op + total)?;
    let code = len.min(7) << 5;
    if near {
        out[0] = (code + (d >> 8)) as u8;
    } else {
        out[0] = (code + 31) as u8;
    }
    if len >= 7 {
        let mut rest = len - 7;
        let mut k = 1;
        while rest >= 255 {
            out[k] = 255;
            k += 1;
            rest -= 255;
        }
        out[k] = rest as u8;
    }
    if near {
        out[total - 1] = (d & 255) as u8;
    } else {
        out[total - 3] = 255;
        out[total - 2] = (d >> 8) as u8;
        out[total - 1] = (d & 255) as u8;
    }
    Some(op + total)
}

#[cfg(test)]
mod tests {
    use super::extend;

    #[test]
    fn extend_matches_bytewise_at_every_mismatch_offset() {
        for dist in [1, 3, 8] {
            for len in 0..100 {
                for bound_slack in 0..3 {
                    // Bytes repeating with period `dist`, broken at `dist + len`.
                    let mut s: Vec<u8> = (0..dist + len + 40)
                        .map(|i| [1, 2, 3][i % dist % 3])
                        .collect();
                    s[dist + len] = 0xff;
                    let bound = (dist + len + 1 + bound_slack).min(s.len());
                    let naive = (dist..bound)
                        .find(|&i| s[i] != s[i - dist])
                        .map_or(bound, |i| i + 1);
                    assert_eq!(extend(&s, dist, dist, bound), naive, "{dist} {len} {bound}");
                }
            }
        }
    }
}
