-- Autoencoder kinds: each trains and scores with its options validated;
-- variational and adversarial kinds generate rows, sample near a row and
-- interpolate.
\set VERBOSITY terse
\i test/data/load_digits.sql

-- every kind trains on the same table and ranks malignant samples first (ROC-AUC)
CREATE TABLE kind_auc (kind text, auc float8);
DO $$
DECLARE k text;
BEGIN
  FOREACH k IN ARRAY ARRAY['ae', 'denoising', 'sparse', 'contractive', 'vae', 'aae', 'transformer'] LOOP
    PERFORM ae_train('bc_' || k, 'breastcancer', kind => k, exclude => ARRAY['id', 'class']);
    INSERT INTO kind_auc
    WITH s AS (SELECT class = 'malignant' AS pos, ae_score('bc_' || k, b) AS score FROM breastcancer b),
         r AS (SELECT pos, rank() OVER (ORDER BY score) AS rk FROM s)
    SELECT k, (sum(rk) FILTER (WHERE pos) - count(*) FILTER (WHERE pos) * (count(*) FILTER (WHERE pos) + 1) / 2.0)
              / (count(*) FILTER (WHERE pos) * count(*) FILTER (WHERE NOT pos))
      FROM r;
  END LOOP;
END $$;
SELECT kind, auc > 0.9 AS auc_above_0_9 FROM kind_auc ORDER BY kind;

-- each kind's options, defaults resolved, are in the registry
SELECT name, options->>'kind' AS kind,
       options - ARRAY['mask', 'seed', 'epochs', 'hidden', 'latent', 'max_rows', 'grad_clip', 'val_share',
                       'activation', 'batch_size', 'weight_decay', 'learning_rate', 'kind'] AS kind_options
  FROM ae_models WHERE name LIKE 'bc\_%' ORDER BY name;

-- options are checked against the kind
SELECT * FROM ae_train('x', 'breastcancer', options => '{"noise": 0.1}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'sparse', options => '{"beta": 2}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'vae', options => '{"contractive": 1}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'cvae');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'vae', options => '{"condition": "class"}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'cvae', options => '{"condition": "nope"}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'sparse', options => '{"sparsity_target": 0}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'vae', options => '{"score": "best"}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'denoising', options => '{"noise": -1}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'vae', options => '{"adversarial": 1}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'aae', options => '{"adversarial": -1}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'aae', options => '{"discriminator": [64, 0]}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'aae', options => '{"discriminator": 64}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'aae', options => '{"discriminator_learning_rate": 0}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'aae', options => '{"score": "elbo"}');
SELECT * FROM ae_train('x', 'breastcancer', options => '{"depth": 2}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'transformer', options => '{"hidden": [8]}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'transformer', options => '{"mask": 0}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'transformer', options => '{"width": 30, "heads": 4}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'transformer', options => '{"heads": 0}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'transformer', options => '{"depth": 17}');
SELECT * FROM ae_train('x', 'breastcancer', kind => 'transformer', options => '{"score": "elbo"}');
SELECT * FROM ae_train('x', 'digits', kind => 'transformer',
                       options => '{"columns": ["p0", "p1"], "width": 1025}');
SELECT * FROM ae_train('x', 'digits', kind => 'transformer', exclude => ARRAY['digit'],
                       options => '{"depth": 16, "heads": 1024, "width": 1024}');

-- a vae's scores: the negative ELBO is the reconstruction plus a non-negative KL;
-- elbo_samples is deterministic per row
SELECT model FROM ae_train('bc_vae_rec', 'breastcancer', kind => 'vae', exclude => ARRAY['id', 'class'],
                           options => '{"score": "reconstruction"}');
SELECT model FROM ae_train('bc_vae_smp', 'breastcancer', kind => 'vae', exclude => ARRAY['id', 'class'],
                           options => '{"score": "elbo_samples"}');
SELECT bool_and(ae_score('bc_vae', b) >= ae_score('bc_vae_rec', b)) AS elbo_at_least_reconstruction,
       bool_and(ae_score('bc_vae_smp', b) = ae_score('bc_vae_smp', b)) AS samples_deterministic,
       count(*) FILTER (WHERE ae_score('bc_vae_smp', b) <> ae_score('bc_vae', b)) > 0 AS samples_differ
  FROM breastcancer b;
-- ae_explain of a vae: a (latent) row, and contributions summing to the score
SELECT bool_and(abs(s.total - ae_score('bc_vae', b)) < 1e-9) AS sums_to_score,
       bool_and(s.has_latent) AS has_latent_row
  FROM breastcancer b,
       LATERAL (SELECT sum(contribution) AS total, bool_or(column_name = '(latent)') AS has_latent
                  FROM ae_explain('bc_vae', b)) s;
-- the embedding of a vae is its latent mean
SELECT array_length(ae_embed('bc_vae', b), 1) AS latent FROM breastcancer b LIMIT 1;

-- digits: a vae over the pixels, a cvae conditioned on the digit
SELECT model, kind, rows, latent FROM ae_train('d_vae', 'digits', kind => 'vae',
                                               exclude => ARRAY['digit'], epochs => 20);
SELECT model, kind, rows, latent FROM ae_train('d_cvae', 'digits', kind => 'cvae', epochs => 20,
                                               options => '{"condition": "digit", "categorical": ["digit"]}');
SELECT c->>'name' AS name, c->>'condition' AS condition
  FROM ae_models, jsonb_array_elements(columns) c WHERE name = 'd_cvae' AND c ? 'condition';

-- generation: the row type, the count, pixels in range, NULL for unmodelled columns
SELECT pg_typeof(g) AS type, count(*) AS rows,
       bool_and(g.p36 BETWEEN 0 AND 16 AND g.p10 BETWEEN 0 AND 16) AS pixels_in_range,
       bool_and(g.id IS NULL AND g.digit IS NULL) AS unmodelled_null
  FROM ae_generate(NULL::digits, 'd_vae', 100) g GROUP BY 1;
-- deterministic for a seed, different for another
SELECT (SELECT array_agg(g.p36) FROM ae_generate(NULL::digits, 'd_vae', 20, seed => 5) g)
     = (SELECT array_agg(g.p36) FROM ae_generate(NULL::digits, 'd_vae', 20, seed => 5) g) AS same_seed_same_rows,
       (SELECT array_agg(g.p36) FROM ae_generate(NULL::digits, 'd_vae', 20, seed => 5) g)
    <> (SELECT array_agg(g.p36) FROM ae_generate(NULL::digits, 'd_vae', 20, seed => 6) g) AS other_seed_differs;
-- a cvae's generated rows carry their condition
SELECT digit, count(*) FROM ae_generate(NULL::digits, 'd_cvae', 10, condition => '7') GROUP BY digit;
-- sampling near a row: n rows, the row's condition, deterministic
SELECT count(*) AS rows, bool_and(s.digit = t.digit) AS keeps_condition
  FROM digits t, LATERAL ae_sample_near(t, 'd_cvae', 5, 0.5) s WHERE t.id = 1 GROUP BY t.id;
SELECT (SELECT array_agg(s.p20) FROM digits t, ae_sample_near(t, 'd_vae', 5, 0.5, 3) s WHERE t.id = 1)
     = (SELECT array_agg(s.p20) FROM digits t, ae_sample_near(t, 'd_vae', 5, 0.5, 3) s WHERE t.id = 1) AS deterministic;
-- radius 0 gives the row's own reconstruction
SELECT bool_and(s.p20 = (ae_reconstruct('d_vae', t)).p20 AND s.p36 = (ae_reconstruct('d_vae', t)).p36)
       AS radius_0_is_reconstruction
  FROM digits t, ae_sample_near(t, 'd_vae', 2, 0) s WHERE t.id < 20;
-- interpolation: steps rows; its ends are the two rows' reconstructions
SELECT count(*) AS rows,
       bool_and(i.p36 IS NOT NULL) AS decoded,
       bool_and(i.ordinality > 1 OR (i.p20 = (ae_reconstruct('d_vae', a)).p20
                                     AND i.p36 = (ae_reconstruct('d_vae', a)).p36)) AS starts_at_a,
       bool_and(i.ordinality < 8 OR (i.p20 = (ae_reconstruct('d_vae', b)).p20
                                     AND i.p36 = (ae_reconstruct('d_vae', b)).p36)) AS ends_at_b
  FROM digits a, digits b, LATERAL ae_interpolate(a, b, 8, 'd_vae') WITH ORDINALITY i
 WHERE a.id = 1 AND b.id = 2;

-- an aae: the discriminator pulls the codes toward N(0, I), where a plain ae's spread freely
SELECT model, kind, rows, latent FROM ae_train('d_aae', 'digits', kind => 'aae',
                                               exclude => ARRAY['digit'], epochs => 20);
SELECT model, kind, rows, latent FROM ae_train('d_ae', 'digits', exclude => ARRAY['digit'], epochs => 20);
SELECT m, avg(abs(mean)) < 0.25 AS means_near_0, avg(abs(ln(sd))) < 0.4 AS sds_near_1
  FROM (SELECT m, j, avg(e[j]) AS mean, stddev(e[j]) AS sd
          FROM (SELECT m, ae_embed(m, d) AS e FROM digits d, unnest(ARRAY['d_aae', 'd_ae']) m) s,
               generate_series(1, 16) j
         GROUP BY m, j) u
 GROUP BY m ORDER BY m;
-- it generates, samples near a row and interpolates as a vae does
SELECT count(*) AS rows, bool_and(g.p36 BETWEEN 0 AND 16) AS pixels_in_range,
       bool_and(g.digit IS NULL) AS unmodelled_null
  FROM ae_generate(NULL::digits, 'd_aae', 50, seed => 3) g;
SELECT bool_and(s.p20 = (ae_reconstruct('d_aae', t)).p20) AS radius_0_is_reconstruction
  FROM digits t, ae_sample_near(t, 'd_aae', 2, 0) s WHERE t.id < 10;
SELECT count(*) AS rows FROM digits a, digits b, LATERAL ae_interpolate(a, b, 5, 'd_aae') i
 WHERE a.id = 1 AND b.id = 2;
SELECT ae_info(model)->'options' @> '{"adversarial": 0.3, "discriminator": [64, 64]}' AS options_shown
  FROM ae_models WHERE name = 'd_aae';

-- a transformer: every column a token; it fills hidden cells far better than the
-- column means, its held-out predictions are what reconstruct shows, explain's
-- shares sum to the score, and it cannot generate
SELECT model, kind, rows, latent FROM ae_train('bc_tf', 'breastcancer', kind => 'transformer',
                                               exclude => ARRAY['id', 'class'], epochs => 30);
SELECT ae_info(model)->'options' @> '{"depth": 2, "heads": 4, "width": 32, "mask": 0.5}' AS options_shown,
       ae_info(model)->>'format_version' AS format_version
  FROM ae_models WHERE name = 'bc_tf';
WITH f AS (SELECT cell_shape AS truth, avg(cell_shape) OVER () AS mean,
                  (ae_impute('bc_tf', ROW(id, cl_thickness, cell_size, NULL, marg_adhesion, epith_c_size,
                                          bare_nuclei, bl_cromatin, normal_nucleoli, mitoses,
                                          class)::breastcancer)).cell_shape AS fill
             FROM breastcancer)
SELECT count(*) AS hidden,
       sqrt(avg((fill - truth) ^ 2)) < 0.7 * sqrt(avg((mean - truth) ^ 2)) AS beats_the_mean_by_30pct
  FROM f;
-- reconstruct shows each cell as predicted with that cell hidden: a cell's own
-- value does not move it, the others do
WITH r AS (SELECT (ae_reconstruct('bc_tf', ROW(id, cl_thickness, cell_size, 1, marg_adhesion, epith_c_size,
                                                bare_nuclei, bl_cromatin, normal_nucleoli, mitoses,
                                                class)::breastcancer)).cell_shape AS low,
                  (ae_reconstruct('bc_tf', ROW(id, cl_thickness, cell_size, 10, marg_adhesion, epith_c_size,
                                                bare_nuclei, bl_cromatin, normal_nucleoli, mitoses,
                                                class)::breastcancer)).cell_shape AS high
             FROM breastcancer)
SELECT bool_and(low = high) AS own_value_ignored, count(DISTINCT low) > 3 AS others_move_it FROM r;
SELECT bool_and(abs(s.total - ae_score('bc_tf', b)) < 1e-9) AS explain_sums_to_score,
       bool_and(array_length(ae_embed('bc_tf', b), 1) = 3) AS embeds_in_latent
  FROM (SELECT * FROM breastcancer LIMIT 20) b,
       LATERAL (SELECT sum(contribution) AS total FROM ae_explain('bc_tf', b)) s;
-- its recorded options train it again, to the same model
SELECT kind, epochs FROM ae_train('bc_tf_again', 'breastcancer', exclude => ARRAY['id', 'class'],
                                  options => (SELECT options FROM ae_models WHERE name = 'bc_tf'));
SELECT bool_and(ae_score('bc_tf', b) = ae_score('bc_tf_again', b)) AS same_scores FROM breastcancer b;
SELECT * FROM ae_generate(NULL::breastcancer, 'bc_tf', 3);
SELECT * FROM breastcancer t, ae_sample_near(t, 'bc_tf', 3, 0.5) LIMIT 1;

-- generation needs a variational or adversarial model, a cvae needs its condition
SELECT * FROM ae_generate(NULL::breastcancer, 'bc_ae', 3);
SELECT * FROM ae_generate(NULL::digits, 'd_cvae', 3);
SELECT * FROM ae_generate(NULL::digits, 'd_vae', 3, condition => '1');
SELECT * FROM ae_generate(NULL::digits, 'd_cvae', 3, condition => '11');
SELECT * FROM ae_generate(NULL::digits, 'd_vae', -1);
SELECT * FROM ae_generate(NULL::digits, 'no_model', 3);
SELECT * FROM ae_generate(1, 'd_vae', 3);
SELECT * FROM digits t, ae_sample_near(t, 'd_vae', 3, -1) WHERE t.id = 1;
SELECT * FROM digits t, ae_interpolate(t, t, 1, 'd_vae') WHERE t.id = 1;
SELECT * FROM breastcancer t, ae_sample_near(t, 'bc_ae', 3, 0.5) LIMIT 1;
