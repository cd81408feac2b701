/*
 * tcp_options.c - the TCP options walk (RFC 9293 §3.2, RFC 7323, RFC 2018, RFC 7413).
 *
 * EOL ends the list and NOP is one byte; every other option needs a length byte with
 * 2 <= len <= remaining, and the known kinds their exact length (MSS 4, window scale 3,
 * SACK-permitted 2, timestamps 10, SACK 2+8n). The walk never reads past the header length
 * nor past the captured bytes; duplicates and a window scale over 14 are flagged.
 */
#include "decode_int.h"

/* Whether `len` is the right length for a known kind (any length >= 2 for the others). */
static bool length_ok(uint8_t kind, uint8_t len)
{
    switch (kind) {
        case TL_TCPOPT_MSS:
            return len == 4;
        case TL_TCPOPT_WSCALE:
            return len == 3;
        case TL_TCPOPT_SACKOK:
            return len == 2;
        case TL_TCPOPT_TIMESTAMP:
            return len == 10;
        case TL_TCPOPT_SACK:
            return len >= 10 && (len - 2) % 8 == 0 && (len - 2) / 8 <= TL_MAX_SACK_BLOCKS;
        default:
            return true;
    }
}

void tl_tcp_options_parse(struct tl_packet *p, struct tl_tcp *tcp, const struct tl_cur *c,
                          size_t off, size_t len, size_t captured)
{
    size_t pos = 0;
    unsigned seen = 0; /* bit per kind < 32 */

    if (captured > len) {
        captured = len;
    }
    while (pos < captured && tcp->n_opts < TL_MAX_TCP_OPTS) {
        struct tl_tcp_opt *o = &tcp->opts[tcp->n_opts];
        uint8_t kind = 0, olen = 0;
        tl_cur_peek_u8(c, off + pos, &kind);
        memset(o, 0, sizeof *o);
        o->kind = kind;
        o->offset = (uint8_t)(TCP_HDR_MIN_LEN + pos);
        if (kind == TL_TCPOPT_EOL || kind == TL_TCPOPT_NOP) {
            o->length = 1;
            tcp->n_opts++;
            pos++;
            if (kind == TL_TCPOPT_EOL) {
                for (size_t k = pos; k < captured; k++) {
                    uint8_t b = 0;
                    tl_cur_peek_u8(c, off + k, &b);
                    if (b != 0) {
                        tl_pkt_anomaly(p, TL_AN_TCP_OPT_AFTER_EOL);
                        break;
                    }
                }
                return;
            }
            continue;
        }
        if (pos + 1 >= len) { /* no room for the length byte inside the header */
            o->error = TL_AN_TCP_OPT_INVALID_LEN;
            tl_pkt_anomaly(p, TL_AN_TCP_OPT_INVALID_LEN);
            tcp->n_opts++;
            return;
        }
        if (pos + 1 >= captured) {
            return; /* cut by the snapshot length: already flagged by the caller */
        }
        tl_cur_peek_u8(c, off + pos + 1, &olen);
        o->length = olen;
        if (olen < 2 || olen > len - pos) {
            o->error = TL_AN_TCP_OPT_INVALID_LEN;
            tl_pkt_anomaly(p, TL_AN_TCP_OPT_INVALID_LEN);
            tcp->n_opts++;
            return; /* the walk cannot find the next option */
        }
        if (olen > captured - pos) {
            return; /* cut by the snapshot length */
        }
        tcp->n_opts++;
        if (!length_ok(kind, olen)) {
            o->error = TL_AN_TCP_OPT_INVALID_LEN;
            tl_pkt_anomaly(p, TL_AN_TCP_OPT_INVALID_LEN);
            pos += olen;
            continue;
        }
        if (kind < 32 && (seen & (1u << kind)) && kind != TL_TCPOPT_SACK) {
            o->error = TL_AN_TCP_OPT_DUPLICATE;
            tl_pkt_anomaly(p, TL_AN_TCP_OPT_DUPLICATE);
        }
        bool first = kind >= 32 || !(seen & (1u << kind));
        if (kind < 32) {
            seen |= 1u << kind;
        }
        size_t v = off + pos + 2;
        switch (kind) {
            case TL_TCPOPT_MSS:
                tl_cur_peek_be16(c, v, &o->v.mss);
                if (first) {
                    tcp->mss = o->v.mss;
                }
                break;
            case TL_TCPOPT_WSCALE:
                tl_cur_peek_u8(c, v, &o->v.wscale);
                if (o->v.wscale > TL_WSCALE_MAX) {
                    tl_pkt_anomaly(p, TL_AN_TCP_OPT_WSCALE_BIG);
                }
                if (first) {
                    tcp->wscale = o->v.wscale;
                    tcp->wscale_used = o->v.wscale > TL_WSCALE_MAX ? TL_WSCALE_MAX : o->v.wscale;
                }
                break;
            case TL_TCPOPT_SACKOK:
                tcp->sack_permitted = true;
                break;
            case TL_TCPOPT_TIMESTAMP:
                tl_cur_peek_be32(c, v, &o->v.ts.val);
                tl_cur_peek_be32(c, v + 4, &o->v.ts.ecr);
                if (first) {
                    tcp->has_ts = true;
                    tcp->ts_val = o->v.ts.val;
                    tcp->ts_ecr = o->v.ts.ecr;
                }
                break;
            case TL_TCPOPT_SACK:
                o->v.sack.count = (uint8_t)((olen - 2) / 8);
                for (unsigned i = 0; i < o->v.sack.count; i++) {
                    tl_cur_peek_be32(c, v + 8 * i, &o->v.sack.edge[i][0]);
                    tl_cur_peek_be32(c, v + 8 * i + 4, &o->v.sack.edge[i][1]);
                }
                break;
            default:
                break;
        }
        pos += olen;
    }
}

const char *tl_tcp_option_name(uint8_t kind)
{
    /* tcpdump's names (print-tcp.c tcp_option_values) */
    switch (kind) {
        case 0:
            return "eol";
        case 1:
            return "nop";
        case 2:
            return "mss";
        case 3:
            return "wscale";
        case 4:
            return "sackOK";
        case 5:
            return "sack";
        case 6:
            return "echo";
        case 7:
            return "echoreply";
        case 8:
            return "TS";
        case 11:
            return "cc";
        case 12:
            return "ccnew";
        case 13:
            return "";
        case 19:
            return "md5";
        case 20:
            return "scps";
        case 28:
            return "uto";
        case 29:
            return "tcp-ao";
        case 30:
            return "mptcp";
        case 34:
            return "tfo";
        case 254:
            return "exp";
        default:
            return NULL;
    }
}
