/*
 * attn.h — the layers of a transformer block over a batch of B sequences
 * of T tokens of width D: layer norm, GELU and multi-head self-attention,
 * forward and backward.  Activations are row-major (B, T, D), that is
 * B·T rows of D; layer norm and GELU act on each row or element alone.
 *
 * Layer norm, per row of D, with the biased variance:
 *
 *     y = (x − mean) / sqrt(var + AE_LN_EPS) · gamma + beta
 *
 * Self-attention with H heads (H divides D), head h on the dh = D / H
 * columns [h·dh, (h+1)·dh) of q, k and v (already projected; the
 * projections are dense layers):
 *
 *     out_h = softmax(q_h · k_hᵀ / sqrt(dh)) · v_h
 *
 * every token of a sequence attending to every token of it (no causal
 * mask), except the keys a mask drops: with keep: (B, T) given, a token
 * with keep 0 gets the weight 0 in every token's softmax (its score is
 * −∞), yet attends to the others as usual and has an output.  Each
 * sequence must keep at least one token (a precondition, not checked).
 *
 * As in dense.h, backward functions add into the parameters' gradients
 * (zeroed by the caller) and overwrite the gradients on their inputs;
 * layer norm's dx may be NULL, and is then skipped.  The fast attention
 * makes the products of each (sequence, head) with GEMM, reading a head's
 * columns in place (leading dimension D); the naive functions are plain
 * loops with the same contracts, for the tests.
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

/* The two above, one element at a time with libm's exp: the references. */
void		ae_gelu_forward_naive(ae_real *y, const ae_real *x, size_t n);
void		ae_gelu_backward_naive(ae_real *dx, const ae_real *dy, const ae_real *x, size_t n);

/*
 * out: (B, T, D) from q, k, v: (B, T, D) over H heads; att: (B, H, T, T)
 * gets the attention weights (row i of a head: token i's softmax over the
 * keys), which the backward pass reads.  keep: (B, T), or NULL to keep
 * every token.
 */
void		ae_attn_forward(ae_real *out, ae_real *att, const ae_real *q, const ae_real *k,
							const ae_real *v, const unsigned char *keep, int B, int T, int D,
							int H);

/* Scratch ae_attn_backward needs, in ae_real elements. */
size_t		ae_attn_work_size(int T);

/*
 * Given dout: (B, T, D), after ae_attn_forward with the same arguments:
 * dq, dk, dv: (B, T, D) are overwritten with the gradients on q, k and v
 * (the mask lives on in att: a dropped key gets zero gradients).
 * work: ae_attn_work_size(T) elements.
 */
void		ae_attn_backward(ae_real *dq, ae_real *dk, ae_real *dv, const ae_real *dout,
							 const ae_real *att, const ae_real *q, const ae_real *k,
							 const ae_real *v, int B, int T, int D, int H, ae_real *work);

/* Reference loops for ae_attn_forward and ae_attn_backward; same contracts, no scratch. */
void		ae_attn_forward_naive(ae_real *out, ae_real *att, const ae_real *q,
								  const ae_real *k, const ae_real *v, const unsigned char *keep,
								  int B, int T, int D, int H);
void		ae_attn_backward_naive(ae_real *dq, ae_real *dk, ae_real *dv, const ae_real *dout,
								   const ae_real *att, const ae_real *q, const ae_real *k,
								   const ae_real *v, int B, int T, int D, int H);

#endif							/* AE_ATTN_H */
