#!/usr/bin/env bash
# pg_cancel_backend stops a long training promptly, and the registry keeps
# the model it had.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_cancel
q -d ae_cancel -c "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 3)" >/dev/null
old=$(q -d ae_cancel -c "SELECT md5(model) FROM ae_models WHERE name = 'm'")

log=$(mktemp)
psql -X -q -d ae_cancel -c "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 100000)" > "$log" 2>&1 &
trainer=$!
# wait until it is training
for _ in $(seq 1 50); do
    pid=$(q -d ae_cancel -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%epochs => 100000%' AND pid <> pg_backend_pid() AND state = 'active'")
    [ -n "$pid" ] && break
    sleep 0.1
done
[ -n "$pid" ] || fail "training never started"
sleep 0.5
start=$(date +%s%N)
q -d ae_cancel -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$trainer" || true
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q "canceling statement due to user request" "$log" || { cat "$log"; fail "training was not cancelled"; }
rm -f "$log"
# promptly: well under a second (one mini-batch is microseconds)
[ "$elapsed_ms" -lt 2000 ] || fail "cancel took ${elapsed_ms} ms"
[ "$(q -d ae_cancel -c "SELECT md5(model) FROM ae_models WHERE name = 'm'")" = "$old" ] \
    || fail "the registry changed"
ok "cancelled in ${elapsed_ms} ms, registry unchanged"

# statement_timeout stops a training whose single mini-batch takes seconds
# (3000-wide layers over 4096 rows): the products run in blocks, with the
# interrupt check between them
q -d ae_cancel -c "CREATE TABLE wide AS SELECT g::float8 AS a, (g % 7)::float8 AS b, (g % 13)::float8 AS c
                   FROM generate_series(1, 4096) g"
start=$(date +%s%N)
err=$(q -d ae_cancel -c "SET statement_timeout = '1s';
    SELECT * FROM ae_train('wide', 'wide', hidden => ARRAY[3000, 3000], batch_size => 4096,
                           options => '{\"val_share\": 0}')" 2>&1 || true)
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$err" | grep -q "statement timeout" || fail "the timeout did not stop training: $err"
[ "$elapsed_ms" -lt 4000 ] || fail "statement_timeout = 1s stopped training after ${elapsed_ms} ms"
ok "statement_timeout = 1s stopped a training of multi-second mini-batches after ${elapsed_ms} ms"
dropdb ae_cancel
