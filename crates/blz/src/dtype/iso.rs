//! ISO-8601 dates and date-times as timestamps (query literals compared with timestamp columns).

use super::TimeUnit;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` (or a space for `T`) as UTC.
pub(crate) fn parse_iso(s: &str, unit: TimeUnit) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut nanos: i64 = 0;
    if b.len() > 10 {
        if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let mut sec = 0;
        let mut frac = 0i64;
        if b.len() > 16 {
            if b[16] != b':' || b.len() < 19 {
                return None;
            }
            sec = num(17..19)?;
            if b.len() > 19 {
                if b[19] != b'.' || b.len() == 20 {
                    return None;
                }
                let f = &s[20..];
                if f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                frac = f.parse::<i64>().ok()? * 10i64.pow(u32::try_from(9 - f.len()).ok()?);
            }
        }
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        nanos = ((h * 60 + mi) * 60 + sec) * 1_000_000_000 + frac;
    }
    let day_ns = days_from_civil(y, mo, d).checked_mul(86_400_000_000_000)?;
    let total = day_ns.checked_add(nanos)?;
    Some(match unit {
        TimeUnit::Second => total.div_euclid(1_000_000_000),
        TimeUnit::Millisecond => total.div_euclid(1_000_000),
        TimeUnit::Microsecond => total.div_euclid(1_000),
        TimeUnit::Nanosecond => total,
    })
}
