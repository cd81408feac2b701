#!/usr/bin/env python3
"""The seed capture's story, checked against the facts the issue and the seed note give.

Sources of each expectation (none comes from tcplens output):
  - the seed note (../shared/corpus/seed-note.txt): six packets, the handshake, the close in
    three segments where the server's ACK rides on its FIN, wscale 5 and 7, window 4103;
  - tshark -2 on the capture (tests/golden/seed_telnet/tshark.jsonl): completeness 23,
    initial RTT 0.021005 s;
  - RFC 9293 Figure 5 for the endpoint states; Zeek's rules (conn_state() in base/protocols/conn/main.zeek, TCPSessionAdapter.cc) for Zeek's SF / ShAFf.
"""
import json
import subprocess
import sys

tcplens, capture = sys.argv[1], sys.argv[2]
failures = []


def check(what, expected, got):
    if expected != got:
        failures.append("%s: expected %r, got %r" % (what, expected, got))


def decode(lang):
    out = subprocess.run([tcplens, "decode", "--lang", lang, capture], check=True,
                         stdout=subprocess.PIPE, timeout=60).stdout
    return json.loads(out)


doc = decode("en")
check("flows", 1, len(doc["flows"]))
f = doc["flows"][0]
hs, td = f["handshake"], f["teardown"]
check("handshake.state", "complete", hs["state"])
# 20.949 ms then 0.056 ms (the note's timestamps); total = tshark's tcp.analysis.initial_rtt
check("rtt_us", {"syn_to_syn_ack": 20949, "syn_ack_to_ack": 56, "total": 21005}, hs["rtt_us"])
check("client wscale", 5, hs["client"]["wscale"])
check("server wscale", 7, hs["server"]["wscale"])
check("client isn", 1754109131, hs["client"]["isn"])
check("teardown", {"state": "three-segment", "initiator": "client", "reset_by": None}, td)
check("conn_state", "SF", f["conn_state"])
check("history", "ShAFf", f["history"])
check("completeness", {"value": 23, "text": "\u00b7F\u00b7ASS"}, f["completeness"])
tl = f["timeline"]
check("events", ["syn", "syn-ack", "handshake-ack", "fin", "fin-ack-piggybacked", "close-ack"],
      [p["event"] for p in tl])
check("states after the SYN", {"client": "SYN-SENT", "server": "LISTEN"}, tl[0]["states"])
check("states after the client's FIN", {"client": "FIN-WAIT-1", "server": "ESTABLISHED"},
      tl[3]["states"])
check("states at the end", {"client": "TIME-WAIT", "server": "CLOSED"}, tl[5]["states"])
# the SYN-ACK acknowledges the SYN, the server's FIN the client's FIN, the last ACK the server's FIN
check("acks", [None, 0, 1, None, 3, 4], [p["acks"] for p in tl])
# the handshake ACK advertises 4103 << 5
check("client window after the handshake", 131296, tl[2]["tcp"]["window_scaled"])
check("SYN-ACK explanation shows ack = ISN + 1",
      True, "ack 1754109132 = the client's ISN 1754109131 + 1" in tl[1]["explanation"])
check("FIN+ACK explanation says the ACK rides on the FIN",
      True, "piggybacked" in tl[4]["explanation"] and "three segments" in tl[4]["explanation"])
check("summary tells the three-segment close", True,
      "three segments instead of the textbook four" in f["summary"])
print("EN summary:", f["summary"])

zh = decode("zh")["flows"][0]
check("zh summary is Chinese", True, "三个报文" in zh["summary"] and "捎带" in zh["summary"])
check("zh explanation of the FIN+ACK", True, "捎带" in zh["timeline"][4]["explanation"])
print("ZH summary:", zh["summary"])

for msg in failures:
    print("FAIL", msg)
sys.exit(1 if failures else 0)
