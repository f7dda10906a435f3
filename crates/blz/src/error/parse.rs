//! Where a query does not parse: [`Span`] and [`ParseError`], data types the crate's
//! [`Error`](crate::Error) names. The query parser makes them; they are re-exported as
//! `blz::query::{ParseError, Span}`.

/// Byte range in the source text.
///
/// `start..end` always lies on `char` boundaries of the text that was parsed, so
/// `&src[span.start..span.end]` is the text a node came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The smallest span covering both, so a parent node spans its children.
    pub(crate) fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Why a query does not parse, and where.
///
/// The position in the message is the 1-based byte offset of `span.start`, which is the column
/// for a one-line ASCII query; [`ParseError::render`] points at the exact characters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("query parse error at column {}: {message}", .span.start + 1)]
pub struct ParseError {
    /// The offending text (empty at the end of the input).
    pub span: Span,
    /// What was expected and what was found, lower case, no period.
    pub message: String,
}

impl ParseError {
    /// The source line with a caret under the error, for display to users.
    ///
    /// `src` is the text given to [`parse`](crate::query::parse); with another text the result is still a valid
    /// string, only pointing at the wrong place. Multi-line queries show the line holding the
    /// error, prefixed with its 1-based number.
    ///
    /// ```text
    /// qty < 10 $ 3
    ///          ^
    /// ```
    #[must_use]
    pub fn render(&self, src: &str) -> String {
        let start = floor_char_boundary(src, self.span.start);
        let end = floor_char_boundary(src, self.span.end.max(start));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line = src[line_start..line_end].trim_end_matches('\r');
        let prefix = if src.contains('\n') {
            let number = src[..line_start].matches('\n').count() + 1;
            format!("{number} | ")
        } else {
            String::new()
        };
        let mut out = format!("{prefix}{line}\n");
        out.extend(prefix.chars().map(|_| ' '));
        // Keep tabs so the caret lines up however the terminal expands them.
        out.extend(
            src[line_start..start]
                .chars()
                .map(|c| if c == '\t' { '\t' } else { ' ' }),
        );
        let width = src[start..end.min(line_end)].chars().count().max(1);
        out.extend(std::iter::repeat_n('^', width));
        out
    }
}

/// The largest char boundary of `s` at or below `i`.
fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
