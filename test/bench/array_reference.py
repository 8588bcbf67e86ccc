#!/usr/bin/env python3
"""The lstm and conv kinds against PyTorch implementations of the same models.

Each kind is trained by ae and by PyTorch with the same architecture,
initialisation, loss, optimiser and schedule, on the same rows, and both
are compared by their mean reconstruction loss on held-out rows (squared
error in ae's standardised units, averaged over the elements; ae's is
ae_score with score "reconstruction"):

  lstm  NAB's nyc_taxi (test/data/nab), windows of the last 48 readings as
        recent real[48], every reading from the 48th on (10,273 rows);
        held out: rows whose position is a multiple of 5.
        ae: kind lstm, hidden [32], latent 12; PyTorch: nn.LSTM(1, 32) over
        the steps, Linear(32, 12) of the last state, h0 = tanh(Linear(12,
        32)), c0 = 0, nn.LSTM(12, 32) given the latent at every step,
        Linear(32, 1) per step.  LSTM weights U(±1/√32), forget-gate biases
        +1; linear layers Xavier-uniform, zero biases.  (PyTorch's LSTM has
        two bias vectors where ae's has one: their sum starts as the sum of
        two uniform draws instead of one.)
  conv  the digits (test/data/digits.csv) as pixels real[64] with shape
        [8, 8]; held out: id % 5 = 0 (359 of 1,797).
        ae: kind conv, hidden [16, 32], latent 16, tanh; PyTorch: Conv2d(1,
        16, 3, stride 2, padding 1), tanh, Conv2d(16, 32, 3, 2, 1), tanh,
        Linear(128, 16); Linear(16, 128), tanh, nearest upsampling to 4x4,
        Conv2d(32, 16, 3, 1, 1), tanh, upsampling to 8x8, Conv2d(16, 1, 3,
        1, 1).  Xavier-uniform weights (fans counting the kernel's taps),
        zero biases.

Both sides: the standardisation ae measured (read from ae_info, one centre
and scale for all elements), Adam with lr 0.002, gradient norm clipped at
5, batch 64, no masking, no validation split (the last epoch's weights),
the loss the mean squared error over a batch's elements; seeds 1, 2, 3.

How to run:  bash test/bench/run-bench.sh reference   (needs python3-torch)
or /usr/bin/python3 test/bench/array_reference.py against the server in the
environment.  Options: --kinds lstm,conv  --seeds 1,2,3.  Everything it
creates lives in the schema ae_bench_arrays, dropped at the end with its
models.  Takes about 3 minutes on 2 cores.
"""

import argparse
import csv
import io
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from pgtext import bench_session

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
SCHEMA = "ae_bench_arrays"
LR = 0.002
BATCH = 64
CLIP = 5.0
OPTIONS = '{"mask": 0, "val_share": 0, "grad_clip": 5, "score": "reconstruction"}'


# --------------------------------------------------------------------------
# data: (rows as float arrays, held-out flags, a table of them)
# --------------------------------------------------------------------------

def taxi(cur):
    with open(os.path.join(DATA, "nab", "nyc_taxi.csv"), newline="") as f:
        v = np.array([float(r[1]) for r in list(csv.reader(f))[1:]])
    win = np.lib.stride_tricks.sliding_window_view(v, 48)
    return win, "recent", "{%s}"


def digits(cur):
    with open(os.path.join(DATA, "digits.csv"), newline="") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([[float(x) for x in r[:64]] for r in rows]), "pixels", "{%s}"


def load(cur, table, x, column):
    cur.execute("CREATE TABLE %s (id int, %s real[])" % (table, column))
    buf = io.StringIO()
    for i, row in enumerate(x, start=1):
        buf.write("%d\t{%s}\n" % (i, ",".join(repr(float(e)) for e in row)))
    buf.seek(0)
    cur.copy_expert("COPY %s FROM STDIN" % table, buf)
    cur.execute("CREATE VIEW %s_train AS SELECT * FROM %s WHERE mod(id, 5) <> 0" % (table, table))


# --------------------------------------------------------------------------
# PyTorch models
# --------------------------------------------------------------------------

class SeqAE(nn.Module):
    def __init__(self, T, H, L):
        super().__init__()
        self.T = T
        self.enc = nn.LSTM(1, H, batch_first=True)
        self.lat = nn.Linear(H, L)
        self.init = nn.Linear(L, H)
        self.dec = nn.LSTM(L, H, batch_first=True)
        self.out = nn.Linear(H, 1)
        k = 1 / H ** 0.5
        for lstm in (self.enc, self.dec):
            for p in lstm.parameters():
                nn.init.uniform_(p, -k, k)
            with torch.no_grad():
                lstm.bias_ih_l0[H:2 * H] += 1
        for lin in (self.lat, self.init, self.out):
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, x):
        _, (h, _) = self.enc(x.unsqueeze(-1))
        z = self.lat(h[-1])
        h0 = torch.tanh(self.init(z)).unsqueeze(0)
        y, _ = self.dec(z.unsqueeze(1).expand(-1, self.T, -1), (h0, torch.zeros_like(h0)))
        return self.out(y).squeeze(-1)


class ConvAE(nn.Module):
    def __init__(self, L):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.Tanh(), nn.Conv2d(16, 32, 3, 2, 1),
                                 nn.Tanh(), nn.Flatten(), nn.Linear(128, L))
        self.dec_in = nn.Sequential(nn.Linear(L, 128), nn.Tanh())
        self.dec = nn.Sequential(nn.Upsample(size=(4, 4), mode="nearest"),
                                 nn.Conv2d(32, 16, 3, 1, 1), nn.Tanh(),
                                 nn.Upsample(size=(8, 8), mode="nearest"),
                                 nn.Conv2d(16, 1, 3, 1, 1))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        z = self.enc(x.view(-1, 1, 8, 8))
        return self.dec(self.dec_in(z).view(-1, 32, 2, 2)).view(-1, 64)


KINDS = {
    "lstm": dict(data=taxi, hidden=[32], latent=12, epochs=8,
                 model=lambda: SeqAE(48, 32, 12), options=OPTIONS),
    "conv": dict(data=digits, hidden=[16, 32], latent=16, epochs=60,
                 model=lambda: ConvAE(16),
                 options=OPTIONS[:-1] + ', "shape": [8, 8], "activation": "tanh"}'),
}


def torch_run(spec, xs_train, xs_held, seed):
    torch.manual_seed(seed)
    net = spec["model"]()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    xt = torch.tensor(xs_train, dtype=torch.float32)
    t0 = time.perf_counter()
    for _ in range(spec["epochs"]):
        perm = torch.randperm(len(xt))
        for s in range(0, len(xt), BATCH):
            b = xt[perm[s:s + BATCH]]
            loss = ((net(b) - b) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP)
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        xh = torch.tensor(xs_held, dtype=torch.float32)
        return float(((net(xh) - xh) ** 2).mean(dim=1).mean()), seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", default="lstm,conv")
    ap.add_argument("--seeds", default="1,2,3")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    torch.set_num_threads(2)

    conn, cur = bench_session(SCHEMA)
    models = []
    print("Held-out reconstruction loss (mean squared error in ae's standardised units) of ae")
    print("and of a PyTorch implementation of the same model; seeds %s." % args.seeds)
    print()
    print("%-5s %-8s %8s %8s %8s   %s" % ("kind", "side", "mean", "min", "max", "train s"))
    try:
        for kind in args.kinds.split(","):
            spec = KINDS[kind]
            x, column, _ = spec["data"](cur)
            table = "%s.%s" % (SCHEMA, kind)
            load(cur, table, x, column)
            held = (np.arange(1, len(x) + 1) % 5) == 0
            ae_loss, ae_secs, center, scale = [], [], None, None
            for s in seeds:
                name = "array_ref_%s_%d" % (kind, s)
                models.append(name)
                t0 = time.perf_counter()
                cur.execute("SELECT 1 FROM ae_train(%s, %s, kind => %s, columns => ARRAY[%s], "
                            "hidden => %s, latent => %s, epochs => %s, batch_size => %s, "
                            "learning_rate => %s, seed => %s, options => %s)",
                            (name, table + "_train", kind, column, spec["hidden"], spec["latent"],
                             spec["epochs"], BATCH, LR, s, spec["options"]))
                cur.fetchall()
                ae_secs.append(time.perf_counter() - t0)
                cur.execute("SELECT avg(ae_score(%%s, t)) FROM %s t WHERE mod(id, 5) = 0" % table,
                            (name,))
                ae_loss.append(float(cur.fetchone()[0]))
                cur.execute("SELECT ae_info(model)->'columns'->0 FROM ae_models WHERE name = %s",
                            (name,))
                col = cur.fetchone()[0]
                assert col["transform"] == "none", "the reference applies no log transform"
                center, scale = col["center"], col["scale"]
            xs = (x - center) / scale
            pt = [torch_run(spec, xs[~held], xs[held], s) for s in seeds]
            pt_loss = [p[0] for p in pt]
            print("%-5s %-8s %8.4f %8.4f %8.4f   %.1f" % (kind, "ae", np.mean(ae_loss), min(ae_loss),
                                                        max(ae_loss), np.mean(ae_secs)))
            print("%-5s %-8s %8.4f %8.4f %8.4f   %.1f" % (kind, "PyTorch", np.mean(pt_loss),
                                                        min(pt_loss), max(pt_loss),
                                                        np.mean([p[1] for p in pt])))
            print("%-5s %-8s %+7.1f%%" % (kind, "ae/PT-1", 100 * (np.mean(ae_loss) / np.mean(pt_loss) - 1)))
            sys.stdout.flush()
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
