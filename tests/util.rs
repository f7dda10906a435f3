//! Shared helpers of the integration tests: the golden vectors' manifest and file access, and
//! running the `blz` command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blz_blosc::{CLevel, CParams, Compressor, Filter, Format, Shuffle, SplitMode, TypeSize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The folder of the C-made vectors (copied from shared/testdata/blosc).
pub(crate) fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blosc")
}

/// One chunk vector of the manifest.
#[derive(Debug, Clone)]
pub(crate) struct Vector {
    pub(crate) id: String,
    pub(crate) library: String,
    pub(crate) codec: String,
    pub(crate) clevel: u8,
    pub(crate) filter: String,
    pub(crate) filters: Option<Vec<u8>>,
    pub(crate) filters_meta: Option<Vec<i64>>,
    pub(crate) typesize: usize,
    pub(crate) nbytes: usize,
    pub(crate) blocksize: Option<usize>,
    pub(crate) nthreads: usize,
    pub(crate) splitmode: String,
    pub(crate) lossy: bool,
    pub(crate) compressed: PathBuf,
    pub(crate) original: Option<PathBuf>,
    pub original_sha256: Option<String>,
    pub(crate) input: Option<PathBuf>,
}

/// Every chunk vector, failing (never skipping) when the folder is missing.
pub(crate) fn vectors() -> Vec<Vector> {
    let dir = vectors_dir();
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .unwrap_or_else(|e| panic!("golden vectors missing at {}: {e}", dir.display()));
    let m: Value = serde_json::from_str(&text).expect("manifest is JSON");
    let list = m["vectors"].as_array().expect("vectors array");
    assert_eq!(
        list.len() as u64,
        m["counts"]["vectors"].as_u64().expect("counts"),
        "manifest count"
    );
    list.iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().map(str::to_owned);
            let u = |k: &str| v[k].as_u64().map(|x| x as usize);
            let path = |k: &str| s(k).map(|p| dir.join(p));
            Vector {
                id: s("id").expect("id"),
                library: s("library").expect("library"),
                codec: s("codec").expect("codec"),
                clevel: u("clevel").expect("clevel") as u8,
                filter: s("filter").expect("filter"),
                filters: v["filters"]
                    .as_array()
                    .map(|a| a.iter().map(|x| x.as_u64().expect("id") as u8).collect()),
                filters_meta: v["filters_meta"]
                    .as_array()
                    .map(|a| a.iter().map(|x| x.as_i64().expect("meta")).collect()),
                typesize: u("typesize").expect("typesize"),
                nbytes: u("nbytes").expect("nbytes"),
                blocksize: u("blocksize"),
                nthreads: u("nthreads").unwrap_or(1),
                splitmode: s("splitmode").unwrap_or_default(),
                lossy: v["lossy"].as_bool().unwrap_or(false),
                compressed: path("compressed_file").expect("compressed_file"),
                original: path("original_file"),
                original_sha256: s("original_sha256"),
                input: path("input_file"),
            }
        })
        .collect()
}

pub(crate) fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

impl Vector {
    /// The parameters the C library was given, as our `CParams`.
    pub(crate) fn cparams(&self) -> CParams {
        let codec: Compressor = self.codec.parse().expect("codec");
        let splitmode = match self.splitmode.as_str() {
            "ALWAYS" => SplitMode::Always,
            "NEVER" => SplitMode::Never,
            "AUTO" => SplitMode::Auto,
            _ => SplitMode::ForwardCompat,
        };
        let mut p = CParams::default()
            .with_compressor(codec)
            .with_clevel(CLevel::new(self.clevel))
            .with_typesize(TypeSize::new(self.typesize.clamp(1, 255)))
            .with_blocksize(self.blocksize)
            .with_splitmode(splitmode)
            .with_nthreads(self.nthreads.max(1));
        if self.library == "c-blosc1" {
            p = p.with_shuffle(self.filter.parse::<Shuffle>().expect("filter"));
        } else {
            let ids = self.filters.clone().unwrap_or_default();
            let metas = self.filters_meta.clone().unwrap_or_else(|| vec![0; 6]);
            let mut filters = Vec::new();
            for (id, meta) in ids.iter().zip(metas) {
                match id {
                    1 => filters.push(Filter::Shuffle),
                    2 => filters.push(Filter::BitShuffle),
                    3 => filters.push(Filter::Delta),
                    4 => filters.push(Filter::TruncPrec(meta as i8)),
                    35 => filters.push(Filter::ByteDelta),
                    _ => {}
                }
            }
            if self.filters.is_none() {
                // The global-API vectors give only a filter name.
                if let Ok(s) = self.filter.parse::<Shuffle>() {
                    p = p.with_shuffle(s);
                }
            }
            if filters.is_empty() {
                p = p.with_shuffle(Shuffle::None);
            }
            p = p.with_filters(filters).with_format(Format::Blosc2);
        }
        p
    }

    /// The bytes decompression must give (None for uninit chunks).
    pub(crate) fn expected(&self) -> Option<Vec<u8>> {
        self.original.as_ref().map(|p| read(p))
    }

    /// The bytes that were handed to the compressor.
    pub(crate) fn input_bytes(&self) -> Option<Vec<u8>> {
        self.input
            .as_ref()
            .or(self.original.as_ref())
            .map(|p| read(p))
    }
}

// ---- running the `blz` command in tests ------------------------------------------------

/// Runs `blz ARGS` in `dir`.
pub(crate) fn blz(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blz"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the blz binary runs")
}

/// The command line and its output, framed by rules, for failure messages.
pub(crate) fn show(args: &[&str], out: &Output) -> String {
    let rule = "-".repeat(72);
    format!(
        "\n{rule}\nblz {}\n{}\n{rule} stdout\n{}\n{rule} stderr\n{}\n{rule}\n",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}

/// Runs `blz ARGS`, failing the test unless it succeeds; returns stdout.
pub(crate) fn ok(dir: &Path, args: &[&str]) -> String {
    let out = blz(dir, args);
    assert!(out.status.success(), "command failed:{}", show(args, &out));
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}
