-- The membership table (Orleans' silo table), in every service database: one row per instance,
-- kept fresh by heartbeats (Registration.Messaging/Membership).
-- An active instance whose heartbeat is older than three intervals is dead; its leases are free to take.
CREATE TABLE cluster_members (
    instance_id    text PRIMARY KEY,
    role           text NOT NULL,
    workers        text[] NOT NULL DEFAULT '{}',
    host           text NOT NULL,
    pid            integer NOT NULL,
    version        text NOT NULL,
    started_at     timestamptz NOT NULL,
    last_heartbeat timestamptz NOT NULL,
    status         text NOT NULL CHECK (status IN ('active', 'left'))
);
