//! Compression and decompression parameters.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The codec that compresses each stream of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compressor {
    /// BloscLZ, Blosc's own FastLZ derivative (pure Rust here).
    BloscLz,
    /// LZ4 (raw block format).
    Lz4,
    /// LZ4 high-compression encoder; same stream format as LZ4 (header codec code 1).
    Lz4Hc,
    /// Snappy (raw format). Blosc1 chunks only: C-Blosc2 removed it.
    Snappy,
    /// Zlib (RFC 1950 wrapped deflate).
    Zlib,
    /// Zstandard (one frame per stream).
    Zstd,
}

impl Compressor {
    /// Every compressor, in Blosc code order.
    pub const ALL: [Compressor; 6] = [
        Compressor::BloscLz,
        Compressor::Lz4,
        Compressor::Lz4Hc,
        Compressor::Snappy,
        Compressor::Zlib,
        Compressor::Zstd,
    ];

    /// The name C-Blosc uses (`blosclz`, `lz4`, `lz4hc`, `snappy`, `zlib`, `zstd`).
    pub fn name(self) -> &'static str {
        match self {
            Compressor::BloscLz => "blosclz",
            Compressor::Lz4 => "lz4",
            Compressor::Lz4Hc => "lz4hc",
            Compressor::Snappy => "snappy",
            Compressor::Zlib => "zlib",
            Compressor::Zstd => "zstd",
        }
    }

    /// The stream-format code stored in bits 5-7 of the header flags (LZ4 and LZ4HC share 1).
    pub fn format_code(self) -> u8 {
        match self {
            Compressor::BloscLz => 0,
            Compressor::Lz4 | Compressor::Lz4Hc => 1,
            Compressor::Snappy => 2,
            Compressor::Zlib => 3,
            Compressor::Zstd => 4,
        }
    }

    /// The Blosc2 codec id (`compcode`), written in byte 22 of the extended header.
    pub fn compcode(self) -> u8 {
        match self {
            Compressor::BloscLz => 0,
            Compressor::Lz4 => 1,
            Compressor::Lz4Hc => 2,
            Compressor::Snappy => 3,
            Compressor::Zlib => 4,
            Compressor::Zstd => 5,
        }
    }

    /// The codec that reads a given stream-format code (LZ4HC reads as LZ4).
    pub fn from_format_code(code: u8) -> Option<Compressor> {
        Some(match code {
            0 => Compressor::BloscLz,
            1 => Compressor::Lz4,
            2 => Compressor::Snappy,
            3 => Compressor::Zlib,
            4 => Compressor::Zstd,
            _ => return None,
        })
    }

    /// The codec of a Blosc2 `compcode` (0-5).
    pub fn from_compcode(code: u8) -> Option<Compressor> {
        Some(match code {
            0 => Compressor::BloscLz,
            1 => Compressor::Lz4,
            2 => Compressor::Lz4Hc,
            3 => Compressor::Snappy,
            4 => Compressor::Zlib,
            5 => Compressor::Zstd,
            _ => return None,
        })
    }

    /// LZ4HC, Zlib and Zstd: the "high compression ratio" codecs that get larger blocks.
    pub(crate) fn is_hcr(self) -> bool {
        matches!(
            self,
            Compressor::Lz4Hc | Compressor::Zlib | Compressor::Zstd
        )
    }
}

impl fmt::Display for Compressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Compressor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Compressor::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::param("codec", s, "blosclz, lz4, lz4hc, snappy, zlib or zstd"))
    }
}

/// The shuffle filter of a Blosc1 chunk (and the default Blosc2 pipeline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Shuffle {
    /// No filter.
    None,
    /// Byte shuffle: groups byte `j` of every element together.
    #[default]
    Byte,
    /// Bit shuffle: groups bit `k` of byte `j` of every element together.
    Bit,
}

impl Shuffle {
    /// The C-Blosc name (`noshuffle`, `shuffle`, `bitshuffle`).
    pub fn name(self) -> &'static str {
        match self {
            Shuffle::None => "noshuffle",
            Shuffle::Byte => "shuffle",
            Shuffle::Bit => "bitshuffle",
        }
    }
}

impl fmt::Display for Shuffle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Shuffle {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "noshuffle" | "none" => Ok(Shuffle::None),
            "shuffle" | "byte" => Ok(Shuffle::Byte),
            "bitshuffle" | "bit" => Ok(Shuffle::Bit),
            _ => Err(Error::param(
                "filter",
                s,
                "noshuffle, shuffle or bitshuffle",
            )),
        }
    }
}

/// One filter of a Blosc2 filter pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Filter {
    /// Byte shuffle (id 1).
    Shuffle,
    /// Bit shuffle (id 2).
    BitShuffle,
    /// XOR delta against block 0 of the chunk (id 3). Put it before a shuffle.
    Delta,
    /// Lossy: keep this many mantissa bits of float32/float64 values (id 4); a negative value
    /// clears that many bits instead.
    TruncPrec(i8),
    /// Byte-wise delta of each shuffled byte stream (id 35). Put it after [`Filter::Shuffle`].
    ByteDelta,
}

impl Filter {
    /// The Blosc2 filter id and its meta byte, for a chunk of `typesize`.
    pub(crate) fn id_meta(self, typesize: u8) -> (u8, u8) {
        match self {
            Filter::Shuffle => (1, 0),
            Filter::BitShuffle => (2, 0),
            Filter::Delta => (3, 0),
            Filter::TruncPrec(bits) => (4, bits.to_le_bytes()[0]),
            Filter::ByteDelta => (35, typesize),
        }
    }
}

/// Compression level, 0 (store only) to 9 (smallest output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CLevel(u8);

impl CLevel {
    /// The level.
    ///
    /// # Panics
    /// If `level > 9`; use [`CLevel::try_from`] for untrusted values.
    pub fn new(level: u8) -> Self {
        match Self::try_from(level) {
            Ok(l) => l,
            Err(e) => panic!("{e}"),
        }
    }

    /// The level as a number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for CLevel {
    fn default() -> Self {
        CLevel(5)
    }
}

impl TryFrom<u8> for CLevel {
    type Error = Error;
    fn try_from(level: u8) -> Result<Self> {
        if level <= 9 {
            Ok(CLevel(level))
        } else {
            Err(Error::param("clevel", level, "0..=9"))
        }
    }
}

impl TryFrom<i64> for CLevel {
    type Error = Error;
    fn try_from(level: i64) -> Result<Self> {
        u8::try_from(level)
            .map_err(|_| Error::param("clevel", level, "0..=9"))
            .and_then(CLevel::try_from)
    }
}

/// Element size in bytes, 1 to 255: the unit the shuffle filters work on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeSize(u8);

impl TypeSize {
    /// The size.
    ///
    /// # Panics
    /// If `size` is 0 or above 255; use [`TypeSize::try_from`] for untrusted values.
    pub fn new(size: usize) -> Self {
        match Self::try_from(size) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// The size in bytes.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for TypeSize {
    fn default() -> Self {
        TypeSize(1)
    }
}

impl TryFrom<usize> for TypeSize {
    type Error = Error;
    fn try_from(size: usize) -> Result<Self> {
        match u8::try_from(size) {
            Ok(s) if s > 0 => Ok(TypeSize(s)),
            _ => Err(Error::param("typesize", size, "1..=255")),
        }
    }
}

/// When blocks are split into one stream per byte of the element (C-Blosc's `splitmode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SplitMode {
    /// C-Blosc's default: split when it helps and every Blosc version can read it.
    #[default]
    ForwardCompat,
    /// The C-Blosc 1.11-1.13 rule (Blosc1) / C-Blosc2's heuristic.
    Auto,
    /// Always split (Blosc1 chunks with typesize > 16 split this way are unreadable by C-Blosc1).
    Always,
    /// Never split.
    Never,
}

/// Which chunk format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// Version 2, 16-byte header: read by C-Blosc1, C-Blosc2, numcodecs, hdf5-blosc and bcolz.
    #[default]
    Blosc1,
    /// Version 5, 32-byte header: C-Blosc2 only; adds filter pipelines and run-length streams.
    Blosc2,
}

/// Largest input of one Blosc1 chunk (C's `BLOSC_MAX_BUFFERSIZE`).
pub const MAX_BUFFERSIZE: usize = i32::MAX as usize - 16;
/// Largest input of one Blosc2 chunk.
pub const MAX_BUFFERSIZE_BLOSC2: usize = i32::MAX as usize - 32;
/// Largest block a decoder accepts (C's `BLOSC_MAX_BLOCKSIZE`).
pub const MAX_BLOCKSIZE: usize = (i32::MAX as usize - 255 * 4) / 3;
/// Largest thread count (C's `BLOSC_MAX_THREADS`).
pub const MAX_THREADS: usize = 256;

/// Compression parameters.
///
/// ```
/// use blz_blosc::{CParams, CLevel, Compressor, Shuffle, TypeSize};
/// let p = CParams::default()
///     .with_compressor(Compressor::Zstd)
///     .with_clevel(CLevel::new(3))
///     .with_typesize(TypeSize::new(8))
///     .with_shuffle(Shuffle::Bit);
/// assert!(p.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CParams {
    /// The codec. Default LZ4.
    pub compressor: Compressor,
    /// Compression level 0-9 (0 stores the data). Default 5.
    pub clevel: CLevel,
    /// Element size for the shuffle filters, 1-255. Default 1.
    pub typesize: TypeSize,
    /// Shuffle filter. Default [`Shuffle::Byte`].
    pub shuffle: Shuffle,
    /// Blosc2 filter pipeline, applied in order (at most 6). When non-empty it replaces
    /// `shuffle`; only [`Format::Blosc2`] accepts filters other than one shuffle. Default empty.
    pub filters: Vec<Filter>,
    /// Threads compressing the blocks of one chunk, 1-256. Default 1.
    pub nthreads: usize,
    /// Forced block size in bytes, or `None` to compute it as C-Blosc does. Default `None`.
    pub blocksize: Option<usize>,
    /// Split rule. Default [`SplitMode::ForwardCompat`].
    pub splitmode: SplitMode,
    /// Chunk format to write. Default [`Format::Blosc1`].
    pub format: Format,
    /// Smallest saving, in percent of a stream's size (0-99), for which a compressed stream is
    /// kept: a stream that compresses by less is stored raw, which every Blosc decoder reads
    /// (a stream as long as its block part is a copy). `None` (default): C-Blosc's rule, raw
    /// only when compression does not shrink the stream at all.
    ///
    /// A stream that barely compresses (the noisy low bytes of floats, often 5-15 % smaller)
    /// is one long run of short sequences: decoding it costs several times more than reading
    /// the few bytes it saves. Containers that scan their data keep such streams raw
    /// (`blz::CArray` uses 15 %); the chunk's ratio moves by well under 1 % on such data.
    pub min_saving: Option<u8>,
}

impl Default for CParams {
    fn default() -> Self {
        CParams {
            compressor: Compressor::Lz4,
            clevel: CLevel::default(),
            typesize: TypeSize::default(),
            shuffle: Shuffle::Byte,
            filters: Vec::new(),
            nthreads: 1,
            blocksize: None,
            splitmode: SplitMode::ForwardCompat,
            format: Format::Blosc1,
            min_saving: None,
        }
    }
}

impl CParams {
    /// Sets the codec.
    pub fn with_compressor(mut self, compressor: Compressor) -> Self {
        self.compressor = compressor;
        self
    }
    /// Sets the compression level.
    pub fn with_clevel(mut self, clevel: CLevel) -> Self {
        self.clevel = clevel;
        self
    }
    /// Sets the element size.
    pub fn with_typesize(mut self, typesize: TypeSize) -> Self {
        self.typesize = typesize;
        self
    }
    /// Sets the shuffle filter.
    pub fn with_shuffle(mut self, shuffle: Shuffle) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// Sets a Blosc2 filter pipeline (and usually [`Format::Blosc2`] with it).
    pub fn with_filters(mut self, filters: impl Into<Vec<Filter>>) -> Self {
        self.filters = filters.into();
        self
    }
    /// Sets the number of threads.
    pub fn with_nthreads(mut self, nthreads: usize) -> Self {
        self.nthreads = nthreads;
        self
    }
    /// Forces a block size (`None`: automatic).
    pub fn with_blocksize(mut self, blocksize: Option<usize>) -> Self {
        self.blocksize = blocksize;
        self
    }
    /// Sets the split rule.
    pub fn with_splitmode(mut self, splitmode: SplitMode) -> Self {
        self.splitmode = splitmode;
        self
    }
    /// Sets the chunk format.
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }
    /// Sets the smallest saving (percent) for which a stream is kept compressed (`None`:
    /// C-Blosc's rule); see [`CParams::min_saving`].
    pub fn with_min_saving(mut self, percent: Option<u8>) -> Self {
        self.min_saving = percent;
        self
    }

    /// The largest compressed size kept for a stream of `n` bytes: a compressed stream of
    /// this size or more is stored raw instead.
    pub(crate) fn raw_from(&self, n: usize) -> usize {
        match self.min_saving {
            None | Some(0) => n,
            // n * (100 - p) / 100, rounded up; n is at most a block (< 2^31).
            Some(p) => (n * (100 - usize::from(p.min(99)))).div_ceil(100),
        }
    }

    /// Checks the parameters that their types do not already guarantee.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] naming the first bad parameter.
    pub fn validate(&self) -> Result<()> {
        if self.nthreads == 0 || self.nthreads > MAX_THREADS {
            return Err(Error::param("nthreads", self.nthreads, "1..=256"));
        }
        if let Some(bs) = self.blocksize
            && (bs == 0 || bs > MAX_BLOCKSIZE)
        {
            return Err(Error::param("blocksize", bs, "1..=715827542"));
        }
        if let Some(p) = self.min_saving
            && p > 99
        {
            return Err(Error::param("min_saving", p, "0..=99 (percent)"));
        }
        if self.filters.len() > 6 {
            return Err(Error::param(
                "filters",
                self.filters.len(),
                "at most 6 filters",
            ));
        }
        match self.format {
            Format::Blosc1 => {
                let ok = matches!(
                    self.filters.as_slice(),
                    [] | [Filter::Shuffle] | [Filter::BitShuffle]
                );
                if !ok {
                    return Err(Error::param(
                        "filters",
                        format!("{:?}", self.filters),
                        "at most one shuffle or bitshuffle in the blosc1 format (use format blosc2)",
                    ));
                }
            }
            Format::Blosc2 => {
                if self.compressor == Compressor::Snappy {
                    return Err(Error::param(
                        "codec",
                        "snappy",
                        "blosclz, lz4, lz4hc, zlib or zstd in the blosc2 format",
                    ));
                }
                if self.filters.iter().skip(1).any(|f| *f == Filter::Delta) {
                    return Err(Error::param(
                        "filters",
                        format!("{:?}", self.filters),
                        "delta as the first filter (C-Blosc2 decodes it wrongly after another)",
                    ));
                }
                for f in &self.filters {
                    if let Filter::TruncPrec(bits) = *f {
                        let ts = self.typesize.get();
                        let mantissa: i32 = match ts {
                            4 => 23,
                            8 => 52,
                            _ => {
                                return Err(Error::param(
                                    "typesize",
                                    ts,
                                    "4 or 8 with the trunc_prec filter",
                                ));
                            }
                        };
                        let b = i32::from(bits);
                        let zeroed = if b >= 0 { mantissa - b } else { -b };
                        if b.abs() > mantissa || zeroed >= mantissa {
                            return Err(Error::param(
                                "trunc_prec",
                                bits,
                                "1..=23 kept or -22..=-1 cleared bits (float32), 1..=52 or -51..=-1 (float64)",
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The effective filter pipeline: `filters`, or the one implied by `shuffle`.
    pub(crate) fn pipeline(&self) -> Vec<Filter> {
        if !self.filters.is_empty() {
            return self.filters.clone();
        }
        match self.shuffle {
            Shuffle::None => vec![],
            Shuffle::Byte => vec![Filter::Shuffle],
            Shuffle::Bit => vec![Filter::BitShuffle],
        }
    }
}

/// Decompression parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DParams {
    /// Threads decompressing the blocks of one chunk, 1-256. Default 1.
    pub nthreads: usize,
}

impl Default for DParams {
    fn default() -> Self {
        DParams { nthreads: 1 }
    }
}

impl DParams {
    /// Sets the number of threads.
    pub fn with_nthreads(mut self, nthreads: usize) -> Self {
        self.nthreads = nthreads;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] if `nthreads` is 0 or above 256.
    pub fn validate(&self) -> Result<()> {
        if self.nthreads == 0 || self.nthreads > MAX_THREADS {
            return Err(Error::param("nthreads", self.nthreads, "1..=256"));
        }
        Ok(())
    }
}
