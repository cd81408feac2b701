#!/usr/bin/env python3
"""layer_fields.py - every header field of `fields` (link layers, tunnels, outer and inner IP,
UDP, TCP) against tshark's own dissection of the same bytes: where each field sits (bit offset
from the start of its header, width) and its value.

    layer_fields.py --regen CASE...            write CASE/tshark_fields.jsonl from tshark
    layer_fields.py --check TCPLENS CASE...    compare `tcplens decode` with those files
    layer_fields.py --self-test TCPLENS CASE   a moved or changed field must be reported

The expectation files hold, per frame, tshark's protocol instances (name, byte position) and
their fields as `tshark -T json -x` gives them raw: byte position, byte length, bit mask and
hex value, for the fields named in FIELDS below. Nothing in them comes from tcplens. A field
whose mask is 0 (tshark gives only its bytes) is checked to lie within those bytes.

tcplens's headers are matched to tshark's protocol instances of the same layer, counting from
the innermost; every header of a packet is drawn from that packet, from the frame's own link
header (Ethernet, Linux cooked) on. tshark's `mpls` instance holds the whole label stack: each
label entry is its own header here. Exit 0 when everything matches, 1 on a difference, 2 on a setup error.
"""
import ipaddress
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# tshark protocol -> tcplens layer
PROTOS = {"eth": "eth", "sll": "sll", "vlan": "vlan", "ieee8021ad": "vlan", "mpls": "mpls",
          "pwethcw": "pw-eth", "pppoes": "pppoe", "ppp": "ppp", "vntag": "vntag",
          "etag": "etag", "ip": "ip", "ipv6": "ip", "udp": "udp", "gre": "gre",
          "erspan": "erspan", "vxlan": "vxlan", "geneve": "geneve", "gtp": "gtpu",
          "tcp": "tcp"}

# tshark field -> tcplens field name (in the layer of the instance it belongs to)
FIELDS = {
    "eth.dst": "dst", "eth.src": "src", "eth.type": "type",
    "sll.pkttype": "pkttype", "sll.hatype": "hatype", "sll.halen": "halen",
    "sll.src.eth": "src", "sll.etype": "type", "sll.ifindex": "ifindex",
    "vlan.priority": "pcp", "vlan.dei": "dei", "vlan.id": "vid", "vlan.etype": "type",
    "ieee8021ad.priority": "pcp", "ieee8021ad.dei": "dei", "ieee8021ad.id": "vid",
    "ieee8021ah.etype": "type",
    "mpls.label": "label", "mpls.exp": "tc", "mpls.bottom": "s", "mpls.ttl": "ttl",
    "pweth.cw.sequence_number": "sequence",
    "pppoe.version": "version", "pppoe.type": "type", "pppoe.code": "code",
    "pppoe.session_id": "session_id", "pppoe.payload_length": "length",
    "ppp.protocol": "ppp_protocol",
    "vntag.dir": "direction", "vntag.ptr": "pointer", "vntag.dst": "dst_vif",
    "vntag.looped": "looped", "vntag.r": "reserved", "vntag.version": "version",
    "vntag.src": "src_vif", "vntag.etype": "type",
    "etag.pcp": "pcp", "etag.dei": "dei", "etag.ingress_ecid_base": "ingress_ecid_base",
    "etag.reserved": "reserved", "etag.grp": "grp", "etag.ecid_base": "ecid_base",
    "etag.ingress_ecid_ext": "ingress_ecid_ext", "etag.ecid_ext": "ecid_ext",
    "etag.etype": "type",
    "ip.version": "version", "ip.hdr_len": "header_length", "ip.dsfield.dscp": "dscp",
    "ip.dsfield.ecn": "ecn", "ip.len": "total_length", "ip.id": "id",
    "ip.flags.rb": "reserved", "ip.flags.df": "df", "ip.flags.mf": "mf",
    "ip.frag_offset": "fragment_offset", "ip.ttl": "ttl", "ip.proto": "protocol",
    "ip.checksum": "checksum", "ip.src": "src", "ip.dst": "dst",
    "ipv6.version": "version", "ipv6.tclass": "traffic_class", "ipv6.flow": "flow_label",
    "ipv6.plen": "payload_length", "ipv6.nxt": "next_header", "ipv6.hlim": "hop_limit",
    "ipv6.src": "src", "ipv6.dst": "dst",
    "udp.srcport": "src_port", "udp.dstport": "dst_port", "udp.length": "length",
    "udp.checksum": "checksum",
    "gre.flags.checksum": "checksum_present", "gre.flags.routing": "routing_present",
    "gre.flags.key": "key_present", "gre.flags.sequence_number": "seq_present",
    "gre.flags.strict_source_route": "strict_route",
    "gre.flags.recursion_control": "recursion", "gre.flags.ack": "ack_present",
    "gre.flags.reserved": "flags", "gre.flags.version": "version", "gre.proto": "protocol",
    "gre.checksum": "checksum", "gre.offset": "offset", "gre.key": "key",
    "gre.key.payload_length": "payload_length", "gre.key.call_id": "call_id",
    "gre.sequence_number": "seq", "gre.ack_number": "ack",
    "erspan.version": "version", "erspan.vlan": "vlan", "erspan.cos": "cos",
    "erspan.encap": "encap", "erspan.truncated": "truncated", "erspan.spanid": "session_id",
    "erspan.reserved": "reserved", "erspan.index": "index", "erspan.bso": "bso",
    "erspan.timestamp": "timestamp", "erspan.sgt": "sgt", "erspan.p": "p", "erspan.ft": "ft",
    "erspan.hw": "hw_id", "erspan.direction": "direction", "erspan.granularity": "gra",
    "erspan.o": "o",
    "vxlan.vni": "vni", "vxlan.reserved8": "reserved2", "vxlan.next_proto": "next_protocol",
    "vxlan.reserved_16": "reserved",
    "geneve.version": "version", "geneve.option.length": "opt_len",
    "geneve.flags.oam": "oam", "geneve.flags.critical": "critical",
    "geneve.flags.reserved": "reserved", "geneve.proto_type": "protocol",
    "geneve.vni": "vni", "geneve.reserved": "reserved2",
    "gtp.flags.version": "version", "gtp.flags.payload": "pt", "gtp.flags.reserved": "reserved",
    "gtp.flags.e": "e", "gtp.flags.s": "s", "gtp.flags.pn": "pn", "gtp.message": "message_type",
    "gtp.length": "length", "gtp.teid": "teid", "gtp.seq_number": "seq",
    "gtp.npdu_number": "npdu", "gtp.ext_hdr.next": "next_ext",
    "tcp.srcport": "src_port", "tcp.dstport": "dst_port", "tcp.seq_raw": "seq",
    "tcp.ack_raw": "ack", "tcp.hdr_len": "data_offset", "tcp.flags.res": "reserved",
    "tcp.flags.ns": "flag.ae", "tcp.flags.cwr": "flag.cwr", "tcp.flags.ecn": "flag.ece",
    "tcp.flags.urg": "flag.urg", "tcp.flags.ack": "flag.ack", "tcp.flags.push": "flag.psh",
    "tcp.flags.reset": "flag.rst", "tcp.flags.syn": "flag.syn", "tcp.flags.fin": "flag.fin",
    "tcp.window_size_value": "window", "tcp.checksum": "checksum",
    "tcp.urgent_pointer": "urgent_pointer",
}

# Known disagreements: (case, first frame, last frame) -> why (each one used is printed).
EXCEPTIONS = {
    ("tun_vlan_9100_9200", 9, 16):
        "tshark 4.0 does not dissect TPID 0x9200 nor anything inside it (tunnel_ids.py says "
        "the same): nothing to compare on those frames",
}


def excepted(case, frame):
    for (c, a, b), why in EXCEPTIONS.items():
        if c == case and a <= frame <= b:
            return (c, a, b)
    return None


def capture_of(case):
    for n in ("capture.pcap", "capture.pcapng"):
        if os.path.exists(os.path.join(HERE, case, n)):
            return os.path.join(HERE, case, n)
    raise SystemExit("layer_fields: %s has no capture" % case)


def tshark_cmd(cap):
    return ["tshark", "-n", "-r", cap, "-T", "json", "-x"]


def collect(pairs, out):
    """The fields of FIELDS under one protocol object, in order."""
    for k, v in pairs:
        if k.endswith("_raw") and isinstance(v, list) and len(v) == 5 \
                and not isinstance(v[0], (list, tuple)):
            name = k[:-4]
            if name in FIELDS:
                out.append([name, v[1], v[2], v[3], v[0]])
        elif isinstance(v, list) and v and isinstance(v[0], tuple):
            collect(v, out)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, list) and x and isinstance(x[0], tuple):
                    collect(x, out)


def frames_of(text):
    """One record per frame: [{"proto", "pos", "fields": [[name, pos, len, mask, hex]]}]."""
    doc = json.loads(text, object_pairs_hook=lambda p: p)
    result = {}
    for pkt in doc:
        layers = dict(dict(pkt)["_source"])["layers"]
        frame = None
        protos = []
        raws = {}
        for k, v in layers:
            if k == "frame":
                frame = int(dict(v)["frame.number"])
            if k.endswith("_raw") and k[:-4] in PROTOS and isinstance(v, list):
                raws.setdefault(k[:-4], []).append(v)
        seen = {}
        for k, v in layers:
            if k not in PROTOS or not isinstance(v, list):
                continue
            i = seen.get(k, 0)
            seen[k] = i + 1
            raw = raws.get(k, [])
            pos = raw[i][1] if i < len(raw) else None
            fields = []
            collect(v, fields)
            protos.append({"proto": k, "pos": pos, "fields": fields})
        result[frame] = protos
    return result


def regen(case):
    cap = capture_of(case)
    env = dict(os.environ, LC_ALL="C", TZ="UTC")
    out = subprocess.run(tshark_cmd(cap), capture_output=True, text=True, check=True,
                         timeout=300, env=env).stdout
    ver = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    with open(os.path.join(HERE, case, "tshark_fields.jsonl"), "w") as fh:
        fh.write("# %s  (%s)\n" % (" ".join(tshark_cmd(os.path.basename(cap))),
                                   ver.splitlines()[0].strip()))
        for frame, protos in sorted(frames_of(out).items()):
            fh.write(json.dumps({"frame": frame, "protos": protos}) + "\n")


def expected(case):
    rows = {}
    with open(os.path.join(HERE, case, "tshark_fields.jsonl")) as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            r = json.loads(line)
            rows[r["frame"]] = r["protos"]
    return rows


def instances(protos):
    """tshark's headers as tcplens draws them: [(layer, start byte, {name: field})]."""
    out = []
    for pr in protos:
        layer = PROTOS[pr["proto"]]
        if layer == "vxlan" and any(f[0] == "vxlan.next_proto" for f in pr["fields"]):
            layer = "vxlan-gpe"
        if layer == "ppp":  # PPP's protocol is drawn in the PPPoE header before it
            if out and out[-1][0] == "pppoe":
                for f in pr["fields"]:
                    out[-1][2].setdefault(FIELDS[f[0]], f)
            continue
        if layer == "mpls":  # one header per label stack entry
            for f in pr["fields"]:
                if f[0] == "mpls.label":
                    out.append(["mpls", f[1], {}])
                if out and out[-1][0] == "mpls":
                    out[-1][2].setdefault(FIELDS[f[0]], f)
            continue
        if pr["pos"] is None:
            continue
        named = {}
        for f in pr["fields"]:
            named.setdefault(FIELDS[f[0]], f)  # the first occurrence (Geneve option lengths)
        out.append([layer, pr["pos"], named])
    return out


def place(f):
    """(bit offset from the frame's start, width, value or None) of a tshark field."""
    _, pos, length, mask, hexv = f
    if mask == 0:
        return pos * 8, length * 8, int(hexv, 16) if hexv else None
    # the mask can be wider than the bytes tshark names (TCP's reserved bits: 0x0e00 on 1 byte
    # at the data offset): it counts from the first of them
    total = max(length * 8, (mask.bit_length() + 7) // 8 * 8)
    lead = total - mask.bit_length()
    width = bin(mask).count("1")
    if not hexv:
        value = None
    elif len(hexv) < 2 * length:  # a flag: tshark gives the bit's value itself
        value = int(hexv, 16)
    else:
        value = (int(hexv, 16) & mask) >> (total - lead - width)
    return pos * 8 + lead, width, value


def our_value(f):
    if f.get("hex") is not None:
        return int(f["hex"], 16)
    v = f["value"]
    if isinstance(v, str):
        try:
            return int(ipaddress.ip_address(v))
        except ValueError:
            return None
    return None


def ours(tcplens, case):
    r = subprocess.run([tcplens, "decode", capture_of(case)], capture_output=True, timeout=300)
    if r.returncode != 0:
        raise SystemExit("layer_fields: tcplens failed on %s: %s" % (case, r.stderr[:300]))
    doc = json.loads(r.stdout)
    rows = {}
    for fl in doc["flows"]:
        for p in fl["timeline"]:
            hdrs = [[l["layer"], []] for l in p.get("layers", [])]
            for f in p.get("fields", []):
                hdrs[f["layer_index"]][1].append(f)
            rows[p["frame"]] = [h for h in hdrs if h[1]]
    return rows


def compare_frame(case, frame, exp_protos, got_hdrs, used):
    problems, n = [], 0
    theirs = instances(exp_protos)
    exc = excepted(case, frame)
    if exc:
        used.add(exc)
        return problems, n
    for layer in sorted({h[0] for h in got_hdrs}):
        if layer not in PROTOS.values() and layer != "vxlan-gpe":
            continue  # tshark names none of its fields (Teredo, AYIYA)
        mine = [h for h in got_hdrs if h[0] == layer]
        tsh = [t for t in theirs if t[0] == layer]
        if len(tsh) < len(mine):
            problems.append("%s frame %d: %d %s headers, tshark %d"
                            % (case, frame, len(mine), layer, len(tsh)))
            continue
        # counted from the innermost
        for (lname, fs), (_, start, named) in zip(mine, tsh[len(tsh) - len(mine):]):
            byname = {("flag." if lname == "tcp" and f["width_bits"] == 1 and
                        f["offset_bits"] >= 103 else "") + f["name"]: f for f in fs}
            for name, tf in named.items():
                f = byname.get(name)
                if f is None:
                    problems.append("%s frame %d %s.%s: tshark has it, tcplens not"
                                    % (case, frame, lname, name))
                    continue
                off, width, value = place(tf)
                off -= start * 8
                n += 1
                if tf[3] == 0 and width != f["width_bits"]:  # bytes only: it must lie inside
                    if not (off <= f["offset_bits"] and
                            f["offset_bits"] + f["width_bits"] <= off + width):
                        problems.append("%s frame %d %s.%s: bits %d+%d outside tshark's bytes "
                                        "%d+%d" % (case, frame, lname, name, f["offset_bits"],
                                                   f["width_bits"], off, width))
                    continue
                if (off, width) != (f["offset_bits"], f["width_bits"]):
                    problems.append("%s frame %d %s.%s: at %d+%d, tshark %d+%d"
                                    % (case, frame, lname, name, f["offset_bits"],
                                       f["width_bits"], off, width))
                elif value is not None and our_value(f) != value:
                    problems.append("%s frame %d %s.%s: value %r, tshark %#x"
                                    % (case, frame, lname, name, f["value"], value))
    return problems, n


def check(tcplens, case, exp=None):
    exp = exp if exp is not None else expected(case)
    got = ours(tcplens, case)
    problems, fields, frames, used = [], 0, 0, set()
    for frame, hdrs in sorted(got.items()):
        if frame not in exp:
            problems.append("%s frame %d: not in tshark's file" % (case, frame))
            continue
        p, n = compare_frame(case, frame, exp[frame], hdrs, used)
        problems += p
        fields += n
        frames += 1
    for k in sorted(used):
        print("EXCEPTION %s frames %d-%d: %s" % (k[0], k[1], k[2], EXCEPTIONS[k]))
    if frames == 0:
        problems.append("%s: no frame compared" % case)
    return problems, frames, fields


def main(argv):
    if len(argv) >= 3 and argv[1] == "--regen":
        for case in argv[2:]:
            regen(case)
            print("regenerated", case)
        return 0
    if len(argv) >= 4 and argv[1] == "--self-test":
        tcplens, case = argv[2], argv[3]
        bad = 0
        for what in ("offset", "value"):
            exp = expected(case)
            # move (or change) the first tunnel-layer field tshark gives for frame 1
            fr = min(exp)
            for pr in exp[fr]:
                fs = [f for f in pr["fields"] if f[3] == 0 and len(f[4]) == 2 * f[2]]
                if PROTOS[pr["proto"]] not in ("eth", "ip", "tcp") and fs:
                    f = fs[0]
                    if what == "offset":
                        f[1] += 1
                    else:  # a whole-bytes field: its last hex digit changed
                        f[4] = f[4][:-1] + "%x" % ((int(f[4][-1], 16) + 1) % 16)
                    break
            problems, _, _ = check(tcplens, case, exp)
            ok = bool(problems)
            print("self-test %s: a changed %s %s" % (case, what, "is reported" if ok
                                                     else "was NOT reported"))
            bad += not ok
        return 1 if bad else 0
    if len(argv) >= 4 and argv[1] == "--check":
        tcplens, bad = argv[2], 0
        for case in argv[3:]:
            problems, frames, fields = check(tcplens, case)
            for p in problems[:20]:
                print("MISMATCH " + p)
            print("%s %s: %d frames, %d fields compared"
                  % ("FAIL" if problems else "PASS", case, frames, fields))
            bad += bool(problems)
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
