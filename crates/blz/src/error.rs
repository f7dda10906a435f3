//! Errors of the blz containers.
//!
//! The bottom layer: every module may name [`Error`], and this module names only the element
//! types ([`DType`]), the codec's error and the small data types of its submodules, which the
//! layers that raise them (the query parser, the importers, the CSV reader) re-export.

#[cfg(feature = "arrow")]
mod csv;
mod import;
mod parse;

#[cfg(feature = "arrow")]
pub use csv::CsvProblem;
pub use import::ImportError;
pub use parse::{ParseError, Span};

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
    #[error("unknown column {name:?}; the table has {}", .available.join(", "))]
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
    Parse(#[from] ParseError),
    /// A query that parses but does not type-check (or names an unknown column).
    #[error("query error at column {}: {message}", .span.start + 1)]
    Query {
        /// Where in the query text.
        span: Span,
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
    /// A file operation failed.
    #[error("cannot {op} {}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What was being done ("open", "write", "sync", ...).
        op: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A stored chunk whose checksum does not match: the file was damaged after it was written.
    #[error(
        "checksum mismatch in table {}, column {column:?}, chunk {chunk} (file {}): the data is damaged; `blz verify` lists every damaged chunk",
        .table.display(), .file.display()
    )]
    Checksum {
        /// The table directory.
        table: std::path::PathBuf,
        /// The column (and part: `data`, `validity`, ...).
        column: String,
        /// The chunk index within that part.
        chunk: usize,
        /// The data file.
        file: std::path::PathBuf,
    },
    /// A table directory that cannot be used: not a table, a damaged or newer manifest, a
    /// missing file, sizes that do not add up.
    #[error("table {}: {reason}", .path.display())]
    Table {
        /// The table directory (or the file inside it).
        path: std::path::PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Another process holds the table's writer lock.
    #[error("table {} is open for writing by another process (lock file {}); open it read-only or wait", .path.display(), .path.join("LOCK").display())]
    Locked {
        /// The table directory.
        path: std::path::PathBuf,
    },
    /// Creating a table where something exists already.
    #[error("{} already exists; pass overwrite to replace it, or open it to append", .path.display())]
    AlreadyExists {
        /// The path.
        path: std::path::PathBuf,
    },
    /// A change to a table opened read-only.
    #[error("table {} is open read-only; open it with OpenMode::Append to change it", .path.display())]
    ReadOnly {
        /// The table directory.
        path: std::path::PathBuf,
    },
    /// A bcolz directory or python-blosc2 frame that cannot be imported.
    #[error("cannot import {}: {kind}", .path.display())]
    Import {
        /// The directory or file given to the importer.
        path: std::path::PathBuf,
        /// What is wrong, and where.
        kind: ImportError,
    },
    /// An Arrow operation failed (a record batch, IPC or CSV stream that does not decode...).
    #[cfg(feature = "arrow")]
    #[error("arrow error while {context}: {source}")]
    Arrow {
        /// What was being done (and on which file).
        context: String,
        /// The Arrow error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// A Parquet file that cannot be read or written.
    #[cfg(feature = "parquet")]
    #[error("parquet error while {context}: {source}")]
    Parquet {
        /// What was being done (and on which file).
        context: String,
        /// The Parquet error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An Arrow column of a type blz does not store.
    #[cfg(feature = "arrow")]
    #[error(
        "column {column:?} has arrow type {data_type}, which blz does not store (supported: boolean, integers, floats, timestamps, dates, utf8 and dictionaries of utf8)"
    )]
    UnsupportedArrowType {
        /// The column.
        column: String,
        /// Its Arrow type.
        data_type: String,
    },
    /// A CSV field that does not read as its column's type.
    #[cfg(feature = "arrow")]
    #[error("{}: line {line}, column {column:?}: cannot read {value:?} as {expected}", .path.display())]
    Csv {
        /// The file.
        path: std::path::PathBuf,
        /// Line of the record in the file (1-based, the header included; records with quoted
        /// line breaks count as one line).
        line: u64,
        /// The column name.
        column: String,
        /// The field.
        value: String,
        /// The column's type.
        expected: String,
    },
    /// A CSV input whose shape is wrong (an unclosed quote, a record with the wrong number of
    /// fields, text that is not UTF-8, integers no column type holds).
    #[cfg(feature = "arrow")]
    #[error("{}: line {line}: {problem}", .path.display())]
    CsvRecord {
        /// The file.
        path: std::path::PathBuf,
        /// Line of the problem (1-based; for an unclosed quote, where it opens).
        line: u64,
        /// What is wrong.
        problem: CsvProblem,
    },
    /// A file whose contents are not the format its extension (or the caller) says.
    #[cfg(feature = "arrow")]
    #[error("{}: expected a {expected} file, found {found}", .path.display())]
    FileFormat {
        /// The file.
        path: std::path::PathBuf,
        /// The format asked for or named by the extension.
        expected: &'static str,
        /// What the first bytes say.
        found: &'static str,
    },
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, op: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            op,
            source,
        }
    }

    pub(crate) fn table(path: &std::path::Path, reason: impl Into<String>) -> Self {
        Error::Table {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(crate) fn param(name: &'static str, value: impl ToString, expected: &'static str) -> Self {
        Error::InvalidParam {
            name,
            value: value.to_string(),
            expected,
        }
    }
}
