/*
 * forward_parts.c — what one row's forward pass costs, part by part, for
 * the network of the speed benchmark (60 inputs, 60 hidden, 8 latent, 30
 * outputs), under each kernel set this CPU runs (kernels.h) and the naive
 * references: the four dense layers one row at a time (packed, as scoring
 * runs them; and as 1-row GEMMs through cblas, as scoring ran them
 * before), the 120 tanh of its two hidden layers, and libm's tanhf.
 * Prints microseconds per row and ratios to the portable set.
 *
 *   bash test/bench/run-bench.sh kernels
 */
#define _POSIX_C_SOURCE 199309L

#include "core/dense.h"
#include "core/kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROWS 1000000
#define NLAYERS 4

static const int dims[NLAYERS][2] = {{60, 60}, {60, 8}, {8, 60}, {60, 30}};
static float w[NLAYERS][3600],
			b[NLAYERS][60],
			out[NLAYERS][64],
			x[60],
			h[120];
static float *packed[NLAYERS];
static volatile float sink;

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Microseconds per row of the four layers through k's packed rows (k NULL: the naive row). */
static double
time_dense_rows(const AeKernels *k)
{
	double		t0 = now();

	for (int r = 0; r < ROWS; r++)
	{
		const float *in = x;

		for (int l = 0; l < NLAYERS; l++)
		{
			if (k)
				k->dense_row(out[l], in, packed[l], dims[l][0], dims[l][1]);
			else
				ae_dense_row_naive(out[l], in, packed[l], dims[l][0], dims[l][1]);
			in = out[l];
		}
		sink += out[3][0];
	}
	return (now() - t0) / ROWS * 1e6;
}

/*
 * The same with the first layer fed its nonzero inputs alone, as scoring
 * does: a complete row's 30 values, its 30 missing-value indicators zero.
 */
static double
time_dense_sparse(const AeKernels *k)
{
	int			idx[30];
	float		val[30];
	double		t0;

	for (int i = 0; i < 30; i++)
	{
		idx[i] = 2 * i;
		val[i] = x[2 * i];
	}
	t0 = now();
	for (int r = 0; r < ROWS; r++)
	{
		k->dense_row_sparse(out[0], idx, val, 30, packed[0], dims[0][1]);
		for (int l = 1; l < NLAYERS; l++)
			k->dense_row(out[l], out[l - 1], packed[l], dims[l][0], dims[l][1]);
		sink += out[3][0];
	}
	return (now() - t0) / ROWS * 1e6;
}

/* Microseconds per row of the four layers as 1-row GEMMs (cblas). */
static double
time_dense_gemm(void)
{
	double		t0 = now();

	for (int r = 0; r < ROWS; r++)
	{
		const float *in = x;

		for (int l = 0; l < NLAYERS; l++)
		{
			ae_dense_forward(out[l], in, w[l], b[l], 1, dims[l][0], dims[l][1]);
			in = out[l];
		}
		sink += out[3][0];
	}
	return (now() - t0) / ROWS * 1e6;
}

/* Microseconds per row of 120 tanh: by k (NULL: the naive loop) or, with libm set, tanhf. */
static double
time_tanh(const AeKernels *k, int libm)
{
	double		t0 = now();

	for (int r = 0; r < ROWS; r++)
	{
		for (int i = 0; i < 120; i++)
			h[i] = 0.03f * (i - 60) + r * 1e-9f;
		if (libm)
			for (int i = 0; i < 120; i++)
				h[i] = tanhf(h[i]);
		else if (k)
		{
			/* the two hidden layers, 60 each */
			k->act_forward(AE_ACT_TANH, h, 60);
			k->act_forward(AE_ACT_TANH, h + 60, 60);
		}
		else
			ae_act_forward_naive(AE_ACT_TANH, h, 120);
		sink += h[7];
	}
	return (now() - t0) / ROWS * 1e6;
}

int
main(void)
{
	double		base_dense = 0,
				base_tanh = 0,
				naive_dense,
				naive_tanh,
				gemm,
				libm,
				sparse;

	for (int l = 0; l < NLAYERS; l++)
	{
		for (int i = 0; i < 3600; i++)
			w[l][i] = (float) ((i % 13) - 6) * 0.02f;
		for (int i = 0; i < 60; i++)
			b[l][i] = 0.01f * i;
		packed[l] = malloc(sizeof(float) * ae_pack_size(dims[l][0], dims[l][1]));
		ae_pack_layer(packed[l], w[l], b[l], dims[l][0], dims[l][1]);
	}
	for (int i = 0; i < 60; i++)
		x[i] = 0.05f * (i - 30);

	printf("one row of 60-60-8-60-30, %d rows; microseconds per row (x the generic set)\n", ROWS);
	printf("  %-38s %13s %13s\n", "", "4 layers", "120 tanh");
	for (int level = 0; level < AE_KERNEL_LEVELS; level++)
	{
		const AeKernels *k = ae_kernels_level(level);
		double		d,
					t;

		if (k == NULL)
		{
			printf("  kernels %-30s (not run by this CPU)\n", level == 1 ? "avx2" : "avx512");
			continue;
		}
		d = time_dense_rows(k);
		t = time_tanh(k, 0);
		if (level == 0)
		{
			base_dense = d;
			base_tanh = t;
		}
		printf("  kernels %-30s %6.3f %5.2fx %6.3f %5.2fx\n", k->name, d, d / base_dense, t,
			   t / base_tanh);
		sparse = time_dense_sparse(k);
		printf("  %-38s %6.3f %5.2fx\n", "  the first from its 30 nonzero inputs", sparse,
			   sparse / base_dense);
	}
	naive_dense = time_dense_rows(NULL);
	naive_tanh = time_tanh(NULL, 0);
	gemm = time_dense_gemm();
	libm = time_tanh(NULL, 1);
	printf("  %-38s %6.3f %5.2fx %6.3f %5.2fx\n", "naive loops (double sums, libm tanh)",
		   naive_dense, naive_dense / base_dense, naive_tanh, naive_tanh / base_tanh);
	printf("  %-38s %6.3f %5.2fx\n", "1-row GEMMs, cblas_sgemm", gemm, gemm / base_dense);
	printf("  %-38s %13s %6.3f %5.2fx\n", "libm tanhf", "", libm, libm / base_tanh);
	return sink == 12345.0f;
}
