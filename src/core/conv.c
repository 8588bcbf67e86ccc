/*
 * conv.c — convolutions through im2col and cblas GEMM, their naive
 * references, and nearest-neighbour upsampling.  See conv.h.
 */
#include "core/conv.h"

#include "core/blas.h"

#include <string.h>

/* Output size along a side. */
int
ae_conv_out(int n, int k, int s, int p)
{
	return (n + 2 * p - k) / s + 1;
}

int
ae_conv_oh(const AeConvShape *g)
{
	return ae_conv_out(g->H, g->kh, g->sh, g->ph);
}

int
ae_conv_ow(const AeConvShape *g)
{
	return ae_conv_out(g->W, g->kw, g->sw, g->pw);
}

/* Scratch of the fast path: one image's patches. */
size_t
ae_conv_cols_size(const AeConvShape *g)
{
	return (size_t) g->C * g->kh * g->kw * ae_conv_oh(g) * ae_conv_ow(g);
}

/* cols: (C·kh·kw, OH·OW) from one image x: (C, H, W); zero where the patch leaves it. */
static void
im2col(ae_real *cols, const ae_real *x, const AeConvShape *g)
{
	int			OH = ae_conv_oh(g),
				OW = ae_conv_ow(g);

	for (int c = 0; c < g->C; c++)
		for (int u = 0; u < g->kh; u++)
			for (int v = 0; v < g->kw; v++)
			{
				ae_real    *row = cols + ((size_t) (c * g->kh + u) * g->kw + v) * OH * OW;
				const ae_real *xc = x + (size_t) c * g->H * g->W;

				for (int i = 0; i < OH; i++)
				{
					int			y = i * g->sh + u - g->ph;

					for (int j = 0; j < OW; j++)
					{
						int			xx = j * g->sw + v - g->pw;

						row[i * OW + j] = y >= 0 && y < g->H && xx >= 0 && xx < g->W
							? xc[(size_t) y * g->W + xx] : 0;
					}
				}
			}
}

/* The adjoint of im2col: dx: (C, H, W) overwritten with the patches' sums. */
static void
col2im(ae_real *dx, const ae_real *cols, const AeConvShape *g)
{
	int			OH = ae_conv_oh(g),
				OW = ae_conv_ow(g);

	memset(dx, 0, sizeof(ae_real) * g->C * g->H * g->W);
	for (int c = 0; c < g->C; c++)
		for (int u = 0; u < g->kh; u++)
			for (int v = 0; v < g->kw; v++)
			{
				const ae_real *row = cols + ((size_t) (c * g->kh + u) * g->kw + v) * OH * OW;
				ae_real    *dc = dx + (size_t) c * g->H * g->W;

				for (int i = 0; i < OH; i++)
				{
					int			y = i * g->sh + u - g->ph;

					if (y < 0 || y >= g->H)
						continue;
					for (int j = 0; j < OW; j++)
					{
						int			xx = j * g->sw + v - g->pw;

						if (xx >= 0 && xx < g->W)
							dc[(size_t) y * g->W + xx] += row[i * OW + j];
					}
				}
			}
}

/* Forward: per image, y_b (K, OH·OW) = w (K, C·kh·kw) · cols + bias. */
void
ae_conv_forward(ae_real *y, const ae_real *x, const ae_real *w, const ae_real *b, int B,
				const AeConvShape *g, ae_real *cols)
{
	int			n = ae_conv_oh(g) * ae_conv_ow(g),
				K = g->K,
				ck = g->C * g->kh * g->kw;

	for (int r = 0; r < B; r++)
	{
		ae_real    *yr = y + (size_t) r * K * n;

		im2col(cols, x + (size_t) r * g->C * g->H * g->W, g);
		for (int o = 0; o < K; o++)
			for (int q = 0; q < n; q++)
				yr[(size_t) o * n + q] = b[o];
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, n, ck, 1, w, ck, cols, n, 1, yr, n);
	}
}

/* Backward: dw += dy_b · colsᵀ, db += row sums of dy_b, dx_b = col2im(wᵀ · dy_b). */
void
ae_conv_backward(ae_real *dx, ae_real *dw, ae_real *db, const ae_real *dy, const ae_real *x,
				 const ae_real *w, int B, const AeConvShape *g, ae_real *cols)
{
	int			n = ae_conv_oh(g) * ae_conv_ow(g),
				K = g->K,
				ck = g->C * g->kh * g->kw;
	size_t		img = (size_t) g->C * g->H * g->W;

	for (int r = 0; r < B; r++)
	{
		const ae_real *dyr = dy + (size_t) r * K * n;

		im2col(cols, x + r * img, g);
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, ck, n, 1, dyr, n, cols, n, 1, dw, ck);
		for (int o = 0; o < K; o++)
			for (int q = 0; q < n; q++)
				db[o] += dyr[(size_t) o * n + q];
		if (dx)
		{
			ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, ck, n, K, 1, w, ck, dyr, n, 0, cols, n);
			col2im(dx + r * img, cols, g);
		}
	}
}

/* The input pixel under filter tap (u, v) of output (i, j), or -1 in the padding. */
static long
tap(const AeConvShape *g, int i, int j, int u, int v)
{
	int			y = i * g->sh + u - g->ph,
				xx = j * g->sw + v - g->pw;

	return y >= 0 && y < g->H && xx >= 0 && xx < g->W ? (long) y * g->W + xx : -1;
}

/* Forward, naive: the sum of conv.h, output by output. */
void
ae_conv_forward_naive(ae_real *y, const ae_real *x, const ae_real *w, const ae_real *b, int B,
					  const AeConvShape *g)
{
	int			OH = ae_conv_oh(g),
				OW = ae_conv_ow(g);

	for (int r = 0; r < B; r++)
		for (int o = 0; o < g->K; o++)
			for (int i = 0; i < OH; i++)
				for (int j = 0; j < OW; j++)
				{
					double		acc = b[o];

					for (int c = 0; c < g->C; c++)
						for (int u = 0; u < g->kh; u++)
							for (int v = 0; v < g->kw; v++)
							{
								long		t = tap(g, i, j, u, v);

								if (t >= 0)
									acc += (double) w[((size_t) (o * g->C + c) * g->kh + u) * g->kw + v] *
										x[((size_t) r * g->C + c) * g->H * g->W + t];
							}
					y[(((size_t) r * g->K + o) * OH + i) * OW + j] = (ae_real) acc;
				}
}

/* Backward, naive: every output's gradient spread over the taps it read. */
void
ae_conv_backward_naive(ae_real *dx, ae_real *dw, ae_real *db, const ae_real *dy,
					   const ae_real *x, const ae_real *w, int B, const AeConvShape *g)
{
	int			OH = ae_conv_oh(g),
				OW = ae_conv_ow(g);

	if (dx)
		memset(dx, 0, sizeof(ae_real) * B * g->C * g->H * g->W);
	for (int r = 0; r < B; r++)
		for (int o = 0; o < g->K; o++)
			for (int i = 0; i < OH; i++)
				for (int j = 0; j < OW; j++)
				{
					ae_real		d = dy[(((size_t) r * g->K + o) * OH + i) * OW + j];

					db[o] += d;
					for (int c = 0; c < g->C; c++)
						for (int u = 0; u < g->kh; u++)
							for (int v = 0; v < g->kw; v++)
							{
								long		t = tap(g, i, j, u, v);
								size_t		wi = ((size_t) (o * g->C + c) * g->kh + u) * g->kw + v,
											xi = ((size_t) r * g->C + c) * g->H * g->W;

								if (t < 0)
									continue;
								dw[wi] += d * x[xi + t];
								if (dx)
									dx[xi + t] += d * w[wi];
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
