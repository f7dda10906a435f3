//! A table written by an earlier blz opens and reads the same, and takes appends
//! (tests/data/table-v1.md says how it was made and what each row holds).

use std::path::{Path, PathBuf};

use blz::{Agg, CTable, ColumnBatch, DiskTable, OpenMode, TimeUnit, Timestamp, Value};

/// Rows of the committed table.
const ROWS: usize = 3100;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/table-v1")
}

/// `2013-01-01T00:00:00Z` in seconds since the epoch.
const JAN_2013: i64 = 1_356_998_400;

fn ts(i: usize) -> i64 {
    (JAN_2013 + (i % 28) as i64 * 86_400 + (i % 24) as i64 * 3_600) * 1_000_000
}

/// Row `i` as the table holds it.
fn row(i: usize) -> Vec<Value> {
    vec![
        Value::Int(i as i64),
        if i.is_multiple_of(7) {
            Value::Null
        } else {
            Value::Int((i % 50) as i64)
        },
        Value::Float(90.0 + (i % 13) as f64 * 0.25),
        Value::Str(["AA", "BB", "CC"][i % 3].into()),
        Value::Bool(i.is_multiple_of(2)),
        Value::Timestamp(ts(i), TimeUnit::Microsecond),
        if i.is_multiple_of(11) {
            Value::Null
        } else {
            Value::Str(format!("note {}", i % 40))
        },
    ]
}

/// Rows `start..start + n` as batches to append.
fn batches(start: usize, n: usize) -> Vec<ColumnBatch> {
    let r = start..start + n;
    vec![
        ColumnBatch::new("id", r.clone().map(|i| i as i64).collect::<Vec<_>>()),
        ColumnBatch::new(
            "qty",
            r.clone().map(|i| (i % 50) as i64).collect::<Vec<_>>(),
        )
        .with_validity(r.clone().map(|i| !i.is_multiple_of(7)).collect()),
        ColumnBatch::new(
            "price",
            r.clone()
                .map(|i| 90.0 + (i % 13) as f64 * 0.25)
                .collect::<Vec<_>>(),
        ),
        ColumnBatch::new(
            "sym",
            r.clone()
                .map(|i| ["AA", "BB", "CC"][i % 3])
                .collect::<Vec<_>>(),
        ),
        ColumnBatch::new(
            "flag",
            r.clone().map(|i| i.is_multiple_of(2)).collect::<Vec<_>>(),
        ),
        ColumnBatch::new(
            "ts",
            blz::Values::Timestamp(
                r.clone().map(|i| Timestamp(ts(i))).collect(),
                TimeUnit::Microsecond,
            ),
        ),
        ColumnBatch::new(
            "note",
            r.clone()
                .map(|i| format!("note {}", i % 40))
                .collect::<Vec<_>>(),
        )
        .with_validity(r.map(|i| !i.is_multiple_of(11)).collect()),
    ]
}

/// Checks every value of `t` (rows `0..rows`) and a few queries against the formulas.
fn check(t: &CTable, rows: usize) {
    assert_eq!(t.len(), rows);
    let names: Vec<String> = t.schema().fields.into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["id", "qty", "price", "sym", "flag", "ts", "note"]);
    for i in 0..rows {
        assert_eq!(t.row(i).unwrap(), row(i), "row {i}");
    }
    let small: Vec<usize> = (0..rows)
        .filter(|i| !i.is_multiple_of(7) && i % 50 < 10)
        .collect();
    let q = t.query("qty < 10").unwrap();
    assert_eq!(q.count().unwrap(), small.len());
    let price: f64 = small.iter().map(|&i| 90.0 + (i % 13) as f64 * 0.25).sum();
    assert_eq!(q.aggregate("price", Agg::Sum).unwrap(), Value::Float(price));
    let bb = (0..rows).filter(|i| i % 3 == 1 && i.is_multiple_of(2));
    let q = t.query("sym == 'BB' and flag").unwrap();
    assert_eq!(q.count().unwrap(), bb.clone().count());
    let ids: i64 = bb.map(|i| i as i64).sum();
    assert_eq!(q.aggregate("id", Agg::Sum).unwrap(), Value::Int(ids));
    let notes = (0..rows).filter(|i| !i.is_multiple_of(11)).count();
    assert_eq!(t.query("note is not null").unwrap().count().unwrap(), notes);
}

#[test]
fn table_written_before_disk_table_opens_and_reads_the_same() {
    let t = DiskTable::open(data(), OpenMode::ReadOnly).unwrap();
    check(&t, ROWS);
    assert_eq!(t.column_nchunks("id").unwrap(), 3);
    let r = blz::verify(data()).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.rows, ROWS as u64);
}

#[test]
fn table_written_before_disk_table_takes_appends() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("t");
    std::fs::create_dir(&p).unwrap();
    for e in std::fs::read_dir(data()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), p.join(e.file_name())).unwrap();
    }
    let mut t = DiskTable::open(&p, OpenMode::Append).unwrap();
    t.append(batches(ROWS, 2000)).unwrap();
    t.commit().unwrap();
    drop(t);
    check(
        &DiskTable::open(&p, OpenMode::ReadOnly).unwrap(),
        ROWS + 2000,
    );
    let r = blz::verify(&p).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}
