/*
 * test_format.c — the model byte format: exact round trips, the size
 * function, CRC32C test vectors, and a reader that rejects every truncated,
 * flipped or crafted input with a status instead of crashing, each field
 * it checks altered alone, older format versions and the models ae 0.1.0
 * wrote (test/upgrade; run from the top of the tree).  Every input the
 * reader sees lives in a malloc block of exactly its length, so memory
 * checkers notice a read past the end.
 *
 * With --write-seed DIR, writes the valid models built here (mixed,
 * minimal, vae, cvae, sparse, contractive, and the mixed model in versions
 * 4, 3 and 1) into DIR for the fuzzer's seed corpus instead of testing.
 */
#include "core/format.h"
#include "core/dense.h"
#include "core/rng.h"
#include "unit.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static AeRng rng;

/*
 * What the reader may allocate for an input of len bytes: the column array
 * (its count is checked before the bytes behind it) plus a small multiple of
 * len.  Crafted counts must not make it allocate more than the input backs.
 */
#define READ_ALLOC_BOUND(len) (sizeof(AeColumn) * AE_MAX_COLUMNS + 16 * (len) + 4096)

static size_t worst_alloc_excess;	/* largest allocation beyond the bound, 0 if none */

/* ---- models to write ---- */

static char *mixed_colours[] = {"red", "grün", "", "a much longer value, with spaces and, commas"};
static char *mixed_sizes[] = {"S", "M", "L", "XL", "XXL"};

/* Random weights and biases, plus a few awkward floats (-0, subnormal, huge). */
static void
random_params(AeModel *m)
{
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = (ae_real) (2 * ae_rng_uniform(&rng) - 1);
	if (m->nparams >= 3)
	{
		m->params[0] = -0.0f;
		m->params[1] = 1e-40f;	/* subnormal */
		m->params[2] = -3.0e38f;
	}
}

/*
 * A model touching every field: numeric (log1p, indicator), boolean,
 * categorical with UTF-8, empty and long values, categorical with an empty
 * vocabulary, a 63-byte name, two hidden layers, seven epochs of metrics
 * with a NaN validation loss, and score quantiles.
 */
static AeStatus
build_mixed(AeModel *m, const AeAlloc *a)
{
	AeColumn   *cols;
	AeStatus	st;
	const int	E = 7;

	memset(m, 0, sizeof(*m));
	if ((cols = ae_alloc(a, sizeof(AeColumn) * 5)) == NULL)
		return AE_ENOMEM;
	m->opt.kind = AE_KIND_AE;
	m->opt.score = AE_SCORE_RECONSTRUCTION;
	m->opt.activation = AE_ACT_ELU;
	m->opt.nhidden = 2;
	m->opt.hidden[0] = 9;
	m->opt.hidden[1] = 4;
	m->opt.latent = 3;
	m->opt.epochs = 50;
	m->opt.batch_size = 64;
	m->opt.learning_rate = 3e-3;
	m->opt.weight_decay = 1e-4;
	m->opt.grad_clip = 5;
	m->opt.val_share = 0.2;
	m->opt.max_rows = 1000000;
	m->opt.seed = 0xDEADBEEFCAFEBABEULL;
	m->ncols = 5;
	m->cols = cols;

	strcpy(cols[0].name, "amount");
	cols[0].kind = AE_COL_NUMERIC;
	cols[0].sqltype = 7;
	cols[0].transform = AE_TF_LOG1P;
	cols[0].flags = AE_COLFLAG_INDICATOR;
	cols[0].center = 3.25f;
	cols[0].scale = 1.5f;
	cols[0].lo = 0;
	cols[0].hi = 1e6f;
	cols[0].weight = 0.5f;

	strcpy(cols[1].name, "is_active");
	cols[1].kind = AE_COL_BOOLEAN;
	cols[1].sqltype = 1;
	cols[1].scale = 1;
	cols[1].weight = 1;

	/* 63 bytes: the longest name there is room for */
	memset(cols[2].name, 'c', AE_NAME_MAX - 1);
	cols[2].kind = AE_COL_CATEGORICAL;
	cols[2].sqltype = 12;
	cols[2].flags = AE_COLFLAG_INDICATOR;
	cols[2].scale = 1;
	cols[2].weight = 2;
	cols[2].ncat = 4;
	cols[2].cats = mixed_colours;

	strcpy(cols[3].name, "nothing_seen");
	cols[3].kind = AE_COL_CATEGORICAL;
	cols[3].scale = 1;
	cols[3].weight = 0;
	cols[3].ncat = 0;			/* only the "other" class */

	strcpy(cols[4].name, "size");
	cols[4].kind = AE_COL_CATEGORICAL;
	cols[4].sqltype = 12;
	cols[4].center = -0.0f;
	cols[4].scale = 1;
	cols[4].lo = 0;				/* class indexes seen, as training measures them */
	cols[4].hi = 5;
	cols[4].weight = 1;
	cols[4].ncat = 5;
	cols[4].cats = mixed_sizes;

	if ((st = ae_model_layout(m)) != AE_OK || (st = ae_model_alloc_params(m, a)) != AE_OK)
		return st;
	random_params(m);

	m->metrics.rows_seen = 123456789012LL;
	m->metrics.rows_used = 1000;
	m->metrics.n_train = 800;
	m->metrics.n_val = 200;
	m->metrics.seconds = 1.25;
	m->metrics.epochs_run = E;
	m->metrics.best_epoch = 5;
	m->metrics.train_loss = ae_alloc(a, sizeof(float) * E);
	m->metrics.val_loss = ae_alloc(a, sizeof(float) * E);
	if (!m->metrics.train_loss || !m->metrics.val_loss)
		return AE_ENOMEM;
	for (int e = 0; e < E; e++)
	{
		m->metrics.train_loss[e] = 1.0f / (e + 1);
		m->metrics.val_loss[e] = 1.1f / (e + 1);
	}
	m->metrics.val_loss[6] = NAN;

	/* score quantiles of 990 rows, the first ten tied */
	m->score_rows = 990;
	if ((m->score_quantiles = ae_alloc(a, sizeof(double) * AE_QUANTILES)) == NULL)
		return AE_ENOMEM;
	for (int i = 0; i < AE_QUANTILES; i++)
		m->score_quantiles[i] = i < 10 ? 0.125 : 0.125 + (i - 9) * (i - 9) * 1e-3;
	return AE_OK;
}

/* The smallest model: one numeric column, no hidden layer, no metrics, options at their least. */
static AeStatus
build_minimal(AeModel *m, const AeAlloc *a)
{
	AeColumn   *col;
	AeStatus	st;

	memset(m, 0, sizeof(*m));
	if ((col = ae_alloc(a, sizeof(AeColumn))) == NULL)
		return AE_ENOMEM;
	strcpy(col->name, "x");
	col->kind = AE_COL_NUMERIC;
	col->scale = 1;
	col->weight = 1;
	m->opt.kind = AE_KIND_AE;
	m->opt.score = AE_SCORE_RECONSTRUCTION;
	m->opt.activation = AE_ACT_IDENTITY;
	m->opt.latent = 1;
	m->opt.epochs = 1;			/* the least options a reader accepts */
	m->opt.batch_size = 1;
	m->opt.learning_rate = 1e-3;
	m->opt.max_rows = 1;
	m->ncols = 1;
	m->cols = col;
	if ((st = ae_model_layout(m)) != AE_OK || (st = ae_model_alloc_params(m, a)) != AE_OK)
		return st;
	random_params(m);
	return AE_OK;
}

/*
 * The mixed model as another kind: a vae, a cvae conditioned on the "size"
 * column, or a sparse (with its sigmoid latent) or contractive model.
 * Every option of version 3 gets a distinct nonzero value (those of other
 * kinds too: the format stores them all).
 */
static AeStatus
build_kind(AeModel *m, const AeAlloc *a, int kind)
{
	AeStatus	st;

	if ((st = build_mixed(m, a)) != AE_OK)
		return st;
	m->opt.kind = kind;
	m->opt.latent_activation = ae_kind_latent_activation(kind);
	m->opt.mask = 0.2;
	m->opt.noise = 0.3;
	m->opt.sparsity = 0.125;
	m->opt.sparsity_target = 0.05;
	m->opt.contractive = 0.01;
	m->opt.beta = kind == AE_KIND_VAE ? 0.75 : 4;
	m->opt.score = kind == AE_KIND_VAE ? AE_SCORE_ELBO_SAMPLES : AE_SCORE_RECONSTRUCTION;
	if (kind == AE_KIND_CVAE)
		m->cols[4].flags = AE_COLFLAG_CONDITION;
	if (kind == AE_KIND_TRANSFORMER)
	{
		/* every column a token with its indicator; the size is blocks, heads and width */
		for (int c = 0; c < m->ncols; c++)
			m->cols[c].flags = AE_COLFLAG_INDICATOR;
		m->opt.nhidden = 0;
		m->opt.depth = 2;
		m->opt.heads = 2;
		m->opt.width = 8;
	}
	if ((st = ae_model_layout(m)) != AE_OK || (st = ae_model_alloc_params(m, a)) != AE_OK)
		return st;
	random_params(m);
	return AE_OK;
}

/* Serialize into a fresh malloc block of exactly ae_model_size bytes. */
static uint8_t *
serialize(const AeModel *m, size_t *len)
{
	uint8_t    *buf;

	*len = ae_model_size(m);
	buf = malloc(*len);
	ae_model_write(m, buf);
	return buf;
}

/* Store the low nbytes of v at p, little-endian. */
static void
put_le(uint8_t *p, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Rewrite a header's version, length and CRC (by that version's rule) for len bytes. */
static void
fix_header(uint8_t *buf, size_t len, int version)
{
	put_le(buf + 8, (uint64_t) version, 2);
	put_le(buf + 12, len, 4);
	put_le(buf + 16, ae_model_crc(buf, len, version), 4);
}

/* Read a copy of buf[0..len) held in a block of exactly len bytes. */
static AeStatus
read_exact(const uint8_t *buf, size_t len)
{
	UnitRegion	reg;
	AeModel		m;
	uint8_t    *copy = malloc(len ? len : 1);
	AeStatus	st;

	if (len)
		memcpy(copy, buf, len);
	unit_region_init(&reg);
	st = ae_model_read(copy, len, &m, &reg.alloc);
	if (reg.bytes > READ_ALLOC_BOUND(len) && reg.bytes - READ_ALLOC_BOUND(len) > worst_alloc_excess)
		worst_alloc_excess = reg.bytes - READ_ALLOC_BOUND(len);
	unit_region_free(&reg);
	free(copy);
	return st;
}

/* Same bits, for floats that may be NaN or -0. */
static int
same_f32(float a, float b)
{
	return memcmp(&a, &b, sizeof(float)) == 0;
}

/* Same bits, for doubles. */
static int
same_f64(double a, double b)
{
	return memcmp(&a, &b, sizeof(double)) == 0;
}

/* Compare every field of two models, derived ones included; one CHECK per group. */
static void
compare_models(const char *what, const AeModel *a, const AeModel *b)
{
	const AeOptions *oa = &a->opt,
			   *ob = &b->opt;
	const AeMetrics *ma = &a->metrics,
			   *mb = &b->metrics;
	int			ok;

	ok = oa->kind == ob->kind && oa->activation == ob->activation &&
		oa->latent_activation == ob->latent_activation &&
		oa->nhidden == ob->nhidden && oa->latent == ob->latent &&
		oa->epochs == ob->epochs && oa->batch_size == ob->batch_size &&
		same_f64(oa->learning_rate, ob->learning_rate) &&
		same_f64(oa->weight_decay, ob->weight_decay) &&
		same_f64(oa->grad_clip, ob->grad_clip) &&
		same_f64(oa->val_share, ob->val_share) && same_f64(oa->mask, ob->mask) &&
		same_f64(oa->noise, ob->noise) && same_f64(oa->sparsity, ob->sparsity) &&
		same_f64(oa->sparsity_target, ob->sparsity_target) &&
		same_f64(oa->contractive, ob->contractive) && same_f64(oa->beta, ob->beta) &&
		oa->score == ob->score && oa->max_rows == ob->max_rows && oa->seed == ob->seed &&
		same_f64(oa->adversarial, ob->adversarial) && oa->ndisc == ob->ndisc &&
		same_f64(oa->disc_learning_rate, ob->disc_learning_rate) && oa->depth == ob->depth &&
		oa->heads == ob->heads && oa->width == ob->width;
	for (int i = 0; ok && i < oa->nhidden; i++)
		ok = oa->hidden[i] == ob->hidden[i];
	for (int i = 0; ok && i < oa->ndisc; i++)
		ok = oa->disc[i] == ob->disc[i];
	CHECK(ok, "%s: options survive the round trip", what);

	CHECK(a->ncols == b->ncols, "%s: ncols %d == %d", what, a->ncols, b->ncols);
	for (int c = 0; c < a->ncols && c < b->ncols; c++)
	{
		const AeColumn *ca = &a->cols[c],
				   *cb = &b->cols[c];

		CHECK(strcmp(ca->name, cb->name) == 0, "%s: column %d name \"%s\" == \"%s\"", what, c, ca->name, cb->name);
		CHECK(ca->kind == cb->kind && ca->sqltype == cb->sqltype &&
			  ca->transform == cb->transform && ca->flags == cb->flags,
			  "%s: column %d kind, sqltype, transform, flags", what, c);
		CHECK(same_f32(ca->center, cb->center) && same_f32(ca->scale, cb->scale) &&
			  same_f32(ca->lo, cb->lo) && same_f32(ca->hi, cb->hi) &&
			  same_f32(ca->weight, cb->weight), "%s: column %d encoding floats bit-exact", what, c);
		CHECK(ca->in_off == cb->in_off && ca->in_width == cb->in_width &&
			  ca->out_off == cb->out_off && ca->out_width == cb->out_width,
			  "%s: column %d layout", what, c);
		CHECK(ca->ncat == cb->ncat, "%s: column %d ncat %d == %d", what, c, ca->ncat, cb->ncat);
		ok = 1;
		for (int k = 0; k < ca->ncat && k < cb->ncat; k++)
			ok &= cb->cats[k] != NULL && strcmp(ca->cats[k], cb->cats[k]) == 0;
		CHECK(ok, "%s: column %d vocabulary strings", what, c);
	}

	ok = a->n_in == b->n_in && a->n_out == b->n_out && a->nlayers == b->nlayers &&
		a->nencoder == b->nencoder && a->cond_col == b->cond_col && a->dec_in == b->dec_in &&
		a->nparams == b->nparams;
	for (int l = 0; ok && l < a->nlayers; l++)
		ok = a->layers[l].nin == b->layers[l].nin && a->layers[l].nout == b->layers[l].nout &&
			a->layers[l].act == b->layers[l].act && a->layers[l].w_off == b->layers[l].w_off &&
			a->layers[l].b_off == b->layers[l].b_off;
	CHECK(ok, "%s: network shape", what);

	CHECK(ma->rows_seen == mb->rows_seen && ma->rows_used == mb->rows_used &&
		  ma->n_train == mb->n_train && ma->n_val == mb->n_val &&
		  same_f64(ma->seconds, mb->seconds) && ma->epochs_run == mb->epochs_run &&
		  ma->best_epoch == mb->best_epoch, "%s: metric scalars", what);
	ok = ma->epochs_run == mb->epochs_run;
	for (int e = 0; ok && e < ma->epochs_run; e++)
		ok = same_f32(ma->train_loss[e], mb->train_loss[e]) && same_f32(ma->val_loss[e], mb->val_loss[e]);
	CHECK(ok, "%s: per-epoch losses bit-exact", what);

	ok = a->score_rows == b->score_rows &&
		(a->score_quantiles == NULL) == (b->score_quantiles == NULL);
	for (int i = 0; ok && a->score_quantiles && i < AE_QUANTILES; i++)
		ok = same_f64(a->score_quantiles[i], b->score_quantiles[i]);
	CHECK(ok, "%s: score quantiles bit-exact", what);

	CHECK(a->nparams == b->nparams && b->params != NULL &&
		  memcmp(a->params, b->params, sizeof(ae_real) * a->nparams) == 0,
		  "%s: %zu params bit-exact", what, a->nparams);
}

/* Write, read back and compare; then the re-serialized bytes must be identical. */
static void
round_trip(const char *what, const AeModel *m)
{
	UnitRegion	reg;
	AeModel		back;
	size_t		len,
				len2;
	uint8_t    *buf = serialize(m, &len);
	uint8_t    *buf2;
	AeStatus	st;

	unit_region_init(&reg);
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(st == AE_OK, "%s: read back (%s)", what, ae_status_message(st));
	if (st == AE_OK)
	{
		compare_models(what, m, &back);
		buf2 = serialize(&back, &len2);
		CHECK(len2 == len && memcmp(buf, buf2, len) == 0, "%s: re-serialized bytes identical", what);
		free(buf2);
	}
	printf("   %s: %zu bytes, %zu params\n", what, len, m->nparams);
	unit_region_free(&reg);
	free(buf);
}

/*
 * A vae or cvae round trip: kind, options and the condition flag come back,
 * and the model read back scores rows exactly as the original.
 */
static void
variational_round_trip(int kind)
{
	enum
	{
		N = 4
	};
	UnitRegion	reg;
	AeModel		m,
				back;
	AeWork		w1,
				w2;
	size_t		len;
	uint8_t    *buf;
	const char *what = ae_kind_name(kind);

	unit_region_init(&reg);
	if (!CHECK(build_kind(&m, &reg.alloc, kind) == AE_OK, "build %s model", what))
	{
		unit_region_free(&reg);
		return;
	}
	round_trip(what, &m);
	buf = serialize(&m, &len);
	if (CHECK(ae_model_read(buf, len, &back, &reg.alloc) == AE_OK, "%s: read back", what))
	{
		const AeOptions *o = &back.opt;

		CHECK(o->kind == kind && o->mask == 0.2 && o->noise == 0.3 && o->sparsity == 0.125 &&
			  o->sparsity_target == 0.05 && o->contractive == 0.01 &&
			  o->beta == (kind == AE_KIND_VAE ? 0.75 : 4) &&
			  o->score == (kind == AE_KIND_VAE ? AE_SCORE_ELBO_SAMPLES : AE_SCORE_RECONSTRUCTION),
			  "%s: kind and options read back (beta %g, score %d)", what, o->beta, o->score);
		CHECK(back.layers[back.nencoder - 1].nout == 2 * o->latent,
			  "%s: encoder output 2 · latent", what);
		if (kind == AE_KIND_CVAE)
			CHECK(back.cols[4].flags == AE_COLFLAG_CONDITION && back.cond_col == 4 &&
				  back.dec_in == o->latent + 6 && back.cols[4].out_width == 0,
				  "cvae: condition flag, cond_col 4, dec_in latent + 6 (got %d, %d)",
				  back.cond_col, back.dec_in);
		else
			CHECK(back.cond_col == -1 && back.dec_in == o->latent, "vae: no condition, dec_in latent");

		/* the same scores, row by row, in the model's own mode and at the ELBO */
		if (ae_work_init(&w1, &m, 1, &reg.alloc) == AE_OK &&
			ae_work_init(&w2, &back, 1, &reg.alloc) == AE_OK)
		{
			int			same = 1;

			for (int i = 0; i < 2 * N; i++)
			{
				ae_real		t[5] = {(ae_real) ae_rng_normal(&rng), (ae_real) ae_rng_below(&rng, 2),
				(ae_real) ae_rng_below(&rng, 5), 0, (ae_real) ae_rng_below(&rng, 6)};
				uint8_t		mask[5] = {1, 1, 1, 0, 1};

				m.opt.score = back.opt.score = i < N ? back.opt.score : AE_SCORE_ELBO;
				same &= ae_model_score(&m, &w1, t, mask) == ae_model_score(&back, &w2, t, mask);
			}
			CHECK(same, "%s: the model read back scores %d rows identically", what, 2 * N);
		}
		else
			CHECK(0, "%s: work space", what);
	}
	free(buf);
	unit_region_free(&reg);
}

/* Round trips of the mixed and minimal models, a vae, a cvae and a trained ae. */
static void
test_round_trip(void)
{
	UnitRegion	reg;
	AeModel		m;

	unit_region_init(&reg);
	CHECK(build_mixed(&m, &reg.alloc) == AE_OK, "build mixed model");
	round_trip("mixed", &m);
	CHECK(build_minimal(&m, &reg.alloc) == AE_OK, "build minimal model");
	round_trip("minimal", &m);
	variational_round_trip(AE_KIND_VAE);
	variational_round_trip(AE_KIND_CVAE);
	CHECK(build_kind(&m, &reg.alloc, AE_KIND_SPARSE) == AE_OK &&
		  m.layers[m.nencoder - 1].act == AE_ACT_SIGMOID, "build sparse model, sigmoid latent");
	round_trip("sparse", &m);
	CHECK(build_kind(&m, &reg.alloc, AE_KIND_CONTRACTIVE) == AE_OK, "build contractive model");
	round_trip("contractive", &m);

	/* a model as training leaves it, then its outputs after reading back */
	{
		enum
		{
			N = 64
		};
		ae_real		t[N * 5];
		uint8_t		mask[N * 5];
		AeDataset	d = {N, t, mask};
		AeRng		r;
		AeStatus	st;

		CHECK(build_mixed(&m, &reg.alloc) == AE_OK, "build model to train");
		m.opt.epochs = 4;
		m.opt.batch_size = 16;
		for (int i = 0; i < N; i++)
		{
			t[i * 5 + 0] = (ae_real) ae_rng_normal(&rng);
			t[i * 5 + 1] = (ae_real) ae_rng_below(&rng, 2);
			t[i * 5 + 2] = (ae_real) ae_rng_below(&rng, 5);
			t[i * 5 + 3] = 0;
			t[i * 5 + 4] = (ae_real) ae_rng_below(&rng, 6);
			for (int c = 0; c < 5; c++)
				mask[i * 5 + c] = ae_rng_uniform(&rng) > 0.1;
		}
		ae_rng_seed(&r, 3);
		st = ae_model_train(&m, &d, &d, &r, &reg.alloc, NULL, NULL, NULL);
		CHECK(st == AE_OK && m.metrics.epochs_run == 4, "short training run (%s)", ae_status_message(st));
		m.metrics.rows_seen = N;
		round_trip("trained", &m);

		/* the model read back computes the same outputs */
		{
			UnitRegion	reg2;
			AeModel		back;
			AeWork		w1,
						w2;
			size_t		len;
			uint8_t    *buf = serialize(&m, &len);

			unit_region_init(&reg2);
			if (ae_model_read(buf, len, &back, &reg2.alloc) == AE_OK &&
				ae_work_init(&w1, &m, N, &reg2.alloc) == AE_OK &&
				ae_work_init(&w2, &back, N, &reg2.alloc) == AE_OK)
			{
				const ae_real *o1,
						   *o2;

				ae_model_inputs(&m, t, mask, w1.x, N);
				ae_model_inputs(&back, t, mask, w2.x, N);
				o1 = ae_model_forward(&m, &w1, w1.x, N);
				o2 = ae_model_forward(&back, &w2, w2.x, N);
				CHECK(memcmp(o1, o2, sizeof(ae_real) * N * m.n_out) == 0,
					  "read-back model gives identical outputs");
			}
			else
				CHECK(0, "read back the trained model");
			unit_region_free(&reg2);
			free(buf);
		}
	}
	unit_region_free(&reg);
}

/* ae_model_size is exactly what ae_model_write fills; header fields agree. */
static void
test_size(void)
{
	UnitRegion	reg;
	AeModel		m;
	size_t		len;
	uint8_t    *buf;
	int			intact = 1;
	uint32_t	total,
				crc;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	len = ae_model_size(&m);
	buf = malloc(len + 64);
	memset(buf, 0xA5, len + 64);
	ae_model_write(&m, buf);
	for (size_t i = len; i < len + 64; i++)
		intact &= buf[i] == 0xA5;
	CHECK(intact, "write stays within ae_model_size = %zu bytes", len);
	CHECK(memcmp(buf, "AEMODEL\0", 8) == 0, "magic at offset 0");
	CHECK(buf[8] == AE_FORMAT_VERSION && buf[9] == 0, "version %d at offset 8", AE_FORMAT_VERSION);
	total = buf[12] | buf[13] << 8 | buf[14] << 16 | (uint32_t) buf[15] << 24;
	crc = buf[16] | buf[17] << 8 | buf[18] << 16 | (uint32_t) buf[19] << 24;
	CHECK(total == len, "header length %u == ae_model_size %zu", total, len);
	CHECK(crc == ae_crc32c(ae_crc32c(0, buf + 8, 8), buf + AE_HEADER_SIZE, len - AE_HEADER_SIZE),
		  "header CRC covers version, kind and length, then the body");
	CHECK(crc == ae_model_crc(buf, len, AE_FORMAT_VERSION) && crc == ae_model_crc(buf, len, 4) &&
		  ae_model_crc(buf, len, 3) == ae_crc32c(0, buf + AE_HEADER_SIZE, len - AE_HEADER_SIZE),
		  "ae_model_crc: the rule of versions 4 and 5, and version 3's (the body alone)");
	{
		uint8_t    *again = malloc(len);

		ae_model_write(&m, again);
		CHECK(memcmp(buf, again, len) == 0, "writing is deterministic");
		free(again);
	}
	free(buf);
	unit_region_free(&reg);
}

/* CRC32C test vectors (RFC 3720 B.4 and the usual check value). */
static void
test_crc(void)
{
	uint8_t		b[32];

	CHECK(ae_crc32c(0, "123456789", 9) == 0xE3069283u, "crc32c(\"123456789\") = 0xE3069283, got 0x%08X",
		  ae_crc32c(0, "123456789", 9));
	CHECK(ae_crc32c(0, "", 0) == 0, "crc32c of nothing is 0");
	CHECK(ae_crc32c(ae_crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u, "crc32c continues across calls");
	memset(b, 0, 32);
	CHECK(ae_crc32c(0, b, 32) == 0x8A9136AAu, "crc32c of 32 zero bytes = 0x8A9136AA, got 0x%08X", ae_crc32c(0, b, 32));
	memset(b, 0xFF, 32);
	CHECK(ae_crc32c(0, b, 32) == 0x62A8AB43u, "crc32c of 32 0xFF bytes = 0x62A8AB43, got 0x%08X", ae_crc32c(0, b, 32));
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t) i;
	CHECK(ae_crc32c(0, b, 32) == 0x46DD794Eu, "crc32c of 0..31 = 0x46DD794E, got 0x%08X", ae_crc32c(0, b, 32));
}

/* Every proper prefix of a model is refused as truncated. */
static void
test_truncation(void)
{
	UnitRegion	reg;
	AeModel		m;
	size_t		len;
	uint8_t    *buf;
	int			nshort = 0,
				nother = 0;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	for (size_t n = 0; n < len; n++)
	{
		AeStatus	st = read_exact(buf, n);

		if (st == AE_ESHORT)
			nshort++;
		else
		{
			nother++;
			CHECK(0, "prefix of %zu bytes: %s, expected AE_ESHORT", n, ae_status_message(st));
		}
	}
	CHECK(nother == 0, "all %zu prefixes refused with AE_ESHORT (%d)", len, nshort);
	CHECK(read_exact(buf, len) == AE_OK, "the whole model reads");
	free(buf);
	unit_region_free(&reg);
}

/* Bodies cut short behind a header and CRC that agree with the cut are refused too. */
static void
test_consistent_truncation(void)
{
	UnitRegion	reg;
	AeModel		m;
	size_t		len;
	uint8_t    *buf;
	int			bad = 0;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	for (size_t n = AE_HEADER_SIZE; n < len; n++)
	{
		uint8_t    *cut = malloc(n);
		AeStatus	st;

		memcpy(cut, buf, n);
		fix_header(cut, n, AE_FORMAT_VERSION);
		st = read_exact(cut, n);
		if (st != AE_ESHORT && st != AE_ECORRUPT)
		{
			bad++;
			CHECK(0, "body cut to %zu bytes with a matching header: %s", n, ae_status_message(st));
		}
		free(cut);
	}
	CHECK(bad == 0, "all %zu cut bodies with matching headers refused", len - AE_HEADER_SIZE);
	free(buf);
	unit_region_free(&reg);
}

/* The status expected when byte i of a model is altered to value v. */
static int
flip_status_ok(size_t i, uint8_t v, AeStatus st)
{
	if (i < 8)
		return st == AE_EMAGIC;
	if (i == 8 && v >= 1 && v < AE_FORMAT_VERSION)
		return st == AE_ECRC;	/* an older version: its CRC rule does not match */
	if (i < 10)
		return st == AE_EVERSION;
	if (i < 12)
		return st == AE_ECRC;	/* kind: covered by the CRC */
	if (i < 16)
		return st == AE_ESHORT || st == AE_ECORRUPT;	/* total length, checked first */
	return st == AE_ECRC;		/* the CRC itself or the body it covers */
}

/* Flipping any byte, or any single bit, is detected. */
static void
test_flips(void)
{
	UnitRegion	reg;
	AeModel		m;
	size_t		len;
	uint8_t    *buf;
	int			bad = 0,
				n = 0;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	for (size_t i = 0; i < len; i++)
		for (int mask = 0; mask < 2; mask++)
		{
			/* all eight bits, then one bit chosen by position */
			uint8_t		x = mask == 0 ? 0xFF : (uint8_t) (1u << (i % 8));
			AeStatus	st;

			buf[i] ^= x;
			st = read_exact(buf, len);
			buf[i] ^= x;
			n++;
			if (!flip_status_ok(i, buf[i] ^ x, st))
			{
				bad++;
				CHECK(0, "byte %zu ^ 0x%02X: %s", i, x, ae_status_message(st));
			}
		}
	CHECK(bad == 0, "%d flipped inputs, each refused with the expected status", n);
	CHECK(read_exact(buf, len) == AE_OK, "the model is intact after the flips");
	free(buf);
	unit_region_free(&reg);
}

/* Magic, version, length and trailing bytes. */
static void
test_header(void)
{
	UnitRegion	reg;
	AeModel		m;
	size_t		len;
	uint8_t    *buf,
			   *longer;

	unit_region_init(&reg);
	build_minimal(&m, &reg.alloc);
	buf = serialize(&m, &len);

	buf[0] = 'X';
	CHECK(read_exact(buf, len) == AE_EMAGIC, "wrong magic: AE_EMAGIC");
	CHECK(read_exact(buf, 12) == AE_EMAGIC, "wrong magic in a short input: AE_EMAGIC");
	CHECK(read_exact((const uint8_t *) "PK\3\4 not a model at all", 24) == AE_EMAGIC, "other data: AE_EMAGIC");
	buf[0] = 'A';
	buf[8] = AE_FORMAT_VERSION + 1;
	CHECK(read_exact(buf, len) == AE_EVERSION, "next version: AE_EVERSION");
	buf[8] = 0;
	CHECK(read_exact(buf, len) == AE_EVERSION, "version 0: AE_EVERSION");
	buf[8] = AE_FORMAT_VERSION;
	buf[9] = 1;
	CHECK(read_exact(buf, len) == AE_EVERSION, "version 257: AE_EVERSION");
	buf[9] = 0;
	CHECK(read_exact(buf, len) == AE_OK, "restored header reads");

	/* trailing bytes after a model whose header states its true length */
	longer = malloc(len + 4);
	memcpy(longer, buf, len);
	memset(longer + len, 0, 4);
	CHECK(read_exact(longer, len + 4) == AE_ECORRUPT, "trailing bytes: AE_ECORRUPT");
	free(longer);
	free(buf);
	unit_region_free(&reg);
}

/* ---- crafted bodies with a valid CRC ---- */

/* Offsets of fields in the serialized mixed model, found by walking the format. */
typedef struct Fields
{
	size_t		activation,
				nhidden,
				hidden0,
				hidden1,
				latent,
				epochs,
				batch_size,
				learning_rate,
				weight_decay,
				grad_clip,
				val_share,
				mask,
				noise,			/* version 3: noise, sparsity, sparsity_target, contractive, beta, score */
				sparsity,
				sparsity_target,
				contractive,
				beta,
				score,
				latent_activation,	/* version 5 */
				shape,			/* version 6 */
				adversarial,	/* version 7: adversarial, the discriminator, its rate */
				ndisc,
				disc_learning_rate,
				depth,			/* version 8: depth, heads (2 bytes), width (4) */
				max_rows,
				ncols;
	size_t		name_len[5],
				name[5],
				kind[5],
				transform[5],
				flags[5],
				center[5],
				scale[5],
				lo[5],
				hi[5],
				weight[5],
				ncat[5];
	size_t		cat_len0,		/* column 2's first category: length, then bytes */
				cat_bytes1,		/* column 2's second category's bytes */
				size_m;			/* column 4's second category's bytes ("M") */
	size_t		shapes;			/* version 6: the array shapes */
	size_t		rows_seen,
				rows_used,
				n_train,
				n_val,
				seconds,
				epochs_run,
				best_epoch,
				impute,			/* version 6: the imputation calibration */
				quantiles,		/* version 9: rows scored, count, the score quantiles */
				nparams,
				params;
} Fields;

/* Little-endian unsigned of nbytes at p. */
static uint64_t
get_le(const uint8_t *p, int nbytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < nbytes; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

/*
 * Walk a model's bytes in the order format.c writes them, by the rules of
 * the version in its header, noting offsets (those of fields the version
 * lacks: where they would be).
 */
static void
find_fields(const uint8_t *buf, const AeModel *m, Fields *f)
{
	size_t		p = AE_HEADER_SIZE;
	uint64_t	version = get_le(buf + 8, 2);

	memset(f, 0, sizeof(*f));
	f->activation = p;
	p += 2;
	f->nhidden = p;
	p += 2;
	f->hidden0 = p;
	f->hidden1 = p + 4;
	p += 4 * m->opt.nhidden;
	f->latent = p;
	f->epochs = p + 4;
	f->batch_size = p + 8;
	p += 4 + 4 + 4;				/* latent, epochs, batch_size */
	f->learning_rate = p;
	f->weight_decay = p + 8;
	f->grad_clip = p + 16;
	f->val_share = p + 24;
	p += 8 * 4;					/* learning_rate, weight_decay, grad_clip, val_share */
	f->mask = p;
	p += version >= 2 ? 8 : 0;
	f->noise = p;
	f->sparsity = p + 8;
	f->sparsity_target = p + 16;
	f->contractive = p + 24;
	f->beta = p + 32;
	f->score = p + 40;
	p += version >= 3 ? 8 * 5 + 1 : 0;	/* noise, sparsity, sparsity_target, contractive, beta; score */
	f->latent_activation = p;
	p += version >= 5 ? 1 : 0;
	f->shape = p;
	p += version >= 6 ? 1 + 4 * (size_t) buf[p] : 0;
	f->adversarial = p;
	f->ndisc = p + 8;
	f->disc_learning_rate = version >= 7 ? p + 9 + 4 * (size_t) buf[p + 8] : p;
	p += version >= 7 ? 8 + 1 + 4 * (size_t) buf[p + 8] + 8 : 0;
	f->depth = p;
	p += version >= 8 ? 1 + 2 + 4 : 0;
	f->max_rows = p;
	p += 8 + 8;					/* max_rows, seed */
	f->ncols = p;
	p += 4;
	for (int c = 0; c < m->ncols; c++)
	{
		f->name_len[c] = p;
		f->name[c] = p + 1;
		p += 1 + buf[p];
		f->kind[c] = p;
		f->transform[c] = p + 2;
		f->flags[c] = p + 3;
		p += 4;					/* kind, sqltype, transform, flags */
		f->center[c] = p;
		f->scale[c] = p + 4;
		f->lo[c] = p + 8;
		f->hi[c] = p + 12;
		f->weight[c] = p + 16;
		p += 5 * 4;				/* center, scale, lo, hi, weight */
		f->ncat[c] = p;
		p += 4;
		for (int k = 0; k < m->cols[c].ncat; k++)
		{
			if (c == 2 && k == 0)
				f->cat_len0 = p;
			if (c == 2 && k == 1)
				f->cat_bytes1 = p + 4;
			if (c == 4 && k == 1)
				f->size_m = p + 4;
			p += 4 + get_le(buf + p, 4);
		}
	}
	f->shapes = p;
	for (int c = 0; version >= 6 && c < m->ncols; c++)
		p += 1 + (m->cols[c].ndim > 0 ? 4 * (size_t) m->cols[c].ndim + 4 : 0);
	f->rows_seen = p;
	f->rows_used = p + 8;
	f->n_train = p + 12;
	f->n_val = p + 16;
	f->seconds = p + 20;
	p += 8 + 4 + 4 + 4 + 8;		/* rows_seen, rows_used, n_train, n_val, seconds */
	f->epochs_run = p;
	f->best_epoch = p + 4;
	p += 8 + 8 * m->metrics.epochs_run;
	if (version >= 5 && m->opt.score == AE_SCORE_DISTANCE)
		p += 8 + 4 * (size_t) m->opt.latent * (m->opt.latent + 3) / 2;
	f->impute = p;
	p += version >= 6 ? 4 * ((size_t) m->ncols + m->n_out) : 0;
	f->quantiles = p;
	p += version >= 9 ? 4 + 2 + 8 * get_le(buf + p + 4, 2) : 0;
	f->nparams = p;
	f->params = p + 4;
}

/* The offsets find_fields notes, as a value. */
static Fields
fields_of(const uint8_t *buf, const AeModel *m)
{
	Fields		f;

	find_fields(buf, m, &f);
	return f;
}

/* Read buf with nbytes at off replaced by v, after recomputing the CRC. */
static AeStatus
read_crafted(const uint8_t *buf, size_t len, size_t off, uint64_t v, int nbytes)
{
	uint8_t    *copy = malloc(len);
	AeStatus	st;

	memcpy(copy, buf, len);
	put_le(copy + off, v, nbytes);
	put_le(copy + 16, ae_model_crc(copy, len, (int) get_le(copy + 8, 2)), 4);
	st = read_exact(copy, len);
	free(copy);
	return st;
}

/* One field of a valid model altered to a value the reader must refuse. */
typedef struct Crafted
{
	const char *what;
	size_t		off;				/* offset of the field */
	uint64_t	value;				/* its new bytes, little-endian */
	int			nbytes;
} Crafted;

/* The bits of a float, for crafting float fields. */
static uint32_t
f32_bits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, 4);
	return u;
}

/* The bits of a double, for crafting double fields. */
static uint64_t
f64_bits(double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	return u;
}

/* Little-endian float at p. */
static float
get_le_f32(const uint8_t *p)
{
	uint32_t	u = (uint32_t) get_le(p, 4);
	float		f;

	memcpy(&f, &u, 4);
	return f;
}

/* Little-endian double at p. */
static double
get_le_f64(const uint8_t *p)
{
	uint64_t	u = get_le(p, 8);
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

/* Bodies with consistent CRCs but impossible contents are refused, never read out of bounds. */
static void
test_crafted(void)
{
	UnitRegion	reg;
	AeModel		m;
	Fields		f;
	size_t		len;
	uint8_t    *buf;
	int			ncases = 0;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);

	/* sanity of the walk: it lands on the values we wrote */
	CHECK(get_le(buf + f.ncols, 4) == 5 && get_le(buf + f.latent, 4) == 3 &&
		  get_le(buf + f.ncat[2], 4) == 4 && get_le(buf + f.ncat[4], 4) == 5 &&
		  get_le(buf + f.epochs_run, 4) == 7 && get_le(buf + f.nparams, 4) == m.nparams &&
		  f.params + 4 * m.nparams == len, "field offsets found by walking the format");
	CHECK(read_crafted(buf, len, f.latent, 3, 4) == AE_OK, "rewriting a field with its own value reads");

	{
		const Crafted cases[] = {
			{"activation 5", f.activation, AE_ACT_COUNT, 2},
			{"activation 0xFFFF", f.activation, 0xFFFF, 2},
			{"nhidden 8", f.nhidden, AE_MAX_HIDDEN + 1, 2},
			{"nhidden 0xFFFF", f.nhidden, 0xFFFF, 2},
			{"nhidden 0 (fields shift)", f.nhidden, 0, 2},
			{"nhidden 7 (fields shift)", f.nhidden, 7, 2},
			{"hidden[0] 0", f.hidden0, 0, 4},
			{"hidden[1] 0", f.hidden1, 0, 4},
			{"hidden[0] over the maximum width", f.hidden0, AE_MAX_WIDTH + 1, 4},
			{"hidden[0] 0xFFFFFFFF", f.hidden0, 0xFFFFFFFF, 4},
			{"hidden[0] 0x80000000", f.hidden0, 0x80000000, 4},
			{"hidden[1] 16384 (nparams no longer matches)", f.hidden1, AE_MAX_WIDTH, 4},
			{"latent 0", f.latent, 0, 4},
			{"mask 1", f.mask, f64_bits(1), 8},
			{"mask NaN", f.mask, f64_bits(NAN), 8},
			{"noise -1", f.noise, f64_bits(-1), 8},
			{"noise NaN", f.noise, f64_bits(NAN), 8},
			{"noise 101", f.noise, f64_bits(101), 8},
			{"sparsity infinite", f.sparsity, f64_bits(INFINITY), 8},
			{"sparsity -0.5", f.sparsity, f64_bits(-0.5), 8},
			{"sparsity_target 1", f.sparsity_target, f64_bits(1), 8},
			{"sparsity_target NaN", f.sparsity_target, f64_bits(NAN), 8},
			{"contractive -1", f.contractive, f64_bits(-1), 8},
			{"contractive 1e7", f.contractive, f64_bits(1e7), 8},
			{"beta NaN", f.beta, f64_bits(NAN), 8},
			{"beta -infinity", f.beta, f64_bits(-INFINITY), 8},
			{"score 3", f.score, AE_SCORE_ELBO_SAMPLES + 1, 1},
			{"score 255", f.score, 255, 1},
			{"latent_activation 5", f.latent_activation, AE_ACT_COUNT, 1},
			{"latent_activation 255", f.latent_activation, 255, 1},
			{"a relu latent", f.latent_activation, AE_ACT_RELU, 1},
			{"a sigmoid latent in an ae", f.latent_activation, AE_ACT_SIGMOID, 1},
			{"a condition flag in an ae", f.flags[4], AE_COLFLAG_CONDITION, 1},
			{"condition and indicator flags in an ae", f.flags[2], AE_COLFLAG_CONDITION | AE_COLFLAG_INDICATOR, 1},
			{"latent 0xFFFFFFFF", f.latent, 0xFFFFFFFF, 4},
			{"ncols 0", f.ncols, 0, 4},
			{"ncols 1601", f.ncols, AE_MAX_COLUMNS + 1, 4},
			{"ncols 0x7FFFFFFF", f.ncols, 0x7FFFFFFF, 4},
			{"ncols 0xFFFFFFFF", f.ncols, 0xFFFFFFFF, 4},
			{"ncols 6 (one more than written)", f.ncols, 6, 4},
			{"ncols 4 (one fewer than written)", f.ncols, 4, 4},
			{"ncols 1", f.ncols, 1, 4},
			{"name length 0", f.name_len[0], 0, 1},
			{"name length 64", f.name_len[0], AE_NAME_MAX, 1},
			{"name length 255", f.name_len[0], 255, 1},
			{"NUL inside a name", f.name[1] + 2, 0, 1},
			{"column kind 3", f.kind[0], 3, 1},
			{"column kind 255", f.kind[1], 255, 1},
			{"transform 3", f.transform[0], 3, 1},
			{"scale 0", f.scale[0], f32_bits(0.0f), 4},
			{"scale -1", f.scale[1], f32_bits(-1.0f), 4},
			{"scale NaN", f.scale[2], f32_bits(NAN), 4},
			{"scale infinite", f.scale[4], f32_bits(INFINITY), 4},
			{"weight -1", f.weight[0], f32_bits(-1.0f), 4},
			{"weight infinite", f.weight[1], f32_bits(INFINITY), 4},
			{"ncat 65536", f.ncat[2], AE_MAX_CATEGORIES + 1, 4},
			{"ncat 0x7FFFFFFF", f.ncat[2], 0x7FFFFFFF, 4},
			{"ncat 0xFFFFFFFF", f.ncat[2], 0xFFFFFFFF, 4},
			{"ncat 65535 (more than the bytes left)", f.ncat[2], AE_MAX_CATEGORIES, 4},
			{"ncat one more", f.ncat[2], 5, 4},
			{"ncat one fewer", f.ncat[2], 3, 4},
			{"ncat 1 on a boolean column", f.ncat[1], 1, 4},
			{"ncat 1 on a numeric column", f.ncat[0], 1, 4},
			{"ncat 1 on an empty vocabulary", f.ncat[3], 1, 4},
			{"category length 0xFFFFFFFF", f.cat_len0, 0xFFFFFFFF, 4},
			{"category length 0x7FFFFFFF", f.cat_len0, 0x7FFFFFFF, 4},
			{"category length one more", f.cat_len0, 4, 4},
			{"category length one past the end", f.cat_len0, len - (f.cat_len0 + 4) + 1, 4},
			{"category length far past the end", f.cat_len0, len - 8, 4},
			{"NUL inside a category", f.cat_bytes1 + 1, 0, 1},
			{"epochs_run 0xFFFFFFFF", f.epochs_run, 0xFFFFFFFF, 4},
			{"epochs_run over the maximum", f.epochs_run, AE_MAX_EPOCHS + 1, 4},
			{"epochs_run one more", f.epochs_run, 8, 4},
			{"epochs_run one fewer", f.epochs_run, 6, 4},
			{"best_epoch past epochs_run", f.best_epoch, 8, 4},
			{"best_epoch 0xFFFFFFFF", f.best_epoch, 0xFFFFFFFF, 4},
			{"nparams 0", f.nparams, 0, 4},
			{"nparams one more", f.nparams, m.nparams + 1, 4},
			{"nparams one fewer", f.nparams, m.nparams - 1, 4},
			{"nparams 0xFFFFFFFF", f.nparams, 0xFFFFFFFF, 4},
			{"nparams 0x40000000", f.nparams, 0x40000000, 4},
			{"a NaN parameter", f.params + 4 * 10, f32_bits(NAN), 4},
			{"an infinite parameter", f.params + 4 * (m.nparams - 1), f32_bits(-INFINITY), 4},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			AeStatus	st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);

			CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "%s: %s, expected corrupt or short",
				  cases[i].what, ae_status_message(st));
			ncases++;
		}
	}

	/* both hidden layers 16384 wide: over the parameter limit of the layout */
	{
		uint8_t    *wide = malloc(len);
		AeStatus	st;

		memcpy(wide, buf, len);
		wide[f.hidden0] = 0;
		wide[f.hidden0 + 1] = AE_MAX_WIDTH >> 8;
		st = read_crafted(wide, len, f.hidden1, AE_MAX_WIDTH, 4);
		CHECK(st == AE_ECORRUPT, "hidden {16384, 16384}: %s, expected AE_ECORRUPT", ae_status_message(st));
		free(wide);
	}

	/*
	 * Another kind with the CRC made to match.  Denoising, sparse and
	 * contractive share the ae's network and read; a vae's encoder is twice
	 * as wide at the latent and a cvae needs a condition, so neither fits.
	 */
	for (int k = AE_KIND_DENOISING; k <= AE_KIND_CONTRACTIVE; k++)
		CHECK(read_crafted(buf, len, 10, (uint64_t) k, 2) == AE_OK, "kind %d on an ae's bytes: reads", k);
	for (int k = AE_KIND_VAE; k <= AE_KIND_COUNT; k++)
		if (k != AE_KIND_AAE)
			CHECK(read_crafted(buf, len, 10, (uint64_t) k, 2) == AE_ECORRUPT,
				  "kind %d on an ae's bytes: AE_ECORRUPT", k);
	/* an aae is an ae's network trained otherwise: it reads, with no adversarial options */
	CHECK(read_crafted(buf, len, 10, AE_KIND_AAE, 2) == AE_OK, "kind aae on an ae's bytes: reads");

	/* a sigmoid latent is the sparse kind's alone; a sparse model may have a linear one (formats 1 to 4) */
	{
		AeModel		sp;
		Fields		fs;
		size_t		slen;
		uint8_t    *sbuf;

		build_kind(&sp, &reg.alloc, AE_KIND_SPARSE);
		sbuf = serialize(&sp, &slen);
		find_fields(sbuf, &sp, &fs);
		CHECK(read_exact(sbuf, slen) == AE_OK && sbuf[fs.latent_activation] == AE_ACT_SIGMOID,
			  "the sparse model reads, its latent byte sigmoid");
		for (int k = 0; k < AE_KIND_COUNT; k++)
			if (k != AE_KIND_SPARSE)
				CHECK(read_crafted(sbuf, slen, 10, (uint64_t) k, 2) == AE_ECORRUPT,
					  "kind %s with a sigmoid latent: AE_ECORRUPT", ae_kind_name(k));
		CHECK(read_crafted(sbuf, slen, fs.latent_activation, AE_ACT_IDENTITY, 1) == AE_OK,
			  "a sparse model with a linear latent reads");
		ncases += AE_KIND_COUNT - 1;
		free(sbuf);
	}

	/* every single byte of the body set to each of a few values, CRC fixed up */
	{
		static const uint8_t values[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
		int			ok = 0,
					refused = 0,
					other = 0;

		for (size_t i = AE_HEADER_SIZE; i < f.params; i++)
			for (size_t v = 0; v < sizeof(values); v++)
			{
				AeStatus	st;

				if (buf[i] == values[v])
					continue;
				st = read_crafted(buf, len, i, values[v], 1);
				if (st == AE_OK)
					ok++;		/* a value field: center, a loss, a seed... */
				else if (st == AE_ECORRUPT || st == AE_ESHORT)
					refused++;
				else
				{
					other++;
					CHECK(0, "byte %zu set to 0x%02X: %s", i, values[v], ae_status_message(st));
				}
			}
		CHECK(other == 0, "crafted single bytes: %d read as a valid model, %d refused", ok, refused);
		printf("   %d crafted fields refused; single-byte rewrites: %d still valid, %d refused\n",
			   ncases, ok, refused);
	}
	CHECK(worst_alloc_excess == 0, "reads of crafted inputs allocate at most the bound for their length "
		  "(exceeded by %zu bytes)", worst_alloc_excess);
	free(buf);
	unit_region_free(&reg);
}

/* ---- older format versions ---- */

/*
 * The bytes an older version would have written for m (not scored by
 * distance): version 4 lacks
 * the latent activation version 5 added before max_rows (1 byte), version
 * 3 has version 4's body, version 2 lacks also the six options version 3
 * added after mask (noise, sparsity, sparsity_target, contractive, beta:
 * f64 each; score: 1 byte), version 1 mask too; the header's version,
 * length and CRC are rewritten to match, the CRC by that version's rule
 * (before version 4, the body alone).
 */
static uint8_t *
serialize_version(const AeModel *m, int version, size_t *len)
{
	Fields		f;
	size_t		full_len,
				from,
				cut;
	uint8_t    *full = serialize(m, &full_len);
	uint8_t    *buf;

	find_fields(full, m, &f);
	/* the options a version lacks are the last before max_rows */
	from = version >= 8 ? f.max_rows : version >= 7 ? f.depth : version >= 6 ? f.adversarial : version >= 5 ? f.shape
		: version >= 3 ? f.latent_activation : version >= 2 ? f.noise : f.mask;
	cut = f.max_rows - from;
	/*
	 * before version 6 there are no array shapes and no imputation
	 * calibration, before version 9 no score quantiles
	 */
	{
		size_t		starts[4] = {from, f.shapes, f.impute, f.quantiles};
		size_t		ends[4] = {f.max_rows, version >= 6 ? f.shapes : f.rows_seen,
			version >= 6 ? f.impute : f.quantiles, version >= 9 ? f.quantiles : f.nparams};
		size_t		pos = 0;

		cut = 0;
		for (int k = 0; k < 4; k++)
			cut += ends[k] - starts[k];
		*len = full_len - cut;
		buf = malloc(*len);
		for (int k = 0; k <= 4; k++)
		{
			size_t		lo = k == 0 ? 0 : ends[k - 1],
						hi = k == 4 ? full_len : starts[k];

			memcpy(buf + pos, full + lo, hi - lo);
			pos += hi - lo;
		}
	}
	put_le(buf + 8, (uint64_t) version, 2);
	put_le(buf + 12, *len, 4);
	put_le(buf + 16, ae_model_crc(buf, *len, version), 4);
	free(full);
	return buf;
}

/*
 * Each field the reader checks, altered alone in a valid model with the
 * CRC recomputed, is refused with AE_ECORRUPT: in the bytes of versions 5,
 * 4 (without the latent activation) and 3 (version 4's body under the old
 * CRC rule).
 */
static void
test_validated_fields(void)
{
	UnitRegion	reg;
	AeModel		m;
	Fields		f;
	size_t		len;
	uint8_t    *buf;
	int			ncases = 0;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	CHECK(get_le(buf + f.epochs, 4) == 50 && get_le(buf + f.batch_size, 4) == 64 &&
		  get_le_f64(buf + f.learning_rate) == 3e-3 && get_le_f64(buf + f.weight_decay) == 1e-4 &&
		  get_le_f64(buf + f.grad_clip) == 5 && get_le_f64(buf + f.val_share) == 0.2 &&
		  get_le_f32(buf + f.center[0]) == 3.25f && get_le_f32(buf + f.hi[0]) == 1e6f &&
		  get_le_f32(buf + f.hi[4]) == 5 && memcmp(buf + f.size_m, "M", 1) == 0 &&
		  get_le(buf + f.rows_seen, 8) == 123456789012ULL && get_le(buf + f.n_val, 4) == 200 &&
		  get_le_f64(buf + f.seconds) == 1.25, "offsets of the checked fields found by walking the format");

	for (int version = AE_FORMAT_VERSION; version >= 3; version--)
	{
		size_t		vlen;
		uint8_t    *vbuf = version == AE_FORMAT_VERSION ? serialize(&m, &vlen)
			: serialize_version(&m, version, &vlen);
		Fields		fv = fields_of(vbuf, &m);
		const Crafted cases[] = {
			/* options that only training reads */
			{"epochs 0", fv.epochs, 0, 4},
			{"epochs over the maximum", fv.epochs, AE_MAX_EPOCHS + 1, 4},
			{"epochs -1", fv.epochs, 0xFFFFFFFF, 4},
			{"epochs 6, fewer than the 7 run", fv.epochs, 6, 4},
			{"batch_size 0", fv.batch_size, 0, 4},
			{"batch_size over the maximum", fv.batch_size, AE_MAX_BATCH + 1, 4},
			{"batch_size -1", fv.batch_size, 0xFFFFFFFF, 4},
			{"learning_rate NaN", fv.learning_rate, f64_bits(NAN), 8},
			{"learning_rate infinite", fv.learning_rate, f64_bits(INFINITY), 8},
			{"learning_rate 0", fv.learning_rate, f64_bits(0), 8},
			{"learning_rate -1e-3", fv.learning_rate, f64_bits(-1e-3), 8},
			{"weight_decay NaN", fv.weight_decay, f64_bits(NAN), 8},
			{"weight_decay infinite", fv.weight_decay, f64_bits(INFINITY), 8},
			{"weight_decay -1e-4", fv.weight_decay, f64_bits(-1e-4), 8},
			{"grad_clip NaN", fv.grad_clip, f64_bits(NAN), 8},
			{"grad_clip infinite", fv.grad_clip, f64_bits(INFINITY), 8},
			{"grad_clip -5", fv.grad_clip, f64_bits(-5), 8},
			{"val_share NaN", fv.val_share, f64_bits(NAN), 8},
			{"val_share 1", fv.val_share, f64_bits(1), 8},
			{"val_share -0.2", fv.val_share, f64_bits(-0.2), 8},
			{"val_share infinite", fv.val_share, f64_bits(INFINITY), 8},
			{"max_rows 0", fv.max_rows, 0, 8},
			{"max_rows -1", fv.max_rows, UINT64_MAX, 8},
			/* columns: flags, range, center */
			{"flag 0x04", fv.flags[0], AE_COLFLAG_INDICATOR | 0x04, 1},
			{"flag 0x80", fv.flags[1], 0x80, 1},
			{"every flag", fv.flags[3], 0xFF, 1},
			{"lo NaN", fv.lo[0], f32_bits(NAN), 4},
			{"lo -infinity", fv.lo[0], f32_bits(-INFINITY), 4},
			{"hi NaN", fv.hi[0], f32_bits(NAN), 4},
			{"hi infinity", fv.hi[0], f32_bits(INFINITY), 4},
			{"lo above hi", fv.lo[0], f32_bits(2e6f), 4},
			{"hi below lo", fv.hi[4], f32_bits(-1.0f), 4},
			{"center NaN", fv.center[0], f32_bits(NAN), 4},
			{"center infinite", fv.center[1], f32_bits(-INFINITY), 4},
			/* a categorical column's labels: "S", "M", ... becomes "S", "S", ... */
			{"a label twice in a column", fv.size_m, 'S', 1},
			/* metrics */
			{"rows_seen -1", fv.rows_seen, UINT64_MAX, 8},
			{"rows_used -1", fv.rows_used, 0xFFFFFFFF, 4},
			{"n_train -1", fv.n_train, 0xFFFFFFFF, 4},
			{"n_val -1", fv.n_val, 0xFFFFFFFF, 4},
			{"seconds NaN", fv.seconds, f64_bits(NAN), 8},
			{"seconds infinite", fv.seconds, f64_bits(INFINITY), 8},
			{"seconds -1", fv.seconds, f64_bits(-1), 8},
		};
		int			bad = 0;

		CHECK(read_exact(vbuf, vlen) == AE_OK, "version %d: the mixed model reads", version);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			AeStatus	st = read_crafted(vbuf, vlen, cases[i].off, cases[i].value, cases[i].nbytes);

			if (st != AE_ECORRUPT)
			{
				bad++;
				CHECK(0, "version %d, %s: %s, expected AE_ECORRUPT", version, cases[i].what,
					  ae_status_message(st));
			}
			ncases++;
		}
		CHECK(bad == 0, "version %d: each checked field altered alone gives AE_ECORRUPT", version);
		/* the signed log came with version 9: a numeric column of an older model cannot have it */
		{
			AeStatus	st = read_crafted(vbuf, vlen, fv.transform[0], AE_TF_SIGNED_LOG1P, 1);

			CHECK(version >= 9 ? st == AE_OK : st == AE_ECORRUPT,
				  "version %d, transform signed_log1p: %s", version, ae_status_message(st));
		}
		free(vbuf);
	}
	free(buf);

	/* a column name twice: "size" and "sizf" written, the f made an e */
	build_mixed(&m, &reg.alloc);
	strcpy(m.cols[3].name, "sizf");
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	CHECK(read_exact(buf, len) == AE_OK && buf[f.name[3] + 3] == 'f', "columns \"sizf\" and \"size\" read");
	CHECK(read_crafted(buf, len, f.name[3] + 3, 'e', 1) == AE_ECORRUPT, "a column name twice: AE_ECORRUPT");
	ncases++;
	free(buf);

	/* a cvae without its condition, or with two */
	build_kind(&m, &reg.alloc, AE_KIND_CVAE);
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	CHECK(read_exact(buf, len) == AE_OK && buf[f.flags[4]] == AE_COLFLAG_CONDITION, "the cvae reads");
	CHECK(read_crafted(buf, len, f.flags[4], 0, 1) == AE_ECORRUPT, "a cvae without a condition: AE_ECORRUPT");
	CHECK(read_crafted(buf, len, f.flags[1], AE_COLFLAG_CONDITION, 1) == AE_ECORRUPT,
		  "a cvae with two conditions: AE_ECORRUPT");
	ncases += 2;
	free(buf);
	printf("   %d fields altered alone, each refused\n", ncases);
	unit_region_free(&reg);
}

#define BIG_VOCAB 3000

/* Offset of the n bytes of needle in hay[0..len), or len when absent. */
static size_t
find_bytes(const uint8_t *hay, size_t len, const char *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return i;
	return len;
}

/*
 * A vocabulary of 3000 distinct labels, in shuffled order, reads; made to
 * hold one label twice, at any two places, it is refused.
 */
static void
test_big_vocabulary(void)
{
	UnitRegion	reg;
	AeModel		m;
	AeColumn	cols[2];
	char	  **labels;
	char	   *text;
	size_t		len;
	uint8_t    *buf;
	int			bad = 0;

	unit_region_init(&reg);
	labels = ae_alloc(&reg.alloc, sizeof(char *) * BIG_VOCAB);
	text = ae_alloc(&reg.alloc, 8 * BIG_VOCAB);
	for (int k = 0; k < BIG_VOCAB; k++)
	{
		labels[k] = text + 8 * k;
		snprintf(labels[k], 8, "v%04d", k);
	}
	for (int k = BIG_VOCAB - 1; k > 0; k--)
	{
		int			j = (int) ae_rng_below(&rng, (uint64_t) k + 1);
		char	   *t = labels[k];

		labels[k] = labels[j];
		labels[j] = t;
	}
	memset(&m, 0, sizeof(m));
	memset(cols, 0, sizeof(cols));
	strcpy(cols[0].name, "x");
	strcpy(cols[1].name, "label");
	cols[1].kind = AE_COL_CATEGORICAL;
	cols[1].ncat = BIG_VOCAB;
	cols[1].cats = labels;
	cols[1].hi = BIG_VOCAB;
	for (int c = 0; c < 2; c++)
	{
		cols[c].scale = 1;
		cols[c].weight = 1;
	}
	m.opt.kind = AE_KIND_AE;
	m.opt.score = AE_SCORE_RECONSTRUCTION;
	m.opt.latent = 1;
	m.opt.epochs = 1;
	m.opt.batch_size = 1;
	m.opt.learning_rate = 1e-3;
	m.opt.max_rows = 1;
	m.ncols = 2;
	m.cols = cols;
	if (!CHECK(ae_model_layout(&m) == AE_OK && ae_model_alloc_params(&m, &reg.alloc) == AE_OK,
			   "a model with %d labels lays out", BIG_VOCAB))
	{
		unit_region_free(&reg);
		return;
	}
	random_params(&m);
	buf = serialize(&m, &len);
	CHECK(read_exact(buf, len) == AE_OK, "%d distinct labels read", BIG_VOCAB);

	/* label a made a copy of label b, for pairs near the ends and in between */
	for (int i = 0; i < 40; i++)
	{
		int			a = i < 10 ? i : i < 20 ? BIG_VOCAB - 1 - (i - 10) : (int) ae_rng_below(&rng, BIG_VOCAB),
					b = (a + 1 + (int) ae_rng_below(&rng, BIG_VOCAB - 1)) % BIG_VOCAB;
		size_t		off = find_bytes(buf, len, labels[a], 5);
		uint8_t    *copy = malloc(len);
		AeStatus	st = AE_OK;

		memcpy(copy, buf, len);
		if (off < len)
		{
			memcpy(copy + off, labels[b], 5);
			put_le(copy + 16, ae_model_crc(copy, len, AE_FORMAT_VERSION), 4);
			st = read_exact(copy, len);
		}
		free(copy);
		if (off == len || st != AE_ECORRUPT)
		{
			bad++;
			CHECK(0, "label %s made %s: %s", labels[a], labels[b], ae_status_message(st));
		}
	}
	CHECK(bad == 0, "40 vocabularies holding one label twice: each AE_ECORRUPT");
	free(buf);
	unit_region_free(&reg);
}

/*
 * Models in the bytes of versions 4, 3, 2 and 1 still read, the options
 * they lack zero (the latent linear) and everything else as written, and
 * are written back as version 5; a body under the header of a version it
 * is not is refused.
 */
static void
test_old_versions(void)
{
	UnitRegion	reg;
	AeModel		m;
	Fields		f;
	size_t		len5;
	uint8_t    *buf5;

	unit_region_init(&reg);

	/* the walk lands on the options of versions 3 and 5, written with distinct values */
	build_kind(&m, &reg.alloc, AE_KIND_VAE);
	buf5 = serialize(&m, &len5);
	find_fields(buf5, &m, &f);
	CHECK(get_le_f64(buf5 + f.mask) == 0.2 && get_le_f64(buf5 + f.noise) == 0.3 &&
		  get_le_f64(buf5 + f.sparsity) == 0.125 && get_le_f64(buf5 + f.sparsity_target) == 0.05 &&
		  get_le_f64(buf5 + f.contractive) == 0.01 && get_le_f64(buf5 + f.beta) == 0.75 &&
		  buf5[f.score] == AE_SCORE_ELBO_SAMPLES && buf5[f.latent_activation] == AE_ACT_IDENTITY &&
		  f.shape == f.latent_activation + 1 && buf5[f.shape] == 0 && f.adversarial == f.shape + 1 &&
		  get_le_f64(buf5 + f.adversarial) == 0 && buf5[f.ndisc] == 0 &&
		  f.disc_learning_rate == f.ndisc + 1 && f.depth == f.disc_learning_rate + 8 &&
		  buf5[f.depth] == 0 && f.max_rows == f.depth + 7 &&
		  get_le(buf5 + f.max_rows, 8) == 1000000,
		  "option offsets of versions 3, 5, 6, 7 and 8 found by walking the format");
	free(buf5);

	for (int version = AE_FORMAT_VERSION - 1; version >= 1; version--)
	{
		/* bytes fewer than version 8 in the options, then (before 6) the shapes and calibration */
		static const size_t shorter_options[9] = {0, 75, 67, 26, 26, 25, 24, 7, 0};
		AeModel		back;
		size_t		len,
					len_again;
		uint8_t    *buf,
				   *again;
		AeStatus	st;

		/* a sparse model, sigmoid latent, every later option set: an older version drops them */
		build_kind(&m, &reg.alloc, AE_KIND_SPARSE);
		m.opt.mask = 0.2;
		m.opt.noise = 0.3;
		m.opt.contractive = 0.01;
		m.opt.beta = 0.75;
		m.opt.score = AE_SCORE_RECONSTRUCTION;
		/* no older version has score quantiles: rows and count 0 in the current one */
		m.score_quantiles = NULL;
		m.score_rows = 0;
		buf = serialize_version(&m, version, &len);
		buf5 = serialize(&m, &len5);
		/* and before 9 the score quantiles: rows and count, 0 and 0 in this model */
		CHECK(len == len5 - shorter_options[version] -
			  (version < 6 ? m.ncols + 4 * ((size_t) m.ncols + m.n_out) : 0) - 6,
			  "version %d: %zu bytes, version %d: %zu", version, len, AE_FORMAT_VERSION, len5);
		CHECK(ae_model_crc_ok(buf, len), "version %d: ae_model_crc_ok", version);
		st = ae_model_read(buf, len, &back, &reg.alloc);
		CHECK(st == AE_OK, "version %d bytes read (%s)", version, ae_status_message(st));
		CHECK(read_exact(buf, len) == AE_OK, "version %d bytes read from an exact block", version);
		if (st == AE_OK)
		{
			const AeOptions *o = &back.opt;

			/* no calibration before version 6: the network's fills as they are */
			CHECK(version >= 6 || (back.impute_shrink == NULL && back.impute_prior == NULL),
				  "version %d: no imputation calibration", version);
			/* before version 5, what the model was trained with: a linear latent */
			if (version < 5)
			{
				CHECK(o->kind == AE_KIND_SPARSE && o->latent_activation == AE_ACT_IDENTITY &&
					  back.layers[back.nencoder - 1].act == AE_ACT_IDENTITY,
					  "version %d: a sparse model with a linear latent", version);
				m.opt.latent_activation = AE_ACT_IDENTITY;
				ae_model_layout(&m);
			}
			if (version < 3)
			{
				CHECK(o->noise == 0 && o->sparsity == 0 && o->sparsity_target == 0 &&
					  o->contractive == 0 && o->beta == 0 && o->score == AE_SCORE_RECONSTRUCTION,
					  "version %d: the options of version 3 read as zero", version);
				CHECK(o->mask == (version == 2 ? 0.2 : 0), "version %d: mask %g", version, o->mask);
				m.opt.noise = m.opt.sparsity = m.opt.sparsity_target = 0;
				m.opt.contractive = m.opt.beta = 0;
				if (version == 1)
					m.opt.mask = 0;
			}

			/* everything else as written; written again, it is version 8's bytes */
			compare_models(version == 8 ? "version 8" : version == 7 ? "version 7" : version == 6 ? "version 6" : version == 5 ? "version 5" : version == 4 ? "version 4"
						   : version == 3 ? "version 3" : version == 2 ? "version 2" : "version 1",
						   &m, &back);
			again = serialize(&back, &len_again);
			free(buf5);
			buf5 = serialize(&m, &len5);
			CHECK(len_again == len5 && memcmp(again, buf5, len5) == 0 && again[8] == AE_FORMAT_VERSION,
				  "version %d read back is written as version %d", version, AE_FORMAT_VERSION);
			free(again);
		}

		/*
		 * The kind is outside the CRC before version 4, so another kind
		 * whose network fits still reads, as it always did; from version 4
		 * the same change is caught by the CRC
		 */
		buf[10] = AE_KIND_DENOISING;
		buf5[10] = AE_KIND_DENOISING;
		st = read_exact(buf, len);
		CHECK(st == (version < 4 ? AE_OK : AE_ECRC) && read_exact(buf5, len5) == AE_ECRC,
			  "kind changed: version %d %s, version 6 AE_ECRC", version, ae_status_message(st));
		free(buf);
		free(buf5);
	}

	/* a body under the header of another version, CRC by that version's rule, does not parse */
	build_kind(&m, &reg.alloc, AE_KIND_SPARSE);
	for (int version = 1; version <= 4; version++)
	{
		size_t		len,
					len_old;
		uint8_t    *buf = serialize(&m, &len);
		uint8_t    *old = serialize_version(&m, version, &len_old);
		AeStatus	st,
					st_old;

		fix_header(buf, len, version);
		st = read_exact(buf, len);
		fix_header(old, len_old, AE_FORMAT_VERSION);
		st_old = read_exact(old, len_old);
		CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "version 5 body under version %d: %s",
			  version, ae_status_message(st));
		CHECK(st_old == AE_ECORRUPT || st_old == AE_ESHORT, "version %d body under version 5: %s",
			  version, ae_status_message(st_old));
		free(buf);
		free(old);
	}
	unit_region_free(&reg);
}

/*
 * From version 4 the CRC covers the header's version, kind and length: each
 * altered alone is refused (the length by its own check, first), whatever
 * the new value; ae_model_crc_ok agrees with the reader.
 */
static void
test_header_crc(void)
{
	UnitRegion	reg;
	AeModel		m;
	size_t		len;
	uint8_t    *buf;
	int			kinds_ok = 1,
				versions_ok = 1;

	unit_region_init(&reg);
	build_kind(&m, &reg.alloc, AE_KIND_CVAE);
	buf = serialize(&m, &len);
	CHECK(read_exact(buf, len) == AE_OK && ae_model_crc_ok(buf, len), "the cvae reads");

	/* every other kind, in either byte */
	for (int i = 10; i < 12; i++)
		for (int v = 0; v < 256; v++)
		{
			uint8_t		saved = buf[i];
			AeStatus	st;

			if (v == saved)
				continue;
			buf[i] = (uint8_t) v;
			st = read_exact(buf, len);
			if (st != AE_ECRC || ae_model_crc_ok(buf, len))
			{
				kinds_ok = 0;
				CHECK(0, "byte %d (kind) set to %d: %s", i, v, ae_status_message(st));
			}
			buf[i] = saved;
		}
	CHECK(kinds_ok, "every other kind: AE_ECRC");

	/* an older version this build reads: AE_ECRC; one it does not: AE_EVERSION */
	for (int v = 0; v < 256; v++)
	{
		AeStatus	st,
					expect = v >= 1 && v < AE_FORMAT_VERSION ? AE_ECRC : AE_EVERSION;

		if (v == AE_FORMAT_VERSION)
			continue;
		buf[8] = (uint8_t) v;
		st = read_exact(buf, len);
		if (st != expect || ae_model_crc_ok(buf, len))
		{
			versions_ok = 0;
			CHECK(0, "version byte %d: %s, expected %s", v, ae_status_message(st), ae_status_message(expect));
		}
	}
	buf[8] = AE_FORMAT_VERSION;
	CHECK(versions_ok, "versions 1 to 4 in a version 5 header: AE_ECRC; 0 and 6 to 255: AE_EVERSION");

	/* the version's high byte */
	buf[9] = 1;
	CHECK(read_exact(buf, len) == AE_EVERSION && !ae_model_crc_ok(buf, len), "version 260: AE_EVERSION");
	buf[9] = 0;

	/* ae_model_crc_ok on what is not a whole model header */
	CHECK(ae_model_crc_ok(buf, len) && !ae_model_crc_ok(buf, len - 1) && !ae_model_crc_ok(buf, 19) &&
		  !ae_model_crc_ok(buf, 0), "ae_model_crc_ok: only for exactly the header's length");
	buf[0] = 'a';
	CHECK(!ae_model_crc_ok(buf, len), "ae_model_crc_ok: not without the magic");
	buf[0] = 'A';
	CHECK(read_exact(buf, len) == AE_OK, "the cvae is intact after the changes");
	free(buf);
	unit_region_free(&reg);
}

/* One hex digit's value, -1 when c is not one. */
static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#define UPGRADE_MODELS "test/upgrade/models-0.1.0.txt"

/*
 * The models ae 0.1.0 trained (format version 3, "name|hex" a line, kept
 * for the upgrade tests) still read, and pass every check of this reader.
 */
static void
test_released_models(void)
{
	FILE	   *fp = fopen(UPGRADE_MODELS, "rb");
	char	   *text;
	long		size;
	int			n = 0;

	if (!CHECK(fp != NULL, "open %s (run from the top of the source tree): %s", UPGRADE_MODELS,
			   strerror(errno)))
		return;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	text = malloc((size_t) size + 1);
	if (fread(text, 1, (size_t) size, fp) != (size_t) size)
		size = 0;
	text[size] = 0;
	fclose(fp);

	for (char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line))
	{
		char	   *hex = strchr(line, '|');
		size_t		len = 0;
		uint8_t    *buf;
		AeStatus	st;

		if (!hex)
			continue;
		*hex++ = 0;
		buf = malloc(strlen(hex) / 2 + 1);
		while (hex_digit(hex[2 * len]) >= 0 && hex_digit(hex[2 * len + 1]) >= 0)
		{
			buf[len] = (uint8_t) (hex_digit(hex[2 * len]) << 4 | hex_digit(hex[2 * len + 1]));
			len++;
		}
		st = read_exact(buf, len);
		CHECK(st == AE_OK && len > 8 && buf[8] == 3 && ae_model_crc_ok(buf, len),
			  "model %s of ae 0.1.0 (version %d, %zu bytes): %s", line, len > 8 ? buf[8] : -1, len,
			  ae_status_message(st));
		printf("   %s: version %d, %zu bytes, %s\n", line, len > 8 ? buf[8] : -1, len, ae_status_message(st));
		n++;
		free(buf);
		line = hex + 2 * len;
	}
	CHECK(n >= 2, "%d models in %s", n, UPGRADE_MODELS);
	free(text);
}

/* An allocator that runs dry makes the reader report AE_ENOMEM, at every point. */
static void
test_read_nomem(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	size_t		len;
	uint8_t    *buf;
	size_t		need;
	int			nomem = 0,
				bad = 0;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	unit_region_free(&reg);

	unit_region_init(&reg);
	CHECK(ae_model_read(buf, len, &back, &reg.alloc) == AE_OK, "reads with no limit");
	need = reg.bytes;
	unit_region_free(&reg);
	for (size_t limit = 1; limit < need; limit += 7)
	{
		AeStatus	st;

		unit_region_init(&reg);
		reg.limit = limit;
		st = ae_model_read(buf, len, &back, &reg.alloc);
		if (st == AE_ENOMEM)
			nomem++;
		else
			bad++;
		unit_region_free(&reg);
	}
	CHECK(bad == 0 && nomem > 0, "every allocation limit under %zu bytes gives AE_ENOMEM (%d)", need, nomem);
	free(buf);
}

/* Write the seed models into dir for the fuzzer's corpus. */
static int
write_seeds(const char *dir)
{
	UnitRegion	reg;
	AeModel		m;
	int			rc = 0;

	unit_region_init(&reg);
	for (int i = 0; i < 11 && rc == 0; i++)
	{
		/* name; kind (-1: the mixed ae, -2: the minimal model); format version (0: the current) */
		static const struct
		{
			const char *name;
			int			kind;
			int			version;
		}			seeds[11] = {
			{"mixed", -1, 0}, {"minimal", -2, 0}, {"vae", AE_KIND_VAE, 0}, {"cvae", AE_KIND_CVAE, 0},
			{"mixed-v3", -1, 3}, {"mixed-v1", -1, 1}, {"mixed-v4", -1, 4},
			{"sparse", AE_KIND_SPARSE, 0}, {"contractive", AE_KIND_CONTRACTIVE, 0},
			{"aae", AE_KIND_AAE, 0}, {"transformer", AE_KIND_TRANSFORMER, 0},
		};
		char		path[4096];
		size_t		len;
		uint8_t    *buf;
		FILE	   *fp;
		AeStatus	st;

		st = seeds[i].kind == -1 ? build_mixed(&m, &reg.alloc)
			: seeds[i].kind == -2 ? build_minimal(&m, &reg.alloc)
			: build_kind(&m, &reg.alloc, seeds[i].kind);
		if (st != AE_OK)
			rc = 1;
		else
		{
			buf = seeds[i].version ? serialize_version(&m, seeds[i].version, &len) : serialize(&m, &len);
			snprintf(path, sizeof(path), "%s/%s.aemodel", dir, seeds[i].name);
			if ((fp = fopen(path, "wb")) == NULL ||
				fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
			{
				fprintf(stderr, "could not write %s: %s\n", path, strerror(errno));
				rc = 1;
			}
			free(buf);
		}
	}
	unit_region_free(&reg);
	return rc;
}

/*
 * A model scored by distance: its statistics round-trip (the model read
 * back scores rows identically), and each of them made unusable alone — a
 * recon_mean of zero, NaN or below zero, a center that is not finite, a
 * whitening factor with a diagonal entry of zero or below or a NaN below
 * it — is refused with AE_ECORRUPT.  The statistics sit between the
 * metrics and the parameters: 8 bytes of recon_mean, L floats of center,
 * the L (L + 1) / 2 floats of W's lower triangle by rows.
 */
static void
test_distance_stats(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	AeWork		w1,
				w2;
	size_t		len,
				stats;
	uint8_t    *buf;
	int			L;
	int			same = 1;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	m.opt.score = AE_SCORE_DISTANCE;
	L = m.opt.latent;
	m.recon_mean = 0.75;
	m.code_center = ae_alloc(&reg.alloc, sizeof(ae_real) * L);
	m.code_whiten = ae_alloc(&reg.alloc, sizeof(ae_real) * L * L);
	for (int i = 0; i < L; i++)
	{
		m.code_center[i] = (ae_real) ae_rng_normal(&rng);
		for (int j = 0; j < L; j++)
			m.code_whiten[i * L + j] = j > i ? 0 : (ae_real) (j == i ? 0.5 + ae_rng_uniform(&rng)
															   : ae_rng_normal(&rng));
	}
	buf = serialize(&m, &len);
	stats = fields_of(buf, &m).impute - (8 + 4 * (size_t) L * (L + 3) / 2);
	CHECK(get_le_f64(buf + stats) == 0.75, "recon_mean found before the parameters");
	CHECK(ae_model_read(buf, len, &back, &reg.alloc) == AE_OK && back.opt.score == AE_SCORE_DISTANCE,
		  "a model scored by distance reads back");
	if (back.opt.score == AE_SCORE_DISTANCE &&
		ae_work_init(&w1, &m, 1, &reg.alloc) == AE_OK && ae_work_init(&w2, &back, 1, &reg.alloc) == AE_OK)
		for (int i = 0; i < 50; i++)
		{
			ae_real		t[5] = {(ae_real) ae_rng_normal(&rng), (ae_real) ae_rng_below(&rng, 2),
			(ae_real) ae_rng_below(&rng, 5), 0, (ae_real) ae_rng_below(&rng, 6)};
			uint8_t		mask[5] = {1, 1, 1, 0, 1};
			double		s1 = ae_model_score(&m, &w1, t, mask),
						s2 = ae_model_score(&back, &w2, t, mask);

			/* bit for bit: random weights may take a score to inf or NaN, alike in both */
			same &= memcmp(&s1, &s2, sizeof(double)) == 0;
		}
	CHECK(same, "the model read back scores 50 rows identically");
	{
		size_t		center = stats + 8,
					tri = center + 4 * (size_t) L;
		const Crafted cases[] = {
			{"recon_mean 0", stats, f64_bits(0), 8},
			{"recon_mean -1", stats, f64_bits(-1), 8},
			{"recon_mean NaN", stats, f64_bits(NAN), 8},
			{"center NaN", center + 4 * (L - 1), f32_bits(NAN), 4},
			{"whitening diagonal 0", tri, f32_bits(0), 4},
			{"whitening diagonal -1", tri + 4 * 2, f32_bits(-1), 4},
			{"whitening below the diagonal NaN", tri + 4 * 1, f32_bits(NAN), 4},
			{"whitening infinite", tri + 4 * 4, f32_bits(INFINITY), 4},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			AeStatus	st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);

			CHECK(st == AE_ECORRUPT, "%s refused (%s)", cases[i].what, ae_status_message(st));
		}
	}
	/* a version 4 model cannot be scored by distance: its score byte reads as reconstruction */
	{
		uint8_t    *v4 = serialize_version(&m, 4, &len);

		CHECK(ae_model_read(v4, len, &back, &reg.alloc) != AE_OK,
			  "version 4 bytes with the statistics in them are refused");
		free(v4);
	}
	free(buf);
	unit_region_free(&reg);
}

/*
 * The imputation calibration (version 6): written and read back exactly,
 * every value checked, and models of version 5 and older read without it.
 */
static void
test_impute_stats(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	Fields		f;
	size_t		len;
	uint8_t    *buf;
	int			same = 1;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	m.impute_shrink = ae_alloc(&reg.alloc, sizeof(ae_real) * m.ncols);
	m.impute_prior = ae_alloc(&reg.alloc, sizeof(ae_real) * m.n_out);
	for (int c = 0; c < m.ncols; c++)
	{
		const AeColumn *col = &m.cols[c];

		m.impute_shrink[c] = (ae_real) c / m.ncols;
		for (int k = 0; k < col->out_width; k++)
			m.impute_prior[col->out_off + k] = col->kind == AE_COL_NUMERIC ? -0.25f
				: col->kind == AE_COL_BOOLEAN ? 0.75f : 1.0f / col->out_width;
	}
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	CHECK(get_le_f32(buf + f.impute) == 0 && get_le_f32(buf + f.impute + 4) == -0.25f,
		  "the calibration found before the parameters: shrink then prior");
	CHECK(ae_model_read(buf, len, &back, &reg.alloc) == AE_OK && back.impute_shrink != NULL,
		  "a model with a calibration reads back");
	if (back.impute_shrink)
	{
		for (int c = 0; c < m.ncols; c++)
			same &= back.impute_shrink[c] == m.impute_shrink[c];
		for (int k = 0; k < m.n_out; k++)
			same &= back.impute_prior[k] == m.impute_prior[k];
	}
	CHECK(same, "every shrink and prior read back exactly");
	{
		size_t		num = f.impute,		/* column 0, numeric: shrink, mean */
					boolean = num + 8,	/* column 1: shrink, share of true */
					cat = boolean + 8;	/* column 2: shrink, 5 class shares */
		const Crafted cases[] = {
			{"shrink above 1", num, f32_bits(1.5f), 4},
			{"shrink below 0", boolean, f32_bits(-0.125f), 4},
			{"shrink NaN", cat, f32_bits(NAN), 4},
			{"numeric mean NaN", num + 4, f32_bits(NAN), 4},
			{"numeric mean infinite", num + 4, f32_bits(INFINITY), 4},
			{"boolean share above 1", boolean + 4, f32_bits(1.25f), 4},
			{"class share negative", cat + 4, f32_bits(-0.2f), 4},
			{"class shares summing to 1.3", cat + 8, f32_bits(0.5f), 4},
			{"class share NaN", cat + 12, f32_bits(NAN), 4},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			AeStatus	st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);

			CHECK(st == AE_ECORRUPT, "%s refused (%s)", cases[i].what, ae_status_message(st));
		}
	}
	free(buf);
	unit_region_free(&reg);
}

/*
 * Array elements (version 6): a model whose numeric column 0 and a second
 * numeric column are elements 0 and 5 of a [2][3] array reads back with
 * their shapes and places, and every checked field refuses bad values.
 */
static void
test_array_shapes(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	Fields		f;
	size_t		len;
	uint8_t    *buf;
	AeStatus	st;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	m.cols[0].ndim = 2;
	m.cols[0].dims[0] = 2;
	m.cols[0].dims[1] = 3;
	m.cols[0].elem = 5;
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	CHECK(buf[f.shapes] == 2 && get_le(buf + f.shapes + 1, 4) == 2 &&
		  get_le(buf + f.shapes + 5, 4) == 3 && get_le(buf + f.shapes + 9, 4) == 5 &&
		  buf[f.shapes + 13] == 0, "the shapes block found after the columns");
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(st == AE_OK && back.cols[0].ndim == 2 && back.cols[0].dims[0] == 2 &&
		  back.cols[0].dims[1] == 3 && back.cols[0].elem == 5 && back.cols[1].ndim == 0,
		  "an array element reads back with its shape and place (%s)", ae_status_message(st));
	{
		size_t		col0 = f.shapes,
					col1 = f.shapes + 14;	/* the boolean column */
		const Crafted cases[] = {
			{"ndim 4", col0, 4, 1},
			{"a dimension of 0", col0 + 1, 0, 4},
			{"a dimension over the column limit", col0 + 5, AE_MAX_COLUMNS + 1, 4},
			{"a shape of more elements than columns allowed", col0 + 1, 1000, 4},
			{"the place past the end", col0 + 9, 6, 4},
			{"the place negative", col0 + 9, 0xffffffffu, 4},
			{"a boolean column as an element", col1, 1, 1},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);
			CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "%s refused (%s)", cases[i].what,
				  ae_status_message(st));
		}
	}
	free(buf);
	unit_region_free(&reg);
}

/*
 * An lstm model (kind 6: every column an element of one 1-D array) reads
 * back as written; its kind on columns that are not one sequence, or a
 * sequence column in the wrong order, is refused.
 */
static void
test_lstm_model(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	AeColumn	cols[5];
	size_t		len;
	uint8_t    *buf;
	AeStatus	st;
	Fields		f;

	unit_region_init(&reg);
	memset(&m, 0, sizeof(m));
	memset(cols, 0, sizeof(cols));
	for (int c = 0; c < 5; c++)
	{
		strcpy(cols[c].name, "steps");
		cols[c].kind = AE_COL_NUMERIC;
		cols[c].sqltype = 4;	/* real */
		cols[c].scale = 2;
		cols[c].center = 1;
		cols[c].weight = 1;
		cols[c].hi = 3;
		cols[c].flags = AE_COLFLAG_INDICATOR;
		cols[c].ndim = 1;
		cols[c].dims[0] = 5;
		cols[c].elem = c;
	}
	m.opt.kind = AE_KIND_LSTM;
	m.opt.activation = AE_ACT_TANH;
	m.opt.nhidden = 1;
	m.opt.hidden[0] = 4;
	m.opt.latent = 2;
	m.opt.epochs = 3;
	m.opt.batch_size = 8;
	m.opt.learning_rate = 1e-3;
	m.opt.max_rows = 10;
	m.opt.score = AE_SCORE_RECONSTRUCTION;
	m.ncols = 5;
	m.cols = cols;
	st = ae_model_layout(&m);
	CHECK(st == AE_OK && m.nparams == m.seq.out_b + 1 && m.n_in == 10 && m.n_out == 5,
		  "an lstm model lays out: %zu parameters (%s)", m.nparams, ae_status_message(st));
	if (st != AE_OK || ae_model_alloc_params(&m, &reg.alloc) != AE_OK)
		goto done;
	random_params(&m);
	buf = serialize(&m, &len);
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(st == AE_OK && back.opt.kind == AE_KIND_LSTM && back.nparams == m.nparams &&
		  memcmp(back.params, m.params, sizeof(ae_real) * m.nparams) == 0,
		  "an lstm model reads back with its parameters (%s)", ae_status_message(st));
	find_fields(buf, &m, &f);
	{
		const Crafted cases[] = {
			{"a step out of order", f.shapes + 9 + 5, 4, 4},	/* column 0's place */
			{"a step of another shape", f.shapes + 1, 6, 4},
			{"a sequence column without shape", f.shapes, 0, 1},
			{"two hidden sizes", f.nhidden, 2, 1},
			{"an image shape on an lstm model", f.shape, 2, 1},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);
			CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "lstm: %s refused (%s)", cases[i].what,
				  ae_status_message(st));
		}
	}
	free(buf);
done:
	unit_region_free(&reg);
}

/*
 * An aae model: its options round trip; out-of-range ones, aae options on
 * another kind and an aae in version 6 bytes are refused.
 */
static void
test_aae_model(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	size_t		len,
				len6;
	uint8_t    *buf,
			   *buf6;
	AeStatus	st;
	Fields		f;

	unit_region_init(&reg);
	if (build_kind(&m, &reg.alloc, AE_KIND_AAE) != AE_OK)
		goto done;
	m.opt.adversarial = 0.5;
	m.opt.ndisc = 2;
	m.opt.disc[0] = 32;
	m.opt.disc[1] = 16;
	m.opt.disc_learning_rate = 1e-3;
	buf = serialize(&m, &len);
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(st == AE_OK, "an aae model reads back (%s)", ae_status_message(st));
	if (st == AE_OK)
		compare_models("aae", &m, &back);
	find_fields(buf, &m, &f);
	{
		const Crafted cases[] = {
			{"a negative adversarial weight", f.adversarial, f64_bits(-1), 8},
			{"a NaN adversarial weight", f.adversarial, f64_bits(NAN), 8},
			{"8 discriminator layers", f.ndisc, 8, 1},
			{"a discriminator layer of 0 units", f.ndisc + 1, 0, 4},
			{"a discriminator layer of 4097 units", f.ndisc + 5, AE_MAX_DISC_WIDTH + 1, 4},
			{"a discriminator rate of 2", f.disc_learning_rate, f64_bits(2), 8},
			{"aae options on an ae", 10, AE_KIND_AE, 2},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);
			CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "aae: %s refused (%s)", cases[i].what,
				  ae_status_message(st));
		}
	}
	/* version 6 has no aae: its bytes with the kind are refused */
	buf6 = serialize_version(&m, 6, &len6);
	st = ae_model_read(buf6, len6, &back, &reg.alloc);
	CHECK(st == AE_ECORRUPT, "an aae in version 6 bytes refused (%s)", ae_status_message(st));
	free(buf6);
	free(buf);
done:
	unit_region_free(&reg);
}

/*
 * A transformer reads back; each of its options out of range, its kind on
 * another kind's bytes (or another kind on its bytes), and its bytes as
 * version 7's are refused.
 */
static void
test_transformer_format(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	size_t		len,
				len7;
	uint8_t    *buf,
			   *buf7;
	AeStatus	st;
	Fields		f;

	unit_region_init(&reg);
	if (!CHECK(build_kind(&m, &reg.alloc, AE_KIND_TRANSFORMER) == AE_OK, "a transformer lays out"))
		goto done;
	buf = serialize(&m, &len);
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(st == AE_OK, "a transformer reads back (%s)", ae_status_message(st));
	if (st == AE_OK)
		compare_models("transformer", &m, &back);
	find_fields(buf, &m, &f);
	CHECK(buf[f.depth] == 2 && get_le(buf + f.depth + 1, 2) == 2 && get_le(buf + f.depth + 3, 4) == 8,
		  "the transformer's depth, heads and width found by walking the format");
	{
		const Crafted cases[] = {
			{"0 blocks", f.depth, 0, 1},
			{"17 blocks", f.depth, AE_TF_MAX_DEPTH + 1, 1},
			{"0 heads", f.depth + 1, 0, 2},
			{"3 heads over a width of 8", f.depth + 1, 3, 2},
			{"width 0", f.depth + 3, 0, 4},
			{"width 1026 over 2 heads", f.depth + 3, AE_TF_MAX_WIDTH + 2, 4},
			{"width 2^31", f.depth + 3, 0x80000000u, 4},
			{"a transformer's bytes as an ae's", 10, AE_KIND_AE, 2},
			{"a transformer's bytes as an lstm's", 10, AE_KIND_LSTM, 2},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);
			CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "transformer: %s refused (%s)",
				  cases[i].what, ae_status_message(st));
		}
	}
	/* a column without its indicator cannot be a token */
	{
		AeModel		bad;
		size_t		blen;
		uint8_t    *bbuf;

		build_kind(&bad, &reg.alloc, AE_KIND_AE);
		bbuf = serialize(&bad, &blen);
		CHECK(read_crafted(bbuf, blen, 10, AE_KIND_TRANSFORMER, 2) == AE_ECORRUPT,
			  "an ae's bytes as a transformer's refused");
		free(bbuf);
	}
	/* version 7 has no transformer */
	buf7 = serialize_version(&m, 7, &len7);
	st = ae_model_read(buf7, len7, &back, &reg.alloc);
	CHECK(st == AE_ECORRUPT, "a transformer in version 7 bytes refused (%s)", ae_status_message(st));
	free(buf7);
	free(buf);
done:
	unit_region_free(&reg);
}

/*
 * The score quantiles (version 9): found after the calibration, as rows,
 * count and values; a model without them writes rows and count 0 and reads
 * back without; version 8 bytes of a model read without them; each bad
 * count, row number or value, with the CRC recomputed, is refused, while
 * ties and a negative first quantile read.
 */
static void
test_quantile_section(void)
{
	UnitRegion	reg;
	AeModel		m,
				back;
	Fields		f;
	size_t		len,
				len8,
				q;
	uint8_t    *buf,
			   *buf8;
	AeStatus	st;

	unit_region_init(&reg);
	build_mixed(&m, &reg.alloc);
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	q = f.quantiles + 6;
	CHECK(get_le(buf + f.quantiles, 4) == 990 && get_le(buf + f.quantiles + 4, 2) == AE_QUANTILES &&
		  get_le_f64(buf + q) == 0.125 && f.nparams == q + 8 * AE_QUANTILES,
		  "quantiles after the calibration: rows, count, then the values");
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(st == AE_OK && back.score_rows == 990 && back.score_quantiles != NULL &&
		  memcmp(back.score_quantiles, m.score_quantiles, sizeof(double) * AE_QUANTILES) == 0,
		  "quantiles read back bit for bit (%s)", ae_status_message(st));

	buf8 = serialize_version(&m, 8, &len8);
	st = ae_model_read(buf8, len8, &back, &reg.alloc);
	CHECK(st == AE_OK && back.score_quantiles == NULL && back.score_rows == 0 &&
		  len8 == len - 6 - 8 * AE_QUANTILES, "version 8 bytes read without quantiles (%s)",
		  ae_status_message(st));
	free(buf8);
	{
		const Crafted cases[] = {
			{"count 1", f.quantiles + 4, 1, 2},
			{"count one fewer", f.quantiles + 4, AE_QUANTILES - 1, 2},
			{"count one more", f.quantiles + 4, AE_QUANTILES + 1, 2},
			{"count 0xFFFF", f.quantiles + 4, 0xFFFF, 2},
			{"count 0 with rows", f.quantiles + 4, 0, 2},
			{"rows 0 with quantiles", f.quantiles, 0, 4},
			{"rows over the rows used", f.quantiles, 1001, 4},
			{"rows 0xFFFFFFFF", f.quantiles, 0xFFFFFFFF, 4},
			{"a NaN quantile", q + 8 * 100, f64_bits(NAN), 8},
			{"an infinite last quantile", q + 8 * (AE_QUANTILES - 1), f64_bits(INFINITY), 8},
			{"a first quantile of -infinity", q, f64_bits(-INFINITY), 8},
			{"a quantile below the one before", q + 8 * 200, f64_bits(0.1), 8},
			{"the last below the one before", q + 8 * (AE_QUANTILES - 1), f64_bits(0.125), 8},
			{"the first above the second", q, f64_bits(0.2), 8},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			st = read_crafted(buf, len, cases[i].off, cases[i].value, cases[i].nbytes);
			CHECK(st == AE_ECORRUPT || st == AE_ESHORT, "quantiles: %s refused (%s)",
				  cases[i].what, ae_status_message(st));
		}
	}
	CHECK(read_crafted(buf, len, q + 8 * 10, f64_bits(0.125), 8) == AE_OK &&
		  read_crafted(buf, len, q, f64_bits(-1e300), 8) == AE_OK,
		  "a longer tie and a negative first quantile read");
	free(buf);

	m.score_quantiles = NULL;
	m.score_rows = 0;
	buf = serialize(&m, &len);
	find_fields(buf, &m, &f);
	st = ae_model_read(buf, len, &back, &reg.alloc);
	CHECK(get_le(buf + f.quantiles, 6) == 0 && f.nparams == f.quantiles + 6 && st == AE_OK &&
		  back.score_quantiles == NULL, "no quantiles: rows and count 0, read back without");
	CHECK(read_crafted(buf, len, f.quantiles, 5, 4) == AE_ECORRUPT,
		  "no quantiles but rows refused");
	free(buf);
	unit_region_free(&reg);
}

static const UnitTest tests[] = {
	{"crc32c test vectors", test_crc},
	{"round trips", test_round_trip},
	{"size and header", test_size},
	{"truncation", test_truncation},
	{"truncation behind a consistent header", test_consistent_truncation},
	{"flipped bytes and bits", test_flips},
	{"magic, version, length", test_header},
	{"crafted bodies with valid checksums", test_crafted},
	{"every checked field altered alone", test_validated_fields},
	{"a vocabulary of 3000 labels", test_big_vocabulary},
	{"older format versions", test_old_versions},
	{"the distance score's statistics", test_distance_stats},
	{"the imputation calibration", test_impute_stats},
	{"array shapes", test_array_shapes},
	{"an lstm model", test_lstm_model},
	{"an aae model", test_aae_model},
	{"the transformer kind's options", test_transformer_format},
	{"the score quantiles", test_quantile_section},
	{"versions 4 and 5: the header under the CRC", test_header_crc},
	{"models written by ae 0.1.0", test_released_models},
	{"allocation failures", test_read_nomem},
};

/* Run the format tests, or write the fuzzer's seeds with --write-seed DIR. */
int
main(int argc, char **argv)
{
	ae_rng_seed(&rng, 4242);
	if (argc == 3 && strcmp(argv[1], "--write-seed") == 0)
		return write_seeds(argv[2]);
	if (argc != 1)
	{
		fprintf(stderr, "usage: %s [--write-seed DIR]\n", argv[0]);
		return 2;
	}
	return unit_main(tests, UNIT_NTESTS(tests));
}
