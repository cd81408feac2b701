#!/usr/bin/env python3
"""Each flow's `first_bytes` (the first payload bytes of each direction, in sequence order)
against tshark's reassembled stream (`-z follow,tcp,raw,N`): our bytes must be the first
bytes tshark shows for that direction, up to 64, and `text` must be those bytes escaped as
documented (printable ASCII as is, \\\\ \\r \\n \\t, \\xHH for the rest).

usage: check_first_bytes.py TCPLENS REPO_ROOT
"""

import json
import os
import re
import subprocess
import sys

MAX_STREAMS = 12  # per capture
PEEK = 64


def escaped(b):
    out = []
    for c in b:
        if c == 0x5c:
            out.append('\\\\')
        elif c == 0x0d:
            out.append('\\r')
        elif c == 0x0a:
            out.append('\\n')
        elif c == 0x09:
            out.append('\\t')
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
        else:
            out.append('\\x%02x' % c)
    return ''.join(out)


def tshark_follow(path, n):
    """{stream: (node0 'ip:port', node1, bytes from node 0, bytes from node 1)}"""
    cmd = ['tshark', '-n', '-r', path, '-q']
    for i in range(n):
        cmd += ['-z', 'follow,tcp,raw,%d' % i]
    out = subprocess.run(cmd, capture_output=True, timeout=120).stdout.decode('utf-8', 'replace')
    res = {}
    for block in out.split('=' * 67):
        m = re.search(r'Filter: tcp\.stream eq (\d+)', block)
        if not m:
            continue
        nodes = re.findall(r'Node (\d): (\S+)', block)
        data = [b'', b'']
        for line in block.splitlines():
            if re.fullmatch(r'\t?[0-9a-f]+', line) and not line.startswith(('Node', 'Filter')):
                side = 1 if line.startswith('\t') else 0
                data[side] += bytes.fromhex(line.strip())
        if len(nodes) == 2:
            res[int(m.group(1))] = (nodes[0][1], nodes[1][1], data[0], data[1])
    return res


def ep(e):
    ip = e['ip']
    return ('[%s]:%d' % (ip, e['port'])) if ':' in ip else '%s:%d' % (ip, e['port'])


def main(argv):
    tcplens, root = argv[1], argv[2]
    if subprocess.run(['which', 'tshark'], capture_output=True).returncode != 0:
        print('tshark is not installed: skipped')
        return 77
    paths = sorted(os.path.join(root, 'examples', n) for n in os.listdir(os.path.join(root, 'examples'))
                   if n.endswith('.pcap'))
    gdir = os.path.join(root, 'tests', 'golden')
    for d in sorted(os.listdir(gdir)):
        p = os.path.join(gdir, d, 'capture.pcap')
        if os.path.isfile(p):
            paths.append(p)
    problems, checked = [], 0
    for path in paths:
        r = subprocess.run([tcplens, 'decode', '--no-timeline', path], capture_output=True,
                           timeout=120)
        if r.returncode != 0:
            continue
        flows = [f for f in json.loads(r.stdout)['flows'] if 'first_bytes' in f]
        want_any = [f for f in flows if f['first_bytes']['c2s'] or f['first_bytes']['s2c']]
        if not want_any:
            continue
        streams = tshark_follow(path, min(len(flows), MAX_STREAMS))
        name = os.path.relpath(path, root)
        for f in flows[:MAX_STREAMS]:
            s = streams.get(f['index'])
            if not s:
                continue
            c, v = ep(f['client']), ep(f['server'])
            if {s[0], s[1]} != {c, v}:
                continue  # tshark numbers its streams another way here (port reuse)
            by_node = {s[0]: s[2], s[1]: s[3]}
            for d, who in (('c2s', c), ('s2c', v)):
                want = by_node[who][:PEEK]
                got = f['first_bytes'][d]
                if not want:
                    if got is not None:
                        problems.append('%s flow %d %s: tshark sees no payload, we show %r'
                                        % (name, f['index'], d, got))
                    continue
                if got is None:
                    problems.append('%s flow %d %s: null, tshark shows %d bytes'
                                    % (name, f['index'], d, len(want)))
                    continue
                mine = bytes.fromhex(got['hex'])
                # tshark reassembles past holes and retransmissions; ours stops at the first
                # hole: ours must be a prefix of tshark's
                if not want.startswith(mine) or len(mine) == 0:
                    problems.append('%s flow %d %s: %s, tshark %s' % (name, f['index'], d,
                                                                      mine[:24].hex(),
                                                                      want[:24].hex()))
                if got['text'] != escaped(mine) or got['length'] != len(mine):
                    problems.append('%s flow %d %s: text %r is not the bytes escaped'
                                    % (name, f['index'], d, got['text'][:60]))
                checked += 1
    for p in problems:
        print('FAIL ' + p)
    print('%d directions checked against tshark: %d problem(s)' % (checked, len(problems)))
    return 1 if problems or checked == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
