-- The semantic clusterer (issue #5): each cluster keeps the SUM of its members' embeddings and
-- how many were summed, so assignment (cosine to the mean direction), consolidation (average
-- linkage = sA·sB / (nA·nB)) and coherence come from one row per cluster, never from its
-- members. Triggers keep the sums exact through every path that moves issues: the clusterer,
-- a person's move or merge through the API, a re-analysis that replaces a ticket's issues, a
-- deleted ticket.
ALTER TABLE issue_clusters
    ADD COLUMN centroid_sum   REAL[],
    ADD COLUMN centroid_count INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN centroid_model VARCHAR(100),
    -- The distinctive terms the current automatic name was made from and the cluster's size
    -- then: a cluster is renamed only when its content has shifted materially.
    ADD COLUMN name_terms     TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN named_from     INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN named_at       TIMESTAMPTZ,
    ADD CONSTRAINT chk_centroid CHECK (
        centroid_count >= 0 AND ((centroid_sum IS NULL) = (centroid_model IS NULL))
    );

-- A person moved this issue (or took it out of every cluster): automatic passes never move it.
ALTER TABLE extracted_issues
    ADD COLUMN cluster_pinned BOOLEAN NOT NULL DEFAULT FALSE;

-- a + sign·b element-wise (b alone when a is empty).
CREATE FUNCTION im_vec_add(a REAL[], b REAL[], sign REAL) RETURNS REAL[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN a IS NULL OR cardinality(a) = 0 THEN
            (SELECT array_agg(y * sign ORDER BY i) FROM unnest(b) WITH ORDINALITY AS t(y, i))
        ELSE
            (SELECT array_agg(x + y * sign ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i))
    END
$$;

CREATE FUNCTION im_centroid_remove(cluster UUID, v REAL[], model VARCHAR) RETURNS VOID
LANGUAGE sql AS $$
    UPDATE issue_clusters SET
        centroid_sum   = CASE WHEN centroid_count <= 1 THEN NULL ELSE im_vec_add(centroid_sum, v, -1) END,
        centroid_model = CASE WHEN centroid_count <= 1 THEN NULL ELSE centroid_model END,
        centroid_count = GREATEST(centroid_count - 1, 0)
    WHERE id = cluster AND centroid_model = model AND cardinality(centroid_sum) = cardinality(v)
$$;

-- A vector of another model (or length) than the cluster's is not summed: vectors of
-- different models are never compared.
CREATE FUNCTION im_centroid_add(cluster UUID, v REAL[], model VARCHAR) RETURNS VOID
LANGUAGE sql AS $$
    UPDATE issue_clusters SET
        centroid_sum   = CASE WHEN centroid_count = 0 THEN v ELSE im_vec_add(centroid_sum, v, 1) END,
        centroid_model = model,
        centroid_count = centroid_count + 1
    WHERE id = cluster
      AND (centroid_count = 0
           OR (centroid_model = model AND cardinality(centroid_sum) = cardinality(v)))
$$;

CREATE FUNCTION im_issue_centroids() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.cluster_id IS NOT NULL AND OLD.embedding IS NOT NULL THEN
        PERFORM im_centroid_remove(OLD.cluster_id, OLD.embedding, OLD.embedding_model);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.cluster_id IS NOT NULL AND NEW.embedding IS NOT NULL THEN
        PERFORM im_centroid_add(NEW.cluster_id, NEW.embedding, NEW.embedding_model);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER trg_issue_centroids_insert_delete
    AFTER INSERT OR DELETE ON extracted_issues
    FOR EACH ROW EXECUTE FUNCTION im_issue_centroids();

CREATE TRIGGER trg_issue_centroids_update
    AFTER UPDATE OF cluster_id, embedding, embedding_model ON extracted_issues
    FOR EACH ROW
    WHEN (OLD.cluster_id IS DISTINCT FROM NEW.cluster_id
          OR OLD.embedding IS DISTINCT FROM NEW.embedding
          OR OLD.embedding_model IS DISTINCT FROM NEW.embedding_model)
    EXECUTE FUNCTION im_issue_centroids();

-- Sums for the issues already clustered when this migration runs.
UPDATE issue_clusters c SET centroid_sum = s.sum, centroid_count = s.n, centroid_model = s.model
FROM (
    SELECT d.cluster_id, d.model, d.n, array_agg(d.x ORDER BY d.i) AS sum
    FROM (SELECT j.cluster_id, j.embedding_model AS model, e.i,
                 SUM(e.x)::REAL AS x, COUNT(*)::INTEGER AS n
          FROM extracted_issues j, unnest(j.embedding) WITH ORDINALITY AS e(x, i)
          WHERE j.cluster_id IS NOT NULL AND j.embedding IS NOT NULL
          GROUP BY j.cluster_id, j.embedding_model, e.i) d
    GROUP BY d.cluster_id, d.model, d.n
) s
WHERE c.id = s.cluster_id;

-- The clusterer's own changes are in the clusters' audit trail too (actor 'clusterer').
ALTER TABLE cluster_events DROP CONSTRAINT chk_cluster_events_kind;
ALTER TABLE cluster_events ADD CONSTRAINT chk_cluster_events_kind
    CHECK (kind IN ('updated', 'merged_away', 'merged_in', 'split_from', 'split_into', 'auto_named'));

-- Whether a cluster holds pinned issues (part of "curated") without visiting its members.
CREATE INDEX idx_issues_pinned ON extracted_issues (cluster_id) WHERE cluster_pinned;
-- The clusterer reads a subcategory's active clusters under its advisory lock.
CREATE INDEX idx_clusters_active_subcategory ON issue_clusters (category, subcategory) WHERE is_active;
