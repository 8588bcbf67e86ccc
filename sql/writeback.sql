-- Values that ae_impute, ae_reconstruct and ae_generate write back respect
-- their column: its typmod and its domain's constraints, as an INSERT would.
\set VERBOSITY default
CREATE DOMAIN even_int AS int CHECK (VALUE % 2 = 0);
CREATE DOMAIN sure_text AS text NOT NULL;
CREATE TABLE typed (
    id serial PRIMARY KEY,
    amount numeric(5,1),
    seen timestamp(0),
    code varchar(3),
    glucose int,
    mass float8
);
INSERT INTO typed (amount, seen, code, glucose, mass)
SELECT round((p.mass * 3.3)::numeric, 1), timestamp '2024-01-01' + p.id * interval '1.37 hour',
       CASE WHEN p.age < 30 THEN 'y' WHEN p.age < 50 THEN 'mid' ELSE 'old' END, p.glucose, p.mass
  FROM pima p;
SELECT model FROM ae_train('typed', 'typed', epochs => 3);
-- imputed and reconstructed values fit numeric(5,1), timestamp(0) and varchar(3)
SELECT scale((ae_impute('typed', t)).amount) AS amount_scale,
       extract(microseconds FROM (ae_impute('typed', t)).seen)::bigint % 1000000 AS seen_fraction,
       length((ae_impute('typed', t)).code) <= 3 AS code_fits
  FROM (SELECT ROW(id, NULL, NULL, NULL, glucose, mass)::typed AS t FROM typed WHERE id = 5) s;
SELECT bool_and(scale((ae_reconstruct('typed', t)).amount) = 1) AS all_scale_1 FROM typed t;
-- a domain's CHECK is applied: an odd value is refused, an even one passes
CREATE TABLE evens (id serial PRIMARY KEY, a even_int, b float8);
INSERT INTO evens (a, b) SELECT 2 * (g % 5), (g % 5) * 1.5 FROM generate_series(1, 200) g;
SELECT model FROM ae_train('evens', 'evens', epochs => 3);
SELECT (ae_impute('evens', e)).a % 2 AS remainder FROM evens e WHERE id = 1;
-- a value the domain refuses is a clear error, not a stored value
ALTER DOMAIN even_int ADD CONSTRAINT never CHECK (VALUE < 0) NOT VALID;
SELECT (ae_impute('evens', ROW(0, NULL, 3.0)::evens)).a;
-- ae_generate will not leave NULL in a NOT NULL domain it does not model
CREATE TABLE gen_t (x float8, y float8, label sure_text);
INSERT INTO gen_t SELECT g, g % 7, 'l' FROM generate_series(1, 100) g;
SELECT model FROM ae_train('gen_t', 'gen_t', kind => 'vae', epochs => 1, columns => ARRAY['x', 'y']);
SELECT count(*) FROM ae_generate(NULL::gen_t, 'gen_t', 3);
