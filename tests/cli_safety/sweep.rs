//! The adversarial sweep of the table directory (issue 16, Proof): hand-edited manifests (with
//! a correct checksum, as a careful vandal writes them), kills in the middle of imports and
//! appends, a file-size limit, stale staging directories, chunk lengths below the floor and
//! the three inconsistencies `blz verify` missed. Each mutated table must give an error or the
//! original answers, or `blz::verify` must name a problem: never a panic, never a silent change.
//! Bounded (a few hundred cases, small tables) so CI stays fast.

use std::path::Path;
use std::process::{Command, Stdio};

use blz::{Agg, CArrayOptions, ColumnBatch, CreateOptions, DiskTable, OpenMode};
use serde_json::Value;

use super::{blz, csv, failed, hidden, ok, rows_of};

/// The manifest value of the table at `dir`.
fn manifest(dir: &Path) -> Value {
    let v: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap())
        .expect("the manifest is JSON");
    v["manifest"].clone()
}

/// Writes `m` as the manifest of `dir`, with a correct checksum.
fn write_manifest(dir: &Path, m: &Value) {
    let body = serde_json::to_string_pretty(m).unwrap();
    let h = xxhash_rust::xxh3::xxh3_64(body.as_bytes());
    std::fs::write(
        dir.join("manifest.json"),
        format!("{{\"xxh3\":\"{h:016x}\",\"manifest\":{body}}}\n"),
    )
    .unwrap();
}

/// A table of 2,600 rows (two chunks of 1,024 and a tail): an integer, a float, a dictionary
/// text column and one with nulls.
fn base_table(dir: &Path) {
    let n = 2600i64;
    let opts =
        CreateOptions::default().with_column_options(CArrayOptions::default().with_chunklen(1024));
    let mut t = DiskTable::create(dir, opts).unwrap();
    let kinds = ["red", "green", "blue"];
    t.append(vec![
        ColumnBatch::new("a", (0..n).collect::<Vec<i64>>()),
        ColumnBatch::new("f", (0..n).map(|i| i as f64 * 0.5).collect::<Vec<f64>>()),
        ColumnBatch::new(
            "k",
            (0..n)
                .map(|i| kinds[(i % 3) as usize].to_owned())
                .collect::<Vec<String>>(),
        ),
        ColumnBatch::new("u", (0..n).map(|i| (i * 7) as u32).collect::<Vec<u32>>())
            .with_validity((0..n).map(|i| i % 5 != 0).collect()),
    ])
    .unwrap();
    t.commit().unwrap();
}

/// Everything a user could read from the table: rows, counts, sums, every value.
fn answers(dir: &Path) -> blz::Result<String> {
    let t = DiskTable::open(dir, OpenMode::ReadOnly)?;
    let q = t.query("a > 1500")?;
    let mut out = format!(
        "{} {} {:?} {:?}\n",
        t.len(),
        q.count()?,
        q.aggregate("a", Agg::Sum)?,
        t.query("f >= 0")?.aggregate("f", Agg::Sum)?,
    );
    for i in 0..t.len() {
        out.push_str(&format!("{:?}\n", t.row(i)?));
    }
    Ok(out)
}

/// Paths (JSON pointers) of every leaf of `v`.
fn leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                leaves(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

/// The edits tried on one leaf.
fn edits(v: &Value) -> Vec<Value> {
    match v {
        Value::Number(n) => {
            let mut e = vec![Value::from(0), Value::from(u64::MAX), Value::from(-1)];
            if let Some(x) = n.as_u64() {
                e.extend([Value::from(x + 1), Value::from(x.saturating_mul(2) + 7)]);
                if x > 0 {
                    e.push(Value::from(x - 1));
                }
            } else if let Some(x) = n.as_f64() {
                e.extend([Value::from(x + 1.0), Value::from(-x)]);
            }
            e
        }
        Value::String(s) => {
            let mut flipped: Vec<char> = s.chars().collect();
            if let Some(c) = flipped.first_mut() {
                *c = if *c == '1' { '2' } else { '1' };
            }
            vec![
                Value::from(""),
                Value::from(flipped.into_iter().collect::<String>()),
            ]
        }
        Value::Bool(b) => vec![Value::from(!b)],
        Value::Null => vec![Value::from(0), Value::from("x")],
        _ => Vec::new(),
    }
}

/// What one mutated table did.
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    refused: usize,
    same: usize,
    flagged: usize,
    panics: Vec<String>,
    silent: Vec<String>,
}

#[test]
fn cli_safety_sweep_hand_edited_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    base_table(&dir);
    let want = answers(&dir).unwrap();
    let orig = manifest(&dir);
    let mut paths = Vec::new();
    leaves(&orig, String::new(), &mut paths);
    let mut tally = Tally::default();
    for p in &paths {
        let old = orig.pointer(p).unwrap().clone();
        for e in edits(&old) {
            let mut m = orig.clone();
            *m.pointer_mut(p).unwrap() = e.clone();
            write_manifest(&dir, &m);
            tally.cases += 1;
            let what = format!("{p} = {e}");
            let r = std::panic::catch_unwind(|| {
                let got = answers(&dir);
                let v = blz::verify(&dir);
                (got, v)
            });
            match r {
                Err(_) => tally.panics.push(what),
                Ok((Err(_), _)) => tally.refused += 1,
                Ok((Ok(got), _)) if got == want => tally.same += 1,
                Ok((Ok(_), Ok(v))) if v.problems.is_empty() => tally.silent.push(what),
                Ok((Ok(_), _)) => tally.flagged += 1,
            }
        }
    }
    write_manifest(&dir, &orig);
    assert_eq!(
        answers(&dir).unwrap(),
        want,
        "the original manifest reads again"
    );
    eprintln!("hand-edited manifests: {tally:?}");
    assert!(tally.cases > 300, "{tally:?}");
    assert!(tally.panics.is_empty(), "panics: {:?}", tally.panics);
    assert!(
        tally.silent.is_empty(),
        "silent changes: {:?}",
        tally.silent
    );
}

/// A table with a plain text column (more distinct values than a dictionary holds).
fn text_table(dir: &Path) -> usize {
    let n = 70_000usize;
    let opts =
        CreateOptions::default().with_column_options(CArrayOptions::default().with_chunklen(4096));
    let mut t = DiskTable::create(dir, opts).unwrap();
    t.append(vec![
        ColumnBatch::new("i", (0..n as i64).collect::<Vec<i64>>()),
        ColumnBatch::new(
            "s",
            (0..n).map(|i| format!("v{i}")).collect::<Vec<String>>(),
        ),
    ])
    .unwrap();
    t.commit().unwrap();
    n
}

#[test]
fn cli_safety_verify_catches_inconsistent_chunklen_sums_and_text_offsets() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let dir = d.join("t");
    let n = text_table(&dir);
    let orig = manifest(&dir);
    assert_eq!(
        orig["columns"][1]["storage"]["kind"], "plain",
        "a plain text column"
    );

    // 1. A column whose chunk length differs from the table's (count(*) was 312 million).
    let mut m = orig.clone();
    m["columns"][0]["storage"]["data"]["chunklen"] = Value::from(4096 * 1000);
    write_manifest(&dir, &m);
    for args in [&["verify", "t"][..], &["query", "t", "--agg", "count(*)"]] {
        failed(
            args,
            &blz(d, args),
            &["has chunks of 4096000 rows, the table 4096"],
        );
    }

    // 2. A wrong per-chunk sum (kept within what count, minimum and maximum allow).
    let mut m = orig.clone();
    let sum = &mut m["columns"][0]["storage"]["data"]["chunks"][3]["stats"]["sum"];
    *sum = Value::from(sum.as_i64().unwrap() + 1);
    write_manifest(&dir, &m);
    let out = blz(d, &["verify", "t"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("column \"i\" (data), chunk 3: statistics do not match"),
        "{text}"
    );

    // 3. Text offsets out of order: the tail of `ends` rewritten with two offsets swapped.
    let mut m = orig.clone();
    let side_name = m["side"]["file"].as_str().unwrap().to_owned();
    let side_path = dir.join(&side_name);
    let mut side = std::fs::read(&side_path).unwrap();
    let tail = &m["columns"][1]["storage"]["ends"]["tail"];
    let (off, len) = (
        tail["offset"].as_u64().unwrap() as usize,
        tail["len"].as_u64().unwrap() as usize,
    );
    let raw = blz::blosc::decompress(&side[off..off + len]).unwrap();
    let mut ends: Vec<u64> = raw
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let k = ends.len() / 2;
    ends.swap(k, k + 1);
    let bytes: Vec<u8> = ends.iter().flat_map(|e| e.to_le_bytes()).collect();
    let params =
        blz::blosc::CParams::default().with_typesize(blz::blosc::TypeSize::try_from(8).unwrap());
    let chunk = blz::blosc::compress(&bytes, &params).unwrap();
    let at = side.len();
    side.extend_from_slice(&chunk);
    std::fs::write(&side_path, &side).unwrap();
    m["side"]["len"] = Value::from(side.len());
    m["columns"][1]["storage"]["ends"]["tail"] = serde_json::json!({
        "offset": at,
        "len": chunk.len(),
        "xxh3": format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&chunk)),
    });
    write_manifest(&dir, &m);
    let out = blz(d, &["verify", "t"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.code() == Some(1) && text.contains("text offsets out of order"),
        "{text}"
    );
    // A query reading the damaged rows errors rather than printing another row's text.
    let row = n - ends.len() + k + 1;
    let q = format!("i == {row}");
    let args = ["query", "t", "--where", &q];
    failed(&args, &blz(d, &args), &["text offsets out of order"]);
    let args = ["export", "t", "out.csv"];
    failed(&args, &blz(d, &args), &["text offsets out of order"]);
}

#[test]
fn cli_safety_stale_staging_of_dead_imports_goes_others_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 100, 2);
    // A process that has exited: its id names no process now.
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let live = std::process::id();
    for n in [
        format!(".t.importing-{dead}"),
        format!("..t.importing-{dead}.creating-{dead}"),
        format!(".t.importing-{live}"),
        format!(".other.importing-{dead}"),
    ] {
        std::fs::create_dir(d.join(&n)).unwrap();
        std::fs::write(d.join(&n).join("c0.data"), b"junk").unwrap();
    }
    let out = blz(d, &["import", "a.csv", "t"]);
    assert!(out.status.success());
    let mut left = hidden(d);
    left.sort();
    let mut want = vec![
        format!(".other.importing-{dead}"),
        format!(".t.importing-{live}"),
    ];
    want.sort();
    assert_eq!(
        left, want,
        "only the dead import's staging of this table goes"
    );
    // An append removes them too.
    std::fs::create_dir(d.join(format!(".t.importing-{dead}"))).unwrap();
    ok(d, &["import", "a.csv", "t", "--append"]);
    assert!(!d.join(format!(".t.importing-{dead}")).exists());
    assert_eq!(rows_of(&d.join("t")), 200);
}

#[test]
fn cli_safety_chunklen_below_the_floor_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 100, 2);
    let args = ["import", "a.csv", "t", "--chunklen", "1"];
    let out = blz(d, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(2) && err.contains("too few") && err.contains("manifest"),
        "{err}"
    );
    assert!(!d.join("t").exists());
    ok(d, &["import", "a.csv", "t", "--chunklen", "1024"]);
    let opts =
        CreateOptions::default().with_column_options(CArrayOptions::default().with_chunklen(8));
    let e = DiskTable::create(d.join("lib"), opts).unwrap_err();
    assert!(e.to_string().contains("chunklen"), "{e}");
    assert!(!d.join("lib").exists() && hidden(d).is_empty());
}

/// A CSV of `rows` rows of poorly compressible numbers.
fn noisy_csv(path: &Path, rows: u64) {
    let body: String = (0..rows)
        .map(|i| format!("{i},{}\n", (i * 2_654_435_761) % 1_000_003))
        .collect();
    std::fs::write(path, format!("a,b\n{body}")).unwrap();
}

#[test]
fn cli_safety_file_size_limit_is_an_error_and_keeps_the_last_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 2000, 2);
    ok(d, &["import", "a.csv", "t"]);
    noisy_csv(&d.join("big.csv"), 300_000);
    let blz_bin = env!("CARGO_BIN_EXE_blz");
    for args in [
        vec!["import", "big.csv", "t", "--append"],
        vec!["import", "big.csv", "fresh"],
    ] {
        let out = Command::new("sh")
            .arg("-c")
            .arg("ulimit -f 16 && exec \"$0\" \"$@\"")
            .arg(blz_bin)
            .args(&args)
            .current_dir(d)
            .output()
            .unwrap();
        failed(&args, &out, &["File too large"]);
    }
    assert_eq!(rows_of(&d.join("t")), 2000, "the last commit is kept");
    assert!(blz::verify(d.join("t")).unwrap().problems.is_empty());
    assert!(!d.join("fresh").exists() && hidden(d).is_empty());
    // Every writing command, not just import: an export past the limit fails with the same
    // error and leaves the old file as it was.
    ok(d, &["import", "big.csv", "big"]);
    std::fs::write(d.join("old.csv"), "keep me\n").unwrap();
    let args = ["export", "big", "old.csv", "--overwrite"];
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 16 && exec \"$0\" \"$@\"")
        .arg(blz_bin)
        .args(args)
        .current_dir(d)
        .output()
        .unwrap();
    failed(&args, &out, &["File too large"]);
    assert_eq!(
        std::fs::read_to_string(d.join("old.csv")).unwrap(),
        "keep me\n"
    );
    assert!(
        hidden(d).is_empty(),
        "no temporary file left: {:?}",
        hidden(d)
    );
}

/// The `generation` of the table at `dir` (0 when it cannot be read now).
fn generation(dir: &Path) -> u64 {
    std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v["manifest"]["generation"].as_u64())
        .unwrap_or(0)
}

#[test]
fn cli_safety_sweep_kills_mid_write() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    csv(&d.join("a.csv"), 1000, 2);
    noisy_csv(&d.join("big.csv"), 200_000);
    ok(d, &["import", "a.csv", "t"]);
    let t = d.join("t");
    let mut cases = 0;
    let mut rows = rows_of(&t);
    for k in 1..=4 {
        let g0 = generation(&t);
        let mut child = Command::new(env!("CARGO_BIN_EXE_blz"))
            .args(["import", "big.csv", "t", "--append"])
            .args(["--batch-rows", "500", "--commit-bytes", "20000"])
            .current_dir(d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill it once it has committed k times (or let it finish, if it is that fast).
        while generation(&t) < g0 + k && child.try_wait().unwrap().is_none() {
            std::thread::yield_now();
        }
        let _ = child.kill();
        child.wait().unwrap();
        cases += 1;
        let now = rows_of(&t);
        assert!(
            now >= rows && (now - 1000).is_multiple_of(500),
            "{now} rows after a kill"
        );
        assert!(blz::verify(&t).unwrap().problems.is_empty());
        rows = now;
    }
    // A new table killed while it is built: nothing at its name; the next import tidies up.
    for _ in 0..2 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_blz"))
            .args(["import", "big.csv", "n", "--batch-rows", "500"])
            .current_dir(d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let staging = d.join(format!(".n.importing-{}", child.id()));
        while !staging.join("manifest.json").exists() && child.try_wait().unwrap().is_none() {
            std::thread::yield_now();
        }
        let _ = child.kill();
        let finished = child.wait().unwrap().success();
        cases += 1;
        if !finished {
            assert!(!d.join("n").exists(), "a killed import leaves no table");
        }
        let _ = std::fs::remove_dir_all(d.join("n"));
    }
    ok(d, &["import", "a.csv", "n"]);
    assert!(
        hidden(d).is_empty(),
        "stale staging removed: {:?}",
        hidden(d)
    );
    assert_eq!(rows_of(&d.join("n")), 1000);
    eprintln!("kills mid-write: {cases} cases");
}
