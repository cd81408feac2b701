-- tcplens storage in PostgreSQL, version 1: schema/001_init.sql in PostgreSQL's dialect.
-- Applied once, in order with the other schema/pg/NNN_*.sql files, and recorded in the
-- schema_version table (the server creates it). Each schema/NNN_*.sql has its twin here with
-- the same number (ctest pg.schema checks it).

-- One row per uploaded capture. Ids come from the counters row 'capture_id', taken in the
-- upload's transaction: like SQLite's AUTOINCREMENT, never reused, and not consumed by an
-- upload that rolls back.
CREATE TABLE captures (
    id          BIGINT  PRIMARY KEY,
    name        TEXT    NOT NULL,
    file        TEXT    NOT NULL,
    size_bytes  BIGINT  NOT NULL,
    uploaded_at TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    packets     BIGINT  NOT NULL,
    flows       BIGINT  NOT NULL,
    truncated   INTEGER NOT NULL,
    first_flow  BIGINT  NOT NULL,
    last_flow   BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);

-- One row per connection. Addresses are 16 bytes (IPv4 as ::ffff:a.b.c.d): bytea compares
-- byte by byte, so a CIDR prefix is a BETWEEN range. Times are nanoseconds since the epoch.
CREATE TABLE flows (
    id           BIGINT  PRIMARY KEY,
    capture_id   BIGINT  NOT NULL,
    idx          BIGINT  NOT NULL,
    ip_version   INTEGER NOT NULL,
    client_ip    BYTEA   NOT NULL,
    client_port  INTEGER NOT NULL,
    server_ip    BYTEA   NOT NULL,
    server_port  INTEGER NOT NULL,
    first_ns     BIGINT  NOT NULL,
    last_ns      BIGINT  NOT NULL,
    handshake    TEXT    NOT NULL,
    teardown     TEXT    NOT NULL,
    conn_state   TEXT    NOT NULL,
    history      TEXT    NOT NULL,
    completeness INTEGER NOT NULL,
    packets      BIGINT  NOT NULL,
    bytes        BIGINT  NOT NULL,
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

-- One row per packet of a flow: id = flow_id * 2^32 + the packet's index in the flow; rec is
-- the record track/rec_codec.h encodes.
CREATE TABLE packets (
    id    BIGINT PRIMARY KEY,
    event TEXT   NOT NULL,
    rec   BYTEA  NOT NULL
);

-- Counters that never go back. An upload holds the 'flow_id' row locked (FOR UPDATE) from
-- its start to its commit, so servers sharing the database never hand out the same ids.
CREATE TABLE counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('flow_id', 0), ('capture_id', 0);
