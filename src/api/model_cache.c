/*
 * model_cache.c — the per-backend model cache and the registry look-ups.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "core/format.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "api/model_cache.h"
#include "rows/pgcore.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#define MAX_UNPINNED 16			/* models kept when nobody uses them */

/* A name (or "relation:" key) mapped to a model identity. */
typedef struct NameEntry
{
	char	   *key;
	uint32		len;
	uint32		crc;
} NameEntry;

static MemoryContext cache_cxt;
static List *models;			/* AeCacheEntry * */
static List *names;				/* NameEntry * */
static uint64 use_clock;

PG_FUNCTION_INFO_V1(ae_models_invalidate);

/* The cache's own context, made on first use. */
static MemoryContext
cache_context(void)
{
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "ae model cache",
										  ALLOCSET_SMALL_SIZES);
	return cache_cxt;
}

/* Relcache callback: any change to ae_models (or a full reset) drops the name map. */
static void
relcache_callback(Datum arg, Oid relid)
{
	ListCell   *lc;

	if (names == NIL)
		return;
	foreach(lc, names)
	{
		NameEntry  *ne = lfirst(lc);

		pfree(ne->key);
		pfree(ne);
	}
	list_free(names);
	names = NIL;
}

/* Register the callback. */
void
ae_cache_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
}

/* Trigger on ae_models: tell every backend (this one at the next command) to forget names. */
Datum
ae_models_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ae_models_invalidate must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	PG_RETURN_POINTER(NULL);
}

/* Drop least recently used unpinned models beyond MAX_UNPINNED. */
static void
evict(void)
{
	for (;;)
	{
		AeCacheEntry *victim = NULL;
		int			unpinned = 0;
		ListCell   *lc;

		foreach(lc, models)
		{
			AeCacheEntry *e = lfirst(lc);

			if (e->pins > 0)
				continue;
			unpinned++;
			if (victim == NULL || e->last_use < victim->last_use)
				victim = e;
		}
		if (unpinned <= MAX_UNPINNED)
			return;
		models = list_delete_ptr(models, victim);
		MemoryContextDelete(victim->cxt);
		pfree(victim);
	}
}

/* Find an entry by identity, pinned; NULL when absent. */
static AeCacheEntry *
find_entry(uint32 len, uint32 crc)
{
	ListCell   *lc;

	foreach(lc, models)
	{
		AeCacheEntry *e = lfirst(lc);

		if (e->len == len && e->crc == crc)
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

	/* a known identity still has its checksum verified: the bytes may differ */
	if (ae_model_identity(p, size, &len, &crc) &&
		ae_crc32c(0, p + AE_HEADER_SIZE, size - AE_HEADER_SIZE) == crc &&
		(e = find_entry(len, crc)) != NULL)
		return e;

	cxt = AllocSetContextCreate(cache_context(), "ae model", ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		AeModel    *model = ae_model_from_bytea(v, cxt);

		e = MemoryContextAllocZero(cache_context(), sizeof(AeCacheEntry));
		e->len = (uint32) size;
		e->crc = crc;
		e->model = model;
		e->cxt = cxt;
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

/* Release a pin. */
void
ae_cache_unpin(AeCacheEntry *entry)
{
	Assert(entry->pins > 0);
	entry->pins--;
}

/* Schema-qualified name of the registry table: it lives in the extension's schema. */
static char *
registry_table(void)
{
	Oid			ext = get_extension_oid("ae", false);
	Oid			nsp = InvalidOid;
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		elog(ERROR, "extension ae has no schema");
	return quote_qualified_identifier(get_namespace_name(nsp), "ae_models");
}

/* Look a key up in the name map; on a miss run query with $1 = arg and remember the result. */
static AeCacheEntry *
lookup(const char *key, const char *query, const char *arg, bool *found)
{
	ListCell   *lc;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	Datum		model;
	bool		isnull;
	AeCacheEntry *e;
	NameEntry  *ne;
	MemoryContext old;

	AcceptInvalidationMessages();
	foreach(lc, names)
	{
		ne = lfirst(lc);
		if (strcmp(ne->key, key) == 0 && (e = find_entry(ne->len, ne->crc)) != NULL)
		{
			*found = true;
			return e;
		}
	}

	args[0] = CStringGetTextDatum(arg);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the ae_models registry");
	*found = SPI_processed > 0;
	if (!*found)
	{
		SPI_finish();
		return NULL;
	}
	model = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ae model \"%s\" has no model bytes", arg)));
	e = ae_cache_from_bytea(model);
	SPI_finish();

	old = MemoryContextSwitchTo(cache_context());
	ne = palloc(sizeof(NameEntry));
	ne->key = pstrdup(key);
	ne->len = e->len;
	ne->crc = e->crc;
	names = lappend(names, ne);
	MemoryContextSwitchTo(old);
	return e;
}

/* The model registered under name, pinned. */
AeCacheEntry *
ae_cache_from_name(const char *name)
{
	bool		found;
	/* per role: row-level security decides which models a role sees */
	char	   *key = psprintf("%u:name:%s", GetUserId(), name);
	char	   *query = psprintf("SELECT model FROM %s WHERE name = $1", registry_table());
	AeCacheEntry *e = lookup(key, query, name, &found);

	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("ae model \"%s\" does not exist", name),
				 errhint("Train it with ae_train('%s', 'my_table'), or list models with SELECT name FROM ae_models.", name)));
	return e;
}

/* Qualified name of a relation, the form stored in ae_models.relation. */
static char *
relation_key(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* The model most recently trained on a row type's relation, pinned. */
AeCacheEntry *
ae_cache_from_rowtype(Oid typid)
{
	Oid			relid = get_typ_typrelid(typid);
	char	   *rel;
	bool		found;
	AeCacheEntry *e;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("cannot find a model for rows of type %s", format_type_be(typid)),
				 errhint("Rows that are not of a table or view need the model named: ae_score('model', row).")));
	rel = relation_key(relid);
	e = lookup(psprintf("%u:relation:%s", GetUserId(), rel),
			   psprintf("SELECT model FROM %s WHERE relation = $1 ORDER BY created_at DESC, name LIMIT 1",
						registry_table()),
			   rel, &found);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no ae model has been trained on %s", rel),
				 errhint("Train one with ae_train('my_model', '%s'), or name a model: ae_score('my_model', row).", rel)));
	return e;
}
