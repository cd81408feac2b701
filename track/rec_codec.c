/*
 * rec_codec.c - a packet's record as bytes and back (see rec_codec.h for the layout).
 */
#include "rec_codec.h"

#include <string.h>

#include "conn.h"

#define REC_FLAG_REUSED 0x01

static uint8_t *put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        *p++ = (uint8_t)(v >> (8 * i));
    }
    return p;
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

/* The layout of rec_codec.h, from its fields (a record's or a packet's). */
struct fields {
    uint64_t frame;
    int64_t ts_sec;
    uint32_t ts_nsec, l3_caplen, l3_wirelen;
    uint8_t cksum;
    uint16_t cksum_expected;
    bool reused;
    const uint8_t *anomalies;
    unsigned n_anomalies;
    const uint8_t *bytes;
    size_t len;
};

static size_t put_fields(const struct fields *f, uint8_t *out)
{
    unsigned na = f->n_anomalies > TL_MAX_ANOMALIES ? TL_MAX_ANOMALIES : f->n_anomalies;
    size_t hl = f->len > TL_REC_MAX_BYTES ? TL_REC_MAX_BYTES : f->len;
    uint8_t *w = out;
    *w++ = TL_REC_CODEC_VERSION;
    w = put_le(w, f->frame, 8);
    w = put_le(w, (uint64_t)f->ts_sec, 8);
    w = put_le(w, f->ts_nsec, 4);
    w = put_le(w, f->l3_caplen, 4);
    w = put_le(w, f->l3_wirelen, 4);
    *w++ = f->cksum;
    w = put_le(w, f->cksum_expected, 2);
    *w++ = f->reused ? REC_FLAG_REUSED : 0;
    *w++ = (uint8_t)na;
    memcpy(w, f->anomalies, na);
    w += na;
    memcpy(w, f->bytes, hl);
    w += hl;
    return (size_t)(w - out);
}

size_t tl_rec_encode(const struct tl_rec *r, uint8_t *out)
{
    struct fields f = {
        .frame = r->frame,
        .ts_sec = r->ts_sec,
        .ts_nsec = r->ts_nsec,
        .l3_caplen = r->l3_caplen,
        .l3_wirelen = r->l3_wirelen,
        .cksum = r->tcp_cksum,
        .cksum_expected = r->tcp_cksum_expected,
        .reused = (r->conn.analysis & TL_AF_REUSED_PORTS) != 0,
        .anomalies = r->anomalies,
        .n_anomalies = r->n_anomalies,
        .bytes = r->bytes,
        .len = r->len,
    };
    return put_fields(&f, out);
}

size_t tl_rec_encode_packet(const struct tl_packet *p, const struct tl_flow_pkt *fp, uint8_t *out)
{
    struct fields f = {
        .frame = p->frame,
        .ts_sec = p->ts_sec,
        .ts_nsec = p->ts_nsec,
        .l3_caplen = p->l3_caplen,
        .l3_wirelen = p->l3_wirelen,
        .cksum = (uint8_t)p->tcp.checksum_status,
        .cksum_expected = p->tcp.checksum_expected,
        .reused = (fp->conn.analysis & TL_AF_REUSED_PORTS) != 0,
        .anomalies = p->anomalies,
        .n_anomalies = p->n_anomalies,
        .bytes = p->l3,
        .len = tl_rec_header_len(p),
    };
    return put_fields(&f, out);
}

uint64_t tl_rec_encoded_frame(const uint8_t *in, size_t n)
{
    if (!in || n < TL_REC_CODEC_FIXED || in[0] != TL_REC_CODEC_VERSION) {
        return 0;
    }
    return get_le(in + 1, 8);
}

bool tl_rec_decode_bytes(const uint8_t *in, size_t n, struct tl_rec *r)
{
    if (!in || n < TL_REC_CODEC_FIXED || in[0] != TL_REC_CODEC_VERSION) {
        return false;
    }
    size_t na = in[TL_REC_CODEC_FIXED - 1];
    if (na > TL_MAX_ANOMALIES || n < TL_REC_CODEC_FIXED + na) {
        return false;
    }
    size_t hl = n - TL_REC_CODEC_FIXED - na;
    if (hl > TL_REC_MAX_BYTES) {
        return false;
    }
    memset(r, 0, sizeof *r);
    r->frame = get_le(in + 1, 8);
    r->ts_sec = (int64_t)get_le(in + 9, 8);
    r->ts_nsec = (uint32_t)get_le(in + 17, 4);
    r->l3_caplen = (uint32_t)get_le(in + 21, 4);
    r->l3_wirelen = (uint32_t)get_le(in + 25, 4);
    r->tcp_cksum = in[29];
    r->tcp_cksum_expected = (uint16_t)get_le(in + 30, 2);
    if (in[32] & REC_FLAG_REUSED) {
        r->conn.analysis |= TL_AF_REUSED_PORTS;
    }
    r->n_anomalies = (uint8_t)na;
    memcpy(r->anomalies, in + TL_REC_CODEC_FIXED, na);
    r->len = (uint16_t)hl;
    r->scale = -1;
    memcpy(r->bytes, in + TL_REC_CODEC_FIXED + na, hl);
    return true;
}
