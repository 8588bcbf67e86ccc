/*
 * kernels.h — the element-wise and one-row kernels of the core in versions
 * for the CPU at hand, chosen at run time.
 *
 * One source (kern_body.h, written with the compiler's vector extensions)
 * is compiled three times: portable (kern_generic.c: 4-wide vectors, which
 * any x86-64 has as SSE2 and other machines lower as they can), for AVX2
 * with FMA (kern_avx2.c) and for AVX-512 (kern_avx512.c).  ae_kernels()
 * gives the widest set the CPU runs, once per process; the sets compute
 * the same formulas in the same order, so they agree to rounding (FMA
 * contracts some products; see test_core's comparisons with the naive
 * references in dense.c and attn.c).
 *
 * Every kernel works on float: a build with AE_REAL_DOUBLE (the gradient
 * checks) uses the naive references instead, through dense.c and attn.c.
 *
 * The exponential-based functions use a polynomial exp (range reduction
 * by ln 2, degree 6 Taylor on |r| <= ln 2 / 2) with arguments clamped to
 * [-87.3, 88], and expm1 on the same reduction (2^k expm1(r) + 2^k - 1,
 * expm1(r) of degree 6 fitted for relative error) for tanh and elu.
 * Measured against double precision over their ranges in steps of 0.001
 * (test_kernels), relative, or absolute below 0.1: exp within 2.4e-7, tanh
 * 1.5e-7, sigmoid 1.9e-7, elu 8e-8, the same in every set.  Against the
 * naive references, which compute in float too, every kernel stays within
 * AE_KERNEL_TOLERANCE.
 */
#ifndef AE_KERNELS_H
#define AE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define AE_KERNEL_TOLERANCE 1e-6	/* relative, or absolute below 1 */

/* Outputs of a packed layer are padded to a multiple of this many lanes. */
#define AE_PACK_LANES 16

typedef struct AeKernels
{
	const char *name;			/* "generic", "avx2", "avx512" */
	int			lanes;			/* floats in one of its vectors */

	/* x: (n) replaced by exp(x) */
	void		(*exp) (float *x, size_t n);

	/* x: (n) replaced by act(x), act an AeActivation (dense.h) */
	void		(*act_forward) (int act, float *x, size_t n);

	/* d: (n) multiplied by act'(x), given the activation's output y: (n) */
	void		(*act_backward) (int act, float *d, const float *y, size_t n);

	/* y = gelu(x) (tanh form); dx = dy · gelu'(x), dx may be dy */
	void		(*gelu_forward) (float *y, const float *x, size_t n);
	void		(*gelu_backward) (float *dx, const float *dy, const float *x, size_t n);

	/*
	 * One row through a dense layer laid out by ae_pack_layer: out: (nout)
	 * = x: (nin) · W + b, where packed holds b and Wᵀ, each output row
	 * padded to ae_pack_width(nout).
	 */
	void		(*dense_row) (float *out, const float *x, const float *packed, int nin, int nout);

	/*
	 * The same from the row's nonzero inputs alone, val: (nnz) the values of
	 * inputs idx: (nnz): the first layer, whose missing-value indicators and
	 * one-hot categories are mostly zeros.
	 */
	void		(*dense_row_sparse) (float *out, const int *idx, const float *val, int nnz,
									 const float *packed, int nout);

	/*
	 * One row's squared error over its observed cells: Σ m[i] (z[i] − t[i])²
	 * over n cells, m[i] 0 or 1; with dz, dz[i] = m[i] · 2 (z[i] − t[i]) ·
	 * scale (0 where unobserved).
	 */
	double		(*sq_loss) (const float *z, const float *t, const uint8_t *m, size_t n,
							float scale, float *dz);
} AeKernels;

/* The widest kernel set this CPU runs (chosen on the first call). */
const AeKernels *ae_kernels(void);

/*
 * The kernel set of a level — 0 generic, 1 avx2, 2 avx512 — or NULL when
 * this build or CPU has none; for tests and benchmarks.
 */
const AeKernels *ae_kernels_level(int level);

#define AE_KERNEL_LEVELS 3

/* Use set k from now on (NULL: the widest again); for tests and benchmarks. */
void		ae_kernels_use(const AeKernels *k);

/* Floats of a packed layer's output row: nout rounded up to AE_PACK_LANES. */
static inline size_t
ae_pack_width(int nout)
{
	return ((size_t) nout + AE_PACK_LANES - 1) / AE_PACK_LANES * AE_PACK_LANES;
}

/* Floats a packed layer takes: its bias row and nin weight rows. */
static inline size_t
ae_pack_size(int nin, int nout)
{
	return ae_pack_width(nout) * ((size_t) nin + 1);
}

/* The kernel sets, defined by kern_generic.c, kern_avx2.c and kern_avx512.c. */
extern const AeKernels ae_kernels_generic;
extern const AeKernels ae_kernels_avx2;
extern const AeKernels ae_kernels_avx512;

#endif							/* AE_KERNELS_H */
