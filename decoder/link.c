/*
 * link.c - link-layer headers: Ethernet (tags, MPLS, PPPoE, VN-Tag, E-Tag and 802.2 SNAP are
 * walked by encap.c), Linux cooked v1 and v2, BSD NULL/LOOP, raw IP, PPP (9, 50) and Cisco
 * HDLC (104), IEEE 802.11 (105) and radiotap (127), NFLOG (239), PFLOG (117), IPNET (226),
 * ENC (109), FDDI. Other link types are counted as malformed (link.unsupported, with the
 * link type's number in the capture's warnings).
 *
 * The result is where the first IP header starts (p->link.l3_offset) and which network
 * protocol it is; anything else is a non-IP frame counted by kind.
 */
#include "decode_int.h"

#define FDDI_HDR_LEN 13

static const struct {
    uint16_t type;
    const char *kind;
} ethertypes[] = {
    { ETHERTYPE_ARP, "arp" },     { 0x8035, "rarp" }, { 0x8137, "ipx" },
    { 0x8847, "mpls" },           { 0x8848, "mpls" }, { 0x8863, "pppoe-discovery" },
    { 0x8864, "pppoe" },          { 0x88cc, "lldp" }, { 0x888e, "eapol" },
    { 0x8809, "slow-protocols" }, { 0x88f7, "ptp" },  { 0x9000, "loopback" },
    { 0x0800, "ipv4" },           { 0x86dd, "ipv6" },
};

const char *tl_ethertype_kind(uint16_t ethertype)
{
    for (size_t i = 0; i < sizeof ethertypes / sizeof ethertypes[0]; i++) {
        if (ethertypes[i].type == ethertype) {
            return ethertypes[i].kind;
        }
    }
    if (ethertype <= 1500) {
        return "llc";
    }
    return "ethertype-other";
}

bool tl_linktype_supported(int dlt)
{
    switch (dlt) {
        case TL_DLT_NULL:
        case TL_DLT_EN10MB:
        case TL_DLT_PPP:
        case TL_DLT_FDDI:
        case TL_DLT_RAW:
        case TL_DLT_RAW_OPENBSD:
        case TL_DLT_PPP_SERIAL:
        case TL_DLT_LINKTYPE_RAW:
        case TL_DLT_LINUX_SLL:
        case TL_DLT_LOOP:
        case TL_DLT_IPV4:
        case TL_DLT_IPV6:
        case TL_DLT_LINUX_SLL2:
        case TL_DLT_C_HDLC:
        case TL_DLT_IEEE802_11:
        case TL_DLT_IEEE802_11_RADIO:
        case TL_DLT_NFLOG:
        case TL_DLT_PFLOG:
        case TL_DLT_IPNET:
        case TL_DLT_ENC:
            return true;
        default:
            return false;
    }
}

const char *tl_linktype_name(int dlt)
{
    switch (dlt) {
        case TL_DLT_NULL:
            return "NULL";
        case TL_DLT_EN10MB:
            return "EN10MB";
        case TL_DLT_PPP:
            return "PPP";
        case TL_DLT_FDDI:
            return "FDDI";
        case TL_DLT_RAW:
        case TL_DLT_RAW_OPENBSD:
        case TL_DLT_LINKTYPE_RAW:
            return "RAW";
        case TL_DLT_PPP_SERIAL:
            return "PPP_SERIAL";
        case TL_DLT_LINUX_SLL:
            return "LINUX_SLL";
        case TL_DLT_LOOP:
            return "LOOP";
        case TL_DLT_IPV4:
            return "IPV4";
        case TL_DLT_IPV6:
            return "IPV6";
        case TL_DLT_LINUX_SLL2:
            return "LINUX_SLL2";
        case TL_DLT_C_HDLC:
            return "C_HDLC";
        case TL_DLT_IEEE802_11:
            return "IEEE802_11";
        case TL_DLT_IEEE802_11_RADIO:
            return "IEEE802_11_RADIO";
        case TL_DLT_NFLOG:
            return "NFLOG";
        case TL_DLT_PFLOG:
            return "PFLOG";
        case TL_DLT_IPNET:
            return "IPNET";
        case TL_DLT_ENC:
            return "ENC";
        default:
            return "unknown";
    }
}

/* The network protocol found, from the IP version nibble of the byte at c->off. */
static uint16_t version_ethertype(const struct tl_cur *c)
{
    uint8_t b;
    if (!tl_cur_peek_u8(c, c->off, &b)) {
        return 0;
    }
    switch (b >> 4) {
        case 4:
            return ETHERTYPE_IPV4;
        case 6:
            return ETHERTYPE_IPV6;
        default:
            return 0;
    }
}

/* Ethertype, then tags, labels, PPPoE and 802.2 SNAP (encap.c). */
static enum tl_anomaly ethertype_walk(struct tl_packet *p, struct tl_cur *c, uint16_t type)
{
    return tl_encap_ether(p, c, type, &p->link.ethertype, true);
}

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

/* An address family number of the BSDs, Linux, Solaris and Darwin to an EtherType. */
static uint16_t af_ethertype(uint32_t family)
{
    switch (family) {
        case 2:
            return ETHERTYPE_IPV4;
        case 10: /* Linux */
        case 24: /* NetBSD, OpenBSD */
        case 26: /* Solaris */
        case 28: /* FreeBSD */
        case 30: /* Darwin */
            return ETHERTYPE_IPV6;
        default:
            return 0;
    }
}

/* NFLOG (LINKTYPE_NFLOG): family, version, resource id, then TLVs; the payload is type 9. */
static enum tl_anomaly nflog_walk(struct tl_packet *p, struct tl_cur *c)
{
    uint8_t family;
    if (!tl_cur_u8(c, &family) || !tl_cur_skip(c, 3)) {
        return TL_AN_LINK_TRUNC;
    }
    for (int i = 0; i < 64; i++) {
        uint8_t b0, b1, b2, b3;
        if (!tl_cur_peek_u8(c, c->off, &b0) || !tl_cur_peek_u8(c, c->off + 1, &b1) ||
            !tl_cur_peek_u8(c, c->off + 2, &b2) || !tl_cur_peek_u8(c, c->off + 3, &b3)) {
            return TL_AN_LINK_TRUNC;
        }
        /* host byte order: the little-endian hosts that write them */
        uint16_t len = (uint16_t)(b0 | b1 << 8), type = (uint16_t)(b2 | b3 << 8);
        if (len < 4) {
            return TL_AN_ENCAP_MALFORMED;
        }
        if (type == 9) { /* NFULA_PAYLOAD */
            tl_cur_skip(c, 4);
            p->link.ethertype = af_ethertype(family);
            if (!p->link.ethertype) {
                p->non_tcp = "nflog-other";
            }
            return TL_AN_NONE;
        }
        if (!tl_cur_skip(c, ((size_t)len + 3) & ~(size_t)3)) {
            return TL_AN_LINK_TRUNC;
        }
    }
    p->non_tcp = "nflog-other";
    return TL_AN_NONE;
}

/* IEEE 802.11 behind a radiotap header (its length, little-endian, at byte 2). */
static enum tl_anomaly radiotap_walk(struct tl_packet *p, struct tl_cur *c)
{
    uint8_t b0, b1;
    if (!tl_cur_peek_u8(c, 2, &b0) || !tl_cur_peek_u8(c, 3, &b1)) {
        return TL_AN_LINK_TRUNC;
    }
    uint16_t len = (uint16_t)(b0 | b1 << 8);
    if (len < 8) {
        return TL_AN_ENCAP_MALFORMED;
    }
    if (!tl_cur_skip(c, len)) {
        return TL_AN_LINK_TRUNC;
    }
    return tl_encap_80211(p, c, &p->link.ethertype, true);
}

enum tl_anomaly tl_link_decode(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t caplen)
{
    struct tl_link *l = &p->link;
    struct tl_cur c;
    enum tl_anomaly an = TL_AN_NONE;

    tl_cur_init(&c, data, caplen);
    l->dlt = (uint16_t)dlt;
    switch (dlt) {
        case TL_DLT_EN10MB: {
            uint16_t type;
            if (!tl_cur_skip(&c, 12) || !tl_cur_be16(&c, &type)) {
                return TL_AN_LINK_TRUNC;
            }
            tl_layer_push(p, TL_LAYER_ETH, 0, 0, 14);
            an = ethertype_walk(p, &c, type);
            break;
        }
        case TL_DLT_LINUX_SLL: {
            uint16_t pkttype, type;
            if (!tl_cur_be16(&c, &pkttype) || !tl_cur_skip(&c, 12) || !tl_cur_be16(&c, &type)) {
                return TL_AN_LINK_TRUNC;
            }
            l->sll_pkttype = pkttype;
            tl_layer_push(p, TL_LAYER_SLL, 0, 0, 16);
            an = ethertype_walk(p, &c, type);
            break;
        }
        case TL_DLT_LINUX_SLL2: {
            uint16_t type;
            uint32_t ifindex;
            uint8_t pkttype;
            if (!tl_cur_be16(&c, &type) || !tl_cur_skip(&c, 2) || !tl_cur_be32(&c, &ifindex) ||
                !tl_cur_skip(&c, 2) || !tl_cur_u8(&c, &pkttype) || !tl_cur_skip(&c, 9)) {
                return TL_AN_LINK_TRUNC;
            }
            l->sll_ifindex = ifindex;
            l->sll_pkttype = pkttype;
            tl_layer_push(p, TL_LAYER_SLL, 0, 0, 20);
            an = ethertype_walk(p, &c, type);
            break;
        }
        case TL_DLT_NULL:
        case TL_DLT_LOOP: {
            uint32_t family;
            if (dlt == TL_DLT_LOOP ? !tl_cur_be32(&c, &family) : !tl_cur_le32(&c, &family)) {
                return TL_AN_LINK_TRUNC;
            }
            /* NULL is in the capturing host's byte order: a big value is a swapped one. */
            if ((family & 0xffff0000u) != 0) {
                family = bswap32(family);
            }
            l->ethertype = af_ethertype(family);
            if (!l->ethertype) {
                p->non_tcp = "loopback-other";
                return TL_AN_NONE;
            }
            break;
        }
        case TL_DLT_RAW:
        case TL_DLT_RAW_OPENBSD:
        case TL_DLT_LINKTYPE_RAW:
            if (!tl_cur_has(&c, 1)) {
                return TL_AN_LINK_TRUNC;
            }
            l->ethertype = version_ethertype(&c);
            break;
        case TL_DLT_IPV4:
            l->ethertype = ETHERTYPE_IPV4;
            break;
        case TL_DLT_IPV6:
            l->ethertype = ETHERTYPE_IPV6;
            break;
        case TL_DLT_PPP:
        case TL_DLT_PPP_SERIAL: {
            uint8_t b0, b1;
            uint16_t proto;
            if (!tl_cur_peek_u8(&c, 0, &b0) || !tl_cur_peek_u8(&c, 1, &b1)) {
                return TL_AN_LINK_TRUNC;
            }
            if (b0 == 0xff && b1 == 0x03) { /* HDLC address and control */
                tl_cur_skip(&c, 2);
                l->ppp_hdlc = dlt == TL_DLT_PPP_SERIAL;
            }
            if (!tl_cur_peek_u8(&c, c.off, &b0)) {
                return TL_AN_LINK_TRUNC;
            }
            if (b0 & 1) { /* protocol field compressed to one byte (RFC 1661 §6.5) */
                tl_cur_skip(&c, 1);
                proto = b0;
            } else if (!tl_cur_be16(&c, &proto)) {
                return TL_AN_LINK_TRUNC;
            }
            if (proto == 0x0021) {
                l->ethertype = ETHERTYPE_IPV4;
            } else if (proto == 0x0057) {
                l->ethertype = ETHERTYPE_IPV6;
            } else {
                p->non_tcp = "ppp-other";
                return TL_AN_NONE;
            }
            break;
        }
        case TL_DLT_C_HDLC: { /* address, control, then an EtherType (Cisco HDLC) */
            uint16_t type;
            if (!tl_cur_skip(&c, 2) || !tl_cur_be16(&c, &type)) {
                return TL_AN_LINK_TRUNC;
            }
            an = ethertype_walk(p, &c, type);
            break;
        }
        case TL_DLT_IEEE802_11:
            an = tl_encap_80211(p, &c, &l->ethertype, true);
            break;
        case TL_DLT_IEEE802_11_RADIO:
            an = radiotap_walk(p, &c);
            break;
        case TL_DLT_NFLOG:
            an = nflog_walk(p, &c);
            break;
        case TL_DLT_PFLOG: { /* header length (padded to 4), address family, ... */
            uint8_t hlen, af;
            if (!tl_cur_peek_u8(&c, 0, &hlen) || !tl_cur_peek_u8(&c, 1, &af)) {
                return TL_AN_LINK_TRUNC;
            }
            if (hlen < 4) {
                return TL_AN_ENCAP_MALFORMED;
            }
            if (!tl_cur_skip(&c, ((size_t)hlen + 3) & ~(size_t)3)) {
                return TL_AN_LINK_TRUNC;
            }
            l->ethertype = af_ethertype(af);
            break;
        }
        case TL_DLT_IPNET: { /* version, family, htype, pktlen, ifindex, grifindex, zones */
            uint8_t ver, af;
            if (!tl_cur_u8(&c, &ver) || !tl_cur_u8(&c, &af) || !tl_cur_skip(&c, 22)) {
                return TL_AN_LINK_TRUNC;
            }
            l->ethertype = af_ethertype(af);
            break;
        }
        case TL_DLT_ENC: { /* address family (host order), SPI, flags */
            uint32_t af, spi, flags;
            if (!tl_cur_le32(&c, &af) || !tl_cur_be32(&c, &spi) || !tl_cur_le32(&c, &flags)) {
                return TL_AN_LINK_TRUNC;
            }
            /* af and flags are in the writer's byte order: a big af means both are swapped */
            if ((af & 0xffff0000u) != 0) {
                af = bswap32(af);
                flags = bswap32(flags);
            }
            l->enc_spi = spi;
            l->enc_flags = flags;
            l->ethertype = af_ethertype(af);
            break;
        }
        case TL_DLT_FDDI:
            if (!tl_cur_skip(&c, FDDI_HDR_LEN)) {
                return TL_AN_LINK_TRUNC;
            }
            an = ethertype_walk(p, &c, 0); /* an 802.2 LLC header always follows */
            break;
        default:
            return TL_AN_LINK_UNKNOWN;
    }
    if (an != TL_AN_NONE) {
        return an;
    }
    if (l->ethertype != ETHERTYPE_IPV4 && l->ethertype != ETHERTYPE_IPV6) {
        if (p->non_tcp) {
            l->ethertype = 0;
        } else if (l->ethertype != 0) {
            p->non_tcp = tl_ethertype_kind(l->ethertype);
        } else if (l->non_ip != 0) {
            p->non_tcp = "llc";
        } else {
            p->non_tcp = "not-ip";
        }
        return TL_AN_NONE;
    }
    l->l3_offset = (uint16_t)c.off;
    l->n_tunnels = p->n_tunnels;
    l->n_layers = p->n_layers;
    return TL_AN_NONE;
}
