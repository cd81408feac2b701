-- schema/005_sort_columns.sql in PostgreSQL's dialect: the handshake's round trip
-- (microseconds, NULL when unknown), retransmitted packets and payload bytes (both
-- directions) and the duration, what the flow list is sorted and filtered by.
ALTER TABLE flows ADD COLUMN rtt_us BIGINT;
ALTER TABLE flows ADD COLUMN retrans_pkts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN retrans_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN duration_ns BIGINT NOT NULL DEFAULT 0;
UPDATE flows SET duration_ns = last_ns - first_ns;
CREATE INDEX flows_rtt           ON flows (rtt_us, id);
CREATE INDEX flows_retrans       ON flows (retrans_pkts, id);
CREATE INDEX flows_retrans_bytes ON flows (retrans_bytes, id);
CREATE INDEX flows_duration      ON flows (duration_ns, id);
CREATE INDEX flows_bytes         ON flows (bytes, id);
CREATE INDEX flows_packets       ON flows (packets, id);
CREATE INDEX flows_first         ON flows (first_ns, id);
CREATE INDEX flows_service       ON flows (service, id);
