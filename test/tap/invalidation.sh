#!/usr/bin/env bash
# A backend that has cached a model by name sees a retrain committed by
# another backend at its next statement: the trigger on ae_models sends a
# relcache invalidation that drops every backend's name map.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_inval
q -d ae_inval -c "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 5)" >/dev/null
query="SELECT round(ae_score('m', p)::numeric, 9) FROM pima p WHERE id = 1;"

dir=$(mktemp -d)
mkfifo "$dir/in"
# session A: one long-lived backend reading statements from the fifo
q -d ae_inval < "$dir/in" > "$dir/out" &
exec 3>"$dir/in"
echo "$query" >&3
echo "SELECT pg_sleep(0.5);" >&3     # A has scored (and cached) before B retrains
sleep 2

# session B: retrain under the same name
q -d ae_inval -c "SELECT * FROM ae_train('m', 'pima', exclude => ARRAY['diabetes'], epochs => 5, seed => 9)" >/dev/null
fresh=$(q -d ae_inval -c "$query")

echo "$query" >&3
echo '\q' >&3
exec 3>&-
wait
first=$(sed -n 1p "$dir/out")
second=$(sed -n 3p "$dir/out")
rm -rf "$dir"
[ -n "$first" ] && [ -n "$second" ] || fail "session A printed nothing"
[ "$first" != "$second" ] || fail "session A kept the old model ($first)"
[ "$second" = "$fresh" ] || fail "session A scored $second, a fresh session $fresh"
ok "retrain seen by a running session ($first -> $second)"
dropdb ae_inval
