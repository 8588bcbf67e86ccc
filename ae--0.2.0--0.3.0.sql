-- ae 0.2.0 -> 0.3.0: per-row functions costed at what a row costs.
-- Every stored model is kept as it is and scores as before.

\echo Use "ALTER EXTENSION ae UPDATE TO '0.3.0'" to load this file. \quit

-- COST 100 (it was 1000): see ae--0.3.0.sql.  An overstated cost pushed
-- million-row queries over jit_inline_above_cost.
ALTER FUNCTION ae_score(anyelement) COST 100;
ALTER FUNCTION ae_score(text, anyelement) COST 100;
ALTER FUNCTION ae_score(bytea, anyelement) COST 100;
ALTER FUNCTION ae_embed(anyelement) COST 100;
ALTER FUNCTION ae_embed(text, anyelement) COST 100;
ALTER FUNCTION ae_embed(bytea, anyelement) COST 100;
ALTER FUNCTION ae_reconstruct(anyelement) COST 100;
ALTER FUNCTION ae_reconstruct(text, anyelement) COST 100;
ALTER FUNCTION ae_reconstruct(bytea, anyelement) COST 100;
ALTER FUNCTION ae_impute(anyelement) COST 100;
ALTER FUNCTION ae_impute(text, anyelement) COST 100;
ALTER FUNCTION ae_impute(bytea, anyelement) COST 100;

-- ---------------------------------------------------------------------------
-- Percentiles and thresholds: a score read against the training rows'
-- scores, whose quantiles training records in the model (format 9; models
-- of older formats score but have none, and these functions say so).
-- ae_percentile runs per row like ae_score, in its three forms, with its
-- volatility and cost.  ae_threshold reads the model alone: one lookup,
-- the default cost; it refuses a NULL p (CALLED ON NULL INPUT) rather than
-- return a NULL that would quietly empty a review queue.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_percentile(r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_percentile' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_percentile(model text, r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_percentile' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_percentile(model bytea, r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_percentile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

CREATE FUNCTION ae_threshold(model text, p float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_threshold' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ae_threshold(model bytea, p float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_threshold' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;

COMMENT ON FUNCTION ae_percentile(anyelement)
    IS 'share of the training rows scoring at or below the row, by the newest model trained on its relation';
COMMENT ON FUNCTION ae_percentile(text, anyelement)
    IS 'share of the named model''s training rows scoring at or below the row';
COMMENT ON FUNCTION ae_percentile(bytea, anyelement)
    IS 'share of the model''s training rows scoring at or below the row';
COMMENT ON FUNCTION ae_threshold(text, float8)
    IS 'score at quantile p of the named model''s training rows: ae_score above it is ae_percentile above p';
COMMENT ON FUNCTION ae_threshold(bytea, float8)
    IS 'score at quantile p of the model''s training rows: ae_score above it is ae_percentile above p';
