//! The `blz` binary, run as a user would in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const CODECS: [&str; 6] = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"];
const FILTERS: [&str; 3] = ["noshuffle", "shuffle", "bitshuffle"];

/// Runs `blz ARGS` in `dir`; `args` is split at whitespace.
fn blz(dir: &Path, args: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blz"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("the blz binary runs")
}

/// The command line and its output, framed by rules, for failure messages.
fn show(args: &str, out: &Output) -> String {
    let rule = "-".repeat(72);
    format!(
        "\n{rule}\nblz {args}\n{}\n{rule} stdout\n{}\n{rule} stderr\n{}\n{rule}\n",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}

/// Runs `blz ARGS`, failing the test (with the output) unless it succeeds.
fn blz_ok(dir: &Path, args: &str) -> Output {
    let out = blz(dir, args);
    assert!(out.status.success(), "command failed:{}", show(args, &out));
    out
}

/// Runs `blz ARGS`, failing the test unless it exits non-zero naming `word` on stderr.
fn blz_fails_naming(dir: &Path, args: &str, word: &str) {
    let out = blz(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains(word),
        "expected a non-zero exit and a message naming {word:?}:{}",
        show(args, &out)
    );
}

/// Asserts two byte strings are equal, showing the first difference in hex when not.
fn assert_same_bytes(what: &str, got: &[u8], want: &[u8]) {
    if got == want {
        return;
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| got.len().min(want.len()));
    let window = |b: &[u8]| {
        let lo = at.saturating_sub(8).min(b.len());
        let hi = (at + 8).min(b.len());
        format!("{:02x?}", &b[lo..hi])
    };
    panic!(
        "{what}: bytes differ at offset {at} (got {} bytes, want {})\n  got  ..{}..\n  want ..{}..",
        got.len(),
        want.len(),
        window(got),
        window(want)
    );
}

/// Test input: int64 ramp with small noise, then some text; an odd length so the last
/// element and block are partial.
fn sample_data() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut data: Vec<u8> = (0..12_000i64)
        .flat_map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (i * 1000 + i64::from(x.to_le_bytes()[0])).to_le_bytes()
        })
        .collect();
    data.extend(b"blz compresses columns; ".iter().cycle().take(4_003));
    data
}

#[test]
fn cli_chunk_roundtrip_every_codec_filter_typesize() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = sample_data();
    std::fs::write(dir.join("in.bin"), &data).unwrap();
    for codec in CODECS {
        for filter in FILTERS {
            for ts in ["1", "4", "8"] {
                blz_ok(
                    dir,
                    &format!(
                        "chunk compress --codec {codec} --clevel 5 --filter {filter} \
                         --typesize {ts} --overwrite in.bin c.blosc"
                    ),
                );
                blz_ok(dir, "chunk decompress --overwrite c.blosc out.bin");
                let got = std::fs::read(dir.join("out.bin")).unwrap();
                assert_same_bytes(&format!("{codec} {filter} typesize {ts}"), &got, &data);
            }
        }
    }
}

#[test]
fn cli_chunk_roundtrip_blosc2_format_threads_blocksize() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = sample_data();
    std::fs::write(dir.join("in.bin"), &data).unwrap();
    for codec in ["blosclz", "lz4", "zstd"] {
        blz_ok(
            dir,
            &format!(
                "chunk compress --codec {codec} --typesize 8 --nthreads 2 --blocksize 16384 \
                 --format blosc2 --overwrite in.bin c.b2"
            ),
        );
        blz_ok(
            dir,
            "chunk decompress --nthreads 2 --overwrite c.b2 out.bin",
        );
        let got = std::fs::read(dir.join("out.bin")).unwrap();
        assert_same_bytes(&format!("{codec} blosc2"), &got, &data);
    }
    // The Blosc2 format has no snappy: the message names the codec.
    blz_fails_naming(
        dir,
        "chunk compress --codec snappy --format blosc2 in.bin c.b2",
        "codec",
    );
}

#[test]
fn cli_chunk_min_saving_stores_weak_streams_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = sample_data();
    std::fs::write(dir.join("in.bin"), &data).unwrap();
    let mut sizes = Vec::new();
    for (saving, name) in [("", "c0.blosc"), ("--min-saving 99", "c99.blosc")] {
        blz_ok(
            dir,
            &format!("chunk compress --codec lz4 --typesize 8 {saving} in.bin {name}"),
        );
        blz_ok(dir, &format!("chunk decompress --overwrite {name} out.bin"));
        let got = std::fs::read(dir.join("out.bin")).unwrap();
        assert_same_bytes(name, &got, &data);
        sizes.push(std::fs::metadata(dir.join(name)).unwrap().len());
    }
    // The streams that compress but by less than 99 % are stored raw.
    assert!(sizes[1] > sizes[0], "{sizes:?}");
}

#[test]
fn cli_chunk_info_json_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = sample_data();
    std::fs::write(dir.join("in.bin"), &data).unwrap();
    blz_ok(
        dir,
        "chunk compress --codec zstd --clevel 5 --filter bitshuffle --typesize 8 in.bin c.blosc",
    );
    let clen = std::fs::metadata(dir.join("c.blosc")).unwrap().len();
    let args = "chunk info --json c.blosc";
    let out = blz_ok(dir, args);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):{}", show(args, &out)));
    let expect = |k: &str, want: Value| {
        assert_eq!(v[k], want, "field {k} of:{}", show(args, &out));
    };
    expect("version", 2.into());
    expect("versionlz", 1.into());
    expect("typesize", 8.into());
    expect("nbytes", data.len().into());
    expect("cbytes", clen.into());
    expect("file_bytes", clen.into());
    expect("codec", "zstd".into());
    expect("shuffle", "bitshuffle".into());
    expect("filters", serde_json::json!(["bitshuffle"]));
    expect("memcpyed", false.into());
    expect("extended", false.into());
    expect("special", Value::Null);
    expect("dict", false.into());
    let flags = v["flags"].as_str().expect("flags is a string");
    let bits = u8::from_str_radix(flags.trim_start_matches("0x"), 16).expect("flags in hex");
    assert_eq!(bits & 0x04, 0x04, "bitshuffle flag in {flags}");
    assert_eq!(bits >> 5, 4, "zstd format code in {flags}");
    let decoded = v["flags_decoded"].as_array().expect("flags_decoded");
    assert!(decoded.contains(&"bitshuffle".into()), "{decoded:?}");
    let blocksize = v["blocksize"].as_u64().unwrap();
    let nblocks = v["nblocks"].as_u64().unwrap();
    assert_eq!(nblocks, (data.len() as u64).div_ceil(blocksize));
    let ratio = v["ratio"].as_f64().unwrap();
    assert!(
        (ratio - data.len() as f64 / clen as f64).abs() < 1e-9,
        "ratio {ratio}"
    );
    // The text form shows the same fields.
    let text = blz_ok(dir, "chunk info c.blosc");
    let text = String::from_utf8_lossy(&text.stdout);
    for k in "version flags typesize nbytes blocksize cbytes codec ratio".split_whitespace() {
        assert!(text.contains(k), "{k} missing from:\n{text}");
    }
}

#[test]
fn cli_bad_parameters_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("in.bin"), sample_data()).unwrap();
    for (option, word) in [
        ("--clevel 12", "clevel"),
        ("--clevel -1", "clevel"),
        ("--typesize 0", "typesize"),
        ("--typesize 256", "typesize"),
        ("--codec foo", "codec"),
        ("--filter sideways", "filter"),
        ("--nthreads 0", "nthreads"),
        ("--blocksize 0", "blocksize"),
        ("--min-saving 100", "min-saving"),
    ] {
        blz_fails_naming(
            dir,
            &format!("chunk compress {option} in.bin c.blosc"),
            word,
        );
    }
    blz_fails_naming(dir, "chunk decompress missing.blosc o", "missing.blosc");
    // Not a chunk: an error, not a crash.
    std::fs::write(dir.join("junk.blosc"), b"definitely not a blosc chunk").unwrap();
    blz_fails_naming(dir, "chunk decompress junk.blosc o", "junk.blosc");
    blz_fails_naming(dir, "chunk info junk.blosc", "junk.blosc");
}

#[test]
fn cli_demo_runs_and_checks_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let args = "demo --mib 1 --nthreads 2";
    let out = blz_ok(tmp.path(), args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("round trips identical") && stdout.contains("memcpy"),
        "unexpected output:{}",
        show(args, &out)
    );
}

#[test]
fn cli_bench_codec_writes_the_anchors_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A tiny anchors data folder: raw bytes after a 128-byte (npy-like) header.
    let write_array = |name: &str, bytes: &[u8], dtype: &str| {
        let mut file = vec![0u8; 128];
        file.extend_from_slice(bytes);
        std::fs::write(dir.join(name), file).unwrap();
        serde_json::json!({"file": name, "dtype": dtype, "shape": [bytes.len() / 8],
                           "nbytes": bytes.len(), "data_offset": 128, "sha256": "-"})
    };
    let ramp: Vec<u8> = (0..100_000i64).flat_map(i64::to_le_bytes).collect();
    let price: Vec<u8> = (0..50_000)
        .flat_map(|i| (100.0 + f64::from(i % 97) / 100.0).to_le_bytes())
        .collect();
    let manifest = serde_json::json!({
        "arange_i8_10M": write_array("arange.npy", &ramp, "<i8"),
        "table_10M": {"nrows": 50_000, "columns": {"price": write_array("price.npy", &price, "<f8")}},
        "flights": {"nrows": 50_000, "columns": {
            "b": write_array("fb.npy", &price, "<f8"),
            "a": write_array("fa.npy", &ramp[..400_000], "<i8"),
        }},
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    let args = "bench codec --datasets . --names arange_i8_10M,table.price_f8,flights.all \
                --codecs lz4:5,zstd:1 --filters shuffle --threads 1,2 --repeats 2 --cap-mib 1 \
                --chunk-bytes 65536 --out r.jsonl";
    let out = blz_ok(dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("comp/memcpy"),
        "no table:{}",
        show(args, &out)
    );
    let text = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    let recs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let libs = if recs.iter().any(|r| r["lib"] == "c-blosc1-ffi") {
        2
    } else {
        1
    };
    assert_eq!(recs.len(), 3 * 2 * 2 * libs, "records:\n{text}");
    for r in &recs {
        let fields = "bench kind part dataset cap_bytes typesize lib lib_version codec clevel \
                      filter nthreads chunk_bytes nbytes cbytes ratio nchunks blocksize comp_s \
                      decomp_s comp_gbps decomp_gbps loadavg";
        for k in fields.split_whitespace() {
            assert!(r.get(k).is_some(), "field {k} missing from {r}");
        }
        assert_eq!(r["bench"], "codec");
        assert_eq!(r["kind"], "result");
        assert_eq!(r["cap_bytes"], 1 << 20);
        assert_eq!(r["comp_s"].as_array().unwrap().len(), 2);
        assert_eq!(r["decomp_gbps"]["n"], 2);
        let nbytes = r["nbytes"].as_f64().unwrap();
        let ratio = nbytes / r["cbytes"].as_f64().unwrap();
        assert!((r["ratio"].as_f64().unwrap() - ratio).abs() < 1e-9, "{r}");
    }
    let find = |ds: &str| {
        recs.iter()
            .find(|r| r["dataset"] == ds && r["lib"] == "blz")
            .unwrap()
    };
    // 1 MiB prefix of an 800,000-byte array: all of it, in 13 chunks of 64 KiB.
    assert_eq!(find("arange_i8_10M")["nbytes"], 800_000);
    assert_eq!(find("arange_i8_10M")["nchunks"], 13);
    assert_eq!(find("table.price_f8")["nbytes"], 400_000);
    // flights.all: columns a (400,000 bytes) then b (400,000 bytes), cut at 1 MiB in total.
    assert_eq!(find("flights.all")["nbytes"], 800_000);
    assert_eq!(find("flights.all")["typesize"], 8);
    // An unknown dataset name is an error that names it.
    blz_fails_naming(dir, "bench codec --datasets . --names nope", "nope");
}

/// `blz chunk info x | head -0`: the reader is gone before `blz` writes. A closed pipe ends
/// the command quietly with success (it panicked in `println!` before).
#[test]
fn cli_closed_stdout_is_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("in.raw"), sample_data()).expect("write input");
    blz_ok(
        dir.path(),
        "chunk compress --codec lz4 --typesize 8 in.raw in.b1",
    );
    for args in ["chunk info in.b1", "chunk info in.b1 --json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_blz"))
            .args(args.split_whitespace())
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the blz binary runs");
        // Closing the read end at once: `blz` is most likely still starting, so its first
        // write meets a closed pipe (if it wrote first, the test passes trivially).
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("blz ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "blz {args}: {} {err}", out.status);
        assert!(!err.contains("panicked"), "blz {args}: {err}");
    }
}
