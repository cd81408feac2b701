-- The application protocol each flow speaks, guessed at upload from its first payload bytes
-- (track/service.c) and named as Zeek's conn.log names it ("http", "ssl", ...); NULL when
-- unsure. Stored because the packets table keeps headers only: a flow read back cannot
-- guess again. Flows stored before this migration read as NULL.
ALTER TABLE flows ADD COLUMN service TEXT;
