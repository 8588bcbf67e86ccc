#!/usr/bin/env bash
# Models belong to roles.  Names are per role; a role uses its own models
# and those of roles it is a member of; nobody writes model rows but
# ae_train; a superuser is never handed another role's model by name or
# by relation; renaming and dropping roles are defined.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_roles
q -d ae_roles -c "DROP ROLE IF EXISTS ae_alice; DROP ROLE IF EXISTS ae_alice2; DROP ROLE IF EXISTS ae_bob; DROP ROLE IF EXISTS ae_carol;
                  CREATE ROLE ae_alice LOGIN; CREATE ROLE ae_bob LOGIN; CREATE ROLE ae_carol LOGIN;
                  GRANT SELECT ON pima TO ae_alice, ae_bob, ae_carol" 2>/dev/null
# as ROLE SQL: run SQL as ROLE (SET ROLE: the session's user stays the superuser)
as() { q -d ae_roles -c "SET ROLE $1; $2"; }
score1() { as "$1" "SELECT round(ae_score($2, p)::numeric, 6) FROM pima p WHERE id = 1"; }

as ae_alice "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 5)" >/dev/null \
    || fail "a role without special privileges cannot train"
alice=$(score1 ae_alice "'m'")
[ -n "$alice" ] || fail "alice cannot score"
[ "$(as ae_bob "SELECT count(*) FROM ae_models")" = 0 ] || fail "bob sees alice's model"
err=$(score1 ae_bob "'m'" 2>&1 || true)
echo "$err" | grep -q 'does not exist' || fail "bob scored with alice's model: $err"
err=$(as ae_bob "SELECT ae_score(p) FROM pima p WHERE id = 1" 2>&1 || true)
echo "$err" | grep -q 'no ae model of yours' || fail "bob's row form found alice's model: $err"
ok "models are private to their role"

# names are per role: bob's 'm' is his own and leaves alice's alone
as ae_bob "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 5, seed => 7)" >/dev/null \
    || fail "bob cannot train a model named like alice's"
[ "$(score1 ae_alice "'m'")" = "$alice" ] || fail "bob's training changed alice's model"
[ "$(q -d ae_roles -c "SELECT count(*) FROM ae_models WHERE name = 'm'")" = 2 ] || fail "expected two models named m"
ok "model names are per role"

# nobody but ae_train writes model rows
for sql in "INSERT INTO ae_models (name, kind, columns, options, metrics, model, owner, created_at) SELECT 'x', kind, columns, options, metrics, model, owner, created_at FROM ae_models" \
           "UPDATE ae_models SET created_at = now() + interval '1 year'" \
           "UPDATE ae_models SET model = model" \
           "UPDATE ae_models SET owner = 'ae_bob'"; do
    err=$(as ae_alice "$sql" 2>&1 || true)
    echo "$err" | grep -q 'permission denied' || fail "alice could run: $sql ($err)"
done
# renaming and deleting one's own model
as ae_alice "UPDATE ae_models SET name = 'm2' WHERE name = 'm'" >/dev/null || fail "alice cannot rename her model"
[ "$(score1 ae_alice "'m2'")" = "$alice" ] || fail "the renamed model scores differently"
as ae_alice "UPDATE ae_models SET name = 'm' WHERE name = 'm2'" >/dev/null
[ "$(as ae_bob "DELETE FROM ae_models WHERE owner = 'ae_alice'::regrole RETURNING name")" = "" ] \
    || fail "bob deleted alice's model"
ok "only ae_train writes model rows; owners rename and delete theirs"

# a superuser is not handed alice's model, by name or by relation
err=$(q -d ae_roles -c "SELECT ae_score('m', p) FROM pima p WHERE id = 1" 2>&1 || true)
echo "$err" | grep -q 'does not exist' || fail "the superuser was handed a role's model by name: $err"
err=$(q -d ae_roles -c "SELECT ae_score(p) FROM pima p WHERE id = 1" 2>&1 || true)
echo "$err" | grep -q 'no ae model of yours' || fail "the superuser was handed a role's model by relation: $err"
ok "a superuser uses only its own models"

# membership: carol, a member of alice, uses alice's model; bob is a member of
# alice and has his own 'm', which wins for him
q -d ae_roles -c "GRANT ae_alice TO ae_carol, ae_bob"
[ "$(score1 ae_carol "'m'")" = "$alice" ] || fail "a member cannot use the model"
[ "$(score1 ae_bob "'m'")" != "$alice" ] || fail "bob's own model does not come first"
# the grant and its revoke are seen by a session that stays open
out=$(q -d ae_roles <<'SQL' 2>&1 || true
SET ROLE ae_carol;
SELECT 'before', round(ae_score('m', p)::numeric, 6) FROM pima p WHERE id = 1;
RESET ROLE;
REVOKE ae_alice FROM ae_carol;
SET ROLE ae_carol;
SELECT 'after', round(ae_score('m', p)::numeric, 6) FROM pima p WHERE id = 1;
SQL
)
echo "$out" | grep -q "before|$alice" || fail "carol could not use alice's model before the revoke: $out"
echo "$out" | grep -q 'does not exist' || fail "carol's open session kept alice's model after the revoke: $out"
ok "membership decides, and a revoke is seen at once"

# a name that two roles carol belongs to have, and carol has not, is ambiguous;
# once carol trains her own, hers is used
q -d ae_roles -c "GRANT ae_alice, ae_bob TO ae_carol"
err=$(score1 ae_carol "'m'" 2>&1 || true)
echo "$err" | grep -q 'more than one role' || fail "an ambiguous name was resolved: $err"
as ae_carol "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 5, seed => 11)" >/dev/null
carol=$(score1 ae_carol "'m'")
[ -n "$carol" ] && [ "$carol" != "$alice" ] || fail "carol's own model is not the one used: $carol"
as ae_carol "DELETE FROM ae_models WHERE name = 'm' AND owner = current_user::regrole" >/dev/null
q -d ae_roles -c "REVOKE ae_alice, ae_bob FROM ae_carol"
ok "a name of several other roles is ambiguous; one's own model always wins"

# renaming the owner keeps the models; dropping it leaves them to superusers
q -d ae_roles -c "ALTER ROLE ae_alice RENAME TO ae_alice2"
[ "$(q -d ae_roles -c "SELECT owner FROM ae_models WHERE name = 'm' AND owner::text = 'ae_alice2'")" = ae_alice2 ] \
    || fail "renaming the role lost its models"
[ "$(score1 ae_alice2 "'m'")" = "$alice" ] || fail "the renamed role scores differently"
q -d ae_roles -c "REVOKE ae_alice2 FROM ae_bob; REVOKE SELECT ON pima FROM ae_alice2; DROP ROLE ae_alice2"
[ "$(as ae_bob "SELECT count(*) FROM ae_models")" = 1 ] || fail "reading ae_models after a role was dropped"
[ "$(q -d ae_roles -c "SELECT count(*) FROM ae_models WHERE owner::text ~ '^[0-9]+$'")" = 1 ] \
    || fail "the dropped role's model is not kept for superusers"
ok "role rename keeps models; a dropped role's models stay, visible to superusers"

dropdb ae_roles
q -c "DROP ROLE ae_bob; DROP ROLE ae_carol"
