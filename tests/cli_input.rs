//! `blz import` of foreign input as a user feeds it: CSV from standard input, a pipe or a
//! FIFO (no row lost to format sniffing), tab- and semicolon-separated files, integers beyond
//! `i64`, dates that do not exist, unclosed quotes, header-only files, `--schema` dates.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::util::show;
use blz::{CTable, ColumnType, DType, DiskTable, OpenMode, Value};

/// Runs `blz ARGS` in `dir`, feeding `stdin` (if any) through a pipe.
fn blz(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blz"))
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the blz binary runs");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        // A broken pipe (the command refused the input early) is the command's answer.
        std::thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let out = child.wait_with_output().unwrap();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    out
}

fn ok(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) {
    let out = blz(dir, args, stdin);
    assert!(out.status.success(), "command failed:{}", show(args, &out));
}

/// Runs `blz ARGS`, failing unless it exits with 1 and stderr holds every one of `words`.
fn fails(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>, words: &[&str]) -> String {
    let out = blz(dir, args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code() == Some(1) && words.iter().all(|w| stderr.contains(w)),
        "expected exit code 1 and a message with {words:?}:{}",
        show(args, &out)
    );
    assert!(!stderr.contains("panicked"), "{}", show(args, &out));
    stderr
}

fn table(dir: &Path, name: &str) -> DiskTable {
    DiskTable::open(dir.join(name), OpenMode::ReadOnly).unwrap()
}

fn types(t: &CTable) -> Vec<ColumnType> {
    t.schema().fields.iter().map(|f| f.ty).collect()
}

/// `n` rows of `id,name,x` (the first row's fields are what a sniffer reads first).
fn rows_csv(n: usize) -> Vec<u8> {
    let mut s = String::from("id,name,x\n");
    for i in 0..n {
        s.push_str(&format!("{i},n{},{}.5\n", i % 7, i));
    }
    s.into_bytes()
}

fn check_rows(t: &CTable, n: usize) {
    assert_eq!(t.len(), n);
    assert_eq!(t.ncols(), 3);
    assert_eq!(t.value("id", 0).unwrap(), Value::Int(0));
    assert_eq!(t.value("id", n - 1).unwrap(), Value::Int(n as i64 - 1));
    if n > 1 {
        assert_eq!(t.value("x", 1).unwrap(), Value::Float(1.5));
    }
}

#[test]
fn import_csv_from_stdin_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for n in [1, 3, 70_000] {
        let name = format!("t{n}");
        ok(d, &["import", "-", &name], Some(rows_csv(n)));
        check_rows(&table(d, &name), n);
        // `/dev/stdin` is a pipe too.
        let name = format!("dev{n}");
        ok(d, &["import", "/dev/stdin", &name], Some(rows_csv(n)));
        check_rows(&table(d, &name), n);
    }
    // --append from a pipe reads the rows once, with the table's types.
    ok(d, &["import", "-", "t3", "--append"], Some(rows_csv(5)));
    assert_eq!(table(d, "t3").len(), 8);
    // An Arrow IPC stream reads from a pipe; Parquet needs a file and says so.
    ok(d, &["export", "t3", "t3.arrows"], None);
    let ipc = std::fs::read(d.join("t3.arrows")).unwrap();
    ok(d, &["import", "-", "from_ipc"], Some(ipc));
    assert_eq!(table(d, "from_ipc").len(), 8);
    ok(d, &["export", "t3", "t3.parquet"], None);
    let pq = std::fs::read(d.join("t3.parquet")).unwrap();
    fails(
        d,
        &["import", "-", "from_pq"],
        Some(pq),
        &["<stdin>", "Parquet", "save it to a file"],
    );
    assert!(!d.join("from_pq").exists());
}

#[test]
fn import_csv_from_fifo_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("in.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let bytes = rows_csv(20_000);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            // Opening blocks until the command opens the FIFO to read it.
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&bytes).unwrap();
        })
    };
    ok(d, &["import", "in.csv", "t"], None);
    writer.join().unwrap();
    check_rows(&table(d, "t"), 20_000);
}

#[test]
fn import_tsv_and_semicolons_split_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("a.tsv"),
        "year\tmonth\tname\n2013\t1\tx y\n2014\t2\tz\n",
    )
    .unwrap();
    ok(d, &["import", "a.tsv", "tsv"], None);
    let t = table(d, "tsv");
    assert_eq!(t.ncols(), 3);
    assert_eq!(t.value("month", 1).unwrap(), Value::Int(2));
    assert_eq!(t.value("name", 0).unwrap(), Value::Str("x y".into()));
    // Sniffed from the header line of a .csv that holds no comma.
    std::fs::write(d.join("semi.csv"), "a;b\n1;2,5\n3;4\n").unwrap();
    ok(d, &["import", "semi.csv", "semi"], None);
    let t = table(d, "semi");
    assert_eq!(t.ncols(), 2);
    assert_eq!(t.value("b", 0).unwrap(), Value::Str("2,5".into()));
    // Asked for: `--delimiter`, by character or `tab`.
    std::fs::write(d.join("pipe.txt"), "a|b\n1|x,y\n").unwrap();
    ok(d, &["import", "pipe.txt", "pipe", "--delimiter", "|"], None);
    assert_eq!(
        table(d, "pipe").value("b", 0).unwrap(),
        Value::Str("x,y".into())
    );
    std::fs::write(d.join("tabs.csv"), "a\tb\n1\t2\n").unwrap();
    ok(
        d,
        &["import", "-", "tabs", "--delimiter", "tab"],
        Some(b"a\tb,c\n1\t2\n".to_vec()),
    );
    assert_eq!(types(&table(d, "tabs")).len(), 2);
    let out = blz(d, &["import", "a.tsv", "bad", "--delimiter", "ab"], None);
    assert_eq!(out.status.code(), Some(2), "{}", show(&[], &out));
}

#[test]
fn import_schema_date_refuses_a_time_of_day() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("d.csv"),
        "id,day\n1,2024-01-02\n2,2024-01-03T10:30:00\n",
    )
    .unwrap();
    fails(
        d,
        &["import", "d.csv", "t", "--schema", "id:i64,day:date"],
        None,
        &[
            "d.csv",
            "line 3",
            "\"day\"",
            "2024-01-03T10:30:00",
            "no time of day",
        ],
    );
    assert!(!d.join("t").exists());
    std::fs::write(
        d.join("ok.csv"),
        "id,day\n1,2024-01-02\n2,2024-01-03 00:00\n",
    )
    .unwrap();
    ok(
        d,
        &["import", "ok.csv", "t", "--schema", "id:i64,day:date"],
        None,
    );
    assert_eq!(
        table(d, "t").value("day", 1).unwrap(),
        Value::Timestamp(19_725 * 86_400, blz::TimeUnit::Second)
    );
}

#[test]
fn import_integers_beyond_i64_stay_exact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("u.csv"),
        "id\n1\n18446744073709551615\n9223372036854775808\n",
    )
    .unwrap();
    ok(d, &["import", "u.csv", "t"], None);
    let t = table(d, "t");
    assert_eq!(types(&t), [ColumnType::Fixed(DType::U64)]);
    assert_eq!(t.value("id", 1).unwrap(), Value::UInt(u64::MAX));
    assert_eq!(t.value("id", 2).unwrap(), Value::UInt(1 << 63));
    std::fs::write(d.join("big.csv"), "id\n1\n18446744073709551616\n").unwrap();
    fails(
        d,
        &["import", "big.csv", "big"],
        None,
        &[
            "big.csv",
            "line 3",
            "\"id\"",
            "18446744073709551616",
            "--schema",
        ],
    );
    std::fs::write(d.join("mixed.csv"), "id\n-1\n18446744073709551615\n").unwrap();
    fails(
        d,
        &["import", "mixed.csv", "mixed"],
        None,
        &["line 3", "--schema"],
    );
    assert!(!d.join("big").exists() && !d.join("mixed").exists());
}

#[test]
fn import_dates_that_do_not_exist_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("d.csv"), "k,when\n1,2024-02-28\n2,2024-02-30\n").unwrap();
    fails(
        d,
        &["import", "d.csv", "t"],
        None,
        &["d.csv", "line 3", "\"when\"", "2024-02-30"],
    );
    // Past the rows read for inference, as the column's type.
    let mut s = String::from("k,when\n");
    for i in 0..20_000 {
        s.push_str(&format!("{i},2024-01-01T00:00:00\n"));
    }
    s.push_str("20000,2023-02-29T12:00:00\n");
    std::fs::write(d.join("late.csv"), s).unwrap();
    fails(
        d,
        &["import", "late.csv", "t"],
        None,
        &["late.csv", "line 20002", "\"when\"", "2023-02-29T12:00:00"],
    );
    assert!(!d.join("t").exists());
}

#[test]
fn import_quotes_keep_line_numbers_and_unclosed_quote_is_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("q.csv"),
        "a,b\n1,\"two\nlines\"\n2,\"x\"\"y\"\n3,oops\n",
    )
    .unwrap();
    ok(d, &["import", "q.csv", "t"], None);
    let t = table(d, "t");
    assert_eq!(t.value("b", 0).unwrap(), Value::Str("two\nlines".into()));
    assert_eq!(t.value("b", 1).unwrap(), Value::Str("x\"y".into()));
    assert_eq!(t.len(), 3);
    std::fs::remove_dir_all(d.join("t")).unwrap();
    std::fs::write(d.join("n.csv"), "a,b\n1,\"two\nlines\"\n2,x\nthree,y\n").unwrap();
    fails(
        d,
        &["import", "n.csv", "t", "--schema", "a:i64,b:utf8"],
        None,
        &["n.csv", "line 5", "\"a\"", "three"],
    );
    std::fs::write(d.join("open.csv"), "a,b\n1,2\n3,\"open\n4,5\n6,7\n").unwrap();
    fails(
        d,
        &["import", "open.csv", "t"],
        None,
        &["open.csv", "line 3", "not closed"],
    );
    assert!(!d.join("t").exists());
}

#[test]
fn import_header_only_file_makes_columns_without_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("h.csv"), "a,b,c\n").unwrap();
    ok(d, &["import", "h.csv", "t"], None);
    let t = table(d, "t");
    assert_eq!(t.len(), 0);
    let names: Vec<String> = t.schema().fields.into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["a", "b", "c"]);
    ok(
        d,
        &["import", "h.csv", "s", "--schema", "a:i64,b:f64,c:utf8"],
        None,
    );
    assert_eq!(
        types(&table(d, "s")),
        [
            ColumnType::Fixed(DType::I64),
            ColumnType::Fixed(DType::F64),
            ColumnType::Utf8
        ]
    );
    std::fs::write(d.join("empty.csv"), "").unwrap();
    fails(
        d,
        &["import", "empty.csv", "e"],
        None,
        &["empty.csv", "empty"],
    );
}

#[test]
fn csv_wide_file_batches_follow_bytes_not_columns() {
    use blz::arrow::{CsvOptions, open_csv_reader};
    // 10,000 columns x 400 rows of one-digit numbers: 8 MB of text.
    let (ncols, nrows) = (10_000, 400);
    let mut text = (0..ncols)
        .map(|c| format!("c{c}"))
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    let row = (0..ncols)
        .map(|c| ((c % 10) as u8 + b'0') as char)
        .map(String::from)
        .collect::<Vec<_>>()
        .join(",");
    for _ in 0..nrows {
        text.push_str(&row);
        text.push('\n');
    }
    let opts = CsvOptions::default();
    let r = open_csv_reader(std::io::Cursor::new(text.into_bytes()), "wide.csv", &opts).unwrap();
    // A batch holds about `batch_bytes` (32 MiB): a few hundred rows of this file, not the
    // 65,536 rows (x 10,000 columns) that took 10 GB.
    let per_batch = r.batch_rows();
    assert!(
        per_batch * ncols <= opts.batch_bytes / 4 && per_batch >= 100,
        "{per_batch} rows per batch"
    );
    let (mut rows, mut batches) = (0, 0);
    for b in r {
        let b = b.unwrap();
        assert!(b.num_rows() <= per_batch);
        assert!(
            b.get_array_memory_size() <= 2 * opts.batch_bytes,
            "a batch of {} bytes",
            b.get_array_memory_size()
        );
        rows += b.num_rows();
        batches += 1;
    }
    assert_eq!(rows, nrows);
    assert!(batches >= 2, "{batches} batches");
}

#[test]
fn import_malformed_ipc_and_parquet_are_errors_that_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    // A record batch claiming a 2^62-byte body aborted the process; a negative one panicked.
    for (name, file) in [
        ("huge.arrows", "import_ipc-body-length-2-pow-62.bin"),
        ("neg.arrows", "import_ipc-negative-body-length.bin"),
    ] {
        std::fs::copy(saved.join(file), d.join(name)).unwrap();
        fails(d, &["import", name, "t"], None, &[name, "body"]);
    }
    // A Parquet file cut short.
    std::fs::write(d.join("s.csv"), rows_csv(100)).unwrap();
    ok(d, &["import", "s.csv", "s"], None);
    ok(d, &["export", "s", "s.parquet"], None);
    let pq = std::fs::read(d.join("s.parquet")).unwrap();
    std::fs::write(d.join("cut.parquet"), &pq[..pq.len() / 2]).unwrap();
    fails(d, &["import", "cut.parquet", "t"], None, &["cut.parquet"]);
    // No table and no staging folder left behind.
    let mut left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "cut.parquet",
            "huge.arrows",
            "neg.arrows",
            "s",
            "s.csv",
            "s.parquet"
        ]
    );
}
