-- schema/006_tunnels.sql in PostgreSQL's dialect: the path a flow's packets came through.
-- `tunnels` the kinds outermost first and `vlans` the VLAN ids, each as ",a,b,"; `vni` the
-- first VXLAN, VXLAN-GPE or Geneve network identifier; outer_* the outermost IP tunnel's
-- addresses (16 bytes, IPv4 as ::ffff:a.b.c.d). Older flows read as through no tunnel.
ALTER TABLE flows ADD COLUMN tunnels TEXT NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN vlans TEXT NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN vni BIGINT;
ALTER TABLE flows ADD COLUMN outer_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN outer_src BYTEA;
ALTER TABLE flows ADD COLUMN outer_dst BYTEA;
