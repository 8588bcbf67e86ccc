-- The lstm kind: a sequence in an array column, read and rewritten by LSTMs,
-- other columns joining as conditions.  Shorter sequences (the first
-- windows of a series) take the last steps; every function works on it as
-- on the other kinds.
SET client_min_messages = warning;
-- a noisy wave, one reading every step; windows of the last 24 readings
CREATE TABLE wave AS
SELECT i AS id, sin(i / 4.0) + 0.05 * cos(i * 7.7) AS value FROM generate_series(1, 1200) i;
UPDATE wave SET value = 2.5 WHERE id = 1000;     -- a spike
CREATE VIEW wave_windows AS
SELECT id, value, array_agg(value) OVER (ORDER BY id ROWS 23 PRECEDING)::real[] AS recent
  FROM wave;
SELECT model, kind, rows, inputs, latent FROM ae_train('wave', 'wave_windows', kind => 'lstm',
                                                      columns => ARRAY['recent'],
                                                      options => '{"epochs": 20}');
SELECT ae_info(model)->'options'->'hidden' AS hidden, ae_info(model)->'options'->>'score' AS score,
       jsonb_array_length(ae_info(model)->'columns') AS steps,
       ae_info(model)->'columns'->0->'shape' AS shape
  FROM ae_models WHERE name = 'wave';
-- the windows that hold the spike rank first
SELECT bool_and(id BETWEEN 1000 AND 1023) AS spike_windows_first
  FROM (SELECT id FROM wave_windows w ORDER BY ae_score('wave', w) DESC LIMIT 10) top;
-- and the spike's own step explains most of the reconstruction error
SELECT column_name FROM ae_explain('wave', (SELECT w FROM wave_windows w WHERE id = 1005))
 WHERE column_name <> '(latent)' LIMIT 1;
-- a short window (the series' start) is scored, reconstructed and imputed at its own length
SELECT cardinality(w.recent) AS len, ae_score('wave', w) IS NOT NULL AS scored,
       cardinality((ae_reconstruct('wave', w)).recent) AS reconstructed
  FROM wave_windows w WHERE id = 5;
SELECT cardinality(i.recent) AS len, i.recent[3] IS NOT NULL AS filled,
       abs(i.recent[3] - sin(3 / 4.0)) < 0.3 AS near_the_wave
  FROM wave_windows w,
       LATERAL (SELECT (ae_impute('wave', ROW(w.id, w.value, w.recent[1:2] || NULL::real ||
                                                    w.recent[4:24])::wave_windows)).*) i
 WHERE w.id = 24;
SELECT array_length(ae_embed('wave', w), 1) AS latent FROM wave_windows w WHERE id = 100;
-- a longer sequence than trained on is an error naming the column
SELECT ae_score('wave', ROW(1, 0, array_fill(0::real, ARRAY[30]))::wave_windows);
-- what the kind takes: one 1-D array column (others are conditions)
CREATE TABLE two_seqs AS SELECT ARRAY[1, 2, 3]::real[] AS a, ARRAY[4, 5]::real[] AS b
  FROM generate_series(1, 10);
SELECT * FROM ae_train('bad', 'two_seqs', kind => 'lstm');
DROP TABLE two_seqs;
SELECT * FROM ae_train('bad', 'wave_windows', kind => 'lstm', columns => ARRAY['value']);
-- stacked: hidden lists the encoder's layers, the decoder mirrors them
SELECT ae_info(ae_fit(w, '{"kind": "lstm", "columns": ["recent"], "hidden": [16, 8], "epochs": 2}'))
         ->'options'->'hidden' AS hidden
  FROM wave_windows w;
CREATE TABLE grids AS SELECT ARRAY[[1, 2], [3, 4]]::real[] AS g FROM generate_series(1, 10);
SELECT * FROM ae_train('bad', 'grids', kind => 'lstm');
DROP TABLE grids;
-- conditions: the row's other columns, given at every step; a calm window labelled as a
-- storm (or the reverse) is out of place only given its label
CREATE TABLE regimes AS
SELECT i AS id, CASE WHEN (i / 50) % 2 = 0 THEN 'calm' ELSE 'storm' END AS regime,
       ARRAY(SELECT (CASE WHEN (i / 50) % 2 = 0 THEN 0.2 ELSE 1.0 END) * sin((i + k) / 2.0)
                    + 0.02 * cos(7 * (i + k))
               FROM generate_series(1, 12) k)::real[] AS recent
  FROM generate_series(1, 1000) i;
UPDATE regimes SET regime = 'calm' WHERE id = 475;     -- a storm window labelled calm
SELECT count(*) FROM ae_train('regimes', 'regimes', kind => 'lstm',
                              columns => ARRAY['recent', 'regime'], options => '{"epochs": 30}');
SELECT c->>'name' AS col, count(*) AS columns, bool_and((c->>'condition')::bool) AS condition
  FROM ae_models m, jsonb_array_elements(ae_info(m.model)->'columns') c
 WHERE m.name = 'regimes' AND c->>'name' = 'regime' GROUP BY 1;
SELECT id FROM regimes r ORDER BY ae_score('regimes', r) DESC LIMIT 1;
-- a condition is given, not modelled: it is kept by reconstruct and has no share in explain
SELECT (ae_reconstruct('regimes', r)).regime FROM regimes r WHERE id = 475;
SELECT contribution = 0 AS no_share FROM ae_explain('regimes', (SELECT r FROM regimes r WHERE id = 475))
 WHERE column_name = 'regime';
SELECT * FROM ae_train('bad', 'regimes', kind => 'lstm', columns => ARRAY['regime']);
DELETE FROM ae_models WHERE name IN ('wave', 'regimes');
DROP TABLE regimes;
DROP VIEW wave_windows;
DROP TABLE wave;
