/*
 * impute.c — how far ae_impute trusts the network, column by column.
 *
 * A column the other columns do not predict (a coin flip, an id-like
 * number) is best filled with its mean or its commonest value; a network
 * that has learned its training rows fills it with something that looks
 * like a value of a nearby row, and does worse than the mean.  So each
 * column's fill is the network's prediction blended with the column's
 * prior by a weight measured on the validation rows, which training never
 * fitted: hide some of their values, predict them, and see how much of
 * the prediction is worth keeping.
 */
#include "core/model.h"

#include <math.h>
#include <string.h>

/* Probabilities kept away from 0 and 1, so that their logits are finite. */
#define PROB_FLOOR 1e-7

/*
 * The log of the normaliser of a categorical column's softmax over its
 * outputs z: class k's probability is exp(z[k] - lse).
 */
static double
log_sum_exp(const AeColumn *col, const ae_real *z)
{
	double		mx = z[0],
				sum = 0;

	for (int j = 1; j < col->out_width; j++)
		mx = fmax(mx, z[j]);
	for (int j = 0; j < col->out_width; j++)
		sum += exp(z[j] - mx);
	return mx + log(sum);
}

/* The column's predicted probability of class k, from its outputs z and their lse. */
static double
class_prob(const AeColumn *col, const ae_real *z, double lse, int k)
{
	if (col->kind == AE_COL_BOOLEAN)
	{
		double		p = 1 / (1 + exp(-(double) z[0]));

		return k == 1 ? p : 1 - p;
	}
	return exp(z[k] - lse);
}

/* The prior's probability of class k (a boolean's prior is its share of true). */
static double
prior_prob(const AeColumn *col, const ae_real *prior, int k)
{
	if (col->kind == AE_COL_BOOLEAN)
		return k == 1 ? prior[0] : 1 - prior[0];
	return prior[k];
}

/* Class index of an observed value t of a boolean or categorical column. */
static int
class_of(const AeColumn *col, ae_real t)
{
	if (col->kind == AE_COL_BOOLEAN)
		return t > 0.5;
	return t >= 0 && t < (ae_real) col->out_width ? (int) t : col->out_width - 1;
}

/* Priors from the training rows' observed values. */
static AeStatus
fit_priors(AeModel *model, const AeDataset *train, const AeAlloc *a)
{
	double	   *sum = ae_alloc(a, sizeof(double) * model->n_out);
	double	   *count = ae_alloc(a, sizeof(double) * model->ncols);

	if (!sum || !count)
		return AE_ENOMEM;
	memset(sum, 0, sizeof(double) * model->n_out);
	memset(count, 0, sizeof(double) * model->ncols);
	for (int r = 0; r < train->n; r++)
		for (int c = 0; c < model->ncols; c++)
		{
			const AeColumn *col = &model->cols[c];
			size_t		i = (size_t) r * model->ncols + c;

			if (!train->m[i] || col->out_width == 0)
				continue;
			count[c]++;
			if (col->kind == AE_COL_CATEGORICAL)
				sum[col->out_off + class_of(col, train->t[i])]++;
			else
				sum[col->out_off] += train->t[i];
		}
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];
		ae_real    *prior = model->impute_prior + col->out_off;

		if (col->out_width == 0)
			continue;
		if (col->kind == AE_COL_CATEGORICAL)
			/* half a count for every class: no class has probability 0 */
			for (int k = 0; k < col->out_width; k++)
				prior[k] = (ae_real) ((sum[col->out_off + k] + 0.5) /
									  (count[c] + 0.5 * col->out_width));
		else if (col->kind == AE_COL_BOOLEAN)
			prior[0] = (ae_real) ((sum[col->out_off] + 0.5) / (count[c] + 1));
		else
			prior[0] = (ae_real) (count[c] > 0 ? sum[col->out_off] / count[c] : 0);
	}
	return AE_OK;
}

/* What the hidden validation values say about each column's shrink. */
typedef struct Tally
{
	double		zt;				/* numeric: Σ (z - prior)(t - prior) */
	double		zz;				/* numeric: Σ (z - prior)² */
	double		nll[AE_IMPUTE_GRID + 1];	/* others: -Σ log p(t) at each grid weight */
	long		n;				/* hidden values measured */
} Tally;

static void
tally_value(const AeModel *model, int c, const ae_real *z, ae_real t, Tally *tl)
{
	const AeColumn *col = &model->cols[c];
	const ae_real *prior = model->impute_prior + col->out_off;

	tl->n++;
	if (col->kind == AE_COL_NUMERIC)
	{
		double		d = z[0] - prior[0];

		tl->zt += d * (t - prior[0]);
		tl->zz += d * d;
		return;
	}
	{
		int			k = class_of(col, t);
		double		lse = col->kind == AE_COL_CATEGORICAL ? log_sum_exp(col, z) : 0;
		double		p = class_prob(col, z, lse, k),
					q = prior_prob(col, prior, k);

		for (int g = 0; g <= AE_IMPUTE_GRID; g++)
		{
			double		alpha = (double) g / AE_IMPUTE_GRID;

			tl->nll[g] -= log(fmax(alpha * p + (1 - alpha) * q, PROB_FLOOR));
		}
	}
}

/*
 * The shrink a column's tally supports, itself pulled towards 1 (the
 * network as it is) as if AE_IMPUTE_PRIOR_CELLS more values had said so:
 * few validation rows measure it roughly.
 */
static ae_real
tally_shrink(const AeColumn *col, const Tally *tl)
{
	int			best = AE_IMPUTE_GRID;
	double		alpha;

	if (tl->n < AE_IMPUTE_MIN_CELLS)
		return 1;
	if (col->kind == AE_COL_NUMERIC)
		alpha = tl->zz > 0 ? fmin(fmax(tl->zt / tl->zz, 0), 1) : 1;
	else
	{
		/* the largest weight among the best: ties keep more of the network */
		for (int g = AE_IMPUTE_GRID - 1; g >= 0; g--)
			if (tl->nll[g] < tl->nll[best])
				best = g;
		alpha = (double) best / AE_IMPUTE_GRID;
	}
	return (ae_real) (1 - (1 - alpha) * tl->n / (tl->n + AE_IMPUTE_PRIOR_CELLS));
}

/* Fit the imputation calibration; see model.h. */
AeStatus
ae_model_fit_impute(AeModel *model, AeWork *w, const AeDataset *train, const AeDataset *val,
					const AeAlloc *a)
{
	size_t		nc = model->ncols;
	int			nval = val ? (val->n < AE_IMPUTE_MAX_ROWS ? val->n : AE_IMPUTE_MAX_ROWS) : 0;
	Tally	   *tally;
	uint8_t    *hidden;
	AeStatus	st;

	model->impute_shrink = ae_alloc(a, sizeof(ae_real) * nc);
	model->impute_prior = ae_alloc(a, sizeof(ae_real) * (model->n_out > 0 ? model->n_out : 1));
	tally = ae_alloc(a, sizeof(Tally) * nc);
	hidden = ae_alloc(a, (size_t) w->max_batch * nc);
	if (!model->impute_shrink || !model->impute_prior || !tally || !hidden)
		return AE_ENOMEM;
	memset(model->impute_prior, 0, sizeof(ae_real) * model->n_out);
	memset(tally, 0, sizeof(Tally) * nc);
	if ((st = fit_priors(model, train, a)) != AE_OK)
		return st;

	/* column c hidden alone in every validation row that has it, as a row missing one value */
	for (size_t c = 0; c < nc; c++)
	{
		if (model->cols[c].out_width == 0 || (int) c == model->cond_col)
			continue;
		for (int start = 0; start < nval; start += w->max_batch)
		{
			int			B = nval - start < w->max_batch ? nval - start : w->max_batch;
			const ae_real *t = val->t + (size_t) start * nc;
			const uint8_t *m = val->m + (size_t) start * nc;
			const ae_real *out;

			if (w->ticker.tick)
				w->ticker.tick(w->ticker.arg);
			memcpy(hidden, m, (size_t) B * nc);
			for (int r = 0; r < B; r++)
				hidden[(size_t) r * nc + c] = 0;
			ae_model_inputs(model, t, hidden, w->x, B);
			/* a variational model imputes from its latent mean, as ae_impute does */
			memset(w->eps, 0, sizeof(ae_real) * B * model->opt.latent);
			out = ae_model_forward(model, w, w->x, B);
			for (int r = 0; r < B; r++)
				if (m[(size_t) r * nc + c])
					tally_value(model, (int) c, out + (size_t) r * model->n_out +
								model->cols[c].out_off, t[(size_t) r * nc + c], &tally[c]);
		}
	}
	for (size_t c = 0; c < nc; c++)
		model->impute_shrink[c] = tally_shrink(&model->cols[c], &tally[c]);
	return AE_OK;
}

/* Calibrated outputs for imputation; see model.h. */
void
ae_model_impute_outputs(const AeModel *model, const ae_real *out, const uint8_t *m, ae_real *dst)
{
	memcpy(dst, out, sizeof(ae_real) * model->n_out);
	if (!model->impute_shrink)
		return;
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col;
		const ae_real *z,
				   *prior;
		ae_real    *d;
		double		alpha;

		if (m && m[c])
			continue;
		col = &model->cols[c];
		alpha = model->impute_shrink[c];
		if (col->out_width == 0 || alpha == 1)
			continue;
		z = out + col->out_off;
		prior = model->impute_prior + col->out_off;
		d = dst + col->out_off;
		if (col->kind == AE_COL_NUMERIC)
			d[0] = (ae_real) (prior[0] + alpha * (z[0] - prior[0]));
		else if (col->kind == AE_COL_BOOLEAN)
		{
			double		p = alpha * class_prob(col, z, 0, 1) + (1 - alpha) * prior[0];

			p = fmin(fmax(p, PROB_FLOOR), 1 - PROB_FLOOR);
			d[0] = (ae_real) log(p / (1 - p));
		}
		else
		{
			double		lse = log_sum_exp(col, z);

			for (int k = 0; k < col->out_width; k++)
				d[k] = (ae_real) log(fmax(alpha * class_prob(col, z, lse, k) +
										  (1 - alpha) * prior[k], PROB_FLOOR));
		}
	}
}
