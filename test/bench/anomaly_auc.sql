-- ===========================================================================
-- anomaly_auc.sql — how well ae_score ranks known anomalies on ODDS-style sets
--
-- Measures, for breastcancer (malignant = anomaly), ionosphere (bad = anomaly)
-- and pima (diabetes pos = anomaly):
--   * ROC-AUC of ae_score(row) for a model trained with ae_train defaults
--     (seed 42, the label column excluded);
--   * the mean, min and max ROC-AUC over seeds 42, 1 and 2, to show the
--     seed-to-seed noise;
--   * the ROC-AUC of a simple baseline on the same rows: the mean over the
--     row's non-NULL modelled numeric columns of z², with z = (x - mean) / sd
--     from population statistics over the whole table;
--   * the wall-clock seconds of the seed-42 ae_train call.
-- Nothing is asserted: the figures are printed for reading.
--
-- Run:  make bench            (both benchmarks)
--       bash test/bench/run-bench.sh auc
-- or, against any database with the extension installed, from the
-- repository root:  psql -X -f test/bench/anomaly_auc.sql
-- ===========================================================================

\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
SET client_min_messages = warning;

-- Work in a scratch schema so a rerun starts clean and nothing else is touched.
DROP SCHEMA IF EXISTS ae_bench_auc CASCADE;
CREATE SCHEMA ae_bench_auc;
CREATE EXTENSION IF NOT EXISTS ae;
SET search_path = ae_bench_auc, public;

-- The three data sets (tables pima, breastcancer, ionosphere).
\ir ../data/load.sql

-- bench_auc(labels bool[], scores float8[]): ROC-AUC by the rank-sum formula.
\ir bench_auc.sql

-- ---------------------------------------------------------------------------
-- Training.  bench_train trains one model with ae_train defaults (only the
-- seed and the excluded label vary) and records the wall-clock time of the
-- call.  Models are named bench_<data set>_s<seed>.
-- ---------------------------------------------------------------------------
CREATE TABLE bench_trained (
    dataset  text,
    seed     bigint,
    model    text,
    seconds  float8
);

CREATE FUNCTION bench_train(dataset text, rel regclass, exclude text[], seed bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    m  text := format('bench_%s_s%s', dataset, seed);
BEGIN
    PERFORM ae_train(m, rel, exclude => exclude, seed => seed);
    INSERT INTO bench_trained
    VALUES (dataset, seed, m, extract(epoch FROM clock_timestamp() - t0));
END
$$;

-- Seeds 1 and 2 first, 42 last: ae_score(row) uses the model most recently
-- trained on the row's table, which is then the seed-42 one.
DO $$
DECLARE
    seed bigint;
BEGIN
    FOREACH seed IN ARRAY ARRAY[1, 2, 42] LOOP
        PERFORM bench_train('breastcancer', 'breastcancer', ARRAY['id', 'class'], seed);
        PERFORM bench_train('ionosphere', 'ionosphere', ARRAY['class'], seed);
        PERFORM bench_train('pima', 'pima', ARRAY['diabetes'], seed);  -- id: serial key, skipped by ae_train
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Scoring: one row per table row, with its label, the row as jsonb (for the
-- baseline) and the three ae scores.
-- ---------------------------------------------------------------------------
CREATE TABLE bench_rows (
    dataset     text,
    rowno       bigint,
    is_anomaly  bool,
    doc         jsonb,
    ae_s42      float8,
    ae_s1       float8,
    ae_s2       float8,
    zscore      float8
);

INSERT INTO bench_rows (dataset, rowno, is_anomaly, doc, ae_s42, ae_s1, ae_s2)
SELECT 'breastcancer', row_number() OVER (), class = 'malignant', to_jsonb(t),
       ae_score(t), ae_score('bench_breastcancer_s1', t), ae_score('bench_breastcancer_s2', t)
  FROM breastcancer t;

INSERT INTO bench_rows (dataset, rowno, is_anomaly, doc, ae_s42, ae_s1, ae_s2)
SELECT 'ionosphere', row_number() OVER (), class = 'bad', to_jsonb(t),
       ae_score(t), ae_score('bench_ionosphere_s1', t), ae_score('bench_ionosphere_s2', t)
  FROM ionosphere t;

INSERT INTO bench_rows (dataset, rowno, is_anomaly, doc, ae_s42, ae_s1, ae_s2)
SELECT 'pima', row_number() OVER (), diabetes = 'pos', to_jsonb(t),
       ae_score(t), ae_score('bench_pima_s1', t), ae_score('bench_pima_s2', t)
  FROM pima t;

-- ---------------------------------------------------------------------------
-- Baseline: per-column z-score, built generically from the jsonb rows.
-- The columns are the numeric columns the seed-42 model uses (so the label,
-- the id and any skipped column are out, exactly as for the autoencoder).
-- A column with zero spread (e.g. ionosphere v2, always 0) has no z and is
-- left out of the mean.
-- ---------------------------------------------------------------------------
WITH modelled AS (
    SELECT t.dataset, c->>'name' AS col
      FROM bench_trained t
      JOIN ae_models m ON m.name = t.model
     CROSS JOIN jsonb_array_elements(m.columns) AS c
     WHERE t.seed = 42 AND c->>'kind' = 'numeric'
), cells AS (
    SELECT r.dataset, r.rowno, kv.key AS col, kv.value::float8 AS x
      FROM bench_rows r
     CROSS JOIN jsonb_each(r.doc) AS kv
      JOIN modelled m ON m.dataset = r.dataset AND m.col = kv.key
     WHERE jsonb_typeof(kv.value) = 'number'          -- NULLs are skipped here
), stats AS (
    SELECT dataset, col, avg(x) AS mu, stddev_pop(x) AS sd
      FROM cells GROUP BY dataset, col
), z AS (
    SELECT c.dataset, c.rowno, avg(((c.x - s.mu) / nullif(s.sd, 0)) ^ 2) AS score
      FROM cells c JOIN stats s USING (dataset, col)
     GROUP BY c.dataset, c.rowno
)
UPDATE bench_rows r SET zscore = z.score
  FROM z WHERE z.dataset = r.dataset AND z.rowno = r.rowno;

-- ---------------------------------------------------------------------------
-- The table.
-- ---------------------------------------------------------------------------
\echo
\echo 'Anomaly detection: ROC-AUC (1 = anomalies ranked first, 0.5 = random)'
\pset footer off

WITH auc AS (
    SELECT dataset,
           count(*) AS n,
           count(*) FILTER (WHERE is_anomaly) AS anomalies,
           bench_auc(array_agg(is_anomaly), array_agg(ae_s42)) AS s42,
           bench_auc(array_agg(is_anomaly), array_agg(ae_s1)) AS s1,
           bench_auc(array_agg(is_anomaly), array_agg(ae_s2)) AS s2,
           bench_auc(array_agg(is_anomaly), array_agg(zscore)) AS z
      FROM bench_rows GROUP BY dataset
)
SELECT a.dataset AS "data set",
       a.n AS "rows",
       a.anomalies AS "anomalies",
       round(a.s42::numeric, 4) AS "ae ROC-AUC (seed 42)",
       format('%s (%s–%s)',
              round(((a.s42 + a.s1 + a.s2) / 3)::numeric, 4),
              round(least(a.s42, a.s1, a.s2)::numeric, 4),
              round(greatest(a.s42, a.s1, a.s2)::numeric, 4)) AS "ae mean over seeds 42,1,2 (min–max)",
       round(a.z::numeric, 4) AS "z-score baseline ROC-AUC",
       round(t.seconds::numeric, 3) AS "train seconds"
  FROM auc a
  JOIN bench_trained t ON t.dataset = a.dataset AND t.seed = 42
 ORDER BY a.dataset;

-- Clean up: the models trained here and the scratch schema.
DELETE FROM ae_models WHERE name IN (SELECT model FROM bench_trained);
DROP SCHEMA ae_bench_auc CASCADE;
