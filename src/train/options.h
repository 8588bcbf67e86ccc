/*
 * options.h — the training options a user passes as jsonb (to ae_fit, or
 * built by ae_train from its arguments), validated key by key.  Options not
 * given stay unset here and are resolved from the data by fit.c.
 */
#ifndef AE_TRAIN_OPTIONS_H
#define AE_TRAIN_OPTIONS_H

#include "postgres.h"

#include "core/model.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#define AE_DEFAULT_MAX_ROWS 100000
#define AE_DEFAULT_SEED 42
#define AE_DEFAULT_VAL_SHARE 0.1
#define AE_DEFAULT_MASK 0.3
#define AE_DEFAULT_MAX_CATEGORIES 100
#define AE_DEFAULT_NOISE 0.2
#define AE_DEFAULT_LSTM_UNITS 32	/* the lstm kind's LSTMs' units */
#define AE_LSTM_STEPS 600			/* the lstm kind's default training steps, about */
#define AE_DEFAULT_SPARSITY 0.1
#define AE_DEFAULT_SPARSITY_TARGET 0.05
#define AE_DEFAULT_CONTRACTIVE 0.01
#define AE_DEFAULT_BETA 1.0
#define AE_DEFAULT_ADVERSARIAL 0.3
#define AE_DEFAULT_DISC_WIDTH 64	/* the aae discriminator's two hidden layers */
#define AE_DEFAULT_TF_MASK 0.5	/* the share of cells a transformer learns to predict */
#define AE_DEFAULT_TF_DEPTH 2
#define AE_DEFAULT_TF_HEADS 4
#define AE_DEFAULT_TF_WIDTH 32
#define AE_TF_BATCH_TOKENS 4096	/* a transformer's default mini-batch holds at most these tokens */

typedef struct AeFitConfig
{
	AeOptions	opt;			/* unset numbers are -1 (ints) or NaN (reals) */
	bool		hidden_set;
	List	   *columns;		/* char * names, NIL: every usable column */
	List	   *exclude;		/* char * names */
	List	   *categorical;	/* char * names of integer columns to treat as categories */
	int			max_categories; /* vocabulary limit per categorical column, -1 unset */
	char	   *condition;		/* cvae: the condition column */
	int			progress;		/* progress NOTICEs: 1, 0, or -1 for the ae.progress setting */
} AeFitConfig;

/*
 * Parse and validate options; NULL means none.  Errors name the bad key,
 * including a kind's option given for another kind.
 */
void		ae_options_parse(Jsonb *options, AeFitConfig *cfg);

/* Is name in a list of C strings (column names from the options)? */
bool		ae_name_in(List *names, const char *name);

#endif							/* AE_TRAIN_OPTIONS_H */
