-- For the admin read model (GET /api/v1/admin/consumer): events processed per 10 s over the last
-- minutes, and the (rare) stale ones, without scanning the whole table on every dashboard refresh.
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);
CREATE INDEX processed_events_stale ON processed_events (processed_at) WHERE outcome = 'stale';
