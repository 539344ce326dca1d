-- The schema of seed 001, with what the architecture adds:
--  * tickets come from several sources, identified by (source, source_id);
--  * the taxonomy is data (loaded from a file at start-up into taxonomy_subcategories) and the
--    database enforces it with a foreign key, so a company's own taxonomy is enforced too;
--  * the fixed vocabularies (issue_type, severity, pm_status) are CHECK constraints whose
--    lists a test compares with the Rust enums;
--  * timestamps are TIMESTAMPTZ; trend_pct is a float (growth beyond 999.99 % is real).

CREATE TABLE taxonomy_subcategories (
    category        VARCHAR(50)  NOT NULL,
    subcategory     VARCHAR(50)  NOT NULL,
    category_label  VARCHAR(200) NOT NULL DEFAULT '',
    label           VARCHAR(200) NOT NULL DEFAULT '',
    description     TEXT         NOT NULL DEFAULT '',
    -- A subcategory dropped from the taxonomy file stays (its issues still reference it) but
    -- no new issue may use it.
    retired         BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (category, subcategory)
);

CREATE TABLE tickets (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source             VARCHAR(32)  NOT NULL,
    source_id          VARCHAR(255) NOT NULL,
    subject            VARCHAR(500),
    description        TEXT,
    internal_notes     TEXT,
    public_comments    TEXT,
    requester_email    VARCHAR(255),
    requester_org_name VARCHAR(255),
    source_org_id      BIGINT,
    -- org name, else email domain, else the address (domain::customer::customer_key)
    customer_key       VARCHAR(300),
    tags               JSONB        NOT NULL DEFAULT '[]',
    status             VARCHAR(50),
    priority           VARCHAR(50),
    -- sha-256 of the analyzed text; analyzed_hash is the hash the current issues came from
    content_hash       CHAR(64)     NOT NULL,
    analyzed_hash      CHAR(64),
    ticket_created_at  TIMESTAMPTZ  NOT NULL,
    ticket_updated_at  TIMESTAMPTZ  NOT NULL,
    synced_at          TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    analyzed_at        TIMESTAMPTZ,
    -- set when analysis of the current text failed for good (dead job); cleared when the text
    -- changes, so the reconciler does not retry a hopeless ticket forever
    analysis_failed_at TIMESTAMPTZ,
    analysis_error     TEXT,
    CONSTRAINT uq_tickets_source UNIQUE (source, source_id),
    CONSTRAINT chk_tickets_source CHECK (source IN ('zendesk', 'slack', 'intercom', 'whatsapp', 'api', 'csv')),
    CONSTRAINT chk_tickets_tags CHECK (jsonb_typeof(tags) = 'array')
);
CREATE INDEX idx_tickets_updated ON tickets (ticket_updated_at);
CREATE INDEX idx_tickets_created ON tickets (ticket_created_at);
CREATE INDEX idx_tickets_analyzed ON tickets (analyzed_at);
-- the reconciler's question: which tickets still wait for analysis?
CREATE INDEX idx_tickets_pending ON tickets (synced_at)
    WHERE analyzed_hash IS DISTINCT FROM content_hash AND analysis_failed_at IS NULL;

CREATE TABLE issue_clusters (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    category         VARCHAR(50)  NOT NULL,
    subcategory      VARCHAR(50)  NOT NULL,
    cluster_name     VARCHAR(200) NOT NULL,
    cluster_summary  TEXT,
    issue_count      INT          NOT NULL DEFAULT 0,
    unique_customers INT          NOT NULL DEFAULT 0,
    first_seen       TIMESTAMPTZ,
    last_seen        TIMESTAMPTZ,
    count_7d         INT          NOT NULL DEFAULT 0,
    count_prior_7d   INT          NOT NULL DEFAULT 0,
    trend_pct        DOUBLE PRECISION,
    -- new in the last 7 days or growing fast (domain::trend::is_emerging), set with the stats
    is_emerging      BOOLEAN      NOT NULL DEFAULT FALSE,
    is_active        BOOLEAN      NOT NULL DEFAULT TRUE,
    pm_status        VARCHAR(50)  NOT NULL DEFAULT 'new',
    pm_notes         TEXT,
    stats_updated_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    updated_at       TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    CONSTRAINT fk_clusters_taxonomy FOREIGN KEY (category, subcategory)
        REFERENCES taxonomy_subcategories (category, subcategory),
    CONSTRAINT chk_pm_status CHECK (pm_status IN ('new', 'reviewing', 'acknowledged', 'fixed', 'wont_fix')),
    CONSTRAINT chk_cluster_counts CHECK (issue_count >= 0 AND unique_customers >= 0
        AND count_7d >= 0 AND count_prior_7d >= 0)
);
CREATE INDEX idx_clusters_category ON issue_clusters (category, subcategory);
CREATE INDEX idx_clusters_active ON issue_clusters (is_active, issue_count DESC);

CREATE TABLE extracted_issues (
    id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id            UUID         NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    category             VARCHAR(50)  NOT NULL,
    subcategory          VARCHAR(50)  NOT NULL,
    issue_type           VARCHAR(50)  NOT NULL,
    severity             VARCHAR(20)  NOT NULL,
    summary              VARCHAR(500) NOT NULL,
    detail               TEXT,
    representative_quote TEXT,
    cluster_id           UUID REFERENCES issue_clusters (id) ON DELETE SET NULL,
    confidence           REAL,
    -- which analyzer and model produced the issue ("offline-keywords", "claude" …)
    analyzer             VARCHAR(50)  NOT NULL,
    model                VARCHAR(100),
    extracted_at         TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    CONSTRAINT fk_issues_taxonomy FOREIGN KEY (category, subcategory)
        REFERENCES taxonomy_subcategories (category, subcategory),
    CONSTRAINT chk_issue_type CHECK (issue_type IN ('bug', 'friction', 'ux_confusion', 'feature_request', 'documentation_gap', 'data_issue')),
    CONSTRAINT chk_severity CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    CONSTRAINT chk_confidence CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    CONSTRAINT chk_summary CHECK (length(btrim(summary)) > 0)
);
CREATE INDEX idx_issues_ticket ON extracted_issues (ticket_id);
CREATE INDEX idx_issues_category ON extracted_issues (category, subcategory);
CREATE INDEX idx_issues_severity ON extracted_issues (severity);
CREATE INDEX idx_issues_cluster ON extracted_issues (cluster_id);
CREATE INDEX idx_issues_extracted ON extracted_issues (extracted_at);
CREATE INDEX idx_issues_unclustered ON extracted_issues (extracted_at) WHERE cluster_id IS NULL;

-- One row per sync run of a source (file import, Zendesk export …).
CREATE TABLE sync_state (
    id                     SERIAL PRIMARY KEY,
    source                 VARCHAR(32)  NOT NULL,
    -- the source's resume point (Zendesk export cursor); NULL for one-shot imports
    cursor                 TEXT,
    last_ticket_updated_at TIMESTAMPTZ  NOT NULL,
    tickets_synced         INT          NOT NULL DEFAULT 0,
    tickets_changed        INT          NOT NULL DEFAULT 0,
    issues_extracted       INT          NOT NULL DEFAULT 0,
    sync_started_at        TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    sync_completed_at      TIMESTAMPTZ  DEFAULT NOW()
);
CREATE INDEX idx_sync_state_source ON sync_state (source, id DESC);
