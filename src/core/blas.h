/*
 * blas.h — OpenBLAS's GEMM, loaded the first time a product needs it.
 *
 * ae.so does not link OpenBLAS: loading it binds some 15,000 relocations
 * against the server's symbols, about 5 ms in every backend and parallel
 * worker that loads ae, and one-row passes of the dense kinds never
 * multiply matrices.  The first GEMM of a process opens the library
 * (the one ae_blas_set_library named, else AE_BLAS_LIBRARY, the serial
 * build the Makefile names, else the loader's "libopenblas.so.0") and
 * keeps its cblas_sgemm and cblas_dgemm.
 */
#ifndef AE_CORE_BLAS_H
#define AE_CORE_BLAS_H

#include <cblas.h>
#include <stddef.h>

/*
 * Called with the loader's message when OpenBLAS cannot be opened; it must
 * not return (the extension's raises an ERROR).  Without one, a failure
 * aborts the process: a program of the core alone sets one or calls
 * ae_blas_load first.
 */
typedef void (*AeBlasFailHook) (const char *why);

void		ae_blas_set_fail_hook(AeBlasFailHook hook);

/* Longest library name ae_blas_set_library takes, its terminating 0 included. */
#define AE_BLAS_NAME_MAX 1024

/*
 * Open the library path (a file, or a name the loader looks up), and no
 * other, instead of the default; NULL or "" restores the default.  Has
 * effect until a library is open: a process keeps the first it opens.
 * Returns -1 for a name of AE_BLAS_NAME_MAX bytes or more (nothing
 * changes), else 0.
 */
int			ae_blas_set_library(const char *path);

/* Open the library now; 0 when it is ready, else -1 with the reason in why. */
int			ae_blas_load(char *why, size_t len);

/* cblas_sgemm and cblas_dgemm, through the library opened on first use. */
void		ae_blas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
						  blasint m, blasint n, blasint k, float alpha, const float *a, blasint lda,
						  const float *b, blasint ldb, float beta, float *c, blasint ldc);
void		ae_blas_dgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
						  blasint m, blasint n, blasint k, double alpha, const double *a, blasint lda,
						  const double *b, blasint ldb, double beta, double *c, blasint ldc);

#endif							/* AE_CORE_BLAS_H */
