-- What the default recipe must do, whatever its exact numbers: with no
-- options, a row that breaks the columns' dependence ranks first, a small
-- cluster of rows far from the rest ranks next, a hidden value that the
-- other columns determine is filled close to the truth, and a hidden value
-- that nothing predicts is filled with the column's commonest value.
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
-- 400 rows of columns that nothing predicts: six uniform numbers and a coin, heads in 70%
SELECT setseed(0.25);
CREATE TABLE coins AS
SELECT i AS id, random() AS a1, random() AS a2, random() AS a3, random() AS a4,
       random() AS a5, random() AS a6, CASE WHEN random() < 0.7 THEN 'heads' ELSE 'tails' END AS coin
  FROM generate_series(1, 400) i;
SELECT count(*) FROM ae_train('coins', 'coins', exclude => ARRAY['id']);
-- training measured on its validation rows that the network's guesses are worth little,
-- and pulls every column's fills towards its mean or class shares
SELECT c->>'name' AS col, (c->>'impute_shrink')::float8 < 0.8 AS shrunk
  FROM ae_models m, jsonb_array_elements(ae_info(m.model)->'columns') c
 WHERE m.name = 'coins' ORDER BY 1;
-- a1 hidden in every row: filled about as well as the mean does (its sd), not worse
SELECT sqrt(avg((f.a1 - c.a1) ^ 2)) <= 1.02 * stddev_pop(c.a1) AS like_the_mean
  FROM coins c,
       LATERAL (SELECT (ae_impute('coins', ROW(c.id, NULL, c.a2, c.a3, c.a4, c.a5, c.a6,
                                                c.coin)::coins)).a1) f(a1);
-- coin hidden in every row: filled with heads
SELECT count(*) FILTER (WHERE f.coin = 'heads') >= 380 AS heads
  FROM coins c,
       LATERAL (SELECT (ae_impute('coins', ROW(c.id, c.a1, c.a2, c.a3, c.a4, c.a5, c.a6,
                                                NULL)::coins)).coin) f(coin);
DELETE FROM ae_models WHERE name = 'coins';
DROP TABLE coins;
