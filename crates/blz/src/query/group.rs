//! Group-by: one slot per distinct key within a chunk, merged across chunks.

use std::collections::HashMap;

use super::aggregate::{Acc, Agg, dict_values};
use super::eval::Query;
use super::kernel::{Buf, Widen, any_true, on_buf};
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
            for (a, col) in cols.iter().enumerate() {
                let mm = matches!(aggs[a].0, Agg::Min | Agg::Max);
                let Some(ci) = col.col else {
                    // count(*): the selected rows of each group, null keys included.
                    for i in (0..ctx.n).filter(|&i| sel[i]) {
                        accs[row_slot[i]][a].count += 1;
                    }
                    continue;
                };
                let valid = ctx.validity(ci)?.cloned();
                let ok = |i: usize| valid.as_ref().is_none_or(|v| v[i]);
                if col.ty == ColumnType::Utf8 {
                    let values = dict_values(ctx.t, ci);
                    let rows = (0..ctx.n).filter(|&i| sel[i] && ok(i));
                    match ctx.buf(ci)? {
                        Buf::Codes(codes) => {
                            for i in rows {
                                let acc = &mut accs[row_slot[i]][a];
                                acc.count += 1;
                                if mm && let Some(v) = values.get(codes[i] as usize) {
                                    acc.text_minmax(v);
                                }
                            }
                        }
                        Buf::Text(strs) => {
                            for i in rows {
                                let acc = &mut accs[row_slot[i]][a];
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
                    t.merge_from(a);
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
                    .map(|((a, col), &(agg, _))| a.result(agg, col.ty))
                    .collect();
                (kv, vals)
            })
            .collect())
    }
}
