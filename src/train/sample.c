/*
 * sample.c — reservoir sampling of rows for ae_fit, and the sample's frame.
 *
 * Algorithm R: the first max_rows rows are kept; row number n (1-based)
 * after that replaces a uniformly chosen kept row with probability
 * max_rows / n.  Two samples merge into a uniform sample of the union by
 * drawing each kept row from one side with probability proportional to the
 * rows that side has seen and not yet given.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "core/frame.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "rows/rowmap.h"
#include "rows/types.h"
#include "train/options.h"
#include "train/sample.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#define INITIAL_SLOTS 1024

/* Error for a frame that cannot be a sample this extension wrote. */
static void pg_attribute_noreturn()
bad_frame(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid ae_fit partial sample"),
			 errdetail("%s", detail)));
}

/* Error when the kept rows would pass AE_SAMPLE_MAX_BYTES. */
static void
check_bytes(const AeSample *s)
{
	if (s->bytes > AE_SAMPLE_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ae_fit sample exceeds 1 GB"),
				 errhint("Lower the max_rows option, or train on fewer or narrower columns.")));
}

/* Decide, for each attribute, whether a model can use it. */
static void
choose_attributes(AeSample *s, const AeFitConfig *cfg)
{
	TupleDesc	td = s->desc;

	s->attrs = palloc0(sizeof(AeSampleAttr) * Max(td->natts, 1));
	for (int a = 0; a < td->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(td, a);
		AeSampleAttr *sa = &s->attrs[a];
		AeSqlType	t;

		if (att->attisdropped)
			continue;
		t = ae_sqltype_of(att->atttypid);
		/* an array of numbers: kept whole, its elements are columns */
		if (t == AE_SQL_UNSUPPORTED)
			t = ae_array_elem_sqltype(att->atttypid, NULL);
		if (t == AE_SQL_UNSUPPORTED || ae_name_in(cfg->exclude, NameStr(att->attname)) ||
			(cfg->columns != NIL && !ae_name_in(cfg->columns, NameStr(att->attname))))
			continue;
		sa->base_typmod = att->atttypmod;
		sa->base = getBaseTypeAndTypmod(att->atttypid, &sa->base_typmod);
		sa->keep = (t == AE_SQL_TEXT && att->attlen == -1) ? SAMPLE_LABEL : SAMPLE_VALUE;
		s->nkeep++;
		s->deform_natts = a + 1;
	}
}

/* A new empty sample. */
AeSample *
ae_sample_create(MemoryContext parent, Oid typid, int32 typmod, Jsonb *options)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "ae_fit sample", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	AeSample   *s = palloc0(sizeof(AeSample));
	AeFitConfig cfg;
	TupleDesc	td;

	s->cxt = cxt;
	ae_options_parse(options, &cfg);
	s->typid = typid;
	s->typmod = typmod;
	td = lookup_rowtype_tupdesc(typid, typmod);
	s->desc = CreateTupleDescCopy(td);
	ReleaseTupleDesc(td);
	if (options)
	{
		s->options = palloc(VARSIZE(options));
		memcpy(s->options, options, VARSIZE(options));
	}
	s->max_rows = cfg.opt.max_rows > 0 ? cfg.opt.max_rows : AE_DEFAULT_MAX_ROWS;
	ae_rng_seed(&s->rng, cfg.opt.seed);
	choose_attributes(s, &cfg);
	s->cap = (uint32) Min(s->max_rows, INITIAL_SLOTS);
	s->rows = palloc(sizeof(HeapTuple) * s->cap);
	s->values = palloc(sizeof(Datum) * Max(s->desc->natts, 1));
	s->isnull = palloc(sizeof(bool) * Max(s->desc->natts, 1));
	MemoryContextSwitchTo(old);
	return s;
}

/* Release the sample. */
void
ae_sample_free(AeSample *s)
{
	MemoryContextDelete(s->cxt);
}

/* Room for at least n rows in the slot array. */
static void
reserve_slots(AeSample *s, uint32 n)
{
	if (n <= s->cap)
		return;
	s->cap = (uint32) Min(Max((int64) n, (int64) s->cap * 2), s->max_rows);
	s->rows = repalloc_huge(s->rows, sizeof(HeapTuple) * (Size) s->cap);
}

/*
 * A text value as kept: detoasted, and when longer than AE_MAX_LABEL bytes
 * cut at a character boundary a few bytes past that length.
 */
static Datum
label_value(Datum d)
{
	text	   *t = (text *) pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	int			len = VARSIZE_ANY_EXHDR(t);

	if (len <= AE_MAX_LABEL)
		return PointerGetDatum(t);
	return PointerGetDatum(cstring_to_text_with_len(VARDATA_ANY(t),
													pg_mbcliplen(VARDATA_ANY(t), len,
																 AE_MAX_LABEL + 8)));
}

/* Form the row in s->values/isnull as kept: unusable attributes NULL, labels cut. */
static HeapTuple
form_kept(AeSample *s)
{
	MemoryContext old;
	HeapTuple	tup;

	for (int a = 0; a < s->desc->natts; a++)
	{
		const AeSampleAttr *sa = &s->attrs[a];

		if (sa->keep == SAMPLE_SKIP)
			s->isnull[a] = true;
		else if (!s->isnull[a] && sa->keep == SAMPLE_LABEL)
			s->values[a] = label_value(s->values[a]);
		else if (!s->isnull[a] && TupleDescAttr(s->desc, a)->attlen == -1)
			s->values[a] = PointerGetDatum(pg_detoast_datum_packed((struct varlena *)
																   DatumGetPointer(s->values[a])));
	}
	old = MemoryContextSwitchTo(s->cxt);
	tup = heap_form_tuple(s->desc, s->values, s->isnull);
	MemoryContextSwitchTo(old);
	s->bytes += tup->t_len;
	check_bytes(s);
	return tup;
}

/*
 * Deform a row of the sample's type as far as its last kept attribute (the
 * ones after it are stored as NULL) and form it as kept.
 */
static HeapTuple
keep_row(AeSample *s, HeapTupleHeader row)
{
	ae_deform_prefix(row, s->desc, s->deform_natts, s->values, s->isnull);
	return form_kept(s);
}

/* Offer one row (Algorithm R). */
void
ae_sample_add(AeSample *s, HeapTupleHeader row)
{
	uint64		j;

	s->nseen++;
	if (s->nkept < s->max_rows)
	{
		reserve_slots(s, s->nkept + 1);
		s->rows[s->nkept] = keep_row(s, row);
		s->nkept++;
		return;
	}
	j = ae_rng_below(&s->rng, (uint64) s->nseen);
	if (j >= (uint64) s->max_rows)
		return;
	s->bytes -= s->rows[j]->t_len;
	heap_freetuple(s->rows[j]);
	s->rows[j] = keep_row(s, row);
}

/* Are two option values the same?  A jsonb's binary form is canonical. */
bool
ae_sample_same_options(Jsonb *a, Jsonb *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/* Error unless two samples are of one row type and one set of options. */
void
ae_sample_check_compatible(const AeSample *a, const AeSample *b)
{
	if (a->typid != b->typid || a->typmod != b->typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot merge ae_fit samples of different row types")));
	if (!ae_sample_same_options(a->options, b->options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge ae_fit samples trained with different options")));
}

/* A copy of a kept row in s's context. */
static HeapTuple
copy_row(AeSample *s, HeapTuple row)
{
	MemoryContext old = MemoryContextSwitchTo(s->cxt);
	HeapTuple	tup = heap_copytuple(row);

	MemoryContextSwitchTo(old);
	s->bytes += tup->t_len;
	check_bytes(s);
	return tup;
}

/* A copy of a sample. */
AeSample *
ae_sample_copy(MemoryContext parent, AeSample *s)
{
	AeSample   *n = ae_sample_create(parent, s->typid, s->typmod, s->options);

	n->nseen = s->nseen;
	n->rng = s->rng;
	reserve_slots(n, s->nkept);
	for (uint32 i = 0; i < s->nkept; i++)
		n->rows[n->nkept++] = copy_row(n, s->rows[i]);
	return n;
}

/* Take a random not-yet-taken index from a partial Fisher–Yates array. */
static uint32
take_random(AeRng *rng, uint32 *idx, uint32 *left)
{
	uint32		j = (uint32) ae_rng_below(rng, *left);
	uint32		v = idx[j];

	idx[j] = idx[--(*left)];
	return v;
}

/* Merge two samples into a new one. */
AeSample *
ae_sample_merge(MemoryContext parent, AeSample *a, AeSample *b)
{
	AeSample   *n;
	int64		pop_a = a->nseen,
				pop_b = b->nseen;
	uint32		left_a = a->nkept,
				left_b = b->nkept;
	uint32	   *idx_a = palloc(sizeof(uint32) * Max(left_a, 1));
	uint32	   *idx_b = palloc(sizeof(uint32) * Max(left_b, 1));
	int64		k = Min(a->max_rows, (int64) a->nkept + b->nkept);

	ae_sample_check_compatible(a, b);
	for (uint32 i = 0; i < left_a; i++)
		idx_a[i] = i;
	for (uint32 i = 0; i < left_b; i++)
		idx_b[i] = i;

	n = ae_sample_create(parent, a->typid, a->typmod, a->options);
	n->nseen = a->nseen + b->nseen;
	n->rng = a->rng;
	reserve_slots(n, (uint32) k);
	for (int64 i = 0; i < k; i++)
	{
		bool		from_a;
		HeapTuple	row;

		if (left_a == 0)
			from_a = false;
		else if (left_b == 0)
			from_a = true;
		else
			from_a = ae_rng_uniform(&n->rng) * (double) (pop_a + pop_b) < (double) pop_a;

		if (from_a)
		{
			row = a->rows[take_random(&n->rng, idx_a, &left_a)];
			pop_a = Max(pop_a - 1, 0);
		}
		else
		{
			row = b->rows[take_random(&n->rng, idx_b, &left_b)];
			pop_b = Max(pop_b - 1, 0);
		}
		n->rows[n->nkept++] = copy_row(n, row);
	}
	pfree(idx_a);
	pfree(idx_b);
	return n;
}

/* Look up the kept attributes' send (or receive) functions of their base types. */
static void
prepare_io(AeSample *s, bool send)
{
	for (int a = 0; a < s->desc->natts; a++)
	{
		AeSampleAttr *sa = &s->attrs[a];
		Oid			fn;
		bool		varlena;

		if (sa->keep == SAMPLE_SKIP || (sa->io_ready && s->io_send == send))
			continue;
		if (send)
			getTypeBinaryOutputInfo(sa->base, &fn, &varlena);
		else
			getTypeBinaryInputInfo(sa->base, &fn, &sa->ioparam);
		fmgr_info_cxt(fn, &sa->io, s->cxt);
		sa->io_ready = true;
	}
	s->io_send = send;
}

/* The sample as a frame; see core/frame.h. */
bytea *
ae_sample_serialize(AeSample *s)
{
	MemoryContext row_cxt = AllocSetContextCreate(CurrentMemoryContext, "ae_fit frame row",
												  ALLOCSET_DEFAULT_SIZES);
	char	   *options = s->options ? JsonbToCString(NULL, &s->options->root,
													  VARSIZE(s->options)) : NULL;
	AeFrameHeader h;
	StringInfoData buf;
	uint8		prefix[4];

	h.typid = s->typid;
	h.typmod = s->typmod;
	h.nseen = s->nseen;
	h.max_rows = s->max_rows;
	memcpy(h.rng, s->rng.s, sizeof(h.rng));
	h.options_len = options ? (uint32) strlen(options) : 0;
	h.nrows = s->nkept;
	h.ncells = (uint32) s->nkeep;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ + AE_FRAME_HEADER_SIZE);
	ae_frame_write_header((uint8 *) buf.data + VARHDRSZ, &h);
	if (options)
		appendBinaryStringInfo(&buf, options, h.options_len);
	prepare_io(s, true);
	for (uint32 i = 0; i < s->nkept; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(row_cxt);

		heap_deform_tuple(s->rows[i], s->desc, s->values, s->isnull);
		for (int a = 0; a < s->desc->natts; a++)
		{
			bytea	   *cell = NULL;
			int32		len = -1;

			if (s->attrs[a].keep == SAMPLE_SKIP)
				continue;
			if (!s->isnull[a])
			{
				cell = SendFunctionCall(&s->attrs[a].io, s->values[a]);
				len = VARSIZE(cell) - VARHDRSZ;
			}
			if ((Size) buf.len + 4 + Max(len, 0) >= MaxAllocSize - 1)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("ae_fit sample is too large to pass between parallel workers"),
						 errhint("Lower the max_rows option, or SET max_parallel_workers_per_gather = 0.")));
			/* buf grows in its own context */
			ae_frame_write_length(prefix, len);
			appendBinaryStringInfo(&buf, (char *) prefix, 4);
			if (len > 0)
				appendBinaryStringInfo(&buf, VARDATA(cell), len);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_cxt);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(row_cxt);
	SET_VARSIZE(buf.data, buf.len);
	return (bytea *) buf.data;
}

/* Receive one cell of attribute a into s->values/isnull. */
static void
receive_cell(AeSample *s, int a, const uint8 *data, int32 len, StringInfo cell)
{
	AeSampleAttr *sa = &s->attrs[a];

	if (len < 0)
	{
		s->isnull[a] = true;
		return;
	}
	resetStringInfo(cell);
	appendBinaryStringInfo(cell, (const char *) data, len);
	s->values[a] = ReceiveFunctionCall(&sa->io, cell, sa->ioparam, sa->base_typmod);
	s->isnull[a] = false;
	if (cell->cursor != cell->len)
		bad_frame("a value is longer than its type's binary form");
}

/* A sample from a frame; every cell goes through its type's receive function. */
AeSample *
ae_sample_deserialize(MemoryContext parent, bytea *frame)
{
	const uint8 *buf = (const uint8 *) VARDATA_ANY(frame);
	size_t		len = VARSIZE_ANY_EXHDR(frame);
	MemoryContext row_cxt;
	AeFrameHeader h;
	const uint8 *options_text;
	AeFrameCursor cur;
	Jsonb	   *options = NULL;
	AeSample   *s;
	StringInfoData cell;

	switch (ae_frame_check(buf, len, &h, &options_text, &cur))
	{
		case AE_OK:
			break;
		case AE_ESHORT:
			bad_frame("The data is truncated.");
		case AE_EMAGIC:
			bad_frame("The data is not an ae_fit sample.");
		case AE_EVERSION:
			bad_frame("The sample's frame version is not supported.");
		default:
			bad_frame("A count or length is out of range.");
	}

	/* a row type this backend knows: a composite type, or a registered record */
	if (h.typid == RECORDOID)
	{
		TupleDesc	td = h.typmod >= 0 ? lookup_rowtype_tupdesc_noerror(RECORDOID, h.typmod, true) : NULL;

		if (td == NULL)
			bad_frame("The row type is not a registered record type.");
		ReleaseTupleDesc(td);
	}
	else if (get_typtype(h.typid) != TYPTYPE_COMPOSITE)
		bad_frame("The row type is not a composite type.");

	if (h.options_len > 0)
	{
		char	   *text = pnstrdup((const char *) options_text, h.options_len);

		if (strlen(text) != h.options_len ||
			!pg_verify_mbstr(GetDatabaseEncoding(), text, (int) h.options_len, true))
			bad_frame("The options are not valid text.");
		options = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	}

	s = ae_sample_create(parent, h.typid, h.typmod, options);
	if ((uint32) s->nkeep != h.ncells || s->max_rows != h.max_rows)
		bad_frame("The sample does not match its row type and options.");
	s->nseen = h.nseen;
	memcpy(s->rng.s, h.rng, sizeof(h.rng));
	reserve_slots(s, h.nrows);
	prepare_io(s, false);
	initStringInfo(&cell);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "ae_fit frame row",
									ALLOCSET_DEFAULT_SIZES);
	for (uint32 i = 0; i < h.nrows; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(row_cxt);

		for (int a = 0; a < s->desc->natts; a++)
		{
			const uint8 *data;
			int32		n;

			if (s->attrs[a].keep == SAMPLE_SKIP)
				continue;
			ae_frame_next_cell(&cur, &data, &n);
			receive_cell(s, a, data, n, &cell);
		}
		s->rows[s->nkept++] = form_kept(s);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_cxt);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(row_cxt);
	return s;
}
