/*
 * columns.c — SQL types ↔ numbers, and model columns ↔ row attributes.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "rows/columns.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

/* The code for a type, looking through domains. */
AeSqlType
ae_sqltype_of(Oid typid)
{
	switch (getBaseType(typid))
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
		default:
			return AE_SQL_UNSUPPORTED;
	}
}

/* Column kind of a SQL type. */
AeColKind
ae_sqltype_kind(AeSqlType t)
{
	return t == AE_SQL_BOOL ? AE_COL_BOOLEAN : AE_COL_NUMERIC;
}

/* A type's SQL name. */
const char *
ae_sqltype_name(AeSqlType t)
{
	static const char *const names[] = {
		"unsupported", "smallint", "integer", "bigint", "real",
		"double precision", "numeric", "boolean"
	};

	return (t >= 0 && t <= AE_SQL_BOOL) ? names[t] : "unknown";
}

/* Raw number of a Datum, non-finite values as NaN. */
double
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
			break;
		case AE_SQL_FLOAT8:
			v = DatumGetFloat8(d);
			break;
		case AE_SQL_NUMERIC:
			{
				Numeric		num = DatumGetNumeric(d);

				if (numeric_is_nan(num) || numeric_is_inf(num))
					return NAN;
				v = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
													   NumericGetDatum(num)));
			}
			break;
		case AE_SQL_BOOL:
			return DatumGetBool(d) ? 1.0 : 0.0;
		default:
			return NAN;
	}
	return isfinite(v) ? v : NAN;
}

/* Round and clamp into an integer range. */
static double
clamp_round(double v, double lo, double hi)
{
	v = rint(v);
	return v < lo ? lo : (v > hi ? hi : v);
}

/* A Datum of a SQL type from a raw number. */
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
			/* 2^63 is not representable; stay one ulp inside */
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
		default:
			elog(ERROR, "unexpected column type code %d", (int) t);
	}
	return (Datum) 0;
}

/* Map model columns onto a row type by name. */
void
ae_rowmap_build(AeRowMap *map, const AeModel *model, Oid typid, int32 typmod)
{
	TupleDesc	td = lookup_rowtype_tupdesc(typid, typmod);

	map->typid = typid;
	map->typmod = typmod;
	map->tupdesc = CreateTupleDescCopy(td);
	ReleaseTupleDesc(td);
	td = map->tupdesc;
	map->attno = palloc(sizeof(int) * model->ncols);
	map->sqltype = palloc(sizeof(AeSqlType) * model->ncols);
	map->values = palloc(sizeof(Datum) * Max(td->natts, 1));
	map->isnull = palloc(sizeof(bool) * Max(td->natts, 1));

	for (int c = 0; c < model->ncols; c++)
	{
		const AeColumn *col = &model->cols[c];
		int			found = -1;

		for (int a = 0; a < td->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(td, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), col->name) == 0)
			{
				found = a;
				break;
			}
		}
		if (found < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("row of type %s has no column \"%s\"",
							format_type_be(typid), col->name),
					 errhint("Score rows that have every column the model was trained on; ae_info(model) lists them.")));
		map->attno[c] = found;
		map->sqltype[c] = ae_sqltype_of(TupleDescAttr(td, found)->atttypid);
		if (map->sqltype[c] == AE_SQL_UNSUPPORTED ||
			ae_sqltype_kind(map->sqltype[c]) != col->kind)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of type %s does not match the model's %s column",
							col->name,
							format_type_be(TupleDescAttr(td, found)->atttypid),
							ae_sqltype_name(col->sqltype)),
					 errhint("Cast the column to %s in a view or subquery.",
							 ae_sqltype_name(col->sqltype))));
	}
}

/* Deform a row and encode its modelled columns. */
int
ae_rowmap_encode(AeRowMap *map, const AeModel *model, HeapTupleHeader row,
				 ae_real *t, uint8 *m)
{
	HeapTupleData tuple;
	int			observed = 0;

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, map->tupdesc, map->values, map->isnull);

	for (int c = 0; c < model->ncols; c++)
	{
		int			a = map->attno[c];
		double		raw;

		m[c] = 0;
		t[c] = 0;
		if (map->isnull[a])
			continue;
		raw = ae_datum_to_double(map->values[a], map->sqltype[c]);
		if (isnan(raw))
			continue;
		t[c] = (ae_real) (model->cols[c].kind == AE_COL_NUMERIC
						  ? ae_scale_value(&model->cols[c], raw) : raw);
		m[c] = 1;
		observed++;
	}
	return observed;
}
