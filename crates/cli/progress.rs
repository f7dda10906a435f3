//! A progress display for long table operations: drawn on stderr only when it is a terminal,
//! and only once the work has taken over a second (short runs print nothing).
//!
//! With a known (or estimated) total it shows a bar, the percent done, the rows, the rate and
//! the time left; without one, the rows and the rate. Rates are whole rows per second.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::output::thousands;

/// The template with a total: `importing [=====>    ] 42% 1,234,567 rows, 812,345 rows/s,
/// 3s left`.
const WITH_TOTAL: &str =
    "{msg} [{bar:30}] {percent:>3}% {rows} rows, {rate}, {left} left (elapsed {elapsed})";
/// The template without a total.
const WITHOUT_TOTAL: &str = "{msg} {spinner} {rows} rows, {rate} (elapsed {elapsed})";

/// Quiet first, then a bar (known total) or a spinner (unknown total) of rows.
pub(crate) struct Progress {
    pb: ProgressBar,
    start: Instant,
    shown: bool,
    tty: bool,
}

/// The style of a display with or without a total.
fn style(with_total: bool) -> Option<ProgressStyle> {
    let template = if with_total {
        WITH_TOTAL
    } else {
        WITHOUT_TOTAL
    };
    let style = ProgressStyle::with_template(template).ok()?;
    Some(
        style
            .progress_chars("=> ")
            .with_key("rows", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&thousands(usize::try_from(s.pos()).unwrap_or(usize::MAX)));
            })
            .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate_text(s.per_sec()));
            })
            .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&left_text(s.eta()));
            }),
    )
}

/// A rate in whole rows per second, with thousands separators.
fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec < 0.0 {
        return "- rows/s".into();
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a finite, non-negative rate, rounded to whole rows"
    )]
    let n = per_sec.round() as u64;
    format!(
        "{} rows/s",
        thousands(usize::try_from(n).unwrap_or(usize::MAX))
    )
}

/// Time left as `45s`, `3m 20s` or `2h 05m`.
fn left_text(d: Duration) -> String {
    let s = d.as_secs();
    let mut out = String::new();
    if s >= 3600 {
        let _ = write!(out, "{}h {:02}m", s / 3600, (s % 3600) / 60);
    } else if s >= 60 {
        let _ = write!(out, "{}m {:02}s", s / 60, s % 60);
    } else {
        let _ = write!(out, "{s}s");
    }
    out
}

impl Progress {
    /// A display of rows done out of `total` (when known), with `what` as its message.
    pub(crate) fn new(total: Option<u64>, what: &str) -> Self {
        let pb = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        if let Some(s) = style(total.is_some()) {
            pb.set_style(s);
        }
        pb.set_message(what.to_owned());
        Progress {
            pb,
            start: Instant::now(),
            shown: false,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// Records `rows` done so far (an estimated total that turns out short grows with them).
    pub(crate) fn set(&mut self, rows: u64) {
        if !self.shown && self.tty && self.start.elapsed() > Duration::from_secs(1) {
            self.pb.set_draw_target(ProgressDrawTarget::stderr());
            self.pb.enable_steady_tick(Duration::from_millis(200));
            self.shown = true;
        }
        if let Some(len) = self.pb.length()
            && rows > len
        {
            self.pb.set_length(rows + rows / 16);
        }
        self.pb.set_position(rows);
    }

    /// Removes the display.
    pub(crate) fn finish(&self) {
        self.pb.finish_and_clear();
    }
}

/// The number of records of a text (CSV) file, estimated from its size and the lines in its
/// first MiB: `None` for what does not look like text (Parquet, Arrow IPC, a directory), an
/// empty file or one that cannot be read. Quoted line breaks make the estimate a little high.
pub(crate) fn estimate_csv_rows(path: &Path) -> Option<u64> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() == 0 {
        return None;
    }
    let mut sample = Vec::with_capacity(1 << 20);
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut sample)
        .ok()?;
    estimate_rows(&sample, meta.len())
}

/// Records in a text file of `size` bytes whose first bytes are `sample` (see
/// [`estimate_csv_rows`]).
fn estimate_rows(sample: &[u8], size: u64) -> Option<u64> {
    if sample.is_empty()
        || sample.contains(&0)
        || sample.starts_with(b"PAR1")
        || sample.starts_with(b"ARROW1")
        || sample.starts_with(&[0xff, 0xff, 0xff, 0xff])
    {
        return None;
    }
    let header = sample.iter().position(|&b| b == b'\n')? + 1;
    let body = &sample[header..];
    let lines = body.iter().filter(|&&b| b == b'\n').count() as u64;
    let body_size = size.saturating_sub(header as u64);
    if body.len() as u64 == body_size {
        // The whole file was sampled: count a last line without a line break too.
        let last = u64::from(!body.is_empty() && !body.ends_with(b"\n"));
        return Some(lines + last);
    }
    if lines == 0 {
        return None;
    }
    Some(body_size * lines / body.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_rows_and_time_left_is_readable() {
        assert_eq!(rate_text(1_234_567.891_2), "1,234,568 rows/s");
        assert_eq!(rate_text(f64::NAN), "- rows/s");
        assert_eq!(left_text(Duration::from_secs(45)), "45s");
        assert_eq!(left_text(Duration::from_secs(200)), "3m 20s");
        assert_eq!(left_text(Duration::from_secs(7500)), "2h 05m");
    }

    #[test]
    fn the_display_shows_percent_rate_and_time_left() {
        let pb = ProgressBar::with_draw_target(Some(200), ProgressDrawTarget::hidden());
        pb.set_style(style(true).unwrap());
        pb.set_message("importing");
        pb.set_position(50);
        // The style renders through its keys; check the template names them all.
        for k in ["{percent", "{rows}", "{rate}", "{left}"] {
            assert!(WITH_TOTAL.contains(k), "{k}");
        }
        assert!(!WITH_TOTAL.contains("per_sec"), "no raw rate with decimals");
        assert_eq!(pb.position(), 50);
    }

    #[test]
    fn csv_rows_are_estimated_from_the_sample() {
        let whole = b"a,b\n1,2\n3,4\n5,6";
        assert_eq!(estimate_rows(whole, whole.len() as u64), Some(3));
        let sample = b"a,b\n10,20\n30,40\n";
        // Lines of 6 bytes in a file of 4 + 6,000 bytes: 1,000 rows.
        assert_eq!(estimate_rows(sample, 6004), Some(1000));
        assert_eq!(estimate_rows(b"PAR1\x15\x04", 1000), None);
        assert_eq!(estimate_rows(b"ARROW1\0\0", 1000), None);
        assert_eq!(estimate_rows(b"", 0), None);
    }
}
