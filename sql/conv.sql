-- The conv kind: an image in a 2-D (or channels-first 3-D) array column, or
-- a flat one read in the shape option's shape, through convolutions; every
-- function works on it as on the other kinds.
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
-- what the kind takes: one 2-D or 3-D array column
SELECT * FROM ae_train('bad', 'bars', kind => 'conv');
CREATE TABLE flat AS SELECT ARRAY[1, 2, 3]::real[] AS v FROM generate_series(1, 10);
SELECT * FROM ae_train('bad', 'flat', kind => 'conv');
DROP TABLE flat;
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
DELETE FROM ae_models WHERE name IN ('bars', 'rgb', 'flat_bars');
DROP TABLE bars, rgb, flat_bars;
