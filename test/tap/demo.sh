#!/usr/bin/env bash
# The demo at a tenth of its size: test/demo/demo.sql with rows=10000 in a
# fresh database.  The generator gives the same rows as ever; the review
# queue is printed with its reasons; the top 1% holds several times the
# planted frauds a random review of as many rows finds; the blanked cells
# come back filled; every merchant category gets a model.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

db=ae_demo
dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
out=$(mktemp)
pictures=$(mktemp -d)
trap 'rm -rf "$out" "$pictures"' EXIT
psql -X -v ON_ERROR_STOP=1 -P pager=off -v rows=10000 -v picture_dir="$pictures" -d "$db" -f test/demo/demo.sql > "$out" 2>&1 \
    || { cat "$out"; fail "demo.sql stopped with an error"; }
ok "demo.sql ran at 10,000 rows"

# same rows on every machine: the md5 of the table as text
sum=$(q -d "$db" -c "SELECT md5(string_agg(t::text, E'\n' ORDER BY transaction_id)) FROM transactions t")
[ "$sum" = e2e28dce46d01b35c768054fd7d96b7e ] || fail "the generator's rows changed (md5 $sum)"
ok "the generator's 10,000 rows are the same as ever"

# the queue: 20 rows, each with an id, a score and three reasons
queue=$(sed -n '/^== The review queue/,/^$/p' "$out" | grep -cE '^ [0-9]+ \|.*\| +[0-9.]+ \| [^;|]+; [^;|]+; [^;|]+ \|') || true
[ "$queue" = 20 ] || { cat "$out"; fail "the queue printed $queue rows with three reasons, not 20"; }
ok "the review queue printed 20 rows with three reasons each"

# the queue said out loud: the rows above the model's 99th percentile are 1% of the table
above=$(sed -n '/^== The queue of a day/,/^$/p' "$out" | grep -E '^ +[0-9.]+ \| +[0-9]+ \|' | awk -F'|' '{ print $2 + 0 }')
[ -n "$above" ] && [ "$above" -ge 90 ] && [ "$above" -le 110 ] \
    || { cat "$out"; fail "rows above ae_percentile 0.99: ${above:-none} of 10,000"; }
ok "ae_percentile > 0.99 holds $above of the 10,000 rows"

# the top 1% against a random review of as many rows
read -r caught random <<< "$(q -F ' ' -d "$db" -c "SELECT caught, random_finds FROM catch WHERE pattern = 'all planted frauds'")"
[ -n "$caught" ] || fail "no catch rate"
awk -v c="$caught" -v r="$random" 'BEGIN { exit !(c >= 3 * r) }' \
    || fail "the top 1% caught $caught planted frauds, a random review finds $random"
ok "the top 1% caught $caught planted frauds, a random review finds $random"

# the velocity column brings card testing into the queue
read -r before after <<< "$(q -F ' ' -d "$db" -c "SELECT c.caught, v.caught FROM catch c JOIN catch_velocity v USING (pattern) WHERE pattern = 'card_testing'")"
[ -n "$after" ] && [ "$after" -gt "$before" ] \
    || fail "card testing in the top 1%: $before without the velocity column, ${after:-none} with it"
ok "card testing in the top 1%: $before without the velocity column, $after with it"

# the blanked cells are filled, and the rest of each row kept
filled=$(q -d "$db" -c "
    SELECT count(*) FILTER (WHERE f.country IS NOT NULL AND f.amount IS NOT NULL AND f.p_emaildomain IS NOT NULL
                              AND (i.country IS NULL OR f.country = i.country)
                              AND (i.amount IS NULL OR f.amount = i.amount)
                              AND (i.p_emaildomain IS NULL OR f.p_emaildomain = i.p_emaildomain))
      FROM incoming i, ae_impute('fraud', i) f")
[ "$filled" = 3 ] || fail "ae_impute filled $filled of the 3 incoming rows"
blanks=$(q -d "$db" -c "SELECT count(*) FROM incoming WHERE country IS NULL OR amount IS NULL OR p_emaildomain IS NULL")
[ "$blanks" = 3 ] || fail "$blanks of the incoming rows have a blank"
grep -qE '^ +1 \| country +\| RU +\| RU +\|' "$out" \
    || fail "the RU row's country was not printed as RU (yandex.ru and addr2 43 say it)"
ok "ae_impute filled the 3 blanked cells (the country from yandex.ru: RU)"

# one model per category, each scored
cats=$(q -d "$db" -c "SELECT count(*) FILTER (WHERE model IS NOT NULL) || ' ' || count(DISTINCT merchant_category) FROM category_models")
[ "$cats" = "6 6" ] || fail "category models: $cats"
printed=$(sed -n '/^== One model per merchant category/,/^$/p' "$out" | grep -cE '^ [a-z]+ +\| +[0-9]+ \|') || true
[ "$printed" = 6 ] || fail "the category table printed $printed rows, not 6"
ok "six merchant categories, six models"

# the pictures: well-formed SVG documents, a point per row (10,000: the map's cap), every
# planted pattern in the legend, a polyline point per epoch in the loss
for f in fraud_map.svg fraud_loss.svg; do
    [ -s "$pictures/$f" ] || fail "no $f"
    [ "$(q -d "$db" <<< "\\set doc \`cat '$pictures/$f'\`
                          SELECT xml_is_well_formed_document(:'doc');")" = t ] \
        || fail "$f is not a well-formed XML document"
done
points=$(grep -c '<circle' "$pictures/fraud_map.svg")
[ "$points" = 10000 ] || fail "the latent map has $points points, not 10,000"
for label in legitimate card_testing account_tak refund_fraud high_amount; do
    grep -q ">$label" "$pictures/fraud_map.svg" || fail "the map's legend lacks $label"
done
epochs=$(q -d "$db" -c "SELECT ae_info(model)->'metrics'->>'epochs_run' FROM ae_models WHERE name = 'fraud'")
curve=$(grep -o '<polyline[^>]*points="[^"]*"' "$pictures/fraud_loss.svg" | head -1 | sed 's/.*points="//; s/"$//' | wc -w)
[ "$curve" = "$epochs" ] || fail "the loss curve has $curve points for $epochs epochs"
ok "the latent map ($points points, every pattern in the legend) and the loss curve ($epochs epochs) are well-formed SVG"

dropdb "$db"
