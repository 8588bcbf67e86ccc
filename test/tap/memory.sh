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

# the same scores as scoring each group with its own model alone
same=$(q -d ae_memory -c "
    SELECT count(*) FILTER (WHERE j.score = g.score) || ' of ' || count(*)
      FROM (SELECT s.id, ae_score(m.model, s) AS score
              FROM (SELECT id, grp, glucose, mass, age FROM t WHERE id <= 3000) s JOIN per_group m USING (grp)) j
      JOIN (SELECT s.id, ae_score(m.model, s) AS score
              FROM per_group m, LATERAL (SELECT id, grp, glucose, mass, age FROM t
                                          WHERE id <= 3000 AND grp = m.grp OFFSET 0) s) g USING (id)")
[ "$same" = "3000 of 3000" ] || fail "alternating models scored differently from one model at a time: $same"
ok "alternating models score each row as its own model alone does ($same)"

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

# eight models of about 18 MB alternating row by row in one call site, with no idle models kept
# (ae.model_cache_size = 0): the site keeps prepared models while they hold under 64 MB and
# recycles the oldest beyond, so a backend's peak grows by a few of them, not by all eight (each
# takes about 27 MB prepared: its bytes, its weights and their one-row layout; all eight held
# at once measured 278 MB, the budget 164 MB, freed models' memory not all returned at once)
q -d ae_memory -c "
    CREATE TABLE big8 AS
    SELECT seed, ae_fit(p, jsonb_build_object('epochs', 1, 'hidden', '[1024, 1024]'::jsonb, 'seed', seed)) AS model
      FROM (SELECT glucose, mass, age FROM pima) p, generate_series(1, 8) seed GROUP BY seed;" >/dev/null
peak=$(q -d ae_memory <<'SQL'
SET ae.model_cache_size = 0;
SELECT pg_backend_pid() AS pid \gset
\setenv AE_PID :pid
\! awk '/VmHWM/ {print $2}' /proc/$AE_PID/status
SELECT count(ae_score(b.model, p)) FROM pima p JOIN big8 b ON b.seed = 1 + p.id % 8;
\! awk '/VmHWM/ {print $2}' /proc/$AE_PID/status
SQL
)
before=$(echo "$peak" | sed -n 1p)
after=$(echo "$peak" | tail -n 1)
[ -n "$before" ] && [ -n "$after" ] || fail "could not read the backend's peak memory: $peak"
grew=$(( (after - before) / 1024 ))
[ "$grew" -lt 200 ] || fail "eight 18 MB models alternating grew the peak by ${grew} MB"
ok "eight models of about 18 MB alternating per row: the peak grew by ${grew} MB"
dropdb ae_memory
