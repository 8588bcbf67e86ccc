-- ===========================================================================
-- noop.sql — the executor's floor as a SQL function, for the psql benchmarks
--
-- Creates, in the current schema, ae_bench_noop(record) RETURNS int4: the
-- C function of test/bench/noop (run-bench.sh builds and installs it), which
-- takes the whole row and reads only its header.  speed.sql and
-- rows_speed.sql \ir this file.  The psql variable noop_lib says where the
-- library is ('$libdir/ae_bench_noop' unless set).
-- ===========================================================================
\if :{?noop_lib}
\else
\set noop_lib '$libdir/ae_bench_noop'
\endif

CREATE FUNCTION ae_bench_noop(record) RETURNS int4
    AS :'noop_lib', 'ae_bench_noop' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
