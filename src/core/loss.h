/*
 * loss.h — the per-column reconstruction losses, one per column kind.
 * Each returns the loss of one column of one row and writes its gradient
 * with respect to the network outputs of that column.
 */
#ifndef AE_LOSS_H
#define AE_LOSS_H

#include "core/core.h"

/*
 * numeric: squared error (y - t)²; dy = 2 (y - t); the difference in the
 * element type, as the row kernel (ae_sq_loss_row) takes it, the square in
 * double; inline, as most columns are numbers
 */
static inline double
ae_loss_squared(ae_real y, ae_real t, ae_real *dy)
{
	ae_real		d = y - t;

	if (dy)
		*dy = d + d;
	return (double) d * d;
}

/*
 * One row of numeric cells: Σ m[i] (z[i] − t[i])² over n cells (m 0 or 1)
 * and, with dz, dz[i] = m[i] · 2 (z[i] − t[i]) · scale; by the CPU's
 * kernels (the reference in double builds).
 */
double		ae_sq_loss_row(const ae_real *z, const ae_real *t, const uint8_t *m, size_t n,
						   ae_real scale, ae_real *dz);
double		ae_sq_loss_row_naive(const ae_real *z, const ae_real *t, const uint8_t *m, size_t n,
								 ae_real scale, ae_real *dz);

/* boolean: binary cross-entropy on a logit z, target t in {0, 1} */
double		ae_loss_bce_logit(ae_real z, ae_real t, ae_real *dz);

/* categorical: softmax cross-entropy over k logits z, target class t */
double		ae_loss_softmax_ce(const ae_real *z, int k, int t, ae_real *dz);

/* KL(N(mu, exp(logvar)) || N(0, 1)) of one latent unit, with gradients */
double		ae_loss_kl_normal(ae_real mu, ae_real logvar, ae_real *dmu, ae_real *dlogvar);

#endif							/* AE_LOSS_H */
