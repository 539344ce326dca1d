DROP INDEX IF EXISTS idx_issues_search_trgm;
DROP INDEX IF EXISTS idx_clusters_issue_count;
DROP TABLE IF EXISTS cluster_events;
ALTER TABLE issue_clusters
    DROP COLUMN IF EXISTS merged_into,
    DROP COLUMN IF EXISTS renamed_by,
    DROP COLUMN IF EXISTS name_locked;
DROP TABLE IF EXISTS issue_corrections;
ALTER TABLE extracted_issues
    DROP COLUMN IF EXISTS corrected_at,
    DROP COLUMN IF EXISTS corrected_by;
DROP TABLE IF EXISTS api_tokens;
