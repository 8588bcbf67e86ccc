/*
 * types.c — SQL types ↔ numbers.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "rows/types.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#define USECS_PER_DAY_F 86400000000.0

/* The code for a type, looking through domains. */
AeSqlType
ae_sqltype_of(Oid typid)
{
	Oid			base = getBaseType(typid);

	switch (base)
	{
		case INT2OID:
			return AE_SQL_INT2;
		case INT4OID:
			return AE_SQL_INT4;
		case INT8OID:
			return AE_SQL_INT8;
		case FLOAT4OID:
			return AE_SQL_FLOAT4;
		case FLOAT8OID:
			return AE_SQL_FLOAT8;
		case NUMERICOID:
			return AE_SQL_NUMERIC;
		case BOOLOID:
			return AE_SQL_BOOL;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return AE_SQL_TEXT;
		case DATEOID:
			return AE_SQL_DATE;
		case TIMESTAMPOID:
			return AE_SQL_TIMESTAMP;
		case TIMESTAMPTZOID:
			return AE_SQL_TIMESTAMPTZ;
		default:
			return type_is_enum(base) ? AE_SQL_ENUM : AE_SQL_UNSUPPORTED;
	}
}

/* The code of an array type's numeric element type; see types.h. */
AeSqlType
ae_array_elem_sqltype(Oid typid, Oid *elemtype)
{
	Oid			elem = get_element_type(getBaseType(typid));
	AeSqlType	t;

	if (!OidIsValid(elem))
		return AE_SQL_UNSUPPORTED;
	t = ae_sqltype_of(elem);
	if (ae_sqltype_family(t) != AE_FAMILY_NUMBER)
		return AE_SQL_UNSUPPORTED;
	if (elemtype)
		*elemtype = elem;
	return t;
}

/* The family of a type code. */
AeTypeFamily
ae_sqltype_family(AeSqlType t)
{
	switch (t)
	{
		case AE_SQL_INT2:
		case AE_SQL_INT4:
		case AE_SQL_INT8:
		case AE_SQL_FLOAT4:
		case AE_SQL_FLOAT8:
		case AE_SQL_NUMERIC:
			return AE_FAMILY_NUMBER;
		case AE_SQL_DATE:
		case AE_SQL_TIMESTAMP:
		case AE_SQL_TIMESTAMPTZ:
			return AE_FAMILY_TIME;
		case AE_SQL_BOOL:
			return AE_FAMILY_BOOL;
		case AE_SQL_TEXT:
		case AE_SQL_ENUM:
			return AE_FAMILY_TEXT;
		default:
			return AE_FAMILY_NONE;
	}
}

/* Default column kind of a type. */
AeColKind
ae_sqltype_kind(AeSqlType t)
{
	switch (ae_sqltype_family(t))
	{
		case AE_FAMILY_BOOL:
			return AE_COL_BOOLEAN;
		case AE_FAMILY_TEXT:
			return AE_COL_CATEGORICAL;
		default:
			return AE_COL_NUMERIC;
	}
}

/* Can a row column of type t feed a model column of this kind, trained on type trained? */
bool
ae_sqltype_fits(AeSqlType t, AeColKind kind, AeSqlType trained)
{
	AeTypeFamily f = ae_sqltype_family(t);

	switch (kind)
	{
		case AE_COL_NUMERIC:
			return f != AE_FAMILY_NONE && f == ae_sqltype_family(trained);
		case AE_COL_BOOLEAN:
			return f == AE_FAMILY_BOOL;
		default:
			/* categories are compared as text: numbers and text both fit */
			return f == AE_FAMILY_TEXT || f == AE_FAMILY_NUMBER || f == AE_FAMILY_BOOL;
	}
}

/* A type code's SQL name. */
const char *
ae_sqltype_name(AeSqlType t)
{
	static const char *const names[] = {
		"unsupported", "smallint", "integer", "bigint", "real", "double precision",
		"numeric", "boolean", "text", "enum", "date", "timestamp without time zone",
		"timestamp with time zone"
	};

	return (t >= 0 && t <= AE_SQL_LAST) ? names[t] : "unknown";
}

/* Raw number of a numeric, date or time Datum, non-finite as NaN; times as days since 2000-01-01. */
double
ae_datum_to_double_other(Datum d, AeSqlType t)
{
	switch (t)
	{
		case AE_SQL_NUMERIC:
			{
				Numeric		num = DatumGetNumeric(d);
				double		v;

				if (numeric_is_nan(num) || numeric_is_inf(num))
					return NAN;
				v = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
													   NumericGetDatum(num)));
				return isfinite(v) ? v : NAN;
			}
		case AE_SQL_DATE:
			{
				DateADT		date = DatumGetDateADT(d);

				return DATE_NOT_FINITE(date) ? NAN : (double) date;
			}
		case AE_SQL_TIMESTAMP:
		case AE_SQL_TIMESTAMPTZ:
			{
				Timestamp	ts = DatumGetTimestamp(d);

				return TIMESTAMP_NOT_FINITE(ts) ? NAN : ts / USECS_PER_DAY_F;
			}
		default:
			/* the types read straight off the Datum are ae_datum_to_double's */
			return NAN;
	}
}

/* Round and clamp into an integer range. */
static double
clamp_round(double v, double lo, double hi)
{
	v = rint(v);
	return v < lo ? lo : (v > hi ? hi : v);
}

/* A Datum of a number, time or boolean type from a raw number. */
Datum
ae_double_to_datum(double v, AeSqlType t)
{
	if (isnan(v))
		v = 0;
	switch (t)
	{
		case AE_SQL_INT2:
			return Int16GetDatum((int16) clamp_round(v, PG_INT16_MIN, PG_INT16_MAX));
		case AE_SQL_INT4:
			return Int32GetDatum((int32) clamp_round(v, PG_INT32_MIN, PG_INT32_MAX));
		case AE_SQL_INT8:
			/* 2^63 is not representable; stay one step inside */
			return Int64GetDatum((int64) clamp_round(v, -9223372036854774784.0,
													 9223372036854774784.0));
		case AE_SQL_FLOAT4:
			return Float4GetDatum((float4) v);
		case AE_SQL_FLOAT8:
			return Float8GetDatum(v);
		case AE_SQL_NUMERIC:
			return DirectFunctionCall1(float8_numeric, Float8GetDatum(v));
		case AE_SQL_BOOL:
			return BoolGetDatum(v >= 0.5);
		case AE_SQL_DATE:
			/* within the range of finite dates */
			return DateADTGetDatum((DateADT) clamp_round(v, DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE,
														 DATE_END_JULIAN - POSTGRES_EPOCH_JDATE - 1));
		case AE_SQL_TIMESTAMP:
		case AE_SQL_TIMESTAMPTZ:
			return TimestampGetDatum((Timestamp) clamp_round(v * USECS_PER_DAY_F,
															 (double) MIN_TIMESTAMP,
															 (double) (END_TIMESTAMP - 1)));
		default:
			elog(ERROR, "unexpected column type code %d", (int) t);
	}
	return (Datum) 0;
}

/* A value's category label; see types.h. */
char *
ae_label_of(Datum value, AeSqlType t, FmgrInfo *out_fn)
{
	char	   *buf;

	switch (t)
	{
		case AE_SQL_FLOAT4:
			buf = palloc(FLOAT_SHORTEST_DECIMAL_LEN);
			float_to_shortest_decimal_buf(DatumGetFloat4(value), buf);
			return buf;
		case AE_SQL_FLOAT8:
			buf = palloc(DOUBLE_SHORTEST_DECIMAL_LEN);
			double_to_shortest_decimal_buf(DatumGetFloat8(value), buf);
			return buf;
		default:
			return OutputFunctionCall(out_fn, value);
	}
}

/* Error for a model this layer cannot use. */
static void pg_attribute_noreturn()
bad_model(const char *detail, const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid ae model: %s", detail),
			 column ? errdetail("Column \"%s\".", column) : 0,
			 errhint("The bytea must be a model returned by ae_fit or stored by ae_train, unaltered.")));
}

/* Is s (len bytes) valid text in the database encoding? */
static bool
valid_text(const char *s, size_t len)
{
	return len <= (size_t) MaxAllocSize &&
		pg_verify_mbstr(GetDatabaseEncoding(), s, (int) len, true);
}

/* Check a model's columns; see types.h. */
void
ae_model_check_columns(const AeModel *model)
{
	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];
		AeTypeFamily f = ae_sqltype_family((AeSqlType) col->sqltype);
		bool		fits;

		if (!valid_text(col->name, strlen(col->name)))
			bad_model("a column name is not valid in the database encoding", NULL);
		switch (col->kind)
		{
			case AE_COL_NUMERIC:
				fits = f == AE_FAMILY_NUMBER || f == AE_FAMILY_TIME;
				break;
			case AE_COL_BOOLEAN:
				fits = f == AE_FAMILY_BOOL;
				break;
			case AE_COL_CATEGORICAL:
				fits = f == AE_FAMILY_TEXT || f == AE_FAMILY_NUMBER;
				break;
			default:
				fits = false;
		}
		if (col->sqltype > AE_SQL_LAST || !fits)
			bad_model("a column's kind does not fit its type", col->name);
		for (int k = 0; k < col->ncat; k++)
			if (!valid_text(col->cats[k], strlen(col->cats[k])))
				bad_model("a category is not valid in the database encoding", col->name);
	}
}

/* A column's name as users see it; see types.h. */
char *
ae_column_label(const AeColumn *col)
{
	StringInfoData s;
	int			rest = col->elem;
	int			sub[AE_MAX_DIMS];

	if (col->ndim == 0)
		return pstrdup(col->name);
	/* row-major: the last subscript varies fastest */
	for (int d = col->ndim - 1; d >= 0; d--)
	{
		sub[d] = rest % col->dims[d] + 1;
		rest /= col->dims[d];
	}
	initStringInfo(&s);
	appendStringInfoString(&s, col->name);
	for (int d = 0; d < col->ndim; d++)
		appendStringInfo(&s, "[%d]", sub[d]);
	return s.data;
}

/* A shape as users see it; see types.h. */
char *
ae_shape_text(int ndim, const int *dims)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int d = 0; d < ndim; d++)
		appendStringInfo(&s, "[%d]", dims[d]);
	return s.data;
}
