//! Replays the fuzz findings saved in `tests/data/fuzz-regressions/` on stable, with the checks
//! of the fuzz targets themselves (`tests/fuzz/harness.rs`, included below), so a saved input
//! means the same thing here and under the fuzzer. See that folder's README.md for the naming.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

mod harness {
    include!("fuzz/harness.rs");
}

/// The saved inputs, sorted; fails (never skips) when the folder is missing.
fn regression_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    assert!(
        dir.join("README.md").is_file(),
        "fuzz regressions folder missing at {}",
        dir.display()
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    files
}

/// Every saved input passes its target's checks (all are run; the failures are listed).
#[test]
fn fuzz_regressions_replay() {
    let mut failed = Vec::new();
    for path in regression_files() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {name}: {e}"));
        let check: fn(&[u8]) = if name.starts_with("decompress_arbitrary-") {
            harness::check_decompress
        } else if name.starts_with("roundtrip-") {
            harness::check_roundtrip
        } else if name.starts_with("import_") {
            // The input readers' findings: replayed by `input_sweep`.
            continue;
        } else {
            panic!("{name}: unknown fuzz target prefix (see the folder's README.md)");
        };
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "fuzz regressions failing: {failed:?}");
}

/// The `roundtrip` input decoder always yields parameters the library accepts.
#[test]
fn fuzz_roundtrip_input_params_are_valid() {
    let mut input = vec![0u8; harness::PARAM_BYTES + 64];
    for seed in 0..2000u32 {
        let mut x = seed.wrapping_mul(2_654_435_761) | 1;
        for b in input.iter_mut().take(harness::PARAM_BYTES) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x.to_le_bytes()[0];
        }
        let rt = harness::roundtrip_input(&input).expect("long enough");
        assert!(rt.params.validate().is_ok(), "{:?}", rt.params);
        assert!(rt.start + rt.n <= rt.data.len() / rt.params.typesize.get());
    }
    assert!(harness::roundtrip_input(&input[..harness::PARAM_BYTES - 1]).is_none());
}
