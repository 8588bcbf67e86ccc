-- ===========================================================================
-- factor_rows.sql — the synthetic rows the speed benchmarks train and score
--
-- Defines, in the current schema, bench_factor_table(tab, nrows, data_seed,
-- ncols, unlogged, names): a table of nrows rows whose column j is
--     sum_k w[j,k] * f_k + 0.2 * (U - 0.5)      (real)
-- where f_1..f_4 are standard-normal latent factors per row (Box–Muller),
-- the loadings w are uniform in [-1, 1], drawn once from setseed(0.42) (so
-- every table shares them, column by column), and U is uniform noise.
-- setseed(data_seed) before the rows makes each table the same every run.
-- Columns are named c1..c<ncols>, or by names when given (one per column).
-- The caller runs VACUUM ANALYZE on the table (not possible in a function).
--
-- Plain SQL with no psql commands, so both psql (\ir factor_rows.sql, as in
-- speed.sql and wide_rows.sql) and the Python benchmarks (train_speed.py
-- executes this file) use the same recipe.
-- ===========================================================================

-- Create table tab (unlogged when asked) of nrows factor rows; see above.
CREATE FUNCTION bench_factor_table(tab text, nrows bigint, data_seed float8,
                                   ncols int DEFAULT 30, unlogged boolean DEFAULT false,
                                   names text[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols    text;
    factors text;
BEGIN
    IF names IS NOT NULL AND cardinality(names) <> ncols THEN
        RAISE EXCEPTION 'bench_factor_table: % names for % columns', cardinality(names), ncols;
    END IF;
    PERFORM setseed(0.42);
    SELECT string_agg(format('(%s * f1 + %s * f2 + %s * f3 + %s * f4 + 0.2 * (random() - 0.5))::real AS %I',
                             round(w[1]::numeric, 3), round(w[2]::numeric, 3),
                             round(w[3]::numeric, 3), round(w[4]::numeric, 3),
                             coalesce(names[j], 'c' || j)),
                      ', ' ORDER BY j)
      INTO cols
      FROM (SELECT j, ARRAY[random() * 2 - 1, random() * 2 - 1, random() * 2 - 1, random() * 2 - 1] AS w
              FROM generate_series(1, ncols) AS j) AS loadings;
    SELECT string_agg(format('sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS f%s', k), ', ')
      INTO factors
      FROM generate_series(1, 4) AS k;
    PERFORM setseed(data_seed);
    EXECUTE format('CREATE %s TABLE %I AS SELECT %s FROM (SELECT %s FROM generate_series(1, %s)) AS f',
                   CASE WHEN unlogged THEN 'UNLOGGED' ELSE '' END, tab, cols, factors, nrows);
END
$$;
