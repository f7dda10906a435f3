//! The command's side of SQL's semantics (issue 17): NaN and -0.0 as DuckDB 2.0.1 orders them,
//! query errors in the user's words (no positions counted by hand, no Rust debug forms, no
//! library names) and `--where` values that start with `-`.

use std::path::Path;

use crate::util::{blz, ok, show};
use blz::{CArrayOptions, ColumnBatch, CreateOptions, DiskTable};

/// Runs `blz ARGS`, failing unless it fails with a message holding every one of `words` and
/// none of the forms a user should never see; returns stderr.
fn fails(dir: &Path, args: &[&str], words: &[&str]) -> String {
    let out = blz(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success() && words.iter().all(|w| stderr.contains(w)),
        "expected a failure with {words:?}:{}",
        show(args, &out)
    );
    for bad in [
        "query error at",
        "parse error at",
        "CTable::create",
        "Str(",
        "Float(",
        "Literal",
        "panicked",
    ] {
        assert!(!stderr.contains(bad), "{bad:?} in:{}", show(args, &out));
    }
    stderr
}

/// A table `T` in `dir`, 256 rows in chunks of 64: `k` the row number; `x` cycling through
/// 1.0, NaN, -0.0, inf, NaN, 0.0 in rows 0..128 and `k % 3` after (chunks without a NaN, which
/// the chunk statistics decide); `s` text; `i` = `k % 10 - 3`.
fn table(dir: &Path) {
    let opts =
        CreateOptions::default().with_column_options(CArrayOptions::default().with_chunklen(64));
    let mut t = DiskTable::create(dir.join("T"), opts).unwrap();
    let cycle = [1.0f64, f64::NAN, -0.0, f64::INFINITY, f64::NAN, 0.0];
    let x: Vec<f64> = (0..256)
        .map(|k| {
            if k < 128 {
                cycle[k % 6]
            } else {
                (k % 3) as f64
            }
        })
        .collect();
    t.append(vec![
        ColumnBatch::new("k", (0..256i64).collect::<Vec<_>>()),
        ColumnBatch::new("x", x),
        ColumnBatch::new("s", (0..256).map(|k| format!("s{k}")).collect::<Vec<_>>()),
        ColumnBatch::new("i", (0..256i64).map(|k| k % 10 - 3).collect::<Vec<_>>()),
    ])
    .unwrap();
    t.commit().unwrap();
}

/// The number of rows of `blz query T --where EXPR --format csv`.
fn count(dir: &Path, filter: &str) -> usize {
    let out = ok(
        dir,
        &[
            "query", "T", "--where", filter, "--select", "k", "--format", "csv",
        ],
    );
    out.lines().count() - 1
}

/// `min(x),max(x)` where EXPR, as CSV.
fn min_max(dir: &Path, filter: &str) -> String {
    let out = ok(
        dir,
        &[
            "query",
            "T",
            "--where",
            filter,
            "--agg",
            "min(x),max(x)",
            "--format",
            "csv",
        ],
    );
    out.lines().nth(1).unwrap_or_default().to_owned()
}

#[test]
fn cli_nan_and_signed_zero_follow_duckdb() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    table(d);
    // Counts from DuckDB 2.0.1 on the same table: NaN = NaN, NaN above +inf, -0.0 = 0.0.
    assert_eq!(count(d, "x > 1e308"), 64);
    assert_eq!(count(d, "x > 1"), 107);
    assert_eq!(count(d, "x == 0"), 85);
    assert_eq!(count(d, "x >= x"), 256);
    assert_eq!(count(d, "x not between -1 and 1"), 107);
    assert_eq!(count(d, "x / 0 == x / 0"), 256);
    // max over {1.0, NaN} is NaN, min 1.0; without NaN, the statistics' answer.
    assert_eq!(min_max(d, "k < 2"), "1,nan");
    assert_eq!(min_max(d, "k >= 128"), "0,2");
    // Over every row the minimum is a zero (which of -0.0 and 0.0 depends on the order the
    // values are met in, in DuckDB too).
    let all = min_max(d, "k >= 0");
    assert!(all == "0,nan" || all == "-0,nan", "{all}");
}

#[test]
fn cli_query_errors_speak_the_users_language() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    table(d);
    // The caret shows the place; the message names both sides' types.
    let e = fails(
        d,
        &["query", "T", "--where", "s < 3"],
        &[
            "in --where: cannot compare `s` (text) with the integer 3",
            "s < 3\n^^^^^",
        ],
    );
    assert!(!e.contains("at 1"), "{e}");
    fails(
        d,
        &["query", "T", "--where", "3 > s"],
        &["cannot compare the integer 3 with `s` (text)"],
    );
    fails(
        d,
        &["query", "T", "--where", "i < s"],
        &["cannot compare `i` (an integer) with `s` (text)"],
    );
    fails(
        d,
        &["query", "T", "--where", "i == '60'"],
        &["the text '60'", "write 60 without quotes"],
    );
    fails(
        d,
        &["export", "T", "out.csv", "--where", "x > > 3"],
        &[
            "in --where: expected an expression, found '>'",
            "x > > 3\n    ^",
        ],
    );
    // An error met while running (an integer overflow in a row) is shown the same way.
    fails(
        d,
        &[
            "export",
            "T",
            "over.csv",
            "--where",
            "k * 9223372036854775807 * 9223372036854775807 * 4 > 0",
        ],
        &["in --where: integer overflow in", "\n^^^^"],
    );
    assert!(!d.join("over.csv").exists());
    // A folder that is no table says how to make one, in the command's words.
    std::fs::create_dir(d.join("empty")).unwrap();
    fails(
        d,
        &["query", "empty"],
        &["not a blz table", "create one with `blz import`"],
    );
}

#[test]
fn cli_export_where_may_start_with_a_minus() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    table(d);
    // i = k % 10 - 3: -i > 2 where k % 10 == 0, 26 rows.
    ok(
        d,
        &[
            "export", "T", "out.csv", "--where", "-i > 2", "--select", "k",
        ],
    );
    let out = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let ks: Vec<i64> = out.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(ks, (0..256).step_by(10).collect::<Vec<_>>(), "{out}");
    ok(d, &["export", "T", "neg.csv", "--where=-i >= 3"]);
    let out = std::fs::read_to_string(d.join("neg.csv")).unwrap();
    assert_eq!(out.lines().count(), 27, "{out}");
}
