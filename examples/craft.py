#!/usr/bin/python3
"""Builds the example captures that a kernel cannot produce on purpose.

  craft.py syn-then-fin OUT.pcap

The packets are built with scapy and written straight to the file with wrpcap;
nothing is sent.  Addresses, ports and options match the kernel-made examples
(10.0.0.1:40000 -> 10.0.0.2:8080, Linux-style SYN options); the timestamps and
sequence numbers are fixed, so the file is byte-for-byte reproducible.
"""

import sys

from scapy.all import Ether, IP, TCP, wrpcap  # noqa: E402

CLIENT_MAC, SERVER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
CLIENT, SERVER, CPORT, SPORT = "10.0.0.1", "10.0.0.2", 40000, 8080
T0 = 1704103200.0  # 2024-01-01 10:00:00 UTC


def syn_then_fin(out):
    """A SYN that is never answered, then a FIN from the same client 500 ms
    later (Zeek conn_state SH).  A Linux client cannot do this: closing a
    SYN-SENT socket sends nothing."""
    isn = 0x6A3C1D20
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (3021504817, 0)),
            ("NOP", None), ("WScale", 7)]
    base = Ether(src=CLIENT_MAC, dst=SERVER_MAC) / IP(src=CLIENT, dst=SERVER, ttl=64, flags="DF")
    syn = base.copy()
    syn[IP].id = 0x4d21
    syn = syn / TCP(sport=CPORT, dport=SPORT, flags="S", seq=isn, window=64240, options=opts)
    fin = base.copy()
    fin[IP].id = 0x4d22
    fin = fin / TCP(sport=CPORT, dport=SPORT, flags="F", seq=isn + 1, ack=0, window=64240,
                    options=[("NOP", None), ("NOP", None), ("Timestamp", (3021505317, 0))])
    pkts = [Ether(bytes(syn)), Ether(bytes(fin))]
    pkts[0].time = T0
    pkts[1].time = T0 + 0.5
    wrpcap(out, pkts)


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "syn-then-fin":
        raise SystemExit("usage: craft.py syn-then-fin OUT.pcap")
    syn_then_fin(sys.argv[2])


if __name__ == "__main__":
    main()
