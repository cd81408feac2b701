#!/usr/bin/python3
"""A two-port Ethernet "wire" with delay and targeted drops, run in its own
network namespace between the client's and the server's veth peers.

It stands in for netem and tc drop actions (the kernels this is run on may lack
sch_netem and the tc action modules): every frame that arrives on one port is
sent out of the other after a fixed per-direction delay, unless a rule says to
drop it or to hold it longer.  The TCP endpoints on both sides are ordinary
kernel sockets; the wire only decides when (and whether) their frames arrive.

Usage:
  wire.py --client-port IF --server-port IF [--delay-c2s MS] [--delay-s2c MS]
          [--rule DIR:KIND:NTH:COUNT:ACTION ...] [--ready FILE] [--seconds S]

A rule matches TCP segments going in direction DIR (c2s or s2c) whose KIND is
one of syn, synack, ack (pure ACK), data (payload, no SYN/FIN/RST), fin, rst
or any.  NTH is the 1-based index among the segments of that direction and
kind; COUNT how many consecutive matches the rule covers from there (0 = all).
ACTION is "drop" or "delay=MS" (extra delay on top of the direction's delay).
"""

import argparse
import heapq
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def tcp_kind(frame):
    """Return the kind of a TCP segment in an Ethernet frame, or None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    off = 14
    if ethertype == 0x0800:
        if len(frame) < off + 20:
            return None
        ihl = (frame[off] & 0x0F) * 4
        total = struct.unpack("!H", frame[off + 2:off + 4])[0]
        if frame[off + 9] != 6:
            return None
        tcp = off + ihl
        ip_payload = total - ihl
    elif ethertype == 0x86DD:
        if len(frame) < off + 40 or frame[off + 6] != 6:
            return None
        ip_payload = struct.unpack("!H", frame[off + 4:off + 6])[0]
        tcp = off + 40
    else:
        return None
    if len(frame) < tcp + 14:
        return None
    doff = (frame[tcp + 12] >> 4) * 4
    flags = frame[tcp + 13]
    plen = ip_payload - doff
    syn, fin, rst, ack = flags & 0x02, flags & 0x01, flags & 0x04, flags & 0x10
    if syn:
        return "synack" if ack else "syn"
    if rst:
        return "rst"
    if fin:
        return "fin"
    if plen > 0:
        return "data"
    if ack:
        return "ack"
    return None


class Rule:
    def __init__(self, text):
        parts = text.split(":")
        if len(parts) != 5:
            raise SystemExit("bad rule %r" % text)
        self.dir, self.kind = parts[0], parts[1]
        self.nth, self.count = int(parts[2]), int(parts[3])
        action = parts[4]
        if action == "drop":
            self.drop, self.extra = True, 0.0
        elif action.startswith("delay="):
            self.drop, self.extra = False, float(action[6:]) / 1000.0
        else:
            raise SystemExit("bad action %r" % action)

    def applies(self, direction, kind, index):
        if direction != self.dir:
            return False
        if self.kind != "any" and kind != self.kind:
            return False
        if index < self.nth:
            return False
        return self.count == 0 or index < self.nth + self.count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client-port", required=True)
    ap.add_argument("--server-port", required=True)
    ap.add_argument("--delay-c2s", type=float, default=0.0)
    ap.add_argument("--delay-s2c", type=float, default=0.0)
    ap.add_argument("--rule", action="append", default=[])
    ap.add_argument("--ready")
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()

    rules = [Rule(r) for r in args.rule]
    socks = {}
    for name, port in (("c2s", args.client_port), ("s2c", args.server_port)):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((port, 0))
        s.setblocking(False)
        socks[name] = s
    out = {"c2s": socks["s2c"], "s2c": socks["c2s"]}
    delay = {"c2s": args.delay_c2s / 1000.0, "s2c": args.delay_s2c / 1000.0}
    counters = {}
    queue = []
    serial = 0
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")

    deadline = time.monotonic() + args.seconds
    by_fd = {s.fileno(): d for d, s in socks.items()}
    while not stopping and time.monotonic() < deadline:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, direction, frame = heapq.heappop(queue)
            try:
                out[direction].send(frame)
            except OSError as e:
                print("wire: send failed: %s" % e, file=sys.stderr)
        timeout = 0.05
        if queue:
            timeout = max(0.0, min(timeout, queue[0][0] - now))
        try:
            ready, _, _ = select.select(list(by_fd), [], [], timeout)
        except InterruptedError:
            continue
        for fd in ready:
            direction = by_fd[fd]
            sock = socks[direction]
            while True:
                try:
                    frame, addr = sock.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own transmissions on this port
                arrived = time.monotonic()
                kind = tcp_kind(frame)
                extra, drop = 0.0, False
                if kind is not None:
                    for k in (kind, "any"):
                        counters[(direction, k)] = counters.get((direction, k), 0) + 1
                    for rule in rules:
                        idx = counters[(direction, kind if rule.kind != "any" else "any")]
                        if rule.applies(direction, kind, idx):
                            drop = drop or rule.drop
                            extra += rule.extra
                if drop:
                    continue
                serial += 1
                heapq.heappush(queue, (arrived + delay[direction] + extra, serial, direction, frame))
    # Deliver what is still in flight so that no frame is lost on shutdown.
    for _, _, direction, frame in sorted(queue):
        try:
            out[direction].send(frame)
        except OSError:
            pass


if __name__ == "__main__":
    main()
