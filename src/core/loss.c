/*
 * loss.c — per-column losses and their gradients, computed in double and
 * written back in ae_real.  All are numerically stable for large logits.
 */
#include "core/loss.h"

#include "core/kernels.h"

#include <math.h>

/* Reference for ae_sq_loss_row: one cell at a time, the sum in double. */
double
ae_sq_loss_row_naive(const ae_real *z, const ae_real *t, const uint8_t *m, size_t n,
					 ae_real scale, ae_real *dz)
{
	double		sum = 0;

	for (size_t i = 0; i < n; i++)
	{
		ae_real		d = m[i] ? z[i] - t[i] : 0;

		sum += (double) d * d;
		if (dz)
			dz[i] = (d + d) * scale;
	}
	return sum;
}

/* A row's squared error over its observed cells; see loss.h. */
double
ae_sq_loss_row(const ae_real *z, const ae_real *t, const uint8_t *m, size_t n,
			   ae_real scale, ae_real *dz)
{
#ifdef AE_REAL_DOUBLE
	return ae_sq_loss_row_naive(z, t, m, n, scale, dz);
#else
	return ae_kernels()->sq_loss(z, t, m, n, scale, dz);
#endif
}

/* BCE with logits: max(z,0) - z t + log(1 + e^-|z|); dz = σ(z) - t. */
double
ae_loss_bce_logit(ae_real z, ae_real t, ae_real *dz)
{
	double		zd = z;

	if (dz)
		*dz = (ae_real) (1 / (1 + exp(-zd)) - t);
	return (zd > 0 ? zd : 0) - zd * t + log1p(exp(-fabs(zd)));
}

/* Softmax cross-entropy with the max subtracted first; dz = p - onehot(t). */
double
ae_loss_softmax_ce(const ae_real *z, int k, int t, ae_real *dz)
{
	double		zmax = z[0];
	double		sum = 0;

	for (int i = 1; i < k; i++)
		if (z[i] > zmax)
			zmax = z[i];
	for (int i = 0; i < k; i++)
		sum += exp(z[i] - zmax);
	if (dz)
		for (int i = 0; i < k; i++)
			dz[i] = (ae_real) (exp(z[i] - zmax) / sum - (i == t));
	return log(sum) + zmax - z[t];
}

/* KL of a diagonal Gaussian unit to the standard normal. */
double
ae_loss_kl_normal(ae_real mu, ae_real logvar, ae_real *dmu, ae_real *dlogvar)
{
	double		ev = exp((double) logvar);

	if (dmu)
		*dmu = mu;
	if (dlogvar)
		*dlogvar = (ae_real) (0.5 * (ev - 1));
	return 0.5 * ((double) mu * mu + ev - 1 - logvar);
}
