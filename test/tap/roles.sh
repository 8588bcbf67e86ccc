#!/usr/bin/env bash
# Models belong to roles: any role can train and score, sees only the
# models of roles it belongs to, and cannot overwrite another role's model.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_roles
q -d ae_roles -c "DROP ROLE IF EXISTS ae_alice; DROP ROLE IF EXISTS ae_bob;
                  CREATE ROLE ae_alice LOGIN; CREATE ROLE ae_bob LOGIN;
                  GRANT SELECT ON pima TO ae_alice, ae_bob" 2>/dev/null
# as ROLE SQL: run SQL as ROLE (SET ROLE: the session's user stays the superuser)
as() { q -d ae_roles -c "SET ROLE $1; $2"; }

as ae_alice "SELECT * FROM ae_train('alice_m', 'pima', exclude => ARRAY['diabetes'], epochs => 5)" >/dev/null \
    || fail "a role without special privileges cannot train"
[ -n "$(as ae_alice "SELECT ae_score('alice_m', p) FROM pima p WHERE id = 1")" ] || fail "alice cannot score"
[ "$(as ae_bob "SELECT count(*) FROM ae_models")" = 0 ] || fail "bob sees alice's model"
err=$(as ae_bob "SELECT ae_score('alice_m', p) FROM pima p WHERE id = 1" 2>&1 || true)
echo "$err" | grep -q 'does not exist' || fail "bob scored with alice's model: $err"
err=$(as ae_bob "SELECT * FROM ae_train('alice_m', 'pima', exclude => ARRAY['diabetes'], epochs => 5)" 2>&1 || true)
echo "$err" | grep -q 'row-level security' || fail "bob overwrote alice's model: $err"
[ "$(q -d ae_roles -c "SELECT owner FROM ae_models WHERE name = 'alice_m'")" = ae_alice ] || fail "owner changed"
# a member of alice's role shares her models
q -d ae_roles -c "GRANT ae_alice TO ae_bob"
[ -n "$(as ae_bob "SELECT ae_score('alice_m', p) FROM pima p WHERE id = 1")" ] || fail "a member cannot use the model"
ok "models are private to their role and its members"
dropdb ae_roles
q -c "DROP ROLE ae_alice; DROP ROLE ae_bob"
