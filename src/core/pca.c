/*
 * pca.c — the two leading principal axes of a set of points (pca.h).
 *
 * Block power iteration with a Rayleigh–Ritz step: two orthonormal
 * vectors V are multiplied by the covariance C (as Xᵀ(X V)/n on the
 * centred points, never forming the d×d matrix, so a latent of thousands
 * of dimensions costs what its points cost), rotated to the eigenvectors
 * of the 2×2 projection VᵀCV, and stop when both are eigenvectors of C to
 * a relative residual of 1e-7.  Near-equal second and third eigenvalues
 * converge slowly; after the step limit the axes span nearly the same
 * variance either way, which is all a picture needs.
 */
#include "core/pca.h"

#include <math.h>
#include <string.h>

#define MAX_STEPS 300
#define TOLERANCE 1e-7

size_t
ae_pca2_work_size(int n, int d)
{
	/* Y (n, 2), W (d, 2), V (d, 2) */
	return (size_t) n * 2 + (size_t) d * 4;
}

/* C v for the two columns of v: (d, 2) into w: (d, 2), through y: (n, 2). */
static void
cov_times(const float *x, int n, int d, const double *mean, const double *v, double *y, double *w)
{
	for (int i = 0; i < n; i++)
	{
		const float *xi = x + (size_t) i * d;
		double		a = 0,
					b = 0;

		for (int j = 0; j < d; j++)
		{
			double		c = xi[j] - mean[j];

			a += c * v[2 * j];
			b += c * v[2 * j + 1];
		}
		y[2 * i] = a;
		y[2 * i + 1] = b;
	}
	memset(w, 0, sizeof(double) * 2 * d);
	for (int i = 0; i < n; i++)
	{
		const float *xi = x + (size_t) i * d;

		for (int j = 0; j < d; j++)
		{
			double		c = xi[j] - mean[j];

			w[2 * j] += c * y[2 * i];
			w[2 * j + 1] += c * y[2 * i + 1];
		}
	}
	for (int j = 0; j < 2 * d; j++)
		w[j] /= n;
}

/* Norm of column k of v: (d, 2). */
static double
col_norm(const double *v, int d, int k)
{
	double		s = 0;

	for (int j = 0; j < d; j++)
		s += v[2 * j + k] * v[2 * j + k];
	return sqrt(s);
}

/*
 * Make the columns of v: (d, 2) orthonormal (Gram–Schmidt, twice for
 * accuracy).  A column that vanishes (points on a line or all equal) is
 * replaced by the unit vector least aligned with the first column, made
 * orthogonal to it.
 */
static void
orthonormalize(double *v, int d)
{
	double		n0 = col_norm(v, d, 0);

	if (!(n0 > 1e-300))
	{
		for (int j = 0; j < d; j++)
			v[2 * j] = j == 0;
		n0 = 1;
	}
	for (int j = 0; j < d; j++)
		v[2 * j] /= n0;
	for (int pass = 0; pass < 2; pass++)
	{
		double		dot = 0;
		double		n1;

		for (int j = 0; j < d; j++)
			dot += v[2 * j] * v[2 * j + 1];
		for (int j = 0; j < d; j++)
			v[2 * j + 1] -= dot * v[2 * j];
		n1 = col_norm(v, d, 1);
		if (!(n1 > 1e-12))
		{
			int			least = 0;

			for (int j = 1; j < d; j++)
				if (fabs(v[2 * j]) < fabs(v[2 * least]))
					least = j;
			for (int j = 0; j < d; j++)
				v[2 * j + 1] = j == least;
			pass = -1;			/* orthogonalise the replacement from the start */
			continue;
		}
		for (int j = 0; j < d; j++)
			v[2 * j + 1] /= n1;
	}
}

/* Rotate the two columns of a: (d, 2) by the 2×2 r (row-major): a ← a r. */
static void
rotate(double *a, int d, const double r[4])
{
	for (int j = 0; j < d; j++)
	{
		double		p = a[2 * j],
					q = a[2 * j + 1];

		a[2 * j] = p * r[0] + q * r[2];
		a[2 * j + 1] = p * r[1] + q * r[3];
	}
}

/*
 * Eigen-decomposition of the symmetric 2×2 [[a, b], [b, c]]: eigenvalues
 * into th (largest first), eigenvectors as the columns of r (row-major).
 */
static void
eig2(double a, double b, double c, double th[2], double r[4])
{
	/* the Jacobi rotation that zeroes b */
	double		angle = 0.5 * atan2(2 * b, a - c);
	double		cs = cos(angle),
				sn = sin(angle);

	th[0] = a * cs * cs + 2 * b * cs * sn + c * sn * sn;
	th[1] = a * sn * sn - 2 * b * cs * sn + c * cs * cs;
	r[0] = cs;
	r[1] = -sn;
	r[2] = sn;
	r[3] = cs;
	if (th[1] > th[0])
	{
		double		t = th[0];

		th[0] = th[1];
		th[1] = t;
		r[0] = -sn;
		r[1] = cs;
		r[2] = cs;
		r[3] = sn;
	}
}

int
ae_pca2(const float *x, int n, int d, double *mean, double *axes, double var[2], double *total,
		double *work, AeTick tick, void *tick_arg)
{
	double	   *y = work;
	double	   *w = y + (size_t) n * 2;
	double	   *v = w + (size_t) d * 2;
	uint64_t	seed = 0x9E3779B97F4A7C15ULL;
	int			step;

	memset(mean, 0, sizeof(double) * d);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			mean[j] += x[(size_t) i * d + j];
	for (int j = 0; j < d; j++)
		mean[j] /= n;
	*total = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
		{
			double		c = x[(size_t) i * d + j] - mean[j];

			*total += c * c;
		}
	*total /= n;

	/* a fixed start of no special direction (xorshift draws in [-1, 1)) */
	for (int j = 0; j < 2 * d; j++)
	{
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		v[j] = (double) (seed >> 11) / 4503599627370496.0 - 1.0;
	}
	orthonormalize(v, d);

	var[0] = var[1] = 0;
	for (step = 1; step <= MAX_STEPS; step++)
	{
		double		h[3] = {0, 0, 0};
		double		r[4];
		double		res = 0;

		cov_times(x, n, d, mean, v, y, w);
		for (int j = 0; j < d; j++)
		{
			h[0] += v[2 * j] * w[2 * j];
			h[1] += v[2 * j] * w[2 * j + 1];
			h[2] += v[2 * j + 1] * w[2 * j + 1];
		}
		eig2(h[0], h[1], h[2], var, r);
		rotate(v, d, r);
		rotate(w, d, r);
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < d; j++)
			{
				double		e = w[2 * j + k] - var[k] * v[2 * j + k];

				res = fmax(res, fabs(e));
			}
		if (tick)
			tick(tick_arg);
		if (!(res > TOLERANCE * fmax(var[0], 1e-300)))
			break;
		memcpy(v, w, sizeof(double) * 2 * d);
		orthonormalize(v, d);
	}
	if (step > MAX_STEPS)
		step = MAX_STEPS;

	/* rows of axes, each with its largest component positive */
	for (int k = 0; k < 2; k++)
	{
		int			big = 0;
		double		sign;

		for (int j = 1; j < d; j++)
			if (fabs(v[2 * j + k]) > fabs(v[2 * big + k]))
				big = j;
		sign = v[2 * big + k] < 0 ? -1 : 1;
		for (int j = 0; j < d; j++)
			axes[(size_t) k * d + j] = sign * v[2 * j + k];
		var[k] = fmax(var[k], 0);
	}
	return step;
}
