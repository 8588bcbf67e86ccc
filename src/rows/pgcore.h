/*
 * pgcore.h — the glue between the numeric core and PostgreSQL: an AeAlloc
 * over a memory context, and the one place where core status codes become
 * ereport calls.
 */
#ifndef AE_ROWS_PGCORE_H
#define AE_ROWS_PGCORE_H

#include "postgres.h"

#include "core/core.h"
#include "core/model.h"

/* An allocator handing out zeroed memory from ctx (huge allocations allowed). */
AeAlloc		ae_pg_alloc(MemoryContext ctx);

/* ereport(ERROR) unless st is AE_OK; what says which operation failed. */
void		ae_check_status(AeStatus st, const char *what);

/* Deserialize a model bytea (any toast form) into ctx; corrupt input raises ERRCODE_DATA_CORRUPTED. */
AeModel    *ae_model_from_bytea(struct varlena *raw, MemoryContext ctx);

#endif							/* AE_ROWS_PGCORE_H */
