//! Errors of the blz containers.

use crate::dtype::DType;

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong with a container.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The codec failed (corrupt chunk, bad compression parameters...).
    #[error(transparent)]
    Blosc(#[from] blz_blosc::Error),
    /// An element index past the end.
    #[error("index {index} out of bounds for length {len}")]
    IndexOutOfBounds {
        /// The index asked for.
        index: usize,
        /// The container's length.
        len: usize,
    },
    /// A range that is reversed or reaches past the end.
    #[error("range {start}..{end} out of bounds for length {len}")]
    RangeOutOfBounds {
        /// Range start.
        start: usize,
        /// Range end (exclusive).
        end: usize,
        /// The container's length.
        len: usize,
    },
    /// A buffer or mask whose length does not match.
    #[error("length mismatch for {what}: got {got}, expected {expected}")]
    LengthMismatch {
        /// Which argument.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length needed.
        expected: usize,
    },
    /// An element type other than the column's.
    #[error("type mismatch: column holds {expected}, got {got}")]
    TypeMismatch {
        /// The column's type.
        expected: DType,
        /// The type used.
        got: DType,
    },
    /// A parameter out of range.
    #[error("invalid parameter {name}: got {value}, expected {expected}")]
    InvalidParam {
        /// Parameter name.
        name: &'static str,
        /// The rejected value.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A column name the table does not have.
    #[error("unknown column {name:?}; the table has {available:?}")]
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// The table's columns.
        available: Vec<String>,
    },
    /// Values or an operation of the wrong type for a column.
    #[error("column {column:?} holds {expected}, got {got}")]
    ColumnType {
        /// Column name.
        column: String,
        /// The column's type.
        expected: String,
        /// What was given.
        got: String,
    },
    /// A query that does not parse.
    #[error("{0}")]
    Parse(#[from] crate::query::ParseError),
    /// A query that parses but does not type-check (or names an unknown column).
    #[error("query error at {}: {message}", .span.start + 1)]
    Query {
        /// Where in the query text.
        span: crate::query::Span,
        /// What is wrong.
        message: String,
    },
    /// A decompressed chunk does not hold what the container recorded.
    #[error("corrupt chunk {chunk}: {reason}")]
    CorruptChunk {
        /// Chunk index.
        chunk: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

impl Error {
    pub(crate) fn param(name: &'static str, value: impl ToString, expected: &'static str) -> Self {
        Error::InvalidParam {
            name,
            value: value.to_string(),
            expected,
        }
    }
}
