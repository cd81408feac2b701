#!/usr/bin/env python3
"""check_golden.py - compare tcplens with the oracle expectations of one golden case.

Usage:
    check_golden.py CASE_DIR --tcplens PATH [--flow-fields] [--all]
    check_golden.py --self-test

CASE_DIR holds capture.pcap|capture.pcapng, tshark.jsonl, tcpdump.txt and
tcpdump.frames (written by regen.sh from the oracles), and optionally:
  EXCEPTIONS   lines "FRAME FIELD reason...": skip that one comparison
               (known oracle disagreements only; FIELD is a name printed by
               this script, a glob such as "tcp.options.*", "presence",
               "tcpdump" for the text comparison, or "*" for everything)
  EXPECT_EXIT  tcplens must exit with this status and print a message on
               stderr (libpcap cannot read the file); nothing else is checked
  TCPDUMP_REFUSES  tcpdump (libpcap) cannot read the file, tshark can (a pcapng
               whose interfaces differ in link type): tshark is the oracle;
               --format tcpdump must succeed, its text has no oracle to match

Checks:
  1. `tcplens decode --format json` field by field against tshark.jsonl
     (packets matched by frame number; see FIELD_MAP below).
  2. `tcplens decode --format tcpdump` against tcpdump.txt, packet by packet:
     each packet's text (first line + continuation lines) up to and including
     the first ", length N" after "Flags [" (the whole text when there is none).
--flow-fields also compares seq_rel, ack_rel, window_scaled and the grouping
of packets into flows (tshark tcp.stream).  --all prints every mismatch
(default: at most 20 per field).  Exit 0 when everything matches, 1 on any
mismatch, 2 on a usage or setup error.  python3 standard library only.
"""
import fnmatch
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MISSING = "<absent>"
TIMEOUT = 300
PER_FIELD_PRINT = 20


# ---------------------------------------------------------------- helpers
def as_int(v):
    """int from an int, a decimal string or a "0x..." string; else v unchanged."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s, 16) if s.lower().startswith("0x") else int(s)
        except ValueError:
            return v
    return v


def as_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    return v


def same(v):
    return v


def as_addr(v):
    try:
        return str(ipaddress.ip_address(v))
    except (ValueError, TypeError):
        return v


def dig(obj, path):
    """obj["a"]["b"]... for path "a.b"; MISSING when a key is absent."""
    for k in path.split("."):
        if not isinstance(obj, dict) or k not in obj:
            return MISSING
        obj = obj[k]
    return obj


CKSUM_STATUS = {"good": "correct", "bad": "incorrect", "unverified": "unverified", None: "unverified"}


def cut_eol(kinds):
    """Option kinds up to and including the first EOL: the bytes after an EOL
    are padding, not options (RFC 9293); tshark lists zero padding bytes as
    further EOLs, tcpdump stops at the first."""
    if 0 in kinds:
        return kinds[:kinds.index(0) + 1]
    return kinds


# -------------------------------------------------------- field mapping
# (field name printed, tcplens path in the packet, tshark getter, normaliser)
# A tshark value of None means tshark did not decode that field: the
# comparison is not made (except where a getter turns "absent" into a value).
def _ip(k):
    return lambda p: (p.get("ip") or {}).get(k)


def _tcp(k):
    return lambda p: (p.get("tcp") or {}).get(k)


def _flag(k):
    return lambda p: ((p.get("tcp") or {}).get("flag_bits") or {}).get(k) if (p.get("tcp") or {}).get("flags") else None


def _ip_cksum(p):
    ip = p.get("ip") or {}
    return CKSUM_STATUS.get(ip.get("checksum_status"), ip.get("checksum_status"))


def pseudo_header_sum(ip, tcp_len):
    """RFC 1071 folded (uncomplemented) sum of the TCP pseudo-header (RFC 9293 §3.1, RFC 8200
    §8.1): what Linux leaves in the field for the card to finish (checksum offload)."""
    try:
        src = ipaddress.ip_address(ip.get("src"))
        dst = ipaddress.ip_address(ip.get("dst"))
    except (TypeError, ValueError):
        return None
    words = []
    for a in (src, dst):
        b = a.packed
        words += [b[i] << 8 | b[i + 1] for i in range(0, len(b), 2)]
    if src.version == 4:
        words += [6, tcp_len & 0xffff]
    else:
        words += [tcp_len >> 16, tcp_len & 0xffff, 0, 6]
    total = sum(words)
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def _tcp_cksum(p):
    """tshark's verdict; where tshark says bad and the field holds exactly the pseudo-header
    sum (computed here from tshark's own addresses and lengths), tcplens says `offloaded`."""
    t = p.get("tcp") or {}
    if t.get("cksum") is None:          # no checksum field decoded (bogus header length)
        return None
    status = CKSUM_STATUS.get(t.get("cksum_status"), t.get("cksum_status"))
    if status == "incorrect" and t.get("hdr_len") is not None and t.get("payload_len") is not None:
        partial = pseudo_header_sum(p.get("ip") or {}, as_int(t["hdr_len"]) + as_int(t["payload_len"]))
        field = as_int(t["cksum"])
        if partial is not None and (field == partial or (partial == 0xffff and field == 0)):
            status = "offloaded"
    return status


IP4_FIELDS = [
    ("ip.version", "ip.version", _ip("v"), as_int),
    ("ip.src", "ip.src", _ip("src"), as_addr),
    ("ip.dst", "ip.dst", _ip("dst"), as_addr),
    ("ip.header_length", "ip.header_length", _ip("hdr_len"), as_int),
    ("ip.tos", "ip.tos", _ip("tos"), as_int),
    ("ip.dscp", "ip.dscp", _ip("dscp"), as_int),
    ("ip.ecn", "ip.ecn", _ip("ecn"), as_int),
    ("ip.total_length", "ip.total_length", _ip("total_len"), as_int),
    ("ip.id", "ip.id", _ip("id"), as_int),
    ("ip.df", "ip.df", _ip("df"), as_bool),
    ("ip.mf", "ip.mf", _ip("mf"), as_bool),
    ("ip.fragment_offset", "ip.fragment_offset", _ip("frag_offset"), as_int),
    ("ip.ttl", "ip.ttl", _ip("ttl"), as_int),
    ("ip.protocol", "ip.protocol", _ip("proto"), as_int),
    ("ip.checksum_status", "ip.checksum_status", _ip_cksum, same),
]
IP6_FIELDS = [
    ("ip.version", "ip.version", _ip("v"), as_int),
    ("ip.src", "ip.src", _ip("src"), as_addr),
    ("ip.dst", "ip.dst", _ip("dst"), as_addr),
    ("ip.traffic_class", "ip.traffic_class", _ip("tos"), as_int),
    ("ip.flow_label", "ip.flow_label", _ip("flow"), as_int),
    ("ip.payload_length", "ip.payload_length", _ip("payload_len"), as_int),
    ("ip.next_header", "ip.next_header", _ip("next_header"), as_int),
    ("ip.hop_limit", "ip.hop_limit", _ip("ttl"), as_int),
]
TCP_FIELDS = [
    ("tcp.src_port", "tcp.src_port", _tcp("sport"), as_int),
    ("tcp.dst_port", "tcp.dst_port", _tcp("dport"), as_int),
    ("tcp.seq", "tcp.seq", _tcp("seq"), as_int),
    ("tcp.ack", "tcp.ack", _tcp("ack"), as_int),
    ("tcp.header_length", "tcp.header_length", _tcp("hdr_len"), as_int),
    ("tcp.flags.value", "tcp.flags.value", _tcp("flags"), as_int),
] + [("tcp.flags." + f, "tcp.flags." + f, _flag(f), as_bool)
     for f in ("cwr", "ece", "urg", "ack", "psh", "rst", "syn", "fin")] + [
    ("tcp.window", "tcp.window", _tcp("win"), as_int),
    ("tcp.checksum", "tcp.checksum", _tcp("cksum"), as_int),
    ("tcp.checksum_status", "tcp.checksum_status", _tcp_cksum, same),
    ("tcp.urgent_pointer", "tcp.urgent_pointer", _tcp("urg_ptr"), as_int),
    ("tcp.payload_length", "tcp.payload_length", _tcp("payload_len"), as_int),
]


def _flow_ack_rel(p):
    t = p.get("tcp") or {}
    # tshark prints tcp.ack even without the ACK flag: compare only when set
    return t.get("ack_rel") if (t.get("flag_bits") or {}).get("ack") else None


def _flow_win_scaled(p):
    t = p.get("tcp") or {}
    if t.get("win") is None:
        return None
    if t.get("win_scale") in (None, -1):
        return "null"                  # unknown scale: tcplens must say null
    return t.get("win_calc")


FLOW_FIELDS = [
    ("tcp.seq_rel", "tcp.seq_rel", _tcp("seq_rel"), as_int),
    ("tcp.ack_rel", "tcp.ack_rel", _flow_ack_rel, as_int),
    ("tcp.window_scaled", "tcp.window_scaled", _flow_win_scaled, lambda v: "null" if v is None else as_int(v)),
]


# options: tcplens options[] by kind
def opt_values(options):
    """Summarise a tcplens options list like the tshark oracle does."""
    if not isinstance(options, list):
        return {"kinds": MISSING}
    kinds, mss, ws, sackok, tsv, tse, blocks = [], None, None, False, None, None, []
    for o in options:
        if not isinstance(o, dict):
            continue
        if o.get("error"):
            # tcplens lists a malformed option with its error (docs/api.md); tshark drops it
            continue
        k = as_int(o.get("kind"))
        kinds.append(k)
        if k == 2 and mss is None:
            mss = as_int(o.get("value"))
        elif k == 3 and ws is None:
            ws = as_int(o.get("shift"))
        elif k == 4:
            sackok = True
        elif k == 8 and tsv is None:
            tsv, tse = as_int(o.get("val")), as_int(o.get("ecr"))
        elif k == 5:
            for b in o.get("blocks") or []:
                blocks.append([as_int(x) for x in b])
    return {"kinds": cut_eol(kinds), "mss": mss, "wscale": ws, "sackOK": sackok,
            "TS.val": tsv, "TS.ecr": tse, "sack.blocks": blocks}


def tshark_opt_values(t):
    return {"kinds": cut_eol(list(t.get("opt_kinds") or [])), "mss": t.get("mss"),
            "wscale": t.get("wscale"), "sackOK": bool(t.get("sack_perm")),
            "TS.val": t.get("ts_val"), "TS.ecr": t.get("ts_ecr"),
            "sack.blocks": [list(b) for b in (t.get("sack") or [])]}


# ------------------------------------------------------------ exceptions
class Exceptions:
    def __init__(self, path):
        self.rules = []                      # [frame, pattern, reason, used]
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split(None, 2)
                if len(parts) < 3 or not parts[0].isdigit():
                    raise SystemExit("%s:%d: expected 'FRAME FIELD reason...'" % (path, n))
                self.rules.append([int(parts[0]), parts[1], parts[2], False])

    def find(self, frame, field):
        for r in self.rules:
            if r[0] == frame and (r[1] == "*" or fnmatch.fnmatchcase(field, r[1])):
                r[3] = True
                return r[2]
        return None

    def unused(self):
        return [r for r in self.rules if not r[3]]


# ------------------------------------------------------------ reporting
class Report:
    def __init__(self, case, exceptions, print_all=False):
        self.case = case
        self.exc = exceptions
        self.mismatches = []
        self.skipped = 0
        self.compared = 0
        self.print_all = print_all
        self.per_field = {}

    def check(self, frame, field, expected, got):
        """Compare; honour EXCEPTIONS; record a mismatch."""
        if expected == got:
            self.compared += 1
            return True
        reason = self.exc.find(frame, field) if frame is not None else None
        if reason is not None:
            self.skipped += 1
            print("SKIP     %s frame %s %s: expected %s, got %s  -- %s"
                  % (self.case, frame, field, fmt(expected), fmt(got), reason))
            return True
        self.fail(frame, field, expected, got)
        return False

    def fail(self, frame, field, expected, got):
        self.mismatches.append((frame, field, expected, got))
        n = self.per_field[field] = self.per_field.get(field, 0) + 1
        if self.print_all or n <= PER_FIELD_PRINT:
            print("MISMATCH %s frame %s %s:\n    expected: %s\n    got:      %s"
                  % (self.case, "-" if frame is None else frame, field, fmt(expected), fmt(got)))
        elif n == PER_FIELD_PRINT + 1:
            print("MISMATCH %s %s: further mismatches of this field not printed (--all)" % (self.case, field))


def fmt(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return json.dumps(v)


# ------------------------------------------------------------ tcplens runs
def run_tcplens(tcplens, fmt_, capture):
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    try:
        p = subprocess.run([tcplens, "decode", "--format", fmt_, capture],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout after %d s" % TIMEOUT
    except OSError as e:
        return None, b"", str(e).encode()
    return p.returncode, p.stdout, p.stderr


def load_tshark(path):
    pkts, summary = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("type") == "pkt":
                pkts.append(r)
            elif r.get("type") == "summary":
                summary = r
    return pkts, summary


# ------------------------------------------------------------ 1. json
def compare_json(rep, doc, tpkts, tsummary, flow_fields):
    if not isinstance(doc, dict):
        rep.fail(None, "document", "a JSON object", type(doc).__name__)
        return
    if tsummary is not None:
        rep.check(None, "capture.packets", tsummary.get("packets_total"), dig(doc, "capture.packets"))
    ours = {}                                   # frame -> [(flow index, packet)]
    flows = doc.get("flows")
    if not isinstance(flows, list):
        rep.fail(None, "flows", "a list", flows)
        flows = []
    for fi, fl in enumerate(flows):
        tl = fl.get("timeline") if isinstance(fl, dict) else None
        if not isinstance(tl, list):
            rep.fail(None, "flows[%d].timeline" % fi, "a list of packets", MISSING if tl is None else tl)
            continue
        for pk in tl:
            fr = as_int(pk.get("frame")) if isinstance(pk, dict) else None
            if not isinstance(fr, int):
                rep.fail(None, "flows[%d].timeline[].frame" % fi, "a frame number", pk.get("frame") if isinstance(pk, dict) else pk)
                continue
            ours.setdefault(fr, []).append((fi, pk))

    by_frame = {p["frame"]: p for p in tpkts}
    # presence: every tshark TCP packet (not ICMP-quoted, TCP header not cut)
    # exactly once; nothing that tshark does not see as a TCP connection packet
    for p in tpkts:
        fr = p["frame"]
        n = len(ours.get(fr, []))
        if p.get("in_icmp"):
            rep.check(fr, "presence", "absent (TCP header quoted inside ICMP)",
                      "absent (TCP header quoted inside ICMP)" if n == 0 else "%d packet(s) in flows" % n)
        elif p.get("short_in") == "TCP":
            if n > 1:
                rep.check(fr, "presence", "at most 1 packet (TCP header cut by the snaplen)", "%d packets" % n)
        else:
            rep.check(fr, "presence", "1 packet", "%d packet(s)" % n if n != 1 else "1 packet")
    for fr in sorted(ours):
        if fr not in by_frame:
            rep.check(fr, "presence", "absent (tshark sees no TCP in this frame)", "%d packet(s) in flows" % len(ours[fr]))

    stream_to_flows, flow_to_streams = {}, {}
    last_of_stream = {}
    for p in tpkts:
        if (p.get("tcp") or {}).get("stream") is not None and not p.get("in_icmp"):
            last_of_stream[p["tcp"]["stream"]] = p["frame"]
    for p in tpkts:
        fr = p["frame"]
        mine = ours.get(fr, [])
        if len(mine) != 1 or p.get("in_icmp"):
            continue
        fi, pk = mine[0]
        ip = p.get("ip")
        if ip:
            fields = IP4_FIELDS if ip.get("v") == 4 else IP6_FIELDS
            for name, path, get, norm in fields:
                compare_one(rep, fr, name, get(p), norm, dig(pk, path))
        t = p.get("tcp") or {}
        for name, path, get, norm in TCP_FIELDS:
            compare_one(rep, fr, name, get(p), norm, dig(pk, path))
        if t.get("hdr_len") is not None and t.get("flags") is not None:
            exp = tshark_opt_values(t)
            got = opt_values(dig(pk, "tcp.options"))
            for k in ("kinds", "mss", "wscale", "sackOK", "TS.val", "TS.ecr", "sack.blocks"):
                rep.check(fr, "tcp.options." + k, exp[k], got.get(k, MISSING))
        if flow_fields:
            for name, path, get, norm in FLOW_FIELDS:
                compare_one(rep, fr, name, get(p), norm, dig(pk, path))
            # Wireshark's final (two-pass) completeness: the value on the stream's last packet
            if p.get("completeness") is not None and t.get("stream") is not None \
                    and last_of_stream.get(t["stream"]) == fr:
                rep.check(fr, "flow.completeness", p["completeness"],
                          dig(flows[fi], "completeness.value"))
            # tshark's sequence analysis flags (tcp.analysis.*)
            rep.check(fr, "analysis", sorted(p.get("analysis") or []),
                      sorted(pk.get("analysis") or []) if isinstance(pk.get("analysis"), list)
                      else MISSING)
            if t.get("stream") is not None:
                stream_to_flows.setdefault(t["stream"], {}).setdefault(fi, []).append(fr)
                flow_to_streams.setdefault(fi, {}).setdefault(t["stream"], []).append(fr)
    if flow_fields:
        for s, fls in sorted(stream_to_flows.items()):
            if len(fls) > 1:
                frames = [v[0] for v in fls.values()]
                rep.check(min(frames), "flow", "tshark stream %d in one flow" % s,
                          "split over flows %s (first frames %s)" % (sorted(fls), frames))
        for fi, ss in sorted(flow_to_streams.items()):
            if len(ss) > 1:
                frames = [v[0] for v in ss.values()]
                rep.check(min(frames), "flow", "one tshark stream per flow",
                          "flow %d holds streams %s (first frames %s)" % (fi, sorted(ss), frames))


def compare_one(rep, frame, name, expected, norm, got):
    if expected is None:
        return
    e = norm(expected)
    g = got if got is MISSING else norm(got)
    rep.check(frame, name, e, g)


# ------------------------------------------------------------ 2. tcpdump text
TS_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ ")
LEN_RE = re.compile(r", length \d+")   # not "bad hdr length 60"


def split_packets(text):
    pkts = []
    for line in text.splitlines():
        if TS_LINE.match(line):
            pkts.append([line])
        elif pkts:
            pkts[-1].append(line)
    return ["\n".join(p) for p in pkts]


def cut_text(t):
    i = t.find("Flags [")
    if i < 0:
        return t
    m = LEN_RE.search(t, i)
    return t[:m.end()] if m else t


def compare_tcpdump(rep, expected_txt, frames, got_txt):
    exp = [cut_text(p) for p in split_packets(expected_txt)]
    got = [cut_text(p) for p in split_packets(got_txt)]
    if len(frames) != len(exp):
        rep.fail(None, "tcpdump.frames", "%d frame numbers" % len(exp), "%d" % len(frames))
        return
    optional = [i for i, fr in enumerate(frames) if rep.exc.find(fr, "tcpdump") is not None]
    if len(got) == len(exp):
        pairs = list(zip(frames, exp, got))
    elif len(got) == len(exp) - len(optional):
        # tcplens left out exactly the packets an exception lets it leave out
        for i in optional:
            print("SKIP     %s frame %d tcpdump: not printed by tcplens  -- %s"
                  % (rep.case, frames[i], rep.exc.find(frames[i], "tcpdump")))
            rep.skipped += 1
        keep = [i for i in range(len(exp)) if i not in optional]
        pairs = [(frames[i], exp[i], g) for i, g in zip(keep, got)]
    else:
        rep.fail(None, "tcpdump.packets", "%d packets (frames %s)" % (len(exp), frames), "%d packets" % len(got))
        pairs = list(zip(frames, exp, got))
        # show where the two first part ways
        for fr, e, g in pairs:
            if e != g:
                rep.fail(fr, "tcpdump", e, g)
                break
        return
    for fr, e, g in pairs:
        rep.check(fr, "tcpdump", e, g)


# ------------------------------------------------------------ main check
def find_capture(case_dir):
    for n in ("capture.pcap", "capture.pcapng"):
        if os.path.exists(os.path.join(case_dir, n)):
            return os.path.join(case_dir, n)
    return None


def read(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def check_case(case_dir, tcplens, flow_fields=False, print_all=False):
    case = os.path.basename(os.path.normpath(case_dir))
    cap = find_capture(case_dir)
    if cap is None:
        print("ERROR %s: no capture.pcap or capture.pcapng" % case)
        return 2
    rep = Report(case, Exceptions(os.path.join(case_dir, "EXCEPTIONS")), print_all)

    exit_path = os.path.join(case_dir, "EXPECT_EXIT")
    if os.path.exists(exit_path):
        want = int(read(exit_path).split()[0])
        ref = ""
        if os.path.exists(os.path.join(case_dir, "tcpdump.stderr")):
            ref = " | ".join(l for l in read(os.path.join(case_dir, "tcpdump.stderr")).splitlines()
                             if not l.startswith("reading from file"))
        print("%s: libpcap cannot read this capture (tcpdump: %s); tcplens must exit %d with a message"
              % (case, ref or "?", want))
        for f in ("json", "tcpdump"):
            rc, out, err = run_tcplens(tcplens, f, cap)
            msg = err.decode("utf-8", "replace").strip()
            rep.check(None, "exit status (--format %s)" % f, want, rc)
            rep.check(None, "stderr message (--format %s)" % f, "a message",
                      "a message" if msg else "(empty)")
            if msg:
                print("  tcplens --format %s stderr: %s" % (f, msg.splitlines()[0]))
        return finish(rep)

    tpkts, tsummary = load_tshark(os.path.join(case_dir, "tshark.jsonl"))

    # 1. JSON document vs tshark
    rc, out, err = run_tcplens(tcplens, "json", cap)
    if rc != 0:
        rep.fail(None, "exit status (--format json)", 0, rc)
        print("    stderr: %s" % err.decode("utf-8", "replace").strip()[:2000])
    else:
        try:
            doc = json.loads(out.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            rep.fail(None, "JSON document", "valid JSON", "unparsable: %s" % e)
        else:
            compare_json(rep, doc, tpkts, tsummary, flow_fields)

    # 2. tcpdump text vs tcpdump
    rc, out, err = run_tcplens(tcplens, "tcpdump", cap)
    if rc != 0:
        rep.fail(None, "exit status (--format tcpdump)", 0, rc)
        print("    stderr: %s" % err.decode("utf-8", "replace").strip()[:2000])
    elif os.path.exists(os.path.join(case_dir, "TCPDUMP_REFUSES")):
        print("NOTE     %s: tcpdump cannot read this file (%s): text not compared"
              % (rep.case, read(os.path.join(case_dir, "tcpdump.stderr")).strip().splitlines()[-1]))
    else:
        frames = [int(x) for x in read(os.path.join(case_dir, "tcpdump.frames")).split()]
        compare_tcpdump(rep, read(os.path.join(case_dir, "tcpdump.txt")), frames,
                        out.decode("utf-8", "surrogateescape"))
    return finish(rep)


def finish(rep):
    for r in rep.exc.unused():
        print("NOTE     %s: exception not used: frame %d %s (%s)" % (rep.case, r[0], r[1], r[2]))
    if rep.mismatches:
        by = {}
        for m in rep.mismatches:
            by[m[1]] = by.get(m[1], 0) + 1
        print("FAIL %s: %d mismatch(es) [%s]; %d comparisons matched, %d skipped by EXCEPTIONS"
              % (rep.case, len(rep.mismatches), ", ".join("%s x%d" % kv for kv in sorted(by.items())),
                 rep.compared, rep.skipped))
        return 1
    print("PASS %s: %d comparisons matched, %d skipped by EXCEPTIONS" % (rep.case, rep.compared, rep.skipped))
    return 0


# ------------------------------------------------------------ self-test
FAKE_TCPLENS = r'''#!/usr/bin/env python3
import os, sys
fmt = sys.argv[sys.argv.index("--format") + 1]
sys.stdout.write(open(os.environ["FAKE_" + fmt.upper()]).read())
if os.environ.get("FAKE_STDERR"):
    sys.stderr.write(os.environ["FAKE_STDERR"] + "\n")
sys.exit(int(os.environ.get("FAKE_RC", "0")))
'''


def doc_from_tshark(tpkts, tsummary):
    """A tcplens-shaped document holding exactly what tshark says (for the self-test)."""
    flows, completeness = {}, {}
    for p in tpkts:
        t, ip = p.get("tcp") or {}, p.get("ip")
        if p.get("in_icmp") or t.get("stream") is None or not ip:
            continue
        pk = {"frame": p["frame"], "ip": {}, "tcp": {"flags": {}}}
        for name, path, get, norm in (IP4_FIELDS if ip["v"] == 4 else IP6_FIELDS):
            pk["ip"][path.split(".", 1)[1]] = get(p)
        for name, path, get, norm in TCP_FIELDS + FLOW_FIELDS:
            v = get(p)
            v = None if v == "null" else v
            if path.startswith("tcp.flags."):
                pk["tcp"]["flags"][path.split(".")[2]] = as_int(v) if path.endswith("value") else v
            else:
                pk["tcp"][path.split(".", 1)[1]] = v
        pk["ip"]["checksum_status"] = _ip_cksum(p)
        pk["tcp"]["checksum_status"] = _tcp_cksum(p)
        opts = []
        sack = [list(b) for b in (t.get("sack") or [])]
        for k in t["opt_kinds"]:
            o = {"kind": k}
            if k == 2:
                o["value"] = t["mss"]
            elif k == 3:
                o["shift"] = t["wscale"]
            elif k == 8:
                o["val"], o["ecr"] = t["ts_val"], t["ts_ecr"]
            elif k == 5:
                o["blocks"], sack = sack, []
            opts.append(o)
        pk["tcp"]["options"] = opts
        pk["analysis"] = list(p.get("analysis") or [])
        flows.setdefault(t["stream"], []).append(pk)
        completeness[t["stream"]] = p.get("completeness")
    return {"capture": {"packets": tsummary["packets_total"]},
            "flows": [{"index": i, "timeline": tl, "completeness": {"value": completeness[s]}}
                      for i, (s, tl) in enumerate(sorted(flows.items()))]}


def self_test():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "seed_telnet")
    tmp = tempfile.mkdtemp(prefix="golden-selftest-")
    failures = []
    try:
        case = os.path.join(tmp, "seed_telnet")
        shutil.copytree(src, case)
        for n in ("EXCEPTIONS", "EXPECT_EXIT"):
            if os.path.exists(os.path.join(case, n)):
                os.remove(os.path.join(case, n))
        fake = os.path.join(tmp, "tcplens")
        with open(fake, "w") as f:
            f.write(FAKE_TCPLENS)
        os.chmod(fake, 0o755)
        tpkts, tsummary = load_tshark(os.path.join(case, "tshark.jsonl"))
        good_doc = doc_from_tshark(tpkts, tsummary)
        good_txt = read(os.path.join(case, "tcpdump.txt"))

        def run(doc, txt, label, expect_fields, rc="0", stderr=""):
            jp, tp = os.path.join(tmp, "doc.json"), os.path.join(tmp, "out.txt")
            with open(jp, "w") as f:
                json.dump(doc, f)
            with open(tp, "w") as f:
                f.write(txt)
            os.environ.update(FAKE_JSON=jp, FAKE_TCPDUMP=tp, FAKE_RC=rc, FAKE_STDERR=stderr)
            print("---- self-test: %s" % label)
            rep_box = {}
            orig = Report.fail

            def spy(self, frame, field, e, g):
                rep_box.setdefault("fields", set()).add(field)
                orig(self, frame, field, e, g)
            Report.fail = spy
            try:
                code = check_case(case, fake, flow_fields=True)
            finally:
                Report.fail = orig
            got = rep_box.get("fields", set())
            want_code = 1 if expect_fields else 0
            if code != want_code or not set(expect_fields) <= got or (not expect_fields and got):
                failures.append("%s: exit %d (want %d), mismatched fields %s (want %s)"
                                % (label, code, want_code, sorted(got), sorted(expect_fields)))

        run(good_doc, good_txt, "a document equal to the oracles passes", [])

        bad = json.loads(json.dumps(good_doc))
        tl = bad["flows"][0]["timeline"]
        tl[2]["tcp"]["seq"] += 1                          # frame 3
        tl[0]["tcp"]["flags"]["syn"] = False              # frame 1
        tl[0]["tcp"]["checksum"] = "0x%04x" % (as_int(tl[0]["tcp"]["checksum"]) ^ 1)
        tl[1]["tcp"]["options"] = tl[1]["tcp"]["options"][1:]   # drop an option
        tl[1]["ip"]["ttl"] = 1
        tl[3]["tcp"]["seq_rel"] = 12345
        del tl[5]                                         # frame 6 missing
        bad["capture"]["packets"] += 1
        lines = good_txt.splitlines(True)
        bad_txt = "".join(lines[:1] + [lines[1].replace("Flags [S]", "Flags [S.]")] + lines[2:])
        run(bad, bad_txt, "a deliberately wrong document is reported",
            ["tcp.seq", "tcp.flags.syn", "tcp.checksum", "tcp.options.kinds", "ip.ttl",
             "tcp.seq_rel", "presence", "capture.packets", "tcpdump"])

        run(good_doc, "".join(lines[2:]), "a missing tcpdump packet is reported", ["tcpdump.packets"])

        bad3 = json.loads(json.dumps(good_doc))
        bad3["flows"][0]["completeness"]["value"] = 31
        bad3["flows"][0]["timeline"][3]["analysis"] = ["retransmission"]
        run(bad3, good_txt, "a wrong completeness and a wrong analysis flag are reported",
            ["flow.completeness", "analysis"])

        with open(os.path.join(case, "EXCEPTIONS"), "w") as f:
            f.write("# self-test\n3 tcp.seq self-test reason\n6 presence self-test reason\n")
        bad2 = json.loads(json.dumps(good_doc))
        bad2["flows"][0]["timeline"][2]["tcp"]["seq"] += 1
        del bad2["flows"][0]["timeline"][5]
        run(bad2, good_txt, "EXCEPTIONS skip only the listed frame/field", [])
        bad2["flows"][0]["timeline"][1]["tcp"]["seq"] += 1
        run(bad2, good_txt, "EXCEPTIONS do not hide other frames", ["tcp.seq"])
        os.remove(os.path.join(case, "EXCEPTIONS"))

        with open(os.path.join(case, "EXPECT_EXIT"), "w") as f:
            f.write("1\n")
        run(good_doc, good_txt, "EXPECT_EXIT: exit 0 is a mismatch",
            ["exit status (--format json)", "stderr message (--format json)"])
        run({}, "", "EXPECT_EXIT: exit 1 with a message passes", [], rc="1", stderr="tcplens: cannot read")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("====")
    if failures:
        for f in failures:
            print("SELF-TEST FAILED: " + f)
        return 1
    print("SELF-TEST PASSED: the checker reports wrong documents and accepts right ones")
    return 0


def main(argv):
    args = list(argv)
    if "-h" in args or "--help" in args:
        print(__doc__)
        return 0
    if "--self-test" in args:
        return self_test()
    tcplens, flow_fields, print_all, rest = None, False, False, []
    while args:
        a = args.pop(0)
        if a == "--tcplens" and args:
            tcplens = args.pop(0)
        elif a.startswith("--tcplens="):
            tcplens = a.split("=", 1)[1]
        elif a == "--flow-fields":
            flow_fields = True
        elif a == "--all":
            print_all = True
        else:
            rest.append(a)
    if len(rest) != 1 or not tcplens:
        sys.stderr.write(__doc__)
        return 2
    if not os.path.exists(tcplens):
        print("ERROR: tcplens binary %s does not exist" % tcplens)
        return 2
    return check_case(rest[0], tcplens, flow_fields, print_all)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
