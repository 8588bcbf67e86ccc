/*
 * pgcore.c — memory and errors for the core, inside a backend.
 */
#include "postgres.h"

#include "core/format.h"
#include "fmgr.h"
#include "rows/pgcore.h"
#include "rows/types.h"
#include "utils/memutils.h"

/* AeAlloc callback: zeroed memory from a context, NULL on failure. */
static void *
context_alloc(void *ctx, size_t size)
{
	if (size > MaxAllocHugeSize)
		return NULL;
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
}

/* An allocator over a memory context. */
AeAlloc
ae_pg_alloc(MemoryContext ctx)
{
	AeAlloc		a = {context_alloc, ctx};

	return a;
}

/* Turn a core status into an error. */
void
ae_check_status(AeStatus st, const char *what)
{
	switch (st)
	{
		case AE_OK:
			return;
		case AE_ENOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory while %s", what)));
			break;
		case AE_EDIVERGED:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("training diverged while %s", what),
					 errhint("Lower learning_rate, or check the columns for extreme values.")));
			break;
		case AE_EINVAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid argument while %s", what)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid ae model: %s", ae_status_message(st)),
					 errhint("The bytea must be a model returned by ae_fit or stored by ae_train, unaltered.")));
	}
}

/* Detoast and deserialize a model. */
AeModel *
ae_model_from_bytea(struct varlena *raw, MemoryContext ctx)
{
	struct varlena *v = pg_detoast_datum_packed(raw);
	AeModel    *model = MemoryContextAllocZero(ctx, sizeof(AeModel));
	AeAlloc		a = ae_pg_alloc(ctx);

	ae_check_status(ae_model_read((const uint8_t *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v),
								  model, &a), "reading a model");
	ae_model_check_columns(model);
	if (v != raw)
		pfree(v);
	return model;
}
