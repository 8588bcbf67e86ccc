-- Array columns: an array of numbers is one numeric column per element, in
-- every function; shapes are kept, NULL elements are missing values, and a
-- row whose array has another shape is a clear error naming the column.
SET client_min_messages = warning;
-- 1500 windows of 12 readings of a wave, with the hour as a column of its own
CREATE TABLE waves AS
SELECT i AS id, i % 24 AS hour,
       ARRAY(SELECT sin((i + k) / 5.0) + 0.02 * cos(k * i) FROM generate_series(1, 12) k)::real[]
           AS recent
  FROM generate_series(1, 1500) i;
UPDATE waves SET recent[3] = NULL WHERE id % 50 = 0;
SELECT count(*) FROM ae_train('waves', 'waves', exclude => ARRAY['id']);
-- one column for the hour, one per element
SELECT count(*) AS columns,
       count(*) FILTER (WHERE c->>'name' = 'recent') AS elements,
       min((c->'shape')::text) AS shape,
       bool_and(c->>'name' <> 'recent' OR (c->'element'->>0)::int BETWEEN 1 AND 12) AS places
  FROM ae_models m, jsonb_array_elements(ae_info(m.model)->'columns') c
 WHERE m.name = 'waves';
-- the NULL element is filled from its neighbours, the others kept; the shape is the same
SELECT w.recent[3] IS NULL AS was_null, i.recent[3] IS NOT NULL AS filled,
       abs(i.recent[3] - (sin((w.id + 3) / 5.0))) < 0.15 AS near_the_wave,
       i.recent[1:2] = w.recent[1:2] AND i.recent[4:12] = w.recent[4:12] AS others_kept,
       array_dims(i.recent) AS dims
  FROM waves w, LATERAL (SELECT (ae_impute('waves', w)).*) i
 WHERE w.id = 100;
-- reconstruction: an array of the same shape, close to the row's
SELECT array_dims(r.recent) AS dims,
       sqrt((SELECT avg((a - b) ^ 2) FROM unnest(r.recent, w.recent) u(a, b))) < 0.2 AS close
  FROM waves w, LATERAL (SELECT (ae_reconstruct('waves', w)).*) r
 WHERE w.id = 101;
-- explain names elements; the contributions still sum to the score
SELECT bool_or(column_name ~ '^recent\[[0-9]+\]$') AS elements_named,
       abs(sum(contribution) - ae_score('waves', w)) < 1e-9 AS sums_to_score
  FROM waves w, LATERAL ae_explain('waves', w) e
 WHERE w.id = 7
 GROUP BY w.*;
-- a break in the wave ranks first
INSERT INTO waves
SELECT 2000, 3, ARRAY(SELECT CASE WHEN k = 6 THEN 3 ELSE sin((2000 + k) / 5.0) END
                        FROM generate_series(1, 12) k)::real[];
SELECT id FROM waves w ORDER BY ae_score('waves', w) DESC LIMIT 1;
SELECT array_length(ae_embed('waves', w), 1) AS latent FROM waves w WHERE id = 3;
-- a NULL or empty array: every element missing, all filled
SELECT array_dims((ae_impute('waves', ROW(1, 5, NULL)::waves)).recent) AS from_null,
       array_dims((ae_impute('waves', ROW(1, 5, '{}')::waves)).recent) AS from_empty,
       ae_score('waves', ROW(1, 5, NULL)::waves) IS NOT NULL AS scored;
-- another shape is an error that names the column
SELECT ae_score('waves', ROW(1, 2, ARRAY[1, 2, 3]::real[])::waves);
SELECT ae_impute('waves', ROW(1, 2, ARRAY[[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]::real[])::waves);
-- the array's lower bound is kept
SELECT array_dims((ae_impute('waves', ROW(1, 2, '[0:11]={1,2,NULL,4,5,6,7,8,9,10,11,12}'::real[])::waves)).recent);
-- training rows must agree on the shape
CREATE TABLE ragged (a float8[]);
INSERT INTO ragged SELECT ARRAY[i, i + 1, i + 2] FROM generate_series(1, 50) i;
INSERT INTO ragged VALUES (ARRAY[1, 2]);
SELECT * FROM ae_train('ragged', 'ragged');
DROP TABLE ragged;
-- arrays cannot be categorical, nor a cvae's condition
SELECT * FROM ae_train('bad', 'waves', exclude => ARRAY['id'],
                       options => '{"categorical": ["recent"]}');
SELECT * FROM ae_train('bad', 'waves', kind => 'cvae', exclude => ARRAY['id'],
                       options => '{"condition": "recent"}');
-- in a parallel plan the workers' samples carry the arrays to the leader
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SELECT (ae_info(m)->'metrics'->>'rows')::int AS rows,
       (SELECT count(*) FROM jsonb_array_elements(ae_info(m)->'columns') c
         WHERE c->>'name' = 'recent') AS elements
  FROM (SELECT ae_fit(w, '{"exclude": ["id"], "epochs": 2}') AS m FROM waves w) f;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DELETE FROM ae_models WHERE name = 'waves';
DROP TABLE waves;

-- 8x8 images as int[] with a shape: integers back, the shape kept
CREATE TABLE images AS
SELECT i AS id,
       ARRAY(SELECT ARRAY(SELECT ((r + c + i) % 4) * 4 FROM generate_series(1, 8) c)
               FROM generate_series(1, 8) r) AS pixels
  FROM generate_series(1, 400) i;
SELECT count(*) FROM ae_train('images', 'images', exclude => ARRAY['id']);
SELECT array_dims(r.pixels) AS dims, pg_typeof(r.pixels) AS type,
       (SELECT count(*) FROM unnest(r.pixels) p WHERE p % 1 <> 0) AS fractions
  FROM images i, LATERAL (SELECT (ae_reconstruct('images', i)).*) r
 WHERE i.id = 9;
-- a masked 2x2 block filled in (inpainting): values of the int type, in range
SELECT array_dims(f.pixels) AS dims,
       (SELECT bool_and(p BETWEEN 0 AND 12) FROM unnest(f.pixels) p) AS in_range,
       f.pixels[1][3:8] = i.pixels[1][3:8] AS unmasked_kept
  FROM images i,
       LATERAL (SELECT (ae_impute('images', ROW(i.id, (
           SELECT array_agg(row_agg ORDER BY r) FROM (
             SELECT r, ARRAY(SELECT CASE WHEN r <= 2 AND c <= 2 THEN NULL ELSE i.pixels[r][c] END
                               FROM generate_series(1, 8) c) AS row_agg
               FROM generate_series(1, 8) r) s))::images)).*) f
 WHERE i.id = 10;
-- a vae generates arrays of the shape
SELECT count(*) FROM ae_train('images_vae', 'images', kind => 'vae', exclude => ARRAY['id']);
SELECT array_dims(pixels) AS dims FROM ae_generate(NULL::images, 'images_vae', 3);
DELETE FROM ae_models WHERE name IN ('images', 'images_vae');
DROP TABLE images;

-- numeric(6,2)[]: the typmod applies to decoded elements
CREATE TABLE prices AS
SELECT i AS id, ARRAY[i * 1.25, i * 2.5, i * 3.75]::numeric(6,2)[] AS p
  FROM generate_series(1, 200) i;
SELECT count(*) FROM ae_train('prices', 'prices', exclude => ARRAY['id']);
SELECT (SELECT bool_and(scale(x) <= 2) FROM unnest(r.p) x) AS two_places
  FROM prices t, LATERAL (SELECT (ae_reconstruct('prices', t)).*) r WHERE t.id = 20;
DELETE FROM ae_models WHERE name = 'prices';
DROP TABLE prices;
