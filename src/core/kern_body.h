/*
 * kern_body.h — the kernels of kernels.h, once, in vectors of LANES
 * floats (the compiler's vector extensions).  Included by kern_generic.c,
 * kern_avx2.c and kern_avx512.c, each defining LANES, KERN_NAME (the set's
 * name as a string) and KERN_SET (the AeKernels it defines) after setting
 * its target, and KERN_X86 where the x86 intrinsics are there for the
 * masked loads and stores of a tail; every function here is static, so
 * the three copies never meet.  A tail shorter than a vector is a partial
 * vector (its other lanes 0), so every element gets the very same
 * arithmetic.
 */
#include "core/dense.h"
#include "core/kernels.h"

#include <stdint.h>
#include <string.h>

typedef float vf __attribute__((vector_size(LANES * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(LANES * sizeof(int32_t))));
typedef uint32_t vu __attribute__((vector_size(LANES * sizeof(uint32_t))));

/* ---- vector helpers ---- */

/* Every lane s. */
#define REP4(s) s, s, s, s
#define REP8(s) REP4(s), REP4(s)
#define REP16(s) REP8(s), REP8(s)
#define REP_LANES(s) REP_LANES_(LANES, s)
#define REP_LANES_(n, s) REP_LANES__(n, s)
#define REP_LANES__(n, s) REP##n(s)

static inline vf
splat(float s)
{
	vf			v = {REP_LANES(s)};

	return v;
}

/* Unaligned load and store. */
static inline vf
load(const float *p)
{
	vf			v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
store(float *p, vf v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * The first k (<= LANES) floats at p, the other lanes 0, and the first k
 * lanes of v stored at p: masked loads and stores where the set has them
 * (nothing touched past p + k), else lane by lane.  The tails of the
 * loops below go through these.
 */
#if LANES == 16 && defined(KERN_X86)
static inline vf
load_part(const float *p, size_t k)
{
	return (vf) _mm512_maskz_loadu_ps((__mmask16) ((1u << k) - 1), p);
}

static inline void
store_part(float *p, vf v, size_t k)
{
	_mm512_mask_storeu_ps(p, (__mmask16) ((1u << k) - 1), (__m512) v);
}
#elif LANES == 8 && defined(KERN_X86)
static inline vi
first_lanes(size_t k)
{
	const vi	iota = {0, 1, 2, 3, 4, 5, 6, 7};

	return iota < (int32_t) k;
}

static inline vf
load_part(const float *p, size_t k)
{
	return (vf) _mm256_maskload_ps(p, (__m256i) first_lanes(k));
}

static inline void
store_part(float *p, vf v, size_t k)
{
	_mm256_maskstore_ps(p, (__m256i) first_lanes(k), (__m256) v);
}
#else
static inline vf
load_part(const float *p, size_t k)
{
	vf			v = splat(0);

	for (size_t j = 0; j < k; j++)
		v[j] = p[j];
	return v;
}

static inline void
store_part(float *p, vf v, size_t k)
{
	if (k == LANES)
		store(p, v);
	else
		for (size_t j = 0; j < k; j++)
			p[j] = v[j];
}
#endif

/* Lane by lane, mask ? a : b (mask lanes all ones or all zeros). */
static inline vf
select_lanes(vi mask, vf a, vf b)
{
	return (vf) ((mask & (vi) a) | (~mask & (vi) b));
}

/* The lanes' absolute values, and their sign bits alone. */
static inline vf
abs_lanes(vf x)
{
	return (vf) ((vi) x & ((vi) {0} + INT32_MAX));
}

static inline vi
sign_lanes(vf x)
{
	return (vi) x & ((vi) {0} + INT32_MIN);
}

/* ---- the exponential family ---- */

/*
 * x = k ln 2 + r, k an integer (rounded by adding and subtracting
 * 1.5 · 2²³) and |r| <= ln 2 / 2 (ln 2 in two parts, so r is exact to a
 * float's precision); returns r, and 2^k built in the exponent bits
 * through *two_k (a normal float for x within [-87.3, 88]).
 */
static inline vf
exp_reduce(vf x, vf *two_k)
{
	const vf	round = splat(12582912.0f);
	vf			k = (x * 1.44269504088896341f + round) - round,
				r = x - k * 0.693145751953125f;

	*two_k = (vf) (((vu) __builtin_convertvector(k, vi) + 127) << 23);
	return r - k * 1.42860682030941723e-6f;
}

/*
 * exp(x), x clamped to [-87.3, 88] so the result is a normal float:
 * 2^k exp(r) (exp_reduce), exp(r) by its Taylor series to degree 6 (error
 * below 1.2e-7 relative on that range).
 */
static inline vf
vexp(vf x)
{
	const vf	hi = splat(88.0f),
				lo = splat(-87.3f);
	vf			r,
				p,
				two_k;

	x = select_lanes(x > hi, hi, x);
	x = select_lanes(x < lo, lo, x);
	r = exp_reduce(x, &two_k);
	p = splat(1.0f / 720);
	p = p * r + 1.0f / 120;
	p = p * r + 1.0f / 24;
	p = p * r + 1.0f / 6;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	return p * two_k;
}

/*
 * expm1(u) for u <= 0 along one path: u = k ln 2 + r (exp_reduce),
 * expm1(u) = 2^k expm1(r) + (2^k − 1), where both terms are exact and only
 * their sum rounds, and expm1(r) = r + r² C(r) keeps r's digits near 0.
 * C is of degree 4, fitted by Remez exchange for the least relative error
 * of expm1(r) on |r| <= ln 2 / 2 (1.3e-8; test/bench/tanh_fit.py derives
 * it).  u is clamped at −18, below which expm1 rounds to −1.
 */
static inline vf
vexpm1(vf u)
{
	vf			r,
				p,
				two_k;

	u = select_lanes(u < -18.0f, splat(-18.0f), u);
	r = exp_reduce(u, &two_k);
	p = splat(1.388252014e-03f);
	p = p * r + 8.366527036e-03f;
	p = p * r + 4.166720062e-02f;
	p = p * r + 1.666654348e-01f;
	p = p * r + 4.999999702e-01f;
	p = r + r * r * p;
	return two_k * p + (two_k - 1.0f);
}

/*
 * tanh x = m / (−2 − m), m = expm1(−2|x|) ∈ [−1, 0], so |tanh x| <= 1 and
 * is 1 from |x| = 9 on (±inf included); the quotient's sign cleared (m is
 * +0 at x = 0) and x's put back, so the function is exactly odd, signed
 * zeros included.  About 25 operations and a division: an odd rational
 * x P(x²) / Q(x²) has fewer, but in float its rounding errs by 2.8e-7, and
 * in double it costs more (tanh_fit.py --rational).  Largest error against
 * tanh in double over [−20, 20] in steps of 0.001: 1.5e-7 relative
 * (test_kernels); over every float in [0, 20], 1.9e-7.
 */
static inline vf
vtanh(vf x)
{
	vf			m = vexpm1(-2.0f * abs_lanes(x));

	return (vf) ((vi) abs_lanes(m / (-2.0f - m)) | sign_lanes(x));
}

/* σ(x) = 1 / (1 + e^−x). */
static inline vf
vsigmoid(vf x)
{
	return 1.0f / (1.0f + vexp(-x));
}

/* max(x, 0). */
static inline vf
relu_lanes(vf x)
{
	return select_lanes(x > 0.0f, x, splat(0));
}

/* elu x = x for x > 0, expm1(x) otherwise. */
static inline vf
velu(vf x)
{
	vi			pos = x > 0.0f;

	return select_lanes(pos, x, vexpm1(select_lanes(pos, splat(0), x)));
}

/* gelu x = x · σ(2u), u = sqrt(2/π) (x + 0.044715 x³), as attn.c's reference. */
#define GELU_C 0.7978845608028654f
#define GELU_A 0.044715f

static inline vf
vgelu(vf x)
{
	vf			u = GELU_C * (x + GELU_A * x * x * x);

	return x / (1.0f + vexp(-2.0f * u));
}

/* gelu'(x) = s + 2 x s (1 − s) u', s = σ(2u), u' = sqrt(2/π) (1 + 3 · 0.044715 x²). */
static inline vf
vgelu_grad(vf x)
{
	vf			u = GELU_C * (x + GELU_A * x * x * x),
				du = GELU_C * (1.0f + 3.0f * GELU_A * x * x),
				s = 1.0f / (1.0f + vexp(-2.0f * u));

	return s + 2.0f * x * s * (1.0f - s) * du;
}

/* ---- element-wise loops ---- */

/*
 * x: (n) = f(x) for an element-wise vector function: whole vectors, then
 * the tail as a partial vector.
 */
#define MAP_INPLACE(f, x, n) \
	do { \
		size_t		i_ = 0; \
		for (; i_ + LANES <= (n); i_ += LANES) \
			store((x) + i_, f(load((x) + i_))); \
		if (i_ < (n)) \
			store_part((x) + i_, f(load_part((x) + i_, (n) - i_)), (n) - i_); \
	} while (0)

/* x = exp(x). */
static void
kern_exp(float *x, size_t n)
{
	MAP_INPLACE(vexp, x, n);
}

/* x = act(x). */
static void
kern_act_forward(int act, float *x, size_t n)
{
	switch (act)
	{
		case AE_ACT_RELU:
			MAP_INPLACE(relu_lanes, x, n);
			break;
		case AE_ACT_TANH:
			MAP_INPLACE(vtanh, x, n);
			break;
		case AE_ACT_SIGMOID:
			MAP_INPLACE(vsigmoid, x, n);
			break;
		case AE_ACT_ELU:
			MAP_INPLACE(velu, x, n);
			break;
		default:
			break;
	}
}

/* d · act'(x), act' from the output y, for whole vectors. */
static inline vf
act_grad(int act, vf d, vf y)
{
	switch (act)
	{
		case AE_ACT_RELU:
			return select_lanes(y > 0.0f, d, splat(0));
		case AE_ACT_TANH:
			return d * (1.0f - y * y);
		case AE_ACT_SIGMOID:
			return d * (y * (1.0f - y));
		case AE_ACT_ELU:
			return d * select_lanes(y > 0.0f, splat(1), y + 1.0f);
		default:
			return d;
	}
}

/* d *= act'(x), written in the output y. */
static void
kern_act_backward(int act, float *d, const float *y, size_t n)
{
	size_t		i = 0;

	if (act == AE_ACT_IDENTITY)
		return;
	for (; i + LANES <= n; i += LANES)
		store(d + i, act_grad(act, load(d + i), load(y + i)));
	if (i < n)
		store_part(d + i, act_grad(act, load_part(d + i, n - i), load_part(y + i, n - i)), n - i);
}

/* y = gelu(x). */
static void
kern_gelu_forward(float *y, const float *x, size_t n)
{
	if (y != x)
		memmove(y, x, sizeof(float) * n);
	MAP_INPLACE(vgelu, y, n);
}

/* dx = dy · gelu'(x); dx may be dy. */
static void
kern_gelu_backward(float *dx, const float *dy, const float *x, size_t n)
{
	size_t		i = 0;

	for (; i + LANES <= n; i += LANES)
		store(dx + i, load(dy + i) * vgelu_grad(load(x + i)));
	if (i < n)
		store_part(dx + i, load_part(dy + i, n - i) * vgelu_grad(load_part(x + i, n - i)), n - i);
}

/* ---- the squared error of a row ---- */

/* The masked difference of cells: z − t where the mask's byte is nonzero, 0 elsewhere. */
typedef uint8_t vb __attribute__((vector_size(LANES)));

static inline vf
masked_diff(vf z, vf t, vb mb)
{
	return select_lanes(__builtin_convertvector(mb, vi) != 0, z - t, splat(0));
}

typedef double vd __attribute__((vector_size(LANES * sizeof(double))));

/*
 * Σ m (z − t)² and dz = m · 2 (z − t) · scale: whole vectors, then the
 * tail; each difference in float, its square summed in double (as
 * ae_loss_squared, so that a row's column losses add up to its loss).
 */
static double
kern_sq_loss(const float *z, const float *t, const uint8_t *m, size_t n, float scale, float *dz)
{
	vd			sum = {0},
				dd;
	vf			d;
	double		lanes[LANES];
	double		total = 0;
	size_t		i = 0;

	for (; i + LANES <= n; i += LANES)
	{
		vb			mb;

		memcpy(&mb, m + i, sizeof(mb));
		d = masked_diff(load(z + i), load(t + i), mb);
		dd = __builtin_convertvector(d, vd);
		sum += dd * dd;
		if (dz)
			store(dz + i, (d + d) * scale);
	}
	if (i < n)
	{
		vb			mb = {0};

		for (size_t j = 0; j < n - i; j++)
			mb[j] = m[i + j];
		d = masked_diff(load_part(z + i, n - i), load_part(t + i, n - i), mb);
		dd = __builtin_convertvector(d, vd);
		sum += dd * dd;
		if (dz)
			store_part(dz + i, (d + d) * scale, n - i);
	}
	memcpy(lanes, &sum, sizeof(lanes));
	for (int l = 0; l < LANES; l++)
		total += lanes[l];
	return total;
}

/* ---- one row through a packed dense layer ---- */

#define Min(a, b) ((a) < (b) ? (a) : (b))

/* The weight row of the i-th input: itself, or the i-th of a list of inputs. */
#define ROW(i) (idx ? idx[i] : (i))

/*
 * out = b + Σ_i x[i] · Wᵀ[ROW(i)] over a packed layer (rows padded to whole
 * vectors; only the nout real outputs are stored).  Four vectors of
 * outputs at a time, each summing even and odd inputs apart: eight sums in
 * registers, so that no FMA waits on the one before (an FMA's latency is
 * four of its issue slots); then vector by vector, over four parts.
 */
static inline __attribute__((always_inline)) void
dense_rows(float *out, const float *x, const int *idx, int nin, const float *packed, int nout)
{
	size_t		width = ae_pack_width(nout);
	const float *wt = packed + width;
	size_t		o = 0;

	for (; o + 4 * LANES <= width && o < (size_t) nout; o += 4 * LANES)
	{
		vf			e0 = splat(0), e1 = splat(0), e2 = splat(0), e3 = splat(0),
					d0 = splat(0), d1 = splat(0), d2 = splat(0), d3 = splat(0);
		int			i = 0;

		for (; i + 2 <= nin; i += 2)
		{
			const float *w = wt + (size_t) ROW(i) * width + o,
					   *v = wt + (size_t) ROW(i + 1) * width + o;
			vf			xe = splat(x[i]),
						xd = splat(x[i + 1]);

			e0 += xe * load(w);
			e1 += xe * load(w + LANES);
			e2 += xe * load(w + 2 * LANES);
			e3 += xe * load(w + 3 * LANES);
			d0 += xd * load(v);
			d1 += xd * load(v + LANES);
			d2 += xd * load(v + 2 * LANES);
			d3 += xd * load(v + 3 * LANES);
		}
		if (i < nin)
		{
			const float *w = wt + (size_t) ROW(i) * width + o;
			vf			xe = splat(x[i]);

			e0 += xe * load(w);
			e1 += xe * load(w + LANES);
			e2 += xe * load(w + 2 * LANES);
			e3 += xe * load(w + 3 * LANES);
		}
		e0 = load(packed + o) + (e0 + d0);
		e1 = load(packed + o + LANES) + (e1 + d1);
		e2 = load(packed + o + 2 * LANES) + (e2 + d2);
		e3 = load(packed + o + 3 * LANES) + (e3 + d3);
		store_part(out + o, e0, Min(LANES, nout - o));
		if (o + LANES < (size_t) nout)
			store_part(out + o + LANES, e1, Min(LANES, nout - o - LANES));
		if (o + 2 * LANES < (size_t) nout)
			store_part(out + o + 2 * LANES, e2, Min(LANES, nout - o - 2 * LANES));
		if (o + 3 * LANES < (size_t) nout)
			store_part(out + o + 3 * LANES, e3, Min(LANES, nout - o - 3 * LANES));
	}
	for (; o < (size_t) nout; o += LANES)
	{
		vf			s0 = splat(0), s1 = splat(0), s2 = splat(0), s3 = splat(0);
		int			i = 0;

		for (; i + 4 <= nin; i += 4)
		{
			s0 += splat(x[i]) * load(wt + (size_t) ROW(i) * width + o);
			s1 += splat(x[i + 1]) * load(wt + (size_t) ROW(i + 1) * width + o);
			s2 += splat(x[i + 2]) * load(wt + (size_t) ROW(i + 2) * width + o);
			s3 += splat(x[i + 3]) * load(wt + (size_t) ROW(i + 3) * width + o);
		}
		for (; i < nin; i++)
			s0 += splat(x[i]) * load(wt + (size_t) ROW(i) * width + o);
		s0 = load(packed + o) + ((s0 + s1) + (s2 + s3));
		store_part(out + o, s0, Min(LANES, nout - o));
	}
}

/* One row through a packed layer. */
static void
kern_dense_row(float *out, const float *x, const float *packed, int nin, int nout)
{
	dense_rows(out, x, NULL, nin, packed, nout);
}

/* One row through a packed layer, from its nonzero inputs alone: val[k] is input idx[k]. */
static void
kern_dense_row_sparse(float *out, const int *idx, const float *val, int nnz, const float *packed,
					  int nout)
{
	dense_rows(out, val, idx, nnz, packed, nout);
}

const AeKernels KERN_SET = {
	.name = KERN_NAME,
	.lanes = LANES,
	.exp = kern_exp,
	.act_forward = kern_act_forward,
	.act_backward = kern_act_backward,
	.gelu_forward = kern_gelu_forward,
	.gelu_backward = kern_gelu_backward,
	.dense_row = kern_dense_row,
	.dense_row_sparse = kern_dense_row_sparse,
	.sq_loss = kern_sq_loss,
};
