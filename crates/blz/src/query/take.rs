//! Taking rows by index into a new table.

use crate::ctable::{CTable, Data};
use crate::error::Result;

impl CTable {
    /// A new table with the rows at `idx` (in that order), all columns.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`]; decompression errors.
    pub fn take_rows(&self, idx: &[usize]) -> Result<CTable> {
        let mut out = CTable::with_options(self.opts.clone())?;
        let mut batches = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let validity = match &c.validity {
                Some(v) => Some(v.take(idx)?),
                None => None,
            };
            let values = match &c.data {
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
                Data::Utf8(s) => Values::Utf8(
                    idx.iter()
                        .map(|&i| crate::ctable::string_at(s, i))
                        .collect::<Result<_>>()?,
                ),
            };
            batches.push(crate::ctable::ColumnBatch {
                name: c.name.clone(),
                values,
                validity,
            });
        }
        if batches.is_empty() {
            return Ok(out);
        }
        if idx.is_empty() {
            for c in &self.columns {
                out.add_empty_column(&c.name, c.column_type())?;
            }
            return Ok(out);
        }
        out.append(batches)?;
        Ok(out)
    }
}

use crate::ctable::Values;
