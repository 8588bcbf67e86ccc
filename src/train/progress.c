/*
 * progress.c — reporting a training run while it runs.
 *
 * Two audiences.  The session that trains gets a NOTICE at most about once
 * a second (psql shows each as it arrives) and one at the end of a run
 * that took a second or more, unless the ae.progress setting or the
 * progress option of the call turns them off.
 * Every other session sees the same figures at the head of the trainer's
 * pg_stat_activity.query, as a comment before the statement's own text,
 * written at the same moments whatever the NOTICE setting says: the
 * operator's view is not the caller's to switch off.  The ae_training view
 * parses that comment, so it shows what pg_stat_activity shows the reader
 * and nothing more (another role's query text needs pg_read_all_stats).
 *
 * The comment has a fixed grammar the view matches in full before reading
 * a field, so no statement text, however crafted, makes the view fail:
 *
 *   / * ae_train model="<name>" kind=<k> epoch=<e>/<E> done=<d.ddd>
 *       [train_loss=<g>] [val_loss=<g>] rows/s=<n> [left=<n>]
 *       started=<unix seconds.mmm> * / <the statement as it was>
 *
 * (on one line, without the spaces inside the comment markers; "ae_fit"
 * and no model under the aggregate alone).  The name is written as the
 * inside of a JSON string that holds no '/': quotes, backslashes, slashes
 * and control characters escaped, so a name can neither end the comment,
 * nor open a nested one, nor break the line.
 *
 * Reports come at epoch ends, and from the core's tick when an epoch end
 * is not due within the second: inside the transformer kind's long epochs,
 * a long validation, the steps after the last epoch.  The clock is
 * monotonic.
 */
#include "postgres.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "port/atomics.h"
#include "miscadmin.h"
#include "train/progress.h"

bool		ae_progress_notices = true;

/* the model ae_train is training, for the ae_fit it runs over rows of train_typid */
static const char *train_name = NULL;
static Oid	train_typid = InvalidOid;

/* Set the model name for rows of typid; returns the previous one. */
const char *
ae_progress_set_name(const char *name, Oid typid, Oid *prev_typid)
{
	const char *prev = train_name;

	*prev_typid = train_typid;
	train_name = name;
	train_typid = typid;
	return prev;
}

/* The name for rows of typid, or NULL (an ae_fit of other rows inside the relation read). */
const char *
ae_progress_name(Oid typid)
{
	return train_name != NULL && typid == train_typid ? train_name : NULL;
}

/* What a report is about. */
typedef enum ReportKind
{
	REPORT_EPOCH,				/* an epoch just ended */
	REPORT_PARTIAL,				/* within an epoch's mini-batches */
	REPORT_VALIDATING,			/* within an epoch's validation */
	REPORT_FINISHING			/* after the last epoch: imputation calibration, score statistics */
} ReportKind;

/* Seconds since start, on the monotonic clock. */
static double
seconds_since(const instr_time *start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, *start);
	return INSTR_TIME_GET_DOUBLE(now);
}

/*
 * The run's figures after now seconds: share of its row-epochs done, rows
 * a second, and seconds left (-1 while nothing is done to estimate from).
 */
static void
figures(const AeReporter *r, double now, double *share, double *rate, double *left)
{
	const AeProgress *p = &r->progress;
	double		total = (double) p->epochs * p->rows;
	double		done = (double) p->epoch * p->rows + p->rows_done;

	*share = total > 0 ? Min(done / total, 1.0) : 0;
	*rate = now > 0 ? done / now : 0;
	*left = done > 0 && now > 0 ? now * (total - done) / done : -1;
}

/*
 * Write text as this backend's activity, as pgstat_report_activity does,
 * but leaving its state, state_change, query_start and query_id alone.
 */
static void
write_activity(const char *text)
{
	volatile PgBackendStatus *be = MyBEEntry;
	size_t		len = Min(strlen(text), (size_t) pgstat_track_activity_query_size - 1);

	PGSTAT_BEGIN_WRITE_ACTIVITY(be);
	memcpy((char *) be->st_activity_raw, text, len);
	be->st_activity_raw[len] = '\0';
	PGSTAT_END_WRITE_ACTIVITY(be);
}

/* A name as the inside of a JSON string with no '/' and no control character. */
static void
append_escaped(StringInfo s, const char *name)
{
	for (const unsigned char *c = (const unsigned char *) name; *c; c++)
	{
		if (*c == '"' || *c == '\\' || *c == '/')
		{
			appendStringInfoChar(s, '\\');
			appendStringInfoChar(s, (char) *c);
		}
		else if (*c < 0x20)
			appendStringInfo(s, "\\u%04x", *c);
		else
			appendStringInfoChar(s, (char) *c);
	}
}

/* Seconds since 1970 of a timestamp. */
static double
unix_seconds(TimestampTz t)
{
	return (double) t / USECS_PER_SEC +
		(double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

/* The activity comment, with the model's name or without it, into r->buf. */
static void
compose_activity(AeReporter *r, double now, ReportKind kind, bool with_name)
{
	const AeProgress *p = &r->progress;
	StringInfo	s = &r->buf;
	double		share,
				rate,
				left;

	figures(r, now, &share, &rate, &left);
	resetStringInfo(s);
	appendStringInfoString(s, r->name ? "/* ae_train" : "/* ae_fit");
	if (r->name && with_name)
	{
		appendStringInfoString(s, " model=\"");
		append_escaped(s, r->name);
		appendStringInfoChar(s, '"');
	}
	appendStringInfo(s, " kind=%s epoch=%d/%d done=%.3f",
					 ae_kind_name(r->model->opt.kind), p->epoch, p->epochs, share);
	if (isfinite(p->train_loss))
		appendStringInfo(s, " train_loss=%.6g", p->train_loss);
	if (isfinite(p->val_loss))
		appendStringInfo(s, " val_loss=%.6g", p->val_loss);
	appendStringInfo(s, " rows/s=%.0f", Min(rate, 1e14));
	if (left >= 0 && kind != REPORT_FINISHING)
		appendStringInfo(s, " left=%.0f", Min(left, 1e14));
	appendStringInfo(s, " started=%.3f */ ", unix_seconds(r->started));
}

/*
 * Show the run in pg_stat_activity: the comment, then the statement as it
 * was.  A name that would push the comment's end past what the setting
 * track_activity_query_size keeps is left out.
 */
static void
report_activity(AeReporter *r, double now, ReportKind kind)
{
	if (!r->activity)
		return;
	compose_activity(r, now, kind, true);
	if (r->name && r->buf.len >= pgstat_track_activity_query_size - 1)
		compose_activity(r, now, kind, false);
	appendStringInfoString(&r->buf, r->saved);
	write_activity(r->buf.data);
}

/* "ae_train "name": " or "ae_fit: ", then the losses known, into s. */
static void
append_label(StringInfo s, const AeReporter *r)
{
	if (r->name)
		appendStringInfo(s, "ae_train \"%s\": ", r->name);
	else
		appendStringInfoString(s, "ae_fit: ");
}

/* ", train loss x, validation loss y" for what is known. */
static void
append_losses(StringInfo s, const AeProgress *p)
{
	if (isfinite(p->train_loss))
		appendStringInfo(s, ", train loss %.4g", p->train_loss);
	if (isfinite(p->val_loss))
		appendStringInfo(s, ", validation loss %.4g", p->val_loss);
}

/* A duration for people: "12.3 s", "4 min", "2.5 h". */
static void
append_duration(StringInfo s, double secs)
{
	if (secs < 90)
		appendStringInfo(s, "%.*f s", secs < 10 ? 1 : 0, secs);
	else if (secs < 90 * 60)
		appendStringInfo(s, "%.0f min", secs / 60);
	else
		appendStringInfo(s, "%.1f h", secs / 3600);
}

/*
 * One report: the activity text, and the NOTICE when they are on.  Within
 * an epoch the epoch named is the one under way, with its share done; the
 * losses are always the last completed epoch's.
 */
static void
report(AeReporter *r, double now, ReportKind kind)
{
	const AeProgress *p = &r->progress;
	StringInfo	s = &r->buf;
	double		share,
				rate,
				left;

	r->last = now;
	report_activity(r, now, kind);
	if (!r->notices)
		return;
	figures(r, now, &share, &rate, &left);
	resetStringInfo(s);
	append_label(s, r);
	if (kind == REPORT_PARTIAL)
		appendStringInfo(s, "epoch %d/%d at %d%%", p->epoch + 1, p->epochs,
						 (int) floor(100.0 * p->rows_done / Max(p->rows, 1)));
	else if (kind == REPORT_VALIDATING)
		appendStringInfo(s, "epoch %d/%d validating", p->epoch + 1, p->epochs);
	else if (kind == REPORT_FINISHING)
		appendStringInfo(s, "epoch %d/%d finishing", p->epoch, p->epochs);
	else
		appendStringInfo(s, "epoch %d/%d", p->epoch, p->epochs);
	append_losses(s, p);
	appendStringInfo(s, ", %.0f rows/s", rate);
	if (left >= 0 && kind != REPORT_FINISHING)
	{
		appendStringInfoString(s, ", about ");
		append_duration(s, left);
		appendStringInfoString(s, " left");
	}
	ereport(NOTICE, (errmsg_internal("%s", s->data)));
}

/* The core's epoch_end: a report when the last one is a second old (the final epoch's comes from ae_report_done). */
static void
report_epoch_end(void *arg)
{
	AeReporter *r = arg;
	double		now = seconds_since(&r->start);

	r->epoch_start = now;
	r->validation_start = -1;
	if (r->progress.epoch < r->progress.epochs && now - r->last >= AE_PROGRESS_INTERVAL)
		report(r, now, REPORT_EPOCH);
}

/* Start reporting a run. */
void
ae_report_begin(AeReporter *r, const AeModel *model, const char *name, bool notices)
{
	memset(r, 0, sizeof(*r));
	r->progress.epoch_end = report_epoch_end;
	r->progress.arg = r;
	r->progress.epochs = model->opt.epochs;
	r->progress.train_loss = NAN;
	r->progress.val_loss = NAN;
	r->model = model;
	r->name = name;
	r->notices = notices;
	r->validation_start = -1;
	r->activity = MyBEEntry != NULL && pgstat_track_activities;
	INSTR_TIME_SET_CURRENT(r->start);
	r->started = GetCurrentTimestamp();
	initStringInfo(&r->buf);
	if (r->activity)
	{
		/* this backend alone writes its entry: reading it needs no retry loop */
		r->saved = pstrdup(MyBEEntry->st_activity_raw);
		report_activity(r, 0, REPORT_EPOCH);
	}
}

/*
 * The tick of the training loop, before every mini-batch and validation
 * batch and between the blocks of long products: interrupts first, then a
 * report when the last is a second old and the next epoch end (which
 * reports) is not due within a second: within an epoch whose end is
 * further away than that (estimated from its rows done so far), within a
 * validation that has taken a second, and after the last epoch.
 */
void
ae_report_tick(void *arg)
{
	AeReporter *r = arg;
	const AeProgress *p = &r->progress;
	double		now,
				share;
	ReportKind	kind;

	CHECK_FOR_INTERRUPTS();
	if ((!r->notices && !r->activity) || p->rows < 1)
		return;
	now = seconds_since(&r->start);
	share = (double) p->rows_done / p->rows;
	if (p->epoch >= p->epochs)
		kind = REPORT_FINISHING;
	else if (share >= 1)
	{
		if (r->validation_start < 0)
			r->validation_start = now;
		if (now - r->validation_start < AE_PROGRESS_INTERVAL)
			return;
		kind = REPORT_VALIDATING;
	}
	else
	{
		double		in_epoch = now - r->epoch_start;

		if (share > 0 ? in_epoch * (1 - share) / share < AE_PROGRESS_INTERVAL
			: in_epoch < AE_PROGRESS_INTERVAL)
			return;
		kind = REPORT_PARTIAL;
	}
	if (now - r->last >= AE_PROGRESS_INTERVAL)
		report(r, now, kind);
}

/* Put the statement's own activity text back. */
void
ae_report_restore(AeReporter *r)
{
	if (r->activity)
		write_activity(r->saved);
	r->activity = false;
}

/*
 * The final NOTICE, after a run of a second or more: one that took less
 * says nothing, so short trainings (a GROUP BY of many small models, a
 * script's) stay quiet, and their summary row says it all.
 */
void
ae_report_done(AeReporter *r)
{
	const AeProgress *p = &r->progress;
	StringInfo	s = &r->buf;
	double		now = seconds_since(&r->start);
	double		share,
				rate,
				left;
	int			best = r->model->metrics.best_epoch;

	if (!r->notices || now < AE_PROGRESS_INTERVAL)
		return;
	figures(r, now, &share, &rate, &left);
	resetStringInfo(s);
	append_label(s, r);
	appendStringInfo(s, "epoch %d/%d", p->epoch, p->epochs);
	append_losses(s, p);
	appendStringInfo(s, ", %.0f rows/s, done in ", rate);
	append_duration(s, now);
	if (isfinite(p->val_loss) && best >= 1 && best <= p->epoch)
		appendStringInfo(s, ", best epoch %d kept (validation loss %.4g)",
						 best, r->model->metrics.val_loss[best - 1]);
	ereport(NOTICE, (errmsg_internal("%s", s->data)));
}
