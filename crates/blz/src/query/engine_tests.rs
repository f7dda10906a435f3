//! Tests of the engine's answers against SQL semantics (nulls, exact integers, text order,
//! timestamps, like, between, groups).

use crate::ctable::{CTable, ColumnBatch, Value, Values};
use crate::dtype::{TimeUnit, Timestamp};
use crate::query::Agg;

/// A table of 6 rows: `i` (i64, row 4 null), `u` (u64), `f` (f64, rows 1 and 4 null),
/// `s` (text, row 3 null), `t` (timestamp[s]), `n` (i32, every row null).
fn table() -> CTable {
    let mut t = CTable::new();
    let valid = |nulls: &[usize]| (0..6).map(|i| !nulls.contains(&i)).collect::<Vec<_>>();
    t.append(vec![
        ColumnBatch::new("i", vec![5i64, -3, 7, 0, 99, 2]).with_validity(valid(&[4])),
        ColumnBatch::new("u", vec![1u64, u64::MAX, 3, 4, 5, 6]),
        ColumnBatch::new("f", vec![1.5f64, 0.0, -2.0, 4.0, 0.0, 8.0]).with_validity(valid(&[1, 4])),
        ColumnBatch::new(
            "s",
            ["b", "a", "ab", "", "é", "B"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>(),
        )
        .with_validity(valid(&[3])),
        ColumnBatch::new(
            "t",
            Values::Timestamp(
                [1_357_000_000, 1_357_000_001, 1_000, 2_000_000_000, 0, 5]
                    .map(Timestamp)
                    .to_vec(),
                TimeUnit::Second,
            ),
        ),
        ColumnBatch::new("n", vec![0i32; 6]).with_validity(valid(&[0, 1, 2, 3, 4, 5])),
    ])
    .unwrap();
    t
}

fn aggs(t: &CTable, filter: &str, aggs: &[(Agg, &str)]) -> Vec<Value> {
    t.query(filter).unwrap().aggregates(aggs).unwrap()
}

#[test]
fn aggregates_over_no_input_are_null() {
    let t = table();
    let all = [
        (Agg::Sum, "i"),
        (Agg::Min, "i"),
        (Agg::Max, "f"),
        (Agg::Mean, "f"),
        (Agg::Sum, "f"),
        (Agg::Count, "i"),
        (Agg::Count, "*"),
    ];
    let none = aggs(&t, "i > 1000", &all);
    assert_eq!(
        none,
        [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Int(0),
            Value::Int(0)
        ]
    );
    // A column whose every value is null: nulls, but count(*) counts the rows.
    let n = aggs(
        &t,
        "true",
        &[
            (Agg::Sum, "n"),
            (Agg::Min, "n"),
            (Agg::Mean, "n"),
            (Agg::Count, "n"),
            (Agg::Count, "*"),
        ],
    );
    assert_eq!(
        n,
        [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Int(0),
            Value::Int(6)
        ]
    );
}

#[test]
fn count_star_counts_rows_with_nulls() {
    let t = table();
    assert_eq!(aggs(&t, "true", &[(Agg::Count, "*")]), [Value::Int(6)]);
    assert_eq!(
        aggs(
            &t,
            "i is null or i > 4",
            &[(Agg::Count, "*"), (Agg::Count, "i")]
        ),
        [Value::Int(3), Value::Int(2)]
    );
    assert!(
        t.query("true")
            .unwrap()
            .aggregates(&[(Agg::Sum, "*")])
            .is_err()
    );
    // Per group, the null key's group included.
    let g = t
        .query("true")
        .unwrap()
        .group_by("i", &[(Agg::Count, "*"), (Agg::Sum, "n")])
        .unwrap();
    assert_eq!(g[0], (Value::Null, vec![Value::Int(1), Value::Null]));
    assert_eq!(g.len(), 6);
}

#[test]
fn min_max_are_typed_as_the_column() {
    let t = table();
    assert_eq!(
        aggs(
            &t,
            "true",
            &[
                (Agg::Min, "t"),
                (Agg::Max, "t"),
                (Agg::Min, "s"),
                (Agg::Max, "s"),
                (Agg::Max, "u")
            ]
        ),
        [
            Value::Timestamp(0, TimeUnit::Second),
            Value::Timestamp(2_000_000_000, TimeUnit::Second),
            Value::Str("B".into()),
            Value::Str("é".into()),
            Value::UInt(u64::MAX),
        ]
    );
    let g = t
        .query("true")
        .unwrap()
        .group_by("i", &[(Agg::Max, "s")])
        .unwrap();
    assert_eq!(g[1], (Value::Int(-3), vec![Value::Str("a".into())]));
    assert_eq!(g[2], (Value::Int(0), vec![Value::Null]));
    assert!(
        t.query("true")
            .unwrap()
            .aggregates(&[(Agg::Sum, "t")])
            .is_err()
    );
}

fn count(t: &CTable, q: &str) -> usize {
    t.query(q)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .count()
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn error(t: &CTable, q: &str) -> String {
    match t.query(q).and_then(|q| q.count()) {
        Ok(n) => panic!("{q}: expected an error, got {n} rows"),
        Err(e) => e.to_string(),
    }
}

/// Integers near the type limits and near 2^53, where f64 cannot tell them apart.
fn big_ints() -> CTable {
    let two53 = 1i64 << 53;
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("a", vec![two53, two53 + 1, i64::MAX, i64::MIN, -5]),
        ColumnBatch::new("b", vec![two53 + 1, two53 + 1, i64::MAX - 1, i64::MIN, 3]),
        ColumnBatch::new(
            "u",
            vec![
                0u64,
                1 << 63,
                u64::MAX,
                9_223_372_036_854_775_807,
                10_000_000_000_000_000_000,
            ],
        ),
        ColumnBatch::new(
            "t1",
            Values::Timestamp(
                [0, 1, 2, 3, 4].map(Timestamp).to_vec(),
                TimeUnit::Nanosecond,
            ),
        ),
        ColumnBatch::new(
            "t2",
            Values::Timestamp(
                [1, 1, 1, 1, 1].map(Timestamp).to_vec(),
                TimeUnit::Nanosecond,
            ),
        ),
        ColumnBatch::new(
            "f",
            vec![9_007_199_254_740_992.0f64, 0.5, -0.0, f64::NAN, 1e19],
        ),
    ])
    .unwrap();
    t
}

#[test]
fn integer_comparisons_are_exact() {
    let t = big_ints();
    assert_eq!(count(&t, "a == b"), 2);
    assert_eq!(count(&t, "a < b"), 2);
    assert_eq!(count(&t, "t1 > t2"), 3);
    assert_eq!(count(&t, "t1 == t2"), 1);
    assert_eq!(count(&t, "a - 9223372036854775807 < 0"), 4);
    assert_eq!(count(&t, "a + 1 > 9223372036854775807"), 1);
    // Literals over the whole u64 range and i64::MIN.
    assert_eq!(count(&t, "u >= 9223372036854775808"), 3);
    assert_eq!(count(&t, "u == 18446744073709551615"), 1);
    assert_eq!(count(&t, "u > 18446744073709551615"), 0);
    assert_eq!(count(&t, "a == -9223372036854775808"), 1);
    assert_eq!(
        count(&t, "a in [-9223372036854775808, 9007199254740993]"),
        2
    );
    // Integers against floats, exactly.
    assert_eq!(count(&t, "u >= 1e19"), 2);
    assert_eq!(count(&t, "u > 1e19"), 1);
    assert_eq!(count(&t, "a == 9007199254740993.0"), 1); // the float is 2^53
    assert_eq!(count(&t, "a > 9007199254740992.0"), 2);
    assert_eq!(count(&t, "b < 9007199254740992.5"), 2); // the float is 2^53
    assert_eq!(count(&t, "a == 2.5"), 0);
    assert_eq!(count(&t, "a != 2.5"), 5);
    assert_eq!(count(&t, "f < 9007199254740993"), 3); // not the NaN, not 1e19
    assert_eq!(count(&t, "f == 9007199254740993"), 0);
    assert_eq!(count(&t, "a < f"), 2); // -5 < 1e19, and i64::MIN < NaN (NaN is the largest)
    assert_eq!(count(&t, "b > f"), 3);
    // An overflow past what exact arithmetic holds is an error naming the expression.
    let e = error(&t, "a * a * a > 0");
    assert!(e.contains("overflow") && e.contains("((a * a) * a)"), "{e}");
}

#[test]
fn integer_sums_are_exact_and_typed() {
    let t = big_ints();
    let s = aggs(
        &t,
        "true",
        &[(Agg::Sum, "u"), (Agg::Sum, "a"), (Agg::Min, "u")],
    );
    let u: i128 = [
        0u64,
        1 << 63,
        u64::MAX,
        9_223_372_036_854_775_807,
        10_000_000_000_000_000_000,
    ]
    .iter()
    .map(|&x| i128::from(x))
    .sum();
    let a: i128 = [1i64 << 53, (1 << 53) + 1, i64::MAX, i64::MIN, -5]
        .iter()
        .map(|&x| i128::from(x))
        .sum();
    assert_eq!(
        s,
        [
            Value::BigInt(u),
            Value::Int(i64::try_from(a).unwrap()),
            Value::UInt(0)
        ]
    );
}

#[test]
fn text_is_ordered_bytewise() {
    let t = table();
    // s: "b", "a", "ab", null, "é", "B"
    assert_eq!(count(&t, "s < 'b'"), 3);
    assert_eq!(count(&t, "s >= 'ab'"), 3);
    assert_eq!(count(&t, "'ab' <= s"), 3);
    assert_eq!(count(&t, "s > 'z'"), 1);
    assert_eq!(count(&t, "not s > 'z'"), 4);
    assert_eq!(count(&t, "s < s"), 0);
    assert_eq!(count(&t, "s == s"), 5);
    // A dictionary column, evaluated per entry: the same answers.
    let mut d = CTable::new();
    let words = ["b", "a", "ab", "", "é", "B"];
    d.append(vec![ColumnBatch::new(
        "s",
        (0..600)
            .map(|i| words[i % 6].to_owned())
            .collect::<Vec<_>>(),
    )])
    .unwrap();
    assert_eq!(count(&d, "s < 'b'"), 400);
    assert_eq!(count(&d, "s > ''"), 500);
    assert_eq!(count(&d, "s >= 'é'"), 100);
    let e = error(&t, "s < 3");
    assert!(
        e.contains("`s` (text)") && e.contains("the integer 3"),
        "{e}"
    );
}

#[test]
fn timestamps_compare_with_iso_text_only() {
    let t = table();
    // t (seconds): 1357000000, 1357000001, 1000, 2000000000, 0, 5
    assert_eq!(count(&t, "t >= '2013-01-01'"), 3);
    assert_eq!(count(&t, "t == '2013-01-01T00:26:41Z'"), 1);
    assert_eq!(count(&t, "t == '2013-01-01T01:26:41+01:00'"), 1);
    assert_eq!(count(&t, "'2013-01-01' > t"), 3);
    assert_eq!(count(&t, "t in ['1970-01-01', '1970-01-01T00:00:05']"), 2);
    let e = error(&t, "t >= 1370044800");
    assert!(e.contains("timestamp") && e.contains("in quotes"), "{e}");
    let e = error(&t, "t >= i");
    assert!(e.contains("timestamp"), "{e}");
    let e = error(&t, "t < '2013-13-01'");
    assert!(e.contains("ISO-8601"), "{e}");
}

#[test]
fn like_and_between() {
    let t = table();
    // s: "b", "a", "ab", null, "é", "B"
    assert_eq!(count(&t, "s like 'a%'"), 2);
    assert_eq!(count(&t, "s not like 'a%'"), 3);
    assert_eq!(count(&t, "s ilike 'b'"), 2);
    assert_eq!(count(&t, "s like '_'"), 4);
    assert_eq!(count(&t, "s like '%b'"), 2);
    let mut d = CTable::new();
    let words = ["JFK", "EWR", "LGA", "50%", "J_K"];
    d.append(vec![ColumnBatch::new(
        "s",
        (0..500)
            .map(|i| words[i % 5].to_owned())
            .collect::<Vec<_>>(),
    )])
    .unwrap();
    assert_eq!(count(&d, "s like 'J%'"), 200);
    assert_eq!(count(&d, "s like 'J!_K' escape '!'"), 100);
    assert_eq!(count(&d, "s like '%!%' escape '!'"), 100);
    assert_eq!(count(&d, "s ilike 'jfk'"), 100);
    assert!(error(&t, "i like 'a%'").contains("text"));
    // between, bounds included, for every ordered type; not between.
    assert_eq!(count(&t, "i between 0 and 5"), 3);
    assert_eq!(count(&t, "i not between 0 and 5"), 2);
    assert_eq!(count(&t, "f between -2 and 1.5"), 2);
    assert_eq!(count(&t, "s between 'a' and 'b'"), 3);
    assert_eq!(
        count(&t, "t between '1970-01-01' and '1970-01-01T00:00:05'"),
        2
    );
    assert_eq!(count(&t, "u between 3 and 18446744073709551615"), 5);
}

#[test]
fn errors_speak_the_users_language() {
    let t = table();
    let e = error(&t, "s == JFK");
    assert!(
        e.contains("unknown column \"JFK\"") && e.contains("'JFK'"),
        "{e}"
    );
    let e = error(&t, "s < i");
    assert!(
        e.contains("`s` (text)") && e.contains("`i` (an integer)"),
        "{e}"
    );
    let e = error(&t, "i == 'x'");
    assert!(e.contains("the text 'x'") && !e.contains("Str("), "{e}");
}

/// Floats with NaN, ±0.0 and inf: `x` = 1.0, NaN, -0.0, inf, NaN, 0.0 and `y` a copy, in
/// chunks of `chunklen` rows, with chunk statistics used or not.
fn floats(chunklen: usize, stats: bool) -> CTable {
    let xs = vec![1.0f64, f64::NAN, -0.0, f64::INFINITY, f64::NAN, 0.0];
    let opts = crate::CArrayOptions::default().with_chunklen(chunklen);
    let mut t = CTable::with_options(opts).unwrap();
    t.append(vec![
        ColumnBatch::new("k", (0..6i64).collect::<Vec<_>>()),
        ColumnBatch::new("x", xs.clone()),
        ColumnBatch::new("y", xs),
    ])
    .unwrap();
    t.set_use_stats(stats);
    t
}

#[test]
fn nan_and_signed_zero_follow_duckdb() {
    // Every count checked with DuckDB 2.0.1 on the same six values (`count(*) filter (...)`).
    for (chunklen, stats) in [(2, true), (2, false), (4, true), (64, true)] {
        let t = floats(chunklen, stats);
        let cases = [
            ("x == 0.0", 2),
            ("x == 0", 2),
            ("x > 1e308", 3),
            ("x < 1e308", 3),
            ("x > 2", 3),
            ("x >= 9007199254740993", 3),
            ("x != 1", 5),
            ("x == y", 6),
            ("x >= y", 6),
            ("x > y", 0),
            ("x + 0 == x", 6),
            ("x / 0 > 1e308", 6),
            ("x / 0 == y / 0", 6),
            ("x in [0, 1]", 3),
            ("x not in [0, 1]", 3),
            ("x not between -1 and 1", 3),
            ("x between 1 and y", 4),
            ("-x < 0", 2),
            ("k < x", 4),
        ];
        for (q, want) in cases {
            assert_eq!(
                count(&t, q),
                want,
                "{q} (chunklen {chunklen}, stats {stats})"
            );
        }
        // NaN is the largest value: max over {1.0, NaN} is NaN, min is 1.0.
        let got = aggs(
            &t,
            "k < 2",
            &[
                (Agg::Min, "x"),
                (Agg::Max, "x"),
                (Agg::Min, "y"),
                (Agg::Max, "y"),
            ],
        );
        assert_eq!(got[0], Value::Float(1.0), "chunklen {chunklen}");
        assert!(matches!(got[1], Value::Float(f) if f.is_nan()), "{got:?}");
        assert!(matches!(got[3], Value::Float(f) if f.is_nan()), "{got:?}");
        // Every row (the statistics path): min is a zero, max NaN.
        let got = aggs(&t, "true", &[(Agg::Min, "x"), (Agg::Max, "x")]);
        assert_eq!(got[0], Value::Float(0.0), "chunklen {chunklen}");
        assert!(matches!(got[1], Value::Float(f) if f.is_nan()), "{got:?}");
        // Only NaNs: both are NaN.
        let got = aggs(&t, "k == 1 or k == 4", &[(Agg::Min, "x"), (Agg::Max, "x")]);
        assert!(
            got.iter()
                .all(|v| matches!(v, Value::Float(f) if f.is_nan())),
            "{got:?}"
        );
        // Without the NaNs: max is inf.
        let got = aggs(&t, "k != 1 and k != 4", &[(Agg::Max, "x")]);
        assert_eq!(got[0], Value::Float(f64::INFINITY));
    }
}

#[test]
fn timestamps_of_two_units_compare_exactly() {
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new(
            "s",
            Values::Timestamp(vec![Timestamp(1), Timestamp(2)], TimeUnit::Second),
        ),
        ColumnBatch::new(
            "ns",
            Values::Timestamp(
                vec![Timestamp(1_000_000_000), Timestamp(1_999_999_999)],
                TimeUnit::Nanosecond,
            ),
        ),
    ])
    .unwrap();
    assert_eq!(count(&t, "s == ns"), 1);
    assert_eq!(count(&t, "s > ns"), 1);
    assert_eq!(count(&t, "ns < s"), 1);
}

/// Each type mismatch the compiler reports, with both sides' types and no Rust debug forms.
#[test]
fn mismatch_errors_name_both_sides() {
    let t = table();
    let mut b = CTable::new();
    b.append(vec![
        ColumnBatch::new("b", vec![true, false]),
        ColumnBatch::new("s", vec!["x".to_owned(), "y".to_owned()]),
        ColumnBatch::new("i", vec![1i64, 2]),
    ])
    .unwrap();
    let cases: [(&CTable, &str, &[&str]); 16] = [
        (&t, "s < 3", &["`s` (text)", "the integer 3"]),
        (&t, "3 > s", &["the integer 3", "`s` (text)"]),
        (&t, "s == 2.5", &["`s` (text)", "the float 2.5"]),
        (&t, "s < i", &["`s` (text)", "`i` (an integer)"]),
        (&t, "f >= s", &["`f` (a float)", "`s` (text)"]),
        (&t, "i + 1 > s", &["(an integer)", "`s` (text)"]),
        (
            &t,
            "i == '60'",
            &[
                "`i` (an integer)",
                "the text '60'",
                "write 60 without quotes",
            ],
        ),
        (&t, "s in [1, 2]", &["text column `s`", "the integer 1"]),
        (
            &t,
            "t >= 1370044800",
            &["timestamp", "the integer 1370044800", "in quotes"],
        ),
        (&t, "t < i", &["`t` (a timestamp)", "`i` (an integer)"]),
        (&t, "t == s", &["`t` (a timestamp)", "`s` (text)"]),
        (
            &t,
            "i like 'a%'",
            &["'like' applies to text", "`i` is an integer"],
        ),
        (&t, "s + 1 > 2", &["`s` is text, not a number"]),
        (&b, "b == 'x'", &["`b` (a bool)", "the text 'x'"]),
        (&b, "s == true", &["`s` (text)", "true"]),
        (&b, "b < s", &["`b` (a bool)", "`s` (text)"]),
    ];
    for (table, q, parts) in cases {
        let e = error(table, q);
        for p in parts {
            assert!(e.contains(p), "{q}: {e:?} lacks {p:?}");
        }
        for bad in ["Str(", "Float(", "Int(", "Literal", "Some(", "Second"] {
            assert!(!e.contains(bad), "{q}: {e:?} shows {bad:?}");
        }
    }
}
