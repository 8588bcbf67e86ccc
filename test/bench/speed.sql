-- ===========================================================================
-- speed.sql — training and scoring throughput of ae on synthetic data
--
-- Measures, on 30 real (float4) columns driven by 4 latent factors plus noise
-- (factor_rows.sql):
--   * ae_train with defaults on 100,000 rows: seconds and rows per second;
--   * on 1,000,000 rows: count(*), count(t) (passing the whole row to an
--     aggregate, with no function) and sum(ae_bench_noop(t)) (a C function
--     of the whole row that does nothing, test/bench/noop: the executor's
--     floor for any per-row function of the row), then
--     sum(ae_score('<name>', t)) serial and with 2 parallel workers,
--     sum(ae_score(<bytea constant>, t)), count(ae_embed('<name>', t)), and
--     count(ae_impute('<name>', t)) over a copy of the rows with 10% of the
--     cells NULL at random (against the noop on that copy, and against
--     ae_bench_noop_row, which returns the row formed again: the floor of a
--     function that returns a new row, as ae_impute does), each as seconds,
--     rows per second and ratio to the count(t) and noop floors; and the
--     parallel/serial ratio of ae_score, next to the noop's own (what 2
--     workers give on this machine when the function costs nothing), the
--     same ratio with jit off, and what a forced-parallel query over 3,000
--     rows takes (the workers' start) with the noop and with ae_score.
-- Each query runs twice, the pairs behind a parallel ratio three times
-- each, serial and parallel alternately; the fastest run is reported.  Times are clock_timestamp() differences around each statement.
-- Nothing is asserted: the figures are printed for reading.
--
-- Run:  bash test/bench/run-bench.sh speed   (builds and installs ae and the
--       noop function, in a throwaway cluster)
-- or, against any database with ae and test/bench/noop installed:
--       psql -X -f test/bench/speed.sql
-- psql variables: big_rows (1000000) the rows scored, for a quick trial;
-- noop_lib ('$libdir/ae_bench_noop') where the noop function's library is.
-- The 1M-row table takes about 150 MB.  A sequential scan of a table larger
-- than a quarter of shared_buffers bypasses shared buffers (ring buffer), so
-- give the server 768MB or more to keep it cached (run-bench.sh uses 1GB).
-- ===========================================================================

\set ON_ERROR_STOP 1
\set QUIET 1
\if :{?big_rows}
\else
\set big_rows 1000000
\endif
\pset pager off
SET client_min_messages = warning;
\o /dev/null

-- Work in a scratch schema so a rerun starts clean and nothing else is touched.
DROP SCHEMA IF EXISTS ae_bench_speed CASCADE;
CREATE SCHEMA ae_bench_speed;
CREATE EXTENSION IF NOT EXISTS ae;
SET search_path = ae_bench_speed, public;

-- ---------------------------------------------------------------------------
-- The data (factor_rows.sql).  Column j is  sum_k w[j,k] * f_k + noise,
-- where f_1..f_4 are standard normal latent factors per row (Box–Muller)
-- and the loadings w are drawn once, uniform in [-1, 1].  setseed makes
-- every run the same.
-- ---------------------------------------------------------------------------
\ir factor_rows.sql
SELECT bench_factor_table('train30', 100000, 0.1);
SELECT bench_factor_table('big', :big_rows, 0.2);

-- big_holes: the same rows with each cell NULL with probability 0.1, for ae_impute
SELECT string_agg(format('CASE WHEN random() < 0.1 THEN NULL ELSE c%s END AS c%s', j, j), ', ' ORDER BY j)
       AS holes_cols
  FROM generate_series(1, 30) AS j \gset
SELECT setseed(0.3);
CREATE TABLE big_holes AS SELECT :holes_cols FROM big;

VACUUM ANALYZE train30;
VACUUM ANALYZE big;
VACUUM ANALYZE big_holes;

-- the executor's floor: a C function of the whole row that does nothing (test/bench/noop)
\ir noop.sql

-- Timing (timing.sql): each query runs twice under the given
-- max_parallel_workers_per_gather; bench_timing records both times.
\ir timing.sql

-- ---------------------------------------------------------------------------
-- Training: once (it is the slow part), ae_train defaults.
-- ---------------------------------------------------------------------------
-- train_seconds is the fitting time the model records; wall_seconds the whole call
SELECT clock_timestamp() AS t0 \gset
SELECT * FROM ae_train('bench_speed', 'train30') \gset train_
SELECT extract(epoch FROM clock_timestamp() - :'t0') AS wall_seconds \gset
SELECT length(model) AS model_bytes FROM ae_models WHERE name = 'bench_speed' \gset

-- ---------------------------------------------------------------------------
-- Scoring 1M rows (big_rows).
-- ---------------------------------------------------------------------------
-- the model as a bytea literal in a psql variable, for the constant form
SELECT format('SELECT sum(ae_score(%L::bytea, t)) FROM big t', model) AS q_bytea
  FROM ae_models WHERE name = 'bench_speed' \gset

SELECT bench_time('count(*)',                          :big_rows, 'SELECT count(*) FROM big', 0);
SELECT bench_time('count(t) (the floor)',              :big_rows, 'SELECT count(t) FROM big t', 0);
-- serial and parallel alternately, three runs each (bench_time_serial_parallel)
SELECT bench_time_serial_parallel('sum(noop(t)) (the executor''s floor)', 'sum(noop(t)) parallel 2',
                                  :big_rows, 'SELECT sum(ae_bench_noop(t)) FROM big t', 2);
SELECT bench_time_serial_parallel('sum(ae_score(name, t)) serial', 'sum(ae_score(name, t)) parallel 2',
                                  :big_rows, 'SELECT sum(ae_score(''bench_speed'', t)) FROM big t', 2);
SELECT bench_time('sum(ae_score(bytea const, t)) serial', :big_rows, :'q_bytea', 0);
SELECT bench_time('count(ae_embed(name, t)) serial',   :big_rows, 'SELECT count(ae_embed(''bench_speed'', t)) FROM big t', 0);
-- the same serial and parallel score with just-in-time compilation off:
-- at COST 100 a million rows cost past jit_above_cost, and each process
-- (the leader and every worker) compiles the plan's expressions first
SET jit = off;
SELECT bench_time_serial_parallel('sum(ae_score(name, t)) serial, jit off',
                                  'sum(ae_score(name, t)) parallel 2, jit off',
                                  :big_rows, 'SELECT sum(ae_score(''bench_speed'', t)) FROM big t', 2);
RESET jit;
-- what a parallel query costs before its rows: 3,000 rows, parallel forced,
-- five runs; the time is the workers' start (each loads ae and reads the
-- model on its first row) far more than the rows'
CREATE TABLE small AS SELECT * FROM big LIMIT 3000;
VACUUM ANALYZE small;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT bench_time('sum(noop(t)), 3,000 rows, parallel 2', 3000, 'SELECT sum(ae_bench_noop(t)) FROM small t', 2, 'small', 5);
SELECT bench_time('sum(ae_score(name, t)), 3,000 rows, parallel 2', 3000, 'SELECT sum(ae_score(''bench_speed'', t)) FROM small t', 2, 'small', 5);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT bench_time('sum(noop(t)), 10% NULL cells',      :big_rows, 'SELECT sum(ae_bench_noop(t)) FROM big_holes t', 0, 'big_holes');
SELECT bench_time('count(noop_row(t)), 10% NULL cells', :big_rows,
                  'SELECT count(ae_bench_noop_row(t)) FROM big_holes t', 0, 'big_holes');
SELECT bench_time('count(ae_impute(name, t)), 10% NULL cells', :big_rows,
                  'SELECT count(ae_impute(''bench_speed'', t)) FROM big_holes t', 0, 'big_holes');

-- the plan the parallel line used
SELECT bench_workers_planned('SELECT sum(ae_score(''bench_speed'', t)) FROM big t', 2) AS workers_planned \gset

-- ---------------------------------------------------------------------------
-- The tables.
-- ---------------------------------------------------------------------------
\o
\pset footer off
\echo
\echo 'Training: ae_train defaults, 30 real columns (4 latent factors + noise)'
SELECT 100000 AS "rows",
       :train_inputs AS "inputs",
       :train_latent AS "latent",
       :train_epochs AS "epochs run",
       :model_bytes AS "model bytes",
       round(:wall_seconds::numeric, 2) AS "seconds",
       round(:train_seconds::numeric, 2) AS "of which fitting",
       round(100000 / :wall_seconds) AS "rows/s",
       round((100000::float8 * :train_epochs / :wall_seconds)::numeric) AS "row-epochs/s";

\echo
\echo 'Scoring:' :big_rows 'rows x 30 real columns; seconds = best of 2 runs (of 3, serial and'
\echo 'parallel alternately, for the lines of the parallel ratios; of 5 for the 3,000-row ones);'
\echo 'ratio = seconds / seconds of count(t) (serial), and / seconds of the noop on the same table'
\echo '(the parallel lines: / the noop with the same 2 workers)'
\echo '(goals: score <= 2x noop, embed and impute <= 2.5x)'
SELECT t.label AS "query",
       round(bench_best(t.label)::numeric, 3) AS "seconds",
       round(t.nrows / bench_best(t.label)) AS "rows/s",
       round((bench_best(t.label) / bench_best('count(t) (the floor)'))::numeric, 1) AS "ratio to count(t)",
       round((bench_best(t.label) / bench_best(n.label))::numeric, 2) AS "ratio to noop",
       round(t.secs[1]::numeric, 3) AS "first run s"
  FROM bench_timing t
  JOIN bench_timing n ON n.label LIKE 'sum(noop(t))%' AND n.tab IS NOT DISTINCT FROM t.tab
 ORDER BY t.ord;
\echo 'parallel plan: workers planned =' :workers_planned
SELECT round((bench_best('sum(ae_score(name, t)) serial') /
              bench_best('sum(ae_score(name, t)) parallel 2'))::numeric, 2)
       AS "ae_score parallel 2 / serial (goal >= 1.9)",
       round((bench_best('sum(ae_score(name, t)) serial, jit off') /
              bench_best('sum(ae_score(name, t)) parallel 2, jit off'))::numeric, 2)
       AS "the same, jit off",
       round((bench_best('sum(noop(t)) (the executor''s floor)') /
              bench_best('sum(noop(t)) parallel 2'))::numeric, 2)
       AS "noop parallel 2 / serial (the machine's floor)";
SELECT round((bench_best('count(ae_impute(name, t)), 10% NULL cells') /
              bench_best('count(noop_row(t)), 10% NULL cells'))::numeric, 2)
       AS "ae_impute / noop_row (a function returning the row formed again)";
SELECT round((1000 * bench_best('sum(noop(t)), 3,000 rows, parallel 2'))::numeric, 1)
       AS "3,000 rows, parallel 2: noop ms",
       round((1000 * bench_best('sum(ae_score(name, t)), 3,000 rows, parallel 2'))::numeric, 1)
       AS "ae_score ms";

-- Clean up: the model and the scratch schema.
DELETE FROM ae_models WHERE name = 'bench_speed';
DROP SCHEMA ae_bench_speed CASCADE;
