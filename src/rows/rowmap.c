/*
 * rowmap.c — model columns ↔ row attributes, by name.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "parser/parse_coerce.h"
#include "rows/rowmap.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* Vocabulary of the column being sorted (qsort_arg's argument). */
static int
compare_labels(const void *a, const void *b, void *arg)
{
	char	  **cats = arg;

	return strcmp(cats[*(const int *) a], cats[*(const int *) b]);
}

/* Vocabulary indexes sorted by label, for binary search. */
static int *
sorted_vocabulary(const AeColumn *col)
{
	int		   *order = palloc(sizeof(int) * Max(col->ncat, 1));

	for (int k = 0; k < col->ncat; k++)
		order[k] = k;
	qsort_arg(order, col->ncat, sizeof(int), compare_labels, col->cats);
	return order;
}

/* Vocabulary index of a label by binary search; ncat when unseen. */
int
ae_category_index(const AeColumn *col, const int *order, const char *label)
{
	int			lo = 0,
				hi = col->ncat - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strcmp(label, col->cats[order[mid]]);

		if (cmp == 0)
			return order[mid];
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return col->ncat;
}

/* Map model columns onto a row type by name. */
void
ae_rowmap_build(AeRowMap *map, const AeModel *model, Oid typid, int32 typmod)
{
	TupleDesc	td = lookup_rowtype_tupdesc(typid, typmod);
	int			n = model->ncols;

	map->typid = typid;
	map->typmod = typmod;
	map->tupdesc = CreateTupleDescCopy(td);
	ReleaseTupleDesc(td);
	td = map->tupdesc;
	map->attno = palloc(sizeof(int) * n);
	map->sqltype = palloc(sizeof(AeSqlType) * n);
	map->out_fn = palloc0(sizeof(FmgrInfo) * n);
	map->in_fn = palloc0(sizeof(FmgrInfo) * n);
	map->in_ioparam = palloc0(sizeof(Oid) * n);
	map->cat_order = palloc0(sizeof(int *) * n);
	map->typmod_fn = palloc0(sizeof(FmgrInfo) * n);
	map->base_typmod = palloc0(sizeof(int32) * n);
	map->domain = palloc0(sizeof(bool) * n);
	map->domain_extra = palloc0(sizeof(void *) * n);
	map->cxt = CurrentMemoryContext;
	map->values = palloc(sizeof(Datum) * Max(td->natts, 1));
	map->isnull = palloc(sizeof(bool) * Max(td->natts, 1));

	for (int c = 0; c < n; c++)
	{
		const AeColumn *col = &model->cols[c];
		Form_pg_attribute att = NULL;
		Oid			fn;
		bool		varlena;

		for (int a = 0; a < td->natts; a++)
			if (!TupleDescAttr(td, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(td, a)->attname), col->name) == 0)
			{
				att = TupleDescAttr(td, a);
				map->attno[c] = a;
				break;
			}
		if (att == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("row of type %s has no column \"%s\"",
							format_type_be(typid), col->name),
					 errhint("Score rows that have every column the model was trained on; ae_info(model) lists them.")));
		map->sqltype[c] = ae_sqltype_of(att->atttypid);
		if (!ae_sqltype_fits(map->sqltype[c], col->kind, col->sqltype))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of type %s does not match the model's %s column",
							col->name, format_type_be(att->atttypid),
							ae_sqltype_name(col->sqltype)),
					 errhint("Cast the column to %s in a view or subquery.",
							 ae_sqltype_name(col->sqltype))));
		getTypeOutputInfo(att->atttypid, &fn, &varlena);
		fmgr_info(fn, &map->out_fn[c]);
		getTypeInputInfo(att->atttypid, &fn, &map->in_ioparam[c]);
		fmgr_info(fn, &map->in_fn[c]);
		map->domain[c] = get_typtype(att->atttypid) == TYPTYPE_DOMAIN;
		if (col->kind == AE_COL_CATEGORICAL)
			map->cat_order[c] = sorted_vocabulary(col);
		else
		{
			/* numbers and times are made as the base type: its typmod applies after */
			Oid			base;

			map->base_typmod[c] = att->atttypmod;
			base = getBaseTypeAndTypmod(att->atttypid, &map->base_typmod[c]);
			if (map->base_typmod[c] >= 0 &&
				find_typmod_coercion_function(base, &fn) == COERCION_PATH_FUNC)
				fmgr_info(fn, &map->typmod_fn[c]);
		}
	}
}

/* Apply column c's typmod to a decoded number or time, and check its domain. */
static Datum
finish_value(const AeRowMap *map, int c, Datum value, bool isnull)
{
	Form_pg_attribute att = TupleDescAttr(map->tupdesc, map->attno[c]);

	if (!isnull && OidIsValid(map->typmod_fn[c].fn_oid))
		value = FunctionCall3((FmgrInfo *) &map->typmod_fn[c], value,
							  Int32GetDatum(map->base_typmod[c]), BoolGetDatum(false));
	if (map->domain[c])
		domain_check(value, isnull, att->atttypid, &map->domain_extra[c], map->cxt);
	return value;
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

		m[c] = !map->isnull[a] && ae_rowmap_encode_value(map, model, c, map->values[a], &t[c]);
		observed += m[c];
	}
	return observed;
}

/* Encode one non-null value of column c; false when it counts as missing. */
bool
ae_rowmap_encode_value(const AeRowMap *map, const AeModel *model, int c, Datum value,
					   ae_real *t)
{
	const AeColumn *col = &model->cols[c];
	double		v;

	*t = 0;
	if (col->kind == AE_COL_CATEGORICAL)
		v = ae_category_index(col, map->cat_order[c],
							  ae_label_of(value, map->sqltype[c], (FmgrInfo *) &map->out_fn[c]));
	else
	{
		v = ae_datum_to_double(value, map->sqltype[c]);
		if (isnan(v))
			return false;
		/* far outside training (1e6 deviations) is as anomalous as it gets: stay finite in float */
		if (col->kind == AE_COL_NUMERIC)
			v = fmax(-AE_MAX_UNITS, fmin(AE_MAX_UNITS, ae_scale_value(col, v)));
	}
	*t = (ae_real) v;
	return true;
}

/* Most likely category, "other" left out; -1 for an empty vocabulary. */
static int
best_category(const AeColumn *col, const ae_real *z)
{
	int			best = -1;

	for (int k = 0; k < col->ncat; k++)
		if (best < 0 || z[k] > z[best])
			best = k;
	return best;
}

/* Decode a model column's output into the row column's type. */
Datum
ae_rowmap_decode(const AeRowMap *map, const AeModel *model, int c,
				 const ae_real *out, bool *isnull)
{
	const AeColumn *col = &model->cols[c];
	const ae_real *z = out + col->out_off;
	Form_pg_attribute att = TupleDescAttr(map->tupdesc, map->attno[c]);

	/* a cvae's condition is given, not predicted: it stays as it is */
	if (col->flags & AE_COLFLAG_CONDITION)
	{
		*isnull = map->isnull[map->attno[c]];
		return map->values[map->attno[c]];
	}
	*isnull = false;
	switch (col->kind)
	{
		case AE_COL_NUMERIC:
			return finish_value(map, c, ae_double_to_datum(ae_unscale_value(col, z[0]),
														   map->sqltype[c]), false);
		case AE_COL_BOOLEAN:
			/* logit > 0: probability > ½ */
			return finish_value(map, c, BoolGetDatum(z[0] > 0), false);
		default:
			{
				int			k = best_category(col, z);

				if (k < 0)
				{
					*isnull = true;
					return finish_value(map, c, (Datum) 0, true);
				}
				/* the column's input function applies its typmod and domain */
				return InputFunctionCall((FmgrInfo *) &map->in_fn[c], col->cats[k],
										 map->in_ioparam[c], att->atttypmod);
			}
	}
}

/* A value of column c as text. */
char *
ae_rowmap_text(const AeRowMap *map, int c, Datum value)
{
	return OutputFunctionCall((FmgrInfo *) &map->out_fn[c], value);
}
