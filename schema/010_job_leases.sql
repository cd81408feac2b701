-- Jobs shared by several servers. On PostgreSQL (schema/pg/010_job_leases.sql) a job row
-- records which server runs it (`owner`), until when that server's claim holds (`lease_until`,
-- renewed while it works), and what the upload asked for (`options`: the file in the data
-- directory and the settings, as JSON), so that another server can take the job over when the
-- lease runs out. SQLite's jobs live in a file of their own that one server uses (see
-- 008_jobs.sql): this migration is empty here.
SELECT 1;
