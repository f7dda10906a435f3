//! Issue 16, the table directory: `blz import` never deletes what appears at its destination,
//! `--overwrite` respects the writer lock and swaps tables atomically, the files of a table are
//! never followed through links nor opened when they are FIFOs, stale staging directories go,
//! a file-size limit is an error rather than a kill. Run as a user would, in a temp folder.

use std::path::Path;
use std::process::{Command, Output};

use blz::{DiskTable, OpenMode};

mod sweep;

/// Runs `blz ARGS` in `dir` with the extra environment `env`.
fn blz_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_blz"));
    c.args(args).current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the blz binary runs")
}

/// Runs `blz ARGS` in `dir`.
fn blz(dir: &Path, args: &[&str]) -> Output {
    blz_env(dir, args, &[])
}

/// The command and its output, framed, for failure messages.
fn show(args: &[&str], out: &Output) -> String {
    let rule = "-".repeat(72);
    format!(
        "\n{rule}\nblz {}\n{}\n{rule} stdout\n{}\n{rule} stderr\n{}\n{rule}\n",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}

/// Runs `blz ARGS`, failing the test unless it succeeds; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = blz(dir, args);
    assert!(out.status.success(), "command failed:{}", show(args, &out));
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Checks that `out` failed with exit code 1, without a panic, with every one of `words` in
/// stderr; returns stderr.
fn failed(args: &[&str], out: &Output, words: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code() == Some(1) && words.iter().all(|w| stderr.contains(w)),
        "expected exit code 1 and a message with {words:?}:{}",
        show(args, out)
    );
    assert!(!stderr.contains("panicked"), "no panic:{}", show(args, out));
    stderr
}

/// Writes a CSV of `rows` rows `i,i*k` with the header `a,b`.
fn csv(path: &Path, rows: usize, k: usize) {
    let body: String = (0..rows).map(|i| format!("{i},{}\n", i * k)).collect();
    std::fs::write(path, format!("a,b\n{body}")).unwrap();
}

/// Rows of the table at `p`, opened read-only.
fn rows_of(p: &Path) -> usize {
    DiskTable::open(p, OpenMode::ReadOnly)
        .unwrap_or_else(|e| panic!("{} opens: {e}", p.display()))
        .len()
}

/// Names in `dir` starting with a dot (staging directories).
fn hidden(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn cli_safety_import_keeps_a_directory_that_appears_meanwhile() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 2000, 2);
    let t = d.join("t");
    let args = ["import", "a.csv", "t"];
    let out = blz_env(d, &args, &[("BLZ_TEST_BEFORE_RENAME", "t")]);
    failed(&args, &out, &["appeared while importing", "left as it is"]);
    assert_eq!(
        std::fs::read(t.join("precious.txt")).unwrap(),
        b"made while the import ran",
        "the directory that appeared keeps its file"
    );
    assert!(hidden(d).is_empty(), "no staging left: {:?}", hidden(d));
    // An empty directory that appears is kept too (a plain rename would replace it).
    std::fs::remove_dir_all(&t).unwrap();
    std::fs::create_dir(&t).unwrap();
    let out = blz(d, &args);
    failed(&args, &out, &["already exists"]);
    assert!(t.is_dir() && std::fs::read_dir(&t).unwrap().next().is_none());
}

#[test]
fn cli_safety_two_imports_to_one_name_one_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 3000, 2);
    csv(&d.join("b.csv"), 5000, 3);
    for round in 0..3 {
        let name = format!("t{round}");
        // Small batches make each import take a while, so the two usually overlap; which one
        // wins does not matter, only that exactly one does and its table is whole.
        let spawn = |src: &str| {
            Command::new(env!("CARGO_BIN_EXE_blz"))
                .args(["import", src, &name, "--batch-rows", "50"])
                .current_dir(d)
                .output()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn("a.csv"));
            let b = s.spawn(|| spawn("b.csv"));
            (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
        });
        let wins = [&a, &b].iter().filter(|o| o.status.success()).count();
        assert_eq!(
            wins,
            1,
            "exactly one import wins:{}{}",
            show(&["import", "a.csv", &name], &a),
            show(&["import", "b.csv", &name], &b)
        );
        let (loser, want) = if a.status.success() {
            (&b, 3000)
        } else {
            (&a, 5000)
        };
        let msg = String::from_utf8_lossy(&loser.stderr);
        assert!(
            loser.status.code() == Some(1)
                && (msg.contains("appeared while importing") || msg.contains("already exists")),
            "the loser says why:{}",
            show(&["import"], loser)
        );
        assert_eq!(rows_of(&d.join(&name)), want, "the winner's table is whole");
        assert!(blz::verify(d.join(&name)).unwrap().problems.is_empty());
    }
    assert!(hidden(d).is_empty(), "no staging left: {:?}", hidden(d));
}

#[test]
fn cli_safety_overwrite_waits_for_no_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 2000, 2);
    csv(&d.join("b.csv"), 700, 3);
    ok(d, &["import", "a.csv", "t"]);
    // Another writer (an append in progress) holds the table's lock.
    let writer = DiskTable::open(d.join("t"), OpenMode::Append).unwrap();
    let args = ["import", "b.csv", "t", "--overwrite"];
    let out = blz(d, &args);
    failed(
        &args,
        &out,
        &["open for writing by another process", "LOCK"],
    );
    drop(writer);
    assert_eq!(rows_of(&d.join("t")), 2000, "the table is untouched");
    assert!(hidden(d).is_empty(), "no staging left: {:?}", hidden(d));
    ok(d, &args);
    assert_eq!(rows_of(&d.join("t")), 700);
    assert!(
        hidden(d).is_empty(),
        "the old table is gone: {:?}",
        hidden(d)
    );
}

#[test]
fn cli_safety_readers_see_the_old_or_the_new_table_during_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 3000, 2);
    csv(&d.join("b.csv"), 1500, 3);
    ok(d, &["import", "a.csv", "t"]);
    let t = d.join("t");
    let done = std::sync::atomic::AtomicBool::new(false);
    let reads = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut reads = 0usize;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads < 5 {
                let tb = DiskTable::open(&t, OpenMode::ReadOnly)
                    .unwrap_or_else(|e| panic!("a reader during a replacement: {e}"));
                let n = tb.len();
                assert!(n == 3000 || n == 1500, "old or new table, got {n} rows");
                let sum = tb.query("a >= 0").unwrap().count().unwrap();
                assert_eq!(sum, n, "every row of the table read");
                reads += 1;
            }
            reads
        });
        for i in 0..8 {
            let src = if i % 2 == 0 { "b.csv" } else { "a.csv" };
            ok(d, &["import", src, "t", "--overwrite"]);
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap()
    });
    assert!(reads >= 5);
    assert_eq!(rows_of(&t), 3000);
    assert!(hidden(d).is_empty(), "no staging left: {:?}", hidden(d));
}

/// A table `t` of 3000 rows (two chunks and a tail) in `d`.
fn small_table(d: &Path) {
    csv(&d.join("a.csv"), 3000, 2);
    ok(d, &["import", "a.csv", "t", "--chunklen", "1024"]);
}

#[test]
fn cli_safety_symlinked_data_file_is_refused_and_its_target_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    small_table(d);
    let data = d.join("t/c0.data");
    let outside = d.join("outside.bin");
    std::fs::rename(&data, &outside).unwrap();
    // Garbage past the committed end, which an append would truncate in its own file.
    let mut bytes = std::fs::read(&outside).unwrap();
    bytes.extend_from_slice(b"user data the link points to");
    std::fs::write(&outside, &bytes).unwrap();
    std::os::unix::fs::symlink(&outside, &data).unwrap();
    csv(&d.join("more.csv"), 10, 1);
    let args = ["import", "more.csv", "t", "--append"];
    let out = blz(d, &args);
    failed(&args, &out, &["c0.data", "symbolic link", "regular file"]);
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        bytes,
        "the target is untouched"
    );
    for args in [
        &["info", "t"][..],
        &["query", "t", "--where", "a > 5"],
        &["export", "t", "x.csv"],
        &["verify", "t"],
    ] {
        let out = blz(d, args);
        failed(args, &out, &["c0.data", "symbolic link"]);
    }
}

#[test]
fn cli_safety_fifo_or_directory_in_a_table_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    small_table(d);
    let t = d.join("t");
    let side = std::fs::read_dir(&t)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("side."))
        .expect("a side file");
    for (victim, what) in [
        ("c1.data", "a FIFO"),
        (side.as_str(), "a FIFO"),
        ("manifest.json", "a FIFO"),
        ("c0.data", "a directory"),
    ] {
        let p = t.join(victim);
        let keep = d.join("keep");
        std::fs::rename(&p, &keep).unwrap();
        if what == "a FIFO" {
            let st = Command::new("mkfifo").arg(&p).status().unwrap();
            assert!(st.success());
        } else {
            std::fs::create_dir(&p).unwrap();
        }
        csv(&d.join("more.csv"), 10, 1);
        for args in [
            &["info", "t"][..],
            &["verify", "t"],
            &["query", "t", "--where", "a > 5"],
            &["import", "more.csv", "t", "--append"],
        ] {
            let out = blz(d, args);
            failed(args, &out, &[victim, what]);
        }
        if what == "a FIFO" {
            std::fs::remove_file(&p).unwrap();
        } else {
            std::fs::remove_dir(&p).unwrap();
        }
        std::fs::rename(&keep, &p).unwrap();
        assert_eq!(rows_of(&t), 3000, "the table is whole again");
    }
}

#[test]
fn cli_safety_symlinked_manifest_tmp_or_lock_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    small_table(d);
    let t = d.join("t");
    let target = d.join("target.txt");
    std::fs::write(&target, b"keep me").unwrap();
    // A planted manifest.json.tmp link: the commit writes a fresh file instead.
    std::os::unix::fs::symlink(&target, t.join("manifest.json.tmp")).unwrap();
    csv(&d.join("more.csv"), 10, 1);
    ok(d, &["import", "more.csv", "t", "--append"]);
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    assert_eq!(rows_of(&t), 3010);
    // A LOCK that is a link: an error naming it, the target untouched.
    std::fs::remove_file(t.join("LOCK")).unwrap();
    std::os::unix::fs::symlink(&target, t.join("LOCK")).unwrap();
    let args = ["import", "more.csv", "t", "--append"];
    failed(&args, &blz(d, &args), &["LOCK", "symbolic link"]);
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
}

#[test]
fn cli_safety_info_reports_stored_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Fewer rows than a chunk: the whole table is its tails, compressed in the side file.
    csv(&d.join("a.csv"), 3000, 1);
    ok(d, &["import", "a.csv", "t"]);
    let j: serde_json::Value = serde_json::from_str(&ok(d, &["info", "t", "--json"])).unwrap();
    let (n, c) = (j["nbytes"].as_u64().unwrap(), j["cbytes"].as_u64().unwrap());
    let on_disk: u64 = std::fs::read_dir(d.join("t"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("side.") || name.starts_with('c')
        })
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert_eq!(c, on_disk, "compressed size = the bytes stored");
    assert!(
        c * 3 < n,
        "a small table is compressed and its ratio says so: {j}"
    );
    let cols: u64 = j["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cbytes"].as_u64().unwrap())
        .sum();
    assert_eq!(cols, c);
    let text = ok(d, &["info", "t"]);
    assert!(!text.contains("1.00"), "{text}");
}
