//! The select layer ([`blz::Select`]): order-by with top-k, group-by on several keys,
//! `count(distinct)` and aggregates over expressions, against plain reference computations
//! written here, on random tables split into small chunks (so top-k merges across chunks and
//! groups merge across chunks), with and without the chunk statistics.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use blz::{CArrayOptions, CTable, ColumnBatch, Value};
use proptest::prelude::*;

/// A random table: `id` (row number), `k` (small integers), `s` (a few texts), `x` (integers
/// up to the i64 limits), `f` (floats with NaN, ±0.0, ±inf); nulls in `k`, `s`, `x`, `f`.
#[derive(Clone, Debug)]
struct T {
    k: Vec<Option<i16>>,
    s: Vec<Option<&'static str>>,
    x: Vec<Option<i64>>,
    f: Vec<Option<f64>>,
    chunklen: usize,
    stats: bool,
}

const TEXT: [&str; 5] = ["", "a", "B", "ab", "é"];
const FLOATS: [f64; 8] = [
    0.0,
    -0.0,
    1.5,
    -2.5,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
];

fn table() -> impl Strategy<Value = T> {
    (1usize..120).prop_flat_map(|n| {
        (
            prop::collection::vec(prop::option::weighted(0.85, -3i16..4), n),
            prop::collection::vec(
                prop::option::weighted(0.85, prop::sample::select(&TEXT[..])),
                n,
            ),
            prop::collection::vec(
                prop::option::weighted(
                    0.85,
                    prop_oneof![
                        -5i64..5,
                        Just(i64::MAX),
                        Just(i64::MIN),
                        Just(9_007_199_254_740_993)
                    ],
                ),
                n,
            ),
            prop::collection::vec(
                prop::option::weighted(0.85, prop::sample::select(&FLOATS[..])),
                n,
            ),
            prop_oneof![Just(64usize), Just(7), Just(1000)],
            any::<bool>(),
        )
            .prop_map(|(k, s, x, f, chunklen, stats)| T {
                k,
                s,
                x,
                f,
                chunklen,
                stats,
            })
    })
}

fn build(t: &T) -> CTable {
    let n = t.k.len();
    let valid = |v: Vec<bool>| v;
    let opts = CArrayOptions::default().with_chunklen(t.chunklen);
    let mut ct = CTable::with_options(opts).unwrap();
    ct.append(vec![
        ColumnBatch::new("id", (0..n as i64).collect::<Vec<i64>>()),
        ColumnBatch::new(
            "k",
            t.k.iter().map(|v| v.unwrap_or(0)).collect::<Vec<i16>>(),
        )
        .with_validity(valid(t.k.iter().map(Option::is_some).collect())),
        ColumnBatch::new(
            "s",
            t.s.iter().map(|v| v.unwrap_or("")).collect::<Vec<&str>>(),
        )
        .with_validity(t.s.iter().map(Option::is_some).collect()),
        ColumnBatch::new(
            "x",
            t.x.iter().map(|v| v.unwrap_or(0)).collect::<Vec<i64>>(),
        )
        .with_validity(t.x.iter().map(Option::is_some).collect()),
        ColumnBatch::new(
            "f",
            t.f.iter().map(|v| v.unwrap_or(0.0)).collect::<Vec<f64>>(),
        )
        .with_validity(t.f.iter().map(Option::is_some).collect()),
    ])
    .unwrap();
    ct.set_use_stats(t.stats);
    ct
}

/// A row's value of sort key `key` (a column, or `x - k`), as the reference sees it.
fn key_value(t: &T, key: &str, i: usize) -> Value {
    match key {
        "k" => t.k[i].map_or(Value::Null, |v| Value::Int(v.into())),
        "s" => t.s[i].map_or(Value::Null, |v| Value::Str(v.into())),
        "x" => t.x[i].map_or(Value::Null, Value::Int),
        "f" => t.f[i].map_or(Value::Null, Value::Float),
        "x - k" => match (t.x[i], t.k[i]) {
            (Some(x), Some(k)) => {
                let d = i128::from(x) - i128::from(k);
                i64::try_from(d).map_or(Value::BigInt(d), Value::Int)
            }
            _ => Value::Null,
        },
        _ => unreachable!(),
    }
}

/// SQL's order of two non-null values of one key (DuckDB's): numbers by value with NaN above
/// everything and `-0.0 == 0.0`, text by bytes.
fn sql_cmp(a: &Value, b: &Value) -> Ordering {
    fn f(v: &Value) -> f64 {
        match v {
            Value::Float(x) => *x,
            _ => unreachable!(),
        }
    }
    fn i(v: &Value) -> i128 {
        match v {
            Value::Int(x) => i128::from(*x),
            Value::BigInt(x) => *x,
            _ => unreachable!(),
        }
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Float(_), _) => {
            let (x, y) = (f(a), f(b));
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => x.partial_cmp(&y).unwrap(),
            }
        }
        _ => i(a).cmp(&i(b)),
    }
}

const KEYS: [&str; 5] = ["k", "s", "x", "f", "x - k"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    /// `--order-by` with any directions and null placements, with and without a limit, gives
    /// the rows of a full stable sort (ties in row order), whatever the chunking.
    #[test]
    fn order_by_equals_a_full_sort(
        t in table(),
        keys in prop::collection::vec((0usize..KEYS.len(), any::<bool>(), any::<bool>()), 1..4),
        limit in prop::option::of(0usize..30),
        filter in prop::sample::select(&["true", "k > 0", "x is null", "f > 0.0 or s == 'a'"][..]),
    ) {
        let ct = build(&t);
        let order: Vec<String> = keys
            .iter()
            .map(|&(k, desc, nf)| {
                format!(
                    "{} {} nulls {}",
                    KEYS[k],
                    if desc { "desc" } else { "asc" },
                    if nf { "first" } else { "last" }
                )
            })
            .collect();
        let mut sel = ct.query(filter).unwrap().select("id").unwrap().order_by(&order.join(", ")).unwrap();
        if let Some(l) = limit {
            sel = sel.limit(l);
        }
        let got: Vec<i64> = sel
            .run()
            .unwrap()
            .rows
            .iter()
            .map(|r| match r[0] { Value::Int(i) => i, _ => unreachable!() })
            .collect();
        let matches: Vec<usize> = ct.query(filter).unwrap().indices().unwrap();
        let mut want = matches;
        want.sort_by(|&a, &b| {
            for &(k, desc, nf) in &keys {
                let (x, y) = (key_value(&t, KEYS[k], a), key_value(&t, KEYS[k], b));
                let o = match (&x, &y) {
                    (Value::Null, Value::Null) => Ordering::Equal,
                    (Value::Null, _) => if nf { Ordering::Less } else { Ordering::Greater },
                    (_, Value::Null) => if nf { Ordering::Greater } else { Ordering::Less },
                    _ => { let o = sql_cmp(&x, &y); if desc { o.reverse() } else { o } }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.cmp(&b)
        });
        if let Some(l) = limit {
            want.truncate(l);
        }
        let want: Vec<i64> = want.into_iter().map(|i| i as i64).collect();
        prop_assert_eq!(got, want, "order by {}", order.join(", "));
    }

    /// Group-by on two keys (nulls a group of their own) with count(*), count(distinct) of
    /// floats and text, exact sums of an expression and min/max of integers, against a
    /// BTreeMap; then ordered by an aggregate with a limit.
    #[test]
    fn group_by_two_keys_equals_a_map(t in table()) {
        let ct = build(&t);
        let r = ct
            .query("true")
            .unwrap()
            .group(&["k", "s"], "k, s, count(*), count(distinct f), count(distinct s), sum(x * 2) as sx, min(x), max(x - k)")
            .unwrap()
            .run()
            .unwrap();
        prop_assert_eq!(
            r.columns.clone(),
            ["k", "s", "count(*)", "count(distinct f)", "count(distinct s)", "sx", "min(x)", "max(x - k)"]
        );
        #[derive(Default)]
        struct G { n: i64, fs: HashSet<u64>, ss: HashSet<&'static str>, sum: Option<i128>, min: Option<i64>, max: Option<i128> }
        let mut want: BTreeMap<(Option<i16>, Option<&str>), G> = BTreeMap::new();
        for i in 0..t.k.len() {
            let g = want.entry((t.k[i], t.s[i])).or_default();
            g.n += 1;
            if let Some(f) = t.f[i] {
                let f = if f == 0.0 { 0.0 } else if f.is_nan() { f64::NAN } else { f };
                g.fs.insert(f.to_bits());
            }
            if let Some(s) = t.s[i] {
                g.ss.insert(s);
            }
            if let Some(x) = t.x[i] {
                g.sum = Some(g.sum.unwrap_or(0) + 2 * i128::from(x));
                g.min = Some(g.min.map_or(x, |m| m.min(x)));
                if let Some(k) = t.k[i] {
                    let d = i128::from(x) - i128::from(k);
                    g.max = Some(g.max.map_or(d, |m| m.max(d)));
                }
            }
        }
        let int = |v: Option<i128>| v.map_or(Value::Null, |v| i64::try_from(v).map_or(Value::BigInt(v), Value::Int));
        let want_rows: Vec<Vec<Value>> = want
            .iter()
            .map(|((k, s), g)| vec![
                k.map_or(Value::Null, |k| Value::Int(k.into())),
                s.map_or(Value::Null, |s| Value::Str(s.into())),
                Value::Int(g.n),
                Value::Int(g.fs.len() as i64),
                Value::Int(g.ss.len() as i64),
                int(g.sum),
                g.min.map_or(Value::Null, Value::Int),
                int(g.max),
            ])
            .collect();
        prop_assert_eq!(&r.rows, &want_rows);

        // Ordered by an aggregate, ties in key order, top 3.
        let top = ct
            .query("true")
            .unwrap()
            .group(&["k", "s"], "k, s, count(*) as n")
            .unwrap()
            .order_by("n desc")
            .unwrap()
            .limit(3)
            .run()
            .unwrap();
        let mut by_n: Vec<&Vec<Value>> = want_rows.iter().collect();
        by_n.sort_by(|a, b| sql_cmp(&b[2], &a[2]));
        let want_top: Vec<Vec<Value>> = by_n.iter().take(3).map(|r| r[..3].to_vec()).collect();
        prop_assert_eq!(top.rows, want_top);
    }
}

#[test]
fn select_errors_name_the_problem() {
    let ct = build(&T {
        k: vec![Some(1)],
        s: vec![Some("a")],
        x: vec![Some(1)],
        f: vec![Some(1.0)],
        chunklen: 64,
        stats: true,
    });
    let q = || ct.query("true").unwrap();
    let msg = |r: blz::Result<blz::Select<'_>>| r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg(q().select("x, x")).contains("two outputs are named \"x\""));
    assert!(msg(q().select("k, count(*)")).contains("neither a group key nor inside an aggregate"));
    assert!(msg(q().select("sum(s)")).contains("sum and mean need numbers"));
    assert!(msg(q().select("sum(x > 1)")).contains("aggregates of conditions"));
    assert!(msg(q().select("nope + 1")).contains("unknown column"));
    assert!(msg(q().group(&["f"], "count(*)")).contains("integer, bool, timestamp or text key"));
    assert!(msg(q().group(&["k"], "s")).contains("neither a group key"));
    let e = q()
        .select("x")
        .unwrap()
        .order_by("sum(x)")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("cannot order rows by the aggregate sum(x)"),
        "{e}"
    );
    let e = q()
        .group(&["k"], "count(*)")
        .unwrap()
        .order_by("x")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot order groups by x"), "{e}");
    // An ordered output may be named by alias, by text, or as written with another spelling.
    let r = q()
        .group(&["k"], "k, avg(x) as m")
        .unwrap()
        .order_by("mean(x) desc, m")
        .unwrap();
    assert_eq!(r.columns(), ["k", "m"]);
}

#[test]
fn expression_sums_past_i128_are_errors_not_wrong_numbers() {
    let mut ct = CTable::new();
    ct.append(vec![ColumnBatch::new("x", vec![i64::MAX; 4])])
        .unwrap();
    let big = "x * 9223372036854775807 * 2";
    // Each value fits i128; their sum does not.
    let e = ct
        .query("true")
        .unwrap()
        .select(&format!("sum({big})"))
        .unwrap()
        .run();
    let e = e.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("integer overflow in sum("), "{e}");
    let r = ct
        .query("true")
        .unwrap()
        .select("sum(x * 2) as s, count(distinct x)")
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(
        r.rows,
        [vec![Value::BigInt(8 * i128::from(i64::MAX)), Value::Int(1)]]
    );
}

#[test]
fn rows_with_expressions_and_conditions() {
    let mut ct = CTable::new();
    ct.append(vec![
        ColumnBatch::new("a", vec![1i64, 2, 3]).with_validity(vec![true, false, true]),
        ColumnBatch::new("b", vec![0.5f64, 1.5, 2.5]),
    ])
    .unwrap();
    let r = ct
        .query("b > 0.0")
        .unwrap()
        .select("a * 2 as a2, a + b, b > 1.0 as big, a is null")
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(r.columns, ["a2", "a + b", "big", "a is null"]);
    assert_eq!(
        r.rows,
        [
            vec![
                Value::Int(2),
                Value::Float(1.5),
                Value::Bool(false),
                Value::Bool(false)
            ],
            vec![
                Value::Null,
                Value::Null,
                Value::Bool(true),
                Value::Bool(true)
            ],
            vec![
                Value::Int(6),
                Value::Float(5.5),
                Value::Bool(true),
                Value::Bool(false)
            ],
        ]
    );
    // A limit stops the stream.
    let r = ct
        .query("true")
        .unwrap()
        .select("b")
        .unwrap()
        .limit(2)
        .run()
        .unwrap();
    assert_eq!(r.rows.len(), 2);
}
