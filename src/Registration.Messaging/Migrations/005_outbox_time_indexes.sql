-- For the admin read model (GET /api/v1/admin/outbox): rows created and sent per 10 s over the last
-- minutes, without scanning the whole table on every dashboard refresh.
CREATE INDEX outbox_created_at ON outbox (created_at);
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
