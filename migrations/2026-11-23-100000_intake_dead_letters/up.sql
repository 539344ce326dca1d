-- Webhook payloads that passed their signature check but could not be turned into a ticket:
-- kept for an operator to inspect (and replay once the normalizer handles them), never dropped.
CREATE TABLE intake_dead_letters (
    id BIGSERIAL PRIMARY KEY,
    source VARCHAR(32) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- The headers that matter for a replay (content type, event ids, signature timestamp),
    -- never the signature secrets themselves.
    headers JSONB NOT NULL DEFAULT '{}',
    body TEXT NOT NULL,
    error TEXT NOT NULL,
    CONSTRAINT chk_intake_dead_letters_source CHECK (source IN ('zendesk', 'slack', 'intercom', 'whatsapp', 'api', 'csv'))
);
CREATE INDEX idx_intake_dead_letters_received ON intake_dead_letters (received_at DESC);
