#!/usr/bin/env python3
"""The examples library: each capture against tshark -2's completeness (live, per stream) and
against the expectations written by hand in tests/examples/expectations.json (from RFC 9293,
docs/connections.md and Zeek's rules in REFERENCE.md; never from tcplens output)."""
import json
import os
import subprocess
import sys

tcplens, examples, expectations = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
env = dict(os.environ, LC_ALL="C", TZ="UTC")


def tshark_completeness(path):
    out = subprocess.run(["tshark", "-n", "-2", "-r", path, "-T", "fields", "-e", "tcp.stream",
                          "-e", "tcp.completeness", "-Y", "tcp and not icmp"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                         check=True, timeout=120).stdout.decode()
    last = {}
    for line in out.splitlines():
        s, _, c = line.partition("\t")
        if s and c:
            last[int(s)] = int(c.split(",")[0])
    return [last[k] for k in sorted(last)]


exp = {e["file"]: e for e in json.load(open(expectations))}
caps = sorted(f for f in os.listdir(examples) if f.endswith((".pcap", ".pcapng")))
if not caps:
    failures.append("no example captures in %s" % examples)
for name in caps:
    path = os.path.join(examples, name)
    doc = json.loads(subprocess.run([tcplens, "decode", path], stdout=subprocess.PIPE,
                                    check=True, timeout=60).stdout)
    flows = doc["flows"]
    want = tshark_completeness(path)
    got = [f["completeness"]["value"] for f in flows]
    if want != got:
        failures.append("%s: completeness per flow: tshark -2 %s, tcplens %s" % (name, want, got))
    print("checked %s: %d flow(s), completeness %s" % (name, len(flows), got))
    e = exp.get(name)
    if not e:
        failures.append("%s: no hand-written expectation in %s" % (name, expectations))
        continue
    if len(e["flows"]) != len(flows):
        failures.append("%s: %d flow(s) expected, %d found" % (name, len(e["flows"]), len(flows)))
    for i, w in enumerate(e["flows"]):
        if i >= len(flows):
            failures.append("%s: flow %d missing" % (name, i))
            continue
        f = flows[i]
        have = {
            "handshake": f["handshake"]["state"],
            "teardown": f["teardown"]["state"],
            "initiator": f["teardown"]["initiator"],
            "reset_by": f["teardown"]["reset_by"],
            "conn_state": f["conn_state"],
            "history": f["history"],
            "events": [p["event"] for p in f["timeline"]],
            "final_states": f["final_states"],
        }
        for k, v in have.items():
            if k in w and w[k] != v:
                failures.append("%s flow %d %s: expected %r, got %r (why: %s)"
                                % (name, i, k, w[k], v, w.get("why", "")))
for m in failures:
    print("FAIL", m)
sys.exit(1 if failures else 0)
