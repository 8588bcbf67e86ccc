/*
 * info.c — ae_info(model bytea): everything a model holds but its weights,
 * as jsonb: kind, columns with their encodings, options as used, and what
 * training measured (from format 9 a summary of the training rows' scores:
 * how many, their range and their quantiles at 0.5, 0.9, 0.99 and 0.999).
 * ae_train stores its parts in ae_models.
 */
#include "postgres.h"

#include <math.h>

#include "core/dense.h"
#include "core/format.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "rows/types.h"
#include "rows/pgcore.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"

PG_FUNCTION_INFO_V1(ae_info);

/* A JSON number, or null when not finite. */
static void
append_number(StringInfo s, double v)
{
	if (isfinite(v))
		appendStringInfo(s, "%.9g", v);
	else
		appendStringInfoString(s, "null");
}

/* A JSON array of floats. */
static void
append_floats(StringInfo s, const float *v, int n)
{
	appendStringInfoChar(s, '[');
	for (int i = 0; i < n; i++)
	{
		if (i)
			appendStringInfoChar(s, ',');
		append_number(s, v[i]);
	}
	appendStringInfoChar(s, ']');
}

static const char *const col_kind_names[] = {"numeric", "boolean", "categorical"};

/* The options of the model's kind, as ,"key":value pairs. */
static void
append_kind_options(StringInfo s, const AeModel *m)
{
	const AeOptions *o = &m->opt;

	switch (o->kind)
	{
		case AE_KIND_DENOISING:
			appendStringInfoString(s, ",\"noise\":");
			append_number(s, o->noise);
			break;
		case AE_KIND_SPARSE:
			appendStringInfoString(s, ",\"sparsity\":");
			append_number(s, o->sparsity);
			appendStringInfoString(s, ",\"sparsity_target\":");
			append_number(s, o->sparsity_target);
			break;
		case AE_KIND_CONTRACTIVE:
			appendStringInfoString(s, ",\"contractive\":");
			append_number(s, o->contractive);
			break;
		case AE_KIND_VAE:
		case AE_KIND_CVAE:
			appendStringInfoString(s, ",\"beta\":");
			append_number(s, o->beta);
			if (m->cond_col >= 0)
			{
				appendStringInfoString(s, ",\"condition\":");
				escape_json(s, m->cols[m->cond_col].name);
			}
			break;
		case AE_KIND_CONV:
			{
				const AeConvLayout *v = &m->conv;

				/* the image as the network reads it: the shape option's, or the array's */
				appendStringInfo(s, ",\"shape\":[%d,%d,%d],\"kernel\":[%d,3]", v->C, v->h[0],
								 v->w[0], v->kh);
			}
			break;
		case AE_KIND_AAE:
			appendStringInfoString(s, ",\"adversarial\":");
			append_number(s, o->adversarial);
			appendStringInfoString(s, ",\"discriminator\":[");
			for (int i = 0; i < o->ndisc; i++)
				appendStringInfo(s, "%s%d", i ? "," : "", o->disc[i]);
			appendStringInfoString(s, "],\"discriminator_learning_rate\":");
			append_number(s, o->disc_learning_rate);
			break;
		case AE_KIND_TRANSFORMER:
			appendStringInfo(s, ",\"depth\":%d,\"heads\":%d,\"width\":%d", o->depth, o->heads,
							 o->width);
			break;
		default:
			break;
	}
}

/* The model as JSON text. */
static char *
model_json(const AeModel *m, size_t nbytes, int version)
{
	StringInfoData s;
	const AeOptions *o = &m->opt;
	const AeMetrics *mt = &m->metrics;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"kind\":\"%s\",\"format_version\":%d,\"inputs\":%d,"
					 "\"parameters\":%zu,\"bytes\":%zu,\"columns\":[",
					 ae_kind_name(o->kind), version, m->n_in, m->nparams, nbytes);
	for (int c = 0; c < m->ncols; c++)
	{
		const AeColumn *col = &m->cols[c];

		appendStringInfoString(&s, c ? ",{\"name\":" : "{\"name\":");
		escape_json(&s, col->name);
		appendStringInfo(&s, ",\"type\":\"%s\",\"kind\":\"%s\"",
						 ae_sqltype_name(col->sqltype), col_kind_names[col->kind]);
		if (col->kind == AE_COL_NUMERIC)
		{
			appendStringInfo(&s, ",\"transform\":\"%s\",\"center\":",
							 col->transform == AE_TF_LOG1P ? "log1p" :
							 col->transform == AE_TF_SIGNED_LOG1P ? "signed_log1p" : "none");
			append_number(&s, col->center);
			appendStringInfoString(&s, ",\"scale\":");
			append_number(&s, col->scale);
		}
		if (col->kind == AE_COL_CATEGORICAL)
		{
			appendStringInfoString(&s, ",\"categories\":[");
			for (int k = 0; k < col->ncat; k++)
			{
				if (k)
					appendStringInfoChar(&s, ',');
				escape_json(&s, col->cats[k]);
			}
			appendStringInfoChar(&s, ']');
		}
		else
		{
			appendStringInfoString(&s, ",\"min\":");
			append_number(&s, col->lo);
			appendStringInfoString(&s, ",\"max\":");
			append_number(&s, col->hi);
		}
		appendStringInfoString(&s, ",\"weight\":");
		append_number(&s, col->weight);
		if (col->ndim > 0)
		{
			int			rest = col->elem;
			int			sub[AE_MAX_DIMS];

			for (int d = col->ndim - 1; d >= 0; d--)
			{
				sub[d] = rest % col->dims[d] + 1;
				rest /= col->dims[d];
			}
			appendStringInfoString(&s, ",\"shape\":[");
			for (int d = 0; d < col->ndim; d++)
				appendStringInfo(&s, "%s%d", d ? "," : "", col->dims[d]);
			appendStringInfoString(&s, "],\"element\":[");
			for (int d = 0; d < col->ndim; d++)
				appendStringInfo(&s, "%s%d", d ? "," : "", sub[d]);
			appendStringInfoChar(&s, ']');
		}
		if (m->impute_shrink && col->out_width > 0)
		{
			appendStringInfoString(&s, ",\"impute_shrink\":");
			append_number(&s, m->impute_shrink[c]);
		}
		appendStringInfo(&s, ",\"missing_indicator\":%s%s}",
						 (col->flags & AE_COLFLAG_INDICATOR) ? "true" : "false",
						 (col->flags & AE_COLFLAG_CONDITION) ? ",\"condition\":true" : "");
	}
	appendStringInfo(&s, "],\"options\":{\"kind\":\"%s\",", ae_kind_name(o->kind));
	/* a transformer has neither (its size is depth, heads and width), and refuses both */
	if (o->kind != AE_KIND_TRANSFORMER)
	{
		appendStringInfo(&s, "\"activation\":\"%s\",\"hidden\":[", ae_act_name(o->activation));
		for (int i = 0; i < o->nhidden; i++)
			appendStringInfo(&s, i ? ",%d" : "%d", o->hidden[i]);
		appendStringInfoString(&s, "],");
	}
	appendStringInfo(&s, "\"latent\":%d,\"epochs\":%d,\"batch_size\":%d,\"learning_rate\":",
					 o->latent, o->epochs, o->batch_size);
	append_number(&s, o->learning_rate);
	appendStringInfoString(&s, ",\"weight_decay\":");
	append_number(&s, o->weight_decay);
	appendStringInfoString(&s, ",\"grad_clip\":");
	append_number(&s, o->grad_clip);
	appendStringInfoString(&s, ",\"val_share\":");
	append_number(&s, o->val_share);
	appendStringInfoString(&s, ",\"mask\":");
	append_number(&s, o->mask);
	appendStringInfo(&s, ",\"score\":\"%s\"", ae_score_name(o->score));
	append_kind_options(&s, m);
	appendStringInfo(&s, ",\"max_rows\":%lld,\"seed\":%lld},",
					 (long long) o->max_rows, (long long) o->seed);
	appendStringInfo(&s, "\"metrics\":{\"rows_seen\":%lld,\"rows\":%d,\"train_rows\":%d,"
					 "\"val_rows\":%d,\"seconds\":",
					 (long long) mt->rows_seen, mt->rows_used, mt->n_train, mt->n_val);
	append_number(&s, mt->seconds);
	appendStringInfo(&s, ",\"epochs_run\":%d,\"best_epoch\":%d,\"train_loss\":",
					 mt->epochs_run, mt->best_epoch);
	append_floats(&s, mt->train_loss, mt->epochs_run);
	appendStringInfoString(&s, ",\"val_loss\":");
	append_floats(&s, mt->val_loss, mt->epochs_run);
	if (o->score == AE_SCORE_DISTANCE)
	{
		appendStringInfoString(&s, ",\"recon_mean\":");
		append_number(&s, m->recon_mean);
	}
	if (m->score_quantiles)
	{
		static const char *const probs[] = {"0.5", "0.9", "0.99", "0.999"};

		/* the training rows' scores: how many, their range and the usual thresholds */
		appendStringInfo(&s, ",\"scores\":{\"rows\":%d,\"min\":", m->score_rows);
		append_number(&s, m->score_quantiles[0]);
		for (int i = 0; i < lengthof(probs); i++)
		{
			appendStringInfo(&s, ",\"%s\":", probs[i]);
			append_number(&s, ae_model_threshold(m, strtod(probs[i], NULL)));
		}
		appendStringInfoString(&s, ",\"max\":");
		append_number(&s, m->score_quantiles[AE_QUANTILES - 1]);
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoString(&s, "}}");
	return s.data;
}

/* ae_info(model bytea) returns jsonb */
Datum
ae_info(PG_FUNCTION_ARGS)
{
	struct varlena *raw = (struct varlena *) PG_GETARG_BYTEA_PP(0);
	AeModel    *model = ae_model_from_bytea(raw, CurrentMemoryContext);
	const uint8 *bytes = (const uint8 *) VARDATA_ANY(raw);
	/* the model's own format version, from its (validated) header */
	char	   *json = model_json(model, VARSIZE_ANY_EXHDR(raw), bytes[8] | (bytes[9] << 8));

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}
