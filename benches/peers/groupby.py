#!/usr/bin/env python3
"""Group-by of the anchors' table_10M in DuckDB and Polars, for docs/benchmarks.md: the
peers' side of `blz bench query`'s `groupby table_10M` row (`sum(price)` grouped by `qty`,
every row, data in memory, all cores).

Run with the anchors' venv (it has duckdb, polars and numpy):
    ../shared/anchors/py benches/peers/groupby.py [--data DIR] [--repeats N]

Each engine gets the columns as in-memory tables first (not timed), one warm-up query, then
`repeats` timed queries; prints one JSON object per engine with the median and min-max in ms
and a checksum of the answer (the sum of all group sums) to compare with blz's.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np


def load(data):
    d = os.path.join(data, "table_10M")
    return {c: np.load(os.path.join(d, f"{c}.npy")) for c in ("qty", "price")}


def timed(fn, repeats):
    fn()
    ts = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return out, ts


def main():
    ap = argparse.ArgumentParser()
    default = os.environ.get(
        "BLZ_ANCHORS_DATA", os.path.join(os.environ.get("TMPDIR", "/tmp"), "blz-anchors/data")
    )
    ap.add_argument("--data", default=default)
    ap.add_argument("--repeats", type=int, default=9)
    a = ap.parse_args()
    cols = load(a.data)
    threads = os.cpu_count()

    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    qty, price = cols["qty"], cols["price"]
    import pyarrow as pa

    con.register("src", pa.table({"qty": qty, "price": price}))
    con.execute("CREATE TABLE t AS SELECT * FROM src")
    con.unregister("src")
    q = "SELECT qty, sum(price) AS s FROM t GROUP BY qty"
    rows, ts = timed(lambda: con.execute(q).fetchall(), a.repeats)
    report("duckdb " + duckdb.__version__, ts, sum(r[1] for r in rows), len(rows), threads)

    import polars as pl

    df = pl.DataFrame({"qty": qty, "price": price})
    out, ts = timed(lambda: df.group_by("qty").agg(pl.col("price").sum()), a.repeats)
    report("polars " + pl.__version__, ts, float(out["price"].sum()), out.height, threads)


def report(engine, ts, checksum, groups, threads):
    print(json.dumps({
        "engine": engine,
        "case": "groupby table_10M sum(price) by qty",
        "median_ms": round(statistics.median(ts), 2),
        "min_ms": round(min(ts), 2),
        "max_ms": round(max(ts), 2),
        "groups": groups,
        "checksum": checksum,
        "threads": threads,
    }))


if __name__ == "__main__":
    main()
