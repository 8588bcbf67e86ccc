/*
 * unit.h — the small harness shared by the unit tests of the numeric core:
 * a CHECK macro that counts passes and failures, a region allocator that
 * implements AeAlloc on top of calloc, and the report printed at the end.
 *
 * Each test binary lists its test functions in a UnitTest array and returns
 * unit_main() from main; the tests call CHECK as often as they like.  The
 * last line of output is always "N passed, N failed", and the exit status
 * is nonzero when anything failed.  The fuzz target uses only the region.
 */
#ifndef AE_UNIT_H
#define AE_UNIT_H

#include "core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int	unit_passed;
static int	unit_failed;

/* Record one check; print its message with file:line when it fails. */
static inline int
unit_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list		ap;

	if (ok)
	{
		unit_passed++;
		return 1;
	}
	unit_failed++;
	fflush(stdout);
	fprintf(stderr, "%s:%d: FAILED: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

/* CHECK(cond, fmt, ...): the message describes what was expected. */
#define CHECK(cond, ...) unit_check((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* ---- region allocator ---- */

typedef struct UnitBlock
{
	struct UnitBlock *next;
	/* the caller's bytes follow, 16-byte aligned */
} UnitBlock;

typedef struct UnitRegion
{
	UnitBlock  *blocks;			/* every block handed out, newest first */
	size_t		nblocks;
	size_t		bytes;			/* bytes requested so far */
	size_t		limit;			/* refuse requests past this many bytes; 0: no limit */
	AeAlloc		alloc;			/* points back at this region */
} UnitRegion;

/* Header size rounded up so the caller's bytes stay suitably aligned. */
#define UNIT_BLOCK_HDR ((sizeof(UnitBlock) + 15) & ~(size_t) 15)

/* AeAlloc callback: one zeroed calloc block per request, linked into the region. */
static inline void *
unit_region_alloc(void *ctx, size_t size)
{
	UnitRegion *r = ctx;
	UnitBlock  *b;

	if (size > (size_t) 1 << 40 || (r->limit && size > r->limit - r->bytes))
		return NULL;
	if ((b = calloc(1, UNIT_BLOCK_HDR + size)) == NULL)
		return NULL;
	b->next = r->blocks;
	r->blocks = b;
	r->nblocks++;
	r->bytes += size;
	return (char *) b + UNIT_BLOCK_HDR;
}

/* Start an empty region; its AeAlloc is &r->alloc. */
static inline void
unit_region_init(UnitRegion *r)
{
	r->blocks = NULL;
	r->nblocks = 0;
	r->bytes = 0;
	r->limit = 0;
	r->alloc.alloc = unit_region_alloc;
	r->alloc.ctx = r;
}

/* Free every block of the region at once; it can be used again afterwards. */
static inline void
unit_region_free(UnitRegion *r)
{
	while (r->blocks)
	{
		UnitBlock  *next = r->blocks->next;

		free(r->blocks);
		r->blocks = next;
	}
	r->nblocks = 0;
	r->bytes = 0;
}

/* ---- runner ---- */

typedef struct UnitTest
{
	const char *name;
	void		(*fn) (void);
} UnitTest;

/* Print the totals on a line of their own; the exit status for main. */
static inline int
unit_report(void)
{
	fflush(stderr);
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	fflush(stdout);
	return unit_failed > 0 ? 1 : 0;
}

/* Run tests[0..n) in order, naming each, then report. */
static inline int
unit_main(const UnitTest *tests, int n)
{
	for (int i = 0; i < n; i++)
	{
		int			failed_before = unit_failed;

		printf("-- %s\n", tests[i].name);
		fflush(stdout);
		tests[i].fn();
		if (unit_failed > failed_before)
			printf("   %d check(s) failed in %s\n", unit_failed - failed_before, tests[i].name);
	}
	return unit_report();
}

/* Number of entries of a UnitTest array. */
#define UNIT_NTESTS(arr) ((int) (sizeof(arr) / sizeof((arr)[0])))

#endif							/* AE_UNIT_H */
