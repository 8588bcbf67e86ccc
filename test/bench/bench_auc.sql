-- ===========================================================================
-- bench_auc.sql — the ROC-AUC function the anomaly benchmarks share
-- (anomaly_auc.sql, kinds_auc.sql); included with \ir into the current
-- schema, it creates nothing else.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- bench_auc(labels, scores): ROC-AUC by the rank-sum (Mann–Whitney) formula,
--   AUC = (sum of the positives' ranks - P(P+1)/2) / (P·N),
-- ranks ascending by score with tied scores sharing their average rank.
-- Pairs where the label or the score is NULL are left out.
-- ---------------------------------------------------------------------------
CREATE FUNCTION bench_auc(labels bool[], scores float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    WITH d AS (
        SELECT l, s FROM unnest(labels, scores) AS u(l, s)
         WHERE l IS NOT NULL AND s IS NOT NULL
    ), r AS (
        -- rank() gives the lowest rank of a tie group; add half the group's extent
        SELECT l, rank() OVER w + (count(*) OVER (PARTITION BY s) - 1) / 2.0 AS rk
          FROM d WINDOW w AS (ORDER BY s)
    )
    SELECT ((sum(rk) FILTER (WHERE l)
             - count(*) FILTER (WHERE l) * (count(*) FILTER (WHERE l) + 1) / 2.0)
            / nullif(count(*) FILTER (WHERE l) * count(*) FILTER (WHERE NOT l), 0))::float8
      FROM r
$$;
