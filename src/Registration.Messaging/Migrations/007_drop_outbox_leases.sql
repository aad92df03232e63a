-- Partition leases are retired: each partition's relay is an Orleans grain, fenced by outbox_epochs.
DROP TABLE IF EXISTS outbox_leases;
