/*
 * impute.c — ae_impute: the row with every missing value of a modelled
 * column filled in by the model, every other value untouched.
 *
 * The model is trained with a share of each batch's values hidden from its
 * input (the `mask` option), so a forward pass with the missing values
 * masked predicts them from the rest of the row.  The fill is refined over
 * a few rounds: each round feeds the previous round's fill back in as if
 * observed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "api/site.h"
#include "funcapi.h"
#include "rows/rowmap.h"

#define IMPUTE_ROUNDS 1

PG_FUNCTION_INFO_V1(ae_impute);

/* The network-unit value a prediction stands for: what it would be if observed. */
static ae_real
predicted_value(const AeColumn *col, const ae_real *out)
{
	const ae_real *z = out + col->out_off;
	int			best = 0;

	switch (col->kind)
	{
		case AE_COL_NUMERIC:
			return z[0];
		case AE_COL_BOOLEAN:
			return z[0] > 0 ? 1 : 0;
		default:
			for (int k = 1; k < col->ncat; k++)
				if (z[k] > z[best])
					best = k;
			return (ae_real) best;
	}
}

/* ae_impute(row), (model text, row), (model bytea, row) */
Datum
ae_impute(PG_FUNCTION_ARGS)
{
	AeSite	   *site;
	int			observed;
	AeModel    *model = ae_site_prepare(fcinfo, &site, &observed);
	AeRowMap   *map = &site->map;
	uint8	   *filled = palloc(model->ncols);
	const ae_real *out;

	if (observed == model->ncols)
		PG_RETURN_DATUM(PG_GETARG_DATUM(site->form == FORM_ROW ? 0 : 1));

	out = ae_site_forward(model, site, site->m);
	for (int round = 1; round < IMPUTE_ROUNDS; round++)
	{
		for (int c = 0; c < model->ncols; c++)
		{
			if (!site->m[c])
				site->t[c] = predicted_value(&model->cols[c], out);
			filled[c] = 1;
		}
		out = ae_site_forward(model, site, filled);
	}
	for (int c = 0; c < model->ncols; c++)
	{
		int			a = map->attno[c];

		if (!site->m[c])
			map->values[a] = ae_rowmap_decode(map, model, c, out, &map->isnull[a]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(map->tupdesc, map->values, map->isnull)));
}
