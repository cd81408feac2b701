/*
 * tcp.h - the wire's numbers, once: TCP flag bits, option kinds and header limits (RFC 9293
 * §3.1, RFC 7323, RFC 2018, RFC 7413, RFC 8684), and the EtherType and IP protocol numbers the
 * decoder walks (IANA registries). Every floor and the tests use these names.
 */
#ifndef TL_TCP_H
#define TL_TCP_H

/* Flag bits as in tshark's tcp.flags: the 8 of the header's 14th byte, AE (RFC 3540/AccECN)
 * in bit 8. */
#define TL_TH_FIN 0x001
#define TL_TH_SYN 0x002
#define TL_TH_RST 0x004
#define TL_TH_PSH 0x008
#define TL_TH_ACK 0x010
#define TL_TH_URG 0x020
#define TL_TH_ECE 0x040
#define TL_TH_CWR 0x080
#define TL_TH_AE  0x100

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TL_TCPOPT_EOL       0
#define TL_TCPOPT_NOP       1
#define TL_TCPOPT_MSS       2
#define TL_TCPOPT_WSCALE    3
#define TL_TCPOPT_SACKOK    4
#define TL_TCPOPT_SACK      5
#define TL_TCPOPT_ECHO      6
#define TL_TCPOPT_ECHOREPLY 7
#define TL_TCPOPT_TIMESTAMP 8
#define TL_TCPOPT_CC        11
#define TL_TCPOPT_CCNEW     12
#define TL_TCPOPT_CCECHO    13
#define TL_TCPOPT_MD5       19
#define TL_TCPOPT_SCPS      20
#define TL_TCPOPT_UTO       28
#define TL_TCPOPT_TCPAO     29
#define TL_TCPOPT_MPTCP     30
#define TL_TCPOPT_TFO       34
#define TL_TCPOPT_EXP       254

/* Header limits. */
#define TCP_HDR_MIN_LEN 20
#define TCP_OPT_MAX_LEN 40
#define TL_WSCALE_MAX   14 /* RFC 7323 §2.3: a larger shift is used as 14 */

/* EtherTypes. */
#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_ARP   0x0806
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88a8
#define ETHERTYPE_QINQ9 0x9100
#define ETHERTYPE_IPV6  0x86dd

/* ... and those of the encapsulations walked below IP (encap.c) */
#define ETHERTYPE_QINQ92  0x9200
#define ETHERTYPE_MPLS    0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE   0x8864
#define ETHERTYPE_VNTAG   0x8926
#define ETHERTYPE_ETAG    0x893f

/* UDP ports of the tunnels the decoder walks (IANA; fixed for now, not configurable). */
#define TL_PORT_VXLAN     4789
#define TL_PORT_VXLAN_GPE 4790
#define TL_PORT_GENEVE    6081
#define TL_PORT_GTPU      2152
#define TL_PORT_TEREDO    3544
#define TL_PORT_AYIYA     5072

/* IP protocol numbers (and IPv6 extension header types). */
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

#endif
