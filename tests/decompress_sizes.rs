//! `decompress` checks every stream's size against the bytes the header announces before it
//! allocates them: a 100-byte chunk cannot make it reserve 2 GiB (issue 16, item 9).

use blz_blosc::{CLevel, CParams, Compressor, Error, Shuffle, TypeSize};

/// A Blosc1 chunk of 100 bytes announcing `nbytes` in blocks of 512 MiB, each an LZ4 stream of
/// 13 bytes.
fn hostile_chunk(nbytes: u32) -> Vec<u8> {
    let bs: u32 = 512 << 20;
    let nblocks = nbytes.div_ceil(bs);
    let mut c = vec![2u8, 1, 0x20 | 0x10, 1];
    c.extend(nbytes.to_le_bytes());
    c.extend(bs.to_le_bytes());
    c.extend(100u32.to_le_bytes());
    let first = 16 + 4 * nblocks;
    for i in 0..nblocks {
        c.extend((first + 17 * i).to_le_bytes());
    }
    for _ in 0..nblocks {
        c.extend(13i32.to_le_bytes());
        c.extend([0x1f; 13]);
    }
    c.resize(100, 0);
    c
}

#[test]
fn decompress_refuses_streams_too_short_for_the_header() {
    let chunk = hostile_chunk(i32::MAX as u32 - 16);
    // Before the check, decompress reserved the 2 GiB, then failed in the LZ4 decoder.
    match blz_blosc::decompress(&chunk) {
        Err(Error::CorruptBlock { block: 0, reason }) => {
            assert!(reason.contains("too short"), "{reason}");
        }
        other => panic!("expected a corrupt block 0, got {other:?}"),
    }
}

#[test]
fn decompress_keeps_the_most_compressible_chunks() {
    // Zeros compress as far as each codec can: the size check must let every one through.
    let data = vec![0u8; 16 << 20];
    for codec in Compressor::ALL {
        for shuffle in [Shuffle::None, Shuffle::Byte] {
            let params = CParams::default()
                .with_compressor(codec)
                .with_clevel(CLevel::new(9))
                .with_shuffle(shuffle)
                .with_typesize(TypeSize::new(8))
                .with_blocksize(Some(4 << 20));
            let chunk = blz_blosc::compress(&data, &params).unwrap();
            assert_eq!(
                blz_blosc::decompress(&chunk).unwrap(),
                data,
                "{codec} {shuffle}: {} bytes",
                chunk.len()
            );
        }
    }
}
