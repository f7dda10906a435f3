//! `--schema name:type,...` of `blz import`: column names and types for a CSV file.

use std::sync::Arc;

use anyhow::{Result, bail};
use blz::arrow::arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Parses `id:i64,price:f64,sym:utf8,ts:timestamp[us]` into an Arrow schema (every column
/// nullable). A name may hold any character but `,`; its type follows the last `:`.
///
/// # Errors
/// An empty list, a part without `:`, an empty name, a repeated name or an unknown type.
pub(crate) fn parse(text: &str) -> Result<SchemaRef> {
    // A mistake in the argument is a usage error (exit code 2).
    parse_fields(text).map_err(crate::usage)
}

fn parse_fields(text: &str) -> Result<SchemaRef> {
    let mut fields: Vec<Field> = Vec::new();
    for part in text.split(',') {
        let Some((name, ty)) = part.rsplit_once(':') else {
            bail!("--schema: expected NAME:TYPE, got {:?}", part.trim());
        };
        let name = name.trim();
        if name.is_empty() {
            bail!("--schema: a column without a name in {:?}", part.trim());
        }
        if fields.iter().any(|f| f.name() == name) {
            bail!("--schema: column {name:?} named twice");
        }
        fields.push(Field::new(name, data_type(ty.trim())?, true));
    }
    Ok(Arc::new(Schema::new(fields)))
}

fn data_type(ty: &str) -> Result<DataType> {
    Ok(match ty.to_ascii_lowercase().as_str() {
        "bool" | "boolean" => DataType::Boolean,
        "i8" | "int8" => DataType::Int8,
        "i16" | "int16" => DataType::Int16,
        "i32" | "int32" => DataType::Int32,
        "i64" | "int64" => DataType::Int64,
        "u8" | "uint8" => DataType::UInt8,
        "u16" | "uint16" => DataType::UInt16,
        "u32" | "uint32" => DataType::UInt32,
        "u64" | "uint64" => DataType::UInt64,
        "f32" | "float32" => DataType::Float32,
        "f64" | "float64" => DataType::Float64,
        "utf8" | "str" | "string" | "text" => DataType::Utf8,
        "timestamp[s]" => DataType::Timestamp(TimeUnit::Second, None),
        "timestamp[ms]" => DataType::Timestamp(TimeUnit::Millisecond, None),
        "timestamp" | "timestamp[us]" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamp[ns]" => DataType::Timestamp(TimeUnit::Nanosecond, None),
        "date" => DataType::Date32,
        other => bail!(
            "--schema: unknown type {other:?}; use bool, i8..i64, u8..u64, f32, f64, utf8, \
             timestamp[s|ms|us|ns] or date"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_arg_reads_names_and_types() {
        let s = parse("id:i64, price : f64,sym:utf8,ts:timestamp[ms]").unwrap();
        let names: Vec<&str> = s.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "price", "sym", "ts"]);
        assert_eq!(
            s.field(3).data_type(),
            &DataType::Timestamp(TimeUnit::Millisecond, None)
        );
        for bad in ["", "x", ":i64", "x:i64,x:f64", "x:decimal"] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
