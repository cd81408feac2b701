#!/usr/bin/env python3
"""tcplensd against hostile clients (issue 15), on raw sockets, against real servers.

usage: test_hostile.py TCPLENSD TL_GEN_CAPTURE REPO

Each check asserts the server's answer and that a normal client is served meanwhile:
  01 strict HTTP: conflicting Content-Length, whitespace before a colon, %00 and %2F in the path,
     HEAD wherever GET is (same headers, no body), 405 with Allow from the route table
  02 parameters: unknown (named, with the valid ones), repeated, 1000 parameters answered,
     2000 answered 414 at once, lists a,b
  03 UTF-8: invalid bytes and 254 x 'A' + a CJK character in names; every JSON answer strict
  04 multipart: two `file` parts, two `name` parts
  05 keys: --api-key-file with two keys (rotation), --read-key, writes from loopback only without
     a key (a DELETE from a non-loopback address is a 403)
  06 slow clients: slow headers from five addresses, 300 idle connections, a slow body (its
     temporary file removed)
  07 ingest off the workers: /healthz and reads answer while big uploads ingest; a full ingest
     queue is a 503 with Retry-After; a database locked by another process: reads answer, an
     upload is a 503 with Retry-After after --busy-wait
  08 32 concurrent uploads of different captures, every flow count checked
  09 disk full (a 3 MiB tmpfs in a mount namespace: 507, /healthz degraded) and a read-only
     remount (503); skipped with a message where `unshare -m` is not permitted
  10 schema/openapi.yaml against the route table: each operation takes exactly its declared
     query parameters
  11 the connection reserve: five addresses x 16 slow-header connections against 48 connections
     (8 reserved), and 40 addresses x 16 against the defaults (512, 64 reserved): the ones that
     waited longest are closed, a normal client is served
  12 background jobs: with every job slot live, one more is a 503 that leaves no row behind; the
     202's document is strict JSON whatever the name
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

harness.MAX_TIMEOUT = 600  # big uploads under ASan

FAILS = []
CHECKS = [0]


def ok(cond, what):
    CHECKS[0] += 1
    if not cond:
        FAILS.append(what)
        print('    FAIL %s' % what, flush=True)
    return cond


def note(msg):
    print('    - %s' % msg, flush=True)


# ------------------------------------------------------------------------------ raw HTTP

def raw(port, data, timeout=5.0, src=None, dst='127.0.0.1'):
    """Send bytes, read until the server closes or the answer is complete; returns
    (status, headers dict lower-case, body, seconds)."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((dst, port))
    try:
        s.sendall(data)
    except OSError:
        pass
    buf = b''
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            st, hd, body = _parse(buf)
            if st and 'content-length' in hd and len(body) >= int(hd['content-length']):
                break
            if st and data.startswith(b'HEAD ') and b'\r\n\r\n' in buf:
                break
    except socket.timeout:
        pass
    except OSError:
        pass
    s.close()
    st, hd, body = _parse(buf)
    return st, hd, body, time.monotonic() - t0


def _parse(buf):
    if b'\r\n\r\n' not in buf:
        return None, {}, b''
    head, body = buf.split(b'\r\n\r\n', 1)
    lines = head.decode('latin-1').split('\r\n')
    try:
        st = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None, {}, b''
    hd = {}
    for ln in lines[1:]:
        if ':' in ln:
            k, v = ln.split(':', 1)
            hd[k.strip().lower()] = v.strip()
    return st, hd, body


def req(method, path, headers=(), body=b'', host=True):
    h = ['%s %s HTTP/1.1' % (method, path)]
    if host:
        h.append('Host: 127.0.0.1')
    h += list(headers)
    if body and not any(x.lower().startswith('content-length') for x in headers):
        h.append('Content-Length: %d' % len(body))
    h.append('Connection: close')
    return ('\r\n'.join(h) + '\r\n\r\n').encode('latin-1') + body


def err_code(body):
    try:
        return json.loads(body.decode('utf-8'))['error']['code']
    except Exception:
        return None


def strict_json(body):
    """json.loads over bytes decoded strictly: invalid UTF-8 fails."""
    return json.loads(body.decode('utf-8', 'strict'))


def served(s, what):
    """A normal client is served meanwhile (and quickly)."""
    t0 = time.monotonic()
    try:
        r = s.get('/healthz', timeout=5)
        el = time.monotonic() - t0
        return ok(r.status == 200 and el < 2.0, '%s: a normal GET /healthz meanwhile: %d in %.2f s'
                  % (what, r.status, el))
    except Exception as e:
        return ok(False, '%s: a normal GET /healthz meanwhile: %r' % (what, e))


class Ctx:
    def __init__(self, tcplensd, gen, repo, tmp):
        self.tcplensd, self.gen, self.repo, self.tmp = tcplensd, gen, repo, tmp
        self.servers = []
        self.seed = os.path.join(repo, 'examples', 'fourway-close.pcap')
        if not os.path.exists(self.seed):
            self.seed = sorted(p for p in (os.path.join(repo, 'examples', f)
                                           for f in os.listdir(os.path.join(repo, 'examples')))
                               if p.endswith('.pcap'))[0]

    def server(self, name, args=(), binary=None, env=None):
        s = harness.Server(binary or self.tcplensd, os.path.join(self.tmp, name), args, env=env)
        self.servers.append(s)
        return s.start()

    def capture(self, name, *args):
        p = os.path.join(self.tmp, name)
        if not os.path.exists(p):
            subprocess.run([self.gen] + list(args) + ['-o', p], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        return p

    def upload(self, s, path, name='x', headers=None, timeout=60):
        with open(path, 'rb') as f:
            data = f.read()
        return s.request('POST', '/api/v1/captures?name=' + urllib.parse.quote(name), body=data,
                         headers=headers or {}, timeout=timeout)


# ------------------------------------------------------------------------------- checks

def check_01_strict_http(t):
    s = t.server('strict')
    p = s.port
    r = t.upload(s, t.seed, 'seed')
    ok(r.status == 201, 'upload of the seed: %d' % r.status)
    cid = r.json()['capture']['id'] if r.status == 201 else 1
    fid = s.get_json('/api/v1/flows?capture=%d' % cid)['flows'][0]['id'] if r.status == 201 else 1
    cases = [
        ('two different Content-Length', req('POST', '/api/v1/captures',
                                             ['Content-Length: 5', 'Content-Length: 7'],
                                             b'hello12'), 400),
        ('Content-Length and Transfer-Encoding',
         req('POST', '/api/v1/captures', ['Content-Length: 5', 'Transfer-Encoding: chunked'],
             b'0\r\n\r\n'), 400),
        ('a malformed Content-Length', req('POST', '/api/v1/captures', ['Content-Length: 5x'],
                                           b'hello'), 400),
        ('whitespace before a colon', req('GET', '/healthz', ['Foo : bar']), 400),
        ('%00 in the path', req('GET', '/api/v1/captures/%d%%00abc' % cid), 400),
        ('%2f in the path', req('GET', '/api%2fv1%2fcaptures'), 400),
        ('%2F in a segment', req('GET', '/api/v1/captures/1%2F2'), 400),
        ('%00 in the query', req('GET', '/api/v1/flows?port=80%00'), 400),
        ('HTTP/1.1 without Host', req('GET', '/healthz', host=False), 400),
    ]
    for what, data, want in cases:
        st, hd, body, el = raw(p, data)
        ok(st == want and el < 2, '%s: %s in %.2f s, expected %d' % (what, st, el, want))
        served(s, what)
    # HEAD wherever GET is: same status and headers, no body
    for path in ('/healthz', '/metrics', '/api/v1/openapi.yaml', '/api/v1/captures',
                 '/api/v1/captures/%d' % cid, '/api/v1/captures/%d/pcap' % cid,
                 '/api/v1/flows', '/api/v1/flows/%d' % fid, '/api/v1/flows/%d/pcap' % fid,
                 '/api/v1/flows/%d/ladder.svg' % fid, '/api/v1/examples', '/',
                 '/api/v1/captures/999999'):
        gs, gh, gb, _ = raw(p, req('GET', path))
        hs, hh, hb, _ = raw(p, req('HEAD', path))
        keys = ('content-type',) if path == '/metrics' else ('content-type', 'content-length')
        same = {k: gh.get(k) for k in keys} == {k: hh.get(k) for k in keys}
        ok(hs == gs and same and hb == b'', 'HEAD %s: %s %s (GET: %s %s), %d body bytes'
           % (path, hs, hh.get('content-length'), gs, gh.get('content-length'), len(hb)))
    # 405 with Allow from the table
    for m, path, allow in (('PATCH', '/api/v1/captures', {'GET', 'HEAD', 'POST'}),
                           ('POST', '/api/v1/flows/%d' % fid, {'GET', 'HEAD'}),
                           ('DELETE', '/healthz', {'GET', 'HEAD'}),
                           ('GET', '/api/v1/examples/fourway-close', {'POST'})):
        st, hd, body, _ = raw(p, req(m, path))
        got = {x.strip() for x in hd.get('allow', '').split(',') if x.strip()}
        ok(st == 405 and got == allow and err_code(body) == 'method_not_allowed',
           '%s %s: %s Allow %r, expected %s' % (m, path, st, hd.get('allow'), sorted(allow)))
    s.ensure_stopped()


def check_02_parameters(t):
    s = t.server('params')
    p = s.port
    r = t.upload(s, t.seed, 'seed')
    ok(r.status == 201, 'upload: %d' % r.status)
    for path, code, param in (
            ('/api/v1/flows?prot=80', 'unknown_parameter', 'prot'),
            ('/api/v1/flows?port=80&port=81', 'repeated_parameter', 'port'),
            ('/api/v1/captures?offset=1', 'unknown_parameter', 'offset'),
            ('/healthz?x=1', 'unknown_parameter', 'x'),
            ('/api/v1/flows?handshake=complete,bogus', 'bad_parameter', 'handshake'),
            ('/api/v1/flows/1?fields=maybe', 'bad_parameter', 'fields'),
            ('/api/v1/flows/1?field=true', 'unknown_parameter', 'field')):
        st, hd, body, _ = raw(p, req('GET', path))
        e = strict_json(body).get('error', {}) if st else {}
        ok(st == 400 and e.get('code') == code and e.get('parameter') == param,
           'GET %s: %s %s' % (path, st, body[:200]))
        if code == 'unknown_parameter' and path.startswith('/api/v1/flows?'):
            ok('port' in (e.get('allowed') or []) and 'port' in e.get('message', ''),
               'GET %s: the valid parameters listed: %s' % (path, e.get('allowed')))
    r = s.get('/api/v1/flows?handshake=complete,no-reply,rejected&limit=5')
    ok(r.status == 200, 'a list a,b,c: %d %s' % (r.status, r.text()[:200]))
    r = s.get('/api/v1/flows?port=' + ','.join(str(i) for i in range(1, 17)))
    ok(r.status == 200, 'a list of 16 ports: %d %s' % (r.status, r.text()[:200]))
    st, _, body, _ = raw(p, req('GET', '/api/v1/flows?port=' + ','.join(str(i) for i in range(1, 18))))
    e = strict_json(body).get('error', {}) if st else {}
    ok(st == 400 and e.get('parameter') == 'port' and 'at most 16' in e.get('message', ''),
       'a list of 17 ports: %s %s' % (st, body[:200]))
    q = '&'.join('x%d=1' % i for i in range(1000))
    st, _, body, el = raw(p, req('GET', '/api/v1/flows?' + q))
    ok(st == 400 and el < 2 and b'x0' in body, '1000 unknown parameters: %s in %.2f s' % (st, el))
    q = '&'.join('port=%d' % i for i in range(1000))
    st, _, body, el = raw(p, req('GET', '/api/v1/flows?' + q))
    ok(st == 400 and err_code(body) == 'repeated_parameter' and el < 2,
       '1000 x port=: %s in %.2f s' % (st, el))
    for n in (2000, 20000):
        q = '&'.join('a%d=1' % i for i in range(n))
        st, _, body, el = raw(p, req('GET', '/api/v1/flows?' + q), timeout=10)
        ok(st in (414, 431) and el < 2, '%d parameters: %s in %.2f s (expected 414/431 at once)'
           % (n, st, el))
        served(s, '%d parameters' % n)
    s.ensure_stopped()


def check_03_utf8(t):
    s = t.server('utf8')
    names = ['%ff%fe%c0%80', urllib.parse.quote('A' * 254 + '中'), '%ed%a0%80x',
             urllib.parse.quote('é' * 200)]
    with open(t.seed, 'rb') as f:
        data = f.read()
    for n in names:
        r = s.request('POST', '/api/v1/captures?name=' + n, body=data)
        ok(r.status == 201, 'upload ?name=%s: %d %s' % (n[:40], r.status, r.text()[:100]))
        if r.status == 201:
            try:
                name = strict_json(r.body)['capture']['name']
                ok(len(name.encode()) <= 255, 'name of %d bytes' % len(name.encode()))
            except ValueError as e:
                ok(False, 'upload ?name=%s: the answer is not strict UTF-8 JSON: %s' % (n, e))
    st, hd, body, _ = raw(s.port, req('GET', '/api/v1/captures'))
    try:
        caps = strict_json(body)['captures']
        got = [c['name'] for c in caps]
        ok('\ufffd\ufffd\ufffd\ufffd' in got[-1] or '\ufffd' in got[-1],
           'invalid bytes became U+FFFD: %r' % got[-1][:20])
        ok(any(x == 'A' * 254 for x in got), '254 x A + 中 cut at the character: %r'
           % [x[:8] + '..%d' % len(x.encode()) for x in got])
    except ValueError as e:
        ok(False, 'GET /api/v1/captures is not strict UTF-8 JSON: %s' % e)
    for path in ('/api/v1/%ff%fe', '/api/v1/flows?host=%ff', '/api/v1/flows?%ff=1',
                 '/api/v1/captures/%c0%80'):
        st, hd, body, _ = raw(s.port, req('GET', path))
        try:
            strict_json(body)
            ok(st in (400, 404), 'GET %s: %s' % (path, st))
        except ValueError as e:
            ok(False, 'GET %s: the error is not strict UTF-8 JSON: %s %r' % (path, e, body[:100]))
    s.ensure_stopped()


def check_04_multipart(t):
    s = t.server('multipart')
    with open(t.seed, 'rb') as f:
        data = f.read()
    for parts, what, param in (
            ([('file', data, 'a.pcap', None), ('file', data, 'b.pcap', None)], 'two file parts',
             'file'),
            ([('file', data, 'a.pcap', None), ('name', 'a', None, None),
              ('name', 'b', None, None)], 'two name parts', 'name')):
        ct, body = harness.multipart(parts)
        r = s.request('POST', '/api/v1/captures', body=body, headers={'Content-Type': ct})
        e = r.json().get('error', {}) if r.status >= 400 else {}
        ok(r.status == 400 and e.get('parameter') == param and param in e.get('message', ''),
           '%s: %d %s' % (what, r.status, r.text()[:200]))
    ok(not s.data_files('upload-') and not s.data_files('capture-'),
       'files left after the refused multipart bodies: %s' % s.data_files())
    ct, body = harness.multipart([('file', data, 'a.pcap', None), ('name', 'one', None, None)])
    r = s.request('POST', '/api/v1/captures', body=body, headers={'Content-Type': ct})
    ok(r.status == 201 and r.json()['capture']['name'] == 'one', 'one file, one name: %d'
       % r.status)
    s.ensure_stopped()


def _non_loopback_address():
    try:
        out = subprocess.run(['hostname', '-I'], capture_output=True, text=True, timeout=5).stdout
    except Exception:
        return None
    for a in out.split():
        if '.' in a and not a.startswith('127.'):
            return a
    return None


def check_05_keys(t):
    kf = os.path.join(t.tmp, 'keys.txt')
    with open(kf, 'w') as f:
        f.write('# write keys\nold-key-123\nnew-key-456\n')
    rf = os.path.join(t.tmp, 'read-keys.txt')
    with open(rf, 'w') as f:
        f.write('reader-789\n')
    s = t.server('keys', ['--api-key-file', kf, '--read-key-file', rf])
    ok('old-key' not in ' '.join(s.args), 'keys not on the command line')
    for key in ('old-key-123', 'new-key-456'):
        r = t.upload(s, t.seed, key, headers={'Authorization': 'Bearer ' + key})
        ok(r.status == 201, 'upload with %s: %d' % (key, r.status))
    for hdrs, what in (({}, 'no key'), ({'Authorization': 'Bearer reader-789'}, 'the read key'),
                       ({'Authorization': 'Bearer old-key-12'}, 'a key prefix')):
        r = t.upload(s, t.seed, 'x', headers=hdrs)
        ok(r.status == 401, 'upload with %s: %d' % (what, r.status))
    for hdrs, want, what in (({}, 401, 'no key'),
                             ({'Authorization': 'Bearer reader-789'}, 200, 'the read key'),
                             ({'Authorization': 'Bearer new-key-456'}, 200, 'a write key'),
                             ({'Authorization': 'Bearer nope'}, 401, 'a wrong key')):
        for path in ('/api/v1/captures', '/api/v1/flows', '/api/v1/examples'):
            r = s.get(path, headers=hdrs)
            ok(r.status == want, 'GET %s with %s: %d, expected %d' % (path, what, r.status, want))
    for path in ('/healthz', '/metrics', '/api/v1/openapi.yaml'):
        ok(s.get(path).status == 200, 'GET %s without a key' % path)
    ok(s.stop() == 0, 'exit status 0 after SIGTERM (keys)')
    # no write key: writes from loopback only
    addr = _non_loopback_address()
    if not addr:
        note('SKIPPED: no non-loopback address on this machine for the loopback-only check')
        return
    import re
    work = os.path.join(t.tmp, 'open')
    s2proc_re = re.compile(r'listening on (https?)://0\.0\.0\.0:(\d+)')
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, 'server.log')
    with open(log, 'wb') as lf:
        proc = subprocess.Popen([t.tcplensd, '--listen', '0.0.0.0:0', '--db',
                                 os.path.join(work, 't.db')], stdout=lf, stderr=lf)
    try:
        port = None
        for _ in range(100):
            m = s2proc_re.search(open(log, errors='replace').read())
            if m:
                port = int(m.group(2))
                break
            time.sleep(0.05)
        if not ok(port, 'server on 0.0.0.0 started'):
            return
        with open(t.seed, 'rb') as f:
            data = f.read()
        for host, want in (('127.0.0.1', 201), (addr, 403)):
            st, _, body, _ = raw(port, req('POST', '/api/v1/captures', body=data), dst=host)
            ok(st == want, 'upload from %s without --api-key: %s, expected %d'
               % (host, st, want))
        st, _, body, _ = raw(port, req('DELETE', '/api/v1/captures/1'), dst=addr)
        ok(st == 403 and err_code(body) == 'forbidden', 'DELETE from %s without --api-key: %s'
           % (addr, st))
        st, _, body, _ = raw(port, req('GET', '/api/v1/captures/1'), dst=addr)
        ok(st == 200, 'GET from %s: %s (the capture is still there)' % (addr, st))
    finally:
        proc.terminate()
        proc.wait(30)


def check_06_slow_clients(t):
    s = t.server('slow', ['--header-timeout', '2', '--max-per-ip', '16',
                          '--max-connections', '512'])
    p = s.port
    socks = []
    t0 = time.monotonic()
    for a in range(2, 7):  # five source addresses x 16 slow-header connections
        for i in range(16):
            try:
                so = socket.socket()
                so.bind(('127.0.0.%d' % a, 0))
                so.connect(('127.0.0.1', p))
                so.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n')
                socks.append(so)
            except OSError as e:
                note('slow connection %d.%d: %s' % (a, i, e))
    ok(len(socks) == 80, '80 slow-header connections opened: %d' % len(socks))
    served(s, '80 slow-header connections')
    r = t.upload(s, t.seed, 'during-slow')
    ok(r.status == 201, 'an upload during the slow headers: %d' % r.status)
    # drip a byte a second: the deadline, not the idle timeout, closes them
    closed_at = {}
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and len(closed_at) < len(socks):
        for k, so in enumerate(socks):
            if k in closed_at:
                continue
            try:
                so.sendall(b'X')
                so.setblocking(False)
                try:
                    if so.recv(1) == b'':
                        closed_at[k] = time.monotonic() - t0
                except BlockingIOError:
                    pass
                so.setblocking(True)
            except OSError:
                closed_at[k] = time.monotonic() - t0
        time.sleep(0.5)
    ok(len(closed_at) == len(socks), 'slow headers closed by --header-timeout 2: %d of %d '
       '(latest after %.1f s)' % (len(closed_at), len(socks), max(closed_at.values() or [0])))
    for so in socks:
        so.close()
    served(s, 'after the slow headers')
    s.ensure_stopped()
    # 300 idle connections at the defaults, spread over 20 addresses (per-address limit 16)
    s = t.server('idle300')
    socks = []
    for i in range(300):
        try:
            so = socket.socket()
            so.bind(('127.0.1.%d' % (1 + i // 15), 0))
            so.connect(('127.0.0.1', s.port))
            socks.append(so)
        except OSError as e:
            note('idle connection %d: %s' % (i, e))
            break
    ok(len(socks) == 300, '300 idle connections open: %d' % len(socks))
    served(s, '300 idle connections')
    r = t.upload(s, t.seed, 'during-idle')
    ok(r.status == 201, 'an upload during 300 idle connections: %d' % r.status)
    # per-address limit: the 17th connection from one address is refused, others are served
    extra = []
    refused = False
    for i in range(17):
        try:
            so = socket.socket()
            so.settimeout(3)
            so.bind(('127.0.2.1', 0))
            so.connect(('127.0.0.1', s.port))
            extra.append(so)
        except OSError:
            refused = True
    if extra:
        try:
            extra[-1].sendall(req('GET', '/healthz'))
            refused = refused or extra[-1].recv(100) == b''
        except OSError:
            refused = True
    ok(refused, '17 connections from one address: the 17th is refused (--max-per-ip 16)')
    for so in socks + extra:
        so.close()
    served(s, 'after the idle connections')
    s.ensure_stopped()
    # a slow body: cut by --min-body-rate, its temporary file removed
    s = t.server('slowbody', ['--min-body-rate', '16K'])
    so = socket.create_connection(('127.0.0.1', s.port))
    so.sendall(b'POST /api/v1/captures HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n')
    so.sendall(open(t.seed, 'rb').read()[:24])
    t0 = time.monotonic()
    tmp_seen = harness.wait_until(lambda: s.data_files('upload-'), 3)
    ok(tmp_seen, 'the slow body has a temporary file')
    closed = None
    while time.monotonic() - t0 < 20:
        try:
            so.sendall(b'\0' * 100)
            so.setblocking(False)
            try:
                if so.recv(100) == b'':
                    closed = time.monotonic() - t0
                    break
            except BlockingIOError:
                pass
            so.setblocking(True)
        except OSError:
            closed = time.monotonic() - t0
            break
        if int(time.monotonic() - t0) % 4 == 0:
            served(s, 'a slow body')
        time.sleep(1)
    so.close()
    ok(closed is not None and closed < 15, 'a 100 B/s body: closed after %s s' % (
        '%.1f' % closed if closed is not None else '>20'))
    ok(harness.wait_until(lambda: not s.data_files('upload-'), 5),
       'its temporary file removed: %s' % s.data_files('upload-'))
    ok(s.stop() == 0, 'exit status 0 after SIGTERM (slow body)')


def _slow_headers(port, addrs, per_addr, socks):
    """Open per_addr connections from each 127.x.y.z address in addrs, each sending only half
    of a request line and headers; appended to socks. Returns how many could not open."""
    failed = 0
    for a in addrs:
        for _ in range(per_addr):
            so = socket.socket()
            so.settimeout(2)
            try:
                so.bind((a, 0))
                so.connect(('127.0.0.1', port))
                so.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n')
                socks.append(so)
            except OSError:
                so.close()
                failed += 1
    return failed


def _still_open(socks):
    """How many of socks the server has not closed."""
    n = 0
    for so in socks:
        so.setblocking(False)
        try:
            if so.recv(1) != b'':
                n += 1
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def check_11_reserve(t):
    # 48 connections, 8 of them reserved; five addresses x 16 slow-header connections (80), in
    # two waves 2.5 s apart, and a header deadline too long to help
    s = t.server('reserve', ['--max-connections', '48', '--max-per-ip', '16',
                             '--reserve-connections', '8', '--header-timeout', '60'])
    socks = []
    addrs = ['127.0.0.%d' % a for a in range(2, 7)]
    failed = _slow_headers(s.port, addrs, 8, socks)
    time.sleep(2.5)
    failed += _slow_headers(s.port, addrs, 8, socks)
    ok(failed == 0, '80 slow-header connections from five addresses opened: %d failed' % failed)
    for i in range(4):
        served(s, '80 slow-header connections, 48 allowed, 8 reserved (%d)' % i)
        time.sleep(0.3)
    quick = []
    for i in range(20):
        t0 = time.monotonic()
        st, _, _, _ = raw(s.port, req('GET', '/api/v1/flows?limit=100'), timeout=3)
        quick.append((st, time.monotonic() - t0))
    ok(all(st == 200 and el < 2 for st, el in quick),
       '20 GET /api/v1/flows?limit=100 meanwhile: %s' % [(st, round(el, 2)) for st, el in quick])
    live = _still_open(socks)
    ok(live <= 40, 'slow connections still open: %d of 80 (at most 48 - 8)' % live)
    log = s.log_text()
    ok('connection reserve was needed' in log, 'the closures are logged')
    m = s.get('/metrics').text()
    ok('route="cut-reserve"' in m, 'and counted in /metrics (route="cut-reserve")')
    for so in socks:
        so.close()
    s.ensure_stopped()

    # the same attack without the reserve: what the reserve is for (not asserted)
    s = t.server('noreserve', ['--max-connections', '48', '--max-per-ip', '16',
                               '--reserve-connections', '0', '--header-timeout', '60'])
    socks = []
    _slow_headers(s.port, addrs, 16, socks)
    t0 = time.monotonic()
    try:
        st = s.get('/healthz', timeout=2).status
    except Exception as e:
        st = repr(e)
    note('without the reserve (--reserve-connections 0), GET /healthz: %s after %.1f s'
         % (st, time.monotonic() - t0))
    for so in socks:
        so.close()
    s.ensure_stopped()

    # the defaults (512 connections, 16 per address, 64 reserved, header deadline 10 s):
    # 40 addresses x 16 = 640 slow-header connections, in two waves 2.5 s apart
    s = t.server('reserve512')
    socks = []
    addrs = ['127.0.3.%d' % a for a in range(1, 41)]
    t0 = time.monotonic()
    _slow_headers(s.port, addrs[:25], 16, socks)
    time.sleep(2.5)
    _slow_headers(s.port, addrs[25:], 16, socks)
    note('%d slow-header connections opened in %.1f s' % (len(socks), time.monotonic() - t0))
    for i in range(3):
        served(s, '640 slow-header connections from 40 addresses at the defaults (%d)' % i)
        time.sleep(0.3)
    live = _still_open(socks)
    ok(live <= 448, 'slow connections still open: %d of %d (at most 512 - 64)'
       % (live, len(socks)))
    for so in socks:
        so.close()
    served(s, 'after the slow connections')
    s.ensure_stopped()


def check_12_jobs(t):
    # one ingest thread kept waiting by a database locked by another process: every job stays
    # live (queued or running); the table holds 256
    s = t.server('jobs', ['--ingest-threads', '1', '--ingest-queue', '1000',
                          '--busy-wait', '120'])
    name = 'say "hi" \\ back \u4e2d'
    r = t.upload(s, t.seed, name, headers={'Prefer': 'respond-async'})
    ok(r.status == 202, 'a background job: %d' % r.status)
    try:
        doc = strict_json(r.body)
    except Exception as e:
        doc = {}
        ok(False, 'the 202 is strict JSON: %r %r' % (e, r.body[:200]))
    ok(doc.get('name') == name and doc.get('state') == 'queued' and
       r.header('Location') == '/api/v1/jobs/%s' % doc.get('id'),
       'the 202 names the job and its place: %r %r' % (doc, r.header('Location')))
    if doc.get('id'):
        got = s.get_json('/api/v1/jobs/%d' % doc['id'])
        ok(sorted(got) == sorted(doc) and got['name'] == name and
           got['created_at'] == doc['created_at'],
           'the 202 and GET /api/v1/jobs/{id} agree: %r vs %r' % (doc, got))
    ok(harness.wait_until(lambda: s.db_scalar("SELECT count(*) FROM jobs WHERE state = 'done'",
                                              jobs=True) == 1, 60), 'the first job is done')
    con = sqlite3.connect(s.db, timeout=1, isolation_level=None)
    con.execute('BEGIN IMMEDIATE')
    try:
        sts = []
        last = None
        with open(t.seed, 'rb') as f:
            data = f.read()
        for i in range(260):  # 1 done, then 256 live: the 257th live one finds no slot
            r = s.request('POST', '/api/v1/captures?duplicate=keep&name=job-%d' % i, body=data,
                          headers={'Prefer': 'respond-async'}, timeout=30)
            sts.append(r.status)
            if r.status == 202:
                last = r.json()['id']
            else:
                break
        ok(sts.count(202) == 256 and sts[-1] == 503,
           'jobs while every slot is live: %d answered 202, then %s' % (sts.count(202), sts[-1]))
        if sts[-1] == 503:
            ok(r.json()['error']['code'] == 'overloaded' and r.header('Retry-After'),
               'the 257th: 503 overloaded with Retry-After: %s' % r.text()[:200])
        rows = s.db_scalar('SELECT count(*) FROM jobs', jobs=True)
        ok(rows == 257, 'rows in the jobs table: %s (1 done + 256 live, none for the 503)' % rows)
        if last:
            r = s.get('/api/v1/jobs/%d' % (last + 1))
            ok(r.status == 404, 'no job %d: %d' % (last + 1, r.status))
        served(s, '256 live jobs')
    finally:
        con.execute('ROLLBACK')
        con.close()
    ok(s.stop() == 0, 'exit status 0 after SIGTERM (jobs)')


def _latencies(s, path, stop, out):
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            r = s.get(path, timeout=10)
            out.append((time.monotonic() - t0, r.status))
        except Exception:
            out.append((99.0, 0))
        time.sleep(0.02)


def check_07_ingest(t):
    big = t.capture('big.pcap', '-p', '150000', '-c', '8000', '-w', '500', '-s', '7')
    small = t.seed
    # synchronous ingest (--async-above 0): the big uploads hold their connections until stored
    s = t.server('ingest', ['--ingest-threads', '2', '--ingest-queue', '64', '--async-above', '0'])
    stop = threading.Event()
    lat = {'/healthz': [], '/api/v1/flows?limit=10': [], '/metrics': []}
    pollers = [threading.Thread(target=_latencies, args=(s, k, stop, v)) for k, v in lat.items()]
    results = []
    full = []

    def up(path, name):
        t0 = time.monotonic()
        try:
            r = t.upload(s, path, name, timeout=300)
            results.append((name, r.status, time.monotonic() - t0))
            full.append((name, r.status, r))
        except Exception as e:
            results.append((name, repr(e), time.monotonic() - t0))

    ups = [threading.Thread(target=up, args=(big, 'big-%d' % i)) for i in range(4)]
    ups += [threading.Thread(target=up, args=(small, 'small-%d' % i)) for i in range(4)]
    for th in pollers + ups:
        th.start()
    for th in ups:
        th.join(400)
    stop.set()
    for th in pollers:
        th.join(20)
    ok(all(st == 201 for _, st, _ in results) and len(results) == 8,
       'uploads: %s' % [(n, st, round(el, 1)) for n, st, el in results])
    for k, v in lat.items():
        ts = sorted(x for x, _ in v)
        if not ts:
            ok(False, '%s: no answers' % k)
            continue
        p99 = ts[min(len(ts) - 1, int(len(ts) * 0.99))]
        ok(all(st == 200 for _, st in v) and p99 < 1.0,
           '%s while 4 big + 4 small uploads ingest: %d answers, p99 %.3f s, max %.3f s'
           % (k, len(ts), p99, ts[-1]))
        note('%s: %d answers, p99 %.1f ms, max %.1f ms' % (k, len(ts), p99 * 1000, ts[-1] * 1000))
    ok(s.stop() == 0, 'exit status 0 after SIGTERM (ingest)')

    # a full queue: 503 + Retry-After at once
    s = t.server('queue', ['--ingest-threads', '1', '--ingest-queue', '1', '--async-above', '0'])
    results.clear()
    full.clear()
    ups = [threading.Thread(target=up, args=(big, 'q-%d' % i)) for i in range(5)]
    for th in ups:
        th.start()
        time.sleep(0.3)
    for th in ups:
        th.join(400)
    sts = [st for _, st, _ in results]
    ok(503 in sts and 201 in sts, 'ingest queue of 1, five big uploads: %s' % sts)
    busy = [r for n, st, r in full if st == 503]
    ok(busy and all(r.header('Retry-After') and r.json()['error']['code'] == 'overloaded'
                    for r in busy),
       'a full queue: 503 with Retry-After: %s' % [(r.status, r.header('Retry-After'))
                                                  for r in busy])
    s.ensure_stopped()

    # a database locked by another process
    s = t.server('locked', ['--busy-wait', '2'])
    r = t.upload(s, small, 'before')
    ok(r.status == 201, 'upload before the lock: %d' % r.status)
    con = sqlite3.connect(s.db, timeout=1, isolation_level=None)
    con.execute('BEGIN IMMEDIATE')
    try:
        for path in ('/healthz', '/api/v1/captures', '/api/v1/flows', '/metrics'):
            t0 = time.monotonic()
            r = s.get(path, timeout=10)
            el = time.monotonic() - t0
            ok(r.status == 200 and el < 0.5, 'GET %s while another process holds the write lock: '
               '%d in %.3f s' % (path, r.status, el))
        t0 = time.monotonic()
        r = t.upload(s, small, 'locked')
        el = time.monotonic() - t0
        ok(r.status == 503 and r.header('Retry-After') and el < 6,
           'upload while locked: %d Retry-After %r after %.1f s (--busy-wait 2)'
           % (r.status, r.header('Retry-After'), el))
        t0 = time.monotonic()
        r = s.request('DELETE', '/api/v1/captures/1')
        el = time.monotonic() - t0
        ok(r.status == 503 and r.header('Retry-After') and el < 5,
           'DELETE while locked: %d after %.1f s' % (r.status, el))
        served(s, 'a locked database')
    finally:
        con.execute('ROLLBACK')
        con.close()
    r = t.upload(s, small, 'after')
    ok(r.status == 201, 'upload after the lock: %d' % r.status)
    s.ensure_stopped()


def check_08_concurrent_32(t):
    files = [t.capture('c32-%d.pcap' % i, '-p', '3000', '-c', '200', '-w', '50', '-s',
                       str(500 + i)) for i in range(32)]
    tcplens = os.path.join(os.path.dirname(t.tcplensd), 'tcplens')
    want = {}
    for p in files:
        out = subprocess.run([tcplens, 'decode', '--no-timeline', p], capture_output=True,
                             timeout=120)
        want[p] = len(json.loads(out.stdout)['flows'])
    s = t.server('c32', ['--max-per-ip', '64', '--ingest-queue', '64', '--uploads-per-ip', '32'])
    results = [None] * 32
    barrier = threading.Barrier(32)

    def up(i):
        try:
            barrier.wait(20)
            results[i] = t.upload(s, files[i], 'c32-%d' % i, timeout=300)
        except Exception as e:
            results[i] = e
    ths = [threading.Thread(target=up, args=(i,)) for i in range(32)]
    t0 = time.monotonic()
    for th in ths:
        th.start()
    served(s, '32 concurrent uploads')
    for th in ths:
        th.join(400)
    note('32 uploads in %.1f s' % (time.monotonic() - t0))
    bad = [(i, getattr(r, 'status', r)) for i, r in enumerate(results)
           if not (isinstance(r, harness.Response) and r.status == 201)]
    ok(not bad, '32 concurrent uploads: failed %s' % bad[:5])
    wrong = []
    for i, r in enumerate(results):
        if isinstance(r, harness.Response) and r.status == 201:
            cap = r.json()['capture']
            got = s.get_json('/api/v1/captures/%d' % cap['id'])['capture']['flows']
            n = 0
            cursor = None
            while True:
                q = '/api/v1/flows?limit=1000&capture=%d' % cap['id'] + (
                    '&cursor=%s' % cursor if cursor else '')
                page = s.get_json(q)
                n += len(page['flows'])
                cursor = page['next_cursor']
                if not cursor:
                    break
            if got != want[files[i]] or n != want[files[i]] or cap['name'] != 'c32-%d' % i:
                wrong.append((i, cap['name'], got, n, want[files[i]]))
    ok(not wrong, 'flow counts (capture, listed) vs tcplens decode: %s' % wrong[:5])
    s.ensure_stopped()


def check_09_disk(t):
    d = os.path.join(t.tmp, 'disk')
    os.makedirs(d)
    probe = subprocess.run(['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$0"',
                            d], capture_output=True, text=True, timeout=20)
    if probe.returncode != 0:
        note('SKIPPED: unshare -m / mount tmpfs not permitted here (%s)'
             % (probe.stderr.strip() or probe.returncode))
        return
    wrapper = os.path.join(t.tmp, 'in-tmpfs.sh')
    with open(wrapper, 'w') as f:
        f.write('#!/bin/sh\n'
                'mnt="$TL_MNT"\n'
                'exec unshare -m sh -c \'mount -t tmpfs -o size=3m tmpfs "$0" || exit 97; '
                'mkdir -p "$0/data"; exec "$@"\' "$mnt" "$TL_BIN" "$@"\n')
    os.chmod(wrapper, 0o755)
    work = os.path.join(t.tmp, 'diskwork')
    mnt = os.path.join(work, 'mnt')
    os.makedirs(mnt)
    s = harness.Server(wrapper, work, ['--db', os.path.join(mnt, 't.db'), '--data-dir',
                                      os.path.join(mnt, 'data')],
                       env={'TL_MNT': mnt, 'TL_BIN': t.tcplensd}, name='tcplensd-tmpfs')
    t.servers.append(s)
    s.start()
    r = t.upload(s, t.seed, 'fits')
    ok(r.status == 201, 'a small upload on the 3 MiB tmpfs: %d' % r.status)
    h = s.get('/healthz')
    ok(h.status == 200 and h.json().get('status') == 'ok', '/healthz before: %s' % h.text())
    big = t.capture('disk-big.pcap', '-p', '60000', '-c', '2000', '-w', '200', '-s', '3')
    r = t.upload(s, big, 'too-big-for-the-disk')
    ok(r.status == 507 and r.json()['error']['code'] == 'insufficient_storage',
       'an upload larger than the free space: %d %s' % (r.status, r.text()[:200]))
    h = s.get('/healthz')
    ok(h.status == 200 and h.json().get('status') == 'degraded' and h.json().get('reason'),
       '/healthz while writes fail: %d %s' % (h.status, h.text()))
    served(s, 'a full disk')
    ok('no space left' in s.log_text().lower() or 'insufficient' in s.log_text().lower()
       or 'full' in s.log_text().lower(), 'the disk-full cause is logged')
    r = s.get('/api/v1/captures')
    ok(r.status == 200 and len(r.json()['captures']) == 1, 'reads while the disk is full: %d'
       % r.status)
    # read-only: a read-only bind mount over the data directory, inside the server's namespace
    data = os.path.join(mnt, 'data')
    rc = subprocess.run(['nsenter', '-t', str(s.proc.pid), '-m', 'sh', '-c',
                         'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0"', data],
                        capture_output=True, text=True, timeout=20)
    if rc.returncode != 0:
        note('SKIPPED read-only part: nsenter/remount failed: %s' % rc.stderr.strip())
    else:
        r = t.upload(s, t.seed, 'ro')
        ok(r.status == 503 and r.header('Retry-After'), 'upload on a read-only disk: %d %s'
           % (r.status, r.text()[:200]))
        h = s.get('/healthz')
        ok(h.json().get('status') == 'degraded', '/healthz read-only: %s' % h.text())
        served(s, 'a read-only disk')
    s.ensure_stopped()


def _held_upload(port, src, size):
    """An upload from src whose headers and first byte are sent and whose body is then held."""
    so = socket.socket()
    so.settimeout(10)
    so.bind((src, 0))
    so.connect(('127.0.0.1', port))
    so.sendall(('POST /api/v1/captures?name=held HTTP/1.1\r\nHost: x\r\n'
                'Content-Length: %d\r\n\r\n' % size).encode() + b'\xd4')
    return so


def _finish(so, rest):
    so.sendall(rest)
    buf = b''
    while True:
        st, hd, body = _parse(buf)
        if st and 'content-length' in hd and len(body) >= int(hd['content-length']):
            return st, hd, body
        d = so.recv(65536)
        if not d:
            return _parse(buf)
        buf += d


def check_13_uploads_per_address(t):
    """--uploads-per-ip: an address sending as many uploads as it may gets a 429 for the next
    one (read and dropped first, so the client reads the answer), other addresses and reads are
    served meanwhile, and a slot comes back when an upload is answered."""
    s = t.server('perip', ['--uploads-per-ip', '2'])
    with open(t.seed, 'rb') as f:
        cap = f.read()
    held = [_held_upload(s.port, '127.0.0.2', len(cap)) for _ in range(2)]
    time.sleep(0.3)  # both bodies have started: their slots are taken
    st, hd, body, _ = raw(s.port, req('POST', '/api/v1/captures?name=third', body=cap),
                          src='127.0.0.2')
    ok(st == 429 and err_code(body) == 'too_many_uploads' and hd.get('retry-after'),
       'a third upload from 127.0.0.2 while two are sent: %s %s Retry-After %s'
       % (st, err_code(body), hd.get('retry-after')))
    ok(b'127.0.0.2' in body and b'2 uploads' in body,
       'the 429 says which address and how many: %r' % body[:200])
    st, _, _, _ = raw(s.port, req('POST', '/api/v1/captures?name=other', body=cap),
                      src='127.0.0.3')
    ok(st == 201, 'an upload from 127.0.0.3 meanwhile: %s' % st)
    served(s, 'two uploads held from one address')
    st, _, _, _ = raw(s.port, req('POST', '/api/v1/captures?name=big', body=b'\0' * (1 << 20)),
                      src='127.0.0.2', timeout=15)
    ok(st == 429, 'a 1 MiB body from 127.0.0.2 is read, dropped and answered 429: %s' % st)
    st, _, body = _finish(held[0], cap[1:])
    ok(st == 201, 'the first held upload, finished: %s %r' % (st, body[:120]))
    held[0].close()
    for _ in range(20):  # the slot is given back once the answer has gone out
        st, _, body, _ = raw(s.port, req('POST', '/api/v1/captures?name=after', body=cap),
                             src='127.0.0.2')
        if st != 429:
            break
        time.sleep(0.1)
    ok(st == 201, 'once one is answered, the address may upload again: %s %r' % (st, body[:120]))
    held[1].close()  # a client that goes away gives its slot back as well
    time.sleep(0.3)
    st2 = [raw(s.port, req('POST', '/api/v1/captures?name=n%d' % i, body=cap),
               src='127.0.0.2')[0] for i in range(3)]
    ok(st2 == [201, 201, 201], 'after the client went away, uploads one at a time: %s' % st2)
    s.ensure_stopped()


def check_10_openapi_vs_table(t):
    """Every operation of schema/openapi.yaml takes exactly its declared query parameters:
    an undeclared one is a 400 unknown_parameter whose `allowed` is the declared set, and no
    declared one is called unknown."""
    try:
        import yaml
    except ImportError:
        note('SKIPPED: PyYAML missing')
        return
    spec = yaml.safe_load(open(os.path.join(t.repo, 'schema', 'openapi.yaml'), encoding='utf-8'))
    comp = spec.get('components', {}).get('parameters', {})
    s = t.server('table')
    r = t.upload(s, t.seed, 'seed')
    ok(r.status == 201, 'upload: %d' % r.status)
    for path, item in spec['paths'].items():
        for method, op in item.items():
            if method not in ('get', 'post', 'put', 'delete') or path in ('/', '/index.html'):
                continue
            params = []
            for prm in item.get('parameters', []) + op.get('parameters', []):
                if '$ref' in prm:
                    prm = comp[prm['$ref'].split('/')[-1]]
                params.append(prm)
            declared = sorted(p['name'] for p in params if p['in'] == 'query')
            url = path.replace('{id}', '1').replace('{name}', 'no-such-example')
            m = method.upper()
            st, _, body, _ = raw(s.port, req(m, url + '?zzz_undeclared=1'))
            e = {}
            try:
                e = strict_json(body).get('error', {})
            except ValueError:
                pass
            ok(st == 400 and e.get('code') == 'unknown_parameter'
               and sorted(e.get('allowed') or []) == declared,
               '%s %s?zzz_undeclared=1: %s %s, allowed %s vs openapi %s'
               % (m, path, st, e.get('code'), sorted(e.get('allowed') or []), declared))
            for name in declared:
                st, _, body, _ = raw(s.port, req(m, url + '?%s=%%21bogus' % name))
                ok(err_code(body) != 'unknown_parameter',
                   '%s %s?%s=: the server calls a declared parameter unknown' % (m, path, name))
    s.ensure_stopped()


CHECKS_LIST = [check_01_strict_http, check_02_parameters, check_03_utf8, check_04_multipart,
               check_05_keys, check_06_slow_clients, check_07_ingest, check_08_concurrent_32,
               check_09_disk, check_10_openapi_vs_table, check_11_reserve, check_12_jobs,
               check_13_uploads_per_address]


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    tcplensd, gen, repo = (os.path.abspath(a) for a in argv[1:4])
    only = argv[4:]
    tmp = tempfile.mkdtemp(prefix='tl-hostile-')
    t = Ctx(tcplensd, gen, repo, tmp)
    try:
        for fn in CHECKS_LIST:
            if only and not any(o in fn.__name__ for o in only):
                continue
            before = len(FAILS)
            t0 = time.monotonic()
            print('%s' % fn.__name__, flush=True)
            try:
                fn(t)
            except Exception:
                FAILS.append('%s raised:\n%s' % (fn.__name__, traceback.format_exc()))
                print(FAILS[-1], flush=True)
            print('  %s (%.1f s)' % ('ok' if len(FAILS) == before else 'FAIL',
                                     time.monotonic() - t0), flush=True)
    finally:
        for s in t.servers:
            try:
                s.ensure_stopped()
            except Exception:
                pass
        if not FAILS:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print('work directory kept: %s' % tmp)
    print('%d checks, %d failed' % (CHECKS[0], len(FAILS)))
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
