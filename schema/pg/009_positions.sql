-- schema/009_positions.sql in PostgreSQL's dialect: packets stay in the capture file.
ALTER TABLE flows ADD COLUMN pos BYTEA;
ALTER TABLE captures ADD COLUMN layout BYTEA;
