#!/usr/bin/python3
"""Cut frames out of a classic pcap, as a capture that dropped them would show.

  cut.py IN OUT [--every N] [--from K] [--drop A-B ...]

--every N drops every N-th frame counting from frame K (default 1 = none kept
off); --drop A-B drops frames A..B (1-based, inclusive).  The records kept are
copied byte for byte.
"""
import argparse
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--every", type=int, default=0)
    ap.add_argument("--from", dest="start", type=int, default=1)
    ap.add_argument("--drop", action="append", default=[])
    a = ap.parse_args()
    ranges = [tuple(int(x) for x in r.split("-")) for r in a.drop]
    data = open(a.inp, "rb").read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out = [data[:24]]
    off, frame = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        rec = data[off:off + 16 + incl]
        off += 16 + incl
        frame += 1
        drop = any(lo <= frame <= hi for lo, hi in ranges)
        if a.every and frame >= a.start and (frame - a.start) % a.every == a.every - 1:
            drop = True
        if not drop:
            out.append(rec)
    open(a.out, "wb").write(b"".join(out))


if __name__ == "__main__":
    main()
