//! Output shared by the table subcommands: human sizes, aligned text tables, and cells
//! written as text, CSV or JSON (DuckDB's `json` mode: an array of row objects).
//!
//! Rows are written as they come, so a query's result never has to be held whole: the text
//! table takes its column widths from the first [`WIDTH_SAMPLE`] rows and keeps them.

use std::io::{self, Write};

use blz::{TimeUnit, Value};

/// Rows the text table reads before fixing its column widths.
pub(crate) const WIDTH_SAMPLE: usize = 1000;

/// `n` bytes as `B`, `KiB`, `MiB`, `GiB` or `TiB` with one decimal (whole bytes below 1 KiB).
pub(crate) fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

/// `nbytes / cbytes` to two decimals, or `-` when nothing is stored.
pub(crate) fn ratio_text(nbytes: usize, cbytes: usize) -> String {
    if cbytes == 0 {
        "-".to_owned()
    } else {
        format!("{:.2}", crate::demo::ratio(nbytes, cbytes))
    }
}

/// An integer with `,` between thousands: `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Column alignment in a text table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// Writes `header` and `rows` as an aligned text table with a rule under the header (control
/// characters escaped, see [`escape_text`]).
///
/// # Errors
/// Write errors.
pub(crate) fn write_table(
    out: &mut impl Write,
    header: &[&str],
    align: &[Align],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let header: Vec<String> = header.iter().map(|h| escape_text(h)).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape_text(c)).collect())
        .collect();
    let widths = widths(&header, &rows);
    write_row(out, &header, &widths, align)?;
    write_rule(out, &widths)?;
    for r in &rows {
        write_row(out, r, &widths, align)?;
    }
    Ok(())
}

/// Text for a terminal: tab, newline and carriage return as `\t`, `\n`, `\r`, other control
/// characters (escape sequences, backspace, DEL, C1) and the bidirectional overrides that
/// reorder what a terminal shows as `\u{1b}`-style escapes. Everything else is unchanged.
pub(crate) fn escape_text(s: &str) -> String {
    let hostile = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.contains(hostile) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hostile(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

fn widths<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> Vec<usize> {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, cell) in w.iter_mut().zip(r) {
            *w = (*w).max(cell.as_ref().chars().count());
        }
    }
    w
}

fn write_rule(out: &mut impl Write, widths: &[usize]) -> io::Result<()> {
    let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    writeln!(out, "{}", "-".repeat(total))
}

fn write_row<S: AsRef<str>>(
    out: &mut impl Write,
    cells: &[S],
    widths: &[usize],
    align: &[Align],
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        let cell = cell.as_ref();
        let pad = w.saturating_sub(cell.chars().count());
        let right = align.get(i).copied() == Some(Align::Right);
        if right {
            line.extend(std::iter::repeat_n(' ', pad));
        }
        line.push_str(cell);
        if !right {
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// Output format of rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum Format {
    /// An aligned text table.
    #[default]
    Table,
    /// CSV with a header line (RFC 4180 quoting, nulls empty).
    Csv,
    /// A JSON array of row objects, as DuckDB's json mode prints.
    Json,
}

/// Writes rows of cells one at a time in a [`Format`].
pub(crate) struct RowWriter<W: Write> {
    out: W,
    format: Format,
    names: Vec<String>,
    rows: usize,
    /// Text table: rows held until the widths are known.
    pending: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    align: Vec<Align>,
    /// The line being written (CSV), reused from row to row.
    line: String,
}

impl<W: Write> RowWriter<W> {
    /// A writer of rows with these column names.
    pub(crate) fn new(out: W, format: Format, names: Vec<String>) -> Self {
        RowWriter {
            out,
            format,
            align: vec![Align::Left; names.len()],
            names,
            rows: 0,
            pending: Vec::new(),
            line: String::new(),
            widths: None,
        }
    }

    /// Writes one row (one cell per column name).
    ///
    /// # Errors
    /// Write errors.
    pub(crate) fn row<C: AsCell>(&mut self, cells: &[C]) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                if self.rows == 0 {
                    let header: Vec<String> = self.names.iter().map(|n| csv_field(n)).collect();
                    writeln!(self.out, "{}", header.join(","))?;
                }
                // One buffer per line, no string per field beyond the cell's text.
                self.line.clear();
                for (i, v) in cells.iter().enumerate() {
                    if i > 0 {
                        self.line.push(',');
                    }
                    push_csv_field(&mut self.line, &v.text());
                }
                self.line.push('\n');
                self.out.write_all(self.line.as_bytes())?;
            }
            Format::Json => {
                let mut s = String::from(if self.rows == 0 { "[{" } else { ",\n{" });
                for (i, (name, v)) in self.names.iter().zip(cells).enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    json_str(&mut s, name);
                    s.push(':');
                    v.json(&mut s);
                }
                s.push('}');
                self.out.write_all(s.as_bytes())?;
            }
            Format::Table => {
                if self.rows == 0 {
                    for (a, v) in self.align.iter_mut().zip(cells) {
                        if v.is_number() {
                            *a = Align::Right;
                        }
                    }
                }
                let texts: Vec<String> = cells
                    .iter()
                    .map(|v| {
                        if v.is_null() {
                            "NULL".to_owned()
                        } else {
                            escape_text(&v.text())
                        }
                    })
                    .collect();
                match &self.widths {
                    Some(w) => write_row(&mut self.out, &texts, w, &self.align)?,
                    None => {
                        self.pending.push(texts);
                        if self.pending.len() >= WIDTH_SAMPLE {
                            self.flush_pending()?;
                        }
                    }
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        let names: Vec<String> = self.names.iter().map(|n| escape_text(n)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let w = widths(&names, &self.pending);
        write_row(&mut self.out, &names, &w, &self.align)?;
        write_rule(&mut self.out, &w)?;
        for r in std::mem::take(&mut self.pending) {
            write_row(&mut self.out, &r, &w, &self.align)?;
        }
        self.widths = Some(w);
        Ok(())
    }

    /// Ends the output (closes the JSON array, writes a table's header when there were no
    /// rows) and flushes.
    ///
    /// # Errors
    /// Write errors.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Csv if self.rows == 0 => {
                let header: Vec<String> = self.names.iter().map(|n| csv_field(n)).collect();
                writeln!(self.out, "{}", header.join(","))?;
            }
            Format::Csv => {}
            Format::Json if self.rows == 0 => writeln!(self.out, "[]")?,
            Format::Json => writeln!(self.out, "]")?,
            Format::Table => {
                if self.widths.is_none() {
                    self.flush_pending()?;
                }
            }
        }
        self.out.flush()
    }
}

/// What a row writer needs of a cell.
pub(crate) trait AsCell {
    /// The cell as text (empty for null).
    fn text(&self) -> String;
    /// Appends the cell as JSON.
    fn json(&self, out: &mut String);
    /// Whether the cell is null.
    fn is_null(&self) -> bool;
    /// Whether the cell is a number (right-aligned in tables).
    fn is_number(&self) -> bool;
}

impl AsCell for Value {
    fn text(&self) -> String {
        cell_text(self)
    }
    fn json(&self, out: &mut String) {
        json_value(out, self);
    }
    fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    fn is_number(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::UInt(_) | Value::BigInt(_) | Value::Float(_)
        )
    }
}

/// A cell of an aggregate result: a value as the table or the query engine gives it (exact
/// sums past 64 bits are the engine's `Value::BigInt`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// A value as the table or the query engine gives it.
    Value(Value),
}

impl From<Value> for Cell {
    fn from(v: Value) -> Self {
        Cell::Value(v)
    }
}

impl AsCell for Cell {
    fn text(&self) -> String {
        match self {
            Cell::Value(v) => cell_text(v),
        }
    }
    fn json(&self, out: &mut String) {
        match self {
            Cell::Value(v) => json_value(out, v),
        }
    }
    fn is_null(&self) -> bool {
        matches!(self, Cell::Value(Value::Null))
    }
    fn is_number(&self) -> bool {
        match self {
            Cell::Value(v) => v.is_number(),
        }
    }
}

/// A cell as text: numbers in full, floats in their shortest exact form, timestamps in ISO
/// 8601 (UTC), nulls as `NULL` in tables and empty in CSV (see [`csv_field`]).
pub(crate) fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::BigInt(i) => i.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Timestamp(t, u) => timestamp_text(*t, *u),
        Value::Str(s) => s.clone(),
        _ => format!("{v:?}"),
    }
}

/// A float as Rust's shortest round-trip form (`nan`, `inf`, `-inf` for the non-finite).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{f}")
    }
}

/// A CSV field, quoted when it holds a comma, quote, CR or LF.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Appends `s` as a CSV field (quoted when it holds a comma, a quote or a line break).
fn push_csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Appends `s` as a JSON string.
pub(crate) fn json_str(out: &mut String, s: &str) {
    // serde_json escapes exactly as JSON requires; a str always serializes.
    out.push_str(&serde_json::Value::from(s).to_string());
}

/// Appends a cell as JSON: integers as exact numbers, floats as numbers (non-finite as null),
/// timestamps as ISO 8601 strings, nulls as null.
pub(crate) fn json_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(i) => out.push_str(&i.to_string()),
        Value::UInt(u) => out.push_str(&u.to_string()),
        Value::Float(f) if f.is_finite() => out.push_str(&format!("{f:?}")),
        Value::Float(_) => out.push_str("null"),
        other => json_str(out, &cell_text(other)),
    }
}

/// A timestamp as ISO 8601 UTC: `2013-01-01T10:00:00Z`, with the fraction when not zero.
pub(crate) fn timestamp_text(t: i64, unit: TimeUnit) -> String {
    let per_sec: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        _ => 1_000_000_000,
    };
    let secs = t.div_euclid(per_sec);
    let frac = t.rem_euclid(per_sec);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
    if frac != 0 {
        let digits = per_sec.ilog10() as usize;
        let f = format!("{frac:0digits$}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Year, month, day of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(format: Format, rows: &[Vec<Value>]) -> String {
        let mut out = Vec::new();
        let mut w = RowWriter::new(&mut out, format, vec!["k".into(), "n".into()]);
        for r in rows {
            w.row(r).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn human_bytes_picks_the_unit() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 << 20), "5.0 MiB");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn json_rows_are_duckdb_like() {
        let rows = vec![
            vec![Value::Str("JFK".into()), Value::Int(3)],
            vec![Value::Null, Value::Float(1266.25)],
            vec![Value::Str("a\"b".into()), Value::UInt(u64::MAX)],
        ];
        let s = render(Format::Json, &rows);
        assert_eq!(
            s,
            "[{\"k\":\"JFK\",\"n\":3},\n{\"k\":null,\"n\":1266.25},\n\
             {\"k\":\"a\\\"b\",\"n\":18446744073709551615}]\n"
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(render(Format::Json, &[]), "[]\n");
    }

    #[test]
    fn csv_quotes_and_empty_nulls() {
        let rows = vec![vec![Value::Str("a,b".into()), Value::Null]];
        assert_eq!(render(Format::Csv, &rows), "k,n\n\"a,b\",\n");
    }

    #[test]
    fn table_aligns_numbers_right() {
        let rows = vec![
            vec![Value::Str("x".into()), Value::Int(5)],
            vec![Value::Str("yyy".into()), Value::Int(1234)],
        ];
        assert_eq!(
            render(Format::Table, &rows),
            "k       n\n---------\nx       5\nyyy  1234\n"
        );
    }

    #[test]
    fn table_escapes_control_characters() {
        let mut out = Vec::new();
        let mut w = RowWriter::new(&mut out, Format::Table, vec!["a\x1b[2Jb".into()]);
        w.row(&[Value::Str("x\ty\nz\u{7}\u{202e}!".into())])
            .unwrap();
        w.finish().unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            format!(
                "a\\u{{1b}}[2Jb\n{}\nx\\ty\\nz\\u{{7}}\\u{{202e}}!\n",
                "-".repeat(21)
            )
        );
        // CSV and JSON keep the characters, quoted or escaped as their formats say.
        let rows = vec![vec![Value::Str("a\x1bb\n".into()), Value::Null]];
        assert_eq!(render(Format::Csv, &rows), "k,n\n\"a\x1bb\n\",\n");
        assert!(render(Format::Json, &rows).contains("\"a\\u001bb\\n\""));
        let mut out = Vec::new();
        write_table(&mut out, &["k\x07"], &[Align::Left], &[vec!["\x1b".into()]]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "k\\u{7}\n------\n\\u{1b}\n"
        );
    }

    #[test]
    fn timestamps_print_as_iso() {
        assert_eq!(
            timestamp_text(1_357_034_400, TimeUnit::Second),
            "2013-01-01T10:00:00Z"
        );
        assert_eq!(
            timestamp_text(-1, TimeUnit::Millisecond),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            timestamp_text(1_700_000_000_000_123, TimeUnit::Microsecond),
            "2023-11-14T22:13:20.000123Z"
        );
    }
}
