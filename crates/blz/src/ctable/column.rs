//! Table columns: a typed [`CArray`] (or a string column) plus an optional validity column.

use std::collections::HashMap;

use crate::carray::{CArray, CArrayOptions};
use crate::dtype::{DType, TimeUnit, Timestamp};
use crate::error::{Error, Result};

mod take;

/// The type of a table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// A fixed-size element type (numbers, booleans, timestamps).
    Fixed(DType),
    /// UTF-8 text.
    Utf8,
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnType::Fixed(d) => write!(f, "{d}"),
            ColumnType::Utf8 => f.write_str("utf8"),
        }
    }
}

/// Values of one column for an append, owned. `validity` (true = present) marks nulls.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Values {
    /// Booleans.
    Bool(Vec<bool>),
    /// i8 values.
    I8(Vec<i8>),
    /// i16 values.
    I16(Vec<i16>),
    /// i32 values.
    I32(Vec<i32>),
    /// i64 values.
    I64(Vec<i64>),
    /// u8 values.
    U8(Vec<u8>),
    /// u16 values.
    U16(Vec<u16>),
    /// u32 values.
    U32(Vec<u32>),
    /// u64 values.
    U64(Vec<u64>),
    /// f32 values.
    F32(Vec<f32>),
    /// f64 values.
    F64(Vec<f64>),
    /// Timestamps in a unit.
    Timestamp(Vec<Timestamp>, TimeUnit),
    /// Text.
    Utf8(Vec<String>),
}

macro_rules! each_fixed {
    ($m:ident) => {
        $m!(Bool, bool);
        $m!(I8, i8);
        $m!(I16, i16);
        $m!(I32, i32);
        $m!(I64, i64);
        $m!(U8, u8);
        $m!(U16, u16);
        $m!(U32, u32);
        $m!(U64, u64);
        $m!(F32, f32);
        $m!(F64, f64);
    };
}

macro_rules! values_from {
    ($v:ident, $t:ty) => {
        impl From<Vec<$t>> for Values {
            fn from(v: Vec<$t>) -> Self {
                Values::$v(v)
            }
        }
    };
}
each_fixed!(values_from);

impl From<Vec<String>> for Values {
    fn from(v: Vec<String>) -> Self {
        Values::Utf8(v)
    }
}

impl From<Vec<&str>> for Values {
    fn from(v: Vec<&str>) -> Self {
        Values::Utf8(v.into_iter().map(str::to_owned).collect())
    }
}

/// Values of one column for an append, borrowed: [`CTable::append_slices`] compresses them
/// straight from the caller's memory, without copying them first.
///
/// [`CTable::append_slices`]: crate::CTable::append_slices
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ValuesRef<'a> {
    /// Booleans.
    Bool(&'a [bool]),
    /// i8 values.
    I8(&'a [i8]),
    /// i16 values.
    I16(&'a [i16]),
    /// i32 values.
    I32(&'a [i32]),
    /// i64 values.
    I64(&'a [i64]),
    /// u8 values.
    U8(&'a [u8]),
    /// u16 values.
    U16(&'a [u16]),
    /// u32 values.
    U32(&'a [u32]),
    /// u64 values.
    U64(&'a [u64]),
    /// f32 values.
    F32(&'a [f32]),
    /// f64 values.
    F64(&'a [f64]),
    /// Timestamps in a unit.
    Timestamp(&'a [Timestamp], TimeUnit),
    /// Text.
    Utf8(&'a [String]),
}

macro_rules! values_ref_from {
    ($v:ident, $t:ty) => {
        impl<'a> From<&'a [$t]> for ValuesRef<'a> {
            fn from(v: &'a [$t]) -> Self {
                ValuesRef::$v(v)
            }
        }
        impl<'a> From<&'a Vec<$t>> for ValuesRef<'a> {
            fn from(v: &'a Vec<$t>) -> Self {
                ValuesRef::$v(v)
            }
        }
    };
}
each_fixed!(values_ref_from);

impl<'a> From<&'a [String]> for ValuesRef<'a> {
    fn from(v: &'a [String]) -> Self {
        ValuesRef::Utf8(v)
    }
}

impl<'a> From<&'a Vec<String>> for ValuesRef<'a> {
    fn from(v: &'a Vec<String>) -> Self {
        ValuesRef::Utf8(v)
    }
}

impl<'a> From<&'a Values> for ValuesRef<'a> {
    fn from(v: &'a Values) -> Self {
        v.as_values_ref()
    }
}

impl<'a> ValuesRef<'a> {
    /// The values in `range`, or `None` when it is out of bounds.
    pub fn get(self, range: std::ops::Range<usize>) -> Option<ValuesRef<'a>> {
        Some(match self {
            ValuesRef::Bool(x) => ValuesRef::Bool(x.get(range)?),
            ValuesRef::I8(x) => ValuesRef::I8(x.get(range)?),
            ValuesRef::I16(x) => ValuesRef::I16(x.get(range)?),
            ValuesRef::I32(x) => ValuesRef::I32(x.get(range)?),
            ValuesRef::I64(x) => ValuesRef::I64(x.get(range)?),
            ValuesRef::U8(x) => ValuesRef::U8(x.get(range)?),
            ValuesRef::U16(x) => ValuesRef::U16(x.get(range)?),
            ValuesRef::U32(x) => ValuesRef::U32(x.get(range)?),
            ValuesRef::U64(x) => ValuesRef::U64(x.get(range)?),
            ValuesRef::F32(x) => ValuesRef::F32(x.get(range)?),
            ValuesRef::F64(x) => ValuesRef::F64(x.get(range)?),
            ValuesRef::Timestamp(x, u) => ValuesRef::Timestamp(x.get(range)?, u),
            ValuesRef::Utf8(x) => ValuesRef::Utf8(x.get(range)?),
        })
    }
}

impl ValuesRef<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ValuesRef::Bool(v) => v.len(),
            ValuesRef::I8(v) => v.len(),
            ValuesRef::I16(v) => v.len(),
            ValuesRef::I32(v) => v.len(),
            ValuesRef::I64(v) => v.len(),
            ValuesRef::U8(v) => v.len(),
            ValuesRef::U16(v) => v.len(),
            ValuesRef::U32(v) => v.len(),
            ValuesRef::U64(v) => v.len(),
            ValuesRef::F32(v) => v.len(),
            ValuesRef::F64(v) => v.len(),
            ValuesRef::Timestamp(v, _) => v.len(),
            ValuesRef::Utf8(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column type these values make.
    pub fn column_type(&self) -> ColumnType {
        ColumnType::Fixed(match self {
            ValuesRef::Bool(_) => DType::Bool,
            ValuesRef::I8(_) => DType::I8,
            ValuesRef::I16(_) => DType::I16,
            ValuesRef::I32(_) => DType::I32,
            ValuesRef::I64(_) => DType::I64,
            ValuesRef::U8(_) => DType::U8,
            ValuesRef::U16(_) => DType::U16,
            ValuesRef::U32(_) => DType::U32,
            ValuesRef::U64(_) => DType::U64,
            ValuesRef::F32(_) => DType::F32,
            ValuesRef::F64(_) => DType::F64,
            ValuesRef::Timestamp(_, u) => DType::Timestamp(*u),
            ValuesRef::Utf8(_) => return ColumnType::Utf8,
        })
    }
}

impl Values {
    /// The values, borrowed.
    pub fn as_values_ref(&self) -> ValuesRef<'_> {
        match self {
            Values::Bool(x) => ValuesRef::Bool(x),
            Values::I8(x) => ValuesRef::I8(x),
            Values::I16(x) => ValuesRef::I16(x),
            Values::I32(x) => ValuesRef::I32(x),
            Values::I64(x) => ValuesRef::I64(x),
            Values::U8(x) => ValuesRef::U8(x),
            Values::U16(x) => ValuesRef::U16(x),
            Values::U32(x) => ValuesRef::U32(x),
            Values::U64(x) => ValuesRef::U64(x),
            Values::F32(x) => ValuesRef::F32(x),
            Values::F64(x) => ValuesRef::F64(x),
            Values::Timestamp(x, u) => ValuesRef::Timestamp(x, *u),
            Values::Utf8(x) => ValuesRef::Utf8(x),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::I8(v) => v.len(),
            Values::I16(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::U8(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Timestamp(v, _) => v.len(),
            Values::Utf8(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column type these values make.
    pub fn column_type(&self) -> ColumnType {
        ColumnType::Fixed(match self {
            Values::Bool(_) => DType::Bool,
            Values::I8(_) => DType::I8,
            Values::I16(_) => DType::I16,
            Values::I32(_) => DType::I32,
            Values::I64(_) => DType::I64,
            Values::U8(_) => DType::U8,
            Values::U16(_) => DType::U16,
            Values::U32(_) => DType::U32,
            Values::U64(_) => DType::U64,
            Values::F32(_) => DType::F32,
            Values::F64(_) => DType::F64,
            Values::Timestamp(_, u) => DType::Timestamp(*u),
            Values::Utf8(_) => return ColumnType::Utf8,
        })
    }
}

/// One cell, as read back from a table.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// Missing.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any signed integer column (and timestamps' raw counts are `Timestamp`).
    Int(i64),
    /// Any unsigned integer column.
    UInt(u64),
    /// Any float column.
    Float(f64),
    /// A timestamp and its unit.
    Timestamp(i64, TimeUnit),
    /// Text.
    Str(String),
    /// An integer aggregate (a sum) that does not fit 64 bits.
    BigInt(i128),
}

/// Text stored compressed: dictionary-encoded while the number of distinct values stays small,
/// else as offsets + bytes.
pub(crate) enum StrData {
    Dict {
        values: Vec<String>,
        index: HashMap<String, u32>,
        codes: CArray<u32>,
    },
    Plain {
        /// End offset of each string in `bytes`.
        ends: CArray<u64>,
        bytes: CArray<u8>,
    },
}

/// Distinct values a dictionary may hold before the column switches to plain storage.
pub(crate) const MAX_DICT: usize = 1 << 16;

/// A column's stored data.
pub(crate) enum Data {
    Bool(CArray<bool>),
    I8(CArray<i8>),
    I16(CArray<i16>),
    I32(CArray<i32>),
    I64(CArray<i64>),
    U8(CArray<u8>),
    U16(CArray<u16>),
    U32(CArray<u32>),
    U64(CArray<u64>),
    F32(CArray<f32>),
    F64(CArray<f64>),
    Timestamp(CArray<Timestamp>, TimeUnit),
    Utf8(StrData),
}

/// A table column.
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) data: Data,
    /// Present once a null was appended: true = value present.
    pub(crate) validity: Option<CArray<bool>>,
    pub(crate) len: usize,
}

impl Column {
    pub(crate) fn new(name: &str, ty: ColumnType, opts: &CArrayOptions) -> Result<Column> {
        macro_rules! mk {
            ($($v:ident),*) => {
                match ty {
                    $(ColumnType::Fixed(DType::$v) => Data::$v(CArray::with_options(opts.clone())?),)*
                    ColumnType::Fixed(DType::Timestamp(u)) => Data::Timestamp(
                        CArray::with_options(opts.clone().with_dtype(DType::Timestamp(u)))?,
                        u,
                    ),
                    ColumnType::Utf8 => Data::Utf8(StrData::Dict {
                        values: Vec::new(),
                        index: HashMap::new(),
                        codes: CArray::with_options(opts.clone())?,
                    }),
                }
            };
        }
        let data = mk!(Bool, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64);
        Ok(Column {
            name: name.to_owned(),
            data,
            validity: None,
            len: 0,
        })
    }

    pub(crate) fn column_type(&self) -> ColumnType {
        ColumnType::Fixed(match &self.data {
            Data::Bool(_) => DType::Bool,
            Data::I8(_) => DType::I8,
            Data::I16(_) => DType::I16,
            Data::I32(_) => DType::I32,
            Data::I64(_) => DType::I64,
            Data::U8(_) => DType::U8,
            Data::U16(_) => DType::U16,
            Data::U32(_) => DType::U32,
            Data::U64(_) => DType::U64,
            Data::F32(_) => DType::F32,
            Data::F64(_) => DType::F64,
            Data::Timestamp(_, u) => DType::Timestamp(*u),
            Data::Utf8(_) => return ColumnType::Utf8,
        })
    }

    /// Uncompressed and compressed bytes of the column (validity included).
    pub(crate) fn sizes(&self) -> (usize, usize) {
        let (mut n, mut c) = match &self.data {
            Data::Bool(a) => (a.nbytes(), a.cbytes()),
            Data::I8(a) => (a.nbytes(), a.cbytes()),
            Data::I16(a) => (a.nbytes(), a.cbytes()),
            Data::I32(a) => (a.nbytes(), a.cbytes()),
            Data::I64(a) => (a.nbytes(), a.cbytes()),
            Data::U8(a) => (a.nbytes(), a.cbytes()),
            Data::U16(a) => (a.nbytes(), a.cbytes()),
            Data::U32(a) => (a.nbytes(), a.cbytes()),
            Data::U64(a) => (a.nbytes(), a.cbytes()),
            Data::F32(a) => (a.nbytes(), a.cbytes()),
            Data::F64(a) => (a.nbytes(), a.cbytes()),
            Data::Timestamp(a, _) => (a.nbytes(), a.cbytes()),
            Data::Utf8(StrData::Dict { values, codes, .. }) => {
                let d: usize = values.iter().map(String::len).sum();
                (codes.nbytes() + d, codes.cbytes() + d)
            }
            Data::Utf8(StrData::Plain { ends, bytes }) => (
                ends.nbytes() + bytes.nbytes(),
                ends.cbytes() + bytes.cbytes(),
            ),
        };
        if let Some(v) = &self.validity {
            n += v.nbytes();
            c += v.cbytes();
        }
        (n, c)
    }

    /// Appends values (already checked for type and length). On error the column may hold a
    /// partial append; the table truncates it back.
    pub(crate) fn append(
        &mut self,
        values: ValuesRef<'_>,
        validity: Option<&[bool]>,
        opts: &CArrayOptions,
    ) -> Result<()> {
        let n = values.len();
        match (&mut self.data, values) {
            (Data::Bool(a), ValuesRef::Bool(v)) => a.extend_from_slice(v)?,
            (Data::I8(a), ValuesRef::I8(v)) => a.extend_from_slice(v)?,
            (Data::I16(a), ValuesRef::I16(v)) => a.extend_from_slice(v)?,
            (Data::I32(a), ValuesRef::I32(v)) => a.extend_from_slice(v)?,
            (Data::I64(a), ValuesRef::I64(v)) => a.extend_from_slice(v)?,
            (Data::U8(a), ValuesRef::U8(v)) => a.extend_from_slice(v)?,
            (Data::U16(a), ValuesRef::U16(v)) => a.extend_from_slice(v)?,
            (Data::U32(a), ValuesRef::U32(v)) => a.extend_from_slice(v)?,
            (Data::U64(a), ValuesRef::U64(v)) => a.extend_from_slice(v)?,
            (Data::F32(a), ValuesRef::F32(v)) => a.extend_from_slice(v)?,
            (Data::F64(a), ValuesRef::F64(v)) => a.extend_from_slice(v)?,
            (Data::Timestamp(a, _), ValuesRef::Timestamp(v, _)) => a.extend_from_slice(v)?,
            (Data::Utf8(s), ValuesRef::Utf8(v)) => append_strings(s, v, opts)?,
            _ => {
                return Err(Error::param(
                    "values",
                    format!("{}", values.column_type()),
                    "the column's type",
                ));
            }
        }
        match (validity, &mut self.validity) {
            (Some(m), Some(va)) => va.extend_from_slice(m)?,
            (Some(m), None) if m.iter().any(|&b| !b) => {
                let mut va = CArray::<bool>::with_options(opts.clone())?;
                va.resize(self.len, true)?;
                va.extend_from_slice(m)?;
                self.validity = Some(va);
            }
            (Some(_) | None, None) => {}
            (None, Some(va)) => va.resize(self.len + n, true)?,
        }
        self.len += n;
        Ok(())
    }

    /// Sets the codec parameters of every array of the column (for chunks sealed from now on).
    /// Checked on every array first, so an error changes nothing.
    pub(crate) fn set_cparams(&mut self, p: &blz_blosc::CParams) -> Result<()> {
        macro_rules! each {
            ($f:ident) => {{
                match &mut self.data {
                    Data::Bool(a) => a.$f(p.clone())?,
                    Data::I8(a) => a.$f(p.clone())?,
                    Data::I16(a) => a.$f(p.clone())?,
                    Data::I32(a) => a.$f(p.clone())?,
                    Data::I64(a) => a.$f(p.clone())?,
                    Data::U8(a) => a.$f(p.clone())?,
                    Data::U16(a) => a.$f(p.clone())?,
                    Data::U32(a) => a.$f(p.clone())?,
                    Data::U64(a) => a.$f(p.clone())?,
                    Data::F32(a) => a.$f(p.clone())?,
                    Data::F64(a) => a.$f(p.clone())?,
                    Data::Timestamp(a, _) => a.$f(p.clone())?,
                    Data::Utf8(StrData::Dict { codes, .. }) => codes.$f(p.clone())?,
                    Data::Utf8(StrData::Plain { ends, bytes }) => {
                        ends.$f(p.clone())?;
                        bytes.$f(p.clone())?;
                    }
                }
                if let Some(v) = &mut self.validity {
                    v.$f(p.clone())?;
                }
            }};
        }
        each!(check_cparams);
        each!(set_cparams);
        Ok(())
    }

    /// Shortens the column to `n` rows (undoing a failed append).
    pub(crate) fn truncate(&mut self, n: usize) -> Result<()> {
        match &mut self.data {
            Data::Bool(a) => a.truncate(n)?,
            Data::I8(a) => a.truncate(n)?,
            Data::I16(a) => a.truncate(n)?,
            Data::I32(a) => a.truncate(n)?,
            Data::I64(a) => a.truncate(n)?,
            Data::U8(a) => a.truncate(n)?,
            Data::U16(a) => a.truncate(n)?,
            Data::U32(a) => a.truncate(n)?,
            Data::U64(a) => a.truncate(n)?,
            Data::F32(a) => a.truncate(n)?,
            Data::F64(a) => a.truncate(n)?,
            Data::Timestamp(a, _) => a.truncate(n)?,
            Data::Utf8(StrData::Dict { codes, .. }) => codes.truncate(n)?,
            Data::Utf8(StrData::Plain { ends, bytes }) => {
                ends.truncate(n)?;
                let end = if n == 0 { 0 } else { ends.get(n - 1)? };
                bytes.truncate(usize::try_from(end).unwrap_or(usize::MAX))?;
            }
        }
        if let Some(v) = &mut self.validity {
            v.truncate(n)?;
        }
        self.len = self.len.min(n);
        Ok(())
    }

    /// Whether row `i` holds a value.
    pub(crate) fn is_valid(&self, i: usize) -> Result<bool> {
        match &self.validity {
            Some(v) => v.get(i),
            None => Ok(true),
        }
    }

    /// The cell at row `i`.
    pub(crate) fn value(&self, i: usize) -> Result<Value> {
        if i >= self.len {
            return Err(Error::IndexOutOfBounds {
                index: i,
                len: self.len,
            });
        }
        if !self.is_valid(i)? {
            return Ok(Value::Null);
        }
        Ok(match &self.data {
            Data::Bool(a) => Value::Bool(a.get(i)?),
            Data::I8(a) => Value::Int(i64::from(a.get(i)?)),
            Data::I16(a) => Value::Int(i64::from(a.get(i)?)),
            Data::I32(a) => Value::Int(i64::from(a.get(i)?)),
            Data::I64(a) => Value::Int(a.get(i)?),
            Data::U8(a) => Value::UInt(u64::from(a.get(i)?)),
            Data::U16(a) => Value::UInt(u64::from(a.get(i)?)),
            Data::U32(a) => Value::UInt(u64::from(a.get(i)?)),
            Data::U64(a) => Value::UInt(a.get(i)?),
            Data::F32(a) => Value::Float(f64::from(a.get(i)?)),
            Data::F64(a) => Value::Float(a.get(i)?),
            Data::Timestamp(a, u) => Value::Timestamp(a.get(i)?.0, *u),
            Data::Utf8(s) => Value::Str(string_at(s, i)?),
        })
    }
}

fn append_strings(s: &mut StrData, v: &[String], opts: &CArrayOptions) -> Result<()> {
    if let StrData::Dict {
        values,
        index,
        codes,
    } = s
    {
        let mut new_codes = Vec::with_capacity(v.len());
        let mut fits = true;
        for x in v {
            let code = match index.get(x) {
                Some(&c) => c,
                None => {
                    if values.len() >= MAX_DICT {
                        fits = false;
                        break;
                    }
                    let c = u32::try_from(values.len()).unwrap_or(u32::MAX);
                    values.push(x.clone());
                    index.insert(x.clone(), c);
                    c
                }
            };
            new_codes.push(code);
        }
        if fits {
            return codes.extend_from_slice(&new_codes);
        }
        // Too many distinct values: convert to plain storage, then append.
        let mut ends = CArray::<u64>::with_options(opts.clone())?;
        let mut bytes = CArray::<u8>::with_options(opts.clone())?;
        let mut end = 0u64;
        let mut buf_ends = Vec::new();
        let mut buf_bytes = Vec::new();
        for c in codes.iter() {
            let sv = &values[usize::try_from(c?).unwrap_or(usize::MAX)];
            buf_bytes.extend_from_slice(sv.as_bytes());
            end += sv.len() as u64;
            buf_ends.push(end);
        }
        ends.extend_from_slice(&buf_ends)?;
        bytes.extend_from_slice(&buf_bytes)?;
        *s = StrData::Plain { ends, bytes };
    }
    if let StrData::Plain { ends, bytes } = s {
        let mut end = if ends.is_empty() {
            0
        } else {
            ends.get(ends.len() - 1)?
        };
        let mut buf_ends = Vec::with_capacity(v.len());
        let mut buf_bytes = Vec::new();
        for x in v {
            buf_bytes.extend_from_slice(x.as_bytes());
            end += x.len() as u64;
            buf_ends.push(end);
        }
        ends.extend_from_slice(&buf_ends)?;
        bytes.extend_from_slice(&buf_bytes)?;
    }
    Ok(())
}

/// The string at row `i`.
pub(crate) fn string_at(s: &StrData, i: usize) -> Result<String> {
    match s {
        StrData::Dict { values, codes, .. } => {
            let c = usize::try_from(codes.get(i)?).unwrap_or(usize::MAX);
            values.get(c).cloned().ok_or(Error::CorruptChunk {
                chunk: i,
                reason: "dictionary code out of range",
            })
        }
        StrData::Plain { ends, bytes } => {
            let start = if i == 0 { 0 } else { ends.get(i - 1)? };
            let end = ends.get(i)?;
            // Offsets out of order (a damaged table) would cut another row's text: an error.
            let before = if i < 2 { 0 } else { ends.get(i - 2)? };
            let next = if i + 1 < ends.len() {
                ends.get(i + 1)?
            } else {
                end
            };
            if before > start || start > end || end > next {
                return Err(Error::CorruptChunk {
                    chunk: i / ends.chunklen().max(1),
                    reason: "text offsets out of order",
                });
            }
            let (a, b) = (
                usize::try_from(start).unwrap_or(usize::MAX),
                usize::try_from(end).unwrap_or(usize::MAX),
            );
            let raw = bytes.slice(a..b)?;
            String::from_utf8(raw).map_err(|_| Error::CorruptChunk {
                chunk: i,
                reason: "text is not UTF-8",
            })
        }
    }
}
