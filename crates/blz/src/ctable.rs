//! [`CTable`]: named, typed, compressed columns of equal length.

mod column;

use std::fmt;

use crate::carray::{CArrayOptions, default_chunklen};
use crate::error::{Error, Result};

pub(crate) use column::{Column, Data, StrData, string_at};
pub use column::{ColumnType, Value, Values, ValuesRef};

/// One column of a table schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// Column type.
    pub ty: ColumnType,
    /// Whether the column holds nulls.
    pub nullable: bool,
}

/// Names and types of a table's columns.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Schema {
    /// The columns, in order.
    pub fields: Vec<Field>,
}

/// Values for one column of an append: the values and, when some are missing, a validity mask
/// (true = present; the value at a missing position is ignored).
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnBatch {
    /// Column name.
    pub name: String,
    /// The values.
    pub values: Values,
    /// `Some(mask)` when some values are null.
    pub validity: Option<Vec<bool>>,
}

/// One column's values for [`CTable::append_slices`], borrowed from the caller.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSlice<'a> {
    /// Column name.
    pub name: &'a str,
    /// The values.
    pub values: ValuesRef<'a>,
    /// Validity (true = present), `None` when there are no nulls.
    pub validity: Option<&'a [bool]>,
}

impl<'a> ColumnSlice<'a> {
    /// Values without nulls.
    pub fn new(name: &'a str, values: impl Into<ValuesRef<'a>>) -> Self {
        ColumnSlice {
            name,
            values: values.into(),
            validity: None,
        }
    }

    /// Values with a validity mask (true = present).
    pub fn with_validity(mut self, validity: &'a [bool]) -> Self {
        self.validity = Some(validity);
        self
    }
}

impl ColumnBatch {
    /// The batch, borrowed.
    pub fn as_slice(&self) -> ColumnSlice<'_> {
        ColumnSlice {
            name: &self.name,
            values: self.values.as_values_ref(),
            validity: self.validity.as_deref(),
        }
    }

    /// Values without nulls.
    pub fn new(name: &str, values: impl Into<Values>) -> Self {
        ColumnBatch {
            name: name.to_owned(),
            values: values.into(),
            validity: None,
        }
    }

    /// Values with a validity mask (true = present).
    pub fn with_validity(mut self, validity: Vec<bool>) -> Self {
        self.validity = Some(validity);
        self
    }
}

/// Something rows can be appended to: a [`CTable`] in memory, or a
/// [`DiskTable`](crate::DiskTable), whose rows become durable at its commit. Lets one loader
/// (such as `blz::arrow::import_batches`) feed either.
pub trait AppendRows {
    /// Appends rows given as one borrowed slice per column, all or nothing, as
    /// [`CTable::append_slices`].
    ///
    /// # Errors
    /// As [`CTable::append_slices`]; [`Error::ReadOnly`] for a table on disk opened read-only.
    fn append_rows(&mut self, batches: &[ColumnSlice<'_>]) -> Result<()>;
}

impl AppendRows for CTable {
    fn append_rows(&mut self, batches: &[ColumnSlice<'_>]) -> Result<()> {
        self.append_slices(batches)
    }
}

/// A table of named, typed, compressed columns of equal length.
///
/// ```
/// use blz::{ColumnBatch, CTable};
/// # fn main() -> blz::Result<()> {
/// let mut t = CTable::new();
/// t.append(vec![
///     ColumnBatch::new("qty", (0..1000).map(|i| i % 50).collect::<Vec<i32>>()),
///     ColumnBatch::new("price", (0..1000).map(|i| 90.0 + f64::from(i % 13)).collect::<Vec<f64>>()),
///     ColumnBatch::new("sym", (0..1000).map(|i| ["AA", "BB", "CC"][i % 3]).collect::<Vec<&str>>()),
/// ])?;
/// assert_eq!(t.len(), 1000);
/// let q = t.query("qty < 10 and price > 96")?;
/// assert_eq!(q.count()?, 92);
/// # Ok(())
/// # }
/// ```
pub struct CTable {
    pub(crate) columns: Vec<Column>,
    pub(crate) len: usize,
    pub(crate) opts: CArrayOptions,
}

impl Default for CTable {
    fn default() -> Self {
        Self::new()
    }
}

impl CTable {
    /// An empty table with default column options; the first append fixes the schema.
    pub fn new() -> Self {
        // Every column of a table has the same chunk length, so chunk boundaries line up across
        // columns and a query evaluates chunk by chunk.
        // 128 Ki rows: 1 MiB chunks of 8-byte values, one codec block each.
        let opts = CArrayOptions::default().with_chunklen(default_chunklen(8 << 20, 8));
        CTable {
            columns: Vec::new(),
            len: 0,
            opts,
        }
    }

    /// An empty table with these column options (their `chunklen` is shared by all columns).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] for a zero chunk length.
    pub fn with_options(opts: CArrayOptions) -> Result<Self> {
        let chunklen = opts
            .chunklen
            .unwrap_or_else(|| default_chunklen(opts.expected_len, 8));
        if chunklen == 0 {
            return Err(Error::param("chunklen", 0, "at least 1"));
        }
        Ok(CTable {
            columns: Vec::new(),
            len: 0,
            opts: opts.with_chunklen(chunklen),
        })
    }

    /// An empty table with this schema.
    ///
    /// # Errors
    /// As [`CTable::add_empty_column`].
    pub fn with_schema(schema: &Schema, opts: CArrayOptions) -> Result<Self> {
        let mut t = Self::with_options(opts)?;
        for f in &schema.fields {
            t.add_empty_column(&f.name, f.ty)?;
        }
        Ok(t)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// Rows per chunk, shared by all columns.
    pub fn chunklen(&self) -> usize {
        self.opts.chunklen.unwrap_or(1)
    }

    /// The schema.
    pub fn schema(&self) -> Schema {
        Schema {
            fields: self
                .columns
                .iter()
                .map(|c| Field {
                    name: c.name.clone(),
                    ty: c.column_type(),
                    nullable: c.validity.is_some(),
                })
                .collect(),
        }
    }

    pub(crate) fn col_index(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| Error::UnknownColumn {
                name: name.to_owned(),
                available: self.columns.iter().map(|c| c.name.clone()).collect(),
            })
    }

    /// `(nbytes, cbytes)` of a column.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn column_sizes(&self, name: &str) -> Result<(usize, usize)> {
        Ok(self.columns[self.col_index(name)?].sizes())
    }

    /// Uncompressed size of all columns.
    pub fn nbytes(&self) -> usize {
        self.columns.iter().map(|c| c.sizes().0).sum()
    }

    /// Compressed size of all columns.
    pub fn cbytes(&self) -> usize {
        self.columns.iter().map(|c| c.sizes().1).sum()
    }

    /// Adds an empty column (the table must be empty, or the column gets nulls for the
    /// existing rows).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when the name is taken.
    pub fn add_empty_column(&mut self, name: &str, ty: ColumnType) -> Result<()> {
        if self.columns.iter().any(|c| c.name == name) {
            return Err(Error::param("column name", name, "a name not in the table"));
        }
        let mut col = Column::new(name, ty, &self.opts)?;
        if self.len > 0 {
            let filler = filler(ty, self.len);
            col.append(
                filler.as_values_ref(),
                Some(&vec![false; self.len]),
                &self.opts,
            )?;
        }
        self.columns.push(col);
        Ok(())
    }

    /// Sets the codec parameters of one column (`typesize` comes from the column's type): the
    /// chunks sealed from now on use them, so set them before appending; chunks already sealed
    /// keep theirs (each chunk records its own). A [`DiskTable`](crate::DiskTable) saves them
    /// with its next commit.
    ///
    /// ```
    /// use blz::blosc::{CLevel, CParams, Compressor, Shuffle};
    /// use blz::{CTable, ColumnType, DType};
    /// # fn main() -> blz::Result<()> {
    /// let mut t = CTable::new();
    /// t.add_empty_column("price", ColumnType::Fixed(DType::F64))?;
    /// t.add_empty_column("qty", ColumnType::Fixed(DType::I32))?;
    /// let zstd = CParams::default()
    ///     .with_compressor(Compressor::Zstd)
    ///     .with_clevel(CLevel::new(3))
    ///     .with_shuffle(Shuffle::Bit);
    /// t.set_column_cparams("qty", zstd)?;
    /// assert_eq!(t.column_cparams("qty")?.compressor, Compressor::Zstd);
    /// assert_eq!(t.column_cparams("price")?.compressor, Compressor::Lz4);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::InvalidParam`] for parameters
    /// the codec refuses (nothing changes then).
    pub fn set_column_cparams(&mut self, name: &str, cparams: blz_blosc::CParams) -> Result<()> {
        let i = self.col_index(name)?;
        self.columns[i].set_cparams(&cparams)
    }

    /// Adds a column with a value for every row.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when it does not have `len` values; [`Error::InvalidParam`] when
    /// the name is taken.
    pub fn add_column(&mut self, batch: ColumnBatch) -> Result<()> {
        if self.columns.is_empty() && self.len == 0 {
            return self.append(vec![batch]);
        }
        if batch.values.len() != self.len {
            return Err(Error::LengthMismatch {
                what: "new column",
                got: batch.values.len(),
                expected: self.len,
            });
        }
        if self.columns.iter().any(|c| c.name == batch.name) {
            return Err(Error::param(
                "column name",
                &batch.name,
                "a name not in the table",
            ));
        }
        let mut col = Column::new(&batch.name, batch.values.column_type(), &self.opts)?;
        col.append(
            batch.values.as_values_ref(),
            batch.validity.as_deref(),
            &self.opts,
        )?;
        self.columns.push(col);
        Ok(())
    }

    /// Removes a column.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn drop_column(&mut self, name: &str) -> Result<()> {
        let i = self.col_index(name)?;
        self.columns.remove(i);
        Ok(())
    }

    /// Renames a column.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`]; [`Error::InvalidParam`] when `to` is taken.
    pub fn rename_column(&mut self, from: &str, to: &str) -> Result<()> {
        let i = self.col_index(from)?;
        if from != to && self.columns.iter().any(|c| c.name == to) {
            return Err(Error::param("column name", to, "a name not in the table"));
        }
        self.columns[i].name = to.to_owned();
        Ok(())
    }

    /// Appends rows given as one batch per column. All or nothing: the batches must name every
    /// column exactly once (the first append creates them), with the column's type and equal
    /// lengths; on any error the table is unchanged.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`], [`Error::TypeMismatch`]-like [`Error::ColumnType`],
    /// [`Error::LengthMismatch`], [`Error::InvalidParam`] (a missing or repeated column).
    pub fn append(&mut self, batches: Vec<ColumnBatch>) -> Result<()> {
        let cols: Vec<ColumnSlice<'_>> = batches.iter().map(ColumnBatch::as_slice).collect();
        self.append_slices(&cols)
    }

    /// Appends rows given as one borrowed slice per column, compressing straight from the
    /// caller's memory (no copy). The same rules as [`CTable::append`]: every column once,
    /// equal lengths, the columns' types; all or nothing.
    ///
    /// ```
    /// use blz::{CTable, ColumnSlice};
    /// # fn main() -> blz::Result<()> {
    /// let price: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 0.5).collect();
    /// let qty: Vec<i32> = (0..100_000).map(|i| i % 100).collect();
    /// let mut t = CTable::new();
    /// t.append_slices(&[ColumnSlice::new("price", &price), ColumnSlice::new("qty", &qty)])?;
    /// assert_eq!(t.query("qty < 10")?.count()?, 10_000);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`CTable::append`].
    pub fn append_slices(&mut self, batches: &[ColumnSlice<'_>]) -> Result<()> {
        let Some(first) = batches.first() else {
            return Ok(());
        };
        let n = first.values.len();
        for b in batches {
            if b.values.len() != n {
                return Err(Error::LengthMismatch {
                    what: "column batch",
                    got: b.values.len(),
                    expected: n,
                });
            }
            if let Some(v) = b.validity
                && v.len() != n
            {
                return Err(Error::LengthMismatch {
                    what: "validity mask",
                    got: v.len(),
                    expected: n,
                });
            }
            if batches.iter().filter(|o| o.name == b.name).count() > 1 {
                return Err(Error::param("column batches", b.name, "each column once"));
            }
        }
        if self.columns.is_empty() {
            for b in batches {
                self.columns
                    .push(Column::new(b.name, b.values.column_type(), &self.opts)?);
            }
        }
        if batches.len() != self.columns.len() {
            let missing: Vec<&str> = self
                .columns
                .iter()
                .filter(|c| !batches.iter().any(|b| b.name == c.name))
                .map(|c| c.name.as_str())
                .collect();
            return Err(Error::param(
                "column batches",
                format!("missing {missing:?}"),
                "one batch per table column",
            ));
        }
        let mut order = Vec::with_capacity(batches.len());
        for b in batches {
            let i = self.col_index(b.name)?;
            let want = self.columns[i].column_type();
            if want != b.values.column_type() {
                return Err(Error::ColumnType {
                    column: b.name.to_owned(),
                    expected: want.to_string(),
                    got: b.values.column_type().to_string(),
                });
            }
            order.push(i);
        }
        let before = self.len;
        let opts = self.opts.clone();
        let mut failed = None;
        for (b, &i) in batches.iter().zip(&order) {
            if let Err(e) = self.columns[i].append(b.values, b.validity, &opts) {
                failed = Some(e);
                break;
            }
        }
        if let Some(e) = failed {
            for c in &mut self.columns {
                // Undo: nothing half-appended.
                let _ = c.truncate(before);
            }
            return Err(e);
        }
        self.len += n;
        Ok(())
    }

    /// The cells of row `i`, in column order.
    ///
    /// # Errors
    /// [`Error::IndexOutOfBounds`].
    pub fn row(&self, i: usize) -> Result<Vec<Value>> {
        if i >= self.len {
            return Err(Error::IndexOutOfBounds {
                index: i,
                len: self.len,
            });
        }
        self.columns.iter().map(|c| c.value(i)).collect()
    }

    /// The cell of column `name` at row `i`.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`], [`Error::IndexOutOfBounds`].
    pub fn value(&self, name: &str, i: usize) -> Result<Value> {
        self.columns[self.col_index(name)?].value(i)
    }
}

fn filler(ty: ColumnType, n: usize) -> Values {
    use crate::dtype::{DType, Timestamp};
    match ty {
        ColumnType::Utf8 => Values::Utf8(vec![String::new(); n]),
        ColumnType::Fixed(d) => match d {
            DType::Bool => Values::Bool(vec![false; n]),
            DType::I8 => Values::I8(vec![0; n]),
            DType::I16 => Values::I16(vec![0; n]),
            DType::I32 => Values::I32(vec![0; n]),
            DType::I64 => Values::I64(vec![0; n]),
            DType::U8 => Values::U8(vec![0; n]),
            DType::U16 => Values::U16(vec![0; n]),
            DType::U32 => Values::U32(vec![0; n]),
            DType::U64 => Values::U64(vec![0; n]),
            DType::F32 => Values::F32(vec![0.0; n]),
            DType::Timestamp(u) => Values::Timestamp(vec![Timestamp(0); n], u),
            _ => Values::F64(vec![0.0; n]),
        },
    }
}

impl fmt::Debug for CTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for CTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, c) = (self.nbytes(), self.cbytes());
        writeln!(
            f,
            "ctable(({},), {} columns)  nbytes: {n}; cbytes: {c}; ratio: {:.2}",
            self.len,
            self.columns.len(),
            if c == 0 { 1.0 } else { n as f64 / c as f64 }
        )?;
        for col in &self.columns {
            let (cn, cc) = col.sizes();
            writeln!(
                f,
                "  {:<16} {:<14} nbytes {:>12}  cbytes {:>12}  ratio {:>7.2}{}",
                col.name,
                col.column_type().to_string(),
                cn,
                cc,
                if cc == 0 { 1.0 } else { cn as f64 / cc as f64 },
                if col.validity.is_some() {
                    "  (nulls)"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

/// Runs `$e` with `$a` bound to the main `CArray` of a column's data.
macro_rules! with_main_array {
    ($data:expr, $a:ident => $e:expr) => {
        match $data {
            Data::Bool($a) => $e,
            Data::I8($a) => $e,
            Data::I16($a) => $e,
            Data::I32($a) => $e,
            Data::I64($a) => $e,
            Data::U8($a) => $e,
            Data::U16($a) => $e,
            Data::U32($a) => $e,
            Data::U64($a) => $e,
            Data::F32($a) => $e,
            Data::F64($a) => $e,
            Data::Timestamp($a, _) => $e,
            Data::Utf8(StrData::Dict { codes: $a, .. }) => $e,
            Data::Utf8(StrData::Plain { ends: $a, .. }) => $e,
        }
    };
}

impl CTable {
    /// Turns the use of per-chunk statistics on or off for every column (queries then decode
    /// every chunk they touch; for benchmarks and checks).
    pub fn set_use_stats(&mut self, on: bool) {
        for c in &mut self.columns {
            with_main_array!(&mut c.data, a => a.set_use_stats(on));
            if let Data::Utf8(StrData::Plain { bytes, .. }) = &mut c.data {
                bytes.set_use_stats(on);
            }
            if let Some(v) = &mut c.validity {
                v.set_use_stats(on);
            }
        }
        self.opts.use_stats = on;
    }
}

/// Read-only storage details of a column, for tools such as `blz info`.
impl CTable {
    /// The codec parameters of a column's main array (the codes of a dictionary text column,
    /// the string offsets of a plain one).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn column_cparams(&self, name: &str) -> Result<blz_blosc::CParams> {
        let c = &self.columns[self.col_index(name)?];
        Ok(with_main_array!(&c.data, a => a.cparams().clone()))
    }

    /// The number of sealed (compressed) chunks of a column's main array; the rows past them
    /// sit in its uncompressed tail.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn column_nchunks(&self, name: &str) -> Result<usize> {
        let c = &self.columns[self.col_index(name)?];
        Ok(with_main_array!(&c.data, a => a.nchunks()))
    }

    /// How a column is stored: `"fixed"` (a typed array), `"dict"` (text as codes into a
    /// dictionary of distinct values) or `"plain"` (text as offsets and bytes), and the number
    /// of dictionary entries for `"dict"`.
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn column_storage(&self, name: &str) -> Result<(&'static str, Option<usize>)> {
        let c = &self.columns[self.col_index(name)?];
        Ok(match &c.data {
            Data::Utf8(StrData::Dict { values, .. }) => ("dict", Some(values.len())),
            Data::Utf8(StrData::Plain { .. }) => ("plain", None),
            _ => ("fixed", None),
        })
    }
}
