-- ===========================================================================
-- noop.sql — the executor's floor as a SQL function, for the psql benchmarks
--
-- Creates, in the current schema, ae_bench_noop(record) RETURNS int4: the
-- C function of test/bench/noop (run-bench.sh builds and installs it), which
-- takes the whole row and reads only its header; and ae_bench_noop_row,
-- which returns the row formed again.  speed.sql and
-- rows_speed.sql \ir this file.  The psql variable noop_lib says where the
-- library is ('$libdir/ae_bench_noop' unless set).
-- ===========================================================================
\if :{?noop_lib}
\else
\set noop_lib '$libdir/ae_bench_noop'
\endif

CREATE FUNCTION ae_bench_noop(record) RETURNS int4
    AS :'noop_lib', 'ae_bench_noop' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- the row deformed and formed again: the floor of a function returning a row (ae_impute)
CREATE FUNCTION ae_bench_noop_row(anyelement) RETURNS anyelement
    AS :'noop_lib', 'ae_bench_noop_row' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
