/*
 * dense.h — fully connected layers and activations, forward and backward,
 * over a mini-batch.  Weights are (out, in) row-major, so a layer computes
 * out = inp · Wᵀ + b with one GEMM.  Backward functions add into their
 * gradient buffers (the caller zeroes them once per step), llm.c style.
 *
 * Each fast kernel has a naive reference next to it, used by the tests.
 */
#ifndef AE_DENSE_H
#define AE_DENSE_H

#include "core/core.h"

typedef enum AeActivation
{
	AE_ACT_IDENTITY = 0,
	AE_ACT_RELU = 1,
	AE_ACT_TANH = 2,
	AE_ACT_SIGMOID = 3,
	AE_ACT_ELU = 4
} AeActivation;

#define AE_ACT_COUNT 5

/* Name of an activation ("relu"...), or NULL when out of range. */
const char *ae_act_name(int act);

/* Activation code for a name, or -1 when unknown. */
int			ae_act_from_name(const char *name);

/* out: (B, nout) = inp: (B, nin) · w: (nout, nin)ᵀ + b: (nout) */
void		ae_dense_forward(ae_real *out, const ae_real *inp, const ae_real *w,
							 const ae_real *b, int B, int nin, int nout);

/*
 * dinp: (B, nin) = dout · w  (overwritten; skipped when dinp is NULL)
 * dw: (nout, nin) += doutᵀ · inp;  db: (nout) += column sums of dout
 */
void		ae_dense_backward(ae_real *dinp, ae_real *dw, ae_real *db,
							  const ae_real *dout, const ae_real *inp,
							  const ae_real *w, int B, int nin, int nout);

/*
 * Batch rows per block when a product of madds_per_row multiply-adds per
 * row over B rows may pause at t (NULL: never); B when it runs whole.
 */
int			ae_ticker_rows(const AeTicker *t, int B, double madds_per_row);

/*
 * ae_dense_forward and ae_dense_backward in blocks of batch rows, calling
 * t's tick between blocks (see AeTicker in core.h; t may be NULL).  The
 * results are the whole product's up to float rounding: forward and dinp
 * rows are independent, and dw, db accumulate block by block.
 */
void		ae_dense_forward_ticked(ae_real *out, const ae_real *inp, const ae_real *w,
									const ae_real *b, int B, int nin, int nout,
									const AeTicker *t);
void		ae_dense_backward_ticked(ae_real *dinp, ae_real *dw, ae_real *db,
									 const ae_real *dout, const ae_real *inp,
									 const ae_real *w, int B, int nin, int nout,
									 const AeTicker *t);

/* Reference loops for ae_dense_forward and ae_dense_backward; same contracts. */
void		ae_dense_forward_naive(ae_real *out, const ae_real *inp, const ae_real *w,
								   const ae_real *b, int B, int nin, int nout);
void		ae_dense_backward_naive(ae_real *dinp, ae_real *dw, ae_real *db,
									const ae_real *dout, const ae_real *inp,
									const ae_real *w, int B, int nin, int nout);

/* x: (n) is replaced by act(x), by the CPU's kernels (kernels.h). */
void		ae_act_forward(int act, ae_real *x, size_t n);

/*
 * d: (n) is multiplied by act'(x), computed from the activation's output
 * y: (n) — every activation here has a derivative expressible in y.
 */
void		ae_act_backward(int act, ae_real *d, const ae_real *y, size_t n);

/* Reference loops for the two above, with libm's functions. */
void		ae_act_forward_naive(int act, ae_real *x, size_t n);
void		ae_act_backward_naive(int act, ae_real *d, const ae_real *y, size_t n);

/*
 * One row through a dense layer laid out for the kernels (weights read
 * along their outputs): ae_pack_layer writes b: (nout) and w: (nout, nin)
 * into packed: (ae_pack_size(nin, nout)); ae_dense_row computes out: (nout)
 * = x: (nin) · wᵀ + b from it, as ae_dense_forward does for one row, to
 * rounding.
 */
void		ae_pack_layer(ae_real *packed, const ae_real *w, const ae_real *b, int nin, int nout);
void		ae_dense_row(ae_real *out, const ae_real *x, const ae_real *packed, int nin, int nout);
void		ae_dense_row_naive(ae_real *out, const ae_real *x, const ae_real *packed, int nin,
							   int nout);

/*
 * The same from a row's nonzero inputs alone: val: (nnz) the values of
 * inputs idx: (nnz), each below the layer's nin.
 */
void		ae_dense_row_sparse(ae_real *out, const int *idx, const ae_real *val, int nnz,
								const ae_real *packed, int nout);
void		ae_dense_row_sparse_naive(ae_real *out, const int *idx, const ae_real *val, int nnz,
									  const ae_real *packed, int nout);

#endif							/* AE_DENSE_H */
