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
