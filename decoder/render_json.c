/*
 * render_json.c - the capture document of SPEC §4 through Jansson: the capture object,
 * flows, and each packet with every IP and TCP header field, its options, checksum verdicts
 * and the bit-level `fields` breakdown a page needs to draw the header diagram.
 *
 * Values are built with the _new functions (which take the reference even when they fail)
 * and only the root is checked.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decode_int.h"
#include "render.h"

const char *tl_rfc3339(int64_t sec, uint32_t nsec, bool nsec_digits, char *buf, size_t size)
{
    struct tm tm;
    time_t t = (time_t)sec;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, size, "invalid");
        return buf;
    }
    if (nsec_digits) {
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)nsec);
    } else {
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(nsec / 1000));
    }
    return buf;
}

static json_t *hex16(uint16_t v)
{
    char b[8];
    snprintf(b, sizeof b, "0x%04x", v);
    return json_string(b);
}

static json_t *addr_json(int version, const uint8_t *a)
{
    char b[64];
    return json_string(tl_addr_str(version, a, b, sizeof b));
}

static json_t *hex_bytes(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char b[2 * 256 + 1];
    if (n > 256) {
        n = 256;
    }
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = digits[p[i] >> 4];
        b[2 * i + 1] = digits[p[i] & 0xf];
    }
    b[2 * n] = '\0';
    return json_string(b);
}

static int64_t us_between(int64_t s0, uint32_t n0, int64_t s1, uint32_t n1)
{
    return (s1 - s0) * 1000000 + ((int64_t)n1 - (int64_t)n0) / 1000;
}

/* ---- fields: every header field in wire order, with its bit position ---- */

static void field_add(json_t *arr, const char *layer, const char *name, unsigned off,
                      unsigned width, json_t *value, uint64_t raw, const char *meaning)
{
    char hex[24];
    unsigned digits = (width + 3) / 4;
    if (width <= 64) {
        snprintf(hex, sizeof hex, "0x%0*llx", (int)digits, (unsigned long long)raw);
    } else {
        hex[0] = '\0';
    }
    json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:i, s:o, s:s?, s:s}", "layer", layer,
                                         "name", name, "offset_bits", (json_int_t)off, "width_bits",
                                         (json_int_t)width, "value", value, "hex",
                                         width <= 64 ? hex : NULL, "meaning", meaning));
}

static void fields_ipv4(json_t *arr, const struct tl_ip *ip, const uint8_t *hdr)
{
    const char *L = "ip";
    field_add(arr, L, "version", 0, 4, json_integer(ip->version), ip->version, "IP version: 4");
    field_add(arr, L, "header_length", 4, 4, json_integer(ip->header_length),
              ip->header_length / 4u, "header length in 32-bit words (x4 = bytes)");
    field_add(arr, L, "dscp", 8, 6, json_integer(ip->tos >> 2), ip->tos >> 2u,
              "differentiated services code point: the packet's traffic class");
    field_add(arr, L, "ecn", 14, 2, json_integer(ip->tos & 3), ip->tos & 3u,
              "explicit congestion notification (RFC 3168)");
    field_add(arr, L, "total_length", 16, 16, json_integer(ip->total_length), ip->total_length,
              "length of the whole IP packet in bytes, header included");
    field_add(arr, L, "id", 32, 16, json_integer(ip->id), ip->id,
              "identification: ties the fragments of one datagram together");
    field_add(arr, L, "reserved", 48, 1, json_boolean(ip->rf), ip->rf, "reserved flag, must be 0");
    field_add(arr, L, "df", 49, 1, json_boolean(ip->df), ip->df, "don't fragment");
    field_add(arr, L, "mf", 50, 1, json_boolean(ip->mf), ip->mf, "more fragments follow");
    field_add(arr, L, "fragment_offset", 51, 13, json_integer(ip->frag_offset * 8), ip->frag_offset,
              "where this fragment's data sits in the datagram (x8 bytes)");
    field_add(arr, L, "ttl", 64, 8, json_integer(ip->ttl), ip->ttl,
              "time to live: hops left before a router drops the packet");
    field_add(arr, L, "protocol", 72, 8, json_integer(ip->protocol), ip->protocol,
              "the protocol inside: 6 is TCP");
    field_add(arr, L, "checksum", 80, 16, hex16(ip->checksum), ip->checksum,
              "header checksum (RFC 1071), over the IP header only");
    field_add(arr, L, "src", 96, 32, addr_json(4, ip->src),
              (uint64_t)hdr[12] << 24 | (uint64_t)hdr[13] << 16 | hdr[14] << 8 | hdr[15],
              "source address");
    field_add(arr, L, "dst", 128, 32, addr_json(4, ip->dst),
              (uint64_t)hdr[16] << 24 | (uint64_t)hdr[17] << 16 | hdr[18] << 8 | hdr[19],
              "destination address");
    if (ip->header_length > IPV4_HDR_MIN_LEN) {
        unsigned n = ip->header_length - IPV4_HDR_MIN_LEN;
        field_add(arr, L, "options", 160, n * 8, hex_bytes(hdr + IPV4_HDR_MIN_LEN, n), 0,
                  "IP options (record route, router alert, ...)");
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

static void fields_ipv6(json_t *arr, const struct tl_ip *ip, const uint8_t *hdr)
{
    const char *L = "ip";
    field_add(arr, L, "version", 0, 4, json_integer(ip->version), ip->version, "IP version: 6");
    field_add(arr, L, "traffic_class", 4, 8, json_integer(ip->tos), ip->tos,
              "traffic class: DSCP (6 bits) and ECN (2 bits)");
    field_add(arr, L, "flow_label", 12, 20, json_integer(ip->flow_label), ip->flow_label,
              "flow label: marks packets of one flow for routers");
    field_add(arr, L, "payload_length", 32, 16, json_integer(ip->payload_length),
              ip->payload_length, "bytes after this 40-byte header, extension headers included");
    field_add(arr, L, "next_header", 48, 8, json_integer(ip->next_header), ip->next_header,
              "the header that follows: 6 is TCP");
    field_add(arr, L, "hop_limit", 56, 8, json_integer(ip->ttl), ip->ttl,
              "hops left before a router drops the packet");
    field_add(arr, L, "src", 64, 128, addr_json(6, ip->src), 0, "source address");
    field_add(arr, L, "dst", 192, 128, addr_json(6, ip->dst), 0, "destination address");
    for (unsigned i = 0; i < ip->n_ext; i++) {
        const struct tl_ip6_ext *e = &ip->ext[i];
        field_add(arr, L, ext_name(e->type), e->offset * 8u, e->len * 8u,
                  hex_bytes(hdr + e->offset, e->len), 0, "IPv6 extension header");
    }
}

static const char *const tcp_flag_meaning[9] = {
    "FIN: the sender has no more data",
    "SYN: synchronize sequence numbers (opens a connection)",
    "RST: reset the connection",
    "PSH: push the data to the application now",
    "ACK: the acknowledgement number is valid",
    "URG: the urgent pointer is valid",
    "ECE: ECN echo (RFC 3168)",
    "CWR: congestion window reduced (RFC 3168)",
    "AE: accurate ECN (formerly NS, RFC 3540)",
};

static void fields_tcp(json_t *arr, const struct tl_tcp *t, const uint8_t *hdr)
{
    const char *L = "tcp";
    static const char *const names[9] = { "fin", "syn", "rst", "psh", "ack",
                                          "urg", "ece", "cwr", "ae" };
    field_add(arr, L, "src_port", 0, 16, json_integer(t->src_port), t->src_port,
              "source port: the sending application's port");
    field_add(arr, L, "dst_port", 16, 16, json_integer(t->dst_port), t->dst_port,
              "destination port: the receiving application's port");
    field_add(arr, L, "seq", 32, 32, json_integer(t->seq), t->seq,
              "sequence number: position of this segment's first byte in the sender's stream");
    field_add(arr, L, "ack", 64, 32, json_integer(t->ack), t->ack,
              "acknowledgement number: the next byte the sender expects from its peer");
    field_add(arr, L, "data_offset", 96, 4, json_integer(t->data_offset), t->data_offset,
              "header length (HL) in 32-bit words (x4 = bytes)");
    field_add(arr, L, "reserved", 100, 3, json_integer(t->reserved), t->reserved,
              "reserved bits, must be 0");
    for (int bit = 8; bit >= 0; bit--) {
        bool on = (t->flags >> bit) & 1;
        field_add(arr, L, names[bit], 111u - (unsigned)bit, 1, json_boolean(on), on,
                  tcp_flag_meaning[bit]);
    }
    field_add(arr, L, "window", 112, 16, json_integer(t->window), t->window,
              "window: how many bytes the sender can receive (before scaling)");
    field_add(arr, L, "checksum", 128, 16, hex16(t->checksum), t->checksum,
              "checksum over a pseudo-header, the TCP header and the data");
    field_add(arr, L, "urgent_pointer", 144, 16, json_integer(t->urgent_pointer), t->urgent_pointer,
              "urgent pointer: end of urgent data when URG is set");
    if (t->header_length > TCP_HDR_MIN_LEN) {
        unsigned n = t->opts_captured;
        field_add(arr, L, "options", 160, (unsigned)(t->header_length - TCP_HDR_MIN_LEN) * 8,
                  hex_bytes(hdr + TCP_HDR_MIN_LEN, n), 0,
                  "options: MSS, window scale, SACK, timestamps...");
    }
    (void)hdr;
}

/* ---- header objects ---- */

static json_t *ip_json(const struct tl_ip *ip)
{
    json_t *o;
    if (ip->version == 4) {
        o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b, s:b, s:i, s:i, s:i, s:o, s:s, "
                      "s:o, s:o}",
                      "version", 4, "header_length", (json_int_t)ip->header_length, "tos",
                      (json_int_t)ip->tos, "dscp", (json_int_t)(ip->tos >> 2), "ecn",
                      (json_int_t)(ip->tos & 3), "total_length", (json_int_t)ip->total_length, "id",
                      (json_int_t)ip->id, "df", ip->df, "mf", ip->mf, "fragment_offset",
                      (json_int_t)ip->frag_offset * 8, "ttl", (json_int_t)ip->ttl, "protocol",
                      (json_int_t)ip->protocol, "checksum", hex16(ip->checksum), "checksum_status",
                      tl_cksum_name(ip->checksum_status), "src", addr_json(4, ip->src), "dst",
                      addr_json(4, ip->dst));
        if (o && ip->checksum_status == TL_CKSUM_INCORRECT) {
            json_object_set_new(o, "checksum_expected", hex16(ip->checksum_expected));
        }
        return o;
    }
    json_t *ext = json_array();
    for (unsigned i = 0; i < ip->n_ext; i++) {
        json_array_append_new(
            ext, json_pack("{s:s, s:i, s:i, s:i}", "type", ext_name(ip->ext[i].type), "next_header",
                           (json_int_t)ip->ext[i].next, "offset", (json_int_t)ip->ext[i].offset,
                           "length", (json_int_t)ip->ext[i].len));
    }
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:o}", "version",
                     6, "header_length", (json_int_t)ip->header_length, "traffic_class",
                     (json_int_t)ip->tos, "dscp", (json_int_t)(ip->tos >> 2), "ecn",
                     (json_int_t)(ip->tos & 3), "flow_label", (json_int_t)ip->flow_label,
                     "payload_length", (json_int_t)ip->payload_length, "next_header",
                     (json_int_t)ip->next_header, "hop_limit", (json_int_t)ip->ttl, "protocol",
                     (json_int_t)ip->protocol, "extension_headers", ext, "src",
                     addr_json(6, ip->src), "dst", addr_json(6, ip->dst));
}

static json_t *option_json(const struct tl_tcp_opt *o, const uint8_t *tcp_hdr, size_t captured_end,
                           uint32_t peer_base, bool peer_base_known)
{
    char unk[16];
    const char *name = tl_tcp_option_name(o->kind);
    if (!name || !*name) {
        snprintf(unk, sizeof unk, "unknown-%u", o->kind);
        name = unk;
    }
    json_t *j = json_pack("{s:i, s:s, s:i, s:i}", "kind", (json_int_t)o->kind, "name", name,
                          "offset", (json_int_t)o->offset, "length", (json_int_t)o->length);
    if (!j) {
        return NULL;
    }
    if (o->error) {
        json_object_set_new(j, "error", json_string(tl_anomaly_name((enum tl_anomaly)o->error)));
        return j;
    }
    switch (o->kind) {
        case 0:
        case 1:
        case 4:
            break;
        case 2:
            json_object_set_new(j, "value", json_integer(o->v.mss));
            break;
        case 3: {
            unsigned used = o->v.wscale > 14 ? 14 : o->v.wscale;
            json_object_set_new(j, "shift", json_integer(o->v.wscale));
            json_object_set_new(j, "multiplier", json_integer((json_int_t)1 << used));
            if (o->v.wscale > 14) {
                json_object_set_new(j, "applied_shift", json_integer(14));
                json_object_set_new(j, "rule",
                                    json_string("RFC 7323 2.3: shift > 14 is treated "
                                                "as 14"));
            }
            break;
        }
        case 8:
            json_object_set_new(j, "val", json_integer(o->v.ts.val));
            json_object_set_new(j, "ecr", json_integer(o->v.ts.ecr));
            break;
        case 5: {
            json_t *blocks = json_array(), *rel = json_array();
            for (unsigned i = 0; i < o->v.sack.count; i++) {
                uint32_t l = o->v.sack.edge[i][0], r = o->v.sack.edge[i][1];
                json_array_append_new(blocks, json_pack("[I, I]", (json_int_t)l, (json_int_t)r));
                if (peer_base_known) {
                    json_array_append_new(rel,
                                          json_pack("[I, I]", (json_int_t)(uint32_t)(l - peer_base),
                                                    (json_int_t)(uint32_t)(r - peer_base)));
                }
            }
            json_object_set_new(j, "blocks", blocks);
            json_object_set_new(j, "blocks_rel",
                                peer_base_known ? rel : (json_decref(rel), json_null()));
            break;
        }
        default:
            if (o->length > 2 && o->offset + (size_t)o->length <= captured_end) {
                json_object_set_new(j, "hex", hex_bytes(tcp_hdr + o->offset + 2, o->length - 2u));
            }
            break;
    }
    return j;
}

static json_t *tcp_json(const struct tl_packet *p, const struct tl_rec *r, const struct tl_flow *f)
{
    const struct tl_tcp *t = &p->tcp;
    const uint8_t *hdr = p->l3 + t->offset;
    char flags[16];
    enum tl_dir peer = r->dir == TL_C2S ? TL_S2C : TL_C2S;
    json_t *opts = json_array();
    size_t captured_end = TCP_HDR_MIN_LEN + (size_t)t->opts_captured;

    for (unsigned i = 0; i < t->n_opts; i++) {
        json_array_append_new(opts, option_json(&t->opts[i], hdr, captured_end, f->side[peer].base,
                                                f->side[peer].base_set));
    }
    json_t *fl =
        json_pack("{s:i, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}", "value",
                  (json_int_t)t->flags, "text", tl_tcp_flags_tcpdump(t->flags, flags, sizeof flags),
                  "ae", (t->flags & TL_TH_AE) != 0, "cwr", (t->flags & TL_TH_CWR) != 0, "ece",
                  (t->flags & TL_TH_ECE) != 0, "urg", (t->flags & TL_TH_URG) != 0, "ack",
                  (t->flags & TL_TH_ACK) != 0, "psh", (t->flags & TL_TH_PSH) != 0, "rst",
                  (t->flags & TL_TH_RST) != 0, "syn", (t->flags & TL_TH_SYN) != 0, "fin",
                  (t->flags & TL_TH_FIN) != 0);
    json_t *scaled = r->scale >= 0 ? json_integer((json_int_t)t->window << r->scale) : json_null();
    json_t *ack_rel = r->ack_rel_known ? json_integer(r->ack_rel) : json_null();
    json_t *expected =
        t->checksum_status == TL_CKSUM_INCORRECT ? hex16(t->checksum_expected) : json_null();
    return json_pack("{s:i, s:i, s:I, s:I, s:I, s:o, s:i, s:i, s:i, s:o, s:i, s:o, s:o, s:s, s:o, "
                     "s:i, s:o, s:I}",
                     "src_port", (json_int_t)t->src_port, "dst_port", (json_int_t)t->dst_port,
                     "seq", (json_int_t)t->seq, "seq_rel", (json_int_t)r->seq_rel, "ack",
                     (json_int_t)t->ack, "ack_rel", ack_rel, "header_length",
                     (json_int_t)t->header_length, "data_offset", (json_int_t)t->data_offset,
                     "reserved", (json_int_t)t->reserved, "flags", fl, "window",
                     (json_int_t)t->window, "window_scaled", scaled, "checksum", hex16(t->checksum),
                     "checksum_status", tl_cksum_name(t->checksum_status), "checksum_expected",
                     expected, "urgent_pointer", (json_int_t)t->urgent_pointer, "options", opts,
                     "payload_length", (json_int_t)t->payload_length);
}

/* A first-cut event from the flags alone; the classifier refines it with flow state. */
static const char *basic_event(const struct tl_tcp *t)
{
    uint16_t f = t->flags;
    if (f & TL_TH_RST) {
        return "rst";
    }
    if ((f & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN) {
        return "syn";
    }
    if (f & TL_TH_SYN) {
        return "syn-ack";
    }
    if (f & TL_TH_FIN) {
        return "fin";
    }
    if (t->payload_length > 0) {
        return "data";
    }
    if (f & TL_TH_ACK) {
        return "ack";
    }
    return "other";
}

json_t *tl_json_packet(const struct tl_flow *f, const struct tl_rec *r, uint64_t index,
                       struct tl_packet *p, const struct tl_render_opts *o)
{
    char ts[48];
    struct tl_buf sum;

    p->frame = r->frame;
    p->ts_sec = r->ts_sec;
    p->ts_nsec = r->ts_nsec;
    tl_packet_decode_l3(p, r->bytes, r->len, r->l3_caplen, r->l3_wirelen, false);
    if (!p->has_tcp) {
        return NULL; /* cannot happen: only decodable packets are stored */
    }
    p->tcp.checksum_status = (enum tl_cksum)r->tcp_cksum;
    p->tcp.checksum_expected = r->tcp_cksum_expected;
    p->n_anomalies = r->n_anomalies;
    memcpy(p->anomalies, r->anomalies, sizeof p->anomalies);

    const struct tl_ip *ip = tl_packet_ip(p);
    json_t *fields = json_array();
    if (ip->version == 4) {
        fields_ipv4(fields, ip, p->l3 + ip->offset);
    } else {
        fields_ipv6(fields, ip, p->l3 + ip->offset);
    }
    fields_tcp(fields, &p->tcp, p->l3 + p->tcp.offset);

    json_t *anomalies = json_array();
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        json_array_append_new(anomalies, json_string(tl_anomaly_name(p->anomalies[i])));
    }
    tl_buf_init(&sum, 4096);
    tl_tcpdump_tcp(&sum, p, r->td_seq_sub, r->td_ack_sub, r->td_sack_sub);
    json_t *pkt =
        json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:n, s:n, s:n, s:o, s:s, s:o, s:o, s:o}", "index",
                  (json_int_t)index, "frame", (json_int_t)r->frame, "ts",
                  tl_rfc3339(r->ts_sec, r->ts_nsec, o->nsec, ts, sizeof ts), "t_us",
                  (json_int_t)us_between(f->first_sec, f->first_nsec, r->ts_sec, r->ts_nsec), "dir",
                  r->dir == TL_C2S ? "c2s" : "s2c", "event", basic_event(&p->tcp), "explanation",
                  "states", "acks", "anomalies", anomalies, "summary", tl_buf_cstr(&sum), "ip",
                  ip_json(ip), "tcp", tcp_json(p, r, f), "fields", fields);
    tl_buf_cleanup(&sum);
    if (pkt && p->n_ip > 1) {
        json_object_set_new(pkt, "outer_ip", ip_json(&p->ip[0]));
    }
    return pkt;
}

static json_t *side_json(const struct tl_flow_side *s)
{
    return json_pack("{s:o, s:o, s:o, s:b, s:b}", "isn",
                     s->syn_seen ? json_integer(s->isn) : json_null(), "mss",
                     s->mss >= 0 ? json_integer(s->mss) : json_null(), "wscale",
                     s->wscale >= 0 ? json_integer(s->wscale) : json_null(), "sack_permitted",
                     s->sack_permitted, "timestamps", s->timestamps);
}

json_t *tl_json_flow(const struct tl_flow *f, const struct tl_render_opts *o)
{
    char t0[48], t1[48];
    json_t *flow = json_pack(
        "{s:I, s:I, s:i, s:{s:o, s:i}, s:{s:o, s:i}, s:s, s:s, s:s, s:I, s:{s:I, s:I}, "
        "s:{s:I, s:I}, s:{s:n, s:{s:n, s:n, s:n}, s:o, s:o}, s:{s:n, s:n, s:n}, s:n, s:n, s:n, "
        "s:n}",
        "id", (json_int_t)f->index + 1, "index", (json_int_t)f->index, "ip_version",
        (json_int_t)f->ip_version, "client", "ip", addr_json(f->ip_version, f->addr[TL_C2S]),
        "port", (json_int_t)f->port[TL_C2S], "server", "ip",
        addr_json(f->ip_version, f->addr[TL_S2C]), "port", (json_int_t)f->port[TL_S2C],
        "orientation", tl_orientation_name(f->orientation), "first_ts",
        tl_rfc3339(f->first_sec, f->first_nsec, o->nsec, t0, sizeof t0), "last_ts",
        tl_rfc3339(f->last_sec, f->last_nsec, o->nsec, t1, sizeof t1), "duration_us",
        (json_int_t)us_between(f->first_sec, f->first_nsec, f->last_sec, f->last_nsec), "packets",
        "c2s", (json_int_t)f->side[TL_C2S].packets, "s2c", (json_int_t)f->side[TL_S2C].packets,
        "bytes", "c2s", (json_int_t)f->side[TL_C2S].bytes, "s2c", (json_int_t)f->side[TL_S2C].bytes,
        "handshake", "state", "rtt_us", "syn_to_syn_ack", "syn_ack_to_ack", "total", "client",
        side_json(&f->side[TL_C2S]), "server", side_json(&f->side[TL_S2C]), "teardown", "state",
        "initiator", "reset_by", "conn_state", "history", "completeness", "summary");
    if (!flow || !o->timeline) {
        return flow;
    }
    json_t *timeline = json_array();
    struct tl_packet *p = malloc(sizeof *p);
    struct tl_rec_iter it;
    const struct tl_rec *r;
    uint64_t i = 0;
    if (!p) {
        json_decref(timeline);
        json_decref(flow);
        return NULL;
    }
    memset(p, 0, sizeof *p);
    tl_rec_iter_init(&it, f);
    while ((r = tl_rec_iter_next(&it)) != NULL) {
        json_array_append_new(timeline, tl_json_packet(f, r, i++, p, o));
    }
    free(p);
    json_object_set_new(flow, "timeline", timeline);
    return flow;
}

json_t *tl_json_capture(const struct tl_capture_stats *s, const char *id, const char *name,
                        const struct tl_render_opts *o)
{
    char t0[48], t1[48];
    json_t *non_tcp = json_object(), *malformed = json_object(), *anomalies = json_object();
    json_t *warnings = json_array();

    for (unsigned i = 0; i < s->n_non_tcp; i++) {
        json_object_set_new(non_tcp, s->non_tcp[i].kind,
                            json_integer((json_int_t)s->non_tcp[i].count));
    }
    for (int a = 1; a < TL_AN_COUNT; a++) {
        if (s->malformed[a]) {
            json_object_set_new(malformed, tl_anomaly_name(a),
                                json_integer((json_int_t)s->malformed[a]));
        }
        if (s->anomalies[a]) {
            json_object_set_new(anomalies, tl_anomaly_name(a),
                                json_integer((json_int_t)s->anomalies[a]));
        }
    }
    for (unsigned i = 0; i < s->n_warnings; i++) {
        json_array_append_new(warnings, json_string(s->warnings[i]));
    }
    return json_pack(
        "{s:s?, s:s?, s:s?, s:[s?], s:I, s:I, s:o, s:o, s:o, s:b, s:o, s:o, s:I, "
        "s:o}",
        "id", id, "name", name, "format", s->format, "link_types", s->link_type, "packets",
        (json_int_t)s->packets, "tcp_packets", (json_int_t)s->tcp_packets, "non_tcp", non_tcp,
        "malformed", malformed, "anomalies", anomalies, "truncated", s->truncated, "first_ts",
        s->has_ts ? json_string(tl_rfc3339(s->first_sec, s->first_nsec, o->nsec, t0, sizeof t0))
                  : json_null(),
        "last_ts",
        s->has_ts ? json_string(tl_rfc3339(s->last_sec, s->last_nsec, o->nsec, t1, sizeof t1))
                  : json_null(),
        "flows", (json_int_t)s->flows, "warnings", warnings);
}
