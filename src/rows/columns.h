/*
 * columns.h — from PostgreSQL columns to model columns and back.
 *
 * Knows which SQL types the model can encode, how a Datum of each becomes a
 * raw number, how a model column maps onto the attributes of whatever row
 * type is being scored (by name), and how a network output becomes a Datum
 * of the column's own type again.
 */
#ifndef AE_ROWS_COLUMNS_H
#define AE_ROWS_COLUMNS_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "core/model.h"

/* SQL types a column can have; stored in AeColumn.sqltype. */
typedef enum AeSqlType
{
	AE_SQL_UNSUPPORTED = 0,
	AE_SQL_INT2,
	AE_SQL_INT4,
	AE_SQL_INT8,
	AE_SQL_FLOAT4,
	AE_SQL_FLOAT8,
	AE_SQL_NUMERIC,
	AE_SQL_BOOL
} AeSqlType;

/* The code for a type (domains resolved to their base), AE_SQL_UNSUPPORTED otherwise. */
AeSqlType	ae_sqltype_of(Oid typid);

/* The column kind a SQL type is encoded as. */
AeColKind	ae_sqltype_kind(AeSqlType t);

/* A type's name for messages ("integer"...). */
const char *ae_sqltype_name(AeSqlType t);

/* Raw number of a non-null Datum; NaN for NaN and ±Infinity (treated as missing). */
double		ae_datum_to_double(Datum d, AeSqlType t);

/* A Datum of the column's own SQL type from a raw number (integers rounded and clamped). */
Datum		ae_double_to_datum(double v, AeSqlType t);

/* A model column's value in network units: transform then standardise. */
static inline double
ae_scale_value(const AeColumn *col, double raw)
{
	double		v = col->transform == AE_TF_LOG1P ? log1p(raw > 0 ? raw : 0) : raw;

	return (v - col->center) / col->scale;
}

/* Back from network units to a raw number. */
static inline double
ae_unscale_value(const AeColumn *col, double z)
{
	double		v = z * col->scale + col->center;

	return col->transform == AE_TF_LOG1P ? expm1(v) : v;
}

/*
 * Where each model column sits in a particular row type: attno[c] is the
 * 0-based attribute index of model column c.  Built once per row type.
 */
typedef struct AeRowMap
{
	Oid			typid;
	int32		typmod;
	TupleDesc	tupdesc;		/* a copy, owned by the map's memory context */
	int		   *attno;			/* (ncols) */
	AeSqlType  *sqltype;		/* (ncols) the row's own column types */
	Datum	   *values;			/* (natts) deform scratch */
	bool	   *isnull;			/* (natts) */
} AeRowMap;

/* Map model columns onto a row type by name; errors name a missing or ill-typed column. */
void		ae_rowmap_build(AeRowMap *map, const AeModel *model, Oid typid, int32 typmod);

/*
 * Deform a row and encode it: t, m: (ncols).  Returns the number of observed
 * columns.  The row's values stay in map->values / map->isnull.
 */
int			ae_rowmap_encode(AeRowMap *map, const AeModel *model, HeapTupleHeader row,
							 ae_real *t, uint8 *m);

#endif							/* AE_ROWS_COLUMNS_H */
