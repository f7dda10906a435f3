//! Raw-pointer versions of the decoder's wide copies (compiled only with the `simd` feature).
//!
//! Same chunking as the safe [`super::copy::Safe`], minus the per-chunk bounds checks: each
//! routine checks once that all chunks it will touch are in bounds, then copies with unaligned
//! pointer reads and writes. The fast sequence loop ([`Wide::fast_sequences`], the decoder's hot
//! loop) checks once per sequence that the whole sequence, with its slack, fits in both buffers.
//!
//! Invariants every `unsafe` block relies on:
//! 1. Before a copy (or a chunk loop), the routine has checked that the last byte any chunk reads
//!    or writes is inside its slice (`src` for literals, tokens and offsets, `dst` for matches),
//!    so every pointer formed is in bounds of its allocation.
//! 2. Reads and writes go through `read_unaligned` / `write_unaligned` (or `copy_nonoverlapping`
//!    between distinct slices), so alignment never matters.
//! 3. Within one piece of a match copy, source and destination ranges do not overlap (the match
//!    distance is at least the piece size), or the piece is a register value (pattern), so a read
//!    never observes a partial write.
//! 4. A raw pointer into `dst` is used only while `dst` itself is not (its length is read before
//!    the pointer is taken), so the pointer stays valid.
#![allow(
    unsafe_code,
    reason = "bounds-check-free wide copies in the LZ4 decoder hot loop"
)]

use super::MIN_MATCH;
use super::copy::{
    CHUNK, Copier, FAST_DST, FAST_SRC, LONG_MATCH, RUN_FILL, copy_match_doubling, copy_match_exact,
    extra_len, pattern, pattern_of, pattern_small,
};

/// Wide copies with raw pointers; matches of 19-511 bytes are copied `V` bytes at a time when
/// their offset allows (`V` = 32, or 64 in the AVX-512 build of the decoder).
///
/// `Wide<64>` calls code compiled for AVX-512 F and BW on x86-64: it must run only on CPUs that
/// have them (the decoder's dispatch and the tests check first).
pub(super) struct Wide<const V: usize>;

impl<const V: usize> Copier for Wide<V> {
    #[inline(always)]
    fn copy16(src: &[u8], s: usize, dst: &mut [u8], d: usize) {
        // The caller has already checked this; after inlining the compiler drops the repeat.
        if s + CHUNK <= src.len() && d + CHUNK <= dst.len() {
            // SAFETY: both 16-byte ranges were just checked (1); distinct slices (2).
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr().add(s), dst.as_mut_ptr().add(d), CHUNK);
            }
        } else {
            dst[d..d + CHUNK].copy_from_slice(&src[s..s + CHUNK]);
        }
    }
    #[inline(always)]
    fn copy_literals(src: &[u8], s: usize, dst: &mut [u8], d: usize, len: usize) {
        // Short literal runs (the common case) take one chunk, without a loop.
        if len <= CHUNK && s + CHUNK <= src.len() && d + CHUNK <= dst.len() {
            // SAFETY: both 16-byte ranges were just checked (1); distinct slices (2).
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr().add(s), dst.as_mut_ptr().add(d), CHUNK);
            }
            return;
        }
        let padded = len.next_multiple_of(CHUNK);
        if s + padded <= src.len() && d + padded <= dst.len() {
            let from = src.as_ptr();
            let to = dst.as_mut_ptr();
            let mut x = 0;
            while x < len {
                // SAFETY: x + 16 <= padded, and s + padded / d + padded are in bounds (1); src
                // and dst are distinct slices (a & and a &mut), so they cannot overlap (2).
                unsafe {
                    std::ptr::copy_nonoverlapping(from.add(s + x), to.add(d + x), CHUNK);
                }
                x += CHUNK;
            }
        } else {
            dst[d..d + len].copy_from_slice(&src[s..s + len]);
        }
    }

    #[inline(always)]
    fn fast_sequences(src: &[u8], ip: usize, dst: &mut [u8], op: usize) -> (usize, usize) {
        let (mut ip, mut op) = (ip, op);
        // Loop bounds as differences, so the per-sequence test is two compares.
        let (Some(ilimit), Some(olimit)) = (
            src.len().checked_sub(FAST_SRC),
            dst.len().checked_sub(FAST_DST),
        ) else {
            return (ip, op);
        };
        // `dst` is not touched again below: all accesses go through `base`.
        let dlen = dst.len();
        let from = src.as_ptr();
        let base = dst.as_mut_ptr();
        while ip <= ilimit && op <= olimit {
            // SAFETY: ip + FAST_SRC <= src.len() (1).
            let token = unsafe { from.add(ip).read() };
            let mut lit = usize::from(token >> 4);
            let mut at = ip + 1;
            if lit == 15 {
                // Out of line: inlined, its loops cost the sequence loop the registers that
                // hold its positions (the output position was spilled to the stack).
                // SAFETY: ip + FAST_SRC <= src.len() and op <= olimit = dst.len() - FAST_DST,
                // as `long_literals` requires; `base` is dst's pointer. `Wide<64>` runs only
                // where AVX-512 F and BW were detected (its contract).
                let run = unsafe { long_literals_v::<V>(src, at, base, op, olimit) };
                let Some((n, a)) = run else {
                    break;
                };
                (lit, at) = (n, a);
            } else {
                // SAFETY: at + 16 = ip + FAST_SRC <= src.len(), op + 16 <= dst.len() (1);
                // distinct slices (2).
                unsafe {
                    std::ptr::copy_nonoverlapping(from.add(at), base.add(op), CHUNK);
                }
            }
            let p = at + lit;
            // SAFETY: p + 2 <= ip + 17 (short run) or <= at + lit + 16 (long run), both within
            // src (1); unaligned (2).
            let offset = usize::from(u16::from_le(unsafe {
                from.add(p).cast::<u16>().read_unaligned()
            }));
            // From here on d <= op + 14 (short run) or d <= olimit (long run): at least 50
            // bytes of dst remain after d.
            let d = op + lit;
            if offset.wrapping_sub(1) >= d {
                // Zero or before the output start: the general path reports it (or uses the
                // dictionary); the literals written so far are simply written again.
                break;
            }
            let m = d - offset;
            let mut q = p + 2;
            let mut len = usize::from(token & 15);
            if len == 15 {
                let Some(extra) = extra_len(src, &mut q, LONG_MATCH) else {
                    break;
                };
                len += extra + MIN_MATCH;
                // (dlen - d >= 50, see above: no underflow.)
                if len >= LONG_MATCH || len + V.max(2 * CHUNK) > dlen - d {
                    break;
                }
                // SAFETY: m < d and d + len + max(V, 32) <= dst.len() were just checked (1).
                unsafe { copy_long_match::<V>(base, m, d, len) };
            } else {
                len += MIN_MATCH;
                // SAFETY: m < d, and every store ends by d + 32 <= dst.len() (1); unaligned (2);
                // offset >= 8 pieces are read whole before they are written, patterns are
                // registers (3).
                unsafe {
                    if offset >= 8 {
                        // 8 + 8 + 2 bytes: the last piece is small so that its load stays
                        // inside one recent store (store forwarding) more often.
                        let v = base.add(m).cast::<u64>().read_unaligned();
                        base.add(d).cast::<u64>().write_unaligned(v);
                        let v = base.add(m + 8).cast::<u64>().read_unaligned();
                        base.add(d + 8).cast::<u64>().write_unaligned(v);
                        let v = base.add(m + 16).cast::<u16>().read_unaligned();
                        base.add(d + 16).cast::<u16>().write_unaligned(v);
                    } else {
                        short_pattern(base, m, d, offset);
                    }
                }
            }
            ip = q;
            op = d + len;
        }
        (ip, op)
    }

    #[inline(always)]
    fn copy_match_wide(dst: &mut [u8], m: usize, d: usize, len: usize) {
        let offset = d - m;
        let end = d + len;
        // The caller has already checked this; after inlining the compiler drops the repeat.
        if end + 2 * CHUNK > dst.len() || m >= d {
            copy_match_exact(dst, m, d, len);
            return;
        }
        if offset >= CHUNK {
            if len >= LONG_MATCH {
                copy_match_doubling(dst, m, d, 0, len);
                return;
            }
            let base = dst.as_mut_ptr();
            // Two chunks unconditionally (most matches are at most 32 bytes: no loop branch to
            // mispredict), then the rest.
            let mut x = 0;
            loop {
                // SAFETY: x < len, so the chunks end before d + len + 32 <= dst.len() and read
                // below them (m < d) (1); unaligned (2); offset >= 16, so each chunk is read
                // entirely before it is written, through a register (3).
                unsafe {
                    let v = base.add(m + x).cast::<[u8; CHUNK]>().read_unaligned();
                    base.add(d + x).cast::<[u8; CHUNK]>().write_unaligned(v);
                    let v = base
                        .add(m + x + CHUNK)
                        .cast::<[u8; CHUNK]>()
                        .read_unaligned();
                    base.add(d + x + CHUNK)
                        .cast::<[u8; CHUNK]>()
                        .write_unaligned(v);
                }
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
            let base = dst.as_mut_ptr();
            let mut x = d;
            loop {
                // SAFETY: x < end and step <= 16, so both stores end before
                // end + 32 <= dst.len() (1); unaligned (2); the stored value is a register (3).
                unsafe {
                    base.add(x).cast::<[u8; CHUNK]>().write_unaligned(pat);
                    base.add(x + step)
                        .cast::<[u8; CHUNK]>()
                        .write_unaligned(pat);
                }
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

/// A literal run of 15 bytes or more in the fast loop, its token at `at - 1`: reads the extra
/// length bytes and copies the run to `base + op` in 32-byte pieces. Returns the run's length
/// and where it starts in `src`, or `None` (nothing needs undoing) when the run and the 32
/// bytes after it do not fit both buffers' room: the general path decodes it then.
///
/// # Safety
/// `at <= src.len()`, `op <= olimit`, and `base` points to a buffer (distinct from `src`) of
/// at least `olimit + FAST_DST` bytes.
#[inline(never)]
unsafe fn long_literals(
    src: &[u8],
    at: usize,
    base: *mut u8,
    op: usize,
    olimit: usize,
) -> Option<(usize, usize)> {
    // SAFETY: this function's contract.
    unsafe { long_literals_in::<{ 2 * CHUNK }>(src, at, base, op, olimit) }
}

/// [`long_literals`] for `Wide<V>`: the AVX-512 version for `V` = 64 on x86-64.
///
/// # Safety
/// As [`long_literals`]; with `V` = 64 on x86-64 the CPU has AVX-512 F and BW.
#[inline(always)]
unsafe fn long_literals_v<const V: usize>(
    src: &[u8],
    at: usize,
    base: *mut u8,
    op: usize,
    olimit: usize,
) -> Option<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    if V == 4 * CHUNK {
        // SAFETY: this function's contract.
        return unsafe { long_literals_64(src, at, base, op, olimit) };
    }
    // SAFETY: this function's contract.
    unsafe { long_literals(src, at, base, op, olimit) }
}

/// [`long_literals`] in 64-byte pieces, compiled for AVX-512 (one move each): the literal runs
/// of noisy byte planes (random walks) are mostly 15-64 bytes.
///
/// # Safety
/// As [`long_literals`], and the CPU has AVX-512 F and BW.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn long_literals_64(
    src: &[u8],
    at: usize,
    base: *mut u8,
    op: usize,
    olimit: usize,
) -> Option<(usize, usize)> {
    // SAFETY: this function's contract.
    unsafe { long_literals_in::<{ 4 * CHUNK }>(src, at, base, op, olimit) }
}

/// Copies `src[at..at + lit]` to `base + op` in `P`-byte pieces (the last one runs past `lit`).
///
/// # Safety
/// `at + lit + P <= src.len()`, `op + lit + P` is within the buffer `base` points into, and
/// that buffer is not `src`.
#[inline(always)]
unsafe fn copy_pieces<const P: usize>(src: &[u8], at: usize, base: *mut u8, op: usize, lit: usize) {
    let from = src.as_ptr();
    let mut x = 0;
    while x < lit {
        // SAFETY: x < lit: the piece ends before at + lit + P and op + lit + P, both in
        // bounds (1); distinct buffers (2).
        unsafe { std::ptr::copy_nonoverlapping(from.add(at + x), base.add(op + x), P) };
        x += P;
    }
}

/// The body of [`long_literals`], copying `P`-byte pieces (32 or 64); runs whose pieces would
/// not fit fall back to 32-byte pieces or to `None`.
///
/// # Safety
/// As [`long_literals`].
#[inline(always)]
unsafe fn long_literals_in<const P: usize>(
    src: &[u8],
    mut at: usize,
    base: *mut u8,
    op: usize,
    olimit: usize,
) -> Option<(usize, usize)> {
    let lit = 15 + extra_len(src, &mut at, olimit - op)?;
    // The literals and the offset, read in whole pieces, and room for the rest of the
    // sequence after them (at <= src.len() after `extra_len`).
    if lit > olimit - op || lit + 2 * CHUNK > src.len() - at {
        return None;
    }
    // Wider pieces when they fit: the last one ends before op + lit + P <= olimit + 32 and
    // at + lit + P <= src.len() (with P = 32 the checks above are exactly these).
    if lit + P <= olimit - op + 2 * CHUNK && lit + P <= src.len() - at {
        // SAFETY: just checked, as `copy_pieces` requires.
        unsafe { copy_pieces::<P>(src, at, base, op, lit) };
    } else {
        // SAFETY: at + lit + 32 <= src.len() and op + lit + 32 <= olimit + 32 were checked
        // above.
        unsafe { copy_pieces::<{ 2 * CHUNK }>(src, at, base, op, lit) };
    }
    Some((lit, at))
}

/// A short match (at most 18 bytes) with an offset under 8: two 16-byte stores of the
/// repeated period. Out of line: inlined, the pattern table and its multiply cost the sequence
/// loop registers.
///
/// # Safety
/// `m < d`, `m + 8 <= d + 8` and `d + 32` are within the buffer `base` points into (1).
#[inline(never)]
unsafe fn short_pattern(base: *mut u8, m: usize, d: usize, offset: usize) {
    // SAFETY: m + 8 <= d + 8 and both stores end by d + step + 16 <= d + 32, inside the
    // buffer (1); unaligned (2); the stored value is a register (3).
    unsafe {
        let seed = base.add(m).cast::<u64>().read_unaligned();
        let (pat, step) = pattern_small(seed, offset);
        base.add(d).cast::<[u8; CHUNK]>().write_unaligned(pat);
        base.add(d + step)
            .cast::<[u8; CHUNK]>()
            .write_unaligned(pat);
    }
}

/// LZ77 copy of `len` bytes from `m` to `d` in the buffer at `base`, in 32- or 16-byte stores
/// (or a pattern for offsets under 16).
///
/// # Safety
/// `m < d` and `d + len + max(V, 32)` is within the buffer `base` points into (1).
#[inline(always)]
unsafe fn copy_long_match<const V: usize>(base: *mut u8, m: usize, d: usize, len: usize) {
    let offset = d - m;
    let end = d + len;
    if V == 4 * CHUNK && offset >= V {
        // 64 bytes at a time (one move under AVX-512): most matches of 19-64 bytes in smooth
        // byte planes take one step.
        let mut x = 0;
        loop {
            // SAFETY: x < len: the piece ends before d + len + 64, inside the buffer, and
            // reads below it (1); unaligned (2); offset >= 64: read whole before written (3).
            unsafe {
                let v = base.add(m + x).cast::<[u8; 4 * CHUNK]>().read_unaligned();
                base.add(d + x).cast::<[u8; 4 * CHUNK]>().write_unaligned(v);
            }
            x += 4 * CHUNK;
            if x >= len {
                break;
            }
        }
    } else if offset >= 2 * CHUNK {
        // 32 bytes at a time (one move under AVX2, see `decode::dispatch`): matches of 19-32
        // bytes, a quarter of them in smooth byte planes, take one step and no loop branch.
        let mut x = 0;
        loop {
            // SAFETY: x < len: the piece ends before d + len + 32, inside the buffer, and
            // reads below it (1); unaligned (2); offset >= 32: read whole before written (3).
            unsafe {
                let v = base.add(m + x).cast::<[u8; 2 * CHUNK]>().read_unaligned();
                base.add(d + x).cast::<[u8; 2 * CHUNK]>().write_unaligned(v);
            }
            x += 2 * CHUNK;
            if x >= len {
                break;
            }
        }
    } else if offset >= CHUNK {
        let mut x = 0;
        loop {
            // SAFETY: x < len: the chunk ends before d + len + 16, inside the buffer, and
            // reads below it (1); unaligned (2); offset >= 16: read whole before written (3).
            unsafe {
                let v = base.add(m + x).cast::<[u8; CHUNK]>().read_unaligned();
                base.add(d + x).cast::<[u8; CHUNK]>().write_unaligned(v);
            }
            x += CHUNK;
            if x >= len {
                break;
            }
        }
    } else {
        // SAFETY: m + 16 <= d + 16, inside the buffer (1); unaligned (2).
        let seed = unsafe { base.add(m).cast::<[u8; CHUNK]>().read_unaligned() };
        let (pat, step) = pattern_of(seed, offset);
        let mut x = d;
        loop {
            // SAFETY: x < end: the store ends before end + 16, inside the buffer (1);
            // unaligned (2); a register value (3).
            unsafe {
                base.add(x).cast::<[u8; CHUNK]>().write_unaligned(pat);
            }
            x += step;
            if x >= end {
                break;
            }
        }
    }
}
