#!/usr/bin/env python3
"""tunnel_ids.py - the identifiers of every encapsulation layer, as tshark names them, against
the `tunnels` of each packet of `tcplens decode`.

    tunnel_ids.py --regen CASE...            write CASE/tshark_tunnels.tsv from tshark
    tunnel_ids.py --check TCPLENS CASE...    compare tcplens with those files
    tunnel_ids.py --self-test TCPLENS CASE   a changed identifier must be reported

tshark's fields, each listed once per occurrence, outermost first: vlan.id and ieee8021ad.id
(802.1ad tags), mpls.label,
mpls.exp, mpls.ttl, gre.key, erspan.spanid, vxlan.vni (VXLAN and VXLAN-GPE), geneve.vni,
gtp.teid, pppoe.session_id. Each maps to one identifier of one kind of tcplens's tunnels (the
table below); a frame's list of that identifier, in path order, must equal tshark's. The
expectation files come from tshark only (their first line is the command), never from tcplens.
Exit 0 when everything matches, 1 on a difference, 2 on a usage or setup error.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# tshark field -> (tcplens kinds, tcplens key); tshark names an 802.1ad tag (TPID 0x88a8)
# ieee8021ad.id and every other tag vlan.id
FIELDS = [
    ("vlan.id", ("vlan",), "vlan"),
    ("ieee8021ad.id", ("vlan",), "vlan"),
    ("mpls.label", ("mpls",), "label"),
    ("mpls.exp", ("mpls",), "tc"),
    ("mpls.ttl", ("mpls",), "ttl"),
    ("gre.key", ("gre",), "key"),
    ("erspan.spanid", ("erspan",), "session_id"),
    ("vxlan.vni", ("vxlan", "vxlan-gpe"), "vni"),
    ("geneve.vni", ("geneve",), "vni"),
    ("gtp.teid", ("gtpu",), "teid"),
    ("pppoe.session_id", ("pppoe",), "session_id"),
]


# Known oracle disagreements: (case, first frame, last frame, field) -> why.
EXCEPTIONS = {
    ("tun_vlan_9100_9200", 9, 16, "vlan.id"):
        "tshark 4.0 does not dissect TPID 0x9200 (an unknown EtherType to it), nor the tags "
        "inside; tcplens walks 0x9200, then 0x88a8 and 0x8100, as switches that use 0x9200 do",
    ("tun_vlan_9100_9200", 9, 16, "ieee8021ad.id"): "the same frames: the 0x88a8 tag inside",
}


def excepted(case, frame, field):
    for (c, a, b, f), why in EXCEPTIONS.items():
        if c == case and a <= frame <= b and f == field:
            return why
    return None


def tpid_of(x):
    return int(x.get("tpid", "0"), 16)


def capture_of(case):
    d = os.path.join(HERE, case)
    for n in ("capture.pcap", "capture.pcapng"):
        if os.path.exists(os.path.join(d, n)):
            return os.path.join(d, n)
    raise SystemExit("tunnel_ids: %s has no capture" % case)


def tshark_cmd(cap):
    cmd = ["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=/t", "-E",
           "occurrence=a", "-E", "aggregator=,", "-e", "frame.number"]
    for f, _, _ in FIELDS:
        cmd += ["-e", f]
    return cmd


def number(v):
    return int(v, 0)


def regen(case):
    cap = capture_of(case)
    out = subprocess.run(tshark_cmd(cap), capture_output=True, text=True, check=True,
                         timeout=300).stdout
    shown = " ".join(a if not a.startswith("/") else os.path.basename(a)
                     for a in tshark_cmd(os.path.basename(cap)))
    ver = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    with open(os.path.join(HERE, case, "tshark_tunnels.tsv"), "w") as fh:
        fh.write("# %s  (%s)\n" % (shown, ver.splitlines()[0].strip()))
        fh.write(out)


def expected(case):
    rows = {}
    with open(os.path.join(HERE, case, "tshark_tunnels.tsv")) as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            frame = int(cols[0])
            rows[frame] = {f: [number(x) for x in (cols[i + 1] if i + 1 < len(cols) else "")
                               .split(",") if x]
                           for i, (f, _, _) in enumerate(FIELDS)}
    return rows


def ours(tcplens, case):
    r = subprocess.run([tcplens, "decode", capture_of(case)], capture_output=True, timeout=300)
    if r.returncode != 0:
        raise SystemExit("tunnel_ids: tcplens failed on %s: %s" % (case, r.stderr[:300]))
    doc = json.loads(r.stdout)
    rows = {}
    for fl in doc["flows"]:
        for p in fl["timeline"]:
            tl = p.get("tunnels") or []
            rows[p["frame"]] = {f: [x[key] for x in tl if x["kind"] in kinds and key in x
                                    and (f != "vlan.id" or tpid_of(x) != 0x88A8)
                                    and (f != "ieee8021ad.id" or tpid_of(x) == 0x88A8)]
                                for f, kinds, key in FIELDS}
    return rows


def compare(exp, got, case):
    problems = []
    for frame, want in sorted(exp.items()):
        if frame not in got:
            continue  # not a TCP packet tcplens put in a flow (tshark lists every frame)
        for f, _, _ in FIELDS:
            if want[f] != got[frame][f] and excepted(case, frame, f):
                continue
            if want[f] != got[frame][f]:
                problems.append("%s frame %d %s: tshark %s, tcplens %s"
                                % (case, frame, f, want[f], got[frame][f]))
    compared = sum(1 for fr in exp if fr in got)
    return problems, compared


def main(argv):
    if len(argv) >= 3 and argv[1] == "--regen":
        for case in argv[2:]:
            regen(case)
            print("regenerated", case)
        return 0
    if len(argv) >= 4 and argv[1] in ("--check", "--self-test"):
        tcplens, cases = argv[2], argv[3:]
        bad = 0
        for case in cases:
            exp, got = expected(case), ours(tcplens, case)
            if argv[1] == "--self-test":
                fr = next((fr for fr in sorted(exp) if fr in got and any(exp[fr].values())),
                          None)
                if fr is None:
                    print("self-test %s: no frame with an identifier" % case)
                    return 2
                f = next(k for k, v in exp[fr].items() if v)
                exp[fr][f] = [exp[fr][f][0] + 1] + exp[fr][f][1:]
                problems, _ = compare(exp, got, case)
                ok = any(("frame %d %s" % (fr, f)) in p for p in problems)
                print("self-test %s: a changed %s %s" % (case, f, "is reported" if ok else
                                                         "was NOT reported"))
                bad += not ok
                continue
            problems, compared = compare(exp, got, case)
            ids = sum(len(v) for fr in exp if fr in got for v in exp[fr].values())
            if compared == 0:
                problems.append("%s: no frame compared" % case)
            for p in problems[:20]:
                print("MISMATCH " + p)
            print("%s %s: %d frames, %d identifiers compared"
                  % ("FAIL" if problems else "PASS", case, compared, ids))
            bad += bool(problems)
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
