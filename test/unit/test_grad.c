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
 * loss, and a whole mixed-column model (every parameter) with tanh and elu.
 */
#include "core/dense.h"
#include "core/loss.h"
#include "core/model.h"
#include "core/rng.h"
#include "unit.h"

#include <math.h>
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

/* Relative error of analytic gradient a against numeric gradient n. */
static double
rel_err(double a, double n)
{
	double		den = fabs(a) + fabs(n);

	return fabs(a - n) / (den > GRAD_FLOOR ? den : GRAD_FLOOR);
}

/* Print the largest relative error of a check and bound it. */
static void
report(const char *what, double max_err, int ncoords)
{
	printf("   %-34s max rel err %.3e over %d coords\n", what, max_err, ncoords);
	CHECK(max_err < GRAD_TOL, "%s: max relative error %.3e, expected < %.0e",
		  what, max_err, GRAD_TOL);
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

static char *colour_cats[] = {"red", "green", "blue"};

/* Four mixed columns: numeric, boolean, categorical (3 values), numeric with a missing indicator. */
static void
mixed_columns(AeColumn cols[4])
{
	memset(cols, 0, sizeof(AeColumn) * 4);
	for (int c = 0; c < 4; c++)
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

/* Every parameter's gradient from ae_model_backward against finite differences of ae_model_loss. */
static void
check_model(int act)
{
	enum
	{
		B = 9, NC = 4
	};
	AeColumn	cols[NC];
	AeModel		model;
	AeWork		work;
	UnitRegion	reg;
	ae_real		t[B * NC];
	uint8_t		m[B * NC];
	ae_real    *grads;
	const ae_real *out;
	double		loss,
				worst = 0,
				worst_w = 0,
				worst_b = 0;
	AeRng		init_rng;
	char		what[64];
	int			nmissing = 0;

	unit_region_init(&reg);
	mixed_columns(cols);
	memset(&model, 0, sizeof(model));
	model.opt.kind = AE_KIND_AE;
	model.opt.activation = act;
	model.opt.nhidden = 2;
	model.opt.hidden[0] = 6;
	model.opt.hidden[1] = 5;
	model.opt.latent = 3;
	model.ncols = NC;
	model.cols = cols;

	CHECK(ae_model_layout(&model) == AE_OK, "layout of the mixed model");
	/* inputs 1 + 1 + (3+1) + (1+1); outputs 1 + 1 + (3+1) + 1 */
	CHECK(model.n_in == 8 && model.n_out == 7, "n_in 8, n_out 7 (got %d, %d)", model.n_in, model.n_out);
	CHECK(model.nlayers == 6 && model.nencoder == 3, "6 layers, 3 encoding (got %d, %d)",
		  model.nlayers, model.nencoder);
	CHECK(ae_model_alloc_params(&model, &reg.alloc) == AE_OK, "alloc params");
	ae_rng_seed(&init_rng, 42);
	ae_model_init_params(&model, &init_rng);
	/* biases start at zero; give them generic values so their gradients are generic too */
	for (int l = 0; l < model.nlayers; l++)
		fill(model.params + model.layers[l].b_off, model.layers[l].nout, -0.3, 0.3);
	CHECK(ae_work_init(&work, &model, B, &reg.alloc) == AE_OK, "work init");
	grads = ae_alloc(&reg.alloc, sizeof(ae_real) * model.nparams);

	/* a random batch: about a quarter missing, the last row entirely missing */
	for (int r = 0; r < B; r++)
	{
		ae_real    *tr = t + r * NC;
		uint8_t    *mr = m + r * NC;

		tr[0] = ae_rng_normal(&rng);
		tr[1] = (ae_real) ae_rng_below(&rng, 2);
		tr[2] = (ae_real) ae_rng_below(&rng, 4);	/* 3 is the "other" class */
		tr[3] = ae_rng_normal(&rng);
		for (int c = 0; c < NC; c++)
		{
			mr[c] = r == B - 1 ? 0 : ae_rng_uniform(&rng) >= 0.25;
			nmissing += !mr[c];
		}
	}
	m[1 * NC + 3] = 0;			/* the indicator input is exercised at least once */
	m[2 * NC + 3] = 1;

	ae_model_inputs(&model, t, m, work.x, B);
	out = ae_model_forward(&model, &work, work.x, B);
	loss = ae_model_loss(&model, out, t, m, B, work.dout, NULL);
	CHECK(isfinite(loss) && loss > 0, "model loss finite and positive: %g", loss);
	memset(grads, 0, sizeof(ae_real) * model.nparams);
	ae_model_backward(&model, &work, work.x, work.dout, B, grads);

	for (int l = 0; l < model.nlayers; l++)
	{
		const AeLayer *L = &model.layers[l];

		for (size_t i = L->w_off; i < L->b_off + L->nout; i++)
		{
			double		save = model.params[i],
						lp,
						lm,
						e;

			model.params[i] = save + GRAD_H;
			lp = ae_model_loss(&model, ae_model_forward(&model, &work, work.x, B), t, m, B, NULL, NULL);
			model.params[i] = save - GRAD_H;
			lm = ae_model_loss(&model, ae_model_forward(&model, &work, work.x, B), t, m, B, NULL, NULL);
			model.params[i] = save;
			e = rel_err(grads[i], (lp - lm) / (2 * GRAD_H));
			if (e > worst)
				worst = e;
			if (i < L->b_off && e > worst_w)
				worst_w = e;
			if (i >= L->b_off && e > worst_b)
				worst_b = e;
		}
	}
	snprintf(what, sizeof(what), "model %s, all %zu params", ae_act_name(act), model.nparams);
	report(what, worst, (int) model.nparams);
	printf("   (weights %.3e, biases %.3e; %d of %d values missing)\n",
		   worst_w, worst_b, nmissing, B * NC);
	unit_region_free(&reg);
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

static const UnitTest tests[] = {
	{"dense layer", test_dense},
	{"activations", test_activations},
	{"squared and bce losses", test_scalar_losses},
	{"softmax cross-entropy", test_softmax_ce},
	{"kl to the standard normal", test_kl_normal},
	{"model gradients, tanh", test_model_tanh},
	{"model gradients, elu", test_model_elu},
	{"model gradients, sigmoid", test_model_sigmoid},
};

/* Run every gradient check. */
int
main(void)
{
	ae_rng_seed(&rng, 20240611);
	return unit_main(tests, UNIT_NTESTS(tests));
}
