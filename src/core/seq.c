/*
 * seq.c — the lstm kind: a sequence autoencoder built from the LSTM layer
 * (lstm.h) and dense layers (dense.h).
 *
 * The sequence is the model's one array column, a step per element; a
 * step's input is its standardised value and its missing indicator (a
 * missing value is fed as 0 with the indicator 1, as in every kind), and
 * the conditions' inputs: the row's other modelled columns, given at every
 * step of both LSTMs and never reconstructed.  An
 * encoder LSTM reads the steps; its last state, through a dense layer, is
 * the latent.  The decoder starts from a state made from the latent and is
 * given the latent at every step; a dense layer turns each of its states
 * into the step's value.  The outputs (B, T) are the model's outputs, one
 * per element column, so losses, scores, imputation and explanations are
 * the column autoencoder's.  See AeSeqLayout in model.h for the shapes.
 */
#include "core/model.h"

#include "core/dense.h"
#include "core/lstm.h"

#include <math.h>
#include <string.h>

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
				H = o->nhidden == 1 ? o->hidden[0] : 0,
				T = 0,
				first = -1,
				cw = 0;
	size_t		p = 0;

	if (H < 1 || H > AE_MAX_WIDTH || L < 1 || L > AE_MAX_WIDTH)
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
	s->H = H;
	s->ni = model->cols[first].in_width + ((model->cols[first].flags & AE_COLFLAG_INDICATOR) ? 1 : 0);
	s->cw = cw;
#define TAKE(field, n) do { s->field = p; p += (size_t) (n); } while (0)
	TAKE(enc_wx, 4 * H * (s->ni + cw));
	TAKE(enc_wh, 4 * H * H);
	TAKE(enc_b, 4 * H);
	TAKE(lat_w, L * H);
	TAKE(lat_b, L);
	TAKE(init_w, H * L);
	TAKE(init_b, H);
	TAKE(dec_wx, 4 * H * (L + cw));
	TAKE(dec_wh, 4 * H * H);
	TAKE(dec_b, 4 * H);
	TAKE(out_w, H);
	TAKE(out_b, 1);
#undef TAKE
	model->nlayers = 0;
	model->nencoder = 0;
	model->nparams = p;
	/* as every kind's: parameters addressable as float32 bytes well under 1 GB */
	return p > ((size_t) 1 << 27) ? AE_ECORRUPT : AE_OK;
}

/* Fill n values uniformly from [-limit, limit). */
static void
uniform(ae_real *a, size_t n, double limit, AeRng *rng)
{
	for (size_t i = 0; i < n; i++)
		a[i] = (ae_real) ((2 * ae_rng_uniform(rng) - 1) * limit);
}

/*
 * LSTM weights and biases uniform in ±1/√H (PyTorch's default), the
 * forget gates' biases 1 more so that early training remembers; dense
 * weights Xavier-uniform, their biases zero.
 */
void
ae_seq_init_params(AeModel *model, AeRng *rng)
{
	const AeSeqLayout *s = &model->seq;
	ae_real    *p = model->params;
	int			H = s->H,
				L = model->opt.latent;
	double		k = 1 / sqrt((double) H);

	uniform(p + s->enc_wx, (size_t) 4 * H * (s->ni + s->cw), k, rng);
	uniform(p + s->enc_wh, (size_t) 4 * H * H, k, rng);
	uniform(p + s->enc_b, (size_t) 4 * H, k, rng);
	uniform(p + s->dec_wx, (size_t) 4 * H * (L + s->cw), k, rng);
	uniform(p + s->dec_wh, (size_t) 4 * H * H, k, rng);
	uniform(p + s->dec_b, (size_t) 4 * H, k, rng);
	for (int j = 0; j < H; j++)
	{
		p[s->enc_b + H + j] += 1;
		p[s->dec_b + H + j] += 1;
	}
	uniform(p + s->lat_w, (size_t) L * H, sqrt(6.0 / (L + H)), rng);
	memset(p + s->lat_b, 0, sizeof(ae_real) * L);
	uniform(p + s->init_w, (size_t) H * L, sqrt(6.0 / (L + H)), rng);
	memset(p + s->init_b, 0, sizeof(ae_real) * H);
	uniform(p + s->out_w, (size_t) H, sqrt(6.0 / (H + 1)), rng);
	p[s->out_b] = 0;
}

/* Scratch for batches of up to max_batch sequences. */
AeStatus
ae_seq_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a)
{
	const AeSeqLayout *s = &model->seq;
	size_t		B = (size_t) max_batch,
				T = (size_t) s->T,
				H = (size_t) s->H,
				L = (size_t) model->opt.latent,
				wide = H > L ? H : L;

	w->seq_x = ae_alloc(a, sizeof(ae_real) * T * B * (s->ni + s->cw));
	w->enc_h = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
	w->enc_c = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
	w->enc_g = ae_alloc(a, sizeof(ae_real) * T * B * 4 * H);
	w->dec_x = ae_alloc(a, sizeof(ae_real) * T * B * (L + s->cw));
	w->dec_h = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
	w->dec_c = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
	w->dec_g = ae_alloc(a, sizeof(ae_real) * T * B * 4 * H);
	w->seq_y = ae_alloc(a, sizeof(ae_real) * T * B);
	w->seq_out = ae_alloc(a, sizeof(ae_real) * T * B);
	w->seq_dh = ae_alloc(a, sizeof(ae_real) * (T + 1) * B * H);
	w->seq_dx = ae_alloc(a, sizeof(ae_real) * T * B * (L + s->cw));
	w->seq_work = ae_alloc(a, sizeof(ae_real) * ae_lstm_work_size(s->T, max_batch, s->H));
	w->seq_d1 = ae_alloc(a, sizeof(ae_real) * B * wide);
	w->seq_d2 = ae_alloc(a, sizeof(ae_real) * B * wide);
	if (!w->seq_x || !w->enc_h || !w->enc_c || !w->enc_g || !w->dec_x || !w->dec_h ||
		!w->dec_c || !w->dec_g || !w->seq_y || !w->seq_out || !w->seq_dh || !w->seq_dx ||
		!w->seq_work || !w->seq_d1 || !w->seq_d2)
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

/* The encoder: the steps' inputs time-major, the LSTM, the latent into w->z. */
const ae_real *
ae_seq_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const AeSeqLayout *s = &model->seq;
	const ae_real *p = model->params;
	int			T = s->T,
				H = s->H,
				L = model->opt.latent;

	int			nx = s->ni + s->cw;

	/* step t's inputs: its element's value and indicator, then every condition's inputs */
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
		{
			ae_real    *xt = w->seq_x + ((size_t) t * B + r) * nx;

			memcpy(xt, x + (size_t) r * model->n_in + model->cols[s->step[t]].in_off,
				   sizeof(ae_real) * s->ni);
			gather_conditions(model, x + (size_t) r * model->n_in, xt + s->ni);
		}
	memset(w->enc_h, 0, sizeof(ae_real) * B * H);
	memset(w->enc_c, 0, sizeof(ae_real) * B * H);
	ae_lstm_forward(w->enc_h, w->enc_c, w->enc_g, w->seq_x, NULL, p + s->enc_wx, p + s->enc_wh,
					p + s->enc_b, T, B, nx, H);
	ae_dense_forward(w->z, w->enc_h + (size_t) T * B * H, p + s->lat_w, p + s->lat_b, B, H, L);
	return w->z;
}

/* The decoder from latent points z: (B, L); returns the outputs (B, T). */
const ae_real *
ae_seq_decode(const AeModel *model, AeWork *w, const ae_real *z, int B)
{
	const AeSeqLayout *s = &model->seq;
	const ae_real *p = model->params;
	int			T = s->T,
				H = s->H,
				L = model->opt.latent;

	if (z != w->z)
		memcpy(w->z, z, sizeof(ae_real) * B * L);
	ae_dense_forward(w->dec_h, w->z, p + s->init_w, p + s->init_b, B, L, H);
	ae_act_forward(AE_ACT_TANH, w->dec_h, (size_t) B * H);
	memset(w->dec_c, 0, sizeof(ae_real) * B * H);
	/* every step's input: the latent, then the conditions (as the last encode saw them) */
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
		{
			ae_real    *d = w->dec_x + ((size_t) t * B + r) * (L + s->cw);

			memcpy(d, w->z + (size_t) r * L, sizeof(ae_real) * L);
			memcpy(d + L, w->seq_x + (size_t) r * (s->ni + s->cw) + s->ni, sizeof(ae_real) * s->cw);
		}
	ae_lstm_forward(w->dec_h, w->dec_c, w->dec_g, w->dec_x, NULL, p + s->dec_wx, p + s->dec_wh,
					p + s->dec_b, T, B, L + s->cw, H);
	/* every step's value at once: (T·B, H) · out_wᵀ */
	ae_dense_forward(w->seq_y, w->dec_h + (size_t) B * H, p + s->out_w, p + s->out_b,
					 T * B, H, 1);
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
				H = s->H,
				L = model->opt.latent;
	size_t		BH = (size_t) B * H;
	ae_real    *dy = w->seq_y,	/* (T, B): the forward's values are no longer needed */
			   *dz = w->seq_d1,
			   *dh = w->seq_d2;

	/* the outputs' gradient, time-major, back through the output layer to every state */
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
			dy[(size_t) t * B + r] = dout[(size_t) r * T + t];
	memset(w->seq_dh, 0, sizeof(ae_real) * BH);
	ae_dense_backward(w->seq_dh + BH, grads + s->out_w, grads + s->out_b, dy,
					  w->dec_h + BH, p + s->out_w, T * B, H, 1);

	/* decoder LSTM: to its inputs (the latent at every step) and its initial state */
	ae_lstm_backward(w->seq_dx, dh, NULL, grads + s->dec_wx, grads + s->dec_wh,
					 grads + s->dec_b, w->seq_dh, NULL, w->dec_h, w->dec_c, w->dec_g, w->dec_x,
					 NULL, p + s->dec_wx, p + s->dec_wh, T, B, L + s->cw, H, w->seq_work);
	/* the latent's share of every step's input gradient (the conditions are given) */
	memset(dz, 0, sizeof(ae_real) * B * L);
	for (int t = 0; t < T; t++)
		for (int r = 0; r < B; r++)
			for (int j = 0; j < L; j++)
				dz[(size_t) r * L + j] += w->seq_dx[((size_t) t * B + r) * (L + s->cw) + j];
	/* h_0 = tanh(init_w · z + init_b) */
	ae_act_backward(AE_ACT_TANH, dh, w->dec_h, BH);
	ae_dense_backward(w->seq_dx, grads + s->init_w, grads + s->init_b, dh, w->z,
					  p + s->init_w, B, L, H);
	for (size_t k = 0; k < (size_t) B * L; k++)
		dz[k] += w->seq_dx[k];

	/* latent = lat_w · h_T + lat_b, then the encoder LSTM from its last state */
	memset(w->seq_dh, 0, sizeof(ae_real) * (size_t) T * BH);
	ae_dense_backward(w->seq_dh + (size_t) T * BH, grads + s->lat_w, grads + s->lat_b, dz,
					  w->enc_h + (size_t) T * BH, p + s->lat_w, B, H, L);
	ae_lstm_backward(NULL, NULL, NULL, grads + s->enc_wx, grads + s->enc_wh, grads + s->enc_b,
					 w->seq_dh, NULL, w->enc_h, w->enc_c, w->enc_g, w->seq_x, NULL,
					 p + s->enc_wx, p + s->enc_wh, T, B, s->ni + s->cw, H, w->seq_work);
}
