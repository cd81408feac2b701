#!/usr/bin/env python3
"""The examples library: each capture against tshark -2's completeness (live, per stream) and
against the expectations written by hand in tests/examples/expectations.json (from RFC 9293,
docs/connections.md and Zeek's rules in Zeek's rules (conn_state() in base/protocols/conn/main.zeek, TCPSessionAdapter.cc); never from tcplens output)."""
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


_zh = {}


def zh_doc(path):
    if path not in _zh:
        _zh[path] = json.loads(subprocess.run([tcplens, "decode", "--lang", "zh", path],
                                              stdout=subprocess.PIPE, check=True,
                                              timeout=60).stdout)
    return _zh[path]


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
            "states": [[p["states"]["client"], p["states"]["server"]] for p in f["timeline"]],
        }
        for k, v in have.items():
            if k in w and w[k] != v:
                failures.append("%s flow %d %s: expected %r, got %r (why: %s)"
                                % (name, i, k, w[k], v, w.get("why", "")))
        if "rtt_us" in w and w["rtt_us"] != f["handshake"]["rtt_us"]:
            failures.append("%s flow %d rtt_us: expected %r, got %r"
                            % (name, i, w["rtt_us"], f["handshake"]["rtt_us"]))
        # words: what the explanations and the summary must (not) say, in both languages
        need_zh = "summary_zh" in w or any(
            k.startswith("explanation_zh") for c in w.get("packet_checks", []) for k in c)
        fz = zh_doc(path)["flows"][i] if need_zh else None
        for lang, flow in (("en", f), ("zh", fz)):
            for frag in w.get("summary_" + lang, []):
                if frag not in flow["summary"]:
                    failures.append("%s flow %d summary (%s) lacks %r: %s"
                                    % (name, i, lang, frag, flow["summary"]))
        for c in w.get("packet_checks", []):
            p = f["timeline"][c["index"]]
            for a in c.get("analysis_has", []):
                if a not in (p.get("analysis") or []):
                    failures.append("%s flow %d packet %d: analysis lacks %r (got %r; why: %s)"
                                    % (name, i, c["index"], a, p.get("analysis"), c.get("why", "")))
            for lang, flow in (("en", f), ("zh", fz)):
                if flow is None:
                    continue
                text = flow["timeline"][c["index"]]["explanation"]
                for frag in c.get("explanation_" + lang, []):
                    if frag not in text:
                        failures.append("%s flow %d packet %d explanation (%s) lacks %r: %s"
                                        % (name, i, c["index"], lang, frag, text))
                for frag in c.get("explanation_%s_not" % lang, []):
                    if frag in text:
                        failures.append("%s flow %d packet %d explanation (%s) says %r: %s"
                                        % (name, i, c["index"], lang, frag, text))
for m in failures:
    print("FAIL", m)
sys.exit(1 if failures else 0)
