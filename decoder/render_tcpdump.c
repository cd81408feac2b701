/*
 * render_tcpdump.c - a packet as `tcpdump -nn -v` prints it (tcpdump 4.99: print-ip.c,
 * print-ip6.c, print-tcp.c), up to and including "length N" of the TCP line.
 *
 * Numbers are appended with tl_buf's integer appenders rather than printf: this renderer is
 * on the hot path of `tcplens decode --format tcpdump`.
 */
#include <string.h>
#include <time.h>

#include "decode_int.h"
#include "render.h"

static void put_addr_port(struct tl_buf *b, const struct tl_ip *ip, const uint8_t *addr,
                          uint16_t port, bool with_addr)
{
    char a[64];
    if (with_addr) {
        tl_buf_puts(b, tl_addr_str(ip->version, addr, a, sizeof a));
        tl_buf_putc(b, '.');
    }
    tl_buf_u64(b, port);
}

static void put_hex4(struct tl_buf *b, uint16_t v)
{
    tl_buf_puts(b, "0x");
    tl_buf_hex(b, v, 4);
}

/* The TCP options list, tcpdump's way; returns false when it stopped on a bad option. */
static bool put_options(struct tl_buf *b, const struct tl_packet *p, uint32_t sack_sub)
{
    const struct tl_tcp *t = &p->tcp;
    const uint8_t *hdr = p->l3 + t->offset;
    for (unsigned i = 0; i < t->n_opts; i++) {
        const struct tl_tcp_opt *o = &t->opts[i];
        const char *name = tl_tcp_option_name(o->kind);
        if (i > 0) {
            tl_buf_putc(b, ',');
        }
        if (o->error == TL_AN_TCP_OPT_INVALID_LEN && (o->length < 2 && o->kind > 1)) {
            tl_buf_puts(b, "[bad opt]");
            return false;
        }
        if (name) {
            tl_buf_puts(b, name);
        } else {
            tl_buf_puts(b, "unknown-");
            tl_buf_u64(b, o->kind);
        }
        switch (o->kind) {
            case 0:
            case 1:
            case 4:
                break;
            case 2:
                tl_buf_putc(b, ' ');
                tl_buf_u64(b, o->v.mss);
                break;
            case 3:
                tl_buf_putc(b, ' ');
                tl_buf_u64(b, o->v.wscale);
                break;
            case 8:
                tl_buf_puts(b, " val ");
                tl_buf_u64(b, o->v.ts.val);
                tl_buf_puts(b, " ecr ");
                tl_buf_u64(b, o->v.ts.ecr);
                break;
            case 5:
                tl_buf_putc(b, ' ');
                tl_buf_u64(b, o->v.sack.count);
                tl_buf_putc(b, ' ');
                for (unsigned k = 0; k < o->v.sack.count; k++) {
                    tl_buf_putc(b, '{');
                    tl_buf_u64(b, (uint32_t)(o->v.sack.edge[k][0] - sack_sub));
                    tl_buf_putc(b, ':');
                    tl_buf_u64(b, (uint32_t)(o->v.sack.edge[k][1] - sack_sub));
                    tl_buf_putc(b, '}');
                }
                break;
            default:
                if (o->length > 2) {
                    tl_buf_puts(b, " 0x");
                    for (unsigned k = 2; k < o->length; k++) {
                        tl_buf_hex(b, hdr[o->offset + k], 2);
                    }
                }
                break;
        }
        if (o->kind == 0) {
            break;
        }
    }
    return true;
}

void tl_tcpdump_tcp(struct tl_buf *b, const struct tl_packet *p, uint32_t seq_sub, uint32_t ack_sub,
                    uint32_t sack_sub)
{
    const struct tl_ip *ip = tl_packet_ip(p);
    const struct tl_tcp *t = &p->tcp;
    char flags[16];
    bool with_addr = ip->version == 4 || ip->next_header == IPPROTO_NUM_TCP;

    put_addr_port(b, ip, ip->src, t->src_port, with_addr);
    tl_buf_puts(b, " > ");
    put_addr_port(b, ip, ip->dst, t->dst_port, with_addr);
    tl_buf_puts(b, ": Flags [");
    tl_buf_puts(b, tl_tcp_flags_tcpdump(t->flags, flags, sizeof flags));
    tl_buf_putc(b, ']');
    if (t->checksum_status != TL_CKSUM_UNVERIFIED && !ip->has_frag_hdr) {
        tl_buf_puts(b, ", cksum ");
        put_hex4(b, t->checksum);
        if (t->checksum_status == TL_CKSUM_CORRECT) {
            tl_buf_puts(b, " (correct)");
        } else {
            tl_buf_puts(b, " (incorrect -> ");
            put_hex4(b, t->checksum_expected);
            tl_buf_putc(b, ')');
        }
    }
    uint32_t len = t->payload_length;
    if (len != 0 || (t->flags & (TL_TH_SYN | TL_TH_FIN | TL_TH_RST))) {
        uint32_t seq = t->seq - seq_sub;
        tl_buf_puts(b, ", seq ");
        tl_buf_u64(b, seq);
        if (len > 0) {
            tl_buf_putc(b, ':');
            tl_buf_u64(b, (uint32_t)(seq + len));
        }
    }
    if (t->flags & TL_TH_ACK) {
        tl_buf_puts(b, ", ack ");
        tl_buf_u64(b, (uint32_t)(t->ack - ack_sub));
    }
    tl_buf_puts(b, ", win ");
    tl_buf_u64(b, t->window);
    if (t->flags & TL_TH_URG) {
        tl_buf_puts(b, ", urg ");
        tl_buf_u64(b, t->urgent_pointer);
    }
    if (t->header_length > TCP_HDR_MIN_LEN) {
        tl_buf_puts(b, ", options [");
        if (!put_options(b, p, sack_sub)) {
            return;
        }
        tl_buf_putc(b, ']');
    }
    tl_buf_puts(b, ", length ");
    tl_buf_u64(b, len);
}

bool tl_tcpdump_wants(const struct tl_packet *p)
{
    return p->has_tcp;
}

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

static void put_ipv4_line(struct tl_buf *b, const struct tl_ip *ip)
{
    tl_buf_puts(b, "IP (tos 0x");
    tl_buf_hex(b, ip->tos, 1);
    switch (ip->tos & 3) {
        case 1:
            tl_buf_puts(b, ",ECT(1)");
            break;
        case 2:
            tl_buf_puts(b, ",ECT(0)");
            break;
        case 3:
            tl_buf_puts(b, ",CE");
            break;
        default:
            break;
    }
    if (ip->ttl >= 1) {
        tl_buf_puts(b, ", ttl ");
        tl_buf_u64(b, ip->ttl);
    }
    tl_buf_puts(b, ", id ");
    tl_buf_u64(b, ip->id);
    tl_buf_puts(b, ", offset ");
    tl_buf_u64(b, ip->frag_offset * 8u);
    tl_buf_puts(b, ", flags [");
    const char *sep = "";
    if (ip->mf) {
        tl_buf_puts(b, "+");
        sep = ", ";
    }
    if (ip->df) {
        tl_buf_puts(b, sep);
        tl_buf_puts(b, "DF");
        sep = ", ";
    }
    if (ip->rf) {
        tl_buf_puts(b, sep);
        tl_buf_puts(b, "rsvd");
        sep = ", ";
    }
    if (!*sep) {
        tl_buf_puts(b, "none");
    }
    tl_buf_puts(b, "], proto ");
    tl_buf_puts(b, ip->protocol == IPPROTO_NUM_TCP ? "TCP" : "unknown");
    tl_buf_puts(b, " (");
    tl_buf_u64(b, ip->protocol);
    tl_buf_puts(b, "), length ");
    tl_buf_u64(b, ip->total_length);
    if (ip->checksum_status == TL_CKSUM_INCORRECT) {
        tl_buf_puts(b, ", bad cksum ");
        tl_buf_hex(b, ip->checksum, 1);
        tl_buf_puts(b, " (->");
        tl_buf_hex(b, ip->checksum_expected, 1);
        tl_buf_puts(b, ")!");
    }
    tl_buf_puts(b, ")\n    ");
}

static void put_ipv6_line(struct tl_buf *b, const struct tl_ip *ip)
{
    tl_buf_puts(b, "IP6 (");
    if (ip->tos) {
        tl_buf_puts(b, "class 0x");
        tl_buf_hex(b, ip->tos, 2);
        tl_buf_puts(b, ", ");
    }
    if (ip->flow_label) {
        tl_buf_puts(b, "flowlabel 0x");
        tl_buf_hex(b, ip->flow_label, 5);
        tl_buf_puts(b, ", ");
    }
    tl_buf_puts(b, "hlim ");
    tl_buf_u64(b, ip->ttl);
    tl_buf_puts(b, ", next-header ");
    tl_buf_puts(b, ip->next_header == IPPROTO_NUM_TCP ? "TCP" : "unknown");
    tl_buf_puts(b, " (");
    tl_buf_u64(b, ip->next_header);
    tl_buf_puts(b, ") payload length: ");
    tl_buf_u64(b, ip->payload_length);
    tl_buf_puts(b, ") ");
}

void tl_tcpdump_packet(struct tl_buf *b, const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    put_time(b, p);
    for (unsigned i = 0; i < p->n_ip; i++) {
        if (p->ip[i].version == 4) {
            put_ipv4_line(b, &p->ip[i]);
        } else {
            put_ipv6_line(b, &p->ip[i]);
        }
    }
    if (fp) {
        tl_tcpdump_tcp(b, p, fp->td_seq_sub, fp->td_ack_sub, fp->td_sack_sub);
    } else {
        tl_tcpdump_tcp(b, p, 0, 0, 0);
    }
    tl_buf_putc(b, '\n');
}
