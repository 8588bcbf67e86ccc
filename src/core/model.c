/*
 * model.c — layout, initialisation, forward, per-column losses and backward
 * of the column autoencoder.
 */
#include "core/model.h"

#include "core/dense.h"
#include "core/loss.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[AE_KIND_COUNT] = {"ae"};

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

/* Widths of a column's inputs (without the indicator) and outputs. */
static int
column_width(const AeColumn *c)
{
	return c->kind == AE_COL_CATEGORICAL ? c->ncat + 1 : 1;
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
	int			nin = 0,
				nout = 0;
	AeStatus	st;

	if (model->ncols < 1 || model->ncols > AE_MAX_COLUMNS || model->cols == NULL)
		return AE_ECORRUPT;
	if (ae_kind_name(o->kind) == NULL || o->activation < 0 || o->activation >= AE_ACT_COUNT)
		return AE_ECORRUPT;
	if (o->nhidden < 0 || o->nhidden > AE_MAX_HIDDEN ||
		o->latent < 1 || o->latent > AE_MAX_WIDTH)
		return AE_ECORRUPT;
	for (int i = 0; i < o->nhidden; i++)
		if (o->hidden[i] < 1 || o->hidden[i] > AE_MAX_WIDTH)
			return AE_ECORRUPT;

	for (int c = 0; c < model->ncols; c++)
	{
		AeColumn   *col = &model->cols[c];

		if (col->kind > AE_COL_CATEGORICAL || col->transform > AE_TF_LOG1P)
			return AE_ECORRUPT;
		if (col->kind == AE_COL_CATEGORICAL &&
			(col->ncat < 0 || col->ncat > AE_MAX_CATEGORIES || (col->ncat > 0 && col->cats == NULL)))
			return AE_ECORRUPT;
		if (col->kind != AE_COL_CATEGORICAL && col->ncat != 0)
			return AE_ECORRUPT;
		if (!isfinite(col->center) || !isfinite(col->scale) || !(col->scale > 0) ||
			!isfinite(col->weight) || col->weight < 0)
			return AE_ECORRUPT;
		col->in_off = nin;
		col->in_width = column_width(col);
		col->out_off = nout;
		col->out_width = column_width(col);
		nin += col->in_width + ((col->flags & AE_COLFLAG_INDICATOR) ? 1 : 0);
		nout += col->out_width;
		if (nin > AE_MAX_COLUMNS * (AE_MAX_CATEGORIES + 2))
			return AE_ECORRUPT;
	}
	model->n_in = nin;
	model->n_out = nout;

	/* encoder n_in → hidden… → latent, decoder latent → …hidden → n_out */
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
		if ((st = add_layer(model, prev, o->latent, 0)) != AE_OK)
			return st;
		model->nencoder = model->nlayers;
		prev = o->latent;
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
	int			widest = model->n_in;

	memset(w, 0, sizeof(*w));
	w->max_batch = max_batch;
	for (int l = 0; l < model->nlayers; l++)
	{
		if (model->layers[l].nout > widest)
			widest = model->layers[l].nout;
		w->act[l] = ae_alloc(a, sizeof(ae_real) * (size_t) max_batch * model->layers[l].nout);
		if (!w->act[l])
			return AE_ENOMEM;
	}
	w->x = ae_alloc(a, sizeof(ae_real) * (size_t) max_batch * model->n_in);
	w->dout = ae_alloc(a, sizeof(ae_real) * (size_t) max_batch * model->n_out);
	w->d1 = ae_alloc(a, sizeof(ae_real) * (size_t) max_batch * widest);
	w->d2 = ae_alloc(a, sizeof(ae_real) * (size_t) max_batch * widest);
	w->row_loss = ae_alloc(a, sizeof(double) * max_batch);
	if (!w->x || !w->dout || !w->d1 || !w->d2 || !w->row_loss)
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
						{
							int			k = (int) tr[c];

							if (k < 0 || k > col->ncat)
								k = col->ncat;
							xr[col->in_off + k] = 1;
						}
						break;
				}
			}
			else if (col->flags & AE_COLFLAG_INDICATOR)
				xr[col->in_off + col->in_width] = 1;
		}
	}
}

/* Forward through layers [0, nlayers); activations stay in w for backward. */
static const ae_real *
forward_layers(const AeModel *model, AeWork *w, const ae_real *x, int B, int nlayers)
{
	const ae_real *inp = x;

	for (int l = 0; l < nlayers; l++)
	{
		const AeLayer *L = &model->layers[l];

		ae_dense_forward(w->act[l], inp, model->params + L->w_off,
						 model->params + L->b_off, B, L->nin, L->nout);
		ae_act_forward(L->act, w->act[l], (size_t) B * L->nout);
		inp = w->act[l];
	}
	return inp;
}

/* Forward through every layer. */
const ae_real *
ae_model_forward(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	return forward_layers(model, w, x, B, model->nlayers);
}

/* Forward through the encoder only. */
const ae_real *
ae_model_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	return forward_layers(model, w, x, B, model->nencoder);
}

/* Latent codes of the last forward pass. */
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
			{
				int			k = (int) t;

				if (k < 0 || k > col->ncat)
					k = col->ncat;
				return ae_loss_softmax_ce(z, col->ncat + 1, k, dz);
			}
	}
}

/* Weighted mean over observed columns, per row; mean over rows. */
double
ae_model_loss(const AeModel *model, const ae_real *out, const ae_real *t,
			  const uint8_t *m, int B, ae_real *dout, double *row_loss)
{
	double		total = 0;

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
			if (mr[c])
				wsum += model->cols[c].weight;
		for (int c = 0; c < model->ncols && wsum > 0; c++)
		{
			const AeColumn *col = &model->cols[c];
			double		scale = col->weight / wsum;

			if (!mr[c])
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

/* Per-column losses of one forwarded row. */
void
ae_model_column_losses(const AeModel *model, const ae_real *out, const ae_real *t,
					   const uint8_t *m, double *col_loss)
{
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];

		col_loss[c] = m[c] ? column_loss(col, out + col->out_off, t[c], NULL) : NAN;
	}
}

/* Backward through every layer, from the output gradient down to layer 0. */
void
ae_model_backward(const AeModel *model, AeWork *w, const ae_real *x,
				  const ae_real *dout, int B, ae_real *grads)
{
	ae_real    *d = w->d1;
	ae_real    *next = w->d2;

	memcpy(d, dout, sizeof(ae_real) * (size_t) B * model->n_out);
	for (int l = model->nlayers - 1; l >= 0; l--)
	{
		const AeLayer *L = &model->layers[l];
		const ae_real *inp = l > 0 ? w->act[l - 1] : x;
		ae_real    *tmp;

		ae_act_backward(L->act, d, w->act[l], (size_t) B * L->nout);
		ae_dense_backward(l > 0 ? next : NULL, grads + L->w_off, grads + L->b_off,
						  d, inp, model->params + L->w_off, B, L->nin, L->nout);
		tmp = d;
		d = next;
		next = tmp;
	}
}
