-- Packets stay in the capture file. Each flow keeps where its packets are in its capture's
-- stored file (`pos`: frame numbers and file positions, delta- and varint-encoded, see
-- track/positions.h) and each capture how to read a packet back from a position (`layout`:
-- the format, and a pcapng's sections and interfaces, see decoder/include/seek.h). A flow's
-- packets are read from the file and decoded again by the same decoder on request: there is
-- no row per packet. Captures stored before this version get both when the server starts
-- (their files are read once more), and their packet rows go.
ALTER TABLE flows ADD COLUMN pos BLOB;
ALTER TABLE captures ADD COLUMN layout BLOB;
