/*
 * site.h — what every model function keeps per call site (in fn_extra):
 * how its model argument last resolved, and a few prepared (model, row
 * type) pairs, each with its column map and scratch buffers.
 *
 * Every model function comes in three forms — (row), (model text, row) and
 * (model bytea, row) — served by one C function that reads the form from
 * the call's argument types once per call site.  A call site that sees the
 * model change from row to row (a join to per-group models) keeps up to
 * SITE_SLOTS prepared pairs, while they and the models they pin hold no
 * more than SITE_SLOTS_BYTES (a model, or a transformer's one-row scratch,
 * can be large), and recycles the least recently used, so its memory stays
 * bounded however often the model changes.
 */
#ifndef AE_API_SITE_H
#define AE_API_SITE_H

#include "postgres.h"

#include "api/model_cache.h"
#include "fmgr.h"
#include "rows/rowmap.h"

#define SITE_SLOTS 8
#define SITE_SLOTS_BYTES ((Size) 64 * 1024 * 1024)

typedef enum ModelForm
{
	FORM_ROW,					/* (row): the newest model trained on the row's relation */
	FORM_NAME,					/* (model text, row) */
	FORM_BYTEA					/* (model bytea, row) */
} ModelForm;

/* A model prepared for one row type. */
typedef struct SiteSlot
{
	AeCacheEntry *entry;		/* pinned while the slot holds it; NULL: free slot */
	Oid			typid;
	int32		typmod;
	MemoryContext cxt;			/* holds map, work, t and m */
	AeRowMap	map;
	AeWork		work;
	ae_real    *t;				/* (ncols) the row's values in network units */
	uint8	   *m;				/* (ncols) 1 where observed */
	ae_real    *out;			/* (n_out) outputs a function rewrites (impute's calibrated) */
	uint64		last_use;
} SiteSlot;

typedef struct AeSite
{
	ModelForm	form;
	int			model_argno;	/* the argument holding the model (the row, FORM_ROW) */
	int			row_argno;		/* the argument holding the row */
	bool		model_arg_stable;	/* the model argument cannot change within the query */
	SiteSlot	slots[SITE_SLOTS];
	uint64		clock;
	AeCacheEntry *entry;		/* the model the argument last resolved to (pinned by a slot) */
	uint64		generation;		/* FORM_NAME, FORM_ROW: registry generation of that resolution */
	uint64		snap_completions;	/* and the snapshot it read the registry with */
	CommandId	snap_cid;
	Datum		last_arg;		/* FORM_BYTEA: the argument it was resolved from */
	char		last_toast[sizeof(varatt_external)];	/* its toast pointer, if on disk */
	char	   *last_name;		/* FORM_NAME */
	Oid			last_typid;		/* FORM_ROW */
	SiteSlot   *current;		/* the slot of this call */
	/* the current slot's, for the functions' convenience */
	AeRowMap   *map;
	AeWork	   *work;
	ae_real    *t;
	uint8	   *m;
	ae_real    *out;
	MemoryContextCallback unpin;
} AeSite;

/*
 * Resolve the model and row map for this call, deform and encode the row
 * (into site->t, site->m and site->map->values).  Returns the model;
 * *observed gets the number of observed modelled columns.
 */
AeModel    *ae_site_prepare(FunctionCallInfo fcinfo, AeSite **site, int *observed);

/*
 * The same for a function whose model and row are not its only arguments
 * (an aggregate's transition function: its state comes first, a label may
 * follow the row): the model is argument first — the row itself in the
 * row form, where first equals row — and the row argument row.
 */
AeModel    *ae_site_prepare_at(FunctionCallInfo fcinfo, int first, int row, AeSite **site,
							   int *observed);

/*
 * Only resolve the model the arguments mean (pinned by the site while it
 * is in use), neither mapping nor encoding the row: for a row the caller
 * will not look at, to make sure it belongs to the same model.
 */
AeCacheEntry *ae_site_resolve_at(FunctionCallInfo fcinfo, int first, int row, AeSite **site);

/* The row's latent code (latent) from its encoded values: what ae_embed returns. */
const ae_real *ae_site_embed(AeModel *model, AeSite *site);

/*
 * The model of a function that takes one, (model text, ...) or (model
 * bytea, ...), and no row: resolved and cached at the call site as the row
 * functions' is, pinned until the site is reset.
 */
AeModel    *ae_site_model(FunctionCallInfo fcinfo);

/* Forward the row's encoded values with observation mask m: (ncols); returns the outputs (n_out). */
const ae_real *ae_site_forward(AeModel *model, AeSite *site, const uint8 *m);

/*
 * The outputs (n_out) the model shows for the row (ae_model_reconstruct:
 * for a transformer, each observed cell predicted with it hidden).
 */
const ae_real *ae_site_reconstruct(AeModel *model, AeSite *site);

#endif							/* AE_API_SITE_H */
