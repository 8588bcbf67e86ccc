/*
 * fit_agg.c — the ae_fit aggregate: ae_fit(row) and ae_fit(row, options).
 *
 * The transition state is a bytea holding a reservoir sample of the rows
 * (train/reservoir.h), updated in place in the aggregate's memory context.
 * A combine function merges partial samples, so the aggregate runs under
 * parallel aggregation and can be pushed down by distributed engines; the
 * final function trains on the sample and returns the model bytea.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "train/fit.h"
#include "train/options.h"
#include "train/reservoir.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ae_fit_transfn);
PG_FUNCTION_INFO_V1(ae_fit_combinefn);
PG_FUNCTION_INFO_V1(ae_fit_finalfn);

/* Refuse to run outside an aggregate: the state must only come from us. */
static void
require_aggregate(FunctionCallInfo fcinfo, const char *fname)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of the ae_fit aggregate", fname),
				 errhint("Call ae_fit(row) or ae_fit(row, options).")));
}

/* Add one row to the sample; the first call parses the options and creates the state. */
Datum
ae_fit_transfn(PG_FUNCTION_ARGS)
{
	AeReservoir *state;
	HeapTupleHeader row;
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);

	require_aggregate(fcinfo, "ae_fit_transfn");
	if (!type_is_rowtype(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("ae_fit expects a row, not %s", format_type_be(argtype)),
				 errhint("Pass the table alias, as in SELECT ae_fit(t) FROM my_table t.")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	row = PG_GETARG_HEAPTUPLEHEADER(1);

	if (PG_ARGISNULL(0))
	{
		Jsonb	   *options = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_JSONB_P(2) : NULL;
		AeFitConfig cfg;

		ae_options_parse(options, &cfg);
		state = ae_reservoir_create(HeapTupleHeaderGetTypeId(row),
									HeapTupleHeaderGetTypMod(row),
									cfg.opt.max_rows > 0 ? cfg.opt.max_rows : AE_DEFAULT_MAX_ROWS,
									cfg.opt.seed, options);
	}
	else
		state = (AeReservoir *) PG_GETARG_POINTER(0);

	/* in place when it fits; otherwise a larger copy that nodeAgg adopts */
	PG_RETURN_POINTER(ae_reservoir_add(state, row));
}

/* Merge two partial samples. */
Datum
ae_fit_combinefn(PG_FUNCTION_ARGS)
{
	require_aggregate(fcinfo, "ae_fit_combinefn");
	PG_RETURN_POINTER(ae_reservoir_merge(ae_reservoir_from_datum(PG_GETARG_DATUM(0)),
										 ae_reservoir_from_datum(PG_GETARG_DATUM(1))));
}

/* Train on the sample. */
Datum
ae_fit_finalfn(PG_FUNCTION_ARGS)
{
	require_aggregate(fcinfo, "ae_fit_finalfn");
	PG_RETURN_BYTEA_P(ae_fit_sample(ae_reservoir_from_datum(PG_GETARG_DATUM(0))));
}
