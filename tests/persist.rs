//! Tables on disk: round trips, modes and locks, snapshots, damage, crashes, full disks and
//! out-of-core memory use. Child processes are this test binary run again on an ignored test
//! (`child_*`) with an environment variable naming the table.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use blz::{
    Agg, CArrayOptions, CTable, ChunkCache, ColumnBatch, CreateOptions, DEFAULT_MIN_SAVING,
    DiskTable, Error, OpenMode, Value,
};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Row `i` of the deterministic test table: id, x, s (dictionary text), n (nullable).
fn batch(start: usize, n: usize) -> Vec<ColumnBatch> {
    let r = start..start + n;
    vec![
        ColumnBatch::new("id", r.clone().map(|i| i as i64).collect::<Vec<_>>()),
        ColumnBatch::new("x", r.clone().map(|i| i as f64 * 0.5).collect::<Vec<_>>()),
        ColumnBatch::new(
            "s",
            r.clone()
                .map(|i| ["red", "green", "blue"][i % 3])
                .collect::<Vec<_>>(),
        ),
        ColumnBatch::new(
            "n",
            r.clone().map(|i| (i % 1000) as i32).collect::<Vec<_>>(),
        )
        .with_validity(r.map(|i| i % 7 != 0).collect()),
    ]
}

fn small_opts(chunklen: usize) -> CreateOptions {
    CreateOptions::default().with_column_options(CArrayOptions::default().with_chunklen(chunklen))
}

/// A table at `p` holding rows `0..rows` of [`batch`], committed and closed.
fn committed_table(p: &Path, chunklen: usize, rows: usize) {
    let mut t = DiskTable::create(p, small_opts(chunklen)).unwrap();
    t.append(batch(0, rows)).unwrap();
    t.commit().unwrap();
}

/// Checks that `t` holds exactly rows `0..rows` of [`batch`].
fn check_rows(t: &CTable, rows: usize) {
    assert_eq!(t.len(), rows);
    if rows == 0 {
        return;
    }
    let q = t.query("id >= 0").unwrap();
    assert_eq!(q.count().unwrap(), rows);
    let sum = q.aggregate("id", Agg::Sum).unwrap();
    assert_eq!(sum, Value::Int((rows * (rows - 1) / 2) as i64));
    let nulls = (0..rows).filter(|i| i % 7 == 0).count();
    assert_eq!(t.query("n is null").unwrap().count().unwrap(), nulls);
    let reds = (0..rows).filter(|i| i % 3 == 0).count();
    assert_eq!(t.query("s == 'red'").unwrap().count().unwrap(), reds);
    for i in [0, rows / 2, rows - 1] {
        let row = t.row(i).unwrap();
        assert_eq!(row[0], Value::Int(i as i64));
        assert_eq!(row[1], Value::Float(i as f64 * 0.5));
        assert_eq!(row[2], Value::Str(["red", "green", "blue"][i % 3].into()));
        let n = if i % 7 == 0 {
            Value::Null
        } else {
            Value::Int((i % 1000) as i64)
        };
        assert_eq!(row[3], n);
    }
}

#[test]
fn table_round_trips_through_disk_with_every_type() {
    let d = tmp();
    let p = d.path().join("t");
    let mut t = DiskTable::create(&p, small_opts(1000)).unwrap();
    t.append(batch(0, 2500)).unwrap();
    t.commit().unwrap();
    t.append(batch(2500, 1234)).unwrap();
    // Text with many distinct values is stored plain, not as a dictionary.
    let many: Vec<String> = (0..3734).map(|i| format!("v{i}")).collect();
    t.add_column(ColumnBatch::new("txt", many.clone())).unwrap();
    let more = vec![
        ColumnBatch::new("b", (0..3734).map(|i| i % 2 == 0).collect::<Vec<_>>()),
        ColumnBatch::new("u8", (0..3734).map(|i| i as u8).collect::<Vec<_>>()),
        ColumnBatch::new("u64", (0..3734).map(|i| u64::MAX - i).collect::<Vec<_>>()),
        ColumnBatch::new(
            "f32",
            (0..3734)
                .map(|i| if i == 5 { f32::NAN } else { i as f32 })
                .collect::<Vec<_>>(),
        ),
    ];
    for b in more {
        t.add_column(b).unwrap();
    }
    t.commit().unwrap();
    drop(t);
    let t = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
    check_rows(&t, 3734);
    assert_eq!(t.value("txt", 3000).unwrap(), Value::Str("v3000".into()));
    assert_eq!(t.value("b", 3).unwrap(), Value::Bool(false));
    assert_eq!(t.value("u64", 7).unwrap(), Value::UInt(u64::MAX - 7));
    // 3701..3733, and the NaN of row 5 (NaN is above every number, as in SQL).
    assert_eq!(t.query("f32 > 3700").unwrap().count().unwrap(), 34);
    assert_eq!(t.query("u8 == 255").unwrap().count().unwrap(), 14);
    assert!(t.is_read_only());
    assert_eq!(t.path(), p.as_path());
    let r = blz::verify(&p).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.rows, 3734);
    assert!(r.chunks >= 3 * 9);
}

#[test]
fn reopened_writer_appends_renames_and_drops() {
    let d = tmp();
    let p = d.path().join("t");
    {
        let mut t = DiskTable::create(&p, small_opts(500)).unwrap();
        t.append(batch(0, 1100)).unwrap();
        t.add_column(ColumnBatch::new("gone", vec![1u8; 1100]))
            .unwrap();
        t.commit().unwrap();
    }
    {
        let mut t = DiskTable::open(&p, OpenMode::Append).unwrap();
        check_rows(&t, 1100);
        t.append(vec![]).unwrap();
        let mut b = batch(1100, 900);
        b.push(ColumnBatch::new("gone", vec![2u8; 900]));
        t.append(b).unwrap();
        t.drop_column("gone").unwrap();
        t.rename_column("x", "half").unwrap();
        t.commit().unwrap();
        t.rename_column("half", "x").unwrap();
        t.commit().unwrap();
    }
    let t = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
    check_rows(&t, 2000);
    assert_eq!(t.ncols(), 4);
    // The dropped column's files are gone.
    let names: Vec<String> = std::fs::read_dir(&p)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("c4.")).count(),
        0,
        "{names:?}"
    );
}

#[test]
fn min_saving_survives_reopening() {
    let d = tmp();
    for (name, asked, kept) in [
        ("default", None, Some(DEFAULT_MIN_SAVING)),
        ("c-rule", Some(0), Some(0)),
        ("forty", Some(40), Some(40)),
    ] {
        let p = d.path().join(name);
        let cparams = blz::blosc::CParams::default().with_min_saving(asked);
        let opts = CreateOptions::default().with_column_options(
            CArrayOptions::default()
                .with_chunklen(500)
                .with_cparams(cparams),
        );
        let mut t = DiskTable::create(&p, opts).unwrap();
        t.append(batch(0, 1100)).unwrap();
        assert_eq!(t.column_cparams("x").unwrap().min_saving, kept, "{name}");
        t.commit().unwrap();
        drop(t);
        let mut t = DiskTable::open(&p, OpenMode::Append).unwrap();
        assert_eq!(
            t.column_cparams("x").unwrap().min_saving,
            kept,
            "{name} reopened"
        );
        t.append(batch(1100, 900)).unwrap();
        t.commit().unwrap();
        check_rows(&t, 2000);
    }
}

#[test]
fn create_refuses_existing_paths_unless_asked() {
    let d = tmp();
    let p = d.path().join("t");
    let mut t = DiskTable::create(&p, CreateOptions::default()).unwrap();
    t.append(batch(0, 10)).unwrap();
    t.commit().unwrap();
    drop(t);
    assert!(matches!(
        DiskTable::create(&p, CreateOptions::default()),
        Err(Error::AlreadyExists { .. })
    ));
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 10);
    let t = DiskTable::create(&p, CreateOptions::default().with_overwrite(true)).unwrap();
    assert_eq!(t.len(), 0);
    drop(t);
    assert_eq!(DiskTable::open(&p, OpenMode::ReadOnly).unwrap().len(), 0);
    // A directory that is not a table is never replaced.
    let other = d.path().join("photos");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("cat.jpg"), b"meow").unwrap();
    let e = DiskTable::create(&other, CreateOptions::default().with_overwrite(true)).unwrap_err();
    assert!(e.to_string().contains("not a blz table"), "{e}");
    assert!(other.join("cat.jpg").exists());
    // A file is not replaced without asking either.
    let f = d.path().join("file");
    std::fs::write(&f, b"x").unwrap();
    assert!(matches!(
        DiskTable::create(&f, CreateOptions::default()),
        Err(Error::AlreadyExists { .. })
    ));
}

#[test]
fn one_writer_many_readers() {
    let d = tmp();
    let p = d.path().join("t");
    let mut w = DiskTable::create(&p, small_opts(100)).unwrap();
    w.append(batch(0, 250)).unwrap();
    w.commit().unwrap();
    assert!(matches!(
        DiskTable::open(&p, OpenMode::Append),
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        DiskTable::create(&p, CreateOptions::default().with_overwrite(true)),
        Err(Error::Locked { .. })
    ));
    let mut r = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
    assert!(matches!(
        r.append(batch(250, 1)),
        Err(Error::ReadOnly { .. })
    ));
    assert!(matches!(r.commit(), Err(Error::ReadOnly { .. })));
    assert!(matches!(r.drop_column("x"), Err(Error::ReadOnly { .. })));
    // Uncommitted rows are invisible to readers; the snapshot a reader opened stays put.
    w.append(batch(250, 250)).unwrap();
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 250);
    w.commit().unwrap();
    check_rows(&r, 250);
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 500);
    drop(w);
    let mut w2 = DiskTable::open(&p, OpenMode::Append).unwrap();
    w2.append(batch(500, 1)).unwrap();
    w2.add_column(ColumnBatch::new("new", vec![1u8; 501]))
        .unwrap();
    w2.rename_column("x", "y").unwrap();
    w2.rollback().unwrap();
    check_rows(&w2, 500);
    w2.append(batch(500, 7)).unwrap();
    w2.commit().unwrap();
    drop(w2);
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 507);
    assert!(matches!(r.rollback(), Err(Error::ReadOnly { .. })));
    // A table in memory has no `commit` at all: `CTable::new().commit()` does not compile.
}

/// Dropping a writer discards what it did not commit (rows, columns, renames), does no I/O but
/// releasing the lock, and leaves the table as of its last commit, open to the next writer.
#[test]
fn dropping_a_writer_discards_uncommitted_changes() {
    let d = tmp();
    let p = d.path().join("t");
    let mut t = DiskTable::create(&p, small_opts(100)).unwrap();
    assert!(!t.has_uncommitted_changes());
    t.append(batch(0, 300)).unwrap();
    assert!(t.has_uncommitted_changes());
    t.commit().unwrap();
    assert!(!t.has_uncommitted_changes());
    let files = |p: &Path| {
        let mut v: Vec<(String, u64)> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    e.metadata().unwrap().len(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = files(&p);
    t.append(batch(300, 450)).unwrap();
    t.add_column(ColumnBatch::new("extra", vec![1u8; 750]))
        .unwrap();
    t.rename_column("x", "y").unwrap();
    assert_eq!(t.len(), 750);
    drop(t);
    assert_eq!(files(&p), before, "dropping wrote nothing");
    let mut w = DiskTable::open(&p, OpenMode::Append).unwrap();
    check_rows(&w, 300);
    assert_eq!(w.ncols(), 4);
    w.append(batch(300, 7)).unwrap();
    w.commit().unwrap();
    drop(w);
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 307);
    let r = blz::verify(&p).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn garbage_past_the_committed_end_is_ignored_and_reclaimed() {
    let d = tmp();
    let p = d.path().join("t");
    committed_table(&p, 100, 450);
    let data = p.join("c0.data");
    let len = std::fs::metadata(&data).unwrap().len();
    let mut bytes = std::fs::read(&data).unwrap();
    bytes.extend_from_slice(&[0xAB; 5000]);
    std::fs::write(&data, &bytes).unwrap();
    std::fs::write(p.join("side.999"), b"stray").unwrap();
    std::fs::write(p.join("notes.txt"), b"the user's own file").unwrap();
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 450);
    let mut t = DiskTable::open(&p, OpenMode::Append).unwrap();
    assert_eq!(std::fs::metadata(&data).unwrap().len(), len);
    assert!(!p.join("side.999").exists());
    assert!(p.join("notes.txt").exists());
    t.append(batch(450, 100)).unwrap();
    t.commit().unwrap();
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 550);
}

#[test]
fn bad_tables_are_clear_errors() {
    let d = tmp();
    let msg = |p: &Path| {
        DiskTable::open(p, OpenMode::ReadOnly)
            .err()
            .unwrap()
            .to_string()
    };
    assert!(msg(&d.path().join("nothing")).contains("no such table"));
    std::fs::write(d.path().join("f"), b"x").unwrap();
    assert!(msg(&d.path().join("f")).contains("not a directory"));
    assert!(msg(d.path()).contains("no manifest.json"));
    let p = d.path().join("t");
    committed_table(&p, 100, 450);
    // A truncated data file.
    let data = p.join("c1.data");
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    assert!(msg(&p).contains("truncated"), "{}", msg(&p));
    std::fs::write(&data, &bytes).unwrap();
    // A missing data file.
    std::fs::rename(&data, p.join("moved")).unwrap();
    assert!(msg(&p).contains("c1.data"), "{}", msg(&p));
    std::fs::rename(p.join("moved"), &data).unwrap();
    // A damaged manifest.
    let m = std::fs::read(p.join("manifest.json")).unwrap();
    std::fs::write(p.join("manifest.json"), &m[..m.len() - 3]).unwrap();
    assert!(msg(&p).contains("damaged"), "{}", msg(&p));
    std::fs::write(p.join("manifest.json"), &m).unwrap();
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), 450);
}

#[test]
fn corrupt_chunk_names_table_column_and_chunk() {
    let d = tmp();
    let p = d.path().join("t");
    committed_table(&p, 100, 450);
    let data = p.join("c1.data");
    let mut bytes = std::fs::read(&data).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0x40;
    std::fs::write(&data, &bytes).unwrap();
    let t = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
    let e = t.value("x", 399).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, Error::Checksum { chunk: 3, .. }), "{s}");
    assert!(s.contains("\"x/data\"") && s.contains("chunk 3"), "{s}");
    assert!(t.value("x", 5).is_ok());
    let r = blz::verify(&p).unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(r.problems[0].contains("chunk 3"));
}

/// Every byte of every file of a small table, flipped: opening and reading everything gives
/// an error or exactly the right data, never wrong data or a panic.
#[test]
fn every_flipped_byte_is_an_error_or_the_right_data() {
    let d = tmp();
    let p = d.path().join("t");
    let mut t = DiskTable::create(&p, small_opts(64)).unwrap();
    t.append(batch(0, 150)).unwrap();
    t.add_column(ColumnBatch::new(
        "txt",
        (0..150).map(|i| format!("w{i}")).collect::<Vec<_>>(),
    ))
    .unwrap();
    t.commit().unwrap();
    drop(t);
    let read_all = |p: &Path| -> blz::Result<Vec<Vec<Value>>> {
        let t = DiskTable::open_with_cache(p, OpenMode::ReadOnly, ChunkCache::new(1 << 20)?)?;
        let mut rows = (0..t.len())
            .map(|i| t.row(i))
            .collect::<blz::Result<Vec<_>>>()?;
        rows.push(vec![Value::UInt(
            t.query("id < 100 and n > 3")?.count()? as u64
        )]);
        rows.push(vec![t.query("s == 'blue'")?.aggregate("x", Agg::Sum)?]);
        Ok(rows)
    };
    let good = read_all(&p).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(&p)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|f| !f.ends_with("LOCK"))
        .collect();
    let mut flips = 0;
    let mut errors = 0;
    for f in &files {
        let orig = std::fs::read(f).unwrap();
        for i in 0..orig.len() {
            let mut b = orig.clone();
            b[i] ^= 1 << (i % 8);
            std::fs::write(f, &b).unwrap();
            flips += 1;
            match read_all(&p) {
                Ok(rows) => assert_eq!(
                    rows,
                    good,
                    "flip of byte {i} in {} gave wrong data",
                    f.display()
                ),
                Err(_) => errors += 1,
            }
        }
        std::fs::write(f, &orig).unwrap();
    }
    assert!(flips > 2000, "{flips}");
    assert!(errors * 10 > flips * 9, "{errors} errors of {flips} flips");
}

// ---- child processes -------------------------------------------------------------------

fn child(test: &str, env: &[(&str, &Path)]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        test,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ]);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Child: appends batches to the table in `BLZ_CHILD_TABLE`, committing now and then and
/// printing `C <rows>` after each commit returns, until killed (or `BLZ_CHILD_STEPS`).
#[test]
#[ignore = "child process of the crash and full-disk tests"]
fn child_writer() {
    let Some(p) = std::env::var_os("BLZ_CHILD_TABLE") else {
        return;
    };
    let steps: usize = std::env::var("BLZ_CHILD_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let mut t = match DiskTable::open(&p, OpenMode::Append) {
        Ok(t) => t,
        Err(_) => DiskTable::create(&p, small_opts(300)).unwrap(),
    };
    let mut rows = t.len();
    let mut seed = rows as u64 * 2_654_435_761 + 1;
    for _ in 0..steps {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let n = 1 + (seed >> 33) as usize % 700;
        t.append(batch(rows, n)).unwrap();
        rows += n;
        if (seed >> 20).is_multiple_of(3) {
            match t.commit() {
                Ok(()) => println!("C {rows}"),
                Err(e) => {
                    println!("E {e}");
                    return;
                }
            }
        }
    }
    // Exit without dropping: the OS kill below would do the same.
    std::process::exit(0);
}

/// Kills a writer at random points, `BLZ_CRASH_KILLS` times (default 25): the table is always
/// readable and holds at least every row whose commit returned, all correct.
#[test]
fn crash_during_appends_and_commits_loses_nothing_committed() {
    let kills: usize = std::env::var("BLZ_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let d = tmp();
    let p = d.path().join("t");
    let mut acked = 0usize;
    let mut seed = 99u64;
    for k in 0..kills {
        // A loaded machine may refuse a fork for a moment (EAGAIN): try again.
        let mut c = (0..20)
            .find_map(|_| {
                let r = child("persist::child_writer", &[("BLZ_CHILD_TABLE", &p)])
                    .stdout(Stdio::piped())
                    .spawn();
                if r.is_err() {
                    std::thread::sleep(Duration::from_millis(200));
                }
                r.ok()
            })
            .expect("cannot start the writer process");
        let out = c.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("C ") {
                    tx.send(n.trim().parse::<usize>().unwrap()).ok();
                }
            }
        });
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        // The first kills land during start-up and table creation; the others wait for the
        // writer's first commit of this run (however slow the machine), then a random while.
        let mut first = None;
        if k >= 3 {
            first = rx.recv_timeout(Duration::from_secs(60)).ok();
        }
        let wait = if k < 3 {
            k as u64 * 3
        } else {
            (seed >> 33) % 80
        };
        std::thread::sleep(Duration::from_millis(wait));
        c.kill().unwrap();
        c.wait().unwrap();
        reader.join().unwrap();
        for n in first.into_iter().chain(rx.try_iter()) {
            acked = acked.max(n);
        }
        if !p.join("manifest.json").exists() {
            assert_eq!(acked, 0, "table vanished after kill {k}");
            continue;
        }
        let t = DiskTable::open(&p, OpenMode::ReadOnly)
            .unwrap_or_else(|e| panic!("unreadable after kill {k}: {e}"));
        assert!(
            t.len() >= acked,
            "kill {k}: {} rows, {acked} acknowledged",
            t.len()
        );
        check_rows(&t, t.len());
        acked = t.len();
    }
    assert!(acked > 0, "no commit in {kills} runs");
    let r = blz::verify(&p).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

/// A disk that fills up (a file size limit: writes fail with EFBIG) during commits: the error
/// is reported and the table keeps its last committed state.
#[test]
fn full_disk_keeps_the_last_commit() {
    let d = tmp();
    let p = d.path().join("t");
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 64; exec \"$0\" --exact persist::child_writer --ignored --nocapture --test-threads=1 -q")
        .arg(&exe)
        .env("BLZ_CHILD_TABLE", &p)
        .env("BLZ_CHILD_STEPS", "100000")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text
        .lines()
        .filter_map(|l| l.strip_prefix("C ")?.trim().parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let err = text
        .lines()
        .find(|l| l.starts_with("E "))
        .unwrap_or_else(|| panic!("no write error: {text}"));
    assert!(
        err.contains("cannot write")
            || err.contains("cannot sync")
            || err.contains("cannot create"),
        "{err}"
    );
    assert!(last > 0, "{text}");
    let t = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
    assert_eq!(t.len(), last);
    check_rows(&t, last);
    // Room again: the writer resumes from the last commit.
    let mut w = DiskTable::open(&p, OpenMode::Append).unwrap();
    w.append(batch(last, 10)).unwrap();
    w.commit().unwrap();
    check_rows(&DiskTable::open(&p, OpenMode::ReadOnly).unwrap(), last + 10);
}

/// Child: opens the table read-only again and again, checking every snapshot, until
/// `BLZ_CHILD_STOP` exists; prints the number of snapshots.
#[test]
#[ignore = "child process of the concurrency test"]
fn child_reader() {
    let Some(p) = std::env::var_os("BLZ_CHILD_TABLE") else {
        return;
    };
    let stop = PathBuf::from(std::env::var_os("BLZ_CHILD_STOP").unwrap());
    let mut n = 0;
    while !stop.exists() {
        let t = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
        assert_eq!(t.len() % 200, 0);
        check_rows(&t, t.len());
        n += 1;
    }
    println!("S {n}");
}

#[test]
fn readers_in_threads_and_processes_see_consistent_snapshots() {
    let d = tmp();
    let p = d.path().join("t");
    let stop = d.path().join("stop");
    let mut w = DiskTable::create(&p, small_opts(128)).unwrap();
    w.append(batch(0, 200)).unwrap();
    w.commit().unwrap();
    let proc = child(
        "persist::child_reader",
        &[("BLZ_CHILD_TABLE", &p), ("BLZ_CHILD_STOP", &stop)],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0;
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        let t = DiskTable::open(&p, OpenMode::ReadOnly).unwrap();
                        assert_eq!(t.len() % 200, 0);
                        check_rows(&t, t.len());
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        for k in 1..60 {
            w.append(batch(k * 200, 200)).unwrap();
            w.commit().unwrap();
            // Renames and rewrites in between: a new column, dropped again.
            if k % 10 == 0 {
                w.add_column(ColumnBatch::new("tmp", vec![0u8; (k + 1) * 200]))
                    .unwrap();
                w.drop_column("tmp").unwrap();
                w.commit().unwrap();
            }
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    });
    std::fs::write(&stop, b"").unwrap();
    let out = proc.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "reader process failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("S "));
}

/// Child: sums and filters the table through a small cache; prints the growth of the peak
/// resident set (VmHWM minus the resident set before opening), in KiB.
#[test]
#[ignore = "child process of the out-of-core test"]
fn child_out_of_core() {
    let Some(p) = std::env::var_os("BLZ_CHILD_TABLE") else {
        return;
    };
    let status = |key: &str| -> u64 {
        let s = std::fs::read_to_string("/proc/self/status").unwrap();
        s.lines()
            .find_map(|l| {
                l.strip_prefix(key)?
                    .trim()
                    .strip_suffix("kB")?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap()
    };
    let before = status("VmRSS:");
    let cache = ChunkCache::new(8 << 20).unwrap();
    let t = DiskTable::open_with_cache(&p, OpenMode::ReadOnly, cache).unwrap();
    // Not decided by chunk statistics: every chunk is decoded.
    let q = t.query("x != 12345.5").unwrap();
    let sum = q.aggregate("x", Agg::Sum).unwrap();
    let n = t.query("x > 1e12").unwrap().count().unwrap();
    let mut r = 0;
    for i in (0..t.len()).step_by(997) {
        t.value("x", i).unwrap();
        r += 1;
    }
    println!(
        "R {} {sum:?} {n} {r}",
        status("VmHWM:").saturating_sub(before)
    );
}

/// A table whose data is several times the cache budget: a sum, a filter and random reads
/// keep the peak resident set within the budget plus 32 MiB (thread buffers, mapped pages in
/// flight, the allocator's slack).
#[test]
fn out_of_core_scans_stay_within_the_cache_budget() {
    let d = tmp();
    let p = d.path().join("t");
    let mut t = DiskTable::create(&p, CreateOptions::default()).unwrap();
    let n = 6_000_000usize;
    let mut seed = 7u64;
    let mut start = 0;
    while start < n {
        let m = (n - start).min(1 << 20);
        let x: Vec<f64> = (0..m)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (seed >> 11) as f64 / 1024.0
            })
            .collect();
        t.append(vec![ColumnBatch::new("x", x)]).unwrap();
        t.commit().unwrap();
        start += m;
    }
    let cbytes = t.cbytes();
    drop(t);
    assert!(
        cbytes > 4 * (8 << 20),
        "table of {cbytes} bytes is not out of core"
    );
    let out = child("persist::child_out_of_core", &[("BLZ_CHILD_TABLE", &p)])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("R "))
        .unwrap_or_else(|| panic!("{text}"));
    let kib: u64 = line.split(' ').next().unwrap().parse().unwrap();
    eprintln!("out of core: table {cbytes} bytes, cache 8 MiB, peak RSS growth {kib} KiB ({line})");
    assert!(
        kib < (8 + 32) * 1024,
        "peak RSS grew by {kib} KiB for a {cbytes}-byte table: {line}"
    );
}
