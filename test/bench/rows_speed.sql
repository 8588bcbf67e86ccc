-- ===========================================================================
-- rows_speed.sql — what scoring costs as rows get wide and models get large
--
-- Measures, serial, each query twice and the faster run counted (timing.sql;
-- the 10 MB model's queries once, as each takes about a minute):
--   * Wide rows: 200,000 rows of 200 real columns (factor_rows.sql), in two
--     tables with the same values: wide_last has c1..c198 then x, y (every
--     attribute before the two must be deformed to reach them), wide_first
--     has x, y first.  sum(ae_score(m, t)) for a model of x and y on each,
--     and for a model of all 200 columns, against sum(ae_bench_noop(t)) (a
--     C function of the whole row that does nothing, test/bench/noop) on the
--     same table: µs per row, and the ratio to the noop.  Whether the cost
--     follows the model's columns or the row's.
--   * A 10 MB model, TOASTed: hidden => ARRAY[1100, 1100] on 30 columns
--     (2.5M parameters), one epoch on 2,000 rows; its size in ae_models
--     (octet_length, pg_column_size, the toast table), then 100,000 rows of
--     30 columns scored through the name form and through the bytea column
--     of a joined table, (SELECT sum(ae_score(m.model, t)) FROM narrow t,
--     models m), next to a small model (the defaults) the same two ways and
--     the time of one detoast (and md5) of the 10 MB bytes: with no per-row
--     detoast or checksum, a row costs the forward pass alone (shown as its
--     GFLOP/s), far below one detoast.
-- Nothing is asserted: the figures are printed for reading.
--
-- Run:  bash test/bench/run-bench.sh rows   (builds and installs ae and the
--       noop function, in a throwaway cluster; about 5 minutes)
-- or, against any database with ae and test/bench/noop installed:
--       psql -X -f test/bench/rows_speed.sql
-- psql variables: wide_rows (200000) and narrow_rows (100000), the rows
-- scored, for a quick trial; noop_lib ('$libdir/ae_bench_noop').
-- The two wide tables take about 180 MB each: give the server 1GB of
-- shared_buffers (run-bench.sh does) so that they stay cached.
-- ===========================================================================

\set ON_ERROR_STOP 1
\set QUIET 1
\if :{?wide_rows}
\else
\set wide_rows 200000
\endif
\if :{?narrow_rows}
\else
\set narrow_rows 100000
\endif
\pset pager off
SET client_min_messages = warning;
\o /dev/null

-- Work in a scratch schema so a rerun starts clean and nothing else is touched.
DROP SCHEMA IF EXISTS ae_bench_rows CASCADE;
CREATE SCHEMA ae_bench_rows;
CREATE EXTENSION IF NOT EXISTS ae;
SET search_path = ae_bench_rows, public;
\ir factor_rows.sql
\ir timing.sql

-- the executor's floor: a C function of the whole row that does nothing (test/bench/noop)
\ir noop.sql

-- ---------------------------------------------------------------------------
-- Wide rows: the two modelled columns last, then the same rows with them first.
-- ---------------------------------------------------------------------------
SELECT (SELECT array_agg('c' || j ORDER BY j) FROM generate_series(1, 198) AS j) || ARRAY['x', 'y']
       AS wide_names,
       (SELECT string_agg('c' || j, ', ' ORDER BY j) FROM generate_series(1, 198) AS j) AS c_list \gset
SELECT bench_factor_table('wide_last', :wide_rows, 0.5, 200, names => :'wide_names');
CREATE TABLE wide_first AS SELECT x, y, :c_list FROM wide_last;
VACUUM ANALYZE wide_last;
VACUUM ANALYZE wide_first;

-- the models: x and y (defaults); all 200 columns (the defaults' network, trained briefly)
SELECT * FROM ae_train('rows_xy', 'wide_last', columns => ARRAY['x', 'y'],
                       options => '{"max_rows": 20000}') \gset xy_
SELECT * FROM ae_train('rows_200', 'wide_last', epochs => 2, options => '{"max_rows": 5000}') \gset w200_

SELECT bench_time('sum(noop(t)), x y last',            :wide_rows, 'SELECT sum(ae_bench_noop(t)) FROM wide_last t', 0, 'wide_last');
SELECT bench_time('sum(ae_score(x y model, t)), x y last', :wide_rows, 'SELECT sum(ae_score(''rows_xy'', t)) FROM wide_last t', 0, 'wide_last');
SELECT bench_time('sum(ae_score(200-column model, t))', :wide_rows, 'SELECT sum(ae_score(''rows_200'', t)) FROM wide_last t', 0, 'wide_last');
SELECT bench_time('sum(noop(t)), x y first',           :wide_rows, 'SELECT sum(ae_bench_noop(t)) FROM wide_first t', 0, 'wide_first');
SELECT bench_time('sum(ae_score(x y model, t)), x y first', :wide_rows, 'SELECT sum(ae_score(''rows_xy'', t)) FROM wide_first t', 0, 'wide_first');

-- the wide tables are done with: free shared buffers for what follows
DROP TABLE wide_last, wide_first;

-- ---------------------------------------------------------------------------
-- A 10 MB model, TOASTed, against a small one, on narrow rows.
-- ---------------------------------------------------------------------------
SELECT bench_factor_table('narrow', :narrow_rows, 0.6);
VACUUM ANALYZE narrow;
SELECT * FROM ae_train('rows_small', 'narrow') \gset small_
SELECT * FROM ae_train('rows_10mb', 'narrow', hidden => ARRAY[1100, 1100], latent => 8, epochs => 1,
                       options => '{"max_rows": 2000}') \gset big_
-- a one-row table per model holding its bytes, for the bytea form through a join
CREATE TABLE models AS SELECT name, model FROM ae_models WHERE name IN ('rows_small', 'rows_10mb');
VACUUM ANALYZE models;

SELECT bench_time('small model: name form',  :narrow_rows, 'SELECT sum(ae_score(''rows_small'', t)) FROM narrow t', 0, 'narrow');
SELECT bench_time('small model: bytea join', :narrow_rows,
                  'SELECT sum(ae_score(m.model, t)) FROM narrow t, models m WHERE m.name = ''rows_small''', 0, 'narrow');
SELECT bench_time('10 MB model: name form',  :narrow_rows, 'SELECT sum(ae_score(''rows_10mb'', t)) FROM narrow t', 0, 'narrow', 1);
SELECT bench_time('10 MB model: bytea join', :narrow_rows,
                  'SELECT sum(ae_score(m.model, t)) FROM narrow t, models m WHERE m.name = ''rows_10mb''', 0, 'narrow', 1);
SELECT bench_time('sum(noop(t)), narrow',    :narrow_rows, 'SELECT sum(ae_bench_noop(t)) FROM narrow t', 0, 'narrow');
SELECT bench_time('one detoast + md5 of the 10 MB model', 1,
                  'SELECT md5(model) FROM models WHERE name = ''rows_10mb''', 0, 'detoast');

-- ---------------------------------------------------------------------------
-- The tables.
-- ---------------------------------------------------------------------------
\o
\pset footer off
\echo
\echo 'Wide rows:' :wide_rows 'rows x 200 real columns, serial; seconds = best of 2 runs'
\echo '(x y model: 2 columns,' :xy_inputs 'inputs; 200-column model:' :w200_inputs 'inputs)'
SELECT t.label AS "query",
       t.tab AS "table",
       round(bench_best(t.label)::numeric, 3) AS "seconds",
       round((bench_best(t.label) / t.nrows * 1e6)::numeric, 2) AS "µs/row",
       round(((bench_best(t.label) - bench_best(n.label)) / t.nrows * 1e6)::numeric, 2) AS "µs/row above noop",
       round((bench_best(t.label) / bench_best(n.label))::numeric, 2) AS "ratio to noop"
  FROM bench_timing t
  JOIN bench_timing n ON n.label LIKE 'sum(noop(t))%' AND n.tab = t.tab
 WHERE t.tab LIKE 'wide%'
 ORDER BY t.ord;

\echo
\echo 'Model sizes in ae_models (the 10 MB model stored out of line, in the toast table):'
SELECT a.name AS "model",
       (ae_info(a.model) ->> 'parameters')::int AS "parameters",
       octet_length(a.model) AS "bytes",
       pg_column_size(a.model) AS "pg_column_size",
       coalesce(pg_column_compression(a.model), 'none') AS "compression",
       pg_relation_size(c.reltoastrelid) AS "ae_models toast bytes",
       pg_relation_size(c.oid) AS "ae_models heap bytes"
  FROM ae_models a, pg_class c
 WHERE a.name IN ('rows_small', 'rows_10mb') AND c.oid = 'ae_models'::regclass
 ORDER BY 3;

\echo
\echo 'Scoring' :narrow_rows 'rows x 30 real columns, serial, through each model'
\echo '(forward GFLOP/s: 2 x parameters per row, over the µs above the noop)'
SELECT t.label AS "query",
       round(bench_best(t.label)::numeric, 3) AS "seconds",
       round((bench_best(t.label) / t.nrows * 1e6)::numeric, 2) AS "µs/row",
       round((bench_best(t.label) / bench_best('sum(noop(t)), narrow'))::numeric, 1) AS "ratio to noop",
       round((2.0 * (ae_info(m.model) ->> 'parameters')::int * t.nrows /
              (bench_best(t.label) - bench_best('sum(noop(t)), narrow')) / 1e9)::numeric, 1)
           AS "forward GFLOP/s"
  FROM bench_timing t
  LEFT JOIN models m ON m.name = CASE WHEN t.label LIKE 'small%' THEN 'rows_small'
                                      WHEN t.label LIKE '10 MB%' THEN 'rows_10mb' END
 WHERE t.tab = 'narrow'
 ORDER BY t.ord;

SELECT round((bench_best('one detoast + md5 of the 10 MB model') * 1e3)::numeric, 2) AS "one detoast + md5 of the 10 MB model, ms",
       round((bench_best('one detoast + md5 of the 10 MB model') /
              (bench_best('10 MB model: name form') / :narrow_rows))::numeric, 1) AS "in rows of its scoring";

-- Clean up: the models and the scratch schema.
DELETE FROM ae_models WHERE name IN ('rows_xy', 'rows_200', 'rows_small', 'rows_10mb');
DROP SCHEMA ae_bench_rows CASCADE;
