/*
 * sgemm_peak.c — what one core's cblas_sgemm reaches, the ceiling the
 * training loop is measured against (train_speed.py, `run-bench.sh train`).
 *
 * Built by run-bench.sh (the Makefile's test/bench/sgemm_peak rule) against
 * the serial OpenBLAS the extension links, so it is the same library on
 * the same single thread.  It prints:
 *   * single-precision GEMM GFLOP/s on large square matrices (best of
 *     several runs): the core's sgemm peak;
 *   * GFLOP/s at the shapes of one training step of a dense autoencoder,
 *     each product as src/core/dense.c calls it (forward out = x · wᵀ;
 *     backward dw += doutᵀ · x and, except for the first layer,
 *     dx = dout · w), and all of them in sequence: what a step's products
 *     alone could reach at that batch size.
 * The last lines, "peak_gflops X" and "step_gflops Y", are for scripts.
 *
 *   test/bench/sgemm_peak [batch [layer widths...]]
 *   default: 256 30 64 32 8 32 64 30  (the network train_speed.py trains)
 */
#define _POSIX_C_SOURCE 199309L	/* clock_gettime under -std=c99 */

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WIDTHS 16

/* One product C (m, n) = op(A) · op(B) + beta C, as cblas_sgemm takes it. */
typedef struct Product
{
	const char *what;
	CBLAS_TRANSPOSE ta,
				tb;
	int			m,
				n,
				k;
	float		beta;
	float	   *a,
			   *b,
			   *c;
	int			lda,
				ldb,
				ldc;
} Product;

/* Seconds on the monotonic clock. */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A buffer of n floats in [-0.5, 0.5), exiting when memory runs out. */
static float *
random_floats(size_t n)
{
	float	   *p = malloc(sizeof(float) * (n ? n : 1));

	if (!p)
	{
		fprintf(stderr, "sgemm_peak: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (float) rand() / RAND_MAX - 0.5f;
	return p;
}

/*
 * A product C (m, n) = op(A) (m, k) · op(B) (k, n) + beta C over random
 * row-major buffers, each stored as its transpose flag says.
 */
static Product
new_product(const char *what, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float beta)
{
	Product		p = {what, ta, tb, m, n, k, beta,
		random_floats((size_t) m * k), random_floats((size_t) k * n), random_floats((size_t) m * n),
		ta == CblasNoTrans ? k : m, tb == CblasNoTrans ? n : k, n};

	return p;
}

/* Free a product's buffers. */
static void
free_product(Product *p)
{
	free(p->a);
	free(p->b);
	free(p->c);
}

/* Run one product. */
static void
run_product(const Product *p)
{
	cblas_sgemm(CblasRowMajor, p->ta, p->tb, p->m, p->n, p->k, 1.0f,
				p->a, p->lda, p->b, p->ldb, p->beta, p->c, p->ldc);
}

/* Floating-point operations of a product: a multiply and an add per term. */
static double
product_flops(const Product *p)
{
	return 2.0 * p->m * p->n * p->k;
}

/*
 * Best GFLOP/s of products[0..count) run in sequence: rounds of enough
 * repetitions to last about 20 ms each, best round of `rounds`.
 */
static double
best_gflops(const Product *products, int count, int rounds)
{
	double		flops = 0,
				best = 0;
	int			reps = 1;

	for (int i = 0; i < count; i++)
		flops += product_flops(&products[i]);
	/* warm up and size the rounds */
	for (;;)
	{
		double		t0 = now_seconds(),
					secs;

		for (int r = 0; r < reps; r++)
			for (int i = 0; i < count; i++)
				run_product(&products[i]);
		secs = now_seconds() - t0;
		if (secs > 0.02)
			break;
		reps *= 2;
	}
	for (int round = 0; round < rounds; round++)
	{
		double		t0 = now_seconds(),
					rate;

		for (int r = 0; r < reps; r++)
			for (int i = 0; i < count; i++)
				run_product(&products[i]);
		rate = flops * reps / (now_seconds() - t0) / 1e9;
		if (rate > best)
			best = rate;
	}
	return best;
}

/* GFLOP/s of a square n×n×n product (no transposes), best of `rounds`. */
static double
square_gflops(int n, int rounds)
{
	Product		p = new_product("square", CblasNoTrans, CblasNoTrans, n, n, n, 0.0f);
	double		rate = best_gflops(&p, 1, rounds);

	free_product(&p);
	return rate;
}

/* The square products, then one training step's, as described at the top. */
int
main(int argc, char **argv)
{
	int			batch = 256;
	int			widths[MAX_WIDTHS] = {30, 64, 32, 8, 32, 64, 30};
	int			nwidths = 7;
	static const int squares[] = {512, 1024, 2048};
	double		peak = 0;
	Product		products[3 * MAX_WIDTHS];
	int			nproducts = 0;
	double		step_flops = 0;

	if (argc > 1)
		batch = atoi(argv[1]);
	if (argc > 2)
	{
		nwidths = argc - 2;
		if (nwidths < 2 || nwidths > MAX_WIDTHS)
		{
			fprintf(stderr, "usage: %s [batch [2 to %d layer widths]]\n", argv[0], MAX_WIDTHS);
			return 2;
		}
		for (int i = 0; i < nwidths; i++)
			widths[i] = atoi(argv[i + 2]);
	}
	for (int i = 0; i < nwidths; i++)
		if (widths[i] < 1 || batch < 1)
		{
			fprintf(stderr, "sgemm_peak: widths and batch must be positive\n");
			return 2;
		}

	printf("OpenBLAS %s, core %s, %d thread(s)\n",
		   openblas_get_config(), openblas_get_corename(), openblas_get_num_threads());
	printf("\nsquare sgemm, one thread, best of 5:\n");
	for (size_t i = 0; i < sizeof(squares) / sizeof(squares[0]); i++)
	{
		double		rate = square_gflops(squares[i], 5);

		printf("  %4d x %4d x %4d   %7.1f GFLOP/s\n", squares[i], squares[i], squares[i], rate);
		if (rate > peak)
			peak = rate;
	}

	/*
	 * the products of one training step, in the order a step runs them;
	 * layer l: x (batch, nin), w (nout, nin), out and dout (batch, nout)
	 */
	for (int l = 0; l + 1 < nwidths; l++)
		products[nproducts++] = new_product("forward  out = x w^T", CblasNoTrans, CblasTrans,
											batch, widths[l + 1], widths[l], 1.0f);
	for (int l = nwidths - 2; l >= 0; l--)
	{
		products[nproducts++] = new_product("backward dw += dout^T x", CblasTrans, CblasNoTrans,
											widths[l + 1], widths[l], batch, 1.0f);
		if (l > 0)
			products[nproducts++] = new_product("backward dx = dout w", CblasNoTrans, CblasNoTrans,
												batch, widths[l], widths[l + 1], 0.0f);
	}

	printf("\none training step's products at batch %d, one thread, best of 5:\n", batch);
	printf("  %-24s %5s %5s %5s %9s\n", "product", "m", "n", "k", "GFLOP/s");
	for (int i = 0; i < nproducts; i++)
	{
		printf("  %-24s %5d %5d %5d %9.1f\n", products[i].what, products[i].m, products[i].n,
			   products[i].k, best_gflops(&products[i], 1, 5));
		step_flops += product_flops(&products[i]);
	}
	{
		double		step = best_gflops(products, nproducts, 5);

		printf("  all %d in sequence: %.2f MFLOP per step, %.1f GFLOP/s (%.0f%% of the peak)\n",
			   nproducts, step_flops / 1e6, step, 100 * step / peak);
		printf("\npeak_gflops %.2f\nstep_gflops %.2f\n", peak, step);
	}
	for (int i = 0; i < nproducts; i++)
		free_product(&products[i]);
	return 0;
}
