//! `blz bench query` on a tiny fake `table_10M` folder (hand-written `.npy` files and a
//! `manifest.json` in the anchors' format): it runs, checks its results and writes container
//! records in the anchors' schema.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ROWS: usize = 20_000;

/// The fake table's columns, generated as the anchors describe them (small and seeded).
struct Table {
    qty: Vec<i32>,
    price: Vec<f64>,
}

fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

/// Writes `dir/table_10M/*.npy` and `dir/manifest.json`; returns the qty and price columns.
fn write_table(dir: &Path) -> Table {
    let mut s = 7u64;
    let id: Vec<i64> = (0..ROWS as i64).collect();
    let ts: Vec<i64> = (0..ROWS as i64)
        .map(|i| 1_700_000_000_000_000 + i * 1000 + (lcg(&mut s) % 1000) as i64)
        .collect();
    // A walk around 96 in cents, so `price > 96.0` splits it.
    let mut cents: i64 = 9600;
    let price: Vec<f64> = (0..ROWS)
        .map(|_| {
            cents += (lcg(&mut s) % 5) as i64 - 2;
            cents as f64 / 100.0
        })
        .collect();
    let qty: Vec<i32> = (0..ROWS).map(|_| (lcg(&mut s) % 100) as i32 + 1).collect();
    let flag: Vec<bool> = (0..ROWS).map(|_| lcg(&mut s).is_multiple_of(10)).collect();

    std::fs::create_dir_all(dir.join("table_10M")).unwrap();
    let mut cols = serde_json::Map::new();
    let mut add = |name: &str, descr: &str, data: Vec<u8>| {
        let file = format!("table_10M/{name}.npy");
        let offset = write_npy(&dir.join(&file), descr, ROWS, &data);
        let sha = Sha256::digest(std::fs::read(dir.join(&file)).unwrap());
        let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
        cols.insert(
            name.to_owned(),
            json!({
                "file": file,
                "dtype": descr,
                "shape": [ROWS],
                "nbytes": data.len(),
                "data_offset": offset,
                "sha256": hex,
            }),
        );
    };
    add(
        "id",
        "<i8",
        id.iter().flat_map(|x| x.to_le_bytes()).collect(),
    );
    add(
        "ts",
        "<i8",
        ts.iter().flat_map(|x| x.to_le_bytes()).collect(),
    );
    add(
        "price",
        "<f8",
        price.iter().flat_map(|x| x.to_le_bytes()).collect(),
    );
    add(
        "qty",
        "<i4",
        qty.iter().flat_map(|x| x.to_le_bytes()).collect(),
    );
    add("flag", "|b1", flag.iter().map(|&b| u8::from(b)).collect());
    let manifest = json!({ "table_10M": { "nrows": ROWS, "columns": cols } });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    Table { qty, price }
}

/// A version 1.0 `.npy` file: magic, version, header length, the header dict padded with
/// spaces to a multiple of 64 bytes and ended by a newline, then the little-endian data.
/// Returns the data offset.
fn write_npy(path: &Path, descr: &str, n: usize, data: &[u8]) -> usize {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({n},), }}");
    let total = (10 + header.len() + 1).div_ceil(64) * 64;
    header.push_str(&" ".repeat(total - 10 - header.len() - 1));
    header.push('\n');
    let mut f = b"\x93NUMPY\x01\x00".to_vec();
    f.extend((header.len() as u16).to_le_bytes());
    f.extend(header.as_bytes());
    assert_eq!(f.len(), total);
    f.extend(data);
    std::fs::write(path, f).unwrap();
    total
}

fn run(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_blz"));
    cmd.args(["bench", "query"])
        .args(args)
        .env_remove("BLZ_ANCHORS_DATA")
        .env_remove("BLZ_ANCHORS_RUN_DIR")
        .env_remove("BLZ_ANCHORS_QUICK")
        .current_dir(dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("the blz binary runs")
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("records written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect()
}

fn find<'a>(recs: &'a [Value], case: &str, imp: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["case"] == case && r["impl"] == imp)
        .unwrap_or_else(|| panic!("no record {case:?} / {imp:?} in {recs:#?}"))
}

fn check_schema(r: &Value, repeats: u64) {
    assert_eq!(r["bench"], "container");
    assert_eq!(r["kind"], "result");
    assert!(r["section"] == "filter" || r["section"] == "groupby", "{r}");
    assert_eq!(r["time"]["n"], repeats, "{r}");
    assert_eq!(r["time_s"].as_array().unwrap().len() as u64, repeats);
    assert!(r["time"]["median"].as_f64().unwrap() >= 0.0);
    assert!(r["gbps"]["median"].as_f64().is_some(), "{r}");
    assert_eq!(r["value"].as_array().map_or(2, Vec::len), 2, "{r}");
}

#[test]
fn query_bench_on_a_fake_table() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let t = write_table(&data);
    let x = 96.0;
    let (mut n, mut sum) = (0u64, 0.0f64);
    for (&q, &p) in t.qty.iter().zip(&t.price) {
        if q < 10 && p > x {
            n += 1;
            sum += p;
        }
    }
    assert!(n > 10, "the fake data selects rows");
    let close = |v: &Value, want: f64| {
        let got = v.as_f64().unwrap();
        assert!((got - want).abs() <= 1e-9 * want.abs(), "{got} vs {want}");
    };

    // Whole table, explicit --out, 2 threads.
    let out = dir.path().join("out.jsonl");
    let o = run(
        dir.path(),
        &[
            "--datasets",
            data.to_str().unwrap(),
            "--repeats",
            "2",
            "--repeats-slow",
            "1",
            "--threads",
            "2",
            // Chunks smaller than the table, so rows are compressed and chunks run in parallel.
            "--chunklen",
            "4096",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}\n{stdout}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("blz CTable where (lz4 5+shuffle)"),
        "{stdout}"
    );
    assert!(stdout.contains("table ratio"), "{stdout}");
    let recs = records(&out);
    assert_eq!(recs.len(), 6, "{recs:#?}");
    for r in &recs {
        let repeats = if r["section"] == "groupby" { 1 } else { 2 };
        check_schema(r, repeats);
        assert_eq!(r["nthreads"], 2);
        assert_eq!(r["nbytes"], ROWS as u64 * 12, "qty + price bytes");
    }
    let main = find(
        &recs,
        "filter table_10M",
        "blz CTable where (lz4 5+shuffle)",
    );
    assert_eq!(main["section"], "filter");
    assert_eq!(main["value"][0], n);
    close(&main["value"][1], sum);
    assert_eq!(main["nbytes_container"], ROWS as u64 * 29);
    assert_eq!(main["chunklen"], 4096);
    let cbytes = main["cbytes"].as_u64().unwrap();
    assert!(cbytes > 0 && cbytes < ROWS as u64 * 29);
    let ratio = main["ratio"].as_f64().unwrap();
    assert!((ratio - ROWS as f64 * 29.0 / cbytes as f64).abs() < 1e-3);
    let per_col = main["per_col_ratio"].as_object().unwrap();
    for c in ["id", "ts", "price", "qty", "flag"] {
        assert!(per_col[c].as_f64().unwrap() > 0.0, "{c}");
    }
    let vec_loop = find(
        &recs,
        "filter table_10M",
        "Rust Vec loop (in-memory, 1 thread)",
    );
    assert_eq!(vec_loop["value"][0], n);
    close(&vec_loop["value"][1], sum);
    assert!(vec_loop.get("cbytes").is_none());
    assert_eq!(
        find(
            &recs,
            "filter table_10M count",
            "blz CTable where count() (lz4 5+shuffle)"
        )["value"],
        n
    );
    close(
        &find(
            &recs,
            "filter table_10M sum",
            "blz CTable where aggregate(price, Sum) (lz4 5+shuffle)",
        )["value"],
        sum,
    );
    let groups = find(
        &recs,
        "groupby table_10M",
        "blz CTable group_by(qty, sum(price)) (lz4 5+shuffle)",
    );
    assert_eq!(groups["section"], "groupby");
    assert_eq!(groups["value"][0], 100);
    close(&groups["value"][1], t.price.iter().sum());

    // A prefix, one thread, no group-by, the output named by the anchors' run folder.
    let run_dir = dir.path().join("run");
    std::fs::create_dir(&run_dir).unwrap();
    let o = run(
        dir.path(),
        &[
            "--rows",
            "1000",
            "--threads",
            "1",
            "--repeats",
            "1",
            "--cases",
            "where,count,sum",
        ],
        &[
            ("BLZ_ANCHORS_DATA", &data),
            ("BLZ_ANCHORS_RUN_DIR", &run_dir),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let recs = records(&run_dir.join("container-1t-blz.jsonl"));
    assert_eq!(recs.len(), 4, "{recs:#?}");
    let main = find(
        &recs,
        "filter table_10M[:1000]",
        "blz CTable where (lz4 5+shuffle)",
    );
    check_schema(main, 1);
    assert_eq!(main["nthreads"], 1);
    assert_eq!(main["nbytes"], 12_000);
    assert_eq!(main["nbytes_container"], 29_000);
    assert!(!run_dir.join("container-blz.jsonl").exists());

    // No data: a clear error.
    let o = run(
        dir.path(),
        &["--datasets", dir.path().join("nowhere").to_str().unwrap()],
        &[],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("datasets.py"), "{err}");
}
