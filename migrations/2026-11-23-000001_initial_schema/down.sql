DROP TABLE IF EXISTS sync_state;
DROP TABLE IF EXISTS extracted_issues;
DROP TABLE IF EXISTS issue_clusters;
DROP TABLE IF EXISTS tickets;
DROP TABLE IF EXISTS taxonomy_subcategories;
