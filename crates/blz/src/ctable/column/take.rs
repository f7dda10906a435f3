//! Gathering a column's cells at given rows in batches: each block of the data, the validity
//! and the text is decoded once per call or run, never once per row (issue 17: printing or
//! exporting a nullable column's rows was ~100x slower than a whole-table export).

use super::{Column, Data, StrData, Values};
use crate::carray::CArray;
use crate::error::{Error, Result};

impl Column {
    /// The cells at rows `idx` (any order, repeats allowed) as a batch for
    /// [`CTable::append`](crate::CTable::append): the data and the validity are gathered with
    /// [`CArray::take`], which decodes each block they touch once, and plain text is read in
    /// runs (one decode of its offsets and bytes per run of nearby rows), never a decode per
    /// row.
    pub(crate) fn take(&self, idx: &[usize]) -> Result<crate::ctable::ColumnBatch> {
        if let Some(&bad) = idx.iter().find(|&&i| i >= self.len) {
            return Err(Error::IndexOutOfBounds {
                index: bad,
                len: self.len,
            });
        }
        let validity = match &self.validity {
            Some(v) => Some(v.take(idx)?),
            None => None,
        };
        let values = match &self.data {
            Data::Bool(a) => Values::Bool(a.take(idx)?),
            Data::I8(a) => Values::I8(a.take(idx)?),
            Data::I16(a) => Values::I16(a.take(idx)?),
            Data::I32(a) => Values::I32(a.take(idx)?),
            Data::I64(a) => Values::I64(a.take(idx)?),
            Data::U8(a) => Values::U8(a.take(idx)?),
            Data::U16(a) => Values::U16(a.take(idx)?),
            Data::U32(a) => Values::U32(a.take(idx)?),
            Data::U64(a) => Values::U64(a.take(idx)?),
            Data::F32(a) => Values::F32(a.take(idx)?),
            Data::F64(a) => Values::F64(a.take(idx)?),
            Data::Timestamp(a, u) => Values::Timestamp(a.take(idx)?, *u),
            Data::Utf8(s) => Values::Utf8(take_strings(s, idx)?),
        };
        Ok(crate::ctable::ColumnBatch {
            name: self.name.clone(),
            values,
            validity,
        })
    }
}

/// Rows of plain text read in one run at most this many rows apart (bounds the bytes decoded
/// for scattered indices).
const TEXT_RUN: usize = 1 << 16;

/// The strings at rows `idx` (in bounds, any order), each block of codes, offsets or bytes
/// decoded once per run rather than once per row.
pub(crate) fn take_strings(s: &StrData, idx: &[usize]) -> Result<Vec<String>> {
    match s {
        StrData::Dict { values, codes, .. } => codes
            .take(idx)?
            .into_iter()
            .enumerate()
            .map(|(k, c)| {
                usize::try_from(c)
                    .ok()
                    .and_then(|c| values.get(c))
                    .cloned()
                    .ok_or(Error::CorruptChunk {
                        chunk: idx[k] / codes.chunklen().max(1),
                        reason: "dictionary code out of range",
                    })
            })
            .collect(),
        StrData::Plain { ends, bytes } => {
            let mut out = Vec::with_capacity(idx.len());
            let mut s = 0;
            while s < idx.len() {
                // A run: ascending rows spanning fewer than TEXT_RUN rows.
                let mut e = s + 1;
                while e < idx.len() && idx[e] >= idx[e - 1] && idx[e] - idx[s] < TEXT_RUN {
                    e += 1;
                }
                plain_run(ends, bytes, &idx[s..e], &mut out)?;
                s = e;
            }
            Ok(out)
        }
    }
}

/// The strings at rows `idx` (ascending, in bounds) of plain text: one slice of the offsets and
/// one of the bytes they span.
fn plain_run(
    ends: &CArray<u64>,
    bytes: &CArray<u8>,
    idx: &[usize],
    out: &mut Vec<String>,
) -> Result<()> {
    let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
        return Ok(());
    };
    let corrupt = |reason| Error::CorruptChunk {
        chunk: first / ends.chunklen().max(1),
        reason,
    };
    let lo = first.saturating_sub(1);
    let e = ends.slice(lo..last + 1)?;
    let start_of = |i: usize| if i == 0 { 0 } else { e[i - 1 - lo] };
    let (base, top) = (start_of(first), e[last - lo]);
    let (Ok(b0), Ok(b1)) = (usize::try_from(base), usize::try_from(top)) else {
        return Err(corrupt("text offsets out of range"));
    };
    if b0 > b1 || b1 > bytes.len() {
        return Err(corrupt("text offsets out of range"));
    }
    let raw = bytes.slice(b0..b1)?;
    for &i in idx {
        let (s, t) = (start_of(i), e[i - lo]);
        let piece = (s >= base && s <= t && t <= top)
            .then(|| raw.get(usize::try_from(s - base).ok()?..usize::try_from(t - base).ok()?))
            .flatten()
            .ok_or_else(|| corrupt("text offsets out of order"))?;
        let text = std::str::from_utf8(piece).map_err(|_| corrupt("text is not UTF-8"))?;
        out.push(text.to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carray::CArrayOptions;
    use crate::ctable::column::MAX_DICT;
    use crate::ctable::{CTable, Value};

    /// A table of a nullable i64, a nullable bool and a text column (plain storage when
    /// `plain`: more distinct values than a dictionary holds), in chunks of 1000 rows.
    fn table(n: usize, plain: bool) -> CTable {
        let mut t = CTable::with_options(CArrayOptions::default().with_chunklen(1000)).unwrap();
        let x: Vec<i64> = (0..n as i64).collect();
        let b: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
        let s: Vec<String> = (0..n)
            .map(|i| {
                if plain {
                    format!("é{i}")
                } else {
                    format!("k{}", i % 7)
                }
            })
            .collect();
        let valid: Vec<bool> = (0..n).map(|i| i % 5 != 2).collect();
        t.append(vec![
            crate::ctable::ColumnBatch::new("x", x).with_validity(valid.clone()),
            crate::ctable::ColumnBatch::new("b", b).with_validity(valid.clone()),
            crate::ctable::ColumnBatch::new("s", s).with_validity(valid),
        ])
        .unwrap();
        t
    }

    /// `Column::take` (every row of a chunk, so each block is gathered in one pass; scattered
    /// rows; repeats; descending rows) gives the cells `Column::value` reads one at a time.
    #[test]
    fn take_equals_value_per_row() {
        for (n, plain) in [(4500, false), (MAX_DICT + 2500, true)] {
            let t = table(n, plain);
            assert_eq!(
                matches!(&t.columns[2].data, Data::Utf8(StrData::Plain { .. })),
                plain
            );
            let orders: Vec<Vec<usize>> = vec![
                (0..n).collect(),
                (0..n).step_by(7).collect(),
                vec![n - 1, 3, 3, 0, 1999, 1000, 999, n - 1],
                (0..n).rev().step_by(3).collect(),
                vec![],
            ];
            for idx in &orders {
                for c in &t.columns {
                    let got = c.take(idx).unwrap();
                    let want: Vec<Value> = idx.iter().map(|&i| c.value(i).unwrap()).collect();
                    let valid = got.validity.clone();
                    let cells: Vec<Value> = (0..idx.len())
                        .map(|k| {
                            if valid.as_ref().is_some_and(|v| !v[k]) {
                                return Value::Null;
                            }
                            match &got.values {
                                Values::I64(v) => Value::Int(v[k]),
                                Values::Bool(v) => Value::Bool(v[k]),
                                Values::Utf8(v) => Value::Str(v[k].clone()),
                                other => panic!("unexpected values {other:?}"),
                            }
                        })
                        .collect();
                    assert_eq!(
                        cells,
                        want,
                        "column {} rows {:?}",
                        c.name,
                        &idx[..idx.len().min(8)]
                    );
                }
            }
        }
    }

    #[test]
    fn take_out_of_bounds_is_error() {
        let t = table(10, false);
        for c in &t.columns {
            assert!(matches!(
                c.take(&[0, 10]),
                Err(Error::IndexOutOfBounds { index: 10, len: 10 })
            ));
        }
    }

    /// `take_rows` keeps the nulls of every column (the validity gathered with the values).
    #[test]
    fn take_rows_keeps_nulls() {
        let t = table(3000, false);
        let idx: Vec<usize> = (0..3000).filter(|i| i % 4 != 1).collect();
        let f = t.take_rows(&idx).unwrap();
        assert_eq!(f.len(), idx.len());
        for (k, &i) in idx.iter().enumerate() {
            assert_eq!(f.row(k).unwrap(), t.row(i).unwrap(), "row {i}");
        }
    }
}
