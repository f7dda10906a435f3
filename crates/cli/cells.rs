//! Cells of Arrow record batches (as a table streams its rows) as blz [`Value`]s, for the
//! row writers of `blz query`.

use anyhow::{Result, bail};
use blz::arrow::arrow_array::cast::AsArray;
use blz::arrow::arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use blz::arrow::arrow_array::{Array, RecordBatch};
use blz::arrow::arrow_schema::{DataType, TimeUnit as ArrowUnit};
use blz::{TimeUnit, Value};

/// Row `i` of a column as a [`Value`].
fn cell(a: &dyn Array, i: usize) -> Result<Value> {
    if a.is_null(i) {
        return Ok(Value::Null);
    }
    Ok(match a.data_type() {
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8 => Value::Int(i64::from(a.as_primitive::<Int8Type>().value(i))),
        DataType::Int16 => Value::Int(i64::from(a.as_primitive::<Int16Type>().value(i))),
        DataType::Int32 => Value::Int(i64::from(a.as_primitive::<Int32Type>().value(i))),
        DataType::Int64 => Value::Int(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Value::UInt(u64::from(a.as_primitive::<UInt8Type>().value(i))),
        DataType::UInt16 => Value::UInt(u64::from(a.as_primitive::<UInt16Type>().value(i))),
        DataType::UInt32 => Value::UInt(u64::from(a.as_primitive::<UInt32Type>().value(i))),
        DataType::UInt64 => Value::UInt(a.as_primitive::<UInt64Type>().value(i)),
        DataType::Float32 => Value::Float(f64::from(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => Value::Float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Timestamp(u, _) => match u {
            ArrowUnit::Second => Value::Timestamp(
                a.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Second,
            ),
            ArrowUnit::Millisecond => Value::Timestamp(
                a.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Millisecond,
            ),
            ArrowUnit::Microsecond => Value::Timestamp(
                a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Microsecond,
            ),
            ArrowUnit::Nanosecond => Value::Timestamp(
                a.as_primitive::<TimestampNanosecondType>().value(i),
                TimeUnit::Nanosecond,
            ),
        },
        DataType::Utf8 => Value::Str(a.as_string::<i32>().value(i).to_owned()),
        DataType::LargeUtf8 => Value::Str(a.as_string::<i64>().value(i).to_owned()),
        other => bail!("cannot show a column of Arrow type {other}"),
    })
}

/// Calls `f` with the cells of each row of `batch`, in order.
///
/// # Errors
/// A column type blz does not export; the errors of `f`.
pub(crate) fn for_each_row(
    batch: &RecordBatch,
    mut f: impl FnMut(&[Value]) -> Result<()>,
) -> Result<()> {
    let mut row = Vec::with_capacity(batch.num_columns());
    for i in 0..batch.num_rows() {
        row.clear();
        for a in batch.columns() {
            row.push(cell(a.as_ref(), i)?);
        }
        f(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use blz::{CTable, ColumnBatch, Values};

    #[test]
    fn table_rows_come_back_as_values() {
        let mut t = CTable::new();
        t.append(vec![
            ColumnBatch::new("a", vec![1i32, 2, 3]),
            ColumnBatch::new("b", vec![0.5f64, 1.5, 2.5]).with_validity(vec![true, false, true]),
            ColumnBatch::new("s", vec!["x", "y", "z"]),
            ColumnBatch::new(
                "t",
                Values::Timestamp(vec![blz::Timestamp(7); 3], TimeUnit::Second),
            ),
            ColumnBatch::new("u", vec![5u64, 6, 7]),
            ColumnBatch::new("f", vec![true, false, true]),
        ])
        .unwrap();
        let mut rows = Vec::new();
        for b in t.record_batches(None, 2).unwrap() {
            for_each_row(&b.unwrap(), |r| {
                rows.push(r.to_vec());
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1],
            vec![
                Value::Int(2),
                Value::Null,
                Value::Str("y".into()),
                Value::Timestamp(7, TimeUnit::Second),
                Value::UInt(6),
                Value::Bool(false),
            ]
        );
    }
}
