-- Capture files kept in the database itself (tcplensd --blob-store db), so that servers
-- sharing a PostgreSQL database share nothing else: schema/pg/012_blobs.sql. SQLite keeps its
-- capture files in --data-dir: this migration is empty here.
SELECT 1;
