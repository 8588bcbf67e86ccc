#!/usr/bin/env bash
# ae on a Citus cluster (PGHOST/PGPORT point at the coordinator; two
# workers are added): training samples on the workers, ae_fit and per-group
# models on distributed tables, scoring and an UPDATE with ae_impute pushed
# down to the workers, and the error of the name form on a worker.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0
failed=0
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
check() {   # check <description> <condition command...>
    local what=$1
    shift
    if "$@"; then echo "ok: $what"; passed=$((passed + 1)); else echo "not ok: $what"; failed=$((failed + 1)); fi
}

q >/dev/null 2>&1 <<'SQL'
DROP TABLE IF EXISTS pima, breastcancer, ionosphere, penguins;
DROP TYPE IF EXISTS penguin_species;
DROP EXTENSION IF EXISTS ae CASCADE;
SQL
q -c "CREATE EXTENSION ae" >/dev/null
q -f test/data/load.sql >/dev/null
setup_log=$(mktemp)
q >/dev/null 2>"$setup_log" <<'SQL' || { cat "$setup_log"; echo "0 passed, 1 failed"; exit 1; }
DROP TABLE IF EXISTS pima_local, tall, tall_local, sales;
CREATE TABLE pima_local AS SELECT * FROM pima;
SELECT create_distributed_table('pima', 'id');
CREATE TABLE tall AS
SELECT g AS id, (g % 97)::float8 AS a, sin(g)::float8 + (g % 7) AS b, (g % 7)::float8 * 2 + cos(g)::float8 AS c,
       (g % 13 = 0) AS d
  FROM generate_series(1, 200000) g;
CREATE TABLE tall_local AS SELECT * FROM tall;
SELECT create_distributed_table('tall', 'id');
CREATE TABLE sales AS
SELECT g AS id, 1 + g % 8 AS store, (g % 50)::float8 + (g % 8) * 10 AS amount, (g % 5)::float8 AS items
  FROM generate_series(1, 8000) g;
SELECT create_distributed_table('sales', 'store');
SQL
rm -f "$setup_log"
echo "== tables: pima and tall distributed on id, sales on store; shards per worker"
q -c "SELECT nodeport, count(*) FROM citus_shards GROUP BY 1 ORDER BY 1"

echo "== ae_train on a distributed table: rows sampled on the workers"
out=$(q -c "SELECT rows FROM ae_train('tall', 'tall', epochs => 5, options => '{\"max_rows\": 5000}')" 2>&1)
echo "$out"
q -c "SELECT ae_train('tall_local', 'tall_local', epochs => 5, options => '{\"max_rows\": 5000}')" >/dev/null 2>&1
# the rows each worker let through: the rule ae_train uses, run shard by shard
per_worker=$(q <<'SQL'
SELECT s.nodeport, sum(r.result::bigint)
  FROM run_command_on_shards('tall', format(
         $$SELECT count(*) FROM %%s t WHERE (hashtextextended(t.ctid::text || t.tableoid::text, 42) & 1048575) < %s$$,
         ceil((5000 + 4 * sqrt(5000) + 10) / 200000 * 1048576)::bigint)) r
  JOIN (SELECT DISTINCT shardid, nodeport FROM citus_shards) s USING (shardid)
 GROUP BY 1 ORDER BY 1
SQL
)
echo "$per_worker" | sed 's/^/  worker port|rows sampled: /'
seen=$(q -c "SELECT ae_info(model)->'metrics'->>'rows_seen' FROM ae_models WHERE name = 'tall'")
total=$(echo "$per_worker" | awk -F'|' '{s += $2} END {print s}')
check "the workers sampled $total of 200000 rows, and training saw exactly those ($seen)" \
    [ "$seen" = "$total" ] && [ "$total" -ge 5000 ] && [ "$total" -lt 7000 ]
check "every worker contributed its share" [ "$(echo "$per_worker" | awk -F'|' '$2 > 2000' | wc -l)" = 2 ]
echo "== the model next to the same training on a local copy (5000 rows each)"
q -c "SELECT name, round((metrics->'val_loss'->>((metrics->>'best_epoch')::int - 1))::numeric, 4) AS val_loss,
             round(avg(ae_score(model, t))::numeric, 4) AS mean_score_on_all_rows
        FROM ae_models m, tall_local t WHERE name IN ('tall', 'tall_local') GROUP BY name, metrics ORDER BY name"
close=$(q -c "SELECT abs(a - b) / b < 0.25 FROM
               (SELECT avg(ae_score(m.model, t)) FILTER (WHERE m.name = 'tall') a,
                       avg(ae_score(m.model, t)) FILTER (WHERE m.name = 'tall_local') b
                  FROM ae_models m, tall_local t WHERE m.name IN ('tall', 'tall_local')) s")
check "sampled on the workers, the model scores like one trained on a local copy" [ "$close" = t ]

echo "== the same rows: pima distributed and local, every row (fewer than max_rows)"
q -c "SELECT ae_train('pima_dist', 'pima', exclude => ARRAY['diabetes']),
             ae_train('pima_here', 'pima_local', exclude => ARRAY['diabetes']),
             ae_train('pima_here1', 'pima_local', exclude => ARRAY['diabetes'], seed => 1),
             ae_train('pima_here2', 'pima_local', exclude => ARRAY['diabetes'], seed => 2)" >/dev/null
auc() {   # ROC-AUC of a model's score for diabetes = pos, on the local copy
    q -c "WITH s AS (SELECT ae_score(m.model, p) AS score, p.diabetes = 'pos' AS pos
                       FROM ae_models m, pima_local p WHERE m.name = '$1' AND ae_score(m.model, p) IS NOT NULL),
                r AS (SELECT pos, rank() OVER (ORDER BY score) AS rk FROM s)
          SELECT round(((SELECT sum(rk) FROM r WHERE pos) - count(*) FILTER (WHERE pos) * (count(*) FILTER (WHERE pos) + 1) / 2.0)
                       / (count(*) FILTER (WHERE pos) * count(*) FILTER (WHERE NOT pos)), 4) FROM r"
}
# the workers hand the rows over in another order, which trains another model,
# as another seed does: the distributed one must rank within the local seeds' spread
a_dist=$(auc pima_dist)
a_here=$(auc pima_here)
a_here1=$(auc pima_here1)
a_here2=$(auc pima_here2)
echo "  ROC-AUC for diabetes: distributed $a_dist, local $a_here, $a_here1, $a_here2 (seeds 42, 1, 2)"
check "on the same rows, distributed training ranks as local training does (ROC-AUC $a_dist, local seeds $a_here, $a_here1, $a_here2)" \
    [ "$(q -c "SELECT $a_dist BETWEEN least($a_here, $a_here1, $a_here2) - 0.03
                                 AND greatest($a_here, $a_here1, $a_here2) + 0.03")" = t ]

echo "== ae_fit over a distributed table, and one model per group on the workers"
check "SELECT ae_fit(t) FROM dist t works (the rows come to the coordinator)" \
    [ "$(q -c "SELECT length(ae_fit(t, '{\"epochs\": 2}')) > 0 FROM pima t")" = t ]
q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT store, ae_fit(s, '{\"epochs\": 2}') FROM sales s GROUP BY store" \
    | grep -E 'Task Count|Query:' | cut -c1-160
check "GROUP BY the distribution column trains one model per group, on the workers" \
    [ "$(q -c "SELECT count(*) FILTER (WHERE m IS NOT NULL) FROM (SELECT store, ae_fit(s, '{\"epochs\": 2}') m FROM sales s GROUP BY store) x")" = 8 ]

echo "== scoring on the workers with the model's bytes"
plan=$(q -c "EXPLAIN (VERBOSE, COSTS OFF)
             SELECT id, ae_score((SELECT model FROM ae_models WHERE name = 'pima_dist'), p) FROM pima p
              ORDER BY 2 DESC LIMIT 5")
echo "$plan" | grep -E 'Task Count|Query:|Node:' | cut -c1-160 | head -4
check "EXPLAIN VERBOSE shows ae_score in the workers' task query" \
    bash -c "echo \"\$0\" | grep -q 'Query: SELECT .*public.ae_score('" "$plan"
same=$(q -c "SELECT bool_and(abs(a.s - b.s) < 1e-9) FROM
              (SELECT id, ae_score((SELECT model FROM ae_models WHERE name = 'pima_dist'), p) s FROM pima p) a
              JOIN (SELECT id, ae_score('pima_dist', p) s FROM pima_local p) b USING (id)")
check "scores computed on the workers equal the coordinator's" [ "$same" = t ]

echo "== the name form on a worker"
err=$(q -c "SELECT ae_score('pima_dist', p) FROM pima p LIMIT 1" 2>&1 || true)
echo "$err" | sed 's/^/  /'
check "the name form on a worker says to pass the model's bytes" \
    bash -c "echo \"\$0\" | grep -q 'pass the model.s bytes'" "$err"

echo "== UPDATE with ae_impute, run on the workers"
before=$(q -c "SELECT count(*) FROM pima WHERE insulin IS NULL")
plan=$(q <<'SQL'
SELECT model AS m FROM ae_models WHERE name = 'pima_dist' \gset
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE pima p SET insulin = (ae_impute(:'m'::bytea, p)).insulin WHERE insulin IS NULL;
SQL
)
echo "$plan" | grep -E 'Task Count|Node:' | head -2
echo "$plan" | grep -oE 'Query: UPDATE public.pima_[0-9]+ p SET insulin = \(public.ae_impute\(' | head -1
check "the UPDATE runs on the workers as one task per shard" \
    bash -c "echo \"\$0\" | grep -q 'Query: UPDATE public.pima_[0-9]* p SET insulin = (public.ae_impute('" "$plan"
q <<'SQL' >/dev/null
SELECT model AS m FROM ae_models WHERE name = 'pima_dist' \gset
UPDATE pima p SET insulin = (ae_impute(:'m'::bytea, p)).insulin WHERE insulin IS NULL;
SQL
after=$(q -c "SELECT count(*) FROM pima WHERE insulin IS NULL")
expected=$(q -c "SELECT string_agg(id || ':' || coalesce(insulin, (ae_impute('pima_dist', l)).insulin), ',' ORDER BY id)
                   FROM pima_local l")
actual=$(q -c "SELECT string_agg(id || ':' || insulin, ',' ORDER BY id) FROM pima")
[ "$expected" = "$actual" ] && filled=t || filled=f
check "the UPDATE filled the $before missing values ($after left), as the coordinator imputes them" \
    [ "$after" = 0 ] && [ "$filled" = t ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
