-- One row per outbox partition: the epoch its relay grain's current activation took. Every activation
-- raises it; marking rows SENT checks it in the same UPDATE, so a stale or duplicate activation (Orleans'
-- single activation is eventually consistent) changes nothing.
CREATE TABLE outbox_epochs (
    partition smallint PRIMARY KEY,
    epoch     bigint NOT NULL
);
