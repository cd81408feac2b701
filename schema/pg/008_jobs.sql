-- schema/008_jobs.sql in PostgreSQL's dialect: background ingest jobs.
CREATE TABLE jobs (
    id          BIGSERIAL PRIMARY KEY,
    state       TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    size_bytes  BIGINT NOT NULL,
    packets     BIGINT NOT NULL DEFAULT 0,
    flows       BIGINT NOT NULL DEFAULT 0,
    capture_id  BIGINT,
    error_code  TEXT,
    error       TEXT,
    created_at  TEXT   NOT NULL,
    finished_at TEXT
);
