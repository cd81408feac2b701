-- The checksum mode each flow was classified under (0 auto, 1 verify, 2 ignore: the values of
-- enum tl_cksum_mode), so reading a flow classifies it again the same way. Flows stored before
-- this migration were classified as auto now does for every capture without a bad checksum.
ALTER TABLE flows ADD COLUMN checksums INTEGER NOT NULL DEFAULT 0;
