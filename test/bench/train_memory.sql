-- ===========================================================================
-- train_memory.sql — one measured ae_train, for train10m.sql (\ir'd by it)
--
-- In a fresh session (\c: a new backend, whose memory is the baseline),
-- with max_parallel_workers_per_gather = :workers, ae_train('bench_10m',
-- :'tab') with every default; records in memory_runs the table, the workers
-- planned for its scan, the wall and fitting seconds, the rows seen and
-- trained on, max_rows, and the backend's VmHWM before and after and
-- VmRSS, RssAnon and RssShmem after (kB, /proc/self/status).
-- ===========================================================================
\c
SET client_min_messages = warning;
SET search_path = ae_bench_train10m, public;
SET max_parallel_workers_per_gather = :workers;
SELECT bench_workers_planned(format('SELECT ae_fit(t.*, ''{}''::jsonb) FROM %I AS t', :'tab'), :workers)
       AS workers_planned,
       bench_proc_kb('VmHWM') AS hwm_before \gset
SELECT clock_timestamp() AS t0 \gset
SELECT * FROM ae_train('bench_10m', :'tab') \gset fit_
INSERT INTO memory_runs
SELECT :'tab', :workers_planned,
       extract(epoch FROM clock_timestamp() - :'t0'), :fit_seconds, :fit_epochs,
       (ae_info(model) -> 'metrics' ->> 'rows_seen')::bigint, :fit_rows,
       (ae_info(model) -> 'options' ->> 'max_rows')::int,
       :hwm_before, bench_proc_kb('VmHWM'), bench_proc_kb('VmRSS'),
       bench_proc_kb('RssAnon'), bench_proc_kb('RssShmem')
  FROM ae_models WHERE name = 'bench_10m';
