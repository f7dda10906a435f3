//! What can be wrong with data to import; re-exported as `blz::import::ImportError`.

use std::path::PathBuf;

/// Why a bcolz directory or a python-blosc2 frame cannot be imported; carried by
/// [`Error::Import`](crate::Error::Import) together with the path given to the importer.
///
/// `file` fields name the file at fault inside a bcolz directory (or the frame itself).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Neither a bcolz carray/ctable directory nor a python-blosc2 contiguous frame.
    #[error(
        "not a bcolz directory (no meta/ or __rootdirs__) nor a python-blosc2 frame (no b2frame magic)"
    )]
    NotRecognized,
    /// A file that cannot be read.
    #[error("cannot {op} {}: {source}", .file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// What was being done (`open`, `read`, ...).
        op: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file the format requires is absent.
    #[error("missing {}", .file.display())]
    Missing {
        /// The file expected.
        file: PathBuf,
    },
    /// A metadata file that is not valid JSON.
    #[error("{} is not valid JSON: {message}", .file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A metadata field that is missing or out of range.
    #[error("{}: field {field}: got {got}, expected {expected}", .file.display())]
    Meta {
        /// The file.
        file: PathBuf,
        /// The field.
        field: &'static str,
        /// What was found (`missing` when absent).
        got: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A numpy dtype blz has no column type for.
    #[error("unsupported numpy dtype {dtype:?}: {reason}")]
    UnsupportedDType {
        /// The dtype string read.
        dtype: String,
        /// Why it is not supported.
        reason: &'static str,
    },
    /// A file that ends before the data it announces.
    #[error("{}: truncated {what}: needed {needed} bytes, got {got}", .file.display())]
    Truncated {
        /// The file.
        file: PathBuf,
        /// What is cut short.
        what: &'static str,
        /// Bytes needed.
        needed: u64,
        /// Bytes available.
        got: u64,
    },
    /// A header field no valid file has.
    #[error("{}: bad {field}: got {got}, expected {expected}", .file.display())]
    BadHeader {
        /// The file.
        file: PathBuf,
        /// The field.
        field: &'static str,
        /// The value found.
        got: String,
        /// What a valid file holds there.
        expected: &'static str,
    },
    /// A Blosc chunk that does not decode.
    #[error("{}: chunk {chunk}: {source}", .file.display())]
    Chunk {
        /// The file holding the chunk.
        file: PathBuf,
        /// Chunk index.
        chunk: usize,
        /// The codec's error.
        #[source]
        source: blz_blosc::Error,
    },
    /// A frame's offsets chunk that does not decode.
    #[error("{}: offsets chunk: {source}", .file.display())]
    OffsetsChunk {
        /// The frame.
        file: PathBuf,
        /// The codec's error.
        #[source]
        source: blz_blosc::Error,
    },
    /// A chunk whose uncompressed size is not what the metadata implies.
    #[error("{}: chunk {chunk} holds {got} bytes, expected {expected}", .file.display())]
    ChunkSize {
        /// The file holding the chunk.
        file: PathBuf,
        /// Chunk index.
        chunk: usize,
        /// Its uncompressed size.
        got: usize,
        /// The size the metadata implies.
        expected: String,
    },
    /// A value that has no blz equivalent (text that is not UTF-8, a time out of range).
    #[error("column {column:?}, row {row}: {reason}")]
    Value {
        /// Column name.
        column: String,
        /// Row index.
        row: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// Columns of a bcolz table with different lengths.
    #[error("column {column:?} has {got} rows, expected {expected}")]
    ColumnLength {
        /// Column name.
        column: String,
        /// Its length.
        got: usize,
        /// The first column's length.
        expected: usize,
    },
    /// A valid input using a feature the importer does not read.
    #[error("unsupported {what}: {value}")]
    Unsupported {
        /// The feature.
        what: &'static str,
        /// The value found.
        value: String,
    },
}
