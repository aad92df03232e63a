-- The tombstone of a user whose account was deleted: set by the erasure (with the user's todos, task-event sequence and
-- dedup keys deleted in the same transaction) and never cleared, so a late or duplicated event of the user creates
-- nothing and the user's calls are refused.
ALTER TABLE user_event_state ADD COLUMN erased_at timestamptz NULL;
