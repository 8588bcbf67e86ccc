/*
 * adam.c — the optimizer.
 */
#include "core/adam.h"

#include <math.h>

#ifdef AE_REAL_DOUBLE
#define sqrt_real sqrt
#else
#define sqrt_real sqrtf
#endif

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

/*
 * One bias-corrected Adam step with decoupled weight decay, in the element
 * type with its constants folded, a loop the compiler vectorises.
 */
AE_VECTOR_CLONES void
ae_adam_step(AeAdam *opt, ae_real *restrict p, const ae_real *restrict g,
			 ae_real *restrict m, ae_real *restrict v, size_t n)
{
	ae_real		b1,
				b2,
				a1,
				a2,
				step_scale,
				inv_c2,
				eps,
				decay;

	opt->t++;
	b1 = (ae_real) opt->beta1;
	b2 = (ae_real) opt->beta2;
	a1 = (ae_real) (1 - opt->beta1);
	a2 = (ae_real) (1 - opt->beta2);
	/* lr · m̂ / (sqrt(v̂) + ε), m̂ = m / c1, v̂ = v / c2 */
	step_scale = (ae_real) (opt->lr / (1 - pow(opt->beta1, (double) opt->t)));
	inv_c2 = (ae_real) (1 / (1 - pow(opt->beta2, (double) opt->t)));
	eps = (ae_real) opt->eps;
	decay = (ae_real) (opt->lr * opt->weight_decay);
	for (size_t i = 0; i < n; i++)
	{
		ae_real		mi = b1 * m[i] + a1 * g[i],
					vi = b2 * v[i] + a2 * g[i] * g[i];

		m[i] = mi;
		v[i] = vi;
		p[i] = p[i] - step_scale * mi / (sqrt_real(vi * inv_c2) + eps) - decay * p[i];
	}
}

/* Global L2-norm clipping; the squares summed in four parts, side by side. */
AE_VECTOR_CLONES double
ae_clip_grad_norm(ae_real *g, size_t n, double max_norm)
{
	double		sq[4] = {0, 0, 0, 0};
	double		norm;
	size_t		i = 0;

	for (; i + 4 <= n; i += 4)
		for (int k = 0; k < 4; k++)
			sq[k] += (double) g[i + k] * g[i + k];
	for (; i < n; i++)
		sq[0] += (double) g[i] * g[i];
	norm = sqrt((sq[0] + sq[1]) + (sq[2] + sq[3]));
	if (max_norm > 0 && norm > max_norm)
	{
		ae_real		scale = (ae_real) (max_norm / norm);

		for (i = 0; i < n; i++)
			g[i] *= scale;
	}
	return norm;
}
