//! How `blz bench codec` measures: the libraries, the timed loops, and small helpers shared
//! with `blz demo`.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use blz_blosc::{CLevel, CParams, ChunkHeader, Compressor, DParams, Shuffle, TypeSize};

use super::datasets::Dataset;
/// One codec setting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    pub(crate) codec: Compressor,
    pub(crate) clevel: CLevel,
    pub(crate) filter: Shuffle,
    pub(crate) nthreads: usize,
}

/// The libraries measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lib {
    Blz,
    #[cfg(feature = "interop")]
    CBlosc1,
}

impl Lib {
    pub(crate) const ALL: &[Lib] = &[
        Lib::Blz,
        #[cfg(feature = "interop")]
        Lib::CBlosc1,
    ];

    /// The `lib` field of the results.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Lib::Blz => "blz",
            #[cfg(feature = "interop")]
            Lib::CBlosc1 => "c-blosc1-ffi",
        }
    }

    pub(crate) fn version(self) -> String {
        match self {
            Lib::Blz => format!(
                "blz-blosc {} {}",
                env!("CARGO_PKG_VERSION"),
                if cfg!(feature = "simd") {
                    "simd"
                } else {
                    "scalar"
                }
            ),
            #[cfg(feature = "interop")]
            Lib::CBlosc1 => crate::cblosc::version(),
        }
    }

    /// Compresses `data` chunk by chunk; returns the chunks and the wall seconds.
    fn compress(
        self,
        data: &[u8],
        chunk_bytes: usize,
        cfg: &Config,
        typesize: usize,
    ) -> Result<(Vec<Vec<u8>>, f64)> {
        match self {
            Lib::Blz => compress_chunks(data, chunk_bytes, &cfg.cparams(typesize)?),
            #[cfg(feature = "interop")]
            Lib::CBlosc1 => {
                let t = Instant::now();
                let chunks = data
                    .chunks(chunk_bytes)
                    .map(|c| {
                        crate::cblosc::compress(
                            c,
                            cfg.codec,
                            cfg.clevel.get(),
                            cfg.filter,
                            typesize,
                            cfg.nthreads,
                        )
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((chunks, t.elapsed().as_secs_f64()))
            }
        }
    }

    /// Decompresses `chunks` into `dst`; returns the wall seconds.
    fn decompress(
        self,
        chunks: &[Vec<u8>],
        chunk_bytes: usize,
        dst: &mut [u8],
        nthreads: usize,
    ) -> Result<f64> {
        match self {
            Lib::Blz => decompress_chunks(
                chunks,
                chunk_bytes,
                dst,
                &DParams::default().with_nthreads(nthreads),
            ),
            #[cfg(feature = "interop")]
            Lib::CBlosc1 => {
                let t = Instant::now();
                for (c, out) in chunks.iter().zip(dst.chunks_mut(chunk_bytes)) {
                    crate::cblosc::decompress_into(c, out, nthreads)?;
                }
                Ok(t.elapsed().as_secs_f64())
            }
        }
    }
}

impl Config {
    fn cparams(&self, typesize: usize) -> Result<CParams> {
        Ok(CParams::default()
            .with_compressor(self.codec)
            .with_clevel(self.clevel)
            .with_shuffle(self.filter)
            .with_typesize(TypeSize::try_from(typesize)?)
            .with_nthreads(self.nthreads))
    }
}

/// What one library did with one dataset and one setting.
pub(crate) struct Measured {
    pub(crate) nbytes: usize,
    pub(crate) cbytes: usize,
    pub(crate) nchunks: usize,
    pub(crate) blocksize: usize,
    pub(crate) comp_s: Vec<f64>,
    pub(crate) decomp_s: Vec<f64>,
}

/// Compresses and decompresses one dataset `repeats` times; checks the round trip once.
pub(crate) fn measure(
    lib: Lib,
    ds: &Dataset,
    dsts: &mut [Vec<u8>],
    cfg: &Config,
    chunk_bytes: usize,
    repeats: usize,
) -> Result<Measured> {
    let mut comps: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut comp_s = Vec::new();
    for _ in 0..repeats {
        comps.clear();
        let mut secs = 0.0;
        for x in &ds.arrays {
            let (chunks, s) = lib.compress(x, chunk_bytes, cfg, ds.typesize)?;
            comps.push(chunks);
            secs += s;
        }
        comp_s.push(secs);
    }
    let mut decomp_s = Vec::new();
    for r in 0..repeats {
        let mut secs = 0.0;
        for (chunks, dst) in comps.iter().zip(dsts.iter_mut()) {
            secs += lib.decompress(chunks, chunk_bytes, dst, cfg.nthreads)?;
        }
        decomp_s.push(secs);
        if r == 0 {
            for (i, (x, dst)) in ds.arrays.iter().zip(dsts.iter()).enumerate() {
                if let Some(at) = first_difference(x, dst) {
                    bail!("round trip differs: array {i}, byte {at}");
                }
            }
        }
    }
    let first = comps.iter().flatten().next().context("no chunk")?;
    Ok(Measured {
        nbytes: ds.nbytes(),
        cbytes: comps.iter().flatten().map(Vec::len).sum(),
        nchunks: comps.iter().map(Vec::len).sum(),
        blocksize: ChunkHeader::parse(first)?.blocksize(),
        comp_s,
        decomp_s,
    })
}

/// Compresses `data` in chunks of `chunk_bytes` with blz; returns the chunks and wall seconds.
pub(crate) fn compress_chunks(
    data: &[u8],
    chunk_bytes: usize,
    params: &CParams,
) -> Result<(Vec<Vec<u8>>, f64)> {
    let t = Instant::now();
    let chunks = data
        .chunks(chunk_bytes)
        .map(|c| blz_blosc::compress(c, params))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((chunks, t.elapsed().as_secs_f64()))
}

/// Decompresses `chunks` (of `chunk_bytes` each, the last maybe shorter) into `dst`; returns
/// the wall seconds.
pub(crate) fn decompress_chunks(
    chunks: &[Vec<u8>],
    chunk_bytes: usize,
    dst: &mut [u8],
    params: &DParams,
) -> Result<f64> {
    let t = Instant::now();
    for (c, out) in chunks.iter().zip(dst.chunks_mut(chunk_bytes)) {
        blz_blosc::decompress_into_with(c, out, params)?;
    }
    Ok(t.elapsed().as_secs_f64())
}

/// Median wall seconds of `repeats` copies of `src` into `dst` (same length).
pub(crate) fn memcpy_secs(src: &[u8], dst: &mut [u8], repeats: usize) -> f64 {
    let dst = &mut dst[..src.len()];
    let ts: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            dst.copy_from_slice(std::hint::black_box(src));
            std::hint::black_box(&mut *dst);
            t.elapsed().as_secs_f64()
        })
        .collect();
    median(&ts)
}

/// Index of the first differing byte, or of the end of the shorter slice if lengths differ.
pub(crate) fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// `nbytes / secs / 1e9`.
pub(crate) fn gbps(nbytes: usize, secs: f64) -> f64 {
    nbytes as f64 / secs.max(1e-12) / 1e9
}

/// The median (mean of the middle two for an even count), 0 for none.
pub(crate) fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The 1, 5 and 15 minute load averages (Linux).
pub(crate) fn loadavg() -> Option<Vec<f64>> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace()
        .take(3)
        .map(|v| v.parse().ok())
        .collect()
}

/// Prints rows under a header: text columns left-aligned, numbers right-aligned.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    let numeric = |i: usize| {
        rows.iter()
            .all(|r| r.get(i).is_some_and(|c| c.parse::<f64>().is_ok()))
    };
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                if numeric(i) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        outln!("{}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    outln!(
        "{}",
        "-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1))
    );
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

/// `{"median", "min", "max", "n"}` of timings in seconds, as the anchors' records hold them.
pub(crate) fn stats(xs: &[f64]) -> serde_json::Value {
    serde_json::json!({
        "median": median(xs),
        "min": xs.iter().copied().fold(f64::INFINITY, f64::min),
        "max": xs.iter().copied().fold(0.0, f64::max),
        "n": xs.len(),
    })
}

/// The container JSON Lines file to append to: `out`, else the anchors' run folder
/// (`container-1t-blz.jsonl` for one thread, `container-blz.jsonl` otherwise), else none.
pub(crate) fn container_out(
    out: Option<&std::path::Path>,
    threads: usize,
) -> Result<Option<std::fs::File>> {
    let path = out.map(std::path::Path::to_path_buf).or_else(|| {
        std::env::var_os("BLZ_ANCHORS_RUN_DIR").map(|d| {
            let file = if threads == 1 {
                "container-1t-blz.jsonl"
            } else {
                "container-blz.jsonl"
            };
            std::path::PathBuf::from(d).join(file)
        })
    });
    let Some(p) = path else {
        return Ok(None);
    };
    eprintln!("writing {}", p.display());
    Ok(Some(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .with_context(|| format!("cannot open {}", p.display()))?,
    ))
}
