/*
 * ae.c — module entry: the magic block and _PG_init.
 *
 * The extension never needs shared_preload_libraries: all it sets up per
 * backend is the model cache's invalidation callback.
 */
#include "postgres.h"

#include "api/model_cache.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Called once per backend when the library loads. */
void
_PG_init(void)
{
	ae_cache_init();
}
