/*
 * fuzz_frame.c — libFuzzer target for the ae_fit sample frame reader.
 *
 * Arbitrary bytes go to ae_frame_check.  When it accepts them, every cell
 * the cursor hands out must lie inside the input, the cells must end
 * exactly at its end, and writing the header and cells again must give the
 * input back byte for byte; the sanitizers report any read out of bounds.
 *
 * Built and run by `make fuzz-smoke` and `make fuzz`, seeded with the
 * frames `test/unit/test_frame --write-seed DIR` writes.
 */
#include "core/frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Abort with a message: libFuzzer records the input as a crash. */
static void
fail(const char *msg)
{
	fprintf(stderr, "fuzz_frame: %s\n", msg);
	abort();
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	AeFrameHeader h;
	const uint8_t *options;
	AeFrameCursor cur;
	uint8_t    *copy;
	size_t		pos;

	if (ae_frame_check(data, size, &h, &options, &cur) != AE_OK)
		return 0;
	if ((copy = malloc(size)) == NULL)
		abort();
	ae_frame_write_header(copy, &h);
	memcpy(copy + AE_FRAME_HEADER_SIZE, options, h.options_len);
	pos = AE_FRAME_HEADER_SIZE + h.options_len;
	for (uint64_t i = 0; i < (uint64_t) h.nrows * h.ncells; i++)
	{
		const uint8_t *cell;
		int32_t		n;

		ae_frame_next_cell(&cur, &cell, &n);
		if (n < -1 || cell < data || cell + (n > 0 ? n : 0) > data + size)
			fail("a cell lies outside the frame");
		ae_frame_write_length(copy + pos, n);
		pos += 4;
		if (n > 0)
		{
			memcpy(copy + pos, cell, (size_t) n);
			pos += (size_t) n;
		}
	}
	if (cur.pos != size || pos != size)
		fail("the cells do not end where the frame does");
	if (memcmp(copy, data, size) != 0)
		fail("an accepted frame does not write back to its input");
	free(copy);
	return 0;
}
