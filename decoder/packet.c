/*
 * packet.c - one frame through the layers: link -> IP (and the tunnels over it: IP-in-IP,
 * GRE, UDP tunnels, encap.c) -> TCP.
 *
 * Never fails and never allocates: the outcome is in the struct tl_packet the caller owns.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "decode_int.h"

void tl_pkt_anomaly(struct tl_packet *p, enum tl_anomaly a)
{
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        if (p->anomalies[i] == a) {
            return;
        }
    }
    if (p->n_anomalies < TL_MAX_ANOMALIES) {
        p->anomalies[p->n_anomalies++] = (uint8_t)a;
    }
}

/* Reset what a previous decode left, without clearing the big option array. */
static void packet_reset(struct tl_packet *p)
{
    uint64_t frame = p->frame, pos = p->pos;
    int64_t sec = p->ts_sec;
    uint32_t nsec = p->ts_nsec;
    memset(p, 0, offsetof(struct tl_packet, tcp));
    memset(&p->tcp, 0, offsetof(struct tl_tcp, opts));
    memset((char *)&p->tcp + offsetof(struct tl_tcp, opts_captured), 0,
           sizeof p->tcp - offsetof(struct tl_tcp, opts_captured));
    p->fatal = TL_AN_NONE;
    p->non_tcp = NULL;
    p->n_anomalies = 0;
    p->frame = frame;
    p->pos = pos;
    p->ts_sec = sec;
    p->ts_nsec = nsec;
}

static void decode_ip_layers(struct tl_packet *p, bool verify)
{
    size_t off = 0;
    uint8_t b;

    if (!p->l3 || p->l3_avail == 0) {
        p->fatal =
            p->link.ethertype == ETHERTYPE_IPV6 ? TL_AN_IPV6_TRUNC_HDR : TL_AN_IPV4_TRUNC_HDR;
        return;
    }
    b = p->l3[0];
    int version = b >> 4;
    if (p->link.ethertype == ETHERTYPE_IPV6) {
        version = 6;
    } else if (p->link.ethertype == ETHERTYPE_IPV4) {
        version = 4;
    }
    for (;;) {
        struct tl_ip *ip = &p->ip[p->n_ip];
        enum tl_anomaly an;
        memset(ip, 0, sizeof *ip);
        an = version == 6 ? tl_ipv6_decode(p, ip, off) : tl_ipv4_decode(p, ip, off, verify);
        p->n_ip++;
        if (an != TL_AN_NONE) {
            p->fatal = an;
            return;
        }
        int li = tl_layer_push(p, TL_TUN_IP, 0, ip->offset, ip->header_length);
        unsigned nt = p->n_tunnels;
        if (ip->fragment && ip->frag_offset != 0) {
            p->non_tcp = ip->version == 4 ? "ipv4-fragment" : "ipv6-fragment";
            return;
        }
        if (ip->fragment) {
            tl_pkt_anomaly(p, ip->version == 4 ? TL_AN_IPV4_FRAGMENT : TL_AN_IPV6_FRAGMENT);
        }
        switch (ip->protocol) {
            case IPPROTO_NUM_TCP:
                an = tl_tcp_decode(p, ip, off + ip->header_length, verify);
                if (an != TL_AN_NONE) {
                    p->fatal = an;
                } else {
                    p->has_tcp = true;
                    tl_layer_push(p, TL_LAYER_TCP, 0, p->tcp.offset, p->tcp.header_length);
                }
                return;
            case IPPROTO_NUM_IPIP:
            case IPPROTO_NUM_IPV6:
                if (p->n_ip >= TL_MAX_IP_LAYERS) {
                    p->fatal = TL_AN_TUNNEL_TOO_DEEP;
                    return;
                }
                if (!tl_encap_ip_in_ip(p, ip)) {
                    p->fatal = TL_AN_ENCAP_TOO_DEEP;
                    return;
                }
                if (li >= 0) { /* the outer IP header is the tunnel's */
                    p->layers[li].tunnel = (uint8_t)(nt + 1);
                }
                version = ip->protocol == IPPROTO_NUM_IPV6 ? 6 : 4;
                off += ip->header_length;
                continue;
            case IPPROTO_NUM_GRE:
            case IPPROTO_NUM_UDP: { /* GRE and the UDP tunnels (encap.c) */
                uint16_t type = 0;
                off += ip->header_length;
                an = tl_encap_over_ip(p, ip, &off, &type);
                if (li >= 0 && p->n_tunnels > nt) { /* the IP header that carries a tunnel */
                    p->layers[li].tunnel = (uint8_t)(nt + 1);
                }
                if (an != TL_AN_NONE) {
                    p->fatal = an;
                    return;
                }
                if (type == 0) {
                    if (!p->non_tcp) {
                        p->non_tcp = tl_ipproto_kind(ip->protocol);
                    }
                    return;
                }
                if (p->n_ip >= TL_MAX_IP_LAYERS) {
                    p->fatal = TL_AN_TUNNEL_TOO_DEEP;
                    return;
                }
                version = type == ETHERTYPE_IPV6 ? 6 : 4;
                continue;
            }
            default:
                p->non_tcp = tl_ipproto_kind(ip->protocol);
                return;
        }
    }
}

void tl_packet_decode_frame(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t avail,
                            uint32_t caplen, uint32_t wirelen, bool verify)
{
    packet_reset(p);
    p->caplen = caplen < avail ? avail : caplen;
    p->wirelen = wirelen < p->caplen ? p->caplen : wirelen;
    /* the link layers read only the bytes present: the cursor is bounded by avail */
    enum tl_anomaly an = tl_link_decode(p, dlt, data, avail);
    if (an != TL_AN_NONE) {
        p->fatal = an;
        return;
    }
    if (p->non_tcp) {
        return;
    }
    uint32_t off = p->link.l3_offset; /* <= avail: the cursor never moves past its end */
    p->l3 = data + off;
    p->l3_avail = avail - off;
    p->l3_caplen = p->caplen - off;
    p->l3_wirelen = p->wirelen - off;
    decode_ip_layers(p, verify);
}

void tl_packet_decode(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen)
{
    tl_packet_decode_frame(p, dlt, data, caplen, caplen, wirelen, true);
}

const char *tl_tcp_flags_tcpdump(uint16_t flags, char *buf, size_t size)
{
    /* tcpdump's tcp_flag_values order; AE (0x100) is not printed by tcpdump 4.99 */
    static const struct {
        uint16_t bit;
        char letter;
    } letters[] = {
        { TL_TH_FIN, 'F' }, { TL_TH_SYN, 'S' }, { TL_TH_RST, 'R' }, { TL_TH_PSH, 'P' },
        { TL_TH_ACK, '.' }, { TL_TH_URG, 'U' }, { TL_TH_ECE, 'E' }, { TL_TH_CWR, 'W' },
    };
    size_t n = 0;
    if (size < 16) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++) {
        if (flags & letters[i].bit) {
            buf[n++] = letters[i].letter;
        }
    }
    if (n == 0) {
        snprintf(buf, size, "none");
    } else {
        buf[n] = '\0';
    }
    return buf;
}

const char *tl_addr_str(int version, const uint8_t *addr, char *buf, size_t size)
{
    if (!inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)size)) {
        snprintf(buf, size, "?");
    }
    return buf;
}
