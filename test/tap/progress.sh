#!/usr/bin/env bash
# Progress while training: the NOTICEs (epochs counting up, at most about
# one a second, the last "epoch N/N"), silenced by ae.progress and by the
# progress option; reports within a long epoch; a second session watching
# a training in ae_training and pg_stat_activity, the activity put back
# when training ends; another role seeing nothing of it.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

db=ae_progress
fresh_db "$db"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# now in seconds, to the millisecond
now() { date +%s.%N | cut -c1-14; }

# run FILE SQL...: run SQL with NOTICEs shown, each stderr line stamped with
# the time it arrived into FILE
run() {
    local file=$1; shift
    q -d "$db" -c "SET client_min_messages = notice" "$@" 2>&1 >/dev/null \
        | while IFS= read -r line; do echo "$(now) $line"; done > "$file"
}

# epochs of pima that take about 2.5 s here, measured on 500
secs=$(q -d "$db" -c "SELECT seconds FROM ae_train('p', 'pima', exclude => ARRAY['diabetes'], epochs => 500,
                                                   options => '{\"progress\": false}')")
epochs=$(awk -v s="$secs" 'BEGIN { e = int(500 * 2.5 / (s > 0.001 ? s : 0.001)); print (e > 100000 ? 100000 : (e < 500 ? 500 : e)) }')
train="SELECT epochs FROM ae_train('p', 'pima', exclude => ARRAY['diabetes'], epochs => $epochs)"

# the NOTICEs of a run of a few seconds
start=$(now)
run "$dir/on" -c "$train"
elapsed=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
n=$(grep -c 'NOTICE:' "$dir/on" || true)
[ "$n" -ge 2 ] || fail "a ${elapsed} s training sent $n NOTICEs: $(cat "$dir/on")"
num='[0-9.e+-]+'
head -n -1 "$dir/on" | cut -d' ' -f2- | grep -Evq "^NOTICE:  ae_train \"p\": epoch [0-9]+/$epochs, train loss $num, validation loss $num, [0-9]+ rows/s, about [0-9.]+ (s|min|h) left$" \
    && fail "a progress NOTICE is not as documented: $(cat "$dir/on")"
tail -1 "$dir/on" | cut -d' ' -f2- | grep -Eq "^NOTICE:  ae_train \"p\": epoch $epochs/$epochs, train loss $num, validation loss $num, [0-9]+ rows/s, done in [0-9.]+ (s|min|h), best epoch [0-9]+ kept \(validation loss $num\)$" \
    || fail "the last NOTICE is not the end: $(tail -1 "$dir/on")"
# epochs count up; at most about one a second (one arrives at least 0.8 s after
# the one before, the last aside)
awk -v last="$n" '{ match($0, /epoch [0-9]+/); e = substr($0, RSTART + 6, RLENGTH - 6) + 0
                    if (NR > 1 && e <= pe) { print "epoch " e " after " pe; bad = 1 }
                    if (NR > 1 && NR < last && $1 - pt < 0.8) { print "two NOTICEs " $1 - pt " s apart"; bad = 1 }
                    pe = e; pt = $1 } END { exit bad }' "$dir/on" || fail "NOTICEs out of order or too close: $(cat "$dir/on")"
[ "$n" -le "$(awk -v e="$elapsed" 'BEGIN { print int(e) + 2 }')" ] || fail "$n NOTICEs in ${elapsed} s"
ok "a ${elapsed} s training of $epochs epochs: $n NOTICEs, epochs counting up, the last one the end"

# silenced by the setting, by the option; the option overrides the setting
run "$dir/off" -c "SET ae.progress = off" -c "$train"
[ ! -s "$dir/off" ] || fail "ae.progress = off, yet: $(cat "$dir/off")"
run "$dir/opt" -c "SELECT epochs FROM ae_train('p', 'pima', exclude => ARRAY['diabetes'], epochs => $epochs,
                                              options => '{\"progress\": false}')"
[ ! -s "$dir/opt" ] || fail "progress => false, yet: $(cat "$dir/opt")"
run "$dir/force" -c "SET ae.progress = off" -c "SELECT length(ae_fit(p, '{\"exclude\": [\"diabetes\"], \"epochs\": $epochs, \"progress\": true}')) FROM pima p"
grep -q "^[0-9.]* NOTICE:  ae_fit: epoch $epochs/$epochs, " "$dir/force" \
    || fail "progress => true under ae.progress = off, under ae_fit: $(cat "$dir/force")"
ok "silenced by SET ae.progress = off and by the option progress => false; the option wins; ae_fit reports too"

# within a long epoch (a transformer over 100,000 rows), reports of the share done
q -d "$db" -c "CREATE TABLE wide AS SELECT g::float8 AS a, (g % 7)::float8 AS b, (g % 13)::float8 AS c,
                   sin(g) AS d, cos(g) AS e, (g % 3)::float8 AS f, sqrt(g) AS h, ln(g) AS i
               FROM generate_series(1, 100000) g"
psql -X -q -d "$db" -c "SET client_min_messages = notice" \
    -c "SELECT epochs FROM ae_train('w', 'wide', kind => 'transformer', epochs => 1000, options => '{\"width\": 64}')" \
    > "$dir/wide" 2>&1 &
trainer=$!
for _ in $(seq 1 300); do grep -qs 'at [0-9]*%' "$dir/wide" && break; sleep 0.1; done
q -d "$db" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%ae_train(''w''%' AND pid <> pg_backend_pid()" >/dev/null
wait "$trainer" || true
grep -Eq "^NOTICE:  ae_train \"w\": epoch 1/1000 at [0-9]+%, [0-9]+ rows/s, about [0-9.]+ (s|min|h) left$" "$dir/wide" \
    || fail "no report within the first epoch: $(cat "$dir/wide")"
ok "within a long epoch: $(grep -m1 'at [0-9]*%' "$dir/wide")"

# A second session watches a training (NOTICEs off: the view shows it all
# the same) of a model whose name would end a comment, open one and break
# a line if it were not escaped.
# the name: we"ird */ /* \ name, a newline, 2
name="'we\"ird */ /* \\ name' || chr(10) || '2'"
psql -X -q -d "$db" -c "SET ae.progress = off" \
    -c "SELECT epochs FROM ae_train($name, 'pima', exclude => ARRAY['diabetes'], epochs => 100000)" \
    > "$dir/watched" 2>&1 &
trainer=$!
watch="SELECT pid, epoch, model = $name, kind, epochs, rows_per_second > 0, seconds_left > 0,
              started <= now(), query LIKE 'SELECT epochs FROM ae_train(%', role = current_user FROM ae_training"
row=""
for _ in $(seq 1 100); do
    row=$(q -d "$db" -c "$watch")
    [ -n "$row" ] && [ "$(echo "$row" | cut -d'|' -f2)" -gt 0 ] && break
    sleep 0.1
done
[ -n "$row" ] || fail "ae_training never showed the training: $(cat "$dir/watched")"
IFS="|" read -r pid epoch1 same kind total rate left started query role <<< "$row"
[ "$same|$kind|$total|$rate|$left|$started|$query|$role" = "t|ae|100000|t|t|t|t|t" ] \
    || fail "ae_training shows $row"
raw=$(q -d "$db" -c "SELECT query_start, state FROM pg_stat_activity WHERE pid = $pid")
sleep 2.5
row=$(q -d "$db" -c "$watch")
epoch2=$(echo "$row" | cut -d'|' -f2)
[ -n "$epoch2" ] && [ "$epoch2" -gt "$epoch1" ] || fail "the epoch went from $epoch1 to '$epoch2'"
[ "$(q -d "$db" -c "SELECT query_start, state FROM pg_stat_activity WHERE pid = $pid")" = "$raw" ] \
    || fail "the reports changed query_start or state"
head=$(q -d "$db" -c "SELECT left(query, 68) FROM pg_stat_activity WHERE pid = $pid")
case "$head" in
    '/* ae_train model="we\"ird *\/ \/* \\ name\u000a2" kind=ae epoch='*) ;;
    *) fail "pg_stat_activity shows: $head" ;;
esac
ok "a second session sees the training: epoch $epoch1 then $epoch2 of 100000, the name escaped as $head..."

# another role sees nothing of it; pg_read_all_stats sees it
q -d "$db" -c "CREATE ROLE regress_ae_other; CREATE ROLE regress_ae_stats IN ROLE pg_read_all_stats"
[ "$(q -d "$db" -c "SET ROLE regress_ae_other" -c "SELECT count(*) FROM ae_training")" = 0 ] \
    || fail "another role sees the training"
[ "$(q -d "$db" -c "SET ROLE regress_ae_stats" -c "SELECT count(*) FROM ae_training WHERE pid = $pid")" = 1 ] \
    || fail "a member of pg_read_all_stats does not see the training"
ok "another role sees no training; a member of pg_read_all_stats does"

# cancelled, the backend shows its statement again, and the view nothing
q -d "$db" -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait "$trainer" || true
grep -q "canceling statement due to user request" "$dir/watched" || fail "not cancelled: $(cat "$dir/watched")"
[ "$(q -d "$db" -c "SELECT count(*) FROM ae_training")" = 0 ] || fail "ae_training still shows a training"
# a training that fails (here a timeout caught in plpgsql) puts the statement back too
q -d "$db" -c "SET statement_timeout = '1.5s'" -c "CREATE TEMP TABLE seen (q text)" -c "DO \$\$ BEGIN
        PERFORM ae_train('t', 'pima', exclude => ARRAY['diabetes'], epochs => 100000);
    EXCEPTION WHEN query_canceled THEN
        INSERT INTO seen SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid();
    END \$\$" -c "SELECT q LIKE 'DO %' FROM seen" > "$dir/caught" 2>&1 || true
[ "$(tail -1 "$dir/caught")" = t ] || fail "after a caught timeout, pg_stat_activity shows: $(cat "$dir/caught")"
ok "cancelled, the view is empty; after a caught timeout the backend shows its own statement again"

q -d "$db" -c "DROP ROLE regress_ae_other; DROP ROLE regress_ae_stats"
dropdb "$db"
