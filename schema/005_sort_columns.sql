-- What the flow list is sorted and filtered by beyond version 1: the handshake's round trip
-- (microseconds, NULL when the capture holds no complete handshake), retransmitted packets
-- and payload bytes (both directions, track/perf.c), and the duration. Flows stored before
-- this migration have no RTT and no retransmissions recorded (NULL and 0).
ALTER TABLE flows ADD COLUMN rtt_us INTEGER;
ALTER TABLE flows ADD COLUMN retrans_pkts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN retrans_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN duration_ns INTEGER NOT NULL DEFAULT 0;
UPDATE flows SET duration_ns = last_ns - first_ns;
CREATE INDEX flows_rtt           ON flows (rtt_us, id);
CREATE INDEX flows_retrans       ON flows (retrans_pkts, id);
CREATE INDEX flows_retrans_bytes ON flows (retrans_bytes, id);
CREATE INDEX flows_duration      ON flows (duration_ns, id);
CREATE INDEX flows_bytes         ON flows (bytes, id);
CREATE INDEX flows_packets       ON flows (packets, id);
CREATE INDEX flows_first         ON flows (first_ns, id);
CREATE INDEX flows_service       ON flows (service, id);
