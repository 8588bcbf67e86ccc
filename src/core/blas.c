/*
 * blas.c — opening OpenBLAS on first use (see blas.h).
 */
#include "core/blas.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef AE_BLAS_LIBRARY
#define AE_BLAS_LIBRARY "libopenblas.so.0"
#endif

typedef __typeof__(cblas_sgemm) sgemm_fn;
typedef __typeof__(cblas_dgemm) dgemm_fn;

static sgemm_fn *sgemm;
static dgemm_fn *dgemm;
static AeBlasFailHook fail_hook;
static char library[AE_BLAS_NAME_MAX];	/* "": the default */

void
ae_blas_set_fail_hook(AeBlasFailHook hook)
{
	fail_hook = hook;
}

/* Name the library to open; see blas.h. */
int
ae_blas_set_library(const char *path)
{
	if (path == NULL)
		path = "";
	if (strlen(path) >= sizeof(library))
		return -1;
	strcpy(library, path);
	return 0;
}

/* Open the library and find both products; once per process. */
int
ae_blas_load(char *why, size_t len)
{
	const char *name = library[0] ? library : AE_BLAS_LIBRARY;
	void	   *lib;

	if (sgemm != NULL)
		return 0;
	/*
	 * Symbols stay local: nothing else in the server binds to them.  Bound
	 * now, so a broken library fails here rather than in a training's
	 * middle.  A library named on purpose is the only one tried.
	 */
	lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL && library[0] == '\0')
	{
		name = "libopenblas.so.0";
		lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	}
	if (lib == NULL)
	{
		snprintf(why, len, "%s", dlerror());
		return -1;
	}
	dgemm = (dgemm_fn *) dlsym(lib, "cblas_dgemm");
	sgemm = (sgemm_fn *) dlsym(lib, "cblas_sgemm");
	if (sgemm == NULL || dgemm == NULL)
	{
		snprintf(why, len, "%s has no cblas_sgemm or cblas_dgemm", name);
		sgemm = NULL;
		dgemm = NULL;
		dlclose(lib);
		return -1;
	}
	return 0;
}

/* Open the library or give up through the hook. */
static void
require(void)
{
	char		why[512];

	if (ae_blas_load(why, sizeof(why)) == 0)
		return;
	if (fail_hook)
		fail_hook(why);
	abort();
}

void
ae_blas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
			  blasint m, blasint n, blasint k, float alpha, const float *a, blasint lda,
			  const float *b, blasint ldb, float beta, float *c, blasint ldc)
{
	if (sgemm == NULL)
		require();
	sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void
ae_blas_dgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
			  blasint m, blasint n, blasint k, double alpha, const double *a, blasint lda,
			  const double *b, blasint ldb, double beta, double *c, blasint ldc)
{
	if (dgemm == NULL)
		require();
	dgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
