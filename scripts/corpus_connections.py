#!/usr/bin/env python3
"""corpus_connections.py - SPEC: every capture in ../shared/corpus whose TCP tshark sees must
yield in tcplens the TCP connections tshark finds (the same inner address/port pairs as
tshark's tcp.stream values; ICMP-quoted headers left out).

    scripts/corpus_connections.py --tcplens BIN [--corpus DIR] [--oracle tshark_oracle.py]

For each capture: tshark's streams (through the shared tshark oracle) as unordered
{(ip, port), (ip, port)} pairs, and tcplens's flows (client, server) likewise; a pair tshark
has that tcplens lacks is a miss. tcplens may split one tshark stream into several flows (port
reuse, tunnel paths): a pair counts once. Captures libpcap cannot read (tcplens exits non-zero)
are reported and not counted as misses. Exits 0 (with a note) when the corpus or tshark is
absent, as in CI; 1 on any miss.
"""
import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))


def ep(ip, port):
    return (str(ipaddress.ip_address(ip)), int(port))


def tshark_pairs(oracle, cap):
    p = subprocess.run([sys.executable, oracle, cap], capture_output=True, text=True, timeout=600)
    pairs = set()
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if r.get("type") == "stream" and r.get("a") and r.get("b"):
            pairs.add(frozenset([ep(r["a"]["ip"], r["a"]["port"]), ep(r["b"]["ip"], r["b"]["port"])]))
    return pairs


def tcplens_pairs(tcplens, cap):
    p = subprocess.run([tcplens, "decode", "--no-timeline", "--format", "json", cap],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ, TZ="UTC"))
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1:] or [""]
    doc = json.loads(p.stdout)
    return {frozenset([ep(f["client"]["ip"], f["client"]["port"]),
                       ep(f["server"]["ip"], f["server"]["port"])]) for f in doc["flows"]}, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcplens", required=True)
    ap.add_argument("--corpus", default=os.path.join(SHARED, "corpus"))
    ap.add_argument("--oracle", default=os.path.join(SHARED, "oracle", "tshark_oracle.py"))
    a = ap.parse_args()
    if not os.path.isdir(a.corpus) or not os.path.exists(a.oracle) or not shutil.which("tshark"):
        print("corpus_connections: corpus, oracle or tshark absent: nothing to check")
        return 0
    caps = []
    for root, _, files in os.walk(a.corpus):
        caps += [os.path.join(root, f) for f in files if f.endswith((".pcap", ".pcapng"))]
    total = found = 0
    misses = []
    for cap in sorted(caps):
        want = tshark_pairs(a.oracle, cap)
        if not want:
            continue
        have, err = tcplens_pairs(a.tcplens, cap)
        rel = os.path.relpath(cap, a.corpus)
        if have is None:
            print("UNREAD  %s: tcplens cannot read it (%s); tshark finds %d" % (rel, err[0], len(want)))
            continue
        hit = len(want & have)
        total += len(want)
        found += hit
        status = "ok     " if hit == len(want) else "MISS   "
        print("%s %s: %d of %d tshark connections" % (status, rel, hit, len(want)))
        for m in sorted(want - have, key=lambda s: sorted(s)):
            misses.append((rel, sorted(m)))
    for rel, m in misses:
        print("missing in %s: %s" % (rel, m))
    print("corpus_connections: tcplens finds %d of the %d TCP connections tshark finds" % (found, total))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
