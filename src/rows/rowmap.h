/*
 * rowmap.h — a model's columns mapped onto one row type, by name.
 *
 * Built once per (model, row type) at a call site; then each row is
 * deformed and encoded into the core's (t, m) arrays, and network outputs
 * are decoded back into Datums of the row's own column types.  Training
 * encodes its sample through the same map, so a training row and a scored
 * row become the same numbers.
 *
 * A row is deformed only as far as the last modelled attribute: reading
 * two columns of a 200-column row costs two columns, if they come first
 * (the executor still builds the whole row value it passes; a narrow
 * subquery spares that).  Forming a whole row again (ae_rowmap_form)
 * deforms the rest.
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
	/* the last row's array, taken apart by encode in rowcxt (elems NULL: NULL or empty) */
	Datum	   *elems;
	bool	   *nulls;
	int			lbound[AE_MAX_DIMS];
	int			offset;			/* a shorter sequence (lstm): the step of its first element */
	/* the array being assembled by ae_rowmap_store */
	Datum	   *out_elems;
	bool	   *out_nulls;
} AeRowArray;

/* A vocabulary label, in a column's vocabulary sorted by its bytes. */
typedef struct AeLabel
{
	const char *bytes;			/* the model's label, NUL-terminated */
	int			len;			/* its length in bytes */
	int			index;			/* its vocabulary index */
} AeLabel;

typedef struct AeRowMap
{
	Oid			typid;
	int32		typmod;
	TupleDesc	tupdesc;		/* a copy, in the map's memory context */
	int			deform_natts;	/* attributes up to the last modelled one */
	uint32	   *fixed_off;		/* (deform_natts) their offsets in a row without NULLs when
								 * all are fixed-width and by value, else NULL */
	int16	   *fixed_len;		/* (deform_natts) their lengths then */
	uint8	   *fixed_align;	/* (deform_natts) and alignments in bytes */
	int		   *attno;			/* (ncols) 0-based attribute of each model column */
	AeSqlType  *sqltype;		/* (ncols) the row's own column types */
	FmgrInfo   *out_fn;			/* (ncols) output functions: categories and explain */
	FmgrInfo   *in_fn;			/* (ncols) input functions: decoded categories */
	Oid		   *in_ioparam;		/* (ncols) */
	AeLabel   **labels;			/* (ncols) a category's vocabulary sorted by bytes, or NULL */
	int		   *max_label;		/* (ncols) its longest label's length */
	bool	   *by_bytes;		/* (ncols) a varlena text category: read its bytes */
	FmgrInfo   *typmod_fn;		/* (ncols) length coercion of the base type, fn_oid 0 if none */
	int32	   *base_typmod;	/* (ncols) */
	bool	   *domain;			/* (ncols) the column's type is a domain */
	void	  **domain_extra;	/* (ncols) domain_check's cache */
	double	   *inv_scale;		/* (ncols) 1 / a numeric column's scale: a product per cell */
	AeSqlType  *plain;			/* (ncols) AE_SQL_FLOAT4 or _FLOAT8 for a numeric column of
								 * that type without transform, read straight off its Datum;
								 * AE_SQL_UNSUPPORTED for the rest */
	MemoryContext cxt;			/* where the map lives */
	MemoryContext rowcxt;		/* what encoding a row allocates, reset at the next row */
	HeapTupleHeader row;		/* the last encoded row: valid within the call that encoded it */
	Datum	   *values;			/* (natts) the last row, deformed up to deform_natts */
	bool	   *isnull;			/* (natts) */
	Datum	   *rest_values;	/* (natts) scratch of ae_rowmap_form, when deform_natts is fewer */
	bool	   *rest_isnull;	/* (natts) */
	int		   *array_of;		/* (ncols) index in arrays of an element column, -1 */
	bool		ragged;			/* the lstm kind: a 1-D array may be shorter than its shape */
	AeRowArray *arrays;			/* (narrays) */
	int			narrays;
} AeRowMap;

/* Map model columns onto a row type; errors name a missing or ill-typed column. */
void		ae_rowmap_build(AeRowMap *map, const AeModel *model, Oid typid, int32 typmod);

/* The same onto rows of a tuple descriptor (training's sample), in the current context. */
void		ae_rowmap_build_desc(AeRowMap *map, const AeModel *model, TupleDesc td);

/*
 * Deform the first natts attributes of a row of td (NULL past the end of a
 * shorter row) into values, isnull; heap_deform_tuple would take them all.
 * The row is first checked against td as heap_deform_tuple checks it.
 */
void		ae_deform_prefix(HeapTupleHeader row, TupleDesc td, int natts,
							 Datum *values, bool *isnull);

/*
 * Deform a row (up to its last modelled attribute) and encode it into
 * t, m: (ncols); returns the observed count.  What it allocates lives in
 * map->rowcxt until the next row is encoded.
 */
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

/*
 * The last encoded row, whole, with what was stored in place of its
 * modelled columns (impute, reconstruct); in the same call as the encode.
 */
HeapTuple	ae_rowmap_form(AeRowMap *map);

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

/*
 * Vocabulary index of a category's bytes (len of them, no NUL) in a
 * vocabulary sorted by ae_rowmap_build, or ncat ("other") when absent.
 */
int			ae_category_index(const AeLabel *sorted, int ncat, const char *bytes, int len);

#endif							/* AE_ROWS_ROWMAP_H */
