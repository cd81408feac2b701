-- Background ingest jobs. SQLite keeps them in a file of their own beside the database
-- (DB-jobs, created by server/store_sqlite.c), because an upload holds the database's one write
-- lock for its whole transaction and recording a new job (the 202 answer) must not wait for
-- it. This migration is empty on SQLite; schema/pg/008_jobs.sql creates PostgreSQL's table,
-- where row locks do not get in the way. The table, in both: id, state (queued, running, done,
-- failed), name, size_bytes, packets, flows, capture_id, error_code, error, created_at,
-- finished_at.
SELECT 1;
