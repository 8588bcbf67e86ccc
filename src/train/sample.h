/*
 * sample.h — the transition state of the ae_fit aggregate: a bounded,
 * uniformly random sample of the rows fed to it (reservoir sampling).
 *
 * The state is `internal`: it lives in the aggregate's memory context and
 * no SQL caller can hand one in.  Between parallel workers and the leader it
 * travels as a frame (core/frame.h) whose every cell is read back with its
 * type's receive function, so what the leader trains on is always made of
 * valid values of the row type.
 *
 * Only the attributes a model can use are kept (supported types, not
 * excluded, among `columns` when given); the others are stored as NULL, so
 * a jsonb or long free-text column does not fill the sample.  A text value
 * longer than AE_MAX_LABEL bytes is never a category: it is kept cut to a
 * little over that length, enough to stay "too long".
 */
#ifndef AE_TRAIN_SAMPLE_H
#define AE_TRAIN_SAMPLE_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "core/rng.h"
#include "fmgr.h"
#include "utils/jsonb.h"

/* Bytes of row data a sample may hold. */
#define AE_SAMPLE_MAX_BYTES ((Size) 1 << 30)

/* What the sample does with one attribute of the row type. */
typedef struct AeSampleAttr
{
	uint8		keep;			/* SAMPLE_SKIP, SAMPLE_VALUE or SAMPLE_LABEL */
	Oid			base;			/* the type, domains resolved */
	int32		base_typmod;
	bool		io_ready;		/* io and ioparam are set */
	FmgrInfo	io;				/* the base type's send or receive function */
	Oid			ioparam;
} AeSampleAttr;

#define SAMPLE_SKIP 0			/* not usable by a model: stored as NULL */
#define SAMPLE_VALUE 1			/* kept as it is */
#define SAMPLE_LABEL 2			/* text: kept, cut when longer than AE_MAX_LABEL */

typedef struct AeSample
{
	MemoryContext cxt;			/* holds the sample, its rows and its scratch */
	Oid			typid;			/* row type of every row (RECORD with a typmod, or a composite) */
	int32		typmod;
	TupleDesc	desc;
	AeSampleAttr *attrs;		/* (natts) */
	int			nkeep;			/* attributes kept */
	int			deform_natts;	/* attributes up to the last kept one: a row is read that far */
	Jsonb	   *options;		/* as given with the first row; NULL when none */
	int64		nseen;			/* rows offered so far */
	int64		max_rows;		/* capacity in rows */
	AeRng		rng;			/* drives replacement and merging */
	HeapTuple  *rows;			/* (cap) the kept rows */
	uint32		nkept;
	uint32		cap;
	Size		bytes;			/* bytes of the kept rows */
	Datum	   *values;			/* (natts) scratch for one row */
	bool	   *isnull;
	bool		io_send;		/* attrs' io functions are send (else receive) functions */
} AeSample;

/* A new empty sample for rows of one type, in a context under parent. */
AeSample   *ae_sample_create(MemoryContext parent, Oid typid, int32 typmod, Jsonb *options);

/* Offer one row of the sample's type (Algorithm R). */
void		ae_sample_add(AeSample *s, HeapTupleHeader row);

/* A copy of a sample under parent. */
AeSample   *ae_sample_copy(MemoryContext parent, AeSample *s);

/* A new sample, under parent, uniform over the union of the inputs of a and b. */
AeSample   *ae_sample_merge(MemoryContext parent, AeSample *a, AeSample *b);

/* Error unless b's row type and options are a's. */
void		ae_sample_check_compatible(const AeSample *a, const AeSample *b);

/* Are two option values (NULL: none) the same? */
bool		ae_sample_same_options(Jsonb *a, Jsonb *b);

/* The sample as a frame bytea. */
bytea	   *ae_sample_serialize(AeSample *s);

/* A sample from a frame bytea, under parent; errors on anything invalid. */
AeSample   *ae_sample_deserialize(MemoryContext parent, bytea *frame);

/* Release the sample and everything it holds. */
void		ae_sample_free(AeSample *s);

#endif							/* AE_TRAIN_SAMPLE_H */
