/*
 * adversary.c — the aae kind's discriminator over latent codes; see
 * adversary.h.
 */
#include "core/adversary.h"

#include "core/blas.h"
#include "core/dense.h"

#include <math.h>
#include <string.h>

/* softplus(u) = log(1 + eᵘ), without overflow. */
static inline double
softplus(double u)
{
	return (u > 0 ? u : 0) + log1p(exp(-fabs(u)));
}

/* σ(u), softplus's derivative. */
static inline double
sigmoid(double u)
{
	return u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u));
}

AeStatus
ae_adversary_init(AeAdversary *adv, int latent, const int *hidden, int nhidden, int max_batch,
				  double lr, AeRng *rng, const AeAlloc *a)
{
	size_t		widest = 1,
				rows;

	memset(adv, 0, sizeof(*adv));
	if (latent < 1 || nhidden < 0 || nhidden >= AE_ADVERSARY_MAX_LAYERS || max_batch < 1)
		return AE_EINVAL;
	adv->nlayers = nhidden + 1;
	adv->width[0] = latent;
	for (int l = 0; l < nhidden; l++)
	{
		if (hidden[l] < 1)
			return AE_EINVAL;
		adv->width[l + 1] = hidden[l];
	}
	adv->width[adv->nlayers] = 1;
	for (int l = 0; l < adv->nlayers; l++)
	{
		adv->w_off[l] = adv->nparams;
		adv->nparams += (size_t) adv->width[l + 1] * adv->width[l];
		adv->b_off[l] = adv->nparams;
		adv->nparams += adv->width[l + 1];
		if ((size_t) adv->width[l] > widest)
			widest = adv->width[l];
	}
	adv->max_rows = 2 * max_batch;
	rows = adv->max_rows;
	adv->params = ae_alloc(a, sizeof(ae_real) * adv->nparams);
	adv->grads = ae_alloc(a, sizeof(ae_real) * adv->nparams);
	adv->adam_m = ae_alloc(a, sizeof(ae_real) * adv->nparams);
	adv->adam_v = ae_alloc(a, sizeof(ae_real) * adv->nparams);
	adv->in = ae_alloc(a, sizeof(ae_real) * rows * latent);
	adv->prior = ae_alloc(a, sizeof(ae_real) * max_batch * latent);
	adv->dlogit = ae_alloc(a, sizeof(ae_real) * rows);
	adv->d1 = ae_alloc(a, sizeof(ae_real) * rows * widest);
	adv->d2 = ae_alloc(a, sizeof(ae_real) * rows * widest);
	if (!adv->params || !adv->grads || !adv->adam_m || !adv->adam_v || !adv->in ||
		!adv->prior || !adv->dlogit || !adv->d1 || !adv->d2)
		return AE_ENOMEM;
	for (int l = 0; l < adv->nlayers; l++)
		if ((adv->act[l] = ae_alloc(a, sizeof(ae_real) * rows * adv->width[l + 1])) == NULL)
			return AE_ENOMEM;

	memset(adv->params, 0, sizeof(ae_real) * adv->nparams);
	memset(adv->adam_m, 0, sizeof(ae_real) * adv->nparams);
	memset(adv->adam_v, 0, sizeof(ae_real) * adv->nparams);
	for (int l = 0; l < adv->nlayers; l++)
	{
		double		limit = sqrt(6.0 / (adv->width[l] + adv->width[l + 1]));
		size_t		n = (size_t) adv->width[l + 1] * adv->width[l];

		ae_rng_fill_uniform(rng, adv->params + adv->w_off[l], n, limit);
	}
	ae_adam_init(&adv->adam, lr, 0);
	return AE_OK;
}

const ae_real *
ae_adversary_forward(AeAdversary *adv, const ae_real *z, int B)
{
	const ae_real *inp = z;

	for (int l = 0; l < adv->nlayers; l++)
	{
		ae_dense_forward(adv->act[l], inp, adv->params + adv->w_off[l],
						 adv->params + adv->b_off[l], B, adv->width[l], adv->width[l + 1]);
		if (l < adv->nlayers - 1)
			ae_act_forward(AE_ACT_ELU, adv->act[l], (size_t) B * adv->width[l + 1]);
		inp = adv->act[l];
	}
	return adv->act[adv->nlayers - 1];
}

/*
 * Backward from d: (B) on the logits of the last forward over inputs z:
 * adds the parameters' gradients into grads (skipped when NULL) and
 * overwrites dz: (B, latent) (skipped when NULL).  Clobbers d1 and d2.
 */
static void
backward(AeAdversary *adv, const ae_real *z, const ae_real *d, int B, ae_real *grads,
		 ae_real *dz)
{
	ae_real    *g = adv->d1,
			   *h = adv->d2,
			   *tmp;

	memcpy(g, d, sizeof(ae_real) * B);
	for (int l = adv->nlayers - 1; l >= 0; l--)
	{
		const ae_real *inp = l == 0 ? z : adv->act[l - 1];
		const ae_real *w = adv->params + adv->w_off[l];
		int			nin = adv->width[l],
					nout = adv->width[l + 1];
		ae_real    *dinp = l == 0 ? dz : h;

		if (l < adv->nlayers - 1)
			ae_act_backward(AE_ACT_ELU, g, adv->act[l], (size_t) B * nout);
		if (grads)
			ae_dense_backward(dinp, grads + adv->w_off[l], grads + adv->b_off[l], g, inp, w, B,
							  nin, nout);
		else if (dinp)
			ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, nin, nout, 1, g, nout, w, nin,
					0, dinp, nin);
		tmp = g;
		g = h;
		h = tmp;
	}
}

double
ae_adversary_fool(AeAdversary *adv, const ae_real *z, int B, double weight, ae_real *dz,
				  double *row)
{
	const ae_real *logit = ae_adversary_forward(adv, z, B);
	double		total = 0;

	for (int r = 0; r < B; r++)
	{
		double		f = weight * softplus(-(double) logit[r]);

		if (row)
			row[r] = f;
		total += f;
		adv->dlogit[r] = (ae_real) (-weight * sigmoid(-(double) logit[r]) / B);
	}
	if (dz)
		backward(adv, z, adv->dlogit, B, NULL, dz);
	return total / B;
}

double
ae_adversary_loss(AeAdversary *adv, const ae_real *z, const ae_real *p, int B)
{
	size_t		n = (size_t) B * adv->width[0];
	const ae_real *logit;
	double		total = 0;

	/* one pass over both, prior samples first (label 1), codes after (label 0) */
	memcpy(adv->in, p, sizeof(ae_real) * n);
	memcpy(adv->in + n, z, sizeof(ae_real) * n);
	logit = ae_adversary_forward(adv, adv->in, 2 * B);
	for (int r = 0; r < 2 * B; r++)
	{
		double		u = r < B ? -(double) logit[r] : (double) logit[r];

		total += softplus(u);
		adv->dlogit[r] = (ae_real) ((r < B ? -1 : 1) * sigmoid(u) / B);
	}
	memset(adv->grads, 0, sizeof(ae_real) * adv->nparams);
	backward(adv, adv->in, adv->dlogit, 2 * B, adv->grads, NULL);
	return total / B;
}

double
ae_adversary_step(AeAdversary *adv, const ae_real *z, int B, AeRng *rng)
{
	double		loss;

	for (size_t i = 0; i < (size_t) B * adv->width[0]; i++)
		adv->prior[i] = (ae_real) ae_rng_normal(rng);
	loss = ae_adversary_loss(adv, z, adv->prior, B);
	ae_adam_step(&adv->adam, adv->params, adv->grads, adv->adam_m, adv->adam_v, adv->nparams);
	return loss;
}
