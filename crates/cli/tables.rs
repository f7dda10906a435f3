//! What the table subcommands share: opening a table with an error that says what to do, and
//! query errors shown with a caret under the offending text.

use std::path::Path;

use anyhow::{Result, anyhow};
use blz::{DiskTable, Error, OpenMode, ParseError};

/// Opens the table at `path` read-only.
///
/// # Errors
/// A message naming the path: no such table (and how to make one), or why it cannot be read.
pub(crate) fn open_read(path: &Path) -> Result<DiskTable> {
    open_read_with_cache(path, blz::ChunkCache::global())
}

/// As [`open_read`], with its own cache of decompressed chunks.
pub(crate) fn open_read_with_cache(
    path: &Path,
    cache: std::sync::Arc<blz::ChunkCache>,
) -> Result<DiskTable> {
    if !path.exists() {
        return Err(anyhow!(
            "no table at {} (create one with `blz import DATA.csv {}`)",
            path.display(),
            path.display()
        ));
    }
    DiskTable::open_with_cache(path, OpenMode::ReadOnly, cache)
        .map_err(|e| anyhow!("cannot open table {}: {e}", path.display()))
}

/// A query error for the text of option `what` (`--where`): `in --where: MESSAGE`, then the
/// text with a caret under the offending part (for parse and type errors; the caret shows the
/// place, so the message does not count columns); other errors after `in --where: `.
pub(crate) fn query_error(e: Error, src: &str, what: &str) -> anyhow::Error {
    let (span, message) = match e {
        Error::Parse(p) => (p.span, p.message),
        Error::Query { span, message } => (span, message),
        e => return anyhow::Error::new(e).context(format!("in {what}")),
    };
    shown(span, &message, src, what)
}

/// An error met while running the query of option `what` (an integer overflow in a row): a
/// query error anywhere in its chain is shown as [`query_error`] shows it; others unchanged.
pub(crate) fn run_error(e: anyhow::Error, src: &str, what: &str) -> anyhow::Error {
    let found = e.chain().find_map(|c| match c.downcast_ref::<Error>() {
        Some(Error::Query { span, message }) => Some((*span, message.clone())),
        _ => None,
    });
    match found {
        Some((span, message)) => shown(span, &message, src, what),
        None => e,
    }
}

/// `in --where: MESSAGE`, then the text with a caret under `span`.
fn shown(span: blz::Span, message: &str, src: &str, what: &str) -> anyhow::Error {
    let caret = ParseError {
        span,
        message: String::new(),
    }
    .render(src);
    anyhow!("in {what}: {message}\n\n{caret}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use blz::{CTable, ColumnBatch};

    #[test]
    fn query_error_shows_a_caret() {
        let mut t = CTable::new();
        t.append(vec![ColumnBatch::new("qty", vec![1i64, 2, 3])])
            .unwrap();
        let src = "qty < 10 $ 3";
        let e = query_error(t.query(src).err().unwrap(), src, "--where");
        let text = format!("{e:#}");
        assert!(text.contains("qty < 10 $ 3\n         ^"), "{text}");
        // The caret shows the place: the message does not count columns.
        assert!(text.starts_with("in --where: unknown character"), "{text}");
        assert!(!text.contains("error at"), "{text}");
        let src = "price > 3";
        let e = query_error(t.query(src).err().unwrap(), src, "--where");
        let text = format!("{e:#}");
        assert!(
            text.contains("unknown column") && text.contains("price > 3\n^^^^^"),
            "{text}"
        );
    }

    #[test]
    fn missing_table_says_how_to_make_one() {
        let e = open_read(Path::new("/nonexistent/blz/table"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("blz import"), "{e}");
    }
}
