#!/usr/bin/env python3
"""BPF filters and compressed captures, through `tcplens decode` and through a real tcplensd.

Usage: check_input.py cli TCPLENS SRC_DIR
       check_input.py api TCPLENSD SRC_DIR

Filters: what is left after `-f EXPR` / `filter=EXPR` must be what tcpdump -r FILE EXPR keeps
(bpf_expectations.json, written by gen_expectations.py from tcpdump_oracle.sh: the records
kept, and the TCP packets of each pair of endpoints); an expression libpcap refuses (syntax,
or a link type it cannot apply to) is exit 2 / 400 bad_parameter with tcpdump's own words.
Compression: gzip and zstd of a capture decode to the same document as the capture itself
(only the name and `compression` differ); a bomb (1 GiB of zeros in pcap records, deflated
in memory to about 1 MB) is refused, and nothing of it is stored; a cut or corrupt stream
keeps what came before it (`truncated`); a .gz without a capture inside is not a capture.
zstd files are made with the zstd program (skipped with a message when it is absent).
"""
import gzip
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'api'))

EXPECT = json.load(open(os.path.join(HERE, 'bpf_expectations.json')))
COMPRESS_CASES = ('tcpdump_kday3', 'crafted_nsec_bigendian', 'seed_telnet', 'crafted_linux_sll2')
SNAP = 262144
BOMB_BYTES = 1 << 30
TIMEOUT = 60

failures = []


def check(cond, what):
    if cond:
        print('ok   %s' % what)
    else:
        print('FAIL %s' % what)
        failures.append(what)
    return cond


def capture_of(src, case):
    if case.startswith('examples/'):
        return os.path.join(src, case)
    d = os.path.join(src, 'tests', 'golden', case)
    for n in ('capture.pcap', 'capture.pcapng'):
        if os.path.exists(os.path.join(d, n)):
            return os.path.join(d, n)
    raise SystemExit('no capture in %s' % d)


def flows_by_endpoints(flows):
    """{(a, b) sorted 'ip.port' pair: packets} from tcplens flows."""
    out = {}
    for f in flows:
        key = tuple(sorted(['%s.%d' % (f['client']['ip'], f['client']['port']),
                            '%s.%d' % (f['server']['ip'], f['server']['port'])]))
        out[key] = out.get(key, 0) + f['packets']['c2s'] + f['packets']['s2c']
    return out


def expected_flows(case):
    return {tuple(x['endpoints']): x['packets'] for x in case['flows']}


def bomb_gz():
    """A valid pcap header, then 1 GiB of zeros as records of SNAP bytes, gzip -9, in memory."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [c.compress(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, SNAP, 1))]
    chunk = (struct.pack('<IIII', 0, 0, SNAP, SNAP) + bytes(SNAP)) * 16
    for _ in range(BOMB_BYTES // len(chunk)):
        out.append(c.compress(chunk))
    out.append(c.flush())
    return b''.join(out)


def bomb_zst():
    """The same bomb through the zstd program (streamed through a pipe), or None."""
    if not shutil.which('zstd'):
        return None
    p = subprocess.Popen(['zstd', '-q', '-1', '-c'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    chunk = (struct.pack('<IIII', 0, 0, SNAP, SNAP) + bytes(SNAP)) * 16
    import threading
    out = []
    t = threading.Thread(target=lambda: out.append(p.stdout.read()))
    t.start()
    p.stdin.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, SNAP, 1))
    for _ in range(BOMB_BYTES // len(chunk)):
        p.stdin.write(chunk)
    p.stdin.close()
    t.join(TIMEOUT)
    p.wait(TIMEOUT)
    return out[0] if out else None


def zst(data):
    if not shutil.which('zstd'):
        return None
    return subprocess.run(['zstd', '-q', '-19', '-c'], input=data, capture_output=True,
                          timeout=TIMEOUT, check=True).stdout


def keepalive_pcap(n):
    """n identical 54-byte keep-alive ACKs, 10 s apart: about the most compressible capture."""
    hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    pkt = (bytes.fromhex('001122334455665544332211') + b'\x08\x00' +
           bytes.fromhex('4500002800004000400600000a0000010a000002') +
           struct.pack('>HHIIBBHHH', 443, 50000, 1000, 2000, 0x50, 0x10, 512, 0, 0))
    out = [hdr]
    for i in range(n):
        out.append(struct.pack('<IIII', 1700000000 + i * 10, 0, len(pkt), len(pkt)) + pkt)
    return b''.join(out)


def without(doc, keys):
    return {k: v for k, v in doc.items() if k not in keys}


# ------------------------------------------------------------------------------------- cli

def run_cli(tcplens, args, stdin=None):
    p = subprocess.run([tcplens, 'decode'] + args, input=stdin, capture_output=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def cli(tcplens, src):
    tmp = tempfile.mkdtemp(prefix='tl-input-')
    try:
        # filters, on every link type with a golden capture
        for case in EXPECT['keep']:
            cap = capture_of(src, case['case'])
            for opt in ('-f', '--filter'):
                rc, out, err = run_cli(tcplens, ['--no-timeline', opt, case['filter'], cap])
                what = 'cli %s %s %r' % (case['link_type'], opt, case['filter'])
                if not check(rc == 0, '%s: exit 0 (%d %s)' % (what, rc, err.strip())):
                    continue
                doc = json.loads(out)
                c = doc['capture']
                check(c['packets'] == case['records_kept'],
                      '%s: packets %d == tcpdump keeps %d' % (what, c['packets'], case['records_kept']))
                check(c['filtered_out'] == case['records_total'] - case['records_kept'],
                      '%s: filtered_out %d' % (what, c['filtered_out']))
                check(c['filter'] == case['filter'], '%s: capture.filter' % what)
                got = flows_by_endpoints(doc['flows'])
                check(got == expected_flows(case),
                      '%s: flows %s == tcpdump %s' % (what, got, expected_flows(case)))
        rc, out, _ = run_cli(tcplens, ['--format', 'ndjson', capture_of(src, 'tcpdump_kday3')])
        check(rc == 0 and json.loads(out.splitlines()[-1])['capture']['filter'] is None,
              'cli --format is long-only and still works; no filter: filter null')
        for case in EXPECT['refused']:
            cap = capture_of(src, case['case'])
            rc, out, err = run_cli(tcplens, ['-f', case['filter'], cap])
            check(rc == 2 and case['libpcap_message'] in err,
                  'cli refused %s %r: exit %d (2), stderr %r has libpcap\'s %r'
                  % (case['link_type'], case['filter'], rc, err.strip(), case['libpcap_message']))

        # compression: the same document, from a file and from stdin
        for name in COMPRESS_CASES:
            cap = capture_of(src, name)
            plain = open(cap, 'rb').read()
            rc, ref, _ = run_cli(tcplens, [cap])
            ref = json.loads(ref)
            variants = [('gzip', gzip.compress(plain, 9))]
            z = zst(plain)
            if z is None:
                print('skip zstd: no zstd program (scripts/install-deps.sh test installs it)')
            else:
                variants.append(('zstd', z))
            for kind, data in variants:
                path = os.path.join(tmp, 'capture.' + kind)
                open(path, 'wb').write(data)
                for how, args, stdin in (('file', [path], None), ('stdin', ['-'], data)):
                    rc, out, err = run_cli(tcplens, args, stdin)
                    what = 'cli %s %s %s' % (name, kind, how)
                    if not check(rc == 0, '%s: exit 0 (%s)' % (what, err.strip())):
                        continue
                    doc = json.loads(out)
                    check(doc['capture']['compression'] == kind, '%s: compression' % what)
                    check(doc['flows'] == ref['flows'], '%s: flows identical to the plain file' % what)
                    check(without(doc['capture'], ('name', 'compression')) ==
                          without(ref['capture'], ('name', 'compression')),
                          '%s: capture identical but for name and compression' % what)
            rc, out, _ = run_cli(tcplens, ['--format', 'tcpdump', '-'], gzip.compress(plain))
            rc2, out2, _ = run_cli(tcplens, ['--format', 'tcpdump', cap])
            check(rc == rc2 == 0 and out == out2, 'cli %s gzip stdin --format tcpdump identical' % name)

        # a filter on a compressed file, from stdin
        case = EXPECT['keep'][0]
        data = gzip.compress(open(capture_of(src, case['case']), 'rb').read())
        rc, out, err = run_cli(tcplens, ['-n', '-f', case['filter'], '-'], data)
        doc = json.loads(out) if rc == 0 else {'capture': {}, 'flows': []}
        check(rc == 0 and doc['capture']['packets'] == case['records_kept'] and
              flows_by_endpoints(doc['flows']) == expected_flows(case),
              'cli gzip stdin with -f %r: what tcpdump keeps' % case['filter'])

        # cut and corrupt streams keep what came before
        plain = open(capture_of(src, 'tcpdump_kday3'), 'rb').read()
        total = json.loads(run_cli(tcplens, ['-n', capture_of(src, 'tcpdump_kday3')])[1])['capture']['packets']
        gz = gzip.compress(plain, 9)
        cut = os.path.join(tmp, 'cut.pcap.gz')
        open(cut, 'wb').write(gz[:len(gz) * 3 // 4])
        rc, out, err = run_cli(tcplens, ['-n', cut])
        c = json.loads(out)['capture'] if rc == 0 else {}
        check(rc == 0 and c['truncated'] and 0 < c['packets'] < total,
              'cli cut .gz: truncated, %s of %d packets before the cut' % (c.get('packets'), total))
        bad = bytearray(gz)
        for i in range(len(bad) // 2, len(bad) // 2 + 64):
            bad[i] ^= 0x5a
        rc, out, err = run_cli(tcplens, ['-n', '-'], bytes(bad))
        c = json.loads(out)['capture'] if rc == 0 else {}
        check(rc == 0 and c['truncated'] and 0 < c['packets'] < total,
              'cli corrupt middle of .gz: truncated with the packets before (%s)' % c.get('packets'))
        rc, out, err = run_cli(tcplens, ['-'], gzip.compress(b'not a capture at all\n' * 100))
        check(rc == 1 and 'unknown file format' in err, 'cli .gz without a capture: exit 1 (%s)' % err.strip())

        # bombs
        for kind, data in (('gzip', bomb_gz()), ('zstd', bomb_zst())):
            if data is None:
                print('skip zstd bomb: no zstd program')
                continue
            path = os.path.join(tmp, 'bomb.' + kind)
            open(path, 'wb').write(data)
            t0 = time.monotonic()
            rc, out, err = run_cli(tcplens, [path])
            check(rc == 1 and 'decompression bomb' in err,
                  'cli %s bomb (%d bytes): exit %d (1), %r, %.1f s'
                  % (kind, len(data), rc, err.strip(), time.monotonic() - t0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------- api

def api(tcplensd, src):
    import harness
    from harness import Server, multipart

    tmp = tempfile.mkdtemp(prefix='tl-input-api-')
    harness.TMP_ROOT = tmp
    s = Server(tcplensd, os.path.join(tmp, 'a'),
               ['--examples-dir', os.path.join(src, 'examples')])
    small = Server(tcplensd, os.path.join(tmp, 'b'), ['--max-upload', '1M'])
    try:
        s.start()

        def upload(data, query='', how='post', name='x.pcap'):
            q = ('?' + urllib.parse.urlencode(query)) if query else ''
            if how == 'put':
                return s.request('PUT', '/api/v1/captures/' + name + q, body=data)
            if how == 'multipart':
                ct, body = multipart([('file', data, name, 'application/octet-stream')])
                return s.request('POST', '/api/v1/captures' + q, body=body,
                                 headers={'Content-Type': ct})
            return s.request('POST', '/api/v1/captures' + q + ('&' if q else '?') + 'name=' + name,
                             body=data)

        def flows_of(cid):
            doc = s.get_json('/api/v1/flows?capture=%d&limit=1000' % cid)
            return doc['flows']

        def nothing_stored(before_ids, before_files, what):
            ids = [c['id'] for c in s.get_json('/api/v1/captures')['captures']]
            check(ids == before_ids, '%s: GET /api/v1/captures unchanged' % what)
            files = s.data_files()
            check(files == before_files, '%s: no file left in the data dir (%s)' % (what, files))

        # filters on upload, through each form
        hows = ['post', 'put', 'multipart']
        for i, case in enumerate(EXPECT['keep']):
            if case['case'].startswith('examples/'):
                name = os.path.basename(case['case'])
                r = s.request('POST', '/api/v1/examples/%s?filter=%s'
                              % (name, urllib.parse.quote(case['filter'])))
                what = 'api example %s filter=%r' % (name, case['filter'])
            else:
                how = hows[i % len(hows)]
                data = open(capture_of(src, case['case']), 'rb').read()
                r = upload(data, {'filter': case['filter']}, how)
                what = 'api %s %s filter=%r' % (how, case['link_type'], case['filter'])
            if not check(r.status == 201, '%s: 201 (%d %s)' % (what, r.status, r.text()[:200])):
                continue
            c = r.json()['capture']
            check(c['packets'] == case['records_kept'] and
                  c['filtered_out'] == case['records_total'] - case['records_kept'] and
                  c['filter'] == case['filter'],
                  '%s: packets %d, filtered_out %d, filter recorded' % (what, c['packets'], c['filtered_out']))
            flows = flows_of(c['id'])
            check(flows_by_endpoints(flows) == expected_flows(case),
                  '%s: stored flows == tcpdump %s' % (what, expected_flows(case)))
            # read back: replayed from the stored packets, and cut from the stored file
            for f in flows:
                want = f['packets']['c2s'] + f['packets']['s2c']
                full = s.get_json('/api/v1/flows/%d' % f['id'])
                tl = full.get('timeline') or full.get('flow', {}).get('timeline') or []
                check(len(tl) == want, '%s: flow %d replays %d packets (%d)' % (what, f['id'], len(tl), want))
                pr = s.get('/api/v1/flows/%d/pcap' % f['id'])
                n = count_pcap_records(pr.body) if pr.status == 200 else -1
                check(n == want, '%s: flow %d pcap has %d records (%d)' % (what, f['id'], n, want))

        before_ids = [c['id'] for c in s.get_json('/api/v1/captures')['captures']]
        before_files = s.data_files()
        for i, case in enumerate(EXPECT['refused']):
            data = open(capture_of(src, case['case']), 'rb').read()
            how = hows[i % len(hows)]
            r = upload(data, {'filter': case['filter']}, how)
            e = r.json().get('error', {}) if r.status == 400 else {}
            check(r.status == 400 and e.get('code') == 'bad_parameter' and
                  e.get('parameter') == 'filter' and case['libpcap_message'] in e.get('message', ''),
                  'api %s refused %s %r: 400 bad_parameter filter with libpcap\'s words (%d %s)'
                  % (how, case['link_type'], case['filter'], r.status, r.text()[:200]))
        nothing_stored(before_ids, before_files, 'api refused filters')

        # compression: the same capture and flows as the plain upload; the stored file plain
        for k, name in enumerate(COMPRESS_CASES):
            plain = open(capture_of(src, name), 'rb').read()
            r = upload(plain, how='post')
            if not check(r.status == 201, 'api plain %s: 201' % name):
                continue
            ref = r.json()['capture']
            ref_flows = flows_of(ref['id'])
            variants = [('gzip', gzip.compress(plain, 9))]
            z = zst(plain)
            if z is not None:
                variants.append(('zstd', z))
            for j, (kind, data) in enumerate(variants):
                how = hows[(j + k) % len(hows)]
                r = upload(data, how=how)
                what = 'api %s %s %s' % (how, name, kind)
                if not check(r.status == 201, '%s: 201 (%d %s)' % (what, r.status, r.text()[:200])):
                    continue
                c = r.json()['capture']
                check(c['compression'] == kind, '%s: compression %r' % (what, c['compression']))
                skip = ('id', 'name', 'compression', 'size_bytes', 'uploaded_at')
                check(without(c, skip) == without(ref, skip), '%s: capture as the plain upload' % what)
                fl = flows_of(c['id'])
                strip = lambda fs: [without(f, ('id', 'capture')) for f in fs]  # noqa: E731
                check(strip(fl) == strip(ref_flows), '%s: flows as the plain upload' % what)
                got = s.get('/api/v1/captures/%d/pcap' % c['id'])
                check(got.status == 200 and got.body == plain,
                      '%s: GET .../pcap gives the decompressed file, byte for byte' % what)

        # a filter on a compressed upload
        case = EXPECT['keep'][0]
        data = gzip.compress(open(capture_of(src, case['case']), 'rb').read())
        r = upload(data, {'filter': case['filter']}, 'multipart')
        c = r.json()['capture'] if r.status == 201 else {}
        check(r.status == 201 and c['packets'] == case['records_kept'] and
              c['compression'] == 'gzip' and
              flows_by_endpoints(flows_of(c['id'])) == expected_flows(case),
              'api multipart gzip with filter=%r: what tcpdump keeps' % case['filter'])

        # bombs, cut and foreign contents
        before_ids = [c['id'] for c in s.get_json('/api/v1/captures')['captures']]
        before_files = s.data_files()
        for j, (kind, data) in enumerate((('gzip', bomb_gz()), ('zstd', bomb_zst()))):
            if data is None:
                print('skip zstd bomb: no zstd program')
                continue
            r = upload(data, how=hows[j % len(hows)])
            e = r.json().get('error', {}) if r.status == 413 else {}
            check(r.status == 413 and e.get('code') == 'too_large' and
                  'decompression bomb' in e.get('message', ''),
                  'api %s bomb: 413 too_large (%d %s)' % (kind, r.status, r.text()[:200]))
        r = upload(gzip.compress(b'not a capture at all\n' * 100))
        check(r.status == 415, 'api .gz without a capture: 415 (%d %s)' % (r.status, r.text()[:200]))
        nothing_stored(before_ids, before_files, 'api bombs and a .gz without a capture')

        plain = open(capture_of(src, 'tcpdump_kday3'), 'rb').read()
        gz = gzip.compress(plain, 9)
        r = upload(gz[:len(gz) * 3 // 4], how='put', name='cut.pcap.gz')
        c = r.json().get('capture', {}) if r.status == 201 else {}
        check(r.status == 201 and c.get('truncated') is True and c.get('packets', 0) > 0,
              'api cut .gz: 201, truncated, %s packets before the cut' % c.get('packets'))
        s.stop()

        # the absolute limit: 16 x --max-upload
        small.start()
        big = gzip.compress(keepalive_pcap(400000), 6)  # about 28 MB, under 1 MB compressed
        r = small.request('POST', '/api/v1/captures', body=big)
        e = r.json().get('error', {}) if r.status == 413 else {}
        check(len(big) < (1 << 20) and r.status == 413 and 'limit' in e.get('message', ''),
              'api 16 x --max-upload: %d compressed bytes -> 413 (%d %s)'
              % (len(big), r.status, r.text()[:200]))
        check(small.data_files() == [], 'api over the absolute limit: no file left (%s)' % small.data_files())
        small.stop()
    finally:
        s.ensure_stopped()
        small.ensure_stopped()
        if failures:
            for srv in (s, small):
                if srv.log_path:
                    print('--- %s log:\n%s' % (srv.name, srv.log_tail(30)))
        shutil.rmtree(tmp, ignore_errors=True)


def count_pcap_records(data):
    if len(data) < 24:
        return -1
    magic = data[:4]
    end = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    pos, n = 24, 0
    while pos + 16 <= len(data) and n < 10 ** 6:
        caplen = struct.unpack(end + 'I', data[pos + 8:pos + 12])[0]
        pos += 16 + caplen
        n += 1
    return n if pos == len(data) else -1


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ('cli', 'api'):
        raise SystemExit(__doc__)
    (cli if sys.argv[1] == 'cli' else api)(sys.argv[2], sys.argv[3])
    if failures:
        print('%d check(s) failed' % len(failures))
        sys.exit(1)
    print('all checks passed')


if __name__ == '__main__':
    main()
