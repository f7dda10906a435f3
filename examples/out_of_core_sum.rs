//! Out of core: a table on disk several times bigger than the cache of decompressed chunks,
//! summed and filtered through mmap, with the peak resident set printed.
//!
//! `cargo run --release --example out_of_core_sum [ROWS]` (default 50 M rows, 400 MB raw)

use std::time::Instant;

use blz::{Agg, ChunkCache, ColumnBatch, CreateOptions, DiskTable, OpenMode};

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn main() -> blz::Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000_000);
    let dir = std::env::temp_dir().join(format!("blz-ooc-{}.blz", std::process::id()));

    // Write: appends of 4 M rows, committed every 16 M rows (memory holds one commit interval).
    let t0 = Instant::now();
    let mut t = DiskTable::create(&dir, CreateOptions::default().with_overwrite(true))?;
    let mut seed = 42u64;
    let mut start = 0;
    while start < rows {
        let n = (rows - start).min(4 << 20);
        let x: Vec<f64> = (start..start + n)
            .map(|i| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                i as f64 * 1e-3 + (seed >> 54) as f64
            })
            .collect();
        t.append(vec![ColumnBatch::new("x", x)])?;
        start += n;
        if start % (16 << 20) == 0 || start == rows {
            t.commit()?;
        }
    }
    let (nbytes, cbytes) = (t.nbytes(), t.cbytes());
    drop(t);
    println!(
        "wrote {rows} rows to {} in {:.2} s: {:.0} MB raw, {:.0} MB compressed",
        dir.display(),
        t0.elapsed().as_secs_f64(),
        nbytes as f64 / 1e6,
        cbytes as f64 / 1e6
    );
    let before = peak_rss_mib();

    // Read back through a 32 MiB cache: the data does not fit in it.
    let cache = ChunkCache::new(32 << 20)?;
    let mut t = DiskTable::open_with_cache(&dir, OpenMode::ReadOnly, cache)?;
    t.set_use_stats(false); // decode every chunk (statistics would answer the sum at once)
    let t1 = Instant::now();
    let sum = t.query("true")?.aggregate("x", Agg::Sum)?;
    let s1 = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let n = t.query("x > 1000 and x < 2000")?.count()?;
    let s2 = t2.elapsed().as_secs_f64();
    println!("sum(x) = {sum:?} in {s1:.3} s; count(1000 < x < 2000) = {n} in {s2:.3} s");
    if let (Some(b), Some(a)) = (before, peak_rss_mib()) {
        println!(
            "peak resident set: {b:.0} MiB after writing, {a:.0} MiB after the scans (cache budget 32 MiB)"
        );
    }
    drop(t);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
