#!/usr/bin/env python3
"""Packets stay in the capture file: every flow the server answers is decoded again from the
stored file at its packets' positions, and must be what `tcplens decode` prints for the same
file, byte for byte after parsing (the flow object with its whole timeline, every packet with
its fields).

Run over every capture in the tree (tests/, examples/, and ../shared/corpus when present),
uploaded as it is and, for a few, gzip-compressed (stored decompressed: positions in the
decompressed bytes). Also checks what a flow costs in the database: no per-packet rows, and
the positions' bytes per packet.

usage: test_redecode.py TCPLENSD TCPLENS REPO_ROOT
"""

import gzip
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, http  # noqa: E402

MAX_FILE = 8 << 20      # bigger captures are left to the benchmark
MAX_FLOWS = 400         # flows compared per capture (the first ones)
TIMELINE_LIMIT = 10000  # the API's largest timeline page


def captures(root):
    out = []
    for base in ('tests', 'examples'):
        for d, _, files in os.walk(os.path.join(root, base)):
            if os.sep + 'fuzz' + os.sep in d + os.sep or 'node_modules' in d:
                continue
            out += [os.path.join(d, n) for n in files if n.endswith(('.pcap', '.pcapng'))]
    corpus = os.path.normpath(os.path.join(root, '..', 'shared', 'corpus'))
    if os.path.isdir(corpus):
        for d, _, files in os.walk(corpus):
            out += [os.path.join(d, n) for n in files if n.endswith(('.pcap', '.pcapng'))]
    else:
        print('note: %s is not here; the tree\'s captures only' % corpus)
    return sorted(p for p in out if os.path.getsize(p) <= MAX_FILE)


def decode(tcplens, path):
    r = subprocess.run([tcplens, 'decode', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300, env=dict(os.environ, TZ='UTC'))
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def upload(srv, path, data=None):
    body = data if data is not None else open(path, 'rb').read()
    q = urllib.parse.urlencode({'name': os.path.basename(path)})
    return http('POST', srv.url + '/api/v1/captures?' + q, body=body,
                headers={'Content-Type': 'application/octet-stream'}, timeout=30)


def flow_ids(srv, cid):
    ids, cursor = [], None
    for _ in range(1000):
        q = {'capture': cid, 'limit': 1000}
        if cursor:
            q['cursor'] = cursor
        r = http('GET', srv.url + '/api/v1/flows?' + urllib.parse.urlencode(q))
        if r.status != 200:
            raise RuntimeError('GET /flows?capture=%s: %d %s' % (cid, r.status, r.text()[:200]))
        d = r.json()
        ids += [f['id'] for f in d['flows']]
        cursor = d.get('next_cursor')
        if not cursor:
            break
    return ids


def first_difference(got, want, path=''):
    if type(got) is not type(want):
        return '%s: %r vs %r' % (path or '.', got, want)
    if isinstance(got, dict):
        for k in sorted(set(got) | set(want)):
            if k not in got or k not in want:
                return '%s.%s: %s' % (path, k, 'missing from the API' if k not in got
                                      else 'only in the API')
            d = first_difference(got[k], want[k], '%s.%s' % (path, k))
            if d:
                return d
        return None
    if isinstance(got, list):
        if len(got) != len(want):
            return '%s: %d elements vs %d' % (path, len(got), len(want))
        for i, (a, b) in enumerate(zip(got, want)):
            d = first_difference(a, b, '%s[%d]' % (path, i))
            if d:
                return d
        return None
    return None if got == want else '%s: %r vs %r' % (path, got, want)


def compare(srv, uploads, problems):
    """Every flow of every upload against tcplens decode; (flows, packets) compared."""
    compared = packets = 0
    for name, cid, want in uploads:
        ids = flow_ids(srv, cid)
        if len(ids) != len(want['flows']):
            problems.append('%s: %d flows listed, tcplens decode finds %d'
                            % (name, len(ids), len(want['flows'])))
            continue
        for fid, wf in list(zip(ids, want['flows']))[:MAX_FLOWS]:
            r = http('GET', srv.url + '/api/v1/flows/%d?fields=true&limit=%d' % (fid, TIMELINE_LIMIT))
            if r.status != 200:
                problems.append('%s: GET /flows/%d: %d %s' % (name, fid, r.status,
                                                            r.text()[:200]))
                continue
            got = r.json()
            for k in ('id', 'capture', 'timeline_page'):
                got.pop(k, None)
            wf = dict(wf)
            wf.pop('id', None)
            d = first_difference(got, wf)
            if d:
                problems.append('%s flow %d (#%d): %s' % (name, fid, wf['index'], d[:400]))
            tl = wf.get('timeline', [])
            if tl and compared % 5 == 0:  # one packet at a time gives the same packet
                i = len(tl) // 2
                r = http('GET', srv.url + '/api/v1/flows/%d/packets/%d' % (fid, i))
                d = first_difference(r.json(), tl[i]) if r.status == 200 else 'status %d' % r.status
                if d:
                    problems.append('%s flow %d packet %d alone: %s' % (name, fid, i, d[:300]))
            compared += 1
            packets += len(tl)
    return compared, packets


def main(argv):
    tcplensd, tcplens, root = argv[1:4]
    files = captures(root)
    problems = []
    uploads = []
    with tempfile.TemporaryDirectory(prefix='tl-redecode-') as tmp:
        srv = Server(tcplensd, os.path.join(tmp, 'srv'), args=['--async-above', '0'])
        with srv:
            gz = set(files[::7])  # every seventh also goes up gzip-compressed
            for path in files:
                want = decode(tcplens, path)
                if want is None:
                    continue  # not a capture tcplens reads: the bad-input tests cover those
                variants = [('as is', None)]
                if path in gz:
                    variants.append(('gzip', gzip.compress(open(path, 'rb').read(), 1)))
                for how, data in variants:
                    name = '%s (%s)' % (os.path.relpath(path, root), how)
                    r = upload(srv, path, data)
                    if r.status not in (200, 201):
                        problems.append('%s: upload answered %d %s' % (name, r.status,
                                                                        r.text()[:200]))
                        continue
                    uploads.append((name, r.json()['capture']['id'], want))
            compared, packets = compare(srv, uploads, problems)
            print('%d flows (%d packets) of %d uploads compared with tcplens decode'
                  % (compared, packets, len(uploads)))
            pos = srv.db_scalar('SELECT sum(length(pos)) FROM flows') or 0
            pk = srv.db_scalar('SELECT sum(packets) FROM flows') or 1
            print('positions: %.2f bytes per stored packet' % (pos / pk))
            left = srv.db_scalar('SELECT count(*) FROM packets')
            if left:
                problems.append('%d rows in the packets table: packets must stay in the '
                                'capture file' % left)

            # a database of an older version: no positions, no layouts, packet rows; the
            # server reads the stored files again when it starts
            srv.stop()
            first = srv.db_scalar('SELECT min(id) FROM flows')
            srv.db_exec('UPDATE flows SET pos = NULL')
            srv.db_exec('UPDATE captures SET layout = NULL')
            srv.db_exec("INSERT INTO packets (id, event, rec) VALUES (%d, 'syn', %s)"
                        % (first << 32, "x'00'" if srv.backend == 'sqlite' else "'\\x00'"))
            srv.start()
            if 'read again for their packet positions' not in srv.log_text():
                problems.append('the restart on an older database says nothing of reading '
                                'the captures again: %s' % srv.log_tail(5))
            n2, _ = compare(srv, uploads, problems)
            print('after the upgrade of an older database: %d flows compared' % n2)
            if srv.db_scalar('SELECT count(*) FROM packets'):
                problems.append('packet rows left after the upgrade')
            if srv.db_scalar('SELECT count(*) FROM captures WHERE layout IS NULL'):
                problems.append('captures without a layout after the upgrade')
            if n2 != compared:
                problems.append('%d flows compared after the upgrade, %d before' % (n2, compared))
    for p in problems[:60]:
        print('FAIL ' + p)
    if len(problems) > 60:
        print('... and %d more' % (len(problems) - 60))
    print('%d difference(s)' % len(problems))
    return 1 if problems or compared == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
