/*
 * test_grad.c — gradient checks of the numeric core by centred finite
 * differences, built with AE_REAL_DOUBLE so every buffer is double.
 *
 * For a scalar function f and each coordinate x_i, the analytic gradient is
 * compared with (f(x + h e_i) - f(x - h e_i)) / 2h.  The relative error of
 * one coordinate is |a - n| / max(|a| + |n|, GRAD_FLOOR): the floor keeps
 * coordinates whose true gradient is (nearly) zero from dividing rounding
 * noise by zero.  Each check prints its largest relative error and bounds it.
 *
 * Covered: a dense layer (input, weight, bias), every activation, every
 * loss, a whole mixed-column model (every parameter) with tanh, elu and
 * sigmoid, and each kind's penalty: its value against an independent
 * computation, then every parameter's gradient of the penalty alone and of
 * the whole training objective (ae_model_loss + ae_model_penalty) — sparse
 * with its sigmoid code and with the linear latent of formats 1 to 4,
 * contractive with tanh, sigmoid, elu and relu at a fixed probe (and the
 * mean over many probes against the encoder's Jacobian), vae with beta 1
 * and 2.5, and cvae, the variational kinds with a fixed nonzero eps; the
 * aae's adversarial term under a fixed discriminator and the
 * discriminator's own loss; the LSTM layer, both paths, with sequences of
 * different lengths; the conv layer and the conv kind; the transformer's
 * layers: layer norm (input, gamma, beta) and multi-head self-attention
 * (q, k, v; keys dropped by a mask), both paths, GELU, and an attention
 * block composed of them with dense layers (input and every parameter).
 */
#include "core/adversary.h"
#include "core/attn.h"
#include "core/conv.h"
#include "core/dense.h"
#include "core/loss.h"
#include "core/lstm.h"
#include "core/model.h"
#include "core/rng.h"
#include "unit.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#ifndef AE_REAL_DOUBLE
#error "test_grad.c must be compiled with -DAE_REAL_DOUBLE"
#endif

#define GRAD_H 3e-5				/* step: balances h² truncation against ε/h rounding */
#define GRAD_FLOOR 1e-6			/* denominator floor of the relative error */
#define GRAD_TOL 1e-6			/* largest relative error accepted */

static AeRng rng;

/* Uniform double in [lo, hi). */
static double
unif(double lo, double hi)
{
	return lo + (hi - lo) * ae_rng_uniform(&rng);
}

/* Fill a[0..n) uniformly from [lo, hi). */
static void
fill(ae_real *a, size_t n, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		a[i] = unif(lo, hi);
}

/* Relative error of analytic gradient a against numeric gradient n, below floor absolute. */
static double
rel_err_floor(double a, double n, double floor)
{
	double		den = fabs(a) + fabs(n);

	return fabs(a - n) / (den > floor ? den : floor);
}

/* Relative error of analytic gradient a against numeric gradient n. */
static double
rel_err(double a, double n)
{
	return rel_err_floor(a, n, GRAD_FLOOR);
}

/* Print the largest relative error of a check and bound it. */
static void
report(const char *what, double max_err, int ncoords)
{
	printf("   %-40s max rel err %.3e over %d coords\n", what, max_err, ncoords);
	CHECK(max_err < GRAD_TOL, "%s: max relative error %.3e, expected < %.0e",
		  what, max_err, GRAD_TOL);
}

/*
 * Largest relative error of grad against centred differences of loss(arg)
 * over v[0..n), below floor absolute: the check every layer test below
 * shares.
 */
static double
fd_worst_floor(double (*loss) (void *), void *arg, ae_real *v, const ae_real *grad, int n,
			   double floor)
{
	double		worst = 0;

	for (int i = 0; i < n; i++)
	{
		double		save = v[i],
					lp,
					lm;

		v[i] = save + GRAD_H;
		lp = loss(arg);
		v[i] = save - GRAD_H;
		lm = loss(arg);
		v[i] = save;
		worst = fmax(worst, rel_err_floor(grad[i], (lp - lm) / (2 * GRAD_H), floor));
	}
	return worst;
}

/* fd_worst_floor with GRAD_FLOOR. */
static double
fd_worst(double (*loss) (void *), void *arg, ae_real *v, const ae_real *grad, int n)
{
	return fd_worst_floor(loss, arg, v, grad, n, GRAD_FLOOR);
}

/* ---- dense layer ---- */

typedef struct DenseCase
{
	int			B,
				nin,
				nout;
	ae_real    *inp,
			   *w,
			   *b,
			   *coef,
			   *out;
} DenseCase;

/* Scalar loss of a dense layer: sum(out * coef). */
static double
dense_loss(DenseCase *c)
{
	double		s = 0;

	ae_dense_forward(c->out, c->inp, c->w, c->b, c->B, c->nin, c->nout);
	for (int i = 0; i < c->B * c->nout; i++)
		s += c->out[i] * c->coef[i];
	return s;
}

/* Largest relative error of grad against finite differences of dense_loss over x[0..n). */
static double
dense_fd(DenseCase *c, ae_real *x, const ae_real *grad, int n)
{
	double		worst = 0;

	for (int i = 0; i < n; i++)
	{
		double		save = x[i],
					lp,
					lm,
					e;

		x[i] = save + GRAD_H;
		lp = dense_loss(c);
		x[i] = save - GRAD_H;
		lm = dense_loss(c);
		x[i] = save;
		e = rel_err(grad[i], (lp - lm) / (2 * GRAD_H));
		if (e > worst)
			worst = e;
	}
	return worst;
}

/* ae_dense_backward against finite differences of ae_dense_forward. */
static void
test_dense(void)
{
	static const int shapes[][3] = {{4, 5, 3}, {1, 7, 2}, {3, 1, 6}};
	UnitRegion	reg;

	unit_region_init(&reg);
	for (int s = 0; s < 3; s++)
	{
		DenseCase	c;
		const AeAlloc *a = &reg.alloc;
		ae_real    *dinp,
				   *dw,
				   *db;
		char		what[64];

		c.B = shapes[s][0];
		c.nin = shapes[s][1];
		c.nout = shapes[s][2];
		c.inp = ae_alloc(a, sizeof(ae_real) * c.B * c.nin);
		c.w = ae_alloc(a, sizeof(ae_real) * c.nout * c.nin);
		c.b = ae_alloc(a, sizeof(ae_real) * c.nout);
		c.coef = ae_alloc(a, sizeof(ae_real) * c.B * c.nout);
		c.out = ae_alloc(a, sizeof(ae_real) * c.B * c.nout);
		dinp = ae_alloc(a, sizeof(ae_real) * c.B * c.nin);
		dw = ae_alloc(a, sizeof(ae_real) * c.nout * c.nin);	/* zeroed */
		db = ae_alloc(a, sizeof(ae_real) * c.nout);
		fill(c.inp, c.B * c.nin, -1, 1);
		fill(c.w, c.nout * c.nin, -1, 1);
		fill(c.b, c.nout, -1, 1);
		fill(c.coef, c.B * c.nout, -1, 1);

		/* d loss / d out = coef */
		ae_dense_backward(dinp, dw, db, c.coef, c.inp, c.w, c.B, c.nin, c.nout);

		snprintf(what, sizeof(what), "dense %dx%d->%d d/input", c.B, c.nin, c.nout);
		report(what, dense_fd(&c, c.inp, dinp, c.B * c.nin), c.B * c.nin);
		snprintf(what, sizeof(what), "dense %dx%d->%d d/weight", c.B, c.nin, c.nout);
		report(what, dense_fd(&c, c.w, dw, c.nout * c.nin), c.nout * c.nin);
		snprintf(what, sizeof(what), "dense %dx%d->%d d/bias", c.B, c.nin, c.nout);
		report(what, dense_fd(&c, c.b, db, c.nout), c.nout);
	}
	unit_region_free(&reg);
}

/* ---- activations ---- */

/* act(x) of one value. */
static double
act1(int act, double x)
{
	ae_real		v = x;

	ae_act_forward(act, &v, 1);
	return v;
}

/* ae_act_backward (written in terms of the output) against finite differences. */
static void
test_activations(void)
{
	enum
	{
		N = 200
	};

	for (int act = 0; act < AE_ACT_COUNT; act++)
	{
		ae_real		x[N],
					y[N],
					d[N],
					coef[N];
		double		worst = 0;
		char		what[64];

		for (int i = 0; i < N; i++)
		{
			/* relu and elu have a kink (or a kink in f'') at 0: stay away from it */
			do
				x[i] = unif(-4, 4);
			while ((act == AE_ACT_RELU || act == AE_ACT_ELU) && fabs(x[i]) < 1e-3);
			coef[i] = unif(-1, 1);
		}
		memcpy(y, x, sizeof(x));
		ae_act_forward(act, y, N);
		memcpy(d, coef, sizeof(coef));
		ae_act_backward(act, d, y, N);	/* d = coef * act'(x) */

		for (int i = 0; i < N; i++)
		{
			double		num = coef[i] * (act1(act, x[i] + GRAD_H) - act1(act, x[i] - GRAD_H)) / (2 * GRAD_H);
			double		e = rel_err(d[i], num);

			if (e > worst)
				worst = e;
		}
		snprintf(what, sizeof(what), "activation %s", ae_act_name(act));
		report(what, worst, N);
	}
	CHECK(ae_act_name(AE_ACT_COUNT) == NULL && ae_act_name(-1) == NULL,
		  "ae_act_name is NULL out of range");
	for (int act = 0; act < AE_ACT_COUNT; act++)
		CHECK(ae_act_from_name(ae_act_name(act)) == act, "activation %d round-trips by name", act);
	CHECK(ae_act_from_name("swish") == -1, "unknown activation name gives -1");
}

/* ---- losses ---- */

/* Squared error and BCE with logits, over values including large logits. */
static void
test_scalar_losses(void)
{
	double		worst_sq = 0,
				worst_bce = 0;
	int			n = 0;

	for (int i = 0; i < 100; i++)
	{
		ae_real		y = unif(-5, 5),
					t = unif(-5, 5),
					dy;
		double		num;

		ae_loss_squared(y, t, &dy);
		num = (ae_loss_squared(y + GRAD_H, t, NULL) - ae_loss_squared(y - GRAD_H, t, NULL)) / (2 * GRAD_H);
		if (rel_err(dy, num) > worst_sq)
			worst_sq = rel_err(dy, num);
	}
	report("loss squared", worst_sq, 100);

	for (int i = 0; i < 120; i++)
	{
		/* the last rows probe logits far in the saturated tails */
		ae_real		z = i < 100 ? unif(-8, 8) : (i % 2 ? 1 : -1) * unif(20, 40),
					t = (ae_real) (i % 2 == (i / 2) % 2),
					dz;
		double		num,
					l;

		l = ae_loss_bce_logit(z, t, &dz);
		num = (ae_loss_bce_logit(z + GRAD_H, t, NULL) - ae_loss_bce_logit(z - GRAD_H, t, NULL)) / (2 * GRAD_H);
		if (rel_err(dz, num) > worst_bce)
			worst_bce = rel_err(dz, num);
		CHECK(isfinite(l) && l >= 0, "bce loss finite and non-negative at z=%g t=%g", z, t);
		n++;
	}
	report("loss bce_logit", worst_bce, n);
	CHECK(fabs(ae_loss_bce_logit(0, 1, NULL) - log(2.0)) < 1e-12, "bce at z=0 is log 2");
}

/* Softmax cross-entropy over k logits, for every target class. */
static void
test_softmax_ce(void)
{
	double		worst = 0;
	int			n = 0;

	for (int k = 1; k <= 6; k++)
		for (int t = 0; t < k; t++)
		{
			ae_real		z[6],
						dz[6];
			double		sum = 0;

			fill(z, k, -4, 4);
			if (k == 6)
				z[2] = 60;		/* a large logit: the max is subtracted first */
			ae_loss_softmax_ce(z, k, t, dz);
			for (int i = 0; i < k; i++)
			{
				double		save = z[i],
							lp,
							lm;

				sum += dz[i];
				z[i] = save + GRAD_H;
				lp = ae_loss_softmax_ce(z, k, t, NULL);
				z[i] = save - GRAD_H;
				lm = ae_loss_softmax_ce(z, k, t, NULL);
				z[i] = save;
				if (rel_err(dz[i], (lp - lm) / (2 * GRAD_H)) > worst)
					worst = rel_err(dz[i], (lp - lm) / (2 * GRAD_H));
				n++;
			}
			CHECK(fabs(sum) < 1e-12, "softmax gradient sums to 0 (k=%d t=%d): %g", k, t, sum);
		}
	report("loss softmax_ce", worst, n);
}

/* KL(N(mu, e^logvar) || N(0, 1)) with respect to mu and logvar. */
static void
test_kl_normal(void)
{
	double		worst_mu = 0,
				worst_lv = 0;

	for (int i = 0; i < 100; i++)
	{
		ae_real		mu = unif(-3, 3),
					lv = unif(-3, 3),
					dmu,
					dlv;
		double		nmu,
					nlv;

		ae_loss_kl_normal(mu, lv, &dmu, &dlv);
		nmu = (ae_loss_kl_normal(mu + GRAD_H, lv, NULL, NULL) -
			   ae_loss_kl_normal(mu - GRAD_H, lv, NULL, NULL)) / (2 * GRAD_H);
		nlv = (ae_loss_kl_normal(mu, lv + GRAD_H, NULL, NULL) -
			   ae_loss_kl_normal(mu, lv - GRAD_H, NULL, NULL)) / (2 * GRAD_H);
		if (rel_err(dmu, nmu) > worst_mu)
			worst_mu = rel_err(dmu, nmu);
		if (rel_err(dlv, nlv) > worst_lv)
			worst_lv = rel_err(dlv, nlv);
	}
	report("loss kl_normal d/mu", worst_mu, 100);
	report("loss kl_normal d/logvar", worst_lv, 100);
	CHECK(fabs(ae_loss_kl_normal(0, 0, NULL, NULL)) < 1e-15, "KL of N(0,1) to itself is 0");
}

/* ---- whole model ---- */

#define GB 9					/* rows of the checked batch */
#define GNC 4					/* columns of the mixed model */
#define KINK_GAP 1e-3			/* relu and elu pre-activations kept this far from 0 */

static char *colour_cats[] = {"red", "green", "blue"};

/* Four mixed columns: numeric, boolean, categorical (3 values), numeric with a missing indicator. */
static void
mixed_columns(AeColumn cols[GNC])
{
	memset(cols, 0, sizeof(AeColumn) * GNC);
	for (int c = 0; c < GNC; c++)
	{
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	strcpy(cols[0].name, "amount");
	cols[0].kind = AE_COL_NUMERIC;
	strcpy(cols[1].name, "active");
	cols[1].kind = AE_COL_BOOLEAN;
	strcpy(cols[2].name, "colour");
	cols[2].kind = AE_COL_CATEGORICAL;
	cols[2].ncat = 3;
	cols[2].cats = colour_cats;
	strcpy(cols[3].name, "score");
	cols[3].kind = AE_COL_NUMERIC;
	cols[3].flags = AE_COLFLAG_INDICATOR;
	cols[3].weight = 0.5f;
}

/* A model over the mixed columns, its work space and one batch, for gradient checks. */
typedef struct GradModel
{
	AeColumn	cols[GNC];
	AeModel		model;
	AeWork		work;
	UnitRegion	reg;
	ae_real		t[GB * GNC];
	uint8_t		m[GB * GNC];
	ae_real    *grads;			/* (nparams) */
	ae_real    *pre;			/* (GB, widest layer) scratch for pre-activations */
	int			nmissing;
} GradModel;

/*
 * Lay out a kind over the mixed columns (column 2, the categorical, flagged
 * as the condition when condition is set), hidden 6, 5 and latent 3; random
 * weights and biases; a random batch with about a quarter missing and the
 * last row entirely missing, its inputs in work.x.  The kind's options are
 * left zero for the caller to set.  Returns 0 when layout fails.
 */
static int
grad_model_init(GradModel *g, int kind, int act, int condition)
{
	AeModel    *md = &g->model;
	AeRng		init_rng;
	int			widest = 1;

	memset(g, 0, sizeof(*g));
	unit_region_init(&g->reg);
	mixed_columns(g->cols);
	if (condition)
		g->cols[2].flags = AE_COLFLAG_CONDITION;
	md->opt.kind = kind;
	md->opt.score = AE_KIND_IS_VARIATIONAL(kind) ? AE_SCORE_ELBO : AE_SCORE_RECONSTRUCTION;
	md->opt.activation = act;
	md->opt.latent_activation = ae_kind_latent_activation(kind);
	md->opt.nhidden = 2;
	md->opt.hidden[0] = 6;
	md->opt.hidden[1] = 5;
	md->opt.latent = 3;
	md->ncols = GNC;
	md->cols = g->cols;
	if (!CHECK(ae_model_layout(md) == AE_OK, "layout of the mixed %s model", ae_kind_name(kind)) ||
		!CHECK(ae_model_alloc_params(md, &g->reg.alloc) == AE_OK, "alloc params"))
		return 0;
	ae_rng_seed(&init_rng, 42);
	ae_model_init_params(md, &init_rng);
	/* biases start at zero; give them generic values so their gradients are generic too */
	for (int l = 0; l < md->nlayers; l++)
		fill(md->params + md->layers[l].b_off, md->layers[l].nout, -0.3, 0.3);
	CHECK(ae_work_init(&g->work, md, GB, &g->reg.alloc) == AE_OK, "work init");
	g->grads = ae_alloc(&g->reg.alloc, sizeof(ae_real) * md->nparams);
	for (int l = 0; l < md->nlayers; l++)
		if (md->layers[l].nout > widest)
			widest = md->layers[l].nout;
	g->pre = ae_alloc(&g->reg.alloc, sizeof(ae_real) * GB * widest);

	for (int r = 0; r < GB; r++)
	{
		ae_real    *tr = g->t + r * GNC;
		uint8_t    *mr = g->m + r * GNC;

		tr[0] = ae_rng_normal(&rng);
		tr[1] = (ae_real) ae_rng_below(&rng, 2);
		tr[2] = (ae_real) ae_rng_below(&rng, 4);	/* 3 is the "other" class */
		tr[3] = ae_rng_normal(&rng);
		for (int c = 0; c < GNC; c++)
		{
			mr[c] = r == GB - 1 ? 0 : ae_rng_uniform(&rng) >= 0.25;
			g->nmissing += !mr[c];
		}
	}
	g->m[1 * GNC + 3] = 0;		/* the indicator input is exercised at least once */
	g->m[2 * GNC + 3] = 1;
	ae_model_inputs(md, g->t, g->m, g->work.x, GB);
	return 1;
}

/* Release a GradModel's memory. */
static void
grad_model_free(GradModel *g)
{
	unit_region_free(&g->reg);
}

/* Fill w.eps with fixed standard normal draws: the variational sample becomes deterministic. */
static void
fixed_eps(GradModel *g)
{
	for (int i = 0; i < GB * g->model.opt.latent; i++)
		g->work.eps[i] = ae_rng_normal(&rng);
}

/*
 * Smallest |pre-activation| over the batch, in the layers that have an
 * activation; for the contractive kind, in its second encoder pass too.
 */
static double
min_preactivation(GradModel *g)
{
	const AeModel *md = &g->model;
	double		least = INFINITY;

	ae_model_forward(md, &g->work, g->work.x, GB);
	ae_model_penalty(md, &g->work, g->work.x, GB, NULL);
	for (int pass = 0; pass < (g->work.probe ? 2 : 1); pass++)
		for (int l = 0; l < (pass ? md->nencoder : md->nlayers); l++)
		{
			const AeLayer *L = &md->layers[l];
			ae_real    *const *act = pass ? g->work.probe_act : g->work.act;
			const ae_real *inp = l == 0 ? (pass ? g->work.probe_x : g->work.x)
				: l == md->nencoder ? g->work.z : act[l - 1];

			if (L->act == AE_ACT_IDENTITY)
				continue;
			ae_dense_forward_naive(g->pre, inp, md->params + L->w_off, md->params + L->b_off,
								   GB, L->nin, L->nout);
			for (int i = 0; i < GB * L->nout; i++)
				least = fmin(least, fabs(g->pre[i]));
		}
	return least;
}

/*
 * Redraw the biases until no pre-activation is within KINK_GAP of 0, where
 * relu has a kink that a finite difference could straddle.  Returns the
 * gap found.
 */
static double
avoid_kinks(GradModel *g)
{
	double		gap = min_preactivation(g);

	for (int tries = 0; tries < 100 && gap < KINK_GAP; tries++)
	{
		for (int l = 0; l < g->model.nlayers; l++)
			fill(g->model.params + g->model.layers[l].b_off, g->model.layers[l].nout, -0.3, 0.3);
		gap = min_preactivation(g);
	}
	CHECK(gap >= KINK_GAP, "pre-activations at least %.0e from 0 (smallest %.3e)", KINK_GAP, gap);
	return gap;
}

/* The checked objective at the current parameters: the penalty, plus the loss when with_loss. */
static double
objective(GradModel *g, int with_loss)
{
	const ae_real *out = ae_model_forward(&g->model, &g->work, g->work.x, GB);
	double		f = ae_model_penalty(&g->model, &g->work, g->work.x, GB, NULL);

	if (with_loss)
		f += ae_model_loss(&g->model, out, g->t, g->m, GB, NULL, NULL);
	return f;
}

/*
 * Every parameter's gradient from ae_model_backward against centred
 * differences of objective: with_loss, the whole training objective
 * (ae_model_loss, whose dout feeds the backward pass, plus the penalty);
 * otherwise the penalty alone (dout zero).  Prints and bounds the largest
 * relative error (with floor as the denominator's floor), and returns the
 * objective's value; h is the differences' step.
 */
static double
check_params(GradModel *g, int with_loss, double floor, double h, const char *what)
{
	AeModel    *md = &g->model;
	const ae_real *out;
	double		f,
				worst = 0,
				worst_w = 0,
				worst_b = 0;
	char		name[96];

	out = ae_model_forward(md, &g->work, g->work.x, GB);
	f = ae_model_penalty(md, &g->work, g->work.x, GB, NULL);
	if (with_loss)
		f += ae_model_loss(md, out, g->t, g->m, GB, g->work.dout, NULL);
	else
		memset(g->work.dout, 0, sizeof(ae_real) * GB * md->n_out);
	CHECK(isfinite(f) && f > 0, "%s: objective finite and positive: %g", what, f);
	memset(g->grads, 0, sizeof(ae_real) * md->nparams);
	ae_model_backward(md, &g->work, g->work.x, g->work.dout, GB, g->grads);

	for (int l = 0; l < md->nlayers; l++)
	{
		const AeLayer *L = &md->layers[l];

		for (size_t i = L->w_off; i < L->b_off + L->nout; i++)
		{
			double		save = md->params[i],
						lp,
						lm,
						e;

			md->params[i] = save + h;
			lp = objective(g, with_loss);
			md->params[i] = save - h;
			lm = objective(g, with_loss);
			md->params[i] = save;
			e = rel_err_floor(g->grads[i], (lp - lm) / (2 * h), floor);
			if (e > worst)
				worst = e;
			if (i < L->b_off && e > worst_w)
				worst_w = e;
			if (i >= L->b_off && e > worst_b)
				worst_b = e;
		}
	}
	snprintf(name, sizeof(name), "%s, all %zu params", what, md->nparams);
	report(name, worst, (int) md->nparams);
	printf("   (weights %.3e, biases %.3e; objective %.6f)\n", worst_w, worst_b, f);
	return f;
}

/* Print a penalty against its independently computed value and bound their relative difference. */
static void
check_value(const char *what, double got, double expect, double tol)
{
	double		d = fabs(got - expect) / fmax(fabs(expect), 1e-300);

	printf("   %-40s %.9f, independently %.9f (rel diff %.1e)\n", what, got, expect, d);
	CHECK(d < tol, "%s: %.12g, expected %.12g (relative difference %.1e, bound %.0e)",
		  what, got, expect, d, tol);
}

/* Every parameter's gradient from ae_model_backward against finite differences of ae_model_loss. */
static void
check_model(int act)
{
	GradModel	g;
	char		what[64];

	if (grad_model_init(&g, AE_KIND_AE, act, 0))
	{
		/* inputs 1 + 1 + (3+1) + (1+1); outputs 1 + 1 + (3+1) + 1 */
		CHECK(g.model.n_in == 8 && g.model.n_out == 7, "n_in 8, n_out 7 (got %d, %d)",
			  g.model.n_in, g.model.n_out);
		CHECK(g.model.nlayers == 6 && g.model.nencoder == 3, "6 layers, 3 encoding (got %d, %d)",
			  g.model.nlayers, g.model.nencoder);
		CHECK(ae_model_penalty(&g.model, &g.work, g.work.x, GB, NULL) == 0, "kind ae has no penalty");
		snprintf(what, sizeof(what), "model %s", ae_act_name(act));
		check_params(&g, 1, GRAD_FLOOR, GRAD_H, what);
		printf("   (%d of %d values missing)\n", g.nmissing, GB * GNC);
	}
	grad_model_free(&g);
}

/* The whole model with tanh hidden layers. */
static void
test_model_tanh(void)
{
	check_model(AE_ACT_TANH);
}

/* The whole model with elu hidden layers. */
static void
test_model_elu(void)
{
	check_model(AE_ACT_ELU);
}

/* The whole model with sigmoid hidden layers. */
static void
test_model_sigmoid(void)
{
	check_model(AE_ACT_SIGMOID);
}

/* ---- the kinds' penalties ---- */

/* Pre-activations (GB, latent) of the latent layer, from the layer before it (naive kernel). */
static void
latent_preactivation(GradModel *g)
{
	const AeModel *md = &g->model;
	const AeLayer *L = &md->layers[md->nencoder - 1];

	ae_dense_forward_naive(g->pre, md->nencoder > 1 ? g->work.act[md->nencoder - 2] : g->work.x,
						   md->params + L->w_off, md->params + L->b_off, GB, L->nin, L->nout);
}

/*
 * Sparse: sparsity · Σ_j KL(ρ ‖ p_j), p_j the batch mean of unit j's
 * activation sigmoid(z_j), z_j the latent layer's pre-activation: with a
 * sigmoid latent (latent_act) the code the decoder reads, with a linear
 * one (formats 1 to 4) sigmoid of the code.  The value is checked against
 * rates computed here from the pre-activations, then the gradients.  The
 * rates couple the rows, which the batch objective's finite differences
 * see as they are.
 */
static void
check_sparse(int latent_act)
{
	GradModel	g;
	char		what[64];

	if (grad_model_init(&g, AE_KIND_SPARSE, AE_ACT_TANH, 0))
	{
		AeModel    *md = &g.model;
		const ae_real *h;
		int			L = md->opt.latent,
					reads_code = 1;
		double		expect = 0,
					rho = 0.1;

		md->opt.latent_activation = latent_act;
		CHECK(ae_model_layout(md) == AE_OK && md->layers[md->nencoder - 1].act == latent_act,
			  "sparse with a %s latent lays out", ae_act_name(latent_act));
		md->opt.sparsity = 0.5;
		md->opt.sparsity_target = rho;

		/* the value, from the latent pre-activations */
		ae_model_forward(md, &g.work, g.work.x, GB);
		latent_preactivation(&g);
		h = ae_model_latent(md, &g.work);
		for (int j = 0; j < L; j++)
		{
			double		p = 0;

			for (int r = 0; r < GB; r++)
				p += 1 / (1 + exp(-g.pre[r * L + j])) / GB;
			expect += rho * log(rho / p) + (1 - rho) * log((1 - rho) / (1 - p));
		}
		/* with a sigmoid latent, the decoder reads those very activations */
		for (int k = 0; k < GB * L; k++)
			reads_code &= latent_act != AE_ACT_SIGMOID ||
				(fabs(h[k] - 1 / (1 + exp(-g.pre[k]))) < 1e-15 && g.work.z[k] == h[k]);
		CHECK(reads_code, "sparse: the decoder reads sigmoid of the latent pre-activations");
		snprintf(what, sizeof(what), "sparse, %s latent", ae_act_name(latent_act));
		check_value(what, ae_model_penalty(md, &g.work, g.work.x, GB, NULL), 0.5 * expect, 1e-12);

		snprintf(what, sizeof(what), "sparse %s latent penalty", ae_act_name(latent_act));
		check_params(&g, 0, GRAD_FLOOR, GRAD_H, what);
		snprintf(what, sizeof(what), "sparse %s latent objective", ae_act_name(latent_act));
		check_params(&g, 1, GRAD_FLOOR, GRAD_H, what);

		md->opt.sparsity = 0;
		CHECK(ae_model_penalty(md, &g.work, g.work.x, GB, NULL) == 0, "sparsity 0: no penalty");
	}
	grad_model_free(&g);
}

/* Sparse with its sigmoid code, and with the linear latent of formats 1 to 4. */
static void
test_sparse(void)
{
	check_sparse(AE_ACT_SIGMOID);
	check_sparse(AE_ACT_IDENTITY);
}

#define PROBE_DRAWS 40000		/* probes averaged to check the penalty's expectation */
#define PROBE_TOL 0.02			/* relative bound of that check: several standard errors */

/*
 * The denominator floor of the contractive penalty's own gradient check.
 * The penalty divides squared differences of two encoder passes by σ²,
 * so its rounding (about 1e-14) reaches the centred differences as noise
 * of about 1e-10; parameters whose true gradient is 0 — the latent bias,
 * which shifts both passes alike, and a relu encoder's biases — are
 * compared against this floor, absolutely.
 */
#define PROBE_FLOOR 1e-3
#define OBJECTIVE_H 1e-4		/* the contractive objective's step */

/* Draw w.probe as training does, and keep it: the contractive penalty becomes deterministic. */
static void
fixed_probe(GradModel *g)
{
	ae_model_draw_probe(&g->model, &g->work, GB, &rng);
}

/*
 * Contractive: λ/B Σ_b ‖h(x_b + σ v_b) − h(x_b)‖² / σ², h the whole
 * encoder, with a fixed probe v.  The value is checked against the encoder
 * run here on x + σv; its mean over PROBE_DRAWS probes against λ times the
 * mean ‖∂h/∂x‖²_F, the Jacobian taken by centred differences of the
 * encoder in each input; then the gradients of the penalty alone and of
 * the whole objective through both encoder passes.  Pre-activations of
 * both passes are kept away from relu's kink.
 */
static void
check_contractive(int act)
{
	GradModel	g;
	char		what[64];

	if (grad_model_init(&g, AE_KIND_CONTRACTIVE, act, 0))
	{
		AeModel    *md = &g.model;
		int			L = md->opt.latent,
					n_in = md->n_in;
		double		lambda = 0.3,
					sigma = AE_CONTRACTIVE_STEP,
					frob = 0,
					direct = 0,
					mean = 0,
					gap,
					row_penalty[GB],
					row_sum = 0,
					p;
		ae_real		x0[GB * 16],
					h0[GB * 3];

		CHECK(n_in <= 16 && L == 3 && g.work.probe && g.work.probe_x && g.work.probe_act[0],
			  "contractive: probe buffers for %d inputs", n_in);
		md->opt.contractive = lambda;
		fixed_probe(&g);
		gap = avoid_kinks(&g);
		memcpy(x0, g.work.x, sizeof(ae_real) * GB * n_in);

		/* the value: the encoder at x and at x + σv, run here */
		memcpy(h0, ae_model_encode(md, &g.work, x0, GB), sizeof(h0));
		for (int i = 0; i < GB * n_in; i++)
			g.work.x[i] = x0[i] + sigma * g.work.probe[i];
		ae_model_encode(md, &g.work, g.work.x, GB);
		for (int k = 0; k < GB * L; k++)
			direct += (g.work.act[md->nencoder - 1][k] - h0[k]) * (g.work.act[md->nencoder - 1][k] - h0[k]);
		memcpy(g.work.x, x0, sizeof(ae_real) * GB * n_in);
		ae_model_forward(md, &g.work, g.work.x, GB);
		p = ae_model_penalty(md, &g.work, g.work.x, GB, row_penalty);
		for (int r = 0; r < GB; r++)
			row_sum += row_penalty[r];
		snprintf(what, sizeof(what), "contractive %s penalty", ae_act_name(act));
		check_value(what, p, lambda * direct / (sigma * sigma) / GB, 1e-12);
		CHECK(fabs(row_sum / GB - p) < 1e-12 * p, "contractive: the rows' shares average to the penalty");
		printf("   (smallest |pre-activation| %.3e)\n", gap);

		/* its expectation over the probes training draws: λ ‖J‖²_F, J by centred differences */
		for (int r = 0; r < GB; r++)
			for (int i = 0; i < n_in; i++)
			{
				ae_real    *xi = g.work.x + r * n_in + i;

				*xi = x0[r * n_in + i] + GRAD_H;
				ae_model_encode(md, &g.work, g.work.x, GB);
				memcpy(g.pre, g.work.act[md->nencoder - 1], sizeof(ae_real) * GB * L);
				*xi = x0[r * n_in + i] - GRAD_H;
				ae_model_encode(md, &g.work, g.work.x, GB);
				*xi = x0[r * n_in + i];
				for (int j = 0; j < L; j++)
				{
					double		dji = (g.pre[r * L + j] - g.work.act[md->nencoder - 1][r * L + j]) /
						(2 * GRAD_H);

					frob += dji * dji;
				}
			}
		ae_model_forward(md, &g.work, g.work.x, GB);
		for (int d = 0; d < PROBE_DRAWS; d++)
		{
			fixed_probe(&g);
			mean += ae_model_penalty(md, &g.work, g.work.x, GB, NULL) / PROBE_DRAWS;
		}
		snprintf(what, sizeof(what), "contractive %s mean of %d", ae_act_name(act), PROBE_DRAWS);
		check_value(what, mean, lambda * frob / GB, PROBE_TOL);

		/* the gradients, at a fixed probe */
		fixed_probe(&g);
		avoid_kinks(&g);
		snprintf(what, sizeof(what), "contractive %s penalty", ae_act_name(act));
		check_params(&g, 0, PROBE_FLOOR, GRAD_H, what);
		/*
		 * the whole objective carries the penalty's rounding, amplified
		 * by 1/σ², into every difference: a longer step (its errors fall
		 * as the step grows, rounding rather than truncation)
		 */
		snprintf(what, sizeof(what), "contractive %s objective", ae_act_name(act));
		check_params(&g, 1, GRAD_FLOOR, OBJECTIVE_H, what);

		md->opt.contractive = 0;
		CHECK(ae_model_penalty(md, &g.work, g.work.x, GB, NULL) == 0, "contractive 0: no penalty");
		md->opt.contractive = lambda;
		memset(g.work.probe, 0, sizeof(ae_real) * GB * n_in);
		CHECK(ae_model_penalty(md, &g.work, g.work.x, GB, NULL) == 0, "a zero probe: no penalty");
	}
	grad_model_free(&g);
}

/* Contractive penalty, tanh. */
static void
test_contractive_tanh(void)
{
	check_contractive(AE_ACT_TANH);
}

/* Contractive penalty, sigmoid. */
static void
test_contractive_sigmoid(void)
{
	check_contractive(AE_ACT_SIGMOID);
}

/* Contractive penalty, elu. */
static void
test_contractive_elu(void)
{
	check_contractive(AE_ACT_ELU);
}

/* Contractive penalty, relu. */
static void
test_contractive_relu(void)
{
	check_contractive(AE_ACT_RELU);
}

/*
 * A variational kind with a fixed nonzero eps: the encoder's means and
 * log-variances, the sample mean + exp(logvar / 2) · eps decoded, the loss
 * scaled by the total column weight, and beta · KL.  Checks the KL's value
 * (the rows' shares unweighted), then the gradients of the penalty alone
 * and of the whole objective.
 */
static void
check_variational(int kind, double beta)
{
	GradModel	g;
	char		what[64];

	if (grad_model_init(&g, kind, AE_ACT_TANH, kind == AE_KIND_CVAE))
	{
		AeModel    *md = &g.model;
		int			L = md->opt.latent;
		const ae_real *h;
		double		kl[GB],
					expect = 0,
					p;
		int			rows_ok = 1;

		md->opt.beta = beta;
		fixed_eps(&g);
		ae_model_forward(md, &g.work, g.work.x, GB);
		h = ae_model_latent(md, &g.work);
		p = ae_model_penalty(md, &g.work, g.work.x, GB, kl);
		for (int r = 0; r < GB; r++)
		{
			double		row = 0;

			for (int j = 0; j < L; j++)
			{
				double		mu = h[r * 2 * L + j],
							lv = h[r * 2 * L + L + j];

				row += 0.5 * (mu * mu + exp(lv) - 1 - lv);
			}
			rows_ok &= fabs(kl[r] - row) <= 1e-12 * row;
			expect += beta * row / GB;
		}
		snprintf(what, sizeof(what), "%s beta %g KL", ae_kind_name(kind), beta);
		check_value(what, p, expect, 1e-12);
		CHECK(rows_ok, "%s: each row's share is its unweighted KL", what);

		snprintf(what, sizeof(what), "%s beta %g penalty", ae_kind_name(kind), beta);
		check_params(&g, 0, GRAD_FLOOR, GRAD_H, what);
		snprintf(what, sizeof(what), "%s beta %g objective", ae_kind_name(kind), beta);
		check_params(&g, 1, GRAD_FLOOR, GRAD_H, what);
	}
	grad_model_free(&g);
}

/* vae, beta 1 and beta 2.5. */
static void
test_vae(void)
{
	GradModel	g;

	if (grad_model_init(&g, AE_KIND_VAE, AE_ACT_TANH, 0))
	{
		/* encoder output 2 · latent; the decoder reads the latent alone */
		CHECK(g.model.layers[g.model.nencoder - 1].nout == 6 && g.model.dec_in == 3 &&
			  g.model.layers[g.model.nencoder].nin == 3 && g.model.cond_col == -1,
			  "vae: encoder output 6, dec_in 3 (got %d, %d)",
			  g.model.layers[g.model.nencoder - 1].nout, g.model.dec_in);
	}
	grad_model_free(&g);
	check_variational(AE_KIND_VAE, 1);
	check_variational(AE_KIND_VAE, 2.5);
}

/* cvae, the categorical column as condition, beta 0.7. */
static void
test_cvae(void)
{
	GradModel	g;

	if (grad_model_init(&g, AE_KIND_CVAE, AE_ACT_TANH, 1))
	{
		/* outputs 1 + 1 + 1: the condition is not reconstructed; dec_in 3 + (3+1) */
		CHECK(g.model.cond_col == 2 && g.model.n_in == 8 && g.model.n_out == 3 &&
			  g.model.dec_in == 7 && g.model.layers[g.model.nencoder].nin == 7 &&
			  g.cols[2].out_width == 0, "cvae: cond_col 2, n_in 8, n_out 3, dec_in 7 (got %d, %d, %d, %d)",
			  g.model.cond_col, g.model.n_in, g.model.n_out, g.model.dec_in);
	}
	grad_model_free(&g);
	check_variational(AE_KIND_CVAE, 0.7);
}

/* ---- LSTM layer ---- */

#define LT 5
#define LB 3
#define LI 2
#define LH 3
#define LG (4 * LH)

typedef struct LstmCase
{
	int			len[LB];
	ae_real		x[LT * LB * LI],
				wx[LG * LI],
				wh[LG * LH],
				b[LG],
				h[(LT + 1) * LB * LH],
				c[(LT + 1) * LB * LH],
				gates[LT * LB * LG],
				coef_h[(LT + 1) * LB * LH],	/* the loss's weight on every state h_t */
				coef_c[LB * LH];	/* and on the final cell state */
	bool		naive;
} LstmCase;

/* Scalar loss of an LSTM run: sum(coef_h * h) + sum(coef_c * c_T), h_0 and c_0 in h, c. */
static double
lstm_loss(LstmCase *k)
{
	double		s = 0;

	(k->naive ? ae_lstm_forward_naive : ae_lstm_forward) (k->h, k->c, k->gates, k->x, k->len,
														   k->wx, k->wh, k->b, LT, LB, LI, LH);
	for (int i = 0; i < (LT + 1) * LB * LH; i++)
		s += k->coef_h[i] * k->h[i];
	for (int i = 0; i < LB * LH; i++)
		s += k->coef_c[i] * k->c[LT * LB * LH + i];
	return s;
}

/* lstm_loss as fd_worst calls it. */
static double
lstm_loss_arg(void *k)
{
	return lstm_loss(k);
}

static double
lstm_fd(LstmCase *k, ae_real *v, const ae_real *grad, int n)
{
	return fd_worst(lstm_loss_arg, k, v, grad, n);
}

/*
 * Both LSTM paths' backward against finite differences of the forward: x,
 * both weights, the bias and the initial state, with sequences of 5, 3 and
 * 1 steps (the shorter carry their state to the end).
 */
static void
test_lstm(void)
{
	static LstmCase k;
	static ae_real dx[LT * LB * LI],
				dwx[LG * LI],
				dwh[LG * LH],
				db[LG],
				dh0[LB * LH],
				dc0[LB * LH],
				work[LT * LB * LG + 3 * LB * LH];

	k.len[0] = LT;
	k.len[1] = 3;
	k.len[2] = 1;
	fill(k.x, LT * LB * LI, -1, 1);
	fill(k.wx, LG * LI, -0.8, 0.8);
	fill(k.wh, LG * LH, -0.8, 0.8);
	fill(k.b, LG, -0.5, 0.5);
	fill(k.h, LB * LH, -0.5, 0.5);	/* h_0 */
	fill(k.c, LB * LH, -0.5, 0.5);	/* c_0 */
	fill(k.coef_h, (LT + 1) * LB * LH, -1, 1);
	fill(k.coef_c, LB * LH, -1, 1);
	CHECK(ae_lstm_work_size(LT, LB, LH) == sizeof(work) / sizeof(work[0]), "lstm work size");
	for (int naive = 0; naive <= 1; naive++)
	{
		char		what[64];

		k.naive = naive;
		lstm_loss(&k);
		memset(dwx, 0, sizeof(dwx));
		memset(dwh, 0, sizeof(dwh));
		memset(db, 0, sizeof(db));
		(naive ? ae_lstm_backward_naive : ae_lstm_backward) (dx, dh0, dc0, dwx, dwh, db, k.coef_h,
															  k.coef_c, k.h, k.c, k.gates, k.x,
															  k.len, k.wx, k.wh, LT, LB, LI, LH,
															  work);
		snprintf(what, sizeof(what), "lstm %s: input", naive ? "naive" : "fast");
		report(what, lstm_fd(&k, k.x, dx, LT * LB * LI), LT * LB * LI);
		snprintf(what, sizeof(what), "lstm %s: input weights", naive ? "naive" : "fast");
		report(what, lstm_fd(&k, k.wx, dwx, LG * LI), LG * LI);
		snprintf(what, sizeof(what), "lstm %s: recurrent weights", naive ? "naive" : "fast");
		report(what, lstm_fd(&k, k.wh, dwh, LG * LH), LG * LH);
		snprintf(what, sizeof(what), "lstm %s: bias", naive ? "naive" : "fast");
		report(what, lstm_fd(&k, k.b, db, LG), LG);
		snprintf(what, sizeof(what), "lstm %s: initial h", naive ? "naive" : "fast");
		report(what, lstm_fd(&k, k.h, dh0, LB * LH), LB * LH);
		snprintf(what, sizeof(what), "lstm %s: initial c", naive ? "naive" : "fast");
		report(what, lstm_fd(&k, k.c, dc0, LB * LH), LB * LH);
	}
	/* a sequence that ended carries its state: h_T of the one-step sequence is its h_1 */
	lstm_loss(&k);
	CHECK(memcmp(k.h + LT * LB * LH + 2 * LH, k.h + LB * LH + 2 * LH, sizeof(ae_real) * LH) == 0,
		  "a sequence of 1 step keeps h_1 to the end");
}

/* ---- the kinds over an array column: the whole network ---- */

#define AMAX 42					/* elements of the checked arrays and conditions, at most */
#define NET_FLOOR 1e-5			/* denominator floor of the whole networks' relative errors */

/*
 * Every parameter of a model of kind (lstm or conv) over one array column
 * of the given shape (every column an element, with its missing
 * indicator), against centred differences of the reconstruction loss over
 * a batch with missing elements (fed as 0 with their indicator, left out
 * of the loss).
 */
static void
check_array_model(const char *what, int kind, int ndim, const int *dims, const int *hidden,
				  int nhidden, int latent, const int *shape, int shape_ndim, int conditions)
{
	AeColumn	cols[AMAX];
	AeModel		md;
	AeWork		w;
	UnitRegion	reg;
	AeRng		init_rng;
	ae_real		t[GB * AMAX];
	uint8_t		m[GB * AMAX];
	ae_real    *grads;
	double		worst = 0;
	int			n = 1;
	char		name[96];

	int			nel;

	for (int d = 0; d < ndim; d++)
		n *= dims[d];
	nel = n;
	unit_region_init(&reg);
	memset(cols, 0, sizeof(cols));
	memset(&md, 0, sizeof(md));
	for (int c = 0; c < n; c++)
	{
		strcpy(cols[c].name, "arr");
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].scale = 1;
		cols[c].weight = 1;
		cols[c].flags = AE_COLFLAG_INDICATOR;
		cols[c].ndim = ndim;
		memcpy(cols[c].dims, dims, sizeof(int) * ndim);
		cols[c].elem = c;
	}
	/* an lstm's conditions: a number with NULLs, then a category, given at every step */
	for (int k = 0; k < conditions; k++, n++)
	{
		AeColumn   *col = &cols[n];

		snprintf(col->name, AE_NAME_MAX, "cond%d", k);
		col->scale = 1;
		col->weight = 1;
		col->kind = k == 0 ? AE_COL_NUMERIC : AE_COL_CATEGORICAL;
		col->flags = AE_COLFLAG_CONDITION | (k == 0 ? AE_COLFLAG_INDICATOR : 0);
		if (k > 0)
		{
			col->ncat = 3;
			col->cats = colour_cats;
		}
	}
	md.opt.kind = kind;
	md.opt.score = AE_SCORE_RECONSTRUCTION;
	md.opt.activation = AE_ACT_TANH;
	md.opt.nhidden = nhidden;
	memcpy(md.opt.hidden, hidden, sizeof(int) * nhidden);
	md.opt.latent = latent;
	md.opt.shape_ndim = shape_ndim;
	if (shape_ndim > 0)
		memcpy(md.opt.shape, shape, sizeof(int) * shape_ndim);
	md.ncols = n;
	md.cols = cols;
	if (!CHECK(ae_model_layout(&md) == AE_OK, "%s: layout", what) ||
		!CHECK(ae_model_alloc_params(&md, &reg.alloc) == AE_OK, "alloc params"))
		goto done;
	CHECK(md.n_in == 2 * nel + (conditions > 0 ? 2 : 0) + (conditions > 1 ? 4 : 0) &&
		  md.n_out == nel, "%s: a value and an indicator in, a value out", what);
	ae_rng_seed(&init_rng, 7);
	ae_model_init_params(&md, &init_rng);
	/* biases start at zero: generic values make generic gradients */
	for (size_t i = 0; i < md.nparams; i++)
		if (md.params[i] == 0)
			md.params[i] = (ae_real) unif(-0.3, 0.3);
	CHECK(ae_work_init(&w, &md, GB, &reg.alloc) == AE_OK, "%s: work init", what);
	grads = ae_alloc(&reg.alloc, sizeof(ae_real) * md.nparams);
	for (int r = 0; r < GB; r++)
		for (int c = 0; c < n; c++)
		{
			t[r * n + c] = cols[c].kind == AE_COL_CATEGORICAL ? (ae_real) ae_rng_below(&rng, 4)
				: sin(r + 0.7 * c) + 0.1 * ae_rng_normal(&rng);
			m[r * n + c] = ae_rng_uniform(&rng) >= 0.2;
		}
	m[0] = 0;
	m[1 * n + n - 1] = 0;
	ae_model_inputs(&md, t, m, w.x, GB);
	{
		const ae_real *out = ae_model_forward(&md, &w, w.x, GB);
		double		f = ae_model_loss(&md, out, t, m, GB, w.dout, NULL);

		CHECK(isfinite(f) && f > 0, "%s: objective finite and positive: %g", what, f);
		memset(grads, 0, sizeof(ae_real) * md.nparams);
		ae_model_backward(&md, &w, w.x, w.dout, GB, grads);
	}
	for (size_t i = 0; i < md.nparams; i++)
	{
		double		save = md.params[i],
					lp,
					lm;

		md.params[i] = save + GRAD_H;
		lp = ae_model_loss(&md, ae_model_forward(&md, &w, w.x, GB), t, m, GB, NULL, NULL);
		md.params[i] = save - GRAD_H;
		lm = ae_model_loss(&md, ae_model_forward(&md, &w, w.x, GB), t, m, GB, NULL, NULL);
		md.params[i] = save;
		/* a whole network's loss: coordinates under 1e-5 are left to rounding */
		worst = fmax(worst, rel_err_floor(grads[i], (lp - lm) / (2 * GRAD_H), NET_FLOOR));
	}
	snprintf(name, sizeof(name), "%s, every parameter", what);
	report(name, worst, (int) md.nparams);
done:
	unit_region_free(&reg);
}

/*
 * The lstm kind over a sequence of 6 steps: encoder, latent, decoder,
 * output layer; alone, with a numeric and a categorical condition, and
 * with two stacked layers on each side.
 */
static void
test_lstm_model(void)
{
	static const int dims[1] = {6},
				hidden[1] = {3},
				stacked[2] = {3, 2};

	check_array_model("lstm model", AE_KIND_LSTM, 1, dims, hidden, 1, 2, NULL, 0, 0);
	check_array_model("lstm model with two conditions", AE_KIND_LSTM, 1, dims, hidden, 1, 2,
					  NULL, 0, 2);
	check_array_model("lstm model, two stacked layers and a condition", AE_KIND_LSTM, 1, dims,
					  stacked, 2, 2, NULL, 0, 1);
}

/*
 * The conv kind over an odd-sized image, a 3-channel one, a flat array
 * read in an image's shape, and a 1-D signal; one and two stages.
 */
static void
test_conv_model(void)
{
	static const int image[2] = {5, 4},
				channels[3] = {2, 3, 3},
				one[1] = {3},
				two[2] = {3, 2};

	static const int flat[1] = {20},
				signal[1] = {11};

	check_array_model("conv model, 5x4, stages 3 and 2", AE_KIND_CONV, 2, image, two, 2, 2, NULL,
					  0, 0);
	check_array_model("conv model, 2x3x3, one stage", AE_KIND_CONV, 3, channels, one, 1, 3, NULL,
					  0, 0);
	check_array_model("conv model, [20] read as 5x4", AE_KIND_CONV, 1, flat, two, 2, 2, image, 2,
					  0);
	check_array_model("conv model, a signal of 11", AE_KIND_CONV, 1, signal, two, 2, 2, NULL, 0,
					  0);
}

/* ---- the aae's discriminator ---- */

typedef struct AdvCase
{
	AeAdversary *adv;
	ae_real    *z,
			   *p;
	int			B;
	double		weight;
} AdvCase;

/* The discriminator's own loss, as fd_worst calls it. */
static double
adv_loss_arg(void *arg)
{
	AdvCase    *c = arg;

	return ae_adversary_loss(c->adv, c->z, c->p, c->B);
}

/* The encoder's adversarial term, as fd_worst calls it. */
static double
adv_fool_arg(void *arg)
{
	AdvCase    *c = arg;

	return ae_adversary_fool(c->adv, c->z, c->B, c->weight, NULL, NULL);
}

/*
 * The aae: under a fixed discriminator of two hidden layers, the
 * adversarial term's gradient on every model parameter, alone and with the
 * reconstruction loss, and its rows' shares; the discriminator's loss on
 * its own parameters, and the term on the codes it is given.
 */
static void
test_aae(void)
{
	static const int hidden[2] = {5, 4};
	GradModel	g;
	AeAdversary adv;
	AeRng		rng;
	AdvCase		c;
	double		rows[GB],
				p,
				sum = 0;
	ae_real    *grads,
			   *dz;
	int			L;
	const AeAlloc *a;

	if (!grad_model_init(&g, AE_KIND_AAE, AE_ACT_TANH, 0))
	{
		CHECK(0, "aae: lays out");
		grad_model_free(&g);
		return;
	}
	a = &g.reg.alloc;
	L = g.model.opt.latent;
	g.model.opt.adversarial = 0.7;
	ae_rng_seed(&rng, 11);
	CHECK(ae_adversary_init(&adv, L, hidden, 2, GB, 1e-3, &rng, a) == AE_OK &&
		  adv.nparams == (size_t) (5 * L + 5) + (4 * 5 + 4) + (4 + 1),
		  "aae: a discriminator of %zu parameters", adv.nparams);
	fill(adv.params, adv.nparams, -0.8, 0.8);	/* biases too: no unit at a kink */
	g.work.adv = &adv;

	ae_model_forward(&g.model, &g.work, g.work.x, GB);
	p = ae_model_penalty(&g.model, &g.work, g.work.x, GB, rows);
	for (int r = 0; r < GB; r++)
		sum += rows[r];
	check_value("aae: the rows' shares average to the term", sum / GB, p, 1e-12);
	check_params(&g, 0, GRAD_FLOOR, GRAD_H, "aae adversarial term");
	check_params(&g, 1, GRAD_FLOOR, GRAD_H, "aae objective");

	/* the discriminator alone, on codes and prior samples of its own */
	c.adv = &adv;
	c.B = GB;
	c.weight = 0.7;
	c.z = ae_alloc(a, sizeof(ae_real) * GB * L);
	c.p = ae_alloc(a, sizeof(ae_real) * GB * L);
	grads = ae_alloc(a, sizeof(ae_real) * adv.nparams);
	dz = ae_alloc(a, sizeof(ae_real) * GB * L);
	fill(c.z, (size_t) GB * L, -2, 2);
	fill(c.p, (size_t) GB * L, -2, 2);
	ae_adversary_loss(&adv, c.z, c.p, GB);
	memcpy(grads, adv.grads, sizeof(ae_real) * adv.nparams);
	report("discriminator loss: its parameters", fd_worst(adv_loss_arg, &c, adv.params, grads,
														  (int) adv.nparams), (int) adv.nparams);
	ae_adversary_fool(&adv, c.z, GB, c.weight, dz, NULL);
	report("adversarial term: the codes", fd_worst(adv_fool_arg, &c, c.z, dz, GB * L), GB * L);
	g.work.adv = NULL;
	CHECK(ae_model_penalty(&g.model, &g.work, g.work.x, GB, NULL) == 0,
		  "aae: no adversarial term without a discriminator");
	grad_model_free(&g);
}

/* ---- the transformer kind: the whole network ---- */

typedef struct TfCase
{
	AeModel    *md;
	AeWork	   *w;
	const ae_real *t;
	const uint8_t *m;
} TfCase;

/* The loss over every observed cell, of inputs already in w->x. */
static double
tf_loss(void *arg)
{
	TfCase	   *k = arg;

	return ae_model_loss(k->md, ae_model_forward(k->md, k->w, k->w->x, GB), k->t, k->m, GB,
						 NULL, NULL);
}

/*
 * Every parameter of a transformer over the mixed columns (two blocks, two
 * heads of width 2), inputs with hidden cells (mask tokens, dropped as
 * keys) and a row that shows none (every token kept), against centred
 * differences of the loss over every observed cell; then its held-out
 * predictions, each cell's against a pass of the row with that cell
 * hidden.
 */
static void
test_transformer_model(void)
{
	AeColumn	cols[GNC];
	AeModel		md;
	AeWork		w;
	UnitRegion	reg;
	AeRng		init_rng;
	ae_real		t[GB * GNC];
	uint8_t		m[GB * GNC],
				shown[GB * GNC];
	ae_real    *grads;
	TfCase		k = {&md, &w, t, m};

	unit_region_init(&reg);
	mixed_columns(cols);
	for (int c = 0; c < GNC; c++)
		cols[c].flags = AE_COLFLAG_INDICATOR;
	memset(&md, 0, sizeof(md));
	md.opt.kind = AE_KIND_TRANSFORMER;
	md.opt.score = AE_SCORE_RECONSTRUCTION;
	md.opt.depth = 2;
	md.opt.heads = 2;
	md.opt.width = 4;
	md.opt.latent = 3;
	md.ncols = GNC;
	md.cols = cols;
	if (!CHECK(ae_model_layout(&md) == AE_OK, "transformer: layout") ||
		!CHECK(ae_model_alloc_params(&md, &reg.alloc) == AE_OK, "alloc params"))
		goto done;
	/* embeddings 4 + 4 + 1... : the value inputs (1, 1, 4, 1) and the tokens (4), width 4 */
	CHECK(md.tf.val_emb - md.tf.col_emb == 4 * 4 && md.tf.mask_emb - md.tf.val_emb == 7 * 4,
		  "transformer: a column embedding per token, an embedding row per value input");
	ae_rng_seed(&init_rng, 5);
	ae_model_init_params(&md, &init_rng);
	/* layer norms start as the identity, biases at zero: generic values make generic gradients */
	fill(md.params, md.nparams, -0.8, 0.8);
	CHECK(ae_work_init(&w, &md, GB, &reg.alloc) == AE_OK, "transformer: work init");
	grads = ae_alloc(&reg.alloc, sizeof(ae_real) * md.nparams);
	for (int r = 0; r < GB; r++)
	{
		t[r * GNC + 0] = ae_rng_normal(&rng);
		t[r * GNC + 1] = (ae_real) ae_rng_below(&rng, 2);
		t[r * GNC + 2] = (ae_real) ae_rng_below(&rng, 4);
		t[r * GNC + 3] = ae_rng_normal(&rng);
		for (int c = 0; c < GNC; c++)
		{
			m[r * GNC + c] = ae_rng_uniform(&rng) >= 0.15;
			/* the cells shown: some observed ones hidden, as training hides them */
			shown[r * GNC + c] = m[r * GNC + c] && ae_rng_uniform(&rng) >= 0.4;
		}
	}
	memset(shown + (GB - 1) * GNC, 0, GNC);	/* a row that shows nothing */
	m[(GB - 1) * GNC] = 1;
	ae_model_inputs(&md, t, shown, w.x, GB);
	{
		double		f = ae_model_loss(&md, ae_model_forward(&md, &w, w.x, GB), t, m, GB, w.dout,
									  NULL);

		CHECK(isfinite(f) && f > 0, "transformer: loss finite and positive: %g", f);
		memset(grads, 0, sizeof(ae_real) * md.nparams);
		ae_model_backward(&md, &w, w.x, w.dout, GB, grads);
	}
	report("transformer, every parameter",
		   fd_worst_floor(tf_loss, &k, md.params, grads, (int) md.nparams, NET_FLOOR),
		   (int) md.nparams);

	/* held-out predictions: cell c of a row as a pass with c alone hidden predicts it */
	for (int r = 0; r < 3; r++)
	{
		const ae_real *tr = t + r * GNC;
		uint8_t		mr[GNC];
		ae_real		held[8];
		double		worst = 0;

		memset(mr, 1, GNC);
		mr[r] = 0;				/* one missing cell: predicted from the row as it is */
		memcpy(held, ae_model_reconstruct(&md, &w, tr, mr), sizeof(ae_real) * md.n_out);
		for (int c = 0; c < GNC; c++)
		{
			uint8_t		mc[GNC];
			const ae_real *out;

			memcpy(mc, mr, GNC);
			mc[c] = 0;
			ae_model_inputs(&md, tr, mc, w.x, 1);
			out = ae_model_forward(&md, &w, w.x, 1);
			for (int j = 0; j < cols[c].out_width; j++)
				worst = fmax(worst, fabs(out[cols[c].out_off + j] - held[cols[c].out_off + j]));
		}
		CHECK(worst < 1e-12, "transformer: row %d, held-out predictions match single passes "
			  "(largest difference %.3e)", r, worst);
	}
done:
	unit_region_free(&reg);
}

/* ---- convolution and upsampling ---- */

typedef struct ConvCase
{
	int			B,
				naive;
	AeConvShape g;
	ae_real    *x,
			   *w,
			   *b,
			   *y,
			   *coef,
			   *cols;
} ConvCase;

/* sum(coef * conv(x)) */
static double
conv_loss(ConvCase *c)
{
	int			n = c->B * c->g.K * ae_conv_oh(&c->g) * ae_conv_ow(&c->g);
	double		f = 0;

	if (c->naive)
		ae_conv_forward_naive(c->y, c->x, c->w, c->b, c->B, &c->g);
	else
		ae_conv_forward(c->y, c->x, c->w, c->b, c->B, &c->g, c->cols);
	for (int i = 0; i < n; i++)
		f += c->coef[i] * c->y[i];
	return f;
}

/* conv_loss as fd_worst calls it. */
static double
conv_loss_arg(void *c)
{
	return conv_loss(c);
}

static double
conv_fd(ConvCase *c, ae_real *v, const ae_real *grad, int n)
{
	return fd_worst(conv_loss_arg, c, v, grad, n);
}

/*
 * Both convolution paths' backward against finite differences (input,
 * weights, bias), with stride 1 and 2, padding 0 and 1, odd and even
 * sides, a 1-D signal (kernel one row high); then upsampling to an even
 * and an odd size.
 */
static void
test_conv(void)
{
	static const struct
	{
		int			B;
		AeConvShape g;
	}			cases[] = {
		/* B, {C, H, W, K, kh, kw, sh, sw, ph, pw} */
		{2, {2, 5, 4, 3, 3, 3, 1, 1, 1, 1}}, {2, {1, 7, 6, 2, 3, 3, 2, 2, 1, 1}},
		{1, {3, 4, 4, 2, 2, 2, 2, 2, 0, 0}}, {2, {2, 1, 9, 3, 1, 3, 1, 2, 0, 1}}
	};
	UnitRegion	reg;

	unit_region_init(&reg);
	for (size_t n = 0; n < sizeof(cases) / sizeof(cases[0]); n++)
		for (int naive = 0; naive <= 1; naive++)
		{
			ConvCase	c = {0};
			const AeConvShape *g = &c.g;
			int			nx,
						nw,
						ny;
			const AeAlloc *a = &reg.alloc;
			ae_real    *dx,
					   *dw,
					   *db;
			char		what[80],
						name[48];

			c.B = cases[n].B;
			c.g = cases[n].g;
			c.naive = naive;
			nx = c.B * g->C * g->H * g->W;
			nw = g->K * g->C * g->kh * g->kw;
			ny = c.B * g->K * ae_conv_oh(g) * ae_conv_ow(g);
			dx = ae_alloc(a, sizeof(ae_real) * nx);
			dw = ae_alloc(a, sizeof(ae_real) * nw);
			db = ae_alloc(a, sizeof(ae_real) * g->K);
			c.x = ae_alloc(a, sizeof(ae_real) * nx);
			c.w = ae_alloc(a, sizeof(ae_real) * nw);
			c.b = ae_alloc(a, sizeof(ae_real) * g->K);
			c.y = ae_alloc(a, sizeof(ae_real) * ny);
			c.coef = ae_alloc(a, sizeof(ae_real) * ny);
			c.cols = ae_alloc(a, sizeof(ae_real) * ae_conv_cols_size(g));
			fill(c.x, nx, -1, 1);
			fill(c.w, nw, -1, 1);
			fill(c.b, g->K, -1, 1);
			fill(c.coef, ny, -1, 1);
			memset(dw, 0, sizeof(ae_real) * nw);
			memset(db, 0, sizeof(ae_real) * g->K);
			if (naive)
				ae_conv_backward_naive(dx, dw, db, c.coef, c.x, c.w, c.B, g);
			else
				ae_conv_backward(dx, dw, db, c.coef, c.x, c.w, c.B, g, c.cols);
			snprintf(name, sizeof(name), "conv %s %dx%d k%dx%d s%d,%d p%d,%d",
					 naive ? "naive" : "fast", g->H, g->W, g->kh, g->kw, g->sh, g->sw, g->ph, g->pw);
			snprintf(what, sizeof(what), "%s: input", name);
			report(what, conv_fd(&c, c.x, dx, nx), nx);
			snprintf(what, sizeof(what), "%s: weights", name);
			report(what, conv_fd(&c, c.w, dw, nw), nw);
			snprintf(what, sizeof(what), "%s: bias", name);
			report(what, conv_fd(&c, c.b, db, g->K), g->K);
		}
	/* upsampling: sum(coef * up(x)) is linear in x, its gradient the adjoint's output */
	for (int odd = 0; odd <= 1; odd++)
	{
		int			B = 2,
					C = 2,
					H = 3,
					W = 2,
					OH = 2 * H - odd,
					OW = 2 * W - odd;
		int			nx = B * C * H * W,
					ny = B * C * OH * OW;
		const AeAlloc *a = &reg.alloc;
		ae_real    *x = ae_alloc(a, sizeof(ae_real) * nx),
				   *dx = ae_alloc(a, sizeof(ae_real) * nx),
				   *y = ae_alloc(a, sizeof(ae_real) * ny),
				   *coef = ae_alloc(a, sizeof(ae_real) * ny);
		double		worst = 0;

		fill(x, nx, -1, 1);
		fill(coef, ny, -1, 1);
		ae_upsample_backward(dx, coef, B, C, H, W, OH, OW);
		for (int i = 0; i < nx; i++)
		{
			double		save = x[i],
						lp = 0,
						lm = 0;

			x[i] = save + GRAD_H;
			ae_upsample_forward(y, x, B, C, H, W, OH, OW);
			for (int q = 0; q < ny; q++)
				lp += coef[q] * y[q];
			x[i] = save - GRAD_H;
			ae_upsample_forward(y, x, B, C, H, W, OH, OW);
			for (int q = 0; q < ny; q++)
				lm += coef[q] * y[q];
			x[i] = save;
			worst = fmax(worst, rel_err(dx[i], (lp - lm) / (2 * GRAD_H)));
		}
		report(odd ? "upsample to an odd size, cropped" : "upsample by 2", worst, nx);
	}
	unit_region_free(&reg);
}

/* ---- the transformer's layers: layer norm, GELU, self-attention ---- */

/* keep[0..n) from a pattern of '0' and '1' (n characters). */
static void
keep_from(unsigned char *keep, const char *pattern, int n)
{
	for (int i = 0; i < n; i++)
		keep[i] = pattern[i] == '1';
}

typedef struct LnCase
{
	int			rows,
				D,
				naive;
	ae_real    *x,
			   *gamma,
			   *beta,
			   *y,
			   *mean,
			   *rstd,
			   *coef;
} LnCase;

/* sum(coef * layernorm(x)) */
static double
ln_loss(void *arg)
{
	LnCase	   *c = arg;
	double		f = 0;

	(c->naive ? ae_layernorm_forward_naive : ae_layernorm_forward) (c->y, c->mean, c->rstd, c->x,
																	 c->gamma, c->beta, c->rows,
																	 c->D);
	for (int i = 0; i < c->rows * c->D; i++)
		f += c->coef[i] * c->y[i];
	return f;
}

/*
 * Both layer norm paths' backward against finite differences (input, gamma,
 * beta), over B·T rows: odd and even widths, one token, a width of 1 (the
 * output is beta whatever x is), and a width of 2, each row's two values
 * 0.25 to 0.5 apart.  A width of 2 normalizes to about ±1, its gradient on
 * x all from eps: two values far apart leave a slope that rounding drowns,
 * two very close a curve that bends within the difference step.
 */
static void
test_layernorm(void)
{
	static const int shapes[][3] = {
		/* B, T, D */
		{2, 3, 5}, {1, 1, 7}, {3, 1, 2}, {2, 4, 8}, {2, 1, 1}
	};
	UnitRegion	reg;

	unit_region_init(&reg);
	for (int sh = 0; sh < 5; sh++)
		for (int naive = 0; naive <= 1; naive++)
		{
			const AeAlloc *a = &reg.alloc;
			LnCase		c = {0};
			int			n;
			ae_real    *dx,
					   *dgamma,
					   *dbeta;
			char		what[80];

			c.rows = shapes[sh][0] * shapes[sh][1];
			c.D = shapes[sh][2];
			c.naive = naive;
			n = c.rows * c.D;
			c.x = ae_alloc(a, sizeof(ae_real) * n);
			c.y = ae_alloc(a, sizeof(ae_real) * n);
			c.coef = ae_alloc(a, sizeof(ae_real) * n);
			c.gamma = ae_alloc(a, sizeof(ae_real) * c.D);
			c.beta = ae_alloc(a, sizeof(ae_real) * c.D);
			c.mean = ae_alloc(a, sizeof(ae_real) * c.rows);
			c.rstd = ae_alloc(a, sizeof(ae_real) * c.rows);
			dx = ae_alloc(a, sizeof(ae_real) * n);
			dgamma = ae_alloc(a, sizeof(ae_real) * c.D);
			dbeta = ae_alloc(a, sizeof(ae_real) * c.D);
			fill(c.x, n, -2, 3);
			if (c.D == 2)
				for (int r = 0; r < c.rows; r++)
					c.x[2 * r + 1] = c.x[2 * r] + (r % 2 ? -1 : 1) * unif(0.25, 0.5);
			fill(c.gamma, c.D, -1.5, 1.5);
			fill(c.beta, c.D, -1, 1);
			fill(c.coef, n, -1, 1);
			fill(dx, n, 5, 6);	/* overwritten */
			ln_loss(&c);
			(naive ? ae_layernorm_backward_naive : ae_layernorm_backward) (dx, dgamma, dbeta, c.coef,
																		   c.x, c.mean, c.rstd,
																		   c.gamma, c.rows, c.D);
			snprintf(what, sizeof(what), "layernorm %s %dx%d: input", naive ? "naive" : "fast",
					 c.rows, c.D);
			report(what, fd_worst(ln_loss, &c, c.x, dx, n), n);
			snprintf(what, sizeof(what), "layernorm %s %dx%d: gamma", naive ? "naive" : "fast",
					 c.rows, c.D);
			report(what, fd_worst(ln_loss, &c, c.gamma, dgamma, c.D), c.D);
			snprintf(what, sizeof(what), "layernorm %s %dx%d: beta", naive ? "naive" : "fast",
					 c.rows, c.D);
			report(what, fd_worst(ln_loss, &c, c.beta, dbeta, c.D), c.D);
		}
	unit_region_free(&reg);
}

/* GELU against its tanh formula, and its derivative against finite differences. */
static void
test_gelu(void)
{
	enum
	{
		N = 200
	};
	ae_real		x[N],
				y[N],
				d[N],
				coef[N],
				one;
	double		worst_y = 0,
				worst = 0;

	for (int i = 0; i < N; i++)
	{
		x[i] = i < N - 4 ? unif(-5, 5) : (i % 2 ? 1 : -1) * unif(8, 12);
		coef[i] = unif(-1, 1);
	}
	ae_gelu_forward(y, x, N);
	for (int i = 0; i < N; i++)
	{
		double		ref = 0.5 * x[i] * (1 + tanh(sqrt(2 / acos(-1.0)) * (x[i] + 0.044715 * pow(x[i], 3))));

		worst_y = fmax(worst_y, fabs(y[i] - ref) / fmax(1, fabs(ref)));
	}
	CHECK(worst_y < 1e-14, "gelu against 0.5 x (1 + tanh(...)): error %.2e", worst_y);
	memcpy(d, coef, sizeof(coef));
	ae_gelu_backward(d, d, x, N);	/* in place: d = coef · gelu'(x) */
	for (int i = 0; i < N; i++)
	{
		ae_real		xp = x[i] + GRAD_H,
					xm = x[i] - GRAD_H,
					yp,
					ym;

		ae_gelu_forward(&yp, &xp, 1);
		ae_gelu_forward(&ym, &xm, 1);
		worst = fmax(worst, rel_err(d[i], coef[i] * (yp - ym) / (2 * GRAD_H)));
	}
	report("gelu", worst, N);
	one = 1;
	ae_gelu_forward(&one, &one, 1);
	CHECK(fabs(one - 0.8411919906) < 1e-9, "gelu(1) = 0.8411919906: %.10f", one);
}

typedef struct AttnCase
{
	int			B,
				T,
				D,
				H,
				naive;
	const unsigned char *keep;
	ae_real    *q,
			   *k,
			   *v,
			   *out,
			   *att,
			   *coef;
} AttnCase;

/* sum(coef * attention(q, k, v)) */
static double
attn_loss(void *arg)
{
	AttnCase   *c = arg;
	double		f = 0;

	(c->naive ? ae_attn_forward_naive : ae_attn_forward) (c->out, c->att, c->q, c->k, c->v,
														   c->keep, c->B, c->T, c->D, c->H);
	for (int i = 0; i < c->B * c->T * c->D; i++)
		f += c->coef[i] * c->out[i];
	return f;
}

/* Shapes of the attention checks, with a mask of B·T characters or NULL. */
typedef struct AttnShape
{
	int			B,
				T,
				D,
				H;
	const char *keep;
} AttnShape;

static const AttnShape attn_shapes[] = {
	/* dropped keys, and a sequence that keeps one key */
	{2, 4, 6, 2, "1011" "0010"},
	{1, 1, 3, 1, NULL},			/* one token */
	{2, 3, 5, 1, NULL},			/* odd width, one head */
	{1, 5, 6, 3, "11010"},		/* three heads of 2 */
	{3, 2, 4, 4, "11" "01" "10"},	/* heads of width 1 */
	{2, 1, 4, 2, "1" "1"},
};

/*
 * Both attention paths' backward against finite differences of the
 * forward, every coordinate of q, k and v, on the shapes above.
 */
static void
test_attention(void)
{
	UnitRegion	reg;

	unit_region_init(&reg);
	for (size_t sh = 0; sh < sizeof(attn_shapes) / sizeof(attn_shapes[0]); sh++)
		for (int naive = 0; naive <= 1; naive++)
		{
			const AttnShape *s = &attn_shapes[sh];
			const AeAlloc *a = &reg.alloc;
			AttnCase	c = {0};
			int			n = s->B * s->T * s->D;
			unsigned char *keep = NULL;
			ae_real    *dq,
					   *dk,
					   *dv,
					   *work;
			char		what[96];

			c.B = s->B;
			c.T = s->T;
			c.D = s->D;
			c.H = s->H;
			c.naive = naive;
			if (s->keep)
			{
				keep = ae_alloc(a, c.B * c.T);
				keep_from(keep, s->keep, c.B * c.T);
			}
			c.keep = keep;
			c.q = ae_alloc(a, sizeof(ae_real) * n);
			c.k = ae_alloc(a, sizeof(ae_real) * n);
			c.v = ae_alloc(a, sizeof(ae_real) * n);
			c.out = ae_alloc(a, sizeof(ae_real) * n);
			c.coef = ae_alloc(a, sizeof(ae_real) * n);
			c.att = ae_alloc(a, sizeof(ae_real) * c.B * c.H * c.T * c.T);
			dq = ae_alloc(a, sizeof(ae_real) * n);
			dk = ae_alloc(a, sizeof(ae_real) * n);
			dv = ae_alloc(a, sizeof(ae_real) * n);
			work = ae_alloc(a, sizeof(ae_real) * ae_attn_work_size(c.T));
			fill(c.q, n, -1.5, 1.5);
			fill(c.k, n, -1.5, 1.5);
			fill(c.v, n, -1, 1);
			fill(c.coef, n, -1, 1);
			fill(dq, n, 5, 6);	/* all three overwritten */
			fill(dk, n, 5, 6);
			fill(dv, n, 5, 6);
			attn_loss(&c);
			if (naive)
				ae_attn_backward_naive(dq, dk, dv, c.coef, c.att, c.q, c.k, c.v, c.B, c.T, c.D, c.H);
			else
				ae_attn_backward(dq, dk, dv, c.coef, c.att, c.q, c.k, c.v, c.B, c.T, c.D, c.H, work);
			snprintf(what, sizeof(what), "attention %s B%d T%d D%d H%d%s: q", naive ? "naive" : "fast",
					 c.B, c.T, c.D, c.H, keep ? " masked" : "");
			report(what, fd_worst(attn_loss, &c, c.q, dq, n), n);
			snprintf(what, sizeof(what), "attention %s B%d T%d D%d H%d%s: k", naive ? "naive" : "fast",
					 c.B, c.T, c.D, c.H, keep ? " masked" : "");
			report(what, fd_worst(attn_loss, &c, c.k, dk, n), n);
			snprintf(what, sizeof(what), "attention %s B%d T%d D%d H%d%s: v", naive ? "naive" : "fast",
					 c.B, c.T, c.D, c.H, keep ? " masked" : "");
			report(what, fd_worst(attn_loss, &c, c.v, dv, n), n);
			if (keep)
			{
				/* a dropped key has weight 0 in every row of its sequence */
				double		dropped = 0;

				for (int b = 0; b < c.B; b++)
					for (int h = 0; h < c.H; h++)
						for (int i = 0; i < c.T; i++)
							for (int j = 0; j < c.T; j++)
								if (!keep[b * c.T + j])
									dropped = fmax(dropped,
												   fabs(c.att[(((size_t) b * c.H + h) * c.T + i) * c.T + j]));
				CHECK(dropped == 0, "attention %s B%d T%d: dropped keys weigh 0 (%g)",
					  naive ? "naive" : "fast", c.B, c.T, dropped);
			}
		}
	unit_region_free(&reg);
}

/*
 * A self-attention block as a transformer composes it, for the check
 * below: y = x + attention(split(layernorm(x) · Wqkvᵀ + bqkv)) · Woᵀ + bo,
 * with Wqkv: (3D, D) giving q, k and v side by side.
 */
typedef struct BlockCase
{
	int			B,
				T,
				D,
				H,
				naive;
	const unsigned char *keep;
	/* parameters */
	ae_real    *gamma,
			   *beta,
			   *wqkv,
			   *bqkv,
			   *wo,
			   *bo;
	/* input, activations, loss weights */
	ae_real    *x,
			   *ln,
			   *mean,
			   *rstd,
			   *qkv,
			   *q,
			   *k,
			   *v,
			   *att,
			   *ao,
			   *y,
			   *coef;
} BlockCase;

/* The block forward into c->y; returns sum(coef * y). */
static double
block_loss(void *arg)
{
	BlockCase  *c = arg;
	int			rows = c->B * c->T,
				D = c->D;
	double		f = 0;

	(c->naive ? ae_layernorm_forward_naive : ae_layernorm_forward) (c->ln, c->mean, c->rstd, c->x,
																	 c->gamma, c->beta, rows, D);
	(c->naive ? ae_dense_forward_naive : ae_dense_forward) (c->qkv, c->ln, c->wqkv, c->bqkv, rows,
															 D, 3 * D);
	for (int r = 0; r < rows; r++)
	{
		memcpy(c->q + (size_t) r * D, c->qkv + (size_t) r * 3 * D, sizeof(ae_real) * D);
		memcpy(c->k + (size_t) r * D, c->qkv + (size_t) r * 3 * D + D, sizeof(ae_real) * D);
		memcpy(c->v + (size_t) r * D, c->qkv + (size_t) r * 3 * D + 2 * D, sizeof(ae_real) * D);
	}
	(c->naive ? ae_attn_forward_naive : ae_attn_forward) (c->ao, c->att, c->q, c->k, c->v, c->keep,
														   c->B, c->T, D, c->H);
	(c->naive ? ae_dense_forward_naive : ae_dense_forward) (c->y, c->ao, c->wo, c->bo, rows, D, D);
	for (int i = 0; i < rows * D; i++)
	{
		c->y[i] += c->x[i];
		f += c->coef[i] * c->y[i];
	}
	return f;
}

/*
 * The block's backward from dy = coef, after block_loss: the gradient on x
 * into dx, the parameters' added into their d* buffers.
 */
static void
block_backward(BlockCase *c, ae_real *dx, ae_real *dgamma, ae_real *dbeta, ae_real *dwqkv,
			   ae_real *dbqkv, ae_real *dwo, ae_real *dbo, const AeAlloc *a)
{
	int			rows = c->B * c->T,
				D = c->D,
				n = rows * D;
	ae_real    *dao = ae_alloc(a, sizeof(ae_real) * n),
			   *dq = ae_alloc(a, sizeof(ae_real) * n),
			   *dk = ae_alloc(a, sizeof(ae_real) * n),
			   *dv = ae_alloc(a, sizeof(ae_real) * n),
			   *dqkv = ae_alloc(a, sizeof(ae_real) * 3 * n),
			   *dln = ae_alloc(a, sizeof(ae_real) * n),
			   *work = ae_alloc(a, sizeof(ae_real) * ae_attn_work_size(c->T));

	(c->naive ? ae_dense_backward_naive : ae_dense_backward) (dao, dwo, dbo, c->coef, c->ao, c->wo,
															   rows, D, D);
	if (c->naive)
		ae_attn_backward_naive(dq, dk, dv, dao, c->att, c->q, c->k, c->v, c->B, c->T, D, c->H);
	else
		ae_attn_backward(dq, dk, dv, dao, c->att, c->q, c->k, c->v, c->B, c->T, D, c->H, work);
	for (int r = 0; r < rows; r++)
	{
		memcpy(dqkv + (size_t) r * 3 * D, dq + (size_t) r * D, sizeof(ae_real) * D);
		memcpy(dqkv + (size_t) r * 3 * D + D, dk + (size_t) r * D, sizeof(ae_real) * D);
		memcpy(dqkv + (size_t) r * 3 * D + 2 * D, dv + (size_t) r * D, sizeof(ae_real) * D);
	}
	(c->naive ? ae_dense_backward_naive : ae_dense_backward) (dln, dwqkv, dbqkv, dqkv, c->ln,
															   c->wqkv, rows, D, 3 * D);
	(c->naive ? ae_layernorm_backward_naive : ae_layernorm_backward) (dx, dgamma, dbeta, dln, c->x,
																	   c->mean, c->rstd, c->gamma,
																	   rows, D);
	for (int i = 0; i < n; i++)
		dx[i] += c->coef[i];	/* the residual */
}

/* One input or parameter of the block: its values, its gradient, the floor of its errors. */
typedef struct BlockCoords
{
	const char *name;
	ae_real    *v;
	const ae_real *grad;
	int			n;
	double		floor;
} BlockCoords;

/*
 * The pieces compose: a whole attention block (layer norm, one dense
 * layer to q, k and v, attention, the output's dense layer, the residual)
 * against finite differences of its loss, with respect to x and every
 * parameter, both paths, with and without a mask.  The keys' bias shifts
 * every score of a query by the same amount, which the softmax ignores:
 * its gradient is zero, checked as such, and its differences, pure
 * rounding, are held to 1e-9 absolute (a floor of 1e-3 under GRAD_TOL).
 */
static void
test_attention_block(void)
{
	static const AttnShape shapes[] = {
		{2, 3, 4, 2, "110" "010"},
		{1, 4, 6, 3, NULL},
		{2, 2, 3, 1, "11" "01"},
	};
	UnitRegion	reg;

	unit_region_init(&reg);
	for (size_t sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++)
		for (int naive = 0; naive <= 1; naive++)
		{
			const AttnShape *s = &shapes[sh];
			const AeAlloc *a = &reg.alloc;
			BlockCase	c = {0};
			int			D = s->D,
						rows = s->B * s->T,
						n = rows * D;
			unsigned char *keep = NULL;
			ae_real    *dx,
					   *dgamma,
					   *dbeta,
					   *dwqkv,
					   *dbqkv,
					   *dwo,
					   *dbo;
			double		kbias;
			char		what[96];

			c.B = s->B;
			c.T = s->T;
			c.D = D;
			c.H = s->H;
			c.naive = naive;
			if (s->keep)
			{
				keep = ae_alloc(a, rows);
				keep_from(keep, s->keep, rows);
			}
			c.keep = keep;
			c.gamma = ae_alloc(a, sizeof(ae_real) * D);
			c.beta = ae_alloc(a, sizeof(ae_real) * D);
			c.wqkv = ae_alloc(a, sizeof(ae_real) * 3 * D * D);
			c.bqkv = ae_alloc(a, sizeof(ae_real) * 3 * D);
			c.wo = ae_alloc(a, sizeof(ae_real) * D * D);
			c.bo = ae_alloc(a, sizeof(ae_real) * D);
			c.x = ae_alloc(a, sizeof(ae_real) * n);
			c.ln = ae_alloc(a, sizeof(ae_real) * n);
			c.mean = ae_alloc(a, sizeof(ae_real) * rows);
			c.rstd = ae_alloc(a, sizeof(ae_real) * rows);
			c.qkv = ae_alloc(a, sizeof(ae_real) * 3 * n);
			c.q = ae_alloc(a, sizeof(ae_real) * n);
			c.k = ae_alloc(a, sizeof(ae_real) * n);
			c.v = ae_alloc(a, sizeof(ae_real) * n);
			c.att = ae_alloc(a, sizeof(ae_real) * c.B * c.H * c.T * c.T);
			c.ao = ae_alloc(a, sizeof(ae_real) * n);
			c.y = ae_alloc(a, sizeof(ae_real) * n);
			c.coef = ae_alloc(a, sizeof(ae_real) * n);
			dx = ae_alloc(a, sizeof(ae_real) * n);
			dgamma = ae_alloc(a, sizeof(ae_real) * D);
			dbeta = ae_alloc(a, sizeof(ae_real) * D);
			dwqkv = ae_alloc(a, sizeof(ae_real) * 3 * D * D);
			dbqkv = ae_alloc(a, sizeof(ae_real) * 3 * D);
			dwo = ae_alloc(a, sizeof(ae_real) * D * D);
			dbo = ae_alloc(a, sizeof(ae_real) * D);
			fill(c.x, n, -1.5, 1.5);
			fill(c.gamma, D, 0.5, 1.5);
			fill(c.beta, D, -0.5, 0.5);
			fill(c.wqkv, 3 * D * D, -1, 1);
			fill(c.bqkv, 3 * D, -0.3, 0.3);
			fill(c.wo, D * D, -1, 1);
			fill(c.bo, D, -0.3, 0.3);
			fill(c.coef, n, -1, 1);
			block_loss(&c);
			block_backward(&c, dx, dgamma, dbeta, dwqkv, dbqkv, dwo, dbo, a);
			{
				const BlockCoords coords[] = {
					{"x", c.x, dx, n, GRAD_FLOOR},
					{"gamma", c.gamma, dgamma, D, GRAD_FLOOR},
					{"beta", c.beta, dbeta, D, GRAD_FLOOR},
					{"qkv weights", c.wqkv, dwqkv, 3 * D * D, GRAD_FLOOR},
					{"q bias", c.bqkv, dbqkv, D, GRAD_FLOOR},
					{"k bias", c.bqkv + D, dbqkv + D, D, 1e-3},
					{"v bias", c.bqkv + 2 * D, dbqkv + 2 * D, D, GRAD_FLOOR},
					{"output weights", c.wo, dwo, D * D, GRAD_FLOOR},
					{"output bias", c.bo, dbo, D, GRAD_FLOOR},
				};

				for (size_t p = 0; p < sizeof(coords) / sizeof(coords[0]); p++)
				{
					snprintf(what, sizeof(what), "block %s B%d T%d D%d H%d%s: %s",
							 naive ? "naive" : "fast", c.B, c.T, D, c.H, keep ? " masked" : "",
							 coords[p].name);
					report(what, fd_worst_floor(block_loss, &c, coords[p].v, coords[p].grad,
												coords[p].n, coords[p].floor), coords[p].n);
				}
			}
			kbias = 0;
			for (int i = D; i < 2 * D; i++)
				kbias = fmax(kbias, fabs(dbqkv[i]));
			CHECK(kbias < 1e-12, "block %s B%d T%d D%d: the keys' bias has gradient 0 (%.2e)",
				  naive ? "naive" : "fast", c.B, c.T, D, kbias);
		}
	unit_region_free(&reg);
}

static const UnitTest tests[] = {
	{"dense layer", test_dense},
	{"activations", test_activations},
	{"squared and bce losses", test_scalar_losses},
	{"softmax cross-entropy", test_softmax_ce},
	{"kl to the standard normal", test_kl_normal},
	{"model gradients, tanh", test_model_tanh},
	{"model gradients, elu", test_model_elu},
	{"model gradients, sigmoid", test_model_sigmoid},
	{"sparse penalty and objective, sigmoid and linear latent", test_sparse},
	{"contractive, tanh", test_contractive_tanh},
	{"contractive, sigmoid", test_contractive_sigmoid},
	{"contractive, elu", test_contractive_elu},
	{"contractive, relu", test_contractive_relu},
	{"vae penalty and objective", test_vae},
	{"cvae penalty and objective", test_cvae},
	{"aae adversarial term and discriminator", test_aae},
	{"lstm layer, sequences of 5, 3 and 1 steps", test_lstm},
	{"lstm kind, the whole model", test_lstm_model},
	{"convolution and upsampling", test_conv},
	{"conv kind, the whole model", test_conv_model},
	{"layer norm", test_layernorm},
	{"gelu", test_gelu},
	{"multi-head self-attention, with and without a key mask", test_attention},
	{"an attention block composed of the layers", test_attention_block},
	{"transformer kind, the whole model", test_transformer_model},
};

/* Run every gradient check. */
int
main(void)
{
	ae_rng_seed(&rng, 20240611);
	return unit_main(tests, UNIT_NTESTS(tests));
}
