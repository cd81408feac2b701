-- The counts GET /api/v1/stats answers when it is asked about whole captures (no filter but
-- `capture`): per capture, per grouping (dim: 0 conn_state, 1 handshake, 2 teardown,
-- 3 service, 4 server_port, 5 capture, as enum tl_group_key), per value. Written in the
-- upload's transaction, deleted with the capture; a filtered question still scans the flows.
CREATE TABLE flow_groups (
    capture_id    INTEGER NOT NULL,
    dim           INTEGER NOT NULL,
    key           TEXT,
    flows         INTEGER NOT NULL,
    packets       INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    retrans_pkts  INTEGER NOT NULL,
    retrans_bytes INTEGER NOT NULL
);
CREATE INDEX flow_groups_dim ON flow_groups (dim, capture_id);
INSERT INTO flow_groups SELECT capture_id, 0, conn_state, count(*), sum(packets), sum(bytes),
    sum(retrans_pkts), sum(retrans_bytes) FROM flows GROUP BY capture_id, conn_state;
INSERT INTO flow_groups SELECT capture_id, 1, handshake, count(*), sum(packets), sum(bytes),
    sum(retrans_pkts), sum(retrans_bytes) FROM flows GROUP BY capture_id, handshake;
INSERT INTO flow_groups SELECT capture_id, 2, teardown, count(*), sum(packets), sum(bytes),
    sum(retrans_pkts), sum(retrans_bytes) FROM flows GROUP BY capture_id, teardown;
INSERT INTO flow_groups SELECT capture_id, 3, service, count(*), sum(packets), sum(bytes),
    sum(retrans_pkts), sum(retrans_bytes) FROM flows GROUP BY capture_id, service;
INSERT INTO flow_groups SELECT capture_id, 4, CAST(server_port AS TEXT), count(*), sum(packets),
    sum(bytes), sum(retrans_pkts), sum(retrans_bytes) FROM flows GROUP BY capture_id, server_port;
INSERT INTO flow_groups SELECT capture_id, 5, CAST(capture_id AS TEXT), count(*), sum(packets),
    sum(bytes), sum(retrans_pkts), sum(retrans_bytes) FROM flows GROUP BY capture_id;
