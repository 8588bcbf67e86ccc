/*
 * registry.h — the table ae_models: which model a name or a relation means
 * for the calling role, and the one way models are written into it.
 *
 * Names are per role: the key of ae_models is (owner, name).  A role uses
 * its own models and those of the roles it is a member of (granted
 * membership; a superuser's implicit rights do not count), its own first.
 * Ordinary roles cannot insert or update model rows: ae_train writes them
 * as the registry's owner, with the caller's role as owner of the model.
 */
#ifndef AE_API_REGISTRY_H
#define AE_API_REGISTRY_H

#include "postgres.h"

#include "api/model_cache.h"

/* The extension's SQL version this library works with. */
#define AE_SQL_VERSION "0.3.0"

/* The model named name that the current role may use, pinned; errors when none. */
AeCacheEntry *ae_registry_by_name(const char *name);

/* The newest model trained on a row type's relation that the current role may use, pinned. */
AeCacheEntry *ae_registry_by_rowtype(Oid typid);

#endif							/* AE_API_REGISTRY_H */
