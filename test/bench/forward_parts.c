/*
 * forward_parts.c — what one row's forward pass costs, part by part, for
 * the network of the speed benchmark (60 inputs, 60 hidden, 8 latent):
 * the four 1-row dense layers through cblas, the 120 tanh of its two
 * hidden layers as ae_act_forward computes them, and libm's tanh for
 * comparison.  Prints microseconds per row and ratios.
 *
 *   bash test/bench/run-bench.sh kernels
 */
#define _POSIX_C_SOURCE 199309L

#include "core/dense.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#define ROWS 1000000

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int
main(void)
{
	static const int dims[4][2] = {{60, 60}, {60, 8}, {8, 60}, {60, 30}};
	static float w[4][3600],
				b[4][60],
				out[4][60],
				x[60],
				h[120];
	double		t0,
				t_gemm,
				t_act,
				t_libm;
	volatile float sink = 0;

	for (int l = 0; l < 4; l++)
	{
		for (int i = 0; i < 3600; i++)
			w[l][i] = (float) ((i % 13) - 6) * 0.02f;
		for (int i = 0; i < 60; i++)
			b[l][i] = 0.01f * i;
	}
	for (int i = 0; i < 60; i++)
		x[i] = 0.05f * (i - 30);

	t0 = now();
	for (int r = 0; r < ROWS; r++)
	{
		const float *in = x;

		for (int l = 0; l < 4; l++)
		{
			ae_dense_forward(out[l], in, w[l], b[l], 1, dims[l][0], dims[l][1]);
			in = out[l];
		}
		sink += out[3][0];
	}
	t_gemm = (now() - t0) / ROWS * 1e6;

	t0 = now();
	for (int r = 0; r < ROWS; r++)
	{
		for (int i = 0; i < 120; i++)
			h[i] = 0.03f * (i - 60) + r * 1e-9f;
		ae_act_forward(AE_ACT_TANH, h, 120);
		sink += h[7];
	}
	t_act = (now() - t0) / ROWS * 1e6;

	t0 = now();
	for (int r = 0; r < ROWS; r++)
	{
		for (int i = 0; i < 120; i++)
			h[i] = 0.03f * (i - 60) + r * 1e-9f;
		for (int i = 0; i < 120; i++)
			h[i] = tanhf(h[i]);
		sink += h[7];
	}
	t_libm = (now() - t0) / ROWS * 1e6;

	printf("per row, %d rows                          microseconds\n", ROWS);
	printf("  4 dense layers, 1-row GEMMs (60-60-8-60-30)  %8.3f\n", t_gemm);
	printf("  120 tanh, ae_act_forward                     %8.3f\n", t_act);
	printf("  120 tanh, libm tanhf                         %8.3f   (%.1fx ae_act_forward)\n",
		   t_libm, t_libm / t_act);
	return sink == 12345.0f;
}
