#!/usr/bin/env python3
"""Imputation quality of ae_impute against mean/mode, kNN, MICE and MissForest.

HEADER_PLACEHOLDER
"""

import argparse
import csv
import datetime
import io
import math
import os
import re
import sys
import time
import warnings
import zlib
from collections import Counter

import numpy as np
import psycopg2
from scipy.stats import rankdata

from pgtext import copy_text, qi

from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
SCHEMA = "ae_impute_bench"
MODEL = "imp"

NAB_BLOCK = 12        # readings per row of the NAB set (an hour)
DIGITS_EVERY = 3      # digits: rows whose index is a multiple of this
MF_TREES = 100        # MissForest: trees per forest
MF_MAX_ITER = 10      # MissForest: at most this many rounds
MICE_M = 5            # MICE: number of imputations averaged

# name -> (builder, its arguments); each construction is in the header
DATASETS = {
    "penguins": ("csv", "penguins.csv", []),
    "attrition": ("csv", "attrition.csv", []),
    "housevotes84": ("csv", "housevotes84.csv", []),
    "breastcancer": ("csv", "breastcancer.csv", ["Id"]),
    "pima": ("csv", "pima.csv", []),
    "ionosphere": ("csv", "ionosphere.csv", []),
    "digits": ("digits", "digits.csv", []),
    "nab_temp": ("nab", "machine_temperature_system_failure.csv", []),
}

# condition -> (label in the report, share of cells for MCAR or None for MNAR)
CONDITIONS = {
    "mcar20": ("20% of cells hidden completely at random (MCAR)", 0.2),
    "mcar40": ("40% of cells hidden completely at random (MCAR)", 0.4),
    "mnar": ("cells hidden not at random (MNAR, self-masking by rank: 5%..40%)", None),
}
MNAR_LOW, MNAR_HIGH = 0.05, 0.40

# method key -> column label in the tables; the ae kinds first
METHODS = {
    "ae": "ae",
    "denoising": "denois",
    "sparse": "sparse",
    "contractive": "contr",
    "vae": "vae",
    "mean": "mean",
    "knn": "kNN",
    "ii": "II-BR",
    "mice": "MICE",
    "missforest": "MissF",
}
AE_KINDS = ["ae", "denoising", "sparse", "contractive", "vae"]

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


def typed_column(name, raw):
    """A Column from the CSV strings of complete rows: int, float8 or text."""
    if all(INT_RE.match(v) for v in raw) and all(-2**31 <= int(v) < 2**31 for v in raw):
        return Column(name, "int", [int(v) for v in raw])
    if all(is_float(v) for v in raw):
        return Column(name, "float8", [float(v) for v in raw])
    return Column(name, "text", raw)


def read_csv(path, drop):
    """Header and the complete rows (no empty field) of a CSV under test/data,
    without the columns in `drop`."""
    with open(os.path.join(DATA, path), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h not in drop]
    body = [[r[i] for i in keep] for r in body if all(r[i] != "" for i in keep)]
    return [header[i] for i in keep], body


def build_csv(path, drop):
    header, body = read_csv(path, drop)
    return [typed_column(sql_name(h), [r[j] for r in body]) for j, h in enumerate(header)]


def build_digits(path, drop):
    """Every DIGITS_EVERY-th image, its 64 pixels (int 0..16) and the label
    as a category."""
    header, body = read_csv(path, drop)
    body = body[::DIGITS_EVERY]
    cols = [typed_column(sql_name(h), [r[j] for r in body]) for j, h in enumerate(header)]
    label = [c for c in cols if c.name == "digit"][0]
    label.kind, label.values = "text", [str(v) for v in label.values]
    return cols


def build_nab(path, drop):
    """The series cut into hours (blocks of NAB_BLOCK readings), as in
    anomaly_bench.py's NAB sets: weekday, hour, mean, sd, min, max, delta,
    jump; the first hour (no jump) is left out as incomplete."""
    with open(os.path.join(DATA, "nab", path), newline="") as f:
        rows = list(csv.reader(f))[1:]
    parse = lambda s: datetime.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S")
    ts = [parse(r[0]) for r in rows]
    val = np.array([float(r[1]) for r in rows])
    feats = {k: [] for k in ("weekday", "hour", "mean", "sd", "min", "max", "delta", "jump")}
    prev_mean = None
    for s in range(0, len(rows) - NAB_BLOCK + 1, NAB_BLOCK):
        v = val[s:s + NAB_BLOCK]
        m = float(v.mean())
        if prev_mean is not None:
            feats["weekday"].append(ts[s].strftime("%a"))
            feats["hour"].append(ts[s].hour)
            feats["mean"].append(m)
            feats["sd"].append(float(v.std()))
            feats["min"].append(float(v.min()))
            feats["max"].append(float(v.max()))
            feats["delta"].append(float(v[-1] - v[0]))
            feats["jump"].append(m - prev_mean)
        prev_mean = m
    kinds = {"weekday": "text", "hour": "int"}
    return [Column(k, kinds.get(k, "float8"), v) for k, v in feats.items()]


def load_dataset(name):
    """The complete rows of a data set as a list of typed Columns; columns
    with one value over all those rows are left out."""
    builder, path, drop = DATASETS[name]
    cols = {"csv": build_csv, "digits": build_digits, "nab": build_nab}[builder](path, drop)
    return [c for c in cols if len(set(c.values)) > 1]


# --------------------------------------------------------------------------
# Masks
# --------------------------------------------------------------------------

def mnar_probabilities(cols):
    """(n, p) probability of hiding each cell under the MNAR condition: a
    cell's probability rises linearly with its rank in its column, from
    MNAR_LOW to MNAR_HIGH.  Numeric cells rank by value (largest hidden
    most), categorical cells by their category's frequency (rarest hidden
    most; equally frequent categories in sort order); ties share their mean
    rank, so every column's mean probability is (MNAR_LOW + MNAR_HIGH) / 2."""
    n = len(cols[0].values)
    prob = np.empty((n, len(cols)))
    for j, c in enumerate(cols):
        if c.numeric:
            key = np.array(c.values, dtype=float)
        else:
            cnt = Counter(c.values)
            order = sorted(cnt, key=lambda v: (-cnt[v], v))
            pos = {v: k for k, v in enumerate(order)}
            key = np.array([pos[v] for v in c.values], dtype=float)
        r = (rankdata(key, method="average") - 0.5) / n
        prob[:, j] = MNAR_LOW + (MNAR_HIGH - MNAR_LOW) * r
    return prob


def make_mask(cols, condition, rng):
    """True where a cell is hidden: each cell with its condition's
    probability, but a row whose every cell was drawn keeps one of them."""
    n, p = len(cols[0].values), len(cols)
    share = CONDITIONS[condition][1]
    prob = np.full((n, p), share) if share is not None else mnar_probabilities(cols)
    hide = rng.random((n, p)) < prob
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


def run_ae(cur, table, cols, hide, kind, seed, problems, where):
    """Trains a model of one kind and imputes; returns the predictions per
    column, or raises psycopg2.Error."""
    cur.execute("SELECT * FROM ae_train(%s, %s, kind => %s, exclude => ARRAY['rowid'], "
                "seed => %s, options => %s)", (MODEL, table, kind, seed, AE_OPTIONS))
    cur.fetchall()
    cur.execute("SELECT (ae_impute(%%s, t)).* FROM %s t ORDER BY rowid" % table, (MODEL,))
    names = [d[0] for d in cur.description]
    out = cur.fetchall()

    expected_names = ["rowid"] + [c.name for c in cols]
    if names != expected_names:
        problems.append("%s: ae_impute returned columns %s, expected %s"
                        % (where, names, expected_names))
    n = len(cols[0].values)
    if len(out) != n or [r[0] for r in out] != list(range(n)):
        problems.append("%s: ae_impute returned %d rows (rowids not 0..%d)"
                        % (where, len(out), n - 1))
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
        problems.append("%s: %d hidden cells still NULL after ae_impute" % (where, counts["null"]))
    if counts["type"]:
        problems.append("%s: %d values of the wrong type from ae_impute" % (where, counts["type"]))
    if counts["changed"]:
        problems.append("%s: %d observed cells changed by ae_impute" % (where, counts["changed"]))
    return pred


# --------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------

def observed_mode(values, obs):
    """Most frequent observed category; ties go to the first in sort order."""
    cnt = Counter(v for v, o in zip(values, obs) if o)
    return min(cnt, key=lambda v: (-cnt[v], v))


def mean_mode(cols, hide, seed):
    pred = []
    for j, c in enumerate(cols):
        obs = ~hide[:, j]
        if c.numeric:
            fill = float(np.mean([v for v, o in zip(c.values, obs) if o]))
        else:
            fill = observed_mode(c.values, obs)
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


def iterative_bayes_ridge(cols, hide, seed):
    x, dec = encode(cols, hide)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning after max_iter rounds
        filled = IterativeImputer(max_iter=10, random_state=seed).fit_transform(x)
    return decode(cols, hide, filled, dec)


def mice(cols, hide, seed):
    """MICE_M imputations drawn from the posterior (random_state 1000*seed + k),
    numeric cells averaged, categorical cells by majority of the per-imputation
    argmax (a tie to the highest one-hot value averaged over the imputations)."""
    x, dec = encode(cols, hide)
    draws = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(MICE_M):
            draws.append(IterativeImputer(max_iter=10, sample_posterior=True,
                                          random_state=1000 * seed + k).fit_transform(x))
    avg = np.mean(draws, axis=0)
    pred, off = [], 0
    for j, c in enumerate(cols):
        kind, a, b, width = dec[j]
        if kind == "num":
            vals = avg[:, off] * b + a
            pred.append([float(vals[i]) if hide[i, j] else v for i, v in enumerate(c.values)])
        else:
            votes = np.zeros((len(c.values), width))
            for d in draws:
                votes[np.arange(len(c.values)), d[:, off:off + width].argmax(axis=1)] += 1
            # majority first; the averaged block only breaks ties (it is < 1 per unit)
            score = votes + 1e-3 * np.clip(avg[:, off:off + width], -100, 100) / 100
            am = score.argmax(axis=1)
            pred.append([a[am[i]] if hide[i, j] else v for i, v in enumerate(c.values)])
        off += width
    return pred


def missforest(cols, hide, seed):
    """Chained random forests as in missForest (Stekhoven and Buehlmann 2012):
    mean/mode start; per round, each column with hidden cells, fewest hidden
    first, is refitted on the rows where it is observed from every other
    column's current values (categories as ordinal codes) and its hidden
    cells replaced by the forest's prediction; stop after the first round in
    which neither the numeric nor the categorical change decreased, keeping
    the imputation before that round, or after MF_MAX_ITER rounds."""
    n, p = hide.shape
    x = np.empty((n, p))
    cats = {}
    for j, c in enumerate(cols):
        obs = ~hide[:, j]
        if c.numeric:
            x[:, j] = np.array(c.values, dtype=float)
            x[~obs, j] = x[obs, j].mean()
        else:
            cats[j] = sorted({v for v, o in zip(c.values, obs) if o})
            code = {v: k for k, v in enumerate(cats[j])}
            x[:, j] = [code.get(v, -1) for v in c.values]
            x[~obs, j] = code[observed_mode(c.values, obs)]
    num = [j for j in range(p) if cols[j].numeric]
    cat = [j for j in range(p) if not cols[j].numeric]
    todo = sorted((j for j in range(p) if hide[:, j].any()), key=lambda j: (hide[:, j].sum(), j))
    ncat_hidden = hide[:, cat].sum()

    old_change = [math.inf, math.inf]
    for it in range(MF_MAX_ITER):
        before = x.copy()
        for j in todo:
            obs = ~hide[:, j]
            other = np.delete(x, j, axis=1)
            if cols[j].numeric:
                model = RandomForestRegressor(n_estimators=MF_TREES, max_features="sqrt",
                                              random_state=seed, n_jobs=1)
            else:
                model = RandomForestClassifier(n_estimators=MF_TREES, max_features="sqrt",
                                               random_state=seed, n_jobs=1)
            model.fit(other[obs], x[obs, j])
            x[~obs, j] = model.predict(other[~obs])
        change = [
            float(((x[:, num] - before[:, num]) ** 2).sum() / (x[:, num] ** 2).sum())
            if num and hide[:, num].any() else math.nan,
            float((x[:, cat] != before[:, cat]).sum() / ncat_hidden) if ncat_hidden else math.nan,
        ]
        decreased = any(c < o for c, o in zip(change, old_change) if not math.isnan(c))
        if not decreased:
            x = before
            break
        old_change = change

    pred = []
    for j, c in enumerate(cols):
        if c.numeric:
            pred.append([float(x[i, j]) if hide[i, j] else v for i, v in enumerate(c.values)])
        else:
            pred.append([cats[j][int(x[i, j])] if hide[i, j] else v
                         for i, v in enumerate(c.values)])
    return pred


BASELINES = {"mean": mean_mode, "knn": knn, "ii": iterative_bayes_ridge,
             "mice": mice, "missforest": missforest}


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
# Report
# --------------------------------------------------------------------------

def fmt(x, spec="%.4f"):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else spec % x


def mean_or_none(xs):
    xs = [x for x in xs if x is not None]
    return float(np.mean(xs)) if xs else None


def std_or_none(xs):
    xs = [x for x in xs if x is not None]
    return float(np.std(xs, ddof=1)) if len(xs) > 1 else None


def print_condition(cond, names, methods, res, nseeds):
    """The two tables of one condition: RMSE and accuracy, a row per data set,
    a column per method, then the averages and ae's wins and losses."""
    label = CONDITIONS[cond][0]
    share = np.mean([np.mean(res[d]["share"]) for d in names])
    print()
    print("== %s: %s" % (cond, label))
    print("   hidden: %.1f%% of the cells (mean over sets and repeats; per set %.1f%%..%.1f%%)"
          % (100 * share, 100 * min(np.mean(res[d]["share"]) for d in names),
             100 * max(np.mean(res[d]["share"]) for d in names)))
    better = {"rmse": lambda a, b: a < b, "acc": lambda a, b: a > b}
    for metric, title in (("rmse", "RMSE, hidden numeric cells, min-max scaled (lower is better)"),
                          ("acc", "accuracy, hidden categorical cells (higher is better)")):
        cells_key = "nnum" if metric == "rmse" else "ncat"
        print()
        print("   %s" % title)
        hdr = "%-12s %5s %6s %6s" % ("data set", "cells", methods[0] and METHODS[methods[0]], "±sd") \
            + "".join(" %6s" % METHODS[m] for m in methods[1:])
        print(hdr)
        print("-" * len(hdr))
        means = {d: {m: mean_or_none(res[d][metric][m]) for m in methods} for d in names}
        have = [d for d in names if any(means[d][m] is not None for m in methods)]
        for d in names:
            cells = mean_or_none(res[d][cells_key])
            row = "%-12s %5s %6s %6s" % (d, fmt(cells, "%.0f"), fmt(means[d][methods[0]]),
                                         fmt(std_or_none(res[d][metric][methods[0]])))
            row += "".join(" %6s" % fmt(means[d][m]) for m in methods[1:])
            print(row)
        print("-" * len(hdr))
        row = "%-12s %5s %6s %6s" % ("mean of %d" % len(have), "",
                                     fmt(mean_or_none([means[d][methods[0]] for d in have])), "")
        row += "".join(" %6s" % fmt(mean_or_none([means[d][m] for d in have])) for m in methods[1:])
        print(row)
        if methods[0] != "ae" or len(methods) < 2:
            continue
        # ae (default) against each other method, set by set, on the means over repeats
        wins = {}
        losses = {}
        for m in methods[1:]:
            pairs = [(d, means[d]["ae"], means[d][m]) for d in have
                     if means[d]["ae"] is not None and means[d][m] is not None]
            wins[m] = (sum(better[metric](a, b) for _, a, b in pairs), len(pairs))
            losses[m] = [(d, a, b) for d, a, b in pairs if better[metric](b, a)]
        row = "%-12s %5s %6s %6s" % ("ae better on", "", "", "")
        row += "".join(" %6s" % ("%d/%d" % wins[m]) for m in methods[1:])
        print(row)
        print("   ae loses (%s):" % ("RMSE above the method's, relative" if metric == "rmse"
                                     else "accuracy below the method's, in points"))
        for m in methods[1:]:
            if not losses[m]:
                continue
            if metric == "rmse":
                items = ["%s %+.1f%%" % (d, 100 * (a / b - 1)) for d, a, b in losses[m]]
            else:
                items = ["%s %+.1f" % (d, 100 * (a - b)) for d, a, b in losses[m]]
            print("     to %-7s %s" % (METHODS[m] + ":", ", ".join(items)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--options", default="{}",
                    help="ae_train options as JSON, to try other than the defaults")
    args = ap.parse_args()
    global AE_OPTIONS
    AE_OPTIONS = args.options

    def pick(arg, known, what):
        xs = [x for x in arg.split(",") if x]
        for x in xs:
            if x not in known:
                sys.exit("unknown %s %r (known: %s)" % (what, x, ", ".join(known)))
        return [x for x in known if x in xs]   # in the report's order

    names = pick(args.datasets, DATASETS, "data set")
    conds = pick(args.conditions, CONDITIONS, "condition")
    methods = pick(args.methods, METHODS, "method")
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
    results = {c: {} for c in conds}     # condition -> data set -> dict
    seconds = {d: {m: 0.0 for m in methods} for d in names}
    shapes = {}
    t_start = time.perf_counter()
    try:
        for d in names:
            cols = load_dataset(d)
            n = len(cols[0].values)
            shapes[d] = (n, sum(c.numeric for c in cols), sum(not c.numeric for c in cols))
            table = "%s.%s" % (SCHEMA, d)
            for cond in conds:
                r = {"rmse": {m: [] for m in methods}, "acc": {m: [] for m in methods},
                     "nnum": [], "ncat": [], "share": []}
                for seed in seeds:
                    rng = np.random.default_rng([seed, zlib.crc32(d.encode()),
                                                 zlib.crc32(cond.encode())])
                    hide = make_mask(cols, cond, rng)
                    load_table(cur, table, cols, hide)
                    for m in methods:
                        t0 = time.perf_counter()
                        if m in AE_KINDS:
                            where = "%s %s seed %d kind %s" % (d, cond, seed, m)
                            try:
                                pred = run_ae(cur, table, cols, hide, m, seed, problems, where)
                            except psycopg2.Error as e:
                                problems.append("%s: %s" % (where, str(e).strip().replace("\n", " | ")))
                                pred = None
                        else:
                            pred = BASELINES[m](cols, hide, seed)
                        seconds[d][m] += time.perf_counter() - t0
                        if pred is None:
                            continue
                        rmse, acc, nnum, ncat = metrics(cols, hide, pred)
                        r["rmse"][m].append(rmse)
                        r["acc"][m].append(acc)
                    nnum = sum(hide[:, j].sum() for j, c in enumerate(cols) if c.numeric)
                    ncat = sum(hide[:, j].sum() for j, c in enumerate(cols) if not c.numeric)
                    r["nnum"].append(nnum if nnum else None)
                    r["ncat"].append(ncat if ncat else None)
                    r["share"].append(hide.mean())
                    cur.execute("DROP TABLE %s" % table)
                results[cond][d] = r
            print("  %-12s done: %d rows, %d numeric + %d categorical columns, %.0f s (%s)"
                  % (d, n, shapes[d][1], shapes[d][2], sum(seconds[d].values()),
                     " ".join("%s %.1f" % (METHODS[m], seconds[d][m]) for m in methods)),
                  file=sys.stderr, flush=True)
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = %s", (MODEL,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()
    elapsed = time.perf_counter() - t_start

    # ---- report ----
    print()
    print("ae %s on PostgreSQL %s: imputation of hidden cells, complete rows only,"
          % (version, server))
    print("%d repeats per condition (seeds %d..%d); every ae kind with its default options."
          % (len(seeds), seeds[0], seeds[-1]))
    print("Mean over repeats (±sd: sample std of ae's over repeats); cells: hidden cells per repeat.")
    print("Columns: ae denoising sparse contractive vae (ae_train kinds), mean (mean/mode),")
    print("kNN (k=5), II-BR (IterativeImputer, BayesianRidge), MICE (5 posterior draws),")
    print("MissF (MissForest: chained random forests).")
    print()
    print("%-12s %6s %4s %4s" % ("data set", "rows", "num", "cat"))
    for d in names:
        print("%-12s %6d %4d %4d" % ((d,) + shapes[d]))
    for cond in conds:
        print_condition(cond, names, methods, results[cond], len(seeds))

    print()
    print("Seconds per method (wall clock, all conditions and repeats; ae: ae_train + ae_impute):")
    hdr = "%-12s" % "data set" + "".join(" %6s" % METHODS[m] for m in methods)
    print(hdr)
    print("-" * len(hdr))
    for d in names:
        print("%-12s" % d + "".join(" %6.1f" % seconds[d][m] for m in methods))
    print("-" * len(hdr))
    print("%-12s" % "total" + "".join(" %6.1f" % sum(seconds[d][m] for d in names)
                                      for m in methods))
    print("Whole run: %.0f s." % elapsed)
    if problems:
        print()
        print("Problems found in what ae returned:")
        for p in problems:
            print("  " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
