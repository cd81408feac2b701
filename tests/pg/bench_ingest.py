#!/usr/bin/env python3
"""Upload time of one capture on SQLite and on PostgreSQL, side by side (not a ctest: run it by
hand on a build without sanitizers).

usage: bench_ingest.py TCPLENSD CAPTURE [RUNS]

Each run starts a fresh tcplensd on an empty database (a SQLite file; a new database on a
PostgreSQL 15 started by pg_harness.py with fsync on and its defaults otherwise), POSTs CAPTURE with curl and waits for the 201. Prints
seconds, packets/s and the database's size per stored packet, one Markdown row per backend and
run.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'api'))
import harness  # noqa: E402
import pg_harness  # noqa: E402


def one(binary, workdir, name, db, capture):
    s = harness.Server(binary, os.path.join(workdir, name), name=name)
    if db:
        s.db, s.backend = db, 'postgresql'
    s.start()
    try:
        t0 = time.monotonic()
        p = subprocess.run(['curl', '-sS', '--noproxy', '*', '--max-time', '1800',
                            '--data-binary', '@' + capture, s.url + '/api/v1/captures?name=bench'],
                           capture_output=True, timeout=1900)
        el = time.monotonic() - t0
        doc = json.loads(p.stdout)
        cap = doc['capture']
        return el, cap['packets'], cap['flows']
    finally:
        s.stop()


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    binary, capture = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    runs = int(argv[3]) if len(argv) == 4 else 1
    tmp = tempfile.mkdtemp(prefix='tcplens-bench-')
    print('| backend | run | seconds | packets | flows | packets/s | DB bytes/packet |')
    print('|---|---|---|---|---|---|---|')
    try:
        with pg_harness.Cluster(durable=True) as pg:
            for run in range(runs):
                w = os.path.join(tmp, 'sqlite-%d' % run)
                el, pk, fl = one(binary, tmp, 'sqlite-%d' % run, None, capture)
                size = sum(os.path.getsize(os.path.join(w, n)) for n in os.listdir(w)
                           if n.startswith('t.db'))
                print('| sqlite | %d | %.2f | %d | %d | %.0f | %.0f |'
                      % (run + 1, el, pk, fl, pk / el, size / pk), flush=True)
                name = 'bench_%d' % run
                uri = pg.create_database(name)
                el, pk, fl = one(binary, tmp, 'pg-%d' % run, uri, capture)
                size = int(pg.psql("SELECT pg_database_size('%s')" % name).strip())
                base = int(pg.psql("SELECT pg_database_size('template1')").strip())
                print('| postgresql | %d | %.2f | %d | %d | %.0f | %.0f |'
                      % (run + 1, el, pk, fl, pk / el, (size - base) / pk), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
