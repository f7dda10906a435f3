//! Row output of a table with nullable columns: a query's matching rows as Arrow record
//! batches (what `blz query --format csv|json` and `blz export --where` stream) and as a new
//! table (`Query::fetch`), next to the whole table exported in order (what `blz export` does).
//! Issue 17: row output streams at the speed of a whole-table export, nulls or not.
//!
//! Ids: `rows/export-table/{nulls,no-nulls}` next to `rows/query-batches/...` and
//! `rows/fetch/...`. Run: `cargo bench --bench rows` (about a minute).

use std::hint::black_box;

use blz::{CArrayOptions, CTable, ColumnBatch};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Rows of the table: 4 MiB of i64 (inputs stay at most 8 MiB a column, for 2 cores).
const ROWS: usize = 1 << 19;
/// Rows per record batch, as the command streams them.
const BATCH: usize = 4096;

/// A table of an i64, an f64 and a text column; with `nulls`, about one value in eight of the
/// i64 and the text column is missing (seeded, splitmix64).
fn table(nulls: bool) -> CTable {
    let mut s = 0x726f_7773_u64;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut x = Vec::with_capacity(ROWS);
    let mut y = Vec::with_capacity(ROWS);
    let mut t = Vec::with_capacity(ROWS);
    let mut valid = Vec::with_capacity(ROWS);
    let names = ["JFK", "LGA", "EWR", "BOS", "ORD", "ATL", "LAX", "SFO"];
    for i in 0..ROWS {
        let r = next();
        x.push(i64::try_from(r % 1000).expect("small") - 300);
        y.push(f64::from(u32::try_from(r >> 40).expect("24 bits")) / 7.0);
        t.push(names[usize::try_from(r >> 61).expect("3 bits")]);
        valid.push(!nulls || r % 8 != 0 || i == 0);
    }
    let mut tab =
        CTable::with_options(CArrayOptions::default().with_expected_len(ROWS)).expect("options");
    tab.append(vec![
        ColumnBatch::new("x", x).with_validity(valid.clone()),
        ColumnBatch::new("y", y),
        ColumnBatch::new("t", t).with_validity(valid),
    ])
    .expect("append");
    tab
}

fn rows(c: &mut Criterion) {
    let mut g = c.benchmark_group("rows");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    for nulls in [true, false] {
        let t = table(nulls);
        let id = if nulls { "nulls" } else { "no-nulls" };
        g.bench_function(BenchmarkId::new("export-table", id), |b| {
            b.iter(|| {
                let mut n = 0;
                for batch in t.record_batches(None, BATCH).expect("batches") {
                    n += batch.expect("batch").num_rows();
                }
                black_box(n)
            });
        });
        // Every row matches: the query's output is the whole table, found by evaluating `y`.
        let q = t.query("y >= 0").expect("query");
        g.bench_function(BenchmarkId::new("query-batches", id), |b| {
            b.iter(|| {
                let mut n = 0;
                for batch in q.record_batches(None, BATCH).expect("batches") {
                    n += batch.expect("batch").num_rows();
                }
                black_box(n)
            });
        });
        g.bench_function(BenchmarkId::new("fetch", id), |b| {
            b.iter(|| black_box(q.fetch().expect("fetch").len()));
        });
    }
    g.finish();
}

criterion_group!(benches, rows);
criterion_main!(benches);
