/*
 * test_rec_codec.c - the stored-packet codec (track/rec_codec.h): a record survives
 * encode/decode field for field; the bytes follow the documented version-1 layout (so the
 * records in existing databases stay readable); every cut, an unknown version and an
 * impossible anomaly count are refused, never read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conn.h"
#include "flow.h"
#include "guard.h"
#include "rec_codec.h"
#include "tcplens.h"

/* Frame 1 of the seed capture (the client's SYN): Ethernet, IPv4 (20), TCP (44). */
static const uint8_t seed1[78] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x10,
    0x00, 0x40, 0x54, 0x3f, 0x40, 0x00, 0x40, 0x06, 0xe1, 0x2d, 0xc0, 0xa8, 0x03, 0x0a, 0x72, 0xd7,
    0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0xff, 0xff, 0xf3, 0x5a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x05, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x16, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

static struct tl_rec *seed_record(struct tl_rec_space *space, bool reused)
{
    struct tl_packet p;
    tl_packet_decode(&p, TL_DLT_EN10MB, seed1, sizeof seed1, sizeof seed1);
    assert_true(p.has_tcp);
    p.frame = 7;
    p.ts_sec = 1546300800;
    p.ts_nsec = 123456000;
    struct tl_flow_pkt fp;
    memset(&fp, 0, sizeof fp);
    if (reused) {
        fp.conn.analysis = TL_AF_REUSED_PORTS;
    }
    struct tl_rec *r = TL_REC_OF(*space);
    tl_rec_fill(r, &p, &fp, tl_rec_header_len(&p));
    /* the store's path, straight from the packet, gives the same bytes */
    uint8_t a[TL_REC_CODEC_MAX], b[TL_REC_CODEC_MAX];
    size_t na = tl_rec_encode(r, a), nb = tl_rec_encode_packet(&p, &fp, b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    return r;
}

static void round_trip(void **state)
{
    (void)state;
    struct tl_rec_space a, b;
    struct tl_rec *r = seed_record(&a, true);
    assert_int_equal(r->len, 64); /* the IPv4 and TCP headers: 20 + 44 */
    uint8_t out[TL_REC_CODEC_MAX];
    size_t n = tl_rec_encode(r, out);
    assert_int_equal(n, TL_REC_CODEC_FIXED + r->n_anomalies + 64);

    struct tl_rec *d = TL_REC_OF(b);
    assert_true(tl_rec_decode_bytes(out, n, d));
    assert_int_equal(d->frame, 7);
    assert_int_equal(d->ts_sec, 1546300800);
    assert_int_equal(d->ts_nsec, 123456000);
    assert_int_equal(d->l3_caplen, 64);
    assert_int_equal(d->l3_wirelen, 64);
    assert_int_equal(d->tcp_cksum, r->tcp_cksum);
    assert_int_equal(d->tcp_cksum_expected, r->tcp_cksum_expected);
    assert_int_equal(d->n_anomalies, r->n_anomalies);
    assert_memory_equal(d->anomalies, r->anomalies, r->n_anomalies);
    assert_int_equal(d->len, 64);
    assert_memory_equal(d->bytes, seed1 + 14, 64);
    assert_true(d->conn.analysis & TL_AF_REUSED_PORTS);

    /* the decoded record decodes to the same packet */
    struct tl_packet p1, p2;
    tl_rec_decode(r, &p1);
    tl_rec_decode(d, &p2);
    assert_int_equal(p1.tcp.seq, 1754109131u);
    assert_int_equal(p2.tcp.seq, p1.tcp.seq);
    assert_int_equal(p2.tcp.window, 65535);
    assert_int_equal(p2.tcp.src_port, 58544);
    assert_int_equal(p2.tcp.checksum_status, p1.tcp.checksum_status);

    /* without the flag, no flag */
    r = seed_record(&a, false);
    n = tl_rec_encode(r, out);
    assert_true(tl_rec_decode_bytes(out, n, d));
    assert_false(d->conn.analysis & TL_AF_REUSED_PORTS);
}

/* The version-1 layout written out by hand: what databases already hold must stay readable. */
static void layout_v1(void **state)
{
    (void)state;
    const uint8_t rec[] = {
        1,                                        /* version */
        0x2a, 0,    0,    0,    0,    0,    0, 0, /* frame 42 */
        0x00, 0xe1, 0xf5, 0x05, 0,    0,    0, 0, /* ts_sec 100000000 */
        0x40, 0x42, 0x0f, 0x00,                   /* ts_nsec 1000000 */
        40,   0,    0,    0,                      /* l3_caplen 40 */
        0xdc, 0x05, 0,    0,                      /* l3_wirelen 1500 */
        2,                                        /* tcp checksum verdict */
        0x34, 0x12,                               /* expected 0x1234 */
        1,                                        /* flags: reused ports */
        2,    5,    9,                            /* two anomalies: 5, 9 */
        0x45, 0x00, 0x00, 0x28, 0xaa, 0xbb,       /* six header bytes */
    };
    struct tl_rec_space s;
    struct tl_rec *d = TL_REC_OF(s);
    assert_int_equal(tl_rec_encoded_frame(rec, sizeof rec), 42);
    assert_true(tl_rec_decode_bytes(rec, sizeof rec, d));
    assert_int_equal(d->frame, 42);
    assert_int_equal(d->ts_sec, 100000000);
    assert_int_equal(d->ts_nsec, 1000000);
    assert_int_equal(d->l3_caplen, 40);
    assert_int_equal(d->l3_wirelen, 1500);
    assert_int_equal(d->tcp_cksum, 2);
    assert_int_equal(d->tcp_cksum_expected, 0x1234);
    assert_true(d->conn.analysis & TL_AF_REUSED_PORTS);
    assert_int_equal(d->n_anomalies, 2);
    assert_int_equal(d->anomalies[0], 5);
    assert_int_equal(d->anomalies[1], 9);
    assert_int_equal(d->len, 6);
    assert_int_equal(d->bytes[5], 0xbb);

    /* and encoding it again gives the same bytes */
    uint8_t out[TL_REC_CODEC_MAX];
    assert_int_equal(tl_rec_encode(d, out), sizeof rec);
    assert_memory_equal(out, rec, sizeof rec);
}

/* Every prefix shorter than the fixed part and the anomalies is refused; read against a
 * guard page, so a read past the end would fault. */
static void truncation(void **state)
{
    (void)state;
    struct tl_rec_space a, b;
    uint8_t out[TL_REC_CODEC_MAX];
    struct tl_rec *r = seed_record(&a, false);
    r->n_anomalies = 3;
    r->anomalies[0] = 1;
    r->anomalies[1] = 2;
    r->anomalies[2] = 3;
    size_t n = tl_rec_encode(r, out);
    struct tl_rec *d = TL_REC_OF(b);
    struct guard guard;
    assert_int_equal(guard_init(&guard, sizeof out), 0);
    for (size_t cut = 0; cut <= n; cut++) {
        const uint8_t *g = guard_place(&guard, out, cut);
        bool ok = tl_rec_decode_bytes(g, cut, d);
        if (cut < TL_REC_CODEC_FIXED + 3) {
            assert_false(ok);
            assert_int_equal(tl_rec_encoded_frame(g, cut), cut < TL_REC_CODEC_FIXED ? 0 : 7);
        } else {
            assert_true(ok); /* fewer header bytes: the decoder marks the packet cut */
            assert_int_equal(d->len, cut - TL_REC_CODEC_FIXED - 3);
        }
    }
    guard_free(&guard);
    assert_false(tl_rec_decode_bytes(NULL, 10, d));
}

static void refused(void **state)
{
    (void)state;
    struct tl_rec_space a, b;
    uint8_t out[TL_REC_CODEC_MAX];
    size_t n = tl_rec_encode(seed_record(&a, false), out);
    struct tl_rec *d = TL_REC_OF(b);
    out[0] = 2; /* a version this code does not know */
    assert_false(tl_rec_decode_bytes(out, n, d));
    assert_int_equal(tl_rec_encoded_frame(out, n), 0);
    out[0] = TL_REC_CODEC_VERSION;
    out[TL_REC_CODEC_FIXED - 1] = TL_MAX_ANOMALIES + 1; /* more anomalies than a record holds */
    assert_false(tl_rec_decode_bytes(out, n, d));
    out[TL_REC_CODEC_FIXED - 1] = 0;
    /* more header bytes than a record keeps */
    static uint8_t big[TL_REC_CODEC_FIXED + TL_REC_MAX_BYTES + 1];
    memcpy(big, out, TL_REC_CODEC_FIXED);
    assert_false(tl_rec_decode_bytes(big, sizeof big, d));
    assert_true(tl_rec_decode_bytes(big, sizeof big - 1, d));
    assert_int_equal(d->len, TL_REC_MAX_BYTES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(layout_v1),
        cmocka_unit_test(truncation),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
