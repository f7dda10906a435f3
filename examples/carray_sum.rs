//! Build a compressed column of 50 M float64 values and reduce it, next to a plain `Vec`.
//!
//! `cargo run --release --example carray_sum [-- N]`

use std::time::Instant;

use blz::{CArray, Pred};

fn main() -> blz::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000_000);
    // A random walk rounded to cents, like prices (deterministic).
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut v = 100.0f64;
    let data: Vec<f64> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v += ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.1;
            (v * 100.0).round() / 100.0
        })
        .collect();

    let t = Instant::now();
    let mut col = CArray::<f64>::from_slice(&data)?;
    let build = t.elapsed();
    println!("{col}");
    println!(
        "built in {build:.2?} ({:.2} GB/s)",
        col.nbytes() as f64 / build.as_secs_f64() / 1e9
    );

    let t = Instant::now();
    let vec_sum: f64 = data.iter().sum();
    println!("Vec sum          {vec_sum:.2} in {:.2?}", t.elapsed());

    col.set_use_stats(false);
    let t = Instant::now();
    let s = col.sum()?;
    println!(
        "CArray sum       {s:.2} in {:.2?} (statistics off)",
        t.elapsed()
    );

    col.set_use_stats(true);
    let t = Instant::now();
    let s = col.sum()?;
    println!(
        "CArray sum       {s:.2} in {:.2?} (statistics on)",
        t.elapsed()
    );

    let t = Instant::now();
    let k = col.count_where(Pred::Gt(100.5))?;
    println!("count(x > 100.5) {k} in {:.2?}", t.elapsed());
    Ok(())
}
