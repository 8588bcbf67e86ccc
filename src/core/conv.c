/*
 * conv.c — convolutions through im2col and cblas GEMM, their naive
 * references, and nearest-neighbour upsampling.  See conv.h.
 */
#include "core/conv.h"

#include <cblas.h>
#include <string.h>

/* Output size along a side. */
int
ae_conv_out(int n, int k, int s, int p)
{
	return (n + 2 * p - k) / s + 1;
}

/* Scratch of the fast path: one image's patches. */
size_t
ae_conv_cols_size(int C, int H, int W, int k, int s, int p)
{
	return (size_t) C * k * k * ae_conv_out(H, k, s, p) * ae_conv_out(W, k, s, p);
}

/* cols: (C·k·k, OH·OW) from one image x: (C, H, W); zero where the patch leaves it. */
static void
im2col(ae_real *cols, const ae_real *x, int C, int H, int W, int k, int s, int p)
{
	int			OH = ae_conv_out(H, k, s, p),
				OW = ae_conv_out(W, k, s, p);

	for (int c = 0; c < C; c++)
		for (int u = 0; u < k; u++)
			for (int v = 0; v < k; v++)
			{
				ae_real    *row = cols + ((size_t) (c * k + u) * k + v) * OH * OW;

				for (int i = 0; i < OH; i++)
				{
					int			y = i * s + u - p;

					for (int j = 0; j < OW; j++)
					{
						int			xx = j * s + v - p;

						row[i * OW + j] = y >= 0 && y < H && xx >= 0 && xx < W
							? x[((size_t) c * H + y) * W + xx] : 0;
					}
				}
			}
}

/* The adjoint of im2col: dx: (C, H, W) overwritten with the patches' sums. */
static void
col2im(ae_real *dx, const ae_real *cols, int C, int H, int W, int k, int s, int p)
{
	int			OH = ae_conv_out(H, k, s, p),
				OW = ae_conv_out(W, k, s, p);

	memset(dx, 0, sizeof(ae_real) * C * H * W);
	for (int c = 0; c < C; c++)
		for (int u = 0; u < k; u++)
			for (int v = 0; v < k; v++)
			{
				const ae_real *row = cols + ((size_t) (c * k + u) * k + v) * OH * OW;

				for (int i = 0; i < OH; i++)
				{
					int			y = i * s + u - p;

					if (y < 0 || y >= H)
						continue;
					for (int j = 0; j < OW; j++)
					{
						int			xx = j * s + v - p;

						if (xx >= 0 && xx < W)
							dx[((size_t) c * H + y) * W + xx] += row[i * OW + j];
					}
				}
			}
}

/* Forward: per image, y_b (K, OH·OW) = w (K, C·k·k) · cols + bias. */
void
ae_conv_forward(ae_real *y, const ae_real *x, const ae_real *w, const ae_real *b, int B, int C,
				int H, int W, int K, int k, int s, int p, ae_real *cols)
{
	int			n = ae_conv_out(H, k, s, p) * ae_conv_out(W, k, s, p),
				ck = C * k * k;

	for (int r = 0; r < B; r++)
	{
		ae_real    *yr = y + (size_t) r * K * n;

		im2col(cols, x + (size_t) r * C * H * W, C, H, W, k, s, p);
		for (int o = 0; o < K; o++)
			for (int q = 0; q < n; q++)
				yr[(size_t) o * n + q] = b[o];
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, n, ck, 1, w, ck, cols, n, 1, yr, n);
	}
}

/* Backward: dw += dy_b · colsᵀ, db += row sums of dy_b, dx_b = col2im(wᵀ · dy_b). */
void
ae_conv_backward(ae_real *dx, ae_real *dw, ae_real *db, const ae_real *dy, const ae_real *x,
				 const ae_real *w, int B, int C, int H, int W, int K, int k, int s, int p,
				 ae_real *cols)
{
	int			n = ae_conv_out(H, k, s, p) * ae_conv_out(W, k, s, p),
				ck = C * k * k;

	for (int r = 0; r < B; r++)
	{
		const ae_real *dyr = dy + (size_t) r * K * n;

		im2col(cols, x + (size_t) r * C * H * W, C, H, W, k, s, p);
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, ck, n, 1, dyr, n, cols, n, 1, dw, ck);
		for (int o = 0; o < K; o++)
			for (int q = 0; q < n; q++)
				db[o] += dyr[(size_t) o * n + q];
		if (dx)
		{
			ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, ck, n, K, 1, w, ck, dyr, n, 0, cols, n);
			col2im(dx + (size_t) r * C * H * W, cols, C, H, W, k, s, p);
		}
	}
}

/* The input pixel under filter tap (u, v) of output (i, j), or -1 in the padding. */
static long
tap(int i, int j, int u, int v, int H, int W, int s, int p)
{
	int			y = i * s + u - p,
				xx = j * s + v - p;

	return y >= 0 && y < H && xx >= 0 && xx < W ? (long) y * W + xx : -1;
}

/* Forward, naive: the sum of conv.h, output by output. */
void
ae_conv_forward_naive(ae_real *y, const ae_real *x, const ae_real *w, const ae_real *b, int B,
					  int C, int H, int W, int K, int k, int s, int p)
{
	int			OH = ae_conv_out(H, k, s, p),
				OW = ae_conv_out(W, k, s, p);

	for (int r = 0; r < B; r++)
		for (int o = 0; o < K; o++)
			for (int i = 0; i < OH; i++)
				for (int j = 0; j < OW; j++)
				{
					double		acc = b[o];

					for (int c = 0; c < C; c++)
						for (int u = 0; u < k; u++)
							for (int v = 0; v < k; v++)
							{
								long		t = tap(i, j, u, v, H, W, s, p);

								if (t >= 0)
									acc += (double) w[((size_t) (o * C + c) * k + u) * k + v] *
										x[((size_t) r * C + c) * H * W + t];
							}
					y[(((size_t) r * K + o) * OH + i) * OW + j] = (ae_real) acc;
				}
}

/* Backward, naive: every output's gradient spread over the taps it read. */
void
ae_conv_backward_naive(ae_real *dx, ae_real *dw, ae_real *db, const ae_real *dy,
					   const ae_real *x, const ae_real *w, int B, int C, int H, int W, int K,
					   int k, int s, int p)
{
	int			OH = ae_conv_out(H, k, s, p),
				OW = ae_conv_out(W, k, s, p);

	if (dx)
		memset(dx, 0, sizeof(ae_real) * B * C * H * W);
	for (int r = 0; r < B; r++)
		for (int o = 0; o < K; o++)
			for (int i = 0; i < OH; i++)
				for (int j = 0; j < OW; j++)
				{
					ae_real		g = dy[(((size_t) r * K + o) * OH + i) * OW + j];

					db[o] += g;
					for (int c = 0; c < C; c++)
						for (int u = 0; u < k; u++)
							for (int v = 0; v < k; v++)
							{
								long		t = tap(i, j, u, v, H, W, s, p);
								size_t		wi = ((size_t) (o * C + c) * k + u) * k + v,
											xi = ((size_t) r * C + c) * H * W;

								if (t < 0)
									continue;
								dw[wi] += g * x[xi + t];
								if (dx)
									dx[xi + t] += g * w[wi];
							}
				}
}

/* Nearest-neighbour upsampling by 2, cropped to (OH, OW). */
void
ae_upsample_forward(ae_real *y, const ae_real *x, int B, int C, int H, int W, int OH, int OW)
{
	for (size_t m = 0; m < (size_t) B * C; m++)
		for (int i = 0; i < OH; i++)
			for (int j = 0; j < OW; j++)
				y[(m * OH + i) * OW + j] = x[(m * H + i / 2) * W + j / 2];
}

/* Its adjoint: each input pixel gets the sum of the outputs copied from it. */
void
ae_upsample_backward(ae_real *dx, const ae_real *dy, int B, int C, int H, int W, int OH, int OW)
{
	memset(dx, 0, sizeof(ae_real) * B * C * H * W);
	for (size_t m = 0; m < (size_t) B * C; m++)
		for (int i = 0; i < OH; i++)
			for (int j = 0; j < OW; j++)
				dx[(m * H + i / 2) * W + j / 2] += dy[(m * OH + i) * OW + j];
}
