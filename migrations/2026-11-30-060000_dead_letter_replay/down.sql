DROP INDEX idx_intake_dead_letters_open;
ALTER TABLE intake_dead_letters
    DROP COLUMN resolution,
    DROP COLUMN resolved_at,
    DROP COLUMN last_replayed_at,
    DROP COLUMN replay_count;
