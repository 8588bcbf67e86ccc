#!/usr/bin/env python3
"""Quality of generated rows: ae_generate of the aae and vae kinds against
simple generators, each judged against held-out real rows.

Data sets (test/data, complete rows, columns typed as impute_quality.py
types them: int, float8 or text for a category):

  digits        all 1797 images, 64 pixels as int 0..16, digit as a category
  breastcancer  683 rows, 9 int features and the class
  penguins      333 rows, 4 numbers and 3 categories
  pima          392 rows, 8 numbers and the outcome

Protocol, for each set and seed (42, 1, 2): the rows are shuffled, 70% go
into a table that every generator learns from, 30% are held out.  Each
generator then produces as many rows as were held out, and the generated
rows are compared with the held-out ones:

  * C2ST: a random forest (100 trees) told to separate held-out real rows
    from generated ones, accuracy by 5-fold cross-validation.  0.5 means it
    cannot tell them apart; 1.0 that every generated row gives itself away.
  * marginals: per column, the Wasserstein-1 distance of the standardised
    values (numbers) or the total variation distance of the category
    shares (categories), averaged over the columns.
  * correlations: the mean absolute difference between the two sets'
    correlation matrices (numbers and one-hot categories), what independent
    columns get wrong.

Generators:
  * aae, vae:    ae_train(<model>, <table>, kind => ..., seed => s) with
                 default options, then ae_generate(NULL::<table>, <model>, n,
                 seed => s);
  * independent: each column drawn from its training values on its own
                 (perfect marginals, no dependence);
  * gaussian:    a multivariate normal fitted to the training rows (numbers
                 standardised, categories one-hot), sampled, then numbers
                 rounded where the column is int and clipped to the training
                 range, categories the largest of their one-hot values;
  * real:        the training rows themselves (a sample of them): what a
                 perfect generator would reach, the floor of each figure.

How to run, against a server with the ae extension (settings from the
environment, as for psql):

    bash test/bench/run-bench.sh generate
    python3 test/bench/generate_quality.py [--sets a,b] [--aae-options JSON]

Everything it creates lives in the schema ae_gen_bench and the models
gen_*, dropped at the end.  Nothing is asserted: the figures are for reading.
"""

import argparse
import json
import sys
import time

import numpy as np
from scipy.stats import wasserstein_distance
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

import impute_quality as iq
from pgtext import bench_session, qi

SCHEMA = "ae_gen_bench"
SEEDS = [42, 1, 2]
TRAIN_SHARE = 0.7
SETS = ["digits", "breastcancer", "penguins", "pima"]
GENERATORS = ["aae", "vae", "independent", "gaussian", "real"]


def load(name):
    """Columns of a set (digits: every image, not every third)."""
    if name == "digits":
        iq.DIGITS_EVERY = 1
    return iq.load_dataset(name)


class Encoder:
    """Rows (lists of python values) as a numeric matrix: numbers
    standardised by the training rows, categories one-hot over the training
    rows' categories."""

    def __init__(self, cols, train_idx):
        self.cols = cols
        self.parts = []
        for c in cols:
            if c.numeric:
                v = np.array([c.values[i] for i in train_idx], dtype=float)
                self.parts.append(("num", v.mean(), v.std() or 1.0))
            else:
                self.parts.append(("cat", sorted(set(c.values[i] for i in train_idx)), None))

    def matrix(self, rows):
        out = []
        for j, (kind, a, b) in enumerate(self.parts):
            col = [r[j] for r in rows]
            if kind == "num":
                out.append(((np.array(col, dtype=float) - a) / b)[:, None])
            else:
                out.append(np.array([[v == k for k in a] for v in col], dtype=float))
        return np.hstack(out)


def c2st(real, fake, seed):
    x = np.vstack([real, fake])
    y = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    rf = RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)
    return float(cross_val_score(rf, x, y, cv=5, scoring="accuracy").mean())


def marginals(cols, enc, real_rows, fake_rows):
    d = []
    for j, c in enumerate(cols):
        kind, a, b = enc.parts[j]
        r = [row[j] for row in real_rows]
        f = [row[j] for row in fake_rows]
        if kind == "num":
            d.append(wasserstein_distance((np.array(r, float) - a) / b, (np.array(f, float) - a) / b))
        else:
            cats = sorted(set(r) | set(f))
            pr = np.array([r.count(k) for k in cats], float) / len(r)
            pf = np.array([f.count(k) for k in cats], float) / len(f)
            d.append(0.5 * np.abs(pr - pf).sum())
    return float(np.mean(d))


def correlations(real, fake):
    keep = (real.std(axis=0) > 1e-9) & (fake.std(axis=0) > 1e-9)
    cr = np.corrcoef(real[:, keep], rowvar=False)
    cf = np.corrcoef(fake[:, keep], rowvar=False)
    iu = np.triu_indices(cr.shape[0], 1)
    return float(np.abs(cr[iu] - cf[iu]).mean())


def independent(cols, train_idx, n, rng):
    return [list(r) for r in zip(*[[c.values[i] for i in rng.choice(train_idx, n)] for c in cols])]


def gaussian(cols, enc, train_rows, n, rng):
    x = enc.matrix(train_rows)
    mu, cov = x.mean(axis=0), np.cov(x, rowvar=False)
    s = rng.multivariate_normal(mu, cov, size=n, check_valid="ignore")
    rows = [[None] * len(cols) for _ in range(n)]
    k = 0
    for j, c in enumerate(cols):
        kind, a, b = enc.parts[j]
        if kind == "num":
            tv = [r[j] for r in train_rows]
            v = np.clip(s[:, k] * b + a, min(tv), max(tv))
            if c.kind == "int":
                v = np.rint(v).astype(int)
            for i in range(n):
                rows[i][j] = v[i].item()
            k += 1
        else:
            best = s[:, k:k + len(a)].argmax(axis=1)
            for i in range(n):
                rows[i][j] = a[best[i]]
            k += len(a)
    return rows


def ae_generate(cur, table, cols, kind, n, seed, options, models):
    model = "gen_%s_%s_%d" % (table.split(".")[-1], kind, seed)
    models.append(model)
    t0 = time.perf_counter()
    cur.execute("SELECT * FROM ae_train(%s, %s, kind => %s, exclude => ARRAY['rowid'], seed => %s,"
                " options => %s)", (model, table, kind, seed, json.dumps(options or {})))
    cur.fetchall()
    t1 = time.perf_counter()
    cur.execute("SELECT %s FROM ae_generate(NULL::%s, %%s, %%s, seed => %%s)"
                % (", ".join(qi(c.name) for c in cols), table), (model, n, seed))
    rows = [list(r) for r in cur.fetchall()]
    return rows, t1 - t0, time.perf_counter() - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--aae-options", default="{}", help="options of the aae models, as JSON")
    args = ap.parse_args()
    aae_options = json.loads(args.aae_options)

    conn, cur = bench_session(SCHEMA)
    res = {}
    secs = {g: [0.0, 0.0] for g in ("aae", "vae")}
    models = []
    try:
        for name in args.sets.split(","):
            cols = load(name)
            n_all = len(cols[0].values)
            for seed in SEEDS:
                rng = np.random.default_rng(seed)
                perm = rng.permutation(n_all)
                cut = int(TRAIN_SHARE * n_all)
                train_idx, test_idx = perm[:cut], perm[cut:]
                n = len(test_idx)
                table = "%s.%s" % (SCHEMA, name)
                iq.load_table(cur, table, [iq.Column(c.name, c.kind, [c.values[i] for i in train_idx])
                                           for c in cols], np.zeros((cut, len(cols)), bool))
                enc = Encoder(cols, train_idx)
                as_rows = lambda idx: [[c.values[i] for c in cols] for i in idx]
                real_rows = as_rows(test_idx)
                train_rows = as_rows(train_idx)
                real = enc.matrix(real_rows)
                for g in GENERATORS:
                    if g in ("aae", "vae"):
                        fake_rows, ttrain, tgen = ae_generate(
                            cur, table, cols, g, n, seed, aae_options if g == "aae" else None, models)
                        secs[g][0] += ttrain
                        secs[g][1] += tgen
                    elif g == "independent":
                        fake_rows = independent(cols, train_idx, n, rng)
                    elif g == "gaussian":
                        fake_rows = gaussian(cols, enc, train_rows, n, rng)
                    else:
                        fake_rows = as_rows(rng.choice(train_idx, n, replace=False))
                    fake = enc.matrix(fake_rows)
                    r = res.setdefault((name, g), [])
                    r.append((c2st(real, fake, seed), marginals(cols, enc, real_rows, fake_rows),
                              correlations(real, fake)))
                cur.execute("DROP TABLE %s" % table)
            print("  %-14s done" % name, file=sys.stderr, flush=True)
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    print("Generated rows against held-out real rows (30%% of each set; generators learn from")
    print("the other 70%%); means over seeds 42, 1, 2.  aae options: %s" % json.dumps(aae_options))
    print("C2ST: a random forest's 5-fold accuracy at telling generated from real (0.5: it cannot);")
    print("marg: mean per-column distance (Wasserstein-1 standardised, or total variation);")
    print("corr: mean absolute difference of the correlation matrices.")
    print()
    hdr = "%-14s %-12s %6s %6s %6s" % ("set", "generator", "C2ST", "marg", "corr")
    print(hdr)
    print("-" * len(hdr))
    sets = args.sets.split(",")
    for name in sets:
        for g in GENERATORS:
            m = np.mean(res[(name, g)], axis=0)
            print("%-14s %-12s %6.3f %6.3f %6.3f" % (name, g, m[0], m[1], m[2]))
        print()
    print("%-14s %-12s %6s %6s %6s" % ("mean of %d" % len(sets), "", "C2ST", "marg", "corr"))
    for g in GENERATORS:
        m = np.mean([np.mean(res[(name, g)], axis=0) for name in sets], axis=0)
        print("%-14s %-12s %6.3f %6.3f %6.3f" % ("", g, m[0], m[1], m[2]))
    print()
    print("Seconds (train, generate), all sets and seeds: aae %.1f, %.1f; vae %.1f, %.1f"
          % (secs["aae"][0], secs["aae"][1], secs["vae"][0], secs["vae"][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
