/*
 * registry.c — reading and writing ae_models.
 *
 * Every query run here and in versions.c is schema-qualified, uses
 * OPERATOR(pg_catalog.=), and runs with search_path set to pg_catalog,
 * pg_temp, so objects a role puts in a schema of its own never run inside
 * the extension.  Look-ups run with the caller's rights (row-level
 * security applies) and then keep only the rows the caller may use:
 * superusers and the table's owner see every row, yet are never handed
 * another role's model by surprise.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "api/registry.h"
#include "api/versions.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "train/options.h"
#include "train/progress.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#define MAX_MODEL_NAME 200		/* bytes */
#define SAMPLE_HASH_RANGE ((int64) 1 << 20)	/* the sampling hash keeps 20 bits */

PG_FUNCTION_INFO_V1(ae_train_store);
PG_FUNCTION_INFO_V1(ae_models_invalidate);

/* The registry of the installed extension; errors when its SQL is of another version. */
AeRegistry
ae_registry(void)
{
	Oid			ext = get_extension_oid("ae", false);
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;
	char	   *version = NULL;
	AeRegistry	r;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		v = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
		if (!isnull)
			version = TextDatumGetCString(v);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		elog(ERROR, "extension ae has no schema");
	if (version == NULL || strcmp(version, AE_SQL_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"ae\" is at version %s but its library is %s",
						version ? version : "(unknown)", AE_SQL_VERSION),
				 errhint("Run ALTER EXTENSION ae UPDATE.")));

	r.schema = (char *) quote_identifier(get_namespace_name(nsp));
	r.table = quote_qualified_identifier(get_namespace_name(nsp), "ae_models");
	r.history = quote_qualified_identifier(get_namespace_name(nsp), "ae_model_history");
	r.relid = get_relname_relid("ae_models", nsp);
	if (!OidIsValid(r.relid))
		elog(ERROR, "extension ae has no table ae_models");
	{
		HeapTuple	ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(r.relid));

		if (!HeapTupleIsValid(ctup))
			elog(ERROR, "cache lookup failed for relation %u", r.relid);
		r.owner = ((Form_pg_class) GETSTRUCT(ctup))->relowner;
		ReleaseSysCache(ctup);
	}
	ae_cache_set_registry(r.relid);
	return r;
}

/* Connect to SPI with search_path pinned to pg_catalog, pg_temp; returns the GUC nest level. */
int
ae_spi_begin(void)
{
	int			nest;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

/* Undo ae_spi_begin. */
void
ae_spi_end(int nest)
{
	AtEOXact_GUC(false, nest);
	SPI_finish();
}

/* May the current role use a model owned by owner (its own, or by granted membership)? */
static bool
may_use(Oid owner)
{
	return owner == GetUserId() || is_member_of_role_nosuper(GetUserId(), owner);
}

/* Is Citus installed in this database (its catalog is there)? */
static bool
citus_present(void)
{
	return OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
}

/*
 * Citus runs a query on a distributed table on the workers, each with its
 * own ae_models: there the name and row forms find nothing.
 */
#define CITUS_HINT "On Citus, queries on a distributed table run on the workers, which do not see the coordinator's models: pass the model's bytes, as in ae_score((SELECT model FROM ae_models WHERE name = 'm'), t)."

/* Error for a name no usable model has. */
void
ae_registry_no_such_model(const char *name)
{
	if (citus_present())
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("ae model \"%s\" does not exist", name),
				 errhint(CITUS_HINT)));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("ae model \"%s\" does not exist", name),
			 errhint("Train it with ae_train('%s', 'my_table'), or list your models with SELECT name FROM ae_models WHERE owner = current_user::regrole. Models of other roles are used only by their members.", name)));
}

/*
 * Run a registry query ($1 text) whose first column is the owner's oid, and
 * choose the row the current role may use: its own first, then one of a
 * role it is a member of.  With ambiguous set, two usable rows of other
 * roles and none of its own are an error; otherwise the first such row
 * wins.  Returns the row's index in SPI_tuptable, or -1 when no row is
 * usable.  The caller is connected to SPI.
 */
static int
choose(const char *query, const char *arg, bool ambiguous)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(arg)};
	int			other = -1;
	bool		others_too = false;

	if (SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the ae_models registry");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));

		if (isnull || !may_use(owner))
			continue;
		if (owner == GetUserId())
			return (int) i;
		if (other < 0)
			other = (int) i;
		else
			others_too = true;
	}
	if (others_too && ambiguous)
		ereport(ERROR,
				(errcode(ERRCODE_AMBIGUOUS_ALIAS),
				 errmsg("ae model \"%s\" exists for more than one role you are a member of", arg),
				 errhint("SET ROLE to the role whose model you mean, or train your own under this name.")));
	return other;
}

/*
 * Run a registry query ($1 text) returning (owner oid, model bytea) and
 * pick the row the current role may use (see choose).  Returns the model
 * pinned, or NULL when no row is usable.
 */
static AeCacheEntry *
pick(const char *query, const char *arg, bool ambiguous)
{
	int			nest = ae_spi_begin();
	int			chosen = choose(query, arg, ambiguous);
	AeCacheEntry *e = NULL;

	if (chosen >= 0)
	{
		bool		isnull;
		Datum		model = SPI_getbinval(SPI_tuptable->vals[chosen], SPI_tuptable->tupdesc, 2,
										  &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("ae model \"%s\" has no model bytes", arg)));
		e = ae_cache_from_stored(model);
	}
	ae_spi_end(nest);
	return e;
}

/* The model named name, pinned. */
AeCacheEntry *
ae_registry_by_name(const char *name)
{
	AeRegistry	r = ae_registry();
	AeCacheEntry *e;

	e = pick(psprintf("SELECT owner::pg_catalog.oid, model FROM %s "
					  "WHERE name OPERATOR(pg_catalog.=) $1", r.table),
			 name, true);
	if (e == NULL)
		ae_registry_no_such_model(name);
	return e;
}

/* The owner of the model the current role means by name; see registry.h. */
Oid
ae_registry_owner(const AeRegistry *r, const char *name)
{
	int			nest = ae_spi_begin();
	int			chosen = choose(psprintf("SELECT owner::pg_catalog.oid FROM %s "
										 "WHERE name OPERATOR(pg_catalog.=) $1", r->table),
								name, true);
	Oid			owner = InvalidOid;

	if (chosen >= 0)
	{
		bool		isnull;

		owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[chosen],
											   SPI_tuptable->tupdesc, 1, &isnull));
	}
	ae_spi_end(nest);
	if (!OidIsValid(owner))
		ae_registry_no_such_model(name);
	return owner;
}

/* Become the registry's owner and connect to SPI; see registry.h. */
void
ae_registry_begin_write(const AeRegistry *r, AeRegistryWrite *w)
{
	GetUserIdAndSecContext(&w->save_user, &w->save_sec);
	SetUserIdAndSecContext(r->owner, w->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	w->nest = ae_spi_begin();
}

/* Undo ae_registry_begin_write. */
void
ae_registry_end_write(AeRegistryWrite *w)
{
	ae_spi_end(w->nest);
	SetUserIdAndSecContext(w->save_user, w->save_sec);
}

/* Qualified name of a relation, the form stored in ae_models.relation. */
static char *
relation_key(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* The newest usable model trained on a row type's relation, pinned. */
AeCacheEntry *
ae_registry_by_rowtype(Oid typid)
{
	Oid			relid = get_typ_typrelid(typid);
	AeRegistry	r;
	char	   *rel;
	AeCacheEntry *e;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("cannot find a model for rows of type %s", format_type_be(typid)),
				 errhint("Rows that are not of a table or view need the model named: ae_score('model', row).")));
	r = ae_registry();
	rel = relation_key(relid);
	e = pick(psprintf("SELECT owner::pg_catalog.oid, model FROM %s "
						 "WHERE relation OPERATOR(pg_catalog.=) $1 ORDER BY created_at DESC, name",
					  r.table),
			 rel, false);
	if (e == NULL && citus_present())
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no ae model of yours has been trained on %s", rel),
				 errhint(CITUS_HINT)));
	if (e == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no ae model of yours has been trained on %s", rel),
				 errhint("Train one with ae_train('my_model', '%s'), or name a model: ae_score('my_model', row).", rel)));
	return e;
}

/* Trigger on ae_models: every backend (this one at its next command) re-resolves names. */
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

/* Error unless a model name is usable: not empty, not too long. */
static void
check_model_name(const char *name)
{
	if (name[0] == '\0' || strlen(name) > MAX_MODEL_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model name must be between 1 and %d bytes long", MAX_MODEL_NAME),
				 errhint("Name the model, as in ae_train('fraud', 'transactions').")));
}

/* Run a query of one row and column ($1 jsonb options, $2 bigint seed); its value or NULL. */
static Datum
one_value(const char *query, Jsonb *options, int64 seed, bool *isnull)
{
	Oid			argtypes[2] = {JSONBOID, INT8OID};
	Datum		args[2] = {JsonbPGetDatum(options), Int64GetDatum(seed)};
	Datum		d;

	if (SPI_execute_with_args(query, 2, argtypes, args, NULL, false, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not run \"%s\"", query);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	if (*isnull)
		return (Datum) 0;
	return SPI_datumTransfer(d, TupleDescAttr(SPI_tuptable->tupdesc, 0)->attbyval,
							 TupleDescAttr(SPI_tuptable->tupdesc, 0)->attlen);
}

/* Is relid a table Citus distributes (its rows live on the workers)? */
static bool
citus_distributed(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};

	if (!citus_present())
		return false;
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_dist_partition "
							  "WHERE logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "AND partmethod OPERATOR(pg_catalog.<>) 'n'",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_dist_partition");
	return SPI_processed > 0;
}

/*
 * Train on the rows of a relation, with the caller's rights; returns the
 * model or NULL.  On a table Citus distributes with more rows than
 * max_rows, each shard keeps each row with the same probability, decided
 * on the worker by a hash of the row's place and the seed, so only about
 * max_rows rows (a little more, for the reservoir to trim) cross the
 * network, and shards are sampled in parallel; a NOTICE says how many.
 */
static bytea *
train_on(const AeRegistry *r, const char *name, Oid relid, Jsonb *options)
{
	const char *rel = relation_key(relid);
	char	   *filter = "";
	int			nest = ae_spi_begin();
	AeFitConfig cfg;
	bytea	   *volatile model = NULL;
	bool		isnull;
	const char *prev_name;
	Oid			prev_typid;

	ae_options_parse(options, &cfg);
	if (citus_distributed(relid))
	{
		int64		max_rows = cfg.opt.max_rows > 0 ? cfg.opt.max_rows : AE_DEFAULT_MAX_ROWS;
		int64		rows = DatumGetInt64(one_value(psprintf("SELECT pg_catalog.count(*) FROM %s", rel),
												   options, 0, &isnull));
		/* enough that fewer than max_rows come back only about once in 30,000 */
		double		share = (max_rows + 4 * sqrt((double) max_rows) + 10) / Max(rows, 1);

		if (share < 1)
		{
			int64		threshold = (int64) ceil(share * SAMPLE_HASH_RANGE);

			filter = psprintf(" WHERE (pg_catalog.hashtextextended(t.ctid::pg_catalog.text "
							  "OPERATOR(pg_catalog.||) t.tableoid::pg_catalog.text, $2) "
							  "OPERATOR(pg_catalog.&) %lld) OPERATOR(pg_catalog.<) %lld",
							  (long long) (SAMPLE_HASH_RANGE - 1), (long long) threshold);
			ereport(NOTICE,
					(errmsg("sampling about %.0f of the %lld rows of distributed table %s on its workers",
							share * rows, (long long) rows, rel)));
		}
	}
	/* progress reports name the model, for this relation's rows */
	prev_name = ae_progress_set_name(name, get_rel_type_id(relid), &prev_typid);
	PG_TRY();
	{
		Datum		d = one_value(psprintf("SELECT %s.ae_fit(t.*, $1) FROM %s AS t%s",
										   r->schema, rel, filter),
								  options, (int64) cfg.opt.seed, &isnull);

		model = isnull ? NULL : (bytea *) DatumGetPointer(d);
	}
	PG_FINALLY();
	{
		ae_progress_set_name(prev_name, prev_typid, &prev_typid);
	}
	PG_END_TRY();
	ae_spi_end(nest);
	return model;
}

/*
 * ae_train_store(model text, relation regclass, options jsonb) returns bytea:
 * the part of ae_train that trains on the relation and stores the model as
 * the caller's; NULL when the relation has no rows with values.
 */
Datum
ae_train_store(PG_FUNCTION_ARGS)
{
	AeRegistry	r = ae_registry();
	char	   *name;
	Oid			relid;
	Jsonb	   *options;
	bytea	   *model;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model, relation and options must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	relid = PG_GETARG_OID(1);
	options = PG_GETARG_JSONB_P(2);
	check_model_name(name);
	if (get_rel_name(relid) == NULL || !OidIsValid(get_rel_type_id(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist or has no rows", relid),
				 errhint("Pass a table or view, as in ae_train('fraud', 'transactions').")));
	model = train_on(&r, name, relid, options);
	if (model == NULL)
		PG_RETURN_NULL();
	ae_versions_store(&r, name, relation_key(relid), model);
	PG_RETURN_BYTEA_P(model);
}
