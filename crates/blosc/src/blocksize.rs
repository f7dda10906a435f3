//! Block size and split decisions, following C-Blosc1 (`compute_blocksize`, `split_block`) and
//! C-Blosc2 (`blosc_stune_next_blocksize`, `split_block` in stune.c) exactly, so that our headers
//! match the C libraries' for the same parameters.

use crate::params::{CLevel, Compressor, Filter, SplitMode};

const L1: usize = 32 * 1024;
/// Blosc1 `MIN_BUFFERSIZE`: smaller inputs are stored (memcpyed).
pub(crate) const MIN_BUFFERSIZE_V1: usize = 128;
/// Blosc2 `BLOSC_MIN_BUFFERSIZE`.
pub(crate) const MIN_BUFFERSIZE_V2: usize = 32;
const MAX_SPLITS: usize = 16;

/// C-Blosc1's encoder split rule.
pub(crate) fn split_v1(
    mode: SplitMode,
    codec: Compressor,
    typesize: usize,
    blocksize: usize,
) -> bool {
    match mode {
        SplitMode::Always => true,
        SplitMode::Never => false,
        SplitMode::Auto => {
            matches!(codec, Compressor::BloscLz | Compressor::Snappy)
                && typesize <= MAX_SPLITS
                && blocksize / typesize >= MIN_BUFFERSIZE_V1
        }
        SplitMode::ForwardCompat => {
            codec != Compressor::Zstd
                && typesize <= MAX_SPLITS
                && blocksize / typesize >= MIN_BUFFERSIZE_V1
        }
    }
}

/// C-Blosc1's decoder split rule for a 16-byte-header chunk (the guard keeps pre-1.11 chunks
/// readable: they had no "don't split" flag and split exactly under this rule).
pub(crate) fn decoder_split_v1(
    dont_split: bool,
    typesize: usize,
    blocksize: usize,
    leftover_block: bool,
) -> bool {
    !dont_split
        && !leftover_block
        && typesize <= MAX_SPLITS
        && blocksize / typesize >= MIN_BUFFERSIZE_V1
}

/// C-Blosc1 `compute_blocksize`.
pub(crate) fn blocksize_v1(
    clevel: CLevel,
    typesize: usize,
    nbytes: usize,
    forced: Option<usize>,
    codec: Compressor,
    mode: SplitMode,
) -> usize {
    let clevel = clevel.get();
    if nbytes < typesize {
        return 1;
    }
    let mut blocksize = nbytes;
    if let Some(f) = forced {
        blocksize = f.clamp(MIN_BUFFERSIZE_V1, crate::params::MAX_BLOCKSIZE);
    } else if nbytes >= L1 {
        blocksize = clevel_table(clevel, codec.is_hcr());
    }
    if clevel > 0 && split_v1(mode, codec, typesize, blocksize) {
        blocksize = blocksize.min(256 * 1024);
        blocksize *= typesize;
        blocksize = blocksize.clamp(64 * 1024, 1024 * 1024);
    }
    finish(blocksize, typesize, nbytes)
}

fn clevel_table(clevel: u8, hcr: bool) -> usize {
    let base = if hcr { 2 * L1 } else { L1 };
    match clevel {
        0 => base / 4,
        1 => base / 2,
        2 => base,
        3 => base * 2,
        4 | 5 => base * 4,
        6..=8 => base * 8,
        _ => base * if hcr { 16 } else { 8 },
    }
}

fn finish(mut blocksize: usize, typesize: usize, nbytes: usize) -> usize {
    if blocksize > nbytes {
        blocksize = nbytes;
    }
    if blocksize > typesize {
        blocksize = blocksize / typesize * typesize;
    }
    blocksize
}

/// C-Blosc2's split rule (`stune.c`): FORWARD_COMPAT and AUTO share one heuristic.
pub(crate) fn split_v2(
    mode: SplitMode,
    codec: Compressor,
    clevel: CLevel,
    pipeline: &[Filter],
    typesize: usize,
    blocksize: usize,
) -> bool {
    match mode {
        SplitMode::Always => true,
        SplitMode::Never => false,
        SplitMode::Auto | SplitMode::ForwardCompat => {
            let fast = matches!(codec, Compressor::BloscLz | Compressor::Lz4)
                || (codec == Compressor::Zstd && clevel.get() <= 5);
            fast && pipeline.contains(&Filter::Shuffle)
                && typesize <= MAX_SPLITS
                && blocksize / typesize >= MIN_BUFFERSIZE_V2
        }
    }
}

/// C-Blosc2 `blosc_stune_next_blocksize`.
pub(crate) fn blocksize_v2(
    clevel: CLevel,
    typesize: usize,
    nbytes: usize,
    forced: Option<usize>,
    codec: Compressor,
    mode: SplitMode,
    pipeline: &[Filter],
) -> usize {
    if nbytes < typesize {
        return 1;
    }
    let split = split_v2(mode, codec, clevel, pipeline, typesize, nbytes);
    let mut blocksize = nbytes;
    if let Some(f) = forced {
        blocksize = f;
    } else {
        let cl = clevel.get();
        if nbytes >= L1 {
            blocksize = clevel_table(cl, codec.is_hcr());
        }
        if cl > 0 && split {
            blocksize = match cl {
                1..=3 => 32 * 1024,
                4..=6 => 64 * 1024,
                7 => 128 * 1024,
                8 => 256 * 1024,
                _ => 512 * 1024,
            };
            blocksize = (blocksize * typesize).clamp(32 * 1024, 4 * 1024 * 1024);
        }
    }
    finish(blocksize, typesize, nbytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blosc1_table_matches_c() {
        // From C-Blosc 1.21.7 on a 16 MB int64 input with shuffle (blosc-format.md §3.1).
        let kib = |k: usize| k * 1024;
        let n = 16_000_000;
        let got: Vec<usize> = (0..=9)
            .map(|cl| {
                blocksize_v1(
                    CLevel::new(cl),
                    8,
                    n,
                    None,
                    Compressor::Lz4,
                    SplitMode::ForwardCompat,
                )
            })
            .collect();
        let want = [8, 128, 256, 512, 1024, 1024, 1024, 1024, 1024, 1024].map(kib);
        assert_eq!(got, want);
        let zstd: Vec<usize> = (0..=9)
            .map(|cl| {
                blocksize_v1(
                    CLevel::new(cl),
                    8,
                    n,
                    None,
                    Compressor::Zstd,
                    SplitMode::ForwardCompat,
                )
            })
            .collect();
        assert_eq!(
            zstd,
            [16, 32, 64, 128, 256, 256, 512, 512, 512, 1024].map(kib)
        );
    }

    #[test]
    fn blosc2_table_matches_c() {
        let kib = |k: usize| k * 1024;
        let n = 16_000_000;
        let sh = [Filter::Shuffle];
        let got: Vec<usize> = (0..=9)
            .map(|cl| {
                blocksize_v2(
                    CLevel::new(cl),
                    8,
                    n,
                    None,
                    Compressor::Lz4,
                    SplitMode::Auto,
                    &sh,
                )
            })
            .collect();
        assert_eq!(
            got,
            [8, 256, 256, 256, 512, 512, 512, 1024, 2048, 4096].map(kib)
        );
        let bit = [Filter::BitShuffle];
        let got: Vec<usize> = (0..=9)
            .map(|cl| {
                blocksize_v2(
                    CLevel::new(cl),
                    8,
                    n,
                    None,
                    Compressor::Zstd,
                    SplitMode::Auto,
                    &bit,
                )
            })
            .collect();
        assert_eq!(
            got,
            [16, 32, 64, 128, 256, 256, 512, 512, 512, 1024].map(kib)
        );
    }

    #[test]
    fn tiny_inputs_get_blocksize_one() {
        let b = blocksize_v1(CLevel::new(5), 8, 7, None, Compressor::Lz4, SplitMode::Auto);
        assert_eq!(b, 1);
    }
}
