/*
 * ae.c — module entry: the magic block and _PG_init.
 *
 * The extension never needs shared_preload_libraries: all it sets up per
 * backend is its settings, the model cache's invalidation callback and
 * what happens when OpenBLAS, opened on first use (core/blas.h), is
 * missing.
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

/* OpenBLAS could not be opened: the statement that needed it fails. */
static pg_attribute_noreturn() void
blas_missing(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_FILE),
			 errmsg("could not load OpenBLAS: %s", why),
			 errhint("Install the serial OpenBLAS library on the database server "
					 "(Debian and Ubuntu: libopenblas0-serial).")));
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
	MarkGUCPrefixReserved("ae");
}
