#!/usr/bin/env python3
"""Anomaly detection: ae_score against the baselines users try first.

ODDS-style sets built from the public data in test/data: one class (or the
rows inside labelled windows of a time series) is the anomaly class, kept at
its share or downsampled to a few percent of the rows; every other row is an
inlier.  The label is a column `is_anomaly` that no method trains on.

Sets (anomaly share = anomalies / all rows after downsampling; the seed draws
which anomaly rows are kept; inliers are all kept):

  set               group     source               anomalies                         share  seed  types
  pima              main      pima.csv             diabetes = pos                    10%    11    numeric, NULLs
  breastcancer      main      breastcancer.csv     Class = malignant (Id dropped)    5%     12    ordinal ints, NULLs
  ionosphere        main      ionosphere.csv       Class = bad                       8%     13    numeric
  penguins          main      penguins.csv         species = Chinstrap               5%     14    mixed, NULLs
  attrition         main      attrition.csv        Attrition = Yes                   5%     15    mixed
  housevotes_rep    main      housevotes84.csv     Class = republican                5%     16    categorical, NULLs
  digits_0          main      digits.csv           digit 0 (the rest: digits 1-9)    3%     17    numeric (pixels)
  digits_7          main      digits.csv           digit 7 (the rest: the others)    3%     18    numeric (pixels)
  nab_machine_temp  main      nab/machine_temperature_system_failure.csv   hours in NAB windows   as labelled (9.9%)  —  mixed, NULLs
  nab_cpu_asg       main      nab/cpu_utilization_asg_misconfiguration.csv hours in NAB windows   as labelled (8.3%)  —  mixed, NULLs
  penguins_gentoo   held-out  penguins.csv         species = Gentoo                  5%     21    mixed, NULLs
  housevotes_dem    held-out  housevotes84.csv     Class = democrat                  5%     22    categorical, NULLs
  nab_ec2_latency   held-out  nab/ec2_request_latency_system_failure.csv   hours in NAB windows   as labelled (8.6%)  —  mixed, NULLs
  digits_3          fresh     digits.csv           digit 3 (the rest: the others)    3%     31    numeric (pixels)
  breastcancer_ben  fresh     breastcancer.csv     Class = benign (Id dropped)       5%     32    ordinal ints, NULLs
  ionosphere_good   fresh     ionosphere.csv       Class = good                      8%     33    numeric
  nab_ambient_temp  fresh     nab/ambient_temperature_system_failure.csv   blocks in NAB windows  as labelled        —  mixed, NULLs
  nab_nyc_taxi      fresh     nab/nyc_taxi.csv     blocks in NAB windows             as labelled        —  mixed, NULLs

The held-out group (penguins_gentoo, housevotes_dem, nab_ec2_latency) is
printed separately: a recipe for ae's defaults should be chosen on the main
group only and then checked once on these.  Those three were looked at more
than once while the distance score was chosen, so a second held-out group,
"fresh", was added after the recipe was fixed (model format 5) and first run
with it: the usual class turned round where the data allows (benign among
malignant, good among bad), another digit, and two more NAB series.

NAB sets: the series is cut into consecutive blocks of 12 readings (an hour
of the 5-minute series; 6 hours of nyc_taxi's half-hourly counts, 12 hours of
ambient_temperature's hourly readings; "hour" is the block's first); a block is a row with the columns weekday
(text), hour (int), mean, sd, min, max, delta (last - first reading) and
jump (this block's mean - the previous block's mean, NULL for the first
block); it is an anomaly when more than half of its readings lie inside one
of NAB's labelled anomaly windows (test/data/nab/windows.json).

Columns: a CSV column whose values are all integers becomes int, other
numbers float8, anything else text (a category); empty fields are NULL.

Methods, all scored on every row of the set (training rows = scored rows,
as in ODDS):
  * ae:        ae_train with default options, exclude => rowid, is_anomaly,
               seeds 42, 1, 2 (the table shows seed 42 and the mean of the
               three); the default model scored by reconstruction alone
               (options {"score": "reconstruction"}: the score of format-4
               models), and kinds denoising, sparse, contractive, vae, aae and transformer with
               their defaults, seed 42.  cvae is left out: these sets have
               nothing to condition on but the label.  With
               --tf-reconstruction, also the transformer scored by its
               held-out predictions alone (options {"score":
               "reconstruction"}; column "tf rec").
               Score: ae_score(model, row).  A row whose modelled columns
               are all NULL has a NULL score (one housevotes84 row); it is
               given the median score (a neutral rank) and listed in the
               notes under the table.
  * baselines: one shared preprocessing: numeric columns with their NULLs
               replaced by the column's median, text columns one-hot (a NULL
               is all zeros), a 0/1 missing indicator for every column that
               has NULLs; then every resulting column standardised (mean 0,
               sd 1; constant columns dropped).  On that matrix:
      - IsolationForest (scikit-learn defaults), random_state 42, 1, 2, mean
        ROC-AUC of the three; score = -score_samples;
      - LocalOutlierFactor (defaults, novelty=False); score =
        -negative_outlier_factor_;
      - EllipticEnvelope (defaults, random_state 42); score = -score_samples
        (squared Mahalanobis distance); "—" where it raises.
  * z-score:   on the raw typed columns: sum over numeric columns of z^2
               (z from the non-NULL values' mean and population sd; a NULL
               cell adds 0) plus, over text columns, -log of the share of
               rows holding the row's value (NULL counted as a value).

ROC-AUC: sklearn.metrics.roc_auc_score of the score against is_anomaly.

How to run: against a PostgreSQL 15 server where the ae extension is
installed (connection settings from the environment, as for psql):

    bash test/bench/run-bench.sh anomaly        # throwaway cluster, then this
    python3 test/bench/anomaly_bench.py         # against the server in the environment

Options: --sets a,b,... (default all).  Needs python3-psycopg2,
python3-numpy and python3-sklearn.  Everything it creates lives in the
schema ae_anomaly_bench, dropped at the end with the models
anomaly_<set>_<method>.  Nothing is asserted: the figures are for reading.
"""

import argparse
import csv
import datetime
import io
import json
import math
import os
import re
import sys
import time
import warnings

import numpy as np
import psycopg2

from pgtext import bench_session, copy_text, qi

from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
SCHEMA = "ae_anomaly_bench"
MODEL_PREFIX = "anomaly_"
AE_SEEDS = [42, 1, 2]
IF_SEEDS = [42, 1, 2]
NAB_BLOCK = 12   # readings per row of a NAB set

# name, group, csv file, label column, anomaly value, share, seed, columns dropped
CLASS_SETS = [
    ("pima", "main", "pima.csv", "diabetes", "pos", 0.10, 11, []),
    ("breastcancer", "main", "breastcancer.csv", "Class", "malignant", 0.05, 12, ["Id"]),
    ("ionosphere", "main", "ionosphere.csv", "Class", "bad", 0.08, 13, []),
    ("penguins", "main", "penguins.csv", "species", "Chinstrap", 0.05, 14, []),
    ("attrition", "main", "attrition.csv", "Attrition", "Yes", 0.05, 15, []),
    ("housevotes_rep", "main", "housevotes84.csv", "Class", "republican", 0.05, 16, []),
    ("digits_0", "main", "digits.csv", "digit", "0", 0.03, 17, []),
    ("digits_7", "main", "digits.csv", "digit", "7", 0.03, 18, []),
    ("penguins_gentoo", "held-out", "penguins.csv", "species", "Gentoo", 0.05, 21, []),
    ("housevotes_dem", "held-out", "housevotes84.csv", "Class", "democrat", 0.05, 22, []),
    ("digits_3", "fresh", "digits.csv", "digit", "3", 0.03, 31, []),
    ("breastcancer_ben", "fresh", "breastcancer.csv", "Class", "benign", 0.05, 32, ["Id"]),
    ("ionosphere_good", "fresh", "ionosphere.csv", "Class", "good", 0.08, 33, []),
]
# name, group, series file under test/data/nab
NAB_SETS = [
    ("nab_machine_temp", "main", "machine_temperature_system_failure.csv"),
    ("nab_cpu_asg", "main", "cpu_utilization_asg_misconfiguration.csv"),
    ("nab_ec2_latency", "held-out", "ec2_request_latency_system_failure.csv"),
    ("nab_ambient_temp", "fresh", "ambient_temperature_system_failure.csv"),
    ("nab_nyc_taxi", "fresh", "nyc_taxi.csv"),
]
ORDER = ["pima", "breastcancer", "ionosphere", "penguins", "attrition", "housevotes_rep",
         "digits_0", "digits_7", "nab_machine_temp", "nab_cpu_asg",
         "penguins_gentoo", "housevotes_dem", "nab_ec2_latency",
         "digits_3", "breastcancer_ben", "ionosphere_good", "nab_ambient_temp", "nab_nyc_taxi"]

INT_RE = re.compile(r"^[+-]?\d+$")


# --------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------

class Column:
    """One feature column: SQL name, SQL type ('int', 'float8', 'text') and
    its values (None for NULL)."""

    def __init__(self, name, kind, values):
        self.name = name
        self.kind = kind
        self.values = values

    @property
    def numeric(self):
        return self.kind != "text"


class AnomalySet:
    """A built set: its feature columns, the label (bool array) and how it
    was made (for the construction table)."""

    def __init__(self, name, group, source, what, share, seed, cols, label):
        self.name, self.group, self.source, self.what = name, group, source, what
        self.share, self.seed, self.cols, self.label = share, seed, cols, label


def sql_name(csv_name):
    return re.sub(r"[^a-z0-9_]", "_", csv_name.lower())


def is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def typed_column(name, raw):
    """A Column from CSV strings: int, float8 or text; '' is NULL."""
    present = [v for v in raw if v != ""]
    if present and all(INT_RE.match(v) for v in present) and \
            all(-2**31 <= int(v) < 2**31 for v in present):
        return Column(name, "int", [int(v) if v != "" else None for v in raw])
    if present and all(is_float(v) for v in present):
        return Column(name, "float8", [float(v) if v != "" else None for v in raw])
    return Column(name, "text", [v if v != "" else None for v in raw])


def downsample(is_anom, share, seed):
    """Indices of the rows kept: every inlier and a seeded sample of
    anomalies making `share` of the kept rows, in the original order."""
    inl = np.where(~is_anom)[0]
    anom = np.where(is_anom)[0]
    k = int(round(share * len(inl) / (1.0 - share)))
    k = min(k, len(anom))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(anom, size=k, replace=False)
    return np.sort(np.concatenate([inl, chosen]))


def build_class_set(spec):
    name, group, path, label, value, share, seed, drop = spec
    with open(os.path.join(DATA, path), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    li = header.index(label)
    is_anom = np.array([r[li] == value for r in body])
    keep = downsample(is_anom, share, seed)
    cols = []
    for j, h in enumerate(header):
        if j == li or h in drop:
            continue
        cols.append(typed_column(sql_name(h), [body[i][j] for i in keep]))
    return AnomalySet(name, group, path, "%s = %s" % (label, value), share, seed,
                      cols, is_anom[keep])


def build_nab_set(spec):
    name, group, path = spec
    with open(os.path.join(DATA, "nab", "windows.json")) as f:
        windows = json.load(f)["realKnownCause/" + path]
    parse = lambda s: datetime.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S")
    windows = [(parse(a), parse(b)) for a, b in windows]
    with open(os.path.join(DATA, "nab", path), newline="") as f:
        rows = list(csv.reader(f))[1:]
    ts = [parse(r[0]) for r in rows]
    val = np.array([float(r[1]) for r in rows])
    inside = np.array([any(a <= t <= b for a, b in windows) for t in ts])
    feats = {k: [] for k in ("weekday", "hour", "mean", "sd", "min", "max", "delta", "jump")}
    label = []
    prev_mean = None
    for s in range(0, len(rows) - NAB_BLOCK + 1, NAB_BLOCK):
        v = val[s:s + NAB_BLOCK]
        m = float(v.mean())
        feats["weekday"].append(ts[s].strftime("%a"))
        feats["hour"].append(ts[s].hour)
        feats["mean"].append(m)
        feats["sd"].append(float(v.std()))
        feats["min"].append(float(v.min()))
        feats["max"].append(float(v.max()))
        feats["delta"].append(float(v[-1] - v[0]))
        feats["jump"].append(None if prev_mean is None else m - prev_mean)
        prev_mean = m
        label.append(inside[s:s + NAB_BLOCK].sum() * 2 > NAB_BLOCK)
    kinds = {"weekday": "text", "hour": "int"}
    cols = [Column(k, kinds.get(k, "float8"), v) for k, v in feats.items()]
    return AnomalySet(name, group, "nab/" + path, "hours in NAB windows", None, None,
                      cols, np.array(label))


def build_sets(names):
    specs = {s[0]: ("class", s) for s in CLASS_SETS}
    specs.update({s[0]: ("nab", s) for s in NAB_SETS})
    out = []
    for n in names:
        kind, spec = specs[n]
        out.append(build_class_set(spec) if kind == "class" else build_nab_set(spec))
    return out


def describe_types(ds):
    nnum = sum(c.numeric for c in ds.cols)
    ncat = len(ds.cols) - nnum
    nulls = sum(v is None for c in ds.cols for v in c.values)
    return "%d num + %d cat, %d NULLs" % (nnum, ncat, nulls)


# --------------------------------------------------------------------------
# ae in PostgreSQL
# --------------------------------------------------------------------------

def load_table(cur, table, ds):
    """CREATE TABLE (rowid, features..., is_anomaly) and COPY the rows in."""
    cur.execute("DROP TABLE IF EXISTS %s" % table)
    cur.execute("CREATE TABLE %s (rowid int, %s, is_anomaly bool)" % (
        table, ", ".join("%s %s" % (qi(c.name), c.kind) for c in ds.cols)))
    buf = io.StringIO()
    for i in range(len(ds.label)):
        vals = [str(i)] + [copy_text(c.values[i]) for c in ds.cols] + \
               ["t" if ds.label[i] else "f"]
        buf.write("\t".join(vals) + "\n")
    buf.seek(0)
    cur.copy_expert("COPY %s FROM STDIN" % table, buf)
    cur.execute("ANALYZE %s" % table)


# ae methods: (tag, kind or None for the default, seed, options)
AE_RUNS = [("ae_s42", None, 42, None), ("ae_s1", None, 1, None), ("ae_s2", None, 2, None),
           ("ae_recon", None, 42, '{"score": "reconstruction"}'),
           ("denoising", "denoising", 42, None), ("sparse", "sparse", 42, None),
           ("contractive", "contractive", 42, None), ("vae", "vae", 42, None),
           ("aae", "aae", 42, None), ("transformer", "transformer", 42, None)]


def run_ae(cur, table, ds, problems):
    """Trains every AE_RUNS model on the table; returns (tag -> scores in
    rowid order, seconds in ae_train)."""
    trained, seconds = [], 0.0
    for tag, kind, seed, options in AE_RUNS:
        model = "%s%s_%s" % (MODEL_PREFIX, ds.name, tag)
        t0 = time.perf_counter()
        try:
            cur.execute("SELECT * FROM ae_train(%s, %s::regclass, kind => %s, "
                        "exclude => ARRAY['rowid', 'is_anomaly'], seed => %s, options => %s)",
                        (model, table, kind, seed, options or "{}"))
            cur.fetchall()
            trained.append((tag, model))
        except psycopg2.Error as e:
            problems.append("%s %s: %s" % (ds.name, tag, str(e).strip().replace("\n", " | ")))
        seconds += time.perf_counter() - t0
    scores = {}
    if trained:
        cur.execute("SELECT %s FROM %s t ORDER BY rowid" % (
            ", ".join("ae_score(%s, t)" for _ in trained), table),
            [m for _, m in trained])
        out = np.array(cur.fetchall(), dtype=float)
        for k, (tag, _) in enumerate(trained):
            scores[tag] = out[:, k]
    return scores, seconds


# --------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------

def encode(ds):
    """The shared baseline matrix (rows, features): median-imputed numeric
    columns, one-hot text columns, missing indicators, all standardised."""
    blocks = []
    for c in ds.cols:
        missing = np.array([v is None for v in c.values])
        if c.numeric:
            x = np.array([np.nan if v is None else float(v) for v in c.values])
            if (~missing).any():
                x[missing] = np.median(x[~missing])
            blocks.append(x[:, None])
        else:
            cats = sorted({v for v in c.values if v is not None})
            idx = {v: k for k, v in enumerate(cats)}
            oh = np.zeros((len(c.values), len(cats)))
            for i, v in enumerate(c.values):
                if v is not None:
                    oh[i, idx[v]] = 1.0
            blocks.append(oh)
        if missing.any():
            blocks.append(missing[:, None].astype(float))
    x = np.hstack(blocks)
    sd = x.std(axis=0)
    x = x[:, sd > 0]
    return (x - x.mean(axis=0)) / x.std(axis=0)


def zscore(ds):
    """Sum of z^2 over numeric columns plus -log share over text columns."""
    n = len(ds.label)
    score = np.zeros(n)
    for c in ds.cols:
        if c.numeric:
            x = np.array([np.nan if v is None else float(v) for v in c.values])
            ok = ~np.isnan(x)
            sd = x[ok].std() if ok.any() else 0.0
            if sd > 0:
                z = np.where(ok, (x - x[ok].mean()) / sd, 0.0)
                score += z ** 2
        else:
            counts = {}
            for v in c.values:
                counts[v] = counts.get(v, 0) + 1
            score += np.array([-math.log(counts[v] / n) for v in c.values])
    return score


def run_baselines(ds, problems):
    """tag -> ROC-AUC (None where the method failed), and the seconds spent."""
    t0 = time.perf_counter()
    y = ds.label
    x = encode(ds)
    auc = {}
    auc["if"] = [roc_auc_score(y, -IsolationForest(random_state=s).fit(x).score_samples(x))
                 for s in IF_SEEDS]
    lof = LocalOutlierFactor().fit(x)
    auc["lof"] = roc_auc_score(y, -lof.negative_outlier_factor_)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ee = EllipticEnvelope(random_state=42).fit(x)
            auc["ee"] = roc_auc_score(y, -ee.score_samples(x))
    except Exception as e:   # noqa: BLE001 - any failure is reported as "—"
        auc["ee"] = None
        problems.append("%s EllipticEnvelope: %s: %s" % (ds.name, type(e).__name__, e))
    auc["z"] = roc_auc_score(y, zscore(ds))
    return auc, x.shape[1], time.perf_counter() - t0


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def fmt(x):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else "%.3f" % x


COLUMNS = [  # header, width, key in a result row
    ("set", 17, "name"), ("rows", 5, "rows"), ("anom", 4, "anom"),
    ("ae s42", 6, "ae_s42"), ("ae 3 seeds (min–max)", 21, "ae3"), ("recon", 6, "ae_recon"),
    ("denoise", 7, "denoising"), ("sparse", 6, "sparse"), ("contr", 6, "contractive"),
    ("vae", 6, "vae"), ("aae", 6, "aae"), ("tf", 6, "transformer"), ("tf rec", 6, "tf_recon"),
    ("IF 3 seeds", 10, "if"), ("LOF", 6, "lof"), ("EllEnv", 6, "ee"),
    ("z-score", 7, "z"), ("ae−IF", 6, "gap"),
]


def line(values):
    out = []
    for (h, w, _), v in zip(COLUMNS, values):
        out.append(v.ljust(w) if h == "set" else v.rjust(w))
    return "  ".join(out)


def print_group(title, names, res):
    print(title)
    hdr = line([h for h, _, _ in COLUMNS])
    print(hdr)
    print("-" * len(hdr))
    for n in names:
        r = res[n]
        ae3 = r["ae3"]
        ae3s = ("%.3f (%.3f–%.3f)" % (np.mean(ae3), min(ae3), max(ae3))
                if len(ae3) == len(AE_SEEDS) else "—")
        gap = np.mean(ae3) - np.mean(r["if"]) if len(ae3) == len(AE_SEEDS) else None
        print(line([n, str(r["rows"]), str(r["anom"]), fmt(r.get("ae_s42")), ae3s,
                    fmt(r.get("ae_recon")), fmt(r.get("denoising")), fmt(r.get("sparse")),
                    fmt(r.get("contractive")), fmt(r.get("vae")), fmt(r.get("aae")),
                    fmt(r.get("transformer")), fmt(r.get("tf_recon")),
                    fmt(float(np.mean(r["if"]))),
                    fmt(r["lof"]), fmt(r["ee"]), fmt(r["z"]), "%+.3f" % gap if gap is not None else "—"]))
    print("-" * len(hdr))

    def mean_of(key):
        xs = [res[n].get(key) for n in names]
        if any(x is None for x in xs):
            ok = [x for x in xs if x is not None]
            return ("%.3f*" % np.mean(ok)) if ok else "—"
        return "%.3f" % np.mean(xs)
    ae3_means = [np.mean(res[n]["ae3"]) for n in names if len(res[n]["ae3"]) == len(AE_SEEDS)]
    if_means = [np.mean(res[n]["if"]) for n in names]
    ae3_all = len(ae3_means) == len(names)
    for n in names:
        res[n]["ae3_mean"] = np.mean(res[n]["ae3"]) if res[n]["ae3"] else None
    print(line(["mean (%d sets)" % len(names), "", "", mean_of("ae_s42"),
                ("%.3f" % np.mean(ae3_means)) if ae3_all else "—", mean_of("ae_recon"),
                mean_of("denoising"), mean_of("sparse"), mean_of("contractive"), mean_of("vae"),
                mean_of("aae"), mean_of("transformer"), mean_of("tf_recon"), "%.3f" % np.mean(if_means),
                mean_of("lof"), mean_of("ee"), mean_of("z"),
                ("%+.3f" % (np.mean(ae3_means) - np.mean(if_means))) if ae3_all else "—"]))
    below = [n for n in names if res[n]["ae3_mean"] is not None
             and res[n]["ae3_mean"] < np.mean(res[n]["if"]) - 0.02]
    above = [n for n in names if res[n]["ae3_mean"] is not None
             and res[n]["ae3_mean"] > np.mean(res[n]["if"]) + 0.02]
    print("ae (mean of 3 seeds) more than 0.02 below isolation forest: %d of %d sets%s"
          % (len(below), len(names), (" (" + ", ".join(below) + ")") if below else ""))
    print("ae (mean of 3 seeds) more than 0.02 above isolation forest: %d of %d sets%s"
          % (len(above), len(names), (" (" + ", ".join(above) + ")") if above else ""))
    if any(res[n]["ee"] is None for n in names):
        print("* mean over the sets where the method ran")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(ORDER))
    ap.add_argument("--tf-reconstruction", action="store_true",
                    help="also the transformer scored by its held-out predictions alone (tf rec)")
    args = ap.parse_args()
    if args.tf_reconstruction:
        AE_RUNS.append(("tf_recon", "transformer", 42, '{"score": "reconstruction"}'))
    names = [n for n in args.sets.split(",") if n]
    for n in names:
        if n not in ORDER:
            sys.exit("unknown set %r (known: %s)" % (n, ", ".join(ORDER)))
    t_start = time.perf_counter()
    sets = build_sets(names)

    print("Anomaly sets (all inliers kept; anomalies downsampled to the share with the seed):")
    print("  %-17s %-9s %-45s %-22s %6s %5s %5s %5s  %s" % (
        "set", "group", "source", "anomalies", "share", "seed", "rows", "anom", "columns"))
    for ds in sets:
        print("  %-17s %-9s %-45s %-22s %6s %5s %5d %5d  %s" % (
            ds.name, ds.group, ds.source, ds.what,
            "%.0f%%" % (ds.share * 100) if ds.share else "as is",
            ds.seed if ds.seed is not None else "—", len(ds.label), int(ds.label.sum()),
            describe_types(ds)))
    sys.stdout.flush()

    conn, cur = bench_session()
    cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'ae'")
    version = cur.fetchone()[0]
    cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
    cur.execute("CREATE SCHEMA %s" % SCHEMA)

    problems, notes = [], []
    res = {}
    ae_seconds = base_seconds = 0.0
    try:
        for ds in sets:
            table = "%s.%s" % (SCHEMA, ds.name)
            load_table(cur, table, ds)
            scores, s_ae = run_ae(cur, table, ds, problems)
            auc, width, s_base = run_baselines(ds, problems)
            ae_seconds += s_ae
            base_seconds += s_base
            r = {"rows": len(ds.label), "anom": int(ds.label.sum()), "width": width}
            for tag, s in scores.items():
                nulls = int(np.isnan(s).sum())
                if nulls:
                    notes.append("%s %s: ae_score is NULL for %d row(s) (every modelled column "
                                 "NULL); scored as the median score" % (ds.name, tag, nulls))
                    s = np.where(np.isnan(s), np.nanmedian(s), s)
                r[tag] = roc_auc_score(ds.label, s)
            r["ae3"] = [r["ae_s%d" % s] for s in AE_SEEDS if "ae_s%d" % s in r]
            r.update(auc)
            res[ds.name] = r
            cur.execute("DROP TABLE %s" % table)
            print("  %-17s done: ae_train %.1f s (%d models), baselines %.1f s (%d columns)"
                  % (ds.name, s_ae, len(AE_RUNS), s_base, width), file=sys.stderr, flush=True)
    finally:
        cur.execute("DELETE FROM ae_models WHERE name LIKE %s", (MODEL_PREFIX + "%",))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    print()
    print("ae %s: ROC-AUC of each method against is_anomaly (1 = anomalies ranked first, "
          "0.5 = random)." % version)
    print("ae: defaults, seeds 42, 1, 2; recon: ae scored by reconstruction alone (the score of")
    print("format 4 models); denoise, sparse, contr(active), vae: defaults, seed 42.  IF: isolation forest,")
    print("mean of random_state 42, 1, 2.  LOF, EllEnv (elliptic envelope), z-score: see the")
    print("script's header.  ae−IF: ae's 3-seed mean minus IF's.")
    print()
    main_names = [n for n in names if n in res and res[n] is not None and
                  next(d for d in sets if d.name == n).group == "main"]
    held_names = [n for n in names if n in res and
                  next(d for d in sets if d.name == n).group == "held-out"]
    if main_names:
        print_group("Main group", main_names, res)
    fresh_names = [n for n in names if n in res and
                   next(d for d in sets if d.name == n).group == "fresh"]
    if held_names:
        print()
        print_group("Held-out group (not for tuning)", held_names, res)
    if fresh_names:
        print()
        print_group("Fresh held-out group (added after the recipe was fixed)", fresh_names, res)
    print()
    print("Seconds: ae_train %.1f (%d models), baselines %.1f, total %.1f"
          % (ae_seconds, len(AE_RUNS) * len(res), base_seconds, time.perf_counter() - t_start))
    if notes:
        print()
        print("Notes:")
        for p in notes:
            print("  " + p)
    if problems:
        print()
        print("Failures:")
        for p in problems:
            print("  " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
