/*
 * ae_bench_noop.c — the executor's floor for a function of the whole row.
 *
 * Built only for the benchmarks (test/bench/noop/Makefile; run-bench.sh
 * installs it), never part of the extension.  ae_bench_noop(record) is
 * called with the row as ae_score is, so the executor forms the row datum,
 * but it reads only the tuple header and never deforms the row: what a
 * query costs with it is what any per-row function of the whole row costs
 * before doing anything, the floor the speed benchmarks compare against.
 * ae_bench_noop_row(row) returns the row deformed and formed again: the
 * floor of a function that returns a new row of its argument's type, as
 * ae_impute does.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(ae_bench_noop);
PG_FUNCTION_INFO_V1(ae_bench_noop_row);

/* ae_bench_noop_row's call site: the row type's descriptor and arrays, made once. */
typedef struct NoopRowSite
{
	Oid			typid;
	int32		typmod;
	TupleDesc	td;
	Datum	   *values;
	bool	   *isnull;
} NoopRowSite;

/* The row's attribute count, read from its header alone. */
Datum
ae_bench_noop(PG_FUNCTION_ARGS)
{
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(0);

	PG_RETURN_INT32(HeapTupleHeaderGetNatts(row));
}

/* The row deformed and formed again, as a new row of its type. */
Datum
ae_bench_noop_row(PG_FUNCTION_ARGS)
{
	NoopRowSite *site = fcinfo->flinfo->fn_extra;
	HeapTupleHeader row;
	Oid			typid;
	int32		typmod;
	HeapTupleData tuple;

	/* the argument is read as a row only once it is known to be one */
	if (site == NULL)
	{
		Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 0);

		if (!OidIsValid(argtype) || !type_is_rowtype(argtype))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("ae_bench_noop_row expects a row")));
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(NoopRowSite));
		fcinfo->flinfo->fn_extra = site;
	}
	row = PG_GETARG_HEAPTUPLEHEADER(0);
	typid = HeapTupleHeaderGetTypeId(row);
	typmod = HeapTupleHeaderGetTypMod(row);
	if (site->typid != typid || site->typmod != typmod)
	{
		/* the descriptor and arrays live as long as the call site */
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		TupleDesc	cached = lookup_rowtype_tupdesc(typid, typmod);

		site->td = CreateTupleDescCopy(cached);
		ReleaseTupleDesc(cached);
		site->values = palloc(sizeof(Datum) * Max(site->td->natts, 1));
		site->isnull = palloc(sizeof(bool) * Max(site->td->natts, 1));
		site->typid = typid;
		site->typmod = typmod;
		MemoryContextSwitchTo(old);
	}
	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, site->td, site->values, site->isnull);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(site->td, site->values, site->isnull)));
}
