/*
 * rowmap.h — a model's columns mapped onto one row type, by name.
 *
 * Built once per (model, row type) at a call site; then each row is
 * deformed and encoded into the core's (t, m) arrays, and network outputs
 * are decoded back into Datums of the row's own column types.
 */
#ifndef AE_ROWS_ROWMAP_H
#define AE_ROWS_ROWMAP_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "core/model.h"
#include "fmgr.h"
#include "rows/types.h"

/* An array attribute of the row, and the model's element columns in it. */
typedef struct AeRowArray
{
	int			attno;			/* 0-based */
	Oid			elemtype;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	int			ndim;			/* the model's shape */
	int			dims[AE_MAX_DIMS];
	int			nelems;
	/* the last row's array, taken apart by encode (elems NULL: NULL or empty) */
	Datum	   *elems;
	bool	   *nulls;
	int			lbound[AE_MAX_DIMS];
	int			offset;			/* a shorter sequence (lstm): the step of its first element */
	/* the array being assembled by ae_rowmap_store */
	Datum	   *out_elems;
	bool	   *out_nulls;
} AeRowArray;

typedef struct AeRowMap
{
	Oid			typid;
	int32		typmod;
	TupleDesc	tupdesc;		/* a copy, in the map's memory context */
	int		   *attno;			/* (ncols) 0-based attribute of each model column */
	AeSqlType  *sqltype;		/* (ncols) the row's own column types */
	FmgrInfo   *out_fn;			/* (ncols) output functions: categories and explain */
	FmgrInfo   *in_fn;			/* (ncols) input functions: decoded categories */
	Oid		   *in_ioparam;		/* (ncols) */
	int		  **cat_order;		/* (ncols) vocabulary indexes sorted by label, or NULL */
	FmgrInfo   *typmod_fn;		/* (ncols) length coercion of the base type, fn_oid 0 if none */
	int32	   *base_typmod;	/* (ncols) */
	bool	   *domain;			/* (ncols) the column's type is a domain */
	void	  **domain_extra;	/* (ncols) domain_check's cache */
	MemoryContext cxt;			/* where the map lives */
	Datum	   *values;			/* (natts) the last row, deformed */
	bool	   *isnull;			/* (natts) */
	int		   *array_of;		/* (ncols) index in arrays of an element column, -1 */
	bool		ragged;			/* the lstm kind: a 1-D array may be shorter than its shape */
	AeRowArray *arrays;			/* (narrays) */
	int			narrays;
} AeRowMap;

/* Map model columns onto a row type; errors name a missing or ill-typed column. */
void		ae_rowmap_build(AeRowMap *map, const AeModel *model, Oid typid, int32 typmod);

/* Deform a row and encode it into t, m: (ncols); returns the observed count. */
int			ae_rowmap_encode(AeRowMap *map, const AeModel *model, HeapTupleHeader row,
							 ae_real *t, uint8 *m);

/*
 * Rows out of decoded values, for impute, reconstruct and generate: begin
 * (keep_row: arrays start as the last encoded row's, else all NULL), store
 * each decoded column's value, then finish, which assembles the arrays
 * into values.  A scalar column's value goes straight into values.
 */
void		ae_rowmap_begin(AeRowMap *map, bool keep_row);
void		ae_rowmap_store(AeRowMap *map, const AeModel *model, int c, Datum value, bool isnull);
void		ae_rowmap_finish(AeRowMap *map);

/* Encode one non-null value of model column c into *t; false when it counts as missing. */
bool		ae_rowmap_encode_value(const AeRowMap *map, const AeModel *model, int c,
								   Datum value, ae_real *t);

/*
 * Decode model column c from network outputs out: (n_out) into a Datum of
 * the row's column type (an array element's: of the element type):
 * numbers unscaled (integers rounded), booleans
 * thresholded, categories the most likely vocabulary value (never "other");
 * a cvae's condition column keeps the row's own value.  The column's
 * typmod (numeric(6,2), varchar(n), timestamp(p)) is applied and its
 * domain's constraints checked, as an INSERT would.
 * *isnull is set when there is no value to give (an empty vocabulary).
 */
Datum		ae_rowmap_decode(const AeRowMap *map, const AeModel *model, int c,
							 const ae_real *out, bool *isnull);

/* The last encoded row's value of model column c (an element for an array's); false if NULL. */
bool		ae_rowmap_get(const AeRowMap *map, const AeModel *model, int c, Datum *value);

/* The value of column c of the last row (or decoded) as text. */
char	   *ae_rowmap_text(const AeRowMap *map, int c, Datum value);

/* Vocabulary index of a category label, or ncat ("other") when absent. */
int			ae_category_index(const AeColumn *col, const int *order, const char *label);

#endif							/* AE_ROWS_ROWMAP_H */
