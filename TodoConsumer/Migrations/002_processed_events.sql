-- The idempotency record of the consumer: one row per applied event, inserted in the same
-- statement as the event's effect, so a duplicate delivery finds the key taken and changes nothing.
CREATE TABLE processed_events (
    event_id     uuid PRIMARY KEY,
    event_type   text NOT NULL,
    user_id      uuid NOT NULL,
    occurred_at  timestamptz NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
