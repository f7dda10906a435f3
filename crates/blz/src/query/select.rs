//! [`Select`]: what a query returns — rows of columns and expressions, aggregates, or groups —
//! ordered and limited, as SQL's `SELECT ... GROUP BY ... ORDER BY ... LIMIT` does.
//!
//! A select list is compiled against the table when it is given, so an unknown column or a
//! type error is reported before any row is read. Rows stream a few chunks at a time; with
//! `order_by` each chunk keeps only its best `limit` rows (a top-k) before they are merged.

use std::collections::HashSet;

use super::aggregate::{AggArg, AggCol, check_numeric};
use super::compile::{Kind, Node, Num, column, compile_bool, compile_num, qerr};
use super::eval::Query;
use super::group::key_column;
use super::kernel::{Buf, Ctx, Mask, NumV, eval, num};
use super::list::{Item, OrderItem, SelectItem, parse_order, parse_select};
use super::order::{Dir, keys_cmp, sort_top};
use super::{BinOp, Expr, UnOp};
use crate::ctable::{CTable, ColumnType, Value};
use crate::dtype::DType;
use crate::error::Result;

/// The rows a [`Select`] returns, with their column names.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Rows {
    /// Output column names, in order.
    pub columns: Vec<String>,
    /// The rows, each one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A value computed per row.
#[derive(Clone, Debug)]
enum Out {
    /// A column as stored (any type).
    Col(usize),
    /// A numeric expression.
    Num(Num),
    /// A condition: true, false or null.
    Bool(Node),
}

/// What a select computes.
#[derive(Clone, Debug)]
enum Mode {
    /// A row per match: `outs[..n]` are printed, the rest are sort keys only.
    Rows { outs: Vec<Out> },
    /// One row of aggregates; with `keys`, one row per group. A result row is the keys, then
    /// the aggregates (some only for ordering); `show` picks the printed ones.
    Groups {
        keys: Vec<usize>,
        aggs: Vec<AggCol>,
        show: Vec<usize>,
    },
}

/// A compiled select over a query's matches: see [`Query::select`] and [`Query::group`].
pub struct Select<'t> {
    q: Query<'t>,
    names: Vec<String>,
    /// Output items (to match order-by items against).
    items: Vec<SelectItem>,
    mode: Mode,
    /// Sort keys: an index into `outs` (rows) or into the result row (groups).
    sort: Vec<(usize, Dir)>,
    limit: Option<usize>,
}

impl<'t> Query<'t> {
    /// What to return for each match: columns, expressions and aliases
    /// (`carrier, arr_delay - dep_delay as gain`), or aggregates over all matches
    /// (`count(*), sum(price * qty) as total, count(distinct dest)`), but not both.
    ///
    /// ```
    /// use blz::{CTable, ColumnBatch, Value};
    /// let mut t = CTable::new();
    /// t.append(vec![
    ///     ColumnBatch::new("price", vec![2.0f64, 3.0, 4.0]),
    ///     ColumnBatch::new("qty", vec![10i64, 20, 30]),
    /// ])?;
    /// let r = t.query("qty > 10")?.select("sum(price * qty) as total, count(*)")?.run()?;
    /// assert_eq!(r.columns, ["total", "count(*)"]);
    /// assert_eq!(r.rows, [vec![Value::Float(180.0), Value::Int(2)]]);
    /// let r = t.query("true")?.select("qty * 2 as q2")?.order_by("q2 desc")?.limit(1).run()?;
    /// assert_eq!(r.rows, [vec![Value::Int(60)]]);
    /// # Ok::<(), blz::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Parse`](crate::Error::Parse) for a list that does not parse; [`Error::Query`](crate::Error::Query) (with the place in
    /// `list`) for unknown columns, type errors, a column next to aggregates, or two outputs
    /// with one name.
    pub fn select(self, list: &str) -> Result<Select<'t>> {
        let items = parse_select(list)?;
        self.select_items(items)
    }

    /// As [`Query::select`], with a parsed list.
    ///
    /// # Errors
    /// As [`Query::select`].
    pub fn select_items(self, items: Vec<SelectItem>) -> Result<Select<'t>> {
        if items.iter().any(|i| i.item.is_agg()) {
            return self.grouped(&[], items);
        }
        let t = self.table;
        let outs = items
            .iter()
            .map(|i| match &i.item {
                Item::Expr(e) => compile_out(t, e),
                Item::Agg { span, .. } => Err(qerr(*span, "unreachable: an aggregate")),
            })
            .collect::<Result<Vec<_>>>()?;
        Select::new(self, items, Mode::Rows { outs })
    }

    /// One output row per distinct combination of the key columns `keys`, with the select
    /// list `list` over each group's rows: group keys and aggregates
    /// (`origin, dest, count(*), mean(arr_delay)`). Groups come sorted by the keys (null
    /// first) unless ordered otherwise.
    ///
    /// ```
    /// use blz::{CTable, ColumnBatch, Value};
    /// let mut t = CTable::new();
    /// t.append(vec![
    ///     ColumnBatch::new("k", vec!["b", "a", "b"]),
    ///     ColumnBatch::new("v", vec![1i64, 2, 3]),
    /// ])?;
    /// let r = t.query("true")?.group(&["k"], "k, sum(v) as s")?.order_by("s desc")?.run()?;
    /// assert_eq!(r.rows[0], [Value::Str("b".into()), Value::Int(4)]);
    /// # Ok::<(), blz::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Query::select`]; [`Error::ColumnType`](crate::Error::ColumnType) for a float key; [`Error::Query`](crate::Error::Query) for an
    /// item that is neither a key nor an aggregate.
    pub fn group(self, keys: &[&str], list: &str) -> Result<Select<'t>> {
        let items = parse_select(list)?;
        self.grouped(keys, items)
    }

    /// As [`Query::group`], with a parsed list.
    ///
    /// # Errors
    /// As [`Query::group`].
    pub fn group_items(self, keys: &[&str], items: Vec<SelectItem>) -> Result<Select<'t>> {
        self.grouped(keys, items)
    }

    fn grouped(self, keys: &[&str], items: Vec<SelectItem>) -> Result<Select<'t>> {
        let t = self.table;
        let keys = keys
            .iter()
            .map(|k| key_column(t, k))
            .collect::<Result<Vec<_>>>()?;
        let mut aggs = Vec::new();
        let mut show = Vec::new();
        for i in &items {
            show.push(match &i.item {
                Item::Expr(e) => key_of(t, &keys, e)?.ok_or_else(|| {
                    qerr(
                        e.span(),
                        format!(
                            "{e} is neither a group key nor inside an aggregate; group by it \
                             or aggregate it (count, sum, min, max, mean)"
                        ),
                    )
                })?,
                Item::Agg { .. } => {
                    aggs.push(compile_agg(t, &i.item)?);
                    keys.len() + aggs.len() - 1
                }
            });
        }
        Select::new(self, items, Mode::Groups { keys, aggs, show })
    }
}

/// The index of the group key that expression `e` names, if it is a bare key column.
fn key_of(t: &CTable, keys: &[usize], e: &Expr) -> Result<Option<usize>> {
    let Expr::Column { name, span } = e else {
        return Ok(None);
    };
    let (ci, _) = column(t, name, *span)?;
    Ok(keys.iter().position(|&k| k == ci))
}

/// Whether an expression is a condition (true/false/null) rather than a number or a column.
fn is_condition(e: &Expr) -> bool {
    match e {
        Expr::Binary { op, .. } => op.is_comparison() || matches!(op, BinOp::And | BinOp::Or),
        Expr::Unary { op, .. } => *op == UnOp::Not,
        Expr::Lit { value, .. } => matches!(value, super::Literal::Bool(_)),
        Expr::InList { .. } | Expr::Between { .. } | Expr::Like { .. } | Expr::IsNull { .. } => {
            true
        }
        _ => false,
    }
}

/// Compiles an output expression.
fn compile_out(t: &CTable, e: &Expr) -> Result<Out> {
    if let Expr::Column { name, span } = e {
        return Ok(Out::Col(column(t, name, *span)?.0));
    }
    if is_condition(e) {
        return Ok(Out::Bool(compile_bool(t, e)?));
    }
    Ok(Out::Num(compile_num(t, e)?.0))
}

/// Compiles an aggregate item.
fn compile_agg(t: &CTable, item: &Item) -> Result<AggCol> {
    let Item::Agg {
        func,
        distinct,
        arg,
        span,
    } = item
    else {
        return Err(qerr(item.span(), "expected an aggregate"));
    };
    let text = item.to_string();
    let (arg, ty) = match arg.as_deref() {
        None => (AggArg::Star, ColumnType::Fixed(DType::I64)),
        Some(Expr::Column { name, span }) => {
            let (i, c) = column(t, name, *span)?;
            let ty = c.column_type();
            check_numeric(*func, ty, name).map_err(|_| {
                qerr(
                    *span,
                    format!("{text}: column `{name}` is {ty}; sum and mean need numbers"),
                )
            })?;
            (AggArg::Col(i), ty)
        }
        Some(e) if is_condition(e) => {
            return Err(qerr(
                *span,
                format!(
                    "{text}: aggregates of conditions are not supported; count the rows with \
                     --where (or count(*) with a filter) instead"
                ),
            ));
        }
        Some(e) => {
            let (n, kind) = compile_num(t, e)?;
            let ty = if kind == Kind::Float {
                ColumnType::Fixed(DType::F64)
            } else {
                ColumnType::Fixed(DType::I64)
            };
            (AggArg::Num(n), ty)
        }
    };
    Ok(AggCol {
        agg: *func,
        distinct: *distinct,
        arg,
        ty,
        text,
    })
}

impl<'t> Select<'t> {
    fn new(q: Query<'t>, items: Vec<SelectItem>, mode: Mode) -> Result<Select<'t>> {
        let mut seen = HashSet::new();
        for i in &items {
            if !seen.insert(i.name.as_str()) {
                return Err(qerr(
                    i.item.span(),
                    format!(
                        "two outputs are named {:?}; give one another name with 'as'",
                        i.name
                    ),
                ));
            }
        }
        Ok(Select {
            q,
            names: items.iter().map(|i| i.name.clone()).collect(),
            items,
            mode,
            sort: Vec::new(),
            limit: None,
        })
    }

    /// The output column names.
    #[must_use]
    pub fn columns(&self) -> &[String] {
        &self.names
    }

    /// Keeps at most `n` rows (after ordering).
    #[must_use]
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// Orders the rows: `count(*) desc, dest`, `gain desc nulls first`. An item may be an
    /// output's alias or name, an aggregate as written in the list, a group key, or (for rows)
    /// any expression over the table's columns. Nulls come last in both directions unless
    /// `nulls first`; NaN is above every number; text is in byte (UTF-8) order.
    ///
    /// # Errors
    /// [`Error::Parse`](crate::Error::Parse) for a list that does not parse; [`Error::Query`](crate::Error::Query) (with the place in
    /// `list`) for what cannot be ordered by.
    pub fn order_by(self, list: &str) -> Result<Self> {
        let items = parse_order(list)?;
        self.order_by_items(items)
    }

    /// As [`Select::order_by`], with a parsed list.
    ///
    /// # Errors
    /// As [`Select::order_by`].
    pub fn order_by_items(mut self, items: Vec<OrderItem>) -> Result<Self> {
        let t = self.q.table;
        for o in items {
            let dir = Dir {
                desc: o.desc,
                nulls_first: o.nulls_first,
            };
            let at = self.output_named(&o.item);
            let at = match (&mut self.mode, at) {
                (Mode::Rows { .. }, Some(at)) => at,
                (Mode::Groups { show, .. }, Some(at)) => show[at],
                (Mode::Rows { outs }, None) => {
                    let Item::Expr(e) = &o.item else {
                        return Err(qerr(
                            o.item.span(),
                            format!(
                                "cannot order rows by the aggregate {}; aggregate with \
                                 --agg or --group-by to order by it",
                                o.item
                            ),
                        ));
                    };
                    outs.push(compile_out(t, e)?);
                    outs.len() - 1
                }
                (Mode::Groups { keys, aggs, .. }, None) => match &o.item {
                    Item::Agg { .. } => {
                        aggs.push(compile_agg(t, &o.item)?);
                        keys.len() + aggs.len() - 1
                    }
                    Item::Expr(e) => key_of(t, keys, e)?.ok_or_else(|| {
                        qerr(
                            e.span(),
                            format!(
                                "cannot order groups by {e}: order by a group key, an output \
                                 or an aggregate"
                            ),
                        )
                    })?,
                },
            };
            self.sort.push((at, dir));
        }
        Ok(self)
    }

    /// The output an order-by item names: by alias or name for a bare name, else the same
    /// computation (`avg(x)` finds `mean(x)`).
    fn output_named(&self, item: &Item) -> Option<usize> {
        if let Item::Expr(Expr::Column { name, .. }) = item
            && let Some(at) = self
                .items
                .iter()
                .position(|i| i.alias.as_deref() == Some(name.as_str()))
        {
            return Some(at);
        }
        let canon = item.to_string();
        self.items.iter().position(|i| i.item.to_string() == canon)
    }

    /// Runs the select and collects every row.
    ///
    /// # Errors
    /// Decompression errors; [`Error::Query`](crate::Error::Query) for an integer overflow in an expression.
    pub fn run(&self) -> Result<Rows> {
        let mut rows = Vec::new();
        self.for_each_batch(|b| {
            rows.extend(b);
            Ok(())
        })?;
        Ok(Rows {
            columns: self.names.clone(),
            rows,
        })
    }

    /// Runs the select, handing the rows to `f` in batches as they are made: unordered rows
    /// stream a few chunks at a time, so memory stays bounded whatever the table's size.
    ///
    /// # Errors
    /// As [`Select::run`], and what `f` returns.
    pub fn for_each_batch(&self, mut f: impl FnMut(Vec<Vec<Value>>) -> Result<()>) -> Result<()> {
        match &self.mode {
            Mode::Rows { outs } if self.sort.is_empty() => self.stream_rows(outs, f),
            Mode::Rows { outs } => f(self.sorted_rows(outs)?),
            Mode::Groups { keys, aggs, show } => f(self.groups(keys, aggs, show)?),
        }
    }

    /// Unordered rows, a few chunks at a time.
    fn stream_rows(
        &self,
        outs: &[Out],
        mut f: impl FnMut(Vec<Vec<Value>>) -> Result<()>,
    ) -> Result<()> {
        let n = self.names.len();
        let nc = self.q.nchunks();
        let step = rayon::current_num_threads().max(1) * 4;
        let mut left = self.limit.unwrap_or(usize::MAX);
        let mut c = 0;
        while c < nc && left > 0 {
            let end = (c + step).min(nc);
            let parts = self.q.per_chunk(c..end, |ctx, m| {
                let idx: Vec<usize> = (0..ctx.n).filter(|&i| m.selected(i)).collect();
                if idx.is_empty() {
                    return Ok(Vec::new());
                }
                let vals = outs[..n]
                    .iter()
                    .map(|o| out_values(ctx, o))
                    .collect::<Result<Vec<_>>>()?;
                Ok(idx
                    .iter()
                    .map(|&i| vals.iter().map(|v| value_at(ctx, v, i)).collect())
                    .collect::<Vec<Vec<Value>>>())
            })?;
            for mut p in parts {
                if left == 0 {
                    break;
                }
                p.truncate(left);
                left -= p.len();
                if !p.is_empty() {
                    f(p)?;
                }
            }
            c = end;
        }
        Ok(())
    }

    /// Ordered rows: each chunk's best `limit` rows with their sort keys, merged and sorted.
    fn sorted_rows(&self, outs: &[Out]) -> Result<Vec<Vec<Value>>> {
        let n = self.names.len();
        let dirs: Vec<Dir> = self.sort.iter().map(|s| s.1).collect();
        // Ties keep the table's row order.
        let cmp = |a: &Cand, b: &Cand| keys_cmp(&a.0, &b.0, &dirs).then(a.1.cmp(&b.1));
        let parts = self.q.per_chunk(0..self.q.nchunks(), |ctx, m| {
            let idx: Vec<usize> = (0..ctx.n).filter(|&i| m.selected(i)).collect();
            if idx.is_empty() {
                return Ok(Vec::new());
            }
            let keyv = self
                .sort
                .iter()
                .map(|&(o, _)| out_values(ctx, &outs[o]))
                .collect::<Result<Vec<_>>>()?;
            // Keys in one flat vector (no allocation per row); the chunk's best rows are
            // chosen by index, and only they get their outputs.
            let nk = keyv.len();
            let mut flat: Vec<Value> = Vec::with_capacity(idx.len() * nk);
            for &i in &idx {
                flat.extend(keyv.iter().map(|v| value_at(ctx, v, i)));
            }
            let key = |j: usize| &flat[j * nk..(j + 1) * nk];
            let mut best: Vec<usize> = (0..idx.len()).collect();
            sort_top(&mut best, self.limit, |&a, &b| {
                keys_cmp(key(a), key(b), &dirs).then(a.cmp(&b))
            });
            let vals = outs[..n]
                .iter()
                .map(|o| out_values(ctx, o))
                .collect::<Result<Vec<_>>>()?;
            Ok(best
                .into_iter()
                .map(|j| {
                    let i = idx[j];
                    let out = vals.iter().map(|v| value_at(ctx, v, i)).collect();
                    (key(j).to_vec(), ctx.start + i, out)
                })
                .collect::<Vec<Cand>>())
        })?;
        let mut all: Vec<Cand> = parts.into_iter().flatten().collect();
        sort_top(&mut all, self.limit, cmp);
        Ok(all.into_iter().map(|c| c.2).collect())
    }

    /// Aggregate rows: one, or one per group; ordered, limited, then the shown columns.
    fn groups(&self, keys: &[usize], aggs: &[AggCol], show: &[usize]) -> Result<Vec<Vec<Value>>> {
        let mut rows: Vec<(usize, Vec<Value>)> = if keys.is_empty() {
            vec![(0, self.q.run_aggs(aggs)?)]
        } else {
            self.q
                .run_groups(keys, aggs)?
                .into_iter()
                .enumerate()
                .map(|(i, (mut k, v))| {
                    k.extend(v);
                    (i, k)
                })
                .collect()
        };
        if !self.sort.is_empty() {
            let dirs: Vec<Dir> = self.sort.iter().map(|s| s.1).collect();
            let key = |r: &[Value]| -> Vec<Value> {
                self.sort.iter().map(|&(at, _)| r[at].clone()).collect()
            };
            let mut keyed: Vec<(Vec<Value>, usize, Vec<Value>)> =
                rows.into_iter().map(|(i, r)| (key(&r), i, r)).collect();
            // Ties keep the key order.
            sort_top(&mut keyed, self.limit, |a, b| {
                keys_cmp(&a.0, &b.0, &dirs).then(a.1.cmp(&b.1))
            });
            rows = keyed.into_iter().map(|(_, i, r)| (i, r)).collect();
        }
        if let Some(l) = self.limit {
            rows.truncate(l);
        }
        Ok(rows
            .into_iter()
            .map(|(_, r)| show.iter().map(|&at| r[at].clone()).collect())
            .collect())
    }
}

/// A candidate row of an ordered select: sort keys, row number, output values.
type Cand = (Vec<Value>, usize, Vec<Value>);

/// An output's values over one chunk.
enum OutV {
    /// Read from the chunk's decoded column (loaded, with its validity).
    Col(usize),
    Num(NumV, Option<Vec<bool>>),
    Bool(Mask),
}

fn out_values(ctx: &mut Ctx<'_>, o: &Out) -> Result<OutV> {
    Ok(match o {
        Out::Col(ci) => {
            ctx.buf(*ci)?;
            ctx.validity(*ci)?;
            OutV::Col(*ci)
        }
        Out::Num(e) => {
            let (v, known) = num(ctx, e)?;
            OutV::Num(v, known)
        }
        Out::Bool(node) => OutV::Bool(eval(ctx, node, ctx.c)?),
    })
}

/// Row `i` of an output's values over a chunk.
fn value_at(ctx: &Ctx<'_>, v: &OutV, i: usize) -> Value {
    match v {
        OutV::Num(_, Some(k)) | OutV::Bool(Mask { known: Some(k), .. }) if !k[i] => Value::Null,
        OutV::Num(NumV::I(xs), _) => i64::try_from(xs[i]).map_or(Value::BigInt(xs[i]), Value::Int),
        OutV::Num(NumV::F(xs), _) => Value::Float(xs[i]),
        OutV::Bool(m) => Value::Bool(m.val[i]),
        OutV::Col(ci) => {
            if ctx
                .valid
                .get(ci)
                .and_then(Option::as_ref)
                .is_some_and(|v| !v[i])
            {
                return Value::Null;
            }
            let Some(b) = ctx.cols.get(ci) else {
                return Value::Null;
            };
            match b {
                Buf::Bool(x) => Value::Bool(x[i]),
                Buf::I8(x) => Value::Int(x[i].into()),
                Buf::I16(x) => Value::Int(x[i].into()),
                Buf::I32(x) => Value::Int(x[i].into()),
                Buf::I64(x) => Value::Int(x[i]),
                Buf::U8(x) => Value::UInt(x[i].into()),
                Buf::U16(x) => Value::UInt(x[i].into()),
                Buf::U32(x) => Value::UInt(x[i].into()),
                Buf::U64(x) => Value::UInt(x[i]),
                Buf::F32(x) => Value::Float(x[i].into()),
                Buf::F64(x) => Value::Float(x[i]),
                Buf::Ts(x) => match ctx.t.columns[*ci].column_type() {
                    ColumnType::Fixed(DType::Timestamp(u)) => Value::Timestamp(x[i].0, u),
                    _ => Value::Int(x[i].0),
                },
                Buf::Codes(x) => super::aggregate::dict_values(ctx.t, *ci)
                    .get(x[i] as usize)
                    .map_or(Value::Null, |s| Value::Str(s.clone())),
                Buf::Text(x) => Value::Str(x[i].clone()),
            }
        }
    }
}

impl std::fmt::Debug for Select<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("columns", &self.names)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}
