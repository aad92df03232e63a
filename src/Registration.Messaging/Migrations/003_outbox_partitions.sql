-- Outbox rows are spread over partitions by a stable hash of the aggregate (user) id; each partition
-- has at most one relay (lease holder) at a time, so one user's events leave in commit order.
ALTER TABLE outbox ADD COLUMN partition smallint NOT NULL DEFAULT 0;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (partition, id) WHERE status = 'PENDING';
-- The few rows waiting for a retry; they hold back the later rows of their partition.
CREATE INDEX outbox_retrying ON outbox (partition, id) WHERE status = 'PENDING' AND attempts > 0;

CREATE TABLE outbox_leases (
    partition  smallint PRIMARY KEY,
    owner      text,
    -- The fencing token: raised on every acquisition; a relay may mark rows only with the current one.
    token      bigint NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL DEFAULT '-infinity'
);
