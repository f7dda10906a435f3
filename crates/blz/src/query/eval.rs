//! Type checking and evaluation of query expressions over a [`CTable`], chunk by chunk.
//!
//! An expression is compiled against the table's schema into a tree of typed nodes. Evaluation
//! runs on the table's chunks in parallel (rayon): each chunk's statistics may decide a
//! comparison for all its rows (then the chunk is not decompressed for it), otherwise the
//! columns the expression needs are decompressed for that chunk only and the predicate is
//! evaluated over the rows as vectorised loops producing a selection mask. Nulls follow SQL:
//! a comparison with null is unknown, `not unknown` is unknown, only true rows are selected.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{BinOp, Expr, Literal, Span, UnOp};
use crate::ctable::{CTable, Column, ColumnType, Data, StrData, Value};
use crate::dtype::{DType, Element, SUM_LANES, TimeUnit, Timestamp, add_lanes, merge_lanes};
use crate::error::{Error, Result};
use crate::stats::Stats;

fn qerr(span: Span, message: impl Into<String>) -> Error {
    Error::Query {
        span,
        message: message.into(),
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    fn of(op: BinOp) -> Option<Cmp> {
        Some(match op {
            BinOp::Lt => Cmp::Lt,
            BinOp::Le => Cmp::Le,
            BinOp::Gt => Cmp::Gt,
            BinOp::Ge => Cmp::Ge,
            BinOp::Eq => Cmp::Eq,
            BinOp::Ne => Cmp::Ne,
            _ => return None,
        })
    }
    fn flip(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            c => c,
        }
    }
    #[inline]
    fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

/// A numeric scalar literal, typed by what it compares with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scalar {
    I(i64),
    F(f64),
}

impl Scalar {
    fn f(self) -> f64 {
        match self {
            #[expect(
                clippy::cast_precision_loss,
                reason = "mixed int/float arithmetic is f64"
            )]
            Scalar::I(i) => i as f64,
            Scalar::F(f) => f,
        }
    }
}

/// Numeric expressions.
#[derive(Clone, Debug)]
enum Num {
    Col(usize),
    Lit(Scalar),
    Arith(BinOp, Box<Num>, Box<Num>),
}

/// Boolean expressions.
#[derive(Clone, Debug)]
enum Node {
    Const(bool),
    /// A boolean column used as a predicate.
    BoolCol(usize),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    /// `column op literal`: the fast, statistics-aware path.
    ColCmp(usize, Cmp, Scalar),
    /// Any other numeric comparison.
    NumCmp(Num, Cmp, Num),
    /// Text column equality / inequality.
    StrCmp(usize, Cmp, String),
    StrIn(usize, Vec<String>, bool),
    NumIn(Num, Vec<Scalar>, bool),
    IsNull(usize, bool),
}

/// Numeric kind of a column for comparisons.
fn num_kind(c: &Column) -> Option<bool /* is float */> {
    match c.column_type() {
        ColumnType::Fixed(DType::F32 | DType::F64) => Some(true),
        ColumnType::Fixed(_) => Some(false),
        ColumnType::Utf8 => None,
    }
}

/// A compiled query over a table.
pub struct Query<'t> {
    table: &'t CTable,
    node: Node,
    limit: Option<usize>,
}

impl CTable {
    /// Compiles a query expression (see the [`query`](crate::query) module for the language).
    ///
    /// # Errors
    /// [`Error::Parse`] for text that does not parse, [`Error::Query`] for unknown columns and
    /// type errors (naming the column and its type).
    pub fn query(&self, text: &str) -> Result<Query<'_>> {
        let expr = super::parse(text)?;
        let node = compile_bool(self, &expr)?;
        Ok(Query {
            table: self,
            node,
            limit: None,
        })
    }
}

fn column<'a>(t: &'a CTable, name: &str, span: Span) -> Result<(usize, &'a Column)> {
    let i = t
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            qerr(
                span,
                format!("unknown column {name:?}; the table has {names:?}"),
            )
        })?;
    Ok((i, &t.columns[i]))
}

fn compile_num(t: &CTable, e: &Expr) -> Result<Num> {
    match e {
        Expr::Column { name, span } => {
            let (i, c) = column(t, name, *span)?;
            if num_kind(c).is_none() {
                return Err(qerr(
                    *span,
                    format!("column {name:?} is {}, not a number", c.column_type()),
                ));
            }
            Ok(Num::Col(i))
        }
        Expr::Lit { value, span } => match value {
            Literal::Int(i) => Ok(Num::Lit(Scalar::I(*i))),
            Literal::Float(f) => Ok(Num::Lit(Scalar::F(*f))),
            Literal::Bool(b) => Ok(Num::Lit(Scalar::I(i64::from(*b)))),
            other => Err(qerr(*span, format!("expected a number, found {other:?}"))),
        },
        Expr::Unary {
            op: UnOp::Neg,
            expr,
            ..
        } => Ok(Num::Arith(
            BinOp::Sub,
            Box::new(Num::Lit(Scalar::I(0))),
            Box::new(compile_num(t, expr)?),
        )),
        Expr::Binary { op, lhs, rhs, .. }
            if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) =>
        {
            Ok(Num::Arith(
                *op,
                Box::new(compile_num(t, lhs)?),
                Box::new(compile_num(t, rhs)?),
            ))
        }
        other => Err(qerr(other.span(), "expected a numeric expression")),
    }
}

/// Converts a literal compared with a column of type `ty` into a scalar (ISO-8601 text for
/// timestamps).
fn literal_for(ty: ColumnType, lit: &Literal, span: Span, col: &str) -> Result<Scalar> {
    match (ty, lit) {
        (ColumnType::Fixed(DType::Timestamp(u)), Literal::Str(s)) => parse_iso(s, u)
            .map(Scalar::I)
            .ok_or_else(|| qerr(span, format!("{s:?} is not an ISO-8601 date or date-time"))),
        (ColumnType::Fixed(_), Literal::Int(i)) => Ok(Scalar::I(*i)),
        (ColumnType::Fixed(_), Literal::Float(f)) => Ok(Scalar::F(*f)),
        (ColumnType::Fixed(DType::Bool), Literal::Bool(b)) => Ok(Scalar::I(i64::from(*b))),
        _ => Err(qerr(
            span,
            format!("cannot compare column {col:?} ({ty}) with {lit:?}"),
        )),
    }
}

fn compile_bool(t: &CTable, e: &Expr) -> Result<Node> {
    match e {
        Expr::Lit {
            value: Literal::Bool(b),
            ..
        } => Ok(Node::Const(*b)),
        Expr::Column { name, span } => {
            let (i, c) = column(t, name, *span)?;
            if c.column_type() != ColumnType::Fixed(DType::Bool) {
                return Err(qerr(
                    *span,
                    format!(
                        "column {name:?} is {}, not bool: compare it with something",
                        c.column_type()
                    ),
                ));
            }
            Ok(Node::BoolCol(i))
        }
        Expr::Unary {
            op: UnOp::Not,
            expr,
            ..
        } => Ok(Node::Not(Box::new(compile_bool(t, expr)?))),
        Expr::Binary {
            op: BinOp::And,
            lhs,
            rhs,
            ..
        } => Ok(Node::And(
            Box::new(compile_bool(t, lhs)?),
            Box::new(compile_bool(t, rhs)?),
        )),
        Expr::Binary {
            op: BinOp::Or,
            lhs,
            rhs,
            ..
        } => Ok(Node::Or(
            Box::new(compile_bool(t, lhs)?),
            Box::new(compile_bool(t, rhs)?),
        )),
        Expr::Binary { op, lhs, rhs, span } if Cmp::of(*op).is_some() => {
            let cmp = Cmp::of(*op).unwrap_or(Cmp::Eq);
            compile_cmp(t, cmp, lhs, rhs, *span)
        }
        Expr::IsNull {
            expr,
            negated,
            span,
        } => match &**expr {
            Expr::Column { name, span } => Ok(Node::IsNull(column(t, name, *span)?.0, *negated)),
            _ => Err(qerr(*span, "'is null' applies to a column")),
        },
        Expr::InList {
            expr,
            list,
            negated,
            span,
        } => {
            if let Expr::Column { name, span: cs } = &**expr {
                let (i, c) = column(t, name, *cs)?;
                if c.column_type() == ColumnType::Utf8 {
                    let mut vals = Vec::new();
                    for l in list {
                        match l {
                            Literal::Str(s) => vals.push(s.clone()),
                            other => {
                                return Err(qerr(
                                    *span,
                                    format!("text column {name:?} compared with {other:?}"),
                                ));
                            }
                        }
                    }
                    return Ok(Node::StrIn(i, vals, *negated));
                }
                let vals = list
                    .iter()
                    .map(|l| literal_for(c.column_type(), l, *span, name))
                    .collect::<Result<_>>()?;
                return Ok(Node::NumIn(Num::Col(i), vals, *negated));
            }
            let num = compile_num(t, expr)?;
            let vals = list
                .iter()
                .map(|l| match l {
                    Literal::Int(i) => Ok(Scalar::I(*i)),
                    Literal::Float(f) => Ok(Scalar::F(*f)),
                    other => Err(qerr(
                        *span,
                        format!("expected a number in the list, found {other:?}"),
                    )),
                })
                .collect::<Result<_>>()?;
            Ok(Node::NumIn(num, vals, *negated))
        }
        other => Err(qerr(
            other.span(),
            "expected a condition (a comparison, 'in', 'is null', a bool column, and/or/not)",
        )),
    }
}

fn compile_cmp(t: &CTable, cmp: Cmp, lhs: &Expr, rhs: &Expr, span: Span) -> Result<Node> {
    // column op literal, literal op column
    let as_col_lit = |c: &Expr, l: &Expr| -> Option<(String, Span, Literal)> {
        match (c, l) {
            (Expr::Column { name, span }, Expr::Lit { value, .. }) => {
                Some((name.clone(), *span, value.clone()))
            }
            _ => None,
        }
    };
    let found = as_col_lit(lhs, rhs)
        .map(|x| (x, cmp))
        .or_else(|| as_col_lit(rhs, lhs).map(|x| (x, cmp.flip())));
    if let Some(((name, cspan, lit), cmp)) = found {
        let (i, c) = column(t, &name, cspan)?;
        let ty = c.column_type();
        if lit == Literal::Null {
            return Err(qerr(
                span,
                "comparisons with null are never true; use 'is null'",
            ));
        }
        if ty == ColumnType::Utf8 {
            return match (&lit, cmp) {
                (Literal::Str(s), Cmp::Eq | Cmp::Ne) => Ok(Node::StrCmp(i, cmp, s.clone())),
                (Literal::Str(_), _) => Err(qerr(
                    span,
                    format!("text column {name:?} supports only ==, != and in"),
                )),
                (other, _) => Err(qerr(
                    span,
                    format!("column {name:?} is utf8, cannot compare with {other:?}"),
                )),
            };
        }
        let s = literal_for(ty, &lit, span, &name)?;
        return Ok(Node::ColCmp(i, cmp, s));
    }
    Ok(Node::NumCmp(
        compile_num(t, lhs)?,
        cmp,
        compile_num(t, rhs)?,
    ))
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` (or a space for `T`) as UTC.
pub(crate) fn parse_iso(s: &str, unit: TimeUnit) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut nanos: i64 = 0;
    if b.len() > 10 {
        if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let mut sec = 0;
        let mut frac = 0i64;
        if b.len() > 16 {
            if b[16] != b':' || b.len() < 19 {
                return None;
            }
            sec = num(17..19)?;
            if b.len() > 19 {
                if b[19] != b'.' || b.len() == 20 {
                    return None;
                }
                let f = &s[20..];
                if f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                frac = f.parse::<i64>().ok()? * 10i64.pow(u32::try_from(9 - f.len()).ok()?);
            }
        }
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        nanos = ((h * 60 + mi) * 60 + sec) * 1_000_000_000 + frac;
    }
    let day_ns = days_from_civil(y, mo, d).checked_mul(86_400_000_000_000)?;
    let total = day_ns.checked_add(nanos)?;
    Some(match unit {
        TimeUnit::Second => total.div_euclid(1_000_000_000),
        TimeUnit::Millisecond => total.div_euclid(1_000_000),
        TimeUnit::Microsecond => total.div_euclid(1_000),
        TimeUnit::Nanosecond => total,
    })
}

/// Decoded data of one column for one chunk's rows.
enum Buf {
    Bool(Vec<bool>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Ts(Vec<Timestamp>),
    Codes(Vec<u32>),
    Text(Vec<String>),
}

macro_rules! on_buf {
    ($b:expr, |$v:ident| $body:expr, |$c:ident| $codes:expr, |$s:ident| $text:expr) => {
        match $b {
            Buf::Bool($v) => $body,
            Buf::I8($v) => $body,
            Buf::I16($v) => $body,
            Buf::I32($v) => $body,
            Buf::I64($v) => $body,
            Buf::U8($v) => $body,
            Buf::U16($v) => $body,
            Buf::U32($v) => $body,
            Buf::U64($v) => $body,
            Buf::F32($v) => $body,
            Buf::F64($v) => $body,
            Buf::Ts($v) => $body,
            Buf::Codes($c) => $codes,
            Buf::Text($s) => $text,
        }
    };
}

/// Widening to the comparison domain.
trait Widen: Copy {
    fn wi(self) -> i64;
    /// The exact value, for sums and integer min/max.
    fn wide(self) -> i128 {
        i128::from(self.wi())
    }
    fn wf(self) -> f64;
    const FLOAT: bool;
    /// The integer literal as this type, when it is one exactly (comparisons then run in the
    /// narrow type: four times the lanes of i64 for an i32 column).
    fn narrow(_l: i64) -> Option<Self> {
        None
    }
}
macro_rules! widen_int {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            #[inline] fn wi(self) -> i64 { i64::from(self) }
            #[expect(clippy::cast_precision_loss, reason = "compared with a float literal")]
            #[inline] fn wf(self) -> f64 { i64::from(self) as f64 }
            const FLOAT: bool = false;
            #[inline] fn narrow(l: i64) -> Option<Self> { <$t>::try_from(l).ok() }
        }
    )*};
}
widen_int!(i8, i16, i32, i64, u8, u16, u32);
impl Widen for u64 {
    #[inline]
    fn wi(self) -> i64 {
        i64::try_from(self).unwrap_or(i64::MAX)
    }
    #[inline]
    fn wide(self) -> i128 {
        i128::from(self)
    }
    #[expect(clippy::cast_precision_loss, reason = "compared with a float literal")]
    #[inline]
    fn wf(self) -> f64 {
        self as f64
    }
    const FLOAT: bool = false;
}
impl Widen for bool {
    #[inline]
    fn wi(self) -> i64 {
        i64::from(self)
    }
    #[inline]
    fn wf(self) -> f64 {
        f64::from(u8::from(self))
    }
    const FLOAT: bool = false;
}
impl Widen for Timestamp {
    #[inline]
    fn wi(self) -> i64 {
        self.0
    }
    #[expect(clippy::cast_precision_loss, reason = "compared with a float literal")]
    #[inline]
    fn wf(self) -> f64 {
        self.0 as f64
    }
    const FLOAT: bool = false;
}
impl Widen for f32 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "never used: floats compare as f64"
    )]
    #[inline]
    fn wi(self) -> i64 {
        self as i64
    }
    #[inline]
    fn wf(self) -> f64 {
        f64::from(self)
    }
    const FLOAT: bool = true;
}
impl Widen for f64 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "never used: floats compare as f64"
    )]
    #[inline]
    fn wi(self) -> i64 {
        self as i64
    }
    #[inline]
    fn wf(self) -> f64 {
        self
    }
    const FLOAT: bool = true;
}

/// `xs[i] op lit` for every row, in the narrowest exact domain (collected straight into the
/// mask: no zeroed buffer first).
fn cmp_slice<T: Widen + PartialOrd>(xs: &[T], cmp: Cmp, lit: Scalar) -> Vec<bool> {
    macro_rules! go {
        ($op:tt, $conv:ident, $l:expr) => {
            xs.iter().map(|&x| x.$conv() $op $l).collect()
        };
    }
    if let (false, Scalar::I(l)) = (T::FLOAT, lit)
        && let Some(n) = T::narrow(l)
    {
        return match cmp {
            Cmp::Lt => xs.iter().map(|&x| x < n).collect(),
            Cmp::Le => xs.iter().map(|&x| x <= n).collect(),
            Cmp::Gt => xs.iter().map(|&x| x > n).collect(),
            Cmp::Ge => xs.iter().map(|&x| x >= n).collect(),
            Cmp::Eq => xs.iter().map(|&x| x == n).collect(),
            Cmp::Ne => xs.iter().map(|&x| x != n).collect(),
        };
    }
    match (T::FLOAT, lit) {
        (false, Scalar::I(l)) => match cmp {
            Cmp::Lt => go!(<, wi, l),
            Cmp::Le => go!(<=, wi, l),
            Cmp::Gt => go!(>, wi, l),
            Cmp::Ge => go!(>=, wi, l),
            Cmp::Eq => go!(==, wi, l),
            Cmp::Ne => go!(!=, wi, l),
        },
        _ => {
            let l = lit.f();
            match cmp {
                Cmp::Lt => go!(<, wf, l),
                Cmp::Le => go!(<=, wf, l),
                Cmp::Gt => go!(>, wf, l),
                Cmp::Ge => go!(>=, wf, l),
                Cmp::Eq => go!(==, wf, l),
                Cmp::Ne => go!(!=, wf, l),
            }
        }
    }
}

/// Per-thread evaluation state for one chunk.
struct Ctx<'t> {
    t: &'t CTable,
    /// The chunk (`start / chunklen`).
    c: usize,
    start: usize,
    n: usize,
    cols: HashMap<usize, Buf>,
    valid: HashMap<usize, Option<Vec<bool>>>,
    /// Buffers of the previous chunk this thread evaluated, reused (no fresh zeroed memory).
    spare: HashMap<usize, Buf>,
}

impl Ctx<'_> {
    fn buf(&mut self, i: usize) -> Result<&Buf> {
        if !self.cols.contains_key(&i) {
            let spare = self.spare.remove(&i);
            let b = load(&self.t.columns[i], self.start, self.n, spare)?;
            self.cols.insert(i, b);
        }
        self.cols.get(&i).ok_or(Error::CorruptChunk {
            chunk: i,
            reason: "column buffer vanished",
        })
    }

    /// Validity of column `i` over the chunk (`None`: all present).
    fn validity(&mut self, i: usize) -> Result<Option<&Vec<bool>>> {
        if !self.valid.contains_key(&i) {
            let v = match &self.t.columns[i].validity {
                Some(va) => Some(va.slice(self.start..self.start + self.n)?),
                None => None,
            };
            self.valid.insert(i, v);
        }
        Ok(self.valid.get(&i).and_then(Option::as_ref))
    }
}

/// Decodes rows `[start, start + n)` of a column, into `spare`'s memory when it is a buffer of
/// the same type (a previous chunk's).
fn load(c: &Column, start: usize, n: usize, spare: Option<Buf>) -> Result<Buf> {
    let r = start..start + n;
    macro_rules! fixed {
        ($a:expr, $v:ident, $zero:expr) => {{
            let mut v = match spare {
                Some(Buf::$v(v)) => v,
                _ => Vec::new(),
            };
            v.resize(n, $zero);
            $a.slice_into(r, &mut v)?;
            Buf::$v(v)
        }};
    }
    Ok(match &c.data {
        Data::Bool(a) => fixed!(a, Bool, false),
        Data::I8(a) => fixed!(a, I8, 0),
        Data::I16(a) => fixed!(a, I16, 0),
        Data::I32(a) => fixed!(a, I32, 0),
        Data::I64(a) => fixed!(a, I64, 0),
        Data::U8(a) => fixed!(a, U8, 0),
        Data::U16(a) => fixed!(a, U16, 0),
        Data::U32(a) => fixed!(a, U32, 0),
        Data::U64(a) => fixed!(a, U64, 0),
        Data::F32(a) => fixed!(a, F32, 0.0),
        Data::F64(a) => fixed!(a, F64, 0.0),
        Data::Timestamp(a, _) => fixed!(a, Ts, Timestamp(0)),
        Data::Utf8(StrData::Dict { codes, .. }) => fixed!(codes, Codes, 0),
        Data::Utf8(s @ StrData::Plain { .. }) => Buf::Text(
            r.map(|i| crate::ctable::string_at(s, i))
                .collect::<Result<_>>()?,
        ),
    })
}

/// Whether every value is true: 4 KiB at a time, branch-free inside (vectorised), where
/// `iter().all` tests one byte per iteration.
fn all_true(xs: &[bool]) -> bool {
    let b: &[u8] = bytemuck::cast_slice(xs);
    b.chunks(4096)
        .all(|c| c.iter().fold(1u8, |a, &x| a & x) == 1)
}

/// Whether some value is true (see [`all_true`]).
fn any_true(xs: &[bool]) -> bool {
    let b: &[u8] = bytemuck::cast_slice(xs);
    b.chunks(4096)
        .any(|c| c.iter().fold(0u8, |a, &x| a | x) != 0)
}

/// Number of true values (vectorised: a bool is the byte 0 or 1).
fn count_true(xs: &[bool]) -> usize {
    let b: &[u8] = bytemuck::cast_slice(xs);
    b.chunks(1 << 16)
        .map(|c| c.iter().map(|&x| u32::from(x)).sum::<u32>() as usize)
        .sum()
}

/// Truth values of a node over a chunk: `val` and, when some are unknown (null), `known`.
struct Mask {
    val: Vec<bool>,
    known: Option<Vec<bool>>,
}

impl Mask {
    fn all(n: usize, v: bool) -> Mask {
        Mask {
            val: vec![v; n],
            known: None,
        }
    }
    fn selected(&self, i: usize) -> bool {
        self.val[i] && self.known.as_ref().is_none_or(|k| k[i])
    }
}

fn and_known(a: Option<Vec<bool>>, b: Option<&Vec<bool>>) -> Option<Vec<bool>> {
    match (a, b) {
        (None, None) => None,
        (Some(a), None) => Some(a),
        (None, Some(b)) => Some(b.clone()),
        (Some(mut a), Some(b)) => {
            a.iter_mut().zip(b).for_each(|(x, y)| *x &= *y);
            Some(a)
        }
    }
}

/// Statistics decision of a node for chunk `c`: Some(true) every row matches, Some(false) none.
fn decide(t: &CTable, node: &Node, c: usize) -> Option<bool> {
    fn stats_of<T: Element>(a: &crate::CArray<T>, c: usize) -> Option<&Stats<T>> {
        (a.use_stats && c < a.chunks.len() && !a.dirty.contains_key(&c)).then(|| &a.chunks[c].stats)
    }
    fn dec<T: Element + Widen>(s: &Stats<T>, cmp: Cmp, lit: Scalar) -> Option<bool> {
        let (min, max) = (s.min?, s.max?);
        if s.nan_count > 0 {
            return None;
        }
        let (lo, hi) = (min.wf(), max.wf());
        let l = lit.f();
        let (lo_t, hi_t) = (cmp.test(lo, l), cmp.test(hi, l));
        match cmp {
            Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge => {
                if lo_t && hi_t {
                    Some(true)
                } else if !lo_t && !hi_t {
                    Some(false)
                } else {
                    None
                }
            }
            Cmp::Eq => {
                if l < lo || l > hi {
                    Some(false)
                } else if lo == hi && lo == l {
                    Some(true)
                } else {
                    None
                }
            }
            Cmp::Ne => {
                if l < lo || l > hi {
                    Some(true)
                } else if lo == hi && lo == l {
                    Some(false)
                } else {
                    None
                }
            }
        }
    }
    match node {
        Node::Const(b) => Some(*b),
        Node::Not(n) => decide(t, n, c).map(|b| !b),
        Node::And(a, b) => match (decide(t, a, c), decide(t, b, c)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Node::Or(a, b) => match (decide(t, a, c), decide(t, b, c)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Node::ColCmp(i, cmp, lit) => {
            let col = &t.columns[*i];
            if col.validity.is_some() {
                return None;
            }
            match &col.data {
                Data::I8(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::I16(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::I32(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::I64(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::U8(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::U16(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::U32(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::F32(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::F64(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::Timestamp(a, _) => dec(stats_of(a, c)?, *cmp, *lit),
                _ => None,
            }
        }
        _ => None,
    }
}

fn eval(ctx: &mut Ctx<'_>, node: &Node, c: usize) -> Result<Mask> {
    let n = ctx.n;
    if let Some(b) = decide(ctx.t, node, c) {
        return Ok(Mask::all(n, b));
    }
    Ok(match node {
        Node::Const(b) => Mask::all(n, *b),
        Node::BoolCol(i) => {
            let val = match ctx.buf(*i)? {
                Buf::Bool(v) => v.clone(),
                _ => vec![false; n],
            };
            Mask {
                val,
                known: ctx.validity(*i)?.cloned(),
            }
        }
        Node::Not(a) => {
            let mut m = eval(ctx, a, c)?;
            m.val.iter_mut().for_each(|x| *x = !*x);
            m
        }
        Node::And(a, b) | Node::Or(a, b) => {
            let is_and = matches!(node, Node::And(..));
            let ma = eval(ctx, a, c)?;
            // Short cut: nothing left to decide.
            if ma.known.is_none()
                && (if is_and {
                    !any_true(&ma.val)
                } else {
                    all_true(&ma.val)
                })
            {
                return Ok(Mask::all(n, !is_and));
            }
            let mb = eval(ctx, b, c)?;
            combine(ma, mb, is_and)
        }
        Node::ColCmp(i, cmp, lit) => {
            let val = on_buf!(
                ctx.buf(*i)?,
                |v| cmp_slice(v, *cmp, *lit),
                |_c| vec![false; n],
                |_s| vec![false; n]
            );
            Mask {
                val,
                known: ctx.validity(*i)?.cloned(),
            }
        }
        Node::NumCmp(a, cmp, b) => {
            let (va, ka) = num(ctx, a)?;
            let (vb, kb) = num(ctx, b)?;
            let val = va.iter().zip(&vb).map(|(x, y)| cmp.test(*x, *y)).collect();
            Mask {
                val,
                known: and_known(ka, kb.as_ref()),
            }
        }
        Node::StrCmp(i, cmp, s) => str_mask(ctx, *i, std::slice::from_ref(s), *cmp == Cmp::Ne)?,
        Node::StrIn(i, vals, neg) => str_mask(ctx, *i, vals, *neg)?,
        Node::NumIn(a, vals, neg) => {
            let (va, ka) = num(ctx, a)?;
            let fs: Vec<f64> = vals.iter().map(|s| s.f()).collect();
            let val = va.iter().map(|x| fs.contains(x) != *neg).collect();
            Mask { val, known: ka }
        }
        Node::IsNull(i, neg) => {
            let val = match ctx.validity(*i)? {
                Some(v) => v.iter().map(|&ok| ok == *neg).collect(),
                None => vec![*neg; n],
            };
            Mask { val, known: None }
        }
    })
}

fn combine(a: Mask, b: Mask, is_and: bool) -> Mask {
    match (a.known, b.known) {
        (None, None) => {
            let mut val = a.val;
            if is_and {
                val.iter_mut().zip(&b.val).for_each(|(x, y)| *x &= *y);
            } else {
                val.iter_mut().zip(&b.val).for_each(|(x, y)| *x |= *y);
            }
            Mask { val, known: None }
        }
        (ka, kb) => {
            let n = a.val.len();
            let ka = ka.unwrap_or_else(|| vec![true; n]);
            let kb = kb.unwrap_or_else(|| vec![true; n]);
            let mut val = vec![false; n];
            let mut known = vec![false; n];
            for i in 0..n {
                let (at, af) = (a.val[i] && ka[i], !a.val[i] && ka[i]);
                let (bt, bf) = (b.val[i] && kb[i], !b.val[i] && kb[i]);
                let (t, f) = if is_and {
                    (at && bt, af || bf)
                } else {
                    (at || bt, af && bf)
                };
                val[i] = t;
                known[i] = t || f;
            }
            Mask {
                val,
                known: Some(known),
            }
        }
    }
}

fn str_mask(ctx: &mut Ctx<'_>, i: usize, vals: &[String], negated: bool) -> Result<Mask> {
    let known = ctx.validity(i)?.cloned();
    let t = ctx.t;
    let val = match ctx.buf(i)? {
        Buf::Codes(codes) => {
            let Data::Utf8(StrData::Dict { index, .. }) = &t.columns[i].data else {
                return Err(Error::CorruptChunk {
                    chunk: i,
                    reason: "codes without a dictionary",
                });
            };
            let wanted: Vec<u32> = vals.iter().filter_map(|v| index.get(v).copied()).collect();
            codes
                .iter()
                .map(|c| wanted.contains(c) != negated)
                .collect()
        }
        Buf::Text(s) => s.iter().map(|x| vals.contains(x) != negated).collect(),
        _ => vec![false; ctx.n],
    };
    Ok(Mask { val, known })
}

/// Evaluates a numeric expression to f64 values (and a known mask when nulls are involved).
fn num(ctx: &mut Ctx<'_>, e: &Num) -> Result<(Vec<f64>, Option<Vec<bool>>)> {
    Ok(match e {
        Num::Lit(s) => (vec![s.f(); ctx.n], None),
        Num::Col(i) => {
            let mut v = vec![0.0; ctx.n];
            on_buf!(
                ctx.buf(*i)?,
                |xs| v.iter_mut().zip(xs.iter()).for_each(|(o, x)| *o = x.wf()),
                |_c| {},
                |_s| {}
            );
            (v, ctx.validity(*i)?.cloned())
        }
        Num::Arith(op, a, b) => {
            let (mut va, ka) = num(ctx, a)?;
            let (vb, kb) = num(ctx, b)?;
            for (x, y) in va.iter_mut().zip(&vb) {
                *x = match op {
                    BinOp::Add => *x + y,
                    BinOp::Sub => *x - y,
                    BinOp::Mul => *x * y,
                    _ => *x / y,
                };
            }
            (va, and_known(ka, kb.as_ref()))
        }
    })
}

/// An aggregate function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Agg {
    /// Non-null values (`count(col)`).
    Count,
    /// Sum of non-null values (integer columns: `i64`/`u64`, floats: `f64`).
    Sum,
    /// Smallest non-null value.
    Min,
    /// Largest non-null value.
    Max,
    /// Mean of non-null values.
    Mean,
}

/// Running state of one aggregate.
#[derive(Clone, Copy, Debug, Default)]
struct Acc {
    count: u64,
    isum: i128,
    fsum: f64,
    min: Option<f64>,
    max: Option<f64>,
    imin: Option<i128>,
    imax: Option<i128>,
}

impl Acc {
    fn merge(mut self, o: Acc) -> Acc {
        self.count += o.count;
        self.isum += o.isum;
        self.fsum += o.fsum;
        let mn = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        let mx = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        self.min = mn(self.min, o.min);
        self.max = mx(self.max, o.max);
        self.imin = match (self.imin, o.imin) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        self.imax = match (self.imax, o.imax) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        self
    }

    fn result(&self, agg: Agg, float: bool, unsigned: bool) -> Value {
        match agg {
            Agg::Count => Value::Int(i64::try_from(self.count).unwrap_or(i64::MAX)),
            Agg::Sum if float => Value::Float(self.fsum),
            // Exact: a sum past 64 bits is a `BigInt`, never clamped or wrapped.
            Agg::Sum if unsigned => {
                u64::try_from(self.isum).map_or(Value::BigInt(self.isum), Value::UInt)
            }
            Agg::Sum => i64::try_from(self.isum).map_or(Value::BigInt(self.isum), Value::Int),
            Agg::Min | Agg::Max if self.count == 0 => Value::Null,
            Agg::Min if float => self.min.map_or(Value::Null, Value::Float),
            Agg::Max if float => self.max.map_or(Value::Null, Value::Float),
            Agg::Min | Agg::Max => {
                let v = if agg == Agg::Min {
                    self.imin
                } else {
                    self.imax
                };
                match v {
                    Some(x) if unsigned => Value::UInt(u64::try_from(x).unwrap_or(u64::MAX)),
                    Some(x) => Value::Int(i64::try_from(x).unwrap_or(i64::MAX)),
                    None => Value::Null,
                }
            }
            Agg::Mean if self.count == 0 => Value::Null,
            #[expect(clippy::cast_precision_loss, reason = "a mean is a float")]
            Agg::Mean if float => Value::Float(self.fsum / self.count as f64),
            #[expect(clippy::cast_precision_loss, reason = "a mean is a float")]
            Agg::Mean => Value::Float(self.isum as f64 / self.count as f64),
        }
    }
}

impl Acc {
    /// Adds one present value; min and max are tracked only when asked for.
    #[inline]
    fn add<T: Widen>(&mut self, x: T, minmax: bool) {
        self.count += 1;
        if T::FLOAT {
            self.fsum += x.wf();
        } else {
            self.isum += x.wide();
        }
        if minmax {
            self.minmax(x);
        }
    }

    /// Takes a present value into min and max (NaNs are skipped).
    #[inline]
    fn minmax<T: Widen>(&mut self, x: T) {
        if T::FLOAT {
            let f = x.wf();
            if !f.is_nan() {
                self.min = Some(self.min.map_or(f, |m| m.min(f)));
                self.max = Some(self.max.map_or(f, |m| m.max(f)));
            }
        } else {
            let v = x.wide();
            self.imin = Some(self.imin.map_or(v, |m| m.min(v)));
            self.imax = Some(self.imax.map_or(v, |m| m.max(v)));
        }
    }
}

/// Adds the rows of a decoded column that are selected (`sel`, `None`: all) and present
/// (`valid`, `None`: all) to an accumulator. Sums run in eight branch-free lanes (a row that
/// is not kept adds zero), so they vectorise; integer sums are exact.
fn accumulate(
    acc: &mut Acc,
    b: &Buf,
    sel: Option<&[bool]>,
    valid: Option<&[bool]>,
    (sum, mm): (bool, bool),
) {
    fn go<T: Widen>(acc: &mut Acc, xs: &[T], keep: Option<&[bool]>, sum: bool, mm: bool) {
        acc.count += match keep {
            None => xs.len() as u64,
            Some(k) => count_true(k) as u64,
        };
        if !sum {
        } else if T::FLOAT {
            // A row not kept adds +0.0, selected by masking the bits (a NaN there is dropped).
            let pick = |x: f64, k: bool| f64::from_bits(x.to_bits() & u64::from(k).wrapping_neg());
            acc.fsum += lanes_sum::<_, _, SUM_LANES>(xs, keep, 0.0, |x| x.wf(), pick, |a, b| a + b);
        } else if std::mem::size_of::<T>() <= 4 {
            // At most 2^31 rows of 32-bit values per chunk: an i64 cannot overflow.
            let pick = |x: i64, k: bool| x & i64::from(k).wrapping_neg();
            let s = lanes_sum::<_, _, 8>(xs, keep, 0i64, Widen::wi, pick, i64::wrapping_add);
            acc.isum += i128::from(s);
        } else {
            let pick = |x: i128, k: bool| if k { x } else { 0 };
            acc.isum += lanes_sum::<_, _, 8>(xs, keep, 0i128, Widen::wide, pick, |a, b| a + b);
        }
        if mm {
            for (i, &x) in xs.iter().enumerate() {
                if keep.is_none_or(|k| k[i]) {
                    acc.minmax(x);
                }
            }
        }
    }
    let both: Vec<bool>;
    let keep = match (sel, valid) {
        (None, k) | (k, None) => k,
        (Some(s), Some(v)) => {
            both = s.iter().zip(v).map(|(a, b)| *a && *b).collect();
            Some(&both[..])
        }
    };
    on_buf!(b, |xs| go(acc, xs, keep, sum, mm), |_c| {}, |_s| {});
}

/// `sum(f(x))` over the kept rows, in `N` lanes combined in a fixed order (floats: the crate's
/// [`SUM_LANES`] association; integer sums are exact in any order); `pick(v, keep)` is `v` or
/// zero, branch-free so the loop vectorises.
#[inline]
fn lanes_sum<T: Copy, A: Copy, const N: usize>(
    xs: &[T],
    keep: Option<&[bool]>,
    zero: A,
    f: impl Fn(T) -> A,
    pick: impl Fn(A, bool) -> A,
    add: impl Fn(A, A) -> A,
) -> A {
    let mut l = [zero; N];
    let n = xs.len() / N * N;
    match keep {
        None => {
            add_lanes(&mut l, xs, |a, x| add(a, f(x)));
        }
        Some(k) => {
            for (c, kc) in xs[..n].chunks_exact(N).zip(k[..n].chunks_exact(N)) {
                for j in 0..N {
                    l[j] = add(l[j], pick(f(c[j]), kc[j]));
                }
            }
        }
    }
    let mut s = merge_lanes(l, &add);
    for (i, &x) in xs.iter().enumerate().skip(n) {
        if keep.is_none_or(|k| k[i]) {
            s = add(s, f(x));
        }
    }
    s
}

/// The accumulator of a whole chunk of a column (every row selected, none null) from the
/// chunk's statistics or a block-wise scan, without decoding the chunk into one buffer.
/// `None` when that cannot be exact (a 64-bit integer sum that might wrap): then the caller
/// decodes the rows.
fn chunk_acc(col: &Column, c: usize, mm: bool) -> Result<Option<Acc>> {
    fn float<T: Element<Acc = f64> + Widen>(s: &Stats<T>) -> Acc {
        Acc {
            count: s.count as u64,
            fsum: s.sum,
            min: s.min.map(Widen::wf),
            max: s.max.map(Widen::wf),
            ..Acc::default()
        }
    }
    /// `limit`: the largest exact |sum| of the wrapping accumulator (64-bit types only).
    fn int<T: Element + Widen>(s: &Stats<T>, sum: i128, limit: Option<i128>) -> Option<Acc> {
        if let Some(limit) = limit {
            let m = s
                .min
                .map_or(0, |v| v.wide().abs())
                .max(s.max.map_or(0, |v| v.wide().abs()));
            if m.checked_mul(i128::try_from(s.count).ok()?)? > limit {
                return None;
            }
        }
        Some(Acc {
            count: s.count as u64,
            isum: sum,
            imin: s.min.map(Widen::wide),
            imax: s.max.map(Widen::wide),
            ..Acc::default()
        })
    }
    let i64max = Some(i128::from(i64::MAX));
    let u64max = Some(i128::from(u64::MAX));
    fn small<T: Element + Widen>(s: Stats<T>) -> Option<Acc>
    where
        i128: From<T::Acc>,
    {
        int(&s, i128::from(s.sum), None)
    }
    Ok(match &col.data {
        Data::F32(a) => Some(float(&a.chunk_stats(c, mm)?)),
        Data::F64(a) => Some(float(&a.chunk_stats(c, mm)?)),
        // Sums of values up to 32 bits cannot wrap within a chunk.
        Data::Bool(a) => small(a.chunk_stats(c, mm)?),
        Data::I8(a) => small(a.chunk_stats(c, mm)?),
        Data::I16(a) => small(a.chunk_stats(c, mm)?),
        Data::I32(a) => small(a.chunk_stats(c, mm)?),
        Data::U8(a) => small(a.chunk_stats(c, mm)?),
        Data::U16(a) => small(a.chunk_stats(c, mm)?),
        Data::U32(a) => small(a.chunk_stats(c, mm)?),
        Data::I64(a) => a
            .chunk_stats(c, true)
            .map(|s| int(&s, i128::from(s.sum), i64max))?,
        Data::Timestamp(a, _) => a
            .chunk_stats(c, true)
            .map(|s| int(&s, i128::from(s.sum), i64max))?,
        Data::U64(a) => a
            .chunk_stats(c, true)
            .map(|s| int(&s, i128::from(s.sum), u64max))?,
        Data::Utf8(_) => None,
    })
}

/// A `u64` group key as an `i64` in the same order (the top bit flipped).
fn u64_key(x: u64) -> i64 {
    (x ^ (1 << 63)).cast_signed()
}

/// The `u64` of a key made by [`u64_key`].
fn u64_of_key(k: i64) -> u64 {
    k.cast_unsigned() ^ (1 << 63)
}

/// Grouping key of one row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Null,
    Int(i64),
    Str(String),
}

impl<'t> Query<'t> {
    /// Stops after `n` matching rows (in row order).
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    fn nchunks(&self) -> usize {
        self.table.len.div_ceil(self.table.chunklen().max(1))
    }

    /// Runs `f` on every chunk's selection, chunks in parallel; results in chunk order.
    fn per_chunk<R: Send>(
        &self,
        chunks: std::ops::Range<usize>,
        f: impl Fn(&mut Ctx<'t>, &Mask) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        self.per_chunk_sel(chunks, |ctx, m| match m {
            Some(m) => f(ctx, m),
            None => f(ctx, &Mask::all(ctx.n, true)),
        })
    }

    /// As [`Query::per_chunk`], but a chunk where every row matches (the predicate is `true`,
    /// or the statistics decide it) gets `None` instead of a mask of `true`s.
    fn per_chunk_sel<R: Send>(
        &self,
        chunks: std::ops::Range<usize>,
        f: impl Fn(&mut Ctx<'t>, Option<&Mask>) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        let cl = self.table.chunklen().max(1);
        chunks
            .into_par_iter()
            .map_init(HashMap::new, |spare, c| {
                let start = c * cl;
                let n = cl.min(self.table.len - start);
                let mut ctx = Ctx {
                    t: self.table,
                    c,
                    start,
                    n,
                    cols: HashMap::new(),
                    valid: HashMap::new(),
                    spare: std::mem::take(spare),
                };
                let every = matches!(self.node, Node::Const(true))
                    || decide(self.table, &self.node, c) == Some(true);
                let r = if every {
                    f(&mut ctx, None)
                } else {
                    eval(&mut ctx, &self.node, c).and_then(|m| f(&mut ctx, Some(&m)))
                };
                // This chunk's buffers serve the next chunk of this thread.
                *spare = ctx.cols;
                spare.extend(ctx.spare);
                r
            })
            .collect()
    }

    /// Row indices of the matches, in order.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn indices(&self) -> Result<Vec<usize>> {
        let nc = self.nchunks();
        let step = rayon::current_num_threads().max(1) * 2;
        let mut out = Vec::new();
        let mut c = 0;
        // With a limit, chunks are evaluated a few at a time so the scan can stop early.
        let batch = if self.limit.is_some() {
            step
        } else {
            nc.max(1)
        };
        while c < nc {
            let end = (c + batch).min(nc);
            let parts = self.per_chunk(c..end, |ctx, m| {
                Ok((0..ctx.n)
                    .filter(|&i| m.selected(i))
                    .map(|i| ctx.start + i)
                    .collect::<Vec<_>>())
            })?;
            for p in parts {
                out.extend(p);
            }
            if let Some(l) = self.limit
                && out.len() >= l
            {
                out.truncate(l);
                return Ok(out);
            }
            c = end;
        }
        Ok(out)
    }

    /// Number of matching rows.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn count(&self) -> Result<usize> {
        if self.limit.is_some() {
            return Ok(self.indices()?.len());
        }
        let parts = self.per_chunk(0..self.nchunks(), |ctx, m| {
            Ok(match &m.known {
                None => count_true(&m.val),
                Some(_) => (0..ctx.n).filter(|&i| m.selected(i)).count(),
            })
        })?;
        Ok(parts.into_iter().sum())
    }

    /// An aggregate of column `col` over the matching rows (nulls skipped; `Count` counts
    /// non-null values).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::ColumnType`] for a text column with an aggregate other
    /// than `Count`; decompression errors.
    pub fn aggregate(&self, col: &str, agg: Agg) -> Result<Value> {
        Ok(self.aggregates(&[(agg, col)])?.remove(0))
    }

    /// Several aggregates in one pass.
    ///
    /// # Errors
    /// As [`Query::aggregate`].
    pub fn aggregates(&self, aggs: &[(Agg, &str)]) -> Result<Vec<Value>> {
        let cols = self.agg_columns(aggs)?;
        let parts = self.per_chunk_sel(0..self.nchunks(), |ctx, m| {
            let mut accs = vec![Acc::default(); cols.len()];
            let sel_known: Vec<bool>;
            let sel: &[bool] = match m {
                None => &[],
                Some(Mask { val, known: None }) => val,
                Some(m) => {
                    sel_known = (0..ctx.n).map(|i| m.selected(i)).collect();
                    &sel_known
                }
            };
            // `sel` is empty when every row is selected.
            let all = m.is_none() || all_true(sel);
            if !all && !any_true(sel) {
                // Nothing selected (often decided from statistics): no column is decoded.
                return Ok(accs);
            }
            for (k, (&(ci, _, _), &(agg, _))) in cols.iter().zip(aggs).enumerate() {
                let mm = matches!(agg, Agg::Min | Agg::Max);
                let valid = ctx.validity(ci)?.cloned();
                if ctx.t.columns[ci].column_type() == ColumnType::Utf8 {
                    accs[k].count = (0..ctx.n)
                        .filter(|&i| (all || sel[i]) && valid.as_ref().is_none_or(|v| v[i]))
                        .count() as u64;
                    continue;
                }
                let valid = valid.filter(|v| !all_true(v));
                if all
                    && valid.is_none()
                    && !ctx.cols.contains_key(&ci)
                    && let Some(a) = chunk_acc(&ctx.t.columns[ci], ctx.c, mm)?
                {
                    // Every row: the chunk's statistics, or a block-wise scan.
                    accs[k] = a;
                    continue;
                }
                let b = ctx.buf(ci)?;
                let sum = matches!(agg, Agg::Sum | Agg::Mean);
                accumulate(
                    &mut accs[k],
                    b,
                    (!all).then_some(sel),
                    valid.as_deref(),
                    (sum, mm),
                );
            }
            Ok(accs)
        })?;
        let mut total = vec![Acc::default(); cols.len()];
        for p in parts {
            for (t, a) in total.iter_mut().zip(p) {
                *t = t.merge(a);
            }
        }
        Ok(cols
            .iter()
            .zip(&total)
            .zip(aggs)
            .map(|((&(_, float, unsigned), acc), &(agg, _))| acc.result(agg, float, unsigned))
            .collect())
    }

    fn agg_columns(&self, aggs: &[(Agg, &str)]) -> Result<Vec<(usize, bool, bool)>> {
        aggs.iter()
            .map(|&(agg, name)| {
                let i = self.table.col_index(name)?;
                let ty = self.table.columns[i].column_type();
                if ty == ColumnType::Utf8 && agg != Agg::Count {
                    return Err(Error::ColumnType {
                        column: name.to_owned(),
                        expected: "a numeric column".into(),
                        got: "utf8".into(),
                    });
                }
                let float = matches!(ty, ColumnType::Fixed(DType::F32 | DType::F64));
                let unsigned = matches!(
                    ty,
                    ColumnType::Fixed(
                        DType::U8 | DType::U16 | DType::U32 | DType::U64 | DType::Bool
                    )
                );
                Ok((i, float, unsigned))
            })
            .collect()
    }

    /// Groups the matching rows by an integer, bool, timestamp or text column and computes the
    /// aggregates per group; groups sorted by key (null first).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::ColumnType`] for a float key; decompression errors.
    pub fn group_by(&self, key: &str, aggs: &[(Agg, &str)]) -> Result<Vec<(Value, Vec<Value>)>> {
        let ki = self.table.col_index(key)?;
        if matches!(
            self.table.columns[ki].column_type(),
            ColumnType::Fixed(DType::F32 | DType::F64)
        ) {
            return Err(Error::ColumnType {
                column: key.to_owned(),
                expected: "an integer, bool, timestamp or text key".into(),
                got: self.table.columns[ki].column_type().to_string(),
            });
        }
        let cols = self.agg_columns(aggs)?;
        let parts = self.per_chunk(0..self.nchunks(), |ctx, m| {
            let sel: Vec<bool> = (0..ctx.n).map(|i| m.selected(i)).collect();
            let kvalid = ctx.validity(ki)?.cloned();
            if !any_true(&sel) {
                return Ok(HashMap::new());
            }
            // One slot per distinct key in this chunk, found once per row; then one pass over
            // the rows adds each value to its slot's accumulators.
            let mut slot_keys: Vec<Key> = Vec::new();
            let mut row_slot: Vec<usize> = vec![usize::MAX; ctx.n];
            {
                let t = ctx.t;
                let nrows = ctx.n;
                let b = ctx.buf(ki)?;
                let null_ok = |i: usize| kvalid.as_ref().is_none_or(|v| v[i]);
                let mut null_slot = None;
                let mut null_of = |slot_keys: &mut Vec<Key>| {
                    *null_slot.get_or_insert_with(|| {
                        slot_keys.push(Key::Null);
                        slot_keys.len() - 1
                    })
                };
                match b {
                    Buf::Codes(codes) => {
                        let Data::Utf8(StrData::Dict { values, .. }) = &t.columns[ki].data else {
                            return Ok(HashMap::new());
                        };
                        let mut by_code: Vec<usize> = vec![usize::MAX; values.len()];
                        for i in (0..nrows).filter(|&i| sel[i]) {
                            row_slot[i] = if null_ok(i) {
                                let c = codes[i] as usize;
                                let Some(slot) = by_code.get_mut(c) else {
                                    continue;
                                };
                                if *slot == usize::MAX {
                                    slot_keys.push(Key::Str(values[c].clone()));
                                    *slot = slot_keys.len() - 1;
                                }
                                *slot
                            } else {
                                null_of(&mut slot_keys)
                            };
                        }
                    }
                    Buf::Text(strs) => {
                        let mut by_str: HashMap<&str, usize> = HashMap::new();
                        for i in (0..nrows).filter(|&i| sel[i]) {
                            row_slot[i] = if null_ok(i) {
                                *by_str.entry(strs[i].as_str()).or_insert_with(|| {
                                    slot_keys.push(Key::Str(strs[i].clone()));
                                    slot_keys.len() - 1
                                })
                            } else {
                                null_of(&mut slot_keys)
                            };
                        }
                    }
                    other => {
                        let mut ks: Vec<i64> = Vec::with_capacity(nrows);
                        if let Buf::U64(xs) = other {
                            // Order-preserving into i64 (undone in the output): no clamping.
                            ks.extend(xs.iter().map(|&x| u64_key(x)));
                        } else {
                            on_buf!(
                                other,
                                |xs| ks.extend(xs.iter().map(|x| x.wi())),
                                |_c| {},
                                |_s| {}
                            );
                        }
                        let (lo, hi) = ks
                            .iter()
                            .fold((i64::MAX, i64::MIN), |(a, b), &k| (a.min(k), b.max(k)));
                        let dense = hi >= lo && hi.abs_diff(lo) < (1 << 16);
                        let mut by_off: Vec<usize> = if dense {
                            vec![usize::MAX; usize::try_from(hi.abs_diff(lo)).unwrap_or(0) + 1]
                        } else {
                            Vec::new()
                        };
                        let mut by_key: HashMap<i64, usize> = HashMap::new();
                        for i in (0..ctx.n).filter(|&i| sel[i]) {
                            row_slot[i] = if !null_ok(i) {
                                null_of(&mut slot_keys)
                            } else if dense {
                                let o = usize::try_from(ks[i].abs_diff(lo)).unwrap_or(0);
                                if by_off[o] == usize::MAX {
                                    slot_keys.push(Key::Int(ks[i]));
                                    by_off[o] = slot_keys.len() - 1;
                                }
                                by_off[o]
                            } else {
                                *by_key.entry(ks[i]).or_insert_with(|| {
                                    slot_keys.push(Key::Int(ks[i]));
                                    slot_keys.len() - 1
                                })
                            };
                        }
                    }
                }
            }
            let mut accs = vec![vec![Acc::default(); cols.len()]; slot_keys.len()];
            for (a, &(ci, _, _)) in cols.iter().enumerate() {
                let valid = ctx.validity(ci)?.cloned();
                let ok = |i: usize| valid.as_ref().is_none_or(|v| v[i]);
                if ctx.t.columns[ci].column_type() == ColumnType::Utf8 {
                    for i in (0..ctx.n).filter(|&i| sel[i] && ok(i)) {
                        accs[row_slot[i]][a].count += 1;
                    }
                    continue;
                }
                fn add_rows<T: Widen>(
                    xs: &[T],
                    rows: impl Iterator<Item = usize>,
                    row_slot: &[usize],
                    accs: &mut [Vec<Acc>],
                    a: usize,
                    minmax: bool,
                ) {
                    for i in rows {
                        accs[row_slot[i]][a].add(xs[i], minmax);
                    }
                }
                let mm = matches!(aggs[a].0, Agg::Min | Agg::Max);
                let n = ctx.n;
                let b = ctx.buf(ci)?;
                let rows = (0..n).filter(|&i| sel[i] && ok(i));
                on_buf!(
                    b,
                    |xs| add_rows(xs, rows, &row_slot, &mut accs, a, mm),
                    |_c| {},
                    |_s| {}
                );
            }
            let out: HashMap<Key, Vec<Acc>> = slot_keys.into_iter().zip(accs).collect();
            Ok(out)
        })?;
        let mut total: HashMap<Key, Vec<Acc>> = HashMap::new();
        for p in parts {
            for (k, accs) in p {
                let e = total
                    .entry(k)
                    .or_insert_with(|| vec![Acc::default(); cols.len()]);
                for (t, a) in e.iter_mut().zip(accs) {
                    *t = t.merge(a);
                }
            }
        }
        let mut keys: Vec<Key> = total.keys().cloned().collect();
        keys.sort();
        let kty = self.table.columns[ki].column_type();
        Ok(keys
            .into_iter()
            .map(|k| {
                let accs = &total[&k];
                let kv = match &k {
                    Key::Null => Value::Null,
                    Key::Str(s) => Value::Str(s.clone()),
                    Key::Int(i) => match kty {
                        ColumnType::Fixed(DType::Timestamp(u)) => Value::Timestamp(*i, u),
                        ColumnType::Fixed(DType::Bool) => Value::Bool(*i != 0),
                        ColumnType::Fixed(DType::U64) => Value::UInt(u64_of_key(*i)),
                        ColumnType::Fixed(DType::U32 | DType::U16 | DType::U8) => {
                            Value::UInt(u64::try_from(*i).unwrap_or(0))
                        }
                        _ => Value::Int(*i),
                    },
                };
                let vals = accs
                    .iter()
                    .zip(&cols)
                    .zip(aggs)
                    .map(|((a, &(_, f, u)), &(agg, _))| a.result(agg, f, u))
                    .collect();
                (kv, vals)
            })
            .collect())
    }

    /// A new table holding the matching rows (all columns).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn fetch(&self) -> Result<CTable> {
        let idx = self.indices()?;
        self.table.take_rows(&idx)
    }

    /// The matching rows, as cells of the chosen columns (all columns when `cols` is empty).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; decompression errors.
    pub fn rows(&self, cols: &[&str]) -> Result<Vec<Vec<Value>>> {
        let ci: Vec<usize> = if cols.is_empty() {
            (0..self.table.columns.len()).collect()
        } else {
            cols.iter()
                .map(|c| self.table.col_index(c))
                .collect::<Result<_>>()?
        };
        self.indices()?
            .into_iter()
            .map(|r| ci.iter().map(|&c| self.table.columns[c].value(r)).collect())
            .collect()
    }
}

impl CTable {
    /// A new table with the rows at `idx` (in that order), all columns.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`]; decompression errors.
    pub fn take_rows(&self, idx: &[usize]) -> Result<CTable> {
        let mut out = CTable::with_options(self.opts.clone())?;
        let batches = self
            .columns
            .iter()
            .map(|c| c.take(idx))
            .collect::<Result<Vec<_>>>()?;
        if batches.is_empty() {
            return Ok(out);
        }
        if idx.is_empty() {
            for c in &self.columns {
                out.add_empty_column(&c.name, c.column_type())?;
            }
            return Ok(out);
        }
        out.append(batches)?;
        Ok(out)
    }
}

// Accessors for the Arrow stream of a query's matches (crate::arrow), which walks the matches
// a few chunks at a time instead of collecting every index first.
#[cfg(feature = "arrow")]
impl<'t> Query<'t> {
    /// The table queried.
    pub(crate) fn table(&self) -> &'t CTable {
        self.table
    }

    /// The row limit set by [`Query::limit`].
    pub(crate) fn row_limit(&self) -> Option<usize> {
        self.limit
    }

    /// Row indices of the matches in chunks `chunks` (chunks evaluated in parallel), in order;
    /// the limit is not applied.
    pub(crate) fn chunk_matches(&self, chunks: std::ops::Range<usize>) -> Result<Vec<usize>> {
        let nc = self.nchunks();
        let chunks = chunks.start.min(nc)..chunks.end.min(nc);
        let parts = self.per_chunk(chunks, |ctx, m| {
            Ok((0..ctx.n)
                .filter(|&i| m.selected(i))
                .map(|i| ctx.start + i)
                .collect::<Vec<_>>())
        })?;
        Ok(parts.concat())
    }
}
