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
 * Names and relations resolve to models through the registry (registry.h);
 * this file keeps the map from a (role, name) key to the model it resolved
 * to, and a generation number that moves whenever that map may be stale:
 * ae_models changed (its trigger sends a relcache invalidation), or a role
 * or role membership changed.
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

/* The entry a registry key resolved to, pinned; NULL when unknown or stale. */
AeCacheEntry *ae_cache_find_key(const char *key);

/* Remember that a registry key resolved to an entry. */
void		ae_cache_remember_key(const char *key, const AeCacheEntry *entry);

/* Moves whenever a remembered key may resolve differently. */
uint64		ae_cache_generation(void);

/* Tell the cache which relation is the registry, so its changes are noticed. */
void		ae_cache_set_registry(Oid relid);

/* Register the invalidation callbacks and the ae.model_cache_size setting; from _PG_init. */
void		ae_cache_init(void);

#endif							/* AE_API_MODEL_CACHE_H */
