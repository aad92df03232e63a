ALTER TABLE users ADD COLUMN display_name text CHECK (char_length(display_name) BETWEEN 1 AND 100);

-- Refresh tokens are stored only as the SHA-256 of the token. A rotation marks the presented token spent and
-- inserts its successor in the same family; a spent token presented again revokes the family. Rows are kept until
-- expires_at (a spent one is what detects reuse) and then deleted by the cluster's refresh token cleaner.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    spent_at    timestamptz,
    replaced_by uuid,
    revoked_at  timestamptz
);

CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
