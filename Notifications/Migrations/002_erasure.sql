-- The tombstone of a user whose account was deleted: set by the erasure (the user's notifications deleted in the same
-- transaction) and never cleared, so a late event of the user creates nothing and the user's calls are refused.
ALTER TABLE notification_users ADD COLUMN erased_at timestamptz NULL;
