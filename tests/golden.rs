//! The C-made vectors: every chunk decodes to its original, whole and by item ranges, with one
//! and two threads; our encoder's headers match C's; our chunks of the same data round-trip.

use blz_blosc::{ChunkHeader, DParams, decompress, decompress_with, getitem};

use crate::util::{read, sha256_hex, vectors};

#[test]
fn every_c_vector_decodes_to_its_original() {
    let all = vectors();
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in &all {
        let chunk = read(&v.compressed);
        let got = match decompress(&chunk) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{}: {e}", v.id));
                continue;
            }
        };
        match v.expected() {
            Some(want) => {
                assert_eq!(
                    Some(sha256_hex(&want)),
                    v.original_sha256,
                    "{}: original file damaged",
                    v.id
                );
                if got != want {
                    let first = got.iter().zip(&want).position(|(a, b)| a != b);
                    failures.push(format!(
                        "{}: wrong bytes (len {} vs {}, first diff {first:?})",
                        v.id,
                        got.len(),
                        want.len()
                    ));
                    continue;
                }
                let par = decompress_with(&chunk, &DParams::default().with_nthreads(2))
                    .expect("decodes with 2 threads");
                assert!(par == want, "{}: 2-thread decode differs", v.id);
            }
            None => {
                // special-uninit: only the length is defined.
                assert_eq!(v.filter, "special-uninit", "{}: no original", v.id);
                if got.len() != v.nbytes {
                    failures.push(format!("{}: length {} != {}", v.id, got.len(), v.nbytes));
                    continue;
                }
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, all.len(), "every vector checked");
}

#[test]
fn getitem_matches_the_original_on_every_vector() {
    for v in vectors() {
        let Some(want) = v.expected() else { continue };
        let chunk = read(&v.compressed);
        let h = ChunkHeader::parse(&chunk).expect("header");
        let ts = h.typesize();
        let nitems = want.len() / ts;
        if nitems == 0 {
            continue;
        }
        // A few ranges: the start, the end, one across a block boundary, a single item.
        let bs_items = (h.blocksize() / ts).max(1);
        let ranges = [
            (0, nitems.min(3)),
            (nitems.saturating_sub(5), nitems.min(5)),
            (
                bs_items.saturating_sub(2).min(nitems - 1),
                4.min(nitems - bs_items.saturating_sub(2).min(nitems - 1)),
            ),
            (nitems / 2, 1),
            (0, nitems),
        ];
        for (start, n) in ranges {
            let mut out = vec![0u8; n * ts];
            let got = getitem(&chunk, start, n, &mut out)
                .unwrap_or_else(|e| panic!("{}: getitem({start}, {n}): {e}", v.id));
            assert_eq!(got, n * ts);
            assert!(
                out == want[start * ts..(start + n) * ts],
                "{}: getitem({start}, {n}) differs",
                v.id
            );
        }
    }
}

#[test]
fn our_headers_match_c_blosc1_for_the_same_parameters() {
    let mut mismatches = Vec::new();
    for v in vectors().iter().filter(|v| v.library == "c-blosc1") {
        let input = v.input_bytes().expect("input");
        let c = read(&v.compressed);
        let ours = blz_blosc::compress(&input, &v.cparams()).expect("compresses");
        // Memcpy fallbacks depend on codec output sizes, so the 0x02 bit is not compared.
        let (cf, of) = (c[2] & !0x02, ours[2] & !0x02);
        if c[..2] != ours[..2] || cf != of || c[3..12] != ours[3..12] {
            mismatches.push(format!(
                "{}: C {:02x?} ours {:02x?}",
                v.id,
                &c[..12],
                &ours[..12]
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn our_headers_match_c_blosc2_for_the_same_parameters() {
    let mut mismatches = Vec::new();
    for v in vectors().iter().filter(|v| v.library == "c-blosc2") {
        if v.filter.starts_with("special") || v.filters.is_none() {
            continue; // made by SChunk calls or the global API, not by compress2 with these params
        }
        let input = v.input_bytes().expect("input");
        let c = read(&v.compressed);
        let ours = blz_blosc::compress(&input, &v.cparams()).expect("compresses");
        let memcpy = (c[2] | ours[2]) & 0x02 != 0;
        let same_blocksize = c[8..12] == ours[8..12];
        let same_flags = memcpy || c[2] == ours[2];
        // Same pipeline (C keeps the caller's slot positions; we right-align the list).
        let nonzero = |b: &[u8]| b.iter().copied().filter(|&f| f != 0).collect::<Vec<_>>();
        let same_pipeline = nonzero(&c[16..22]) == nonzero(&ours[16..22]);
        if c[0] != ours[0]
            || c[3..8] != ours[3..8]
            || !same_blocksize
            || !same_flags
            || !same_pipeline
        {
            mismatches.push(format!(
                "{}: C {:02x?} ours {:02x?}",
                v.id,
                &c[..32],
                &ours[..32]
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn our_encoder_round_trips_every_vector_input() {
    for v in vectors() {
        let Some(input) = v.input_bytes() else {
            continue;
        };
        let p = v.cparams();
        let chunk = blz_blosc::compress(&input, &p).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        let back = decompress(&chunk).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        let want = if v.lossy {
            v.expected().expect("original")
        } else {
            input
        };
        assert!(back == want, "{}: our chunk does not round-trip", v.id);
    }
}

/// The chunks of a C-Blosc2 contiguous frame, found the way a reader must: the msgpack header
/// gives its length (int32 at byte 11), the trailer length sits 22 bytes before the end, chunks
/// lie back to back in between, the last one holds the int64 chunk offsets (relative to the end
/// of the header; a negative offset is a special chunk that is not stored).
fn frame_chunks(frame: &[u8]) -> Vec<Result<&[u8], u8>> {
    let be32 = |at: usize| u32::from_be_bytes(frame[at..at + 4].try_into().expect("4 bytes"));
    assert_eq!(&frame[1..9], b"\xa8b2frame", "frame magic");
    assert_eq!(frame[10], 0xd2, "header_len is an int32");
    let header_len = be32(11) as usize;
    let trailer_len = be32(frame.len() - 22) as usize;
    let chunks_end = frame.len() - trailer_len;
    let mut pos = header_len;
    let mut last = pos;
    while pos < chunks_end {
        let h = ChunkHeader::parse(&frame[pos..]).expect("chunk header in frame");
        last = pos;
        pos += h.cbytes();
    }
    assert_eq!(pos, chunks_end, "chunks fill the chunk section");
    let offsets = decompress(&frame[last..]).expect("offsets chunk decodes");
    offsets
        .chunks_exact(8)
        .map(|o| {
            let off = i64::from_le_bytes(o.try_into().expect("8 bytes"));
            if off < 0 {
                Err(o[7] & 0x7f)
            } else {
                let at = header_len + off as usize;
                let h = ChunkHeader::parse(&frame[at..]).expect("chunk header");
                Ok(&frame[at..at + h.cbytes()])
            }
        })
        .collect()
}

#[test]
fn every_c_blosc2_frame_decodes_to_its_original() {
    let dir = crate::util::vectors_dir();
    let m: serde_json::Value =
        serde_json::from_slice(&read(&dir.join("manifest.json"))).expect("json");
    let frames = m["frames"].as_array().expect("frames");
    assert_eq!(frames.len(), 6);
    for f in frames {
        let id = f["id"].as_str().expect("id");
        let frame = read(&dir.join(f["frame_file"].as_str().expect("frame_file")));
        let want = read(&dir.join(f["original_file"].as_str().expect("original_file")));
        let sizes: Vec<usize> = f["chunks"]
            .as_array()
            .expect("chunks")
            .iter()
            .map(|c| c["nbytes"].as_u64().expect("nbytes") as usize)
            .collect();
        let chunks = frame_chunks(&frame);
        assert_eq!(chunks.len(), sizes.len(), "{id}: chunk count");
        let mut got = Vec::new();
        for (c, n) in chunks.into_iter().zip(sizes) {
            match c {
                Ok(chunk) => got.extend(decompress(chunk).unwrap_or_else(|e| panic!("{id}: {e}"))),
                Err(1) => got.resize(got.len() + n, 0),
                Err(kind) => panic!("{id}: special chunk kind {kind} in the offsets"),
            }
        }
        assert!(got == want, "{id}: frame content differs");
    }
}
