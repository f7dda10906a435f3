//! Arrow round trip: a record batch into a compressed table, a query out as record batches,
//! the table to Parquet and back, and the Arrow C stream interface (what pyarrow, polars and
//! DuckDB take; see examples/pyarrow_ffi.py for pyarrow itself).
//!
//! `cargo run --release --example arrow_round_trip`

use std::sync::Arc;

use blz::CTable;
use blz::arrow::arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, RecordBatchReader, StringArray,
};
use blz::arrow::{TableBatches, WriteOptions, export_parquet, import_batches, open_parquet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = 1_000_000i64;
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef,
        ),
        (
            "price",
            Arc::new(Float64Array::from_iter((0..n).map(|i| {
                // Every 100th price is missing (a null).
                (i % 100 != 0).then(|| 90.0 + (i % 1300) as f64 / 100.0)
            }))) as ArrayRef,
        ),
        (
            "sym",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| ["AAPL", "MSFT", "GOOG"][(i % 3) as usize]),
            )) as ArrayRef,
        ),
    ])?;

    // Arrow -> blz.
    let table = CTable::from_record_batches([&batch])?;
    println!("{table}");

    // A query's matches -> Arrow, 64 Ki rows per batch, only the columns asked for.
    let q = table.query("sym == 'MSFT' and price > 102.5")?;
    let mut rows = 0;
    for b in q.record_batches(Some(&["id", "price"]), 1 << 16)? {
        rows += b?.num_rows();
    }
    println!("query matches: {rows} rows ({} by count())", q.count()?);

    // blz -> Parquet -> blz.
    let path = std::env::temp_dir().join(format!("blz-arrow-{}.parquet", std::process::id()));
    let written = export_parquet(
        table.record_batches(None, 1 << 16)?,
        &path,
        &WriteOptions::default().with_overwrite(true),
    )?;
    let mut back = CTable::new();
    import_batches(open_parquet(&path, 1 << 16)?, &mut back, |_| {})?;
    assert_eq!(back.len(), table.len());
    assert_eq!(back.row(123_457)?, table.row(123_457)?);
    println!(
        "Parquet round trip: {written} rows, {} bytes on disk",
        std::fs::metadata(&path)?.len()
    );
    std::fs::remove_file(&path).ok();

    // blz -> Arrow C stream -> Arrow (in-process here; pyarrow does the same from Python).
    let stream = TableBatches::owned(Arc::new(table), None, 1 << 16)?;
    let ffi = blz::arrow::to_ffi_stream(stream);
    let reader = blz::arrow::arrow_array::ffi_stream::ArrowArrayStreamReader::try_new(ffi)?;
    println!(
        "C stream schema: {:?}",
        reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type())
            .collect::<Vec<_>>()
    );
    let total: usize = reader
        .map(|b| b.map(|b| b.num_rows()))
        .sum::<Result<_, _>>()?;
    assert_eq!(total as i64, n);
    println!("C stream: {total} rows");
    Ok(())
}
