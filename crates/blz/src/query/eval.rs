//! The public [`Query`] API: compiling a query over a [`CTable`] and running it chunk by chunk.
//!
//! An expression is compiled against the table's schema into a tree of typed nodes
//! ([`compile`](super::compile)). Evaluation runs on the table's chunks in parallel (rayon): each
//! chunk's statistics may decide a comparison for all its rows (then the chunk is not
//! decompressed for it), otherwise the columns the expression needs are decompressed for that
//! chunk only and the predicate is evaluated over the rows as vectorised loops producing a
//! selection mask ([`kernel`](super::kernel)). Nulls follow SQL: a comparison with null is
//! unknown, `not unknown` is unknown, only true rows are selected.

use std::collections::HashMap;

use rayon::prelude::*;

use super::aggregate::{Acc, Agg, AggCol, agg_of_column, chunk_aggs, finish};
use super::compile::{Node, compile_bool};
use super::kernel::{Ctx, Mask, count_true, decide, eval};
use crate::ctable::{CTable, Value};
use crate::error::Result;

/// A compiled query over a table.
pub struct Query<'t> {
    pub(super) table: &'t CTable,
    pub(super) node: Node,
    pub(super) limit: Option<usize>,
}

impl CTable {
    /// Compiles a query expression (see the [`query`](crate::query) module for the language).
    ///
    /// # Errors
    /// [`Error::Parse`](crate::Error::Parse) for text that does not parse, [`Error::Query`](crate::Error::Query) for unknown columns and
    /// type errors (naming the column and its type).
    pub fn query(&self, text: &str) -> Result<Query<'_>> {
        let expr = super::parse(text)?;
        let node = compile_bool(self, &expr)?;
        Ok(Query {
            table: self,
            node,
            limit: None,
        })
    }
}

impl<'t> Query<'t> {
    /// Stops after `n` matching rows (in row order).
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    pub(super) fn nchunks(&self) -> usize {
        self.table.len.div_ceil(self.table.chunklen().max(1))
    }

    /// Runs `f` on every chunk's selection, chunks in parallel; results in chunk order.
    pub(super) fn per_chunk<R: Send>(
        &self,
        chunks: std::ops::Range<usize>,
        f: impl Fn(&mut Ctx<'t>, &Mask) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        self.per_chunk_sel(chunks, |ctx, m| match m {
            Some(m) => f(ctx, m),
            None => f(ctx, &Mask::all(ctx.n, true)),
        })
    }

    /// As [`Query::per_chunk`], but a chunk where every row matches (the predicate is `true`,
    /// or the statistics decide it) gets `None` instead of a mask of `true`s.
    pub(super) fn per_chunk_sel<R: Send>(
        &self,
        chunks: std::ops::Range<usize>,
        f: impl Fn(&mut Ctx<'t>, Option<&Mask>) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        let cl = self.table.chunklen().max(1);
        chunks
            .into_par_iter()
            .map_init(HashMap::new, |spare, c| {
                let start = c * cl;
                let n = cl.min(self.table.len - start);
                let mut ctx = Ctx {
                    t: self.table,
                    c,
                    start,
                    n,
                    cols: HashMap::new(),
                    valid: HashMap::new(),
                    spare: std::mem::take(spare),
                };
                let every = matches!(self.node, Node::Const(true))
                    || decide(self.table, &self.node, c) == Some(true);
                let r = if every {
                    f(&mut ctx, None)
                } else {
                    eval(&mut ctx, &self.node, c).and_then(|m| f(&mut ctx, Some(&m)))
                };
                // This chunk's buffers serve the next chunk of this thread.
                *spare = ctx.cols;
                spare.extend(ctx.spare);
                r
            })
            .collect()
    }

    /// Row indices of the matches, in order.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn indices(&self) -> Result<Vec<usize>> {
        let nc = self.nchunks();
        let step = rayon::current_num_threads().max(1) * 2;
        let mut out = Vec::new();
        let mut c = 0;
        // With a limit, chunks are evaluated a few at a time so the scan can stop early.
        let batch = if self.limit.is_some() {
            step
        } else {
            nc.max(1)
        };
        while c < nc {
            let end = (c + batch).min(nc);
            let parts = self.per_chunk(c..end, |ctx, m| {
                Ok((0..ctx.n)
                    .filter(|&i| m.selected(i))
                    .map(|i| ctx.start + i)
                    .collect::<Vec<_>>())
            })?;
            for p in parts {
                out.extend(p);
            }
            if let Some(l) = self.limit
                && out.len() >= l
            {
                out.truncate(l);
                return Ok(out);
            }
            c = end;
        }
        Ok(out)
    }

    /// Number of matching rows.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn count(&self) -> Result<usize> {
        if self.limit.is_some() {
            return Ok(self.indices()?.len());
        }
        let parts = self.per_chunk(0..self.nchunks(), |ctx, m| {
            Ok(match &m.known {
                None => count_true(&m.val),
                Some(_) => (0..ctx.n).filter(|&i| m.selected(i)).count(),
            })
        })?;
        Ok(parts.into_iter().sum())
    }

    /// An aggregate of column `col` over the matching rows (nulls skipped; `Count` counts
    /// non-null values).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`](crate::Error::UnknownColumn); [`Error::ColumnType`](crate::Error::ColumnType) for a text column with an aggregate other
    /// than `Count`; decompression errors.
    pub fn aggregate(&self, col: &str, agg: Agg) -> Result<Value> {
        Ok(self.aggregates(&[(agg, col)])?.remove(0))
    }

    /// Several aggregates in one pass.
    ///
    /// # Errors
    /// As [`Query::aggregate`].
    pub fn aggregates(&self, aggs: &[(Agg, &str)]) -> Result<Vec<Value>> {
        let cols = aggs
            .iter()
            .map(|&(agg, name)| agg_of_column(self.table, agg, name))
            .collect::<Result<Vec<_>>>()?;
        self.run_aggs(&cols)
    }

    /// Runs compiled aggregates over the matching rows.
    pub(super) fn run_aggs(&self, cols: &[AggCol]) -> Result<Vec<Value>> {
        let parts = self.per_chunk_sel(0..self.nchunks(), |ctx, m| chunk_aggs(ctx, m, cols))?;
        let mut total = vec![Acc::default(); cols.len()];
        for p in parts {
            for (t, a) in total.iter_mut().zip(p) {
                t.merge_from(a);
            }
        }
        cols.iter()
            .zip(&total)
            .map(|(col, acc)| finish(acc, col))
            .collect()
    }

    /// A new table holding the matching rows (all columns).
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn fetch(&self) -> Result<CTable> {
        let idx = self.indices()?;
        self.table.take_rows(&idx)
    }

    /// The matching rows, as cells of the chosen columns (all columns when `cols` is empty).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`](crate::Error::UnknownColumn); decompression errors.
    pub fn rows(&self, cols: &[&str]) -> Result<Vec<Vec<Value>>> {
        let ci: Vec<usize> = if cols.is_empty() {
            (0..self.table.columns.len()).collect()
        } else {
            cols.iter()
                .map(|c| self.table.col_index(c))
                .collect::<Result<_>>()?
        };
        self.indices()?
            .into_iter()
            .map(|r| ci.iter().map(|&c| self.table.columns[c].value(r)).collect())
            .collect()
    }
}

// Accessors for the Arrow stream of a query's matches (crate::arrow), which walks the matches
// a few chunks at a time instead of collecting every index first.
#[cfg(feature = "arrow")]
impl<'t> Query<'t> {
    /// The table queried.
    pub(crate) fn table(&self) -> &'t CTable {
        self.table
    }

    /// The row limit set by [`Query::limit`].
    pub(crate) fn row_limit(&self) -> Option<usize> {
        self.limit
    }

    /// Row indices of the matches in chunks `chunks` (chunks evaluated in parallel), in order;
    /// the limit is not applied.
    pub(crate) fn chunk_matches(&self, chunks: std::ops::Range<usize>) -> Result<Vec<usize>> {
        let nc = self.nchunks();
        let chunks = chunks.start.min(nc)..chunks.end.min(nc);
        let parts = self.per_chunk(chunks, |ctx, m| {
            Ok((0..ctx.n)
                .filter(|&i| m.selected(i))
                .map(|i| ctx.start + i)
                .collect::<Vec<_>>())
        })?;
        Ok(parts.concat())
    }
}
