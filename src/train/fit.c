/*
 * fit.c — from a sample of rows to a trained, serialized model.
 *
 * Column choice: the `columns` option names them in order; otherwise every
 * column of a supported type except those in `exclude` and the source
 * table's primary-key, identity and serial columns.  Columns of other types
 * are skipped with a NOTICE, and so are columns with no value at all.  An
 * array of numbers is one numeric column per element, its shape taken from
 * the first row that has the array; every row's array must have it.
 *
 * Encodings, measured on the sample:
 *   numeric (numbers and times): log1p for non-negative, heavily
 *     right-skewed columns when it reduces the skew, then standardised;
 *   boolean: 0/1;
 *   categorical: a vocabulary of the max_categories most frequent labels,
 *     the rest sharing an "other" class.
 * Each column's loss is divided by the loss of predicting its training
 * distribution (1 for a standardised numeric column, the entropy for
 * boolean and categorical ones), so no kind of column dominates the score.
 * Once measured, the sampled rows are encoded by the row map
 * (rows/rowmap.c), the very encoder the per-row functions use.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "common/hashfn.h"
#include "core/format.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "rows/pgcore.h"
#include "rows/rowmap.h"
#include "rows/types.h"
#include "train/fit.h"
#include "train/options.h"
#include "train/progress.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* Most values (rows × columns) one training run holds in memory. */
#define AE_MAX_TRAIN_CELLS ((int64) 1 << 28)

/* Smallest loss a column is normalised by: caps the weight of near-constant columns at 10. */
#define MIN_BASELINE_LOSS 0.1

/* A distinct label of a categorical column; the hash key is the label pointer. */
typedef struct LabelEntry
{
	char	   *label;
	int64		count;
	int			id;				/* order of first appearance */
	int			vocab;			/* vocabulary index, or the "other" class */
} LabelEntry;

/* A column chosen for training. */
typedef struct FitColumn
{
	int			attno;			/* 0-based in the row type */
	AeSqlType	sqltype;
	AeColKind	kind;
	const char *name;
	FmgrInfo	out_fn;			/* categorical: the type's output function */
	HTAB	   *labels;			/* categorical: label -> LabelEntry */
	LabelEntry **by_id;			/* categorical: entries in id order */
	int			nlabels;
	bool		long_labels;	/* some label is longer than AE_MAX_LABEL */
	int64		observed;
	int			src;			/* position among the chosen columns (in raw) */
	/* an element of an array column: its shape and place, as in AeColumn */
	int			ndim;			/* 0: a column of its own */
	int			dims[AE_MAX_DIMS];
	int			elem;
	int			nelems;			/* elements in the array */
	Oid			elemtype;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
} FitColumn;

/* Attribute index of a column name, -1 when absent. */
static int
find_attr(TupleDesc td, const char *name)
{
	for (int a = 0; a < td->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(td, a);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return a;
	}
	return -1;
}

/* Error unless every name in a list is a column of the row type. */
static void
check_names_exist(TupleDesc td, Oid typid, List *names, const char *option)
{
	ListCell   *lc;

	foreach(lc, names)
		if (find_attr(td, lfirst(lc)) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" in %s does not exist in %s",
							(char *) lfirst(lc), option, format_type_be(typid)),
					 errhint("Check the spelling; column names are case-sensitive.")));
}

/* 0-based attribute indexes of a table's primary-key, identity and serial columns. */
static Bitmapset *
key_columns(Oid typid)
{
	Oid			relid = get_typ_typrelid(typid);
	Bitmapset  *keys = NULL;
	Relation	rel;
	Bitmapset  *pk;
	ListCell   *lc;
	int			x = -1;

	if (!OidIsValid(relid))
		return NULL;
	rel = relation_open(relid, AccessShareLock);
	pk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	while ((x = bms_next_member(pk, x)) >= 0)
		keys = bms_add_member(keys, x + FirstLowInvalidHeapAttributeNumber - 1);
	for (int a = 0; a < RelationGetDescr(rel)->natts; a++)
		if (TupleDescAttr(RelationGetDescr(rel), a)->attidentity != '\0')
			keys = bms_add_member(keys, a);
	if (rel->rd_rel->relkind == RELKIND_RELATION ||
		rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		foreach(lc, getOwnedSequences(relid))
	{
		Oid			tab;
		int32		col;

		if (sequenceIsOwned(lfirst_oid(lc), DEPENDENCY_AUTO, &tab, &col) && tab == relid)
			keys = bms_add_member(keys, col - 1);
	}
	relation_close(rel, AccessShareLock);
	return keys;
}

/* Hash of a label key (a char * pointer). */
static uint32
label_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

/* Equality of label keys; 0 when equal. */
static int
label_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* A FitColumn for attribute a, of the kind its type (or the categorical option) asks for. */
static FitColumn *
make_column(TupleDesc td, int a, AeFitConfig *cfg)
{
	Form_pg_attribute att = TupleDescAttr(td, a);
	FitColumn  *fc = palloc0(sizeof(FitColumn));

	fc->attno = a;
	fc->sqltype = ae_sqltype_of(att->atttypid);
	fc->name = pstrdup(NameStr(att->attname));
	fc->kind = ae_sqltype_kind(fc->sqltype);
	if (ae_name_in(cfg->categorical, fc->name))
	{
		if (ae_sqltype_family(fc->sqltype) != AE_FAMILY_NUMBER &&
			ae_sqltype_family(fc->sqltype) != AE_FAMILY_TEXT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of type %s cannot be categorical",
							fc->name, format_type_be(att->atttypid)),
					 errhint("Name integer or text columns in the categorical option.")));
		fc->kind = AE_COL_CATEGORICAL;
	}
	if (fc->kind == AE_COL_CATEGORICAL)
	{
		HASHCTL		ctl;
		Oid			fn;
		bool		varlena;

		getTypeOutputInfo(att->atttypid, &fn, &varlena);
		fmgr_info(fn, &fc->out_fn);
		ctl.keysize = sizeof(char *);
		ctl.entrysize = sizeof(LabelEntry);
		ctl.hash = label_hash;
		ctl.match = label_match;
		ctl.hcxt = CurrentMemoryContext;
		fc->labels = hash_create("ae labels", 64, &ctl,
								 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	}
	return fc;
}

/* The display name of a chosen column: its name, or an element's "name[i][j]". */
static char *
fit_label(const FitColumn *fc)
{
	AeColumn	col;

	memset(&col, 0, sizeof(col));
	strlcpy(col.name, fc->name, AE_NAME_MAX);
	col.ndim = fc->ndim;
	memcpy(col.dims, fc->dims, sizeof(col.dims));
	col.elem = fc->elem;
	return ae_column_label(&col);
}

/*
 * Check an array value of attribute fc->attno against the shape the model
 * takes (fc's), naming the column when it differs; the elements and their
 * NULLs into *elems, *nulls (*elems NULL for an empty array).  ragged (the
 * lstm kind): a 1-D array may be shorter, and its elements are the last of
 * the shape; returns the place of its first (0 when it has the shape).
 */
static int
deconstruct_checked(const FitColumn *fc, Datum value, Datum **elems, bool **nulls, bool ragged)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	int			n;
	bool		same = ARR_NDIM(arr) == fc->ndim;

	*elems = NULL;
	if (ARR_NDIM(arr) == 0)
		return 0;				/* an empty array: every element missing, like NULL */
	/* a sequence may be shorter: it takes the last steps, the ones before it missing */
	if (ragged && same && ARR_DIMS(arr)[0] <= fc->dims[0])
	{
		deconstruct_array(arr, fc->elemtype, fc->elmlen, fc->elmbyval, fc->elmalign, elems,
						  nulls, &n);
		return fc->dims[0] - n;
	}
	for (int d = 0; same && d < fc->ndim; d++)
		same = ARR_DIMS(arr)[d] == fc->dims[d];
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array column \"%s\" has shape %s in one row and %s in another",
						fc->name, ae_shape_text(ARR_NDIM(arr), ARR_DIMS(arr)),
						ae_shape_text(fc->ndim, fc->dims)),
				 errhint("Every row's array must have one shape: filter rows with cardinality(), or pad or cut the arrays in a view.")));
	deconstruct_array(arr, fc->elemtype, fc->elmlen, fc->elmbyval, fc->elmalign, elems, nulls, &n);
	return 0;
}

/*
 * The element columns of array attribute a: its shape from the first row of
 * the sample that has a value (none: NIL, a column with no values).
 */
static List *
array_columns(TupleDesc td, int a, AeSample *sample, bool ragged)
{
	Form_pg_attribute att = TupleDescAttr(td, a);
	FitColumn	proto;
	List	   *cols = NIL;

	memset(&proto, 0, sizeof(proto));
	proto.attno = a;
	proto.name = pstrdup(NameStr(att->attname));
	proto.kind = AE_COL_NUMERIC;
	proto.sqltype = ae_array_elem_sqltype(att->atttypid, &proto.elemtype);
	get_typlenbyvalalign(proto.elemtype, &proto.elmlen, &proto.elmbyval, &proto.elmalign);
	for (uint32 i = 0; i < sample->nkept && (ragged || proto.ndim == 0); i++)
	{
		bool		isnull;
		Datum		v = heap_getattr(sample->rows[i], a + 1, td, &isnull);
		ArrayType  *arr;
		int64		n = 1;

		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(v);
		if (ARR_NDIM(arr) == 0)
			continue;			/* an empty array: no elements, like NULL */
		if (ARR_NDIM(arr) > AE_MAX_DIMS)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("array column \"%s\" has %d dimensions, more than %d",
							proto.name, ARR_NDIM(arr), AE_MAX_DIMS),
					 errhint("Reshape it in a view.")));
		for (int d = 0; d < ARR_NDIM(arr); d++)
			n *= ARR_DIMS(arr)[d];
		if (n > AE_MAX_COLUMNS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("array column \"%s\" has %lld elements, more than %d",
							proto.name, (long long) n, AE_MAX_COLUMNS),
					 errhint("Model a slice of it, selected in a view.")));
		if (ragged && ARR_NDIM(arr) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("array column \"%s\" has %d dimensions; kind lstm reads sequences",
							proto.name, ARR_NDIM(arr)),
					 errhint("Give it a 1-D array of readings.")));
		/* a sequence column's steps: its longest array's */
		if (proto.ndim > 0 && n <= proto.nelems)
			continue;
		proto.ndim = ARR_NDIM(arr);
		memcpy(proto.dims, ARR_DIMS(arr), sizeof(int) * proto.ndim);
		proto.nelems = (int) n;
	}
	for (int k = 0; k < proto.nelems; k++)
	{
		FitColumn  *fc = palloc(sizeof(FitColumn));

		*fc = proto;
		fc->elem = k;
		cols = lappend(cols, fc);
	}
	return cols;
}

/* Is attribute a an array of numbers? */
static bool
is_number_array(TupleDesc td, int a)
{
	return ae_array_elem_sqltype(TupleDescAttr(td, a)->atttypid, NULL) != AE_SQL_UNSUPPORTED;
}

/* The columns attribute a stands for: itself, or an array's elements. */
static List *
attribute_columns(TupleDesc td, int a, AeFitConfig *cfg, AeSample *sample)
{
	if (is_number_array(td, a))
	{
		if (ae_name_in(cfg->categorical, NameStr(TupleDescAttr(td, a)->attname)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("array column \"%s\" cannot be categorical",
							NameStr(TupleDescAttr(td, a)->attname)),
					 errhint("Arrays are modelled as numbers, element by element.")));
		return array_columns(td, a, sample, cfg->opt.kind == AE_KIND_LSTM);
	}
	return list_make1(make_column(td, a, cfg));
}

/* Choose the columns to model; see the file comment. */
static List *
choose_columns(TupleDesc td, Oid typid, AeFitConfig *cfg, AeSample *sample)
{
	List	   *chosen = NIL;
	ListCell   *lc;

	check_names_exist(td, typid, cfg->exclude, "exclude");
	check_names_exist(td, typid, cfg->categorical, "categorical");
	if (cfg->columns != NIL)
	{
		foreach(lc, cfg->columns)
		{
			const char *name = lfirst(lc);
			int			a = find_attr(td, name);

			if (a < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" does not exist in %s", name, format_type_be(typid)),
						 errhint("Check the spelling; column names are case-sensitive.")));
			if (ae_name_in(cfg->exclude, name))
				continue;
			if (ae_sqltype_of(TupleDescAttr(td, a)->atttypid) == AE_SQL_UNSUPPORTED &&
				!is_number_array(td, a))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("column \"%s\" has unsupported type %s", name,
								format_type_be(TupleDescAttr(td, a)->atttypid)),
						 errhint("Supported types are numbers, boolean, text, enums, dates, timestamps and arrays of numbers; cast the column in a view.")));
			chosen = list_concat(chosen, attribute_columns(td, a, cfg, sample));
		}
	}
	else
	{
		Bitmapset  *keys = key_columns(typid);
		StringInfoData skipped;

		initStringInfo(&skipped);
		for (int a = 0; a < td->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(td, a);

			if (att->attisdropped || ae_name_in(cfg->exclude, NameStr(att->attname)) ||
				bms_is_member(a, keys))
				continue;
			if (ae_sqltype_of(att->atttypid) == AE_SQL_UNSUPPORTED && !is_number_array(td, a))
			{
				appendStringInfo(&skipped, "%s%s (%s)", skipped.len ? ", " : "",
								 quote_identifier(NameStr(att->attname)),
								 format_type_be(att->atttypid));
				continue;
			}
			chosen = list_concat(chosen, attribute_columns(td, a, cfg, sample));
		}
		if (skipped.len)
			ereport(NOTICE,
					(errmsg("skipping columns of unsupported types: %s", skipped.data)));
	}
	if (chosen == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no usable columns to train on in %s", format_type_be(typid)),
				 errhint("Supported types are numbers, boolean, text, enums, dates, timestamps and arrays of numbers; name columns with the columns option or cast them in a view.")));
	return chosen;
}

/* The label id of a categorical value, adding it on first sight. */
static int
label_id(FitColumn *fc, Datum value)
{
	char	   *label = ae_label_of(value, fc->sqltype, &fc->out_fn);
	bool		found;
	LabelEntry *e = hash_search(fc->labels, &label, HASH_ENTER, &found);

	if (found)
		pfree(label);
	else
	{
		fc->long_labels |= strlen(label) > AE_MAX_LABEL;
		e->label = label;
		e->count = 0;
		e->id = fc->nlabels++;
	}
	e->count++;
	return e->id;
}

/*
 * Most frequent first; ties by label, so vocabularies are deterministic.
 * Labels too long to be categories come last.
 */
static int
compare_frequency(const void *a, const void *b)
{
	const LabelEntry *x = *(LabelEntry *const *) a;
	const LabelEntry *y = *(LabelEntry *const *) b;
	bool		x_long = strlen(x->label) > AE_MAX_LABEL;
	bool		y_long = strlen(y->label) > AE_MAX_LABEL;

	if (x_long != y_long)
		return x_long ? 1 : -1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* Descending order of label counts. */
static int
compare_count_desc(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x == y ? 0 : (x > y ? -1 : 1);
}

/*
 * Share of a categorical column's values that its max_categories most
 * frequent labels cover.  A low share (under 3/4) marks an identifier or
 * free text, not a category.  Labels too long to be categories never count.
 */
static double
label_coverage(FitColumn *fc, int max_categories)
{
	int64	   *counts;
	HASH_SEQ_STATUS seq;
	LabelEntry *e;
	int			n = 0;
	int64		top = 0;

	if (fc->nlabels <= max_categories && !fc->long_labels)
		return 1;
	counts = palloc_extended(sizeof(int64) * Max(fc->nlabels, 1), MCXT_ALLOC_HUGE);
	hash_seq_init(&seq, fc->labels);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (strlen(e->label) <= AE_MAX_LABEL)
			counts[n++] = e->count;
	qsort(counts, n, sizeof(int64), compare_count_desc);
	for (int k = 0; k < Min(n, max_categories); k++)
		top += counts[k];
	pfree(counts);
	return (double) top / fc->observed;
}

/* Fill a categorical column's vocabulary from its label counts; returns the id -> class map. */
static int *
build_vocabulary(FitColumn *fc, AeColumn *col, int max_categories)
{
	LabelEntry **sorted = palloc(sizeof(LabelEntry *) * Max(fc->nlabels, 1));
	int		   *id_to_class = palloc(sizeof(int) * Max(fc->nlabels, 1));
	HASH_SEQ_STATUS seq;
	LabelEntry *e;
	int			i = 0;

	hash_seq_init(&seq, fc->labels);
	while ((e = hash_seq_search(&seq)) != NULL)
		sorted[i++] = e;
	qsort(sorted, fc->nlabels, sizeof(LabelEntry *), compare_frequency);
	col->ncat = 0;
	while (col->ncat < Min(fc->nlabels, max_categories) &&
		   strlen(sorted[col->ncat]->label) <= AE_MAX_LABEL)
		col->ncat++;
	col->cats = palloc(sizeof(char *) * Max(col->ncat, 1));
	for (i = 0; i < fc->nlabels; i++)
	{
		if (i < col->ncat)
			col->cats[i] = sorted[i]->label;
		id_to_class[sorted[i]->id] = Min(i, col->ncat);
	}
	return id_to_class;
}

/* Sample skewness of the non-missing values of one column (stride apart). */
static double
skewness(const double *x, int n, int stride, double *mean_out, double *sd_out)
{
	double		s = 0,
				m2 = 0,
				m3 = 0,
				mean,
				sd;
	int			k = 0;

	for (int i = 0; i < n; i++)
		if (!isnan(x[(size_t) i * stride]))
		{
			s += x[(size_t) i * stride];
			k++;
		}
	mean = k ? s / k : 0;
	for (int i = 0; i < n; i++)
	{
		double		v = x[(size_t) i * stride];

		if (isnan(v))
			continue;
		m2 += (v - mean) * (v - mean);
		m3 += (v - mean) * (v - mean) * (v - mean);
	}
	sd = k ? sqrt(m2 / k) : 0;
	*mean_out = mean;
	*sd_out = sd;
	return sd > 0 ? (m3 / k) / (sd * sd * sd) : 0;
}

/* Entropy in nats of a distribution given by counts. */
static double
entropy(const int64 *counts, int k)
{
	int64		total = 0;
	double		h = 0;

	for (int i = 0; i < k; i++)
		total += counts[i];
	for (int i = 0; i < k; i++)
		if (counts[i] > 0)
			h -= (double) counts[i] / total * log((double) counts[i] / total);
	return h;
}

/*
 * Fill a column's encoding from its raw values (NaN = missing; categorical
 * cells hold class indexes).  Numeric values are transformed in place.
 */
static void
measure_column(AeColumn *col, double *raw, int n, int stride)
{
	double		lo = INFINITY,
				hi = -INFINITY,
				mean,
				sd;
	int			width = col->kind == AE_COL_CATEGORICAL ? col->ncat + 1 : 2;
	int64	   *counts = palloc0(sizeof(int64) * width);

	for (int i = 0; i < n; i++)
	{
		double		v = raw[(size_t) i * stride];

		if (isnan(v))
			continue;
		lo = Min(lo, v);
		hi = Max(hi, v);
		if (col->kind != AE_COL_NUMERIC)
			counts[(int) v]++;
	}
	col->lo = (float) lo;
	col->hi = (float) hi;
	col->center = 0;
	col->scale = 1;
	col->transform = AE_TF_NONE;
	col->weight = 1;
	if (col->kind != AE_COL_NUMERIC)
	{
		col->weight = (float) (1 / Max(entropy(counts, width), MIN_BASELINE_LOSS));
		return;
	}

	/*
	 * A long right tail is taken in by log1p, kept only if it makes the
	 * column less skewed; a column that also has negative values (refunds
	 * among payments) by log1p of the magnitude, the sign kept, so that its
	 * negative values stay apart from its small positive ones instead of
	 * merging with them on the scale of the tail.
	 */
	if (skewness(raw, n, stride, &mean, &sd) > 2)
	{
		int			tf = lo >= 0 ? AE_TF_LOG1P : AE_TF_SIGNED_LOG1P;

		for (int i = 0; i < n; i++)
			raw[(size_t) i * stride] = ae_signed_log1p(raw[(size_t) i * stride]);
		if (fabs(skewness(raw, n, stride, &mean, &sd)) < 2)
			col->transform = tf;
		else
			for (int i = 0; i < n; i++)
				raw[(size_t) i * stride] = ae_signed_expm1(raw[(size_t) i * stride]);
	}
	skewness(raw, n, stride, &mean, &sd);
	if (!isfinite((float) mean) || !isfinite((float) sd) || !isfinite(col->lo) || !isfinite(col->hi))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("column \"%s\" has values too large to model", col->name),
				 errhint("Values must stay within about ±1e38; scale the column in a view, or exclude it.")));
	col->center = (float) mean;
	col->scale = (float) (sd > 1e-12 * Max(1.0, fabs(mean)) ? sd : 1.0);
}

/* Smallest power of two >= x, within [lo, hi]. */
static int
pow2_clamp(double x, int lo, int hi)
{
	int			p = lo;

	while (p < x && p < hi)
		p *= 2;
	return p;
}

/*
 * Resolve every unset option from the shape of the data: width is the
 * number of value inputs (missing-value indicators not counted), ncols the
 * model's columns, n_train the number of training rows.
 */
static void
resolve_defaults(AeFitConfig *cfg, int width, int ncols, int n_train)
{
	AeOptions  *o = &cfg->opt;
	int			steps_per_epoch;

	if (o->activation < 0)
		o->activation = 2;		/* tanh */
	if (!cfg->hidden_set && o->kind == AE_KIND_TRANSFORMER)
		o->nhidden = 0;			/* its size is depth, heads and width */
	else if (!cfg->hidden_set)
	{
		o->nhidden = 1;
		o->hidden[0] = o->kind == AE_KIND_LSTM ? AE_DEFAULT_LSTM_UNITS : Min(Max(2 * width, 16), 256);
		if (o->kind == AE_KIND_CONV)
		{
			/* two stages of 3 x 3 filters, stride 2 */
			o->nhidden = 2;
			o->hidden[0] = 16;
			o->hidden[1] = 32;
		}
	}

	if (o->latent < 0)
		o->latent = Min(Max((width + 3) / 4, 2), 32);
	if (o->batch_size < 0)
	{
		o->batch_size = pow2_clamp(n_train / 64.0, 32, 256);
		/* a transformer's rows hold a token per column: AE_TF_BATCH_TOKENS at most */
		if (o->kind == AE_KIND_TRANSFORMER)
			o->batch_size = Min(o->batch_size, Max(AE_TF_BATCH_TOKENS / ncols, 8));
	}
	steps_per_epoch = (n_train + o->batch_size - 1) / o->batch_size;
	if (o->epochs < 0)
	{
		/* an LSTM step costs a sequence's length in dense steps: fewer of them */
		int			steps = o->kind == AE_KIND_LSTM ? AE_LSTM_STEPS : 3000;

		o->epochs = Min(Max((steps + steps_per_epoch - 1) / steps_per_epoch,
							o->kind == AE_KIND_LSTM ? 3 : 10), 300);
	}
	if (isnan(o->learning_rate))
		o->learning_rate = 2e-3;
	if (isnan(o->disc_learning_rate))
		o->disc_learning_rate = o->kind == AE_KIND_AAE ? o->learning_rate : 0;
	if (isnan(o->weight_decay))
		o->weight_decay = 0;
	if (isnan(o->grad_clip))
		o->grad_clip = 5;
	/* the distance score wherever the latent is narrow enough (see ae_model_fit_distance) */
	if (o->score < 0)
		o->score = o->latent <= AE_DISTANCE_MAX_LATENT ? AE_SCORE_DISTANCE : AE_SCORE_RECONSTRUCTION;
	else if (o->score == AE_SCORE_DISTANCE && o->latent > AE_DISTANCE_MAX_LATENT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score \"distance\" needs a latent of at most %d units, not %d",
						AE_DISTANCE_MAX_LATENT, o->latent),
				 errhint("Use a narrower latent, or score \"reconstruction\".")));
}

/* A cvae's condition must be a modelled column, and not the only one. */
static void
check_condition(List *kept, int ncols, const char *condition, Oid typid)
{
	ListCell   *lc;

	foreach(lc, kept)
		if (strcmp(((FitColumn *) lfirst(lc))->name, condition) == 0)
		{
			if (((FitColumn *) lfirst(lc))->ndim > 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("condition column \"%s\" is an array", condition),
						 errhint("Condition on a column of its own: a number, boolean, text or enum.")));
			if (ncols < 2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a cvae needs columns to model besides its condition \"%s\"",
								condition),
						 errhint("Train on more columns.")));
			return;
		}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("condition column \"%s\" is not among the modelled columns of %s",
					condition, format_type_be(typid)),
			 errhint("Name an existing column of a supported type, with values, and do not exclude it.")));
}

/*
 * The lstm kind models one sequence, a 1-D array column; every other
 * modelled column is a condition, given at every step and not modelled.
 */
static void
check_sequence(List *kept)
{
	FitColumn  *seq = NULL;
	int			steps = 0;
	ListCell   *lc;

	foreach(lc, kept)
	{
		FitColumn  *fc = lfirst(lc);

		if (fc->ndim == 0)
			continue;
		if (fc->ndim != 1 || (seq && fc->attno != seq->attno))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kind lstm models one sequence column; \"%s\" is %s",
							fc->name, fc->ndim != 1 ? "not a 1-D array" : "a second one"),
					 errhint("Name one array column and the columns to condition on, as in columns => ARRAY['readings', 'hour'].")));
		seq = seq ? seq : fc;
		steps++;
	}
	if (seq == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind lstm needs a sequence column, a 1-D array"),
				 errhint("Name it with the columns option, as in columns => ARRAY['readings'].")));
	if (steps != seq->nelems)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind lstm needs a value at every step of \"%s\"; some steps have none",
						seq->name),
				 errhint("Train on rows whose sequences reach every step.")));
}

/*
 * The conv kind models one image: every modelled column an element of one
 * array, a 1-D signal, a 2-D image or a 3-D one with channels first, or of
 * an array of any shape read in the shape option's.
 */
static void
check_image(List *kept, const AeOptions *o)
{
	FitColumn  *first = linitial(kept);
	const char *array = NULL;
	ListCell   *lc;

	foreach(lc, kept)
		if (((FitColumn *) lfirst(lc))->ndim >= 1)
		{
			array = ((FitColumn *) lfirst(lc))->name;
			break;
		}
	foreach(lc, kept)
	{
		FitColumn  *fc = lfirst(lc);

		if (fc->ndim < 1 || fc->attno != first->attno)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kind conv models one array column, a signal or an image; \"%s\" is %s",
							fc->name, fc->ndim == 0 ? "not an array" : "a second one"),
					 array ? errhint("Name the array column alone: columns => ARRAY['%s'].", array)
					 : errhint("Give a signal as a 1-D array, an image as an array of rows, [rows][columns], or with channels first, [channels][rows][columns].")));
	}
	if (list_length(kept) != first->nelems)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind conv needs a value at every pixel of \"%s\"; some pixels have none",
						first->name),
				 errhint("Train on rows whose images have values everywhere.")));
	if (o->shape_ndim > 0)
	{
		int64		n = 1;

		for (int d = 0; d < o->shape_ndim; d++)
			n *= o->shape[d];
		if (n != first->nelems)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("shape %s has %lld pixels, array column \"%s\" %d elements",
							ae_shape_text(o->shape_ndim, o->shape), (long long) n, first->name,
							first->nelems),
					 errhint("Give a shape whose sides multiply to the array's length.")));
	}
}

/*
 * A sequence's steps (lstm) or an image's pixels (conv) share one
 * encoding, since one set of weights reads them all: measured over every
 * element's values at once.
 */
static void
measure_sequence(AeColumn *shared, const double *raw, int n, int nread, List *kept)
{
	int			T = 0;
	double	   *all = palloc(sizeof(double) * n * list_length(kept));
	ListCell   *lc;

	memset(shared, 0, sizeof(*shared));
	foreach(lc, kept)
	{
		FitColumn  *fc = lfirst(lc);

		if (fc->ndim == 0)
			continue;			/* an lstm's condition */
		for (int i = 0; i < n; i++)
			all[(size_t) T * n + i] = raw[(size_t) i * nread + fc->src];
		strlcpy(shared->name, fc->name, AE_NAME_MAX);
		T++;
	}
	shared->kind = AE_COL_NUMERIC;
	measure_column(shared, all, n * T, 1);
	pfree(all);
}

/* Each kind's own options: its defaults, and zero for options of other kinds; its latent activation. */
static void
resolve_kind_defaults(AeOptions *o)
{
	int			k = o->kind;

	if (isnan(o->noise))
		o->noise = k == AE_KIND_DENOISING ? AE_DEFAULT_NOISE : 0;
	if (isnan(o->sparsity))
		o->sparsity = k == AE_KIND_SPARSE ? AE_DEFAULT_SPARSITY : 0;
	if (isnan(o->sparsity_target))
		o->sparsity_target = k == AE_KIND_SPARSE ? AE_DEFAULT_SPARSITY_TARGET : 0;
	if (isnan(o->contractive))
		o->contractive = k == AE_KIND_CONTRACTIVE ? AE_DEFAULT_CONTRACTIVE : 0;
	if (isnan(o->beta))
		o->beta = AE_KIND_IS_VARIATIONAL(k) ? AE_DEFAULT_BETA : 0;
	if (isnan(o->adversarial))
		o->adversarial = k == AE_KIND_AAE ? AE_DEFAULT_ADVERSARIAL : 0;
	if (o->ndisc < 0)
	{
		o->ndisc = k == AE_KIND_AAE ? 2 : 0;
		for (int i = 0; i < o->ndisc; i++)
			o->disc[i] = AE_DEFAULT_DISC_WIDTH;
	}
	if (k == AE_KIND_TRANSFORMER)
	{
		o->depth = o->depth > 0 ? o->depth : AE_DEFAULT_TF_DEPTH;
		o->heads = o->heads > 0 ? o->heads : AE_DEFAULT_TF_HEADS;
		if (o->width <= 0)
			o->width = AE_DEFAULT_TF_WIDTH % o->heads == 0 ? AE_DEFAULT_TF_WIDTH : 8 * o->heads;
	}
	if (o->score < 0 && AE_KIND_IS_VARIATIONAL(k))
		o->score = AE_SCORE_ELBO;
	o->latent_activation = ae_kind_latent_activation(k);
}

/*
 * Error when rows × columns cells are more than training holds: each cell
 * takes 8 bytes while the sample is measured, then 5 once it is encoded.
 */
static void
check_cells(int64 rows, int ncols)
{
	if ((double) rows * ncols > AE_MAX_TRAIN_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ae_fit sample of %lld rows and %d columns exceeds %lld values",
						(long long) rows, ncols, (long long) AE_MAX_TRAIN_CELLS),
				 errhint("Lower the max_rows option, or train on fewer columns.")));
}

/* An array of rows × cols elements of size bytes, beyond 1 GB if need be. */
static void *
huge_alloc(Size size, int64 rows, int cols)
{
	return palloc_extended(size * (Size) Max(rows, 1) * (Size) Max(cols, 1), MCXT_ALLOC_HUGE);
}

/*
 * After a layout failed: the error for a transformer whose row would need
 * more scratch than scoring may take (the layout's bound).
 */
static void
check_scratch(AeModel *model)
{
	if (model->opt.kind == AE_KIND_TRANSFORMER && ae_tf_row_floats(model) > AE_TF_MAX_ROW_FLOATS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a transformer of depth %d, %d heads and width %d over %d columns would need %zu MB of scratch per row, more than %zu MB",
						model->opt.depth, model->opt.heads, model->opt.width, model->ncols,
						ae_tf_row_floats(model) * sizeof(ae_real) >> 20,
						AE_TF_MAX_ROW_FLOATS * sizeof(ae_real) >> 20),
				 errhint("Choose a smaller depth, fewer heads or a narrower width, or model fewer columns.")));
}

/*
 * Train, reporting progress, with the activity text put back however the
 * training ends (a cancel or an error longjmps through here).
 */
static AeStatus
train_reported(AeModel *model, const AeDataset *train, const AeDataset *val, AeRng *rng,
			   const AeAlloc *alloc, AeReporter *reporter)
{
	volatile AeStatus st = AE_OK;

	PG_TRY();
	{
		st = ae_model_train(model, train, val, rng, alloc, ae_report_tick, reporter,
							&reporter->progress);
	}
	PG_CATCH();
	{
		ae_report_restore(reporter);
		PG_RE_THROW();
	}
	PG_END_TRY();
	ae_report_restore(reporter);
	return st;
}

/*
 * Read the sample into raw: (nkept, ncols) numbers, NaN where missing,
 * categorical cells as label ids, to measure the columns by.  Rows with no
 * value are dropped; the sample index of each row kept goes into rows:
 * (nkept).  Returns the number of rows kept.
 */
static int
read_sample(AeSample *sample, TupleDesc td, List *chosen, double *raw, int *rows, bool ragged)
{
	int			ncols = list_length(chosen);
	Datum	   *values = palloc(sizeof(Datum) * Max(td->natts, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(td->natts, 1));
	int			n = 0;
	int			last = 0;
	ListCell   *lc;
	/* a row's arrays, taken apart: freed row by row */
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "ae fit row",
												 ALLOCSET_SMALL_SIZES);

	/* rows are deformed as far as the last chosen attribute */
	foreach(lc, chosen)
		last = Max(last, ((FitColumn *) lfirst(lc))->attno);
	for (uint32 i = 0; i < sample->nkept; i++)
	{
		double	   *r = raw + (size_t) n * ncols;
		int			observed = 0;
		Datum	   *elems = NULL;
		bool	   *enulls = NULL;
		int			offset = 0;

		ae_deform_prefix(sample->rows[i]->t_data, td, last + 1, values, isnull);
		foreach(lc, chosen)
		{
			FitColumn  *fc = lfirst(lc);
			int			c = foreach_current_index(lc);

			/* an array's elements follow each other: take it apart at the first */
			if (fc->ndim > 0 && fc->elem == 0)
			{
				MemoryContext old = MemoryContextSwitchTo(rowcxt);

				elems = NULL;
				offset = 0;
				if (!isnull[fc->attno])
					offset = deconstruct_checked(fc, values[fc->attno], &elems, &enulls, ragged);
				MemoryContextSwitchTo(old);
			}
			if (fc->ndim > 0)
				r[c] = elems == NULL || fc->elem < offset || enulls[fc->elem - offset] ? NAN
					: ae_datum_to_double(elems[fc->elem - offset], fc->sqltype);
			else if (isnull[fc->attno])
				r[c] = NAN;
			else if (fc->kind == AE_COL_CATEGORICAL)
				r[c] = label_id(fc, values[fc->attno]);
			else
				r[c] = ae_datum_to_double(values[fc->attno], fc->sqltype);
			observed += !isnan(r[c]);
		}
		if (observed > 0)
		{
			/* count per column only for rows that are kept */
			foreach(lc, chosen)
				((FitColumn *) lfirst(lc))->observed += !isnan(r[foreach_current_index(lc)]);
			rows[n++] = (int) i;
		}
		MemoryContextReset(rowcxt);
		if (i % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(rowcxt);
	return n;
}

/* Train on a sample; see fit.h. */
bytea *
ae_fit_sample(AeSample *sample)
{
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "ae fit",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = MemoryContextSwitchTo(work);
	TimestampTz start = GetCurrentTimestamp();
	AeAlloc		alloc = ae_pg_alloc(work);
	AeFitConfig cfg;
	TupleDesc	td;
	List	   *chosen;
	List	   *kept = NIL;
	int			nread,
				ncols,
				n;
	double	   *raw;
	int		   *rows;
	AeModel    *model;
	AeRowMap	map;
	AeDataset	train,
				val;
	ae_real    *t;
	uint8	   *m;
	int		   *order;
	AeRng		rng;
	ListCell   *lc;
	long		secs;
	int			usecs;
	bytea	   *result;
	size_t		size;
	StringInfoData empty,
				distinct;
	AeColumn	shared;			/* the lstm kind: its sequence's encoding */
	AeReporter	reporter;
	AeStatus	st;

	ae_options_parse(sample->options, &cfg);
	if (isnan(cfg.opt.val_share))
		cfg.opt.val_share = AE_DEFAULT_VAL_SHARE;
	if (isnan(cfg.opt.mask))
		cfg.opt.mask = cfg.opt.kind == AE_KIND_TRANSFORMER ? AE_DEFAULT_TF_MASK : AE_DEFAULT_MASK;
	if (cfg.max_categories < 0)
		cfg.max_categories = AE_DEFAULT_MAX_CATEGORIES;
	if (cfg.opt.max_rows < 0)
		cfg.opt.max_rows = sample->max_rows;
	resolve_kind_defaults(&cfg.opt);

	td = sample->desc;
	chosen = choose_columns(td, sample->typid, &cfg, sample);
	nread = list_length(chosen);
	check_cells(sample->nkept, nread);
	raw = huge_alloc(sizeof(double), sample->nkept, nread);
	rows = huge_alloc(sizeof(int), sample->nkept, 1);
	n = read_sample(sample, td, chosen, raw, rows, cfg.opt.kind == AE_KIND_LSTM);
	if (n == 0)
	{
		/* like avg() of no values: NULL, so one empty group spares the others */
		ereport(NOTICE,
				(errmsg("no rows with values to train on; ae_fit returns NULL"),
				 errhint("The relation or query is empty, or every modelled column is NULL.")));
		MemoryContextSwitchTo(caller);
		MemoryContextDelete(work);
		return NULL;
	}

	/* columns without a single value, or with mostly distinct labels, are skipped */
	initStringInfo(&empty);
	initStringInfo(&distinct);
	foreach(lc, chosen)
	{
		FitColumn  *fc = lfirst(lc);

		fc->src = foreach_current_index(lc);
		if (fc->observed == 0)
			appendStringInfo(&empty, "%s%s", empty.len ? ", " : "", fit_label(fc));
		else if (fc->kind == AE_COL_CATEGORICAL && !ae_name_in(cfg.columns, fc->name) &&
				 !(cfg.condition && strcmp(cfg.condition, fc->name) == 0) &&
				 label_coverage(fc, cfg.max_categories) < 0.75)
			appendStringInfo(&distinct, "%s%s", distinct.len ? ", " : "", quote_identifier(fc->name));
		else
			kept = lappend(kept, fc);
	}
	if (empty.len)
		ereport(NOTICE,
				(errmsg("skipping columns with no values: %s", empty.data)));
	if (distinct.len)
		ereport(NOTICE,
				(errmsg("skipping columns with too many distinct values to be categories: %s",
						distinct.data),
				 errhint("Name such a column in the columns option to model its most frequent values anyway, or raise max_categories.")));
	if (kept == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no usable columns to train on in %s", format_type_be(sample->typid)),
				 errhint("Every candidate column was skipped; name columns with the columns option.")));
	ncols = list_length(kept);
	if (cfg.condition)
		check_condition(kept, ncols, cfg.condition, sample->typid);
	if (cfg.opt.kind == AE_KIND_LSTM)
		check_sequence(kept);
	if (cfg.opt.kind == AE_KIND_CONV)
		check_image(kept, &cfg.opt);

	if (cfg.opt.kind == AE_KIND_TRANSFORMER && ncols > AE_TF_MAX_TOKENS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kind \"transformer\" takes at most %d columns, not %d",
						AE_TF_MAX_TOKENS, ncols),
				 errhint("Each column (each element of an array) is a token; choose fewer with the columns or exclude options.")));

	/* per-column encodings, measured on the raw cells */
	model = palloc0(sizeof(AeModel));
	model->ncols = ncols;
	model->cols = palloc0(sizeof(AeColumn) * ncols);
	if (cfg.opt.kind == AE_KIND_LSTM || cfg.opt.kind == AE_KIND_CONV)
		measure_sequence(&shared, raw, n, nread, kept);
	foreach(lc, kept)
	{
		FitColumn  *fc = lfirst(lc);
		int			c = foreach_current_index(lc);
		AeColumn   *col = &model->cols[c];

		strlcpy(col->name, fc->name, AE_NAME_MAX);
		col->sqltype = fc->sqltype;
		col->kind = fc->kind;
		col->ndim = fc->ndim;
		memcpy(col->dims, fc->dims, sizeof(col->dims));
		col->elem = fc->elem;
		if ((cfg.opt.kind == AE_KIND_LSTM || cfg.opt.kind == AE_KIND_CONV) && fc->ndim > 0)
		{
			col->lo = shared.lo;
			col->hi = shared.hi;
			col->center = shared.center;
			col->scale = shared.scale;
			col->transform = shared.transform;
			col->weight = shared.weight;
		}
		else
		{
			double	   *cell = palloc(sizeof(double) * n);

			for (int i = 0; i < n; i++)
				cell[i] = raw[(size_t) i * nread + fc->src];
			if (fc->kind == AE_COL_CATEGORICAL)
			{
				int		   *id_to_class = build_vocabulary(fc, col, cfg.max_categories);

				for (int i = 0; i < n; i++)
					if (!isnan(cell[i]))
						cell[i] = id_to_class[(int) cell[i]];
				pfree(id_to_class);
			}
			measure_column(col, cell, n, 1);
			pfree(cell);
		}
		if (cfg.condition && strcmp(cfg.condition, fc->name) == 0)
			col->flags |= AE_COLFLAG_CONDITION;		/* given, never hidden */
		else if (cfg.opt.kind == AE_KIND_LSTM && fc->ndim == 0)
			/* an lstm's condition: given, never hidden; an indicator if it has NULLs */
			col->flags |= AE_COLFLAG_CONDITION | (fc->observed < n ? AE_COLFLAG_INDICATOR : 0);
		else if (fc->observed < n || cfg.opt.mask > 0)
			col->flags |= AE_COLFLAG_INDICATOR;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(raw);

	/* shuffle once, then hold out the validation share */
	ae_rng_seed(&rng, cfg.opt.seed);
	order = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
		order[i] = i;
	ae_rng_shuffle(&rng, order, n);
	val.n = (int) floor(n * cfg.opt.val_share);
	train.n = n - val.n;

	/*
	 * The rows in network units, in shuffled order, encoded by the row map
	 * that scoring encodes with: a training row and a scored row become the
	 * same numbers.
	 */
	model->opt = cfg.opt;
	ae_rowmap_build_desc(&map, model, td);
	t = huge_alloc(sizeof(ae_real), n, ncols);
	m = huge_alloc(sizeof(uint8), n, ncols);
	for (int i = 0; i < n; i++)
	{
		ae_rowmap_encode(&map, model, sample->rows[rows[order[i]]]->t_data,
						 t + (size_t) i * ncols, m + (size_t) i * ncols);
		if (i % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(map.rowcxt);
	pfree(rows);
	train.t = t;
	train.m = m;
	val.t = t + (size_t) train.n * ncols;
	val.m = m + (size_t) train.n * ncols;

	/* architecture from the data, then train */
	model->opt = cfg.opt;
	/* an LSTM's units, a convolution stage's filters */
	model->opt.nhidden = model->opt.kind == AE_KIND_LSTM || model->opt.kind == AE_KIND_CONV ? 1 : 0;
	model->opt.hidden[0] = 1;
	model->opt.latent = 1;		/* provisional: this layout only measures the outputs */
	model->opt.activation = 0;
	if (model->opt.score < 0)
		model->opt.score = AE_SCORE_RECONSTRUCTION;
	if ((st = ae_model_layout(model)) != AE_OK)
		check_scratch(model);
	ae_check_status(st, "laying out the model");
	resolve_defaults(&cfg, model->n_out, model->ncols, train.n);
	model->opt = cfg.opt;
	/* every option is in range by now: a layout that fails is one too large */
	if (ae_model_layout(model) != AE_OK)
	{
		check_scratch(model);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the model would have more than %d parameters", 1 << 27),
				 errhint("Use narrower hidden or latent layers, or fewer categories (max_categories).")));
	}
	ae_check_status(ae_model_alloc_params(model, &alloc), "allocating the model");
	ae_report_begin(&reporter, model, ae_progress_name(sample->typid),
					cfg.progress >= 0 ? cfg.progress : ae_progress_notices);
	ae_check_status(train_reported(model, &train, &val, &rng, &alloc, &reporter), "training");
	ae_report_done(&reporter);
	model->metrics.rows_seen = sample->nseen;
	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	model->metrics.seconds = secs + usecs / 1e6;

	size = ae_model_size(model);
	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("trained model exceeds 1 GB"),
				 errhint("Use smaller hidden or latent layers, or a lower max_categories.")));
	MemoryContextSwitchTo(caller);
	result = palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	ae_model_write(model, (uint8_t *) VARDATA(result));
	MemoryContextDelete(work);
	return result;
}
