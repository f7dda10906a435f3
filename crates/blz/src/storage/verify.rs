//! `blz::verify`: every chunk, tail and dictionary of a table on disk, checked.

use std::path::Path;

use super::array::Persist;
use super::manifest::Num;
use super::table::DiskTable;
use super::{OpenMode, VerifyReport};
use crate::cache::ChunkCache;
use crate::carray::CArray;
use crate::ctable::{Data, StrData};
use crate::error::Result;

/// Whether two sums agree: integers exactly, floats to the last bits a different association
/// of the additions may change (NaN equals NaN).
fn same_sum(a: Num, b: Num) -> bool {
    match (a.as_f64(), b.as_f64()) {
        _ if a == b => true,
        (Some(x), Some(y)) if is_float(a) || is_float(b) => {
            (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        _ => false,
    }
}

fn is_float(n: Num) -> bool {
    matches!(n, Num::F(_) | Num::NonFinite(_))
}

/// Every end offset of a text column: non-decreasing, the last one the length of the bytes.
fn check_offsets(ends: &CArray<u64>, nbytes: usize, name: &str, r: &mut VerifyReport) {
    let step = ends.chunklen().max(1);
    let mut prev = 0u64;
    let mut at = 0;
    while at < ends.len() {
        let to = (at + step).min(ends.len());
        let Ok(xs) = ends.slice(at..to) else {
            // The chunk's own problem is reported already.
            return;
        };
        if let Some(k) = xs.iter().enumerate().position(|(k, &e)| {
            let before = if k == 0 { prev } else { xs[k - 1] };
            e < before
        }) {
            r.problems.push(format!(
                "column {name:?} (ends): text offsets out of order at row {}",
                at + k
            ));
            return;
        }
        prev = xs.last().copied().unwrap_or(prev);
        at = to;
    }
    if prev != nbytes as u64 {
        r.problems.push(format!(
            "column {name:?} (ends): the last text offset is {prev}, the text holds {nbytes} bytes"
        ));
    }
}

/// See [`super::verify`].
pub(crate) fn verify(dir: &Path) -> Result<VerifyReport> {
    let cache = ChunkCache::new(64 << 20)?;
    let t = DiskTable::open_with_cache(dir, OpenMode::ReadOnly, cache)?.into_table();
    let mut r = VerifyReport {
        rows: t.len as u64,
        columns: t.columns.len(),
        ..VerifyReport::default()
    };
    fn check<T: Persist>(a: &CArray<T>, name: &str, part: &str, r: &mut VerifyReport) {
        let mut buf = vec![T::default(); a.chunklen()];
        for c in 0..a.chunks.len() {
            r.chunks += 1;
            r.bytes += a.chunks[c].data.len() as u64;
            if let Err(e) = a.decode_into(c, 0, &mut buf) {
                r.problems
                    .push(format!("column {name:?} ({part}), chunk {c}: {e}"));
                continue;
            }
            let s = crate::stats::Stats::of_blocks(&buf, a.block_elems(c));
            let st = &a.chunks[c].stats;
            let same = s.count == st.count
                && s.nan_count == st.nan_count
                && s.min == st.min
                && s.max == st.max
                && same_sum(T::acc_to_num(s.sum), T::acc_to_num(st.sum));
            if !same {
                r.problems.push(format!(
                    "column {name:?} ({part}), chunk {c}: statistics do not match the data"
                ));
            }
        }
    }
    for col in &t.columns {
        let n = &col.name;
        match &col.data {
            Data::Bool(a) => check(a, n, "data", &mut r),
            Data::I8(a) => check(a, n, "data", &mut r),
            Data::I16(a) => check(a, n, "data", &mut r),
            Data::I32(a) => check(a, n, "data", &mut r),
            Data::I64(a) => check(a, n, "data", &mut r),
            Data::U8(a) => check(a, n, "data", &mut r),
            Data::U16(a) => check(a, n, "data", &mut r),
            Data::U32(a) => check(a, n, "data", &mut r),
            Data::U64(a) => check(a, n, "data", &mut r),
            Data::F32(a) => check(a, n, "data", &mut r),
            Data::F64(a) => check(a, n, "data", &mut r),
            Data::Timestamp(a, _) => check(a, n, "data", &mut r),
            Data::Utf8(StrData::Dict { codes, values, .. }) => {
                check(codes, n, "codes", &mut r);
                if let Ok(Some(mx)) = codes.max()
                    && usize::try_from(mx).map_or(true, |m| m >= values.len())
                {
                    r.problems
                        .push(format!("column {n:?}: dictionary code {mx} out of range"));
                }
            }
            Data::Utf8(StrData::Plain { ends, bytes }) => {
                check(ends, n, "ends", &mut r);
                check(bytes, n, "bytes", &mut r);
                check_offsets(ends, bytes.len(), n, &mut r);
            }
        }
        if let Some(v) = &col.validity {
            check(v, n, "validity", &mut r);
        }
    }
    Ok(r)
}
