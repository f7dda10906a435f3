//! A progress display for long table operations: drawn on stderr only when it is a terminal,
//! and only once the work has taken over a second (short runs print nothing).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Quiet first, then a bar (known total) or a spinner (unknown total) of rows.
pub(crate) struct Progress {
    pb: ProgressBar,
    start: Instant,
    shown: bool,
    tty: bool,
}

impl Progress {
    /// A display of rows done out of `total` (when known), with `what` as its message.
    pub(crate) fn new(total: Option<u64>, what: &str) -> Self {
        let pb = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::hidden()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
        };
        let template = if total.is_some() {
            "{msg} {bar:30} {human_pos}/{human_len} rows [{elapsed}, {per_sec}, eta {eta}]"
        } else {
            "{msg} {spinner} {human_pos} rows [{elapsed}, {per_sec}]"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            pb.set_style(style);
        }
        pb.set_message(what.to_owned());
        Progress {
            pb,
            start: Instant::now(),
            shown: false,
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// Records `rows` done so far.
    pub(crate) fn set(&mut self, rows: u64) {
        if !self.shown && self.tty && self.start.elapsed() > Duration::from_secs(1) {
            self.pb.set_draw_target(ProgressDrawTarget::stderr());
            self.pb.enable_steady_tick(Duration::from_millis(200));
            self.shown = true;
        }
        self.pb.set_position(rows);
    }

    /// Removes the display.
    pub(crate) fn finish(&self) {
        self.pb.finish_and_clear();
    }
}
