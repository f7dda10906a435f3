//! Taking rows by index into a new table.

use crate::ctable::CTable;
use crate::error::Result;

impl CTable {
    /// A new table with the rows at `idx` (in that order), all columns.
    ///
    /// Each column gathers its values and validity a chunk at a time
    /// (`Column::take`), never decoding a chunk per row.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`](crate::Error::IndexOutOfBounds); decompression errors.
    pub fn take_rows(&self, idx: &[usize]) -> Result<CTable> {
        let mut out = CTable::with_options(self.opts.clone())?;
        let batches = self
            .columns
            .iter()
            .map(|c| c.take(idx))
            .collect::<Result<Vec<_>>>()?;
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
