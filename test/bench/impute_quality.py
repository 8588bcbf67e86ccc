#!/usr/bin/env python3
"""Imputation quality of ae_impute against mean/mode, kNN, MICE and MissForest.

Every method fills the same hidden cells of the same tables and is scored
on those cells only (the GAIN convention).

Data sets, complete rows only (a row with any empty field is dropped), built
from the files in test/data; columns whose values are all integers become
int, other numbers float8, anything else text (a category); a column with a
single value over those rows is left out (nothing to impute).  Label columns
(Class, diabetes, Attrition, digit...) are ordinary categorical columns.

  set           source                                     rows  num  cat
  penguins      penguins.csv                                333    4    3
  attrition     attrition.csv                              1470   16   15
  housevotes84  housevotes84.csv                            232    0   17
  breastcancer  breastcancer.csv, without Id                683    9    1
  pima          pima.csv                                    392    8    1
  ionosphere    ionosphere.csv (V2, always 0, left out)     351   33    1
  digits        digits.csv, rows 0, 3, 6, ... (every 3rd    599   59    1
                image), pixels p0..p63 as int 0..16 (p0,
                p31, p32, p39 and p56 are always 0 there,
                left out), digit as a category
  nab_temp      nab/machine_temperature_system_failure.csv 1890    7    1
                cut into hours as anomaly_bench.py does:
                blocks of 12 consecutive 5-minute readings,
                a row per block with weekday (text), hour
                (int), mean, sd, min, max, delta (last - first
                reading) and jump (this hour's mean - the
                previous hour's); the first hour, without a
                jump, is dropped; no anomaly label

Missingness conditions (--conditions), each with its own masks:

  mcar20  each cell hidden with probability 0.2, independently (MCAR);
  mcar40  the same with probability 0.4;
  mnar    self-masking, missing not at random: a cell is hidden with
          probability 0.05 + 0.35 * r, where r in (0, 1) is the cell's rank
          in its column, (rank - 0.5) / rows, ties sharing their mean rank.
          Numeric cells rank by value, so the largest values are hidden most
          (probability near 0.40) and the smallest least (near 0.05);
          categorical cells rank by their category's frequency in the
          column, commonest first (equally frequent categories in sort
          order), so the rarest categories are hidden most.  Every column
          loses 22.5% of its cells in expectation.
In all three a row whose every cell was drawn keeps one of them, chosen at
random.  Masks are drawn with numpy's default_rng([seed, crc32(set),
crc32(condition)]); seeds 1..N (--repeats N, default 3).

Each masked table is loaded into PostgreSQL with a rowid column, and the
methods fill it:

  * ae kinds: for each of ae, denoising, sparse, contractive, vae, aae and
    transformer, a model
    with that kind's default options,
        ae_train(<model>, '<table>', kind => '<kind>', exclude => ARRAY['rowid'],
                 seed => <seed>)
    (for ae, kind => NULL: exactly the call without a kind), then
        SELECT (ae_impute(<model>, t)).* FROM <table> t ORDER BY rowid.
    cvae is left out: it needs a condition column, which it takes as an
    input and never reconstructs; every column here has hidden cells to
    fill, so conditioning on one would exempt it from the protocol.
  * mean: the mean of the observed cells of a numeric column, the most
    frequent observed category of a categorical one (ties to the first in
    sort order).
  * kNN: sklearn KNNImputer, k=5.
  * II-BR (II-BayesRidge): sklearn IterativeImputer with its default
    estimator (BayesianRidge), max_iter=10, random_state=seed.
  * MICE: IterativeImputer(sample_posterior=True, max_iter=10) run m=5 times
    (random_state 1000*seed + k, k = 0..4), each imputation drawing from the
    posterior; numeric cells are the mean of the five, categorical cells the
    majority of the five imputed categories (a tie to the category whose
    one-hot value, averaged over the five, is highest).
  * kNN, II-BR and MICE share one encoding: numeric columns standardised
    with the observed cells' mean and sd, categorical columns one-hot over
    the observed categories, a hidden categorical cell being a block of NaN;
    the imputed category is the argmax of the imputed block.  On the
    observed rows each one-hot column is an exact linear function of its
    siblings, which are missing in the same rows, so II-BR keeps a hidden
    block at its starting point (the observed shares): its categorical fills
    are the mode, or very nearly.  MICE's posterior draws scatter the block, so its
    categories are noisy draws rather than the mode; neither is a fair bar
    for categories.
  * MissF (MissForest, Stekhoven and Buehlmann 2012), written here from
    sklearn forests since IterativeImputer only regresses: start from
    mean/mode; each round, for each column with hidden cells, fewest hidden
    first, fit a RandomForestRegressor (numeric) or RandomForestClassifier
    (categorical) (100 trees, max_features='sqrt' as missForest's default
    mtry, random_state=seed, n_jobs=1) on the rows where the column is
    observed, from every other column's current values (categories as
    ordinal codes of their sorted values), and replace its hidden cells by
    the prediction.  As missForest does, stop after the first round in
    which neither the numeric change, sum((new - old)^2) / sum(new^2) over
    the numeric columns, nor the categorical change, the share of hidden
    categorical cells whose category changed, decreased, and keep the
    imputation from before that round; at most 10 rounds.  Categories are
    handled natively: the classifier predicts a category.
Every method's fills of an integer column are whole numbers, as they must be
to be stored back in the column: ae_impute returns values of the column's own
type, and the baselines' fills of int columns are rounded to the nearest
integer (half away from zero) before scoring.  For reference each RMSE table
is followed by the baselines' means without that rounding.

Metrics, over the hidden cells only: RMSE over the hidden numeric cells
after min-max scaling each column with the complete data's min and max
(pooled over the set's columns, lower is better), and accuracy over the
hidden categorical cells (higher is better).

It prints, for each condition, the share of cells hidden and two tables,
RMSE and accuracy, a row per data set and a column per method (mean over
repeats; for ae also the sample std over repeats), then the mean over the
data sets that have such cells, a line "ae better on": on how many sets ae
(the default kind) beats each other method (on the means over repeats), and
for each method the sets where ae loses to it and by how much (RMSE:
relative difference; accuracy: percentage points).  Then the seconds each
method took per data set (wall clock, all conditions and repeats; for ae
kinds ae_train plus ae_impute).  It also checks what ae_impute returns
(every hidden cell filled, observed cells unchanged, values of the column's
type, the table's columns and rows) and lists anything wrong at the end.

How to run: against a PostgreSQL 15 server where the ae extension is
installed; connection settings come from the environment as for psql
(PGHOST, PGPORT, PGUSER, PGDATABASE...).  Needs python3-psycopg2,
python3-numpy and python3-sklearn (Debian packages).  From the repository
root:

    bash test/bench/run-bench.sh impute           # installs, throwaway cluster, runs this
    python3 test/bench/impute_quality.py          # against the server in the environment

Options: --repeats N (default 3); --conditions, --datasets and --methods,
comma-separated subsets (default all: mcar20,mcar40,mnar;
penguins,attrition,housevotes84,breastcancer,pima,ionosphere,digits,nab_temp;
ae,denoising,sparse,contractive,vae,mean,knn,ii,mice,missforest);
--options '{...}' (ae_train options as JSON for every ae kind, to try other
than the defaults; an option of one kind only is an error for the others, so
pair it with --methods); --jobs N (default 2): the (set, condition, seed)
jobs run in N worker processes, each with its own connection, table and
models.  The full default run, 72 jobs, took 648 s (11 minutes) on 2 cores
with another process busy on one of them part of the time; MissForest took
70% of the compute, MICE 15%, the five ae kinds 12%.  Everything it creates lives in the schema
ae_impute_bench and in models named imp_<set>_<condition>_<seed>_<kind>,
all dropped at the end.
"""

import argparse
import csv
import datetime
import io
import math
import multiprocessing
import os
import re
import sys
import textwrap
import time
import warnings
import zlib
from collections import Counter

# one thread per process: the workers already use the cores
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

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
MODEL = "imp"        # prefix of the models' names

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
    "aae": "aae",
    "transformer": "tf",
    "mean": "mean",
    "knn": "kNN",
    "ii": "II-BR",
    "mice": "MICE",
    "missforest": "MissF",
}
AE_KINDS = ["ae", "denoising", "sparse", "contractive", "vae", "aae", "transformer"]

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


def run_ae(cur, table, model, cols, hide, kind, seed, options, problems, where):
    """Trains a model of one kind (ae: no kind given, the default) and
    imputes; returns the predictions per column, or raises psycopg2.Error."""
    cur.execute("SELECT * FROM ae_train(%s, %s, kind => %s, exclude => ARRAY['rowid'], "
                "seed => %s, options => %s)", (model, table, None if kind == "ae" else kind, seed, options))
    cur.fetchall()
    cur.execute("SELECT (ae_impute(%%s, t)).* FROM %s t ORDER BY rowid" % table, (model,))
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

def round_int_columns(cols, pred):
    """A baseline's fills as they would be stored: int columns rounded to
    the nearest integer, half away from zero."""
    return [[math.copysign(math.floor(abs(v) + 0.5), v) if c.kind == "int" and v is not None
             and not math.isnan(v) else v for v in col]
            for c, col in zip(cols, pred)]


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


def print_condition(cond, names, methods, res):
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
        hdr = "%-12s %5s %6s %6s" % ("data set", "cells", METHODS[methods[0]], "±sd") \
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
        raw = [m for m in methods if res[have[0]]["rmse_raw"][m]] if metric == "rmse" and have else []
        if raw:
            print("   baselines not rounded, mean of %d: %s" % (len(have), ", ".join(
                "%s %s" % (METHODS[m], fmt(mean_or_none([mean_or_none(res[d]["rmse_raw"][m])
                                                        for d in have]))) for m in raw)))
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
        print("   ae loses (%s):%s" % ("RMSE above the method's, relative" if metric == "rmse"
                                       else "accuracy below the method's, in points",
                                       "" if any(losses.values()) else " nowhere"))
        for m in methods[1:]:
            if not losses[m]:
                continue
            if metric == "rmse":
                items = ["%s %+.2f%%" % (d, 100 * (a / b - 1)) for d, a, b in losses[m]]
            else:
                items = ["%s %+.2f" % (d, 100 * (a - b)) for d, a, b in losses[m]]
            print(textwrap.fill(", ".join(items), width=100,
                                initial_indent="     to %-7s " % (METHODS[m] + ":"),
                                subsequent_indent=" " * 16))


# --------------------------------------------------------------------------
# Jobs: one data set, condition and seed each, run in worker processes
# --------------------------------------------------------------------------

WORKER = {}   # per process: its connection and the data sets it has loaded


def worker_init():
    WORKER["conn"] = psycopg2.connect("")
    WORKER["conn"].autocommit = True
    WORKER["cols"] = {}


def job_names(d, cond, seed):
    """The table one job uses and its models' names by kind (distinct, so
    jobs can run at once)."""
    tag = "%s_%s_%d" % (d, cond, seed)
    return "%s.%s" % (SCHEMA, qi(tag)), {k: "%s_%s_%s" % (MODEL, tag, k) for k in AE_KINDS}


def run_job(job):
    """Hides cells of one data set under one condition and seed, imputes
    them with every method; returns the metrics, seconds and problems."""
    d, cond, seed, methods, options = job
    if d not in WORKER["cols"]:
        WORKER["cols"][d] = load_dataset(d)
    cols = WORKER["cols"][d]
    cur = WORKER["conn"].cursor()
    table, models = job_names(d, cond, seed)
    rng = np.random.default_rng([seed, zlib.crc32(d.encode()), zlib.crc32(cond.encode())])
    hide = make_mask(cols, cond, rng)
    load_table(cur, table, cols, hide)
    out = {"rmse": {}, "rmse_raw": {}, "acc": {}, "seconds": {}, "problems": [],
           "share": float(hide.mean())}
    for m in methods:
        t0 = time.perf_counter()
        if m in AE_KINDS:
            where = "%s %s seed %d kind %s" % (d, cond, seed, m)
            try:
                pred = run_ae(cur, table, models[m], cols, hide, m, seed, options,
                              out["problems"], where)
            except psycopg2.Error as e:
                out["problems"].append("%s: %s" % (where, str(e).strip().replace("\n", " | ")))
                pred = None
        else:
            pred = BASELINES[m](cols, hide, seed)
            out["rmse_raw"][m] = metrics(cols, hide, pred)[0]
            pred = round_int_columns(cols, pred)
        out["seconds"][m] = time.perf_counter() - t0
        if pred is not None:
            out["rmse"][m], out["acc"][m], _, _ = metrics(cols, hide, pred)
    nnum = int(sum(hide[:, j].sum() for j, c in enumerate(cols) if c.numeric))
    ncat = int(sum(hide[:, j].sum() for j, c in enumerate(cols) if not c.numeric))
    out["nnum"], out["ncat"] = nnum or None, ncat or None
    cur.execute("DROP TABLE %s" % table)
    cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (list(models.values()),))
    return job, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--jobs", type=int, default=2,
                    help="worker processes (each with its own connection)")
    ap.add_argument("--options", default="{}",
                    help="ae_train options as JSON, to try other than the defaults")
    args = ap.parse_args()

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
    shapes = {}
    for d in names:
        cols = load_dataset(d)
        shapes[d] = (len(cols[0].values), sum(c.numeric for c in cols),
                     sum(not c.numeric for c in cols))

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
    conn.close()

    # the biggest tables first, so that the last jobs are short ones
    size = lambda d: shapes[d][0] * (shapes[d][1] + shapes[d][2])
    jobs = [(d, c, s, methods, args.options) for d in sorted(names, key=size, reverse=True)
            for c in conds for s in seeds]
    done = []
    t_start = time.perf_counter()
    try:
        if args.jobs > 1:
            pool = multiprocessing.Pool(args.jobs, initializer=worker_init)
            it = pool.imap_unordered(run_job, jobs, chunksize=1)
        else:
            pool = None
            worker_init()
            it = map(run_job, jobs)
        for job, out in it:
            done.append((job, out))
            print("  %3d/%d %-12s %-6s seed %d: %5.1f s (%s)"
                  % (len(done), len(jobs), job[0], job[1], job[2], sum(out["seconds"].values()),
                     " ".join("%s %.1f" % (METHODS[m], out["seconds"][m]) for m in methods)),
                  file=sys.stderr, flush=True)
        if pool is not None:
            pool.close()
            pool.join()
    finally:
        conn = psycopg2.connect("")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)",
                    ([nm for j in jobs for nm in job_names(*j[:3])[1].values()],))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()
    elapsed = time.perf_counter() - t_start

    # condition -> data set -> lists over seeds (in seed order)
    results = {c: {d: {"rmse": {m: [] for m in methods}, "acc": {m: [] for m in methods},
                       "rmse_raw": {m: [] for m in methods},
                       "nnum": [], "ncat": [], "share": []} for d in names} for c in conds}
    seconds = {d: {m: 0.0 for m in methods} for d in names}
    problems = []
    for job, out in sorted(done, key=lambda x: x[0][2]):
        d, c, s = job[:3]
        r = results[c][d]
        for m in methods:
            seconds[d][m] += out["seconds"][m]
            if m in out["rmse"]:
                r["rmse"][m].append(out["rmse"][m])
                r["acc"][m].append(out["acc"][m])
            if m in out["rmse_raw"]:
                r["rmse_raw"][m].append(out["rmse_raw"][m])
        for k in ("nnum", "ncat", "share"):
            r[k].append(out[k])
        problems += out["problems"]

    # ---- report ----
    print()
    print("ae %s on PostgreSQL %s: imputation of hidden cells, complete rows only,"
          % (version, server))
    print("%d repeats per condition (seeds %d..%d); every ae kind with its default options."
          % (len(seeds), seeds[0], seeds[-1]))
    print("Mean over repeats (±sd: sample std of ae's over repeats); cells: hidden cells per repeat.")
    print("Columns: ae denois(ing) sparse contr(active) vae: ae_train kinds; mean: mean/mode;")
    print("kNN: k=5; II-BR: IterativeImputer with BayesianRidge; MICE: 5 posterior draws pooled;")
    print("MissF: MissForest, chained random forests.")
    print()
    print("%-12s %6s %4s %4s" % ("data set", "rows", "num", "cat"))
    for d in names:
        print("%-12s %6d %4d %4d" % ((d,) + shapes[d]))
    for cond in conds:
        print_condition(cond, names, methods, results[cond])

    print()
    print("Seconds per method (wall clock in the worker, all conditions and repeats; ae kinds:")
    print("ae_train + ae_impute):")
    hdr = "%-12s" % "data set" + "".join(" %6s" % METHODS[m] for m in methods)
    print(hdr)
    print("-" * len(hdr))
    for d in names:
        print("%-12s" % d + "".join(" %6.1f" % seconds[d][m] for m in methods))
    print("-" * len(hdr))
    print("%-12s" % "total" + "".join(" %6.1f" % sum(seconds[d][m] for d in names)
                                      for m in methods))
    print("Whole run: %.0f s wall clock, %d jobs in %d worker process%s."
          % (elapsed, len(jobs), args.jobs, "es" if args.jobs > 1 else ""))
    if problems:
        print()
        print("Problems found in what ae returned:")
        for p in problems:
            print("  " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
