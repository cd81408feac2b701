/*
 * test_zeekconn.c - Zeek's conn.log numbers (track/zeekconn.h) on hand-built segments, each
 * expectation from the rules of Zeek's TCPSessionAdapter.cc, TCP_Endpoint::Size() and the
 * reassembler's content gaps, worked out in the comments: sizes from sequence numbers (the
 * SYN and the FIN not counted), packets and IP bytes, gaps reported only for acknowledged
 * bytes never captured, the last time frozen once both sides closed, and the gap ranges
 * kept within their fixed number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conn.h"
#include "tcplens.h"
#include "zeekconn.h"

#define C 0 /* client to server */
#define S 1

enum { Z_ESTABLISHED = 4 }; /* TCP_Endpoint.h numbering */

#define ISN_C 1000u
#define ISN_S 5000u

struct fixture {
    struct tl_zeek z;
    struct tl_conn c;
    struct tl_packet p;
};

/* A segment: flags, seq, ack, payload length, captured whole or not, at time t (ms). */
static void seg(struct fixture *x, int dir, uint16_t flags, uint32_t seq, uint32_t ack,
                uint32_t len, bool whole, int64_t t_ms)
{
    struct tl_packet *p = &x->p;
    memset(p, 0, sizeof *p);
    p->ts_sec = 1700000000 + t_ms / 1000;
    p->ts_nsec = (uint32_t)(t_ms % 1000) * 1000000u;
    p->n_ip = 1;
    p->ip[0].version = 4;
    p->ip[0].total_length = 40 + len;
    p->has_tcp = true;
    p->tcp.offset = 20;
    p->tcp.header_length = 20;
    p->tcp.flags = flags;
    p->tcp.seq = seq;
    p->tcp.ack = ack;
    p->tcp.payload_length = len;
    p->l3_caplen = whole ? 40 + len : 40;
    tl_zeek_packet(&x->z, &x->c, dir, p, true);
}

static int setup(void **state)
{
    static struct fixture x;
    memset(&x, 0, sizeof x);
    /* both endpoints established, as the classifier leaves them after a handshake */
    x.c.d[0].zeek_state = x.c.d[1].zeek_state = Z_ESTABLISHED;
    *state = &x;
    return 0;
}

/* SYN, SYN-ACK, ACK: sequence numbers ISN_C and ISN_S, both sides at relative 1 after. */
static void handshake(struct fixture *x)
{
    seg(x, C, TL_TH_SYN, ISN_C, 0, 0, true, 0);
    seg(x, S, TL_TH_SYN | TL_TH_ACK, ISN_S, ISN_C + 1, 0, true, 10);
    seg(x, C, TL_TH_ACK, ISN_C + 1, ISN_S + 1, 0, true, 20);
}

static void test_zeekconn_sizes_exclude_syn_and_fin(void **state)
{
    struct fixture *x = *state;
    handshake(x);
    seg(x, C, TL_TH_ACK | TL_TH_PSH, ISN_C + 1, ISN_S + 1, 100, true, 30);
    seg(x, S, TL_TH_ACK | TL_TH_PSH, ISN_S + 1, ISN_C + 101, 300, true, 40);
    seg(x, C, TL_TH_FIN | TL_TH_ACK, ISN_C + 101, ISN_S + 301, 0, true, 50);
    seg(x, S, TL_TH_FIN | TL_TH_ACK, ISN_S + 301, ISN_C + 102, 0, true, 60);
    seg(x, C, TL_TH_ACK, ISN_C + 102, ISN_S + 302, 0, true, 70);
    /* client: last_seq = ISN_C + 102 (100 bytes + SYN + FIN), 102 - 1 - 1 = 100 */
    assert_int_equal(tl_zeek_size(&x->z, &x->c, C), 100);
    assert_int_equal(tl_zeek_size(&x->z, &x->c, S), 300);
    /* packets and IP bytes: 40-byte headers plus payload */
    assert_int_equal(x->z.d[C].pkts, 5);
    assert_int_equal(x->z.d[C].ip_bytes, 5 * 40 + 100);
    assert_int_equal(x->z.d[S].pkts, 3);
    assert_int_equal(x->z.d[S].ip_bytes, 3 * 40 + 300);
    /* the final ACK came after both FINs: the last time is the server's FIN, at 60 ms */
    assert_true(x->z.last_set);
    assert_int_equal(x->z.last_nsec, 60000000u);
    assert_int_equal(x->z.d[C].missed + x->z.d[S].missed, 0);
}

static void test_zeekconn_acked_hole_is_missed(void **state)
{
    struct fixture *x = *state;
    handshake(x);
    /* 3 x 100 bytes; the second was cut by the snapshot length, the server acks all 300 */
    seg(x, C, TL_TH_ACK, ISN_C + 1, ISN_S + 1, 100, true, 30);
    seg(x, C, TL_TH_ACK, ISN_C + 101, ISN_S + 1, 100, false, 31);
    seg(x, C, TL_TH_ACK, ISN_C + 201, ISN_S + 1, 100, true, 32);
    seg(x, S, TL_TH_ACK, ISN_S + 1, ISN_C + 301, 0, true, 40);
    assert_int_equal(x->z.d[C].missed, 100);
    /* the size comes from sequence numbers: all 300 bytes */
    assert_int_equal(tl_zeek_size(&x->z, &x->c, C), 300);
    /* a retransmission of the hole after the ack changes nothing */
    seg(x, C, TL_TH_ACK, ISN_C + 101, ISN_S + 1, 100, true, 50);
    assert_int_equal(x->z.d[C].missed, 100);
}

static void test_zeekconn_unacked_hole_is_not_missed(void **state)
{
    struct fixture *x = *state;
    handshake(x);
    seg(x, C, TL_TH_ACK, ISN_C + 1, ISN_S + 1, 100, true, 30);
    seg(x, C, TL_TH_ACK, ISN_C + 201, ISN_S + 1, 100, true, 31); /* 101..200 not yet seen */
    seg(x, S, TL_TH_ACK, ISN_S + 1, ISN_C + 101, 0, true, 40);   /* acks only the first */
    seg(x, C, TL_TH_ACK, ISN_C + 101, ISN_S + 1, 100, true, 45); /* the hole arrives */
    seg(x, S, TL_TH_ACK, ISN_S + 1, ISN_C + 301, 0, true, 50);
    assert_int_equal(x->z.d[C].missed, 0);
}

static void test_zeekconn_gaps_not_reported_unless_both_established(void **state)
{
    struct fixture *x = *state;
    x->c.d[S].zeek_state = 3; /* PARTIAL: a connection Zeek saw no SYN of */
    seg(x, C, TL_TH_ACK, ISN_C + 1, ISN_S + 1, 100, true, 0);
    seg(x, S, TL_TH_ACK, ISN_S + 1, ISN_C + 501, 0, true, 10);
    assert_int_equal(x->z.d[C].missed, 0);
    /* without a SYN the first number seen is relative 1, and the size follows the peer's
     * acknowledgement when it goes further than the data seen: 501 - 1 = 500 */
    assert_int_equal(tl_zeek_size(&x->z, &x->c, C), 500);
}

static void test_zeekconn_many_holes_stay_bounded(void **state)
{
    struct fixture *x = *state;
    handshake(x);
    /* 20 segments of 100 bytes, every other one cut: 10 holes of 100 bytes, more ranges than
     * TL_ZEEK_BLOCKS; all acked at once */
    for (uint32_t i = 0; i < 20; i++) {
        seg(x, C, TL_TH_ACK, ISN_C + 1 + 100 * i, ISN_S + 1, 100, i % 2 == 1, 30 + i);
    }
    seg(x, S, TL_TH_ACK, ISN_S + 1, ISN_C + 2001, 0, true, 60);
    /* exact would be 1000; once ranges are merged the holes between them count as received,
     * the smallest first, so some of the 10 holes may be lost, never more than are merged */
    unsigned merged = 10 - TL_ZEEK_BLOCKS;
    assert_true(x->z.d[C].missed <= 1000);
    assert_true(x->z.d[C].missed >= 1000 - 100 * merged);
    assert_true(x->z.d[C].n_blocks <= TL_ZEEK_BLOCKS);
}

static void test_zeekconn_rst_then_nothing_trusted(void **state)
{
    struct fixture *x = *state;
    handshake(x);
    seg(x, C, TL_TH_ACK, ISN_C + 1, ISN_S + 1, 50, true, 30);
    /* a RST carries no sequence space for its payload */
    seg(x, C, TL_TH_RST | TL_TH_ACK, ISN_C + 51, ISN_S + 1, 20, true, 40);
    /* after the RST, a segment far ahead does not move last_seq */
    seg(x, C, TL_TH_ACK, ISN_C + 1051, ISN_S + 1, 10, true, 50);
    assert_int_equal(tl_zeek_size(&x->z, &x->c, C), 50);
}

static void test_zeekconn_skipped_packets_count_nowhere(void **state)
{
    struct fixture *x = *state;
    handshake(x);
    struct tl_packet *p = &x->p;
    memset(p, 0, sizeof *p);
    p->n_ip = 1;
    p->ip[0].total_length = 140;
    p->has_tcp = true;
    p->tcp.flags = TL_TH_ACK;
    p->tcp.seq = ISN_C + 1;
    p->tcp.payload_length = 100;
    p->ts_sec = 1700000099;
    tl_zeek_packet(&x->z, &x->c, C, p, false); /* a bad checksum Zeek skips */
    assert_int_equal(x->z.d[C].pkts, 2);
    assert_int_equal(x->z.d[C].ip_bytes, 80);
    assert_int_equal(x->z.last_sec, 1700000000);
    assert_int_equal(tl_zeek_size(&x->z, &x->c, C), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_zeekconn_sizes_exclude_syn_and_fin, setup),
        cmocka_unit_test_setup(test_zeekconn_acked_hole_is_missed, setup),
        cmocka_unit_test_setup(test_zeekconn_unacked_hole_is_not_missed, setup),
        cmocka_unit_test_setup(test_zeekconn_gaps_not_reported_unless_both_established, setup),
        cmocka_unit_test_setup(test_zeekconn_many_holes_stay_bounded, setup),
        cmocka_unit_test_setup(test_zeekconn_rst_then_nothing_trusted, setup),
        cmocka_unit_test_setup(test_zeekconn_skipped_packets_count_nowhere, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
