/*
 * attn.c — layer norm, GELU and multi-head self-attention, forward and
 * backward; the attention's products through cblas GEMM (the fast path)
 * or plain loops (the reference).  See attn.h for the equations and
 * layouts.
 */
#include "core/attn.h"

#include "core/blas.h"
#include "core/kernels.h"

#include <math.h>
#include <string.h>

#define GELU_C 0.7978845608028654	/* sqrt(2/π) */
#define GELU_A 0.044715

/* ---- layer norm ---- */

/* Forward: each row's mean, then its variance about it, both in double. */
void
ae_layernorm_forward(ae_real *y, ae_real *mean, ae_real *rstd, const ae_real *x,
					 const ae_real *gamma, const ae_real *beta, int rows, int D)
{
	for (int r = 0; r < rows; r++)
	{
		const ae_real *xr = x + (size_t) r * D;
		ae_real    *yr = y + (size_t) r * D;
		double		m = 0,
					var = 0;
		ae_real		mr,
					sr;

		for (int i = 0; i < D; i++)
			m += xr[i];
		m /= D;
		for (int i = 0; i < D; i++)
			var += (xr[i] - m) * (xr[i] - m);
		var /= D;
		mr = (ae_real) m;
		sr = (ae_real) (1 / sqrt(var + AE_LN_EPS));
		for (int i = 0; i < D; i++)
			yr[i] = (xr[i] - mr) * sr * gamma[i] + beta[i];
		mean[r] = mr;
		rstd[r] = sr;
	}
}

/*
 * Backward from the kept statistics: with n = dy · gamma and xhat the
 * normalized row, dx = rstd · (n − mean(n) − xhat · mean(n · xhat)).
 */
void
ae_layernorm_backward(ae_real *dx, ae_real *dgamma, ae_real *dbeta, const ae_real *dy,
					  const ae_real *x, const ae_real *mean, const ae_real *rstd,
					  const ae_real *gamma, int rows, int D)
{
	for (int r = 0; r < rows; r++)
	{
		const ae_real *xr = x + (size_t) r * D,
				   *dyr = dy + (size_t) r * D;
		ae_real		m = mean[r],
					s = rstd[r];
		double		n_mean = 0,
					nx_mean = 0;

		for (int i = 0; i < D; i++)
		{
			ae_real		xhat = (xr[i] - m) * s;

			n_mean += dyr[i] * gamma[i];
			nx_mean += dyr[i] * gamma[i] * xhat;
			dgamma[i] += dyr[i] * xhat;
			dbeta[i] += dyr[i];
		}
		n_mean /= D;
		nx_mean /= D;
		if (dx)
		{
			ae_real    *dxr = dx + (size_t) r * D;

			for (int i = 0; i < D; i++)
			{
				ae_real		xhat = (xr[i] - m) * s;

				dxr[i] = s * (dyr[i] * gamma[i] - (ae_real) n_mean - xhat * (ae_real) nx_mean);
			}
		}
	}
}

/* A row's mean and biased variance, by the textbook's two sums, in double. */
static void
row_moments(const ae_real *xr, int D, double *m, double *var)
{
	double		s = 0,
				ss = 0;

	for (int i = 0; i < D; i++)
		s += xr[i];
	*m = s / D;
	for (int i = 0; i < D; i++)
		ss += ((double) xr[i] - *m) * ((double) xr[i] - *m);
	*var = ss / D;
}

/* Forward, naive: every output in double, divided by the standard deviation. */
void
ae_layernorm_forward_naive(ae_real *y, ae_real *mean, ae_real *rstd, const ae_real *x,
						   const ae_real *gamma, const ae_real *beta, int rows, int D)
{
	for (int r = 0; r < rows; r++)
	{
		const ae_real *xr = x + (size_t) r * D;
		double		m,
					var,
					sd;

		row_moments(xr, D, &m, &var);
		sd = sqrt(var + AE_LN_EPS);
		for (int i = 0; i < D; i++)
			y[(size_t) r * D + i] = (ae_real) (((double) xr[i] - m) / sd * gamma[i] + beta[i]);
		mean[r] = (ae_real) m;
		rstd[r] = (ae_real) (1 / sd);
	}
}

/*
 * Backward, naive: the statistics recomputed from x, then
 * dx_j = Σ_i dy_i · ∂y_i/∂x_j with the Jacobian
 * ∂y_i/∂x_j = gamma_i · rstd · (δ_ij − 1/D − xhat_i · xhat_j / D).
 */
void
ae_layernorm_backward_naive(ae_real *dx, ae_real *dgamma, ae_real *dbeta, const ae_real *dy,
							const ae_real *x, const ae_real *mean, const ae_real *rstd,
							const ae_real *gamma, int rows, int D)
{
	(void) mean;				/* recomputed from x instead */
	(void) rstd;
	for (int r = 0; r < rows; r++)
	{
		const ae_real *xr = x + (size_t) r * D,
				   *dyr = dy + (size_t) r * D;
		double		m,
					var,
					s;

		row_moments(xr, D, &m, &var);
		s = 1 / sqrt(var + AE_LN_EPS);
		for (int i = 0; i < D; i++)
		{
			dgamma[i] += (ae_real) (dyr[i] * ((double) xr[i] - m) * s);
			dbeta[i] += dyr[i];
		}
		if (dx)
			for (int j = 0; j < D; j++)
			{
				double		xhat_j = ((double) xr[j] - m) * s,
							acc = 0;

				for (int i = 0; i < D; i++)
				{
					double		xhat_i = ((double) xr[i] - m) * s;

					acc += (double) dyr[i] * gamma[i] * s *
						((i == j) - 1.0 / D - xhat_i * xhat_j / D);
				}
				dx[(size_t) r * D + j] = (ae_real) acc;
			}
	}
}

/* ---- GELU ---- */

/* GELU by the CPU's kernels (the reference in double builds). */
void
ae_gelu_forward(ae_real *y, const ae_real *x, size_t n)
{
#ifdef AE_REAL_DOUBLE
	ae_gelu_forward_naive(y, x, n);
#else
	ae_kernels()->gelu_forward(y, x, n);
#endif
}

/* Its gradient by the CPU's kernels (the reference in double builds). */
void
ae_gelu_backward(ae_real *dx, const ae_real *dy, const ae_real *x, size_t n)
{
#ifdef AE_REAL_DOUBLE
	ae_gelu_backward_naive(dx, dy, x, n);
#else
	ae_kernels()->gelu_backward(dx, dy, x, n);
#endif
}

/* y = x · σ(2u), u = sqrt(2/π) (x + 0.044715 x³): 0.5 (1 + tanh u) = σ(2u), one exp. */
void
ae_gelu_forward_naive(ae_real *y, const ae_real *x, size_t n)
{
	const ae_real c = (ae_real) GELU_C,
				a = (ae_real) GELU_A;

	for (size_t i = 0; i < n; i++)
	{
		ae_real		xi = x[i],
					u = c * (xi + a * xi * xi * xi);

		y[i] = xi / (1 + ae_exp(-2 * u));
	}
}

/*
 * dx = dy · gelu'(x), with s = σ(2u) and u' = sqrt(2/π) (1 + 3 · 0.044715 x²):
 * gelu'(x) = s + 2 x s (1 − s) u'.
 */
void
ae_gelu_backward_naive(ae_real *dx, const ae_real *dy, const ae_real *x, size_t n)
{
	const ae_real c = (ae_real) GELU_C,
				a = (ae_real) GELU_A;

	for (size_t i = 0; i < n; i++)
	{
		ae_real		xi = x[i],
					u = c * (xi + a * xi * xi * xi),
					du = c * (1 + 3 * a * xi * xi),
					s = 1 / (1 + ae_exp(-2 * u));

		dx[i] = dy[i] * (s + 2 * xi * s * (1 - s) * du);
	}
}

/* ---- self-attention ---- */

/* One query's scores s: (T) replaced by their softmax over the kept keys, 0 at the others. */
static void
softmax_kept(ae_real *s, const unsigned char *keep, int T)
{
	ae_real		max = -INFINITY,
				inv;
	double		sum = 0;

	for (int j = 0; j < T; j++)
		if ((keep == NULL || keep[j]) && s[j] > max)
			max = s[j];
	for (int j = 0; j < T; j++)
		s[j] -= max;
#ifdef AE_REAL_DOUBLE
	for (int j = 0; j < T; j++)
		s[j] = ae_exp(s[j]);
#else
	ae_kernels()->exp(s, T);
#endif
	for (int j = 0; j < T; j++)
	{
		if (keep && !keep[j])
			s[j] = 0;
		sum += s[j];
	}
	inv = (ae_real) (1 / sum);
	for (int j = 0; j < T; j++)
		s[j] *= inv;
}

/* Forward: per sequence and head, scores by one GEMM, softmax by rows, one GEMM onto v. */
void
ae_attn_forward(ae_real *out, ae_real *att, const ae_real *q, const ae_real *k,
				const ae_real *v, const unsigned char *keep, int B, int T, int D, int H)
{
	int			dh = D / H;
	ae_real		scale = (ae_real) (1 / sqrt((double) dh));

	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++)
		{
			size_t		off = (size_t) b * T * D + (size_t) h * dh;
			ae_real    *a = att + ((size_t) b * H + h) * T * T;

			/* a: (T, T) = q_h · k_hᵀ / sqrt(dh) */
			ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh,
					scale, q + off, D, k + off, D, 0, a, T);
			for (int i = 0; i < T; i++)
				softmax_kept(a + (size_t) i * T, keep ? keep + (size_t) b * T : NULL, T);
			/* out_h: (T, dh) = a · v_h */
			ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T,
					1, a, T, v + off, D, 0, out + off, D);
		}
}

/* Scratch of the backward pass: one head's gradient on its weights, (T, T). */
size_t
ae_attn_work_size(int T)
{
	return (size_t) T * T;
}

/*
 * Backward, per sequence and head: dv_h = aᵀ · dout_h; da = dout_h · v_hᵀ;
 * through the softmax ds_ij = a_ij (da_ij − Σ_l a_il da_il); then
 * dq_h = ds · k_h / sqrt(dh) and dk_h = dsᵀ · q_h / sqrt(dh).
 */
void
ae_attn_backward(ae_real *dq, ae_real *dk, ae_real *dv, const ae_real *dout,
				 const ae_real *att, const ae_real *q, const ae_real *k, const ae_real *v,
				 int B, int T, int D, int H, ae_real *work)
{
	int			dh = D / H;
	ae_real		scale = (ae_real) (1 / sqrt((double) dh));
	ae_real    *ds = work;

	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++)
		{
			size_t		off = (size_t) b * T * D + (size_t) h * dh;
			const ae_real *a = att + ((size_t) b * H + h) * T * T;

			ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T,
					1, a, T, dout + off, D, 0, dv + off, D);
			ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh,
					1, dout + off, D, v + off, D, 0, ds, T);
			for (int i = 0; i < T; i++)
			{
				const ae_real *ai = a + (size_t) i * T;
				ae_real    *di = ds + (size_t) i * T;
				double		dot = 0;

				for (int j = 0; j < T; j++)
					dot += (double) ai[j] * di[j];
				for (int j = 0; j < T; j++)
					di[j] = ai[j] * (di[j] - (ae_real) dot);
			}
			ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T,
					scale, ds, T, k + off, D, 0, dq + off, D);
			ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, dh, T,
					scale, ds, T, q + off, D, 0, dk + off, D);
		}
}

/*
 * Forward, naive: each query's scores as dot products in double, −∞ at the
 * dropped keys, then the softmax and the weighted sum of the values.
 */
void
ae_attn_forward_naive(ae_real *out, ae_real *att, const ae_real *q, const ae_real *k,
					  const ae_real *v, const unsigned char *keep, int B, int T, int D, int H)
{
	int			dh = D / H;

	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++)
			for (int i = 0; i < T; i++)
			{
				const ae_real *qi = q + ((size_t) b * T + i) * D + (size_t) h * dh;
				ae_real    *a = att + (((size_t) b * H + h) * T + i) * T;
				double		max = -INFINITY,
							sum = 0;

				for (int j = 0; j < T; j++)
				{
					const ae_real *kj = k + ((size_t) b * T + j) * D + (size_t) h * dh;
					double		s = 0;

					for (int c = 0; c < dh; c++)
						s += (double) qi[c] * kj[c];
					s /= sqrt((double) dh);
					if (keep && !keep[(size_t) b * T + j])
						s = -INFINITY;
					a[j] = (ae_real) s;
					max = fmax(max, s);
				}
				for (int j = 0; j < T; j++)
					sum += exp((double) a[j] - max);
				for (int j = 0; j < T; j++)
					a[j] = (ae_real) (exp((double) a[j] - max) / sum);
				for (int c = 0; c < dh; c++)
				{
					double		acc = 0;

					for (int j = 0; j < T; j++)
						acc += (double) a[j] * v[((size_t) b * T + j) * D + (size_t) h * dh + c];
					out[((size_t) b * T + i) * D + (size_t) h * dh + c] = (ae_real) acc;
				}
			}
}

/* Backward, naive: every weight's gradient spread over the q, k and v it read. */
void
ae_attn_backward_naive(ae_real *dq, ae_real *dk, ae_real *dv, const ae_real *dout,
					   const ae_real *att, const ae_real *q, const ae_real *k, const ae_real *v,
					   int B, int T, int D, int H)
{
	int			dh = D / H;
	double		scale = 1 / sqrt((double) dh);
	size_t		n = (size_t) B * T * D;

	memset(dq, 0, sizeof(ae_real) * n);
	memset(dk, 0, sizeof(ae_real) * n);
	memset(dv, 0, sizeof(ae_real) * n);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++)
			for (int i = 0; i < T; i++)
			{
				size_t		ri = ((size_t) b * T + i) * D + (size_t) h * dh;
				const ae_real *a = att + (((size_t) b * H + h) * T + i) * T;
				double		dot = 0;

				/* Σ_j a_ij da_ij, da_ij = dout_i · v_j the gradient on weight a_ij */
				for (int j = 0; j < T; j++)
				{
					size_t		rj = ((size_t) b * T + j) * D + (size_t) h * dh;
					double		da = 0;

					for (int c = 0; c < dh; c++)
						da += (double) dout[ri + c] * v[rj + c];
					dot += a[j] * da;
				}
				for (int j = 0; j < T; j++)
				{
					size_t		rj = ((size_t) b * T + j) * D + (size_t) h * dh;
					double		da = 0,
								ds;

					for (int c = 0; c < dh; c++)
						da += (double) dout[ri + c] * v[rj + c];
					ds = a[j] * (da - dot) * scale;
					for (int c = 0; c < dh; c++)
					{
						dq[ri + c] += (ae_real) (ds * k[rj + c]);
						dk[rj + c] += (ae_real) (ds * q[ri + c]);
						dv[rj + c] += a[j] * dout[ri + c];
					}
				}
			}
}
