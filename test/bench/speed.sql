-- ===========================================================================
-- speed.sql — training and scoring throughput of ae on synthetic data
--
-- Measures, on 30 real (float4) columns driven by 4 latent factors plus noise:
--   * ae_train with defaults on 100,000 rows: seconds and rows per second;
--   * on 1,000,000 rows: count(*) and count(t) (passing the whole row to an
--     aggregate, with no function: the floor for any per-row function call),
--     then sum(ae_score('<name>', t)) serial and with parallel workers,
--     sum(ae_score(<bytea constant>, t)) and count(ae_embed('<name>', t)),
--     each as seconds, rows per second and ratio to the count(t) floor.
-- Each query runs twice; the faster run is reported (the first warms the
-- cache).  Times are clock_timestamp() differences around each statement.
-- Nothing is asserted: the figures are printed for reading.
--
-- Run:  make bench            (both benchmarks)
--       bash test/bench/run-bench.sh speed
-- or, against any database with the extension installed:
--       psql -X -f test/bench/speed.sql
-- The 1M-row table takes about 150 MB.  A sequential scan of a table larger
-- than a quarter of shared_buffers bypasses shared buffers (ring buffer), so
-- give the server 768MB or more to keep it cached (run-bench.sh uses 1GB).
-- ===========================================================================

\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
SET client_min_messages = warning;
\o /dev/null

-- Work in a scratch schema so a rerun starts clean and nothing else is touched.
DROP SCHEMA IF EXISTS ae_bench_speed CASCADE;
CREATE SCHEMA ae_bench_speed;
CREATE EXTENSION IF NOT EXISTS ae;
SET search_path = ae_bench_speed, public;

-- ---------------------------------------------------------------------------
-- The data.  Column j is  sum_k w[j,k] * f_k + noise,  where f_1..f_4 are
-- standard normal latent factors per row (Box–Muller) and the loadings w are
-- drawn once, uniform in [-1, 1].  setseed makes every run the same.
-- The column expressions are generated here and kept in the psql variable
-- :cols; the factors' select list is :factors.
-- ---------------------------------------------------------------------------
SELECT setseed(0.42);

SELECT string_agg(format('(%s * f1 + %s * f2 + %s * f3 + %s * f4 + 0.2 * (random() - 0.5))::real AS c%s',
                         round(w[1]::numeric, 3), round(w[2]::numeric, 3),
                         round(w[3]::numeric, 3), round(w[4]::numeric, 3), j),
                  ', ' ORDER BY j) AS cols
  FROM (SELECT j, ARRAY[random() * 2 - 1, random() * 2 - 1, random() * 2 - 1, random() * 2 - 1] AS w
          FROM generate_series(1, 30) AS j) AS loadings \gset

SELECT string_agg(format('sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS f%s', k), ', ') AS factors
  FROM generate_series(1, 4) AS k \gset

SELECT setseed(0.1);
CREATE TABLE train30 AS SELECT :cols FROM (SELECT :factors FROM generate_series(1, 100000)) AS f;

SELECT setseed(0.2);
CREATE TABLE big AS SELECT :cols FROM (SELECT :factors FROM generate_series(1, 1000000)) AS f;

VACUUM ANALYZE train30;
VACUUM ANALYZE big;

-- ---------------------------------------------------------------------------
-- Timing.  bench_time runs a query twice with the given
-- max_parallel_workers_per_gather and records both wall-clock times.
-- ---------------------------------------------------------------------------
CREATE TABLE bench_timing (
    ord      serial,
    label    text,
    nrows    bigint,
    run1     float8,
    run2     float8
);

CREATE FUNCTION bench_time(label text, nrows bigint, query text, workers int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0   timestamptz;
    secs float8[] := '{}';
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
    FOR i IN 1..2 LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        secs := secs || extract(epoch FROM clock_timestamp() - t0)::float8;
    END LOOP;
    INSERT INTO bench_timing (label, nrows, run1, run2) VALUES (label, nrows, secs[1], secs[2]);
END
$$;

-- Workers planned for a query under max_parallel_workers_per_gather = workers.
CREATE FUNCTION bench_workers_planned(query text, workers int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    line    text;
    planned int := 0;
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
    FOR line IN EXECUTE 'EXPLAIN ' || query LOOP
        planned := greatest(planned, (regexp_match(line, 'Workers Planned: (\d+)'))[1]::int);
    END LOOP;
    RETURN planned;
END
$$;

-- ---------------------------------------------------------------------------
-- Training: once (it is the slow part), ae_train defaults.
-- ---------------------------------------------------------------------------
-- train_seconds is the fitting time the model records; wall_seconds the whole call
SELECT clock_timestamp() AS t0 \gset
SELECT * FROM ae_train('bench_speed', 'train30') \gset train_
SELECT extract(epoch FROM clock_timestamp() - :'t0') AS wall_seconds \gset
SELECT length(model) AS model_bytes FROM ae_models WHERE name = 'bench_speed' \gset

-- ---------------------------------------------------------------------------
-- Scoring 1M rows.
-- ---------------------------------------------------------------------------
-- the model as a bytea literal in a psql variable, for the constant form
SELECT format('SELECT sum(ae_score(%L::bytea, t)) FROM big t', model) AS q_bytea
  FROM ae_models WHERE name = 'bench_speed' \gset

SELECT bench_time('count(*)',                          1000000, 'SELECT count(*) FROM big', 0);
SELECT bench_time('count(t) (the floor)',              1000000, 'SELECT count(t) FROM big t', 0);
SELECT bench_time('sum(ae_score(name, t)) serial',     1000000, 'SELECT sum(ae_score(''bench_speed'', t)) FROM big t', 0);
SELECT bench_time('sum(ae_score(name, t)) parallel 2', 1000000, 'SELECT sum(ae_score(''bench_speed'', t)) FROM big t', 2);
SELECT bench_time('sum(ae_score(bytea const, t)) serial', 1000000, :'q_bytea', 0);
SELECT bench_time('count(ae_embed(name, t)) serial',   1000000, 'SELECT count(ae_embed(''bench_speed'', t)) FROM big t', 0);

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
\echo 'Scoring: 1,000,000 rows x 30 real columns; seconds = best of 2 runs;'
\echo 'ratio = seconds / seconds of count(t) (serial)'
SELECT t.label AS "query",
       round(least(t.run1, t.run2)::numeric, 3) AS "seconds",
       round(t.nrows / least(t.run1, t.run2)) AS "rows/s",
       round((least(t.run1, t.run2) / least(f.run1, f.run2))::numeric, 1) AS "ratio to count(t)",
       round(t.run1::numeric, 3) AS "first run s"
  FROM bench_timing t
  JOIN bench_timing f ON f.label LIKE 'count(t)%'
 ORDER BY t.ord;
\echo 'parallel plan: workers planned =' :workers_planned

-- Clean up: the model and the scratch schema.
DELETE FROM ae_models WHERE name = 'bench_speed';
DROP SCHEMA ae_bench_speed CASCADE;
