#!/usr/bin/env python3
"""GET /api/v1/flows/{id}/tsg.svg against tshark and against its contract.

usage: test_tsg.py TCPLENSD REPO_ROOT

1. golden: for each case of tsg_golden.json (tshark's fields of every packet, written by
   tsg_golden.py), both directions' marks must be tshark's: each segment's tcp.seq, tcp.len and
   seq + len + SYN + FIN, its retransmission / out-of-order / lost-segment flag; each of the
   other side's ACKs with tcp.ack and tcp.window_size (and ack + window), duplicate ACKs; each
   SACK block relative to the sender's base. The timeline's frames say the index is the packet's.
2. the endpoint: 200 image/svg+xml that xml.etree parses, every data-index a packet of the
   flow, the default direction the one with more payload, dir=s2c, lang=zh / Accept-Language in
   Chinese, width and height, 404 for an unknown flow, 400 for bad parameters.
3. a long flow (tl_gen_capture beside TCPLENSD, or $TL_GEN_CAPTURE): thinned to a bounded
   number of marks, and the picture says so.

One server on 127.0.0.1 (ephemeral port) in a temporary directory. Exits 1 when a check failed.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server  # noqa: E402

SVG = '{http://www.w3.org/2000/svg}'
CJK = re.compile('[\u4e00-\u9fff]')
RETRANS = ('retransmission', 'fast_retransmission', 'spurious_retransmission')
LONG_PACKETS = 20000
MAX_ELEMENTS = 30000  # what the caps in render/tsg.h allow, with the axes and the legend

failures = []
count = 0


def ok(cond, msg):
    global count
    count += 1
    if not cond:
        failures.append(msg)
        print('FAIL ' + msg, flush=True)
    return bool(cond)


def eq(got, want, what):
    if got == want:
        return ok(True, what)
    if isinstance(got, list) and isinstance(want, list):
        for k, (a, b) in enumerate(zip(got, want)):
            if a != b:
                return ok(False, '%s: first difference at %d: got %s, tshark %s (%d vs %d items)'
                          % (what, k, a, b, len(got), len(want)))
        return ok(False, '%s: %d items, tshark %d' % (what, len(got), len(want)))
    return ok(False, '%s: got %r, expected %r' % (what, got, want))


def kind(analysis):
    if any(a in analysis for a in RETRANS):
        return 'retrans'
    if 'out_of_order' in analysis:
        return 'ooo'
    if 'lost_segment' in analysis:
        return 'lost'
    return 'data'


def expected(rows, d):
    """The marks tshark's fields give for direction d."""
    segs, acks, sacks = [], [], []
    for i, r in enumerate(rows):
        if r['dir'] == d:
            if r['len'] or r['syn'] or r['fin'] or r['rst']:
                end = (r['seq'] + r['len'] + r['syn'] + r['fin']) & 0xffffffff
                segs.append({'i': i, 'seq': r['seq'], 'end': end, 'len': r['len'],
                             'kind': kind(r['analysis'])})
        elif r['ackf']:
            acks.append({'i': i, 'ack': r['ack'], 'window': r['window'],
                         'win': r['ack'] + r['window'],
                         'dup': 'duplicate_ack' in r['analysis']})
            for left, right in r['sack']:
                sacks.append({'i': i, 'left': left, 'right': right})
    return segs, acks, sacks


def marks(root):
    def num(e, a):
        return int(e.get(a))

    def cls(e):
        return (e.get('class') or '').split()

    segs, acks, sacks = [], [], []
    for e in root.iter(SVG + 'g'):
        c = cls(e)
        if e.get('data-index') is None:
            continue  # a legend sample
        if 'seg' in c:
            segs.append({'i': num(e, 'data-index'), 'seq': num(e, 'data-seq'),
                         'end': num(e, 'data-end'), 'len': num(e, 'data-len'),
                         'kind': e.get('data-kind'), 'count': int(e.get('data-count', '1'))})
        elif 'ackpt' in c:
            acks.append({'i': num(e, 'data-index'), 'ack': num(e, 'data-ack'),
                         'window': num(e, 'data-window'), 'win': num(e, 'data-win'),
                         'dup': 'dup' in c, 'count': int(e.get('data-count', '1'))})
        elif 'sack' in c:
            sacks.append({'i': num(e, 'data-index'), 'left': num(e, 'data-left'),
                          'right': num(e, 'data-right')})
    return segs, acks, sacks


def parse_svg(r, what):
    if not ok(r.status == 200, '%s: status %d %s' % (what, r.status, r.text()[:200])):
        return None
    ok(r.content_type == 'image/svg+xml', '%s: Content-Type %r' % (what, r.content_type))
    try:
        root = ET.fromstring(r.body)
    except ET.ParseError as e:
        ok(False, '%s: not XML: %s' % (what, e))
        return None
    ok(root.tag == SVG + 'svg', '%s: root element %s' % (what, root.tag))
    titles = [e for e in root.iter() if e.get('data-index') is not None]
    ok(all(e.find(SVG + 'title') is not None and (e.find(SVG + 'title').text or '')
           for e in titles), '%s: a mark without a <title>' % what)
    return root


def texts(root):
    return ' '.join(t for t in root.itertext())


def expect_error(r, status, code, what):
    if not ok(r.status == status, '%s: status %d, expected %d (%s)'
              % (what, r.status, status, r.text()[:200])):
        return
    try:
        err = r.json()['error']
    except Exception:
        ok(False, '%s: not a JSON error body: %s' % (what, r.text()[:200]))
        return
    ok(err.get('code') == code, '%s: error.code %r, expected %r' % (what, err.get('code'), code))


def upload(s, path, name):
    with open(path, 'rb') as f:
        body = f.read()
    r = s.request('POST', '/api/v1/captures?name=' + name, body=body, timeout=30)
    if not ok(r.status == 201, 'upload %s: %d %s' % (name, r.status, r.text()[:200])):
        return None
    return r.json()['flows']


def timeline_frames(s, fid, n):
    frames = []
    offset = 0
    for _ in range(100):  # bounded paging
        d = s.get_json('/api/v1/flows/%d?offset=%d&limit=1000' % (fid, offset))
        frames += [p['frame'] for p in d['timeline']]
        nxt = d['timeline_page']['next_offset']
        if nxt is None or len(frames) >= n:
            break
        offset = nxt
    return frames


def check_golden(s, repo, golden):
    for case, rows in sorted(golden['cases'].items()):
        flows = upload(s, os.path.join(repo, 'tests', 'golden', case, 'capture.pcap'), case)
        if not flows or not ok(len(flows) == 1, '%s: %d flows, one expected' % (case, len(flows))):
            continue
        fid = flows[0]['id']
        eq(timeline_frames(s, fid, len(rows)), [r['frame'] for r in rows],
           '%s: the timeline is tshark\'s stream in order (index = position)' % case)
        payload = {d: sum(r['len'] for r in rows if r['dir'] == d) for d in ('c2s', 's2c')}
        want_default = 's2c' if payload['s2c'] > payload['c2s'] else 'c2s'
        root = parse_svg(s.get('/api/v1/flows/%d/tsg.svg' % fid), '%s default' % case)
        if root is not None:
            eq(root.get('data-dir'), want_default, '%s: default direction (payload %s)'
               % (case, payload))
        for d in ('c2s', 's2c'):
            what = '%s dir=%s' % (case, d)
            root = parse_svg(s.get('/api/v1/flows/%d/tsg.svg?dir=%s' % (fid, d)), what)
            if root is None:
                continue
            eq(root.get('data-dir'), d, '%s: data-dir' % what)
            eq(root.get('data-thinned'), 'false', '%s: thinned' % what)
            segs, acks, sacks = marks(root)
            want_segs, want_acks, want_sacks = expected(rows, d)
            eq([{k: m[k] for k in ('i', 'seq', 'end', 'len', 'kind')} for m in segs], want_segs,
               '%s: segments (index, tcp.seq, seq+len+SYN+FIN, tcp.len, analysis)' % what)
            eq([{k: m[k] for k in ('i', 'ack', 'window', 'win', 'dup')} for m in acks], want_acks,
               '%s: ACK points (index, tcp.ack, tcp.window_size, ack+window, dup ACK)' % what)
            eq(sacks, want_sacks, '%s: SACK blocks (tcp.options.sack relative)' % what)
            print('ok   %s: %d segments, %d ACKs, %d SACK blocks as tshark' % (
                what, len(segs), len(acks), len(sacks)), flush=True)


def check_endpoint(s, repo):
    flows = upload(s, os.path.join(repo, 'tests', 'golden', 'crafted_retransmissions',
                                   'capture.pcap'), 'contract')
    if not flows:
        return
    fid = flows[0]['id']
    total = flows[0]['packets']['c2s'] + flows[0]['packets']['s2c']
    base = '/api/v1/flows/%d/tsg.svg' % fid
    for q in ('', '?dir=c2s', '?dir=s2c', '?lang=zh', '?dir=s2c&lang=zh&checksums=verify'):
        root = parse_svg(s.get(base + q), 'GET tsg.svg' + q)
        if root is None:
            continue
        idx = [int(e.get('data-index')) for e in root.iter() if e.get('data-index') is not None]
        ok(idx and all(0 <= i < total for i in idx),
           'tsg.svg%s: data-index outside 0..%d: %s' % (q, total - 1,
                                                      [i for i in idx if not 0 <= i < total]))
        words = texts(root)
        if 'lang=zh' in q:
            ok('相对序列号' in words and '时间-序列号图' in words and
               bool(CJK.search(root.find(SVG + 'title').text or '')),
               'tsg.svg%s: not in Chinese: %s' % (q, words[:200]))
            ok('relative sequence number' not in words, 'tsg.svg%s: English left' % q)
        else:
            ok(not CJK.search(words), 'tsg.svg%s: Chinese in the English picture' % q)
            ok('relative sequence number' in words, 'tsg.svg%s: no axis name' % q)
    root = parse_svg(s.get(base, headers={'Accept-Language': 'zh-CN,zh;q=0.9'}),
                     'tsg.svg Accept-Language: zh-CN')
    if root is not None:
        ok('相对序列号' in texts(root), 'tsg.svg with Accept-Language zh-CN: not in Chinese')
    root = parse_svg(s.get(base + '?width=1200&height=700'), 'tsg.svg?width=1200&height=700')
    if root is not None:
        ok(root.get('width') == '1200' and root.get('height') == '700',
           'tsg.svg width/height: %s x %s' % (root.get('width'), root.get('height')))
    r = s.request('HEAD', base)
    ok(r.status == 200 and r.body == b'', 'HEAD tsg.svg: %d, %d bytes' % (r.status, len(r.body)))
    expect_error(s.get('/api/v1/flows/99999999/tsg.svg'), 404, 'not_found', 'unknown flow')
    for q, what in (('dir=up', 'dir'), ('dir=', 'empty dir'), ('width=10', 'width too small'),
                    ('height=100000', 'height too large'), ('width=wide', 'width not a number'),
                    ('lang=fr', 'lang'), ('checksums=', 'empty checksums')):
        expect_error(s.get(base + '?' + q), 400, 'bad_parameter', 'tsg.svg?%s (%s)' % (q, what))
    expect_error(s.get(base + '?bogus=1'), 400, 'unknown_parameter', 'tsg.svg?bogus=1')
    print('ok   the endpoint: statuses, languages, sizes, errors', flush=True)


def check_long(s, binary, tmp):
    gen = os.environ.get('TL_GEN_CAPTURE') or os.path.join(os.path.dirname(binary),
                                                           'tl_gen_capture')
    if not ok(os.path.exists(gen), 'tl_gen_capture not found at %s' % gen):
        return
    pcap = os.path.join(tmp, 'long.pcap')
    subprocess.run([gen, '-p', str(LONG_PACKETS), '-c', '1', '-w', '1', '-o', pcap], check=True,
                   timeout=120, stdout=subprocess.DEVNULL)
    flows = upload(s, pcap, 'long')
    if not flows:
        return
    fl = max(flows, key=lambda f: f['packets']['c2s'] + f['packets']['s2c'])
    n = fl['packets']['c2s'] + fl['packets']['s2c']
    for d in ('c2s', 's2c'):
        t0 = time.monotonic()
        r = s.get('/api/v1/flows/%d/tsg.svg?dir=%s' % (fl['id'], d), timeout=30)
        what = 'long flow (%d packets) dir=%s' % (n, d)
        root = parse_svg(r, what)
        if root is None:
            continue
        segs, acks, sacks = marks(root)
        elements = sum(1 for _ in root.iter())
        ok(len(segs) <= 1500 and len(acks) <= 1500 and len(sacks) <= 600 and
           elements <= MAX_ELEMENTS, '%s: %d segment marks, %d ACK points, %d SACK, %d elements'
           % (what, len(segs), len(acks), len(sacks), elements))
        sent = fl['packets'][d]
        other = fl['packets']['s2c' if d == 'c2s' else 'c2s']
        ok(sum(m['count'] for m in segs) <= sent and sum(m['count'] for m in acks) <= other,
           '%s: marks stand for more packets than were sent' % what)
        idx = [m['i'] for m in segs]
        ok(idx == sorted(idx) and all(0 <= i < n for i in idx),
           '%s: segment indexes not ascending within the flow' % what)
        if sent > 1500:
            ok(root.get('data-thinned') == 'true', '%s: data-thinned %s' % (what,
                                                                           root.get('data-thinned')))
            ok('Thinned to fit' in texts(root), '%s: the picture does not say it was thinned' % what)
            ok(any(m['count'] > 1 for m in segs), '%s: no merged segment mark' % what)
        print('ok   %s: %d segment marks, %d ACK points, %d elements, %d bytes, %.1f s'
              % (what, len(segs), len(acks), elements, len(r.body), time.monotonic() - t0),
              flush=True)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    binary, repo = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tsg_golden.json')) as f:
        golden = json.load(f)
    with tempfile.TemporaryDirectory(prefix='tl-tsg-') as tmp:
        s = Server(binary, os.path.join(tmp, 'srv'))
        try:
            s.start()
            check_golden(s, repo, golden)
            check_endpoint(s, repo)
            check_long(s, binary, tmp)
        finally:
            s.ensure_stopped()
    print('%d checks, %d failed' % (count, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
