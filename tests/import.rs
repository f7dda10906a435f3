//! Importing bcolz directories and python-blosc2 frames: every test input made by the real
//! libraries (tests/data/bcolz/make.py) decodes to exactly its values, and broken inputs give
//! errors, never panics.

use std::fs;
use std::path::{Path, PathBuf};

use blz::import::{self, B2FrameSource, BcolzSource, ImportError, Source, SourceFormat};
use blz::{CTable, ColumnType, DType, Error, Value, Values};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

fn data(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
}

/// The items of a test data manifest; fails (never skips) when the folder is missing.
fn manifest(dir: &str) -> Vec<Json> {
    let p = data(dir).join("manifest.json");
    let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let m: Json = serde_json::from_str(&text).expect("manifest is JSON");
    m["items"].as_array().expect("items").clone()
}

fn str_of<'a>(j: &'a Json, k: &str) -> &'a str {
    j[k].as_str().unwrap_or_else(|| panic!("{k} in {j}"))
}

/// The canonical bytes of make.py: numbers little-endian in the blz type, bool 0/1, text as
/// u32 length + UTF-8.
fn canon_values(v: &Values, out: &mut Vec<u8>) {
    match v {
        Values::Bool(x) => out.extend(x.iter().map(|&b| u8::from(b))),
        Values::I8(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::I16(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::I32(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::I64(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::U8(x) => out.extend_from_slice(x),
        Values::U16(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::U32(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::U64(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::F32(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::F64(x) => out.extend(x.iter().flat_map(|v| v.to_le_bytes())),
        Values::Timestamp(x, _) => out.extend(x.iter().flat_map(|v| v.0.to_le_bytes())),
        Values::Utf8(x) => {
            for s in x {
                out.extend((s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
        other => panic!("unexpected values {other:?}"),
    }
}

/// The same canonical bytes, read back cell by cell from a table.
fn canon_table(t: &CTable, name: &str, ty: ColumnType) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..t.len() {
        let v = t.value(name, i).expect("value");
        match (ty, v) {
            (ColumnType::Fixed(DType::Bool), Value::Bool(b)) => out.push(u8::from(b)),
            (ColumnType::Fixed(DType::I8), Value::Int(x)) => out.extend((x as i8).to_le_bytes()),
            (ColumnType::Fixed(DType::I16), Value::Int(x)) => out.extend((x as i16).to_le_bytes()),
            (ColumnType::Fixed(DType::I32), Value::Int(x)) => out.extend((x as i32).to_le_bytes()),
            (ColumnType::Fixed(DType::I64), Value::Int(x)) => out.extend(x.to_le_bytes()),
            (ColumnType::Fixed(DType::U8), Value::UInt(x)) => out.push(x as u8),
            (ColumnType::Fixed(DType::U16), Value::UInt(x)) => out.extend((x as u16).to_le_bytes()),
            (ColumnType::Fixed(DType::U32), Value::UInt(x)) => out.extend((x as u32).to_le_bytes()),
            (ColumnType::Fixed(DType::U64), Value::UInt(x)) => out.extend(x.to_le_bytes()),
            (ColumnType::Fixed(DType::F32), Value::Float(x)) => {
                out.extend((x as f32).to_le_bytes())
            }
            (ColumnType::Fixed(DType::F64), Value::Float(x)) => out.extend(x.to_le_bytes()),
            (ColumnType::Fixed(DType::Timestamp(_)), Value::Timestamp(x, _)) => {
                out.extend(x.to_le_bytes());
            }
            (ColumnType::Utf8, Value::Str(s)) => {
                out.extend((s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            (ty, v) => panic!("{name}[{i}]: {v:?} in a {ty} column"),
        }
    }
    out
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Streams a source, checks its schema, length and values against a manifest item; returns
/// the number of batches.
fn check_source(
    id: &str,
    item: &Json,
    schema: &blz::Schema,
    len: usize,
    batches: impl Iterator<Item = blz::Result<Vec<blz::ColumnBatch>>>,
) -> usize {
    let cols = item["columns"].as_array().expect("columns");
    let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    let want: Vec<&str> = cols.iter().map(|c| str_of(c, "name")).collect();
    assert_eq!(names, want, "{id}: column names");
    for (f, c) in schema.fields.iter().zip(cols) {
        assert_eq!(
            f.ty.to_string(),
            str_of(c, "blz_type"),
            "{id}: type of {}",
            f.name
        );
        assert!(!f.nullable);
        assert_eq!(len as u64, c["len"].as_u64().expect("len"), "{id}: len");
    }
    let mut bytes = vec![Vec::new(); cols.len()];
    let mut rows = 0;
    let mut n = 0;
    for b in batches {
        let b = b.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(b.len(), cols.len(), "{id}: one batch per column");
        let r = b[0].values.len();
        for (col, out) in b.iter().zip(&mut bytes) {
            assert_eq!(col.values.len(), r, "{id}: batch columns of equal length");
            assert!(col.validity.is_none());
            canon_values(&col.values, out);
        }
        rows += r;
        n += 1;
    }
    assert_eq!(rows, len, "{id}: rows streamed");
    for (c, b) in cols.iter().zip(&bytes) {
        assert_eq!(
            sha(b),
            str_of(c, "sha256"),
            "{id}: values of {}",
            str_of(c, "name")
        );
    }
    n
}

fn check_table(id: &str, item: &Json, t: &CTable) {
    for c in item["columns"].as_array().expect("columns") {
        let name = str_of(c, "name");
        let f = t.schema().fields.into_iter().find(|f| f.name == name);
        let f = f.unwrap_or_else(|| panic!("{id}: no column {name}"));
        assert_eq!(t.len() as u64, c["len"].as_u64().expect("len"));
        let got = canon_table(t, name, f.ty);
        assert_eq!(sha(&got), str_of(c, "sha256"), "{id}: table column {name}");
    }
}

#[test]
fn bcolz_every_test_array_and_table_decodes_to_its_values() {
    let items = manifest("bcolz");
    assert!(
        items.len() >= 30,
        "bcolz manifest has {} items",
        items.len()
    );
    for item in &items {
        let id = str_of(item, "path");
        let dir = data("bcolz").join(id);
        assert_eq!(import::detect(&dir), Some(SourceFormat::Bcolz), "{id}");
        let src = BcolzSource::open(&dir).unwrap_or_else(|e| panic!("{id}: {e}"));
        let (schema, len) = (src.schema(), src.len());
        let n = check_source(id, item, &schema, len, src);
        if let Some(chunklen) = item["chunklen"].as_u64() {
            assert_eq!(
                n,
                len.div_ceil(chunklen as usize),
                "{id}: one batch per chunk"
            );
        }
        let t = import::read_bcolz(&dir).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(t.schema(), schema, "{id}: table schema");
        check_table(id, item, &t);
    }
}

#[test]
fn b2frame_every_test_frame_decodes_to_its_values() {
    let items = manifest("b2frame");
    assert!(items.len() >= 14);
    for item in &items {
        let id = str_of(item, "file");
        let path = data("b2frame").join(id);
        assert_eq!(import::detect(&path), Some(SourceFormat::B2Frame), "{id}");
        if item.get("expect_error").is_some() {
            let e = B2FrameSource::open(&path).expect_err(id);
            assert!(
                matches!(
                    &e,
                    Error::Import {
                        kind: ImportError::Unsupported { .. },
                        ..
                    }
                ),
                "{id}: {e}"
            );
            continue;
        }
        // A plain SChunk does not record float types: force them (b2frame_typesize_rule_...
        // checks the default).
        let src = match str_of(&item["columns"][0], "blz_type") {
            "f32" if item["kind"] == "schunk" => B2FrameSource::open_as(&path, DType::F32),
            _ => B2FrameSource::open(&path),
        };
        let src = src.unwrap_or_else(|e| panic!("{id}: {e}"));
        let (schema, len) = (src.schema(), src.len());
        let n = check_source(id, item, &schema, len, src);
        if let Some(nchunks) = item["nchunks"].as_u64() {
            assert_eq!(n as u64, nchunks, "{id}: one batch per chunk");
        }
        if item["kind"] == "b2nd" {
            let t = import::read(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
            check_table(id, item, &t);
        }
    }
}

#[test]
fn b2frame_typesize_rule_and_forced_dtype() {
    let dir = data("b2frame");
    // No b2nd metalayer: the typesize decides (4 -> i32); the caller can force f32.
    let src = B2FrameSource::open(dir.join("schunk_f4.b2frame")).expect("open");
    assert_eq!(src.schema().fields[0].ty, ColumnType::Fixed(DType::I32));
    let t = import::read_b2frame(dir.join("schunk_u1.b2frame")).expect("read");
    assert_eq!(t.schema().fields[0].ty, ColumnType::Fixed(DType::U8));
    let src = B2FrameSource::open_as(dir.join("schunk_f4.b2frame"), DType::F32)
        .expect("open as f32")
        .with_name("x");
    assert_eq!(src.schema().fields[0].name, "x");
    let item = manifest("b2frame")
        .into_iter()
        .find(|i| i["file"] == "schunk_f4.b2frame")
        .expect("schunk_f4 in the manifest");
    let mut bytes = Vec::new();
    for b in src {
        canon_values(&b.expect("batch")[0].values, &mut bytes);
    }
    assert_eq!(sha(&bytes), str_of(&item["columns"][0], "sha256"));
    // A forced size that does not divide the data, or differs from a b2nd typesize.
    let e =
        B2FrameSource::open_as(dir.join("schunk_u1.b2frame"), DType::I64).expect_err("4097 bytes");
    assert!(
        e.to_string().contains("multiple of the element size"),
        "{e}"
    );
    let e =
        B2FrameSource::open_as(dir.join("b2nd_f8.b2frame"), DType::F32).expect_err("typesize 8");
    assert!(e.to_string().contains("typesize"), "{e}");
}

#[test]
fn b2frame_c_blosc2_golden_frames_decode_to_their_originals() {
    let dir = data("blosc");
    let m: Json = serde_json::from_slice(&fs::read(dir.join("manifest.json")).expect("manifest"))
        .expect("json");
    let frames = m["frames"].as_array().expect("frames");
    assert_eq!(frames.len(), 6);
    for f in frames {
        let id = str_of(f, "id");
        let path = dir.join(str_of(f, "frame_file"));
        let want = fs::read(dir.join(str_of(f, "original_file"))).expect("original");
        let mut src = Source::open(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(src.format(), SourceFormat::B2Frame);
        let mut got = Vec::new();
        for b in &mut src {
            canon_values(
                &b.unwrap_or_else(|e| panic!("{id}: {e}"))[0].values,
                &mut got,
            );
        }
        assert!(got == want, "{id}: frame content differs");
    }
    // The 2-d b2nd array (60, 50) int32 becomes 3000 rows, named after the file stem.
    let t = import::read(dir.join("frames/frame_06_ndarray_b2nd.b2frame")).expect("read");
    assert_eq!(t.len(), 3000);
    assert_eq!(t.schema().fields[0].name, "frame_06_ndarray_b2nd");
    // Forcing f64 on the float frame gives the linspace.
    let t = B2FrameSource::open_as(
        dir.join("frames/frame_02_zstd_bitshuffle_f64.b2frame"),
        DType::F64,
    )
    .expect("open");
    let first = t.into_iter().next().expect("a batch").expect("ok");
    match &first[0].values {
        Values::F64(v) => assert!((v[0] + 13.398).abs() < 1e-3, "{}", v[0]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn detect_recognises_by_content_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert_eq!(import::detect(tmp.path()), None, "empty dir");
    assert_eq!(import::detect(data("bcolz").join("make.py")), None);
    assert_eq!(
        import::detect(data("bcolz")),
        None,
        "a folder of bcolz dirs"
    );
    assert_eq!(import::detect(tmp.path().join("nope")), None);
    let renamed = tmp.path().join("frame.bin");
    fs::copy(data("b2frame").join("schunk_i8.b2frame"), &renamed).expect("copy");
    assert_eq!(import::detect(&renamed), Some(SourceFormat::B2Frame));
    let e = Source::open(tmp.path()).expect_err("not bcolz");
    assert!(
        matches!(
            e,
            Error::Import {
                kind: ImportError::NotRecognized,
                ..
            }
        ),
        "{e}"
    );
    let e = Source::open(tmp.path().join("nope")).expect_err("missing");
    assert!(
        matches!(
            e,
            Error::Import {
                kind: ImportError::Missing { .. },
                ..
            }
        ),
        "{e}"
    );
}

/// Copies a test directory (recursively) into `to`.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dst = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), &dst).expect("copy");
        }
    }
}

/// Opens and streams a bcolz directory; the first error.
fn bcolz_err(dir: &Path) -> ImportError {
    let r = BcolzSource::open(dir).and_then(|s| s.collect::<blz::Result<Vec<_>>>());
    match r {
        Err(Error::Import { path, kind }) => {
            assert_eq!(path, dir);
            kind
        }
        Err(e) => panic!("not an import error: {e}"),
        Ok(_) => panic!("{} imported", dir.display()),
    }
}

#[test]
fn bcolz_broken_directories_give_structured_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fresh = |name: &str, src: &str| {
        let d = tmp.path().join(name);
        copy_dir(&data("bcolz").join(src), &d);
        d
    };
    let d = fresh("trunc", "carray_i4");
    let f = d.join("data/__1.blp");
    let bytes = fs::read(&f).expect("read");
    for cut in [0, 10, 31, 32, bytes.len() - 1] {
        fs::write(&f, &bytes[..cut]).expect("write");
        let k = bcolz_err(&d);
        assert!(matches!(k, ImportError::Truncated { .. }), "cut {cut}: {k}");
    }
    let d = fresh("nosizes", "carray_i4");
    fs::remove_file(d.join("meta/sizes")).expect("rm");
    assert!(matches!(
        bcolz_err(&d),
        ImportError::NotRecognized | ImportError::Missing { .. }
    ));
    let d = fresh("nodata", "carray_f8");
    fs::remove_file(d.join("data/__2.blp")).expect("rm");
    assert!(matches!(bcolz_err(&d), ImportError::Missing { .. }));
    let d = fresh("magic", "carray_f8");
    let f = d.join("data/__0.blp");
    let mut bytes = fs::read(&f).expect("read");
    bytes[0] = b'x';
    fs::write(&f, &bytes).expect("write");
    assert!(matches!(bcolz_err(&d), ImportError::BadHeader { .. }));
    // Sizes that do not agree with the files.
    let sizes = |name: &str, text: &str| {
        let d = fresh(name, "carray_i2");
        fs::write(d.join("meta/sizes"), text).expect("write");
        bcolz_err(&d)
    };
    let len = {
        let m = manifest("bcolz");
        let i = m
            .iter()
            .find(|i| i["path"] == "carray_i2")
            .expect("carray_i2");
        i["columns"][0]["len"].as_u64().expect("len")
    };
    let k = sizes(
        "longer",
        &format!(
            "{{\"shape\": [{}], \"nbytes\": {}, \"cbytes\": 1}}",
            len + 500,
            2 * (len + 500)
        ),
    );
    assert!(matches!(k, ImportError::Missing { .. }), "{k}");
    let k = sizes(
        "nbytes",
        &format!("{{\"shape\": [{len}], \"nbytes\": 7, \"cbytes\": 1}}"),
    );
    assert!(
        matches!(
            k,
            ImportError::Meta {
                field: "nbytes",
                ..
            }
        ),
        "{k}"
    );
    let k = sizes("2d", "{\"shape\": [3, 4], \"nbytes\": 24, \"cbytes\": 1}");
    assert!(matches!(k, ImportError::Meta { field: "shape", .. }), "{k}");
    let k = sizes("json", "{\"shape\": [");
    assert!(matches!(k, ImportError::Json { .. }), "{k}");
    // A leftover shorter than the sizes say: the chunk holds fewer items than needed.
    let k = sizes(
        "shorter",
        &format!(
            "{{\"shape\": [{}], \"nbytes\": {}, \"cbytes\": 1}}",
            len - 1,
            2 * (len - 1)
        ),
    );
    assert!(matches!(k, ImportError::ChunkSize { .. }), "{k}");
    let d = fresh("dtype", "carray_i2");
    let st = fs::read_to_string(d.join("meta/storage")).expect("storage");
    fs::write(d.join("meta/storage"), st.replace("int16", "complex128")).expect("write");
    assert!(matches!(
        bcolz_err(&d),
        ImportError::UnsupportedDType { .. }
    ));
    // ctable: unsafe column names, columns of different lengths.
    let d = fresh("names", "ctable_mixed");
    fs::write(
        d.join("__rootdirs__"),
        "{\"names\": [\"id\", \"../carray_i2\"]}",
    )
    .expect("write");
    assert!(matches!(
        bcolz_err(&d),
        ImportError::Meta { field: "names", .. }
    ));
    fs::write(d.join("__rootdirs__"), "{\"names\": [\"id\", \"id\"]}").expect("write");
    assert!(matches!(
        bcolz_err(&d),
        ImportError::Meta { field: "names", .. }
    ));
    let d = fresh("lengths", "ctable_mixed");
    fs::write(
        d.join("small/meta/sizes"),
        "{\"shape\": [100], \"nbytes\": 100, \"cbytes\": 1}",
    )
    .expect("write");
    assert!(matches!(bcolz_err(&d), ImportError::ColumnLength { .. }));
    // Messages name the file.
    let e = BcolzSource::open(&d).expect_err("lengths");
    let msg = e.to_string();
    assert!(
        msg.starts_with("cannot import ") && msg.contains("\"small\" has 100 rows"),
        "{msg}"
    );
}

#[test]
fn bcolz_corrupt_chunk_bytes_never_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path().join("c");
    copy_dir(&data("bcolz").join("carray_be_u4"), &d);
    let f = d.join("data/__0.blp");
    let orig = fs::read(&f).expect("read");
    let mut errors = 0;
    for i in 0..orig.len().min(64) {
        for v in [0x00, 0xff, orig[i] ^ 0x10] {
            let mut b = orig.clone();
            b[i] = v;
            fs::write(&f, &b).expect("write");
            if import::read_bcolz(&d).is_err() {
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "header damage must be noticed");
}

/// Reads a frame held in `bytes` through a temporary file.
fn read_frame_bytes(dir: &Path, bytes: &[u8]) -> blz::Result<usize> {
    let p = dir.join("f.b2frame");
    fs::write(&p, bytes).expect("write");
    import::read_b2frame(&p).map(|t| t.len())
}

#[test]
fn b2frame_every_strict_prefix_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for f in [
        data("blosc").join("frames/frame_05_fill_special_zeros.b2frame"),
        data("blosc").join("frames/frame_04_zeros_middle_chunk.b2frame"),
        data("b2frame").join("b2nd_u1_lz4hc.b2frame"),
    ] {
        let bytes = fs::read(&f).expect("frame");
        assert!(
            read_frame_bytes(tmp.path(), &bytes).is_ok(),
            "{}",
            f.display()
        );
        for cut in 0..bytes.len() {
            let r = read_frame_bytes(tmp.path(), &bytes[..cut]);
            assert!(
                matches!(r, Err(Error::Import { .. })),
                "{} cut at {cut}",
                f.display()
            );
        }
    }
}

#[test]
fn b2frame_corrupt_header_bytes_never_panic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bytes = fs::read(data("b2frame").join("b2nd_bool.b2frame")).expect("frame");
    let mut errors = 0;
    for i in 0..bytes.len().min(400) {
        for v in [0x00, 0xff, bytes[i] ^ 0x01, bytes[i] ^ 0x80] {
            let mut b = bytes.clone();
            b[i] = v;
            if read_frame_bytes(tmp.path(), &b).is_err() {
                errors += 1;
            }
        }
    }
    assert!(errors > 100, "{errors} errors");
    let mut b = bytes.clone();
    b[3] = b'X';
    let e = read_frame_bytes(tmp.path(), &b).expect_err("magic");
    assert!(
        matches!(
            e,
            Error::Import {
                kind: ImportError::NotRecognized,
                ..
            }
        ),
        "{e}"
    );
    // The trailing bytes after a valid frame are not part of it.
    let mut b = bytes.clone();
    b.push(0);
    let e = read_frame_bytes(tmp.path(), &b).expect_err("frame_len");
    assert!(e.to_string().contains("frame_len"), "{e}");
}
