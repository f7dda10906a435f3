//! TEMPORARY scalar stand-in until the SIMD module lands.

/// Bit shuffle.
pub(crate) fn bitshuffle(typesize: usize, nelems: usize, src: &[u8], dst: &mut [u8], _s: &mut Vec<u8>) {
    let nb = nelems * typesize;
    dst[..nb].fill(0);
    let rowlen = nelems / 8;
    for e in 0..nelems {
        for j in 0..typesize {
            let byte = src[e * typesize + j];
            for k in 0..8 {
                if byte >> k & 1 != 0 {
                    dst[(8 * j + k) * rowlen + e / 8] |= 1 << (e % 8);
                }
            }
        }
    }
    dst[nb..].copy_from_slice(&src[nb..]);
}

/// Bit unshuffle.
pub(crate) fn bitunshuffle(typesize: usize, nelems: usize, src: &[u8], dst: &mut [u8], _s: &mut Vec<u8>) {
    let nb = nelems * typesize;
    dst[..nb].fill(0);
    let rowlen = nelems / 8;
    for e in 0..nelems {
        for j in 0..typesize {
            let mut byte = 0u8;
            for k in 0..8 {
                if src[(8 * j + k) * rowlen + e / 8] >> (e % 8) & 1 != 0 {
                    byte |= 1 << k;
                }
            }
            dst[e * typesize + j] = byte;
        }
    }
    dst[nb..].copy_from_slice(&src[nb..]);
}
