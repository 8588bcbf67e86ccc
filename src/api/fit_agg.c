/*
 * fit_agg.c — the ae_fit aggregate: ae_fit(row) and ae_fit(row, options).
 *
 * The transition state is an `internal` AeSample (train/sample.h): a
 * reservoir sample of the rows in the aggregate's memory context.  Only
 * PostgreSQL hands it from call to call, and only a superuser can declare
 * an aggregate over an internal state, so no role can forge one.  Under
 * parallel aggregation the serial and deserial functions carry partial
 * samples from the workers to the leader as frames whose every value is
 * read back through its type's receive function; the combine function
 * merges them; the final function trains on the sample and returns the
 * model bytea.
 *
 * ae 0.1.0 declared the aggregate over a bytea state with the functions
 * ae_fit_transfn, ae_fit_combinefn and ae_fit_finalfn.  Those symbols stay
 * only to refuse to run until ALTER EXTENSION ae UPDATE replaces them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "train/fit.h"
#include "train/sample.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ae_fit_sample_transfn);
PG_FUNCTION_INFO_V1(ae_fit_sample_combinefn);
PG_FUNCTION_INFO_V1(ae_fit_sample_serialfn);
PG_FUNCTION_INFO_V1(ae_fit_sample_deserialfn);
PG_FUNCTION_INFO_V1(ae_fit_sample_finalfn);
PG_FUNCTION_INFO_V1(ae_fit_transfn);
PG_FUNCTION_INFO_V1(ae_fit_combinefn);
PG_FUNCTION_INFO_V1(ae_fit_finalfn);

/* The aggregate's memory context; errors outside a plain aggregate call. */
static MemoryContext
aggregate_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext cxt;
	int			kind = AggCheckCallContext(fcinfo, &cxt);

	if (kind == AGG_CONTEXT_WINDOW)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ae_fit cannot be used as a window function"),
				 errhint("Train per group with GROUP BY instead of OVER.")));
	if (kind != AGG_CONTEXT_AGGREGATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of the ae_fit aggregate", fname),
				 errhint("Call ae_fit(row) or ae_fit(row, options).")));
	return cxt;
}

/* The row type a call passes: a composite, a domain over one, or record. */
static Oid
declared_rowtype(FunctionCallInfo fcinfo)
{
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);

	if (!OidIsValid(argtype) || !type_is_rowtype(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("ae_fit expects a row, not %s",
						OidIsValid(argtype) ? format_type_be(argtype) : "an unknown type"),
				 errhint("Pass the table alias, as in SELECT ae_fit(t) FROM my_table t.")));
	return getBaseType(argtype);
}

/* Add one row; the first row fixes the row type and the options. */
Datum
ae_fit_sample_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo, "ae_fit_sample_transfn");
	Oid			rowtype = declared_rowtype(fcinfo);
	AeSample   *s = PG_ARGISNULL(0) ? NULL : (AeSample *) PG_GETARG_POINTER(0);
	Jsonb	   *options = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_JSONB_P(2) : NULL;
	HeapTupleHeader row;
	Oid			typid;
	int32		typmod;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	row = PG_GETARG_HEAPTUPLEHEADER(1);
	typid = HeapTupleHeaderGetTypeId(row);
	typmod = HeapTupleHeaderGetTypMod(row);
	if (rowtype != RECORDOID && typid != rowtype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("ae_fit got a row of type %s where %s was declared",
						format_type_be(typid), format_type_be(rowtype))));

	if (s == NULL)
		s = ae_sample_create(aggcxt, typid, typmod, options);
	else
	{
		/* every row must be read with the first row's layout */
		if (typid != s->typid || typmod != s->typmod)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("ae_fit rows must all be of one row type"),
					 errhint("Feed rows of one table, view or query; cast anonymous rows to one composite type.")));
		if (!ae_sample_same_options(s->options, options))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ae_fit options must be the same for every row"),
					 errhint("Pass the options as a constant, as in ae_fit(t, '{\"epochs\": 50}').")));
	}
	ae_sample_add(s, row);
	PG_RETURN_POINTER(s);
}

/* Merge two partial samples into one that lives in the aggregate's context. */
Datum
ae_fit_sample_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = aggregate_context(fcinfo, "ae_fit_sample_combinefn");
	AeSample   *a = PG_ARGISNULL(0) ? NULL : (AeSample *) PG_GETARG_POINTER(0);
	AeSample   *b = PG_ARGISNULL(1) ? NULL : (AeSample *) PG_GETARG_POINTER(1);
	AeSample   *merged;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* b may live in a short-lived context: keep a copy */
		PG_RETURN_POINTER(ae_sample_copy(aggcxt, b));
	}
	merged = ae_sample_merge(aggcxt, a, b);
	ae_sample_free(a);
	PG_RETURN_POINTER(merged);
}

/* A partial sample as a frame, to pass from a worker to the leader. */
Datum
ae_fit_sample_serialfn(PG_FUNCTION_ARGS)
{
	aggregate_context(fcinfo, "ae_fit_sample_serialfn");
	PG_RETURN_BYTEA_P(ae_sample_serialize((AeSample *) PG_GETARG_POINTER(0)));
}

/* A partial sample from a frame; every byte is checked. */
Datum
ae_fit_sample_deserialfn(PG_FUNCTION_ARGS)
{
	aggregate_context(fcinfo, "ae_fit_sample_deserialfn");
	PG_RETURN_POINTER(ae_sample_deserialize(CurrentMemoryContext, PG_GETARG_BYTEA_PP(0)));
}

/* Train on the sample. */
Datum
ae_fit_sample_finalfn(PG_FUNCTION_ARGS)
{
	bytea	   *model;

	aggregate_context(fcinfo, "ae_fit_sample_finalfn");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	model = ae_fit_sample((AeSample *) PG_GETARG_POINTER(0));
	if (model == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(model);
}

/* The 0.1.0 functions: their SQL declarations are older than this library. */
static Datum
outdated(FunctionCallInfo fcinfo)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the SQL definitions of extension \"ae\" are older than its library"),
			 errhint("Run ALTER EXTENSION ae UPDATE.")));
	PG_RETURN_NULL();
}

Datum
ae_fit_transfn(PG_FUNCTION_ARGS)
{
	return outdated(fcinfo);
}

Datum
ae_fit_combinefn(PG_FUNCTION_ARGS)
{
	return outdated(fcinfo);
}

Datum
ae_fit_finalfn(PG_FUNCTION_ARGS)
{
	return outdated(fcinfo);
}
