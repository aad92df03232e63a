-- An event without a per-user sequence (version 1 allows it, e.g. one published by hand) is recorded
-- with none: it was applied without an order check.
ALTER TABLE processed_events ALTER COLUMN sequence DROP NOT NULL, ALTER COLUMN sequence DROP DEFAULT;
