-- ===========================================================================
-- kinds_auc.sql — how well each kind of autoencoder ranks known anomalies
--
-- Measures, for breastcancer (malignant = anomaly), ionosphere (bad =
-- anomaly) and pima (diabetes pos = anomaly), with the label column excluded
-- from training exactly as in anomaly_auc.sql:
--   * the ROC-AUC of ae_score(row) for a model trained with ae_train's
--     default options for each kind: ae, denoising, sparse, contractive, vae
--     (scored by its default, the negative ELBO: reconstruction at the latent
--     mean + KL), and the vae again with options '{"score": "reconstruction"}'
--     (the same training — the score mode does not change it, so with the
--     same seed the weights are identical — scored by the reconstruction
--     term alone);
--   * as the mean over seeds 42, 1 and 2, with the min–max over the seeds;
--   * the mean wall-clock seconds of an ae_train call per kind.
-- cvae is not in the table: it models the other columns given a condition
-- column, and these sets have no column to condition on but the label, which
-- must stay out of training.
-- Nothing is asserted: the figures are printed for reading.
--
-- Run:  bash test/bench/run-bench.sh kinds
-- or, against any database with the extension installed, from the
-- repository root:  psql -X -f test/bench/kinds_auc.sql
-- Takes about 20 seconds on 2 cores.
-- ===========================================================================

\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
SET client_min_messages = warning;

-- Work in a scratch schema so a rerun starts clean and nothing else is touched.
DROP SCHEMA IF EXISTS ae_bench_kinds CASCADE;
CREATE SCHEMA ae_bench_kinds;
CREATE EXTENSION IF NOT EXISTS ae;
SET search_path = ae_bench_kinds, public;

-- The three data sets (tables pima, breastcancer, ionosphere).
\ir ../data/load.sql

-- bench_auc(labels bool[], scores float8[]): ROC-AUC by the rank-sum formula.
\ir bench_auc.sql

-- ---------------------------------------------------------------------------
-- What is trained: each variant on each data set with each seed.
-- ---------------------------------------------------------------------------
CREATE TABLE bench_variants (ord int, variant text, kind text, options jsonb);
INSERT INTO bench_variants VALUES
    (1, 'ae',                        'ae',          '{}'),
    (2, 'denoising',                 'denoising',   '{}'),
    (3, 'sparse',                    'sparse',      '{}'),
    (4, 'contractive',               'contractive', '{}'),
    (5, 'vae (score elbo)',          'vae',         '{}'),
    (6, 'vae, score reconstruction', 'vae',         '{"score": "reconstruction"}');

-- the label expression is evaluated on the row t
CREATE TABLE bench_sets (dataset text, rel regclass, exclude text[], label text);
INSERT INTO bench_sets VALUES
    ('breastcancer', 'breastcancer', ARRAY['id', 'class'], $$t.class = 'malignant'$$),
    ('ionosphere',   'ionosphere',   ARRAY['class'],       $$t.class = 'bad'$$),
    ('pima',         'pima',         ARRAY['diabetes'],    $$t.diabetes = 'pos'$$);  -- id: serial key, skipped

CREATE TABLE bench_results (
    variant     text,
    dataset     text,
    seed        bigint,
    auc         float8,
    seconds     float8,
    train_loss  float8
);

DO $$
DECLARE
    v     record;
    s     record;
    seed  bigint;
    m     text := 'bench_kinds';
    t0    timestamptz;
    secs  float8;
    loss  float8;
    auc   float8;
BEGIN
    FOR v IN SELECT * FROM bench_variants ORDER BY ord LOOP
        FOR s IN SELECT * FROM bench_sets ORDER BY dataset LOOP
            FOREACH seed IN ARRAY ARRAY[42, 1, 2] LOOP
                t0 := clock_timestamp();
                SELECT r.train_loss INTO loss
                  FROM ae_train(m, s.rel, kind => v.kind, exclude => s.exclude,
                                seed => seed, options => v.options) r;
                secs := extract(epoch FROM clock_timestamp() - t0);
                EXECUTE format('SELECT bench_auc(array_agg(%s), array_agg(ae_score(%L, t))) FROM %s t',
                               s.label, m, s.rel)
                   INTO auc;
                INSERT INTO bench_results VALUES (v.variant, s.dataset, seed, auc, secs, loss);
            END LOOP;
        END LOOP;
    END LOOP;
    DELETE FROM ae_models WHERE name = m;
END
$$;

-- ---------------------------------------------------------------------------
-- The table.
-- ---------------------------------------------------------------------------
\echo
\echo 'Anomaly detection by kind: ROC-AUC of ae_score, default options, mean over seeds 42, 1, 2 (min–max)'
\pset footer off

WITH per AS (
    SELECT variant, dataset,
           avg(auc) AS mean, min(auc) AS lo, max(auc) AS hi, avg(seconds) AS seconds
      FROM bench_results GROUP BY variant, dataset
), cell AS (
    SELECT variant, dataset, mean, seconds,
           format('%s (%s–%s)', round(mean::numeric, 3), round(lo::numeric, 3),
                  round(hi::numeric, 3)) AS txt
      FROM per
)
SELECT v.variant AS "kind",
       max(c.txt) FILTER (WHERE c.dataset = 'breastcancer') AS "breastcancer",
       max(c.txt) FILTER (WHERE c.dataset = 'ionosphere') AS "ionosphere",
       max(c.txt) FILTER (WHERE c.dataset = 'pima') AS "pima",
       round(avg(c.mean)::numeric, 3) AS "average",
       round(avg(c.seconds)::numeric, 2) AS "train s"
  FROM bench_variants v JOIN cell c USING (variant)
 GROUP BY v.ord, v.variant
 ORDER BY v.ord;

-- The score mode does not enter training: the two vae rows share their models.
\pset tuples_only on
SELECT CASE WHEN bool_and(e.train_loss = r.train_loss)
            THEN 'vae with score elbo and with score reconstruction trained identically (same training loss for every set and seed)'
            ELSE 'note: vae training differed between the two score modes' END
  FROM bench_results e
  JOIN bench_results r USING (dataset, seed)
 WHERE e.variant = 'vae (score elbo)' AND r.variant = 'vae, score reconstruction';

-- Clean up the scratch schema.
DROP SCHEMA ae_bench_kinds CASCADE;
