-- ae 0.1.0: autoencoders trained on table rows.

\echo Use "CREATE EXTENSION ae" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The registry of trained models.  `relation` is the source's qualified name
-- as text, so dropping the source or a dump/restore never breaks a row here.
-- ---------------------------------------------------------------------------

CREATE TABLE ae_models (
    name        text PRIMARY KEY,
    kind        text NOT NULL,
    relation    text,
    columns     jsonb NOT NULL,
    options     jsonb NOT NULL,
    metrics     jsonb NOT NULL,
    model       bytea NOT NULL,
    owner       name NOT NULL DEFAULT current_user,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX ae_models_relation_idx ON ae_models (relation, created_at DESC);

COMMENT ON TABLE ae_models IS 'trained ae models, one row per model name';

-- pg_dump keeps the trained models
SELECT pg_catalog.pg_extension_config_dump('ae_models', '');

-- Everyone may train and use models; each role sees and changes the models
-- of the roles it belongs to (a model holds statistics of its source
-- table, such as category values, so it is not public by default).
-- Superusers and the table's owner see all.
ALTER TABLE ae_models ENABLE ROW LEVEL SECURITY;
CREATE POLICY ae_models_owner ON ae_models
    USING (pg_catalog.pg_has_role(owner, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
GRANT SELECT, INSERT, UPDATE, DELETE ON ae_models TO PUBLIC;

-- every backend forgets its name -> model map when the registry changes
CREATE FUNCTION ae_models_invalidate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ae_models_invalidate' LANGUAGE C;

CREATE TRIGGER ae_models_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ae_models
    FOR EACH STATEMENT EXECUTE FUNCTION ae_models_invalidate();

-- ---------------------------------------------------------------------------
-- ae_fit: the training aggregate.  Its state is a bytea holding a reservoir
-- sample of the rows; partial states combine under parallel aggregation.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_fit_transfn(bytea, anyelement) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION ae_fit_transfn(bytea, anyelement, jsonb) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_fit_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION ae_fit_combinefn(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_fit_combinefn' LANGUAGE C STRICT PARALLEL SAFE;

CREATE FUNCTION ae_fit_finalfn(bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ae_fit_finalfn' LANGUAGE C STRICT PARALLEL SAFE;

CREATE AGGREGATE ae_fit(anyelement) (
    SFUNC = ae_fit_transfn,
    STYPE = bytea,
    COMBINEFUNC = ae_fit_combinefn,
    FINALFUNC = ae_fit_finalfn,
    PARALLEL = SAFE
);

CREATE AGGREGATE ae_fit(anyelement, options jsonb) (
    SFUNC = ae_fit_transfn,
    STYPE = bytea,
    COMBINEFUNC = ae_fit_combinefn,
    FINALFUNC = ae_fit_finalfn,
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

CREATE FUNCTION ae_train(
    model           text,
    relation        regclass,
    kind            text DEFAULT 'ae',
    columns         text[] DEFAULT NULL,
    exclude         text[] DEFAULT NULL,
    hidden          int[] DEFAULT NULL,
    latent          int DEFAULT NULL,
    epochs          int DEFAULT NULL,
    batch_size      int DEFAULT NULL,
    learning_rate   float8 DEFAULT NULL,
    seed            bigint DEFAULT 42,
    options         jsonb DEFAULT '{}'
) RETURNS ae_train_summary
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_variable
DECLARE
    opts     jsonb;
    relname  text;
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
    IF ae_train.relation IS NULL THEN
        RAISE EXCEPTION 'relation must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the table or view to train on, as in ae_train(''fraud'', ''transactions'').';
    END IF;
    IF ae_train.options IS NULL OR jsonb_typeof(ae_train.options) <> 'object' THEN
        RAISE EXCEPTION 'ae options must be a jsonb object'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass options such as ''{"val_share": 0.2}''.';
    END IF;

    -- explicit arguments win over the same keys in options
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

    SELECT format('%I.%I', n.nspname, c.relname) INTO relname
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = ae_train.relation;

    EXECUTE format('SELECT @extschema@.ae_fit(t.*, $1) FROM %s AS t', relname)
       INTO bytes USING opts;
    IF bytes IS NULL THEN
        RAISE EXCEPTION 'relation % has no rows to train on', relname
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Load rows into the relation first, or train on another one.';
    END IF;

    info := @extschema@.ae_info(bytes);
    INSERT INTO @extschema@.ae_models AS m
           (name, kind, relation, columns, options, metrics, model, owner, created_at)
    VALUES (ae_train.model, info->>'kind', relname, info->'columns', info->'options',
            info->'metrics', bytes, current_user, clock_timestamp())
    ON CONFLICT (name) DO UPDATE
       SET kind = EXCLUDED.kind, relation = EXCLUDED.relation, columns = EXCLUDED.columns,
           options = EXCLUDED.options, metrics = EXCLUDED.metrics, model = EXCLUDED.model,
           owner = EXCLUDED.owner, created_at = EXCLUDED.created_at;

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
-- The bytea forms are IMMUTABLE (usable anywhere, e.g. pushed to remote
-- workers); the others read ae_models and are STABLE.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_score(r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_score' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_score(model text, r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_score' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_score(model bytea, r anyelement) RETURNS float8
    AS 'MODULE_PATHNAME', 'ae_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;

CREATE FUNCTION ae_embed(r anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'ae_embed' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_embed(model text, r anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'ae_embed' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_embed(model bytea, r anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'ae_embed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;

CREATE FUNCTION ae_reconstruct(r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_reconstruct' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_reconstruct(model text, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_reconstruct' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_reconstruct(model bytea, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_reconstruct' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;

-- ---------------------------------------------------------------------------
-- Imputation and explanation, in the same three forms.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ae_impute(r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_impute' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_impute(model text, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_impute' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
CREATE FUNCTION ae_impute(model bytea, r anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'ae_impute' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000;

CREATE FUNCTION ae_explain(r anyelement)
    RETURNS TABLE (column_name text, contribution float8, actual text, expected text)
    AS 'MODULE_PATHNAME', 'ae_explain' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;
CREATE FUNCTION ae_explain(model text, r anyelement)
    RETURNS TABLE (column_name text, contribution float8, actual text, expected text)
    AS 'MODULE_PATHNAME', 'ae_explain' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;
CREATE FUNCTION ae_explain(model bytea, r anyelement)
    RETURNS TABLE (column_name text, contribution float8, actual text, expected text)
    AS 'MODULE_PATHNAME', 'ae_explain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 1000 ROWS 10;

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
