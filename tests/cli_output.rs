//! What the `blz` command writes: output files that are whole or untouched (export and
//! `chunk`), closed pipes, exit codes of usage errors, escaped table cells, error messages and
//! help texts.

use crate::util::{blz, ok, show};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod exit_codes;
mod help;

/// Runs `blz ARGS`, failing the test unless it exits with `code` and stderr holds every one of
/// `words` (and no panic); returns stderr.
fn fails(dir: &Path, args: &[&str], code: i32, words: &[&str]) -> String {
    let out = blz(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code() == Some(code) && words.iter().all(|w| stderr.contains(w)),
        "expected exit code {code} and a message with {words:?}:{}",
        show(args, &out)
    );
    assert!(
        !stderr.contains("panicked"),
        "no panics:{}",
        show(args, &out)
    );
    stderr
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Writes `rows` rows of `id,x,s` (pseudo-random floats and text) to `dir/NAME.csv` and
/// imports it as the table `dir/NAME` in chunks of 1,000 rows.
fn make_table(dir: &Path, name: &str, rows: usize) -> PathBuf {
    let mut csv = String::from("id,x,s\n");
    let mut z: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..rows {
        z ^= z << 13;
        z ^= z >> 7;
        z ^= z << 17;
        csv.push_str(&format!(
            "{i},{},s{}\n",
            (z % 1_000_000) as f64 / 7.0,
            z >> 40
        ));
    }
    let src = format!("{name}.csv");
    std::fs::write(dir.join(&src), csv).unwrap();
    ok(dir, &["import", &src, name, "--chunklen", "1024"]);
    dir.join(name)
}

/// Flips a byte near the end of the table's file `file` (a late chunk), so reading it fails.
fn corrupt(table: &Path, file: &str) {
    let p = table.join(file);
    let mut b = std::fs::read(&p).unwrap();
    let at = b.len() - 20;
    b[at] ^= 0x5a;
    std::fs::write(&p, b).unwrap();
}

#[test]
fn cli_export_failure_keeps_the_old_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let t = make_table(d, "t", 5000);
    corrupt(&t, "c1.data");
    for (dest, format) in [
        ("out.csv", "csv"),
        ("out.parquet", "parquet"),
        ("out.arrow", "ipc"),
        ("out.arrows", "ipc-stream"),
    ] {
        std::fs::write(d.join(dest), "precious").unwrap();
        fails(
            d,
            &["export", "t", dest, "--overwrite", "--format", format],
            1,
            &["exporting t to", dest],
        );
        assert_eq!(
            std::fs::read_to_string(d.join(dest)).unwrap(),
            "precious",
            "a failed {format} export left {dest} changed"
        );
        std::fs::remove_file(d.join(dest)).unwrap();
        // A failed export to a new name leaves no file and no temporary file.
        fails(d, &["export", "t", dest, "--format", format], 1, &[dest]);
        assert_eq!(names(d), ["t", "t.csv"], "{format}");
    }
}

#[test]
fn cli_export_overwrite_replaces_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    make_table(d, "t", 3000);
    std::fs::write(d.join("out.csv"), "old").unwrap();
    fails(d, &["export", "t", "out.csv"], 1, &["already exists"]);
    assert_eq!(std::fs::read_to_string(d.join("out.csv")).unwrap(), "old");
    ok(d, &["export", "t", "out.csv", "--overwrite"]);
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    assert_eq!(text.lines().count(), 3001);
    assert_eq!(names(d), ["out.csv", "t", "t.csv"]);
    // Never into the table's own directory.
    fails(
        d,
        &[
            "export",
            "t",
            "t/manifest.json",
            "--format",
            "csv",
            "--overwrite",
        ],
        1,
        &["inside the table"],
    );
    ok(d, &["query", "t", "--agg", "count(*)"]);
}

/// `blz chunk compress|decompress`: an existing output needs --overwrite, the input is never
/// the output (by any name), a failed write leaves the old output.
#[test]
fn cli_chunk_output_is_never_clobbered() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data: Vec<u8> = (0..50_000u32).flat_map(|i| (i / 7).to_le_bytes()).collect();
    std::fs::write(d.join("in.raw"), &data).unwrap();
    std::fs::write(d.join("old.b"), "old").unwrap();
    fails(
        d,
        &["chunk", "compress", "in.raw", "old.b"],
        1,
        &["old.b already exists", "--overwrite"],
    );
    assert_eq!(std::fs::read_to_string(d.join("old.b")).unwrap(), "old");
    ok(d, &["chunk", "compress", "in.raw", "old.b", "--overwrite"]);
    ok(d, &["chunk", "compress", "in.raw", "in.b"]);
    for args in [
        ["chunk", "compress", "in.raw", "in.raw"],
        ["chunk", "compress", "in.raw", "./in.raw"],
        ["chunk", "decompress", "in.b", "in.b"],
    ] {
        let mut args = args.to_vec();
        args.push("--overwrite");
        fails(d, &args, 1, &["is the input file"]);
    }
    assert_eq!(std::fs::read(d.join("in.raw")).unwrap(), data);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("in.raw", d.join("link.raw")).unwrap();
        std::fs::hard_link(d.join("in.raw"), d.join("hard.raw")).unwrap();
        for out in ["link.raw", "hard.raw"] {
            fails(
                d,
                &["chunk", "compress", "in.raw", out, "--overwrite"],
                1,
                &["is the input file"],
            );
        }
        assert_eq!(std::fs::read(d.join("in.raw")).unwrap(), data);
        std::fs::remove_file(d.join("link.raw")).unwrap();
        std::fs::remove_file(d.join("hard.raw")).unwrap();
    }
    std::fs::write(d.join("out.raw"), "old").unwrap();
    fails(
        d,
        &["chunk", "decompress", "in.b", "out.raw"],
        1,
        &["already exists"],
    );
    ok(
        d,
        &["chunk", "decompress", "in.b", "out.raw", "--overwrite"],
    );
    assert_eq!(std::fs::read(d.join("out.raw")).unwrap(), data);
    // A chunk that does not decode: the old output stays.
    let mut bad = std::fs::read(d.join("in.b")).unwrap();
    let n = bad.len();
    bad.truncate(n / 2);
    std::fs::write(d.join("bad.b"), bad).unwrap();
    fails(
        d,
        &["chunk", "decompress", "bad.b", "out.raw", "--overwrite"],
        1,
        &["bad.b"],
    );
    assert_eq!(std::fs::read(d.join("out.raw")).unwrap(), data);
    assert_eq!(
        names(d),
        ["bad.b", "in.b", "in.raw", "old.b", "out.raw"],
        "no temporary files are left"
    );
}

/// `blz export T - --format F | head`: the reader closes the pipe after a few bytes; that is
/// not an error, for every format.
#[test]
fn cli_export_to_closed_pipe_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Far more output than a pipe holds, so `blz` is still writing when the pipe closes.
    make_table(d, "t", 300_000);
    for format in ["csv", "parquet", "ipc", "ipc-stream"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_blz"))
            .args(["export", "t", "-", "--format", format])
            .current_dir(d)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the blz binary runs");
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 4];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && err.is_empty(),
            "export --format {format} to a closed pipe: {} {err}",
            out.status
        );
    }
    // Query output too.
    let mut child = Command::new(env!("CARGO_BIN_EXE_blz"))
        .args(["query", "t", "--format", "csv"])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the blz binary runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 4];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.is_empty(), "query: {err}");
}

/// An error and its causes are each said once (`cannot create x: No such file: No such file`
/// and the Parquet and Arrow messages repeated their cause before).
#[test]
fn cli_error_messages_say_each_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    make_table(d, "t", 100);
    std::fs::write(d.join("bad.parquet"), "PAR1garbagegarbagegarbagePAR1").unwrap();
    std::fs::write(d.join("bad.arrow"), "ARROW1\0\0garbagegarbage").unwrap();
    for args in [
        &["import", "bad.parquet", "u"][..],
        &["import", "bad.arrow", "u"],
        &["export", "t", "nowhere/x.csv"],
        &["chunk", "info", "nothere"],
    ] {
        let err = fails(d, args, 1, &["blz: error: "]);
        let parts: Vec<&str> = err.trim_end().split(": ").collect();
        for (i, p) in parts.iter().enumerate() {
            assert!(
                p.len() < 4 || !parts[i + 1..].contains(p),
                "{p:?} said twice:{}",
                show(args, &blz(d, args))
            );
        }
    }
}

/// A 100-byte chunk announcing 2 GiB in streams far too short for it: refused before the
/// memory is reserved (it took 2 GiB of memory before), with the reason.
#[test]
fn cli_chunk_decompress_checks_sizes_first() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bs: u32 = 512 << 20;
    let nbytes: u32 = i32::MAX as u32 - 16;
    let mut c = vec![2u8, 1, 0x30, 1];
    for v in [nbytes, bs, 100] {
        c.extend(v.to_le_bytes());
    }
    for i in 0..4u32 {
        c.extend((32 + 17 * i).to_le_bytes());
    }
    for _ in 0..4 {
        c.extend(13i32.to_le_bytes());
        c.extend([0x1f; 13]);
    }
    std::fs::write(d.join("evil.b"), &c).unwrap();
    fails(
        d,
        &["chunk", "decompress", "evil.b", "out.raw"],
        1,
        &["evil.b", "stream too short"],
    );
    assert!(!d.join("out.raw").exists());
}

/// Text cells and column names reach the terminal with their control characters escaped.
#[test]
fn cli_table_output_escapes_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("x.csv"),
        "name,n\n\"a\x1b[2Jb\",1\n\"tab\there\",2\n\"new\nline\",3\n",
    )
    .unwrap();
    ok(d, &["import", "x.csv", "x"]);
    let table = ok(d, &["query", "x"]);
    assert!(
        !table.contains('\x1b') && !table.contains('\t'),
        "{table:?}"
    );
    assert!(table.contains("a\\u{1b}[2Jb"), "{table}");
    assert!(table.contains("tab\\there"), "{table}");
    assert!(table.contains("new\\nline"), "{table}");
    assert_eq!(table.lines().count(), 5, "{table}");
    // CSV and JSON carry the text as it is, in their own quoting.
    let csv = ok(d, &["query", "x", "--format", "csv"]);
    assert!(
        csv.contains("\"new\nline\"") && csv.contains("a\x1b[2Jb"),
        "{csv:?}"
    );
    let json = ok(d, &["query", "x", "--format", "json"]);
    assert!(
        json.contains(r"a\u001b[2Jb") && json.contains(r"new\nline"),
        "{json}"
    );
}
