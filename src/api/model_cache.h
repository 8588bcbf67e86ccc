/*
 * model_cache.h — deserialized models cached per backend.
 *
 * Entries are found by the length and CRC32C a model's header claims and
 * confirmed by comparing the model's bytes with the copy the entry keeps,
 * so two different byte strings never share an entry, however they were
 * made.  The cache keeps at most AE_CACHE_MAX_UNPINNED models nobody uses,
 * and no more of them than the ae.model_cache_size setting's bytes.  A call
 * site pins the entry it uses until its memory context goes away, so
 * eviction never frees a model in use.
 *
 * A model read from ae_models arrives as a toast pointer when it is large;
 * an entry remembers the last toast pointer it was read from, so the same
 * stored model is found again without reading its bytes.  Names and
 * relations resolve through the registry (registry.h) under the caller's
 * snapshot; the generation number here moves whenever a resolution may be
 * stale for other reasons: ae_models changed in this transaction (its
 * trigger sends a relcache invalidation), or a role or membership changed.
 */
#ifndef AE_API_MODEL_CACHE_H
#define AE_API_MODEL_CACHE_H

#include "postgres.h"

#include "core/model.h"
#include "fmgr.h"

#define AE_CACHE_MAX_UNPINNED 16

typedef struct AeCacheEntry
{
	uint32		len;			/* found by the header's length and CRC32C */
	uint32		crc;
	uint8	   *bytes;			/* (len) the model's bytes, compared on every hit */
	bool		has_toast;
	char		toast[sizeof(varatt_external)];	/* the on-disk toast pointer it was last read from */
	AeModel    *model;
	MemoryContext cxt;			/* holds model and bytes */
	Size		size;			/* memory the entry holds */
	int			pins;
	uint64		last_use;
} AeCacheEntry;

/* The model of a bytea Datum (any toast form), pinned.  Errors on an invalid model. */
AeCacheEntry *ae_cache_from_bytea(Datum raw);

/* Pin an entry once more, and release a pin. */
void		ae_cache_pin(AeCacheEntry *entry);
void		ae_cache_unpin(AeCacheEntry *entry);

/* The model of a bytea read from a table, pinned: found by its toast pointer when it has one. */
AeCacheEntry *ae_cache_from_stored(Datum raw);

/* Moves whenever a resolved name or relation may resolve differently. */
uint64		ae_cache_generation(void);

/* Tell the cache which relation is the registry, so its changes are noticed. */
void		ae_cache_set_registry(Oid relid);

/* Register the invalidation callbacks and the ae.model_cache_size setting; from _PG_init. */
void		ae_cache_init(void);

#endif							/* AE_API_MODEL_CACHE_H */
