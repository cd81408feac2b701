/*
 * encap.c - encapsulations walked to the innermost TCP, each through the bounds-checked
 * cursor and recorded in p->tunnels (outermost first, at most TL_MAX_TUNNELS deep):
 *
 *   below IP:  IEEE 802.1Q/802.1ad tags (0x8100, 0x88a8, 0x9100, 0x9200) at any depth, MPLS
 *              (0x8847/0x8848, RFC 3032) with the payload guessed by the first nibble after
 *              the bottom of the stack, or an Ethernet pseudowire with its control word
 *              (RFC 4448, 4385), PPPoE sessions (0x8864, RFC 2516) carrying PPP IPv4/IPv6,
 *              Cisco VN-Tag (0x8926) and IEEE 802.1BR E-Tag (0x893f), 802.2 LLC/SNAP;
 *   over IP:   GRE (RFC 2784, 2890; RFC 1701 routing; PPTP's enhanced GRE, RFC 2637) with
 *              IPv4/IPv6, transparent Ethernet bridging (0x6558), ERSPAN types I, II (0x88be)
 *              and III (0x22eb), PPP (0x880b), Aruba's 802.11 (as Zeek's GRE analyzer);
 *              UDP tunnels on their IANA ports (fixed here: TL_PORT_* in tcp.h): VXLAN (RFC
 *              7348), VXLAN-GPE, Geneve (RFC 8926, options skipped), GTP-U (3GPP TS 29.281,
 *              extension headers), Teredo (RFC 4380, authentication and origin indications),
 *              AYIYA; IEEE 802.11 data frames (QoS, A-MSDU: the first subframe) with LLC/SNAP.
 *
 * IP-in-IP (protocols 4 and 41) is walked by packet.c, which loops over the IP layers.
 */
#include "decode_int.h"

#define MAX_VLAN_WALK 8
#define MAX_MPLS_WALK 8

const char *tl_tunnel_kind_name(enum tl_tunnel_kind k)
{
    static const char *const names[TL_TUN_COUNT] = {
        [TL_TUN_NONE] = "none",
        [TL_TUN_VLAN] = "vlan",
        [TL_TUN_MPLS] = "mpls",
        [TL_TUN_PPPOE] = "pppoe",
        [TL_TUN_VNTAG] = "vntag",
        [TL_TUN_ETAG] = "etag",
        [TL_TUN_PW_ETH] = "pw-eth",
        [TL_TUN_IP] = "ip",
        [TL_TUN_GRE] = "gre",
        [TL_TUN_ERSPAN] = "erspan",
        [TL_TUN_VXLAN] = "vxlan",
        [TL_TUN_VXLAN_GPE] = "vxlan-gpe",
        [TL_TUN_GENEVE] = "geneve",
        [TL_TUN_GTPU] = "gtpu",
        [TL_TUN_TEREDO] = "teredo",
        [TL_TUN_AYIYA] = "ayiya",
        [TL_TUN_IEEE80211] = "ieee80211",
    };
    return (unsigned)k < TL_TUN_COUNT && names[k] ? names[k] : "unknown";
}

const char *tl_layer_kind_name(unsigned kind)
{
    switch (kind) {
        case TL_LAYER_ETH:
            return "eth";
        case TL_LAYER_UDP:
            return "udp";
        case TL_LAYER_TCP:
            return "tcp";
        case TL_LAYER_SLL:
            return "sll";
        default:
            return tl_tunnel_kind_name((enum tl_tunnel_kind)kind);
    }
}

int tl_layer_push(struct tl_packet *p, unsigned kind, unsigned tunnel, size_t off, size_t len)
{
    if (p->n_layers >= TL_MAX_LAYERS || off > UINT16_MAX || len > UINT16_MAX) {
        return -1;
    }
    struct tl_layer *l = &p->layers[p->n_layers];
    l->kind = (uint8_t)kind;
    l->tunnel = (uint8_t)tunnel;
    l->off = (uint16_t)off;
    l->len = (uint16_t)len;
    return p->n_layers++;
}

/* The header of the tunnel just pushed: `n` bytes from `at`. */
static void tun_layer(struct tl_packet *p, size_t at, size_t n)
{
    tl_layer_push(p, p->tunnels[p->n_tunnels - 1].kind, p->n_tunnels, at, n);
}

struct tl_tunnel *tl_tun_push(struct tl_packet *p, enum tl_tunnel_kind k)
{
    if (p->n_tunnels >= TL_MAX_TUNNELS) {
        return NULL;
    }
    struct tl_tunnel *t = &p->tunnels[p->n_tunnels++];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)k;
    return t;
}

/* A tunnel over IP: its outer addresses come from the IP header that carries it. */
static struct tl_tunnel *tun_over_ip(struct tl_packet *p, enum tl_tunnel_kind k,
                                     const struct tl_ip *ip)
{
    struct tl_tunnel *t = tl_tun_push(p, k);
    if (t) {
        t->ip_version = ip->version;
        memcpy(t->src, ip->src, sizeof t->src);
        memcpy(t->dst, ip->dst, sizeof t->dst);
    }
    return t;
}

static uint16_t nibble_type(const struct tl_cur *c)
{
    uint8_t b;
    if (!tl_cur_peek_u8(c, c->off, &b)) {
        return 0;
    }
    return b >> 4 == 4 ? ETHERTYPE_IPV4 : b >> 4 == 6 ? ETHERTYPE_IPV6 : 0;
}

/* PPP protocol (RFC 1661 §2, one byte when compressed) to an EtherType; 0 for the others. */
static bool ppp_proto(struct tl_cur *c, uint16_t *type)
{
    uint8_t b0 = 0, b1 = 0;
    uint16_t proto;
    if (tl_cur_peek_u8(c, c->off, &b0) && tl_cur_peek_u8(c, c->off + 1, &b1) && b0 == 0xff &&
        b1 == 0x03) { /* HDLC address and control */
        tl_cur_skip(c, 2);
    }
    if (!tl_cur_peek_u8(c, c->off, &b0)) {
        return false;
    }
    if (b0 & 1) {
        tl_cur_skip(c, 1);
        proto = b0;
    } else if (!tl_cur_be16(c, &proto)) {
        return false;
    }
    switch (proto) {
        case 0x0021:
            *type = ETHERTYPE_IPV4;
            break;
        case 0x0057:
            *type = ETHERTYPE_IPV6;
            break;
        case 0x0281: /* MPLS unicast (RFC 3032 §4.1) */
            *type = ETHERTYPE_MPLS;
            break;
        case 0x0283:
            *type = ETHERTYPE_MPLS_MC;
            break;
        default:
            *type = 0;
            break;
    }
    return true;
}

static enum tl_anomaly mpls_walk(struct tl_packet *p, struct tl_cur *c, uint16_t *type)
{
    for (int depth = 0;; depth++) {
        uint32_t e;
        size_t at = c->off;
        if (depth >= MAX_MPLS_WALK) {
            return TL_AN_ENCAP_TOO_DEEP;
        }
        if (!tl_cur_be32(c, &e)) {
            return TL_AN_ENCAP_TRUNC;
        }
        struct tl_tunnel *t = tl_tun_push(p, TL_TUN_MPLS);
        if (!t) {
            return TL_AN_ENCAP_TOO_DEEP;
        }
        t->id = e >> 12;
        t->has_id = true;
        t->tc = (uint8_t)(e >> 9 & 7);
        t->s = (uint8_t)(e >> 8 & 1);
        t->ttl = (uint8_t)e;
        tun_layer(p, at, 4);
        if (t->s) {
            break;
        }
    }
    uint8_t b;
    if (!tl_cur_peek_u8(c, c->off, &b)) {
        return TL_AN_ENCAP_TRUNC;
    }
    if (b >> 4 == 4 || b >> 4 == 6) {
        *type = nibble_type(c);
        return TL_AN_NONE;
    }
    if (b >> 4 != 0) {
        *type = 0;
        return TL_AN_NONE;
    }
    /* an Ethernet pseudowire behind its control word (RFC 4448 §3, RFC 4385) */
    size_t cw = c->off;
    if (!tl_cur_skip(c, 4) || !tl_cur_skip(c, 12) || !tl_cur_be16(c, type)) {
        return TL_AN_ENCAP_TRUNC;
    }
    if (!tl_tun_push(p, TL_TUN_PW_ETH)) {
        return TL_AN_ENCAP_TOO_DEEP;
    }
    tun_layer(p, cw, 4);
    tl_layer_push(p, TL_LAYER_ETH, 0, cw + 4, 14);
    return TL_AN_NONE;
}

enum tl_anomaly tl_encap_ether(struct tl_packet *p, struct tl_cur *c, uint16_t type, uint16_t *out,
                               bool link)
{
    struct tl_link *l = &p->link;
    int vlans = 0;
    for (;;) {
        switch (type) {
            case ETHERTYPE_VLAN:
            case ETHERTYPE_QINQ:
            case ETHERTYPE_QINQ9:
            case ETHERTYPE_QINQ92: {
                uint16_t tci, next;
                size_t at = c->off;
                if (++vlans > MAX_VLAN_WALK) {
                    return TL_AN_VLAN_TOO_DEEP;
                }
                if (!tl_cur_be16(c, &tci) || !tl_cur_be16(c, &next)) {
                    return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
                }
                if (link && l->n_vlan < TL_MAX_VLAN) {
                    l->vlan[l->n_vlan++] = tci & 0x0fff;
                }
                struct tl_tunnel *t = tl_tun_push(p, TL_TUN_VLAN);
                if (!t) {
                    return TL_AN_ENCAP_TOO_DEEP;
                }
                t->id = tci & 0x0fff;
                t->has_id = true;
                t->tc = (uint8_t)(tci >> 13);
                t->proto = type;
                tun_layer(p, at, 4);
                type = next;
                continue;
            }
            case ETHERTYPE_VNTAG: { /* 4 bytes: d, p, dst VIF (14), l, r, ver, src VIF (12) */
                uint32_t tag;
                size_t at = c->off;
                if (!tl_cur_be32(c, &tag) || !tl_cur_be16(c, &type)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                struct tl_tunnel *t = tl_tun_push(p, TL_TUN_VNTAG);
                if (!t) {
                    return TL_AN_ENCAP_TOO_DEEP;
                }
                t->id = tag >> 16 & 0x3fff;
                t->has_id = true;
                tun_layer(p, at, 6);
                continue;
            }
            case ETHERTYPE_ETAG: { /* 6 bytes: PCP/DEI, ingress E-CID base, E-CID base, ... */
                uint16_t a, b, x;
                size_t at = c->off;
                if (!tl_cur_be16(c, &a) || !tl_cur_be16(c, &b) || !tl_cur_be16(c, &x) ||
                    !tl_cur_be16(c, &type)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                struct tl_tunnel *t = tl_tun_push(p, TL_TUN_ETAG);
                if (!t) {
                    return TL_AN_ENCAP_TOO_DEEP;
                }
                t->id = b & 0x0fff;
                t->has_id = true;
                t->tc = (uint8_t)(a >> 13);
                tun_layer(p, at, 8);
                continue;
            }
            case ETHERTYPE_MPLS:
            case ETHERTYPE_MPLS_MC: {
                enum tl_anomaly an = mpls_walk(p, c, &type);
                if (an != TL_AN_NONE) {
                    return an;
                }
                if (type == 0) {
                    p->non_tcp = "mpls";
                    *out = 0;
                    return TL_AN_NONE;
                }
                continue;
            }
            case ETHERTYPE_PPPOE: { /* ver/type, code, session id, length, then PPP */
                uint8_t vt, code;
                uint16_t sid, len;
                size_t at = c->off;
                if (!tl_cur_u8(c, &vt) || !tl_cur_u8(c, &code) || !tl_cur_be16(c, &sid) ||
                    !tl_cur_be16(c, &len)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                struct tl_tunnel *t = tl_tun_push(p, TL_TUN_PPPOE);
                if (!t) {
                    return TL_AN_ENCAP_TOO_DEEP;
                }
                t->id = sid;
                t->has_id = true;
                if (!ppp_proto(c, &type)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                tun_layer(p, at, c->off - at);
                if (type == 0) {
                    p->non_tcp = "pppoe-other";
                    *out = 0;
                    return TL_AN_NONE;
                }
                continue;
            }
            default:
                break;
        }
        break;
    }
    if (type <= 1500) { /* IEEE 802.3 length: 802.2 LLC follows */
        uint8_t dsap, ssap, ctl;
        if (!tl_cur_u8(c, &dsap) || !tl_cur_u8(c, &ssap) || !tl_cur_u8(c, &ctl)) {
            return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
        }
        if (dsap == 0xaa && ssap == 0xaa && ctl == 0x03) {
            if (!tl_cur_skip(c, 3) || !tl_cur_be16(c, &type)) {
                return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
            }
            return tl_encap_ether(p, c, type, out, link);
        }
        if (link) {
            l->non_ip = type;
        }
        *out = 0;
        p->non_tcp = "llc";
        return TL_AN_NONE;
    }
    *out = type;
    return TL_AN_NONE;
}

/*
 * An IEEE 802.11 frame (IEEE 802.11-2020 §9.2): data frames with LLC/SNAP reach the network
 * layer; QoS data with an A-MSDU is read from its first subframe.
 */
enum tl_anomaly tl_encap_80211(struct tl_packet *p, struct tl_cur *c, uint16_t *out, bool link)
{
    uint16_t fc;
    uint8_t b0, b1;
    if (!tl_cur_u8(c, &b0) || !tl_cur_u8(c, &b1)) {
        return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
    }
    fc = (uint16_t)(b0 | b1 << 8); /* little-endian on the air */
    unsigned type = fc >> 2 & 3, subtype = fc >> 4 & 0xf;
    bool to_ds = fc & 0x0100, from_ds = fc & 0x0200, protected_ = fc & 0x4000, order = fc & 0x8000;
    *out = 0;
    size_t at = c->off - 2;
    if (!tl_tun_push(p, TL_TUN_IEEE80211)) {
        return TL_AN_ENCAP_TOO_DEEP;
    }
    if (type != 2) {
        p->non_tcp = type == 0 ? "ieee80211-mgmt" : "ieee80211-ctrl";
        return TL_AN_NONE;
    }
    if (subtype & 4) { /* no data */
        p->non_tcp = "ieee80211-null";
        return TL_AN_NONE;
    }
    size_t hdr = 24 + (to_ds && from_ds ? 6 : 0);
    bool qos = subtype & 8, amsdu = false;
    if (!tl_cur_skip(c, hdr - 2)) {
        return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
    }
    if (qos) {
        uint8_t q0, q1;
        if (!tl_cur_u8(c, &q0) || !tl_cur_u8(c, &q1)) {
            return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
        }
        amsdu = q0 & 0x80;
        if (order && !tl_cur_skip(c, 4)) { /* HT control */
            return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
        }
    }
    if (protected_) {
        p->non_tcp = "ieee80211-protected";
        return TL_AN_NONE;
    }
    if (amsdu && !tl_cur_skip(c, 14)) { /* first subframe: DA, SA, length */
        return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
    }
    uint8_t dsap, ssap, ctl;
    uint16_t type16;
    if (!tl_cur_u8(c, &dsap) || !tl_cur_u8(c, &ssap) || !tl_cur_u8(c, &ctl)) {
        return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
    }
    if (dsap != 0xaa || ssap != 0xaa || ctl != 0x03) {
        p->non_tcp = "llc";
        return TL_AN_NONE;
    }
    if (!tl_cur_skip(c, 3) || !tl_cur_be16(c, &type16)) {
        return link ? TL_AN_LINK_TRUNC : TL_AN_ENCAP_TRUNC;
    }
    tun_layer(p, at, c->off - at);
    return tl_encap_ether(p, c, type16, out, link);
}

/* Ethernet inside a tunnel: addresses, then the EtherType walk. */
static enum tl_anomaly inner_ether(struct tl_packet *p, struct tl_cur *c, uint16_t *out)
{
    uint16_t type;
    size_t at = c->off;
    if (!tl_cur_skip(c, 12) || !tl_cur_be16(c, &type)) {
        return TL_AN_ENCAP_TRUNC;
    }
    tl_layer_push(p, TL_LAYER_ETH, 0, at, 14);
    return tl_encap_ether(p, c, type, out, false);
}

/* What a GRE or UDP tunnel carries, from an EtherType-like protocol number. */
static enum tl_anomaly gre_payload(struct tl_packet *p, struct tl_cur *c, uint16_t proto,
                                   bool seq_present, uint16_t *out)
{
    switch (proto) {
        case ETHERTYPE_IPV4:
        case ETHERTYPE_IPV6:
            *out = proto;
            return TL_AN_NONE;
        case 0x6558: /* transparent Ethernet bridging */
            return inner_ether(p, c, out);
        case 0x88be: { /* ERSPAN: type II has a header when the sequence number is present */
            struct tl_tunnel *t = tl_tun_push(p, TL_TUN_ERSPAN);
            if (!t) {
                return TL_AN_ENCAP_TOO_DEEP;
            }
            t->version = 0;
            size_t at = c->off;
            if (seq_present) {
                uint16_t a, b;
                if (!tl_cur_be16(c, &a) || !tl_cur_be16(c, &b) || !tl_cur_skip(c, 4)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                t->version = (uint8_t)(a >> 12);
                t->id = b & 0x03ff;
                t->has_id = true;
            }
            tun_layer(p, at, c->off - at);
            return inner_ether(p, c, out);
        }
        case 0x22eb: { /* ERSPAN type III: 12 bytes, 8 more for the platform sub-header */
            uint16_t a, b, x;
            size_t at = c->off;
            struct tl_tunnel *t = tl_tun_push(p, TL_TUN_ERSPAN);
            if (!t) {
                return TL_AN_ENCAP_TOO_DEEP;
            }
            if (!tl_cur_be16(c, &a) || !tl_cur_be16(c, &b) || !tl_cur_skip(c, 6) ||
                !tl_cur_be16(c, &x)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->version = (uint8_t)(a >> 12);
            t->id = b & 0x03ff;
            t->has_id = true;
            if ((x & 1) && !tl_cur_skip(c, 8)) {
                return TL_AN_ENCAP_TRUNC;
            }
            tun_layer(p, at, c->off - at);
            return inner_ether(p, c, out);
        }
        case 0x880b: { /* PPP (PPTP) */
            if (!ppp_proto(c, out)) {
                return TL_AN_ENCAP_TRUNC;
            }
            if (*out == 0) {
                p->non_tcp = "ppp-other";
            }
            return TL_AN_NONE;
        }
        default:
            /* Aruba's access points (Zeek's GRE analyzer): 802.11 frames */
            if (proto == 0x9000 || ((proto & 0xff00) == 0x8200 && (proto & 0x000f) == 0) ||
                ((proto & 0xff00) == 0x8300 && (proto & 0x000f) == 0 && proto <= 0x8370)) {
                return tl_encap_80211(p, c, out, false);
            }
            *out = 0;
            p->non_tcp = "gre";
            return TL_AN_NONE;
    }
}

static enum tl_anomaly gre_decode(struct tl_packet *p, const struct tl_ip *ip, struct tl_cur *c,
                                  uint16_t *out)
{
    uint16_t fl, proto;
    size_t at = c->off;
    if (!tl_cur_be16(c, &fl) || !tl_cur_be16(c, &proto)) {
        return TL_AN_ENCAP_TRUNC;
    }
    struct tl_tunnel *t = tun_over_ip(p, TL_TUN_GRE, ip);
    if (!t) {
        return TL_AN_ENCAP_TOO_DEEP;
    }
    unsigned ver = fl & 7;
    t->proto = proto;
    t->version = (uint8_t)ver;
    bool cks = fl & 0x8000, rt = fl & 0x4000, key = fl & 0x2000, seq = fl & 0x1000;
    if (ver == 0) {
        if ((cks || rt) && !tl_cur_skip(c, 4)) {
            return TL_AN_ENCAP_TRUNC;
        }
        if (key) {
            if (!tl_cur_be32(c, &t->id)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->has_id = true;
        }
        if (seq && !tl_cur_skip(c, 4)) {
            return TL_AN_ENCAP_TRUNC;
        }
        if (rt) { /* RFC 1701 source route entries, ended by one of length 0 */
            for (int i = 0;; i++) {
                uint8_t len;
                if (i > 16) {
                    return TL_AN_ENCAP_MALFORMED;
                }
                if (!tl_cur_skip(c, 3) || !tl_cur_u8(c, &len)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                if (len == 0) {
                    break;
                }
                if (!tl_cur_skip(c, len)) {
                    return TL_AN_ENCAP_TRUNC;
                }
            }
        }
    } else if (ver == 1) { /* PPTP (RFC 2637 §4.1): key = payload length, call id */
        uint16_t plen, call;
        if (!key || proto != 0x880b) {
            p->non_tcp = "gre";
            *out = 0;
            return TL_AN_NONE;
        }
        if (!tl_cur_be16(c, &plen) || !tl_cur_be16(c, &call)) {
            return TL_AN_ENCAP_TRUNC;
        }
        t->id = call;
        t->has_id = true;
        if ((seq && !tl_cur_skip(c, 4)) || ((fl & 0x0080) && !tl_cur_skip(c, 4))) {
            return TL_AN_ENCAP_TRUNC;
        }
        if (!seq || plen == 0) { /* an acknowledgement alone */
            p->non_tcp = "pptp-ack";
            *out = 0;
            return TL_AN_NONE;
        }
    } else {
        p->non_tcp = "gre";
        *out = 0;
        return TL_AN_NONE;
    }
    tun_layer(p, at, c->off - at);
    return gre_payload(p, c, proto, seq, out);
}

static enum tl_anomaly udp_tunnel(struct tl_packet *p, const struct tl_ip *ip, struct tl_cur *c,
                                  uint16_t sport, uint16_t dport, uint16_t *out)
{
    uint16_t port = 0;
    static const uint16_t known[] = { TL_PORT_VXLAN, TL_PORT_VXLAN_GPE, TL_PORT_GENEVE,
                                      TL_PORT_GTPU,  TL_PORT_TEREDO,    TL_PORT_AYIYA };
    for (size_t i = 0; i < sizeof known / sizeof known[0] && !port; i++) {
        if (dport == known[i] || sport == known[i]) {
            port = known[i];
        }
    }
    *out = 0;
    if (!port) {
        p->non_tcp = "udp";
        return TL_AN_NONE;
    }
    enum tl_tunnel_kind kind = port == TL_PORT_VXLAN       ? TL_TUN_VXLAN
                               : port == TL_PORT_VXLAN_GPE ? TL_TUN_VXLAN_GPE
                               : port == TL_PORT_GENEVE    ? TL_TUN_GENEVE
                               : port == TL_PORT_GTPU      ? TL_TUN_GTPU
                               : port == TL_PORT_TEREDO    ? TL_TUN_TEREDO
                                                           : TL_TUN_AYIYA;
    struct tl_tunnel *t = tun_over_ip(p, kind, ip);
    if (!t) {
        return TL_AN_ENCAP_TOO_DEEP;
    }
    t->sport = sport;
    t->dport = dport;
    size_t at = c->off;
    switch (kind) {
        case TL_TUN_VXLAN: { /* flags, 3 reserved, VNI (3), reserved */
            uint32_t w0, w1;
            if (!tl_cur_be32(c, &w0) || !tl_cur_be32(c, &w1)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->id = w1 >> 8;
            t->has_id = true;
            tun_layer(p, at, 8);
            return inner_ether(p, c, out);
        }
        case TL_TUN_VXLAN_GPE: { /* flags, 2 reserved, next protocol, VNI (3), reserved */
            uint32_t w0, w1;
            if (!tl_cur_be32(c, &w0) || !tl_cur_be32(c, &w1)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->id = w1 >> 8;
            t->has_id = true;
            t->proto = (uint16_t)(w0 & 0xff);
            tun_layer(p, at, 8);
            switch (w0 & 0xff) {
                case 1:
                    *out = ETHERTYPE_IPV4;
                    return TL_AN_NONE;
                case 2:
                    *out = ETHERTYPE_IPV6;
                    return TL_AN_NONE;
                case 3:
                    return inner_ether(p, c, out);
                default:
                    p->non_tcp = "vxlan-gpe-other";
                    return TL_AN_NONE;
            }
        }
        case TL_TUN_GENEVE: { /* ver, option length, flags, protocol, VNI, options */
            uint8_t vo, fl;
            uint16_t proto;
            uint32_t w1;
            if (!tl_cur_u8(c, &vo) || !tl_cur_u8(c, &fl) || !tl_cur_be16(c, &proto) ||
                !tl_cur_be32(c, &w1)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->id = w1 >> 8;
            t->has_id = true;
            t->proto = proto;
            if (vo >> 6 != 0) {
                p->non_tcp = "geneve-other";
                return TL_AN_NONE;
            }
            if (!tl_cur_skip(c, (size_t)(vo & 0x3f) * 4)) {
                return TL_AN_ENCAP_TRUNC;
            }
            tun_layer(p, at, c->off - at);
            if (proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6) {
                *out = proto;
                return TL_AN_NONE;
            }
            if (proto == 0x6558) {
                return inner_ether(p, c, out);
            }
            p->non_tcp = "geneve-other";
            return TL_AN_NONE;
        }
        case TL_TUN_GTPU: { /* flags, type, length, TEID [, seq, N-PDU, next ext] */
            uint8_t fl, type, next;
            uint16_t len;
            if (!tl_cur_u8(c, &fl) || !tl_cur_u8(c, &type) || !tl_cur_be16(c, &len) ||
                !tl_cur_be32(c, &t->id)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->has_id = true;
            t->version = fl >> 5;
            if (fl >> 5 != 1 || !(fl & 0x10)) {
                p->non_tcp = "gtp-other";
                return TL_AN_NONE;
            }
            if (fl & 0x07) {
                if (!tl_cur_skip(c, 3) || !tl_cur_u8(c, &next)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                for (int i = 0; next != 0; i++) { /* extension headers, 4n bytes each */
                    uint8_t elen;
                    if (i >= 16) {
                        return TL_AN_ENCAP_MALFORMED;
                    }
                    if (!tl_cur_u8(c, &elen)) {
                        return TL_AN_ENCAP_TRUNC;
                    }
                    if (elen == 0) {
                        return TL_AN_ENCAP_MALFORMED;
                    }
                    if (!tl_cur_skip(c, (size_t)elen * 4 - 2) || !tl_cur_u8(c, &next)) {
                        return TL_AN_ENCAP_TRUNC;
                    }
                }
            }
            tun_layer(p, at, c->off - at);
            if (type != 0xff) { /* not a G-PDU: echo, error indication, end marker */
                p->non_tcp = "gtp-other";
                return TL_AN_NONE;
            }
            *out = nibble_type(c);
            if (*out == 0) {
                if (!tl_cur_has(c, 1)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                p->non_tcp = "gtp-other";
            }
            return TL_AN_NONE;
        }
        case TL_TUN_TEREDO: { /* indications (RFC 4380 §5.1.1), then IPv6 */
            for (int i = 0; i < 2; i++) {
                uint16_t ind;
                if (!tl_cur_peek_be16(c, c->off, &ind)) {
                    return TL_AN_ENCAP_TRUNC;
                }
                if (ind == 0x0001) { /* authentication */
                    uint8_t idlen, aulen;
                    if (!tl_cur_skip(c, 2) || !tl_cur_u8(c, &idlen) || !tl_cur_u8(c, &aulen) ||
                        !tl_cur_skip(c, (size_t)idlen + aulen + 9)) {
                        return TL_AN_ENCAP_TRUNC;
                    }
                } else if (ind == 0x0000) { /* origin indication */
                    if (!tl_cur_skip(c, 8)) {
                        return TL_AN_ENCAP_TRUNC;
                    }
                } else {
                    break;
                }
            }
            uint8_t b;
            if (!tl_cur_peek_u8(c, c->off, &b)) {
                return TL_AN_ENCAP_TRUNC;
            }
            tun_layer(p, at, c->off - at);
            if (b >> 4 != 6) {
                p->non_tcp = "teredo-other";
                return TL_AN_NONE;
            }
            *out = ETHERTYPE_IPV6;
            return TL_AN_NONE;
        }
        default: { /* AYIYA: id length/type, signature length/hash, auth/opcode, next, epoch */
            uint8_t idb, sigb, opb, next;
            if (!tl_cur_u8(c, &idb) || !tl_cur_u8(c, &sigb) || !tl_cur_u8(c, &opb) ||
                !tl_cur_u8(c, &next) || !tl_cur_skip(c, 4) ||
                !tl_cur_skip(c, ((size_t)1 << (idb >> 4)) + (size_t)(sigb >> 4) * 4)) {
                return TL_AN_ENCAP_TRUNC;
            }
            t->proto = next;
            tun_layer(p, at, c->off - at);
            if ((opb & 0x0f) != 1 || (next != IPPROTO_NUM_IPIP && next != IPPROTO_NUM_IPV6)) {
                p->non_tcp = "ayiya-other";
                return TL_AN_NONE;
            }
            *out = next == IPPROTO_NUM_IPV6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
            return TL_AN_NONE;
        }
    }
}

enum tl_anomaly tl_encap_over_ip(struct tl_packet *p, const struct tl_ip *ip, size_t *off,
                                 uint16_t *out)
{
    struct tl_cur c;
    tl_cur_init(&c, p->l3, p->l3_avail);
    *out = 0;
    if (*off > c.len) {
        return TL_AN_ENCAP_TRUNC;
    }
    c.off = *off;
    enum tl_anomaly an;
    if (ip->protocol == IPPROTO_NUM_GRE) {
        an = gre_decode(p, ip, &c, out);
    } else if (ip->protocol == IPPROTO_NUM_UDP) {
        uint16_t sport, dport;
        if (!tl_cur_be16(&c, &sport) || !tl_cur_be16(&c, &dport) || !tl_cur_skip(&c, 4)) {
            p->non_tcp = "udp";
            return TL_AN_NONE;
        }
        int li = tl_layer_push(p, TL_LAYER_UDP, 0, *off, 8);
        unsigned nt = p->n_tunnels;
        an = udp_tunnel(p, ip, &c, sport, dport, out);
        if (li >= 0 && p->n_tunnels > nt) { /* the UDP header belongs to its tunnel */
            p->layers[li].tunnel = (uint8_t)(nt + 1);
        }
    } else {
        return TL_AN_NONE;
    }
    if (an == TL_AN_NONE && *out != 0 && *out != ETHERTYPE_IPV4 && *out != ETHERTYPE_IPV6) {
        if (!p->non_tcp) {
            p->non_tcp = tl_ethertype_kind(*out);
        }
        *out = 0;
    }
    *off = c.off;
    return an;
}

struct tl_tunnel *tl_encap_ip_in_ip(struct tl_packet *p, const struct tl_ip *ip)
{
    return tun_over_ip(p, TL_TUN_IP, ip);
}

/* FNV-1a step over n bytes */
static uint64_t mix(uint64_t h, const void *v, size_t n)
{
    const uint8_t *b = v;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h;
}

uint64_t tl_tunnel_key(const struct tl_packet *p)
{
    if (p->n_tunnels == 0) {
        return 0;
    }
    uint64_t h = 1469598103934665603ull;
    for (unsigned i = 0; i < p->n_tunnels; i++) {
        const struct tl_tunnel *t = &p->tunnels[i];
        h = mix(h, &t->kind, 1);
        switch ((enum tl_tunnel_kind)t->kind) {
            case TL_TUN_MPLS:   /* label switched paths are one-way: labels differ per direction */
            case TL_TUN_GTPU:   /* each side chooses the TEID it receives on */
            case TL_TUN_PW_ETH: /* and the rest carry no identity of their own */
            case TL_TUN_IEEE80211:
                break;
            case TL_TUN_GRE:
                if (t->version == 0 && t->has_id) { /* PPTP's call ids differ per direction */
                    h = mix(h, &t->id, sizeof t->id);
                }
                break;
            default:
                if (t->has_id) {
                    h = mix(h, &t->id, sizeof t->id);
                }
                break;
        }
        if (t->ip_version) { /* the outer endpoints, in either order */
            int c = memcmp(t->src, t->dst, sizeof t->src);
            h = mix(h, c <= 0 ? t->src : t->dst, sizeof t->src);
            h = mix(h, c <= 0 ? t->dst : t->src, sizeof t->dst);
        }
    }
    return h | 1; /* never 0, which means "not tunnelled" */
}
