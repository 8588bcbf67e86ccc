/*
 * test_frame.c — unit tests of the ae_fit sample frame (core/frame.h):
 * a written frame checks and reads back cell for cell, and every kind of
 * damage — truncation, lengths past the end, bytes after the last cell,
 * counts out of range, an all-zero generator state — is refused.
 *
 * With --write-seed DIR, writes valid frames for the fuzzer to start from.
 */
#include "core/frame.h"
#include "unit.h"

#include <string.h>

#define MAX_FRAME 4096

/* A frame of nrows rows of ncells cells: cell (r, c) holds r + c bytes, or NULL when (r + c) % 3 == 0. */
static size_t
build(uint8_t *buf, uint32_t nrows, uint32_t ncells, const char *options)
{
	AeFrameHeader h = {0};
	size_t		pos = AE_FRAME_HEADER_SIZE;

	h.typid = 16384;
	h.typmod = -1;
	h.nseen = 1000;
	h.max_rows = 100;
	h.rng[0] = 1;
	h.rng[3] = 0xdeadbeef;
	h.options_len = (uint32_t) strlen(options);
	h.nrows = nrows;
	h.ncells = ncells;
	ae_frame_write_header(buf, &h);
	memcpy(buf + pos, options, h.options_len);
	pos += h.options_len;
	for (uint32_t r = 0; r < nrows; r++)
		for (uint32_t c = 0; c < ncells; c++)
		{
			int32_t		len = (r + c) % 3 == 0 ? -1 : (int32_t) (r + c);

			ae_frame_write_length(buf + pos, len);
			pos += 4;
			for (int32_t i = 0; i < len; i++)
				buf[pos++] = (uint8_t) (r * 16 + c);
		}
	return pos;
}

/* A frame written here checks, and its cells read back in order. */
static void
test_round_trip(void)
{
	uint8_t		buf[MAX_FRAME];
	size_t		len = build(buf, 5, 3, "{\"epochs\": 2}");
	AeFrameHeader h;
	const uint8_t *opt;
	AeFrameCursor cur;

	CHECK(ae_frame_check(buf, len, &h, &opt, &cur) == AE_OK, "a written frame checks");
	CHECK(h.nrows == 5 && h.ncells == 3 && h.nseen == 1000 && h.max_rows == 100 &&
		  h.typmod == -1 && h.rng[3] == 0xdeadbeef, "the header reads back");
	CHECK(h.options_len == 13 && memcmp(opt, "{\"epochs\": 2}", 13) == 0, "the options read back");
	for (uint32_t r = 0; r < 5; r++)
		for (uint32_t c = 0; c < 3; c++)
		{
			const uint8_t *data;
			int32_t		n;

			ae_frame_next_cell(&cur, &data, &n);
			CHECK(n == ((r + c) % 3 == 0 ? -1 : (int32_t) (r + c)), "cell (%u, %u) length %d", r, c, n);
			CHECK(n <= 0 || data[0] == (uint8_t) (r * 16 + c), "cell (%u, %u) bytes", r, c);
		}
	CHECK(cur.pos == len, "the cells end where the frame does");
	len = build(buf, 0, 1, "");
	CHECK(ae_frame_check(buf, len, &h, &opt, &cur) == AE_OK && h.nrows == 0, "an empty sample checks");
}

/* Every truncation of a valid frame is refused. */
static void
test_truncated(void)
{
	uint8_t		buf[MAX_FRAME];
	size_t		len = build(buf, 4, 2, "{}");
	AeFrameHeader h;
	const uint8_t *opt;
	AeFrameCursor cur;
	int			refused = 0;

	for (size_t n = 0; n < len; n++)
		refused += ae_frame_check(buf, n, &h, &opt, &cur) != AE_OK;
	CHECK(refused == (int) len, "%d of %zu truncations refused", refused, len);
}

/* Damaged fields are refused with the right status. */
static void
test_damaged(void)
{
	uint8_t		buf[MAX_FRAME];
	size_t		len = build(buf, 3, 2, "{}");
	uint8_t		bad[MAX_FRAME];
	AeFrameHeader h;
	const uint8_t *opt;
	AeFrameCursor cur;
	struct
	{
		size_t		off;
		uint8_t		value;
		AeStatus	expect;
		const char *what;
	}			cases[] = {
		{0, 'X', AE_EMAGIC, "magic"},
		{4, 2, AE_EVERSION, "version"},
		{6, 1, AE_ECORRUPT, "reserved bytes"},
		{12, 0xfe, AE_ECORRUPT, "typmod below -1"},
		{23, 0x80, AE_ECORRUPT, "negative nseen"},
		{31, 0x80, AE_ECORRUPT, "negative max_rows"},
		{27, 0x01, AE_ECORRUPT, "max_rows past the limit"},
		{68, 200, AE_ECORRUPT, "more rows than max_rows"},
		{72, 0, AE_ECORRUPT, "no cells"},
		{73, 0x10, AE_ECORRUPT, "more cells than attributes"},
		{64, 0xff, AE_ESHORT, "options past the end"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		memcpy(bad, buf, len);
		bad[cases[i].off] = cases[i].value;
		CHECK(ae_frame_check(bad, len, &h, &opt, &cur) == cases[i].expect, "%s refused", cases[i].what);
	}

	/* an all-zero generator state would return zeros forever */
	memcpy(bad, buf, len);
	memset(bad + 32, 0, 32);
	CHECK(ae_frame_check(bad, len, &h, &opt, &cur) == AE_ECORRUPT, "an all-zero generator refused");

	/* more rows than were ever offered */
	memcpy(bad, buf, len);
	memset(bad + 16, 0, 8);
	CHECK(ae_frame_check(bad, len, &h, &opt, &cur) == AE_ECORRUPT, "nrows above nseen refused");

	/* a cell length past the end, a length below -1, a byte after the last cell */
	memcpy(bad, buf, len);
	ae_frame_write_length(bad + AE_FRAME_HEADER_SIZE + 2, 1 << 30);
	CHECK(ae_frame_check(bad, len, &h, &opt, &cur) == AE_ESHORT, "a cell past the end refused");
	memcpy(bad, buf, len);
	ae_frame_write_length(bad + AE_FRAME_HEADER_SIZE + 2, -2);
	CHECK(ae_frame_check(bad, len, &h, &opt, &cur) == AE_ECORRUPT, "a length below -1 refused");
	memcpy(bad, buf, len);
	bad[len] = 0;
	CHECK(ae_frame_check(bad, len + 1, &h, &opt, &cur) == AE_ECORRUPT, "a trailing byte refused");
}

static const UnitTest tests[] = {
	{"round trip", test_round_trip},
	{"truncated", test_truncated},
	{"damaged", test_damaged},
};

/* Write a few valid frames into dir for the fuzzer. */
static int
write_seeds(const char *dir)
{
	uint8_t		buf[MAX_FRAME];
	const uint32_t shapes[][2] = {{0, 1}, {3, 2}, {7, 5}};

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
	{
		char		path[1024];
		size_t		len = build(buf, shapes[i][0], shapes[i][1], i ? "{\"max_rows\": 100}" : "");
		FILE	   *f;

		snprintf(path, sizeof(path), "%s/frame-%zu", dir, i);
		if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		{
			perror(path);
			return 1;
		}
	}
	return 0;
}

/* Run the frame tests, or write the fuzzer's seeds with --write-seed DIR. */
int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-seed") == 0)
		return write_seeds(argv[2]);
	return unit_main(tests, UNIT_NTESTS(tests));
}
