#!/usr/bin/env python3
"""check_zeek_oracle.py - conn.log's numbers from tshark's dissection of every golden capture,
by Zeek's documented rules, against `tcplens decode --format zeek-json`.

usage: check_zeek_oracle.py TCPLENS REPO_ROOT

For each tests/golden/<case>/ with tshark.jsonl (written by the tshark oracle script) it takes
the TCP streams tshark sees whose every packet is plain (not tunnelled, not cut by the
snapshot length, checksums not bad), that open with a pure SYN answered by a SYN-ACK and hold
no RST, and computes from tshark's fields alone:
  orig_pkts, resp_pkts      packets of each direction (the ConnSize analyzer)
  orig_ip_bytes, ...        the sum of their IP total lengths (IPv6: payload length + 40)
  orig_bytes, resp_bytes    TCP_Endpoint::Size(): max(last_seq, ack_seq) - start_seq, less one
                            for the SYN and one for the FIN (relative numbers: start_seq = 0)
  missed_bytes              the reassembler's content gaps: each acknowledgement that passes
                            data never captured reports those bytes (up to the FIN)
  duration                  the last packet before both endpoints had sent their FIN, less the
                            first packet's time
and compares them with the row tcplens writes for the stream (matched by endpoints and first
timestamp). Exit 0 when all agree, 1 otherwise.
"""
import glob
import json
import os
import subprocess
import sys

TIMEOUT = 120
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def union_covered(ranges, lo, hi):
    """Bytes of [lo, hi) inside the union of ranges."""
    spans = sorted((max(a, lo), min(b, hi)) for a, b in ranges if b > lo and a < hi)
    total, cur = 0, lo
    for a, b in spans:
        a = max(a, cur)
        if b > a:
            total += b - a
            cur = b
    return total


def zeek_time(ts):
    """tshark's "sec.nanoseconds" as Zeek holds it: microseconds (libpcap cuts a nanosecond
    file's times to microseconds), added to the seconds as a double."""
    sec, _, frac = ts.partition(".")
    return int(sec) + int((frac + "000000000")[:6]) / 1e6


def expected_streams(rows):
    streams = {}
    for r in rows:
        if r.get("type") != "pkt" or not r.get("tcp") or not r.get("ip"):
            continue
        streams.setdefault(r["tcp"]["stream"], []).append(r)
    out = []
    for pkts in streams.values():
        t0 = pkts[0]["tcp"]
        if not all(isinstance(p["tcp"].get("flags"), str) for p in pkts):
            continue
        flags = [int(p["tcp"]["flags"], 16) for p in pkts]
        plain = all(not p.get("tunneled") and not p.get("truncated") and not p.get("malformed_in")
                    and not p.get("short_in") and p["tcp"].get("cksum_status") != "bad"
                    and p["ip"].get("checksum_status") != "bad" and "seq_rel" in p["tcp"]
                    and not p["ip"].get("mf") and not p["ip"].get("frag_offset")
                    for p in pkts)
        if not plain or flags[0] & (SYN | ACK) != SYN or any(f & RST for f in flags):
            continue
        orig = (pkts[0]["ip"]["src"], t0["sport"])
        if not any(f & (SYN | ACK) == SYN | ACK and (p["ip"]["src"], p["tcp"]["sport"]) != orig
                   for f, p in zip(flags, pkts)):
            continue
        if any(f & SYN and not f & ACK and p["tcp"]["seq"] != t0["seq"]
               for f, p in zip(flags, pkts)):
            continue  # a SYN with another ISN: Zeek starts the sequence space again
        d = {k: {"pkts": 0, "ip": 0, "last": 0, "ack": 0, "fin": None, "got": [], "reassem": 1,
                 "missed": 0} for k in ("orig", "resp")}
        closed = {"orig": False, "resp": False}
        first = zeek_time(pkts[0]["ts"])
        last_time = first
        for f, p in zip(flags, pkts):
            t, ip = p["tcp"], p["ip"]
            me = "orig" if (ip["src"], t["sport"]) == orig else "resp"
            peer = "resp" if me == "orig" else "orig"
            e = d[me]
            if not (closed["orig"] and closed["resp"]):
                last_time = zeek_time(p["ts"])
            e["pkts"] += 1
            e["ip"] += ip["total_len"] if "total_len" in ip else ip["payload_len"] + 40
            plen = t["payload_len"]
            end = t["seq_rel"] + plen + (1 if f & SYN else 0) + (1 if f & FIN else 0)
            e["last"] = max(e["last"], end)
            if f & FIN:
                e["fin"] = t["seq_rel"] + plen + 1
            if f & ACK and t.get("ack_rel") is not None:
                pe = d[peer]
                pe["ack"] = max(pe["ack"], t["ack_rel"])
                up = t["ack_rel"]
                if pe["fin"] is not None and up >= pe["fin"]:
                    up = pe["fin"] - 1
                if up > pe["reassem"]:
                    pe["missed"] += (up - pe["reassem"]) - union_covered(pe["got"], pe["reassem"], up)
                    pe["reassem"] = up
            if plen > 0:
                lo = t["seq_rel"] + (1 if f & SYN else 0)
                e["got"].append((lo, lo + plen))
            if f & FIN:
                closed[me] = True
        want = {"ts": first, "duration": last_time - first,
                "missed_bytes": d["orig"]["missed"] + d["resp"]["missed"]}
        for k in ("orig", "resp"):
            e = d[k]
            size = max(e["last"], e["ack"])
            if size:
                size -= 1
            if e["fin"] is not None and size:
                size -= 1
            want[k + "_pkts"] = e["pkts"]
            want[k + "_ip_bytes"] = e["ip"]
            want[k + "_bytes"] = size
        resp = next((p["ip"]["dst"], p["tcp"]["dport"]) for p in pkts[:1])
        out.append((orig, resp, want))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tcplens, root = sys.argv[1], sys.argv[2]
    failed = compared = 0
    for js in sorted(glob.glob(os.path.join(root, "tests", "golden", "*", "tshark.jsonl"))):
        case = os.path.dirname(js)
        cap = os.path.join(case, "capture.pcap")
        if not os.path.exists(cap):
            continue
        with open(js) as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        streams = expected_streams(rows)
        if not streams:
            continue
        r = subprocess.run([tcplens, "decode", "--format", "zeek-json", cap],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        ours = [json.loads(line) for line in r.stdout.decode().splitlines()]
        for orig, resp, want in streams:
            label = "%s %s:%s" % (os.path.basename(case), orig[0], orig[1])
            row = next((o for o in ours if (o["id.orig_h"], o["id.orig_p"]) == orig and
                        (o["id.resp_h"], o["id.resp_p"]) == resp and
                        "%.6f" % o["ts"] == "%.6f" % want["ts"]), None)
            if row is None:
                print("FAIL %s: no row with this originator and first time" % label)
                failed += 1
                continue
            problems = []
            for k, v in want.items():
                have = row.get(k)
                if k in ("ts", "duration"):
                    if v > 0 or k == "ts":
                        ok = have is not None and abs(have - v) < 2e-6
                    else:
                        ok = have is None
                elif k in ("orig_bytes", "resp_bytes") and want["duration"] <= 0:
                    ok = have is None
                else:
                    ok = have == v
                if not ok:
                    problems.append("%s: oracle %r, tcplens %r" % (k, v, have))
            compared += 1
            print("%s %s%s" % ("ok  " if not problems else "FAIL", label,
                               "" if not problems else ": " + "; ".join(problems)))
            failed += bool(problems)
    print("%d stream(s) compared, %d differ" % (compared, failed))
    return 1 if failed or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
