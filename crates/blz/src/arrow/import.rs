//! Arrow -> blz: record batches into a [`CTable`] or a [`DiskTable`].

use std::borrow::Borrow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, DictionaryArray, RecordBatch};
use arrow_buffer::ArrowNativeType;
use arrow_schema::{ArrowError, DataType, TimeUnit as ArrowUnit};

use super::types::unsupported;
use crate::ctable::{AppendRows, CTable, ColumnBatch, ColumnSlice, Values, ValuesRef};
use crate::dtype::{TimeUnit, Timestamp};
use crate::error::{Error, Result};
use crate::storage::DiskTable;

/// Raw `i64` counts and unit of a timestamp or date array (`None` for other types). Dates
/// become seconds (`Date32`, days * 86 400, saturating) or milliseconds (`Date64`).
pub(crate) fn timestamp_values(a: &dyn Array) -> Option<(Vec<i64>, TimeUnit)> {
    Some(match a.data_type() {
        DataType::Timestamp(ArrowUnit::Second, _) => (
            a.as_primitive::<TimestampSecondType>().values().to_vec(),
            TimeUnit::Second,
        ),
        DataType::Timestamp(ArrowUnit::Millisecond, _) => (
            a.as_primitive::<TimestampMillisecondType>()
                .values()
                .to_vec(),
            TimeUnit::Millisecond,
        ),
        DataType::Timestamp(ArrowUnit::Microsecond, _) => (
            a.as_primitive::<TimestampMicrosecondType>()
                .values()
                .to_vec(),
            TimeUnit::Microsecond,
        ),
        DataType::Timestamp(ArrowUnit::Nanosecond, _) => (
            a.as_primitive::<TimestampNanosecondType>()
                .values()
                .to_vec(),
            TimeUnit::Nanosecond,
        ),
        DataType::Date32 => (
            a.as_primitive::<Date32Type>()
                .values()
                .iter()
                .map(|&d| i64::from(d) * 86_400)
                .collect(),
            TimeUnit::Second,
        ),
        DataType::Date64 => (
            a.as_primitive::<Date64Type>().values().to_vec(),
            TimeUnit::Millisecond,
        ),
        _ => return None,
    })
}

/// Strings of a dictionary array (null keys give "").
fn dict_strings<K: ArrowDictionaryKeyType>(a: &dyn Array) -> Option<Vec<String>> {
    let d: &DictionaryArray<K> = a.as_any().downcast_ref()?;
    let vals: Vec<String> = strings(d.values().as_ref())?;
    let keys = d.keys();
    Some(
        (0..keys.len())
            .map(|i| {
                if keys.is_null(i) {
                    return String::new();
                }
                vals.get(keys.value(i).as_usize())
                    .cloned()
                    .unwrap_or_default()
            })
            .collect(),
    )
}

/// Strings of a text array (`Utf8`, `LargeUtf8`, `Utf8View`, dictionaries of text); null
/// slots give "". `None` for other types.
fn strings(a: &dyn Array) -> Option<Vec<String>> {
    let null_aware = |v: &str, i: usize| {
        if a.is_null(i) {
            String::new()
        } else {
            v.to_owned()
        }
    };
    Some(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            (0..s.len()).map(|i| null_aware(s.value(i), i)).collect()
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            (0..s.len()).map(|i| null_aware(s.value(i), i)).collect()
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            (0..s.len()).map(|i| null_aware(s.value(i), i)).collect()
        }
        DataType::Dictionary(k, _) => match **k {
            DataType::Int8 => dict_strings::<Int8Type>(a)?,
            DataType::Int16 => dict_strings::<Int16Type>(a)?,
            DataType::Int32 => dict_strings::<Int32Type>(a)?,
            DataType::Int64 => dict_strings::<Int64Type>(a)?,
            DataType::UInt8 => dict_strings::<UInt8Type>(a)?,
            DataType::UInt16 => dict_strings::<UInt16Type>(a)?,
            DataType::UInt32 => dict_strings::<UInt32Type>(a)?,
            DataType::UInt64 => dict_strings::<UInt64Type>(a)?,
            _ => return None,
        },
        _ => return None,
    })
}

/// One Arrow column as blz values and validity (`None` when no value is null).
///
/// # Errors
/// [`Error::UnsupportedArrowType`] naming the column for a type blz does not store.
pub(crate) fn array_to_batch(name: &str, a: &dyn Array) -> Result<ColumnBatch> {
    macro_rules! prim {
        ($v:ident, $t:ty) => {
            Values::$v(a.as_primitive::<$t>().values().to_vec())
        };
    }
    let values = match a.data_type() {
        DataType::Boolean => Values::Bool(a.as_boolean().values().iter().collect()),
        DataType::Int8 => prim!(I8, Int8Type),
        DataType::Int16 => prim!(I16, Int16Type),
        DataType::Int32 => prim!(I32, Int32Type),
        DataType::Int64 => prim!(I64, Int64Type),
        DataType::UInt8 => prim!(U8, UInt8Type),
        DataType::UInt16 => prim!(U16, UInt16Type),
        DataType::UInt32 => prim!(U32, UInt32Type),
        DataType::UInt64 => prim!(U64, UInt64Type),
        DataType::Float32 => prim!(F32, Float32Type),
        DataType::Float64 => prim!(F64, Float64Type),
        dt => {
            // Check the type first so a dictionary of numbers names the column.
            super::types::from_arrow_type(name, dt)?;
            if let Some((raw, unit)) = timestamp_values(a) {
                Values::Timestamp(bytemuck::cast_vec::<i64, Timestamp>(raw), unit)
            } else if let Some(s) = strings(a) {
                Values::Utf8(s)
            } else {
                return Err(unsupported(name, dt));
            }
        }
    };
    let validity = validity_of(a);
    Ok(ColumnBatch {
        name: name.to_owned(),
        values,
        validity,
    })
}

/// The values of a numeric array as a slice of its buffer (`None` for other types).
fn borrowed(a: &dyn Array) -> Option<ValuesRef<'_>> {
    Some(match a.data_type() {
        DataType::Int8 => ValuesRef::I8(a.as_primitive::<Int8Type>().values()),
        DataType::Int16 => ValuesRef::I16(a.as_primitive::<Int16Type>().values()),
        DataType::Int32 => ValuesRef::I32(a.as_primitive::<Int32Type>().values()),
        DataType::Int64 => ValuesRef::I64(a.as_primitive::<Int64Type>().values()),
        DataType::UInt8 => ValuesRef::U8(a.as_primitive::<UInt8Type>().values()),
        DataType::UInt16 => ValuesRef::U16(a.as_primitive::<UInt16Type>().values()),
        DataType::UInt32 => ValuesRef::U32(a.as_primitive::<UInt32Type>().values()),
        DataType::UInt64 => ValuesRef::U64(a.as_primitive::<UInt64Type>().values()),
        DataType::Float32 => ValuesRef::F32(a.as_primitive::<Float32Type>().values()),
        DataType::Float64 => ValuesRef::F64(a.as_primitive::<Float64Type>().values()),
        _ => return None,
    })
}

/// The validity of an array with nulls (`None` when it has none).
fn validity_of(a: &dyn Array) -> Option<Vec<bool>> {
    a.logical_nulls()
        .filter(|n| n.null_count() > 0)
        .map(|n| n.iter().collect())
}

/// The blz error inside an Arrow error (as the readers of this module report theirs), else
/// the Arrow error with what was being done.
pub(crate) fn from_arrow_error(e: ArrowError, context: impl Into<String>) -> Error {
    match e {
        ArrowError::ExternalError(b) => match b.downcast::<Error>() {
            Ok(inner) => *inner,
            Err(other) => Error::Arrow {
                context: context.into(),
                source: ArrowError::ExternalError(other),
            },
        },
        source => Error::Arrow {
            context: context.into(),
            source,
        },
    }
}

/// A blz error carried through an Arrow interface (unwrapped again by this module's importers).
pub(crate) fn to_arrow_error(e: Error) -> ArrowError {
    ArrowError::ExternalError(Box::new(e))
}

impl CTable {
    /// Appends the rows of a record batch, matching columns by name. On an empty table without
    /// columns the first batch creates them (types as in [`from_arrow_type`]); a batch with no
    /// rows still creates them. All or nothing, as [`CTable::append`].
    ///
    /// [`from_arrow_type`]: crate::arrow::from_arrow_type
    ///
    /// # Errors
    /// [`Error::UnsupportedArrowType`] naming the first column of a type blz does not store; the
    /// errors of [`CTable::append`] (missing or unknown columns, other types).
    pub fn append_record_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        append_record_batch(self, batch)
    }

    /// A new table with the rows of these batches, in order (columns from the first batch).
    ///
    /// # Errors
    /// As [`CTable::append_record_batch`].
    pub fn from_record_batches<B: Borrow<RecordBatch>>(
        batches: impl IntoIterator<Item = B>,
    ) -> Result<CTable> {
        let mut t = CTable::new();
        for b in batches {
            t.append_record_batch(b.borrow())?;
        }
        Ok(t)
    }
}

impl DiskTable {
    /// Appends the rows of a record batch, as [`CTable::append_record_batch`]; durable at the
    /// next commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::append_record_batch`].
    pub fn append_record_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        append_record_batch(self, batch)
    }
}

/// See [`CTable::append_record_batch`]; appends to any [`AppendRows`].
fn append_record_batch<T: AppendRows + ?Sized>(table: &mut T, batch: &RecordBatch) -> Result<()> {
    let schema = batch.schema();
    // Numbers are compressed straight from the arrays' buffers; bools, text, timestamps
    // and dictionaries are converted first.
    let mut owned: Vec<Option<ColumnBatch>> = Vec::with_capacity(batch.num_columns());
    let mut nulls: Vec<Option<Vec<bool>>> = Vec::with_capacity(batch.num_columns());
    for (f, a) in schema.fields().iter().zip(batch.columns()) {
        if borrowed(a.as_ref()).is_some() {
            owned.push(None);
            nulls.push(validity_of(a.as_ref()));
        } else {
            owned.push(Some(array_to_batch(f.name(), a.as_ref())?));
            nulls.push(None);
        }
    }
    let mut cols = Vec::with_capacity(owned.len());
    for (((f, a), o), v) in schema
        .fields()
        .iter()
        .zip(batch.columns())
        .zip(&owned)
        .zip(&nulls)
    {
        cols.push(match (o, borrowed(a.as_ref())) {
            (Some(b), _) => b.as_slice(),
            (None, Some(values)) => ColumnSlice {
                name: f.name(),
                values,
                validity: v.as_deref(),
            },
            (None, None) => return Err(unsupported(f.name(), a.data_type())),
        });
    }
    table.append_rows(&cols)
}

/// Appends every batch of `reader` (any `RecordBatchReader`, or any iterator of
/// `Result<RecordBatch, ArrowError>`) to `table` (a [`CTable`], or a [`DiskTable`] whose rows
/// become durable at its commit), calling `progress` with the number of rows
/// appended so far after each batch. Returns the number of rows appended.
///
/// Each batch is appended all or nothing; on an error the batches before it stay appended.
///
/// # Errors
/// The reader's errors (a CSV value that does not parse, with its file, line and column;
/// [`Error::Arrow`] for others) and those of [`CTable::append_record_batch`].
pub fn import_batches<I, T>(reader: I, table: &mut T, mut progress: impl FnMut(u64)) -> Result<u64>
where
    I: IntoIterator<Item = std::result::Result<RecordBatch, ArrowError>>,
    T: AppendRows + ?Sized,
{
    let mut rows = 0u64;
    for b in reader {
        let b = b.map_err(|e| from_arrow_error(e, "reading a record batch"))?;
        append_record_batch(table, &b)?;
        rows += b.num_rows() as u64;
        progress(rows);
    }
    Ok(rows)
}
