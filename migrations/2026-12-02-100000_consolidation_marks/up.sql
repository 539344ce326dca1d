-- Issue #16: consolidation and naming run as soon as a backlog drains, and `api report --wait`
-- (the end of `make demo`) waits for them. A pass records the highest centroid revision it saw
-- when it finished; any later placement takes a higher one (im_centroid_rev), so "the last
-- pass saw everything" is `consolidated_rev >= max(centroid_rev)`.
CREATE TABLE clusterer_marks (
    name VARCHAR(50) PRIMARY KEY,
    value BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Pairs of active clusters of one subcategory that look like one problem but were not merged
-- automatically (below the merge threshold, or both shaped by a person): a person decides.
-- One row per pair, the smaller id first; replaced by each consolidation pass.
CREATE TABLE cluster_merge_suggestions (
    cluster_a UUID NOT NULL REFERENCES issue_clusters (id) ON DELETE CASCADE,
    cluster_b UUID NOT NULL REFERENCES issue_clusters (id) ON DELETE CASCADE,
    similarity REAL NOT NULL,
    suggested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster_a, cluster_b),
    CHECK (cluster_a < cluster_b)
);
CREATE INDEX idx_merge_suggestions_b ON cluster_merge_suggestions (cluster_b);
