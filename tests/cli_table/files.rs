//! Import (failures included), export round trips, bcolz and python-blosc2 inputs, verify.

use std::path::Path;

use super::{blz, fails, flights_table, json_of, ok, show};

#[test]
fn cli_table_malformed_csv_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("bad.csv"), "a,b\n1,2\n3,4\n5,x\n").unwrap();
    fails(
        d,
        &["import", "bad.csv", "t", "--schema", "a:i64,b:i64"],
        1,
        &["bad.csv", "line 4", "\"b\"", "nothing was written"],
    );
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["bad.csv"],
        "a failed import leaves no table or temporary folder"
    );
}

#[test]
fn cli_table_append_keeps_the_last_commit_on_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let good: String = (0..3000).map(|i| format!("{i},{}\n", i * 2)).collect();
    std::fs::write(d.join("good.csv"), format!("a,b\n{good}")).unwrap();
    ok(d, &["import", "good.csv", "t", "--chunklen", "1024"]);
    // Batches of 1000 rows, a commit after each; the bad field sits in the third batch.
    let mut bad: String = (0..2500).map(|i| format!("{i},{i}\n")).collect();
    bad.push_str("7,oops\n");
    std::fs::write(d.join("bad.csv"), format!("a,b\n{bad}")).unwrap();
    let args = [
        "import",
        "bad.csv",
        "t",
        "--append",
        "--schema",
        "a:i64,b:i64",
        "--batch-rows",
        "1000",
        "--commit-bytes",
        "1",
    ];
    fails(
        d,
        &args,
        1,
        &[
            "line 2502",
            "keeps the 5,000 rows of its last commit (2,000 of them",
        ],
    );
    let j = json_of(&ok(
        d,
        &[
            "query",
            "t",
            "--agg",
            "count(*), sum(a)",
            "--format",
            "json",
        ],
    ));
    assert_eq!(j[0]["count(*)"], 5000);
    assert_eq!(j[0]["sum(a)"], 2999 * 3000 / 2 + 1999 * 2000 / 2);
    ok(d, &["verify", "t"]);
    // A good append after the failure.
    ok(d, &["import", "good.csv", "t", "--append"]);
    let j = json_of(&ok(
        d,
        &["query", "t", "--agg", "count(*)", "--format", "json"],
    ));
    assert_eq!(j[0]["count(*)"], 8000);
}

#[test]
fn cli_table_export_round_trips_every_format() {
    let tmp = flights_table();
    let d = tmp.path();
    let want = json_of(&ok(
        d,
        &[
            "query",
            "flights",
            "--where",
            "origin == 'JFK' and distance > 1000",
            "--group-by",
            "carrier",
            "--agg",
            "count(*), sum(distance), mean(dep_delay)",
            "--format",
            "json",
        ],
    ));
    for ext in ["csv", "parquet", "arrow", "arrows"] {
        let file = format!("jfk.{ext}");
        let table = format!("jfk_{ext}");
        ok(
            d,
            &[
                "export",
                "flights",
                &file,
                "--where",
                "origin == 'JFK'",
                "--select",
                "carrier,distance,dep_delay",
            ],
        );
        ok(d, &["import", &file, &table]);
        let got = json_of(&ok(
            d,
            &[
                "query",
                &table,
                "--where",
                "distance > 1000",
                "--group-by",
                "carrier",
                "--agg",
                "count(*), sum(distance), mean(dep_delay)",
                "--format",
                "json",
            ],
        ));
        assert_eq!(got, want, "{ext}");
    }
    // --overwrite replaces a table, --format overrides the extension.
    ok(d, &["export", "flights", "all.data", "--format", "csv"]);
    // An IPC stream whatever the extension: it starts with the continuation marker, not ARROW1.
    ok(
        d,
        &["export", "flights", "all.pipe", "--format", "ipc-stream"],
    );
    let head = std::fs::read(d.join("all.pipe")).unwrap();
    assert_eq!(head[..4], [0xFF; 4]);
    // `-` is standard output: the stream alone there, the summary on stderr. Same rows as the
    // jfk.arrows file exported above with the same filter.
    let args = [
        "export",
        "flights",
        "-",
        "--format",
        "ipc-stream",
        "--where",
        "origin == 'JFK'",
    ];
    let out = blz(d, &args);
    assert!(out.status.success(), "{}", show(&args, &out));
    let count = |bytes: &[u8]| -> usize {
        blz::arrow::arrow_ipc::reader::StreamReader::try_new(bytes, None)
            .unwrap()
            .map(|b| b.unwrap().num_rows())
            .sum()
    };
    let rows = count(&out.stdout);
    assert_eq!(rows, count(&std::fs::read(d.join("jfk.arrows")).unwrap()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("to standard output"), "{stderr}");
    let csv = ok(
        d,
        &[
            "export",
            "flights",
            "-",
            "--format",
            "csv",
            "--select",
            "carrier,distance",
        ],
    );
    assert!(
        csv.starts_with("carrier,distance\n"),
        "{}",
        &csv[..40.min(csv.len())]
    );
    fails(d, &["export", "flights", "-"], 2, &["--format"]);
    ok(
        d,
        &[
            "import",
            "all.data",
            "jfk_csv",
            "--overwrite",
            "--format",
            "csv",
            "--codec",
            "zstd",
            "--shuffle",
            "bit",
            "--min-saving",
            "0",
        ],
    );
    let j = json_of(&ok(d, &["info", "jfk_csv", "--json"]));
    assert_eq!(j["rows"], 3368);
    assert_eq!(j["columns"][0]["codec"], "zstd");
    assert_eq!(j["columns"][0]["shuffle"], "bitshuffle");
    assert_eq!(j["columns"][0]["min_saving"], 0);
    let j = json_of(&ok(d, &["info", "flights", "--json"]));
    assert_eq!(j["columns"][0]["min_saving"], blz::DEFAULT_MIN_SAVING);
}

#[test]
fn cli_table_imports_bcolz_and_b2frame() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let bcolz = data.join("bcolz/ctable_mixed");
    ok(d, &["import", bcolz.to_str().unwrap(), "mixed"]);
    let j = json_of(&ok(d, &["info", "mixed", "--json"]));
    assert_eq!(j["rows"], 40011);
    let names: Vec<&str> = j["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["id", "price", "flag", "sym", "when", "qty", "small"]
    );
    let r = json_of(&ok(
        d,
        &[
            "query",
            "mixed",
            "--agg",
            "count(*), sum(id)",
            "--format",
            "json",
        ],
    ));
    assert_eq!(r[0]["sum(id)"], 40010 * 40011 / 2);
    let frame = data.join("b2frame/b2nd_f8.b2frame");
    ok(
        d,
        &[
            "import",
            frame.to_str().unwrap(),
            "f8",
            "--format",
            "b2frame",
        ],
    );
    // The frame holds 1000 float64 values (tests/data/b2frame/manifest.json).
    let j = json_of(&ok(d, &["info", "f8", "--json"]));
    assert_eq!(j["columns"][0]["type"], "f64");
    assert_eq!(j["rows"], 1000);
}

#[test]
fn cli_table_verify_finds_corruption() {
    let tmp = flights_table();
    let d = tmp.path();
    let out = ok(d, &["verify", "flights"]);
    assert!(out.contains("ok:"), "{out}");
    let j = json_of(&ok(d, &["verify", "flights", "--json"]));
    assert_eq!(j["ok"], true);
    assert!(j["chunks"].as_u64().unwrap() >= 19 * 3);
    // Flip a byte in the middle of the largest data file.
    let biggest = std::fs::read_dir(d.join("flights"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&biggest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&biggest, bytes).unwrap();
    let out = blz(d, &["verify", "flights"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        show(&["verify", "flights"], &out)
    );
    assert!(
        text.contains("CORRUPT") && text.contains("problem:"),
        "{text}"
    );
    let out = blz(d, &["verify", "flights", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let j = json_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(j["ok"], false);
    assert!(!j["problems"].as_array().unwrap().is_empty());
}

#[test]
fn cli_table_csv_append_reads_with_the_tables_types() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The table: a float, a 32-bit integer and a timestamp column.
    std::fs::write(
        d.join("first.csv"),
        "price,qty,ts\n1.5,3,2024-01-02T00:00:00\n2.25,4,2024-01-03T00:00:00\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "import",
            "first.csv",
            "t",
            "--schema",
            "price:f64,qty:i32,ts:timestamp[s]",
        ],
    );
    // A later file whose sample looks integer (price) and 64-bit, columns in another order.
    std::fs::write(
        d.join("more.csv"),
        "qty,ts,price\n5,2024-01-04T00:00:00,7\n6,2024-01-05T00:00:00,8\n",
    )
    .unwrap();
    ok(d, &["import", "more.csv", "t", "--append"]);
    let j = json_of(&ok(
        d,
        &[
            "query",
            "t",
            "--agg",
            "count(*), sum(price), sum(qty)",
            "--format",
            "json",
        ],
    ));
    assert_eq!(j[0]["count(*)"], 4);
    assert_eq!(j[0]["sum(price)"], 18.75);
    assert_eq!(j[0]["sum(qty)"], 18);
    // A field that does not fit the table's type is an error naming it; the table is unchanged.
    std::fs::write(
        d.join("bad.csv"),
        "price,qty,ts\n1.0,7.5,2024-01-06T00:00:00\n",
    )
    .unwrap();
    fails(
        d,
        &["import", "bad.csv", "t", "--append"],
        1,
        &["bad.csv", "qty"],
    );
    let j = json_of(&ok(
        d,
        &["query", "t", "--agg", "count(*)", "--format", "json"],
    ));
    assert_eq!(j[0]["count(*)"], 4);
}
