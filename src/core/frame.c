/*
 * frame.c — writing and checking the ae_fit sample's serialized frame.
 */
#include "core/frame.h"

#include <string.h>

static const uint8_t frame_magic[4] = {'A', 'E', 'S', 'T'};

/* Little-endian store of nbytes of v. */
static void
store(uint8_t *out, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		out[i] = (uint8_t) (v >> (8 * i));
}

/* Little-endian load of nbytes. */
static uint64_t
load(const uint8_t *in, int nbytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < nbytes; i++)
		v |= (uint64_t) in[i] << (8 * i);
	return v;
}

/* Write the header. */
void
ae_frame_write_header(uint8_t *out, const AeFrameHeader *h)
{
	memcpy(out, frame_magic, 4);
	store(out + 4, AE_FRAME_VERSION, 2);
	store(out + 6, 0, 2);
	store(out + 8, h->typid, 4);
	store(out + 12, (uint32_t) h->typmod, 4);
	store(out + 16, (uint64_t) h->nseen, 8);
	store(out + 24, (uint64_t) h->max_rows, 8);
	for (int i = 0; i < 4; i++)
		store(out + 32 + 8 * i, h->rng[i], 8);
	store(out + 64, h->options_len, 4);
	store(out + 68, h->nrows, 4);
	store(out + 72, h->ncells, 4);
}

/* Write a cell's length prefix. */
void
ae_frame_write_length(uint8_t *out, int32_t len)
{
	store(out, (uint32_t) len, 4);
}

/* Check a frame; see frame.h. */
AeStatus
ae_frame_check(const uint8_t *buf, size_t len, AeFrameHeader *h,
			   const uint8_t **options, AeFrameCursor *cells)
{
	size_t		pos;

	if (len < AE_FRAME_HEADER_SIZE)
		return AE_ESHORT;
	if (memcmp(buf, frame_magic, 4) != 0)
		return AE_EMAGIC;
	if (load(buf + 4, 2) != AE_FRAME_VERSION)
		return AE_EVERSION;
	h->typid = (uint32_t) load(buf + 8, 4);
	h->typmod = (int32_t) (uint32_t) load(buf + 12, 4);
	h->nseen = (int64_t) load(buf + 16, 8);
	h->max_rows = (int64_t) load(buf + 24, 8);
	for (int i = 0; i < 4; i++)
		h->rng[i] = load(buf + 32 + 8 * i, 8);
	h->options_len = (uint32_t) load(buf + 64, 4);
	h->nrows = (uint32_t) load(buf + 68, 4);
	h->ncells = (uint32_t) load(buf + 72, 4);

	/* an all-zero state would make the generator return zeros forever */
	if (load(buf + 6, 2) != 0 || h->typmod < -1 ||
		h->max_rows < 1 || h->max_rows > AE_FRAME_MAX_ROWS ||
		h->nseen < 0 || (int64_t) h->nrows > h->max_rows || (int64_t) h->nrows > h->nseen ||
		h->ncells < 1 || h->ncells > AE_FRAME_MAX_CELLS ||
		(h->rng[0] | h->rng[1] | h->rng[2] | h->rng[3]) == 0)
		return AE_ECORRUPT;

	pos = AE_FRAME_HEADER_SIZE;
	if (h->options_len > len - pos)
		return AE_ESHORT;
	*options = buf + pos;
	pos += h->options_len;
	cells->buf = buf;
	cells->len = len;
	cells->pos = pos;

	/* every cell inside the buffer, and nothing after the last */
	for (uint64_t i = 0; i < (uint64_t) h->nrows * h->ncells; i++)
	{
		int32_t		n;

		if (len - pos < 4)
			return AE_ESHORT;
		n = (int32_t) (uint32_t) load(buf + pos, 4);
		pos += 4;
		if (n < -1)
			return AE_ECORRUPT;
		if (n > 0 && (size_t) n > len - pos)
			return AE_ESHORT;
		if (n > 0)
			pos += (size_t) n;
	}
	return pos == len ? AE_OK : AE_ECORRUPT;
}

/* The next cell of a checked frame. */
void
ae_frame_next_cell(AeFrameCursor *c, const uint8_t **data, int32_t *len)
{
	*len = (int32_t) (uint32_t) load(c->buf + c->pos, 4);
	c->pos += 4;
	*data = c->buf + c->pos;
	if (*len > 0)
		c->pos += (size_t) *len;
}
