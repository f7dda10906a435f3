//! The vectorised kernels: decoded chunk buffers, selection masks, statistics decisions and
//! the evaluation of compiled nodes over one chunk.

use std::collections::HashMap;

use super::BinOp;
use std::cmp::Ordering;

use super::compile::{Cmp, Node, Num, Scalar, cmp_int_float, fcmp, qerr, scalar_cmp};
use crate::ctable::{CTable, Column, Data, StrData};
use crate::dtype::{Element, Timestamp};
use crate::error::{Error, Result};
use crate::stats::Stats;

/// Decoded data of one column for one chunk's rows.
pub(super) enum Buf {
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
pub(super) use on_buf;

/// Widening to the comparison domain.
pub(super) trait Widen: Copy {
    fn wi(self) -> i64;
    /// The exact value, for sums and integer min/max.
    fn wide(self) -> i128 {
        i128::from(self.wi())
    }
    fn wf(self) -> f64;
    const FLOAT: bool;
    /// The integer literal as this type, when it is one exactly (comparisons then run in the
    /// narrow type: four times the lanes of i64 for an i32 column).
    fn narrow(_l: i128) -> Option<Self> {
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
            #[inline] fn narrow(l: i128) -> Option<Self> { <$t>::try_from(l).ok() }
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
    #[inline]
    fn narrow(l: i128) -> Option<Self> {
        u64::try_from(l).ok()
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
    fn narrow(l: i128) -> Option<Self> {
        match l {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
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
    #[inline]
    fn narrow(l: i128) -> Option<Self> {
        i64::try_from(l).ok().map(Timestamp)
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

/// `xs[i] op lit` for every row, exactly: an integer column against an integer literal in
/// the column's own type (four times the lanes of i64 for an i32 column), or a constant when
/// the literal lies outside the type's range; floats in `f64` in SQL's order, NaN above every
/// number (collected straight into the mask: no zeroed buffer first).
pub(super) fn cmp_slice<T: Widen + PartialOrd>(xs: &[T], cmp: Cmp, lit: Scalar) -> Vec<bool> {
    match (T::FLOAT, lit) {
        (false, Scalar::I(l)) => match T::narrow(l) {
            Some(l) => match cmp {
                Cmp::Lt => xs.iter().map(|&x| x < l).collect(),
                Cmp::Le => xs.iter().map(|&x| x <= l).collect(),
                Cmp::Gt => xs.iter().map(|&x| x > l).collect(),
                Cmp::Ge => xs.iter().map(|&x| x >= l).collect(),
                Cmp::Eq => xs.iter().map(|&x| x == l).collect(),
                Cmp::Ne => xs.iter().map(|&x| x != l).collect(),
            },
            // Past the type's range: above every value when positive, below when negative.
            None => {
                let ord = if l > 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                vec![cmp.holds(ord); xs.len()]
            }
        },
        (true, Scalar::F(l)) if !l.is_nan() => {
            // IEEE comparisons are false with a NaN `x`, which lies above `l`: `>` and `>=`
            // are the negations of `<=` and `<`; `<`, `<=`, `==`, `!=` are right as they are.
            #[expect(
                clippy::neg_cmp_op_on_partial_ord,
                reason = "NaN is above every number"
            )]
            match cmp {
                Cmp::Lt => xs.iter().map(|&x| x.wf() < l).collect(),
                Cmp::Le => xs.iter().map(|&x| x.wf() <= l).collect(),
                Cmp::Gt => xs.iter().map(|&x| !(x.wf() <= l)).collect(),
                Cmp::Ge => xs.iter().map(|&x| !(x.wf() < l)).collect(),
                Cmp::Eq => xs.iter().map(|&x| x.wf() == l).collect(),
                Cmp::Ne => xs.iter().map(|&x| x.wf() != l).collect(),
            }
        }
        (true, Scalar::F(l)) => xs.iter().map(|&x| cmp.holds(fcmp(x.wf(), l))).collect(),
        (true, Scalar::I(l)) => xs
            .iter()
            .map(|&x| cmp.holds(cmp_int_float(l, x.wf()).reverse()))
            .collect(),
        (false, Scalar::F(l)) => xs
            .iter()
            .map(|&x| cmp.holds(cmp_int_float(x.wide(), l)))
            .collect(),
    }
}

/// The smaller of two floats in SQL's order: a NaN only when both are (see [`fcmp`]).
#[inline]
pub(super) fn fmin(a: f64, b: f64) -> f64 {
    if fcmp(b, a) == Ordering::Less { b } else { a }
}

/// The larger of two floats in SQL's order: NaN when either is (see [`fcmp`]).
#[inline]
pub(super) fn fmax(a: f64, b: f64) -> f64 {
    if fcmp(b, a) == Ordering::Greater {
        b
    } else {
        a
    }
}

/// Per-thread evaluation state for one chunk.
pub(super) struct Ctx<'t> {
    pub(super) t: &'t CTable,
    /// The chunk (`start / chunklen`).
    pub(super) c: usize,
    pub(super) start: usize,
    pub(super) n: usize,
    pub(super) cols: HashMap<usize, Buf>,
    pub(super) valid: HashMap<usize, Option<Vec<bool>>>,
    /// Buffers of the previous chunk this thread evaluated, reused (no fresh zeroed memory).
    pub(super) spare: HashMap<usize, Buf>,
}

impl Ctx<'_> {
    pub(super) fn buf(&mut self, i: usize) -> Result<&Buf> {
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
    pub(super) fn validity(&mut self, i: usize) -> Result<Option<&Vec<bool>>> {
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
pub(super) fn load(c: &Column, start: usize, n: usize, spare: Option<Buf>) -> Result<Buf> {
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
pub(super) fn all_true(xs: &[bool]) -> bool {
    let b: &[u8] = bytemuck::cast_slice(xs);
    b.chunks(4096)
        .all(|c| c.iter().fold(1u8, |a, &x| a & x) == 1)
}

/// Whether some value is true (see [`all_true`]).
pub(super) fn any_true(xs: &[bool]) -> bool {
    let b: &[u8] = bytemuck::cast_slice(xs);
    b.chunks(4096)
        .any(|c| c.iter().fold(0u8, |a, &x| a | x) != 0)
}

/// Number of true values (vectorised: a bool is the byte 0 or 1).
pub(super) fn count_true(xs: &[bool]) -> usize {
    let b: &[u8] = bytemuck::cast_slice(xs);
    b.chunks(1 << 16)
        .map(|c| c.iter().map(|&x| u32::from(x)).sum::<u32>() as usize)
        .sum()
}

/// Truth values of a node over a chunk: `val` and, when some are unknown (null), `known`.
pub(super) struct Mask {
    pub(super) val: Vec<bool>,
    pub(super) known: Option<Vec<bool>>,
}

impl Mask {
    pub(super) fn all(n: usize, v: bool) -> Mask {
        Mask {
            val: vec![v; n],
            known: None,
        }
    }
    pub(super) fn selected(&self, i: usize) -> bool {
        self.val[i] && self.known.as_ref().is_none_or(|k| k[i])
    }
}

pub(super) fn and_known(a: Option<Vec<bool>>, b: Option<&Vec<bool>>) -> Option<Vec<bool>> {
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
pub(super) fn decide(t: &CTable, node: &Node, c: usize) -> Option<bool> {
    fn stats_of<T: Element>(a: &crate::CArray<T>, c: usize) -> Option<&Stats<T>> {
        (a.use_stats && c < a.chunks.len() && !a.dirty.contains_key(&c)).then(|| &a.chunks[c].stats)
    }
    fn dec<T: Element + Widen>(s: &Stats<T>, cmp: Cmp, lit: Scalar) -> Option<bool> {
        let (min, max) = (s.min?, s.max?);
        if s.nan_count > 0 {
            return None;
        }
        let (lo, hi) = if T::FLOAT {
            (Scalar::F(min.wf()), Scalar::F(max.wf()))
        } else {
            (Scalar::I(min.wide()), Scalar::I(max.wide()))
        };
        // Exact orders of the chunk's extremes against the literal.
        let (olo, ohi) = (scalar_cmp(lo, lit), scalar_cmp(hi, lit));
        let (lo_t, hi_t) = (cmp.holds(olo), cmp.holds(ohi));
        use Ordering::{Equal, Greater, Less};
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
            Cmp::Eq | Cmp::Ne => {
                let eq = if olo == Greater || ohi == Less {
                    Some(false)
                } else if olo == Equal && ohi == Equal {
                    Some(true)
                } else {
                    None
                };
                eq.map(|e| e == (cmp == Cmp::Eq))
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
                Data::U64(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::Bool(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::F32(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::F64(a) => dec(stats_of(a, c)?, *cmp, *lit),
                Data::Timestamp(a, _) => dec(stats_of(a, c)?, *cmp, *lit),
                _ => None,
            }
        }
        _ => None,
    }
}

pub(super) fn eval(ctx: &mut Ctx<'_>, node: &Node, c: usize) -> Result<Mask> {
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
        Node::NotNull(i, b) => Mask {
            val: vec![*b; n],
            known: ctx.validity(*i)?.cloned(),
        },
        Node::Null => Mask {
            val: vec![false; n],
            known: Some(vec![false; n]),
        },
        Node::NumCmp(a, cmp, b) => {
            let (va, ka) = num(ctx, a)?;
            let (vb, kb) = num(ctx, b)?;
            let cmp = *cmp;
            let val = match (&va, &vb) {
                (NumV::I(x), NumV::I(y)) => x.iter().zip(y).map(|(x, y)| cmp.test(x, y)).collect(),
                (NumV::F(x), NumV::F(y)) => x
                    .iter()
                    .zip(y)
                    .map(|(x, y)| cmp.holds(fcmp(*x, *y)))
                    .collect(),
                (NumV::I(x), NumV::F(y)) => x
                    .iter()
                    .zip(y)
                    .map(|(x, y)| cmp.holds(cmp_int_float(*x, *y)))
                    .collect(),
                (NumV::F(x), NumV::I(y)) => x
                    .iter()
                    .zip(y)
                    .map(|(x, y)| cmp.holds(cmp_int_float(*y, *x).reverse()))
                    .collect(),
            };
            Mask {
                val,
                known: and_known(ka, kb.as_ref()),
            }
        }
        Node::StrCmp(i, cmp @ (Cmp::Eq | Cmp::Ne), s) => {
            str_mask(ctx, *i, std::slice::from_ref(s), *cmp == Cmp::Ne)?
        }
        Node::StrCmp(i, cmp, s) => {
            let known = ctx.validity(*i)?.cloned();
            let val = match ctx.buf(*i)? {
                Buf::Text(xs) => xs.iter().map(|x| cmp.holds(x.as_str().cmp(s))).collect(),
                _ => vec![false; n],
            };
            Mask { val, known }
        }
        Node::Like(i, p, neg) => {
            let known = ctx.validity(*i)?.cloned();
            let val = match ctx.buf(*i)? {
                Buf::Text(xs) => xs.iter().map(|x| p.matches(x) != *neg).collect(),
                _ => vec![false; n],
            };
            Mask { val, known }
        }
        Node::Codes(i, table) => {
            let known = ctx.validity(*i)?.cloned();
            let val = match ctx.buf(*i)? {
                Buf::Codes(codes) => codes
                    .iter()
                    .map(|&c| table.get(c as usize).copied().unwrap_or(false))
                    .collect(),
                _ => vec![false; n],
            };
            Mask { val, known }
        }
        Node::StrCols(i, cmp, j) => {
            let known = and_known(ctx.validity(*i)?.cloned(), ctx.validity(*j)?);
            ctx.buf(*i)?;
            ctx.buf(*j)?;
            let (a, b) = (texts(ctx, *i), texts(ctx, *j));
            let val = a.iter().zip(&b).map(|(x, y)| cmp.holds(x.cmp(y))).collect();
            Mask { val, known }
        }
        Node::StrIn(i, vals, neg) => str_mask(ctx, *i, vals, *neg)?,
        Node::NumIn(a, vals, neg) => {
            let (va, ka) = num(ctx, a)?;
            let val = match &va {
                NumV::I(x) => x
                    .iter()
                    .map(|&x| {
                        vals.iter()
                            .any(|&l| scalar_cmp(Scalar::I(x), l) == Ordering::Equal)
                            != *neg
                    })
                    .collect(),
                NumV::F(x) => x
                    .iter()
                    .map(|&x| {
                        vals.iter()
                            .any(|&l| scalar_cmp(Scalar::F(x), l) == Ordering::Equal)
                            != *neg
                    })
                    .collect(),
            };
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

pub(super) fn combine(a: Mask, b: Mask, is_and: bool) -> Mask {
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

pub(super) fn str_mask(
    ctx: &mut Ctx<'_>,
    i: usize,
    vals: &[String],
    negated: bool,
) -> Result<Mask> {
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

/// The text of each row of a loaded text column (empty for a column that is not text).
fn texts<'c>(ctx: &'c Ctx<'_>, i: usize) -> Vec<&'c str> {
    match ctx.cols.get(&i) {
        Some(Buf::Text(xs)) => xs.iter().map(String::as_str).collect(),
        Some(Buf::Codes(codes)) => {
            let values = super::aggregate::dict_values(ctx.t, i);
            codes
                .iter()
                .map(|&c| values.get(c as usize).map_or("", String::as_str))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Values of a numeric expression over a chunk: exact integers or floats.
pub(super) enum NumV {
    I(Vec<i128>),
    F(Vec<f64>),
}

impl NumV {
    fn into_f(self) -> Vec<f64> {
        match self {
            #[expect(clippy::cast_precision_loss, reason = "mixed arithmetic is f64")]
            NumV::I(v) => v.into_iter().map(|x| x as f64).collect(),
            NumV::F(v) => v,
        }
    }
}

/// Evaluates a numeric expression (and a known mask when nulls are involved). Integers are
/// exact; an integer result past `i128`, in a row where it is not null, is an error naming
/// the expression.
pub(super) fn num(ctx: &mut Ctx<'_>, e: &Num) -> Result<(NumV, Option<Vec<bool>>)> {
    Ok(match e {
        Num::Lit(Scalar::I(i)) => (NumV::I(vec![*i; ctx.n]), None),
        Num::Lit(Scalar::F(f)) => (NumV::F(vec![*f; ctx.n]), None),
        Num::Col(i) => {
            let n = ctx.n;
            let v = on_buf!(
                ctx.buf(*i)?,
                |xs| if xs.first().is_some_and(|x| is_float(*x)) || float_buf(xs) {
                    NumV::F(xs.iter().map(|x| x.wf()).collect())
                } else {
                    NumV::I(xs.iter().map(|x| x.wide()).collect())
                },
                |_c| NumV::I(vec![0; n]),
                |_s| NumV::I(vec![0; n])
            );
            (v, ctx.validity(*i)?.cloned())
        }
        Num::Arith {
            op,
            a,
            b,
            int,
            text,
            span,
        } => {
            let (va, ka) = num(ctx, a)?;
            let (vb, kb) = num(ctx, b)?;
            let known = and_known(ka, kb.as_ref());
            match (va, vb, *int) {
                (NumV::I(mut x), NumV::I(y), true) => {
                    for (k, (x, y)) in x.iter_mut().zip(&y).enumerate() {
                        let r = match op {
                            BinOp::Add => x.checked_add(*y),
                            BinOp::Sub => x.checked_sub(*y),
                            _ => x.checked_mul(*y),
                        };
                        *x = match r {
                            Some(r) => r,
                            None if known.as_ref().is_some_and(|kn| !kn[k]) => 0,
                            None => {
                                return Err(qerr(*span, format!("integer overflow in {text}")));
                            }
                        };
                    }
                    (NumV::I(x), known)
                }
                (va, vb, _) => {
                    let (mut x, y) = (va.into_f(), vb.into_f());
                    for (x, y) in x.iter_mut().zip(&y) {
                        *x = match op {
                            BinOp::Add => *x + y,
                            BinOp::Sub => *x - y,
                            BinOp::Mul => *x * y,
                            _ => *x / y,
                        };
                    }
                    (NumV::F(x), known)
                }
            }
        }
    })
}

/// Whether a buffer of `T` holds floats.
fn float_buf<T: Widen>(_: &[T]) -> bool {
    T::FLOAT
}

/// Whether `T` is a float type.
fn is_float<T: Widen>(_: T) -> bool {
    T::FLOAT
}
