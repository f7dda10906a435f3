//! Ordering result rows: SQL's order of values (DuckDB's), sort keys with direction and null
//! placement, and a top-k that never sorts more than it keeps.

use std::cmp::Ordering;

use super::compile::{cmp_int_float, fcmp};
use crate::ctable::Value;

/// One sort key's direction and where its nulls go.
#[derive(Clone, Copy, Debug)]
pub(super) struct Dir {
    pub(super) desc: bool,
    pub(super) nulls_first: bool,
}

/// A number as an exact integer or a float, for ordering.
enum N {
    I(i128),
    F(f64),
}

fn number(v: &Value) -> Option<N> {
    Some(match v {
        Value::Bool(b) => N::I(i128::from(*b)),
        Value::Int(i) | Value::Timestamp(i, _) => N::I(i128::from(*i)),
        Value::UInt(u) => N::I(i128::from(*u)),
        Value::BigInt(i) => N::I(*i),
        Value::Float(f) => N::F(*f),
        _ => return None,
    })
}

/// The order of two non-null values of one column: numbers exactly (integers against floats
/// without rounding), text byte-wise (UTF-8 order), NaN largest.
pub(super) fn value_cmp(a: &Value, b: &Value) -> Ordering {
    if let (Value::Str(x), Value::Str(y)) = (a, b) {
        return x.as_bytes().cmp(y.as_bytes());
    }
    match (number(a), number(b)) {
        (Some(N::I(x)), Some(N::I(y))) => x.cmp(&y),
        (Some(N::F(x)), Some(N::F(y))) => fcmp(x, y),
        (Some(N::I(x)), Some(N::F(y))) => cmp_int_float(x, y),
        (Some(N::F(x)), Some(N::I(y))) => cmp_int_float(y, x).reverse(),
        // Values of one column are of one kind; anything else ties.
        _ => Ordering::Equal,
    }
}

/// The order of two rows' sort keys under `dirs`: nulls last unless asked first, in either
/// direction (DuckDB's default).
pub(super) fn keys_cmp(a: &[Value], b: &[Value], dirs: &[Dir]) -> Ordering {
    for ((x, y), d) in a.iter().zip(b).zip(dirs) {
        let o = match (x, y) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => {
                if d.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, Value::Null) => {
                if d.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let o = value_cmp(x, y);
                if d.desc { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Sorts `rows` by `cmp` and keeps the first `limit` (all with `None`). With a limit only
/// those are sorted: a selection finds them first, in linear time.
pub(super) fn sort_top<T>(
    rows: &mut Vec<T>,
    limit: Option<usize>,
    cmp: impl Fn(&T, &T) -> Ordering,
) {
    if let Some(k) = limit {
        if k == 0 {
            rows.clear();
            return;
        }
        if rows.len() > k {
            rows.select_nth_unstable_by(k - 1, &cmp);
            rows.truncate(k);
        }
    }
    rows.sort_by(cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_order_as_in_sql() {
        use Value::{BigInt, Float, Int, Str, UInt};
        assert_eq!(
            value_cmp(&Float(f64::NAN), &Float(f64::INFINITY)),
            Ordering::Greater
        );
        assert_eq!(
            value_cmp(&Float(f64::NAN), &Float(f64::NAN)),
            Ordering::Equal
        );
        assert_eq!(value_cmp(&Float(-0.0), &Float(0.0)), Ordering::Equal);
        assert_eq!(
            value_cmp(&Int(9_007_199_254_740_993), &Float(9_007_199_254_740_992.0)),
            Ordering::Greater
        );
        assert_eq!(value_cmp(&Int(5), &Float(f64::NAN)), Ordering::Less);
        assert_eq!(value_cmp(&UInt(u64::MAX), &Int(-1)), Ordering::Greater);
        assert_eq!(
            value_cmp(&BigInt(1 << 70), &UInt(u64::MAX)),
            Ordering::Greater
        );
        assert_eq!(
            value_cmp(&Str("Z".into()), &Str("a".into())),
            Ordering::Less
        );
        assert_eq!(
            value_cmp(&Str("é".into()), &Str("z".into())),
            Ordering::Greater
        );
    }

    #[test]
    fn nulls_go_last_in_both_directions_unless_asked() {
        let asc = [Dir {
            desc: false,
            nulls_first: false,
        }];
        let desc = [Dir {
            desc: true,
            nulls_first: false,
        }];
        let first = [Dir {
            desc: true,
            nulls_first: true,
        }];
        let mut rows = vec![vec![Value::Null], vec![Value::Int(1)], vec![Value::Int(2)]];
        rows.sort_by(|a, b| keys_cmp(a, b, &asc));
        assert_eq!(rows[2], [Value::Null]);
        rows.sort_by(|a, b| keys_cmp(a, b, &desc));
        assert_eq!(
            rows,
            [vec![Value::Int(2)], vec![Value::Int(1)], vec![Value::Null]]
        );
        rows.sort_by(|a, b| keys_cmp(a, b, &first));
        assert_eq!(rows[0], [Value::Null]);
    }

    #[test]
    fn top_k_keeps_the_smallest_in_order() {
        let mut v: Vec<i32> = (0..100).rev().collect();
        sort_top(&mut v, Some(3), i32::cmp);
        assert_eq!(v, [0, 1, 2]);
        let mut v = vec![3, 1, 2];
        sort_top(&mut v, Some(10), i32::cmp);
        assert_eq!(v, [1, 2, 3]);
        sort_top(&mut v, Some(0), i32::cmp);
        assert!(v.is_empty());
    }
}
