//! `--help` speaks the user's language: no library type names or development datasets outside
//! the benchmarks, and the defaults it states are the real ones.

use super::ok;

/// Words of the library or of development that help texts outside `bench` do not use.
const INTERNAL: [&str; 8] = [
    "CTable",
    "CArray",
    "::new",
    "Vec",
    "anchors",
    "table_10M",
    "crate",
    "ANCHORS",
];

#[test]
fn cli_help_is_in_the_users_language() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for cmd in [
        &["--help"][..],
        &["demo", "--help"],
        &["info", "--help"],
        &["query", "--help"],
        &["export", "--help"],
        &["verify", "--help"],
        &["chunk", "--help"],
        &["chunk", "compress", "--help"],
        &["chunk", "decompress", "--help"],
        &["chunk", "info", "--help"],
    ] {
        let text = ok(d, cmd);
        for w in INTERNAL {
            assert!(
                !text.contains(w),
                "`blz {}` mentions {w:?}:\n{text}",
                cmd.join(" ")
            );
        }
    }
    // The top level describes what the command does today: tables on disk.
    let top = ok(d, &["--help"]);
    assert!(top.contains("tables"), "{top}");
    assert!(!top.contains("in-memory columnar containers"), "{top}");
}

#[test]
fn cli_help_states_the_real_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The cache budget: blz::DEFAULT_CACHE_BYTES.
    let query = ok(d, &["query", "--help"]);
    assert_eq!(blz::DEFAULT_CACHE_BYTES, 256 << 20);
    assert!(query.contains("[default: 256]"), "{query}");
    assert!(query.contains("[default: table]"), "{query}");
    let compress = ok(d, &["chunk", "compress", "--help"]);
    for default in [
        "[default: lz4]",
        "[default: 5]",
        "[default: shuffle]",
        "[default: 1]",
        "[default: blosc1]",
        "--overwrite",
    ] {
        assert!(compress.contains(default), "missing {default}:\n{compress}");
    }
    let decompress = ok(d, &["chunk", "decompress", "--help"]);
    assert!(decompress.contains("--overwrite"), "{decompress}");
    let export = ok(d, &["export", "--help"]);
    assert!(
        export.contains("--overwrite") && export.contains(".parquet"),
        "{export}"
    );
}
