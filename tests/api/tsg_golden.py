#!/usr/bin/env python3
"""Writes tsg_golden.json: what tshark says the time-sequence graph of each case must plot.

usage: tsg_golden.py [--oracle PATH] [REPO_ROOT] > tests/api/tsg_golden.json

For each capture in CASES (tests/golden/<case>/capture.pcap, one TCP stream each) it runs the
tshark oracle (../shared/oracle/tshark_oracle.py beside the checkout, or --oracle) and keeps,
for every packet of the stream in capture order (its position is its index in the flow's
timeline), tshark's fields: direction, tcp.seq / tcp.nxtseq / tcp.len, tcp.ack, the scaled
window tcp.window_size, SYN/FIN/RST/ACK, the SACK blocks relative to the peer's base and the
tcp.analysis flags. test_tsg.py derives the graph's marks from these and holds tsg.svg to them.

The client is the sender of the stream's first SYN without ACK, else of its first packet.
"""

import json
import os
import subprocess
import sys

CASES = ('crafted_retransmissions', 'crafted_out_of_order', 'zeek_tcp_option-sack',
         'zeek_tcp_retransmit-fast009', 'perf_bulk_sack', 'perf_bulk_gaps')


def tshark_version():
    out = subprocess.run(['tshark', '--version'], capture_output=True, text=True, timeout=60)
    return out.stdout.splitlines()[0] if out.stdout else 'unknown'


def case_packets(oracle, pcap):
    out = subprocess.run([sys.executable, oracle, pcap], capture_output=True, text=True,
                         timeout=600, check=True)
    pkts = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    pkts = [p for p in pkts if p['type'] == 'pkt' and not p.get('in_icmp')]
    streams = {p['tcp']['stream'] for p in pkts}
    if len(streams) != 1:
        raise SystemExit('%s: %d TCP streams, one expected' % (pcap, len(streams)))

    def ep(p, src):
        return '%s:%d' % (p['ip']['src' if src else 'dst'], p['tcp']['sport' if src else 'dport'])

    first_syn = [p for p in pkts if p['tcp']['flag_bits']['syn'] and not p['tcp']['flag_bits']['ack']]
    client = ep(first_syn[0] if first_syn else pkts[0], True)
    rows = []
    for p in pkts:
        t, f = p['tcp'], p['tcp']['flag_bits']
        rows.append({
            'frame': p['frame'],
            'dir': 'c2s' if ep(p, True) == client else 's2c',
            'seq': t['seq_rel'], 'nxtseq': t['nxtseq_rel'], 'len': t['payload_len'],
            'ack': t['ack_rel'] if f['ack'] else None,
            'window': t['win_calc'], 'win_scale': t['win_scale'],
            'syn': f['syn'], 'fin': f['fin'], 'rst': f['rst'], 'ackf': f['ack'],
            'sack': t['sack_rel'] or [],
            'analysis': p['analysis'],
        })
    return rows


def main(argv):
    args = list(argv[1:])
    oracle = None
    if args[:1] == ['--oracle']:
        oracle = args[1]
        args = args[2:]
    repo = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), '..', '..'))
    if oracle is None:
        oracle = os.path.join(repo, '..', 'shared', 'oracle', 'tshark_oracle.py')
    doc = {
        'generated_by': 'tests/api/tsg_golden.py (the tshark oracle, ../shared/oracle/tshark_oracle.py)',
        'tshark': tshark_version(),
        'cases': {},
    }
    for case in CASES:
        pcap = os.path.join(repo, 'tests', 'golden', case, 'capture.pcap')
        doc['cases'][case] = case_packets(oracle, pcap)
    json.dump(doc, sys.stdout, indent=None, separators=(',', ':'), sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv)
