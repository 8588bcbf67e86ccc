/*
 * site.c — per call site state of the model functions: resolving the
 * model once per query (again when the registry changes), preparing it for
 * the row type, encoding each row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "api/registry.h"
#include "api/site.h"
#include "core/format.h"
#include "catalog/pg_type.h"
#include "rows/pgcore.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "miscadmin.h"

/* Reset callback of fn_mcxt: release every pinned model. */
static void
site_unpin(void *arg)
{
	AeSite	   *site = arg;

	for (int i = 0; i < SITE_SLOTS; i++)
		if (site->slots[i].entry)
		{
			ae_cache_unpin(site->slots[i].entry);
			site->slots[i].entry = NULL;
		}
	if (site->entry)
		ae_cache_unpin(site->entry);
	site->entry = NULL;
	site->current = NULL;
}

/*
 * The call site's state, created on the first call: the model argument is
 * argument first (the row itself in the row form), the row argument row
 * (-1: a function of a model alone, such as ae_threshold).
 */
static AeSite *
get_site(FunctionCallInfo fcinfo, int first, int row)
{
	AeSite	   *site = fcinfo->flinfo->fn_extra;

	if (site == NULL)
	{
		Oid			rowtype = row >= 0 ? get_fn_expr_argtype(fcinfo->flinfo, row) : InvalidOid;

		/* a row is read as a HeapTupleHeader: make sure it is one */
		if (row >= 0 && (!OidIsValid(rowtype) || !type_is_rowtype(rowtype)))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s expects a row, not %s", get_func_name(fcinfo->flinfo->fn_oid),
							OidIsValid(rowtype) ? format_type_be(rowtype) : "an unknown type"),
					 errhint("Pass the table alias, as in ae_score(t) FROM my_table t; when a column has the alias's name, write t.* instead.")));
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(AeSite));
		site->model_argno = first;
		site->row_argno = row;
		if (row == first)
			site->form = FORM_ROW;
		else
			site->form = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, first)) == BYTEAOID
				? FORM_BYTEA : FORM_NAME;
		site->model_arg_stable = site->form != FORM_ROW &&
			get_fn_expr_arg_stable(fcinfo->flinfo, first);
		site->unpin.func = site_unpin;
		site->unpin.arg = site;
		MemoryContextRegisterResetCallback(fcinfo->flinfo->fn_mcxt, &site->unpin);
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

/* Make e (pinned by the caller) the model the argument resolves to. */
static void
site_set_entry(AeSite *site, AeCacheEntry *e)
{
	if (site->entry)
		ae_cache_unpin(site->entry);
	site->entry = e;
}

/*
 * Is a non-constant bytea argument still the model the site resolved last?
 * The same pointer with the same identity (a toast pointer, or the length
 * and checksum in an inline header) is; anything else is looked up again,
 * which compares the bytes.
 */
static bool
same_model_datum(AeSite *site, Datum arg)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(arg);
	uint32		len,
				crc;

	if (arg != site->last_arg)
		return false;
	if (VARATT_IS_EXTERNAL_ONDISK(v))
		return memcmp(site->last_toast, VARDATA_EXTERNAL(v), sizeof(varatt_external)) == 0;
	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		return false;			/* compressed or indirect */
	return ae_model_identity((const uint8 *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), &len, &crc) &&
		len == site->entry->len && crc == site->entry->crc &&
		memcmp(VARDATA_ANY(v), site->entry->bytes, len) == 0;
}

/*
 * May the site's name or relation resolve differently now?  It may when the
 * registry or a role changed in this backend's view (the generation), or
 * when the query runs under a snapshot other than the one the registry was
 * read with: a transaction completed since, or a command of this one ran.
 * Within one statement the snapshot stays, so this is two comparisons.
 */
static bool
registry_moved(AeSite *site)
{
	Snapshot	snap;

	if (site->generation != ae_cache_generation() || !ActiveSnapshotSet())
		return true;
	snap = GetActiveSnapshot();
	return snap->snapXactCompletionCount != site->snap_completions ||
		snap->curcid != site->snap_cid;
}

/* Remember the generation and snapshot a resolution was made under. */
static void
note_resolution(AeSite *site)
{
	site->generation = ae_cache_generation();
	site->snap_completions = ActiveSnapshotSet() ? GetActiveSnapshot()->snapXactCompletionCount : 0;
	site->snap_cid = ActiveSnapshotSet() ? GetActiveSnapshot()->curcid : InvalidCommandId;
}

/* Resolve the model for this call into site->entry, reusing it when the argument is unchanged. */
static void
site_resolve(FunctionCallInfo fcinfo, AeSite *site, Oid row_typid)
{
	switch (site->form)
	{
		case FORM_BYTEA:
			{
				Datum		arg = PG_GETARG_DATUM(site->model_argno);

				if (site->entry == NULL ||
					(!site->model_arg_stable && !same_model_datum(site, arg)))
				{
					struct varlena *v = (struct varlena *) DatumGetPointer(arg);

					site_set_entry(site, ae_cache_from_stored(arg));
					site->last_arg = arg;
					if (VARATT_IS_EXTERNAL_ONDISK(v))
						memcpy(site->last_toast, VARDATA_EXTERNAL(v), sizeof(varatt_external));
				}
				break;
			}
		case FORM_NAME:
			{
				text	   *arg = PG_GETARG_TEXT_PP(site->model_argno);

				if (site->entry == NULL || registry_moved(site) ||
					(!site->model_arg_stable &&
					 strcmp(site->last_name, text_to_cstring(arg)) != 0))
				{
					char	   *name = text_to_cstring(arg);

					note_resolution(site);
					site_set_entry(site, ae_registry_by_name(name));
					if (site->last_name)
						pfree(site->last_name);
					site->last_name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, name);
				}
				break;
			}
		case FORM_ROW:
			if (site->entry == NULL || registry_moved(site) || site->last_typid != row_typid)
			{
				note_resolution(site);
				site_set_entry(site, ae_registry_by_rowtype(row_typid));
				site->last_typid = row_typid;
			}
			break;
	}
}

/* Between the long pieces of one row's passes: honour cancel and statement_timeout. */
static void
site_tick(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* The slot preparing site->entry for a row type: found, or made in a free or the oldest slot. */
static SiteSlot *
site_slot(FunctionCallInfo fcinfo, AeSite *site, Oid typid, int32 typmod)
{
	AeModel    *model = site->entry->model;
	SiteSlot   *victim = NULL;
	MemoryContext old;
	AeAlloc		a;

	Size		held = 0;
	SiteSlot   *oldest = NULL;

	for (int i = 0; i < SITE_SLOTS; i++)
	{
		SiteSlot   *s = &site->slots[i];

		if (s->entry == site->entry && s->typid == typid && s->typmod == typmod)
			return s;
		if (victim == NULL || (victim->entry != NULL &&
							   (s->entry == NULL || s->last_use < victim->last_use)))
			victim = s;
		if (s->entry != NULL)
		{
			held += MemoryContextMemAllocated(s->cxt, true) + s->entry->size;
			if (oldest == NULL || s->last_use < oldest->last_use)
				oldest = s;
		}
	}
	/* a free slot only while the prepared ones and this model fit the budget: else recycle the oldest */
	if (victim->entry == NULL && oldest != NULL && held + site->entry->size > SITE_SLOTS_BYTES)
		victim = oldest;
	if (victim->entry)
		ae_cache_unpin(victim->entry);
	victim->entry = NULL;
	if (victim->cxt == NULL)
		victim->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "ae call site",
											ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(victim->cxt);

	old = MemoryContextSwitchTo(victim->cxt);
	a = ae_pg_alloc(victim->cxt);
	ae_rowmap_build(&victim->map, model, typid, typmod);
	ae_check_status(ae_work_init(&victim->work, model, 1, &a), "preparing to score");
	/* a row's passes (a transformer's held-out ones, a wide model's) honour cancel */
	victim->work.ticker.tick = site_tick;
	victim->t = palloc(sizeof(ae_real) * model->ncols);
	victim->m = palloc(model->ncols);
	victim->out = palloc(sizeof(ae_real) * Max(model->n_out, 1));
	MemoryContextSwitchTo(old);

	ae_cache_pin(site->entry);
	victim->entry = site->entry;
	victim->typid = typid;
	victim->typmod = typmod;
	return victim;
}

/* Resolve the model of this call without encoding the row; see site.h. */
AeCacheEntry *
ae_site_resolve_at(FunctionCallInfo fcinfo, int first, int row, AeSite **site_out)
{
	AeSite	   *site = get_site(fcinfo, first, row);
	HeapTupleHeader tuple = PG_GETARG_HEAPTUPLEHEADER(site->row_argno);

	site_resolve(fcinfo, site, HeapTupleHeaderGetTypeId(tuple));
	*site_out = site;
	return site->entry;
}

/* Resolve, map and encode, with the model and row arguments where the caller says; see site.h. */
AeModel *
ae_site_prepare_at(FunctionCallInfo fcinfo, int first, int row, AeSite **site_out, int *observed)
{
	AeSite	   *site = get_site(fcinfo, first, row);
	HeapTupleHeader tuple = PG_GETARG_HEAPTUPLEHEADER(site->row_argno);
	Oid			typid = HeapTupleHeaderGetTypeId(tuple);
	int32		typmod = HeapTupleHeaderGetTypMod(tuple);
	SiteSlot   *slot;

	site_resolve(fcinfo, site, typid);
	slot = site->current;
	if (slot == NULL || slot->entry != site->entry || slot->typid != typid || slot->typmod != typmod)
	{
		slot = site->current = site_slot(fcinfo, site, typid, typmod);
		site->map = &slot->map;
		site->work = &slot->work;
		site->t = slot->t;
		site->m = slot->m;
		site->out = slot->out;
	}
	slot->last_use = ++site->clock;
	*observed = ae_rowmap_encode(&slot->map, site->entry->model, tuple, slot->t, slot->m);
	*site_out = site;
	return site->entry->model;
}

/* Resolve, map and encode; see site.h. */
AeModel *
ae_site_prepare(FunctionCallInfo fcinfo, AeSite **site_out, int *observed)
{
	/* (row) or (model, row): the row is the last argument */
	return ae_site_prepare_at(fcinfo, 0, PG_NARGS() - 1, site_out, observed);
}

/* Resolve the model argument of a function without a row; see site.h. */
AeModel *
ae_site_model(FunctionCallInfo fcinfo)
{
	AeSite	   *site = get_site(fcinfo, 0, -1);

	Assert(site->form != FORM_ROW);
	site_resolve(fcinfo, site, InvalidOid);
	return site->entry->model;
}

/* Forward the row's values with observation mask m. */
const ae_real *
ae_site_forward(AeModel *model, AeSite *site, const uint8 *m)
{
	return ae_model_forward_row(model, site->work, site->t, m);
}

/* The row's latent code. */
const ae_real *
ae_site_embed(AeModel *model, AeSite *site)
{
	return ae_model_encode_row(model, site->work, site->t, site->m);
}

/* What the model shows for the row. */
const ae_real *
ae_site_reconstruct(AeModel *model, AeSite *site)
{
	return ae_model_reconstruct(model, site->work, site->t, site->m);
}
