CREATE TABLE todos (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    completed       boolean NOT NULL DEFAULT false,
    source_event_id uuid UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX todos_by_user ON todos (user_id, created_at);
