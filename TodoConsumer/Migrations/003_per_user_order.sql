-- Per-user serialization: the handler locks the user's row for the whole transaction, so two events
-- of one user never apply at once, and compares the event's per-user sequence with the last applied.
CREATE TABLE user_event_state (
    user_id       uuid PRIMARY KEY,
    last_sequence bigint NOT NULL,
    last_event_id uuid,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- 'stale': an event older than the one already applied for its user, recorded but not applied.
ALTER TABLE processed_events
    ADD COLUMN sequence bigint NOT NULL DEFAULT 1,
    ADD COLUMN outcome text NOT NULL DEFAULT 'applied' CHECK (outcome IN ('applied', 'stale'));
