/*
 * attn.h — the layers of a transformer block over a batch of B sequences
 * of T tokens of width D: layer norm and GELU, forward and backward.
 * Activations are row-major (B, T, D), that is B·T rows of D; layer norm
 * and GELU act on each row or element alone.
 *
 * Layer norm, per row of D, with the biased variance:
 *
 *     y = (x − mean) / sqrt(var + AE_LN_EPS) · gamma + beta
 *
 * As in dense.h, backward functions add into the parameters' gradients
 * (zeroed by the caller) and overwrite the gradients on their inputs;
 * layer norm's dx may be NULL, and is then skipped.  The naive functions
 * compute the same by other means, for the tests.
 */
#ifndef AE_ATTN_H
#define AE_ATTN_H

#include "core/core.h"

#define AE_LN_EPS 1e-5			/* added to the variance before its square root */

/*
 * y: (rows, D) = the layer norm of x: (rows, D) with gamma, beta: (D);
 * mean, rstd: (rows) get each row's mean and 1 / sqrt(var + eps), which
 * the backward pass reads.
 */
void		ae_layernorm_forward(ae_real *y, ae_real *mean, ae_real *rstd, const ae_real *x,
								 const ae_real *gamma, const ae_real *beta, int rows, int D);

/*
 * Given dy: (rows, D), after ae_layernorm_forward of x: dx: (rows, D) is
 * overwritten (skipped when NULL); dgamma, dbeta: (D) are added into.
 */
void		ae_layernorm_backward(ae_real *dx, ae_real *dgamma, ae_real *dbeta,
								  const ae_real *dy, const ae_real *x, const ae_real *mean,
								  const ae_real *rstd, const ae_real *gamma, int rows, int D);

/*
 * Reference functions for layer norm; same contracts.  The backward one
 * ignores mean and rstd: it recomputes both from x and applies each row's
 * Jacobian, D × D, as written out.
 */
void		ae_layernorm_forward_naive(ae_real *y, ae_real *mean, ae_real *rstd,
									   const ae_real *x, const ae_real *gamma,
									   const ae_real *beta, int rows, int D);
void		ae_layernorm_backward_naive(ae_real *dx, ae_real *dgamma, ae_real *dbeta,
										const ae_real *dy, const ae_real *x,
										const ae_real *mean, const ae_real *rstd,
										const ae_real *gamma, int rows, int D);

/*
 * GELU, GPT-2's tanh approximation, element-wise over n values:
 * y = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))).  y may be x.
 */
void		ae_gelu_forward(ae_real *y, const ae_real *x, size_t n);

/* dx: (n) = dy · gelu'(x), from the input x; dx may be dy. */
void		ae_gelu_backward(ae_real *dx, const ae_real *dy, const ae_real *x, size_t n);

#endif							/* AE_ATTN_H */
