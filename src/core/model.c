/*
 * model.c — layout, initialisation, forward, per-column losses and backward
 * of the column autoencoder.
 */
#include "core/model.h"

#include "core/dense.h"
#include "core/kernels.h"
#include "core/loss.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

static const char *const kind_names[AE_KIND_COUNT] = {
	"ae", "denoising", "sparse", "contractive", "vae", "cvae", "lstm", "conv", "aae", "transformer"
};

/* Name of a kind. */
const char *
ae_kind_name(int kind)
{
	return (kind >= 0 && kind < AE_KIND_COUNT) ? kind_names[kind] : NULL;
}

/* Name of a score mode. */
const char *
ae_score_name(int score)
{
	static const char *const names[] = {"elbo", "reconstruction", "elbo_samples", "distance"};

	return (score >= 0 && score < (int) (sizeof(names) / sizeof(names[0]))) ? names[score] : NULL;
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

/* An array element: a number, not a condition, in a shape of at most AE_MAX_COLUMNS, placed inside it. */
static bool
element_ok(const AeColumn *col)
{
	int64_t		size = 1;

	if (col->kind != AE_COL_NUMERIC || (col->flags & AE_COLFLAG_CONDITION))
		return false;
	for (int d = 0; d < col->ndim; d++)
	{
		if (col->dims[d] < 1 || col->dims[d] > AE_MAX_COLUMNS)
			return false;
		size *= col->dims[d];
		if (size > AE_MAX_COLUMNS)
			return false;
	}
	return col->elem >= 0 && col->elem < size;
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
		!AE_SCORE_FITS_KIND(o->score, o->kind))
		return AE_ECORRUPT;
	/* the latent is linear, or the sparse kind's sigmoid code */
	if (o->latent_activation != AE_ACT_IDENTITY &&
		!(o->latent_activation == AE_ACT_SIGMOID && o->kind == AE_KIND_SPARSE))
		return AE_ECORRUPT;
	if (o->nhidden < 0 || o->nhidden > AE_MAX_HIDDEN ||
		o->latent < 1 || o->latent > AE_MAX_WIDTH ||
		(o->score == AE_SCORE_DISTANCE && o->latent > AE_DISTANCE_MAX_LATENT))
		return AE_ECORRUPT;
	for (int i = 0; i < o->nhidden; i++)
		if (o->hidden[i] < 1 || o->hidden[i] > AE_MAX_WIDTH)
			return AE_ECORRUPT;

	model->cond_col = -1;
	for (int c = 0; c < model->ncols; c++)
	{
		AeColumn   *col = &model->cols[c];
		bool		cond = (col->flags & AE_COLFLAG_CONDITION) != 0;

		if (col->kind > AE_COL_CATEGORICAL || col->transform > AE_TF_SIGNED_LOG1P ||
			(col->flags & ~(AE_COLFLAG_INDICATOR | AE_COLFLAG_CONDITION)) != 0)
			return AE_ECORRUPT;
		/*
		 * a name, unique among the columns (rows are mapped to columns by
		 * name), but for the elements of one array: those share its shape,
		 * each at its own place in it, and are numbers
		 */
		if (col->name[0] == 0 || memchr(col->name, 0, AE_NAME_MAX) == NULL)
			return AE_ECORRUPT;
		if (col->ndim < 0 || col->ndim > AE_MAX_DIMS ||
			(col->ndim > 0 && !element_ok(col)))
			return AE_ECORRUPT;
		for (int p = 0; p < c; p++)
		{
			const AeColumn *other = &model->cols[p];

			if (strcmp(other->name, col->name) != 0)
				continue;
			if (col->ndim == 0 || other->ndim != col->ndim || other->elem == col->elem ||
				memcmp(other->dims, col->dims, sizeof(int) * col->ndim) != 0)
				return AE_ECORRUPT;
		}
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
		/* exactly one condition column in a cvae, any number in an lstm, none elsewhere */
		if (cond && o->kind != AE_KIND_LSTM && (o->kind != AE_KIND_CVAE || model->cond_col >= 0))
			return AE_ECORRUPT;
		col->in_off = nin;
		col->in_width = column_width(col);
		col->out_off = nout;
		col->out_width = cond ? 0 : column_width(col);
		nin += col->in_width + ((col->flags & AE_COLFLAG_INDICATOR) ? 1 : 0);
		nout += col->out_width;
		if (cond && o->kind == AE_KIND_CVAE)
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
	model->plain_outputs = nout == model->ncols;
	for (int c = 0; c < model->ncols; c++)
		if (model->cols[c].kind != AE_COL_NUMERIC || model->cols[c].out_width != 1 ||
			model->cols[c].weight != 1)
			model->plain_outputs = 0;
	model->dec_in = o->latent + cond_width;
	if (o->kind == AE_KIND_LSTM)
		return ae_seq_layout(model);
	if (o->kind == AE_KIND_CONV)
		return ae_conv_layout(model);
	if (o->kind == AE_KIND_TRANSFORMER)
		return ae_tf_layout(model);

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

/* Pack the dense layers for one row at a time; see model.h. */
AeStatus
ae_model_pack(AeModel *model, const AeAlloc *a)
{
	size_t		total = 0;

	if (model->opt.kind == AE_KIND_LSTM || model->opt.kind == AE_KIND_CONV ||
		model->opt.kind == AE_KIND_TRANSFORMER || model->nlayers == 0)
		return AE_OK;
	for (int l = 0; l < model->nlayers; l++)
	{
		model->layers[l].pk_off = total;
		total += ae_pack_size(model->layers[l].nin, model->layers[l].nout);
	}
	if ((model->packed = ae_alloc(a, sizeof(ae_real) * total)) == NULL)
		return AE_ENOMEM;
	for (int l = 0; l < model->nlayers; l++)
	{
		const AeLayer *L = &model->layers[l];

		ae_pack_layer(model->packed + L->pk_off, model->params + L->w_off,
					  model->params + L->b_off, L->nin, L->nout);
	}
	return AE_OK;
}

/* He-uniform for rectifiers, Xavier-uniform otherwise; biases zero. */
void
ae_model_init_params(AeModel *model, AeRng *rng)
{
	if (model->opt.kind == AE_KIND_LSTM)
	{
		ae_seq_init_params(model, rng);
		return;
	}
	if (model->opt.kind == AE_KIND_CONV)
	{
		ae_conv_init_params(model, rng);
		return;
	}
	if (model->opt.kind == AE_KIND_TRANSFORMER)
	{
		ae_tf_init_params(model, rng);
		return;
	}
	for (int l = 0; l < model->nlayers; l++)
	{
		const AeLayer *L = &model->layers[l];
		double		limit = (L->act == 1 || L->act == 4)
			? sqrt(6.0 / L->nin)
			: sqrt(6.0 / (L->nin + L->nout));
		ae_real    *w = model->params + L->w_off;

		ae_rng_fill_uniform(rng, w, (size_t) L->nin * L->nout, limit);
		memset(model->params + L->b_off, 0, sizeof(ae_real) * L->nout);
	}
}

/* Allocate scratch buffers. */
AeStatus
ae_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a)
{
	int			widest = model->n_in > model->dec_in ? model->n_in : model->dec_in;
	size_t		B;

	/* a transformer's work holds the passes of a row's held-out predictions */
	if (model->opt.kind == AE_KIND_TRANSFORMER && max_batch < ae_tf_heldout_rows(model))
		max_batch = ae_tf_heldout_rows(model);
	B = (size_t) max_batch;
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
	w->nz_idx = ae_alloc(a, sizeof(int) * model->n_in);
	w->nz_val = ae_alloc(a, sizeof(ae_real) * model->n_in);
	w->dout = ae_alloc(a, sizeof(ae_real) * B * (model->n_out > 0 ? model->n_out : 1));
	w->d1 = ae_alloc(a, sizeof(ae_real) * B * widest);
	w->d2 = ae_alloc(a, sizeof(ae_real) * B * widest);
	w->eps = ae_alloc(a, sizeof(ae_real) * B * model->opt.latent);
	w->z = ae_alloc(a, sizeof(ae_real) * B * model->dec_in);
	w->dz = ae_alloc(a, sizeof(ae_real) * B * model->dec_in);
	if (!w->x || !w->nz_idx || !w->nz_val || !w->dout || !w->d1 || !w->d2 || !w->eps ||
		!w->z || !w->dz)
		return AE_ENOMEM;
	if (model->opt.kind == AE_KIND_LSTM)
		return ae_seq_work_init(w, model, max_batch, a);
	if (model->opt.kind == AE_KIND_CONV)
		return ae_conv_work_init(w, model, max_batch, a);
	if (model->opt.kind == AE_KIND_TRANSFORMER)
		return ae_tf_work_init(w, model, max_batch, a);
	if (model->opt.kind == AE_KIND_AAE &&
		(w->adv_dz = ae_alloc(a, sizeof(ae_real) * B * model->opt.latent)) == NULL)
		return AE_ENOMEM;
	if (model->opt.kind == AE_KIND_CONTRACTIVE)
	{
		w->probe = ae_alloc(a, sizeof(ae_real) * B * model->n_in);
		w->probe_x = ae_alloc(a, sizeof(ae_real) * B * model->n_in);
		if (!w->probe || !w->probe_x)
			return AE_ENOMEM;
		for (int l = 0; l < model->nencoder; l++)
			if ((w->probe_act[l] = ae_alloc(a, sizeof(ae_real) * B * model->layers[l].nout)) == NULL)
				return AE_ENOMEM;
	}
	return AE_OK;
}

/* Hide a share of the observed values from the input; see model.h. */
void
ae_model_mask_inputs(const AeModel *model, const uint8_t *m, uint8_t *mi, int B, double share,
					 AeRng *rng)
{
	if (!(share > 0))
	{
		/* nothing hidden: every observed value is shown */
		memcpy(mi, m, (size_t) B * model->ncols);
		return;
	}
	for (int r = 0; r < B; r++)
		for (int c = 0; c < model->ncols; c++)
		{
			size_t		i = (size_t) r * model->ncols + c;

			/* a condition (cvae, lstm) is always given */
			mi[i] = m[i] && ((model->cols[c].flags & AE_COLFLAG_CONDITION) ||
							 !(share > 0 && ae_rng_uniform(rng) < share));
		}
}

/*
 * Column c's one nonzero-able input: its value (numeric; a boolean as ±1;
 * a category's one-hot 1) when observed, else its missing-value indicator
 * (1) when it has one.  Sets *i to the input's index in the row and
 * returns its value; false when the column gives none (missing, no
 * indicator).  Every other input of the column is 0.
 */
static inline bool
column_input(const AeColumn *col, ae_real t, uint8_t observed, int *i, ae_real *v)
{
	if (observed)
	{
		switch (col->kind)
		{
			case AE_COL_NUMERIC:
				*i = col->in_off;
				*v = t;
				return true;
			case AE_COL_BOOLEAN:
				*i = col->in_off;
				*v = 2 * t - 1;
				return true;
			default:
				*i = col->in_off + class_index(col, t);
				*v = 1;
				return true;
		}
	}
	if (col->flags & AE_COLFLAG_INDICATOR)
	{
		*i = col->in_off + col->in_width;
		*v = 1;
		return true;
	}
	return false;
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
			int			i;
			ae_real		v;

			if (column_input(&model->cols[c], tr[c], mr[c], &i, &v))
				xr[i] = v;
		}
	}
}

/*
 * One row's inputs into w->x, as ae_model_inputs makes them, and the list
 * of the nonzero ones (in w->nz_idx, w->nz_val, in increasing order, as
 * forward_layers would find them) for the first layer; returns how many.
 */
static int
row_inputs(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m)
{
	ae_real    *x = w->x;
	int		   *idx = w->nz_idx;
	ae_real    *val = w->nz_val;
	int			nnz = 0;

	memset(x, 0, sizeof(ae_real) * model->n_in);
	for (int c = 0; c < model->ncols; c++)
	{
		int			i;
		ae_real		v;

		if (!column_input(&model->cols[c], t[c], m[c], &i, &v))
			continue;
		x[i] = v;
		if (v != 0)
		{
			idx[nnz] = i;
			val[nnz++] = v;
		}
	}
	return nnz;
}

/*
 * The input of layer l: x, an earlier layer's output in act (w->act, or
 * w->probe_act for the contractive kind's second encoder pass), or the
 * decoder input z.
 */
static const ae_real *
layer_input(const AeModel *model, const AeWork *w, ae_real *const *act, const ae_real *x, int l)
{
	if (l == 0)
		return x;
	if (l == model->nencoder)
		return w->z;
	return act[l - 1];
}

/*
 * Forward through layers [from, to), outputs into act.  A one-row pass
 * through the packed layers takes the first layer from the row's nonzero
 * inputs (their indicators and one-hot categories are mostly zeros): the
 * nnz listed in w->nz_idx, w->nz_val by row_inputs, or, with nnz < 0,
 * found here.
 */
static const ae_real *
forward_layers(const AeModel *model, AeWork *w, ae_real *const *act, const ae_real *x, int B,
			   int from, int to, int nnz)
{
	for (int l = from; l < to; l++)
	{
		const AeLayer *L = &model->layers[l];

		if (B == 1 && model->packed && l == 0)
		{
			/* locals: the stores through idx and val might alias the rest */
			int			nin = L->nin;
			int		   *idx = w->nz_idx;
			ae_real    *val = w->nz_val;

			if (nnz < 0)
			{
				nnz = 0;
				for (int i = 0; i < nin; i++)
				{
					ae_real		v = x[i];

					if (v != 0)
					{
						idx[nnz] = i;
						val[nnz++] = v;
					}
				}
			}
			ae_dense_row_sparse(act[l], idx, val, nnz, model->packed + L->pk_off, L->nout);
		}
		else if (B == 1 && model->packed)
			ae_dense_row(act[l], layer_input(model, w, act, x, l), model->packed + L->pk_off,
						 L->nin, L->nout);
		else
			ae_dense_forward_ticked(act[l], layer_input(model, w, act, x, l),
									model->params + L->w_off, model->params + L->b_off, B,
									L->nin, L->nout, &w->ticker);
		ae_act_forward(L->act, act[l], (size_t) B * L->nout);
	}
	return act[to - 1];
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

/* Forward through every layer; nnz as forward_layers takes it. */
static const ae_real *
forward_net(const AeModel *model, AeWork *w, const ae_real *x, int B, int nnz)
{
	const ae_real *h;
	int			L = model->opt.latent;

	if (model->opt.kind == AE_KIND_LSTM)
		return ae_seq_forward(model, w, x, B);
	if (model->opt.kind == AE_KIND_CONV)
		return ae_conv_net_forward(model, w, x, B);
	if (model->opt.kind == AE_KIND_TRANSFORMER)
		return ae_tf_forward(model, w, x, B);
	h = forward_layers(model, w, w->act, x, B, 0, model->nencoder, nnz);

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
	return forward_layers(model, w, w->act, x, B, model->nencoder, model->nlayers, -1);
}

/* Forward through every layer. */
const ae_real *
ae_model_forward(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	return forward_net(model, w, x, B, -1);
}

/* One row from its values and mask: its inputs, then every layer; see model.h. */
const ae_real *
ae_model_forward_row(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m)
{
	int			nnz = row_inputs(model, w, t, m);

	return forward_net(model, w, w->x, 1, nnz);
}

/* Decode given latent points. */
const ae_real *
ae_model_decode(const AeModel *model, AeWork *w, const ae_real *z, const ae_real *x, int B)
{
	int			L = model->opt.latent;

	if (model->opt.kind == AE_KIND_LSTM)
		return ae_seq_decode(model, w, z, B);
	if (model->opt.kind == AE_KIND_CONV)
		return ae_conv_net_decode(model, w, z, B);
	for (int r = 0; r < B; r++)
		memcpy(w->z + (size_t) r * model->dec_in, z + (size_t) r * L, sizeof(ae_real) * L);
	copy_condition(model, w, x, B);
	return forward_layers(model, w, w->act, x, B, model->nencoder, model->nlayers, -1);
}

/* Forward through the encoder only; nnz as forward_layers takes it. */
static const ae_real *
encode_net(const AeModel *model, AeWork *w, const ae_real *x, int B, int nnz)
{
	if (model->opt.kind == AE_KIND_LSTM)
		return ae_seq_encode(model, w, x, B);
	if (model->opt.kind == AE_KIND_CONV)
		return ae_conv_net_encode(model, w, x, B);
	if (model->opt.kind == AE_KIND_TRANSFORMER)
		return ae_tf_encode(model, w, x, B);
	return forward_layers(model, w, w->act, x, B, 0, model->nencoder, nnz);
}

/* Forward through the encoder only. */
const ae_real *
ae_model_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	return encode_net(model, w, x, B, -1);
}

/* One row from its values and mask through the encoder; see model.h. */
const ae_real *
ae_model_encode_row(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m)
{
	int			nnz = row_inputs(model, w, t, m);

	return encode_net(model, w, w->x, 1, nnz);
}

/* The encoder output of the last pass. */
const ae_real *
ae_model_latent(const AeModel *model, const AeWork *w)
{
	if (model->opt.kind == AE_KIND_LSTM || model->opt.kind == AE_KIND_CONV ||
		model->opt.kind == AE_KIND_TRANSFORMER)
		return w->z;
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

/*
 * ae_model_loss over a model of plain outputs (numeric columns of weight
 * 1, in column order): a row's squared error in one vectorised pass.
 */
static double
plain_loss(const AeModel *model, const ae_real *out, const ae_real *t,
		   const uint8_t *m, int B, ae_real *dout, double *row_loss, double sum_scale)
{
	int			nc = model->ncols;
	double		total = 0;

	for (int r = 0; r < B; r++)
	{
		const uint8_t *mr = m + (size_t) r * nc;
		int			observed = 0;
		double		per_weight,
					lsum;

		for (int c = 0; c < nc; c++)
			observed += mr[c];
		if (row_loss)
			row_loss[r] = 0;
		if (observed == 0)
			continue;
		/* a column's share: 1 over the row's observed columns */
		per_weight = sum_scale / observed;
		lsum = per_weight * ae_sq_loss_row(out + (size_t) r * nc, t + (size_t) r * nc, mr, nc,
										   (ae_real) (per_weight / B),
										   dout ? dout + (size_t) r * nc : NULL);
		if (row_loss)
			row_loss[r] = lsum;
		total += lsum;
	}
	return total / B;
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
	if (model->plain_outputs)
		return plain_loss(model, out, t, m, B, dout, row_loss, sum_scale);
	for (int r = 0; r < B; r++)
	{
		const ae_real *zr = out + (size_t) r * model->n_out;
		const ae_real *tr = t + (size_t) r * model->ncols;
		const uint8_t *mr = m + (size_t) r * model->ncols;
		ae_real    *dr = dout ? dout + (size_t) r * model->n_out : NULL;
		double		wsum = 0,
					lsum = 0,
					per_weight,
					grad_scale;

		for (int c = 0; c < model->ncols; c++)
			if (mr[c] && model->cols[c].out_width > 0)
				wsum += model->cols[c].weight;
		if (row_loss)
			row_loss[r] = 0;
		if (wsum <= 0)
			continue;
		/* a column's share: its weight over the row's observed weight */
		per_weight = sum_scale / wsum;
		grad_scale = per_weight / B;
		for (int c = 0; c < model->ncols; c++)
		{
			const AeColumn *col = &model->cols[c];
			ae_real    *dz = dr ? dr + col->out_off : NULL;

			if (!mr[c] || col->out_width == 0)
				continue;
			lsum += col->weight * column_loss(col, zr + col->out_off, tr[c], dz);
			if (dz)
			{
				ae_real		f = (ae_real) (col->weight * grad_scale);

				for (int k = 0; k < col->out_width; k++)
					dz[k] *= f;
			}
		}
		lsum *= per_weight;
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

/*
 * The contractive kind's second encoder pass, at x + σ·v (v = w->probe),
 * into w->probe_x and w->probe_act; returns its latent codes (B, latent).
 */
static const ae_real *
probe_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	for (size_t i = 0; i < (size_t) B * model->n_in; i++)
		w->probe_x[i] = (ae_real) (x[i] + AE_CONTRACTIVE_STEP * w->probe[i]);
	return forward_layers(model, w, w->probe_act, w->probe_x, B, 0, model->nencoder, -1);
}

/* The contractive penalty's probe directions for B rows; see model.h. */
void
ae_model_draw_probe(const AeModel *model, AeWork *w, int B, AeRng *rng)
{
	uint64_t	bits = 0;

	if (model->opt.kind != AE_KIND_CONTRACTIVE || model->opt.contractive <= 0)
		return;
	for (size_t i = 0; i < (size_t) B * model->n_in; i++)
	{
		if (i % 64 == 0)
			bits = ae_rng_next(rng);
		w->probe[i] = (bits >> (i % 64)) & 1 ? 1 : -1;
	}
}

/* contractive / σ²: what turns a squared latent difference into the penalty. */
static inline double
contractive_scale(const AeModel *model)
{
	return model->opt.contractive / (AE_CONTRACTIVE_STEP * AE_CONTRACTIVE_STEP);
}

/* The kind's regularizer; see model.h. */
double
ae_model_penalty(const AeModel *model, AeWork *w, const ae_real *x, int B,
				 double *row_penalty)
{
	const AeOptions *o = &model->opt;
	const ae_real *h = ae_model_latent(model, w);
	int			L = o->latent;
	double		total = 0;

	if (row_penalty)
		for (int r = 0; r < B; r++)
			row_penalty[r] = 0;
	if (AE_KIND_IS_VARIATIONAL(o->kind))
	{
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
		for (int j = 0; j < L; j++)
		{
			double		p = clamp_rate(rate[j]);

			total += rho * log(rho / p) + (1 - rho) * log((1 - rho) / (1 - p));
		}
		return o->sparsity * total;
	}
	if (o->kind == AE_KIND_AAE && w->adv)
	{
		/* the codes' cross-entropy as the discriminator of the moment labels them */
		return ae_adversary_fool(w->adv, h, B, o->adversarial, w->adv_dz, row_penalty);
	}
	if (o->kind == AE_KIND_CONTRACTIVE && o->contractive > 0)
	{
		/* ‖h(x + σv) − h(x)‖² / σ² per row: about ‖J v‖², whose mean over v is ‖J‖²_F */
		const ae_real *hp = probe_encode(model, w, x, B);
		double		scale = contractive_scale(model);

		for (int r = 0; r < B; r++)
		{
			double		s = 0;

			for (int j = 0; j < L; j++)
			{
				double		d = (double) hp[(size_t) r * L + j] - h[(size_t) r * L + j];

				s += d * d;
			}
			if (row_penalty)
				row_penalty[r] = scale * s;
			total += scale * s;
		}
		return total / B;
	}
	return 0;
}

/*
 * Add sign · the contractive penalty's gradient with respect to the probe
 * pass's latent codes, 2 · contractive / (σ² B) · (h(x + σv) − h(x)), to
 * d: (B, latent); the first pass's gradient is its opposite.
 */
static void
add_contractive_latent_grad(const AeModel *model, const AeWork *w, int B, double sign, ae_real *d)
{
	const ae_real *h = ae_model_latent(model, w);
	const ae_real *hp = w->probe_act[model->nencoder - 1];
	double		c = sign * 2 * contractive_scale(model) / B;

	for (size_t k = 0; k < (size_t) B * model->opt.latent; k++)
		d[k] += (ae_real) (c * ((double) hp[k] - h[k]));
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
	else if (o->kind == AE_KIND_CONTRACTIVE && o->contractive > 0)
		add_contractive_latent_grad(model, w, B, -1, d);
	else if (o->kind == AE_KIND_AAE && w->adv)
		for (size_t k = 0; k < (size_t) B * L; k++)
			d[k] += w->adv_dz[k];
}

/*
 * Backward through layer l, whose input was inp and output out: d, the
 * gradient of its output, becomes that of its pre-activation; adds into
 * grads and writes dinp (skipped when NULL).
 */
static void
backward_layer(const AeModel *model, AeWork *w, int l, ae_real *d, ae_real *dinp,
			   const ae_real *inp, const ae_real *out, int B, ae_real *grads)
{
	const AeLayer *Ly = &model->layers[l];

	ae_act_backward(Ly->act, d, out, (size_t) B * Ly->nout);
	ae_dense_backward_ticked(dinp, grads + Ly->w_off, grads + Ly->b_off, d, inp,
							 model->params + Ly->w_off, B, Ly->nin, Ly->nout, &w->ticker);
}

/*
 * The contractive penalty's gradient through its second encoder pass,
 * from the latent down to layer 0 (after the main backward pass, whose
 * buffers d1 and d2 it reuses).
 */
static void
probe_backward(const AeModel *model, AeWork *w, int B, ae_real *grads)
{
	ae_real    *d = w->d1;
	ae_real    *next = w->d2;
	ae_real    *tmp;

	memset(d, 0, sizeof(ae_real) * (size_t) B * model->opt.latent);
	add_contractive_latent_grad(model, w, B, 1, d);
	for (int l = model->nencoder - 1; l >= 0; l--)
	{
		backward_layer(model, w, l, d, l == 0 ? NULL : next,
					   layer_input(model, w, w->probe_act, w->probe_x, l), w->probe_act[l], B, grads);
		tmp = d;
		d = next;
		next = tmp;
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

	if (o->kind == AE_KIND_LSTM)
	{
		ae_seq_backward(model, w, dout, B, grads);
		return;
	}
	if (o->kind == AE_KIND_CONV)
	{
		ae_conv_net_backward(model, w, dout, B, grads);
		return;
	}
	if (o->kind == AE_KIND_TRANSFORMER)
	{
		ae_tf_backward(model, w, x, dout, B, grads);
		return;
	}
	memcpy(d, dout, sizeof(ae_real) * (size_t) B * model->n_out);
	for (int l = model->nlayers - 1; l >= 0; l--)
	{
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
		backward_layer(model, w, l, d, dinp, layer_input(model, w, w->act, x, l), w->act[l], B, grads);
		tmp = d;
		d = next;
		next = tmp;
	}
	if (o->kind == AE_KIND_CONTRACTIVE && o->contractive > 0)
		probe_backward(model, w, B, grads);
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

/*
 * Each observed cell of the row t, m predicted with that cell alone
 * hidden, into dst: batches of up to w->max_batch copies of the row, one
 * cell hidden in each.
 */
static void
predict_heldout(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m,
				ae_real *dst)
{
	int			nc = model->ncols;

	for (int c0 = 0, c1; c0 < nc; c0 = c1)
	{
		int			B = 0;
		const ae_real *out;

		for (c1 = c0; c1 < nc && B < w->max_batch; c1++)
		{
			if (!m[c1] || model->cols[c1].out_width == 0)
				continue;
			memcpy(w->ho_t + (size_t) B * nc, t, sizeof(ae_real) * nc);
			memcpy(w->ho_m + (size_t) B * nc, m, nc);
			w->ho_m[(size_t) B * nc + c1] = 0;
			B++;
		}
		if (B == 0)
			continue;
		ae_model_inputs(model, w->ho_t, w->ho_m, w->x, B);
		out = ae_model_forward(model, w, w->x, B);
		B = 0;
		for (int c = c0; c < c1; c++)
		{
			const AeColumn *col = &model->cols[c];

			if (!m[c] || col->out_width == 0)
				continue;
			memcpy(dst + col->out_off, out + (size_t) B * model->n_out + col->out_off,
				   sizeof(ae_real) * col->out_width);
			B++;
		}
	}
}

/* The outputs a model shows for a row; see model.h. */
const ae_real *
ae_model_reconstruct(const AeModel *model, AeWork *w, const ae_real *t, const uint8_t *m)
{
	const ae_real *out;

	if (AE_KIND_PREDICTS_HIDDEN(model->opt.kind))
		predict_heldout(model, w, t, m, w->ho_out);
	out = ae_model_forward_row(model, w, t, m);
	if (!AE_KIND_PREDICTS_HIDDEN(model->opt.kind))
		return out;
	/* the missing cells, as the row shows them */
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];

		if (!m[c])
			memcpy(w->ho_out + col->out_off, out + col->out_off, sizeof(ae_real) * col->out_width);
	}
	return w->ho_out;
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

	if (!AE_KIND_IS_VARIATIONAL(o->kind))
	{
		out = ae_model_reconstruct(model, w, t, m);
		ae_model_loss(model, out, t, m, 1, NULL, &recon);
		if (o->score == AE_SCORE_DISTANCE)
			return recon / model->recon_mean + ae_model_code_distance(model, ae_model_latent(model, w));
		return recon;
	}
	ae_model_inputs(model, t, m, w->x, 1);
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
