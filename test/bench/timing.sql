-- ===========================================================================
-- timing.sql — how the psql speed benchmarks time their queries
--
-- Defines, in the current schema (speed.sql and rows_speed.sql \ir it):
--   * bench_timing: one row a timed query, with its label, the rows it
--     reads, each run's wall-clock seconds and the table it reads (the
--     table, or 'parallel', whose noop line is its floor; NULL for the
--     script's main one, serial);
--   * bench_time(label, nrows, query, workers, tab, runs): runs a query
--     `runs` times (2: the first warms the cache, the best counts) under
--     max_parallel_workers_per_gather = workers and records the times;
--   * bench_time_serial_parallel(label_serial, label_parallel, nrows, query,
--     workers, runs): a query serial and with workers, alternately, `runs`
--     times each (3), so that a noisy spell of a shared machine falls on
--     both; recorded as two bench_time lines (the parallel one's table
--     'parallel');
--   * bench_workers_planned(query, workers): the workers the plan asks for.
-- Times are clock_timestamp() differences around each statement.
-- ===========================================================================

CREATE TABLE bench_timing (
    ord      serial,
    label    text,
    nrows    bigint,
    secs     float8[],
    tab      text
);

-- Run query `runs` times with `workers` parallel workers per gather; record the times.
CREATE FUNCTION bench_time(label text, nrows bigint, query text, workers int,
                           tab text DEFAULT NULL, runs int DEFAULT 2)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0   timestamptz;
    secs float8[] := '{}';
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
    FOR i IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        secs := secs || extract(epoch FROM clock_timestamp() - t0)::float8;
    END LOOP;
    INSERT INTO bench_timing (label, nrows, secs, tab) VALUES (label, nrows, secs, tab);
END
$$;

-- Run query serial and with `workers`, alternately, `runs` times each; record both.
CREATE FUNCTION bench_time_serial_parallel(label_serial text, label_parallel text, nrows bigint,
                                           query text, workers int, runs int DEFAULT 3)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0       timestamptz;
    serial   float8[] := '{}';
    parallel float8[] := '{}';
BEGIN
    FOR i IN 1..runs LOOP
        PERFORM set_config('max_parallel_workers_per_gather', '0', true);
        t0 := clock_timestamp();
        EXECUTE query;
        serial := serial || extract(epoch FROM clock_timestamp() - t0)::float8;
        PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
        t0 := clock_timestamp();
        EXECUTE query;
        parallel := parallel || extract(epoch FROM clock_timestamp() - t0)::float8;
    END LOOP;
    INSERT INTO bench_timing (label, nrows, secs, tab)
         VALUES (label_serial, nrows, serial, NULL), (label_parallel, nrows, parallel, 'parallel');
END
$$;

-- The best of a query's runs, in seconds.
CREATE FUNCTION bench_best(label text) RETURNS float8 LANGUAGE sql STABLE AS $$
    SELECT min(s) FROM bench_timing t, unnest(t.secs) AS s WHERE t.label = bench_best.label
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
