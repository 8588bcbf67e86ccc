/*
 * adam.c — the optimizer.
 */
#include "core/adam.h"

#include <math.h>

/* Standard hyper-parameters. */
void
ae_adam_init(AeAdam *opt, double lr, double weight_decay)
{
	opt->lr = lr;
	opt->beta1 = 0.9;
	opt->beta2 = 0.999;
	opt->eps = 1e-8;
	opt->weight_decay = weight_decay;
	opt->t = 0;
}

/* One bias-corrected Adam step with decoupled weight decay. */
void
ae_adam_step(AeAdam *opt, ae_real *p, const ae_real *g,
			 ae_real *m, ae_real *v, size_t n)
{
	double		b1 = opt->beta1,
				b2 = opt->beta2;
	double		c1,
				c2;

	opt->t++;
	c1 = 1 - pow(b1, (double) opt->t);
	c2 = 1 - pow(b2, (double) opt->t);
	for (size_t i = 0; i < n; i++)
	{
		double		mi = b1 * m[i] + (1 - b1) * g[i];
		double		vi = b2 * v[i] + (1 - b2) * (double) g[i] * g[i];
		double		step = (mi / c1) / (sqrt(vi / c2) + opt->eps);

		m[i] = (ae_real) mi;
		v[i] = (ae_real) vi;
		p[i] = (ae_real) (p[i] - opt->lr * (step + opt->weight_decay * p[i]));
	}
}

/* Global L2-norm clipping. */
double
ae_clip_grad_norm(ae_real *g, size_t n, double max_norm)
{
	double		sq = 0;
	double		norm;

	for (size_t i = 0; i < n; i++)
		sq += (double) g[i] * g[i];
	norm = sqrt(sq);
	if (max_norm > 0 && norm > max_norm)
	{
		ae_real		scale = (ae_real) (max_norm / norm);

		for (size_t i = 0; i < n; i++)
			g[i] *= scale;
	}
	return norm;
}
