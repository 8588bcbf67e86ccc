-- Every bad input gets a clear error; one case a line.
\set VERBOSITY default
CREATE TABLE empty_t (x float8, y float8);
CREATE TABLE odd_types (a jsonb, b point);
INSERT INTO odd_types VALUES ('{}', '(1,2)');
CREATE TABLE pima_text AS SELECT pregnant, glucose::text AS glucose, pressure, triceps, insulin, mass, pedigree, age FROM pima;
CREATE TABLE nulls_t (x float8, y float8);
INSERT INTO nulls_t VALUES (NULL, NULL), (NULL, NULL);
CREATE TABLE other_t (z float8);
INSERT INTO other_t VALUES (1);
SELECT model FROM ae_train('err_pima', 'pima', exclude => ARRAY['diabetes'], epochs => 2);

SELECT ae_score('no_such_model', p) FROM pima p LIMIT 1;
SELECT ae_score(o) FROM other_t o;
SELECT ae_score(ROW(1.0, 2.0)) ;
SELECT * FROM ae_train('e', 'empty_t');
SELECT * FROM ae_train('e', 'no_such_table');
SELECT * FROM ae_train('e', 'odd_types');
SELECT * FROM ae_train('e', 'nulls_t');
SELECT * FROM ae_train('e', 'pima', kind => 'gan');
SELECT * FROM ae_train('e', 'pima', options => '{"epoch": 5}');
SELECT * FROM ae_train('e', 'pima', options => '[1, 2]');
SELECT * FROM ae_train('e', 'pima', latent => 0);
SELECT * FROM ae_train('e', 'pima', epochs => -1);
SELECT * FROM ae_train('e', 'pima', learning_rate => 5);
SELECT * FROM ae_train('e', 'pima', hidden => ARRAY[8, 0]);
SELECT * FROM ae_train('e', 'pima', batch_size => 0);
SELECT * FROM ae_train('e', 'pima', options => '{"val_share": 0.9}');
SELECT * FROM ae_train('e', 'pima', options => '{"max_rows": 0}');
SELECT * FROM ae_train('e', 'pima', options => '{"activation": "swish"}');
SELECT * FROM ae_train('e', 'pima', hidden => ARRAY[16384, 16384], latent => 16384);
SELECT * FROM ae_train('e', 'pima', options => '{"columns": "glucose"}');
SELECT * FROM ae_train('e', 'pima', columns => ARRAY['glucose', 'nope']);
SELECT * FROM ae_train('e', 'odd_types', columns => ARRAY['a']);
SELECT * FROM ae_train('e', 'pima', exclude => ARRAY['nope']);
SELECT * FROM ae_train('', 'pima');
SELECT ae_score('err_pima', o) FROM other_t o;
SELECT ae_embed('err_pima', p) FROM pima_text p LIMIT 1;
SELECT ae_fit(1.5) FROM pima;
CREATE TABLE shadow (b bigint, c float8);
INSERT INTO shadow SELECT g, g / 2.0 FROM generate_series(1, 50) g;
SELECT model FROM ae_train('shadow', 'shadow', epochs => 2);
SELECT ae_score(b) FROM shadow b LIMIT 1;
SELECT ae_reconstruct('shadow', b) FROM shadow b LIMIT 1;
SELECT ae_score(b.*) IS NOT NULL AS star_works FROM shadow b LIMIT 1;
SELECT * FROM ae_sample_near(1, 'd_vae', 3, 0.5);
-- a value far outside training scores as a finite, large anomaly
SELECT ae_score('shadow', ROW(1, 1e300)::shadow) > 1e6 AS huge_but_finite;
CREATE TABLE huge (a float8, b float8);
INSERT INTO huge VALUES (1e300, 1), (-1e300, 2), (0, 3);
SELECT * FROM ae_train('huge', 'huge');
SELECT ae_fit_sample_finalfn(NULL);
SELECT ae_fit_sample_deserialfn('\x00'::bytea, NULL);
SET statement_timeout = '100ms';
SELECT * FROM ae_train('err_pima', 'pima', epochs => 100000);
RESET statement_timeout;
-- the timeout left the registry as it was
SELECT name, (options->>'epochs')::int AS epochs FROM ae_models WHERE name = 'err_pima';
-- the score mode must fit the kind, and distance a latent it can cover
SELECT * FROM ae_train('e', 'pima', options => '{"score": "elbo", "epochs": 1}');
SELECT * FROM ae_train('e', 'pima', kind => 'vae', options => '{"score": "distance", "epochs": 1}');
SELECT * FROM ae_train('e', 'pima', options => '{"score": "distance", "latent": 200, "epochs": 1}');
SELECT * FROM ae_train('e', 'pima', options => '{"score": "mahalanobis"}');
