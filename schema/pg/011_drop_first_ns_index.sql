-- schema/011_drop_first_ns_index.sql in PostgreSQL's dialect: flows_first_ns is covered by
-- flows_first (first_ns, id).
DROP INDEX IF EXISTS flows_first_ns;
