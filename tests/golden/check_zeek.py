#!/usr/bin/env python3
"""check_zeek.py - compare tcplens's conn_state/history with Zeek's own test baselines.

Usage:
    check_zeek.py --tcplens PATH [--expectations FILE] [--strict]
    check_zeek.py --self-test [--tcplens PATH]

zeek_conn.json (beside this script) maps capture paths (relative to the
repository root) to runs of Zeek taken from zeek/zeek testing/btest baselines.
For each run, `tcplens decode --format json --no-timeline --checksums MODE FILE`
is run with MODE = verify (zeek without -C) or ignore (zeek -C), and every
expected flow is matched with a tcplens flow by its unordered endpoint pair
(Zeek's orig may be tcplens's client or server); several connections on one
pair are matched in order of appearance.  conn_state and history (when the
baseline gives one; "also_accept" lists alternatives) must be equal; flows in
"absent" must not exist.  Runs with "enforce": false (verdicts derived from
Zeek's source, not printed by a baseline) are checked and reported but only
fail with --strict.  Exit 0 when every enforced run matches, 1 on any
mismatch, 2 on a usage or setup error.  python3 standard library only.
"""
import copy
import ipaddress
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 300


def addr(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def pair_key(h1, p1, h2, p2):
    return tuple(sorted([(addr(h1), int(p1)), (addr(h2), int(p2))]))


def run_tcplens(tcplens, path, mode):
    cmd = [tcplens, "decode", "--format", "json", "--no-timeline", "--checksums", mode, path]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "cannot run %s: %s" % (" ".join(cmd), e)
    if r.returncode != 0:
        return None, "%s exited %d: %s" % (" ".join(cmd), r.returncode,
                                           r.stderr.decode("utf-8", "replace").strip())
    try:
        return json.loads(r.stdout.decode("utf-8")), None
    except ValueError as e:
        return None, "%s: output is not JSON: %s" % (" ".join(cmd), e)


def describe(f):
    return "%s:%s <-> %s:%s" % (f["client"]["ip"], f["client"]["port"],
                                f["server"]["ip"], f["server"]["port"])


def compare_run(run, doc):
    """Mismatch messages (empty list = match) of one run against a tcplens document."""
    problems = []
    by_pair = {}
    for f in doc.get("flows", []):
        k = pair_key(f["client"]["ip"], f["client"]["port"], f["server"]["ip"], f["server"]["port"])
        by_pair.setdefault(k, []).append(f)
    wanted = {}
    for exp in run.get("flows", []):
        k = pair_key(exp["orig_h"], exp["orig_p"], exp["resp_h"], exp["resp_p"])
        wanted.setdefault(k, []).append(exp)
    for k, exps in wanted.items():
        got = by_pair.get(k, [])
        label = "%s:%d <-> %s:%d" % (k[0][0], k[0][1], k[1][0], k[1][1])
        if len(got) != len(exps):
            problems.append("%s: Zeek logs %d connection(s) on this pair, tcplens has %d flow(s)%s"
                            % (label, len(exps), len(got),
                               "" if got else " (flow missing)"))
        for i, exp in enumerate(exps):
            if i >= len(got):
                problems.append("%s #%d: expected %s %s, tcplens has no such flow"
                                % (label, i + 1, exp["conn_state"], exp.get("history")))
                continue
            f = got[i]
            choices = [(exp["conn_state"], exp.get("history"))]
            choices += [(a["conn_state"], a.get("history")) for a in exp.get("also_accept", [])]
            ok = any(f.get("conn_state") == cs and (h is None or f.get("history") == h)
                     for cs, h in choices)
            if not ok:
                want = " or ".join("conn_state %s history %s" % (cs, h if h is not None else "(any)")
                                   for cs, h in choices)
                problems.append("%s #%d (Zeek orig %s:%s): expected %s; tcplens has conn_state %s "
                                "history %s (tcplens client %s)"
                                % (label, i + 1, exp["orig_h"], exp["orig_p"], want,
                                   f.get("conn_state"), f.get("history"),
                                   "%s:%s" % (f["client"]["ip"], f["client"]["port"])))
    for ab in run.get("absent", []):
        k = pair_key(ab["orig_h"], ab["orig_p"], ab["resp_h"], ab["resp_p"])
        for f in by_pair.get(k, []):
            problems.append("%s: Zeek logs no connection here, tcplens has a flow (conn_state %s "
                            "history %s)" % (describe(f), f.get("conn_state"), f.get("history")))
    return problems


def check(expectations, tcplens, strict):
    with open(expectations) as fh:
        data = json.load(fh)
    failed = 0
    infos = 0
    for cap, runs in sorted(data["captures"].items()):
        path = os.path.join(ROOT, cap)
        if not os.path.exists(path):
            print("ERROR %s: capture not found" % cap)
            return 2
        for run in runs:
            mode = run["mode"]
            if mode not in ("verify", "ignore"):
                print("ERROR %s: bad mode %r" % (cap, mode))
                return 2
            enforce = (run.get("enforce", True) and not run.get("pending")) or strict
            head = "%s [--checksums %s; %s; %s]" % (cap, mode, run["basis"], run["command"])
            doc, err = run_tcplens(tcplens, path, mode)
            problems = [err] if err else compare_run(run, doc)
            if not problems:
                n = len(run.get("flows", [])) + len(run.get("absent", []))
                print("ok    %s: %d flow verdict(s) match" % (head, n))
                continue
            tag = "FAIL " if enforce else ("PENDING" if run.get("pending") else "INFO ")
            print("%s %s" % (tag, head))
            if run.get("pending"):
                print("      pending: %s" % run["pending"])
            print("      baseline: %s" % run.get("baseline"))
            for p in problems:
                print("      - %s" % p)
            if enforce:
                failed += 1
            else:
                infos += 1
    print("%d run(s) failed%s" % (failed, "; %d derived run(s) differ (not enforced)" % infos
                                  if infos else ""))
    return 1 if failed else 0


# ------------------------------------------------------------ self-test
def fake_doc(flows):
    return {"flows": [{"client": {"ip": c, "port": cp}, "server": {"ip": s, "port": sp},
                       "conn_state": cs, "history": h} for c, cp, s, sp, cs, h in flows]}


def self_test(tcplens):
    """The comparison must fail on wrong expectations (and pass on right ones)."""
    run = {"mode": "ignore", "basis": "baseline", "command": "self-test",
           "flows": [{"orig_h": "10.0.0.2", "orig_p": 80, "resp_h": "10.0.0.1", "resp_p": 1234,
                      "conn_state": "SF", "history": "^hADdFaf"},
                     {"orig_h": "2001:db8::1", "orig_p": 5, "resp_h": "2001:db8::2", "resp_p": 6,
                      "conn_state": "REJ", "history": None}],
           "absent": [{"orig_h": "10.9.9.9", "orig_p": 1, "resp_h": "10.9.9.8", "resp_p": 2}]}
    # tcplens's client is Zeek's resp on the first pair (roles flipped), IPv6 written long-hand
    good = fake_doc([("10.0.0.1", 1234, "10.0.0.2", 80, "SF", "^hADdFaf"),
                     ("2001:db8:0::1", 5, "2001:db8::2", 6, "REJ", "Sr")])
    failures = 0

    def expect(label, r, d, should_fail):
        nonlocal failures
        probs = compare_run(r, d)
        if bool(probs) != should_fail:
            failures += 1
            print("self-test FAILED: %s: %s" % (label, probs or "no mismatch reported"))
        else:
            print("self-test ok: %s%s" % (label, (" -> " + probs[0]) if probs else ""))

    expect("matching document passes", run, good, False)
    r = copy.deepcopy(run)
    r["flows"][0]["conn_state"] = "S1"
    expect("wrong conn_state fails", r, good, True)
    r = copy.deepcopy(run)
    r["flows"][0]["history"] = "ShADadFf"
    expect("wrong history fails", r, good, True)
    r = copy.deepcopy(run)
    r["flows"][0]["also_accept"] = [{"conn_state": "SF", "history": "X"}]
    r["flows"][0]["history"] = "Y"
    expect("also_accept does not accept anything else", r, good, True)
    r["flows"][0]["also_accept"] = [{"conn_state": "SF", "history": "^hADdFaf"}]
    expect("also_accept accepts its verdict", r, good, False)
    expect("missing flow fails", run, fake_doc([("10.0.0.1", 1234, "10.0.0.2", 80, "SF",
                                                 "^hADdFaf")]), True)
    expect("flow that Zeek does not log fails", run,
           fake_doc([("10.0.0.1", 1234, "10.0.0.2", 80, "SF", "^hADdFaf"),
                     ("2001:db8::1", 5, "2001:db8::2", 6, "REJ", "Sr"),
                     ("10.9.9.8", 2, "10.9.9.9", 1, "OTH", "C")]), True)
    r = copy.deepcopy(run)
    r["flows"].append(dict(r["flows"][0], history="S"))
    expect("Zeek split (two connections, one flow) fails", r, good, True)
    two = fake_doc([("10.0.0.1", 1234, "10.0.0.2", 80, "SF", "^hADdFaf"),
                    ("10.0.0.1", 1234, "10.0.0.2", 80, "S0", "S"),
                    ("2001:db8::1", 5, "2001:db8::2", 6, "REJ", "Sr")])
    r["flows"][-1]["conn_state"] = "S0"
    expect("port reuse matched in order passes", r, two, False)
    r["flows"][0], r["flows"][-1] = r["flows"][-1], r["flows"][0]
    expect("port reuse in the wrong order fails", r, two, True)

    if tcplens:
        # End to end: a deliberately wrong expectation for a real capture must fail.
        cap = "tests/golden/zeek_tcp_single-rst/capture.pcap"
        wrong = {"mode": "ignore", "basis": "baseline",
                 "flows": [{"orig_h": "10.0.0.10", "orig_p": 48777, "resp_h": "10.0.0.80",
                            "resp_p": 80, "conn_state": "SF", "history": "ShADadFf"}]}
        doc, err = run_tcplens(tcplens, os.path.join(ROOT, cap), "ignore")
        if err:
            print("self-test FAILED: %s" % err)
            failures += 1
        else:
            expect("real capture with a wrong expectation fails", wrong, doc, True)
    print("self-test: %s" % ("FAILED" if failures else "passed"))
    return 1 if failures else 0


def main(argv):
    args = argv[1:]
    tcplens = None
    expectations = os.path.join(HERE, "zeek_conn.json")
    strict = False
    self = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--tcplens" and i + 1 < len(args):
            tcplens = args[i + 1]
            i += 1
        elif a == "--expectations" and i + 1 < len(args):
            expectations = args[i + 1]
            i += 1
        elif a == "--strict":
            strict = True
        elif a == "--self-test":
            self = True
        else:
            print(__doc__, file=sys.stderr)
            return 2
        i += 1
    if self:
        return self_test(tcplens)
    if not tcplens:
        print(__doc__, file=sys.stderr)
        return 2
    return check(expectations, tcplens, strict)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
