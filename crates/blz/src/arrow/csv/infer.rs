//! Type inference for CSV columns, ISO 8601 timestamps, and delimiter sniffing.

use arrow_schema::{DataType, TimeUnit as ArrowUnit};

use super::split::CsvProblem;
use crate::dtype::TimeUnit;

/// Why a text is not a timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TsError {
    /// It does not look like one.
    Shape,
    /// It looks like one but names no instant (`2024-02-30`, `25:00`) or overflows.
    Invalid,
}

/// Days in month `mo` (1-12) of year `y` (proleptic Gregorian).
fn days_in_month(y: i64, mo: i64) -> i64 {
    match mo {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// ISO 8601 `YYYY-MM-DD`, `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]`, with an optional `Z` or
/// `+00:00` suffix, as a count of `unit` since the epoch (UTC).
pub(crate) fn parse_ts(s: &str, unit: TimeUnit) -> Result<i64, TsError> {
    use TsError::{Invalid, Shape};
    let s = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .unwrap_or(s);
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<i64, TsError> {
        let t = s.get(r).ok_or(Shape)?;
        if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Shape);
        }
        t.parse().map_err(|_| Invalid)
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(Shape);
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (mut secs, mut frac_ns) = (0i64, 0i64);
    let mut time_ok = true;
    if b.len() > 10 {
        if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
            return Err(Shape);
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let mut sec = 0;
        if b.len() > 16 {
            if b[16] != b':' || b.len() < 19 {
                return Err(Shape);
            }
            sec = num(17..19)?;
            if b.len() > 19 {
                let f = s.get(20..).ok_or(Shape)?;
                if b[19] != b'.' || f.is_empty() {
                    return Err(Shape);
                }
                if f.len() > 9 {
                    return Err(if f.bytes().all(|c| c.is_ascii_digit()) {
                        Invalid
                    } else {
                        Shape
                    });
                }
                let scale = 10i64.pow(u32::try_from(9 - f.len()).map_err(|_| Shape)?);
                frac_ns = num(20..b.len())? * scale;
            }
        }
        time_ok = h <= 23 && mi <= 59 && sec <= 59;
        secs = (h * 60 + mi) * 60 + sec;
    }
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || !time_ok {
        return Err(Invalid);
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let total_s = days
        .checked_mul(86_400)
        .and_then(|x| x.checked_add(secs))
        .ok_or(Invalid)?;
    let (per_s, ns_per) = match unit {
        TimeUnit::Second => (1, 1_000_000_000),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        _ => (1_000_000_000, 1),
    };
    total_s
        .checked_mul(per_s)
        .and_then(|x| x.checked_add(frac_ns / ns_per))
        .ok_or(Invalid)
}

/// A date without a time of day (midnight is accepted), as days since the epoch.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let secs = parse_ts(s, TimeUnit::Second).ok()?;
    (secs.rem_euclid(86_400) == 0).then(|| secs.div_euclid(86_400))
}

/// What a field looks like (ordered so that `max` merges int and float).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Ts,
    Text,
}

/// 2^53: integers up to this are exact in an `f64`.
const F64_EXACT: u64 = 1 << 53;

/// The first field (line, text) that made a column's type a problem.
type Culprit = Option<(u64, String)>;

/// What the sampled fields of one column look like.
#[derive(Clone, Debug)]
pub(crate) struct Infer {
    kind: Kind,
    /// A negative integer was seen.
    negative: Culprit,
    /// An integer above `i64::MAX` that fits `u64`.
    above_i64: Culprit,
    /// An integer that fits neither `i64` nor `u64`.
    too_big: Culprit,
    /// An integer beyond 2^53 (not exact as `f64`).
    inexact: Culprit,
    /// A date-like field that names no date.
    bad_ts: Culprit,
}

impl Default for Infer {
    fn default() -> Self {
        Infer {
            kind: Kind::Null,
            negative: None,
            above_i64: None,
            too_big: None,
            inexact: None,
            bad_ts: None,
        }
    }
}

fn note(c: &mut Culprit, line: u64, s: &str) {
    if c.is_none() {
        *c = Some((line, s.to_owned()));
    }
}

/// Whether `t` is an optionally signed run of ASCII digits.
fn integer_like(t: &str) -> bool {
    let d = t.strip_prefix(['-', '+']).unwrap_or(t);
    !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
}

impl Infer {
    /// Takes a non-null field on `line`.
    pub(crate) fn add(&mut self, s: &str, line: u64) {
        let t = s.trim();
        let k = if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
            Kind::Bool
        } else if integer_like(t) {
            if let Ok(v) = t.parse::<i64>() {
                if v < 0 {
                    note(&mut self.negative, line, t);
                }
                if v.unsigned_abs() > F64_EXACT {
                    note(&mut self.inexact, line, t);
                }
            } else if t.parse::<u64>().is_ok() {
                note(&mut self.above_i64, line, t);
                note(&mut self.inexact, line, t);
            } else {
                note(&mut self.too_big, line, t);
                note(&mut self.inexact, line, t);
            }
            Kind::Int
        } else if t.parse::<f64>().is_ok() {
            Kind::Float
        } else {
            match parse_ts(t, TimeUnit::Microsecond) {
                Ok(_) => Kind::Ts,
                Err(TsError::Invalid) => {
                    note(&mut self.bad_ts, line, t);
                    Kind::Ts
                }
                Err(TsError::Shape) => Kind::Text,
            }
        };
        self.kind = match (self.kind, k) {
            (Kind::Null, k) | (k, Kind::Null) => k,
            (a, b) if a == b => a,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            _ => Kind::Text,
        };
    }

    /// The column's type, or what is wrong with its values: integers that fit no integer type
    /// (or a float column's integers that an `f64` would round), and date-like fields that name
    /// no date (`Err((line, value, problem))`, the problem `None` for a bad timestamp).
    pub(crate) fn data_type(
        &self,
        column: &str,
    ) -> Result<DataType, (u64, String, Option<CsvProblem>)> {
        let range = |c: &Culprit, fits: &'static str| {
            let (line, value) = c.clone().unwrap_or_default();
            Err((
                line,
                value.clone(),
                Some(CsvProblem::IntegerRange {
                    column: column.to_owned(),
                    value,
                    fits,
                }),
            ))
        };
        match self.kind {
            Kind::Null | Kind::Text => Ok(DataType::Utf8),
            Kind::Bool => Ok(DataType::Boolean),
            Kind::Int if self.too_big.is_some() => range(&self.too_big, "int64 or uint64"),
            Kind::Int if self.above_i64.is_some() && self.negative.is_some() => range(
                &self.above_i64,
                "int64 (and the column's negative values do not fit uint64)",
            ),
            Kind::Int if self.above_i64.is_some() => Ok(DataType::UInt64),
            Kind::Int => Ok(DataType::Int64),
            Kind::Float if self.inexact.is_some() => range(
                &self.inexact,
                "float64 exactly (the column also holds decimals)",
            ),
            Kind::Float => Ok(DataType::Float64),
            Kind::Ts => match &self.bad_ts {
                Some((line, v)) => Err((*line, v.clone(), None)),
                None => Ok(DataType::Timestamp(ArrowUnit::Microsecond, None)),
            },
        }
    }
}

/// The delimiter a header line shows when it holds no `current` but does hold tabs or
/// semicolons (outside quotes): the more frequent of the two.
pub(crate) fn sniff_delimiter(header: &[u8], current: u8) -> Option<u8> {
    let (mut cur, mut tabs, mut semis, mut quoted) = (0usize, 0usize, 0usize, false);
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if quoted => {}
            b if b == current => cur += 1,
            b'\t' => tabs += 1,
            b';' => semis += 1,
            _ => {}
        }
    }
    if cur > 0 || (tabs == 0 && semis == 0) {
        return None;
    }
    Some(if tabs >= semis { b'\t' } else { b';' })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ts_refuses_dates_that_do_not_exist() {
        let day = |s| parse_ts(s, TimeUnit::Second).map(|x| x / 86_400);
        assert_eq!(day("2024-02-29"), Ok(19_782));
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-01T24:00",
            "2024-01-01 10:60",
            "2024-01-01T10:00:60",
        ] {
            assert_eq!(
                parse_ts(bad, TimeUnit::Second),
                Err(TsError::Invalid),
                "{bad}"
            );
        }
        for text in ["2024-01-01x", "hello", "2024/01/01", "2024-01-01T1:00"] {
            assert_eq!(
                parse_ts(text, TimeUnit::Second),
                Err(TsError::Shape),
                "{text}"
            );
        }
        assert_eq!(parse_date("2024-01-02 00:00"), Some(19_724));
        assert_eq!(parse_date("2024-01-02T10:30"), None);
    }

    #[test]
    fn infer_integers_never_become_floats_silently() {
        let ty = |vals: &[&str]| {
            let mut i = Infer::default();
            for (n, v) in vals.iter().enumerate() {
                i.add(v, n as u64 + 2);
            }
            i.data_type("c").map_err(|(line, v, _)| (line, v))
        };
        assert_eq!(ty(&["1", "-2"]), Ok(DataType::Int64));
        assert_eq!(ty(&["1", "18446744073709551615"]), Ok(DataType::UInt64));
        assert_eq!(
            ty(&["1", "18446744073709551616"]),
            Err((3, "18446744073709551616".into()))
        );
        assert_eq!(
            ty(&["-1", "9223372036854775808"]),
            Err((3, "9223372036854775808".into()))
        );
        assert_eq!(ty(&["1.5", "2"]), Ok(DataType::Float64));
        assert_eq!(
            ty(&["1.5", "9007199254740993"]),
            Err((3, "9007199254740993".into()))
        );
        assert_eq!(
            ty(&["2024-01-01", "2024-02-30"]),
            Err((3, "2024-02-30".into()))
        );
        assert_eq!(ty(&["x", "2024-02-30"]), Ok(DataType::Utf8));
    }

    #[test]
    fn sniff_delimiter_finds_tabs_and_semicolons() {
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1,2", b','), Some(b'\t'));
        assert_eq!(sniff_delimiter(b"a;b;c", b','), Some(b';'));
        assert_eq!(sniff_delimiter(b"a,b;c", b','), None);
        assert_eq!(sniff_delimiter(b"\"a;b\"", b','), None);
        assert_eq!(sniff_delimiter(b"abc", b','), None);
    }
}
