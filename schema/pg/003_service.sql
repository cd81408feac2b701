-- schema/003_service.sql in PostgreSQL's dialect: the application protocol each flow speaks,
-- as Zeek's conn.log names it; NULL when unsure.
ALTER TABLE flows ADD COLUMN service TEXT;
