/*
 * options.c — parsing and validating the training options jsonb.
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "core/dense.h"
#include "train/options.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#define VALID_KEYS "kind, columns, exclude, hidden, latent, epochs, batch_size, learning_rate, " \
	"seed, activation, weight_decay, grad_clip, val_share, max_rows, mask, categorical, max_categories, " \
	"progress, score, noise (denoising), sparsity and sparsity_target (sparse), contractive (contractive), " \
	"beta (vae, cvae), condition (cvae), shape (conv), adversarial, discriminator and " \
	"discriminator_learning_rate (aae), depth, heads and width (transformer)"

/* Raise the error for a bad value of key. */
static void pg_attribute_noreturn()
bad_value(const char *key, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for ae option \"%s\"", key),
			 errhint("\"%s\" must be %s.", key, expected)));
}

/* A jsonb number as a double, or an error naming key. */
static double
number_value(const char *key, JsonbValue *v, const char *expected)
{
	if (v->type != jbvNumeric)
		bad_value(key, expected);
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* A jsonb integer in [lo, hi], or an error. */
static int64
int_value(const char *key, JsonbValue *v, int64 lo, int64 hi, const char *expected)
{
	double		d = number_value(key, v, expected);

	if (d != floor(d) || d < (double) lo || d > (double) hi)
		bad_value(key, expected);
	return (int64) d;
}

/* A jsonb integer of the whole bigint range, read exactly (a double would round it). */
static int64
seed_value(const char *key, JsonbValue *v)
{
	const char *expected = "an integer between -9223372036854775808 and 9223372036854775807";
	char	   *digits;
	char	   *end;
	long long	n;

	if (v->type != jbvNumeric)
		bad_value(key, expected);
	digits = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	n = strtoll(digits, &end, 10);
	if (errno != 0 || end == digits || *end != '\0')
		bad_value(key, expected);
	return (int64) n;
}

/* A jsonb real in [lo, hi] (lo exclusive when lo_open), or an error. */
static double
real_value(const char *key, JsonbValue *v, double lo, bool lo_open, double hi, const char *expected)
{
	double		d = number_value(key, v, expected);

	if (isnan(d) || d > hi || d < lo || (lo_open && d == lo))
		bad_value(key, expected);
	return d;
}

/* A jsonb string as a C string, or an error. */
static char *
string_value(const char *key, JsonbValue *v, const char *expected)
{
	if (v->type != jbvString)
		bad_value(key, expected);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Elements of a jsonb array value (a binary container when iterated with skipNested). */
static List *
array_elements(const char *key, JsonbValue *v, const char *expected)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	List	   *out = NIL;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		bad_value(key, expected);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
		{
			JsonbValue *copy = palloc(sizeof(JsonbValue));

			*copy = elem;
			out = lappend(out, copy);
		}
	return out;
}

/*
 * An array of between min_n and max_n integers in [1, max_value] into out;
 * returns how many.
 */
static int
int_array(const char *key, JsonbValue *v, int min_n, int max_n, int64 max_value, int *out,
		  const char *expected)
{
	List	   *elems = array_elements(key, v, expected);
	ListCell   *lc;
	int			n = 0;

	if (list_length(elems) < min_n || list_length(elems) > max_n)
		bad_value(key, expected);
	foreach(lc, elems)
		out[n++] = (int) int_value(key, lfirst(lc), 1, max_value, expected);
	return n;
}

/* A list of column names. */
static List *
name_list(const char *key, JsonbValue *v)
{
	const char *expected = "an array of column names";
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, array_elements(key, v, expected))
		names = lappend(names, string_value(key, lfirst(lc), expected));
	return names;
}

/* Parse one key. */
static void
parse_option(AeFitConfig *cfg, const char *key, JsonbValue *v)
{
	AeOptions  *o = &cfg->opt;

	if (v->type == jbvNull)
		return;					/* null: use the default */
	if (strcmp(key, "kind") == 0)
	{
		char	   *name = string_value(key, v, "a kind name");

		o->kind = ae_kind_from_name(name);
		if (o->kind < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown autoencoder kind \"%s\"", name),
					 errhint("Valid kinds are: ae, denoising, sparse, contractive, vae, cvae, lstm, conv, aae, transformer.")));
	}
	else if (strcmp(key, "columns") == 0)
		cfg->columns = name_list(key, v);
	else if (strcmp(key, "exclude") == 0)
		cfg->exclude = name_list(key, v);
	else if (strcmp(key, "categorical") == 0)
		cfg->categorical = name_list(key, v);
	else if (strcmp(key, "max_categories") == 0)
		cfg->max_categories = (int) int_value(key, v, 1, AE_MAX_CATEGORIES, "an integer between 1 and 65535");
	else if (strcmp(key, "mask") == 0)
		o->mask = real_value(key, v, 0, false, 0.9, "a number in [0, 0.9]");
	else if (strcmp(key, "noise") == 0)
		o->noise = real_value(key, v, 0, false, 10, "a number in [0, 10] (standard deviations)");
	else if (strcmp(key, "sparsity") == 0)
		o->sparsity = real_value(key, v, 0, false, 1000, "a number in [0, 1000]");
	else if (strcmp(key, "sparsity_target") == 0)
		o->sparsity_target = real_value(key, v, 0, true, 0.5, "a number in (0, 0.5]");
	else if (strcmp(key, "contractive") == 0)
		o->contractive = real_value(key, v, 0, false, 1000, "a number in [0, 1000]");
	else if (strcmp(key, "beta") == 0)
		o->beta = real_value(key, v, 0, false, 1000, "a number in [0, 1000]");
	else if (strcmp(key, "adversarial") == 0)
		o->adversarial = real_value(key, v, 0, false, 1000, "a number in [0, 1000]");
	else if (strcmp(key, "discriminator") == 0)
		o->ndisc = int_array(key, v, 0, AE_MAX_HIDDEN, AE_MAX_DISC_WIDTH, o->disc,
							 "an array of at most 7 layer widths between 1 and 4096");
	else if (strcmp(key, "discriminator_learning_rate") == 0)
		o->disc_learning_rate = real_value(key, v, 0, true, 1, "a number in (0, 1]");
	else if (strcmp(key, "depth") == 0)
		o->depth = (int) int_value(key, v, 1, AE_TF_MAX_DEPTH, "an integer between 1 and 16");
	else if (strcmp(key, "heads") == 0)
		o->heads = (int) int_value(key, v, 1, AE_TF_MAX_WIDTH, "an integer between 1 and 1024");
	else if (strcmp(key, "width") == 0)
		o->width = (int) int_value(key, v, 1, AE_TF_MAX_WIDTH, "an integer between 1 and 1024");
	else if (strcmp(key, "score") == 0)
	{
		const char *expected = "distance, reconstruction, elbo or elbo_samples";
		char	   *name = string_value(key, v, expected);

		if (strcmp(name, "elbo") == 0)
			o->score = AE_SCORE_ELBO;
		else if (strcmp(name, "reconstruction") == 0)
			o->score = AE_SCORE_RECONSTRUCTION;
		else if (strcmp(name, "elbo_samples") == 0)
			o->score = AE_SCORE_ELBO_SAMPLES;
		else if (strcmp(name, "distance") == 0)
			o->score = AE_SCORE_DISTANCE;
		else
			bad_value(key, expected);
	}
	else if (strcmp(key, "condition") == 0)
		cfg->condition = string_value(key, v, "a column name");
	else if (strcmp(key, "shape") == 0)
		o->shape_ndim = int_array(key, v, 1, AE_MAX_DIMS, AE_MAX_COLUMNS, o->shape,
								  "an array of 1 to 3 sides, [length], [rows, columns] or [channels, rows, columns]");
	else if (strcmp(key, "hidden") == 0)
	{
		o->nhidden = int_array(key, v, 0, AE_MAX_HIDDEN, AE_MAX_WIDTH, o->hidden,
							   "an array of at most 7 layer widths between 1 and 16384");
		cfg->hidden_set = true;
	}
	else if (strcmp(key, "latent") == 0)
		o->latent = (int) int_value(key, v, 1, AE_MAX_WIDTH, "an integer between 1 and 16384");
	else if (strcmp(key, "epochs") == 0)
		o->epochs = (int) int_value(key, v, 1, AE_MAX_EPOCHS, "an integer between 1 and 100000");
	else if (strcmp(key, "batch_size") == 0)
		o->batch_size = (int) int_value(key, v, 1, AE_MAX_BATCH, "an integer between 1 and 65536");
	else if (strcmp(key, "learning_rate") == 0)
		o->learning_rate = real_value(key, v, 0, true, 1, "a number in (0, 1]");
	else if (strcmp(key, "weight_decay") == 0)
		o->weight_decay = real_value(key, v, 0, false, 1, "a number in [0, 1]");
	else if (strcmp(key, "grad_clip") == 0)
		o->grad_clip = real_value(key, v, 0, false, 1e6, "a number in [0, 1e6], 0 for no clipping");
	else if (strcmp(key, "val_share") == 0)
		o->val_share = real_value(key, v, 0, false, 0.5, "a number in [0, 0.5]");
	else if (strcmp(key, "max_rows") == 0)
		o->max_rows = int_value(key, v, 1, 10000000, "an integer between 1 and 10000000");
	else if (strcmp(key, "seed") == 0)
		o->seed = (uint64) seed_value(key, v);
	else if (strcmp(key, "progress") == 0)
	{
		if (v->type != jbvBool)
			bad_value(key, "true or false");
		cfg->progress = v->val.boolean ? 1 : 0;
	}
	else if (strcmp(key, "activation") == 0)
	{
		char	   *name = string_value(key, v, "relu, tanh, sigmoid, elu or identity");

		o->activation = ae_act_from_name(name);
		if (o->activation < 0)
			bad_value(key, "relu, tanh, sigmoid, elu or identity");
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized ae option \"%s\"", key),
				 errhint("Valid options are: %s.", VALID_KEYS)));
}

/* Error when an option of one kind is given to another. */
static void
kind_option(const AeFitConfig *cfg, bool given, const char *key, bool applies, const char *kinds)
{
	if (given && !applies)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ae option \"%s\" does not apply to kind \"%s\"",
						key, ae_kind_name(cfg->opt.kind)),
				 errhint("\"%s\" is an option of %s.", key, kinds)));
}

/* Each kind's options only with that kind; a cvae needs its condition. */
static void
check_kind_options(const AeFitConfig *cfg)
{
	const AeOptions *o = &cfg->opt;
	int			k = o->kind;

	kind_option(cfg, !isnan(o->noise), "noise", k == AE_KIND_DENOISING, "kind denoising");
	kind_option(cfg, !isnan(o->sparsity), "sparsity", k == AE_KIND_SPARSE, "kind sparse");
	kind_option(cfg, !isnan(o->sparsity_target), "sparsity_target", k == AE_KIND_SPARSE,
				"kind sparse");
	kind_option(cfg, !isnan(o->contractive), "contractive", k == AE_KIND_CONTRACTIVE,
				"kind contractive");
	kind_option(cfg, !isnan(o->beta), "beta", AE_KIND_IS_VARIATIONAL(k), "kinds vae and cvae");
	kind_option(cfg, !isnan(o->adversarial), "adversarial", k == AE_KIND_AAE, "kind aae");
	kind_option(cfg, o->ndisc >= 0, "discriminator", k == AE_KIND_AAE, "kind aae");
	kind_option(cfg, !isnan(o->disc_learning_rate), "discriminator_learning_rate",
				k == AE_KIND_AAE, "kind aae");
	kind_option(cfg, o->depth > 0, "depth", k == AE_KIND_TRANSFORMER, "kind transformer");
	kind_option(cfg, o->heads > 0, "heads", k == AE_KIND_TRANSFORMER, "kind transformer");
	kind_option(cfg, o->width > 0, "width", k == AE_KIND_TRANSFORMER, "kind transformer");
	kind_option(cfg, o->activation >= 0, "activation", k != AE_KIND_TRANSFORMER,
				"every kind but transformer (whose feed-forward layers use GELU)");
	kind_option(cfg, cfg->hidden_set, "hidden", k != AE_KIND_TRANSFORMER,
				"every kind but transformer (whose size is depth, heads and width)");
	if (k == AE_KIND_TRANSFORMER && o->mask == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind \"transformer\" needs a mask above 0"),
				 errhint("A transformer learns by predicting the cells it hides: "
						 "give mask a share in (0, 0.9], or leave it at its default of 0.5.")));
	if (k == AE_KIND_TRANSFORMER && o->heads > 0 && o->width > 0 && o->width % o->heads != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ae option \"width\" (%d) is not a multiple of \"heads\" (%d)",
						o->width, o->heads),
				 errhint("Each head reads width / heads of a token's values.")));
	if (o->score >= 0 && !AE_SCORE_FITS_KIND(o->score, k))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ae score \"%s\" does not apply to kind \"%s\"",
						ae_score_name(o->score), ae_kind_name(k)),
				 errhint("Kinds vae and cvae score by elbo, elbo_samples or reconstruction; "
						 "the other kinds by distance or reconstruction.")));
	kind_option(cfg, cfg->condition != NULL, "condition", k == AE_KIND_CVAE, "kind cvae");
	kind_option(cfg, o->shape_ndim > 0, "shape", k == AE_KIND_CONV, "kind conv");
	if (k == AE_KIND_CVAE && cfg->condition == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kind \"cvae\" needs a condition column"),
				 errhint("Name it in the options, as in '{\"condition\": \"digit\"}'.")));
}

/* Is name in a list of C strings? */
bool
ae_name_in(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

/* Parse and validate the options object. */
void
ae_options_parse(Jsonb *options, AeFitConfig *cfg)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	memset(cfg, 0, sizeof(*cfg));
	cfg->opt.kind = AE_KIND_AE;
	cfg->opt.activation = -1;
	cfg->opt.latent = -1;
	cfg->opt.epochs = -1;
	cfg->opt.batch_size = -1;
	cfg->opt.learning_rate = NAN;
	cfg->opt.weight_decay = NAN;
	cfg->opt.grad_clip = NAN;
	cfg->opt.val_share = NAN;
	cfg->opt.mask = NAN;
	cfg->opt.noise = NAN;
	cfg->opt.sparsity = NAN;
	cfg->opt.sparsity_target = NAN;
	cfg->opt.contractive = NAN;
	cfg->opt.beta = NAN;
	cfg->opt.adversarial = NAN;
	cfg->opt.ndisc = -1;
	cfg->opt.disc_learning_rate = NAN;
	cfg->opt.score = -1;
	cfg->max_categories = -1;
	cfg->opt.max_rows = -1;
	cfg->opt.seed = AE_DEFAULT_SEED;
	cfg->progress = -1;

	if (options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ae options must be a jsonb object"),
				 errhint("Pass options such as '{\"epochs\": 50}'.")));
	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
			parse_option(cfg, key, &v);
	}
	check_kind_options(cfg);
}
