/*
 * svg.h — a small SVG writer for the pictures SQL functions return
 * (plot.c): a standalone document in a StringInfo, text escaped for XML,
 * axes with round-numbered ticks, a legend.
 *
 * Every piece of text a caller passes goes through svg_escape: the five
 * XML specials become entities and characters XML 1.0 forbids (control
 * characters, U+FFFE, U+FFFF, malformed sequences) become U+FFFD (or "?"
 * outside UTF-8), so any label yields a well-formed document.
 */
#ifndef AE_API_SVG_H
#define AE_API_SVG_H

#include "postgres.h"

#include "lib/stringinfo.h"

#define SVG_MAX_TICKS 24

/* One axis: a data range mapped onto a pixel range, and its ticks. */
typedef struct SvgAxis
{
	double		lo,
				hi;				/* data values at the ends (log10 of them on a log axis) */
	double		p0,
				p1;				/* pixels of lo and hi */
	bool		log;
	int			nticks;
	double		ticks[SVG_MAX_TICKS];	/* data values, not logs */
	int			decimals;		/* of the tick labels on a linear axis; -1: %g */
} SvgAxis;

/* Colour-blind-safe colours (Paul Tol's muted scheme and a dark grey) and the "other" grey. */
#define SVG_NCOLOURS 10
extern const char *const svg_colours[SVG_NCOLOURS];
#define SVG_OTHER_COLOUR "#bbbbbb"

/* Open a document of width × height pixels with a white background. */
void		svg_begin(StringInfo s, int width, int height);

/* Close it. */
void		svg_end(StringInfo s);

/* text escaped for XML content or a double-quoted attribute, cut to max_chars characters (…). */
void		svg_escape(StringInfo s, const char *text, int max_chars);

/* <text> at (x, y) with extra attributes attrs (trusted, may be ""), its content escaped. */
void		svg_text(StringInfo s, double x, double y, const char *attrs, const char *text,
					 int max_chars);

/* A coordinate: one decimal, no trailing ".0". */
void		svg_coord(StringInfo s, double v);

/* A count with thousands separators: 1,234,567. */
char	   *svg_count(int64 n);

/*
 * A linear axis over [lo, hi] (widened when empty, padded by pad of its
 * span at both ends) with ticks at 1, 2 or 5 × 10^k steps; integer: steps
 * of at least 1.
 */
void		svg_axis_linear(SvgAxis *a, double lo, double hi, double p0, double p1, double pad,
							bool integer);

/* A log10 axis over [lo, hi], both > 0: ticks at powers of 10, in a short range at multiples of them. */
void		svg_axis_log(SvgAxis *a, double lo, double hi, double p0, double p1);

/* The pixel of data value v. */
double		svg_axis_px(const SvgAxis *a, double v);

/*
 * The plot area (left, top, width, height) framed, with grid lines and
 * labelled ticks of both axes and the axis titles (escaped).
 */
void		svg_frame(StringInfo s, double left, double top, double width, double height,
					  const SvgAxis *x, const SvgAxis *y, const char *xtitle, const char *ytitle);

/*
 * A legend entry at (x, y): a swatch (a square, or a line when line) and
 * the escaped text, its <text> with extra attributes attrs (trusted).
 */
void		svg_legend_entry(StringInfo s, double x, double y, const char *colour, bool line,
							 const char *attrs, const char *text, int max_chars);

#endif							/* AE_API_SVG_H */
