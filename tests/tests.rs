//! Integration tests of blz (one binary, as ripgrep does).

mod golden;
mod util;
