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
#include "tcplens.h"

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_ARP   0x0806
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88a8
#define ETHERTYPE_QINQ9 0x9100
#define ETHERTYPE_IPV6  0x86dd

#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_ICMP     1
#define IPPROTO_NUM_IPIP     4
#define IPPROTO_NUM_TCP      6
#define IPPROTO_NUM_UDP      17
#define IPPROTO_NUM_IPV6     41
#define IPPROTO_NUM_ROUTING  43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_GRE      47
#define IPPROTO_NUM_ESP      50
#define IPPROTO_NUM_AH       51
#define IPPROTO_NUM_ICMPV6   58
#define IPPROTO_NUM_NONE     59
#define IPPROTO_NUM_DSTOPTS  60
#define IPPROTO_NUM_MOBILITY 135

#define IPV4_HDR_MIN_LEN 20
#define IPV6_HDR_LEN     40
#define TCP_HDR_MIN_LEN  20
#define TCP_OPT_MAX_LEN  40

/* Add an anomaly to the packet's list (kept once; extra ones beyond the list are dropped). */
void tl_pkt_anomaly(struct tl_packet *p, enum tl_anomaly a);

/* Link layer: fills p->link, returns a fatal anomaly or TL_AN_NONE. */
enum tl_anomaly tl_link_decode(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t caplen);

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
