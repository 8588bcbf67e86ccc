-- The demo: a review queue of anomalous tissue samples.
--
-- breastcancer holds 699 real cell samples (UCI Wisconsin), nine measurements
-- each on a 1–10 scale; 241 are malignant.  The autoencoder never sees the
-- class: it learns what typical samples look like, and the rows it
-- reconstructs worst go to the top of the queue.

\echo
\echo '== Loading the sample table (699 rows, 9 measurements and a class)'
CREATE EXTENSION ae;
CREATE TABLE breastcancer (
    id text, cl_thickness int, cell_size int, cell_shape int, marg_adhesion int,
    epith_c_size int, bare_nuclei int, bl_cromatin int, normal_nucleoli int, mitoses int,
    class text
);
\copy breastcancer FROM 'test/data/breastcancer.csv' WITH (FORMAT csv, HEADER true, NULL '')

\echo
\echo '== Training, with every option at its default (the class is left out)'
SELECT model, kind, rows, inputs, latent, epochs,
       round(train_loss::numeric, 4) AS train_loss, round(val_loss::numeric, 4) AS val_loss,
       round(seconds::numeric, 2) AS seconds
  FROM ae_train('cells', 'breastcancer', exclude => ARRAY['id', 'class']);

\echo
\echo '== The review queue: the 15 most anomalous samples'
SELECT id, round(ae_score(b)::numeric, 3) AS score, class,
       cl_thickness, cell_size, cell_shape, bare_nuclei, mitoses
  FROM breastcancer b
 ORDER BY ae_score(b) DESC
 LIMIT 15;

\echo
\echo '== How good is the queue? Malignant share at the top versus overall'
WITH ranked AS (
    SELECT class, row_number() OVER (ORDER BY ae_score(b) DESC) AS pos FROM breastcancer b
)
SELECT slice, malignant_pct FROM (
    SELECT n AS ord, 'top ' || n AS slice,
           round(100.0 * count(*) FILTER (WHERE class = 'malignant' AND pos <= n) / n, 1) AS malignant_pct
      FROM ranked, (VALUES (15), (50), (100), (241)) v(n)
     GROUP BY n
    UNION ALL
    SELECT 1000, 'all rows', round(100.0 * count(*) FILTER (WHERE class = 'malignant') / count(*), 1)
      FROM breastcancer
) q ORDER BY ord;

\echo
\echo '== A row, its reconstruction and its embedding'
SELECT 'actual' AS row, cl_thickness, cell_size, cell_shape, marg_adhesion, bare_nuclei, mitoses
  FROM breastcancer WHERE id = '1017122'
UNION ALL
SELECT 'reconstructed', r.cl_thickness, r.cell_size, r.cell_shape, r.marg_adhesion, r.bare_nuclei, r.mitoses
  FROM breastcancer b, ae_reconstruct(b) r WHERE b.id = '1017122';
SELECT id, ae_embed(b) AS embedding FROM breastcancer b WHERE id = '1017122';
