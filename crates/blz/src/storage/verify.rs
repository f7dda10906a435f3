//! `blz::verify`: every chunk, tail and dictionary of a table on disk, checked.

use std::path::Path;

use super::{OpenMode, VerifyReport};
use crate::cache::ChunkCache;
use crate::carray::CArray;
use crate::ctable::{CTable, Data, StrData};
use crate::error::Result;

/// See [`super::verify`].
pub(crate) fn verify(dir: &Path) -> Result<VerifyReport> {
    let cache = ChunkCache::new(64 << 20)?;
    let t = CTable::open_with_cache(dir, OpenMode::ReadOnly, cache)?;
    let mut r = VerifyReport {
        rows: t.len as u64,
        columns: t.columns.len(),
        ..VerifyReport::default()
    };
    fn check<T: crate::dtype::Element>(
        a: &CArray<T>,
        name: &str,
        part: &str,
        r: &mut VerifyReport,
    ) {
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
                && s.max == st.max;
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
            }
        }
        if let Some(v) = &col.validity {
            check(v, n, "validity", &mut r);
        }
    }
    Ok(r)
}
