/*
 * convnet.c — the conv kind: a convolutional autoencoder over an image
 * held in an array column, built from the convolution and upsampling
 * layers (conv.h) and dense layers (dense.h).  See AeConvLayout in
 * model.h for the stages and their shapes.  The decoder's last stage
 * gives the image's values, (B, C, H, W): one output per element column,
 * in element order, so losses, scores, imputation (inpainting) and
 * explanations are the column autoencoder's.
 */
#include "core/model.h"

#include "core/conv.h"
#include "core/dense.h"

#include <math.h>
#include <string.h>

#define KSIZE 3					/* the kernel's side, but along a single row */

static size_t
max3(size_t a, size_t b, size_t c)
{
	size_t		m = a > b ? a : b;

	return m > c ? m : c;
}

/* Channels out of decoder stage i: the hidden ones, or the image's at the end. */
static int
dec_out(const AeConvLayout *v, int i)
{
	return i == 0 ? v->C : v->ch[i];
}

/* Encoder stage i: stride 2, the sides rounded up. */
static AeConvShape
enc_shape(const AeConvLayout *v, int i)
{
	AeConvShape g = {
		.C = v->ch[i], .H = v->h[i], .W = v->w[i], .K = v->ch[i + 1],
		.kh = v->kh, .kw = KSIZE, .sh = v->kh == 1 ? 1 : 2, .sw = 2, .ph = v->kh / 2, .pw = KSIZE / 2
	};

	return g;
}

/* Decoder stage i, after upsampling to encoder stage i's input sides: stride 1. */
static AeConvShape
dec_shape(const AeConvLayout *v, int i)
{
	AeConvShape g = {
		.C = v->ch[i + 1], .H = v->h[i], .W = v->w[i], .K = dec_out(v, i),
		.kh = v->kh, .kw = KSIZE, .sh = 1, .sw = 1, .ph = v->kh / 2, .pw = KSIZE / 2
	};

	return g;
}

/*
 * The elements of one 1-D, 2-D or 3-D array, in order, with the same
 * inputs.  A 1-D array is a signal: an image of one row, whose kernels
 * are one row high.
 */
AeStatus
ae_conv_layout(AeModel *model)
{
	const AeOptions *o = &model->opt;
	AeConvLayout *v = &model->conv;
	const AeColumn *first = &model->cols[0];
	int			ni = first->in_width + ((first->flags & AE_COLFLAG_INDICATOR) ? 1 : 0),
				S = o->nhidden,
				L = o->latent;
	/* the image: the shape option over the array's elements, or the array's own shape */
	int			ndim = o->shape_ndim > 0 ? o->shape_ndim : first->ndim;
	const int  *dims = o->shape_ndim > 0 ? o->shape : first->dims;
	size_t		p = 0,
				F;

	if (S < 1 || S > AE_MAX_HIDDEN || L < 1 || L > AE_MAX_WIDTH || ndim < 1 || ndim > 3 ||
		first->ndim < 1)
		return AE_ECORRUPT;
	for (int d = 0; d < ndim; d++)
		if (dims[d] < 1 || dims[d] > AE_MAX_COLUMNS)
			return AE_ECORRUPT;
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];

		if (col->ndim != first->ndim || memcmp(col->dims, first->dims, sizeof(int) * col->ndim) != 0 ||
			col->elem != c || col->kind != AE_COL_NUMERIC || col->flags != first->flags)
			return AE_ECORRUPT;
	}
	v->nstages = S;
	v->C = ndim == 3 ? dims[0] : 1;
	v->ch[0] = v->C * ni;
	v->h[0] = ndim >= 2 ? dims[ndim - 2] : 1;
	v->w[0] = dims[ndim - 1];
	v->kh = v->h[0] == 1 ? 1 : KSIZE;
	if ((size_t) v->C * v->h[0] * v->w[0] != (size_t) model->ncols)
		return AE_ECORRUPT;
	v->cols = 0;
	for (int i = 0; i < S; i++)
	{
		AeConvShape enc,
					dec;

		if (o->hidden[i] < 1 || o->hidden[i] > AE_MAX_WIDTH)
			return AE_ECORRUPT;
		v->ch[i + 1] = o->hidden[i];
		enc = enc_shape(v, i);
		v->h[i + 1] = ae_conv_oh(&enc);
		v->w[i + 1] = ae_conv_ow(&enc);
		dec = dec_shape(v, i);
		v->cols = max3(v->cols, ae_conv_cols_size(&enc), ae_conv_cols_size(&dec));
	}
	F = (size_t) v->ch[S] * v->h[S] * v->w[S];
	if (F > (size_t) AE_MAX_WIDTH * AE_MAX_WIDTH)
		return AE_ECORRUPT;
#define TAKE(field, n) do { v->field = p; p += (size_t) (n); } while (0)
	for (int i = 0; i < S; i++)
	{
		TAKE(enc_w[i], (size_t) v->ch[i + 1] * v->ch[i] * v->kh * KSIZE);
		TAKE(enc_b[i], v->ch[i + 1]);
	}
	TAKE(lat_w, (size_t) L * F);
	TAKE(lat_b, L);
	TAKE(dec_in_w, F * L);
	TAKE(dec_in_b, F);
	for (int i = 0; i < S; i++)
	{
		TAKE(dec_w[i], (size_t) dec_out(v, i) * v->ch[i + 1] * v->kh * KSIZE);
		TAKE(dec_b[i], dec_out(v, i));
	}
#undef TAKE
	model->nlayers = 0;
	model->nencoder = 0;
	model->nparams = p;
	return p > ((size_t) 1 << 27) ? AE_ECORRUPT : AE_OK;
}

/* Xavier-uniform weights (fans counting the kernel's taps), zero biases. */
void
ae_conv_init_params(AeModel *model, AeRng *rng)
{
	const AeConvLayout *v = &model->conv;
	ae_real    *p = model->params;
	int			S = v->nstages,
				L = model->opt.latent;
	size_t		F = (size_t) v->ch[S] * v->h[S] * v->w[S],
				kk = (size_t) v->kh * KSIZE;

	memset(p, 0, sizeof(ae_real) * model->nparams);
	for (int i = 0; i < S; i++)
	{
		ae_rng_fill_uniform(rng, p + v->enc_w[i], v->ch[i + 1] * v->ch[i] * kk,
							sqrt(6.0 / ((v->ch[i] + v->ch[i + 1]) * kk)));
		ae_rng_fill_uniform(rng, p + v->dec_w[i], dec_out(v, i) * v->ch[i + 1] * kk,
							sqrt(6.0 / ((v->ch[i + 1] + dec_out(v, i)) * kk)));
	}
	ae_rng_fill_uniform(rng, p + v->lat_w, L * F, sqrt(6.0 / (L + F)));
	ae_rng_fill_uniform(rng, p + v->dec_in_w, F * L, sqrt(6.0 / (L + F)));
}

/* Scratch for batches of up to max_batch images. */
AeStatus
ae_conv_work_init(AeWork *w, const AeModel *model, int max_batch, const AeAlloc *a)
{
	const AeConvLayout *v = &model->conv;
	size_t		B = (size_t) max_batch,
				widest = (size_t) v->ch[0] * v->h[0] * v->w[0];
	int			S = v->nstages;

	for (int i = 0; i < S; i++)
	{
		size_t		enc = (size_t) v->ch[i + 1] * v->h[i + 1] * v->w[i + 1],
					up = (size_t) v->ch[i + 1] * v->h[i] * v->w[i],
					dec = (size_t) dec_out(v, i) * v->h[i] * v->w[i];

		widest = max3(widest, up, dec);
		if ((w->enc_a[i] = ae_alloc(a, sizeof(ae_real) * B * enc)) == NULL ||
			(w->up[i] = ae_alloc(a, sizeof(ae_real) * B * up)) == NULL ||
			(w->dec_o[i] = ae_alloc(a, sizeof(ae_real) * B * dec)) == NULL)
			return AE_ENOMEM;
	}
	w->img = ae_alloc(a, sizeof(ae_real) * B * v->ch[0] * v->h[0] * v->w[0]);
	w->dec_a = ae_alloc(a, sizeof(ae_real) * B * v->ch[S] * v->h[S] * v->w[S]);
	w->conv_cols = ae_alloc(a, sizeof(ae_real) * v->cols);
	w->conv_g1 = ae_alloc(a, sizeof(ae_real) * B * widest);
	w->conv_g2 = ae_alloc(a, sizeof(ae_real) * B * widest);
	if (!w->img || !w->dec_a || !w->conv_cols || !w->conv_g1 || !w->conv_g2)
		return AE_ENOMEM;
	return AE_OK;
}

/* The encoder: inputs as channels (values, then indicators), the stages, the latent in w->z. */
const ae_real *
ae_conv_net_encode(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	const AeConvLayout *v = &model->conv;
	const ae_real *p = model->params;
	int			S = v->nstages,
				L = model->opt.latent,
				act = model->opt.activation,
				ni = v->ch[0] / v->C;
	size_t		HW = (size_t) v->h[0] * v->w[0],
				F = (size_t) v->ch[S] * v->h[S] * v->w[S];

	for (int r = 0; r < B; r++)
		for (int c = 0; c < model->ncols; c++)
		{
			const ae_real *in = x + (size_t) r * model->n_in + model->cols[c].in_off;
			size_t		plane = c / HW,
						pix = c % HW;

			for (int q = 0; q < ni; q++)
				w->img[(((size_t) r * v->ch[0]) + q * v->C + plane) * HW + pix] = in[q];
		}
	for (int i = 0; i < S; i++)
	{
		size_t		n = (size_t) B * v->ch[i + 1] * v->h[i + 1] * v->w[i + 1];
		AeConvShape g = enc_shape(v, i);

		ae_conv_forward(w->enc_a[i], i == 0 ? w->img : w->enc_a[i - 1], p + v->enc_w[i],
						p + v->enc_b[i], B, &g, w->conv_cols);
		ae_act_forward(act, w->enc_a[i], n);
	}
	ae_dense_forward(w->z, w->enc_a[S - 1], p + v->lat_w, p + v->lat_b, B, (int) F, L);
	return w->z;
}

/* The decoder from latent points z: (B, L); returns the image's values (B, C·H·W). */
const ae_real *
ae_conv_net_decode(const AeModel *model, AeWork *w, const ae_real *z, int B)
{
	const AeConvLayout *v = &model->conv;
	const ae_real *p = model->params;
	int			S = v->nstages,
				L = model->opt.latent,
				act = model->opt.activation;
	size_t		F = (size_t) v->ch[S] * v->h[S] * v->w[S];

	if (z != w->z)
		memcpy(w->z, z, sizeof(ae_real) * B * L);
	ae_dense_forward(w->dec_a, w->z, p + v->dec_in_w, p + v->dec_in_b, B, L, (int) F);
	ae_act_forward(act, w->dec_a, (size_t) B * F);
	for (int i = S - 1; i >= 0; i--)
	{
		const ae_real *src = i == S - 1 ? w->dec_a : w->dec_o[i + 1];
		AeConvShape g = dec_shape(v, i);

		ae_upsample_forward(w->up[i], src, B, v->ch[i + 1], v->h[i + 1], v->w[i + 1],
							v->h[i], v->w[i]);
		ae_conv_forward(w->dec_o[i], w->up[i], p + v->dec_w[i], p + v->dec_b[i], B, &g,
						w->conv_cols);
		if (i > 0)
			ae_act_forward(act, w->dec_o[i], (size_t) B * dec_out(v, i) * v->h[i] * v->w[i]);
	}
	return w->dec_o[0];
}

/* Encoder then decoder. */
const ae_real *
ae_conv_net_forward(const AeModel *model, AeWork *w, const ae_real *x, int B)
{
	ae_conv_net_encode(model, w, x, B);
	return ae_conv_net_decode(model, w, w->z, B);
}

/* Backward through decoder and encoder, after ae_conv_net_forward of the same rows. */
void
ae_conv_net_backward(const AeModel *model, AeWork *w, const ae_real *dout, int B,
					 ae_real *grads)
{
	const AeConvLayout *v = &model->conv;
	const ae_real *p = model->params;
	int			S = v->nstages,
				L = model->opt.latent,
				act = model->opt.activation;
	size_t		F = (size_t) v->ch[S] * v->h[S] * v->w[S];
	ae_real    *g = w->conv_g1,
			   *h = w->conv_g2,
			   *tmp;
	ae_real    *dz = w->dz;		/* (B, dec_in = L) */

	/* decoder, from its last stage (the image) back to its dense input */
	memcpy(g, dout, sizeof(ae_real) * B * model->n_out);
	for (int i = 0; i < S; i++)
	{
		const ae_real *src = i == S - 1 ? w->dec_a : w->dec_o[i + 1];
		size_t		nsrc = (size_t) B * v->ch[i + 1] * v->h[i + 1] * v->w[i + 1];
		AeConvShape dec = dec_shape(v, i);

		/* g: on dec_o[i] (after its activation, none at stage 0); to up[i], then its source */
		ae_conv_backward(h, grads + v->dec_w[i], grads + v->dec_b[i], g, w->up[i],
						 p + v->dec_w[i], B, &dec, w->conv_cols);
		ae_upsample_backward(g, h, B, v->ch[i + 1], v->h[i + 1], v->w[i + 1], v->h[i], v->w[i]);
		ae_act_backward(act, g, src, nsrc);
	}
	ae_dense_backward(dz, grads + v->dec_in_w, grads + v->dec_in_b, g, w->z, p + v->dec_in_w,
					  B, L, (int) F);

	/* latent, then the encoder's stages, last first */
	ae_dense_backward(g, grads + v->lat_w, grads + v->lat_b, dz, w->enc_a[S - 1], p + v->lat_w,
					  B, (int) F, L);
	for (int i = S - 1; i >= 0; i--)
	{
		AeConvShape enc = enc_shape(v, i);

		ae_act_backward(act, g, w->enc_a[i], (size_t) B * v->ch[i + 1] * v->h[i + 1] * v->w[i + 1]);
		ae_conv_backward(i == 0 ? NULL : h, grads + v->enc_w[i], grads + v->enc_b[i], g,
						 i == 0 ? w->img : w->enc_a[i - 1], p + v->enc_w[i], B, &enc,
						 w->conv_cols);
		tmp = g;
		g = h;
		h = tmp;
	}
}
