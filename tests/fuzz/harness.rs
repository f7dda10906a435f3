// The checks of the fuzz targets, as plain functions with no fuzzing dependency.
//
// Included (`include!`) by tests/fuzz/fuzz_targets/*.rs and by tests/regressions.rs, which
// replays the saved crashes of tests/data/fuzz-regressions/ on stable: one decoder of the fuzz
// input, so a saved file means the same parameters in both places. Items only (no inner
// attributes), each includer wraps it in `mod harness { ... }`.

use blz_blosc::{
    CLevel, CParams, ChunkHeader, Compressor, DParams, Filter, Format, Shuffle, SplitMode,
    TypeSize, compress, decompress, decompress_into, decompress_with, getitem, max_compressed_len,
};

/// Largest `nbytes` the decompression target decodes in full (bounds the allocations).
pub(crate) const MAX_NBYTES: usize = 16 << 20;

/// Bytes of a `roundtrip` input that encode the parameters; the data follows.
pub(crate) const PARAM_BYTES: usize = 20;

/// Two little-endian bytes at `at` (0 past the end).
fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([
        b.get(at).copied().unwrap_or(0),
        b.get(at + 1).copied().unwrap_or(0),
    ]))
}

/// `decompress_arbitrary`: any bytes. Never panics on its own; panics (the fuzz failure) when
/// the library panics or its entry points disagree.
pub(crate) fn check_decompress(data: &[u8]) {
    let Ok(h) = ChunkHeader::parse(data) else {
        assert!(decompress(data).is_err(), "decompress accepts an unparsable header");
        assert!(getitem(data, 0, 1, &mut [0u8; 256]).is_err(), "getitem accepts it");
        return;
    };
    let ts = h.typesize();
    let nbytes = h.nbytes();
    let items = nbytes / ts;
    // A range from the last four bytes (inside the chunk's items), and one past the end.
    let tail = data.len().saturating_sub(4);
    let start = u16_at(data, tail) % (items + 1);
    let n = u16_at(data, tail + 2) % ((items - start).min(4096) + 1);
    let mut part = vec![0u8; n * ts];
    let got_part = getitem(data, start, n, &mut part);
    if let Ok(k) = got_part {
        assert_eq!(k, n * ts, "getitem length");
    }
    assert!(
        getitem(data, items.saturating_sub(1), 2, &mut [0u8; 512]).is_err(),
        "getitem past the last item succeeds"
    );
    if nbytes > MAX_NBYTES {
        let mut small = vec![0u8; 1024];
        assert!(decompress_into(data, &mut small).is_err(), "decompress_into overflows dst");
        return;
    }
    let serial = decompress(data);
    let parallel = decompress_with(data, &DParams::default().with_nthreads(2));
    match (&serial, &parallel) {
        (Ok(a), Ok(b)) => assert!(a == b, "1 and 2 threads decode differently"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "1 and 2 threads disagree: {:?} vs {:?}",
            a.as_ref().map(Vec::len),
            b.as_ref().map(Vec::len)
        ),
    }
    if let Ok(full) = serial {
        assert_eq!(full.len(), nbytes, "decompressed length is not nbytes");
        match got_part {
            Ok(_) => assert!(
                part[..] == full[start * ts..(start + n) * ts],
                "getitem({start}, {n}) differs from decompress"
            ),
            Err(e) => panic!("decompress succeeds but getitem({start}, {n}) fails: {e}"),
        }
        let mut all = vec![0u8; items * ts];
        match getitem(data, 0, items, &mut all) {
            Ok(_) => assert!(all[..] == full[..items * ts], "getitem(all) differs"),
            Err(e) => panic!("decompress succeeds but getitem(0, {items}) fails: {e}"),
        }
    }
}

/// A decoded `roundtrip` input.
#[derive(Debug)]
pub(crate) struct RoundTrip {
    pub(crate) params: CParams,
    pub(crate) data: Vec<u8>,
    /// Items `[start, start + n)` for `getitem`.
    pub(crate) start: usize,
    pub(crate) n: usize,
    /// `trunc_prec` in the pipeline: the data comes back changed.
    pub(crate) lossy: bool,
}

/// Decodes a `roundtrip` input: `PARAM_BYTES` of parameters, then the data (repeated 1-16
/// times). Always gives parameters `CParams::validate` accepts; `None` when too short.
pub(crate) fn roundtrip_input(input: &[u8]) -> Option<RoundTrip> {
    let (p, rest) = input.split_at_checked(PARAM_BYTES)?;
    let compressor = Compressor::ALL[usize::from(p[0]) % Compressor::ALL.len()];
    let shuffle = [Shuffle::None, Shuffle::Byte, Shuffle::Bit][usize::from(p[2] % 3)];
    let splitmode = [
        SplitMode::ForwardCompat,
        SplitMode::Auto,
        SplitMode::Always,
        SplitMode::Never,
    ][usize::from((p[2] >> 2) & 3)];
    // Snappy does not exist in the Blosc2 format.
    let blosc2 = p[2] & 0x80 != 0 && compressor != Compressor::Snappy;
    let typesize = usize::from(p[3].max(1));
    let blocksize = (p[4] & 2 != 0).then(|| (u16_at(p, 5) + 1) << ((p[4] >> 2) & 3));
    let trunc_bits = i8::from_le_bytes([p[14]]);
    let mut filters: Vec<Filter> = p[8..8 + usize::from(p[7] % 7)]
        .iter()
        .map(|&f| match f % 5 {
            0 => Filter::Shuffle,
            1 => Filter::BitShuffle,
            2 => Filter::Delta,
            3 => Filter::TruncPrec(trunc_bits),
            _ => Filter::ByteDelta,
        })
        .collect();
    if !blosc2 && !matches!(filters.as_slice(), [Filter::Shuffle] | [Filter::BitShuffle]) {
        filters.clear();
    }
    let mut params = CParams::default()
        .with_compressor(compressor)
        .with_clevel(CLevel::new(p[1] % 10))
        .with_shuffle(shuffle)
        .with_typesize(TypeSize::new(typesize))
        .with_nthreads(1 + usize::from(p[4] & 1))
        .with_blocksize(blocksize)
        .with_splitmode(splitmode)
        .with_format(if blosc2 { Format::Blosc2 } else { Format::Blosc1 })
        .with_filters(filters);
    // Make the pipeline valid: delta only first, trunc_prec only for typesize 4 or 8 and a
    // sensible bit count, and as a last resort (a rule added later) no filters at all.
    if params.validate().is_err() {
        let mut k = 0;
        params.filters.retain(|f| {
            k += 1;
            k == 1 || *f != Filter::Delta
        });
    }
    if params.validate().is_err() {
        params.filters.retain(|f| !matches!(f, Filter::TruncPrec(_)));
    }
    if params.validate().is_err() {
        params.filters.clear();
    }
    let lossy = params.filters.iter().any(|f| matches!(f, Filter::TruncPrec(_)));
    let data = rest.repeat(1 + usize::from(p[4] >> 4));
    let items = data.len() / typesize;
    let start = u16_at(p, 16) % (items + 1);
    let n = u16_at(p, 18) % (items - start + 1);
    Some(RoundTrip {
        params,
        data,
        start,
        n,
        lossy,
    })
}

/// `roundtrip`: compress, decompress, getitem. Panics (the fuzz failure) on any mismatch.
pub(crate) fn check_roundtrip(input: &[u8]) {
    let Some(rt) = roundtrip_input(input) else {
        return;
    };
    let p = &rt.params;
    if let Err(e) = p.validate() {
        panic!("the input decoder made invalid parameters {p:?}: {e}");
    }
    let chunk = match compress(&rt.data, p) {
        Ok(c) => c,
        Err(e) => panic!("compress fails with valid parameters {p:?}: {e}"),
    };
    assert!(chunk.len() <= max_compressed_len(rt.data.len(), p.format), "chunk too long");
    let h = match ChunkHeader::parse(&chunk) {
        Ok(h) => h,
        Err(e) => panic!("our own chunk's header does not parse ({p:?}): {e}"),
    };
    assert_eq!(h.nbytes(), rt.data.len(), "header nbytes");
    assert_eq!(h.cbytes(), chunk.len(), "header cbytes");
    let out = match decompress(&chunk) {
        Ok(o) => o,
        Err(e) => panic!("our own chunk does not decompress ({p:?}): {e}"),
    };
    assert_eq!(out.len(), rt.data.len(), "decompressed length");
    if !rt.lossy {
        assert!(out == rt.data, "round trip changes the data ({p:?})");
    }
    match decompress_with(&chunk, &DParams::default().with_nthreads(2)) {
        Ok(o) => assert!(o == out, "2-thread decompression differs ({p:?})"),
        Err(e) => panic!("2-thread decompression fails ({p:?}): {e}"),
    }
    let other = p.clone().with_nthreads(3 - p.nthreads);
    match compress(&rt.data, &other) {
        // Every block gets the same room whatever the thread count: identical chunks.
        Ok(c) => assert!(c == chunk, "the chunk depends on the thread count ({p:?})"),
        Err(e) => panic!("compress fails with {} threads ({p:?}): {e}", other.nthreads),
    }
    let ts = p.typesize.get();
    let (start, n) = (rt.start, rt.n);
    let mut part = vec![0u8; n * ts];
    match getitem(&chunk, start, n, &mut part) {
        Ok(k) => {
            assert_eq!(k, n * ts, "getitem length");
            assert!(
                part[..] == out[start * ts..(start + n) * ts],
                "getitem({start}, {n}) differs from decompress ({p:?})"
            );
        }
        Err(e) => panic!("getitem({start}, {n}) fails ({p:?}): {e}"),
    }
}
