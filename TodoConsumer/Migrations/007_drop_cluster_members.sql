-- The membership table that Registration.Messaging's membership_001 created here is retired: Orleans'
-- membership (in Redis) replaced it. The todo database no longer takes Registration.Messaging's
-- migrations (they are the outbox's, in the auth database).
DROP TABLE IF EXISTS cluster_members;
