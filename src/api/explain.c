/*
 * explain.c — ae_explain: why a row scored as it did.  One row per modelled
 * column: its share of the score (the contributions sum to ae_score), the
 * actual value and the value the model expected, largest share first.  A
 * model scored by distance adds a row "(latent)" for the distance of the
 * row's code from the training rows' codes, a variational model scored by
 * its ELBO one for the KL term: how unusual the row's latent code is.
 */
#include "postgres.h"

#include "api/site.h"
#include "funcapi.h"
#include "rows/rowmap.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(ae_explain);

typedef struct Contribution
{
	int			col;			/* model column, or -1 for the latent KL term */
	double		share;
} Contribution;

/* Largest share first; missing columns (share 0) last, in column order. */
static int
compare_share(const void *a, const void *b)
{
	const Contribution *x = a;
	const Contribution *y = b;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->col - y->col;			/* the latent row (-1) before columns on a tie */
}

/*
 * The expected value as text: a reconstructed float or numeric is shown to
 * six significant digits (it is an estimate, not a measurement); anything
 * else in its type's own text form.
 */
static char *
expected_text(const AeRowMap *map, const AeModel *model, int c, Datum value)
{
	switch (map->sqltype[c])
	{
		case AE_SQL_FLOAT4:
		case AE_SQL_FLOAT8:
		case AE_SQL_NUMERIC:
			if (model->cols[c].kind == AE_COL_NUMERIC)
				return psprintf("%.6g", ae_datum_to_double(value, map->sqltype[c]));
			break;
		default:
			break;
	}
	return ae_rowmap_text(map, c, value);
}

/* ae_explain(row), (model text, row), (model bytea, row) */
Datum
ae_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AeSite	   *site;
	int			observed;
	AeModel    *model;
	AeRowMap   *map;
	const ae_real *out;
	double	   *loss;
	int			nparts;
	Contribution *parts;

	InitMaterializedSRF(fcinfo, 0);
	model = ae_site_prepare(fcinfo, &site, &observed);
	map = site->map;
	out = ae_site_reconstruct(model, site);
	loss = palloc(sizeof(double) * model->ncols);
	parts = palloc(sizeof(Contribution) * (model->ncols + 1));
	ae_model_column_losses(model, out, site->t, site->m, loss);
	for (int c = 0; c < model->ncols; c++)
	{
		parts[c].col = c;
		parts[c].share = isnan(loss[c]) ? 0 : loss[c];
		if (model->opt.score == AE_SCORE_DISTANCE)
			parts[c].share /= model->recon_mean;
	}
	nparts = model->ncols;
	if (model->opt.score != AE_SCORE_RECONSTRUCTION && observed > 0)
	{
		parts[nparts].col = -1;
		if (model->opt.score == AE_SCORE_DISTANCE)
			parts[nparts].share = ae_model_code_distance(model, ae_model_latent(model, site->work));
		else
			ae_model_penalty(model, site->work, site->work->x, 1, &parts[nparts].share);
		nparts++;
	}
	qsort(parts, nparts, sizeof(Contribution), compare_share);

	for (int i = 0; i < nparts; i++)
	{
		int			c = parts[i].col;
		Datum		actual;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		bool		expected_null;
		Datum		expected;

		if (c < 0)
		{
			values[0] = CStringGetTextDatum("(latent)");
			values[1] = Float8GetDatum(parts[i].share);
			nulls[2] = nulls[3] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		expected = ae_rowmap_decode(map, model, c, out, &expected_null);

		values[0] = CStringGetTextDatum(ae_column_label(&model->cols[c]));
		values[1] = Float8GetDatum(parts[i].share);
		if (!ae_rowmap_get(map, model, c, &actual))
			nulls[2] = true;
		else
			values[2] = CStringGetTextDatum(ae_rowmap_text(map, c, actual));
		if (expected_null)
			nulls[3] = true;
		else
			values[3] = CStringGetTextDatum(expected_text(map, model, c, expected));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
