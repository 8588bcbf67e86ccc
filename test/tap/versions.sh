#!/usr/bin/env bash
# Model versions across sessions.  Two trainings of one name at once (an
# existing name, a new one) keep both models under distinct numbers; a
# rollback racing a retrain loses neither; a repeatable read training that
# lost the race fails cleanly and leaves nothing of itself; a rollback is
# seen by another session's next statement.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

db=ae_versions
fresh_db "$db"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

train() {   # train NAME SEED: an ae_train statement printing nothing
    echo "SELECT * FROM ae_train('$1', 'pima', exclude => ARRAY['diabetes'], epochs => 3, seed => $2) \\g /dev/null"
}
# every version of a name as version:current:md5 of its bytes
listing() { q -d "$db" -c "SELECT string_agg(version || ':' || current || ':' || md5(model), ',' ORDER BY version) FROM ae_model_versions WHERE name = '$1'"; }
# the md5 of the bytes a session stored: its ae_train's model, read back in its own transaction
stored_md5="SELECT md5(model) FROM ae_models WHERE name = :'name' AND owner = current_user::regrole;"

# hold NAME SQL: session A runs SQL in a transaction and keeps it open 1.5 s
# after it (the row lock held), printing the md5 of what it stored
hold() {
    { echo "\\set name $1"; echo "BEGIN;"; echo "$2"; echo "$stored_md5"; echo "SELECT pg_sleep(1.5) \\g /dev/null"; echo "COMMIT;"; } \
        > "$dir/a.sql"
    q -d "$db" -f "$dir/a.sql" > "$dir/a" 2>&1 &
    a_pid=$!
    for _ in $(seq 1 200); do [ -s "$dir/a" ] && break; sleep 0.05; done
    [ -s "$dir/a" ] || fail "session A did not store: $(cat "$dir/a")"
}
# contend NAME SQL [ISOLATION]: session B runs SQL while A holds its
# transaction; B must be seen waiting for A's lock, then end after A
contend() {
    { echo "\\set name $1"; echo "BEGIN ISOLATION LEVEL ${3:-READ COMMITTED};"; echo "$2"; echo "$stored_md5"; echo "COMMIT;"; } \
        > "$dir/b.sql"
    q -d "$db" -f "$dir/b.sql" > "$dir/b" 2>&1 &
    b_pid=$!
    waited=0
    for _ in $(seq 1 100); do
        waited=$(q -d "$db" -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ae_train%'")
        [ "$waited" = 1 ] && break
        sleep 0.02
    done
    [ "$waited" = 1 ] || fail "session B never waited for session A's lock ($(cat "$dir/b"))"
    wait "$a_pid" || fail "session A failed: $(cat "$dir/a")"
    b_status=0
    wait "$b_pid" || b_status=$?
}

# ---------------------------------------------------------------------------
# 1. two retrainings of an existing name at once: versions 2 and 3
# ---------------------------------------------------------------------------
q -d "$db" -f <(train m 1)
v1=$(q -d "$db" -c "SELECT md5(model) FROM ae_models WHERE name = 'm'")
hold m "$(train m 2)"
contend m "$(train m 3)"
[ "$b_status" = 0 ] || fail "the second retraining failed: $(cat "$dir/b")"
a=$(cat "$dir/a") b=$(cat "$dir/b")
[ "$(listing m)" = "1:false:$v1,2:false:$a,3:true:$b" ] \
    || fail "two retrainings at once left $(listing m); expected 1:$v1, 2:$a, 3:$b"
ok "two retrainings of an existing name at once: versions 1, 2, 3, none lost"

# ---------------------------------------------------------------------------
# 2. two trainings of a new name at once: versions 1 and 2
# ---------------------------------------------------------------------------
hold n "$(train n 4)"
contend n "$(train n 5)"
[ "$b_status" = 0 ] || fail "the second training of a new name failed: $(cat "$dir/b")"
a=$(cat "$dir/a") b=$(cat "$dir/b")
[ "$(listing n)" = "1:false:$a,2:true:$b" ] || fail "two trainings of a new name left $(listing n); expected 1:$a, 2:$b"
ok "two trainings of a new name at once: versions 1 and 2"

# ---------------------------------------------------------------------------
# 3. a rollback and a retraining at once: the retraining comes after the
#    rolled back state, and takes the next number
# ---------------------------------------------------------------------------
before=$(listing m)
hold m "SELECT ae_rollback('m') \\g /dev/null"
contend m "$(train m 6)"
[ "$b_status" = 0 ] || fail "the retraining after a rollback failed: $(cat "$dir/b")"
b=$(cat "$dir/b")
v2=$(echo "$before" | tr ',' '\n' | sed -n 2p | cut -d: -f3)
v3=$(echo "$before" | tr ',' '\n' | sed -n 3p | cut -d: -f3)
[ "$(listing m)" = "1:false:$v1,2:false:$v2,3:false:$v3,4:true:$b" ] \
    || fail "a rollback racing a retraining left $(listing m)"
ok "a rollback racing a retraining: both happen, in turn, version 4 the new model"

# ---------------------------------------------------------------------------
# 4. a repeatable read retraining that waited for another fails cleanly
# ---------------------------------------------------------------------------
hold m "$(train m 7)"
contend m "$(train m 8)" "REPEATABLE READ"
[ "$b_status" != 0 ] || fail "a repeatable read retraining that lost the race succeeded"
grep -q 'could not serialize access due to concurrent update' "$dir/b" \
    || fail "the repeatable read retraining failed unclearly: $(cat "$dir/b")"
a=$(cat "$dir/a")
[ "$(listing m | tr ',' '\n' | tail -1)" = "5:true:$a" ] && [ "$(listing m | tr ',' '\n' | wc -l)" = 5 ] \
    || fail "the failed retraining left a trace: $(listing m)"
ok "a repeatable read retraining that lost the race fails with a serialization error and leaves nothing"

# ---------------------------------------------------------------------------
# 5. a rollback is seen by another session's next statement
# ---------------------------------------------------------------------------
query="SELECT round(sum(ae_score('m', p))::numeric, 9) FROM pima p;"
of_version() { q -d "$db" -c "SELECT round(sum(ae_score((SELECT ae_model('m', $1)), p))::numeric, 9) FROM pima p"; }
mkfifo "$dir/in"
q -d "$db" < "$dir/in" > "$dir/out" 2>&1 &
s_pid=$!
exec 3>"$dir/in"
echo "$query" >&3
for _ in $(seq 1 200); do [ -s "$dir/out" ] && break; sleep 0.05; done
q -d "$db" -c "SELECT ae_rollback('m')" >/dev/null
echo "$query" >&3
q -d "$db" -c "SELECT ae_rollback('m', 2)" >/dev/null
echo "$query" >&3
echo '\q' >&3
exec 3>&-
wait "$s_pid" || fail "the scoring session failed: $(cat "$dir/out")"
expected="$(of_version 5)
$(of_version 4)
$(of_version 2)"
[ "$(cat "$dir/out")" = "$expected" ] || fail "a running session scored $(cat "$dir/out" | tr '\n' ' '), versions 5, 4, 2 score $(echo "$expected" | tr '\n' ' ')"
[ "$(echo "$expected" | sort -u | wc -l)" = 3 ] || fail "versions 5, 4 and 2 score alike"
ok "a running session follows two rollbacks made by another at its next statement ($(echo "$expected" | tr '\n' ' '))"
dropdb "$db"
