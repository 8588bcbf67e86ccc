-- ===========================================================================
-- train10m.sql — ae_train with defaults on 10,000,000 rows: time and memory
--
-- Measures, on 10M rows x 30 real columns (factor_rows.sql's recipe, an
-- UNLOGGED table of about 1.4 GB), and for comparison on 1M rows:
--   * the wall time of ae_train with every default, and the fitting seconds
--     the model records;
--   * the backend's peak memory: VmHWM of /proc/self/status, read by the
--     backend itself (pg_read_file, as a superuser) before and after the
--     call, in a fresh session that did not build the table; and VmRSS,
--     RssAnon (private) and RssShmem (shared buffers and parallel query's
--     shared memory it touched) after.  ae_train keeps a uniform sample of
--     max_rows rows (default 100,000; printed from the model's options), so
--     the peak should not follow the table's rows.
-- Each runs with the server's max_parallel_workers_per_gather (the scan may
-- be parallel: each worker keeps a sample of its own, which the leader's
-- VmHWM does not include), and the 10M rows once more serially, where the
-- one backend reads and samples every row.  train_memory.sql measures a run.
-- Nothing is asserted: the figures are printed for reading.
--
-- Run:  bash test/bench/run-bench.sh train10m   (builds and installs ae, in a
--       throwaway cluster; about 5 minutes, most of it making the rows)
-- or, as a superuser, against any database with ae installed:
--       psql -X -f test/bench/train10m.sql
-- psql variable: table_rows (10000000), for a quick trial.
-- ===========================================================================

\set ON_ERROR_STOP 1
\set QUIET 1
\if :{?table_rows}
\else
\set table_rows 10000000
\endif
\pset pager off
SET client_min_messages = warning;
\o /dev/null

-- Work in a scratch schema so a rerun starts clean and nothing else is touched.
DROP SCHEMA IF EXISTS ae_bench_train10m CASCADE;
CREATE SCHEMA ae_bench_train10m;
CREATE EXTENSION IF NOT EXISTS ae;
SET search_path = ae_bench_train10m, public;
\ir factor_rows.sql
\ir timing.sql

SELECT clock_timestamp() AS t0 \gset
SELECT bench_factor_table('rows10m', :table_rows, 0.7, unlogged => true);
VACUUM ANALYZE rows10m;
SELECT extract(epoch FROM clock_timestamp() - :'t0') AS make_seconds \gset
SELECT bench_factor_table('rows1m', :table_rows / 10, 0.8, unlogged => true);
VACUUM ANALYZE rows1m;

-- A memory figure of this backend's, in kB, from /proc/self/status.
CREATE FUNCTION bench_proc_kb(field text) RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT substring(pg_read_file('/proc/self/status') FROM field || ':\s*(\d+) kB')::bigint
$$;

CREATE TABLE memory_runs (
    tab             text,
    workers_planned int,
    wall_seconds    float8,
    fit_seconds     float8,
    epochs          int,
    rows_seen       bigint,
    rows_trained    bigint,
    max_rows        int,
    hwm_before_kb   bigint,
    hwm_after_kb    bigint,
    rss_after_kb    bigint,
    anon_after_kb   bigint,
    shmem_after_kb  bigint
);

SELECT current_setting('max_parallel_workers_per_gather') AS server_workers \gset
\set workers :server_workers
\set tab rows1m
\ir train_memory.sql
\set tab rows10m
\ir train_memory.sql
\set workers 0
\ir train_memory.sql

\o
\pset footer off
\echo
\echo 'ae_train defaults, 30 real columns; the' :table_rows 'rows made in' :make_seconds 's'
\echo 'memory: kB of the backend that ran ae_train (/proc/self/status), after unless said'
SELECT r.tab AS "table",
       pg_size_pretty(pg_total_relation_size(r.tab)) AS "size",
       r.rows_seen AS "rows seen",
       r.max_rows AS "max_rows",
       r.rows_trained AS "trained on",
       r.epochs AS "epochs",
       r.workers_planned AS "workers",
       round(r.wall_seconds::numeric, 2) AS "seconds",
       round(r.fit_seconds::numeric, 2) AS "of which fitting",
       r.hwm_before_kb AS "VmHWM before",
       r.hwm_after_kb AS "VmHWM",
       r.hwm_after_kb - r.hwm_before_kb AS "VmHWM growth",
       r.rss_after_kb AS "VmRSS",
       r.anon_after_kb AS "RssAnon",
       r.shmem_after_kb AS "RssShmem"
  FROM memory_runs r;

-- Clean up: the model and the scratch schema.
DELETE FROM ae_models WHERE name = 'bench_10m';
DROP SCHEMA ae_bench_train10m CASCADE;
