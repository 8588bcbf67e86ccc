/*
 * reservoir.h — the transition state of the ae_fit aggregate: a bounded,
 * uniformly random sample of the rows fed to it (reservoir sampling), held
 * in one flat bytea so that it is a real type that Citus and PostgreSQL's
 * parallel aggregation can ship between processes.
 *
 * Layout (all offsets from the start of the varlena, MAXALIGNed):
 *
 *   AeReservoir header | options jsonb bytes | slots: uint32[slot_cap] | row images
 *
 * A row image is the composite Datum as passed to the aggregate (a
 * HeapTupleHeader with its own length).  A replaced row leaves garbage
 * behind; when the data area is full the state is rebuilt compactly at a
 * larger size.  VARSIZE is the allocated capacity, not the bytes in use.
 */
#ifndef AE_TRAIN_RESERVOIR_H
#define AE_TRAIN_RESERVOIR_H

#include "postgres.h"

#include "access/htup.h"
#include "core/rng.h"
#include "utils/jsonb.h"

#define AE_RESERVOIR_MAGIC 0x53464541	/* "AEFS" */

typedef struct AeReservoir
{
	int32		vl_len_;		/* varlena header: allocated size */
	uint32		magic;
	Oid			typid;			/* row type of every stored row */
	int32		typmod;
	int64		nseen;			/* rows offered so far */
	int64		max_rows;		/* reservoir capacity in rows */
	AeRng		rng;			/* drives replacement and merging */
	uint32		options_off;	/* jsonb options, copied from the first call */
	uint32		options_len;
	uint32		slots_off;		/* uint32 offsets of the kept rows */
	uint32		slot_cap;
	uint32		nkept;
	uint32		data_off;		/* first byte of the row images */
	uint32		data_end;		/* next free byte */
	uint32		garbage;		/* bytes of replaced row images */
} AeReservoir;

/* The offsets of the kept rows. */
static inline uint32 *
ae_reservoir_slots(AeReservoir *r)
{
	return (uint32 *) ((char *) r + r->slots_off);
}

/* Row image number i (0 <= i < nkept). */
static inline HeapTupleHeader
ae_reservoir_row(AeReservoir *r, uint32 i)
{
	return (HeapTupleHeader) ((char *) r + ae_reservoir_slots(r)[i]);
}

/* The stored options (NULL when none were given). */
Jsonb	   *ae_reservoir_options(AeReservoir *r);

/* A new empty state in the current memory context. */
AeReservoir *ae_reservoir_create(Oid typid, int32 typmod, int64 max_rows,
								 uint64 seed, Jsonb *options);

/*
 * Offer one row.  Returns r itself when the row fitted in place, or a new,
 * larger state (allocated in the current memory context) when it did not;
 * r is never freed here, the aggregate machinery does that.
 */
AeReservoir *ae_reservoir_add(AeReservoir *r, HeapTupleHeader row);

/* Merge two states into a new one: a uniform sample of the union of their inputs. */
AeReservoir *ae_reservoir_merge(AeReservoir *a, AeReservoir *b);

/* Validate a state received as a Datum (alignment fixed up, header checked). */
AeReservoir *ae_reservoir_from_datum(Datum d);

#endif							/* AE_TRAIN_RESERVOIR_H */
