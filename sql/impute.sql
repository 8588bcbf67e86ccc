-- ae_impute fills NULLs with values of the column's own type and keeps
-- every other value; ae_explain's contributions sum to the score; on a small
-- real table imputation beats the column mean and mode.
\set VERBOSITY terse

SELECT model, rows FROM ae_train('penguins', 'penguins');

-- same row type back; non-NULL values untouched; NULLs filled
SELECT pg_typeof(ae_impute(p)) AS type FROM penguins p LIMIT 1;
SELECT count(*) AS rows_with_nulls,
       count(*) FILTER (WHERE i.species = p.species AND i.island = p.island) AS kept_categories,
       count(*) FILTER (WHERE p.sex IS NULL AND i.sex IN ('male', 'female')) AS filled_sex,
       count(*) FILTER (WHERE p.body_mass_g IS NULL AND i.body_mass_g BETWEEN 2700 AND 6300) AS filled_mass
  FROM penguins p, ae_impute(p) i
 WHERE p IS DISTINCT FROM i;
-- a row without NULLs comes back equal; so does a row with only unmodelled NULLs
SELECT bool_and(ae_impute(p) = p) AS complete_rows_equal
  FROM penguins p
 WHERE species IS NOT NULL AND island IS NOT NULL AND bill_length_mm IS NOT NULL
   AND bill_depth_mm IS NOT NULL AND flipper_length_mm IS NOT NULL AND body_mass_g IS NOT NULL
   AND sex IS NOT NULL;
-- the three forms agree
SELECT bool_and(ae_impute(p) IS NOT DISTINCT FROM ae_impute('penguins', p)
            AND ae_impute(p) IS NOT DISTINCT FROM ae_impute(m.model, p)) AS forms_agree
  FROM penguins p, ae_models m WHERE m.name = 'penguins';
-- filling only the NULLs, in place
CREATE TABLE penguins_filled AS SELECT * FROM penguins;
UPDATE penguins_filled p SET sex = (ae_impute('penguins', p)).sex WHERE sex IS NULL;
SELECT count(*) FILTER (WHERE sex IS NULL) AS sex_nulls_left FROM penguins_filled;

-- ae_explain: one row per modelled column, largest first, summing to the score
SELECT column_name, actual,
       CASE WHEN column_name IN ('species', 'island', 'sex') THEN expected
            ELSE (expected IS NOT NULL)::text END AS expected
  FROM penguins p, ae_explain(p) e WHERE p.id = 1 ORDER BY column_name;
SELECT bool_and(abs(s.total - ae_score(p)) < 1e-9) AS sums_to_score,
       bool_and(s.ordered) AS largest_first
  FROM penguins p,
       LATERAL (SELECT sum(contribution) AS total,
                       bool_and(contribution <= prev OR prev IS NULL) AS ordered
                  FROM (SELECT contribution, lag(contribution) OVER () AS prev
                          FROM ae_explain(p)) q) s
 WHERE p.sex IS NOT NULL;

-- imputation beats the column mean and mode on hidden values: hide the sex
-- and the body mass of every fifth complete row, train without them, impute
CREATE TABLE pg_full AS SELECT * FROM penguins
 WHERE sex IS NOT NULL AND body_mass_g IS NOT NULL AND bill_length_mm IS NOT NULL;
CREATE TABLE pg_holey AS SELECT * FROM pg_full;
UPDATE pg_holey SET sex = NULL, body_mass_g = NULL WHERE id % 5 = 0;
SELECT model FROM ae_train('pg_holey', 'pg_holey', exclude => ARRAY['id']);
WITH truth AS (SELECT * FROM pg_full WHERE id % 5 = 0),
     filled AS (SELECT (ae_impute('pg_holey', h)).* FROM pg_holey h WHERE id % 5 = 0),
     baseline AS (SELECT avg(body_mass_g) AS mass, mode() WITHIN GROUP (ORDER BY sex) AS sex
                    FROM pg_holey)
SELECT avg(abs(f.body_mass_g - t.body_mass_g)) < avg(abs(b.mass - t.body_mass_g)) AS mass_beats_mean,
       avg((f.sex = t.sex)::int) > avg((b.sex = t.sex)::int) AS sex_beats_mode
  FROM truth t JOIN filled f USING (id), baseline b;
