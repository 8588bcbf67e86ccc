#!/usr/bin/env bash
# pg_dump keeps trained models: a dump and restore into another database
# brings back ae_models and every earlier version in ae_model_history, and
# the restored models score exactly as before.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_dump_src
q -d ae_dump_src -c "SELECT * FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 10)" >/dev/null
# versions 1, 2 and 3, then back to 2: version 3 waits in the history
for seed in 7 8; do
    q -d ae_dump_src -c "SELECT * FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 10, seed => $seed)" >/dev/null
done
[ "$(q -d ae_dump_src -c "SELECT ae_rollback('bc')")" = 2 ] || fail "rollback before the dump"
before=$(q -d ae_dump_src -c "SELECT round(sum(ae_score('bc', b))::numeric, 9) FROM breastcancer b")
versions="SELECT version, current, md5(model), created_at, kind, relation, options, metrics, columns
            FROM ae_model_versions WHERE name = 'bc' ORDER BY version"
by_version="SELECT v, round(sum(ae_score((SELECT ae_model('bc', v)), b))::numeric, 9)
              FROM generate_series(1, 3) v, breastcancer b GROUP BY v ORDER BY v"
versions_before=$(q -d ae_dump_src -c "$versions")
scores_before=$(q -d ae_dump_src -c "$by_version")
[ "$(echo "$scores_before" | cut -d'|' -f2 | sort -u | wc -l)" = 3 ] || fail "the three versions score alike: $scores_before"

dropdb --if-exists ae_dump_dst 2>/dev/null
createdb ae_dump_dst
pg_dump ae_dump_src | q -d ae_dump_dst >/dev/null

[ "$(q -d ae_dump_dst -c "SELECT count(*) FROM ae_models WHERE name = 'bc'")" = 1 ] || fail "model not restored"
after=$(q -d ae_dump_dst -c "SELECT round(sum(ae_score('bc', b))::numeric, 9) FROM breastcancer b")
[ "$before" = "$after" ] || fail "restored model scores differently: $before vs $after"
ok "dump and restore keep the model ($after)"

[ "$(q -d ae_dump_dst -c "$versions")" = "$versions_before" ] \
    || fail "the versions changed in the dump: $(diff <(echo "$versions_before") <(q -d ae_dump_dst -c "$versions"))"
[ "$(q -d ae_dump_dst -c "SELECT version || '/' || last_version FROM ae_models WHERE name = 'bc'")" = 2/3 ] \
    || fail "the current version or the highest number changed in the dump"
[ "$(q -d ae_dump_dst -c "$by_version")" = "$scores_before" ] || fail "a restored version scores differently"
[ "$(q -d ae_dump_dst -c "SELECT ae_rollback('bc', 3)")" = 3 ] || fail "rollback after the restore"
q -d ae_dump_dst -c "SELECT * FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 2)" >/dev/null
[ "$(q -d ae_dump_dst -c "SELECT string_agg(version || ':' || current, ',' ORDER BY version) FROM ae_model_versions WHERE name = 'bc'")" = "1:false,2:false,3:false,4:true" ] \
    || fail "versions after a retrain of the restored model: $(q -d ae_dump_dst -c "$versions")"
ok "dump and restore keep every version ($(echo "$versions_before" | wc -l)), which is current, and the numbering"

# dropping the source table leaves the registry intact and readable
q -d ae_dump_dst -c "DROP TABLE breastcancer"
[ "$(q -d ae_dump_dst -c "SELECT relation FROM ae_models WHERE name = 'bc'")" = "public.breastcancer" ] \
    || fail "registry row changed when the source was dropped"
ok "dropping the source keeps the registry row"
dropdb ae_dump_src
dropdb ae_dump_dst
