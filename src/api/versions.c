/*
 * versions.c — a model name's versions.  Training a name again keeps the
 * version it replaces, ae_rollback makes an earlier (or any kept) version
 * current again, ae_prune forgets old versions, and ae_model returns the
 * bytes of any version, so every score can be made again from the version
 * that gave it.
 *
 * ae_models holds the current version of each (owner, name): the lookups
 * by name and by relation read one row as they always did.  Its version
 * column numbers that row and last_version is the highest number the name
 * has had, so a number once given never names other bytes, even after
 * pruning.  ae_model_history holds the other versions, with a foreign key
 * to ae_models that carries them along when the model is renamed and
 * removes them when it is deleted.
 *
 * Every write first locks the name's ae_models row (FOR UPDATE), so the
 * trainings, rollbacks and prunes of one name take turns: no version is
 * lost and no number is given twice.  The writes run as the registry's
 * owner for an owner resolved with the caller's rights (registry.h); the
 * caller chooses a name and, among that model's versions, a number, never
 * an owner, bytes or a new number.
 */
#include "postgres.h"

#include "api/registry.h"
#include "api/versions.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

PG_FUNCTION_INFO_V1(ae_model_bytes);
PG_FUNCTION_INFO_V1(ae_rollback);
PG_FUNCTION_INFO_V1(ae_prune);
PG_FUNCTION_INFO_V1(ae_prune_all);

extern Datum ae_info(PG_FUNCTION_ARGS);

/* The columns a version has, in ae_models and ae_model_history alike. */
#define VERSION_COLUMNS "name, kind, relation, columns, options, metrics, model, owner, created_at, version"

/* The one row of a name: a query's condition on its owner ($1) and name ($2). */
#define THIS_NAME "owner OPERATOR(pg_catalog.=) $1 AND name OPERATOR(pg_catalog.=) $2"

/*
 * The arguments of every query here: $1 owner, $2 name, $3 version, and
 * for storing a model $4 its ae_info, $5 its relation, $6 its bytes.
 */
typedef struct VersionArgs
{
	Oid			owner;
	const char *name;			/* NULL: all the owner's names */
	int32		version;
	Jsonb	   *info;
	const char *relation;
	bytea	   *model;
} VersionArgs;

/* Run a query with the arguments; error unless it ends in status.  Returns the rows it processed. */
static uint64
run(const char *query, const VersionArgs *a, int status, bool read_only)
{
	Oid			types[6] = {REGROLEOID, TEXTOID, INT4OID, JSONBOID, TEXTOID, BYTEAOID};
	Datum		values[6] = {0};
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = ObjectIdGetDatum(a->owner);
	if (a->name)
		values[1] = CStringGetTextDatum(a->name);
	else
		nulls[1] = 'n';
	values[2] = Int32GetDatum(a->version);
	if (a->info)
		values[3] = JsonbPGetDatum(a->info);
	else
		nulls[3] = 'n';
	if (a->relation)
		values[4] = CStringGetTextDatum(a->relation);
	else
		nulls[4] = 'n';
	if (a->model)
		values[5] = PointerGetDatum(a->model);
	else
		nulls[5] = 'n';
	if (SPI_execute_with_args(query, 6, types, values, nulls, read_only, 0) != status)
		elog(ERROR, "could not run \"%s\"", query);
	return SPI_processed;
}

/* An int4 column of the first row SPI returned. */
static int32
int_column(int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

/*
 * Lock the current row of a name and read its version and last_version;
 * false when the name has no row.  Under read committed a lock that waited
 * for another writer returns the row that writer left.
 */
static bool
lock_current(const AeRegistry *r, const VersionArgs *a, int32 *version, int32 *last)
{
	if (run(psprintf("SELECT version, last_version FROM %s WHERE " THIS_NAME " FOR UPDATE", r->table),
			a, SPI_OK_SELECT, false) == 0)
		return false;
	*version = int_column(1);
	*last = int_column(2);
	return true;
}

/* Copy the current version of a name into the history. */
static void
archive_current(const AeRegistry *r, const VersionArgs *a)
{
	if (run(psprintf("INSERT INTO %s (" VERSION_COLUMNS ") SELECT " VERSION_COLUMNS
					 " FROM %s WHERE " THIS_NAME, r->history, r->table),
			a, SPI_OK_INSERT, false) != 1)
		elog(ERROR, "could not keep the current version of ae model \"%s\"", a->name);
}

/* Store a model as the current role's version of a name; see versions.h. */
void
ae_versions_store(const AeRegistry *r, const char *name, const char *relation, bytea *model)
{
	VersionArgs a = {
		.owner = GetUserId(),
		.name = name,
		.info = DatumGetJsonbP(DirectFunctionCall1(ae_info, PointerGetDatum(model))),
		.relation = relation,
		.model = model,
	};
	char	   *replace = psprintf(
								   "UPDATE %s SET kind = $4 OPERATOR(pg_catalog.->>) 'kind', relation = $5, "
								   "columns = $4 OPERATOR(pg_catalog.->) 'columns', "
								   "options = $4 OPERATOR(pg_catalog.->) 'options', "
								   "metrics = $4 OPERATOR(pg_catalog.->) 'metrics', model = $6, "
								   "created_at = pg_catalog.clock_timestamp(), "
								   "version = last_version OPERATOR(pg_catalog.+) 1, "
								   "last_version = last_version OPERATOR(pg_catalog.+) 1 "
								   "WHERE " THIS_NAME, r->table);
	char	   *insert = psprintf(
								  "INSERT INTO %s (" VERSION_COLUMNS ", last_version) "
								  "VALUES ($2, $4 OPERATOR(pg_catalog.->>) 'kind', $5, "
								  "$4 OPERATOR(pg_catalog.->) 'columns', $4 OPERATOR(pg_catalog.->) 'options', "
								  "$4 OPERATOR(pg_catalog.->) 'metrics', $6, $1, pg_catalog.clock_timestamp(), 1, 1) "
								  "ON CONFLICT (owner, name) DO NOTHING", r->table);
	AeRegistryWrite w;

	ae_registry_begin_write(r, &w);
	for (;;)
	{
		int32		version,
					last;

		CHECK_FOR_INTERRUPTS();
		if (lock_current(r, &a, &version, &last))
		{
			archive_current(r, &a);
			if (run(replace, &a, SPI_OK_UPDATE, false) != 1)
				elog(ERROR, "could not store ae model \"%s\"", name);
			break;
		}
		/*
		 * A new name.  When another session inserts it first, the insert
		 * waits for that session and does nothing if it commits; the name
		 * then has a row to lock, and this model becomes its next version.
		 */
		if (run(insert, &a, SPI_OK_INSERT, false) == 1)
			break;
	}
	ae_registry_end_write(&w);
}

/* Error: a name has no such version. */
static void pg_attribute_noreturn()
no_such_version(const char *name, int32 version)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("ae model \"%s\" has no version %d", name, version),
			 errhint("List its versions with SELECT version, current FROM ae_model_versions WHERE name = '%s'.",
					 name)));
}

/*
 * ae_model(name text [, version int]) returns bytea: the bytes of the
 * current version of the model the caller means by name, or of the given
 * version, read with the caller's rights.
 */
Datum
ae_model_bytes(PG_FUNCTION_ARGS)
{
	AeRegistry	r = ae_registry();
	bool		given = PG_NARGS() > 1;
	VersionArgs a = {
		.name = text_to_cstring(PG_GETARG_TEXT_PP(0)),
		.version = given ? PG_GETARG_INT32(1) : 0,
	};
	int			nest;
	bool		isnull;
	struct varlena *v;
	bytea	   *out;

	a.owner = ae_registry_owner(&r, a.name);
	nest = ae_spi_begin();
	if (given)
		run(psprintf("SELECT model FROM %s WHERE " THIS_NAME " AND version OPERATOR(pg_catalog.=) $3 "
					 "UNION ALL SELECT model FROM %s WHERE " THIS_NAME
					 " AND version OPERATOR(pg_catalog.=) $3", r.table, r.history),
			&a, SPI_OK_SELECT, true);
	else
		run(psprintf("SELECT model FROM %s WHERE " THIS_NAME, r.table), &a, SPI_OK_SELECT, true);
	if (SPI_processed == 0)
	{
		if (given)
			no_such_version(a.name, a.version);
		ae_registry_no_such_model(a.name);
	}
	v = (struct varlena *) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ae model \"%s\" has no model bytes", a.name)));
	v = pg_detoast_datum_packed(v);
	/* the whole value, out of SPI's memory into the caller's */
	out = SPI_palloc(VARSIZE_ANY_EXHDR(v) + VARHDRSZ);
	SET_VARSIZE(out, VARSIZE_ANY_EXHDR(v) + VARHDRSZ);
	memcpy(VARDATA(out), VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	ae_spi_end(nest);
	PG_RETURN_BYTEA_P(out);
}

/*
 * ae_rollback(name text [, version int]) returns int: make the newest
 * version older than the current one, or the given version, current; the
 * version it replaces goes into the history.  Returns the version now
 * current.
 */
Datum
ae_rollback(PG_FUNCTION_ARGS)
{
	AeRegistry	r = ae_registry();
	bool		given = PG_NARGS() > 1;
	VersionArgs a = {.name = text_to_cstring(PG_GETARG_TEXT_PP(0))};
	int32		current,
				last,
				target = given ? PG_GETARG_INT32(1) : 0;
	AeRegistryWrite w;

	a.owner = ae_registry_owner(&r, a.name);
	ae_registry_begin_write(&r, &w);
	if (!lock_current(&r, &a, &current, &last))
		ae_registry_no_such_model(a.name);
	a.version = given ? target : current;
	if (given && target == current)
	{
		ae_registry_end_write(&w);
		PG_RETURN_INT32(current);
	}
	/* the version to restore, locked: a concurrent prune or delete of it waits, or wins */
	if (run(psprintf("SELECT version FROM %s WHERE " THIS_NAME " AND version %s $3 "
					 "ORDER BY version DESC LIMIT 1 FOR UPDATE",
					 r.history, given ? "OPERATOR(pg_catalog.=)" : "OPERATOR(pg_catalog.<)"),
			&a, SPI_OK_SELECT, false) == 0)
	{
		if (given)
			no_such_version(a.name, target);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ae model \"%s\" has no version before its current version %d", a.name, current),
				 errhint("Its earlier versions were pruned or deleted, or it was trained once. List its versions with SELECT version, current FROM ae_model_versions WHERE name = '%s'.",
						 a.name)));
	}
	target = a.version = int_column(1);

	archive_current(&r, &a);
	if (run(psprintf("UPDATE %s m SET (kind, relation, columns, options, metrics, model, created_at, version) = "
					 "(SELECT h.kind, h.relation, h.columns, h.options, h.metrics, h.model, h.created_at, h.version "
					 "FROM %s h WHERE h.owner OPERATOR(pg_catalog.=) $1 AND h.name OPERATOR(pg_catalog.=) $2 "
					 "AND h.version OPERATOR(pg_catalog.=) $3) WHERE m.owner OPERATOR(pg_catalog.=) $1 "
					 "AND m.name OPERATOR(pg_catalog.=) $2", r.table, r.history),
			&a, SPI_OK_UPDATE, false) != 1 ||
		run(psprintf("DELETE FROM %s WHERE " THIS_NAME " AND version OPERATOR(pg_catalog.=) $3", r.history),
			&a, SPI_OK_DELETE, false) != 1)
		elog(ERROR, "could not restore version %d of ae model \"%s\"", target, a.name);
	ae_registry_end_write(&w);
	PG_RETURN_INT32(target);
}

/*
 * Delete the history of one name of an owner, or of all its names (name
 * NULL), but for the newest keep versions of each; returns how many went.
 */
static int64
prune(const AeRegistry *r, Oid owner, const char *name, int32 keep)
{
	VersionArgs a = {.owner = owner, .name = name, .version = keep};
	const char *which = name ? THIS_NAME : "owner OPERATOR(pg_catalog.=) $1";
	AeRegistryWrite w;
	uint64		removed;

	if (keep < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keep must not be negative"),
				 errhint("Pass how many earlier versions to keep besides the current one, 0 for none.")));
	ae_registry_begin_write(r, &w);
	/* trainings and rollbacks of these names wait until this transaction ends */
	if (run(psprintf("SELECT 1 FROM %s WHERE %s ORDER BY name FOR UPDATE", r->table, which),
			&a, SPI_OK_SELECT, false) == 0 && name != NULL)
		ae_registry_no_such_model(name);
	removed = run(psprintf("DELETE FROM %s h USING (SELECT owner, name, version, pg_catalog.row_number() "
						   "OVER (PARTITION BY name ORDER BY version DESC) AS newer FROM %s WHERE %s) old "
						   "WHERE h.owner OPERATOR(pg_catalog.=) old.owner AND h.name OPERATOR(pg_catalog.=) old.name "
						   "AND h.version OPERATOR(pg_catalog.=) old.version AND old.newer OPERATOR(pg_catalog.>) $3",
						   r->history, r->history, which),
				   &a, SPI_OK_DELETE, false);
	ae_registry_end_write(&w);
	return (int64) removed;
}

/*
 * ae_prune(name text, keep int) returns bigint: delete the earlier versions
 * of the model the caller means by name, but for the newest keep.
 */
Datum
ae_prune(PG_FUNCTION_ARGS)
{
	AeRegistry	r = ae_registry();
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_INT64(prune(&r, ae_registry_owner(&r, name), name, PG_GETARG_INT32(1)));
}

/*
 * ae_prune_all(keep int) returns bigint: ae_prune for every model of the
 * current role.
 */
Datum
ae_prune_all(PG_FUNCTION_ARGS)
{
	AeRegistry	r = ae_registry();

	PG_RETURN_INT64(prune(&r, GetUserId(), NULL, PG_GETARG_INT32(0)));
}
