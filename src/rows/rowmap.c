/*
 * rowmap.c — model columns ↔ row attributes, by name.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "parser/parse_coerce.h"
#include "rows/rowmap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* Byte order of two strings without NULs: the order strcmp gives them. */
static inline int
compare_bytes(const char *a, int alen, const char *b, int blen)
{
	int			cmp = memcmp(a, b, Min(alen, blen));

	if (cmp != 0)
		return cmp;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Labels by their bytes, then by index (qsort comparator). */
static int
compare_labels(const void *a, const void *b)
{
	const AeLabel *x = a;
	const AeLabel *y = b;
	int			cmp = compare_bytes(x->bytes, x->len, y->bytes, y->len);

	return cmp != 0 ? cmp : x->index - y->index;
}

/* A column's vocabulary sorted by bytes, for binary search; its longest label's length in *max_len. */
static AeLabel *
sorted_vocabulary(const AeColumn *col, int *max_len)
{
	AeLabel    *sorted = palloc(sizeof(AeLabel) * Max(col->ncat, 1));

	*max_len = 0;
	for (int k = 0; k < col->ncat; k++)
	{
		sorted[k].bytes = col->cats[k];
		sorted[k].len = (int) strlen(col->cats[k]);
		sorted[k].index = k;
		*max_len = Max(*max_len, sorted[k].len);
	}
	qsort(sorted, col->ncat, sizeof(AeLabel), compare_labels);
	return sorted;
}

/* Vocabulary index of a category's bytes by binary search; ncat when unseen. */
int
ae_category_index(const AeLabel *sorted, int ncat, const char *bytes, int len)
{
	int			lo = 0,
				hi = ncat - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = compare_bytes(bytes, len, sorted[mid].bytes, sorted[mid].len);

		if (cmp == 0)
			return sorted[mid].index;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return ncat;
}

/*
 * Map element column c onto array attribute att: the attribute must be an
 * array of numbers, and every element column of one name must agree on the
 * shape (a model's bytes are checked, not trusted).
 */
static void
map_element(AeRowMap *map, const AeModel *model, int c, Form_pg_attribute att)
{
	const AeColumn *col = &model->cols[c];
	AeRowArray *arr = NULL;
	Oid			elemtype = InvalidOid;
	Oid			fn;
	bool		varlena;

	map->sqltype[c] = ae_array_elem_sqltype(att->atttypid, &elemtype);
	if (!ae_sqltype_fits(map->sqltype[c], col->kind, col->sqltype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of type %s does not match the model's %s[] column",
						col->name, format_type_be(att->atttypid), ae_sqltype_name(col->sqltype)),
				 errhint("Cast the column to %s[] in a view or subquery.",
						 ae_sqltype_name(col->sqltype))));
	for (int k = 0; k < map->narrays; k++)
		if (map->arrays[k].attno == map->attno[c])
			arr = &map->arrays[k];
	if (arr == NULL)
	{
		arr = &map->arrays[map->narrays++];
		arr->attno = map->attno[c];
		arr->elemtype = elemtype;
		get_typlenbyvalalign(elemtype, &arr->elmlen, &arr->elmbyval, &arr->elmalign);
		arr->ndim = col->ndim;
		memcpy(arr->dims, col->dims, sizeof(arr->dims));
		arr->nelems = 1;
		for (int d = 0; d < col->ndim; d++)
			arr->nelems *= col->dims[d];
		arr->out_elems = palloc(sizeof(Datum) * arr->nelems);
		arr->out_nulls = palloc(sizeof(bool) * arr->nelems);
	}
	else if (arr->ndim != col->ndim || memcmp(arr->dims, col->dims, sizeof(int) * col->ndim) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid ae model: the elements of array column \"%s\" disagree on its shape",
						col->name),
				 errhint("The bytea must be a model returned by ae_fit or stored by ae_train, unaltered.")));
	map->array_of[c] = (int) (arr - map->arrays);
	/* decoded elements are made as the element's base type: the array's typmod applies */
	getTypeOutputInfo(elemtype, &fn, &varlena);
	fmgr_info(fn, &map->out_fn[c]);
	map->base_typmod[c] = att->atttypmod;
	if (map->base_typmod[c] >= 0 &&
		find_typmod_coercion_function(getBaseType(elemtype), &fn) == COERCION_PATH_FUNC)
		fmgr_info(fn, &map->typmod_fn[c]);
}

/* Deform the first natts attributes of a row; see rowmap.h. */
void
ae_deform_prefix(HeapTupleHeader row, TupleDesc td, int natts, Datum *values, bool *isnull)
{
	bool		hasnulls = (row->t_infomask & HEAP_HASNULL) != 0;
	char	   *data = (char *) row + row->t_hoff;
	int			stored = Min((int) HeapTupleHeaderGetNatts(row), natts);
	uint32		off = 0;
	int			a;

	Assert(natts <= td->natts);
#ifdef HEAP_IS_DATUM
	/* a datum of a row type that changed since is refused, as heap_deform_tuple refuses it */
	if (HeapTupleHeaderIsVersionedDatum(row))
		heap_datum_check(row, td);
#endif
	for (a = 0; a < stored; a++)
	{
		Form_pg_attribute att = TupleDescAttr(td, a);

		isnull[a] = hasnulls && att_isnull(a, row->t_bits);
		if (isnull[a])
		{
			values[a] = (Datum) 0;
			continue;
		}
		/* a varlena may start unaligned, with a 1-byte header */
		if (att->attlen == -1)
			off = att_align_pointer(off, att->attalign, -1, data + off);
		else
			off = att_align_nominal(off, att->attalign);
		values[a] = fetchatt(att, data + off);
		off = att_addlength_pointer(off, att->attlen, data + off);
	}
	/* attributes added to the type after the row was made */
	for (; a < natts; a++)
	{
		values[a] = (Datum) 0;
		isnull[a] = true;
	}
}

/*
 * When the attributes a map deforms are all fixed-width and by value (the
 * numbers of a typical table), a row of them without NULLs has them at
 * offsets known in advance: compute those once.
 */
static void
plan_fixed_layout(AeRowMap *map)
{
	int			n = map->deform_natts;
	uint32		off = 0;

	map->fixed_off = NULL;
	map->fixed_len = NULL;
	map->fixed_align = NULL;
	if (n == 0)
		return;
	for (int a = 0; a < n; a++)
	{
		Form_pg_attribute att = TupleDescAttr(map->tupdesc, a);

		if (att->attisdropped || att->attlen <= 0 || !att->attbyval)
			return;
	}
	map->fixed_off = palloc(sizeof(uint32) * n);
	map->fixed_len = palloc(sizeof(int16) * n);
	map->fixed_align = palloc(n);
	for (int a = 0; a < n; a++)
	{
		Form_pg_attribute att = TupleDescAttr(map->tupdesc, a);

		off = att_align_nominal(off, att->attalign);
		map->fixed_off[a] = off;
		map->fixed_len[a] = att->attlen;
		map->fixed_align[a] = (uint8) att_align_nominal(1, att->attalign);	/* 1, 2, 4 or 8 */
		off += att->attlen;
	}
}

/*
 * Deform the map's prefix of a row: at the planned offsets when the row has
 * no NULLs, stepping over the NULLs' places by the planned lengths and
 * alignments when it has some, and by ae_deform_prefix when the prefix is
 * not all fixed-width (or the row is older than its type's last columns).
 */
static inline void
deform_row(AeRowMap *map, HeapTupleHeader row)
{
	const char *data = (char *) row + row->t_hoff;
	int			n = map->deform_natts;
	Datum	   *values = map->values;
	bool	   *isnull = map->isnull;
	const int16 *len = map->fixed_len;

	if (map->fixed_off == NULL || HeapTupleHeaderGetNatts(row) < n)
	{
		ae_deform_prefix(row, map->tupdesc, n, values, isnull);
		return;
	}
#ifdef HEAP_IS_DATUM
	/* as ae_deform_prefix: a datum of a row type that changed since is refused */
	if (HeapTupleHeaderIsVersionedDatum(row))
		heap_datum_check(row, map->tupdesc);
#endif
	if (!(row->t_infomask & HEAP_HASNULL))
	{
		const uint32 *off = map->fixed_off;

		for (int a = 0; a < n; a++)
			values[a] = fetch_att(data + off[a], true, len[a]);
		memset(isnull, 0, sizeof(bool) * n);
	}
	else
	{
		const uint8 *align = map->fixed_align;
		uint32		off = 0;

		for (int a = 0; a < n; a++)
		{
			isnull[a] = att_isnull(a, row->t_bits);
			values[a] = 0;
			if (isnull[a])
				continue;
			off = TYPEALIGN(align[a], off);
			values[a] = fetch_att(data + off, true, len[a]);
			off += len[a];
		}
	}
}

/* Map model columns onto a row type by name. */
void
ae_rowmap_build(AeRowMap *map, const AeModel *model, Oid typid, int32 typmod)
{
	TupleDesc	cached = lookup_rowtype_tupdesc(typid, typmod);
	TupleDesc	td = CreateTupleDescCopy(cached);

	ReleaseTupleDesc(cached);
	ae_rowmap_build_desc(map, model, td);
	FreeTupleDesc(td);
	map->typid = typid;
	map->typmod = typmod;
}

/* Map model columns onto the rows of a tuple descriptor; see rowmap.h. */
void
ae_rowmap_build_desc(AeRowMap *map, const AeModel *model, TupleDesc rowdesc)
{
	TupleDesc	td;
	Oid			typid = rowdesc->tdtypeid;
	int			n = model->ncols;
	int			last = 0;

	map->typid = typid;
	map->typmod = rowdesc->tdtypmod;
	map->tupdesc = CreateTupleDescCopy(rowdesc);
	td = map->tupdesc;
	map->attno = palloc(sizeof(int) * n);
	map->sqltype = palloc(sizeof(AeSqlType) * n);
	map->out_fn = palloc0(sizeof(FmgrInfo) * n);
	map->in_fn = palloc0(sizeof(FmgrInfo) * n);
	map->in_ioparam = palloc0(sizeof(Oid) * n);
	map->labels = palloc0(sizeof(AeLabel *) * n);
	map->max_label = palloc0(sizeof(int) * n);
	map->by_bytes = palloc0(sizeof(bool) * n);
	map->typmod_fn = palloc0(sizeof(FmgrInfo) * n);
	map->base_typmod = palloc0(sizeof(int32) * n);
	map->domain = palloc0(sizeof(bool) * n);
	map->domain_extra = palloc0(sizeof(void *) * n);
	map->inv_scale = palloc0(sizeof(double) * n);
	map->plain = palloc(sizeof(AeSqlType) * n);
	map->cxt = CurrentMemoryContext;
	map->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "ae row", ALLOCSET_SMALL_SIZES);
	map->row = NULL;
	map->values = palloc(sizeof(Datum) * Max(td->natts, 1));
	map->isnull = palloc(sizeof(bool) * Max(td->natts, 1));
	map->array_of = palloc(sizeof(int) * n);
	map->ragged = model->opt.kind == AE_KIND_LSTM;
	map->arrays = palloc0(sizeof(AeRowArray) * n);
	map->narrays = 0;

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
		if (col->kind == AE_COL_NUMERIC)
			map->inv_scale[c] = 1 / col->scale;
		map->plain[c] = AE_SQL_UNSUPPORTED;
		map->array_of[c] = -1;
		if (col->ndim > 0)
		{
			map_element(map, model, c, att);
			continue;
		}
		map->sqltype[c] = ae_sqltype_of(att->atttypid);
		if (col->kind == AE_COL_NUMERIC && col->transform == AE_TF_NONE &&
			(map->sqltype[c] == AE_SQL_FLOAT4 || map->sqltype[c] == AE_SQL_FLOAT8))
			map->plain[c] = map->sqltype[c];
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
		{
			map->labels[c] = sorted_vocabulary(col, &map->max_label[c]);
			/* text, varchar, char: the output function prints the bytes as they are */
			map->by_bytes[c] = map->sqltype[c] == AE_SQL_TEXT && att->attlen == -1;
		}
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

	/* rows are deformed as far as the last modelled attribute */
	for (int c = 0; c < n; c++)
		last = Max(last, map->attno[c]);
	map->deform_natts = n > 0 ? last + 1 : 0;
	plan_fixed_layout(map);
	map->rest_values = NULL;
	map->rest_isnull = NULL;
	if (map->deform_natts < td->natts)
	{
		map->rest_values = palloc(sizeof(Datum) * td->natts);
		map->rest_isnull = palloc(sizeof(bool) * td->natts);
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
	if (map->domain[c] && map->array_of[c] < 0)
		domain_check(value, isnull, att->atttypid, &map->domain_extra[c], map->cxt);
	return value;
}

/*
 * Take the row's value of an array attribute apart, checking that it has
 * the model's shape (NULL or empty: every element missing).
 */
static void
take_apart(AeRowMap *map, AeRowArray *arr)
{
	ArrayType  *a;
	bool		same;
	int			n;

	arr->elems = NULL;
	arr->offset = 0;
	if (map->isnull[arr->attno])
		return;
	a = DatumGetArrayTypeP(map->values[arr->attno]);
	if (ARR_NDIM(a) == 0)
		return;
	same = ARR_NDIM(a) == arr->ndim;
	/* a shorter sequence takes the last steps, the ones before it missing */
	if (map->ragged && same && ARR_DIMS(a)[0] <= arr->dims[0])
	{
		arr->offset = arr->dims[0] - ARR_DIMS(a)[0];
		arr->lbound[0] = ARR_LBOUND(a)[0];
		deconstruct_array(a, arr->elemtype, arr->elmlen, arr->elmbyval, arr->elmalign,
						  &arr->elems, &arr->nulls, &n);
		return;
	}
	for (int d = 0; same && d < arr->ndim; d++)
		same = ARR_DIMS(a)[d] == arr->dims[d];
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array column \"%s\" has shape %s, the model was trained on %s%s",
						NameStr(TupleDescAttr(map->tupdesc, arr->attno)->attname),
						ae_shape_text(ARR_NDIM(a), ARR_DIMS(a)),
						ae_shape_text(arr->ndim, arr->dims),
						map->ragged ? " steps at most" : ""),
				 errhint("Give the model arrays of its shape: filter rows with cardinality(), or pad or cut the arrays in a view.")));
	memcpy(arr->lbound, ARR_LBOUND(a), sizeof(int) * arr->ndim);
	deconstruct_array(a, arr->elemtype, arr->elmlen, arr->elmbyval, arr->elmalign,
					  &arr->elems, &arr->nulls, &n);
}

/*
 * Vocabulary index of a non-null value of categorical column c.  Text,
 * varchar and char values are compared by their bytes, which are what
 * their output functions print (char's padding included); other types
 * through their label.
 */
static int
category_of(const AeRowMap *map, const AeColumn *col, int c, Datum value)
{
	int			k;

	if (map->by_bytes[c])
	{
		struct varlena *v = (struct varlena *) DatumGetPointer(value);
		struct varlena *flat;

		/* a value longer than every label needs no detoasting to be "other" */
		if ((VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v)) &&
			toast_raw_datum_size(value) - VARHDRSZ > (Size) map->max_label[c])
			return col->ncat;
		flat = pg_detoast_datum_packed(v);
		k = ae_category_index(map->labels[c], col->ncat, VARDATA_ANY(flat),
							  (int) VARSIZE_ANY_EXHDR(flat));
		if (flat != v)
			pfree(flat);
	}
	else
	{
		char	   *label = ae_label_of(value, map->sqltype[c], (FmgrInfo *) &map->out_fn[c]);

		k = ae_category_index(map->labels[c], col->ncat, label, (int) strlen(label));
		pfree(label);
	}
	return k;
}

/* Encode one non-null value of column c; false when it counts as missing (inline: every cell). */
static inline bool
encode_value(const AeRowMap *map, const AeModel *model, int c, Datum value, ae_real *t)
{
	const AeColumn *col = &model->cols[c];
	double		v;

	*t = 0;
	if (col->kind == AE_COL_CATEGORICAL)
		v = category_of(map, col, c, value);
	else
	{
		v = ae_datum_to_double(value, map->sqltype[c]);
		if (isnan(v))
			return false;
		/* far outside training (1e6 deviations) is as anomalous as it gets: stay finite in float */
		if (col->kind == AE_COL_NUMERIC)
		{
			v = ae_scale_value(col, v, map->inv_scale[c]);
			v = v > AE_MAX_UNITS ? AE_MAX_UNITS : (v < -AE_MAX_UNITS ? -AE_MAX_UNITS : v);
		}
	}
	*t = (ae_real) v;
	return true;
}

/* Encode one non-null value of column c; see rowmap.h. */
bool
ae_rowmap_encode_value(const AeRowMap *map, const AeModel *model, int c, Datum value,
					   ae_real *t)
{
	return encode_value(map, model, c, value, t);
}

/* Deform a row up to its last modelled attribute and encode its modelled columns. */
int
ae_rowmap_encode(AeRowMap *map, const AeModel *model, HeapTupleHeader row,
				 ae_real *t, uint8 *m)
{
	int			observed = 0;
	MemoryContext old;

	/* read once: t and m might alias them as far as the compiler knows */
	const Datum *values = map->values;
	const bool *isnull = map->isnull;
	const int  *attno = map->attno;
	const AeSqlType *plain = map->plain;
	const double *inv_scale = map->inv_scale;
	const AeColumn *cols = model->cols;

	/* the last row's detoasted arrays and labels go; this row's stay until the next */
	MemoryContextReset(map->rowcxt);
	old = MemoryContextSwitchTo(map->rowcxt);
	map->row = row;
	deform_row(map, row);
	for (int k = 0; k < map->narrays; k++)
		take_apart(map, &map->arrays[k]);

	for (int c = 0; c < model->ncols; c++)
	{
		int			a = attno[c];
		bool		ok;
		ae_real		tc = 0;

		if (plain[c] != AE_SQL_UNSUPPORTED)
		{
			/* encode_value's arithmetic, without its dispatch */
			double		v = plain[c] == AE_SQL_FLOAT4 ?
				DatumGetFloat4(values[a]) : DatumGetFloat8(values[a]);

			ok = !isnull[a] && isfinite(v);
			v = ok ? (v - cols[c].center) * inv_scale[c] : 0;
			tc = (ae_real) (v > AE_MAX_UNITS ? AE_MAX_UNITS : (v < -AE_MAX_UNITS ? -AE_MAX_UNITS : v));
		}
		else if (map->array_of[c] >= 0)
		{
			const AeRowArray *arr = &map->arrays[map->array_of[c]];
			int			e = cols[c].elem - arr->offset;

			ok = arr->elems != NULL && e >= 0 && !arr->nulls[e] &&
				encode_value(map, model, c, arr->elems[e], &tc);
		}
		else
			ok = !isnull[a] && encode_value(map, model, c, values[a], &tc);
		t[c] = ok ? tc : 0;
		m[c] = ok;
		observed += ok;
	}
	MemoryContextSwitchTo(old);
	return observed;
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

/* Start a row of decoded values; see rowmap.h. */
void
ae_rowmap_begin(AeRowMap *map, bool keep_row)
{
	for (int k = 0; k < map->narrays; k++)
	{
		AeRowArray *arr = &map->arrays[k];

		for (int e = 0; e < arr->nelems; e++)
		{
			int			own = e - arr->offset;
			bool		kept = keep_row && arr->elems != NULL && own >= 0 && !arr->nulls[own];

			arr->out_elems[e] = kept ? arr->elems[own] : (Datum) 0;
			arr->out_nulls[e] = !kept;
		}
		if (!keep_row || arr->elems == NULL)
			for (int d = 0; d < arr->ndim; d++)
				arr->lbound[d] = 1;
	}
}

/* Store a decoded value of model column c; see rowmap.h. */
void
ae_rowmap_store(AeRowMap *map, const AeModel *model, int c, Datum value, bool isnull)
{
	if (map->array_of[c] >= 0)
	{
		AeRowArray *arr = &map->arrays[map->array_of[c]];

		arr->out_elems[model->cols[c].elem] = value;
		arr->out_nulls[model->cols[c].elem] = isnull;
		return;
	}
	map->values[map->attno[c]] = value;
	map->isnull[map->attno[c]] = isnull;
}

/* Assemble the arrays of a row of decoded values; see rowmap.h. */
void
ae_rowmap_finish(AeRowMap *map)
{
	for (int k = 0; k < map->narrays; k++)
	{
		AeRowArray *arr = &map->arrays[k];
		Form_pg_attribute att = TupleDescAttr(map->tupdesc, arr->attno);
		Datum		value;

		int			dims[AE_MAX_DIMS];

		/* a shorter sequence comes back as long as it came, its own steps */
		memcpy(dims, arr->dims, sizeof(dims));
		dims[0] -= arr->offset;
		value = PointerGetDatum(construct_md_array(arr->out_elems + arr->offset,
												   arr->out_nulls + arr->offset, arr->ndim,
												   dims, arr->lbound, arr->elemtype,
												   arr->elmlen, arr->elmbyval, arr->elmalign));
		if (get_typtype(att->atttypid) == TYPTYPE_DOMAIN)
			domain_check(value, false, att->atttypid, NULL, NULL);
		map->values[arr->attno] = value;
		map->isnull[arr->attno] = false;
	}
}

/* The last encoded row, whole, with the stored values; see rowmap.h. */
HeapTuple
ae_rowmap_form(AeRowMap *map)
{
	TupleDesc	td = map->tupdesc;

	/* the attributes past the last modelled one, not deformed by encode */
	if (map->deform_natts < td->natts)
	{
		HeapTupleData tuple;

		tuple.t_len = HeapTupleHeaderGetDatumLength(map->row);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = map->row;
		heap_deform_tuple(&tuple, td, map->rest_values, map->rest_isnull);
		for (int a = map->deform_natts; a < td->natts; a++)
		{
			map->values[a] = map->rest_values[a];
			map->isnull[a] = map->rest_isnull[a];
		}
	}
	return heap_form_tuple(td, map->values, map->isnull);
}

/* The last row's value of model column c; see rowmap.h. */
bool
ae_rowmap_get(const AeRowMap *map, const AeModel *model, int c, Datum *value)
{
	if (map->array_of[c] >= 0)
	{
		const AeRowArray *arr = &map->arrays[map->array_of[c]];
		int			e = model->cols[c].elem - arr->offset;

		if (arr->elems == NULL || e < 0 || arr->nulls[e])
			return false;
		*value = arr->elems[e];
		return true;
	}
	*value = map->values[map->attno[c]];
	return !map->isnull[map->attno[c]];
}

/* A value of column c as text. */
char *
ae_rowmap_text(const AeRowMap *map, int c, Datum value)
{
	return OutputFunctionCall((FmgrInfo *) &map->out_fn[c], value);
}
