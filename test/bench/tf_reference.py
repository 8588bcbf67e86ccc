#!/usr/bin/env python3
"""The transformer kind against a PyTorch implementation of the same model.

The transformer kind is trained by ae and by PyTorch with the same
encoding, architecture, initialisation, masking, loss, optimiser and
schedule, on the same rows, and both are compared by the held-out loss
that ae_score (score "reconstruction") gives: for each observed cell of a
held-out row, the loss of that cell predicted with it alone hidden; the
row's weighted mean of those; the mean over the held-out rows.

Data (complete rows only, ids 1..n in file order; held out: id % 5 = 0):

  breastcancer  test/data/breastcancer.csv without Id: nine numeric
                columns (values 1..10) and class (benign / malignant,
                categorical); 683 complete rows.
  penguins      test/data/penguins.csv: species, island and sex
                (categorical), bill length and depth, flipper length and
                body mass (numeric); 333 complete rows.

The model (ae's defaults: depth 2, heads 4, width 32, mask 0.5; the latent
ae chose from the data): a token per column, its column's embedding plus
its value's — the column's inputs (a standardised number, a category's
one-hot with an "other" class) times its rows of a value embedding — or,
for a hidden cell, a shared mask token.  Two pre-norm blocks, each

    h += Wo · attention(LN1(h) Wq, LN1(h) Wk, LN1(h) Wv)   (4 heads, scaled
                                    dot products; hidden tokens are not keys)
    h += W2 · gelu_tanh(W1 · LN2(h))                        (W1: 32 → 128)

then a final layer norm (eps 1e-5); the latent is a dense layer of the mean
final token, and column c's head is a dense layer of [final token c;
latent] to its outputs (1 for a number, ncat + 1 logits for a category).
Embeddings U(±sqrt(3/D)), dense weights Xavier-uniform (each head's fans
its own), zero biases, layer norms the identity.

Training, both sides: each batch hides each observed cell with probability
0.5 (a fresh draw for every batch); the loss of a row is the weighted mean
over its hidden cells of the cell losses (squared error for numbers,
softmax cross-entropy for categories; weights from ae_info: 1 for numbers,
1 / entropy for categories), 0 for a row with none hidden; the batch's loss
the mean over its rows.  Adam (lr 0.002, betas 0.9 / 0.999, eps 1e-8, no
weight decay), global gradient norm clipped at 5, shuffled batches of 64,
a fixed number of epochs, val_share 0 (the last epoch's weights); seeds 1,
2, 3.  The standardisation and the column weights are ae's, read from
ae_info(model)->'columns'.

Also printed: the training loss of the last 10 epochs on both sides, and
how far the PyTorch network, given each of ae's trained models (the
parameters at the end of the model's bytes), is from ae_score's held-out
scores row by row: the same function, so about 1e-6.

How to run:  bash test/bench/run-bench.sh tfref   (needs python3-torch)
or /usr/bin/python3 test/bench/tf_reference.py against the server in the
environment.  Options: --sets breastcancer,penguins  --seeds 1,2,3.
Everything it creates lives in the schema ae_bench_tf, dropped at the end
with its models.  A minute or two of CPU (PyTorch on one thread); 3 to 5
minutes on 2 cores.
"""

import argparse
import csv
import io
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from pgtext import bench_session, copy_text, qi

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
SCHEMA = "ae_bench_tf"
DEPTH, HEADS, WIDTH, MASK = 2, 4, 32, 0.5
LR = 0.002
BATCH = 64
CLIP = 5.0
LN_EPS = 1e-5
TAIL = 10               # epochs at the end whose training loss is reported


# --------------------------------------------------------------------------
# data: the complete rows of a CSV file, as (columns, rows)
# --------------------------------------------------------------------------

def read_csv(path, columns, missing):
    """columns: (csv header, table column, SQL type); rows with a missing value are dropped."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    pos = [header.index(h) for h, _, _ in columns]
    out = []
    for r in rows[1:]:
        vals = [r[p] for p in pos]
        if any(v in missing for v in vals):
            continue
        out.append([v if t == "text" else int(v) if t == "int" else float(v)
                    for v, (_, _, t) in zip(vals, columns)])
    return [(c, t) for _, c, t in columns], out


def breastcancer():
    names = ["Cl.thickness", "Cell.size", "Cell.shape", "Marg.adhesion", "Epith.c.size",
             "Bare.nuclei", "Bl.cromatin", "Normal.nucleoli", "Mitoses"]
    cols = [(n, n.lower().replace(".", "_"), "int") for n in names] + [("Class", "class", "text")]
    return read_csv(os.path.join(DATA, "breastcancer.csv"), cols, {"", "NA"})


def penguins():
    cols = [("species", "species", "text"), ("island", "island", "text"),
            ("bill_length_mm", "bill_length_mm", "float8"),
            ("bill_depth_mm", "bill_depth_mm", "float8"),
            ("flipper_length_mm", "flipper_length_mm", "int"),
            ("body_mass_g", "body_mass_g", "int"), ("sex", "sex", "text")]
    return read_csv(os.path.join(DATA, "penguins.csv"), cols, {"", "NA"})


SETS = {"breastcancer": (breastcancer, 150), "penguins": (penguins, 250)}


def load(cur, table, cols, rows):
    cur.execute("CREATE TABLE %s (id int, %s)"
                % (table, ", ".join("%s %s" % (qi(c), t) for c, t in cols)))
    buf = io.StringIO()
    for i, r in enumerate(rows, start=1):
        buf.write("\t".join([str(i)] + [copy_text(v) for v in r]) + "\n")
    buf.seek(0)
    cur.copy_expert("COPY %s FROM STDIN" % table, buf)
    cur.execute("CREATE VIEW %s_train AS SELECT * FROM %s WHERE mod(id, 5) <> 0" % (table, table))


# --------------------------------------------------------------------------
# the encoding ae stored: per column its kind, value inputs, targets, weight
# --------------------------------------------------------------------------

class Encoding:
    def __init__(self, info, cols):
        byname = {c["name"]: c for c in info["columns"]}
        assert [c["name"] for c in info["columns"]] == [c for c, _ in cols], info["columns"]
        self.cols = [byname[c] for c, _ in cols]
        self.widths = [1 if c["kind"] == "numeric" else len(c["categories"]) + 1
                       for c in self.cols]
        for c in self.cols:
            assert c["kind"] in ("numeric", "categorical"), c
            assert c["missing_indicator"], c

    def encode(self, rows):
        """(value inputs (n, sum widths), targets (n, T): a number or a class index)."""
        n = len(rows)
        x = np.zeros((n, sum(self.widths)), dtype=np.float32)
        t = np.zeros((n, len(self.cols)), dtype=np.float32)
        off = 0
        for j, (c, w) in enumerate(zip(self.cols, self.widths)):
            for i, r in enumerate(rows):
                if c["kind"] == "numeric":
                    v = float(r[j])
                    if c["transform"] == "log1p":
                        v = math.log1p(v)
                    else:
                        assert c["transform"] == "none", c
                    t[i, j] = x[i, off] = (v - c["center"]) / c["scale"]
                else:
                    cats = c["categories"]
                    k = cats.index(r[j]) if r[j] in cats else len(cats)
                    t[i, j] = k
                    x[i, off + k] = 1
            off += w
        return x, t


# --------------------------------------------------------------------------
# the PyTorch model
# --------------------------------------------------------------------------

def xavier(lin):
    nn.init.xavier_uniform_(lin.weight)
    nn.init.zeros_(lin.bias)
    return lin


class Block(nn.Module):
    def __init__(self, D, H):
        super().__init__()
        self.H = H
        self.ln1 = nn.LayerNorm(D, eps=LN_EPS)
        self.q, self.k, self.v, self.o = (xavier(nn.Linear(D, D)) for _ in range(4))
        self.ln2 = nn.LayerNorm(D, eps=LN_EPS)
        self.f1 = xavier(nn.Linear(D, 4 * D))
        self.f2 = xavier(nn.Linear(4 * D, D))

    def forward(self, h, keep):
        B, T, D = h.shape
        dh = D // self.H
        x = self.ln1(h)
        q, k, v = (p(x).view(B, T, self.H, dh).transpose(1, 2) for p in (self.q, self.k, self.v))
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        s = s.masked_fill(~keep[:, None, None, :], float("-inf"))
        a = torch.softmax(s, dim=-1) @ v
        h = h + self.o(a.transpose(1, 2).reshape(B, T, D))
        return h + self.f2(nn.functional.gelu(self.f1(self.ln2(h)), approximate="tanh"))


class TfNet(nn.Module):
    def __init__(self, widths, D, H, K, L):
        super().__init__()
        T, n = len(widths), sum(widths)
        bound = math.sqrt(3.0 / D)
        self.col_emb = nn.Parameter(torch.empty(T, D).uniform_(-bound, bound))
        self.val_emb = nn.Parameter(torch.empty(n, D).uniform_(-bound, bound))
        self.mask_emb = nn.Parameter(torch.empty(D).uniform_(-bound, bound))
        # member[c, i]: value input i belongs to column c
        member = torch.zeros(T, n)
        off = 0
        for c, w in enumerate(widths):
            member[c, off:off + w] = 1
            off += w
        self.register_buffer("member", member)
        self.blocks = nn.ModuleList(Block(D, H) for _ in range(K))
        self.lnf = nn.LayerNorm(D, eps=LN_EPS)
        self.lat = xavier(nn.Linear(D, L))
        self.heads = nn.ModuleList(xavier(nn.Linear(D + L, w)) for w in widths)

    def forward(self, x, hidden):
        """x: (B, n) value inputs, hidden: (B, T) bool; the heads' outputs, one tensor a column."""
        tok = (x.unsqueeze(1) * self.member) @ self.val_emb
        h = self.col_emb + torch.where(hidden.unsqueeze(-1), self.mask_emb, tok)
        keep = ~hidden
        keep = keep | ~keep.any(dim=1, keepdim=True)     # a row that shows nothing: every key
        for blk in self.blocks:
            h = blk(h, keep)
        f = self.lnf(h)
        z = self.lat(f.mean(dim=1))
        cat = torch.cat([f, z.unsqueeze(1).expand(-1, f.shape[1], -1)], dim=2)
        return [head(cat[:, c]) for c, head in enumerate(self.heads)]


def cell_losses(enc, outs, t):
    """(B, T) unweighted loss of every cell."""
    ls = []
    for c, (col, o) in enumerate(zip(enc.cols, outs)):
        if col["kind"] == "numeric":
            ls.append((o[:, 0] - t[:, c]) ** 2)
        else:
            ls.append(nn.functional.cross_entropy(o, t[:, c].long(), reduction="none"))
    return torch.stack(ls, dim=1)


def torch_train(enc, L, x, t, epochs, seed):
    torch.manual_seed(seed)
    net = TfNet(enc.widths, WIDTH, HEADS, DEPTH, L)
    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    weight = torch.tensor([c["weight"] for c in enc.cols], dtype=torch.float32)
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)
    n, T = t.shape
    curve = []
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for s in range(0, n, BATCH):
            idx = perm[s:s + BATCH]
            hidden = torch.rand(len(idx), T) < MASK
            xb = xt[idx] * ~hidden.repeat_interleave(torch.tensor(enc.widths), dim=1)
            w = weight * hidden
            wsum = w.sum(dim=1)
            rows = (cell_losses(enc, net(xb, hidden), tt[idx]) * w).sum(dim=1) / wsum.clamp(min=1e-30)
            loss = rows.mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP)
            opt.step()
            total += loss.item() * len(idx)
        curve.append(total / n)
    return net, curve, time.perf_counter() - t0


@torch.no_grad()
def torch_score(enc, net, x, t):
    """ae_score 'reconstruction' of each row: every cell predicted with it alone hidden."""
    n, T = t.shape
    weight = torch.tensor([c["weight"] for c in enc.cols], dtype=torch.float32)
    hidden = torch.eye(T, dtype=torch.bool).repeat(n, 1)             # (n T, T)
    xr = torch.from_numpy(x).repeat_interleave(T, dim=0)
    xr = xr * ~hidden.repeat_interleave(torch.tensor(enc.widths), dim=1)
    tr = torch.from_numpy(t).repeat_interleave(T, dim=0)
    loss = cell_losses(enc, net(xr, hidden), tr).view(n, T, T)
    own = torch.diagonal(loss, dim1=1, dim2=2)                        # cell c from pass c
    return ((own * weight).sum(dim=1) / weight.sum()).double().numpy()


def load_ae_params(net, blob):
    """ae's trained weights into net: the model's bytes end with its parameter count and the
    parameters as little-endian float32, in the order of AeTfLayout (src/core/model.h)."""
    params = [net.col_emb, net.val_emb, net.mask_emb]
    for b in net.blocks:
        params += [b.ln1.weight, b.ln1.bias]
        for lin in (b.q, b.k, b.v, b.o):
            params += [lin.weight, lin.bias]
        params += [b.ln2.weight, b.ln2.bias, b.f1.weight, b.f1.bias, b.f2.weight, b.f2.bias]
    params += [net.lnf.weight, net.lnf.bias, net.lat.weight, net.lat.bias]
    params += [h.weight for h in net.heads] + [h.bias for h in net.heads]
    n = sum(p.numel() for p in params)
    blob = bytes(blob)
    assert int.from_bytes(blob[-4 * n - 4:-4 * n], "little") == n, "not a model of this layout"
    flat = torch.from_numpy(np.frombuffer(blob[-4 * n:], dtype="<f4").copy())
    off = 0
    with torch.no_grad():
        for p in params:
            p.copy_(flat[off:off + p.numel()].view_as(p))
            off += p.numel()


# --------------------------------------------------------------------------
# ae
# --------------------------------------------------------------------------

def ae_run(cur, table, name, cols, epochs, seed):
    options = ('{"val_share": 0, "mask": %g, "grad_clip": %g, "depth": %d, "heads": %d, '
               '"width": %d, "score": "reconstruction"}' % (MASK, CLIP, DEPTH, HEADS, WIDTH))
    t0 = time.perf_counter()
    cur.execute("SELECT 1 FROM ae_train(%s, %s, kind => 'transformer', columns => %s, "
                "epochs => %s, batch_size => %s, learning_rate => %s, seed => %s, options => %s)",
                (name, table + "_train", [c for c, _ in cols], epochs, BATCH, LR, seed, options))
    cur.fetchall()
    seconds = time.perf_counter() - t0
    cur.execute("SELECT ae_info(model) FROM ae_models WHERE name = %s", (name,))
    info = cur.fetchone()[0]
    o = info["options"]
    assert (o["kind"], o["depth"], o["heads"], o["width"], o["mask"], o["val_share"],
            o["grad_clip"], o["batch_size"], o["epochs"], o["weight_decay"],
            o["learning_rate"]) == \
        ("transformer", DEPTH, HEADS, WIDTH, MASK, 0, CLIP, BATCH, epochs, 0, LR), o
    cur.execute("SELECT ae_score(%%s, t) FROM %s t WHERE mod(id, 5) = 0 ORDER BY id" % table,
                (name,))
    scores = np.array([r[0] for r in cur.fetchall()])
    cur.execute("SELECT model FROM ae_models WHERE name = %s", (name,))
    return scores, seconds, info, cur.fetchone()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="breastcancer,penguins")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--epochs", type=int, default=0, help="instead of each set's own")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    torch.set_num_threads(1)

    conn, cur = bench_session(SCHEMA)
    models = []
    lines = []
    print("The transformer kind (depth %d, heads %d, width %d, mask %g) in ae and in PyTorch:"
          % (DEPTH, HEADS, WIDTH, MASK))
    print("held-out loss as ae_score 'reconstruction' defines it (each cell predicted with it")
    print("alone hidden), mean over the rows with id %% 5 = 0; seeds %s." % args.seeds)
    try:
        for set_name in args.sets.split(","):
            make, epochs = SETS[set_name]
            epochs = args.epochs or epochs
            cols, rows = make()
            table = "%s.%s" % (SCHEMA, set_name)
            load(cur, table, cols, rows)
            held = np.arange(1, len(rows) + 1) % 5 == 0
            ae_loss, ae_secs, ae_curve, enc, L, same = [], [], [], None, None, 0.0
            for s in seeds:
                name = "tf_ref_%s_%d" % (set_name, s)
                models.append(name)
                scores, secs, info, blob = ae_run(cur, table, name, cols, epochs, s)
                ae_loss.append(float(scores.mean()))
                ae_curve.append(np.mean(info["metrics"]["train_loss"][-TAIL:]))
                ae_secs.append(secs)
                if enc is None:
                    enc = Encoding(info, cols)
                    L = info["options"]["latent"]
                    x, t = enc.encode(rows)
                # ae's weights in the PyTorch model: the same scores, row by row?
                net = TfNet(enc.widths, WIDTH, HEADS, DEPTH, L)
                load_ae_params(net, blob)
                same = max(same, float(np.max(np.abs(torch_score(enc, net, x[held], t[held])
                                                      - scores) / scores)))
                print("  ae %s seed %d: %.4f, %.1f s" % (set_name, s, ae_loss[-1], secs),
                      file=sys.stderr, flush=True)
            pt_loss, pt_secs, pt_curve = [], [], []
            for s in seeds:
                net, curve, secs = torch_train(enc, L, x[~held], t[~held], epochs, s)
                pt_curve.append(np.mean(curve[-TAIL:]))
                pt_loss.append(float(torch_score(enc, net, x[held], t[held]).mean()))
                pt_secs.append(secs)
                print("  PyTorch %s seed %d: %.4f, %.1f s" % (set_name, s, pt_loss[-1], secs),
                      file=sys.stderr, flush=True)
            lines.append((set_name, int((~held).sum()), int(held.sum()), L, epochs,
                          ae_loss, pt_loss, np.mean(ae_secs), np.mean(pt_secs),
                          np.mean(ae_curve), np.mean(pt_curve), same))
    finally:
        cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    print()
    print("| set (train / held out, latent, epochs) | ae (min–max) | PyTorch (min–max) "
          "| ae / PyTorch − 1 | training s, ae / PyTorch |")
    print("|---|---|---|---|---|")
    for set_name, ntr, nho, L, ep, a, p, sa, sp, _, _, _ in lines:
        print("| %s (%d / %d, %d, %d) | %.4f (%.4f–%.4f) | %.4f (%.4f–%.4f) | %+.1f%% | %.1f / %.1f |"
              % (set_name, ntr, nho, L, ep, np.mean(a), min(a), max(a), np.mean(p), min(p),
                 max(p), 100 * (np.mean(a) / np.mean(p) - 1), sa, sp))
    print()
    for line in lines:
        print("%s: training loss (hidden cells, mean of the last %d epochs, mean over seeds):"
              " ae %.4f, PyTorch %.4f (%+.1f%%)" % (line[0], TAIL, line[-3], line[-2],
                                                  100 * (line[-3] / line[-2] - 1)))
        print("%s: ae's trained weights loaded into the PyTorch model give ae_score's held-out"
              " scores to %.1g (largest relative difference of a row)" % (line[0], line[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
