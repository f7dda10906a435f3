//! Any bytes given to `decompress`, `decompress_with` (2 threads) and `getitem`: an `Err` is
//! fine, a panic is not, and the three must agree whenever they succeed.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
mod harness {
    include!("../harness.rs");
}

fuzz_target!(|data: &[u8]| harness::check_decompress(data));
