/*
 * explain.c - per-packet explanations and per-connection summaries (see explain.h). Every
 * sentence is built from the packet's own numbers; where a number follows from another
 * ("ack = ISN + 1") the arithmetic is spelled out. The words are messages (messages.h): this
 * file chooses which message to say and with which numbers, never which language.
 */
#include <string.h>

#include "explain.h"
#include "messages.h"

void tl_duration(struct tl_buf *b, int64_t us)
{
    if (us < 0) {
        tl_buf_putc(b, '-');
        us = -us;
    }
    if (us < 1000) {
        tl_buf_printf(b, "%lld µs", (long long)us);
    } else if (us < 1000000) {
        tl_buf_printf(b, "%lld.%03lld ms", (long long)(us / 1000), (long long)(us % 1000));
    } else if (us < 60000000) {
        tl_buf_printf(b, "%.2f s", (double)us / 1e6);
    } else {
        tl_buf_printf(b, "%lld min %lld s", (long long)(us / 60000000),
                      (long long)(us / 1000000 % 60));
    }
}

/* "the client" / "the server", as an argument to a message. */
static const char *who(enum tl_lang l, int dir)
{
    return tl_msg_text(l, dir == TL_C2S ? TL_MSG_WHO_CLIENT : TL_MSG_WHO_SERVER);
}

/* The same at the start of a sentence. */
static const char *Who(enum tl_lang l, int dir)
{
    return tl_msg_text(l, dir == TL_C2S ? TL_MSG_WHO_CLIENT_START : TL_MSG_WHO_SERVER_START);
}

/* The plural ending of a count's word ("1 byte", "2 bytes"), for a message's argument. */
static const char *pl(enum tl_lang l, unsigned long long n)
{
    return tl_msg_text(l, n == 1 ? TL_MSG_PL_ONE : TL_MSG_PL_OTHER);
}

/* A phrase written on the stack, to be passed to a message as an argument. */
struct phrase {
    struct tl_buf b;
    char mem[512];
};

static struct tl_buf *phrase(struct phrase *p)
{
    tl_buf_init_fixed(&p->b, p->mem, sizeof p->mem);
    return &p->b;
}

static const char *text(struct phrase *p)
{
    return tl_buf_cstr(&p->b);
}

static const char *duration(struct phrase *p, int64_t us)
{
    tl_duration(phrase(p), us);
    return text(p);
}

/* Words joined as a list: "a, b and c". */
static void join(struct tl_buf *b, enum tl_lang l, const char *const *parts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (i > 0) {
            tl_buf_puts(b, tl_msg_text(l, i + 1 == n ? TL_MSG_LIST_AND : TL_MSG_LIST_COMMA));
        }
        tl_buf_puts(b, parts[i]);
    }
}

void tl_story_init(struct tl_story *s, const struct tl_flow *f, enum tl_lang lang)
{
    memset(s, 0, sizeof *s);
    s->f = f;
    s->lang = lang;
    s->last_syn_us[0] = s->last_syn_us[1] = -1;
}

/* Remember a segment of dir that the peer may acknowledge. */
static void pend_push(struct tl_story *s, int dir, uint32_t end, uint64_t index)
{
    struct tl_story_seg *p = s->pend[dir];
    if (s->n[dir] == TL_STORY_PEND) { /* forget the oldest */
        memmove(p, p + 1, (TL_STORY_PEND - 1) * sizeof *p);
        s->n[dir]--;
    }
    p[s->n[dir]++] = (struct tl_story_seg){ .end = end, .index = (uint32_t)index };
}

/* The latest segment of dir wholly covered by `ack`, dropping all covered ones; or -1. */
static int64_t pend_ack(struct tl_story *s, int dir, uint32_t ack)
{
    struct tl_story_seg *p = s->pend[dir];
    int64_t found = -1;
    unsigned kept = 0;
    for (unsigned i = 0; i < s->n[dir]; i++) {
        if (!SEQ_LEQ(p[i].end, ack)) {
            p[kept++] = p[i];
        } else if ((int64_t)p[i].index > found) {
            found = p[i].index;
        }
    }
    s->n[dir] = kept;
    return found;
}

/* The options of a SYN or SYN-ACK as a list: "MSS 1460, window scale 5 (×32), SACK and
 * timestamps"; how many there are. */
static unsigned syn_options(struct tl_buf *b, enum tl_lang l, const struct tl_tcp *t)
{
    const char *parts[4];
    struct phrase mss, ws;
    unsigned n = 0;
    if (t->mss >= 0) {
        TL_MSG(phrase(&mss), l, OPT_MSS, (int)t->mss);
        parts[n++] = text(&mss);
    }
    if (t->wscale >= 0) {
        TL_MSG(phrase(&ws), l, OPT_WSCALE, (int)t->wscale,
               1u << (t->wscale_used > 14 ? 14 : t->wscale_used));
        parts[n++] = text(&ws);
    }
    if (t->sack_permitted) {
        parts[n++] = tl_msg_text(l, TL_MSG_OPT_SACK);
    }
    if (t->has_ts) {
        parts[n++] = tl_msg_text(l, TL_MSG_OPT_TS);
    }
    join(b, l, parts, n);
    return n;
}

static uint64_t scaled_window(const struct tl_tcp *t, const struct tl_rec *r, bool *known)
{
    *known = r->scale >= 0;
    return r->scale >= 0 ? (uint64_t)t->window << r->scale : t->window;
}

/* The window a packet advertises: "window of 512 × 128 = 65536 bytes". */
static const char *window_words(struct phrase *p, enum tl_lang l, const struct tl_tcp *t,
                                const struct tl_rec *r)
{
    bool known;
    uint64_t w = scaled_window(t, r, &known);
    if (known && r->scale > 0) {
        TL_MSG(phrase(p), l, WINDOW_SCALED, t->window, 1u << r->scale, (unsigned long long)w,
               pl(l, w));
    } else if (known) {
        TL_MSG(phrase(p), l, WINDOW, t->window, pl(l, t->window));
    } else {
        TL_MSG(phrase(p), l, WINDOW_SCALE_UNKNOWN, t->window, pl(l, t->window));
    }
    return text(p);
}

/* Both endpoints on loopback addresses (127.0.0.0/8, ::1): the kernel never computes checksums. */
static bool on_loopback(const struct tl_flow *f)
{
    static const uint8_t v6_lo[16] = { [15] = 1 };
    for (int d = 0; d < 2; d++) {
        if (f->ip_version == 4 ? f->addr[d][0] != 127 : memcmp(f->addr[d], v6_lo, 16) != 0) {
            return false;
        }
    }
    return true;
}

/* Why a checksum field holds the pseudo-header sum: offload, or loopback. */
static void offload_words(struct tl_buf *b, enum tl_lang l, const struct tl_flow *f, uint16_t field,
                          uint16_t wire)
{
    if (on_loopback(f)) {
        TL_MSG(b, l, CKSUM_PSEUDO_LOOPBACK, field);
    } else {
        TL_MSG(b, l, CKSUM_PSEUDO_OFFLOAD, field, wire);
    }
}

/* The checksum sentence of a packet its receiver took in. */
static void cksum_words(struct tl_buf *b, enum tl_lang l, const struct tl_flow *f,
                        const struct tl_packet *p, const struct tl_rec *r)
{
    uint16_t field = p->tcp.checksum, want = r->tcp_cksum_expected;
    if (r->tcp_cksum == TL_CKSUM_OFFLOADED) {
        offload_words(b, l, f, field, want);
    } else if (r->tcp_cksum == TL_CKSUM_INCORRECT && r->cksum_accepted) {
        TL_MSG(b, l, CKSUM_WRONG_ACCEPTED, field, want);
    } else if (r->tcp_cksum == TL_CKSUM_INCORRECT) {
        TL_MSG(b, l, CKSUM_WRONG_IGNORED, field, want);
    }
}

/* A packet its receiver dropped for its checksum: what it was, and why it changes nothing. */
static void discarded_words(struct tl_buf *b, enum tl_lang l, const struct tl_flow *f,
                            const struct tl_packet *p, const struct tl_rec *r)
{
    const struct tl_tcp *t = &p->tcp;
    char flags[16];
    tl_tcp_flags_tcpdump(t->flags, flags, sizeof flags);
    TL_MSG(b, l, DISCARDED_SENDS, Who(l, r->dir), flags, t->seq, t->payload_length);
    if (r->tcp_cksum == TL_CKSUM_OFFLOADED) {
        offload_words(b, l, f, t->checksum, r->tcp_cksum_expected);
        TL_MSG0(b, l, DISCARDED_OFFLOAD_VERIFY);
        return;
    }
    if (r->tcp_cksum != TL_CKSUM_INCORRECT) { /* the IPv4 header checksum failed */
        TL_MSG0(b, l, DISCARDED_IP_CKSUM);
        return;
    }
    if (f->cksum_mode == TL_CKM_AUTO) {
        TL_MSG(b, l, DISCARDED_TCP_CKSUM_UNACKED, t->checksum, r->tcp_cksum_expected);
    } else {
        TL_MSG(b, l, DISCARDED_TCP_CKSUM, t->checksum, r->tcp_cksum_expected);
    }
}

/* The code point of the UTF-8 sequence ending just before `end` (>= start), or -1. */
static long cp_before(const char *start, const char *end)
{
    const unsigned char *p = (const unsigned char *)end;
    int k = 0;
    while (p > (const unsigned char *)start && k < 4) {
        p--, k++;
        if ((*p & 0xc0) != 0x80) {
            break;
        }
    }
    if (k == 0) {
        return -1;
    }
    if (*p < 0x80) {
        return *p;
    }
    long cp = *p >= 0xf0 ? *p & 0x07 : *p >= 0xe0 ? *p & 0x0f : *p & 0x1f;
    for (int i = 1; i < k; i++) {
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    return cp;
}

static long cp_at(const char *s, const char *end)
{
    const unsigned char *p = (const unsigned char *)s;
    if (s >= end) {
        return -1;
    }
    if (*p < 0x80) {
        return *p;
    }
    int n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
    long cp = n == 4 ? *p & 0x07 : n == 3 ? *p & 0x0f : *p & 0x1f;
    for (int i = 1; i < n && s + i < end; i++) {
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    return cp;
}

static bool is_han(long cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
}

/* A letter, digit or unit sign that Chinese text runs into without a space. */
static bool is_latin(long cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           cp == 0xb5 /* µ */;
}

/*
 * Chinese typography as mainland technical writing sets it: no space between a Han character
 * and a digit or a Latin word ("第3个", "发送SYN"). The sentences are written readably with
 * spaces; this removes exactly those spaces from what was appended since `from`, so every
 * Chinese explanation and summary follows one rule.
 */
static void zh_tidy(struct tl_buf *b, size_t from)
{
    if (!b->data || from >= b->len) {
        return;
    }
    char *s = b->data, *end = b->data + b->len;
    size_t w = from;
    for (size_t i = from; i < b->len; i++) {
        if (s[i] == ' ' && i > from && i + 1 < b->len && s[i + 1] != ' ') {
            long prev = cp_before(s + from, s + w), next = cp_at(s + i + 1, end);
            if ((is_han(prev) && (is_latin(next) || is_han(next))) ||
                (is_latin(prev) && is_han(next))) {
                continue;
            }
        }
        s[w++] = s[i];
    }
    b->len = w;
    s[w] = '\0';
}

/* English sentences are joined with a space each; one left before a part that said nothing
 * goes (no double or trailing space). */
static void squeeze_spaces(struct tl_buf *b, size_t from)
{
    if (!b->data || from >= b->len) {
        return;
    }
    char *s = b->data;
    size_t w = from;
    for (size_t i = from; i < b->len; i++) {
        if (s[i] == ' ' && (w == from || s[w - 1] == ' ')) {
            continue;
        }
        s[w++] = s[i];
    }
    while (w > from && s[w - 1] == ' ') {
        w--;
    }
    b->len = w;
    s[w] = '\0';
}

/*
 * A SYN that reuses the ports of a connection that ended: why an endpoint still in TIME-WAIT
 * for the old one lets it in (RFC 9293 §3.6.1 and RFC 1122 4.2.2.13, RFC 6191 with
 * timestamps), with the numbers the endpoint compares.
 */
static void reuse_words(struct tl_buf *b, enum tl_lang l, const struct tl_flow *f,
                        const struct tl_tcp *t, int d)
{
    const struct tl_flow_prev *pv = &f->prev;
    int o = !d;
    bool tw_peer = pv->time_wait & (1u << o), tw_self = pv->time_wait & (1u << d);
    if (tw_peer || tw_self) {
        TL_MSG(b, l, REUSE_TIME_WAIT, tw_peer ? who(l, o) : who(l, d));
    } else {
        TL_MSG0(b, l, REUSE_ENDED);
    }
    bool seq_up = SEQ_GT(t->seq, pv->next_seq);
    bool ts_up = t->has_ts && pv->ts_set && (int32_t)(t->ts_val - pv->ts_val) > 0;
    TL_MSG0(b, l, REUSE_RULE);
    TL_MSG(b, l, REUSE_ISN, t->seq,
           tl_msg_text(l, seq_up ? TL_MSG_CMP_HIGHER : TL_MSG_CMP_NOT_HIGHER), pv->next_seq,
           who(l, d));
    if (seq_up) {
        TL_MSG(b, l, REUSE_BY, t->seq - pv->next_seq);
    }
    if (t->has_ts && pv->ts_set) {
        TL_MSG(b, l, REUSE_TSVAL, t->ts_val,
               tl_msg_text(l, ts_up ? TL_MSG_CMP_HIGHER : TL_MSG_CMP_NOT_HIGHER), pv->ts_val,
               who(l, d));
        if (ts_up) {
            TL_MSG(b, l, REUSE_BY, t->ts_val - pv->ts_val);
        }
    }
    if (seq_up || ts_up) {
        TL_MSG0(b, l, REUSE_NEW);
    } else {
        TL_MSG0(b, l, REUSE_OLD);
    }
}

int64_t tl_story_packet(struct tl_story *s, const struct tl_packet *p, const struct tl_rec *r,
                        uint64_t index, int64_t t_us, struct tl_buf *b)
{
    const struct tl_flow *f = s->f;
    const struct tl_tcp *t = &p->tcp;
    enum tl_lang l = s->lang;
    int d = r->dir, o = !d;
    uint16_t fl = t->flags;
    uint32_t len = t->payload_length;
    const struct tl_flow_side *peer = &f->side[o];
    enum tl_event ev = (enum tl_event)r->conn.event;
    int64_t acks = -1;
    size_t start = b->len;
    struct phrase ph, ph2, ph3;

    if (ev == TL_EV_DISCARDED) { /* never received: it acknowledges nothing, awaits no ack */
        discarded_words(b, l, f, p, r);
        return -1;
    }

    /* which earlier packet of the peer this one newly acknowledges */
    bool ack_new = false;
    if (fl & TL_TH_ACK) {
        if (!s->max_ack_valid[d] || SEQ_GT(t->ack, s->max_ack[d])) {
            ack_new = true;
            s->max_ack[d] = t->ack;
            s->max_ack_valid[d] = true;
            acks = pend_ack(s, o, t->ack);
        }
    }
    uint32_t end = t->seq + len + ((fl & TL_TH_SYN) ? 1 : 0) + ((fl & TL_TH_FIN) ? 1 : 0);
    if (end != t->seq && !(fl & TL_TH_RST)) {
        pend_push(s, d, end, index);
    }
    if (ev == TL_EV_DUP_ACK) {
        s->dupacks[d]++;
    } else if (ack_new || len > 0) {
        s->dupacks[d] = 0;
    }

    switch (ev) {
        case TL_EV_SYN:
            if (syn_options(phrase(&ph), l, t) > 0) {
                TL_MSG(b, l, SYN_OPEN, Who(l, d), t->seq, text(&ph));
            } else {
                TL_MSG(b, l, SYN_OPEN_NO_OPTIONS, Who(l, d), t->seq);
            }
            if (d == TL_S2C) {
                TL_MSG0(b, l, SYN_SIMULTANEOUS);
            }
            if (len > 0) {
                TL_MSG(b, l, SYN_FAST_OPEN, len, pl(l, len));
            }
            if ((r->conn.analysis & TL_AF_REUSED_PORTS) && f->prev.set) {
                reuse_words(b, l, f, t, d);
            }
            s->last_syn_us[d] = t_us;
            break;
        case TL_EV_SYN_RETX: {
            int64_t gap = s->last_syn_us[d] >= 0 ? t_us - s->last_syn_us[d] : 0;
            TL_MSG(b, l, SYN_RETX, Who(l, d), duration(&ph, gap), t->seq);
            s->last_syn_us[d] = t_us;
            break;
        }
        case TL_EV_SYN_ACK:
        case TL_EV_SYN_ACK_RETX:
            if (ev == TL_EV_SYN_ACK_RETX) {
                TL_MSG(b, l, SYNACK_RETX, Who(l, d), t->seq);
                break;
            }
            TL_MSG(b, l, SYNACK, Who(l, d), t->seq, t->ack, who(l, o), t->ack - 1);
            if (!peer->syn_seen) {
                TL_MSG0(b, l, SYNACK_SYN_UNSEEN);
            }
            if (syn_options(phrase(&ph), l, t) > 0) {
                TL_MSG(b, l, SYNACK_OPTIONS, text(&ph));
            } else {
                TL_MSG0(b, l, SYNACK_NO_OPTIONS);
            }
            if (f->conn.d[d].syns > 0) {
                TL_MSG0(b, l, SYNACK_SIMULTANEOUS);
            }
            if (peer->syn_seen && peer->wscale >= 0 && t->wscale >= 0) {
                TL_MSG0(b, l, SYNACK_BOTH_SCALE);
            } else if (peer->syn_seen && peer->wscale >= 0) {
                TL_MSG0(b, l, SYNACK_ONE_SCALES);
            }
            break;
        case TL_EV_HANDSHAKE_ACK: {
            const struct tl_conn *c = &f->conn;
            bool simopen = c->d[d].syns > 0 && c->d[o].syns > 0;
            if (simopen) {
                TL_MSG(b, l, HSACK_SIMULTANEOUS, Who(l, d), who(l, o), t->ack, who(l, o),
                       t->ack - 1, who(l, d), window_words(&ph, l, t, r));
                if (len > 0) {
                    TL_MSG(b, l, HSACK_CARRIES, len, pl(l, len));
                }
                break;
            }
            /* the SYN-ACK may carry data: then the ack covers it too */
            uint32_t hs_isn = f->conn.d[o].sent_synack ? f->conn.d[o].syn_seq : t->ack - 1;
            uint32_t hs_more = t->ack - hs_isn - 1;
            if (hs_more) {
                TL_MSG(b, l, HSACK_SYNACK_DATA, Who(l, d), who(l, o), t->ack, who(l, o), hs_isn,
                       hs_more);
            } else {
                TL_MSG(b, l, HSACK, Who(l, d), who(l, o), t->ack, who(l, o), t->ack - 1);
            }
            if (c->syn_ns && c->synack_ns && c->hsack_ns) {
                int64_t a = (c->synack_ns - c->syn_ns) / 1000,
                        bb = (c->hsack_ns - c->synack_ns) / 1000;
                TL_MSG(b, l, HSACK_TIMES, duration(&ph, a + bb), duration(&ph2, a),
                       duration(&ph3, bb));
            }
            TL_MSG(b, l, HSACK_WINDOW, window_words(&ph, l, t, r));
            if (len > 0) {
                TL_MSG(b, l, HSACK_CARRIES, len, pl(l, len));
            }
            break;
        }
        case TL_EV_DATA:
            TL_MSG(b, l, DATA, Who(l, d), len, pl(l, len), r->seq_rel, r->seq_rel + len - 1,
                   r->seq_rel + len);
            if ((fl & TL_TH_ACK) && r->ack_rel_known && ack_new) {
                TL_MSG(b, l, DATA_ACKS, r->ack_rel);
            } else {
                TL_MSG0(b, l, FULL_STOP);
            }
            break;
        case TL_EV_ACK:
            if (ack_new && r->ack_rel_known) {
                TL_MSG(b, l, ACK_NEW, Who(l, d), who(l, o), r->ack_rel, t->ack,
                       window_words(&ph, l, t, r));
            } else {
                TL_MSG(b, l, ACK_NOTHING_NEW, Who(l, d), window_words(&ph, l, t, r));
            }
            break;
        case TL_EV_RETX:
            if (fl & TL_TH_FIN) {
                TL_MSG(b, l, RETX_FIN, Who(l, d), t->seq);
            } else if (r->conn.analysis & TL_AF_FAST_RETRANSMISSION) {
                TL_MSG(b, l, RETX_FAST, Who(l, d), r->seq_rel, len, pl(l, len));
            } else if (r->conn.analysis & TL_AF_SPURIOUS_RETRANSMISSION) {
                TL_MSG(b, l, RETX_SPURIOUS, Who(l, d), r->seq_rel, len, pl(l, len));
            } else {
                TL_MSG(b, l, RETX, Who(l, d), r->seq_rel, len, pl(l, len));
            }
            break;
        case TL_EV_OUT_OF_ORDER:
            TL_MSG(b, l, OUT_OF_ORDER, Who(l, d), r->seq_rel, len, pl(l, len));
            break;
        case TL_EV_DUP_ACK:
            TL_MSG(b, l, DUP_ACK, Who(l, d), t->ack, r->ack_rel, s->dupacks[d], r->ack_rel);
            break;
        case TL_EV_ZERO_WINDOW_PROBE:
            if (r->conn.analysis & TL_AF_ZERO_WINDOW_PROBE) {
                TL_MSG(b, l, ZERO_WINDOW_PROBE, Who(l, d), t->seq, who(l, o), who(l, d));
            } else {
                TL_MSG(b, l, ZERO_WINDOW_PROBE_KEEPALIVE, Who(l, d), who(l, o), who(l, d), t->seq);
            }
            break;
        case TL_EV_ZERO_WINDOW:
            TL_MSG(b, l, ZERO_WINDOW, Who(l, d));
            break;
        case TL_EV_WINDOW_UPDATE:
            TL_MSG(b, l, WINDOW_UPDATE, Who(l, d), window_words(&ph, l, t, r));
            break;
        case TL_EV_KEEP_ALIVE:
            TL_MSG(b, l, KEEP_ALIVE, Who(l, d), t->seq);
            break;
        case TL_EV_FIN:
            if (s->fin[o] && !(SEQ_LEQ(s->fin_seq[o] + 1, t->ack) && (fl & TL_TH_ACK))) {
                TL_MSG(b, l, FIN_SIMULTANEOUS, Who(l, d), t->seq);
            } else if (s->fin[o]) {
                TL_MSG(b, l, FIN_THIRD_STEP, Who(l, d), t->seq);
            } else if (len) {
                TL_MSG(b, l, FIN_WITH_DATA, Who(l, d), t->seq + len, r->seq_rel + len,
                       t->seq + len + 1);
            } else {
                TL_MSG(b, l, FIN, Who(l, d), t->seq + len, r->seq_rel + len, t->seq + len + 1);
            }
            break;
        case TL_EV_FIN_ACK_PIGGY:
            TL_MSG(b, l, FIN_ACK_PIGGY, Who(l, d), who(l, o), t->ack, t->ack - 1);
            break;
        case TL_EV_CLOSE_ACK:
            TL_MSG(b, l, CLOSE_ACK, Who(l, d), who(l, o), t->ack, t->ack - 1);
            if (r->conn.state[d] == TL_ST_TIME_WAIT && r->conn.state[o] == TL_ST_TIME_WAIT) {
                /* the second ACK of a simultaneous close (RFC 9293 §3.6, Figure 13) */
                TL_MSG(b, l, CLOSE_ACK_BOTH_TIME_WAIT, who(l, o));
            } else if (r->conn.state[d] == TL_ST_TIME_WAIT) {
                TL_MSG0(b, l, CLOSE_ACK_TIME_WAIT);
            } else if (r->conn.state[d] == TL_ST_CLOSING) {
                TL_MSG0(b, l, CLOSE_ACK_CLOSING);
                if (r->conn.state[o] == TL_ST_TIME_WAIT) {
                    TL_MSG(b, l, CLOSE_ACK_PEER_CLOSING, who(l, o), who(l, o));
                }
            } else if (r->conn.state[d] == TL_ST_CLOSE_WAIT) {
                TL_MSG0(b, l, CLOSE_ACK_CLOSE_WAIT);
            }
            break;
        case TL_EV_RST: {
            const struct tl_conn *c = &f->conn;
            if (c->rejected && d == TL_S2C && !f->side[TL_S2C].syn_seen) {
                TL_MSG(b, l, RST_REFUSED, Who(l, d), f->port[TL_S2C], t->ack);
            } else {
                TL_MSG(b, l, RST_ABORT, Who(l, d));
            }
            break;
        }
        case TL_EV_OTHER:
        default: {
            char flags[16];
            tl_tcp_flags_tcpdump(fl, flags, sizeof flags);
            TL_MSG(b, l, OTHER_FLAGS, flags);
            break;
        }
    }
    if ((fl & TL_TH_FIN) && !(fl & (TL_TH_SYN | TL_TH_RST)) && !s->fin[d]) {
        s->fin[d] = true;
        s->fin_seq[d] = t->seq + len;
    }
    if (ev == TL_EV_SYN || ev == TL_EV_SYN_ACK || ev == TL_EV_FIN || ev == TL_EV_FIN_ACK_PIGGY ||
        ev == TL_EV_CLOSE_ACK || ev == TL_EV_HANDSHAKE_ACK || ev == TL_EV_RST) {
        TL_MSG(b, l, STATES, tl_state_name(r->conn.state[0]), tl_state_name(r->conn.state[1]));
    }
    cksum_words(b, l, f, p, r);
    if (tl_messages(l)->spacing == TL_SPACING_HAN) {
        zh_tidy(b, start);
    }
    return acks;
}

/* ---- the connection's story ------------------------------------------------------------- */

static const char *endpoint(struct phrase *p, const struct tl_flow *f, int d)
{
    char a[64];
    tl_addr_str(f->ip_version, f->addr[d], a, sizeof a);
    tl_buf_printf(phrase(p), f->ip_version == 6 ? "[%s]:%u" : "%s:%u", a, f->port[d]);
    return text(p);
}

/* When each SYN left, after the first: "0 µs, 1.000 s and 3.000 s (gaps 1.000 s, 2.000 s: ...)". */
static const char *syn_times(struct phrase *p, enum tl_lang l, const struct tl_conn_dir *c)
{
    unsigned n = c->syns < TL_SYN_TIMES_MAX ? c->syns : TL_SYN_TIMES_MAX;
    struct phrase t[TL_SYN_TIMES_MAX], gaps;
    const char *parts[TL_SYN_TIMES_MAX];
    struct tl_buf *b = phrase(p);
    for (unsigned i = 0; i < n; i++) {
        parts[i] = duration(&t[i], (int64_t)c->syn_us[i] - c->syn_us[0]);
    }
    join(b, l, parts, n);
    if (n > 1) {
        struct tl_buf *g = phrase(&gaps);
        for (unsigned i = 1; i < n; i++) {
            if (i > 1) {
                tl_buf_puts(g, tl_msg_text(l, TL_MSG_LIST_COMMA));
            }
            tl_duration(g, (int64_t)c->syn_us[i] - c->syn_us[i - 1]);
        }
        TL_MSG(b, l, SUM_SYN_GAPS, text(&gaps));
    }
    return text(p);
}

/* Who sent the RST that ended the connection. */
static const char *resetter(enum tl_lang l, unsigned reset_by)
{
    return reset_by == TL_WHO_BOTH ? tl_msg_text(l, TL_MSG_WHO_BOTH)
                                   : who(l, reset_by == TL_WHO_SERVER);
}

static void story_summary(const struct tl_flow *f, enum tl_lang l, struct tl_buf *b);

void tl_story_summary(const struct tl_flow *f, enum tl_lang l, struct tl_buf *b)
{
    size_t start = b->len;
    story_summary(f, l, b);
    if (tl_messages(l)->spacing == TL_SPACING_HAN) {
        zh_tidy(b, start);
    } else {
        squeeze_spaces(b, start);
    }
}

static void story_summary(const struct tl_flow *f, enum tl_lang l, struct tl_buf *b)
{
    const struct tl_conn *c = &f->conn;
    enum tl_handshake hs = tl_conn_handshake(f);
    unsigned initiator, reset_by;
    enum tl_teardown td = tl_conn_teardown(f, &initiator, &reset_by);
    struct phrase ph, ph2, ph3;

    TL_MSG(b, l, SUM_CONNECTION, endpoint(&ph, f, TL_C2S), endpoint(&ph2, f, TL_S2C));
    if (f->orientation == TL_ORIENT_GUESSED) {
        TL_MSG0(b, l, SUM_GUESSED);
    }
    TL_MSG0(b, l, SENTENCE_SPACE);

    /* how it opened */
    int64_t a_us = c->syn_ns && c->synack_ns ? (c->synack_ns - c->syn_ns) / 1000 : -1;
    int64_t b_us = c->synack_ns && c->hsack_ns ? (c->hsack_ns - c->synack_ns) / 1000 : -1;
    switch (hs) {
        case TL_HS_COMPLETE:
            TL_MSG0(b, l, SUM_HS_COMPLETE);
            if (a_us >= 0 && b_us >= 0) {
                TL_MSG(b, l, SUM_HS_TIMES, duration(&ph, a_us + b_us), duration(&ph2, a_us),
                       duration(&ph3, b_us));
                if (a_us > 10 * b_us) {
                    TL_MSG0(b, l, SUM_HS_NEAR_CLIENT);
                } else if (b_us > 10 * a_us) {
                    TL_MSG0(b, l, SUM_HS_NEAR_SERVER);
                }
            }
            TL_MSG0(b, l, FULL_STOP);
            if (c->d[0].syns > 1) {
                TL_MSG(b, l, SUM_HS_SYNS, c->d[0].syns);
            }
            break;
        case TL_HS_SIMULTANEOUS_OPEN:
            TL_MSG0(b, l, SUM_HS_SIMULTANEOUS);
            break;
        case TL_HS_NO_REPLY:
            if (c->d[0].syns > 1) {
                TL_MSG(b, l, SUM_HS_NO_REPLY_SYNS, c->d[0].syns, syn_times(&ph, l, &c->d[0]));
            } else {
                TL_MSG0(b, l, SUM_HS_NO_REPLY);
            }
            break;
        case TL_HS_REJECTED:
            TL_MSG(b, l, SUM_HS_REJECTED, f->port[TL_S2C]);
            break;
        case TL_HS_NO_FINAL_ACK:
            TL_MSG0(b, l, SUM_HS_NO_FINAL_ACK);
            if (c->d[0].sent_rst) {
                TL_MSG0(b, l, SUM_HS_CLIENT_RST);
            }
            if (c->d[1].synacks > 1) {
                TL_MSG(b, l, SUM_HS_SYNACKS, c->d[1].synacks);
            }
            TL_MSG0(b, l, SUM_HS_NEVER_COMPLETED);
            break;
        case TL_HS_NOT_SEEN:
        default:
            if (c->d[1].sent_synack) {
                TL_MSG0(b, l, SUM_HS_AFTER_SYN);
            } else {
                TL_MSG0(b, l, SUM_HS_NOT_SEEN);
            }
            break;
    }

    /* what flowed */
    TL_MSG0(b, l, SENTENCE_SPACE);
    TL_MSG(b, l, SUM_TRAFFIC, (unsigned long long)f->side[0].packets, pl(l, f->side[0].packets),
           (unsigned long long)f->side[0].bytes, pl(l, f->side[0].bytes),
           (unsigned long long)f->side[1].packets, pl(l, f->side[1].packets),
           (unsigned long long)f->side[1].bytes, pl(l, f->side[1].bytes));
    unsigned retx = c->d[0].retransmissions + c->d[1].retransmissions;
    unsigned dup = c->d[0].dup_acks + c->d[1].dup_acks;
    unsigned ooo = c->d[0].out_of_order + c->d[1].out_of_order;
    unsigned zw = c->d[0].zero_windows + c->d[1].zero_windows;
    unsigned ka = c->d[0].keep_alives + c->d[1].keep_alives;
    unsigned zwp = c->d[0].zero_window_probes + c->d[1].zero_window_probes;
    if (retx || dup || ooo || zw || zwp || ka) {
        struct tl_buf *items = phrase(&ph);
        bool first = true;
#define ITEM(n, ID)                                                                                \
    if (n) {                                                                                       \
        if (!first) {                                                                              \
            TL_MSG0(items, l, SUM_ALONG_SEP);                                                      \
        }                                                                                          \
        TL_MSG(items, l, ID, n, pl(l, n));                                                         \
        first = false;                                                                             \
    }
        ITEM(retx, SUM_RETX)
        ITEM(dup, SUM_DUP_ACK)
        ITEM(ooo, SUM_OUT_OF_ORDER)
        ITEM(zw, SUM_ZERO_WINDOW)
        ITEM(zwp, SUM_ZERO_WINDOW_PROBE)
        ITEM(ka, SUM_KEEP_ALIVE)
#undef ITEM
        TL_MSG(b, l, SUM_ALONG, text(&ph));
    }

    /* how it closed */
    TL_MSG0(b, l, SENTENCE_SPACE);
    int first_dir = initiator == TL_WHO_SERVER ? TL_S2C : TL_C2S;
    switch (td) {
        case TL_TD_FOUR_WAY:
            TL_MSG(b, l, SUM_TD_FOUR_WAY, Who(l, first_dir), who(l, !first_dir));
            break;
        case TL_TD_THREE_SEGMENT:
            TL_MSG(b, l, SUM_TD_THREE_SEGMENT, Who(l, first_dir), Who(l, !first_dir),
                   who(l, first_dir));
            break;
        case TL_TD_SIMULTANEOUS:
            TL_MSG0(b, l, SUM_TD_SIMULTANEOUS);
            /* each end as its states show it (st_packet in conn.c, RFC 9293 §3.6) */
            for (int d = 0; d < 2; d++) {
                if (c->d[d].closing == 1) {
                    TL_MSG(b, l, SUM_TD_CLOSING, Who(l, d), who(l, !d));
                } else if (c->d[d].closing == 2) {
                    TL_MSG(b, l, SUM_TD_CLOSING_UNSEEN, Who(l, d), who(l, !d), who(l, d));
                }
            }
            break;
        case TL_TD_RESET:
            if (c->first_fin_who) {
                TL_MSG(b, l, SUM_TD_FIN_THEN_RST, Who(l, first_dir), resetter(l, reset_by));
            } else if (hs != TL_HS_REJECTED) {
                TL_MSG(b, l, SUM_TD_RST, resetter(l, reset_by));
            }
            break;
        case TL_TD_HALF_CLOSED:
            TL_MSG(b, l, SUM_TD_HALF_CLOSED, Who(l, first_dir), who(l, !first_dir));
            break;
        case TL_TD_OPEN:
        default:
            if (hs == TL_HS_COMPLETE || hs == TL_HS_NOT_SEEN || hs == TL_HS_SIMULTANEOUS_OPEN) {
                TL_MSG0(b, l, SUM_TD_OPEN);
            }
            break;
    }
    if (td == TL_TD_FOUR_WAY || td == TL_TD_THREE_SEGMENT || td == TL_TD_SIMULTANEOUS) {
        TL_MSG(b, l, SUM_FINAL_STATES, tl_state_name(c->d[0].state), tl_state_name(c->d[1].state));
    }

    /* checksums */
    for (int d = 0; d < 2; d++) {
        const struct tl_conn_dir *x = &c->d[d];
        if (x->cksum_offloaded > 0) {
            const char *why = tl_msg_text(l, on_loopback(f) ? TL_MSG_SUM_CKSUM_LOOPBACK
                                                            : TL_MSG_SUM_CKSUM_OFFLOAD);
            if (x->cksum_offloaded == 1) {
                TL_MSG(b, l, SUM_CKSUM_PSEUDO_ONE, x->cksum_offloaded, who(l, d), why);
            } else {
                TL_MSG(b, l, SUM_CKSUM_PSEUDO_OTHER, x->cksum_offloaded, who(l, d), why);
            }
            if (f->cksum_mode == TL_CKM_VERIFY) {
                TL_MSG0(b, l, SUM_CKSUM_VERIFY);
            }
        }
        if (x->cksum_bad > 0) {
            uint32_t dropped = f->cksum_mode == TL_CKM_VERIFY
                                   ? x->cksum_bad
                                   : (f->cksum_mode == TL_CKM_AUTO ? x->discarded : 0);
            uint32_t taken = x->cksum_bad - dropped;
            if (x->cksum_bad == 1) {
                TL_MSG(b, l, SUM_CKSUM_BAD_ONE, x->cksum_bad, who(l, d));
            } else {
                TL_MSG(b, l, SUM_CKSUM_BAD_OTHER, x->cksum_bad, who(l, d));
            }
            if (f->cksum_mode == TL_CKM_AUTO && taken > 0) {
                TL_MSG(b, l, SUM_CKSUM_BAD_ACKED, taken);
            }
            if (dropped > 0) {
                TL_MSG(b, l, SUM_CKSUM_BAD_DROPPED, dropped);
            }
            TL_MSG0(b, l, FULL_STOP);
        }
    }
}
