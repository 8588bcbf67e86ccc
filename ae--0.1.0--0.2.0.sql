-- ae 0.1.0 -> 0.2.0: a registry whose rows only ae_train writes, with
-- owners as roles and names per role; the ae_fit aggregate over an internal
-- state; ae_train honouring kind and seed given in options; ae_explain STABLE.
-- Every stored model is kept as it is and scores as before.

\echo Use "ALTER EXTENSION ae UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The registry.  A model whose owner role no longer exists gets owner 0 and
-- stays visible to superusers only.
-- ---------------------------------------------------------------------------

DROP POLICY ae_models_owner ON ae_models;
ALTER TABLE ae_models ALTER COLUMN owner DROP DEFAULT;
ALTER TABLE ae_models ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner::text)), 0::oid::regrole);
ALTER TABLE ae_models ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE ae_models DROP CONSTRAINT ae_models_pkey;
ALTER TABLE ae_models ADD PRIMARY KEY (owner, name);

COMMENT ON TABLE ae_models IS 'trained ae models, one row per owning role and model name';

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

-- ---------------------------------------------------------------------------
-- ae_fit over an internal state.  The 0.1.0 functions go; their C symbols
-- only refuse to run.
-- ---------------------------------------------------------------------------

DROP AGGREGATE ae_fit(anyelement);
DROP AGGREGATE ae_fit(anyelement, jsonb);
DROP FUNCTION ae_fit_transfn(bytea, anyelement);
DROP FUNCTION ae_fit_transfn(bytea, anyelement, jsonb);
DROP FUNCTION ae_fit_combinefn(bytea, bytea);
DROP FUNCTION ae_fit_finalfn(bytea);

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
-- ae_train: kind and seed default to NULL, so the same keys in options count.
-- ---------------------------------------------------------------------------

DROP FUNCTION ae_train(text, regclass, text, text[], text[], int[], int, int, int, float8, bigint, jsonb);

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
-- ae_explain shows values as text (DateStyle, TimeZone): STABLE.
-- ---------------------------------------------------------------------------

ALTER FUNCTION ae_explain(bytea, anyelement) STABLE;
