//! Group-by: one slot per distinct key within a chunk, merged across chunks.

use std::collections::HashMap;

use super::aggregate::{Acc, Agg, AggArg, AggCol, DKey, agg_of_column, dict_values, finish};
use super::eval::Query;
use super::kernel::{Buf, Ctx, NumV, Widen, any_true, num, on_buf};
use crate::ctable::{ColumnType, Data, StrData, Value};
use crate::dtype::DType;
use crate::error::{Error, Result};

/// A `u64` group key as an `i64` in the same order (the top bit flipped).
pub(super) fn u64_key(x: u64) -> i64 {
    (x ^ (1 << 63)).cast_signed()
}

/// The `u64` of a key made by [`u64_key`].
pub(super) fn u64_of_key(k: i64) -> u64 {
    k.cast_unsigned() ^ (1 << 63)
}

/// Grouping key of one row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Key {
    Null,
    Int(i64),
    Str(String),
}

impl<'t> Query<'t> {
    /// Groups the matching rows by an integer, bool, timestamp or text column and computes the
    /// aggregates per group; groups sorted by key (null first).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::ColumnType`] for a float key; decompression errors.
    pub fn group_by(&self, key: &str, aggs: &[(Agg, &str)]) -> Result<Vec<(Value, Vec<Value>)>> {
        Ok(self
            .group_by_keys(&[key], aggs)?
            .into_iter()
            .map(|(mut k, v)| (k.pop().unwrap_or(Value::Null), v))
            .collect())
    }

    /// Groups the matching rows by one or more columns (integer, bool, timestamp or text) and
    /// computes the aggregates per group: one row per distinct combination of the keys, sorted
    /// by the keys in order (null first in each).
    ///
    /// ```
    /// use blz::{Agg, CTable, ColumnBatch, Value};
    /// let mut t = CTable::new();
    /// t.append(vec![
    ///     ColumnBatch::new("a", vec![1i64, 1, 2, 1]),
    ///     ColumnBatch::new("b", vec!["x", "y", "x", "x"]),
    /// ])?;
    /// let g = t.query("true")?.group_by_keys(&["a", "b"], &[(Agg::Count, "*")])?;
    /// assert_eq!(g.len(), 3);
    /// assert_eq!(g[0], (vec![Value::Int(1), Value::Str("x".into())], vec![Value::Int(2)]));
    /// # Ok::<(), blz::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::ColumnType`] for a float key; decompression errors.
    pub fn group_by_keys(
        &self,
        keys: &[&str],
        aggs: &[(Agg, &str)],
    ) -> Result<Vec<(Vec<Value>, Vec<Value>)>> {
        let ki = keys
            .iter()
            .map(|k| key_column(self.table, k))
            .collect::<Result<Vec<_>>>()?;
        let cols = aggs
            .iter()
            .map(|&(agg, name)| agg_of_column(self.table, agg, name))
            .collect::<Result<Vec<_>>>()?;
        self.run_groups(&ki, &cols)
    }

    /// Runs compiled aggregates per group of the key columns `keys`.
    pub(super) fn run_groups(
        &self,
        keys: &[usize],
        cols: &[AggCol],
    ) -> Result<Vec<(Vec<Value>, Vec<Value>)>> {
        let parts = self.per_chunk_sel(0..self.nchunks(), |ctx, m| {
            let sel: Option<Vec<bool>> = match m {
                None => None,
                Some(m) => Some((0..ctx.n).map(|i| m.selected(i)).collect()),
            };
            if sel.as_ref().is_some_and(|s| !any_true(s)) {
                return Ok(Vec::new());
            }
            let (slot_keys, row_slot) = chunk_slots(ctx, keys, sel.as_deref())?;
            let accs = slot_accs(ctx, cols, &row_slot, slot_keys.len())?;
            Ok(slot_keys.into_iter().zip(accs).collect::<Vec<_>>())
        })?;
        let mut total: HashMap<Vec<Key>, Vec<Acc>> = HashMap::new();
        for p in parts {
            for (k, accs) in p {
                match total.get_mut(&k) {
                    Some(e) => {
                        for (t, a) in e.iter_mut().zip(accs) {
                            t.merge_from(a);
                        }
                    }
                    None => {
                        total.insert(k, accs);
                    }
                }
            }
        }
        let mut groups: Vec<(Vec<Key>, Vec<Acc>)> = total.into_iter().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let ktys: Vec<ColumnType> = keys
            .iter()
            .map(|&k| self.table.columns[k].column_type())
            .collect();
        groups
            .into_iter()
            .map(|(k, accs)| {
                let kv = k
                    .into_iter()
                    .zip(&ktys)
                    .map(|(k, &ty)| key_value(k, ty))
                    .collect();
                let vals = accs
                    .iter()
                    .zip(cols)
                    .map(|(a, col)| finish(a, col))
                    .collect::<Result<Vec<_>>>()?;
                Ok((kv, vals))
            })
            .collect()
    }
}

/// The index of a key column, refusing floats.
pub(super) fn key_column(t: &crate::CTable, key: &str) -> Result<usize> {
    let ki = t.col_index(key)?;
    let ty = t.columns[ki].column_type();
    if matches!(ty, ColumnType::Fixed(DType::F32 | DType::F64)) {
        return Err(Error::ColumnType {
            column: key.to_owned(),
            expected: "an integer, bool, timestamp or text key".into(),
            got: ty.to_string(),
        });
    }
    Ok(ki)
}

/// A key as the value of its column's type.
fn key_value(k: Key, ty: ColumnType) -> Value {
    match k {
        Key::Null => Value::Null,
        Key::Str(s) => Value::Str(s),
        Key::Int(i) => match ty {
            ColumnType::Fixed(DType::Timestamp(u)) => Value::Timestamp(i, u),
            ColumnType::Fixed(DType::Bool) => Value::Bool(i != 0),
            ColumnType::Fixed(DType::U64) => Value::UInt(u64_of_key(i)),
            ColumnType::Fixed(DType::U32 | DType::U16 | DType::U8) => {
                Value::UInt(u64::try_from(i).unwrap_or(0))
            }
            _ => Value::Int(i),
        },
    }
}

/// No slot: a row that is not selected.
const NO_SLOT: u32 = u32::MAX;

/// The groups of one chunk: each slot's key values, and each row's slot ([`NO_SLOT`] for rows
/// not selected). One key is one pass; more keys combine the slots of each, pairwise.
fn chunk_slots(
    ctx: &mut Ctx<'_>,
    keys: &[usize],
    sel: Option<&[bool]>,
) -> Result<(Vec<Vec<Key>>, Vec<u32>)> {
    let (first, mut row_slot) = key_slots(ctx, keys[0], sel)?;
    let mut slot_keys: Vec<Vec<Key>> = first.into_iter().map(|k| vec![k]).collect();
    for &k in &keys[1..] {
        let (next, next_slot) = key_slots(ctx, k, sel)?;
        let (n1, n2) = (slot_keys.len(), next.len());
        let mut combined: Vec<Vec<Key>> = Vec::new();
        let mut dense: Vec<u32> = if n1 * n2 <= 1 << 20 {
            vec![NO_SLOT; n1 * n2]
        } else {
            Vec::new()
        };
        let mut sparse: HashMap<(u32, u32), u32> = HashMap::new();
        for (s, &t) in row_slot.iter_mut().zip(&next_slot) {
            if *s == NO_SLOT {
                continue;
            }
            let new = |combined: &mut Vec<Vec<Key>>| {
                let mut key = slot_keys[*s as usize].clone();
                key.push(next[t as usize].clone());
                combined.push(key);
                u32::try_from(combined.len() - 1).unwrap_or(NO_SLOT)
            };
            *s = if dense.is_empty() {
                *sparse.entry((*s, t)).or_insert_with(|| new(&mut combined))
            } else {
                let d = &mut dense[*s as usize * n2 + t as usize];
                if *d == NO_SLOT {
                    *d = new(&mut combined);
                }
                *d
            };
        }
        slot_keys = combined;
    }
    Ok((slot_keys, row_slot))
}

/// The distinct values of key column `ki` among the selected rows of a chunk, and each row's
/// slot: dictionary codes map straight to slots, small integer ranges through a table, the
/// rest through a hash map.
fn key_slots(ctx: &mut Ctx<'_>, ki: usize, sel: Option<&[bool]>) -> Result<(Vec<Key>, Vec<u32>)> {
    let kvalid = ctx.validity(ki)?.cloned();
    let nrows = ctx.n;
    let t = ctx.t;
    let b = ctx.buf(ki)?;
    let mut slot_keys: Vec<Key> = Vec::new();
    let mut row_slot: Vec<u32> = vec![NO_SLOT; nrows];
    let null_ok = |i: usize| kvalid.as_ref().is_none_or(|v| v[i]);
    let selected = |i: usize| sel.is_none_or(|s| s[i]);
    let mut null_slot = None;
    let mut null_of = |slot_keys: &mut Vec<Key>| {
        *null_slot.get_or_insert_with(|| {
            slot_keys.push(Key::Null);
            slot_of(slot_keys.len() - 1)
        })
    };
    match b {
        Buf::Codes(codes) => {
            let Data::Utf8(StrData::Dict { values, .. }) = &t.columns[ki].data else {
                return Ok((slot_keys, row_slot));
            };
            let mut by_code: Vec<u32> = vec![NO_SLOT; values.len()];
            for i in (0..nrows).filter(|&i| selected(i)) {
                row_slot[i] = if null_ok(i) {
                    let c = codes[i] as usize;
                    let Some(slot) = by_code.get_mut(c) else {
                        continue;
                    };
                    if *slot == NO_SLOT {
                        slot_keys.push(Key::Str(values[c].clone()));
                        *slot = slot_of(slot_keys.len() - 1);
                    }
                    *slot
                } else {
                    null_of(&mut slot_keys)
                };
            }
        }
        Buf::Text(strs) => {
            let mut by_str: HashMap<&str, u32> = HashMap::new();
            for i in (0..nrows).filter(|&i| selected(i)) {
                row_slot[i] = if null_ok(i) {
                    *by_str.entry(strs[i].as_str()).or_insert_with(|| {
                        slot_keys.push(Key::Str(strs[i].clone()));
                        slot_of(slot_keys.len() - 1)
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
            let mut by_off: Vec<u32> = if dense {
                vec![NO_SLOT; usize::try_from(hi.abs_diff(lo)).unwrap_or(0) + 1]
            } else {
                Vec::new()
            };
            if dense && sel.is_none() && kvalid.is_none() {
                // Every row, no nulls, a small range: one table lookup per row.
                for (slot, &k) in row_slot.iter_mut().zip(&ks) {
                    let o = usize::try_from(k.abs_diff(lo)).unwrap_or(0);
                    if by_off[o] == NO_SLOT {
                        slot_keys.push(Key::Int(k));
                        by_off[o] = slot_of(slot_keys.len() - 1);
                    }
                    *slot = by_off[o];
                }
                return Ok((slot_keys, row_slot));
            }
            let mut by_key: HashMap<i64, u32> = HashMap::new();
            for i in (0..nrows).filter(|&i| selected(i)) {
                row_slot[i] = if !null_ok(i) {
                    null_of(&mut slot_keys)
                } else if dense {
                    let o = usize::try_from(ks[i].abs_diff(lo)).unwrap_or(0);
                    if by_off[o] == NO_SLOT {
                        slot_keys.push(Key::Int(ks[i]));
                        by_off[o] = slot_of(slot_keys.len() - 1);
                    }
                    by_off[o]
                } else {
                    *by_key.entry(ks[i]).or_insert_with(|| {
                        slot_keys.push(Key::Int(ks[i]));
                        slot_of(slot_keys.len() - 1)
                    })
                };
            }
        }
    }
    Ok((slot_keys, row_slot))
}

/// The rows with a slot that `keep` keeps.
fn rows_of<'a>(
    row_slot: &'a [u32],
    keep: &'a impl Fn(usize) -> bool,
) -> impl Iterator<Item = usize> + 'a {
    (0..row_slot.len()).filter(move |&i| row_slot[i] != NO_SLOT && keep(i))
}

/// A slot number (a chunk holds fewer than 2^32 rows, so fewer slots).
fn slot_of(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NO_SLOT)
}

/// The accumulators of every aggregate for each of `nslots` slots of one chunk.
fn slot_accs(
    ctx: &mut Ctx<'_>,
    cols: &[AggCol],
    row_slot: &[u32],
    nslots: usize,
) -> Result<Vec<Vec<Acc>>> {
    let mut accs = vec![vec![Acc::default(); cols.len()]; nslots];
    for (a, col) in cols.iter().enumerate() {
        let mm = col.minmax();
        let ci = match &col.arg {
            AggArg::Star => {
                // count(*): the selected rows of each group, null keys included.
                for &s in row_slot.iter().filter(|&&s| s != NO_SLOT) {
                    accs[s as usize][a].count += 1;
                }
                continue;
            }
            AggArg::Num(e) => {
                let (v, known) = num(ctx, e)?;
                let ok = |i: usize| known.as_ref().is_none_or(|k| k[i]);
                match &v {
                    NumV::I(xs) => {
                        for i in rows_of(row_slot, &ok) {
                            let acc = &mut accs[row_slot[i] as usize][a];
                            if col.distinct {
                                acc.insert_distinct(DKey::I(xs[i]));
                            } else {
                                acc.add_int(xs[i], mm);
                            }
                        }
                    }
                    NumV::F(xs) => {
                        for i in rows_of(row_slot, &ok) {
                            let acc = &mut accs[row_slot[i] as usize][a];
                            if col.distinct {
                                acc.insert_distinct(DKey::float(xs[i]));
                            } else {
                                acc.add(xs[i], mm);
                            }
                        }
                    }
                }
                continue;
            }
            AggArg::Col(ci) => *ci,
        };
        let valid = ctx.validity(ci)?.cloned();
        let ok = |i: usize| valid.as_ref().is_none_or(|v| v[i]);
        let values = dict_values(ctx.t, ci);
        let b = ctx.buf(ci)?;
        if col.distinct {
            fn go<T: Widen>(
                xs: &[T],
                rows: impl Iterator<Item = usize>,
                row_slot: &[u32],
                accs: &mut [Vec<Acc>],
                a: usize,
            ) {
                for i in rows {
                    accs[row_slot[i] as usize][a].insert_distinct(DKey::of(xs[i]));
                }
            }
            let rows = rows_of(row_slot, &ok);
            on_buf!(
                b,
                |xs| go(xs, rows, row_slot, &mut accs, a),
                |codes| for i in rows {
                    if let Some(v) = values.get(codes[i] as usize) {
                        accs[row_slot[i] as usize][a].insert_distinct(DKey::S(v.clone()));
                    }
                },
                |strs| for i in rows {
                    accs[row_slot[i] as usize][a].insert_distinct(DKey::S(strs[i].clone()));
                }
            );
            continue;
        }
        if col.ty == ColumnType::Utf8 {
            let rows = rows_of(row_slot, &ok);
            match b {
                Buf::Codes(codes) => {
                    for i in rows {
                        let acc = &mut accs[row_slot[i] as usize][a];
                        acc.count += 1;
                        if mm && let Some(v) = values.get(codes[i] as usize) {
                            acc.text_minmax(v);
                        }
                    }
                }
                Buf::Text(strs) => {
                    for i in rows {
                        let acc = &mut accs[row_slot[i] as usize][a];
                        acc.count += 1;
                        if mm {
                            acc.text_minmax(&strs[i]);
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if !mm && valid.is_none() {
            // Count, sum and mean without nulls: flat per-slot sums, one tight loop.
            on_buf!(
                b,
                |xs| add_flat(xs, row_slot, &mut accs, a),
                |_c| {},
                |_s| {}
            );
            continue;
        }
        fn add_rows<T: Widen>(
            xs: &[T],
            rows: impl Iterator<Item = usize>,
            row_slot: &[u32],
            accs: &mut [Vec<Acc>],
            a: usize,
            minmax: bool,
        ) {
            for i in rows {
                accs[row_slot[i] as usize][a].add(xs[i], minmax);
            }
        }
        let rows = rows_of(row_slot, &ok);
        on_buf!(
            b,
            |xs| add_rows(xs, rows, row_slot, &mut accs, a, mm),
            |_c| {},
            |_s| {}
        );
    }
    Ok(accs)
}

/// Count and sum of every row with a slot into flat per-slot arrays, then into the slots'
/// accumulators: the loop touches two small arrays instead of a wide accumulator per row.
fn add_flat<T: Widen>(xs: &[T], row_slot: &[u32], accs: &mut [Vec<Acc>], a: usize) {
    let n = accs.len();
    let mut count = vec![0u64; n];
    if T::FLOAT {
        let mut sum = vec![0f64; n];
        for (&x, &s) in xs.iter().zip(row_slot) {
            if let (Some(c), Some(t)) = (count.get_mut(s as usize), sum.get_mut(s as usize)) {
                *c += 1;
                *t += x.wf();
            }
        }
        for ((acc, c), t) in accs.iter_mut().zip(count).zip(sum) {
            acc[a].count += c;
            acc[a].fsum += t;
        }
    } else {
        let mut sum = vec![0i128; n];
        for (&x, &s) in xs.iter().zip(row_slot) {
            if let (Some(c), Some(t)) = (count.get_mut(s as usize), sum.get_mut(s as usize)) {
                *c += 1;
                *t += x.wide();
            }
        }
        for ((acc, c), t) in accs.iter_mut().zip(count).zip(sum) {
            acc[a].count += c;
            acc[a].isum += t;
        }
    }
}
