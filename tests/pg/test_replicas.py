#!/usr/bin/env python3
"""Two tcplensd on one PostgreSQL database (server/store_pg.c): uploads sent to both at once
are all stored, every capture and flow reads the same from both, flow ids are never handed out
twice, a replica killed with kill -9 in the middle of an upload leaves nothing of it while
the other keeps working, and a background job whose replica is killed with kill -9 while it
runs is taken over by the other once its lease runs out (claimed with FOR UPDATE SKIP LOCKED)
and stored exactly once.

usage: test_replicas.py TCPLENSD TL_GEN_CAPTURE REPO_ROOT

Starts its own PostgreSQL 15 (pg_harness.py); exits 77 (skipped) when it is not installed.
The replicas share the database and one data directory (the stored capture files, which a
flow's packets are read back from, as a shared filesystem would hold them): a replica's
start-up leaves the other's temporary uploads alone. Packet counts are checked against
tshark.
"""

import concurrent.futures
import glob
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
from harness import Checks, Server, CurlJob, wait_until  # noqa: E402

MAX_PAGES = 200


LEASE = 3  # --job-lease: seconds before a stopped replica's job is taken over


def replica(binary, workdir, name, uri, blobs=False):
    """A tcplensd on uri: sharing one data directory with the others, or (blobs) with the
    capture files in the database and a data directory of its own (its cache)."""
    args = ['--job-lease', str(LEASE)] + (['--blob-store', 'db'] if blobs else [])
    s = Server(binary, os.path.join(workdir, name), args, name=name)
    s.db, s.backend = uri, 'postgresql'
    s.data_dir = os.path.join(workdir, name + '-data' if blobs else 'shared-data')
    return s.start()


def kill_mid_job(c, victim, other, path, name, what):
    """A job on victim, killed with kill -9 while it runs; other finishes it. Returns the job's
    document as other reads it, or None."""
    r = victim.request('POST', '/api/v1/captures?name=' + name, body=open(path, 'rb').read(),
                       headers={'Prefer': 'respond-async'}, timeout=30)
    if not c.ok(r.status == 202, '%s: a job on %s: %d %s' % (what, victim.name, r.status,
                                                             r.text()[:200])):
        return None
    jid = r.json()['id']
    jpath = '/api/v1/jobs/%d' % jid

    def running():
        d = victim.get_json(jpath)
        return d['state'] == 'running' and d['packets'] > 0
    c.ok(wait_until(running, 60, 0.02), '%s: the job runs on %s: %s'
         % (what, victim.name, victim.get_json(jpath)))
    victim.kill9()
    t_kill = time.monotonic()

    def done():
        d = other.get_json(jpath)
        return d if d['state'] in ('done', 'failed') else None
    d = wait_until(done, 180, 0.2)
    if not c.ok(d and d['state'] == 'done', '%s: the job, read on %s: %s'
                % (what, other.name, d)):
        return None
    cap = other.get_json('/api/v1/captures/%d' % d['capture'])['capture']
    c.eq(cap['packets'], tshark_count(path), '%s: the taken-over capture: packets vs tshark'
         % what)
    c.eq(d['packets'], cap['packets'], '%s: the job document: packets' % what)
    c.ok('taken over from a server' in other.log_text(), '%s: %s logs the take-over'
         % (what, other.name))
    names = [x['name'] for x in all_pages(c, other, '/api/v1/captures', 'captures') or []]
    c.eq(names.count(name), 1, '%s: captures named %s' % (what, name))
    print('  %s: job %d taken over by %s and done %.1f s after %s was killed (lease %d s)'
          % (what, jid, other.name, time.monotonic() - t_kill, victim.name, LEASE), flush=True)
    d['_path'] = jpath
    return d


def upload(s, path, name):
    with open(path, 'rb') as f:
        body = f.read()
    return s.request('POST', '/api/v1/captures?name=%s' % name, body=body, timeout=30)


def all_pages(c, s, path, key):
    items, cursor = [], None
    for _ in range(MAX_PAGES):
        sep = '&' if '?' in path else '?'
        r = s.get(path + (sep + 'limit=100' + ('&cursor=' + cursor if cursor else '')))
        if not c.ok(r.status == 200, '%s GET %s: %d %s' % (s.name, path, r.status, r.text()[:200])):
            return None
        d = r.json()
        items.extend(d[key])
        cursor = d.get('next_cursor')
        if not cursor:
            return items
    c.ok(False, '%s GET %s: more than %d pages' % (s.name, path, MAX_PAGES))
    return None


def tshark_count(path):
    out = subprocess.run(['tshark', '-n', '-r', path, '-T', 'fields', '-e', 'frame.number'],
                         capture_output=True, timeout=120, check=True).stdout
    return len(out.splitlines())


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    tcplensd, gen, repo = (os.path.abspath(a) for a in argv[1:])
    if not pg_harness.available():
        print('skipped: PostgreSQL 15 is not installed in %s' % pg_harness.PG_BIN)
        return pg_harness.SKIP
    tmp = tempfile.mkdtemp(prefix='tcplens-replicas-')
    harness.TMP_ROOT = tmp
    c = Checks()
    servers = []
    t0 = time.monotonic()
    try:
        with pg_harness.Cluster() as pg:
            uri = pg.create_database('replicas')
            a = replica(tcplensd, tmp, 'a', uri)
            servers.append(a)
            b = replica(tcplensd, tmp, 'b', uri)
            servers.append(b)
            files = sorted(glob.glob(os.path.join(repo, 'examples', '*.pcap')))
            for seed in range(4):
                out = os.path.join(tmp, 'gen-%d.pcap' % seed)
                subprocess.run([gen, '-p', '20000', '-c', '800', '-w', '64', '-s',
                                str(100 + seed), '-o', out], check=True, timeout=120,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                files.append(out)
            c.ok(len(files) >= 10, 'captures to upload: %d' % len(files))

            # 1. concurrent uploads, alternating between the replicas, 8 at a time
            jobs = [((a, b)[i % 2], p, 'r%02d' % i) for i, p in enumerate(files)]
            with concurrent.futures.ThreadPoolExecutor(8) as ex:
                res = list(ex.map(lambda j: (j, upload(*j)), jobs))
            caps = {}
            for (s, path, name), r in res:
                if c.ok(r.status == 201, 'upload %s to %s: %d %s'
                        % (name, s.name, r.status, r.text()[:200])):
                    caps[r.json()['capture']['id']] = (path, name, r.json())
            c.eq(len(caps), len(files), 'distinct capture ids')

            # 2. every capture and flow reads the same from both
            lists = [all_pages(c, s, '/api/v1/captures', 'captures') for s in (a, b)]
            if lists[0] is not None and lists[1] is not None:
                c.eq(lists[0], lists[1], 'GET /api/v1/captures: replica a vs b')
                c.eq(sorted(x['id'] for x in lists[0]), sorted(caps), 'captures listed')
            seen_ids = {}
            for cid, (path, name, answer) in sorted(caps.items()):
                docs = [s.get_json('/api/v1/captures/%d' % cid) for s in (a, b)]
                c.eq(docs[0], docs[1], 'capture %d: a vs b' % cid)
                c.eq(docs[0]['capture']['packets'] if 'capture' in docs[0] else
                     docs[0].get('packets'), tshark_count(path),
                     'capture %d (%s): packets vs tshark' % (cid, os.path.basename(path)))
                flows = [all_pages(c, s, '/api/v1/flows?capture=%d' % cid, 'flows')
                         for s in (a, b)]
                if flows[0] is None or flows[1] is None:
                    continue
                c.eq(flows[0], flows[1], 'flows of capture %d: a vs b' % cid)
                c.eq(len(flows[0]), answer['capture']['flows'],
                     'capture %d: flows listed vs capture.flows of the upload answer' % cid)
                for f in flows[0]:
                    if f['id'] in seen_ids:
                        c.ok(False, 'flow id %d in captures %d and %d'
                             % (f['id'], seen_ids[f['id']], cid))
                    seen_ids[f['id']] = cid
                for f in flows[0][:3] + flows[0][-3:]:
                    d = [s.get('/api/v1/flows/%d' % f['id']) for s in (a, b)]
                    c.ok(d[0].status == 200 and d[0].body == d[1].body,
                         'GET /api/v1/flows/%d: a %d vs b %d, bodies %s'
                         % (f['id'], d[0].status, d[1].status,
                            'equal' if d[0].body == d[1].body else 'differ'))
            total = len(seen_ids)
            c.eq(sorted(seen_ids), list(range(1, total + 1)),
                 'flow ids: 1..%d, each once, across both replicas' % total)

            # 3. kill -9 of a replica in the middle of an upload: nothing of it stays, the
            # other replica's uploads go on (the lock dies with the connection)
            big = os.path.join(tmp, 'big.pcap')
            subprocess.run([gen, '-p', '600000', '-s', '9', '-o', big], check=True, timeout=120,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            job = CurlJob(['--data-binary', '@' + big, a.url + '/api/v1/captures?name=killed'],
                          max_time=30)
            size = os.path.getsize(big)

            def body_received():
                ups = a.data_files('upload-')
                try:
                    return ups and os.path.getsize(os.path.join(a.data_dir, ups[0])) >= size
                except OSError:
                    return False
            started = wait_until(body_received, 20, 0.02)
            time.sleep(0.5)  # into the ingest: the body is on disk, the transaction open
            running = job.running()
            a.kill9()
            job.wait(15)
            c.ok(started and running, 'the big upload was still running when a was killed')
            r = upload(b, os.path.join(repo, 'tests', 'golden', 'seed_telnet', 'capture.pcap'),
                       'after-kill')
            if c.ok(r.status == 201, 'upload to b after a was killed: %d %s'
                    % (r.status, r.text()[:200])):
                after = r.json()
                first = min(f['id'] for f in after['flows']) if after.get('flows') else None
                c.eq(first, total + 1, 'the first flow id after the killed upload')
            names = [x['name'] for x in all_pages(c, b, '/api/v1/captures', 'captures') or []]
            c.ok('killed' not in names, 'the killed upload is not listed: %s' % names)
            a.start()
            names_a = [x['name'] for x in all_pages(c, a, '/api/v1/captures', 'captures') or []]
            c.eq(names_a, names, 'captures after a restarted: a vs b')
            ids = {x['id'] for x in all_pages(c, a, '/api/v1/captures', 'captures') or []}

            def only_committed():  # no temporary upload, no capture file without its row
                files = a.data_files('capture-')
                return not a.data_files('upload-') and all(
                    int(f.split('-')[1].split('.')[0]) in ids for f in files)
            c.ok(wait_until(only_committed, 5),
                 'a left files of the killed upload: %s' % a.data_files())

            # 4. a background job whose replica is killed while it runs: the other takes it
            # over when the lease runs out, and the capture is stored once, whole
            d = kill_mid_job(c, a, b, big, 'takeover', 'shared directory')
            if d:
                c.ok(wait_until(lambda: not b.data_files('job-'), 5),
                     'the job file is gone: %s' % b.data_files('job-'))
                a.start()
                c.eq(a.get_json(d['_path']), b.get_json(d['_path']),
                     'the job after a restarted: a vs b')
            for s in (a, b):
                c.eq(s.stop(), 0, '%s: exit status after SIGTERM' % s.name)

            # 5. --blob-store db: capture files in the database, each replica with a data
            # directory of its own; they share nothing but the database
            uri2 = pg.create_database('blobs')
            c1 = replica(tcplensd, tmp, 'c', uri2, blobs=True)
            servers.append(c1)
            d1 = replica(tcplensd, tmp, 'd', uri2, blobs=True)
            servers.append(d1)
            stored = []
            for i, p in enumerate(files[:3] + files[-1:]):
                r = upload(c1, p, 'blob%d' % i)
                if c.ok(r.status == 201, 'blobs: upload %s to c: %d %s'
                        % (p, r.status, r.text()[:200])):
                    stored.append((p, r.json()['capture']['id']))
            c.ok(not d1.data_files('capture-'), 'blobs: d holds no capture file before it reads')
            for p, cid in stored:
                flows = [all_pages(c, s, '/api/v1/flows?capture=%d' % cid, 'flows')
                         for s in (c1, d1)]
                c.eq(flows[0], flows[1], 'blobs: flows of capture %d: c vs d' % cid)
                for f in (flows[1] or [])[:2] + (flows[1] or [])[-1:]:
                    bodies = [s.get('/api/v1/flows/%d' % f['id']) for s in (c1, d1)]
                    c.ok(bodies[1].status == 200 and bodies[0].body == bodies[1].body,
                         'blobs: GET /api/v1/flows/%d on d (from the database) vs c: %d, %s'
                         % (f['id'], bodies[1].status,
                            'equal' if bodies[0].body == bodies[1].body else 'differ'))
                r = d1.get('/api/v1/captures/%d/pcap' % cid)
                c.ok(r.status == 200 and r.body == open(p, 'rb').read(),
                     'blobs: GET /api/v1/captures/%d/pcap on d: %d, %d bytes vs %d'
                     % (cid, r.status, len(r.body), os.path.getsize(p)))
            if stored:
                p, cid = stored[0]
                fname = os.path.basename(
                    [f for f in c1.data_files('capture-%d.' % cid)][0])
                chunks = d1.db_scalar("SELECT count(*) FROM blobs WHERE name = '%s'" % fname)
                c.ok(chunks >= 1, 'blobs: %s in the database: %s chunks' % (fname, chunks))
                r = d1.request('DELETE', '/api/v1/captures/%d' % cid)
                c.eq(r.status, 204, 'blobs: DELETE capture %d on d' % cid)
                c.eq(d1.db_scalar("SELECT count(*) FROM blobs WHERE name = '%s'" % fname), 0,
                     'blobs: chunks of %s after the DELETE' % fname)
            d = kill_mid_job(c, c1, d1, big, 'takeover-blob', 'blob store')
            if d:
                c.eq(d1.db_scalar("SELECT count(*) FROM blobs WHERE name LIKE 'job-%'"), 0,
                     'blobs: no job upload left in the database')
                c.ok(not c1.data_files('capture-%d.' % d['capture']),
                     'blobs: the capture that d took over is not in c\'s directory')
                r = d1.get('/api/v1/captures/%d/pcap' % d['capture'])
                c.ok(r.status == 200 and r.body == open(big, 'rb').read(),
                     'blobs: the taken-over capture, downloaded from d: %d' % r.status)
            c.eq(d1.stop(), 0, 'd: exit status after SIGTERM')
            lite = Server(tcplensd, os.path.join(tmp, 'lite'), ['--blob-store', 'db'],
                          name='lite')
            try:
                lite.start(timeout=10)
                c.ok(False, '--blob-store db with SQLite started')
            except Exception:
                c.ok('needs PostgreSQL' in lite.log_text(),
                     '--blob-store db with SQLite: %s' % lite.log_tail(2))
    except Exception as e:
        import traceback
        c.ok(False, 'exception: %s: %s\n%s' % (type(e).__name__, e, traceback.format_exc()))
        for s in servers:
            print('--- %s log:\n%s' % (s.name, s.log_tail()))
    finally:
        for s in servers:
            s.ensure_stopped()
        if os.environ.get('TCPLENS_TEST_KEEP'):
            print('kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print('%s pg.replicas: %d assertions, %d failed, %.1f s'
          % ('PASS' if not c.failures else 'FAIL', c.count, len(c.failures),
             time.monotonic() - t0))
    return 1 if c.failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
