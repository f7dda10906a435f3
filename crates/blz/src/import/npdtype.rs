//! numpy dtype strings (`int64`, `<f8`, `>M8[ns]`, `|S5`, `<U3`) and the conversion of raw
//! numpy bytes into blz [`Values`].

use crate::ctable::{ColumnType, Values};
use crate::dtype::{DType, TimeUnit, Timestamp};

use super::ImportError;

/// The kind of a numpy dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    UInt,
    Float,
    /// `datetime64`: blz unit and the factor that turns a count of the numpy unit into it.
    DateTime(TimeUnit, i64),
    /// `timedelta64`: kept as an `i64` count of its unit.
    TimeDelta,
    /// `S`: bytes, NUL padded; imported as UTF-8 text.
    Bytes,
    /// `U`: UTF-32 code points, NUL padded.
    Unicode,
}

/// A fixed-width numpy dtype blz can import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NpDType {
    kind: Kind,
    itemsize: usize,
    big_endian: bool,
}

fn unsupported(s: &str, reason: &'static str) -> ImportError {
    ImportError::UnsupportedDType {
        dtype: s.to_owned(),
        reason,
    }
}

/// The blz unit and factor of a `datetime64` unit such as `ns`, `D` or `10s`.
fn time_unit(s: &str, unit: &str) -> Result<(TimeUnit, i64), ImportError> {
    let digits = unit.bytes().take_while(u8::is_ascii_digit).count();
    let (count, name) = unit.split_at(digits);
    let count: i64 = if count.is_empty() {
        1
    } else {
        count
            .parse()
            .map_err(|_| unsupported(s, "unit count out of range"))?
    };
    let (u, f) = match name {
        "ns" => (TimeUnit::Nanosecond, 1i64),
        "us" => (TimeUnit::Microsecond, 1),
        "ms" => (TimeUnit::Millisecond, 1),
        "s" => (TimeUnit::Second, 1),
        "m" => (TimeUnit::Second, 60),
        "h" => (TimeUnit::Second, 3_600),
        "D" => (TimeUnit::Second, 86_400),
        "W" => (TimeUnit::Second, 604_800),
        "Y" | "M" => return Err(unsupported(s, "years and months have no fixed length")),
        "" => return Err(unsupported(s, "generic datetime64 without a unit")),
        _ => return Err(unsupported(s, "unit finer than ns or unknown")),
    };
    let f = f
        .checked_mul(count)
        .ok_or_else(|| unsupported(s, "unit count out of range"))?;
    Ok((u, f))
}

impl NpDType {
    /// Parses a numpy dtype string: a name as `str(dtype)` writes it (`int64`, `bool`,
    /// `datetime64[ns]`) or an array-protocol type string (`<i8`, `|b1`, `>M8[ms]`, `|S7`).
    /// A string without a byte order (`=`, `|` or none) means little-endian.
    ///
    /// # Errors
    /// [`ImportError::UnsupportedDType`].
    pub(crate) fn parse(s: &str) -> Result<NpDType, ImportError> {
        let t = s.trim();
        let named = |size: usize, kind: Kind| NpDType {
            kind,
            itemsize: size,
            big_endian: false,
        };
        let by_name = match t {
            "bool" => Some(named(1, Kind::Bool)),
            "int8" => Some(named(1, Kind::Int)),
            "int16" => Some(named(2, Kind::Int)),
            "int32" => Some(named(4, Kind::Int)),
            "int64" => Some(named(8, Kind::Int)),
            "uint8" => Some(named(1, Kind::UInt)),
            "uint16" => Some(named(2, Kind::UInt)),
            "uint32" => Some(named(4, Kind::UInt)),
            "uint64" => Some(named(8, Kind::UInt)),
            "float16" => Some(named(2, Kind::Float)),
            "float32" => Some(named(4, Kind::Float)),
            "float64" => Some(named(8, Kind::Float)),
            _ => None,
        };
        if let Some(d) = by_name {
            return Ok(d);
        }
        if let Some(unit) = t
            .strip_prefix("datetime64[")
            .and_then(|r| r.strip_suffix(']'))
        {
            let (u, f) = time_unit(s, unit)?;
            return Ok(named(8, Kind::DateTime(u, f)));
        }
        if let Some(unit) = t
            .strip_prefix("timedelta64[")
            .and_then(|r| r.strip_suffix(']'))
        {
            time_unit(s, unit)?;
            return Ok(named(8, Kind::TimeDelta));
        }
        let (big_endian, rest) = match t.as_bytes().first() {
            Some(b'>') => (true, &t[1..]),
            Some(b'<' | b'|' | b'=') => (false, &t[1..]),
            _ => (false, t),
        };
        let mut chars = rest.chars();
        let code = chars.next().ok_or_else(|| unsupported(s, "empty dtype"))?;
        let rest = chars.as_str();
        let (digits, unit) = match rest.find('[') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let size: usize = if digits.is_empty() && code == '?' {
            1
        } else {
            digits.parse().map_err(|_| unsupported(s, "no item size"))?
        };
        let unit = match unit {
            Some(u) => Some(
                u.strip_prefix('[')
                    .and_then(|u| u.strip_suffix(']'))
                    .ok_or_else(|| unsupported(s, "unit not in brackets"))?,
            ),
            None => None,
        };
        if unit.is_some() && !matches!(code, 'M' | 'm') {
            return Err(unsupported(s, "a unit on a type that has none"));
        }
        let kind = match (code, size) {
            ('b' | '?', 1) => Kind::Bool,
            ('i', 1 | 2 | 4 | 8) => Kind::Int,
            ('u', 1 | 2 | 4 | 8) => Kind::UInt,
            ('f', 2 | 4 | 8) => Kind::Float,
            ('M', 8) => {
                let (u, f) = time_unit(s, unit.unwrap_or(""))?;
                Kind::DateTime(u, f)
            }
            ('m', 8) => {
                time_unit(s, unit.unwrap_or(""))?;
                Kind::TimeDelta
            }
            ('S' | 'a', 1..) => Kind::Bytes,
            ('U', 1..) => Kind::Unicode,
            ('S' | 'a' | 'U', 0) => return Err(unsupported(s, "zero-width strings")),
            ('c', _) => return Err(unsupported(s, "complex numbers")),
            ('O', _) => return Err(unsupported(s, "Python objects")),
            ('V', _) => return Err(unsupported(s, "structured or void types")),
            ('f', _) => return Err(unsupported(s, "float wider than 64 bits")),
            _ => return Err(unsupported(s, "unknown type code or item size")),
        };
        let itemsize = if kind == Kind::Unicode {
            size.checked_mul(4)
                .ok_or_else(|| unsupported(s, "item size out of range"))?
        } else {
            size
        };
        Ok(NpDType {
            kind,
            itemsize,
            big_endian,
        })
    }

    /// The dtype of a blz [`DType`] (little-endian).
    pub(crate) fn from_dtype(d: DType) -> NpDType {
        let (kind, itemsize) = match d {
            DType::Bool => (Kind::Bool, 1),
            DType::I8 => (Kind::Int, 1),
            DType::I16 => (Kind::Int, 2),
            DType::I32 => (Kind::Int, 4),
            DType::I64 => (Kind::Int, 8),
            DType::U8 => (Kind::UInt, 1),
            DType::U16 => (Kind::UInt, 2),
            DType::U32 => (Kind::UInt, 4),
            DType::U64 => (Kind::UInt, 8),
            DType::F32 => (Kind::Float, 4),
            DType::Timestamp(u) => (Kind::DateTime(u, 1), 8),
            _ => (Kind::Float, 8),
        };
        NpDType {
            kind,
            itemsize,
            big_endian: false,
        }
    }

    /// Bytes per element.
    pub(crate) fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The blz column type the values become.
    pub(crate) fn column_type(&self) -> ColumnType {
        ColumnType::Fixed(match (self.kind, self.itemsize) {
            (Kind::Bool, _) => DType::Bool,
            (Kind::Int, 1) => DType::I8,
            (Kind::Int, 2) => DType::I16,
            (Kind::Int, 4) => DType::I32,
            (Kind::UInt, 1) => DType::U8,
            (Kind::UInt, 2) => DType::U16,
            (Kind::UInt, 4) => DType::U32,
            (Kind::UInt, _) => DType::U64,
            (Kind::Float, 2 | 4) => DType::F32,
            (Kind::Float, _) => DType::F64,
            (Kind::DateTime(u, _), _) => DType::Timestamp(u),
            (Kind::Bytes | Kind::Unicode, _) => return ColumnType::Utf8,
            (Kind::Int | Kind::TimeDelta, _) => DType::I64,
        })
    }

    /// Converts raw numpy bytes (a whole number of items) into values; `first_row` is the row
    /// of the first item, for error messages.
    ///
    /// # Errors
    /// [`ImportError::Value`] for text that is not UTF-8 or a time out of the `i64` range.
    pub(crate) fn decode(
        &self,
        raw: &[u8],
        column: &str,
        first_row: usize,
    ) -> Result<Values, ImportError> {
        let be = self.big_endian;
        macro_rules! nums {
            ($t:ty, $n:literal) => {
                raw.chunks_exact($n)
                    .map(|c| {
                        let mut a = [0u8; $n];
                        a.copy_from_slice(c);
                        if be {
                            <$t>::from_be_bytes(a)
                        } else {
                            <$t>::from_le_bytes(a)
                        }
                    })
                    .collect::<Vec<$t>>()
            };
        }
        let bad = |row: usize, reason: &'static str| ImportError::Value {
            column: column.to_owned(),
            row: first_row + row,
            reason,
        };
        Ok(match (self.kind, self.itemsize) {
            (Kind::Bool, _) => Values::Bool(raw.iter().map(|&b| b != 0).collect()),
            (Kind::Int, 1) => Values::I8(nums!(i8, 1)),
            (Kind::Int, 2) => Values::I16(nums!(i16, 2)),
            (Kind::Int, 4) => Values::I32(nums!(i32, 4)),
            (Kind::UInt, 1) => Values::U8(raw.to_vec()),
            (Kind::UInt, 2) => Values::U16(nums!(u16, 2)),
            (Kind::UInt, 4) => Values::U32(nums!(u32, 4)),
            (Kind::UInt, _) => Values::U64(nums!(u64, 8)),
            (Kind::Float, 2) => Values::F32(nums!(u16, 2).into_iter().map(f16_to_f32).collect()),
            (Kind::Float, 4) => Values::F32(nums!(f32, 4)),
            (Kind::Float, _) => Values::F64(nums!(f64, 8)),
            (Kind::DateTime(u, f), _) => {
                let mut out = Vec::with_capacity(raw.len() / 8);
                for (i, x) in nums!(i64, 8).into_iter().enumerate() {
                    // NaT (i64::MIN) stays NaT whatever the unit.
                    let t = if x == i64::MIN {
                        x
                    } else {
                        x.checked_mul(f)
                            .filter(|&t| t != i64::MIN)
                            .ok_or_else(|| bad(i, "time out of the i64 range in seconds"))?
                    };
                    out.push(Timestamp(t));
                }
                Values::Timestamp(out, u)
            }
            (Kind::Int | Kind::TimeDelta, _) => Values::I64(nums!(i64, 8)),
            (Kind::Bytes, n) => {
                let mut out = Vec::with_capacity(raw.len() / n);
                for (i, item) in raw.chunks_exact(n).enumerate() {
                    let end = item.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                    let s = std::str::from_utf8(&item[..end])
                        .map_err(|_| bad(i, "bytes are not UTF-8"))?;
                    out.push(s.to_owned());
                }
                Values::Utf8(out)
            }
            (Kind::Unicode, n) => {
                let mut out = Vec::with_capacity(raw.len() / n);
                for (i, item) in raw.chunks_exact(n).enumerate() {
                    let mut s = String::new();
                    let mut zeros = 0usize;
                    for c in item.chunks_exact(4) {
                        let mut a = [0u8; 4];
                        a.copy_from_slice(c);
                        let cp = if be {
                            u32::from_be_bytes(a)
                        } else {
                            u32::from_le_bytes(a)
                        };
                        if cp == 0 {
                            // Trailing NULs are padding; inner ones are kept.
                            zeros += 1;
                            continue;
                        }
                        s.extend(std::iter::repeat_n('\0', zeros));
                        zeros = 0;
                        s.push(char::from_u32(cp).ok_or_else(|| bad(i, "invalid code point"))?);
                    }
                    out.push(s);
                }
                Values::Utf8(out)
            }
        })
    }
}

/// IEEE 754 half to single precision (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match exp {
        0 if man == 0 => sign,
        // Subnormal: man * 2^-24 (0x3380_0000), exact in f32.
        0 => sign | (f32::from(h & 0x3ff) * f32::from_bits(0x3380_0000)).to_bits(),
        31 => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npdtype_parses_names_and_typestrings() {
        let p = |s| NpDType::parse(s).map(|d| (d.column_type(), d.itemsize, d.big_endian));
        assert_eq!(
            p("int64").ok(),
            Some((ColumnType::Fixed(DType::I64), 8, false))
        );
        assert_eq!(
            p(">f4").ok(),
            Some((ColumnType::Fixed(DType::F32), 4, true))
        );
        assert_eq!(
            p("|b1").ok(),
            Some((ColumnType::Fixed(DType::Bool), 1, false))
        );
        assert_eq!(p("<U3").ok(), Some((ColumnType::Utf8, 12, false)));
        assert_eq!(p("|S7").ok(), Some((ColumnType::Utf8, 7, false)));
        assert_eq!(
            p("datetime64[D]").ok(),
            Some((
                ColumnType::Fixed(DType::Timestamp(TimeUnit::Second)),
                8,
                false
            ))
        );
        assert_eq!(
            p(">M8[us]").ok(),
            Some((
                ColumnType::Fixed(DType::Timestamp(TimeUnit::Microsecond)),
                8,
                true
            ))
        );
        for bad in [
            "", "<c16", "O", "|V8", "<M8", "<M8[Y]", "<M8[ps]", "<i3", "<i4[s]", "S0",
        ] {
            assert!(NpDType::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn f16_widens_exactly() {
        for (h, f) in [
            (0x3c00u16, 1.0f32),
            (0xc000, -2.0),
            (0x7bff, 65504.0),
            (0x0001, 5.960_464_5e-8),
            (0x8000, -0.0),
            (0x7c00, f32::INFINITY),
        ] {
            assert_eq!(f16_to_f32(h).to_bits(), f.to_bits(), "{h:#x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn unicode_keeps_inner_nuls_and_trims_padding() {
        let d = NpDType::parse("<U3").unwrap_or_else(|e| panic!("{e}"));
        let raw: Vec<u8> = [0x61u32, 0, 0x62, 0xe9, 0, 0]
            .iter()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        let v = d.decode(&raw, "c", 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v, Values::Utf8(vec!["a\0b".into(), "é".into()]));
    }
}
