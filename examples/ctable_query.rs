//! Build a compressed table and query it: filters, aggregates, group-by, select lists with
//! expressions, and ordered top-k results.
//!
//! `cargo run --release --example ctable_query`

use blz::{Agg, CTable, ColumnBatch, Value};

fn main() -> blz::Result<()> {
    let n = 2_000_000usize;
    // Deterministic pseudo-random trades.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut qty = Vec::with_capacity(n);
    let mut price = Vec::with_capacity(n);
    let mut sym = Vec::with_capacity(n);
    let mut note = Vec::with_capacity(n);
    let mut note_valid = Vec::with_capacity(n);
    let mut p = 100.0f64;
    for i in 0..n {
        let r = next();
        qty.push((r % 100) as i32);
        p += ((r >> 20) % 201) as f64 / 1000.0 - 0.1;
        price.push((p * 100.0).round() / 100.0);
        sym.push(["AAPL", "MSFT", "GOOG", "AMZN"][(r >> 40) as usize % 4]);
        note.push(if i % 10 == 0 { "block trade" } else { "" });
        note_valid.push(i % 10 == 0);
    }

    let mut t = CTable::new();
    t.append(vec![
        ColumnBatch::new("qty", qty),
        ColumnBatch::new("price", price),
        ColumnBatch::new("sym", sym),
        ColumnBatch::new("note", note).with_validity(note_valid),
    ])?;
    println!("{t}");

    let q = t.query("qty < 10 and price > 100 and sym in ('AAPL', 'MSFT')")?;
    println!("matching rows: {}", q.count()?);
    let aggs = q.aggregates(&[(Agg::Sum, "qty"), (Agg::Mean, "price"), (Agg::Max, "price")])?;
    println!("sum(qty), mean(price), max(price): {aggs:?}");

    for (key, vals) in t
        .query("note is not null")?
        .group_by("sym", &[(Agg::Count, "qty"), (Agg::Sum, "qty")])?
    {
        if let (Value::Str(s), [Value::Int(c), Value::Int(total)]) = (&key, vals.as_slice()) {
            println!("{s:<5} block trades: {c:>7}, shares {total:>9}");
        }
    }

    let first = t
        .query("qty == 99")
        .and_then(|q| q.limit(3).rows(&["sym", "price"]))?;
    println!("first three rows with qty == 99: {first:?}");

    // SQL-shaped answers: expressions with names, two keys, ordering, a top-k.
    let top = t
        .query("qty > 0")?
        .group(
            &["sym", "note"],
            "sym, note, count(*) as trades, sum(price * qty) as notional",
        )?
        .order_by("notional desc")?
        .limit(3)
        .run()?;
    println!("{:?}", top.columns);
    for row in &top.rows {
        println!("{row:?}");
    }
    let biggest = t
        .query("sym == 'GOOG'")?
        .select("qty, price, price * qty as value")?
        .order_by("value desc, qty")?
        .limit(2)
        .run()?;
    println!("largest GOOG trades: {:?}", biggest.rows);

    match t.query("price > 'cheap'") {
        Err(e) => println!("a type error reads: {e}"),
        Ok(_) => unreachable!("text is not a number"),
    }
    Ok(())
}
