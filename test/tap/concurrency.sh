#!/usr/bin/env bash
# Scoring by name while the name is retrained.  Scorers never fail and
# every statement scores with one whole model: one that was committed, no
# older than the newest committed when the statement began, and never older
# than one the same backend already used.  A retrain is seen at the next
# statement of every other backend, also of one whose statement was running
# when it committed.  Two trainings of one name at the same moment leave one
# row and one of the two models.  In a PL/pgSQL loop, a name scored, retrained
# and scored again in the same transaction gives the new model, and a rolled
# back retrain leaves the old one.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

db=ae_concurrency
fresh_db "$db"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

train_sql() {   # train_sql NAME EPOCHS SEED: an ae_train statement printing nothing
    echo "SELECT * FROM ae_train('$1', 'pima', exclude => ARRAY['diabetes'], epochs => $2, seed => $3) \\g /dev/null"
}
by_name="round(sum(ae_score('m', p))::numeric, 9)"
# the sum of the model stored under a name, scored from its bytes
bytes_sum() { q -d "$db" -c "SELECT round(sum(ae_score(m.model, p))::numeric, 9) FROM pima p, ae_models m WHERE m.name = '$1'"; }
name_sum() { q -d "$db" -c "SELECT round(sum(ae_score('$1', p))::numeric, 9) FROM pima p"; }
now_us="(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
stmt_us="(extract(epoch FROM statement_timestamp()) * 1000000)::bigint"

# ---------------------------------------------------------------------------
# 1. four scorers against one trainer
# ---------------------------------------------------------------------------
q -d "$db" -f <(train_sql m 3 0)
sum0=$(bytes_sum m)
echo "0|$sum0|$sum0|$(q -d "$db" -c "SELECT $now_us")" > "$dir/trained"
retrains=10
{
    for k in $(seq 1 "$retrains"); do
        echo "SELECT pg_sleep(0.4) \\g /dev/null"
        train_sql m $((k % 2 ? 6 : 3)) "$k"
        # after the commit: the new model's sum from its bytes and by name
        echo "SELECT $k, round(sum(ae_score(m.model, p))::numeric, 9), $by_name, $now_us
              FROM pima p, ae_models m WHERE m.name = 'm';"
    done
} > "$dir/trainer.sql"
{
    for _ in $(seq 1 30); do
        echo "SELECT $stmt_us, $by_name FROM pima p;"
        # a slower statement, so that retrains commit while it runs
        echo "SELECT $stmt_us, round(sum(s)::numeric, 9) FROM (SELECT ae_score('m', p) AS s, pg_sleep(CASE WHEN id % 4 = 0 THEN 0.001 ELSE 0 END) FROM pima p) x;"
    done
} > "$dir/scorer.sql"

pids=()
for i in 1 2 3 4; do
    q -d "$db" -f "$dir/scorer.sql" > "$dir/scorer$i" 2> "$dir/scorer$i.err" &
    pids+=($!)
done
q -d "$db" -f "$dir/trainer.sql" > "$dir/trainer" 2> "$dir/trainer.err" &
pids+=($!)
names=(scorer1 scorer2 scorer3 scorer4 trainer)
for i in 0 1 2 3 4; do
    status=0
    wait "${pids[$i]}" || status=$?
    f=${names[$i]}
    if [ "$status" != 0 ] || [ -s "$dir/$f.err" ]; then
        fail "$f exited with $status: $(head -5 "$dir/$f.err")"
    fi
done
[ "$(wc -l < "$dir/trainer")" = "$retrains" ] || fail "the trainer printed $(wc -l < "$dir/trainer") lines, not $retrains"

# version -> sum, and the time by which it was committed
declare -A version_of
sums=() committed=()
while IFS='|' read -r k bytes named ts; do
    [ "$bytes" = "$named" ] || fail "the trainer scored version $k as $named by name, $bytes from its bytes"
    [ -z "${version_of[$bytes]:-}" ] || fail "versions ${version_of[$bytes]} and $k score alike ($bytes): retrains not distinguishable"
    version_of[$bytes]=$k
    sums[k]=$bytes
    committed[k]=$ts
done < <(cat "$dir/trained" "$dir/trainer")

statements=0
for i in 1 2 3 4; do
    n=$(wc -l < "$dir/scorer$i")
    [ "$n" = 60 ] || fail "scorer $i printed $n lines, not 60"
    last=0 seen=""
    while IFS='|' read -r started sum; do
        v=${version_of[$sum]:-}
        [ -n "$v" ] || fail "scorer $i scored $sum in a statement begun at $started, the sum of no trained model (versions 0..$retrains: ${sums[*]})"
        [ "$v" -ge "$last" ] || fail "scorer $i went back from version $last to $v"
        # the newest version committed before the statement began
        newest=0
        for k in $(seq 1 "$retrains"); do
            [ "${committed[k]}" -lt "$started" ] && newest=$k
        done
        [ "$v" -ge "$newest" ] \
            || fail "scorer $i: a statement begun at $started, after version $newest (${sums[newest]}) committed at ${committed[newest]}, scored with version $v ($sum)"
        last=$v
        case " $seen " in *" $v "*) ;; *) seen="$seen $v" ;; esac
        statements=$((statements + 1))
    done < "$dir/scorer$i"
    [ "$(echo $seen | wc -w)" -ge 3 ] || fail "scorer $i saw only versions$seen: the retrains did not overlap the scoring"
done
ok "4 scorers, $retrains retrains: $statements statements, no error, each one whole committed model, none stale"

# ---------------------------------------------------------------------------
# 2. two trainings of one name at the same moment
# ---------------------------------------------------------------------------
q -d "$db" -f <(train_sql a 3 11; train_sql b 6 12)
sum_a=$(name_sum a)
sum_b=$(name_sum b)
[ "$sum_a" != "$sum_b" ] || fail "the two settings train alike ($sum_a)"

# a session holding an advisory lock that both trainers wait on, to start them together
mkfifo "$dir/gate.in"
q -d "$db" < "$dir/gate.in" > "$dir/gate" 2>&1 &
gate_pid=$!
exec {gate}>"$dir/gate.in"
rounds=0

race() {   # race NAME: train NAME with a's and b's settings at once
    local name=$1 i out errs=0 loser=""
    echo "SELECT 'locked' FROM pg_advisory_lock(7);" >&$gate
    for _ in $(seq 1 100); do [ "$(grep -c '^locked$' "$dir/gate")" -gt "$rounds" ] && break; sleep 0.05; done
    [ "$(grep -c '^locked$' "$dir/gate")" -gt "$rounds" ] || fail "the gate never locked: $(cat "$dir/gate")"
    for i in 1 2; do
        {
            echo "SELECT pg_advisory_lock_shared(7) \\g /dev/null"
            echo "SELECT pg_advisory_unlock_shared(7) \\g /dev/null"
            echo "BEGIN;"
            if [ "$i" = 1 ]; then train_sql "$name" 3 11; else train_sql "$name" 6 12; fi
            echo "SELECT pg_sleep(0.5) \\g /dev/null"     # both rows in flight at once
            echo "COMMIT;"
        } > "$dir/race$i.sql"
        q -d "$db" -f "$dir/race$i.sql" > "$dir/race$i" 2>&1 &
        eval "race_pid$i=$!"
    done
    waiting=0
    for _ in $(seq 1 200); do
        waiting=$(q -d "$db" -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        [ "$waiting" = 2 ] && break
        sleep 0.05
    done
    [ "$waiting" = 2 ] || fail "the two trainings of $name never waited together at the gate"
    echo "SELECT 'unlocked' FROM pg_advisory_unlock(7);" >&$gate
    for i in 1 2; do
        eval "wait \$race_pid$i" || { errs=$((errs + 1)); loser=$(cat "$dir/race$i"); }
    done
    [ "$errs" -le 1 ] || fail "both trainings of $name failed: $(cat "$dir/race1" "$dir/race2")"
    if [ "$errs" = 1 ]; then
        echo "$loser" | grep -qiE 'concurrent' || fail "the losing training of $name failed unclearly: $loser"
    fi
    [ "$(q -d "$db" -c "SELECT count(*) FROM ae_models WHERE owner = current_user::regrole AND name = '$name'")" = 1 ] \
        || fail "ae_models does not have exactly one row named $name: $(q -d "$db" -c "SELECT name, created_at FROM ae_models WHERE name = '$name'")"
    out=$(name_sum "$name")
    [ "$out" = "$sum_a" ] || [ "$out" = "$sum_b" ] || fail "$name scores $out, neither training's ($sum_a, $sum_b)"
    [ "$out" = "$(bytes_sum "$name")" ] || fail "$name scores $out by name, $(bytes_sum "$name") from its bytes"
    echo "$errs"
}
errs=$(race fresh_name)
rounds=1
ok "two trainings of a new name at once: one row, one whole model ($errs failed)"
errs=$(race m)
ok "two retrainings of an existing name at once: one row, one whole model ($errs failed)"
echo '\q' >&$gate
exec {gate}>&-
wait "$gate_pid" || true

# ---------------------------------------------------------------------------
# 3. a retrain is seen at the next statement of every other session
# ---------------------------------------------------------------------------
sessions=(1 2 3)
session_pids=()
for i in "${sessions[@]}"; do
    mkfifo "$dir/s$i.in"
    q -d "$db" < "$dir/s$i.in" > "$dir/s$i" 2> "$dir/s$i.err" &
    session_pids+=($!)
    eval "exec {fd$i}>\"\$dir/s$i.in\""
done
send() { local fd; eval "fd=\$fd$1"; echo "$2" >&"$fd"; }
line() {   # line I N: the Nth line session I prints, once it has
    for _ in $(seq 1 400); do
        [ "$(wc -l < "$dir/s$1")" -ge "$2" ] && break
        [ -s "$dir/s$1.err" ] && fail "session $1 got an error: $(cat "$dir/s$1.err")"
        sleep 0.05
    done
    [ "$(wc -l < "$dir/s$1")" -ge "$2" ] || fail "session $1 printed no line $2"
    sed -n "${2}p" "$dir/s$1"
}
score="SELECT $by_name FROM pima p;"
slow="SELECT round(sum(s)::numeric, 9) FROM (SELECT ae_score('m', p) AS s, pg_sleep(0.002) FROM pima p) slow;"

old=$(bytes_sum m)
for i in "${sessions[@]}"; do send "$i" "$score"; done
for i in "${sessions[@]}"; do
    got=$(line "$i" 1)
    [ "$got" = "$old" ] || fail "session $i scored $got, the model is $old"
done
# retrain between two statements of the sessions
q -d "$db" -f <(train_sql m 6 21)
new=$(bytes_sum m)
[ "$new" != "$old" ] || fail "the retrain gave the same model ($new)"
for i in "${sessions[@]}"; do send "$i" "$score"; done
for i in "${sessions[@]}"; do
    got=$(line "$i" 2)
    [ "$got" = "$new" ] || fail "session $i scored $got after the retrain, old $old, new $new"
done
ok "a retrain between statements is seen at the next statement of 3 sessions ($old -> $new)"

# retrain while a statement of each session runs
for i in "${sessions[@]}"; do send "$i" "$slow"; done
running=0
for _ in $(seq 1 100); do
    running=$(q -d "$db" -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(0.002)%' AND pid <> pg_backend_pid()")
    [ "$running" = 3 ] && break
    sleep 0.05
done
[ "$running" = 3 ] || fail "the 3 slow statements were not running together ($running were)"
sleep 0.2
q -d "$db" -f <(train_sql m 3 22)
newer=$(bytes_sum m)
[ "$newer" != "$new" ] || fail "the retrain gave the same model ($newer)"
for i in "${sessions[@]}"; do
    got=$(line "$i" 3)
    [ "$got" = "$new" ] || [ "$got" = "$newer" ] || fail "session $i's running statement scored $got, neither $new nor $newer"
done
for i in "${sessions[@]}"; do send "$i" "$score"; done
stale=""
for i in "${sessions[@]}"; do
    got=$(line "$i" 4)
    running=$(line "$i" 3)
    [ "$got" = "$newer" ] || stale="$stale session $i scored $got (its running statement $running);"
done
[ -z "$stale" ] || fail "after a retrain committed during a running statement, the next statement kept the old model $new instead of $newer:$stale"
ok "a retrain committed during a running statement is seen at the next statement of 3 sessions ($new -> $newer)"

# retrain while a repeatable read transaction of each session is open: the
# transaction keeps its snapshot's model, the next transaction has the new one
for i in "${sessions[@]}"; do send "$i" "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'begun';"; done
for i in "${sessions[@]}"; do
    got=$(line "$i" 5)
    [ "$got" = begun ] || fail "session $i printed $got"
done
q -d "$db" -f <(train_sql m 6 23)
newest=$(bytes_sum m)
[ "$newest" != "$newer" ] || fail "the retrain gave the same model ($newest)"
for i in "${sessions[@]}"; do send "$i" "$score"; send "$i" "COMMIT;"; send "$i" "$score"; done
stale=""
for i in "${sessions[@]}"; do
    inside=$(line "$i" 6)
    [ "$inside" = "$newer" ] || fail "session $i's repeatable read transaction scored $inside, its snapshot's model is $newer"
    got=$(line "$i" 7)
    [ "$got" = "$newest" ] || stale="$stale session $i scored $got;"
done
[ -z "$stale" ] || fail "after a repeatable read transaction that scored with the model of its snapshot, the next transaction kept that model $newer instead of $newest:$stale"
ok "a retrain committed during a repeatable read transaction is seen by the next transaction of 3 sessions ($newer -> $newest)"
for i in "${sessions[@]}"; do
    send "$i" '\q'
    eval "exec {fd$i}>&-"
done
for p in "${session_pids[@]}"; do wait "$p" || true; done

# ---------------------------------------------------------------------------
# 4. score, retrain and score again in one transaction
# ---------------------------------------------------------------------------
q -d "$db" <<'SQL'
CREATE FUNCTION retrain_loop(n int) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    r pima;
    s float8;
    b float8;
    prev float8;
BEGIN
    SELECT * INTO r FROM pima WHERE id = 1;
    FOR i IN 1..n LOOP
        s := ae_score('m', r);
        b := ae_score((SELECT model FROM ae_models WHERE name = 'm'), r);
        IF s IS DISTINCT FROM b THEN
            RAISE EXCEPTION 'iteration %: by name %, from the stored bytes %', i, s, b;
        END IF;
        IF s = prev THEN
            RAISE EXCEPTION 'iteration %: the retrain left the score at %', i, s;
        END IF;
        RETURN NEXT i || '|' || s;
        prev := s;
        PERFORM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 3 + i % 2 * 3, seed => 100 + i);
    END LOOP;
END
$$;
SQL
row1="SELECT ae_score('m', p) FROM pima p WHERE id = 1"
for iso in "READ COMMITTED" "REPEATABLE READ" "SERIALIZABLE"; do
    out=$(q -d "$db" -c "BEGIN ISOLATION LEVEL $iso" -c "SELECT * FROM retrain_loop(4)" -c "COMMIT" 2>&1) \
        || fail "$iso: $out"
    [ "$(echo "$out" | wc -l)" = 4 ] || fail "$iso: the loop printed $out"
    [ "$(echo "$out" | cut -d'|' -f2 | sort -u | wc -l)" = 4 ] || fail "$iso: the loop's scores repeat: $out"
done
q -d "$db" -c "DO \$\$ DECLARE r pima; s float8; b float8; BEGIN
    SELECT * INTO r FROM pima WHERE id = 2;
    FOR i IN 1..3 LOOP
        s := ae_score('m', r);
        b := ae_score((SELECT model FROM ae_models WHERE name = 'm'), r);
        IF s IS DISTINCT FROM b THEN RAISE EXCEPTION 'DO, iteration %: by name %, from the stored bytes %', i, s, b; END IF;
        PERFORM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 3, seed => 200 + i);
    END LOOP;
END \$\$" || fail "the DO loop scored with a stale model"
ok "in one transaction (read committed, repeatable read, serializable, DO), the score after a retrain is the new model's"

# a retrain rolled back leaves the old model, in the same session
before=$(q -d "$db" -c "$row1")
out=$(q -d "$db" -c "BEGIN" -c "SELECT count(*) FROM retrain_loop(3)" -c "ROLLBACK" -c "$row1" 2>&1) || fail "rollback: $out"
after=$(echo "$out" | tail -1)
[ "$after" = "$before" ] || fail "after a rolled back retrain the session scored $after, the model is $before"
[ "$(q -d "$db" -c "$row1")" = "$before" ] || fail "a rolled back retrain changed the model"
ok "a retrain rolled back leaves the old model, also for the session that made it"

dropdb "$db"
