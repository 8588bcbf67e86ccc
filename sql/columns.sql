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

-- Wide rows: a model of two columns reads them wherever they are in the row.
-- wide_first has them first (a row is deformed only that far), wide_last
-- last, after text and NULL fillers and a dropped column.
DO $$
BEGIN
    EXECUTE 'CREATE TABLE wide_first (a float8, b text, '
            || (SELECT string_agg(format('f%s %s', g, CASE WHEN g % 3 = 0 THEN 'text' ELSE 'int' END), ', ')
                  FROM generate_series(1, 60) g) || ')';
    EXECUTE 'CREATE TABLE wide_last (dropme int, '
            || (SELECT string_agg(format('f%s %s', g, CASE WHEN g % 3 = 0 THEN 'text' ELSE 'int' END), ', ')
                  FROM generate_series(1, 60) g) || ', a float8, b text)';
END
$$;
ALTER TABLE wide_last DROP COLUMN dropme;
INSERT INTO wide_first (a, b, f1, f3, f5, f6, f60)
SELECT CASE WHEN g % 17 <> 0 THEN g % 10 + 0.25 END, (ARRAY['low', 'mid', 'high'])[g % 3 + 1],
       g, 'three' || g, CASE WHEN g % 2 = 0 THEN g END, repeat('x', g % 50), g * 2
  FROM generate_series(1, 300) g;
INSERT INTO wide_last (a, b, f1, f3, f5, f6, f60)
SELECT a, b, f1, f3, f5, f6, f60 FROM wide_first;
SELECT model, rows, inputs FROM ae_train('wide2', 'wide_first', columns => ARRAY['a', 'b'], epochs => 5);
-- the same scores from the first columns, the last ones and a narrow subquery
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ae_score('wide2', f) = ae_score('wide2', l)) AS first_eq_last,
       count(*) FILTER (WHERE ae_score('wide2', f) = ae_score('wide2', n)) AS first_eq_narrow,
       count(*) FILTER (WHERE ae_embed('wide2', f) = ae_embed('wide2', l)) AS embed_eq
  FROM wide_first f JOIN wide_last l USING (f1),
       LATERAL (SELECT f.a, f.b) n;
-- a model trained on the last columns, on the same rows in the same order,
-- scores as the one trained on the first
WITH m AS (SELECT (SELECT ae_fit(f, '{"columns": ["a", "b"], "epochs": 5}' ORDER BY f1) FROM wide_first f) AS first,
                  (SELECT ae_fit(l, '{"columns": ["a", "b"], "epochs": 5}' ORDER BY f1) FROM wide_last l) AS last)
SELECT count(*) FILTER (WHERE ae_score(m.first, f) = ae_score(m.last, l)) AS trained_alike
  FROM m, wide_first f JOIN wide_last l USING (f1);
-- reconstruct and impute give back every other column as it was
SELECT count(*) AS rows,
       count(*) FILTER (WHERE to_jsonb(ae_reconstruct('wide2', f)) - 'a' - 'b' = to_jsonb(f) - 'a' - 'b') AS first_kept,
       count(*) FILTER (WHERE to_jsonb(ae_reconstruct('wide2', l)) - 'a' - 'b' = to_jsonb(l) - 'a' - 'b') AS last_kept,
       count(*) FILTER (WHERE to_jsonb(ae_impute('wide2', f)) - 'a' = to_jsonb(f) - 'a'
                          AND to_jsonb(ae_impute('wide2', l)) - 'a' = to_jsonb(l) - 'a') AS impute_kept,
       count(*) FILTER (WHERE (ae_impute('wide2', f)).a IS NOT NULL AND (ae_impute('wide2', l)).a IS NOT NULL) AS filled
  FROM wide_first f JOIN wide_last l USING (f1) WHERE f.a IS NULL OR f1 % 50 = 0;

-- Text categories by their bytes: varchar, char and a domain score as text,
-- and char keeps its padding as its output does; name (not a varlena) by
-- its label.
CREATE TABLE cats (n float8, t text);
INSERT INTO cats SELECT g % 5, (ARRAY['abc', 'de', 'f', 'x  '])[g % 4 + 1] FROM generate_series(1, 300) g;
SELECT model, rows, inputs FROM ae_train('cats', 'cats', epochs => 5);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ae_score('cats', c) = ae_score('cats', v)) AS varchar_eq,
       count(*) FILTER (WHERE ae_score('cats', c) = ae_score('cats', d)) AS domain_eq,
       count(*) FILTER (WHERE ae_score('cats', c) = ae_score('cats', p)) AS padded_eq,
       count(*) FILTER (WHERE ae_score('cats', c) = ae_score('cats', nm)) AS name_eq
  FROM cats c,
       LATERAL (SELECT c.n, c.t::varchar(10) AS t) v,
       LATERAL (SELECT c.n, c.t::short_text AS t) d,
       LATERAL (SELECT c.n, c.t::char(3) AS t) p,
       LATERAL (SELECT c.n, c.t::name AS t) nm
 WHERE length(c.t) = 3;
-- 'f' as char(3) is 'f  ': unseen ("other", as 'zz' is), as text 'f  ' is
SELECT ae_score('cats', p) = ae_score('cats', s) AS padded_as_text,
       ae_score('cats', p) = ae_score('cats', z) AS padded_unseen,
       ae_score('cats', c) <> ae_score('cats', z) AS trimmed_seen
  FROM (SELECT 1::float8 AS n, 'f'::char(3) AS t) p, (SELECT 1::float8 AS n, 'f  '::text AS t) s,
       (SELECT 1::float8 AS n, 'f'::text AS t) c, (SELECT 1::float8 AS n, 'zz'::text AS t) z;
-- a model trained on char(3): its labels keep the padding
SELECT model, inputs FROM ae_train('k_c', 'kinds', columns => ARRAY['n', 'c'], epochs => 5);
SELECT c->'categories' AS categories FROM ae_models, jsonb_array_elements(columns) c
 WHERE name = 'k_c' AND c->>'name' = 'c';
SELECT ae_score('k_c', k) = ae_score('k_c', s) AS char_as_padded_text,
       ae_score('k_c', u) = ae_score('k_c', z) AS trimmed_unseen,
       ae_score('k_c', k) <> ae_score('k_c', z) AS padded_seen
  FROM kinds k, LATERAL (SELECT k.n, k.c::text || ' ' AS c) s, LATERAL (SELECT k.n, k.c::text AS c) u,
       LATERAL (SELECT k.n, 'zz'::text AS c) z
 WHERE k.n = 1.5 AND k.c = 'x1' LIMIT 1;
-- unseen values: another word, one longer than any category can be; the
-- vocabulary's values compressed in the row (a wide neighbour pushes them)
SELECT ae_score('cats', ROW(1, 'zz')::cats) = ae_score('cats', ROW(1, repeat('z', 5000))::cats) AS unseen_alike,
       ae_score('cats', ROW(1, 'zz')::cats) > ae_score('cats', ROW(1, 'de')::cats) AS unseen_higher;
CREATE TABLE cats_toast (n float8, t text, filler text);
ALTER TABLE cats_toast ALTER COLUMN filler SET STORAGE MAIN;
INSERT INTO cats_toast
SELECT g % 5, repeat('ab', 50), (SELECT string_agg(md5(g::text || k), '') FROM generate_series(1, 62) k)
  FROM generate_series(1, 200) g;
INSERT INTO cats_toast
SELECT g % 5, repeat('cd', 50), (SELECT string_agg(md5(g::text || k), '') FROM generate_series(1, 62) k)
  FROM generate_series(1, 100) g;
INSERT INTO cats_toast
SELECT 1, string_agg(md5(k::text), ''), NULL FROM generate_series(1, 400) k;
SELECT model, rows, inputs FROM ae_train('cats_toast', 'cats_toast', columns => ARRAY['n', 't'], epochs => 5);
SELECT pg_column_compression(c.t) IS NOT NULL AS compressed, count(*) AS rows,
       count(*) FILTER (WHERE ae_score('cats_toast', c) = ae_score('cats_toast', p)) AS same_as_plain
  FROM cats_toast c, LATERAL (SELECT c.n, c.t || '' AS t) p
 GROUP BY 1 ORDER BY 1;

-- Rows of fixed-width columns are read at offsets planned once per row type,
-- stepping over their NULLs; a row with a text column first takes the
-- general path.  Both give the same scores, fills and codes, with and
-- without NULLs, for int2, int4, int8, float4, float8, date and bool.
CREATE TABLE fixed_rows AS
SELECT i AS id, (i % 7)::int2 AS s, CASE WHEN i % 5 = 0 THEN NULL ELSE i * 3 END AS n,
       (i * 7919)::int8 AS b, CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 11)::real / 3 END AS r,
       sqrt(i)::float8 AS d, DATE '2024-01-01' + i AS day, i % 2 = 0 AS flag
  FROM generate_series(1, 300) AS i;
CREATE TABLE text_first_rows AS SELECT 'x'::text AS tag, * FROM fixed_rows;
SELECT model, rows FROM ae_train('fixed_rows', 'fixed_rows', exclude => ARRAY['id'], epochs => 5);
SELECT count(*) AS rows, count(*) FILTER (WHERE f.n IS NULL OR f.r IS NULL) AS with_nulls,
       count(*) FILTER (WHERE ae_score('fixed_rows', f) = ae_score('fixed_rows', t)) AS same_score,
       count(*) FILTER (WHERE ae_embed('fixed_rows', f) = ae_embed('fixed_rows', t)) AS same_code,
       count(*) FILTER (WHERE to_jsonb(ae_impute('fixed_rows', f))
                            = to_jsonb(ae_impute('fixed_rows', t)) - 'tag') AS same_fill
  FROM fixed_rows f JOIN text_first_rows t USING (id);
