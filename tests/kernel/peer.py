#!/usr/bin/python3
"""Client and server programs for the kernel-capture test (run_kernel.py).

Run inside a network namespace with `ip netns exec`:
  peer.py server SCENARIO ADDR PORT READYFILE
  peer.py client SCENARIO ADDR PORT

ADDR is the server's address (IPv4 or IPv6); the client's port is an ordinary
ephemeral port, so every run is a fresh 4-tuple with fresh ISNs.  Each step
that decides the shape of the capture is made deterministic by the program,
not left to a race with the kernel's timers (see the comment of each
scenario).  Every wait is bounded (IO_TIMEOUT), and run_kernel.py wraps each
process in `timeout` as well.

Borrowed from examples/peers.py (same request/response sizes and the same
SO_LINGER abort), parameterised by address and port.
"""

import os
import select
import socket
import sys
import time

# The example captures' peers (examples/peers.py) give the request, the answer and the small
# socket helpers; this file adds what the kernel test varies: addresses, ports, scenarios.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples"))
from peers import REQ, RESP, abort, accept, recv_exact  # noqa: E402

PART = b"part %d of the answer\n"  # 21 bytes each

TCP_SYNCNT = 7
TCP_QUICKACK = 12
IO_TIMEOUT = 8.0


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def new_socket(family):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(IO_TIMEOUT)
    return s


def listen(addr, port, ready):
    s = new_socket(family_of(addr))
    s.bind((addr, port))
    s.listen(4)
    with open(ready, "w") as f:
        f.write("1\n")
    return s



def dial(addr, port):
    s = new_socket(family_of(addr))
    s.connect((addr, port))
    return s


def recv_eof(s):
    """Read until the peer's FIN (bounded by IO_TIMEOUT per read)."""
    while True:
        if not s.recv(65536):
            return


def ack_now(s):
    """TCP_QUICKACK 1: Linux sends a pending (delayed) ACK at once.

    Receiving a FIN puts the socket in delayed-ACK ("pingpong") mode, so the
    ACK of the FIN would otherwise wait 40-200 ms for the delayed-ACK timer;
    setting TCP_QUICKACK while an ACK is scheduled sends it immediately
    (do_tcp_setsockopt -> tcp_cleanup_rbuf), so it goes alone, now."""
    s.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, 1)


# ------------------------------------------------------------- scenarios --
# c:S s:S. c:. c:P./25 s:. s:P./25 c:. then the close of each scenario.
# The server's ACK of the request goes alone: a fresh connection starts in
# quick-ACK mode, so the first data segment is acknowledged at once.

def srv_fourway(addr, port, ready):
    """four-way: after EOF the server ACKs the FIN at once (TCP_QUICKACK)
    and closes 300 ms later: c:F. s:. s:F. c:."""
    ls = listen(addr, port, ready)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    recv_eof(c)
    ack_now(c)
    time.sleep(0.3)
    c.close()
    ls.close()


def srv_threeseg(addr, port, ready):
    """three-segment: the server closes right after reading EOF; the ACK of
    the client's FIN is delayed (pingpong mode, >= 40 ms), so it rides on the
    server's FIN: c:F. s:F. c:."""
    ls = listen(addr, port, ready)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    recv_eof(c)
    c.close()
    ls.close()


def cli_request_close(addr, port):
    s = dial(addr, port)
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    ack_now(s)
    time.sleep(0.2)
    s.close()
    time.sleep(0.1)


def cli_refused(addr, port):
    try:
        dial(addr, port)
    except ConnectionRefusedError:
        return
    raise SystemExit("connection was not refused")


def srv_abort_by_client(addr, port, ready):
    ls = listen(addr, port, ready)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    try:
        recv_eof(c)
    except ConnectionResetError:
        pass
    c.close()
    ls.close()


def cli_abort(addr, port):
    """The client aborts 200 ms after the answer (its ACK has gone): c:R."""
    s = dial(addr, port)
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    ack_now(s)
    time.sleep(0.2)
    abort(s)


def srv_abort(addr, port, ready):
    """The server aborts 200 ms after answering: s:R."""
    ls = listen(addr, port, ready)
    c = accept(ls)
    recv_exact(c, len(REQ))
    c.sendall(RESP)
    time.sleep(0.2)
    abort(c)
    ls.close()


def cli_wait_reset(addr, port):
    s = dial(addr, port)
    s.sendall(REQ)
    recv_exact(s, len(RESP))
    ack_now(s)
    try:
        recv_eof(s)
    except ConnectionResetError:
        pass
    s.close()


def cli_syn_unanswered(addr, port):
    """Every SYN is dropped by the server's firewall.  TCP_SYNCNT 1: one
    retransmission, 1 s after the first SYN (initial RTO); the client gives
    up at 1.5 s (closing a SYN-SENT socket sends nothing): c:S c:S."""
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, TCP_SYNCNT, 1)
    s.setblocking(False)
    try:
        s.connect((addr, port))
    except BlockingIOError:
        pass
    _, w, _ = select.select([], [s], [], 1.5)
    if w:
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        raise SystemExit("connect finished unexpectedly (SO_ERROR %d)" % err)
    s.close()


def srv_halfclose(addr, port, ready):
    """half-close: the client's FIN is ACKed at once (TCP_QUICKACK); 100 ms
    later the server sends three segments 100 ms apart, then closes:
    c:F. s:. s:P. c:. s:P. c:. s:P. c:. s:F. c:."""
    ls = listen(addr, port, ready)
    c = accept(ls)
    recv_exact(c, len(REQ))
    recv_eof(c)
    ack_now(c)
    time.sleep(0.1)
    for i in range(3):
        c.sendall(PART % (i + 1))
        time.sleep(0.1)
    c.close()
    ls.close()


def cli_halfclose(addr, port):
    s = dial(addr, port)
    s.sendall(REQ)
    time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    n = 0
    while n < 3 * len(PART % 1):
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("server closed early")
        n += len(chunk)
        ack_now(s)  # each segment is acknowledged at once
    recv_eof(s)
    s.close()
    time.sleep(0.1)


SCENARIOS = {
    "fourway": (srv_fourway, cli_request_close),
    "threeseg": (srv_threeseg, cli_request_close),
    "refused": (None, cli_refused),
    "abort-client": (srv_abort_by_client, cli_abort),
    "abort-server": (srv_abort, cli_wait_reset),
    "syn-unanswered": (None, cli_syn_unanswered),
    "half-close": (srv_halfclose, cli_halfclose),
    "ipv6": (srv_fourway, cli_request_close),
}


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("server", "client"):
        raise SystemExit(__doc__)
    role, name, addr, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    server, client = SCENARIOS[name]
    if role == "server":
        server(addr, port, sys.argv[5])
    else:
        client(addr, port)


if __name__ == "__main__":
    main()
