//! BloscLZ: the default codec of Blosc, a FastLZ-derived byte-oriented LZ77 format.
//!
//! Safe code only. The stream format is the same in every C-Blosc since 1.x (format notes §5.1):
//!
//! ```text
//! stream      := literal (literal | match)* ; the stream ends after a literal run
//! literal     := c:u8 (c < 32) byte{c + 1}   ; the first c has the 0x20 marker bit, ignored
//! match       := c:u8 (c >= 32) ext* lo:u8 far?
//!   L = c >> 5, hi = c & 31
//!   ext         only when L = 7: bytes added to the length while they are 255, then one < 255
//!   length      = L + 2, or 9 + sum(ext) when L = 7
//!   distance    = hi * 256 + lo + 1, or, when hi = 31 and lo = 255 (far), 8192 + big-endian u16
//! ```
//!
//! The encoder ([`Encoder`]) follows the C encoders' heuristics so that, at one thread, its
//! streams are byte-identical to those of C-Blosc 1.21 (BloscLZ 2.5.1, [`Flavor::Blosc1`]) and of
//! C-Blosc2 3.x (BloscLZ 2.5.3, [`Flavor::Blosc2`]). The two differ only in the entropy probe that
//! decides whether a stream is worth compressing and in the minimum match length.
//!
//! # Trailing matches
//!
//! The C decoder checks for the end of the input after parsing a match but before copying it, so
//! a match that ends the input is dropped; a short match whose distance byte is the last input byte
//! is an error. In both cases C produces fewer bytes than asked (or fails), which Blosc rejects.
//! [`decompress`] therefore rejects any stream that does not end with a literal run: it accepts
//! exactly the streams C decodes to the full size, with the same output. C encoders never end a
//! stream with a match, and neither does [`Encoder`].

mod decode;
mod encode;
#[cfg(test)]
mod tests;

pub(crate) use decode::{decompress, decompress_prefix};
pub(crate) use encode::Encoder;

/// Which C encoder's heuristics to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// BloscLZ 2.5.1 as in C-Blosc 1.21 (Blosc1 chunks). `split`: whether this stream is one of the
    /// per-byte streams of a split block (the 2.5.1 heuristic uses it).
    ///
    /// For byte-identical chunks pass what C passes: the chunk's split decision (`!dont_split`,
    /// flag bit 4 clear), also for the leftover block, which C never splits but still compresses
    /// with `split = true` when the chunk is split.
    Blosc1 {
        /// The chunk splits its blocks into streams (C's `!dont_split`).
        split: bool,
    },
    /// BloscLZ 2.5.3 as in C-Blosc2 3.x (Blosc2 chunks).
    Blosc2,
}

/// Longest literal run one control byte can describe.
const MAX_COPY: usize = 32;
/// Largest biased distance (distance - 1) of a near match; from here on matches are far.
const MAX_DISTANCE: usize = 8191;
/// The encoders accept candidates only below this (unbiased) distance.
const MAX_FARDISTANCE: usize = 65535 + MAX_DISTANCE - 1;
