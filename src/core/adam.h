/*
 * adam.h — Adam with bias correction, decoupled weight decay (AdamW) and
 * global gradient-norm clipping, as one flat loop over contiguous buffers.
 */
#ifndef AE_ADAM_H
#define AE_ADAM_H

#include "core/core.h"

typedef struct AeAdam
{
	double		lr;
	double		beta1;
	double		beta2;
	double		eps;
	double		weight_decay;	/* decoupled: p -= lr * wd * p */
	long		t;				/* steps taken so far */
} AeAdam;

/* Defaults: beta1 0.9, beta2 0.999, eps 1e-8, no weight decay. */
void		ae_adam_init(AeAdam *opt, double lr, double weight_decay);

/* One step: p, m, v updated in place from gradient g, all of length n. */
void		ae_adam_step(AeAdam *opt, ae_real *p, const ae_real *g,
						 ae_real *m, ae_real *v, size_t n);

/* Scale g so its L2 norm is at most max_norm (<= 0: no clipping); returns the norm before. */
double		ae_clip_grad_norm(ae_real *g, size_t n, double max_norm);

#endif							/* AE_ADAM_H */
