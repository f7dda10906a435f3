//! Arrow interop: record batches <-> tables (property tested over every type, nulls, text and
//! empty tables), query streams, the C stream interface, and CSV / Parquet / Arrow IPC files.

use std::sync::Arc;

use blz::arrow::arrow_array::ffi_stream::ArrowArrayStreamReader;
use blz::arrow::arrow_array::types::{Int8Type, UInt16Type};
use blz::arrow::arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, DictionaryArray, Float32Array,
    Float64Array, Int8Array, Int16Array, Int32Array, Int64Array, LargeStringArray, ListArray,
    RecordBatch, RecordBatchReader, StringArray, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray, UInt8Array,
    UInt16Array, UInt32Array, UInt64Array,
};
use blz::arrow::arrow_schema::{DataType, TimeUnit as ArrowUnit};
use blz::arrow::{CsvOptions, FileFormat, TableBatches, WriteOptions};
use blz::{CArray, CTable, ColumnBatch, ColumnType, DType, Error, TimeUnit, Timestamp, Value};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(32)
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

/// Every batch of a stream, checked against the rows `offset..` of `want`'s columns.
fn assert_stream_eq(
    got: impl Iterator<Item = Result<RecordBatch, blz::arrow::arrow_schema::ArrowError>>,
    want: &RecordBatch,
    batch_rows: usize,
) {
    let mut off = 0;
    for b in got {
        let b = b.unwrap();
        assert!(b.num_rows() <= batch_rows);
        let w = want.slice(off, b.num_rows());
        assert_eq!(b.num_columns(), w.num_columns());
        for (i, (g, e)) in b.columns().iter().zip(w.columns()).enumerate() {
            assert_eq!(g, e, "column {i} rows {off}..");
        }
        off += b.num_rows();
    }
    assert_eq!(off, want.num_rows());
}

fn rows(t: &CTable) -> Vec<Vec<Value>> {
    (0..t.len()).map(|i| t.row(i).unwrap()).collect()
}

type Cols = (
    Vec<Option<bool>>,
    Vec<Option<i8>>,
    Vec<Option<i16>>,
    Vec<Option<i32>>,
    Vec<Option<i64>>,
    Vec<Option<u8>>,
    Vec<Option<u16>>,
    Vec<Option<u32>>,
    Vec<Option<u64>>,
    Vec<Option<f32>>,
    Vec<Option<f64>>,
    (Vec<Option<i64>>, Vec<Option<String>>, u8),
);

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
    n: usize,
    nulls: bool,
) -> BoxedStrategy<Vec<Option<T>>> {
    if nulls {
        prop::collection::vec(prop::option::weighted(0.8, s), n).boxed()
    } else {
        prop::collection::vec(s.prop_map(Some), n).boxed()
    }
}

fn cols() -> impl Strategy<Value = Cols> {
    (0usize..200, any::<bool>()).prop_flat_map(|(n, p)| {
        (
            opt(any::<bool>(), n, p),
            opt(any::<i8>(), n, p),
            opt(any::<i16>(), n, p),
            opt(any::<i32>(), n, p),
            opt(any::<i64>(), n, p),
            opt(any::<u8>(), n, p),
            opt(any::<u16>(), n, p),
            opt(any::<u32>(), n, p),
            opt(any::<u64>(), n, p),
            opt(-1e6f32..1e6, n, p),
            opt(any::<f64>().prop_filter("no NaN", |x| !x.is_nan()), n, p),
            (
                opt(any::<i64>(), n, p),
                opt("[a-c]{0,3}|[é✓x ]{0,8}", n, p),
                0u8..4,
            ),
        )
    })
}

fn to_batch(c: Cols) -> RecordBatch {
    let (b, i8s, i16s, i32s, i64s, u8s, u16s, u32s, u64s, f32s, f64s, (ts, s, unit)) = c;
    let ts: ArrayRef = match unit {
        0 => Arc::new(TimestampSecondArray::from(ts)),
        1 => Arc::new(TimestampMillisecondArray::from(ts)),
        2 => Arc::new(TimestampMicrosecondArray::from(ts)),
        _ => Arc::new(TimestampNanosecondArray::from(ts)),
    };
    batch(vec![
        ("b", Arc::new(BooleanArray::from(b))),
        ("i8", Arc::new(Int8Array::from(i8s))),
        ("i16", Arc::new(Int16Array::from(i16s))),
        ("i32", Arc::new(Int32Array::from(i32s))),
        ("i64", Arc::new(Int64Array::from(i64s))),
        ("u8", Arc::new(UInt8Array::from(u8s))),
        ("u16", Arc::new(UInt16Array::from(u16s))),
        ("u32", Arc::new(UInt32Array::from(u32s))),
        ("u64", Arc::new(UInt64Array::from(u64s))),
        ("f32", Arc::new(Float32Array::from(f32s))),
        ("f64", Arc::new(Float64Array::from(f64s))),
        ("ts", ts),
        ("s", Arc::new(StringArray::from(s))),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn record_batch_table_record_batch_is_identity(c in cols(), batch_rows in 1usize..80, split in 0usize..200) {
        let want = to_batch(c);
        // Appended in two batches (the first creates the columns, even when empty).
        let k = split.min(want.num_rows());
        let parts = [want.slice(0, k), want.slice(k, want.num_rows() - k)];
        let t = CTable::from_record_batches(&parts).unwrap();
        prop_assert_eq!(t.len(), want.num_rows());
        prop_assert_eq!(t.ncols(), 13);
        assert_stream_eq(t.record_batches(None, batch_rows).unwrap(), &want, batch_rows);
        // The dictionary export reads back the same text.
        let d: Vec<RecordBatch> = t
            .record_batches(Some(&["s"]), batch_rows)
            .unwrap()
            .with_dictionary(true)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let back = CTable::from_record_batches(&d).unwrap();
        let want_s = CTable::from_record_batches([want.project(&[12]).unwrap()]).unwrap();
        prop_assert_eq!(rows(&back), rows(&want_s));
    }
}

#[test]
fn empty_table_keeps_its_schema() {
    let want = batch(vec![
        ("x", Arc::new(Int32Array::from(Vec::<i32>::new()))),
        ("s", Arc::new(StringArray::from(Vec::<&str>::new()))),
    ]);
    let t = CTable::from_record_batches([&want]).unwrap();
    assert_eq!(t.len(), 0);
    let s = t.arrow_schema();
    assert_eq!(s.field(0).data_type(), &DataType::Int32);
    assert_eq!(s.field(1).data_type(), &DataType::Utf8);
    assert_eq!(t.record_batches(None, 10).unwrap().count(), 0);
}

#[test]
fn many_distinct_strings_export_from_plain_storage() {
    // Over 65 536 distinct values switch the column to offsets + bytes.
    let n = 70_000;
    let s: Vec<Option<String>> = (0..n)
        .map(|i| (i % 7 != 0).then(|| format!("v{i}")))
        .collect();
    let want = batch(vec![
        ("id", Arc::new(Int64Array::from_iter_values(0..n as i64))),
        ("s", Arc::new(StringArray::from(s))),
        (
            "m",
            Arc::new(Int64Array::from_iter_values(
                (0..n as i64).map(|i| i % 1000),
            )),
        ),
    ]);
    let t = CTable::from_record_batches([&want]).unwrap();
    assert_stream_eq(t.record_batches(None, 9_999).unwrap(), &want, 9_999);
    // Scattered matches of a query.
    let q = t.query("m == 3 or id > 69990").unwrap();
    let idx = q.indices().unwrap();
    let got: Vec<RecordBatch> = q
        .record_batches(Some(&["s", "id"]), 7)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<i64> = got
        .iter()
        .flat_map(|b| {
            b.column(1)
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(ids, idx.iter().map(|&i| i as i64).collect::<Vec<_>>());
    for b in &got {
        let s = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        let id = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
        for r in 0..b.num_rows() {
            let i = id.value(r);
            assert_eq!(s.is_null(r), i % 7 == 0);
            if !s.is_null(r) {
                assert_eq!(s.value(r), format!("v{i}"));
            }
        }
    }
}

fn sample_table(n: usize) -> CTable {
    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("id", (0..n as i64).collect::<Vec<_>>()),
        ColumnBatch::new(
            "x",
            (0..n).map(|i| (i % 97) as f64 * 0.5).collect::<Vec<f64>>(),
        )
        .with_validity((0..n).map(|i| i % 11 != 0).collect()),
        ColumnBatch::new(
            "sym",
            (0..n)
                .map(|i| ["AA", "BB", "CC"][i % 3])
                .collect::<Vec<&str>>(),
        ),
        ColumnBatch::new(
            "ts",
            blz::Values::Timestamp(
                (0..n as i64)
                    .map(|i| Timestamp(1_600_000_000_000_000 + i * 1_000_123))
                    .collect(),
                TimeUnit::Microsecond,
            ),
        ),
        ColumnBatch::new("flag", (0..n).map(|i| i % 5 == 0).collect::<Vec<bool>>()),
    ])
    .unwrap();
    t
}

fn ids(
    batches: impl Iterator<Item = Result<RecordBatch, blz::arrow::arrow_schema::ArrowError>>,
) -> Vec<usize> {
    batches
        .flat_map(|b| {
            let b = b.unwrap();
            let a = b
                .column_by_name("id")
                .unwrap()
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone();
            a.values().iter().map(|&v| v as usize).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn query_stream_yields_the_matches_in_bounded_batches() {
    let t = sample_table(200_000);
    let q = t.query("x > 40 and sym != 'BB'").unwrap();
    let want = q.indices().unwrap();
    assert!(!want.is_empty());
    let stream = q.record_batches(None, 1000).unwrap();
    assert_eq!(stream.schema(), t.arrow_schema());
    let got: Vec<RecordBatch> = stream.collect::<Result<_, _>>().unwrap();
    assert!(got.iter().all(|b| b.num_rows() <= 1000));
    assert_eq!(ids(got.into_iter().map(Ok)), want);
    // The owned stream (recompiling the text) agrees, from another thread.
    let shared = Arc::new(t);
    let s = TableBatches::owned_query(
        Arc::clone(&shared),
        "x > 40 and sym != 'BB'",
        Some(&["id"]),
        333,
    )
    .unwrap();
    let got = std::thread::spawn(move || ids(s)).join().unwrap();
    assert_eq!(got, want);
    // A limit is honoured.
    let q = shared.query("flag").unwrap().limit(1234);
    assert_eq!(
        ids(q.record_batches(Some(&["id"]), 500).unwrap()),
        q.indices().unwrap()
    );
    // Unknown columns and zero-row batches are errors.
    assert!(matches!(
        shared.record_batches(Some(&["nope"]), 10),
        Err(Error::UnknownColumn { .. })
    ));
    assert!(matches!(
        shared.record_batches(None, 0),
        Err(Error::InvalidParam { .. })
    ));
}

#[test]
fn ffi_stream_round_trips() {
    let t = Arc::new(sample_table(50_000));
    let want: Vec<RecordBatch> = t
        .record_batches(None, 4096)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let ffi = blz::arrow::to_ffi_stream(TableBatches::owned(Arc::clone(&t), None, 4096).unwrap());
    let reader = ArrowArrayStreamReader::try_new(ffi).unwrap();
    let got: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    assert_eq!(got, want);
    let back = CTable::from_record_batches(&got).unwrap();
    assert_eq!(rows(&back)[..100], rows(&t)[..100]);
    assert_eq!(back.len(), t.len());
}

#[test]
fn unsupported_type_names_the_column() {
    let l =
        ListArray::from_iter_primitive::<blz::arrow::arrow_array::types::Int32Type, _, _>([Some(
            vec![Some(1)],
        )]);
    let b = batch(vec![
        ("ok", Arc::new(Int32Array::from(vec![1]))),
        ("tags", Arc::new(l)),
    ]);
    let e = CTable::from_record_batches([&b]).err().unwrap();
    assert!(
        matches!(&e, Error::UnsupportedArrowType { column, .. } if column == "tags"),
        "{e}"
    );
    assert!(e.to_string().contains("\"tags\""), "{e}");
    let h = batch(vec![(
        "bytes",
        Arc::new(BinaryArray::from(vec![&b"x"[..]])),
    )]);
    assert!(matches!(
        CTable::from_record_batches([&h]),
        Err(Error::UnsupportedArrowType { .. })
    ));
}

#[test]
fn dates_dictionaries_and_large_text_import() {
    let dict: DictionaryArray<Int8Type> = vec![Some("a"), None, Some("b"), Some("a")]
        .into_iter()
        .collect();
    let dict16: DictionaryArray<UInt16Type> = vec!["x", "y", "x", "x"].into_iter().collect();
    let b = batch(vec![
        (
            "d",
            Arc::new(Date32Array::from(vec![Some(0), Some(1), None, Some(-1)])),
        ),
        ("k", Arc::new(dict)),
        ("k16", Arc::new(dict16)),
        (
            "l",
            Arc::new(LargeStringArray::from(vec!["p", "q", "r", ""])),
        ),
        (
            "tz",
            Arc::new(TimestampSecondArray::from(vec![1, 2, 3, 4]).with_timezone("+02:00")),
        ),
    ]);
    let t = CTable::from_record_batches([&b]).unwrap();
    let s = t.schema();
    assert_eq!(
        s.fields[0].ty,
        ColumnType::Fixed(DType::Timestamp(TimeUnit::Second))
    );
    assert_eq!(s.fields[1].ty, ColumnType::Utf8);
    assert_eq!(
        s.fields[4].ty,
        ColumnType::Fixed(DType::Timestamp(TimeUnit::Second))
    );
    assert_eq!(
        t.value("d", 1).unwrap(),
        Value::Timestamp(86_400, TimeUnit::Second)
    );
    assert_eq!(t.value("d", 2).unwrap(), Value::Null);
    assert_eq!(t.value("k", 1).unwrap(), Value::Null);
    assert_eq!(t.value("k", 3).unwrap(), Value::Str("a".into()));
    assert_eq!(t.value("k16", 1).unwrap(), Value::Str("y".into()));
    assert_eq!(t.value("l", 1).unwrap(), Value::Str("q".into()));
    assert_eq!(
        t.value("tz", 2).unwrap(),
        Value::Timestamp(3, TimeUnit::Second)
    );
}

#[test]
fn carray_arrow_round_trip_keeps_the_unit() {
    let a = CArray::<i32>::try_from_iter(0..100_000).unwrap();
    let arr = a.to_arrow().unwrap();
    assert_eq!(arr.data_type(), &DataType::Int32);
    assert_eq!(
        CArray::<i32>::from_arrow(arr.as_ref())
            .unwrap()
            .to_vec()
            .unwrap(),
        a.to_vec().unwrap()
    );
    let ts = TimestampMillisecondArray::from(vec![1, -2, 3]);
    let c = CArray::<Timestamp>::from_arrow(&ts).unwrap();
    assert_eq!(c.dtype(), DType::Timestamp(TimeUnit::Millisecond));
    assert_eq!(
        c.to_arrow().unwrap().data_type(),
        &DataType::Timestamp(ArrowUnit::Millisecond, None)
    );
    let b = CArray::<bool>::from_arrow(&BooleanArray::from(vec![true, false])).unwrap();
    assert_eq!(b.to_vec().unwrap(), [true, false]);
    assert!(matches!(
        CArray::<i64>::from_arrow(&ts),
        Err(Error::UnsupportedArrowType { .. })
    ));
    let with_null = Int32Array::from(vec![Some(1), None]);
    assert!(matches!(
        CArray::<i32>::from_arrow(&with_null),
        Err(Error::InvalidParam { .. })
    ));
}

fn import(path: &std::path::Path, opts: &CsvOptions) -> blz::Result<CTable> {
    let mut t = CTable::new();
    let mut seen = 0;
    let n = blz::arrow::import_batches(blz::arrow::open(path, opts)?, &mut t, |r| seen = r)?;
    assert_eq!(n, seen);
    Ok(t)
}

#[test]
fn file_round_trips_csv_parquet_ipc() {
    let dir = tempfile::tempdir().unwrap();
    let t = sample_table(100_003);
    for name in ["t.csv", "t.parquet", "t.arrow", "t.arrows"] {
        let p = dir.path().join(name);
        let fmt = FileFormat::from_extension(&p).unwrap();
        let n = blz::arrow::export(
            t.record_batches(None, 10_000).unwrap(),
            &p,
            fmt,
            &WriteOptions::default(),
        )
        .unwrap();
        assert_eq!(n, 100_003);
        assert_eq!(FileFormat::detect(&p).unwrap(), fmt);
        let back = import(&p, &CsvOptions::default()).unwrap();
        assert_eq!(back.len(), t.len(), "{name}");
        assert_eq!(
            back.schema()
                .fields
                .iter()
                .map(|f| f.ty)
                .collect::<Vec<_>>(),
            t.schema().fields.iter().map(|f| f.ty).collect::<Vec<_>>(),
            "{name}"
        );
        for i in [0, 1, 11, 12, 500, 99_999, 100_002] {
            assert_eq!(back.row(i).unwrap(), t.row(i).unwrap(), "{name} row {i}");
        }
        // Exporting again needs the overwrite flag.
        let again = blz::arrow::export(
            t.record_batches(None, 10_000).unwrap(),
            &p,
            fmt,
            &WriteOptions::default(),
        );
        assert!(matches!(again, Err(Error::AlreadyExists { .. })), "{name}");
        blz::arrow::export(
            t.record_batches(None, 10_000).unwrap(),
            &p,
            fmt,
            &WriteOptions::default().with_overwrite(true),
        )
        .unwrap();
    }
    // Any writer takes every format (here a file handed over as `impl Write`): the same rows
    // read back.
    for name in ["w.csv", "w.parquet", "w.arrow", "w.arrows"] {
        let p = dir.path().join(name);
        let fmt = FileFormat::from_extension(&p).unwrap();
        let f = std::fs::File::create(&p).unwrap();
        let n = blz::arrow::export_to_writer(t.record_batches(None, 9_000).unwrap(), f, fmt, name)
            .unwrap();
        assert_eq!(n, 100_003, "{name}");
        let back = import(&p, &CsvOptions::default()).unwrap();
        assert_eq!(back.len(), t.len(), "{name}");
        assert_eq!(back.row(99_999).unwrap(), t.row(99_999).unwrap(), "{name}");
    }
    // An IPC stream written by arrow-rs itself reads too, and ours is what arrow-rs's stream
    // reader takes.
    let p = dir.path().join("theirs.arrows");
    std::fs::write(&p, ipc_stream_bytes(&t)).unwrap();
    assert_eq!(import(&p, &CsvOptions::default()).unwrap().len(), t.len());
    let ours = std::fs::File::open(dir.path().join("t.arrows")).unwrap();
    let r = blz::arrow::arrow_ipc::reader::StreamReader::try_new(ours, None).unwrap();
    let rows: usize = r.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, t.len());
    // A query result exports.
    let p = dir.path().join("q.parquet");
    let q = t.query("sym == 'AA'").unwrap();
    assert_eq!(
        blz::arrow::export_parquet(
            q.record_batches(None, 4096).unwrap(),
            &p,
            &WriteOptions::default()
        )
        .unwrap(),
        q.count().unwrap() as u64
    );
}

fn ipc_stream_bytes(t: &CTable) -> Vec<u8> {
    let mut w = blz::arrow::arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &t.arrow_schema())
        .unwrap();
    for b in t.record_batches(None, 7777).unwrap() {
        w.write(&b.unwrap()).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn file_that_is_not_its_extension_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let t = sample_table(10);
    let pq = dir.path().join("data.parquet");
    blz::arrow::export_parquet(
        t.record_batches(None, 5).unwrap(),
        &pq,
        &WriteOptions::default(),
    )
    .unwrap();
    let csv = dir.path().join("data.csv");
    std::fs::copy(&pq, &csv).unwrap();
    let e = import(&csv, &CsvOptions::default()).err().unwrap();
    assert!(
        matches!(
            &e,
            Error::FileFormat {
                expected: "csv",
                found: "parquet",
                ..
            }
        ),
        "{e}"
    );
    let fake = dir.path().join("fake.parquet");
    std::fs::write(&fake, "a,b\n1,2\n").unwrap();
    assert!(matches!(
        import(&fake, &CsvOptions::default()),
        Err(Error::FileFormat { .. })
    ));
    assert!(matches!(
        blz::arrow::open_ipc(&pq),
        Err(Error::FileFormat { .. })
    ));
    // No extension: the bytes decide.
    let bare = dir.path().join("data");
    std::fs::copy(&pq, &bare).unwrap();
    assert_eq!(import(&bare, &CsvOptions::default()).unwrap().len(), 10);
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn csv_null_markers_are_nulls_and_integers_stay_integers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "n.csv",
        "i,f,s,b,t\n1,1.5,NaN,true,2020-01-01\nNA,NaN,NA,,2020-01-02T03:04:05.25Z\n,N/A,x,false,NULL\n4,null,,TRUE,null\n",
    );
    let t = import(&p, &CsvOptions::default()).unwrap();
    let ty: Vec<ColumnType> = t.schema().fields.iter().map(|f| f.ty).collect();
    assert_eq!(
        ty,
        [
            ColumnType::Fixed(DType::I64),
            ColumnType::Fixed(DType::F64),
            ColumnType::Utf8,
            ColumnType::Fixed(DType::Bool),
            ColumnType::Fixed(DType::Timestamp(TimeUnit::Microsecond)),
        ]
    );
    let col = |c: &str| (0..4).map(|i| t.value(c, i).unwrap()).collect::<Vec<_>>();
    assert_eq!(
        col("i"),
        [Value::Int(1), Value::Null, Value::Null, Value::Int(4)]
    );
    assert_eq!(
        col("f"),
        [Value::Float(1.5), Value::Null, Value::Null, Value::Null]
    );
    // "NaN" in a text column is the text "NaN"; the other markers are nulls.
    assert_eq!(
        col("s"),
        [
            Value::Str("NaN".into()),
            Value::Null,
            Value::Str("x".into()),
            Value::Null
        ]
    );
    assert_eq!(
        col("b"),
        [
            Value::Bool(true),
            Value::Null,
            Value::Bool(false),
            Value::Bool(true)
        ]
    );
    assert_eq!(
        col("t"),
        [
            Value::Timestamp(1_577_836_800_000_000, TimeUnit::Microsecond),
            Value::Timestamp(
                1_577_836_800_000_000 + 86_400_000_000 + 11_045_250_000,
                TimeUnit::Microsecond
            ),
            Value::Null,
            Value::Null,
        ]
    );
    // `null_values` replaces the list; `nan_is_null(false)` reads NaN as a float.
    let opts = CsvOptions::default()
        .with_null_values(["", "-"])
        .with_nan_is_null(false);
    let p = write(&dir, "m.csv", "a,f,s\n1,NaN,NA\n-,2,-\n");
    let t = import(&p, &opts).unwrap();
    assert_eq!(t.value("a", 1).unwrap(), Value::Null);
    assert!(matches!(t.value("f", 0).unwrap(), Value::Float(x) if x.is_nan()));
    assert_eq!(t.value("s", 0).unwrap(), Value::Str("NA".into()));
    assert_eq!(t.value("s", 1).unwrap(), Value::Null);
}

#[test]
fn csv_bad_field_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "bad.csv", "a,b\n1,2\n3,4\n5,oops\n");
    let e = import(
        &p,
        &CsvOptions::default().with_infer_rows(2).with_batch_rows(2),
    )
    .err()
    .unwrap();
    match &e {
        Error::Csv {
            path,
            line,
            column,
            value,
            ..
        } => {
            assert_eq!(path, &p);
            assert_eq!(*line, 4);
            assert_eq!(column, "b");
            assert_eq!(value, "oops");
        }
        other => panic!("unexpected error {other}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("bad.csv") && msg.contains("line 4") && msg.contains("\"b\""),
        "{msg}"
    );
    // With the whole file inferred, the column is text.
    assert_eq!(
        import(&p, &CsvOptions::default()).unwrap().schema().fields[1].ty,
        ColumnType::Utf8
    );
    // A row with a missing field.
    let p = write(&dir, "short.csv", "a,b\n1,2\n3\n");
    assert!(matches!(
        import(&p, &CsvOptions::default()),
        Err(Error::CsvRecord {
            line: 3,
            problem: blz::arrow::CsvProblem::FieldCount {
                expected: 2,
                got: 1
            },
            ..
        })
    ));
}

#[test]
fn csv_explicit_schema_header_and_delimiter() {
    use blz::arrow::arrow_schema::{Field, Schema};
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "x.tsv", "7\t2021-06-01\n8\tNA\n");
    let schema = Arc::new(Schema::new(vec![
        Field::new("k", DataType::UInt16, true),
        Field::new("when", DataType::Timestamp(ArrowUnit::Second, None), true),
    ]));
    let opts = CsvOptions::default()
        .with_header(false)
        .with_delimiter(b'\t')
        .with_schema(schema);
    let t = import(&p, &opts).unwrap();
    assert_eq!(t.value("k", 1).unwrap(), Value::UInt(8));
    assert_eq!(
        t.value("when", 0).unwrap(),
        Value::Timestamp(1_622_505_600, TimeUnit::Second)
    );
    assert_eq!(t.value("when", 1).unwrap(), Value::Null);
    let bad = Arc::new(Schema::new(vec![Field::new("k", DataType::Binary, true)]));
    assert!(matches!(
        blz::arrow::open_csv(&p, &CsvOptions::default().with_schema(bad)),
        Err(Error::UnsupportedArrowType { .. })
    ));
}
