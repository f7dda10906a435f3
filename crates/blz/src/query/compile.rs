//! Compiling a query expression against a table's schema into typed nodes.

use super::{BinOp, Expr, Literal, Span, UnOp};
use crate::ctable::{CTable, Column, ColumnType};
use crate::dtype::DType;
use crate::dtype::parse_iso;
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
    #[inline]
    pub(super) fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
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
pub(super) enum Scalar {
    I(i64),
    F(f64),
}

impl Scalar {
    pub(super) fn f(self) -> f64 {
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
pub(super) enum Num {
    Col(usize),
    Lit(Scalar),
    Arith(BinOp, Box<Num>, Box<Num>),
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
pub(super) fn num_kind(c: &Column) -> Option<bool /* is float */> {
    match c.column_type() {
        ColumnType::Fixed(DType::F32 | DType::F64) => Some(true),
        ColumnType::Fixed(_) => Some(false),
        ColumnType::Utf8 => None,
    }
}

pub(super) fn column<'a>(t: &'a CTable, name: &str, span: Span) -> Result<(usize, &'a Column)> {
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

pub(super) fn compile_num(t: &CTable, e: &Expr) -> Result<Num> {
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
pub(super) fn literal_for(ty: ColumnType, lit: &Literal, span: Span, col: &str) -> Result<Scalar> {
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

pub(super) fn compile_cmp(
    t: &CTable,
    cmp: Cmp,
    lhs: &Expr,
    rhs: &Expr,
    span: Span,
) -> Result<Node> {
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
