#!/usr/bin/env bash
# pg_dump keeps trained models: a dump and restore into another database
# brings back ae_models, and the restored model scores exactly as before.
cd "$(dirname "$0")/../.."
. test/tap/lib.sh

fresh_db ae_dump_src
q -d ae_dump_src -c "SELECT * FROM ae_train('bc', 'breastcancer', exclude => ARRAY['id', 'class'], epochs => 10)" >/dev/null
before=$(q -d ae_dump_src -c "SELECT round(sum(ae_score('bc', b))::numeric, 9) FROM breastcancer b")

dropdb --if-exists ae_dump_dst 2>/dev/null
createdb ae_dump_dst
pg_dump ae_dump_src | q -d ae_dump_dst >/dev/null

[ "$(q -d ae_dump_dst -c "SELECT count(*) FROM ae_models WHERE name = 'bc'")" = 1 ] || fail "model not restored"
after=$(q -d ae_dump_dst -c "SELECT round(sum(ae_score('bc', b))::numeric, 9) FROM breastcancer b")
[ "$before" = "$after" ] || fail "restored model scores differently: $before vs $after"
ok "dump and restore keep the model ($after)"

# dropping the source table leaves the registry intact and readable
q -d ae_dump_dst -c "DROP TABLE breastcancer"
[ "$(q -d ae_dump_dst -c "SELECT relation FROM ae_models WHERE name = 'bc'")" = "public.breastcancer" ] \
    || fail "registry row changed when the source was dropped"
ok "dropping the source keeps the registry row"
dropdb ae_dump_src
dropdb ae_dump_dst
