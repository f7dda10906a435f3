//! A text column of a CSV batch as a typed Arrow array.

use std::path::Path;
use std::sync::Arc;

use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, BooleanArray, PrimitiveArray, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType, Field, TimeUnit as ArrowUnit};

use super::infer::{parse_date, parse_ts};
use crate::dtype::TimeUnit;
use crate::error::{Error, Result};

/// Whether a field is missing: one of `nulls`, or `NaN`/`nan` outside text columns.
pub(crate) fn is_null(nulls: &[String], nan_is_null: bool, text: bool, s: &str) -> bool {
    nulls.iter().any(|n| n == s) || (nan_is_null && !text && (s == "NaN" || s == "nan"))
}

/// The type a field must read as, for errors.
fn expected(dt: &DataType) -> String {
    match dt {
        DataType::Date32 | DataType::Date64 => {
            "date (YYYY-MM-DD that exists, no time of day)".to_owned()
        }
        DataType::Timestamp(..) => format!("{dt} (a date or date-time that exists)"),
        other => other.to_string(),
    }
}

/// Typed column `field` of a batch read as text; `lines` are the records' lines, for errors.
pub(crate) fn convert(
    field: &Field,
    col: &StringArray,
    lines: &[u64],
    path: &Path,
    null_values: &[String],
    nan_is_null: bool,
) -> Result<ArrayRef> {
    let text = *field.data_type() == DataType::Utf8;
    let valid: Vec<bool> = (0..col.len())
        .map(|i| !is_null(null_values, nan_is_null, text, col.value(i)))
        .collect();
    let nulls = valid
        .iter()
        .any(|&v| !v)
        .then(|| NullBuffer::from(valid.clone()));
    let fail = |i: usize| Error::Csv {
        path: path.to_owned(),
        line: lines.get(i).copied().unwrap_or(0),
        column: field.name().clone(),
        value: col.value(i).to_owned(),
        expected: expected(field.data_type()),
    };
    macro_rules! prim {
        ($t:ty, $parse:expr) => {{
            let parse = $parse;
            let mut v = Vec::with_capacity(col.len());
            for (i, &ok) in valid.iter().enumerate() {
                if ok {
                    v.push(parse(col.value(i).trim()).ok_or_else(|| fail(i))?);
                } else {
                    v.push(<$t as ArrowPrimitiveType>::Native::default());
                }
            }
            Arc::new(
                PrimitiveArray::<$t>::new(v.into(), nulls)
                    .with_data_type(field.data_type().clone()),
            ) as ArrayRef
        }};
    }
    fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
        s.parse().ok()
    }
    let ts = |u: TimeUnit| move |s: &str| parse_ts(s, u).ok();
    Ok(match field.data_type() {
        DataType::Utf8 => Arc::new(StringArray::new(
            col.offsets().clone(),
            col.values().clone(),
            nulls,
        )),
        DataType::Boolean => {
            let mut v = Vec::with_capacity(col.len());
            for (i, &ok) in valid.iter().enumerate() {
                let s = col.value(i).trim();
                v.push(if !ok {
                    false
                } else if s.eq_ignore_ascii_case("true") {
                    true
                } else if s.eq_ignore_ascii_case("false") {
                    false
                } else {
                    return Err(fail(i));
                });
            }
            Arc::new(BooleanArray::new(BooleanBuffer::from(v), nulls))
        }
        DataType::Int8 => prim!(Int8Type, num::<i8>),
        DataType::Int16 => prim!(Int16Type, num::<i16>),
        DataType::Int32 => prim!(Int32Type, num::<i32>),
        DataType::Int64 => prim!(Int64Type, num::<i64>),
        DataType::UInt8 => prim!(UInt8Type, num::<u8>),
        DataType::UInt16 => prim!(UInt16Type, num::<u16>),
        DataType::UInt32 => prim!(UInt32Type, num::<u32>),
        DataType::UInt64 => prim!(UInt64Type, num::<u64>),
        DataType::Float32 => prim!(Float32Type, num::<f32>),
        DataType::Float64 => prim!(Float64Type, num::<f64>),
        DataType::Timestamp(ArrowUnit::Second, _) => {
            prim!(TimestampSecondType, ts(TimeUnit::Second))
        }
        DataType::Timestamp(ArrowUnit::Millisecond, _) => {
            prim!(TimestampMillisecondType, ts(TimeUnit::Millisecond))
        }
        DataType::Timestamp(ArrowUnit::Microsecond, _) => {
            prim!(TimestampMicrosecondType, ts(TimeUnit::Microsecond))
        }
        DataType::Timestamp(ArrowUnit::Nanosecond, _) => {
            prim!(TimestampNanosecondType, ts(TimeUnit::Nanosecond))
        }
        // A date refuses a time of day rather than cutting it to midnight.
        DataType::Date32 => prim!(Date32Type, |s: &str| {
            parse_date(s).and_then(|d| i32::try_from(d).ok())
        }),
        DataType::Date64 => prim!(Date64Type, |s: &str| {
            parse_date(s).and_then(|d| d.checked_mul(86_400_000))
        }),
        other => return Err(super::super::types::unsupported(field.name(), other)),
    })
}
