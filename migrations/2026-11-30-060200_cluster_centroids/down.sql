DELETE FROM cluster_events WHERE kind IN ('split_from', 'split_into', 'auto_named');
ALTER TABLE cluster_events DROP CONSTRAINT chk_cluster_events_kind;
ALTER TABLE cluster_events ADD CONSTRAINT chk_cluster_events_kind
    CHECK (kind IN ('updated', 'merged_away', 'merged_in'));
DROP INDEX IF EXISTS idx_clusters_active_subcategory;
DROP INDEX IF EXISTS idx_issues_pinned;
DROP TRIGGER IF EXISTS trg_issue_centroids_update ON extracted_issues;
DROP TRIGGER IF EXISTS trg_issue_centroids_insert_delete ON extracted_issues;
DROP FUNCTION IF EXISTS im_issue_centroids();
DROP FUNCTION IF EXISTS im_centroid_add(UUID, REAL[], VARCHAR);
DROP FUNCTION IF EXISTS im_centroid_remove(UUID, REAL[], VARCHAR);
DROP FUNCTION IF EXISTS im_vec_add(REAL[], REAL[], REAL);
ALTER TABLE extracted_issues DROP COLUMN cluster_pinned;
ALTER TABLE issue_clusters
    DROP CONSTRAINT chk_centroid,
    DROP COLUMN centroid_sum,
    DROP COLUMN centroid_count,
    DROP COLUMN centroid_model,
    DROP COLUMN name_terms,
    DROP COLUMN named_from,
    DROP COLUMN named_at;
