-- The path a flow's packets came through, for the tunnel filters of GET /api/v1/flows:
-- `tunnels` the kinds outermost first and `vlans` the VLAN ids, each as ",a,b," (so a value
-- is found with instr(col, ',v,')); `vni` the first VXLAN, VXLAN-GPE or Geneve network
-- identifier; outer_* the outermost IP tunnel's addresses (16 bytes, IPv4 as ::ffff:a.b.c.d).
-- Flows stored before this migration read as having come through no tunnel.
ALTER TABLE flows ADD COLUMN tunnels TEXT NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN vlans TEXT NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN vni INTEGER;
ALTER TABLE flows ADD COLUMN outer_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN outer_src BLOB;
ALTER TABLE flows ADD COLUMN outer_dst BLOB;
