/*
 * ipv4.c - the IPv4 header (RFC 791), checked in a fixed order:
 * captured >= 20 -> version -> IHL*4 >= 20 -> header captured -> total length >= IHL ->
 * total length against the wire length -> header checksum -> options -> fragment fields.
 * A wire length shorter than the total length makes the packet invalid (kept, flagged);
 * a capture length shorter than it only truncated.
 */
#include "checksum.h"
#include "decode_int.h"

static const struct {
    uint8_t proto;
    const char *kind;
} ipprotos[] = {
    { IPPROTO_NUM_ICMP, "icmp" },
    { 2, "igmp" },
    { IPPROTO_NUM_UDP, "udp" },
    { IPPROTO_NUM_GRE, "gre" },
    { IPPROTO_NUM_ESP, "esp" },
    { IPPROTO_NUM_AH, "ah" },
    { IPPROTO_NUM_ICMPV6, "icmpv6" },
    { IPPROTO_NUM_NONE, "ipv6-nonxt" },
    { 89, "ospf" },
    { 103, "pim" },
    { 112, "vrrp" },
    { 132, "sctp" },
    { 136, "udplite" },
};

const char *tl_ipproto_kind(uint8_t proto)
{
    for (size_t i = 0; i < sizeof ipprotos / sizeof ipprotos[0]; i++) {
        if (ipprotos[i].proto == proto) {
            return ipprotos[i].kind;
        }
    }
    return "ip-proto-other";
}

/* RFC 791 §3.1 options: EOL and NOP are one byte, the others carry a length >= 2. */
static bool ipv4_options_valid(const struct tl_cur *c, size_t off, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        uint8_t type, olen;
        if (!tl_cur_peek_u8(c, off + pos, &type)) {
            return false;
        }
        if (type == 0) {
            return true;
        }
        if (type == 1) {
            pos++;
            continue;
        }
        if (len - pos < 2 || !tl_cur_peek_u8(c, off + pos + 1, &olen)) {
            return false;
        }
        if (olen < 2 || olen > len - pos) {
            return false;
        }
        pos += olen;
    }
    return true;
}

enum tl_anomaly tl_ipv4_decode(struct tl_packet *p, struct tl_ip *ip, size_t off, bool verify)
{
    struct tl_cur c;
    uint8_t vhl = 0, ttl = 0, proto = 0;
    uint16_t total = 0, id = 0, frag = 0, sum = 0;

    (void)verify; /* the header is always present in full, so its checksum is always checked */
    if (off > p->l3_avail) {
        return TL_AN_IPV4_TRUNC_HDR;
    }
    tl_cur_init(&c, p->l3, p->l3_avail);
    c.off = off;
    uint32_t wire = p->l3_wirelen > off ? p->l3_wirelen - (uint32_t)off : 0;

    ip->offset = (uint16_t)off;
    if (!tl_cur_has(&c, IPV4_HDR_MIN_LEN)) {
        return TL_AN_IPV4_TRUNC_HDR;
    }
    tl_cur_u8(&c, &vhl);
    tl_cur_u8(&c, &ip->tos);
    tl_cur_be16(&c, &total);
    tl_cur_be16(&c, &id);
    tl_cur_be16(&c, &frag);
    tl_cur_u8(&c, &ttl);
    tl_cur_u8(&c, &proto);
    tl_cur_be16(&c, &sum);
    tl_cur_copy(&c, ip->src, 4);
    tl_cur_copy(&c, ip->dst, 4);

    ip->version = vhl >> 4;
    ip->header_length = (uint16_t)((vhl & 0x0f) * 4);
    ip->total_length = total;
    ip->id = id;
    ip->rf = (frag & 0x8000) != 0;
    ip->df = (frag & 0x4000) != 0;
    ip->mf = (frag & 0x2000) != 0;
    ip->frag_offset = frag & 0x1fff;
    ip->ttl = ttl;
    ip->protocol = proto;
    ip->next_header = proto;
    ip->checksum = sum;
    ip->fragment = ip->mf || ip->frag_offset != 0;

    if (ip->version != 4) {
        return TL_AN_IPV4_BAD_VERSION;
    }
    if (ip->header_length < IPV4_HDR_MIN_LEN) {
        return TL_AN_IPV4_HLEN_TOO_SMALL;
    }
    if (!tl_cur_has(&c, ip->header_length - IPV4_HDR_MIN_LEN)) {
        c.off = off;
        return TL_AN_IPV4_TRUNC_HDR;
    }
    if (total == 0) { /* segmentation offload: the length was never filled in */
        tl_pkt_anomaly(p, TL_AN_IPV4_LEN_ZERO);
        ip->total_length = wire;
    }
    if (ip->total_length < ip->header_length) {
        return TL_AN_IPV4_LEN_LT_HLEN;
    }
    if (ip->total_length > wire) {
        tl_pkt_anomaly(p, TL_AN_IPV4_LEN_GT_WIRE);
    }

    struct tl_cksum_vec v = { p->l3 + off, ip->header_length };
    uint16_t s = tl_cksum(&v, 1);
    ip->checksum_status = s == 0 ? TL_CKSUM_CORRECT : TL_CKSUM_INCORRECT;
    ip->checksum_expected = s == 0 ? sum : tl_cksum_shouldbe(sum, s);

    if (ip->header_length > IPV4_HDR_MIN_LEN &&
        !ipv4_options_valid(&c, off + IPV4_HDR_MIN_LEN,
                            (size_t)ip->header_length - IPV4_HDR_MIN_LEN)) {
        tl_pkt_anomaly(p, TL_AN_IPV4_OPT_INVALID);
    }
    ip->l4_length = ip->total_length - ip->header_length;
    return TL_AN_NONE;
}
