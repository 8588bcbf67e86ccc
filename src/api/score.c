/*
 * score.c — ae_score, ae_embed and ae_reconstruct, each in the three forms
 * (row), (model text, row), (model bytea, row).  The per-row path: deform
 * and encode the row (site.c), one forward pass.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "api/site.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(ae_score);
PG_FUNCTION_INFO_V1(ae_embed);
PG_FUNCTION_INFO_V1(ae_reconstruct);

/*
 * The anomaly score: the weighted mean loss over the row's observed
 * modelled columns; for variational kinds the negative ELBO (or what the
 * score option chose).
 */
Datum
ae_score(PG_FUNCTION_ARGS)
{
	AeSite	   *site;
	int			observed;
	AeModel    *model = ae_site_prepare(fcinfo, &site, &observed);

	if (observed == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(ae_model_score(model, site->work, site->t, site->m));
}

/* The latent vector as real[] (a variational model's latent mean). */
Datum
ae_embed(PG_FUNCTION_ARGS)
{
	AeSite	   *site;
	int			observed;
	AeModel    *model = ae_site_prepare(fcinfo, &site, &observed);
	int			n = model->opt.latent;
	size_t		size = ARR_OVERHEAD_NONULLS(1) + sizeof(float4) * n;
	ArrayType  *a = (ArrayType *) palloc(size);
	float4	   *data;
	const ae_real *z;

	z = ae_site_embed(model, site);
	/* a one-dimensional real[] without NULLs, written in place (construct_array goes through Datums) */
	SET_VARSIZE(a, size);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT4OID;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	data = (float4 *) ARR_DATA_PTR(a);
	for (int i = 0; i < n; i++)
		data[i] = (float4) z[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* The row with every modelled column replaced by its reconstruction. */
Datum
ae_reconstruct(PG_FUNCTION_ARGS)
{
	AeSite	   *site;
	int			observed;
	AeModel    *model = ae_site_prepare(fcinfo, &site, &observed);
	const ae_real *out = ae_site_reconstruct(model, site);
	AeRowMap   *map = site->map;

	ae_rowmap_begin(map, false);
	for (int c = 0; c < model->ncols; c++)
	{
		bool		isnull;
		Datum		v = ae_rowmap_decode(map, model, c, out, &isnull);

		ae_rowmap_store(map, model, c, v, isnull);
	}
	ae_rowmap_finish(map);
	PG_RETURN_DATUM(HeapTupleGetDatum(ae_rowmap_form(map)));
}
