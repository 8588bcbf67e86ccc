-- A truncated, altered or foreign model bytea is rejected with
-- ERRCODE_DATA_CORRUPTED, never a crash.
\set VERBOSITY default
SELECT model AS good FROM ae_models WHERE name = 'err_pima' \gset
\set ON_ERROR_STOP 0
-- truncated
SELECT ae_score(substring(:'good'::bytea FROM 1 FOR 100), p) FROM pima p LIMIT 1;
SELECT ae_score(substring(:'good'::bytea FROM 1 FOR 10), p) FROM pima p LIMIT 1;
SELECT ae_info(''::bytea);
-- one byte altered in the body, in the header's length, in the version
SELECT ae_score(set_byte(:'good'::bytea, 200, get_byte(:'good'::bytea, 200) # 1), p) FROM pima p LIMIT 1;
SELECT ae_info(set_byte(:'good'::bytea, 12, get_byte(:'good'::bytea, 12) # 4));
SELECT ae_info(set_byte(:'good'::bytea, 8, 10));
-- foreign bytes
SELECT ae_embed('\xdeadbeef'::bytea, p) FROM pima p LIMIT 1;
SELECT ae_reconstruct(convert_to(repeat('not a model ', 20), 'UTF8'), p) FROM pima p LIMIT 1;
-- extra bytes appended
SELECT ae_info(:'good'::bytea || '\x00'::bytea);
-- every truncation, and a change of every 7th byte, is rejected with data_corrupted
CREATE FUNCTION try_info(b bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ae_info(b);
    RETURN 'accepted';
EXCEPTION WHEN data_corrupted THEN
    RETURN 'data_corrupted';
END $$;
SELECT try_info(substring(:'good'::bytea FROM 1 FOR n)) AS truncated, count(*)
  FROM generate_series(0, length(:'good'::bytea) - 1) n GROUP BY 1;
SELECT try_info(set_byte(:'good'::bytea, n, get_byte(:'good'::bytea, n) # 16)) AS altered, count(*)
  FROM generate_series(0, length(:'good'::bytea) - 1, 7) n GROUP BY 1;
SELECT try_info(:'good'::bytea) AS original;
-- A model with a valid checksum is still checked field by field.  reseal
-- recomputes the CRC32C the way a format 4 writer does (of bytes [8, 16)
-- then [20, end)), so these bytes pass the checksum and must fail later.
CREATE FUNCTION crc32c(crc bigint, b bytea, first int, last int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c bigint := crc # 4294967295;
BEGIN
    FOR i IN first .. last LOOP
        c := c # get_byte(b, i);
        FOR k IN 1 .. 8 LOOP
            c := CASE WHEN c & 1 = 1 THEN (c >> 1) # 2197175160 ELSE c >> 1 END;
        END LOOP;
    END LOOP;
    RETURN c # 4294967295;
END $$;
CREATE FUNCTION reseal(b bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE c bigint := crc32c(crc32c(0, b, 8, 15), b, 20, length(b) - 1);
BEGIN
    FOR i IN 0 .. 3 LOOP
        b := set_byte(b, 16 + i, ((c >> (8 * i)) & 255)::int);
    END LOOP;
    RETURN b;
END $$;
SELECT reseal(:'good'::bytea) = :'good'::bytea AS reseal_is_exact;
-- a numeric column whose SQL type is claimed to be text (name, kind, then the type code)
SELECT position(convert_to('pregnant', 'UTF8') IN :'good'::bytea) + 8 AS type_at \gset
SELECT ae_info(reseal(set_byte(:'good'::bytea, :type_at, 8)));
SELECT ae_score(reseal(set_byte(:'good'::bytea, :type_at, 8)), t) FROM (SELECT 'x'::text AS pregnant) t;
-- a category label that is not valid UTF-8
SELECT model FROM ae_train('cats', 'penguins', epochs => 1);
SELECT model AS cats FROM ae_models WHERE name = 'cats' \gset
SELECT position(convert_to('Biscoe', 'UTF8') IN :'cats'::bytea) - 1 AS label_at \gset
SELECT ae_info(reseal(set_byte(:'cats'::bytea, :label_at, 255)));
SELECT ae_reconstruct(reseal(set_byte(:'cats'::bytea, :label_at, 255)), g) FROM penguins g LIMIT 1;
-- the kind in the header is covered by the checksum
SELECT ae_info(set_byte(:'good'::bytea, 10, 4));
-- the score quantiles (format 9), just before the parameters: rows scored (4
-- bytes), count (2), then 371 values (f64); each altered and resealed is refused
SELECT length(:'good'::bytea) - 4 - 4 * (ae_info(:'good'::bytea)->>'parameters')::int
       - 8 * 371 - 6 AS quant_at \gset
SELECT get_byte(:'good'::bytea, :quant_at + 4) + 256 * get_byte(:'good'::bytea, :quant_at + 5) AS count,
       (ae_info(:'good'::bytea)->'metrics'->'scores'->>'rows')::int =
       get_byte(:'good'::bytea, :quant_at) + 256 * get_byte(:'good'::bytea, :quant_at + 1) AS rows_found;
-- a count of 370
SELECT ae_info(reseal(set_byte(:'good'::bytea, :quant_at + 4, 114)));
-- more rows scored than trained on
SELECT ae_info(reseal(set_byte(:'good'::bytea, :quant_at + 3, 1)));
-- a NaN quantile (the 100th: its two high bytes 0x7FF8)
SELECT ae_percentile(reseal(set_byte(set_byte(:'good'::bytea, :quant_at + 6 + 8 * 100 + 6, 248),
                                     :quant_at + 6 + 8 * 100 + 7, 127)), p) FROM pima p LIMIT 1;
-- the largest quantile made negative: below the one before
SELECT ae_threshold(reseal(set_byte(:'good'::bytea, :quant_at + 6 + 8 * 370 + 7,
                                    get_byte(:'good'::bytea, :quant_at + 6 + 8 * 370 + 7) | 128)), 0.5);
