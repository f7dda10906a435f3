//! Raw-pointer versions of the decoder's wide copies (compiled only with the `simd` feature).
//!
//! Same chunking as the safe [`super::copy::Safe`], minus the per-chunk bounds checks: each
//! routine checks once that all chunks it will touch are in bounds, then copies with unaligned
//! pointer reads and writes.
//!
//! Invariants every `unsafe` block relies on:
//! 1. Before a chunk loop, the routine has checked that the last byte any chunk reads or writes is
//!    inside its slice (`src` for literals, `dst` for matches), so every pointer formed is in
//!    bounds of its allocation.
//! 2. Reads and writes go through `read_unaligned` / `write_unaligned` (or `copy_nonoverlapping`
//!    between distinct slices), so alignment never matters.
//! 3. Within one chunk of a match copy, source and destination ranges do not overlap (distance
//!    >= 16), or the chunk is a register value (pattern), so a read never observes a partial write.
#![allow(
    unsafe_code,
    reason = "bounds-check-free wide copies in the LZ4 decoder hot loop"
)]

use super::copy::{
    CHUNK, Copier, LONG_MATCH, RUN_FILL, copy_match_doubling, copy_match_exact, pattern,
};

/// Wide copies with raw pointers.
pub(super) struct Wide;

impl Copier for Wide {
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
