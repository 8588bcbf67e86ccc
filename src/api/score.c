/*
 * score.c — ae_score, ae_embed and ae_reconstruct, each in three forms:
 * (row), (model text, row) and (model bytea, row).
 *
 * One C function serves all three forms of an operation; the form is read
 * from the call's argument types once per call site.  Everything a call
 * site needs — the pinned model, the row type's column map, scratch
 * buffers — lives in fn_extra, so the per-row path is: deform the row,
 * encode it, one forward pass.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "api/model_cache.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "rows/columns.h"
#include "rows/pgcore.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

typedef enum ModelForm
{
	FORM_ROW,					/* (row): the model last trained on the row's relation */
	FORM_NAME,					/* (model text, row) */
	FORM_BYTEA					/* (model bytea, row) */
} ModelForm;

/* Per call site state, in fn_mcxt. */
typedef struct ScoreSite
{
	ModelForm	form;
	bool		model_arg_stable;	/* the model argument cannot change within the query */
	AeCacheEntry *entry;		/* pinned until fn_mcxt goes away */
	Datum		last_arg;		/* model argument the entry was resolved from */
	char		last_toast[sizeof(varatt_external)];	/* its toast pointer, if on disk */
	char	   *last_name;
	Oid			last_typid;		/* FORM_ROW: row type the entry was resolved for */
	AeModel    *map_model;		/* model the map and buffers were built for */
	AeRowMap	map;
	AeWork		work;
	ae_real    *t;				/* (ncols) */
	uint8	   *m;				/* (ncols) */
	MemoryContextCallback unpin;
} ScoreSite;

PG_FUNCTION_INFO_V1(ae_score);
PG_FUNCTION_INFO_V1(ae_embed);
PG_FUNCTION_INFO_V1(ae_reconstruct);

/* Reset callback of fn_mcxt: release the pinned model. */
static void
site_unpin(void *arg)
{
	ScoreSite  *site = arg;

	if (site->entry)
		ae_cache_unpin(site->entry);
	site->entry = NULL;
}

/* The call site's state, created on the first call. */
static ScoreSite *
get_site(FunctionCallInfo fcinfo)
{
	ScoreSite  *site = fcinfo->flinfo->fn_extra;

	if (site == NULL)
	{
		Oid			t0 = get_fn_expr_argtype(fcinfo->flinfo, 0);

		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScoreSite));
		if (PG_NARGS() == 1)
			site->form = FORM_ROW;
		else
			site->form = getBaseType(t0) == BYTEAOID ? FORM_BYTEA : FORM_NAME;
		site->model_arg_stable = site->form != FORM_ROW &&
			get_fn_expr_arg_stable(fcinfo->flinfo, 0);
		site->unpin.func = site_unpin;
		site->unpin.arg = site;
		MemoryContextRegisterResetCallback(fcinfo->flinfo->fn_mcxt, &site->unpin);
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

/* Swap the site's pinned model. */
static void
site_set_entry(ScoreSite *site, AeCacheEntry *e)
{
	if (site->entry)
		ae_cache_unpin(site->entry);
	site->entry = e;
}

/*
 * Is a non-constant bytea argument still the model the site resolved last?
 * The same pointer with the same identity (a toast pointer, or the length
 * and checksum in an inline header) is; anything else is looked up again,
 * which verifies the bytes' checksum.
 */
static bool
same_model_datum(ScoreSite *site, Datum arg)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(arg);
	const uint8 *p;

	if (arg != site->last_arg)
		return false;
	if (VARATT_IS_EXTERNAL_ONDISK(v))
		return memcmp(site->last_toast, VARDATA_EXTERNAL(v), sizeof(varatt_external)) == 0;
	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		return false;			/* compressed or indirect */
	if (VARSIZE_ANY_EXHDR(v) < 20)
		return false;
	p = (const uint8 *) VARDATA_ANY(v);
	return (p[12] | (p[13] << 8) | (p[14] << 16) | ((uint32) p[15] << 24)) == site->entry->len &&
		(p[16] | (p[17] << 8) | (p[18] << 16) | ((uint32) p[19] << 24)) == site->entry->crc;
}

/* Resolve the model for this call, reusing the site's when the argument is unchanged. */
static AeModel *
site_model(FunctionCallInfo fcinfo, ScoreSite *site, Oid row_typid)
{
	switch (site->form)
	{
		case FORM_BYTEA:
			{
				Datum		arg = PG_GETARG_DATUM(0);

				if (site->entry == NULL ||
					(!site->model_arg_stable && !same_model_datum(site, arg)))
				{
					struct varlena *v = (struct varlena *) DatumGetPointer(arg);

					site_set_entry(site, ae_cache_from_bytea(arg));
					site->last_arg = arg;
					if (VARATT_IS_EXTERNAL_ONDISK(v))
						memcpy(site->last_toast, VARDATA_EXTERNAL(v), sizeof(varatt_external));
				}
				break;
			}
		case FORM_NAME:
			{
				text	   *arg = PG_GETARG_TEXT_PP(0);

				if (site->entry == NULL ||
					(!site->model_arg_stable &&
					 (site->last_name == NULL ||
					  strcmp(site->last_name, text_to_cstring(arg)) != 0)))
				{
					char	   *name = text_to_cstring(arg);

					site_set_entry(site, ae_cache_from_name(name));
					if (site->last_name)
						pfree(site->last_name);
					site->last_name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, name);
				}
				break;
			}
		case FORM_ROW:
			if (site->entry == NULL || site->last_typid != row_typid)
			{
				site_set_entry(site, ae_cache_from_rowtype(row_typid));
				site->last_typid = row_typid;
			}
			break;
	}
	return site->entry->model;
}

/*
 * Resolve model and row map for this call and encode the row into site->t,
 * site->m.  Returns the model; *observed gets the number of observed columns.
 */
static AeModel *
prepare(FunctionCallInfo fcinfo, ScoreSite **site_out, HeapTupleHeader *row_out, int *observed)
{
	ScoreSite  *site = get_site(fcinfo);
	int			rowarg = site->form == FORM_ROW ? 0 : 1;
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(rowarg);
	Oid			typid = HeapTupleHeaderGetTypeId(row);
	int32		typmod = HeapTupleHeaderGetTypMod(row);
	AeModel    *model = site_model(fcinfo, site, typid);

	if (site->map_model != model || site->map.typid != typid || site->map.typmod != typmod)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		AeAlloc		a = ae_pg_alloc(fcinfo->flinfo->fn_mcxt);

		/* rebuilt rarely: once per model and row type at this call site */
		ae_rowmap_build(&site->map, model, typid, typmod);
		if (ae_work_init(&site->work, model, 1, &a) != AE_OK)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		site->t = palloc(sizeof(ae_real) * model->ncols);
		site->m = palloc(model->ncols);
		site->map_model = model;
		MemoryContextSwitchTo(old);
	}
	*observed = ae_rowmap_encode(&site->map, model, row, site->t, site->m);
	*site_out = site;
	*row_out = row;
	return model;
}

/* Forward the encoded row; returns the outputs (n_out). */
static const ae_real *
forward(AeModel *model, ScoreSite *site)
{
	ae_model_inputs(model, site->t, site->m, site->work.x, 1);
	return ae_model_forward(model, &site->work, site->work.x, 1);
}

/* The anomaly score: mean loss over the row's observed modelled columns. */
Datum
ae_score(PG_FUNCTION_ARGS)
{
	ScoreSite  *site;
	HeapTupleHeader row;
	int			observed;
	AeModel    *model = prepare(fcinfo, &site, &row, &observed);
	const ae_real *out;
	double		loss;

	if (observed == 0)
		PG_RETURN_NULL();
	out = forward(model, site);
	ae_model_loss(model, out, site->t, site->m, 1, NULL, &loss);
	PG_RETURN_FLOAT8(loss);
}

/* The latent vector as real[]. */
Datum
ae_embed(PG_FUNCTION_ARGS)
{
	ScoreSite  *site;
	HeapTupleHeader row;
	int			observed;
	AeModel    *model = prepare(fcinfo, &site, &row, &observed);
	const ae_real *z;
	Datum	   *elems = palloc(sizeof(Datum) * model->opt.latent);

	forward(model, site);
	z = ae_model_latent(model, &site->work);
	for (int i = 0; i < model->opt.latent; i++)
		elems[i] = Float4GetDatum((float4) z[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, model->opt.latent, FLOAT4OID,
										  sizeof(float4), true, TYPALIGN_INT));
}

/* The row with every modelled column replaced by its reconstruction. */
Datum
ae_reconstruct(PG_FUNCTION_ARGS)
{
	ScoreSite  *site;
	HeapTupleHeader row;
	int			observed;
	AeModel    *model = prepare(fcinfo, &site, &row, &observed);
	const ae_real *out = forward(model, site);
	AeRowMap   *map = &site->map;
	HeapTuple	result;

	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];
		double		z = out[col->out_off];
		double		v = col->kind == AE_COL_NUMERIC
			? ae_unscale_value(col, z)
			: (z > 0 ? 1.0 : 0.0);	/* boolean logit: p >= 0.5 */

		map->values[map->attno[c]] = ae_double_to_datum(v, map->sqltype[c]);
		map->isnull[map->attno[c]] = false;
	}
	result = heap_form_tuple(map->tupdesc, map->values, map->isnull);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}
