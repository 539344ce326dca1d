-- Operators replay dead letters (POST /api/ops/dead-letters/{id}/replay): the payload is
-- normalized again by the current code. Each attempt is counted; a replay that stores its
-- tickets (or finds the payload is not a ticket) resolves the letter, which is kept, marked,
-- as the record of what happened.
ALTER TABLE intake_dead_letters
    ADD COLUMN replay_count     INTEGER     NOT NULL DEFAULT 0,
    ADD COLUMN last_replayed_at TIMESTAMPTZ,
    ADD COLUMN resolved_at      TIMESTAMPTZ,
    ADD COLUMN resolution       TEXT;
-- The operators' list shows the unresolved letters, newest first.
CREATE INDEX idx_intake_dead_letters_open ON intake_dead_letters (id DESC) WHERE resolved_at IS NULL;
