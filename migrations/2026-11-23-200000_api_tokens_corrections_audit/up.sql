-- What the REST API adds (issue #6): API tokens, human corrections of issues, human curation of
-- clusters (renames the clusterer must not undo, merges) with their audit trails, and the
-- indexes the API's list, search and export queries need.

-- Bearer tokens: only the sha-256 of the token is stored; the token is shown once at creation.
CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name         VARCHAR(100) NOT NULL,
    scope        VARCHAR(10)  NOT NULL,
    token_hash   CHAR(64)     NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT uq_api_tokens_hash UNIQUE (token_hash),
    CONSTRAINT chk_api_tokens_scope CHECK (scope IN ('read', 'write', 'admin'))
);

-- An issue a person corrected: who and when (the before/after is in issue_corrections).
ALTER TABLE extracted_issues
    ADD COLUMN corrected_by VARCHAR(100),
    ADD COLUMN corrected_at TIMESTAMPTZ;

-- Every correction with the values before and after. No foreign key to the issue: the audit
-- outlives an issue replaced by a re-analysis; it goes when its ticket does.
CREATE TABLE issue_corrections (
    id           BIGSERIAL PRIMARY KEY,
    issue_id     UUID         NOT NULL,
    ticket_id    UUID         NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    corrected_by VARCHAR(100) NOT NULL,
    corrected_at TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    before       JSONB        NOT NULL,
    after        JSONB        NOT NULL
);
CREATE INDEX idx_issue_corrections_issue ON issue_corrections (issue_id, id);

-- A cluster a person renamed keeps its name (the clusterer checks name_locked); a merged
-- cluster is inactive and points at the one that absorbed it.
ALTER TABLE issue_clusters
    ADD COLUMN name_locked BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN renamed_by  VARCHAR(100),
    ADD COLUMN merged_into UUID REFERENCES issue_clusters (id) ON DELETE SET NULL;

CREATE TABLE cluster_events (
    id         BIGSERIAL PRIMARY KEY,
    cluster_id UUID         NOT NULL REFERENCES issue_clusters (id) ON DELETE CASCADE,
    kind       VARCHAR(32)  NOT NULL,
    actor      VARCHAR(100) NOT NULL,
    detail     JSONB        NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    CONSTRAINT chk_cluster_events_kind CHECK (kind IN ('updated', 'merged_away', 'merged_in'))
);
CREATE INDEX idx_cluster_events_cluster ON cluster_events (cluster_id, id);

-- GET /api/clusters sorts by issue count by default, with id as the tie-break.
CREATE INDEX idx_clusters_issue_count ON issue_clusters (issue_count DESC, id);
-- GET /api/issues?search=…: substring search over summary, detail and quote.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX idx_issues_search_trgm ON extracted_issues
    USING gin ((summary || ' ' || coalesce(detail, '') || ' ' || coalesce(representative_quote, '')) gin_trgm_ops);
