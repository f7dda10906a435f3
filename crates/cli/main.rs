//! The `blz` command.
#![forbid(unsafe_code)]

fn main() {
    println!("blz {}", env!("CARGO_PKG_VERSION"));
}
