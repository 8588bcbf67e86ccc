/*
 * quantile.c — the training rows' score distribution: recorded once at the
 * end of training, read back as a percentile or a threshold.
 *
 * A raw score means little to whoever reviews its rows: its scale differs
 * from kind to kind, from score to score and from table to table.  Its
 * place among the scores of the rows the model was trained on does not:
 * a row above the training rows' 99th percentile is one that about 1% of
 * them beat.  The scores are those ae_score gives, computed the way it
 * computes them, so that on the training table itself the shares come out
 * as the percentiles say.
 */
#include "core/model.h"

#include <math.h>
#include <string.h>

/* The grid's probabilities; see model.h. */
double
ae_quantile_prob(int i)
{
	/* each piece is an exact ratio of integers, so pieces agree where they meet */
	if (i <= 90)
		return i / 100.0;
	if (i <= 180)
		return (810 + i) / 1000.0;
	if (i <= 270)
		return (9720 + i) / 10000.0;
	return (99630 + i) / 100000.0;
}

/* Swap x[i] down the max-heap x[0..n) to its place. */
static void
sift_down(double *x, size_t i, size_t n)
{
	for (;;)
	{
		size_t		c = 2 * i + 1;
		double		t;

		if (c >= n)
			return;
		if (c + 1 < n && x[c + 1] > x[c])
			c++;
		if (x[c] <= x[i])
			return;
		t = x[i];
		x[i] = x[c];
		x[c] = t;
		i = c;
	}
}

/* Sort n finite values ascending in place: heapsort, no allocation. */
static void
sort_doubles(double *x, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(x, i, n);
	for (size_t end = n; end-- > 1;)
	{
		double		t = x[0];

		x[0] = x[end];
		x[end] = t;
		sift_down(x, 0, end);
	}
}

/* Record the training rows' score quantiles; see model.h. */
AeStatus
ae_model_fit_quantiles(AeModel *model, const AeDataset *const *sets, int nsets,
					   const AeTicker *ticker, const AeAlloc *a)
{
	size_t		nc = model->ncols;
	size_t		total = 0,
				n = 0;
	ae_real    *packed = model->packed;
	double	   *x,
			   *q;
	AeWork		w;
	AeStatus	st;

	for (int s = 0; s < nsets; s++)
		total += sets[s]->n;
	if (AE_KIND_PREDICTS_HIDDEN(model->opt.kind) && total > AE_QUANTILE_HELDOUT_ROWS)
		total = AE_QUANTILE_HELDOUT_ROWS;
	x = ae_alloc(a, sizeof(double) * (total ? total : 1));
	q = ae_alloc(a, sizeof(double) * AE_QUANTILES);
	if (!x || !q)
		return AE_ENOMEM;
	/* one row at a time through the packed layers, as ae_score scores */
	if ((st = ae_work_init(&w, model, 1, a)) != AE_OK ||
		(packed == NULL && (st = ae_model_pack(model, a)) != AE_OK))
		return st;
	w.ticker = *ticker;
	for (int s = 0; s < nsets; s++)
	{
		const AeDataset *d = sets[s];

		for (int r = 0; r < d->n && n < total; r++)
		{
			const ae_real *t = d->t + (size_t) r * nc;
			const uint8_t *m = d->m + (size_t) r * nc;
			int			observed = 0;

			if (w.ticker.tick)
				w.ticker.tick(w.ticker.arg);
			/* a row without a value in the model's columns has no score (NULL) */
			for (size_t c = 0; c < nc; c++)
				observed += m[c];
			if (observed == 0)
				continue;
			x[n] = ae_model_score(model, &w, t, m);
			if (!isfinite(x[n]))
			{
				model->packed = packed;
				return AE_EDIVERGED;
			}
			n++;
		}
	}
	/* the packed layers served these scores alone: params may still change */
	model->packed = packed;
	if (n == 0)
		return AE_OK;
	sort_doubles(x, n);
	for (int i = 0; i < AE_QUANTILES; i++)
	{
		double		h = ae_quantile_prob(i) * (double) (n - 1);
		size_t		lo = (size_t) h;
		double		v = x[lo];

		if (lo + 1 < n)
		{
			/* percentile_cont's interpolation, kept within its two values */
			v = x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
			v = fmin(fmax(v, x[lo]), x[lo + 1]);
		}
		/* non-decreasing, whatever the rounding */
		q[i] = i > 0 && v < q[i - 1] ? q[i - 1] : v;
	}
	model->score_quantiles = q;
	model->score_rows = (int) n;
	return AE_OK;
}

/* The i-th recorded quantile, or the grid's i-th probability: the two axes searched. */
static double
quantile_at(const AeModel *model, int i)
{
	return model->score_quantiles[i];
}

static double
prob_at(const AeModel *model, int i)
{
	(void) model;
	return ae_quantile_prob(i);
}

/*
 * The last grid point i whose value at(i), non-decreasing in i, is at or
 * below x, given at(0) <= x < at(AE_QUANTILES - 1): so at(i) <= x < at(i + 1).
 */
static int
bracket(const AeModel *model, double (*at) (const AeModel *, int), double x)
{
	int			lo = 0,
				hi = AE_QUANTILES - 1;

	while (hi - lo > 1)
	{
		int			mid = lo + (hi - lo) / 2;

		if (at(model, mid) <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* y at x on the line from (x0, y0) to (x1, y1), x0 <= x < x1, kept within [y0, y1]. */
static double
interpolate(double x, double x0, double x1, double y0, double y1)
{
	double		y = y0 + (y1 - y0) * ((x - x0) / (x1 - x0));

	return fmin(fmax(y, y0), y1);
}

/* A score's percentile; see model.h. */
double
ae_model_percentile(const AeModel *model, double score)
{
	const double *q = model->score_quantiles;
	int			i;

	if (isnan(score))
		return score;
	if (score < q[0])
		return 0;
	if (score >= q[AE_QUANTILES - 1])
		return 1;
	/* q[i] < q[i + 1]: of equal quantiles, the last */
	i = bracket(model, quantile_at, score);
	return interpolate(score, q[i], q[i + 1], ae_quantile_prob(i), ae_quantile_prob(i + 1));
}

/* The score at a probability; see model.h. */
double
ae_model_threshold(const AeModel *model, double p)
{
	const double *q = model->score_quantiles;
	int			i;

	if (!(p > 0))
		return q[0];
	if (p >= 1)
		return q[AE_QUANTILES - 1];
	i = bracket(model, prob_at, p);
	/* on the grid, the quantile itself */
	if (p == ae_quantile_prob(i))
		return q[i];
	return interpolate(p, ae_quantile_prob(i), ae_quantile_prob(i + 1), q[i], q[i + 1]);
}
