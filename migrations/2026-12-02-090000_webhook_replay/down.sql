DROP INDEX intake_dead_letters_source_body_hash;
ALTER TABLE intake_dead_letters
    DROP COLUMN last_received_at,
    DROP COLUMN repeat_count,
    DROP COLUMN body_hash;
DROP TABLE webhook_deliveries;
