/*
 * ipv6.c - the IPv6 header (RFC 8200) and the walk over its extension headers
 * (hop-by-hop, routing, fragment, destination options, AH, mobility) to the upper layer.
 *
 * Order: captured >= 40 -> version -> payload length against the wire -> each extension
 * header: its fixed part captured -> its length within the payload -> its length captured.
 * The pseudo-header addresses for the TCP checksum follow RFC 8200 §8.1: the final
 * destination of a routing header, and the home address of Mobile IPv6 (RFC 6275 §6.3).
 */
#include "decode_int.h"

#define IP6_FRAG_HDR_LEN 8
#define IP6_OPT_HOA      0xc9
#define IP6_OPT_JUMBO    0xc2

/* Look for the home address option inside a destination-options header. */
static void dstopts_hoa(struct tl_ip *ip, const struct tl_cur *c, size_t off, size_t len)
{
    size_t pos = 2;
    while (pos < len) {
        uint8_t type, olen;
        if (!tl_cur_peek_u8(c, off + pos, &type)) {
            return;
        }
        if (type == 0) { /* Pad1 */
            pos++;
            continue;
        }
        if (len - pos < 2 || !tl_cur_peek_u8(c, off + pos + 1, &olen) || olen > len - pos - 2) {
            return;
        }
        if (type == IP6_OPT_HOA && olen == 16 && c->len - (off + pos + 2) >= 16) {
            memcpy(ip->hoa, c->buf + off + pos + 2, 16);
            ip->has_hoa = true;
        }
        pos += 2 + (size_t)olen;
    }
}

/*
 * RFC 2675: a packet whose payload length is 0 carries its length in a Jumbo Payload option
 * (type 0xc2, 4 bytes, more than 65535) of its hop-by-hop header, as Linux BIG TCP and GSO
 * captures do. Returns that length (from the end of the IPv6 header), or 0 when there is none.
 */
static uint32_t hbh_jumbo(const struct tl_cur *c, size_t off)
{
    uint8_t b1;
    if (!tl_cur_peek_u8(c, off + 1, &b1)) {
        return 0;
    }
    size_t len = ((size_t)b1 + 1) * 8, pos = 2;
    while (pos < len) {
        uint8_t type, olen;
        if (!tl_cur_peek_u8(c, off + pos, &type)) {
            return 0;
        }
        if (type == 0) { /* Pad1 */
            pos++;
            continue;
        }
        if (len - pos < 2 || !tl_cur_peek_u8(c, off + pos + 1, &olen) || olen > len - pos - 2) {
            return 0;
        }
        if (type == IP6_OPT_JUMBO && olen == 4) {
            uint8_t v[4];
            for (int i = 0; i < 4; i++) {
                if (!tl_cur_peek_u8(c, off + pos + 2 + (size_t)i, &v[i])) {
                    return 0;
                }
            }
            uint32_t j = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
            return j > 65535 ? j : 0; /* smaller is invalid (RFC 2675 §3) */
        }
        pos += 2 + (size_t)olen;
    }
    return 0;
}

/* A type 0 or 2 routing header with segments left names the final destination last. */
static void routing_final_dst(struct tl_ip *ip, const struct tl_cur *c, size_t off, size_t len)
{
    uint8_t hdrlen, type, segleft;
    if (!tl_cur_peek_u8(c, off + 1, &hdrlen) || !tl_cur_peek_u8(c, off + 2, &type) ||
        !tl_cur_peek_u8(c, off + 3, &segleft)) {
        return;
    }
    if ((type != 0 && type != 2) || segleft == 0 || hdrlen < 2) {
        return;
    }
    size_t naddr = hdrlen / 2;
    size_t last = off + 8 + 16 * (naddr - 1);
    if (8 + 16 * naddr <= len && c->len >= last + 16) {
        memcpy(ip->rt_dst, c->buf + last, 16);
        ip->has_rt_dst = true;
    }
}

enum tl_anomaly tl_ipv6_decode(struct tl_packet *p, struct tl_ip *ip, size_t off)
{
    struct tl_cur c;
    uint32_t vtf = 0;
    uint16_t plen = 0;
    uint8_t nxt = 0, hlim = 0;

    if (off > p->l3_avail) {
        return TL_AN_IPV6_TRUNC_HDR;
    }
    tl_cur_init(&c, p->l3, p->l3_avail);
    c.off = off;
    uint32_t wire = p->l3_wirelen > off ? p->l3_wirelen - (uint32_t)off : 0;

    ip->offset = (uint16_t)off;
    if (!tl_cur_has(&c, IPV6_HDR_LEN)) {
        return TL_AN_IPV6_TRUNC_HDR;
    }
    tl_cur_be32(&c, &vtf);
    tl_cur_be16(&c, &plen);
    tl_cur_u8(&c, &nxt);
    tl_cur_u8(&c, &hlim);
    tl_cur_copy(&c, ip->src, 16);
    tl_cur_copy(&c, ip->dst, 16);

    ip->version = (uint8_t)(vtf >> 28);
    ip->tos = (uint8_t)(vtf >> 20);
    ip->flow_label = vtf & 0xfffff;
    ip->payload_length = plen;
    ip->total_length = (uint32_t)plen + IPV6_HDR_LEN;
    ip->next_header = nxt;
    ip->ttl = hlim;
    if (ip->version != 6) {
        return TL_AN_IPV6_BAD_VERSION;
    }
    uint32_t jumbo =
        plen == 0 && nxt == IPPROTO_NUM_HOPOPTS ? hbh_jumbo(&c, off + IPV6_HDR_LEN) : 0;
    if (jumbo) { /* RFC 2675: the length is in the hop-by-hop header */
        ip->jumbo_length = jumbo;
        ip->total_length = jumbo + IPV6_HDR_LEN;
    }
    if (ip->total_length > wire) {
        tl_pkt_anomaly(p, TL_AN_IPV6_LEN_GT_WIRE);
    }

    size_t pos = off + IPV6_HDR_LEN;
    uint32_t remaining = jumbo ? jumbo : plen;
    for (;;) {
        size_t len;
        uint8_t next, b1;
        if (nxt != IPPROTO_NUM_HOPOPTS && nxt != IPPROTO_NUM_ROUTING &&
            nxt != IPPROTO_NUM_FRAGMENT && nxt != IPPROTO_NUM_DSTOPTS && nxt != IPPROTO_NUM_AH &&
            nxt != IPPROTO_NUM_MOBILITY) {
            break;
        }
        if (ip->n_ext >= TL_MAX_IP6_EXT) {
            return TL_AN_IPV6_EXT_TOO_MANY;
        }
        if (!tl_cur_peek_u8(&c, pos, &next) || !tl_cur_peek_u8(&c, pos + 1, &b1)) {
            return TL_AN_IPV6_EXT_TRUNC;
        }
        if (nxt == IPPROTO_NUM_FRAGMENT) {
            len = IP6_FRAG_HDR_LEN;
        } else if (nxt == IPPROTO_NUM_AH) {
            len = ((size_t)b1 + 2) * 4;
        } else {
            len = ((size_t)b1 + 1) * 8;
        }
        if (len > remaining || pos > c.len || c.len - pos < len) {
            return TL_AN_IPV6_EXT_TRUNC;
        }
        struct tl_ip6_ext *e = &ip->ext[ip->n_ext++];
        e->type = nxt;
        e->next = next;
        e->offset = (uint16_t)(pos - off);
        e->len = (uint16_t)len;
        if (nxt == IPPROTO_NUM_FRAGMENT) {
            uint16_t offm = 0;
            tl_cur_peek_be16(&c, pos + 2, &offm);
            ip->has_frag_hdr = true;
            ip->frag_offset = offm >> 3;
            ip->mf = (offm & 1) != 0;
            if (ip->frag_offset != 0 || ip->mf) {
                ip->fragment = true;
            }
        } else if (nxt == IPPROTO_NUM_DSTOPTS) {
            dstopts_hoa(ip, &c, pos, len);
        } else if (nxt == IPPROTO_NUM_ROUTING) {
            routing_final_dst(ip, &c, pos, len);
        }
        pos += len;
        remaining -= (uint32_t)len;
        nxt = next;
        if (ip->fragment && ip->frag_offset != 0) {
            break; /* a later fragment: what follows is not a header */
        }
    }
    ip->protocol = nxt;
    ip->header_length = (uint16_t)(pos - off);
    ip->l4_length = remaining;
    ip->checksum_status = TL_CKSUM_UNVERIFIED;
    return TL_AN_NONE;
}
