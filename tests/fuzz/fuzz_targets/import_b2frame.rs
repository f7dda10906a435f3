//! Arbitrary bytes as a b2frame input to `blz import`'s reader: an error or rows, never a panic
//! (checks in `input_harness::read_b2frame`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
mod input_harness {
    include!("../input_harness.rs");
}

fuzz_target!(|data: &[u8]| {
    let _ = input_harness::read_b2frame(data);
});
