/*
 * model_cache.h — deserialized models cached per backend.
 *
 * Entries are keyed by the model's identity (its length and CRC32C, both
 * stored in its header and verified when the bytes were read), so the same
 * model reached by name, by relation or as a bytea deserializes once per
 * backend.  Names and relations map to identities through the registry
 * table ae_models; that map is dropped whenever ae_models changes (a
 * trigger on it sends a relcache invalidation).  A call site pins the entry
 * it uses until its memory context goes away, so eviction never frees a
 * model in use.
 */
#ifndef AE_API_MODEL_CACHE_H
#define AE_API_MODEL_CACHE_H

#include "postgres.h"

#include "core/model.h"
#include "fmgr.h"

typedef struct AeCacheEntry
{
	uint32		len;			/* identity: total length and CRC32C */
	uint32		crc;
	AeModel    *model;
	MemoryContext cxt;			/* holds model */
	int			pins;
	uint64		last_use;
} AeCacheEntry;

/* The model of a bytea Datum (any toast form), pinned.  Errors on a corrupt model. */
AeCacheEntry *ae_cache_from_bytea(Datum raw);

/* The model registered under name, pinned.  Errors when there is none. */
AeCacheEntry *ae_cache_from_name(const char *name);

/* The model most recently trained on a row type's relation, pinned. */
AeCacheEntry *ae_cache_from_rowtype(Oid typid);

/* Release a pin. */
void		ae_cache_unpin(AeCacheEntry *entry);

/* Register the invalidation callback; called from _PG_init. */
void		ae_cache_init(void);

#endif							/* AE_API_MODEL_CACHE_H */
