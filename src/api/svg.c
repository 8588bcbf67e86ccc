/*
 * svg.c — the SVG writer of the pictures (svg.h): escaping, axes with
 * round ticks, legend entries.  Coordinates are written with one decimal
 * in pixel units of the document's viewBox, which keeps a picture of
 * 10,000 points near half a megabyte.
 */
#include "postgres.h"

#include <math.h>

#include "api/svg.h"
#include "mb/pg_wchar.h"

const char *const svg_colours[SVG_NCOLOURS] = {
	"#332288", "#cc6677", "#117733", "#ddcc77", "#88ccee",
	"#882255", "#44aa99", "#999933", "#aa4499", "#555555"
};

void
svg_begin(StringInfo s, int width, int height)
{
	appendStringInfo(s, "<?xml version=\"1.0\"?>\n"
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
					 "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
					 "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
					 "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
					 width, height, width, height, width, height);
}

void
svg_end(StringInfo s)
{
	appendStringInfoString(s, "</svg>\n");
}

/* The replacement of a character XML cannot hold. */
static void
append_replacement(StringInfo s, bool utf8)
{
	appendStringInfoString(s, utf8 ? "\xEF\xBF\xBD" : "?");
}

/* Escaped and cleaned; see svg.h. */
void
svg_escape(StringInfo s, const char *text, int max_chars)
{
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	const unsigned char *p = (const unsigned char *) text;
	const unsigned char *end = p + strlen(text);
	int			chars = 0;

	while (p < end)
	{
		unsigned char c = *p;
		int			len = 1;

		if (chars == max_chars)
		{
			appendStringInfoString(s, utf8 ? "\xE2\x80\xA6" : "...");
			return;
		}
		chars++;
		if (c < 0x80)
		{
			switch (c)
			{
				case '&':
					appendStringInfoString(s, "&amp;");
					break;
				case '<':
					appendStringInfoString(s, "&lt;");
					break;
				case '>':
					appendStringInfoString(s, "&gt;");
					break;
				case '"':
					appendStringInfoString(s, "&quot;");
					break;
				case '\'':
					appendStringInfoString(s, "&apos;");
					break;
				case '\t':
				case '\n':
				case '\r':
					/* allowed in XML, but a picture's text is one line */
					appendStringInfoChar(s, ' ');
					break;
				default:
					if (c < 0x20)
						append_replacement(s, utf8);
					else
						appendStringInfoChar(s, (char) c);
			}
		}
		else if (!utf8)
		{
			/* server encodings are ASCII-safe: bytes of other characters are all >= 0x80 */
			appendStringInfoChar(s, (char) c);
		}
		else
		{
			len = pg_utf_mblen(p);
			if (len > end - p || !pg_utf8_islegal(p, len))
			{
				append_replacement(s, true);
				len = 1;
			}
			else if (len == 3 && p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
				append_replacement(s, true);	/* U+FFFE, U+FFFF */
			else
				appendBinaryStringInfo(s, (const char *) p, len);
		}
		p += len;
	}
}

void
svg_text(StringInfo s, double x, double y, const char *attrs, const char *text, int max_chars)
{
	appendStringInfoString(s, "<text x=\"");
	svg_coord(s, x);
	appendStringInfoString(s, "\" y=\"");
	svg_coord(s, y);
	appendStringInfo(s, "\"%s%s>", *attrs ? " " : "", attrs);
	svg_escape(s, text, max_chars);
	appendStringInfoString(s, "</text>\n");
}

void
svg_coord(StringInfo s, double v)
{
	char		buf[64];
	int			n = snprintf(buf, sizeof(buf), "%.1f", v);

	if (n > 2 && buf[n - 2] == '.' && buf[n - 1] == '0')
		buf[n - 2] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	appendStringInfoString(s, buf);
}

char *
svg_count(int64 n)
{
	char		digits[32];
	StringInfoData s;
	int			len;

	snprintf(digits, sizeof(digits), INT64_FORMAT, n);
	len = strlen(digits);
	initStringInfo(&s);
	for (int i = 0; i < len; i++)
	{
		appendStringInfoChar(&s, digits[i]);
		if (digits[i] != '-' && (len - i - 1) % 3 == 0 && i < len - 1)
			appendStringInfoChar(&s, ',');
	}
	return s.data;
}

/* 1, 2 or 5 × 10^k nearest above raw / 1.5 or so: a round step. */
static double
nice_step(double raw)
{
	double		mag = pow(10, floor(log10(raw)));
	double		f = raw / mag;

	if (f < 1.5)
		return mag;
	if (f < 3)
		return 2 * mag;
	if (f < 7)
		return 5 * mag;
	return 10 * mag;
}

void
svg_axis_linear(SvgAxis *a, double lo, double hi, double p0, double p1, double pad, bool integer)
{
	double		span = hi - lo;
	double		step;
	double		k0,
				k1;

	if (!(span > 1e-12 * Max(fabs(lo), fabs(hi))))
	{
		/* one value: a range around it */
		span = fabs(lo) > 0 ? fabs(lo) * 0.2 : 1;
		lo -= span / 2;
		hi += span / 2;
	}
	lo -= pad * span;
	hi += pad * span;
	span = hi - lo;
	step = nice_step(span / 5);
	if (integer && step < 1)
		step = 1;
	k0 = ceil(lo / step - 1e-9);
	k1 = floor(hi / step + 1e-9);
	a->lo = lo;
	a->hi = hi;
	a->p0 = p0;
	a->p1 = p1;
	a->log = false;
	a->nticks = 0;
	for (double k = k0; k <= k1 && a->nticks < SVG_MAX_TICKS; k++)
		a->ticks[a->nticks++] = fabs(k) < 0.5 ? 0 : k * step;
	if (Max(fabs(lo), fabs(hi)) >= 1e6 || step < 1e-4)
		a->decimals = -1;
	else
		a->decimals = Max(0, (int) -floor(log10(step) + 1e-9));
}

void
svg_axis_log(SvgAxis *a, double lo, double hi, double p0, double p1)
{
	double		llo = log10(lo),
				lhi = log10(hi);
	double		span;
	int			every = 1;

	if (!(lhi - llo > 1e-9))
	{
		llo -= 0.5;
		lhi += 0.5;
	}
	span = lhi - llo;
	llo -= 0.04 * span;
	lhi += 0.04 * span;
	a->lo = llo;
	a->hi = lhi;
	a->p0 = p0;
	a->p1 = p1;
	a->log = true;
	a->decimals = -1;
	a->nticks = 0;
	while ((floor(lhi) - ceil(llo)) / every + 1 > 8)
		every++;

	/*
	 * Powers of 10 over more than two decades; within them 2 and 5 times
	 * each power as well, and within one decade every multiple.
	 */
	for (double k = floor(llo); k <= ceil(lhi); k++)
	{
		static const double all[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
		static const double some[3] = {1, 2, 5};
		const double *mult = span > 2.2 ? all : span > 0.9 ? some : all;
		int			nmult = span > 2.2 ? 1 : span > 0.9 ? 3 : 9;

		if (span > 2.2 && ((long) k) % every != 0)
			continue;
		for (int m = 0; m < nmult; m++)
		{
			double		t = log10(mult[m]) + k;

			if (t >= llo && t <= lhi && a->nticks < SVG_MAX_TICKS)
				a->ticks[a->nticks++] = mult[m] * pow(10, k);
		}
	}
}

double
svg_axis_px(const SvgAxis *a, double v)
{
	double		t = a->log ? log10(v) : v;

	return a->p0 + (t - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* A tick's label. */
static void
tick_label(const SvgAxis *a, double v, char *buf, size_t size)
{
	if (a->decimals < 0)
		snprintf(buf, size, "%g", v);
	else
		snprintf(buf, size, "%.*f", a->decimals, v);
}

void
svg_frame(StringInfo s, double left, double top, double width, double height,
		  const SvgAxis *x, const SvgAxis *y, const char *xtitle, const char *ytitle)
{
	double		bottom = top + height;
	char		label[64];

	/* grid, then the frame over it */
	appendStringInfoString(s, "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
	for (int i = 0; i < x->nticks; i++)
	{
		double		px = svg_axis_px(x, x->ticks[i]);

		appendStringInfoString(s, "<line x1=\"");
		svg_coord(s, px);
		appendStringInfoString(s, "\" x2=\"");
		svg_coord(s, px);
		appendStringInfoString(s, "\" y1=\"");
		svg_coord(s, top);
		appendStringInfoString(s, "\" y2=\"");
		svg_coord(s, bottom);
		appendStringInfoString(s, "\"/>\n");
	}
	for (int i = 0; i < y->nticks; i++)
	{
		double		py = svg_axis_px(y, y->ticks[i]);

		appendStringInfoString(s, "<line x1=\"");
		svg_coord(s, left);
		appendStringInfoString(s, "\" x2=\"");
		svg_coord(s, left + width);
		appendStringInfoString(s, "\" y1=\"");
		svg_coord(s, py);
		appendStringInfoString(s, "\" y2=\"");
		svg_coord(s, py);
		appendStringInfoString(s, "\"/>\n");
	}
	appendStringInfoString(s, "</g>\n<rect class=\"frame\" x=\"");
	svg_coord(s, left);
	appendStringInfoString(s, "\" y=\"");
	svg_coord(s, top);
	appendStringInfoString(s, "\" width=\"");
	svg_coord(s, width);
	appendStringInfoString(s, "\" height=\"");
	svg_coord(s, height);
	appendStringInfoString(s, "\" fill=\"none\" stroke=\"#444444\"/>\n");

	/* tick marks and labels */
	appendStringInfoString(s, "<g class=\"ticks\" font-size=\"11\" fill=\"#333333\">\n");
	for (int i = 0; i < x->nticks; i++)
	{
		tick_label(x, x->ticks[i], label, sizeof(label));
		svg_text(s, svg_axis_px(x, x->ticks[i]), bottom + 16, "text-anchor=\"middle\"", label, 20);
	}
	for (int i = 0; i < y->nticks; i++)
	{
		tick_label(y, y->ticks[i], label, sizeof(label));
		svg_text(s, left - 6, svg_axis_px(y, y->ticks[i]) + 4, "text-anchor=\"end\"", label, 20);
	}
	appendStringInfoString(s, "</g>\n");

	/* axis titles; the y title turned to read upwards */
	svg_text(s, left + width / 2, bottom + 38, "class=\"xtitle\" text-anchor=\"middle\" font-size=\"13\"",
			 xtitle, 60);
	appendStringInfoString(s, "<g transform=\"translate(");
	svg_coord(s, left - 54);
	appendStringInfoChar(s, ',');
	svg_coord(s, top + height / 2);
	appendStringInfoString(s, ") rotate(-90)\">\n");
	svg_text(s, 0, 0, "class=\"ytitle\" text-anchor=\"middle\" font-size=\"13\"", ytitle, 60);
	appendStringInfoString(s, "</g>\n");
}

void
svg_legend_entry(StringInfo s, double x, double y, const char *colour, bool line,
				 const char *attrs, const char *text, int max_chars)
{
	if (line)
	{
		appendStringInfoString(s, "<line x1=\"");
		svg_coord(s, x);
		appendStringInfoString(s, "\" x2=\"");
		svg_coord(s, x + 18);
		appendStringInfoString(s, "\" y1=\"");
		svg_coord(s, y - 4);
		appendStringInfoString(s, "\" y2=\"");
		svg_coord(s, y - 4);
		appendStringInfo(s, "\" stroke=\"%s\" stroke-width=\"2\"/>\n", colour);
	}
	else
	{
		appendStringInfoString(s, "<rect x=\"");
		svg_coord(s, x + 4);
		appendStringInfoString(s, "\" y=\"");
		svg_coord(s, y - 9);
		appendStringInfo(s, "\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", colour);
	}
	svg_text(s, x + 24, y, attrs, text, max_chars);
}
