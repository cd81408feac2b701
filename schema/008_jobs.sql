-- Background ingest jobs (an upload above --async-above, or sent with Prefer: respond-async):
-- what GET /api/v1/jobs/{id} answers once the job has ended or the server restarted. A job
-- still queued or running when the server stops is marked failed at the next start, with the
-- reason: it never stays "running".
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    state       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    packets     INTEGER NOT NULL DEFAULT 0,
    flows       INTEGER NOT NULL DEFAULT 0,
    capture_id  INTEGER,
    error_code  TEXT,
    error       TEXT,
    created_at  TEXT    NOT NULL,
    finished_at TEXT
);
