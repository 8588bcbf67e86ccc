/*
 * model_cache.c — the per-backend model cache.
 */
#include "postgres.h"

#include <limits.h>

#include "api/model_cache.h"
#include "core/format.h"
#include "rows/pgcore.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

static MemoryContext cache_cxt;
static List *models;			/* AeCacheEntry * */
static uint64 use_clock;
static uint64 generation;
static Oid	registry_relid = InvalidOid;
static int	cache_size_kb = 65536;	/* ae.model_cache_size */

/* The cache's own context, made on first use. */
static MemoryContext
cache_context(void)
{
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "ae model cache",
										  ALLOCSET_SMALL_SIZES);
	return cache_cxt;
}

/* Move the generation: resolved names and relations may be stale. */
static void
stale(void)
{
	generation++;
}

/* Relcache callback: a change to ae_models (or a full reset) makes resolutions stale. */
static void
relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || !OidIsValid(registry_relid) || relid == registry_relid)
		stale();
}

/* Syscache callback: roles and memberships decide which models a role may use. */
static void
role_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	stale();
}

/* Register the callbacks and the setting. */
void
ae_cache_init(void)
{
	DefineCustomIntVariable("ae.model_cache_size",
							"Memory each backend may keep for models no query is using.",
							"Models in use are always kept; at most 16 others are.",
							&cache_size_kb, 65536, 0, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, role_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, role_callback, (Datum) 0);
}

/* Remember the registry's oid. */
void
ae_cache_set_registry(Oid relid)
{
	registry_relid = relid;
}

/* The generation; see model_cache.h. */
uint64
ae_cache_generation(void)
{
	return generation;
}

/* Drop least recently used unpinned models beyond the count and the memory allowed. */
static void
evict(void)
{
	for (;;)
	{
		AeCacheEntry *victim = NULL;
		int			unpinned = 0;
		Size		bytes = 0;
		ListCell   *lc;

		foreach(lc, models)
		{
			AeCacheEntry *e = lfirst(lc);

			if (e->pins > 0)
				continue;
			unpinned++;
			bytes += e->size;
			if (victim == NULL || e->last_use < victim->last_use)
				victim = e;
		}
		if (unpinned <= AE_CACHE_MAX_UNPINNED && bytes <= (Size) cache_size_kb * 1024)
			return;
		models = list_delete_ptr(models, victim);
		MemoryContextDelete(victim->cxt);
		pfree(victim);
	}
}

/* The entry holding exactly these bytes, pinned; NULL when absent. */
static AeCacheEntry *
find_entry(uint32 len, uint32 crc, const uint8 *bytes)
{
	ListCell   *lc;

	foreach(lc, models)
	{
		AeCacheEntry *e = lfirst(lc);

		if (e->len == len && e->crc == crc && memcmp(e->bytes, bytes, len) == 0)
		{
			e->pins++;
			e->last_use = ++use_clock;
			return e;
		}
	}
	return NULL;
}

/* The model of a bytea Datum, pinned. */
AeCacheEntry *
ae_cache_from_bytea(Datum raw)
{
	struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(raw));
	const uint8 *p = (const uint8 *) VARDATA_ANY(v);
	Size		size = VARSIZE_ANY_EXHDR(v);
	uint32		len = 0,
				crc = 0;
	AeCacheEntry *e;
	MemoryContext cxt;

	if (ae_model_identity(p, size, &len, &crc) && (e = find_entry(len, crc, p)) != NULL)
		return e;

	cxt = AllocSetContextCreate(cache_context(), "ae model", ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		AeModel    *model = ae_model_from_bytea(v, cxt);
		AeAlloc		a = ae_pg_alloc(cxt);

		/* the weights laid out for scoring one row at a time */
		ae_check_status(ae_model_pack(model, &a), "preparing a model");

		e = MemoryContextAllocZero(cache_context(), sizeof(AeCacheEntry));
		e->len = (uint32) size;
		e->crc = crc;
		e->bytes = MemoryContextAllocHuge(cxt, size);
		memcpy(e->bytes, p, size);
		e->model = model;
		e->cxt = cxt;
		e->size = MemoryContextMemAllocated(cxt, true);
		e->pins = 1;
		e->last_use = ++use_clock;
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	{
		MemoryContext old = MemoryContextSwitchTo(cache_context());

		models = lappend(models, e);
		MemoryContextSwitchTo(old);
	}
	evict();
	return e;
}

/* Pin once more. */
void
ae_cache_pin(AeCacheEntry *entry)
{
	entry->pins++;
}

/* Release a pin. */
void
ae_cache_unpin(AeCacheEntry *entry)
{
	Assert(entry->pins > 0);
	entry->pins--;
	if (entry->pins == 0)
		evict();
}

/* The model of a stored bytea, pinned; see model_cache.h. */
AeCacheEntry *
ae_cache_from_stored(Datum raw)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(raw);
	AeCacheEntry *e;
	ListCell   *lc;

	if (!VARATT_IS_EXTERNAL_ONDISK(v))
		return ae_cache_from_bytea(raw);
	/* a toast value never changes while it exists: its pointer names its bytes */
	foreach(lc, models)
	{
		e = lfirst(lc);
		if (e->has_toast && memcmp(e->toast, VARDATA_EXTERNAL(v), sizeof(varatt_external)) == 0)
		{
			e->pins++;
			e->last_use = ++use_clock;
			return e;
		}
	}
	e = ae_cache_from_bytea(raw);
	memcpy(e->toast, VARDATA_EXTERNAL(v), sizeof(varatt_external));
	e->has_toast = true;
	return e;
}
