//! Safe scalar byte shuffle: a blocked transpose, fast enough to be the only path on CPUs without
//! a SIMD kernel and under `--no-default-features`.
//!
//! Elements are processed in tiles of [`TILE`] elements: a tile reads `TILE * typesize` contiguous
//! source bytes and writes `TILE` contiguous bytes to each of the `typesize` output streams, so both
//! sides stay in L1 whatever the typesize. The common typesizes are monomorphised so that the
//! compiler unrolls the inner loops and keeps the stride a constant.

/// Elements per tile: 16 bytes per output stream and tile, one `u128` store.
const TILE: usize = 16;

/// Shuffles elements `from..n` (n = `src.len() / typesize`) of `src` into `dst`; `dst` holds
/// `typesize` streams of `n` bytes. Trailing bytes are not touched.
pub(crate) fn shuffle_elems(typesize: usize, src: &[u8], dst: &mut [u8], from: usize) {
    match typesize {
        0 => {}
        1 => {
            let n = src.len().min(dst.len());
            if from < n {
                dst[from..n].copy_from_slice(&src[from..n]);
            }
        }
        2 => shuffle_const::<2>(src, dst, from),
        3 => shuffle_const::<3>(src, dst, from),
        4 => shuffle_const::<4>(src, dst, from),
        5 => shuffle_const::<5>(src, dst, from),
        6 => shuffle_const::<6>(src, dst, from),
        7 => shuffle_const::<7>(src, dst, from),
        8 => shuffle_const::<8>(src, dst, from),
        12 => shuffle_const::<12>(src, dst, from),
        16 => shuffle_const::<16>(src, dst, from),
        _ => shuffle_generic(typesize, src, dst, from),
    }
}

/// Inverse of [`shuffle_elems`]: restores elements `from..n` of `dst` from the streams in `src`.
pub(crate) fn unshuffle_elems(typesize: usize, src: &[u8], dst: &mut [u8], from: usize) {
    match typesize {
        0 => {}
        1 => {
            let n = src.len().min(dst.len());
            if from < n {
                dst[from..n].copy_from_slice(&src[from..n]);
            }
        }
        2 => unshuffle_const::<2>(src, dst, from),
        3 => unshuffle_const::<3>(src, dst, from),
        4 => unshuffle_const::<4>(src, dst, from),
        5 => unshuffle_const::<5>(src, dst, from),
        6 => unshuffle_const::<6>(src, dst, from),
        7 => unshuffle_const::<7>(src, dst, from),
        8 => unshuffle_const::<8>(src, dst, from),
        12 => unshuffle_const::<12>(src, dst, from),
        16 => unshuffle_const::<16>(src, dst, from),
        _ => unshuffle_generic(typesize, src, dst, from),
    }
}

/// Splits `dst` into its first `typesize * n` bytes, n = whole elements of the shorter slice.
fn whole(typesize: usize, src: &[u8], dst: &[u8]) -> usize {
    src.len().min(dst.len()) / typesize
}

/// [`shuffle_elems`] with a constant typesize.
fn shuffle_const<const T: usize>(src: &[u8], dst: &mut [u8], from: usize) {
    let n = whole(T, src, dst);
    if from >= n {
        return;
    }
    let src = &src[from * T..n * T];
    let dst = &mut dst[..n * T];
    let tiles = src.chunks_exact(TILE * T);
    let rest = tiles.remainder();
    let mut i = from;
    for tile in tiles {
        for j in 0..T {
            let mut out = [0u8; TILE];
            for (m, o) in out.iter_mut().enumerate() {
                *o = tile[m * T + j];
            }
            dst[j * n + i..j * n + i + TILE].copy_from_slice(&out);
        }
        i += TILE;
    }
    for (e, elem) in rest.chunks_exact(T).enumerate() {
        for (j, &b) in elem.iter().enumerate() {
            dst[j * n + i + e] = b;
        }
    }
}

/// [`unshuffle_elems`] with a constant typesize.
fn unshuffle_const<const T: usize>(src: &[u8], dst: &mut [u8], from: usize) {
    let n = whole(T, src, dst);
    if from >= n {
        return;
    }
    let src = &src[..n * T];
    let dst = &mut dst[from * T..n * T];
    let mut tiles = dst.chunks_exact_mut(TILE * T);
    let mut i = from;
    for tile in &mut tiles {
        for j in 0..T {
            let row = &src[j * n + i..j * n + i + TILE];
            for (m, &b) in row.iter().enumerate() {
                tile[m * T + j] = b;
            }
        }
        i += TILE;
    }
    for (e, elem) in tiles.into_remainder().chunks_exact_mut(T).enumerate() {
        for (j, b) in elem.iter_mut().enumerate() {
            *b = src[j * n + i + e];
        }
    }
}

/// [`shuffle_elems`] for any typesize, tile by tile.
fn shuffle_generic(ts: usize, src: &[u8], dst: &mut [u8], from: usize) {
    let n = whole(ts, src, dst);
    if from >= n {
        return;
    }
    let src = &src[from * ts..n * ts];
    let dst = &mut dst[..n * ts];
    let mut i = from;
    for tile in src.chunks(TILE * ts) {
        let width = tile.len() / ts;
        for j in 0..ts {
            let out = &mut dst[j * n + i..j * n + i + width];
            for (m, o) in out.iter_mut().enumerate() {
                *o = tile[m * ts + j];
            }
        }
        i += width;
    }
}

/// [`unshuffle_elems`] for any typesize, tile by tile.
fn unshuffle_generic(ts: usize, src: &[u8], dst: &mut [u8], from: usize) {
    let n = whole(ts, src, dst);
    if from >= n {
        return;
    }
    let src = &src[..n * ts];
    let dst = &mut dst[from * ts..n * ts];
    let mut i = from;
    for tile in dst.chunks_mut(TILE * ts) {
        let width = tile.len() / ts;
        for j in 0..ts {
            let row = &src[j * n + i..j * n + i + width];
            for (m, &b) in row.iter().enumerate() {
                tile[m * ts + j] = b;
            }
        }
        i += width;
    }
}
