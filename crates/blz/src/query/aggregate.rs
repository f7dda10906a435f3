//! Aggregate functions and their accumulators (sums in lanes, chunk statistics).

use std::collections::HashSet;

use super::compile::Num;
use super::kernel::{
    Buf, Ctx, Mask, NumV, Widen, all_true, any_true, count_true, fmax, fmin, num, on_buf,
};
use crate::ctable::{Column, ColumnType, Data, Value};
use crate::dtype::{DType, Element, SUM_LANES, add_lanes, merge_lanes};
use crate::error::{Error, Result};
use crate::stats::Stats;

/// An aggregate function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Agg {
    /// Non-null values (`count(col)`); with the column `*`, every matching row (`count(*)`).
    Count,
    /// Sum of non-null values (integer columns: `Int`/`UInt`, `BigInt` past 64 bits; floats:
    /// `Float`); null when there is none, as in SQL.
    Sum,
    /// Smallest non-null value (numbers, timestamps, text in byte order); null when none.
    Min,
    /// Largest non-null value (numbers, timestamps, text in byte order); null when none.
    Max,
    /// Mean of non-null values (`avg`); null when there is none.
    Mean,
}

/// What an aggregate reads.
#[derive(Clone, Debug)]
pub(super) enum AggArg {
    /// Every row (`count(*)`).
    Star,
    /// A column.
    Col(usize),
    /// A numeric expression (exact integers or floats).
    Num(Num),
}

/// One aggregate as the engine runs it: the function, what it reads, and the type its
/// result takes (a column's type, or `i64`/`f64` for an expression).
#[derive(Clone, Debug)]
pub(super) struct AggCol {
    pub(super) agg: Agg,
    /// `count(distinct x)`.
    pub(super) distinct: bool,
    pub(super) arg: AggArg,
    /// How the result is typed.
    pub(super) ty: ColumnType,
    /// The aggregate as written, for errors.
    pub(super) text: String,
}

impl AggCol {
    /// Whether min and max are tracked.
    pub(super) fn minmax(&self) -> bool {
        matches!(self.agg, Agg::Min | Agg::Max)
    }
}

/// A distinct value, for `count(distinct x)`: floats by their bits (`-0.0` as `0.0`, every
/// NaN as one), so equal values count once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum DKey {
    I(i128),
    F(u64),
    S(String),
}

impl DKey {
    /// The key of a stored value.
    #[inline]
    pub(super) fn of<T: Widen>(x: T) -> DKey {
        if T::FLOAT {
            DKey::float(x.wf())
        } else {
            DKey::I(x.wide())
        }
    }

    /// The key of a float.
    pub(super) fn float(f: f64) -> DKey {
        let f = if f == 0.0 {
            0.0
        } else if f.is_nan() {
            f64::NAN
        } else {
            f
        };
        DKey::F(f.to_bits())
    }
}

/// Running state of one aggregate.
#[derive(Clone, Debug, Default)]
pub(super) struct Acc {
    /// Smallest and largest text (text columns only).
    pub(super) text: Option<Box<(String, String)>>,
    pub(super) count: u64,
    pub(super) isum: i128,
    pub(super) fsum: f64,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    pub(super) imin: Option<i128>,
    pub(super) imax: Option<i128>,
    /// The distinct values seen (`count(distinct x)` only).
    #[expect(
        clippy::box_collection,
        reason = "one pointer keeps every other accumulator small"
    )]
    pub(super) distinct: Option<Box<HashSet<DKey>>>,
    /// An integer sum left the `i128` range (an error when the result is read).
    pub(super) overflow: bool,
}

impl Acc {
    pub(super) fn merge(mut self, o: Acc) -> Acc {
        self.count += o.count;
        match self.isum.checked_add(o.isum) {
            Some(s) => self.isum = s,
            None => self.overflow = true,
        }
        self.overflow |= o.overflow;
        match (&mut self.distinct, o.distinct) {
            (Some(a), Some(b)) => {
                if a.len() < b.len() {
                    let small = std::mem::replace(a, b);
                    a.extend(*small);
                } else {
                    a.extend(*b);
                }
            }
            (a @ None, b) => *a = b,
            (Some(_), None) => {}
        }
        self.fsum += o.fsum;
        let mn = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => Some(fmin(x, y)),
            (x, y) => x.or(y),
        };
        let mx = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => Some(fmax(x, y)),
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
        if let Some(t) = o.text {
            self.text_minmax(&t.0);
            self.text_minmax(&t.1);
        }
        self
    }

    /// Merges `o` into `self` in place.
    pub(super) fn merge_from(&mut self, o: Acc) {
        *self = std::mem::take(self).merge(o);
    }

    /// Takes a present text value into min and max (byte-wise UTF-8 order).
    pub(super) fn text_minmax(&mut self, s: &str) {
        match &mut self.text {
            None => self.text = Some(Box::new((s.to_owned(), s.to_owned()))),
            Some(t) => {
                if s < t.0.as_str() {
                    s.clone_into(&mut t.0);
                }
                if s > t.1.as_str() {
                    s.clone_into(&mut t.1);
                }
            }
        }
    }

    /// The value of aggregate `agg` over a column of type `ty`: SQL's answer (null over no
    /// non-null input but for `count`), typed as the column (timestamps, text, bools).
    pub(super) fn result(&self, agg: Agg, ty: ColumnType) -> Value {
        let float = matches!(ty, ColumnType::Fixed(DType::F32 | DType::F64));
        let unsigned = matches!(
            ty,
            ColumnType::Fixed(DType::U8 | DType::U16 | DType::U32 | DType::U64 | DType::Bool)
        );
        match agg {
            Agg::Count if self.distinct.is_some() => Value::Int(
                self.distinct
                    .as_ref()
                    .map_or(0, |d| i64::try_from(d.len()).unwrap_or(i64::MAX)),
            ),
            Agg::Count => Value::Int(i64::try_from(self.count).unwrap_or(i64::MAX)),
            _ if self.count == 0 => Value::Null,
            Agg::Sum if float => Value::Float(self.fsum),
            // Exact: a sum past 64 bits is a `BigInt`, never clamped or wrapped.
            Agg::Sum if unsigned => {
                u64::try_from(self.isum).map_or(Value::BigInt(self.isum), Value::UInt)
            }
            Agg::Sum => i64::try_from(self.isum).map_or(Value::BigInt(self.isum), Value::Int),
            Agg::Min | Agg::Max if ty == ColumnType::Utf8 => match &self.text {
                Some(t) if agg == Agg::Min => Value::Str(t.0.clone()),
                Some(t) => Value::Str(t.1.clone()),
                None => Value::Null,
            },
            Agg::Min if float => self.min.map_or(Value::Null, Value::Float),
            Agg::Max if float => self.max.map_or(Value::Null, Value::Float),
            Agg::Min | Agg::Max => {
                let v = if agg == Agg::Min {
                    self.imin
                } else {
                    self.imax
                };
                match (v, ty) {
                    (None, _) => Value::Null,
                    (Some(x), ColumnType::Fixed(DType::Timestamp(u))) => {
                        Value::Timestamp(i64::try_from(x).unwrap_or(i64::MAX), u)
                    }
                    (Some(x), ColumnType::Fixed(DType::Bool)) => Value::Bool(x != 0),
                    // An expression's value may pass 64 bits: exact, as a `BigInt`.
                    (Some(x), _) if unsigned => {
                        u64::try_from(x).map_or(Value::BigInt(x), Value::UInt)
                    }
                    (Some(x), _) => i64::try_from(x).map_or(Value::BigInt(x), Value::Int),
                }
            }
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
    pub(super) fn add<T: Widen>(&mut self, x: T, minmax: bool) {
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

    /// Takes a present value into min and max (NaN above every number, as in SQL).
    #[inline]
    pub(super) fn minmax<T: Widen>(&mut self, x: T) {
        if T::FLOAT {
            let f = x.wf();
            self.min = Some(self.min.map_or(f, |m| fmin(m, f)));
            self.max = Some(self.max.map_or(f, |m| fmax(m, f)));
        } else {
            let v = x.wide();
            self.imin = Some(self.imin.map_or(v, |m| m.min(v)));
            self.imax = Some(self.imax.map_or(v, |m| m.max(v)));
        }
    }
}

impl Acc {
    /// Adds a distinct value (`count(distinct x)`).
    pub(super) fn insert_distinct(&mut self, k: DKey) {
        self.distinct.get_or_insert_with(Box::default).insert(k);
    }

    /// Adds an exact integer value (an expression's).
    #[inline]
    pub(super) fn add_int(&mut self, v: i128, minmax: bool) {
        self.count += 1;
        match self.isum.checked_add(v) {
            Some(s) => self.isum = s,
            None => self.overflow = true,
        }
        if minmax {
            self.imin = Some(self.imin.map_or(v, |m| m.min(v)));
            self.imax = Some(self.imax.map_or(v, |m| m.max(v)));
        }
    }
}

/// Adds the kept rows (`keep`, `None`: all) of an expression's values to an accumulator;
/// `distinct` collects the distinct values instead.
pub(super) fn accumulate_num(
    acc: &mut Acc,
    v: &NumV,
    keep: Option<&[bool]>,
    distinct: bool,
    mm: bool,
) {
    let kept = |i: usize| keep.is_none_or(|k| k[i]);
    match v {
        NumV::I(xs) => {
            for (i, &x) in xs.iter().enumerate() {
                if kept(i) {
                    if distinct {
                        acc.insert_distinct(DKey::I(x));
                    } else {
                        acc.add_int(x, mm);
                    }
                }
            }
        }
        NumV::F(xs) => {
            for (i, &x) in xs.iter().enumerate() {
                if kept(i) {
                    if distinct {
                        acc.insert_distinct(DKey::float(x));
                    } else {
                        acc.add(x, mm);
                    }
                }
            }
        }
    }
}

/// Adds the distinct values of the kept rows (`keep(i)`) of a decoded column.
pub(super) fn accumulate_distinct(
    acc: &mut Acc,
    b: &Buf,
    values: &[String],
    keep: impl Fn(usize) -> bool,
) {
    fn go<T: Widen>(acc: &mut Acc, xs: &[T], keep: impl Fn(usize) -> bool) {
        for (i, &x) in xs.iter().enumerate() {
            if keep(i) {
                acc.insert_distinct(DKey::of(x));
            }
        }
    }
    match b {
        Buf::Codes(codes) => {
            let mut used = vec![false; values.len()];
            for (i, &c) in codes.iter().enumerate() {
                if keep(i)
                    && let Some(u) = used.get_mut(c as usize)
                {
                    *u = true;
                }
            }
            for (v, _) in values.iter().zip(&used).filter(|(_, u)| **u) {
                acc.insert_distinct(DKey::S(v.clone()));
            }
            // An empty set still marks the aggregate as distinct.
            acc.distinct.get_or_insert_with(Box::default);
        }
        Buf::Text(strs) => {
            for (i, s) in strs.iter().enumerate() {
                if keep(i) {
                    acc.insert_distinct(DKey::S(s.clone()));
                }
            }
            acc.distinct.get_or_insert_with(Box::default);
        }
        other => {
            on_buf!(other, |xs| go(acc, xs, &keep), |_c| {}, |_s| {});
            acc.distinct.get_or_insert_with(Box::default);
        }
    }
}

/// The dictionary of text column `i` (empty when it is not dictionary-encoded).
pub(super) fn dict_values(t: &crate::CTable, i: usize) -> &[String] {
    match &t.columns[i].data {
        Data::Utf8(crate::ctable::StrData::Dict { values, .. }) => values,
        _ => &[],
    }
}

/// Adds the kept rows of a decoded text column (`values`: the dictionary of `Codes`) to an
/// accumulator: their count, and their min and max when `mm`. A dictionary column is read
/// once per distinct code, not once per row.
pub(super) fn accumulate_text(
    acc: &mut Acc,
    b: &Buf,
    values: &[String],
    keep: impl Fn(usize) -> bool,
    mm: bool,
) {
    match b {
        Buf::Codes(codes) => {
            let mut used = vec![false; if mm { values.len() } else { 0 }];
            for (i, &c) in codes.iter().enumerate() {
                if keep(i) {
                    acc.count += 1;
                    if let Some(u) = used.get_mut(c as usize) {
                        *u = true;
                    }
                }
            }
            for (v, _) in values.iter().zip(&used).filter(|(_, u)| **u) {
                acc.text_minmax(v);
            }
        }
        Buf::Text(strs) => {
            for (i, s) in strs.iter().enumerate() {
                if keep(i) {
                    acc.count += 1;
                    if mm {
                        acc.text_minmax(s);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Adds the rows of a decoded column that are selected (`sel`, `None`: all) and present
/// (`valid`, `None`: all) to an accumulator. Sums run in eight branch-free lanes (a row that
/// is not kept adds zero), so they vectorise; integer sums are exact.
pub(super) fn accumulate(
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
pub(super) fn lanes_sum<T: Copy, A: Copy, const N: usize>(
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
pub(super) fn chunk_acc(col: &Column, c: usize, mm: bool) -> Result<Option<Acc>> {
    fn float<T: Element<Acc = f64> + Widen>(s: &Stats<T>) -> Acc {
        Acc {
            count: s.count as u64,
            fsum: s.sum,
            // The statistics skip NaN, which SQL orders above every number.
            min: s
                .min
                .map(Widen::wf)
                .or((s.nan_count > 0).then_some(f64::NAN)),
            max: if s.nan_count > 0 {
                Some(f64::NAN)
            } else {
                s.max.map(Widen::wf)
            },
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

/// The aggregate `agg` of the column `name` (`*`: every row, `count(*)` only).
pub(super) fn agg_of_column(t: &crate::CTable, agg: Agg, name: &str) -> Result<AggCol> {
    if name == "*" {
        if agg != Agg::Count {
            return Err(Error::ColumnType {
                column: name.to_owned(),
                expected: "a column: only count(*) counts rows".into(),
                got: "*".into(),
            });
        }
        return Ok(AggCol {
            agg,
            distinct: false,
            arg: AggArg::Star,
            ty: ColumnType::Fixed(DType::I64),
            text: "count(*)".into(),
        });
    }
    let i = t.col_index(name)?;
    let ty = t.columns[i].column_type();
    check_numeric(agg, ty, name)?;
    Ok(AggCol {
        agg,
        distinct: false,
        arg: AggArg::Col(i),
        ty,
        text: format!("{}({name})", super::list::agg_name(agg)),
    })
}

/// `sum` and `mean` need numbers.
pub(super) fn check_numeric(agg: Agg, ty: ColumnType, name: &str) -> Result<()> {
    if matches!(agg, Agg::Sum | Agg::Mean)
        && matches!(
            ty,
            ColumnType::Utf8 | ColumnType::Fixed(DType::Timestamp(_))
        )
    {
        return Err(Error::ColumnType {
            column: name.to_owned(),
            expected: "a numeric column for sum and mean".into(),
            got: ty.to_string(),
        });
    }
    Ok(())
}

/// The result of an aggregate: SQL's value, or an error for an integer sum past `i128`.
pub(super) fn finish(acc: &Acc, col: &AggCol) -> Result<Value> {
    if acc.overflow {
        return Err(Error::Query {
            span: crate::query::Span { start: 0, end: 0 },
            message: format!("integer overflow in {}", col.text),
        });
    }
    Ok(acc.result(col.agg, col.ty))
}

/// The accumulators of every aggregate over one chunk's selection (`None`: every row).
pub(super) fn chunk_aggs(ctx: &mut Ctx<'_>, m: Option<&Mask>, cols: &[AggCol]) -> Result<Vec<Acc>> {
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
    for (k, col) in cols.iter().enumerate() {
        let mm = col.minmax();
        let ci = match &col.arg {
            AggArg::Star => {
                accs[k].count = if all { ctx.n } else { count_true(sel) } as u64;
                continue;
            }
            AggArg::Num(e) => {
                let (v, known) = num(ctx, e)?;
                let keep: Option<Vec<bool>> = match (all, known) {
                    (true, k) => k,
                    (false, None) => Some(sel.to_vec()),
                    (false, Some(mut k)) => {
                        k.iter_mut().zip(sel).for_each(|(a, b)| *a &= *b);
                        Some(k)
                    }
                };
                accumulate_num(&mut accs[k], &v, keep.as_deref(), col.distinct, mm);
                continue;
            }
            AggArg::Col(ci) => *ci,
        };
        let valid = ctx.validity(ci)?.cloned();
        if col.distinct {
            let values = dict_values(ctx.t, ci);
            let b = ctx.buf(ci)?;
            let keep = |i: usize| (all || sel[i]) && valid.as_ref().is_none_or(|v| v[i]);
            accumulate_distinct(&mut accs[k], b, values, keep);
            continue;
        }
        if col.ty == ColumnType::Utf8 {
            let values = dict_values(ctx.t, ci);
            let b = ctx.buf(ci)?;
            let keep = |i: usize| (all || sel[i]) && valid.as_ref().is_none_or(|v| v[i]);
            accumulate_text(&mut accs[k], b, values, keep, mm);
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
        let sum = matches!(col.agg, Agg::Sum | Agg::Mean);
        accumulate(
            &mut accs[k],
            b,
            (!all).then_some(sel),
            valid.as_deref(),
            (sum, mm),
        );
    }
    Ok(accs)
}
