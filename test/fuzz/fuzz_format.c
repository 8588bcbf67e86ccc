/*
 * fuzz_format.c — libFuzzer target for the model reader.
 *
 * Arbitrary bytes go to ae_model_read with a region allocator, once as they
 * are and once with a header and CRC made to match them (by the rule of the
 * header's format version: from version 4 the CRC also covers the
 * header's version, kind and length).  When the reader
 * accepts them, the model must serialize back to exactly the input
 * (same size, same bytes; an older version's model to bytes that read
 * back to the same model), and a forward pass, loss and backward pass over a
 * small batch must stay inside the buffers the layout promises; the
 * sanitizers report any read or write out of bounds.
 *
 * Built and run by `make fuzz` and `make fuzz-smoke`, seeded with the
 * models that `test/unit/test_format --write-seed DIR` writes.
 */
#include "core/format.h"
#include "core/model.h"
#include "../unit/unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ALLOC_LIMIT ((size_t) 256 << 20)	/* bytes one input may allocate */

/* Abort with a message: libFuzzer records the input as a crash. */
static void
fail(const char *msg, size_t a, size_t b)
{
	fprintf(stderr, "fuzz_format: %s (%zu, %zu)\n", msg, a, b);
	abort();
}

/*
 * Run two rows (one fully observed, one fully missing) through the model:
 * inputs, forward, loss with per-row losses, penalty, backward, and a
 * row's score, its percentile when the model has quantiles, and
 * per-column losses.
 */
static void
exercise(const AeModel *model, UnitRegion *reg)
{
	AeWork		w;
	ae_real    *t = ae_alloc(&reg->alloc, sizeof(ae_real) * 2 * model->ncols);
	uint8_t    *m = ae_alloc(&reg->alloc, 2 * (size_t) model->ncols);
	ae_real    *grads = ae_alloc(&reg->alloc, sizeof(ae_real) * model->nparams);
	double	   *col_loss = ae_alloc(&reg->alloc, sizeof(double) * model->ncols);
	double		row_loss[2],
				row_penalty[2];
	const ae_real *out;

	if (!t || !m || !grads || !col_loss || ae_work_init(&w, model, 2, &reg->alloc) != AE_OK)
		return;
	for (int c = 0; c < model->ncols; c++)
	{
		t[c] = model->cols[c].kind == AE_COL_CATEGORICAL ? (ae_real) (c % (model->cols[c].ncat + 1)) : 1;
		m[c] = 1;
	}
	ae_model_inputs(model, t, m, w.x, 2);
	out = ae_model_forward(model, &w, w.x, 2);
	ae_model_loss(model, out, t, m, 2, w.dout, row_loss);
	ae_model_penalty(model, &w, w.x, 2, row_penalty);
	ae_model_backward(model, &w, w.x, w.dout, 2, grads);
	/* the score's percentile, and thresholds over the whole range */
	if (model->score_quantiles)
	{
		double		s = ae_model_score(model, &w, t, m);
		double		p = ae_model_percentile(model, s);

		if (!(p >= 0 && p <= 1) && !isnan(s))
			fail("percentile outside [0, 1]", 0, 0);
		for (int k = 0; k <= 10; k++)
			if (ae_model_percentile(model, ae_model_threshold(model, k / 10.0)) < k / 10.0)
				fail("a threshold's percentile below its probability", (size_t) k, 0);
	}
	else
		ae_model_score(model, &w, t, m);
	ae_model_column_losses(model, ae_model_forward(model, &w, w.x, 1), t, m, col_loss);
}

/*
 * An accepted model written as the current version: the same bytes as
 * its input when that was the current version too; otherwise bytes that
 * read back to a model writing exactly them again.
 */
static void
check_rewrite(const AeModel *model, const uint8_t *data, size_t size)
{
	size_t		n = ae_model_size(model);
	uint8_t    *buf;

	if ((buf = malloc(n)) == NULL)
		abort();
	ae_model_write(model, buf);
	if (data[8] == AE_FORMAT_VERSION)
	{
		if (n != size)
			fail("ae_model_size of an accepted model differs from its input length", n, size);
		if (memcmp(buf, data, n) != 0)
			fail("an accepted model does not serialize back to its input", n, size);
	}
	else
	{
		UnitRegion	reg;
		AeModel		again;
		uint8_t    *buf2;

		unit_region_init(&reg);
		reg.limit = FUZZ_ALLOC_LIMIT;
		if (ae_model_read(buf, n, &again, &reg.alloc) != AE_OK)
			fail("an older version's model, written as the current one, does not read back", n, size);
		if (ae_model_size(&again) != n)
			fail("an older version's model, read back, changes size", ae_model_size(&again), n);
		if ((buf2 = malloc(n)) == NULL)
			abort();
		ae_model_write(&again, buf2);
		if (memcmp(buf, buf2, n) != 0)
			fail("an older version's model, read back, writes other bytes", n, size);
		free(buf2);
		unit_region_free(&reg);
	}
	free(buf);
}

/* Read one buffer; when accepted, write it back and compare, then exercise it. */
static void
read_one(const uint8_t *data, size_t size)
{
	UnitRegion	reg;
	AeModel		model;
	AeStatus	st;

	unit_region_init(&reg);
	reg.limit = FUZZ_ALLOC_LIMIT;
	st = ae_model_read(data, size, &model, &reg.alloc);
	if (st == AE_OK)
	{
		check_rewrite(&model, data, size);
		exercise(&model, &reg);
	}
	else if (st == AE_ENOMEM)
		fail("allocation limit reached", reg.bytes, size);
	unit_region_free(&reg);
}

/*
 * One input, twice: as it is (header and checksum paths), and with magic,
 * length and CRC rewritten to match, so that mutations of the body reach
 * the parser instead of stopping at the checksum.  The rewritten header
 * keeps the input's format version when this build reads it (else takes
 * the current one) and its CRC follows that version's rule.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[8] = {'A', 'E', 'M', 'O', 'D', 'E', 'L', 0};
	uint8_t    *fixed;
	uint32_t	crc;
	int			version;

	read_one(data, size);
	if (size < AE_HEADER_SIZE || (fixed = malloc(size)) == NULL)
		return 0;
	memcpy(fixed, data, size);
	memcpy(fixed, magic, 8);
	version = fixed[8] | fixed[9] << 8;
	if (version < 1 || version > AE_FORMAT_VERSION)
		version = AE_FORMAT_VERSION;
	fixed[8] = (uint8_t) version;
	fixed[9] = 0;
	for (int i = 0; i < 4; i++)
		fixed[12 + i] = (uint8_t) (size >> (8 * i));
	crc = ae_model_crc(fixed, size, version);
	for (int i = 0; i < 4; i++)
		fixed[16 + i] = (uint8_t) (crc >> (8 * i));
	if (!ae_model_crc_ok(fixed, size))
		fail("a header rewritten to match is refused by ae_model_crc_ok", size, (size_t) version);
	read_one(fixed, size);
	free(fixed);
	return 0;
}
