#!/usr/bin/env python3
"""Regenerate bpf_expectations.json from tcpdump (never from tcplens).

Usage: gen_expectations.py ORACLE_DIR > tests/input/bpf_expectations.json
  ORACLE_DIR: the directory of tcpdump_oracle.sh (../shared/oracle from the repository).

A case is a directory of tests/golden, or examples/FILE (an example capture).

For each case (a golden capture and a BPF expression) it runs
  tcpdump_oracle.sh -a -f EXPR tests/golden/CASE/capture.*
and records what tcpdump keeps: the number of records, and the TCP packets grouped by their
two endpoints (the flows left); and, without a filter, the number of records in the file.
For the expressions libpcap refuses, it records tcpdump's message (its stderr, without the
"tcpdump: " prefix), which tcplens must repeat.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, '..', 'golden')

# (case, link type, expression)
KEEP = [
    ('tcpdump_kday3', 'EN10MB', 'tcp port 22'),
    ('crafted_vlan_8021q', 'EN10MB', 'vlan 100'),
    ('crafted_linux_sll', 'LINUX_SLL', 'ip6'),
    ('crafted_linux_sll2', 'LINUX_SLL2', 'src port 80'),
    ('crafted_null_loopback', 'NULL', 'src host 192.0.2.1'),
    ('crafted_raw_ip', 'RAW', 'ip6 and tcp'),
    ('crafted_raw_ip', 'RAW', 'tcp[tcpflags] & tcp-syn != 0'),
    ('examples/fourway-close.pcap', 'EN10MB', 'tcp[tcpflags] & tcp-fin != 0'),
]
REFUSED = [
    ('crafted_raw_ip', 'RAW', 'ether host 00:11:22:33:44:55'),
    ('crafted_linux_sll2', 'LINUX_SLL2', 'vlan'),
    ('tcpdump_kday3', 'EN10MB', 'tcp port'),
    ('crafted_null_loopback', 'NULL', 'host 192.0.2.300'),
]


def capture_of(case):
    if case.startswith('examples/'):  # an example the server offers
        return os.path.join(HERE, '..', '..', case)
    d = os.path.join(GOLDEN, case)
    for n in ('capture.pcap', 'capture.pcapng'):
        if os.path.exists(os.path.join(d, n)):
            return os.path.join(d, n)
    raise SystemExit('no capture in %s' % d)


def oracle(oracle_dir, cap, expr):
    cmd = ['bash', os.path.join(oracle_dir, 'tcpdump_oracle.sh'), '-a']
    if expr:
        cmd += ['-f', expr]
    p = subprocess.run(cmd + [cap], capture_output=True, text=True, timeout=120)
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    return [x for x in lines if x.get('type') != 'summary'], lines[-1]


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    oracle_dir = sys.argv[1]
    out = {'tool': subprocess.run(['tcpdump', '--version'], capture_output=True,
                                  text=True).stdout.strip().replace('\n', '; '),
           'keep': [], 'refused': []}
    for case, lt, expr in KEEP:
        cap = capture_of(case)
        _, total = oracle(oracle_dir, cap, None)
        pkts, summ = oracle(oracle_dir, cap, expr)
        assert summ['tcpdump_rc'] == 0, (case, expr, summ)
        flows = {}
        for x in pkts:
            p = x.get('parsed') or {}
            if 'sport' not in p or 'dport' not in p:
                continue
            key = tuple(sorted(['%s.%d' % (p['src'], p['sport']), '%s.%d' % (p['dst'], p['dport'])]))
            flows[key] = flows.get(key, 0) + 1
        out['keep'].append({
            'case': case, 'link_type': lt, 'filter': expr,
            'records_total': total['records'], 'records_kept': summ['records'],
            'flows': [{'endpoints': list(k), 'packets': v} for k, v in sorted(flows.items())],
        })
    for case, lt, expr in REFUSED:
        cap = capture_of(case)
        _, summ = oracle(oracle_dir, cap, expr)
        assert summ['tcpdump_rc'] != 0, (case, expr, summ)
        msg = [m for m in summ['tcpdump_stderr'].splitlines() if m.startswith('tcpdump: ')][-1]
        out['refused'].append({'case': case, 'link_type': lt, 'filter': expr,
                               'libpcap_message': msg[len('tcpdump: '):]})
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
