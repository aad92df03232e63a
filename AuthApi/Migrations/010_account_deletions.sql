-- The account deletion saga (AccountDeletionGrain). Both tables outlive the account (no foreign key to users) and hold
-- no personal data beyond the user id.
--
-- One state row per account: the saga's state, its deadline and each service's step ([{service, state, at, attempts}]).
-- version fences every write (UPDATE ... WHERE version = the one read), so two activations never both move it.
CREATE TABLE account_deletions (
    user_id        uuid        PRIMARY KEY,
    state          text        NOT NULL CHECK (state IN ('Scheduled', 'Erasing', 'Stuck', 'Erased', 'Cancelled')),
    requested_at   timestamptz NOT NULL,
    erase_after    timestamptz NOT NULL,
    erasing_since  timestamptz NULL,
    correlation_id text        NOT NULL,
    steps          jsonb       NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer     NOT NULL
);

CREATE INDEX account_deletions_open ON account_deletions (state, updated_at) WHERE state IN ('Scheduled', 'Erasing', 'Stuck');

-- The audit trail: one row per transition (trigger, from -> to, the service it concerns, the request sent or reply
-- received), written in the transaction of the state change, never updated or deleted.
CREATE TABLE account_deletion_steps (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid        NOT NULL,
    trigger    text        NOT NULL,
    from_state text        NULL,
    to_state   text        NOT NULL,
    service    text        NULL,
    event_id   uuid        NULL,
    at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX account_deletion_steps_user_id ON account_deletion_steps (user_id, id);
