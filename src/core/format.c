/*
 * format.c — writing and validating reading of the model bytes.
 *
 * Both directions walk the same field order.  The writer's cursor only
 * counts when it has no buffer, so the size and the bytes cannot disagree.
 */
#include "core/format.h"

#include "core/dense.h"

#include <math.h>
#include <string.h>

static const uint8_t magic[8] = {'A', 'E', 'M', 'O', 'D', 'E', 'L', 0};

/* ---- CRC32C ---- */

static uint32_t crc_table[256];
static int	crc_ready;

/* CRC32C, reflected polynomial 0x82F63B78, table-driven. */
uint32_t
ae_crc32c(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (!crc_ready)
	{
		for (uint32_t i = 0; i < 256; i++)
		{
			uint32_t	c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			crc_table[i] = c;
		}
		crc_ready = 1;
	}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- writer ---- */

typedef struct Writer
{
	uint8_t    *buf;			/* NULL: count only */
	size_t		pos;
} Writer;

static void
put_bytes(Writer *w, const void *p, size_t n)
{
	if (w->buf && n)
		memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static void
put_uint(Writer *w, uint64_t v, int nbytes)
{
	uint8_t		b[8];

	for (int i = 0; i < nbytes; i++)
		b[i] = (uint8_t) (v >> (8 * i));
	put_bytes(w, b, nbytes);
}

static void
put_f32(Writer *w, float f)
{
	uint32_t	u;

	memcpy(&u, &f, 4);
	put_uint(w, u, 4);
}

static void
put_f64(Writer *w, double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	put_uint(w, u, 8);
}

/* Everything after the header, in format order. */
static void
write_body(Writer *w, const AeModel *m)
{
	const AeOptions *o = &m->opt;
	const AeMetrics *mt = &m->metrics;

	put_uint(w, o->activation, 2);
	put_uint(w, o->nhidden, 2);
	for (int i = 0; i < o->nhidden; i++)
		put_uint(w, o->hidden[i], 4);
	put_uint(w, o->latent, 4);
	put_uint(w, o->epochs, 4);
	put_uint(w, o->batch_size, 4);
	put_f64(w, o->learning_rate);
	put_f64(w, o->weight_decay);
	put_f64(w, o->grad_clip);
	put_f64(w, o->val_share);
	put_f64(w, o->mask);
	put_f64(w, o->noise);
	put_f64(w, o->sparsity);
	put_f64(w, o->sparsity_target);
	put_f64(w, o->contractive);
	put_f64(w, o->beta);
	put_uint(w, o->score, 1);
	put_uint(w, o->latent_activation, 1);
	put_uint(w, o->shape_ndim, 1);
	for (int d = 0; d < o->shape_ndim; d++)
		put_uint(w, o->shape[d], 4);
	put_f64(w, o->adversarial);
	put_uint(w, o->ndisc, 1);
	for (int i = 0; i < o->ndisc; i++)
		put_uint(w, o->disc[i], 4);
	put_f64(w, o->disc_learning_rate);
	put_uint(w, o->depth, 1);
	put_uint(w, o->heads, 2);
	put_uint(w, o->width, 4);
	put_uint(w, (uint64_t) o->max_rows, 8);
	put_uint(w, o->seed, 8);

	put_uint(w, m->ncols, 4);
	for (int c = 0; c < m->ncols; c++)
	{
		const AeColumn *col = &m->cols[c];
		size_t		nlen = strlen(col->name);

		put_uint(w, nlen, 1);
		put_bytes(w, col->name, nlen);
		put_uint(w, col->kind, 1);
		put_uint(w, col->sqltype, 1);
		put_uint(w, col->transform, 1);
		put_uint(w, col->flags, 1);
		put_f32(w, col->center);
		put_f32(w, col->scale);
		put_f32(w, col->lo);
		put_f32(w, col->hi);
		put_f32(w, col->weight);
		put_uint(w, col->ncat, 4);
		for (int k = 0; k < col->ncat; k++)
		{
			size_t		len = strlen(col->cats[k]);

			put_uint(w, len, 4);
			put_bytes(w, col->cats[k], len);
		}
	}

	/* version 6: each column's array shape and place (ndim 0: a column of its own) */
	for (int c = 0; c < m->ncols; c++)
	{
		const AeColumn *col = &m->cols[c];

		put_uint(w, col->ndim, 1);
		for (int d = 0; d < col->ndim; d++)
			put_uint(w, col->dims[d], 4);
		if (col->ndim > 0)
			put_uint(w, col->elem, 4);
	}

	put_uint(w, (uint64_t) mt->rows_seen, 8);
	put_uint(w, mt->rows_used, 4);
	put_uint(w, mt->n_train, 4);
	put_uint(w, mt->n_val, 4);
	put_f64(w, mt->seconds);
	put_uint(w, mt->epochs_run, 4);
	put_uint(w, mt->best_epoch, 4);
	for (int e = 0; e < mt->epochs_run; e++)
		put_f32(w, mt->train_loss[e]);
	for (int e = 0; e < mt->epochs_run; e++)
		put_f32(w, mt->val_loss[e]);

	if (o->score == AE_SCORE_DISTANCE)
	{
		int			L = o->latent;

		put_f64(w, m->recon_mean);
		for (int j = 0; j < L; j++)
			put_f32(w, (float) m->code_center[j]);
		for (int i = 0; i < L; i++)
			for (int j = 0; j <= i; j++)
				put_f32(w, (float) m->code_whiten[(size_t) i * L + j]);
	}

	/* a model without calibration is written with a neutral one: shrink 1 */
	for (int c = 0; c < m->ncols; c++)
	{
		const AeColumn *col = &m->cols[c];

		put_f32(w, m->impute_shrink ? (float) m->impute_shrink[c] : 1);
		for (int k = 0; k < col->out_width; k++)
			put_f32(w, m->impute_shrink ? (float) m->impute_prior[col->out_off + k]
					: col->kind == AE_COL_NUMERIC ? 0 : 1.0f / (col->kind == AE_COL_BOOLEAN ? 2 : col->out_width));
	}

	/* version 9: the training rows' score quantiles; none (0, 0) for a model that has none */
	put_uint(w, m->score_quantiles ? m->score_rows : 0, 4);
	put_uint(w, m->score_quantiles ? AE_QUANTILES : 0, 2);
	for (int i = 0; m->score_quantiles && i < AE_QUANTILES; i++)
		put_f64(w, m->score_quantiles[i]);

	put_uint(w, m->nparams, 4);
	for (size_t i = 0; i < m->nparams; i++)
		put_f32(w, (float) m->params[i]);
}

/* Exact serialized size. */
size_t
ae_model_size(const AeModel *model)
{
	Writer		w = {NULL, AE_HEADER_SIZE};

	write_body(&w, model);
	return w.pos;
}

/* Serialize: body first, then the header, its checksum last. */
void
ae_model_write(const AeModel *model, uint8_t *buf)
{
	Writer		w = {buf, AE_HEADER_SIZE};
	Writer		h = {buf, 0};

	write_body(&w, model);
	put_bytes(&h, magic, 8);
	put_uint(&h, AE_FORMAT_VERSION, 2);
	put_uint(&h, model->opt.kind, 2);
	put_uint(&h, w.pos, 4);
	put_uint(&h, ae_model_crc(buf, w.pos, AE_FORMAT_VERSION), 4);
}

/* ---- header ---- */

/* Little-endian 16-bit value at p. */
static uint32_t
le16(const uint8_t *p)
{
	return p[0] | (uint32_t) p[1] << 8;
}

/* Little-endian 32-bit value at p. */
static uint32_t
le32(const uint8_t *p)
{
	return p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* The CRC a header of this version holds; see format.h. */
uint32_t
ae_model_crc(const uint8_t *buf, size_t len, int version)
{
	uint32_t	crc = 0;

	if (version >= 4)
		crc = ae_crc32c(crc, buf + 8, 8);
	return ae_crc32c(crc, buf + AE_HEADER_SIZE, len - AE_HEADER_SIZE);
}

/* A readable header of exactly len bytes whose CRC matches; see format.h. */
int
ae_model_crc_ok(const uint8_t *buf, size_t len)
{
	uint32_t	total,
				crc;
	int			version;

	if (!ae_model_identity(buf, len, &total, &crc))
		return 0;
	version = (int) le16(buf + 8);
	return version >= 1 && version <= AE_FORMAT_VERSION &&
		ae_model_crc(buf, len, version) == crc;
}

/* The header's claimed length and checksum; see format.h. */
int
ae_model_identity(const uint8_t *buf, size_t len, uint32_t *total, uint32_t *crc)
{
	if (len < AE_HEADER_SIZE || memcmp(buf, magic, 8) != 0)
		return 0;
	*total = le32(buf + 12);
	*crc = le32(buf + 16);
	return *total == len;
}

/* ---- reader ---- */

typedef struct Reader
{
	const uint8_t *buf;
	size_t		len;
	size_t		pos;
	AeStatus	err;			/* first failure; reads after it return zeros */
} Reader;

/* Claim n bytes, or fail with AE_ESHORT. */
static const uint8_t *
take(Reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err != AE_OK)
		return NULL;
	if (n > r->len - r->pos)
	{
		r->err = AE_ESHORT;
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

static uint64_t
get_uint(Reader *r, int nbytes)
{
	const uint8_t *p = take(r, nbytes);
	uint64_t	v = 0;

	if (!p)
		return 0;
	for (int i = 0; i < nbytes; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

static float
get_f32(Reader *r)
{
	uint32_t	u = (uint32_t) get_uint(r, 4);
	float		f;

	memcpy(&f, &u, 4);
	return f;
}

static double
get_f64(Reader *r)
{
	uint64_t	u = get_uint(r, 8);
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

/* Fail with AE_ECORRUPT unless cond holds. */
static void
check(Reader *r, int cond)
{
	if (r->err == AE_OK && !cond)
		r->err = AE_ECORRUPT;
}

/* A string of len bytes, NUL-terminated in a fresh allocation; no embedded NULs. */
static char *
get_string(Reader *r, size_t len, const AeAlloc *a)
{
	const uint8_t *p = take(r, len);
	char	   *s;

	if (!p)
		return NULL;
	if (memchr(p, 0, len) != NULL)
	{
		check(r, 0);
		return NULL;
	}
	if ((s = ae_alloc(a, len + 1)) == NULL)
	{
		r->err = AE_ENOMEM;
		return NULL;
	}
	memcpy(s, p, len);
	return s;
}

static void
read_options(Reader *r, AeOptions *o, int version)
{
	o->activation = (int) get_uint(r, 2);
	o->nhidden = (int) get_uint(r, 2);
	check(r, o->nhidden <= AE_MAX_HIDDEN);
	for (int i = 0; r->err == AE_OK && i < o->nhidden; i++)
		o->hidden[i] = (int) get_uint(r, 4);
	o->latent = (int) get_uint(r, 4);
	o->epochs = (int) get_uint(r, 4);
	o->batch_size = (int) get_uint(r, 4);
	check(r, o->epochs >= 1 && o->epochs <= AE_MAX_EPOCHS &&
		  o->batch_size >= 1 && o->batch_size <= AE_MAX_BATCH);
	o->learning_rate = get_f64(r);
	o->weight_decay = get_f64(r);
	o->grad_clip = get_f64(r);
	o->val_share = get_f64(r);
	check(r, isfinite(o->learning_rate) && o->learning_rate > 0 &&
		  isfinite(o->weight_decay) && o->weight_decay >= 0 &&
		  isfinite(o->grad_clip) && o->grad_clip >= 0 &&
		  o->val_share >= 0 && o->val_share < 1);
	o->mask = version >= 2 ? get_f64(r) : 0;
	check(r, o->mask >= 0 && o->mask < 1);
	if (version >= 3)
	{
		o->noise = get_f64(r);
		o->sparsity = get_f64(r);
		o->sparsity_target = get_f64(r);
		o->contractive = get_f64(r);
		o->beta = get_f64(r);
		o->score = (int) get_uint(r, 1);
	}
	/* before the distance score, every kind but the variational ones scored by reconstruction */
	if (version < 5 && !AE_KIND_IS_VARIATIONAL(o->kind))
		o->score = AE_SCORE_RECONSTRUCTION;
	/* before version 5 every latent was linear; ae_model_layout checks the value */
	o->latent_activation = version >= 5 ? (int) get_uint(r, 1) : AE_ACT_IDENTITY;
	/* from version 6 a conv model's image shape: up to AE_MAX_DIMS sides, none for other kinds */
	o->shape_ndim = version >= 6 ? (int) get_uint(r, 1) : 0;
	check(r, o->shape_ndim <= AE_MAX_DIMS && (o->shape_ndim == 0 || o->kind == AE_KIND_CONV));
	for (int d = 0; r->err == AE_OK && d < o->shape_ndim; d++)
	{
		o->shape[d] = (int) get_uint(r, 4);
		check(r, o->shape[d] >= 1 && o->shape[d] <= AE_MAX_COLUMNS);
	}
	/* from version 7 the aae kind's: adversarial weight, discriminator widths and rate */
	if (version >= 7)
	{
		o->adversarial = get_f64(r);
		o->ndisc = (int) get_uint(r, 1);
		check(r, o->ndisc <= AE_MAX_HIDDEN);
		for (int i = 0; r->err == AE_OK && i < o->ndisc; i++)
		{
			o->disc[i] = (int) get_uint(r, 4);
			check(r, o->disc[i] >= 1 && o->disc[i] <= AE_MAX_DISC_WIDTH);
		}
		o->disc_learning_rate = get_f64(r);
	}
	check(r, o->kind != AE_KIND_AAE || version >= 7);
	/* from version 8 the transformer's blocks, heads and width (ae_tf_layout checks them) */
	if (version >= 8)
	{
		o->depth = (int) get_uint(r, 1);
		o->heads = (int) get_uint(r, 2);
		o->width = (int) get_uint(r, 4);
	}
	check(r, o->kind == AE_KIND_TRANSFORMER
		  ? version >= 8
		  : o->depth == 0 && o->heads == 0 && o->width == 0);
	check(r, o->adversarial >= 0 && o->adversarial <= 1000 && o->disc_learning_rate >= 0 &&
		  o->disc_learning_rate <= 1 && (o->kind == AE_KIND_AAE ||
										 (o->adversarial == 0 && o->ndisc == 0 &&
										  o->disc_learning_rate == 0)));
	/* finite and in range: a corrupt value must not reach training or scoring */
	check(r, o->noise >= 0 && o->noise <= 100 && o->sparsity >= 0 && o->sparsity <= 1e6 &&
		  o->sparsity_target >= 0 && o->sparsity_target < 1 && o->contractive >= 0 &&
		  o->contractive <= 1e6 && o->beta >= 0 && o->beta <= 1e6);
	o->max_rows = (int64_t) get_uint(r, 8);
	check(r, o->max_rows >= 1);
	o->seed = get_uint(r, 8);
}

/* Swap the string at i down the max-heap a[0..n) (by strcmp) to its place. */
static void
sift_down(const char **a, size_t i, size_t n)
{
	for (;;)
	{
		size_t		c = 2 * i + 1;
		const char *t;

		if (c >= n)
			return;
		if (c + 1 < n && strcmp(a[c + 1], a[c]) > 0)
			c++;
		if (strcmp(a[c], a[i]) <= 0)
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

/*
 * Fail with AE_ECORRUPT when a label occurs twice in a categorical column:
 * the rows layer finds labels by binary search.  Heapsort of a copy of the
 * pointers: O(n log n) whatever the labels, no allocation but the copy.
 */
static void
check_labels(Reader *r, const AeColumn *col, const AeAlloc *a)
{
	size_t		n = col->ncat;
	const char **s;

	if (r->err != AE_OK || n < 2)
		return;
	if ((s = ae_alloc(a, sizeof(char *) * n)) == NULL)
	{
		r->err = AE_ENOMEM;
		return;
	}
	memcpy(s, col->cats, sizeof(char *) * n);
	for (size_t i = n / 2; i-- > 0;)
		sift_down(s, i, n);
	for (size_t end = n - 1; end > 0; end--)
	{
		const char *t = s[0];

		s[0] = s[end];
		s[end] = t;
		sift_down(s, 0, end);
	}
	for (size_t i = 1; i < n; i++)
		check(r, strcmp(s[i - 1], s[i]) != 0);
}

static void
read_columns(Reader *r, AeModel *m, int version, const AeAlloc *a)
{
	m->ncols = (int) get_uint(r, 4);
	check(r, m->ncols >= 1 && m->ncols <= AE_MAX_COLUMNS);
	if (r->err != AE_OK)
		return;
	if ((m->cols = ae_alloc(a, sizeof(AeColumn) * m->ncols)) == NULL)
	{
		r->err = AE_ENOMEM;
		return;
	}
	for (int c = 0; r->err == AE_OK && c < m->ncols; c++)
	{
		AeColumn   *col = &m->cols[c];
		size_t		nlen = get_uint(r, 1);
		const uint8_t *name;

		check(r, nlen >= 1 && nlen < AE_NAME_MAX);
		name = take(r, nlen);
		if (!name)
			return;
		check(r, memchr(name, 0, nlen) == NULL);
		memcpy(col->name, name, nlen);
		col->kind = (uint8_t) get_uint(r, 1);
		col->sqltype = (uint8_t) get_uint(r, 1);
		col->transform = (uint8_t) get_uint(r, 1);
		/* the signed log came with version 9 (ae_model_layout checks the others) */
		check(r, col->transform != AE_TF_SIGNED_LOG1P || version >= 9);
		col->flags = (uint8_t) get_uint(r, 1);
		col->center = get_f32(r);
		col->scale = get_f32(r);
		col->lo = get_f32(r);
		col->hi = get_f32(r);
		col->weight = get_f32(r);
		col->ncat = (int) get_uint(r, 4);
		/* each category takes at least its 4-byte length */
		check(r, col->ncat >= 0 && col->ncat <= AE_MAX_CATEGORIES &&
			  (size_t) col->ncat * 4 <= r->len - r->pos);
		if (r->err != AE_OK || col->ncat == 0)
			continue;
		if ((col->cats = ae_alloc(a, sizeof(char *) * col->ncat)) == NULL)
		{
			r->err = AE_ENOMEM;
			return;
		}
		for (int k = 0; r->err == AE_OK && k < col->ncat; k++)
			col->cats[k] = get_string(r, get_uint(r, 4), a);
		check_labels(r, col, a);
	}
}

/*
 * Array elements (version 6 on): per column its number of dimensions, at
 * most AE_MAX_DIMS; for an element its dimensions, each at least 1 and
 * with at most AE_MAX_COLUMNS elements in all (each is a model column),
 * and its place among them.  Only numbers come in arrays, and a cvae's
 * condition is never an element.
 */
static void
read_shapes(Reader *r, AeModel *m, int version)
{
	if (r->err != AE_OK || version < 6)
		return;
	for (int c = 0; r->err == AE_OK && c < m->ncols; c++)
	{
		AeColumn   *col = &m->cols[c];
		int64_t		size = 1;

		col->ndim = (int) get_uint(r, 1);
		check(r, col->ndim <= AE_MAX_DIMS);
		for (int d = 0; r->err == AE_OK && d < col->ndim; d++)
		{
			col->dims[d] = (int) get_uint(r, 4);
			check(r, col->dims[d] >= 1 && col->dims[d] <= AE_MAX_COLUMNS);
			size *= col->dims[d];
			check(r, size <= AE_MAX_COLUMNS);
		}
		if (col->ndim == 0 || r->err != AE_OK)
			continue;
		col->elem = (int) get_uint(r, 4);
		check(r, col->elem >= 0 && col->elem < size && col->kind == AE_COL_NUMERIC &&
			  !(col->flags & AE_COLFLAG_CONDITION));
	}
}

static void
read_metrics(Reader *r, AeMetrics *mt, int epochs, const AeAlloc *a)
{
	mt->rows_seen = (int64_t) get_uint(r, 8);
	mt->rows_used = (int) get_uint(r, 4);
	mt->n_train = (int) get_uint(r, 4);
	mt->n_val = (int) get_uint(r, 4);
	mt->seconds = get_f64(r);
	check(r, mt->rows_seen >= 0 && mt->rows_used >= 0 && mt->n_train >= 0 && mt->n_val >= 0 &&
		  isfinite(mt->seconds) && mt->seconds >= 0);
	mt->epochs_run = (int) get_uint(r, 4);
	mt->best_epoch = (int) get_uint(r, 4);
	check(r, mt->epochs_run >= 0 && mt->epochs_run <= epochs &&
		  (size_t) mt->epochs_run * 8 <= r->len - r->pos &&
		  mt->best_epoch >= 0 && mt->best_epoch <= mt->epochs_run);
	if (r->err != AE_OK)
		return;
	mt->train_loss = ae_alloc(a, sizeof(float) * (mt->epochs_run + 1));
	mt->val_loss = ae_alloc(a, sizeof(float) * (mt->epochs_run + 1));
	if (!mt->train_loss || !mt->val_loss)
	{
		r->err = AE_ENOMEM;
		return;
	}
	for (int e = 0; e < mt->epochs_run; e++)
		mt->train_loss[e] = get_f32(r);
	for (int e = 0; e < mt->epochs_run; e++)
		mt->val_loss[e] = get_f32(r);
}

/* Score distance: the training rows' mean loss, mean code and whitening factor. */
static void
read_distance(Reader *r, AeModel *m, const AeAlloc *a)
{
	int			L = m->opt.latent;

	if (r->err != AE_OK || m->opt.score != AE_SCORE_DISTANCE)
		return;
	m->recon_mean = get_f64(r);
	check(r, isfinite(m->recon_mean) && m->recon_mean > 0);
	/* the layout bounds L by AE_DISTANCE_MAX_LATENT; the bytes must be there */
	check(r, (size_t) L * (L + 3) / 2 * 4 <= r->len - r->pos);
	if (r->err != AE_OK)
		return;
	m->code_center = ae_alloc(a, sizeof(ae_real) * L);
	m->code_whiten = ae_alloc(a, sizeof(ae_real) * L * L);
	if (!m->code_center || !m->code_whiten)
	{
		r->err = AE_ENOMEM;
		return;
	}
	memset(m->code_whiten, 0, sizeof(ae_real) * L * L);
	for (int j = 0; j < L; j++)
	{
		m->code_center[j] = get_f32(r);
		check(r, isfinite(m->code_center[j]));
	}
	for (int i = 0; i < L; i++)
		for (int j = 0; j <= i; j++)
		{
			float		f = get_f32(r);

			/* a factor of a positive definite matrix: finite, diagonal positive */
			check(r, isfinite(f) && (j < i || f > 0));
			m->code_whiten[(size_t) i * L + j] = f;
		}
}

/*
 * Imputation calibration (version 6 on): per column its shrink, in [0, 1],
 * and its prior over its outputs: a numeric mean, finite; a boolean's share
 * of true or a categorical column's class shares, probabilities (the shares
 * summing to 1).  Older models have none, and impute with the network's
 * prediction as it is.
 */
static void
read_impute(Reader *r, AeModel *m, int version, const AeAlloc *a)
{
	if (r->err != AE_OK || version < 6)
		return;
	check(r, ((size_t) m->ncols + m->n_out) * 4 <= r->len - r->pos);
	if (r->err != AE_OK)
		return;
	m->impute_shrink = ae_alloc(a, sizeof(ae_real) * m->ncols);
	m->impute_prior = ae_alloc(a, sizeof(ae_real) * (m->n_out > 0 ? m->n_out : 1));
	if (!m->impute_shrink || !m->impute_prior)
	{
		r->err = AE_ENOMEM;
		return;
	}
	for (int c = 0; c < m->ncols && r->err == AE_OK; c++)
	{
		const AeColumn *col = &m->cols[c];
		float		shrink = get_f32(r);
		double		sum = 0;

		check(r, shrink >= 0 && shrink <= 1);
		m->impute_shrink[c] = shrink;
		for (int k = 0; k < col->out_width; k++)
		{
			float		f = get_f32(r);

			check(r, col->kind == AE_COL_NUMERIC ? isfinite(f) : f >= 0 && f <= 1);
			m->impute_prior[col->out_off + k] = f;
			sum += f;
		}
		if (col->kind == AE_COL_CATEGORICAL && col->out_width > 0)
			check(r, fabs(sum - 1) <= 1e-3);
	}
}

/*
 * The training rows' score quantiles (version 9 on): the rows scored and
 * the number of quantiles, AE_QUANTILES, or 0 and 0 for a model without
 * them; each quantile finite and none below the one before, as the
 * percentile's search and interpolation assume.  Older models have none.
 */
static void
read_quantiles(Reader *r, AeModel *m, int version, const AeAlloc *a)
{
	int64_t		rows;
	int			count;

	if (r->err != AE_OK || version < 9)
		return;
	rows = (int64_t) get_uint(r, 4);
	count = (int) get_uint(r, 2);
	check(r, count == 0 ? rows == 0
		  : count == AE_QUANTILES && rows >= 1 && rows <= m->metrics.rows_used &&
		  (size_t) count * 8 <= r->len - r->pos);
	if (r->err != AE_OK || count == 0)
		return;
	if ((m->score_quantiles = ae_alloc(a, sizeof(double) * count)) == NULL)
	{
		r->err = AE_ENOMEM;
		return;
	}
	m->score_rows = (int) rows;
	for (int i = 0; i < count; i++)
	{
		double		v = get_f64(r);

		check(r, isfinite(v) && (i == 0 || v >= m->score_quantiles[i - 1]));
		m->score_quantiles[i] = v;
	}
	if (r->err != AE_OK)
	{
		m->score_quantiles = NULL;
		m->score_rows = 0;
	}
}

static void
read_params(Reader *r, AeModel *m, const AeAlloc *a)
{
	size_t		np = get_uint(r, 4);

	check(r, np == m->nparams && np * 4 == r->len - r->pos);
	if (r->err != AE_OK)
		return;
	if (ae_model_alloc_params(m, a) != AE_OK)
	{
		r->err = AE_ENOMEM;
		return;
	}
	for (size_t i = 0; i < np; i++)
	{
		float		f = get_f32(r);

		check(r, isfinite(f));
		m->params[i] = f;
	}
}

/* Parse and validate; see format.h. */
AeStatus
ae_model_read(const uint8_t *buf, size_t len, AeModel *model, const AeAlloc *a)
{
	Reader		r = {buf, len, 0, AE_OK};
	size_t		total;
	uint32_t	crc;
	int			version;

	memset(model, 0, sizeof(*model));
	if (len > 0 && memcmp(buf, magic, len < 8 ? len : 8) != 0)
		return AE_EMAGIC;
	if (len < AE_HEADER_SIZE)
		return AE_ESHORT;
	take(&r, 8);
	version = (int) get_uint(&r, 2);
	if (version < 1 || version > AE_FORMAT_VERSION)
		return AE_EVERSION;
	model->opt.kind = (int) get_uint(&r, 2);
	total = get_uint(&r, 4);
	crc = (uint32_t) get_uint(&r, 4);
	if (total != len)
		return total > len ? AE_ESHORT : AE_ECORRUPT;
	if (ae_model_crc(buf, len, version) != crc)
		return AE_ECRC;

	read_options(&r, &model->opt, version);
	read_columns(&r, model, version, a);
	read_shapes(&r, model, version);
	if (r.err == AE_OK)
		r.err = ae_model_layout(model);
	read_metrics(&r, &model->metrics, model->opt.epochs, a);
	read_distance(&r, model, a);
	read_impute(&r, model, version, a);
	read_quantiles(&r, model, version, a);
	read_params(&r, model, a);
	return r.err;
}
