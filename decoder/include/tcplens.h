/*
 * tcplens.h - public interface of the tcplens TCP decoder library.
 *
 * The decoder turns the bytes of one captured frame into a struct tl_packet (every IP and
 * TCP header field, the TCP options, checksum verdicts and anomalies), groups packets into
 * flows (struct tl_flow, both directions of one connection) and renders them as JSON or as
 * tcpdump text. It never allocates per packet: struct tl_packet lives on the caller's stack
 * and points into the caller's frame buffer. The decoder knows nothing of HTTP or SQL.
 */
#ifndef TCPLENS_H
#define TCPLENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp.h"

#define TL_VERSION "0.1.0"

/* One error enum for the whole library; tl_strerror() gives its text. */
enum tl_err {
    TL_OK = 0,
    TL_E_TRUNCATED,   /* input ends early */
    TL_E_MALFORMED,   /* input contradicts itself */
    TL_E_TOO_LARGE,   /* a configured limit was reached */
    TL_E_NOMEM,       /* allocation failed */
    TL_E_IO,          /* read or write failed */
    TL_E_FORMAT,      /* not a capture file libpcap can read */
    TL_E_UNSUPPORTED, /* a capture libpcap reads, with a link type we do not decode */
    TL_E_USAGE,       /* bad argument */
};

const char *tl_strerror(enum tl_err err);

/* Detail for an error: filled with snprintf by the function that fails. */
#define TL_ERRBUF_SIZE 512
struct tl_errbuf {
    char msg[TL_ERRBUF_SIZE];
};

/*
 * Anomalies: everything a packet does wrong, each with a stable dotted name
 * (tl_anomaly_name). "Fatal" ones leave no usable TCP header: the packet is counted as
 * malformed by that reason and kept out of the flows. The others are reported on the packet.
 */
enum tl_anomaly {
    TL_AN_NONE = 0,
    TL_AN_LINK_TRUNC,          /* frame shorter than its link-layer header */
    TL_AN_LINK_UNKNOWN,        /* link type we do not decode */
    TL_AN_VLAN_TOO_DEEP,       /* more stacked VLAN tags than we walk */
    TL_AN_IPV4_TRUNC_HDR,      /* captured bytes end inside the IPv4 header */
    TL_AN_IPV4_BAD_VERSION,    /* version field is not 4 */
    TL_AN_IPV4_HLEN_TOO_SMALL, /* IHL*4 < 20 */
    TL_AN_IPV4_LEN_LT_HLEN,    /* total length < header length */
    TL_AN_IPV4_LEN_GT_WIRE,    /* total length > bytes on the wire: invalid */
    TL_AN_IPV4_LEN_ZERO,       /* total length 0 (segmentation offload): wire length used */
    TL_AN_IPV4_OPT_INVALID,    /* malformed IPv4 option */
    TL_AN_IPV4_FRAGMENT,       /* first fragment: segment incomplete, not reassembled */
    TL_AN_IPV6_TRUNC_HDR,      /* captured bytes end inside the IPv6 header */
    TL_AN_IPV6_BAD_VERSION,    /* version field is not 6 */
    TL_AN_IPV6_LEN_GT_WIRE,    /* payload length > bytes on the wire: invalid */
    TL_AN_IPV6_EXT_TRUNC,      /* extension header runs past the captured bytes */
    TL_AN_IPV6_EXT_TOO_MANY,   /* more extension headers than we walk */
    TL_AN_IPV6_FRAGMENT,       /* non-atomic fragment: segment incomplete */
    TL_AN_TUNNEL_TOO_DEEP,     /* IP layers nested deeper than we walk (TL_MAX_IP_LAYERS) */
    TL_AN_TCP_TRUNC_HDR,       /* captured bytes end inside the fixed 20-byte TCP header */
    TL_AN_TCP_HLEN_TOO_SMALL,  /* data offset*4 < 20 */
    TL_AN_TCP_HLEN_TOO_LARGE,  /* data offset*4 > segment length */
    TL_AN_TCP_TRUNC_OPTS,      /* snapshot length cut inside the options */
    TL_AN_TCP_TRUNC_PAYLOAD,   /* snapshot length cut inside the payload */
    TL_AN_TCP_OPT_INVALID_LEN, /* option length < 2, past the header, or wrong for its kind */
    TL_AN_TCP_OPT_DUPLICATE,   /* the same option twice */
    TL_AN_TCP_OPT_WSCALE_BIG,  /* window scale shift > 14: treated as 14 (RFC 7323 §2.3) */
    TL_AN_TCP_OPT_AFTER_EOL,   /* non-zero bytes after end-of-options */
    TL_AN_TCP_CKSUM_FFFF,      /* checksum field 0xffff where 0x0000 was computed (RFC 1624) */
    TL_AN_ENCAP_TRUNC,         /* captured bytes end inside an encapsulation header */
    TL_AN_ENCAP_MALFORMED,     /* an encapsulation header contradicts itself */
    TL_AN_ENCAP_TOO_DEEP,      /* more encapsulation layers than we walk (TL_MAX_TUNNELS) */
    TL_AN_COUNT
};

const char *tl_anomaly_name(enum tl_anomaly a);
const char *tl_anomaly_text(enum tl_anomaly a);
bool tl_anomaly_is_fatal(enum tl_anomaly a);

/* Checksum verdicts (RFC 1071 ones' complement sums). */
enum tl_cksum {
    TL_CKSUM_UNVERIFIED = 0, /* not all bytes captured, or a fragment */
    TL_CKSUM_CORRECT,
    TL_CKSUM_INCORRECT,
    TL_CKSUM_OFFLOADED, /* TCP: the field holds the pseudo-header sum (left for the card) */
};

const char *tl_cksum_name(enum tl_cksum c);

/* Link types we decode (values are LINKTYPE_/DLT_ numbers as libpcap reports them). */
#define TL_DLT_NULL         0
#define TL_DLT_EN10MB       1
#define TL_DLT_PPP          9
#define TL_DLT_FDDI         10
#define TL_DLT_RAW          12 /* DLT_RAW on most platforms */
#define TL_DLT_RAW_OPENBSD  14 /* DLT_RAW on OpenBSD */
#define TL_DLT_PPP_SERIAL   50
#define TL_DLT_LINKTYPE_RAW 101
#define TL_DLT_LINUX_SLL    113
#define TL_DLT_LOOP         108
#define TL_DLT_IPV4         228
#define TL_DLT_IPV6         229
#define TL_DLT_LINUX_SLL2   276

/* ... and the ones under tunnels and on routers, firewalls and radios (link.c) */
#define TL_DLT_C_HDLC           104
#define TL_DLT_IEEE802_11       105
#define TL_DLT_ENC              109
#define TL_DLT_PFLOG            117
#define TL_DLT_IEEE802_11_RADIO 127
#define TL_DLT_IPNET            226
#define TL_DLT_NFLOG            239

bool tl_linktype_supported(int dlt);
const char *tl_linktype_name(int dlt);

#define TL_MAX_ANOMALIES   8
#define TL_MAX_TCP_OPTS    40 /* 40 option bytes at most, each option at least one */
#define TL_MAX_SACK_BLOCKS 4
#define TL_MAX_IP6_EXT     8
#define TL_MAX_VLAN        2
#define TL_MAX_IP_LAYERS   4 /* outer IP headers of tunnels, then the one carrying TCP */
/* encapsulation layers walked (and recorded) per packet: VLAN tags and MPLS labels count one
 * each; deeper is malformed (encap.too_deep) */
#define TL_MAX_TUNNELS 12

/* What the link layer said about the frame (kept so a stored packet can be re-rendered). */
struct tl_link {
    uint16_t dlt;
    uint16_t l3_offset; /* offset of the first IP header in the frame */
    uint16_t ethertype; /* of the network layer found */
    uint8_t n_vlan;
    uint16_t vlan[TL_MAX_VLAN];
    uint16_t sll_pkttype; /* Linux cooked captures: packet type (0 host ... 4 outgoing) */
    uint32_t sll_ifindex; /* Linux cooked v2: interface index */
    uint16_t non_ip;      /* 802.3 length of a non-SNAP LLC frame */
    uint8_t n_tunnels;    /* how many of p->tunnels lie below the first IP header */
    uint8_t n_layers;     /* how many of p->layers lie below the first IP header */
    bool ppp_hdlc;        /* PPP_SERIAL: the frame began with HDLC address and control ff 03 */
    uint32_t enc_spi;     /* ENC (OpenBSD enc(4)): the SPI */
    uint32_t enc_flags;   /* ENC: M_CONF 0x0400, M_AUTH 0x0800 (in the reader's byte order) */
};

/*
 * One encapsulation layer the packet came through, outermost first (p->tunnels). Kinds and
 * names: tl_tunnel_kind_name(). Which identifiers are set depends on the kind:
 *   vlan      id = VLAN id, pcp in tc, tpid = the tag's EtherType (0x8100, 0x88a8, ...)
 *   mpls      id = label, tc, s (bottom of stack), ttl
 *   pppoe     id = session id
 *   vntag     id = destination VIF, etag: id = E-CID (base)
 *   ip (IP-in-IP, 6in4, 4in6, 6in6), gre, vxlan, vxlan-gpe, geneve, gtpu, teredo, ayiya:
 *             ip_version, src/dst the outer addresses (ports for the UDP ones); gre: id = key
 *             when has_id, proto = protocol type; vxlan/geneve: id = VNI; gtpu: id = TEID;
 *   erspan    id = session id (ERSPAN II/III inside GRE); pw-eth: MPLS pseudowire Ethernet
 *   ieee80211 an 802.11 frame (Aruba GRE, link type 105/127)
 */
enum tl_tunnel_kind {
    TL_TUN_NONE = 0,
    TL_TUN_VLAN,
    TL_TUN_MPLS,
    TL_TUN_PPPOE,
    TL_TUN_VNTAG,
    TL_TUN_ETAG,
    TL_TUN_PW_ETH,
    TL_TUN_IP,
    TL_TUN_GRE,
    TL_TUN_ERSPAN,
    TL_TUN_VXLAN,
    TL_TUN_VXLAN_GPE,
    TL_TUN_GENEVE,
    TL_TUN_GTPU,
    TL_TUN_TEREDO,
    TL_TUN_AYIYA,
    TL_TUN_IEEE80211,
    TL_TUN_COUNT
};

const char *tl_tunnel_kind_name(enum tl_tunnel_kind k);

struct tl_packet;
/*
 * The identity of a packet's tunnel path that both directions share, 0 when not tunnelled:
 * kinds, VLAN ids, PPPoE sessions, VNIs, GRE keys and outer address pairs (in either order).
 * MPLS labels, TEIDs and PPTP call ids are left out: each direction has its own.
 */
uint64_t tl_tunnel_key(const struct tl_packet *p);

struct tl_tunnel {
    uint8_t kind;       /* enum tl_tunnel_kind */
    uint8_t ip_version; /* tunnels over IP: the outer IP version (src/dst), else 0 */
    uint8_t version;    /* GRE version, ERSPAN version, GTP version */
    bool has_id;        /* id is meaningful (GRE: key present) */
    uint8_t tc;         /* MPLS traffic class, VLAN priority */
    uint8_t s;          /* MPLS bottom of stack */
    uint8_t ttl;        /* MPLS TTL */
    uint16_t proto;     /* VLAN TPID, GRE protocol type, next EtherType */
    uint32_t id;
    uint16_t sport, dport; /* outer UDP ports */
    uint8_t src[16], dst[16];
};

/*
 * One header the packet came through, outermost first (p->layers), for drawing each: kind is
 * the tunnel kind of the header (TL_TUN_IP for every IP header) or TL_LAYER_* (TL_LAYER_SLL: a
 * Linux cooked header, v1 16 bytes or v2 20); off counts bytes from the frame's start for the
 * first link.n_layers, from the first IP header for the others; tunnel is 1 + the index in
 * p->tunnels of the tunnel it belongs to (an outer IP or UDP header to its VXLAN, ...), 0 for
 * none.
 */
enum { TL_LAYER_ETH = 32, TL_LAYER_UDP, TL_LAYER_TCP, TL_LAYER_SLL };
struct tl_layer {
    uint8_t kind;
    uint8_t tunnel;
    uint16_t off, len;
};
#define TL_MAX_LAYERS 32
const char *tl_layer_kind_name(unsigned kind);

struct tl_ip6_ext {
    uint8_t type;    /* next-header value that announced it */
    uint8_t next;    /* its own next-header field */
    uint16_t offset; /* from the start of the IPv6 header */
    uint16_t len;    /* bytes */
};

/* One IP header (v4 or v6). Offsets are relative to the l3 buffer given to the decoder. */
struct tl_ip {
    uint8_t version;
    uint16_t offset;        /* where this header starts */
    uint16_t header_length; /* v4: IHL*4; v6: 40 + extension headers */
    uint8_t tos;            /* v4 DS byte / v6 traffic class */
    uint32_t total_length;  /* v4 total length; v6 40 + payload length */
    /* IPv4 */
    uint16_t id;
    bool rf, df, mf;
    uint16_t frag_offset; /* in 8-byte units as on the wire */
    uint8_t ttl;          /* v4 TTL / v6 hop limit */
    uint8_t protocol;     /* v4 protocol / v6 upper-layer protocol after extensions */
    uint16_t checksum;
    uint16_t checksum_expected;
    enum tl_cksum checksum_status;
    /* IPv6 */
    uint32_t flow_label;
    uint16_t payload_length;
    uint32_t jumbo_length; /* RFC 2675 Jumbo Payload option's length, or 0 */
    uint8_t next_header;   /* fixed header's next-header */
    uint8_t n_ext;
    struct tl_ip6_ext ext[TL_MAX_IP6_EXT];
    bool has_frag_hdr; /* any fragment header, atomic or not */
    bool has_hoa;      /* Mobile-IPv6 home address option (RFC 6275) */
    uint8_t hoa[16];
    bool has_rt_dst; /* routing header with segments left: the final destination */
    uint8_t rt_dst[16];
    /* both */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
    bool fragment;            /* a piece of a fragmented datagram */
    uint32_t l4_length;       /* upper-layer bytes per the IP lengths */
};

/* One TCP option as walked (RFC 9293 §3.2, RFC 7323, RFC 2018). */
struct tl_tcp_opt {
    uint8_t kind;
    uint8_t length; /* bytes consumed: 1 for eol/nop, else the length byte (0 if unreadable) */
    uint8_t offset; /* from the start of the TCP header */
    uint8_t error;  /* enum tl_anomaly, 0 when well formed */
    union {
        uint16_t mss;
        uint8_t wscale; /* shift as sent (see tl_tcp.wscale_used for the one applied) */
        struct {
            uint32_t val, ecr;
        } ts;
        struct {
            uint8_t count;
            uint32_t edge[TL_MAX_SACK_BLOCKS][2];
        } sack;
    } v;
};

struct tl_tcp {
    uint16_t offset; /* from the start of the l3 buffer */
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t data_offset;    /* 32-bit words */
    uint16_t header_length; /* bytes */
    uint8_t reserved;       /* the 3 reserved bits */
    uint16_t flags;         /* the 9 flag bits incl. AE (0x100), as tshark's tcp.flags */
    uint16_t window;
    uint16_t checksum;
    uint16_t checksum_expected;
    enum tl_cksum checksum_status;
    uint16_t urgent_pointer;
    uint32_t payload_length;   /* from the IP lengths */
    uint32_t payload_captured; /* bytes of payload present */
    uint8_t n_opts;
    struct tl_tcp_opt opts[TL_MAX_TCP_OPTS];
    uint16_t opts_captured; /* option bytes present (< options length when cut) */
    /* the handshake options, -1 / false when absent */
    int32_t mss;
    int16_t wscale;      /* shift as sent */
    int16_t wscale_used; /* shift applied: min(shift, 14) */
    bool sack_permitted;
    bool has_ts;
    uint32_t ts_val, ts_ecr;
};

/* flag bits: tcp.h */

/*
 * A decoded packet. Pointers borrow the frame buffer given to tl_packet_decode(); the struct
 * is valid only while that buffer is.
 */
struct tl_packet {
    uint64_t frame; /* 1-based frame number in the capture */
    uint64_t pos;   /* where reading its record starts in the file (seek.h) */
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen;  /* bytes captured of the frame */
    uint32_t wirelen; /* bytes on the wire */
    struct tl_link link;
    const uint8_t *l3;   /* first IP header */
    uint32_t l3_avail;   /* bytes at l3 present in memory */
    uint32_t l3_caplen;  /* bytes at l3 that were captured (>= l3_avail) */
    uint32_t l3_wirelen; /* bytes at l3 on the wire */
    uint8_t n_ip;        /* IP layers, outermost first */
    struct tl_ip ip[TL_MAX_IP_LAYERS];
    uint8_t n_tunnels; /* encapsulation layers, outermost first */
    struct tl_tunnel tunnels[TL_MAX_TUNNELS];
    uint8_t n_layers; /* headers, outermost first (struct tl_layer) */
    struct tl_layer layers[TL_MAX_LAYERS];
    bool has_tcp; /* tcp is valid (the fixed header at least) */
    struct tl_tcp tcp;
    enum tl_anomaly fatal; /* why there is no usable TCP header, or TL_AN_NONE */
    const char *non_tcp;   /* kind of non-TCP packet ("arp", "udp", ...), or NULL */
    uint8_t n_anomalies;
    uint8_t anomalies[TL_MAX_ANOMALIES];
};

/* The innermost IP header, the one that carries TCP. */
static inline const struct tl_ip *tl_packet_ip(const struct tl_packet *p)
{
    return &p->ip[p->n_ip ? p->n_ip - 1 : 0];
}

/*
 * Decode one frame. Never fails: whatever cannot be decoded is recorded in p->fatal,
 * p->non_tcp and p->anomalies. `data` holds `caplen` bytes; checksums are computed.
 */
void tl_packet_decode(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t caplen,
                      uint32_t wirelen);

/*
 * Decode a frame of which only the first `avail` bytes are present (a stored record: the frame
 * from its start to the end of the TCP header); `caplen`/`wirelen` are what the capture held.
 * The same decoding as tl_packet_decode(), bounded by `avail`. With `verify` false, the
 * checksum verdicts are left for the caller to fill in from what was stored (the bytes they
 * were computed over are gone).
 */
void tl_packet_decode_frame(struct tl_packet *p, int dlt, const uint8_t *data, uint32_t avail,
                            uint32_t caplen, uint32_t wirelen, bool verify);

/* tcpdump's name of a TCP option kind ("mss", "TS", ...), or NULL for an unknown kind. */
const char *tl_tcp_option_name(uint8_t kind);

/* The TCP flags in tcpdump's letters ("S", "S.", "F.", "none"...), into buf (>= 16 bytes). */
const char *tl_tcp_flags_tcpdump(uint16_t flags, char *buf, size_t size);

/* Format an address of `version` 4 or 6 as text (inet_ntop), into buf (>= 46 bytes). */
const char *tl_addr_str(int version, const uint8_t *addr, char *buf, size_t size);

#endif
