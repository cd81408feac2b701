#!/usr/bin/python3
"""Client and server programs for the example captures, plus a helper that
turns off checksum offload on a veth port.

Run inside the namespaces that make-examples.sh creates:
  peers.py offload IFACE
  peers.py server SCENARIO --dir TMPDIR [--at EPOCH]
  peers.py client SCENARIO --dir TMPDIR [--at EPOCH]

Every peer is an ordinary kernel TCP socket.  Each step that decides the shape
of the capture (who closes first, how long a side waits before answering) is a
sleep of tens to hundreds of milliseconds, chosen well away from the kernel
timers that compete with it (delayed ACK 40-200 ms, wire delay, persist and
keep-alive timers), so the packet sequence is the same on every run.  Every
wait is bounded.
"""

import argparse
import ctypes
import fcntl
import os
import select
import socket
import struct
import sys
import time

CLIENT4, SERVER4 = "10.0.0.1", "10.0.0.2"
CLIENT6, SERVER6 = "fd00::1", "fd00::2"
CPORT, SPORT, CLOSED_PORT = 40000, 8080, 8081

REQ = b"GET /example HTTP/1.0\r\n\r\n"           # 25 bytes
RESP = b"HTTP/1.0 200 OK\r\n\r\nhello\n"         # 25 bytes

TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_SYNCNT = 4, 5, 6, 7

IO_TIMEOUT = 10.0


# ---------------------------------------------------------------- helpers --

def offload_off(ifname):
    """ethtool -K IFACE tx off sg off tso off gso off, through SIOCETHTOOL."""
    SIOCETHTOOL = 0x8946
    cmds = {"tx": 0x17, "sg": 0x19, "tso": 0x1F, "gso": 0x24}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for name, cmd in cmds.items():
        buf = ctypes.create_string_buffer(struct.pack("II", cmd, 0))
        ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(buf))
        try:
            fcntl.ioctl(s, SIOCETHTOOL, ifr)
        except OSError as e:
            print("offload %s %s: %s" % (ifname, name, e), file=sys.stderr)
    s.close()


def touch(path):
    with open(path, "w") as f:
        f.write("1\n")


def wait_file(path, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.01)
    raise SystemExit("timed out waiting for %s" % path)


def sleep_until(epoch):
    delta = epoch - time.time()
    if delta > 5:
        raise SystemExit("start time too far ahead")
    if delta > 0:
        time.sleep(delta)


def addrs(family):
    if family == socket.AF_INET6:
        return CLIENT6, SERVER6
    return CLIENT4, SERVER4


def new_socket(family, nodelay=True):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(IO_TIMEOUT)
    return s


def listen(ctx, family=socket.AF_INET, rcvbuf=None):
    _, server = addrs(family)
    s = new_socket(family)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((server, SPORT))
    s.listen(4)
    touch(os.path.join(ctx.dir, "server-ready"))
    return s


def accept(ls):
    c, _ = ls.accept()
    c.settimeout(IO_TIMEOUT)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c


def dial(family=socket.AF_INET, port=SPORT, before_connect=None):
    client, server = addrs(family)
    s = new_socket(family)
    s.bind((client, CPORT))
    if before_connect:
        before_connect(s)
    s.connect((server, port))
    return s


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise SystemExit("peer closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def recv_eof(s):
    """Read until the peer's FIN; return what came before it."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def abort(s):
    """close() with SO_LINGER {on, 0}: the kernel sends RST instead of FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


# ------------------------------------------------------------- scenarios --
# Each scenario is a (server, client) pair of functions taking ctx.

def srv_answer_then(ctx, wait_before_close, family=socket.AF_INET):
    ls = listen(ctx, family)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    recv_eof(c)
    time.sleep(wait_before_close)
    c.close()
    ls.close()


def cli_request_then_close(ctx, family=socket.AF_INET):
    s = dial(family)
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    time.sleep(0.2)
    s.close()


# fourway-close: the server ACKs the client's FIN on its own (delayed ACK,
# 40-200 ms) and sends its FIN 500 ms after reading EOF.
def fourway_server(ctx):
    srv_answer_then(ctx, 0.5)


def fourway_client(ctx):
    cli_request_then_close(ctx)


# three-segment-close: the server closes as soon as it reads EOF, well inside
# the shortest delayed-ACK timeout (40 ms), so the ACK of the client's FIN
# rides on its FIN.
def threeseg_server(ctx):
    srv_answer_then(ctx, 0.0)


def threeseg_client(ctx):
    cli_request_then_close(ctx)


# ipv6: the same exchange as three-segment-close, over IPv6.
def ipv6_server(ctx):
    srv_answer_then(ctx, 0.0, socket.AF_INET6)


def ipv6_client(ctx):
    cli_request_then_close(ctx, socket.AF_INET6)


# simultaneous-close: both close at an agreed instant (server 5 ms after the
# client); the wire delays each direction by 20 ms, so the FINs cross.
def simclose_server(ctx):
    ls = listen(ctx)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    sleep_until(ctx.at + 0.005)
    c.close()
    time.sleep(0.3)
    ls.close()


def simclose_client(ctx):
    s = dial()
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    sleep_until(ctx.at)
    s.close()
    time.sleep(0.3)


# simultaneous-open: no listener; both sockets are bound and connect to each
# other at an agreed instant (server 5 ms after the client), 20 ms wire delay
# each way, so the SYNs cross.
def simopen_server(ctx):
    s = new_socket(socket.AF_INET)
    s.bind((SERVER4, SPORT))
    touch(os.path.join(ctx.dir, "server-ready"))
    sleep_until(ctx.at + 0.005)
    s.connect((CLIENT4, CPORT))
    recv_exact(s, len(REQ))
    s.sendall(RESP)
    recv_eof(s)
    s.close()


def simopen_client(ctx):
    s = new_socket(socket.AF_INET)
    s.bind((CLIENT4, CPORT))
    sleep_until(ctx.at)
    s.connect((SERVER4, SPORT))
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    time.sleep(0.2)
    s.close()


# refused: nothing listens on the port; the server's kernel answers RST+ACK.
def refused_client(ctx):
    try:
        dial(port=CLOSED_PORT)
    except ConnectionRefusedError:
        return
    raise SystemExit("connection was not refused")


# abort-by-client: SO_LINGER 0 close after the exchange -> RST from the client.
def abort_client_server(ctx):
    ls = listen(ctx)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    try:
        recv_eof(c)
    except ConnectionResetError:
        pass
    c.close()
    ls.close()


def abort_client_client(ctx):
    s = dial()
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    time.sleep(0.2)
    abort(s)


# abort-by-server: the server aborts (SO_LINGER 0) 200 ms after answering.
def abort_server_server(ctx):
    ls = listen(ctx)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    time.sleep(0.2)
    abort(c)
    ls.close()


def abort_server_client(ctx):
    s = dial()
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    try:
        recv_eof(s)
    except ConnectionResetError:
        pass
    s.close()


# syn-unanswered: the wire drops every SYN; TCP_SYNCNT 2 bounds the retries
# (SYN at 0 s, 1 s, 3 s); the client gives up after 3.6 s (closing a SYN-SENT
# socket sends nothing).
def syn_unanswered_client(ctx):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, TCP_SYNCNT, 2)
    s.bind((CLIENT4, CPORT))
    s.setblocking(False)
    try:
        s.connect((SERVER4, SPORT))
    except BlockingIOError:
        pass
    _, w, _ = select.select([], [s], [], 3.6)
    if w:
        raise SystemExit("connect finished unexpectedly: %s" % s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
    s.close()


# synack-unacknowledged: the wire drops everything from the client after its
# SYN, so the server (capture taken on its side) never gets the handshake ACK
# and retransmits its SYN-ACK (1 s, 3 s; tcp_synack_retries 2).
def synack_unack_server(ctx):
    ls = listen(ctx)
    ls.settimeout(3.8)
    try:
        ls.accept()
        raise SystemExit("handshake completed unexpectedly")
    except socket.timeout:
        pass
    ls.close()


def synack_unack_client(ctx):
    s = dial()
    time.sleep(3.8)
    abort(s)


# half-close: the client sends its request and shutdown(SHUT_WR); the server
# ACKs the FIN (delayed ACK), then sends three segments 100 ms apart, then
# closes.  The 300 ms pause is longer than the longest delayed-ACK timeout
# (200 ms), so the ACK of the FIN always goes alone.
def halfclose_server(ctx):
    ls = listen(ctx)
    c = accept(ls)
    recv_exact(c, len(REQ))
    recv_eof(c)
    time.sleep(0.3)
    for i in range(3):
        c.sendall(b"part %d of the answer\n" % (i + 1))
        time.sleep(0.1)
    c.close()
    ls.close()


def halfclose_client(ctx):
    s = dial()
    s.sendall(REQ)
    time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    recv_eof(s)
    s.close()


# midstream: an echo exchange; the capture starts after the first round trip
# and stops before the close.
def midstream_server(ctx):
    ls = listen(ctx)
    c = accept(ls)
    while True:
        data = c.recv(65536)
        if not data:
            break
        c.sendall(b"echo: " + data)
    c.close()
    ls.close()


def midstream_client(ctx):
    s = dial()
    for i, pause in ((1, 0), (2, None), (3, 0.2)):
        if pause is None:
            touch(os.path.join(ctx.dir, "established"))
            wait_file(os.path.join(ctx.dir, "go"), 10)
            time.sleep(0.1)
        else:
            time.sleep(pause)
        msg = b"message %d\n" % i
        s.sendall(msg)
        recv_exact(s, len(msg) + 6)
    time.sleep(0.2)
    touch(os.path.join(ctx.dir, "done"))
    wait_file(os.path.join(ctx.dir, "stopped"), 10)
    s.close()


# port-reuse: two connections on the same 4-tuple, 500 ms apart.  The server
# closes first each time (so the client's side of the tuple is free at once);
# the server's TIME-WAIT socket accepts the new SYN, whose ISN is higher.
def portreuse_server(ctx):
    ls = listen(ctx)
    for _ in range(2):
        c = accept(ls)
        recv_exact(c, len(REQ))
        c.sendall(RESP)
        time.sleep(0.1)
        c.close()
    ls.close()


def portreuse_client(ctx):
    for i in range(2):
        s = dial()
        s.sendall(REQ)
        recv_exact(s, len(RESP))
        recv_eof(s)
        s.close()
        if i == 0:
            time.sleep(0.5)


# retransmission: the client sends four 100-byte segments back to back; the
# wire drops the second.  SACK, RACK and tail loss probes are off in the
# client's namespace, so the two duplicate ACKs do not trigger a fast
# retransmit and the segment is resent alone (retransmit collapsing is off too)
# when the retransmission timer fires, about 200 ms later.
def retrans_server(ctx):
    ls = listen(ctx)
    c = accept(ls)
    recv_exact(c, 400)
    recv_eof(c)
    c.close()
    ls.close()


def retrans_client(ctx):
    s = dial()
    for i in range(4):
        s.send(bytes([0x61 + i]) * 100)
    time.sleep(0.8)
    s.close()


# zero-window: the server's receive buffer is tiny and it does not read for a
# while; the client's window probes get window 0 until the server reads.  The
# server then answers "ok" and the client closes (closing at once would queue
# the FIN behind the last byte, which no longer fits the reopened window).
def zerowin_server(ctx):
    ls = listen(ctx, rcvbuf=ctx.rcvbuf)
    c = accept(ls)
    time.sleep(ctx.hold)
    recv_exact(c, ctx.nbytes)
    c.sendall(b"ok\n")
    recv_eof(c)
    c.close()
    ls.close()


def zerowin_client(ctx):
    s = dial()
    s.sendall(b"z" * ctx.nbytes)
    recv_exact(s, 3)
    time.sleep(0.1)
    s.close()


# keepalive: after the exchange the client stays idle 2.5 s with keep-alive
# idle time and interval 1 s: two keep-alive probes, each answered.
def keepalive_server(ctx):
    srv_answer_then(ctx, 0.0)


def keepalive_client(ctx):
    def opts(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, TCP_KEEPIDLE, 1)
        s.setsockopt(socket.IPPROTO_TCP, TCP_KEEPINTVL, 1)
        s.setsockopt(socket.IPPROTO_TCP, TCP_KEEPCNT, 3)
    s = dial(before_connect=opts)
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    time.sleep(2.5)
    s.close()


SCENARIOS = {
    "fourway-close": (fourway_server, fourway_client),
    "three-segment-close": (threeseg_server, threeseg_client),
    "simultaneous-close": (simclose_server, simclose_client),
    "simultaneous-open": (simopen_server, simopen_client),
    "refused": (None, refused_client),
    "abort-by-client": (abort_client_server, abort_client_client),
    "abort-by-server": (abort_server_server, abort_server_client),
    "syn-unanswered": (None, syn_unanswered_client),
    "synack-unacknowledged": (synack_unack_server, synack_unack_client),
    "half-close": (halfclose_server, halfclose_client),
    "midstream": (midstream_server, midstream_client),
    "port-reuse": (portreuse_server, portreuse_client),
    "retransmission": (retrans_server, retrans_client),
    "zero-window": (zerowin_server, zerowin_client),
    "keepalive": (keepalive_server, keepalive_client),
    "ipv6": (ipv6_server, ipv6_client),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["server", "client", "offload"])
    ap.add_argument("name")
    ap.add_argument("--dir", default=".")
    ap.add_argument("--at", type=float, default=0.0)
    ap.add_argument("--rcvbuf", type=int, default=2048)
    ap.add_argument("--hold", type=float, default=1.0)
    ap.add_argument("--nbytes", type=int, default=2172)
    ctx = ap.parse_args()
    if ctx.role == "offload":
        offload_off(ctx.name)
        return
    server, client = SCENARIOS[ctx.name]
    fn = server if ctx.role == "server" else client
    if fn is not None:
        fn(ctx)


if __name__ == "__main__":
    main()
