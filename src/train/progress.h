/*
 * progress.h — a training run reported as it goes: NOTICEs in the session
 * that trains, and the same figures at the head of its pg_stat_activity
 * query text, which the ae_training view reads from any session.
 */
#ifndef AE_TRAIN_PROGRESS_H
#define AE_TRAIN_PROGRESS_H

#include "postgres.h"

#include "core/model.h"
#include "lib/stringinfo.h"
#include "portability/instr_time.h"
#include "utils/backend_status.h"
#include "utils/timestamp.h"

/* Seconds between two reports, at least. */
#define AE_PROGRESS_INTERVAL 1.0

/* The ae.progress setting: NOTICEs while training, unless an option says otherwise. */
extern bool ae_progress_notices;

/*
 * One training run's reporter.  progress comes first: the core fills it,
 * and the tick and epoch_end callbacks get the reporter as their argument.
 */
typedef struct AeReporter
{
	AeProgress	progress;
	const AeModel *model;
	const char *name;			/* the model's name under ae_train; NULL under ae_fit alone */
	bool		notices;		/* NOTICEs, or only the activity text */
	bool		activity;		/* this backend's activity text is ours to write */
	char	   *saved;			/* the activity text before training, put back after */
	instr_time	start;			/* monotonic: when training began */
	double		last;			/* seconds after start of the last report */
	double		epoch_start;	/* seconds after start of the epoch under way */
	double		validation_start;	/* of its validation; -1 before */
	TimestampTz started;		/* wall clock: when training began */
	StringInfoData buf;			/* scratch for one report, reused */
} AeReporter;

/*
 * The name ae_train trains a model under, for the ae_fit of rows of typid
 * that it runs; returns the previous name, to put back with another call
 * (also on error).  NULL clears it.
 */
const char *ae_progress_set_name(const char *name, Oid typid, Oid *prev_typid);

/* The name ae_train gave for rows of typid, or NULL. */
const char *ae_progress_name(Oid typid);

/*
 * Start reporting the training of model (laid out, options resolved);
 * notices says whether the session gets NOTICEs.  Shows epoch 0 in the
 * activity text at once.
 */
void		ae_report_begin(AeReporter *r, const AeModel *model, const char *name, bool notices);

/* The training loop's tick: honours interrupts, and reports within a long epoch. */
void		ae_report_tick(void *arg);

/* Put the activity text back as it was; on success and on error alike. */
void		ae_report_restore(AeReporter *r);

/* The report of a finished run: last epoch, best epoch kept, time taken. */
void		ae_report_done(AeReporter *r);

#endif							/* AE_TRAIN_PROGRESS_H */
