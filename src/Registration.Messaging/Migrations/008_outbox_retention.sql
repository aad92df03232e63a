-- Retention: each partition's relay grain deletes its SENT rows older than Outbox:Retention in small
-- batches, oldest first. This index finds them without reading PENDING rows (which are never deleted).
-- Migrations run in a transaction, so this CREATE INDEX blocks writes to outbox while it builds: before upgrading a
-- deployment with a large outbox, build it by hand with CREATE INDEX CONCURRENTLY (same statement), and this one is
-- skipped (docs/retention.md).
CREATE INDEX IF NOT EXISTS outbox_sent_retention ON outbox (partition, sent_at) WHERE status = 'SENT';

-- Rows deleted by retention, per partition, counted in the deleting transaction: the admin read model (and so the
-- dashboard) shows the same cluster-wide total whichever AuthApi instance answers.
CREATE TABLE outbox_retention (
    partition       smallint PRIMARY KEY,
    deleted         bigint NOT NULL DEFAULT 0,
    last_deleted_at timestamptz
);
