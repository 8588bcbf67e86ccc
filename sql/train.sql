-- Training: ae_train's summary, the registry row, retraining, the ae_fit
-- aggregate, column choice, determinism under a seed.
\set VERBOSITY terse
\i test/data/load.sql

-- the id serial primary key and the excluded label are left out
SELECT model, kind, rows, inputs, latent, epochs > 0 AS trained,
       train_loss < 1 AS train_loss_below_1, val_loss < 1 AS val_loss_below_1
  FROM ae_train('pima', 'pima', exclude => ARRAY['diabetes']);

SELECT name, kind, relation, owner = current_user::regrole AS owned,
       jsonb_path_query_array(columns, '$[*].name') AS columns,
       options->>'activation' AS activation, options->'hidden' AS hidden,
       (metrics->>'rows')::int AS rows, (metrics->>'train_rows')::int AS train_rows,
       (metrics->>'val_rows')::int AS val_rows,
       jsonb_array_length(metrics->'train_loss') = (metrics->>'epochs_run')::int AS losses_per_epoch
  FROM ae_models;

-- a skewed non-negative column gets a log1p transform; others are standardised
SELECT c->>'name' AS name, c->>'transform' AS transform, (c->>'missing_indicator')::bool AS indicator
  FROM ae_models, jsonb_array_elements(columns) c WHERE name = 'pima';

-- a skewed column with negative values (payments and a few refunds) gets
-- the signed log1p: refunds stay apart from small payments; reconstructed
-- and imputed amounts come back in the column's range, a refund as a refund
SELECT setseed(0.5);
CREATE TABLE payments AS
SELECT g AS id, CASE WHEN g % 40 = 0 THEN -round((5 + 20 * random())::numeric, 2)
                     ELSE round(exp(3 + 1.2 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::numeric, 2)
                END AS amount,
       CASE WHEN g % 40 = 0 THEN 'refund' ELSE 'sale' END AS kind
  FROM generate_series(1, 2000) g;
SELECT model, rows FROM ae_train('payments', 'payments', exclude => ARRAY['id'], epochs => 30);
SELECT c->>'name' AS name, c->>'transform' AS transform
  FROM ae_models, jsonb_array_elements(columns) c WHERE name = 'payments';
SELECT count(*) FILTER (WHERE (ae_reconstruct('payments', p)).amount < 0) AS reconstructed_negative,
       count(*) FILTER (WHERE p.amount < 0) AS refunds,
       bool_and((ae_reconstruct('payments', p)).amount BETWEEN (SELECT min(amount) FROM payments)
                                                        AND (SELECT max(amount) FROM payments)) AS within_range
  FROM payments p;
SELECT (ae_impute('payments', ROW(1, NULL, 'refund')::payments)).amount < 0 AS refund_imputed_negative,
       (ae_impute('payments', ROW(2, NULL, 'sale')::payments)).amount > 0 AS sale_imputed_positive;

-- retraining a name replaces its model (one row, new options)
SELECT model, latent, epochs FROM ae_train('pima', 'pima', exclude => ARRAY['diabetes'],
                                          latent => 3, epochs => 20);
SELECT count(*), min(options->>'latent') AS latent FROM ae_models WHERE name = 'pima';
-- by name: the current version's (a literal is a name)
SELECT ae_info('pima') = ae_info(model) AS info_by_name FROM ae_models WHERE name = 'pima';
SELECT ae_info('no_such_model');

-- ae_fit is the same engine: same rows, options and seed give the same model
-- (the bytes differ only in the training time they record)
CREATE TABLE fits AS
SELECT ae_fit(p, '{"exclude": ["diabetes"], "latent": 3, "epochs": 20}') AS same_seed,
       ae_fit(p, '{"exclude": ["diabetes"], "latent": 3, "epochs": 20, "seed": 7}') AS other_seed
  FROM pima p;
SELECT ae_info(f.same_seed)->'metrics'->'train_loss' = m.metrics->'train_loss' AS same_losses,
       bool_and(ae_score(f.same_seed, p) = ae_score('pima', p)) AS same_scores,
       bool_or(ae_score(f.other_seed, p) <> ae_score('pima', p)) AS other_seed_differs
  FROM fits f, ae_models m, pima p WHERE m.name = 'pima' GROUP BY 1;

-- ae_fit over any query; the options as used are in the model
SELECT ae_info(ae_fit(p, '{"columns": ["glucose", "mass", "age"], "hidden": [8, 4], "latent": 2, "epochs": 5}'))->'options'
  FROM pima p WHERE age > 30;

-- an empty query gives NULL (ae_train turns that into an error)
SELECT ae_fit(p) IS NULL AS is_null FROM pima p WHERE false;

-- explicit columns keep their order; unsupported types, and text that is mostly
-- distinct values, are skipped with a notice
CREATE TABLE mixed (id int GENERATED ALWAYS AS IDENTITY, a float4, b numeric, c bool, note text, at timestamptz, doc jsonb);
INSERT INTO mixed (a, b, c, note, at, doc)
SELECT g % 7, (g % 5)::numeric / 3, g % 3 = 0, 'n' || g, now(), '{}' FROM generate_series(1, 200) g;
SELECT model, rows, inputs FROM ae_train('mixed', 'mixed', epochs => 5);
SELECT jsonb_path_query_array(columns, '$[*].name') AS columns,
       jsonb_path_query_array(columns, '$[*].kind') AS kinds
  FROM ae_models WHERE name = 'mixed';
SELECT model, inputs FROM ae_train('mixed_cols', 'mixed', columns => ARRAY['c', 'a'], epochs => 5);
SELECT jsonb_path_query_array(columns, '$[*].name') AS columns FROM ae_models WHERE name = 'mixed_cols';

-- NaN and infinity are treated as missing
CREATE TABLE odd (x float8, y float8);
INSERT INTO odd SELECT g, 2 * g FROM generate_series(1, 50) g;
INSERT INTO odd VALUES ('NaN', 1), ('Infinity', 2), (3, '-Infinity');
SELECT rows, inputs FROM ae_train('odd', 'odd', epochs => 5);
SELECT c->>'name' AS name, (c->>'missing_indicator')::bool AS indicator, c->>'max' AS max
  FROM ae_models, jsonb_array_elements(columns) c WHERE name = 'odd';

-- pg_dump keeps the registry
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'ae';
