/*
 * render_json.c - the capture document (schema/openapi.yaml) through the streaming writer:
 * the capture object, flows, and each packet with every IP and TCP header field, its options,
 * checksum verdicts and the bit-level `fields` breakdown a page needs to draw the header
 * diagram.
 *
 * Written as streaming text through tl_jw (json_writer.h), one element at a time: a
 * capture can hold millions of packets, and a Jansson tree per flow costs ~12 us.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cursor.h"
#include "layer_words.h"
#include "tcp.h"
#include "render.h"

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

const char *tl_rfc3339(int64_t sec, uint32_t nsec, bool nsec_digits, char *buf, size_t size)
{
    /* the date part changes once a second: keep the last one (per thread) */
    static _Thread_local int64_t last_sec = INT64_MIN;
    static _Thread_local char date[20]; /* YYYY-MM-DDTHH:MM:SS */
    if (size < 32) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return buf;
    }
    if (sec != last_sec) {
        struct tm tm;
        time_t t = (time_t)sec;
        if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
            snprintf(buf, size, "invalid");
            return buf;
        }
        unsigned y = (unsigned)(tm.tm_year + 1900);
        put2(date, y / 100);
        put2(date + 2, y % 100);
        date[4] = '-';
        put2(date + 5, (unsigned)tm.tm_mon + 1);
        date[7] = '-';
        put2(date + 8, (unsigned)tm.tm_mday);
        date[10] = 'T';
        put2(date + 11, (unsigned)tm.tm_hour);
        date[13] = ':';
        put2(date + 14, (unsigned)tm.tm_min);
        date[16] = ':';
        put2(date + 17, (unsigned)tm.tm_sec);
        last_sec = sec;
    }
    memcpy(buf, date, 19);
    buf[19] = '.';
    unsigned digits = nsec_digits ? 9 : 6;
    uint32_t frac = nsec_digits ? nsec : nsec / 1000;
    for (unsigned i = digits; i > 0; i--) {
        buf[19 + i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    buf[20 + digits] = 'Z';
    buf[21 + digits] = '\0';
    return buf;
}

static void addr_val(struct tl_jw *w, int version, const uint8_t *a)
{
    char b[64];
    tl_jw_str(w, tl_addr_str(version, a, b, sizeof b));
}

/* One encapsulation layer: its kind and the identifiers it carries (tcplens.h, tl_tunnel). */
static void tunnel_write(struct tl_jw *w, const struct tl_tunnel *t)
{
    tl_jw_obj(w);
    tl_jw_kstr(w, "kind", tl_tunnel_kind_name((enum tl_tunnel_kind)t->kind));
    switch ((enum tl_tunnel_kind)t->kind) {
        case TL_TUN_VLAN:
            tl_jw_kuint(w, "vlan", t->id);
            tl_jw_kuint(w, "pcp", t->tc);
            tl_jw_key(w, "tpid");
            tl_jw_hex16(w, t->proto);
            break;
        case TL_TUN_MPLS:
            tl_jw_kuint(w, "label", t->id);
            tl_jw_kuint(w, "tc", t->tc);
            tl_jw_kbool(w, "s", t->s != 0);
            tl_jw_kuint(w, "ttl", t->ttl);
            break;
        case TL_TUN_PPPOE:
            tl_jw_kuint(w, "session_id", t->id);
            break;
        case TL_TUN_VNTAG:
            tl_jw_kuint(w, "dst_vif", t->id);
            break;
        case TL_TUN_ETAG:
            tl_jw_kuint(w, "ecid", t->id);
            break;
        case TL_TUN_ERSPAN:
            tl_jw_kuint(w, "version", t->version);
            if (t->has_id) {
                tl_jw_kuint(w, "session_id", t->id);
            }
            break;
        case TL_TUN_GRE:
            tl_jw_kuint(w, "version", t->version);
            tl_jw_key(w, "protocol");
            tl_jw_hex16(w, t->proto);
            if (t->has_id) {
                tl_jw_kuint(w, t->version == 1 ? "call_id" : "key", t->id);
            }
            break;
        case TL_TUN_VXLAN:
        case TL_TUN_VXLAN_GPE:
        case TL_TUN_GENEVE:
            tl_jw_kuint(w, "vni", t->id);
            break;
        case TL_TUN_GTPU:
            tl_jw_kuint(w, "teid", t->id);
            break;
        default:
            break;
    }
    if (t->ip_version) {
        tl_jw_key(w, "outer_src");
        addr_val(w, t->ip_version, t->src);
        tl_jw_key(w, "outer_dst");
        addr_val(w, t->ip_version, t->dst);
    }
    if (t->sport || t->dport) {
        tl_jw_kuint(w, "outer_src_port", t->sport);
        tl_jw_kuint(w, "outer_dst_port", t->dport);
    }
    tl_jw_obj_end(w);
}

/*
 * A tunnel path, outermost first: a timeline packet's own (its record keeps the frame from its
 * start, so every layer is decoded again from the packet), or, for the flow, its first
 * packet's (the first TL_FLOW_TUNNELS layers).
 */
static void tunnels_write(struct tl_jw *w, const struct tl_flow *f, const struct tl_packet *p)
{
    tl_jw_key(w, "tunnels");
    tl_jw_arr(w);
    if (p) {
        for (unsigned i = 0; i < p->n_tunnels; i++) {
            tunnel_write(w, &p->tunnels[i]);
        }
    } else if (f) {
        for (unsigned i = 0; i < f->n_tunnels && i < TL_FLOW_TUNNELS; i++) {
            tunnel_write(w, &f->tunnels[i]);
        }
    }
    tl_jw_arr_end(w);
}

static void hex_val(struct tl_jw *w, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char b[2 * 256];
    if (n > 256) {
        n = 256;
    }
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = digits[p[i] >> 4];
        b[2 * i + 1] = digits[p[i] & 0xf];
    }
    tl_jw_strn(w, b, 2 * n);
}

static int64_t us_between(int64_t s0, uint32_t n0, int64_t s1, uint32_t n1)
{
    return (s1 - s0) * 1000000 + ((int64_t)n1 - (int64_t)n0) / 1000;
}

/* ---- fields: every header field in wire order, with its bit position ---- */

enum fval {
    FV_UINT,
    FV_BOOL,
    FV_HEX16,
    FV_ADDR4,
    FV_ADDR6,
    FV_BYTES,
    FV_MAC,
};

struct field {
    const char *name;
    unsigned off, width;
    enum fval kind;
    uint64_t v;
    const uint8_t *bytes; /* FV_ADDR*, FV_BYTES */
    size_t nbytes;
    const char *meaning;
};

static void field_write(struct tl_jw *w, const char *layer, unsigned index, const struct field *f)
{
    tl_jw_obj(w);
    tl_jw_kstr(w, "layer", layer);
    tl_jw_kuint(w, "layer_index", index);
    tl_jw_kstr(w, "name", f->name);
    tl_jw_kuint(w, "offset_bits", f->off);
    tl_jw_kuint(w, "width_bits", f->width);
    tl_jw_key(w, "value");
    switch (f->kind) {
        case FV_UINT:
            tl_jw_uint(w, f->v);
            break;
        case FV_BOOL:
            tl_jw_bool(w, f->v != 0);
            break;
        case FV_HEX16:
            tl_jw_hex16(w, (uint16_t)f->v);
            break;
        case FV_ADDR4:
            addr_val(w, 4, f->bytes);
            break;
        case FV_ADDR6:
            addr_val(w, 6, f->bytes);
            break;
        case FV_BYTES:
            hex_val(w, f->bytes, f->nbytes);
            break;
        case FV_MAC: {
            char mac[18];
            snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x",
                     (unsigned)(f->v >> 40 & 0xff), (unsigned)(f->v >> 32 & 0xff),
                     (unsigned)(f->v >> 24 & 0xff), (unsigned)(f->v >> 16 & 0xff),
                     (unsigned)(f->v >> 8 & 0xff), (unsigned)(f->v & 0xff));
            tl_jw_str(w, mac);
            break;
        }
    }
    tl_jw_key(w, "hex");
    if (f->width <= 64 && f->kind != FV_BYTES) {
        char hex[24];
        snprintf(hex, sizeof hex, "0x%0*llx", (int)((f->width + 3) / 4), (unsigned long long)f->v);
        tl_jw_str(w, hex);
    } else {
        tl_jw_null(w);
    }
    tl_jw_kstr(w, "meaning", f->meaning);
    tl_jw_obj_end(w);
}

static void fields_ipv4(struct tl_jw *w, unsigned index, const struct tl_ip *ip, const uint8_t *hdr)
{
    const struct field fs[] = {
        { "version", 0, 4, FV_UINT, ip->version, NULL, 0, "IP version: 4" },
        { "header_length", 4, 4, FV_UINT, ip->header_length / 4u, NULL, 0,
          "header length (IHL) in 32-bit words: x4 = bytes" },
        { "dscp", 8, 6, FV_UINT, ip->tos >> 2u, NULL, 0,
          "differentiated services code point: the packet's traffic class" },
        { "ecn", 14, 2, FV_UINT, ip->tos & 3u, NULL, 0,
          "explicit congestion notification (RFC 3168)" },
        { "total_length", 16, 16, FV_UINT, ip->total_length, NULL, 0,
          "length of the whole IP packet in bytes, header included" },
        { "id", 32, 16, FV_UINT, ip->id, NULL, 0,
          "identification: ties the fragments of one datagram together" },
        { "reserved", 48, 1, FV_BOOL, ip->rf, NULL, 0, "reserved flag, must be 0" },
        { "df", 49, 1, FV_BOOL, ip->df, NULL, 0, "don't fragment" },
        { "mf", 50, 1, FV_BOOL, ip->mf, NULL, 0, "more fragments follow" },
        { "fragment_offset", 51, 13, FV_UINT, ip->frag_offset, NULL, 0,
          "where this fragment's data sits in the datagram, in 8-byte units" },
        { "ttl", 64, 8, FV_UINT, ip->ttl, NULL, 0,
          "time to live: hops left before a router drops the packet" },
        { "protocol", 72, 8, FV_UINT, ip->protocol, NULL, 0, "the protocol inside: 6 is TCP" },
        { "checksum", 80, 16, FV_HEX16, ip->checksum, NULL, 0,
          "header checksum (RFC 1071), over the IP header only" },
        { "src", 96, 32, FV_ADDR4,
          (uint64_t)hdr[12] << 24 | (uint64_t)hdr[13] << 16 | (uint64_t)hdr[14] << 8 | hdr[15],
          ip->src, 4, "source address" },
        { "dst", 128, 32, FV_ADDR4,
          (uint64_t)hdr[16] << 24 | (uint64_t)hdr[17] << 16 | (uint64_t)hdr[18] << 8 | hdr[19],
          ip->dst, 4, "destination address" },
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        field_write(w, "ip", index, &fs[i]);
    }
    if (ip->header_length > IPV4_HDR_MIN_LEN) {
        unsigned n = ip->header_length - IPV4_HDR_MIN_LEN;
        struct field f = { "options", 160,
                           n * 8,     FV_BYTES,
                           0,         hdr + IPV4_HDR_MIN_LEN,
                           n,         "IP options (record route, router alert, ...)" };
        field_write(w, "ip", index, &f);
    }
}

static const char *ext_name(uint8_t type)
{
    switch (type) {
        case IPPROTO_NUM_HOPOPTS:
            return "hop-by-hop";
        case IPPROTO_NUM_ROUTING:
            return "routing";
        case IPPROTO_NUM_FRAGMENT:
            return "fragment";
        case IPPROTO_NUM_DSTOPTS:
            return "destination-options";
        case IPPROTO_NUM_AH:
            return "authentication";
        case IPPROTO_NUM_MOBILITY:
            return "mobility";
        default:
            return "unknown";
    }
}

static void fields_ipv6(struct tl_jw *w, unsigned index, const struct tl_ip *ip, const uint8_t *hdr)
{
    const struct field fs[] = {
        { "version", 0, 4, FV_UINT, ip->version, NULL, 0, "IP version: 6" },
        { "traffic_class", 4, 8, FV_UINT, ip->tos, NULL, 0,
          "traffic class: DSCP (6 bits) and ECN (2 bits)" },
        { "flow_label", 12, 20, FV_UINT, ip->flow_label, NULL, 0,
          "flow label: marks the packets of one flow for routers" },
        { "payload_length", 32, 16, FV_UINT, ip->payload_length, NULL, 0,
          "bytes after this 40-byte header, extension headers included" },
        { "next_header", 48, 8, FV_UINT, ip->next_header, NULL, 0,
          "the header that follows: 6 is TCP" },
        { "hop_limit", 56, 8, FV_UINT, ip->ttl, NULL, 0,
          "hops left before a router drops the packet" },
        { "src", 64, 128, FV_ADDR6, 0, ip->src, 16, "source address" },
        { "dst", 192, 128, FV_ADDR6, 0, ip->dst, 16, "destination address" },
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        field_write(w, "ip", index, &fs[i]);
    }
    for (unsigned i = 0; i < ip->n_ext; i++) {
        const struct tl_ip6_ext *e = &ip->ext[i];
        struct field f = { ext_name(e->type),
                           e->offset * 8u,
                           e->len * 8u,
                           FV_BYTES,
                           0,
                           hdr + e->offset,
                           e->len,
                           "IPv6 extension header" };
        field_write(w, "ip", index, &f);
    }
}

static const char *const tcp_flag_name[9] = { "fin", "syn", "rst", "psh", "ack",
                                              "urg", "ece", "cwr", "ae" };
static const char *const tcp_flag_meaning[9] = {
    "FIN: the sender has no more data to send",
    "SYN: synchronize sequence numbers (opens a connection)",
    "RST: reset the connection",
    "PSH: push the data to the application now",
    "ACK: the acknowledgement number is valid",
    "URG: the urgent pointer is valid",
    "ECE: ECN echo (RFC 3168)",
    "CWR: congestion window reduced (RFC 3168)",
    "AE: accurate ECN (formerly NS, RFC 3540)",
};

static void fields_tcp(struct tl_jw *w, unsigned index, const struct tl_tcp *t, const uint8_t *hdr)
{
    const struct field head[] = {
        { "src_port", 0, 16, FV_UINT, t->src_port, NULL, 0,
          "source port: the sending application's port" },
        { "dst_port", 16, 16, FV_UINT, t->dst_port, NULL, 0,
          "destination port: the receiving application's port" },
        { "seq", 32, 32, FV_UINT, t->seq, NULL, 0,
          "sequence number: position of this segment's first byte in the sender's stream" },
        { "ack", 64, 32, FV_UINT, t->ack, NULL, 0,
          "acknowledgement number: the next byte the sender expects from its peer" },
        { "data_offset", 96, 4, FV_UINT, t->data_offset, NULL, 0,
          "header length (HL) in 32-bit words: x4 = bytes" },
        { "reserved", 100, 3, FV_UINT, t->reserved, NULL, 0, "reserved bits, must be 0" },
    };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        field_write(w, "tcp", index, &head[i]);
    }
    for (int bit = 8; bit >= 0; bit--) {
        struct field f = {
            tcp_flag_name[bit],   111u - (unsigned)bit, 1, FV_BOOL, (t->flags >> bit) & 1u, NULL, 0,
            tcp_flag_meaning[bit]
        };
        field_write(w, "tcp", index, &f);
    }
    const struct field tail[] = {
        { "window", 112, 16, FV_UINT, t->window, NULL, 0,
          "window: how many more bytes the sender can receive (before scaling)" },
        { "checksum", 128, 16, FV_HEX16, t->checksum, NULL, 0,
          "checksum over a pseudo-header, the TCP header and the data" },
        { "urgent_pointer", 144, 16, FV_UINT, t->urgent_pointer, NULL, 0,
          "urgent pointer: end of urgent data when URG is set" },
    };
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
        field_write(w, "tcp", index, &tail[i]);
    }
    if (t->header_length > TCP_HDR_MIN_LEN) {
        struct field f = { "options",
                           160,
                           (unsigned)(t->header_length - TCP_HDR_MIN_LEN) * 8,
                           FV_BYTES,
                           0,
                           hdr + TCP_HDR_MIN_LEN,
                           t->opts_captured,
                           "options: MSS, window scale, SACK, timestamps..." };
        field_write(w, "tcp", index, &f);
    }
}

/* ---- the headers below TCP: link layers, tunnels, UDP (layer_words.c has their words) ---- */

/* One header's bytes as drawn: fields are read from b (n bytes present), offsets in bits from
 * the header's start. */
struct lhdr {
    struct tl_jw *w;
    const char *layer;
    const struct tl_layer_words *words;
    unsigned index;
    const uint8_t *b;
    size_t n;
};

/* `width` bits at bit `off` of b, big-endian; false when they are not all present. */
static bool bits_get(const uint8_t *b, size_t n, unsigned off, unsigned width, uint64_t *v)
{
    unsigned first = off / 8, last = (off + width - 1) / 8;
    if (width == 0 || width > 56 || last >= n || last - first >= 8) {
        return false;
    }
    uint64_t x = 0;
    for (unsigned i = first; i <= last; i++) {
        x = x << 8 | b[i];
    }
    x >>= (last + 1) * 8 - (off + width);
    *v = x & (((uint64_t)1 << width) - 1);
    return true;
}

static void lf(const struct lhdr *h, const char *name, unsigned off, unsigned width, enum fval kind)
{
    struct field f = { name, off, width, kind, 0, NULL, 0, tl_layer_field_meaning(h->words, name) };
    if (kind == FV_BYTES) {
        if (off % 8 || width % 8 || off / 8 > h->n || width / 8 > h->n - off / 8) {
            return;
        }
        f.bytes = h->b + off / 8;
        f.nbytes = width / 8;
    } else if (!bits_get(h->b, h->n, off, width, &f.v)) {
        return;
    }
    field_write(h->w, h->layer, h->index, &f);
}

static void hdr_gre(const struct lhdr *h)
{
    uint64_t fl = 0;
    if (!bits_get(h->b, h->n, 0, 16, &fl)) {
        return;
    }
    unsigned ver = fl & 7;
    lf(h, "checksum_present", 0, 1, FV_BOOL);
    lf(h, "routing_present", 1, 1, FV_BOOL);
    lf(h, "key_present", 2, 1, FV_BOOL);
    lf(h, "seq_present", 3, 1, FV_BOOL);
    lf(h, "strict_route", 4, 1, FV_BOOL);
    lf(h, "recursion", 5, 3, FV_UINT);
    if (ver == 1) {
        lf(h, "ack_present", 8, 1, FV_BOOL);
        lf(h, "flags", 9, 4, FV_UINT);
    } else {
        lf(h, "flags", 8, 5, FV_UINT);
    }
    lf(h, "version", 13, 3, FV_UINT);
    lf(h, "protocol", 16, 16, FV_HEX16);
    unsigned off = 32;
    if (ver == 0 && (fl & 0xc000)) {
        lf(h, "checksum", off, 16, FV_HEX16);
        lf(h, "offset", off + 16, 16, FV_UINT);
        off += 32;
    }
    if (fl & 0x2000) {
        if (ver == 1) {
            lf(h, "payload_length", off, 16, FV_UINT);
            lf(h, "call_id", off + 16, 16, FV_UINT);
        } else {
            lf(h, "key", off, 32, FV_UINT);
        }
        off += 32;
    }
    if (fl & 0x1000) {
        lf(h, "seq", off, 32, FV_UINT);
        off += 32;
    }
    if (ver == 1 && (fl & 0x0080)) {
        lf(h, "ack", off, 32, FV_UINT);
        off += 32;
    }
    if (ver == 0 && (fl & 0x4000) && h->n * 8 > off) {
        lf(h, "routing", off, (unsigned)h->n * 8 - off, FV_BYTES);
    }
}

static void hdr_erspan(const struct lhdr *h)
{
    if (h->n < 8) {
        return; /* type I: no header */
    }
    lf(h, "version", 0, 4, FV_UINT);
    lf(h, "vlan", 4, 12, FV_UINT);
    lf(h, "cos", 16, 3, FV_UINT);
    if (h->n == 8) { /* type II */
        lf(h, "encap", 19, 2, FV_UINT);
        lf(h, "truncated", 21, 1, FV_BOOL);
        lf(h, "session_id", 22, 10, FV_UINT);
        lf(h, "reserved", 32, 12, FV_UINT);
        lf(h, "index", 44, 20, FV_UINT);
        return;
    }
    lf(h, "bso", 19, 2, FV_UINT);
    lf(h, "truncated", 21, 1, FV_BOOL);
    lf(h, "session_id", 22, 10, FV_UINT);
    lf(h, "timestamp", 32, 32, FV_UINT);
    lf(h, "sgt", 64, 16, FV_UINT);
    lf(h, "p", 80, 1, FV_BOOL);
    lf(h, "ft", 81, 5, FV_UINT);
    lf(h, "hw_id", 86, 6, FV_UINT);
    lf(h, "direction", 92, 1, FV_UINT);
    lf(h, "gra", 93, 2, FV_UINT);
    lf(h, "o", 95, 1, FV_BOOL);
    if (h->n >= 20) {
        lf(h, "platform", 96, 64, FV_BYTES);
    }
}

static void hdr_teredo(const struct lhdr *h)
{
    size_t o = 0;
    while (o + 2 <= h->n) {
        unsigned at = (unsigned)o * 8;
        if (h->b[o] == 0 && h->b[o + 1] == 1 && o + 4 <= h->n) { /* authentication */
            size_t len = 4 + (size_t)h->b[o + 2] + h->b[o + 3] + 9;
            lf(h, "auth_type", at, 16, FV_HEX16);
            lf(h, "auth_id_len", at + 16, 8, FV_UINT);
            lf(h, "auth_len", at + 24, 8, FV_UINT);
            if (o + len <= h->n) {
                lf(h, "authentication", at + 32, (unsigned)(len - 4) * 8, FV_BYTES);
            }
            o += len;
        } else if (h->b[o] == 0 && h->b[o + 1] == 0) { /* origin indication */
            lf(h, "origin_type", at, 16, FV_HEX16);
            lf(h, "origin_port", at + 16, 16, FV_HEX16);
            lf(h, "origin_addr", at + 32, 32, FV_UINT);
            o += 8;
        } else {
            break;
        }
    }
}

/* A Linux cooked header: v1 (16 bytes) or v2 (20), its 8-byte address field as the link-layer
 * address (halen bytes, a MAC for 6) and what is left of it. */
static void hdr_sll(const struct lhdr *h)
{
    unsigned at = 48; /* the address field */
    uint64_t halen = 0;
    if (h->n >= 20) {
        lf(h, "type", 0, 16, FV_HEX16);
        lf(h, "reserved", 16, 16, FV_HEX16);
        lf(h, "ifindex", 32, 32, FV_UINT);
        lf(h, "hatype", 64, 16, FV_UINT);
        lf(h, "pkttype", 80, 8, FV_UINT);
        lf(h, "halen", 88, 8, FV_UINT);
        bits_get(h->b, h->n, 88, 8, &halen);
        at = 96;
    } else {
        lf(h, "pkttype", 0, 16, FV_UINT);
        lf(h, "hatype", 16, 16, FV_UINT);
        lf(h, "halen", 32, 16, FV_UINT);
        bits_get(h->b, h->n, 32, 16, &halen);
    }
    unsigned used = halen > 8 ? 8 : (unsigned)halen;
    if (used == 6) {
        lf(h, "src", at, 48, FV_MAC);
    } else if (used > 0) {
        lf(h, "src", at, used * 8, FV_BYTES);
    }
    if (used < 8) {
        lf(h, "unused", at + used * 8, (8 - used) * 8, FV_BYTES);
    }
    if (h->n < 20) {
        lf(h, "type", 112, 16, FV_HEX16);
    }
}

static void hdr_fields(const struct lhdr *h, unsigned kind)
{
    switch (kind) {
        case TL_LAYER_ETH:
            lf(h, "dst", 0, 48, FV_MAC);
            lf(h, "src", 48, 48, FV_MAC);
            lf(h, "type", 96, 16, FV_HEX16);
            break;
        case TL_TUN_VLAN:
            lf(h, "pcp", 0, 3, FV_UINT);
            lf(h, "dei", 3, 1, FV_BOOL);
            lf(h, "vid", 4, 12, FV_UINT);
            lf(h, "type", 16, 16, FV_HEX16);
            break;
        case TL_TUN_MPLS:
            lf(h, "label", 0, 20, FV_UINT);
            lf(h, "tc", 20, 3, FV_UINT);
            lf(h, "s", 23, 1, FV_BOOL);
            lf(h, "ttl", 24, 8, FV_UINT);
            break;
        case TL_LAYER_SLL:
            hdr_sll(h);
            break;
        case TL_TUN_PW_ETH:
            lf(h, "reserved", 0, 16, FV_HEX16);
            lf(h, "sequence", 16, 16, FV_UINT);
            break;
        case TL_TUN_PPPOE: {
            lf(h, "version", 0, 4, FV_UINT);
            lf(h, "type", 4, 4, FV_UINT);
            lf(h, "code", 8, 8, FV_UINT);
            lf(h, "session_id", 16, 16, FV_HEX16);
            lf(h, "length", 32, 16, FV_UINT);
            unsigned at = h->n >= 10 && h->b[6] == 0xff && h->b[7] == 0x03 ? 64 : 48;
            lf(h, "ppp_protocol", at, h->n * 8 == at + 8 ? 8 : 16, FV_HEX16);
            break;
        }
        case TL_TUN_VNTAG:
            lf(h, "direction", 0, 1, FV_BOOL);
            lf(h, "pointer", 1, 1, FV_BOOL);
            lf(h, "dst_vif", 2, 14, FV_UINT);
            lf(h, "looped", 16, 1, FV_BOOL);
            lf(h, "reserved", 17, 1, FV_UINT);
            lf(h, "version", 18, 2, FV_UINT);
            lf(h, "src_vif", 20, 12, FV_UINT);
            lf(h, "type", 32, 16, FV_HEX16);
            break;
        case TL_TUN_ETAG:
            lf(h, "pcp", 0, 3, FV_UINT);
            lf(h, "dei", 3, 1, FV_BOOL);
            lf(h, "ingress_ecid_base", 4, 12, FV_UINT);
            lf(h, "reserved", 16, 2, FV_UINT);
            lf(h, "grp", 18, 2, FV_UINT);
            lf(h, "ecid_base", 20, 12, FV_UINT);
            lf(h, "ingress_ecid_ext", 32, 8, FV_UINT);
            lf(h, "ecid_ext", 40, 8, FV_UINT);
            lf(h, "type", 48, 16, FV_HEX16);
            break;
        case TL_TUN_IEEE80211:
            lf(h, "frame_control", 0, 16, FV_HEX16);
            lf(h, "duration", 16, 16, FV_UINT);
            lf(h, "addr1", 32, 48, FV_MAC);
            lf(h, "addr2", 80, 48, FV_MAC);
            lf(h, "addr3", 128, 48, FV_MAC);
            lf(h, "seq_ctrl", 176, 16, FV_HEX16);
            break;
        case TL_LAYER_UDP:
            lf(h, "src_port", 0, 16, FV_UINT);
            lf(h, "dst_port", 16, 16, FV_UINT);
            lf(h, "length", 32, 16, FV_UINT);
            lf(h, "checksum", 48, 16, FV_HEX16);
            break;
        case TL_TUN_GRE:
            hdr_gre(h);
            break;
        case TL_TUN_ERSPAN:
            hdr_erspan(h);
            break;
        case TL_TUN_VXLAN:
            lf(h, "flags", 0, 8, FV_UINT);
            lf(h, "reserved", 8, 24, FV_UINT);
            lf(h, "vni", 32, 24, FV_UINT);
            lf(h, "reserved2", 56, 8, FV_UINT);
            break;
        case TL_TUN_VXLAN_GPE:
            lf(h, "flags", 0, 8, FV_UINT);
            lf(h, "reserved", 8, 16, FV_UINT);
            lf(h, "next_protocol", 24, 8, FV_UINT);
            lf(h, "vni", 32, 24, FV_UINT);
            lf(h, "reserved2", 56, 8, FV_UINT);
            break;
        case TL_TUN_GENEVE:
            lf(h, "version", 0, 2, FV_UINT);
            lf(h, "opt_len", 2, 6, FV_UINT);
            lf(h, "oam", 8, 1, FV_BOOL);
            lf(h, "critical", 9, 1, FV_BOOL);
            lf(h, "reserved", 10, 6, FV_UINT);
            lf(h, "protocol", 16, 16, FV_HEX16);
            lf(h, "vni", 32, 24, FV_UINT);
            lf(h, "reserved2", 56, 8, FV_UINT);
            if (h->n > 8) {
                lf(h, "options", 64, (unsigned)(h->n - 8) * 8, FV_BYTES);
            }
            break;
        case TL_TUN_GTPU:
            lf(h, "version", 0, 3, FV_UINT);
            lf(h, "pt", 3, 1, FV_BOOL);
            lf(h, "reserved", 4, 1, FV_UINT);
            lf(h, "e", 5, 1, FV_BOOL);
            lf(h, "s", 6, 1, FV_BOOL);
            lf(h, "pn", 7, 1, FV_BOOL);
            lf(h, "message_type", 8, 8, FV_UINT);
            lf(h, "length", 16, 16, FV_UINT);
            lf(h, "teid", 32, 32, FV_UINT);
            if (h->n >= 12) {
                lf(h, "seq", 64, 16, FV_UINT);
                lf(h, "npdu", 80, 8, FV_UINT);
                lf(h, "next_ext", 88, 8, FV_UINT);
            }
            if (h->n > 12) {
                lf(h, "extensions", 96, (unsigned)(h->n - 12) * 8, FV_BYTES);
            }
            break;
        case TL_TUN_TEREDO:
            hdr_teredo(h);
            break;
        case TL_TUN_AYIYA: {
            lf(h, "id_len", 0, 4, FV_UINT);
            lf(h, "id_type", 4, 4, FV_UINT);
            lf(h, "sig_len", 8, 4, FV_UINT);
            lf(h, "hash_method", 12, 4, FV_UINT);
            lf(h, "auth_method", 16, 4, FV_UINT);
            lf(h, "opcode", 20, 4, FV_UINT);
            lf(h, "next_header", 24, 8, FV_UINT);
            lf(h, "epoch", 32, 32, FV_UINT);
            if (h->n >= 2) {
                unsigned idn = 1u << (h->b[0] >> 4), sign = (h->b[1] >> 4) * 4u;
                lf(h, "identity", 64, idn * 8, FV_BYTES);
                if (sign) {
                    lf(h, "signature", 64 + idn * 8, sign * 8, FV_BYTES);
                }
            }
            break;
        }
        default:
            break;
    }
}

/* One header of the packet: what `layers` says of it. */
struct hdr_ref {
    unsigned kind;
    int tunnel;       /* index in the packet's `tunnels`, -1 for none */
    const uint8_t *b; /* its bytes, NULL when none of them is present */
    size_t n;         /* bytes present */
    size_t len;       /* its length */
    const struct tl_ip *ip;
};

/*
 * The packet's headers, outermost first, as the decoder found them in the packet's record
 * (the frame from its start: its link header, tags, labels and tunnels, every IP header, TCP).
 * Returns how many (at most `max`).
 */
static size_t hdr_refs(const struct tl_packet *p, struct hdr_ref *out, size_t max)
{
    size_t k = 0;
    const uint8_t *frame = p->l3 - p->link.l3_offset;
    size_t avail = (size_t)p->link.l3_offset + p->l3_avail; /* bytes of the frame present */
    for (unsigned i = 0; i < p->n_layers && k < max; i++) {
        const struct tl_layer *l = &p->layers[i];
        /* the link layers count from the frame's start, the others from the first IP header */
        size_t off = i < p->link.n_layers ? l->off : (size_t)p->link.l3_offset + l->off;
        struct hdr_ref r = { l->kind, l->tunnel ? (int)l->tunnel - 1 : -1, NULL, 0, l->len, NULL };
        if (off <= avail) {
            r.b = frame + off;
            r.n = avail - off < l->len ? avail - off : l->len;
        }
        if (l->kind == TL_TUN_IP && i >= p->link.n_layers) {
            for (unsigned j = 0; j < p->n_ip; j++) {
                if (p->ip[j].offset == l->off) {
                    r.ip = &p->ip[j];
                }
            }
        }
        out[k++] = r;
    }
    return k;
}

static void layers_write(struct tl_jw *w, const struct hdr_ref *hs, size_t n)
{
    tl_jw_key(w, "layers");
    tl_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        tl_jw_obj(w);
        tl_jw_kstr(w, "layer", tl_layer_kind_name(hs[i].kind));
        tl_jw_key(w, "tunnel");
        if (hs[i].tunnel >= 0) {
            tl_jw_uint(w, (uint64_t)hs[i].tunnel);
        } else {
            tl_jw_null(w);
        }
        tl_jw_key(w, "length");
        if (hs[i].b) {
            tl_jw_uint(w, hs[i].len);
        } else {
            tl_jw_null(w);
        }
        tl_jw_obj_end(w);
    }
    tl_jw_arr_end(w);
}

static void fields_write(struct tl_jw *w, const struct tl_packet *p, const struct hdr_ref *hs,
                         size_t n)
{
    tl_jw_key(w, "fields");
    tl_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        const struct hdr_ref *r = &hs[i];
        if (!r->b) {
            continue;
        }
        if (r->kind == TL_TUN_IP) {
            if (r->ip && r->ip->version == 4 && r->n >= IPV4_HDR_MIN_LEN) {
                fields_ipv4(w, (unsigned)i, r->ip, r->b);
            } else if (r->ip && r->ip->version == 6 && r->n >= 40) {
                fields_ipv6(w, (unsigned)i, r->ip, r->b);
            }
            continue;
        }
        if (r->kind == TL_LAYER_TCP) {
            fields_tcp(w, (unsigned)i, &p->tcp, r->b);
            continue;
        }
        const char *name = tl_layer_kind_name(r->kind);
        struct lhdr h = { w, name, tl_layer_words_find(name), (unsigned)i, r->b, r->n };
        hdr_fields(&h, r->kind);
    }
    tl_jw_arr_end(w);
}

/* ---- header objects ---- */

static void ip_write(struct tl_jw *w, const struct tl_ip *ip)
{
    tl_jw_obj(w);
    tl_jw_kuint(w, "version", ip->version);
    tl_jw_kuint(w, "header_length", ip->header_length);
    if (ip->version == 4) {
        tl_jw_kuint(w, "tos", ip->tos);
        tl_jw_kuint(w, "dscp", ip->tos >> 2);
        tl_jw_kuint(w, "ecn", ip->tos & 3);
        tl_jw_kuint(w, "total_length", ip->total_length);
        tl_jw_kuint(w, "id", ip->id);
        tl_jw_kbool(w, "df", ip->df);
        tl_jw_kbool(w, "mf", ip->mf);
        tl_jw_kuint(w, "fragment_offset", ip->frag_offset * 8u);
        tl_jw_kuint(w, "ttl", ip->ttl);
        tl_jw_kuint(w, "protocol", ip->protocol);
        tl_jw_key(w, "checksum");
        tl_jw_hex16(w, ip->checksum);
        tl_jw_kstr(w, "checksum_status", tl_cksum_name(ip->checksum_status));
        tl_jw_key(w, "checksum_expected");
        if (ip->checksum_status == TL_CKSUM_INCORRECT) {
            tl_jw_hex16(w, ip->checksum_expected);
        } else {
            tl_jw_null(w);
        }
    } else {
        tl_jw_kuint(w, "traffic_class", ip->tos);
        tl_jw_kuint(w, "dscp", ip->tos >> 2);
        tl_jw_kuint(w, "ecn", ip->tos & 3);
        tl_jw_kuint(w, "flow_label", ip->flow_label);
        tl_jw_kuint(w, "payload_length", ip->payload_length);
        if (ip->jumbo_length) { /* RFC 2675: the length the hop-by-hop header gives */
            tl_jw_kuint(w, "jumbo_payload_length", ip->jumbo_length);
        }
        tl_jw_kuint(w, "next_header", ip->next_header);
        tl_jw_kuint(w, "hop_limit", ip->ttl);
        tl_jw_kuint(w, "protocol", ip->protocol);
        tl_jw_key(w, "extension_headers");
        tl_jw_arr(w);
        for (unsigned i = 0; i < ip->n_ext; i++) {
            tl_jw_obj(w);
            tl_jw_kstr(w, "type", ext_name(ip->ext[i].type));
            tl_jw_kuint(w, "next_header", ip->ext[i].next);
            tl_jw_kuint(w, "offset", ip->ext[i].offset);
            tl_jw_kuint(w, "length", ip->ext[i].len);
            tl_jw_obj_end(w);
        }
        tl_jw_arr_end(w);
    }
    tl_jw_key(w, "src");
    addr_val(w, ip->version, ip->src);
    tl_jw_key(w, "dst");
    addr_val(w, ip->version, ip->dst);
    tl_jw_obj_end(w);
}

static void option_write(struct tl_jw *w, const struct tl_tcp_opt *o, const uint8_t *tcp_hdr,
                         size_t captured_end, uint32_t peer_base, bool peer_base_known)
{
    char unk[16];
    const char *name = tl_tcp_option_name(o->kind);
    if (!name || !*name) {
        snprintf(unk, sizeof unk, "unknown-%u", o->kind);
        name = unk;
    }
    tl_jw_obj(w);
    tl_jw_kuint(w, "kind", o->kind);
    tl_jw_kstr(w, "name", name);
    tl_jw_kuint(w, "offset", o->offset);
    tl_jw_kuint(w, "length", o->length);
    if (o->error) {
        tl_jw_kstr(w, "error", tl_anomaly_name((enum tl_anomaly)o->error));
        tl_jw_obj_end(w);
        return;
    }
    switch (o->kind) {
        case TL_TCPOPT_EOL:
        case TL_TCPOPT_NOP:
        case TL_TCPOPT_SACKOK:
            break;
        case TL_TCPOPT_MSS:
            tl_jw_kuint(w, "value", o->v.mss);
            break;
        case TL_TCPOPT_WSCALE: {
            unsigned used = o->v.wscale > 14 ? 14 : o->v.wscale;
            tl_jw_kuint(w, "shift", o->v.wscale);
            tl_jw_kuint(w, "multiplier", 1u << used);
            if (o->v.wscale > 14) {
                tl_jw_kuint(w, "applied_shift", 14);
                tl_jw_kstr(w, "rule", "RFC 7323 2.3: a shift above 14 is used as 14");
            }
            break;
        }
        case TL_TCPOPT_TIMESTAMP:
            tl_jw_kuint(w, "val", o->v.ts.val);
            tl_jw_kuint(w, "ecr", o->v.ts.ecr);
            break;
        case TL_TCPOPT_SACK:
            tl_jw_key(w, "blocks");
            tl_jw_arr(w);
            for (unsigned i = 0; i < o->v.sack.count; i++) {
                tl_jw_arr(w);
                tl_jw_uint(w, o->v.sack.edge[i][0]);
                tl_jw_uint(w, o->v.sack.edge[i][1]);
                tl_jw_arr_end(w);
            }
            tl_jw_arr_end(w);
            tl_jw_key(w, "blocks_rel");
            if (!peer_base_known) {
                tl_jw_null(w);
                break;
            }
            tl_jw_arr(w);
            for (unsigned i = 0; i < o->v.sack.count; i++) {
                tl_jw_arr(w);
                tl_jw_uint(w, (uint32_t)(o->v.sack.edge[i][0] - peer_base));
                tl_jw_uint(w, (uint32_t)(o->v.sack.edge[i][1] - peer_base));
                tl_jw_arr_end(w);
            }
            tl_jw_arr_end(w);
            break;
        default:
            if (o->length > 2 && o->offset + (size_t)o->length <= captured_end) {
                tl_jw_key(w, "hex");
                hex_val(w, tcp_hdr + o->offset + 2, o->length - 2u);
            }
            break;
    }
    tl_jw_obj_end(w);
}

static void tcp_write(struct tl_jw *w, const struct tl_packet *p, const struct tl_rec *r,
                      const struct tl_flow *f)
{
    const struct tl_tcp *t = &p->tcp;
    const uint8_t *hdr = p->l3 + t->offset;
    char flags[16];
    enum tl_dir peer = r->dir == TL_C2S ? TL_S2C : TL_C2S;

    tl_jw_obj(w);
    tl_jw_kuint(w, "src_port", t->src_port);
    tl_jw_kuint(w, "dst_port", t->dst_port);
    tl_jw_kuint(w, "seq", t->seq);
    tl_jw_kuint(w, "seq_rel", r->seq_rel);
    tl_jw_kuint(w, "ack", t->ack);
    tl_jw_key(w, "ack_rel");
    if (r->ack_rel_known) {
        tl_jw_uint(w, r->ack_rel);
    } else {
        tl_jw_null(w);
    }
    tl_jw_kuint(w, "header_length", t->header_length);
    tl_jw_kuint(w, "data_offset", t->data_offset);
    tl_jw_kuint(w, "reserved", t->reserved);
    tl_jw_key(w, "flags");
    tl_jw_obj(w);
    tl_jw_kuint(w, "value", (unsigned)t->reserved << 9 | t->flags); /* 12 bits, as tshark */
    tl_jw_kstr(w, "text", tl_tcp_flags_tcpdump(t->flags, flags, sizeof flags));
    for (int bit = 8; bit >= 0; bit--) {
        tl_jw_kbool(w, tcp_flag_name[bit], (t->flags >> bit) & 1);
    }
    tl_jw_obj_end(w);
    tl_jw_kuint(w, "window", t->window);
    tl_jw_key(w, "window_scaled");
    if (r->scale >= 0) {
        tl_jw_uint(w, (uint64_t)t->window << r->scale);
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "checksum");
    tl_jw_hex16(w, t->checksum);
    tl_jw_kstr(w, "checksum_status", tl_cksum_name(t->checksum_status));
    tl_jw_key(w, "checksum_expected");
    if (t->checksum_status == TL_CKSUM_INCORRECT || t->checksum_status == TL_CKSUM_OFFLOADED) {
        tl_jw_hex16(w, t->checksum_expected);
    } else {
        tl_jw_null(w);
    }
    tl_jw_kuint(w, "urgent_pointer", t->urgent_pointer);
    tl_jw_key(w, "options");
    tl_jw_arr(w);
    for (unsigned i = 0; i < t->n_opts; i++) {
        option_write(w, &t->opts[i], hdr, TCP_HDR_MIN_LEN + (size_t)t->opts_captured,
                     f->side[peer].base, f->side[peer].base_set);
    }
    tl_jw_arr_end(w);
    tl_jw_kuint(w, "payload_length", t->payload_length);
    tl_jw_obj_end(w);
}

void tl_json_packet(struct tl_jw *w, const struct tl_flow *f, const struct tl_rec *r,
                    uint64_t index, struct tl_story *st, const struct tl_render_opts *o)
{
    struct tl_packet *p = o->scratch;
    char ts[48];

    tl_rec_decode(r, p);
    const struct tl_ip *ip = tl_packet_ip(p);

    int64_t t_us = us_between(f->first_sec, f->first_nsec, r->ts_sec, r->ts_nsec);
    tl_jw_obj(w);
    tl_jw_kuint(w, "index", index);
    tl_jw_kuint(w, "frame", r->frame);
    tl_jw_kstr(w, "ts", tl_rfc3339(r->ts_sec, r->ts_nsec, o->nsec, ts, sizeof ts));
    tl_jw_kint(w, "t_us", t_us);
    tl_jw_kstr(w, "dir", r->dir == TL_C2S ? "c2s" : "s2c");
    tl_jw_kstr(w, "event", tl_event_name((enum tl_event)r->conn.event));
    tl_jw_key(w, "explanation");
    int64_t acks = -1;
    if (st && p->has_tcp) {
        char stack[2048];
        struct tl_buf e;
        tl_buf_init_fixed(&e, stack, sizeof stack);
        acks = tl_story_packet(st, p, r, index, t_us, &e);
        tl_jw_strn(w, e.data, e.len);
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "states");
    tl_jw_obj(w);
    tl_jw_kstr(w, "client", tl_state_name((enum tl_state)r->conn.state[0]));
    tl_jw_kstr(w, "server", tl_state_name((enum tl_state)r->conn.state[1]));
    tl_jw_obj_end(w);
    tl_jw_key(w, "acks");
    if (acks >= 0) {
        tl_jw_uint(w, (uint64_t)acks);
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "analysis");
    tl_jw_arr(w);
    for (unsigned i = 0; i < TL_AF_COUNT; i++) {
        if (r->conn.analysis & (1u << i)) {
            tl_jw_str(w, tl_analysis_name(i));
        }
    }
    tl_jw_arr_end(w);
    tl_jw_key(w, "ack_rtt_us"); /* the RTT sample perf took on this ACK (perf.c) */
    if (r->conn.ack_rtt_us >= 0) {
        tl_jw_int(w, r->conn.ack_rtt_us);
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "anomalies");
    tl_jw_arr(w);
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        tl_jw_str(w, tl_anomaly_name(p->anomalies[i]));
    }
    tl_jw_arr_end(w);
    if (!p->has_tcp) { /* only decodable packets are stored: this cannot happen */
        tl_jw_obj_end(w);
        return;
    }
    /* the tcpdump line goes straight into the output as a JSON string */
    tl_jw_key(w, "summary");
    struct tl_buf line;
    char stack[2048];
    tl_buf_init_fixed(&line, stack, sizeof stack);
    tl_tcpdump_tcp(&line, p, r->td_seq_sub, r->td_ack_sub, r->td_sack_sub);
    tl_jw_strn(w, line.data, line.len);
    tl_jw_key(w, "ip");
    ip_write(w, ip);
    if (p->n_ip > 1) {
        tl_jw_key(w, "outer_ip");
        ip_write(w, &p->ip[0]);
    }
    tunnels_write(w, f, p);
    tl_jw_key(w, "tcp");
    tcp_write(w, p, r, f);
    struct hdr_ref hs[TL_MAX_LAYERS];
    size_t nh = hdr_refs(p, hs, sizeof hs / sizeof hs[0]);
    layers_write(w, hs, nh);
    if (!o->no_fields) {
        fields_write(w, p, hs, nh);
    }
    tl_jw_obj_end(w);
}

static void opt_int(struct tl_jw *w, const char *key, int64_t v)
{
    tl_jw_key(w, key);
    if (v >= 0) {
        tl_jw_int(w, v);
    } else {
        tl_jw_null(w);
    }
}

static void side_write(struct tl_jw *w, const char *key, const struct tl_flow_side *s)
{
    tl_jw_key(w, key);
    tl_jw_obj(w);
    tl_jw_key(w, "isn");
    if (s->syn_seen) {
        tl_jw_uint(w, s->isn);
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "mss");
    if (s->mss >= 0) {
        tl_jw_int(w, s->mss);
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "wscale");
    if (s->wscale >= 0) {
        tl_jw_int(w, s->wscale);
    } else {
        tl_jw_null(w);
    }
    tl_jw_kbool(w, "sack_permitted", s->sack_permitted);
    tl_jw_kbool(w, "timestamps", s->timestamps);
    tl_jw_obj_end(w);
}

static void endpoint_write(struct tl_jw *w, const char *key, int version, const uint8_t *addr,
                           uint16_t port)
{
    tl_jw_key(w, key);
    tl_jw_obj(w);
    tl_jw_key(w, "ip");
    addr_val(w, version, addr);
    tl_jw_kuint(w, "port", port);
    tl_jw_obj_end(w);
}

/*
 * The first payload bytes of one direction, in sequence order (at most TL_SVC_PEEK, what the
 * service guess read): `text` shows printable ASCII as it is, backslash as \\, CR, LF and
 * TAB as \r, \n, \t and every other byte as \xHH; `hex` is every byte in hex. null when
 * the direction carried no payload.
 */
static void first_bytes(struct tl_jw *w, const char *key, const struct tl_svc_dir *d)
{
    if (d->len == 0) {
        tl_jw_knull(w, key);
        return;
    }
    char text[TL_SVC_PEEK * 4 + 1], hex[TL_SVC_PEEK * 2 + 1];
    size_t t = 0;
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < d->len && i < TL_SVC_PEEK; i++) {
        uint8_t c = d->buf[i];
        hex[2 * i] = digits[c >> 4];
        hex[2 * i + 1] = digits[c & 15];
        const char *esc = c == '\\'   ? "\\\\"
                          : c == '\r' ? "\\r"
                          : c == '\n' ? "\\n"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (esc) {
            text[t++] = esc[0];
            text[t++] = esc[1];
        } else if (c >= 0x20 && c < 0x7f) {
            text[t++] = (char)c;
        } else {
            text[t++] = '\\';
            text[t++] = 'x';
            text[t++] = digits[c >> 4];
            text[t++] = digits[c & 15];
        }
    }
    size_t n = d->len < TL_SVC_PEEK ? d->len : TL_SVC_PEEK;
    hex[2 * n] = '\0';
    text[t] = '\0';
    tl_jw_key(w, key);
    tl_jw_obj(w);
    tl_jw_kstr(w, "text", text);
    tl_jw_kstr(w, "hex", hex);
    tl_jw_kuint(w, "length", n);
    tl_jw_obj_end(w);
}

void tl_json_flow_begin(struct tl_jw *w, const struct tl_flow *f, const struct tl_render_opts *o)
{
    char ts[48];
    tl_jw_obj(w);
    tl_jw_kuint(w, "id", o->flow_id ? o->flow_id : f->index + 1);
    if (o->capture_id) {
        tl_jw_kuint(w, "capture", o->capture_id);
    }
    tl_jw_kuint(w, "index", f->index);
    tl_jw_kuint(w, "ip_version", f->ip_version);
    endpoint_write(w, "client", f->ip_version, f->addr[TL_C2S], f->port[TL_C2S]);
    endpoint_write(w, "server", f->ip_version, f->addr[TL_S2C], f->port[TL_S2C]);
    tunnels_write(w, f, NULL);
    tl_jw_kstr(w, "orientation", tl_orientation_name(f->orientation));
    tl_jw_kstr(w, "first_ts", tl_rfc3339(f->first_sec, f->first_nsec, o->nsec, ts, sizeof ts));
    tl_jw_kstr(w, "last_ts", tl_rfc3339(f->last_sec, f->last_nsec, o->nsec, ts, sizeof ts));
    tl_jw_kint(w, "duration_us",
               us_between(f->first_sec, f->first_nsec, f->last_sec, f->last_nsec));
    tl_jw_key(w, "packets");
    tl_jw_obj(w);
    tl_jw_kuint(w, "c2s", f->side[TL_C2S].packets);
    tl_jw_kuint(w, "s2c", f->side[TL_S2C].packets);
    tl_jw_obj_end(w);
    tl_jw_key(w, "bytes");
    tl_jw_obj(w);
    tl_jw_kuint(w, "c2s", f->side[TL_C2S].bytes);
    tl_jw_kuint(w, "s2c", f->side[TL_S2C].bytes);
    tl_jw_obj_end(w);
    const struct tl_conn *c = &f->conn;
    tl_jw_key(w, "handshake");
    tl_jw_obj(w);
    tl_jw_kstr(w, "state", tl_handshake_name(tl_conn_handshake(f)));
    tl_jw_key(w, "rtt_us");
    tl_jw_obj(w);
    int64_t a_us, b_us, total_us;
    tl_conn_handshake_rtt(f, &a_us, &b_us, &total_us);
    opt_int(w, "syn_to_syn_ack", a_us);
    opt_int(w, "syn_ack_to_ack", b_us);
    opt_int(w, "total", total_us);
    tl_jw_obj_end(w);
    side_write(w, "client", &f->side[TL_C2S]);
    side_write(w, "server", &f->side[TL_S2C]);
    tl_jw_kuint(w, "syns", c->d[TL_C2S].syns);
    tl_jw_kuint(w, "syn_acks", c->d[TL_S2C].synacks);
    tl_jw_obj_end(w);
    unsigned initiator, reset_by;
    enum tl_teardown td = tl_conn_teardown(f, &initiator, &reset_by);
    tl_jw_key(w, "teardown");
    tl_jw_obj(w);
    tl_jw_kstr(w, "state", tl_teardown_name(td));
    tl_jw_kstr(w, "initiator", tl_who_name(initiator));
    tl_jw_kstr(w, "reset_by", tl_who_name(reset_by));
    tl_jw_obj_end(w);
    tl_jw_kstr(w, "conn_state", tl_conn_zeek_state(f));
    tl_jw_kstr(w, "history", tl_conn_history(f));
    tl_jw_kstr(w, "service",
               tl_service_name(tl_service_of(&f->svc, f->port[TL_C2S], f->port[TL_S2C])));
    tl_jw_key(w, "first_bytes");
    tl_jw_obj(w);
    first_bytes(w, "c2s", &f->svc.d[TL_C2S]);
    first_bytes(w, "s2c", &f->svc.d[TL_S2C]);
    tl_jw_obj_end(w);
    tl_jw_kstr(w, "checksums", tl_cksum_mode_name((enum tl_cksum_mode)f->cksum_mode));
    tl_jw_key(w, "completeness");
    tl_jw_obj(w);
    char ctext[24];
    unsigned cval = tl_conn_completeness(f);
    tl_jw_kuint(w, "value", cval);
    tl_jw_kstr(w, "text", tl_completeness_text(cval, ctext, sizeof ctext));
    tl_jw_obj_end(w);
    tl_jw_key(w, "analysis");
    tl_jw_obj(w);
    tl_jw_kuint(w, "retransmissions", c->d[0].retransmissions + c->d[1].retransmissions);
    tl_jw_kuint(w, "out_of_order", c->d[0].out_of_order + c->d[1].out_of_order);
    tl_jw_kuint(w, "duplicate_acks", c->d[0].dup_acks + c->d[1].dup_acks);
    tl_jw_kuint(w, "zero_windows", c->d[0].zero_windows + c->d[1].zero_windows);
    tl_jw_kuint(w, "keep_alives", c->d[0].keep_alives + c->d[1].keep_alives);
    tl_jw_kuint(w, "bad_checksums", c->d[0].cksum_bad + c->d[1].cksum_bad);
    tl_jw_kuint(w, "offloaded_checksums", c->d[0].cksum_offloaded + c->d[1].cksum_offloaded);
    tl_jw_kuint(w, "discarded", c->d[0].discarded + c->d[1].discarded);
    tl_jw_obj_end(w);
    tl_jw_key(w, "perf");
    tl_json_perf(w, f);
    tl_jw_key(w, "final_states");
    tl_jw_obj(w);
    tl_jw_kstr(w, "client", tl_state_name((enum tl_state)c->d[0].state));
    tl_jw_kstr(w, "server", tl_state_name((enum tl_state)c->d[1].state));
    tl_jw_obj_end(w);
    {
        struct tl_buf sb;
        char stack[4096];
        tl_buf_init_fixed(&sb, stack, sizeof stack);
        tl_story_summary(f, o->lang, &sb);
        tl_jw_key(w, "summary");
        tl_jw_strn(w, sb.data, sb.len);
    }
}

void tl_json_flow(struct tl_jw *w, const struct tl_flow *f, const struct tl_render_opts *o)
{
    tl_json_flow_begin(w, f, o);
    if (o->timeline) {
        struct tl_rec_iter it;
        const struct tl_rec *r;
        uint64_t i = 0;
        tl_jw_key(w, "timeline");
        tl_jw_arr(w);
        struct tl_story *st = o->story;
        if (st) {
            tl_story_init(st, f, o->lang);
        }
        tl_rec_iter_init(&it, f);
        while ((r = tl_rec_iter_next(&it)) != NULL) {
            tl_json_packet(w, f, r, i++, st, o);
        }
        tl_jw_arr_end(w);
    }
    tl_jw_obj_end(w);
}

void tl_json_capture_begin(struct tl_jw *w, const struct tl_capture_stats *s, uint64_t id,
                           const char *name, const struct tl_render_opts *o)
{
    char ts[48];
    tl_jw_obj(w);
    if (id) {
        tl_jw_kuint(w, "id", id);
    } else {
        tl_jw_knull(w, "id");
    }
    tl_jw_kstr(w, "name", name);
    tl_jw_kstr(w, "format", s->format);
    if (s->compression) {
        tl_jw_kstr(w, "compression", s->compression);
    } else {
        tl_jw_knull(w, "compression");
    }
    tl_jw_key(w, "link_types");
    tl_jw_arr(w);
    if (s->n_link_types > 0) {
        for (unsigned i = 0; i < s->n_link_types; i++) {
            tl_jw_str(w, s->link_types[i]);
        }
    } else if (s->link_type) {
        tl_jw_str(w, s->link_type);
    }
    tl_jw_arr_end(w);
    tl_jw_kuint(w, "packets", s->packets);
    tl_jw_kuint(w, "tcp_packets", s->tcp_packets);
    if (s->filter) {
        tl_jw_kstr(w, "filter", s->filter);
    } else {
        tl_jw_knull(w, "filter");
    }
    tl_jw_kuint(w, "filtered_out", s->filtered_out);
    tl_jw_key(w, "non_tcp");
    tl_jw_obj(w);
    for (unsigned i = 0; i < s->n_non_tcp; i++) {
        tl_jw_kuint(w, s->non_tcp[i].kind, s->non_tcp[i].count);
    }
    tl_jw_obj_end(w);
    tl_jw_key(w, "malformed");
    tl_jw_obj(w);
    for (int a = 1; a < TL_AN_COUNT; a++) {
        if (s->malformed[a]) {
            tl_jw_kuint(w, tl_anomaly_name(a), s->malformed[a]);
        }
    }
    tl_jw_obj_end(w);
    tl_jw_key(w, "anomalies");
    tl_jw_obj(w);
    for (int a = 1; a < TL_AN_COUNT; a++) {
        if (s->anomalies[a]) {
            tl_jw_kuint(w, tl_anomaly_name(a), s->anomalies[a]);
        }
    }
    tl_jw_obj_end(w);
    tl_jw_kbool(w, "truncated", s->truncated);
    tl_jw_kuint(w, "errors", s->errors);
    tl_jw_key(w, "first_ts");
    if (s->has_ts) {
        tl_jw_str(w, tl_rfc3339(s->first_sec, s->first_nsec, o->nsec, ts, sizeof ts));
    } else {
        tl_jw_null(w);
    }
    tl_jw_key(w, "last_ts");
    if (s->has_ts) {
        tl_jw_str(w, tl_rfc3339(s->last_sec, s->last_nsec, o->nsec, ts, sizeof ts));
    } else {
        tl_jw_null(w);
    }
    tl_jw_kuint(w, "flows", s->flows);
    tl_jw_key(w, "warnings");
    tl_jw_arr(w);
    for (unsigned i = 0; i < s->n_warnings; i++) {
        tl_jw_str(w, s->warnings[i]);
    }
    tl_jw_arr_end(w);
}

void tl_json_capture(struct tl_jw *w, const struct tl_capture_stats *s, uint64_t id,
                     const char *name, const struct tl_render_opts *o)
{
    tl_json_capture_begin(w, s, id, name, o);
    tl_jw_obj_end(w);
}
