//! The table half of `blz demo`: a generated table of trades (the kinds of columns of the
//! anchors' `table_10M`, plus a low-cardinality text column) held compressed in a [`CTable`],
//! queried, and timed next to the same work done on plain `Vec`s.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use anyhow::{Result, bail};
use blz::{Agg, CTable, ColumnBatch, TimeUnit, Timestamp, Value, Values};

use super::Rng;
use crate::output::{Align, human_bytes, ratio_text, thousands, write_table};

/// Ticker symbols of the text column, most frequent first.
const SYMS: [&str; 8] = [
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "AMD",
];
/// Rows generated and appended at a time.
const SLICE: usize = 1 << 20;
/// The filter the demo runs.
const WHERE: &str = "qty < 10 and price > 100";

/// The table's columns as plain `Vec`s: the reference the demo times the table against.
struct Plain {
    ts: Vec<Timestamp>,
    price: Vec<f64>,
    qty: Vec<i32>,
    flag: Vec<bool>,
    sym: Vec<&'static str>,
}

/// Generates `n` rows: `id` 0..n, `ts` µs timestamps one millisecond apart with jitter, `price`
/// a positive random walk with 2 decimals, `qty` uniform in 1..=100, `flag` true one time in
/// ten, `sym` one of eight tickers (skewed). Deterministic.
fn generate(n: usize) -> Plain {
    let mut rng = Rng::new(0x0074_6162_6c65);
    let mut p = Plain {
        ts: Vec::with_capacity(n),
        price: Vec::with_capacity(n),
        qty: Vec::with_capacity(n),
        flag: Vec::with_capacity(n),
        sym: Vec::with_capacity(n),
    };
    let mut log_price = 0.0f64;
    let mut t = 1_700_000_000_000_000i64;
    for _ in 0..n {
        t += 1000;
        p.ts.push(Timestamp(t + i64::from(rng.below(1000))));
        log_price += 1e-4 * rng.normal();
        p.price
            .push((100.0 * log_price.exp() * 100.0).round() / 100.0);
        p.qty.push(i32::try_from(rng.below(100)).unwrap_or(0) + 1);
        p.flag.push(rng.below(10) == 0);
        // The smaller of two draws: a skewed mix, as real tickers trade.
        p.sym.push(SYMS[rng.below(8).min(rng.below(8)) as usize]);
    }
    p
}

/// Appends the rows to a new table, `SLICE` rows at a time.
fn build(p: &Plain) -> Result<CTable> {
    let mut t = CTable::new();
    let n = p.price.len();
    let mut start = 0;
    while start < n {
        let end = (start + SLICE).min(n);
        let r = start..end;
        let id: Vec<i64> = (start..end)
            .map(|i| i64::try_from(i).unwrap_or(0))
            .collect();
        t.append(vec![
            ColumnBatch::new("id", id),
            ColumnBatch::new(
                "ts",
                Values::Timestamp(p.ts[r.clone()].to_vec(), TimeUnit::Microsecond),
            ),
            ColumnBatch::new("price", p.price[r.clone()].to_vec()),
            ColumnBatch::new("qty", p.qty[r.clone()].to_vec()),
            ColumnBatch::new("flag", p.flag[r.clone()].to_vec()),
            ColumnBatch::new("sym", p.sym[r].to_vec()),
        ])?;
        start = end;
    }
    Ok(t)
}

/// Median seconds of `repeats` calls of `f` (after one warm-up call), and its last result.
fn time<R>(repeats: usize, mut f: impl FnMut() -> Result<R>) -> Result<(f64, R)> {
    black_box(f()?);
    let mut ts = Vec::with_capacity(repeats);
    let mut last = f()?;
    for _ in 0..repeats {
        let t0 = Instant::now();
        last = black_box(f()?);
        ts.push(t0.elapsed().as_secs_f64());
    }
    ts.sort_by(f64::total_cmp);
    Ok((ts[ts.len() / 2], last))
}

/// A duration in µs, ms or s.
fn secs_text(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn float(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        #[expect(clippy::cast_precision_loss, reason = "a check against a float")]
        Value::Int(i) => *i as f64,
        _ => f64::NAN,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Runs the table demo on `rows` generated rows.
pub(crate) fn run(rows: usize, repeats: usize) -> Result<()> {
    let threads = rayon::current_num_threads();
    let plain = generate(rows);
    let t0 = Instant::now();
    let table = build(&plain)?;
    let build_s = t0.elapsed().as_secs_f64();
    outln!(
        "A table of {} trades ({} columns) compressed in memory in {}\n(LZ4 + shuffle, {} rows \
         per chunk, {} thread(s)):\n",
        thousands(table.len()),
        table.ncols(),
        secs_text(build_s),
        thousands(table.chunklen()),
        threads,
    );
    let mut lines = Vec::new();
    for f in table.schema().fields {
        let (n, c) = table.column_sizes(&f.name)?;
        lines.push(vec![
            f.name.clone(),
            f.ty.to_string(),
            human_bytes(n),
            human_bytes(c),
            ratio_text(n, c),
        ]);
    }
    let (n, c) = (table.nbytes(), table.cbytes());
    lines.push(vec![
        "total".into(),
        String::new(),
        human_bytes(n),
        human_bytes(c),
        ratio_text(n, c),
    ]);
    use Align::{Left, Right};
    let mut out = std::io::stdout().lock();
    write_table(
        &mut out,
        &["column", "type", "raw", "compressed", "ratio"],
        &[Left, Left, Right, Right, Right],
        &lines,
    )?;
    drop(out);

    let mut work = Vec::new();
    let mut wrong = Vec::new();
    let mut check = |what: &str, ok: bool| {
        if !ok {
            wrong.push(what.to_owned());
        }
    };

    // 1. A sum over one column.
    let (ts, got) = time(repeats, || {
        Ok(table.query("true")?.aggregate("price", Agg::Sum)?)
    })?;
    let (vs, want) = time(repeats, || Ok(plain.price.iter().sum::<f64>()))?;
    check("sum(price)", close(float(&got), want));
    work.push(("sum(price)".to_owned(), ts, vs, format!("{want:.2}")));

    // 2. A filter: count and sum of the matching rows, in one pass.
    let (ts, got) = time(repeats, || {
        Ok(table
            .query(WHERE)?
            .aggregates(&[(Agg::Count, "price"), (Agg::Sum, "price")])?)
    })?;
    let (vs, (count, sum)) = time(repeats, || {
        let mut count = 0usize;
        let mut sum = 0.0f64;
        for (&q, &p) in plain.qty.iter().zip(&plain.price) {
            if q < 10 && p > 100.0 {
                count += 1;
                sum += p;
            }
        }
        Ok((count, sum))
    })?;
    check(
        "filter",
        got.first() == Some(&Value::Int(i64::try_from(count)?))
            && got.get(1).is_some_and(|s| close(float(s), sum)),
    );
    work.push((
        format!("count(*), sum(price) where {WHERE}"),
        ts,
        vs,
        format!("{} rows, {sum:.2}", thousands(count)),
    ));

    // 3. A group-by on the text column.
    let (ts, got) = time(repeats, || {
        Ok(table
            .query("true")?
            .group_by("sym", &[(Agg::Count, "price"), (Agg::Mean, "price")])?)
    })?;
    let (vs, want) = time(repeats, || {
        let mut g: HashMap<&str, (u64, f64)> = HashMap::new();
        for (&s, &p) in plain.sym.iter().zip(&plain.price) {
            let e = g.entry(s).or_default();
            e.0 += 1;
            e.1 += p;
        }
        Ok(g)
    })?;
    let groups_ok = got.len() == want.len()
        && got.iter().all(|(k, v)| match (k, v.as_slice()) {
            (Value::Str(k), [Value::Int(c), mean]) => want.get(k.as_str()).is_some_and(|w| {
                #[expect(clippy::cast_precision_loss, reason = "a mean")]
                let m = w.1 / w.0 as f64;
                u64::try_from(*c).ok() == Some(w.0) && close(float(mean), m)
            }),
            _ => false,
        });
    check("group-by", groups_ok);
    work.push((
        "count(*), mean(price) group by sym".to_owned(),
        ts,
        vs,
        format!("{} groups", got.len()),
    ));

    outln!(
        "\nQueries on the compressed table next to loops over the same data in plain Vecs\n\
         (median of {repeats}; the table uses {threads} thread(s), the loops one):\n"
    );
    let rows: Vec<Vec<String>> = work
        .iter()
        .map(|(what, ts, vs, result)| {
            vec![what.clone(), secs_text(*ts), secs_text(*vs), result.clone()]
        })
        .collect();
    let mut out = std::io::stdout().lock();
    write_table(
        &mut out,
        &["work", "CTable", "Vec", "result"],
        &[Left, Right, Right, Left],
        &rows,
    )?;
    drop(out);
    if !wrong.is_empty() {
        bail!("the table and the Vecs disagree on: {}", wrong.join(", "));
    }
    outln!("\nevery result matches the Vec loops");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_table_matches_its_vecs() {
        let p = generate(5000);
        let t = build(&p).unwrap();
        assert_eq!(t.len(), 5000);
        assert_eq!(t.ncols(), 6);
        assert!(p.qty.iter().all(|q| (1..=100).contains(q)));
        assert!(p.ts.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(t.value("price", 4321).unwrap(), Value::Float(p.price[4321]));
        assert_eq!(t.value("sym", 17).unwrap(), Value::Str(p.sym[17].into()));
    }

    #[test]
    fn secs_text_picks_the_unit() {
        assert_eq!(secs_text(0.000_012), "12 µs");
        assert_eq!(secs_text(0.0123), "12.3 ms");
        assert_eq!(secs_text(2.5), "2.50 s");
    }
}
