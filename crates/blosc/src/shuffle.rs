//! TEMPORARY scalar stand-in until the SIMD module lands.

/// Byte shuffle.
pub(crate) fn shuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize;
    for i in 0..n {
        for j in 0..typesize {
            dst[j * n + i] = src[i * typesize + j];
        }
    }
    dst[n * typesize..].copy_from_slice(&src[n * typesize..]);
}

/// Byte unshuffle.
pub(crate) fn unshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize;
    for i in 0..n {
        for j in 0..typesize {
            dst[i * typesize + j] = src[j * n + i];
        }
    }
    dst[n * typesize..].copy_from_slice(&src[n * typesize..]);
}
