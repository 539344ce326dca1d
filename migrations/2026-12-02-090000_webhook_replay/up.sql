-- Webhook deliveries seen recently, by the platform's own id (a Zendesk invocation id, a Slack
-- event id, an Intercom notification id, a WhatsApp message id): a replay within the window
-- is answered without changing anything.
CREATE TABLE webhook_deliveries (
    source VARCHAR(32) NOT NULL,
    delivery_id TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (source, delivery_id)
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);

-- One dead letter per distinct body: a repeat counts instead of adding a row. Rows stored
-- before this migration keep a NULL hash (they may hold duplicates; NULLs never conflict).
ALTER TABLE intake_dead_letters
    ADD COLUMN body_hash TEXT,
    ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN last_received_at TIMESTAMPTZ;
CREATE UNIQUE INDEX intake_dead_letters_source_body_hash ON intake_dead_letters (source, body_hash);
