//! Arbitrary data and parameters (decoded by `harness::roundtrip_input`): compress then
//! decompress gives the input back (its length for lossy `trunc_prec`), `getitem` gives the
//! slice, and the chunk does not depend on the thread count.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
mod harness {
    include!("../harness.rs");
}

fuzz_target!(|data: &[u8]| harness::check_roundtrip(data));
