//! CTable and queries against a naive row-by-row evaluator on random tables, plus hand-written
//! cases for parse errors, type errors and appends that must be all or nothing.

use blz::{
    Agg, BinOp, CArrayOptions, CTable, ColumnBatch, ColumnType, DType, Expr, Literal, TimeUnit,
    Timestamp, UnOp, Value, Values,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Rows {
    a: Vec<Option<i32>>,
    b: Vec<f64>,
    s: Vec<Option<String>>,
    u: Vec<u8>,
    flag: Vec<bool>,
}

fn rows() -> impl Strategy<Value = Rows> {
    (0usize..300).prop_flat_map(|n| {
        (
            prop::collection::vec(prop::option::weighted(0.9, -50i32..50), n),
            prop::collection::vec(
                prop_oneof![8 => -100.0f64..100.0, 1 => Just(f64::NAN), 1 => Just(0.5)],
                n,
            ),
            prop::collection::vec(
                prop::option::weighted(
                    0.9,
                    prop::sample::select(vec!["AA", "BB", "CC", "x y"]).prop_map(String::from),
                ),
                n,
            ),
            prop::collection::vec(any::<u8>(), n),
            prop::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(a, b, s, u, flag)| Rows { a, b, s, u, flag })
    })
}

fn table(r: &Rows, chunklen: usize) -> CTable {
    let mut t = CTable::with_options(CArrayOptions::default().with_chunklen(chunklen)).unwrap();
    let n = r.a.len();
    t.append(vec![
        ColumnBatch::new(
            "a",
            r.a.iter().map(|x| x.unwrap_or(0)).collect::<Vec<i32>>(),
        )
        .with_validity(r.a.iter().map(Option::is_some).collect()),
        ColumnBatch::new("b", r.b.clone()),
        ColumnBatch::new(
            "s",
            r.s.iter()
                .map(|x| x.clone().unwrap_or_default())
                .collect::<Vec<String>>(),
        )
        .with_validity(r.s.iter().map(Option::is_some).collect()),
        ColumnBatch::new("u", r.u.clone()),
        ColumnBatch::new("flag", r.flag.clone()),
    ])
    .unwrap();
    assert_eq!(t.len(), n);
    t
}

/// Random query text from a small grammar.
fn query() -> impl Strategy<Value = String> {
    let num_leaf = prop_oneof![
        (
            prop::sample::select(vec!["a", "u"]),
            prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!=", "=", "<>"]),
            -60i64..300
        )
            .prop_map(|(c, op, v)| format!("{c} {op} {v}")),
        (
            prop::sample::select(vec!["<", ">=", "==", "!="]),
            -120.0f64..120.0
        )
            .prop_map(|(op, v)| format!("b {op} {v:.2}")),
        (-5i64..5).prop_map(|v| format!("a + u * 2 > {v}")),
        (-5i64..5).prop_map(|v| format!("b - a / 3 < {v}")),
        prop::sample::select(vec![
            "a in [1, 2, -3, 40]",
            "u not in (0, 255, 7)",
            "b in [0.5]"
        ])
        .prop_map(String::from),
        prop::sample::select(vec![
            "s == 'AA'",
            "s != \"BB\"",
            "s in ['CC', 'x y']",
            "s not in ['AA']",
            "'BB' = s"
        ])
        .prop_map(String::from),
        prop::sample::select(vec![
            "a is null",
            "a is not null",
            "s is null",
            "b is not null",
            "flag",
            "not flag",
            "flag == true"
        ])
        .prop_map(String::from),
    ];
    num_leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop::sample::select(vec!["and", "&", "or", "|", "AND"])
            )
                .prop_map(|(x, y, op)| format!("({x}) {op} ({y})")),
            inner.clone().prop_map(|x| format!("not ({x})")),
            inner.prop_map(|x| format!("~({x})")),
        ]
    })
}

/// SQL three-valued evaluation of one row.
#[derive(Clone, Copy, Debug, PartialEq)]
enum V {
    Null,
    N(f64),
    B(bool),
}

fn eval_row(e: &Expr, r: &Rows, i: usize) -> V {
    match e {
        Expr::Column { name, .. } => match name.as_str() {
            "a" => r.a[i].map_or(V::Null, |x| V::N(f64::from(x))),
            "b" => V::N(r.b[i]),
            "u" => V::N(f64::from(r.u[i])),
            "flag" => V::B(r.flag[i]),
            _ => unreachable!("string columns are compared directly"),
        },
        Expr::Lit { value, .. } => match value {
            Literal::Int(x) => V::N(*x as f64),
            Literal::Float(x) => V::N(*x),
            Literal::Bool(b) => V::B(*b),
            _ => V::Null,
        },
        Expr::Unary {
            op: UnOp::Not,
            expr,
            ..
        } => match eval_row(expr, r, i) {
            V::B(b) => V::B(!b),
            other => other,
        },
        Expr::Unary {
            op: UnOp::Neg,
            expr,
            ..
        } => match eval_row(expr, r, i) {
            V::N(x) => V::N(-x),
            other => other,
        },
        Expr::Binary { op, lhs, rhs, .. } => {
            // String comparisons.
            let str_side = |x: &Expr, y: &Expr| match (x, y) {
                (
                    Expr::Column { name, .. },
                    Expr::Lit {
                        value: Literal::Str(s),
                        ..
                    },
                ) if name == "s" => Some(s.clone()),
                _ => None,
            };
            if let Some(s) = str_side(lhs, rhs).or_else(|| str_side(rhs, lhs)) {
                return match &r.s[i] {
                    None => V::Null,
                    Some(v) => V::B((v == &s) == (*op == BinOp::Eq)),
                };
            }
            let (x, y) = (eval_row(lhs, r, i), eval_row(rhs, r, i));
            match op {
                BinOp::And => match (x, y) {
                    (V::B(false), _) | (_, V::B(false)) => V::B(false),
                    (V::B(true), V::B(true)) => V::B(true),
                    _ => V::Null,
                },
                BinOp::Or => match (x, y) {
                    (V::B(true), _) | (_, V::B(true)) => V::B(true),
                    (V::B(false), V::B(false)) => V::B(false),
                    _ => V::Null,
                },
                _ => {
                    let (V::N(x), V::N(y)) = (num(x), num(y)) else {
                        return V::Null;
                    };
                    // SQL's (DuckDB's) order: NaN equals NaN and lies above every number.
                    let o = match x.partial_cmp(&y) {
                        Some(o) => o,
                        None => x.is_nan().cmp(&y.is_nan()),
                    };
                    use std::cmp::Ordering::{Equal, Greater, Less};
                    match op {
                        BinOp::Add => V::N(x + y),
                        BinOp::Sub => V::N(x - y),
                        BinOp::Mul => V::N(x * y),
                        BinOp::Div => V::N(x / y),
                        BinOp::Lt => V::B(o == Less),
                        BinOp::Le => V::B(o != Greater),
                        BinOp::Gt => V::B(o == Greater),
                        BinOp::Ge => V::B(o != Less),
                        BinOp::Eq => V::B(o == Equal),
                        _ => V::B(o != Equal),
                    }
                }
            }
        }
        Expr::InList {
            expr,
            list,
            negated,
            ..
        } => {
            if let Expr::Column { name, .. } = &**expr
                && name == "s"
            {
                return match &r.s[i] {
                    None => V::Null,
                    Some(v) => V::B(list.iter().any(|l| *l == Literal::Str(v.clone())) != *negated),
                };
            }
            match eval_row(expr, r, i) {
                V::N(x) => V::B(
                    list.iter().any(|l| match l {
                        Literal::Int(k) => *k as f64 == x,
                        Literal::Float(f) => *f == x,
                        _ => false,
                    }) != *negated,
                ),
                _ => V::Null,
            }
        }
        Expr::IsNull { expr, negated, .. } => {
            let Expr::Column { name, .. } = &**expr else {
                unreachable!()
            };
            let null = match name.as_str() {
                "a" => r.a[i].is_none(),
                "s" => r.s[i].is_none(),
                _ => false,
            };
            V::B(null != *negated)
        }
        _ => V::Null,
    }
}

fn num(v: V) -> V {
    match v {
        V::B(b) => V::N(f64::from(u8::from(b))),
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)))]

    #[test]
    fn queries_match_a_naive_evaluator(r in rows(), q in query(), chunklen in 1usize..64, stats in any::<bool>()) {
        let mut t = table(&r, chunklen);
        let _ = stats; // statistics are always kept; chunk skipping is exercised by small chunks
        let e = blz::parse(&q).unwrap();
        let want: Vec<usize> = (0..r.a.len()).filter(|&i| eval_row(&e, &r, i) == V::B(true)).collect();
        let qry = t.query(&q).unwrap();
        prop_assert_eq!(qry.indices().unwrap(), want.clone(), "{}", q);
        prop_assert_eq!(qry.count().unwrap(), want.len());
        // Aggregates over the matches (nulls skipped).
        let a_vals: Vec<i64> = want.iter().filter_map(|&i| r.a[i]).map(i64::from).collect();
        let got = qry.aggregates(&[(Agg::Count, "a"), (Agg::Sum, "a"), (Agg::Min, "a"), (Agg::Max, "u"), (Agg::Count, "s")]).unwrap();
        prop_assert_eq!(&got[0], &Value::Int(a_vals.len() as i64));
        // SQL: the sum of no values is null.
        let want_sum = if a_vals.is_empty() { Value::Null } else { Value::Int(a_vals.iter().sum()) };
        prop_assert_eq!(&got[1], &want_sum);
        prop_assert_eq!(&got[2], &a_vals.iter().min().map_or(Value::Null, |m| Value::Int(*m)));
        let umax = want.iter().map(|&i| r.u[i]).max();
        prop_assert_eq!(&got[3], &umax.map_or(Value::Null, |m| Value::UInt(u64::from(m))));
        prop_assert_eq!(&got[4], &Value::Int(want.iter().filter(|&&i| r.s[i].is_some()).count() as i64));
        // Group by text: counts per key.
        let groups = qry.group_by("s", &[(Agg::Count, "u")]).unwrap();
        let total: i64 = groups.iter().map(|(_, v)| match v[0] { Value::Int(k) => k, _ => 0 }).sum();
        prop_assert_eq!(total, want.len() as i64);
        // fetch: a new table of the matches.
        let f = qry.fetch().unwrap();
        prop_assert_eq!(f.len(), want.len());
        if let Some(&first) = want.first() {
            // Debug text, so NaN cells compare equal.
            prop_assert_eq!(format!("{:?}", f.row(0).unwrap()), format!("{:?}", t.row(first).unwrap()));
        }
        drop(qry);
        // Appending more rows keeps answers consistent.
        t.append(vec![
            ColumnBatch::new("a", vec![1i32]),
            ColumnBatch::new("b", vec![0.5f64]),
            ColumnBatch::new("s", vec!["AA"]),
            ColumnBatch::new("u", vec![7u8]),
            ColumnBatch::new("flag", vec![true]),
        ]).unwrap();
        prop_assert_eq!(t.len(), r.a.len() + 1);
    }
}

fn sample() -> CTable {
    let mut t = CTable::with_options(CArrayOptions::default().with_chunklen(1000)).unwrap();
    let n = 10_000;
    t.append(vec![
        ColumnBatch::new("qty", (0..n).map(|i| (i % 100) as i32).collect::<Vec<_>>()),
        ColumnBatch::new(
            "price",
            (0..n).map(|i| 90.0 + (i % 13) as f64).collect::<Vec<_>>(),
        ),
        ColumnBatch::new(
            "sym",
            (0..n)
                .map(|i| ["AA", "BB", "CC"][i % 3])
                .collect::<Vec<_>>(),
        ),
        ColumnBatch::new(
            "ts",
            Values::Timestamp(
                (0..n)
                    .map(|i| Timestamp(1_372_636_800 + i as i64 * 60))
                    .collect(),
                TimeUnit::Second,
            ),
        ),
    ])
    .unwrap();
    t
}

#[test]
fn timestamps_compare_with_iso_text() {
    let t = sample();
    // 2013-07-01T00:00:00Z = 1372636800 s; rows are one minute apart.
    assert_eq!(
        t.query("ts < '2013-07-01T00:10:00'")
            .unwrap()
            .count()
            .unwrap(),
        10
    );
    assert_eq!(
        t.query("ts >= '2013-07-02'").unwrap().count().unwrap(),
        10_000 - 1440
    );
    let e = t.query("ts < '2013-13-01'").err().unwrap().to_string();
    assert!(e.contains("ISO-8601"), "{e}");
}

#[test]
fn group_by_and_aggregates() {
    let t = sample();
    let q = t.query("qty < 10").unwrap();
    assert_eq!(q.count().unwrap(), 1000);
    let g = q
        .group_by(
            "sym",
            &[(Agg::Count, "qty"), (Agg::Sum, "qty"), (Agg::Mean, "price")],
        )
        .unwrap();
    assert_eq!(g.len(), 3);
    assert_eq!(g[0].0, Value::Str("AA".into()));
    let by_int = q.group_by("qty", &[(Agg::Count, "qty")]).unwrap();
    assert_eq!(by_int.len(), 10);
    assert_eq!(by_int[3], (Value::Int(3), vec![Value::Int(100)]));
    assert!(q.group_by("price", &[]).is_err());
    assert!(q.aggregate("sym", Agg::Sum).is_err());
    assert_eq!(
        t.query("qty < 10").unwrap().limit(5).indices().unwrap(),
        vec![0, 1, 2, 3, 4]
    );
}

#[test]
fn parse_and_type_errors_say_where_and_what() {
    let t = sample();
    let e = t.query("qty < ").err().unwrap().to_string();
    assert!(e.contains("column 7") || e.contains("expected"), "{e}");
    let e = t.query("nope > 3").err().unwrap().to_string();
    assert!(e.contains("unknown column") && e.contains("nope"), "{e}");
    // Text is ordered (byte-wise), but not comparable with a number.
    assert!(t.query("sym > 'AA'").is_ok());
    let e = t.query("sym > 3").err().unwrap().to_string();
    assert!(e.contains("sym") && e.contains("text"), "{e}");
    let e = t.query("sym + 1 > 2").err().unwrap().to_string();
    assert!(e.contains("sym") && e.contains("text"), "{e}");
    let e = t.query("qty == 'AA'").err().unwrap().to_string();
    assert!(e.contains("qty"), "{e}");
    let e = t.query("qty").err().unwrap().to_string();
    assert!(e.contains("qty"), "{e}");
    let e = t.query("qty == null").err().unwrap().to_string();
    assert!(e.contains("is null"), "{e}");
}

#[test]
fn appends_are_all_or_nothing() {
    let mut t = sample();
    let n = t.len();
    // Wrong type.
    let r = t.append(vec![
        ColumnBatch::new("qty", vec![1.5f64]),
        ColumnBatch::new("price", vec![1.0f64]),
        ColumnBatch::new("sym", vec!["AA"]),
        ColumnBatch::new(
            "ts",
            Values::Timestamp(vec![Timestamp(0)], TimeUnit::Second),
        ),
    ]);
    assert!(r.unwrap_err().to_string().contains("qty"));
    // Different lengths.
    assert!(
        t.append(vec![
            ColumnBatch::new("qty", vec![1i32, 2]),
            ColumnBatch::new("price", vec![1.0f64]),
            ColumnBatch::new("sym", vec!["AA"]),
            ColumnBatch::new(
                "ts",
                Values::Timestamp(vec![Timestamp(0)], TimeUnit::Second)
            ),
        ])
        .is_err()
    );
    // Missing column, unknown column.
    assert!(t.append(vec![ColumnBatch::new("qty", vec![1i32])]).is_err());
    assert_eq!(t.len(), n);
    assert_eq!(t.row(n - 1).unwrap()[0], Value::Int(((n - 1) % 100) as i64));
    // Schema operations.
    t.rename_column("qty", "quantity").unwrap();
    assert!(t.query("qty > 1").is_err());
    t.add_column(ColumnBatch::new("k", vec![1u16; n])).unwrap();
    assert!(t.add_column(ColumnBatch::new("k2", vec![1u16; 3])).is_err());
    t.drop_column("k").unwrap();
    assert_eq!(t.schema().fields.len(), 4);
    assert_eq!(
        t.schema().fields[3].ty,
        ColumnType::Fixed(DType::Timestamp(TimeUnit::Second))
    );
    println!("{t}");
}

#[test]
fn many_distinct_strings_switch_to_plain_storage() {
    let mut t = CTable::with_options(CArrayOptions::default().with_chunklen(4096)).unwrap();
    let words: Vec<String> = (0..70_000).map(|i| format!("w{i}")).collect();
    t.append(vec![ColumnBatch::new("w", words.clone())])
        .unwrap();
    assert_eq!(t.value("w", 69_999).unwrap(), Value::Str("w69999".into()));
    assert_eq!(
        t.query("w in ['w5', 'w69998', 'zzz']")
            .unwrap()
            .indices()
            .unwrap(),
        vec![5, 69_998]
    );
}

#[test]
fn integer_sums_are_exact_past_64_bits() {
    use blz::{Agg, CTable, ColumnBatch, Value};
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("u", vec![u64::MAX, u64::MAX, 1, u64::MAX - 5]),
        ColumnBatch::new("i", vec![i64::MAX, i64::MAX, -1, 7]),
        ColumnBatch::new("n", vec![i64::MIN, i64::MIN, 0, 0]),
    ])
    .unwrap();
    let q = t.query("true").unwrap();
    let got = q
        .aggregates(&[
            (Agg::Sum, "u"),
            (Agg::Sum, "i"),
            (Agg::Sum, "n"),
            (Agg::Min, "u"),
            (Agg::Max, "u"),
        ])
        .unwrap();
    assert_eq!(got[0], Value::BigInt(3 * i128::from(u64::MAX) - 4));
    assert_eq!(got[1], Value::BigInt(2 * i128::from(i64::MAX) + 6));
    assert_eq!(got[2], Value::BigInt(2 * i128::from(i64::MIN)));
    assert_eq!(got[3], Value::UInt(1));
    assert_eq!(got[4], Value::UInt(u64::MAX));
    // Sums that fit stay 64-bit values.
    let q = t.query("u < 10").unwrap();
    assert_eq!(q.aggregate("u", Agg::Sum).unwrap(), Value::UInt(1));
    assert_eq!(q.aggregate("i", Agg::Sum).unwrap(), Value::Int(-1));
}

/// Whole-chunk aggregates (every row selected) come from chunk statistics or a block-wise scan
/// instead of the row loop: both must give the row loop's answers, for every column type, with
/// statistics on and off, with nulls in some chunks, 64-bit sums that wrap, NaNs and a tail.
#[test]
fn whole_chunk_aggregates_match_the_rows() {
    let n = 1000usize;
    let big: Vec<i64> = (0..n as i64).map(|i| i64::MAX / 3 + i).collect();
    let ubig: Vec<u64> = (0..n as u64).map(|i| u64::MAX / 5 + i).collect();
    let small: Vec<i32> = (0..n as i32).map(|i| (i * 7919) % 201 - 100).collect();
    let f: Vec<f64> = (0..n)
        .map(|i| {
            if i == 517 {
                f64::NAN
            } else {
                i as f64 * 0.25 - 3.0
            }
        })
        .collect();
    let flag: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let nullable: Vec<i16> = (0..n as i16).collect();
    let valid: Vec<bool> = (0..n).map(|i| !(100..140).contains(&i)).collect();
    for stats in [true, false] {
        let mut t = CTable::with_options(CArrayOptions::default().with_chunklen(64)).unwrap();
        t.append(vec![
            ColumnBatch::new("big", big.clone()),
            ColumnBatch::new("ubig", ubig.clone()),
            ColumnBatch::new("small", small.clone()),
            ColumnBatch::new("f", f.clone()),
            ColumnBatch::new("flag", flag.clone()),
            ColumnBatch::new("k", nullable.clone()).with_validity(valid.clone()),
        ])
        .unwrap();
        t.set_use_stats(stats);
        // `small >= -100` holds everywhere: decided per chunk from statistics when they are on.
        for q in ["true", "small >= -100"] {
            let qry = t.query(q).unwrap();
            let got = qry
                .aggregates(&[
                    (Agg::Sum, "big"),
                    (Agg::Min, "big"),
                    (Agg::Max, "big"),
                    (Agg::Sum, "ubig"),
                    (Agg::Max, "ubig"),
                    (Agg::Sum, "small"),
                    (Agg::Min, "small"),
                    (Agg::Count, "f"),
                    (Agg::Min, "f"),
                    (Agg::Max, "f"),
                    (Agg::Sum, "flag"),
                    (Agg::Sum, "k"),
                    (Agg::Count, "k"),
                    (Agg::Mean, "small"),
                ])
                .unwrap();
            let ctx = format!("stats {stats}, {q}");
            let bsum: i128 = big.iter().map(|&x| i128::from(x)).sum();
            assert_eq!(got[0], Value::BigInt(bsum), "{ctx}");
            assert_eq!(got[1], Value::Int(big[0]), "{ctx}");
            assert_eq!(got[2], Value::Int(big[n - 1]), "{ctx}");
            let usum: i128 = ubig.iter().map(|&x| i128::from(x)).sum();
            assert_eq!(got[3], Value::BigInt(usum), "{ctx}");
            assert_eq!(got[4], Value::UInt(ubig[n - 1]), "{ctx}");
            let ssum: i64 = small.iter().map(|&x| i64::from(x)).sum();
            assert_eq!(got[5], Value::Int(ssum), "{ctx}");
            assert_eq!(
                got[6],
                Value::Int(i64::from(*small.iter().min().unwrap())),
                "{ctx}"
            );
            assert_eq!(got[7], Value::Int(n as i64), "{ctx}");
            assert_eq!(got[8], Value::Float(-3.0), "{ctx}");
            // NaN is the largest value, as in SQL (DuckDB): the max of a column with a NaN.
            assert!(
                matches!(got[9], Value::Float(x) if x.is_nan()),
                "{ctx}: {:?}",
                got[9]
            );
            assert_eq!(
                got[10],
                Value::UInt(flag.iter().filter(|&&b| b).count() as u64),
                "{ctx}"
            );
            let ksum: i64 = nullable
                .iter()
                .zip(&valid)
                .filter(|(_, v)| **v)
                .map(|(&x, _)| i64::from(x))
                .sum();
            assert_eq!(got[11], Value::Int(ksum), "{ctx}");
            assert_eq!(
                got[12],
                Value::Int(valid.iter().filter(|&&v| v).count() as i64),
                "{ctx}"
            );
            assert_eq!(got[13], Value::Float(ssum as f64 / n as f64), "{ctx}");
            // A NaN makes the float sum NaN; without it the sum is exact here (quarters).
            assert!(
                matches!(qry.aggregate("f", Agg::Sum).unwrap(), Value::Float(s) if s.is_nan()),
                "{ctx}"
            );
            let qf = t.query(&format!("({q}) & (f < 1000000)")).unwrap();
            let want: f64 = f.iter().filter(|x| !x.is_nan()).sum();
            assert_eq!(
                qf.aggregate("f", Agg::Sum).unwrap(),
                Value::Float(want),
                "{ctx}"
            );
        }
    }
}

/// Borrowed appends: the same rows and the same all-or-nothing rules as owned batches.
#[test]
fn append_slices_borrows_and_checks_like_append() {
    use blz::ColumnSlice;
    let a: Vec<i32> = (0..300_000).map(|i| i % 77).collect();
    let b: Vec<f64> = (0..300_000).map(|i| f64::from(i) * 0.5).collect();
    let valid: Vec<bool> = (0..300_000).map(|i| i % 10 != 0).collect();
    let mut t = CTable::new();
    t.append_slices(&[
        ColumnSlice::new("a", &a).with_validity(&valid),
        ColumnSlice::new("b", &b[..]),
    ])
    .unwrap();
    let mut owned = CTable::new();
    owned
        .append(vec![
            ColumnBatch::new("a", a.clone()).with_validity(valid.clone()),
            ColumnBatch::new("b", b.clone()),
        ])
        .unwrap();
    assert_eq!(t.len(), 300_000);
    for i in [0, 1, 131_071, 131_072, 299_999] {
        assert_eq!(t.row(i).unwrap(), owned.row(i).unwrap());
    }
    assert_eq!(
        t.query("a < 5").unwrap().aggregate("b", Agg::Sum).unwrap(),
        owned
            .query("a < 5")
            .unwrap()
            .aggregate("b", Agg::Sum)
            .unwrap()
    );
    // Errors leave the table as it was.
    let short = &b[..10];
    assert!(
        t.append_slices(&[
            ColumnSlice::new("a", &a[..11]),
            ColumnSlice::new("b", short)
        ])
        .is_err()
    );
    assert!(
        t.append_slices(&[ColumnSlice::new("a", short), ColumnSlice::new("b", short)])
            .is_err()
    );
    assert!(t.append_slices(&[ColumnSlice::new("a", &a[..10])]).is_err());
    assert_eq!(t.len(), 300_000);
    // Sub-ranges of borrowed values.
    let v = blz::ValuesRef::from(&b[..]);
    assert_eq!(v.get(10..20).map(|x| x.len()), Some(10));
    assert!(v.get(299_990..300_001).is_none());
}

/// Bool columns take bit shuffle (byte shuffle does nothing on 1-byte values); the block size
/// is an option, and a tiny one is refused.
#[test]
fn bool_columns_bitshuffle_and_block_bytes_is_an_option() {
    use blz::blosc::Shuffle;
    let flags: Vec<bool> = (0..400_000u32)
        .map(|i| i.wrapping_mul(2_654_435_761) % 7 < 3)
        .collect();
    let mut t = CTable::new();
    t.append(vec![ColumnBatch::new("f", flags.clone())])
        .unwrap();
    assert_eq!(t.column_cparams("f").unwrap().shuffle, Shuffle::Bit);
    let (nb, cb) = t.column_sizes("f").unwrap();
    assert!(
        cb * 5 < nb,
        "bit-shuffled bools compress at least 5x: {nb} / {cb}"
    );
    assert_eq!(
        t.query("f").unwrap().count().unwrap(),
        flags.iter().filter(|&&f| f).count()
    );

    let xs: Vec<f64> = (0..1_000_000).map(|i| f64::from(i) * 0.001).collect();
    let big = blz::CArray::from_slice(&xs).unwrap();
    let small = blz::CArray::with_options(CArrayOptions::default().with_block_bytes(64 << 10))
        .and_then(|mut a| a.extend_from_slice(&xs).map(|()| a))
        .unwrap();
    assert_eq!(small.slice(0..xs.len()).unwrap(), xs);
    let (s1, s2) = (big.sum().unwrap(), small.sum().unwrap());
    assert!((s1 - s2).abs() <= 1e-12 * s1.abs(), "{s1} vs {s2}");
    assert!(
        small.cbytes() > big.cbytes(),
        "smaller blocks compress a ramp less well"
    );
    assert!(
        blz::CArray::<f64>::with_options(CArrayOptions::default().with_block_bytes(100)).is_err()
    );
}

/// Group keys of u64 columns above i64::MAX stay distinct and exact (they were clamped).
#[test]
fn group_by_u64_keys_past_i64_max() {
    let mut t = CTable::new();
    let keys = vec![u64::MAX, 1, u64::MAX - 1, 1, u64::MAX, 1 << 63];
    t.append(vec![
        ColumnBatch::new("k", keys),
        ColumnBatch::new("v", vec![1i32, 2, 3, 4, 5, 6]),
    ])
    .unwrap();
    let g = t
        .query("true")
        .unwrap()
        .group_by("k", &[(Agg::Sum, "v")])
        .unwrap();
    let got: Vec<(Value, Value)> = g.into_iter().map(|(k, v)| (k, v[0].clone())).collect();
    assert_eq!(
        got,
        vec![
            (Value::UInt(1), Value::Int(6)),
            (Value::UInt(1 << 63), Value::Int(6)),
            (Value::UInt(u64::MAX - 1), Value::Int(3)),
            (Value::UInt(u64::MAX), Value::Int(6)),
        ]
    );
}

/// Per-column codec parameters: chunks sealed afterwards use them, other columns keep theirs,
/// the data round-trips, a table on disk keeps them across a reopen, bad ones change nothing.
#[test]
fn per_column_codec_parameters() {
    use blz::blosc::{CLevel, CParams, Compressor, Shuffle};
    use blz::{CreateOptions, DiskTable, OpenMode};
    let zstd = CParams::default()
        .with_compressor(Compressor::Zstd)
        .with_clevel(CLevel::new(3))
        .with_shuffle(Shuffle::Bit);
    let qty: Vec<i32> = (0..300_000).map(|i| (i * 7) % 100).collect();
    let sym: Vec<String> = (0..300_000).map(|i| format!("s{}", i % 5)).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.blz");
    let mut t = DiskTable::create(&path, CreateOptions::default()).unwrap();
    t.add_empty_column("qty", ColumnType::Fixed(DType::I32))
        .unwrap();
    t.add_empty_column("sym", ColumnType::Utf8).unwrap();
    t.set_column_cparams("qty", zstd.clone()).unwrap();
    assert!(t.set_column_cparams("nope", zstd.clone()).is_err());
    t.append(vec![
        ColumnBatch::new("qty", qty.clone()),
        ColumnBatch::new("sym", sym.clone()),
    ])
    .unwrap();
    t.commit().unwrap();
    drop(t);
    let t = DiskTable::open(&path, OpenMode::ReadOnly).unwrap();
    assert_eq!(
        t.column_cparams("qty").unwrap().compressor,
        Compressor::Zstd
    );
    assert_eq!(t.column_cparams("qty").unwrap().shuffle, Shuffle::Bit);
    assert_eq!(t.column_cparams("sym").unwrap().compressor, Compressor::Lz4);
    let want: i64 = qty.iter().map(|&q| i64::from(q)).sum();
    assert_eq!(
        t.query("true").unwrap().aggregate("qty", Agg::Sum).unwrap(),
        Value::Int(want)
    );
    assert_eq!(t.value("sym", 123_457).unwrap(), Value::Str("s2".into()));
    let mut ro = t;
    assert!(
        ro.set_column_cparams("qty", zstd).is_err(),
        "read-only tables refuse changes"
    );
}
