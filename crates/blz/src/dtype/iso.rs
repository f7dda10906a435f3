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

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fraction]][zone]` (or a space for `T`), the
/// zone `Z` or an offset such as `+01:00`, `-0500` or `+01` (UTC without one), as a count of
/// `unit`s since the epoch (a finer fraction rounds down).
pub(crate) fn parse_iso(s: &str, unit: TimeUnit) -> Option<i64> {
    // A zone after the time: `Z`, or an offset `+HH:MM`, `+HHMM` or `+HH` (also `-`).
    let mut offset_ns = 0i64;
    let mut s = s;
    if s.len() > 16 {
        if let Some(rest) = s.strip_suffix(['Z', 'z']) {
            s = rest;
        } else if let Some(at) = s[16..].rfind(['+', '-']).map(|i| i + 16) {
            let z = &s[at + 1..];
            let digits: String = z.chars().filter(|c| *c != ':').collect();
            let ok = matches!(z.len(), 2 | 4 | 5)
                && (z.len() != 5 || z.as_bytes()[2] == b':')
                && digits.bytes().all(|c| c.is_ascii_digit());
            if !ok {
                return None;
            }
            let h: i64 = digits.get(..2)?.parse().ok()?;
            let m: i64 = digits
                .get(2..)
                .filter(|m| !m.is_empty())
                .map_or(Some(0), |m| m.parse().ok())?;
            if h > 23 || m > 59 {
                return None;
            }
            let sign = if s.as_bytes()[at] == b'-' { -1 } else { 1 };
            offset_ns = sign * (h * 60 + m) * 60 * 1_000_000_000;
            s = &s[..at];
        }
    }
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
    let total = day_ns.checked_add(nanos)?.checked_sub(offset_ns)?;
    Some(match unit {
        TimeUnit::Second => total.div_euclid(1_000_000_000),
        TimeUnit::Millisecond => total.div_euclid(1_000_000),
        TimeUnit::Microsecond => total.div_euclid(1_000),
        TimeUnit::Nanosecond => total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_accepts_zones_as_blz_prints_them() {
        let s = |t: &str| parse_iso(t, TimeUnit::Second);
        let base = s("2013-01-01T10:00:00");
        assert_eq!(base, Some(1_357_034_400));
        assert_eq!(s("2013-01-01T10:00:00Z"), base);
        assert_eq!(s("2013-01-01 10:00z"), base);
        assert_eq!(s("2013-01-01T11:00:00+01:00"), base);
        assert_eq!(s("2013-01-01T11:00:00+0100"), base);
        assert_eq!(s("2013-01-01T11:00:00+01"), base);
        assert_eq!(s("2013-01-01T05:00:00.000-05:00"), base);
        assert_eq!(s("2013-01-01Z"), None);
        assert_eq!(s("2013-01-01T10:00:00+1"), None);
        assert_eq!(s("2013-01-01T10:00:00+25:00"), None);
        assert_eq!(s("2013-01-01T10:00:00Zz"), None);
    }
}
