/*
 * pca.h — the two principal axes of a set of points, for a picture of a
 * latent space wider than two dimensions.
 */
#ifndef AE_PCA_H
#define AE_PCA_H

#include "core/core.h"

/* Doubles of work space ae_pca2 needs for n points of d dimensions. */
size_t		ae_pca2_work_size(int n, int d);

/*
 * The two leading principal axes of the points x: (n, d), d >= 2, n >= 1.
 * Writes their mean (d), the axes (2, d) as orthonormal rows, the variance
 * along each (var[2], largest first) and the total variance (*total, the
 * trace of the covariance); variances divide by n.  Each axis points the
 * way its largest component (the first of equals) is positive, so the
 * result depends on the points alone.  Block power iteration on the
 * covariance, applied as Xᵀ(X v) without forming it: O(n·d) per step
 * whatever d, at most 300 steps, tick(arg) after each when tick is not
 * NULL.  work: ae_pca2_work_size(n, d) doubles.  Returns the steps taken.
 */
int			ae_pca2(const float *x, int n, int d, double *mean, double *axes, double var[2],
					double *total, double *work, AeTick tick, void *tick_arg);

#endif							/* AE_PCA_H */
