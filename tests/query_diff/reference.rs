//! The reference of the differential test: the random table as plain vectors, expressions as
//! trees that render to query text, and a row-at-a-time evaluator with SQL's semantics (see
//! the parent module's documentation for the rules).

use std::cmp::Ordering;

use blz::{Agg, TimeUnit};

/// A random table, column by column (`None` = NULL).
#[derive(Clone, Debug)]
pub(super) struct Table {
    pub(super) b: Vec<Option<bool>>,
    pub(super) i8s: Vec<Option<i8>>,
    pub(super) i16s: Vec<Option<i16>>,
    pub(super) i32s: Vec<Option<i32>>,
    pub(super) i64s: Vec<Option<i64>>,
    pub(super) u8s: Vec<Option<u8>>,
    pub(super) u16s: Vec<Option<u16>>,
    pub(super) u32s: Vec<Option<u32>>,
    pub(super) u64s: Vec<Option<u64>>,
    pub(super) f32s: Vec<Option<f32>>,
    pub(super) f64s: Vec<Option<f64>>,
    /// Counts of `unit` since the epoch.
    pub(super) ts: Vec<Option<i64>>,
    pub(super) s: Vec<Option<String>>,
    pub(super) unit: TimeUnit,
    pub(super) chunklen: usize,
    pub(super) stats: bool,
}

impl Table {
    /// No rows.
    pub(super) fn empty() -> Table {
        Table {
            b: vec![],
            i8s: vec![],
            i16s: vec![],
            i32s: vec![],
            i64s: vec![],
            u8s: vec![],
            u16s: vec![],
            u32s: vec![],
            u64s: vec![],
            f32s: vec![],
            f64s: vec![],
            ts: vec![],
            s: vec![],
            unit: TimeUnit::Second,
            chunklen: 1,
            stats: true,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.b.len()
    }

    /// The cell of `col` at row `i`.
    pub(super) fn cell(&self, col: Col, i: usize) -> V {
        fn int<T: Into<i128> + Copy>(v: &[Option<T>], i: usize) -> V {
            v[i].map_or(V::Null, |x| V::I(x.into()))
        }
        match col {
            Col::B => self.b[i].map_or(V::Null, V::B),
            Col::I8 => int(&self.i8s, i),
            Col::I16 => int(&self.i16s, i),
            Col::I32 => int(&self.i32s, i),
            Col::I64 => int(&self.i64s, i),
            Col::U8 => int(&self.u8s, i),
            Col::U16 => int(&self.u16s, i),
            Col::U32 => int(&self.u32s, i),
            Col::U64 => int(&self.u64s, i),
            Col::F32 => self.f32s[i].map_or(V::Null, |x| V::F(f64::from(x))),
            Col::F64 => self.f64s[i].map_or(V::Null, V::F),
            Col::Ts => self.ts[i].map_or(V::Null, V::T),
            Col::S => self.s[i].clone().map_or(V::Null, V::S),
        }
    }

    fn per_sec(&self) -> i64 {
        per_sec(self.unit)
    }
}

fn per_sec(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        _ => 1_000_000_000,
    }
}

/// A column of the random table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Col {
    B,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    Ts,
    S,
}

impl Col {
    /// Columns usable in arithmetic and numeric comparisons.
    pub(super) const NUMERIC: [Col; 10] = [
        Col::I8,
        Col::I16,
        Col::I32,
        Col::I64,
        Col::U8,
        Col::U16,
        Col::U32,
        Col::U64,
        Col::F32,
        Col::F64,
    ];
    /// Every column.
    pub(super) const ALL: [Col; 13] = [
        Col::B,
        Col::I8,
        Col::I16,
        Col::I32,
        Col::I64,
        Col::U8,
        Col::U16,
        Col::U32,
        Col::U64,
        Col::F32,
        Col::F64,
        Col::Ts,
        Col::S,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Col::B => "b",
            Col::I8 => "i8",
            Col::I16 => "i16",
            Col::I32 => "i32",
            Col::I64 => "i64",
            Col::U8 => "u8",
            Col::U16 => "u16",
            Col::U32 => "u32",
            Col::U64 => "u64",
            Col::F32 => "f32",
            Col::F64 => "f64",
            Col::Ts => "ts",
            Col::S => "s",
        }
    }
}

/// A value of the reference: integers exact, floats as f64, timestamps as counts of the
/// table's unit.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum V {
    Null,
    B(bool),
    I(i128),
    F(f64),
    T(i64),
    S(String),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    fn holds(self, o: Ordering) -> bool {
        match self {
            Op::Lt => o == Ordering::Less,
            Op::Le => o != Ordering::Greater,
            Op::Gt => o == Ordering::Greater,
            Op::Ge => o != Ordering::Less,
            Op::Eq => o == Ordering::Equal,
            Op::Ne => o != Ordering::Equal,
        }
    }
}

/// Two floats in SQL's (DuckDB's) total order: NaN equals NaN and lies above every number,
/// `+inf` too; `-0.0 == 0.0`.
fn float_order(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x.partial_cmp(&y).unwrap(),
    }
}

/// An integer against a float, exactly (a NaN is above every integer).
fn cmp_int_float(i: i128, f: f64) -> Ordering {
    if f.is_nan() || f >= 1e38 {
        return Ordering::Less;
    }
    if f <= -1e38 {
        return Ordering::Greater;
    }
    let t = f.trunc();
    // `t` is an integer below 1e38 in magnitude: the cast is exact.
    let ti = t as i128;
    match i.cmp(&ti) {
        Ordering::Equal => {
            if f > t {
                Ordering::Less
            } else if f < t {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        o => o,
    }
}

/// `a op b` in three-valued logic (`None` = unknown).
pub(super) fn cmp(a: &V, op: Op, b: &V) -> Option<bool> {
    let o = match (a, b) {
        (V::Null, _) | (_, V::Null) => return None,
        (V::I(x), V::I(y)) => x.cmp(y),
        (V::F(x), V::F(y)) => float_order(*x, *y),
        (V::I(x), V::F(y)) => cmp_int_float(*x, *y),
        (V::F(x), V::I(y)) => cmp_int_float(*y, *x).reverse(),
        (V::S(x), V::S(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::T(x), V::T(y)) => x.cmp(y),
        (V::B(x), V::B(y)) => x.cmp(y),
        (a, b) => panic!("the generator compared {a:?} with {b:?}"),
    };
    Some(op.holds(o))
}

/// SQL LIKE: `%` any run of characters, `_` exactly one character; `ci`: ASCII case folded.
pub(super) fn like(s: &str, pat: &str, ci: bool) -> bool {
    let fold = |x: &str| {
        if ci {
            x.to_ascii_lowercase()
        } else {
            x.to_owned()
        }
    };
    let s: Vec<char> = fold(s).chars().collect();
    let p: Vec<char> = fold(pat).chars().collect();
    // ok[j]: p[..k] matches s[..j] for the current k.
    let mut ok = vec![false; s.len() + 1];
    ok[0] = true;
    for &c in &p {
        let mut next = vec![false; s.len() + 1];
        match c {
            '%' => {
                let mut any = false;
                for j in 0..=s.len() {
                    any |= ok[j];
                    next[j] = any;
                }
            }
            _ => {
                for j in 0..s.len() {
                    next[j + 1] = ok[j] && (c == '_' || s[j] == c);
                }
            }
        }
        ok = next;
    }
    ok[s.len()]
}

/// Numeric expressions.
#[derive(Clone, Debug)]
pub(super) enum Num {
    Col(Col),
    Int(i128),
    Float(f64),
    Neg(Box<Num>),
    /// `+`, `-` or `*`.
    Bin(char, Box<Num>, Box<Num>),
    /// Division by a float literal (IEEE: by ±0.0 gives ±inf or NaN, as in DuckDB).
    Div(Box<Num>, f64),
}

/// A number as f64 (mixed integer/float arithmetic is f64, as SQL's).
fn as_f64(v: &V) -> f64 {
    match v {
        V::I(i) => *i as f64,
        V::F(f) => *f,
        other => panic!("not a number: {other:?}"),
    }
}

fn in_i64(x: i128) -> bool {
    i64::try_from(x).is_ok()
}

impl Num {
    /// The value at row `i`; `overflow` is set when an integer operand or result of arithmetic
    /// leaves i64 (the engine may then fail the query).
    pub(super) fn eval(&self, t: &Table, i: usize, overflow: &mut bool) -> V {
        match self {
            Num::Col(c) => t.cell(*c, i),
            Num::Int(x) => V::I(*x),
            Num::Float(f) => V::F(*f),
            Num::Neg(a) => match a.eval(t, i, overflow) {
                V::Null => V::Null,
                V::I(x) => {
                    *overflow |= !in_i64(x) || !in_i64(-x);
                    V::I(-x)
                }
                v => V::F(-as_f64(&v)),
            },
            Num::Bin(op, a, b) => {
                let (x, y) = (a.eval(t, i, overflow), b.eval(t, i, overflow));
                match (&x, &y) {
                    (V::Null, _) | (_, V::Null) => V::Null,
                    (V::I(p), V::I(q)) => {
                        let r = match op {
                            '+' => p.checked_add(*q),
                            '-' => p.checked_sub(*q),
                            _ => p.checked_mul(*q),
                        };
                        let Some(r) = r else {
                            *overflow = true;
                            return V::Null;
                        };
                        *overflow |= !in_i64(*p) || !in_i64(*q) || !in_i64(r);
                        V::I(r)
                    }
                    _ => {
                        let (p, q) = (as_f64(&x), as_f64(&y));
                        V::F(match op {
                            '+' => p + q,
                            '-' => p - q,
                            _ => p * q,
                        })
                    }
                }
            }
            Num::Div(a, d) => match a.eval(t, i, overflow) {
                V::Null => V::Null,
                v => V::F(as_f64(&v) / d),
            },
        }
    }

    pub(super) fn render(&self) -> String {
        match self {
            Num::Col(c) => c.name().to_owned(),
            Num::Int(x) if *x < 0 => format!("({x})"),
            Num::Int(x) => x.to_string(),
            Num::Float(f) if f.is_sign_negative() => format!("({f:?})"),
            Num::Float(f) => format!("{f:?}"),
            // `-N` right before a literal is the literal -N, which must fit i64 (as in the
            // parser's tests); `-(N)` negates the literal as an expression, exactly.
            Num::Neg(a) if matches!(**a, Num::Int(x) if x > i64::MAX.into()) => {
                format!("(-({}))", a.render())
            }
            Num::Neg(a) => format!("(-{})", a.render()),
            Num::Bin(op, a, b) => format!("({} {op} {})", a.render(), b.render()),
            Num::Div(a, d) => format!("({} / {})", a.render(), Num::Float(*d).render()),
        }
    }
}

/// Boolean expressions.
#[derive(Clone, Debug)]
pub(super) enum Pred {
    Cmp(Num, Op, Num),
    /// The bool column as a predicate.
    BoolCol,
    /// `col is null` (`is not null` when true).
    IsNull(Col, bool),
    /// `x [not] in [ints]`.
    In(Num, Vec<i128>, bool),
    /// `s op 'text'`.
    Text(Op, String),
    /// `s [not] in [texts]`.
    TextIn(Vec<String>, bool),
    /// `ts op 'ISO text'`: seconds since the epoch, and the zone written (`None`: none, as
    /// UTC; `Some(0)`: `Z`; else an offset in minutes).
    Ts(Op, i64, Option<i64>),
    /// `s [not] [i]like 'pattern'`: (pattern, negated, case-insensitive).
    Like(String, bool, bool),
    /// `x [not] between lo and hi`.
    Between(Num, Num, Num, bool),
    /// `s [not] between 'lo' and 'hi'`.
    TextBetween(String, String, bool),
    /// `ts [not] between 'lo' and 'hi'` (seconds).
    TsBetween(i64, i64, bool),
    /// `ts [not] in ['ISO', ...]` (seconds).
    TsIn(Vec<i64>, bool),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
}

fn not3(x: Option<bool>) -> Option<bool> {
    x.map(|b| !b)
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// `x in list` in three-valued logic (the list holds no NULL).
fn in3(x: &V, list: &[V], negated: bool) -> Option<bool> {
    if *x == V::Null {
        return None;
    }
    let hit = list.iter().any(|l| cmp(x, Op::Eq, l) == Some(true));
    Some(hit != negated)
}

pub(super) fn between3(x: &V, lo: &V, hi: &V, negated: bool) -> Option<bool> {
    let r = and3(cmp(x, Op::Ge, lo), cmp(x, Op::Le, hi));
    if negated { not3(r) } else { r }
}

fn quote(s: &str) -> String {
    format!("'{s}'")
}

fn text_list(l: &[String]) -> String {
    l.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
}

fn not_word(negated: bool) -> &'static str {
    if negated { "not " } else { "" }
}

impl Pred {
    /// The row's truth value: `None` is unknown.
    pub(super) fn eval(&self, t: &Table, i: usize, overflow: &mut bool) -> Option<bool> {
        let ts = |secs: i64| V::T(secs * t.per_sec());
        match self {
            Pred::Cmp(a, op, b) => {
                let (x, y) = (a.eval(t, i, overflow), b.eval(t, i, overflow));
                cmp(&x, *op, &y)
            }
            Pred::BoolCol => t.b[i],
            Pred::IsNull(c, negated) => Some((t.cell(*c, i) == V::Null) != *negated),
            Pred::In(x, l, negated) => {
                let list: Vec<V> = l.iter().map(|&v| V::I(v)).collect();
                in3(&x.eval(t, i, overflow), &list, *negated)
            }
            Pred::Text(op, s) => cmp(&t.cell(Col::S, i), *op, &V::S(s.clone())),
            Pred::TextIn(l, negated) => {
                let list: Vec<V> = l.iter().map(|s| V::S(s.clone())).collect();
                in3(&t.cell(Col::S, i), &list, *negated)
            }
            Pred::Ts(op, secs, _) => cmp(&t.cell(Col::Ts, i), *op, &ts(*secs)),
            Pred::Like(p, negated, ci) => t.s[i].as_ref().map(|s| like(s, p, *ci) != *negated),
            Pred::Between(x, lo, hi, negated) => {
                let x = x.eval(t, i, overflow);
                let (lo, hi) = (lo.eval(t, i, overflow), hi.eval(t, i, overflow));
                between3(&x, &lo, &hi, *negated)
            }
            Pred::TextBetween(lo, hi, negated) => between3(
                &t.cell(Col::S, i),
                &V::S(lo.clone()),
                &V::S(hi.clone()),
                *negated,
            ),
            Pred::TsBetween(lo, hi, negated) => {
                between3(&t.cell(Col::Ts, i), &ts(*lo), &ts(*hi), *negated)
            }
            Pred::TsIn(l, negated) => {
                let list: Vec<V> = l.iter().map(|&s| ts(s)).collect();
                in3(&t.cell(Col::Ts, i), &list, *negated)
            }
            Pred::And(a, b) => and3(a.eval(t, i, overflow), b.eval(t, i, overflow)),
            Pred::Or(a, b) => or3(a.eval(t, i, overflow), b.eval(t, i, overflow)),
            Pred::Not(a) => not3(a.eval(t, i, overflow)),
        }
    }

    /// The query text.
    pub(super) fn render(&self, unit: TimeUnit) -> String {
        let _ = unit;
        match self {
            Pred::Cmp(a, op, b) => format!("({} {} {})", a.render(), op.text(), b.render()),
            Pred::BoolCol => "b".to_owned(),
            Pred::IsNull(c, negated) => format!("({} is {}null)", c.name(), not_word(*negated)),
            Pred::In(x, l, negated) => {
                // List items are bare literals: `-5`, never `(-5)`.
                let l: Vec<String> = l.iter().map(ToString::to_string).collect();
                format!(
                    "({} {}in [{}])",
                    x.render(),
                    not_word(*negated),
                    l.join(", ")
                )
            }
            Pred::Text(op, s) => format!("(s {} {})", op.text(), quote(s)),
            Pred::TextIn(l, negated) => format!("(s {}in [{}])", not_word(*negated), text_list(l)),
            Pred::Ts(op, secs, zone) => {
                let text = match zone {
                    None => render_iso(*secs, 0),
                    Some(0) => format!("{}Z", render_iso(*secs, 0)),
                    Some(z) => render_iso(*secs, *z),
                };
                format!("(ts {} {})", op.text(), quote(&text))
            }
            Pred::Like(p, negated, ci) => {
                let word = if *ci { "ilike" } else { "like" };
                format!("(s {}{word} {})", not_word(*negated), quote(p))
            }
            Pred::Between(x, lo, hi, negated) => format!(
                "({} {}between {} and {})",
                x.render(),
                not_word(*negated),
                lo.render(),
                hi.render()
            ),
            Pred::TextBetween(lo, hi, negated) => format!(
                "(s {}between {} and {})",
                not_word(*negated),
                quote(lo),
                quote(hi)
            ),
            Pred::TsBetween(lo, hi, negated) => format!(
                "(ts {}between {} and {})",
                not_word(*negated),
                quote(&format!("{}Z", render_iso(*lo, 0))),
                quote(&render_iso(*hi, 0))
            ),
            Pred::TsIn(l, negated) => {
                let l: Vec<String> = l.iter().map(|&s| quote(&render_iso(s, 0))).collect();
                format!("(ts {}in [{}])", not_word(*negated), l.join(", "))
            }
            Pred::And(a, b) => format!("({} and {})", a.render(unit), b.render(unit)),
            Pred::Or(a, b) => format!("({} or {})", a.render(unit), b.render(unit)),
            Pred::Not(a) => format!("(not {})", a.render(unit)),
        }
    }
}

/// Seconds since the epoch as ISO-8601 local time at `offset` minutes east of UTC, with the
/// offset written when it is not zero: `2013-01-01T00:00:00`, `1970-01-01T00:59:59+01:00`.
pub(super) fn render_iso(secs: i64, offset: i64) -> String {
    let local = secs + offset * 60;
    let (days, sod) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
    if offset != 0 {
        let sign = if offset > 0 { '+' } else { '-' };
        let a = offset.abs();
        s.push_str(&format!("{sign}{:02}:{:02}", a / 60, a % 60));
    }
    s
}

/// A group key, ordered as the engine orders groups: NULL first, then by value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Key {
    Null,
    B(bool),
    I(i128),
    T(i64),
    S(Vec<u8>),
}

impl Key {
    pub(super) fn value(&self) -> V {
        match self {
            Key::Null => V::Null,
            Key::B(b) => V::B(*b),
            Key::I(i) => V::I(*i),
            Key::T(t) => V::T(*t),
            Key::S(s) => V::S(String::from_utf8(s.clone()).unwrap()),
        }
    }
}

pub(super) fn group_key(t: &Table, key: Col, i: usize) -> Key {
    match t.cell(key, i) {
        V::Null => Key::Null,
        V::B(b) => Key::B(b),
        V::I(x) => Key::I(x),
        V::T(x) => Key::T(x),
        V::S(s) => Key::S(s.into_bytes()),
        V::F(_) => panic!("no float keys"),
    }
}

/// The aggregate of `col` over `rows` (NULLs skipped), and the scale float answers are
/// compared at. `None`: an answer the order of summation decides (a float sum through
/// overflow or NaN), of which only the type is checked. Min and max order NaN above every
/// number, as DuckDB does: `max` over `{1.0, NaN}` is NaN, `min` is 1.0.
pub(super) fn aggregate(t: &Table, col: Col, agg: Agg, rows: &[usize]) -> (Option<V>, f64) {
    let vals: Vec<V> = rows
        .iter()
        .map(|&i| t.cell(col, i))
        .filter(|v| *v != V::Null)
        .collect();
    if agg == Agg::Count {
        return (Some(V::I(vals.len() as i128)), 0.0);
    }
    if vals.is_empty() {
        return (Some(V::Null), 0.0);
    }
    let floats: Vec<f64> = vals
        .iter()
        .filter_map(|v| if let V::F(f) = v { Some(*f) } else { None })
        .collect();
    let wild = floats.iter().any(|f| !f.is_finite() || f.abs() > 1e300);
    let scale: f64 = vals.iter().map(|v| as_f64_any(v).abs()).sum();
    let n = vals.len() as f64;
    match agg {
        Agg::Sum | Agg::Mean if wild => (None, 0.0),
        Agg::Sum if floats.is_empty() => (Some(V::I(vals.iter().map(int).sum())), 0.0),
        Agg::Sum => (Some(V::F(floats.iter().sum())), scale),
        Agg::Mean if floats.is_empty() => {
            let s = vals.iter().map(int).sum::<i128>() as f64;
            (Some(V::F(s / n)), scale / n)
        }
        Agg::Mean => (Some(V::F(floats.iter().sum::<f64>() / n)), scale / n),
        _ => {
            let min = agg == Agg::Min;
            let best = vals.iter().reduce(|a, b| {
                let o = order(a, b);
                if (o == Ordering::Greater) == min {
                    b
                } else {
                    a
                }
            });
            (best.cloned(), 0.0)
        }
    }
}

fn int(v: &V) -> i128 {
    match v {
        V::I(i) => *i,
        other => panic!("not an integer: {other:?}"),
    }
}

fn as_f64_any(v: &V) -> f64 {
    match v {
        V::I(_) | V::F(_) => as_f64(v),
        _ => 0.0,
    }
}

/// Total order of two values of one column (NaN above every number).
fn order(a: &V, b: &V) -> Ordering {
    match (a, b) {
        (V::I(x), V::I(y)) => x.cmp(y),
        (V::F(x), V::F(y)) => float_order(*x, *y),
        (V::T(x), V::T(y)) => x.cmp(y),
        (V::S(x), V::S(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::B(x), V::B(y)) => x.cmp(y),
        (a, b) => panic!("cannot order {a:?} and {b:?}"),
    }
}
