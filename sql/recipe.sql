-- What the default recipe must do, whatever its exact numbers: with no
-- options, a row that breaks the columns' dependence ranks first, a small
-- cluster of rows far from the rest ranks next, and a hidden value that
-- the other columns determine is filled close to the truth.
SET client_min_messages = warning;
-- 600 rows: y = 2x + small noise, z = -x + small noise, kind follows the sign of x
CREATE TABLE planted AS
SELECT i AS id,
       x, 2 * x + 0.05 * sin(i * 7.1) AS y, -x + 0.05 * cos(i * 3.3) AS z,
       CASE WHEN x > 0 THEN 'up' ELSE 'down' END AS kind
  FROM (SELECT i, sin(i * 12.9898) * 1.5 AS x FROM generate_series(1, 600) i) s;
-- one row whose values are each ordinary but break the dependence
INSERT INTO planted VALUES (601, 1.0, -2.0, 1.0, 'down');
-- a tight cluster of 6 rows that follow the dependence far outside the range of x
INSERT INTO planted SELECT 601 + k, 6 + 0.01 * k, 12 + 0.02 * k, -6 - 0.01 * k, 'up'
  FROM generate_series(1, 6) k;
SELECT count(*) FROM ae_train('planted', 'planted', exclude => ARRAY['id']);
SELECT kind, options->>'score' AS score FROM ae_models WHERE name = 'planted';
WITH ranked AS (
    SELECT id, rank() OVER (ORDER BY ae_score('planted', p) DESC) AS r FROM planted p)
SELECT (SELECT r FROM ranked WHERE id = 601) = 1 AS broken_row_first,
       (SELECT max(r) FROM ranked WHERE id > 601) <= 7 AS cluster_next;
-- the cluster is reconstructed well: it stands out by where its codes lie
SELECT bool_and(e.column_name = '(latent)') AS cluster_by_latent_distance
  FROM planted p, LATERAL (SELECT column_name FROM ae_explain('planted', p) LIMIT 1) e
 WHERE p.id > 601;
-- y hidden in 100 rows, filled from x and z: RMSE well under y's spread (sd about 2.1)
SELECT count(*) AS cells, sqrt(avg((f.y - 2 * p.x) ^ 2)) < 0.3 AS rmse_under_0_3
  FROM planted p,
       LATERAL (SELECT (ae_impute('planted', ROW(p.id, p.x, NULL, p.z, p.kind)::planted)).y) f(y)
 WHERE p.id % 6 = 0 AND p.id <= 600;
DELETE FROM ae_models WHERE name = 'planted';
DROP TABLE planted;
