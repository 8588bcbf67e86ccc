-- Pictures: ae_plot draws the latent codes of its rows as an SVG document,
-- ae_plot_loss a model's training curve.  Checked as XML: well-formed, one
-- circle per row (at most 10,000), the legend's labels and counts, every
-- label escaped; the loss curve one polyline point per epoch.
\set VERBOSITY terse

SELECT model FROM ae_train('plot3', 'breastcancer', exclude => ARRAY['id', 'class'], latent => 3, epochs => 10);
SELECT model FROM ae_train('plot2', 'breastcancer', exclude => ARRAY['id', 'class'], latent => 2, epochs => 10);
SELECT model FROM ae_train('plot1', 'breastcancer', exclude => ARRAY['id', 'class'], latent => 1, epochs => 10);

-- xpath over an SVG document: its elements are in the SVG namespace
CREATE FUNCTION svg_count(doc text, path text) RETURNS int LANGUAGE sql AS $$
    SELECT (xpath('count(' || path || ')', doc::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text::int
$$;
CREATE FUNCTION svg_texts(doc text, path text) RETURNS text[] LANGUAGE sql AS $$
    SELECT xpath(path, doc::xml, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])::text[]
$$;

CREATE TABLE pictures AS
SELECT 'latent2' AS name, ae_plot('plot2', b, b.class) AS svg FROM breastcancer b
UNION ALL SELECT 'latent3', ae_plot('plot3', b, b.class) FROM breastcancer b
UNION ALL SELECT 'latent1', ae_plot('plot1', b, b.class) FROM breastcancer b;

-- standalone, well-formed SVG with its size; one circle per row
SELECT name, xml_is_well_formed_document(svg) AS well_formed,
       svg_count(svg, '/s:svg[@width and @height and @viewBox]') AS sized_root,
       svg_count(svg, '//s:circle') AS points, (SELECT count(*) FROM breastcancer) AS rows,
       length(svg) < 100000 AS small
  FROM pictures ORDER BY name;

-- the legend: labels by count, with their counts; axis titles by the latent's width
SELECT name, svg_texts(svg, '//s:g[@class="legend"]/s:text/text()') AS legend,
       svg_texts(svg, '//s:text[@class="xtitle"]/text()') AS x,
       svg_texts(svg, '//s:text[@class="ytitle"]/text()') AS y
  FROM pictures WHERE name IN ('latent1', 'latent2') ORDER BY name;
SELECT (svg_texts(svg, '//s:text[@class="xtitle"]/text()'))[1] ~ '^PC 1 \([0-9.]+% of variance\)$' AS pc1,
       (svg_texts(svg, '//s:text[@class="ytitle"]/text()'))[1] ~ '^PC 2 \([0-9.]+% of variance\)$' AS pc2,
       svg_texts(svg, '//s:text[@class="title"]/text()') AS title,
       svg_texts(svg, '//s:text[@class="caption"]/text()') AS caption
  FROM pictures WHERE name = 'latent3';
-- the two shares of variance: the first the larger, together at most 100%
SELECT s[1]::numeric >= s[2]::numeric AS ordered, s[1]::numeric + s[2]::numeric <= 100.05 AS at_most_all
  FROM (SELECT ARRAY[substring((svg_texts(svg, '//s:text[@class="xtitle"]/text()'))[1] FROM '\(([0-9.]+)%'),
                     substring((svg_texts(svg, '//s:text[@class="ytitle"]/text()'))[1] FROM '\(([0-9.]+)%')] AS s
          FROM pictures WHERE name = 'latent3') p;

-- a latent of 2 is drawn as it is: the points' order along x is the order of ae_embed's first value
WITH pts AS (SELECT unnest(svg_texts(svg, '//s:g[@class="points"]/s:circle/@cx'))::float8 AS cx
               FROM pictures WHERE name = 'latent2')
SELECT (SELECT min(cx) FROM pts) < (SELECT max(cx) FROM pts) AS spread;

-- the three forms draw the same points; the same rows give the same picture
SELECT svg_texts(ae_plot(b, b.class), '//s:circle/@cx') = svg_texts(ae_plot('plot1', b, b.class), '//s:circle/@cx') AS row_eq_name,
       svg_texts(ae_plot(m.model, b, b.class), '//s:circle/@cy') = svg_texts(ae_plot('plot1', b, b.class), '//s:circle/@cy') AS bytea_eq_name
  FROM breastcancer b, ae_models m WHERE m.name = 'plot1';
SELECT (SELECT ae_plot('plot3', b, b.class) FROM breastcancer b) = svg AS deterministic
  FROM pictures WHERE name = 'latent3';

-- more rows than the cap: 10,000 points, a uniform sample, said in the caption; counts of every row
CREATE TABLE bc_many AS SELECT b.* FROM breastcancer b, generate_series(1, 16);
SELECT svg_count(p, '//s:circle') AS points,
       svg_texts(p, '//s:text[@class="caption"]/text()') AS caption,
       svg_texts(p, '//s:g[@class="legend"]/s:text/text()') AS legend
  FROM (SELECT ae_plot('plot2', b, b.class) AS p FROM bc_many b) q;

-- hostile labels stay text: the document is well-formed, nothing of them is markup
CREATE TABLE hostile AS
SELECT b.*, (ARRAY['<script>alert(1)</script>', ']]>', 'a"b''c&d', E'ctl\x01\x02\x1f tab\tnl\n', NULL, 'NULL',
                   '<!DOCTYPE x [<!ENTITY e "x">]>&e;'])[1 + (row_number() OVER (ORDER BY b.id, b.cl_thickness))::int % 7] AS tag
  FROM breastcancer b;
SELECT xml_is_well_formed_document(p) AS well_formed, svg_count(p, '//s:circle') AS points,
       svg_count(p, '//*[local-name() = "script"]') AS scripts,
       strpos(p, E'\x01') = 0 AND strpos(p, E'\x1f') = 0 AS no_control_characters,
       strpos(p, '<script') = 0 AND strpos(p, ']]>') = 0 AND strpos(p, '<!') = 0 AS no_markup
  FROM (SELECT ae_plot('plot2', h, h.tag) AS p FROM hostile h) q;
-- each label in the legend as given (control characters replaced), NULL in italics
SELECT replace(t, U&'\FFFD', '?') AS entry
  FROM (SELECT unnest(svg_texts(ae_plot('plot2', h, h.tag), '//s:g[@class="legend"]/s:text/text()')) AS t
          FROM hostile h) q;
SELECT svg_texts(ae_plot('plot2', h, h.tag), '//s:g[@class="legend"]/s:text[@font-style="italic"]/text()') AS null_label
  FROM hostile h;

-- many labels: nine of them coloured, the rest in one entry
SELECT svg_count(p, '//s:g[@class="legend"]/s:rect') AS entries,
       (svg_texts(p, '//s:g[@class="legend"]/s:text/text()'))[2:3] AS commonest,
       (svg_texts(p, '//s:g[@class="legend"]/s:text/text()'))[11] AS other,
       svg_count(p, '//s:circle') AS points
  FROM (SELECT ae_plot('plot2', b, b.cl_thickness || '/' || b.class) AS p FROM breastcancer b) q;

-- no rows, or only NULL rows: no picture
SELECT ae_plot('plot2', b, b.class) IS NULL AS no_rows FROM breastcancer b WHERE false;
SELECT ae_plot('plot2', NULL::breastcancer, 'x') IS NULL AS null_rows FROM generate_series(1, 3);
SELECT ae_plot(NULL::text, b, b.class) IS NULL AS null_model FROM breastcancer b;
-- a NULL row among others is skipped, as ae_embed gives it no code
SELECT svg_count(ae_plot('plot2', CASE WHEN b.cl_thickness > 5 THEN b END, b.class), '//s:circle')
       = (SELECT count(*) FROM breastcancer WHERE cl_thickness > 5) AS null_rows_skipped
  FROM breastcancer b;

-- in a parallel plan the aggregate runs above the workers' scan and draws the same points
CREATE TABLE bc_par AS SELECT b.* FROM breastcancer b, generate_series(1, 8);
ANALYZE bc_par;
CREATE FUNCTION svg_points(doc text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(p ORDER BY p) FROM unnest(svg_texts(doc, '//s:circle/@cx')) WITH ORDINALITY x(cx, i)
      JOIN unnest(svg_texts(doc, '//s:circle/@cy')) WITH ORDINALITY y(cy, j) ON i = j, LATERAL (SELECT cx || ',' || cy) q(p)
$$;
CREATE TABLE serial_points AS SELECT svg_points(ae_plot('plot2', b, b.class)) AS pts FROM bc_par b;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT ae_plot('plot2', b, b.class) FROM bc_par b;
SELECT svg_points(ae_plot('plot2', b, b.class)) = (SELECT pts FROM serial_points) AS same_points,
       cardinality(svg_points(ae_plot('plot2', b, b.class))) AS points
  FROM bc_par b;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- errors: not a row; rows of two models; as a window function
SELECT ae_plot('plot2', 1, 'x');
SELECT ae_plot(m.model, b, b.class) FROM breastcancer b, ae_models m WHERE m.name IN ('plot1', 'plot2');
SELECT ae_plot('plot2', b, b.class) OVER () FROM breastcancer b LIMIT 1;
SELECT ae_plot('no_such_model', b, b.class) FROM breastcancer b;

-- the loss curve: one point per epoch run for each series, the kept epoch marked
CREATE TABLE curves AS
SELECT name, ae_plot_loss(name) AS by_name, ae_plot_loss(model) AS by_bytes,
       (ae_info(model)->'metrics'->>'epochs_run')::int AS epochs,
       (ae_info(model)->'metrics'->>'best_epoch')::int AS best
  FROM ae_models WHERE name IN ('plot1', 'plot2');
SELECT name, xml_is_well_formed_document(by_name) AS well_formed,
       array_length(regexp_split_to_array((svg_texts(by_name, '//s:polyline[@class="train"]/@points'))[1], ' '), 1) = epochs AS train_points,
       array_length(regexp_split_to_array((svg_texts(by_name, '//s:polyline[@class="validation"]/@points'))[1], ' '), 1) = epochs AS val_points,
       svg_count(by_name, '//s:circle[@class="best"]') AS best_marker,
       svg_texts(by_name, '//s:g[@class="legend"]/s:text/text()') = ARRAY['train loss', 'validation loss', 'kept: epoch ' || best] AS legend,
       svg_texts(by_name, '//s:text[@class="xtitle"]/text()') AS x,
       (svg_texts(by_name, '//s:text[@class="ytitle"]/text()'))[1] LIKE 'loss%' AS y,
       svg_texts(by_name, '//s:polyline/@points') = svg_texts(by_bytes, '//s:polyline/@points') AS forms_agree
  FROM curves ORDER BY name;
-- the kept epoch's marker sits on the validation curve at that epoch
SELECT name, (regexp_split_to_array((svg_texts(by_name, '//s:polyline[@class="validation"]/@points'))[1], ' '))[best]
           = (svg_texts(by_name, '//s:circle[@class="best"]/@cx'))[1] || ',' || (svg_texts(by_name, '//s:circle[@class="best"]/@cy'))[1] AS marker_on_curve
  FROM curves ORDER BY name;
SELECT ae_plot_loss(NULL::text) IS NULL AS strict;
SELECT ae_plot_loss('no_such_model');
SELECT ae_plot_loss('\x00'::bytea);
