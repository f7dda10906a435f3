//! Splitting CSV text into records and fields (RFC 4180 quoting), with the line each record
//! starts on, into batches of text columns bounded by bytes.
//!
//! Rules: a field that starts with `"` is quoted and runs to the next `"` not doubled (`""` is
//! one `"`); line breaks and delimiters inside it are data. Bytes after the closing quote and
//! before the next delimiter are kept (as csv-core does). A record ends at `\n`, `\r\n` or a
//! lone `\r`; empty lines are skipped (as pandas does). Lines are counted by `\n`, so a record
//! after a quoted line break gets its true line number.

use std::io::BufRead;

pub use crate::error::CsvProblem;

/// One record's fields, borrowed from the splitter.
pub(crate) struct Record<'a> {
    /// Line the record starts on (1-based).
    pub(crate) line: u64,
    buf: &'a [u8],
    ends: &'a [usize],
}

impl Record<'_> {
    /// Number of fields.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
    /// Field `i`'s bytes.
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
    /// Bytes of all fields.
    pub(crate) fn bytes(&self) -> usize {
        self.buf.len()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    Start,
    /// In an unquoted field.
    Plain,
    /// In a quoted field.
    Quoted,
    /// Just after a `"` inside a quoted field (closing it, or the first of `""`).
    QuoteSeen,
}

/// Reads records from a byte stream.
pub(crate) struct Splitter<R> {
    input: R,
    delim: u8,
    /// Line of the next byte (1-based).
    line: u64,
    buf: Vec<u8>,
    ends: Vec<usize>,
    done: bool,
}

impl<R: BufRead> Splitter<R> {
    pub(crate) fn new(input: R, delim: u8) -> Self {
        Splitter {
            input,
            delim,
            line: 1,
            buf: Vec::new(),
            ends: Vec::new(),
            done: false,
        }
    }

    /// The next non-empty record; `Ok(None)` at the end. On an error the line is where the
    /// problem is (for an unterminated quote, where the quote opens).
    pub(crate) fn next_record(&mut self) -> Result<Option<Record<'_>>, (u64, CsvProblem)> {
        self.buf.clear();
        self.ends.clear();
        if self.done {
            return Ok(None);
        }
        let delim = self.delim;
        let mut state = State::Start;
        // Whether the record has any byte (an empty line has none and is skipped).
        let mut started = false;
        let mut start_line = self.line;
        let mut quote_line = self.line;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err((self.line, CsvProblem::Io(e.to_string()))),
            };
            if chunk.is_empty() {
                self.done = true;
                if state == State::Quoted {
                    return Err((quote_line, CsvProblem::UnterminatedQuote));
                }
                if !started {
                    return Ok(None);
                }
                self.ends.push(self.buf.len());
                break;
            }
            let mut i = 0;
            let mut ended = false;
            while i < chunk.len() {
                let b = chunk[i];
                match state {
                    State::Start | State::Plain | State::QuoteSeen => {
                        if b == b'\n' || b == b'\r' {
                            i += 1;
                            if b == b'\n' {
                                self.line += 1;
                            }
                            if started {
                                self.ends.push(self.buf.len());
                                ended = true;
                                break;
                            }
                            start_line = self.line;
                            state = State::Start;
                            continue;
                        }
                        started = true;
                        if b == delim {
                            self.ends.push(self.buf.len());
                            state = State::Start;
                            i += 1;
                        } else if b == b'"' && state == State::Start {
                            quote_line = self.line;
                            state = State::Quoted;
                            i += 1;
                        } else if b == b'"' && state == State::QuoteSeen {
                            // `""` inside a quoted field.
                            self.buf.push(b'"');
                            state = State::Quoted;
                            i += 1;
                        } else {
                            // Plain bytes up to the next special byte, at once.
                            let run = chunk[i..]
                                .iter()
                                .position(|&c| c == delim || c == b'\n' || c == b'\r')
                                .map_or(chunk.len(), |p| i + p);
                            let run = run.max(i + 1);
                            self.buf.extend_from_slice(&chunk[i..run]);
                            i = run;
                            state = State::Plain;
                        }
                    }
                    State::Quoted => {
                        let run = chunk[i..]
                            .iter()
                            .position(|&c| c == b'"')
                            .map_or(chunk.len(), |p| i + p);
                        let text = &chunk[i..run];
                        self.line += text.iter().filter(|&&c| c == b'\n').count() as u64;
                        self.buf.extend_from_slice(text);
                        i = run;
                        if i < chunk.len() {
                            state = State::QuoteSeen;
                            i += 1;
                        }
                    }
                }
            }
            self.input.consume(i);
            if ended {
                break;
            }
        }
        Ok(Some(Record {
            line: start_line,
            buf: &self.buf,
            ends: &self.ends,
        }))
    }
}

/// A batch of records as text columns: per column, `i32` offsets and bytes.
#[derive(Debug, Default)]
pub(crate) struct TextBatch {
    /// Per column: offsets (`rows + 1`) and value bytes.
    pub(crate) cols: Vec<(Vec<i32>, Vec<u8>)>,
    /// Line of each record.
    pub(crate) lines: Vec<u64>,
    /// Bytes held (values and offsets).
    pub(crate) bytes: usize,
}

impl TextBatch {
    pub(crate) fn new(ncols: usize) -> Self {
        TextBatch {
            cols: (0..ncols).map(|_| (vec![0], Vec::new())).collect(),
            lines: Vec::new(),
            bytes: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.lines.len()
    }

    /// Adds a record, which must have one field per column. `Err(i)` names the column whose
    /// bytes would pass 2 GiB.
    pub(crate) fn push(&mut self, r: &Record<'_>) -> Result<(), usize> {
        for (i, (offsets, values)) in self.cols.iter_mut().enumerate() {
            values.extend_from_slice(r.field(i));
            offsets.push(i32::try_from(values.len()).map_err(|_| i)?);
        }
        self.lines.push(r.line);
        self.bytes += r.bytes() + 4 * self.cols.len() + 8;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as (line, fields).
    type Records = Vec<(u64, Vec<String>)>;

    fn split(text: &str) -> Result<Records, (u64, CsvProblem)> {
        // A tiny buffer, so records cross buffer boundaries.
        let r = std::io::BufReader::with_capacity(3, text.as_bytes());
        let mut s = Splitter::new(r, b',');
        let mut out = Vec::new();
        while let Some(rec) = s.next_record()? {
            let fields = (0..rec.len())
                .map(|i| String::from_utf8(rec.field(i).to_vec()).unwrap())
                .collect();
            out.push((rec.line, fields));
        }
        Ok(out)
    }

    #[test]
    fn split_quotes_line_breaks_and_blank_lines() {
        let got = split("a,b\n\"x\ny\",\"q\"\"z\"\n\n3,\r\n4,\"\"\n,\n").unwrap();
        let want: Vec<(u64, Vec<&str>)> = vec![
            (1, vec!["a", "b"]),
            (2, vec!["x\ny", "q\"z"]),
            (5, vec!["3", ""]),
            (6, vec!["4", ""]),
            (7, vec!["", ""]),
        ];
        let got: Vec<(u64, Vec<&str>)> = got
            .iter()
            .map(|(l, f)| (*l, f.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(split("a\n1").unwrap().len(), 2);
    }

    #[test]
    fn split_unterminated_quote_is_error_at_its_line() {
        assert_eq!(
            split("a,b\n1,2\n3,\"open\n4,5\n6,7\n"),
            Err((3, CsvProblem::UnterminatedQuote))
        );
    }
}
