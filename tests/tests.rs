//! Integration tests of blz (one binary, as ripgrep does).

mod corruption;
mod golden;
mod interop;
mod props;
mod util;
