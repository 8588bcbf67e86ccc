/*
 * frame.h — the serialized form of the ae_fit aggregate's sample, as it
 * travels from a parallel worker to the leader.  Written and checked here,
 * without PostgreSQL, so that a fuzzer can drive the reader; the rows layer
 * turns each cell into a value with its type's receive function.
 *
 *   0   4  magic "AEST"
 *   4   2  frame version
 *   6   2  zero
 *   8   4  row type oid
 *  12   4  row type modifier
 *  16   8  rows offered to the sample (nseen)
 *  24   8  capacity of the sample in rows (max_rows)
 *  32  32  random generator state (four 64-bit words, not all zero)
 *  64   4  bytes of the options text (JSON; 0: no options)
 *  68   4  rows in the sample
 *  72   4  cells per row (the attributes a model can use)
 *  76      options text, then each row's cells: a signed 32-bit length
 *          (-1: NULL) and that many bytes of the type's binary form
 *
 * Every number is little-endian.  The reader accepts a frame only when every
 * length stays inside it and the cells end exactly where the frame does.
 */
#ifndef AE_FRAME_H
#define AE_FRAME_H

#include "core/core.h"

#define AE_FRAME_VERSION 1
#define AE_FRAME_HEADER_SIZE 76
#define AE_FRAME_MAX_ROWS 10000000	/* the max_rows option's upper bound */
#define AE_FRAME_MAX_CELLS 1600		/* PostgreSQL's MaxHeapAttributeNumber */

typedef struct AeFrameHeader
{
	uint32_t	typid;
	int32_t		typmod;
	int64_t		nseen;
	int64_t		max_rows;
	uint64_t	rng[4];
	uint32_t	options_len;
	uint32_t	nrows;
	uint32_t	ncells;
} AeFrameHeader;

/* A position in a checked frame's cells. */
typedef struct AeFrameCursor
{
	const uint8_t *buf;
	size_t		len;
	size_t		pos;
} AeFrameCursor;

/* Write the header's AE_FRAME_HEADER_SIZE bytes into out. */
void		ae_frame_write_header(uint8_t *out, const AeFrameHeader *h);

/* Write a cell's 4-byte length prefix (-1 for NULL) into out. */
void		ae_frame_write_length(uint8_t *out, int32_t len);

/*
 * Check a whole frame: header fields in range, every cell inside the
 * buffer, nothing after the last cell.  On success fills *h, points
 * *options at the options text and sets *cells to a cursor on the first cell.
 */
AeStatus	ae_frame_check(const uint8_t *buf, size_t len, AeFrameHeader *h,
						   const uint8_t **options, AeFrameCursor *cells);

/* The next cell of a checked frame: *len is -1 for NULL. */
void		ae_frame_next_cell(AeFrameCursor *c, const uint8_t **data, int32_t *len);

#endif							/* AE_FRAME_H */
