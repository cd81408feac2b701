/*
 * anomaly.c - names and texts of anomalies, errors and checksum verdicts.
 *
 * One table per enum, indexed by value, so a name never drifts from its code.
 */
#include "tcplens.h"

struct anomaly_desc {
    const char *name;
    const char *text;
    bool fatal;
};

static const struct anomaly_desc anomalies[TL_AN_COUNT] = {
    [TL_AN_NONE] = { "none", "no anomaly", false },
    [TL_AN_LINK_TRUNC] = { "link.trunc_hdr", "frame shorter than its link-layer header", true },
    [TL_AN_LINK_UNKNOWN] = { "link.unsupported", "link type not decoded", true },
    [TL_AN_VLAN_TOO_DEEP] = { "link.vlan_too_deep", "more than 8 stacked VLAN tags", true },
    [TL_AN_IPV4_TRUNC_HDR] = { "ipv4.trunc_hdr", "captured bytes end inside the IPv4 header",
                               true },
    [TL_AN_IPV4_BAD_VERSION] = { "ipv4.bad_version", "IP version field is not 4", true },
    [TL_AN_IPV4_HLEN_TOO_SMALL] = { "ipv4.hlen_too_small", "IPv4 header length < 20", true },
    [TL_AN_IPV4_LEN_LT_HLEN] = { "ipv4.len_lt_hlen", "IPv4 total length < header length", true },
    [TL_AN_IPV4_LEN_GT_WIRE] = { "ipv4.len_gt_wire",
                                 "IPv4 total length exceeds the bytes on the wire", false },
    [TL_AN_IPV4_LEN_ZERO] = { "ipv4.len_zero",
                              "IPv4 total length 0 (segmentation offload): wire length used",
                              false },
    [TL_AN_IPV4_OPT_INVALID] = { "ipv4.opt_invalid", "malformed IPv4 option", false },
    [TL_AN_IPV4_FRAGMENT] = { "ipv4.fragment",
                              "first IPv4 fragment: segment not reassembled, checksum unverified",
                              false },
    [TL_AN_IPV6_TRUNC_HDR] = { "ipv6.trunc_hdr", "captured bytes end inside the IPv6 header",
                               true },
    [TL_AN_IPV6_BAD_VERSION] = { "ipv6.bad_version", "IP version field is not 6", true },
    [TL_AN_IPV6_LEN_GT_WIRE] = { "ipv6.len_gt_wire",
                                 "IPv6 payload length exceeds the bytes on the wire", false },
    [TL_AN_IPV6_EXT_TRUNC] = { "ipv6.exthdr_trunc", "IPv6 extension header runs past the packet",
                               true },
    [TL_AN_IPV6_EXT_TOO_MANY] = { "ipv6.exthdr_too_many", "more than 8 IPv6 extension headers",
                                  true },
    [TL_AN_IPV6_FRAGMENT] = { "ipv6.fragment",
                              "first IPv6 fragment: segment not reassembled, checksum unverified",
                              false },
    [TL_AN_TUNNEL_TOO_DEEP] = { "ip.tunnel_too_deep",
                                "IP headers nested deeper than 4 (tunnels inside tunnels)", true },
    [TL_AN_TCP_TRUNC_HDR] = { "tcp.trunc_hdr", "captured bytes end inside the 20-byte TCP header",
                              true },
    [TL_AN_TCP_HLEN_TOO_SMALL] = { "tcp.hlen_too_small", "TCP header length < 20", true },
    [TL_AN_TCP_HLEN_TOO_LARGE] = { "tcp.hlen_too_large",
                                   "TCP header length exceeds the segment length", true },
    [TL_AN_TCP_TRUNC_OPTS] = { "tcp.trunc_opts", "snapshot length cut the TCP options", false },
    [TL_AN_TCP_TRUNC_PAYLOAD] = { "tcp.trunc_payload",
                                  "snapshot length cut the payload: checksum unverified", false },
    [TL_AN_TCP_OPT_INVALID_LEN] = { "tcp.opt_invalid_len", "TCP option with an invalid length",
                                    false },
    [TL_AN_TCP_OPT_DUPLICATE] = { "tcp.opt_duplicate", "TCP option present twice", false },
    [TL_AN_TCP_OPT_WSCALE_BIG] = { "tcp.opt_wscale_too_big",
                                   "window scale shift > 14: treated as 14 (RFC 7323 2.3)", false },
    [TL_AN_TCP_OPT_AFTER_EOL] = { "tcp.opt_data_after_eol",
                                  "non-zero bytes after the end-of-options option", false },
    [TL_AN_TCP_CKSUM_FFFF] = { "tcp.cksum_ffff",
                               "checksum field 0xffff for a computed 0x0000: the same value in "
                               "ones' complement (RFC 1624), Wireshark calls it bad",
                               false },
    [TL_AN_ENCAP_TRUNC] = { "encap.trunc_hdr",
                            "captured bytes end inside an encapsulation header (VLAN, MPLS, "
                            "PPPoE, GRE, VXLAN, Geneve, GTP-U, ...)",
                            true },
    [TL_AN_ENCAP_MALFORMED] = { "encap.malformed", "an encapsulation header contradicts itself",
                                true },
    [TL_AN_ENCAP_TOO_DEEP] = { "encap.too_deep",
                               "more than 12 encapsulation layers (tags, labels, tunnels)", true },
};

const char *tl_anomaly_name(enum tl_anomaly a)
{
    return (unsigned)a < TL_AN_COUNT && anomalies[a].name ? anomalies[a].name : "unknown";
}

const char *tl_anomaly_text(enum tl_anomaly a)
{
    return (unsigned)a < TL_AN_COUNT && anomalies[a].text ? anomalies[a].text : "unknown";
}

bool tl_anomaly_is_fatal(enum tl_anomaly a)
{
    return (unsigned)a < TL_AN_COUNT && anomalies[a].fatal;
}

const char *tl_cksum_name(enum tl_cksum c)
{
    switch (c) {
        case TL_CKSUM_CORRECT:
            return "correct";
        case TL_CKSUM_INCORRECT:
            return "incorrect";
        case TL_CKSUM_OFFLOADED:
            return "offloaded";
        case TL_CKSUM_UNVERIFIED:
            break;
    }
    return "unverified";
}

const char *tl_strerror(enum tl_err err)
{
    static const char *const text[] = {
        [TL_OK] = "success",
        [TL_E_TRUNCATED] = "input truncated",
        [TL_E_MALFORMED] = "malformed input",
        [TL_E_TOO_LARGE] = "limit exceeded",
        [TL_E_NOMEM] = "out of memory",
        [TL_E_IO] = "input/output error",
        [TL_E_FORMAT] = "not a capture file",
        [TL_E_UNSUPPORTED] = "unsupported link type",
        [TL_E_USAGE] = "usage error",
    };
    if ((unsigned)err < sizeof text / sizeof text[0] && text[err]) {
        return text[err];
    }
    return "unknown error";
}
