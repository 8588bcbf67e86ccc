#!/usr/bin/env python3
"""Training seconds and per-row costs of every tabular kind, side by side.

Data sets (test/data, complete rows, typed as impute_quality.py types them):

  breastcancer  683 rows, 9 int features and the class          (10 columns)
  attrition     1470 rows, 16 numbers and 15 categories          (31 columns)
  digits        every 3rd image: 599 rows, 59 pixels and digit   (60 columns)

For each set and kind (ae, denoising, sparse, contractive, vae, aae,
transformer), with default options and seed 42:

  * train:  ae_train's own seconds (fitting, as the registry records it);
  * score:  SELECT sum(ae_score(<model>, t)) FROM <table> t, run twice; the
            second run's wall clock over the rows, in µs per row;
  * impute: the same for SELECT count(ae_impute(<model>, t)) over a view
            of the table with one column (the first) set to NULL in every
            row, so every row is filled.

All in one run, on one server, one after the other; the per-row figures
include the executor's own cost (a row of the table through a function
call), which count(*) over the same rows shows in the last line.

How to run:  bash test/bench/run-bench.sh kinds  or /usr/bin/python3
test/bench/kinds_speed.py against the server in the environment.  Options:
--sets, --kinds.  Everything lives in the schema ae_bench_kinds, dropped at
the end with its models.  Takes about 3 minutes on 2 cores.
"""

import argparse
import os
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import impute_quality as iq  # noqa: E402
from pgtext import bench_session, qi  # noqa: E402

import numpy as np  # noqa: E402

SCHEMA = "ae_bench_kinds"
SETS = ["breastcancer", "attrition", "digits"]
KINDS = ["ae", "denoising", "sparse", "contractive", "vae", "aae", "transformer"]


def timed(cur, sql):
    t0 = time.perf_counter()
    cur.execute(sql)
    cur.fetchall()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    kinds = args.kinds.split(",")

    conn, cur = bench_session(SCHEMA)
    cur.execute("SET max_parallel_workers_per_gather = 0")
    models = []
    res = {}
    floor = {}
    try:
        for name in args.sets.split(","):
            cols = iq.load_dataset(name)
            n = len(cols[0].values)
            table = "%s.%s" % (SCHEMA, name)
            iq.load_table(cur, table, cols, np.zeros((n, len(cols)), bool))
            holes = "%s.%s_holes" % (SCHEMA, name)
            first = qi(cols[0].name)
            cur.execute("CREATE VIEW %s AS SELECT rowid, NULL::%s AS %s, %s FROM %s" % (
                holes, cols[0].kind, first, ", ".join(qi(c.name) for c in cols[1:]), table))
            timed(cur, "SELECT count(*) FROM %s t" % table)
            floor[name] = timed(cur, "SELECT count(t.*) FROM %s t" % table) / n * 1e6
            for kind in kinds:
                model = "kinds_%s_%s" % (name, kind)
                cur.execute("SELECT seconds FROM ae_train(%s, %s, kind => %s, "
                            "exclude => ARRAY['rowid'], seed => 42)", (model, table, kind))
                train_s = cur.fetchone()[0]
                models.append(model)
                score_sql = "SELECT sum(ae_score('%s', t)) FROM %s t" % (model, table)
                impute_sql = "SELECT count(ae_impute('%s', t)) FROM %s t" % (model, holes)
                timed(cur, score_sql)
                score_us = timed(cur, score_sql) / n * 1e6
                timed(cur, impute_sql)
                impute_us = timed(cur, impute_sql) / n * 1e6
                res[(name, kind)] = (train_s, score_us, impute_us)
                print("  %-12s %-12s train %6.2f s, score %8.1f µs/row, impute %8.1f µs/row" % (
                    name, kind, train_s, score_us, impute_us), flush=True)
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    sets = args.sets.split(",")
    print()
    print("train s / score µs per row / impute µs per row, default options, seed 42")
    hdr = "%-12s" % "kind" + "".join("  %-24s" % s for s in sets)
    print(hdr)
    print("-" * len(hdr))
    for kind in kinds:
        cells = []
        for s in sets:
            t, sc, im = res[(s, kind)]
            cells.append("  %-24s" % ("%.2f / %.0f / %.0f" % (t, sc, im)))
        print("%-12s" % kind + "".join(cells))
    print("%-12s" % "count(t.*)" + "".join("  %-24s" % ("— / %.1f / —" % floor[s]) for s in sets))


if __name__ == "__main__":
    main()
