#!/usr/bin/env bash
# ALTER EXTENSION ae UPDATE from 0.1.0 keeps every model, and the models
# score and impute as 0.1.0 did: the same rows, every integer, boolean and
# category the same, every fractional number within 1e-5 relative (the
# kernels chosen for the CPU round differently from 0.1.0's loops, as they
# differ from one CPU to another: src/core/kernels.h).  test/upgrade holds
# two models trained by ae 0.1.0 with their scores and imputations.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

# largest_difference <got> <file>: the largest relative difference between
# the fractional numbers of two listings of the same shape, field by field
# ('|' and ',' separate fields, parentheses aside); any other field that
# differs, or a different number of lines, gives 1e9.
largest_difference() {
    [ "$(echo "$1" | wc -l)" = "$(wc -l < "$2")" ] || { echo 1e9; return; }
    paste -d'\n' <(echo "$1") "$2" | tr -d '()' | awk -F'[|,]' '
        NR % 2 == 1 { n = split($0, got, /[|,]/); next }
        {
            if (split($0, want, /[|,]/) != n) bad = 1
            for (i = 1; i <= n; i++) {
                if (got[i] == want[i]) continue
                if (got[i] !~ /^-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?$/ || want[i] !~ /^-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?$/) { bad = 1; continue }
                d = got[i] - want[i]; if (d < 0) d = -d
                m = want[i] < 0 ? -want[i] : want[i]
                r = d / (m > 1e-12 ? m : 1e-12)
                if (r > worst) worst = r
            }
        }
        END { if (bad) print "1e9"; else printf "%.1e\n", worst }'
}

# within_tolerance <difference>: is it at most 1e-5?
within_tolerance() { awk -v w="$1" 'BEGIN { exit !(w + 0 <= 1e-5) }'; }

db=ae_upgrade
dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
q -d "$db" -c "CREATE EXTENSION ae VERSION '0.1.0'"
q -d "$db" -f test/data/load.sql
q -d "$db" <<'SQL'
CREATE TEMP TABLE fixture (name text, hex text);
\copy fixture FROM 'test/upgrade/models-0.1.0.txt' WITH (FORMAT text, DELIMITER '|')
INSERT INTO ae_models (name, kind, relation, columns, options, metrics, model)
SELECT name, i->>'kind', CASE name WHEN 'up_pima' THEN 'public.pima' ELSE 'public.penguins' END,
       i->'columns', i->'options', i->'metrics', decode(hex, 'hex')
  FROM fixture, ae_info(decode(hex, 'hex')) i;
SQL

# the library refuses the name form until the SQL objects are updated
err=$(q -d "$db" -c "SELECT ae_score('up_pima', p) FROM pima p LIMIT 1" 2>&1 || true)
echo "$err" | grep -q 'ALTER EXTENSION ae UPDATE' || fail "0.1.0 objects with the new library: $err"
err=$(q -d "$db" -c "SELECT ae_fit(p) FROM pima p" 2>&1 || true)
echo "$err" | grep -q 'ALTER EXTENSION ae UPDATE' || fail "0.1.0's ae_fit with the new library: $err"
ok "0.1.0's SQL objects with this library: a clear error, no crash"

q -d "$db" -c "ALTER EXTENSION ae UPDATE"
[ "$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'ae'")" = 0.3.0 ] || fail "not updated"
[ "$(q -d "$db" -c "SELECT count(*) FROM ae_models WHERE owner = current_user::regrole")" = 2 ] \
    || fail "the models did not survive the update with their owner"
[ "$(q -d "$db" -c "SELECT string_agg(name || ':' || version || '/' || last_version, ',' ORDER BY name) FROM ae_models")" = "up_penguins:1/1,up_pima:1/1" ] \
    || fail "the models are not version 1 after the update"
[ "$(q -d "$db" -c "SELECT count(*) FROM ae_model_history")" = 0 ] || fail "the update made earlier versions"

scores=$(PGOPTIONS="-c extra_float_digits=3" q -d "$db" -c "
    SELECT 'up_pima', id, ae_score('up_pima', p) FROM pima p
    UNION ALL SELECT 'up_penguins', id, ae_score('up_penguins', g) FROM penguins g ORDER BY 1, 2")
score_diff=$(largest_difference "$scores" test/upgrade/scores-0.1.0.txt)
within_tolerance "$score_diff" || fail "scores changed across the update: relative difference $score_diff"
imputed=$(q -d "$db" -c "SELECT 'up_pima', id, ae_impute('up_pima', p)::text FROM pima p
                          WHERE NOT (p IS NOT NULL) ORDER BY id")
impute_diff=$(largest_difference "$imputed" test/upgrade/impute-0.1.0.txt)
within_tolerance "$impute_diff" || fail "imputations changed across the update: relative difference $impute_diff"
ok "ALTER EXTENSION ae UPDATE keeps the models; $(echo "$scores" | wc -l) scores and $(echo "$imputed" | wc -l) imputations as 0.1.0's (largest relative differences $score_diff, $impute_diff)"

# the updated objects are those a fresh install creates: every function,
# aggregate and view of the extension, with its definition and settings
objects="SELECT pg_describe_object(d.classid, d.objid, 0) || ' ' ||
                coalesce((SELECT pg_get_functiondef(p.oid) || ' cost ' || p.procost || ' rows ' || p.prorows
                            || ' ' || p.provolatile::text || p.proparallel::text || p.prosecdef::text
                            FROM pg_proc p WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid AND p.prokind <> 'a'),
                         (SELECT pg_get_viewdef(d.objid) WHERE d.classid = 'pg_class'::regclass
                                 AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'v'), '')
           FROM pg_depend d
          WHERE d.refclassid = 'pg_extension'::regclass
            AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ae') AND d.deptype = 'e'
          ORDER BY 1"
updated=$(q -d "$db" -c "$objects")
dropdb --if-exists ae_fresh 2>/dev/null
createdb ae_fresh
q -d ae_fresh -c "CREATE EXTENSION ae"
fresh=$(q -d ae_fresh -c "$objects")
# and the extension's tables have the same columns in the same order, the
# same constraints, policies and grants
tables="SELECT c.relname, c.relacl::text, c.relrowsecurity,
               (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
                                  || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''), ', ' ORDER BY a.attnum)
                  FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
               (SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), ', ' ORDER BY co.conname)
                  FROM pg_constraint co WHERE co.conrelid = c.oid),
               (SELECT string_agg(p.policyname || ' ' || p.cmd || ' ' || p.qual || ' ' || coalesce(p.with_check, ''), ', ')
                  FROM pg_policies p WHERE p.tablename = c.relname),
               (SELECT string_agg(a.attname || ' ' || a.attacl::text, ', ') FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)
          FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
         WHERE d.classid = 'pg_class'::regclass AND c.relkind = 'r' AND d.deptype = 'e'
           AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ae')
         ORDER BY 1"
fresh_tables=$(q -d ae_fresh -c "$tables")
dropdb ae_fresh
[ "$updated" = "$fresh" ] || fail "the update and a fresh install differ: $(diff <(echo "$updated") <(echo "$fresh") | head -20)"
updated_tables=$(q -d "$db" -c "$tables")
[ "$updated_tables" = "$fresh_tables" ] \
    || fail "the update's tables and a fresh install's differ: $(diff <(echo "$updated_tables") <(echo "$fresh_tables") | head -20)"
ok "the updated extension's $(echo "$fresh" | grep -c .) objects are those of a fresh install, its $(echo "$fresh_tables" | grep -c .) tables too"

q -d "$db" -c "SELECT * FROM ae_train('after', 'pima', epochs => 2)" >/dev/null || fail "cannot train after the update"
# retraining a model stored by 0.1.0 keeps it as version 1, which scores as before
q -d "$db" -c "SELECT * FROM ae_train('up_pima', 'pima', epochs => 2)" >/dev/null || fail "cannot retrain after the update"
[ "$(q -d "$db" -c "SELECT string_agg(version || ':' || current, ',' ORDER BY version) FROM ae_model_versions WHERE name = 'up_pima'")" = "1:false,2:true" ] \
    || fail "retraining a 0.1.0 model did not keep it as version 1"
[ "$(q -d "$db" -c "SELECT ae_rollback('up_pima')")" = 1 ] || fail "cannot roll back to the 0.1.0 model"
rolled=$(PGOPTIONS="-c extra_float_digits=3" q -d "$db" -c "SELECT 'up_pima', id, ae_score('up_pima', p) FROM pima p ORDER BY 2")
[ "$rolled" = "$(echo "$scores" | grep '^up_pima|')" ] || fail "the 0.1.0 model scores differently after a retrain and a rollback"
[ -n "$(q -d "$db" -c "SELECT ae_score(p) FROM pima p WHERE id = 1")" ] || fail "the row form fails after the update"
ok "training, the row form, versions and rollback work after the update"
dropdb "$db"
