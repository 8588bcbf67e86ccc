set -e
export PGOPTIONS="-c extra_float_digits=3"
cd /work/main
createdb fx
psql -X -q -d fx -c "CREATE EXTENSION ae" -f test/data/load.sql
psql -X -q -d fx <<'SQL'
SELECT * FROM ae_train('up_pima', 'pima', exclude => ARRAY['diabetes'], epochs => 8);
SELECT * FROM ae_train('up_penguins', 'penguins', kind => 'vae', epochs => 8);
SQL
psql -X -At -d fx -c "SELECT name, encode(model, 'hex') FROM ae_models ORDER BY name" > test/upgrade/models-0.1.0.txt
psql -X -At -d fx -c "SELECT 'up_pima', id, ae_score('up_pima', p) FROM pima p UNION ALL SELECT 'up_penguins', id, ae_score('up_penguins', g) FROM penguins g ORDER BY 1, 2" > test/upgrade/scores-0.1.0.txt
psql -X -At -d fx -c "SELECT 'up_pima', id, ae_impute('up_pima', p)::text FROM pima p WHERE NOT (p IS NOT NULL) ORDER BY id" > test/upgrade/impute-0.1.0.txt
