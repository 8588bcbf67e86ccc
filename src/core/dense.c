/*
 * dense.c — dense layers through cblas GEMM, the same in blocks of batch
 * rows so that a long product can pause for its caller, their naive
 * references, and the element-wise activations.
 */
#include "core/dense.h"

#include "core/blas.h"
#include "core/kernels.h"

#include <math.h>
#include <string.h>

static const char *const act_names[AE_ACT_COUNT] = {
	"identity", "relu", "tanh", "sigmoid", "elu"
};

/* Name of an activation. */
const char *
ae_act_name(int act)
{
	return (act >= 0 && act < AE_ACT_COUNT) ? act_names[act] : NULL;
}

/* Activation code for a name, -1 when unknown. */
int
ae_act_from_name(const char *name)
{
	for (int i = 0; i < AE_ACT_COUNT; i++)
		if (strcmp(name, act_names[i]) == 0)
			return i;
	return -1;
}

/*
 * out = inp · wᵀ + b: bias broadcast first, then one GEMM accumulates.  The
 * broadcast copies the rows already filled onto the next as many, a
 * doubling: log2(B) copies rather than a library call per row.
 */
void
ae_dense_forward(ae_real *out, const ae_real *inp, const ae_real *w,
				 const ae_real *b, int B, int nin, int nout)
{
	if (B > 0)
		memcpy(out, b, sizeof(ae_real) * nout);
	for (int r = 1; r < B; r *= 2)
		memcpy(out + (size_t) r * nout, out,
			   sizeof(ae_real) * nout * (size_t) (B - r < r ? B - r : r));
	ae_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, nout, nin,
			1, inp, nin, w, nin, 1, out, nout);
}

/* db: (nout) += the column sums of dout: (B, nout). */
static AE_VECTOR_CLONES void
bias_gradient(ae_real *restrict db, const ae_real *restrict dout, int B, int nout)
{
	for (int r = 0; r < B; r++)
	{
		const ae_real *d = dout + (size_t) r * nout;

		for (int o = 0; o < nout; o++)
			db[o] += d[o];
	}
}

/* Gradients of a dense layer; see dense.h for the contract. */
void
ae_dense_backward(ae_real *dinp, ae_real *dw, ae_real *db,
				  const ae_real *dout, const ae_real *inp,
				  const ae_real *w, int B, int nin, int nout)
{
	/* dw (nout, nin) += dout (B, nout)ᵀ · inp (B, nin) */
	ae_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, nout, nin, B,
			1, dout, nout, inp, nin, 1, dw, nin);
	bias_gradient(db, dout, B, nout);
	/* dinp (B, nin) = dout (B, nout) · w (nout, nin) */
	if (dinp)
		ae_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, nin, nout,
				1, dout, nout, w, nin, 0, dinp, nin);
}

/*
 * Rows per block of a product that may pause.  Blocks are kept at
 * min_rows rows or more because a GEMM over few rows is slow: with
 * 8000 x 8000 weights, OpenBLAS's serial sgemm ran 5.6 GFLOP/s over 1 row,
 * 107 over 64, 123 over 128 and 131 over the whole batch.
 */
int
ae_ticker_rows(const AeTicker *t, int B, double madds_per_row)
{
	double		max_madds,
				rows;
	int			min_rows;

	if (t == NULL || t->tick == NULL || B <= 1)
		return B;
	max_madds = t->max_madds > 0 ? t->max_madds : AE_TICK_MADDS;
	if (B * madds_per_row <= max_madds)
		return B;
	min_rows = t->min_rows > 0 ? t->min_rows : AE_TICK_MIN_ROWS;
	rows = floor(max_madds / madds_per_row);
	if (rows < min_rows)
		rows = min_rows;
	return rows >= B ? B : (int) rows;
}

/* Forward over blocks of rows: each block is a forward of its own rows. */
void
ae_dense_forward_ticked(ae_real *out, const ae_real *inp, const ae_real *w,
						const ae_real *b, int B, int nin, int nout,
						const AeTicker *t)
{
	int			rows = ae_ticker_rows(t, B, (double) nin * nout);

	for (int r = 0; r < B; r += rows)
	{
		int			n = B - r < rows ? B - r : rows;

		if (r > 0)
			t->tick(t->arg);
		/* out[r..r+n) = inp[r..r+n) · wᵀ + b */
		ae_dense_forward(out + (size_t) r * nout, inp + (size_t) r * nin, w, b, n, nin, nout);
	}
}

/* Backward over blocks of rows: dinp by rows, dw and db summed over the blocks. */
void
ae_dense_backward_ticked(ae_real *dinp, ae_real *dw, ae_real *db,
						 const ae_real *dout, const ae_real *inp,
						 const ae_real *w, int B, int nin, int nout,
						 const AeTicker *t)
{
	int			rows = ae_ticker_rows(t, B, (double) nin * nout * (dinp ? 2 : 1));

	for (int r = 0; r < B; r += rows)
	{
		int			n = B - r < rows ? B - r : rows;

		if (r > 0)
			t->tick(t->arg);
		/* dw += dout[r..r+n)ᵀ · inp[r..r+n); dinp[r..r+n) = dout[r..r+n) · w */
		ae_dense_backward(dinp ? dinp + (size_t) r * nin : NULL, dw, db,
						  dout + (size_t) r * nout, inp + (size_t) r * nin, w, n, nin, nout);
	}
}

/* Reference forward: three loops, double accumulator. */
void
ae_dense_forward_naive(ae_real *out, const ae_real *inp, const ae_real *w,
					   const ae_real *b, int B, int nin, int nout)
{
	for (int r = 0; r < B; r++)
		for (int o = 0; o < nout; o++)
		{
			double		acc = b[o];

			for (int i = 0; i < nin; i++)
				acc += (double) inp[(size_t) r * nin + i] * w[(size_t) o * nin + i];
			out[(size_t) r * nout + o] = (ae_real) acc;
		}
}

/* Reference backward: loops, double accumulators. */
void
ae_dense_backward_naive(ae_real *dinp, ae_real *dw, ae_real *db,
						const ae_real *dout, const ae_real *inp,
						const ae_real *w, int B, int nin, int nout)
{
	for (int o = 0; o < nout; o++)
	{
		double		acc_b = 0;

		for (int r = 0; r < B; r++)
			acc_b += dout[(size_t) r * nout + o];
		db[o] += (ae_real) acc_b;
		for (int i = 0; i < nin; i++)
		{
			double		acc = 0;

			for (int r = 0; r < B; r++)
				acc += (double) dout[(size_t) r * nout + o] * inp[(size_t) r * nin + i];
			dw[(size_t) o * nin + i] += (ae_real) acc;
		}
	}
	if (dinp)
		for (int r = 0; r < B; r++)
			for (int i = 0; i < nin; i++)
			{
				double		acc = 0;

				for (int o = 0; o < nout; o++)
					acc += (double) dout[(size_t) r * nout + o] * w[(size_t) o * nin + i];
				dinp[(size_t) r * nin + i] = (ae_real) acc;
			}
}

/* In-place activation, by the CPU's kernels (the reference in double builds). */
void
ae_act_forward(int act, ae_real *x, size_t n)
{
#ifdef AE_REAL_DOUBLE
	ae_act_forward_naive(act, x, n);
#else
	ae_kernels()->act_forward(act, x, n);
#endif
}

/* d *= act'(x), by the CPU's kernels (the reference in double builds). */
void
ae_act_backward(int act, ae_real *d, const ae_real *y, size_t n)
{
#ifdef AE_REAL_DOUBLE
	ae_act_backward_naive(act, d, y, n);
#else
	ae_kernels()->act_backward(act, d, y, n);
#endif
}

/* Reference activation: libm's exponentials, one element at a time. */
void
ae_act_forward_naive(int act, ae_real *x, size_t n)
{
	switch (act)
	{
		case AE_ACT_RELU:
			for (size_t i = 0; i < n; i++)
				x[i] = x[i] > 0 ? x[i] : 0;
			break;
		case AE_ACT_TANH:
			for (size_t i = 0; i < n; i++)
				x[i] = (ae_real) tanh((double) x[i]);
			break;
		case AE_ACT_SIGMOID:
			for (size_t i = 0; i < n; i++)
				x[i] = 1 / (1 + ae_exp(-x[i]));
			break;
		case AE_ACT_ELU:
			for (size_t i = 0; i < n; i++)
				x[i] = x[i] > 0 ? x[i] : ae_expm1(x[i]);
			break;
		default:
			break;
	}
}

/* Reference derivative: d *= act'(x), written in terms of the output y = act(x). */
void
ae_act_backward_naive(int act, ae_real *d, const ae_real *y, size_t n)
{
	switch (act)
	{
		case AE_ACT_RELU:
			for (size_t i = 0; i < n; i++)
				d[i] = y[i] > 0 ? d[i] : 0;
			break;
		case AE_ACT_TANH:
			for (size_t i = 0; i < n; i++)
				d[i] *= 1 - y[i] * y[i];
			break;
		case AE_ACT_SIGMOID:
			for (size_t i = 0; i < n; i++)
				d[i] *= y[i] * (1 - y[i]);
			break;
		case AE_ACT_ELU:
			for (size_t i = 0; i < n; i++)
				d[i] *= y[i] > 0 ? 1 : y[i] + 1;
			break;
		default:
			break;
	}
}

/* Lay out a dense layer for ae_dense_row: b, then Wᵀ, rows padded to whole vectors. */
void
ae_pack_layer(ae_real *packed, const ae_real *w, const ae_real *b, int nin, int nout)
{
	size_t		width = ae_pack_width(nout);

	memset(packed, 0, sizeof(ae_real) * ae_pack_size(nin, nout));
	memcpy(packed, b, sizeof(ae_real) * nout);
	for (int o = 0; o < nout; o++)
		for (int i = 0; i < nin; i++)
			packed[width * (i + 1) + o] = w[(size_t) o * nin + i];
}

/* One row through a packed layer, by the CPU's kernels (the reference in double builds). */
void
ae_dense_row(ae_real *out, const ae_real *x, const ae_real *packed, int nin, int nout)
{
#ifdef AE_REAL_DOUBLE
	ae_dense_row_naive(out, x, packed, nin, nout);
#else
	ae_kernels()->dense_row(out, x, packed, nin, nout);
#endif
}

/*
 * Reference one-row layer over the packed layout, double accumulators:
 * x: (n) the inputs 0..n-1, or with idx the inputs idx[0..n).
 */
static void
packed_row_naive(ae_real *out, const ae_real *x, const int *idx, int n, const ae_real *packed,
				 int nout)
{
	size_t		width = ae_pack_width(nout);

	for (int o = 0; o < nout; o++)
	{
		double		acc = packed[o];

		for (int k = 0; k < n; k++)
			acc += (double) x[k] * packed[width * ((idx ? idx[k] : k) + 1) + o];
		out[o] = (ae_real) acc;
	}
}

/* Reference for ae_dense_row. */
void
ae_dense_row_naive(ae_real *out, const ae_real *x, const ae_real *packed, int nin, int nout)
{
	packed_row_naive(out, x, NULL, nin, packed, nout);
}

/* One row through a packed layer from its nonzero inputs, by the CPU's kernels. */
void
ae_dense_row_sparse(ae_real *out, const int *idx, const ae_real *val, int nnz,
					const ae_real *packed, int nout)
{
#ifdef AE_REAL_DOUBLE
	ae_dense_row_sparse_naive(out, idx, val, nnz, packed, nout);
#else
	ae_kernels()->dense_row_sparse(out, idx, val, nnz, packed, nout);
#endif
}

/* Reference for ae_dense_row_sparse. */
void
ae_dense_row_sparse_naive(ae_real *out, const int *idx, const ae_real *val, int nnz,
						  const ae_real *packed, int nout)
{
	packed_row_naive(out, val, idx, nnz, packed, nout);
}
