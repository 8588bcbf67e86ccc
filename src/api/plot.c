/*
 * plot.c — pictures from SQL: the ae_plot aggregate, a map of the latent
 * space of the rows fed to it coloured by a label, and ae_plot_loss, a
 * model's training curve.  Both return an SVG document as text (svg.c).
 *
 * The aggregate comes in the three forms of every model function —
 * ae_plot(row, label), ae_plot(model text, row, label), ae_plot(model
 * bytea, row, label) — and embeds a row exactly as ae_embed does (site.c).
 * Its state is a reservoir sample of at most PLOT_MAX_POINTS rows (fewer
 * when the latent is wide: PLOT_MAX_VALUES floats in all), drawn with a
 * fixed seed, so the same rows in the same order give the same picture;
 * only a row the sample keeps is embedded, every row's label is counted.
 * A latent of 2 is drawn as it is, of 1 against the sample index, of more
 * along its two principal axes (core/pca.c).
 *
 * The aggregate has no combine function: the leader runs it above a
 * parallel scan.  Most rows of a large input are only counted, not
 * embedded, so workers would save little, and a serialized state would be
 * one more set of hostile bytes to check.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "api/registry.h"
#include "api/site.h"
#include "api/svg.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "core/pca.h"
#include "core/rng.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ae_plot_transfn);
PG_FUNCTION_INFO_V1(ae_plot_finalfn);
PG_FUNCTION_INFO_V1(ae_plot_loss);

#define PLOT_MAX_POINTS 10000
#define PLOT_MAX_VALUES (2 * 1024 * 1024)	/* latent values kept: 8 MB */
#define PLOT_MAX_LABELS 10000	/* distinct labels counted; later ones count as one */
#define PLOT_LABEL_BYTES 127	/* a label is cut to this many bytes */
#define PLOT_LEGEND 10			/* legend entries at most */
#define PLOT_SEED 20240611		/* of the reservoir's draws */

/* the picture's layout, in pixels */
#define WIDTH 800
#define HEIGHT 560
#define LEFT 80
#define TOP 64
#define AREA_W 460
#define AREA_H 420
#define LEGEND_X 560
#define LEGEND_CHARS 22

typedef enum LabelKind
{
	LABEL_TEXT,
	LABEL_NULL,					/* the label was NULL */
	LABEL_OVERFLOW				/* every label after the first PLOT_MAX_LABELS */
} LabelKind;

typedef struct PlotLabel
{
	char	   *text;			/* NULL unless LABEL_TEXT */
	LabelKind	kind;
	int64		count;			/* rows with this label, sampled or not */
	uint32		hash;
} PlotLabel;

/* The aggregate's state. */
typedef struct PlotState
{
	MemoryContext cxt;			/* the aggregate's: everything below lives there */
	int			dim;			/* latent width */
	uint32		model_len;		/* the model every row was embedded with */
	uint32		model_crc;
	char	   *title;			/* the model, as the picture names it */
	int64		seen;			/* rows fed */
	int			cap;			/* points kept at most */
	int			n;				/* points kept */
	int			alloc;			/* points z and label have room for */
	float	   *z;				/* (alloc, dim) latent codes of the sample */
	int32	   *label;			/* (alloc) label of each */
	PlotLabel  *labels;			/* (maxlabels) */
	int			nlabels;
	int			maxlabels;
	int32	   *table;			/* (tsize) open addressing: label index + 1, 0 empty */
	int			tsize;
	int			null_label;		/* index of the NULL label, -1 until seen */
	int			overflow_label;
	AeRng		rng;
} PlotState;

/* The aggregate's memory context; errors outside a plain aggregate call. */
static MemoryContext
plot_context(FunctionCallInfo fcinfo)
{
	MemoryContext cxt;
	int			kind = AggCheckCallContext(fcinfo, &cxt);

	if (kind == AGG_CONTEXT_WINDOW)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ae_plot cannot be used as a window function"),
				 errhint("Draw one picture per group with GROUP BY instead of OVER.")));
	if (kind != AGG_CONTEXT_AGGREGATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of the ae_plot aggregate",
						get_func_name(fcinfo->flinfo->fn_oid)),
				 errhint("Call ae_plot(row, label).")));
	return cxt;
}

/* How the picture names the model the site resolved. */
static char *
model_title(FunctionCallInfo fcinfo, AeSite *site, Oid rowtype)
{
	switch (site->form)
	{
		case FORM_NAME:
			return text_to_cstring(PG_GETARG_TEXT_PP(site->model_argno));
		case FORM_ROW:
			return psprintf("newest model on %s", format_type_be(rowtype));
		default:
			return NULL;
	}
}

/* A new state for the model of the first row. */
static PlotState *
plot_create(MemoryContext cxt, AeCacheEntry *entry, char *title)
{
	PlotState  *ps = MemoryContextAllocZero(cxt, sizeof(PlotState));
	AeModel    *model = entry->model;

	ps->cxt = cxt;
	ps->dim = model->opt.latent;
	ps->model_len = entry->len;
	ps->model_crc = entry->crc;
	if (title)
		ps->title = psprintf("%s (%s, latent %d)", title, ae_kind_name(model->opt.kind), ps->dim);
	else
		ps->title = psprintf("%s model, latent %d", ae_kind_name(model->opt.kind), ps->dim);
	ps->cap = Max(1, Min(PLOT_MAX_POINTS, PLOT_MAX_VALUES / ps->dim));
	ps->alloc = Min(ps->cap, 64);
	ps->z = palloc(sizeof(float) * ps->alloc * ps->dim);
	ps->label = palloc(sizeof(int32) * ps->alloc);
	ps->maxlabels = 16;
	ps->labels = palloc(sizeof(PlotLabel) * ps->maxlabels);
	ps->tsize = 32;
	ps->table = palloc0(sizeof(int32) * ps->tsize);
	ps->null_label = ps->overflow_label = -1;
	ae_rng_seed(&ps->rng, PLOT_SEED);
	return ps;
}

/* A new label entry; its index. */
static int
add_label(PlotState *ps, LabelKind kind, const char *text, int len, uint32 hash)
{
	PlotLabel  *l;

	if (ps->nlabels == ps->maxlabels)
	{
		ps->maxlabels *= 2;
		ps->labels = repalloc(ps->labels, sizeof(PlotLabel) * ps->maxlabels);
	}
	l = &ps->labels[ps->nlabels];
	l->kind = kind;
	l->count = 0;
	l->hash = hash;
	l->text = kind == LABEL_TEXT ? pnstrdup(text, len) : NULL;
	return ps->nlabels++;
}

/* Put label index i into the open-addressing table. */
static void
table_put(PlotState *ps, int i)
{
	uint32		h = ps->labels[i].hash & (ps->tsize - 1);

	while (ps->table[h] != 0)
		h = (h + 1) & (ps->tsize - 1);
	ps->table[h] = i + 1;
}

/* The index of a label (text, or NULL when isnull), added when new. */
static int
find_label(PlotState *ps, text *label, bool isnull)
{
	const char *s;
	int			len;
	uint32		hash,
				h;
	int			i;

	if (isnull)
	{
		if (ps->null_label < 0)
			ps->null_label = add_label(ps, LABEL_NULL, NULL, 0, 0);
		return ps->null_label;
	}
	s = VARDATA_ANY(label);
	len = pg_mbcliplen(s, VARSIZE_ANY_EXHDR(label), PLOT_LABEL_BYTES);
	hash = hash_bytes((const unsigned char *) s, len);
	for (h = hash & (ps->tsize - 1); ps->table[h] != 0; h = (h + 1) & (ps->tsize - 1))
	{
		PlotLabel  *l = &ps->labels[ps->table[h] - 1];

		if (l->hash == hash && strncmp(l->text, s, len) == 0 && l->text[len] == '\0')
			return ps->table[h] - 1;
	}
	if (ps->nlabels - (ps->null_label >= 0) - (ps->overflow_label >= 0) >= PLOT_MAX_LABELS)
	{
		if (ps->overflow_label < 0)
			ps->overflow_label = add_label(ps, LABEL_OVERFLOW, NULL, 0, 0);
		return ps->overflow_label;
	}
	i = add_label(ps, LABEL_TEXT, s, len, hash);
	if (2 * ps->nlabels > ps->tsize)
	{
		/* grow the table to keep it at most half full */
		pfree(ps->table);
		ps->tsize *= 2;
		ps->table = palloc0(sizeof(int32) * ps->tsize);
		for (int k = 0; k < ps->nlabels; k++)
			if (ps->labels[k].kind == LABEL_TEXT)
				table_put(ps, k);
	}
	else
		table_put(ps, i);
	return i;
}

/*
 * The sample slot for the row just seen (Algorithm R: the k-th row is kept
 * with probability cap / k, in place of a uniformly chosen one); -1 when
 * the row is not kept.
 */
static int
reservoir_slot(PlotState *ps)
{
	uint64		j;

	if (ps->n < ps->cap)
	{
		if (ps->n == ps->alloc)
		{
			ps->alloc = Min(ps->cap, ps->alloc * 2);
			ps->z = repalloc(ps->z, sizeof(float) * ps->alloc * ps->dim);
			ps->label = repalloc(ps->label, sizeof(int32) * ps->alloc);
		}
		return ps->n++;
	}
	j = ae_rng_below(&ps->rng, (uint64) ps->seen);
	return j < (uint64) ps->cap ? (int) j : -1;
}

/*
 * ae_plot_transfn(state, row, label) and (state, model, row, label): count
 * the row's label, and embed the row when the sample keeps it.
 */
Datum
ae_plot_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = plot_context(fcinfo);
	PlotState  *ps = PG_ARGISNULL(0) ? NULL : (PlotState *) PG_GETARG_POINTER(0);
	int			first = 1;
	int			rowarg = PG_NARGS() == 3 ? 1 : 2;
	int			labelarg = rowarg + 1;
	Oid			rowtype = get_fn_expr_argtype(fcinfo->flinfo, rowarg);
	AeSite	   *site;
	AeCacheEntry *entry;
	MemoryContext old;
	int			slot;
	int			li;

	if (!OidIsValid(rowtype) || !type_is_rowtype(rowtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("ae_plot expects a row, not %s",
						OidIsValid(rowtype) ? format_type_be(rowtype) : "an unknown type"),
				 errhint("Pass the table alias, as in SELECT ae_plot(t, t.class) FROM my_table t.")));
	/* a NULL row or model draws nothing, as ae_embed returns NULL for it */
	if (PG_ARGISNULL(rowarg) || PG_ARGISNULL(first))
	{
		if (ps == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(ps);
	}

	entry = ae_site_resolve_at(fcinfo, first, rowarg, &site);
	if (ps == NULL)
	{
		old = MemoryContextSwitchTo(aggcxt);
		ps = plot_create(aggcxt, entry,
						 model_title(fcinfo, site,
									 HeapTupleHeaderGetTypeId(PG_GETARG_HEAPTUPLEHEADER(rowarg))));
		MemoryContextSwitchTo(old);
	}
	else if (entry->len != ps->model_len || entry->crc != ps->model_crc)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ae_plot rows must all be embedded by one model"),
				 errhint("Draw one picture per model: GROUP BY the model.")));

	old = MemoryContextSwitchTo(ps->cxt);
	ps->seen++;
	li = find_label(ps, PG_ARGISNULL(labelarg) ? NULL : PG_GETARG_TEXT_PP(labelarg),
					PG_ARGISNULL(labelarg));
	ps->labels[li].count++;
	slot = reservoir_slot(ps);
	MemoryContextSwitchTo(old);

	if (slot >= 0)
	{
		int			observed;
		AeModel    *model = ae_site_prepare_at(fcinfo, first, rowarg, &site, &observed);
		const ae_real *z = ae_site_embed(model, site);

		for (int j = 0; j < ps->dim; j++)
			ps->z[(size_t) slot * ps->dim + j] = (float) z[j];
		ps->label[slot] = li;
	}
	PG_RETURN_POINTER(ps);
}

/* Legend order: more rows first; then text labels by text, NULL, the overflow. */
static int
compare_labels(const void *a, const void *b, void *arg)
{
	const PlotLabel *labels = arg;
	const PlotLabel *x = &labels[*(const int *) a];
	const PlotLabel *y = &labels[*(const int *) b];

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->kind == LABEL_TEXT ? strcmp(x->text, y->text) : 0;
}

/* Between steps of the principal axes: honour cancel. */
static void
plot_tick(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* A label's legend text: the label and its count of rows. */
static char *
legend_text(const PlotLabel *l)
{
	const char *name = l->kind == LABEL_NULL ? "NULL" : l->text;
	char	   *count = svg_count(l->count);
	StringInfoData s;
	int			chars = pg_mbstrlen(name);

	/* cut the label itself, so the count always shows */
	initStringInfo(&s);
	if (chars > LEGEND_CHARS - 8)
	{
		appendBinaryStringInfo(&s, name, pg_mbcharcliplen(name, strlen(name), LEGEND_CHARS - 9));
		appendStringInfoString(&s, GetDatabaseEncoding() == PG_UTF8 ? "\xE2\x80\xA6" : "...");
	}
	else
		appendStringInfoString(&s, name);
	appendStringInfo(&s, " (%s)", count);
	return s.data;
}

/* One group of points: those whose label maps to group g. */
static void
draw_group(StringInfo s, const char *colour, int g, const int *group, const int32 *label,
		   const double *x, const double *y, int n, const SvgAxis *ax, const SvgAxis *ay,
		   const char *r)
{
	appendStringInfo(s, "<g class=\"points\" fill=\"%s\" fill-opacity=\"0.75\">\n", colour);
	for (int i = 0; i < n; i++)
	{
		if (group[label[i]] != g)
			continue;
		appendStringInfoString(s, "<circle cx=\"");
		svg_coord(s, svg_axis_px(ax, x[i]));
		appendStringInfoString(s, "\" cy=\"");
		svg_coord(s, svg_axis_px(ay, y[i]));
		appendStringInfo(s, "\" r=\"%s\"/>\n", r);
	}
	appendStringInfoString(s, "</g>\n");
}

/* The picture of the sample. */
Datum
ae_plot_finalfn(PG_FUNCTION_ARGS)
{
	PlotState  *ps;
	int			d;
	int			n = 0;
	int			dropped;
	float	   *pts;
	int32	   *lab;
	double	   *x,
			   *y;
	char	   *xtitle,
			   *ytitle;
	int		   *order,
			   *group;
	int			ncoloured,
				nother = 0;
	int64		other_count = 0;
	double		xlo = INFINITY,
				xhi = -INFINITY,
				ylo = INFINITY,
				yhi = -INFINITY;
	SvgAxis		ax,
				ay;
	StringInfoData s;
	const char *r;

	plot_context(fcinfo);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ps = (PlotState *) PG_GETARG_POINTER(0);
	d = ps->dim;

	/* the points whose every coordinate is finite (the state stays as it is) */
	pts = palloc(sizeof(float) * Max(ps->n, 1) * d);
	lab = palloc(sizeof(int32) * Max(ps->n, 1));
	for (int i = 0; i < ps->n; i++)
	{
		const float *zi = ps->z + (size_t) i * d;
		bool		finite = true;

		for (int j = 0; j < d; j++)
			finite &= isfinite(zi[j]);
		if (!finite)
			continue;
		memcpy(pts + (size_t) n * d, zi, sizeof(float) * d);
		lab[n++] = ps->label[i];
	}
	dropped = ps->n - n;

	/* the two coordinates drawn */
	x = palloc(sizeof(double) * Max(n, 1));
	y = palloc(sizeof(double) * Max(n, 1));
	if (d == 1)
	{
		for (int i = 0; i < n; i++)
		{
			x[i] = pts[i];
			y[i] = i + 1;
		}
		xtitle = "latent 1";
		ytitle = "row of the sample";
	}
	else if (d == 2 || n == 0)
	{
		for (int i = 0; i < n; i++)
		{
			x[i] = pts[2 * i];
			y[i] = d > 1 ? pts[(size_t) i * d + 1] : 0;
		}
		xtitle = "latent 1";
		ytitle = "latent 2";
	}
	else
	{
		double	   *mean = palloc(sizeof(double) * d);
		double	   *axes = palloc(sizeof(double) * 2 * d);
		double	   *work = palloc(sizeof(double) * ae_pca2_work_size(n, d));
		double		var[2],
					total;

		ae_pca2(pts, n, d, mean, axes, var, &total, work, plot_tick, NULL);
		for (int i = 0; i < n; i++)
		{
			const float *zi = pts + (size_t) i * d;
			double		a = 0,
						b = 0;

			for (int j = 0; j < d; j++)
			{
				a += (zi[j] - mean[j]) * axes[j];
				b += (zi[j] - mean[j]) * axes[d + j];
			}
			x[i] = a;
			y[i] = b;
		}
		if (total > 0)
		{
			xtitle = psprintf("PC 1 (%.1f%% of variance)", 100 * var[0] / total);
			ytitle = psprintf("PC 2 (%.1f%% of variance)", 100 * var[1] / total);
		}
		else
		{
			xtitle = "PC 1 (no variance)";
			ytitle = "PC 2 (no variance)";
		}
	}
	for (int i = 0; i < n; i++)
	{
		xlo = Min(xlo, x[i]);
		xhi = Max(xhi, x[i]);
		ylo = Min(ylo, y[i]);
		yhi = Max(yhi, y[i]);
	}
	if (n == 0)
		xlo = xhi = ylo = yhi = 0;

	/* colours: the commonest labels, the rest grouped as "other" */
	order = palloc(sizeof(int) * ps->nlabels);
	group = palloc(sizeof(int) * ps->nlabels);
	for (int i = 0; i < ps->nlabels; i++)
		order[i] = i;
	qsort_arg(order, ps->nlabels, sizeof(int), compare_labels, ps->labels);
	ncoloured = ps->nlabels <= PLOT_LEGEND ? ps->nlabels : PLOT_LEGEND - 1;
	for (int k = 0; k < ps->nlabels; k++)
	{
		group[order[k]] = k < ncoloured ? k : -1;
		if (k >= ncoloured)
		{
			nother++;
			other_count += ps->labels[order[k]].count;
		}
	}

	svg_axis_linear(&ax, xlo, xhi, LEFT, LEFT + AREA_W, 0.04, false);
	svg_axis_linear(&ay, ylo, yhi, TOP + AREA_H, TOP, 0.04, d == 1);

	initStringInfo(&s);
	svg_begin(&s, WIDTH, HEIGHT);
	svg_text(&s, LEFT + AREA_W / 2, 24, "class=\"title\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"",
			 ps->title, 70);
	{
		char	   *caption;

		if (ps->seen > ps->n)
			caption = psprintf("%s of %s rows (a uniform sample)", svg_count(ps->n), svg_count(ps->seen));
		else
			caption = psprintf("%s rows", svg_count(ps->seen));
		if (dropped > 0)
			caption = psprintf("%s; %s with a non-finite latent not drawn", caption, svg_count(dropped));
		svg_text(&s, LEFT + AREA_W / 2, 44, "class=\"caption\" text-anchor=\"middle\" fill=\"#555555\"",
				 caption, 100);
	}
	svg_frame(&s, LEFT, TOP, AREA_W, AREA_H, &ax, &ay, xtitle, ytitle);

	/* "other" beneath, then the commonest first: the rarest labels on top */
	r = n <= 1000 ? "3" : n <= 5000 ? "2.5" : "2";
	if (nother > 0)
		draw_group(&s, SVG_OTHER_COLOUR, -1, group, lab, x, y, n, &ax, &ay, r);
	for (int k = 0; k < ncoloured; k++)
		draw_group(&s, svg_colours[k], k, group, lab, x, y, n, &ax, &ay, r);

	appendStringInfoString(&s, "<g class=\"legend\">\n");
	svg_text(&s, LEGEND_X, TOP + 4, "font-weight=\"bold\"", "label (rows)", 30);
	/* a NULL label in italics, unlike the text 'NULL' */
	for (int k = 0; k < ncoloured; k++)
		svg_legend_entry(&s, LEGEND_X, TOP + 26 + 20 * k, svg_colours[k], false,
						 ps->labels[order[k]].kind == LABEL_NULL ? "font-style=\"italic\"" : "",
						 legend_text(&ps->labels[order[k]]), LEGEND_CHARS + 16);
	if (nother > 0)
		svg_legend_entry(&s, LEGEND_X, TOP + 26 + 20 * ncoloured, SVG_OTHER_COLOUR, false, "",
						 psprintf("other (%s%s labels, %s)", svg_count(nother),
								  ps->overflow_label >= 0 ? "+" : "", svg_count(other_count)),
						 LEGEND_CHARS + 16);
	appendStringInfoString(&s, "</g>\n");
	svg_end(&s);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s.data, s.len));
}

/* One loss series as polylines of its finite (on a log axis, positive) values. */
static void
draw_series(StringInfo s, const char *cls, const char *colour, const float *v, int n,
			const SvgAxis *ax, const SvgAxis *ay)
{
	bool		open = false;

	for (int e = 0; e < n; e++)
	{
		bool		ok = isfinite(v[e]) && (!ay->log || v[e] > 0);

		if (!ok)
		{
			if (open)
				appendStringInfoString(s, "\"/>\n");
			open = false;
			continue;
		}
		if (!open)
			appendStringInfo(s, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" "
							 "stroke-width=\"2\" stroke-linejoin=\"round\" points=\"", cls, colour);
		else
			appendStringInfoChar(s, ' ');
		open = true;
		svg_coord(s, svg_axis_px(ax, e + 1));
		appendStringInfoChar(s, ',');
		svg_coord(s, svg_axis_px(ay, v[e]));
	}
	if (open)
		appendStringInfoString(s, "\"/>\n");
}

/* The training curve of a model, as SVG text; NULL when it recorded no epoch. */
static text *
loss_svg(const AeModel *m, const char *name)
{
	const AeMetrics *mt = &m->metrics;
	int			E = mt->epochs_run;
	int			best = mt->best_epoch;
	double		lo = INFINITY,
				hi = -INFINITY;
	bool		has_val = false;
	bool		logy;
	SvgAxis		ax,
				ay;
	StringInfoData s;
	char	   *title;
	char	   *caption;
	const float *kept;
	int			entries = 0;

	if (E <= 0)
		return NULL;
	for (int e = 0; e < E; e++)
	{
		if (isfinite(mt->train_loss[e]))
		{
			lo = Min(lo, mt->train_loss[e]);
			hi = Max(hi, mt->train_loss[e]);
		}
		if (isfinite(mt->val_loss[e]))
		{
			has_val = true;
			lo = Min(lo, mt->val_loss[e]);
			hi = Max(hi, mt->val_loss[e]);
		}
	}
	if (!(lo <= hi))
		lo = hi = 0;
	/* a loss falling by more than 10 times reads better on a log scale */
	logy = lo > 0 && hi / lo >= 10;
	svg_axis_linear(&ax, 1, Max(E, 2), LEFT, LEFT + AREA_W, 0.03, true);
	if (logy)
		svg_axis_log(&ay, lo, hi, TOP + AREA_H, TOP);
	else
		svg_axis_linear(&ay, lo, hi, TOP + AREA_H, TOP, 0.05, false);

	title = name ? psprintf("%s (%s)", name, ae_kind_name(m->opt.kind))
		: psprintf("%s model", ae_kind_name(m->opt.kind));
	kept = has_val ? mt->val_loss : mt->train_loss;
	if (best >= 1 && best <= E && isfinite(kept[best - 1]))
		caption = psprintf("%d epochs on %s rows; kept epoch %d, %s loss %.4g", E,
						   svg_count(mt->n_train), best, has_val ? "validation" : "train",
						   kept[best - 1]);
	else
		caption = psprintf("%d epochs on %s rows", E, svg_count(mt->n_train));

	initStringInfo(&s);
	svg_begin(&s, WIDTH, HEIGHT);
	svg_text(&s, LEFT + AREA_W / 2, 24, "class=\"title\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"",
			 title, 70);
	svg_text(&s, LEFT + AREA_W / 2, 44, "class=\"caption\" text-anchor=\"middle\" fill=\"#555555\"",
			 caption, 100);
	svg_frame(&s, LEFT, TOP, AREA_W, AREA_H, &ax, &ay, "epoch", logy ? "loss (log scale)" : "loss");
	if (best >= 1 && best <= E)
	{
		double		px = svg_axis_px(&ax, best);

		appendStringInfoString(&s, "<line class=\"best\" x1=\"");
		svg_coord(&s, px);
		appendStringInfoString(&s, "\" x2=\"");
		svg_coord(&s, px);
		appendStringInfo(&s, "\" y1=\"%d\" y2=\"%d\" stroke=\"#777777\" stroke-dasharray=\"5 4\"/>\n",
						 TOP, TOP + AREA_H);
	}
	draw_series(&s, "train", svg_colours[0], mt->train_loss, E, &ax, &ay);
	if (has_val)
		draw_series(&s, "validation", svg_colours[1], mt->val_loss, E, &ax, &ay);
	if (best >= 1 && best <= E && isfinite(kept[best - 1]) && (!logy || kept[best - 1] > 0))
	{
		appendStringInfoString(&s, "<circle class=\"best\" cx=\"");
		svg_coord(&s, svg_axis_px(&ax, best));
		appendStringInfoString(&s, "\" cy=\"");
		svg_coord(&s, svg_axis_px(&ay, kept[best - 1]));
		appendStringInfo(&s, "\" r=\"5\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1.5\"/>\n");
	}

	appendStringInfoString(&s, "<g class=\"legend\">\n");
	svg_legend_entry(&s, LEGEND_X, TOP + 26 + 20 * entries++, svg_colours[0], true, "",
					 "train loss", 40);
	if (has_val)
		svg_legend_entry(&s, LEGEND_X, TOP + 26 + 20 * entries++, svg_colours[1], true, "",
						 "validation loss", 40);
	if (best >= 1 && best <= E)
		svg_legend_entry(&s, LEGEND_X, TOP + 26 + 20 * entries++, "#777777", true, "",
						 psprintf("kept: epoch %d", best), 40);
	appendStringInfoString(&s, "</g>\n");
	svg_end(&s);
	return cstring_to_text_with_len(s.data, s.len);
}

/* ae_plot_loss(model text) and ae_plot_loss(model bytea) */
Datum
ae_plot_loss(PG_FUNCTION_ARGS)
{
	bool		by_bytes = getBaseType(get_fn_expr_argtype(fcinfo->flinfo, 0)) == BYTEAOID;
	char	   *name = by_bytes ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	AeCacheEntry *entry = by_bytes ? ae_cache_from_bytea(PG_GETARG_DATUM(0))
		: ae_registry_by_name(name);
	text	   *volatile result = NULL;

	PG_TRY();
	{
		result = loss_svg(entry->model, name);
	}
	PG_FINALLY();
	{
		ae_cache_unpin(entry);
	}
	PG_END_TRY();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}
