-- schema/002_checksums.sql in PostgreSQL's dialect: the checksum mode each flow was
-- classified under (0 auto, 1 verify, 2 ignore: enum tl_cksum_mode).
ALTER TABLE flows ADD COLUMN checksums INTEGER NOT NULL DEFAULT 0;
