-- The membership table of membership_001 is retired: Orleans' membership (in Redis) replaced it, and
-- GET /api/v1/admin/cluster shows Orleans' view. Instances of the previous version still running during
-- an upgrade only log failed heartbeats until they are replaced.
DROP TABLE IF EXISTS cluster_members;
