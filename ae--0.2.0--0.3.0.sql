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
-- Pictures from SQL: ae_plot draws the latent space of the rows fed to it,
-- coloured by a label; ae_plot_loss a model's training curve.  Both return
-- an SVG document as text (psql: \o map.svg).  ae_plot keeps a reservoir
-- sample of at most 10,000 rows and has no combine function: it runs in the
-- leader, above a parallel scan when the planner chooses one.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_plot_transfn(internal, anyelement, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_plot_transfn' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ae_plot_transfn(internal, text, anyelement, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_plot_transfn' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ae_plot_transfn(internal, bytea, anyelement, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_plot_transfn' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION ae_plot_finalfn(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'ae_plot_finalfn' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;

CREATE AGGREGATE ae_plot(r anyelement, label text) (
    SFUNC = ae_plot_transfn,
    STYPE = internal,
    FINALFUNC = ae_plot_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE ae_plot(model text, r anyelement, label text) (
    SFUNC = ae_plot_transfn,
    STYPE = internal,
    FINALFUNC = ae_plot_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE ae_plot(model bytea, r anyelement, label text) (
    SFUNC = ae_plot_transfn,
    STYPE = internal,
    FINALFUNC = ae_plot_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

CREATE FUNCTION ae_plot_loss(model text) RETURNS text
    AS 'MODULE_PATHNAME', 'ae_plot_loss' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ae_plot_loss(model bytea) RETURNS text
    AS 'MODULE_PATHNAME', 'ae_plot_loss' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON AGGREGATE ae_plot(anyelement, text) IS 'SVG map of the latent codes of the rows (newest model on their table), coloured by label';
COMMENT ON AGGREGATE ae_plot(text, anyelement, text) IS 'SVG map of the latent codes of the rows under the named model, coloured by label';
COMMENT ON AGGREGATE ae_plot(bytea, anyelement, text) IS 'SVG map of the latent codes of the rows under the model bytes, coloured by label';
COMMENT ON FUNCTION ae_plot_loss(text) IS 'SVG of the named model''s train and validation loss per epoch';
COMMENT ON FUNCTION ae_plot_loss(bytea) IS 'SVG of the model''s train and validation loss per epoch';
