/*
 * generate.c — rows from a generative model's latent space (vae, cvae, aae):
 *
 *   ae_generate(rowtype, model, n, condition, seed)   decoded prior samples
 *   ae_sample_near(row, model, n, radius, seed)       around a row's latent mean
 *   ae_interpolate(row_a, row_b, steps, model)        along the line between two means
 *
 * Each returns rows of the given row type: modelled columns decoded into
 * their own types, other columns NULL, a cvae's condition column set to the
 * condition.  All are deterministic for a given seed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "api/registry.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "rows/pgcore.h"
#include "rows/rowmap.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#define MAX_GENERATED 10000000

PG_FUNCTION_INFO_V1(ae_generate);
PG_FUNCTION_INFO_V1(ae_sample_near);
PG_FUNCTION_INFO_V1(ae_interpolate);

/* What one generating call works with. */
typedef struct Gen
{
	AeModel    *model;
	AeRowMap	map;
	AeWork		work;
	ReturnSetInfo *rsinfo;
	Datum	   *values;			/* (natts) the row being emitted */
	bool	   *isnull;
	MemoryContext row_cxt;		/* reset after each row */
} Gen;

/* Error unless the model's latent follows the prior N(0, I). */
static void
require_generative(const AeModel *model, const char *fname)
{
	if (!AE_KIND_GENERATES(model->opt.kind))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s needs a generative model, not one of kind \"%s\"",
						fname, ae_kind_name(model->opt.kind)),
				 errhint("Train one with kind => 'vae' or 'aae', or kind => 'cvae' with a condition column.")));
}

/* Set up: materialized result, row map onto typid, scratch for one row. */
static void
gen_init(Gen *g, FunctionCallInfo fcinfo, AeModel *model, Oid typid, const char *fname)
{
	AeAlloc		a = ae_pg_alloc(CurrentMemoryContext);
	TupleDesc	td;

	require_generative(model, fname);
	if (!type_is_rowtype(typid) || typid == RECORDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s needs a row of a table, view or composite type, not %s",
						fname, format_type_be(typid)),
				 errhint("Pass NULL::my_table for the row type.")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	g->rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	g->model = model;
	ae_rowmap_build(&g->map, model, typid, -1);
	ae_check_status(ae_work_init(&g->work, model, 1, &a), "preparing to generate");
	td = g->map.tupdesc;
	g->values = palloc0(sizeof(Datum) * Max(td->natts, 1));
	g->isnull = palloc(sizeof(bool) * Max(td->natts, 1));
	g->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "ae generated row",
									   ALLOCSET_DEFAULT_SIZES);

	/* columns the model does not fill are NULL: their domains must allow it */
	for (int a = 0; a < td->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(td, a);
		bool		modelled = false;
		void	   *extra = NULL;

		for (int c = 0; c < model->ncols; c++)
			modelled |= g->map.attno[c] == a;
		if (!modelled && !att->attisdropped && get_typtype(att->atttypid) == TYPTYPE_DOMAIN)
			domain_check((Datum) 0, true, att->atttypid, &extra, CurrentMemoryContext);
	}
}

/* Decode latent point z: (latent), with condition inputs from x, and emit a row. */
static void
gen_emit(Gen *g, const ae_real *z, const ae_real *x, Datum cond, bool cond_null)
{
	const AeModel *model = g->model;
	TupleDesc	td = g->map.tupdesc;
	const ae_real *out = ae_model_decode(model, &g->work, z, x, 1);
	MemoryContext old = MemoryContextSwitchTo(g->row_cxt);

	for (int a = 0; a < td->natts; a++)
		g->isnull[a] = true;
	if (model->cond_col >= 0)
	{
		/* decode of the condition column hands back what is in map->values */
		g->map.values[g->map.attno[model->cond_col]] = cond;
		g->map.isnull[g->map.attno[model->cond_col]] = cond_null;
	}
	ae_rowmap_begin(&g->map, false);
	for (int c = 0; c < model->ncols; c++)
	{
		bool		isnull;
		Datum		v = ae_rowmap_decode(&g->map, model, c, out, &isnull);

		ae_rowmap_store(&g->map, model, c, v, isnull);
	}
	ae_rowmap_finish(&g->map);
	for (int c = 0; c < model->ncols; c++)
	{
		int			a = g->map.attno[c];

		g->values[a] = g->map.values[a];
		g->isnull[a] = g->map.isnull[a];
	}
	/* the tuplestore copies the row */
	tuplestore_putvalues(g->rsinfo->setResult, g->rsinfo->setDesc, g->values, g->isnull);
	MemoryContextSwitchTo(old);
	MemoryContextReset(g->row_cxt);
	CHECK_FOR_INTERRUPTS();
}

/* Emit n rows decoded from center + radius · N(0, I), drawn from a generator seeded by seed. */
static void
gen_emit_around(Gen *g, const ae_real *center, double radius, int64 n, uint64 seed,
				const ae_real *x, Datum cond, bool cond_null)
{
	int			L = g->model->opt.latent;
	ae_real    *z = palloc(sizeof(ae_real) * L);
	AeRng		rng;

	ae_rng_seed(&rng, seed);
	for (int64 i = 0; i < n; i++)
	{
		for (int j = 0; j < L; j++)
			z[j] = (ae_real) (center[j] + radius * ae_rng_normal(&rng));
		gen_emit(g, z, x, cond, cond_null);
	}
}

/* Error unless 0 <= n <= MAX_GENERATED. */
static void
check_count(int64 n, const char *what)
{
	if (n < 0 || n > MAX_GENERATED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 0 and %d", what, MAX_GENERATED),
				 errhint("Ask for fewer rows.")));
}

/* Error for a NULL argument that must be given. */
static void
require_arg(FunctionCallInfo fcinfo, int i, const char *name)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
}

/* The latent mean (an aae's code) of a row, encoded through map; returns the encoded input x too. */
static void
row_latent_mean(Gen *g, HeapTupleHeader row, ae_real *mu, ae_real *x)
{
	const AeModel *model = g->model;
	ae_real    *t = palloc(sizeof(ae_real) * model->ncols);
	uint8	   *m = palloc(model->ncols);
	const ae_real *h;

	if (HeapTupleHeaderGetTypeId(row) != g->map.typid)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("rows must be of one type")));
	ae_rowmap_encode(&g->map, model, row, t, m);
	ae_model_inputs(model, t, m, x, 1);
	h = ae_model_encode(model, &g->work, x, 1);
	memcpy(mu, h, sizeof(ae_real) * model->opt.latent);
}

/* ae_generate(rowtype anyelement, model text, n int, condition text, seed bigint) */
Datum
ae_generate(PG_FUNCTION_ARGS)
{
	AeCacheEntry *entry;
	Gen			g;
	int64		n;

	require_arg(fcinfo, 1, "model");
	require_arg(fcinfo, 2, "n");
	require_arg(fcinfo, 4, "seed");
	n = PG_GETARG_INT32(2);
	check_count(n, "n");
	entry = ae_registry_by_name(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_TRY();
	{
		AeModel    *model = entry->model;
		ae_real    *origin = palloc0(sizeof(ae_real) * model->opt.latent);
		ae_real    *x = palloc0(sizeof(ae_real) * model->n_in);
		Datum		cond = (Datum) 0;
		bool		cond_null = true;

		gen_init(&g, fcinfo, model, get_fn_expr_argtype(fcinfo->flinfo, 0), "ae_generate");
		if (model->cond_col >= 0)
		{
			int			c = model->cond_col;
			Form_pg_attribute att = TupleDescAttr(g.map.tupdesc, g.map.attno[c]);
			ae_real		tc;
			uint8		one = 1;

			if (PG_ARGISNULL(3))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("model \"%s\" is a cvae: ae_generate needs a condition",
								text_to_cstring(PG_GETARG_TEXT_PP(1))),
						 errhint("Pass the value of column \"%s\" to generate for, as in condition => '7'.",
								 model->cols[c].name)));
			cond = InputFunctionCall(&g.map.in_fn[c], text_to_cstring(PG_GETARG_TEXT_PP(3)),
									 g.map.in_ioparam[c], att->atttypmod);
			cond_null = false;
			if (ae_rowmap_encode_value(&g.map, model, c, cond, &tc))
			{
				/* the condition's inputs, as ae_model_inputs lays them out */
				ae_real    *t = palloc0(sizeof(ae_real) * model->ncols);
				uint8	   *m = palloc0(model->ncols);

				/* the "other" class never conditioned a training row: its decoder weights are noise */
				if (model->cols[c].kind == AE_COL_CATEGORICAL && (int) tc == model->cols[c].ncat)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("condition \"%s\" is not a value of \"%s\" the model was trained on",
									text_to_cstring(PG_GETARG_TEXT_PP(3)), model->cols[c].name),
							 errhint("ae_info(model)->'columns' lists the values under \"categories\".")));
				t[c] = tc;
				m[c] = one;
				ae_model_inputs(model, t, m, x, 1);
			}
		}
		else if (!PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a condition needs a cvae model, not one of kind \"%s\"",
							ae_kind_name(model->opt.kind)),
					 errhint("Leave condition NULL, or train a model with kind => 'cvae'.")));

		/* the prior N(0, I): samples around the origin with radius 1 */
		gen_emit_around(&g, origin, 1.0, n, (uint64) PG_GETARG_INT64(4), x, cond, cond_null);
	}
	PG_FINALLY();
	{
		ae_cache_unpin(entry);
	}
	PG_END_TRY();
	return (Datum) 0;
}

/* ae_sample_near(r anyelement, model text, n int, radius float8, seed bigint) */
Datum
ae_sample_near(PG_FUNCTION_ARGS)
{
	AeCacheEntry *entry;
	Gen			g;
	int64		n;
	double		radius;

	for (int i = 0; i < 5; i++)
		require_arg(fcinfo, i, i == 0 ? "row" : i == 1 ? "model" : i == 2 ? "n" :
					i == 3 ? "radius" : "seed");
	n = PG_GETARG_INT32(2);
	check_count(n, "n");
	radius = PG_GETARG_FLOAT8(3);
	if (!(radius >= 0 && radius <= 1000))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("radius must be between 0 and 1000"),
				 errhint("The radius is in prior standard deviations; 0.5 stays close to the row.")));
	entry = ae_registry_by_name(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_TRY();
	{
		AeModel    *model = entry->model;
		ae_real    *mu = palloc(sizeof(ae_real) * model->opt.latent);
		ae_real    *x = palloc0(sizeof(ae_real) * model->n_in);
		Datum		cond = (Datum) 0;
		bool		cond_null = true;

		/* the row type is checked before the row is read */
		gen_init(&g, fcinfo, model, get_fn_expr_argtype(fcinfo->flinfo, 0), "ae_sample_near");
		row_latent_mean(&g, PG_GETARG_HEAPTUPLEHEADER(0), mu, x);
		if (model->cond_col >= 0)
		{
			cond = g.map.values[g.map.attno[model->cond_col]];
			cond_null = g.map.isnull[g.map.attno[model->cond_col]];
		}
		gen_emit_around(&g, mu, radius, n, (uint64) PG_GETARG_INT64(4), x, cond, cond_null);
	}
	PG_FINALLY();
	{
		ae_cache_unpin(entry);
	}
	PG_END_TRY();
	return (Datum) 0;
}

/* ae_interpolate(a anyelement, b anyelement, steps int, model text DEFAULT NULL) */
Datum
ae_interpolate(PG_FUNCTION_ARGS)
{
	AeCacheEntry *entry;
	Gen			g;
	int			steps;
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 0);

	require_arg(fcinfo, 0, "row_a");
	require_arg(fcinfo, 1, "row_b");
	require_arg(fcinfo, 2, "steps");
	steps = PG_GETARG_INT32(2);
	if (steps < 2 || steps > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be between 2 and 100000"),
				 errhint("steps counts both end points: 2 gives the two rows' own decodings.")));
	entry = PG_ARGISNULL(3) ? ae_registry_by_rowtype(typid)
		: ae_registry_by_name(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	PG_TRY();
	{
		AeModel    *model = entry->model;
		int			L = model->opt.latent;
		ae_real    *mu_a = palloc(sizeof(ae_real) * L);
		ae_real    *mu_b = palloc(sizeof(ae_real) * L);
		ae_real    *z = palloc(sizeof(ae_real) * L);
		ae_real    *x_a = palloc0(sizeof(ae_real) * model->n_in);
		ae_real    *x_b = palloc0(sizeof(ae_real) * model->n_in);
		ae_real    *x = palloc0(sizeof(ae_real) * model->n_in);
		Datum		cond[2] = {0, 0};
		bool		cond_null[2] = {true, true};

		gen_init(&g, fcinfo, model, typid, "ae_interpolate");
		row_latent_mean(&g, PG_GETARG_HEAPTUPLEHEADER(0), mu_a, x_a);
		if (model->cond_col >= 0)
		{
			int			a = g.map.attno[model->cond_col];

			cond_null[0] = g.map.isnull[a];
			if (!cond_null[0])
				cond[0] = datumCopy(g.map.values[a], TupleDescAttr(g.map.tupdesc, a)->attbyval,
									TupleDescAttr(g.map.tupdesc, a)->attlen);
		}
		row_latent_mean(&g, PG_GETARG_HEAPTUPLEHEADER(1), mu_b, x_b);
		if (model->cond_col >= 0)
		{
			cond[1] = g.map.values[g.map.attno[model->cond_col]];
			cond_null[1] = g.map.isnull[g.map.attno[model->cond_col]];
		}
		for (int s = 0; s < steps; s++)
		{
			double		f = (double) s / (steps - 1);
			int			side = f < 0.5 ? 0 : 1;

			for (int j = 0; j < L; j++)
				z[j] = (ae_real) ((1 - f) * mu_a[j] + f * mu_b[j]);
			/* a cvae's condition inputs move along the same line */
			for (int i = 0; i < model->n_in; i++)
				x[i] = (ae_real) ((1 - f) * x_a[i] + f * x_b[i]);
			gen_emit(&g, z, x, cond[side], cond_null[side]);
		}
	}
	PG_FINALLY();
	{
		ae_cache_unpin(entry);
	}
	PG_END_TRY();
	return (Datum) 0;
}
