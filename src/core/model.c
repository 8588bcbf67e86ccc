/*
 * model.c — layout, initialisation, forward, per-column losses and backward
 * of the column autoencoder.
 */
#include "core/model.h"

#include "core/dense.h"
#include "core/loss.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

static const char *const kind_names[AE_KIND_COUNT] = {
	"ae", "denoising", "sparse", "contractive", "vae", "cvae"
};

/* Name of a kind. */
const char *
ae_kind_name(int kind)
{
	return (kind >= 0 && kind < AE_KIND_COUNT) ? kind_names[kind] : NULL;
}

/* Kind code for a name, -1 when unknown. */
int
ae_kind_from_name(const char *name)
{
	for (int i = 0; i < AE_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

/* The latent activation a kind trains with; see model.h. */
int
ae_kind_latent_activation(int kind)
{
	return kind == AE_KIND_SPARSE ? AE_ACT_SIGMOID : AE_ACT_IDENTITY;
}

/* Widths of a column's inputs (without the indicator) and outputs. */
static int
column_width(const AeColumn *c)
{
	return c->kind == AE_COL_CATEGORICAL ? c->ncat + 1 : 1;
}

/*
 * The class a categorical value t stands for: its index when t is one,
 * the "other" class (ncat) for anything else, NaN and values out of an
 * int's range included (converting those to int is undefined).
 */
static inline int
class_index(const AeColumn *col, ae_real t)
{
	return t >= 0 && t < (ae_real) col->ncat + 1 ? (int) t : col->ncat;
}

/* Append a layer of shape nin → nout to the model, tracking parameter offsets. */
static AeStatus
add_layer(AeModel *model, int nin, int nout, int act)
{
	AeLayer    *l;

	if (model->nlayers >= AE_MAX_LAYERS || nin < 1 || nout < 1)
		return AE_ECORRUPT;
	l = &model->layers[model->nlayers++];
	l->nin = nin;
	l->nout = nout;
	l->act = act;
	l->w_off = model->nparams;
	l->b_off = l->w_off + (size_t) nin * nout;
	model->nparams = l->b_off + nout;
	return AE_OK;
}

/* Derive and validate every offset and shape from cols and opt. */
AeStatus
ae_model_layout(AeModel *model)
{
	const AeOptions *o = &model->opt;
	bool		variational = AE_KIND_IS_VARIATIONAL(o->kind);
	int			nin = 0,
				nout = 0,
				cond_width = 0;
	AeStatus	st;

	if (model->ncols < 1 || model->ncols > AE_MAX_COLUMNS || model->cols == NULL)
		return AE_ECORRUPT;
	if (ae_kind_name(o->kind) == NULL || o->activation < 0 || o->activation >= AE_ACT_COUNT ||
		o->score < AE_SCORE_ELBO || o->score > AE_SCORE_ELBO_SAMPLES)
		return AE_ECORRUPT;
	/* the latent is linear, or the sparse kind's sigmoid code */
	if (o->latent_activation != AE_ACT_IDENTITY &&
		!(o->latent_activation == AE_ACT_SIGMOID && o->kind == AE_KIND_SPARSE))
		return AE_ECORRUPT;
	if (o->nhidden < 0 || o->nhidden > AE_MAX_HIDDEN ||
		o->latent < 1 || o->latent > AE_MAX_WIDTH)
		return AE_ECORRUPT;
	for (int i = 0; i < o->nhidden; i++)
		if (o->hidden[i] < 1 || o->hidden[i] > AE_MAX_WIDTH)
			return AE_ECORRUPT;

	model->cond_col = -1;
	for (int c = 0; c < model->ncols; c++)
	{
		AeColumn   *col = &model->cols[c];
		bool		cond = (col->flags & AE_COLFLAG_CONDITION) != 0;

		if (col->kind > AE_COL_CATEGORICAL || col->transform > AE_TF_LOG1P ||
			(col->flags & ~(AE_COLFLAG_INDICATOR | AE_COLFLAG_CONDITION)) != 0)
			return AE_ECORRUPT;
		/* a name, unique among the columns: rows are mapped to columns by name */
		if (col->name[0] == 0 || memchr(col->name, 0, AE_NAME_MAX) == NULL)
			return AE_ECORRUPT;
		for (int p = 0; p < c; p++)
			if (strcmp(model->cols[p].name, col->name) == 0)
				return AE_ECORRUPT;
		if (col->kind == AE_COL_CATEGORICAL &&
			(col->ncat < 0 || col->ncat > AE_MAX_CATEGORIES || (col->ncat > 0 && col->cats == NULL)))
			return AE_ECORRUPT;
		if (col->kind != AE_COL_CATEGORICAL && col->ncat != 0)
			return AE_ECORRUPT;
		if (!isfinite(col->center) || !isfinite(col->scale) || !(col->scale > 0) ||
			!isfinite(col->weight) || col->weight < 0)
			return AE_ECORRUPT;
		/* the range seen in training, which decoding clamps to */
		if (!isfinite(col->lo) || !isfinite(col->hi) || col->lo > col->hi)
			return AE_ECORRUPT;
		/* exactly one condition column in a cvae, none elsewhere */
		if (cond && (o->kind != AE_KIND_CVAE || model->cond_col >= 0))
			return AE_ECORRUPT;
		col->in_off = nin;
		col->in_width = column_width(col);
		col->out_off = nout;
		col->out_width = cond ? 0 : column_width(col);
		nin += col->in_width + ((col->flags & AE_COLFLAG_INDICATOR) ? 1 : 0);
		nout += col->out_width;
		if (cond)
		{
			model->cond_col = c;
			cond_width = col->in_width;
		}
		if (nin > AE_MAX_COLUMNS * (AE_MAX_CATEGORIES + 2))
			return AE_ECORRUPT;
	}
	if (o->kind == AE_KIND_CVAE && model->cond_col < 0)
		return AE_ECORRUPT;
	model->n_in = nin;
	model->n_out = nout;
	model->dec_in = o->latent + cond_width;

	/*
	 * encoder n_in → hidden… → latent (2 · latent: means and log-variances
	 * when variational), decoder dec_in → …hidden → n_out
	 */
	model->nlayers = 0;
	model->nparams = 0;
	{
		int			prev = nin;

		for (int i = 0; i < o->nhidden; i++)
		{
			if ((st = add_layer(model, prev, o->hidden[i], o->activation)) != AE_OK)
				return st;
			prev = o->hidden[i];
		}
		if ((st = add_layer(model, prev, variational ? 2 * o->latent : o->latent,
							 o->latent_activation)) != AE_OK)
			return st;
		model->nencoder = model->nlayers;
		prev = model->dec_in;
		for (int i = o->nhidden - 1; i >= 0; i--)
		{
			if ((st = add_layer(model, prev, o->hidden[i], o->activation)) != AE_OK)
				return st;
			prev = o->hidden[i];
		}
		if ((st = add_layer(model, prev, nout, 0)) != AE_OK)
			return st;
	}
	/* params stay addressable as float32 bytes well under 1 GB */
	if (model->nparams > ((size_t) 1 << 27))
		return AE_ECORRUPT;
	return AE_OK;
}

/* Allocate the parameter buffer. */
AeStatus
ae_model_alloc_params(AeModel *model, const AeAlloc *a)
{
	model->params = ae_alloc(a, sizeof(ae_real) * model->nparams);
	return model->params ? AE_OK : AE_ENOMEM;
}

/* He-uniform for rectifiers, Xavier-uniform otherwise; biases zero. */
void
ae_model_init_params(AeModel *model, AeRng *rng)
{
	for (int l = 0; l < model->nlayers; l++)
	{
		const AeLayer *L = &model->layers[l];
		double		limit = (L->act == 1 || L->act == 4)
			? sqrt(6.0 / L->nin)
			: sqrt(6.0 / (L->nin + L->nout));
		ae_real    *w = model->params + L->w_off;

		for (size_t i = 0; i < (size_t) L->nin * L->nout; i++)
			w[i] = (ae_real) ((2 * ae_rng_uniform(rng) - 1) * limit);
		memset(model->params + L->b_off, 0, sizeof(ae_real) * L->nout);
	}
}

/* Allocate scratch buffers. */
AeStatus
ae_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a)
{
	int			widest = model->n_in > model->dec_in ? model->n_in : model->dec_in;
	size_t		B = (size_t) max_batch;

	memset(w, 0, sizeof(*w));
	w->max_batch = max_batch;
	for (int l = 0; l < model->nlayers; l++)
	{
		if (model->layers[l].nout > widest)
			widest = model->layers[l].nout;
		w->act[l] = ae_alloc(a, sizeof(ae_real) * B * model->layers[l].nout);
		if (!w->act[l])
			return AE_ENOMEM;
	}
	w->x = ae_alloc(a, sizeof(ae_real) * B * model->n_in);
	w->dout = ae_alloc(a, sizeof(ae_real) * B * (model->n_out > 0 ? model->n_out : 1));
	w->d1 = ae_alloc(a, sizeof(ae_real) * B * widest);
	w->d2 = ae_alloc(a, sizeof(ae_real) * B * widest);
	w->eps = ae_alloc(a, sizeof(ae_real) * B * model->opt.latent);
	w->z = ae_alloc(a, sizeof(ae_real) * B * model->dec_in);
	w->dz = ae_alloc(a, sizeof(ae_real) * B * model->dec_in);
	if (!w->x || !w->dout || !w->d1 || !w->d2 || !w->eps || !w->z || !w->dz)
		return AE_ENOMEM;
	return AE_OK;
}

/* Encode values and masks as network inputs: missing inputs are neutral (0). */
void
ae_model_inputs(const AeModel *model, const ae_real *t, const uint8_t *m,
				ae_real *x, int B)
{
	memset(x, 0, sizeof(ae_real) * (size_t) B * model->n_in);
	for (int r = 0; r < B; r++)
	{
		const ae_real *tr = t + (size_t) r * model->ncols;
		const uint8_t *mr = m + (size_t) r * model->ncols;
		ae_real    *xr = x + (size_t) r * model->n_in;

		for (int c = 0; c < model->ncols; c++)
		{
			const AeColumn *col = &model->cols[c];

			if (mr[c])
			{
				switch (col->kind)
				{
					case AE_COL_NUMERIC:
						xr[col->in_off] = tr[c];
						break;
					case AE_COL_BOOLEAN:
						xr[col->in_off] = 2 * tr[c] - 1;
						break;
					case AE_COL_CATEGORICAL:
						xr[col->in_off + class_index(col, tr[c])] = 1;
						break;
				}
			}
			else if (col->flags & AE_COLFLAG_INDICATOR)
				xr[col->in_off + col->in_width] = 1;
		}
	}
}

/* The input of layer l: x, an earlier layer's output, or the decoder input z. */
static const ae_real *
layer_input(const AeModel *model, const AeWork *w, const ae_real *x, int l)
{
	if (l == 0)
		return x;
	if (l == model->nencoder)
		return w->z;
	return w->act[l - 1];
}

/* Forward through layers [from, to). */
static const ae_real *
forward_layers(const AeModel *model, AeWork *w, const ae_real *x, int B, int from, int to)
{
	for (int l = from; l < to; l++)
	{
		const AeLayer *L = &model->layers[l];

		ae_dense_forward_ticked(w->act[l], layer_input(model, w, x, l), model->params + L->w_off,
								model->params + L->b_off, B, L->nin, L->nout, &w->ticker);
		ae_act_forward(L->act, w->act[l], (size_t) B * L->nout);
	}
	return w->act[to - 1];
}

/* exp(logvar / 2), with logvar clamped so the exponential stays finite. */
static inline double
half_exp(ae_real logvar)
{
	double		lv = logvar > 30 ? 30 : (logvar < -30 ? -30 : logvar);

	return exp(0.5 * lv);
}

/* Fill the condition's inputs (cvae) after the latent part of each row of w->z. */
static void
copy_condition(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const AeColumn *cond;
	int			L = model->opt.latent;

	if (model->cond_col < 0)
		return;
	cond = &model->cols[model->cond_col];
	for (int r = 0; r < B; r++)
		memcpy(w->z + (size_t) r * model->dec_in + L, x + (size_t) r * model->n_in + cond->in_off,
			   sizeof(ae_real) * cond->in_width);
}

/* Forward through every layer. */
const ae_real *
ae_model_forward(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const ae_real *h = forward_layers(model, w, x, B, 0, model->nencoder);
	int			L = model->opt.latent;

	/* decoder input: the latent code, or mean + sigma * eps; then the condition */
	for (int r = 0; r < B; r++)
	{
		const ae_real *hr = h + (size_t) r * (AE_KIND_IS_VARIATIONAL(model->opt.kind) ? 2 * L : L);
		ae_real    *zr = w->z + (size_t) r * model->dec_in;

		if (AE_KIND_IS_VARIATIONAL(model->opt.kind))
			for (int j = 0; j < L; j++)
				zr[j] = (ae_real) (hr[j] + half_exp(hr[L + j]) * w->eps[(size_t) r * L + j]);
		else
			memcpy(zr, hr, sizeof(ae_real) * L);
	}
	copy_condition(model, w, x, B);
	return forward_layers(model, w, x, B, model->nencoder, model->nlayers);
}

/* Decode given latent points. */
const ae_real *
ae_model_decode(const AeModel *model, AeWork *w, const ae_real *z, const ae_real *x, int B)
{
	int			L = model->opt.latent;

	for (int r = 0; r < B; r++)
		memcpy(w->z + (size_t) r * model->dec_in, z + (size_t) r * L, sizeof(ae_real) * L);
	copy_condition(model, w, x, B);
	return forward_layers(model, w, x, B, model->nencoder, model->nlayers);
}

/* Forward through the encoder only. */
const ae_real *
ae_model_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	return forward_layers(model, w, x, B, 0, model->nencoder);
}

/* The encoder output of the last pass. */
const ae_real *
ae_model_latent(const AeModel *model, const AeWork *w)
{
	return w->act[model->nencoder - 1];
}

/* Loss of one column of one row, gradient into dz (may be NULL). */
static double
column_loss(const AeColumn *col, const ae_real *z, ae_real t, ae_real *dz)
{
	switch (col->kind)
	{
		case AE_COL_NUMERIC:
			return ae_loss_squared(z[0], t, dz);
		case AE_COL_BOOLEAN:
			return ae_loss_bce_logit(z[0], t, dz);
		default:
			return ae_loss_softmax_ce(z, col->ncat + 1, class_index(col, t), dz);
	}
}

/* Total weight of the reconstructed columns: the ELBO's sum for a complete row. */
static double
total_weight(const AeModel *model)
{
	double		total = 0;

	for (int c = 0; c < model->ncols; c++)
		if (model->cols[c].out_width > 0)
			total += model->cols[c].weight;
	return total;
}

/* Weighted mean over observed columns, per row; mean over rows. */
double
ae_model_loss(const AeModel *model, const ae_real *out, const ae_real *t,
			  const uint8_t *m, int B, ae_real *dout, double *row_loss)
{
	double		total = 0;
	double		sum_scale = AE_KIND_IS_VARIATIONAL(model->opt.kind) ? total_weight(model) : 1;

	if (dout)
		memset(dout, 0, sizeof(ae_real) * (size_t) B * model->n_out);
	for (int r = 0; r < B; r++)
	{
		const ae_real *zr = out + (size_t) r * model->n_out;
		const ae_real *tr = t + (size_t) r * model->ncols;
		const uint8_t *mr = m + (size_t) r * model->ncols;
		ae_real    *dr = dout ? dout + (size_t) r * model->n_out : NULL;
		double		wsum = 0,
					lsum = 0;

		for (int c = 0; c < model->ncols; c++)
			if (mr[c] && model->cols[c].out_width > 0)
				wsum += model->cols[c].weight;
		for (int c = 0; c < model->ncols && wsum > 0; c++)
		{
			const AeColumn *col = &model->cols[c];
			double		scale = sum_scale * col->weight / wsum;

			if (!mr[c] || col->out_width == 0)
				continue;
			lsum += scale * column_loss(col, zr + col->out_off, tr[c],
										dr ? dr + col->out_off : NULL);
			if (dr)
				for (int k = 0; k < col->out_width; k++)
					dr[col->out_off + k] *= (ae_real) (scale / B);
		}
		if (row_loss)
			row_loss[r] = lsum;
		total += lsum;
	}
	return total / B;
}

/* Per-column losses of one forwarded row (weighted as in the row's loss: they sum to it). */
void
ae_model_column_losses(const AeModel *model, const ae_real *out, const ae_real *t,
					   const uint8_t *m, double *col_loss)
{
	double		sum_scale = AE_KIND_IS_VARIATIONAL(model->opt.kind) ? total_weight(model) : 1;
	double		wsum = 0;

	for (int c = 0; c < model->ncols; c++)
		if (m[c] && model->cols[c].out_width > 0)
			wsum += model->cols[c].weight;
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];

		col_loss[c] = m[c] && col->out_width > 0 && wsum > 0
			? sum_scale * col->weight / wsum * column_loss(col, out + col->out_off, t[c], NULL)
			: NAN;
	}
}

/* Activation derivative f' and second derivative f'', both from the output y. */
static void
act_derivatives(int act, double y, double *d1, double *d2)
{
	switch (act)
	{
		case AE_ACT_RELU:
			*d1 = y > 0;
			*d2 = 0;
			break;
		case AE_ACT_TANH:
			*d1 = 1 - y * y;
			*d2 = -2 * y * (1 - y * y);
			break;
		case AE_ACT_SIGMOID:
			*d1 = y * (1 - y);
			*d2 = y * (1 - y) * (1 - 2 * y);
			break;
		case AE_ACT_ELU:
			*d1 = y > 0 ? 1 : y + 1;
			*d2 = y > 0 ? 0 : y + 1;
			break;
		default:
			*d1 = 1;
			*d2 = 0;
			break;
	}
}

/* Squared norms of the rows of layer 0's weights: S_j = sum_i W_ji^2. */
static double
row_norm2(const AeModel *model, int j)
{
	const AeLayer *L = &model->layers[0];
	const ae_real *wj = model->params + L->w_off + (size_t) j * L->nin;
	double		s = 0;

	for (int i = 0; i < L->nin; i++)
		s += (double) wj[i] * wj[i];
	return s;
}

/*
 * Latent unit activation h as the sparse penalty counts it, and its
 * derivative with respect to h, the latent layer's output: h itself when
 * the latent is the sigmoid code the decoder reads; sigmoid(h) in a model
 * of formats 1 to 4, whose latent is linear (what it was trained with).
 */
static inline double
sparse_activation(const AeModel *model, ae_real h, double *dh)
{
	double		s;

	if (model->layers[model->nencoder - 1].act == AE_ACT_SIGMOID)
	{
		*dh = 1;
		return h;
	}
	s = 1 / (1 + exp(-(double) h));
	*dh = s * (1 - s);
	return s;
}

/* Mean activation of each latent unit over the batch: the sparse kind's firing rates. */
static void
firing_rates(const AeModel *model, const AeWork *w, int B, double *rate)
{
	const ae_real *h = ae_model_latent(model, w);
	int			L = model->opt.latent;
	double		dh;

	for (int j = 0; j < L; j++)
		rate[j] = 0;
	for (int r = 0; r < B; r++)
		for (int j = 0; j < L; j++)
			rate[j] += sparse_activation(model, h[(size_t) r * L + j], &dh) / B;
}

/* Keep a rate strictly inside (0, 1) so the KL stays finite. */
static inline double
clamp_rate(double p)
{
	return p < 1e-6 ? 1e-6 : (p > 1 - 1e-6 ? 1 - 1e-6 : p);
}

/* The kind's regularizer; see model.h. */
double
ae_model_penalty(const AeModel *model, const AeWork *w, const ae_real *x, int B,
				 double *row_penalty)
{
	const AeOptions *o = &model->opt;
	double		total = 0;

	if (row_penalty)
		for (int r = 0; r < B; r++)
			row_penalty[r] = 0;
	if (AE_KIND_IS_VARIATIONAL(o->kind))
	{
		const ae_real *h = ae_model_latent(model, w);
		int			L = o->latent;

		for (int r = 0; r < B; r++)
		{
			double		kl = 0;

			for (int j = 0; j < L; j++)
				kl += ae_loss_kl_normal(h[(size_t) r * 2 * L + j], h[(size_t) r * 2 * L + L + j],
										NULL, NULL);
			if (row_penalty)
				row_penalty[r] = kl;
			total += o->beta * kl;
		}
		return total / B;
	}
	if (o->kind == AE_KIND_SPARSE && o->sparsity > 0)
	{
		double		rate[AE_MAX_WIDTH];
		double		rho = clamp_rate(o->sparsity_target);

		/*
		 * The rates are means of the code the decoder reads: a constant
		 * added to the latent layer's pre-activations moves that code
		 * through the sigmoid, which no change of the decoder's bias can
		 * undo, so a shift cannot meet the penalty for free.
		 */
		firing_rates(model, w, B, rate);
		for (int j = 0; j < o->latent; j++)
		{
			double		p = clamp_rate(rate[j]);

			total += rho * log(rho / p) + (1 - rho) * log((1 - rho) / (1 - p));
		}
		return o->sparsity * total;
	}
	if (o->kind == AE_KIND_CONTRACTIVE && o->contractive > 0)
	{
		const AeLayer *L0 = &model->layers[0];

		for (int j = 0; j < L0->nout; j++)
		{
			double		s = row_norm2(model, j);

			for (int r = 0; r < B; r++)
			{
				double		d1,
							d2,
							v;

				act_derivatives(L0->act, w->act[0][(size_t) r * L0->nout + j], &d1, &d2);
				v = o->contractive * d1 * d1 * s;
				if (row_penalty)
					row_penalty[r] += v;
				total += v;
			}
		}
		return total / B;
	}
	(void) x;
	return 0;
}

/* Add the gradient of the kind's penalty on the encoder output to d: (B, nout of the latent layer). */
static void
penalty_latent_grad(const AeModel *model, const AeWork *w, int B, ae_real *d)
{
	const AeOptions *o = &model->opt;
	const ae_real *h = ae_model_latent(model, w);
	int			L = o->latent;

	if (AE_KIND_IS_VARIATIONAL(o->kind))
	{
		for (int r = 0; r < B; r++)
			for (int j = 0; j < L; j++)
			{
				ae_real		dmu,
							dlv;
				size_t		k = (size_t) r * 2 * L + j;

				ae_loss_kl_normal(h[k], h[k + L], &dmu, &dlv);
				d[k] += (ae_real) (o->beta * dmu / B);
				d[k + L] += (ae_real) (o->beta * dlv / B);
			}
	}
	else if (o->kind == AE_KIND_SPARSE && o->sparsity > 0)
	{
		double		rate[AE_MAX_WIDTH];
		double		rho = clamp_rate(o->sparsity_target);

		firing_rates(model, w, B, rate);
		for (int j = 0; j < L; j++)
		{
			double		p = clamp_rate(rate[j]);
			double		dkl = o->sparsity * (-rho / p + (1 - rho) / (1 - p));

			for (int r = 0; r < B; r++)
			{
				double		dh;

				sparse_activation(model, h[(size_t) r * L + j], &dh);
				d[(size_t) r * L + j] += (ae_real) (dkl * dh / B);
			}
		}
	}
}

/*
 * Contractive penalty gradients of layer 0.  With P = lambda/B sum_b sum_j
 * f'(z_bj)^2 S_j: the part through z_bj is added to dz0 (the pre-activation
 * gradient, so the dense backward carries it to W and b), the part through
 * S_j goes straight into dW.
 */
static void
contractive_grad(const AeModel *model, const AeWork *w, int B, ae_real *dz0, ae_real *grads)
{
	const AeLayer *L0 = &model->layers[0];
	double		lambda = model->opt.contractive;

	for (int j = 0; j < L0->nout; j++)
	{
		double		s = row_norm2(model, j);
		double		mean_d1sq = 0;
		const ae_real *wj = model->params + L0->w_off + (size_t) j * L0->nin;
		ae_real    *gj = grads + L0->w_off + (size_t) j * L0->nin;

		for (int r = 0; r < B; r++)
		{
			double		d1,
						d2;

			act_derivatives(L0->act, w->act[0][(size_t) r * L0->nout + j], &d1, &d2);
			dz0[(size_t) r * L0->nout + j] += (ae_real) (lambda * 2 * s * d1 * d2 / B);
			mean_d1sq += d1 * d1 / B;
		}
		for (int i = 0; i < L0->nin; i++)
			gj[i] += (ae_real) (lambda * 2 * wj[i] * mean_d1sq);
	}
}

/* Backward through every layer, from the output gradient down to layer 0. */
void
ae_model_backward(const AeModel *model, AeWork *w, const ae_real *x,
				  const ae_real *dout, int B, ae_real *grads)
{
	const AeOptions *o = &model->opt;
	int			L = o->latent;
	bool		variational = AE_KIND_IS_VARIATIONAL(o->kind);
	ae_real    *d = w->d1;
	ae_real    *next = w->d2;

	memcpy(d, dout, sizeof(ae_real) * (size_t) B * model->n_out);
	for (int l = model->nlayers - 1; l >= 0; l--)
	{
		const AeLayer *Ly = &model->layers[l];
		ae_real    *dinp = l == 0 ? NULL : (l == model->nencoder ? w->dz : next);
		ae_real    *tmp;

		if (l == model->nencoder - 1)
		{
			/* at the encoder output: from dz (the decoder input) back to the latent */
			const ae_real *h = w->act[l];

			for (int r = 0; r < B; r++)
				for (int j = 0; j < L; j++)
				{
					ae_real		g = w->dz[(size_t) r * model->dec_in + j];

					if (variational)
					{
						size_t		k = (size_t) r * 2 * L + j;

						d[k] = g;
						d[k + L] = (ae_real) (g * w->eps[(size_t) r * L + j] * 0.5 * half_exp(h[k + L]));
					}
					else
						d[(size_t) r * L + j] = g;
				}
			penalty_latent_grad(model, w, B, d);
		}
		ae_act_backward(Ly->act, d, w->act[l], (size_t) B * Ly->nout);
		if (l == 0 && o->kind == AE_KIND_CONTRACTIVE && o->contractive > 0)
			contractive_grad(model, w, B, d, grads);
		ae_dense_backward_ticked(dinp, grads + Ly->w_off, grads + Ly->b_off, d,
								 layer_input(model, w, x, l), model->params + Ly->w_off,
								 B, Ly->nin, Ly->nout, &w->ticker);
		tmp = d;
		d = next;
		next = tmp;
	}
}

/* Seed for a row's elbo_samples draws: a hash of its values and mask. */
static uint64_t
row_seed(const AeModel *model, const ae_real *t, const uint8_t *m)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	const uint8_t *p = (const uint8_t *) t;

	for (size_t i = 0; i < sizeof(ae_real) * model->ncols; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (int c = 0; c < model->ncols; c++)
		h = (h ^ m[c]) * 0x100000001b3ULL;
	return h;
}

/* A row's anomaly score; see model.h. */
double
ae_model_score(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m)
{
	const AeOptions *o = &model->opt;
	int			L = o->latent;
	double		recon,
				kl;
	const ae_real *out;

	ae_model_inputs(model, t, m, w->x, 1);
	if (!AE_KIND_IS_VARIATIONAL(o->kind))
	{
		out = ae_model_forward(model, w, w->x, 1);
		ae_model_loss(model, out, t, m, 1, NULL, &recon);
		return recon;
	}
	if (o->score == AE_SCORE_ELBO_SAMPLES)
	{
		AeRng		rng;
		double		total = 0;

		ae_rng_seed(&rng, row_seed(model, t, m));
		for (int s = 0; s < AE_SCORE_SAMPLES; s++)
		{
			for (int j = 0; j < L; j++)
				w->eps[j] = (ae_real) ae_rng_normal(&rng);
			out = ae_model_forward(model, w, w->x, 1);
			ae_model_loss(model, out, t, m, 1, NULL, &recon);
			total += recon;
		}
		ae_model_penalty(model, w, w->x, 1, &kl);
		memset(w->eps, 0, sizeof(ae_real) * L);
		ae_model_forward(model, w, w->x, 1);
		return total / AE_SCORE_SAMPLES + kl;
	}
	memset(w->eps, 0, sizeof(ae_real) * L);
	out = ae_model_forward(model, w, w->x, 1);
	ae_model_loss(model, out, t, m, 1, NULL, &recon);
	if (o->score == AE_SCORE_RECONSTRUCTION)
		return recon;
	ae_model_penalty(model, w, w->x, 1, &kl);
	return recon + kl;
}
