//! The type mapping between blz and Arrow, and [`CArray`] <-> Arrow primitive arrays.

use std::sync::Arc;

use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, BooleanArray, PrimitiveArray};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType, TimeUnit as ArrowUnit};

use crate::carray::{CArray, CArrayOptions};
use crate::ctable::ColumnType;
use crate::dtype::{DType, Element, TimeUnit, Timestamp};
use crate::error::{Error, Result};

/// The Arrow unit of a blz timestamp unit.
pub(crate) fn unit_to_arrow(u: TimeUnit) -> ArrowUnit {
    match u {
        TimeUnit::Second => ArrowUnit::Second,
        TimeUnit::Millisecond => ArrowUnit::Millisecond,
        TimeUnit::Microsecond => ArrowUnit::Microsecond,
        TimeUnit::Nanosecond => ArrowUnit::Nanosecond,
    }
}

fn unit_from_arrow(u: ArrowUnit) -> TimeUnit {
    match u {
        ArrowUnit::Second => TimeUnit::Second,
        ArrowUnit::Millisecond => TimeUnit::Millisecond,
        ArrowUnit::Microsecond => TimeUnit::Microsecond,
        ArrowUnit::Nanosecond => TimeUnit::Nanosecond,
    }
}

/// The Arrow type a blz column exports as (text as `Utf8`, timestamps without a time zone).
pub fn to_arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Utf8 => DataType::Utf8,
        ColumnType::Fixed(d) => match d {
            DType::Bool => DataType::Boolean,
            DType::I8 => DataType::Int8,
            DType::I16 => DataType::Int16,
            DType::I32 => DataType::Int32,
            DType::I64 => DataType::Int64,
            DType::U8 => DataType::UInt8,
            DType::U16 => DataType::UInt16,
            DType::U32 => DataType::UInt32,
            DType::U64 => DataType::UInt64,
            DType::F32 => DataType::Float32,
            DType::Timestamp(u) => DataType::Timestamp(unit_to_arrow(u), None),
            // `DType` is non-exhaustive; F64 and anything added later.
            _ => DataType::Float64,
        },
    }
}

/// The blz column type an Arrow column imports as.
///
/// `Timestamp(unit, tz)` keeps its unit and drops the time zone (values are UTC instants);
/// `Date32` becomes `timestamp[s]` and `Date64` `timestamp[ms]`; `Utf8`, `LargeUtf8`,
/// `Utf8View` and dictionaries of those (any integer key) become `utf8`.
///
/// # Errors
/// [`Error::UnsupportedArrowType`] naming `column` and the type for any other type.
pub fn from_arrow_type(column: &str, dt: &DataType) -> Result<ColumnType> {
    let d = match dt {
        DataType::Boolean => DType::Bool,
        DataType::Int8 => DType::I8,
        DataType::Int16 => DType::I16,
        DataType::Int32 => DType::I32,
        DataType::Int64 => DType::I64,
        DataType::UInt8 => DType::U8,
        DataType::UInt16 => DType::U16,
        DataType::UInt32 => DType::U32,
        DataType::UInt64 => DType::U64,
        DataType::Float32 => DType::F32,
        DataType::Float64 => DType::F64,
        DataType::Timestamp(u, _) => DType::Timestamp(unit_from_arrow(*u)),
        DataType::Date32 => DType::Timestamp(TimeUnit::Second),
        DataType::Date64 => DType::Timestamp(TimeUnit::Millisecond),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => return Ok(ColumnType::Utf8),
        DataType::Dictionary(k, v)
            if k.is_dictionary_key_type()
                && matches!(**v, DataType::Utf8 | DataType::LargeUtf8) =>
        {
            return Ok(ColumnType::Utf8);
        }
        other => return Err(unsupported(column, other)),
    };
    Ok(ColumnType::Fixed(d))
}

pub(crate) fn unsupported(column: &str, dt: &DataType) -> Error {
    Error::UnsupportedArrowType {
        column: column.to_owned(),
        data_type: dt.to_string(),
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An [`Element`] with an Arrow array type: every element type (sealed).
pub trait ArrowElement: Element + sealed::Sealed {
    /// The values as an Arrow array of type `dtype` (which carries a timestamp's unit).
    #[doc(hidden)]
    fn into_array(xs: Vec<Self>, dtype: DType, nulls: Option<NullBuffer>) -> ArrayRef;
    /// The values of an array, when its type fits `Self`; `None` otherwise.
    #[doc(hidden)]
    fn from_array(a: &dyn Array) -> Option<(Vec<Self>, DType)>;
}

macro_rules! prim {
    ($t:ty, $at:ty) => {
        impl sealed::Sealed for $t {}
        impl ArrowElement for $t {
            fn into_array(xs: Vec<$t>, _dtype: DType, nulls: Option<NullBuffer>) -> ArrayRef {
                Arc::new(PrimitiveArray::<$at>::new(xs.into(), nulls))
            }
            fn from_array(a: &dyn Array) -> Option<(Vec<$t>, DType)> {
                let p = a.as_any().downcast_ref::<PrimitiveArray<$at>>()?;
                Some((p.values().to_vec(), <$t as Element>::DTYPE))
            }
        }
    };
}

prim!(i8, Int8Type);
prim!(i16, Int16Type);
prim!(i32, Int32Type);
prim!(i64, Int64Type);
prim!(u8, UInt8Type);
prim!(u16, UInt16Type);
prim!(u32, UInt32Type);
prim!(u64, UInt64Type);
prim!(f32, Float32Type);
prim!(f64, Float64Type);

impl sealed::Sealed for bool {}
impl ArrowElement for bool {
    fn into_array(xs: Vec<bool>, _dtype: DType, nulls: Option<NullBuffer>) -> ArrayRef {
        Arc::new(BooleanArray::new(BooleanBuffer::from(xs), nulls))
    }
    fn from_array(a: &dyn Array) -> Option<(Vec<bool>, DType)> {
        let b = a.as_any().downcast_ref::<BooleanArray>()?;
        Some((b.values().iter().collect(), DType::Bool))
    }
}

impl sealed::Sealed for Timestamp {}
impl ArrowElement for Timestamp {
    fn into_array(xs: Vec<Timestamp>, dtype: DType, nulls: Option<NullBuffer>) -> ArrayRef {
        let unit = match dtype {
            DType::Timestamp(u) => u,
            _ => TimeUnit::Nanosecond,
        };
        let raw: Vec<i64> = bytemuck::cast_vec(xs);
        timestamp_array(raw, unit, nulls)
    }
    fn from_array(a: &dyn Array) -> Option<(Vec<Timestamp>, DType)> {
        let (raw, unit) = super::import::timestamp_values(a)?;
        Some((bytemuck::cast_vec(raw), DType::Timestamp(unit)))
    }
}

/// A timestamp array of `unit` (no time zone).
pub(crate) fn timestamp_array(
    raw: Vec<i64>,
    unit: TimeUnit,
    nulls: Option<NullBuffer>,
) -> ArrayRef {
    use arrow_array::{
        TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
        TimestampSecondArray,
    };
    let v = raw.into();
    match unit {
        TimeUnit::Second => Arc::new(TimestampSecondArray::new(v, nulls)),
        TimeUnit::Millisecond => Arc::new(TimestampMillisecondArray::new(v, nulls)),
        TimeUnit::Microsecond => Arc::new(TimestampMicrosecondArray::new(v, nulls)),
        // `TimeUnit` is non-exhaustive: nanoseconds and anything finer added later.
        _ => Arc::new(TimestampNanosecondArray::new(v, nulls)),
    }
}

impl<T: ArrowElement> CArray<T> {
    /// The whole column as an Arrow array: `PrimitiveArray` for numbers, `BooleanArray` for
    /// `bool`, `Timestamp*Array` in the column's unit (no time zone) for timestamps.
    ///
    /// # Errors
    /// If a chunk fails to decompress.
    pub fn to_arrow(&self) -> Result<ArrayRef> {
        Ok(T::into_array(self.to_vec()?, self.dtype(), None))
    }

    /// A column holding a copy of an Arrow array of the matching type (any timestamp unit, or
    /// `Date32`/`Date64`, for `CArray<Timestamp>`; the unit is kept).
    ///
    /// # Errors
    /// [`Error::UnsupportedArrowType`] for an array of another type;
    /// [`Error::InvalidParam`] when the array holds nulls (a `CArray` has no validity: use a
    /// [`CTable`](crate::CTable) column).
    pub fn from_arrow(array: &dyn Array) -> Result<Self> {
        let Some((xs, dtype)) = T::from_array(array) else {
            return Err(unsupported(
                &format!("CArray<{}>", T::DTYPE),
                array.data_type(),
            ));
        };
        if array.null_count() > 0 {
            return Err(Error::param(
                "array",
                format!("{} nulls", array.null_count()),
                "no nulls (a CArray has no validity; use a CTable column)",
            ));
        }
        let opts = CArrayOptions::default()
            .with_expected_len(xs.len())
            .with_dtype(dtype);
        let mut a = CArray::with_options(opts)?;
        a.extend_from_slice(&xs)?;
        Ok(a)
    }
}
