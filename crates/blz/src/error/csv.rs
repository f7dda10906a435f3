//! What can be wrong with the shape of a CSV file; carried by
//! [`Error::CsvRecord`](crate::Error::CsvRecord). Re-exported as `blz::arrow::CsvProblem`.

/// What can be wrong with the shape of a CSV file (as opposed to a field's value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvProblem {
    /// No header line (or, without a header, no record): the input is empty.
    #[error("the input is empty (no header line)")]
    Empty,
    /// A quoted field whose closing quote never comes (the line is where it opens).
    #[error("a quoted field is not closed (no closing '\"' before the end of the input)")]
    UnterminatedQuote,
    /// A record with another number of fields than the header.
    #[error("expected {expected} fields, got {got}")]
    FieldCount {
        /// Fields of the header (or the first record).
        expected: usize,
        /// Fields of this record.
        got: usize,
    },
    /// A field that is not UTF-8 text.
    #[error("column {column:?}: the field is not valid UTF-8")]
    InvalidUtf8 {
        /// The column name.
        column: String,
    },
    /// A field longer than a text column can hold (2 GiB).
    #[error("column {column:?}: a field longer than 2 GiB")]
    FieldTooLong {
        /// The column name.
        column: String,
    },
    /// Integers that fit neither `int64` nor `uint64` (or mix negatives with values above
    /// `int64`'s range), or integers beyond 2^53 in a column that also holds decimals.
    #[error(
        "column {column:?}: integer {value} does not fit {fits}; give the column's type \
         explicitly (--schema NAME:utf8, or f64 to accept rounding)"
    )]
    IntegerRange {
        /// The column name.
        column: String,
        /// The first value out of range.
        value: String,
        /// What it would have to fit.
        fits: &'static str,
    },
    /// The input could not be read.
    #[error("read failed: {0}")]
    Io(String),
}
