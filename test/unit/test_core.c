/*
 * test_core.c — unit tests of the numeric core in its production (float)
 * build: the choice of BLAS library, the BLAS dense, lstm, convolution and
 * attention kernels and the layer norm against their naive references,
 * one Adam step against hand-computed values, weight decay, gradient
 * clipping, the random number generator, the model's layout (every
 * kind), input encoding and loss, small end-to-end training runs on synthetic data whose losses
 * must fall below stated bounds (ae on numeric and mixed columns, then
 * each kind: denoising, sparse, contractive, vae, cvae), what the sparse
 * and contractive kinds promise measured on held-out rows against a plain
 * ae (a sparse code; a flatter encoder, its Jacobian taken here by
 * differences), a vae's three scores and a cvae's decoder under different
 * conditions; long products cut into blocks of rows (the same results, a
 * tick between blocks, a longjmp out of one), training that diverges, and
 * the principal axes of points.
 */
#include "core/adam.h"
#include "core/attn.h"
#include "core/blas.h"
#include "core/conv.h"
#include "core/dense.h"
#include "core/lstm.h"
#include "core/model.h"
#include "core/pca.h"
#include "core/rng.h"
#include "unit.h"

#include <math.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>

static AeRng rng;

/* Fill a[0..n) uniformly from [-1, 1). */
static void
fill(ae_real *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = (ae_real) (2 * ae_rng_uniform(&rng) - 1);
}

/* Largest |a - b| over n values divided by max(1, largest |b|). */
static double
scaled_diff(const ae_real *a, const ae_real *b, size_t n)
{
	double		dmax = 0,
				bmax = 1;

	for (size_t i = 0; i < n; i++)
	{
		double		d = fabs((double) a[i] - b[i]);

		if (!(d <= dmax))		/* NaN counts as the worst */
			dmax = isnan(d) ? INFINITY : d;
		if (fabs(b[i]) > bmax)
			bmax = fabs(b[i]);
	}
	return dmax / bmax;
}

/* ---- dense kernels ---- */

#define KERNEL_TOL 1e-4

/* The line a kernel test ends with: its largest errors against the naive loops. */
static void
print_kernel_errors(double worst_f, double worst_b)
{
	printf("   largest scaled error: forward %.2e, backward %.2e (bound %.0e)\n",
		   worst_f, worst_b, KERNEL_TOL);
}

/*
 * The BLAS library: a named one that cannot be opened, or has no cblas
 * products, fails with the reason and leaves nothing open; the default
 * then opens, and is kept whatever is named after.  Runs before any
 * product opens the library.
 */
static void
test_blas_library(void)
{
	char		why[512];
	char		longname[AE_BLAS_NAME_MAX + 1];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(ae_blas_set_library(longname) == -1, "a name of %d bytes is refused", AE_BLAS_NAME_MAX);
	CHECK(ae_blas_set_library("/nonexistent/libcblas.so.3") == 0, "a name is taken");
	CHECK(ae_blas_load(why, sizeof(why)) == -1 && strstr(why, "/nonexistent/libcblas.so.3") != NULL,
		  "a missing library fails, naming it: %s", why);
	CHECK(ae_blas_set_library("libm.so.6") == 0, "another name is taken");
	CHECK(ae_blas_load(why, sizeof(why)) == -1 && strstr(why, "no cblas_sgemm") != NULL,
		  "a library without cblas products fails: %s", why);
	CHECK(ae_blas_set_library(NULL) == 0, "the default is restored");
	CHECK(ae_blas_load(why, sizeof(why)) == 0, "the default library opens");
	CHECK(ae_blas_set_library("/nonexistent/libcblas.so.3") == 0 &&
		  ae_blas_load(why, sizeof(why)) == 0, "the open library is kept");
	ae_blas_set_library(NULL);
}

/* ae_dense_forward/backward (cblas) against the naive loops on several shapes. */
static void
test_dense_kernels(void)
{
	static const int shapes[][3] = {
		/* B, nin, nout */
		{1, 1, 1}, {1, 7, 3}, {1, 64, 64}, {5, 13, 9}, {32, 17, 31},
		{33, 65, 63}, {2, 257, 3}, {64, 100, 1}, {7, 1, 129}
	};
	UnitRegion	reg;
	double		worst_f = 0,
				worst_b = 0;

	unit_region_init(&reg);
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
	{
		int			B = shapes[s][0],
					nin = shapes[s][1],
					nout = shapes[s][2];
		size_t		ni = (size_t) B * nin,
					nw = (size_t) nout * nin,
					no = (size_t) B * nout;
		const AeAlloc *a = &reg.alloc;
		ae_real    *inp = ae_alloc(a, sizeof(ae_real) * ni);
		ae_real    *w = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *b = ae_alloc(a, sizeof(ae_real) * nout);
		ae_real    *dout = ae_alloc(a, sizeof(ae_real) * no);
		ae_real    *out1 = ae_alloc(a, sizeof(ae_real) * no);
		ae_real    *out2 = ae_alloc(a, sizeof(ae_real) * no);
		ae_real    *dinp1 = ae_alloc(a, sizeof(ae_real) * ni);
		ae_real    *dinp2 = ae_alloc(a, sizeof(ae_real) * ni);
		ae_real    *dw1 = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *dw2 = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *dw3 = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *db1 = ae_alloc(a, sizeof(ae_real) * nout);
		ae_real    *db2 = ae_alloc(a, sizeof(ae_real) * nout);
		double		ef,
					ei,
					ew,
					eb,
					ew_null;

		fill(inp, ni);
		fill(w, nw);
		fill(b, nout);
		fill(dout, no);
		/* outputs and dinp start as garbage: both are overwritten */
		for (size_t i = 0; i < no; i++)
			out1[i] = out2[i] = 1e6f;
		for (size_t i = 0; i < ni; i++)
			dinp1[i] = dinp2[i] = -7;
		/* dw and db start nonzero: both kernels add into them */
		fill(dw1, nw);
		memcpy(dw2, dw1, sizeof(ae_real) * nw);
		memcpy(dw3, dw1, sizeof(ae_real) * nw);
		fill(db1, nout);
		memcpy(db2, db1, sizeof(ae_real) * nout);

		ae_dense_forward(out1, inp, w, b, B, nin, nout);
		ae_dense_forward_naive(out2, inp, w, b, B, nin, nout);
		ae_dense_backward(dinp1, dw1, db1, dout, inp, w, B, nin, nout);
		ae_dense_backward_naive(dinp2, dw2, db2, dout, inp, w, B, nin, nout);

		ef = scaled_diff(out1, out2, no);
		ei = scaled_diff(dinp1, dinp2, ni);
		ew = scaled_diff(dw1, dw2, nw);
		eb = scaled_diff(db1, db2, nout);
		CHECK(ef < KERNEL_TOL, "forward %dx%d->%d: scaled error %.2e < %.0e", B, nin, nout, ef, KERNEL_TOL);
		CHECK(ei < KERNEL_TOL, "backward dinp %dx%d->%d: scaled error %.2e", B, nin, nout, ei);
		CHECK(ew < KERNEL_TOL, "backward dw %dx%d->%d: scaled error %.2e", B, nin, nout, ew);
		CHECK(eb < KERNEL_TOL, "backward db %dx%d->%d: scaled error %.2e", B, nin, nout, eb);

		/* without dinp the weight gradient is the same */
		ae_dense_backward(NULL, dw3, db2, dout, inp, w, B, nin, nout);
		ew_null = scaled_diff(dw3, dw1, nw);
		CHECK(ew_null < KERNEL_TOL, "backward with dinp NULL %dx%d->%d: dw error %.2e", B, nin, nout, ew_null);

		worst_f = fmax(worst_f, ef);
		worst_b = fmax(worst_b, fmax(ei, fmax(ew, eb)));
	}
	print_kernel_errors(worst_f, worst_b);
	unit_region_free(&reg);
}

/* ae_lstm_forward/backward (cblas) against the naive loops, with sequences of every length. */
static void
test_lstm_kernels(void)
{
	static const int shapes[][4] = {
		/* T, B, NI, H */
		{1, 1, 1, 1}, {4, 3, 2, 5}, {12, 8, 1, 16}, {7, 33, 5, 9}, {3, 2, 40, 3}
	};
	UnitRegion	reg;
	double		worst_f = 0,
				worst_b = 0;

	unit_region_init(&reg);
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
	{
		int			T = shapes[s][0],
					B = shapes[s][1],
					NI = shapes[s][2],
					H = shapes[s][3];
		size_t		G = 4 * (size_t) H,
					nx = (size_t) T * B * NI,
					ns = (size_t) (T + 1) * B * H,
					ng = (size_t) T * B * G;
		const AeAlloc *a = &reg.alloc;
		int		   *len = ae_alloc(a, sizeof(int) * B);
		ae_real    *x = ae_alloc(a, sizeof(ae_real) * nx),
				   *wx = ae_alloc(a, sizeof(ae_real) * G * NI),
				   *wh = ae_alloc(a, sizeof(ae_real) * G * H),
				   *b = ae_alloc(a, sizeof(ae_real) * G),
				   *dh = ae_alloc(a, sizeof(ae_real) * ns),
				   *dcl = ae_alloc(a, sizeof(ae_real) * B * H),
				   *work = ae_alloc(a, sizeof(ae_real) * ae_lstm_work_size(T, B, H));
		ae_real    *h[2],
				   *c[2],
				   *g[2],
				   *dx[2],
				   *dh0[2],
				   *dc0[2],
				   *dwx[2],
				   *dwh[2],
				   *db[2];
		double		ef,
					eb;

		for (int r = 0; r < B; r++)
			len[r] = 1 + r % T;
		fill(x, nx);
		fill(wx, G * NI);
		fill(wh, G * H);
		fill(b, G);
		fill(dh, ns);
		fill(dcl, (size_t) B * H);
		for (int k = 0; k < 2; k++)
		{
			h[k] = ae_alloc(a, sizeof(ae_real) * ns);
			c[k] = ae_alloc(a, sizeof(ae_real) * ns);
			g[k] = ae_alloc(a, sizeof(ae_real) * ng);
			dx[k] = ae_alloc(a, sizeof(ae_real) * nx);
			dh0[k] = ae_alloc(a, sizeof(ae_real) * B * H);
			dc0[k] = ae_alloc(a, sizeof(ae_real) * B * H);
			dwx[k] = ae_alloc(a, sizeof(ae_real) * G * NI);
			dwh[k] = ae_alloc(a, sizeof(ae_real) * G * H);
			db[k] = ae_alloc(a, sizeof(ae_real) * G);
			fill(h[k], (size_t) B * H);		/* the same initial state in both */
			fill(dwx[k], G * NI);		/* gradients start nonzero: both add into them */
			fill(dwh[k], G * H);
			fill(db[k], G);
		}
		memcpy(h[1], h[0], sizeof(ae_real) * B * H);
		memset(c[0], 0, sizeof(ae_real) * B * H);
		memset(c[1], 0, sizeof(ae_real) * B * H);
		memcpy(dwx[1], dwx[0], sizeof(ae_real) * G * NI);
		memcpy(dwh[1], dwh[0], sizeof(ae_real) * G * H);
		memcpy(db[1], db[0], sizeof(ae_real) * G);

		ae_lstm_forward(h[0], c[0], g[0], x, len, wx, wh, b, T, B, NI, H);
		ae_lstm_forward_naive(h[1], c[1], g[1], x, len, wx, wh, b, T, B, NI, H);
		ae_lstm_backward(dx[0], dh0[0], dc0[0], dwx[0], dwh[0], db[0], dh, dcl, h[0], c[0], g[0],
						 x, len, wx, wh, T, B, NI, H, work);
		ae_lstm_backward_naive(dx[1], dh0[1], dc0[1], dwx[1], dwh[1], db[1], dh, dcl, h[1], c[1],
							   g[1], x, len, wx, wh, T, B, NI, H, work);
		ef = fmax(scaled_diff(h[0], h[1], ns), scaled_diff(c[0], c[1], ns));
		eb = fmax(fmax(scaled_diff(dx[0], dx[1], nx), scaled_diff(dwx[0], dwx[1], G * NI)),
				  fmax(fmax(scaled_diff(dwh[0], dwh[1], G * H), scaled_diff(db[0], db[1], G)),
					   fmax(scaled_diff(dh0[0], dh0[1], (size_t) B * H),
							scaled_diff(dc0[0], dc0[1], (size_t) B * H))));
		CHECK(ef < KERNEL_TOL, "lstm forward T%d B%d NI%d H%d: scaled error %.2e", T, B, NI, H, ef);
		CHECK(eb < KERNEL_TOL, "lstm backward T%d B%d NI%d H%d: scaled error %.2e", T, B, NI, H, eb);
		worst_f = fmax(worst_f, ef);
		worst_b = fmax(worst_b, eb);
	}
	print_kernel_errors(worst_f, worst_b);
	unit_region_free(&reg);
}

/* ae_conv_forward/backward (im2col + cblas) against the naive loops. */
static void
test_conv_kernels(void)
{
	static const struct
	{
		int			B;
		AeConvShape g;
	}			cases[] = {
		/* B, {C, H, W, K, kh, kw, sh, sw, ph, pw} */
		{1, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}}, {3, {2, 8, 8, 16, 3, 3, 2, 2, 1, 1}},
		{2, {16, 4, 4, 32, 3, 3, 2, 2, 1, 1}}, {4, {3, 7, 5, 4, 3, 3, 1, 1, 1, 1}},
		{2, {1, 28, 28, 8, 5, 5, 2, 2, 2, 2}}, {3, {2, 1, 48, 16, 1, 3, 1, 2, 0, 1}},
		{2, {4, 6, 9, 5, 3, 1, 2, 1, 1, 0}}
	};
	UnitRegion	reg;
	double		worst_f = 0,
				worst_b = 0;

	unit_region_init(&reg);
	for (size_t n = 0; n < sizeof(cases) / sizeof(cases[0]); n++)
	{
		int			B = cases[n].B;
		const AeConvShape *g = &cases[n].g;
		size_t		nx = (size_t) B * g->C * g->H * g->W,
					nw = (size_t) g->K * g->C * g->kh * g->kw,
					ny = (size_t) B * g->K * ae_conv_oh(g) * ae_conv_ow(g);
		const AeAlloc *a = &reg.alloc;
		ae_real    *x = ae_alloc(a, sizeof(ae_real) * nx),
				   *w = ae_alloc(a, sizeof(ae_real) * nw),
				   *b = ae_alloc(a, sizeof(ae_real) * g->K),
				   *dy = ae_alloc(a, sizeof(ae_real) * ny),
				   *cols = ae_alloc(a, sizeof(ae_real) * ae_conv_cols_size(g)),
				   *y[2],
				   *dx[2],
				   *dw[2],
				   *db[2];
		double		ef,
					eb;

		fill(x, nx);
		fill(w, nw);
		fill(b, g->K);
		fill(dy, ny);
		for (int q = 0; q < 2; q++)
		{
			y[q] = ae_alloc(a, sizeof(ae_real) * ny);
			dx[q] = ae_alloc(a, sizeof(ae_real) * nx);
			dw[q] = ae_alloc(a, sizeof(ae_real) * nw);
			db[q] = ae_alloc(a, sizeof(ae_real) * g->K);
			for (size_t i = 0; i < nx; i++)
				dx[q][i] = -7;	/* overwritten by both */
		}
		fill(dw[0], nw);		/* added into by both */
		memcpy(dw[1], dw[0], sizeof(ae_real) * nw);
		fill(db[0], g->K);
		memcpy(db[1], db[0], sizeof(ae_real) * g->K);
		ae_conv_forward(y[0], x, w, b, B, g, cols);
		ae_conv_forward_naive(y[1], x, w, b, B, g);
		ae_conv_backward(dx[0], dw[0], db[0], dy, x, w, B, g, cols);
		ae_conv_backward_naive(dx[1], dw[1], db[1], dy, x, w, B, g);
		ef = scaled_diff(y[0], y[1], ny);
		eb = fmax(scaled_diff(dx[0], dx[1], nx),
				  fmax(scaled_diff(dw[0], dw[1], nw), scaled_diff(db[0], db[1], g->K)));
		CHECK(ef < KERNEL_TOL, "conv forward %dx%dx%d k%dx%d s%d,%d -> %d: scaled error %.2e",
			  g->C, g->H, g->W, g->kh, g->kw, g->sh, g->sw, g->K, ef);
		CHECK(eb < KERNEL_TOL, "conv backward %dx%dx%d k%dx%d s%d,%d -> %d: scaled error %.2e",
			  g->C, g->H, g->W, g->kh, g->kw, g->sh, g->sw, g->K, eb);
		worst_f = fmax(worst_f, ef);
		worst_b = fmax(worst_b, eb);
	}
	print_kernel_errors(worst_f, worst_b);
	unit_region_free(&reg);
}

/* ae_layernorm_forward/backward against the naive references (the backward's from the Jacobian). */
static void
test_layernorm_kernels(void)
{
	static const int shapes[][2] = {
		/* rows (B·T), D */
		{1, 1}, {3, 2}, {6, 5}, {33, 64}, {128, 7}, {4, 257}
	};
	UnitRegion	reg;
	double		worst_f = 0,
				worst_b = 0;

	unit_region_init(&reg);
	for (size_t sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++)
	{
		int			rows = shapes[sh][0],
					D = shapes[sh][1];
		size_t		n = (size_t) rows * D;
		const AeAlloc *a = &reg.alloc;
		ae_real    *x = ae_alloc(a, sizeof(ae_real) * n),
				   *dy = ae_alloc(a, sizeof(ae_real) * n),
				   *gamma = ae_alloc(a, sizeof(ae_real) * D),
				   *beta = ae_alloc(a, sizeof(ae_real) * D),
				   *dgamma_null = ae_alloc(a, sizeof(ae_real) * D),
				   *dbeta_null = ae_alloc(a, sizeof(ae_real) * D),
				   *y[2],
				   *mean[2],
				   *rstd[2],
				   *dx[2],
				   *dgamma[2],
				   *dbeta[2];
		double		ef,
					eb,
					e_null;

		fill(x, n);
		for (size_t i = 0; i < n; i++)
			x[i] = 3 * x[i] + 2;	/* rows away from mean 0 and variance 1 */
		fill(dy, n);
		fill(gamma, D);
		fill(beta, D);
		for (int q = 0; q < 2; q++)
		{
			y[q] = ae_alloc(a, sizeof(ae_real) * n);
			mean[q] = ae_alloc(a, sizeof(ae_real) * rows);
			rstd[q] = ae_alloc(a, sizeof(ae_real) * rows);
			dx[q] = ae_alloc(a, sizeof(ae_real) * n);
			dgamma[q] = ae_alloc(a, sizeof(ae_real) * D);
			dbeta[q] = ae_alloc(a, sizeof(ae_real) * D);
			for (size_t i = 0; i < n; i++)
				y[q][i] = dx[q][i] = -7;	/* overwritten by both */
		}
		fill(dgamma[0], D);		/* added into by both */
		memcpy(dgamma[1], dgamma[0], sizeof(ae_real) * D);
		memcpy(dgamma_null, dgamma[0], sizeof(ae_real) * D);
		fill(dbeta[0], D);
		memcpy(dbeta[1], dbeta[0], sizeof(ae_real) * D);
		memcpy(dbeta_null, dbeta[0], sizeof(ae_real) * D);
		ae_layernorm_forward(y[0], mean[0], rstd[0], x, gamma, beta, rows, D);
		ae_layernorm_forward_naive(y[1], mean[1], rstd[1], x, gamma, beta, rows, D);
		ae_layernorm_backward(dx[0], dgamma[0], dbeta[0], dy, x, mean[0], rstd[0], gamma, rows, D);
		ae_layernorm_backward_naive(dx[1], dgamma[1], dbeta[1], dy, x, mean[1], rstd[1], gamma,
									rows, D);
		ae_layernorm_backward(NULL, dgamma_null, dbeta_null, dy, x, mean[0], rstd[0], gamma, rows, D);
		ef = fmax(scaled_diff(y[0], y[1], n),
				  fmax(scaled_diff(mean[0], mean[1], rows), scaled_diff(rstd[0], rstd[1], rows)));
		eb = fmax(scaled_diff(dx[0], dx[1], n),
				  fmax(scaled_diff(dgamma[0], dgamma[1], D), scaled_diff(dbeta[0], dbeta[1], D)));
		e_null = fmax(scaled_diff(dgamma_null, dgamma[0], D), scaled_diff(dbeta_null, dbeta[0], D));
		CHECK(ef < KERNEL_TOL, "layernorm forward %dx%d: scaled error %.2e", rows, D, ef);
		CHECK(eb < KERNEL_TOL, "layernorm backward %dx%d: scaled error %.2e", rows, D, eb);
		CHECK(e_null == 0, "layernorm backward with dx NULL %dx%d: the same dgamma, dbeta (%.2e)",
			  rows, D, e_null);
		worst_f = fmax(worst_f, ef);
		worst_b = fmax(worst_b, eb);
	}
	print_kernel_errors(worst_f, worst_b);
	unit_region_free(&reg);
}

/*
 * ae_attn_forward/backward (cblas per sequence and head) against the naive
 * loops; masks drop about a third of the keys, every sequence keeping at
 * least one and, with 2 sequences or more, the second keeping exactly one.
 */
static void
test_attn_kernels(void)
{
	static const int shapes[][5] = {
		/* B, T, D, H, masked */
		{1, 1, 1, 1, 0}, {2, 4, 6, 2, 1}, {3, 17, 32, 4, 1}, {2, 33, 64, 8, 1},
		{4, 9, 15, 3, 0}, {1, 64, 48, 1, 0}, {5, 2, 8, 8, 1}
	};
	UnitRegion	reg;
	double		worst_f = 0,
				worst_b = 0;

	unit_region_init(&reg);
	for (size_t sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++)
	{
		int			B = shapes[sh][0],
					T = shapes[sh][1],
					D = shapes[sh][2],
					H = shapes[sh][3];
		size_t		n = (size_t) B * T * D,
					na = (size_t) B * H * T * T;
		const AeAlloc *a = &reg.alloc;
		unsigned char *keep = NULL;
		ae_real    *q = ae_alloc(a, sizeof(ae_real) * n),
				   *k = ae_alloc(a, sizeof(ae_real) * n),
				   *v = ae_alloc(a, sizeof(ae_real) * n),
				   *dout = ae_alloc(a, sizeof(ae_real) * n),
				   *work = ae_alloc(a, sizeof(ae_real) * ae_attn_work_size(T)),
				   *out[2],
				   *att[2],
				   *dq[2],
				   *dk[2],
				   *dv[2];
		double		ef,
					eb;

		if (shapes[sh][4])
		{
			keep = ae_alloc(a, (size_t) B * T);
			for (int b = 0; b < B; b++)
			{
				unsigned char *kb = keep + (size_t) b * T;

				for (int j = 0; j < T; j++)
					kb[j] = b == 1 ? 0 : ae_rng_uniform(&rng) >= 0.35;
				kb[ae_rng_below(&rng, T)] = 1;
			}
		}
		fill(q, n);
		fill(k, n);
		fill(v, n);
		fill(dout, n);
		for (size_t i = 0; i < n; i++)
		{
			q[i] *= 2;			/* scores spread enough for peaked weights */
			k[i] *= 2;
		}
		for (int c = 0; c < 2; c++)
		{
			out[c] = ae_alloc(a, sizeof(ae_real) * n);
			att[c] = ae_alloc(a, sizeof(ae_real) * na);
			dq[c] = ae_alloc(a, sizeof(ae_real) * n);
			dk[c] = ae_alloc(a, sizeof(ae_real) * n);
			dv[c] = ae_alloc(a, sizeof(ae_real) * n);
			for (size_t i = 0; i < n; i++)	/* all overwritten by both */
				out[c][i] = dq[c][i] = dk[c][i] = dv[c][i] = -7;
			for (size_t i = 0; i < na; i++)
				att[c][i] = -7;
		}
		ae_attn_forward(out[0], att[0], q, k, v, keep, B, T, D, H);
		ae_attn_forward_naive(out[1], att[1], q, k, v, keep, B, T, D, H);
		ae_attn_backward(dq[0], dk[0], dv[0], dout, att[0], q, k, v, B, T, D, H, work);
		ae_attn_backward_naive(dq[1], dk[1], dv[1], dout, att[1], q, k, v, B, T, D, H);
		ef = fmax(scaled_diff(out[0], out[1], n), scaled_diff(att[0], att[1], na));
		eb = fmax(scaled_diff(dq[0], dq[1], n),
				  fmax(scaled_diff(dk[0], dk[1], n), scaled_diff(dv[0], dv[1], n)));
		CHECK(ef < KERNEL_TOL, "attention forward B%d T%d D%d H%d%s: scaled error %.2e",
			  B, T, D, H, keep ? " masked" : "", ef);
		CHECK(eb < KERNEL_TOL, "attention backward B%d T%d D%d H%d%s: scaled error %.2e",
			  B, T, D, H, keep ? " masked" : "", eb);
		worst_f = fmax(worst_f, ef);
		worst_b = fmax(worst_b, eb);
	}
	print_kernel_errors(worst_f, worst_b);
	unit_region_free(&reg);
}

/* A hand-checkable forward: out = inp · wᵀ + b. */
static void
test_dense_known(void)
{
	/* inp (2, 3), w (2, 3), b (2) */
	ae_real		inp[6] = {1, 2, 3, -1, 0, 1};
	ae_real		w[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
	ae_real		b[2] = {10, -1};
	ae_real		out[4];
	/* row 0: 1-3+10 = 8, (1+2+3)/2-1 = 2; row 1: -1-1+10 = 8, 0-1 = -1 */
	ae_real		expect[4] = {8, 2, 8, -1};

	ae_dense_forward(out, inp, w, b, 2, 3, 2);
	for (int i = 0; i < 4; i++)
		CHECK(out[i] == expect[i], "dense forward out[%d] = %g, expected %g", i, out[i], expect[i]);
}

/* ---- products in blocks of rows ---- */

/* Count progress ticks. */
static void
count_tick(void *arg)
{
	(*(int *) arg)++;
}

/* Blocks of rows: whole products without a tick or under the budget, never under min_rows. */
static void
test_ticker_rows(void)
{
	int			n = 0;
	AeTicker	none = {NULL, NULL, 0, 0};
	AeTicker	deflt = {count_tick, &n, 0, 0};
	AeTicker	tiny = {count_tick, &n, 1, 1};
	AeTicker	fifty = {count_tick, &n, 50, 1};
	AeTicker	floor8 = {count_tick, &n, 50, 8};

	CHECK(ae_ticker_rows(NULL, 4096, 64e6) == 4096, "no ticker: one block");
	CHECK(ae_ticker_rows(&none, 4096, 64e6) == 4096, "no tick: one block");
	CHECK(ae_ticker_rows(&deflt, 4096, 100.0 * 100) == 4096,
		  "4096 rows x 100 x 100 (4.1e7 multiply-adds): one block");
	CHECK(ae_ticker_rows(&deflt, 4096, 256.0 * 256) == 762,
		  "4096 rows x 256 x 256: blocks of 762 rows (5e7 / 65536), got %d",
		  ae_ticker_rows(&deflt, 4096, 256.0 * 256));
	CHECK(ae_ticker_rows(&deflt, 4096, 8000.0 * 8000) == AE_TICK_MIN_ROWS,
		  "4096 rows x 8000 x 8000: blocks of %d rows", AE_TICK_MIN_ROWS);
	CHECK(ae_ticker_rows(&deflt, 100, 8000.0 * 8000) == 100, "100 rows x 8000 x 8000: one block");
	CHECK(ae_ticker_rows(&tiny, 37, 10) == 1, "budget 1: one row a block");
	CHECK(ae_ticker_rows(&fifty, 37, 10) == 5, "budget 50 at 10 a row: five rows a block");
	CHECK(ae_ticker_rows(&floor8, 37, 10) == 8, "budget 50, at least 8 rows: eight rows a block");
	CHECK(ae_ticker_rows(&tiny, 1, 1e12) == 1 && ae_ticker_rows(&tiny, 0, 1e12) == 0,
		  "one row or none: one block");
	CHECK(n == 0, "ae_ticker_rows itself never ticks");
}

/* Blocks a product of B rows is cut into. */
static int
nblocks(int B, int rows)
{
	return rows > 0 ? (B + rows - 1) / rows : 0;
}

/* The blocked dense kernels give the whole product's results and tick between blocks. */
static void
test_dense_ticked(void)
{
	static const int cases[][5] = {
		/* B, nin, nout, max_madds (per row multiples), min_rows */
		{37, 13, 9, 1, 1}, {37, 13, 9, 5, 1}, {37, 13, 9, 5, 8}, {64, 65, 63, 16, 1},
		{7, 1, 129, 1, 1}, {300, 40, 30, 1, 128}, {5, 3, 2, 100, 1}
	};
	UnitRegion	reg;
	double		worst = 0;
	int			ticks_ok = 1;

	unit_region_init(&reg);
	for (size_t s = 0; s < sizeof(cases) / sizeof(cases[0]); s++)
	{
		int			B = cases[s][0],
					nin = cases[s][1],
					nout = cases[s][2];
		size_t		ni = (size_t) B * nin,
					nw = (size_t) nout * nin,
					no = (size_t) B * nout;
		const AeAlloc *a = &reg.alloc;
		ae_real    *inp = ae_alloc(a, sizeof(ae_real) * ni);
		ae_real    *w = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *b = ae_alloc(a, sizeof(ae_real) * nout);
		ae_real    *dout = ae_alloc(a, sizeof(ae_real) * no);
		ae_real    *out1 = ae_alloc(a, sizeof(ae_real) * no);
		ae_real    *out2 = ae_alloc(a, sizeof(ae_real) * no);
		ae_real    *dinp1 = ae_alloc(a, sizeof(ae_real) * ni);
		ae_real    *dinp2 = ae_alloc(a, sizeof(ae_real) * ni);
		ae_real    *dw1 = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *dw2 = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *dw3 = ae_alloc(a, sizeof(ae_real) * nw);
		ae_real    *db1 = ae_alloc(a, sizeof(ae_real) * nout);
		ae_real    *db2 = ae_alloc(a, sizeof(ae_real) * nout);
		ae_real    *db3 = ae_alloc(a, sizeof(ae_real) * nout);
		int			n_fwd = 0,
					n_bwd = 0,
					n_bwd_null = 0;
		AeTicker	tf = {count_tick, &n_fwd, (double) cases[s][3] * nin * nout, cases[s][4]};
		AeTicker	tb = {count_tick, &n_bwd, (double) cases[s][3] * nin * nout, cases[s][4]};
		AeTicker	tn = {count_tick, &n_bwd_null, (double) cases[s][3] * nin * nout, cases[s][4]};
		int			rows_f = ae_ticker_rows(&tf, B, (double) nin * nout),
					rows_b = ae_ticker_rows(&tb, B, 2.0 * nin * nout);
		double		e;

		fill(inp, ni);
		fill(w, nw);
		fill(b, nout);
		fill(dout, no);
		fill(dw1, nw);
		memcpy(dw2, dw1, sizeof(ae_real) * nw);
		memcpy(dw3, dw1, sizeof(ae_real) * nw);
		fill(db1, nout);
		memcpy(db2, db1, sizeof(ae_real) * nout);
		memcpy(db3, db1, sizeof(ae_real) * nout);

		ae_dense_forward(out1, inp, w, b, B, nin, nout);
		ae_dense_forward_ticked(out2, inp, w, b, B, nin, nout, &tf);
		ae_dense_backward(dinp1, dw1, db1, dout, inp, w, B, nin, nout);
		ae_dense_backward_ticked(dinp2, dw2, db2, dout, inp, w, B, nin, nout, &tb);
		ae_dense_backward_ticked(NULL, dw3, db3, dout, inp, w, B, nin, nout, &tn);

		e = fmax(scaled_diff(out2, out1, no), scaled_diff(dinp2, dinp1, ni));
		e = fmax(e, fmax(scaled_diff(dw2, dw1, nw), scaled_diff(db2, db1, nout)));
		e = fmax(e, fmax(scaled_diff(dw3, dw1, nw), scaled_diff(db3, db1, nout)));
		CHECK(e < 1e-5, "%dx%d->%d in blocks of %d (forward) and %d (backward) rows: "
			  "scaled difference %.2e from the whole product", B, nin, nout, rows_f, rows_b, e);
		worst = fmax(worst, e);

		/* one tick between consecutive blocks, none before the first or after the last */
		if (n_fwd != nblocks(B, rows_f) - 1 || n_bwd != nblocks(B, rows_b) - 1 ||
			n_bwd_null != nblocks(B, ae_ticker_rows(&tn, B, (double) nin * nout)) - 1)
		{
			ticks_ok = 0;
			CHECK(0, "%dx%d->%d: ticks forward %d, backward %d, backward without dinp %d", B, nin,
				  nout, n_fwd, n_bwd, n_bwd_null);
		}
	}
	CHECK(ticks_ok, "a tick between blocks, in every case");
	printf("   largest scaled difference, blocks against whole products: %.2e\n", worst);
	unit_region_free(&reg);
}

/* ---- Adam ---- */

/* First and second Adam steps on a 3-vector, against values worked out by hand. */
static void
test_adam_step(void)
{
	AeAdam		opt;
	ae_real		p[3] = {1.0f, -2.0f, 0.5f};
	ae_real		g[3] = {0.1f, -0.3f, 2.0f};
	ae_real		m[3] = {0},
				v[3] = {0};
	const double lr = 0.01;

	ae_adam_init(&opt, lr, 0);
	CHECK(opt.beta1 == 0.9 && opt.beta2 == 0.999 && opt.eps == 1e-8 && opt.t == 0,
		  "adam defaults beta1 0.9, beta2 0.999, eps 1e-8, t 0");

	/*
	 * Step 1: m = (1-β1) g = 0.1 g and v = (1-β2) g² = 0.001 g².  Bias
	 * correction divides by 1-β1¹ = 0.1 and 1-β2¹ = 0.001, so m̂ = g and
	 * v̂ = g², and the step is g / (|g| + ε) ≈ sign(g): each parameter moves
	 * by lr = 0.01 against the sign of its gradient, whatever |g| is.
	 *   p = {1 - 0.01, -2 + 0.01, 0.5 - 0.01} = {0.99, -1.99, 0.49}
	 */
	ae_adam_step(&opt, p, g, m, v, 3);
	CHECK(opt.t == 1, "t counts steps");
	{
		const double expect_p[3] = {0.99, -1.99, 0.49};

		for (int i = 0; i < 3; i++)
		{
			CHECK(fabs(p[i] - expect_p[i]) < 1e-6, "step 1: p[%d] = %.8f, expected %.8f", i, p[i], expect_p[i]);
			CHECK(fabs(m[i] - 0.1 * g[i]) < 1e-7, "step 1: m[%d] = 0.1 g", i);
			CHECK(fabs(v[i] - 0.001 * g[i] * g[i]) < 1e-8, "step 1: v[%d] = 0.001 g²", i);
		}
	}

	/*
	 * Step 2 with the same g: m = 0.9·0.1 g + 0.1 g = 0.19 g, corrected by
	 * 1-0.81 = 0.19 to g again; v = 0.999·0.001 g² + 0.001 g² = 0.001999 g²,
	 * corrected by 1-0.998001 = 0.001999 to g².  Another move of lr·sign(g).
	 *   p = {0.98, -1.98, 0.48}
	 */
	ae_adam_step(&opt, p, g, m, v, 3);
	{
		const double expect_p[3] = {0.98, -1.98, 0.48};

		for (int i = 0; i < 3; i++)
		{
			CHECK(fabs(p[i] - expect_p[i]) < 1e-6, "step 2: p[%d] = %.8f, expected %.8f", i, p[i], expect_p[i]);
			CHECK(fabs(m[i] - 0.19 * g[i]) < 1e-7, "step 2: m[%d] = 0.19 g", i);
		}
	}

	/*
	 * Step 3 with g = 0: m = 0.9·0.19 g = 0.171 g, m̂ = 0.171 g / (1-0.729)
	 * = 0.6310 g; v = 0.999·0.001999 g² = 0.001997 g², v̂ = 0.001997 g² /
	 * (1-0.999³) = 0.6664 g²; step = 0.6310 / sqrt(0.6664) ≈ 0.7730 sign(g).
	 */
	{
		ae_real		zero[3] = {0, 0, 0};
		double		c1 = 1 - 0.9 * 0.9 * 0.9,
					c2 = 1 - 0.999 * 0.999 * 0.999;
		double		step = (0.171 / c1) / sqrt(0.999 * 0.001999 / c2);

		ae_adam_step(&opt, p, zero, m, v, 3);
		CHECK(fabs(step - 0.7730) < 1e-3, "hand-computed third step %.4f ≈ 0.7730", step);
		CHECK(fabs(p[0] - (0.98 - lr * step)) < 1e-6, "step 3 with zero gradient: p[0] = %.8f, expected %.8f",
			  p[0], 0.98 - lr * step);
		CHECK(fabs(p[1] - (-1.98 + lr * step)) < 1e-6, "step 3 with zero gradient: p[1] = %.8f, expected %.8f",
			  p[1], -1.98 + lr * step);
	}
}

/* Decoupled weight decay: p -= lr · wd · p on top of the Adam step. */
static void
test_weight_decay(void)
{
	AeAdam		opt;
	ae_real		p[3] = {2.0f, -4.0f, 0.0f};
	ae_real		g0[3] = {0, 0, 0};
	ae_real		g1[3] = {1, 1, 1};
	ae_real		m[3] = {0},
				v[3] = {0};

	/* zero gradient: the Adam step is 0/(0+ε) = 0, only the decay acts: p *= 1 - 0.1·0.5 */
	ae_adam_init(&opt, 0.1, 0.5);
	ae_adam_step(&opt, p, g0, m, v, 3);
	CHECK(fabs(p[0] - 1.9) < 1e-6 && fabs(p[1] + 3.8) < 1e-6 && p[2] == 0,
		  "decay alone: {2,-4,0} -> {1.9,-3.8,0}, got {%g,%g,%g}", p[0], p[1], p[2]);

	/* first step with g = 1 and decay 0.5 at lr 0.1: p - 0.1 (1 + 0.5 p) */
	{
		ae_real		q[3] = {2.0f, -4.0f, 0.0f};

		memset(m, 0, sizeof(m));
		memset(v, 0, sizeof(v));
		ae_adam_init(&opt, 0.1, 0.5);
		ae_adam_step(&opt, q, g1, m, v, 3);
		CHECK(fabs(q[0] - (2 - 0.1 * (1 + 1))) < 1e-6, "decay + step: q[0] = %g, expected 1.8", q[0]);
		CHECK(fabs(q[1] - (-4 - 0.1 * (1 - 2))) < 1e-6, "decay + step: q[1] = %g, expected -3.9", q[1]);
		CHECK(fabs(q[2] - (0 - 0.1 * 1)) < 1e-6, "decay + step: q[2] = %g, expected -0.1", q[2]);
	}

	/* many zero-gradient steps shrink geometrically: (1 - lr wd)^n */
	{
		ae_real		q[1] = {1};
		ae_real		z[1] = {0};
		ae_real		m1[1] = {0},
					v1[1] = {0};

		ae_adam_init(&opt, 0.01, 0.1);
		for (int i = 0; i < 100; i++)
			ae_adam_step(&opt, q, z, m1, v1, 1);
		CHECK(fabs(q[0] - pow(1 - 0.001, 100)) < 1e-5, "100 decay steps: %g, expected %g",
			  q[0], pow(1 - 0.001, 100));
	}
}

/* Global L2-norm clipping. */
static void
test_clip(void)
{
	ae_real		g[2] = {3, 4};
	double		norm;

	norm = ae_clip_grad_norm(g, 2, 10);
	CHECK(norm == 5 && g[0] == 3 && g[1] == 4, "norm 5 under 10: unchanged, returns 5");
	norm = ae_clip_grad_norm(g, 2, 0);
	CHECK(norm == 5 && g[0] == 3 && g[1] == 4, "max_norm 0: no clipping");
	norm = ae_clip_grad_norm(g, 2, -1);
	CHECK(norm == 5 && g[0] == 3 && g[1] == 4, "max_norm < 0: no clipping");
	norm = ae_clip_grad_norm(g, 2, 1);
	CHECK(norm == 5, "returns the norm before clipping (%g)", norm);
	CHECK(fabs(g[0] - 0.6) < 1e-6 && fabs(g[1] - 0.8) < 1e-6, "clipped to {0.6, 0.8}, got {%g, %g}", g[0], g[1]);
	norm = ae_clip_grad_norm(g, 2, 1);
	CHECK(fabs(norm - 1) < 1e-6, "norm after clipping is 1 (%g)", norm);

	{
		ae_real		big[1000];
		double		sq = 0;

		for (int i = 0; i < 1000; i++)
			big[i] = (ae_real) ((i % 7) - 3);
		ae_clip_grad_norm(big, 1000, 2.5);
		for (int i = 0; i < 1000; i++)
			sq += (double) big[i] * big[i];
		CHECK(fabs(sqrt(sq) - 2.5) < 1e-5, "1000-vector clipped to norm 2.5 (%g)", sqrt(sq));
		CHECK(big[0] < 0 && big[3] == 0 && big[6] > 0, "clipping keeps signs");
	}
}

/* ---- random numbers ---- */

/* Determinism, seed sensitivity, ranges and moments of the generator. */
static void
test_rng(void)
{
	AeRng		a,
				b;
	int			same = 1,
				differ = 0;
	enum
	{
		N = 100000
	};

	ae_rng_seed(&a, 12345);
	ae_rng_seed(&b, 12345);
	for (int i = 0; i < 1000; i++)
		same &= ae_rng_next(&a) == ae_rng_next(&b);
	CHECK(same, "the same seed gives the same sequence");

	ae_rng_seed(&a, 12345);
	ae_rng_seed(&b, 12346);
	for (int i = 0; i < 1000; i++)
		differ += ae_rng_next(&a) != ae_rng_next(&b);
	CHECK(differ == 1000, "neighbouring seeds differ at every draw (%d of 1000)", differ);

	ae_rng_seed(&a, 0);
	CHECK((a.s[0] | a.s[1] | a.s[2] | a.s[3]) != 0, "seed 0 gives a nonzero state");
	{
		uint64_t	x = ae_rng_next(&a),
					y = ae_rng_next(&a);

		CHECK(x != y && x != 0, "seed 0 generates");
	}

	/* ae_rng_below: range, and every value of a small range is hit about evenly */
	{
		int			counts[7] = {0};
		int			in_range = 1;
		int			ok_counts = 1;

		ae_rng_seed(&a, 7);
		for (int i = 0; i < 70000; i++)
		{
			uint64_t	r = ae_rng_below(&a, 7);

			if (r >= 7)
				in_range = 0;
			else
				counts[r]++;
		}
		for (int k = 0; k < 7; k++)
			ok_counts &= counts[k] > 9500 && counts[k] < 10500;
		CHECK(in_range, "ae_rng_below(7) stays in [0, 7)");
		CHECK(ok_counts, "ae_rng_below(7) hits each value about 10000 times of 70000");

		in_range = 1;
		for (int i = 0; i < 1000; i++)
			in_range &= ae_rng_below(&a, 1) == 0;
		CHECK(in_range, "ae_rng_below(1) is always 0");

		in_range = 1;
		for (int i = 0; i < 10000; i++)
			in_range &= ae_rng_below(&a, ((uint64_t) 1 << 63) + 3) < ((uint64_t) 1 << 63) + 3;
		CHECK(in_range, "ae_rng_below(2^63 + 3) stays in range");
	}

	/* uniform: [0, 1), mean 1/2, variance 1/12 */
	{
		double		sum = 0,
					sq = 0,
					mean,
					var;
		int			in_range = 1;

		ae_rng_seed(&a, 99);
		for (int i = 0; i < N; i++)
		{
			double		u = ae_rng_uniform(&a);

			in_range &= u >= 0 && u < 1;
			sum += u;
			sq += u * u;
		}
		mean = sum / N;
		var = sq / N - mean * mean;
		CHECK(in_range, "uniform draws in [0, 1)");
		/* standard error of the mean: sqrt(1/12 / 1e5) ≈ 0.0009 */
		CHECK(fabs(mean - 0.5) < 0.005, "uniform mean %.5f ≈ 0.5", mean);
		CHECK(fabs(var - 1.0 / 12) < 0.003, "uniform variance %.5f ≈ 1/12", var);
		printf("   uniform: mean %.5f, variance %.5f over %d draws\n", mean, var, N);
	}

	/* normal: mean 0, variance 1, tails */
	{
		double		sum = 0,
					sq = 0,
					mean,
					var;
		int			beyond2 = 0,
					finite = 1;

		ae_rng_seed(&a, 1234);
		for (int i = 0; i < N; i++)
		{
			double		z = ae_rng_normal(&a);

			finite &= isfinite(z);
			sum += z;
			sq += z * z;
			beyond2 += fabs(z) > 2;
		}
		mean = sum / N;
		var = sq / N - mean * mean;
		CHECK(finite, "normal draws are finite");
		/* standard errors: mean 0.003, variance 0.0045 */
		CHECK(fabs(mean) < 0.02, "normal mean %.5f ≈ 0", mean);
		CHECK(fabs(var - 1) < 0.03, "normal variance %.5f ≈ 1", var);
		/* P(|z| > 2) = 0.0455 */
		CHECK(beyond2 > 4000 && beyond2 < 5100, "normal: %d of %d beyond ±2, expected about 4550", beyond2, N);
		printf("   normal: mean %.5f, variance %.5f, %.4f beyond ±2\n", mean, var, (double) beyond2 / N);
	}

	/* shuffle: a permutation, deterministic under a seed, and actually moving things */
	{
		int			p[1000],
					q[1000],
					seen[1000] = {0};
		int			perm = 1,
					fixed = 0,
					same_seq = 1;

		for (int i = 0; i < 1000; i++)
			p[i] = q[i] = i;
		ae_rng_seed(&a, 5);
		ae_rng_seed(&b, 5);
		ae_rng_shuffle(&a, p, 1000);
		ae_rng_shuffle(&b, q, 1000);
		for (int i = 0; i < 1000; i++)
		{
			if (p[i] < 0 || p[i] >= 1000 || seen[p[i]]++)
				perm = 0;
			fixed += p[i] == i;
			same_seq &= p[i] == q[i];
		}
		CHECK(perm, "shuffle is a permutation of 0..999");
		CHECK(fixed < 10, "shuffle moves almost everything (%d fixed points)", fixed);
		CHECK(same_seq, "shuffle is deterministic under a seed");

		ae_rng_shuffle(&a, p, 1);
		ae_rng_shuffle(&a, p, 0);
		CHECK(1, "shuffle of 0 or 1 elements is harmless");
	}
}

/* ---- model: layout, inputs, loss ---- */

static char *abc[] = {"a", "b", "c"};

/* A laid-out three-column model: numeric with indicator, boolean, categorical {a,b,c}. */
static void
small_model(AeModel *model, AeColumn cols[3])
{
	memset(model, 0, sizeof(*model));
	memset(cols, 0, sizeof(AeColumn) * 3);
	for (int c = 0; c < 3; c++)
	{
		cols[c].scale = 1;
		cols[c].weight = 1;
		snprintf(cols[c].name, AE_NAME_MAX, "c%d", c);
	}
	cols[0].kind = AE_COL_NUMERIC;
	cols[0].flags = AE_COLFLAG_INDICATOR;
	cols[1].kind = AE_COL_BOOLEAN;
	cols[1].weight = 2;
	cols[2].kind = AE_COL_CATEGORICAL;
	cols[2].ncat = 3;
	cols[2].cats = abc;
	model->opt.kind = AE_KIND_AE;
	model->opt.score = AE_SCORE_RECONSTRUCTION;
	model->opt.activation = AE_ACT_TANH;
	model->opt.nhidden = 1;
	model->opt.hidden[0] = 4;
	model->opt.latent = 2;
	model->ncols = 3;
	model->cols = cols;
}

/* Layout offsets and widths, and rejection of invalid shapes. */
static void
test_layout(void)
{
	AeModel		model;
	AeColumn	cols[3];

	small_model(&model, cols);
	CHECK(ae_model_layout(&model) == AE_OK, "small model lays out");
	CHECK(cols[0].in_off == 0 && cols[0].in_width == 1 && cols[1].in_off == 2 &&
		  cols[2].in_off == 3 && cols[2].in_width == 4 && model.n_in == 7,
		  "input offsets 0, 2, 3 (indicator after column 0); n_in 7 (got %d)", model.n_in);
	CHECK(cols[0].out_off == 0 && cols[1].out_off == 1 && cols[2].out_off == 2 &&
		  cols[2].out_width == 4 && model.n_out == 6, "output offsets 0, 1, 2; n_out 6 (got %d)", model.n_out);
	/* 7→4, 4→2, 2→4, 4→6 */
	CHECK(model.nlayers == 4 && model.nencoder == 2, "4 layers, 2 in the encoder");
	CHECK(model.nparams == (size_t) (7 * 4 + 4) + (4 * 2 + 2) + (2 * 4 + 4) + (4 * 6 + 6),
		  "nparams %zu", model.nparams);
	CHECK(model.layers[0].act == AE_ACT_TANH && model.layers[1].act == AE_ACT_IDENTITY &&
		  model.layers[2].act == AE_ACT_TANH && model.layers[3].act == AE_ACT_IDENTITY,
		  "hidden layers use the activation; latent and outputs are linear");
	CHECK(model.layers[3].w_off == model.layers[2].b_off + 4 &&
		  model.layers[3].b_off + 6 == model.nparams, "parameter offsets are contiguous");

	small_model(&model, cols);
	model.opt.nhidden = 0;
	CHECK(ae_model_layout(&model) == AE_OK && model.nlayers == 2, "no hidden layers: 2 layers");

	/* REJECT: the small model with one change must fail layout */
#define REJECT(stmt, what) \
	do \
	{ \
		small_model(&model, cols); \
		stmt; \
		CHECK(ae_model_layout(&model) == AE_ECORRUPT, "layout rejects " what); \
	} while (0)

	REJECT(model.ncols = 0, "0 columns");
	REJECT(model.cols = NULL, "NULL columns");
	REJECT(model.opt.kind = AE_KIND_COUNT, "an unknown kind");
	REJECT(model.opt.kind = -1, "a negative kind");
	REJECT(model.opt.score = AE_SCORE_DISTANCE + 1, "an unknown score mode");
	REJECT(model.opt.score = AE_SCORE_ELBO, "an ae scored by its ELBO");
	REJECT((model.opt.score = AE_SCORE_DISTANCE, model.opt.latent = AE_DISTANCE_MAX_LATENT + 1),
		   "the distance score of a latent too wide for it");
	REJECT((model.opt.kind = AE_KIND_VAE, model.opt.score = AE_SCORE_DISTANCE),
		   "a vae scored by distance");
	REJECT(model.opt.activation = AE_ACT_COUNT, "an unknown activation");
	REJECT(model.opt.latent_activation = AE_ACT_COUNT, "an unknown latent activation");
	REJECT(model.opt.latent_activation = -1, "a negative latent activation");
	REJECT(model.opt.latent_activation = AE_ACT_SIGMOID, "a sigmoid latent in an ae");
	REJECT(model.opt.latent_activation = AE_ACT_TANH, "a tanh latent");
	REJECT((model.opt.kind = AE_KIND_SPARSE, model.opt.latent_activation = AE_ACT_RELU),
		   "a relu latent in a sparse model");
	REJECT((model.opt.kind = AE_KIND_VAE, model.opt.latent_activation = AE_ACT_SIGMOID),
		   "a sigmoid latent in a vae");
	REJECT(model.opt.nhidden = AE_MAX_HIDDEN + 1, "too many hidden layers");
	REJECT(model.opt.hidden[0] = 0, "a hidden width of 0");
	REJECT(model.opt.hidden[0] = AE_MAX_WIDTH + 1, "a hidden width over the maximum");
	REJECT(model.opt.latent = 0, "latent 0");
	REJECT(cols[0].kind = 3, "an unknown column kind");
	REJECT(cols[0].transform = AE_TF_SIGNED_LOG1P + 1, "an unknown transform");
	REJECT(cols[0].scale = 0, "scale 0");
	REJECT(cols[0].scale = NAN, "scale NaN");
	REJECT(cols[0].center = INFINITY, "an infinite center");
	REJECT(cols[1].weight = -1, "a negative weight");
	REJECT(cols[1].ncat = 2, "categories on a boolean column");
	REJECT(cols[2].ncat = -1, "a negative category count");
	REJECT(cols[2].ncat = AE_MAX_CATEGORIES + 1, "too many categories");
	REJECT(cols[2].cats = NULL, "a categorical column without its vocabulary");

	/* a cvae has exactly one condition column, and only a cvae has one */
	REJECT(model.opt.kind = AE_KIND_CVAE, "a cvae without a condition column");
	for (int k = 0; k < AE_KIND_COUNT; k++)
		if (k != AE_KIND_CVAE)
			REJECT((model.opt.kind = k, cols[2].flags = AE_COLFLAG_CONDITION),
				   "a condition column in a non-cvae kind");
	REJECT((model.opt.kind = AE_KIND_CVAE, cols[1].flags = AE_COLFLAG_CONDITION,
			cols[2].flags = AE_COLFLAG_CONDITION), "two condition columns");
#undef REJECT

	/*
	 * the other non-variational kinds share the ae's network; the sparse
	 * kind's latent is a sigmoid (linear in models of formats 1 to 4)
	 */
	for (int k = AE_KIND_DENOISING; k <= AE_KIND_CONTRACTIVE; k++)
	{
		small_model(&model, cols);
		model.opt.kind = k;
		model.opt.latent_activation = ae_kind_latent_activation(k);
		CHECK(ae_model_layout(&model) == AE_OK && model.layers[1].nout == 2 && model.dec_in == 2 &&
			  model.cond_col == -1 && model.nparams == (size_t) 84 &&
			  model.layers[1].act == (k == AE_KIND_SPARSE ? AE_ACT_SIGMOID : AE_ACT_IDENTITY) &&
			  model.layers[3].act == AE_ACT_IDENTITY, "kind %s lays out as an ae, latent %s",
			  ae_kind_name(k), ae_act_name(model.layers[1].act));
	}
	for (int k = 0; k < AE_KIND_COUNT; k++)
		CHECK(ae_kind_latent_activation(k) == (k == AE_KIND_SPARSE ? AE_ACT_SIGMOID : AE_ACT_IDENTITY),
			  "kind %s trains a %s latent", ae_kind_name(k), ae_act_name(ae_kind_latent_activation(k)));
	small_model(&model, cols);
	model.opt.kind = AE_KIND_SPARSE;
	CHECK(ae_model_layout(&model) == AE_OK && model.layers[1].act == AE_ACT_IDENTITY,
		  "a sparse model with a linear latent (formats 1 to 4) lays out");

	/* vae: the encoder outputs 2 · latent (means, log-variances); the decoder reads the latent */
	small_model(&model, cols);
	model.opt.kind = AE_KIND_VAE;
	CHECK(ae_model_layout(&model) == AE_OK, "vae lays out");
	CHECK(model.nencoder == 2 && model.layers[1].nin == 4 && model.layers[1].nout == 4 &&
		  model.dec_in == 2 && model.layers[2].nin == 2 && model.cond_col == -1 &&
		  model.n_in == 7 && model.n_out == 6,
		  "vae: encoder output 2 · 2, dec_in 2 (got %d, %d)", model.layers[1].nout, model.dec_in);
	/* 7→4, 4→4, 2→4, 4→6 */
	CHECK(model.nparams == (size_t) (7 * 4 + 4) + (4 * 4 + 4) + (2 * 4 + 4) + (4 * 6 + 6),
		  "vae nparams %zu", model.nparams);

	/* cvae on the categorical: its 4 inputs feed the encoder and the decoder; no output */
	small_model(&model, cols);
	model.opt.kind = AE_KIND_CVAE;
	cols[2].flags = AE_COLFLAG_CONDITION;
	CHECK(ae_model_layout(&model) == AE_OK, "cvae lays out");
	CHECK(model.cond_col == 2 && model.n_in == 7 && cols[2].in_off == 3 && cols[2].in_width == 4 &&
		  cols[2].out_width == 0 && model.n_out == 2, "cvae: condition in n_in 7, not in n_out 2 (got %d, %d)",
		  model.n_in, model.n_out);
	CHECK(model.layers[1].nout == 4 && model.dec_in == 2 + 4 && model.layers[2].nin == 6 &&
		  model.layers[3].nout == 2, "cvae: encoder output 2 · 2, dec_in latent 2 + condition 4 (got %d)",
		  model.dec_in);
	/* 7→4, 4→4, 6→4, 4→2 */
	CHECK(model.nparams == (size_t) (7 * 4 + 4) + (4 * 4 + 4) + (6 * 4 + 4) + (4 * 2 + 2),
		  "cvae nparams %zu", model.nparams);

	/* a numeric condition with a missing indicator adds 1 to dec_in: the indicator stays in the encoder */
	small_model(&model, cols);
	model.opt.kind = AE_KIND_CVAE;
	cols[0].flags |= AE_COLFLAG_CONDITION;
	CHECK(ae_model_layout(&model) == AE_OK && model.cond_col == 0 && model.dec_in == 3 &&
		  model.n_in == 7 && model.n_out == 5, "cvae on a numeric column: dec_in 3, n_out 5 (got %d, %d)",
		  model.dec_in, model.n_out);

	/* columns: names present and unique, known flags, a finite range seen in training */
	small_model(&model, cols);
	cols[1].name[0] = 0;
	CHECK(ae_model_layout(&model) == AE_ECORRUPT, "a column without a name: AE_ECORRUPT");
	small_model(&model, cols);
	memset(cols[1].name, 'n', AE_NAME_MAX);
	CHECK(ae_model_layout(&model) == AE_ECORRUPT, "a name without its NUL: AE_ECORRUPT");
	small_model(&model, cols);
	strcpy(cols[2].name, cols[0].name);
	CHECK(ae_model_layout(&model) == AE_ECORRUPT, "a name twice: AE_ECORRUPT");
	small_model(&model, cols);
	cols[0].flags |= 0x10;
	CHECK(ae_model_layout(&model) == AE_ECORRUPT, "an unknown flag: AE_ECORRUPT");
	small_model(&model, cols);
	cols[0].lo = 1;
	cols[0].hi = -1;
	CHECK(ae_model_layout(&model) == AE_ECORRUPT, "lo above hi: AE_ECORRUPT");
	small_model(&model, cols);
	cols[0].hi = INFINITY;
	CHECK(ae_model_layout(&model) == AE_ECORRUPT, "hi infinite: AE_ECORRUPT");
	small_model(&model, cols);
	cols[0].lo = -3;
	cols[0].hi = 3;
	CHECK(ae_model_layout(&model) == AE_OK, "lo -3, hi 3: lays out");
}

/* Input encoding of values and missing flags. */
static void
test_inputs(void)
{
	AeModel		model;
	AeColumn	cols[3];
	/* row 0 all observed; row 1 column 0 missing, category out of range; row 2 all missing */
	ae_real		t[9] = {1.5f, 1, 2, 9, 0, 7, 0, 0, 0};
	uint8_t		m[9] = {1, 1, 1, 0, 1, 1, 0, 0, 0};
	ae_real		x[3 * 7];
	const ae_real expect[3 * 7] = {
		/* num ind  bool  a  b  c other */
		1.5f, 0, 1, 0, 0, 1, 0,
		0, 1, -1, 0, 0, 0, 1,
		0, 1, 0, 0, 0, 0, 0
	};
	int			same = 1;

	small_model(&model, cols);
	ae_model_layout(&model);
	for (int i = 0; i < 21; i++)
		x[i] = 42;
	ae_model_inputs(&model, t, m, x, 3);
	for (int i = 0; i < 21; i++)
		same &= x[i] == expect[i];
	CHECK(same, "inputs: numeric as is, boolean ±1, one-hot with other, indicator on missing");

	/*
	 * A category value that is no class index (negative, fractional past
	 * the last class, too large for an int, NaN, infinite) counts as
	 * "other", in the inputs and in the loss; no conversion overflows
	 */
	{
		const ae_real odd[] = {-1, -0.5f, 3.5f, 1e10f, -3e38f, NAN, INFINITY, -INFINITY};
		int			ok = 1;

		for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		{
			ae_real		tr[3] = {0, 1, odd[i]};
			uint8_t		mr[3] = {1, 1, 1};
			ae_real		out[6] = {0, 0, 0, 0, 0, 5};
			double		loss;

			ae_model_inputs(&model, tr, mr, x, 1);
			loss = ae_model_loss(&model, out, tr, mr, 1, NULL, NULL);
			ok &= x[3] == 0 && x[4] == 0 && x[5] == 0 && x[6] == 1 && isfinite(loss);
		}
		CHECK(ok, "category values that are no class index: the other class");
	}
}

/* The model loss: per-row weighted means, gradient scaling, column losses. */
static void
test_model_loss(void)
{
	AeModel		model;
	AeColumn	cols[3];
	/* outputs (2, 6): num, bool logit, 4 category logits */
	ae_real		out[12] = {0.5f, 0, 0, 0, 0, 0,
	1, 2, 1, -1, 0.5f, 0};
	ae_real		t[6] = {1.5f, 1, 2, 0, 0, 0};
	uint8_t		m[6] = {1, 1, 1, 1, 0, 0};
	ae_real		dout[12];
	double		row_loss[2],
				col_loss[3],
				loss;
	double		sq0 = 1.0,		/* (0.5 - 1.5)² */
				bce0 = log(2.0),	/* logit 0 */
				ce0 = log(4.0),	/* uniform over 4 classes */
				row0,
				row1;

	small_model(&model, cols);
	ae_model_layout(&model);
	/* row 0: weights 1, 2, 1 over all three; row 1: only column 0 observed */
	row0 = (1 * sq0 + 2 * bce0 + 1 * ce0) / 4;
	row1 = 1.0;					/* (1 - 0)² */
	loss = ae_model_loss(&model, out, t, m, 2, dout, row_loss);
	CHECK(fabs(row_loss[0] - row0) < 1e-6, "row 0 loss %.6f, expected %.6f", row_loss[0], row0);
	CHECK(fabs(row_loss[1] - row1) < 1e-6, "row 1 loss %.6f, expected %.6f", row_loss[1], row1);
	CHECK(fabs(loss - (row0 + row1) / 2) < 1e-6, "batch loss is the mean of row losses");
	/* d/d num output of row 0: 2 (0.5 - 1.5) · (1/4) / B=2 = -0.25 */
	CHECK(fabs(dout[0] - (-0.25)) < 1e-6, "dout[0] = %g, expected -0.25", dout[0]);
	/* d/d bool logit: (σ(0) - 1) · (2/4) / 2 = -0.125 */
	CHECK(fabs(dout[1] - (-0.125)) < 1e-6, "dout[1] = %g, expected -0.125", dout[1]);
	/* row 1: only the numeric output has a gradient; 2 (1 - 0) / 2 = 1 */
	CHECK(fabs(dout[6] - 1) < 1e-6 && dout[7] == 0 && dout[8] == 0 && dout[11] == 0,
		  "row 1 gradient only on its observed column");

	/* column losses are weighted as in the row's loss, so they sum to it */
	ae_model_column_losses(&model, out, t, m, col_loss);
	CHECK(fabs(col_loss[0] - sq0 / 4) < 1e-6 && fabs(col_loss[1] - 2 * bce0 / 4) < 1e-6 &&
		  fabs(col_loss[2] - ce0 / 4) < 1e-6, "column losses of row 0 are its weighted shares");
	CHECK(fabs(col_loss[0] + col_loss[1] + col_loss[2] - row0) < 1e-6, "column losses sum to the row's loss");
	ae_model_column_losses(&model, out + 6, t + 3, m + 3, col_loss);
	CHECK(!isnan(col_loss[0]) && isnan(col_loss[1]) && isnan(col_loss[2]), "missing columns have NaN loss");

	/* a row with nothing observed has loss 0 and no gradient */
	{
		uint8_t		none[3] = {0, 0, 0};
		double		rl;

		loss = ae_model_loss(&model, out, t, none, 1, dout, &rl);
		CHECK(loss == 0 && rl == 0 && dout[0] == 0 && dout[5] == 0, "all-missing row: loss 0, gradient 0");
	}
}

/* ---- training ---- */

/* Synthetic data: n rows of ncols values, all observed. */
typedef struct Synth
{
	int			n;
	int			ncols;
	ae_real    *t;
	uint8_t    *m;
} Synth;

/* Two latent factors per row, drawn from N(0, 1). */
static void
factors(AeRng *r, int n, double *f)
{
	for (int i = 0; i < 2 * n; i++)
		f[i] = ae_rng_normal(r);
}

/* Standardise column c of t (n rows, ncols wide) to mean 0, variance 1. */
static void
standardise(ae_real *t, int n, int ncols, int c)
{
	double		sum = 0,
				sq = 0,
				mean,
				sd;

	for (int r = 0; r < n; r++)
		sum += t[r * ncols + c];
	mean = sum / n;
	for (int r = 0; r < n; r++)
		sq += (t[r * ncols + c] - mean) * (t[r * ncols + c] - mean);
	sd = sqrt(sq / n);
	for (int r = 0; r < n; r++)
		t[r * ncols + c] = (ae_real) ((t[r * ncols + c] - mean) / sd);
}

/* Options of the small training runs. */
static void
train_options(AeOptions *o, int epochs)
{
	memset(o, 0, sizeof(*o));
	o->kind = AE_KIND_AE;
	o->score = AE_SCORE_RECONSTRUCTION;
	o->activation = AE_ACT_TANH;
	o->nhidden = 1;
	o->hidden[0] = 16;
	o->latent = 2;
	o->epochs = epochs;
	o->batch_size = 32;
	o->learning_rate = 1e-2;
	o->weight_decay = 0;
	o->grad_clip = 5;
	o->val_share = 0.2;
	o->max_rows = 640;
	o->seed = 2024;
}

#define NUM_ROWS 640			/* 512 train + 128 validation */
#define NUM_TRAIN 512
#define NUM_COLS 6
#define NUM_EPOCHS 60
#define NUM_FINAL_BOUND 0.05	/* final train loss; measured 0.0123 */
#define NUM_VAL_BOUND 0.05		/* best validation loss; measured 0.0131 */

/*
 * Six numeric columns x = A f + 0.1 ε from two factors f, standardised: a
 * latent of 2 can reconstruct them up to the noise, about 1% of the variance.
 */
static void
make_numeric(ae_real *t, uint8_t *m, int n)
{
	AeRng		r;
	double		A[NUM_COLS][2];
	double	   *f = malloc(sizeof(double) * 2 * n);

	ae_rng_seed(&r, 777);
	for (int c = 0; c < NUM_COLS; c++)
		for (int k = 0; k < 2; k++)
			A[c][k] = 2 * ae_rng_uniform(&r) - 1;
	factors(&r, n, f);
	for (int i = 0; i < n; i++)
		for (int c = 0; c < NUM_COLS; c++)
		{
			t[i * NUM_COLS + c] = (ae_real) (A[c][0] * f[2 * i] + A[c][1] * f[2 * i + 1] +
											 0.1 * ae_rng_normal(&r));
			m[i * NUM_COLS + c] = 1;
		}
	for (int c = 0; c < NUM_COLS; c++)
		standardise(t, n, NUM_COLS, c);
	free(f);
}

/* Train the numeric model with a tick and progress; returns its status, leaves metrics in model. */
static AeStatus
train_numeric_with(AeModel *model, AeColumn *cols, const ae_real *t, const uint8_t *m,
				   int with_val, UnitRegion *reg, AeTick tick, void *tick_arg, AeProgress *progress)
{
	AeDataset	train = {NUM_TRAIN, t, m};
	AeDataset	val = {NUM_ROWS - NUM_TRAIN, t + NUM_TRAIN * NUM_COLS, m + NUM_TRAIN * NUM_COLS};
	AeRng		r;
	AeStatus	st;

	memset(model, 0, sizeof(*model));
	memset(cols, 0, sizeof(AeColumn) * NUM_COLS);
	for (int c = 0; c < NUM_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "x%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].center = 0;
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	train_options(&model->opt, NUM_EPOCHS);
	model->ncols = NUM_COLS;
	model->cols = cols;
	if ((st = ae_model_layout(model)) != AE_OK ||
		(st = ae_model_alloc_params(model, &reg->alloc)) != AE_OK)
		return st;
	ae_rng_seed(&r, model->opt.seed);
	return ae_model_train(model, &train, with_val ? &val : NULL, &r, &reg->alloc, tick, tick_arg,
						  progress);
}

/* Train the numeric model, counting ticks; returns its status and leaves metrics in model. */
static AeStatus
train_numeric(AeModel *model, AeColumn *cols, const ae_real *t, const uint8_t *m,
			  int with_val, UnitRegion *reg, int *ticks)
{
	return train_numeric_with(model, cols, t, m, with_val, reg, count_tick, ticks, NULL);
}

/* What a progress reporter sees of a training run. */
typedef struct ProgressLog
{
	AeProgress	p;
	AeModel    *model;
	int			ends;			/* epoch_end calls */
	int			bad_ends;		/* of them, out of order or with losses other than the metrics' */
	int			ticks;
	int			epoch_ticks;	/* ticks during epochs: rows_done below rows */
	int			bad_ticks;		/* ticks that saw rows_done out of [0, rows] or going back */
	int			last_epoch;
	int			last_rows;
} ProgressLog;

/* A tick that checks the counters the core keeps. */
static void
progress_tick(void *arg)
{
	ProgressLog *log = arg;
	const AeProgress *p = &log->p;

	log->ticks++;
	if (p->rows_done < 0 || p->rows_done > p->rows || p->epoch < 0 || p->epoch > p->epochs ||
		(p->epoch == log->last_epoch && p->rows_done < log->last_rows))
		log->bad_ticks++;
	if (p->epoch < p->epochs && p->rows_done < p->rows)
		log->epoch_ticks++;
	log->last_epoch = p->epoch;
	log->last_rows = p->rows_done;
}

/* The epoch callback: one call per epoch, in order, with that epoch's losses. */
static void
progress_epoch_end(void *arg)
{
	ProgressLog *log = arg;
	const AeProgress *p = &log->p;
	const AeMetrics *mt = &log->model->metrics;

	log->ends++;
	if (p->epoch != log->ends || p->rows_done != 0 || mt->epochs_run != p->epoch ||
		(float) p->train_loss != mt->train_loss[p->epoch - 1] ||
		!(isnan(p->val_loss) ? isnan(mt->val_loss[p->epoch - 1]) :
		  (float) p->val_loss == mt->val_loss[p->epoch - 1]))
		log->bad_ends++;
}

/* Progress: the counters a tick reads and one epoch_end per epoch, with and without validation. */
static void
test_train_progress(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;

	make_numeric(t, m, NUM_ROWS);
	for (int with_val = 0; with_val < 2; with_val++)
	{
		ProgressLog log;
		AeStatus	st;

		memset(&log, 0, sizeof(log));
		log.p.epoch_end = progress_epoch_end;
		log.p.arg = &log;
		log.model = &model;
		unit_region_init(&reg);
		st = train_numeric_with(&model, cols, t, m, with_val, &reg, progress_tick, &log, &log.p);
		CHECK(st == AE_OK, "training with progress returns AE_OK (%s)", ae_status_message(st));
		CHECK(log.ends == NUM_EPOCHS && log.bad_ends == 0,
			  "%s validation: %d epoch_end calls for %d epochs, %d out of order or off the metrics",
			  with_val ? "with" : "without", log.ends, NUM_EPOCHS, log.bad_ends);
		CHECK(log.p.epochs == NUM_EPOCHS && log.p.epoch == NUM_EPOCHS && log.p.rows == NUM_TRAIN,
			  "progress ends at epoch %d/%d of %d rows", log.p.epoch, log.p.epochs, log.p.rows);
		CHECK(with_val ? !isnan(log.p.val_loss) : isnan(log.p.val_loss),
			  "validation loss %g %s validation", log.p.val_loss, with_val ? "with" : "without");
		/* 16 batches an epoch: every one ticks with the rows before it */
		CHECK(log.bad_ticks == 0 && log.epoch_ticks == NUM_EPOCHS * 16,
			  "ticks see rows done grow within epochs: %d bad, %d ticks in epochs, expected %d",
			  log.bad_ticks, log.epoch_ticks, NUM_EPOCHS * 16);
		unit_region_free(&reg);
	}
	free(t);
	free(m);
}

/* Numeric columns from two factors: the loss must fall to near the noise floor. */
static void
test_train_numeric(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS],
				cols2[NUM_COLS];
	AeModel		model,
				model2;
	UnitRegion	reg;
	AeStatus	st;
	int			ticks = 0,
				ticks2 = 0;
	const AeMetrics *mt = &model.metrics;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	st = train_numeric(&model, cols, t, m, 1, &reg, &ticks);
	CHECK(st == AE_OK, "numeric training returns AE_OK (%s)", ae_status_message(st));
	if (st != AE_OK)
		goto done;

	printf("   numeric: train loss epoch 1 %.4f, epoch %d %.4f; best epoch %d, val %.4f\n",
		   mt->train_loss[0], mt->epochs_run, mt->train_loss[mt->epochs_run - 1],
		   mt->best_epoch, mt->val_loss[mt->best_epoch - 1]);
	CHECK(mt->epochs_run == NUM_EPOCHS, "epochs_run %d == %d", mt->epochs_run, NUM_EPOCHS);
	CHECK(mt->best_epoch >= 1 && mt->best_epoch <= NUM_EPOCHS, "best_epoch %d in [1, %d]",
		  mt->best_epoch, NUM_EPOCHS);
	CHECK(mt->best_epoch > NUM_EPOCHS / 2, "best epoch %d is in the second half of a converging run",
		  mt->best_epoch);
	CHECK(mt->n_train == NUM_TRAIN && mt->n_val == NUM_ROWS - NUM_TRAIN && mt->rows_used == NUM_ROWS,
		  "n_train %d, n_val %d, rows_used %d", mt->n_train, mt->n_val, mt->rows_used);
	CHECK(mt->train_loss[NUM_EPOCHS - 1] < NUM_FINAL_BOUND, "final train loss %.4f < %.2f",
		  mt->train_loss[NUM_EPOCHS - 1], NUM_FINAL_BOUND);
	CHECK(mt->train_loss[NUM_EPOCHS - 1] < mt->train_loss[0] / 10,
		  "final train loss %.4f is under a tenth of the first epoch's %.4f",
		  mt->train_loss[NUM_EPOCHS - 1], mt->train_loss[0]);
	CHECK(mt->val_loss[mt->best_epoch - 1] < NUM_VAL_BOUND, "best validation loss %.4f < %.2f",
		  mt->val_loss[mt->best_epoch - 1], NUM_VAL_BOUND);
	{
		int			best_is_min = 1;

		for (int e = 0; e < mt->epochs_run; e++)
			best_is_min &= mt->val_loss[mt->best_epoch - 1] <= mt->val_loss[e];
		CHECK(best_is_min, "best_epoch has the smallest validation loss");
	}
	/* the weights kept are the best epoch's: they reproduce its validation loss */
	{
		AeWork		w;
		const ae_real *vt = t + NUM_TRAIN * NUM_COLS;
		const uint8_t *vm = m + NUM_TRAIN * NUM_COLS;
		double		total = 0;

		CHECK(ae_work_init(&w, &model, 32, &reg.alloc) == AE_OK, "work for evaluation");
		for (int start = 0; start < NUM_ROWS - NUM_TRAIN; start += 32)
		{
			ae_model_inputs(&model, vt + start * NUM_COLS, vm + start * NUM_COLS, w.x, 32);
			total += 32 * ae_model_loss(&model, ae_model_forward(&model, &w, w.x, 32),
										vt + start * NUM_COLS, vm + start * NUM_COLS, 32, NULL, NULL);
		}
		total /= NUM_ROWS - NUM_TRAIN;
		CHECK(fabs(total - mt->val_loss[mt->best_epoch - 1]) < 1e-5 * total,
			  "kept weights give the best epoch's validation loss: %.6f vs %.6f",
			  total, mt->val_loss[mt->best_epoch - 1]);
	}

	/*
	 * 512 training rows in batches of 32 and 128 validation rows in batches
	 * of 32: 16 + 4 ticks an epoch, then 4 for each column of the imputation
	 * calibration, then one for each row the score quantiles score; the
	 * products are too small to pause in
	 */
	CHECK(ticks == NUM_EPOCHS * (16 + 4) + NUM_COLS * 4 + NUM_ROWS,
		  "one tick per mini-batch and validation batch: %d, expected %d",
		  ticks, NUM_EPOCHS * (16 + 4) + NUM_COLS * 4 + NUM_ROWS);

	/* the same seed and data give bit-identical parameters */
	st = train_numeric(&model2, cols2, t, m, 1, &reg, &ticks2);
	CHECK(st == AE_OK && model2.nparams == model.nparams &&
		  memcmp(model.params, model2.params, sizeof(ae_real) * model.nparams) == 0,
		  "training is deterministic under a seed");

	/* without validation rows the last epoch's weights are kept */
	st = train_numeric(&model2, cols2, t, m, 0, &reg, &ticks2);
	CHECK(st == AE_OK && model2.metrics.best_epoch == NUM_EPOCHS && model2.metrics.n_val == 0 &&
		  isnan(model2.metrics.val_loss[0]), "no validation: best epoch is the last, val loss NaN");

done:
	unit_region_free(&reg);
	free(t);
	free(m);
}

/* qsort's order of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * The score quantiles training records: the grid's probabilities; the
 * quantiles of every training and validation row's score, scored as the
 * query-time path scores (one row, packed layers: the extremes match
 * bit for bit), each percentile_cont's value; percentiles in [0, 1],
 * non-decreasing along the sorted scores, the grid's points read back
 * exactly both ways; the rows above the 0.99 and 0.9 percentiles are
 * (n - 1) times 1% and 10% of them, within one row; and a distribution of
 * one repeated score.
 */
static void
test_quantiles(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	double	   *x = malloc(sizeof(double) * NUM_ROWS);
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeWork		w;
	AeStatus	st;
	int			ticks = 0,
				increasing = 1,
				exact = 1,
				inverse = 1,
				monotone = 1,
				in_range = 1,
				above99 = 0,
				above90 = 0;
	double		worst = 0;
	const double *q;

	for (int i = 1; i < AE_QUANTILES; i++)
		increasing &= ae_quantile_prob(i) > ae_quantile_prob(i - 1);
	CHECK(increasing && ae_quantile_prob(0) == 0 && ae_quantile_prob(AE_QUANTILES - 1) == 1 &&
		  ae_quantile_prob(90) == 0.9 && ae_quantile_prob(180) == 0.99 &&
		  ae_quantile_prob(270) == 0.999 && ae_quantile_prob(360) == 0.9999,
		  "grid: 0 to 1, increasing, through 0.9, 0.99, 0.999 and 0.9999");

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	st = train_numeric(&model, cols, t, m, 1, &reg, &ticks);
	if (!CHECK(st == AE_OK && model.score_quantiles != NULL && model.score_rows == NUM_ROWS,
			   "training records the quantiles of its %d rows' scores (%s, %d rows)", NUM_ROWS,
			   ae_status_message(st), model.score_rows))
		goto done;
	q = model.score_quantiles;

	/* the query-time path: packed layers, a work of one row */
	CHECK(model.packed == NULL, "training leaves the model unpacked");
	if (!CHECK(ae_model_pack(&model, &reg.alloc) == AE_OK &&
			   ae_work_init(&w, &model, 1, &reg.alloc) == AE_OK, "packed for one row"))
		goto done;
	for (int i = 0; i < NUM_ROWS; i++)
		x[i] = ae_model_score(&model, &w, t + (size_t) i * NUM_COLS, m + (size_t) i * NUM_COLS);
	qsort(x, NUM_ROWS, sizeof(double), cmp_double);
	CHECK(q[0] == x[0] && q[AE_QUANTILES - 1] == x[NUM_ROWS - 1],
		  "smallest and largest quantiles are the smallest and largest scores exactly");
	for (int i = 0; i < AE_QUANTILES; i++)
	{
		double		h = ae_quantile_prob(i) * (NUM_ROWS - 1);
		int			lo = (int) floor(h);
		double		v = lo + 1 < NUM_ROWS ? x[lo] + (h - lo) * (x[lo + 1] - x[lo]) : x[lo];

		worst = fmax(worst, fabs(q[i] - v) / fmax(fabs(v), 1e-30));
		monotone &= i == 0 || q[i] >= q[i - 1];
		/* on the grid, where the quantiles are apart, each function inverts the other */
		if ((i == 0 || q[i] > q[i - 1]) && (i + 1 == AE_QUANTILES || q[i + 1] > q[i]))
		{
			exact &= ae_model_percentile(&model, q[i]) == ae_quantile_prob(i) || i == 0;
			exact &= ae_model_threshold(&model, ae_quantile_prob(i)) == q[i];
		}
	}
	CHECK(worst < 1e-12, "each quantile is percentile_cont's (relative difference %.2g)", worst);
	CHECK(monotone, "quantiles non-decreasing");
	CHECK(exact, "percentile and threshold exact inverses at the grid's points");

	for (int i = 0; i < NUM_ROWS; i++)
	{
		double		p = ae_model_percentile(&model, x[i]);

		in_range &= p >= 0 && p <= 1;
		monotone &= i == 0 || p >= ae_model_percentile(&model, x[i - 1]);
		above99 += p > 0.99;
		above90 += p > 0.9;
	}
	for (int k = 1; k < 1000; k++)
	{
		double		p = k / 1000.0 + 0.0003;
		double		s = ae_model_threshold(&model, p);

		inverse &= fabs(ae_model_percentile(&model, s) - p) < 1e-9;
		monotone &= s >= ae_model_threshold(&model, p - 0.0001);
	}
	CHECK(in_range && monotone, "percentiles in [0, 1] and non-decreasing in the score");
	CHECK(inverse, "percentile of threshold: the probability back, off the grid too");
	CHECK(ae_model_percentile(&model, x[0] - 1) == 0 && ae_model_percentile(&model, x[0]) == 0 &&
		  ae_model_percentile(&model, x[NUM_ROWS - 1]) == 1 &&
		  ae_model_percentile(&model, x[NUM_ROWS - 1] * 2) == 1 && isnan(ae_model_percentile(&model, NAN)),
		  "0 at and below the smallest, 1 at and above the largest, NaN for NaN");
	CHECK(fabs(above99 - 0.01 * (NUM_ROWS - 1)) <= 1 && fabs(above90 - 0.1 * (NUM_ROWS - 1)) <= 1,
		  "rows above 0.99 and 0.9: %d and %d of %d", above99, above90, NUM_ROWS);

	/* every score alike: the one score is the top of the distribution */
	{
		double		same[AE_QUANTILES];

		for (int i = 0; i < AE_QUANTILES; i++)
			same[i] = 2.5;
		model.score_quantiles = same;
		CHECK(ae_model_percentile(&model, 2.5) == 1 && ae_model_percentile(&model, 2.4) == 0 &&
			  ae_model_threshold(&model, 0.5) == 2.5 && ae_model_threshold(&model, 0) == 2.5,
			  "one repeated score: percentile 1 at it, 0 below, threshold it");
	}
done:
	unit_region_free(&reg);
	free(t);
	free(m);
	free(x);
}

#define MIX_ROWS 640
#define MIX_TRAIN 512
#define MIX_COLS 6
#define MIX_FINAL_BOUND 0.1		/* final train loss; measured 0.0135 */
#define MIX_VAL_BOUND 0.1		/* best validation loss; measured 0.0299 */

static char *grades[] = {"low", "mid", "high"};

/*
 * Mixed columns from the same two factors: four numeric (standardised), a
 * boolean (sign of f1 + 0.5 f2) and a categorical with three values (f2
 * below -0.5, between, above 0.5); one value in twenty is missing.
 */
static void
test_train_mixed(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * MIX_ROWS * MIX_COLS);
	uint8_t    *m = malloc(MIX_ROWS * MIX_COLS);
	double	   *f = malloc(sizeof(double) * 2 * MIX_ROWS);
	AeColumn	cols[MIX_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeRng		r;
	AeStatus	st;
	AeDataset	train = {MIX_TRAIN, t, m};
	AeDataset	val = {MIX_ROWS - MIX_TRAIN, t + MIX_TRAIN * MIX_COLS, m + MIX_TRAIN * MIX_COLS};
	const AeMetrics *mt = &model.metrics;
	double		A[4][2] = {{1, 0}, {0, 1}, {0.7, 0.7}, {0.8, -0.5}};

	unit_region_init(&reg);
	ae_rng_seed(&r, 31337);
	factors(&r, MIX_ROWS, f);
	for (int i = 0; i < MIX_ROWS; i++)
	{
		ae_real    *tr = t + i * MIX_COLS;
		uint8_t    *mr = m + i * MIX_COLS;
		double		f1 = f[2 * i],
					f2 = f[2 * i + 1];

		for (int c = 0; c < 4; c++)
			tr[c] = (ae_real) (A[c][0] * f1 + A[c][1] * f2 + 0.1 * ae_rng_normal(&r));
		tr[4] = f1 + 0.5 * f2 > 0;
		tr[5] = (ae_real) (f2 < -0.5 ? 0 : f2 < 0.5 ? 1 : 2);
		for (int c = 0; c < MIX_COLS; c++)
			mr[c] = ae_rng_uniform(&r) >= 0.05;
	}
	for (int c = 0; c < 4; c++)
		standardise(t, MIX_ROWS, MIX_COLS, c);

	memset(&model, 0, sizeof(model));
	memset(cols, 0, sizeof(cols));
	for (int c = 0; c < MIX_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "m%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].scale = 1;
		cols[c].weight = 1;
		cols[c].flags = AE_COLFLAG_INDICATOR;
	}
	cols[4].kind = AE_COL_BOOLEAN;
	cols[5].kind = AE_COL_CATEGORICAL;
	cols[5].ncat = 3;
	cols[5].cats = grades;
	train_options(&model.opt, NUM_EPOCHS);
	model.ncols = MIX_COLS;
	model.cols = cols;
	CHECK(ae_model_layout(&model) == AE_OK && ae_model_alloc_params(&model, &reg.alloc) == AE_OK,
		  "mixed model lays out");
	ae_rng_seed(&r, model.opt.seed);
	st = ae_model_train(&model, &train, &val, &r, &reg.alloc, NULL, NULL, NULL);
	CHECK(st == AE_OK, "mixed training returns AE_OK (%s)", ae_status_message(st));
	if (st == AE_OK)
	{
		printf("   mixed: train loss epoch 1 %.4f, epoch %d %.4f; best epoch %d, val %.4f\n",
			   mt->train_loss[0], mt->epochs_run, mt->train_loss[mt->epochs_run - 1],
			   mt->best_epoch, mt->val_loss[mt->best_epoch - 1]);
		CHECK(mt->train_loss[NUM_EPOCHS - 1] < MIX_FINAL_BOUND, "mixed final train loss %.4f < %.2f",
			  mt->train_loss[NUM_EPOCHS - 1], MIX_FINAL_BOUND);
		CHECK(mt->train_loss[NUM_EPOCHS - 1] < mt->train_loss[0] / 10,
			  "mixed final train loss %.4f is under a tenth of the first epoch's %.4f",
			  mt->train_loss[NUM_EPOCHS - 1], mt->train_loss[0]);
		CHECK(mt->val_loss[mt->best_epoch - 1] < MIX_VAL_BOUND, "mixed best validation loss %.4f < %.2f",
			  mt->val_loss[mt->best_epoch - 1], MIX_VAL_BOUND);
		CHECK(mt->best_epoch >= 1 && mt->best_epoch <= mt->epochs_run, "mixed best_epoch %d sane",
			  mt->best_epoch);
	}
	unit_region_free(&reg);
	free(t);
	free(m);
	free(f);
}

/* Invalid training arguments return AE_EINVAL before touching the model. */
static void
test_train_invalid(void)
{
	ae_real		t[4 * NUM_COLS] = {0};
	uint8_t		m[4 * NUM_COLS] = {0};
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeDataset	d = {4, t, m};
	AeDataset	empty = {0, t, m};
	AeRng		r;

	unit_region_init(&reg);
	memset(&model, 0, sizeof(model));
	memset(cols, 0, sizeof(cols));
	for (int c = 0; c < NUM_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "x%d", c);
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	train_options(&model.opt, 0);
	model.ncols = NUM_COLS;
	model.cols = cols;
	ae_model_layout(&model);
	ae_model_alloc_params(&model, &reg.alloc);
	ae_rng_seed(&r, 1);

	CHECK(ae_model_train(&model, &d, NULL, &r, &reg.alloc, NULL, NULL, NULL) == AE_EINVAL, "epochs 0: AE_EINVAL");
	model.opt.epochs = AE_MAX_EPOCHS + 1;
	CHECK(ae_model_train(&model, &d, NULL, &r, &reg.alloc, NULL, NULL, NULL) == AE_EINVAL, "too many epochs: AE_EINVAL");
	model.opt.epochs = 1;
	model.opt.batch_size = 0;
	CHECK(ae_model_train(&model, &d, NULL, &r, &reg.alloc, NULL, NULL, NULL) == AE_EINVAL, "batch size 0: AE_EINVAL");
	model.opt.batch_size = 32;
	CHECK(ae_model_train(&model, &empty, NULL, &r, &reg.alloc, NULL, NULL, NULL) == AE_EINVAL, "no training rows: AE_EINVAL");
	/* a batch larger than the data is clamped, and all-missing rows train to loss 0 */
	CHECK(ae_model_train(&model, &d, NULL, &r, &reg.alloc, NULL, NULL, NULL) == AE_OK &&
		  model.metrics.epochs_run == 1 && model.metrics.train_loss[0] == 0,
		  "1 epoch on 4 all-missing rows with batch 32: AE_OK, loss 0");

	/* an allocator that fails reports AE_ENOMEM */
	reg.limit = reg.bytes + 64;
	model.opt.epochs = 2;
	CHECK(ae_model_train(&model, &d, NULL, &r, &reg.alloc, NULL, NULL, NULL) == AE_ENOMEM, "allocation failure: AE_ENOMEM");
	unit_region_free(&reg);
}

/*
 * The principal axes of points spread along two known orthonormal
 * directions in 6 dimensions (standard deviations 3 and 1, noise 0.05):
 * found to three decimals with their variances, signs by the convention;
 * points all equal or on one line give finite axes and zero variances.
 */
static void
test_pca(void)
{
	enum
	{
		N = 2000, D = 6
	};
	static float x[N * D];
	double		work[N * 2 + D * 4];
	double		mean[D],
				axes[2 * D],
				var[2],
				total;
	/* u1 has its largest component negative: the axis must come back flipped */
	const double u1[D] = {0.1, -0.7, 0.5, -0.5, 0, 0};
	const double u2[D] = {0, 0, 0, 0, 0.6, 0.8};
	double		dot1 = 0,
				dot2 = 0;
	int			steps;

	CHECK(ae_pca2_work_size(N, D) == N * 2 + D * 4, "work size");
	for (int i = 0; i < N; i++)
	{
		double		a = 3 * ae_rng_normal(&rng),
					b = ae_rng_normal(&rng);

		for (int j = 0; j < D; j++)
			x[i * D + j] = (float) (10 + a * u1[j] + b * u2[j] + 0.05 * ae_rng_normal(&rng));
	}
	steps = ae_pca2(x, N, D, mean, axes, var, &total, work, NULL, NULL);
	for (int j = 0; j < D; j++)
	{
		dot1 += axes[j] * u1[j];
		dot2 += axes[D + j] * u2[j];
	}
	CHECK(steps < 300, "converged in %d steps", steps);
	CHECK(fabs(fabs(dot1) - 1) < 1e-3 && fabs(fabs(dot2) - 1) < 1e-3,
		  "axes along u1 and u2: %g %g", dot1, dot2);
	CHECK(dot1 < 0 && axes[1] > 0.69, "axis 1 flipped to its largest component: %g", axes[1]);
	CHECK(dot2 > 0, "axis 2 points the way of its largest component: %g", dot2);
	CHECK(fabs(var[0] / 9 - 1) < 0.1 && fabs(var[1] - 1) < 0.1 && var[0] + var[1] <= total + 1e-9
		  && total < var[0] + var[1] + 4 * 0.0025 * D, "variances %g %g of %g", var[0], var[1], total);
	CHECK(fabs(mean[4] - 10) < 0.1, "mean %g", mean[4]);

	/* the same points give the same axes bit for bit */
	{
		double		again[2 * D],
					v2[2],
					t2;

		ae_pca2(x, N, D, mean, again, v2, &t2, work, NULL, NULL);
		CHECK(memcmp(again, axes, sizeof(again)) == 0, "deterministic");
	}

	/* degenerate: all equal, then all on one line */
	for (int i = 0; i < N * D; i++)
		x[i] = 1;
	ae_pca2(x, N, D, mean, axes, var, &total, work, NULL, NULL);
	CHECK(var[0] == 0 && var[1] == 0 && total == 0 && isfinite(axes[0]) && isfinite(axes[D]),
		  "equal points: zero variance, finite axes");
	for (int i = 0; i < N; i++)
		for (int j = 0; j < D; j++)
			x[i * D + j] = (float) (i % 7) * (j == 2 ? 1 : 0);
	ae_pca2(x, N, D, mean, axes, var, &total, work, NULL, NULL);
	CHECK(fabs(axes[2] - 1) < 1e-9 && var[1] < 1e-9 * var[0], "a line: one axis along it");
	{
		double		dot = 0;

		for (int j = 0; j < D; j++)
			dot += axes[j] * axes[D + j];
		CHECK(fabs(dot) < 1e-9 && isfinite(axes[D]), "a line: the second axis orthogonal");
	}
}

/* Status messages exist for every code. */
static void
test_status(void)
{
	for (int s = AE_OK; s <= AE_EDIVERGED; s++)
		CHECK(ae_status_message((AeStatus) s) != NULL && strcmp(ae_status_message((AeStatus) s), "unknown error") != 0,
			  "status %d has a message", s);
	CHECK(strcmp(ae_status_message((AeStatus) 99), "unknown error") == 0, "unknown status message");
	for (int k = 0; k < AE_KIND_COUNT; k++)
		CHECK(ae_kind_name(k) != NULL && ae_kind_from_name(ae_kind_name(k)) == k,
			  "kind %d round-trips by name", k);
	CHECK(ae_kind_from_name("cvae") == AE_KIND_CVAE && strcmp(ae_kind_name(AE_KIND_DENOISING), "denoising") == 0,
		  "kind names");
	CHECK(ae_kind_name(AE_KIND_COUNT) == NULL && ae_kind_name(-1) == NULL &&
		  ae_kind_from_name("gan") == -1, "unknown kinds");
}

/* The encoder alone gives the same latent codes as a full forward pass. */
static void
test_encode(void)
{
	AeModel		model;
	AeColumn	cols[3];
	AeWork		w;
	AeRng		rng;
	UnitRegion	reg;
	AeAlloc    *a;
	ae_real		t[3 * 2] = {0.5f, 1, 2, -1.0f, 0, 1};
	uint8_t		m[3 * 2] = {1, 1, 1, 1, 0, 1};
	ae_real		x[7 * 2];
	ae_real		full[2 * 2];
	const ae_real *z;
	double		diff = 0;

	unit_region_init(&reg);
	a = &reg.alloc;
	small_model(&model, cols);
	CHECK(ae_model_layout(&model) == AE_OK && ae_model_alloc_params(&model, a) == AE_OK &&
		  ae_work_init(&w, &model, 2, a) == AE_OK, "model and workspace");
	ae_rng_seed(&rng, 5);
	ae_model_init_params(&model, &rng);
	ae_model_inputs(&model, t, m, x, 2);
	ae_model_forward(&model, &w, x, 2);
	memcpy(full, ae_model_latent(&model, &w), sizeof(full));
	memset(w.act[model.nencoder - 1], 0, sizeof(full));
	z = ae_model_encode(&model, &w, x, 2);
	CHECK(z == ae_model_latent(&model, &w), "encode returns the latent buffer");
	for (int i = 0; i < 4; i++)
		diff = fmax(diff, fabs((double) z[i] - full[i]));
	CHECK(diff == 0, "encode matches forward exactly (max diff %g)", diff);
	unit_region_free(&reg);
}

/* ---- the autoencoder kinds ---- */

/* The numeric columns of make_numeric as a model of the given kind, with the training options. */
static void
numeric_model(AeModel *model, AeColumn cols[NUM_COLS], int kind)
{
	memset(model, 0, sizeof(*model));
	memset(cols, 0, sizeof(AeColumn) * NUM_COLS);
	for (int c = 0; c < NUM_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "x%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	train_options(&model->opt, NUM_EPOCHS);
	model->opt.kind = kind;
	model->opt.score = AE_KIND_IS_VARIATIONAL(kind) ? AE_SCORE_ELBO : AE_SCORE_RECONSTRUCTION;
	model->opt.latent_activation = ae_kind_latent_activation(kind);
	model->ncols = NUM_COLS;
	model->cols = cols;
}

/* Lay out and train model on rows [0, ntrain) of t, m, validating on rows [ntrain, n). */
static AeStatus
train_rows(AeModel *model, const ae_real *t, const uint8_t *m, int n, int ntrain, UnitRegion *reg)
{
	size_t		nc = model->ncols;
	AeDataset	train = {ntrain, t, m};
	AeDataset	val = {n - ntrain, t + ntrain * nc, m + ntrain * nc};
	AeRng		r;
	AeStatus	st;

	if ((st = ae_model_layout(model)) != AE_OK ||
		(st = ae_model_alloc_params(model, &reg->alloc)) != AE_OK)
		return st;
	ae_rng_seed(&r, model->opt.seed);
	return ae_model_train(model, &train, &val, &r, &reg->alloc, NULL, NULL, NULL);
}

/*
 * Print a training run; bound its final train loss and best validation
 * loss, and require the final train loss under shrink times the first
 * epoch's.
 */
static void
check_run(const char *what, AeStatus st, const AeModel *model, double final_bound, double val_bound,
		  double shrink)
{
	const AeMetrics *mt = &model->metrics;
	double		first,
				final,
				val;

	CHECK(st == AE_OK, "%s: training returns AE_OK (%s)", what, ae_status_message(st));
	if (st != AE_OK)
		return;
	first = mt->train_loss[0];
	final = mt->train_loss[mt->epochs_run - 1];
	val = mt->val_loss[mt->best_epoch - 1];
	printf("   %s: train loss epoch 1 %.4f, epoch %d %.4f; best epoch %d, val %.4f\n",
		   what, first, mt->epochs_run, final, mt->best_epoch, val);
	CHECK(final < final_bound, "%s: final train loss %.4f < %.3g", what, final, final_bound);
	CHECK(val < val_bound, "%s: best validation loss %.4f < %.3g", what, val, val_bound);
	CHECK(final < shrink * first, "%s: final train loss %.4f under %.2f times the first epoch's %.4f",
		  what, final, shrink, first);
}

#define DEN_FINAL_BOUND 0.06	/* final train loss (noisy inputs); measured 0.0295 */
#define DEN_VAL_BOUND 0.05		/* best validation loss; measured 0.0146 */

/*
 * Denoising, noise 0.2 on the numeric inputs: still reconstructs the clean
 * values.  With noise 0 it trains bit for bit as an ae; with noise, not.
 */
static void
test_train_denoising(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS],
				cols2[NUM_COLS];
	AeModel		model,
				plain;
	UnitRegion	reg;
	AeStatus	st;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	numeric_model(&model, cols, AE_KIND_DENOISING);
	model.opt.noise = 0.2;
	st = train_rows(&model, t, m, NUM_ROWS, NUM_TRAIN, &reg);
	check_run("denoising", st, &model, DEN_FINAL_BOUND, DEN_VAL_BOUND, 0.1);

	numeric_model(&plain, cols2, AE_KIND_AE);
	CHECK(train_rows(&plain, t, m, NUM_ROWS, NUM_TRAIN, &reg) == AE_OK, "ae for comparison");
	CHECK(st == AE_OK && memcmp(model.params, plain.params, sizeof(ae_real) * model.nparams) != 0,
		  "noise 0.2 changes training");
	numeric_model(&model, cols, AE_KIND_DENOISING);
	st = train_rows(&model, t, m, NUM_ROWS, NUM_TRAIN, &reg);
	CHECK(st == AE_OK && memcmp(model.params, plain.params, sizeof(ae_real) * model.nparams) == 0,
		  "denoising with noise 0 trains exactly as an ae");
	unit_region_free(&reg);
	free(t);
	free(m);
}

#define NUM_VAL (NUM_ROWS - NUM_TRAIN)

/*
 * Forward the held-out rows of make_numeric (rows NUM_TRAIN on) through a
 * trained model in one batch of w (NUM_VAL rows); returns their mean
 * reconstruction loss, the latent codes left in w.
 */
static double
held_out_loss(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m)
{
	const ae_real *tv = t + NUM_TRAIN * NUM_COLS;
	const uint8_t *mv = m + NUM_TRAIN * NUM_COLS;

	ae_model_inputs(model, tv, mv, w->x, NUM_VAL);
	return ae_model_loss(model, ae_model_forward(model, w, w->x, NUM_VAL), tv, mv, NUM_VAL, NULL, NULL);
}

/* Train a model of make_numeric's columns of the given kind and latent width; 0 and a failed CHECK when it fails. */
static int
train_numeric_kind(AeModel *model, AeColumn cols[NUM_COLS], int kind, int latent, const ae_real *t,
				   const uint8_t *m, UnitRegion *reg, double *seconds)
{
	clock_t		start = clock();
	AeStatus	st;

	numeric_model(model, cols, kind);
	model->opt.latent = latent;
	model->opt.sparsity = kind == AE_KIND_SPARSE ? 0.1 : 0;
	model->opt.sparsity_target = kind == AE_KIND_SPARSE ? 0.05 : 0;
	model->opt.contractive = kind == AE_KIND_CONTRACTIVE ? 0.01 : 0;
	st = train_rows(model, t, m, NUM_ROWS, NUM_TRAIN, reg);
	if (seconds)
		*seconds = (double) (clock() - start) / CLOCKS_PER_SEC;
	return CHECK(st == AE_OK, "%s with latent %d trains (%s)", ae_kind_name(kind), latent,
				 ae_status_message(st));
}

#define SPARSE_LATENT 4			/* a code wider than the data's two factors */
#define SPARSE_FINAL_BOUND 0.05	/* final train loss, penalty included; measured 0.0125 */
#define SPARSE_VAL_BOUND 0.05	/* best validation loss; measured 0.0140 */
#define SPARSE_RATE_FACTOR 2	/* each unit's held-out mean activation within this factor of the
								 * target 0.05; measured 0.056 to 0.067 */
#define SPARSE_SMALL_SHARE 0.6	/* activations under twice the target, at least; measured 0.77
								 * (a plain ae's code read through a sigmoid: 0) */
#define SPARSE_HIGH_SHARE 0.05	/* activations over 0.5, at most; measured 0 (the ae's: 0.50) */
#define SPARSE_RECON_MARGIN 0.02	/* held-out reconstruction over a plain ae's, at most;
									 * measured 0.0130 against 0.0042 */

/*
 * Sparse, sparsity 0.1 towards a target of 0.05, with a latent of 4 for
 * two factors: the code the decoder reads is sparse on the held-out rows.
 * Each unit's mean activation is near the target, most activations are
 * small (half of them under the target itself: skewed, not all alike
 * near it), hardly any is over 0.5 — where a plain ae's code read through
 * a sigmoid has half of them — and reconstruction stays near the plain
 * ae's.  The penalty's rates are means of those very activations (encode
 * returns them, decode of them is the forward output), so a shift of the
 * latent that the decoder's bias would absorb no longer meets it: the
 * decoder sees sigmoid(h + c), not an affine function of sigmoid(h).
 */
static void
test_train_sparse(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS],
				cols2[NUM_COLS];
	AeModel		model,
				plain;
	UnitRegion	reg;
	AeWork		w,
				wp;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	if (train_numeric_kind(&model, cols, AE_KIND_SPARSE, SPARSE_LATENT, t, m, &reg, NULL) &&
		train_numeric_kind(&plain, cols2, AE_KIND_AE, SPARSE_LATENT, t, m, &reg, NULL) &&
		CHECK(ae_work_init(&w, &model, NUM_VAL, &reg.alloc) == AE_OK &&
			  ae_work_init(&wp, &plain, NUM_VAL, &reg.alloc) == AE_OK, "work space"))
	{
		const int	L = SPARSE_LATENT;
		double		rho = model.opt.sparsity_target,
					rec = held_out_loss(&model, &w, t, m),
					rec_ae = held_out_loss(&plain, &wp, t, m),
					rate[SPARSE_LATENT] = {0},
					lo = 1,
					hi = 0;
		const ae_real *h = ae_model_latent(&model, &w),
				   *ha = ae_model_latent(&plain, &wp);
		int			n = NUM_VAL * L,
					small = 0,
					high = 0,
					high_ae = 0,
					under = 0,
					in_unit = 1;
		ae_real		out[NUM_VAL * NUM_COLS],
					code[NUM_VAL * SPARSE_LATENT];

		check_run("sparse", AE_OK, &model, SPARSE_FINAL_BOUND, SPARSE_VAL_BOUND, 0.1);
		CHECK(model.layers[model.nencoder - 1].act == AE_ACT_SIGMOID, "sparse: a sigmoid latent");
		for (int i = 0; i < n; i++)
		{
			rate[i % L] += h[i] / NUM_VAL;
			in_unit &= h[i] > 0 && h[i] < 1;
			small += h[i] < 2 * rho;
			under += h[i] < rho;
			high += h[i] > 0.5;
			high_ae += 1 / (1 + exp(-(double) ha[i])) > 0.5;
		}
		for (int j = 0; j < L; j++)
		{
			lo = fmin(lo, rate[j]);
			hi = fmax(hi, rate[j]);
		}
		printf("   sparse: held-out mean activations %.3f to %.3f (target %.2f); under %.2f %.2f, "
			   "under %.2f %.2f, over 0.5 %.2f (an ae's code through a sigmoid %.2f)\n",
			   lo, hi, rho, 2 * rho, (double) small / n, rho, (double) under / n, (double) high / n,
			   (double) high_ae / n);
		printf("   sparse: held-out reconstruction %.4f, a plain ae's %.4f\n", rec, rec_ae);
		CHECK(in_unit, "sparse: the code is in (0, 1)");
		CHECK(lo > rho / SPARSE_RATE_FACTOR && hi < rho * SPARSE_RATE_FACTOR,
			  "sparse: each unit's mean activation %.3f to %.3f within a factor %d of %.2f",
			  lo, hi, SPARSE_RATE_FACTOR, rho);
		CHECK((double) small / n >= SPARSE_SMALL_SHARE, "sparse: share of activations under %.2f %.2f >= %.2f",
			  2 * rho, (double) small / n, SPARSE_SMALL_SHARE);
		CHECK(2 * under >= n, "sparse: half the activations under the target (%.2f)", (double) under / n);
		CHECK((double) high / n <= SPARSE_HIGH_SHARE && (double) high_ae / n > 10 * SPARSE_HIGH_SHARE,
			  "sparse: share over 0.5 %.2f <= %.2f, an ae's sigmoid-read code %.2f",
			  (double) high / n, SPARSE_HIGH_SHARE, (double) high_ae / n);
		CHECK(rec < rec_ae + SPARSE_RECON_MARGIN, "sparse: held-out reconstruction %.4f < the ae's %.4f + %.2f",
			  rec, rec_ae, SPARSE_RECON_MARGIN);

		/* the decoder reads exactly the code the penalty measures: decoding it gives the forward output */
		memcpy(out, w.act[model.nlayers - 1], sizeof(out));
		memcpy(code, h, sizeof(code));
		CHECK(memcmp(ae_model_decode(&model, &w, code, w.x, NUM_VAL), out, sizeof(out)) == 0,
			  "sparse: decoding the sigmoid code reproduces the forward pass");
	}
	unit_region_free(&reg);
	free(t);
	free(m);
}

#define CON_LATENT 4			/* a code wider than the data's two factors */
#define CON_FINAL_BOUND 0.05	/* final train loss, penalty included; measured 0.0067 */
#define CON_VAL_BOUND 0.05		/* best validation loss; measured 0.0066 */
#define CON_JACOBIAN_FACTOR 5	/* the ae's mean ‖J‖²_F over the contractive's, at least; measured 19.6 */
#define CON_RELATIVE_FACTOR 2	/* the same over the codes' variance, at least; measured 7.1 */
#define CON_RECON_MARGIN 0.01	/* held-out reconstruction over a plain ae's, at most;
								 * measured 0.0047 against 0.0042 */
#define JACOBIAN_STEP 1e-3		/* the test's own central differences of the encoder */

/*
 * The encoder's mean squared Frobenius norm ‖∂h/∂x‖²_F over the held-out
 * rows, by central differences of ae_model_encode in each input; spread
 * gets the codes' total variance over those rows, Σ_j Var(h_j).
 */
static double
held_out_jacobian(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m, double *spread)
{
	int			L = model->opt.latent,
				n_in = model->n_in;
	ae_real    *x0 = malloc(sizeof(ae_real) * NUM_VAL * n_in),
			   *hp = malloc(sizeof(ae_real) * NUM_VAL * L);
	const ae_real *h;
	double		frob = 0;

	ae_model_inputs(model, t + NUM_TRAIN * NUM_COLS, m + NUM_TRAIN * NUM_COLS, x0, NUM_VAL);
	h = ae_model_encode(model, w, x0, NUM_VAL);
	*spread = 0;
	for (int j = 0; j < L; j++)
	{
		double		mean = 0;

		for (int r = 0; r < NUM_VAL; r++)
			mean += h[r * L + j] / NUM_VAL;
		for (int r = 0; r < NUM_VAL; r++)
			*spread += (h[r * L + j] - mean) * (h[r * L + j] - mean) / NUM_VAL;
	}
	for (int i = 0; i < n_in; i++)
	{
		memcpy(w->x, x0, sizeof(ae_real) * NUM_VAL * n_in);
		for (int r = 0; r < NUM_VAL; r++)
			w->x[r * n_in + i] += JACOBIAN_STEP;
		memcpy(hp, ae_model_encode(model, w, w->x, NUM_VAL), sizeof(ae_real) * NUM_VAL * L);
		for (int r = 0; r < NUM_VAL; r++)
			w->x[r * n_in + i] -= 2 * JACOBIAN_STEP;
		h = ae_model_encode(model, w, w->x, NUM_VAL);
		for (int k = 0; k < NUM_VAL * L; k++)
		{
			double		d = ((double) hp[k] - h[k]) / (2 * JACOBIAN_STEP);

			frob += d * d / NUM_VAL;
		}
	}
	free(x0);
	free(hp);
	return frob;
}

/*
 * Contractive, weight 0.01, latent 4 for two factors: on the held-out rows
 * the encoder's Jacobian, measured here by differences of the encoder
 * alone, is several times smaller than a plain ae's, and still so relative
 * to the spread of the codes (the decoder could absorb a code merely
 * scaled down, which the penalty alone would reward), while reconstruction
 * stays near the ae's.  Prints both training times.
 */
static void
test_train_contractive(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS],
				cols2[NUM_COLS];
	AeModel		model,
				plain;
	UnitRegion	reg;
	AeWork		w,
				wp;
	double		secs,
				secs_ae;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	if (train_numeric_kind(&model, cols, AE_KIND_CONTRACTIVE, CON_LATENT, t, m, &reg, &secs) &&
		train_numeric_kind(&plain, cols2, AE_KIND_AE, CON_LATENT, t, m, &reg, &secs_ae) &&
		CHECK(ae_work_init(&w, &model, NUM_VAL, &reg.alloc) == AE_OK &&
			  ae_work_init(&wp, &plain, NUM_VAL, &reg.alloc) == AE_OK, "work space"))
	{
		double		spread,
					spread_ae,
					jac = held_out_jacobian(&model, &w, t, m, &spread),
					jac_ae = held_out_jacobian(&plain, &wp, t, m, &spread_ae),
					rec = held_out_loss(&model, &w, t, m),
					rec_ae = held_out_loss(&plain, &wp, t, m);

		check_run("contractive", AE_OK, &model, CON_FINAL_BOUND, CON_VAL_BOUND, 0.1);
		printf("   contractive: held-out mean ‖J‖²_F %.4f, a plain ae's %.4f (%.1f times); "
			   "over the codes' variance %.3f and %.3f (%.1f times)\n", jac, jac_ae, jac_ae / jac,
			   jac / spread, jac_ae / spread_ae, (jac_ae / spread_ae) / (jac / spread));
		printf("   contractive: held-out reconstruction %.4f, a plain ae's %.4f; "
			   "training %.0f ms, a plain ae %.0f ms (%.2f times)\n", rec, rec_ae,
			   1e3 * secs, 1e3 * secs_ae, secs / secs_ae);
		CHECK(jac * CON_JACOBIAN_FACTOR < jac_ae, "contractive: ‖J‖²_F %.4f under the ae's %.4f / %d",
			  jac, jac_ae, CON_JACOBIAN_FACTOR);
		CHECK(jac / spread * CON_RELATIVE_FACTOR < jac_ae / spread_ae,
			  "contractive: ‖J‖²_F over the code variance %.3f under the ae's %.3f / %d",
			  jac / spread, jac_ae / spread_ae, CON_RELATIVE_FACTOR);
		CHECK(rec < rec_ae + CON_RECON_MARGIN, "contractive: held-out reconstruction %.4f < the ae's %.4f + %.2f",
			  rec, rec_ae, CON_RECON_MARGIN);
	}
	unit_region_free(&reg);
	free(t);
	free(m);
}

/*
 * Imputation calibration: columns x0..x3 from two factors, b4 the sign of
 * a factor, and two columns nothing predicts: x5, noise, and c6, a category
 * drawn with shares 0.6, 0.3, 0.1.  The predictable columns keep most of
 * the network's prediction, the unpredictable ones are pulled to their
 * mean and class shares, and their hidden values are filled accordingly.
 */
#define CAL_ROWS 1280
#define CAL_TRAIN 1024
#define CAL_COLS 7

static void
test_impute_calibration(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * CAL_ROWS * CAL_COLS);
	uint8_t    *m = malloc(CAL_ROWS * CAL_COLS);
	double	   *f = malloc(sizeof(double) * 2 * CAL_ROWS);
	AeColumn	cols[CAL_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeRng		r;
	AeWork		w;
	AeStatus	st;
	double		A[4][2] = {{1, 0}, {0, 1}, {0.7, 0.7}, {0.8, -0.5}};
	double		shares[3] = {0.6, 0.3, 0.1};
	double		sq_raw = 0,
				sq_cal = 0,
				sq_mean = 0;
	int			mode_fills = 0;
	int			only_bad = 0;

	unit_region_init(&reg);
	ae_rng_seed(&r, 4242);
	factors(&r, CAL_ROWS, f);
	for (int i = 0; i < CAL_ROWS; i++)
	{
		ae_real    *tr = t + i * CAL_COLS;
		double		u = ae_rng_uniform(&r);

		for (int c = 0; c < 4; c++)
			tr[c] = (ae_real) (A[c][0] * f[2 * i] + A[c][1] * f[2 * i + 1] + 0.1 * ae_rng_normal(&r));
		tr[4] = f[2 * i] > 0;
		tr[5] = (ae_real) ae_rng_normal(&r);
		tr[6] = (ae_real) (u < shares[0] ? 0 : u < shares[0] + shares[1] ? 1 : 2);
		for (int c = 0; c < CAL_COLS; c++)
			m[i * CAL_COLS + c] = 1;
	}
	for (int c = 0; c < 4; c++)
		standardise(t, CAL_ROWS, CAL_COLS, c);

	memset(&model, 0, sizeof(model));
	memset(cols, 0, sizeof(cols));
	for (int c = 0; c < CAL_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "k%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].scale = 1;
		cols[c].weight = 1;
		cols[c].flags = AE_COLFLAG_INDICATOR;
	}
	cols[4].kind = AE_COL_BOOLEAN;
	cols[6].kind = AE_COL_CATEGORICAL;
	cols[6].ncat = 3;
	cols[6].cats = grades;
	train_options(&model.opt, NUM_EPOCHS);
	model.opt.mask = 0.3;
	model.opt.hidden[0] = 64;
	model.opt.latent = 4;
	model.ncols = CAL_COLS;
	model.cols = cols;
	st = train_rows(&model, t, m, CAL_ROWS, CAL_TRAIN, &reg);
	CHECK(st == AE_OK, "calibration: training returns AE_OK (%s)", ae_status_message(st));
	if (st != AE_OK || ae_work_init(&w, &model, 1, &reg.alloc) != AE_OK)
		goto done;
	printf("   shrink:");
	for (int c = 0; c < CAL_COLS; c++)
		printf(" %s %.2f", cols[c].name, model.impute_shrink[c]);
	printf("\n");
	for (int c = 0; c < 5; c++)
		CHECK(model.impute_shrink[c] >= 0.8, "calibration: predictable column %s keeps shrink %.2f >= 0.8",
			  cols[c].name, model.impute_shrink[c]);
	/* 256 validation values per column pull a shrink of 0 up to 50 / 306 = 0.16 at least */
	CHECK(model.impute_shrink[5] <= 0.5, "calibration: noise column shrink %.2f <= 0.5",
		  model.impute_shrink[5]);
	CHECK(model.impute_shrink[6] <= 0.5, "calibration: unpredictable category shrink %.2f <= 0.5",
		  model.impute_shrink[6]);
	for (int k = 0; k < 3; k++)
		CHECK(fabs(model.impute_prior[cols[6].out_off + k] - shares[k]) < 0.05,
			  "calibration: class %d's prior %.3f is near its share %.1f", k,
			  model.impute_prior[cols[6].out_off + k], shares[k]);
	CHECK(fabs(model.impute_prior[cols[4].out_off] - 0.5) < 0.06,
		  "calibration: the boolean's prior %.3f is near its share of true",
		  model.impute_prior[cols[4].out_off]);

	/* fill x5 and c6 of the validation rows, hidden together */
	for (int i = CAL_TRAIN; i < CAL_ROWS; i++)
	{
		const ae_real *tr = t + i * CAL_COLS;
		uint8_t		mr[CAL_COLS] = {1, 1, 1, 1, 1, 0, 0};
		ae_real		cal[16];
		const ae_real *out;
		int			best = 0;

		ae_model_inputs(&model, tr, mr, w.x, 1);
		out = ae_model_forward(&model, &w, w.x, 1);
		ae_model_impute_outputs(&model, out, NULL, cal);
		/* with the row's mask: the hidden columns as without, the observed ones copied */
		{
			ae_real		only[16];

			ae_model_impute_outputs(&model, out, mr, only);
			for (int c = 0; c < CAL_COLS; c++)
				for (int k = 0; k < cols[c].out_width; k++)
					if (only[cols[c].out_off + k] != (mr[c] ? out : cal)[cols[c].out_off + k])
						only_bad++;
		}
		sq_raw += (out[cols[5].out_off] - tr[5]) * (out[cols[5].out_off] - tr[5]);
		sq_cal += (cal[cols[5].out_off] - tr[5]) * (cal[cols[5].out_off] - tr[5]);
		sq_mean += (model.impute_prior[cols[5].out_off] - tr[5]) *
			(model.impute_prior[cols[5].out_off] - tr[5]);
		for (int k = 1; k < cols[6].out_width; k++)
			if (cal[cols[6].out_off + k] > cal[cols[6].out_off + best])
				best = k;
		mode_fills += best == 0;
		/* the predictable columns' outputs barely move */
		if (i == CAL_TRAIN)
			CHECK(fabs(cal[cols[0].out_off] - out[cols[0].out_off]) <=
				  0.2 * fabs(out[cols[0].out_off]) + 1e-6,
				  "calibration: x0's fill %.3f stays near the network's %.3f",
				  cal[cols[0].out_off], out[cols[0].out_off]);
	}
	printf("   hidden noise column, mean squared error: network %.3f, calibrated %.3f, mean %.3f;"
		   " mode fills %d of %d\n", sq_raw / (CAL_ROWS - CAL_TRAIN), sq_cal / (CAL_ROWS - CAL_TRAIN),
		   sq_mean / (CAL_ROWS - CAL_TRAIN), mode_fills, CAL_ROWS - CAL_TRAIN);
	CHECK(only_bad == 0, "calibration: with a row's mask, its missing cells alone are calibrated (%d wrong)",
		  only_bad);
	CHECK(sq_cal <= 1.02 * sq_mean, "calibration: the noise column's fills are within 2%% of the mean's error");
	CHECK(mode_fills >= 0.9 * (CAL_ROWS - CAL_TRAIN),
		  "calibration: the unpredictable category is filled with its commonest class (%d of %d)",
		  mode_fills, CAL_ROWS - CAL_TRAIN);

	/* a model without calibration (format 5 and older) fills with the network's outputs */
	{
		ae_real		out[16],
					cal[16];
		ae_real    *shrink = model.impute_shrink;

		for (int k = 0; k < model.n_out; k++)
			out[k] = (ae_real) (k - 3);
		model.impute_shrink = NULL;
		ae_model_impute_outputs(&model, out, NULL, cal);
		CHECK(memcmp(out, cal, sizeof(ae_real) * model.n_out) == 0,
			  "calibration: none, outputs copied as they are");
		model.impute_shrink = shrink;
	}
done:
	unit_region_free(&reg);
	free(t);
	free(m);
	free(f);
}

/*
 * Score distance, checked against its definition recomputed here in
 * double precision from the trained model's codes: the center is the mean
 * code of the training and validation rows, W whitens their covariance
 * plus the ridge (W (Σ + ridge I) Wᵀ = I), recon_mean is their mean loss,
 * and a row scores loss / recon_mean + |W (h - center)|² / latent.  The
 * terms average 1 over the training rows (the distance exactly, up to the
 * ridge), and a row whose values break the columns' dependence, each value
 * ordinary, scores far above every training row.
 */
static void
test_distance_score(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeWork		w;
	AeStatus	st;
	int			L;
	double		center[8] = {0},
				cov[8][8] = {{0}},
				loss = 0,
				mean_dist = 0,
				worst_err = 0,
				max_train = 0,
				odd;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	numeric_model(&model, cols, AE_KIND_AE);
	model.opt.score = AE_SCORE_DISTANCE;
	st = train_rows(&model, t, m, NUM_ROWS, NUM_TRAIN, &reg);
	CHECK(st == AE_OK, "distance: training returns AE_OK (%s)", ae_status_message(st));
	if (st != AE_OK || ae_work_init(&w, &model, 1, &reg.alloc) != AE_OK)
		goto done;
	L = model.opt.latent;

	for (int i = 0; i < NUM_ROWS; i++)
	{
		const ae_real *h;
		double		recon;

		ae_model_inputs(&model, t + i * NUM_COLS, m + i * NUM_COLS, w.x, 1);
		ae_model_loss(&model, ae_model_forward(&model, &w, w.x, 1), t + i * NUM_COLS,
					  m + i * NUM_COLS, 1, NULL, &recon);
		loss += recon / NUM_ROWS;
		h = ae_model_latent(&model, &w);
		for (int a = 0; a < L; a++)
			center[a] += h[a] / NUM_ROWS;
	}
	for (int i = 0; i < NUM_ROWS; i++)
	{
		const ae_real *h;

		ae_model_inputs(&model, t + i * NUM_COLS, m + i * NUM_COLS, w.x, 1);
		h = ae_model_encode(&model, &w, w.x, 1);
		for (int a = 0; a < L; a++)
			for (int b = 0; b < L; b++)
				cov[a][b] += (h[a] - center[a]) * (h[b] - center[b]) / NUM_ROWS;
	}
	{
		double		trace = 0;

		for (int a = 0; a < L; a++)
			trace += cov[a][a];
		for (int a = 0; a < L; a++)
			cov[a][a] += 1e-3 * trace / L;
	}
	for (int a = 0; a < L; a++)
		worst_err = fmax(worst_err, fabs(model.code_center[a] - center[a]) / (1 + fabs(center[a])));
	/* W Σ Wᵀ = I */
	for (int a = 0; a < L; a++)
		for (int b = 0; b < L; b++)
		{
			double		s = 0;

			for (int i = 0; i < L; i++)
				for (int j = 0; j < L; j++)
					s += model.code_whiten[a * L + i] * cov[i][j] * model.code_whiten[b * L + j];
			worst_err = fmax(worst_err, fabs(s - (a == b)));
		}
	worst_err = fmax(worst_err, fabs(model.recon_mean - loss) / loss);
	CHECK(worst_err < 1e-3, "distance: center, whitening and recon_mean as defined (worst error %.2g)",
		  worst_err);

	for (int i = 0; i < NUM_ROWS; i++)
	{
		double		recon,
					score = ae_model_score(&model, &w, t + i * NUM_COLS, m + i * NUM_COLS),
					dist = ae_model_code_distance(&model, ae_model_latent(&model, &w));

		ae_model_loss(&model, w.act[model.nlayers - 1], t + i * NUM_COLS, m + i * NUM_COLS, 1,
					  NULL, &recon);
		worst_err = fmax(worst_err, fabs(score - (recon / model.recon_mean + dist)) / score);
		mean_dist += dist / NUM_ROWS;
		max_train = fmax(max_train, score);
	}
	CHECK(worst_err < 1e-5, "distance: score = loss / recon_mean + distance (worst error %.2g)",
		  worst_err);
	/* the mean of |W(h - c)|² over the rows is tr(W Σ0 Wᵀ) / L, just under 1 for the ridge */
	CHECK(mean_dist > 0.95 && mean_dist <= 1.0001, "distance: mean distance term %.4f over the rows",
		  mean_dist);
	{
		/* each value within the ordinary range, the pattern of none */
		ae_real		row[NUM_COLS];
		uint8_t		all[NUM_COLS];

		for (int c = 0; c < NUM_COLS; c++)
		{
			row[c] = (ae_real) (c % 2 ? 1.5 : -1.5);
			all[c] = 1;
		}
		odd = ae_model_score(&model, &w, row, all);
	}
	printf("   distance: recon_mean %.4f, mean distance %.3f, highest training score %.2f, odd row %.2f\n",
		   model.recon_mean, mean_dist, max_train, odd);
	CHECK(odd > 2 * max_train, "distance: a row against the dependence scores %.2f, over twice "
		  "the highest training row's %.2f", odd, max_train);
done:
	unit_region_free(&reg);
	free(t);
	free(m);
}

#define VAE_FINAL_BOUND 3.5		/* final train loss, sampled: squared errors summed + KL; measured 2.7029 */
#define VAE_VAL_BOUND 2.5		/* best validation loss, at the latent mean; measured 1.7418 */
#define VAE_SHRINK 0.75			/* final over first epoch's train loss; measured 0.54 (the KL stays) */

/* Train the vae of make_numeric's columns, beta 1. */
static AeStatus
train_vae(AeModel *model, AeColumn cols[NUM_COLS], const ae_real *t, const uint8_t *m,
		  UnitRegion *reg)
{
	numeric_model(model, cols, AE_KIND_VAE);
	model->opt.beta = 1;
	return train_rows(model, t, m, NUM_ROWS, NUM_TRAIN, reg);
}

/* vae on the two-factor numeric columns: loss (summed over the six columns, plus KL) falls. */
static void
test_train_vae(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	check_run("vae", train_vae(&model, cols, t, m, &reg), &model, VAE_FINAL_BOUND, VAE_VAL_BOUND,
			  VAE_SHRINK);
	unit_region_free(&reg);
	free(t);
	free(m);
}

/*
 * A vae's scores of validation rows (one with a value missing), with beta
 * set to 3 after training to show the score's KL is unweighted: ELBO is the
 * reconstruction at the latent mean (squared errors summed, scaled by 6/5
 * when one of six columns is missing) plus the KL, both computed here;
 * RECONSTRUCTION is smaller by exactly the KL; ELBO_SAMPLES is
 * deterministic per row and differs from ELBO; no score depends on beta.
 */
static void
test_vae_score(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeWork		w;
	int			L;

	unit_region_init(&reg);
	make_numeric(t, m, NUM_ROWS);
	if (!CHECK(train_vae(&model, cols, t, m, &reg) == AE_OK &&
			   ae_work_init(&w, &model, 1, &reg.alloc) == AE_OK, "vae trained"))
		goto done;
	L = model.opt.latent;
	model.opt.beta = 3;
	m[(NUM_TRAIN + 1) * NUM_COLS + 4] = 0;	/* the second row has a value missing */
	for (int i = 0; i < 3; i++)
	{
		const ae_real *tr = t + (NUM_TRAIN + i) * NUM_COLS;
		const uint8_t *mr = m + (NUM_TRAIN + i) * NUM_COLS;
		const ae_real *out,
				   *h;
		ae_real		mean_out[NUM_COLS];
		double		recon = 0,
					kl = 0,
					elbo,
					rec,
					s1,
					s2,
					s_other;
		int			nobs = 0;

		/* independently: forward at the mean, squared errors, KL of the encoder's output */
		ae_model_inputs(&model, tr, mr, w.x, 1);
		memset(w.eps, 0, sizeof(ae_real) * L);
		out = ae_model_forward(&model, &w, w.x, 1);
		memcpy(mean_out, out, sizeof(mean_out));
		h = ae_model_latent(&model, &w);
		for (int c = 0; c < NUM_COLS; c++)
			if (mr[c])
			{
				recon += ((double) out[c] - tr[c]) * ((double) out[c] - tr[c]);
				nobs++;
			}
		recon *= (double) NUM_COLS / nobs;
		for (int j = 0; j < L; j++)
			kl += 0.5 * ((double) h[j] * h[j] + exp((double) h[L + j]) - 1 - h[L + j]);

		model.opt.score = AE_SCORE_ELBO;
		elbo = ae_model_score(&model, &w, tr, mr);
		model.opt.score = AE_SCORE_RECONSTRUCTION;
		rec = ae_model_score(&model, &w, tr, mr);
		printf("   row %d: elbo %.6f = reconstruction %.6f + KL %.6f; score reconstruction %.6f\n",
			   i, elbo, recon, kl, rec);
		CHECK(fabs(elbo - (recon + kl)) < 1e-6 * (recon + kl),
			  "row %d: ELBO score %.8f == reconstruction at the mean %.8f + unweighted KL %.8f",
			  i, elbo, recon, kl);
		CHECK(fabs((elbo - rec) - kl) < 1e-9 * (1 + kl),
			  "row %d: ELBO - RECONSTRUCTION = %.10f, the KL %.10f", i, elbo - rec, kl);

		model.opt.score = AE_SCORE_ELBO_SAMPLES;
		s1 = ae_model_score(&model, &w, tr, mr);
		CHECK(memcmp(ae_model_forward(&model, &w, w.x, 1), mean_out, sizeof(mean_out)) == 0,
			  "row %d: elbo_samples leaves eps at zero (the mean's outputs)", i);
		s_other = ae_model_score(&model, &w, tr + NUM_COLS, mr + NUM_COLS);
		s2 = ae_model_score(&model, &w, tr, mr);
		printf("   row %d: elbo_samples %.6f, again after another row %.6f (that row %.6f)\n",
			   i, s1, s2, s_other);
		CHECK(s1 == s2, "row %d: elbo_samples is deterministic (%.10f, %.10f)", i, s1, s2);
		CHECK(isfinite(s1) && fabs(s1 - elbo) > 1e-6, "row %d: elbo_samples %.6f differs from elbo %.6f",
			  i, s1, elbo);

		/* beta weighs the KL in training only: no score depends on it */
		model.opt.beta = 1;
		s2 = ae_model_score(&model, &w, tr, mr);
		model.opt.score = AE_SCORE_ELBO;
		CHECK(s2 == s1 && ae_model_score(&model, &w, tr, mr) == elbo,
			  "row %d: scores with beta 1 equal those with beta 3", i);
		model.opt.beta = 3;
	}
done:
	unit_region_free(&reg);
	free(t);
	free(m);
}

#define CV_ROWS 640
#define CV_TRAIN 512
#define CV_COLS 5				/* four numeric, then the condition */
#define CV_FINAL_BOUND 2.5		/* final train loss, sampled; measured 1.6296 */
#define CV_VAL_BOUND 1.5		/* best validation loss, at the latent mean; measured 0.9088 */

static char *groups[] = {"north", "south", "west"};

/*
 * Four numeric columns from two factors plus an offset that depends on a
 * categorical group in {0, 1, 2}, the cvae's condition.
 */
static void
make_grouped(ae_real *t, uint8_t *m, int n)
{
	static const double A[4][2] = {{1, 0}, {0, 1}, {0.7, 0.7}, {0.8, -0.5}};
	static const double offset[3][4] = {{-2, 0, 1, 0}, {0, 2, -1, 1}, {2, -2, 0, -1}};
	AeRng		r;

	ae_rng_seed(&r, 4711);
	for (int i = 0; i < n; i++)
	{
		ae_real    *tr = t + i * CV_COLS;
		double		f1 = ae_rng_normal(&r),
					f2 = ae_rng_normal(&r);
		int			k = (int) ae_rng_below(&r, 3);

		for (int c = 0; c < 4; c++)
			tr[c] = (ae_real) (A[c][0] * f1 + A[c][1] * f2 + offset[k][c] + 0.1 * ae_rng_normal(&r));
		tr[4] = (ae_real) k;
		for (int c = 0; c < CV_COLS; c++)
			m[i * CV_COLS + c] = 1;
	}
	for (int c = 0; c < 4; c++)
		standardise(t, n, CV_COLS, c);
}

/* Train the cvae of make_grouped's columns, conditioned on the group, beta 1. */
static AeStatus
train_cvae(AeModel *model, AeColumn cols[CV_COLS], const ae_real *t, const uint8_t *m,
		   UnitRegion *reg)
{
	memset(model, 0, sizeof(*model));
	memset(cols, 0, sizeof(AeColumn) * CV_COLS);
	for (int c = 0; c < CV_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "g%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	cols[4].kind = AE_COL_CATEGORICAL;
	cols[4].ncat = 3;
	cols[4].cats = groups;
	cols[4].flags = AE_COLFLAG_CONDITION;
	train_options(&model->opt, NUM_EPOCHS);
	model->opt.kind = AE_KIND_CVAE;
	model->opt.beta = 1;
	model->ncols = CV_COLS;
	model->cols = cols;
	return train_rows(model, t, m, CV_ROWS, CV_TRAIN, reg);
}

/* cvae on grouped columns: loss (four columns summed, plus KL) falls. */
static void
test_train_cvae(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * CV_ROWS * CV_COLS);
	uint8_t    *m = malloc(CV_ROWS * CV_COLS);
	AeColumn	cols[CV_COLS];
	AeModel		model;
	UnitRegion	reg;

	unit_region_init(&reg);
	make_grouped(t, m, CV_ROWS);
	check_run("cvae", train_cvae(&model, cols, t, m, &reg), &model, CV_FINAL_BOUND, CV_VAL_BOUND,
			  VAE_SHRINK);
	unit_region_free(&reg);
	free(t);
	free(m);
}

#define CV_DECODE_GAP 0.5		/* smallest largest-output difference between groups; measured 1.5814 */

/*
 * A trained cvae's decoder: the same latent point decoded under each group
 * gives different outputs, and decoding the latent mean under the row's
 * own group reproduces the forward pass at the mean.
 */
static void
test_cvae_decode(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * CV_ROWS * CV_COLS);
	uint8_t    *m = malloc(CV_ROWS * CV_COLS);
	AeColumn	cols[CV_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeWork		w;

	unit_region_init(&reg);
	make_grouped(t, m, CV_ROWS);
	if (CHECK(train_cvae(&model, cols, t, m, &reg) == AE_OK &&
			  ae_work_init(&w, &model, 3, &reg.alloc) == AE_OK, "cvae trained"))
	{
		int			L = model.opt.latent;
		ae_real		tg[3 * CV_COLS] = {0};
		uint8_t		mg[3 * CV_COLS];
		ae_real		z[3 * 2] = {0.5f, -0.3f, 0.5f, -0.3f, 0.5f, -0.3f};
		ae_real		x[3 * 8];
		ae_real		mean_out[3 * 4],
					mu[3 * 2];
		const ae_real *out;
		double		least = INFINITY;

		if (!CHECK(L == 2 && model.n_in == 8 && model.n_out == 4 && model.dec_in == 6,
				   "cvae shape: latent 2, n_in 8, n_out 4, dec_in 6"))
			goto done;

		/* one row per group, the other columns missing: only the condition reaches the decoder */
		memset(mg, 0, sizeof(mg));
		for (int k = 0; k < 3; k++)
		{
			tg[k * CV_COLS + 4] = (ae_real) k;
			mg[k * CV_COLS + 4] = 1;
		}
		ae_model_inputs(&model, tg, mg, x, 3);
		out = ae_model_decode(&model, &w, z, x, 3);
		for (int a = 0; a < 3; a++)
			for (int b = a + 1; b < 3; b++)
			{
				double		d = 0;

				for (int c = 0; c < 4; c++)
					d = fmax(d, fabs((double) out[a * 4 + c] - out[b * 4 + c]));
				printf("   groups %d and %d at the same latent point: largest output difference %.4f\n",
					   a, b, d);
				least = fmin(least, d);
			}
		CHECK(least > CV_DECODE_GAP, "decoding under different conditions differs by more than %.2f (%.4f)",
			  CV_DECODE_GAP, least);

		/* decode(mean) under the row's own group is the forward pass at the mean */
		ae_model_inputs(&model, t + CV_TRAIN * CV_COLS, m + CV_TRAIN * CV_COLS, x, 3);
		memset(w.eps, 0, sizeof(ae_real) * 3 * L);
		out = ae_model_forward(&model, &w, x, 3);
		memcpy(mean_out, out, sizeof(mean_out));
		for (int r = 0; r < 3; r++)
			memcpy(mu + r * L, ae_model_latent(&model, &w) + r * 2 * L, sizeof(ae_real) * L);
		out = ae_model_decode(&model, &w, mu, x, 3);
		CHECK(memcmp(out, mean_out, sizeof(mean_out)) == 0, "decoding the latent means reproduces the forward pass");
	}
done:
	unit_region_free(&reg);
	free(t);
	free(m);
}

/* ---- long products inside forward, backward and training ---- */

/*
 * Forward and backward of ae, vae and cvae models (two hidden layers) with
 * every product cut into one-row blocks give the whole products' outputs
 * and gradients, ticking between consecutive rows of each layer.
 */
static void
test_model_ticked(void)
{
	enum
	{
		B = 40
	};
	static const int kinds[] = {AE_KIND_AE, AE_KIND_VAE, AE_KIND_CVAE};
	ae_real		t[B * NUM_COLS];
	uint8_t		m[B * NUM_COLS];

	make_numeric(t, m, B);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
	{
		const char *what = ae_kind_name(kinds[k]);
		UnitRegion	reg;
		AeModel		model;
		AeColumn	cols[NUM_COLS];
		AeWork		w1,
					w2;
		AeRng		r;
		ae_real    *g1,
				   *g2;
		const ae_real *o1,
				   *o2;
		int			ticks_f = 0,
					ticks_b = 0;
		double		e_out,
					e_grad;

		unit_region_init(&reg);
		numeric_model(&model, cols, kinds[k]);
		model.opt.nhidden = 2;
		model.opt.hidden[0] = 16;
		model.opt.hidden[1] = 8;
		model.opt.beta = 1;
		if (kinds[k] == AE_KIND_CVAE)
			cols[NUM_COLS - 1].flags = AE_COLFLAG_CONDITION;
		g1 = NULL;
		g2 = NULL;
		if (ae_model_layout(&model) == AE_OK && ae_model_alloc_params(&model, &reg.alloc) == AE_OK &&
			ae_work_init(&w1, &model, B, &reg.alloc) == AE_OK &&
			ae_work_init(&w2, &model, B, &reg.alloc) == AE_OK)
		{
			g1 = ae_alloc(&reg.alloc, sizeof(ae_real) * model.nparams);
			g2 = ae_alloc(&reg.alloc, sizeof(ae_real) * model.nparams);
		}
		if (!CHECK(g1 && g2, "%s: model and work space", what))
		{
			unit_region_free(&reg);
			continue;
		}
		ae_rng_seed(&r, 99 + k);
		ae_model_init_params(&model, &r);
		for (int i = 0; i < B * model.opt.latent; i++)
			w1.eps[i] = w2.eps[i] = (ae_real) ae_rng_normal(&r);
		CHECK(w1.ticker.tick == NULL, "%s: ae_work_init leaves no tick", what);
		w2.ticker = (AeTicker) {count_tick, &ticks_f, 1, 1};

		ae_model_inputs(&model, t, m, w1.x, B);
		ae_model_inputs(&model, t, m, w2.x, B);
		o1 = ae_model_forward(&model, &w1, w1.x, B);
		o2 = ae_model_forward(&model, &w2, w2.x, B);
		e_out = scaled_diff(o2, o1, (size_t) B * model.n_out);
		ae_model_loss(&model, o1, t, m, B, w1.dout, NULL);
		ae_model_loss(&model, o2, t, m, B, w2.dout, NULL);
		w2.ticker.arg = &ticks_b;
		ae_model_backward(&model, &w1, w1.x, w1.dout, B, g1);
		ae_model_backward(&model, &w2, w2.x, w2.dout, B, g2);
		e_grad = scaled_diff(g2, g1, model.nparams);

		CHECK(e_out < 1e-5 && e_grad < 1e-5, "%s in one-row blocks: outputs differ by %.2e, "
			  "gradients by %.2e (scaled)", what, e_out, e_grad);
		CHECK(ticks_f == model.nlayers * (B - 1) && ticks_b == model.nlayers * (B - 1),
			  "%s: %d layers, %d rows: ticks forward %d, backward %d, expected %d each", what,
			  model.nlayers, B, ticks_f, ticks_b, model.nlayers * (B - 1));
		unit_region_free(&reg);
	}
}

#define WIDE_ROWS 512			/* one batch */
#define WIDE_COLS 64
#define WIDE_HIDDEN 4096		/* 64 x 4096 over 512 rows: 1.3e8 multiply-adds */
#define WIDE_EPOCHS 2

/* Standard normal values in every cell. */
static void
make_wide(ae_real *t, uint8_t *m)
{
	AeRng		r;

	ae_rng_seed(&r, 4096);
	for (int i = 0; i < WIDE_ROWS * WIDE_COLS; i++)
	{
		t[i] = (ae_real) ae_rng_normal(&r);
		m[i] = 1;
	}
}

/* A model with one wide hidden layer, trained in batches of all WIDE_ROWS rows. */
static AeStatus
wide_model(AeModel *model, AeColumn cols[WIDE_COLS], UnitRegion *reg)
{
	AeStatus	st;

	memset(model, 0, sizeof(*model));
	memset(cols, 0, sizeof(AeColumn) * WIDE_COLS);
	for (int c = 0; c < WIDE_COLS; c++)
	{
		snprintf(cols[c].name, AE_NAME_MAX, "w%d", c);
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	train_options(&model->opt, WIDE_EPOCHS);
	model->opt.hidden[0] = WIDE_HIDDEN;
	model->opt.batch_size = WIDE_ROWS;
	model->ncols = WIDE_COLS;
	model->cols = cols;
	if ((st = ae_model_layout(model)) != AE_OK)
		return st;
	return ae_model_alloc_params(model, &reg->alloc);
}

/*
 * Ticks of one training batch of B rows under the default budget: one
 * before it, and one between the blocks of each layer's forward product
 * and of its backward products (dinp and dw, dw alone for layer 0).
 */
static int
batch_ticks(const AeModel *model, int B)
{
	AeTicker	deflt = {count_tick, NULL, 0, 0};
	int			n = 1;

	for (int l = 0; l < model->nlayers; l++)
	{
		double		madds = (double) model->layers[l].nin * model->layers[l].nout;

		n += nblocks(B, ae_ticker_rows(&deflt, B, madds)) - 1;
		n += nblocks(B, ae_ticker_rows(&deflt, B, madds * (l == 0 ? 1 : 2))) - 1;
	}
	return n;
}

/* Training a model with a wide layer ticks inside each batch, not only between batches. */
static void
test_train_wide_ticks(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * WIDE_ROWS * WIDE_COLS);
	uint8_t    *m = malloc(WIDE_ROWS * WIDE_COLS);
	AeColumn	cols[WIDE_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeDataset	train = {WIDE_ROWS, t, m};
	AeRng		r;
	AeStatus	st;
	int			ticks = 0,
				per_batch;

	unit_region_init(&reg);
	make_wide(t, m);
	st = wide_model(&model, cols, &reg);
	CHECK(st == AE_OK, "wide model lays out (%s)", ae_status_message(st));
	if (st == AE_OK)
	{
		ae_rng_seed(&r, 5);
		st = ae_model_train(&model, &train, NULL, &r, &reg.alloc, count_tick, &ticks, NULL);
		per_batch = batch_ticks(&model, WIDE_ROWS);
		CHECK(st == AE_OK, "wide model trains (%s)", ae_status_message(st));
		CHECK(per_batch > 1, "%d x %d over %d rows pauses inside the batch: %d ticks a batch",
			  WIDE_COLS, WIDE_HIDDEN, WIDE_ROWS, per_batch);
		/* and one for each row the score quantiles score */
		CHECK(ticks == WIDE_EPOCHS * per_batch + WIDE_ROWS,
			  "wide training: %d ticks in %d batches, expected %d",
			  ticks, WIDE_EPOCHS, WIDE_EPOCHS * per_batch + WIDE_ROWS);
		printf("   %d x %d x %d x %d over %d rows: %d ticks a batch\n", WIDE_COLS, WIDE_HIDDEN,
			   model.opt.latent, WIDE_HIDDEN, WIDE_ROWS, per_batch);
	}
	unit_region_free(&reg);
	free(t);
	free(m);
}

static jmp_buf tick_jump;
static int	jump_at;			/* tick number to longjmp at */

/* Count ticks, and longjmp out at tick number jump_at. */
static void
jump_tick(void *arg)
{
	if (++*(int *) arg == jump_at)
		longjmp(tick_jump, 1);
}

/*
 * A tick that longjmps out of training in the middle of a product (as
 * CHECK_FOR_INTERRUPTS does) leaves nothing to clean up but the region:
 * under the sanitizers, freeing the region must leave no leak.
 */
static void
test_tick_longjmp(void)
{
	static ae_real t[WIDE_ROWS * WIDE_COLS];
	static uint8_t m[WIDE_ROWS * WIDE_COLS];
	static AeColumn cols[WIDE_COLS];
	static AeModel model;
	static UnitRegion reg;
	static int	ticks;
	static AeDataset train = {WIDE_ROWS, t, m};
	static AeRng r;
	volatile int jumped = 0;

	make_wide(t, m);
	unit_region_init(&reg);
	ticks = 0;
	jump_at = 3;				/* 1 before the batch, 2 and 3 inside layer 0's forward product */
	if (wide_model(&model, cols, &reg) == AE_OK)
	{
		ae_rng_seed(&r, 5);
		if (setjmp(tick_jump) == 0)
			ae_model_train(&model, &train, NULL, &r, &reg.alloc, jump_tick, &ticks, NULL);
		else
			jumped = 1;
	}
	unit_region_free(&reg);
	CHECK(jumped && ticks == 3, "longjmp out of a product at tick %d (jumped %d, %d ticks)",
		  jump_at, jumped, ticks);
}

/* ---- divergence ---- */

/* Are all n values finite, and is one of them nonzero? */
static void
params_state(const ae_real *p, size_t n, int *finite, int *nonzero)
{
	*finite = 1;
	*nonzero = 0;
	for (size_t i = 0; i < n; i++)
	{
		*finite &= isfinite(p[i]) != 0;
		*nonzero |= p[i] != 0;
	}
}

/*
 * Train make_numeric's model on rows [0, ntrain) of t, m, validating on
 * rows [ntrain, n) when n > ntrain, with the given kind, activation,
 * learning rate, epochs and batch size, and no gradient clipping.
 */
static AeStatus
train_with(AeModel *model, AeColumn cols[NUM_COLS], const ae_real *t, const uint8_t *m,
		   int n, int ntrain, int kind, int act, double lr, int epochs, int bs, UnitRegion *reg)
{
	AeDataset	train = {ntrain, t, m};
	AeDataset	val = {n - ntrain, t + (size_t) ntrain * NUM_COLS, m + (size_t) ntrain * NUM_COLS};
	AeRng		r;
	AeStatus	st;

	numeric_model(model, cols, kind);
	model->opt.activation = act;
	model->opt.learning_rate = lr;
	model->opt.epochs = epochs;
	model->opt.batch_size = bs;
	model->opt.grad_clip = 0;
	model->opt.beta = 1;
	if ((st = ae_model_layout(model)) != AE_OK ||
		(st = ae_model_alloc_params(model, &reg->alloc)) != AE_OK)
		return st;
	ae_rng_seed(&r, model->opt.seed);
	return ae_model_train(model, &train, n > ntrain ? &val : NULL, &r, &reg->alloc, NULL, NULL, NULL);
}

/*
 * Training never returns a broken model: a loss that blows up, a
 * validation loss that is not finite, or kept weights that are not finite
 * give AE_EDIVERGED, and whatever returns AE_OK has finite, nonzero
 * parameters.
 */
static void
test_train_diverged(void)
{
	ae_real    *t = malloc(sizeof(ae_real) * NUM_ROWS * NUM_COLS);
	uint8_t    *m = malloc(NUM_ROWS * NUM_COLS);
	AeColumn	cols[NUM_COLS];
	AeModel		model;
	UnitRegion	reg;
	AeStatus	st;
	int			finite,
				nonzero;

	make_numeric(t, m, NUM_ROWS);

	/* a linear network with a huge learning rate: the loss overflows */
	unit_region_init(&reg);
	st = train_with(&model, cols, t, m, NUM_ROWS, NUM_TRAIN, AE_KIND_AE, AE_ACT_IDENTITY, 1e10,
					5, 32, &reg);
	CHECK(st == AE_EDIVERGED, "learning rate 1e10, identity activation: %s, expected AE_EDIVERGED",
		  ae_status_message(st));
	unit_region_free(&reg);

	/*
	 * One step of 1e39 takes the weights past the float range after the
	 * epoch's loss was measured; without validation rows only the kept
	 * weights show it
	 */
	unit_region_init(&reg);
	st = train_with(&model, cols, t, m, NUM_TRAIN, NUM_TRAIN, AE_KIND_AE, AE_ACT_TANH, 1e39,
					1, NUM_TRAIN, &reg);
	CHECK(st == AE_EDIVERGED, "one step of 1e39, no validation: %s, expected AE_EDIVERGED",
		  ae_status_message(st));
	CHECK(model.metrics.epochs_run == 1 && isfinite(model.metrics.train_loss[0]),
		  "... after an epoch whose loss was finite (%g)", model.metrics.train_loss[0]);
	unit_region_free(&reg);

	/* an infinite or NaN value among the validation rows: the validation loss is not finite */
	for (int v = 0; v < 2; v++)
	{
		ae_real		saved = t[(NUM_TRAIN + 3) * NUM_COLS + 2];

		t[(NUM_TRAIN + 3) * NUM_COLS + 2] = v == 0 ? INFINITY : NAN;
		unit_region_init(&reg);
		st = train_with(&model, cols, t, m, NUM_ROWS, NUM_TRAIN, AE_KIND_AE, AE_ACT_TANH, 1e-2,
						3, 32, &reg);
		CHECK(st == AE_EDIVERGED, "a validation value %s: %s, expected AE_EDIVERGED",
			  v == 0 ? "inf" : "NaN", ae_status_message(st));
		if (st == AE_OK)
		{
			params_state(model.params, model.nparams, &finite, &nonzero);
			CHECK(finite && nonzero, "... and at least its parameters are finite (%d) and not all zero (%d)",
				  finite, nonzero);
		}
		unit_region_free(&reg);
		t[(NUM_TRAIN + 3) * NUM_COLS + 2] = saved;
	}

	/* a sweep of learning rates, kinds and validation: AE_EDIVERGED, or usable parameters */
	{
		static const double rates[] = {1e-2, 1, 1e3, 1e6, 1e10, 1e20, 1e30, 1e39};
		static const int kinds[] = {AE_KIND_AE, AE_KIND_VAE};
		int			ok = 0,
					diverged = 0,
					bad = 0;

		for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
			for (size_t k = 0; k < 2; k++)
				for (int with_val = 0; with_val < 2; with_val++)
				{
					unit_region_init(&reg);
					st = train_with(&model, cols, t, m, with_val ? NUM_ROWS : NUM_TRAIN, NUM_TRAIN,
									kinds[k], AE_ACT_IDENTITY, rates[i], 4, 64, &reg);
					if (st == AE_EDIVERGED)
						diverged++;
					else
					{
						params_state(model.params, model.nparams, &finite, &nonzero);
						if (st == AE_OK && finite && nonzero && model.metrics.best_epoch >= 1)
							ok++;
						else
						{
							bad++;
							CHECK(0, "learning rate %g, %s, %s validation: %s, parameters finite %d, "
								  "nonzero %d, best epoch %d", rates[i], ae_kind_name(kinds[k]),
								  with_val ? "with" : "without", ae_status_message(st), finite,
								  nonzero, model.metrics.best_epoch);
						}
					}
					unit_region_free(&reg);
				}
		CHECK(bad == 0 && ok > 0 && diverged > 0,
			  "learning-rate sweep: %d runs AE_OK with usable parameters, %d AE_EDIVERGED", ok, diverged);
		printf("   learning rates 1e-2 to 1e39: %d runs trained, %d diverged\n", ok, diverged);
	}
	free(t);
	free(m);
}

static const UnitTest tests[] = {
	{"the BLAS library", test_blas_library},
	{"dense kernels against naive loops", test_dense_kernels},
	{"dense forward, known values", test_dense_known},
	{"lstm kernels against naive loops", test_lstm_kernels},
	{"convolution kernels against naive loops", test_conv_kernels},
	{"layer norm kernels against naive loops", test_layernorm_kernels},
	{"attention kernels against naive loops", test_attn_kernels},
	{"rows per block of a long product", test_ticker_rows},
	{"dense kernels in blocks of rows", test_dense_ticked},
	{"adam steps by hand", test_adam_step},
	{"weight decay", test_weight_decay},
	{"gradient clipping", test_clip},
	{"random numbers", test_rng},
	{"model layout", test_layout},
	{"model inputs", test_inputs},
	{"model loss", test_model_loss},
	{"encoder alone", test_encode},
	{"training, numeric columns", test_train_numeric},
	{"score quantiles", test_quantiles},
	{"training reports its progress", test_train_progress},
	{"training, mixed columns", test_train_mixed},
	{"imputation calibration", test_impute_calibration},
	{"training, invalid arguments", test_train_invalid},
	{"training, denoising", test_train_denoising},
	{"training, sparse", test_train_sparse},
	{"training, contractive", test_train_contractive},
	{"distance score", test_distance_score},
	{"training, vae", test_train_vae},
	{"vae scores", test_vae_score},
	{"training, cvae", test_train_cvae},
	{"cvae decoding", test_cvae_decode},
	{"forward and backward in blocks of rows", test_model_ticked},
	{"training a wide layer ticks inside batches", test_train_wide_ticks},
	{"a tick that longjmps out of a product", test_tick_longjmp},
	{"training never returns a broken model", test_train_diverged},
	{"status messages and names", test_status},
	{"principal axes", test_pca},
};

/* Run every core test. */
int
main(void)
{
	ae_rng_seed(&rng, 8675309);
	return unit_main(tests, UNIT_NTESTS(tests));
}
