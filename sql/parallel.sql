-- Parallel plans: ae_fit aggregates partial samples from workers and still
-- trains a working model; ae_score is evaluated inside the workers.
\set VERBOSITY terse
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;

CREATE TABLE bc_big AS SELECT b.* FROM breastcancer b, generate_series(1, 20);
ANALYZE bc_big;

EXPLAIN (VERBOSE, COSTS OFF)
SELECT ae_fit(b, '{"exclude": ["id", "class"]}') FROM bc_big b;

CREATE TABLE par_model AS
SELECT ae_fit(b, '{"exclude": ["id", "class"], "epochs": 20}') AS model FROM bc_big b;

-- every row reached the sample, through the workers' partial states
SELECT (ae_info(model)->'metrics'->>'rows_seen')::int = (SELECT count(*) FROM bc_big) AS all_rows_seen,
       (ae_info(model)->'metrics'->>'rows')::int = (SELECT count(*) FROM bc_big) AS all_rows_kept
  FROM par_model;

-- a reservoir smaller than the table keeps exactly max_rows rows
SELECT (ae_info(ae_fit(b, '{"exclude": ["id", "class"], "max_rows": 1000, "epochs": 2}'))->'metrics'->>'rows')::int AS rows
  FROM bc_big b;

-- the model works: malignant rows rank above benign ones
WITH s AS (SELECT class = 'malignant' AS pos, ae_score(m.model, b) AS score FROM breastcancer b, par_model m),
     r AS (SELECT pos, rank() OVER (ORDER BY score) AS rk FROM s)
SELECT (sum(rk) FILTER (WHERE pos) - count(*) FILTER (WHERE pos) * (count(*) FILTER (WHERE pos) + 1) / 2.0)
       / (count(*) FILTER (WHERE pos) * count(*) FILTER (WHERE NOT pos)) > 0.9 AS auc_above_0_9
  FROM r;

-- scoring runs in the workers: ae_score appears below the Gather
SELECT rows FROM ae_train('bc_big', 'bc_big', exclude => ARRAY['id', 'class'], epochs => 5);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, ae_score('bc_big', b) AS s FROM bc_big b ORDER BY s DESC LIMIT 20;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT sum(ae_score(b)) FROM bc_big b;

-- and gives the same result as a serial plan
SELECT round(sum(ae_score(b))::numeric, 4) AS parallel_sum FROM bc_big b \gset
SET max_parallel_workers_per_gather = 0;
SELECT round(sum(ae_score(b))::numeric, 4) = :parallel_sum AS same_as_serial FROM bc_big b;
RESET ALL;
