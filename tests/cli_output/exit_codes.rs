//! Usage errors exit with 2, as clap's own do; errors in the data or at run time with 1.

use super::{fails, make_table, ok};

#[test]
fn cli_usage_errors_exit_with_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    make_table(d, "t", 2000);
    ok(d, &["export", "t", "t.parquet"]);
    std::fs::write(d.join("in.raw"), vec![7u8; 10_000]).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["query", "t", "--cache-mib", "0"], "--cache-mib 0"),
        (&["export", "t", "-"], "needs --format"),
        (&["export", "t", "out.xyz"], "--format"),
        (
            &["import", "t.parquet", "u", "--null-value", "NA"],
            "--null-value and --delimiter apply to CSV input only",
        ),
        (
            &["import", "t.parquet", "u", "--delimiter", ";"],
            "--delimiter apply to CSV input only",
        ),
        (
            &["import", "t.parquet", "u", "--schema", "id:i64"],
            "--schema, --null-value",
        ),
        (
            &["import", "t.csv", "u", "--schema", "id"],
            "expected NAME:TYPE",
        ),
        (
            &["import", "t.csv", "u", "--schema", "id:decimal"],
            "unknown type",
        ),
        (
            &["import", "t.csv", "u", "--schema", "a:i64,a:f64"],
            "named twice",
        ),
        (
            &["chunk", "compress", "--nthreads", "0", "in.raw", "out.b"],
            "nthreads",
        ),
        (
            &["chunk", "compress", "--nthreads", "9999", "in.raw", "out.b"],
            "nthreads",
        ),
        (
            &[
                "chunk", "compress", "--codec", "snappy", "--format", "blosc2", "in.raw", "t.csv",
            ],
            "snappy",
        ),
        (
            &["chunk", "decompress", "--nthreads", "0", "in.b", "out.raw"],
            "nthreads",
        ),
        (&["bench", "query", "--x", "nan"], "--x must be finite"),
        (&["bench", "sum", "--names", "nope"], "float64 datasets"),
        // clap's own, for comparison.
        (&["query", "t", "--nope"], "--nope"),
        (&["export", "t"], "DEST"),
    ];
    for &(args, word) in cases {
        fails(d, args, 2, &[word]);
    }
    // Nothing was created by a refused command.
    assert!(!d.join("u").exists() && !d.join("out.b").exists() && !d.join("out.xyz").exists());
    // Errors in the data or at run time stay 1.
    fails(d, &["query", "missing"], 1, &["no table at missing"]);
    fails(d, &["export", "t", "t.csv"], 1, &["already exists"]);
    fails(
        d,
        &["chunk", "decompress", "in.raw", "out.raw"],
        1,
        &["in.raw"],
    );
}
