-- ae 0.3.0: autoencoders trained on table rows.

\echo Use "CREATE EXTENSION ae" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The registry of trained models.  `relation` is the source's qualified name
-- as text, so dropping the source or a dump/restore never breaks a row here.
-- ---------------------------------------------------------------------------

CREATE TABLE ae_models (
    name        text NOT NULL,
    kind        text NOT NULL,
    relation    text,
    columns     jsonb NOT NULL,
    options     jsonb NOT NULL,
    metrics     jsonb NOT NULL,
    model       bytea NOT NULL,
    owner       regrole NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (owner, name)
);

CREATE INDEX ae_models_relation_idx ON ae_models (relation, created_at DESC);

COMMENT ON TABLE ae_models IS 'trained ae models, one row per owning role and model name';

-- pg_dump keeps the trained models
SELECT pg_catalog.pg_extension_config_dump('ae_models', '');

-- Names are per role.  A role sees, deletes and renames the models of the
-- roles it is a member of (a model holds statistics of its source table,
-- such as category values, so it is not public).  Only ae_train writes
-- model rows: it runs its INSERT as this table's owner, with the caller as
-- the model's owner, so no role can choose another role's model bytes,
-- owner or created_at.
ALTER TABLE ae_models ENABLE ROW LEVEL SECURITY;
CREATE POLICY ae_models_owner ON ae_models
    USING (pg_catalog.pg_has_role(owner, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
REVOKE ALL ON ae_models FROM PUBLIC;
GRANT SELECT, DELETE ON ae_models TO PUBLIC;
GRANT UPDATE (name) ON ae_models TO PUBLIC;

-- every backend forgets its name -> model map when the registry changes
CREATE FUNCTION ae_models_invalidate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ae_models_invalidate' LANGUAGE C;

CREATE TRIGGER ae_models_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ae_models
    FOR EACH STATEMENT EXECUTE FUNCTION ae_models_invalidate();

-- ---------------------------------------------------------------------------
-- ae_fit: the training aggregate.  Its state is internal (a reservoir sample
-- of the rows that no caller can forge); partial samples pass between
-- parallel workers as checked frames and combine.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_fit_sample_transfn(internal, anyelement) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_fit_sample_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION ae_fit_sample_transfn(internal, anyelement, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_fit_sample_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION ae_fit_sample_combinefn(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_fit_sample_combinefn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION ae_fit_sample_serialfn(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_fit_sample_serialfn' LANGUAGE C STRICT PARALLEL SAFE;

CREATE FUNCTION ae_fit_sample_deserialfn(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'ae_fit_sample_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;

CREATE FUNCTION ae_fit_sample_finalfn(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_fit_sample_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE AGGREGATE ae_fit(anyelement) (
    SFUNC = ae_fit_sample_transfn,
    STYPE = internal,
    COMBINEFUNC = ae_fit_sample_combinefn,
    SERIALFUNC = ae_fit_sample_serialfn,
    DESERIALFUNC = ae_fit_sample_deserialfn,
    FINALFUNC = ae_fit_sample_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

CREATE AGGREGATE ae_fit(anyelement, options jsonb) (
    SFUNC = ae_fit_sample_transfn,
    STYPE = internal,
    COMBINEFUNC = ae_fit_sample_combinefn,
    SERIALFUNC = ae_fit_sample_serialfn,
    DESERIALFUNC = ae_fit_sample_deserialfn,
    FINALFUNC = ae_fit_sample_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE ae_fit(anyelement) IS 'train an autoencoder on the rows fed to it; returns the model bytea';
COMMENT ON AGGREGATE ae_fit(anyelement, jsonb) IS 'train an autoencoder on the rows fed to it, with options; returns the model bytea';

-- ---------------------------------------------------------------------------
-- ae_info: what a model holds, as jsonb.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_info(model bytea) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ae_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- ---------------------------------------------------------------------------
-- ae_train: train on a table or view and store the model under a name.
-- ---------------------------------------------------------------------------

CREATE TYPE ae_train_summary AS (
    model       text,
    kind        text,
    rows        bigint,
    inputs      int,
    latent      int,
    epochs      int,
    train_loss  float8,
    val_loss    float8,
    seconds     float8
);

-- the part of ae_train that trains on the relation with the caller's rights
-- and stores the model as the caller's; NULL when no row has a value
CREATE FUNCTION ae_train_store(model text, relation regclass, options jsonb) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_train_store' LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION ae_train(
    model           text,
    relation        regclass,
    kind            text DEFAULT NULL,
    columns         text[] DEFAULT NULL,
    exclude         text[] DEFAULT NULL,
    hidden          int[] DEFAULT NULL,
    latent          int DEFAULT NULL,
    epochs          int DEFAULT NULL,
    batch_size      int DEFAULT NULL,
    learning_rate   float8 DEFAULT NULL,
    seed            bigint DEFAULT NULL,
    options         jsonb DEFAULT '{}'
) RETURNS ae_train_summary
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    opts     jsonb;
    bytes    bytea;
    info     jsonb;
    best     int;
    summary  @extschema@.ae_train_summary;
BEGIN
    IF ae_train.model IS NULL OR ae_train.model = '' THEN
        RAISE EXCEPTION 'model name must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name the model, as in ae_train(''fraud'', ''transactions'').';
    END IF;
    IF ae_train.relation IS NULL OR NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = ae_train.relation) THEN
        RAISE EXCEPTION 'relation % does not exist', coalesce(ae_train.relation::oid::text, 'NULL')
            USING ERRCODE = 'undefined_table',
                  HINT = 'Pass the table or view to train on, as in ae_train(''fraud'', ''transactions'').';
    END IF;
    IF ae_train.options IS NULL OR jsonb_typeof(ae_train.options) <> 'object' THEN
        RAISE EXCEPTION 'ae options must be a jsonb object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass options such as ''{"val_share": 0.2}''.';
    END IF;

    -- arguments given win over the same keys in options; the others leave options alone
    opts := ae_train.options || jsonb_strip_nulls(jsonb_build_object(
        'kind', ae_train.kind,
        'columns', to_jsonb(ae_train.columns),
        'exclude', to_jsonb(ae_train.exclude),
        'hidden', to_jsonb(ae_train.hidden),
        'latent', ae_train.latent,
        'epochs', ae_train.epochs,
        'batch_size', ae_train.batch_size,
        'learning_rate', ae_train.learning_rate,
        'seed', ae_train.seed));

    bytes := @extschema@.ae_train_store(ae_train.model, ae_train.relation, opts);
    IF bytes IS NULL THEN
        RAISE EXCEPTION 'relation % has no rows with values to train on', ae_train.relation
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Load rows into the relation first, or train on another one.';
    END IF;

    info := @extschema@.ae_info(bytes);
    best := (info->'metrics'->>'best_epoch')::int;
    summary.model := ae_train.model;
    summary.kind := info->>'kind';
    summary.rows := (info->'metrics'->>'rows')::bigint;
    summary.inputs := (info->>'inputs')::int;
    summary.latent := (info->'options'->>'latent')::int;
    summary.epochs := (info->'metrics'->>'epochs_run')::int;
    summary.train_loss := (info->'metrics'->'train_loss'->>(best - 1))::float8;
    summary.val_loss := (info->'metrics'->'val_loss'->>(best - 1))::float8;
    summary.seconds := (info->'metrics'->>'seconds')::float8;
    RETURN summary;
END
$fn$;

COMMENT ON FUNCTION ae_train(text, regclass, text, text[], text[], int[], int, int, int, float8, bigint, jsonb)
    IS 'train an autoencoder on a table or view and store it in ae_models under a name';

-- ---------------------------------------------------------------------------
-- Scoring, embedding, reconstructing: (row), (model text, row), (model bytea, row).
-- The bytea forms depend on nothing but their arguments (no setting, no
-- table) and are IMMUTABLE, so they can run on remote workers and in
-- indexes; the others read ae_models and are STABLE.  ae_explain shows
-- values as text, which depends on DateStyle and TimeZone: STABLE in all
-- three forms.
-- COST 100 (times cpu_operator_cost) is what a row costs with a default
-- model of 30 columns, about a microsecond: an overstated cost makes a
-- million-row query pass jit_inline_above_cost, and every parallel worker
-- then spends some 60 ms inlining and optimising code that runs for less.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_score(r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_score' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_score(model text, r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_score' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_score(model bytea, r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

CREATE FUNCTION ae_embed(r anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'ae_embed' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_embed(model text, r anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'ae_embed' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_embed(model bytea, r anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'ae_embed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

CREATE FUNCTION ae_reconstruct(r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_reconstruct' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_reconstruct(model text, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_reconstruct' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_reconstruct(model bytea, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_reconstruct' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

-- ---------------------------------------------------------------------------
-- Imputation and explanation, in the same three forms.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_impute(r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_impute' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_impute(model text, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_impute' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;
CREATE FUNCTION ae_impute(model bytea, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_impute' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

CREATE FUNCTION ae_explain(r anyelement)
    RETURNS TABLE (column_name text, contribution float8, actual text, expected text)
    AS 'MODULE_PATHNAME', 'ae_explain' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;
CREATE FUNCTION ae_explain(model text, r anyelement)
    RETURNS TABLE (column_name text, contribution float8, actual text, expected text)
    AS 'MODULE_PATHNAME', 'ae_explain' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;
CREATE FUNCTION ae_explain(model bytea, r anyelement)
    RETURNS TABLE (column_name text, contribution float8, actual text, expected text)
    AS 'MODULE_PATHNAME', 'ae_explain' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;

-- ---------------------------------------------------------------------------
-- Rows from a variational model's latent space (kinds vae and cvae).
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_generate(rowtype anyelement, model text, n int,
                            condition text DEFAULT NULL, seed bigint DEFAULT 42)
    RETURNS SETOF anyelement
    AS 'MODULE_PATHNAME', 'ae_generate' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE
    COST 1000 ROWS 100;

CREATE FUNCTION ae_sample_near(r anyelement, model text, n int, radius float8,
                               seed bigint DEFAULT 42)
    RETURNS SETOF anyelement
    AS 'MODULE_PATHNAME', 'ae_sample_near' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE
    COST 1000 ROWS 10;

CREATE FUNCTION ae_interpolate(row_a anyelement, row_b anyelement, steps int, model text DEFAULT NULL)
    RETURNS SETOF anyelement
    AS 'MODULE_PATHNAME', 'ae_interpolate' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE
    COST 1000 ROWS 10;

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
