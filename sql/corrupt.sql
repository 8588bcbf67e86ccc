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
SELECT ae_info(set_byte(:'good'::bytea, 8, 9));
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
