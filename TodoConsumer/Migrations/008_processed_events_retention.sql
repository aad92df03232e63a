-- Retention: the cluster's one cleaner (a grain on the silos) deletes processed_events keys older than
-- Consumer:DedupWindow in small batches (processed_at is indexed by 005). It counts them here, in the same
-- transaction, for the admin read model and the dashboard. Todos are never deleted by retention.
CREATE TABLE processed_events_retention (
    id              smallint PRIMARY KEY CHECK (id = 1),
    deleted         bigint NOT NULL DEFAULT 0,
    last_deleted_at timestamptz
);
