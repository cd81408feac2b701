/*
 * decode_int.h - internal interfaces between the layers of the packet decoder.
 *
 * Each layer reads through a struct tl_cur bounded by the bytes present in memory, and
 * records problems with tl_pkt_anomaly(); a layer that cannot go on returns the fatal
 * anomaly, which the caller stores in p->fatal.
 */
#ifndef TL_DECODE_INT_H
#define TL_DECODE_INT_H

#include "cursor.h"
#include "tcp.h"
#include "tcplens.h"

/*
 * A record's seconds as every layer above keeps them: nanoseconds since the Unix epoch in 64
 * bits, and differences between two of them. A pcapng timestamp (64 bits in the interface's
 * units, plus if_tsoffset) can lie far outside that: it is held to 0 .. TL_TS_SEC_MAX (in
 * the year 2116; twice it in nanoseconds still fits), so no product, sum or difference
 * overflows. Real captures never come near.
 */
#define TL_TS_SEC_MAX ((int64_t)9223372035 / 2)
static inline int64_t tl_ts_sec_clamp(int64_t sec)
{
    return sec < 0 ? 0 : sec > TL_TS_SEC_MAX ? TL_TS_SEC_MAX : sec;
}

/* Add an anomaly to the packet's list (kept once; extra ones beyond the list are dropped). */
void tl_pkt_anomaly(struct tl_packet *p, enum tl_anomaly a);

/* Link layer: fills p->link, returns a fatal anomaly or TL_AN_NONE. */
enum tl_anomaly tl_link_decode(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t caplen);

/* Encapsulations (encap.c). Each returns a fatal anomaly or TL_AN_NONE; *out is the
 * EtherType of the network layer found (IPv4/IPv6), or 0 with p->non_tcp set. */
struct tl_tunnel *tl_tun_push(struct tl_packet *p, enum tl_tunnel_kind k);
/* From an EtherType at c->off: VLAN tags, MPLS, PPPoE, VN-Tag, E-Tag, LLC/SNAP. `link`: this
 * is the frame's own link layer (p->link.vlan is filled, truncation is link.trunc_hdr). */
enum tl_anomaly tl_encap_ether(struct tl_packet *p, struct tl_cur *c, uint16_t type, uint16_t *out,
                               bool link);
/* An IEEE 802.11 frame at c->off. */
enum tl_anomaly tl_encap_80211(struct tl_packet *p, struct tl_cur *c, uint16_t *out, bool link);
/* GRE or a UDP tunnel carried by ip, its header at *off (from l3); *off moves past it. */
enum tl_anomaly tl_encap_over_ip(struct tl_packet *p, const struct tl_ip *ip, size_t *off,
                                 uint16_t *out);
/* Record an IP-in-IP layer carried by ip. */
struct tl_tunnel *tl_encap_ip_in_ip(struct tl_packet *p, const struct tl_ip *ip);

/* Record a header of the packet (p->layers, bounded: beyond TL_MAX_LAYERS it is not drawn);
 * `tunnel` is 1 + its tunnel's index in p->tunnels, or 0. Returns its index, or -1. */
int tl_layer_push(struct tl_packet *p, unsigned kind, unsigned tunnel, size_t off, size_t len);

/* Name of a non-IP ethertype for the non_tcp counters. */
const char *tl_ethertype_kind(uint16_t ethertype);

/* Name of a non-TCP IP protocol for the non_tcp counters. */
const char *tl_ipproto_kind(uint8_t proto);

/* IP layer: decodes the header at `off` into ip, returns a fatal anomaly or TL_AN_NONE. */
enum tl_anomaly tl_ipv4_decode(struct tl_packet *p, struct tl_ip *ip, size_t off, bool verify);
enum tl_anomaly tl_ipv6_decode(struct tl_packet *p, struct tl_ip *ip, size_t off);

/* TCP layer at `off` (from l3), carried by ip. */
enum tl_anomaly tl_tcp_decode(struct tl_packet *p, const struct tl_ip *ip, size_t off, bool verify);

/* Walk the TCP options of a header whose options span `len` bytes at `off` in cursor c. */
void tl_tcp_options_parse(struct tl_packet *p, struct tl_tcp *tcp, const struct tl_cur *c,
                          size_t off, size_t len, size_t captured);

#endif
