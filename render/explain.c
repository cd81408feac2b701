/*
 * explain.c - per-packet explanations and per-connection summaries, in English and Chinese
 * (see explain.h). Every sentence is built from the packet's own numbers; where a number
 * follows from another ("ack = ISN + 1") the arithmetic is spelled out.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "explain.h"

static const char *pl(unsigned long long n);

int tl_lang_parse(const char *s)
{
    if (!s) {
        return -1;
    }
    if (!strncasecmp(s, "zh", 2) && (s[2] == '\0' || s[2] == '-' || s[2] == '_')) {
        return TL_LANG_ZH;
    }
    if (!strncasecmp(s, "en", 2) && (s[2] == '\0' || s[2] == '-' || s[2] == '_')) {
        return TL_LANG_EN;
    }
    return -1;
}

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

static const char *who(enum tl_lang l, int dir)
{
    if (l == TL_LANG_ZH) {
        return dir == TL_C2S ? "客户端" : "服务器";
    }
    return dir == TL_C2S ? "the client" : "the server";
}

static const char *Who(enum tl_lang l, int dir)
{
    if (l == TL_LANG_ZH) {
        return who(l, dir);
    }
    return dir == TL_C2S ? "The client" : "The server";
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

/* The options of a SYN or SYN-ACK in words: "MSS 1460, window scale 5 (×32), SACK and timestamps".
 */
static void syn_options(struct tl_buf *b, enum tl_lang l, const struct tl_tcp *t, const char *verb)
{
    const char *parts[4];
    char mss[32], ws[48];
    unsigned n = 0;
    if (t->mss >= 0) {
        snprintf(mss, sizeof mss, "MSS %d", (int)t->mss);
        parts[n++] = mss;
    }
    if (t->wscale >= 0) {
        snprintf(ws, sizeof ws,
                 l == TL_LANG_ZH ? "窗口扩大因子 %d（×%u）" : "window scale %d (×%u)",
                 (int)t->wscale, 1u << (t->wscale_used > 14 ? 14 : t->wscale_used));
        parts[n++] = ws;
    }
    if (t->sack_permitted) {
        parts[n++] = "SACK";
    }
    if (t->has_ts) {
        parts[n++] = l == TL_LANG_ZH ? "时间戳" : "timestamps";
    }
    if (n == 0) {
        tl_buf_puts(b, l == TL_LANG_ZH           ? "不带任何选项"
                       : strcmp(verb, "offers ") ? "with no options"
                                                 : "offers no options");
        return;
    }
    tl_buf_puts(b, verb);
    for (unsigned i = 0; i < n; i++) {
        if (i > 0) {
            tl_buf_puts(b, i + 1 == n ? (l == TL_LANG_ZH ? " 和 " : " and ")
                                      : (l == TL_LANG_ZH ? "、" : ", "));
        }
        tl_buf_puts(b, parts[i]);
    }
}

static uint64_t scaled_window(const struct tl_tcp *t, const struct tl_rec *r, bool *known)
{
    *known = r->scale >= 0;
    return r->scale >= 0 ? (uint64_t)t->window << r->scale : t->window;
}

static void window_words(struct tl_buf *b, enum tl_lang l, const struct tl_tcp *t,
                         const struct tl_rec *r)
{
    bool known;
    uint64_t w = scaled_window(t, r, &known);
    if (known && r->scale > 0) {
        if (l == TL_LANG_ZH) {
            tl_buf_printf(b, "窗口 %u × %u = %llu 字节", t->window, 1u << r->scale,
                          (unsigned long long)w);
        } else {
            tl_buf_printf(b, "window of %u × %u = %llu byte%s", t->window, 1u << r->scale,
                          (unsigned long long)w, pl(w));
        }
    } else if (l == TL_LANG_ZH) {
        tl_buf_printf(b, "窗口 %u 字节%s", t->window, known ? "" : "（扩大因子未知）");
    } else {
        tl_buf_printf(b, "window of %u byte%s%s", t->window, pl(t->window),
                      known ? "" : " (scale factor unknown)");
    }
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
    bool zh = l == TL_LANG_ZH;
    if (on_loopback(f)) {
        tl_buf_printf(
            b,
            zh ? "校验和字段是 0x%04x，只是伪首部的和：在环回接口上内核从不计算 TCP "
                 "校验和（数据不经过网线，无须保护），这不是错误。"
               : " The checksum field holds 0x%04x, only the sum of the pseudo-header: on "
                 "loopback the kernel never computes the TCP checksum (no wire, nothing "
                 "to protect), so nothing is wrong.",
            field);
    } else {
        tl_buf_printf(b,
                      zh ? "校验和字段是 0x%04x，只是伪首部的和：抓包发生在发送方主机上，"
                           "网卡还没有计算校验和（校验和卸载）；网卡在线路上填入的是 0x%04x，"
                           "这不是错误。"
                         : " The checksum field holds 0x%04x, only the sum of the pseudo-header: "
                           "the capture was taken on the sending host before its network card "
                           "computed the checksum (checksum offload); on the wire the card put "
                           "0x%04x there, so nothing is wrong.",
                      field, wire);
    }
}

/* The checksum sentence of a packet its receiver took in. */
static void cksum_words(struct tl_buf *b, enum tl_lang l, const struct tl_flow *f,
                        const struct tl_packet *p, const struct tl_rec *r)
{
    bool zh = l == TL_LANG_ZH;
    uint16_t field = p->tcp.checksum, want = r->tcp_cksum_expected;
    if (r->tcp_cksum == TL_CKSUM_OFFLOADED) {
        offload_words(b, l, f, field, want);
    } else if (r->tcp_cksum == TL_CKSUM_INCORRECT && r->cksum_accepted) {
        tl_buf_printf(
            b,
            zh ? "抓到的 TCP 校验和是错的：0x%04x，应为 0x%04x；但对方确认了这个报文段，"
                 "说明它被对方接收了：错的是抓包里的值，而不是线路上的。"
               : " The TCP checksum as captured is wrong: 0x%04x, should be 0x%04x; but "
                 "the peer acknowledged this segment, so it was accepted by the peer: the "
                 "capture holds the wrong value, not the wire.",
            field, want);
    } else if (r->tcp_cksum == TL_CKSUM_INCORRECT) {
        tl_buf_printf(b,
                      zh ? "TCP 校验和错误：0x%04x，应为 0x%04x（按 checksums=ignore 计入）。"
                         : " The TCP checksum is wrong: 0x%04x, should be 0x%04x (counted anyway: "
                           "checksums=ignore).",
                      field, want);
    }
}

/* A packet its receiver dropped for its checksum: what it was, and why it changes nothing. */
static void discarded_words(struct tl_buf *b, enum tl_lang l, const struct tl_flow *f,
                            const struct tl_packet *p, const struct tl_rec *r)
{
    bool zh = l == TL_LANG_ZH;
    const struct tl_tcp *t = &p->tcp;
    char flags[16];
    tl_tcp_flags_tcpdump(t->flags, flags, sizeof flags);
    tl_buf_printf(
        b, zh ? "%s发出 [%s]，序列号 %u，数据%u字节。" : "%s sends [%s], seq %u, %u bytes of data.",
        Who(l, r->dir), flags, t->seq, t->payload_length);
    if (r->tcp_cksum == TL_CKSUM_OFFLOADED) {
        offload_words(b, l, f, t->checksum, r->tcp_cksum_expected);
        tl_buf_puts(b,
                    zh ? "但按 checksums=verify（与不带 -C 的 Zeek 相同），它被当作被接收方丢弃，"
                         "不改变任何状态；用 checksums=auto 或 ignore 就会计入。"
                       : " But checksums=verify, like Zeek without -C, counts it as dropped by "
                         "the receiver, so it changes no state; checksums=auto or ignore count "
                         "it.");
        return;
    }
    if (r->tcp_cksum != TL_CKSUM_INCORRECT) { /* the IPv4 header checksum failed */
        tl_buf_puts(b, zh ? "它的 IPv4 首部校验和错误：按 checksums=verify（与不带 -C 的 Zeek "
                            "相同），IP 层在 TCP 之前就丢弃了它，它不改变任何状态。"
                          : " Its IPv4 header checksum is wrong: with checksums=verify, like Zeek "
                            "without -C, the IP layer drops it before TCP sees it, so it changes "
                            "no state.");
        return;
    }
    tl_buf_printf(
        b,
        zh ? "它的 TCP 校验和错误（0x%04x，应为 0x%04x）：TCP 接收方会悄悄丢弃这样的报文段"
             "（RFC 9293 §3.1），%s所以它不改变任何状态，也不计入握手、挥手和 Zeek "
             "的 history（只记一个 C）。"
           : " Its TCP checksum is wrong (0x%04x, should be 0x%04x): a TCP receiver "
             "silently discards such a segment (RFC 9293 §3.1)%s, so it changes no "
             "state and is left out of the handshake, the teardown and Zeek's history "
             "(but for a C).",
        t->checksum, r->tcp_cksum_expected,
        f->cksum_mode == TL_CKM_AUTO
            ? (zh ? "而对方后来也没有确认它，" : " and nothing the peer sent later acknowledges it")
            : "");
}

/* English plural ending for a count: "1 byte", "2 bytes". */
static const char *pl(unsigned long long n)
{
    return n == 1 ? "" : "s";
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
    bool zh = l == TL_LANG_ZH;
    int o = !d;
    bool tw_peer = pv->time_wait & (1u << o), tw_self = pv->time_wait & (1u << d);
    if (tw_peer || tw_self) {
        tl_buf_printf(b,
                      zh ? "同一对地址和端口上刚有过一个连接，%s仍处于它的 TIME-WAIT（关闭后要等 "
                           "2×MSL）。"
                         : " The same addresses and ports carried an earlier connection, and %s is "
                           "still in TIME-WAIT for it (2×MSL after the close).",
                      tw_peer ? who(l, o) : who(l, d));
    } else {
        tl_buf_puts(b, zh ? "同一对地址和端口上刚有过一个连接，它已经结束。"
                          : " The same addresses and ports carried an earlier connection, which "
                            "has ended.");
    }
    bool seq_up = SEQ_GT(t->seq, pv->next_seq);
    bool ts_up = t->has_ts && pv->ts_set && (int32_t)(t->ts_val - pv->ts_val) > 0;
    tl_buf_puts(b, zh ? "处于 TIME-WAIT 的一端只在新 SYN 不可能是旧连接迟到的报文时才接受它"
                        "（RFC 9293 §3.6.1，RFC 6191）："
                      : " An endpoint in TIME-WAIT accepts a new SYN on them only when it cannot "
                        "be a late segment of the old connection (RFC 9293 §3.6.1, RFC 6191): ");
    if (zh) {
        tl_buf_printf(b, "这个 SYN 的 ISN %u %s旧连接里%s的下一个序列号 %u", t->seq,
                      seq_up ? "大于" : "不大于", who(l, d), pv->next_seq);
        if (seq_up) {
            tl_buf_printf(b, "（大 %u）", t->seq - pv->next_seq);
        }
        if (t->has_ts && pv->ts_set) {
            tl_buf_printf(b, "，时间戳 TSval %u %s旧连接里%s最后的 TSval %u", t->ts_val,
                          ts_up ? "大于" : "不大于", who(l, d), pv->ts_val);
            if (ts_up) {
                tl_buf_printf(b, "（大 %u）", t->ts_val - pv->ts_val);
            }
        }
        tl_buf_puts(b, seq_up || ts_up ? "，所以它被当作新连接接受。"
                                       : "，所以处于 TIME-WAIT 的一端可能把它当作旧报文。");
    } else {
        tl_buf_printf(b, "its ISN %u is %s %u, %s's next sequence number on the old connection",
                      t->seq, seq_up ? "higher than" : "not higher than", pv->next_seq, who(l, d));
        if (seq_up) {
            tl_buf_printf(b, " (by %u)", t->seq - pv->next_seq);
        }
        if (t->has_ts && pv->ts_set) {
            tl_buf_printf(b, ", and its TSval %u is %s %u, the last one %s sent on it", t->ts_val,
                          ts_up ? "higher than" : "not higher than", pv->ts_val, who(l, d));
            if (ts_up) {
                tl_buf_printf(b, " (by %u)", t->ts_val - pv->ts_val);
            }
        }
        tl_buf_puts(b, seq_up || ts_up ? ", so it is taken as a new connection."
                                       : ", so an endpoint in TIME-WAIT may take it for an old "
                                         "duplicate.");
    }
}

static void states_words(struct tl_buf *b, enum tl_lang l, const struct tl_rec *r)
{
    if (l == TL_LANG_ZH) {
        tl_buf_printf(b, "状态：客户端 %s，服务器 %s。", tl_state_name(r->conn.state[0]),
                      tl_state_name(r->conn.state[1]));
    } else {
        tl_buf_printf(b, "States: client %s, server %s.", tl_state_name(r->conn.state[0]),
                      tl_state_name(r->conn.state[1]));
    }
}

int64_t tl_story_packet(struct tl_story *s, const struct tl_packet *p, const struct tl_rec *r,
                        uint64_t index, int64_t t_us, struct tl_buf *b)
{
    const struct tl_flow *f = s->f;
    const struct tl_tcp *t = &p->tcp;
    enum tl_lang l = s->lang;
    bool zh = l == TL_LANG_ZH;
    int d = r->dir, o = !d;
    uint16_t fl = t->flags;
    uint32_t len = t->payload_length;
    const struct tl_flow_side *peer = &f->side[o];
    enum tl_event ev = (enum tl_event)r->conn.event;
    int64_t acks = -1;
    size_t start = b->len;

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
            if (zh) {
                tl_buf_printf(b, "%s发送 SYN 发起连接，初始序列号（ISN）为 %u，", Who(l, d),
                              t->seq);
            } else {
                tl_buf_printf(b, "%s opens the connection with SYN, initial sequence number %u, ",
                              Who(l, d), t->seq);
            }
            syn_options(b, l, t, zh ? "提出 " : "offering ");
            tl_buf_puts(b, zh ? "。" : ".");
            if (d == TL_S2C) {
                tl_buf_puts(b, zh ? "两端几乎同时发出 SYN：这是同时打开（simultaneous open）。"
                                  : " Both ends sent a SYN: a simultaneous open.");
            }
            if (len > 0) {
                tl_buf_printf(b,
                              zh ? "SYN 已携带 %u 字节数据（TCP Fast Open）。"
                                 : " It already carries %u byte%s of data (TCP Fast Open).",
                              len, pl(len));
            }
            if ((r->conn.analysis & TL_AF_REUSED_PORTS) && f->prev.set) {
                reuse_words(b, l, f, t, d);
            }
            s->last_syn_us[d] = t_us;
            break;
        case TL_EV_SYN_RETX: {
            int64_t gap = s->last_syn_us[d] >= 0 ? t_us - s->last_syn_us[d] : 0;
            tl_buf_printf(b, zh ? "%s在 " : "%s sends its SYN again ", Who(l, d));
            tl_duration(b, gap);
            if (zh) {
                tl_buf_printf(
                    b,
                    "后重发 SYN（ISN 仍是 %u）：没有收到回应，重传定时器超时；每次重传的间隔加倍。",
                    t->seq);
            } else {
                tl_buf_printf(b,
                              " after the previous one, with the same ISN %u: no answer came, so "
                              "its retransmission timer fired (the interval doubles each time).",
                              t->seq);
            }
            s->last_syn_us[d] = t_us;
            break;
        }
        case TL_EV_SYN_ACK:
        case TL_EV_SYN_ACK_RETX:
            if (ev == TL_EV_SYN_ACK_RETX) {
                tl_buf_printf(b,
                              zh ? "%s重发 SYN-ACK（序列号 %u）：还没有收到对方对它的确认。"
                                 : "%s repeats its SYN-ACK (seq %u): its acknowledgement has not "
                                   "arrived yet.",
                              Who(l, d), t->seq);
                break;
            }
            if (zh) {
                tl_buf_printf(b,
                              "%s用 SYN-ACK 应答，自己的 ISN 为 %u；ack %u = %s的 ISN %u + 1：SYN "
                              "占用一个序列号。",
                              Who(l, d), t->seq, t->ack, who(l, o), t->ack - 1);
            } else {
                tl_buf_printf(b,
                              "%s answers with SYN-ACK, its own ISN %u; ack %u = %s's ISN %u + 1: "
                              "a SYN consumes one sequence number.",
                              Who(l, d), t->seq, t->ack, who(l, o), t->ack - 1);
            }
            if (!peer->syn_seen) {
                tl_buf_puts(b, zh ? "（那个 SYN 本身没有被抓到。）"
                                  : " (That SYN itself was not captured.)");
            }
            tl_buf_puts(b, zh ? "它" : " It ");
            syn_options(b, l, t, zh ? "提出 " : "offers ");
            tl_buf_puts(b, zh ? "。" : ".");
            if (f->conn.d[d].syns > 0) {
                tl_buf_puts(b, zh ? "这是同时打开：每一端的 SYN-ACK 都重复自己 SYN 的 ISN，"
                                    "所以它不是重传（Wireshark 因为在 SYN 里见过这个序列号，"
                                    "把它标为疑似重传）。"
                                  : " In a simultaneous open each side's SYN-ACK repeats the ISN "
                                    "of its own SYN, so this is not a retransmission (Wireshark "
                                    "flags it as a suspected one, having seen that sequence "
                                    "number in the SYN).");
            }
            if (peer->syn_seen && peer->wscale >= 0 && t->wscale >= 0) {
                tl_buf_puts(b, zh ? "双方都提出了窗口扩大选项，所以从此每个报文的窗口字段都要乘以"
                                    "发送方自己的倍数：即发送方在自己的 SYN 里宣布的那个。"
                                  : " Both sides offered window scaling, so from now on every "
                                    "window field is multiplied by its sender's own factor, the "
                                    "one announced in that sender's SYN.");
            } else if (peer->syn_seen && peer->wscale >= 0) {
                tl_buf_puts(b, zh ? "只有一方提出窗口扩大，因此两个方向都不扩大（RFC 7323）。"
                                  : " Only one side offered window scaling, so neither side's "
                                    "windows are scaled (RFC 7323).");
            }
            break;
        case TL_EV_HANDSHAKE_ACK: {
            const struct tl_conn *c = &f->conn;
            bool simopen = c->d[d].syns > 0 && c->d[o].syns > 0;
            if (simopen) {
                if (zh) {
                    tl_buf_printf(b,
                                  "%s确认%s的 SYN-ACK：ack %u = %s的 ISN %u + 1，%s自己的 SYN-ACK "
                                  "已经确认过它；同时打开时 SYN-ACK 重复了 SYN 的序列号，这个 ACK "
                                  "回应的就是这份重复。两个 SYN 都已得到确认，连接建立；两端都没有"
                                  "等待对方的应答，所以这里没有可测量的握手往返时间。通告",
                                  Who(l, d), who(l, o), t->ack, who(l, o), t->ack - 1, who(l, d));
                } else {
                    tl_buf_printf(b,
                                  "%s acknowledges %s's SYN-ACK: ack %u = %s's ISN %u + 1, which "
                                  "%s's own SYN-ACK already acknowledged; in a simultaneous open "
                                  "the SYN-ACK repeats the SYN's sequence number, and this ACK "
                                  "answers that duplicate. Both SYNs are acknowledged and the "
                                  "connection is open; neither end waited for the other's answer, "
                                  "so there is no handshake round-trip time to measure. It "
                                  "advertises a ",
                                  Who(l, d), who(l, o), t->ack, who(l, o), t->ack - 1, who(l, d));
                }
                window_words(b, l, t, r);
                tl_buf_puts(b, zh ? "。" : ".");
                if (len > 0) {
                    tl_buf_printf(b,
                                  zh ? "它已经携带 %u 字节数据。"
                                     : " It already carries %u byte%s of data.",
                                  len, pl(len));
                }
                break;
            }
            /* the SYN-ACK may carry data: then the ack covers it too */
            uint32_t hs_isn = f->conn.d[o].sent_synack ? f->conn.d[o].syn_seq : t->ack - 1;
            uint32_t hs_more = t->ack - hs_isn - 1;
            if (zh && hs_more) {
                tl_buf_printf(b,
                              "%s确认%s的 SYN：ack %u = %s的 ISN %u + 1 + SYN-ACK 携带的 %u "
                              "字节数据。三次握手完成",
                              Who(l, d), who(l, o), t->ack, who(l, o), hs_isn, hs_more);
            } else if (hs_more) {
                tl_buf_printf(b,
                              "%s acknowledges %s's SYN: ack %u = %s's ISN %u + 1 + the %u bytes "
                              "of data its SYN-ACK carried. The three-way handshake is complete",
                              Who(l, d), who(l, o), t->ack, who(l, o), hs_isn, hs_more);
            } else if (zh) {
                tl_buf_printf(b, "%s确认%s的 SYN：ack %u = %s的 ISN %u + 1。三次握手完成",
                              Who(l, d), who(l, o), t->ack, who(l, o), t->ack - 1);
            } else {
                tl_buf_printf(b,
                              "%s acknowledges %s's SYN: ack %u = %s's ISN %u + 1. The three-way "
                              "handshake is complete",
                              Who(l, d), who(l, o), t->ack, who(l, o), t->ack - 1);
            }
            if (c->syn_ns && c->synack_ns && c->hsack_ns) {
                int64_t a = (c->synack_ns - c->syn_ns) / 1000,
                        bb = (c->hsack_ns - c->synack_ns) / 1000;
                tl_buf_puts(b, zh ? "，共 " : " after ");
                tl_duration(b, a + bb);
                tl_buf_puts(b, zh ? "（SYN→SYN-ACK " : " (SYN→SYN-ACK ");
                tl_duration(b, a);
                tl_buf_puts(b, zh ? "，SYN-ACK→ACK " : ", SYN-ACK→ACK ");
                tl_duration(b, bb);
                tl_buf_puts(b, zh ? "）" : ")");
            }
            tl_buf_puts(b, zh ? "。通告" : ". It advertises a ");
            window_words(b, l, t, r);
            tl_buf_puts(b, zh ? "。" : ".");
            if (len > 0) {
                tl_buf_printf(
                    b, zh ? "它已经携带 %u 字节数据。" : " It already carries %u byte%s of data.",
                    len, pl(len));
            }
            break;
        }
        case TL_EV_DATA:
            if (zh) {
                tl_buf_printf(b, "%s发送 %u 字节数据（相对序列号 %u–%u，下一个字节是 %u）",
                              Who(l, d), len, r->seq_rel, r->seq_rel + len - 1, r->seq_rel + len);
            } else {
                tl_buf_printf(
                    b, "%s sends %u byte%s of data (relative seq %u–%u; the next byte will be %u)",
                    Who(l, d), len, pl(len), r->seq_rel, r->seq_rel + len - 1, r->seq_rel + len);
            }
            if ((fl & TL_TH_ACK) && r->ack_rel_known && ack_new) {
                tl_buf_printf(b,
                              zh ? "，并确认了对方到相对序列号 %u 为止的数据。"
                                 : ", and acknowledges the peer's bytes up to relative %u.",
                              r->ack_rel);
            } else {
                tl_buf_puts(b, zh ? "。" : ".");
            }
            break;
        case TL_EV_ACK:
            if (ack_new && r->ack_rel_known) {
                if (zh) {
                    tl_buf_printf(b, "%s确认收到%s到相对序列号 %u 之前的全部数据（ack %u），通告",
                                  Who(l, d), who(l, o), r->ack_rel, t->ack);
                } else {
                    tl_buf_printf(b,
                                  "%s acknowledges everything %s sent before relative seq %u (ack "
                                  "%u), advertising a ",
                                  Who(l, d), who(l, o), r->ack_rel, t->ack);
                }
            } else {
                tl_buf_printf(b,
                              zh ? "%s发送 ACK，没有确认新的数据，通告"
                                 : "%s sends an ACK that acknowledges nothing new, advertising a ",
                              Who(l, d));
            }
            window_words(b, l, t, r);
            tl_buf_puts(b, zh ? "。" : ".");
            break;
        case TL_EV_RETX:
            if (fl & TL_TH_FIN) {
                tl_buf_printf(
                    b,
                    zh ? "%s重发 FIN（序列号 %u）：第一个 FIN 没有及时得到确认。"
                       : "%s repeats its FIN (seq %u): the first one was not acknowledged in time.",
                    Who(l, d), t->seq);
            } else if (r->conn.analysis & TL_AF_FAST_RETRANSMISSION) {
                tl_buf_printf(
                    b,
                    zh ? "%s快速重传相对序列号 %u 开始的 %u 字节：对方已经连续发来重复 "
                         "ACK，说明这一段丢了。%.0s"
                       : "%s fast-retransmits the segment at relative seq %u (%u byte%s): "
                         "the peer's "
                         "duplicate ACKs showed this segment was lost, so it is resent "
                         "without waiting for the timer.",
                    Who(l, d), r->seq_rel, len, pl(len));
            } else if (r->conn.analysis & TL_AF_SPURIOUS_RETRANSMISSION) {
                tl_buf_printf(
                    b,
                    zh ? "%s重发了相对序列号 %u 开始的 %u "
                         "字节，但对方早已确认过它们：这是一次多余（spurious）的重传。%.0s"
                       : "%s resends the segment at relative seq %u (%u byte%s), which the peer "
                         "had already acknowledged: a spurious retransmission.",
                    Who(l, d), r->seq_rel, len, pl(len));
            } else {
                tl_buf_printf(
                    b,
                    zh ? "%s重发相对序列号 %u 开始的 %u "
                         "字节：这些字节之前已经发送过（疑似重传，通常是因为没有及时收到确认）。"
                         "%.0s"
                       : "%s sends the segment at relative seq %u (%u byte%s) again: it was sent "
                         "before (a "
                         "suspected retransmission, usually because no acknowledgement came in "
                         "time).",
                    Who(l, d), r->seq_rel, len, pl(len));
            }
            break;
        case TL_EV_OUT_OF_ORDER:
            tl_buf_printf(
                b,
                zh ? "%s的这一段（相对序列号 %u，%u "
                     "字节）比后面的数据晚到：乱序到达，而不是重传。%.0s"
                   : "%s's segment at relative seq %u (%u byte%s) arrives after later data: out of "
                     "order, not a retransmission.",
                Who(l, d), r->seq_rel, len, pl(len));
            break;
        case TL_EV_DUP_ACK:
            tl_buf_printf(
                b,
                zh ? "%s再次发送 ack %u（相对 %u），窗口不变：第 %u 个重复 "
                     "ACK，表示它在等相对序列号 %u 处缺失的数据。"
                   : "%s repeats ack %u (relative %u) with the same window: duplicate ACK #%u, "
                     "telling the sender that the data at relative seq %u is missing.",
                Who(l, d), t->ack, r->ack_rel, s->dupacks[d], r->ack_rel);
            break;
        case TL_EV_ZERO_WINDOW_PROBE:
            if (r->conn.analysis & TL_AF_ZERO_WINDOW_PROBE) {
                tl_buf_printf(
                    b,
                    zh ? "%s发送 1 字节的零窗口探测（序列号 "
                         "%u，正是下一个该发的字节）：%s最后通告的"
                         "窗口是 0，%s的坚持定时器（persist timer）到期，就发出这个探测（RFC 9293 "
                         "§3.8.6.1）。如果窗口仍是 0，这个字节不会被接收，应答会再次通告窗口 0；"
                         "窗口一打开，数据就可以继续发送。"
                       : "%s sends a 1-byte zero-window probe (seq %u, the next byte due): %s last "
                         "advertised a window of 0, so %s's persist timer fired and sends this "
                         "probe (RFC 9293 §3.8.6.1). While the window stays 0 the byte is not "
                         "accepted and the answer advertises 0 again; once it opens, data flows "
                         "again.",
                    Who(l, d), t->seq, who(l, o), who(l, d));
            } else {
                tl_buf_printf(
                    b,
                    zh ? "%s发送零窗口探测：%s最后通告的窗口是 0，%s的坚持定时器（persist timer）"
                         "到期，就发出窗口探测，看窗口是否重新打开（RFC 9293 §3.8.6.1）。Linux "
                         "用保活报文的形式发送它：序列号 %u 比下一个新序列号小 1、不带数据，所以 "
                         "Wireshark 把它标为 "
                         "keep-alive；但它不是保活定时器发出的，而是因为窗口关闭。"
                         "对方必须用 ACK 回应，ACK 里的窗口说明能否继续发送。"
                       : "%s probes the closed window: %s last advertised a window of 0, so %s's "
                         "persist timer fired and sends a window probe to learn whether the "
                         "window has opened again (RFC 9293 §3.8.6.1). Linux sends it in "
                         "keep-alive form: seq %u is one below the next new sequence number and "
                         "it carries no data, so Wireshark flags it as a keep-alive, but it comes "
                         "from the closed window, not from the keep-alive timer. The peer must "
                         "answer with an ACK, whose window says whether sending may resume.",
                    Who(l, d), who(l, o), who(l, d), t->seq);
            }
            break;
        case TL_EV_ZERO_WINDOW:
            tl_buf_printf(
                b,
                zh ? "%s通告窗口为 0：接收缓冲区已满，对方必须暂停发送，直到窗口重新打开。"
                   : "%s advertises a window of 0: its receive buffer is full, so the peer "
                     "must stop sending until the window opens again.",
                Who(l, d));
            break;
        case TL_EV_WINDOW_UPDATE:
            tl_buf_printf(b, zh ? "%s只更新了窗口：" : "%s only updates its window: ", Who(l, d));
            window_words(b, l, t, r);
            tl_buf_puts(b, zh ? "（应用程序读走了数据，缓冲区腾出了空间）。"
                              : " (the application has read data, freeing buffer space).");
            break;
        case TL_EV_KEEP_ALIVE:
            tl_buf_printf(
                b,
                zh ? "%s发送保活（keep-alive）报文：序列号 %u 比下一个应发的序列号小 "
                     "1，对方必须回一个 ACK，以证明连接仍然存在。"
                   : "%s sends a keep-alive: seq %u is one below the next new sequence number, so "
                     "the peer must answer with an ACK, proving the connection is still alive.",
                Who(l, d), t->seq);
            break;
        case TL_EV_FIN:
            if (s->fin[o] && !(SEQ_LEQ(s->fin_seq[o] + 1, t->ack) && (fl & TL_TH_ACK))) {
                tl_buf_printf(b,
                              zh ? "%s也发出 FIN（序列号 %u），但它还没有收到对方的 "
                                   "FIN：两端同时关闭（simultaneous close）。"
                                 : "%s sends its FIN too (seq %u) before it has seen the peer's "
                                   "FIN: both ends are closing at once (a simultaneous close).",
                              Who(l, d), t->seq);
            } else if (s->fin[o]) {
                tl_buf_printf(b,
                              zh ? "%s也关闭自己这一方向：FIN（序列号 "
                                   "%u）。它早先已单独确认了对方的 FIN，所以这是四次挥手的第三步。"
                                 : "%s closes its side too: FIN at seq %u. It had already "
                                   "acknowledged the peer's FIN in a separate segment, so this is "
                                   "the third step of a four-way close.",
                              Who(l, d), t->seq);
            } else if (zh) {
                tl_buf_printf(b,
                              "%s没有更多数据要发送：FIN，序列号 %u（相对 %u）%s。FIN "
                              "占用一个序列号，所以它的确认号将是 %u。",
                              Who(l, d), t->seq + len, r->seq_rel + len,
                              len ? "，同时携带最后的数据" : "", t->seq + len + 1);
            } else {
                tl_buf_printf(b,
                              "%s has no more data to send: FIN at seq %u (relative %u)%s. A FIN "
                              "consumes one sequence number, so its acknowledgement will be %u.",
                              Who(l, d), t->seq + len, r->seq_rel + len,
                              len ? ", riding on its last data" : "", t->seq + len + 1);
            }
            break;
        case TL_EV_FIN_ACK_PIGGY:
            if (zh) {
                tl_buf_printf(b,
                              "%s也关闭自己这一方向，并且在同一个报文里确认了%s的 FIN：ack %u = "
                              "FIN 的序列号 %u + 1。它之前没有单独发 ACK，ACK 搭载在 FIN "
                              "上（捎带确认），所以这次关闭只用三个报文，而不是教科书上的四个。",
                              Who(l, d), who(l, o), t->ack, t->ack - 1);
            } else {
                tl_buf_printf(b,
                              "%s closes its side too, and the same segment acknowledges %s's FIN: "
                              "ack %u = the FIN's seq %u + 1. No separate ACK came first: the ACK "
                              "rides on the FIN (piggybacked), so this close takes three segments "
                              "instead of the textbook four.",
                              Who(l, d), who(l, o), t->ack, t->ack - 1);
            }
            break;
        case TL_EV_CLOSE_ACK:
            if (zh) {
                tl_buf_printf(b, "%s确认%s的 FIN：ack %u = FIN 的序列号 %u + 1。", Who(l, d),
                              who(l, o), t->ack, t->ack - 1);
            } else {
                tl_buf_printf(b, "%s acknowledges %s's FIN: ack %u = the FIN's seq %u + 1.",
                              Who(l, d), who(l, o), t->ack, t->ack - 1);
            }
            if (r->conn.state[d] == TL_ST_TIME_WAIT && r->conn.state[o] == TL_ST_TIME_WAIT) {
                /* the second ACK of a simultaneous close (RFC 9293 §3.6, Figure 13) */
                tl_buf_printf(b,
                              zh ? "它在 TIME-WAIT 中等待 2×MSL；%s的 FIN 得到确认，它也从 "
                                   "CLOSING 进入 TIME-WAIT。"
                                 : " It waits in TIME-WAIT for 2×MSL; %s's FIN is acknowledged, so "
                                   "it too leaves CLOSING for TIME-WAIT.",
                              who(l, o));
            } else if (r->conn.state[d] == TL_ST_TIME_WAIT) {
                tl_buf_puts(
                    b, zh ? "它进入 TIME-WAIT，要等待 2×MSL，以便在最后这个 ACK "
                            "丢失时还能重发；对方收到后即 CLOSED。"
                          : " It now waits in TIME-WAIT for 2×MSL, in case this last ACK is lost "
                            "and must be sent again; the peer is CLOSED once it arrives.");
            } else if (r->conn.state[d] == TL_ST_CLOSING) {
                tl_buf_puts(b, zh ? "它已收到对方的 FIN，而自己的 FIN 还没有被确认：进入 CLOSING"
                                    "（RFC 9293 §3.6）。"
                                  : " It has the peer's FIN while its own FIN is not yet "
                                    "acknowledged: it enters CLOSING (RFC 9293 §3.6).");
                if (r->conn.state[o] == TL_ST_TIME_WAIT) {
                    tl_buf_printf(b,
                                  zh ? "这个 ACK 是在它自己的 FIN 之后发出的，所以那个 FIN "
                                       "先到达%s：%s也经过了 CLOSING，现在它的 FIN "
                                       "得到确认，进入 TIME-WAIT。"
                                     : " This ACK left after its own FIN, so that FIN reached %s "
                                       "first: %s went through CLOSING too, and with its FIN now "
                                       "acknowledged it is in TIME-WAIT.",
                                  who(l, o), who(l, o));
                }
            } else if (r->conn.state[d] == TL_ST_CLOSE_WAIT) {
                tl_buf_puts(b, zh ? "它进入 CLOSE-WAIT：它仍然可以继续发送数据，直到自己也关闭。"
                                  : " It enters CLOSE-WAIT: it may still send data until it closes "
                                    "its own side.");
            }
            break;
        case TL_EV_RST: {
            const struct tl_conn *c = &f->conn;
            if (c->rejected && d == TL_S2C && !f->side[TL_S2C].syn_seen) {
                if (zh) {
                    tl_buf_printf(
                        b,
                        "%s用 RST 拒绝了连接：端口 %u 上没有程序在监听（或防火墙代为拒绝）。ack %u "
                        "= SYN 的序列号 + 1，指明被拒绝的是哪个 "
                        "SYN。没有监听者，所以服务器这一端是 "
                        "CLOSED，而不是此前假定的 LISTEN。",
                        Who(l, d), f->port[TL_S2C], t->ack);
                } else {
                    tl_buf_printf(b,
                                  "%s refuses the connection with RST: nothing listens on port %u "
                                  "(or a firewall answers for it). ack %u = the SYN's seq + 1 "
                                  "names the SYN being refused. With no listener, the server's end "
                                  "is CLOSED, not the LISTEN assumed until this answer.",
                                  Who(l, d), f->port[TL_S2C], t->ack);
                }
            } else if (zh) {
                tl_buf_printf(b,
                              "%s用 RST 立即中止连接：与 FIN 不同，RST "
                              "不需要确认，未发送的数据被丢弃，双方都直接进入 CLOSED。",
                              Who(l, d));
            } else {
                tl_buf_printf(
                    b,
                    "%s aborts the connection with RST: unlike a FIN it needs no acknowledgement; "
                    "unsent data is discarded and both ends go straight to CLOSED.",
                    Who(l, d));
            }
            break;
        }
        case TL_EV_OTHER:
        default: {
            char flags[16];
            tl_tcp_flags_tcpdump(fl, flags, sizeof flags);
            if (zh) {
                tl_buf_printf(
                    b, "标志位 [%s]：正常的 TCP 实现不会发送这种组合（常见于扫描或构造的报文）。",
                    flags);
            } else {
                tl_buf_printf(b,
                              "Flags [%s]: a combination no normal TCP stack sends (typical of "
                              "scans or crafted packets).",
                              flags);
            }
            break;
        }
    }
    if ((fl & TL_TH_FIN) && !(fl & (TL_TH_SYN | TL_TH_RST)) && !s->fin[d]) {
        s->fin[d] = true;
        s->fin_seq[d] = t->seq + len;
    }
    if (ev == TL_EV_SYN || ev == TL_EV_SYN_ACK || ev == TL_EV_FIN || ev == TL_EV_FIN_ACK_PIGGY ||
        ev == TL_EV_CLOSE_ACK || ev == TL_EV_HANDSHAKE_ACK || ev == TL_EV_RST) {
        if (!zh) {
            tl_buf_putc(b, ' ');
        }
        states_words(b, l, r);
    }
    cksum_words(b, l, f, p, r);
    if (zh) {
        zh_tidy(b, start);
    }
    return acks;
}

/* ---- the connection's story ------------------------------------------------------------- */

static void endpoint(struct tl_buf *b, const struct tl_flow *f, int d)
{
    char a[64];
    tl_addr_str(f->ip_version, f->addr[d], a, sizeof a);
    tl_buf_printf(b, f->ip_version == 6 ? "[%s]:%u" : "%s:%u", a, f->port[d]);
}

static void syn_times(struct tl_buf *b, enum tl_lang l, const struct tl_conn_dir *c)
{
    unsigned n = c->syns < TL_SYN_TIMES_MAX ? c->syns : TL_SYN_TIMES_MAX;
    for (unsigned i = 0; i < n; i++) {
        if (i > 0) {
            tl_buf_puts(b, i + 1 == n ? (l == TL_LANG_ZH ? " 和 " : " and ")
                                      : (l == TL_LANG_ZH ? "、" : ", "));
        }
        tl_duration(b, (int64_t)c->syn_us[i] - c->syn_us[0]);
    }
    if (n > 1) {
        tl_buf_puts(b, l == TL_LANG_ZH ? "（间隔 " : " (gaps ");
        for (unsigned i = 1; i < n; i++) {
            if (i > 1) {
                tl_buf_puts(b, l == TL_LANG_ZH ? "、" : ", ");
            }
            tl_duration(b, (int64_t)c->syn_us[i] - c->syn_us[i - 1]);
        }
        tl_buf_puts(b, l == TL_LANG_ZH ? "，每次加倍：指数退避）"
                                       : ": each twice the last, exponential backoff)");
    }
}

static void story_summary(const struct tl_flow *f, enum tl_lang l, struct tl_buf *b);

void tl_story_summary(const struct tl_flow *f, enum tl_lang l, struct tl_buf *b)
{
    size_t start = b->len;
    story_summary(f, l, b);
    if (l == TL_LANG_ZH) {
        zh_tidy(b, start);
    } else {
        squeeze_spaces(b, start);
    }
}

static void story_summary(const struct tl_flow *f, enum tl_lang l, struct tl_buf *b)
{
    const struct tl_conn *c = &f->conn;
    bool zh = l == TL_LANG_ZH;
    enum tl_handshake hs = tl_conn_handshake(f);
    unsigned initiator, reset_by;
    enum tl_teardown td = tl_conn_teardown(f, &initiator, &reset_by);

    if (zh) {
        tl_buf_puts(b, "客户端 ");
        endpoint(b, f, TL_C2S);
        tl_buf_puts(b, " 与服务器 ");
        endpoint(b, f, TL_S2C);
        tl_buf_puts(b, " 之间的 TCP 连接。");
    } else {
        tl_buf_puts(b, "A TCP connection from the client ");
        endpoint(b, f, TL_C2S);
        tl_buf_puts(b, " to the server ");
        endpoint(b, f, TL_S2C);
        tl_buf_puts(b, ".");
    }
    if (f->orientation == TL_ORIENT_GUESSED) {
        tl_buf_puts(
            b,
            zh ? "（没有看到 SYN，谁是客户端是按第一个报文猜的。）"
               : " (No SYN was seen: which end is the client is a guess from the first packet.)");
    }
    if (!zh) {
        tl_buf_putc(b, ' ');
    }

    /* how it opened */
    int64_t a_us = c->syn_ns && c->synack_ns ? (c->synack_ns - c->syn_ns) / 1000 : -1;
    int64_t b_us = c->synack_ns && c->hsack_ns ? (c->hsack_ns - c->synack_ns) / 1000 : -1;
    switch (hs) {
        case TL_HS_COMPLETE:
            tl_buf_puts(b, zh ? "三次握手完整" : "The three-way handshake completed");
            if (a_us >= 0 && b_us >= 0) {
                tl_buf_puts(b, zh ? "，用时 " : " in ");
                tl_duration(b, a_us + b_us);
                tl_buf_puts(b, zh ? "：SYN 发出后 " : ": the SYN-ACK came ");
                tl_duration(b, a_us);
                tl_buf_puts(b,
                            zh ? " 收到 SYN-ACK，再过 " : " after the SYN, and the client's ACK ");
                tl_duration(b, b_us);
                tl_buf_puts(b, zh ? " 客户端发出 ACK" : " after that");
                if (a_us > 10 * b_us) {
                    tl_buf_puts(b, zh ? "。ACK 紧跟 SYN-ACK，说明抓包点靠近客户端，SYN→SYN-ACK "
                                        "这段时间基本就是往返时延（RTT）"
                                      : ". The ACK follows the SYN-ACK almost at once, so the "
                                        "capture was taken near the client and the first interval "
                                        "is essentially the round-trip time");
                } else if (b_us > 10 * a_us) {
                    tl_buf_puts(b, zh ? "。SYN-ACK 紧跟 SYN，说明抓包点靠近服务器，SYN-ACK→ACK "
                                        "这段时间基本就是往返时延"
                                      : ". The SYN-ACK follows the SYN almost at once, so the "
                                        "capture was taken near the server and the second interval "
                                        "is essentially the round-trip time");
                }
            }
            tl_buf_puts(b, zh ? "。" : ".");
            if (c->d[0].syns > 1) {
                tl_buf_printf(
                    b,
                    zh ? "客户端的 SYN 发了 %u 次才得到应答。"
                       : " The client had to send its SYN %u times before it was answered.",
                    c->d[0].syns);
            }
            break;
        case TL_HS_SIMULTANEOUS_OPEN:
            tl_buf_puts(b, zh ? "两端同时发出 SYN（同时打开），随后互相用 SYN-ACK 确认，连接建立。"
                                "双方都没有等待对方的应答，所以没有客户端到服务器的握手往返时间"
                                "（rtt_us 为空）。"
                              : "Both ends sent a SYN at the same time (a simultaneous open) and "
                                "then acknowledged each other with SYN-ACKs. Neither end waited "
                                "for the other's answer, so there is no client-to-server "
                                "handshake round-trip time (rtt_us is null).");
            break;
        case TL_HS_NO_REPLY:
            if (c->d[0].syns > 1) {
                tl_buf_printf(b,
                              zh ? "客户端发了 %u 次 SYN，时间分别在 "
                                 : "The client sent its SYN %u times, at ",
                              c->d[0].syns);
                syn_times(b, l, &c->d[0]);
                tl_buf_puts(b, zh ? "，始终没有得到任何应答：服务器宕机、被防火墙静默丢弃，或者报文"
                                    "在途中丢失。"
                                  : ", and never got an answer: the server is down, a firewall "
                                    "drops the SYNs silently, or they are lost on the way.");
            } else {
                tl_buf_puts(
                    b, zh ? "客户端发出 SYN，但在抓包结束前没有得到任何应答。"
                          : "The client sent a SYN and got no answer before the capture ended.");
            }
            break;
        case TL_HS_REJECTED:
            tl_buf_printf(b,
                          zh ? "服务器用 RST 回应了 SYN：连接被拒绝，端口 %u "
                               "上没有程序在监听（防火墙也可能这样回应），所以服务器这一端是 "
                               "CLOSED，而不是 LISTEN。"
                             : "The server answered the SYN with RST: the connection was refused, "
                               "nothing listens on port %u (a firewall can answer this way too), "
                               "so the server's end is CLOSED, not LISTEN.",
                          f->port[TL_S2C]);
            break;
        case TL_HS_NO_FINAL_ACK:
            tl_buf_puts(
                b, zh ? "服务器回了 SYN-ACK，但客户端始终没有确认它"
                      : "The server answered with SYN-ACK, but the client never acknowledged it");
            if (c->d[0].sent_rst) {
                tl_buf_puts(b, zh ? "，而是发了 RST" : ": it reset the connection instead");
            }
            if (c->d[1].synacks > 1) {
                tl_buf_printf(b,
                              zh ? "；服务器重发了 %u 次 SYN-ACK"
                                 : "; the server sent its SYN-ACK %u times",
                              c->d[1].synacks);
            }
            tl_buf_puts(b, zh ? "。握手没有完成。" : ". The handshake never completed.");
            break;
        case TL_HS_NOT_SEEN:
        default:
            if (c->d[1].sent_synack) {
                tl_buf_puts(b, zh ? "抓包开始于客户端的 SYN 之后：只看到了 SYN-ACK 和之后的报文。"
                                  : "The capture began just after the client's SYN: the SYN-ACK "
                                    "and what followed were seen.");
            } else {
                tl_buf_puts(b, zh ? "抓包开始时连接已经建立（没有看到握手），所以初始序列号和握手选"
                                    "项未知，相对序列号从看到的第一个报文算起。"
                                  : "The capture began after the connection was set up (no "
                                    "handshake was seen), so the initial sequence numbers and the "
                                    "handshake options are unknown, and relative sequence numbers "
                                    "count from the first segment seen.");
            }
            break;
    }

    /* what flowed */
    if (!zh) {
        tl_buf_putc(b, ' ');
    }
    if (zh) {
        tl_buf_printf(
            b, "客户端发送了 %llu 个报文、%llu 字节数据，服务器发送了 %llu 个报文、%llu 字节数据。",
            (unsigned long long)f->side[0].packets, (unsigned long long)f->side[0].bytes,
            (unsigned long long)f->side[1].packets, (unsigned long long)f->side[1].bytes);
    } else {
        tl_buf_printf(b,
                      "The client sent %llu packet%s with %llu byte%s of data, the server %llu "
                      "packet%s with %llu byte%s.",
                      (unsigned long long)f->side[0].packets, pl(f->side[0].packets),
                      (unsigned long long)f->side[0].bytes, pl(f->side[0].bytes),
                      (unsigned long long)f->side[1].packets, pl(f->side[1].packets),
                      (unsigned long long)f->side[1].bytes, pl(f->side[1].bytes));
    }
    unsigned retx = c->d[0].retransmissions + c->d[1].retransmissions;
    unsigned dup = c->d[0].dup_acks + c->d[1].dup_acks;
    unsigned ooo = c->d[0].out_of_order + c->d[1].out_of_order;
    unsigned zw = c->d[0].zero_windows + c->d[1].zero_windows;
    unsigned ka = c->d[0].keep_alives + c->d[1].keep_alives;
    unsigned zwp = c->d[0].zero_window_probes + c->d[1].zero_window_probes;
    if (retx || dup || ooo || zw || zwp || ka) {
        tl_buf_puts(b, zh ? "传输中出现了：" : " Along the way:");
        bool first = true;
#define ITEM(n, en1, en, cn)                                                                       \
    if (n) {                                                                                       \
        tl_buf_puts(b, first ? (zh ? "" : " ") : (zh ? "，" : ", "));                              \
        if (zh) {                                                                                  \
            tl_buf_printf(b, "%u 次" cn, n);                                                       \
        } else {                                                                                   \
            tl_buf_printf(b, "%u %s", n, n == 1 ? en1 : en);                                       \
        }                                                                                          \
        first = false;                                                                             \
    }
        ITEM(retx, "retransmission", "retransmissions", "重传")
        ITEM(dup, "duplicate ACK", "duplicate ACKs", "重复 ACK")
        ITEM(ooo, "out-of-order segment", "out-of-order segments", "乱序")
        ITEM(zw, "zero-window advertisement", "zero-window advertisements", "零窗口通告")
        ITEM(zwp, "zero-window probe (persist timer)", "zero-window probes (persist timer)",
             "零窗口探测（坚持定时器）")
        ITEM(ka, "keep-alive", "keep-alives", "保活探测")
#undef ITEM
        tl_buf_puts(b, zh ? "。" : ".");
    }

    /* how it closed */
    if (!zh) {
        tl_buf_putc(b, ' ');
    }
    int first_dir = initiator == TL_WHO_SERVER ? TL_S2C : TL_C2S;
    switch (td) {
        case TL_TD_FOUR_WAY:
            if (zh) {
                tl_buf_printf(b,
                              "%s先发 FIN 关闭；%s先单独确认，随后才发出自己的 "
                              "FIN，再被确认：标准的四次挥手。",
                              who(l, first_dir), who(l, !first_dir));
            } else {
                tl_buf_printf(b,
                              "%s closed first with FIN; %s acknowledged it separately and later "
                              "sent its own FIN, which was acknowledged in turn: a four-way close.",
                              Who(l, first_dir), who(l, !first_dir));
            }
            break;
        case TL_TD_THREE_SEGMENT:
            if (zh) {
                tl_buf_printf(b,
                              "%s先发 FIN 关闭。%s没有单独回 ACK，而是用一个报文同时发出自己的 FIN "
                              "并确认对方的 FIN（ACK 捎带在 FIN 上），最后%s确认这个 "
                              "FIN：所以关闭只用了三个报文，而不是教科书上的四个——不是少了一个报文"
                              "，而是两个合成了一个。",
                              who(l, first_dir), who(l, !first_dir), who(l, first_dir));
            } else {
                tl_buf_printf(
                    b,
                    "%s closed first with FIN. %s did not send a separate ACK: one segment carried "
                    "both its own FIN and the ACK of %s's FIN (the ACK rode on the FIN), and %s "
                    "acknowledged that FIN. So the close took three segments instead of the "
                    "textbook four: nothing is missing, two of them were combined.",
                    Who(l, first_dir), Who(l, !first_dir), who(l, first_dir), who(l, first_dir));
            }
            break;
        case TL_TD_SIMULTANEOUS:
            tl_buf_puts(b, zh ? "两端在看到对方的 FIN 之前都发出了 FIN：同时关闭。"
                              : "Both ends sent FIN before seeing the other's: a simultaneous "
                                "close.");
            /* each end as its states show it (st_packet in conn.c, RFC 9293 §3.6) */
            for (int d = 0; d < 2; d++) {
                if (c->d[d].closing == 1) {
                    tl_buf_printf(b,
                                  zh ? "%s经过 CLOSING：在它自己的 FIN 被确认之前，%s的 FIN "
                                       "已经到达。"
                                     : " %s went through CLOSING: %s's FIN reached it before its "
                                       "own FIN was acknowledged.",
                                  Who(l, d), who(l, !d));
                } else if (c->d[d].closing == 2) {
                    tl_buf_printf(b,
                                  zh ? "%s的 FIN 是被一个在%s自己的 FIN 之后发出的报文确认的，"
                                       "而那个 FIN 先到：%s在两个抓到的报文之间经过了 CLOSING，"
                                       "从 FIN-WAIT-1 直接进入 TIME-WAIT。"
                                     : " %s's FIN was acknowledged by a segment sent after %s's "
                                       "own FIN, which therefore reached it first: %s passed "
                                       "through CLOSING between two captured packets, from "
                                       "FIN-WAIT-1 straight to TIME-WAIT.",
                                  Who(l, d), who(l, !d), who(l, d));
                }
            }
            break;
        case TL_TD_RESET:
            if (c->first_fin_who) {
                tl_buf_printf(
                    b,
                    zh ? "%s先发了 FIN，但连接最终被 %s 的 RST 中止。"
                       : "%s sent FIN first, but the connection ended with a RST from %s.",
                    Who(l, first_dir),
                    reset_by == TL_WHO_BOTH ? (zh ? "双方" : "both ends")
                                            : who(l, reset_by == TL_WHO_SERVER));
            } else if (hs != TL_HS_REJECTED) {
                tl_buf_printf(b,
                              zh ? "连接被 %s 用 RST 中止，而不是用 FIN 正常关闭。"
                                 : "The connection was aborted by a RST from %s instead of being "
                                   "closed with FIN.",
                              reset_by == TL_WHO_BOTH ? (zh ? "双方" : "both ends")
                                                      : who(l, reset_by == TL_WHO_SERVER));
            }
            break;
        case TL_TD_HALF_CLOSED:
            if (zh) {
                tl_buf_printf(b,
                              "%s发了 FIN（它不再发送数据），但直到抓包结束%s都没有发出自己的 "
                              "FIN：连接处于半关闭状态。",
                              who(l, first_dir), who(l, !first_dir));
            } else {
                tl_buf_printf(b,
                              "%s sent FIN (it has finished sending), but %s had not sent its own "
                              "FIN when the capture ended: the connection is half-closed.",
                              Who(l, first_dir), who(l, !first_dir));
            }
            break;
        case TL_TD_OPEN:
        default:
            if (hs == TL_HS_COMPLETE || hs == TL_HS_NOT_SEEN || hs == TL_HS_SIMULTANEOUS_OPEN) {
                tl_buf_puts(
                    b, zh ? "抓包结束时连接仍然打开（没有 FIN 也没有 RST）。"
                          : "The capture ended with the connection still open (no FIN, no RST).");
            }
            break;
    }
    if (td == TL_TD_FOUR_WAY || td == TL_TD_THREE_SEGMENT || td == TL_TD_SIMULTANEOUS) {
        if (zh) {
            tl_buf_printf(b, "最后客户端处于 %s，服务器处于 %s。", tl_state_name(c->d[0].state),
                          tl_state_name(c->d[1].state));
        } else {
            tl_buf_printf(b, " In the end the client is in %s and the server in %s.",
                          tl_state_name(c->d[0].state), tl_state_name(c->d[1].state));
        }
    }

    /* checksums */
    for (int d = 0; d < 2; d++) {
        const struct tl_conn_dir *x = &c->d[d];
        if (x->cksum_offloaded > 0) {
            bool lo = on_loopback(f);
            if (zh) {
                tl_buf_printf(b, "%s有%u个报文的校验和字段只是伪首部的和：%s", who(l, d),
                              x->cksum_offloaded,
                              lo ? "这是环回接口，内核从不计算 TCP 校验和，这不是错误。"
                                 : "抓包发生在它自己的主机上，网卡随后才计算校验和（校验和卸载），"
                                   "这不是错误。");
            } else {
                tl_buf_printf(
                    b,
                    " %u %s from %s %s only the pseudo-header sum in the checksum "
                    "field: %s",
                    x->cksum_offloaded, x->cksum_offloaded == 1 ? "packet" : "packets", who(l, d),
                    x->cksum_offloaded == 1 ? "carries" : "carry",
                    lo ? "on loopback the kernel never computes TCP checksums, so nothing "
                         "is wrong."
                       : "the capture was taken on its own host, before the network card "
                         "computed the checksum (checksum offload), so nothing is wrong.");
            }
            if (f->cksum_mode == TL_CKM_VERIFY) {
                tl_buf_puts(b, zh ? "按 checksums=verify，它们被当作已丢弃。"
                                  : " With checksums=verify they count as dropped.");
            }
        }
        if (x->cksum_bad > 0) {
            uint32_t dropped = f->cksum_mode == TL_CKM_VERIFY
                                   ? x->cksum_bad
                                   : (f->cksum_mode == TL_CKM_AUTO ? x->discarded : 0);
            uint32_t taken = x->cksum_bad - dropped;
            if (zh) {
                tl_buf_printf(b, "%s有%u个报文的 TCP 校验和错误", who(l, d), x->cksum_bad);
                if (f->cksum_mode == TL_CKM_AUTO && taken > 0) {
                    tl_buf_printf(b, "，其中%u个被对方确认（错的是抓包里的值）", taken);
                }
                if (dropped > 0) {
                    tl_buf_printf(b, "，%u个按被接收方丢弃处理", dropped);
                }
                tl_buf_puts(b, "。");
            } else {
                tl_buf_printf(b, " %u %s from %s %s an incorrect TCP checksum", x->cksum_bad,
                              x->cksum_bad == 1 ? "packet" : "packets", who(l, d),
                              x->cksum_bad == 1 ? "has" : "have");
                if (f->cksum_mode == TL_CKM_AUTO && taken > 0) {
                    tl_buf_printf(b,
                                  "; %u acknowledged by the peer (the capture holds the wrong "
                                  "value)",
                                  taken);
                }
                if (dropped > 0) {
                    tl_buf_printf(b, "; %u treated as discarded by the receiver", dropped);
                }
                tl_buf_putc(b, '.');
            }
        }
    }
}
