#!/usr/bin/env python3
"""Images: the conv kind against the dense ae on the digits as 8x8 arrays.

The 1,797 digits of test/data/digits.csv as rows (id, digit, pixels
real[8][8]), pixels 0..16.

  * Reconstruction of held-out images: each model trains on the rows with
    id % 5 <> 0 (1,438) and reconstructs the other 359; the mean squared
    error per pixel (pixel units) is reported, mean of seeds 42, 1, 2.
    conv: ae_train(..., kind => 'conv', columns => ARRAY['pixels']) with
    default options (stages of 16 and 32 filters); ae: the same without a
    kind (the dense ae over the 64 pixels); both have the default latent
    of 16.  With their parameter counts and training seconds.
  * Anomaly ranking: one digit downsampled to 3% of the rows among all the
    others (digits 0, 7 and 3, seeds 17, 18 and 31, drawn as
    anomaly_bench.py does), trained on every row; ROC-AUC of ae_score for
    conv and ae (mean of seeds 42, 1, 2) and of isolation forest on the 64
    pixels (random_state 42, 1, 2).

How to run:  bash test/bench/run-bench.sh conv   (or python3 test/bench/digits_conv.py
against the server in the environment).  Needs python3-psycopg2,
python3-numpy and python3-sklearn.  It creates the schema ae_conv_bench and
models conv_bench_*, dropped at the end.  Nothing is asserted.
"""

import csv
import io
import os
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from pgtext import bench_session

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "digits.csv")
SCHEMA = "ae_conv_bench"
SEEDS = [42, 1, 2]
ANOMALY_SETS = [(0, 17), (7, 18), (3, 31)]
KINDS = [("conv", "conv"), ("ae", None)]


def downsample(is_anom, share, seed):
    """Every inlier and a seeded sample of anomalies making share of the rows."""
    inl = np.where(~is_anom)[0]
    anom = np.where(is_anom)[0]
    k = min(int(round(share * len(inl) / (1.0 - share))), len(anom))
    chosen = np.random.default_rng(seed).choice(anom, size=k, replace=False)
    return np.sort(np.concatenate([inl, chosen]))


def load(cur, table, ids, digits, pixels):
    cur.execute("CREATE TABLE %s (id int, digit int, pixels real[])" % table)
    buf = io.StringIO()
    for i, d, p in zip(ids, digits, pixels):
        rows = ",".join("{%s}" % ",".join("%g" % v for v in p[r * 8:(r + 1) * 8]) for r in range(8))
        buf.write("%d\t%d\t{%s}\n" % (i, d, rows))
    buf.seek(0)
    cur.copy_expert("COPY %s FROM STDIN" % table, buf)


def train(cur, model, relation, kind, seed):
    t0 = time.perf_counter()
    cur.execute("SELECT * FROM ae_train(%s, %s, kind => %s, columns => ARRAY['pixels'], "
                "seed => %s)", (model, relation, kind, seed))
    cur.fetchall()
    cur.execute("SELECT (ae_info(model)->>'parameters')::int FROM ae_models WHERE name = %s",
                (model,))
    return cur.fetchone()[0], time.perf_counter() - t0


def main():
    with open(DATA, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    di = header.index("digit")
    pix_cols = [j for j, h in enumerate(header) if h.startswith("p")]
    digits = np.array([int(r[di]) for r in body])
    pixels = np.array([[float(r[j]) for j in pix_cols] for r in body])
    ids = np.arange(1, len(body) + 1)

    conn, cur = bench_session(SCHEMA)
    models = []
    try:
        table = SCHEMA + ".digits"
        load(cur, table, ids, digits, pixels)
        cur.execute("CREATE VIEW %s.train AS SELECT * FROM %s WHERE id %% 5 <> 0" % (SCHEMA, table))
        print("Held-out reconstruction: trained on 1,438 images (id % 5 <> 0), mean squared error")
        print("per pixel on the other 359 (pixel values 0..16); mean of seeds 42, 1, 2 (min-max).")
        print()
        print("%-6s %10s %12s  %-24s" % ("kind", "parameters", "train s", "held-out MSE (min-max)"))
        for tag, kind in KINDS:
            mse, secs = [], []
            for s in SEEDS:
                model = "conv_bench_rec_%s_%d" % (tag, s)
                models.append(model)
                nparams, sec = train(cur, model, SCHEMA + ".train", kind, s)
                secs.append(sec)
                cur.execute("SELECT avg((SELECT avg((a - b) ^ 2) FROM unnest("
                            "(ae_reconstruct(%%s, d)).pixels, d.pixels) u(a, b))) "
                            "FROM %s d WHERE mod(id, 5) = 0" % table, (model,))
                mse.append(cur.fetchone()[0])
            print("%-6s %10d %12.2f  %.3f (%.3f-%.3f)" % (tag, nparams, np.mean(secs),
                                                          np.mean(mse), min(mse), max(mse)))
        print()
        print("Anomaly ranking: one digit at 3% among all the others, trained on every row;")
        print("ROC-AUC, mean of seeds 42, 1, 2 (isolation forest: on the 64 pixels).")
        print()
        print("%-10s %6s %5s %8s %8s %8s" % ("anomaly", "rows", "anom", "conv", "ae", "IF"))
        means = {"conv": [], "ae": [], "IF": []}
        for digit, seed in ANOMALY_SETS:
            keep = downsample(digits == digit, 0.03, seed)
            label = digits[keep] == digit
            t = "%s.anom_%d" % (SCHEMA, digit)
            load(cur, t, ids[keep], digits[keep], pixels[keep])
            res = {}
            for tag, kind in KINDS:
                aucs = []
                for s in SEEDS:
                    model = "conv_bench_anom_%d_%s_%d" % (digit, tag, s)
                    models.append(model)
                    train(cur, model, t, kind, s)
                    cur.execute("SELECT ae_score(%%s, d) FROM %s d ORDER BY id" % t, (model,))
                    aucs.append(roc_auc_score(label, [r[0] for r in cur.fetchall()]))
                res[tag] = np.mean(aucs)
            res["IF"] = np.mean([roc_auc_score(label, -IsolationForest(random_state=s)
                                               .fit(pixels[keep]).score_samples(pixels[keep]))
                                 for s in SEEDS])
            for k in means:
                means[k].append(res[k])
            print("%-10s %6d %5d %8.3f %8.3f %8.3f" % ("digit %d" % digit, len(keep),
                                                        int(label.sum()), res["conv"], res["ae"],
                                                        res["IF"]))
        print("%-10s %6s %5s %8.3f %8.3f %8.3f" % ("mean", "", "", np.mean(means["conv"]),
                                                    np.mean(means["ae"]), np.mean(means["IF"])))
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
