//! Compiling a query expression against a table's schema into typed nodes.

use std::cmp::Ordering;

use super::like::Pattern;
use super::{BinOp, Expr, Literal, Span, UnOp};
use crate::ctable::{CTable, Column, ColumnType, Data, StrData};
use crate::dtype::{DType, TimeUnit, parse_iso};
use crate::error::{Error, Result};

pub(super) fn qerr(span: Span, message: impl Into<String>) -> Error {
    Error::Query {
        span,
        message: message.into(),
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub(super) fn of(op: BinOp) -> Option<Cmp> {
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
    pub(super) fn flip(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            c => c,
        }
    }
    /// Whether the comparison holds for two values in order `ord`.
    #[inline]
    pub(super) fn holds(self, ord: Ordering) -> bool {
        match self {
            Cmp::Lt => ord == Ordering::Less,
            Cmp::Le => ord != Ordering::Greater,
            Cmp::Gt => ord == Ordering::Greater,
            Cmp::Ge => ord != Ordering::Less,
            Cmp::Eq => ord == Ordering::Equal,
            Cmp::Ne => ord != Ordering::Equal,
        }
    }

    /// `a op b` for a totally ordered type (floats go through [`fcmp`]).
    #[inline]
    pub(super) fn test<T: Ord>(self, a: T, b: T) -> bool {
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

/// A numeric literal typed by what it is compared with: an exact integer (`i128` holds every
/// `i64`, `u64` and timestamp) or a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scalar {
    I(i128),
    F(f64),
}

/// The order of two floats as SQL (DuckDB) orders them: a total order where NaN equals NaN
/// and lies above every number, `+inf` too, and `-0.0` equals `0.0`.
#[inline]
pub(super) fn fcmp(a: f64, b: f64) -> Ordering {
    match a.partial_cmp(&b) {
        Some(o) => o,
        // At least one NaN: the NaN is the larger; two NaNs are equal.
        None => a.is_nan().cmp(&b.is_nan()),
    }
}

/// The exact order of an integer and a float: no rounding of the integer to `f64`, so
/// `9007199254740993 > 9007199254740992.0`; a NaN lies above every integer (see [`fcmp`]).
#[inline]
pub(super) fn cmp_int_float(i: i128, f: f64) -> Ordering {
    /// 2^127, past every `i128`.
    const LIM: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if f.is_nan() || f >= LIM {
        return Ordering::Less;
    }
    if f < -LIM {
        return Ordering::Greater;
    }
    let whole = f.trunc();
    #[expect(clippy::cast_possible_truncation, reason = "integral and within i128")]
    let w = whole as i128;
    match i.cmp(&w) {
        Ordering::Equal => fcmp(0.0, f - whole),
        o => o,
    }
}

/// The exact order of two numbers, NaN above every number (see [`fcmp`]).
pub(super) fn scalar_cmp(a: Scalar, b: Scalar) -> Ordering {
    match (a, b) {
        (Scalar::I(x), Scalar::I(y)) => x.cmp(&y),
        (Scalar::F(x), Scalar::F(y)) => fcmp(x, y),
        (Scalar::I(x), Scalar::F(y)) => cmp_int_float(x, y),
        (Scalar::F(x), Scalar::I(y)) => cmp_int_float(y, x).reverse(),
    }
}

/// What a value is, for type checking: the query language's types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Int,
    Float,
    Bool,
    Ts(TimeUnit),
    Text,
}

impl Kind {
    /// The kind of a column type.
    pub(super) fn of(ty: ColumnType) -> Kind {
        match ty {
            ColumnType::Fixed(DType::F32 | DType::F64) => Kind::Float,
            ColumnType::Fixed(DType::Bool) => Kind::Bool,
            ColumnType::Fixed(DType::Timestamp(u)) => Kind::Ts(u),
            ColumnType::Fixed(_) => Kind::Int,
            ColumnType::Utf8 => Kind::Text,
        }
    }

    /// Its name in messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Int => "an integer",
            Kind::Float => "a float",
            Kind::Bool => "a bool",
            Kind::Ts(_) => "a timestamp",
            Kind::Text => "text",
        }
    }
}

/// A literal as messages show it: `the text 'JFK'`, `the integer 5`.
pub(super) fn lit_text(l: &Literal) -> String {
    match l {
        Literal::Int(i) => format!("the integer {i}"),
        Literal::Float(f) => format!("the float {f:?}"),
        Literal::Str(s) => format!("the text '{s}'"),
        Literal::Bool(b) => format!("{b}"),
        Literal::Null => "null".to_owned(),
    }
}

/// Numeric expressions.
#[derive(Clone, Debug)]
pub(super) enum Num {
    Col(usize),
    Lit(Scalar),
    /// `a op b`; integers exactly (an overflow is an error naming `text`), `/` and anything
    /// with a float in `f64`.
    Arith {
        op: BinOp,
        a: Box<Num>,
        b: Box<Num>,
        /// Whether the result is an integer.
        int: bool,
        /// The expression as written, for errors.
        text: String,
        /// Where it was written.
        span: Span,
    },
}

/// Boolean expressions.
#[derive(Clone, Debug)]
pub(super) enum Node {
    Const(bool),
    /// A boolean column used as a predicate.
    BoolCol(usize),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    /// `column op literal`: the fast, statistics-aware path (the literal exact for the column:
    /// an integer for integer and timestamp columns).
    ColCmp(usize, Cmp, Scalar),
    /// The same truth value for every row where column `.0` is not null (unknown where it is):
    /// a comparison the literal decides, such as `int_col == 2.5`.
    NotNull(usize, bool),
    /// Any other numeric comparison, exact.
    NumCmp(Num, Cmp, Num),
    /// Text column against a text literal, byte-wise UTF-8 order.
    StrCmp(usize, Cmp, String),
    /// A dictionary-encoded text column tested once per dictionary entry: the truth value of
    /// each code.
    Codes(usize, Vec<bool>),
    /// A text column (not dictionary-encoded) against a `like` pattern; `.2` negates.
    Like(usize, Pattern, bool),
    /// Two text columns compared row by row.
    StrCols(usize, Cmp, usize),
    StrIn(usize, Vec<String>, bool),
    NumIn(Num, Vec<Scalar>, bool),
    IsNull(usize, bool),
    /// Unknown for every row (a null in an `in` list).
    Null,
}

pub(super) fn column<'a>(t: &'a CTable, name: &str, span: Span) -> Result<(usize, &'a Column)> {
    let i = t
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            qerr(span, unknown_column(name, &names))
        })?;
    Ok((i, &t.columns[i]))
}

/// The message for an unknown column; a name that is no column may be text missing its quotes.
fn unknown_column(name: &str, names: &[&str]) -> String {
    let list = names.join(", ");
    format!(
        "unknown column {name:?} (the table has {list}); for the text, write '{name}' in quotes"
    )
}

/// Compiles a numeric expression, with its kind (`Int`, `Float` or `Ts`).
pub(super) fn compile_num(t: &CTable, e: &Expr) -> Result<(Num, Kind)> {
    match e {
        Expr::Column { name, span } => {
            let (i, c) = column(t, name, *span)?;
            match Kind::of(c.column_type()) {
                Kind::Text => Err(qerr(
                    *span,
                    format!("column `{name}` is text, not a number"),
                )),
                Kind::Bool => Ok((Num::Col(i), Kind::Int)),
                k => Ok((Num::Col(i), k)),
            }
        }
        Expr::Lit { value, span } => match value {
            Literal::Int(i) => Ok((Num::Lit(Scalar::I(*i)), Kind::Int)),
            Literal::Float(f) => Ok((Num::Lit(Scalar::F(*f)), Kind::Float)),
            Literal::Bool(b) => Ok((Num::Lit(Scalar::I(i128::from(*b))), Kind::Int)),
            other => Err(qerr(
                *span,
                format!("expected a number, found {}", lit_text(other)),
            )),
        },
        Expr::Unary {
            op: UnOp::Neg,
            expr,
            span,
        } => {
            let (x, k) = compile_num(t, expr)?;
            no_time_arith(k, expr, *span)?;
            // `-x` as `-1 * x`: exact for integers and floats, and `-(0.0)` is `-0.0`.
            Ok((
                Num::Arith {
                    op: BinOp::Mul,
                    a: Box::new(Num::Lit(Scalar::I(-1))),
                    b: Box::new(x),
                    int: k == Kind::Int,
                    text: e.to_string(),
                    span: *span,
                },
                k,
            ))
        }
        Expr::Binary { op, lhs, rhs, span }
            if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) =>
        {
            let (a, ka) = compile_num(t, lhs)?;
            let (b, kb) = compile_num(t, rhs)?;
            no_time_arith(ka, lhs, *span)?;
            no_time_arith(kb, rhs, *span)?;
            let int = ka == Kind::Int && kb == Kind::Int && *op != BinOp::Div;
            Ok((
                Num::Arith {
                    op: *op,
                    a: Box::new(a),
                    b: Box::new(b),
                    int,
                    text: e.to_string(),
                    span: *span,
                },
                if int { Kind::Int } else { Kind::Float },
            ))
        }
        other => Err(qerr(
            other.span(),
            "expected a number here, found a condition",
        )),
    }
}

/// Arithmetic on timestamps is not in the language.
fn no_time_arith(k: Kind, e: &Expr, span: Span) -> Result<()> {
    if let Kind::Ts(_) = k {
        return Err(qerr(
            span,
            format!(
                "arithmetic on the timestamp {e} is not supported; compare timestamps directly"
            ),
        ));
    }
    Ok(())
}

/// A literal compared (`==`, `in`) with a column of kind `kind`, as an exact scalar; `None`
/// when no value of the column can equal it (an integer column and `2.5`).
fn eq_literal(kind: Kind, lit: &Literal, span: Span, col: &str) -> Result<Option<Scalar>> {
    Ok(match (kind, lit) {
        (Kind::Ts(u), Literal::Str(s)) => Some(Scalar::I(i128::from(iso(s, u, span)?))),
        (Kind::Ts(_), Literal::Int(_) | Literal::Float(_)) => {
            return Err(qerr(
                span,
                format!(
                    "cannot compare the timestamp column `{col}` with {}; write a date or \
                     date-time in quotes, such as '2013-01-01' or '2013-01-01T10:00:00Z'",
                    lit_text(lit)
                ),
            ));
        }
        (Kind::Int | Kind::Bool, Literal::Int(i)) => Some(Scalar::I(*i)),
        (Kind::Bool, Literal::Bool(b)) => Some(Scalar::I(i128::from(*b))),
        (Kind::Int | Kind::Bool, Literal::Float(f)) =>
        {
            #[expect(clippy::cast_possible_truncation, reason = "integral, saturating")]
            (f.fract() == 0.0).then_some(Scalar::I(*f as i128))
        }
        (Kind::Float, Literal::Float(f)) => Some(Scalar::F(*f)),
        (Kind::Float, Literal::Int(i)) => {
            #[expect(clippy::cast_precision_loss, reason = "checked exact below")]
            let f = *i as f64;
            (cmp_int_float(*i, f) == Ordering::Equal).then_some(Scalar::F(f))
        }
        _ => {
            return Err(qerr(
                span,
                format!(
                    "cannot compare the column `{col}` ({}) with {}",
                    kind.name(),
                    lit_text(lit)
                ),
            ));
        }
    })
}

/// Parses an ISO-8601 literal for a timestamp column of unit `u`.
fn iso(s: &str, u: TimeUnit, span: Span) -> Result<i64> {
    parse_iso(s, u).ok_or_else(|| {
        qerr(
            span,
            format!(
                "'{s}' is not an ISO-8601 date or date-time (such as '2013-01-01', \
                 '2013-01-01 10:00', '2013-01-01T10:00:00.5Z' or '2013-01-01T10:00:00+01:00')"
            ),
        )
    })
}

/// `column cmp literal` for a numeric, bool or timestamp column: exact, whatever the
/// literal's type (`int_col < 2.5` is `int_col <= 2`; `int_col == 2.5` is never true).
fn col_lit(i: usize, kind: Kind, cmp: Cmp, lit: &Literal, span: Span, col: &str) -> Result<Node> {
    match (kind, lit) {
        // NaN lies above every integer.
        (Kind::Int | Kind::Bool, Literal::Float(f)) if f.is_nan() => {
            Ok(Node::NotNull(i, cmp.holds(Ordering::Less)))
        }
        (Kind::Int | Kind::Bool, Literal::Float(f)) if f.fract() != 0.0 => {
            let (lo, hi) = (f.floor(), f.ceil());
            #[expect(clippy::cast_possible_truncation, reason = "integral, saturating")]
            let (lo, hi) = (lo as i128, hi as i128);
            Ok(match cmp {
                Cmp::Lt | Cmp::Le => Node::ColCmp(i, Cmp::Le, Scalar::I(lo)),
                Cmp::Gt | Cmp::Ge => Node::ColCmp(i, Cmp::Ge, Scalar::I(hi)),
                Cmp::Eq => Node::NotNull(i, false),
                Cmp::Ne => Node::NotNull(i, true),
            })
        }
        (Kind::Float, Literal::Int(l)) => {
            if let Some(s) = eq_literal(kind, lit, span, col)? {
                return Ok(Node::ColCmp(i, cmp, s));
            }
            // No float equals `l`: compare with its float neighbours instead.
            #[expect(clippy::cast_precision_loss, reason = "rounded, then the neighbours")]
            let f = *l as f64;
            let (lo, hi) = if cmp_int_float(*l, f) == Ordering::Greater {
                (f, f.next_up())
            } else {
                (f.next_down(), f)
            };
            Ok(match cmp {
                Cmp::Lt | Cmp::Le => Node::ColCmp(i, Cmp::Le, Scalar::F(lo)),
                Cmp::Gt | Cmp::Ge => Node::ColCmp(i, Cmp::Ge, Scalar::F(hi)),
                Cmp::Eq => Node::NotNull(i, false),
                Cmp::Ne => Node::NotNull(i, true),
            })
        }
        _ => match eq_literal(kind, lit, span, col)? {
            Some(s) => Ok(Node::ColCmp(i, cmp, s)),
            None => Ok(Node::NotNull(i, cmp == Cmp::Ne)),
        },
    }
}

pub(super) fn compile_bool(t: &CTable, e: &Expr) -> Result<Node> {
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
                        "column `{name}` is {}, not bool: compare it with something",
                        Kind::of(c.column_type()).name()
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
        } => compile_in(t, expr, list, *negated, *span),
        // SQL's definition: `x between a and b` is `x >= a and x <= b`; `not between` is
        // `x < a or x > b`.
        Expr::Between {
            expr,
            low,
            high,
            negated,
            span,
        } => {
            let (lo_cmp, hi_cmp) = if *negated {
                (Cmp::Lt, Cmp::Gt)
            } else {
                (Cmp::Ge, Cmp::Le)
            };
            let lo = Box::new(compile_cmp(t, lo_cmp, expr, low, *span)?);
            let hi = Box::new(compile_cmp(t, hi_cmp, expr, high, *span)?);
            Ok(if *negated {
                Node::Or(lo, hi)
            } else {
                Node::And(lo, hi)
            })
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            negated,
            case_insensitive,
            span,
        } => {
            let Expr::Column { name, span: cs } = &**expr else {
                return Err(qerr(*span, "'like' applies to a text column"));
            };
            let (i, c) = column(t, name, *cs)?;
            if c.column_type() != ColumnType::Utf8 {
                return Err(qerr(
                    *span,
                    format!(
                        "'like' applies to text; `{name}` is {}",
                        Kind::of(c.column_type()).name()
                    ),
                ));
            }
            let p = Pattern::new(pattern, *escape, *case_insensitive)
                .ok_or_else(|| qerr(*span, "the 'like' pattern ends with its escape character"))?;
            Ok(match &c.data {
                // Once per dictionary entry, then on the codes.
                Data::Utf8(StrData::Dict { values, .. }) => {
                    Node::Codes(i, values.iter().map(|v| p.matches(v) != *negated).collect())
                }
                _ => Node::Like(i, p, *negated),
            })
        }
        other => Err(qerr(
            other.span(),
            "expected a condition (a comparison, 'in', 'is null', a bool column, and/or/not)",
        )),
    }
}

/// `expr [not] in [list]`. As in SQL, a null in the list makes a row that matches no other
/// item unknown: `x in (a, null)` is true or unknown, `x not in (a, null)` is never true.
fn compile_in(
    t: &CTable,
    expr: &Expr,
    list: &[Literal],
    negated: bool,
    span: Span,
) -> Result<Node> {
    let has_null = list.contains(&Literal::Null);
    let node = compile_in_list(t, expr, list, negated && !has_null, span)?;
    if !has_null {
        return Ok(node);
    }
    let any = Node::Or(Box::new(node), Box::new(Node::Null));
    Ok(if negated {
        Node::Not(Box::new(any))
    } else {
        any
    })
}

/// `expr [not] in [list]` without the nulls of the list.
fn compile_in_list(
    t: &CTable,
    expr: &Expr,
    list: &[Literal],
    negated: bool,
    span: Span,
) -> Result<Node> {
    let list: Vec<&Literal> = list.iter().filter(|l| **l != Literal::Null).collect();
    let node = if let Expr::Column { name, span: cs } = expr {
        let (i, c) = column(t, name, *cs)?;
        let kind = Kind::of(c.column_type());
        if kind == Kind::Text {
            let mut vals = Vec::new();
            for l in &list {
                match l {
                    Literal::Str(s) => vals.push(s.clone()),
                    other => {
                        return Err(qerr(
                            span,
                            format!(
                                "cannot compare the text column `{name}` with {}",
                                lit_text(other)
                            ),
                        ));
                    }
                }
            }
            match &c.data {
                // Decided once per dictionary entry, as the other text tests are.
                Data::Utf8(StrData::Dict { values, .. }) => {
                    let set: std::collections::HashSet<&str> =
                        vals.iter().map(String::as_str).collect();
                    Node::Codes(
                        i,
                        values
                            .iter()
                            .map(|v| set.contains(v.as_str()) != negated)
                            .collect(),
                    )
                }
                _ => Node::StrIn(i, vals, negated),
            }
        } else {
            let mut vals = Vec::new();
            for l in &list {
                vals.extend(eq_literal(kind, l, span, name)?);
            }
            Node::NumIn(Num::Col(i), vals, negated)
        }
    } else {
        let (num, kind) = compile_num(t, expr)?;
        let mut vals = Vec::new();
        for l in &list {
            vals.extend(eq_literal(kind, l, span, &expr.to_string())?);
        }
        Node::NumIn(num, vals, negated)
    };
    Ok(node)
}

/// One side of a comparison, as far as text and timestamps care.
enum Side<'e> {
    /// A text column.
    TextCol(usize),
    /// A text literal.
    Str(&'e str),
    /// A timestamp column.
    TsCol(usize, TimeUnit),
    /// Anything else (a numeric expression, or a literal that is not text).
    Other,
}

fn side<'e>(t: &CTable, e: &'e Expr) -> Result<Side<'e>> {
    Ok(match e {
        Expr::Column { name, span } => {
            let (i, c) = column(t, name, *span)?;
            match Kind::of(c.column_type()) {
                Kind::Text => Side::TextCol(i),
                Kind::Ts(u) => Side::TsCol(i, u),
                _ => Side::Other,
            }
        }
        Expr::Lit {
            value: Literal::Str(s),
            ..
        } => Side::Str(s),
        _ => Side::Other,
    })
}

/// The kind of an operand as messages name it.
fn kind_of(t: &CTable, e: &Expr) -> String {
    match e {
        Expr::Lit { value, .. } => lit_text(value),
        Expr::Column { name, .. } => match t.columns.iter().find(|c| &c.name == name) {
            Some(c) => format!("`{name}` ({})", Kind::of(c.column_type()).name()),
            None => format!("`{name}`"),
        },
        other => match compile_num(t, other) {
            Ok((_, k)) => format!("{other} ({})", k.name()),
            Err(_) => other.to_string(),
        },
    }
}

/// A comparison of text with text: `column op 'literal'` (once per dictionary entry on a
/// dictionary-encoded column), two text columns, or two literals.
fn text_cmp(t: &CTable, cmp: Cmp, a: &Side<'_>, b: &Side<'_>) -> Option<Node> {
    Some(match (a, b) {
        (Side::TextCol(i), Side::Str(s)) => text_col_lit(t, *i, cmp, s),
        (Side::Str(s), Side::TextCol(i)) => text_col_lit(t, *i, cmp.flip(), s),
        (Side::TextCol(i), Side::TextCol(j)) => Node::StrCols(*i, cmp, *j),
        (Side::Str(x), Side::Str(y)) => Node::Const(cmp.holds(x.cmp(y))),
        _ => return None,
    })
}

/// `text_column op 'literal'`; on a dictionary column every operator, equality included, is
/// decided once per entry, then read per row from that table.
fn text_col_lit(t: &CTable, i: usize, cmp: Cmp, s: &str) -> Node {
    match (&t.columns[i].data, cmp) {
        (Data::Utf8(StrData::Dict { values, .. }), _) => Node::Codes(
            i,
            values
                .iter()
                .map(|v| cmp.holds(v.as_str().cmp(s)))
                .collect(),
        ),
        _ => Node::StrCmp(i, cmp, s.to_owned()),
    }
}

pub(super) fn compile_cmp(
    t: &CTable,
    cmp: Cmp,
    lhs: &Expr,
    rhs: &Expr,
    span: Span,
) -> Result<Node> {
    let is_null = |e: &Expr| {
        matches!(
            e,
            Expr::Lit {
                value: Literal::Null,
                ..
            }
        )
    };
    if is_null(lhs) || is_null(rhs) {
        return Err(qerr(
            span,
            "comparisons with null are never true; use 'is null'",
        ));
    }
    let (a, b) = (side(t, lhs)?, side(t, rhs)?);
    if let Some(n) = text_cmp(t, cmp, &a, &b) {
        return Ok(n);
    }
    let mismatch = || {
        // A number written in quotes against a number: say how to write it.
        let hint = match (&a, &b) {
            (Side::Str(s), Side::Other) | (Side::Other, Side::Str(s))
                if s.trim().parse::<f64>().is_ok() =>
            {
                format!("; for the number, write {} without quotes", s.trim())
            }
            _ => String::new(),
        };
        qerr(
            span,
            format!(
                "cannot compare {} with {}{hint}",
                kind_of(t, lhs),
                kind_of(t, rhs)
            ),
        )
    };
    match (&a, &b) {
        (Side::TextCol(..), _) | (_, Side::TextCol(..)) => return Err(mismatch()),
        (Side::TsCol(i, u), Side::Str(s)) => {
            return Ok(Node::ColCmp(
                *i,
                cmp,
                Scalar::I(i128::from(iso(s, *u, rhs.span())?)),
            ));
        }
        (Side::Str(s), Side::TsCol(i, u)) => {
            return Ok(Node::ColCmp(
                *i,
                cmp.flip(),
                Scalar::I(i128::from(iso(s, *u, lhs.span())?)),
            ));
        }
        (Side::Str(_), _) | (_, Side::Str(_)) => return Err(mismatch()),
        _ => {}
    }
    // column op literal, literal op column
    let col_lit = |c: &Expr, l: &Expr, cmp: Cmp| -> Option<Result<Node>> {
        match (c, l) {
            (Expr::Column { name, span: cs }, Expr::Lit { value, span: ls }) => {
                Some(column(t, name, *cs).and_then(|(i, col)| {
                    col_lit(i, Kind::of(col.column_type()), cmp, value, *ls, name)
                }))
            }
            _ => None,
        }
    };
    if let Some(n) = col_lit(lhs, rhs, cmp).or_else(|| col_lit(rhs, lhs, cmp.flip())) {
        return n;
    }
    let (na, ka) = compile_num(t, lhs)?;
    let (nb, kb) = compile_num(t, rhs)?;
    match (ka, kb) {
        // Timestamps of two units: the coarser counted in the finer one, exactly (an i64
        // times 10^9 fits an i128), as DuckDB compares `timestamp_s` with `timestamp_ns`.
        (Kind::Ts(u), Kind::Ts(v)) => {
            let (fa, fb) = (per_second(u), per_second(v));
            let fine = fa.max(fb);
            let na = in_unit(na, fine / fa, lhs);
            let nb = in_unit(nb, fine / fb, rhs);
            Ok(Node::NumCmp(na, cmp, nb))
        }
        (Kind::Ts(_), _) | (_, Kind::Ts(_)) => Err(qerr(
            span,
            format!(
                "cannot compare {} with {}; write a timestamp in quotes, such as '2013-01-01'",
                kind_of(t, lhs),
                kind_of(t, rhs)
            ),
        )),
        _ => Ok(Node::NumCmp(na, cmp, nb)),
    }
}

/// Counts of a time unit in one second.
fn per_second(u: TimeUnit) -> i128 {
    match u {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// A timestamp expression counted in a unit `factor` times finer.
fn in_unit(n: Num, factor: i128, e: &Expr) -> Num {
    if factor == 1 {
        return n;
    }
    Num::Arith {
        op: BinOp::Mul,
        a: Box::new(n),
        b: Box::new(Num::Lit(Scalar::I(factor))),
        int: true,
        text: e.to_string(),
        span: e.span(),
    }
}
