/*
 * render_tcpdump.c - a packet as `tcpdump -nn -v` prints it (tcpdump 4.99.3: print-ip.c,
 * print-ip6.c, print-ip6opts.c, print-rt6.c, print-frag6.c, print-tcp.c, print-mptcp.c,
 * print-sll.c), up to and including "length N" of the TCP line; what tcpdump prints about
 * the application payload after that is left out.
 *
 * The renderer walks the header bytes again (p->l3, through a bounds-checked cursor) rather
 * than printing the decoded fields, because tcpdump's text depends on details the decoder
 * does not keep: how far each header was captured, the order of its checks, malformed
 * options it walks differently. Checksum verdicts are the decoder's (so a stored packet
 * renders the same as a fresh one).
 *
 * tcpdump's truncation model is followed exactly: its snapshot end (the captured bytes,
 * cut to each IP header's own length) decides what is "captured"; a read past it either
 * ends the packet's text with " [|proto]" (tcpdump's GET_ macros, which longjmp) or takes
 * the printer's own truncation path, as the tcpdump function in question does.
 *
 * Numbers are appended with tl_buf's integer appenders rather than printf: this renderer is
 * on the hot path of `tcplens decode --format tcpdump`.
 */
#include <assert.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

#include "checksum.h"
#include "cursor.h"
#include "tcp.h"
#include "render.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10
#define TH_URG 0x20

#define IPPROTO_NUM_DCCP         33
#define IPPROTO_NUM_SCTP         132
#define IPPROTO_NUM_MOBILITY_OLD 62

/* One rendering: where the text goes and what tcpdump would consider captured. */
struct td {
    struct tl_buf *b;
    const struct tl_packet *p;
    struct tl_cur c;   /* readable bytes: l3, up to min(l3_avail, snap) */
    size_t snap;       /* tcpdump's snapshot end, as an offset from l3 */
    const char *proto; /* tcpdump's ndo_protocol: named by the truncation marker */
    bool tcp_seen;     /* printed what marks a TCP packet (see tl_tcpdump_wants) */
    uint32_t seq_sub, ack_sub, sack_sub;
};

/* What an inner printer did: go on, took its own truncation path, or ended the text. */
enum td_res {
    TD_OK = 0,
    TD_TRUNC = -1,
    TD_STOP = -2,
};

static void td_init(struct td *t, struct tl_buf *b, const struct tl_packet *p, uint32_t seq_sub,
                    uint32_t ack_sub, uint32_t sack_sub)
{
    t->b = b;
    t->p = p;
    t->snap = p->l3_caplen;
    tl_cur_init(&t->c, p->l3, p->l3_avail < t->snap ? p->l3_avail : t->snap);
    t->proto = "ip";
    t->tcp_seen = false;
    t->seq_sub = seq_sub;
    t->ack_sub = ack_sub;
    t->sack_sub = sack_sub;
}

/* Set the snapshot end to `end` (never past the captured bytes or `limit`). */
static void set_snap(struct td *t, size_t end, size_t limit)
{
    t->snap = end < limit ? end : limit;
    t->c.len = t->p->l3_avail < t->snap ? t->p->l3_avail : t->snap;
}

/* tcpdump's nd_push_snaplen: cut the snapshot end to `end`, never extend it. */
static void push_snap(struct td *t, size_t end)
{
    set_snap(t, end, t->snap);
}

static bool has(const struct td *t, size_t at, size_t n)
{
    return at <= t->c.len && t->c.len - at >= n;
}

static bool get8(const struct td *t, size_t at, uint8_t *v)
{
    return tl_cur_peek_u8(&t->c, at, v);
}

static bool get16(const struct td *t, size_t at, uint16_t *v)
{
    return tl_cur_peek_be16(&t->c, at, v);
}

static bool get32(const struct td *t, size_t at, uint32_t *v)
{
    return tl_cur_peek_be32(&t->c, at, v);
}

static bool get64(const struct td *t, size_t at, uint64_t *v)
{
    uint32_t hi = 0, lo = 0;
    if (!get32(t, at, &hi) || !get32(t, at + 4, &lo)) {
        return false;
    }
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

/* tcpdump's nd_print_trunc: " [|proto]". */
static void put_trunc(struct td *t)
{
    tl_buf_puts(t->b, " [|");
    tl_buf_puts(t->b, t->proto);
    tl_buf_putc(t->b, ']');
}

/* A GET_ macro failed: tcpdump prints the marker and abandons the packet. */
static enum td_res stop_trunc(struct td *t)
{
    put_trunc(t);
    return TD_STOP;
}

static void put_u(struct td *t, uint64_t v)
{
    tl_buf_u64(t->b, v);
}

/* a, then the number v in decimal */
static void put_su(struct td *t, const char *a, uint64_t v)
{
    tl_buf_puts(t->b, a);
    tl_buf_u64(t->b, v);
}

/* a, the number v in decimal, then b */
static void put_sus(struct td *t, const char *a, uint64_t v, const char *b)
{
    tl_buf_puts(t->b, a);
    tl_buf_u64(t->b, v);
    tl_buf_puts(t->b, b);
}

static void put_s(struct td *t, const char *s)
{
    tl_buf_puts(t->b, s);
}

static void put_hex(struct td *t, uint64_t v, int digits)
{
    tl_buf_hex(t->b, v, digits);
}

static void put_ip4(struct tl_buf *b, const uint8_t *a)
{
    char s[16];
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100) {
            s[n++] = (char)('0' + v / 100);
            v %= 100;
            s[n++] = (char)('0' + v / 10);
        } else if (v >= 10) {
            s[n++] = (char)('0' + v / 10);
        }
        s[n++] = (char)('0' + v % 10);
        s[n++] = '.';
    }
    tl_buf_put(b, s, n - 1);
}

/* The address of `version` at `at`; false (nothing printed) when not readable. */
static bool put_addr(struct td *t, int version, size_t at)
{
    uint8_t a[16];
    size_t n = version == 6 ? 16 : 4;
    if (!has(t, at, n)) {
        return false;
    }
    memcpy(a, t->c.buf + at, n);
    if (version == 4) {
        put_ip4(t->b, a);
    } else {
        char s[64];
        put_s(t, tl_addr_str(6, a, s, sizeof s));
    }
    return true;
}

/* "src > dst" of the IP header at `ip_off` (the header was checked to be captured). */
static bool put_addrs(struct td *t, int version, size_t ip_off)
{
    size_t src = ip_off + (version == 6 ? 8 : 12), dst = ip_off + (version == 6 ? 24 : 16);
    if (!put_addr(t, version, src)) {
        return false;
    }
    put_s(t, " > ");
    return put_addr(t, version, dst);
}

/* tcpdump's ipproto_values (ipproto.c), "unknown" for the others. */
static const char *ipproto_name(uint8_t p)
{
    switch (p) {
        case 0:
            return "Options";
        case 1:
            return "ICMP";
        case 2:
            return "IGMP";
        case 4:
            return "IPIP";
        case 6:
            return "TCP";
        case 8:
            return "EGP";
        case 9:
            return "IGRP";
        case 17:
            return "UDP";
        case 33:
            return "DCCP";
        case 41:
            return "IPv6";
        case 43:
            return "Routing";
        case 44:
            return "Fragment";
        case 46:
            return "RSVP";
        case 47:
            return "GRE";
        case 50:
            return "ESP";
        case 51:
            return "AH";
        case 55:
            return "Mobile IP";
        case 58:
            return "ICMPv6";
        case 62:
            return "Mobile IP (old)";
        case 88:
            return "EIGRP";
        case 89:
            return "OSPF";
        case 103:
            return "PIM";
        case 108:
            return "Compressed IP";
        case 112:
            return "VRRP";
        case 113:
            return "PGM";
        case 132:
            return "SCTP";
        case 135:
            return "Mobility";
        case 240:
            return "pfsync";
        default:
            return "unknown";
    }
}

/* ---- TCP (print-tcp.c, print-mptcp.c) ---- */

/* RFC 8684 §3: the MPTCP subtypes tcpdump prints; 0 = malformed ("[bad opt]"). */
static int mp_capable(struct td *t, size_t at, uint32_t len, uint8_t flags)
{
    uint8_t ver = 0, fl = 0;
    uint64_t key = 0;
    if (!((len == 12 || len == 4) && (flags & TH_SYN)) &&
        !((len == 20 || len == 22) && (flags & (TH_SYN | TH_ACK)) == TH_ACK)) {
        return 0;
    }
    if (!get8(t, at + 2, &ver)) {
        return TD_STOP;
    }
    ver &= 0x0f;
    if (ver > 1) {
        put_sus(t, " Unknown Version (", ver, ")");
        return 1;
    }
    put_su(t, " v", ver);
    if (!get8(t, at + 3, &fl)) {
        return TD_STOP;
    }
    if (fl & 0x80) {
        put_s(t, " csum");
    }
    if (len == 12 || len >= 20) {
        if (!get64(t, at + 4, &key)) {
            return TD_STOP;
        }
        put_s(t, " {0x");
        put_hex(t, key, 1);
        if (len >= 20) {
            if (!get64(t, at + 12, &key)) {
                return TD_STOP;
            }
            put_s(t, ",0x");
            put_hex(t, key, 1);
        }
        put_s(t, "}");
    }
    return 1;
}

static int mp_join(struct td *t, size_t at, uint32_t len, uint8_t flags)
{
    uint8_t b = 0;
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    if (!(len == 12 && (flags & TH_SYN)) &&
        !(len == 16 && (flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) &&
        !(len == 24 && (flags & TH_ACK))) {
        return 0;
    }
    if (len != 24) {
        if (!get8(t, at + 2, &b)) {
            return TD_STOP;
        }
        if (b & 0x01) {
            put_s(t, " backup");
        }
        if (!get8(t, at + 3, &b)) {
            return TD_STOP;
        }
        put_su(t, " id ", b);
    }
    if (len == 12) {
        if (!get32(t, at + 4, &v32)) {
            return TD_STOP;
        }
        put_s(t, " token 0x");
        put_hex(t, v32, 1);
        if (!get32(t, at + 8, &v32)) {
            return TD_STOP;
        }
        put_s(t, " nonce 0x");
        put_hex(t, v32, 1);
    } else if (len == 16) {
        if (!get64(t, at + 4, &v64)) {
            return TD_STOP;
        }
        put_s(t, " hmac 0x");
        put_hex(t, v64, 1);
        if (!get32(t, at + 12, &v32)) {
            return TD_STOP;
        }
        put_s(t, " nonce 0x");
        put_hex(t, v32, 1);
    } else {
        put_s(t, " hmac 0x");
        for (size_t i = 0; i < 20; i++) {
            if (!get8(t, at + 4 + i, &b)) {
                return TD_STOP;
            }
            put_hex(t, b, 2);
        }
    }
    return 1;
}

/* A 4- or 8-byte number of a DSS option; false when `*left` is too short. */
static int dss_number(struct td *t, size_t *at, uint32_t *left, bool wide)
{
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    if (wide) {
        if (*left < 8) {
            return 0;
        }
        if (!get64(t, *at, &v64)) {
            return TD_STOP;
        }
        put_u(t, v64);
        *at += 8;
        *left -= 8;
    } else {
        if (*left < 4) {
            return 0;
        }
        if (!get32(t, *at, &v32)) {
            return TD_STOP;
        }
        put_u(t, v32);
        *at += 4;
        *left -= 4;
    }
    return 1;
}

static int mp_dss(struct td *t, size_t at, uint32_t len, uint8_t flags)
{
    uint8_t f = 0;
    uint16_t v16 = 0;
    uint32_t v32 = 0;
    int r;
    if (len < 4 || (flags & TH_SYN)) {
        return 0;
    }
    if (!get8(t, at + 3, &f)) {
        return TD_STOP;
    }
    if (f & 0x10) {
        put_s(t, " fin");
    }
    at += 4;
    len -= 4;
    if (f & 0x01) { /* data ACK present; 8 bytes with the a flag */
        put_s(t, " ack ");
        if ((r = dss_number(t, &at, &len, (f & 0x02) != 0)) != 1) {
            return r;
        }
    }
    if (f & 0x04) { /* DSN, subflow sequence number, data-level length (and checksum) */
        put_s(t, " seq ");
        if ((r = dss_number(t, &at, &len, (f & 0x08) != 0)) != 1) {
            return r;
        }
        if (len < 4) {
            return 0;
        }
        if (!get32(t, at, &v32)) {
            return TD_STOP;
        }
        put_su(t, " subseq ", v32);
        at += 4;
        len -= 4;
        if (len < 2) {
            return 0;
        }
        if (!get16(t, at, &v16)) {
            return TD_STOP;
        }
        put_su(t, " len ", v16);
        at += 2;
        len -= 2;
        if (len >= 2) {
            if (!get16(t, at, &v16)) {
                return TD_STOP;
            }
            put_s(t, " csum 0x");
            put_hex(t, v16, 1);
            len -= 2;
        }
    }
    return len == 0;
}

static int mp_add_addr(struct td *t, size_t at, uint32_t len)
{
    uint8_t b = 0;
    uint16_t port = 0;
    uint64_t mac = 0;
    const char *ver;
    bool v4 = len == 8 || len == 10 || len == 16 || len == 18;
    bool v6 = len == 20 || len == 22 || len == 28 || len == 30;
    if (!v4 && !v6) {
        return 0;
    }
    if (!get8(t, at + 2, &b)) {
        return TD_STOP;
    }
    switch (b & 0x0f) {
        case 0x6:
            ver = "v0-ip6";
            break;
        case 0x4:
            ver = "v0-ip4";
            break;
        case 0x1:
            ver = "v1-echo";
            break;
        case 0x0:
            ver = "v1";
            break;
        default:
            ver = "[bad version/echo]";
            break;
    }
    put_s(t, " ");
    put_s(t, ver);
    if (!get8(t, at + 3, &b)) {
        return TD_STOP;
    }
    put_sus(t, " id ", b, " ");
    if (!put_addr(t, v4 ? 4 : 6, at + 4)) {
        return TD_STOP;
    }
    size_t after = at + (v4 ? 8 : 20);
    if (len == 10 || len == 18 || len == 22 || len == 30) {
        if (!get16(t, after, &port)) {
            return TD_STOP;
        }
        put_su(t, ":", port);
        after += 2;
    }
    if (len == 16 || len == 18 || len == 28 || len == 30) {
        if (!get64(t, after, &mac)) {
            return TD_STOP;
        }
        put_s(t, " hmac 0x");
        put_hex(t, mac, 1);
    }
    return 1;
}

static int mp_other(struct td *t, unsigned sub, size_t at, uint32_t len)
{
    uint8_t b = 0;
    uint64_t v64 = 0;
    switch (sub) {
        case 4: /* remove address */
            if (len < 4) {
                return 0;
            }
            put_s(t, " id");
            for (uint32_t i = 0; i < len - 3; i++) {
                if (!get8(t, at + 3 + i, &b)) {
                    return TD_STOP;
                }
                put_su(t, " ", b);
            }
            return 1;
        case 5: /* change subflow priority */
            if (len != 3 && len != 4) {
                return 0;
            }
            if (!get8(t, at + 2, &b)) {
                return TD_STOP;
            }
            put_s(t, b & 0x01 ? " backup" : " non-backup");
            if (len == 4) {
                if (!get8(t, at + 3, &b)) {
                    return TD_STOP;
                }
                put_su(t, " id ", b);
            }
            return 1;
        case 6: /* fail */
        case 7: /* fast close */
            if (len != 12) {
                return 0;
            }
            if (!get64(t, at + 4, &v64)) {
                return TD_STOP;
            }
            if (sub == 6) {
                put_su(t, " seq ", v64);
            } else {
                put_s(t, " key 0x");
                put_hex(t, v64, 1);
            }
            return 1;
        default:
            return 1;
    }
}

/* print-mptcp.c mptcp_print: 1 printed, 0 malformed, TD_STOP the text ended. */
static int mptcp_option(struct td *t, size_t at, uint32_t len, uint8_t flags)
{
    static const char *const names[] = {
        "capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "unknown",
    };
    uint8_t b = 0;
    t->proto = "mptcp";
    if (len < 3) {
        return 0;
    }
    if (!get8(t, at + 2, &b)) {
        return TD_STOP;
    }
    unsigned sub = b >> 4;
    if (sub > 8) {
        sub = 8;
    }
    put_sus(t, " ", len, " ");
    put_s(t, names[sub]);
    switch (sub) {
        case 0:
            return mp_capable(t, at, len, flags);
        case 1:
            return mp_join(t, at, len, flags);
        case 2:
            return mp_dss(t, at, len, flags);
        case 3:
            return mp_add_addr(t, at, len);
        default:
            return mp_other(t, sub, at, len);
    }
}

/* RFC 7413 TCP Fast Open cookie (kind 34, or experimental kind 254 with magic 0xf989). */
static bool fastopen_option(struct td *t, size_t at, uint32_t datalen, bool exp)
{
    if (exp) {
        put_s(t, "tfo");
    }
    if (datalen == 0) {
        put_s(t, " cookiereq");
    } else if (datalen % 2 != 0 || datalen < 4 || datalen > 16) {
        put_s(t, " (invalid)");
    } else {
        put_s(t, " cookie ");
        for (uint32_t i = 0; i < datalen; i++) {
            uint8_t b = 0;
            if (!get8(t, at + i, &b)) {
                stop_trunc(t);
                return false;
            }
            put_hex(t, b, 2);
        }
    }
    return true;
}

/* tcpdump's tcp_option_values, "unknown-N" for the others. */
static void put_option_name(struct td *t, uint8_t kind)
{
    static const char *const names[35] = {
        [0] = "eol",     [1] = "nop",    [2] = "mss",       [3] = "wscale", [4] = "sackOK",
        [5] = "sack",    [6] = "echo",   [7] = "echoreply", [8] = "TS",     [11] = "cc",
        [12] = "ccnew",  [13] = "",      [19] = "md5",      [20] = "scps",  [28] = "uto",
        [29] = "tcp-ao", [30] = "mptcp", [34] = "tfo",
    };
    const char *name = kind < 35 ? names[kind] : kind == 254 ? "exp" : NULL;
    if (name) {
        put_s(t, name);
    } else {
        put_su(t, "unknown-", kind);
    }
}

/*
 * The TCP options, tcpdump's walk (print-tcp.c): each option's value is read as far as its
 * kind says (the rest of a too-long option is walked as further options), "[len N]" follows
 * a length that disagrees, "[bad opt]" ends the list at a length that cannot be. `cp` is the
 * first option byte, `hlen` the option bytes, `hdr_end` the end of the TCP header and
 * `paylen` the payload length. Returns false when the text ended inside the options.
 */
static bool tcp_options(struct td *t, size_t cp, uint32_t hlen, uint8_t flags, size_t hdr_end,
                        uint32_t paylen)
{
    char ch = '\0';
    while (hlen > 0) {
        uint8_t opt = 0, b = 0;
        uint16_t v16 = 0;
        uint32_t len, datalen = 0, v32 = 0, v32b = 0;
        if (ch) {
            tl_buf_putc(t->b, ch);
        }
        if (!get8(t, cp, &opt)) {
            stop_trunc(t);
            return false;
        }
        cp++;
        if (opt == 0 || opt == 1) {
            len = 1;
        } else {
            if (!get8(t, cp, &b)) {
                stop_trunc(t);
                return false;
            }
            len = b;
            cp++;
            if (len < 2 || len > hlen) {
                goto bad;
            }
            --hlen;
        }
        --hlen;
        put_option_name(t, opt);
/* the option's next `l` bytes must be inside the header, then captured */
#define LENCHECK(l)                                                                                \
    do {                                                                                           \
        if ((l) > hlen) {                                                                          \
            goto bad;                                                                              \
        }                                                                                          \
        if (!has(t, cp, (l))) {                                                                    \
            goto trunc;                                                                            \
        }                                                                                          \
    } while (0)
        switch (opt) {
            case TL_TCPOPT_MSS: /* mss */
                datalen = 2;
                LENCHECK(datalen);
                get16(t, cp, &v16);
                put_su(t, " ", v16);
                break;
            case TL_TCPOPT_WSCALE: /* wscale */
                datalen = 1;
                LENCHECK(datalen);
                get8(t, cp, &b);
                put_su(t, " ", b);
                break;
            case TL_TCPOPT_SACK: /* sack */
                datalen = len - 2;
                if (datalen % 8 != 0) {
                    put_s(t, " invalid sack");
                    break;
                }
                put_sus(t, " ", datalen / 8, " ");
                for (uint32_t i = 0; i < datalen; i += 8) {
                    LENCHECK(i + 4);
                    get32(t, cp + i, &v32);
                    LENCHECK(i + 8);
                    get32(t, cp + i + 4, &v32b);
                    put_sus(t, "{", (uint32_t)(v32 - t->sack_sub), ":");
                    put_u(t, (uint32_t)(v32b - t->sack_sub));
                    put_s(t, "}");
                }
                break;
            case TL_TCPOPT_ECHO:      /* echo */
            case TL_TCPOPT_ECHOREPLY: /* echoreply */
            case TL_TCPOPT_CC:        /* cc */
            case TL_TCPOPT_CCNEW:     /* ccnew */
            case TL_TCPOPT_CCECHO:    /* ccecho */
                datalen = 4;
                LENCHECK(datalen);
                get32(t, cp, &v32);
                put_su(t, " ", v32);
                break;
            case TL_TCPOPT_TIMESTAMP: /* timestamps */
                datalen = 8;
                LENCHECK(datalen);
                get32(t, cp, &v32);
                get32(t, cp + 4, &v32b);
                put_sus(t, " val ", v32, " ecr ");
                put_u(t, v32b);
                break;
            case TL_TCPOPT_MD5: /* md5 (RFC 2385): tcpdump has no secret (-M) to check it with */
                datalen = 16;
                LENCHECK(datalen);
                put_s(t, hdr_end + paylen > t->snap ? " snaplen too short, "
                                                    : " shared secret not supplied with -M, ");
                put_s(t, "can't check - ");
                for (uint32_t i = 0; i < 16; i++) {
                    get8(t, cp + i, &b);
                    put_hex(t, b, 2);
                }
                break;
            case TL_TCPOPT_SCPS: /* scps */
                datalen = 2;
                LENCHECK(datalen);
                get8(t, cp, &b);
                put_s(t, " cap ");
                put_hex(t, b, 2);
                get8(t, cp + 1, &b);
                put_su(t, " id ", b);
                break;
            case TL_TCPOPT_TCPAO: /* tcp-ao (RFC 5925 §2.2: length >= 4) */
                datalen = len - 2;
                if (datalen < 2) {
                    put_s(t, " (invalid)");
                    break;
                }
                LENCHECK(1);
                get8(t, cp, &b);
                put_su(t, " keyid ", b);
                LENCHECK(2);
                get8(t, cp + 1, &b);
                put_su(t, " rnextkeyid ", b);
                if (datalen > 2) {
                    put_s(t, " mac 0x");
                    for (uint32_t i = 2; i < datalen; i++) {
                        LENCHECK(i + 1);
                        get8(t, cp + i, &b);
                        put_hex(t, b, 2);
                    }
                }
                break;
            case 0:
            case 1:
            case 4:
                break;
            case TL_TCPOPT_UTO: /* uto (RFC 5482): granularity bit, then minutes or seconds */
                datalen = 2;
                LENCHECK(datalen);
                get16(t, cp, &v16);
                put_s(t, " 0x");
                put_hex(t, v16, 1);
                put_su(t, " ", (v16 & 1) ? (uint32_t)(v16 >> 1) * 60 : (uint32_t)(v16 >> 1));
                break;
            case 30: { /* mptcp: printed with the snapshot cut at the option's end */
                datalen = len - 2;
                LENCHECK(datalen);
                size_t saved = t->snap;
                push_snap(t, cp - 2 + len);
                int r = mptcp_option(t, cp - 2, len, flags);
                set_snap(t, saved, saved);
                if (r == TD_STOP) {
                    put_trunc(t);
                    return false;
                }
                if (r == 0) {
                    goto bad;
                }
                break;
            }
            case 34: /* tfo */
                datalen = len - 2;
                LENCHECK(datalen);
                put_s(t, " ");
                if (!fastopen_option(t, cp, datalen, false)) {
                    return false;
                }
                break;
            case 254: /* RFC 6994 experiment: a 16-bit magic number first */
                datalen = len - 2;
                LENCHECK(datalen);
                if (datalen < 2) {
                    goto bad;
                }
                get16(t, cp, &v16);
                put_s(t, "-");
                if (v16 == 0xf989) {
                    if (!fastopen_option(t, cp + 2, datalen - 2, true)) {
                        return false;
                    }
                } else {
                    put_hex(t, v16, 4);
                }
                break;
            default:
                datalen = len - 2;
                if (datalen) {
                    put_s(t, " 0x");
                }
                for (uint32_t i = 0; i < datalen; i++) {
                    LENCHECK(i + 1);
                    get8(t, cp + i, &b);
                    put_hex(t, b, 2);
                }
                break;
        }
#undef LENCHECK
        cp += datalen;
        hlen -= datalen;
        datalen += opt == 0 || opt == 1 ? 1 : 2;
        if (datalen != len) {
            put_sus(t, "[len ", len, "]");
        }
        ch = ',';
        if (opt == 0) {
            break;
        }
    }
    return true;
bad:
    put_s(t, "[bad opt]");
    if (ch) {
        put_s(t, "]");
    }
    return false;
trunc:
    put_trunc(t);
    if (ch) {
        put_s(t, ">");
    }
    return false;
}

/*
 * tcpdump's tcp_print from the ports to ", length N": the TCP header at `off` of a segment
 * `length` bytes long (per the IP lengths), carried by the IP header at `ip_off`.
 * `fragmented`: tcpdump's reason to skip the checksum (IPv4 MF, any IPv6 fragment header).
 */
static void print_tcp(struct td *t, size_t off, uint32_t length, int version, size_t ip_off,
                      bool fragmented)
{
    const struct tl_packet *p = t->p;
    uint8_t doff = 0, flags = 0, ipp = 0;
    uint16_t sport = 0, dport = 0, win = 0, urp = 0;
    uint32_t seq = 0, ack = 0;
    char fl[16];

    t->proto = "tcp";
    t->tcp_seen = true;
    if (!has(t, off + 2, 2)) {
        put_addrs(t, version, ip_off);
        put_s(t, ":");
        put_trunc(t);
        return;
    }
    get16(t, off, &sport);
    get16(t, off + 2, &dport);
    get8(t, ip_off + (version == 6 ? 6 : 9), &ipp);
    if (ipp == IPPROTO_NUM_TCP) {
        size_t src = ip_off + (version == 6 ? 8 : 12), dst = ip_off + (version == 6 ? 24 : 16);
        put_addr(t, version, src);
        put_sus(t, ".", sport, " > ");
        put_addr(t, version, dst);
        put_sus(t, ".", dport, ": ");
    } else {
        put_u(t, sport);
        put_sus(t, " > ", dport, ": ");
    }
    if (!has(t, off, TCP_HDR_MIN_LEN)) {
        put_trunc(t);
        return;
    }
    get8(t, off + 12, &doff);
    uint32_t hlen = (uint32_t)(doff >> 4) * 4;
    if (hlen < TCP_HDR_MIN_LEN) {
        put_sus(t, " tcp ", (uint32_t)(length - hlen), " [bad hdr length ");
        put_u(t, hlen);
        put_s(t, " - too short, < 20]");
        return;
    }
    get32(t, off + 4, &seq);
    get32(t, off + 8, &ack);
    get8(t, off + 13, &flags);
    get16(t, off + 14, &win);
    get16(t, off + 18, &urp);
    put_s(t, "Flags [");
    put_s(t, tl_tcp_flags_tcpdump(flags, fl, sizeof fl));
    put_s(t, "]");
    if (hlen > length) {
        put_sus(t, " [bad hdr length ", hlen, " - too long, > ");
        put_u(t, length);
        put_s(t, "]");
        return;
    }
    const struct tl_tcp *tcp = &p->tcp;
    if (!fragmented && p->has_tcp && tcp->offset == off &&
        tcp->checksum_status != TL_CKSUM_UNVERIFIED && length <= t->snap - off) {
        put_s(t, ", cksum 0x");
        put_hex(t, tcp->checksum, 4);
        if (tcp->checksum_status == TL_CKSUM_CORRECT) {
            put_s(t, " (correct)");
        } else {
            put_s(t, " (incorrect -> 0x");
            put_hex(t, tcp->checksum_expected, 4);
            put_s(t, ")");
        }
    }
    length -= hlen;
    seq -= t->seq_sub;
    ack -= t->ack_sub;
    if (length > 0 || (flags & (TH_SYN | TH_FIN | TH_RST))) {
        put_su(t, ", seq ", seq);
        if (length > 0) {
            put_su(t, ":", (uint32_t)(seq + length));
        }
    }
    if (flags & TH_ACK) {
        put_su(t, ", ack ", ack);
    }
    put_su(t, ", win ", win);
    if (flags & TH_URG) {
        put_su(t, ", urg ", urp);
    }
    if (hlen > TCP_HDR_MIN_LEN) {
        put_s(t, ", options [");
        if (!tcp_options(t, off + TCP_HDR_MIN_LEN, hlen - TCP_HDR_MIN_LEN, flags, off + hlen,
                         length)) {
            return;
        }
        put_s(t, "]");
    }
    put_su(t, ", length ", length);
}

/* ---- tunnels (print-gre.c, print-udp.c, print-vxlan.c, print-vxlan-gpe.c, print-geneve.c,
 * print-mpls.c, print-pppoe.c, print-ppp.c) ---- */

static void print_ip4(struct td *t, size_t off, uint32_t length);
static void print_ip6(struct td *t, size_t off, uint32_t length);

/* ether_print without -e: nothing of the header; the EtherType (after 802.1Q tags) decides. */
static void print_ether(struct td *t, size_t off, uint32_t length)
{
    uint16_t type = 0;
    t->proto = "ether";
    if (!get16(t, off + 12, &type)) {
        put_trunc(t);
        return;
    }
    off += 14;
    length = length > 14 ? length - 14 : 0;
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ9 ||
           type == ETHERTYPE_QINQ92) {
        if (!get16(t, off + 2, &type)) {
            put_trunc(t);
            return;
        }
        off += 4;
        length = length > 4 ? length - 4 : 0;
    }
    if (type == ETHERTYPE_IPV4) {
        print_ip4(t, off, length);
    } else if (type == ETHERTYPE_IPV6) {
        print_ip6(t, off, length);
    }
}

/* tcpdump's gre_flag_values, printed with bittok2str (", " between) */
static void gre_flags(struct td *t, uint16_t flags)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } names[] = {
        { 0x8000, "checksum present" },    { 0x4000, "routing present" },
        { 0x2000, "key present" },         { 0x1000, "sequence# present" },
        { 0x0800, "strict source route" }, { 0x0080, "acknowledgment# present" },
    };
    const char *sep = "";
    put_s(t, ", Flags [");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (flags & names[i].bit) {
            put_s(t, sep);
            put_s(t, names[i].name);
            sep = ", ";
        }
    }
    put_s(t, *sep ? "]" : "none]");
}

/* PPP inside PPTP (ppp_print without -e): address/control, protocol, then IP. */
static void print_ppp(struct td *t, size_t off, uint32_t length)
{
    uint8_t b0 = 0, b1 = 0;
    uint16_t proto = 0;
    if (get8(t, off, &b0) && get8(t, off + 1, &b1) && b0 == 0xff && b1 == 0x03) {
        off += 2;
        length = length > 2 ? length - 2 : 0;
    }
    if (!get8(t, off, &b0)) {
        put_trunc(t);
        return;
    }
    if (b0 & 1) {
        proto = b0;
        off += 1;
        length = length > 1 ? length - 1 : 0;
    } else {
        if (!get16(t, off, &proto)) {
            put_trunc(t);
            return;
        }
        off += 2;
        length = length > 2 ? length - 2 : 0;
    }
    if (proto == 0x0021) {
        print_ip4(t, off, length);
    } else if (proto == 0x0057) {
        print_ip6(t, off, length);
    }
}

static void print_gre(struct td *t, size_t off, uint32_t length)
{
    uint16_t flags = 0, prot = 0;
    uint32_t v32 = 0;
    uint32_t len = length;
    t->proto = "gre";
    if (!get16(t, off, &flags)) {
        put_trunc(t);
        return;
    }
    unsigned vers = flags & 7;
    put_su(t, "GREv", vers);
    if (vers > 1) {
        put_s(t, " ERROR: unknown-version");
        return;
    }
    gre_flags(t, flags);
    if (!get16(t, off + 2, &prot)) {
        put_trunc(t);
        return;
    }
    off += 4;
    len = len > 4 ? len - 4 : 0;
    if (vers == 0) {
        if (flags & 0xc000) {
            uint16_t sum = 0, o = 0;
            if (!get16(t, off, &sum)) {
                put_trunc(t);
                return;
            }
            put_s(t, ", sum 0x");
            put_hex(t, sum, 1);
            if (!get16(t, off + 2, &o)) {
                put_trunc(t);
                return;
            }
            put_s(t, ", off 0x");
            put_hex(t, o, 1);
            off += 4;
            len = len > 4 ? len - 4 : 0;
        }
        if (flags & 0x2000) {
            if (!get32(t, off, &v32)) {
                put_trunc(t);
                return;
            }
            put_s(t, ", key=0x");
            put_hex(t, v32, 1);
            off += 4;
            len = len > 4 ? len - 4 : 0;
        }
        if (flags & 0x1000) {
            if (!get32(t, off, &v32)) {
                put_trunc(t);
                return;
            }
            put_su(t, ", seq ", v32);
            off += 4;
            len = len > 4 ? len - 4 : 0;
        }
        if (flags & 0x4000) { /* routing: not printed here; tcpdump walks it, we stop */
            put_su(t, ", length ", length);
            return;
        }
        put_su(t, ", length ", length);
        put_s(t, "\n\t");
        switch (prot) {
            case ETHERTYPE_IPV4:
                print_ip4(t, off, len);
                break;
            case ETHERTYPE_IPV6:
                print_ip6(t, off, len);
                break;
            case 0x6558:
                print_ether(t, off, len);
                break;
            default:
                put_s(t, "gre-proto-0x");
                put_hex(t, prot, 1);
                break;
        }
        return;
    }
    if (flags & 0x2000) {
        if (!get32(t, off, &v32)) {
            put_trunc(t);
            return;
        }
        put_su(t, ", call ", v32 & 0xffff);
        off += 4;
        len = len > 4 ? len - 4 : 0;
    }
    if (flags & 0x1000) {
        if (!get32(t, off, &v32)) {
            put_trunc(t);
            return;
        }
        put_su(t, ", seq ", v32);
        off += 4;
        len = len > 4 ? len - 4 : 0;
    }
    if (flags & 0x0080) {
        if (!get32(t, off, &v32)) {
            put_trunc(t);
            return;
        }
        put_su(t, ", ack ", v32);
        off += 4;
        len = len > 4 ? len - 4 : 0;
    }
    if (!(flags & 0x1000)) {
        put_s(t, ", no-payload");
    }
    put_su(t, ", length ", length);
    if (!(flags & 0x1000)) {
        return;
    }
    put_s(t, "\n\t");
    if (prot == 0x880b) {
        print_ppp(t, off, len);
    } else {
        put_s(t, "gre-proto-0x");
        put_hex(t, prot, 1);
    }
}

/* tcpdump's geneve option classes */
static const char *geneve_class(uint16_t c)
{
    switch (c) {
        case 0x0100:
            return "Linux";
        case 0x0101:
            return "Open vSwitch (OVS)";
        case 0x0102:
            return "Open Virtual Networking (OVN)";
        case 0x0103:
            return "In-band Network Telemetry (INT)";
        case 0x0104:
            return "VMware";
        default:
            return "Unknown";
    }
}

static void print_geneve(struct td *t, size_t off, uint32_t length)
{
    uint8_t vo = 0, fl = 0, rsv = 0;
    uint16_t proto = 0;
    uint32_t vni = 0;
    t->proto = "geneve";
    put_s(t, "Geneve");
    if (!get8(t, off, &vo) || !get8(t, off + 1, &fl) || !get16(t, off + 2, &proto) ||
        !get32(t, off + 4, &vni)) {
        put_trunc(t);
        return;
    }
    if (vo >> 6 != 0) {
        put_su(t, " ERROR: unknown-version ", vo >> 6);
        return;
    }
    rsv = (uint8_t)vni;
    vni >>= 8;
    put_s(t, ", Flags [");
    if (fl & 0x80) {
        put_s(t, (fl & 0x40) ? "O, C" : "O");
    } else if (fl & 0x40) {
        put_s(t, "C");
    } else {
        put_s(t, "none");
    }
    put_s(t, "], vni 0x");
    put_hex(t, vni, 1);
    if (rsv) {
        put_s(t, ", rsvd 0x");
        put_hex(t, rsv, 1);
    }
    uint32_t opts = (uint32_t)(vo & 0x3f) * 4;
    size_t cp = off + 8;
    if (opts) {
        const char *sep = "";
        uint32_t left = opts;
        put_s(t, ", options [");
        while (left > 0) {
            uint16_t cls = 0;
            uint8_t type = 0, ol = 0;
            if (!get16(t, cp, &cls) || !get8(t, cp + 2, &type) || !get8(t, cp + 3, &ol)) {
                put_trunc(t);
                return;
            }
            uint32_t olen = 4 + (uint32_t)(ol & 0x1f) * 4;
            put_s(t, sep);
            sep = ", ";
            put_s(t, "class ");
            put_s(t, geneve_class(cls));
            put_s(t, " (0x");
            put_hex(t, cls, 1);
            put_s(t, ") type 0x");
            put_hex(t, type, 1);
            put_s(t, (type & 0x80) ? "(C)" : "");
            put_su(t, " len ", olen);
            if (olen > left) {
                put_s(t, " [bad length]");
                put_s(t, "]");
                return;
            }
            cp += olen;
            left -= olen;
        }
        put_s(t, "]");
    }
    put_s(t, "\n\t");
    uint32_t len = length > 8 + opts ? length - 8 - opts : 0;
    if (proto == 0x6558) {
        print_ether(t, cp, len);
    } else if (proto == ETHERTYPE_IPV4) {
        print_ip4(t, cp, len);
    } else if (proto == ETHERTYPE_IPV6) {
        print_ip6(t, cp, len);
    }
}

/* UDP over IPv6 (print-udp.c): the checksum is mandatory, so tcpdump -v checks it over the
 * pseudo-header (RFC 8200 section 8.1) when the whole datagram was captured. */
static void put_udp6_cksum(struct td *t, size_t off, uint16_t ulen, size_t ip_off)
{
    uint16_t field = 0;
    if (!has(t, off, ulen) || !has(t, ip_off + 8, 32) || !get16(t, off + 6, &field)) {
        return;
    }
    uint8_t pseudo[40];
    memcpy(pseudo, t->c.buf + ip_off + 8, 32);
    pseudo[32] = pseudo[33] = 0;
    pseudo[34] = (uint8_t)(ulen >> 8);
    pseudo[35] = (uint8_t)ulen;
    pseudo[36] = pseudo[37] = pseudo[38] = 0;
    pseudo[39] = 17;
    struct tl_cksum_vec v[2] = { { pseudo, sizeof pseudo }, { t->c.buf + off, ulen } };
    uint16_t sum = tl_cksum(v, 2);
    if (sum == 0) {
        put_s(t, "[udp sum ok] ");
    } else {
        put_s(t, "[bad udp cksum 0x");
        put_hex(t, field, 4);
        put_s(t, " -> 0x");
        put_hex(t, tl_cksum_shouldbe(field, sum), 4);
        put_s(t, "!] ");
    }
}

/* udp_print for the tunnel ports (tcpdump -v checks the UDP checksum over IPv6 only). */
static void print_udp(struct td *t, size_t off, uint32_t length, int version, size_t ip_off)
{
    uint16_t sport = 0, dport = 0, ulen = 0;
    t->proto = "udp";
    if (!get16(t, off, &sport) || !get16(t, off + 2, &dport)) {
        put_trunc(t);
        return;
    }
    put_addr(t, version, ip_off + (version == 6 ? 8 : 12));
    put_sus(t, ".", sport, " > ");
    put_addr(t, version, ip_off + (version == 6 ? 24 : 16));
    put_sus(t, ".", dport, ": ");
    if (!get16(t, off + 4, &ulen) || ulen < 8 || ulen > length) {
        return; /* what tcpdump prints then is not needed: TCP is not reached */
    }
    if (version == 6) {
        put_udp6_cksum(t, off, ulen, ip_off);
    }
    uint32_t len = (uint32_t)ulen - 8;
    size_t cp = off + 8;
#define IS_PORT(x) (sport == (x) || dport == (x))
    if (IS_PORT(TL_PORT_VXLAN)) {
        uint8_t fl = 0;
        uint32_t vni = 0;
        t->proto = "vxlan";
        put_s(t, "VXLAN");
        if (len < 8) {
            put_s(t, " (invalid)");
            return;
        }
        if (!get8(t, cp, &fl) || !get32(t, cp + 4, &vni)) {
            put_trunc(t);
            return;
        }
        put_s(t, (fl & 0x08) ? ", flags [I] (0x" : ", flags [.] (0x");
        put_hex(t, fl, 2);
        put_sus(t, "), vni ", vni >> 8, "\n");
        print_ether(t, cp + 8, len - 8);
    } else if (IS_PORT(TL_PORT_GENEVE)) {
        print_geneve(t, cp, len);
    } else if (IS_PORT(TL_PORT_VXLAN_GPE)) {
        uint8_t fl = 0, next = 0;
        uint32_t vni = 0;
        t->proto = "vxlan_gpe";
        put_s(t, "VXLAN-GPE, ");
        if (!get8(t, cp, &fl) || !get8(t, cp + 3, &next) || !get32(t, cp + 4, &vni)) {
            put_trunc(t);
            return;
        }
        put_s(t, "flags [");
        const char *f = "";
        char fb[4];
        size_t n = 0;
        if (fl & 0x08) {
            fb[n++] = 'I';
        }
        if (fl & 0x04) {
            fb[n++] = 'P';
        }
        if (fl & 0x01) {
            fb[n++] = 'O';
        }
        fb[n] = '\0';
        f = n ? fb : "none";
        put_s(t, f);
        put_sus(t, "], vni ", vni >> 8, "\n    ");
        if (next == 1) {
            print_ip4(t, cp + 8, len - 8);
        } else if (next == 2) {
            print_ip6(t, cp + 8, len - 8);
        } else if (next == 3) {
            print_ether(t, cp + 8, len - 8);
        }
    }
#undef IS_PORT
}

/* What tcpdump prints of the encapsulations below the first IP header (p->tunnels). */
static void put_link_tunnels(struct td *t)
{
    const struct tl_packet *p = t->p;
    bool mpls = false;
    for (unsigned i = 0; i < p->link.n_tunnels && i < p->n_tunnels; i++) {
        const struct tl_tunnel *u = &p->tunnels[i];
        if (u->kind == TL_TUN_PPPOE) {
            put_s(t, "PPPoE ");
            if (u->id) {
                put_s(t, " [ses 0x");
                put_hex(t, u->id, 1);
                put_s(t, "]");
            }
            put_s(t, " ");
            mpls = false;
        } else if (u->kind == TL_TUN_MPLS) {
            static const char *const names[4] = { "IPv4 explicit NULL", "router alert",
                                                  "IPv6 explicit NULL", "implicit NULL" };
            put_s(t, mpls ? "\n\t(label " : "MPLS (label ");
            put_u(t, u->id);
            if (u->id < 16) {
                put_s(t, " (");
                put_s(t, u->id < 4 ? names[u->id] : "rsvd");
                put_s(t, ")");
            }
            put_su(t, ", tc ", u->tc);
            if (u->s) {
                put_s(t, ", [S]");
            }
            put_sus(t, ", ttl ", u->ttl, ")");
            mpls = true;
            if (u->s) {
                put_s(t, "\n\t");
            }
        }
    }
}

/* ---- IPv4 (print-ip.c) ---- */

/* print-ip-demux.c for the protocols a TCP packet can be under; others end the text. */
static void demux(struct td *t, size_t off, uint32_t length, int version, bool fragmented,
                  uint8_t nh, size_t ip_off)
{
    switch (nh) {
        case IPPROTO_NUM_TCP:
            print_tcp(t, off, length, version, ip_off, fragmented);
            break;
        case IPPROTO_NUM_IPV6:
            print_ip6(t, off, length);
            break;
        case IPPROTO_NUM_IPIP:
            print_ip4(t, off, length);
            break;
        case IPPROTO_NUM_GRE:
            print_gre(t, off, length);
            break;
        case IPPROTO_NUM_UDP:
            print_udp(t, off, length, version, ip_off);
            break;
        default:
            break;
    }
}

/* The truncation marker of an IPv4 header: a TCP packet's when its protocol byte says so. */
static void ip4_trunc(struct td *t, size_t off)
{
    uint8_t proto = 0;
    t->proto = "ip";
    put_trunc(t);
    if (get8(t, off + 9, &proto) && proto == IPPROTO_NUM_TCP) {
        t->tcp_seen = true;
    }
}

/* RFC 791 record route / source route: the addresses, "," after each one already visited. */
static enum td_res ip4_route(struct td *t, size_t cp, uint32_t length)
{
    uint8_t b = 0;
    if (length < 3) {
        put_sus(t, " [bad length ", length, "]");
        return TD_OK;
    }
    if ((length + 1) & 3) {
        put_sus(t, " [bad length ", length, "]");
    }
    if (!get8(t, cp + 2, &b)) {
        return TD_STOP;
    }
    uint32_t ptr = (uint32_t)b - 1;
    if (ptr < 3 || ((ptr + 1) & 3) || ptr > length + 1) {
        put_sus(t, " [bad ptr ", b, "]");
    }
    for (uint32_t len = 3; len < length; len += 4) {
        if (!has(t, cp + len, 4)) {
            return TD_TRUNC;
        }
        put_s(t, " ");
        put_addr(t, 4, cp + len);
        if (ptr > len) {
            put_s(t, ",");
        }
    }
    return TD_OK;
}

/* RFC 791 timestamp option. */
static enum td_res ip4_timestamp(struct td *t, size_t cp, uint32_t length)
{
    uint8_t pb = 0, fl = 0;
    uint32_t len = 0, v = 0;
    if (length < 4) {
        put_sus(t, "[bad length ", length, "]");
        return TD_OK;
    }
    put_s(t, " TS{");
    if (!get8(t, cp + 3, &fl) || !get8(t, cp + 2, &pb)) {
        return TD_STOP;
    }
    uint32_t hoplen = (fl & 0x0f) != 0 ? 8 : 4;
    if ((length - 4) & (hoplen - 1)) {
        put_sus(t, "[bad length ", length, "]");
    }
    uint32_t ptr = (uint32_t)pb - 1;
    if (ptr < 4 || ((ptr - 4) & (hoplen - 1)) || ptr > length + 1) {
        put_sus(t, "[bad ptr ", pb, "]");
    }
    switch (fl & 0x0f) {
        case 0:
            put_s(t, "TSONLY");
            break;
        case 1:
            put_s(t, "TS+ADDR");
            break;
        case 3:
            put_s(t, "PRESPEC");
            break;
        default:
            put_sus(t, "[bad ts type ", fl & 0x0f, "]");
            goto done;
    }
    const char *type = " ";
    for (len = 4; len < length; len += hoplen) {
        if (ptr == len) {
            type = " ^ ";
        }
        if (!has(t, cp + len, hoplen)) {
            return TD_TRUNC;
        }
        get32(t, cp + len + hoplen - 4, &v);
        put_s(t, type);
        put_u(t, v);
        put_s(t, "@");
        if (hoplen == 8) {
            put_addr(t, 4, cp + len);
        }
        type = " ";
    }
done:
    put_s(t, ptr == len ? " ^ " : "");
    if (fl >> 4) {
        put_sus(t, " [", fl >> 4, " hops not recorded]} ");
    } else {
        put_s(t, "}");
    }
    return TD_OK;
}

/* The IPv4 options, tcpdump's ip_optprint. */
static enum td_res ip4_options(struct td *t, size_t cp, uint32_t length)
{
    const char *sep = "";
    uint32_t option_len;
    for (; length > 0; cp += option_len, length -= option_len) {
        uint8_t code = 0, b = 0;
        enum td_res r = TD_OK;
        put_s(t, sep);
        sep = ",";
        if (!get8(t, cp, &code)) {
            return TD_STOP;
        }
        switch (code) {
            case 0:
                put_s(t, "EOL");
                break;
            case 1:
                put_s(t, "NOP");
                break;
            case 7:
                put_s(t, "RR");
                break;
            case 68:
                put_s(t, "timestamp");
                break;
            case 82:
                put_s(t, "traceroute");
                break;
            case 130:
                put_s(t, "security");
                break;
            case 131:
                put_s(t, "LSRR");
                break;
            case 137:
                put_s(t, "SSRR");
                break;
            case 148:
                put_s(t, "RA");
                break;
            default:
                put_su(t, "unknown ", code);
                break;
        }
        if (code == 0 || code == 1) {
            option_len = 1;
        } else {
            if (!get8(t, cp + 1, &b)) {
                return TD_STOP;
            }
            option_len = b;
            if (option_len < 2) {
                put_sus(t, " [bad length ", option_len, "]");
                return TD_OK;
            }
        }
        if (option_len > length) {
            put_sus(t, " [bad length ", option_len, "]");
            return TD_OK;
        }
        if (!has(t, cp, option_len)) {
            return TD_TRUNC;
        }
        switch (code) {
            case 0:
                return TD_OK;
            case 68:
                r = ip4_timestamp(t, cp, option_len);
                break;
            case 7:
            case 131:
            case 137:
                r = ip4_route(t, cp, option_len);
                break;
            case 148: { /* router alert (RFC 2113) */
                uint16_t v = 0;
                if (option_len < 4) {
                    put_sus(t, " [bad length ", option_len, "]");
                    break;
                }
                get16(t, cp + 2, &v);
                if (v != 0) {
                    put_su(t, " value ", v);
                }
                break;
            }
            default:
                break;
        }
        if (r != TD_OK) {
            return r;
        }
    }
    return TD_OK;
}

/*
 * tcpdump's ip_print for the IPv4 header at `off`, `length` bytes long as the layer below
 * says (the wire length for the outermost header).
 */
static void print_ip4(struct td *t, size_t off, uint32_t length)
{
    uint8_t vhl = 0, tos = 0, ttl = 0, proto = 0;
    uint16_t len = 0, id = 0, frag = 0, field = 0;

    t->proto = "ip";
    if (!get8(t, off, &vhl)) {
        ip4_trunc(t, off);
        return;
    }
    if (vhl >> 4 != 4) {
        if (vhl >> 4 == 6) {
            put_s(t, "IP6, wrong link-layer encapsulation");
        } else {
            put_su(t, "IP", vhl >> 4);
        }
        put_s(t, " (invalid)");
        return;
    }
    put_s(t, "IP ");
    if (!has(t, off, IPV4_HDR_MIN_LEN)) {
        ip4_trunc(t, off);
        return;
    }
    if (length < IPV4_HDR_MIN_LEN) {
        put_su(t, "truncated-ip ", length);
        return;
    }
    uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4;
    if (hlen < IPV4_HDR_MIN_LEN) {
        put_su(t, "bad-hlen ", hlen);
        return;
    }
    get16(t, off + 2, &len);
    if (length < len) {
        put_sus(t, "truncated-ip - ", (uint32_t)len - length, " bytes missing! ");
    }
    if (len < hlen) {
        put_su(t, "bad-len ", len);
        return;
    }
    push_snap(t, off + len);
    get8(t, off + 1, &tos);
    get16(t, off + 4, &id);
    get16(t, off + 6, &frag);
    get8(t, off + 8, &ttl);
    get8(t, off + 9, &proto);

    put_s(t, "(tos 0x");
    put_hex(t, tos, 1);
    static const char *const ecn[] = { "", ",ECT(1)", ",ECT(0)", ",CE" };
    put_s(t, ecn[tos & 3]);
    if (ttl >= 1) {
        put_su(t, ", ttl ", ttl);
    }
    put_sus(t, ", id ", id, ", offset ");
    put_u(t, (uint32_t)(frag & 0x1fff) * 8);
    put_s(t, ", flags [");
    const char *sep = "";
    static const struct {
        uint16_t bit;
        const char *name;
    } fbits[] = { { 0x2000, "+" }, { 0x4000, "DF" }, { 0x8000, "rsvd" } };
    for (size_t i = 0; i < sizeof fbits / sizeof fbits[0]; i++) {
        if (frag & fbits[i].bit) {
            put_s(t, sep);
            put_s(t, fbits[i].name);
            sep = ", ";
        }
    }
    if (!*sep) {
        put_s(t, "none");
    }
    put_s(t, "], proto ");
    put_s(t, ipproto_name(proto));
    put_sus(t, " (", proto, "), length ");
    put_u(t, len);
    bool truncated = false;
    if (hlen > IPV4_HDR_MIN_LEN) {
        put_s(t, ", options (");
        enum td_res r = ip4_options(t, off + IPV4_HDR_MIN_LEN, hlen - IPV4_HDR_MIN_LEN);
        if (r == TD_STOP) {
            ip4_trunc(t, off);
            return;
        }
        if (r == TD_TRUNC) {
            put_s(t, " [truncated-option]");
            truncated = true;
        }
        put_s(t, ")");
    }
    if (hlen <= t->snap - off && has(t, off, hlen)) {
        struct tl_cksum_vec v = { t->c.buf + off, hlen };
        uint16_t sum = tl_cksum(&v, 1);
        if (sum != 0) {
            get16(t, off + 10, &field);
            put_s(t, ", bad cksum ");
            put_hex(t, field, 1);
            put_s(t, " (->");
            put_hex(t, tl_cksum_shouldbe(field, sum), 1);
            put_s(t, ")!");
        }
    }
    put_s(t, ")\n    ");
    if (truncated) {
        put_addrs(t, 4, off);
        put_s(t, ": ");
        ip4_trunc(t, off);
        return;
    }
    if ((frag & 0x1fff) == 0) {
        if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP && proto != IPPROTO_NUM_SCTP &&
            proto != IPPROTO_NUM_DCCP) {
            put_addrs(t, 4, off);
            put_s(t, ": ");
        }
        if (!has(t, off, hlen)) { /* options cut without ip4_options noticing */
            put_sus(t, " [remaining caplen(", t->snap - off, ") < header length(");
            put_u(t, hlen);
            put_s(t, ")]");
            ip4_trunc(t, off);
            return;
        }
        demux(t, off + hlen, len - hlen, 4, (frag & 0x2000) != 0, proto, off);
    } else {
        /* not the first fragment: no transport header to print */
        put_addrs(t, 4, off);
        put_su(t, ": ip-proto-", proto);
        if (proto == IPPROTO_NUM_TCP) {
            t->tcp_seen = true;
        }
    }
}

/* ---- IPv6 (print-ip6.c, print-ip6opts.c, print-rt6.c, print-frag6.c) ---- */

/* The sub-options of a home address option (ip6_sopt_print); TD_TRUNC when malformed. */
static enum td_res ip6_sub_options(struct td *t, size_t bp, uint32_t len)
{
    uint32_t optlen;
    for (uint32_t i = 0; i < len; i += optlen) {
        uint8_t type = 0, b = 0;
        if (!get8(t, bp + i, &type)) {
            return TD_STOP;
        }
        if (type == 0) {
            optlen = 1;
        } else if (i + 1 < len) {
            if (!get8(t, bp + i + 1, &b)) {
                return TD_STOP;
            }
            optlen = (uint32_t)b + 2;
        } else {
            return TD_TRUNC;
        }
        if (i + optlen > len) {
            return TD_TRUNC;
        }
        if (type == 0) {
            put_s(t, ", pad1");
        } else if (type == 1) {
            if (len - i < 2) {
                put_s(t, ", padn: trunc");
                return TD_TRUNC;
            }
            put_s(t, ", padn");
        } else {
            if (len - i < 2) {
                put_sus(t, ", sopt_type ", type, ": trunc)");
                return TD_TRUNC;
            }
            put_s(t, ", sopt_type 0x");
            put_hex(t, type, 2);
            put_su(t, ": len=", b);
        }
    }
    return TD_OK;
}

/* RFC 8200 §4.2 options of a hop-by-hop (`jumbo` non-NULL) or destination options header. */
static enum td_res ip6_options(struct td *t, size_t bp, uint32_t len, bool *found_jumbo,
                               uint32_t *jumbo)
{
    uint32_t optlen = 0;
    bool seen_jumbo = false;
    if (len == 0) {
        return TD_OK;
    }
    for (uint32_t i = 0; i < len; i += optlen) {
        uint8_t type = 0, b = 0;
        uint16_t v16 = 0;
        uint32_t v32 = 0;
        if (!get8(t, bp + i, &type)) {
            return TD_STOP;
        }
        if (type == 0) {
            optlen = 1;
        } else if (i + 1 < len) {
            if (!get8(t, bp + i + 1, &b)) {
                return TD_STOP;
            }
            optlen = (uint32_t)b + 2;
        } else {
            return TD_TRUNC;
        }
        if (i + optlen > len) {
            return TD_TRUNC;
        }
        switch (type) {
            case 0x00:
                put_s(t, "(pad1)");
                break;
            case 0x01:
                if (len - i < 2) {
                    put_s(t, "(padn: trunc)");
                    return TD_TRUNC;
                }
                put_s(t, "(padn)");
                break;
            case 0x05: /* router alert */
                if (len - i < 4) {
                    put_s(t, "(rtalert: trunc)");
                    return TD_TRUNC;
                }
                if (b != 2) {
                    put_sus(t, "(rtalert: invalid len ", b, ")");
                    return TD_TRUNC;
                }
                if (!get16(t, bp + i + 2, &v16)) {
                    return TD_STOP;
                }
                put_s(t, "(rtalert: 0x");
                put_hex(t, v16, 4);
                put_s(t, ") ");
                break;
            case 0xc2: /* jumbo payload (RFC 2675) */
                if (len - i < 6) {
                    put_s(t, "(jumbo: trunc)");
                    return TD_TRUNC;
                }
                if (b != 4) {
                    put_sus(t, "(jumbo: invalid len ", b, ")");
                    return TD_TRUNC;
                }
                if (!get32(t, bp + i + 2, &v32)) {
                    return TD_STOP;
                }
                put_su(t, "(jumbo: ", v32);
                if (seen_jumbo) {
                    put_s(t, " - already seen) ");
                    break;
                }
                seen_jumbo = true;
                if (!jumbo) {
                    put_s(t, " - not a hop-by-hop option) ");
                } else if (*jumbo != 0) {
                    put_s(t, " - payload len != 0) ");
                } else if (v32 < 65536) {
                    put_s(t, " - < 65536) ");
                } else {
                    *found_jumbo = true;
                    *jumbo = v32;
                    put_s(t, ") ");
                }
                break;
            case 0xc9: /* home address (RFC 6275 §6.3) */
                if (len - i < 18) {
                    put_s(t, "(homeaddr: trunc)");
                    return TD_TRUNC;
                }
                if (b < 16) {
                    put_sus(t, "(homeaddr: invalid len ", b, ")");
                    return TD_TRUNC;
                }
                put_s(t, "(homeaddr: ");
                if (!put_addr(t, 6, bp + i + 2)) {
                    return TD_STOP;
                }
                if (b > 16) {
                    enum td_res r = ip6_sub_options(t, bp + i + 18, optlen - 18);
                    if (r != TD_OK) {
                        return r;
                    }
                }
                put_s(t, ")");
                break;
            default:
                if (len - i < 2) {
                    put_sus(t, "(type ", type, ": trunc)");
                    return TD_TRUNC;
                }
                put_s(t, "(opt_type 0x");
                put_hex(t, type, 2);
                put_sus(t, ": len=", b, ")");
                break;
        }
    }
    put_s(t, " ");
    return TD_OK;
}

/* A hop-by-hop or destination options header: its length, or TD_TRUNC / TD_STOP. */
static int ip6_opts_header(struct td *t, size_t cp, bool hbh, bool *found_jumbo, uint32_t *jumbo)
{
    uint8_t b = 0;
    t->proto = hbh ? "hbhopt" : "dstopt";
    if (!get8(t, cp + 1, &b)) {
        return stop_trunc(t);
    }
    uint32_t len = ((uint32_t)b + 1) << 3;
    if (!has(t, cp, len)) {
        put_trunc(t);
        return TD_TRUNC;
    }
    put_s(t, hbh ? "HBH " : "DSTOPT ");
    enum td_res r = ip6_options(t, cp + 2, len - 2, hbh ? found_jumbo : NULL, hbh ? jumbo : NULL);
    if (r == TD_STOP) {
        return stop_trunc(t);
    }
    if (r == TD_TRUNC) {
        put_trunc(t);
        return TD_TRUNC;
    }
    return (int)len;
}

/* RFC 8200 §4.4 routing header (types 0 and 2; 4 is RFC 8754's segment routing header). */
static int ip6_routing(struct td *t, size_t cp)
{
    uint8_t len = 0, type = 0, segleft = 0, b = 0;
    uint16_t tag = 0;
    uint32_t rsv = 0;
    t->proto = "rt6";
    put_s(t, "RT6");
    if (!get8(t, cp + 1, &len)) {
        return stop_trunc(t);
    }
    put_su(t, " (len=", len);
    if (!get8(t, cp + 2, &type)) {
        return stop_trunc(t);
    }
    put_su(t, ", type=", type);
    if (type == 0) {
        put_s(t, " [Deprecated]");
    }
    if (!get8(t, cp + 3, &segleft)) {
        return stop_trunc(t);
    }
    put_su(t, ", segleft=", segleft);
    size_t addrs = cp + 8;
    switch (type) {
        case 0:
        case 2:
            if (!get32(t, cp + 4, &rsv)) {
                return stop_trunc(t);
            }
            put_s(t, ", rsv=0x");
            put_hex(t, rsv, 1);
            break;
        case 4:
            if (!get8(t, cp + 4, &b)) {
                return stop_trunc(t);
            }
            put_su(t, ", last-entry=", b);
            if (!get8(t, cp + 5, &b)) {
                return stop_trunc(t);
            }
            put_s(t, ", flags=0x");
            put_hex(t, b, 1);
            if (!get16(t, cp + 6, &tag)) {
                return stop_trunc(t);
            }
            put_s(t, ", tag=");
            put_hex(t, tag, 1);
            break;
        default:
            put_s(t, " (unknown type) (invalid)");
            return TD_TRUNC;
    }
    if (len % 2 == 1) {
        put_sus(t, " (invalid length ", len, ") (invalid)");
        return TD_TRUNC;
    }
    for (unsigned i = 0; i < len / 2u; i++) {
        put_sus(t, ", [", i, "]");
        if (!put_addr(t, 6, addrs + 16 * (size_t)i)) {
            return stop_trunc(t);
        }
    }
    put_s(t, ") ");
    return ((int)len + 1) << 3;
}

/* RFC 8200 §4.5 fragment header: 8 for a first fragment, TD_TRUNC (stop) for the others. */
static int ip6_fragment(struct td *t, size_t cp, size_t ip_off)
{
    uint16_t offlg = 0, plen = 0;
    uint32_t ident = 0;
    t->proto = "frag6";
    if (!get32(t, cp + 4, &ident) || !get16(t, cp + 2, &offlg) || !get16(t, ip_off + 4, &plen)) {
        return stop_trunc(t);
    }
    put_s(t, "frag (0x");
    put_hex(t, ident, 8);
    put_sus(t, ":", offlg & 0xfff8, "|");
    put_u(t, (uint64_t)IPV6_HDR_LEN + plen - (cp - ip_off) - 8);
    put_s(t, ")");
    if ((offlg & 0xfff8) != 0) {
        return TD_TRUNC;
    }
    put_s(t, " ");
    return 8;
}

/*
 * tcpdump's ip6_print for the IPv6 header at `off`, `length` bytes long as the layer below
 * says: the fixed header, then the extension headers up to the upper layer.
 */
static void print_ip6(struct td *t, size_t off, uint32_t length)
{
    uint32_t vtf = 0;
    uint16_t plen = 0;
    uint8_t nh = 0, hlim = 0;

    t->proto = "ip6";
    if (!has(t, off, IPV6_HDR_LEN)) {
        put_trunc(t);
        return;
    }
    if (length < IPV6_HDR_LEN) {
        put_su(t, "truncated-ip6 ", length);
        return;
    }
    put_s(t, "IP6 ");
    get32(t, off, &vtf);
    if (vtf >> 28 != 6) {
        put_sus(t, "version error: ", vtf >> 28, " != 6");
        return;
    }
    get16(t, off + 4, &plen);
    get8(t, off + 6, &nh);
    get8(t, off + 7, &hlim);
    uint32_t payload_len = plen, len;
    if (plen != 0) {
        len = (uint32_t)plen + IPV6_HDR_LEN;
        if (length < len) {
            put_sus(t, "truncated-ip6 - ", len - length, " bytes missing!");
        }
    } else {
        len = length + IPV6_HDR_LEN;
    }
    put_s(t, "(");
    if (vtf & 0x0ff00000) {
        put_s(t, "class 0x");
        put_hex(t, (vtf >> 20) & 0xff, 2);
        put_s(t, ", ");
    }
    if (vtf & 0x000fffff) {
        put_s(t, "flowlabel 0x");
        put_hex(t, vtf & 0xfffff, 5);
        put_s(t, ", ");
    }
    put_sus(t, "hlim ", hlim, ", next-header ");
    put_s(t, ipproto_name(nh));
    put_sus(t, " (", nh, ") payload length: ");
    put_u(t, plen);
    put_s(t, ") ");

    size_t parent_snap = t->snap;
    push_snap(t, off + len);
    size_t cp = off;
    uint32_t advance = IPV6_HDR_LEN, total = 0;
    uint8_t ph = 255;
    bool found_ext = false, found_jumbo = false, found_hbh = false, fragmented = false;
    while (cp < t->snap && advance > 0) {
        int adv;
        if (len < advance) {
            put_trunc(t);
            return;
        }
        cp += advance;
        len -= advance;
        total += advance;
        if (cp == off + IPV6_HDR_LEN && nh != IPPROTO_NUM_TCP && nh != IPPROTO_NUM_UDP &&
            nh != IPPROTO_NUM_DCCP && nh != IPPROTO_NUM_SCTP) {
            put_addrs(t, 6, off);
            put_s(t, ": ");
        }
        switch (nh) {
            case IPPROTO_NUM_HOPOPTS:
                if (found_hbh) {
                    put_s(t, "[The Hop-by-Hop Options header was already found] (invalid)");
                    return;
                }
                if (ph != 255) {
                    put_s(t, "[The Hop-by-Hop Options header don't follow the IPv6 header] "
                             "(invalid)");
                    return;
                }
                adv = ip6_opts_header(t, cp, true, &found_jumbo, &payload_len);
                if (adv == TD_STOP) {
                    return;
                }
                if (payload_len == 0 && !found_jumbo) {
                    put_s(t, "[No valid Jumbo Payload Hop-by-Hop option found] (invalid)");
                    return;
                }
                if (adv < 0) {
                    return;
                }
                found_hbh = true;
                break;
            case IPPROTO_NUM_DSTOPTS:
                adv = ip6_opts_header(t, cp, false, NULL, NULL);
                if (adv < 0) {
                    return;
                }
                break;
            case IPPROTO_NUM_FRAGMENT:
                adv = ip6_fragment(t, cp, off);
                if (adv < 0 || t->snap <= cp + (size_t)adv) {
                    return;
                }
                fragmented = true;
                break;
            case IPPROTO_NUM_ROUTING:
                if (!has(t, cp, 1)) {
                    put_trunc(t);
                    return;
                }
                adv = ip6_routing(t, cp);
                if (adv < 0) {
                    return;
                }
                break;
            case IPPROTO_NUM_MOBILITY:
            case IPPROTO_NUM_MOBILITY_OLD:
                return; /* tcpdump stops at a mobility header (RFC 6275 §6.1) */
            default:
                if (found_jumbo) {
                    len = payload_len + IPV6_HDR_LEN;
                    if (len < total) {
                        put_trunc(t);
                        return;
                    }
                    if (length < len) {
                        put_sus(t, "truncated-ip6 - ", len - length, " bytes missing!");
                    }
                    set_snap(t, off + len, parent_snap);
                    len -= total;
                } else if (payload_len == 0) {
                    if (found_ext) {
                        put_trunc(t);
                        return;
                    }
                    len = IPV6_HDR_LEN;
                    set_snap(t, off + len, parent_snap);
                    len -= total;
                }
                demux(t, cp, len, 6, fragmented, nh, off);
                return;
        }
        found_ext = true;
        get8(t, cp, &nh);
        advance = (uint32_t)adv;
        ph = nh;
        t->proto = "ip6";
    }
}

/* ---- link layer and the packet ---- */

static void put_time(struct tl_buf *b, const struct tl_packet *p)
{
    struct tm tm;
    time_t t = (time_t)p->ts_sec;
    if (!localtime_r(&t, &tm)) {
        memset(&tm, 0, sizeof tm);
    }
    char s[32];
    unsigned us = p->ts_nsec / 1000;
    s[0] = (char)('0' + tm.tm_hour / 10);
    s[1] = (char)('0' + tm.tm_hour % 10);
    s[2] = ':';
    s[3] = (char)('0' + tm.tm_min / 10);
    s[4] = (char)('0' + tm.tm_min % 10);
    s[5] = ':';
    s[6] = (char)('0' + tm.tm_sec / 10);
    s[7] = (char)('0' + tm.tm_sec % 10);
    s[8] = '.';
    for (int i = 14; i >= 9; i--) {
        s[i] = (char)('0' + us % 10);
        us /= 10;
    }
    s[15] = ' ';
    tl_buf_put(b, s, 16);
}

/*
 * The local interface name of a Linux cooked v2 capture's interface index, as tcpdump's
 * if_indextoname() gives it, or "?". One entry is cached per thread: the lookup is a
 * system call, and a capture's packets mostly share their interface.
 */
static const char *ifindex_name(uint32_t ifindex)
{
    static _Thread_local uint32_t cached_index;
    static _Thread_local bool cached;
    static _Thread_local char cached_name[IF_NAMESIZE];
    if (!cached || cached_index != ifindex) {
        if (!if_indextoname(ifindex, cached_name)) {
            memcpy(cached_name, "?", 2);
        }
        cached_index = ifindex;
        cached = true;
    }
    return cached_name;
}

static void put_padded(struct tl_buf *b, const char *s, size_t width)
{
    size_t n = strlen(s);
    tl_buf_put(b, s, n);
    for (; n < width; n++) {
        tl_buf_putc(b, ' ');
    }
}

/* OpenBSD enc(4) (print-enc.c): the protections, then the SPI. */
static void put_enc(struct tl_buf *b, const struct tl_link *l)
{
    uint32_t flags = l->enc_flags;
    static const struct {
        uint32_t bit;
        const char *name;
    } kinds[] = { { 0x0800, "authentic" }, { 0x0400, "confidential" } };
    tl_buf_puts(b, flags == 0 ? "(unprotected): " : "(");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (flags & kinds[i].bit) {
            tl_buf_printf(b, "%s%s", kinds[i].name, flags == kinds[i].bit ? "): " : ",");
            flags &= ~kinds[i].bit;
        }
    }
    tl_buf_printf(b, "SPI 0x%08x: ", (unsigned)l->enc_spi);
}

/* What tcpdump -nn -v (no -e) prints of the link layer: Linux cooked captures, PPP in HDLC
 * framing (print-ppp.c names the protocol) and enc(4). */
static void put_link(struct tl_buf *b, const struct tl_packet *p)
{
    const struct tl_link *l = &p->link;
    if (l->dlt == TL_DLT_PPP_SERIAL && l->ppp_hdlc) {
        tl_buf_puts(b, l->ethertype == ETHERTYPE_IPV6 ? "IP6: " : "IP: ");
    }
    if (l->dlt == TL_DLT_ENC) {
        put_enc(b, l);
    }
    if (l->dlt == TL_DLT_LINUX_SLL2) {
        static const char *const types[] = { "In", "B", "M", "P", "Out" };
        put_padded(b, ifindex_name(l->sll_ifindex), 5);
        tl_buf_putc(b, ' ');
        put_padded(b, l->sll_pkttype < 5 ? types[l->sll_pkttype] : "?", 3);
        tl_buf_putc(b, ' ');
    }
    if (l->dlt == TL_DLT_LINUX_SLL || l->dlt == TL_DLT_LINUX_SLL2) {
        /* print-sll.c names the type under each 802.1Q tag even without -e (the decoder keeps
         * no tag types: all are taken as 802.1Q) */
        for (unsigned i = 0; i < l->n_vlan; i++) {
            tl_buf_puts(b, "ethertype ");
            if (i + 1 < l->n_vlan) {
                tl_buf_puts(b, "802.1Q");
            } else {
                tl_buf_puts(b, l->ethertype == ETHERTYPE_IPV6 ? "IPv6" : "IPv4");
            }
            tl_buf_puts(b, ", ");
        }
    }
}

/* The network layer from the first IP header, as the link layer hands it to tcpdump. */
static void print_l3(struct td *t)
{
    const struct tl_packet *p = t->p;
    uint8_t b = 0;
    int version;
    for (unsigned i = 0; i < p->link.n_tunnels && i < p->n_tunnels; i++) {
        enum tl_tunnel_kind k = (enum tl_tunnel_kind)p->tunnels[i].kind;
        if (k == TL_TUN_IEEE80211 &&
            (p->link.dlt == TL_DLT_IEEE802_11 || p->link.dlt == TL_DLT_IEEE802_11_RADIO)) {
            continue; /* the link layer itself: a data frame's header says nothing without -e */
        }
        if (k == TL_TUN_VNTAG || k == TL_TUN_ETAG || k == TL_TUN_PW_ETH || k == TL_TUN_IEEE80211) {
            return; /* tcpdump prints these as unknown EtherTypes, hex or 802.11 text */
        }
    }
    put_link_tunnels(t);
    if (p->link.ethertype == ETHERTYPE_IPV6) {
        version = 6;
    } else if (p->link.ethertype == ETHERTYPE_IPV4) {
        version = 4;
    } else {
        version = get8(t, 0, &b) && b >> 4 == 6 ? 6 : 4;
    }
    if (version == 6) {
        print_ip6(t, 0, p->l3_wirelen);
    } else {
        print_ip4(t, 0, p->l3_wirelen);
    }
}

/* Whether tcpdump reaches the TCP header of this packet without surprises. */
static bool plain_tcp(const struct tl_packet *p)
{
    if (!p->has_tcp) {
        return false;
    }
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        if (p->anomalies[i] == TL_AN_IPV4_LEN_ZERO) {
            return false;
        }
    }
    for (unsigned i = 0; i < p->n_ip; i++) {
        const struct tl_ip *ip = &p->ip[i];
        if (ip->version == 6 && (ip->n_ext != 0 || ip->payload_length == 0)) {
            return false;
        }
    }
    for (unsigned i = 0; i < p->n_tunnels; i++) { /* tcpdump's way through them: render */
        if (p->tunnels[i].kind != TL_TUN_VLAN && p->tunnels[i].kind != TL_TUN_IP) {
            return false;
        }
    }
    return true;
}

/*
 * Whether tcpdump prints this packet as TCP: its text reaches the TCP header ("Flags [",
 * " [|tcp]", "bad hdr length"), or names TCP where it cannot ("ip-proto-6" of a later IPv4
 * fragment, " [|ip]" of a cut IPv4 header whose protocol byte says TCP).
 */
bool tl_tcpdump_wants(const struct tl_packet *p)
{
    assert(p);
    if (!p->l3 || p->l3_avail == 0 || p->n_ip == 0) {
        return false;
    }
    if (plain_tcp(p)) {
        return true;
    }
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        if (p->anomalies[i] == TL_AN_IPV4_LEN_ZERO && p->n_tunnels == 0) {
            return true; /* "IP bad-len 0": tcpdump's `tcp` filter matches it, its printer stops */
        }
    }
    if (!p->has_tcp && p->non_tcp && tl_packet_ip(p)->protocol != IPPROTO_NUM_TCP) {
        return false;
    }
    /* the unusual ones: render into a scratch buffer and see whether TCP was reached */
    char mem[512];
    struct tl_buf scratch;
    struct td t;
    tl_buf_init_fixed(&scratch, mem, sizeof mem);
    td_init(&t, &scratch, p, 0, 0, 0);
    print_l3(&t);
    return t.tcp_seen;
}

/* Only the TCP part of a packet whose TCP header was decoded (p->has_tcp). */
void tl_tcpdump_tcp(struct tl_buf *b, const struct tl_packet *p, uint32_t seq_sub, uint32_t ack_sub,
                    uint32_t sack_sub)
{
    assert(b && p && p->has_tcp);
    const struct tl_ip *ip = tl_packet_ip(p);
    struct td t;
    td_init(&t, b, p, seq_sub, ack_sub, sack_sub);
    for (unsigned i = 0; i < p->n_ip; i++) { /* each IP header cut the snapshot to its length */
        push_snap(&t, (size_t)p->ip[i].offset + p->ip[i].total_length);
    }
    bool fragmented = ip->version == 6 ? ip->has_frag_hdr : ip->mf;
    print_tcp(&t, p->tcp.offset, ip->l4_length, ip->version, ip->offset, fragmented);
}

/* The whole text of a packet tl_tcpdump_wants() accepted; fp NULL prints absolute numbers. */
void tl_tcpdump_packet(struct tl_buf *b, const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    assert(b && p);
    struct td t;
    put_time(b, p);
    put_link(b, p);
    if (fp) {
        td_init(&t, b, p, fp->td_seq_sub, fp->td_ack_sub, fp->td_sack_sub);
    } else {
        td_init(&t, b, p, 0, 0, 0);
    }
    print_l3(&t);
    tl_buf_putc(b, '\n');
}
