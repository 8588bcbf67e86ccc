/*
 * distance.c — the distance score: a row's reconstruction loss relative to
 * the training rows', plus how far its latent code lies from theirs.
 *
 * Reconstruction alone misses a group of rare rows that the network has
 * learned to reconstruct well (a small, tight cluster); their codes still
 * lie apart from the bulk of the training rows' codes.  A Gaussian fitted
 * to the training codes measures that: the squared Mahalanobis distance,
 * computed as |W (h - center)|² with W the inverse of the lower Cholesky
 * factor of the codes' covariance.  Each term is divided by its typical
 * value on the training rows (the mean loss; latent, the expected squared
 * distance of a Gaussian code), so neither dominates by its units.
 */
#include "core/model.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Ridge added to the covariance's diagonal, relative to its mean variance. */
#define RIDGE 1e-3
/* Smallest ridge and reconstruction mean: codes or losses all equal stay finite. */
#define FLOOR 1e-9

/*
 * Cholesky factor of the symmetric positive definite a: (n, n), in place
 * into its lower triangle; false when a pivot is not positive.
 */
static bool
cholesky(double *a, int n)
{
	for (int j = 0; j < n; j++)
	{
		double		d = a[(size_t) j * n + j];

		for (int k = 0; k < j; k++)
			d -= a[(size_t) j * n + k] * a[(size_t) j * n + k];
		if (!(d > 0))
			return false;
		d = sqrt(d);
		a[(size_t) j * n + j] = d;
		for (int i = j + 1; i < n; i++)
		{
			double		s = a[(size_t) i * n + j];

			for (int k = 0; k < j; k++)
				s -= a[(size_t) i * n + k] * a[(size_t) j * n + k];
			a[(size_t) i * n + j] = s / d;
		}
	}
	return true;
}

/* w = inverse of the lower triangular l: (n, n), by forward substitution; zero above. */
static void
invert_lower(const double *l, double *w, int n)
{
	for (int c = 0; c < n; c++)
		for (int i = 0; i < n; i++)
		{
			double		s = i == c ? 1 : 0;

			if (i < c)
			{
				w[(size_t) i * n + c] = 0;
				continue;
			}
			for (int k = c; k < i; k++)
				s -= l[(size_t) i * n + k] * w[(size_t) k * n + c];
			w[(size_t) i * n + c] = s / l[(size_t) i * n + i];
		}
}

/* Fit the distance score's statistics; see model.h. */
AeStatus
ae_model_fit_distance(AeModel *model, AeWork *w, const AeDataset *const *sets, int nsets,
					  const AeAlloc *a)
{
	int			L = model->opt.latent;
	size_t		nc = model->ncols;
	double	   *sum,
			   *cov,
			   *shift;
	double		loss = 0,
				trace = 0,
				ridge;
	long		n = 0,
				nloss = 0;
	bool		heldout = AE_KIND_PREDICTS_HIDDEN(model->opt.kind);
	bool		have_shift = false;

	if (AE_KIND_IS_VARIATIONAL(model->opt.kind) || L > AE_DISTANCE_MAX_LATENT)
		return AE_EINVAL;
	sum = ae_alloc(a, sizeof(double) * L);
	shift = ae_alloc(a, sizeof(double) * L);
	cov = ae_alloc(a, sizeof(double) * L * L);
	model->code_center = ae_alloc(a, sizeof(ae_real) * L);
	model->code_whiten = ae_alloc(a, sizeof(ae_real) * L * L);
	if (!sum || !shift || !cov || !model->code_center || !model->code_whiten)
		return AE_ENOMEM;
	memset(sum, 0, sizeof(double) * L);
	memset(cov, 0, sizeof(double) * L * L);

	/* sums of the codes and their products, shifted by the first code for accuracy */
	for (int s = 0; s < nsets; s++)
	{
		const AeDataset *d = sets[s];

		for (int start = 0; start < d->n; start += w->max_batch)
		{
			int			B = d->n - start < w->max_batch ? d->n - start : w->max_batch;
			const ae_real *t = d->t + (size_t) start * nc;
			const uint8_t *m = d->m + (size_t) start * nc;
			const ae_real *h;

			if (w->ticker.tick)
				w->ticker.tick(w->ticker.arg);
			ae_model_inputs(model, t, m, w->x, B);
			if (heldout)
				h = ae_model_encode(model, w, w->x, B);
			else
			{
				loss += ae_model_loss(model, ae_model_forward(model, w, w->x, B), t, m, B,
									  NULL, NULL) * B;
				nloss += B;
				h = ae_model_latent(model, w);
			}
			if (!have_shift)
			{
				for (int j = 0; j < L; j++)
					shift[j] = h[j];
				have_shift = true;
			}
			for (int r = 0; r < B; r++)
			{
				const ae_real *hr = h + (size_t) r * L;

				for (int i = 0; i < L; i++)
				{
					double		di = hr[i] - shift[i];

					sum[i] += di;
					for (int j = 0; j <= i; j++)
						cov[(size_t) i * L + j] += di * (hr[j] - shift[j]);
				}
			}
			n += B;
			/* held-out predictions, a row at a time, on the first rows */
			for (int r = 0; heldout && r < B && nloss < AE_DISTANCE_HELDOUT_ROWS; r++, nloss++)
			{
				double		row;

				ae_model_loss(model, ae_model_reconstruct(model, w, t + r * nc, m + r * nc), t + r * nc,
							  m + r * nc, 1, NULL, &row);
				loss += row;
			}
		}
	}
	if (n == 0 || nloss == 0)
		return AE_EINVAL;

	/* covariance about the mean, ridged so that it is positive definite */
	for (int i = 0; i < L; i++)
		for (int j = 0; j <= i; j++)
		{
			double		c = cov[(size_t) i * L + j] / n - sum[i] / n * (sum[j] / n);

			cov[(size_t) i * L + j] = cov[(size_t) j * L + i] = c;
		}
	for (int i = 0; i < L; i++)
		trace += cov[(size_t) i * L + i];
	ridge = fmax(RIDGE * trace / L, FLOOR);
	for (int i = 0; i < L; i++)
		cov[(size_t) i * L + i] += ridge;
	if (!cholesky(cov, L))
		return AE_EDIVERGED;
	{
		double	   *winv = ae_alloc(a, sizeof(double) * L * L);

		if (!winv)
			return AE_ENOMEM;
		invert_lower(cov, winv, L);
		for (size_t i = 0; i < (size_t) L * L; i++)
			model->code_whiten[i] = (ae_real) winv[i];
	}
	for (int j = 0; j < L; j++)
		model->code_center[j] = (ae_real) (shift[j] + sum[j] / n);
	model->recon_mean = fmax(loss / nloss, FLOOR);
	for (int i = 0; i < L; i++)
		if (!isfinite(model->code_center[i]))
			return AE_EDIVERGED;
	for (size_t i = 0; i < (size_t) L * L; i++)
		if (!isfinite(model->code_whiten[i]))
			return AE_EDIVERGED;
	return isfinite(model->recon_mean) ? AE_OK : AE_EDIVERGED;
}

/* |W (h - center)|² / latent; see model.h. */
double
ae_model_code_distance(const AeModel *model, const ae_real *h)
{
	int			L = model->opt.latent;
	double		total = 0;
	ae_real		d[AE_DISTANCE_MAX_LATENT];

	/* the layout bounds L by AE_DISTANCE_MAX_LATENT */
	for (int j = 0; j < L; j++)
		d[j] = h[j] - model->code_center[j];
	for (int i = 0; i < L; i++)
	{
		const ae_real *wi = model->code_whiten + (size_t) i * L;
		double		s = 0;

		for (int j = 0; j <= i; j++)
			s += (double) wi[j] * d[j];
		total += s * s;
	}
	return total / L;
}
