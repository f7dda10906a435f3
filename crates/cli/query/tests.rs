use clap::Parser;

use super::*;
use blz::{ColumnBatch, TimeUnit, Timestamp, Values};

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    args: Args,
}

fn table() -> CTable {
    let n = 10_000usize;
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("qty", (0..n).map(|i| (i % 50) as i64).collect::<Vec<i64>>()),
        ColumnBatch::new(
            "price",
            (0..n).map(|i| (i % 13) as f64 + 0.5).collect::<Vec<f64>>(),
        ),
        ColumnBatch::new(
            "sym",
            (0..n)
                .map(|i| ["AA", "BB", "CC"][i % 3])
                .collect::<Vec<&str>>(),
        )
        .with_validity((0..n).map(|i| i % 7 != 0).collect()),
        ColumnBatch::new(
            "ts",
            Values::Timestamp(
                (0..n).map(|i| Timestamp(i as i64 * 60)).collect(),
                TimeUnit::Second,
            ),
        ),
    ])
    .unwrap();
    t
}

/// Runs `blz query t ARGS` over the test table; the output as text.
fn run_on(t: &CTable, args: &[&str]) -> Result<String> {
    let mut argv = vec!["query", "t"];
    argv.extend_from_slice(args);
    let cmd = Cmd::try_parse_from(argv)?;
    let mut out = Vec::new();
    execute(t, &cmd.args, &mut out)?;
    Ok(String::from_utf8(out)?)
}

fn json(t: &CTable, args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let s = run_on(t, &a).unwrap();
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[test]
fn agg_lists_read_functions_and_names() {
    let t = table();
    let j = json(
        &t,
        &[
            "--agg",
            " count(*) ,SUM( price ), avg(qty), max(`qty`), count(distinct sym)",
        ],
    );
    let mut keys: Vec<&str> = j[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "count(*)",
            "count(distinct sym)",
            "max(qty)",
            "mean(qty)",
            "sum(price)"
        ]
    );
    assert_eq!(j[0]["count(distinct sym)"], 3);
}

#[test]
fn agg_lists_reject_bad_text() {
    let t = table();
    for bad in [
        "",
        "count",
        "median(x)",
        "sum(*)",
        "sum(qty) mean(qty)",
        "sum(qty",
        "sum()",
        "sum(`qty)",
        "qty",
    ] {
        assert!(run_on(&t, &["--agg", bad]).is_err(), "{bad:?} ran");
    }
    let e = run_on(&t, &["--agg", "qty, count(*)"]).unwrap_err();
    assert!(e.chain().any(|c| c.is::<crate::UsageError>()), "{e:#}");
    assert!(format!("{e:#}").contains("not an aggregate"), "{e:#}");
}

#[test]
fn aggregates_match_a_loop() {
    let t = table();
    let j = json(
        &t,
        &[
            "--where",
            "qty < 10",
            "--agg",
            "count(*), sum(qty), mean(price), min(ts)",
        ],
    );
    let want_count = (0..10_000).filter(|i| i % 50 < 10).count();
    let want_sum: i64 = (0..10_000i64).filter(|i| i % 50 < 10).map(|i| i % 50).sum();
    assert_eq!(j[0]["count(*)"], want_count);
    assert_eq!(j[0]["sum(qty)"], want_sum);
    assert_eq!(j[0]["min(ts)"], "1970-01-01T00:00:00Z");
    let keys: Vec<&String> = j[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4);
}

#[test]
fn group_by_sorts_keys_and_counts_nulls() {
    let t = table();
    let j = json(&t, &["--group-by", "sym", "--agg", "count(*), count(sym)"]);
    let rows = j.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["sym"], serde_json::Value::Null);
    assert_eq!(
        rows[0]["count(*)"],
        (0..10_000).filter(|i| i % 7 == 0).count()
    );
    assert_eq!(rows[0]["count(sym)"], 0);
    assert_eq!(rows[1]["sym"], "AA");
    let total: u64 = rows.iter().map(|r| r["count(*)"].as_u64().unwrap()).sum();
    assert_eq!(total, 10_000);
    // Keys first, then the aggregates as written.
    let text = run_on(&t, &["--group-by", "sym", "--format", "json"]).unwrap();
    assert!(text.starts_with("[{\"sym\":null,\"count(*)\":"), "{text}");
}

#[test]
fn rows_stream_with_select_and_limit() {
    let t = table();
    let csv = run_on(
        &t,
        &[
            "--where", "qty == 3", "--select", "qty,sym", "--limit", "3", "--format", "csv",
        ],
    )
    .unwrap();
    assert_eq!(csv, "qty,sym\n3,AA\n3,CC\n3,BB\n");
    let j = json(&t, &["--where", "qty > 48"]);
    assert_eq!(j.as_array().unwrap().len(), 200);
    assert_eq!(j[0]["ts"], "1970-01-01T00:49:00Z");
    let table_text = run_on(&t, &["--where", "qty == 0", "--limit", "2"]).unwrap();
    assert!(
        table_text.lines().next().unwrap().starts_with("qty"),
        "{table_text}"
    );
    assert_eq!(table_text.lines().count(), 4);
}

#[test]
fn bad_queries_are_errors_with_carets() {
    let t = table();
    let e = run_on(&t, &["--where", "qty <"]).unwrap_err();
    assert!(format!("{e:#}").contains("qty <\n     ^"), "{e:#}");
    let e = run_on(&t, &["--agg", "sum(nope)"]).unwrap_err();
    assert!(format!("{e:#}").contains("nope"), "{e:#}");
    let e = run_on(&t, &["--group-by", "price"]).unwrap_err();
    assert!(format!("{e:#}").contains("price"), "{e:#}");
    let e = run_on(&t, &["--select", "qty", "--agg", "count(*)"]).unwrap_err();
    assert!(e.downcast_ref::<clap::Error>().is_some(), "{e:#}");
}

#[test]
fn integer_sums_stay_exact_past_64_bits() {
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("k", vec!["a", "a", "b", "b", "c"]),
        ColumnBatch::new("x", vec![i64::MAX, i64::MAX, i64::MIN, i64::MIN, 7]),
        ColumnBatch::new("u", vec![u64::MAX, u64::MAX, 1, 2, 3]),
    ])
    .unwrap();
    let text = run_on(&t, &["--agg", "sum(x), sum(u)", "--format", "json"]).unwrap();
    let two63 = 1i128 << 63;
    let want_x = 2 * (two63 - 1) - 2 * two63 + 7;
    let want_u = 2 * i128::from(u64::MAX) + 6;
    assert_eq!(
        text,
        format!("[{{\"sum(x)\":{want_x},\"sum(u)\":{want_u}}}]\n")
    );
    let text = run_on(
        &t,
        &[
            "--group-by",
            "k",
            "--agg",
            "sum(x), sum(u)",
            "--format",
            "csv",
        ],
    )
    .unwrap();
    assert_eq!(
        text,
        format!(
            "k,sum(x),sum(u)\na,{},{}\nb,{},3\nc,7,3\n",
            2 * (two63 - 1),
            2 * i128::from(u64::MAX),
            -2 * two63
        )
    );
}

#[test]
fn aggregates_over_nothing_are_null_and_count_star_counts_rows() {
    let t = table();
    let j = json(
        &t,
        &[
            "--where",
            "qty > 1000",
            "--agg",
            "count(*), count(sym), sum(qty), min(price), max(ts), mean(price)",
        ],
    );
    assert_eq!(
        j,
        serde_json::json!([{"count(*)": 0, "count(sym)": 0, "sum(qty)": null,
            "min(price)": null, "max(ts)": null, "mean(price)": null}])
    );
    // Every column nullable, a group of null keys: count(*) still counts its rows.
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("k", vec![1i64, 1, 2, 2]).with_validity(vec![true, false, false, true]),
        ColumnBatch::new("x", vec![1i64, 2, 3, 4]).with_validity(vec![false, false, false, true]),
    ])
    .unwrap();
    let j = json(
        &t,
        &["--group-by", "k", "--agg", "count(*), sum(x), max(x)"],
    );
    assert_eq!(
        j,
        serde_json::json!([
            {"k": null, "count(*)": 2, "sum(x)": null, "max(x)": null},
            {"k": 1, "count(*)": 1, "sum(x)": null, "max(x)": null},
            {"k": 2, "count(*)": 1, "sum(x)": 4, "max(x)": 4},
        ])
    );
    let j = json(&t, &["--agg", "count(*), min(x)"]);
    assert_eq!(j, serde_json::json!([{"count(*)": 4, "min(x)": 4}]));
}
