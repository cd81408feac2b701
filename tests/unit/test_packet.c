/*
 * test_packet.c - one frame through the layers (tl_packet_decode): every link type reaches
 * the same TCP header; IPv4 options; IPv6 extension headers; fragments; non-TCP packets
 * counted by kind; the fatal anomaly of each malformed header; and THE SWEEP: every prefix
 * of a valid frame decoded with the full wire length, placed flush against a PROT_NONE page,
 * must give the truncation anomaly of the layer it ends in and never read past its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "guard.h"
#include "tcplens.h"

#define ETH_LEN 14

/* ---- real frames (tcpdump 4.99.3 / tshark 4.0 read them as described) ---- */

/*
 * tests/golden/crafted_raw_ip/capture.pcap frame 1 (link type RAW): the IPv4 SYN
 * 192.0.2.1.40000 > 198.51.100.2.80, seq 1000, cksum 0xb768 (correct), options [mss 1460,
 * sackOK,TS val 1000 ecr 0,nop,wscale 7]. Frame 1 of crafted_linux_sll, crafted_linux_sll2,
 * crafted_null_loopback, crafted_vlan_8021q and crafted_bad_checksums is exactly the link
 * header below followed by these 60 bytes.
 */
static const uint8_t crafted_syn_l3[60] = {
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x85, 0xc0, 0x00, 0x02,
    0x01, 0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xff, 0xff, 0xb7, 0x68, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
    0x02, 0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* tests/golden/crafted_ipv6_ext_headers/capture.pcap frame 3 from its IPv6 header: the ACK
 * 2001:db8::1.40000 > 2001:db8:1::2.80, seq 1001, ack 5001, cksum 0xa05c (correct). */
static const uint8_t v6_ack_l3[60] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00,
    0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89, 0x50, 0x10, 0xff, 0xff, 0xa0, 0x5c, 0x00, 0x00,
};

/* Link headers cut from the frames named above. */
/* crafted_bad_checksums frame 1 */
static const uint8_t eth4_hdr[ETH_LEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02,
                                           0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00 };
/* crafted_ipv6_ext_headers frame 3 */
static const uint8_t eth6_hdr[ETH_LEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02,
                                           0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd };
/* crafted_vlan_8021q frame 1: VLAN 100 */
static const uint8_t vlan_hdr[18] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00,
                                      0x00, 0x00, 0x01, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00 };
/* crafted_linux_sll frame 1 */
static const uint8_t sll_hdr[16] = { 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00,
                                     0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00 };
/* crafted_linux_sll2 frame 1: ifindex 2, host */
static const uint8_t sll2_hdr[20] = { 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
                                      0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 };
static const uint8_t null_le_hdr[4] = { 0x02, 0x00, 0x00, 0x00 }; /* crafted_null_loopback */
static const uint8_t ppp_hdr[4] = { 0xff, 0x03, 0x00, 0x21 };     /* tcpdump_bgp_vpn_attrset f1 */

/* Hand-made link headers, per the link-type registry (tcpdump.org/linktypes.html). */
/* 802.1ad S-tag 200, then 802.1Q C-tag 100 */
static const uint8_t qinq_hdr[22] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00,
                                      0x00, 0x00, 0x00, 0x01, 0x88, 0xa8, 0x00, 0xc8,
                                      0x81, 0x00, 0x00, 0x64, 0x08, 0x00 };
/* the pre-standard 0x9100 outer tag */
static const uint8_t qinq9100_hdr[22] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00,
                                          0x00, 0x00, 0x00, 0x01, 0x91, 0x00, 0x20, 0x07,
                                          0x81, 0x00, 0x0f, 0xff, 0x86, 0xdd };
/* 802.3 length, 802.2 LLC AA-AA-03, SNAP 0x0800 */
static const uint8_t snap_hdr[22] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00,
                                      0x00, 0x00, 0x00, 0x01, 0x00, 0x44, 0xaa, 0xaa,
                                      0x03, 0x00, 0x00, 0x00, 0x08, 0x00 };
/* Linux cooked v1, packet type 4 (outgoing), protocol IPv6 */
static const uint8_t sll6_hdr[16] = { 0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00,
                                      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x86, 0xdd };
static const uint8_t null_be_hdr[4] = { 0x00, 0x00, 0x00, 0x02 };
static const uint8_t null6_le_hdr[4] = { 0x1e, 0x00, 0x00, 0x00 };    /* AF_INET6 30: Darwin */
static const uint8_t null6_be_hdr[4] = { 0x00, 0x00, 0x00, 0x18 };    /* 24: NetBSD, OpenBSD */
static const uint8_t null6_linux_hdr[4] = { 0x0a, 0x00, 0x00, 0x00 }; /* 10: Linux */
static const uint8_t loop_hdr[4] = { 0x00, 0x00, 0x00, 0x02 };
static const uint8_t loop6_hdr[4] = { 0x00, 0x00, 0x00, 0x1c }; /* 28: FreeBSD */
static const uint8_t ppp6_hdr[4] = { 0xff, 0x03, 0x00, 0x57 };
static const uint8_t ppp_noac_hdr[2] = { 0x00, 0x21 };      /* address/control compressed */
static const uint8_t ppp_pfc_hdr[3] = { 0xff, 0x03, 0x21 }; /* protocol field compressed */

/* tests/golden/crafted_ipv4_options/capture.pcap frame 1: IPv4 header of 32 bytes, options
 * (RR 192.0.2.254,NOP,RA), then the SYN above (cksum 0xb768 correct). */
static const uint8_t v4_options[86] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x48,
    0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xad, 0xa9, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0x07, 0x07, 0x04, 0xc0, 0x00, 0x02, 0xfe, 0x01, 0x94, 0x04, 0x00,
    0x00, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xff, 0xff, 0xb7, 0x68, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00,
    0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* tests/golden/crafted_ipv6_ext_headers/capture.pcap frame 1: IPv6 + hop-by-hop (8) +
 * destination options (8) + routing type 0 segleft 0 (8) + atomic fragment (8) + TCP SYN
 * with 20 option bytes [mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 7], cksum 0x482a. */
static const uint8_t v6_ext_syn[126] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x48, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2b, 0x00,
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xff, 0xff, 0x48, 0x2a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* tests/golden/crafted_ipv6_ext_headers/capture.pcap frame 4: IPv6 + hop-by-hop + TCP PSH
 * with 18 bytes of payload ("GET / HTTP/1.0\r\n\r\n"), cksum 0xc1a2 (correct). */
static const uint8_t v6_hbh_data[100] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x01, 0x04, 0x00, 0x00,
    0x00, 0x00, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89, 0x50,
    0x18, 0xff, 0xff, 0xc1, 0xa2, 0x00, 0x00, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54,
    0x54, 0x50, 0x2f, 0x31, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* tests/golden/crafted_syn_with_data_tfo/capture.pcap frame 1: SYN with 16 option bytes
 * [mss 1460,sackOK,tfo cookie aaaaaaaaaaaaaaaa] and 18 bytes of data, cksum 0x2c02. */
static const uint8_t tfo_syn[88] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x4a, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x77, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00,
    0x00, 0x90, 0x02, 0xff, 0xff, 0x2c, 0x02, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x22, 0x0a, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x47, 0x45, 0x54, 0x20, 0x2f,
    0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* tests/golden/crafted_ipv4_fragmented/capture.pcap frame 4: first fragment (MF, offset 0,
 * id 4242, IP length 324) of a TCP segment "seq 1:285 ... length 284". */
static const uint8_t frag_first[338] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x01, 0x44, 0x10, 0x92, 0x20, 0x00, 0x40, 0x06, 0x5c, 0xeb, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33,
    0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89, 0x50, 0x18,
    0xff, 0xff, 0xb2, 0xe0, 0x00, 0x00, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46,
};

/* The first 54 of the 350 bytes of frame 5 of the same file: the second fragment (offset
 * 304 bytes), which tcpdump prints as "ip-proto-6". */
static const uint8_t frag_later[54] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x01, 0x50, 0x10, 0x92, 0x00, 0x26, 0x40, 0x06, 0x7c, 0xb9, 0xc0, 0x00,
    0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
    0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
};

/* tests/golden/crafted_icmp_quoted_tcp/capture.pcap frame 2: ICMP port unreachable quoting
 * the SYN's IPv4 header and first 8 TCP bytes. */
static const uint8_t icmp_unreach[70] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x8d, 0xc6, 0x33,
    0x64, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x03, 0x03, 0x5c, 0x84, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x85, 0xc0, 0x00,
    0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8,
};

/* tests/golden/zeek_tcp_timeout-with-pings/capture.pcap frame 4 (link type IPV4): ICMP
 * echo request 192.168.1.10 > 192.168.1.20. */
static const uint8_t icmp_echo[28] = {
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xf7, 0x71, 0xc0, 0xa8,
    0x01, 0x0a, 0xc0, 0xa8, 0x01, 0x14, 0x08, 0x00, 0xf6, 0xdc, 0x01, 0x23, 0x00, 0x00,
};

/* tests/golden/crafted_tunnel_6in4/capture.pcap frame 1: IPv4 (protocol 41) carrying IPv6
 * carrying the SYN 2001:db8::1.40000 > 2001:db8:1::2.80, cksum 0x482a (correct). */
static const uint8_t tun_6in4[114] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x64, 0x00, 0x01, 0x00, 0x00, 0x40, 0x29, 0x8e, 0x1e, 0xc0, 0x00, 0x02, 0x0a,
    0xc6, 0x33, 0x64, 0x14, 0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c,
    0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xff,
    0x48, 0x2a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x03,
    0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* ---- helpers ---- */

static struct tl_packet pkt; /* big: keep it off the stack */
static uint8_t frame_buf[1024];

static int group_setup(void **state)
{
    static struct guard g;
    if (guard_init(&g, sizeof frame_buf) != 0) {
        return -1;
    }
    *state = &g;
    return 0;
}

static int group_teardown(void **state)
{
    guard_free(*state);
    return 0;
}

/* frame_buf = hdr + l3; returns the length. */
static size_t cat2(const uint8_t *hdr, size_t hlen, const uint8_t *l3, size_t l3len)
{
    assert_true(hlen + l3len <= sizeof frame_buf);
    if (hlen > 0) {
        memcpy(frame_buf, hdr, hlen);
    }
    memcpy(frame_buf + hlen, l3, l3len);
    return hlen + l3len;
}

/* Decode `caplen` bytes of f (wire length `wirelen`), placed against the guard page. */
static struct tl_packet *decode(void **state, int dlt, const uint8_t *f, size_t caplen,
                                size_t wirelen)
{
    const uint8_t *d = guard_place(*state, f, caplen);
    tl_packet_decode(&pkt, dlt, d, (uint32_t)caplen, (uint32_t)wirelen);
    return &pkt;
}

#define MAX_WANT 4

/* What a decode must give: exactly these fields and anomalies. */
struct expect {
    enum tl_anomaly fatal;               /* TL_AN_NONE: a usable TCP header */
    const char *non_tcp;                 /* the kind, or NULL */
    enum tl_anomaly anomalies[MAX_WANT]; /* the exact set, TL_AN_NONE-terminated */
    enum tl_cksum tcp_cksum;             /* when has_tcp */
};

static bool has_anomaly(const struct tl_packet *p, enum tl_anomaly a)
{
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        if (p->anomalies[i] == a) {
            return true;
        }
    }
    return false;
}

static void anomaly_list(const struct tl_packet *p, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < p->n_anomalies && n < size; i++) {
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "",
                              tl_anomaly_name(p->anomalies[i]));
    }
}

/* Compare; on a mismatch describe it in why[] and return false. */
static bool check(const struct tl_packet *p, const struct expect *e, char *why, size_t size)
{
    char got[256];
    anomaly_list(p, got, sizeof got);
    if (p->fatal != e->fatal) {
        snprintf(why, size, "fatal %s, want %s (anomalies [%s])", tl_anomaly_name(p->fatal),
                 tl_anomaly_name(e->fatal), got);
        return false;
    }
    bool want_tcp = e->fatal == TL_AN_NONE && e->non_tcp == NULL;
    if (p->has_tcp != want_tcp) {
        snprintf(why, size, "has_tcp %d, want %d", p->has_tcp, want_tcp);
        return false;
    }
    if ((p->non_tcp == NULL) != (e->non_tcp == NULL) ||
        (e->non_tcp && strcmp(p->non_tcp, e->non_tcp) != 0)) {
        snprintf(why, size, "non_tcp %s, want %s", p->non_tcp ? p->non_tcp : "NULL",
                 e->non_tcp ? e->non_tcp : "NULL");
        return false;
    }
    unsigned n = 0;
    for (; n < MAX_WANT && e->anomalies[n] != TL_AN_NONE; n++) {
        if (!has_anomaly(p, e->anomalies[n])) {
            snprintf(why, size, "anomaly %s missing (got [%s])", tl_anomaly_name(e->anomalies[n]),
                     got);
            return false;
        }
    }
    if (p->n_anomalies != n) {
        snprintf(why, size, "anomalies [%s], want %u of them", got, n);
        return false;
    }
    if (p->has_tcp && p->tcp.checksum_status != e->tcp_cksum) {
        snprintf(why, size, "tcp checksum %s, want %s", tl_cksum_name(p->tcp.checksum_status),
                 tl_cksum_name(e->tcp_cksum));
        return false;
    }
    return true;
}

static void assert_expect(const struct tl_packet *p, const struct expect *e, const char *name)
{
    char why[512];
    if (!check(p, e, why, sizeof why)) {
        fail_msg("%s: %s", name, why);
    }
}

/* ---- link types ---- */

struct link_case {
    const char *name;
    int dlt;
    const uint8_t *hdr;
    size_t hdr_len;
    int version; /* 4: crafted_syn_l3, 6: v6_ack_l3 */
    uint8_t n_vlan;
    uint16_t vlan[2];
};

#define HDR(h) h, sizeof h

static void test_packet_every_link_type_reaches_tcp(void **state)
{
    static const struct link_case cases[] = {
        { "EN10MB", TL_DLT_EN10MB, HDR(eth4_hdr), 4, 0, { 0, 0 } },
        { "EN10MB v6", TL_DLT_EN10MB, HDR(eth6_hdr), 6, 0, { 0, 0 } },
        { "802.1Q", TL_DLT_EN10MB, HDR(vlan_hdr), 4, 1, { 100, 0 } },
        { "802.1ad QinQ", TL_DLT_EN10MB, HDR(qinq_hdr), 4, 2, { 200, 100 } },
        { "0x9100 QinQ v6", TL_DLT_EN10MB, HDR(qinq9100_hdr), 6, 2, { 7, 4095 } },
        { "802.3 SNAP", TL_DLT_EN10MB, HDR(snap_hdr), 4, 0, { 0, 0 } },
        { "LINUX_SLL", TL_DLT_LINUX_SLL, HDR(sll_hdr), 4, 0, { 0, 0 } },
        { "LINUX_SLL v6", TL_DLT_LINUX_SLL, HDR(sll6_hdr), 6, 0, { 0, 0 } },
        { "LINUX_SLL2", TL_DLT_LINUX_SLL2, HDR(sll2_hdr), 4, 0, { 0, 0 } },
        { "NULL LE", TL_DLT_NULL, HDR(null_le_hdr), 4, 0, { 0, 0 } },
        { "NULL BE", TL_DLT_NULL, HDR(null_be_hdr), 4, 0, { 0, 0 } },
        { "NULL v6 LE", TL_DLT_NULL, HDR(null6_le_hdr), 6, 0, { 0, 0 } },
        { "NULL v6 BE", TL_DLT_NULL, HDR(null6_be_hdr), 6, 0, { 0, 0 } },
        { "NULL v6 Linux", TL_DLT_NULL, HDR(null6_linux_hdr), 6, 0, { 0, 0 } },
        { "LOOP", TL_DLT_LOOP, HDR(loop_hdr), 4, 0, { 0, 0 } },
        { "LOOP v6", TL_DLT_LOOP, HDR(loop6_hdr), 6, 0, { 0, 0 } },
        { "RAW 101", TL_DLT_LINKTYPE_RAW, NULL, 0, 4, 0, { 0, 0 } },
        { "RAW 101 v6", TL_DLT_LINKTYPE_RAW, NULL, 0, 6, 0, { 0, 0 } },
        { "RAW 12", TL_DLT_RAW, NULL, 0, 4, 0, { 0, 0 } },
        { "RAW 14", TL_DLT_RAW_OPENBSD, NULL, 0, 6, 0, { 0, 0 } },
        { "IPV4", TL_DLT_IPV4, NULL, 0, 4, 0, { 0, 0 } },
        { "IPV6", TL_DLT_IPV6, NULL, 0, 6, 0, { 0, 0 } },
        { "PPP", TL_DLT_PPP, HDR(ppp_hdr), 4, 0, { 0, 0 } },
        { "PPP v6", TL_DLT_PPP, HDR(ppp6_hdr), 6, 0, { 0, 0 } },
        { "PPP no address/control", TL_DLT_PPP, HDR(ppp_noac_hdr), 4, 0, { 0, 0 } },
        { "PPP compressed protocol", TL_DLT_PPP, HDR(ppp_pfc_hdr), 4, 0, { 0, 0 } },
        { "PPP_SERIAL", TL_DLT_PPP_SERIAL, HDR(ppp_hdr), 4, 0, { 0, 0 } },
    };
    static const struct expect ok = { TL_AN_NONE, NULL, { TL_AN_NONE }, TL_CKSUM_CORRECT };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct link_case *c = &cases[i];
        const uint8_t *l3 = c->version == 4 ? crafted_syn_l3 : v6_ack_l3;
        size_t l3len = c->version == 4 ? sizeof crafted_syn_l3 : sizeof v6_ack_l3;
        size_t len = cat2(c->hdr, c->hdr_len, l3, l3len);
        struct tl_packet *p = decode(state, c->dlt, frame_buf, len, len);
        assert_expect(p, &ok, c->name);
        if (p->link.l3_offset != c->hdr_len || p->l3_avail != l3len) {
            fail_msg("%s: l3 at %u (%u bytes), want %zu (%zu)", c->name, p->link.l3_offset,
                     p->l3_avail, c->hdr_len, l3len);
        }
        assert_int_equal(p->link.dlt, c->dlt);
        assert_int_equal(p->link.ethertype, c->version == 4 ? 0x0800 : 0x86dd);
        assert_int_equal(p->link.n_vlan, c->n_vlan);
        for (unsigned v = 0; v < c->n_vlan; v++) {
            assert_int_equal(p->link.vlan[v], c->vlan[v]);
        }
        assert_int_equal(p->n_ip, 1);
        assert_int_equal(tl_packet_ip(p)->version, c->version);
        assert_int_equal(p->tcp.src_port, 40000);
        assert_int_equal(p->tcp.dst_port, 80);
        if (c->version == 4) {
            assert_int_equal(p->tcp.seq, 1000);
            assert_int_equal(p->tcp.flags, TL_TH_SYN);
            assert_int_equal(p->tcp.checksum, 0xb768);
            assert_int_equal(p->tcp.n_opts, 5);
            assert_int_equal(p->tcp.mss, 1460);
            assert_int_equal(tl_packet_ip(p)->checksum_status, TL_CKSUM_CORRECT);
        } else {
            assert_int_equal(p->tcp.seq, 1001);
            assert_int_equal(p->tcp.ack, 5001);
            assert_int_equal(p->tcp.flags, TL_TH_ACK);
            assert_int_equal(p->tcp.checksum, 0xa05c);
        }
    }
}

static void test_packet_linux_cooked_fields(void **state)
{
    size_t len = cat2(HDR(sll2_hdr), HDR(crafted_syn_l3));
    struct tl_packet *p = decode(state, TL_DLT_LINUX_SLL2, frame_buf, len, len);
    assert_true(p->has_tcp);
    assert_int_equal(p->link.sll_ifindex, 2);
    assert_int_equal(p->link.sll_pkttype, 0);
    len = cat2(HDR(sll6_hdr), HDR(v6_ack_l3));
    p = decode(state, TL_DLT_LINUX_SLL, frame_buf, len, len);
    assert_true(p->has_tcp);
    assert_int_equal(p->link.sll_pkttype, 4); /* outgoing */
}

static void test_packet_unknown_link_type(void **state)
{
    static const struct expect e = { TL_AN_LINK_UNKNOWN, NULL, { TL_AN_NONE }, 0 };
    size_t len = cat2(HDR(eth4_hdr), HDR(crafted_syn_l3));
    struct tl_packet *p = decode(state, 147 /* USER0 */, frame_buf, len, len);
    assert_expect(p, &e, "DLT 147");
    assert_true(tl_anomaly_is_fatal(p->fatal));
    assert_string_equal(tl_anomaly_name(p->fatal), "link.unsupported");
    assert_false(tl_linktype_supported(147));
}

static void test_packet_vlan_stack_limit(void **state)
{
    /* eight tags are walked (two recorded); a ninth is too deep */
    uint8_t f[12 + 9 * 4 + 2 + 60];
    for (unsigned tags = 8; tags <= 9; tags++) {
        size_t n = 0;
        memcpy(f, eth4_hdr, 12);
        n = 12;
        for (unsigned t = 0; t < tags; t++) {
            f[n++] = 0x81;
            f[n++] = 0x00;
            f[n++] = 0x00;
            f[n++] = (uint8_t)(t + 1);
        }
        f[n++] = 0x08;
        f[n++] = 0x00;
        memcpy(f + n, crafted_syn_l3, sizeof crafted_syn_l3);
        n += sizeof crafted_syn_l3;
        struct tl_packet *p = decode(state, TL_DLT_EN10MB, f, n, n);
        if (tags == 8) {
            assert_true(p->has_tcp);
            assert_int_equal(p->link.n_vlan, 2);
            assert_int_equal(p->link.vlan[0], 1);
            assert_int_equal(p->link.vlan[1], 2);
            assert_int_equal(p->link.l3_offset, 12 + 8 * 4 + 2);
        } else {
            assert_false(p->has_tcp);
            assert_int_equal(p->fatal, TL_AN_VLAN_TOO_DEEP);
        }
    }
}

/* ---- non-TCP ---- */

static void test_packet_non_tcp_kinds(void **state)
{
    /* ARP request 192.0.2.1 asks for 192.0.2.2 (RFC 826 layout) */
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02,
    };
    /* 802.3 + 802.2 LLC for spanning tree (DSAP/SSAP 0x42): not SNAP, not IP */
    static const uint8_t stp[20] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                     0x00, 0x01, 0x00, 0x26, 0x42, 0x42, 0x03, 0x00, 0x00, 0x00 };
    static const uint8_t lcp_hdr[4] = { 0xff, 0x03, 0xc0, 0x21 };
    static const uint8_t null_other_hdr[4] = { 0x07, 0x00, 0x00, 0x00 };
    static const struct {
        const char *kind;
        int dlt;
        const uint8_t *f;
        size_t len;
    } frames[] = {
        { "arp", TL_DLT_EN10MB, arp, sizeof arp },
        { "llc", TL_DLT_EN10MB, stp, sizeof stp },
        { "icmp", TL_DLT_EN10MB, icmp_unreach, sizeof icmp_unreach },
        { "icmp", TL_DLT_IPV4, icmp_echo, sizeof icmp_echo },
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        const struct expect e = { TL_AN_NONE, frames[i].kind, { TL_AN_NONE }, 0 };
        struct tl_packet *p =
            decode(state, frames[i].dlt, frames[i].f, frames[i].len, frames[i].len);
        assert_expect(p, &e, frames[i].kind);
    }

    /* the SYN with another protocol number or next header */
    static const struct {
        const char *kind;
        int version;
        uint8_t proto;
    } protos[] = {
        { "udp", 4, 17 },
        { "gre", 4, 47 },
        { "sctp", 4, 132 },
        { "icmpv6", 6, 58 },
        { "ipv6-nonxt", 6, 59 },
        { "udp", 6, 17 },
        { "ip-proto-other", 4, 253 },
    };
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        uint8_t l3[60];
        const struct expect e = { TL_AN_NONE, protos[i].kind, { TL_AN_NONE }, 0 };
        memcpy(l3, protos[i].version == 4 ? crafted_syn_l3 : v6_ack_l3, sizeof l3);
        l3[protos[i].version == 4 ? 9 : 6] = protos[i].proto;
        struct tl_packet *p = decode(state, TL_DLT_RAW, l3, sizeof l3, sizeof l3);
        assert_expect(p, &e, protos[i].kind);
    }

    const struct expect ppp_other = { TL_AN_NONE, "ppp-other", { TL_AN_NONE }, 0 };
    size_t len = cat2(HDR(lcp_hdr), HDR(crafted_syn_l3));
    assert_expect(decode(state, TL_DLT_PPP, frame_buf, len, len), &ppp_other, "PPP LCP");
    const struct expect lo_other = { TL_AN_NONE, "loopback-other", { TL_AN_NONE }, 0 };
    len = cat2(HDR(null_other_hdr), HDR(crafted_syn_l3));
    assert_expect(decode(state, TL_DLT_NULL, frame_buf, len, len), &lo_other, "NULL family 7");
}

/* ---- IPv4 options, IPv6 extension headers, tunnels ---- */

static void test_packet_ipv4_options(void **state)
{
    static const struct expect ok = { TL_AN_NONE, NULL, { TL_AN_NONE }, TL_CKSUM_CORRECT };
    struct tl_packet *p =
        decode(state, TL_DLT_EN10MB, v4_options, sizeof v4_options, sizeof v4_options);
    assert_expect(p, &ok, "IPv4 options");
    const struct tl_ip *ip = tl_packet_ip(p);
    assert_int_equal(ip->header_length, 32);
    assert_int_equal(ip->total_length, 72);
    assert_int_equal(ip->checksum_status, TL_CKSUM_CORRECT);
    assert_int_equal(p->tcp.offset, 32);
    assert_int_equal(p->tcp.checksum, 0xb768);
    assert_int_equal(p->tcp.seq, 1000);

    /* the record-route option's length byte made 0: flagged, not fatal */
    uint8_t bad[sizeof v4_options];
    memcpy(bad, v4_options, sizeof bad);
    bad[ETH_LEN + 21] = 0;
    static const struct expect flagged = {
        TL_AN_NONE, NULL, { TL_AN_IPV4_OPT_INVALID }, TL_CKSUM_CORRECT
    };
    assert_expect(decode(state, TL_DLT_EN10MB, bad, sizeof bad, sizeof bad), &flagged,
                  "RR length 0");
    /* ... and longer than the options */
    bad[ETH_LEN + 21] = 13;
    assert_expect(decode(state, TL_DLT_EN10MB, bad, sizeof bad, sizeof bad), &flagged,
                  "RR length 13");
}

static void test_packet_ipv6_extension_headers(void **state)
{
    static const struct expect ok = { TL_AN_NONE, NULL, { TL_AN_NONE }, TL_CKSUM_CORRECT };
    struct tl_packet *p =
        decode(state, TL_DLT_EN10MB, v6_ext_syn, sizeof v6_ext_syn, sizeof v6_ext_syn);
    assert_expect(p, &ok, "hop-by-hop, destination, routing, fragment");
    const struct tl_ip *ip = tl_packet_ip(p);
    static const uint8_t types[4] = { 0, 60, 43, 44 };
    assert_int_equal(ip->n_ext, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(ip->ext[i].type, types[i]);
        assert_int_equal(ip->ext[i].offset, 40 + 8 * i);
        assert_int_equal(ip->ext[i].len, 8);
        assert_int_equal(ip->ext[i].next, i < 3 ? types[i + 1] : 6);
    }
    assert_int_equal(ip->next_header, 0);
    assert_int_equal(ip->protocol, 6);
    assert_int_equal(ip->header_length, 72);
    assert_true(ip->has_frag_hdr);
    assert_false(ip->fragment);   /* offset 0, no M flag: atomic */
    assert_false(ip->has_rt_dst); /* segments left 0 */
    assert_int_equal(ip->l4_length, 40);
    assert_int_equal(p->tcp.offset, 72);
    assert_int_equal(p->tcp.checksum, 0x482a);
    assert_int_equal(p->tcp.n_opts, 5);

    p = decode(state, TL_DLT_EN10MB, v6_hbh_data, sizeof v6_hbh_data, sizeof v6_hbh_data);
    assert_expect(p, &ok, "hop-by-hop with data");
    assert_int_equal(tl_packet_ip(p)->n_ext, 1);
    assert_int_equal(p->tcp.payload_length, 18);
    assert_int_equal(p->tcp.payload_captured, 18);
}

static void test_packet_ipv6_too_many_extension_headers(void **state)
{
    /* nine 8-byte destination-options headers (padding only), then a bare TCP header */
    uint8_t f[ETH_LEN + 40 + 9 * 8 + 20];
    size_t n = ETH_LEN + 40;
    memcpy(f, eth6_hdr, ETH_LEN);
    memcpy(f + ETH_LEN, v6_ack_l3, 40);
    f[ETH_LEN + 4] = 0;
    f[ETH_LEN + 5] = 9 * 8 + 20;
    f[ETH_LEN + 6] = 60;
    for (unsigned i = 0; i < 9; i++) {
        static const uint8_t padn[8] = { 60, 0, 1, 4, 0, 0, 0, 0 };
        memcpy(f + n, padn, 8);
        if (i == 8) {
            f[n] = 6;
        }
        n += 8;
    }
    memcpy(f + n, v6_ack_l3 + 40, 20);
    n += 20;
    static const struct expect e = { TL_AN_IPV6_EXT_TOO_MANY, NULL, { TL_AN_NONE }, 0 };
    assert_expect(decode(state, TL_DLT_EN10MB, f, n, n), &e, "9 extension headers");
    /* eight are walked: drop the first */
    memmove(f + ETH_LEN + 40, f + ETH_LEN + 48, n - ETH_LEN - 48);
    n -= 8;
    f[ETH_LEN + 5] = 8 * 8 + 20;
    f[ETH_LEN + 6] = 60;
    struct tl_packet *p = decode(state, TL_DLT_EN10MB, f, n, n);
    assert_true(p->has_tcp);
    assert_int_equal(tl_packet_ip(p)->n_ext, 8);
}

static void test_packet_tunnels(void **state)
{
    static const struct expect ok = { TL_AN_NONE, NULL, { TL_AN_NONE }, TL_CKSUM_CORRECT };
    struct tl_packet *p = decode(state, TL_DLT_EN10MB, tun_6in4, sizeof tun_6in4, sizeof tun_6in4);
    assert_expect(p, &ok, "6in4");
    assert_int_equal(p->n_ip, 2);
    assert_int_equal(p->ip[0].version, 4);
    assert_int_equal(p->ip[0].protocol, 41);
    assert_int_equal(p->ip[1].version, 6);
    assert_int_equal(p->ip[1].offset, 20);
    assert_int_equal(p->tcp.offset, 60);
    assert_int_equal(p->tcp.checksum, 0x482a);

    /* IPv4 in IPv4 in IPv4: walked (TL_MAX_IP_LAYERS is 4), each outer one a tunnel */
    uint8_t f[ETH_LEN + 20 + 20 + 60];
    memcpy(f, eth4_hdr, ETH_LEN);
    for (unsigned i = 0; i < 2; i++) {
        uint8_t *h = f + ETH_LEN + 20 * i;
        memcpy(h, crafted_syn_l3, 20);
        h[2] = 0;
        h[3] = (uint8_t)(100 - 20 * i);
        h[9] = 4; /* IP-in-IP */
        h[10] = h[11] = 0;
        uint32_t sum = 0;
        for (unsigned k = 0; k < 20; k += 2) {
            sum += (uint32_t)(h[k] << 8 | h[k + 1]);
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        h[10] = (uint8_t)(~sum >> 8);
        h[11] = (uint8_t)~sum;
    }
    memcpy(f + ETH_LEN + 40, crafted_syn_l3, 60);
    p = decode(state, TL_DLT_EN10MB, f, sizeof f, sizeof f);
    assert_expect(p, &ok, "4in4in4");
    assert_int_equal(p->n_ip, 3);
    assert_int_equal(p->n_tunnels, 2);
    assert_int_equal(p->tunnels[0].kind, TL_TUN_IP);
    assert_int_equal(p->tunnels[1].kind, TL_TUN_IP);

    /* the depth bomb: 200 nested IPv4-in-IPv4 headers, rejected with a reason */
    enum { BOMB = 200 };
    static uint8_t bomb[ETH_LEN + 20 * BOMB + 60];
    memcpy(bomb, eth4_hdr, ETH_LEN);
    for (unsigned i = 0; i < BOMB; i++) {
        uint8_t *h = bomb + ETH_LEN + 20 * i;
        memcpy(h, crafted_syn_l3, 20);
        unsigned total = 20 * (BOMB - i) + 60;
        h[2] = (uint8_t)(total >> 8);
        h[3] = (uint8_t)total;
        h[9] = 4;
    }
    memcpy(bomb + ETH_LEN + 20 * BOMB, crafted_syn_l3, 60);
    static const struct expect deep = { TL_AN_TUNNEL_TOO_DEEP, NULL, { TL_AN_NONE }, 0 };
    assert_expect(decode(state, TL_DLT_EN10MB, bomb, sizeof bomb, sizeof bomb), &deep,
                  "200 nested IP-in-IP headers");
}

/* ---- fragments ---- */

static void test_packet_fragments(void **state)
{
    static const struct expect first = {
        TL_AN_NONE, NULL, { TL_AN_IPV4_FRAGMENT }, TL_CKSUM_UNVERIFIED
    };
    struct tl_packet *p =
        decode(state, TL_DLT_EN10MB, frag_first, sizeof frag_first, sizeof frag_first);
    assert_expect(p, &first, "IPv4 first fragment");
    assert_true(tl_packet_ip(p)->mf);
    assert_int_equal(tl_packet_ip(p)->id, 4242);
    assert_int_equal(p->tcp.payload_length, 284);

    static const struct expect later = { TL_AN_NONE, "ipv4-fragment", { TL_AN_NONE }, 0 };
    p = decode(state, TL_DLT_EN10MB, frag_later, sizeof frag_later, 350);
    assert_expect(p, &later, "IPv4 second fragment");
    assert_int_equal(tl_packet_ip(p)->frag_offset, 38); /* 304 bytes / 8 */

    /* the IPv6 SYN's atomic fragment header made a real one */
    uint8_t f[sizeof v6_ext_syn];
    const size_t offm = ETH_LEN + 64 + 2; /* fragment offset and M flag */
    memcpy(f, v6_ext_syn, sizeof f);
    f[offm] = 0x00;
    f[offm + 1] = 0x01; /* offset 0, M: the first fragment */
    static const struct expect first6 = {
        TL_AN_NONE, NULL, { TL_AN_IPV6_FRAGMENT }, TL_CKSUM_UNVERIFIED
    };
    assert_expect(decode(state, TL_DLT_EN10MB, f, sizeof f, sizeof f), &first6,
                  "IPv6 first fragment");
    f[offm + 1] = 0x08; /* offset 1 (8 bytes), no M: the last fragment */
    static const struct expect later6 = { TL_AN_NONE, "ipv6-fragment", { TL_AN_NONE }, 0 };
    assert_expect(decode(state, TL_DLT_EN10MB, f, sizeof f, sizeof f), &later6,
                  "IPv6 later fragment");
}

/* ---- malformed headers ---- */

struct bad_case {
    const char *name;
    int version; /* which frame: Ethernet + crafted_syn_l3 (4) or + v6_ack_l3 (6) */
    size_t at;   /* byte of the l3 to change, or SIZE_MAX for none */
    uint8_t value;
    size_t at2; /* a second byte, or SIZE_MAX */
    uint8_t value2;
    size_t caplen; /* 0: the whole frame */
    struct expect want;
};

static void test_packet_malformed_headers(void **state)
{
    static const struct bad_case cases[] = {
        { "link cut", 4, SIZE_MAX, 0, SIZE_MAX, 0, 13, { TL_AN_LINK_TRUNC, NULL, { 0 }, 0 } },
        { "IPv4 version 5",
          4,
          0,
          0x55,
          SIZE_MAX,
          0,
          0,
          { TL_AN_IPV4_BAD_VERSION, NULL, { 0 }, 0 } },
        { "IPv4 IHL 4", 4, 0, 0x44, SIZE_MAX, 0, 0, { TL_AN_IPV4_HLEN_TOO_SMALL, NULL, { 0 }, 0 } },
        { "IPv4 IHL 0", 4, 0, 0x40, SIZE_MAX, 0, 0, { TL_AN_IPV4_HLEN_TOO_SMALL, NULL, { 0 }, 0 } },
        { "IPv4 IHL 15, options cut",
          4,
          0,
          0x4f,
          SIZE_MAX,
          0,
          ETH_LEN + 40,
          { TL_AN_IPV4_TRUNC_HDR, NULL, { 0 }, 0 } },
        { "IPv4 cut inside the fixed header",
          4,
          SIZE_MAX,
          0,
          SIZE_MAX,
          0,
          ETH_LEN + 19,
          { TL_AN_IPV4_TRUNC_HDR, NULL, { 0 }, 0 } },
        { "IPv4 total length 19", 4, 2, 0, 3, 19, 0, { TL_AN_IPV4_LEN_LT_HLEN, NULL, { 0 }, 0 } },
        { "IPv4 total length 0 (offload)",
          4,
          2,
          0,
          3,
          0,
          0,
          { TL_AN_NONE, NULL, { TL_AN_IPV4_LEN_ZERO }, TL_CKSUM_CORRECT } },
        { "TCP data offset 4",
          4,
          32,
          0x40,
          SIZE_MAX,
          0,
          0,
          { TL_AN_TCP_HLEN_TOO_SMALL, NULL, { 0 }, 0 } },
        { "TCP data offset 0",
          4,
          32,
          0x00,
          SIZE_MAX,
          0,
          0,
          { TL_AN_TCP_HLEN_TOO_SMALL, NULL, { 0 }, 0 } },
        { "TCP data offset 15 > segment 40",
          4,
          32,
          0xf0,
          SIZE_MAX,
          0,
          0,
          { TL_AN_TCP_HLEN_TOO_LARGE, NULL, { 0 }, 0 } },
        { "TCP data offset 10 > IP says 39",
          4,
          2,
          0,
          3,
          59,
          0,
          { TL_AN_TCP_HLEN_TOO_LARGE, NULL, { 0 }, 0 } },
        { "TCP cut inside the fixed header",
          4,
          SIZE_MAX,
          0,
          SIZE_MAX,
          0,
          ETH_LEN + 39,
          { TL_AN_TCP_TRUNC_HDR, NULL, { 0 }, 0 } },
        { "IPv6 version 4",
          6,
          0,
          0x40,
          SIZE_MAX,
          0,
          0,
          { TL_AN_IPV6_BAD_VERSION, NULL, { 0 }, 0 } },
        { "IPv6 cut inside the header",
          6,
          SIZE_MAX,
          0,
          SIZE_MAX,
          0,
          ETH_LEN + 39,
          { TL_AN_IPV6_TRUNC_HDR, NULL, { 0 }, 0 } },
        { "IPv6 payload length 10 < TCP header",
          6,
          5,
          10,
          SIZE_MAX,
          0,
          0,
          { TL_AN_TCP_HLEN_TOO_LARGE, NULL, { 0 }, 0 } },
        { "IPv6 hop-by-hop longer than the payload",
          6,
          6,
          0,
          SIZE_MAX,
          0,
          0,
          { TL_AN_IPV6_EXT_TRUNC, NULL, { 0 }, 0 } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        size_t len = c->version == 4 ? cat2(HDR(eth4_hdr), HDR(crafted_syn_l3))
                                     : cat2(HDR(eth6_hdr), HDR(v6_ack_l3));
        if (c->at != SIZE_MAX) {
            frame_buf[ETH_LEN + c->at] = c->value;
        }
        if (c->at2 != SIZE_MAX) {
            frame_buf[ETH_LEN + c->at2] = c->value2;
        }
        struct tl_packet *p =
            decode(state, TL_DLT_EN10MB, frame_buf, c->caplen ? c->caplen : len, len);
        assert_expect(p, &c->want, c->name);
        if (c->want.fatal != TL_AN_NONE) {
            assert_true(tl_anomaly_is_fatal(p->fatal));
        }
    }
}

/*
 * A packet whose IP length claims more than was on the wire is invalid (ipv4.len_gt_wire /
 * ipv6.len_gt_wire), not truncated: the snapshot length cut nothing (caplen == wirelen), so
 * tcp.trunc_payload ("snapshot length cut the payload") must not be reported (STYLE §8, §10).
 */
static void test_packet_len_gt_wire_is_invalid_not_truncated(void **state)
{
    size_t len = cat2(HDR(eth4_hdr), HDR(crafted_syn_l3));
    frame_buf[ETH_LEN + 3] = 61; /* IPv4 total length 61 > 60 on the wire */
    static const struct expect v4 = {
        TL_AN_NONE, NULL, { TL_AN_IPV4_LEN_GT_WIRE }, TL_CKSUM_UNVERIFIED
    };
    struct tl_packet *p = decode(state, TL_DLT_EN10MB, frame_buf, len, len);
    assert_expect(p, &v4, "IPv4 total length 61, 60 on the wire");
    assert_int_equal(p->tcp.payload_length, 1);
    assert_int_equal(p->tcp.payload_captured, 0);

    len = cat2(HDR(eth6_hdr), HDR(v6_ack_l3));
    frame_buf[ETH_LEN + 5] = 21; /* IPv6 payload length 21 > 20 on the wire */
    static const struct expect v6 = {
        TL_AN_NONE, NULL, { TL_AN_IPV6_LEN_GT_WIRE }, TL_CKSUM_UNVERIFIED
    };
    p = decode(state, TL_DLT_EN10MB, frame_buf, len, len);
    assert_expect(p, &v6, "IPv6 payload length 21, 20 on the wire");
}

/* ---- decoding stored headers (tl_packet_decode_frame) ---- */

static void test_packet_decode_frame_stored_headers(void **state)
{
    const uint32_t len = sizeof tfo_syn, hdrs = ETH_LEN + 20 + 36;
    const uint8_t *d = guard_place(*state, tfo_syn, hdrs);

    /* the frame up to the end of the TCP header, from a complete capture: nothing is
     * missing, nothing is judged; the link header is decoded as in the whole frame */
    memset(&pkt, 0, sizeof pkt);
    tl_packet_decode_frame(&pkt, TL_DLT_EN10MB, d, hdrs, len, len, false);
    static const struct expect stored = { TL_AN_NONE, NULL, { TL_AN_NONE }, TL_CKSUM_UNVERIFIED };
    assert_expect(&pkt, &stored, "stored headers");
    assert_int_equal(pkt.tcp.payload_length, 18);
    assert_int_equal(pkt.tcp.payload_captured, 0);
    assert_int_equal(pkt.tcp.n_opts, 3);
    assert_int_equal(pkt.link.l3_offset, ETH_LEN);
    assert_int_equal(pkt.caplen, len);
    assert_int_equal(pkt.n_layers, 3); /* eth, ip, tcp */
    assert_int_equal(pkt.layers[0].kind, TL_LAYER_ETH);

    /* the same record from a capture cut at 60 bytes of IP: still truncated */
    tl_packet_decode_frame(&pkt, TL_DLT_EN10MB, d, hdrs, ETH_LEN + 60, len, false);
    static const struct expect cut = {
        TL_AN_NONE, NULL, { TL_AN_TCP_TRUNC_PAYLOAD }, TL_CKSUM_UNVERIFIED
    };
    assert_expect(&pkt, &cut, "stored headers of a cut packet");

    /* fewer bytes present than the link header: cut there, nothing read past them */
    d = guard_place(*state, tfo_syn, 10);
    tl_packet_decode_frame(&pkt, TL_DLT_EN10MB, d, 10, len, len, false);
    assert_int_equal(pkt.fatal, TL_AN_LINK_TRUNC);

    /* everything present and verify: the checksum is computed, as tl_packet_decode does */
    d = guard_place(*state, tfo_syn, len);
    tl_packet_decode_frame(&pkt, TL_DLT_EN10MB, d, len, len, len, true);
    static const struct expect full = { TL_AN_NONE, NULL, { TL_AN_NONE }, TL_CKSUM_CORRECT };
    assert_expect(&pkt, &full, "whole packet");
    assert_int_equal(pkt.tcp.checksum, 0x2c02);
}

/* ---- THE SWEEP ---- */

/* What a prefix of `caplen` bytes must give, by the layer it ends in. */
struct layer_end {
    size_t below;            /* applies to caplen < below */
    enum tl_anomaly fatal;   /* fatal anomaly, or TL_AN_NONE with `anomaly` */
    enum tl_anomaly anomaly; /* the one non-fatal anomaly (TL_AN_NONE: none) */
    enum tl_cksum tcp_cksum;
};

/*
 * Decode every prefix 0..len of f (wire length len) against the guard page, in both orders
 * (so that nothing stale from a longer decode survives a shorter one), and check each
 * against the table. Mismatches are all printed, then the test fails.
 */
static void sweep(void **state, const char *name, const uint8_t *f, size_t len,
                  const struct layer_end *table, size_t n_table, uint32_t payload_length)
{
    unsigned failures = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k <= len; k++) {
            size_t caplen = pass == 0 ? k : len - k;
            const struct layer_end *le = NULL;
            for (size_t i = 0; i < n_table && !le; i++) {
                if (caplen < table[i].below) {
                    le = &table[i];
                }
            }
            assert_non_null(le);
            struct expect e = { le->fatal, NULL, { le->anomaly, TL_AN_NONE }, le->tcp_cksum };
            struct tl_packet *p = decode(state, TL_DLT_EN10MB, f, caplen, len);
            char why[512];
            bool ok = check(p, &e, why, sizeof why);
            if (ok && p->has_tcp && p->tcp.payload_length != payload_length) {
                snprintf(why, sizeof why, "payload_length %u, want %u", p->tcp.payload_length,
                         payload_length);
                ok = false;
            }
            if (!ok) {
                if (pass == 0) {
                    print_error("%s: caplen %zu of %zu: %s\n", name, caplen, len, why);
                }
                failures++;
            }
        }
    }
    if (failures) {
        fail_msg("%s: %u prefix decodes wrong", name, failures);
    }
}

/* Ethernet 14 + IPv4 20 + TCP 20 + options 16 + payload 18 = 88 bytes. */
static void test_packet_sweep_ipv4_prefixes(void **state)
{
    static const struct layer_end table[] = {
        { 14, TL_AN_LINK_TRUNC, TL_AN_NONE, 0 },
        { 14 + 20, TL_AN_IPV4_TRUNC_HDR, TL_AN_NONE, 0 },
        { 14 + 20 + 20, TL_AN_TCP_TRUNC_HDR, TL_AN_NONE, 0 },
        { 14 + 20 + 36, TL_AN_NONE, TL_AN_TCP_TRUNC_OPTS, TL_CKSUM_UNVERIFIED },
        { 88, TL_AN_NONE, TL_AN_TCP_TRUNC_PAYLOAD, TL_CKSUM_UNVERIFIED },
        { 89, TL_AN_NONE, TL_AN_NONE, TL_CKSUM_CORRECT },
    };
    assert_int_equal(sizeof tfo_syn, 88);
    sweep(state, "IPv4 SYN with options and data", tfo_syn, sizeof tfo_syn, table,
          sizeof table / sizeof table[0], 18);
    /* and the payload bytes present are counted */
    struct tl_packet *p = decode(state, TL_DLT_EN10MB, tfo_syn, 80, 88);
    assert_int_equal(p->tcp.payload_captured, 10);
    assert_int_equal(p->tcp.opts_captured, 16);
    p = decode(state, TL_DLT_EN10MB, tfo_syn, 60, 88);
    assert_int_equal(p->tcp.opts_captured, 6);
    assert_int_equal(p->tcp.n_opts, 2); /* mss and sackOK are whole */
}

/* Ethernet 14 + IPv6 40 + 4 extension headers 32 + TCP 20 + options 20 = 126 bytes. */
static void test_packet_sweep_ipv6_ext_prefixes(void **state)
{
    static const struct layer_end table[] = {
        { 14, TL_AN_LINK_TRUNC, TL_AN_NONE, 0 },
        { 14 + 40, TL_AN_IPV6_TRUNC_HDR, TL_AN_NONE, 0 },
        { 14 + 40 + 32, TL_AN_IPV6_EXT_TRUNC, TL_AN_NONE, 0 },
        { 14 + 72 + 20, TL_AN_TCP_TRUNC_HDR, TL_AN_NONE, 0 },
        { 126, TL_AN_NONE, TL_AN_TCP_TRUNC_OPTS, TL_CKSUM_UNVERIFIED },
        { 127, TL_AN_NONE, TL_AN_NONE, TL_CKSUM_CORRECT },
    };
    assert_int_equal(sizeof v6_ext_syn, 126);
    sweep(state, "IPv6 SYN behind 4 extension headers", v6_ext_syn, sizeof v6_ext_syn, table,
          sizeof table / sizeof table[0], 0);
}

/* Ethernet 14 + IPv6 40 + hop-by-hop 8 + TCP 20 + payload 18 = 100 bytes. */
static void test_packet_sweep_ipv6_payload_prefixes(void **state)
{
    static const struct layer_end table[] = {
        { 14, TL_AN_LINK_TRUNC, TL_AN_NONE, 0 },
        { 14 + 40, TL_AN_IPV6_TRUNC_HDR, TL_AN_NONE, 0 },
        { 14 + 48, TL_AN_IPV6_EXT_TRUNC, TL_AN_NONE, 0 },
        { 14 + 48 + 20, TL_AN_TCP_TRUNC_HDR, TL_AN_NONE, 0 },
        { 100, TL_AN_NONE, TL_AN_TCP_TRUNC_PAYLOAD, TL_CKSUM_UNVERIFIED },
        { 101, TL_AN_NONE, TL_AN_NONE, TL_CKSUM_CORRECT },
    };
    sweep(state, "IPv6 data behind hop-by-hop", v6_hbh_data, sizeof v6_hbh_data, table,
          sizeof table / sizeof table[0], 18);
}

/* Every prefix of every link type's frame: no read past the end, and the link layer (or
 * the IP layer, for the link types without a header) reports the cut. */
static void test_packet_sweep_link_prefixes(void **state)
{
    static const struct {
        const char *name;
        int dlt;
        const uint8_t *hdr;
        size_t hdr_len;
    } links[] = {
        { "802.1ad", TL_DLT_EN10MB, HDR(qinq_hdr) }, { "SNAP", TL_DLT_EN10MB, HDR(snap_hdr) },
        { "SLL", TL_DLT_LINUX_SLL, HDR(sll_hdr) },   { "SLL2", TL_DLT_LINUX_SLL2, HDR(sll2_hdr) },
        { "NULL", TL_DLT_NULL, HDR(null_le_hdr) },   { "LOOP", TL_DLT_LOOP, HDR(loop_hdr) },
        { "PPP", TL_DLT_PPP, HDR(ppp_hdr) },         { "PPP PFC", TL_DLT_PPP, HDR(ppp_pfc_hdr) },
        { "RAW", TL_DLT_LINKTYPE_RAW, NULL, 0 },     { "IPV4", TL_DLT_IPV4, NULL, 0 },
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        size_t len = cat2(links[i].hdr, links[i].hdr_len, HDR(crafted_syn_l3));
        for (size_t caplen = 0; caplen <= len; caplen++) {
            struct tl_packet *p = decode(state, links[i].dlt, frame_buf, caplen, len);
            enum tl_anomaly want = TL_AN_NONE;
            if (caplen < links[i].hdr_len) {
                want = TL_AN_LINK_TRUNC;
            } else if (caplen < links[i].hdr_len + 20) {
                want = TL_AN_IPV4_TRUNC_HDR;
            } else if (caplen < links[i].hdr_len + 40) {
                want = TL_AN_TCP_TRUNC_HDR;
            }
            if (caplen == 0 && links[i].dlt == TL_DLT_LINKTYPE_RAW) {
                continue; /* test_packet_raw_empty_frame_is_truncated */
            }
            if (p->fatal != want) {
                fail_msg("%s caplen %zu: fatal %s, want %s", links[i].name, caplen,
                         tl_anomaly_name(p->fatal), tl_anomaly_name(want));
            }
            assert_int_equal(p->has_tcp, want == TL_AN_NONE);
        }
    }
}

/*
 * A raw-IP frame of 0 bytes claims an IP header it does not have: it is truncated (README, the
 * decoder: "a packet too short for the header it claims is counted as malformed with a reason"),
 * not a non-IP packet. Its version is unknown, so link.trunc_hdr or ipv4.trunc_hdr will do.
 */
static void test_packet_raw_empty_frame_is_truncated(void **state)
{
    static const int dlts[] = { TL_DLT_RAW, TL_DLT_RAW_OPENBSD, TL_DLT_LINKTYPE_RAW };
    for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
        struct tl_packet *p = decode(state, dlts[i], crafted_syn_l3, 0, 60);
        if (p->fatal != TL_AN_LINK_TRUNC && p->fatal != TL_AN_IPV4_TRUNC_HDR) {
            fail_msg("DLT %d, caplen 0 of 60: fatal %s, non_tcp %s; want link.trunc_hdr or "
                     "ipv4.trunc_hdr",
                     dlts[i], tl_anomaly_name(p->fatal), p->non_tcp ? p->non_tcp : "NULL");
        }
        assert_false(p->has_tcp);
        assert_null(p->non_tcp);
    }
    /* with a header, an empty IP layer is truncated already */
    struct tl_packet *p = decode(state, TL_DLT_IPV4, crafted_syn_l3, 0, 60);
    assert_int_equal(p->fatal, TL_AN_IPV4_TRUNC_HDR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packet_every_link_type_reaches_tcp),
        cmocka_unit_test(test_packet_linux_cooked_fields),
        cmocka_unit_test(test_packet_unknown_link_type),
        cmocka_unit_test(test_packet_vlan_stack_limit),
        cmocka_unit_test(test_packet_non_tcp_kinds),
        cmocka_unit_test(test_packet_ipv4_options),
        cmocka_unit_test(test_packet_ipv6_extension_headers),
        cmocka_unit_test(test_packet_ipv6_too_many_extension_headers),
        cmocka_unit_test(test_packet_tunnels),
        cmocka_unit_test(test_packet_fragments),
        cmocka_unit_test(test_packet_malformed_headers),
        cmocka_unit_test(test_packet_len_gt_wire_is_invalid_not_truncated),
        cmocka_unit_test(test_packet_decode_frame_stored_headers),
        cmocka_unit_test(test_packet_sweep_ipv4_prefixes),
        cmocka_unit_test(test_packet_sweep_ipv6_ext_prefixes),
        cmocka_unit_test(test_packet_sweep_ipv6_payload_prefixes),
        cmocka_unit_test(test_packet_sweep_link_prefixes),
        cmocka_unit_test(test_packet_raw_empty_frame_is_truncated),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
