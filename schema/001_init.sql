-- tcplens storage, version 1. Applied once, in order with the other schema/NNN_*.sql files,
-- and recorded in PRAGMA user_version. Plain SQL that PostgreSQL also accepts where it costs
-- nothing (BLOB becomes BYTEA there).

-- One row per uploaded capture. `doc` is the capture object of the document (SPEC §4 plus
-- id, name, size_bytes, uploaded_at); the flows of a capture have ids first_flow..last_flow.
CREATE TABLE captures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    file        TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    uploaded_at TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    packets     INTEGER NOT NULL,
    flows       INTEGER NOT NULL,
    truncated   INTEGER NOT NULL,
    first_flow  INTEGER NOT NULL,
    last_flow   INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);

-- One row per connection, with the columns every filter of GET /api/v1/flows needs.
-- Addresses are 16 bytes (IPv4 as ::ffff:a.b.c.d), so a CIDR prefix is a BETWEEN range.
-- Times are nanoseconds since the Unix epoch.
CREATE TABLE flows (
    id           INTEGER PRIMARY KEY,
    capture_id   INTEGER NOT NULL,
    idx          INTEGER NOT NULL,
    ip_version   INTEGER NOT NULL,
    client_ip    BLOB    NOT NULL,
    client_port  INTEGER NOT NULL,
    server_ip    BLOB    NOT NULL,
    server_port  INTEGER NOT NULL,
    first_ns     INTEGER NOT NULL,
    last_ns      INTEGER NOT NULL,
    handshake    TEXT    NOT NULL,
    teardown     TEXT    NOT NULL,
    conn_state   TEXT    NOT NULL,
    history      TEXT    NOT NULL,
    completeness INTEGER NOT NULL,
    packets      INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    nsec         INTEGER NOT NULL  -- 1: the capture has nanosecond timestamps
);
CREATE INDEX flows_capture     ON flows (capture_id, id);
CREATE INDEX flows_client_ip   ON flows (client_ip, id);
CREATE INDEX flows_server_ip   ON flows (server_ip, id);
CREATE INDEX flows_client_port ON flows (client_port, id);
CREATE INDEX flows_server_port ON flows (server_port, id);
CREATE INDEX flows_first_ns    ON flows (first_ns);
CREATE INDEX flows_conn_state  ON flows (conn_state, id);
CREATE INDEX flows_handshake   ON flows (handshake, id);
CREATE INDEX flows_teardown    ON flows (teardown, id);

-- One row per packet of a flow. `id` is flow_id * 2^32 + the packet's index in the flow, so a
-- flow's packets are one range of the table and an upload appends in near-key order. `rec`
-- holds the IP and TCP header bytes as captured and what the payload-dependent checks found
-- (server/store.c, rec_encode), so the same decoder rebuilds the timeline on read.
CREATE TABLE packets (
    id    INTEGER PRIMARY KEY,
    event TEXT    NOT NULL,
    rec   BLOB    NOT NULL
);

-- Counters that must never go back, even when the rows that used them are deleted.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('flow_id', 0);
