-- Percentiles and thresholds: a row's score read against the scores of the
-- rows the model was trained on, whose quantiles training records in the
-- model (format 9).  Runs after train.sql has loaded the data sets.
\set VERBOSITY terse
SELECT model, rows FROM ae_train('thr_pima', 'pima', exclude => ARRAY['diabetes']);

-- the registry's summary: every row scored, the quantiles in order
SELECT (s->>'rows')::int AS rows,
       (s->>'min')::float8 <= (s->>'0.5')::float8 AND (s->>'0.5')::float8 <= (s->>'0.9')::float8 AND
       (s->>'0.9')::float8 <= (s->>'0.99')::float8 AND (s->>'0.99')::float8 <= (s->>'0.999')::float8 AND
       (s->>'0.999')::float8 <= (s->>'max')::float8 AS ordered
  FROM (SELECT metrics->'scores' AS s FROM ae_models WHERE name = 'thr_pima') m;

-- the three forms agree (thr_pima is the newest model trained on pima)
SELECT model AS thr_bytes FROM ae_models WHERE name = 'thr_pima' \gset
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ae_percentile('thr_pima', p) IS DISTINCT FROM ae_percentile(p)) AS row_form_differs,
       count(*) FILTER (WHERE ae_percentile('thr_pima', p) IS DISTINCT FROM
                              ae_percentile(:'thr_bytes'::bytea, p)) AS bytea_form_differs
  FROM pima p;
SELECT ae_threshold('thr_pima', 0.99) = ae_threshold(:'thr_bytes'::bytea, 0.99) AS thresholds_agree;

CREATE TEMP TABLE thr AS
SELECT p.id, ae_score('thr_pima', p) AS score, ae_percentile('thr_pima', p) AS pct FROM pima p;

-- in [0, 1]: 0 at the lowest training score, 1 at the highest
SELECT min(pct) AS lowest, max(pct) AS highest,
       count(*) FILTER (WHERE NOT (pct >= 0 AND pct <= 1)) AS outside
  FROM thr;

-- monotone: ordered by score, no percentile falls
SELECT count(*) FILTER (WHERE down) AS decreases
  FROM (SELECT pct < lag(pct) OVER (ORDER BY score, id) AS down FROM thr) s;

-- On the training table itself the quantiles are percentile_cont's over
-- every row's score (scored as ae_score scores), so exactly
-- n - 1 - floor(p (n - 1)) rows lie above p when no two scores tie: within
-- one row of (1 - p)(n - 1), 7.67 rows of pima's 768 for the top 1%.
SELECT abs(count(*) FILTER (WHERE pct > 0.99) - 0.01 * (count(*) - 1)) <= 1 AS top_1_percent,
       abs(count(*) FILTER (WHERE pct > 0.9) - 0.1 * (count(*) - 1)) <= 1 AS top_10_percent,
       abs(count(*) FILTER (WHERE pct > 0.5) - 0.5 * (count(*) - 1)) <= 1 AS top_half
  FROM thr;

-- ae_threshold is percentile_cont of the training rows' scores (to rounding),
-- and a score above it is a percentile above p: the same rows
SELECT p, abs(ae_threshold('thr_pima', p) / percentile_cont(p) WITHIN GROUP (ORDER BY score) - 1) < 1e-12
            AS is_percentile_cont,
       count(*) FILTER (WHERE pct > p) = count(*) FILTER (WHERE score > ae_threshold('thr_pima', p))
            AS same_rows
  FROM thr, unnest(ARRAY[0, 0.5, 0.9, 0.99, 0.999, 1]) p GROUP BY p ORDER BY p;

-- the review queue of a day
SELECT count(*) AS queue FROM pima p WHERE ae_percentile('thr_pima', p) > 0.99;

-- retraining another name leaves a model's percentiles as they were; the
-- row form follows the newest model on the relation
SELECT model FROM ae_train('thr_other', 'pima', exclude => ARRAY['diabetes'], seed => 7);
SELECT count(*) FILTER (WHERE ae_percentile('thr_pima', p) IS DISTINCT FROM t.pct) AS changed,
       count(*) FILTER (WHERE ae_percentile(p) IS DISTINCT FROM ae_percentile('thr_other', p))
            AS row_form_not_newest
  FROM pima p JOIN thr t USING (id);

-- bad p, a NULL model and an unknown one: errors with their SQLSTATE
\set VERBOSITY default
SELECT ae_threshold('thr_pima', 1.5);
SELECT ae_threshold('thr_pima', 'NaN');
SELECT ae_threshold('thr_pima', NULL);
\set VERBOSITY terse
CREATE FUNCTION thr_state(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT q, thr_state(q) FROM unnest(ARRAY[
    'SELECT ae_threshold(''thr_pima'', -0.1)',
    'SELECT ae_threshold(''thr_pima'', 1.0000001)',
    'SELECT ae_threshold(''thr_pima'', ''-Infinity'')',
    'SELECT ae_threshold(''thr_pima'', NULL::float8)',
    'SELECT ae_threshold(NULL::text, 0.5)',
    'SELECT ae_threshold(NULL::bytea, 0.5)',
    'SELECT ae_threshold(''no_such_model'', 0.5)',
    'SELECT ae_threshold(''thr_pima'', 0)',
    'SELECT ae_threshold(''thr_pima'', 1)']) q;
-- the ends are the lowest and highest training scores
SELECT ae_threshold('thr_pima', 0) = min(score) AS zero_is_min,
       ae_threshold('thr_pima', 1) = max(score) AS one_is_max
  FROM thr;

-- a model of format 3 (ae 0.1.0) still scores, but has no recorded
-- distribution: percentiles and thresholds say so and how to mend it
CREATE TEMP TABLE fixture (name text, hex text);
\copy fixture FROM 'test/upgrade/models-0.1.0.txt' WITH (FORMAT text, DELIMITER '|')
SELECT decode(hex, 'hex') AS old_pima FROM fixture WHERE name = 'up_pima' \gset
SELECT ae_info(:'old_pima'::bytea)->>'format_version' AS format_version,
       ae_info(:'old_pima'::bytea)->'metrics' ? 'scores' AS has_scores,
       count(*) FILTER (WHERE ae_score(:'old_pima'::bytea, p) IS NOT NULL) AS scored
  FROM pima p;
\set VERBOSITY default
SELECT ae_percentile(:'old_pima'::bytea, p) FROM pima p LIMIT 1;
SELECT ae_threshold(:'old_pima'::bytea, 0.99);
\set VERBOSITY terse
SELECT thr_state('SELECT ae_threshold(decode(hex, ''hex''), 0.5) FROM fixture') AS state;

-- other kinds: a vae (negative ELBO at the latent mean), a transformer
-- (held-out cells, one pass per column), an lstm over sequences; each
-- score computed at training time as ae_score computes it
CREATE TABLE thr_waves AS
SELECT i AS id, ARRAY(SELECT sin((i + k) / 3.0) + 0.1 * cos(i * k)
                        FROM generate_series(1, 12) k)::real[] AS w
  FROM generate_series(1, 400) i;
SELECT model, kind FROM ae_train('thr_vae', 'pima', kind => 'vae', exclude => ARRAY['diabetes'], epochs => 20);
SELECT model, kind FROM ae_train('thr_tf', 'pima', kind => 'transformer', exclude => ARRAY['diabetes'],
                                 epochs => 5);
SELECT model, kind FROM ae_train('thr_lstm', 'thr_waves', kind => 'lstm', columns => ARRAY['w'],
                                 epochs => 5);
WITH s AS (SELECT m, ae_score(m, p) AS score, ae_percentile(m, p) AS pct
             FROM pima p, unnest(ARRAY['thr_vae', 'thr_tf']) m
           UNION ALL
           SELECT 'thr_lstm', ae_score('thr_lstm', t), ae_percentile('thr_lstm', t) FROM thr_waves t)
SELECT m, count(*) AS rows, min(pct) = 0 AND max(pct) = 1 AS zero_to_one,
       abs(count(*) FILTER (WHERE pct > 0.99) - 0.01 * (count(*) - 1)) <= 1 AS top_1_percent,
       abs(count(*) FILTER (WHERE pct > 0.9) - 0.1 * (count(*) - 1)) <= 1 AS top_10_percent,
       abs(ae_threshold(m, 0.9) / percentile_cont(0.9) WITHIN GROUP (ORDER BY score) - 1) < 1e-12
            AS is_percentile_cont
  FROM s GROUP BY m ORDER BY m;
SELECT name, (metrics->'scores'->>'rows')::int AS scored FROM ae_models
 WHERE name IN ('thr_vae', 'thr_tf', 'thr_lstm') ORDER BY name;
DROP TABLE thr_waves;
DROP FUNCTION thr_state(text);
