/*
 * reservoir.c — reservoir sampling of row images in a flat bytea.
 *
 * Algorithm R: the first max_rows rows are kept; row number n (1-based)
 * after that replaces a uniformly chosen kept row with probability
 * max_rows / n.  Two reservoirs merge into a uniform sample of the union by
 * drawing each kept row from one side with probability proportional to the
 * rows that side has seen and not yet given.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "train/reservoir.h"
#include "utils/memutils.h"

#define INITIAL_SLOTS 1024
#define INITIAL_DATA (64 * 1024)

/* Bytes a row image takes in the data area. */
static inline uint32
row_size(HeapTupleHeader row)
{
	return MAXALIGN(HeapTupleHeaderGetDatumLength(row));
}

/* Allocate an empty state with room for slot_cap rows and data_cap bytes of images. */
static AeReservoir *
allocate(const AeReservoir *proto, Jsonb *options, uint32 slot_cap, Size data_cap)
{
	Size		header = MAXALIGN(sizeof(AeReservoir));
	uint32		options_len = options ? VARSIZE(options) : 0;
	Size		slots_off = MAXALIGN(header + options_len);
	Size		data_off = MAXALIGN(slots_off + sizeof(uint32) * (Size) slot_cap);
	Size		total = data_off + data_cap;
	AeReservoir *r;

	if (total > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ae_fit sample exceeds 1 GB"),
				 errhint("Lower the max_rows option, or train on fewer or narrower columns.")));
	r = palloc0(total);
	SET_VARSIZE(r, total);
	r->magic = AE_RESERVOIR_MAGIC;
	r->typid = proto->typid;
	r->typmod = proto->typmod;
	r->nseen = proto->nseen;
	r->max_rows = proto->max_rows;
	r->rng = proto->rng;
	r->options_off = header;
	r->options_len = options_len;
	if (options)
		memcpy((char *) r + header, options, options_len);
	r->slots_off = slots_off;
	r->slot_cap = slot_cap;
	r->nkept = 0;
	r->data_off = data_off;
	r->data_end = data_off;
	r->garbage = 0;
	return r;
}

/* Append a row image to a state with room for it; returns its offset. */
static uint32
append_image(AeReservoir *r, HeapTupleHeader row)
{
	uint32		off = r->data_end;

	memcpy((char *) r + off, row, HeapTupleHeaderGetDatumLength(row));
	r->data_end += row_size(row);
	return off;
}

/* A compact copy of r with room for slot_cap rows and extra more bytes. */
static AeReservoir *
rebuild(AeReservoir *r, uint32 slot_cap, Size extra)
{
	Size		live = r->data_end - r->data_off - r->garbage;
	Size		cap = Max((Size) INITIAL_DATA, 2 * (live + extra));
	AeReservoir *n;

	if (cap > MaxAllocSize / 2)
		cap = live + extra;
	n = allocate(r, ae_reservoir_options(r), slot_cap, cap);
	for (uint32 i = 0; i < r->nkept; i++)
		ae_reservoir_slots(n)[i] = append_image(n, ae_reservoir_row(r, i));
	n->nkept = r->nkept;
	return n;
}

/* The stored options. */
Jsonb *
ae_reservoir_options(AeReservoir *r)
{
	return r->options_len ? (Jsonb *) ((char *) r + r->options_off) : NULL;
}

/* A new empty state. */
AeReservoir *
ae_reservoir_create(Oid typid, int32 typmod, int64 max_rows, uint64 seed, Jsonb *options)
{
	AeReservoir proto;

	memset(&proto, 0, sizeof(proto));
	proto.typid = typid;
	proto.typmod = typmod;
	proto.max_rows = max_rows;
	ae_rng_seed(&proto.rng, seed);
	return allocate(&proto, options, (uint32) Min(max_rows, INITIAL_SLOTS), INITIAL_DATA);
}

/* Offer one row (Algorithm R). */
AeReservoir *
ae_reservoir_add(AeReservoir *r, HeapTupleHeader row)
{
	uint32		need = row_size(row);
	uint32		slot;
	uint32		old_size = 0;
	bool		append;

	r->nseen++;
	append = r->nkept < r->max_rows;
	if (append)
		slot = r->nkept;
	else
	{
		uint64		j = ae_rng_below(&r->rng, (uint64) r->nseen);

		if (j >= (uint64) r->max_rows)
			return r;
		slot = (uint32) j;
		old_size = row_size(ae_reservoir_row(r, slot));
	}

	if ((append && r->nkept == r->slot_cap) ||
		(Size) r->data_end + need > VARSIZE(r))
	{
		uint32		slot_cap = r->slot_cap;

		if (append && r->nkept == slot_cap)
			slot_cap = (uint32) Min((int64) slot_cap * 2, r->max_rows);
		r = rebuild(r, slot_cap, need);
	}
	ae_reservoir_slots(r)[slot] = append_image(r, row);
	if (append)
		r->nkept++;
	else
		r->garbage += old_size;
	return r;
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

/* Merge two reservoirs into a uniform sample of the union of their inputs. */
AeReservoir *
ae_reservoir_merge(AeReservoir *a, AeReservoir *b)
{
	AeReservoir proto = *a;
	int64		pop_a = a->nseen,
				pop_b = b->nseen;
	uint32		left_a = a->nkept,
				left_b = b->nkept;
	uint32	   *idx_a = palloc(sizeof(uint32) * Max(left_a, 1));
	uint32	   *idx_b = palloc(sizeof(uint32) * Max(left_b, 1));
	int64		k = Min(a->max_rows, (int64) a->nkept + b->nkept);
	Size		bytes = (a->data_end - a->data_off) + (b->data_end - b->data_off);
	AeReservoir *n;

	if (a->typid != b->typid || a->typmod != b->typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cannot merge ae_fit states of different row types")));
	for (uint32 i = 0; i < left_a; i++)
		idx_a[i] = i;
	for (uint32 i = 0; i < left_b; i++)
		idx_b[i] = i;

	proto.nseen = a->nseen + b->nseen;
	n = allocate(&proto, ae_reservoir_options(a), (uint32) Max(k, 1), Max(bytes, 1));
	for (int64 i = 0; i < k; i++)
	{
		bool		from_a;
		HeapTupleHeader row;

		if (left_a == 0)
			from_a = false;
		else if (left_b == 0)
			from_a = true;
		else
			from_a = ae_rng_uniform(&n->rng) * (double) (pop_a + pop_b) < (double) pop_a;

		if (from_a)
		{
			row = ae_reservoir_row(a, take_random(&n->rng, idx_a, &left_a));
			pop_a = Max(pop_a - 1, 0);
		}
		else
		{
			row = ae_reservoir_row(b, take_random(&n->rng, idx_b, &left_b));
			pop_b = Max(pop_b - 1, 0);
		}
		ae_reservoir_slots(n)[n->nkept++] = append_image(n, row);
	}
	return n;
}

/* Validate a state Datum; copy it when it is not suitably aligned. */
AeReservoir *
ae_reservoir_from_datum(Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM(d);
	AeReservoir *r;
	Size		size = VARSIZE(v);

	if ((uintptr_t) v % MAXIMUM_ALIGNOF != 0)
	{
		struct varlena *copy = palloc(size);

		memcpy(copy, v, size);
		v = copy;
	}
	r = (AeReservoir *) v;
	if (size < sizeof(AeReservoir) || r->magic != AE_RESERVOIR_MAGIC ||
		r->slots_off + (Size) r->slot_cap * sizeof(uint32) > r->data_off ||
		r->nkept > r->slot_cap || r->data_off > r->data_end || r->data_end > size ||
		r->options_off + (Size) r->options_len > r->slots_off)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid ae_fit transition state")));
	for (uint32 i = 0; i < r->nkept; i++)
	{
		uint32		off = ae_reservoir_slots(r)[i];

		if (off < r->data_off || off % MAXIMUM_ALIGNOF != 0 ||
			(Size) off + SizeofHeapTupleHeader > r->data_end ||
			(Size) off + HeapTupleHeaderGetDatumLength(ae_reservoir_row(r, i)) > r->data_end)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid ae_fit transition state")));
	}
	return r;
}
