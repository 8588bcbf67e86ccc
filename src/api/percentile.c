/*
 * percentile.c — ae_percentile, a row's score as a share of the training
 * rows' scores, in the three forms (row), (model text, row), (model bytea,
 * row); and ae_threshold(model, p), the score above which the top 1 - p of
 * them lie.  Both read the quantiles training recorded in the model
 * (core/quantile.c); the row path and the model cache are ae_score's.
 */
#include "postgres.h"

#include <math.h>

#include "api/site.h"
#include "fmgr.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(ae_percentile);
PG_FUNCTION_INFO_V1(ae_threshold);

/* Refuse a model that recorded no score distribution (one of format 8 or older). */
static void
check_quantiles(const AeModel *model)
{
	if (model->score_quantiles == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model has no record of its training rows' scores"),
				 errdetail("Models saved before model format 9 score rows but do not record the distribution that percentiles and thresholds read."),
				 errhint("Retrain the model with ae_train (its options are in ae_models.options), or compare ae_score with a threshold of your own.")));
}

/*
 * The share of the training rows' scores at or below the row's, in [0, 1]:
 * interpolated between the recorded quantiles, 0 below the smallest score
 * and 1 from the largest.  NULL for a row without a value in the model's
 * columns, as ae_score.
 */
Datum
ae_percentile(PG_FUNCTION_ARGS)
{
	AeSite	   *site;
	int			observed;
	AeModel    *model = ae_site_prepare(fcinfo, &site, &observed);

	check_quantiles(model);
	if (observed == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(ae_model_percentile(model, ae_model_score(model, site->work, site->t, site->m)));
}

/*
 * ae_threshold(model, p): the score at the training rows' quantile p, so
 * that ae_score(model, t) > ae_threshold(model, p) selects the rows whose
 * ae_percentile(model, t) > p.  Neither argument may be NULL: a NULL
 * threshold would quietly empty a review queue.
 */
Datum
ae_threshold(PG_FUNCTION_ARGS)
{
	float8		p;
	AeModel    *model;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("p must not be NULL"),
				 errhint("Pass the share of training rows to stay below the threshold, as in ae_threshold('fraud', 0.99).")));
	p = PG_GETARG_FLOAT8(1);
	if (!(p >= 0 && p <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be between 0 and 1, not %s", float8out_internal(p)),
				 errhint("Pass the share of training rows to stay below the threshold, as in ae_threshold('fraud', 0.99).")));
	model = ae_site_model(fcinfo);
	check_quantiles(model);
	PG_RETURN_FLOAT8(ae_model_threshold(model, p));
}
