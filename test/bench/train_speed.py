#!/usr/bin/env python3
"""Training speed of ae against PyTorch, and against the core's sgemm peak.

The data: speed.sql's recipe (test/bench/factor_rows.sql): 100,000 rows x
30 real columns, 4 standard-normal latent factors with loadings uniform in
[-1, 1] plus 0.2 (U - 0.5) noise, the same rows every run.

The same network and training in both:
  30-64-32-8-32-64-30, ReLU hidden layers, linear latent and outputs;
  batch 256, shuffled every epoch, 20 epochs; Adam (lr 2e-3, betas 0.9 and
  0.999, eps 1e-8), the gradient's global norm clipped at 5 (ae's default
  grad_clip); mean squared error on the columns standardised with the
  centre and scale ae's model records; no validation split, no masking.
  Weights start He-uniform before a ReLU and Glorot-uniform before a linear
  output, biases at zero, as ae initialises them (the random draws differ).

  * ae:      ae_train('name', 'table', hidden => ARRAY[64,32], latent => 8,
             epochs => 20, batch_size => 256, options => '{"activation":
             "relu","val_share":0,"mask":0}'), checked with ae_info to have
             30 inputs: the wall time of the whole call (reading the rows
             included) and the fitting seconds the model records.
  * PyTorch: the training loop alone, on a tensor already standardised,
             torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1: one core,
             as a backend has, and the backend's OPENBLAS_* variables (so
             its OpenBLAS picks the backend's kernels).

Each is run --repeats times (3); the best time is reported, and the last
run's final-epoch training loss (the mean over that epoch's batches, the
figure ae records).  Then test/bench/sgemm_peak (built by run-bench.sh
against the serial OpenBLAS the extension links, and run with the
backend's OPENBLAS_* environment, read from /proc/self/environ by the
backend, so that it picks the same kernels) gives the core's sgemm peak, and the training loop's GFLOP/s is set against it: 6 x 8,448
multiply-adds = 50.7 kFLOP per row-epoch (forward 2, backward 4).

How to run:  bash test/bench/run-bench.sh train  or, against the server in
the environment, /usr/bin/python3 test/bench/train_speed.py [--rows N]
[--repeats N] [--sgemm-peak PATH].  Everything lives in the schema
ae_bench_train, dropped at the end with its model.  Takes about 2 minutes.
Nothing is asserted: the figures are printed for reading.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgtext import bench_session  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "ae_bench_train"
MODEL = "bench_train_speed"
WIDTHS = [30, 64, 32, 8, 32, 64, 30]
HIDDEN_RELU = [True, True, False, True, True, False]  # after each layer
BATCH = 256
EPOCHS = 20
LEARNING_RATE = 2e-3
GRAD_CLIP = 5.0
# multiply-adds per row of the network, and FLOPs per row-epoch (forward 2, backward 4)
MADDS_PER_ROW = sum(a * b for a, b in zip(WIDTHS, WIDTHS[1:]))
FLOPS_PER_ROW_EPOCH = 6 * MADDS_PER_ROW


def train_ae(cur):
    """One ae_train of the benchmark's network: (wall seconds, summary row as a dict)."""
    options = {"activation": "relu", "val_share": 0, "mask": 0, "grad_clip": GRAD_CLIP}
    t0 = time.perf_counter()
    cur.execute("SELECT * FROM ae_train(%s, %s, hidden => ARRAY[64, 32], latent => 8, "
                "epochs => %s, batch_size => %s, learning_rate => %s, options => %s)",
                (MODEL, SCHEMA + ".train30", EPOCHS, BATCH, LEARNING_RATE, json.dumps(options)))
    row = cur.fetchone()
    wall = time.perf_counter() - t0
    return wall, dict(zip([d[0] for d in cur.description], row))


def torch_network(torch):
    """The benchmark's network, initialised as ae initialises a dense model."""
    layers = []
    for (nin, nout), relu in zip(zip(WIDTHS, WIDTHS[1:]), HIDDEN_RELU):
        lin = torch.nn.Linear(nin, nout)
        limit = (6.0 / nin) ** 0.5 if relu else (6.0 / (nin + nout)) ** 0.5
        torch.nn.init.uniform_(lin.weight, -limit, limit)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if relu:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def train_torch(torch, x):
    """PyTorch's training loop over tensor x: (seconds of the loop, last epoch's mean loss)."""
    torch.manual_seed(42)
    net = torch_network(torch)
    opt = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)
    mse = torch.nn.MSELoss()
    n = x.shape[0]
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        perm = torch.randperm(n)
        epoch_loss = 0.0
        for start in range(0, n, BATCH):
            xb = x[perm[start:start + BATCH]]
            opt.zero_grad(set_to_none=True)
            loss = mse(net(xb), xb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), GRAD_CLIP)
            opt.step()
            epoch_loss += loss.item() * xb.shape[0]
    return time.perf_counter() - t0, epoch_loss / n


def backend_openblas_env(cur):
    """The OPENBLAS_* variables of the backend's environment (they choose OpenBLAS's kernels)."""
    cur.execute("SELECT pg_read_binary_file('/proc/self/environ')")
    pairs = bytes(cur.fetchone()[0]).decode(errors="replace").split("\0")
    return dict(p.split("=", 1) for p in pairs if p.startswith("OPENBLAS_") and "=" in p)


def sgemm_figures(path, blas_env):
    """peak_gflops and step_gflops from sgemm_peak's output (None when not built), and the output;
    run with the backend's OPENBLAS_* variables in place of this process's."""
    if not os.path.exists(path):
        return None, None, "(%s not built: make test/bench/sgemm_peak)" % path
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    env.update(blas_env)
    env["OPENBLAS_NUM_THREADS"] = "1"
    out = subprocess.run([path, str(BATCH)] + [str(w) for w in WIDTHS], env=env,
                         check=True, capture_output=True, text=True).stdout
    figures = dict(line.split() for line in out.splitlines()
                   if line.startswith(("peak_gflops ", "step_gflops ")))
    return float(figures["peak_gflops"]), float(figures["step_gflops"]), out


def main():
    """Train with both, run sgemm_peak, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100000, help="training rows (100,000)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each trainer; the best counts")
    ap.add_argument("--sgemm-peak", default=os.path.join(HERE, "sgemm_peak"),
                    help="the sgemm_peak binary (test/bench/sgemm_peak)")
    args = ap.parse_args()

    conn, cur = bench_session(SCHEMA)
    # PyTorch's BLAS and sgemm_peak's pick their kernels as the backend's does,
    # on one thread: OpenBLAS reads these when it loads
    blas_env = backend_openblas_env(cur)
    for k in [k for k in os.environ if k.startswith("OPENBLAS_")]:
        del os.environ[k]
    os.environ.update(blas_env)
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"
    import torch
    torch.set_num_threads(1)
    try:
        cur.execute("SET search_path = %s, public" % SCHEMA)
        with open(os.path.join(HERE, "factor_rows.sql")) as f:
            cur.execute(f.read())
        cur.execute("SELECT bench_factor_table('train30', %s, 0.1)", (args.rows,))
        cur.execute("VACUUM ANALYZE train30")

        ae_runs = [train_ae(cur) for _ in range(args.repeats)]
        ae_wall = min(w for w, _ in ae_runs)
        ae_fit = min(s["seconds"] for _, s in ae_runs)
        cur.execute("SELECT ae_info(model) FROM ae_models WHERE name = %s", (MODEL,))
        info = cur.fetchone()[0]
        if isinstance(info, str):
            info = json.loads(info)
        ae_loss = info["metrics"]["train_loss"][-1]

        # the rows as ae's inputs: standardised with the centre and scale it recorded
        names = [c["name"] for c in info["columns"]]
        cur.execute("SELECT %s FROM train30" % ", ".join(names))
        data = np.array(cur.fetchall(), dtype=np.float64)
        centre = np.array([c["center"] for c in info["columns"]])
        scale = np.array([c["scale"] for c in info["columns"]])
        x = torch.from_numpy(((data - centre) / scale).astype(np.float32))
        torch_runs = [train_torch(torch, x) for _ in range(args.repeats)]
        torch_secs = min(s for s, _ in torch_runs)
        torch_loss = torch_runs[-1][1]
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = %s", (MODEL,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    peak, step, sgemm_out = sgemm_figures(args.sgemm_peak, blas_env)
    row_epochs = args.rows * EPOCHS
    print("Training %d rows x 30 real, network %s, batch %d, %d epochs, Adam lr %g, clip %g"
          % (args.rows, "-".join(map(str, WIDTHS)), BATCH, EPOCHS, LEARNING_RATE, GRAD_CLIP))
    print("ae model: %d inputs (ae_info), %d parameters, activation %s, mask %s, val_share %s"
          % (info["inputs"], info["parameters"], info["options"]["activation"],
             info["options"]["mask"], info["options"]["val_share"]))
    print("best of %d runs each; PyTorch %s, %d thread\n" % (args.repeats, torch.__version__,
                                                            torch.get_num_threads()))
    rows = [("ae_train, whole call (wall)", ae_wall, ae_loss),
            ("ae_train, fitting (recorded seconds)", ae_fit, ae_loss),
            ("PyTorch, training loop alone", torch_secs, torch_loss)]
    print("%-38s %9s %14s %10s %14s" % ("trainer", "seconds", "row-epochs/s", "GFLOP/s",
                                         "final loss"))
    for label, secs, loss in rows:
        print("%-38s %9.3f %14.0f %10.1f %14.6f" % (label, secs, row_epochs / secs,
                                                   row_epochs * FLOPS_PER_ROW_EPOCH / secs / 1e9,
                                                   loss))
    print()
    print("ae / PyTorch speed: %.2fx (fitting seconds), %.2fx (whole call); goal >= 4x"
          % (torch_secs / ae_fit, torch_secs / ae_wall))
    print("final loss, ae / PyTorch: %.3f (goal within ~5%%)" % (ae_loss / torch_loss))
    print("FLOPs: 6 x %d multiply-adds = %.1f kFLOP per row-epoch"
          % (MADDS_PER_ROW, FLOPS_PER_ROW_EPOCH / 1e3))
    print()
    print("sgemm_peak, with the backend's OpenBLAS variables (%s):"
          % (", ".join("%s=%s" % kv for kv in sorted(blas_env.items())) or "none"))
    print(sgemm_out.rstrip())
    if peak:
        ae_gflops = row_epochs * FLOPS_PER_ROW_EPOCH / ae_fit / 1e9
        print()
        print("ae's training loop: %.1f GFLOP/s = %.0f%% of the core's sgemm peak (%.1f GFLOP/s; "
              "goal >= 60%%), %.0f%% of what the step's products alone reach (%.1f GFLOP/s)"
              % (ae_gflops, 100 * ae_gflops / peak, peak, 100 * ae_gflops / step, step))


if __name__ == "__main__":
    main()
