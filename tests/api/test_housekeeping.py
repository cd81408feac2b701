#!/usr/bin/env python3
"""Retention and housekeeping: what removing a capture leaves behind (nothing).

- --retention DAYS (and TCPLENS_RETENTION): bad values are usage errors; captures made old in
  the database (uploaded_at in 2000, server stopped) are removed at the next start with their
  flows, flow_groups rows, annotations and stored file, each logged once and counted in
  /metrics; the others stay whole; with a tiny retention the server's own periodic sweep
  removes a fresh capture while it runs, and SIGTERM still stops it at once.
- Nothing orphaned: a seeded random sequence of 100 uploads (several small captures, stored
  again each time), annotations on captures, flows and packets, and DELETEs (some of captures
  already gone); then the API lists exactly the captures the model holds, and in the database
  every flows, flow_groups and annotations row belongs to a stored capture, and the data
  directory holds exactly the files named by captures.file.

Runs on SQLite, or on PostgreSQL under tests/pg/pg_harness.py (TL_TEST_DB).

usage: test_housekeeping.py TCPLENSD REPO_ROOT
"""

import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, wait_until  # noqa: E402

SEED = 16008
OPERATIONS = 100
OLD = '2000-01-01T00:00:00Z'


def small_captures(root):
    """Several small, different captures: the examples and one pcapng from the tests."""
    ex = os.path.join(root, 'examples')
    out = sorted(os.path.join(ex, n) for n in os.listdir(ex) if n.endswith('.pcap'))
    extra = os.path.join(root, 'tests', 'golden', 'crafted_pcapng_multi_if', 'capture.pcapng')
    if os.path.exists(extra):
        out.append(extra)
    return [p for p in out if os.path.getsize(p) <= 64 * 1024]


def upload(srv, path, keep_param=False):
    q = {'name': os.path.basename(path)}
    if keep_param:
        q['duplicate'] = 'keep'
    with open(path, 'rb') as f:
        body = f.read()
    return srv.request('POST', '/api/v1/captures?' + urllib.parse.urlencode(q), body=body,
                       headers={'Content-Type': 'application/octet-stream'}, timeout=30)


def note(srv, path, body):
    return srv.request('POST', path, body=body.encode(),
                       headers={'Content-Type': 'application/json'})


def listed_ids(srv):
    ids, cursor = [], None
    for _ in range(100):
        q = {'limit': 1000}
        if cursor:
            q['cursor'] = cursor
        d = srv.get_json('/api/v1/captures?' + urllib.parse.urlencode(q))
        ids += [c['id'] for c in d['captures']]
        cursor = d.get('next_cursor')
        if not cursor:
            break
    return sorted(ids)


def db_list(srv, sql_col, table, where='1=1'):
    """Values of one column as strings, sorted (through the harness's db_scalar)."""
    agg = ('group_concat(CAST(%s AS TEXT), \',\')' if srv.backend == 'sqlite'
           else 'string_agg(CAST(%s AS TEXT), \',\')') % sql_col
    v = srv.db_scalar('SELECT %s FROM %s WHERE %s' % (agg, table, where))
    if v is None or v == '':
        return []
    return sorted(str(v).split(','))


def orphans(srv):
    """Rows that belong to no stored capture (or, for annotations, to no stored flow)."""
    out = {}
    for table in ('flows', 'flow_groups', 'annotations'):
        out[table] = srv.db_scalar('SELECT count(*) FROM %s WHERE capture_id NOT IN '
                                   '(SELECT id FROM captures)' % table)
    out['annotations.flow_id'] = srv.db_scalar(
        'SELECT count(*) FROM annotations WHERE flow_id IS NOT NULL AND flow_id <> 0 AND '
        'flow_id NOT IN (SELECT id FROM flows)')
    return out


def data_dir_matches_db(c, srv, label):
    files = set(srv.data_files())
    named = set(f for f in db_list(srv, 'file', 'captures') if f)
    c.eq(sorted(files - named), [], '%s: files in the data directory no capture names' % label)
    c.eq(sorted(named - files), [], '%s: captures whose file is missing' % label)


def metric(text, name):
    m = re.search(r'^%s (\d+)$' % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------- flags

def test_flags(c, binary, tmp):
    for bad in ('-1', 'abc', 'nan', 'inf', '1e3', '0x10', '36501', '', '1,5'):
        args = [binary, '--db', os.path.join(tmp, 'flags.db'), '--listen', '127.0.0.1:0',
                '--retention=' + bad]
        r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
        if bad == '':
            c.ok(r.returncode == 2, '--retention= (empty): exit 2, got %d' % r.returncode)
            continue
        c.eq(r.returncode, 2, '--retention %s: usage error' % bad)
        c.ok(b'retention' in r.stderr, '--retention %s: the message names the flag' % bad)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('TCPLENS_'))
    env['TCPLENS_RETENTION'] = 'soon'
    r = subprocess.run([binary, '--db', os.path.join(tmp, 'flags.db'), '--listen',
                        '127.0.0.1:0'], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=20)
    c.eq(r.returncode, 2, 'TCPLENS_RETENTION=soon: usage error')
    c.ok(b'TCPLENS_RETENTION' in r.stderr, 'TCPLENS_RETENTION=soon: the message names it')
    r = subprocess.run([binary, '--help'], capture_output=True, timeout=20)
    c.ok(b'--retention DAYS' in r.stdout, '--help lists --retention DAYS')


# ------------------------------------------------------------------------------ retention

def stored(srv, cid):
    """What the API and the database hold of capture cid."""
    r = srv.get('/api/v1/captures/%d' % cid)
    return r.status


def test_retention_at_start(c, binary, root, tmp):
    files = small_captures(root)
    srv = Server(binary, os.path.join(tmp, 'retention'), args=['--async-above', '0'])
    with srv:
        caps = {}
        for path in files[:6]:
            r = upload(srv, path)
            if not c.eq(r.status, 201, 'upload %s' % os.path.basename(path)):
                return
            d = r.json()
            caps[d['capture']['id']] = [f['id'] for f in d['flows']]
        ids = sorted(caps)
        old, new = ids[:3], ids[3:]
        for cid in ids:  # a note on the capture and, when it has one, on a flow and a packet
            c.eq(note(srv, '/api/v1/captures/%d/annotations' % cid, '{"text":"c"}').status,
                 201, 'capture note on %d' % cid)
            if caps[cid]:
                c.eq(note(srv, '/api/v1/flows/%d/annotations' % caps[cid][0],
                          '{"text":"f","packet":0}').status, 201, 'flow note on %d' % cid)
        files_before = {cid: srv.db_scalar('SELECT file FROM captures WHERE id = %d' % cid)
                        for cid in ids}
        c.ok(all(files_before.values()), 'every capture names its stored file')
    c.eq(srv.stop(), 0, 'first server stops cleanly')

    # made old while the server is stopped; a retention of a day removes exactly those
    srv.db_exec("UPDATE captures SET uploaded_at = '%s' WHERE id IN (%s)"
                % (OLD, ','.join(map(str, old))))
    # a flow_groups row for each old capture, as schema 007's migration leaves for captures
    # stored before it (PostgreSQL's uploads write none): removed with its capture too
    for cid in old:
        srv.db_exec('INSERT INTO flow_groups (capture_id, dim, key, flows, packets, bytes, '
                    "retrans_pkts, retrans_bytes) VALUES (%d, 5, '%d', 0, 0, 0, 0, 0)"
                    % (cid, cid))
    groups_before = {cid: srv.db_scalar('SELECT count(*) FROM flow_groups WHERE capture_id = %d'
                                        % cid) for cid in ids}
    srv.args = ['--async-above', '0', '--retention', '1']
    with srv:
        log = srv.log_text()
        for cid in old:
            c.eq(stored(srv, cid), 404, 'old capture %d after retention' % cid)
            for fid in caps[cid]:
                c.eq(srv.get('/api/v1/flows/%d' % fid).status, 404,
                     'flow %d of old capture %d' % (fid, cid))
            c.eq(srv.get('/api/v1/captures/%d/annotations' % cid).status, 404,
                 'annotations of old capture %d' % cid)
            c.eq(len(re.findall(r'retention: removed capture %d \(' % cid, log)), 1,
                 'removal of capture %d logged once' % cid)
            c.ok(files_before[cid] not in srv.data_files(),
                 'file %s of old capture %d gone' % (files_before[cid], cid))
            for table in ('flows', 'flow_groups', 'annotations'):
                c.eq(srv.db_scalar('SELECT count(*) FROM %s WHERE capture_id = %d'
                                   % (table, cid)), 0, '%s rows of old capture %d' % (table, cid))
            c.eq(srv.db_scalar('SELECT count(*) FROM captures WHERE id = %d' % cid), 0,
                 'row of old capture %d' % cid)
        for cid in new:
            c.eq(stored(srv, cid), 200, 'new capture %d kept' % cid)
            for fid in caps[cid]:
                c.eq(srv.get('/api/v1/flows/%d' % fid).status, 200,
                     'flow %d of new capture %d' % (fid, cid))
            n = len(srv.get_json('/api/v1/captures/%d/annotations' % cid)['annotations'])
            c.eq(n, 2 if caps[cid] else 1, 'notes of new capture %d kept' % cid)
            c.ok(files_before[cid] in srv.data_files(), 'file of new capture %d kept' % cid)
            c.eq(srv.db_scalar('SELECT count(*) FROM flow_groups WHERE capture_id = %d' % cid),
                 groups_before[cid], 'flow_groups rows of new capture %d kept' % cid)
        c.eq(metric(srv.get('/metrics').text(), 'tcplens_retention_removed_total'), len(old),
             '/metrics tcplens_retention_removed_total')
        c.eq(listed_ids(srv), new, 'GET /api/v1/captures after retention')
        c.eq(orphans(srv), {'flows': 0, 'flow_groups': 0, 'annotations': 0,
                            'annotations.flow_id': 0}, 'orphans after retention')
    c.eq(srv.stop(), 0, 'server with --retention stops cleanly')
    data_dir_matches_db(c, srv, 'after retention')

    # the environment variable does the same; a capture uploaded just now is never old
    srv.db_exec("UPDATE captures SET uploaded_at = '%s' WHERE id = %d" % (OLD, new[0]))
    srv.args = ['--async-above', '0']
    srv.env = {'TCPLENS_RETENTION': '0.5'}
    with srv:
        c.eq(stored(srv, new[0]), 404, 'TCPLENS_RETENTION=0.5 removes the old capture')
        for cid in new[1:]:
            c.eq(stored(srv, cid), 200, 'TCPLENS_RETENTION=0.5 keeps capture %d' % cid)
    c.eq(srv.stop(), 0, 'server with TCPLENS_RETENTION stops cleanly')
    srv.env = {}
    data_dir_matches_db(c, srv, 'after TCPLENS_RETENTION')

    # 0: keep forever, whatever the age
    srv.db_exec("UPDATE captures SET uploaded_at = '%s'" % OLD)
    srv.args = ['--async-above', '0', '--retention', '0']
    with srv:
        for cid in new[1:]:
            c.eq(stored(srv, cid), 200, '--retention 0 keeps capture %d' % cid)
        c.ok('retention:' not in srv.log_text(), '--retention 0: no sweep logged')
    srv.stop()


def test_retention_periodic(c, binary, root, tmp):
    """A tiny retention (0.00005 days = 4.32 s): the sweep thread removes a capture uploaded
    after the start; SIGTERM stops the server promptly all the same."""
    path = small_captures(root)[0]
    srv = Server(binary, os.path.join(tmp, 'periodic'),
                 args=['--async-above', '0', '--retention', '0.00005'])
    with srv:
        r = upload(srv, path)
        if not c.eq(r.status, 201, 'periodic: upload'):
            return
        cid = r.json()['capture']['id']
        c.eq(stored(srv, cid), 200, 'periodic: the fresh capture is there')
        gone = wait_until(lambda: stored(srv, cid) == 404, 20, 0.25)
        c.ok(gone, 'periodic: capture %d removed by the sweep thread within 20 s' % cid)
        c.ok(wait_until(lambda: re.search(r'retention: removed capture %d \(' % cid,
                                          srv.log_text()), 5),
             'periodic: removal logged')
        c.eq(srv.data_files(), [], 'periodic: data directory empty')
        c.eq(metric(srv.get('/metrics').text(), 'tcplens_retention_removed_total'), 1,
             'periodic: counted in /metrics')
        t0 = time.monotonic()
        status = srv.stop()
        c.eq(status, 0, 'periodic: exit status after SIGTERM')
        c.ok(time.monotonic() - t0 < 10, 'periodic: stopped within 10 s of SIGTERM')


# ------------------------------------------------------------------------- nothing orphaned

def test_random_sequence(c, binary, root, tmp):
    rnd = random.Random(SEED)
    files = small_captures(root)
    c.ok(len(files) >= 5, 'several small captures to upload (%d)' % len(files))
    srv = Server(binary, os.path.join(tmp, 'random'), args=['--async-above', '0'])
    model = {}  # capture id -> {'flows': [ids], 'notes': n, 'file': name}
    deleted = []
    counts = {'upload': 0, 'note': 0, 'delete': 0, 'delete-gone': 0}
    with srv:
        for step in range(OPERATIONS):
            kind = rnd.choices(['upload', 'note', 'delete'], [45, 25, 30])[0]
            if kind != 'upload' and not model:
                kind = 'upload'
            if kind == 'upload':
                path = rnd.choice(files)
                r = upload(srv, path, keep_param=rnd.random() < 0.5)
                if not c.eq(r.status, 201, 'step %d: upload %s' % (step, path)):
                    break
                d = r.json()
                cid = d['capture']['id']
                c.ok(cid not in model and cid not in deleted, 'step %d: new id %d' % (step, cid))
                model[cid] = {'flows': [f['id'] for f in d['flows']], 'notes': 0}
                counts['upload'] += 1
            elif kind == 'note':
                cid = rnd.choice(sorted(model))
                flows = model[cid]['flows']
                if flows and rnd.random() < 0.6:
                    body = ('{"text":"step %d","packet":0}' if rnd.random() < 0.5
                            else '{"text":"step %d"}') % step
                    r = note(srv, '/api/v1/flows/%d/annotations' % rnd.choice(flows), body)
                else:
                    r = note(srv, '/api/v1/captures/%d/annotations' % cid,
                             '{"text":"step %d","author":"t"}' % step)
                if c.eq(r.status, 201, 'step %d: note on capture %d' % (step, cid)):
                    model[cid]['notes'] += 1
                counts['note'] += 1
            else:
                if deleted and rnd.random() < 0.15:
                    cid = rnd.choice(deleted)
                    c.eq(srv.request('DELETE', '/api/v1/captures/%d' % cid).status, 404,
                         'step %d: DELETE of capture %d again' % (step, cid))
                    counts['delete-gone'] += 1
                    continue
                cid = rnd.choice(sorted(model))
                c.eq(srv.request('DELETE', '/api/v1/captures/%d' % cid).status, 204,
                     'step %d: DELETE capture %d' % (step, cid))
                for fid in model[cid]['flows'][:3]:
                    c.eq(srv.get('/api/v1/flows/%d' % fid).status, 404,
                         'step %d: flow %d of deleted capture %d' % (step, fid, cid))
                del model[cid]
                deleted.append(cid)
                counts['delete'] += 1
        print('operations: %s; %d captures left' % (counts, len(model)))
        c.ok(counts['delete'] >= 10 and counts['upload'] >= 30 and counts['note'] >= 10,
             'the sequence mixes the operations: %s' % counts)
        c.eq(listed_ids(srv), sorted(model), 'GET /api/v1/captures lists the model')
        for cid in deleted:
            c.eq(stored(srv, cid), 404, 'deleted capture %d: 404' % cid)
        for cid, m in sorted(model.items()):
            d = srv.get_json('/api/v1/captures/%d?limit=1000' % cid)
            c.eq(sorted(f['id'] for f in d['flows']), sorted(m['flows']),
                 'flows of capture %d' % cid)
            n = len(srv.get_json('/api/v1/captures/%d/annotations' % cid)['annotations'])
            c.eq(n, m['notes'], 'notes of capture %d' % cid)
    c.eq(srv.stop(), 0, 'random: server stops cleanly')

    c.eq(orphans(srv), {'flows': 0, 'flow_groups': 0, 'annotations': 0,
                        'annotations.flow_id': 0}, 'rows that belong to no capture')
    c.eq([int(x) for x in db_list(srv, 'id', 'captures')], sorted(model),
         'captures rows are the model')
    c.eq(srv.db_scalar('SELECT count(*) FROM flows'),
         sum(len(m['flows']) for m in model.values()), 'flows rows are the model\'s flows')
    c.eq(srv.db_scalar('SELECT count(*) FROM annotations'),
         sum(m['notes'] for m in model.values()), 'annotations rows are the model\'s notes')
    if srv.backend == 'sqlite':  # SQLite writes a capture's groups at upload
        c.eq(srv.db_scalar('SELECT count(DISTINCT capture_id) FROM flow_groups'),
             srv.db_scalar('SELECT count(DISTINCT capture_id) FROM flows'),
             'flow_groups: the captures with flows have their groups, no others')
    data_dir_matches_db(c, srv, 'after the random sequence')


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    c = Checks()
    with tempfile.TemporaryDirectory(prefix='tl-housekeeping-') as tmp:
        for t in (test_flags, test_retention_at_start, test_retention_periodic,
                  test_random_sequence):
            n0, f0 = c.count, len(c.failures)
            t0 = time.monotonic()
            if t is test_flags:
                t(c, binary, tmp)
            else:
                t(c, binary, root, tmp)
            print('%s: %d checks, %d failed (%.1f s)' % (t.__name__, c.count - n0,
                                                        len(c.failures) - f0,
                                                        time.monotonic() - t0))
    print('%d checks, %d failed' % (c.count, len(c.failures)))
    return 1 if c.failures else 0


if __name__ == '__main__':
    sys.exit(main())
