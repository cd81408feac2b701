/*
 * conn.c - the connection classifier (see conn.h and docs/connections.md).
 *
 * Four views of one connection are kept side by side, each updated once per packet:
 *   - Wireshark's sequence analysis and completeness bits (ws_*),
 *   - Zeek's endpoint states and history letters (zeek_*),
 *   - the RFC 9293 state of each endpoint as an observer infers it (st_*),
 *   - the handshake and teardown as they happen, which give each packet its event.
 */
#include <string.h>

#include "conn.h"
#include "flow.h"
#include "perf.h"
#include "tcplens.h"
#include "vocab.h"

/* Names come from the vocabulary (vocab.c): one row per event, state and verdict. */
static const char *vocab_name(enum tl_vocab_kind k, unsigned i, const char *fallback)
{
    size_t n;
    const struct tl_vocab_entry *rows = tl_vocab_rows(k, &n);
    return i < n ? rows[i].name : fallback;
}

const char *tl_event_name(enum tl_event e)
{
    return vocab_name(TL_VOCAB_EVENT, (unsigned)e, "other");
}

const char *tl_state_name(enum tl_state s)
{
    return vocab_name(TL_VOCAB_STATE, (unsigned)s, "CLOSED");
}

static const char *const analysis_names[TL_AF_COUNT] = {
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "lost_segment",
    "ack_lost_segment",
    "duplicate_ack",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
    "window_update",
    "window_full",
    "keep_alive",
    "keep_alive_ack",
    "reused_ports",
};

const char *tl_analysis_name(unsigned bit_index)
{
    return bit_index < TL_AF_COUNT ? analysis_names[bit_index] : NULL;
}

const char *tl_handshake_name(enum tl_handshake h)
{
    return vocab_name(TL_VOCAB_HANDSHAKE, (unsigned)h, "not-seen");
}

const char *tl_teardown_name(enum tl_teardown t)
{
    return vocab_name(TL_VOCAB_TEARDOWN, (unsigned)t, "open");
}

const char *tl_who_name(unsigned who)
{
    switch (who) {
        case TL_WHO_CLIENT:
            return "client";
        case TL_WHO_SERVER:
            return "server";
        case TL_WHO_BOTH:
            return "both";
        default:
            return NULL;
    }
}

const char *tl_completeness_text(unsigned value, char *buf, unsigned size)
{
    static const char letters[6] = { 'R', 'F', 'D', 'A', 'S', 'S' };
    unsigned n = 0;
    if (size < 16) {
        if (size) {
            buf[0] = '\0';
        }
        return buf;
    }
    if (value == 0) {
        memcpy(buf, "[ Null ]", 9);
        return buf;
    }
    for (int bit = 5; bit >= 0; bit--) {
        if (value & (1u << bit)) {
            buf[n++] = letters[5 - bit];
        } else { /* U+00B7 MIDDLE DOT */
            buf[n++] = (char)0xc2;
            buf[n++] = (char)0xb7;
        }
    }
    buf[n] = '\0';
    return buf;
}

static int64_t pkt_ns(const struct tl_packet *p)
{
    return p->ts_sec * 1000000000 + (int64_t)p->ts_nsec;
}

/* ---- Wireshark: tcp.completeness ------------------------------------------------------ */

enum {
    WS_C_SYN = 1,
    WS_C_SYNACK = 2,
    WS_C_ACK = 4,
    WS_C_DATA = 8,
    WS_C_FIN = 16,
    WS_C_RST = 32,
};

/* The bits a packet adds to a conversation that already exists. */
static uint8_t ws_completeness_bits(uint16_t fl, uint32_t len)
{
    uint8_t b = 0;
    if ((fl & (TL_TH_SYN | TL_TH_ACK)) == (TL_TH_SYN | TL_TH_ACK)) {
        b |= WS_C_SYNACK;
    }
    if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_ACK) {
        b |= len > 0 ? WS_C_DATA : WS_C_ACK;
    }
    if ((fl & (TL_TH_FIN | TL_TH_ACK)) == (TL_TH_FIN | TL_TH_ACK)) {
        b |= WS_C_FIN;
    }
    if (fl & TL_TH_RST) {
        b |= WS_C_RST;
    }
    return b;
}

/*
 * packet-tcp.c counts a conversation's first packet only when it is a pure SYN; `tshark -2`
 * then shows, on every packet but the first, the first pass's value plus what the first
 * packet would have added to an existing conversation (its second pass goes through the
 * other branch). That final value is what we report.
 */
static void ws_completeness(struct tl_conn *c, uint16_t fl, uint32_t len, bool first)
{
    if (first) {
        if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN) {
            c->completeness |= WS_C_SYN;
            if (len > 0) {
                c->completeness |= WS_C_DATA;
            }
        }
        c->completeness_first = ws_completeness_bits(fl, len);
        return;
    }
    c->completeness |= ws_completeness_bits(fl, len);
    c->completeness_more = true;
}

unsigned tl_conn_completeness(const struct tl_flow *f)
{
    const struct tl_conn *c = &f->conn;
    return c->completeness | (c->completeness_more ? c->completeness_first : 0);
}

/* ---- Wireshark: sequence analysis ----------------------------------------------------- */

#define WS_UNSET_WINDOW 0xffffffffu

static void ws_dir_init(struct tl_conn_dir *d)
{
    d->window = WS_UNSET_WINDOW;
    d->ws_scale = -1;
}

/*
 * packet-tcp.c tcp_analyze_sequence_number() as tshark 4.0 runs it on its first pass: the
 * checks in its order, on the sending direction (s) and the reverse one (r). As there, 0 in
 * nextseq, maxseqtobeacked and lastack means "not yet known", and lastack is the ack field
 * whatever the ACK flag says.
 */
static uint16_t ws_analyze(struct tl_conn *c, struct tl_conn_dir *s, struct tl_conn_dir *r,
                           const struct tl_tcp *t, uint32_t len, int64_t now)
{
    uint16_t fl = t->flags;
    uint32_t seq = t->seq, ack = t->ack, win = t->window;
    uint16_t af = 0;
    bool sfr = fl & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST);

    /* a SYN repeated with its ISN: the next sequence number falls back to the ISN + 1 */
    if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN && s->ws_base_set && seq == s->ws_base) {
        s->nextseq = s->maxseqtobeacked;
    }
    if ((fl & TL_TH_SYN) && (fl & TL_TH_ACK) && s->ws_base_set && seq != s->ws_base) {
        af |= TL_AF_REUSED_PORTS;
    }
    if (!s->ws_base_set) {
        s->ws_base = (fl & TL_TH_SYN) ? seq : seq - 1;
        s->ws_base_set = true;
    }
    if (!r->ws_base_set && (fl & TL_TH_ACK)) {
        r->ws_base = ack - 1;
        r->ws_base_set = true;
    }

    if (len == 1 && seq == s->nextseq && r->window == 0) {
        af |= TL_AF_ZERO_WINDOW_PROBE;
        goto finished_fwd;
    }
    if (win == 0 && !sfr) {
        af |= TL_AF_ZERO_WINDOW;
    }
    if (s->nextseq && SEQ_GT(seq, s->nextseq) && !(fl & TL_TH_RST)) {
        af |= TL_AF_LOST_SEGMENT;
    }
    if (len <= 1 && !sfr && seq == s->nextseq - 1) {
        af |= TL_AF_KEEP_ALIVE;
    }
    if (len == 0 && win != 0 && win != s->window && seq == s->nextseq && ack == s->lastack &&
        !sfr) {
        af |= TL_AF_WINDOW_UPDATE;
    }
    if (len > 0 && r->ws_scale != -1 && !sfr) {
        int sh = (r->is_first_ack || r->ws_scale == -2) ? 0 : r->ws_scale;
        if (seq + len == r->lastack + (uint32_t)((uint64_t)r->window << sh)) {
            af |= TL_AF_WINDOW_FULL;
        }
    }
    if (len == 0 && win != 0 && win == s->window && seq == s->nextseq && ack == s->lastack &&
        (r->lastsegflags & TL_AF_KEEP_ALIVE) && !sfr) {
        af |= TL_AF_KEEP_ALIVE_ACK;
        goto finished_fwd;
    }
    if (len == 0 && win == 0 && win == s->window && seq == s->nextseq && ack == s->lastack &&
        (r->lastsegflags & TL_AF_ZERO_WINDOW_PROBE) && !sfr) {
        af |= TL_AF_ZERO_WINDOW_PROBE_ACK;
        goto finished_fwd;
    }
    if (len == 0 && win != 0 && win == s->window && seq == s->nextseq && ack == s->lastack &&
        !sfr) {
        s->dupacknum = s->dupacknum == 0xffffffffu ? 1 : s->dupacknum + 1;
        af |= TL_AF_DUPLICATE_ACK;
    }

finished_fwd:
    if (ack != s->lastack) {
        s->dupacknum = 0;
    }
    /* an ACK past what the peer was seen to send contiguously (maxseqtobeacked): flagged on
     * the first ACK that covers the unseen data; the mark then jumps to the peer's highest
     * sequence end. When it already stands there (the hole is still open), the ACK is flagged
     * only if the peer changed its own ack since the last such flag (dupacknum -1 marks it),
     * so an ACK repeated while the other side is quiet or stalled is not flagged again. Both
     * tests are sequence comparisons (tshark 4.0.17 packet-tcp.c, "ACKED LOST PACKET"). */
    if (r->maxseqtobeacked && SEQ_GT(ack, r->maxseqtobeacked) && (fl & TL_TH_ACK)) {
        if (SEQ_LT(r->maxseqtobeacked, r->nextseq)) {
            r->maxseqtobeacked = r->nextseq;
            af |= TL_AF_ACK_LOST_SEGMENT;
        } else {
            if (r->dupacknum == 0) {
                af |= TL_AF_ACK_LOST_SEGMENT;
            }
            r->dupacknum = 0xffffffffu;
        }
    }
    if ((len > 0 || (fl & (TL_TH_SYN | TL_TH_FIN))) && !(af & TL_AF_KEEP_ALIVE)) {
        bool not_adv = s->nextseq && SEQ_LT(seq, s->nextseq);
        if (len > 1 && seq == s->nextseq - 1) {
            not_adv = false;
        }
        uint32_t seg_end = seq + len + ((fl & (TL_TH_SYN | TL_TH_FIN)) ? 1 : 0);
        int64_t ooo_thres = c->irtt_ns > 0 ? c->irtt_ns : 3000000;
        int64_t since_ack = now - r->lastack_ns, since_seg = now - s->nextseq_ns;
        if (len > 0 && r->lastack && SEQ_LEQ(seq + len, r->lastack)) {
            af |= TL_AF_SPURIOUS_RETRANSMISSION | TL_AF_RETRANSMISSION;
        } else if (not_adv && r->dupacknum >= 2 && r->lastack == seq && since_ack >= 0 &&
                   since_ack < 20000000) {
            af |= TL_AF_FAST_RETRANSMISSION | TL_AF_RETRANSMISSION;
        } else if (not_adv && since_seg >= 0 && since_seg < ooo_thres && s->nextseq != seg_end) {
            af |= TL_AF_OUT_OF_ORDER;
        } else if (not_adv) {
            af |= TL_AF_RETRANSMISSION;
        }
    }

    /* the state, as packet-tcp.c updates it */
    uint32_t nextseq = seq + len + ((fl & (TL_TH_SYN | TL_TH_FIN)) ? 1 : 0);
    bool zwp = af & TL_AF_ZERO_WINDOW_PROBE;
    if ((SEQ_GT(nextseq, s->nextseq) || s->nextseq == 0) && !zwp) {
        s->nextseq = nextseq;
        s->nextseq_ns = now;
    }
    if ((seq == s->maxseqtobeacked || s->maxseqtobeacked == 0) && !zwp) {
        s->maxseqtobeacked = s->nextseq;
    }
    s->window = win;
    s->lastack = ack;
    s->lastack_ns = now;
    s->lastsegflags = af;
    /* window scaling as packet-tcp.c tracks it (for window_full) */
    if (t->wscale >= 0) {
        s->ws_scale = (int8_t)(t->wscale > 14 ? 14 : t->wscale);
    }
    if (fl & TL_TH_SYN) {
        if (t->wscale < 0) {
            s->ws_scale = r->ws_scale = -2;
        } else if ((fl & TL_TH_ACK) && r->ws_scale == -2) {
            s->ws_scale = -2;
        }
        s->is_first_ack = true;
    } else if (fl & TL_TH_ACK) {
        s->is_first_ack = false;
    }
    /* the initial RTT: from the latest pure SYN to the first ACK without SYN */
    if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN) {
        c->mru_syn_ns = now;
    } else if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_ACK && c->mru_syn_ns && !c->irtt_ns) {
        c->irtt_ns = now - c->mru_syn_ns;
    }
    return af;
}

/* ---- RFC 9293 states, as an observer infers them --------------------------------------- */

/*
 * The sender's state changes with what it sends, and with what its packet shows it has
 * received (its ack covers the peer's SYN or FIN). The receiver's state changes on receipt
 * only for acknowledgements of its own SYN or FIN, and for RST: a SYN or FIN is known to
 * have arrived only once the receiver answers it.
 */
static void st_packet(struct tl_conn *c, int dir, const struct tl_tcp *t, bool new_fin)
{
    struct tl_conn_dir *s = &c->d[dir], *r = &c->d[!dir];
    uint16_t fl = t->flags;
    bool ack = fl & TL_TH_ACK;

    if (fl & TL_TH_RST) {
        s->state = TL_ST_CLOSED;
        if (r->state != TL_ST_LISTEN) {
            r->state = TL_ST_CLOSED;
        }
        return;
    }
    /* the sender: what its ack shows it received */
    if (ack && (fl & TL_TH_SYN)) {
        if (s->state == TL_ST_CLOSED || s->state == TL_ST_LISTEN || s->state == TL_ST_SYN_SENT) {
            s->state = TL_ST_SYN_RECEIVED;
        }
    } else if (ack && r->sent_syn && SEQ_GT(t->ack, r->syn_seq) && s->state == TL_ST_SYN_SENT) {
        s->state = TL_ST_ESTABLISHED;
    } else if (ack &&
               ((s->state == TL_ST_SYN_SENT && !r->sent_syn && !r->sent_synack && t->ack != 0) ||
                (s->state == TL_ST_LISTEN && !s->sent_synack) ||
                (s->state == TL_ST_CLOSED && !c->rst_who && !s->sent_fin))) {
        /* CLOSED, LISTEN and SYN-SENT send no ACK: the SYN-ACK went by uncaptured (what makes
         * the handshake `complete` without it), or the SYN was no SYN (an impossible flag mix),
         * and this end is synchronized */
        s->state = TL_ST_ESTABLISHED;
    }
    /* a FIN is not processed in LISTEN or SYN-SENT (RFC 9293 §3.10.7): a SYN-ACK's ack
     * answers the SYN only */
    if (ack && !(fl & TL_TH_SYN) && r->sent_fin && SEQ_GEQ(t->ack, r->fin_end)) {
        switch (s->state) {
            case TL_ST_ESTABLISHED:
            case TL_ST_SYN_RECEIVED:
                s->state = TL_ST_CLOSE_WAIT;
                break;
            case TL_ST_FIN_WAIT_1:
                s->state = s->fin_acked ? TL_ST_TIME_WAIT : TL_ST_CLOSING;
                if (s->state == TL_ST_CLOSING) {
                    s->closing = 1;
                }
                break;
            case TL_ST_FIN_WAIT_2:
                s->state = TL_ST_TIME_WAIT;
                break;
            default:
                break;
        }
    }
    /* the sender: what it sends */
    if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN &&
        (s->state == TL_ST_CLOSED || s->state == TL_ST_LISTEN)) {
        s->state = TL_ST_SYN_SENT;
    }
    if (new_fin) {
        switch (s->state) {
            case TL_ST_ESTABLISHED:
            case TL_ST_SYN_RECEIVED:
            case TL_ST_SYN_SENT:
                s->state = TL_ST_FIN_WAIT_1;
                break;
            case TL_ST_CLOSE_WAIT:
                s->state = TL_ST_LAST_ACK;
                break;
            default:
                break;
        }
    }
    /* the receiver: acknowledgements of its own SYN and FIN */
    if (!ack) {
        return;
    }
    if ((r->sent_syn || r->sent_synack) && SEQ_GT(t->ack, r->syn_seq)) {
        if (r->state == TL_ST_SYN_RECEIVED || (r->state == TL_ST_SYN_SENT && (fl & TL_TH_SYN))) {
            r->state = TL_ST_ESTABLISHED;
        }
    } else if (r->state == TL_ST_SYN_SENT && (fl & TL_TH_SYN) && !r->sent_syn) {
        r->state = TL_ST_ESTABLISHED; /* a SYN-ACK to a SYN the capture missed */
    } else if (r->state == TL_ST_LISTEN && s->sent_syn && !(fl & TL_TH_SYN) && !r->sent_synack &&
               t->ack != 0) {
        r->state = TL_ST_ESTABLISHED; /* the client's ACK of a SYN-ACK the capture missed */
    }
    if (r->sent_fin && !(fl & TL_TH_SYN) && SEQ_GEQ(t->ack, r->fin_end)) {
        r->fin_acked = true;
        switch (r->state) {
            case TL_ST_FIN_WAIT_1:
                /* The sender's own FIN went out before this ACK (a simultaneous close): in
                 * order, it reached the receiver first, so the receiver had the peer's FIN
                 * before its own was acknowledged: CLOSING, and now TIME-WAIT (RFC 9293
                 * §3.6, Figure 13). Otherwise its FIN is acknowledged first: FIN-WAIT-2. */
                if (s->sent_fin && !new_fin) {
                    r->state = TL_ST_TIME_WAIT;
                    r->closing = 2;
                } else {
                    r->state = TL_ST_FIN_WAIT_2;
                }
                break;
            case TL_ST_CLOSING:
                r->state = TL_ST_TIME_WAIT;
                break;
            case TL_ST_LAST_ACK:
                r->state = TL_ST_CLOSED;
                break;
            default:
                break;
        }
    }
}

/* ---- the main entry --------------------------------------------------------------------- */

static void zeek_packet(struct tl_conn *c, int dir, const struct tl_packet *p, bool first,
                        bool discard);

static unsigned who(int dir)
{
    return dir == TL_C2S ? TL_WHO_CLIENT : TL_WHO_SERVER;
}

static void conn_deliver(struct tl_flow *f, int dir, const struct tl_packet *p, bool first,
                         uint16_t af, struct tl_conn_pkt *out);

void tl_conn_packet(struct tl_flow *f, int dir, const struct tl_packet *p, bool first,
                    bool delivered, struct tl_conn_pkt *out)
{
    struct tl_conn *c = &f->conn;
    const struct tl_tcp *t = &p->tcp;
    struct tl_conn_dir *s = &c->d[dir], *r = &c->d[!dir];
    uint16_t fl = t->flags;
    uint32_t len = t->payload_length;
    int64_t now = pkt_ns(p);

    if (first) {
        c->first_ns = now;
        ws_dir_init(&c->d[0]);
        ws_dir_init(&c->d[1]);
        if (f->orientation == TL_ORIENT_GUESSED) {
            c->d[0].state = c->d[1].state = TL_ST_ESTABLISHED;
        } else {
            c->d[0].state = f->orientation == TL_ORIENT_SYN ? TL_ST_CLOSED : TL_ST_SYN_SENT;
            c->d[1].state = TL_ST_LISTEN;
        }
    }
    ws_completeness(c, fl, len, first);
    /* fragments: the segment's length is unknown, Wireshark leaves them out of the analysis */
    uint16_t af = 0;
    bool fragment = false;
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        fragment |=
            p->anomalies[i] == TL_AN_IPV4_FRAGMENT || p->anomalies[i] == TL_AN_IPV6_FRAGMENT;
    }
    uint32_t seglen = 0;
    if (!fragment) {
        /* an IP length past the frame's end: Wireshark counts the bytes on the wire */
        uint64_t hdr_end = (uint64_t)t->offset + t->header_length;
        uint32_t on_wire = p->l3_wirelen > hdr_end ? (uint32_t)(p->l3_wirelen - hdr_end) : 0;
        seglen = len < on_wire ? len : on_wire;
        af = ws_analyze(c, s, r, t, seglen, now);
    }
    /* the performance figures (perf.c), from the same flags, delivered or not */
    int64_t rtt = tl_perf_packet(&c->perf, dir, t, seglen, !fragment, af, now);
    out->ack_rtt_us = rtt < 0 ? -1 : rtt / 1000 > INT32_MAX ? INT32_MAX : (int32_t)(rtt / 1000);
    if (t->checksum_status != TL_CKSUM_UNVERIFIED) {
        s->cksum_checked++;
        s->cksum_bad += t->checksum_status == TL_CKSUM_INCORRECT;
        s->cksum_offloaded += t->checksum_status == TL_CKSUM_OFFLOADED;
    }
    if (!delivered) { /* its receiver dropped it: Zeek's C, nothing else changes */
        if (t->checksum_status == TL_CKSUM_INCORRECT || t->checksum_status == TL_CKSUM_OFFLOADED) {
            zeek_packet(c, dir, p, first, true);
        } /* else a bad IP header checksum: Zeek drops it before any connection sees it */
        s->discarded++;
        out->event = TL_EV_DISCARDED;
        out->state[0] = c->d[0].state;
        out->state[1] = c->d[1].state;
        out->analysis = af;
        return;
    }
    conn_deliver(f, dir, p, first, af, out);
}

/* What a delivered packet does: Zeek's view, the event, the handshake, teardown and states. */
static void conn_deliver(struct tl_flow *f, int dir, const struct tl_packet *p, bool first,
                         uint16_t af, struct tl_conn_pkt *out)
{
    struct tl_conn *c = &f->conn;
    const struct tl_tcp *t = &p->tcp;
    struct tl_conn_dir *s = &c->d[dir], *r = &c->d[!dir];
    uint16_t fl = t->flags;
    uint32_t len = t->payload_length;
    bool syn = fl & TL_TH_SYN, ack = fl & TL_TH_ACK, fin = fl & TL_TH_FIN, rst = fl & TL_TH_RST;
    int64_t now = pkt_ns(p);

    zeek_packet(c, dir, p, first, false);

    /* the event, from what was known before this packet */
    enum tl_event ev;
    uint32_t fin_end = t->seq + len + 1;
    bool peer_fin_acked_now =
        ack && r->sent_fin && SEQ_GEQ(t->ack, r->fin_end) && !s->acked_peer_fin;
    if ((syn && (fin || rst)) || (fin && rst) ||
        !(fl & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST | TL_TH_ACK))) {
        ev = TL_EV_OTHER;
    } else if (rst) {
        ev = TL_EV_RST;
    } else if (syn && !ack) {
        ev = s->syns > 0 && s->syn_seq == t->seq ? TL_EV_SYN_RETX : TL_EV_SYN;
    } else if (syn) {
        ev = s->sent_synack && s->syn_seq == t->seq ? TL_EV_SYN_ACK_RETX : TL_EV_SYN_ACK;
    } else if (fin) {
        if (s->sent_fin && s->fin_end == fin_end) {
            ev = TL_EV_RETX;
        } else if (peer_fin_acked_now) {
            ev = TL_EV_FIN_ACK_PIGGY;
        } else {
            ev = TL_EV_FIN;
        }
    } else if (dir == TL_C2S && ack && r->sent_synack && !c->hs_ack_seen &&
               SEQ_GT(t->ack, r->syn_seq)) {
        ev = TL_EV_HANDSHAKE_ACK;
    } else if (af &
               (TL_AF_RETRANSMISSION | TL_AF_FAST_RETRANSMISSION | TL_AF_SPURIOUS_RETRANSMISSION)) {
        ev = TL_EV_RETX;
    } else if (af & TL_AF_OUT_OF_ORDER) {
        ev = TL_EV_OUT_OF_ORDER;
    } else if ((af & TL_AF_ZERO_WINDOW_PROBE) || ((af & TL_AF_KEEP_ALIVE) && r->window == 0)) {
        /* the persist timer's probe (RFC 9293 §3.8.6.1): a 1-byte one past a closed window, or
         * Linux's, which has the keep-alive's shape (seq = next - 1, no data) */
        ev = TL_EV_ZERO_WINDOW_PROBE;
    } else if (af & TL_AF_KEEP_ALIVE) {
        ev = TL_EV_KEEP_ALIVE;
    } else if (af & TL_AF_ZERO_WINDOW) {
        ev = TL_EV_ZERO_WINDOW;
    } else if (af & TL_AF_DUPLICATE_ACK) {
        ev = TL_EV_DUP_ACK;
    } else if (af & TL_AF_WINDOW_UPDATE) {
        ev = TL_EV_WINDOW_UPDATE;
    } else if (len > 0) {
        ev = TL_EV_DATA;
    } else if (peer_fin_acked_now) {
        ev = TL_EV_CLOSE_ACK;
    } else {
        ev = TL_EV_ACK;
    }

    /* counts for the summary */
    switch (ev) {
        case TL_EV_RETX:
            s->retransmissions++;
            break;
        case TL_EV_OUT_OF_ORDER:
            s->out_of_order++;
            break;
        case TL_EV_DUP_ACK:
            s->dup_acks++;
            break;
        case TL_EV_ZERO_WINDOW:
            s->zero_windows++;
            break;
        case TL_EV_KEEP_ALIVE:
            s->keep_alives++;
            break;
        case TL_EV_ZERO_WINDOW_PROBE:
            s->zero_window_probes++;
            break;
        default:
            break;
    }

    /* the handshake */
    bool new_fin = false;
    /* an impossible flag mix with SYN and no ACK (a 'christmas tree' SYN) still counts as the
     * client's connection attempt for the handshake (the corpus's incomplete_syn_only), but
     * no endpoint's state changes on it (below) */
    bool odd = ev == TL_EV_OTHER;
    if (syn && !ack) {
        if (s->syns < TL_SYN_TIMES_MAX) {
            s->syn_us[s->syns] = (uint32_t)((now - c->first_ns) / 1000);
        }
        if (s->syns < 255) {
            s->syns++;
        }
        s->sent_syn = true;
        s->syn_seq = t->seq;
        s->last_syn_ns = now;
    } else if (syn && ack && !rst && !fin) {
        if (!s->sent_synack) {
            s->sent_synack = true;
            if (!c->synack_ns) {
                c->synack_ns = now;
                c->syn_ns = r->syns ? r->last_syn_ns : 0;
            }
        }
        s->syn_seq = t->seq;
        if (s->synacks < 255) {
            s->synacks++;
        }
    }
    /* the third ACK: the client's first segment after the SYN-ACK whose ack covers the
     * server's SYN, whatever rides on it (the handshake-ack event, or a FIN when the capture
     * kept only SYN/FIN/RST segments); a RST is no ACK of it */
    if (dir == TL_C2S && ack && !syn && !rst && r->sent_synack && !c->hs_ack_seen &&
        SEQ_GT(t->ack, r->syn_seq)) {
        c->hs_ack_seen = true;
        c->hsack_ns = now;
    }
    /* the client got an answer to its SYN, captured or not: a client in SYN-SENT sends no
     * ACK, and an ack of 0 acknowledges nothing (a TFO SYN's FIN with ack 0 proves nothing) */
    if (dir == TL_C2S && ack && !syn && !rst && s->sent_syn && SEQ_GT(t->seq, s->syn_seq) &&
        t->ack != 0) {
        c->client_acked = true;
    }
    if (rst && !syn && !fin) {
        if (!c->rst_who) {
            c->first_rst_who = (uint8_t)who(dir);
            if (dir == TL_S2C && c->d[0].sent_syn && !s->sent_synack && !r->sent_synack) {
                c->rejected = true;
            }
        }
        c->rst_who |= (uint8_t)who(dir);
        s->sent_rst = true;
    }
    /* the teardown */
    if (fin && !syn && !rst && !s->sent_fin) {
        new_fin = true;
        s->sent_fin = true;
        s->fin_end = fin_end;
        if (!c->first_fin_who) {
            c->first_fin_who = (uint8_t)who(dir);
        } else if (r->sent_fin) {
            c->second_fin = true;
            if (!ack || !SEQ_GEQ(t->ack, r->fin_end)) {
                c->fin_kind = TL_TD_SIMULTANEOUS;
            } else {
                c->fin_kind = s->acked_peer_fin ? TL_TD_FOUR_WAY : TL_TD_THREE_SEGMENT;
            }
        }
    }
    if (peer_fin_acked_now && !syn) { /* a SYN-ACK's ack answers the SYN only */
        s->acked_peer_fin = true;
    }
    if (!odd) { /* what a stack does with an impossible flag mix, the wire does not show */
        st_packet(c, dir, t, new_fin);
    }

    out->event = (uint8_t)ev;
    out->state[0] = c->d[0].state;
    out->state[1] = c->d[1].state;
    out->analysis = af;
}

enum tl_handshake tl_conn_handshake(const struct tl_flow *f)
{
    const struct tl_conn *c = &f->conn;
    const struct tl_conn_dir *cl = &c->d[0], *sv = &c->d[1];
    if (!cl->sent_syn) {
        return TL_HS_NOT_SEEN;
    }
    if (sv->syns > 0) {
        return TL_HS_SIMULTANEOUS_OPEN;
    }
    if (sv->sent_synack) {
        return c->hs_ack_seen ? TL_HS_COMPLETE : TL_HS_NO_FINAL_ACK;
    }
    if (c->rejected) {
        return TL_HS_REJECTED;
    }
    if (c->client_acked) { /* the SYN-ACK went by without being captured */
        return TL_HS_COMPLETE;
    }
    if (f->side[1].packets == 0) {
        return TL_HS_NO_REPLY;
    }
    return TL_HS_NOT_SEEN;
}

enum tl_teardown tl_conn_teardown(const struct tl_flow *f, unsigned *initiator, unsigned *reset_by)
{
    const struct tl_conn *c = &f->conn;
    *reset_by = c->rst_who;
    if (c->rst_who) {
        *initiator = c->first_fin_who ? c->first_fin_who : c->first_rst_who;
        return TL_TD_RESET;
    }
    if (c->second_fin) {
        *initiator = c->fin_kind == TL_TD_SIMULTANEOUS ? TL_WHO_BOTH : c->first_fin_who;
        return (enum tl_teardown)c->fin_kind;
    }
    if (c->first_fin_who) {
        *initiator = c->first_fin_who;
        return TL_TD_HALF_CLOSED;
    }
    *initiator = 0;
    return TL_TD_OPEN;
}

/* ---- Zeek ------------------------------------------------------------------------------- */

/*
 * Zeek's TCP analysis (TCPSessionAdapter.cc, TCP_Endpoint.cc, base/protocols/conn/main.zeek):
 * each endpoint's state, the history letters (upper case for the originator), and at the
 * end conn_state. Zeek's originator is the sender of the first packet unless Zeek flips the
 * roles: at creation when a connection starts without a pure SYN from a likely server
 * port, or (Zeek >= 5.1) when a connection that began with a SYN-ACK goes on with an ACK or
 * data. Zeek splits connections where we do not (a SYN with a new ISN, attempts older than
 * 5 s); here its rules run over our flow as one connection.
 */
enum {
    ZS_INACTIVE = 0,
    ZS_SYN_SENT,
    ZS_SYN_ACK_SENT,
    ZS_PARTIAL,
    ZS_ESTABLISHED,
    ZS_CLOSED,
    ZS_RESET,
};

/* The ports of Zeek's default analyzers (likely_server_ports with the default scripts). */
static bool zeek_likely_server_port(uint16_t port)
{
    static const uint16_t ports[] = {
        21,   22,   23,   25,   53,   80,   81,   88,   110,  111,  135,   137,   139,  143,
        179,  389,  443,  445,  465,  502,  563,  585,  587,  614,  636,   989,   990,  992,
        993,  994,  995,  1080, 1194, 1433, 1521, 1723, 1812, 1813, 2049,  2123,  2152, 2404,
        3128, 3306, 3389, 4443, 5060, 5061, 5222, 5223, 5269, 5432, 5672,  5900,  6379, 6666,
        6667, 6668, 6669, 7000, 8000, 8080, 8081, 8443, 8888, 9200, 20000, 47808,
    };
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        if (ports[i] == port) {
            return true;
        }
    }
    return false;
}

static void zeek_add(struct tl_conn *c, char letter)
{
    if (c->history_len < TL_HISTORY_MAX) {
        c->history[c->history_len++] = letter;
        c->history[c->history_len] = '\0';
    }
}

static char zeek_case(bool orig, char upper)
{
    return orig ? upper : (char)(upper - 'A' + 'a');
}

/* Once per direction: bit per letter in the endpoint's mask. */
static void zeek_once(struct tl_conn *c, struct tl_conn_dir *e, bool orig, char upper, unsigned bit)
{
    if (!(e->zeek_letters & (1u << bit))) {
        e->zeek_letters |= (uint16_t)(1u << bit);
        zeek_add(c, zeek_case(orig, upper));
    }
}

/* Logarithmic letters: at the 1st, 10th, 100th... event (Session::ScaledHistoryEntry). */
static void zeek_scaled(struct tl_conn *c, bool orig, char upper, uint32_t *count)
{
    if (*count == UINT32_MAX) {
        return;
    }
    uint32_t n = ++*count;
    while (n % 10 == 0) {
        n /= 10;
    }
    if (n == 1) {
        zeek_add(c, zeek_case(orig, upper));
    }
}

enum { ZL_SYN = 0, ZL_FIN, ZL_RST, ZL_D, ZL_A, ZL_I, ZL_Q };

static void zeek_flip(struct tl_conn *c)
{
    c->zeek_orig = !c->zeek_orig;
    zeek_add(c, '^');
}

static void zeek_packet(struct tl_conn *c, int dir, const struct tl_packet *p, bool first,
                        bool discard)
{
    const struct tl_tcp *t = &p->tcp;
    uint16_t fl = t->flags;
    uint32_t len = t->payload_length;
    bool syn = fl & TL_TH_SYN, fin = fl & TL_TH_FIN, rst = fl & TL_TH_RST, ack = fl & TL_TH_ACK;

    if (first) {
        c->zeek_orig = (uint8_t)dir;
        if (!(syn && !ack) && zeek_likely_server_port(t->src_port)) {
            bool flip = true;
            if (zeek_likely_server_port(t->dst_port)) {
                flip = !syn && t->src_port < t->dst_port;
            }
            if (flip) {
                zeek_flip(c);
            }
        }
        c->zeek_synack_first = syn && ack && c->zeek_orig == dir;
    } else if (discard) {
        /* skipped before any analysis: no flip */
    } else if (c->zeek_synack_first && !syn && !rst && (ack || len > 0)) {
        /* Zeek >= 5.1: a connection that began with a SYN-ACK is flipped; "H^" reads "^h" */
        c->zeek_synack_first = false;
        c->zeek_orig = !c->zeek_orig;
        if (c->history_len >= 1 && c->history[0] == 'H') {
            memmove(c->history + 1, c->history, c->history_len);
            c->history[0] = '^';
            c->history[1] = 'h';
            c->history_len++;
            c->history[c->history_len] = '\0';
        } else {
            zeek_add(c, '^');
        }
        /* the SYN-ACK's sender is now the responder, established */
        struct tl_conn_dir *sa = &c->d[!c->zeek_orig];
        sa->zeek_prev = sa->zeek_state;
        sa->zeek_state = ZS_ESTABLISHED;
    } else {
        c->zeek_synack_first = false;
    }

    bool orig = c->zeek_orig == dir;
    struct tl_conn_dir *e = &c->d[dir], *pe = &c->d[!dir];

    if (discard) { /* a bad checksum: counted, otherwise ignored (TCP.cc) */
        zeek_scaled(c, orig, 'C', &e->zeek_c);
        return;
    }
    uint8_t e_pre = e->zeek_state, p_pre = pe->zeek_state;

    /* the letter */
    unsigned n = (unsigned)syn + fin + rst;
    if (n >= 2) {
        if (fin && rst) {
            zeek_once(c, e, orig, 'I', ZL_I);
        } else {
            zeek_once(c, e, orig, 'Q', ZL_Q);
        }
    } else if (syn) {
        if (!(e->zeek_letters & (1u << ZL_SYN)) || t->seq != e->zeek_syn_seq) {
            e->zeek_letters |= 1u << ZL_SYN;
            zeek_add(c, zeek_case(orig, ack ? 'H' : 'S'));
        }
        e->zeek_syn_seq = t->seq;
    } else if (fin) {
        uint32_t pos = t->seq + len;
        if (!(e->zeek_letters & (1u << ZL_FIN)) || pos != e->zeek_fin_pos) {
            e->zeek_letters |= 1u << ZL_FIN;
            zeek_add(c, zeek_case(orig, 'F'));
        }
        e->zeek_fin_pos = pos;
    } else if (rst) {
        if (!(e->zeek_letters & (1u << ZL_RST)) || t->seq != e->zeek_rst_seq) {
            e->zeek_letters |= 1u << ZL_RST;
            zeek_add(c, zeek_case(orig, 'R'));
        }
        e->zeek_rst_seq = t->seq;
    } else if (len > 0) {
        zeek_once(c, e, orig, 'D', ZL_D);
    } else if (ack) {
        zeek_once(c, e, orig, 'A', ZL_A);
    }
    /* W: a zero window, not on RST, not once the peer closed or this side reset */
    if (t->window == 0 && !rst && p_pre != ZS_CLOSED && e_pre != ZS_RESET) {
        zeek_scaled(c, orig, 'W', &e->zeek_w);
    }
    /* T: payload that does not reach past the highest sequence end seen */
    uint32_t one_past = t->seq + (rst ? 0 : len) + (syn ? 1 : 0) + (fin ? 1 : 0);
    /* payload cut by the snapshot length never reaches Zeek's reassembler: for G it is missing */
    bool whole = rst || (uint64_t)p->l3_caplen >= (uint64_t)t->offset + t->header_length + len;
    if (whole && (!e->zeek_seq_init || (int32_t)(one_past - e->zeek_have_seq) > 0)) {
        e->zeek_have_seq = one_past;
    } else if (!e->zeek_seq_init) {
        e->zeek_have_seq = t->seq + (syn ? 1 : 0);
    }
    if (!e->zeek_seq_init) {
        e->zeek_seq_init = true;
        e->zeek_last_seq = one_past;
        e->zeek_gap_acked = e->zeek_have_seq; /* in sequence space: 0 is no "unset" */
    } else if (e_pre != ZS_RESET) {
        if ((int32_t)(one_past - e->zeek_last_seq) > 0) {
            e->zeek_last_seq = one_past;
        } else if (len > 0) {
            zeek_scaled(c, orig, 'T', &e->zeek_t);
        }
    }

    /* the state machine (UpdateStateMachine) */
    uint8_t st = e->zeek_state;
    switch (e_pre) {
        case ZS_INACTIVE:
            if (syn) {
                if (orig) {
                    st = ack ? ZS_SYN_ACK_SENT : ZS_SYN_SENT;
                } else {
                    if (pe->zeek_state == ZS_SYN_SENT) {
                        pe->zeek_prev = pe->zeek_state;
                        pe->zeek_state = ZS_ESTABLISHED;
                    }
                    st = ZS_ESTABLISHED;
                }
            }
            if (fin) {
                st = ZS_CLOSED;
            }
            if (rst) {
                st = ZS_RESET;
            }
            if (!syn && !fin && !rst) {
                const struct tl_conn_dir *zo = &c->d[c->zeek_orig];
                if (!orig && len == 0 && zo->zeek_state == ZS_SYN_SENT) {
                    /* an ACK before the SYN-ACK */
                } else if (ack && pe->zeek_state == ZS_ESTABLISHED) {
                    st = ZS_ESTABLISHED;
                } else {
                    st = ZS_PARTIAL;
                }
            }
            break;
        case ZS_SYN_SENT:
        case ZS_SYN_ACK_SENT:
            if (fin) {
                st = ZS_CLOSED;
            }
            if (rst) {
                st = ZS_RESET;
            }
            break;
        case ZS_ESTABLISHED:
        case ZS_PARTIAL:
            if (syn && e_pre == ZS_PARTIAL && pe->zeek_state == ZS_INACTIVE && !ack) {
                st = ZS_SYN_SENT;
            }
            if (fin && !rst) {
                st = ZS_CLOSED;
                if (pe->zeek_state == ZS_RESET && pe->zeek_prev == ZS_CLOSED) {
                    pe->zeek_state = ZS_CLOSED;
                }
            }
            if (rst) {
                st = ZS_RESET;
            }
            break;
        case ZS_CLOSED:
            if (rst && pe->zeek_state != ZS_CLOSED) {
                st = ZS_RESET;
            }
            break;
        default: /* RESET is final */
            break;
    }
    if (st != e->zeek_state) {
        e->zeek_prev = e->zeek_state;
        e->zeek_state = st;
    }
    /* G: the ACK covers data of the peer that never went by (both sides established) */
    bool e_est = e->zeek_state == ZS_ESTABLISHED ||
                 (e->zeek_state == ZS_CLOSED && e->zeek_prev == ZS_ESTABLISHED);
    bool p_est = pe->zeek_state == ZS_ESTABLISHED ||
                 (pe->zeek_state == ZS_CLOSED && pe->zeek_prev == ZS_ESTABLISHED);
    if (ack && !rst && e_est && p_est && pe->zeek_seq_init) {
        uint32_t upto = t->ack - ((pe->zeek_letters & (1u << ZL_FIN)) ? 1 : 0);
        uint32_t have = pe->zeek_have_seq - ((pe->zeek_letters & (1u << ZL_FIN)) ? 1 : 0);
        if ((int32_t)(upto - have) > 0 && (int32_t)(upto - pe->zeek_gap_acked) > 0) {
            pe->zeek_gap_acked = upto;
            zeek_scaled(c, !orig, 'G', &pe->zeek_g);
        }
    }
}

static bool zeek_rstos0(const char *h)
{
    if (*h == '^') {
        h++;
    }
    if (*h++ != 'S') {
        return false;
    }
    for (; *h; h++) {
        if (*h == 'R') {
            return true;
        }
        if (strchr("HAFGIQ", *h)) {
            return false;
        }
    }
    return false;
}

const char *tl_conn_zeek_state(const struct tl_flow *f)
{
    const struct tl_conn *c = &f->conn;
    const struct tl_conn_dir *o = &c->d[c->zeek_orig], *r = &c->d[!c->zeek_orig];
    uint8_t os = o->zeek_state, rs = r->zeek_state;
    bool o_inact = os == ZS_INACTIVE || os == ZS_PARTIAL;
    bool r_inact = rs == ZS_INACTIVE || rs == ZS_PARTIAL;
    uint64_t osize = f->side[c->zeek_orig].bytes, rsize = f->side[!c->zeek_orig].bytes;

    if (rs == ZS_RESET) {
        if (os == ZS_SYN_SENT || os == ZS_SYN_ACK_SENT ||
            (os == ZS_RESET && osize == 0 && rsize == 0)) {
            return "REJ";
        }
        return o_inact ? "RSTRH" : "RSTR";
    }
    if (os == ZS_RESET) {
        if (r_inact) {
            return zeek_rstos0(c->history) ? "RSTOS0" : "OTH";
        }
        return "RSTO";
    }
    if (os == ZS_CLOSED && rs == ZS_CLOSED) {
        return "SF";
    }
    if (os == ZS_CLOSED) {
        return r_inact ? "SH" : "S2";
    }
    if (rs == ZS_CLOSED) {
        return o_inact ? "SHR" : "S3";
    }
    if (os == ZS_SYN_SENT && rs == ZS_INACTIVE) {
        return "S0";
    }
    if (os == ZS_ESTABLISHED && rs == ZS_ESTABLISHED) {
        return "S1";
    }
    return "OTH";
}

const char *tl_conn_history(const struct tl_flow *f)
{
    return f->conn.history;
}

void tl_conn_handshake_rtt(const struct tl_flow *f, int64_t *syn_to_synack_us,
                           int64_t *synack_to_ack_us, int64_t *total_us)
{
    const struct tl_conn *c = &f->conn;
    int64_t a = c->syn_ns && c->synack_ns ? (c->synack_ns - c->syn_ns) / 1000 : -1;
    int64_t b = c->synack_ns && c->hsack_ns ? (c->hsack_ns - c->synack_ns) / 1000 : -1;
    if (tl_conn_handshake(f) == TL_HS_SIMULTANEOUS_OPEN) {
        a = b = -1;
    }
    *syn_to_synack_us = a;
    *synack_to_ack_us = b;
    *total_us = a >= 0 && b >= 0 ? a + b : -1;
}
