#!/usr/bin/python3
"""Client and server programs for the perf golden captures (make-captures.sh).

Ordinary kernel TCP sockets between two network namespaces; the wire between
them (examples/wire.py) drops or delays chosen segments.  What each scenario
exercises:

  bulk      the client uploads 400 kB, the server answers 100 bytes: SACK,
            fast retransmissions, duplicate ACKs, RTT samples from timestamps
  rto       request/response rounds (500 bytes up, 3000 bytes down) where the
            wire holds or drops segments long enough for retransmission
            timeouts, so that some retransmissions are spurious
  zerowin   the server's receive buffer is small and it stops reading for a
            while: zero windows, window probes, window updates
  chatty    200 short request/response rounds (an FTP- or SMTP-like dialogue),
            used with packets cut out of the capture afterwards (capture gaps)

  perf_peers.py server|client SCENARIO --dir DIR
"""

import argparse
import os
import socket
import sys
import time

CLIENT4, SERVER4 = "10.0.0.1", "10.0.0.2"
CPORT, SPORT = 40000, 8080
IO_TIMEOUT = 20.0


def touch(path):
    with open(path, "w") as f:
        f.write("1\n")


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(min(65536, n - len(data)))
        if not chunk:
            raise SystemExit("peer closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def recv_eof(s):
    while s.recv(65536):
        pass


def listen(ctx, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((SERVER4, SPORT))
    s.listen(4)
    s.settimeout(IO_TIMEOUT)
    touch(os.path.join(ctx.dir, "server-ready"))
    c, _ = s.accept()
    c.settimeout(IO_TIMEOUT)
    s.close()
    return c


def dial():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((CLIENT4, CPORT))
    s.settimeout(IO_TIMEOUT)
    s.connect((SERVER4, SPORT))
    return s


BULK = 400000


def bulk_server(ctx):
    c = listen(ctx)
    recv_exact(c, BULK)
    c.sendall(b"r" * 100)
    recv_eof(c)
    c.close()


def bulk_client(ctx):
    s = dial()
    s.sendall(bytes(range(256)) * (BULK // 256) + b"x" * (BULK % 256))
    recv_exact(s, 100)
    s.close()


RTO_ROUNDS = 8


def rto_server(ctx):
    c = listen(ctx)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(RTO_ROUNDS):
        recv_exact(c, 500)
        c.sendall(b"d" * 3000)
    recv_eof(c)
    c.close()


def rto_client(ctx):
    s = dial()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(RTO_ROUNDS):
        s.sendall(b"q" * 500)
        recv_exact(s, 3000)
        time.sleep(0.05)
    s.close()


ZW = 120000


def zerowin_server(ctx):
    c = listen(ctx, rcvbuf=4096)
    time.sleep(1.5)
    got = 0
    while got < ZW:  # read slowly: the window opens and closes again
        got += len(recv_exact(c, min(3000, ZW - got)))
        time.sleep(0.002)
    c.sendall(b"ok\n")
    recv_eof(c)
    c.close()


def zerowin_client(ctx):
    s = dial()
    s.sendall(b"z" * ZW)
    recv_exact(s, 3)
    time.sleep(0.1)
    s.close()


CHATTY = 200


def chatty_server(ctx):
    c = listen(ctx)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(b"220 ready\r\n")
    for i in range(CHATTY):
        recv_exact(c, 12)
        c.sendall(b"250 " + b"%05d" % i + b"." * (1400 + (i % 7) * 300) + b"\r\n")
    recv_eof(c)
    c.close()


def chatty_client(ctx):
    s = dial()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    recv_exact(s, 11)
    for i in range(CHATTY):
        s.sendall(b"NOOP %05d\r\n" % i)
        recv_exact(s, 4 + 5 + 1400 + (i % 7) * 300 + 2)
    s.close()


SCENARIOS = {
    "bulk": (bulk_server, bulk_client),
    "rto": (rto_server, rto_client),
    "zerowin": (zerowin_server, zerowin_client),
    "chatty": (chatty_server, chatty_client),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("name", choices=sorted(SCENARIOS))
    ap.add_argument("--dir", default=".")
    ctx = ap.parse_args()
    server, client = SCENARIOS[ctx.name]
    (server if ctx.role == "server" else client)(ctx)


if __name__ == "__main__":
    sys.exit(main())
