/*
 * tfnet.c — the transformer kind: the columns of a row as tokens through
 * pre-norm self-attention blocks (attn.h) and dense layers (dense.h).
 *
 * A token is its column's embedding plus its value's (see AeTfLayout in
 * model.h); a missing cell, or one that training hides, is the mask token
 * instead, and is dropped as a key: the other tokens read only the cells
 * the row shows, while the hidden ones still ask their question of them.
 * Each column's head reads its final token and the row's latent, so the
 * latent — the mean final token through a dense layer — is trained by
 * every head, and is what ae_embed returns.
 */
#include "core/model.h"

#include "core/attn.h"
#include "core/dense.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define FFN_RATIO 4				/* the feed-forward layer's width over D */
#define HELDOUT_TOKENS 1024		/* tokens of the work a held-out pass is given */

/* Is token c of the input row xr hidden (its indicator set)? */
static bool
token_hidden(const AeColumn *col, const ae_real *xr)
{
	return xr[col->in_off + col->in_width] != 0;
}

/* Every column a token, each with its indicator; no condition. */
AeStatus
ae_tf_layout(AeModel *model)
{
	const AeOptions *o = &model->opt;
	AeTfLayout *f = &model->tf;
	int			T = model->ncols,
				D = o->width,
				L = o->latent;
	size_t		p = 0;

	if (T > AE_TF_MAX_TOKENS || o->nhidden != 0 || L < 1 || L > AE_MAX_WIDTH ||
		o->depth < 1 || o->depth > AE_TF_MAX_DEPTH || D < 1 || D > AE_TF_MAX_WIDTH ||
		o->heads < 1 || D % o->heads != 0)
		return AE_ECORRUPT;
	for (int c = 0; c < T; c++)
		if (model->cols[c].flags != AE_COLFLAG_INDICATOR)
			return AE_ECORRUPT;
	f->T = T;
	f->D = D;
	f->H = o->heads;
	f->F = FFN_RATIO * D;
	f->K = o->depth;
#define TAKE(field, n) do { f->field = p; p += (size_t) (n); } while (0)
	TAKE(col_emb, (size_t) T * D);
	TAKE(val_emb, (size_t) (model->n_in - T) * D);
	TAKE(mask_emb, D);
	for (int k = 0; k < f->K; k++)
	{
		TAKE(ln1_g[k], D);
		TAKE(ln1_b[k], D);
		TAKE(wq[k], (size_t) D * D + D);
		TAKE(wk[k], (size_t) D * D + D);
		TAKE(wv[k], (size_t) D * D + D);
		TAKE(wo[k], (size_t) D * D + D);
		TAKE(ln2_g[k], D);
		TAKE(ln2_b[k], D);
		TAKE(w1[k], (size_t) f->F * D + f->F);
		TAKE(w2[k], (size_t) D * f->F + D);
	}
	TAKE(lnf_g, D);
	TAKE(lnf_b, D);
	TAKE(lat_w, (size_t) L * D + L);
	TAKE(head_w, (size_t) model->n_out * (D + L));
	TAKE(head_b, model->n_out);
#undef TAKE
	model->nlayers = 0;
	model->nencoder = 0;
	model->nparams = p;
	if (p > ((size_t) 1 << 27) || ae_tf_row_floats(model) > AE_TF_MAX_ROW_FLOATS)
		return AE_ECORRUPT;
	return AE_OK;
}

/* One row's share of ae_tf_work_init's buffers, in elements. */
size_t
ae_tf_row_floats(const AeModel *model)
{
	const AeTfLayout *f = &model->tf;
	size_t		T = f->T,
				D = f->D,
				L = model->opt.latent,
				widest = D + L > (size_t) f->F ? D + L : (size_t) f->F,
				block = 8 * T * D + 4 * T + (size_t) f->H * T * T + 2 * T * f->F;

	return f->K * block + T * (3 * D + L + 2 + 6 * widest) + D + model->n_out + 2 * model->ncols;
}

/*
 * Rows of work for held-out passes: a row and each cell hidden, within
 * HELDOUT_TOKENS tokens and AE_TF_MAX_ROW_FLOATS of scratch.
 */
int
ae_tf_heldout_rows(const AeModel *model)
{
	int			T = model->tf.T;
	int			rows = HELDOUT_TOKENS / (T > 0 ? T : 1);
	size_t		per_row = ae_tf_row_floats(model);

	if (rows > T + 1)
		rows = T + 1;
	if ((size_t) rows * per_row > AE_TF_MAX_ROW_FLOATS)
		rows = (int) (AE_TF_MAX_ROW_FLOATS / per_row);
	return rows > 1 ? rows : 1;
}

/* Xavier-uniform (nout, nin) weights, a zero bias after them. */
static void
init_dense(ae_real *w, int nin, int nout, AeRng *rng)
{
	ae_rng_fill_uniform(rng, w, (size_t) nin * nout, sqrt(6.0 / (nin + nout)));
}

static void
fill(ae_real *p, size_t n, ae_real v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

/*
 * Embeddings uniform with variance 1/D (tokens of about unit norm), dense
 * weights Xavier-uniform, layer norms the identity, biases zero.
 */
void
ae_tf_init_params(AeModel *model, AeRng *rng)
{
	const AeTfLayout *f = &model->tf;
	ae_real    *p = model->params;
	int			D = f->D,
				L = model->opt.latent;
	double		emb = sqrt(3.0 / D);

	memset(p, 0, sizeof(ae_real) * model->nparams);
	ae_rng_fill_uniform(rng, p + f->col_emb, (size_t) f->T * D, emb);
	ae_rng_fill_uniform(rng, p + f->val_emb, (size_t) (model->n_in - f->T) * D, emb);
	ae_rng_fill_uniform(rng, p + f->mask_emb, D, emb);
	for (int k = 0; k < f->K; k++)
	{
		fill(p + f->ln1_g[k], D, 1);
		fill(p + f->ln2_g[k], D, 1);
		init_dense(p + f->wq[k], D, D, rng);
		init_dense(p + f->wk[k], D, D, rng);
		init_dense(p + f->wv[k], D, D, rng);
		init_dense(p + f->wo[k], D, D, rng);
		init_dense(p + f->w1[k], D, f->F, rng);
		init_dense(p + f->w2[k], f->F, D, rng);
	}
	fill(p + f->lnf_g, D, 1);
	init_dense(p + f->lat_w, D, L, rng);
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];

		init_dense(p + f->head_w + (size_t) col->out_off * (D + L), D + L, col->out_width, rng);
	}
}

/* Scratch for batches of up to max_batch rows of T tokens. */
AeStatus
ae_tf_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a)
{
	const AeTfLayout *f = &model->tf;
	size_t		B = (size_t) max_batch,
				N = B * f->T,
				D = f->D,
				L = model->opt.latent,
				widest = D + L > (size_t) f->F ? D + L : (size_t) f->F;

#define ALLOC(field, n) do { \
		if ((w->field = ae_alloc(a, sizeof(*w->field) * (n))) == NULL) \
			return AE_ENOMEM; \
	} while (0)
	for (int k = 0; k < f->K; k++)
	{
		ALLOC(tf_h[k], N * D);
		ALLOC(tf_mid[k], N * D);
		ALLOC(tf_ln1[k], N * D);
		ALLOC(tf_ln2[k], N * D);
		ALLOC(tf_stats[k], 4 * N);
		ALLOC(tf_q[k], N * D);
		ALLOC(tf_k[k], N * D);
		ALLOC(tf_v[k], N * D);
		ALLOC(tf_ao[k], N * D);
		ALLOC(tf_att[k], B * f->H * f->T * f->T);
		ALLOC(tf_f1[k], N * f->F);
		ALLOC(tf_f2[k], N * f->F);
	}
	ALLOC(tf_h[f->K], N * D);
	ALLOC(tf_keep, N);
	ALLOC(tf_lnf, N * D);
	ALLOC(tf_lnf_stats, 2 * N);
	ALLOC(tf_cat, N * (D + L));
	ALLOC(tf_pool, B * D);
	ALLOC(tf_out, B * (model->n_out > 0 ? model->n_out : 1));
	for (int i = 0; i < 6; i++)
		ALLOC(tf_d[i], N * widest);
	ALLOC(tf_work, ae_attn_work_size(f->T));
	ALLOC(ho_t, B * model->ncols);
	ALLOC(ho_m, B * model->ncols);
	ALLOC(ho_out, model->n_out > 0 ? model->n_out : 1);
#undef ALLOC
	return AE_OK;
}

/*
 * The tokens of x: (B, n_in) into h: (B, T, D), and which are shown as
 * keys: every observed one, or every token of a row that shows none.
 */
static void
embed(const AeModel *model, AeWork *w, const ae_real *x, int B, ae_real *h)
{
	const AeTfLayout *f = &model->tf;
	const ae_real *p = model->params;
	int			T = f->T,
				D = f->D;

	for (int b = 0; b < B; b++)
	{
		const ae_real *xr = x + (size_t) b * model->n_in;
		unsigned char *keep = w->tf_keep + (size_t) b * T;
		bool		any = false;

		for (int c = 0; c < T; c++)
		{
			const AeColumn *col = &model->cols[c];
			ae_real    *tok = h + ((size_t) b * T + c) * D;

			memcpy(tok, p + f->col_emb + (size_t) c * D, sizeof(ae_real) * D);
			keep[c] = !token_hidden(col, xr);
			any |= keep[c];
			if (!keep[c])
			{
				for (int d = 0; d < D; d++)
					tok[d] += p[f->mask_emb + d];
				continue;
			}
			for (int i = 0; i < col->in_width; i++)
			{
				ae_real		v = xr[col->in_off + i];
				const ae_real *e = p + f->val_emb + (size_t) (col->in_off - c + i) * D;

				if (v != 0)
					for (int d = 0; d < D; d++)
						tok[d] += v * e[d];
			}
		}
		if (!any)
			memset(keep, 1, T);
	}
}

/* The tokens through every block, the final layer norm, and the latent into w->z. */
static void
encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const AeTfLayout *f = &model->tf;
	const ae_real *p = model->params;
	const AeTicker *tk = &w->ticker;
	int			T = f->T,
				D = f->D,
				F = f->F,
				L = model->opt.latent,
				N = B * T;

	embed(model, w, x, B, w->tf_h[0]);
	for (int k = 0; k < f->K; k++)
	{
		ae_real    *h = w->tf_h[k],
				   *mid = w->tf_mid[k],
				   *next = w->tf_h[k + 1],
				   *st = w->tf_stats[k];

		if (tk->tick)
			tk->tick(tk->arg);
		ae_layernorm_forward(w->tf_ln1[k], st, st + N, h, p + f->ln1_g[k], p + f->ln1_b[k], N, D);
		ae_dense_forward_ticked(w->tf_q[k], w->tf_ln1[k], p + f->wq[k], p + f->wq[k] + D * D,
								N, D, D, tk);
		ae_dense_forward_ticked(w->tf_k[k], w->tf_ln1[k], p + f->wk[k], p + f->wk[k] + D * D,
								N, D, D, tk);
		ae_dense_forward_ticked(w->tf_v[k], w->tf_ln1[k], p + f->wv[k], p + f->wv[k] + D * D,
								N, D, D, tk);
		ae_attn_forward(w->tf_ao[k], w->tf_att[k], w->tf_q[k], w->tf_k[k], w->tf_v[k],
						w->tf_keep, B, T, D, f->H);
		ae_dense_forward_ticked(mid, w->tf_ao[k], p + f->wo[k], p + f->wo[k] + D * D, N, D, D, tk);
		for (size_t i = 0; i < (size_t) N * D; i++)
			mid[i] += h[i];
		ae_layernorm_forward(w->tf_ln2[k], st + 2 * N, st + 3 * N, mid, p + f->ln2_g[k],
							 p + f->ln2_b[k], N, D);
		ae_dense_forward_ticked(w->tf_f1[k], w->tf_ln2[k], p + f->w1[k],
								p + f->w1[k] + (size_t) F * D, N, D, F, tk);
		ae_gelu_forward(w->tf_f2[k], w->tf_f1[k], (size_t) N * F);
		ae_dense_forward_ticked(next, w->tf_f2[k], p + f->w2[k], p + f->w2[k] + (size_t) D * F,
								N, F, D, tk);
		for (size_t i = 0; i < (size_t) N * D; i++)
			next[i] += mid[i];
	}
	ae_layernorm_forward(w->tf_lnf, w->tf_lnf_stats, w->tf_lnf_stats + N, w->tf_h[f->K],
						 p + f->lnf_g, p + f->lnf_b, N, D);
	for (int b = 0; b < B; b++)
	{
		ae_real    *pool = w->tf_pool + (size_t) b * D;

		memset(pool, 0, sizeof(ae_real) * D);
		for (int t = 0; t < T; t++)
			for (int d = 0; d < D; d++)
				pool[d] += w->tf_lnf[((size_t) b * T + t) * D + d];
		for (int d = 0; d < D; d++)
			pool[d] /= T;
	}
	ae_dense_forward(w->z, w->tf_pool, p + f->lat_w, p + f->lat_w + (size_t) L * D, B, D, L);
}

/* The latent of each row, (B, L) in w->z. */
const ae_real *
ae_tf_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	encode(model, w, x, B);
	return w->z;
}

/* Every column's head over its final token and the row's latent. */
const ae_real *
ae_tf_forward(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const AeTfLayout *f = &model->tf;
	const ae_real *p = model->params;
	int			T = f->T,
				D = f->D,
				L = model->opt.latent,
				E = D + L;

	encode(model, w, x, B);
	for (int b = 0; b < B; b++)
	{
		ae_real    *out = w->tf_out + (size_t) b * model->n_out;

		for (int c = 0; c < T; c++)
		{
			const AeColumn *col = &model->cols[c];
			ae_real    *cat = w->tf_cat + ((size_t) b * T + c) * E;

			memcpy(cat, w->tf_lnf + ((size_t) b * T + c) * D, sizeof(ae_real) * D);
			memcpy(cat + D, w->z + (size_t) b * L, sizeof(ae_real) * L);
			for (int j = 0; j < col->out_width; j++)
			{
				const ae_real *hw = p + f->head_w + (size_t) (col->out_off + j) * E;
				ae_real		s = p[f->head_b + col->out_off + j];

				for (int i = 0; i < E; i++)
					s += hw[i] * cat[i];
				out[col->out_off + j] = s;
			}
		}
	}
	return w->tf_out;
}

static void
add_into(ae_real *y, const ae_real *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}

/* Backward through the heads, the latent, the blocks and the embeddings. */
void
ae_tf_backward(const AeModel *model, AeWork *w, const ae_real *x, const ae_real *dout, int B,
			   ae_real *grads)
{
	const AeTfLayout *f = &model->tf;
	const ae_real *p = model->params;
	ae_real    *g = grads;
	const AeTicker *tk = &w->ticker;
	int			T = f->T,
				D = f->D,
				F = f->F,
				L = model->opt.latent,
				E = D + L,
				N = B * T;
	size_t		ND = (size_t) N * D;
	ae_real    *dh = w->tf_d[0],
			   *dmid = w->tf_d[1],
			   *d2 = w->tf_d[2],
			   *d3 = w->tf_d[3],
			   *d4 = w->tf_d[4],
			   *d5 = w->tf_d[5],
			   *dz = w->dz;

	/* heads: the gradients on each final token (d3 as (N, E)) and on the latent */
	memset(dz, 0, sizeof(ae_real) * (size_t) B * L);
	for (int b = 0; b < B; b++)
	{
		const ae_real *dr = dout + (size_t) b * model->n_out;

		for (int c = 0; c < T; c++)
		{
			const AeColumn *col = &model->cols[c];
			const ae_real *cat = w->tf_cat + ((size_t) b * T + c) * E;
			ae_real    *dcat = d3 + ((size_t) b * T + c) * E;

			memset(dcat, 0, sizeof(ae_real) * E);
			for (int j = 0; j < col->out_width; j++)
			{
				size_t		row = (size_t) (col->out_off + j);
				const ae_real *hw = p + f->head_w + row * E;
				ae_real    *ghw = g + f->head_w + row * E;
				ae_real		d = dr[row];

				if (d == 0)
					continue;
				g[f->head_b + row] += d;
				for (int i = 0; i < E; i++)
				{
					ghw[i] += d * cat[i];
					dcat[i] += d * hw[i];
				}
			}
			for (int i = 0; i < D; i++)
				dh[((size_t) b * T + c) * D + i] = dcat[i];
			add_into(dz + (size_t) b * L, dcat + D, L);
		}
	}
	/* the latent from the mean final token */
	ae_dense_backward(d4, g + f->lat_w, g + f->lat_w + (size_t) L * D, dz, w->tf_pool,
					  p + f->lat_w, B, D, L);
	for (int b = 0; b < B; b++)
		for (int t = 0; t < T; t++)
			for (int d = 0; d < D; d++)
				dh[((size_t) b * T + t) * D + d] += d4[(size_t) b * D + d] / T;
	ae_layernorm_backward(d2, g + f->lnf_g, g + f->lnf_b, dh, w->tf_h[f->K], w->tf_lnf_stats,
						  w->tf_lnf_stats + N, p + f->lnf_g, N, D);
	memcpy(dh, d2, sizeof(ae_real) * ND);

	for (int k = f->K - 1; k >= 0; k--)
	{
		const ae_real *st = w->tf_stats[k];

		if (tk->tick)
			tk->tick(tk->arg);
		/* next = mid + W2 · gelu(W1 · LN2(mid)) */
		ae_dense_backward_ticked(d3, g + f->w2[k], g + f->w2[k] + (size_t) D * F, dh,
								 w->tf_f2[k], p + f->w2[k], N, F, D, tk);
		ae_gelu_backward(d3, d3, w->tf_f1[k], (size_t) N * F);
		ae_dense_backward_ticked(d2, g + f->w1[k], g + f->w1[k] + (size_t) F * D, d3,
								 w->tf_ln2[k], p + f->w1[k], N, D, F, tk);
		ae_layernorm_backward(d4, g + f->ln2_g[k], g + f->ln2_b[k], d2, w->tf_mid[k],
							  st + 2 * N, st + 3 * N, p + f->ln2_g[k], N, D);
		for (size_t i = 0; i < ND; i++)
			dmid[i] = dh[i] + d4[i];

		/* mid = h + Wo · attention(LN1(h) Wq, LN1(h) Wk, LN1(h) Wv) */
		ae_dense_backward_ticked(d2, g + f->wo[k], g + f->wo[k] + D * D, dmid, w->tf_ao[k],
								 p + f->wo[k], N, D, D, tk);
		ae_attn_backward(d3, d4, d5, d2, w->tf_att[k], w->tf_q[k], w->tf_k[k], w->tf_v[k],
						 B, T, D, f->H, w->tf_work);
		ae_dense_backward_ticked(d2, g + f->wq[k], g + f->wq[k] + D * D, d3, w->tf_ln1[k],
								 p + f->wq[k], N, D, D, tk);
		ae_dense_backward_ticked(d3, g + f->wk[k], g + f->wk[k] + D * D, d4, w->tf_ln1[k],
								 p + f->wk[k], N, D, D, tk);
		add_into(d2, d3, ND);
		ae_dense_backward_ticked(d3, g + f->wv[k], g + f->wv[k] + D * D, d5, w->tf_ln1[k],
								 p + f->wv[k], N, D, D, tk);
		add_into(d2, d3, ND);
		ae_layernorm_backward(d3, g + f->ln1_g[k], g + f->ln1_b[k], d2, w->tf_h[k], st, st + N,
							  p + f->ln1_g[k], N, D);
		for (size_t i = 0; i < ND; i++)
			dh[i] = dmid[i] + d3[i];
	}

	/* the embeddings */
	for (int b = 0; b < B; b++)
	{
		const ae_real *xr = x + (size_t) b * model->n_in;

		for (int c = 0; c < T; c++)
		{
			const AeColumn *col = &model->cols[c];
			const ae_real *dt = dh + ((size_t) b * T + c) * D;

			add_into(g + f->col_emb + (size_t) c * D, dt, D);
			if (token_hidden(col, xr))
			{
				add_into(g + f->mask_emb, dt, D);
				continue;
			}
			for (int i = 0; i < col->in_width; i++)
			{
				ae_real		v = xr[col->in_off + i];
				ae_real    *ge = g + f->val_emb + (size_t) (col->in_off - c + i) * D;

				if (v != 0)
					for (int d = 0; d < D; d++)
						ge[d] += v * dt[d];
			}
		}
	}
}
