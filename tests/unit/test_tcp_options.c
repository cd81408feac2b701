/*
 * test_tcp_options.c - the TCP options walk (RFC 9293 §3.2, RFC 7323, RFC 2018) through
 * tl_packet_decode(): EOL ends the list, NOP is one byte, length 0 / 1 / past the header is
 * tcp.opt_invalid_len, each known kind has its exact length, SACK is 2+8n, a window scale
 * over 14 is flagged and applied as 14, duplicates are flagged, non-zero bytes after EOL are
 * flagged, 40 NOPs fill the header, and options cut by the snapshot length give
 * tcp.trunc_opts and nothing else. Frames are built around the headers of a real SYN and
 * placed flush against a PROT_NONE page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "checksum.h"
#include "guard.h"
#include "tcplens.h"

#define ETH_LEN  14
#define IP_LEN   20
#define TCP_LEN  20
#define HDRS_LEN (ETH_LEN + IP_LEN + TCP_LEN)

enum {
    EOL = 0,
    NOP = 1,
    MSS = 2,
    WS = 3,
    SACKOK = 4,
    SACK = 5,
    TS = 8,
    TFO = 34,
};

/*
 * tests/golden/seed_telnet/capture.pcap frame 1: the SYN 192.168.3.10.58544 >
 * 114.215.206.177.5555, options [mss 1460,nop,wscale 5,nop,nop,TS val 811537995 ecr 0,
 * sackOK,eol] (tcpdump 4.99.3). Its first 54 bytes are the template of the built frames.
 */
static const uint8_t seed_syn[78] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x10,
    0x00, 0x40, 0x54, 0x3f, 0x40, 0x00, 0x40, 0x06, 0xe1, 0x2d, 0xc0, 0xa8, 0x03, 0x0a, 0x72, 0xd7,
    0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0xff, 0xff, 0xf3, 0x5a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x05, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x16, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

/* tests/golden/crafted_syn_with_data_tfo/capture.pcap frame 1: SYN with 18 bytes of data,
 * options [mss 1460,sackOK,tfo  cookie aaaaaaaaaaaaaaaa], cksum 0x2c02 (correct). */
static const uint8_t tfo_syn[88] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x4a, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x77, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00,
    0x00, 0x90, 0x02, 0xff, 0xff, 0x2c, 0x02, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x22, 0x0a, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x47, 0x45, 0x54, 0x20, 0x2f,
    0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a,
};

static struct tl_packet pkt; /* big: keep it off the stack */
static uint8_t frame[256];

/* Fill in the IPv4 and TCP checksums of the frame (RFC 791, RFC 9293 §3.1). */
static void fix_checksums(uint8_t *f, size_t len)
{
    uint8_t *ip = f + ETH_LEN, *tcp = ip + IP_LEN;
    size_t seg = len - ETH_LEN - IP_LEN;
    uint8_t pseudo[12] = { 0 };
    ip[10] = ip[11] = 0;
    struct tl_cksum_vec iv = { ip, IP_LEN };
    uint16_t s = tl_cksum(&iv, 1);
    ip[10] = (uint8_t)(s >> 8);
    ip[11] = (uint8_t)s;
    memcpy(pseudo, ip + 12, 8);
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)(seg >> 8);
    pseudo[11] = (uint8_t)seg;
    tcp[16] = tcp[17] = 0;
    struct tl_cksum_vec tv[2] = { { pseudo, sizeof pseudo }, { tcp, seg } };
    s = tl_cksum(tv, 2);
    tcp[16] = (uint8_t)(s >> 8);
    tcp[17] = (uint8_t)s;
}

/* Ethernet + IPv4 + TCP from the seed SYN's headers, with these options (a multiple of 4
 * bytes) and no payload, checksums fixed. Returns the frame length. */
static size_t build(const uint8_t *opts, size_t optlen)
{
    assert_true(optlen % 4 == 0 && optlen <= 40);
    size_t len = HDRS_LEN + optlen;
    memcpy(frame, seed_syn, HDRS_LEN);
    memcpy(frame + HDRS_LEN, opts, optlen);
    frame[ETH_LEN + 2] = (uint8_t)((len - ETH_LEN) >> 8);
    frame[ETH_LEN + 3] = (uint8_t)(len - ETH_LEN);
    frame[ETH_LEN + IP_LEN + 12] = (uint8_t)((TCP_LEN + optlen) / 4 << 4);
    fix_checksums(frame, len);
    return len;
}

/* Decode `caplen` bytes of a `len`-byte frame placed against the guard page. */
static struct tl_packet *decode(void **state, const uint8_t *f, size_t caplen, size_t len)
{
    const uint8_t *d = guard_place(*state, f, caplen);
    tl_packet_decode(&pkt, TL_DLT_EN10MB, d, (uint32_t)caplen, (uint32_t)len);
    return &pkt;
}

static struct tl_packet *decode_opts(void **state, const uint8_t *opts, size_t optlen)
{
    size_t len = build(opts, optlen);
    struct tl_packet *p = decode(state, frame, len, len);
    assert_true(p->has_tcp);
    assert_int_equal(p->tcp.header_length, TCP_LEN + optlen);
    assert_int_equal(p->tcp.checksum_status, TL_CKSUM_CORRECT);
    return p;
}

static bool has_anomaly(const struct tl_packet *p, enum tl_anomaly a)
{
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        if (p->anomalies[i] == a) {
            return true;
        }
    }
    return false;
}

/* Exactly these anomalies (TL_AN_NONE-terminated), in any order. */
static void assert_anomalies(const struct tl_packet *p, const enum tl_anomaly *want)
{
    unsigned n = 0;
    for (; want[n] != TL_AN_NONE; n++) {
        if (!has_anomaly(p, want[n])) {
            fail_msg("anomaly %s missing", tl_anomaly_name(want[n]));
        }
    }
    if (p->n_anomalies != n) {
        for (unsigned i = 0; i < p->n_anomalies; i++) {
            print_error("got %s\n", tl_anomaly_name(p->anomalies[i]));
        }
        fail_msg("%u anomalies, want %u", p->n_anomalies, n);
    }
}

#define ANOMALIES(...) ((const enum tl_anomaly[]){ __VA_ARGS__, TL_AN_NONE })
#define NO_ANOMALY     ((const enum tl_anomaly[]){ TL_AN_NONE })

static void assert_opt(const struct tl_packet *p, unsigned i, uint8_t kind, uint8_t offset,
                       uint8_t length, uint8_t error)
{
    assert_true(i < p->tcp.n_opts);
    assert_int_equal(p->tcp.opts[i].kind, kind);
    assert_int_equal(p->tcp.opts[i].offset, offset);
    assert_int_equal(p->tcp.opts[i].length, length);
    assert_int_equal(p->tcp.opts[i].error, error);
}

static int group_setup(void **state)
{
    static struct guard g;
    if (guard_init(&g, 4096) != 0) {
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

static void test_tcp_options_seed_syn(void **state)
{
    struct tl_packet *p = decode(state, seed_syn, sizeof seed_syn, sizeof seed_syn);
    assert_true(p->has_tcp);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.n_opts, 8);
    assert_int_equal(p->tcp.opts_captured, 24);
    assert_opt(p, 0, MSS, 20, 4, 0);
    assert_opt(p, 1, NOP, 24, 1, 0);
    assert_opt(p, 2, WS, 25, 3, 0);
    assert_opt(p, 3, NOP, 28, 1, 0);
    assert_opt(p, 4, NOP, 29, 1, 0);
    assert_opt(p, 5, TS, 30, 10, 0);
    assert_opt(p, 6, SACKOK, 40, 2, 0);
    assert_opt(p, 7, EOL, 42, 1, 0);
    assert_int_equal(p->tcp.opts[0].v.mss, 1460);
    assert_int_equal(p->tcp.opts[2].v.wscale, 5);
    assert_int_equal(p->tcp.opts[5].v.ts.val, 811537995);
    assert_int_equal(p->tcp.opts[5].v.ts.ecr, 0);
    assert_int_equal(p->tcp.mss, 1460);
    assert_int_equal(p->tcp.wscale, 5);
    assert_int_equal(p->tcp.wscale_used, 5);
    assert_true(p->tcp.sack_permitted);
    assert_true(p->tcp.has_ts);
    assert_int_equal(p->tcp.ts_val, 811537995);
    assert_int_equal(p->tcp.ts_ecr, 0);
}

static void test_tcp_options_tfo_and_unknown_kinds(void **state)
{
    struct tl_packet *p = decode(state, tfo_syn, sizeof tfo_syn, sizeof tfo_syn);
    assert_true(p->has_tcp);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.n_opts, 3);
    assert_opt(p, 0, MSS, 20, 4, 0);
    assert_opt(p, 1, SACKOK, 24, 2, 0);
    assert_opt(p, 2, TFO, 26, 10, 0);
    assert_int_equal(p->tcp.payload_length, 18);
    assert_string_equal(tl_tcp_option_name(TFO), "tfo");

    static const uint8_t unknown[] = { 0xfd, 4, 0xbe, 0xef, 0x1e, 3, 0x00, NOP };
    p = decode_opts(state, unknown, sizeof unknown);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.n_opts, 3);
    assert_opt(p, 0, 0xfd, 20, 4, 0);
    assert_opt(p, 1, 0x1e, 24, 3, 0);
    assert_opt(p, 2, NOP, 27, 1, 0);
    assert_null(tl_tcp_option_name(0xfd));
}

static void test_tcp_options_eol_ends_list(void **state)
{
    static const uint8_t eol_first[] = { EOL, 0, 0, 0 };
    struct tl_packet *p = decode_opts(state, eol_first, sizeof eol_first);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.n_opts, 1);
    assert_opt(p, 0, EOL, 20, 1, 0);

    static const uint8_t mss_eol[] = { MSS, 4, 0x05, 0xb4, EOL, 0, 0, 0 };
    p = decode_opts(state, mss_eol, sizeof mss_eol);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.n_opts, 2);
    assert_opt(p, 1, EOL, 24, 1, 0);
    assert_int_equal(p->tcp.mss, 1460);
}

static void test_tcp_options_flags_nonzero_after_eol(void **state)
{
    /* an MSS after EOL is not an option: flagged, and not taken */
    static const uint8_t mss_after[] = { EOL, MSS, 4, 0x05, 0xb4, 0, 0, 0 };
    struct tl_packet *p = decode_opts(state, mss_after, sizeof mss_after);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_AFTER_EOL));
    assert_int_equal(p->tcp.n_opts, 1);
    assert_int_equal(p->tcp.mss, -1);

    static const uint8_t last_byte[] = { NOP, EOL, 0, 1 };
    p = decode_opts(state, last_byte, sizeof last_byte);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_AFTER_EOL));
    assert_int_equal(p->tcp.n_opts, 2);
}

static void test_tcp_options_nop_is_one_byte(void **state)
{
    static const uint8_t nops[] = { NOP, NOP, NOP, WS, 3, 7, NOP, NOP };
    struct tl_packet *p = decode_opts(state, nops, sizeof nops);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.n_opts, 6);
    assert_opt(p, 0, NOP, 20, 1, 0);
    assert_opt(p, 1, NOP, 21, 1, 0);
    assert_opt(p, 2, NOP, 22, 1, 0);
    assert_opt(p, 3, WS, 23, 3, 0);
    assert_opt(p, 4, NOP, 26, 1, 0);
    assert_opt(p, 5, NOP, 27, 1, 0);
    assert_int_equal(p->tcp.wscale, 7);
}

static void test_tcp_options_forty_nops(void **state)
{
    uint8_t nops[40];
    memset(nops, NOP, sizeof nops);
    struct tl_packet *p = decode_opts(state, nops, sizeof nops);
    assert_anomalies(p, NO_ANOMALY);
    assert_int_equal(p->tcp.header_length, 60);
    assert_int_equal(p->tcp.n_opts, 40);
    for (unsigned i = 0; i < 40; i++) {
        assert_opt(p, i, NOP, (uint8_t)(20 + i), 1, 0);
    }
    assert_int_equal(p->tcp.mss, -1);
    assert_int_equal(p->tcp.wscale, -1);
}

static void test_tcp_options_rejects_len_zero(void **state)
{
    /* the walk cannot go on after a zero length: the window scale behind it is not read */
    static const uint8_t mss0[] = { MSS, 0, 0x05, 0xb4, NOP, WS, 3, 7 };
    struct tl_packet *p = decode_opts(state, mss0, sizeof mss0);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_int_equal(p->tcp.n_opts, 1);
    assert_opt(p, 0, MSS, 20, 0, TL_AN_TCP_OPT_INVALID_LEN);
    assert_int_equal(p->tcp.mss, -1);
    assert_int_equal(p->tcp.wscale, -1);

    static const uint8_t unknown0[] = { NOP, 0xfd, 0, NOP };
    p = decode_opts(state, unknown0, sizeof unknown0);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_int_equal(p->tcp.n_opts, 2);
    assert_opt(p, 1, 0xfd, 21, 0, TL_AN_TCP_OPT_INVALID_LEN);
}

static void test_tcp_options_rejects_len_one(void **state)
{
    static const uint8_t ts1[] = { TS, 1, 0, 0, 0, 0, 0, 0, 0, 0, NOP, NOP };
    struct tl_packet *p = decode_opts(state, ts1, sizeof ts1);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_int_equal(p->tcp.n_opts, 1);
    assert_opt(p, 0, TS, 20, 1, TL_AN_TCP_OPT_INVALID_LEN);
    assert_false(p->tcp.has_ts);
}

static void test_tcp_options_rejects_len_past_header(void **state)
{
    /* timestamps claim 10 bytes where 2 are left in the header */
    static const uint8_t ts_long[] = { NOP, NOP, TS, 10 };
    struct tl_packet *p = decode_opts(state, ts_long, sizeof ts_long);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_int_equal(p->tcp.n_opts, 3);
    assert_opt(p, 2, TS, 22, 10, TL_AN_TCP_OPT_INVALID_LEN);
    assert_false(p->tcp.has_ts);

    /* an unknown kind one byte too long */
    static const uint8_t mptcp_long[] = { MSS, 4, 0x05, 0xb4, NOP, NOP, 30, 3 };
    p = decode_opts(state, mptcp_long, sizeof mptcp_long);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_int_equal(p->tcp.mss, 1460);
    assert_opt(p, 3, 30, 26, 3, TL_AN_TCP_OPT_INVALID_LEN);

    /* a kind in the last byte has no room for its length byte */
    static const uint8_t kind_last[] = { NOP, NOP, NOP, MSS };
    p = decode_opts(state, kind_last, sizeof kind_last);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_int_equal(p->tcp.n_opts, 4);
    assert_int_equal(p->tcp.opts[3].kind, MSS);
    assert_int_equal(p->tcp.opts[3].error, TL_AN_TCP_OPT_INVALID_LEN);

    /* exactly filling the header is fine */
    static const uint8_t ts_fits[] = { NOP, NOP, TS, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
    p = decode_opts(state, ts_fits, sizeof ts_fits);
    assert_anomalies(p, NO_ANOMALY);
    assert_true(p->tcp.has_ts);
    assert_int_equal(p->tcp.ts_val, 7);
    assert_int_equal(p->tcp.ts_ecr, 9);
}

static void test_tcp_options_rejects_wrong_length_for_kind(void **state)
{
    static const struct {
        uint8_t opts[8];
        uint8_t kind, len;
        unsigned n_opts; /* the bad option, then the NOPs behind it */
    } cases[] = {
        { { MSS, 3, 0x05, NOP, NOP, NOP, NOP, NOP }, MSS, 3, 6 },
        { { MSS, 5, 0x05, 0xb4, 0, NOP, NOP, NOP }, MSS, 5, 4 },
        { { WS, 2, NOP, NOP, NOP, NOP, NOP, NOP }, WS, 2, 7 },
        { { WS, 4, 7, 0, NOP, NOP, NOP, NOP }, WS, 4, 5 },
        { { SACKOK, 3, 0, NOP, NOP, NOP, NOP, NOP }, SACKOK, 3, 6 },
        { { TS, 8, 0, 0, 0, 1, 0, 0 }, TS, 8, 1 },
        { { SACK, 2, NOP, NOP, NOP, NOP, NOP, NOP }, SACK, 2, 7 },
        { { SACK, 6, 0, 0, 0, 1, NOP, NOP }, SACK, 6, 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tl_packet *p = decode_opts(state, cases[i].opts, sizeof cases[i].opts);
        print_message("kind %u length %u\n", cases[i].kind, cases[i].len);
        assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
        assert_opt(p, 0, cases[i].kind, 20, cases[i].len, TL_AN_TCP_OPT_INVALID_LEN);
        /* the length is believed for the walk: what follows is still read */
        assert_int_equal(p->tcp.n_opts, cases[i].n_opts);
        /* and the value is not taken */
        assert_int_equal(p->tcp.mss, -1);
        assert_int_equal(p->tcp.wscale, -1);
        assert_int_equal(p->tcp.wscale_used, -1);
        assert_false(p->tcp.sack_permitted);
        assert_false(p->tcp.has_ts);
    }
}

static void test_tcp_options_sack_two_plus_8n(void **state)
{
    static const uint8_t one[] = { NOP, NOP, SACK, 10, 0, 0, 0x03, 0xe9, 0, 0, 0x07, 0xd1 };
    struct tl_packet *p = decode_opts(state, one, sizeof one);
    assert_anomalies(p, NO_ANOMALY);
    assert_opt(p, 2, SACK, 22, 10, 0);
    assert_int_equal(p->tcp.opts[2].v.sack.count, 1);
    assert_int_equal(p->tcp.opts[2].v.sack.edge[0][0], 1001);
    assert_int_equal(p->tcp.opts[2].v.sack.edge[0][1], 2001);

    uint8_t four[36] = { NOP, NOP, SACK, 34 };
    for (unsigned b = 0; b < 4; b++) {
        for (unsigned e = 0; e < 2; e++) {
            uint32_t v = 0xfffffff0u + b * 2 + e; /* high bit set: no sign trouble */
            uint8_t *q = four + 4 + 8 * b + 4 * e;
            q[0] = (uint8_t)(v >> 24);
            q[1] = (uint8_t)(v >> 16);
            q[2] = (uint8_t)(v >> 8);
            q[3] = (uint8_t)v;
        }
    }
    p = decode_opts(state, four, sizeof four);
    assert_anomalies(p, NO_ANOMALY);
    assert_opt(p, 2, SACK, 22, 34, 0);
    assert_int_equal(p->tcp.opts[2].v.sack.count, 4);
    for (unsigned b = 0; b < 4; b++) {
        assert_int_equal(p->tcp.opts[2].v.sack.edge[b][0], 0xfffffff0u + b * 2);
        assert_int_equal(p->tcp.opts[2].v.sack.edge[b][1], 0xfffffff0u + b * 2 + 1);
    }

    static const uint8_t twelve[] = { SACK, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, NOP, NOP, NOP, NOP };
    p = decode_opts(state, twelve, sizeof twelve);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_INVALID_LEN));
    assert_opt(p, 0, SACK, 20, 12, TL_AN_TCP_OPT_INVALID_LEN);
    assert_int_equal(p->tcp.n_opts, 5); /* the 4 NOPs behind it are still walked */
}

static void test_tcp_options_wscale_15_applied_as_14(void **state)
{
    static const struct {
        uint8_t shift;
        int16_t used;
        bool flagged;
    } cases[] = { { 0, 0, false }, { 14, 14, false }, { 15, 14, true }, { 255, 14, true } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t opts[] = { NOP, WS, 3, cases[i].shift };
        struct tl_packet *p = decode_opts(state, opts, sizeof opts);
        if (cases[i].flagged) {
            assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_WSCALE_BIG));
        } else {
            assert_anomalies(p, NO_ANOMALY);
        }
        assert_int_equal(p->tcp.opts[1].v.wscale, cases[i].shift);
        assert_int_equal(p->tcp.wscale, cases[i].shift);
        assert_int_equal(p->tcp.wscale_used, cases[i].used);
    }
}

static void test_tcp_options_flags_duplicates(void **state)
{
    static const uint8_t mss2[] = { MSS, 4, 0x05, 0xb4, MSS, 4, 0x02, 0x18 };
    struct tl_packet *p = decode_opts(state, mss2, sizeof mss2);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_DUPLICATE));
    assert_opt(p, 0, MSS, 20, 4, 0);
    assert_opt(p, 1, MSS, 24, 4, TL_AN_TCP_OPT_DUPLICATE);
    assert_int_equal(p->tcp.opts[1].v.mss, 536);
    assert_int_equal(p->tcp.mss, 1460); /* the first one counts */

    static const uint8_t ws2[] = { NOP, WS, 3, 5, NOP, WS, 3, 9 };
    p = decode_opts(state, ws2, sizeof ws2);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_DUPLICATE));
    assert_int_equal(p->tcp.wscale, 5);
    assert_int_equal(p->tcp.wscale_used, 5);

    static const uint8_t sackok2[] = { SACKOK, 2, SACKOK, 2 };
    p = decode_opts(state, sackok2, sizeof sackok2);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_DUPLICATE));
    assert_opt(p, 1, SACKOK, 22, 2, TL_AN_TCP_OPT_DUPLICATE);

    static const uint8_t ts2[] = { TS, 10, 0, 0, 0, 1, 0, 0, 0, 2, NOP, NOP,
                                   TS, 10, 0, 0, 0, 3, 0, 0, 0, 4, NOP, NOP };
    p = decode_opts(state, ts2, sizeof ts2);
    assert_anomalies(p, ANOMALIES(TL_AN_TCP_OPT_DUPLICATE));
    assert_int_equal(p->tcp.ts_val, 1);
    assert_int_equal(p->tcp.ts_ecr, 2);

    /* NOPs repeat by nature */
    static const uint8_t nops[] = { NOP, NOP, NOP, NOP };
    p = decode_opts(state, nops, sizeof nops);
    assert_anomalies(p, NO_ANOMALY);
}

/* Expected options of the seed SYN when `captured` option bytes are present: those that end
 * inside them. */
static unsigned seed_opts_within(size_t captured)
{
    static const size_t ends[] = { 4, 5, 8, 9, 10, 20, 22, 23 };
    unsigned n = 0;
    while (n < sizeof ends / sizeof ends[0] && ends[n] <= captured) {
        n++;
    }
    return n;
}

/* The seed SYN cut at every length inside its options: tcp.trunc_opts only, never
 * tcp.opt_invalid_len, and the options present are decoded. */
static void test_tcp_options_cut_by_caplen(void **state)
{
    for (size_t caplen = HDRS_LEN; caplen < sizeof seed_syn; caplen++) {
        size_t captured = caplen - HDRS_LEN;
        struct tl_packet *p = decode(state, seed_syn, caplen, sizeof seed_syn);
        print_message("caplen %zu\n", caplen);
        assert_true(p->has_tcp);
        assert_anomalies(p, ANOMALIES(TL_AN_TCP_TRUNC_OPTS));
        assert_int_equal(p->tcp.header_length, 44);
        assert_int_equal(p->tcp.opts_captured, captured);
        assert_int_equal(p->tcp.n_opts, seed_opts_within(captured));
        for (unsigned i = 0; i < p->tcp.n_opts; i++) {
            assert_int_equal(p->tcp.opts[i].error, 0);
        }
        assert_int_equal(p->tcp.mss, captured >= 4 ? 1460 : -1);
        assert_int_equal(p->tcp.wscale, captured >= 8 ? 5 : -1);
        assert_int_equal(p->tcp.has_ts, captured >= 20);
        assert_int_equal(p->tcp.sack_permitted, captured >= 22);
        assert_int_equal(p->tcp.checksum_status, TL_CKSUM_UNVERIFIED);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_options_seed_syn),
        cmocka_unit_test(test_tcp_options_tfo_and_unknown_kinds),
        cmocka_unit_test(test_tcp_options_eol_ends_list),
        cmocka_unit_test(test_tcp_options_flags_nonzero_after_eol),
        cmocka_unit_test(test_tcp_options_nop_is_one_byte),
        cmocka_unit_test(test_tcp_options_forty_nops),
        cmocka_unit_test(test_tcp_options_rejects_len_zero),
        cmocka_unit_test(test_tcp_options_rejects_len_one),
        cmocka_unit_test(test_tcp_options_rejects_len_past_header),
        cmocka_unit_test(test_tcp_options_rejects_wrong_length_for_kind),
        cmocka_unit_test(test_tcp_options_sack_two_plus_8n),
        cmocka_unit_test(test_tcp_options_wscale_15_applied_as_14),
        cmocka_unit_test(test_tcp_options_flags_duplicates),
        cmocka_unit_test(test_tcp_options_cut_by_caplen),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
