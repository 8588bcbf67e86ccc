/*
 * ae.c — module entry: the magic block and _PG_init.
 *
 * The extension never needs shared_preload_libraries: all it sets up per
 * backend is its settings, the model cache's invalidation callback and
 * which BLAS library to open on first use (core/blas.h) and what happens
 * when it is missing.
 * Every setting is under the "ae." prefix, which it then reserves, so a
 * misspelt ae setting is refused instead of silently kept as a placeholder.
 */
#include "postgres.h"

#include "api/model_cache.h"
#include "core/blas.h"
#include "fmgr.h"
#include "train/progress.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* ae.blas_library: the cblas library training opens, "" for the build's OpenBLAS */
static char *blas_library = NULL;

/* OpenBLAS could not be opened: the statement that needed it fails. */
static pg_attribute_noreturn() void
blas_missing(const char *why)
{
	if (blas_library != NULL && blas_library[0] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("could not load the BLAS library \"%s\" (ae.blas_library): %s",
						blas_library, why),
				 errhint("Name a library with cblas_sgemm and cblas_dgemm, such as OpenBLAS's "
						 "serial build, or reset ae.blas_library to use the one ae was built with.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_FILE),
			 errmsg("could not load OpenBLAS: %s", why),
			 errhint("Install the serial OpenBLAS library on the database server "
					 "(Debian and Ubuntu: libopenblas0-serial).")));
}

/* A library name the core can hold. */
static bool
check_blas_library(char **newval, void **extra, GucSource source)
{
	if (strlen(*newval) >= AE_BLAS_NAME_MAX)
	{
		GUC_check_errdetail("The name is longer than %d bytes.", AE_BLAS_NAME_MAX - 1);
		return false;
	}
	return true;
}

/* Hand the name to the core: it counts until the process opens a library. */
static void
assign_blas_library(const char *newval, void *extra)
{
	(void) ae_blas_set_library(newval);
}

/* Called once per backend when the library loads. */
void
_PG_init(void)
{
	ae_cache_init();
	ae_blas_set_fail_hook(blas_missing);
	DefineCustomBoolVariable("ae.progress",
							 "Reports the progress of a training run in NOTICEs.",
							 "At most about one a second and one at the end; a training's "
							 "progress option overrides it.  pg_stat_activity and the "
							 "ae_training view show the progress either way.",
							 &ae_progress_notices, true, PGC_USERSET, 0, NULL, NULL, NULL);
	/*
	 * Superusers only: the library is loaded into the server process, as
	 * LOAD would load it.
	 */
	DefineCustomStringVariable("ae.blas_library",
							   "The BLAS library training opens.",
							   "A file or a name the loader finds, with cblas_sgemm and "
							   "cblas_dgemm; empty for the serial OpenBLAS ae was built with.  "
							   "A session keeps the library it opened first.",
							   &blas_library, "", PGC_SUSET, 0,
							   check_blas_library, assign_blas_library, NULL);
	MarkGUCPrefixReserved("ae");
}
