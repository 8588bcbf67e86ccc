-- The conv kind: an image in a 2-D (or channels-first 3-D) array column, a
-- flat one read in the shape option's shape, or a 1-D signal, through
-- convolutions; every function works on it as on the other kinds.
SET client_min_messages = warning;
-- 600 8x8 images: a bright bar at a random row or column, on a dim background
SELECT setseed(0.5);
CREATE TABLE bars AS
SELECT i AS id, (i % 2 = 0) AS horizontal, pos,
       ARRAY(SELECT ARRAY(SELECT CASE WHEN (i % 2 = 0 AND r = pos) OR (i % 2 = 1 AND c = pos)
                                      THEN 10 + random() ELSE random() END
                            FROM generate_series(1, 8) c)
               FROM generate_series(1, 8) r)::real[] AS img
  FROM (SELECT i, 1 + (i * 7) % 8 AS pos FROM generate_series(1, 600) i) s;
-- one image with a bar that is both: a cross
INSERT INTO bars
SELECT 601, true, 4, ARRAY(SELECT ARRAY(SELECT CASE WHEN r = 4 OR c = 4 THEN 10 ELSE 0.5 END
                                          FROM generate_series(1, 8) c)
                             FROM generate_series(1, 8) r)::real[];
SELECT model, kind, rows, inputs, latent
  FROM ae_train('bars', 'bars', kind => 'conv', columns => ARRAY['img'], options => '{"epochs": 40}');
SELECT ae_info(model)->'options'->'hidden' AS hidden,
       jsonb_array_length(ae_info(model)->'columns') AS pixels,
       ae_info(model)->'columns'->0->'shape' AS shape
  FROM ae_models WHERE name = 'bars';
-- the cross ranks first
SELECT id FROM bars b ORDER BY ae_score('bars', b) DESC LIMIT 1;
-- reconstructions keep the shape and find the bar
SELECT array_dims(r.img) AS dims,
       (SELECT avg(v) FROM unnest(r.img[b.pos:b.pos][1:8]) v) > 5 AS bar_found
  FROM bars b, LATERAL (SELECT (ae_reconstruct('bars', b)).*) r
 WHERE b.id = 10;
-- inpainting: a 3x3 block hidden over the bar is filled bright where the bar runs
SELECT f.img[b.pos][3] > 5 AS bar_filled, f.img[b.pos + 2][3] < 5 AS background_filled,
       f.img[1:8][6:8] = b.img[1:8][6:8] AS rest_kept
  FROM bars b,
       LATERAL (SELECT (ae_impute('bars', ROW(b.id, b.horizontal, b.pos, (
           SELECT array_agg(rw ORDER BY r) FROM (
             SELECT r, ARRAY(SELECT CASE WHEN r BETWEEN b.pos - 1 AND b.pos + 1 AND c BETWEEN 2 AND 4
                                         THEN NULL ELSE b.img[r][c] END
                               FROM generate_series(1, 8) c) AS rw
               FROM generate_series(1, 8) r) s))::bars)).*) f
 WHERE b.id = 20;
SELECT array_length(ae_embed('bars', b), 1) AS latent FROM bars b WHERE id = 3;
SELECT column_name ~ '^img\[[0-9]\]\[[0-9]\]$' AS pixel_named
  FROM ae_explain('bars', (SELECT b FROM bars b WHERE id = 601)) WHERE column_name <> '(latent)' LIMIT 1;
-- another image size is an error that names the column
SELECT ae_score('bars', ROW(1, true, 1, array_fill(0::real, ARRAY[4, 4]))::bars);
-- what the kind takes: one array column
SELECT * FROM ae_train('bad', 'bars', kind => 'conv');
CREATE TABLE two AS SELECT ARRAY[1, 2, 3]::real[] AS u, ARRAY[1, 2, 3]::real[] AS v FROM generate_series(1, 10);
SELECT * FROM ae_train('bad', 'two', kind => 'conv');
DROP TABLE two;
-- a 1-D signal: 400 waves of 32 readings at random phases, and one with a step
SELECT setseed(0.25);
CREATE TABLE waves AS
SELECT i AS id, ARRAY(SELECT 5 * sin(t / 3.0 + ph) + random() * 0.2 FROM generate_series(1, 32) t)::real[] AS w
  FROM (SELECT i, random() * 6.28 AS ph FROM generate_series(1, 400) i) s;
INSERT INTO waves
SELECT 401, ARRAY(SELECT CASE WHEN t > 16 THEN 12 ELSE 5 * sin(t / 3.0) END FROM generate_series(1, 32) t)::real[];
SELECT count(*) FROM ae_train('waves', 'waves', kind => 'conv', columns => ARRAY['w'],
                              options => '{"epochs": 60}');
SELECT ae_info(model)->'options'->'shape' AS shape, ae_info(model)->'options'->'kernel' AS kernel
  FROM ae_models WHERE name = 'waves';
SELECT id FROM waves v ORDER BY ae_score('waves', v) DESC LIMIT 1;
SELECT array_dims((ae_reconstruct('waves', v)).w) FROM waves v WHERE id = 1;
-- a gap of 4 readings is filled close to the hidden ones: the wave's amplitude is 5
SELECT avg(err) < 1 AS near_wave
  FROM (SELECT max(abs(f.w[t] - v.w[t])) AS err
          FROM waves v, generate_series(13, 16) t,
               LATERAL (SELECT (ae_impute('waves', ROW(v.id, (
                   SELECT array_agg(CASE WHEN i BETWEEN 13 AND 16 THEN NULL ELSE v.w[i] END ORDER BY i)
                     FROM generate_series(1, 32) i))::waves)).*) f
         WHERE v.id <= 12
         GROUP BY v.id) e;
-- channels first: a 2x4x4 image (two channels) keeps its shape
CREATE TABLE rgb AS
SELECT i AS id, ARRAY[array_fill((i % 5)::real, ARRAY[4, 4]), array_fill((i % 3)::real, ARRAY[4, 4])] AS px
  FROM generate_series(1, 200) i;
SELECT count(*) FROM ae_train('rgb', 'rgb', kind => 'conv', columns => ARRAY['px'],
                              options => '{"epochs": 5}');
SELECT array_dims((ae_reconstruct('rgb', r)).px) FROM rgb r WHERE id = 1;
-- a flat array read as an image with the shape option: the array keeps its own shape
CREATE TABLE flat_bars AS SELECT id, ARRAY(SELECT unnest(img)) AS px FROM bars;
SELECT count(*) FROM ae_train('flat_bars', 'flat_bars', kind => 'conv', columns => ARRAY['px'],
                              options => '{"shape": [8, 8], "epochs": 40}');
SELECT ae_info(model)->'options'->'shape' AS shape FROM ae_models WHERE name = 'flat_bars';
SELECT id FROM flat_bars b ORDER BY ae_score('flat_bars', b) DESC LIMIT 1;
SELECT array_dims((ae_reconstruct('flat_bars', b)).px) FROM flat_bars b WHERE id = 1;
SELECT * FROM ae_train('bad', 'flat_bars', kind => 'conv', columns => ARRAY['px'],
                       options => '{"shape": [8, 9]}');
SELECT * FROM ae_train('bad', 'flat_bars', columns => ARRAY['px'], options => '{"shape": [8, 8]}');
DELETE FROM ae_models WHERE name IN ('bars', 'rgb', 'flat_bars', 'waves');
DROP TABLE bars, rgb, flat_bars, waves;
