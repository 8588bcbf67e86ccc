/*
 * fit.c — from a sample of rows to a trained, serialized model.
 *
 * Column choice: the `columns` option names them in order; otherwise every
 * column of a supported type except those in `exclude` and the source
 * table's primary-key, identity and serial columns.  Columns of other types
 * are skipped with a NOTICE.  Numeric columns that are non-negative and
 * heavily right-skewed (amounts, counts) get a log1p transform; all numeric
 * columns are then standardised with the sample's mean and deviation.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "core/format.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "rows/columns.h"
#include "rows/pgcore.h"
#include "train/fit.h"
#include "train/options.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* A column chosen for training. */
typedef struct FitColumn
{
	int			attno;			/* 0-based in the row type */
	AeSqlType	sqltype;
	const char *name;
} FitColumn;

/* Is name in a list of C strings? */
static bool
name_in(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

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

/* Choose the columns to model; see the file comment. */
static List *
choose_columns(TupleDesc td, Oid typid, AeFitConfig *cfg)
{
	List	   *chosen = NIL;
	ListCell   *lc;

	foreach(lc, cfg->exclude)
		if (find_attr(td, lfirst(lc)) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" in exclude does not exist in %s",
							(char *) lfirst(lc), format_type_be(typid)),
					 errhint("Check the spelling; column names are case-sensitive.")));

	if (cfg->columns != NIL)
	{
		foreach(lc, cfg->columns)
		{
			const char *name = lfirst(lc);
			int			a = find_attr(td, name);
			FitColumn  *fc;

			if (a < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" does not exist in %s", name, format_type_be(typid)),
						 errhint("Check the spelling; column names are case-sensitive.")));
			if (name_in(cfg->exclude, name))
				continue;
			if (ae_sqltype_of(TupleDescAttr(td, a)->atttypid) == AE_SQL_UNSUPPORTED)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("column \"%s\" has unsupported type %s", name,
								format_type_be(TupleDescAttr(td, a)->atttypid)),
						 errhint("Supported types are integers, real, double precision, numeric and boolean; cast the column in a view.")));
			fc = palloc(sizeof(FitColumn));
			fc->attno = a;
			fc->sqltype = ae_sqltype_of(TupleDescAttr(td, a)->atttypid);
			fc->name = name;
			chosen = lappend(chosen, fc);
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
			FitColumn  *fc;

			if (att->attisdropped || name_in(cfg->exclude, NameStr(att->attname)) ||
				bms_is_member(a, keys))
				continue;
			if (ae_sqltype_of(att->atttypid) == AE_SQL_UNSUPPORTED)
			{
				appendStringInfo(&skipped, "%s%s (%s)", skipped.len ? ", " : "",
								 quote_identifier(NameStr(att->attname)),
								 format_type_be(att->atttypid));
				continue;
			}
			fc = palloc(sizeof(FitColumn));
			fc->attno = a;
			fc->sqltype = ae_sqltype_of(att->atttypid);
			fc->name = pstrdup(NameStr(att->attname));
			chosen = lappend(chosen, fc);
		}
		if (skipped.len)
			ereport(NOTICE,
					(errmsg("skipping columns of unsupported types: %s", skipped.data)));
	}
	if (chosen == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no usable columns to train on in %s", format_type_be(typid)),
				 errhint("Supported types are integers, real, double precision, numeric and boolean; name columns with the columns option or cast them in a view.")));
	return chosen;
}

/* Sample skewness of n values (0 when the deviation is 0). */
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

/* Fill an AeColumn's encoding from the raw values of its column (NaN = missing). */
static void
measure_column(AeColumn *col, double *raw, int n, int stride)
{
	double		lo = INFINITY,
				hi = -INFINITY,
				mean,
				sd;
	int			missing = 0;

	for (int i = 0; i < n; i++)
	{
		double		v = raw[(size_t) i * stride];

		if (isnan(v))
		{
			missing++;
			continue;
		}
		lo = Min(lo, v);
		hi = Max(hi, v);
	}
	col->lo = (float) lo;
	col->hi = (float) hi;
	col->weight = 1;
	col->flags = missing > 0 ? AE_COLFLAG_INDICATOR : 0;
	col->center = 0;
	col->scale = 1;
	col->transform = AE_TF_NONE;
	if (col->kind != AE_COL_NUMERIC)
		return;

	if (lo >= 0 && skewness(raw, n, stride, &mean, &sd) > 2)
	{
		double		skew_log;

		/* log1p in place, kept only if it makes the column less skewed */
		for (int i = 0; i < n; i++)
			raw[(size_t) i * stride] = log1p(raw[(size_t) i * stride]);
		skew_log = skewness(raw, n, stride, &mean, &sd);
		if (fabs(skew_log) < 2)
			col->transform = AE_TF_LOG1P;
		else
			for (int i = 0; i < n; i++)
				raw[(size_t) i * stride] = expm1(raw[(size_t) i * stride]);
	}
	skewness(raw, n, stride, &mean, &sd);
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

/* Resolve every unset option from the shape of the data. */
static void
resolve_defaults(AeFitConfig *cfg, int n_in, int n_train)
{
	AeOptions  *o = &cfg->opt;
	int			steps_per_epoch;

	if (o->activation < 0)
		o->activation = 2;		/* tanh */
	if (!cfg->hidden_set)
	{
		o->nhidden = 1;
		o->hidden[0] = Min(Max(2 * n_in, 16), 256);
	}
	if (o->latent < 0)
		o->latent = Min(Max((n_in + 3) / 4, 2), 32);
	if (o->batch_size < 0)
		o->batch_size = pow2_clamp(n_train / 64.0, 32, 256);
	steps_per_epoch = (n_train + o->batch_size - 1) / o->batch_size;
	if (o->epochs < 0)
		o->epochs = Min(Max((3000 + steps_per_epoch - 1) / steps_per_epoch, 10), 300);
	if (isnan(o->learning_rate))
		o->learning_rate = 2e-3;
	if (isnan(o->weight_decay))
		o->weight_decay = 0;
	if (isnan(o->grad_clip))
		o->grad_clip = 5;
}

/* Progress callback of the training loop: honour cancel and statement_timeout. */
static void
fit_tick(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* Train on a sample; see fit.h. */
bytea *
ae_fit_sample(AeReservoir *sample)
{
	MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "ae fit",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = MemoryContextSwitchTo(work);
	TimestampTz start = GetCurrentTimestamp();
	AeAlloc		alloc = ae_pg_alloc(work);
	AeFitConfig cfg;
	TupleDesc	td;
	List	   *chosen;
	int			ncols,
				n = 0;
	double	   *raw;
	Datum	   *values;
	bool	   *isnull;
	AeModel    *model;
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

	ae_options_parse(ae_reservoir_options(sample), &cfg);
	td = lookup_rowtype_tupdesc_copy(sample->typid, sample->typmod);
	chosen = choose_columns(td, sample->typid, &cfg);
	ncols = list_length(chosen);

	/* raw values (nkept, ncols), NaN where missing; rows with no value dropped */
	raw = palloc(sizeof(double) * (Size) Max(sample->nkept, 1) * ncols);
	values = palloc(sizeof(Datum) * td->natts);
	isnull = palloc(sizeof(bool) * td->natts);
	for (uint32 i = 0; i < sample->nkept; i++)
	{
		HeapTupleHeader row = ae_reservoir_row(sample, i);
		HeapTupleData tuple;
		double	   *r = raw + (size_t) n * ncols;
		int			c = 0,
					observed = 0;

		tuple.t_len = HeapTupleHeaderGetDatumLength(row);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = row;
		heap_deform_tuple(&tuple, td, values, isnull);
		foreach(lc, chosen)
		{
			FitColumn  *fc = lfirst(lc);

			r[c] = isnull[fc->attno] ? NAN : ae_datum_to_double(values[fc->attno], fc->sqltype);
			observed += !isnan(r[c]);
			c++;
		}
		if (observed > 0)
			n++;
		if (i % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no rows with values to train on"),
				 errhint("The relation or query is empty, or every modelled column is NULL.")));

	/* per-column encodings */
	model = palloc0(sizeof(AeModel));
	model->ncols = ncols;
	model->cols = palloc0(sizeof(AeColumn) * ncols);
	foreach(lc, chosen)
	{
		FitColumn  *fc = lfirst(lc);
		AeColumn   *col = &model->cols[foreach_current_index(lc)];

		strlcpy(col->name, fc->name, AE_NAME_MAX);
		col->sqltype = fc->sqltype;
		col->kind = ae_sqltype_kind(fc->sqltype);
		measure_column(col, raw + foreach_current_index(lc), n, ncols);
	}

	/* encoded values and masks (raw already holds transformed values) */
	t = palloc(sizeof(ae_real) * (size_t) n * ncols);
	m = palloc(sizeof(uint8) * (size_t) n * ncols);
	for (size_t i = 0; i < (size_t) n * ncols; i++)
	{
		const AeColumn *col = &model->cols[i % ncols];

		m[i] = !isnan(raw[i]);
		t[i] = !m[i] ? 0 : (ae_real) (col->kind == AE_COL_NUMERIC
									   ? (raw[i] - col->center) / col->scale : raw[i]);
	}

	/* shuffle once, then hold out the validation share */
	if (isnan(cfg.opt.val_share))
		cfg.opt.val_share = AE_DEFAULT_VAL_SHARE;
	if (cfg.opt.max_rows < 0)
		cfg.opt.max_rows = sample->max_rows;
	ae_rng_seed(&rng, cfg.opt.seed);
	order = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
		order[i] = i;
	ae_rng_shuffle(&rng, order, n);
	val.n = (int) floor(n * cfg.opt.val_share);
	train.n = n - val.n;
	{
		ae_real    *ts = palloc(sizeof(ae_real) * (size_t) n * ncols);
		uint8	   *ms = palloc(sizeof(uint8) * (size_t) n * ncols);

		for (int i = 0; i < n; i++)
		{
			memcpy(ts + (size_t) i * ncols, t + (size_t) order[i] * ncols, sizeof(ae_real) * ncols);
			memcpy(ms + (size_t) i * ncols, m + (size_t) order[i] * ncols, ncols);
		}
		train.t = ts;
		train.m = ms;
		val.t = ts + (size_t) train.n * ncols;
		val.m = ms + (size_t) train.n * ncols;
	}

	/* architecture from the data, then train */
	model->opt = cfg.opt;
	model->opt.nhidden = 0;
	model->opt.latent = 1;		/* provisional: this layout only measures n_in */
	model->opt.activation = 0;
	ae_check_status(ae_model_layout(model), "laying out the model");
	resolve_defaults(&cfg, model->n_in, train.n);
	model->opt = cfg.opt;
	ae_check_status(ae_model_layout(model), "laying out the model");
	ae_check_status(ae_model_alloc_params(model, &alloc), "allocating the model");
	ae_check_status(ae_model_train(model, &train, &val, &rng, &alloc, fit_tick, NULL),
					"training");
	model->metrics.rows_seen = sample->nseen;
	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	model->metrics.seconds = secs + usecs / 1e6;

	size = ae_model_size(model);
	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("trained model exceeds 1 GB"),
				 errhint("Use smaller hidden or latent layers.")));
	MemoryContextSwitchTo(caller);
	result = palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	ae_model_write(model, (uint8_t *) VARDATA(result));
	MemoryContextDelete(work);
	return result;
}
