#!/usr/bin/env python3
"""Per-frame sequence analysis and RTT samples of tcplens against tshark's.

  check_analysis.py [--tcplens BIN] [--summary] [CASE_DIR...]   (default: every case with a
                                                                 tshark_analysis.tsv)
  check_analysis.py --self-test --tcplens BIN

For every frame that tcplens shows as exactly one packet, each of tshark's
tcp.analysis.{retransmission, fast_retransmission, spurious_retransmission, lost_segment,
ack_lost_segment, duplicate_ack, window_update, zero_window, keep_alive} must agree with the
packet's "analysis" list (tshark_analysis.tsv, written by perf/regen-analysis.sh from tshark
alone). RTT: every "ack_rtt_us" sample tcplens gives must be tshark's tcp.analysis.ack_rtt on
the same frame, to the microsecond; tcplens takes fewer samples than tshark by design (Karn's
rule: none from a range sent more than once; and at most 8 segments timed per direction),
and the coverage is reported. The flow's "perf" counts must equal the counts of tshark's
flags over the flow's frames, per direction.
"""
import argparse
import copy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = ["retransmission", "fast_retransmission", "spurious_retransmission", "lost_segment",
         "ack_lost_segment", "duplicate_ack", "window_update", "zero_window", "keep_alive"]
# perf counter <- tshark flag (counted over the frames of each direction)
PERF_COUNTS = [("retransmitted_packets", "retransmission"),
               ("fast_retransmissions", "fast_retransmission"),
               ("spurious_retransmissions", "spurious_retransmission"),
               ("segments_not_captured", "lost_segment"),
               ("acked_unseen", "ack_lost_segment"),
               ("duplicate_acks", "duplicate_ack")]


def read_tsv(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split("\t")
    for l in lines[1:]:
        cells = dict(zip(head, l.split("\t")))
        fr = int(cells["frame.number"])
        rows[fr] = {
            "flags": {n for n in FLAGS if cells.get("tcp.analysis." + n)},
            "ack_rtt": float(cells["tcp.analysis.ack_rtt"]) if cells.get("tcp.analysis.ack_rtt") else None,
            "acks_frame": int(cells["tcp.analysis.acks_frame"]) if cells.get("tcp.analysis.acks_frame") else None,
        }
    return rows


def read_oracle(path):
    pk = {}
    if os.path.exists(path):
        for l in open(path, encoding="utf-8"):
            o = json.loads(l)
            if o.get("type") == "pkt" and o.get("tcp"):
                pk[o["frame"]] = o
    return pk


def karn_eligible(tsv, oracle, fr):
    """tshark's sample on ACK frame fr is one Karn allows: from a data segment whose range no
    other frame of that stream and direction carried before the ACK."""
    a = tsv[fr]["acks_frame"]
    seg = oracle.get(a)
    if not seg or not (seg["tcp"].get("payload_len") or 0) > 0:
        return False
    if tsv.get(a, {}).get("flags", set()) & {"retransmission", "fast_retransmission", "spurious_retransmission"}:
        return False
    t = seg["tcp"]
    lo, hi = t["seq"], t["seq"] + t["payload_len"]
    for f2, o in oracle.items():
        if f2 == a or f2 >= fr:
            continue
        u = o["tcp"]
        if u.get("stream") != t.get("stream") or u.get("sport") != t.get("sport") or not u.get("payload_len"):
            continue
        l2, h2 = u["seq"], u["seq"] + u["payload_len"]
        if ((l2 - hi) & 0xffffffff) >= 0x80000000 and ((lo - h2) & 0xffffffff) >= 0x80000000:
            return False
    return True


def read_exceptions(case_dir):
    """Frames whose analysis EXCEPTIONS (README.md) lists as a known oracle disagreement."""
    skip = {}
    path = os.path.join(case_dir, "EXCEPTIONS")
    if os.path.exists(path):
        for l in open(path, encoding="utf-8"):
            parts = l.split(None, 2)
            if len(parts) == 3 and not l.startswith("#") and parts[1] == "analysis":
                skip[int(parts[0])] = parts[2].strip()
    return skip


def compare(case, doc, tsv, oracle, stats, out, skip=None):
    skip = skip or {}
    bad = 0
    skipped_flows = set()
    ours = {}
    for fi, fl in enumerate(doc.get("flows", [])):
        for p in fl.get("timeline", []):
            ours.setdefault(p["frame"], []).append((fi, p))
    per_flow = {}
    for fr, row in sorted(tsv.items()):
        mine = ours.get(fr, [])
        if len(mine) != 1:
            continue
        fi, p = mine[0]
        got = set(p.get("analysis") or [])
        if fr in skip:
            stats["skipped"] = stats.get("skipped", 0) + 1
            skipped_flows.add(fi)
            print("skip %s frame %d (EXCEPTIONS): %s" % (case, fr, skip[fr]), file=out)
            continue
        for n in FLAGS:
            stats["frames." + n] = stats.get("frames." + n, 0) + 1
            if (n in row["flags"]) != (n in got):
                bad += 1
                stats["mismatch." + n] = stats.get("mismatch." + n, 0) + 1
                print("MISMATCH %s frame %d %s: tshark %s, tcplens %s" % (
                    case, fr, n, n in row["flags"], n in got), file=out)
        c = per_flow.setdefault((fi, p["dir"]), {})
        for n in row["flags"]:
            c[n] = c.get(n, 0) + 1
        rtt = p.get("ack_rtt_us", "absent")
        if rtt == "absent":
            bad += 1
            print("MISMATCH %s frame %d: no ack_rtt_us key" % (case, fr), file=out)
            continue
        if row["ack_rtt"] is not None:
            stats["rtt.tshark"] = stats.get("rtt.tshark", 0) + 1
            if karn_eligible(tsv, oracle, fr):
                stats["rtt.eligible"] = stats.get("rtt.eligible", 0) + 1
        if rtt is not None:
            stats["rtt.ours"] = stats.get("rtt.ours", 0) + 1
            want = None if row["ack_rtt"] is None else int(round(row["ack_rtt"] * 1e9)) // 1000
            if want != rtt:
                bad += 1
                print("MISMATCH %s frame %d ack_rtt_us: tshark %s, tcplens %s" % (
                    case, fr, row["ack_rtt"], rtt), file=out)
            else:
                stats["rtt.equal"] = stats.get("rtt.equal", 0) + 1
    for fi, fl in enumerate(doc.get("flows", [])):
        perf = fl.get("perf")
        if fi in skipped_flows:
            continue
        if perf is None:
            bad += 1
            print("MISMATCH %s flow %d: no perf object" % (case, fi), file=out)
            continue
        for d in ("c2s", "s2c"):
            c = per_flow.get((fi, d), {})
            for key, flag in PERF_COUNTS:
                if perf[d][key] != c.get(flag, 0):
                    bad += 1
                    print("MISMATCH %s flow %d perf.%s.%s: tshark's flags count %d, perf says %d" % (
                        case, fi, d, key, c.get(flag, 0), perf[d][key]), file=out)
    return bad


def decode(tcplens, case_dir):
    cap = next(os.path.join(case_dir, f) for f in ("capture.pcap", "capture.pcapng")
               if os.path.exists(os.path.join(case_dir, f)))
    r = subprocess.run([tcplens, "decode", "--format", "json", cap], capture_output=True)
    if r.returncode != 0:
        raise SystemExit("tcplens failed on %s: %s" % (cap, r.stderr.decode(errors="replace")))
    return json.loads(r.stdout)


def self_test(tcplens):
    case = os.path.join(HERE, "perf_rto_spurious")
    tsv = read_tsv(os.path.join(case, "tshark_analysis.tsv"))
    oracle = read_oracle(os.path.join(case, "tshark.jsonl"))
    doc = decode(tcplens, case)
    devnull = open(os.devnull, "w")
    assert compare("self", doc, tsv, oracle, {}, devnull) == 0, "the real document must pass"
    fails = 0
    for what in ("flag", "rtt", "perf"):
        bad = copy.deepcopy(doc)
        tl = bad["flows"][0]["timeline"]
        if what == "flag":
            tl[5]["analysis"] = list(tl[5]["analysis"]) + ["duplicate_ack"]
        elif what == "rtt":
            p = next(p for p in tl if p.get("ack_rtt_us") is not None)
            p["ack_rtt_us"] += 1
        else:
            bad["flows"][0]["perf"]["c2s"]["retransmitted_packets"] += 1
        if compare("self", bad, tsv, oracle, {}, devnull) == 0:
            print("self-test: a wrong %s passed" % what)
            fails += 1
    print("self-test: %s" % ("FAIL" if fails else "PASS"))
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--tcplens", required=True)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test(a.tcplens)
    cases = a.cases or sorted(os.path.join(HERE, d) for d in os.listdir(HERE)
                              if os.path.exists(os.path.join(HERE, d, "tshark_analysis.tsv")))
    stats, bad = {}, 0
    for case in cases:
        name = os.path.basename(os.path.normpath(case))
        tsv = read_tsv(os.path.join(case, "tshark_analysis.tsv"))
        oracle = read_oracle(os.path.join(case, "tshark.jsonl"))
        bad += compare(name, decode(a.tcplens, case), tsv, oracle, stats, sys.stdout,
                       read_exceptions(case))
    flags = sum(v for k, v in stats.items() if k.startswith("frames."))
    print("%d cases; %d frame x flag comparisons with tshark, %d disagree; %d frames skipped by "
          "EXCEPTIONS" % (len(cases), flags, bad, stats.get("skipped", 0)))
    for n in FLAGS:
        print("  %-24s %6d frames, %d disagree" % (n, stats.get("frames." + n, 0), stats.get("mismatch." + n, 0)))
    print("  ack_rtt: tshark gives %d samples (%d from segments sent once: Karn-eligible); "
          "tcplens gives %d, %d equal to tshark's to the microsecond" % (
              stats.get("rtt.tshark", 0), stats.get("rtt.eligible", 0), stats.get("rtt.ours", 0),
              stats.get("rtt.equal", 0)))
    print("PASS" if bad == 0 else "FAIL: %d mismatch(es)" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
