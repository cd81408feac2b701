/*
 * test_flow.c - the flow table (track/flow.h): both directions of a connection map to one
 * flow; orientation from the SYN, the SYN-ACK or the first packet; Wireshark's relative
 * sequence and acknowledgement numbers; window scaling once both SYNs carried the option;
 * port reuse after FIN/FIN or RST; the flow cap; timeline records; and retirement handing
 * each flow to the callback exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"
#include "tcplens.h"

#define ETH_LEN    14
#define TCP_AT     (ETH_LEN + 20) /* every frame here has a 20-byte IPv4 header */
#define FLAGS_AT   (TCP_AT + 13)
#define SEQ_AT     (TCP_AT + 4)
#define CLIENT_IP  "192.168.3.10"
#define SERVER_IP  "114.215.206.177"
#define CLIENT_ISN 1754109131u
#define SERVER_ISN 2349913793u

/*
 * tests/golden/seed_telnet/capture.pcap, all six frames (tcpdump -nn -v):
 *   1 192.168.3.10.58544 > 114.215.206.177.5555: [S] seq 1754109131, win 65535,
 *     options [mss 1460,nop,wscale 5,nop,nop,TS val 811537995 ecr 0,sackOK,eol]
 *   2 114.215.206.177.5555 > 192.168.3.10.58544: [S.] seq 2349913793, ack 1754109132,
 *     win 28960, options [mss 1312,sackOK,TS val 2088043701 ecr 811537995,nop,wscale 7]
 *   3 client: [.] ack 1, win 4103
 *   4 client: [F.] seq 1, ack 1, win 4103
 *   5 server: [F.] seq 1, ack 2, win 227
 *   6 client: [.] ack 2, win 4103
 */
static const uint8_t seed1[78] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x10,
    0x00, 0x40, 0x54, 0x3f, 0x40, 0x00, 0x40, 0x06, 0xe1, 0x2d, 0xc0, 0xa8, 0x03, 0x0a, 0x72, 0xd7,
    0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0xff, 0xff, 0xf3, 0x5a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x05, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x16, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};
static const uint8_t seed2[74] = {
    0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x34, 0x06, 0x41, 0x81, 0x72, 0xd7, 0xce, 0xb1,
    0xc0, 0xa8, 0x03, 0x0a, 0x15, 0xb3, 0xe4, 0xb0, 0x8c, 0x10, 0xd6, 0xc1, 0x68, 0x8d, 0x94,
    0xcc, 0xa0, 0x12, 0x71, 0x20, 0xaf, 0xc3, 0x00, 0x00, 0x02, 0x04, 0x05, 0x20, 0x04, 0x02,
    0x08, 0x0a, 0x7c, 0x75, 0x04, 0xb5, 0x30, 0x5f, 0x16, 0x4b, 0x01, 0x03, 0x03, 0x07,
};
static const uint8_t seed3[66] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x10, 0x00, 0x34, 0x02, 0xfa, 0x40, 0x00, 0x40, 0x06, 0x32, 0x7f, 0xc0, 0xa8,
    0x03, 0x0a, 0x72, 0xd7, 0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcc,
    0x8c, 0x10, 0xd6, 0xc2, 0x80, 0x10, 0x10, 0x07, 0x3f, 0x00, 0x00, 0x00, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x16, 0x60, 0x7c, 0x75, 0x04, 0xb5,
};
static const uint8_t seed4[66] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x10, 0x00, 0x34, 0xa1, 0xd9, 0x40, 0x00, 0x40, 0x06, 0x93, 0x9f, 0xc0, 0xa8,
    0x03, 0x0a, 0x72, 0xd7, 0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcc,
    0x8c, 0x10, 0xd6, 0xc2, 0x80, 0x11, 0x10, 0x07, 0x0c, 0x2b, 0x00, 0x00, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x49, 0x34, 0x7c, 0x75, 0x04, 0xb5,
};
static const uint8_t seed5[66] = {
    0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x34, 0xd2, 0x08, 0x40, 0x00, 0x34, 0x06, 0x6f, 0x80, 0x72, 0xd7,
    0xce, 0xb1, 0xc0, 0xa8, 0x03, 0x0a, 0x15, 0xb3, 0xe4, 0xb0, 0x8c, 0x10, 0xd6, 0xc2,
    0x68, 0x8d, 0x94, 0xcd, 0x80, 0x11, 0x00, 0xe3, 0xe8, 0x48, 0x00, 0x00, 0x01, 0x01,
    0x08, 0x0a, 0x7c, 0x75, 0x37, 0xba, 0x30, 0x5f, 0x49, 0x34,
};
static const uint8_t seed6[66] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x10, 0x00, 0x34, 0xb8, 0x84, 0x40, 0x00, 0x40, 0x06, 0x7c, 0xf4, 0xc0, 0xa8,
    0x03, 0x0a, 0x72, 0xd7, 0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcd,
    0x8c, 0x10, 0xd6, 0xc3, 0x80, 0x10, 0x10, 0x07, 0xd9, 0x10, 0x00, 0x00, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x49, 0x48, 0x7c, 0x75, 0x37, 0xba,
};

/* tests/golden/crafted_ipv6_ext_headers/capture.pcap frame 1: SYN 2001:db8::1.40000 >
 * 2001:db8:1::2.80 behind four extension headers; and frame 5: the server's ACK. */
static const uint8_t v6_syn[126] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x48, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2b, 0x00,
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xff, 0xff, 0x48, 0x2a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};
static const uint8_t v6_ack19[74] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x50, 0x9c, 0x40, 0x00, 0x00,
    0x13, 0x89, 0x00, 0x00, 0x03, 0xfb, 0x50, 0x10, 0xff, 0xff, 0xa0, 0x4a, 0x00, 0x00,
};

static const struct {
    const uint8_t *f;
    size_t len;
    enum tl_dir dir; /* who sent it */
} seed[6] = {
    { seed1, sizeof seed1, TL_C2S }, { seed2, sizeof seed2, TL_S2C },
    { seed3, sizeof seed3, TL_C2S }, { seed4, sizeof seed4, TL_C2S },
    { seed5, sizeof seed5, TL_S2C }, { seed6, sizeof seed6, TL_C2S },
};

static struct tl_packet pkt; /* big: keep it off the stack */
static uint8_t frame_buf[256];

/* Decode a frame (at capture time `ts`) and account it to the table. */
static enum tl_err add(struct tl_flow_table *t, const uint8_t *f, size_t len, int64_t ts,
                       struct tl_flow_pkt *out)
{
    pkt.frame++;
    pkt.ts_sec = ts;
    pkt.ts_nsec = 0;
    tl_packet_decode(&pkt, TL_DLT_EN10MB, f, (uint32_t)len, (uint32_t)len);
    assert_true(pkt.has_tcp);
    return tl_flow_table_add(t, &pkt, out);
}

/* Seed frame `i` (1-based) as sent on the connection from client port `port`, with `flags`
 * in place of its own when non-zero. Returns frame_buf. */
static const uint8_t *seed_variant(int i, uint16_t port, uint8_t flags)
{
    memcpy(frame_buf, seed[i - 1].f, seed[i - 1].len);
    size_t at = TCP_AT + (seed[i - 1].dir == TL_C2S ? 0 : 2);
    frame_buf[at] = (uint8_t)(port >> 8);
    frame_buf[at + 1] = (uint8_t)port;
    if (flags) {
        frame_buf[FLAGS_AT] = flags;
    }
    return frame_buf;
}

static enum tl_err add_seed(struct tl_flow_table *t, int i, int64_t ts, struct tl_flow_pkt *out)
{
    return add(t, seed[i - 1].f, seed[i - 1].len, ts, out);
}

static void assert_endpoint(const struct tl_flow *f, enum tl_dir d, const char *ip, uint16_t port)
{
    char buf[64];
    assert_string_equal(tl_addr_str(f->ip_version, f->addr[d], buf, sizeof buf), ip);
    assert_int_equal(f->port[d], port);
}

static int table_setup(void **state)
{
    struct tl_flow_table *t = tl_flow_table_new(0, false);
    if (!t) {
        return -1;
    }
    memset(&pkt, 0, sizeof pkt);
    *state = t;
    return 0;
}

static int table_teardown(void **state)
{
    tl_flow_table_free(*state);
    return 0;
}

static void test_flow_both_directions_one_flow(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    struct tl_flow *first = NULL;
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, 1000 + i, &out), TL_OK);
        if (i == 1) {
            first = out.flow;
        }
        assert_ptr_equal(out.flow, first);
        assert_int_equal(out.new_flow, i == 1);
        assert_int_equal(out.dir, seed[i - 1].dir);
    }
    assert_int_equal(tl_flow_table_count(t), 1);
    assert_int_equal(first->index, 0);
    assert_int_equal(first->ip_version, 4);
    assert_int_equal(first->orientation, TL_ORIENT_SYN);
    assert_string_equal(tl_orientation_name(first->orientation), "syn");
    assert_endpoint(first, TL_C2S, CLIENT_IP, 58544);
    assert_endpoint(first, TL_S2C, SERVER_IP, 5555);
    assert_int_equal(first->side[TL_C2S].packets, 4);
    assert_int_equal(first->side[TL_S2C].packets, 2);
    assert_int_equal(first->first_sec, 1001);
    assert_int_equal(first->last_sec, 1006);
    assert_true(first->side[TL_C2S].syn_seen);
    assert_int_equal(first->side[TL_C2S].isn, CLIENT_ISN);
    assert_int_equal(first->side[TL_S2C].isn, SERVER_ISN);
    assert_int_equal(first->side[TL_C2S].mss, 1460);
    assert_int_equal(first->side[TL_S2C].mss, 1312);
    assert_true(first->side[TL_C2S].fin_seen);
    assert_true(first->side[TL_S2C].fin_seen);
    assert_true(first->closed);
}

static void test_flow_orientation_syn_ack(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    for (int i = 2; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
        assert_int_equal(out.dir, seed[i - 1].dir);
    }
    assert_int_equal(tl_flow_table_count(t), 1);
    assert_int_equal(out.flow->orientation, TL_ORIENT_SYN_ACK);
    assert_string_equal(tl_orientation_name(out.flow->orientation), "syn-ack");
    /* the receiver of the SYN-ACK is the client */
    assert_endpoint(out.flow, TL_C2S, CLIENT_IP, 58544);
    assert_endpoint(out.flow, TL_S2C, SERVER_IP, 5555);
}

static void test_flow_orientation_guessed(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    /* mid-connection from the client's ACK: the sender of the first packet is the client */
    for (int i = 3; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
        assert_int_equal(out.dir, seed[i - 1].dir);
    }
    assert_int_equal(out.flow->orientation, TL_ORIENT_GUESSED);
    assert_string_equal(tl_orientation_name(out.flow->orientation), "guessed");
    assert_endpoint(out.flow, TL_C2S, CLIENT_IP, 58544);

    /* from the server's FIN: the guess makes the server the client */
    struct tl_flow_table *t2 = tl_flow_table_new(0, false);
    assert_non_null(t2);
    assert_int_equal(add_seed(t2, 5, 5, &out), TL_OK);
    assert_int_equal(out.dir, TL_C2S);
    assert_int_equal(add_seed(t2, 6, 6, &out), TL_OK);
    assert_int_equal(out.dir, TL_S2C);
    assert_int_equal(out.flow->orientation, TL_ORIENT_GUESSED);
    assert_endpoint(out.flow, TL_C2S, SERVER_IP, 5555);
    assert_endpoint(out.flow, TL_S2C, CLIENT_IP, 58544);
    tl_flow_table_free(t2);
}

static void test_flow_relative_numbers_from_syn(void **state)
{
    struct tl_flow_table *t = *state;
    static const struct {
        uint32_t seq_rel;
        bool ack_known;
        uint32_t ack_rel;
    } want[6] = { { 0, false, 0 }, { 0, true, 1 }, { 1, true, 1 },
                  { 1, true, 1 },  { 1, true, 2 }, { 2, true, 2 } };
    struct tl_flow_pkt out;
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
        assert_int_equal(out.seq_rel, want[i - 1].seq_rel);
        assert_int_equal(out.ack_rel_known, want[i - 1].ack_known);
        if (want[i - 1].ack_known) {
            assert_int_equal(out.ack_rel, want[i - 1].ack_rel);
        }
    }
}

static void test_flow_relative_numbers_without_syn(void **state)
{
    struct tl_flow_table *t = *state;
    /* without a SYN the first sequence number seen in a direction counts as 1, and an ACK
     * fixes the peer's base at ack - 1 */
    static const uint32_t seq_rel[4] = { 1, 1, 1, 2 }, ack_rel[4] = { 1, 1, 2, 2 };
    struct tl_flow_pkt out;
    for (int i = 3; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
        assert_int_equal(out.seq_rel, seq_rel[i - 3]);
        assert_true(out.ack_rel_known);
        assert_int_equal(out.ack_rel, ack_rel[i - 3]);
    }
    assert_false(out.flow->side[TL_C2S].syn_seen);
    assert_int_equal(out.flow->side[TL_C2S].base, CLIENT_ISN);
    assert_int_equal(out.flow->side[TL_S2C].base, SERVER_ISN);
}

static void test_flow_relative_numbers_wrap(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    /* the seed SYN with ISN 0xffffffff: its data starts at sequence 0 */
    const uint8_t *f = seed_variant(1, 58544, 0);
    memset(frame_buf + SEQ_AT, 0xff, 4);
    assert_int_equal(add(t, f, sizeof seed1, 1, &out), TL_OK);
    assert_int_equal(out.seq_rel, 0);
    f = seed_variant(4, 58544, 0); /* FIN, seq = ISN + 1 = 0 */
    memset(frame_buf + SEQ_AT, 0, 4);
    assert_int_equal(add(t, f, sizeof seed4, 2, &out), TL_OK);
    assert_int_equal(out.seq_rel, 1);
}

static void test_flow_window_scaling(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    static const int8_t scale[6] = { -1, -1, 5, 5, 7, 5 };
    static const uint32_t scaled[6] = { 0, 0, 131296, 131296, 29056, 131296 };
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
        assert_int_equal(out.scale, scale[i - 1]);
        if (out.scale >= 0) {
            assert_int_equal((uint32_t)pkt.tcp.window << out.scale, scaled[i - 1]);
        }
    }
    assert_int_equal(out.flow->scale[TL_C2S], 5);
    assert_int_equal(out.flow->scale[TL_S2C], 7);
    assert_int_equal(out.flow->side[TL_C2S].wscale, 5);
    assert_int_equal(out.flow->side[TL_S2C].wscale, 7);
}

static void test_flow_window_scaling_needs_both_sides(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    /* the SYN-ACK without its window scale (nop,wscale 7 -> four NOPs): no scaling at all */
    assert_int_equal(add_seed(t, 1, 1, &out), TL_OK);
    memcpy(frame_buf, seed2, sizeof seed2);
    memset(frame_buf + sizeof seed2 - 4, 0x01, 4);
    assert_int_equal(add(t, frame_buf, sizeof seed2, 2, &out), TL_OK);
    assert_int_equal(pkt.tcp.wscale, -1);
    assert_int_equal(add_seed(t, 3, 3, &out), TL_OK);
    assert_int_equal(out.scale, 0);
    assert_int_equal(add_seed(t, 5, 5, &out), TL_OK);
    assert_int_equal(out.scale, 0);

    /* a shift of 15 in the SYN-ACK is applied as 14 (RFC 7323 §2.3) */
    struct tl_flow_table *t2 = tl_flow_table_new(0, false);
    assert_non_null(t2);
    assert_int_equal(add_seed(t2, 1, 1, &out), TL_OK);
    memcpy(frame_buf, seed2, sizeof seed2);
    frame_buf[sizeof seed2 - 1] = 15;
    assert_int_equal(add(t2, frame_buf, sizeof seed2, 2, &out), TL_OK);
    assert_int_equal(add_seed(t2, 5, 5, &out), TL_OK);
    assert_int_equal(out.scale, 14);
    assert_int_equal(add_seed(t2, 3, 3, &out), TL_OK);
    assert_int_equal(out.scale, 5);
    tl_flow_table_free(t2);

    /* mid-connection: unknown */
    struct tl_flow_table *t3 = tl_flow_table_new(0, false);
    assert_non_null(t3);
    assert_int_equal(add_seed(t3, 3, 3, &out), TL_OK);
    assert_int_equal(out.scale, -1);
    assert_int_equal(add_seed(t3, 5, 5, &out), TL_OK);
    assert_int_equal(out.scale, -1);
    tl_flow_table_free(t3);
}

static void test_flow_port_reuse_after_fin(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
    }
    struct tl_flow *old = out.flow;
    assert_true(old->closed);
    /* the same SYN again on the closed tuple: a new connection */
    assert_int_equal(add_seed(t, 1, 10, &out), TL_OK);
    assert_true(out.new_flow);
    assert_ptr_not_equal(out.flow, old);
    assert_int_equal(out.flow->index, 1);
    assert_int_equal(out.seq_rel, 0);
    assert_int_equal(tl_flow_table_count(t), 2);
    struct tl_flow *reused = out.flow;
    assert_int_equal(add_seed(t, 2, 11, &out), TL_OK);
    assert_ptr_equal(out.flow, reused);
    assert_false(out.new_flow);
    assert_int_equal(out.dir, TL_S2C);
    assert_int_equal(reused->side[TL_C2S].packets, 1);
    assert_int_equal(reused->side[TL_S2C].packets, 1);
    assert_int_equal(old->side[TL_C2S].packets, 4); /* the old one is left as it was */
}

static void test_flow_port_reuse_after_rst(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    assert_int_equal(add_seed(t, 1, 1, &out), TL_OK);
    assert_int_equal(add_seed(t, 2, 2, &out), TL_OK);
    /* the client answers the SYN-ACK with RST|ACK */
    const uint8_t *rst = seed_variant(3, 58544, TL_TH_RST | TL_TH_ACK);
    assert_int_equal(add(t, rst, sizeof seed3, 3, &out), TL_OK);
    assert_false(out.new_flow);
    assert_true(out.flow->closed);
    assert_int_equal(add_seed(t, 1, 4, &out), TL_OK);
    assert_true(out.new_flow);
    assert_int_equal(out.flow->index, 1);
    assert_int_equal(tl_flow_table_count(t), 2);

    /* the server rejects that one with RST|ACK: the next SYN is a third connection */
    rst = seed_variant(2, 58544, TL_TH_RST | TL_TH_ACK);
    assert_int_equal(add(t, rst, sizeof seed2, 5, &out), TL_OK);
    assert_false(out.new_flow);
    assert_int_equal(out.dir, TL_S2C);
    assert_true(out.flow->closed);
    assert_int_equal(add_seed(t, 1, 6, &out), TL_OK);
    assert_true(out.new_flow);
    assert_int_equal(out.flow->index, 2);
    assert_int_equal(tl_flow_table_count(t), 3);
}

static void test_flow_syn_retransmission_is_not_reuse(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    assert_int_equal(add_seed(t, 1, 1, &out), TL_OK);
    assert_int_equal(add_seed(t, 1, 2, &out), TL_OK); /* same ISN, nothing answered */
    assert_false(out.new_flow);
    assert_int_equal(add_seed(t, 2, 3, &out), TL_OK);
    assert_int_equal(add_seed(t, 3, 4, &out), TL_OK);
    assert_int_equal(add_seed(t, 1, 5, &out), TL_OK); /* same ISN, open connection */
    assert_false(out.new_flow);
    assert_int_equal(tl_flow_table_count(t), 1);
    /* another ISN on an answered connection is a new one (Wireshark's rule) */
    const uint8_t *f = seed_variant(1, 58544, 0);
    frame_buf[SEQ_AT + 3] ^= 0x55;
    assert_int_equal(add(t, f, sizeof seed1, 6, &out), TL_OK);
    assert_true(out.new_flow);
    assert_int_equal(out.flow->index, 1);
}

static void test_flow_ipv6_both_directions(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    assert_int_equal(add(t, v6_syn, sizeof v6_syn, 1, &out), TL_OK);
    struct tl_flow *f = out.flow;
    assert_int_equal(add(t, v6_ack19, sizeof v6_ack19, 2, &out), TL_OK);
    assert_ptr_equal(out.flow, f);
    assert_int_equal(out.dir, TL_S2C);
    assert_int_equal(f->ip_version, 6);
    assert_endpoint(f, TL_C2S, "2001:db8::1", 40000);
    assert_endpoint(f, TL_S2C, "2001:db8:1::2", 80);
    assert_int_equal(tl_flow_table_count(t), 1);
}

static void test_flow_cap_returns_too_large(void **state)
{
    (void)state;
    struct tl_flow_table *t = tl_flow_table_new(2, false);
    struct tl_flow_pkt out;
    assert_non_null(t);
    assert_int_equal(add(t, seed_variant(1, 40001, 0), sizeof seed1, 1, &out), TL_OK);
    assert_int_equal(add(t, seed_variant(1, 40002, 0), sizeof seed1, 2, &out), TL_OK);
    assert_false(tl_flow_table_cap_hit(t));
    assert_int_equal(add(t, seed_variant(1, 40003, 0), sizeof seed1, 3, &out), TL_E_TOO_LARGE);
    assert_true(tl_flow_table_cap_hit(t));
    assert_int_equal(tl_flow_table_count(t), 2);
    /* the flows already tracked go on */
    assert_int_equal(add(t, seed_variant(2, 40001, 0), sizeof seed2, 4, &out), TL_OK);
    assert_false(out.new_flow);
    assert_int_equal(out.flow->index, 0);
    /* once they are retired there is room again */
    tl_flow_table_retire(t, 0, 0, true, NULL, NULL);
    assert_int_equal(add(t, seed_variant(1, 40003, 0), sizeof seed1, 5, &out), TL_OK);
    assert_true(out.new_flow);
    assert_int_equal(out.flow->index, 2);
    assert_int_equal(tl_flow_table_count(t), 3);
    tl_flow_table_free(t);

    /* cap 1: port reuse needs a slot too while the closed flow is still held */
    t = tl_flow_table_new(1, false);
    assert_non_null(t);
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, i, &out), TL_OK);
    }
    assert_int_equal(add_seed(t, 1, 7, &out), TL_E_TOO_LARGE);
    tl_flow_table_free(t);
}

struct retired {
    uint8_t seen[8192];
    uint64_t calls;
    uint64_t last_index;
    bool in_order;
};

static void on_retire(struct tl_flow *f, void *arg)
{
    struct retired *r = arg;
    assert_true(f->index < sizeof r->seen);
    r->seen[f->index]++;
    if (r->calls > 0 && f->index <= r->last_index) {
        r->in_order = false;
    }
    r->last_index = f->index;
    r->calls++;
}

static void retired_reset(struct retired *r)
{
    r->calls = 0;
    r->in_order = true;
}

/* 3000 flows (the hash grows past its first 1024 buckets); half closed and retired; the
 * others keep their entries; every flow reaches the callback exactly once. */
static void test_flow_retire_hands_each_flow_once(void **state)
{
    struct tl_flow_table *t = *state;
    static struct retired r;
    struct tl_flow_pkt out;
    enum { N = 3000 };
    memset(&r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        uint16_t port = (uint16_t)(10000 + i);
        assert_int_equal(add(t, seed_variant(1, port, 0), sizeof seed1, i, &out), TL_OK);
        assert_true(out.new_flow);
        assert_int_equal(out.flow->index, i);
        if (i % 2 == 0) { /* even flows: reset by the client at once */
            const uint8_t *rst = seed_variant(3, port, TL_TH_RST | TL_TH_ACK);
            assert_int_equal(add(t, rst, sizeof seed3, i, &out), TL_OK);
            assert_false(out.new_flow);
        }
    }
    assert_int_equal(tl_flow_table_count(t), N);

    /* closed flows quiet for more than 5 s, and not the one closed exactly 5 s ago */
    retired_reset(&r);
    tl_flow_table_retire(t, N - 2 + 5, 5, false, on_retire, &r);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r.seen[i], i % 2 == 0 && i < N - 2 ? 1 : 0);
    }
    assert_int_equal(r.calls, (N - 2) / 2);
    assert_true(r.in_order);

    /* later: the last closed flow too, and none of the others again */
    retired_reset(&r);
    tl_flow_table_retire(t, N + 100, 5, false, on_retire, &r);
    assert_true(r.in_order);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r.seen[i], i % 2 == 0 ? 1 : 0);
    }
    retired_reset(&r);
    tl_flow_table_retire(t, N + 200, 5, false, on_retire, &r);
    assert_int_equal(r.calls, 0);

    /* the open flows are still found after the deletions around them */
    for (int i = 1; i < N; i += 2) {
        assert_int_equal(
            add(t, seed_variant(3, (uint16_t)(10000 + i), 0), sizeof seed3, N + 300, &out), TL_OK);
        assert_false(out.new_flow);
        assert_int_equal(out.flow->index, i);
    }
    /* a retired tuple starts a new flow */
    assert_int_equal(add(t, seed_variant(1, 10000, 0), sizeof seed1, N + 301, &out), TL_OK);
    assert_true(out.new_flow);
    assert_int_equal(out.flow->index, N);

    /* the end of input: everything left, once */
    retired_reset(&r);
    tl_flow_table_retire(t, 0, 0, true, on_retire, &r);
    assert_true(r.in_order);
    assert_int_equal(r.calls, N / 2 + 1);
    for (int i = 0; i <= N; i++) {
        if (r.seen[i] != 1) {
            fail_msg("flow %d handed %u times", i, r.seen[i]);
        }
    }
    retired_reset(&r);
    tl_flow_table_retire(t, 0, 0, true, on_retire, &r);
    assert_int_equal(r.calls, 0);
}

static void test_flow_records_keep_headers(void **state)
{
    (void)state;
    struct tl_flow_table *t = tl_flow_table_new(0, true);
    struct tl_flow_pkt out;
    assert_non_null(t);
    pkt.frame = 0;
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(add_seed(t, i, 100 + i, &out), TL_OK);
    }
    static const uint32_t seq_rel[6] = { 0, 0, 1, 1, 1, 2 };
    struct tl_rec_iter it;
    const struct tl_rec *r;
    int n = 0;
    tl_rec_iter_init(&it, out.flow);
    while ((r = tl_rec_iter_next(&it)) != NULL) {
        const uint8_t *f = seed[n].f;
        size_t len = seed[n].len; /* no payload: the frame is its headers, link header first */
        assert_true(n < 6);
        assert_int_equal(r->frame, n + 1);
        assert_int_equal(r->ts_sec, 101 + n);
        assert_int_equal(r->dir, seed[n].dir);
        assert_int_equal(r->dlt, TL_DLT_EN10MB);
        assert_int_equal(r->caplen, len);
        assert_int_equal(r->len, len);
        assert_memory_equal(r->bytes, f, len);
        assert_int_equal(r->seq_rel, seq_rel[n]);
        assert_int_equal(r->tcp_cksum, TL_CKSUM_CORRECT);
        n++;
    }
    assert_int_equal(n, 6);
    assert_int_equal(out.flow->n_recs, 6);
    tl_flow_table_free(t);
}

/* A record keeps the frame from its start and decodes back to the same headers, the link ones
 * included; a link header too long to keep with them (a 1100-byte radiotap header) leaves the
 * record from the IP header on, decoded as a raw IP frame. */
static void test_flow_records_decode_back(void **state)
{
    (void)state;
    static uint8_t f[1200 + sizeof seed1];
    static struct tl_packet back;
    static const uint8_t wifi[24 + 8] = { 0x08, 0x01, [24] = 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0 };
    const size_t l3 = sizeof seed1 - ETH_LEN;
    const size_t rt_lens[2] = { 8, 1100 };
    for (int k = 0; k < 2; k++) {
        struct tl_flow_table *t = tl_flow_table_new(0, true);
        struct tl_flow_pkt out;
        size_t rt = rt_lens[k], n = rt;
        assert_non_null(t);
        memset(f, 0, rt);
        f[2] = (uint8_t)rt;
        f[3] = (uint8_t)(rt >> 8);
        memcpy(f + n, wifi, sizeof wifi);
        n += sizeof wifi;
        memcpy(f + n, seed1 + ETH_LEN, l3);
        n += l3;
        pkt.frame = 1;
        pkt.ts_sec = 1;
        pkt.ts_nsec = 0;
        tl_packet_decode(&pkt, TL_DLT_IEEE802_11_RADIO, f, (uint32_t)n, (uint32_t)n);
        assert_true(pkt.has_tcp);
        assert_int_equal(tl_flow_table_add(t, &pkt, &out), TL_OK);
        struct tl_rec_iter it;
        tl_rec_iter_init(&it, out.flow);
        const struct tl_rec *r = tl_rec_iter_next(&it);
        assert_non_null(r);
        tl_rec_decode(r, &back);
        assert_true(back.has_tcp);
        assert_int_equal(back.tcp.seq, pkt.tcp.seq);
        assert_int_equal(back.tcp.checksum_status, pkt.tcp.checksum_status);
        assert_int_equal(back.l3_caplen, pkt.l3_caplen);
        assert_int_equal(back.l3_wirelen, pkt.l3_wirelen);
        if (k == 0) { /* the whole frame: the same headers, 802.11 included */
            assert_int_equal(r->len, n);
            assert_int_equal(r->dlt, TL_DLT_IEEE802_11_RADIO);
            assert_int_equal(back.n_tunnels, 1);
            assert_int_equal(back.tunnels[0].kind, TL_TUN_IEEE80211);
            assert_int_equal(back.n_layers, pkt.n_layers);
            assert_memory_equal(back.layers, pkt.layers, sizeof pkt.layers[0] * pkt.n_layers);
        } else { /* from the IP header on */
            assert_int_equal(r->len, l3);
            assert_int_equal(r->dlt, TL_DLT_IPV4);
            assert_int_equal(back.n_tunnels, 0);
            assert_int_equal(back.link.l3_offset, 0);
        }
        tl_flow_table_free(t);
    }
}

/* The same inner tuple inside different tunnels is two connections (as Zeek keys them); the
 * answer inside the same tunnel is the same one. */
static void test_flow_tunnel_path_is_part_of_the_key(void **state)
{
    struct tl_flow_table *t = *state;
    struct tl_flow_pkt out;
    static uint8_t f[sizeof seed1 + 4];
    const struct {
        const uint8_t *frame;
        size_t len;
        uint16_t vid;
    } sends[] = { { seed1, sizeof seed1, 100 },
                  { seed1, sizeof seed1, 200 },
                  { seed2, sizeof seed2, 100 } };
    struct tl_flow *flows[3];
    for (int i = 0; i < 3; i++) {
        memcpy(f, sends[i].frame, 12);
        f[12] = 0x81;
        f[13] = 0x00;
        f[14] = (uint8_t)(sends[i].vid >> 8);
        f[15] = (uint8_t)sends[i].vid;
        memcpy(f + 16, sends[i].frame + 12, sends[i].len - 12);
        assert_int_equal(add(t, f, sends[i].len + 4, 1000 + i, &out), TL_OK);
        assert_int_equal(pkt.n_tunnels, 1);
        assert_int_equal(pkt.tunnels[0].kind, TL_TUN_VLAN);
        assert_int_equal(pkt.tunnels[0].id, sends[i].vid);
        flows[i] = out.flow;
    }
    assert_int_equal(tl_flow_table_count(t), 2);
    assert_ptr_not_equal(flows[0], flows[1]);
    assert_ptr_equal(flows[0], flows[2]);
    assert_int_equal(out.dir, TL_S2C);
    assert_int_equal(flows[1]->n_tunnels, 1);
    assert_int_equal(flows[1]->tunnels[0].id, 200);
    assert_true(flows[0]->tun_key != 0 && flows[0]->tun_key != flows[1]->tun_key);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, table_setup, table_teardown)
    const struct CMUnitTest tests[] = {
        T(test_flow_both_directions_one_flow),
        T(test_flow_orientation_syn_ack),
        T(test_flow_orientation_guessed),
        T(test_flow_relative_numbers_from_syn),
        T(test_flow_relative_numbers_without_syn),
        T(test_flow_relative_numbers_wrap),
        T(test_flow_window_scaling),
        T(test_flow_window_scaling_needs_both_sides),
        T(test_flow_port_reuse_after_fin),
        T(test_flow_port_reuse_after_rst),
        T(test_flow_syn_retransmission_is_not_reuse),
        T(test_flow_ipv6_both_directions),
        T(test_flow_cap_returns_too_large),
        T(test_flow_retire_hands_each_flow_once),
        T(test_flow_records_keep_headers),
        T(test_flow_records_decode_back),
        T(test_flow_tunnel_path_is_part_of_the_key),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
