//! Damaged chunks give errors, never panics: every strict prefix of every vector is
//! `Err(Truncated)`, and bit flips or 0x00/0xFF bytes in headers, block starts and stream sizes give
//! `Ok` or `Err`.

use blz_blosc::{ChunkHeader, Error, decompress, decompress_into, getitem};

use crate::util::{read, vectors};

#[test]
fn every_strict_prefix_is_truncated() {
    for v in vectors() {
        let chunk = read(&v.compressed);
        for len in 0..chunk.len() {
            match decompress(&chunk[..len]) {
                Err(Error::Truncated { .. }) => {}
                other => panic!("{}: prefix of {len} bytes gave {other:?}", v.id),
            }
        }
    }
}

/// Offsets worth damaging: the header, the block starts, and the first stream size of the first
/// and last blocks.
fn sensitive_offsets(chunk: &[u8]) -> Vec<usize> {
    let Ok(h) = ChunkHeader::parse(chunk) else {
        return (0..chunk.len().min(32)).collect();
    };
    let hl = h.header_len();
    let mut offs: Vec<usize> = (0..hl).collect();
    if h.is_memcpyed() || h.special().is_some() {
        return offs;
    }
    let nblocks = h.nblocks();
    let shown = [0, 1, nblocks.saturating_sub(1)];
    for b in shown.into_iter().filter(|&b| b < nblocks) {
        let at = hl + 4 * b;
        offs.extend(at..at + 4);
        let start = i32::from_le_bytes(chunk[at..at + 4].try_into().expect("4 bytes"));
        if let Ok(s) = usize::try_from(start)
            && s + 4 <= chunk.len()
        {
            offs.extend(s..s + 4);
        }
    }
    offs.sort_unstable();
    offs.dedup();
    offs.retain(|&o| o < chunk.len());
    offs
}

#[test]
fn bit_flips_and_byte_stomps_never_panic() {
    let mut cases = 0usize;
    for v in vectors() {
        let chunk = read(&v.compressed);
        let mut buf = chunk.clone();
        for off in sensitive_offsets(&chunk) {
            let orig = buf[off];
            let mut variants: Vec<u8> = (0..8).map(|b| orig ^ (1 << b)).collect();
            variants.extend([0x00, 0xFF]);
            for x in variants {
                buf[off] = x;
                // Ok or Err are both fine; the point is no panic, hang or wild allocation. A flip
                // that makes nbytes huge is a legitimate request for a huge output (a special
                // zeros chunk can announce 2 GiB), so bound those with a caller's buffer.
                match ChunkHeader::parse(&buf) {
                    Ok(h) if h.nbytes() > 4 * v.nbytes + 4096 => {
                        let mut out = vec![0u8; 4 * v.nbytes + 4096];
                        let _ = decompress_into(&buf, &mut out);
                    }
                    _ => {
                        let _ = decompress(&buf);
                    }
                }
                let mut out = [0u8; 64];
                let _ = getitem(&buf, 1, 3, &mut out);
                cases += 1;
            }
            buf[off] = orig;
        }
    }
    assert!(cases > 100_000, "only {cases} damaged chunks tried");
}

#[test]
fn garbage_streams_give_codec_errors() {
    // Replace the payload of compressed streams with noise: the decoders must report errors
    // (or, rarely, decode to wrong data), never panic.
    let mut tried = 0;
    for v in vectors()
        .iter()
        .filter(|v| !v.filter.starts_with("special"))
    {
        let mut chunk = read(&v.compressed);
        let Ok(h) = ChunkHeader::parse(&chunk) else {
            continue;
        };
        if h.is_memcpyed() {
            continue;
        }
        let start = h.header_len() + 4 * h.nblocks() + 4;
        let mut x = 0x1234_5678u32;
        for b in chunk.iter_mut().skip(start) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x.to_le_bytes()[0];
        }
        let _ = decompress(&chunk);
        tried += 1;
    }
    assert!(tried > 300);
}
