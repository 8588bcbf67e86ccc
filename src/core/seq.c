/*
 * seq.c — the lstm kind: a sequence autoencoder built from the LSTM layer
 * (lstm.h) and dense layers (dense.h).
 *
 * The sequence is the model's one array column, a step per element; a
 * step's input is its standardised value and its missing indicator (a
 * missing value is fed as 0 with the indicator 1, as in every kind), and
 * the conditions' inputs: the row's other modelled columns, given at every
 * step of both stacks and never reconstructed.  Stacked encoder LSTMs read
 * the steps; the last layer's last state, through a dense layer, is the
 * latent.  The decoder's layers start from states made from the latent,
 * the first given the latent at every step; a dense layer turns each of
 * the last layer's states into the step's value.  The outputs (B, T) are
 * the model's outputs, one per element column, so losses, scores,
 * imputation and explanations are the column autoencoder's.  See
 * AeSeqLayout in model.h for the shapes.
 */
#include "core/model.h"

#include "core/dense.h"
#include "core/lstm.h"

#include <math.h>
#include <string.h>

/* Inputs of encoder layer k, and of decoder layer j. */
static int
enc_in(const AeSeqLayout *s, int k)
{
	return k == 0 ? s->ni + s->cw : s->units[k - 1];
}

static int
dec_units(const AeSeqLayout *s, int j)
{
	return s->units[s->K - 1 - j];
}

static int
dec_in(const AeSeqLayout *s, int j, int L)
{
	return j == 0 ? L + s->cw : dec_units(s, j - 1);
}

/*
 * The elements of one 1-D array, in order, with the same inputs, are the
 * steps; every other column is a condition.
 */
AeStatus
ae_seq_layout(AeModel *model)
{
	const AeOptions *o = &model->opt;
	AeSeqLayout *s = &model->seq;
	int			L = o->latent,
				T = 0,
				first = -1,
				cw = 0;
	size_t		p = 0;

	if (o->nhidden < 1 || o->nhidden > AE_MAX_HIDDEN || L < 1 || L > AE_MAX_WIDTH)
		return AE_ECORRUPT;
	for (int k = 0; k < o->nhidden; k++)
		if (o->hidden[k] < 1 || o->hidden[k] > AE_MAX_WIDTH)
			return AE_ECORRUPT;
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];

		if (col->flags & AE_COLFLAG_CONDITION)
		{
			if (col->ndim != 0)
				return AE_ECORRUPT;
			cw += col->in_width + ((col->flags & AE_COLFLAG_INDICATOR) ? 1 : 0);
			continue;
		}
		if (first < 0)
			first = c;
		if (col->ndim != 1 || col->elem != T || col->kind != AE_COL_NUMERIC ||
			col->flags != model->cols[first].flags ||
			strcmp(col->name, model->cols[first].name) != 0)
			return AE_ECORRUPT;
		s->step[T++] = c;
	}
	if (T < 1 || model->cols[first].dims[0] != T || cw > AE_MAX_WIDTH)
		return AE_ECORRUPT;
	s->T = T;
	s->K = o->nhidden;
	memcpy(s->units, o->hidden, sizeof(int) * s->K);
	s->ni = model->cols[first].in_width + ((model->cols[first].flags & AE_COLFLAG_INDICATOR) ? 1 : 0);
	s->cw = cw;
#define TAKE(field, n) do { s->field = p; p += (size_t) (n); } while (0)
	for (int k = 0; k < s->K; k++)
	{
		size_t		G = 4 * (size_t) s->units[k];

		TAKE(enc_wx[k], G * enc_in(s, k));
		TAKE(enc_wh[k], G * s->units[k]);
		TAKE(enc_b[k], G);
	}
	TAKE(lat_w, (size_t) L * s->units[s->K - 1]);
	TAKE(lat_b, L);
	for (int j = 0; j < s->K; j++)
	{
		size_t		G = 4 * (size_t) dec_units(s, j);

		TAKE(init_w[j], (size_t) dec_units(s, j) * L);
		TAKE(init_b[j], dec_units(s, j));
		TAKE(dec_wx[j], G * dec_in(s, j, L));
		TAKE(dec_wh[j], G * dec_units(s, j));
		TAKE(dec_b[j], G);
	}
	TAKE(out_w, s->units[0]);
	TAKE(out_b, 1);
#undef TAKE
	model->nlayers = 0;
	model->nencoder = 0;
	model->nparams = p;
	/* as every kind's: parameters addressable as float32 bytes well under 1 GB */
	return p > ((size_t) 1 << 27) ? AE_ECORRUPT : AE_OK;
}

/* One LSTM's weights and biases uniform in ±1/√H (PyTorch's default), forget biases +1. */
static void
init_lstm(ae_real *wx, ae_real *wh, ae_real *b, int nin, int H, AeRng *rng)
{
	double		k = 1 / sqrt((double) H);

	ae_rng_fill_uniform(rng, wx, (size_t) 4 * H * nin, k);
	ae_rng_fill_uniform(rng, wh, (size_t) 4 * H * H, k);
	ae_rng_fill_uniform(rng, b, (size_t) 4 * H, k);
	for (int j = 0; j < H; j++)
		b[H + j] += 1;			/* early training remembers */
}

/* LSTMs as init_lstm; dense weights Xavier-uniform, their biases zero. */
void
ae_seq_init_params(AeModel *model, AeRng *rng)
{
	const AeSeqLayout *s = &model->seq;
	ae_real    *p = model->params;
	int			L = model->opt.latent,
				top = s->units[s->K - 1];

	/* the LSTMs first, then the dense layers: one layer draws as it did before stacking */
	for (int k = 0; k < s->K; k++)
		init_lstm(p + s->enc_wx[k], p + s->enc_wh[k], p + s->enc_b[k], enc_in(s, k),
				  s->units[k], rng);
	for (int j = 0; j < s->K; j++)
		init_lstm(p + s->dec_wx[j], p + s->dec_wh[j], p + s->dec_b[j], dec_in(s, j, L),
				  dec_units(s, j), rng);
	ae_rng_fill_uniform(rng, p + s->lat_w, (size_t) L * top, sqrt(6.0 / (L + top)));
	memset(p + s->lat_b, 0, sizeof(ae_real) * L);
	for (int j = 0; j < s->K; j++)
	{
		int			H = dec_units(s, j);

		ae_rng_fill_uniform(rng, p + s->init_w[j], (size_t) H * L, sqrt(6.0 / (L + H)));
		memset(p + s->init_b[j], 0, sizeof(ae_real) * H);
	}
	ae_rng_fill_uniform(rng, p + s->out_w, (size_t) s->units[0], sqrt(6.0 / (s->units[0] + 1)));
	p[s->out_b] = 0;
}

/* Scratch for batches of up to max_batch sequences. */
AeStatus
ae_seq_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a)
{
	const AeSeqLayout *s = &model->seq;
	size_t		B = (size_t) max_batch,
				T = (size_t) s->T,
				L = (size_t) model->opt.latent,
				widest = 1,
				widest_in;

	for (int k = 0; k < s->K; k++)
	{
		size_t		H = (size_t) s->units[k];

		widest = H > widest ? H : widest;
		w->enc_h[k] = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
		w->enc_c[k] = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
		w->enc_g[k] = ae_alloc(a, sizeof(ae_real) * T * B * 4 * H);
		H = (size_t) dec_units(s, k);
		w->dec_h[k] = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
		w->dec_c[k] = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
		w->dec_g[k] = ae_alloc(a, sizeof(ae_real) * T * B * 4 * H);
		if (!w->enc_h[k] || !w->enc_c[k] || !w->enc_g[k] || !w->dec_h[k] || !w->dec_c[k] ||
			!w->dec_g[k])
			return AE_ENOMEM;
	}
	/* a layer's inputs: the steps', the latent and conditions, or a layer's states */
	widest_in = L + s->cw;
	widest_in = (size_t) (s->ni + s->cw) > widest_in ? (size_t) (s->ni + s->cw) : widest_in;
	widest_in = widest > widest_in ? widest : widest_in;
	w->seq_x = ae_alloc(a, sizeof(ae_real) * T * B * (s->ni + s->cw));
	w->dec_x = ae_alloc(a, sizeof(ae_real) * T * B * (L + s->cw));
	w->seq_y = ae_alloc(a, sizeof(ae_real) * T * B);
	w->seq_out = ae_alloc(a, sizeof(ae_real) * T * B);
	w->seq_dh[0] = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * widest);
	w->seq_dh[1] = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * widest);
	w->seq_dx = ae_alloc(a, sizeof(ae_real) * T * B * widest_in);
	w->seq_work = ae_alloc(a, sizeof(ae_real) * ae_lstm_work_size(s->T, max_batch, (int) widest));
	w->seq_d1 = ae_alloc(a, sizeof(ae_real) * B * (widest > L ? widest : L));
	w->seq_d2 = ae_alloc(a, sizeof(ae_real) * B * (widest > L ? widest : L));
	if (!w->seq_x || !w->dec_x || !w->seq_y || !w->seq_out || !w->seq_dh[0] || !w->seq_dh[1] ||
		!w->seq_dx || !w->seq_work || !w->seq_d1 || !w->seq_d2)
		return AE_ENOMEM;
	return AE_OK;
}

/* A row's conditions' inputs (indicators included), in column order, into out: (cw). */
static void
gather_conditions(const AeModel *model, const ae_real *xr, ae_real *out)
{
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];
		int			width = col->in_width + ((col->flags & AE_COLFLAG_INDICATOR) ? 1 : 0);

		if (!(col->flags & AE_COLFLAG_CONDITION))
			continue;
		memcpy(out, xr + col->in_off, sizeof(ae_real) * width);
		out += width;
	}
}

/*
 * Run an LSTM from a zero state (h0 NULL) or from h0: (B, H), c0 = 0, over
 * inputs x: (T, B, nin), into h, c, g.
 */
static void
run_lstm(ae_real *h, ae_real *c, ae_real *g, const ae_real *h0, const ae_real *x,
		 const ae_real *p, size_t wx, size_t wh, size_t b, int T, int B, int nin, int H)
{
	if (h0)
		memcpy(h, h0, sizeof(ae_real) * B * H);
	else
		memset(h, 0, sizeof(ae_real) * B * H);
	memset(c, 0, sizeof(ae_real) * B * H);
	ae_lstm_forward(h, c, g, x, NULL, p + wx, p + wh, p + b, T, B, nin, H);
}

/* The encoder: the steps' inputs time-major, the stacked LSTMs, the latent into w->z. */
const ae_real *
ae_seq_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const AeSeqLayout *s = &model->seq;
	const ae_real *p = model->params;
	int			T = s->T,
				L = model->opt.latent,
				nx = s->ni + s->cw,
				top = s->units[s->K - 1];

	/* step t's inputs: its element's value and indicator, then every condition's inputs */
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
		{
			ae_real    *xt = w->seq_x + ((size_t) t * B + r) * nx;

			memcpy(xt, x + (size_t) r * model->n_in + model->cols[s->step[t]].in_off,
				   sizeof(ae_real) * s->ni);
			gather_conditions(model, x + (size_t) r * model->n_in, xt + s->ni);
		}
	for (int k = 0; k < s->K; k++)
	{
		/* layer k reads the steps, or the states h_1..h_T of the layer below */
		const ae_real *in = k == 0 ? w->seq_x : w->enc_h[k - 1] + (size_t) B * s->units[k - 1];

		run_lstm(w->enc_h[k], w->enc_c[k], w->enc_g[k], NULL, in, p, s->enc_wx[k], s->enc_wh[k],
				 s->enc_b[k], T, B, enc_in(s, k), s->units[k]);
	}
	ae_dense_forward(w->z, w->enc_h[s->K - 1] + (size_t) T * B * top, p + s->lat_w, p + s->lat_b,
					 B, top, L);
	return w->z;
}

/* The decoder from latent points z: (B, L); returns the outputs (B, T). */
const ae_real *
ae_seq_decode(const AeModel *model, AeWork *w, const ae_real *z, int B)
{
	const AeSeqLayout *s = &model->seq;
	const ae_real *p = model->params;
	int			T = s->T,
				L = model->opt.latent,
				last = s->K - 1;

	if (z != w->z)
		memcpy(w->z, z, sizeof(ae_real) * B * L);
	/* the first layer's input at every step: the latent, then the conditions (as encoded) */
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
		{
			ae_real    *d = w->dec_x + ((size_t) t * B + r) * (L + s->cw);

			memcpy(d, w->z + (size_t) r * L, sizeof(ae_real) * L);
			memcpy(d + L, w->seq_x + (size_t) r * (s->ni + s->cw) + s->ni, sizeof(ae_real) * s->cw);
		}
	for (int j = 0; j < s->K; j++)
	{
		int			H = dec_units(s, j);
		const ae_real *in = j == 0 ? w->dec_x : w->dec_h[j - 1] + (size_t) B * dec_units(s, j - 1);

		/* its initial state from the latent: h_0 = tanh(init_w · z + init_b) */
		ae_dense_forward(w->seq_d1, w->z, p + s->init_w[j], p + s->init_b[j], B, L, H);
		ae_act_forward(AE_ACT_TANH, w->seq_d1, (size_t) B * H);
		run_lstm(w->dec_h[j], w->dec_c[j], w->dec_g[j], w->seq_d1, in, p, s->dec_wx[j],
				 s->dec_wh[j], s->dec_b[j], T, B, dec_in(s, j, L), H);
	}
	/* every step's value at once: (T·B, units[0]) · out_wᵀ */
	ae_dense_forward(w->seq_y, w->dec_h[last] + (size_t) B * s->units[0], p + s->out_w,
					 p + s->out_b, T * B, s->units[0], 1);
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
			w->seq_out[(size_t) r * T + t] = w->seq_y[(size_t) t * B + r];
	return w->seq_out;
}

/* Encoder then decoder. */
const ae_real *
ae_seq_forward(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	ae_seq_encode(model, w, x, B);
	return ae_seq_decode(model, w, w->z, B);
}

/* Backward through decoder and encoder, after ae_seq_forward of the same rows. */
void
ae_seq_backward(const AeModel *model, AeWork *w, const ae_real *dout, int B, ae_real *grads)
{
	const AeSeqLayout *s = &model->seq;
	const ae_real *p = model->params;
	int			T = s->T,
				L = model->opt.latent,
				last = s->K - 1,
				top = s->units[last];
	ae_real    *dy = w->seq_y,	/* (T, B): the forward's values are no longer needed */
			   *dz = w->seq_d2,
			   *dh = w->seq_dh[0],
			   *next = w->seq_dh[1],
			   *tmp;

	/* the outputs' gradient, time-major, back through the output layer to the last states */
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
			dy[(size_t) t * B + r] = dout[(size_t) r * T + t];
	memset(dh, 0, sizeof(ae_real) * B * s->units[0]);
	ae_dense_backward(dh + (size_t) B * s->units[0], grads + s->out_w, grads + s->out_b, dy,
					  w->dec_h[last] + (size_t) B * s->units[0], p + s->out_w, T * B,
					  s->units[0], 1);
	memset(dz, 0, sizeof(ae_real) * B * L);

	/* the decoder's layers, last first: to their inputs and their initial states */
	for (int j = last; j >= 0; j--)
	{
		int			H = dec_units(s, j),
					nin = dec_in(s, j, L);

		ae_lstm_backward(w->seq_dx, w->seq_d1, NULL, grads + s->dec_wx[j], grads + s->dec_wh[j],
						 grads + s->dec_b[j], dh, NULL, w->dec_h[j], w->dec_c[j], w->dec_g[j],
						 j == 0 ? w->dec_x : w->dec_h[j - 1] + (size_t) B * dec_units(s, j - 1),
						 NULL, p + s->dec_wx[j], p + s->dec_wh[j], T, B, nin, H, w->seq_work);
		/* h_0 = tanh(init_w · z + init_b): its gradient back to the latent */
		ae_act_backward(AE_ACT_TANH, w->seq_d1, w->dec_h[j], (size_t) B * H);
		ae_dense_backward(next, grads + s->init_w[j], grads + s->init_b[j], w->seq_d1, w->z,
						  p + s->init_w[j], B, L, H);
		for (size_t k = 0; k < (size_t) B * L; k++)
			dz[k] += next[k];
		if (j == 0)
		{
			/* the latent's share of every step's input (the conditions are given) */
			for (int t = 0; t < T; t++)
				for (int r = 0; r < B; r++)
					for (int q = 0; q < L; q++)
						dz[(size_t) r * L + q] += w->seq_dx[((size_t) t * B + r) * nin + q];
			break;
		}
		/* the inputs' gradient is the gradient on the states h_1..h_T of the layer below */
		memset(next, 0, sizeof(ae_real) * B * dec_units(s, j - 1));
		memcpy(next + (size_t) B * dec_units(s, j - 1), w->seq_dx,
			   sizeof(ae_real) * T * B * dec_units(s, j - 1));
		tmp = dh;
		dh = next;
		next = tmp;
	}

	/* latent = lat_w · h_T + lat_b, then the encoder's layers, last first */
	memset(dh, 0, sizeof(ae_real) * (size_t) T * B * top);
	ae_dense_backward(dh + (size_t) T * B * top, grads + s->lat_w, grads + s->lat_b, dz,
					  w->enc_h[last] + (size_t) T * B * top, p + s->lat_w, B, top, L);
	for (int k = last; k >= 0; k--)
	{
		int			H = s->units[k];
		const ae_real *in = k == 0 ? w->seq_x : w->enc_h[k - 1] + (size_t) B * s->units[k - 1];

		ae_lstm_backward(k == 0 ? NULL : w->seq_dx, NULL, NULL, grads + s->enc_wx[k],
						 grads + s->enc_wh[k], grads + s->enc_b[k], dh, NULL, w->enc_h[k],
						 w->enc_c[k], w->enc_g[k], in, NULL, p + s->enc_wx[k], p + s->enc_wh[k],
						 T, B, enc_in(s, k), H, w->seq_work);
		if (k == 0)
			break;
		memset(next, 0, sizeof(ae_real) * B * s->units[k - 1]);
		memcpy(next + (size_t) B * s->units[k - 1], w->seq_dx,
			   sizeof(ae_real) * T * B * s->units[k - 1]);
		tmp = dh;
		dh = next;
		next = tmp;
	}
}
