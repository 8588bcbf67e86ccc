/*
 * test_kernels.c — the CPU's kernel sets (kernels.h) against the naive
 * references, in the production (float) build: every set this machine
 * runs (generic, avx2, avx512), on odd sizes and unaligned pointers; the
 * exponential family's largest errors against double precision over a
 * dense sweep of its range; one row through a packed layer, from every
 * input or from the nonzero ones, against the naive dense layer; and a model's outputs for one row under every set,
 * which must agree within 1e-5 relative (a model trained on one machine
 * scores the same on another).
 */
#include "core/attn.h"
#include "core/dense.h"
#include "core/kernels.h"
#include "core/loss.h"
#include "core/model.h"
#include "core/rng.h"
#include "unit.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define MAX_N 1100
#define CROSS_TOL 1e-5

static AeRng rng;

static const size_t sizes[] = {0, 1, 3, 7, 15, 16, 17, 33, 100, 1001};

/*
 * Is got within AE_KERNEL_TOLERANCE of ref: relative, or absolute below 1
 * (the references compute in float too, and a gradient's product rounds
 * at its operands' scale)?
 */
static int
close_to(double got, double ref)
{
	double		scale = fabs(ref) > 1 ? fabs(ref) : 1;

	if (isnan(ref))
		return isnan(got);
	return fabs(got - ref) <= AE_KERNEL_TOLERANCE * scale;
}

/* Values for the element-wise kernels: spread over [-12, 12], special ones first. */
static void
fill_values(float *x, size_t n)
{
	static const float special[] = {0.0f, -0.0f, 1e-8f, -1e-8f, 1e-3f, -1e-3f, 0.35f, -0.35f,
	30.0f, -30.0f, 80.0f, -80.0f};

	for (size_t i = 0; i < n; i++)
		x[i] = i < sizeof(special) / sizeof(special[0]) ? special[i]
			: (float) (24 * ae_rng_uniform(&rng) - 12);
}

/* Each set's activations, their gradients, GELU, exp and the squared error against the references. */
static void
test_elementwise(void)
{
	static float xbuf[MAX_N + 4],
				ref[MAX_N],
				got[MAX_N + 4],
				dref[MAX_N],
				dbuf[MAX_N + 4];

	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
	{
		const AeKernels *k = ae_kernels_level(level);
		int			bad = 0;

		if (k == NULL)
		{
			printf("   level %d: not run by this CPU\n", level);
			continue;
		}
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int off = 0; off < 4; off++)
			{
				size_t		n = sizes[s];
				float	   *x = xbuf + off,
						   *g = got + off,
						   *d = dbuf + off;

				fill_values(x, n);
				for (int act = 0; act < AE_ACT_COUNT; act++)
				{
					memcpy(ref, x, sizeof(float) * n);
					ae_act_forward_naive(act, ref, n);
					memcpy(g, x, sizeof(float) * n);
					k->act_forward(act, g, n);
					for (size_t i = 0; i < n; i++)
						bad += !close_to(g[i], ref[i]);
					/* gradients from the reference's outputs, on the same dy */
					fill_values(dref, n);
					memcpy(d, dref, sizeof(float) * n);
					ae_act_backward_naive(act, dref, ref, n);
					k->act_backward(act, d, ref, n);
					for (size_t i = 0; i < n; i++)
						bad += !close_to(d[i], dref[i]);
				}
				ae_gelu_forward_naive(ref, x, n);
				k->gelu_forward(g, x, n);
				for (size_t i = 0; i < n; i++)
					bad += !close_to(g[i], ref[i]);
				fill_values(dref, n);
				memcpy(d, dref, sizeof(float) * n);
				ae_gelu_backward_naive(dref, dref, x, n);
				k->gelu_backward(d, d, x, n);	/* in place, as tfnet.c calls it */
				for (size_t i = 0; i < n; i++)
					bad += !close_to(d[i], dref[i]);
				/* exp, on arguments within its unclamped range */
				for (size_t i = 0; i < n; i++)
					ref[i] = expf(x[i]);
				memcpy(g, x, sizeof(float) * n);
				k->exp(g, n);
				for (size_t i = 0; i < n; i++)
					bad += !close_to(g[i], ref[i]);
				/* nothing written past the end */
				g[n] = 12345.0f;
				k->act_forward(AE_ACT_TANH, g, n);
				bad += g[n] != 12345.0f;
				/* a row's squared error: x against dref, cells unobserved at random */
				{
					static uint8_t mbuf[MAX_N + 4];
					uint8_t    *mk = mbuf + off;
					double		ref_sum,
								got_sum;

					fill_values(dref, n);
					for (size_t i = 0; i < n; i++)
						mk[i] = ae_rng_uniform(&rng) < 0.8;
					ref_sum = ae_sq_loss_row_naive(x, dref, mk, n, 0.25f, ref);
					d[n] = 12345.0f;
					got_sum = k->sq_loss(x, dref, mk, n, 0.25f, d);
					bad += !(fabs(got_sum - ref_sum) <= 1e-12 * (1 + ref_sum)) || d[n] != 12345.0f;
					for (size_t i = 0; i < n; i++)
						bad += d[i] != ref[i];
					bad += k->sq_loss(x, dref, mk, n, 0.25f, NULL) != got_sum;
				}
			}
		CHECK(bad == 0, "%s: %d values off the references by more than %.0e", k->name, bad,
			  AE_KERNEL_TOLERANCE);
	}
}

/* Largest error of f over a sweep of [lo, hi] against ref in double, relative or below 0.1 absolute. */
static double
sweep_error(const AeKernels *k, int act, double lo, double hi, double (*ref) (double))
{
	static float x[4096];
	double		worst = 0;
	size_t		n = sizeof(x) / sizeof(x[0]);

	for (double start = lo; start < hi; start += n * 1e-3)
	{
		float		y[sizeof(x) / sizeof(x[0])];

		for (size_t i = 0; i < n; i++)
			x[i] = (float) fmin(start + i * 1e-3, hi);
		memcpy(y, x, sizeof(y));
		if (act < 0)
			k->exp(y, n);
		else
			k->act_forward(act, y, n);
		for (size_t i = 0; i < n; i++)
		{
			double		r = ref((double) x[i]),
						e = fabs(y[i] - r) / (fabs(r) > 0.1 ? fabs(r) : 0.1);

			if (!(e <= worst))
				worst = isnan(e) ? INFINITY : e;
		}
	}
	return worst;
}

static double
sigmoid_ref(double x)
{
	return 1 / (1 + exp(-x));
}

static double
elu_ref(double x)
{
	return x > 0 ? x : expm1(x);
}

/* Each set's exponential family: errors over its range in steps of 0.001, small values, clamping. */
static void
test_error_bounds(void)
{
	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
	{
		const AeKernels *k = ae_kernels_level(level);
		double		e_exp,
					e_tanh,
					e_sig,
					e_elu;
		float		tiny[4] = {1e-6f, -1e-6f, 1e-20f, -3e-4f},
					big[4] = {100.0f, -100.0f, 1e30f, -1e30f};

		if (k == NULL)
			continue;
		e_exp = sweep_error(k, -1, -87, 88, exp);
		e_tanh = sweep_error(k, AE_ACT_TANH, -20, 20, tanh);
		e_sig = sweep_error(k, AE_ACT_SIGMOID, -80, 80, sigmoid_ref);
		e_elu = sweep_error(k, AE_ACT_ELU, -80, 10, elu_ref);
		printf("   %s: largest error exp %.2e, tanh %.2e, sigmoid %.2e, elu %.2e\n",
			   k->name, e_exp, e_tanh, e_sig, e_elu);
		CHECK(e_exp <= 2.5e-7, "%s: exp within 2.5e-7 relative (%.2e)", k->name, e_exp);
		CHECK(e_tanh <= 2.5e-7 && e_sig <= 2.5e-7 && e_elu <= 2.5e-7,
			  "%s: tanh, sigmoid, elu within 2.5e-7", k->name);
		/* near 0, tanh keeps its relative precision */
		k->act_forward(AE_ACT_TANH, tiny, 4);
		CHECK(fabs(tiny[0] - 1e-6) < 1e-12 && fabs(tiny[1] + 1e-6) < 1e-12 && tiny[2] == 1e-20f &&
			  fabs(tiny[3] - tanh(-3e-4)) < 1e-10, "%s: tanh of small values keeps their digits",
			  k->name);
		/* clamped, never overflowing: the largest and smallest arguments stay finite */
		k->exp(big, 4);
		CHECK(isfinite(big[0]) && big[0] > 1e38f && big[1] >= 0 && big[1] < 1e-37f &&
			  isfinite(big[2]) && big[3] >= 0, "%s: exp is clamped to finite values", k->name);
	}
}

/*
 * Do a and b agree as the sets must: exactly where the compiler contracts
 * no product into an FMA (GCC in ISO C mode, as `make unit` builds), else
 * within 2 units in the last place?
 */
static int
same_as(float a, float b)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__STRICT_ANSI__)
	return memcmp(&a, &b, sizeof(a)) == 0;
#else
	return a == b || (isnan(a) && isnan(b)) ||
		fabs((double) a - b) <= 2 * FLT_EPSILON * fmax(fabs((double) b), FLT_MIN);
#endif
}

/*
 * tanh's properties in every set: odd exactly (signed zeros too), never
 * above 1 in magnitude, ±1 from 10 on and for ±inf, NaN kept; and every
 * activation the same in every set as in the generic one, over [−20, 20].
 */
static void
test_tanh_properties(void)
{
	enum
	{
		N = 8001
	};
	static float x[N],
				y[N],
				neg[N],
				ref[AE_ACT_COUNT][N];
	const AeKernels *generic = ae_kernels_level(0);

	for (int i = 0; i < N; i++)
		x[i] = (float) (i * 2.5e-3);
	for (int act = 0; act < AE_ACT_COUNT; act++)
	{
		for (int i = 0; i < N; i++)
			ref[act][i] = 20 - x[i] * 2;
		generic->act_forward(act, ref[act], N);
	}
	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
	{
		const AeKernels *k = ae_kernels_level(level);
		float		edge[] = {INFINITY, -INFINITY, 1e30f, -1e30f, 100.0f, -100.0f, 10.0f, -10.0f},
					special[] = {0.0f, -0.0f, NAN, -NAN};
		int			odd = 0,
					above = 0,
					differ = 0;

		if (k == NULL)
			continue;
		memcpy(y, x, sizeof(y));
		k->act_forward(AE_ACT_TANH, y, N);
		for (int i = 0; i < N; i++)
			neg[i] = -x[i];
		k->act_forward(AE_ACT_TANH, neg, N);
		for (int i = 0; i < N; i++)
		{
			float		minus = -y[i];

			odd += memcmp(&neg[i], &minus, sizeof(float)) != 0;
			above += !(fabsf(y[i]) <= 1);
		}
		CHECK(odd == 0 && above == 0, "%s: tanh(-x) is -tanh(x) (%d not) and |tanh| <= 1 (%d not)",
			  k->name, odd, above);
		k->act_forward(AE_ACT_TANH, edge, 8);
		CHECK(edge[0] == 1 && edge[1] == -1 && edge[2] == 1 && edge[3] == -1 && edge[4] == 1 &&
			  edge[5] == -1 && edge[6] == 1 && edge[7] == -1, "%s: tanh is ±1 from 10 on and at ±inf",
			  k->name);
		k->act_forward(AE_ACT_TANH, special, 4);
		CHECK(special[0] == 0 && !signbit(special[0]) && special[1] == 0 && signbit(special[1]) &&
			  isnan(special[2]) && isnan(special[3]), "%s: tanh keeps ±0 and NaN", k->name);
		for (int act = 0; act < AE_ACT_COUNT; act++)
		{
			for (int i = 0; i < N; i++)
				y[i] = 20 - x[i] * 2;
			k->act_forward(act, y, N);
			for (int i = 0; i < N; i++)
				differ += !same_as(y[i], ref[act][i]);
		}
		CHECK(differ == 0, "%s: every activation as the generic set computes it (%d differ)", k->name,
			  differ);
	}
}

/* Largest error of a row's outputs against the reference, relative above 1. */
static double
row_error(const float *out, const float *ref, int n)
{
	double		worst = 0;

	for (int o = 0; o < n; o++)
	{
		double		e = fabs(out[o] - ref[o]) / (fabs(ref[o]) > 1 ? fabs(ref[o]) : 1);

		if (!(e <= worst))
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

/*
 * One row through a packed layer, densely and from its nonzero inputs,
 * every set, against the naive dense forward.
 */
static void
test_dense_row(void)
{
	static const int shapes[][2] = {{1, 1}, {3, 5}, {17, 33}, {60, 60}, {64, 30}, {30, 64},
	{7, 100}, {200, 17}};

	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
	{
		const AeKernels *k = ae_kernels_level(level);
		double		worst = 0;

		if (k == NULL)
			continue;
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		{
			int			nin = shapes[s][0],
						nout = shapes[s][1];
			float	   *w = malloc(sizeof(float) * nin * nout),
					   *b = malloc(sizeof(float) * nout),
					   *x = malloc(sizeof(float) * (nin + 1)),
					   *ref = malloc(sizeof(float) * nout),
					   *out = malloc(sizeof(float) * (nout + 2)),
					   *packed = malloc(sizeof(float) * (ae_pack_size(nin, nout) + 1)),
					   *val = malloc(sizeof(float) * nin);
			int		   *idx = malloc(sizeof(int) * nin),
						nnz;

			for (int i = 0; i < nin * nout; i++)
				w[i] = (float) (2 * ae_rng_uniform(&rng) - 1);
			for (int i = 0; i < nout; i++)
				b[i] = (float) (2 * ae_rng_uniform(&rng) - 1);
			for (int i = 0; i <= nin; i++)
				x[i] = (float) (2 * ae_rng_uniform(&rng) - 1);
			/* unaligned input, output and weights */
			ae_pack_layer(packed + 1, w, b, nin, nout);
			ae_dense_forward_naive(ref, x + 1, w, b, 1, nin, nout);
			out[nout + 1] = 777.0f;
			k->dense_row(out + 1, x + 1, packed + 1, nin, nout);
			worst = fmax(worst, row_error(out + 1, ref, nout));
			CHECK(out[nout + 1] == 777.0f, "%s: %dx%d writes nout outputs only", k->name, nin, nout);
			/* from the nonzero inputs alone: every third input zero */
			nnz = 0;
			for (int i = 0; i < nin; i++)
			{
				if (i % 3 == 1)
					x[1 + i] = 0;
				else
				{
					idx[nnz] = i;
					val[nnz++] = x[1 + i];
				}
			}
			ae_dense_forward_naive(ref, x + 1, w, b, 1, nin, nout);
			k->dense_row_sparse(out + 1, idx, val, nnz, packed + 1, nout);
			worst = fmax(worst, row_error(out + 1, ref, nout));
			CHECK(out[nout + 1] == 777.0f, "%s: %dx%d sparse writes nout outputs only", k->name, nin,
				  nout);
			free(w);
			free(b);
			free(x);
			free(ref);
			free(out);
			free(packed);
			free(val);
			free(idx);
		}
		printf("   %s: largest scaled error of a packed row %.2e\n", k->name, worst);
		CHECK(worst < 1e-5, "%s: packed rows match the naive layer (%.2e)", k->name, worst);
	}
}

/* A tanh model with a wide hidden layer: 40 numeric columns, 64 hidden, 6 latent. */
static void
wide_model(AeModel *model, AeColumn *cols, int ncols)
{
	memset(model, 0, sizeof(*model));
	memset(cols, 0, sizeof(AeColumn) * ncols);
	for (int c = 0; c < ncols; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "c%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].flags = AE_COLFLAG_INDICATOR;
		cols[c].scale = 1;
		cols[c].weight = 1;
		cols[c].hi = 1;
	}
	model->opt.kind = AE_KIND_AE;
	model->opt.score = AE_SCORE_RECONSTRUCTION;
	model->opt.activation = AE_ACT_TANH;
	model->opt.nhidden = 1;
	model->opt.hidden[0] = 64;
	model->opt.latent = 6;
	model->ncols = ncols;
	model->cols = cols;
}

/*
 * One row's outputs under every set (packed, one row at a time) and by
 * the batch path (GEMM, unpacked): all within CROSS_TOL relative.
 */
static void
test_cross_level(void)
{
	enum
	{
		NCOLS = 40, ROWS = 50
	};
	AeColumn	cols[NCOLS];
	AeModel		model;
	AeWork		work;
	UnitRegion	reg;
	const AeAlloc *a = &reg.alloc;
	static ae_real t[ROWS][NCOLS],
				x[ROWS][2 * NCOLS],
				out[AE_KERNEL_LEVELS + 1][ROWS][NCOLS];
	static uint8_t m[ROWS][NCOLS];
	double		loss[AE_KERNEL_LEVELS + 1][ROWS];
	double		worst = 0,
				worst_loss = 0;

	unit_region_init(&reg);
	wide_model(&model, cols, NCOLS);
	CHECK(ae_model_layout(&model) == AE_OK && ae_model_alloc_params(&model, a) == AE_OK &&
		  ae_work_init(&work, &model, ROWS, a) == AE_OK, "the model lays out");
	ae_model_init_params(&model, &rng);
	for (int r = 0; r < ROWS; r++)
		for (int c = 0; c < NCOLS; c++)
		{
			t[r][c] = (ae_real) (3 * ae_rng_normal(&rng));
			m[r][c] = ae_rng_uniform(&rng) > 0.1;
		}
	ae_model_inputs(&model, &t[0][0], &m[0][0], &x[0][0], ROWS);
	/* the batch path: GEMM over every row at once */
	memcpy(out[AE_KERNEL_LEVELS], ae_model_forward(&model, &work, &x[0][0], ROWS),
		   sizeof(ae_real) * ROWS * NCOLS);
	ae_model_loss(&model, &out[AE_KERNEL_LEVELS][0][0], &t[0][0], &m[0][0], ROWS, NULL,
				  loss[AE_KERNEL_LEVELS]);
	CHECK(ae_model_pack(&model, a) == AE_OK && model.packed != NULL, "the model packs");
	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
	{
		const AeKernels *k = ae_kernels_level(level);

		if (k == NULL)
			continue;
		ae_kernels_use(k);
		for (int r = 0; r < ROWS; r++)
		{
			memcpy(out[level][r], ae_model_forward(&model, &work, x[r], 1), sizeof(ae_real) * NCOLS);
			ae_model_loss(&model, out[level][r], t[r], m[r], 1, NULL, &loss[level][r]);
		}
	}
	ae_kernels_use(NULL);
	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
		for (int other = level + 1; other <= AE_KERNEL_LEVELS; other++)
		{
			if (ae_kernels_level(level) == NULL ||
				(other < AE_KERNEL_LEVELS && ae_kernels_level(other) == NULL))
				continue;
			for (int r = 0; r < ROWS; r++)
			{
				double		e = fabs(loss[level][r] - loss[other][r]) / fabs(loss[other][r]),
							scale = 1;

				if (!(e <= worst_loss))
					worst_loss = isnan(e) ? INFINITY : e;
				/* outputs, relative to the row's largest */
				for (int o = 0; o < NCOLS; o++)
					scale = fmax(scale, fabs(out[other][r][o]));
				for (int o = 0; o < NCOLS; o++)
				{
					e = fabs(out[level][r][o] - out[other][r][o]) / scale;
					if (!(e <= worst))
						worst = isnan(e) ? INFINITY : e;
				}
			}
		}
	printf("   largest relative difference between sets and the batch path: scores %.2e, outputs %.2e\n",
		   worst_loss, worst);
	CHECK(worst_loss <= CROSS_TOL && worst <= CROSS_TOL,
		  "every set and the batch path agree within %.0e (scores %.2e, outputs %.2e)", CROSS_TOL,
		  worst_loss, worst);
	unit_region_free(&reg);
}

/* The widest set is one this CPU runs, and the generic set always runs. */
static void
test_dispatch(void)
{
	const AeKernels *best = ae_kernels();

	printf("   kernels in use: %s (%d lanes)\n", best->name, best->lanes);
	CHECK(ae_kernels_level(0) != NULL, "the generic set always runs");
	CHECK(ae_kernels_level(AE_KERNEL_LEVELS) == NULL && ae_kernels_level(-1) == NULL,
		  "levels out of range have no set");
	for (int level = AE_KERNEL_LEVELS - 1; level >= 0; level--)
		if (ae_kernels_level(level))
		{
			CHECK(best == ae_kernels_level(level), "the widest set that runs is chosen");
			break;
		}
}

static const UnitTest tests[] = {
	{"dispatch", test_dispatch},
	{"element-wise kernels", test_elementwise},
	{"error bounds", test_error_bounds},
	{"tanh's properties", test_tanh_properties},
	{"packed dense row", test_dense_row},
	{"sets agree on a model", test_cross_level},
};

int
main(void)
{
	ae_rng_seed(&rng, 20261124);
	return unit_main(tests, UNIT_NTESTS(tests));
}
