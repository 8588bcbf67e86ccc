/*
 * lstm.h — a long short-term memory layer over a batch of sequences,
 * forward and backward through time.
 *
 * Gates in the order input, forget, cell, output:
 *
 *     z_t = x_t · Wxᵀ + h_{t-1} · Whᵀ + b                  (B, 4H)
 *     i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
 *     c_t = f ⊙ c_{t-1} + i ⊙ g      h_t = o ⊙ tanh(c_t)
 *
 * Sequences may be shorter than T: sequence r has len[r] steps (1 to T),
 * and from t = len[r] on its state is carried unchanged (h_t = h_{t-1},
 * c_t = c_{t-1}), so h_T is every sequence's state after its own last
 * step.  len NULL: every sequence has T steps.
 *
 * Layout, row-major and time-major (NI is the input width; complex.h, which
 * cblas.h may include, takes the name I): x: (T, B, NI); h and c: (T + 1, B, H),
 * where h[0] and c[0] are the initial state, given by the caller; gates:
 * (T, B, 4H), the gates' values after their activations, kept for the
 * backward pass; Wx: (4H, NI), Wh: (4H, H), b: (4H).  As in dense.h, the
 * backward pass adds into the weights' gradients (zeroed by the caller).
 *
 * The fast path does the input products of all steps in one GEMM and one
 * GEMM per step for the recurrent product; the naive functions are plain
 * loops with the same contracts, for the tests.
 */
#ifndef AE_LSTM_H
#define AE_LSTM_H

#include "core/core.h"

/* Fill h[1..T], c[1..T] and gates from x and the initial state h[0], c[0]. */
void		ae_lstm_forward(ae_real *h, ae_real *c, ae_real *gates, const ae_real *x,
							const int *len, const ae_real *wx, const ae_real *wh,
							const ae_real *b, int T, int B, int NI, int H);

/* Scratch ae_lstm_backward needs, in ae_real elements. */
size_t		ae_lstm_work_size(int T, int B, int H);

/*
 * Given the loss's gradient dh: (T + 1, B, H) on every state h_t (dh[0] on
 * the initial state) and dc_last: (B, H) on the final cell state c_T (NULL:
 * none), after ae_lstm_forward with the same arguments:
 *   dx: (T, B, NI) is overwritten with the gradient on x (skipped when NULL);
 *   dh0, dc0: (B, H) are overwritten with the gradient on the initial state
 *   (each skipped when NULL);
 *   dwx, dwh, db are added into.
 * work: ae_lstm_work_size(T, B, H) elements.
 */
void		ae_lstm_backward(ae_real *dx, ae_real *dh0, ae_real *dc0, ae_real *dwx,
							 ae_real *dwh, ae_real *db, const ae_real *dh,
							 const ae_real *dc_last, const ae_real *h, const ae_real *c,
							 const ae_real *gates, const ae_real *x, const int *len,
							 const ae_real *wx, const ae_real *wh, int T, int B, int NI, int H,
							 ae_real *work);

/* Reference loops for ae_lstm_forward and ae_lstm_backward; same contracts. */
void		ae_lstm_forward_naive(ae_real *h, ae_real *c, ae_real *gates, const ae_real *x,
								  const int *len, const ae_real *wx, const ae_real *wh,
								  const ae_real *b, int T, int B, int NI, int H);
void		ae_lstm_backward_naive(ae_real *dx, ae_real *dh0, ae_real *dc0, ae_real *dwx,
								   ae_real *dwh, ae_real *db, const ae_real *dh,
								   const ae_real *dc_last, const ae_real *h, const ae_real *c,
								   const ae_real *gates, const ae_real *x, const int *len,
								   const ae_real *wx, const ae_real *wh, int T, int B, int NI,
								   int H, ae_real *work);

#endif							/* AE_LSTM_H */
