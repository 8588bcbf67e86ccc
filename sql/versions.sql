-- Model versions: training a name again keeps the version it replaces;
-- ae_rollback goes back, ae_prune forgets, ae_model gives any version's
-- bytes, and every score can be made again from the version that gave it.
\set VERBOSITY default
CREATE TABLE ver_rows AS SELECT id, pregnant, glucose, pressure, mass, pedigree, age FROM pima;

-- three trainings of one name: versions 1, 2 and 3, the last one current
SELECT model, epochs FROM ae_train('ver', 'ver_rows', columns => ARRAY['glucose', 'mass', 'age'], epochs => 3, seed => 1);
CREATE TEMP TABLE scores1 AS SELECT id, ae_score('ver', t) AS s FROM ver_rows t;
SELECT model, epochs FROM ae_train('ver', 'ver_rows', columns => ARRAY['glucose', 'mass', 'age'], epochs => 4, seed => 2);
CREATE TEMP TABLE scores2 AS SELECT id, ae_score('ver', t) AS s FROM ver_rows t;
SELECT model, epochs FROM ae_train('ver', 'ver_rows', columns => ARRAY['glucose', 'mass', 'age', 'pressure'], epochs => 5, seed => 3);
CREATE TEMP TABLE scores3 AS SELECT id, ae_score('ver', t) AS s FROM ver_rows t;
SELECT name, version, last_version, (options->>'epochs')::int AS epochs FROM ae_models WHERE name = 'ver';
SELECT version, current, (options->>'epochs')::int AS epochs, (options->>'seed')::int AS seed,
       jsonb_array_length(columns) AS ncols
  FROM ae_model_versions WHERE name = 'ver' ORDER BY version;
SELECT version FROM ae_model_history WHERE name = 'ver' ORDER BY version;
-- the versions were trained one after another, and differ
SELECT bool_and(a.created_at < b.created_at) AS in_order, bool_and(a.model <> b.model) AS distinct_bytes
  FROM ae_model_versions a JOIN ae_model_versions b ON b.name = a.name AND b.version = a.version + 1
 WHERE a.name = 'ver';
SELECT count(*) FILTER (WHERE a.s = b.s) AS same_scores FROM scores1 a JOIN scores2 b USING (id);

-- the current version's bytes score as the name and the row form do
SELECT ae_model('ver') = m.model AS current_bytes, ae_model('ver', 3) = m.model AS version_3_bytes,
       ae_model('ver', 1) = h.model AS version_1_bytes
  FROM ae_models m, ae_model_history h WHERE m.name = 'ver' AND h.name = 'ver' AND h.version = 1;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ae_score('ver', t) = ae_score(m.model, t)) AS name_eq_bytes,
       count(*) FILTER (WHERE ae_score(t) = ae_score(m.model, t)) AS row_eq_bytes
  FROM ver_rows t, ae_models m WHERE m.name = 'ver';
-- every version's bytes reproduce the scores it gave when it was current
SELECT count(*) FILTER (WHERE ae_score((SELECT ae_model('ver', 1)), t) = s1.s) AS v1_reproduced,
       count(*) FILTER (WHERE ae_score((SELECT ae_model('ver', 2)), t) = s2.s) AS v2_reproduced,
       count(*) FILTER (WHERE ae_score((SELECT model FROM ae_model_versions WHERE name = 'ver' AND version = 3), t)
                              = s3.s) AS v3_reproduced
  FROM ver_rows t JOIN scores1 s1 USING (id) JOIN scores2 s2 USING (id) JOIN scores3 s3 USING (id);

-- rollback: version 2 is current again, for the name and the row form,
-- in this session's next statement; version 3 is kept in the history
SELECT ae_rollback('ver') AS now_current;
SELECT name, version, last_version, (options->>'epochs')::int AS epochs FROM ae_models WHERE name = 'ver';
SELECT version, current FROM ae_model_versions WHERE name = 'ver' ORDER BY version;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ae_score('ver', t) = s2.s) AS name_as_v2,
       count(*) FILTER (WHERE ae_score(t) = s2.s) AS row_form_as_v2,
       count(*) FILTER (WHERE ae_score(ae_model('ver'), t) = s2.s) AS current_bytes_as_v2
  FROM ver_rows t JOIN scores2 s2 USING (id);
-- a call site that resolved the name keeps following it inside a PL/pgSQL loop
DO $$
DECLARE
    r ver_rows;
    got float8[] := '{}';
BEGIN
    SELECT * INTO r FROM ver_rows WHERE id = 1;
    FOR i IN 1..2 LOOP
        got := got || ae_score('ver', r);
        PERFORM ae_rollback('ver', 3);
        got := got || ae_score('ver', r);
        PERFORM ae_rollback('ver', 2);
    END LOOP;
    RAISE NOTICE 'loop follows the rollbacks: %',
        got[1] = (SELECT s FROM scores2 WHERE id = 1) AND got[2] = (SELECT s FROM scores3 WHERE id = 1)
        AND got[3] = got[1] AND got[4] = got[2];
END $$;

-- back to version 1, then no further
SELECT ae_rollback('ver') AS now_current;
SELECT count(*) FILTER (WHERE ae_score('ver', t) = s1.s) AS name_as_v1 FROM ver_rows t JOIN scores1 s1 USING (id);
SELECT ae_rollback('ver');
DO $$ BEGIN PERFORM ae_rollback('ver');
EXCEPTION WHEN object_not_in_prerequisite_state THEN RAISE NOTICE 'no earlier version: %', SQLSTATE; END $$;
-- any kept version can be made current: forward to 3; to the current one changes nothing
SELECT ae_rollback('ver', 3) AS now_current;
SELECT ae_rollback('ver', 3) AS unchanged;
SELECT version, current FROM ae_model_versions WHERE name = 'ver' ORDER BY version;
SELECT ae_rollback('ver', 7);
SELECT ae_model('ver', 7);
DO $$ BEGIN PERFORM ae_model('ver', 0);
EXCEPTION WHEN undefined_object THEN RAISE NOTICE 'no version 0: %', SQLSTATE; END $$;
SELECT ae_rollback('nope');

-- training again gives the next number after the highest ever given
SELECT model FROM ae_train('ver', 'ver_rows', columns => ARRAY['glucose', 'mass'], epochs => 2, seed => 4);
SELECT version, current FROM ae_model_versions WHERE name = 'ver' ORDER BY version;

-- prune: keep the newest earlier version; pruning again removes nothing
SELECT ae_prune('ver', 1) AS removed;
SELECT version, current FROM ae_model_versions WHERE name = 'ver' ORDER BY version;
SELECT ae_prune('ver', 1) AS removed;
SELECT ae_model('ver', 1);
SELECT ae_prune('ver', -1);
SELECT ae_prune('nope', 0);
-- a version number is never given twice: after rolling back from 4 and
-- pruning it, the next training is 5
SELECT ae_rollback('ver') AS now_current;
SELECT ae_prune('ver', 0) AS removed;
SELECT model FROM ae_train('ver', 'ver_rows', columns => ARRAY['glucose', 'mass'], epochs => 2, seed => 5);
SELECT name, version, last_version FROM ae_models WHERE name = 'ver';
SELECT version, current FROM ae_model_versions WHERE name = 'ver' ORDER BY version;
-- a role deletes single versions of its own directly
DELETE FROM ae_model_history WHERE name = 'ver' AND version = 3;
SELECT version, current FROM ae_model_versions WHERE name = 'ver' ORDER BY version;

-- renaming carries the history along; a name taken is refused
SELECT model FROM ae_train('ver', 'ver_rows', columns => ARRAY['glucose', 'mass'], epochs => 2, seed => 6);
SELECT model FROM ae_train('ver_taken', 'ver_rows', columns => ARRAY['glucose'], epochs => 1);
UPDATE ae_models SET name = 'ver_taken' WHERE name = 'ver' AND owner = current_user::regrole;
UPDATE ae_models SET name = 'ver_renamed' WHERE name = 'ver' AND owner = current_user::regrole;
SELECT name, version, current FROM ae_model_versions WHERE name LIKE 'ver%' ORDER BY name, version;
SELECT ae_rollback('ver_renamed') AS now_current;
-- deleting a model deletes every version of it
DELETE FROM ae_models WHERE name IN ('ver_renamed', 'ver_taken') AND owner = current_user::regrole;
SELECT count(*) AS left_over FROM ae_model_versions WHERE name LIKE 'ver%';

-- ae_prune_all: every model of the current role
SELECT (ae_train('ver_a', 'ver_rows', columns => ARRAY['glucose'], epochs => 1, seed => g)).model
  FROM generate_series(1, 3) g;
SELECT (ae_train('ver_b', 'ver_rows', columns => ARRAY['mass'], epochs => 1, seed => g)).model
  FROM generate_series(1, 2) g;
SELECT ae_prune_all(1) AS removed;
SELECT name, version, current FROM ae_model_versions WHERE name LIKE 'ver\_%' ORDER BY name, version;
SELECT ae_prune_all(-1);

-- a hostile search_path: operators of a schema of its own never run inside
-- the version functions
CREATE SCHEMA regress_ver_evil;
CREATE FUNCTION regress_ver_evil.evil_text(text, text) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'evil text = ran'; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE FUNCTION regress_ver_evil.evil_int(int, int) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'evil int comparison ran'; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE FUNCTION regress_ver_evil.evil_plus(int, int) RETURNS int
    LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'evil + ran'; RETURN $1 OPERATOR(pg_catalog.+) $2; END $$;
CREATE OPERATOR regress_ver_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_ver_evil.evil_text);
CREATE OPERATOR regress_ver_evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = regress_ver_evil.evil_int);
CREATE OPERATOR regress_ver_evil.< (LEFTARG = int, RIGHTARG = int, FUNCTION = regress_ver_evil.evil_int);
CREATE OPERATOR regress_ver_evil.+ (LEFTARG = int, RIGHTARG = int, FUNCTION = regress_ver_evil.evil_plus);
SET search_path = regress_ver_evil, public, pg_catalog;
SELECT 1 + 1 AS evil_is_active;
SELECT model FROM ae_train('ver_a', 'ver_rows', columns => ARRAY['glucose'], epochs => 1, seed => 9);
SELECT ae_rollback('ver_a') AS now_current;
SELECT ae_rollback('ver_a', 4) AS now_current;
SELECT length(ae_model('ver_a', 3)) > 0 AS read, length(ae_model('ver_a')) > 0 AS read_current;
SELECT ae_prune('ver_a', 0) AS removed;
SELECT ae_prune_all(5) AS none_removed;
RESET search_path;
DROP SCHEMA regress_ver_evil CASCADE;

-- other roles: a member uses, rolls back and prunes the versions of the
-- roles it belongs to; anyone else sees nothing, and is told the model
-- does not exist
CREATE ROLE regress_ae_v_alice;
CREATE ROLE regress_ae_v_bob;
CREATE ROLE regress_ae_v_eve;
GRANT regress_ae_v_alice TO regress_ae_v_bob;
GRANT SELECT ON ver_rows TO regress_ae_v_alice, regress_ae_v_bob, regress_ae_v_eve;
SET ROLE regress_ae_v_alice;
SELECT (ae_train('shared', 'ver_rows', columns => ARRAY['glucose', 'mass'], epochs => 2, seed => g)).model
  FROM generate_series(1, 3) g;
SET ROLE regress_ae_v_eve;
SELECT count(*) AS eve_sees FROM ae_model_versions WHERE name = 'shared';
SELECT count(*) AS eve_sees FROM ae_model_history;
SELECT ae_rollback('shared');
SELECT ae_rollback('shared', 1);
SELECT ae_prune('shared', 0);
SELECT ae_model('shared', 1);
SELECT ae_prune_all(0) AS eve_removed;
-- nobody writes versions directly
INSERT INTO ae_model_history SELECT * FROM ae_model_history;
UPDATE ae_model_history SET model = '\x00';
UPDATE ae_models SET version = 1;
DELETE FROM ae_model_history WHERE name = 'shared';
SET ROLE regress_ae_v_bob;
SELECT version, current FROM ae_model_versions WHERE name = 'shared' ORDER BY version;
SELECT ae_rollback('shared') AS now_current;
SELECT count(*) FILTER (WHERE ae_score('shared', t) = ae_score(ae_model('shared', 2), t)) = count(*) AS bob_scores_v2
  FROM ver_rows t;
SELECT ae_prune('shared', 1) AS removed;
SELECT ae_prune_all(0) AS bob_own_removed;
SELECT version, current FROM ae_model_versions WHERE name = 'shared' ORDER BY version;
-- the superuser is not handed alice's model by name, and uses it after SET ROLE
RESET ROLE;
SELECT ae_rollback('shared');
SELECT ae_model('shared');
SET ROLE regress_ae_v_alice;
SELECT ae_rollback('shared', 3) AS now_current;
RESET ROLE;

SELECT count(*) AS alice_versions FROM ae_model_versions WHERE owner = 'regress_ae_v_alice'::regrole;
DELETE FROM ae_models WHERE owner = 'regress_ae_v_alice'::regrole;
SELECT count(*) AS left_over FROM ae_model_history WHERE owner = 'regress_ae_v_alice'::regrole;
DELETE FROM ae_models WHERE name LIKE 'ver\_%' AND owner = current_user::regrole;
DROP TABLE ver_rows;
DROP ROLE regress_ae_v_alice, regress_ae_v_bob, regress_ae_v_eve;
