#!/usr/bin/env python3
"""Every prefix of one packet of each encapsulation (tests/golden/tun_*, the Aruba GRE
capture, the tests/golden/link_* captures and the IEEE 802.11/NFLOG/PFLOG/... link-type frames built here) decodes without a
crash or sanitizer report, and each cut packet is accounted for: a TCP packet (only when the
TCP header survived), counted as malformed with a reason, or counted as non-TCP by kind.

For each capture, frame 1 is written once per captured length 0..len (the wire length kept),
as one pcap of len+1 records, and decoded with `tcplens decode --format json`; then the same
file with --format tcpdump (the renderer walks the headers again).

Usage: tunnel_prefixes.py TCPLENS_BINARY
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")
ASAN_EXIT, UBSAN_EXIT = 86, 87
BANNERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def first_frame(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    dlt, = struct.unpack(end + "I", data[20:24])
    _, _, caplen, wirelen = struct.unpack(end + "IIII", data[24:40])
    return dlt, data[40:40 + caplen], wirelen


def sweep(tcplens, name, dlt, frame, wirelen, tmp):
    path = os.path.join(tmp, name + ".pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, dlt))
        for n in range(len(frame) + 1):
            f.write(struct.pack("<IIII", 1700000000, n, n, max(wirelen, n)))
            f.write(frame[:n])
    env = dict(os.environ, TZ="UTC",
               ASAN_OPTIONS="exitcode=%d:detect_leaks=1" % ASAN_EXIT,
               UBSAN_OPTIONS="exitcode=%d:halt_on_error=1:print_stacktrace=1" % UBSAN_EXIT)
    errors = []
    for fmt in ("json", "tcpdump"):
        p = subprocess.run([tcplens, "decode", "--format", fmt, path], capture_output=True,
                           env=env, timeout=120)
        err = p.stderr.decode(errors="replace")
        if p.returncode != 0 or any(b in err for b in BANNERS):
            errors.append("%s --format %s: exit %d %s" % (name, fmt, p.returncode, err[-2000:]))
            continue
        if fmt != "json":
            continue
        cap = json.loads(p.stdout)["capture"]
        total = len(frame) + 1
        tcp = cap.get("tcp_packets", 0)
        malformed = sum(cap.get("malformed", {}).values())
        non_tcp = sum(cap.get("non_tcp", {}).values())
        if cap.get("packets") != total or tcp + malformed + non_tcp != total:
            errors.append("%s: %d prefixes, accounted %d tcp + %d malformed + %d non_tcp (%s)"
                          % (name, total, tcp, malformed, non_tcp, json.dumps(cap)[:600]))
        elif tcp == 0:
            errors.append("%s: no prefix (not even the whole frame) reached TCP" % name)
        elif malformed == 0:
            errors.append("%s: no prefix was counted as malformed" % name)
    return errors, len(frame) + 1


def link_frames():
    """Link types with no golden capture: one SYN behind each header (built here)."""
    syn = bytes.fromhex(
        "4500002c000100004006f8c90a0100010a010002"  # IPv4 10.1.0.1 > 10.1.0.2, TCP
        "9c4000500000 03e800000000 6002faf0 00000000 02040578".replace(" ", ""))
    llc = bytes.fromhex("aaaa03000000") + b"\x08\x00"
    wlan = bytes.fromhex("0801") + b"\x00\x00" + bytes(18) + b"\x00\x00"  # data, to-DS
    radiotap = bytes.fromhex("00000800") + bytes(4)
    nflog = bytes([2, 0, 0, 0]) + struct.pack("<HH", 8, 1) + bytes(4) + struct.pack("<HH", 4 + len(syn), 9)
    pflog = bytes([61, 2]) + bytes(62)
    ipnet = bytes([1, 2]) + bytes(22)
    enc = struct.pack("<III", 2, 0x1234, 0)
    return {
        "ieee802_11": (105, wlan + llc + syn),
        "radiotap": (127, radiotap + wlan + llc + syn),
        "nflog": (239, nflog + syn),
        "pflog": (117, pflog + syn),
        "ipnet": (226, ipnet + syn),
        "enc": (109, enc + syn),
        "c_hdlc": (104, bytes.fromhex("0f000800") + syn),
        "ppp_hdlc": (50, bytes.fromhex("ff030021") + syn),
    }


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    tcplens = argv[1]
    caps = sorted(glob.glob(os.path.join(GOLDEN, "tun_*", "capture.pcap")) +
                  glob.glob(os.path.join(GOLDEN, "link_*", "capture.pcap")))
    caps.append(os.path.join(GOLDEN, "zeek_tunnels_gre-aruba-amsdu", "capture.pcap"))
    errors, n = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for c in caps:
            dlt, frame, wirelen = first_frame(c)
            e, k = sweep(tcplens, os.path.basename(os.path.dirname(c)), dlt, frame, wirelen, tmp)
            errors += e
            n += k
        for name, (dlt, frame) in link_frames().items():
            e, k = sweep(tcplens, "link_" + name, dlt, frame, len(frame), tmp)
            errors += e
            n += k
    for e in errors:
        print("FAIL", e)
    print("%d prefixes of %d captures: %s" % (n, len(caps) + len(link_frames()),
                                              "FAIL" if errors else "ok"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
