-- Column kinds: numbers, booleans, categories (text, enums, domains, integers
-- named categorical), dates and timestamps; NULL patterns; unseen categories.
\set VERBOSITY terse

CREATE TYPE colour AS ENUM ('red', 'green', 'blue');
CREATE DOMAIN short_text AS varchar(10);
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TABLE kinds (
    n float8, i positive, flag bool, t text, e colour, d short_text, code int,
    day date, at timestamp, atz timestamptz, c char(3)
);
INSERT INTO kinds
SELECT g % 10 + 0.5, g % 7 + 1, g % 3 = 0,
       (ARRAY['a', 'b', 'c'])[g % 3 + 1], (ARRAY['red', 'green', 'blue'])[g % 3 + 1]::colour,
       'k' || (g % 4), 100 + g % 5,
       date '2026-01-01' + g % 30, timestamp '2026-01-01' + g * interval '1 hour',
       timestamptz '2026-01-01 00:00+00' + g * interval '1 day', 'x' || (g % 2)
  FROM generate_series(1, 300) g;

-- each kind alone
SELECT model, inputs FROM ae_train('k_n', 'kinds', columns => ARRAY['n'], epochs => 3);
SELECT model, inputs FROM ae_train('k_flag', 'kinds', columns => ARRAY['flag'], epochs => 3);
SELECT model, inputs FROM ae_train('k_t', 'kinds', columns => ARRAY['t'], epochs => 3);
SELECT model, inputs FROM ae_train('k_e', 'kinds', columns => ARRAY['e'], epochs => 3);
SELECT model, inputs FROM ae_train('k_d', 'kinds', columns => ARRAY['d'], epochs => 3);
SELECT model, inputs FROM ae_train('k_day', 'kinds', columns => ARRAY['day'], epochs => 3);
SELECT model, inputs FROM ae_train('k_at', 'kinds', columns => ARRAY['at', 'atz'], epochs => 3);
SELECT model, inputs FROM ae_train('k_code', 'kinds', columns => ARRAY['code'], epochs => 3,
                                   options => '{"categorical": ["code"]}');

-- all mixed; what each column became
SELECT model, rows, inputs FROM ae_train('kinds', 'kinds', options => '{"categorical": ["code"]}');
SELECT c->>'name' AS name, c->>'type' AS type, c->>'kind' AS kind, c->'categories' AS categories,
       round((c->>'weight')::numeric, 2) AS weight
  FROM ae_models, jsonb_array_elements(columns) c WHERE name = 'kinds';

-- every kind comes back in its own type from reconstruct and impute
SELECT pg_typeof(r.i) AS i, pg_typeof(r.e) AS e, pg_typeof(r.d) AS d, pg_typeof(r.day) AS day,
       pg_typeof(r.atz) AS atz, r.e IN ('red', 'green', 'blue') AS e_valid, r.c IN ('x0 ', 'x1 ') AS c_valid
  FROM kinds k, ae_reconstruct('kinds', k) r LIMIT 1;
-- the model learned the structure: categories are reconstructed exactly
SELECT count(*) FILTER (WHERE r.t = k.t AND r.e = k.e AND r.flag = k.flag) * 100 / count(*) AS pct_exact
  FROM kinds k, ae_reconstruct('kinds', k) r;

-- an unseen category is scored (as "other") and scores higher than a seen one
SELECT ae_score('kinds', ROW(1.5, 2, false, 'zzz', 'red', 'k1', 101, '2026-01-05', '2026-01-02', '2026-01-03', 'x1')::kinds)
     > ae_score('kinds', ROW(1.5, 2, false, 'b', 'red', 'k1', 101, '2026-01-05', '2026-01-02', '2026-01-03', 'x1')::kinds)
       AS unseen_scores_higher;

-- NULL patterns: a mostly NULL column trains, an all-NULL column is skipped, an all-NULL row is skipped
CREATE TABLE sparse (a float8, b float8, mostly_null float8, all_null float8, cat text);
INSERT INTO sparse
SELECT g, 2 * g + 1, CASE WHEN g % 10 = 0 THEN g END, NULL, CASE WHEN g % 4 <> 0 THEN 'c' || g % 3 END
  FROM generate_series(1, 200) g;
INSERT INTO sparse VALUES (NULL, NULL, NULL, NULL, NULL);
SELECT model, rows, inputs FROM ae_train('sparse', 'sparse', epochs => 20);
SELECT c->>'name' AS name, (c->>'missing_indicator')::bool AS indicator
  FROM ae_models, jsonb_array_elements(columns) c WHERE name = 'sparse';
-- NULL in every kind: scored on the observed columns, NULL when nothing is observed
SELECT ae_score('kinds', ROW(NULL, NULL, NULL, 'a', NULL, NULL, NULL, NULL, NULL, NULL, NULL)::kinds) IS NOT NULL AS one_observed,
       ae_score('kinds', ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::kinds) IS NULL AS none_observed;
-- rows with NULLs score on the same scale as complete rows
SELECT round(avg(ae_score('sparse', s)) FILTER (WHERE cat IS NULL)::numeric, 1)
     < 3 * round(avg(ae_score('sparse', s)) FILTER (WHERE cat IS NOT NULL)::numeric, 1) + 0.1 AS same_scale
  FROM sparse s WHERE a IS NOT NULL;

-- an unsupported column named explicitly is an error with a hint
CREATE TABLE with_json (x float8, j jsonb);
INSERT INTO with_json VALUES (1, '{}');
SELECT * FROM ae_train('j', 'with_json', columns => ARRAY['x', 'j']);
SELECT * FROM ae_train('j', 'kinds', options => '{"categorical": ["flag"]}');
SELECT * FROM ae_train('j', 'kinds', options => '{"categorical": ["nope"]}');
SELECT * FROM ae_train('j', 'kinds', options => '{"max_categories": 0}');
SELECT * FROM ae_train('j', 'kinds', options => '{"mask": 1}');
