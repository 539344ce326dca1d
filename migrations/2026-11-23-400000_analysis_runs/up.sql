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
