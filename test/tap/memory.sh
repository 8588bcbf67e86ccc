#!/usr/bin/env bash
# Memory stays bounded: a call site whose model changes from row to row
# (a join to per-group models) does not grow with the rows it scores, and
# the models a backend keeps when no query uses them stay within
# ae.model_cache_size.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_memory
q -d ae_memory -c "
    CREATE TABLE t AS SELECT g AS id, g % 6 AS grp, p.glucose, p.mass, p.age
      FROM generate_series(1, 120000) g JOIN pima p ON p.id = 1 + g % 768;
    CREATE TABLE per_group AS SELECT grp, ae_fit(s, '{\"epochs\": 1}') AS model
      FROM (SELECT grp, glucose, mass, age FROM t WHERE id <= 6000) s GROUP BY grp;"

# peak resident memory of one backend after scoring the first n rows, six models alternating
peak_after() {
    q -d ae_memory <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv AE_PID :pid
SELECT count(ae_score(m.model, s)) FROM (SELECT grp, glucose, mass, age FROM t WHERE id <= $1 ORDER BY id) s
  JOIN per_group m USING (grp);
\! awk '/VmHWM/ {print \$2}' /proc/\$AE_PID/status
SQL
}
small=$(peak_after 20000 | tail -n 1)
large=$(peak_after 120000 | tail -n 1)
[ -n "$small" ] && [ -n "$large" ] || fail "could not read the backends' peak memory"
growth=$(( (large - small) / 1024 ))
[ "$growth" -lt 30 ] || fail "scoring 6x the rows with alternating models grew the peak by ${growth} MB"
ok "six models alternating per row: peak ${small} kB after 20000 rows, ${large} kB after 120000"

# five models of about 18 MB each (weights and bytes), used one after another, with a 40 MB cache
out=$(q -d ae_memory <<'SQL'
SET ae.model_cache_size = '40MB';
CREATE TEMP TABLE big AS
SELECT seed, ae_fit(p, jsonb_build_object('epochs', 1, 'hidden', '[1024, 1024]'::jsonb, 'seed', seed)) AS model
  FROM (SELECT glucose, mass, age FROM pima) p, generate_series(1, 5) seed GROUP BY seed;
SELECT count(ae_score(b.model, p)) FROM big b, pima p WHERE b.seed = 1;
SELECT count(ae_score(b.model, p)) FROM big b, pima p WHERE b.seed = 2;
SELECT count(ae_score(b.model, p)) FROM big b, pima p WHERE b.seed = 3;
SELECT count(ae_score(b.model, p)) FROM big b, pima p WHERE b.seed = 4;
SELECT count(ae_score(b.model, p)) FROM big b, pima p WHERE b.seed = 5;
SELECT 'cached', count(*), coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts WHERE name = 'ae model';
SQL
)
line=$(echo "$out" | grep '^cached|')
bytes=$(echo "$line" | cut -d'|' -f3)
[ -n "$bytes" ] && [ "$bytes" -le $((40 * 1024 * 1024)) ] && [ "$(echo "$line" | cut -d'|' -f2)" -ge 1 ] || fail "idle models hold more than 40 MB, or none: $line"
ok "five models of about 18 MB in turn, ae.model_cache_size = 40MB: $(echo "$line" | cut -d'|' -f2) kept idle, ${bytes} bytes"
dropdb ae_memory
