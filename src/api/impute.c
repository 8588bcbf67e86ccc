/*
 * impute.c — ae_impute: the row with every missing value of a modelled
 * column filled in by the model, every other value untouched.
 *
 * The model is trained with a share of each batch's values hidden from its
 * input (the `mask` option), so one forward pass with the missing values
 * masked predicts them from the rest of the row; each column's prediction
 * is then blended with the column's mean or class shares by the weight
 * training measured for it (ae_model_impute_outputs).  Feeding that fill back in
 * as if observed and predicting again was measured and made the fill worse
 * (test/bench/run-impute.sh: average scaled RMSE 0.184 after three rounds
 * against 0.169 after one), so there is one round.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "api/site.h"
#include "funcapi.h"
#include "rows/rowmap.h"

PG_FUNCTION_INFO_V1(ae_impute);

/* ae_impute(row), (model text, row), (model bytea, row) */
Datum
ae_impute(PG_FUNCTION_ARGS)
{
	AeSite	   *site;
	int			observed;
	AeModel    *model = ae_site_prepare(fcinfo, &site, &observed);
	AeRowMap   *map = site->map;
	const ae_real *out;

	if (observed == model->ncols)
		PG_RETURN_DATUM(PG_GETARG_DATUM(site->form == FORM_ROW ? 0 : 1));

	out = ae_site_forward(model, site, site->m);
	if (model->impute_shrink)
	{
		/* calibrated into the call site's buffer, not a palloc a row */
		ae_model_impute_outputs(model, out, site->m, site->out);
		out = site->out;
	}
	ae_rowmap_begin(map, true);
	for (int c = 0; c < model->ncols; c++)
		if (!site->m[c])
		{
			bool		isnull;
			Datum		v = ae_rowmap_decode(map, model, c, out, &isnull);

			ae_rowmap_store(map, model, c, v, isnull);
		}
	ae_rowmap_finish(map);
	PG_RETURN_DATUM(HeapTupleGetDatum(ae_rowmap_form(map)));
}
