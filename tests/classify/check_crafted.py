#!/usr/bin/env python3
"""Each crafted capture's connections, classified as ../shared/corpus/crafted built them.

crafted_expectations.json (shipped with the corpus) names each connection's handshake and
teardown in its own words; MAP turns them into our labels (docs/connections.md). Flows are matched in order of
their first packet.
"""
import json
import os
import subprocess
import sys

tcplens, golden = sys.argv[1], sys.argv[2]

HANDSHAKE = {
    "complete": "complete",
    "complete_ecn": "complete",
    "simultaneous_open": "simultaneous-open",
    "partial_synack_ack_no_syn": "not-seen",        # the SYN was not captured
    "none_midstream": "not-seen",
    "incomplete_reset_after_synack": "no-final-ack",  # SYN, SYN-ACK, then the client's RST
    "rejected_rst": "rejected",
    "incomplete_syn_only": "no-reply",
}
TEARDOWN = {
    "fin_fourway": "four-way",
    "fin_three_segment": "three-segment",
    "fin_simultaneous": "simultaneous-close",
    "rst_abort": "reset",
    "half_close_then_fin": "four-way",   # FIN, ACK, data..., FIN, ACK: the half-close ended
    "half_close_open": "half-closed",
    "none": "open",
}

failures = 0
exp = json.load(open(os.path.join(golden, "crafted_expectations.json")))
for e in exp:
    case = os.path.join(golden, os.path.splitext(e["file"])[0])
    cap = [os.path.join(case, n) for n in ("capture.pcap", "capture.pcapng")
           if os.path.exists(os.path.join(case, n))]
    if not cap:
        print("FAIL %s: no capture in %s" % (e["file"], case))
        failures += 1
        continue
    r = subprocess.run([tcplens, "decode", "--no-timeline", cap[0]], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        # a capture libpcap refuses (the multi-link pcapng) is covered by the golden tests
        print("SKIP %s: tcplens exit %d (%s)" % (e["file"], r.returncode, r.stderr.decode().strip()))
        continue
    flows = json.loads(r.stdout)["flows"]
    for i, conn in enumerate(e["connections"]):
        want_hs = HANDSHAKE[conn["handshake"]]
        want_td = TEARDOWN[conn["teardown"]]
        if want_hs == "rejected" and want_td == "open":
            want_td = "reset"   # the refusal's RST is all the teardown there is
        if i >= len(flows):
            print("FAIL %s: connection %d missing" % (e["file"], i))
            failures += 1
            continue
        got = (flows[i]["handshake"]["state"], flows[i]["teardown"]["state"])
        ok = got == (want_hs, want_td)
        failures += not ok
        print("%s %s #%d: built as %s/%s -> expected %s/%s, got %s/%s" % (
            "ok  " if ok else "FAIL", e["file"], i, conn["handshake"], conn["teardown"],
            want_hs, want_td, got[0], got[1]))
sys.exit(1 if failures else 0)
