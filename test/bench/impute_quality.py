#!/usr/bin/env python3
"""Imputation quality of ae_impute against mean/mode, kNN and MICE.

What it measures (the GAIN convention, MCAR missingness):

  * Data sets from test/data: penguins, attrition, housevotes84, breastcancer
    (without its Id column) and pima, complete rows only (rows with any NA are
    dropped).  Columns whose values are all integers become int, other
    numbers float8, anything else text (categorical).  Label columns (Class,
    diabetes, Attrition, ...) are ordinary categorical columns.
  * For each data set and each repeat (seeds 1..5), 20% of the cells are
    hidden uniformly at random; a row never loses every cell (one of its cells
    is then kept).  The holey table is loaded into PostgreSQL with a rowid
    column, ae is trained with its default options,
        ae_train('imp', '<table>', exclude => ARRAY['rowid'], seed => <seed>)
    and the table is imputed with
        SELECT (ae_impute('imp', t)).* FROM <table> t ORDER BY rowid.
  * Metrics, over the hidden cells only: RMSE over the hidden numeric cells
    after min-max scaling each column with the complete data's min and max
    (pooled over columns, lower is better), and accuracy over the hidden
    categorical cells (higher is better).
  * Baselines on the same masks: mean/mode of the observed cells; kNN
    (sklearn KNNImputer, k=5) and MICE (sklearn IterativeImputer, default
    estimator, max_iter=10, random_state=seed), both on standardised numeric
    columns plus one-hot categorical columns (a missing categorical cell is a
    block of NaN; the imputed category is the argmax of the imputed block).
    Baseline predictions are not rounded; ae returns values of the column's
    own type, so integer columns come back rounded.
    With this encoding a categorical cell is missing as a whole block, and on
    the observed rows each one-hot column is an exact linear function of its
    siblings; MICE's chained regressions then keep the block at its starting
    point (the observed category shares), so its categorical fills come out as
    the mode.  That is what this protocol measures for MICE, noted under the
    table.

It prints one table (mean over repeats, +- sample std over repeats for ae),
a line averaging over data sets, and the seconds spent in ae_train and
ae_impute per data set.  It also checks what ae_impute returns (every hidden
cell filled, observed cells unchanged, values of the column's type) and lists
anything wrong after the table.

How to run: against a PostgreSQL 15 server where the ae extension is
installed; connection settings come from the environment as for psql
(PGHOST, PGPORT, PGUSER, PGDATABASE...).  Needs python3-psycopg2,
python3-numpy and python3-sklearn (Debian packages).  From the repository
root:

    bash test/bench/run-impute.sh                 # installs, throwaway cluster, runs this
    python3 test/bench/impute_quality.py          # against the server in the environment

Options: --repeats N (default 5), --datasets a,b,... (default all five).
Everything it creates lives in the schema ae_impute_bench, which it drops at
the end, together with the model 'imp'.
"""

import argparse
import csv
import io
import math
import os
import re
import sys
import time
import warnings
import zlib

import numpy as np
import psycopg2

from pgtext import copy_text, qi

from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
SCHEMA = "ae_impute_bench"
MODEL = "imp"
HIDE_SHARE = 0.2

# name -> (csv file, CSV columns to drop)
DATASETS = {
    "penguins": ("penguins.csv", []),
    "attrition": ("attrition.csv", []),
    "housevotes84": ("housevotes84.csv", []),
    "breastcancer": ("breastcancer.csv", ["Id"]),
    "pima": ("pima.csv", []),
}

INT_RE = re.compile(r"^[+-]?\d+$")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

class Column:
    def __init__(self, name, kind, values):
        self.name = name          # SQL column name
        self.kind = kind          # 'int', 'float8' or 'text'
        self.values = values      # list of python values, complete rows only

    @property
    def numeric(self):
        return self.kind != "text"


def sql_name(csv_name):
    return re.sub(r"[^a-z0-9_]", "_", csv_name.lower())


def is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def load_dataset(name):
    """The complete rows of a data set as a list of typed Columns."""
    path, drop = DATASETS[name]
    with open(os.path.join(DATA, path), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h not in drop]
    body = [r for r in body if all(r[i] != "" for i in keep)]
    cols = []
    for i in keep:
        raw = [r[i] for r in body]
        if all(INT_RE.match(v) for v in raw) and \
                all(-2**31 <= int(v) < 2**31 for v in raw):
            cols.append(Column(sql_name(header[i]), "int", [int(v) for v in raw]))
        elif all(is_float(v) for v in raw):
            cols.append(Column(sql_name(header[i]), "float8", [float(v) for v in raw]))
        else:
            cols.append(Column(sql_name(header[i]), "text", raw))
    return cols


def make_mask(n, p, rng):
    """True where a cell is hidden: each cell with probability HIDE_SHARE,
    but a row whose every cell was drawn keeps one of them."""
    hide = rng.random((n, p)) < HIDE_SHARE
    for i in np.where(hide.all(axis=1))[0]:
        hide[i, rng.integers(p)] = False
    return hide


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------

def load_table(cur, table, cols, hide):
    cur.execute("DROP TABLE IF EXISTS %s" % table)
    cur.execute("CREATE TABLE %s (rowid int, %s)" % (
        table, ", ".join("%s %s" % (qi(c.name), c.kind) for c in cols)))
    buf = io.StringIO()
    n = len(cols[0].values)
    for i in range(n):
        vals = [str(i)] + [copy_text(None if hide[i, j] else c.values[i])
                           for j, c in enumerate(cols)]
        buf.write("\t".join(vals) + "\n")
    buf.seek(0)
    cur.copy_expert("COPY %s FROM STDIN" % table, buf)
    cur.execute("ANALYZE %s" % table)


# ae_train's options (--options); the benchmark's figures use the defaults
AE_OPTIONS = "{}"


def run_ae(cur, table, cols, hide, seed, problems, dsname):
    """Trains and imputes; returns (predictions per column, train s, impute s)
    or raises psycopg2.Error."""
    t0 = time.perf_counter()
    cur.execute("SELECT * FROM ae_train(%s, %s, exclude => ARRAY['rowid'], seed => %s, options => %s)",
                (MODEL, table, seed, AE_OPTIONS))
    cur.fetchall()
    t1 = time.perf_counter()
    cur.execute("SELECT (ae_impute(%%s, t)).* FROM %s t ORDER BY rowid" % table, (MODEL,))
    names = [d[0] for d in cur.description]
    out = cur.fetchall()
    t2 = time.perf_counter()

    expected_names = ["rowid"] + [c.name for c in cols]
    if names != expected_names:
        problems.append("%s seed %d: ae_impute returned columns %s, expected %s"
                        % (dsname, seed, names, expected_names))
    n = len(cols[0].values)
    if len(out) != n or [r[0] for r in out] != list(range(n)):
        problems.append("%s seed %d: ae_impute returned %d rows (rowids not 0..%d)"
                        % (dsname, seed, len(out), n - 1))
    pos = {nm: k for k, nm in enumerate(names)}
    pred = []
    counts = {"null": 0, "type": 0, "changed": 0}
    pytype = {"int": int, "float8": float, "text": str}
    for j, c in enumerate(cols):
        k = pos.get(c.name)
        col_pred = []
        for i in range(n):
            v = out[i][k] if (k is not None and i < len(out)) else None
            if v is not None and type(v) is not pytype[c.kind]:
                counts["type"] += 1
            if hide[i, j]:
                if v is None:
                    counts["null"] += 1
            elif v != c.values[i]:
                counts["changed"] += 1
            col_pred.append(v)
        pred.append(col_pred)
    if counts["null"]:
        problems.append("%s seed %d: %d hidden cells still NULL after ae_impute"
                        % (dsname, seed, counts["null"]))
    if counts["type"]:
        problems.append("%s seed %d: %d values of the wrong type from ae_impute"
                        % (dsname, seed, counts["type"]))
    if counts["changed"]:
        problems.append("%s seed %d: %d observed cells changed by ae_impute"
                        % (dsname, seed, counts["changed"]))
    return pred, t1 - t0, t2 - t1


# --------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------

def mean_mode(cols, hide):
    pred = []
    for j, c in enumerate(cols):
        obs = [v for i, v in enumerate(c.values) if not hide[i, j]]
        if c.numeric:
            fill = float(np.mean(obs))
        else:
            # most frequent observed category; ties go to the first in sort order
            cats, cnt = np.unique(np.array(obs, dtype=object).astype(str), return_counts=True)
            fill = str(cats[np.argmax(cnt)])
        pred.append([fill if hide[i, j] else v for i, v in enumerate(c.values)])
    return pred


def encode(cols, hide):
    """Standardised numeric columns and one-hot categorical blocks, NaN where
    hidden.  Returns the matrix and how to decode each column."""
    n = len(cols[0].values)
    blocks, dec = [], []
    for j, c in enumerate(cols):
        obs = ~hide[:, j]
        if c.numeric:
            x = np.array(c.values, dtype=float)
            mu, sd = x[obs].mean(), x[obs].std()
            sd = sd if sd > 0 else 1.0
            z = (x - mu) / sd
            z[~obs] = np.nan
            blocks.append(z[:, None])
            dec.append(("num", mu, sd, 1))
        else:
            cats = sorted({v for i, v in enumerate(c.values) if obs[i]})
            idx = {v: k for k, v in enumerate(cats)}
            oh = np.zeros((n, len(cats)))
            for i, v in enumerate(c.values):
                if obs[i]:
                    oh[i, idx[v]] = 1.0
            oh[~obs, :] = np.nan
            blocks.append(oh)
            dec.append(("cat", cats, None, len(cats)))
    return np.hstack(blocks), dec


def decode(cols, hide, filled, dec):
    pred, off = [], 0
    for j, c in enumerate(cols):
        kind, a, b, width = dec[j]
        blk = filled[:, off:off + width]
        off += width
        if kind == "num":
            vals = blk[:, 0] * b + a
            pred.append([float(vals[i]) if hide[i, j] else v for i, v in enumerate(c.values)])
        else:
            am = blk.argmax(axis=1)
            pred.append([a[am[i]] if hide[i, j] else v for i, v in enumerate(c.values)])
    return pred


def knn(cols, hide, seed):
    x, dec = encode(cols, hide)
    filled = KNNImputer(n_neighbors=5).fit_transform(x)
    return decode(cols, hide, filled, dec)


def mice(cols, hide, seed):
    x, dec = encode(cols, hide)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning after max_iter rounds
        filled = IterativeImputer(max_iter=10, random_state=seed).fit_transform(x)
    return decode(cols, hide, filled, dec)


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------

def metrics(cols, hide, pred):
    """(RMSE over hidden numeric cells, min-max scaled with the complete data;
    accuracy over hidden categorical cells); None where there are none."""
    sq, nnum, hit, ncat = 0.0, 0, 0, 0
    for j, c in enumerate(cols):
        rows = np.where(hide[:, j])[0]
        if c.numeric:
            lo, hi = min(c.values), max(c.values)
            rng = (hi - lo) if hi > lo else 1.0
            for i in rows:
                p = pred[j][i]
                if p is None or (isinstance(p, float) and math.isnan(p)):
                    p = math.inf   # an unfilled cell counts as infinitely wrong
                sq += ((float(p) - c.values[i]) / rng) ** 2
                nnum += 1
        else:
            for i in rows:
                hit += pred[j][i] == c.values[i]
                ncat += 1
    return (math.sqrt(sq / nnum) if nnum else None,
            hit / ncat if ncat else None, nnum, ncat)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

METHODS = ["ae", "mean", "knn", "mice"]


def fmt(x, spec="%.4f"):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else spec % x


def mean_or_none(xs):
    xs = [x for x in xs if x is not None]
    return float(np.mean(xs)) if xs else None


def std_or_none(xs):
    xs = [x for x in xs if x is not None]
    return float(np.std(xs, ddof=1)) if len(xs) > 1 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--options", default="{}",
                    help="ae_train options as JSON, to try other than the defaults")
    args = ap.parse_args()
    global AE_OPTIONS
    AE_OPTIONS = args.options
    names = [d for d in args.datasets.split(",") if d]
    for d in names:
        if d not in DATASETS:
            sys.exit("unknown data set %r (known: %s)" % (d, ", ".join(DATASETS)))
    seeds = list(range(1, args.repeats + 1))

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS ae")
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'ae'")
    version = cur.fetchone()[0]
    cur.execute("SELECT current_setting('server_version')")
    server = cur.fetchone()[0]
    cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
    cur.execute("CREATE SCHEMA %s" % SCHEMA)

    problems = []
    results = {}   # name -> dict
    try:
        for d in names:
            cols = load_dataset(d)
            n = len(cols[0].values)
            table = "%s.%s" % (SCHEMA, d)
            r = {"rows": n, "rmse": {m: [] for m in METHODS}, "acc": {m: [] for m in METHODS},
                 "nnum": [], "ncat": [], "train_s": 0.0, "impute_s": 0.0, "errors": 0,
                 "ncols_num": sum(c.numeric for c in cols), "ncols_cat": sum(not c.numeric for c in cols)}
            for seed in seeds:
                rng = np.random.default_rng([seed, zlib.crc32(d.encode())])
                hide = make_mask(n, len(cols), rng)
                load_table(cur, table, cols, hide)
                preds = {}
                try:
                    preds["ae"], ts, ti = run_ae(cur, table, cols, hide, seed, problems, d)
                    r["train_s"] += ts
                    r["impute_s"] += ti
                except psycopg2.Error as e:
                    problems.append("%s seed %d: %s" % (d, seed, str(e).strip().replace("\n", " | ")))
                    r["errors"] += 1
                preds["mean"] = mean_mode(cols, hide)
                preds["knn"] = knn(cols, hide, seed)
                preds["mice"] = mice(cols, hide, seed)
                for m in METHODS:
                    if m not in preds:
                        continue
                    rmse, acc, nnum, ncat = metrics(cols, hide, preds[m])
                    r["rmse"][m].append(rmse)
                    r["acc"][m].append(acc)
                r["nnum"].append(nnum)
                r["ncat"].append(ncat)
                cur.execute("DROP TABLE %s" % table)
            results[d] = r
            print("  %-12s done: %d rows, %d numeric + %d categorical columns, ae_train %.1f s"
                  % (d, n, r["ncols_num"], r["ncols_cat"], r["train_s"]),
                  file=sys.stderr, flush=True)
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = %s", (MODEL,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    # ---- report ----
    print()
    print("ae %s on PostgreSQL %s: imputation of %d%% of cells hidden completely at random,"
          % (version, server, round(HIDE_SHARE * 100)))
    print("complete rows only, %d repeats (seeds %d..%d), ae with default options."
          % (len(seeds), seeds[0], seeds[-1]))
    print("RMSE: hidden numeric cells, min-max scaled (lower is better).  "
          "acc: hidden categorical cells (higher is better).")
    print("Cells: hidden cells per repeat (mean).  Mean over repeats; ae also +- sample std over repeats.")
    print()
    hdr = ("%-13s %5s | %6s %-16s %7s %7s %7s | %6s %-16s %7s %7s %7s"
           % ("data set", "rows", "cells", "RMSE ae", "mean", "kNN", "MICE",
              "cells", "acc ae", "mode", "kNN", "MICE"))
    print(hdr)
    print("-" * len(hdr))

    def ae_cell(xs):
        m, s = mean_or_none(xs), std_or_none(xs)
        if m is None:
            return "—"
        return "%.4f ± %.4f" % (m, s) if s is not None else "%.4f" % m

    for d in names:
        r = results[d]
        nnum, ncat = np.mean(r["nnum"]), np.mean(r["ncat"])
        print("%-13s %5d | %6s %-16s %7s %7s %7s | %6s %-16s %7s %7s %7s" % (
            d, r["rows"],
            fmt(nnum, "%.0f") if nnum else "0", ae_cell(r["rmse"]["ae"]),
            fmt(mean_or_none(r["rmse"]["mean"])), fmt(mean_or_none(r["rmse"]["knn"])),
            fmt(mean_or_none(r["rmse"]["mice"])),
            fmt(ncat, "%.0f") if ncat else "0", ae_cell(r["acc"]["ae"]),
            fmt(mean_or_none(r["acc"]["mean"])), fmt(mean_or_none(r["acc"]["knn"])),
            fmt(mean_or_none(r["acc"]["mice"]))))
    print("-" * len(hdr))

    # average over data sets: per repeat, the mean over the data sets that have
    # such cells; then mean (and std for ae) over repeats
    def avg_line(metric, m):
        per_seed = []
        for k in range(len(seeds)):
            xs = [results[d][metric][m][k] for d in names
                  if k < len(results[d][metric][m]) and results[d][metric][m][k] is not None]
            per_seed.append(float(np.mean(xs)) if xs else None)
        return per_seed

    all_ok = all(results[d]["errors"] == 0 for d in names)
    print("%-13s %5s | %6s %-16s %7s %7s %7s | %6s %-16s %7s %7s %7s" % (
        "average", "", "",
        ae_cell(avg_line("rmse", "ae")) if all_ok else "(errors)",
        fmt(mean_or_none(avg_line("rmse", "mean"))), fmt(mean_or_none(avg_line("rmse", "knn"))),
        fmt(mean_or_none(avg_line("rmse", "mice"))), "",
        ae_cell(avg_line("acc", "ae")) if all_ok else "(errors)",
        fmt(mean_or_none(avg_line("acc", "mean"))), fmt(mean_or_none(avg_line("acc", "knn"))),
        fmt(mean_or_none(avg_line("acc", "mice")))))
    with_num = [d for d in names if results[d]["ncols_num"]]
    with_cat = [d for d in names if results[d]["ncols_cat"]]
    print("(average of RMSE over the %d data sets with numeric columns, of accuracy over the %d "
          "with categorical columns)" % (len(with_num), len(with_cat)))
    print("MICE on one-hot blocks: each one-hot column is predicted from its siblings, which are")
    print("missing in the same rows, so the block stays at the observed shares; its categorical")
    print("accuracy is therefore that of the mode (or very close to it).")

    print()
    print("Seconds in ae (wall clock, %d repeats):" % len(seeds))
    print("%-13s %10s %10s %12s" % ("data set", "ae_train", "per run", "ae_impute"))
    for d in names:
        r = results[d]
        runs = len(seeds) - r["errors"]
        print("%-13s %10.1f %10.2f %12.2f" % (d, r["train_s"], r["train_s"] / runs if runs else 0,
                                              r["impute_s"]))
    print("%-13s %10.1f" % ("total", sum(results[d]["train_s"] for d in names)))

    if problems:
        print()
        print("Problems found in what ae returned:")
        for p in problems:
            print("  " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
