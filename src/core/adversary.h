/*
 * adversary.h — the aae kind's discriminator: a small network that tells
 * latent codes drawn from the prior N(0, I) from the encoder's codes of
 * training rows.  Trained against the encoder, it shapes the codes into
 * the prior, so that decoding prior samples generates rows (an
 * adversarial autoencoder).
 *
 * Dense layers latent → hidden[0] → … → 1 logit D(z), the hidden ones with
 * ELU (smooth, so gradient checks hold everywhere).  Its parameters live
 * in their own buffer with their own Adam state: it exists while a model
 * trains and is not part of the model.
 *
 * Its loss over B prior samples p and B codes z (cross-entropy, prior 1,
 * codes 0), with softplus(u) = log(1 + eᵘ):
 *
 *     mean_r softplus(−D(p_r)) + mean_r softplus(D(z_r))
 *
 * and the encoder's term, of weight λ (non-saturating: fool it):
 *
 *     λ · mean_r softplus(−D(z_r))
 */
#ifndef AE_ADVERSARY_H
#define AE_ADVERSARY_H

#include "core/adam.h"
#include "core/core.h"
#include "core/rng.h"

#define AE_ADVERSARY_MAX_LAYERS 8

typedef struct AeAdversary
{
	int			nlayers;		/* dense layers, the last giving the logit */
	int			width[AE_ADVERSARY_MAX_LAYERS + 1];	/* width[0] latent, width[nlayers] 1 */
	size_t		w_off[AE_ADVERSARY_MAX_LAYERS],
				b_off[AE_ADVERSARY_MAX_LAYERS];
	size_t		nparams;
	int			max_rows;		/* rows per pass: codes and prior samples together */
	ae_real    *params,
			   *grads,
			   *adam_m,
			   *adam_v;
	AeAdam		adam;
	ae_real    *in;				/* (max_rows, latent) prior samples, then codes */
	ae_real    *prior;			/* (max_rows / 2, latent) drawn by ae_adversary_step */
	ae_real    *act[AE_ADVERSARY_MAX_LAYERS];	/* (max_rows, width[l + 1]) */
	ae_real    *dlogit;			/* (max_rows) */
	ae_real    *d1,
			   *d2;				/* (max_rows, widest) */
} AeAdversary;

/*
 * Lay out and allocate a discriminator over codes of `latent` units with
 * nhidden hidden layers (0 to AE_ADVERSARY_MAX_LAYERS − 1) of hidden[i]
 * units, for up to max_batch codes per call, learning at rate lr;
 * Xavier-uniform weights drawn from rng, zero biases.
 */
AeStatus	ae_adversary_init(AeAdversary *adv, int latent, const int *hidden, int nhidden,
							  int max_batch, double lr, AeRng *rng, const AeAlloc *a);

/* The logits D of B codes z: (B, latent): B values, valid until the next call. */
const ae_real *ae_adversary_forward(AeAdversary *adv, const ae_real *z, int B);

/*
 * The encoder's term λ · mean softplus(−D(z)) over B codes; overwrites dz:
 * (B, latent) with its gradient (skipped when NULL) and row: (B) with each
 * row's λ · softplus(−D(z_r)) (skipped when NULL).  The discriminator's
 * gradients are left alone.
 */
double		ae_adversary_fool(AeAdversary *adv, const ae_real *z, int B, double weight,
							  ae_real *dz, double *row);

/*
 * The discriminator's loss on B codes z and B prior samples p, both
 * (B, latent); overwrites adv->grads with its gradient.
 */
double		ae_adversary_loss(AeAdversary *adv, const ae_real *z, const ae_real *p, int B);

/* One Adam step on the loss of B codes z and B prior samples drawn from rng; returns the loss. */
double		ae_adversary_step(AeAdversary *adv, const ae_real *z, int B, AeRng *rng);

#endif							/* AE_ADVERSARY_H */
