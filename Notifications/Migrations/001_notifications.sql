-- One notification per event (event_id unique: the dedup key, kept for Notifications:Retention). id grows in the
-- order of each user's events (assigned under the user's row lock) and is the API's cursor.
CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid        NOT NULL,
    event_id    uuid        NOT NULL UNIQUE,
    event_type  text        NOT NULL,
    kind        text        NOT NULL,
    text        text        NOT NULL,
    todo_id     uuid        NULL,
    sequence    bigint      NULL,
    occurred_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz NULL
);

CREATE INDEX notifications_user_id ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_created_at ON notifications (created_at);

-- Per user: the last applied task-event sequence (gap-free from 1), and since when an event waits for a missing one.
CREATE TABLE notification_users (
    user_id       uuid        PRIMARY KEY,
    last_sequence bigint      NOT NULL DEFAULT 0,
    held_since    timestamptz NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
