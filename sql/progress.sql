-- Progress while training: the ae.progress setting, the progress option and
-- the ae_training view.  A NOTICE carries timings, so test/tap/progress.sh
-- checks the NOTICEs themselves and a second session watching a training;
-- here, what is deterministic.
\set VERBOSITY terse
-- a setting of the ae prefix made before the library loads is a
-- placeholder; loading removes the unknown ones, with a warning
SET ae.early_typo = 1;
LOAD 'ae';
SHOW ae.early_typo;

-- the setting: a boolean, on unless set (these suites run with PGOPTIONS
-- -c ae.progress=off: see the Makefile), anyone's to set
SELECT boot_val, context, vartype FROM pg_settings WHERE name = 'ae.progress';
SET ae.progress = 'x';
SET ae.progress = on;
SHOW ae.progress;
SET ae.progress = off;
SHOW ae.progress;

-- the prefix is reserved: a misspelt setting is refused, not kept
SET ae.progres = off;
SET ae.no_such_setting = 1;
SELECT count(*) FROM pg_settings WHERE name IN ('ae.progres', 'ae.no_such_setting');

-- The progress option, for one call of ae_train or ae_fit, overriding the
-- setting (test/tap/progress.sh checks what it and the setting do to the
-- NOTICEs: a run under a second sends none).  A boolean, or null for the
-- default like every option; it is not kept in the model.
SELECT model, epochs FROM ae_train('progress_pima', 'pima', exclude => ARRAY['diabetes'], epochs => 5,
                                   options => '{"progress": false}');
SELECT length(ae_fit(p, '{"epochs": 3, "progress": false}')) > 0 AS fitted FROM pima p;
SELECT model FROM ae_train('progress_pima', 'pima', epochs => 2, options => '{"progress": null}');
SELECT model FROM ae_train('progress_pima', 'pima', epochs => 2, options => '{"progress": "no"}');
SELECT model FROM ae_train('progress_pima', 'pima', epochs => 2, options => '{"progress": 0}');
SELECT ae_fit(p, '{"progress": []}') FROM pima p;
SELECT options ? 'progress' AS kept FROM ae_models WHERE name = 'progress_pima';

-- the view: its columns, and nothing training now
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'ae_training'::regclass AND attnum > 0 ORDER BY attnum;
SELECT count(*) FROM ae_training;

-- The view parses the comment a training backend puts before its query
-- text.  This session's own query text can carry one: a model name with a
-- quote, a slash, a backslash and a control character, as escaped.
/* ae_train model="a \"b\" c\/d\\e\u000a" kind=vae epoch=7/40 done=0.175 train_loss=0.412345 val_loss=1.5e-05 rows/s=182000 left=3 started=1732484400.250 */ SELECT model, model = E'a "b" c/d\\e\n' AS exact, kind, epoch, epochs, progress, train_loss, val_loss,
       rows_per_second, seconds_left, started = to_timestamp(1732484400.25) AS started,
       role = current_user AS role, pid = pg_backend_pid() AS pid, query LIKE 'SELECT model,%' AS query
  FROM ae_training;
-- under ae_fit there is no model name; losses are left out before the first epoch
/* ae_fit kind=transformer epoch=0/3 done=0.000 rows/s=0 started=1732484400.250 */ SELECT model, kind, epoch, epochs, progress, train_loss, val_loss, rows_per_second, seconds_left
  FROM ae_training;

-- Any other text is no training, and never an error: a quote or a slash
-- unescaped in a name, a bad escape (jsonb refuses \u0000), numbers out
-- of a float8's range or an int's.
/* ae_train model="x"y" kind=ae epoch=1/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training;
/* ae_train model="x/y" kind=ae epoch=1/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training;
/* ae_train model="\u0000" kind=ae epoch=1/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training;
/* ae_train model="\ud800" kind=ae epoch=1/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training;
/* ae_fit kind=ae epoch=1/2 done=0.500 train_loss=1e999 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training;
/* ae_fit kind=ae epoch=99999999999/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training;
-- a filter on a column runs on parsed rows only: no cast of unchecked text
/* ae_fit kind=ae epoch=x/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) FROM ae_training WHERE epoch > 0 AND train_loss IS NULL;

-- It shows what pg_stat_activity shows: another role's query text, so its
-- training, only to members of that role or of pg_read_all_stats.  Under
-- SET ROLE, this session's own row belongs to the session's user.
CREATE ROLE regress_ae_watcher;
GRANT SELECT ON pima TO regress_ae_watcher;
SET ROLE regress_ae_watcher;
/* ae_fit kind=ae epoch=1/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) AS seen, (SELECT count(*) FROM pg_stat_activity WHERE query = '<insufficient privilege>') > 0 AS hidden
  FROM ae_training;
RESET ROLE;
GRANT pg_read_all_stats TO regress_ae_watcher;
SET ROLE regress_ae_watcher;
/* ae_fit kind=ae epoch=1/2 done=0.500 rows/s=1 started=1.000 */ SELECT count(*) AS seen FROM ae_training;
-- the setting is anyone's
SET ae.progress = on;
SHOW ae.progress;
RESET ROLE;
REVOKE SELECT ON pima FROM regress_ae_watcher;
DROP ROLE regress_ae_watcher;

DELETE FROM ae_models WHERE name = 'progress_pima';
