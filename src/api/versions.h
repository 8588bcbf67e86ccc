/*
 * versions.h — the versions of a model name: ae_models holds the current
 * one, ae_model_history the earlier ones (see versions.c).
 */
#ifndef AE_API_VERSIONS_H
#define AE_API_VERSIONS_H

#include "postgres.h"

#include "api/registry.h"

/*
 * Store model as the current role's model of this name, trained on
 * relation (a qualified name): a new name becomes version 1; an existing
 * one moves its current version into the history and takes the next
 * number.  Runs as the registry's owner.
 */
void		ae_versions_store(const AeRegistry *r, const char *name, const char *relation,
							  bytea *model);

#endif							/* AE_API_VERSIONS_H */
