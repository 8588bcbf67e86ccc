/*
 * core.h — what every file of the numeric core shares.
 *
 * The core is plain C99 plus cblas.h (OpenBLAS opened on first use,
 * blas.h).  It never includes postgres.h, never prints and never calls
 * malloc itself: memory comes from an allocator the caller hands in, and
 * failures come back as AeStatus codes that the caller turns into its own
 * kind of error.  It never exits, but for a missing OpenBLAS when the
 * caller set no hook for it (blas.h).
 */
#ifndef AE_CORE_H
#define AE_CORE_H

#include <stddef.h>
#include <stdint.h>

/*
 * ae_real is the element type of every numeric buffer.  Production builds use
 * float (sgemm); the gradient-check tests compile the same sources with
 * AE_REAL_DOUBLE so finite differences are taken in double precision.
 */
#ifdef AE_REAL_DOUBLE
typedef double ae_real;
#define ae_gemm ae_blas_dgemm
#define ae_exp exp
#define ae_expm1 expm1
#else
typedef float ae_real;
#define ae_gemm ae_blas_sgemm
#define ae_exp expf
#define ae_expm1 expm1f
#endif

/*
 * A hot loop of the training step that the compiler vectorises, built
 * three times on x86-64 (baseline, AVX2, AVX-512) and chosen when the
 * library loads (GCC's function multiversioning: an ifunc); elsewhere, and
 * under clang (whose version 14 leaves other files' calls to such a
 * function unresolved at link time), once.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define AE_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define AE_VECTOR_CLONES
#endif

typedef enum AeStatus
{
	AE_OK = 0,
	AE_ENOMEM,					/* the allocator returned NULL */
	AE_EINVAL,					/* an argument outside its domain */
	AE_ESHORT,					/* model bytes end before a field */
	AE_EMAGIC,					/* not a model of this extension */
	AE_EVERSION,				/* a format version this build cannot read */
	AE_ECRC,					/* checksum mismatch: bytes were altered */
	AE_ECORRUPT,				/* a count, length or dimension out of range */
	AE_EDIVERGED				/* training produced non-finite values */
} AeStatus;

/* A short lower-case description of a status, for error messages. */
const char *ae_status_message(AeStatus status);

/*
 * Region allocator: alloc returns zeroed memory or NULL.  Nothing is freed
 * piecemeal; the caller owns the region (a memory context, an arena) and
 * releases it whole.  This is also what makes it safe for a progress
 * callback to longjmp out of a training run.
 */
typedef struct AeAlloc
{
	void	   *(*alloc) (void *ctx, size_t size);
	void	   *ctx;
} AeAlloc;

static inline void *
ae_alloc(const AeAlloc *a, size_t size)
{
	return a->alloc(a->ctx, size ? size : 1);
}

/*
 * A progress callback, called between pieces of a long computation.  It may
 * longjmp out (PostgreSQL's CHECK_FOR_INTERRUPTS does), so the core holds
 * nothing across a call that would need cleanup: memory comes from a region
 * and every library call has returned.
 */
typedef void (*AeTick) (void *arg);

#define AE_TICK_MADDS 5e7		/* multiply-adds between ticks, roughly */
#define AE_TICK_MIN_ROWS 128	/* fewest batch rows in a block (dense.c) */

/*
 * Where a long matrix product may pause: a product over a batch of more
 * than max_madds multiply-adds runs in blocks of whole batch rows, with
 * tick(arg) between blocks.  A block holds about max_madds multiply-adds
 * but no fewer than min_rows rows.  Zero fields take the defaults above;
 * with a NULL tick every product runs whole.
 */
typedef struct AeTicker
{
	AeTick		tick;
	void	   *arg;
	double		max_madds;		/* 0: AE_TICK_MADDS */
	int			min_rows;		/* 0: AE_TICK_MIN_ROWS */
} AeTicker;

#endif							/* AE_CORE_H */
