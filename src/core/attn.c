/*
 * attn.c — layer norm and GELU, forward and backward, and layer norm's
 * references.  See attn.h for the equations and layouts.
 */
#include "core/attn.h"

#include <math.h>

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

/* y = x · σ(2u), u = sqrt(2/π) (x + 0.044715 x³): 0.5 (1 + tanh u) = σ(2u), one exp. */
void
ae_gelu_forward(ae_real *y, const ae_real *x, size_t n)
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
ae_gelu_backward(ae_real *dx, const ae_real *dy, const ae_real *x, size_t n)
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
