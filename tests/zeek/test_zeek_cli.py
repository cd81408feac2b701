#!/usr/bin/env python3
"""test_zeek_cli.py - `tcplens decode --format zeek|zeek-json` against Zeek's documented log
format and conn.log's definitions.

usage: test_zeek_cli.py TCPLENS REPO_ROOT

1. The parser (zeek_tsv.py) rejects what Zeek's ASCII format does not allow.
2. The seed capture (tests/golden/seed_telnet) gives exactly the row below, derived by hand.
3. Every capture of tests/golden/: the TSV log parses field by field by type, every row keeps
   conn.log's rules, the JSON lines carry the same values, the uids are stable across runs and
   distinct within a capture, conn_state and history equal the JSON document's.
Exit 0 when all pass, 1 otherwise. Python 3 standard library only.
"""
import glob
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zeek_tsv  # noqa: E402

TIMEOUT = 120
DEADLINE = 600  # seconds for the whole sweep
MAX_CAPTURES = 200

# The seed (tests/golden/seed_telnet/capture.pcap, tcpdump -nn -v -tt), six frames:
#   1 1464776640.265744 192.168.3.10.58544 > 114.215.206.177.5555 [S]  seq 1754109131  IP len 64
#   2 1464776640.286693 114.215.206.177.5555 > .58544           [S.] seq 2349913793  IP len 60
#   3 1464776640.286749 client [.]  ack 1                                          IP len 52
#   4 1464776653.326683 client [F.] seq 1                                          IP len 52
#   5 1464776653.347347 server [F.] seq 1, ack 2                                   IP len 52
#   6 1464776653.347436 client [.]  ack 2                                          IP len 52
# Zeek's rules (base/protocols/conn/main.zeek, TCPSessionAdapter.cc, TCP_Endpoint.cc):
#   ts        = the first packet: 1464776640.265744
#   orig/resp = the SYN's sender is the originator (no flip: the first packet is a pure SYN)
#   duration  = last_time - start_time; last_time stops moving once both endpoints have
#               closed (did_close), so frame 6, after both FINs, does not count:
#               1464776653.347347 - 1464776640.265744 = 13.081603
#   orig_bytes = TCP_Endpoint::Size(): last_seq - start_seq - 1 (SYN) - 1 (FIN)
#               = (1754109131 + 2) - 1754109131 - 2 = 0; resp_bytes likewise 0
#   conn_state = SF (both endpoints CLOSED); history ShAFf: S (SYN), h (SYN-ACK), A (frame 3,
#               once per direction), F (frame 4), f (frame 5); frame 6 adds no letter
#   missed_bytes = 0 (no payload, no gap); service unset (no payload to recognise)
#   orig_pkts 4, orig_ip_bytes 64 + 52 + 52 + 52 = 220; resp_pkts 2, resp_ip_bytes 60 + 52 = 112
#   local_orig, local_resp, tunnel_parents unset (no Site::local_nets, no tunnel)
SEED_ROW = {
    "ts": 1464776640.265744, "id.orig_h": "192.168.3.10", "id.orig_p": 58544,
    "id.resp_h": "114.215.206.177", "id.resp_p": 5555, "proto": "tcp", "service": None,
    "duration": 13.081603, "orig_bytes": 0, "resp_bytes": 0, "conn_state": "SF",
    "local_orig": None, "local_resp": None, "missed_bytes": 0, "history": "ShAFf",
    "orig_pkts": 4, "orig_ip_bytes": 220, "resp_pkts": 2, "resp_ip_bytes": 112,
    "tunnel_parents": None,
}

failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def run(tcplens, fmt, path, extra=()):
    r = subprocess.run([tcplens, "decode", "--format", fmt] + list(extra) + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def parser_self_test():
    good = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
            "#path\tconn\n#open\t2016-06-01-10-24-00\n#fields\ta\tb\tc\td\n"
            "#types\tstring\tset[string]\tcount\tinterval\n"
            "x\\x09y\\x5c\t(empty)\t7\t-\n(empty)\tp,q\t0\t1.500000\n#close\t2016-06-01-10-24-13\n")
    log = zeek_tsv.parse(good)
    check(log.rows[0]["a"] == "x\ty\\" and log.rows[0]["b"] == frozenset() and
          log.rows[0]["c"] == 7 and log.rows[0]["d"] is None, "parser: escapes, empty set, unset")
    check(log.rows[1]["a"] == "" and log.rows[1]["b"] == frozenset({"p", "q"}) and
          log.rows[1]["d"] == 1.5, "parser: empty string, set, interval")
    bad = {
        "separator not \\x09": good.replace("#separator \\x09", "#separator \\x2c"),
        "missing #close": good[:good.index("#close")],
        "a short row": good.replace("(empty)\tp,q\t0\t1.500000\n", "(empty)\tp,q\t0\n"),
        "a raw control byte": good.replace("x\\x09y", "x\x01y"),
        "an empty column": good.replace("\t7\t", "\t\t"),
        "a count with a sign": good.replace("\t7\t", "\t-7\t"),
        "an interval with 3 decimals": good.replace("1.500000", "1.500"),
        "a #open in another shape": good.replace("2016-06-01-10-24-00", "2016-06-01 10:24:00"),
        "headers out of order": good.replace("#path\tconn\n#open\t2016-06-01-10-24-00\n",
                                             "#open\t2016-06-01-10-24-00\n#path\tconn\n"),
    }
    for name, text in bad.items():
        try:
            zeek_tsv.parse(text)
            check(False, "parser rejects %s" % name)
        except zeek_tsv.ZeekLogError:
            check(True, "parser rejects %s" % name)


def seed(tcplens, root):
    path = os.path.join(root, "tests", "golden", "seed_telnet", "capture.pcap")
    rc, out, err = run(tcplens, "zeek", path)
    check(rc == 0, "seed: exit 0 (%s)" % err.strip())
    log = zeek_tsv.parse(out)
    check(log.meta == {"set_separator": ",", "empty_field": "(empty)", "unset_field": "-",
                       "path": "conn", "open": "2016-06-01-10-24-00"}, "seed: header %r" % log.meta)
    check(log.fields == zeek_tsv.CONN_FIELDS, "seed: #fields are conn.log's")
    check(log.types == zeek_tsv.CONN_TYPES, "seed: #types are conn.log's")
    check(log.close == "2016-06-01-10-24-13", "seed: #close at the last packet (%s)" % log.close)
    check(len(log.rows) == 1, "seed: one row")
    row = log.rows[0]
    for k, want in SEED_ROW.items():
        got = row[k]
        if k in ("id.orig_h", "id.resp_h"):
            got = str(got)
        check(got == want, "seed: %s = %r (got %r)" % (k, want, got))
    check(zeek_tsv.UID_RE.match(row["uid"]) is not None, "seed: uid %r is C + base62" % row["uid"])
    rc, out, _ = run(tcplens, "zeek-json", path)
    lines = out.splitlines()
    check(rc == 0 and len(lines) == 1, "seed: one JSON line")
    o = zeek_tsv.conn_json(lines[0])
    for k, want in SEED_ROW.items():
        if want is None:
            check(k not in o, "seed json: %s left out (unset)" % k)
        elif k == "duration":
            check(abs(o[k] - want) < 5e-7, "seed json: duration %r" % o[k])
        else:
            check(o[k] == want, "seed json: %s = %r (got %r)" % (k, want, o.get(k)))
    check(o["uid"] == row["uid"], "seed json: the same uid as the TSV")


def sweep(tcplens, root):
    caps = sorted(glob.glob(os.path.join(root, "tests", "golden", "*", "capture.pcap")))
    caps += sorted(glob.glob(os.path.join(root, "tests", "golden", "*", "*.pcapng")))
    start = time.monotonic()
    for path in caps[:MAX_CAPTURES]:
        if time.monotonic() - start > DEADLINE:
            check(False, "sweep finished within %d s" % DEADLINE)
            return
        name = os.path.relpath(path, root)
        rc, out, err = run(tcplens, "zeek", path)
        if rc != 0:
            check(rc == 1 and "capture" in err, "%s: refused as unreadable, or decoded" % name)
            continue
        try:
            log = zeek_tsv.parse(out)
        except zeek_tsv.ZeekLogError as e:
            check(False, "%s: TSV parses (%s)" % (name, e))
            continue
        problems = []
        for row in log.rows:
            problems += zeek_tsv.check_conn_row(row)
        rc2, out2, _ = run(tcplens, "zeek", path)
        rcj, outj, _ = run(tcplens, "zeek-json", path)
        rcd, outd, _ = run(tcplens, "json", path, ("--no-timeline",))
        if out2 != out:
            problems.append("a second run differs")
        uids = [r["uid"] for r in log.rows]
        if len(set(uids)) != len(uids):
            problems.append("uids repeat")
        try:
            objs = [zeek_tsv.conn_json(line) for line in outj.splitlines()]
        except zeek_tsv.ZeekLogError as e:
            objs = []
            problems.append("JSON line: %s" % e)
        if len(objs) != len(log.rows):
            problems.append("%d JSON lines for %d rows" % (len(objs), len(log.rows)))
        for row, o in zip(log.rows, objs):
            for k, v in row.items():
                if v is None:
                    if k in o:
                        problems.append("%s unset in TSV, %r in JSON" % (k, o[k]))
                    continue
                w = o.get(k)
                if k in ("ts", "duration"):
                    same = w is not None and "%.6f" % w == "%.6f" % v
                elif k in ("id.orig_h", "id.resp_h"):
                    same = w == str(v)
                else:
                    same = w == v
                if not same:
                    problems.append("%s: TSV %r, JSON %r" % (k, v, w))
        doc = json.loads(outd) if rcd == 0 else {"flows": []}
        by_pair = {}
        for f in doc["flows"]:
            key = tuple(sorted([(f["client"]["ip"], f["client"]["port"]),
                                (f["server"]["ip"], f["server"]["port"])]))
            by_pair.setdefault(key, []).append(f)
        for row in log.rows:
            key = tuple(sorted([(str(row["id.orig_h"]), row["id.orig_p"]),
                                (str(row["id.resp_h"]), row["id.resp_p"])]))
            if not any(f["conn_state"] == row["conn_state"] and
                       (f["history"] or None) == row["history"] and
                       f["service"] == row["service"] for f in by_pair.get(key, [])):
                problems.append("%s: conn_state/history/service differ from the JSON document"
                                % row["uid"])
        check(not problems, "%s: %d rows%s" % (name, len(log.rows),
                                               "" if not problems else ": " + "; ".join(problems[:5])))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tcplens, root = sys.argv[1], sys.argv[2]
    parser_self_test()
    rc, _, err = run(tcplens, "zeek-tsv", os.path.join(root, "tests", "golden", "seed_telnet",
                                                        "capture.pcap"))
    check(rc == 2 and "zeek-json" in err, "an unknown format is a usage error naming the formats")
    seed(tcplens, root)
    sweep(tcplens, root)
    print("%d check(s) failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
