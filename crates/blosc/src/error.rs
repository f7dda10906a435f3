//! Errors of the Blosc codec.

use crate::params::Compressor;

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while compressing or decompressing a chunk.
///
/// Malformed input never panics: it yields one of these variants, naming the field at fault
/// and what was expected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of its range (`clevel 12`, `typesize 0`, an unknown codec name...).
    #[error("invalid parameter {name}: got {value}, expected {expected}")]
    InvalidParam {
        /// Parameter name, e.g. `clevel`.
        name: &'static str,
        /// The rejected value, as text.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The input ends before the data it announces.
    #[error("truncated {what}: needed {needed} bytes, got {got}")]
    Truncated {
        /// Which part was cut short (`header`, `chunk`, `block starts`, `stream`...).
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// A header field has a value no valid chunk can have.
    #[error("bad header field {field}: got {value}, expected {expected}")]
    BadHeader {
        /// Field name, e.g. `version` or `blocksize`.
        field: &'static str,
        /// The value read.
        value: i64,
        /// What a valid chunk holds there.
        expected: &'static str,
    },
    /// The chunk uses a feature this crate does not implement (a codec plugin, VL blocks...).
    #[error("unsupported {feature}: {value}")]
    Unsupported {
        /// What is unsupported, e.g. `codec` or `filter`.
        feature: &'static str,
        /// The code found in the chunk.
        value: i64,
    },
    /// The block data is inconsistent (offsets outside the chunk, stream sizes that do not add up).
    #[error("corrupt block {block}: {reason}")]
    CorruptBlock {
        /// Block index within the chunk.
        block: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A codec stream could not be decoded.
    #[error("{codec} stream of block {block} is corrupt: {reason}")]
    Codec {
        /// The codec of the chunk.
        codec: Compressor,
        /// Block index within the chunk.
        block: usize,
        /// What the decoder reported.
        reason: &'static str,
    },
    /// The caller's output buffer is too small.
    #[error("output buffer too small: needed {needed} bytes, got {got}")]
    OutputTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The input is larger than one Blosc chunk can hold.
    #[error("input too large for one chunk: {nbytes} bytes, at most {max}")]
    TooLarge {
        /// Input size.
        nbytes: usize,
        /// Largest size the format allows.
        max: usize,
    },
    /// A codec failed while compressing (only a misbehaving library can cause this).
    #[error("{codec} compression failed: {reason}")]
    CompressFailed {
        /// The codec.
        codec: Compressor,
        /// The library's message.
        reason: String,
    },
}

impl Error {
    pub(crate) fn param(name: &'static str, value: impl ToString, expected: &'static str) -> Self {
        Self::InvalidParam {
            name,
            value: value.to_string(),
            expected,
        }
    }
}
