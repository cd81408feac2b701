#!/usr/bin/python3
"""Prints the shape of an example capture, one token per TCP packet:

  DIR:FLAGS[/LEN][/ka][/w0]

DIR is c (sent from port 40000, the client) or s; FLAGS uses tcpdump's letters
(S, F, P, R, "." for ACK); /LEN is the payload length when there is one; /ka
marks a segment whose sequence number is one below the sender's next one (a
keep-alive or a Linux window probe); /w0 marks a zero advertised window on a
non-SYN, non-RST segment.  make-examples.sh compares this with the shape each
capture was designed to have.

Reads classic pcap files (Ethernet link type) with the standard library only.
"""

import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def tcp_of(frame):
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800 and ip[9] == 6:
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        return ip[ihl:], total - ihl
    if ethertype == 0x86DD and ip[6] == 6:
        return ip[40:], struct.unpack("!H", ip[4:6])[0]
    return None, 0


def shape(path):
    tokens = []
    nxt = {}
    for frame in packets(path):
        tcp, seglen = tcp_of(frame)
        if tcp is None:
            continue
        sport = struct.unpack("!H", tcp[0:2])[0]
        seq = struct.unpack("!I", tcp[4:8])[0]
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        win = struct.unpack("!H", tcp[14:16])[0]
        plen = seglen - doff
        d = "c" if sport == 40000 else "s"
        fl = ""
        for bit, letter in ((0x02, "S"), (0x01, "F"), (0x08, "P"), (0x04, "R")):
            if flags & bit:
                fl += letter
        if flags & 0x10:
            fl += "."
        tok = "%s:%s" % (d, fl or "none")
        if plen > 0:
            tok += "/%d" % plen
        syn, fin, rst = flags & 0x02, flags & 0x01, flags & 0x04
        if syn:
            nxt = {k: v for k, v in nxt.items() if k != d}
        if not syn and not rst and plen <= 1 and d in nxt and seq == (nxt[d] - 1) & 0xFFFFFFFF:
            tok += "/ka"
        if win == 0 and not syn and not rst:
            tok += "/w0"
        end = (seq + plen + (1 if syn else 0) + (1 if fin else 0)) & 0xFFFFFFFF
        if d not in nxt or ((end - nxt[d]) & 0xFFFFFFFF) < 0x80000000:
            nxt[d] = end
        tokens.append(tok)
    return " ".join(tokens)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(shape(p))
