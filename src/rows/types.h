/*
 * types.h — the SQL types a model column can have, and how a value of each
 * becomes a number or a category label and back.
 *
 * Types fall in four families.  Numbers (integers, floats, numeric) and
 * times (date, timestamp, timestamptz, as days since 2000-01-01) are numeric
 * columns; booleans are boolean columns; text-like types and enums are
 * categorical columns, as is an integer column named in the `categorical`
 * option.  Domains count as their base type.
 */
#ifndef AE_ROWS_TYPES_H
#define AE_ROWS_TYPES_H

#include "postgres.h"

#include <math.h>

#include "core/model.h"
#include "fmgr.h"

/* Stored in AeColumn.sqltype; never renumber. */
typedef enum AeSqlType
{
	AE_SQL_UNSUPPORTED = 0,
	AE_SQL_INT2 = 1,
	AE_SQL_INT4 = 2,
	AE_SQL_INT8 = 3,
	AE_SQL_FLOAT4 = 4,
	AE_SQL_FLOAT8 = 5,
	AE_SQL_NUMERIC = 6,
	AE_SQL_BOOL = 7,
	AE_SQL_TEXT = 8,			/* text, varchar, char, name */
	AE_SQL_ENUM = 9,
	AE_SQL_DATE = 10,
	AE_SQL_TIMESTAMP = 11,
	AE_SQL_TIMESTAMPTZ = 12
} AeSqlType;

#define AE_SQL_LAST AE_SQL_TIMESTAMPTZ

typedef enum AeTypeFamily
{
	AE_FAMILY_NONE,
	AE_FAMILY_NUMBER,
	AE_FAMILY_TIME,
	AE_FAMILY_BOOL,
	AE_FAMILY_TEXT
} AeTypeFamily;

/* The code for a type (domains resolved), AE_SQL_UNSUPPORTED otherwise. */
AeSqlType	ae_sqltype_of(Oid typid);

/* The family of a type code. */
AeTypeFamily ae_sqltype_family(AeSqlType t);

/*
 * For an array of numbers (real[], float8[], int[], numeric[]..., or a
 * domain over one): its element type's code, and the element type in
 * *elemtype when not NULL; AE_SQL_UNSUPPORTED for anything else.
 */
AeSqlType	ae_array_elem_sqltype(Oid typid, Oid *elemtype);

/* A column's name as users see it: "recent", or an element "recent[17]", "pixels[3][5]". */
char	   *ae_column_label(const AeColumn *col);

/* A shape as users see it: "[48]", "[8][8]". */
char	   *ae_shape_text(int ndim, const int *dims);

/* The column kind a type is modelled as unless told otherwise. */
AeColKind	ae_sqltype_kind(AeSqlType t);

/* Can a column of type t feed a model column of this kind trained on type trained? */
bool		ae_sqltype_fits(AeSqlType t, AeColKind kind, AeSqlType trained);

/* A type code's SQL name, for messages. */
const char *ae_sqltype_name(AeSqlType t);

/* ae_datum_to_double for numeric, dates and times (types.c). */
double		ae_datum_to_double_other(Datum d, AeSqlType t);

/*
 * Raw number of a non-null Datum of a number or time type; NaN when not
 * finite.  Inline for the types read straight off the Datum, since every
 * cell of a row passes here.
 */
static inline double
ae_datum_to_double(Datum d, AeSqlType t)
{
	double		v;

	switch (t)
	{
		case AE_SQL_INT2:
			return DatumGetInt16(d);
		case AE_SQL_INT4:
			return DatumGetInt32(d);
		case AE_SQL_INT8:
			return (double) DatumGetInt64(d);
		case AE_SQL_FLOAT4:
			v = DatumGetFloat4(d);
			return isfinite(v) ? v : NAN;
		case AE_SQL_FLOAT8:
			v = DatumGetFloat8(d);
			return isfinite(v) ? v : NAN;
		case AE_SQL_BOOL:
			return DatumGetBool(d) ? 1.0 : 0.0;
		default:
			return ae_datum_to_double_other(d, t);
	}
}

/* A Datum of a number, time or boolean type from a raw number (integers rounded, clamped). */
Datum		ae_double_to_datum(double v, AeSqlType t);

/*
 * The category label of a non-null value: floats in their shortest exact
 * form (what float8out prints by default, whatever extra_float_digits
 * says), anything else through the type's output function.
 */
char	   *ae_label_of(Datum value, AeSqlType t, FmgrInfo *out_fn);

/*
 * Error (ERRCODE_DATA_CORRUPTED) unless what a model says about its columns
 * makes sense to this layer: known SQL type codes, a column kind that fits
 * its type, names and labels valid in the database encoding.
 */
void		ae_model_check_columns(const AeModel *model);

/* Longest category label in bytes; a longer text value is never a category. */
#define AE_MAX_LABEL 1000

/* Largest magnitude of a numeric value in network units (standard deviations). */
#define AE_MAX_UNITS 1e6

/* sign(x) log(1 + |x|), the signed log transform (log1p for x >= 0; NaN stays NaN) */
static inline double
ae_signed_log1p(double x)
{
	return x < 0 ? -log1p(-x) : log1p(x);
}

/* its inverse */
static inline double
ae_signed_expm1(double x)
{
	return x < 0 ? -expm1(-x) : expm1(x);
}

/*
 * A numeric column's value in network units: transform then standardise,
 * with inv_scale = 1 / col->scale (a product per cell, not a division).
 */
static inline double
ae_scale_value(const AeColumn *col, double raw, double inv_scale)
{
	double		v = raw;

	if (col->transform == AE_TF_LOG1P)
		v = log1p(raw > 0 ? raw : 0);
	else if (col->transform == AE_TF_SIGNED_LOG1P)
		v = ae_signed_log1p(raw);
	return (v - col->center) * inv_scale;
}

/* Back from network units to a raw number, within the range seen in training. */
static inline double
ae_unscale_value(const AeColumn *col, double z)
{
	double		v = z * col->scale + col->center;

	if (col->transform == AE_TF_LOG1P)
		v = expm1(v);
	else if (col->transform == AE_TF_SIGNED_LOG1P)
		v = ae_signed_expm1(v);
	return v < col->lo ? col->lo : (v > col->hi ? col->hi : v);
}

#endif							/* AE_ROWS_TYPES_H */
