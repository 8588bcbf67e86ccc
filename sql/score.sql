-- Scoring, embedding and reconstructing; the three call forms agree.
\set VERBOSITY terse

SELECT model, rows FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class']);

-- malignant tumours are the anomalies: they must rank far above benign ones (ROC-AUC)
WITH s AS (SELECT class = 'malignant' AS pos, ae_score(b) AS score FROM breastcancer b),
     r AS (SELECT pos, rank() OVER (ORDER BY score) AS rk FROM s)
SELECT (sum(rk) FILTER (WHERE pos) - count(*) FILTER (WHERE pos) * (count(*) FILTER (WHERE pos) + 1) / 2.0)
       / (count(*) FILTER (WHERE pos) * count(*) FILTER (WHERE NOT pos)) > 0.9 AS auc_above_0_9
  FROM r;

-- the three forms give the same numbers
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ae_score(b) = ae_score('bc', b)) AS row_eq_name,
       count(*) FILTER (WHERE ae_score(b) = ae_score(m.model, b)) AS row_eq_bytea,
       count(*) FILTER (WHERE ae_embed(b) = ae_embed(m.model, b) AND ae_embed(b) = ae_embed('bc', b)) AS embed_eq,
       count(*) FILTER (WHERE ae_reconstruct(b) = ae_reconstruct(m.model, b)
                          AND ae_reconstruct(b) = ae_reconstruct('bc', b)) AS reconstruct_eq
  FROM breastcancer b, ae_models m WHERE m.name = 'bc';

-- scores are non-negative, and NULL only for a row with no modelled value
SELECT min(ae_score(b)) >= 0 AS non_negative, count(ae_score(b)) = count(*) AS none_null FROM breastcancer b;
SELECT ae_score('bc', ROW('x', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'benign')::breastcancer) AS all_null;

-- a row with a NULL is scored on its observed columns
SELECT ae_score('bc', b) IS NOT NULL AS scored FROM breastcancer b WHERE bare_nuclei IS NULL LIMIT 1;

-- embeddings are real[] of the latent width
SELECT array_length(ae_embed(b), 1) = (m.options->>'latent')::int AS latent_width,
       pg_typeof(ae_embed(b)) AS type
  FROM breastcancer b, ae_models m WHERE m.name = 'bc' LIMIT 1;

-- reconstruct returns the row's own type: integers stay integers, other columns untouched
SELECT pg_typeof(ae_reconstruct(b)) AS type,
       (ae_reconstruct(b)).id = b.id AS id_kept, (ae_reconstruct(b)).class = b.class AS class_kept,
       (ae_reconstruct(b)).cl_thickness BETWEEN 0 AND 12 AS in_range
  FROM breastcancer b LIMIT 1;
-- reconstruction is close on typical rows: mean absolute error per cell under 1.5 (values 1..10)
SELECT avg(abs((ae_reconstruct(b)).cell_size - b.cell_size)) < 1.5 AS close
  FROM breastcancer b WHERE class = 'benign';

-- columns are matched by name: a view with the columns in another order scores the same
CREATE VIEW bc_view AS SELECT class, mitoses, normal_nucleoli, bl_cromatin, bare_nuclei,
       epith_c_size, marg_adhesion, cell_shape, cell_size, cl_thickness, id FROM breastcancer;
SELECT round((SELECT sum(ae_score('bc', v)) FROM bc_view v)::numeric, 6)
     = round((SELECT sum(ae_score('bc', b)) FROM breastcancer b)::numeric, 6) AS view_matches;

-- a column of another numeric type is accepted (integer -> double precision here)
CREATE TABLE bc_float AS SELECT id, cl_thickness::float8 AS cl_thickness, cell_size, cell_shape,
       marg_adhesion, epith_c_size, bare_nuclei, bl_cromatin, normal_nucleoli, mitoses, class
  FROM breastcancer;
SELECT round((SELECT sum(ae_score('bc', f)) FROM bc_float f)::numeric, 6)
     = round((SELECT sum(ae_score('bc', b)) FROM breastcancer b)::numeric, 6) AS float_matches;

-- the review queue: top five by score are mostly malignant
SELECT count(*) FILTER (WHERE class = 'malignant') >= 4 AS top5_malignant
  FROM (SELECT class FROM breastcancer b ORDER BY ae_score(b) DESC LIMIT 5) q;

-- OpenBLAS is opened by the first product, not when ae loads: a new session
-- that scores, embeds and imputes rows never maps it; training does
\c -
SELECT count(ae_score('bc', b)) = count(*) AS scored, count(ae_embed('bc', b)) = count(*) AS embedded,
       count(ae_impute('bc', b)) = count(*) AS imputed
  FROM breastcancer b;
SELECT count(*) AS openblas_maps
  FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') l WHERE l LIKE '%libopenblas%';
SELECT rows FROM ae_train('bc_blas', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 1);
SELECT count(*) > 0 AS openblas_mapped
  FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') l WHERE l LIKE '%libopenblas%';
DELETE FROM ae_models WHERE name = 'bc_blas';

-- a superuser may name another cblas library (ae.blas_library): one that
-- cannot be opened, or has no cblas products, fails the training with a
-- clear ERROR, the session goes on scoring, and once the setting is reset
-- the built-in OpenBLAS is opened
\c -
\set VERBOSITY default
SET ae.blas_library = '/nonexistent/libcblas.so.3';
SELECT rows FROM ae_train('bc_blas', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 1);
SET ae.blas_library = 'libm.so.6';
SELECT rows FROM ae_train('bc_blas', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 1);
SELECT count(ae_score('bc', b)) = count(*) AS still_scores FROM breastcancer b;
RESET ae.blas_library;
SELECT rows FROM ae_train('bc_blas', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 1);
DELETE FROM ae_models WHERE name = 'bc_blas';
-- the setting loads code into the server: an ordinary role can set it
-- neither before ae is loaded (its placeholder is dropped with a WARNING
-- when ae loads, and training opens the built-in library) nor after
SELECT boot_val, context FROM pg_settings WHERE name = 'ae.blas_library';
CREATE ROLE regress_ae_blas;
GRANT SELECT ON breastcancer TO regress_ae_blas;
\c -
SET ROLE regress_ae_blas;
SET ae.blas_library = 'libm.so.6';
SELECT rows FROM ae_train('bc_blas', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 1);
SHOW ae.blas_library;
SET ae.blas_library = 'libm.so.6';
RESET ROLE;
DELETE FROM ae_models WHERE name = 'bc_blas';
REVOKE SELECT ON breastcancer FROM regress_ae_blas;
DROP ROLE regress_ae_blas;
\set VERBOSITY terse

-- retraining is seen by the next statement (the name cache is invalidated)
SELECT ae_score('bc', b) AS before FROM breastcancer b WHERE id = '1000025' \gset
SELECT rows FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class'], seed => 3);
SELECT ae_score('bc', b) <> :before AS changed FROM breastcancer b WHERE id = '1000025';
DELETE FROM ae_models WHERE name = 'bc';
SELECT ae_score('bc', b) FROM breastcancer b LIMIT 1;
