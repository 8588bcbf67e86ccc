#!/usr/bin/env python3
"""The vae kind against a PyTorch reference implementation of the same model.

What it measures: whether ae's variational autoencoder, trained inside
PostgreSQL, reaches the same held-out negative ELBO as the same model written
in PyTorch, trained with the same data, encoding, architecture, loss,
optimiser and schedule.  Only the random draws differ (initial weights, batch
order, reparameterisation noise), so the two should agree to within the
seed-to-seed spread.

Protocol:

  * Data: test/data/digits.csv (1,797 8x8 images, pixels 0..16), loaded into
    a table with an id (1..1797, in file order).  The 64 pixel columns
    p0..p63 are modelled; id and digit are not.  Rows with id % 5 <> 0
    (1,438) train, rows with id % 5 = 0 (359) are held out.
  * ae: for seeds 1, 2, 3,
        ae_train('vae_ref_s<seed>', 'vae_train', kind => 'vae',
                 exclude => ARRAY['id', 'digit'], hidden => ARRAY[64],
                 latent => 8, epochs => 100, batch_size => 32,
                 learning_rate => 0.002, seed => <seed>,
                 options => '{"activation": "tanh", "mask": 0, "val_share": 0,
                              "grad_clip": 5, "beta": 1}')
    where vae_train is a view of the training rows.  mask 0 turns off the
    hiding of inputs (so there are no missing-value indicator inputs: 64
    inputs); val_share 0 trains on every training row and keeps the last
    epoch's weights.  The held-out negative ELBO of a row is ae_score (the
    vae's default score: squared reconstruction error of the decoding of the
    latent mean, summed over the 64 standardised columns, plus the KL term);
    its two parts come from ae_explain, whose per-column contributions sum
    to the reconstruction part and whose "(latent)" row is the KL term.
  * PyTorch, same seeds (torch.manual_seed): the columns encoded exactly as
    ae encoded them, read from ae_info(model)->'columns' (log1p where ae chose
    it, then (x - center) / scale; ae uses the population standard deviation
    and scale 1 for the constant columns p0, p32 and p39); the script also
    recomputes the centres and scales from the data and prints how far they
    are from ae's.  Encoder Linear(64, 64)-tanh-Linear(64, 16): the first 8
    outputs are the latent means, the last 8 the log-variances; z = mu +
    exp(logvar / 2) * eps, eps ~ N(0, I); decoder Linear(8, 64)-tanh-
    Linear(64, 64), linear outputs.  Loss per row = sum over the 64 columns
    of the squared error + beta (1) * sum over latent units of
    KL(N(mu, exp(logvar)) || N(0, 1)) = 0.5 (mu^2 + exp(logvar) - 1 - logvar);
    mean over the batch.  Xavier-uniform weights, zero biases; Adam (lr
    0.002, betas 0.9 / 0.999, eps 1e-8); global gradient-norm clipping at 5;
    100 epochs of shuffled batches of 32 (the last batch of an epoch holds
    the remaining 30 rows); float32.  Held out, the same negative ELBO as ae
    scores it: decode the latent mean (no sampling), reconstruction + KL.
  * Reported, per side and seed: the mean over held-out rows of the
    negative ELBO, of its reconstruction part and of its KL part, and the
    same negative ELBO on the training rows; then the mean and sample
    standard deviation over seeds per side, and the relative difference of
    ae's mean from the reference's mean.  Nothing is asserted.

How to run: against a PostgreSQL 15 server where the ae extension is
installed, connection settings from the environment as for psql.  Needs
python3-torch, python3-numpy and python3-psycopg2 (Debian packages; use
/usr/bin/python3).  From the repository root:

    bash test/bench/run-bench.sh vae            # installs, throwaway cluster, runs this
    /usr/bin/python3 test/bench/vae_reference.py # against the server in the environment

Options: --seeds 1,2,3  --epochs 100.  Everything it creates lives in the
schema ae_bench_vae, dropped at the end together with its models.
Takes about 20 seconds on 2 cores.
"""

import argparse
import csv
import io
import os
import sys
import time

import numpy as np
import torch

from pgtext import bench_session

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "data", "digits.csv")
SCHEMA = "ae_bench_vae"
PIXELS = ["p%d" % i for i in range(64)]

# the model, as both sides train it
HIDDEN = 64
LATENT = 8
BATCH = 32
LR = 0.002
GRAD_CLIP = 5.0
BETA = 1.0
OPTIONS = '{"activation": "tanh", "mask": 0, "val_share": 0, "grad_clip": 5, "beta": 1}'


def load_digits(cur, schema=SCHEMA, view="vae_train"):
    """The digits table in schema, ids 1..n in file order, and a view of its
    training rows (id % 5 <> 0); returns (ids, pixels, digit)."""
    with open(DIGITS, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header[:64] == PIXELS and header[64] == "digit"
    cur.execute("CREATE TABLE %s.digits (id int PRIMARY KEY, %s, digit int)"
                % (schema, ", ".join("%s int" % p for p in PIXELS)))
    buf = io.StringIO()
    for i, r in enumerate(body, start=1):
        buf.write("\t".join([str(i)] + r) + "\n")
    buf.seek(0)
    cur.copy_expert("COPY %s.digits FROM STDIN" % schema, buf)
    cur.execute("CREATE VIEW %s.%s AS SELECT * FROM %s.digits WHERE id %% 5 <> 0"
                % (schema, view, schema))
    ids = np.arange(1, len(body) + 1)
    x = np.array([[float(v) for v in r[:64]] for r in body])
    y = np.array([int(r[64]) for r in body])
    return ids, x, y


# --------------------------------------------------------------------------
# ae
# --------------------------------------------------------------------------

def train_ae(cur, seed, epochs):
    name = "vae_ref_s%d" % seed
    t0 = time.perf_counter()
    cur.execute(
        "SELECT train_loss FROM ae_train(%s, %s, kind => 'vae', exclude => ARRAY['id', 'digit'], "
        "hidden => ARRAY[%s], latent => %s, epochs => %s, batch_size => %s, "
        "learning_rate => %s, seed => %s, options => %s)",
        (name, SCHEMA + ".vae_train", HIDDEN, LATENT, epochs, BATCH, LR, seed, OPTIONS))
    cur.fetchone()
    seconds = time.perf_counter() - t0
    cur.execute("SELECT ae_info(model) FROM ae_models WHERE name = %s", (name,))
    info = cur.fetchone()[0]
    return name, info, seconds


def ae_parts(cur, name, held_out):
    """Per-row (negative ELBO, reconstruction, KL) of ae's model on the held-out
    (or the training) rows, in id order."""
    cur.execute(
        "SELECT d.id, ae_score(%%s, d) AS score, "
        "       (SELECT sum(contribution) FILTER (WHERE column_name <> '(latent)') "
        "          FROM ae_explain(%%s, d)) AS recon, "
        "       (SELECT sum(contribution) FILTER (WHERE column_name = '(latent)') "
        "          FROM ae_explain(%%s, d)) AS kl "
        "  FROM %s.digits d WHERE (d.id %%%% 5 = 0) = %%s ORDER BY d.id" % SCHEMA,
        (name, name, name, held_out))
    rows = cur.fetchall()
    return np.array([[r[1], r[2], r[3]] for r in rows], dtype=np.float64)


# --------------------------------------------------------------------------
# PyTorch reference
# --------------------------------------------------------------------------

def encoding_from_info(info):
    """(log1p mask, centers, scales) of the 64 pixel columns, as ae stored them."""
    cols = {c["name"]: c for c in info["columns"]}
    assert sorted(cols) == sorted(PIXELS), "ae modelled other columns: %s" % sorted(cols)
    for p in PIXELS:
        assert cols[p]["kind"] == "numeric" and cols[p]["weight"] == 1 \
            and not cols[p]["missing_indicator"], cols[p]
    log1p = np.array([cols[p]["transform"] == "log1p" for p in PIXELS])
    center = np.array([cols[p]["center"] for p in PIXELS], dtype=np.float64)
    scale = np.array([cols[p]["scale"] for p in PIXELS], dtype=np.float64)
    return log1p, center, scale


def encode(x, log1p, center, scale):
    v = np.where(log1p, np.log1p(x), x)
    return ((v - center) / scale).astype(np.float32)


class VAE(torch.nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.enc1 = torch.nn.Linear(n_in, HIDDEN)
        self.enc2 = torch.nn.Linear(HIDDEN, 2 * LATENT)
        self.dec1 = torch.nn.Linear(LATENT, HIDDEN)
        self.dec2 = torch.nn.Linear(HIDDEN, n_in)
        for layer in (self.enc1, self.enc2, self.dec1, self.dec2):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)

    def encode(self, x):
        h = self.enc2(torch.tanh(self.enc1(x)))
        return h[:, :LATENT], h[:, LATENT:]

    def decode(self, z):
        return self.dec2(torch.tanh(self.dec1(z)))


def kl_normal(mu, logvar):
    return 0.5 * (mu * mu + torch.exp(logvar) - 1 - logvar).sum(dim=1)


def train_torch(x_train, seed, epochs):
    torch.manual_seed(seed)
    model = VAE(x_train.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    data = torch.from_numpy(x_train)
    n = data.shape[0]
    t0 = time.perf_counter()
    curve = []
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for start in range(0, n, BATCH):
            xb = data[perm[start:start + BATCH]]
            mu, logvar = model.encode(xb)
            # ae clamps the log-variance to [-30, 30] inside the exponential of the sample
            z = mu + torch.exp(0.5 * logvar.clamp(-30, 30)) * torch.randn_like(mu)
            recon = ((model.decode(z) - xb) ** 2).sum(dim=1)
            loss = (recon + BETA * kl_normal(mu, logvar)).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            opt.step()
            total += loss.item() * xb.shape[0]
        curve.append(total / n)
    return model, curve, time.perf_counter() - t0


@torch.no_grad()
def torch_parts(model, x):
    """Per-row (negative ELBO, reconstruction, KL), decoding the latent mean."""
    xt = torch.from_numpy(x)
    mu, logvar = model.encode(xt)
    recon = ((model.decode(mu) - xt) ** 2).sum(dim=1)
    kl = kl_normal(mu, logvar)
    return torch.stack([recon + kl, recon, kl], dim=1).double().numpy()


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def mean_sd(v):
    v = np.asarray(v, dtype=np.float64)
    return v.mean(), (v.std(ddof=1) if len(v) > 1 else float("nan"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--epochs", type=int, default=100)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s]
    torch.set_num_threads(1)

    conn, cur = bench_session(SCHEMA)
    models = []
    try:
        ids, x_raw, _ = load_digits(cur)
        held = ids % 5 == 0
        results = {"ae": [], "torch": []}     # per seed: (held-out parts (n, 3), train -ELBO, seconds)
        encoding = None
        curves = {"ae": [], "torch": []}     # per seed: training loss per epoch
        split_err = 0.0
        for seed in seeds:
            name, info, seconds = train_ae(cur, seed, args.epochs)
            models.append(name)
            opts = info["options"]
            assert (opts["hidden"], opts["latent"], opts["epochs"], opts["batch_size"],
                    opts["activation"], opts["mask"], opts["val_share"], opts["grad_clip"],
                    opts["beta"], opts["score"], info["inputs"]) == \
                ([HIDDEN], LATENT, args.epochs, BATCH, "tanh", 0, 0, 5, 1, "elbo", 64), opts
            if encoding is None:
                encoding = encoding_from_info(info)
            held_parts = ae_parts(cur, name, True)
            train_parts = ae_parts(cur, name, False)
            # ae_explain's parts must add up to ae_score
            split_err = max(split_err, np.max(np.abs(held_parts[:, 1] + held_parts[:, 2]
                                                     - held_parts[:, 0]) / held_parts[:, 0]))
            results["ae"].append((held_parts, train_parts[:, 0].mean(), seconds))
            curves["ae"].append(info["metrics"]["train_loss"])
            print("  ae seed %d: %.1f s" % (seed, seconds), file=sys.stderr, flush=True)

        log1p, center, scale = encoding
        # the same statistics recomputed from the training rows (population sd; 1 when constant)
        v = np.where(log1p, np.log1p(x_raw[~held]), x_raw[~held])
        c2, s2 = v.mean(axis=0), v.std(axis=0)
        s2 = np.where(s2 > 1e-12 * np.maximum(1, np.abs(c2)), s2, 1.0)
        x_train = encode(x_raw[~held], log1p, center, scale)
        x_test = encode(x_raw[held], log1p, center, scale)
        for seed in seeds:
            model, curve, seconds = train_torch(x_train, seed, args.epochs)
            curves["torch"].append(curve)
            results["torch"].append((torch_parts(model, x_test),
                                     torch_parts(model, x_train)[:, 0].mean(), seconds))
            print("  torch seed %d: %.1f s" % (seed, seconds), file=sys.stderr, flush=True)
    finally:
        if models:
            cur.execute("DELETE FROM ae_models WHERE name = ANY(%s)", (models,))
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        conn.close()

    n_train, n_test = int((~held).sum()), int(held.sum())
    print()
    print("vae on digits: ae against a PyTorch reference of the same model")
    print("  %d training rows (id %% 5 <> 0), %d held-out rows (id %% 5 = 0), 64 pixel columns"
          % (n_train, n_test))
    print("  64-%d-(2x%d) | %d-%d-64, tanh, beta %g, Adam lr %g, batch %d, %d epochs,"
          " grad clip %g, mask 0, val_share 0"
          % (HIDDEN, LATENT, LATENT, HIDDEN, BETA, LR, BATCH, args.epochs, GRAD_CLIP))
    print("  encoding (from ae_info): log1p on %s; scale 1 for the constant %s"
          % (", ".join(p for p, l in zip(PIXELS, log1p) if l),
             ", ".join(p for p, s in zip(PIXELS, scale) if s == 1)))
    print("  ae_score = ae_explain's column contributions + its (latent) row, to %.1g (relative)"
          % split_err)
    print("  centres / scales recomputed from the rows differ from ae's by at most %.1g / %.1g"
          " (relative)" % (np.max(np.abs(c2 - center) / np.maximum(np.abs(center), 1e-3)),
                           np.max(np.abs(s2 - scale) / scale)))
    print()
    print("Negative ELBO per row (squared error summed over the 64 standardised columns + KL),")
    print("mean over the %d held-out rows; the training-rows column is the same on the %d"
          " training rows." % (n_test, n_train))
    print()
    cols = ["side", "seed", "-ELBO held out", "reconstruction", "KL", "-ELBO training rows",
            "train s"]
    table = []
    agg = {}
    for side in ("ae", "torch"):
        label = "ae" if side == "ae" else "PyTorch"
        per_seed = []
        for seed, (parts, train_elbo, seconds) in zip(seeds, results[side]):
            m = parts.mean(axis=0)
            per_seed.append([m[0], m[1], m[2], train_elbo])
            table.append([label, str(seed), "%.2f" % m[0], "%.2f" % m[1], "%.2f" % m[2],
                          "%.2f" % train_elbo, "%.1f" % seconds])
        per_seed = np.array(per_seed)
        agg[side] = per_seed
        table.append([label, "mean ± sd"] +
                     ["%.2f ± %.2f" % mean_sd(per_seed[:, k]) for k in range(4)] + [""])
    a, t = agg["ae"].mean(axis=0), agg["torch"].mean(axis=0)
    table.append(["ae / PyTorch - 1", ""] + ["%+.1f%%" % (100 * (a[k] / t[k] - 1)) for k in range(4)]
                 + [""])
    width = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(cols)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(cols, width)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in width) + "|")
    for r in table:
        print("| " + " | ".join((v.ljust(w) if i < 2 else v.rjust(w))
                                for i, (v, w) in enumerate(zip(r, width))) + " |")
    print()
    # a pixel that is almost always 0 in training has a tiny scale, so a held-out row
    # with ink there costs hundreds: the held-out mean is driven by a few rows
    med = {s: np.mean([np.median(p[:, 0]) for p, _, _ in results[s]]) for s in results}
    top = {s: np.mean([np.sort(p[:, 0])[-5:].sum() / p[:, 0].sum() for p, _, _ in results[s]])
           for s in results}
    print("median held-out row -ELBO (mean over seeds): ae %.2f, PyTorch %.2f (%+.1f%%);"
          % (med["ae"], med["torch"], 100 * (med["ae"] / med["torch"] - 1)))
    print("share of the held-out total in its 5 worst rows: ae %.0f%%, PyTorch %.0f%%"
          % (100 * top["ae"], 100 * top["torch"]))
    epochs = [e for e in (1, 2, 5, 10, 25, 50, 100, 200, 500) if e < args.epochs] + [args.epochs]
    print("training loss (sampled -ELBO, mean over the epoch's batches), mean over seeds, by epoch:")
    for side, label in (("ae", "ae"), ("torch", "PyTorch")):
        c = np.mean(np.array(curves[side], dtype=np.float64), axis=0)
        print("  %-8s %s" % (label, "  ".join("%d: %.2f" % (e, c[e - 1]) for e in epochs)))


if __name__ == "__main__":
    main()
