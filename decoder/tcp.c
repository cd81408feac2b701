/*
 * tcp.c - the TCP header (RFC 9293 §3.1), checked in order: 20 bytes captured -> data
 * offset*4 >= 20 -> data offset*4 <= segment length -> options captured -> payload captured;
 * then the checksum over the pseudo-header and the segment (RFC 9293 §3.1, RFC 8200 §8.1),
 * computed only when the whole segment was captured and is not a fragment.
 */
#include "checksum.h"
#include "decode_int.h"

static void tcp_checksum(struct tl_packet *p, const struct tl_ip *ip, size_t off)
{
    struct tl_tcp *tcp = &p->tcp;
    uint32_t seg = ip->l4_length;
    uint8_t pseudo[40];
    size_t plen;

    if (ip->version == 4) {
        memcpy(pseudo, ip->src, 4);
        memcpy(pseudo + 4, ip->dst, 4);
        pseudo[8] = 0;
        pseudo[9] = IPPROTO_NUM_TCP;
        pseudo[10] = (uint8_t)(seg >> 8);
        pseudo[11] = (uint8_t)seg;
        plen = 12;
        if (seg > 0xffff) { /* a BIG TCP super-packet (total length 0): the length as the sending
                               kernel and Wireshark sum it, 32 bits folded into the 16 */
            pseudo[12] = (uint8_t)(seg >> 24);
            pseudo[13] = (uint8_t)(seg >> 16);
            plen = 14;
        }
    } else {
        memcpy(pseudo, ip->has_hoa ? ip->hoa : ip->src, 16);
        memcpy(pseudo + 16, ip->has_rt_dst ? ip->rt_dst : ip->dst, 16);
        pseudo[32] = (uint8_t)(seg >> 24);
        pseudo[33] = (uint8_t)(seg >> 16);
        pseudo[34] = (uint8_t)(seg >> 8);
        pseudo[35] = (uint8_t)seg;
        pseudo[36] = pseudo[37] = pseudo[38] = 0;
        pseudo[39] = IPPROTO_NUM_TCP;
        plen = 40;
    }
    struct tl_cksum_vec v[2] = { { pseudo, plen }, { p->l3 + off, seg } };
    uint16_t s = tl_cksum(v, 2);
    tcp->checksum_status = s == 0 ? TL_CKSUM_CORRECT : TL_CKSUM_INCORRECT;
    tcp->checksum_expected = s == 0 ? tcp->checksum : tl_cksum_shouldbe(tcp->checksum, s);
    if (s == 0 && tcp->checksum == 0xffff) {
        tl_pkt_anomaly(p, TL_AN_TCP_CKSUM_FFFF);
        tcp->checksum_expected = 0;
    }
    if (s != 0 && tl_cksum_is_partial(tcp->checksum, pseudo, plen)) {
        tcp->checksum_status = TL_CKSUM_OFFLOADED;
    }
}

enum tl_anomaly tl_tcp_decode(struct tl_packet *p, const struct tl_ip *ip, size_t off, bool verify)
{
    struct tl_tcp *tcp = &p->tcp;
    struct tl_cur c;
    uint8_t doff = 0, fl = 0;
    uint32_t seg = ip->l4_length;

    tcp->offset = (uint16_t)off;
    tcp->mss = -1;
    tcp->wscale = -1;
    tcp->wscale_used = -1;
    tcp->checksum_status = TL_CKSUM_UNVERIFIED;
    if (off > p->l3_avail) {
        return TL_AN_TCP_TRUNC_HDR;
    }
    tl_cur_init(&c, p->l3, p->l3_avail);
    c.off = off;
    size_t avail = tl_cur_left(&c);
    size_t cap = p->l3_caplen > off ? p->l3_caplen - off : 0;

    if (avail < TCP_HDR_MIN_LEN) {
        /* keep the ports when they were captured: tcpdump prints them before "[|tcp]" */
        if (tl_cur_be16(&c, &tcp->src_port) && tl_cur_be16(&c, &tcp->dst_port)) {
            tcp->header_length = 4;
        }
        return TL_AN_TCP_TRUNC_HDR;
    }
    tl_cur_be16(&c, &tcp->src_port);
    tl_cur_be16(&c, &tcp->dst_port);
    tl_cur_be32(&c, &tcp->seq);
    tl_cur_be32(&c, &tcp->ack);
    tl_cur_u8(&c, &doff);
    tl_cur_u8(&c, &fl);
    tl_cur_be16(&c, &tcp->window);
    tl_cur_be16(&c, &tcp->checksum);
    tl_cur_be16(&c, &tcp->urgent_pointer);
    tcp->data_offset = doff >> 4;
    tcp->reserved = (doff >> 1) & 0x07;
    tcp->flags = (uint16_t)((doff & 0x01) << 8 | fl);
    tcp->header_length = (uint16_t)(tcp->data_offset * 4);

    if (tcp->header_length < TCP_HDR_MIN_LEN) {
        return TL_AN_TCP_HLEN_TOO_SMALL;
    }
    if (tcp->header_length > seg) {
        return TL_AN_TCP_HLEN_TOO_LARGE;
    }
    size_t optlen = (size_t)tcp->header_length - TCP_HDR_MIN_LEN;
    size_t optcap = avail - TCP_HDR_MIN_LEN < optlen ? avail - TCP_HDR_MIN_LEN : optlen;
    tcp->opts_captured = (uint16_t)optcap;
    bool snapped = p->l3_caplen < p->l3_wirelen; /* cut by the snapshot length, not invalid */
    if (optcap < optlen && snapped) {
        tl_pkt_anomaly(p, TL_AN_TCP_TRUNC_OPTS);
    }
    if (optlen > 0) {
        tl_tcp_options_parse(p, tcp, &c, off + TCP_HDR_MIN_LEN, optlen, optcap);
    }
    tcp->payload_length = seg - tcp->header_length;
    tcp->payload_captured = avail > tcp->header_length ? (uint32_t)(avail - tcp->header_length) : 0;
    if (tcp->payload_captured > tcp->payload_length) {
        tcp->payload_captured = tcp->payload_length;
    }
    if (optcap == optlen && cap < seg && snapped) {
        tl_pkt_anomaly(p, TL_AN_TCP_TRUNC_PAYLOAD);
    }
    if (verify && !ip->fragment && avail >= seg) {
        tcp_checksum(p, ip, off);
    }
    return TL_AN_NONE;
}
