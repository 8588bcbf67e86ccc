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
-- Model versions.  ae_models holds the current version of each (owner,
-- name), so the lookups by name and by relation read what they always
-- did; ae_model_history holds the earlier versions.  Training a name again
-- moves its current version into the history and stores the new model as
-- the next number; ae_rollback makes an earlier version current again.
-- last_version is the highest number the name has had: a number once
-- given never names other bytes, even after pruning.  Models stored
-- before versions existed are version 1.  The same statements make a
-- fresh install and update one, so both have the same columns in the
-- same order.
-- ---------------------------------------------------------------------------

ALTER TABLE ae_models ADD COLUMN version int NOT NULL DEFAULT 1,
                      ADD COLUMN last_version int NOT NULL DEFAULT 1;
ALTER TABLE ae_models ALTER COLUMN version DROP DEFAULT,
                      ALTER COLUMN last_version DROP DEFAULT;
ALTER TABLE ae_models ADD CONSTRAINT ae_models_version_check
    CHECK (version >= 1 AND version <= last_version);

COMMENT ON TABLE ae_models IS 'trained ae models: the current version of each owning role''s model name';

-- The earlier versions.  The foreign key carries a model's history along
-- when it is renamed (UPDATE ae_models SET name) and deletes it with the
-- model: a model holds statistics of its source table, and deleting it
-- deletes every version.
CREATE TABLE ae_model_history (
    name        text NOT NULL,
    kind        text NOT NULL,
    relation    text,
    columns     jsonb NOT NULL,
    options     jsonb NOT NULL,
    metrics     jsonb NOT NULL,
    model       bytea NOT NULL,
    owner       regrole NOT NULL,
    created_at  timestamptz NOT NULL,
    version     int NOT NULL CHECK (version >= 1),
    PRIMARY KEY (owner, name, version),
    FOREIGN KEY (owner, name) REFERENCES ae_models (owner, name) ON UPDATE CASCADE ON DELETE CASCADE
);

COMMENT ON TABLE ae_model_history IS 'earlier versions of the ae models in ae_models, kept when a name is trained again';

-- pg_dump keeps the history too (after ae_models, which it references)
SELECT pg_catalog.pg_extension_config_dump('ae_model_history', '');

-- As ae_models: a role sees the versions of the models of the roles it is
-- a member of.  Only ae_train, ae_rollback and ae_prune write versions (as
-- this table's owner, for the owner they resolved); a role may delete its
-- own versions directly, which forges nothing.
ALTER TABLE ae_model_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY ae_model_history_owner ON ae_model_history
    USING (pg_catalog.pg_has_role(owner, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
REVOKE ALL ON ae_model_history FROM PUBLIC;
GRANT SELECT, DELETE ON ae_model_history TO PUBLIC;

-- Every version, current or earlier, with the caller's rights (row-level
-- security of both tables applies).
CREATE VIEW ae_model_versions WITH (security_invoker = true) AS
    SELECT name, version, true AS current, kind, relation, columns, options, metrics, model,
           owner, created_at
      FROM ae_models
    UNION ALL
    SELECT name, version, false, kind, relation, columns, options, metrics, model,
           owner, created_at
      FROM ae_model_history;

COMMENT ON VIEW ae_model_versions IS 'every version of the ae models you can see: the current one of each name (current = true) and the earlier ones';
REVOKE ALL ON ae_model_versions FROM PUBLIC;
GRANT SELECT ON ae_model_versions TO PUBLIC;

CREATE FUNCTION ae_model(name text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_model_bytes' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ae_model(name text, version int) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_model_bytes' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ae_model(text) IS 'the bytes of the current version of an ae model, for the bytea forms';
COMMENT ON FUNCTION ae_model(text, int) IS 'the bytes of a version of an ae model, current or earlier, for the bytea forms';

CREATE FUNCTION ae_rollback(name text) RETURNS int
    AS 'MODULE_PATHNAME', 'ae_rollback' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
CREATE FUNCTION ae_rollback(name text, version int) RETURNS int
    AS 'MODULE_PATHNAME', 'ae_rollback' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION ae_rollback(text) IS 'make the newest version of an ae model older than its current one current again; returns its number';
COMMENT ON FUNCTION ae_rollback(text, int) IS 'make a kept version of an ae model current; returns its number';

CREATE FUNCTION ae_prune(name text, keep int) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ae_prune' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
CREATE FUNCTION ae_prune_all(keep int) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ae_prune_all' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION ae_prune(text, int) IS 'delete the earlier versions of an ae model but for the newest keep; returns how many were deleted';
COMMENT ON FUNCTION ae_prune_all(int) IS 'delete the earlier versions of every ae model of the current role but for the newest keep of each; returns how many were deleted';
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

-- ---------------------------------------------------------------------------
-- ae_training: the training runs under way, from pg_stat_activity.  A
-- backend that trains writes its progress as a comment at the head of its
-- query text (src/train/progress.c), about once a second:
--   /* ae_train model="fraud" kind=ae epoch=7/40 done=0.175 train_loss=0.41
--      val_loss=0.44 rows/s=182000 left=3 started=1732484400.123 */ SELECT ...
-- (one line).  The view reads a row only when the whole comment matches
-- this grammar, so no query text makes it fail, and every cast below gets
-- digits the pattern checked or NULL.  The model name is the inside of a
-- JSON string with no '/' in it.  It sees what pg_stat_activity shows the
-- reader: another role's query text, so its training, only with the
-- privileges of pg_read_all_stats.
-- ---------------------------------------------------------------------------

CREATE VIEW ae_training AS
SELECT a.pid,
       a.usename AS role,
       (('"' OPERATOR(pg_catalog.||) m[2] OPERATOR(pg_catalog.||) '"')::pg_catalog.jsonb
            OPERATOR(pg_catalog.#>>) '{}')::text AS model,
       m[3] AS kind,
       m[4]::int AS epoch,
       m[5]::int AS epochs,
       m[6]::float8 AS progress,
       m[7]::float8 AS train_loss,
       m[8]::float8 AS val_loss,
       m[9]::bigint AS rows_per_second,
       m[10]::bigint AS seconds_left,
       pg_catalog.to_timestamp(m[11]::float8) AS started,
       m[12] AS query
  FROM pg_catalog.pg_stat_activity a
       CROSS JOIN LATERAL pg_catalog.regexp_match(a.query,
           E'^/\\* (ae_train|ae_fit)'
           '(?: model="((?:[^"\\\\/\\x01-\\x1f]|\\\\["\\\\/]|\\\\u00(?:0[1-9a-f]|1[0-9a-f]))*)")?'
           ' kind=([a-z]{1,16}) epoch=([0-9]{1,6})/([0-9]{1,6}) done=([01]\\.[0-9]{3})'
           '(?: train_loss=(-?[0-9]{1,20}(?:\\.[0-9]{1,20})?(?:e[-+][0-9]{2})?))?'
           '(?: val_loss=(-?[0-9]{1,20}(?:\\.[0-9]{1,20})?(?:e[-+][0-9]{2})?))?'
           ' rows/s=([0-9]{1,15})(?: left=([0-9]{1,15}))? started=([0-9]{1,12}\\.[0-9]{3}) \\*/ (.*)$') AS m
 WHERE m IS NOT NULL
   AND a.state IN ('active', 'fastpath function call');

GRANT SELECT ON ae_training TO PUBLIC;

COMMENT ON VIEW ae_training IS 'training runs under way (ae_train, ae_fit) and how far each has come, from pg_stat_activity';

-- ---------------------------------------------------------------------------
-- ae_info by name: the current version of your model of that name (as
-- ae_model(name) finds it).
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_info(model text) RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN @extschema@.ae_info(@extschema@.ae_model(model));

COMMENT ON FUNCTION ae_info(text) IS 'what the current version of an ae model of that name holds, as jsonb';
