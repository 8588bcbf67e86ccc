/*
 * registry.h — the table ae_models: which model a name or a relation means
 * for the calling role, and the one way models are written into it.
 *
 * Names are per role: the key of ae_models is (owner, name).  A role uses
 * its own models and those of the roles it is a member of (granted
 * membership; a superuser's implicit rights do not count), its own first.
 * Ordinary roles cannot insert or update model rows: ae_train writes them
 * as the registry's owner, with the caller's role as owner of the model;
 * versions.h keeps a name's earlier versions.
 */
#ifndef AE_API_REGISTRY_H
#define AE_API_REGISTRY_H

#include "postgres.h"

#include "api/model_cache.h"

/* The extension's SQL version this library works with. */
#define AE_SQL_VERSION "0.3.0"

/* Where the registry is and who owns it. */
typedef struct AeRegistry
{
	char	   *table;			/* ae_models: the current versions; schema-qualified, quoted */
	char	   *history;		/* ae_model_history: the earlier versions; the same */
	char	   *schema;			/* quoted */
	Oid			relid;			/* ae_models */
	Oid			owner;			/* of ae_models */
} AeRegistry;

/* The registry of the installed extension; errors when its SQL is of another version. */
AeRegistry	ae_registry(void);

/* SPI with search_path pinned to pg_catalog, pg_temp: connect (returns a GUC nest level), finish. */
int			ae_spi_begin(void);
void		ae_spi_end(int nest);

/* Error: no usable model has this name. */
void		ae_registry_no_such_model(const char *name) pg_attribute_noreturn();

/*
 * The owner of the model the current role means by name (its own, else the
 * one role it is a member of that has the name), read with the caller's
 * rights; errors as the name forms do when there is none or more than one.
 */
Oid			ae_registry_owner(const AeRegistry *r, const char *name);

/*
 * Writes to ae_models and ae_model_history run as the registry's owner,
 * connected to SPI, between these two calls: the caller's own rights never
 * write a model row, and every write names the owner it was given.
 */
typedef struct AeRegistryWrite
{
	Oid			save_user;
	int			save_sec;
	int			nest;
} AeRegistryWrite;

void		ae_registry_begin_write(const AeRegistry *r, AeRegistryWrite *w);
void		ae_registry_end_write(AeRegistryWrite *w);

/* The model named name that the current role may use, pinned; errors when none. */
AeCacheEntry *ae_registry_by_name(const char *name);

/* The newest model trained on a row type's relation that the current role may use, pinned. */
AeCacheEntry *ae_registry_by_rowtype(Oid typid);

#endif							/* AE_API_REGISTRY_H */
