#!/usr/bin/env python3
"""Integration tests of tcplensd against real servers (docs/api.md, SPEC §5-§6).

usage: test_api.py TCPLENSD TCPLENS REPO_ROOT

TCPLENSD is the server binary, TCPLENS the CLI decoder (the independent reference for what the
server must answer); REPO_ROOT the source tree (tests/golden/seed_telnet/capture.pcap and
examples/*.pcap are used). tl_gen_capture is looked for beside TCPLENSD, or named by
$TL_GEN_CAPTURE (it generates the large captures). Needs python3, curl, tshark and openssl.

Every server runs on 127.0.0.1 with a free port, in a temporary directory that is removed at
the end (set TCPLENS_TEST_KEEP=1 to keep it). One line per check; exits 1 when any failed.
TCPLENS_TEST_ONLY="2 9" runs only those checks (after the common setup).
"""

import datetime
import glob
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Server, curl, CurlJob, multipart, wait_until  # noqa: E402

CJK = re.compile('[\u4e00-\u9fff]')
SVG_NS = '{http://www.w3.org/2000/svg}'
PCAP_MAGICS = (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
SPEC4_CAPTURE_KEYS = ('format', 'link_types', 'packets', 'tcp_packets', 'non_tcp', 'malformed',
                      'anomalies', 'truncated', 'first_ts', 'last_ts', 'flows', 'warnings')
HANDSHAKES = ('complete', 'simultaneous-open', 'no-reply', 'rejected', 'no-final-ack',
              'not-seen')
TEARDOWNS = ('four-way', 'three-segment', 'simultaneous-close', 'reset', 'half-closed', 'open')
CONN_STATES = ('S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH',
               'SHR', 'OTH')
SQL_NAME = "x'); DROP TABLE flows;--"
API_KEY = 's3cret-Key_42'
CORS_ORIGIN = 'http://example.test'
MAX_PAGES = 400  # bound on any paging loop
TSHARK_FIELDS = ('frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport',
                 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags', 'tcp.len')


# ----------------------------------------------------------------------------------- report

class Check:
    def __init__(self, num, title):
        self.num, self.title = num, title
        self.failures = []
        self.notes = []
        self.count = 0

    def ok(self, cond, msg):
        self.count += 1
        if not cond:
            self.failures.append(msg)
        return bool(cond)

    def eq(self, got, want, what):
        return self.ok(got == want, '%s: got %s, expected %s' % (what, _short(got), _short(want)))

    def note(self, msg):
        self.notes.append(msg)


def _short(v, n=300):
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= n else s[:n] + '...'


def expect_error(c, r, status, code=None, parameter=None, what=''):
    """r: harness.Response or CurlResult. The status and the JSON error body."""
    what = what or '%s %s' % (getattr(r, 'method', ''), getattr(r, 'url', ''))
    if not c.ok(r.status == status, '%s: status %d, expected %d (body %s)'
                % (what, r.status, status, _short(r.text(), 200))):
        return False
    good = c.ok(r.content_type == 'application/json',
                '%s: Content-Type %r, expected application/json'
                % (what, r.header('Content-Type')))
    try:
        err = r.json()['error']
    except Exception:
        c.ok(False, '%s: body is not {"error": {...}}: %s' % (what, _short(r.text(), 200)))
        return False
    good &= c.ok(isinstance(err.get('message'), str) and err['message'] != '',
                 '%s: error.message missing or empty' % what)
    if code is not None:
        good &= c.eq(err.get('code'), code, '%s: error.code' % what)
    if parameter is not None:
        good &= c.eq(err.get('parameter'), parameter, '%s: error.parameter' % what)
    return good


# -------------------------------------------------------------------------- captures by hand

def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def _frame(src, dst, sport, dport, seq, ack, flags, payload, ident):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      5 << 4, flags, 64240, 0, 0) + payload
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack('!BBH', 0, 6, len(tcp))
    else:
        pseudo = s.packed + d.packed + struct.pack('!I3xB', len(tcp), 6)
    tcp = tcp[:16] + struct.pack('!H', _csum(pseudo + tcp)) + tcp[18:]
    if s.version == 4:
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), ident, 0x4000, 64, 6, 0,
                         s.packed, d.packed)
        ip = ip[:10] + struct.pack('!H', _csum(ip)) + ip[12:]
        etype = 0x0800
    else:
        ip = struct.pack('!IHBB16s16s', 6 << 28, len(tcp), 6, 64, s.packed, d.packed)
        etype = 0x86dd
    return b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + struct.pack('!H', etype) + ip + tcp


class _Conn:
    def __init__(self, out, client, server, cport, sport, t0, isn_c, isn_s):
        self.out, self.c, self.s, self.cp, self.sp = out, client, server, cport, sport
        self.t = t0
        self.next = {'c2s': isn_c, 's2c': isn_s}
        self.ident = 1

    def pkt(self, d, flags, payload=b'', dt=0.0015):
        self.t += dt
        other = 's2c' if d == 'c2s' else 'c2s'
        seq = self.next[d]
        ack = self.next[other] if flags & ACK else 0
        src, dst, sp, dp = ((self.c, self.s, self.cp, self.sp) if d == 'c2s'
                            else (self.s, self.c, self.sp, self.cp))
        self.out.append((self.t, _frame(src, dst, sp, dp, seq, ack, flags, payload,
                                        self.ident)))
        self.ident += 1
        self.next[d] = seq + len(payload) + (1 if flags & (SYN | FIN) else 0)

    def handshake(self):
        self.pkt('c2s', SYN)
        self.pkt('s2c', SYN | ACK)
        self.pkt('c2s', ACK)


def _epoch(s):
    return parse_ts(s).timestamp()


def craft_capture(path):
    """A capture of 7 connections with IPv4 and IPv6 addresses in distinct prefixes."""
    pk = []
    c = _Conn(pk, '192.0.2.77', '198.51.100.200', 5555, 40000,
              _epoch('2018-05-05T05:05:05Z'), 1000, 900000)
    c.handshake()
    c.pkt('c2s', PSH | ACK, b'hello')
    c.pkt('s2c', ACK)
    c.pkt('c2s', FIN | ACK)
    c.pkt('s2c', ACK)
    c.pkt('s2c', FIN | ACK)
    c.pkt('c2s', ACK)
    c = _Conn(pk, '2001:db8:1::10', '2001:db8:2::20', 50000, 443,
              _epoch('2019-03-01T08:00:00Z'), 77777, 1234567)
    c.handshake()
    c.pkt('c2s', PSH | ACK, b'q' * 100)
    c.pkt('s2c', ACK)
    c.pkt('s2c', PSH | ACK, b'r' * 200)
    c.pkt('c2s', ACK)
    c.pkt('c2s', FIN | ACK)
    c.pkt('s2c', ACK)
    c.pkt('s2c', FIN | ACK)
    c.pkt('c2s', ACK)
    c = _Conn(pk, '2001:db8:1::11', 'fd00:abcd::5', 50001, 22,
              _epoch('2019-03-02T00:00:00Z'), 5, 0)
    c.pkt('c2s', SYN)
    c.next['c2s'] -= 1
    c.pkt('c2s', SYN, dt=1.0)
    c = _Conn(pk, '2001:db8:ffff::1', '2001:db8:1::10', 50002, 8443,
              _epoch('2020-01-01T00:00:00Z'), 4242, 0)
    c.pkt('c2s', SYN)
    c.pkt('s2c', RST | ACK)
    c = _Conn(pk, '198.51.100.7', '203.0.113.9', 33000, 25,
              _epoch('2021-06-15T12:00:00.5Z'), 3000000, 6000000)
    c.handshake()
    c.pkt('c2s', PSH | ACK, b'EHLO x\r\n')
    c.pkt('s2c', ACK)
    c.pkt('c2s', RST | ACK)
    c = _Conn(pk, '203.0.113.200', '198.51.100.7', 33001, 993,
              _epoch('2021-06-15T12:00:01Z'), 10, 20)
    c.handshake()
    c.pkt('c2s', FIN | ACK)
    c.pkt('s2c', FIN | ACK)
    c.pkt('c2s', ACK)
    c = _Conn(pk, '2001:db8:2::20', '2001:db8:1::10', 40000, 80,
              _epoch('2022-02-02T02:02:02.020202Z'), 99, 199)
    c.handshake()
    pk.sort(key=lambda p: p[0])
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, frame in pk:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack('<IIII', sec, usec, len(frame), len(frame)) + frame)


# ----------------------------------------------------------------------------- references

def parse_ts(s):
    s = s.strip()
    if s[-1:] in 'zZ':
        s = s[:-1] + '+00:00'
    s = s.replace('t', 'T')
    m = re.match(r'^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$', s)
    if m and m.group(2):  # fromisoformat wants 3 or 6 digits before Python 3.11
        frac = (m.group(2)[1:] + '000000')[:6]
        s = m.group(1) + '.' + frac + m.group(3)
    return datetime.datetime.fromisoformat(s)


def run(cmd, timeout=120):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), p.returncode,
                                                p.stderr.decode('utf-8', 'replace')[-500:]))
    return p.stdout


class Tools:
    def __init__(self, tcplens, tmp):
        self.tcplens = tcplens
        self.tmp = tmp
        self._decode = {}
        self._tshark = {}

    def decode(self, path, timeline=False, lang='en', checksums=None, fields=False):
        """tcplens decode's document; each packet's `fields` only with fields=True, as the API
        gives them only with ?fields=true."""
        key = (path, timeline, lang, checksums, fields)
        if key not in self._decode:
            cmd = [self.tcplens, 'decode']
            if not timeline:
                cmd.append('--no-timeline')
            if lang != 'en':
                cmd += ['--lang', lang]
            if checksums:
                cmd += ['--checksums', checksums]
            doc = json.loads(run(cmd + [path]).decode('utf-8'))
            if not fields:
                for f in doc['flows']:
                    for p in f.get('timeline', []):
                        p.pop('fields', None)
            self._decode[key] = doc
        return self._decode[key]

    def tshark_rows(self, path):
        """{frame number: (fields...)} for every frame, by tshark."""
        if path not in self._tshark:
            cmd = ['tshark', '-n', '-r', path, '-T', 'fields', '-E', 'separator=\t',
                   '-E', 'occurrence=f', '-e', 'frame.number']
            for f in TSHARK_FIELDS:
                cmd += ['-e', f]
            rows = {}
            for line in run(cmd).decode('utf-8').splitlines():
                parts = line.split('\t')
                rows[int(parts[0])] = tuple(parts[1:])
            self._tshark[path] = rows
        return self._tshark[path]

    def tshark_count(self, path):
        return len(self.tshark_rows(path))


class Model:
    """What the main server should hold: capture id -> file, name, decode, flow ids."""

    def __init__(self, tools):
        self.tools = tools
        self.caps = {}

    def add(self, c, cid, path, name, flows_page):
        doc = self.tools.decode(path)
        flows = sorted(flows_page, key=lambda f: f.get('index', -1))
        good = c.eq(len(flows), len(doc['flows']), 'flows of capture %d (%s) in the upload '
                    'answer vs tcplens decode' % (cid, os.path.basename(path)))
        for got, want in zip(flows, doc['flows']):
            good &= c.ok(got.get('capture') == cid and got.get('index') == want['index']
                         and got.get('client') == want['client']
                         and got.get('server') == want['server'],
                         'capture %d flow %s: %s/%s/%s, expected index %s %s -> %s'
                         % (cid, got.get('id'), got.get('index'), got.get('client'),
                            got.get('server'), want['index'], want['client'],
                            want['server']))
        self.caps[cid] = {'path': path, 'name': name, 'doc': doc,
                          'fids': [f['id'] for f in flows]}
        return good

    def remove(self, cid):
        self.caps.pop(cid, None)

    def flows(self):
        """[(flow id, capture id, decoded flow)]"""
        out = []
        for cid, cap in self.caps.items():
            for fid, fl in zip(cap['fids'], cap['doc']['flows']):
                out.append((fid, cid, fl))
        return sorted(out, key=lambda x: x[0])

    def cid_of(self, path):
        return [cid for cid, cap in self.caps.items() if cap['path'] == path]


def _in(ip, spec):
    return ipaddress.ip_address(ip) in ipaddress.ip_network(spec, strict=False)


def matches(fl, cid, params):
    for k, v in params.items():
        if k == 'host' and not (_in(fl['client']['ip'], v) or _in(fl['server']['ip'], v)):
            return False
        if k in ('client', 'server') and not _in(fl[k]['ip'], v):
            return False
        if k == 'port' and int(v) not in (fl['client']['port'], fl['server']['port']):
            return False
        if k == 'client_port' and int(v) != fl['client']['port']:
            return False
        if k == 'server_port' and int(v) != fl['server']['port']:
            return False
        if k in ('handshake', 'teardown') and fl[k]['state'] != v:
            return False
        if k == 'conn_state' and fl['conn_state'] != v:
            return False
        if k == 'capture' and int(v) != cid:
            return False
        if k == 'since' and not parse_ts(fl['first_ts']) >= parse_ts(v):
            return False
        if k == 'until' and not parse_ts(fl['first_ts']) < parse_ts(v):
            return False
    return True


def qs(params):
    return urllib.parse.urlencode(params)


def page_all(c, srv, path, params, key, limit=None, what=None, headers=None):
    """Follows next_cursor until null. Returns (items, pages) or (None, pages) on error."""
    what = what or '%s?%s' % (path, qs(params))
    items, pages, cursor = [], 0, None
    while pages < MAX_PAGES:
        p = dict(params)
        if limit is not None:
            p['limit'] = limit
        if cursor is not None:
            p['cursor'] = cursor
        r = srv.get(path + ('?' + qs(p) if p else ''), headers=headers)
        pages += 1
        if not c.ok(r.status == 200, '%s (page %d): status %d %s'
                    % (what, pages, r.status, _short(r.text(), 200))):
            return None, pages
        d = r.json()
        if not c.ok(isinstance(d.get(key), list) and 'next_cursor' in d,
                    '%s: body lacks %r or next_cursor: %s' % (what, key, _short(d))):
            return None, pages
        if limit is not None:
            c.ok(len(d[key]) <= limit, '%s: page of %d items for limit %d'
                 % (what, len(d[key]), limit))
        items.extend(d[key])
        cursor = d['next_cursor']
        if cursor is None:
            return items, pages
        c.ok(isinstance(cursor, str) and cursor != '',
             '%s: next_cursor %r is not a non-empty string' % (what, cursor))
        if not d[key]:
            c.ok(False, '%s: empty page with a non-null next_cursor' % what)
            return items, pages
    c.ok(False, '%s: still a next_cursor after %d pages' % (what, MAX_PAGES))
    return None, pages


def flow_ids(c, srv, params, limit=1000, what=None):
    items, _ = page_all(c, srv, '/api/v1/flows', params, 'flows', limit, what)
    return None if items is None else [f['id'] for f in items]


# ---------------------------------------------------------------------------------- context

class T:
    """Everything the checks share."""

    def __init__(self, tcplensd, tcplens, repo, tmp):
        self.tcplensd, self.tcplens, self.repo, self.tmp = tcplensd, tcplens, repo, tmp
        self.gen = os.environ.get('TL_GEN_CAPTURE') or os.path.join(os.path.dirname(tcplensd),
                                                                    'tl_gen_capture')
        self.tools = Tools(tcplens, tmp)
        self.model = Model(self.tools)
        self.servers = []
        self.files = {}
        self.main = None

    def server(self, name, args=(), env=None, cafile=None, start=True, keep_duplicates=True):
        s = Server(self.tcplensd, os.path.join(self.tmp, name), args, env, cafile, name,
                   keep_duplicates=keep_duplicates)
        self.servers.append(s)
        if start:
            s.start()
        return s

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def gen_capture(self, name, *args):
        out = self.path('files', name)
        if not os.path.exists(out):
            run([self.gen] + list(args) + ['-o', out], timeout=120)
        return out

    def upload_raw(self, srv, path, name=None, headers=None, url_path='/api/v1/captures'):
        with open(path, 'rb') as f:
            body = f.read()
        q = '?' + qs({'name': name}) if name is not None else ''
        return srv.request('POST', url_path + q, body=body, headers=headers, timeout=30)

    def add_to_model(self, c, r, path, name):
        """Registers a 201 upload answer in the model; returns the capture id or None."""
        if not c.ok(r.status == 201, 'upload of %s: status %d %s'
                    % (os.path.basename(path), r.status, _short(r.text(), 200))):
            return None
        d = r.json()
        cid = d['capture']['id']
        self.model.add(c, cid, path, name, d['flows'])
        c.ok(d.get('next_cursor') is None, 'upload of %s: next_cursor %r with %d flows'
             % (path, d.get('next_cursor'), len(d['flows'])))
        return cid


# ------------------------------------------------------------------------------------ setup

def setup(t):
    os.makedirs(t.path('files'))
    f = t.files
    f['seed'] = os.path.join(t.repo, 'tests', 'golden', 'seed_telnet', 'capture.pcap')
    f['examples'] = sorted(glob.glob(os.path.join(t.repo, 'examples', '*.pcap')))
    if len(f['examples']) < 17:
        raise RuntimeError('expected 17 examples in examples/, found %d' % len(f['examples']))
    for p in [f['seed']] + f['examples']:
        if not os.path.isfile(p):
            raise RuntimeError('missing %s' % p)
    f['ex'] = {os.path.basename(p)[:-5]: p for p in f['examples']}
    f['seed_ng'] = t.path('files', 'capture.pcapng')
    run(['tshark', '-r', f['seed'], '-F', 'pcapng', '-w', f['seed_ng']])
    f['crafted'] = t.path('files', 'crafted.pcap')
    craft_capture(f['crafted'])
    f['gen_a'] = t.gen_capture('gen-a.pcap', '-p', '400', '-c', '60', '-w', '8', '-s', '11')
    f['gen_b'] = t.gen_capture('gen-b.pcap', '-p', '300', '-c', '40', '-w', '6', '-s', '23')
    f['small'] = t.gen_capture('small.pcap', '-p', '120', '-c', '12', '-s', '5')  # < 64 KiB
    f['mid'] = t.gen_capture('mid.pcap', '-p', '1500', '-c', '100', '-s', '6')  # > 64 KiB
    if os.path.getsize(f['small']) >= 65536 or os.path.getsize(f['mid']) <= 65536:
        raise RuntimeError('generated capture sizes are not around 64 KiB as planned')
    for p in (f['seed'], f['seed_ng'], f['crafted'], f['gen_a'], f['gen_b']):
        t.tools.decode(p)
    crafted = t.tools.decode(f['crafted'])
    if len(crafted['flows']) != 7:
        raise RuntimeError('the crafted capture decodes to %d flows, not 7'
                           % len(crafted['flows']))
    t.main = t.server('main')


# ----------------------------------------------------------------------------------- checks

def check_01_uploads(c, t):
    s, f = t.main, t.files
    url = s.url + '/api/v1/captures'
    seed = f['seed']
    cases = [
        ('curl -F file=@', ['-F', 'file=@' + seed, url], seed, 'capture.pcap', 'pcap'),
        ('curl -F file=@ -F name=', ['-F', 'file=@' + seed, '-F', 'name=my seed', url], seed,
         'my seed', 'pcap'),
        ('curl --data-binary ?name=', ['--data-binary', '@' + seed, url + '?name=raw-seed'],
         seed, 'raw-seed', 'pcap'),
        ('curl --data-binary, Content-Type: application/json',
         ['--data-binary', '@' + seed, '-H', 'Content-Type: application/json',
          url + '?name=' + urllib.parse.quote('any type')], seed, 'any type', 'pcap'),
        ('curl -T .../captures/', ['-T', seed, url + '/'], seed, 'capture.pcap', 'pcap'),
        ('curl -F file=@x.pcapng', ['-F', 'file=@' + f['seed_ng'], url], f['seed_ng'],
         'capture.pcapng', 'pcapng'),
    ]
    for what, args, path, name, fmt in cases:
        r = curl(args)
        if not c.ok(r.status == 201, '%s: status %d (curl rc %d) %s'
                    % (what, r.status, r.rc, _short(r.text(), 200))):
            continue
        try:
            d = r.json()
        except ValueError:
            c.ok(False, '%s: body is not JSON' % what)
            continue
        if not c.eq(sorted(d), ['capture', 'flows', 'next_cursor'], '%s: body keys' % what):
            continue
        cap = d['capture']
        loc = r.header('location') or ''
        m = re.match(r'^/api/v1/captures/(\d+)$', loc)
        c.ok(m and int(m.group(1)) == cap.get('id'),
             '%s: Location %r does not name capture %s' % (what, loc, cap.get('id')))
        c.eq(cap.get('name'), name, '%s: capture.name' % what)
        c.eq(cap.get('format'), fmt, '%s: capture.format' % what)
        c.eq(cap.get('size_bytes'), os.path.getsize(path), '%s: capture.size_bytes' % what)
        c.eq(cap.get('packets'), t.tools.tshark_count(path),
             '%s: capture.packets vs tshark' % what)
        ref = t.tools.decode(path)['capture']
        for k in SPEC4_CAPTURE_KEYS:
            c.eq(cap.get(k), ref[k], '%s: capture.%s vs tcplens decode' % (what, k))
        ua = cap.get('uploaded_at') or ''
        try:
            age = (datetime.datetime.now(datetime.timezone.utc) - parse_ts(ua)).total_seconds()
            c.ok(ua.endswith('Z') and -5 < age < 600,
                 '%s: uploaded_at %r is not a recent RFC 3339 UTC time' % (what, ua))
        except ValueError:
            c.ok(False, '%s: uploaded_at %r is not RFC 3339' % (what, ua))
        c.eq(r.content_type, 'application/json', '%s: Content-Type' % what)
        cid = t.add_to_model(c, harness.Response('POST', url, r.status, '', {}, r.body), path,
                             name)
        if m:
            g = s.get(loc)
            c.ok(g.status == 200 and g.json() == d,
                 '%s: GET Location differs from the upload answer' % what)
        if cid is not None:
            f.setdefault('seed_cids', []).append(cid)
    # the raw form with a Content-Type of multipart but a pcap body is a broken multipart:
    # see check 9. Here: a multipart upload by hand (our encoder) with the name part first.
    ct, body = multipart([('name', 'hand-made', None, None),
                          ('file', open(seed, 'rb').read(), 'x.pcap',
                           'application/vnd.tcpdump.pcap')])
    r = s.request('POST', '/api/v1/captures', body=body, headers={'Content-Type': ct})
    if c.ok(r.status == 201, 'multipart by hand: status %d %s' % (r.status, r.text()[:200])):
        c.eq(r.json()['capture']['name'], 'hand-made', 'multipart by hand: capture.name')
        t.add_to_model(c, r, seed, 'hand-made')


def check_02_queries(c, t):
    s, f = t.main, t.files
    dataset = f['examples'] + [f['crafted'], f['gen_a'], f['gen_b']]
    for p in dataset:
        t.add_to_model(c, t.upload_raw(s, p, os.path.basename(p)), p, os.path.basename(p))
    if not t.model.caps:
        c.ok(False, 'nothing uploaded: no query can be checked')
        return
    allf = t.model.flows()
    cap_of = {os.path.basename(cap['path']): cid for cid, cap in t.model.caps.items()}
    seed_ts = t.tools.decode(f['seed'])['flows'][0]['first_ts']  # 2016-06-01T10:24:00.265744Z
    seed_plus8 = (parse_ts(seed_ts) + datetime.timedelta(hours=8)).strftime(
        '%Y-%m-%dT%H:%M:%S.%f+08:00')
    queries = [
        {'host': '192.168.3.10'}, {'host': '114.215.206.177'}, {'host': '10.0.0.2'},
        {'host': '198.51.100.7'}, {'host': '10.0.0.0/24'}, {'host': '192.0.2.0/24'},
        {'host': '10.0.0.0/8'}, {'host': '198.51.100.0/24'}, {'host': '0.0.0.0/0'},
        {'host': '192.168.3.0/30'}, {'host': '203.0.113.0/25'},
        {'host': 'fd00::1'}, {'host': 'fd00::2'}, {'host': '2001:db8:1::10'},
        {'host': 'fd00:0:0::1'}, {'host': '2001:DB8:1::10'},
        {'host': 'fd00::/8'}, {'host': '2001:db8::/32'}, {'host': '2001:db8:1::/48'},
        {'host': '2001:db8:ffff::/48'}, {'host': '::/0'}, {'host': 'fd00:abcd::/32'},
        {'host': '2001:db8:2::20/128'},
        {'client': '10.0.0.1'}, {'client': '2001:db8:1::/48'}, {'client': '192.0.2.0/24'},
        {'server': '10.0.0.2'}, {'server': '192.0.2.0/24'}, {'server': '2001:db8:1::10'},
        {'server': '198.51.100.0/24'},
        {'port': '8080'}, {'port': '5555'}, {'port': '443'}, {'port': '40000'},
        {'port': '22'}, {'port': '1'},
        {'client_port': '58544'}, {'client_port': '40000'}, {'client_port': '5555'},
        {'server_port': '8080'}, {'server_port': '443'}, {'server_port': '5555'},
        {'server_port': '40000'},
    ]
    queries += [{'handshake': v} for v in HANDSHAKES]
    queries += [{'teardown': v} for v in TEARDOWNS]
    queries += [{'conn_state': v} for v in CONN_STATES]
    for name in ('capture.pcap', 'crafted.pcap', 'gen-a.pcap', 'ipv6.pcap'):
        if name in cap_of:
            queries.append({'capture': str(cap_of[name])})
    queries += [
        {'capture': '999999'},
        {'since': '2024-01-01T00:00:00Z'}, {'until': '2020-01-01T00:00:00Z'},
        {'since': seed_ts}, {'until': seed_ts}, {'since': seed_plus8}, {'until': seed_plus8},
        {'since': '2021-06-15T12:00:00.5Z'}, {'until': '2021-06-15T12:00:01Z'},
        {'since': '2019-01-01T00:00:00Z', 'until': '2022-01-01T00:00:00Z'},
        {'host': '10.0.0.0/8', 'server_port': '443', 'teardown': 'four-way'},
        {'conn_state': 'SF', 'since': '2021-01-01T00:00:00Z'},
        {'host': 'fd00::/8', 'port': '8080'},
        {'host': '2001:db8::/32', 'port': '443', 'client': '2001:db8:1::/48'},
        {'port': '5555', 'client_port': '5555'},
        {'client': '10.0.0.0/8', 'server': '192.0.2.12', 'handshake': 'complete'},
        {'teardown': 'reset', 'conn_state': 'RSTR', 'since': '2023-01-01T00:00:00Z',
         'until': '2024-01-01T00:00:00Z'},
    ]
    if 'gen-a.pcap' in cap_of:
        queries.append({'capture': str(cap_of['gen-a.pcap']), 'handshake': 'complete',
                        'teardown': 'four-way'})
    nonempty = 0
    for q in queries:
        want = [fid for fid, cid, fl in allf if matches(fl, cid, q)]
        got = flow_ids(c, s, q)
        if got is None:
            continue
        nonempty += bool(want)
        if got != want:
            missing = sorted(set(want) - set(got))
            extra = sorted(set(got) - set(want))
            c.ok(False, 'GET /api/v1/flows?%s: %d flows, expected %d (missing ids %s, '
                 'unexpected ids %s%s)' % (qs(q), len(got), len(want), missing[:10], extra[:10],
                                           ', order differs' if not (missing or extra) else ''))
        else:
            c.ok(True, '')
    c.note('%d queries, %d with a non-empty answer, %d flows in all'
           % (len(queries), nonempty, len(allf)))
    # list items: no timeline, the server keys
    r = s.get('/api/v1/flows?limit=5')
    if c.ok(r.status == 200, 'GET /api/v1/flows?limit=5: %d' % r.status):
        for fl in r.json()['flows']:
            c.ok('timeline' not in fl and {'id', 'capture', 'index'} <= set(fl),
                 'flow list item keys: %s' % sorted(fl))
    # pagination
    all_ids = [fid for fid, _, _ in allf]
    for q, limit in (({}, 7), ({'host': '10.0.0.0/8'}, 5), ({'conn_state': 'SF'}, 3),
                     ({'host': '2001:db8::/32'}, 1), ({}, 1000)):
        want = [fid for fid, cid, fl in allf if matches(fl, cid, q)]
        items, pages = page_all(c, s, '/api/v1/flows', q, 'flows', limit)
        if items is None:
            continue
        got = [x['id'] for x in items]
        c.ok(len(got) == len(set(got)), 'paging %s limit %d: duplicate ids' % (q, limit))
        c.ok(got == sorted(got), 'paging %s limit %d: ids not ascending' % (q, limit))
        c.ok(got == want, 'paging %s limit %d: %d ids over %d pages, expected %d (missing %s, '
             'extra %s)' % (q, limit, len(got), pages, len(want),
                            sorted(set(want) - set(got))[:10], sorted(set(got) - set(want))[:10]))
        c.ok(pages <= -(-len(want) // limit) + 1, 'paging %s limit %d: %d pages for %d flows'
             % (q, limit, pages, len(want)))
    r = s.get('/api/v1/flows')
    if c.ok(r.status == 200, 'GET /api/v1/flows: %d' % r.status):
        d = r.json()
        c.eq([x['id'] for x in d['flows']], all_ids[:100], 'GET /api/v1/flows (default limit '
             '100): ids')
        c.ok((d['next_cursor'] is None) == (len(all_ids) <= 100),
             'GET /api/v1/flows: next_cursor %r with %d flows in all'
             % (d['next_cursor'], len(all_ids)))
    # captures: newest first, paged
    items, pages = page_all(c, s, '/api/v1/captures', {}, 'captures', 3)
    if items is not None:
        got = [x['id'] for x in items]
        c.eq(got, sorted(t.model.caps, reverse=True), 'GET /api/v1/captures?limit=3 pages: ids '
             '(newest first)')
        for x in items:
            cap = t.model.caps.get(x['id'])
            if cap:
                c.eq(x.get('name'), cap['name'], 'capture %d name in the list' % x['id'])


def _cmp_flow(c, got, want, cid, what):
    good = c.eq(got.get('capture'), cid, '%s: capture' % what)
    keys_got = set(got) - {'id', 'capture', 'timeline_page'}
    keys_want = set(want) - {'id'}
    good &= c.eq(sorted(keys_got), sorted(keys_want), '%s: keys' % what)
    for k in sorted(keys_want & keys_got):
        if got[k] != want[k]:
            if k == 'timeline' and isinstance(got[k], list):
                diff = [i for i, (a, b) in enumerate(zip(got[k], want[k])) if a != b]
                detail = 'length %d vs %d, first differing packets %s' % (
                    len(got[k]), len(want[k]), diff[:5])
                if diff:
                    a, b = got[k][diff[0]], want[k][diff[0]]
                    detail += ', keys %s' % [x for x in sorted(set(a) | set(b))
                                             if a.get(x) != b.get(x)]
            else:
                detail = 'got %s, expected %s' % (_short(got[k], 150), _short(want[k], 150))
            c.ok(False, '%s: %s differs from tcplens decode: %s' % (what, k, detail))
            good = False
    return good


def check_03_flow_detail(c, t):
    s, f = t.main, t.files
    targets = [f['seed'], f['crafted'], f['gen_a']] + f['examples']
    compared = 0
    for path in targets:
        cids = t.model.cid_of(path)
        if not c.ok(cids, '%s was not uploaded' % os.path.basename(path)):
            continue
        cid = cids[0]
        cap = t.model.caps[cid]
        full = t.tools.decode(path, timeline=True)
        for fid, want in zip(cap['fids'], full['flows']):
            what = 'GET /api/v1/flows/%d (%s #%d)' % (fid, os.path.basename(path), want['index'])
            r = s.get('/api/v1/flows/%d' % fid)
            if not c.ok(r.status == 200, '%s: status %d' % (what, r.status)):
                continue
            got = r.json()
            _cmp_flow(c, got, want, cid, what)
            n = len(want['timeline'])
            c.eq(got.get('timeline_page'), {'offset': 0, 'limit': 1000, 'total': n,
                                            'next_offset': None}, '%s: timeline_page' % what)
            compared += 1
    c.note('%d flows compared with tcplens decode' % compared)

    # the field-by-field breakdown: with ?fields=true, and one packet at a time
    for path in (f['seed'], f['crafted']):
        cids = t.model.cid_of(path)
        if not cids:
            continue
        want = t.tools.decode(path, timeline=True, fields=True)['flows'][0]
        fid = t.model.caps[cids[0]]['fids'][0]
        r = s.get('/api/v1/flows/%d?fields=true' % fid)
        if c.ok(r.status == 200, 'GET /api/v1/flows/%d?fields=true: %d' % (fid, r.status)):
            _cmp_flow(c, r.json(), want, cids[0], 'GET /api/v1/flows/%d?fields=true' % fid)
        n = len(want['timeline'])
        for i in sorted({0, n // 2, n - 1}):
            r = s.get('/api/v1/flows/%d/packets/%d' % (fid, i))
            if c.ok(r.status == 200, 'GET /api/v1/flows/%d/packets/%d: %d' % (fid, i, r.status)):
                c.eq(r.json(), want['timeline'][i], 'GET /api/v1/flows/%d/packets/%d == packet %d '
                     'of tcplens decode, fields included' % (fid, i, i))
        expect_error(c, s.get('/api/v1/flows/%d/packets/%d' % (fid, n)), 404, 'not_found')
        expect_error(c, s.get('/api/v1/flows/%d/packets/-1' % fid), 404, 'not_found')
        expect_error(c, s.get('/api/v1/flows/%d/packets/0?offset=1' % fid), 400, 'unknown_parameter',
                     'offset')

    # languages
    for path in (f['seed'], f['ex']['ipv6'], f['ex']['refused'], f['crafted']):
        cids = t.model.cid_of(path)
        if not cids:
            continue
        cid = cids[0]
        fid = t.model.caps[cid]['fids'][0]
        zh = t.tools.decode(path, timeline=True, lang='zh')['flows'][0]
        en = t.tools.decode(path, timeline=True)['flows'][0]
        base = '/api/v1/flows/%d' % fid
        for what, q, hdr, want in (
                ('lang=zh', '?lang=zh', None, zh),
                ('Accept-Language: zh-CN', '', {'Accept-Language': 'zh-CN'}, zh),
                ('Accept-Language: fr;q=1, zh-TW;q=0.8, en;q=0.5', '',
                 {'Accept-Language': 'fr;q=1, zh-TW;q=0.8, en;q=0.5'}, zh),
                ('Accept-Language: zh;q=0.2, en;q=0.9', '',
                 {'Accept-Language': 'zh;q=0.2, en;q=0.9'}, en),
                ('lang=en', '?lang=en', None, en),
                ('lang=en with Accept-Language: zh-CN', '?lang=en',
                 {'Accept-Language': 'zh-CN'}, en),
                ('no lang, no Accept-Language', '', None, en)):
            r = s.get(base + q, headers=hdr)
            w = 'GET %s%s (%s)' % (base, q, what)
            if not c.ok(r.status == 200, '%s: status %d' % (w, r.status)):
                continue
            got = r.json()
            if want is zh:
                c.ok(CJK.search(got.get('summary', '')), '%s: summary has no Chinese: %s'
                     % (w, _short(got.get('summary', ''), 80)))
            else:
                c.ok(not CJK.search(got.get('summary', '')), '%s: summary is not English: %s'
                     % (w, _short(got.get('summary', ''), 80)))
            _cmp_flow(c, got, want, cid, w)

    # summaries of the list routes follow lang too
    for path in (f['seed'], f['crafted']):
        cids = t.model.cid_of(path)
        if not cids:
            continue
        zh = t.tools.decode(path, lang='zh')['flows']
        for p in ('/api/v1/flows?capture=%d&lang=zh' % cids[0], '/api/v1/captures/%d?lang=zh'
                  % cids[0]):
            r = s.get(p)
            if c.ok(r.status == 200, 'GET %s: %d' % (p, r.status)):
                c.eq([x.get('summary') for x in r.json()['flows']], [x['summary'] for x in zh],
                     'GET %s: summaries vs tcplens decode --lang zh' % p)

    # paged timelines
    best = max(t.model.flows(), key=lambda x: x[2]['packets']['c2s'] + x[2]['packets']['s2c'],
               default=None)
    if best is None:
        return
    fid = best[0]
    base = '/api/v1/flows/%d' % fid
    r = s.get(base)
    if not c.ok(r.status == 200, 'GET %s: %d' % (base, r.status)):
        return
    full = r.json()['timeline']
    n = len(full)
    c.note('paged timeline of flow %d (%d packets)' % (fid, n))
    offset, pages, got = 0, 0, []
    while offset is not None and pages < n + 2:
        r = s.get('%s?offset=%d&limit=3' % (base, offset))
        pages += 1
        if not c.ok(r.status == 200, 'GET %s?offset=%d&limit=3: %d' % (base, offset, r.status)):
            break
        d = r.json()
        tp = d.get('timeline_page') or {}
        c.eq(d.get('timeline'), full[offset:offset + 3], 'timeline offset=%d limit=3' % offset)
        nxt = offset + 3 if offset + 3 < n else None
        c.eq(tp, {'offset': offset, 'limit': 3, 'total': n, 'next_offset': nxt},
             'timeline_page at offset=%d limit=3' % offset)
        got += d.get('timeline') or []
        offset = tp.get('next_offset')
    c.eq(got == full, True, 'timeline pages of limit 3 put together equal the full timeline')
    for off, lim in ((1, 4), (n - 1, 10), (0, n), (n, 5), (n + 5, 5), (2, 10000)):
        r = s.get('%s?offset=%d&limit=%d' % (base, off, lim))
        if c.ok(r.status == 200, 'GET %s?offset=%d&limit=%d: %d %s'
                % (base, off, lim, r.status, r.text()[:200])):
            d = r.json()
            c.eq(d.get('timeline'), full[off:off + lim], 'timeline offset=%d limit=%d'
                 % (off, lim))
            c.eq((d.get('timeline_page') or {}).get('next_offset'),
                 off + lim if off + lim < n else None,
                 'timeline_page.next_offset at offset=%d limit=%d' % (off, lim))
    for q, param in (('offset=-1', 'offset'), ('limit=10001', 'limit'), ('limit=abc', 'limit'),
                     ('offset=x', 'offset')):
        expect_error(c, s.get('%s?%s' % (base, q)), 400, 'bad_parameter', param)


def _export_targets(t):
    f = t.files
    out = []
    for path, n in ((f['seed'], 1), (f['ex']['port-reuse'], 2), (f['ex']['ipv6'], 1),
                    (f['crafted'], 7), (f['gen_a'], 3), (f['ex']['refused'], 1),
                    (f['ex']['zero-window'], 1)):
        cids = t.model.cid_of(path)
        if cids:
            cap = t.model.caps[cids[0]]
            full = t.tools.decode(path, timeline=True)
            for fid, fl in list(zip(cap['fids'], full['flows']))[:n]:
                out.append((path, cids[0], fid, fl))
    return out


def check_04_flow_pcap(c, t):
    s = t.main
    targets = _export_targets(t)
    c.ok(targets, 'no flow to export')
    for path, cid, fid, fl in targets:
        what = 'GET /api/v1/flows/%d/pcap (%s #%d)' % (fid, os.path.basename(path), fl['index'])
        r = s.get('/api/v1/flows/%d/pcap' % fid)
        if not c.ok(r.status == 200 and r.body[:4] in PCAP_MAGICS, '%s: status %d, starts %r'
                    % (what, r.status, r.body[:8])):
            continue
        out = t.path('files', 'flow-%d.pcap' % fid)
        with open(out, 'wb') as fh:
            fh.write(r.body)
        try:
            exported = t.tools.tshark_rows(out)
        except RuntimeError as e:
            c.ok(False, '%s: tshark cannot read the export: %s' % (what, e))
            continue
        orig = t.tools.tshark_rows(path)
        frames = [p['frame'] for p in fl['timeline']]
        want = [orig.get(n) for n in frames]
        got = [exported[k] for k in sorted(exported)]
        c.eq(len(got), len(want), '%s: packets' % what)
        if got != want:
            bad = [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
            c.ok(False, '%s: tshark fields %s differ at packets %s: %s vs original %s'
                 % (what, ','.join(TSHARK_FIELDS), bad[:5],
                    got[bad[0]] if bad else None, want[bad[0]] if bad else None))
        else:
            c.ok(True, '')
    for path in (t.files['seed'], t.files['crafted']):
        for cid in t.model.cid_of(path)[:1]:
            r = s.get('/api/v1/captures/%d/pcap' % cid)
            with open(path, 'rb') as fh:
                c.ok(r.status == 200 and r.body == fh.read(),
                     'GET /api/v1/captures/%d/pcap: status %d, not the original file'
                     % (cid, r.status))


def check_05_ladder(c, t):
    s = t.main
    for path, cid, fid, fl in _export_targets(t):
        what = 'GET /api/v1/flows/%d/ladder.svg (%s #%d)' % (fid, os.path.basename(path),
                                                             fl['index'])
        r = s.get('/api/v1/flows/%d/ladder.svg' % fid)
        if not c.ok(r.status == 200, '%s: status %d' % (what, r.status)):
            continue
        c.eq(r.content_type, 'image/svg+xml', '%s: Content-Type' % what)
        try:
            root = ET.fromstring(r.body)
        except ET.ParseError as e:
            c.ok(False, '%s: not XML: %s' % (what, e))
            continue
        c.eq(root.tag, SVG_NS + 'svg', '%s: root element' % what)
        arrows = [el for el in root.iter() if 'arrow' in (el.get('class') or '').split()]
        n = fl['packets']['c2s'] + fl['packets']['s2c']
        c.eq(len(fl['timeline']), n, '%s: reference timeline length' % what)
        c.eq(len(arrows), n, '%s: elements of class "arrow" (one per packet)' % what)
        c2s = sum(1 for el in arrows if 'c2s' in el.get('class').split())
        c.eq(c2s, fl['packets']['c2s'], '%s: client-to-server arrows' % what)
        # each arrow's second line: the packet's tcpdump flags and relative numbers, as the
        # timeline gives them (a "[none] seq 0" on every arrow was a bug)
        nums = [el.text for el in root.iter() if el.get('class') == 'num']
        want = []
        for p in fl['timeline'][:len(nums)]:
            tcp = p['tcp']
            w = '[%s] seq %d' % (tcp['flags']['text'], tcp['seq_rel'])
            if tcp['flags']['ack'] and tcp.get('ack_rel') is not None:
                w += ' ack %d' % tcp['ack_rel']
            if tcp['payload_length']:
                w += ' len %d' % tcp['payload_length']
            want.append(w)
        c.eq(nums, want, '%s: arrow labels (flags and numbers)' % what)
    # the seed by hand (note: S, S., ., F., F., .): its flags and Wireshark's relative numbers
    for path, cid, fid, fl in _export_targets(t):
        if path != t.files['seed']:
            continue
        r = s.get('/api/v1/flows/%d/ladder.svg' % fid)
        body = r.body.decode('utf-8', 'replace')
        for label in ('>[S] seq 0<', '>[S.] seq 0 ack 1<', '>[.] seq 1 ack 1<',
                      '>[F.] seq 1 ack 1<', '>[F.] seq 1 ack 2<', '>[.] seq 2 ack 2<'):
            c.ok(label in body, 'ladder.svg of the seed: no %s' % label)
        c.ok('[none]' not in body, 'ladder.svg of the seed: an arrow labelled [none]')
        for what, q, hdr in (('lang=zh', '?lang=zh', None),
                             ('Accept-Language: zh-CN', '', {'Accept-Language': 'zh-CN'})):
            r = s.get('/api/v1/flows/%d/ladder.svg%s' % (fid, q), headers=hdr)
            body = r.body.decode('utf-8', 'replace')
            for word in ('握手：完整，断开：三个报文', '>客户端</text>', '>服务器</text>',
                         '>ACK</text>', 'FIN（捎带 ACK）',
                         '客户端 → 服务器', '>[S.] seq 0 ack 1<'):
                c.ok(word in body, 'ladder.svg %s: no %r' % (what, word))
            for word in ('>client</text>', 'one row per packet', '>handshake</text>'):
                c.ok(word not in body, 'ladder.svg %s: English %r left' % (what, word))
        expect_error(c, s.get('/api/v1/flows/%d/ladder.svg?lang=fr' % fid), 400, 'bad_parameter')
    # the example list speaks the language asked for (examples/README.zh.md)
    en = s.get('/api/v1/examples').json()['examples']
    for what, q, hdr in (('lang=zh', '?lang=zh', None),
                         ('Accept-Language: zh-CN', '', {'Accept-Language': 'zh-CN'})):
        zh = s.get('/api/v1/examples' + q, headers=hdr).json()['examples']
        c.eq([x['name'] for x in zh], [x['name'] for x in en], 'GET /api/v1/examples %s: names' % what)
        for x, y in zip(zh, en):
            c.ok(x['description'] != y['description'] and
                 any('\u4e00' <= ch <= '\u9fff' for ch in x['description']) and
                 (x['class'] == y['class'] == 'IPv6' or
                  any('\u4e00' <= ch <= '\u9fff' for ch in x['class'])),
                 'GET /api/v1/examples %s: %s not in Chinese: %s / %s'
                 % (what, x['name'], x['class'], x['description']))


def check_06_delete(c, t):
    s = t.main
    path = t.files['ex']['half-close']
    r = t.upload_raw(s, path, 'to-delete')
    if not c.ok(r.status == 201, 'upload to delete: %d' % r.status):
        return
    d = r.json()
    cid = d['capture']['id']
    fids = [x['id'] for x in d['flows']]
    c.ok(len(s.data_files('capture-%d.' % cid)) == 1, 'data dir: no capture-%d.* after the '
         'upload (files: %s)' % (cid, s.data_files()))
    r = s.request('DELETE', '/api/v1/captures/%d' % cid)
    c.eq(r.status, 204, 'DELETE /api/v1/captures/%d: status' % cid)
    c.eq(r.body, b'', 'DELETE /api/v1/captures/%d: body' % cid)
    expect_error(c, s.get('/api/v1/captures/%d' % cid), 404, 'not_found')
    expect_error(c, s.get('/api/v1/captures/%d/pcap' % cid), 404, 'not_found')
    r = s.get('/api/v1/flows?capture=%d' % cid)
    c.ok(r.status == 200 and r.json() == {'flows': [], 'next_cursor': None},
         'GET /api/v1/flows?capture=%d after DELETE: %d %s' % (cid, r.status, r.text()[:200]))
    for fid in fids:
        expect_error(c, s.get('/api/v1/flows/%d' % fid), 404, 'not_found')
        expect_error(c, s.get('/api/v1/flows/%d/pcap' % fid), 404, 'not_found')
        expect_error(c, s.get('/api/v1/flows/%d/ladder.svg' % fid), 404, 'not_found')
    gone = wait_until(lambda: not s.data_files('capture-%d.' % cid), 3)
    c.ok(gone, 'data dir: %s still there after DELETE' % s.data_files('capture-%d.' % cid))
    expect_error(c, s.request('DELETE', '/api/v1/captures/%d' % cid), 404, 'not_found',
                 what='DELETE of a deleted capture')
    expect_error(c, s.request('DELETE', '/api/v1/captures/987654'), 404, 'not_found')
    items, _ = page_all(c, s, '/api/v1/captures', {}, 'captures', 1000)
    if items is not None:
        c.ok(cid not in [x['id'] for x in items], 'capture %d still listed' % cid)
    got = flow_ids(c, s, {})
    if got is not None:
        c.eq(got, [fid for fid, _, _ in t.model.flows()], 'all flow ids after the DELETE '
             '(the other captures intact)')


def _snapshot(c, t, s):
    snap = {}
    items, _ = page_all(c, s, '/api/v1/captures', {}, 'captures', 1000)
    snap['GET /api/v1/captures'] = items
    items, _ = page_all(c, s, '/api/v1/flows', {}, 'flows', 1000)
    snap['GET /api/v1/flows'] = items
    for q in ({'host': '10.0.0.0/8', 'limit': 7}, {'host': '2001:db8::/32'},
              {'conn_state': 'SF', 'since': '2021-01-01T00:00:00Z'}):
        r = s.get('/api/v1/flows?' + qs(q))
        snap['GET /api/v1/flows?' + qs(q)] = (r.status, r.json() if r.status == 200 else None)
    flows = t.model.flows()
    for fid, cid, _ in flows[:3] + flows[-3:]:
        for p in ('/api/v1/flows/%d' % fid, '/api/v1/flows/%d?lang=zh' % fid,
                  '/api/v1/flows/%d/ladder.svg' % fid, '/api/v1/flows/%d/pcap' % fid,
                  '/api/v1/captures/%d' % cid):
            r = s.get(p)
            snap['GET ' + p] = (r.status, hashlib.sha256(r.body).hexdigest())
    return snap


def check_07_restart(c, t):
    s = t.main
    before = _snapshot(c, t, s)
    try:
        rc = s.stop()
    except harness.ServerError as e:
        c.ok(False, str(e))
        s.start()
        return
    c.eq(rc, 0, 'exit status after SIGTERM')
    s.start()
    r = s.get('/healthz')
    c.ok(r.status == 200, 'GET /healthz after the restart: %d' % r.status)
    after = _snapshot(c, t, s)
    for k in before:
        c.ok(before[k] == after[k], 'after the restart %s differs' % k)
    old_fids = {fid for fid, _, _ in t.model.flows()}
    old_cids = set(t.model.caps)
    path = t.files['ex']['fourway-close']
    r = t.upload_raw(s, path, 'after-restart')
    if c.ok(r.status == 201, 'upload after the restart: %d' % r.status):
        d = r.json()
        c.ok(d['capture']['id'] not in old_cids, 'a new capture reused id %d'
             % d['capture']['id'])
        c.ok(not ({x['id'] for x in d['flows']} & old_fids), 'a new flow reused an id')
        t.add_to_model(c, r, path, 'after-restart')

    # SIGTERM while an upload is being ingested: it finishes (201), then exit 0; it is kept
    g = t.server('graceful', ['--async-above', '0'])  # synchronous: SIGTERM mid-upload
    npk = 300000
    big = t.gen_capture('graceful.pcap', '-p', str(npk), '-s', '31')
    size = os.path.getsize(big)
    job = CurlJob(['--data-binary', '@' + big, g.url + '/api/v1/captures?name=graceful'],
                  max_time=30)

    def received():
        ups = g.data_files('upload-')
        try:
            return ups and os.path.getsize(os.path.join(g.data_dir, ups[0])) >= size
        except OSError:
            return False

    c.ok(wait_until(received, 20, 0.02), 'graceful: the body never reached the disk in full')
    in_flight = job.running()
    try:
        rc = g.stop()
    except harness.ServerError as e:
        rc = str(e)
    res = job.wait(15)
    c.ok(in_flight, 'graceful: the upload was over before SIGTERM (test too slow to catch it)')
    c.eq(res.status, 201, 'graceful: status of the upload in flight at SIGTERM [curl rc %d %s]'
         % (res.rc, res.stderr.strip()))
    c.eq(rc, 0, 'graceful: exit status after SIGTERM during an upload')
    g.start()
    r = g.get('/api/v1/captures')
    caps = r.json().get('captures', []) if r.status == 200 else []
    c.eq([(x.get('name'), x.get('packets')) for x in caps], [('graceful', npk)] if
         res.status == 201 else [], 'graceful: captures after the restart')
    c.eq(g.stop(), 0, 'graceful: exit status after SIGTERM')
    os.unlink(big)


def check_08_concurrent(c, t):
    files = [t.gen_capture('conc-%d.pcap' % i, '-p', '20000', '-c', '1500', '-w', '200',
                           '-s', str(100 + i)) for i in range(8)]
    counts = {p: t.tools.tshark_count(p) for p in files}
    nflows = {p: len(t.tools.decode(p)['flows']) for p in files}
    s = t.server('concurrent')
    results = [None] * 8
    barrier = threading.Barrier(8)

    def up(i):
        try:
            barrier.wait(10)
            results[i] = t.upload_raw(s, files[i], 'conc-%d' % i)
        except Exception as e:  # recorded below
            results[i] = e

    threads = [threading.Thread(target=up, args=(i,)) for i in range(8)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(40)
    c.note('8 uploads in %.1f s' % (time.monotonic() - t0))
    ids = {}
    for i, r in enumerate(results):
        if isinstance(r, harness.Response):
            if c.ok(r.status == 201, 'concurrent upload %d: %d %s' % (i, r.status,
                                                                      r.text()[:200])):
                ids[r.json()['capture']['id']] = files[i]
        else:
            c.ok(False, 'concurrent upload %d: %r' % (i, r))
    c.eq(len(ids), 8, 'distinct capture ids')
    items, _ = page_all(c, s, '/api/v1/captures', {}, 'captures', 1000)
    if items is None:
        return
    c.eq(sorted(x['id'] for x in items), sorted(ids), 'captures listed')
    for x in items:
        p = ids.get(x['id'])
        if not p:
            continue
        c.eq(x.get('name'), 'conc-%d' % files.index(p), 'capture %d name' % x['id'])
        c.eq(x.get('packets'), counts[p], 'capture %d (%s) packets vs tshark'
             % (x['id'], os.path.basename(p)))
        c.eq(x.get('flows'), nflows[p], 'capture %d flows vs tcplens decode' % x['id'])
        c.eq(x.get('size_bytes'), os.path.getsize(p), 'capture %d size_bytes' % x['id'])
        got = flow_ids(c, s, {'capture': x['id']})
        if got is not None:
            c.eq(len(got), nflows[p], 'flows stored for capture %d' % x['id'])
    rc = s.stop()
    c.eq(rc, 0, 'exit status after SIGTERM')


def check_09_bad_inputs(c, t):
    s, f = t.main, t.files
    seen = []
    harness.OBSERVERS.append(lambda *a: seen.append(a))
    try:
        _bad_inputs(c, t, s, f)
    finally:
        harness.OBSERVERS.pop()
    bad = [(m, u, st) for m, u, st, h, b in seen if st >= 500 and st != 503]
    c.ok(not bad, 'answers of 5xx: %s' % bad[:5])
    html = [(m, u, st) for m, u, st, h, b in seen
            if 'html' in (h.get('content-type') or '').lower()]
    c.ok(not html, 'answers in HTML: %s' % html[:5])
    c.note('%d answers checked' % len(seen))


def _bad_inputs(c, t, s, f):
    url = s.url + '/api/v1/captures'
    txt = t.path('files', 'not-a-capture.txt')
    with open(txt, 'w') as fh:
        fh.write('hello, this is not a capture\n' * 10)
    empty = t.path('files', 'empty')
    open(empty, 'wb').close()
    # not a capture
    expect_error(c, curl(['--data-binary', '@' + txt, url]), 415, 'not_a_capture',
                 what='POST raw text')
    expect_error(c, curl(['-F', 'file=@' + txt, url]), 415, 'not_a_capture',
                 what='POST multipart text')
    expect_error(c, curl(['-T', txt, url + '/']), 415, 'not_a_capture', what='PUT text')
    # empty body
    expect_error(c, curl(['--data-binary', '@' + empty, url]), 400, 'bad_request',
                 what='POST empty body')
    expect_error(c, curl(['-T', empty, url + '/']), 400, 'bad_request', what='PUT empty body')
    # broken multipart
    seed = open(f['seed'], 'rb').read()
    ct, body = multipart([('file', seed, 'a.pcap', None)], boundary='RIGHT')
    for what, hdr, b in (
            ('multipart with a wrong boundary', 'multipart/form-data; boundary=WRONG', body),
            ('multipart without a boundary', 'multipart/form-data', body),
            ('multipart without a file part',
             multipart([('name', 'x', None, None)], 'NF')[0],
             multipart([('name', 'x', None, None)], 'NF')[1]),
            ('multipart cut short (no closing boundary)', ct, body[:-len(b'--RIGHT--\r\n') - 2]),
            ('multipart of garbage', ct, b'this is not multipart at all')):
        expect_error(c, s.request('POST', '/api/v1/captures', body=b,
                                  headers={'Content-Type': hdr}), 400, 'bad_request', what=what)
    expect_error(c, curl(['-F', 'name=only-a-name', url]), 400, 'bad_request',
                 what='curl -F name=... without file')

    # over --max-upload
    s64 = t.server('max-upload', ['--max-upload', '64K'])
    u64 = s64.url + '/api/v1/captures'
    mid = f['mid']
    for what, args in (('POST raw', ['--data-binary', '@' + mid, u64]),
                       ('POST multipart', ['-F', 'file=@' + mid, u64]),
                       ('PUT', ['-T', mid, u64 + '/'])):
        expect_error(c, curl(args, max_time=15), 413, 'too_large',
                     what='--max-upload 64K, %s of %d bytes' % (what, os.path.getsize(mid)))
    t0 = time.monotonic()
    r = curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', '@' + mid, u64], max_time=10)
    expect_error(c, r, 413, 'too_large', what='--max-upload 64K, POST chunked (no '
                 'Content-Length) of %d bytes [curl rc %d after %.1f s: %s]'
                 % (os.path.getsize(mid), r.rc, time.monotonic() - t0, r.stderr.strip()))
    left = wait_until(lambda: not s64.data_files('upload-'), 5)
    c.ok(left, '--max-upload 64K: temp files left in the data dir after the 413s: %s'
         % s64.data_files('upload-'))
    c.ok(not s64.data_files('capture-'), '--max-upload 64K: stored files after the 413s: %s'
         % s64.data_files('capture-'))
    small = f['small']
    r = curl(['--data-binary', '@' + small, u64 + '?name=small'])
    c.ok(r.status == 201, '--max-upload 64K: POST of %d bytes: %d %s'
         % (os.path.getsize(small), r.status, r.text()[:200]))
    r = curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', '@' + small, u64])
    c.ok(r.status == 201, '--max-upload 64K: chunked POST of %d bytes: %d %s'
         % (os.path.getsize(small), r.status, r.text()[:200]))
    s64.ensure_stopped()

    # unknown routes
    for p in ('/api/v2/x', '/api/v1/nope', '/api/v1/captures/1/nope', '/api/v1/flows/1/x.svg',
              '/api/v1', '/nope', '/api/v1/captures/99999999', '/api/v1/flows/99999999',
              '/api/v1/flows/99999999/pcap', '/api/v1/flows/99999999/ladder.svg',
              '/api/v1/captures/99999999/pcap'):
        expect_error(c, s.get(p), 404, 'not_found')
    expect_error(c, s.request('POST', '/api/v1/examples/no-such-example'), 404, 'not_found')

    # wrong method
    fid = (t.model.flows() or [(1, 1, None)])[0][0]
    cid = (sorted(t.model.caps) or [1])[0]
    for method, p, allowed in (
            ('DELETE', '/api/v1/flows', {'GET'}),
            ('POST', '/api/v1/flows', {'GET'}),
            ('PATCH', '/api/v1/captures/%d' % cid, {'GET', 'DELETE'}),
            ('DELETE', '/api/v1/captures', {'GET', 'POST'}),
            ('PUT', '/api/v1/flows/%d' % fid, {'GET'}),
            ('DELETE', '/api/v1/flows/%d/pcap' % fid, {'GET'}),
            ('POST', '/api/v1/flows/%d/ladder.svg' % fid, {'GET'}),
            ('POST', '/healthz', {'GET'}),
            ('DELETE', '/metrics', {'GET'}),
            ('DELETE', '/api/v1/examples', {'GET'})):
        r = s.request(method, p, body=b'' if method in ('POST', 'PUT', 'PATCH') else None)
        if expect_error(c, r, 405, 'method_not_allowed', what='%s %s' % (method, p)):
            allow = {m.strip().upper() for m in (r.header('Allow') or '').split(',') if m.strip()}
            c.ok(allowed <= allow and method not in allow, '%s %s: Allow %r, expected %s'
                 % (method, p, r.header('Allow'), sorted(allowed)))

    # bad parameter values
    for p, param in (('/api/v1/flows?port=70000', 'port'), ('/api/v1/flows?host=banana', 'host'),
                     ('/api/v1/flows?limit=-1', 'limit'), ('/api/v1/flows?limit=0', 'limit'),
                     ('/api/v1/flows?limit=1001', 'limit'),
                     ('/api/v1/flows?cursor=garbage', 'cursor'),
                     ('/api/v1/flows?since=yesterday', 'since'),
                     ('/api/v1/flows?until=2024-13-01T00:00:00Z', 'until'),
                     ('/api/v1/flows?lang=fr', 'lang'),
                     ('/api/v1/flows/%d?lang=fr' % fid, 'lang'),
                     ('/api/v1/flows?port=-1', 'port'), ('/api/v1/flows?port=8o', 'port'),
                     ('/api/v1/flows?client_port=abc', 'client_port'),
                     ('/api/v1/flows?server_port=65536', 'server_port'),
                     ('/api/v1/flows?client=300.1.1.1', 'client'),
                     ('/api/v1/flows?server=10.0.0.0/33', 'server'),
                     ('/api/v1/flows?host=::/129', 'host'),
                     ('/api/v1/flows?handshake=bogus', 'handshake'),
                     ('/api/v1/flows?teardown=bogus', 'teardown'),
                     ('/api/v1/flows?conn_state=XX', 'conn_state'),
                     ('/api/v1/flows?capture=abc', 'capture'),
                     ('/api/v1/captures?limit=0', 'limit'),
                     ('/api/v1/captures?cursor=garbage', 'cursor'),
                     ('/api/v1/flows?' + qs({'host': "1.1.1.1' OR '1'='1"}), 'host'),
                     ('/api/v1/flows?' + qs({'conn_state': "SF' OR 1=1--"}), 'conn_state'),
                     ('/api/v1/flows?' + qs({'capture': '1 OR 1=1'}), 'capture'),
                     ('/api/v1/flows?' + qs({'port': '80; DROP TABLE flows'}), 'port')):
        expect_error(c, s.get(p), 400, 'bad_parameter', param, what='GET ' + p)

    # SQL-looking and non-ASCII names, stored verbatim
    names = []
    r = t.upload_raw(s, f['seed'], SQL_NAME)
    if c.ok(r.status == 201, 'upload ?name=%s: %d' % (SQL_NAME, r.status)):
        names.append((r.json()['capture']['id'], SQL_NAME))
        t.add_to_model(c, r, f['seed'], SQL_NAME)
    ct, body = multipart([('file', seed, 'a.pcap', None), ('name', SQL_NAME, None, None)])
    r = s.request('POST', '/api/v1/captures', body=body, headers={'Content-Type': ct})
    if c.ok(r.status == 201, 'multipart name=%s: %d' % (SQL_NAME, r.status)):
        names.append((r.json()['capture']['id'], SQL_NAME))
        t.add_to_model(c, r, f['seed'], SQL_NAME)
    uname = 'трасса 日本 "q" %s.pcap' % SQL_NAME
    r = t.upload_raw(s, f['seed'], uname)
    if c.ok(r.status == 201, 'upload with a non-ASCII name: %d' % r.status):
        names.append((r.json()['capture']['id'], uname))
        t.add_to_model(c, r, f['seed'], uname)
    r = curl(['-T', f['seed'], s.url + '/api/v1/captures/' + urllib.parse.quote(SQL_NAME)])
    if c.ok(r.status == 201, 'PUT /api/v1/captures/<sql name>: %d %s' % (r.status,
                                                                        r.text()[:200])):
        names.append((r.json()['capture']['id'], SQL_NAME))
        t.add_to_model(c, harness.Response('PUT', '', 201, '', {}, r.body), f['seed'], SQL_NAME)
    for cid, name in names:
        r = s.get('/api/v1/captures/%d' % cid)
        c.ok(r.status == 200 and r.json()['capture']['name'] == name,
             'GET /api/v1/captures/%d: name %r, expected %r' % (
                 cid, r.json().get('capture', {}).get('name') if r.status == 200 else r.status,
                 name))
    got = flow_ids(c, s, {})
    if got is not None:
        c.eq(got, [fid for fid, _, _ in t.model.flows()], 'all flows after the SQL-looking '
             'names (tables intact)')

    # API key
    sk = t.server('api-key', ['--api-key', API_KEY])
    uk = sk.url + '/api/v1/captures'
    good = {'Authorization': 'Bearer ' + API_KEY}
    r = t.upload_raw(sk, f['seed'], 'keyed', headers=good)
    kcid = r.json()['capture']['id'] if c.ok(r.status == 201, 'POST with the right key: %d'
                                               % r.status) else 1
    for what, hdrs in (('no Authorization', None),
                       ('a wrong key', {'Authorization': 'Bearer wrong'}),
                       ('the key as Basic', {'Authorization': 'Basic ' + API_KEY}),
                       ('the key without a scheme', {'Authorization': API_KEY}),
                       ('a key prefix', {'Authorization': 'Bearer ' + API_KEY[:-1]})):
        expect_error(c, t.upload_raw(sk, f['seed'], 'nokey', headers=hdrs), 401,
                     'unauthorized', what='POST with %s' % what)
    expect_error(c, curl(['-T', f['seed'], uk + '/']), 401, 'unauthorized',
                 what='PUT without a key')
    expect_error(c, sk.request('DELETE', '/api/v1/captures/%d' % kcid), 401, 'unauthorized',
                 what='DELETE without a key')
    expect_error(c, sk.request('DELETE', '/api/v1/captures/%d' % kcid,
                               headers={'Authorization': 'Bearer nope'}), 401, 'unauthorized',
                 what='DELETE with a wrong key')
    expect_error(c, sk.request('POST', '/api/v1/examples/fourway-close'), 401, 'unauthorized',
                 what='POST /api/v1/examples/fourway-close without a key')
    for p in ('/healthz', '/api/v1/captures', '/api/v1/flows', '/api/v1/captures/%d' % kcid,
              '/api/v1/examples', '/metrics'):
        r = sk.get(p)
        c.ok(r.status == 200, 'GET %s without a key: %d' % (p, r.status))
    items, _ = page_all(c, sk, '/api/v1/captures', {}, 'captures', 100)
    if items is not None:
        c.eq([x['name'] for x in items], ['keyed'], 'captures after the refused writes')
    r = curl(['-T', f['seed'], '-H', 'Authorization: Bearer ' + API_KEY, uk + '/'])
    c.ok(r.status == 201, 'PUT with the right key: %d' % r.status)
    r = sk.request('POST', '/api/v1/examples/fourway-close', headers=good)
    c.ok(r.status == 201, 'POST /api/v1/examples/fourway-close with the key: %d %s'
         % (r.status, r.text()[:200]))
    r = sk.request('DELETE', '/api/v1/captures/%d' % kcid, headers=good)
    c.eq(r.status, 204, 'DELETE with the right key')
    sk.ensure_stopped()


def check_10_kill9(c, t):
    s = t.server('kill9', ['--async-above', '0'])  # synchronous: killed mid-ingest
    r = t.upload_raw(s, t.files['seed'], 'before')
    if not c.ok(r.status == 201, 'first upload: %d' % r.status):
        return
    keep_cid = r.json()['capture']['id']
    keep_fids = [x['id'] for x in r.json()['flows']]
    big = t.gen_capture('big.pcap', '-p', '1000000', '-s', '77')
    size = os.path.getsize(big)
    job = CurlJob(['--data-binary', '@' + big, s.url + '/api/v1/captures?name=killed'],
                  max_time=30)
    # wait until the body is on disk (an upload-* file of the full size, or no longer growing)
    state = {'size': -1, 'since': time.monotonic(), 'name': None}

    def body_received():
        ups = s.data_files('upload-')
        if not ups:
            return False
        state['name'] = ups[0]
        try:
            n = os.path.getsize(os.path.join(s.data_dir, ups[0]))
        except OSError:
            return False
        if n != state['size']:
            state['size'], state['since'] = n, time.monotonic()
        return n >= size or (n > 0 and time.monotonic() - state['since'] > 0.5)

    received = wait_until(body_received, 25, 0.02)
    c.ok(received, 'no upload-* file reached the body size within 25 s (seen %s, %d bytes)'
         % (state['name'], state['size']))
    time.sleep(0.3)
    still = job.running()
    s.kill9()
    res = job.wait(15)
    c.ok(still, 'the upload finished before the kill (curl status %d): the test could not '
         'kill during the ingest' % res.status)
    c.note('killed with %s at %d of %d bytes; curl: rc %d status %d'
           % (state['name'], state['size'], size, res.rc, res.status))
    sqlite = s.backend == 'sqlite'
    if not sqlite:
        c.note('skipped on PostgreSQL: PRAGMA integrity_check of the SQLite file and its WAL '
               '(the server process holds no database file)')
    try:
        if sqlite:
            con = sqlite3.connect(s.db, timeout=10)
            ic = con.execute('PRAGMA integrity_check').fetchall()
            con.close()
            c.eq(ic, [('ok',)], 'PRAGMA integrity_check after kill -9')
    except sqlite3.Error as e:
        c.ok(False, 'sqlite3 on the database after kill -9: %s' % e)
    s.start()
    items, _ = page_all(c, s, '/api/v1/captures', {}, 'captures', 100)
    if items is not None:
        c.eq([(x['id'], x['name']) for x in items], [(keep_cid, 'before')],
             'captures after kill -9 and restart')
    got = flow_ids(c, s, {})
    if got is not None:
        c.eq(got, keep_fids, 'flows after kill -9 and restart')
    c.ok(wait_until(lambda: not s.data_files('upload-'), 5),
         'temp files left after the restart: %s' % s.data_files('upload-'))
    stored = s.data_files('capture-')
    c.ok(all(re.match(r'^capture-%d\.' % keep_cid, n) for n in stored),
         'stored files after the restart: %s (only capture %d exists)' % (stored, keep_cid))
    if sqlite:
        con = sqlite3.connect(s.db, timeout=10)
        ic = con.execute('PRAGMA integrity_check').fetchall()
        con.close()
        c.eq(ic, [('ok',)], 'PRAGMA integrity_check with the restarted server running')
    r = t.upload_raw(s, t.files['ex']['refused'], 'after')
    c.ok(r.status == 201, 'upload after the restart: %d' % r.status)
    c.eq(s.stop(), 0, 'exit status after SIGTERM')
    os.unlink(big)


def check_11_cors(c, t):
    s = t.server('cors', ['--cors-origin', CORS_ORIGIN])
    o = {'Origin': CORS_ORIGIN}
    r = s.request('OPTIONS', '/api/v1/captures', headers=dict(o, **{
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type'}))
    c.eq(r.status, 204, 'OPTIONS /api/v1/captures preflight: status')
    methods = {m.strip().upper() for m in (r.header('Access-Control-Allow-Methods') or '')
               .split(',') if m.strip()}
    c.ok({'GET', 'POST'} <= methods, 'preflight: Access-Control-Allow-Methods %r'
         % r.header('Access-Control-Allow-Methods'))
    c.eq(r.header('Access-Control-Allow-Origin'), CORS_ORIGIN, 'preflight: '
         'Access-Control-Allow-Origin')
    hdrs = (r.header('Access-Control-Allow-Headers') or '').lower()
    c.ok('authorization' in hdrs and 'content-type' in hdrs,
         'preflight: Access-Control-Allow-Headers %r' % r.header('Access-Control-Allow-Headers'))
    r = s.request('OPTIONS', '/api/v1/flows/1', headers=dict(
        o, **{'Access-Control-Request-Method': 'GET'}))
    c.eq(r.status, 204, 'OPTIONS /api/v1/flows/1 preflight: status')
    for p in ('/api/v1/captures', '/api/v1/flows', '/healthz'):
        r = s.get(p, headers=o)
        c.ok(r.status == 200 and r.header('Access-Control-Allow-Origin') == CORS_ORIGIN,
             'GET %s with Origin: %d, Access-Control-Allow-Origin %r'
             % (p, r.status, r.header('Access-Control-Allow-Origin')))
    r = t.upload_raw(s, t.files['seed'], 'cors', headers=o)
    c.ok(r.status == 201 and r.header('Access-Control-Allow-Origin') == CORS_ORIGIN,
         'POST upload with Origin: %d, Access-Control-Allow-Origin %r'
         % (r.status, r.header('Access-Control-Allow-Origin')))
    r = s.get('/api/v1/flows?port=70000', headers=o)
    c.ok(r.status == 400 and r.header('Access-Control-Allow-Origin') == CORS_ORIGIN,
         'GET with a bad parameter and Origin: %d, Access-Control-Allow-Origin %r'
         % (r.status, r.header('Access-Control-Allow-Origin')))
    r = s.get('/api/v1/captures', headers={'Origin': 'http://evil.test'})
    c.ok(r.header('Access-Control-Allow-Origin') not in ('http://evil.test', '*'),
         'GET from another origin: Access-Control-Allow-Origin %r'
         % r.header('Access-Control-Allow-Origin'))
    r = t.main.get('/api/v1/captures', headers=o)
    c.ok(r.header('Access-Control-Allow-Origin') is None,
         'without --cors-origin: Access-Control-Allow-Origin %r'
         % r.header('Access-Control-Allow-Origin'))
    c.eq(s.stop(), 0, 'exit status after SIGTERM')


def check_12_tls(c, t):
    d = t.path('tls')
    os.makedirs(d)
    key, cert = os.path.join(d, 'k.pem'), os.path.join(d, 'c.pem')
    run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
         '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
         '-keyout', key, '-out', cert], timeout=60)
    s = t.server('tls', ['--tls-cert', cert, '--tls-key', key], cafile=cert)
    c.eq(s.scheme, 'https', 'scheme in the "listening on" line')
    r = curl(['--cacert', cert, s.url + '/healthz'])
    c.ok(r.status == 200 and r.json() == {'status': 'ok'},
         'curl --cacert c.pem %s/healthz: rc %d status %d %s' % (s.url, r.rc, r.status,
                                                                r.stderr.strip()))
    r = curl(['--cacert', cert, '-F', 'file=@' + t.files['seed'], s.url + '/api/v1/captures'])
    c.ok(r.status == 201, 'upload over HTTPS: %d %s' % (r.status, r.stderr.strip()))
    r = s.get('/api/v1/flows')
    c.ok(r.status == 200 and len(r.json()['flows']) == 1, 'GET /api/v1/flows over HTTPS '
         '(python ssl): %d' % r.status)
    c.eq(s.stop(), 0, 'exit status after SIGTERM')


def _metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + ' ') or line.startswith(name + '{}'):
            return float(line.split()[-1])
    return None


def check_13_health_metrics_env(c, t):
    s = t.main
    r = s.get('/healthz')
    c.ok(r.status == 200 and r.content_type == 'application/json'
         and r.json() == {'status': 'ok'}, 'GET /healthz: %d %s %s'
         % (r.status, r.header('Content-Type'), r.text()[:100]))
    r = s.get('/metrics')
    c.ok(r.status == 200 and r.content_type == 'text/plain', 'GET /metrics: %d %s'
         % (r.status, r.header('Content-Type')))
    text = r.text()
    c.ok(re.search(r'^tcplens_http_requests_total\{[^}]*\} \d+', text, re.M),
         '/metrics: no tcplens_http_requests_total sample')
    c.ok('# TYPE tcplens_http_request_duration_seconds histogram' in text,
         '/metrics: tcplens_http_request_duration_seconds is not a histogram')
    buckets = {}
    for m in re.finditer(r'^tcplens_http_request_duration_seconds_bucket\{(.*)\} (\S+)$', text,
                         re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        le = labels.pop('le', None)
        buckets.setdefault(tuple(sorted(labels.items())), []).append((le, float(m.group(2))))
    c.ok(buckets, '/metrics: no tcplens_http_request_duration_seconds_bucket samples')
    for labels, bs in buckets.items():
        vals = [v for _, v in bs]
        c.ok(bs[-1][0] == '+Inf' and vals == sorted(vals),
             '/metrics: buckets of %s not cumulative up to +Inf: %s' % (labels, bs))
        lab = ','.join('%s="%s"' % kv for kv in labels)
        cm = re.search(r'^tcplens_http_request_duration_seconds_count\{%s\} (\S+)$'
                       % re.escape(lab), text, re.M)
        c.ok(cm and float(cm.group(1)) == vals[-1], '/metrics: _count of %s != +Inf bucket'
             % lab)
    before = _metric(text, 'tcplens_packets_decoded_total')
    c.ok(before is not None, '/metrics: no tcplens_packets_decoded_total')
    added = 0
    for p in (t.files['ex']['fourway-close'], t.files['gen_b']):
        r = t.upload_raw(s, p, 'metrics')
        if c.ok(r.status == 201, 'upload %s: %d' % (p, r.status)):
            added += t.tools.tshark_count(p)
            t.add_to_model(c, r, p, 'metrics')
    after = _metric(s.get('/metrics').text(), 'tcplens_packets_decoded_total')
    if before is not None and after is not None:
        c.eq(after - before, added, 'tcplens_packets_decoded_total grew by the packets uploaded')
    # environment variables
    se = t.server('env-max-upload', env={'TCPLENS_MAX_UPLOAD': '64K'})
    # ten times: the body past the limit is read and dropped before the 413, so a client still
    # sending is never reset before it reads the answer
    for k in range(10):
        r = curl(['--data-binary', '@' + t.files['mid'], se.url + '/api/v1/captures'], max_time=15)
        expect_error(c, r, 413, 'too_large', what='TCPLENS_MAX_UPLOAD=64K, POST %d of %d bytes'
                     % (k + 1, os.path.getsize(t.files['mid'])))
    r = curl(['--data-binary', '@' + t.files['small'], se.url + '/api/v1/captures'])
    c.ok(r.status == 201, 'TCPLENS_MAX_UPLOAD=64K, POST of %d bytes: %d'
         % (os.path.getsize(t.files['small']), r.status))
    se.ensure_stopped()
    sf = t.server('env-and-flag', ['--max-upload', '4M'], env={'TCPLENS_MAX_UPLOAD': '64K'})
    r = curl(['--data-binary', '@' + t.files['mid'], sf.url + '/api/v1/captures'])
    c.ok(r.status == 201, 'TCPLENS_MAX_UPLOAD=64K with --max-upload 4M (the flag wins), POST '
         'of %d bytes: %d' % (os.path.getsize(t.files['mid']), r.status))
    sf.ensure_stopped()


def _closed_within(sock, limit):
    """Seconds until the peer closed the socket (EOF or reset), or None after limit s."""
    t0 = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t0
        if not data:
            return time.monotonic() - t0
    return None


def check_14_slow_client(c, t):
    s = t.server('idle', ['--idle-timeout', '2'])
    slow = socket.create_connection(('127.0.0.1', s.port), timeout=5)
    slow.sendall(b'GET /healthz HT')
    t0 = time.monotonic()
    silent = socket.create_connection(('127.0.0.1', s.port), timeout=5)
    for i in range(5):
        a = time.monotonic()
        r = s.get('/healthz' if i % 2 else '/api/v1/captures', timeout=5)
        c.ok(r.status == 200 and time.monotonic() - a < 1.5,
             'request %d during the stalled connection: %d in %.2f s'
             % (i, r.status, time.monotonic() - a))
    el = _closed_within(slow, 8 - (time.monotonic() - t0))
    total = time.monotonic() - t0 if el is not None else None
    c.ok(total is not None and total <= 5.0,
         'half a request line, then silence: %s' % (
             'still open after 8 s' if total is None else 'closed after %.1f s' % total))
    el2 = _closed_within(silent, 8 - (time.monotonic() - t0))
    c.ok(el2 is not None, 'a connection that sent nothing: still open after 8 s')
    slow.close()
    silent.close()
    r = s.get('/healthz')
    c.ok(r.status == 200, 'GET /healthz after: %d' % r.status)
    c.eq(s.stop(), 0, 'exit status after SIGTERM')
    if total is not None:
        c.note('closed after %.1f s' % total)


def check_15_checksums(c, t):
    """checksums= on upload (stored per flow) and on flow reads (classified again that way):
    the API's flows equal `tcplens decode --checksums MODE`, field by field."""
    s = t.main
    bad = os.path.join(t.repo, 'tests', 'golden', 'crafted_bad_checksums', 'capture.pcap')
    offl = os.path.join(t.repo, 'tests', 'golden', 'tcpdump_mptcp-v1', 'capture.pcap')
    for path, mode in ((bad, 'verify'), (bad, 'ignore'), (bad, 'auto'), (offl, 'verify'),
                       (offl, 'auto')):
        name = '%s-%s' % (os.path.basename(os.path.dirname(path)), mode)
        with open(path, 'rb') as fh:
            body = fh.read()
        r = s.request('POST', '/api/v1/captures?' + qs({'name': name, 'checksums': mode}),
                      body=body, timeout=30)
        if not c.ok(r.status == 201, 'upload %s: status %d %s' % (name, r.status, r.text()[:200])):
            continue
        cap = r.json()['capture']
        c.eq(cap.get('checksums'), mode, 'upload %s: capture.checksums' % name)
        want = t.tools.decode(path, timeline=True, checksums=mode)
        got_list = s.get('/api/v1/flows?capture=%d' % cap['id']).json()['flows']
        c.eq([(x['conn_state'], x['history'], x['checksums']) for x in got_list],
             [(x['conn_state'], x['history'], mode) for x in want['flows']],
             '%s: stored conn_state/history vs tcplens decode --checksums %s' % (name, mode))
        for x, w in zip(got_list, want['flows']):
            g = s.get('/api/v1/flows/%d' % x['id'])
            if c.ok(g.status == 200, '%s: GET flow %d: %d' % (name, x['id'], g.status)):
                _cmp_flow(c, g.json(), w, cap['id'], '%s flow %d' % (name, x['id']))
            # read again under another mode: the flow is classified again that way
            other = 'ignore' if mode != 'ignore' else 'verify'
            w2 = t.tools.decode(path, timeline=True, checksums=other)['flows'][w['index']]
            g = s.get('/api/v1/flows/%d?checksums=%s' % (x['id'], other))
            if c.ok(g.status == 200, '%s: GET flow ?checksums=%s: %d' % (name, other, g.status)):
                _cmp_flow(c, g.json(), w2, cap['id'], '%s flow %d read as %s' % (name, x['id'],
                                                                                 other))
    want = t.tools.decode(offl, timeline=True)
    c.ok(any(p['tcp']['checksum_status'] == 'offloaded' for fl in want['flows']
             for p in fl['timeline']), 'tcpdump_mptcp-v1: no packet is offloaded')
    # a bad mode is a 400 that names the parameter, on upload and on read
    with open(bad, 'rb') as fh:
        body = fh.read()
    expect_error(c, s.request('POST', '/api/v1/captures?checksums=sometimes', body=body),
                 400, 'bad_parameter', 'checksums', 'upload ?checksums=sometimes')
    fid = s.get('/api/v1/flows?limit=1').json()['flows'][0]['id']
    expect_error(c, s.get('/api/v1/flows/%d?checksums=VERIFY' % fid), 400, 'bad_parameter',
                 'checksums', 'GET flow ?checksums=VERIFY')
    expect_error(c, s.get('/api/v1/flows/%d/ladder.svg?checksums=' % fid), 400,
                 'bad_parameter', 'checksums', 'GET ladder ?checksums=')


def check_16_duplicates_annotations(c, t):
    """The same file uploaded again answers 200 with the stored capture ("duplicate": true)
    unless ?duplicate=keep; a different filter is a different capture; examples are stored
    once. Annotations: stored with Jansson-parsed bodies, survive a restart, go with their
    capture."""
    s = t.server('dup', keep_duplicates=False)  # tcplensd's own default: reuse
    seed = os.path.join(t.repo, 'tests', 'golden', 'seed_telnet', 'capture.pcap')
    with open(seed, 'rb') as fh:
        body = fh.read()
    r1 = s.request('POST', '/api/v1/captures?name=first', body=body, timeout=30)
    c.eq(r1.status, 201, 'first upload: status')
    cid = r1.json()['capture']['id']
    c.ok('duplicate' not in r1.json(), 'first upload: no "duplicate"')
    for how, r in (('raw', s.request('POST', '/api/v1/captures?name=again', body=body)),
                   ('multipart', curl(['-F', 'file=@' + seed, s.url + '/api/v1/captures'])),
                   ('PUT', curl(['-T', seed, s.url + '/api/v1/captures/'])),
                   ('Content-Length and chunks', curl(['-H', 'Transfer-Encoding: chunked',
                                                       '--data-binary', '@' + seed,
                                                       s.url + '/api/v1/captures']))):
        if c.eq(r.status, 200, 'same file again (%s): status' % how):
            d = r.json()
            c.eq(d.get('duplicate'), True, 'same file again (%s): "duplicate"' % how)
            c.eq(d['capture']['id'], cid, 'same file again (%s): the stored capture' % how)
            c.eq(d['capture']['name'], 'first', 'same file again (%s): its first name' % how)
    r = s.request('POST', '/api/v1/captures?duplicate=keep', body=body)
    c.eq(r.status, 201, '?duplicate=keep: a new capture')
    c.ok(r.status == 201 and r.json()['capture']['id'] != cid, '?duplicate=keep: a new id')
    r = s.request('POST', '/api/v1/captures?filter=tcp+port+5555', body=body)
    c.eq(r.status, 201, 'the same file with a filter: a new capture')
    r = s.request('POST', '/api/v1/captures?filter=tcp+port+5555', body=body)
    c.eq(r.status, 200, 'the same file with the same filter again: the stored one')
    other = body[:-1] + bytes([body[-1] ^ 1])  # one bit changed: another file
    r = s.request('POST', '/api/v1/captures', body=other)
    c.eq(r.status, 201, 'one bit changed: a new capture')
    n = len(s.get('/api/v1/captures?limit=1000').json()['captures'])
    c.eq(n, 4, 'captures stored (first, keep, filtered, one bit changed)')
    expect_error(c, s.request('POST', '/api/v1/captures?duplicate=maybe', body=body), 400,
                 'bad_parameter', 'duplicate', '?duplicate=maybe')
    ex = s.get('/api/v1/examples').json()['examples'][0]['name']
    a = s.request('POST', '/api/v1/examples/' + ex)
    b = s.request('POST', '/api/v1/examples/' + ex)
    c.eq((a.status, b.status), (201, 200), 'an example chosen twice: stored once')
    if a.status == 201 and b.status == 200:
        c.eq(b.json()['capture']['id'], a.json()['capture']['id'], 'the example: same capture')
    # 4 identical uploads at once: one capture (the check runs inside the write transaction)
    jobs = [CurlJob(['--data-binary', '@' + seed, s.url + '/api/v1/captures?name=race'])
            for _ in range(4)]
    codes = sorted(j.wait().status for j in jobs)
    n2 = len(s.get('/api/v1/captures?limit=1000').json()['captures'])
    c.eq(n2, n + 1, '4 identical concurrent uploads of a new file store one capture '
         '(answers %s)' % codes)

    # annotations
    js = {'Content-Type': 'application/json'}
    fid = s.get('/api/v1/flows?capture=%d' % cid).json()['flows'][0]['id']
    r = s.request('POST', '/api/v1/captures/%d/annotations' % cid, headers=js,
                  body=json.dumps({'text': '为什么是三个报文？', 'author': '老师'}).encode())
    c.eq(r.status, 201, 'note on a capture: status')
    c.ok((r.header('Location') or '').startswith('/api/v1/annotations/'), 'note: Location')
    r = s.request('POST', '/api/v1/flows/%d/annotations' % fid, headers=js,
                  body=b'{"text": "the FIN carries the ACK", "packet": 4}')
    c.eq(r.status, 201, 'note on packet 4: status')
    for b2, field, what in ((b'{"text": "x", "packet": 6}', 'packet', 'packet past the end'),
                            (b'{"text": ""}', 'text', 'empty text'),
                            (b'{"text": 5}', 'text', 'text not a string'),
                            (b'[1, 2]', None, 'not an object'),
                            (b'{"text": "\u0000"}', None, 'a NUL character'),
                            (b'{"text": "a", "text": "b"}', None, 'a repeated member')):
        r = s.request('POST', '/api/v1/flows/%d/annotations' % fid, headers=js, body=b2)
        expect_error(c, r, 400, 'bad_request', field, 'note: %s' % what)
    want = [('为什么是三个报文？', None, None), ('the FIN carries the ACK', fid, 4)]
    got = [(a['text'], a['flow'], a['packet'])
           for a in s.get('/api/v1/captures/%d/annotations' % cid).json()['annotations']]
    c.eq(got, want, 'the capture lists its notes')
    c.eq(s.stop(), 0, 'exit status after SIGTERM')
    s.start()
    got = [(a['text'], a['flow'], a['packet'])
           for a in s.get('/api/v1/captures/%d/annotations' % cid).json()['annotations']]
    c.eq(got, want, 'the notes after a restart')
    c.eq(s.request('DELETE', '/api/v1/captures/%d' % cid).status, 204, 'DELETE the capture')
    c.eq(s.get('/api/v1/captures/%d/annotations' % cid).status, 404, 'its notes: 404')
    left = s.db_scalar('SELECT count(*) FROM annotations WHERE capture_id = %d' % int(cid))
    c.eq(left, 0, 'no note of the deleted capture is left in the database')


def _sort_value(f, key):
    """A flow's value for sort=KEY, computed from its JSON (None: unknown)."""
    if key == 'rtt':
        return f['handshake']['rtt_us'].get('total')
    if key == 'bytes':
        return f['bytes']['c2s'] + f['bytes']['s2c']
    if key == 'packets':
        return f['packets']['c2s'] + f['packets']['s2c']
    if key == 'duration':
        return f['duration_us']
    if key == 'first_ts':
        return f['first_ts']  # RFC 3339 UTC strings of one width sort as times
    pf = f['perf']
    if key == 'retrans':
        return pf['c2s']['retransmitted_packets'] + pf['s2c']['retransmitted_packets']
    return pf['c2s']['retransmitted_bytes'] + pf['s2c']['retransmitted_bytes']


def check_17_sort_stats(c, t):
    """sort= in every order, keyset-paginated: pages of 25 concatenate to the whole list sorted
    by the key computed from each flow's own JSON (unknown values last, ties by id in the key's
    direction), with no
    flow lost or repeated while uploads happen in parallel; range and list filters; /stats
    equals the sums over the list."""
    s = t.main
    for name in ('perf_bulk_sack', 'perf_rto_spurious', 'zeek_tcp_retransmit-fast009',
                 'crafted_rejected_rst', 'crafted_syn_retransmit_unanswered'):
        path = glob.glob(os.path.join(t.repo, 'tests', 'golden', name, 'capture.pcap*'))[0]
        with open(path, 'rb') as fh:
            r = s.request('POST', '/api/v1/captures?name=sort-' + name, body=fh.read(),
                          timeout=30)
        c.ok(r.status in (200, 201), 'upload %s: %d' % (name, r.status))
    full, _ = page_all(c, s, '/api/v1/flows', {}, 'flows', 1000)
    if full is None:
        return
    ids = [f['id'] for f in full]
    c.note('%d flows' % len(full))
    big = t.gen_capture('sort-parallel.pcap', '-p', '400', '-c', '30', '-w', '8', '-s', '31')
    for key in ('first_ts', 'duration', 'rtt', 'bytes', 'packets', 'retrans', 'retrans_bytes'):
        for desc in (False, True):
            sort = ('-' if desc else '') + key
            known = [f for f in full if _sort_value(f, key) is not None]
            unknown = [f for f in full if _sort_value(f, key) is None]
            # ties go the key's way (by id ascending, or descending with a descending key)
            known.sort(key=lambda f: (_sort_value(f, key), f['id']), reverse=desc)
            want = [f['id'] for f in known] + sorted((f['id'] for f in unknown), reverse=desc)
            job = CurlJob(['--data-binary', '@' + big,
                           s.url + '/api/v1/captures?duplicate=keep&name=during-' + sort])
            got, pages = page_all(c, s, '/api/v1/flows', {'sort': sort}, 'flows', 25)
            job.wait()
            if got is None:
                continue
            got_old = [f['id'] for f in got if f['id'] in set(ids)]
            c.eq(len(got_old), len(set(got_old)), 'sort=%s: no flow repeated' % sort)
            c.eq(got_old, want, 'sort=%s: %d pages of 25 in order, none lost' % (sort, pages))
    # range and list filters, each against the same flows filtered here
    for q, pred in ((('min_rtt_us', 20000), lambda f: (_sort_value(f, 'rtt') or -1) >= 20000),
                    (('min_retrans', 1), lambda f: _sort_value(f, 'retrans') >= 1),
                    (('min_bytes', 10000), lambda f: _sort_value(f, 'bytes') >= 10000),
                    (('min_duration_us', 1000000),
                     lambda f: _sort_value(f, 'duration') >= 1000000),
                    (('port', '80,5555'), lambda f: {f['client']['port'], f['server']['port']}
                     & {80, 5555}),
                    (('conn_state', 'REJ,S0'), lambda f: f['conn_state'] in ('REJ', 'S0'))):
        got, _ = page_all(c, s, '/api/v1/flows', {q[0]: q[1]}, 'flows', 1000)
        now, _ = page_all(c, s, '/api/v1/flows', {}, 'flows', 1000)
        if got is not None and now is not None:
            c.eq(sorted(f['id'] for f in got), sorted(f['id'] for f in now if pred(f)),
                 '%s=%s selects the flows it says' % q)
    got, _ = page_all(c, s, '/api/v1/flows', {}, 'flows', 1000)
    for group, keyf in (('conn_state', lambda f: f['conn_state']),
                        ('handshake', lambda f: f['handshake']['state']),
                        ('server_port', lambda f: str(f['server']['port'])),
                        ('capture', lambda f: str(f['capture']))):
        r = s.get('/api/v1/stats?group_by=' + group)
        if not c.ok(r.status == 200, 'stats by %s: %d' % (group, r.status)):
            continue
        d = r.json()
        want = {}
        for f in got:
            k = keyf(f)
            w = want.setdefault(k, [0, 0, 0])
            w[0] += 1
            w[1] += f['packets']['c2s'] + f['packets']['s2c']
            w[2] += f['bytes']['c2s'] + f['bytes']['s2c']
        c.eq({g['key']: [g['flows'], g['packets'], g['bytes']] for g in d['groups']}, want,
             'stats by %s equal the sums over the list' % group)
        c.eq(d['total']['flows'], len(got), 'stats by %s: total flows' % group)
        # each share is rounded to 0.01: their sum is within 0.005 per group of 100
        c.ok(abs(sum(g['share'] for g in d['groups']) - 100) <= 0.005 * len(d['groups']) + 1e-9,
             'stats by %s: shares add up to 100 %% (%s)' % (group,
                                                      sum(g['share'] for g in d['groups'])))
    # tunnel filters: each against the flows' "tunnels" as `tcplens decode` gives them (the
    # server's stored records start at the first IP header: link-layer tags are in the flow
    # row's filter columns, not in the replayed JSON)
    every = {}
    for name in ('tun_vxlan', 'tun_vxlan_in_qinq', 'tun_vlan_9100_9200', 'tun_gre',
                 'tun_geneve', 'tun_mpls'):
        path = os.path.join(t.repo, 'tests', 'golden', name, 'capture.pcap')
        with open(path, 'rb') as fh:
            r = s.request('POST', '/api/v1/captures?name=tun-' + name, body=fh.read())
        if not c.ok(r.status in (200, 201), 'upload %s: %d' % (name, r.status)):
            continue
        cid = r.json()['capture']['id']
        ids = [f['id'] for f in s.get('/api/v1/flows?limit=1000&capture=%d' % cid).json()['flows']]
        local = t.tools.decode(path)['flows']
        c.eq(len(ids), len(local), '%s: flows stored vs tcplens decode' % name)
        for fid, lf in zip(ids, local):
            every[fid] = lf.get('tunnels') or []
    scope = sorted(every)

    def outer_in(tl, net):
        n = ipaddress.ip_network(net)
        for x in tl:
            if 'outer_src' in x:
                return any(ipaddress.ip_address(x[k]) in n for k in ('outer_src', 'outer_dst')
                           if ipaddress.ip_address(x[k]).version == n.version)
        return False
    for q, pred in ((('tunnel', 'vxlan'), lambda tl: any(x['kind'] == 'vxlan' for x in tl)),
                    (('tunnel', 'vlan,geneve'),
                     lambda tl: any(x['kind'] in ('vlan', 'geneve') for x in tl)),
                    (('vlan', '300'), lambda tl: any(x.get('vlan') == 300 for x in tl)),
                    (('vlan', '20,31'), lambda tl: any(x.get('vlan') in (20, 31) for x in tl)),
                    (('vni', '99'), lambda tl: [x.get('vni') for x in tl if 'vni' in x][:1] == [99]),
                    (('outer_host', '192.0.2.2'), lambda tl: outer_in(tl, '192.0.2.2/32')),
                    (('tunnel', 'mpls'), lambda tl: any(x['kind'] == 'mpls' for x in tl))):
        got, _ = page_all(c, s, '/api/v1/flows', {q[0]: q[1]}, 'flows', 1000)
        if got is not None:
            want = sorted(i for i, tl in every.items() if pred(tl))
            c.ok(want, '%s=%s: the test captures have such flows' % q)
            c.eq(sorted(f['id'] for f in got if f['id'] in scope), want,
                 '%s=%s selects the flows whose tunnels say so' % q)
    expect_error(c, s.get('/api/v1/flows?tunnel=wormhole'), 400, 'bad_parameter', 'tunnel')
    expect_error(c, s.get('/api/v1/flows?vlan=4096'), 400, 'bad_parameter', 'vlan')
    r = s.get('/api/v1/stats?group_by=conn_state&conn_state=REJ')
    c.ok(r.status == 200 and [g['key'] for g in r.json()['groups']] in ([], ['REJ']),
         'stats take the list filters')
    expect_error(c, s.get('/api/v1/stats?group_by=colour'), 400, 'bad_parameter', 'group_by')
    expect_error(c, s.get('/api/v1/flows?sort=-rtt&cursor=12'), 400, 'bad_parameter', 'cursor',
                 'an id cursor with sort=-rtt')
    expect_error(c, s.get('/api/v1/flows?sort=loudness'), 400, 'bad_parameter', 'sort')


def check_18_jobs(c, t):
    """Background jobs: an upload above --async-above, or sent with Prefer: respond-async,
    answers 202 with Location /api/v1/jobs/{id}; the job shows its progress and ends done (its
    capture whole, equal to a synchronous upload's) or failed with the error an upload would
    have given; a job a stopped server left running reads failed after the restart."""
    s = t.server('jobs', ['--async-above', '100K'])
    big = os.path.join(t.repo, 'tests', 'golden', 'perf_bulk_sack', 'capture.pcap')
    seed = os.path.join(t.repo, 'tests', 'golden', 'seed_telnet', 'capture.pcap')

    def wait_job(loc):
        doc = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = s.get(loc)
            if not c.ok(r.status == 200, 'GET %s: %d' % (loc, r.status)):
                return {}
            doc = r.json()
            if doc['state'] in ('done', 'failed'):
                return doc
            c.ok(doc['state'] in ('queued', 'running'), '%s: state %r' % (loc, doc['state']))
            c.ok(0 <= doc['bytes_done'] <= doc['size_bytes'], '%s: bytes_done within size' % loc)
            time.sleep(0.1)
        c.ok(False, '%s: not done within 60 s: %s' % (loc, doc))
        return doc
    with open(big, 'rb') as fh:
        body = fh.read()
    r = s.request('POST', '/api/v1/captures?name=big-async', body=body, timeout=30)
    c.eq(r.status, 202, 'a 430 kB upload above --async-above 100K: 202')
    loc = r.header('Location') or ''
    c.ok(re.match(r'^/api/v1/jobs/\d+$', loc), 'Location %r' % loc)
    if r.status == 202:
        c.eq(r.json()['size_bytes'], len(body), 'the job document: size_bytes')
    doc = wait_job(loc)
    if c.eq(doc.get('state'), 'done', 'the job ends done: %s' % doc):
        cap = s.get(doc['location'])
        c.eq(cap.status, 200, 'its capture at %s' % doc['location'])
        want = t.tools.decode(big)
        c.eq(cap.json()['capture']['flows'], len(want['flows']), 'the capture is whole')
        c.eq(doc['packets'], want['capture']['packets'], 'the job counted every packet')
        c.eq(doc['bytes_done'], len(body), 'a done job: bytes_done = size_bytes')
    r = s.request('POST', '/api/v1/captures?name=small', body=open(seed, 'rb').read(),
                  headers={'Prefer': 'respond-async'})
    c.eq(r.status, 202, 'a small upload with Prefer: respond-async: 202')
    r = s.request('POST', '/api/v1/captures?name=sync&duplicate=keep',
                  body=open(seed, 'rb').read())
    c.eq(r.status, 201, 'a small upload without Prefer: 201 as before')
    r = s.request('POST', '/api/v1/captures?name=junk', body=b'not a capture at all\n' * 10,
                  headers={'Prefer': 'respond-async'})
    if c.eq(r.status, 202, 'a bad file with Prefer: respond-async: 202'):
        doc = wait_job(r.header('Location'))
        c.eq((doc.get('state'), (doc.get('error') or {}).get('code')),
             ('failed', 'not_a_capture'), 'the job fails with the upload\'s error')
    expect_error(c, s.get('/api/v1/jobs/999999'), 404, 'not_found', None, 'an unknown job')
    # a job the server left running, with no record of its file: failed after the restart,
    # with the reason (SQLite: at start-up; PostgreSQL: when a server claims it, its lease
    # having run out, and finds nothing to run)
    c.eq(s.stop(), 0, 'exit status after SIGTERM')
    jid = s.db_scalar("INSERT INTO jobs (state, name, size_bytes, created_at) VALUES "
                      "('running', 'cut', 100, '2026-01-01T00:00:00Z') RETURNING id", jobs=True)
    s.start()
    doc = harness.wait_until(lambda: (lambda d: d if d.get('state') != 'running' else None)(
        s.get('/api/v1/jobs/%d' % jid).json()), 10, 0.1) or {}
    c.eq((doc.get('state'), (doc.get('error') or {}).get('code')), ('failed', 'interrupted'),
         'a job left running reads failed after the restart')
    c.ok('upload the file again' in (doc.get('error') or {}).get('message', ''),
         'it says what to do: %r' % doc.get('error'))


CHECKS = [
    (1, 'uploads: curl -F, -F name=, --data-binary ?name=, -T, pcapng', check_01_uploads),
    (2, 'flow queries (host/CIDR v4+v6, ports, states, capture, since/until, AND) and paging',
     check_02_queries),
    (3, 'flow detail == tcplens decode; lang/Accept-Language; timeline paging',
     check_03_flow_detail),
    (4, 'flow export /flows/{id}/pcap == original packets (tshark)', check_04_flow_pcap),
    (5, 'ladder.svg: XML, <svg>, one arrow per packet, labels, lang=zh; examples in Chinese',
     check_05_ladder),
    (6, 'DELETE capture: 204, flows, file and routes gone', check_06_delete),
    (7, 'restart on the same database: same answers; SIGTERM (also mid-upload) exits 0',
     check_07_restart),
    (8, '8 concurrent uploads', check_08_concurrent),
    (9, 'bad inputs: 415/400/413/404/405/401, bad parameters, SQL-looking input',
     check_09_bad_inputs),
    (10, 'kill -9 during a 1M-packet ingest, then restart', check_10_kill9),
    (11, 'CORS', check_11_cors),
    (12, 'TLS', check_12_tls),
    (13, '/healthz, /metrics, TCPLENS_* environment', check_13_health_metrics_env),
    (14, 'slow client vs --idle-timeout 2', check_14_slow_client),
    (15, 'checksums=auto|verify|ignore on upload and on flow reads == tcplens decode',
     check_15_checksums),
    (16, 'duplicate uploads and examples; annotations (Jansson bodies, restart, delete)',
     check_16_duplicates_annotations),
    (17, 'sort= in every order with keyset pages during uploads; range, list and tunnel '
         'filters; stats',
     check_17_sort_stats),
    (18, 'background jobs: 202 + /jobs/{id}, progress, done/failed, after a restart',
     check_18_jobs),
]


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    tcplensd, tcplens, repo = (os.path.abspath(a) for a in argv[1:])
    for tool in ('curl', 'tshark', 'openssl'):
        if not shutil.which(tool):
            print('test_api: %s is not on PATH' % tool, file=sys.stderr)
            return 2
    only = set(os.environ.get('TCPLENS_TEST_ONLY', '').replace(',', ' ').split())

    def interrupted(signum, frame):
        raise KeyboardInterrupt('signal %d' % signum)
    signal.signal(signal.SIGTERM, interrupted)
    tmp = tempfile.mkdtemp(prefix='tcplens-api-')
    harness.TMP_ROOT = tmp
    t = T(tcplensd, tcplens, repo, tmp)
    seen = []
    harness.OBSERVERS.append(lambda *a: seen.append(a))
    passed = failed = 0
    start = time.monotonic()
    try:
        try:
            setup(t)
        except Exception as e:
            print('FAIL setup: %s' % e)
            traceback.print_exc()
            return 1
        for num, title, fn in CHECKS:
            if only and str(num) not in only:
                continue
            c = Check(num, title)
            t0 = time.monotonic()
            try:
                fn(c, t)
            except Exception as e:
                c.failures.append('exception: %s: %s\n%s' % (type(e).__name__, e,
                                                            traceback.format_exc()))
            if t.main and not t.main.running():
                c.failures.append('the main server is not running; log:\n%s'
                                  % t.main.log_tail())
                t.main.start()
            status = 'PASS' if not c.failures else 'FAIL'
            passed += not c.failures
            failed += bool(c.failures)
            extra = '; '.join(c.notes)
            print('%s %2d %s (%d assertions, %.1f s)%s' % (
                status, num, title, c.count, time.monotonic() - t0,
                ' [%s]' % extra if extra else ''), flush=True)
            for msg in c.failures:
                print('       - ' + msg.replace('\n', '\n         '), flush=True)
        bad = [(m, u, st) for m, u, st, h, b in seen if st >= 500 and st != 503]
        html = [(m, u, st) for m, u, st, h, b in seen if not urllib.parse.urlsplit(u).path in
                ('/', '/index.html') and 'html' in (h.get('content-type') or '').lower()]
        ok = not bad and not html
        print('%s    no 500 and no HTML in any of the %d answers of the run%s' % (
            'PASS' if ok else 'FAIL', len(seen),
            '' if ok else ': %s %s' % (bad[:5], html[:5])))
        passed += ok
        failed += not ok
    finally:
        for s in t.servers:
            s.ensure_stopped()
        if os.environ.get('TCPLENS_TEST_KEEP'):
            print('kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print('total time %.1f s' % (time.monotonic() - start))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
