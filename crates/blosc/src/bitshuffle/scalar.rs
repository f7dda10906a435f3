//! Safe scalar bit transposes: one 8x8 bit-matrix transpose (three SWAR swap steps) per 8 bytes.

/// Transposes the 8x8 bit matrix held in `x` (bit `8 * r + c` is row r, column c).
pub(crate) const fn transpose8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ (t << 28)
}

/// Bit-transposes `row` (length a multiple of 8) from byte `from` on: bit-row k (at
/// `k * len / 8`) byte b, bit m = bit k of `row[8 * b + m]`. `from` is a multiple of 8.
pub(crate) fn trans_bits(row: &[u8], out: &mut [u8], from: usize) {
    let len = row.len().min(out.len()) & !7;
    let stride = len / 8;
    for b in from / 8..stride {
        let mut x = [0u8; 8];
        x.copy_from_slice(&row[8 * b..8 * b + 8]);
        let t = transpose8(u64::from_le_bytes(x)).to_le_bytes();
        for (k, &byte) in t.iter().enumerate() {
            out[k * stride + b] = byte;
        }
    }
}

/// Inverse of [`trans_bits`], from output byte `from` (a multiple of 8) on.
pub(crate) fn untrans_bits(bits: &[u8], row: &mut [u8], from: usize) {
    let len = bits.len().min(row.len()) & !7;
    let stride = len / 8;
    for (b, out) in row[..len].chunks_exact_mut(8).enumerate().skip(from / 8) {
        let mut x = [0u8; 8];
        for (k, byte) in x.iter_mut().enumerate() {
            *byte = bits[k * stride + b];
        }
        out.copy_from_slice(&transpose8(u64::from_le_bytes(x)).to_le_bytes());
    }
}
