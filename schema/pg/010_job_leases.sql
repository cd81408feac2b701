-- schema/010_job_leases.sql in PostgreSQL's dialect: a job's owner, its lease and what the
-- upload asked for, so that any server can claim a job whose lease ran out
-- (SELECT ... FOR UPDATE SKIP LOCKED).
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN options TEXT;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_unfinished ON jobs (id) WHERE state IN ('queued', 'running');
