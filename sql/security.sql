-- What an ordinary role can type must end in a clear error or a right
-- answer: no crash, no other role's data, no other role's model.
\set VERBOSITY default
CREATE ROLE regress_ae_attacker;
GRANT SELECT ON pima TO regress_ae_attacker;
GRANT CREATE ON SCHEMA public TO regress_ae_attacker;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_ae_attacker', current_database()); END $$;
SET ROLE regress_ae_attacker;

-- the aggregate's state cannot be forged: internal states need a superuser,
-- and the transition functions accept no other state type
CREATE AGGREGATE pg_temp.evil(anyelement) (SFUNC = ae_fit_sample_transfn, STYPE = internal);
CREATE AGGREGATE pg_temp.evil(anyelement) (SFUNC = ae_fit_sample_transfn, STYPE = bytea,
    INITCOND = '\x4145535401000000');
CREATE AGGREGATE pg_temp.evil(anyelement) (SFUNC = ae_fit_transfn, STYPE = bytea);

-- rows of different types in one state
SELECT ae_fit(r) FROM (SELECT CASE WHEN g % 2 = 0 THEN ROW(g * 1e9::float8, g::float8)
                                   ELSE ROW('x'::text, 'y'::text) END r
                         FROM generate_series(1, 100) g) s;
SELECT length(ae_fit(r)) FROM (SELECT ROW(1.5::float8, 'a'::text) UNION ALL
                               SELECT ROW(repeat('x', 3000), 2)) s(r);
-- options that change from row to row
SELECT ae_fit(p, jsonb_build_object('epochs', 1 + p.id % 2)) FROM pima p;
-- not a window function
SELECT ae_fit(p) OVER () FROM pima p LIMIT 1;
-- anonymous rows of one type train
SELECT length(ae_fit(r, '{"epochs": 1}')) > 0 AS trained
  FROM (SELECT ROW(g::float8, (g % 7)::float8) FROM generate_series(1, 200) g) s(r);

-- a group with nothing to train on is NULL; the other groups still train
CREATE TEMP TABLE groups AS
SELECT CASE WHEN p.id <= 50 THEN 'empty' ELSE 'full' END AS g,
       CASE WHEN p.id <= 50 THEN NULL ELSE p.glucose END AS glucose,
       CASE WHEN p.id <= 50 THEN NULL ELSE p.mass END AS mass
  FROM pima p;
SELECT g, ae_fit(t, '{"epochs": 1, "columns": ["glucose", "mass"]}') IS NULL AS no_model
  FROM groups t GROUP BY g ORDER BY g;
SELECT g, ae_fit(t, '{"epochs": 1, "columns": ["glucose", "mass"]}') IS NULL AS no_model
  FROM groups t GROUP BY GROUPING SETS ((g), ()) ORDER BY g NULLS LAST;

-- a long text column does not fill the sample, and is never a category
CREATE TEMP TABLE wide_text AS
SELECT g::float8 AS x, (g % 3)::float8 AS y, repeat(md5(g::text), 100) AS essay
  FROM generate_series(1, 300) g;
SELECT ae_info(ae_fit(t, '{"epochs": 1}'))->'columns' @? '$[*] ? (@.name == "essay")' AS essay_modelled
  FROM wide_text t;

-- ae_train: a relation that does not exist, kind and seed inside options
SELECT * FROM ae_train('x', 0);
SELECT kind FROM ae_train('opt_model', 'pima', epochs => 1,
                          options => '{"kind": "vae", "seed": 9223372036854775807}');
SELECT options->>'kind' AS kind, (options->>'seed')::bigint AS seed FROM ae_models WHERE name = 'opt_model';

-- the registry: no direct writes of models, created_at or owners
INSERT INTO ae_models (name, kind, columns, options, metrics, model, owner, created_at)
SELECT 'forged', kind, columns, options, metrics, model, owner, created_at FROM ae_models;
UPDATE ae_models SET created_at = now() + interval '1 year';
UPDATE ae_models SET model = '\x00';
SELECT ae_train_store('m', 'pima', NULL);
SELECT ae_train_store('', 'pima', '{}');

-- a hostile search_path: the attacker's = and functions never run inside ae
CREATE SCHEMA regress_evil;
CREATE FUNCTION regress_evil.evil_eq(text, text) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'evil = ran'; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR regress_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_evil.evil_eq);
CREATE FUNCTION regress_evil.clock_timestamp() RETURNS timestamptz
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'evil clock_timestamp ran'; RETURN 'infinity'; END $$;
RESET ROLE;
SET search_path = regress_evil, public, pg_catalog;
SELECT 'a'::text = 'a'::text AS evil_is_active;
SELECT model FROM ae_train('sp_model', 'pima', epochs => 1);
SELECT ae_score('sp_model', p) > 0 AS scored FROM pima p WHERE id = 1;
SELECT ae_score(p) > 0 AS scored FROM pima p WHERE id = 1;
SELECT model FROM ae_train('sp_vae', 'pima', kind => 'vae', epochs => 1);
SELECT count(*) FROM ae_generate(NULL::pima, 'sp_vae', 2);
RESET search_path;

-- the superuser is not handed the attacker's model for pima by the row form
-- (its own sp_vae is the newest of its own), even after the attacker trains a newer one
SELECT name, owner = current_user::regrole AS mine FROM ae_models WHERE relation = 'public.pima' ORDER BY created_at DESC LIMIT 1;
SELECT ae_score(p) = ae_score('sp_vae', p) AS own_model FROM pima p WHERE id = 1;
SET ROLE regress_ae_attacker;
SELECT model FROM ae_train('newest', 'pima', epochs => 1);
RESET ROLE;
SELECT ae_score(p) = ae_score('sp_vae', p) AS still_own_model FROM pima p WHERE id = 1;

-- a cvae interpolated from a row whose condition is NULL
CREATE TEMP TABLE cv AS SELECT id, glucose, mass, CASE WHEN id % 2 = 0 THEN 'a' ELSE 'b' END AS grp FROM pima;
SELECT model FROM ae_train('cv', 'cv', kind => 'cvae', epochs => 1, options => '{"condition": "grp"}');
SELECT count(*) FROM ae_interpolate((SELECT ROW(2, 100, 30.0, NULL)::cv),
                                    (SELECT c FROM cv c WHERE id = 1), 3, 'cv');

DROP SCHEMA regress_evil CASCADE;
DROP TABLE groups, wide_text;
DELETE FROM ae_models WHERE owner = 'regress_ae_attacker'::regrole;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_ae_attacker', current_database()); END $$;
REVOKE ALL ON pima FROM regress_ae_attacker;
REVOKE CREATE ON SCHEMA public FROM regress_ae_attacker;
DROP ROLE regress_ae_attacker;
