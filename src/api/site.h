/*
 * site.h — what every model function keeps per call site (in fn_extra):
 * the pinned model, the row type's column map and scratch buffers.
 *
 * Every model function comes in three forms — (row), (model text, row) and
 * (model bytea, row) — served by one C function that reads the form from
 * the call's argument types once per call site.
 */
#ifndef AE_API_SITE_H
#define AE_API_SITE_H

#include "postgres.h"

#include "api/model_cache.h"
#include "fmgr.h"
#include "rows/rowmap.h"

typedef enum ModelForm
{
	FORM_ROW,					/* (row): the model last trained on the row's relation */
	FORM_NAME,					/* (model text, row) */
	FORM_BYTEA					/* (model bytea, row) */
} ModelForm;

typedef struct AeSite
{
	ModelForm	form;
	bool		model_arg_stable;	/* the model argument cannot change within the query */
	AeCacheEntry *entry;		/* pinned until fn_mcxt goes away */
	Datum		last_arg;		/* model argument the entry was resolved from */
	char		last_toast[sizeof(varatt_external)];	/* its toast pointer, if on disk */
	char	   *last_name;
	Oid			last_typid;		/* FORM_ROW: row type the entry was resolved for */
	AeModel    *map_model;		/* model the map and buffers were built for */
	AeRowMap	map;
	AeWork		work;
	ae_real    *t;				/* (ncols) the row's values in network units */
	uint8	   *m;				/* (ncols) 1 where observed */
	MemoryContextCallback unpin;
} AeSite;

/*
 * Resolve the model and row map for this call, deform and encode the row
 * (into site->t, site->m and site->map.values).  Returns the model;
 * *observed gets the number of observed modelled columns.
 */
AeModel    *ae_site_prepare(FunctionCallInfo fcinfo, AeSite **site, int *observed);

/* Forward the row's encoded values with observation mask m: (ncols); returns the outputs (n_out). */
const ae_real *ae_site_forward(AeModel *model, AeSite *site, const uint8 *m);

#endif							/* AE_API_SITE_H */
