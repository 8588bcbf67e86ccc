#!/usr/bin/env python3
"""Time series: every reading of a NAB series scored by the window of readings before it.

The 13 series of NAB's realKnownCause (7, real failures) and
artificialWithAnomaly (6, planted) in test/data/nab, with NAB's labelled
anomaly windows (windows.json).  For each series:

  * readings are standardised (the series' mean and sd), and each reading
    from the W-th on (W = 48 by default) gets the window of the last W
    readings, itself included: a row (ts, value, recent real[W]);
  * a reading is an anomaly when its timestamp lies inside one of the
    series' windows (the first W - 1 readings have no full window and are
    left out, labels included);
  * every method scores every row (transductive, as in ODDS: trained on all
    rows, labels left out), and the ROC-AUC of the score against the label
    is reported.

Methods, side by side in one run:
  * ae:       ae_train(<model>, <table>, columns => ARRAY['recent'], seed => s)
              with default options, seeds 42, 1, 2 (the mean of the three);
              score ae_score(<model>, row);
  * vae:      the same with kind => 'vae', seed 42;
  * lstm:     the same with kind => 'lstm', seeds 42, 1, 2 (the mean of the
              three): an LSTM reads the window step by step;
  * conv:     the same with kind => 'conv', seeds 42, 1, 2 (the mean of the
              three): 1-D convolutions along the window;
  * z-score:  the rolling z-score of the reading, |x_t - mean| / sd over the
              W - 1 readings before it (sd floored at 1e-9);
  * IF:       sklearn IsolationForest (defaults) on the windows as vectors,
              random_state 42, 1, 2 (the mean of the three); score =
              -score_samples.

How to run: against a PostgreSQL 15 server where the ae extension is
installed (connection settings from the environment, as for psql):

    bash test/bench/run-bench.sh nab             # throwaway cluster, then this
    python3 test/bench/nab_windows.py [--window W] [--series a,b]

Needs python3-psycopg2, python3-numpy and python3-sklearn.  Everything it
creates lives in the schema ae_nab_bench and the models nab_<series>_<method>,
dropped at the end.  Nothing is asserted: the figures are for reading.
"""

import argparse
import csv
import datetime
import io
import json
import os
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from pgtext import bench_session, copy_text

HERE = os.path.dirname(os.path.abspath(__file__))
NAB = os.path.join(HERE, "..", "data", "nab")
SCHEMA = "ae_nab_bench"
SEEDS = [42, 1, 2]

# short name, folder in windows.json, file
SERIES = [
    ("machine_temp", "realKnownCause", "machine_temperature_system_failure.csv"),
    ("cpu_asg", "realKnownCause", "cpu_utilization_asg_misconfiguration.csv"),
    ("ec2_latency", "realKnownCause", "ec2_request_latency_system_failure.csv"),
    ("ambient_temp", "realKnownCause", "ambient_temperature_system_failure.csv"),
    ("nyc_taxi", "realKnownCause", "nyc_taxi.csv"),
    ("rogue_hold", "realKnownCause", "rogue_agent_key_hold.csv"),
    ("rogue_updown", "realKnownCause", "rogue_agent_key_updown.csv"),
    ("art_flatmiddle", "artificialWithAnomaly", "art_daily_flatmiddle.csv"),
    ("art_jumpsdown", "artificialWithAnomaly", "art_daily_jumpsdown.csv"),
    ("art_jumpsup", "artificialWithAnomaly", "art_daily_jumpsup.csv"),
    ("art_nojump", "artificialWithAnomaly", "art_daily_nojump.csv"),
    ("art_spike_density", "artificialWithAnomaly", "art_increase_spike_density.csv"),
    ("art_lb_spikes", "artificialWithAnomaly", "art_load_balancer_spikes.csv"),
]


def parse_ts(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S")


def load_series(folder, path, W):
    """(timestamps, standardised values, windows (n, W), labels) of one series."""
    with open(os.path.join(NAB, "windows.json")) as f:
        spans = [(parse_ts(a), parse_ts(b)) for a, b in json.load(f)[folder + "/" + path]]
    with open(os.path.join(NAB, path), newline="") as f:
        rows = list(csv.reader(f))[1:]
    ts = [parse_ts(r[0]) for r in rows]
    v = np.array([float(r[1]) for r in rows])
    v = (v - v.mean()) / (v.std() or 1.0)
    win = np.lib.stride_tricks.sliding_window_view(v, W)          # (n - W + 1, W)
    label = np.array([any(a <= t <= b for a, b in spans) for t in ts[W - 1:]])
    return ts[W - 1:], v[W - 1:], win, label


def rolling_z(win):
    past = win[:, :-1]
    sd = np.maximum(past.std(axis=1), 1e-9)
    return np.abs(win[:, -1] - past.mean(axis=1)) / sd


def load_table(cur, table, ts, v, win):
    cur.execute("CREATE TABLE %s (ts timestamp, value float8, recent real[])" % table)
    buf = io.StringIO()
    for t, x, w in zip(ts, v, win):
        buf.write("%s\t%s\t{%s}\n" % (t.isoformat(" "), copy_text(float(x)),
                                      ",".join(repr(float(e)) for e in w)))
    buf.seek(0)
    cur.copy_expert("COPY %s FROM STDIN" % table, buf)


def ae_scores(cur, table, model, kind, seed):
    cur.execute("SELECT * FROM ae_train(%s, %s, kind => %s, columns => ARRAY['recent'], "
                "seed => %s)", (model, table, kind, seed))
    cur.fetchall()
    cur.execute("SELECT ae_score(%%s, t) FROM %s t ORDER BY ts" % table, (model,))
    return np.array([r[0] for r in cur.fetchall()], dtype=float)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--window", type=int, default=48)
    ap.add_argument("--series", default=",".join(s[0] for s in SERIES))
    args = ap.parse_args()
    W = args.window
    chosen = [s for s in SERIES if s[0] in args.series.split(",")]

    conn, cur = bench_session(SCHEMA)
    res = {}
    secs = {"ae": 0.0, "vae": 0.0, "lstm": 0.0, "conv": 0.0, "IF": 0.0, "z": 0.0}
    models = []
    try:
        for name, folder, path in chosen:
            ts, v, win, label = load_series(folder, path, W)
            table = "%s.%s" % (SCHEMA, name)
            load_table(cur, table, ts, v, win)
            r = {"rows": len(label), "anom": int(label.sum())}
            t0 = time.perf_counter()
            r["ae3"] = []
            for s in SEEDS:
                model = "nab_%s_ae_%d" % (name, s)
                models.append(model)
                r["ae3"].append(roc_auc_score(label, ae_scores(cur, table, model, None, s)))
            secs["ae"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            model = "nab_%s_vae" % name
            models.append(model)
            r["vae"] = roc_auc_score(label, ae_scores(cur, table, model, "vae", 42))
            secs["vae"] += time.perf_counter() - t0
            for kind in ("lstm", "conv"):
                t0 = time.perf_counter()
                aucs = []
                for s in SEEDS:
                    model = "nab_%s_%s_%d" % (name, kind, s)
                    models.append(model)
                    aucs.append(roc_auc_score(label, ae_scores(cur, table, model, kind, s)))
                r[kind] = float(np.mean(aucs))
                secs[kind] += time.perf_counter() - t0
            t0 = time.perf_counter()
            r["z"] = roc_auc_score(label, rolling_z(win))
            secs["z"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            r["if3"] = [roc_auc_score(label, -IsolationForest(random_state=s).fit(win)
                                      .score_samples(win)) for s in SEEDS]
            secs["IF"] += time.perf_counter() - t0
            res[name] = r
            cur.execute("DROP TABLE %s" % table)
            print("  %-18s done" % name, file=sys.stderr, flush=True)
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    print("NAB series, each reading scored by the window of the last %d readings (itself"
          % W)
    print("included); ROC-AUC of the score against \"inside a labelled anomaly window\".")
    print("ae, lstm, conv: default options, mean of seeds 42, 1, 2 (ae: min-max); vae: defaults,")
    print("seed 42;")
    print("z-score: rolling, of the reading against the %d before it; IF: isolation forest on"
          % (W - 1))
    print("the windows, mean of 3 seeds.")
    print()
    hdr = "%-18s %6s %5s  %-21s %6s %6s %6s %6s %6s" % ("series", "rows", "anom", "ae (min-max)",
                                                        "vae", "lstm", "conv", "IF", "z")
    for group, title in (("realKnownCause", "real failures"),
                         ("artificialWithAnomaly", "planted anomalies")):
        names = [s[0] for s in chosen if s[1] == group and s[0] in res]
        if not names:
            continue
        print("%s (%s)" % (group, title))
        print(hdr)
        print("-" * len(hdr))
        for n in names:
            r = res[n]
            print("%-18s %6d %5d  %.3f (%.3f-%.3f)    %6.3f %6.3f %6.3f %6.3f %6.3f"
                  % (n, r["rows"], r["anom"], np.mean(r["ae3"]), min(r["ae3"]), max(r["ae3"]),
                     r["vae"], r["lstm"], r["conv"], np.mean(r["if3"]), r["z"]))
        print("-" * len(hdr))
        print("%-18s %6s %5s  %.3f                  %6.3f %6.3f %6.3f %6.3f %6.3f"
              % ("mean of %d" % len(names), "", "", np.mean([np.mean(res[n]["ae3"]) for n in names]),
                 np.mean([res[n]["vae"] for n in names]), np.mean([res[n]["lstm"] for n in names]),
                 np.mean([res[n]["conv"] for n in names]),
                 np.mean([np.mean(res[n]["if3"]) for n in names]),
                 np.mean([res[n]["z"] for n in names])))
        print()
    print("Seconds: ae %.1f (3 models per series, train + score), vae %.1f, lstm %.1f (3 models), "
          "conv %.1f (3 models), IF %.1f, z %.1f"
          % (secs["ae"], secs["vae"], secs["lstm"], secs["conv"], secs["IF"], secs["z"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
