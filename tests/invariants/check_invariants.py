#!/usr/bin/env python3
"""No verdict contradicts another: invariants over every flow tcplens finds in every capture
of the tree (docs/connections.md, docs/connections.md, RFC 9293, Zeek's rules (conn_state() in base/protocols/conn/main.zeek, TCPSessionAdapter.cc)).

    check_invariants.py TCPLENS SOURCE_DIR     every *.pcap/*.pcapng under tests/, examples/
                                               and, when present, ../shared/corpus
    check_invariants.py TCPLENS FILE...        just those files
    check_invariants.py --self-test            hand-made bad documents: each invariant fails

Each violation is printed as "FILE flow N packet K: invariant: detail" (packet "-" for a
flow-level one); the exit status is 1 when any was found. Files tcplens refuses (exit 1:
unreadable on purpose) are skipped. Only the standard library is used.

The invariants (names as printed):

handshake      `complete` needs the client's pure SYN and either the server's SYN-ACK and a
               later client segment with ACK (no SYN, no RST; data or FIN may ride on it)
               whose ack covers the SYN-ACK (ack > server ISN), or, when no SYN-ACK was
               captured at all, a later client segment (ACK, no SYN/RST) beyond the SYN's
               sequence space whose ack is not 0 (the answer went by uncaptured: a client in
               SYN-SENT cannot send an ACK).  `no-final-ack` needs a SYN-ACK and is impossible
               once a later client segment acknowledges it.  `no-reply` needs the client's SYN
               and no packet from the server; `rejected` a server RST and no SYN-ACK before it;
               `simultaneous-open` a pure SYN from each side; `not-seen` no SYN-ACK answering
               a client SYN.  A SYN without ACK inside an impossible flag mix (event `other`)
               still counts as the attempt (the corpus's christmas-tree SYN: no-reply).
teardown       `four-way`/`three-segment`/`simultaneous-close` need a FIN from both sides and
               no RST (and the kind matches the second FIN's ack and an earlier separate ACK);
               `half-closed` exactly one side's FIN and no RST; `reset` an RST packet with
               reset_by = the set of RST senders; `open` no FIN, no RST and initiator null.
               FIN = FIN without SYN/RST; RST = RST without SYN/FIN (others are `other`).
conn_state     what Zeek's rules (Zeek's rules (conn_state() in base/protocols/conn/main.zeek, TCPSessionAdapter.cc)) really imply from the packets: SF needs a
               FIN-flagged packet from each side (both Zeek endpoints CLOSED); REJ/RSTO/RSTR/
               RSTOS0/RSTRH an RST-flagged packet; S0/RSTOS0 a SYN without ACK; S1 no FIN- or
               RST-flagged packet and teardown `open`; no FIN/RST flags at all => S0, S1 or OTH;
               rejected after nothing but client SYNs => REJ; no-reply with only client SYNs =>
               S0; a handshake complete with its SYN-ACK and no FIN/RST/bad packet => S1.
               Where Zeek's labels and ours differ by design (roles flipped, SYN+FIN counted
               by Zeek, an uncaptured SYN-ACK) nothing is asserted.
acks           a non-null `acks` points backwards to a packet of the other direction; the
               acknowledging packet has ACK and its ack covers that packet's end
               (seq + len + SYN + FIN).
event          the event agrees with the flags (see EVENT_RULES); `discarded` only on a packet
               whose TCP checksum is incorrect or offloaded; an impossible flag mix is `other`.
states         per-packet `states` walk RFC 9293's diagram legally (ALLOWED below), starting
               from the orientation's initial states; an RST (event rst) leaves its sender
               CLOSED and the receiver CLOSED (or LISTEN); a packet of event `other` or
               `discarded` changes no state; an endpoint enters TIME-WAIT only after a FIN of its
               peer and CLOSED after LAST-ACK only once its FIN was acknowledged; the sender of
               an ACK (no RST) is not in LISTEN or SYN-SENT, nor in a CLOSED it never left
               (those states send no ACK); the sender of a FIN is in FIN-WAIT-1 or later;
               CLOSING needs the endpoint's own FIN sent and not yet acknowledged; an endpoint
               whose FIN is acknowledged by a peer that sent its own FIN before that ACK
               (a simultaneous close) had that FIN first: CLOSING, never FIN-WAIT-2.
explanation    the "States: client X, server Y." sentence of an explanation matches `states`,
               and its claims about states hold ("the peer is CLOSED once it arrives", "it
               enters CLOSING", "the server's end is CLOSED").
summary        the summary claims nothing the verdicts or states deny (see summary_checks).
"""
import json
import os
import re
import subprocess
import sys

M = 1 << 32


def sgt(a, b):
    return 0 < ((a - b) % M) < (1 << 31)


def sge(a, b):
    return a == b or sgt(a, b)


# --- the RFC 9293 state diagram, as one packet can move an endpoint --------------------------
#
# One step of Figure 5 is one of: send SYN, receive SYN (and answer it), receive the ACK of our
# SYN, send FIN (CLOSE), receive FIN, receive the ACK of our FIN, RST.  An observer sees one
# packet at a time, and one packet can prove several steps at once: its sender's ack shows
# what the sender received (a SYN, a FIN) and its flags what it sends (SYN, FIN); for the
# receiver it proves the ACK of its SYN or FIN (and, in order, anything its peer sent before).
# So the successors allowed on one packet are the states reachable by a chain of distinct
# steps of Figure 5, without the timeout (TIME-WAIT -> CLOSED), and with CLOSED reachable from
# anywhere (RST; a refused SYN shows the assumed LISTEN was CLOSED all along).
STEPS = {
    "CLOSED": {"SYN-SENT"},
    "LISTEN": {"SYN-SENT", "SYN-RECEIVED"},
    "SYN-SENT": {"SYN-RECEIVED", "ESTABLISHED"},
    "SYN-RECEIVED": {"ESTABLISHED", "FIN-WAIT-1"},
    "ESTABLISHED": {"FIN-WAIT-1", "CLOSE-WAIT"},
    "FIN-WAIT-1": {"FIN-WAIT-2", "CLOSING", "TIME-WAIT"},
    "FIN-WAIT-2": {"TIME-WAIT"},
    "CLOSE-WAIT": {"LAST-ACK"},
    "CLOSING": {"TIME-WAIT"},
    "LAST-ACK": {"CLOSED"},
    "TIME-WAIT": set(),
}
STATES = set(STEPS)


def _closure(s):
    seen, todo = {s}, [s]
    while todo:
        for n in STEPS[todo.pop()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen | {"CLOSED"}


ALLOWED = {s: _closure(s) for s in STEPS}
# a SYN-SENT endpoint may show SYN-RECEIVED then ESTABLISHED, but a packet cannot take an
# endpoint from before its handshake to its close in one go: limit the span of one packet
for _s in ("CLOSED", "LISTEN"):
    ALLOWED[_s] -= {"FIN-WAIT-2", "CLOSING", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK"}
ALLOWED["SYN-SENT"] -= {"FIN-WAIT-2", "CLOSING", "TIME-WAIT", "LAST-ACK"}
ALLOWED["SYN-RECEIVED"] -= {"FIN-WAIT-2", "CLOSING", "TIME-WAIT", "LAST-ACK"}
ALLOWED["ESTABLISHED"] -= {"FIN-WAIT-2", "CLOSING", "TIME-WAIT"}

INITIAL = {"syn": ("CLOSED", "LISTEN"), "synack": ("SYN-SENT", "LISTEN"),
           "guessed": ("ESTABLISHED", "ESTABLISHED")}

EVENTS = {"syn", "syn-ack", "handshake-ack", "syn-retransmission", "syn-ack-retransmission",
          "data", "ack", "retransmission", "out-of-order", "duplicate-ack", "zero-window",
          "zero-window-probe", "window-update", "keep-alive", "discarded", "fin",
          "fin-ack-piggybacked", "close-ack", "rst", "other"}


class P:
    """One packet of a timeline, with the facts the invariants use."""

    def __init__(self, j):
        t = j["tcp"]
        fl = t["flags"]
        self.j = j
        self.index = j["index"]
        self.dir = j["dir"]
        self.c2s = j["dir"] == "c2s"
        self.event = j["event"]
        self.syn, self.ack_f, self.fin, self.rst = fl["syn"], fl["ack"], fl["fin"], fl["rst"]
        self.seq, self.ack = t["seq"] % M, (t["ack"] or 0) % M
        self.len = t["payload_length"]
        self.window = t["window"]
        self.end = (self.seq + self.len + self.syn + self.fin) % M
        self.cksum = t.get("checksum_status")
        self.discarded = self.event == "discarded"
        self.impossible = ((self.syn and (self.fin or self.rst)) or (self.fin and self.rst)
                           or not (self.syn or self.fin or self.rst or self.ack_f))
        ok = not self.discarded and not self.impossible
        self.pure_syn = ok and self.syn and not self.ack_f
        self.synack = ok and self.syn and self.ack_f
        self.is_fin = ok and self.fin
        self.is_rst = ok and self.rst
        self.states = (j["states"]["client"], j["states"]["server"])


def t_ack(p):  # an ACK that is neither SYN nor RST
    return not p.discarded and not p.impossible and p.ack_f and not p.syn and not p.rst


# --- event and flags ----------------------------------------------------------------------------
def pure(p):
    return p.ack_f and not (p.syn or p.fin or p.rst)


EVENT_RULES = {
    "syn": lambda p: p.syn and not p.ack_f and not p.fin and not p.rst,
    "syn-retransmission": lambda p: p.syn and not p.ack_f and not p.fin and not p.rst,
    "syn-ack": lambda p: p.syn and p.ack_f and not p.fin and not p.rst,
    "syn-ack-retransmission": lambda p: p.syn and p.ack_f and not p.fin and not p.rst,
    "fin": lambda p: p.fin and not p.syn and not p.rst,
    "fin-ack-piggybacked": lambda p: p.fin and p.ack_f and not p.syn and not p.rst,
    "rst": lambda p: p.rst and not p.syn and not p.fin,
    "data": lambda p: pure(p) and p.len > 0,
    "handshake-ack": lambda p: pure(p) and p.c2s,
    "ack": lambda p: pure(p) and p.len == 0,
    "close-ack": lambda p: pure(p) and p.len == 0,
    "duplicate-ack": lambda p: pure(p) and p.len == 0,
    "window-update": lambda p: pure(p) and p.len == 0,
    "keep-alive": lambda p: pure(p) and p.len <= 1,
    "zero-window": lambda p: pure(p) and p.window == 0,
    "zero-window-probe": lambda p: pure(p) and p.len <= 1,
    "out-of-order": lambda p: pure(p) and p.len > 0,
    "retransmission": lambda p: (pure(p) and p.len > 0) or (p.fin and not p.syn and not p.rst),
    "discarded": lambda p: p.cksum in ("incorrect", "offloaded"),
    "other": lambda p: p.impossible,
}


class Checker:
    def __init__(self):
        self.violations = []

    def v(self, where, flow, pkt, inv, detail):
        self.violations.append("%s flow %s packet %s: %s: %s"
                               % (where, flow, "-" if pkt is None else pkt, inv, detail))

    # ---------------------------------------------------------------------------------------
    def flow(self, where, f, zh_summary=None):
        fi = f.get("index", "?")
        pk = [P(j) for j in f["timeline"]]
        v = lambda k, inv, d: self.v(where, fi, k, inv, d)  # noqa: E731
        c = [p for p in pk if p.c2s]
        s = [p for p in pk if not p.c2s]
        hs = f["handshake"]["state"]
        td = f["teardown"]

        # ---- handshake ----
        # the connection attempt: a SYN without ACK, also inside an impossible flag mix (the
        # corpus's 'christmas tree' SYN is an unanswered attempt, incomplete_syn_only)
        csyn = [p for p in c if p.syn and not p.ack_f and not p.discarded]
        ssyn = [p for p in s if p.syn and not p.ack_f and not p.discarded]
        synack = next((p for p in s if p.synack), None)
        live_s = [p for p in s if not p.discarded]
        third = None
        if synack is not None:
            third = next((p for p in c if p.index > synack.index and t_ack(p)
                          and sgt(p.ack, synack.seq) and (p.ack - synack.seq) % M < (1 << 30)),
                         None)
        uncaptured = None
        if csyn and not any(p.synack for p in s):
            first = csyn[0]
            uncaptured = next((p for p in c if p.index > first.index and t_ack(p) and p.ack != 0
                               and sgt(p.seq, csyn[-1].seq)), None)
        if hs == "complete":
            if not csyn:
                v(None, "handshake", "complete without the client's SYN")
            elif ssyn:
                v(None, "handshake", "complete, but both sides sent a SYN (simultaneous open)")
            elif synack is not None and third is None:
                v(None, "handshake", "complete, but no client segment after the SYN-ACK "
                  "(packet %d) acknowledges it" % synack.index)
            elif synack is None and uncaptured is None:
                v(None, "handshake", "complete without a SYN-ACK and without a later client "
                  "segment that acknowledges anything")
        if hs == "no-final-ack":
            if synack is None:
                v(None, "handshake", "no-final-ack without a SYN-ACK from the server")
            elif third is not None:
                v(third.index, "handshake", "no-final-ack, but this client segment's ack %d "
                  "covers the SYN-ACK (server ISN %d)" % (third.ack, synack.seq))
        if hs == "no-reply":
            if not csyn:
                v(None, "handshake", "no-reply without a client SYN")
            if live_s:
                v(live_s[0].index, "handshake", "no-reply, but the server sent this packet")
        if hs == "rejected":
            rst = next((p for p in s if p.is_rst), None)
            if not csyn:
                v(None, "handshake", "rejected without a client SYN")
            if rst is None:
                v(None, "handshake", "rejected without a RST from the server")
            elif any(p.synack and p.index < rst.index for p in pk):
                v(rst.index, "handshake", "rejected, but a SYN-ACK came before this RST")
        if hs == "simultaneous-open" and not (csyn and ssyn):
            v(None, "handshake", "simultaneous-open needs a pure SYN from each side")
        if hs == "not-seen" and csyn and synack is not None and not ssyn:
            v(None, "handshake", "not-seen, but the client's SYN (packet %d) and the server's "
              "SYN-ACK (packet %d) were seen" % (csyn[0].index, synack.index))
        if hs in ("complete", "no-final-ack", "no-reply", "rejected") and not csyn:
            pass  # reported above

        # ---- teardown ----
        cfin = [p for p in c if p.is_fin]
        sfin = [p for p in s if p.is_fin]
        rsts = [p for p in pk if p.is_rst]
        rst_by = {("client" if p.c2s else "server") for p in rsts}
        tds = td["state"]
        if tds in ("four-way", "three-segment", "simultaneous-close"):
            if not cfin or not sfin:
                v(None, "teardown", "%s needs a FIN from both sides (client %d, server %d)"
                  % (tds, len(cfin), len(sfin)))
            if rsts:
                v(rsts[0].index, "teardown", "%s, but this packet is a RST" % tds)
            if cfin and sfin:
                a, b = (cfin[0], sfin[0]) if cfin[0].index < sfin[0].index else (sfin[0], cfin[0])
                covers = b.ack_f and sge(b.ack, a.end)
                sep = any(q.c2s == b.c2s and q.index < b.index and q.ack_f and not q.fin
                          and sge(q.ack, a.end) for q in pk if not q.discarded)
                want = ("simultaneous-close" if not covers else
                        "four-way" if sep else "three-segment")
                if want != tds:
                    v(b.index, "teardown", "%s, but the second FIN %s the first (packet %d)%s: %s"
                      % (tds, "acknowledges" if covers else "does not acknowledge", a.index,
                         ", after a separate ACK" if sep else "", want))
                who = "both" if want == "simultaneous-close" else ("client" if a.c2s else "server")
                if td["initiator"] != who:
                    v(None, "teardown", "initiator %s, but %s" % (td["initiator"], who))
        if tds == "half-closed":
            if bool(cfin) == bool(sfin):
                v(None, "teardown", "half-closed needs exactly one side's FIN (client %d, "
                  "server %d)" % (len(cfin), len(sfin)))
            if rsts:
                v(rsts[0].index, "teardown", "half-closed, but this packet is a RST")
        if tds == "reset":
            if not rsts:
                v(None, "teardown", "reset without a RST packet")
            want = ("both" if len(rst_by) == 2 else next(iter(rst_by))) if rst_by else None
            if td["reset_by"] != want:
                v(None, "teardown", "reset_by %s, but RSTs came from %s" % (td["reset_by"], want))
        elif td.get("reset_by") is not None:
            v(None, "teardown", "reset_by %s on a %s teardown" % (td["reset_by"], tds))
        if tds != "reset" and rsts:
            v(rsts[0].index, "teardown", "%s, but this packet is a RST" % tds)
        if tds == "open":
            if cfin or sfin:
                v((cfin + sfin)[0].index, "teardown", "open, but this packet is a FIN")
            if td["initiator"] is not None:
                v(None, "teardown", "open with initiator %s" % td["initiator"])

        # ---- conn_state (only what Zeek's rules really imply) ----
        cs = f["conn_state"]
        live = [p for p in pk if not p.discarded]
        fin_any = [p for p in live if p.fin]
        rst_any = [p for p in live if p.rst]
        syn_any = [p for p in live if p.syn and not p.ack_f]
        if cs == "SF" and not (any(p.c2s for p in fin_any) and any(not p.c2s for p in fin_any)):
            v(None, "conn_state", "SF needs a FIN from each side (both Zeek endpoints CLOSED)")
        if cs in ("REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH") and not rst_any:
            v(None, "conn_state", "%s without any RST" % cs)
        if cs in ("S0", "RSTOS0") and not syn_any:  # SH: a FIN alone closes Zeek's orig
            v(None, "conn_state", "%s without any SYN" % cs)
        if cs in ("S2", "S3", "SH", "SHR") and not fin_any:
            v(None, "conn_state", "%s without any FIN" % cs)
        if cs == "S1" and (fin_any or rst_any):
            v((fin_any + rst_any)[0].index, "conn_state", "S1, but this packet has FIN or RST")
        if cs == "S1" and tds != "open":
            v(None, "conn_state", "S1 (not terminated) with teardown %s" % tds)
        if not fin_any and not rst_any and cs not in ("S0", "S1", "OTH"):
            v(None, "conn_state", "%s without any FIN or RST" % cs)
        first = pk[0] if pk else None
        only_syns_first = first is not None and first.c2s and first.pure_syn
        bad = any(p.discarded for p in pk)
        if hs == "rejected" and only_syns_first and not bad:
            rst = next((p for p in s if p.is_rst), None)
            if rst and all(p.pure_syn for p in c if p.index < rst.index) and cs != "REJ":
                v(None, "conn_state", "handshake rejected after only client SYNs, but %s "
                  "(Zeek: resp RESET while orig SYN_SENT is REJ)" % cs)
        if hs == "no-reply" and only_syns_first and not bad and all(p.pure_syn for p in c) \
                and cs != "S0":
            v(None, "conn_state", "no-reply with only client SYNs, but %s" % cs)
        if hs == "complete" and only_syns_first and synack is not None and not bad \
                and not fin_any and not rst_any and not any(p.impossible for p in pk) \
                and cs != "S1":
            v(None, "conn_state", "handshake complete with its SYN-ACK, no FIN or RST, but %s"
              % cs)

        # ---- acks ----
        for p in pk:
            a = p.j["acks"]
            if a is None:
                continue
            if not isinstance(a, int) or a < 0 or a >= p.index:
                v(p.index, "acks", "acks %r does not point backwards" % (a,))
                continue
            q = pk[a]
            if q.dir == p.dir:
                v(p.index, "acks", "acks packet %d of the same direction" % a)
            if not p.ack_f:
                v(p.index, "acks", "acks %d without the ACK flag" % a)
            elif not sge(p.ack, q.end):
                v(p.index, "acks", "ack %d does not cover packet %d's end %d" % (p.ack, a, q.end))

        # ---- event and flags ----
        for p in pk:
            rule = EVENT_RULES.get(p.event)
            if rule is None:
                v(p.index, "event", "unknown event %r" % p.event)
            elif not rule(p) and not (p.cksum in ("incorrect", "offloaded")
                                      and p.event == "discarded"):
                v(p.index, "event", "%s with flags %s, len %d, window %d, checksum %s"
                  % (p.event, p.j["tcp"]["flags"]["text"], p.len, p.window, p.cksum))
            if p.impossible and p.event not in ("other", "discarded"):
                v(p.index, "event", "impossible flag mix %s is %s, not other"
                  % (p.j["tcp"]["flags"]["text"], p.event))

        # ---- states ----
        prev = INITIAL.get(f["orientation"])
        fin_seen = [False, False]   # a FIN of this endpoint was seen
        fin_acked = [False, False]  # ... and acknowledged
        only_closed = [prev is not None and prev[e] == "CLOSED" for e in (0, 1)]
        for p in pk:
            cur = p.states
            for e in (0, 1):
                if cur[e] not in STATES:
                    v(p.index, "states", "unknown state %r" % cur[e])
            if prev is None or any(x not in STATES for x in cur):
                prev = cur
                continue
            d = 0 if p.c2s else 1
            fin_before = list(fin_seen)
            if p.is_fin:
                fin_seen[d] = True
            if p.ack_f and not p.discarded and not p.impossible:
                fs = [q for q in pk if q.index < p.index and q.c2s != p.c2s and q.is_fin]
                if fs and sge(p.ack, fs[0].end):
                    fin_acked[1 - d] = True
            for e, name in ((0, "client"), (1, "server")):
                a, b = prev[e], cur[e]
                if p.discarded or p.impossible:
                    if a != b:
                        v(p.index, "states", "%s %s -> %s on a packet of event %s"
                          % (name, a, b, p.event))
                    continue
                if b not in ALLOWED[a]:
                    v(p.index, "states", "%s %s -> %s is no legal step on one packet"
                      % (name, a, b))
                if e == d and p.ack_f and not p.rst and b in ("LISTEN", "SYN-SENT"):
                    v(p.index, "states", "%s in %s after sending an ACK (RFC 9293: LISTEN and "
                      "SYN-SENT send none)" % (name, b))
                if e == d and p.ack_f and not p.rst and b == "CLOSED" and a != "CLOSED":
                    v(p.index, "states", "%s %s -> CLOSED on its own ACK" % (name, a))
                if e == d and p.ack_f and not p.rst and b == "CLOSED" and only_closed[e] \
                        and not any(q.is_rst for q in pk[:p.index]):
                    v(p.index, "states", "%s CLOSED (never opened) sends an ACK" % name)
                if e == d and p.is_fin and b not in ("FIN-WAIT-1", "FIN-WAIT-2", "CLOSING",
                                                     "TIME-WAIT", "LAST-ACK", "CLOSED"):
                    v(p.index, "states", "%s in %s after sending a FIN" % (name, b))
                if p.event == "rst" and b != "CLOSED" and not (e != d and b == "LISTEN"):
                    v(p.index, "states", "%s %s after a RST" % (name, b))
                if b == "TIME-WAIT" and a != "TIME-WAIT" and not fin_seen[1 - e]:
                    v(p.index, "states", "%s enters TIME-WAIT without a FIN from its peer" % name)
                if b == "CLOSED" and a == "LAST-ACK" and p.event != "rst" and not fin_acked[e]:
                    v(p.index, "states", "%s LAST-ACK -> CLOSED before its FIN was acknowledged"
                      % name)
                if b == "CLOSING" and a != "CLOSING" and not fin_seen[e]:
                    v(p.index, "states", "%s in CLOSING without having sent a FIN" % name)
                if b == "CLOSING" and fin_acked[e]:
                    v(p.index, "states", "%s in CLOSING although its FIN is acknowledged" % name)
                # RFC 9293 §3.6: the peer's FIN went out before this ACK of e's FIN, so (in
                # order) it reached e first: CLOSING (then TIME-WAIT), never FIN-WAIT-2
                if b == "FIN-WAIT-2" and a == "FIN-WAIT-1" and e != d and fin_before[d]:
                    v(p.index, "states", "%s FIN-WAIT-1 -> FIN-WAIT-2, but the %s's FIN (sent "
                      "before this ACK) reached it first: CLOSING" % (name, ("client", "server")[d]))
            for e in (0, 1):
                only_closed[e] = only_closed[e] and cur[e] == "CLOSED"
            # the explanation names the same states, and its claims about them hold
            ex = p.j.get("explanation") or ""
            for phrase, e, st in (("the peer is CLOSED once it arrives", 1 - d, "CLOSED"),
                                  ("it enters CLOSING", d, "CLOSING"),
                                  ("it too leaves CLOSING for TIME-WAIT", 1 - d, "TIME-WAIT"),
                                  ("the server's end is CLOSED", 1, "CLOSED")):
                if phrase in ex and cur[e] != st:
                    v(p.index, "explanation", "says %r, but the %s is %s"
                      % (phrase, ("client", "server")[e], cur[e]))
            # the arithmetic of the handshake ACK: ack = the server's ISN + 1 (+ SYN-ACK data)
            m = re.search(r"ack (\d+) = the server's ISN (\d+) \+ 1(?: \+ the (\d+) bytes)?", ex)
            if m and p.event == "handshake-ack":
                a_, isn_, more_ = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
                sisn = ((f["handshake"].get("server") or {}).get("isn"))
                if a_ != (isn_ + 1 + more_) % M or (sisn is not None and isn_ != sisn):
                    v(p.index, "explanation", "%r, but the server's ISN is %s" % (m.group(0), sisn))
            k = ex.find("States: client ")
            if k >= 0:
                want = "States: client %s, server %s." % cur
                if not ex.startswith(want, k):
                    v(p.index, "explanation", "says %r, states are %s/%s"
                      % (ex[k:k + 60], cur[0], cur[1]))
            prev = cur

        # ---- summary ----
        self.summary_checks(where, fi, f, pk, f.get("summary") or "", "en")
        if zh_summary is not None:
            self.summary_checks(where, fi, f, pk, zh_summary, "zh")

    # ---------------------------------------------------------------------------------------
    def summary_checks(self, where, fi, f, pk, text, lang):
        """Claims render/explain.c's tl_story_summary() makes, against the verdicts/states."""
        v = lambda inv, d: self.v(where, fi, None, "summary", "(%s) %s" % (lang, d))  # noqa
        hs, td = f["handshake"]["state"], f["teardown"]["state"]
        en = lang == "en"
        if not en:  # Chinese typography may or may not space Latin words: compare without
            text = text.replace(" ", "")
        shown = {0: set(), 1: set()}
        jumps = {0: set(), 1: set()}
        prev = INITIAL.get(f["orientation"], ("?", "?"))
        for p in pk:
            for e in (0, 1):
                shown[e].add(p.states[e])
                jumps[e].add((prev[e], p.states[e]))
            prev = p.states
        final = pk[-1].states if pk else None
        names = ("client", "server") if en else ("客户端", "服务器")

        def claim(phrase_en, phrase_zh, ok, why):
            phrase = phrase_en if en else (phrase_zh or "").replace(" ", "")
            if phrase and phrase in text and not ok:
                v("summary", "says %r, but %s" % (phrase, why))

        claim("three-way handshake completed", "三次握手完整", hs == "complete",
              "handshake is %s" % hs)
        claim("a simultaneous open", "同时打开", hs == "simultaneous-open", "handshake is %s" % hs)
        claim("never acknowledged it", "始终没有确认它", hs == "no-final-ack", "handshake is %s" % hs)
        claim("answered the SYN with RST", "用 RST 回应了 SYN", hs == "rejected",
              "handshake is %s" % hs)
        claim("got no answer", "没有得到任何应答", hs == "no-reply", "handshake is %s" % hs)
        claim("a four-way close", "四次挥手", td == "four-way", "teardown is %s" % td)
        claim("three segments instead", "只用了三个报文", td == "three-segment",
              "teardown is %s" % td)
        claim("a simultaneous close", "同时关闭", td == "simultaneous-close", "teardown is %s" % td)
        claim("half-closed", "半关闭", td == "half-closed", "teardown is %s" % td)
        claim("still open", "仍然打开", td == "open", "teardown is %s" % td)
        claim("aborted by a RST", "用 RST 中止", td == "reset", "teardown is %s" % td)
        # "nothing listens": the server ends CLOSED (no listener), not LISTEN
        claim("nothing listens on port", "没有程序在监听", final is not None and final[1] == "CLOSED",
              "the server ends in %s" % (final[1] if final else None))
        # CLOSING, as the summary tells it per endpoint (or for both)
        for e in (0, 1):
            seen = "CLOSING" in shown[e]
            implied = ("FIN-WAIT-1", "TIME-WAIT") in jumps[e]
            if en:
                claim("The %s went through CLOSING" % names[e], None, seen,
                      "no packet shows the %s in CLOSING" % names[e])
                claim("the %s passed through CLOSING between" % names[e], None, implied,
                      "the %s never goes from FIN-WAIT-1 straight to TIME-WAIT" % names[e])
            else:
                claim("%s经过 CLOSING" % names[e], None, seen,
                      "no packet shows the %s in CLOSING" % names[e])
                claim("%s在两个抓到的报文之间经过了 CLOSING" % names[e], None, implied,
                      "the %s never goes from FIN-WAIT-1 straight to TIME-WAIT" % names[e])
        both_closing = all("CLOSING" in shown[e] for e in (0, 1))
        claim("Each went through CLOSING", "双方经过 CLOSING", both_closing,
              "the states show CLOSING for %s" % (
                  "neither" if not (shown[0] | shown[1]) & {"CLOSING"} else
                  "only one end"))
        # "In the end the client is in X and the server is Y"
        if final is not None:
            if en:
                m = re.search(r"In the end the client is (?:in )?([A-Z-]+),? and the server "
                              r"(?:is )?(?:in )?([A-Z-]+)", text)
                if m and (m.group(1), m.group(2)) != tuple(final):
                    v("summary", "%r, but the last states are %s/%s"
                      % (m.group(0), final[0], final[1]))
            else:
                m = re.search(r"最后客户端处于([A-Z-]+)，服务器处于([A-Z-]+)", text)
                if m and (m.group(1), m.group(2)) != tuple(final):
                    v("summary", "%r, but the last states are %s/%s"
                      % (m.group(0), final[0], final[1]))
        # packet counts
        n = f.get("packets") or {}
        m = re.search(r"The client sent (\d+) packets? with \d+ bytes of data, the server "
                      r"(\d+) packets?", text) if en else None
        if m and "c2s" in n and (int(m.group(1)), int(m.group(2))) != (n["c2s"], n["s2c"]):
            v("summary", "counts %s/%s packets, but packets is %d/%d"
              % (m.group(1), m.group(2), n["c2s"], n["s2c"]))
        # "had to send its SYN N times"
        k = text.find("had to send its SYN ")
        if en and k >= 0:
            n_syn = sum(1 for p in pk if p.c2s and p.pure_syn)
            if not text.startswith("had to send its SYN %d times" % n_syn, k):
                v("summary", "%r, but the client sent %d SYNs" % (text[k:k + 30], n_syn))


# --- running over the tree ----------------------------------------------------------------------
def decode(tcplens, path, lang=None):
    cmd = [tcplens, "decode", "--format", "json"] + (["--lang", lang] if lang else []) + [path]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300,
                       env=dict(os.environ, LC_ALL="C", TZ="UTC"))
    if r.returncode == 1:
        return None
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (cmd, r.returncode, r.stderr.decode()[:200]))
    return json.loads(r.stdout)


def captures(root):
    out = []
    for base in ("tests", "examples"):
        for d, _, files in os.walk(os.path.join(root, base)):
            out += [os.path.join(d, n) for n in files if n.endswith((".pcap", ".pcapng"))]
    corpus = os.path.normpath(os.path.join(root, "..", "shared", "corpus"))
    if os.path.isdir(corpus):
        for d, _, files in os.walk(corpus):
            out += [os.path.join(d, n) for n in files if n.endswith((".pcap", ".pcapng"))]
    else:
        print("note: %s is not here; checking the tree's captures only" % corpus)
    return sorted(out)


def run(tcplens, paths, root=None):
    ck = Checker()
    nfiles = nflows = skipped = 0
    for path in paths:
        name = os.path.relpath(path, root) if root else path
        doc = decode(tcplens, path)
        if doc is None:
            skipped += 1
            print("skip %s: not a readable capture (tcplens exits 1)" % name)
            continue
        zh = decode(tcplens, path, "zh")
        zh_sum = {f["index"]: f.get("summary") for f in zh["flows"]} if zh else {}
        nfiles += 1
        for f in doc["flows"]:
            nflows += 1
            ck.flow(name, f, zh_sum.get(f["index"]))
    for line in ck.violations:
        print(line)
    print("checked %d flows in %d captures (%d skipped): %d violation(s)"
          % (nflows, nfiles, skipped, len(ck.violations)))
    return 1 if ck.violations else 0


# --- self-test: each invariant must be able to fail ---------------------------------------------
def _pkt(i, d, flags, seq, ack, ln=0, ev="ack", st=("ESTABLISHED", "ESTABLISHED"), acks=None,
         win=512, cks="correct", expl=""):
    names = {"S": "syn", "A": "ack", "F": "fin", "R": "rst"}
    fl = {n: (k in flags) for k, n in names.items()}
    fl["text"] = flags
    return {"index": i, "dir": d, "event": ev, "acks": acks, "explanation": expl,
            "states": {"client": st[0], "server": st[1]},
            "tcp": {"flags": fl, "seq": seq, "ack": ack, "payload_length": ln, "window": win,
                    "checksum_status": cks}}


def _good_flow():
    """The seed's shape: SYN, SYN-ACK, ACK, FIN, FIN+ACK, ACK. A consistent document."""
    tl = [
        _pkt(0, "c2s", "S", 100, 0, ev="syn", st=("SYN-SENT", "LISTEN")),
        _pkt(1, "s2c", "SA", 500, 101, ev="syn-ack", st=("ESTABLISHED", "SYN-RECEIVED"), acks=0),
        _pkt(2, "c2s", "A", 101, 501, ev="handshake-ack", st=("ESTABLISHED", "ESTABLISHED"),
             acks=1),
        _pkt(3, "c2s", "FA", 101, 501, ev="fin", st=("FIN-WAIT-1", "ESTABLISHED"),
             expl="x. States: client FIN-WAIT-1, server ESTABLISHED."),
        _pkt(4, "s2c", "FA", 501, 102, ev="fin-ack-piggybacked", st=("FIN-WAIT-2", "LAST-ACK"),
             acks=3),
        _pkt(5, "c2s", "A", 102, 502, ev="close-ack", st=("TIME-WAIT", "CLOSED"), acks=4),
    ]
    return {"index": 0, "orientation": "syn", "handshake": {"state": "complete"},
            "teardown": {"state": "three-segment", "initiator": "client", "reset_by": None},
            "conn_state": "SF", "history": "ShAFf", "packets": {"c2s": 3, "s2c": 2},
            "summary": "The three-way handshake completed. The client sent 3 packets with 0 "
                       "bytes of data, the server 2 packets with 0 bytes. x closed first with "
                       "FIN. So the close took three segments instead of the textbook four. In "
                       "the end the client is in TIME-WAIT and the server is CLOSED.",
            "timeline": tl}


def self_test():
    import copy
    ck = Checker()
    ck.flow("good", _good_flow())
    if ck.violations:
        print("self-test: the consistent document was flagged:")
        print("\n".join(ck.violations))
        return 1

    def bad(name, mutate, inv):
        f = copy.deepcopy(_good_flow())
        mutate(f)
        c = Checker()
        c.flow(name, f)
        hit = [x for x in c.violations if (": %s: " % inv) in x]
        print("%-28s %-12s %s" % (name, inv, hit[0] if hit else "NOT DETECTED"))
        return bool(hit)

    tl = lambda f: f["timeline"]  # noqa: E731

    def no_final_ack_filtered(f):
        # a capture filtered to SYN/FIN/RST: no pure ACK, the client's FIN carries the ACK
        del f["timeline"][2]
        for i, p in enumerate(f["timeline"]):
            p["index"] = i
        f["handshake"]["state"] = "no-final-ack"

    def tfo_fin(f):
        f["timeline"] = [_pkt(0, "c2s", "S", 100, 0, 18, ev="syn", st=("SYN-SENT", "LISTEN")),
                         _pkt(1, "c2s", "F", 119, 0, ev="fin", st=("FIN-WAIT-1", "LISTEN"))]
        f["handshake"]["state"] = "complete"
        f["teardown"] = {"state": "half-closed", "initiator": "client", "reset_by": None}
        f["conn_state"] = "SH"
        f["summary"] = ""

    def xmas(f):
        tl(f)[2]["tcp"]["flags"].update(syn=True, fin=True, rst=True, text="FSRPU")

    def xmas_states(f):
        f["timeline"] = [_pkt(0, "c2s", "FSR", 1, 0, ev="other", st=("CLOSED", "CLOSED"))]
        f["handshake"]["state"] = "not-seen"
        f["teardown"] = {"state": "open", "initiator": None, "reset_by": None}
        f["conn_state"] = "OTH"
        f["summary"] = ""

    def simultaneous_fw2(f):
        # FINs cross (neither acknowledges the other); then the client ACKs the server's FIN:
        # the old slip showed the server in FIN-WAIT-2 there
        t = f["timeline"][:3]
        t += [_pkt(3, "c2s", "FA", 101, 501, ev="fin", st=("FIN-WAIT-1", "ESTABLISHED")),
              _pkt(4, "s2c", "FA", 501, 101, ev="fin", st=("FIN-WAIT-1", "FIN-WAIT-1")),
              _pkt(5, "c2s", "A", 102, 502, ev="close-ack", st=("CLOSING", "FIN-WAIT-2"),
                   acks=4),
              _pkt(6, "s2c", "A", 502, 102, ev="close-ack", st=("TIME-WAIT", "TIME-WAIT"),
                   acks=3)]
        f["timeline"] = t
        f["teardown"] = {"state": "simultaneous-close", "initiator": "both", "reset_by": None}
        f["summary"] = ""

    cases = [
        ("complete-without-ack", lambda f: tl(f)[2].update(event="ack") or
         tl(f)[2]["tcp"].update(ack=500) or tl(f)[3]["tcp"].update(ack=500) or
         tl(f)[5]["tcp"].update(ack=500) or tl(f)[4]["tcp"].update(ack=102) or
         tl(f)[2].update(acks=None), "handshake"),
        ("no-final-ack-but-acked", no_final_ack_filtered, "handshake"),
        ("tfo-syn-then-fin", tfo_fin, "handshake"),
        ("no-reply-with-answer", lambda f: f["handshake"].update(state="no-reply"), "handshake"),
        ("four-way-one-fin", lambda f: tl(f)[4]["tcp"]["flags"].update(fin=False, text="A"),
         "teardown"),
        ("half-closed-two-fins", lambda f: f["teardown"].update(state="half-closed"),
         "teardown"),
        ("reset-without-rst", lambda f: f["teardown"].update(state="reset", reset_by="server"),
         "teardown"),
        ("open-with-fin", lambda f: f["teardown"].update(state="open", initiator=None),
         "teardown"),
        ("kind-mismatch", lambda f: f["teardown"].update(state="four-way"), "teardown"),
        ("S1-with-fins", lambda f: f.update(conn_state="S1"), "conn_state"),
        ("REJ-without-rst", lambda f: f.update(conn_state="REJ"), "conn_state"),
        ("acks-forward", lambda f: tl(f)[1].update(acks=3), "acks"),
        ("acks-same-dir", lambda f: tl(f)[2].update(acks=0), "acks"),
        ("acks-not-covered", lambda f: tl(f)[5].update(acks=4) or
         tl(f)[5]["tcp"].update(ack=501), "acks"),
        ("event-syn-with-ack", lambda f: tl(f)[1].update(event="syn"), "event"),
        ("event-data-no-payload", lambda f: tl(f)[2].update(event="data"), "event"),
        ("event-fin-no-flag", lambda f: tl(f)[5].update(event="fin"), "event"),
        ("discarded-good-cksum", lambda f: tl(f)[2].update(event="discarded"), "event"),
        ("xmas-not-other", xmas, "event"),
        ("states-jump", lambda f: tl(f)[1]["states"].update(client="TIME-WAIT"), "states"),
        ("states-rst-not-closed", lambda f: tl(f)[5].update(event="rst") or
         tl(f)[5]["tcp"]["flags"].update(rst=True, ack=False), "states"),
        ("states-other-moves", xmas_states, "states"),
        ("states-ack-from-syn-sent", lambda f: tl(f)[2]["states"].update(client="SYN-SENT") or
         tl(f)[1]["states"].update(client="SYN-SENT"), "states"),
        ("states-closed-sends-ack", lambda f:
         [p["states"].update(client="CLOSED") for p in tl(f)[:3]], "states"),
        ("states-closing-acked", lambda f: tl(f)[4]["states"].update(client="CLOSING"),
         "states"),
        ("states-simultaneous-fw2", simultaneous_fw2, "states"),
        ("explanation-peer-closed", lambda f: tl(f)[5].update(
            explanation="the peer is CLOSED once it arrives.") or
         tl(f)[5]["states"].update(server="LAST-ACK"), "explanation"),
        ("states-closing-unseen", lambda f: f["summary"].__len__() and
         f.update(summary=f["summary"] + " Each went through CLOSING."), "summary"),
        ("summary-handshake", lambda f: f["handshake"].update(state="not-seen") or
         [tl(f)[0].update(event="syn")], "summary"),
        ("summary-final-states", lambda f: tl(f)[5]["states"].update(server="LAST-ACK"),
         "summary"),
        ("summary-nobody-listens", lambda f: f.update(
            summary=f["summary"] + " nothing listens on port 9.") or
         tl(f)[5]["states"].update(server="LISTEN"), "summary"),
        ("explanation-isn", lambda f: f["handshake"].update(server={"isn": 499}) or
         tl(f)[2].update(explanation="ack 501 = the server's ISN 500 + 1."), "explanation"),
        ("explanation-states", lambda f: tl(f)[3]["states"].update(server="CLOSE-WAIT"),
         "explanation"),
    ]
    ok = True
    for name, mut, inv in cases:
        ok &= bad(name, mut, inv)
    covered = {inv for _, _, inv in cases}
    for inv in ("handshake", "teardown", "conn_state", "acks", "event", "states", "summary",
                "explanation"):
        if inv not in covered:
            print("self-test: no case for %s" % inv)
            ok = False
    print("self-test %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv):
    if argv[1:2] == ["--self-test"]:
        return self_test()
    if len(argv) < 3:
        print(__doc__)
        return 2
    tcplens = argv[1]
    if len(argv) == 3 and os.path.isdir(argv[2]):
        root = argv[2]
        return run(tcplens, captures(root), root)
    return run(tcplens, argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
