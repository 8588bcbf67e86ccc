/*
 * lstm.c — the LSTM layer: the gates' element-wise work shared by both
 * paths, the products through cblas GEMM (the fast path) or plain loops
 * (the reference).  See lstm.h for the equations and layouts.
 */
#include "core/lstm.h"

#include "core/blas.h"
#include "core/dense.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Does sequence r take step t? */
static inline bool
active(const int *len, int r, int t)
{
	return len == NULL || t < len[r];
}

/*
 * One row's step: the gates' pre-activations z: (4H) replaced by their
 * values, then the new state (hn, cn) from the previous (hp, cp), or the
 * previous carried over when the sequence has ended.
 */
static void
cell_forward(ae_real *z, const ae_real *hp, const ae_real *cp, ae_real *hn, ae_real *cn,
			 int H, bool step)
{
	/* the activations' own loops (one exp in the element type each): libm's tanh is slower */
	ae_act_forward(AE_ACT_SIGMOID, z, 2 * (size_t) H);
	ae_act_forward(AE_ACT_TANH, z + 2 * H, H);
	ae_act_forward(AE_ACT_SIGMOID, z + 3 * H, H);
	if (!step)
	{
		memcpy(hn, hp, sizeof(ae_real) * H);
		memcpy(cn, cp, sizeof(ae_real) * H);
		return;
	}
	for (int j = 0; j < H; j++)
		hn[j] = cn[j] = z[H + j] * cp[j] + z[j] * z[2 * H + j];
	ae_act_forward(AE_ACT_TANH, hn, H);
	for (int j = 0; j < H; j++)
		hn[j] *= z[3 * H + j];
}

/*
 * One row's step backward: from the gradients on its new state, dht and
 * dc (replaced in place by the gradient on the previous cell state), the
 * gradient on the gates' pre-activations dz: (4H); tanh_cn: tanh of the
 * new cell state.
 */
static void
cell_backward(ae_real *dz, ae_real *dc, const ae_real *dht, const ae_real *g,
			  const ae_real *cp, const ae_real *tanh_cn, int H)
{
	for (int j = 0; j < H; j++)
	{
		ae_real		i = g[j],
					f = g[H + j],
					gg = g[2 * H + j],
					o = g[3 * H + j],
					tc = tanh_cn[j],
					dcn = dc[j] + dht[j] * o * (1 - tc * tc);

		dz[j] = dcn * gg * i * (1 - i);
		dz[H + j] = dcn * cp[j] * f * (1 - f);
		dz[2 * H + j] = dcn * i * (1 - gg * gg);
		dz[3 * H + j] = dht[j] * tc * o * (1 - o);
		dc[j] = dcn * f;
	}
}

/* Forward; see lstm.h. */
void
ae_lstm_forward(ae_real *h, ae_real *c, ae_real *gates, const ae_real *x, const int *len,
				const ae_real *wx, const ae_real *wh, const ae_real *b, int T, int B, int NI, int H)
{
	size_t		G = 4 * (size_t) H,
				rows = (size_t) T * B;

	/* every step's input product at once: gates (T·B, 4H) = x · Wxᵀ + b */
	for (size_t r = 0; r < rows; r++)
		memcpy(gates + r * G, b, sizeof(ae_real) * G);
	ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) G, NI,
			1, x, NI, wx, NI, 1, gates, (int) G);
	for (int t = 0; t < T; t++)
	{
		ae_real    *z = gates + (size_t) t * B * G;
		const ae_real *hp = h + (size_t) t * B * H,
				   *cp = c + (size_t) t * B * H;

		/* the recurrent product of the step: z += h_{t-1} · Whᵀ */
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, (int) G, H,
				1, hp, H, wh, H, 1, z, (int) G);
		for (int r = 0; r < B; r++)
			cell_forward(z + r * G, hp + (size_t) r * H, cp + (size_t) r * H,
						 h + ((size_t) (t + 1) * B + r) * H, c + ((size_t) (t + 1) * B + r) * H,
						 H, active(len, r, t));
	}
}

/* Scratch of the backward pass: every step's dz, then three (B, H) rows. */
size_t
ae_lstm_work_size(int T, int B, int H)
{
	return (size_t) T * B * 4 * H + 3 * (size_t) B * H;
}

/* Backward through time; see lstm.h. */
void
ae_lstm_backward(ae_real *dx, ae_real *dh0, ae_real *dc0, ae_real *dwx, ae_real *dwh,
				 ae_real *db, const ae_real *dh, const ae_real *dc_last, const ae_real *h,
				 const ae_real *c, const ae_real *gates, const ae_real *x, const int *len,
				 const ae_real *wx, const ae_real *wh, int T, int B, int NI, int H, ae_real *work)
{
	size_t		G = 4 * (size_t) H,
				BH = (size_t) B * H,
				rows = (size_t) T * B;
	ae_real    *dz_all = work,
			   *dh_next = work + rows * G,	/* gradient on h_t beyond its own dh */
			   *dc = dh_next + BH,	/* gradient on c_t */
			   *rec = dc + BH;	/* dz_t · Wh: the recurrent part of the gradient on h_{t-1} */

	memset(dh_next, 0, sizeof(ae_real) * BH);
	if (dc_last)
		memcpy(dc, dc_last, sizeof(ae_real) * BH);
	else
		memset(dc, 0, sizeof(ae_real) * BH);
	for (int t = T - 1; t >= 0; t--)
	{
		ae_real    *dz = dz_all + (size_t) t * B * G;
		const ae_real *ht = h + (size_t) t * BH;

		/* tanh of the step's cell states, in rec until the recurrent product needs it */
		memcpy(rec, c + (size_t) (t + 1) * BH, sizeof(ae_real) * BH);
		ae_act_forward(AE_ACT_TANH, rec, BH);
		for (int r = 0; r < B; r++)
		{
			ae_real    *dht = dh_next + (size_t) r * H;
			const ae_real *own = dh + (size_t) (t + 1) * BH + (size_t) r * H;

			for (int j = 0; j < H; j++)
				dht[j] += own[j];
			if (!active(len, r, t))
			{
				/* carried: the gradients pass to the previous state as they are */
				memset(dz + r * G, 0, sizeof(ae_real) * G);
				continue;
			}
			cell_backward(dz + r * G, dc + (size_t) r * H, dht, gates + ((size_t) t * B + r) * G,
						  c + (size_t) t * BH + (size_t) r * H, rec + (size_t) r * H, H);
		}
		/* dWh += dzᵀ · h_{t-1};  the gradient on h_{t-1} of the rows that stepped */
		ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int) G, H, B,
				1, dz, (int) G, ht, H, 1, dwh, H);
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, (int) G,
				1, dz, (int) G, wh, H, 0, rec, H);
		for (int r = 0; r < B; r++)
			if (active(len, r, t))
				memcpy(dh_next + (size_t) r * H, rec + (size_t) r * H, sizeof(ae_real) * H);
	}
	/* the input products of every step at once */
	for (size_t r = 0; r < rows; r++)
		for (size_t k = 0; k < G; k++)
			db[k] += dz_all[r * G + k];
	ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int) G, NI, (int) rows,
			1, dz_all, (int) G, x, NI, 1, dwx, NI);
	if (dx)
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, NI, (int) G,
				1, dz_all, (int) G, wx, NI, 0, dx, NI);
	if (dh0)
		for (size_t k = 0; k < BH; k++)
			dh0[k] = dh_next[k] + dh[k];
	if (dc0)
		memcpy(dc0, dc, sizeof(ae_real) * BH);
}

/* ---- the reference: the same steps with every product as loops ---- */

/* out: (n, m) += a: (n, k) · bᵀ with b: (m, k). */
static void
add_product_bt(ae_real *out, const ae_real *a, const ae_real *b, int n, int m, int k)
{
	for (int r = 0; r < n; r++)
		for (int o = 0; o < m; o++)
		{
			double		s = 0;

			for (int q = 0; q < k; q++)
				s += (double) a[(size_t) r * k + q] * b[(size_t) o * k + q];
			out[(size_t) r * m + o] += (ae_real) s;
		}
}

/* Forward, naive; see lstm.h. */
void
ae_lstm_forward_naive(ae_real *h, ae_real *c, ae_real *gates, const ae_real *x, const int *len,
					  const ae_real *wx, const ae_real *wh, const ae_real *b, int T, int B, int NI,
					  int H)
{
	size_t		G = 4 * (size_t) H;

	for (int t = 0; t < T; t++)
	{
		ae_real    *z = gates + (size_t) t * B * G;
		const ae_real *hp = h + (size_t) t * B * H,
				   *cp = c + (size_t) t * B * H;

		for (int r = 0; r < B; r++)
			memcpy(z + r * G, b, sizeof(ae_real) * G);
		add_product_bt(z, x + (size_t) t * B * NI, wx, B, (int) G, NI);
		add_product_bt(z, hp, wh, B, (int) G, H);
		for (int r = 0; r < B; r++)
			cell_forward(z + r * G, hp + (size_t) r * H, cp + (size_t) r * H,
						 h + ((size_t) (t + 1) * B + r) * H, c + ((size_t) (t + 1) * B + r) * H,
						 H, active(len, r, t));
	}
}

/* Backward, naive; see lstm.h.  work: as for ae_lstm_backward. */
void
ae_lstm_backward_naive(ae_real *dx, ae_real *dh0, ae_real *dc0, ae_real *dwx, ae_real *dwh,
					   ae_real *db, const ae_real *dh, const ae_real *dc_last, const ae_real *h,
					   const ae_real *c, const ae_real *gates, const ae_real *x, const int *len,
					   const ae_real *wx, const ae_real *wh, int T, int B, int NI, int H,
					   ae_real *work)
{
	size_t		G = 4 * (size_t) H,
				BH = (size_t) B * H;
	ae_real    *dz = work,		/* one step's */
			   *dh_next = work + B * G,
			   *dc = dh_next + BH,
			   *tc = dc + BH;		/* tanh of the step's cell states */

	memset(dh_next, 0, sizeof(ae_real) * BH);
	for (size_t k = 0; k < BH; k++)
		dc[k] = dc_last ? dc_last[k] : 0;
	for (int t = T - 1; t >= 0; t--)
	{
		const ae_real *xt = x + (size_t) t * B * NI,
				   *ht = h + (size_t) t * BH;

		for (size_t k = 0; k < BH; k++)
			tc[k] = (ae_real) tanh((double) c[(size_t) (t + 1) * BH + k]);
		for (int r = 0; r < B; r++)
		{
			ae_real    *dht = dh_next + (size_t) r * H;
			ae_real    *dzr = dz + r * G;

			for (int j = 0; j < H; j++)
				dht[j] += dh[(size_t) (t + 1) * BH + (size_t) r * H + j];
			if (!active(len, r, t))
			{
				for (size_t k = 0; k < G; k++)
					dzr[k] = 0;
				if (dx)
					for (int q = 0; q < NI; q++)
						dx[((size_t) t * B + r) * NI + q] = 0;
				continue;
			}
			cell_backward(dzr, dc + (size_t) r * H, dht, gates + ((size_t) t * B + r) * G,
						  c + (size_t) t * BH + (size_t) r * H, tc + (size_t) r * H, H);
			for (size_t k = 0; k < G; k++)
			{
				db[k] += dzr[k];
				for (int q = 0; q < NI; q++)
					dwx[k * NI + q] += dzr[k] * xt[(size_t) r * NI + q];
				for (int q = 0; q < H; q++)
					dwh[k * H + q] += dzr[k] * ht[(size_t) r * H + q];
			}
			if (dx)
				for (int q = 0; q < NI; q++)
				{
					double		s = 0;

					for (size_t k = 0; k < G; k++)
						s += (double) dzr[k] * wx[k * NI + q];
					dx[((size_t) t * B + r) * NI + q] = (ae_real) s;
				}
			for (int q = 0; q < H; q++)
			{
				double		s = 0;

				for (size_t k = 0; k < G; k++)
					s += (double) dzr[k] * wh[k * H + q];
				dht[q] = (ae_real) s;
			}
		}
	}
	for (size_t k = 0; k < BH; k++)
	{
		if (dh0)
			dh0[k] = dh_next[k] + dh[k];
		if (dc0)
			dc0[k] = dc[k];
	}
}
