-- A capture's identity and the teacher's notes.
--
-- sha256 is the SHA-256 of the bytes as uploaded (hex), filter the BPF expression the upload
-- kept its records by ('' for none): the same file uploaded again with the same filter is the
-- same capture (POST answers 200 with the stored one and "duplicate": true unless
-- ?duplicate=keep). Captures stored before this migration have '' and match nothing.
ALTER TABLE captures ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE captures ADD COLUMN filter TEXT NOT NULL DEFAULT '';
CREATE INDEX captures_sha256 ON captures (sha256, filter);

-- Annotations on a capture, one of its flows, or one packet of a flow (flow_id NULL: the
-- capture's; packet NULL: the flow's). They go with their capture.
CREATE TABLE annotations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    capture_id INTEGER NOT NULL,
    flow_id    INTEGER,
    packet     INTEGER,
    author     TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX annotations_capture ON annotations (capture_id, id);
CREATE INDEX annotations_flow    ON annotations (flow_id, id);
