//! The manifest: a table's schema, lengths and the location, checksum and statistics of every
//! chunk, as JSON, itself protected by a checksum.
//!
//! The file holds `{"xxh3": "<16 hex digits>", "manifest": {...}}`, where the checksum covers the
//! exact bytes of the `manifest` value as written, so a damaged manifest is an error rather than
//! wrong statistics or offsets.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The format name in every manifest.
pub(crate) const FORMAT_NAME: &str = "blz-table";
/// The newest manifest version this build reads and the one it writes.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// The manifest's file name inside a table directory.
pub(crate) const MANIFEST: &str = "manifest.json";

/// The whole manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Manifest {
    pub(crate) format: String,
    pub(crate) version: u32,
    /// Increases by one at every commit.
    pub(crate) generation: u64,
    pub(crate) rows: u64,
    pub(crate) chunklen: u64,
    /// Codec of new columns.
    pub(crate) codec: CodecRec,
    pub(crate) columns: Vec<ColumnRec>,
    /// Committed length of every data file (bytes past it are garbage of an interrupted commit).
    pub(crate) files: BTreeMap<String, u64>,
    /// This commit's side file (tails and dictionaries), if any.
    pub(crate) side: Option<SideRec>,
}

/// Codec parameters of an array's chunks.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct CodecRec {
    pub(crate) codec: String,
    pub(crate) clevel: u8,
    pub(crate) shuffle: String,
    pub(crate) blocksize: Option<u64>,
    /// `CParams::min_saving` (absent in tables written before it existed: the default then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min_saving: Option<u8>,
}

/// One column.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct ColumnRec {
    pub(crate) name: String,
    /// `i32`, `f64`, `timestamp[ms]`, `utf8`, ...
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// Present once the column holds a null.
    pub(crate) validity: Option<ArrayRec>,
    pub(crate) storage: StorageRec,
}

/// How a column's values are stored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum StorageRec {
    /// Fixed-size values.
    Fixed { data: ArrayRec },
    /// Text as dictionary codes (`u32`) plus the distinct values (in the side file).
    Dict { codes: ArrayRec, dict: DictRec },
    /// Text as end offsets (`u64`) and bytes (`u8`).
    Plain { ends: ArrayRec, bytes: ArrayRec },
}

/// A dictionary: `count` strings in the side file, each a little-endian `u32` length + bytes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct DictRec {
    pub(crate) count: u64,
    pub(crate) blob: BlobRec,
}

/// One typed array (a column's data, validity, codes, ...).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct ArrayRec {
    /// Data file name within the table directory.
    pub(crate) file: String,
    pub(crate) dtype: String,
    pub(crate) chunklen: u64,
    pub(crate) codec: CodecRec,
    pub(crate) chunks: Vec<ChunkRec>,
    /// Elements in the uncompressed tail.
    pub(crate) tail_len: u64,
    /// The tail, compressed as one Blosc chunk in the side file (absent when empty).
    pub(crate) tail: Option<BlobRec>,
}

/// One chunk of an array in its data file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct ChunkRec {
    pub(crate) offset: u64,
    pub(crate) cbytes: u64,
    /// xxh3-64 of the chunk's bytes, 16 hex digits.
    pub(crate) xxh3: String,
    pub(crate) blocksize: u64,
    pub(crate) stats: StatsRec,
}

/// Chunk statistics. Numbers are JSON numbers; a NaN or infinite float is a string.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct StatsRec {
    pub(crate) min: Option<Num>,
    pub(crate) max: Option<Num>,
    pub(crate) sum: Num,
    pub(crate) count: u64,
    pub(crate) nan_count: u64,
}

/// A number kept exact: integers as integers, floats as floats or as text when not finite.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub(crate) enum Num {
    I(i64),
    U(u64),
    F(f64),
    #[serde(with = "nonfinite")]
    NonFinite(f64),
}

mod nonfinite {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if x.is_nan() {
            "NaN"
        } else if *x > 0.0 {
            "inf"
        } else {
            "-inf"
        })
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match <&str>::deserialize(d)? {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(serde::de::Error::custom(format!("not a number: {other:?}"))),
        }
    }
}

impl Num {
    pub(crate) fn float(x: f64) -> Num {
        if x.is_finite() {
            Num::F(x)
        } else {
            Num::NonFinite(x)
        }
    }

    pub(crate) fn as_f64(self) -> Option<f64> {
        match self {
            Num::F(x) | Num::NonFinite(x) => Some(x),
            #[expect(
                clippy::cast_precision_loss,
                reason = "JSON may write whole floats as integers"
            )]
            Num::I(x) => Some(x as f64),
            #[expect(
                clippy::cast_precision_loss,
                reason = "JSON may write whole floats as integers"
            )]
            Num::U(x) => Some(x as f64),
        }
    }

    pub(crate) fn as_i64(self) -> Option<i64> {
        match self {
            Num::I(x) => Some(x),
            Num::U(x) => i64::try_from(x).ok(),
            Num::F(_) | Num::NonFinite(_) => None,
        }
    }

    pub(crate) fn as_u64(self) -> Option<u64> {
        match self {
            Num::U(x) => Some(x),
            Num::I(x) => u64::try_from(x).ok(),
            Num::F(_) | Num::NonFinite(_) => None,
        }
    }
}

/// A region of the side file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct BlobRec {
    pub(crate) offset: u64,
    pub(crate) len: u64,
    pub(crate) xxh3: String,
}

/// The side file of a commit: tails and dictionaries, rewritten at every commit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct SideRec {
    pub(crate) file: String,
    pub(crate) len: u64,
}

/// The wrapper written to disk.
#[derive(Serialize)]
struct Envelope<'a> {
    xxh3: String,
    manifest: &'a serde_json::value::RawValue,
}

#[derive(Deserialize)]
struct EnvelopeIn<'a> {
    xxh3: String,
    #[serde(borrow)]
    manifest: &'a serde_json::value::RawValue,
}

pub(crate) fn hex(h: u64) -> String {
    format!("{h:016x}")
}

pub(crate) fn parse_hex(s: &str) -> Option<u64> {
    (s.len() == 16)
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

impl Manifest {
    /// The manifest as the bytes of its file.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>> {
        let body = serde_json::to_string_pretty(self).map_err(|e| {
            Error::param("manifest", e.to_string(), "a manifest serde_json can write")
        })?;
        let raw = serde_json::value::RawValue::from_string(body).map_err(|e| {
            Error::param("manifest", e.to_string(), "a manifest serde_json can write")
        })?;
        let env = Envelope {
            xxh3: hex(xxhash_rust::xxh3::xxh3_64(raw.get().as_bytes())),
            manifest: &raw,
        };
        let mut out = serde_json::to_vec(&env).map_err(|e| {
            Error::param("manifest", e.to_string(), "a manifest serde_json can write")
        })?;
        out.push(b'\n');
        Ok(out)
    }

    /// Reads a manifest file's bytes: checks the checksum, the format name and the version.
    pub(crate) fn from_bytes(bytes: &[u8], path: &Path) -> Result<Manifest> {
        let env: EnvelopeIn<'_> = serde_json::from_slice(bytes).map_err(|e| {
            Error::table(
                path,
                format!("the manifest is not readable JSON ({e}); the table is damaged"),
            )
        })?;
        let got = xxhash_rust::xxh3::xxh3_64(env.manifest.get().as_bytes());
        if parse_hex(&env.xxh3) != Some(got) {
            return Err(Error::table(
                path,
                "the manifest's checksum does not match its contents; the table is damaged",
            ));
        }
        // Check name and version before the full structure, so a newer table says so.
        #[derive(Deserialize)]
        struct Head {
            format: String,
            version: u32,
        }
        let head: Head = serde_json::from_str(env.manifest.get())
            .map_err(|e| Error::table(path, format!("the manifest has no format header ({e})")))?;
        if head.format != FORMAT_NAME {
            return Err(Error::table(
                path,
                format!("not a blz table (format {:?})", head.format),
            ));
        }
        if head.version > FORMAT_VERSION {
            return Err(Error::table(
                path,
                format!(
                    "written by a newer blz (table format version {}, this blz reads up to {FORMAT_VERSION}); upgrade blz",
                    head.version
                ),
            ));
        }
        serde_json::from_str(env.manifest.get())
            .map_err(|e| Error::table(path, format!("the manifest is malformed ({e})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let codec = CodecRec {
            codec: "lz4".into(),
            clevel: 5,
            shuffle: "byte".into(),
            blocksize: Some(1 << 15),
            min_saving: Some(15),
        };
        Manifest {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            generation: 3,
            rows: 10,
            chunklen: 8,
            codec: codec.clone(),
            columns: vec![ColumnRec {
                name: "x".into(),
                ty: "f64".into(),
                validity: None,
                storage: StorageRec::Fixed {
                    data: ArrayRec {
                        file: "c0.data".into(),
                        dtype: "f64".into(),
                        chunklen: 8,
                        codec,
                        chunks: vec![ChunkRec {
                            offset: 0,
                            cbytes: 80,
                            xxh3: hex(42),
                            blocksize: 64,
                            stats: StatsRec {
                                min: Some(Num::float(-0.5)),
                                max: Some(Num::U(u64::MAX)),
                                sum: Num::float(f64::NAN),
                                count: 8,
                                nan_count: 1,
                            },
                        }],
                        tail_len: 2,
                        tail: None,
                    },
                },
            }],
            files: BTreeMap::from([("c0.data".to_string(), 80)]),
            side: None,
        }
    }

    #[test]
    fn manifest_round_trips_with_checksum() {
        let m = sample();
        let b = m.to_bytes().unwrap();
        let back = Manifest::from_bytes(&b, Path::new("t")).unwrap();
        // NaN != NaN: compare the rest through the bytes.
        assert_eq!(back.to_bytes().unwrap(), b);
        assert_eq!(back.columns[0].name, "x");
    }

    #[test]
    fn codec_without_min_saving_reads_as_before() {
        // Tables written before `min_saving` existed have no such key.
        let mut m = sample();
        m.codec.min_saving = None;
        if let StorageRec::Fixed { data } = &mut m.columns[0].storage {
            data.codec.min_saving = None;
        }
        let b = m.to_bytes().unwrap();
        assert!(!String::from_utf8_lossy(&b).contains("min_saving"));
        let back = Manifest::from_bytes(&b, Path::new("t")).unwrap();
        assert_eq!(back.codec.min_saving, None);
        assert_eq!(back.to_bytes().unwrap(), b);
    }

    #[test]
    fn manifest_bit_flips_are_errors_or_identical() {
        let b = sample().to_bytes().unwrap();
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut d = b.clone();
                d[i] ^= 1 << bit;
                if let Ok(m) = Manifest::from_bytes(&d, Path::new("t")) {
                    // Only whitespace outside the checksummed body may change harmlessly.
                    assert_eq!(
                        m.to_bytes().unwrap(),
                        b,
                        "flip at {i}:{bit} changed the manifest"
                    );
                }
            }
        }
    }

    #[test]
    fn newer_version_is_a_clear_error() {
        let mut m = sample();
        m.version = FORMAT_VERSION + 1;
        let e = Manifest::from_bytes(&m.to_bytes().unwrap(), Path::new("t")).unwrap_err();
        assert!(e.to_string().contains("newer blz"), "{e}");
    }
}
