-- One row per successful analysis of a ticket's text: which analyzer and model produced the
-- issues, the tokens it used and what that cost, so the API can report cost per ticket and per
-- day. Written in the same transaction as the issues (db::models::issue::record_analysis).
CREATE TABLE analysis_runs (
    id                          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id                   UUID         NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- the content_hash of the text analyzed
    analyzed_hash               CHAR(64)     NOT NULL,
    analyzer                    VARCHAR(50)  NOT NULL,
    model                       VARCHAR(100),
    input_tokens                BIGINT       NOT NULL DEFAULT 0,
    output_tokens               BIGINT       NOT NULL DEFAULT 0,
    cache_creation_input_tokens BIGINT       NOT NULL DEFAULT 0,
    cache_read_input_tokens     BIGINT       NOT NULL DEFAULT 0,
    -- sent through the Message Batches API (billed at half price)
    batch                       BOOLEAN      NOT NULL DEFAULT FALSE,
    -- NULL when the model's price is unknown; 0 for the offline analyzer
    cost_usd                    DOUBLE PRECISION,
    issues                      INT          NOT NULL DEFAULT 0,
    -- 'issues' or 'no_product_issue'
    outcome                     VARCHAR(32)  NOT NULL,
    started_at                  TIMESTAMPTZ  NOT NULL,
    finished_at                 TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    CONSTRAINT chk_runs_outcome CHECK (outcome IN ('issues', 'no_product_issue')),
    CONSTRAINT chk_runs_tokens CHECK (input_tokens >= 0 AND output_tokens >= 0
        AND cache_creation_input_tokens >= 0 AND cache_read_input_tokens >= 0 AND issues >= 0),
    CONSTRAINT chk_runs_cost CHECK (cost_usd IS NULL OR cost_usd >= 0)
);
CREATE INDEX idx_analysis_runs_ticket ON analysis_runs (ticket_id, finished_at DESC);
CREATE INDEX idx_analysis_runs_finished ON analysis_runs (finished_at);

-- Backfills sent through the Message Batches API. A row is written before the batch is created
-- and holds its tickets, so a restarted analyzer resumes polling it, and the analyze jobs of
-- those tickets leave them to the batch instead of paying for them twice.
CREATE TABLE claude_batches (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Anthropic's id (msgbatch_…); NULL while the create call is in flight
    batch_id    VARCHAR(100) UNIQUE,
    model       VARCHAR(100) NOT NULL,
    -- submitting → in_progress → applied; failed when it could not be created or read
    status      VARCHAR(20)  NOT NULL DEFAULT 'submitting',
    error       TEXT,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    applied_at  TIMESTAMPTZ,
    CONSTRAINT chk_claude_batches_status CHECK (status IN ('submitting', 'in_progress', 'applied', 'failed'))
);
CREATE INDEX idx_claude_batches_open ON claude_batches (created_at) WHERE status IN ('submitting', 'in_progress');

CREATE TABLE claude_batch_tickets (
    batch        UUID     NOT NULL REFERENCES claude_batches (id) ON DELETE CASCADE,
    ticket_id    UUID     NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- the text sent; a ticket whose text changed since is analyzed again by its newer job
    content_hash CHAR(64) NOT NULL,
    PRIMARY KEY (batch, ticket_id)
);
CREATE INDEX idx_claude_batch_tickets_ticket ON claude_batch_tickets (ticket_id);
