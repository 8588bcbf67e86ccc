/*
 * ae_bench_noop.c — the executor's floor for a function of the whole row.
 *
 * Built only for the benchmarks (test/bench/noop/Makefile; run-bench.sh
 * installs it), never part of the extension.  ae_bench_noop(record) is
 * called with the row as ae_score is, so the executor forms the row datum,
 * but it reads only the tuple header and never deforms the row: what a
 * query costs with it is what any per-row function of the whole row costs
 * before doing anything, the floor the speed benchmarks compare against.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(ae_bench_noop);

/* The row's attribute count, read from its header alone. */
Datum
ae_bench_noop(PG_FUNCTION_ARGS)
{
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(0);

	PG_RETURN_INT32(HeapTupleHeaderGetNatts(row));
}
