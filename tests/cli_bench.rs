//! `blz bench sum|take|append` on tiny generated columns: they run, check their results and
//! write container records in the anchors' schema.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `blz bench ARGS` with no anchors environment; returns the JSON Lines records written.
fn bench(dir: &Path, args: &str) -> Vec<Value> {
    let out_file = dir.join("out.jsonl");
    let _ = std::fs::remove_file(&out_file);
    let out = Command::new(env!("CARGO_BIN_EXE_blz"))
        .arg("bench")
        .args(args.split_whitespace())
        .arg("--out")
        .arg(&out_file)
        .env_remove("BLZ_ANCHORS_DATA")
        .env_remove("BLZ_ANCHORS_RUN_DIR")
        .current_dir(dir)
        .output()
        .expect("the blz binary runs");
    assert!(
        out.status.success(),
        "blz bench {args} failed: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&out_file)
        .expect("records written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect()
}

/// The fields every container record has.
fn check_schema(r: &Value, section: &str) {
    assert_eq!(r["bench"], "container");
    assert_eq!(r["kind"], "result");
    assert_eq!(r["section"], section);
    assert!(r["impl"].is_string() && r["case"].is_string());
    let n = r["time"]["n"].as_u64().expect("time.n");
    assert_eq!(r["time_s"].as_array().expect("time_s").len() as u64, n);
    assert!(r["time"]["median"].as_f64().expect("median") >= 0.0);
    assert!(r["gbps"]["median"].as_f64().is_some(), "{r}");
}

#[test]
fn sum_writes_container_records() {
    let dir = tempfile::tempdir().unwrap();
    let recs = bench(
        dir.path(),
        "sum --names linspace_f8_100M,randwalk_f8_50M --len 300000 --repeats 2 --threads 2",
    );
    assert_eq!(recs.len(), 2 * 9);
    for r in &recs {
        check_schema(r, "sum");
    }
    let lin: Vec<&Value> = recs
        .iter()
        .filter(|r| r["case"] == "sum linspace_f8_100M[:300000]")
        .collect();
    assert_eq!(lin.len(), 9);
    let off = lin
        .iter()
        .find(|r| r["impl"] == "blz CArray sum, stats off (lz4 5+shuffle)")
        .expect("stats-off row");
    let on = lin
        .iter()
        .find(|r| r["impl"] == "blz CArray sum, stats on (lz4 5+shuffle)")
        .expect("stats-on row");
    // linspace(0, 100, n) sums to 50 n.
    let v = off["value"].as_f64().unwrap();
    assert!((v - 15_000_000.0).abs() < 1e-3, "{v}");
    assert_eq!(on["value"], off["value"]);
    assert!(off["ratio"].as_f64().unwrap() > 1.0);
    assert!(off["cbytes"].as_u64().unwrap() < off["nbytes_container"].as_u64().unwrap());
    assert_eq!(off["nbytes"], 2_400_000);
}

#[test]
fn take_and_append_run() {
    let dir = tempfile::tempdir().unwrap();
    let recs = bench(
        dir.path(),
        "take --names randwalk_f8_50M --len 200000 --count 2000 --repeats 1 --save-indices idx.u8",
    );
    assert_eq!(recs.len(), 6);
    for r in &recs {
        check_schema(r, "random");
    }
    assert_eq!(
        std::fs::metadata(dir.path().join("idx.u8")).unwrap().len(),
        2000 * 8
    );
    let recs = bench(
        dir.path(),
        "append --names uniform_f8_10M --len 300000 --piece 70000 --repeats 1 --threads 1",
    );
    // The codec, one read of the source, push, extend and extend_from_slice.
    assert_eq!(recs.len(), 5);
    for r in &recs {
        check_schema(r, "append");
    }
    assert!(
        recs.iter().any(|r| r["impl"]
            .as_str()
            .is_some_and(|s| s.contains("read of the source"))),
        "the source read case is missing"
    );
}

#[test]
fn rejects_bad_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_blz"))
        .args(["bench", "sum", "--names", "arange_i8_10M", "--len", "10"])
        .env_remove("BLZ_ANCHORS_DATA")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("float64"));
}
