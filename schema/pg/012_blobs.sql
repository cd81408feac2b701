-- schema/012_blobs.sql in PostgreSQL's dialect: capture files (and the uploads of waiting
-- jobs) as 1 MiB chunks, keyed by their file name in the data directory. A capture's chunks
-- are written in the transaction that commits the capture and deleted in the one that
-- deletes it. Stored uncompressed (captures hardly compress, and a chunk is read whole).
CREATE TABLE blobs (
    name TEXT    NOT NULL,
    n    INTEGER NOT NULL,
    data BYTEA   NOT NULL,
    PRIMARY KEY (name, n)
);
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
