//! A bcolz carray (tests/data/bcolz/carray_i8) with one file replaced by arbitrary bytes (the
//! first byte chooses which): an error or rows, never a panic (`input_harness::read_bcolz`).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
mod input_harness {
    include!("../input_harness.rs");
}

fuzz_target!(|data: &[u8]| {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/bcolz/carray_i8");
    let _ = input_harness::read_bcolz(&template, data);
});
