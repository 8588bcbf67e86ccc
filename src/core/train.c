/*
 * train.c — the training loop: shuffled mini-batches, Adam, gradient
 * clipping, per-epoch train and validation loss, and keeping the weights of
 * the best validation epoch.
 */
#include "core/adam.h"
#include "core/model.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* Rows ahead of the one copied whose values gather asks the cache for. */
#define GATHER_AHEAD 8

/*
 * Copy rows idx[0..B) of a data set into contiguous batch buffers.  The
 * rows are in shuffled order, each a cache miss on a large sample: the
 * rows a few steps ahead are prefetched so the misses overlap.
 */
static void
gather(const AeModel *model, const AeDataset *d, const int *idx, int B,
	   ae_real *t, uint8_t *m)
{
	size_t		nc = model->ncols;

	for (int r = 0; r < B; r++)
	{
		if (r + GATHER_AHEAD < B)
		{
			const ae_real *next = d->t + (size_t) idx[r + GATHER_AHEAD] * nc;

			for (size_t c = 0; c < nc; c += 64 / sizeof(ae_real))
				__builtin_prefetch(next + c);
			__builtin_prefetch(next + nc - 1);
			__builtin_prefetch(d->m + (size_t) idx[r + GATHER_AHEAD] * nc);
		}
		memcpy(t + r * nc, d->t + (size_t) idx[r] * nc, sizeof(ae_real) * nc);
		memcpy(m + r * nc, d->m + (size_t) idx[r] * nc, nc);
	}
}

/* Denoising: Gaussian noise of the given deviation on the shown numeric inputs. */
static void
add_noise(const AeModel *model, ae_real *x, const uint8_t *mi, int B, double sd, AeRng *rng)
{
	for (int r = 0; r < B; r++)
		for (int c = 0; c < model->ncols; c++)
		{
			const AeColumn *col = &model->cols[c];

			if (col->kind == AE_COL_NUMERIC && mi[(size_t) r * model->ncols + c] &&
				c != model->cond_col)
				x[(size_t) r * model->n_in + col->in_off] += (ae_real) (sd * ae_rng_normal(rng));
		}
}

/*
 * The cells a kind that predicts hidden cells is scored on: ml = m and not
 * mi, those observed and hidden; every observed cell for other kinds.
 */
static const uint8_t *
loss_cells(const AeModel *model, const uint8_t *m, const uint8_t *mi, uint8_t *ml, int B)
{
	if (!AE_KIND_PREDICTS_HIDDEN(model->opt.kind))
		return m;
	for (size_t i = 0; i < (size_t) B * model->ncols; i++)
		ml[i] = m[i] && !mi[i];
	return ml;
}

/*
 * Mean row loss of a data set (penalty included), evaluated in batches
 * without gradients, ticking before each; a variational model is
 * evaluated at its latent means, a contractive one with probes from a
 * generator seeded alike at every call, so epochs are compared on the
 * same draws.  An aae's is its reconstruction alone: the adversarial term
 * measures the discriminator of the moment, not the model.  A kind that
 * predicts hidden cells is scored on cells hidden as in training, by a
 * generator seeded alike at every call; mi, ml: (w->max_batch, ncols).
 */
static double
evaluate(const AeModel *model, AeWork *w, const AeDataset *d, uint8_t *mi, uint8_t *ml)
{
	double		total = 0;
	size_t		nc = model->ncols;
	AeRng		probe_rng,
				mask_rng;
	AeAdversary *adv = w->adv;
	bool		hide = AE_KIND_PREDICTS_HIDDEN(model->opt.kind);

	ae_rng_seed(&probe_rng, model->opt.seed);
	ae_rng_seed(&mask_rng, model->opt.seed ^ 0x6d61736bULL);
	memset(w->eps, 0, sizeof(ae_real) * (size_t) w->max_batch * model->opt.latent);
	w->adv = NULL;
	for (int start = 0; start < d->n; start += w->max_batch)
	{
		int			B = d->n - start < w->max_batch ? d->n - start : w->max_batch;
		const ae_real *t = d->t + (size_t) start * nc;
		const uint8_t *m = d->m + (size_t) start * nc;
		const ae_real *out;

		if (w->ticker.tick)
			w->ticker.tick(w->ticker.arg);
		if (hide)
			ae_model_mask_inputs(model, m, mi, B, model->opt.mask, &mask_rng);
		ae_model_inputs(model, t, hide ? mi : m, w->x, B);
		ae_model_draw_probe(model, w, B, &probe_rng);
		out = ae_model_forward(model, w, w->x, B);
		total += (ae_model_loss(model, out, t, loss_cells(model, m, mi, ml, B), B, NULL, NULL) +
				  ae_model_penalty(model, w, w->x, B, NULL)) * B;
	}
	w->adv = adv;
	return total / d->n;
}

/* Are all n values finite? */
static bool
all_finite(const ae_real *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(p[i]))
			return false;
	return true;
}

/*
 * Train from scratch; see model.h.  Never returns AE_OK with weights that
 * are not finite: a non-finite batch loss or validation loss, or kept
 * weights with a non-finite value, end the run with AE_EDIVERGED.
 */
AeStatus
ae_model_train(AeModel *model, const AeDataset *train, const AeDataset *val,
			   AeRng *rng, const AeAlloc *a, AeTick tick, void *tick_arg,
			   AeProgress *progress)
{
	const AeOptions *o = &model->opt;
	int			bs = o->batch_size;
	size_t		np = model->nparams;
	AeWork		w;
	AeAdam		adam;
	AeAdversary adv;
	ae_real    *grads,
			   *adam_m,
			   *adam_v,
			   *best,
			   *tb;
	uint8_t    *mb,
			   *mi,
			   *ml;
	int		   *idx;
	double		best_loss = INFINITY;
	bool		has_val = val && val->n > 0;
	bool		kept = false;
	AeProgress	none = {0};
	AeStatus	st;

	if (train->n < 1 || bs < 1 || o->epochs < 1 || o->epochs > AE_MAX_EPOCHS)
		return AE_EINVAL;
	if (bs > train->n)
		bs = train->n;
	if ((st = ae_work_init(&w, model, bs, a)) != AE_OK)
		return st;
	w.ticker.tick = tick;
	w.ticker.arg = tick_arg;
	grads = ae_alloc(a, sizeof(ae_real) * np);
	adam_m = ae_alloc(a, sizeof(ae_real) * np);
	adam_v = ae_alloc(a, sizeof(ae_real) * np);
	best = ae_alloc(a, sizeof(ae_real) * np);
	tb = ae_alloc(a, sizeof(ae_real) * (size_t) bs * model->ncols);
	mb = ae_alloc(a, (size_t) bs * model->ncols);
	/* evaluate's too, of the work's rows */
	mi = ae_alloc(a, (size_t) w.max_batch * model->ncols);
	ml = ae_alloc(a, (size_t) w.max_batch * model->ncols);
	idx = ae_alloc(a, sizeof(int) * train->n);
	model->metrics.train_loss = ae_alloc(a, sizeof(float) * o->epochs);
	model->metrics.val_loss = ae_alloc(a, sizeof(float) * o->epochs);
	if (!grads || !adam_m || !adam_v || !best || !tb || !mb || !mi || !ml || !idx ||
		!model->metrics.train_loss || !model->metrics.val_loss)
		return AE_ENOMEM;

	model->metrics.epochs_run = 0;
	model->metrics.best_epoch = 0;
	ae_model_init_params(model, rng);
	if (o->kind == AE_KIND_AAE)
	{
		if ((st = ae_adversary_init(&adv, o->latent, o->disc, o->ndisc, bs,
									o->disc_learning_rate, rng, a)) != AE_OK)
			return st;
		w.adv = &adv;
	}
	ae_adam_init(&adam, o->learning_rate, o->weight_decay);
	for (int i = 0; i < train->n; i++)
		idx[i] = i;
	if (progress == NULL)
		progress = &none;
	progress->epochs = o->epochs;
	progress->epoch = 0;
	progress->rows = train->n;
	progress->rows_done = 0;
	progress->train_loss = NAN;
	progress->val_loss = NAN;

	for (int epoch = 0; epoch < o->epochs; epoch++)
	{
		double		epoch_loss = 0;
		double		val_loss;

		ae_rng_shuffle(rng, idx, train->n);
		for (int start = 0; start < train->n; start += bs)
		{
			int			B = train->n - start < bs ? train->n - start : bs;
			const ae_real *out;
			double		loss;

			progress->rows_done = start;
			if (tick)
				tick(tick_arg);
			gather(model, train, idx + start, B, tb, mb);
			ae_model_mask_inputs(model, mb, mi, B, o->mask, rng);
			ae_model_inputs(model, tb, mi, w.x, B);
			if (o->kind == AE_KIND_DENOISING && o->noise > 0)
				add_noise(model, w.x, mi, B, o->noise, rng);
			if (AE_KIND_IS_VARIATIONAL(o->kind))
				for (size_t i = 0; i < (size_t) B * o->latent; i++)
					w.eps[i] = (ae_real) ae_rng_normal(rng);
			ae_model_draw_probe(model, &w, B, rng);
			out = ae_model_forward(model, &w, w.x, B);
			loss = ae_model_loss(model, out, tb, loss_cells(model, mb, mi, ml, B), B, w.dout, NULL) +
				ae_model_penalty(model, &w, w.x, B, NULL);
			if (!isfinite(loss))
				return AE_EDIVERGED;
			epoch_loss += loss * B;
			memset(grads, 0, sizeof(ae_real) * np);
			ae_model_backward(model, &w, w.x, w.dout, B, grads);
			ae_clip_grad_norm(grads, np, o->grad_clip);
			ae_adam_step(&adam, model->params, grads, adam_m, adam_v, np);
			/* the discriminator learns on this batch's codes, as the encoder saw them */
			if (w.adv && !isfinite(ae_adversary_step(w.adv, ae_model_latent(model, &w), B, rng)))
				return AE_EDIVERGED;
		}
		epoch_loss /= train->n;
		if (!isfinite(epoch_loss))
			return AE_EDIVERGED;
		progress->rows_done = train->n;
		val_loss = has_val ? evaluate(model, &w, val, mi, ml) : NAN;
		model->metrics.train_loss[epoch] = (float) epoch_loss;
		model->metrics.val_loss[epoch] = (float) val_loss;
		model->metrics.epochs_run = epoch + 1;
		if (has_val && !isfinite(val_loss))
			return AE_EDIVERGED;

		/* keep the best validation epoch's weights; without validation, the last */
		if (!has_val || val_loss < best_loss)
		{
			best_loss = val_loss;
			model->metrics.best_epoch = epoch + 1;
			memcpy(best, model->params, sizeof(ae_real) * np);
			kept = true;
		}
		progress->epoch = epoch + 1;
		progress->rows_done = 0;
		progress->train_loss = epoch_loss;
		progress->val_loss = val_loss;
		if (progress->epoch_end)
			progress->epoch_end(progress->arg);
	}
	w.adv = NULL;				/* what follows reads the model alone */
	/* the weights kept come from an epoch, and are finite */
	if (!kept || !all_finite(best, np))
		return AE_EDIVERGED;
	memcpy(model->params, best, sizeof(ae_real) * np);
	model->metrics.n_train = train->n;
	model->metrics.n_val = val ? val->n : 0;
	model->metrics.rows_used = model->metrics.n_train + model->metrics.n_val;
	if ((st = ae_model_fit_impute(model, &w, train, has_val ? val : NULL, a)) != AE_OK)
		return st;
	{
		const AeDataset *sets[2] = {train, val};

		if (o->score == AE_SCORE_DISTANCE &&
			(st = ae_model_fit_distance(model, &w, sets, has_val ? 2 : 1, a)) != AE_OK)
			return st;
		/* last: the scores read every statistic above */
		return ae_model_fit_quantiles(model, sets, has_val ? 2 : 1, &w.ticker, a);
	}
}
