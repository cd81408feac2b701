#!/usr/bin/env python3
"""Many flows from one upload, for service.sh --scale: a database that holds one capture (as
the server stored it) is made to hold COPIES captures of it, by SQL, in one transaction.

usage: scale_db.py sqlite DB COPIES
       scale_db.py pg-start DIR        (prints the URI of database tcplens; DIR/data is kept)
       scale_db.py pg-stop DIR
       scale_db.py pg-copies DIR COPIES

Copy k (1 .. COPIES-1) of capture 1 is capture 1+k: a copy of the capture row (same stored
file and layout, so its flows replay from that file), of its flow_groups rows and of its flows,
with flow ids shifted by k x the flow counter. So that filters select as on real traffic, each
copy's flows get:
  - client hosts as the generator gives to connections k*N .. k*N+N-1 (N: flows of the
    capture): 10.0.0.0/8 hosts step by N * 2654435761 mod 2^24, IPv6 clients by N;
  - client ports in 32768-60999 moved by k * 7919 within that range;
  - times later by k x max(1 hour, the capture's span).
Server addresses and ports stay, and so do the per-capture counts. The indexes of the flows
table are dropped before and created again after the copies (faster than keeping them, and
more compact than indexes that grew one upload at a time). Prints "FLOWS SECONDS", and for
PostgreSQL (where VACUUM ANALYZE and CHECKPOINT follow) "FLOWS SECONDS DATABASE_BYTES".

The pg-* commands run a PostgreSQL 15 as tests/pg/pg_harness.py does (as the user postgres or
nobody when run as root; a unix socket only, no TCP port), with its data in DIR/data, kept
between runs, and the socket in a short temporary directory named in DIR/socket.
"""

import calendar
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'pg'))

PORT_LO, PORT_N, PORT_STEP = 32768, 60999 - 32768 + 1, 7919
V4_PREFIX = bytes(10) + b'\xff\xff\x0a'
V6_PREFIX = bytes.fromhex('20010db8c000')
HOUR_NS = 3600 * 10**9
# the columns a copy changes; every other column is copied as it is
CHANGED = ('id', 'capture_id', 'client_ip', 'client_port', 'server_ip', 'first_ns', 'last_ns')


def copy_ip(ip, k, n):
    """The address a client of connection id+k*n has, for the client of connection id."""
    if ip is None or len(ip) != 16:
        return ip
    if ip[:13] == V4_PREFIX:
        host = (int.from_bytes(ip[13:], 'big') + k * n * 2654435761) & 0xffffff
        return ip[:13] + host.to_bytes(3, 'big')
    if ip[:6] == V6_PREFIX:
        low = (int.from_bytes(ip[12:], 'big') + k * n) & 0xffffffff
        return ip[:12] + low.to_bytes(4, 'big')
    return ip


def shifted_doc(doc, cap_id, name, shift_ns):
    """The capture document of a copy: its id and name, and its times moved by shift_ns."""
    d = json.loads(doc)
    d['id'] = cap_id
    d['name'] = name
    for key in ('first_ts', 'last_ts'):
        v = d.get(key)
        if isinstance(v, str) and len(v) >= 20 and v.endswith('Z'):
            # "YYYY-MM-DDTHH:MM:SS.ffffffZ" (or nanoseconds): whole seconds move, digits stay
            sec = calendar.timegm(time.strptime(v[:19], '%Y-%m-%dT%H:%M:%S')) + shift_ns // 10**9
            d[key] = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(sec)) + v[19:]
    return json.dumps(d, separators=(',', ':'))


def cols_of(con, table):
    return [r[1] for r in con.execute('PRAGMA table_info(%s)' % table)]


def sqlite_copies(path, copies):
    t0 = time.monotonic()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute('PRAGMA journal_mode=OFF')
    con.execute('PRAGMA synchronous=OFF')
    con.execute('PRAGMA cache_size=-1000000')
    (ncap,) = con.execute('SELECT count(*) FROM captures').fetchone()
    if ncap != 1:
        raise SystemExit('scale_db.py: %s holds %d captures, not 1' % (path, ncap))
    cap = con.execute('SELECT id, name, doc, first_flow, last_flow, flows FROM captures').fetchone()
    base, name, doc, first, last, n = cap
    (off,) = con.execute("SELECT value FROM counters WHERE name = 'flow_id'").fetchone()
    if last != off or last - first + 1 != n:
        raise SystemExit('scale_db.py: capture %d has flows %d..%d (%d), counter %d: not the '
                         'one fresh upload this expects' % (base, first, last, n, off))
    lo, hi = con.execute('SELECT min(first_ns), max(last_ns) FROM flows').fetchone()
    shift = max(HOUR_NS, ((hi - lo) // 10**9 + 2) * 10**9)  # whole seconds
    con.create_function('copy_ip', 3, copy_ip, deterministic=True)

    fcols = cols_of(con, 'flows')
    expr = {
        'id': 'id + :k * :off',
        'capture_id': ':cap',
        'client_ip': 'copy_ip(client_ip, :k, :n)',
        'client_port': 'CASE WHEN client_port BETWEEN %d AND %d THEN %d + (client_port - %d + '
                       ':k * %d) %% %d ELSE client_port END'
                       % (PORT_LO, PORT_LO + PORT_N - 1, PORT_LO, PORT_LO, PORT_STEP, PORT_N),
        'server_ip': 'copy_ip(server_ip, :k, :n)',
        'first_ns': 'first_ns + :k * :shift',
        'last_ns': 'last_ns + :k * :shift',
    }
    flows_sql = ('INSERT INTO flows (%s) SELECT %s FROM flows WHERE capture_id = :base '
                 'ORDER BY id' % (', '.join(fcols), ', '.join(expr.get(c, c) for c in fcols)))
    ccols = cols_of(con, 'captures')
    cexpr = {'id': ':cap', 'name': ':name', 'doc': ':doc', 'first_flow': 'first_flow + :k * :off',
             'last_flow': 'last_flow + :k * :off'}
    caps_sql = 'INSERT INTO captures (%s) SELECT %s FROM captures WHERE id = :base' % (
        ', '.join(ccols), ', '.join(cexpr.get(c, c) for c in ccols))
    gcols = cols_of(con, 'flow_groups')
    gexpr = {'capture_id': ':cap',
             'key': 'CASE WHEN dim = 5 THEN CAST(:cap AS TEXT) ELSE key END'}
    groups_sql = ('INSERT INTO flow_groups (%s) SELECT %s FROM flow_groups WHERE capture_id = '
                  ':base' % (', '.join(gcols), ', '.join(gexpr.get(c, c) for c in gcols)))

    con.execute('BEGIN')
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name = 'flows' AND sql IS NOT NULL ORDER BY rowid").fetchall()
    for iname, _ in indexes:
        con.execute('DROP INDEX %s' % iname)
    for k in range(1, copies):
        p = {'k': k, 'off': off, 'n': n, 'base': base, 'cap': base + k, 'shift': shift,
             'name': '%s-copy%d' % (name, k), 'doc': shifted_doc(doc, base + k, '%s-copy%d' % (
                 name, k), k * shift)}
        con.execute(caps_sql, p)
        con.execute(groups_sql, p)
        con.execute(flows_sql, p)
    for _, sql in indexes:
        con.execute(sql)
    con.execute("UPDATE counters SET value = :v WHERE name = 'flow_id'", {'v': off * copies})
    con.execute('COMMIT')
    con.execute('PRAGMA journal_mode=WAL')
    (total,) = con.execute('SELECT count(*) FROM flows').fetchone()
    con.close()
    print(total, '%.1f' % (time.monotonic() - t0))


# -- PostgreSQL

PG_COPY_IP = r"""
CREATE FUNCTION pg_temp.copy_ip(ip bytea, k bigint, n bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $f$
SELECT CASE
    WHEN ip IS NULL OR length(ip) <> 16 THEN ip
    WHEN substring(ip FROM 1 FOR 13) = '\x00000000000000000000ffff0a'::bytea THEN
        substring(ip FROM 1 FOR 13) || decode(lpad(to_hex(((get_byte(ip, 13)::bigint << 16 |
            get_byte(ip, 14) << 8 | get_byte(ip, 15)) + k * n * 2654435761) & 16777215), 6, '0'),
            'hex')
    WHEN substring(ip FROM 1 FOR 6) = '\x20010db8c000'::bytea THEN
        substring(ip FROM 1 FOR 12) || decode(lpad(to_hex(((get_byte(ip, 12)::bigint << 24 |
            get_byte(ip, 13) << 16 | get_byte(ip, 14) << 8 | get_byte(ip, 15)) + k * n) &
            4294967295), 8, '0'), 'hex')
    ELSE ip END
$f$;
"""


class KeptCluster:
    """A pg_harness.Cluster whose data directory is DIR/data, kept between runs."""

    def __init__(self, top):
        import pg_harness
        self.h = pg_harness
        self.c = pg_harness.Cluster(durable=True)
        self.top = os.path.abspath(top)
        self.c.data = os.path.join(self.top, 'data')
        sock = os.path.join(self.top, 'socket')
        self.c.dir = open(sock).read().strip() if os.path.exists(sock) else None

    def sql(self, text, timeout=60):
        """Runs the SQL text (a file the cluster's user reads) in one transaction; its rows."""
        path = os.path.join(self.c.dir, 'run.sql')
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o644)
        out = self.c._run([os.path.join(self.h.PG_BIN, 'psql'), '-X', '-q', '-t', '-A', '-1',
                           '-v', 'ON_ERROR_STOP=1', '-h', self.c.dir, '-U', self.h.SUPERUSER,
                           '-d', 'tcplens', '-f', path], timeout=timeout)
        os.unlink(path)
        return [line for line in out.splitlines() if line]

    def start(self):
        if not self.h.available():
            raise SystemExit('PostgreSQL 15 is not installed in %s' % self.h.PG_BIN)
        os.makedirs(self.top, exist_ok=True)
        if self.c.owner is not None:
            os.chown(self.top, *self.c.owner)
        fresh = not os.path.exists(os.path.join(self.c.data, 'PG_VERSION'))
        if fresh:
            shutil.rmtree(self.c.data, ignore_errors=True)
            self.c.dir = self.top  # initdb's working directory
            self.c._run([os.path.join(self.h.PG_BIN, 'initdb'), '-D', self.c.data, '-U',
                         self.h.SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C'],
                        timeout=120)
        self.c.dir = tempfile.mkdtemp(prefix='tlpg-')  # short: a socket path has 107 bytes
        if self.c.owner is not None:
            os.chown(self.c.dir, *self.c.owner)
        os.chmod(self.c.dir, 0o755)
        with open(os.path.join(self.top, 'socket'), 'w') as f:
            f.write(self.c.dir + '\n')
        opts = ("-c listen_addresses='' -k %s -c max_connections=200 -c shared_buffers=512MB "
                "-c maintenance_work_mem=1GB" % self.c.dir)
        self.c._run([os.path.join(self.h.PG_BIN, 'pg_ctl'), '-D', self.c.data, '-l',
                     os.path.join(self.top, 'postgres.log'), '-o', opts, '-w', '-t', '60',
                     'start'], timeout=75)
        if fresh:
            self.c.psql('CREATE DATABASE tcplens')
        print(self.h.uri_for(self.c.dir, 'tcplens'))

    def stop(self):
        if not self.c.dir:
            return
        try:
            self.c._run([os.path.join(self.h.PG_BIN, 'pg_ctl'), '-D', self.c.data, '-m', 'fast',
                         '-w', '-t', '60', 'stop'], timeout=75, check=False)
        except subprocess.TimeoutExpired:
            self.c._run([os.path.join(self.h.PG_BIN, 'pg_ctl'), '-D', self.c.data, '-m',
                         'immediate', 'stop'], timeout=30, check=False)
        shutil.rmtree(self.c.dir, ignore_errors=True)
        os.unlink(os.path.join(self.top, 'socket'))

    def columns(self, table):
        return self.sql("SELECT column_name FROM information_schema.columns WHERE table_name = "
                        "'%s' ORDER BY ordinal_position" % table)

    def copies(self, copies):
        t0 = time.monotonic()
        rows = self.sql('SELECT id, name, first_flow, last_flow, flows FROM captures')
        if len(rows) != 1:
            raise SystemExit('scale_db.py: the database holds %d captures, not 1' % len(rows))
        base, name, first, last, n = rows[0].split('|')
        base, first, last, n = int(base), int(first), int(last), int(n)
        (doc,) = self.sql('SELECT doc FROM captures')
        (off,) = self.sql("SELECT value FROM counters WHERE name = 'flow_id'")
        off = int(off)
        if last != off or last - first + 1 != n:
            raise SystemExit('scale_db.py: capture %d has flows %d..%d (%d), counter %d: not '
                             'the one fresh upload this expects' % (base, first, last, n, off))
        (span,) = self.sql('SELECT max(last_ns) - min(first_ns) FROM flows')
        shift = max(HOUR_NS, (int(span) // 10**9 + 2) * 10**9)
        k = 'k.k'
        fexpr = {
            'id': 'f.id + %s * %d' % (k, off),
            'capture_id': '%d + %s' % (base, k),
            'client_ip': 'pg_temp.copy_ip(f.client_ip, %s, %d)' % (k, n),
            'client_port': 'CASE WHEN f.client_port BETWEEN %d AND %d THEN %d + (f.client_port - '
                           '%d + %s * %d) %% %d ELSE f.client_port END'
                           % (PORT_LO, PORT_LO + PORT_N - 1, PORT_LO, PORT_LO, k, PORT_STEP,
                              PORT_N),
            'server_ip': 'pg_temp.copy_ip(f.server_ip, %s, %d)' % (k, n),
            'first_ns': 'f.first_ns + %s * %d' % (k, shift),
            'last_ns': 'f.last_ns + %s * %d' % (k, shift),
        }
        fcols = self.columns('flows')
        gcols = self.columns('flow_groups')
        gexpr = {'capture_id': '%d + %s' % (base, k),
                 'key': 'CASE WHEN g.dim = 5 THEN CAST(%d + %s AS TEXT) ELSE g.key END' % (base, k)}
        ccols = self.columns('captures')
        indexes = self.sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'flows' "
                           "AND indexname <> 'flows_pkey' ORDER BY indexname")
        indexes = [r.split('|', 1) for r in indexes]
        parts = [PG_COPY_IP, 'SET LOCAL maintenance_work_mem = \'1GB\';']
        parts += ['DROP INDEX %s;' % i for i, _ in indexes]
        for c in range(1, copies):
            cexpr = {'id': str(base + c), 'name': "'%s-copy%d'" % (name.replace("'", "''"), c),
                     'doc': '$doc$%s$doc$' % shifted_doc(doc, base + c, '%s-copy%d' % (name, c),
                                                      c * shift),
                     'first_flow': 'first_flow + %d' % (c * off),
                     'last_flow': 'last_flow + %d' % (c * off)}
            parts.append('INSERT INTO captures (%s) SELECT %s FROM captures WHERE id = %d;' % (
                ', '.join(ccols), ', '.join(cexpr.get(x, x) for x in ccols), base))
        parts.append('INSERT INTO flow_groups (%s) SELECT %s FROM flow_groups g CROSS JOIN '
                     'generate_series(1, %d) AS k(k) WHERE g.capture_id = %d;' % (
                         ', '.join(gcols), ', '.join(gexpr.get(x, 'g.' + x) for x in gcols),
                         copies - 1, base))
        parts.append('INSERT INTO flows (%s) SELECT %s FROM generate_series(1, %d) AS k(k) CROSS '
                     'JOIN flows f WHERE f.capture_id = %d ORDER BY k.k, f.id;' % (
                         ', '.join(fcols), ', '.join(fexpr.get(x, 'f.' + x) for x in fcols),
                         copies - 1, base))
        parts += ['%s;' % d for _, d in indexes]
        parts.append("UPDATE counters SET value = %d WHERE name = 'flow_id';" % (off * copies))
        parts.append("UPDATE counters SET value = %d WHERE name = 'capture_id';"
                     % (base + copies - 1))
        self.sql('\n'.join(parts) + '\n', timeout=7200)
        self.c._run([os.path.join(self.h.PG_BIN, 'psql'), '-X', '-q', '-h', self.c.dir, '-U',
                     self.h.SUPERUSER, '-d', 'tcplens', '-c', 'VACUUM ANALYZE', '-c', 'CHECKPOINT'],
                    timeout=3600)
        (total,) = self.sql('SELECT count(*) FROM flows')
        (size,) = self.sql("SELECT pg_database_size('tcplens')")
        print(total, '%.1f' % (time.monotonic() - t0), size)


def main(argv):
    if len(argv) == 4 and argv[1] == 'sqlite':
        sqlite_copies(argv[2], int(argv[3]))
        return 0
    if len(argv) == 3 and argv[1] == 'pg-start':
        KeptCluster(argv[2]).start()
        return 0
    if len(argv) == 3 and argv[1] == 'pg-stop':
        KeptCluster(argv[2]).stop()
        return 0
    if len(argv) == 4 and argv[1] == 'pg-copies':
        KeptCluster(argv[2]).copies(int(argv[3]))
        return 0
    print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
