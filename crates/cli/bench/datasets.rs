//! The data of `blz bench codec`: the anchors' datasets (a folder with `manifest.json`) or the
//! demo's generated columns.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::demo;

/// Every codec dataset name the anchors know.
pub(crate) const ALL: [&str; 11] = [
    "arange_i8_10M",
    "arange_i8_100M",
    "linspace_f8_100M",
    "lowcard_i4_100M",
    "randwalk_f8_50M",
    "uniform_f8_10M",
    "table.ts_i8",
    "table.price_f8",
    "table.qty_i4",
    "table.flag_b1",
    "flights.all",
];

/// The datasets measured by default.
pub(crate) const DEFAULT: [&str; 6] = [
    "arange_i8_10M",
    "linspace_f8_100M",
    "lowcard_i4_100M",
    "randwalk_f8_50M",
    "table.price_f8",
    "flights.all",
];

/// The datasets of the anchors' `codec_bench.py --quick`, so `--quick` rows match theirs.
pub(crate) const QUICK: [&str; 5] = [
    "randwalk_f8_50M",
    "table.ts_i8",
    "table.price_f8",
    "table.qty_i4",
    "flights.all",
];

/// One benchmark input: one or more arrays (each compressed separately) of one element size.
pub(crate) struct Dataset {
    /// Name written to the results.
    pub(crate) name: String,
    /// Element size in bytes.
    pub(crate) typesize: usize,
    /// The arrays' little-endian bytes.
    pub(crate) arrays: Vec<Vec<u8>>,
    /// The prefix size asked for (`None`: the whole dataset).
    pub(crate) cap_bytes: Option<usize>,
}

impl Dataset {
    /// Total bytes of all arrays.
    pub(crate) fn nbytes(&self) -> usize {
        self.arrays.iter().map(Vec::len).sum()
    }
}

/// The demo's columns, `nbytes` each.
pub(crate) fn generated(nbytes: usize) -> Vec<Dataset> {
    demo::columns(nbytes)
        .into_iter()
        .map(|c| Dataset {
            name: c.name.to_owned(),
            typesize: c.typesize,
            arrays: vec![c.bytes],
            cap_bytes: Some(nbytes),
        })
        .collect()
}

/// The anchors' `manifest.json` of a data folder.
pub(crate) struct Manifest {
    dir: std::path::PathBuf,
    root: Value,
}

impl Manifest {
    /// Reads `dir/manifest.json`.
    pub(crate) fn open(dir: &Path) -> Result<Manifest> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (generate the data with ../shared/anchors/datasets.py)",
                path.display()
            )
        })?;
        let root = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        Ok(Manifest {
            dir: dir.to_owned(),
            root,
        })
    }

    /// Loads dataset `name`, at most `cap` bytes of it (whole elements, counted across the
    /// columns of `flights.all`), or `None` when the folder does not have it.
    pub(crate) fn load(&self, name: &str, cap: Option<usize>) -> Result<Option<Dataset>> {
        let entries: Vec<&Value> = if name == "flights.all" {
            let Some(cols) = self.root["flights"]["columns"].as_object() else {
                return Ok(None);
            };
            // Column-name order, as the anchors use.
            let mut cols: Vec<(&String, &Value)> = cols.iter().collect();
            cols.sort_by_key(|&(k, _)| k);
            cols.into_iter().map(|(_, v)| v).collect()
        } else if let Some(col) = name.strip_prefix("table.") {
            let col = col.rsplit_once('_').map_or(col, |(c, _)| c);
            let e = &self.root["table_10M"]["columns"][col];
            if e.is_null() {
                return Ok(None);
            }
            vec![e]
        } else {
            let e = &self.root[name];
            if e.is_null() {
                return Ok(None);
            }
            vec![e]
        };
        let mut left = cap.unwrap_or(usize::MAX);
        let mut arrays = Vec::new();
        let mut typesize = 0;
        for e in entries {
            let ts = dtype_size(e)?;
            if typesize == 0 {
                typesize = ts;
            } else if ts != typesize {
                bail!("{name}: columns of different element sizes ({typesize} and {ts})");
            }
            if left < ts {
                break;
            }
            let nbytes = field(e, "nbytes")?;
            let take = nbytes.min(left) / ts * ts;
            arrays.push(self.read(e, take)?);
            left -= take;
        }
        Ok(Some(Dataset {
            name: name.to_owned(),
            typesize,
            arrays,
            cap_bytes: cap,
        }))
    }

    /// The first `len` data bytes of one manifest entry.
    fn read(&self, e: &Value, len: usize) -> Result<Vec<u8>> {
        let file = e["file"]
            .as_str()
            .context("manifest entry without \"file\"")?;
        let path = self.dir.join(file);
        let offset = field(e, "data_offset")?;
        let mut f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        f.seek(SeekFrom::Start(u64::try_from(offset)?))?;
        let mut buf = vec![0u8; len];
        f.read_exact(&mut buf)
            .with_context(|| format!("{} is shorter than its manifest says", path.display()))?;
        Ok(buf)
    }
}

/// A non-negative integer field of a manifest entry.
fn field(e: &Value, key: &str) -> Result<usize> {
    let v = e[key]
        .as_u64()
        .with_context(|| format!("manifest entry without a numeric \"{key}\""))?;
    Ok(usize::try_from(v)?)
}

/// The element size of a numpy dtype string such as `<f8` or `|b1`.
fn dtype_size(e: &Value) -> Result<usize> {
    let dtype = e["dtype"]
        .as_str()
        .context("manifest entry without \"dtype\"")?;
    dtype
        .get(2..)
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|&n| (1..=255).contains(&n))
        .with_context(|| format!("unsupported dtype {dtype}"))
}
