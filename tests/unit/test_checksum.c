/*
 * test_checksum.c - RFC 1071 sums over pieces (decoder/include/checksum.h) and the verdicts the
 * decoder gives: known-good and known-bad vectors for the IPv4 header, TCP over IPv4 and TCP
 * over IPv6, all taken from real frames of the golden corpus; odd-length pieces split at
 * every offset give the same sum; tl_cksum_shouldbe() gives what tcpdump prints after
 * "incorrect ->".
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

#define ETH_LEN 14

/*
 * tests/golden/seed_telnet/capture.pcap frame 1 (Ethernet, IPv4, TCP SYN with options):
 * IP checksum 0xe12d, TCP checksum 0xf35a, both correct per tcpdump 4.99.3.
 */
static const uint8_t seed_syn[78] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x10,
    0x00, 0x40, 0x54, 0x3f, 0x40, 0x00, 0x40, 0x06, 0xe1, 0x2d, 0xc0, 0xa8, 0x03, 0x0a, 0x72, 0xd7,
    0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0xff, 0xff, 0xf3, 0x5a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x05, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x16, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

/* tests/golden/crafted_bad_checksums/capture.pcap frame 2: SYN-ACK whose TCP checksum is
 * 0xbeef; tcpdump: "cksum 0xbeef (incorrect -> 0xa3cf)". */
static const uint8_t bad_synack[74] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x85, 0xc6, 0x33, 0x64, 0x02,
    0xc0, 0x00, 0x02, 0x01, 0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x03,
    0xe9, 0xa0, 0x12, 0xff, 0xff, 0xbe, 0xef, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
    0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* tests/golden/crafted_bad_checksums/capture.pcap frame 4: IPv4 header checksum 0x1234;
 * tcpdump: "bad cksum 1234 (->4e85)!", TCP checksum 0x37f8 correct. */
static const uint8_t bad_iphdr[74] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x12, 0x34, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13,
    0x89, 0x50, 0x18, 0xff, 0xff, 0x37, 0xf8, 0x00, 0x00, 0x62, 0x61, 0x64, 0x20, 0x69, 0x70,
    0x20, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x73, 0x75, 0x6d, 0x20, 0x68, 0x65, 0x72, 0x65,
};

/* tests/golden/crafted_bad_checksums/capture.pcap frame 5: TCP checksum field 0xffff where
 * 0x0000 is computed (RFC 1624: the same value in ones' complement); tcpdump: correct. */
static const uint8_t ffff_data[66] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x34, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x8d, 0xc0, 0x00,
    0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xfd,
    0x00, 0x00, 0x13, 0x89, 0x50, 0x18, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x63, 0x6b,
    0x73, 0x75, 0x6d, 0x2d, 0x66, 0x66, 0x66, 0x66, 0xfe, 0x97,
};

/* tests/golden/crafted_bad_checksums/capture.pcap frame 6: odd-length segment (39 bytes)
 * with TCP checksum 0x0000; tcpdump: "cksum 0x0000 (incorrect -> 0x25eb)". */
static const uint8_t zero_data[73] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45,
    0x00, 0x00, 0x3b, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x4e, 0x86, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x04, 0x09, 0x00, 0x00, 0x13,
    0x89, 0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x65, 0x72, 0x6f, 0x20, 0x63,
    0x68, 0x65, 0x63, 0x6b, 0x73, 0x75, 0x6d, 0x20, 0x66, 0x69, 0x65, 0x6c, 0x64,
};

/* tests/golden/crafted_ipv6_ext_headers/capture.pcap frame 4: IPv6 + hop-by-hop header +
 * TCP with 18 bytes of payload; tcpdump: "cksum 0xc1a2 (correct)". */
static const uint8_t v6_hbh_data[100] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00, 0x01, 0x04, 0x00, 0x00,
    0x00, 0x00, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe9, 0x00, 0x00, 0x13, 0x89, 0x50,
    0x18, 0xff, 0xff, 0xc1, 0xa2, 0x00, 0x00, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54,
    0x54, 0x50, 0x2f, 0x31, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* tests/golden/zeek_chksums_ip6-hoa-tcp-bad-chksum/capture.pcap frame 1: IPv6 with a
 * destination-options header carrying a Mobile IPv6 home address (2001:78:1:32::1), TCP SYN
 * with checksum 0x0001. With the home address as the pseudo-header source (RFC 6275 §6.3)
 * the right value is 0xb713, as tshark 4.0 computes (tcp.checksum.calculated); tcpdump 4.99
 * ignores the option, sums over the outer source and prints "incorrect -> 0x2f8a". */
static const uint8_t v6_hoa_syn[98] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x3c, 0x40, 0x20, 0x01, 0x04, 0xf8, 0x00, 0x04,
    0x00, 0x07, 0x02, 0xe0, 0x81, 0xff, 0xfe, 0x52, 0xff, 0xff, 0x20, 0x01, 0x04, 0xf8,
    0x00, 0x04, 0x00, 0x07, 0x02, 0xe0, 0x81, 0xff, 0xfe, 0x52, 0x9a, 0x6b, 0x06, 0x02,
    0x01, 0x02, 0x00, 0x00, 0xc9, 0x10, 0x20, 0x01, 0x00, 0x78, 0x00, 0x01, 0x00, 0x32,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x75, 0x30, 0x00, 0x50, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00,
};

/* RFC 1071 written the plain way, over one buffer, as the reference. */
static uint16_t ref_cksum(const uint8_t *b, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += i % 2 == 0 ? (uint64_t)b[i] << 8 : b[i];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static uint16_t be16_at(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* Pseudo-header and TCP segment of an Ethernet + IPv4 frame, copied into `out`, with the
 * checksum field replaced by `field` (or kept when field < 0). Returns the length. */
static size_t ipv4_tcp_sum_input(const uint8_t *frame, uint8_t *out, long field)
{
    const uint8_t *ip = frame + ETH_LEN;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t seg = be16_at(ip + 2) - ihl;
    memcpy(out, ip + 12, 8); /* source and destination */
    out[8] = 0;
    out[9] = 6;
    out[10] = (uint8_t)(seg >> 8);
    out[11] = (uint8_t)seg;
    memcpy(out + 12, ip + ihl, seg);
    if (field >= 0) {
        out[12 + 16] = (uint8_t)(field >> 8);
        out[12 + 17] = (uint8_t)field;
    }
    return 12 + seg;
}

/* The TCP checksum of an Ethernet + IPv4 frame, summed as two pieces in place. */
static uint16_t ipv4_tcp_sum(const uint8_t *frame)
{
    const uint8_t *ip = frame + ETH_LEN;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t seg = be16_at(ip + 2) - ihl;
    uint8_t pseudo[12] = { 0 };
    memcpy(pseudo, ip + 12, 8);
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)(seg >> 8);
    pseudo[11] = (uint8_t)seg;
    struct tl_cksum_vec v[2] = { { pseudo, sizeof pseudo }, { ip + ihl, seg } };
    return tl_cksum(v, 2);
}

/* The TCP checksum over an IPv6 pseudo-header (RFC 8200 §8.1) and a segment. */
static uint16_t ipv6_tcp_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *seg,
                             uint32_t len)
{
    uint8_t pseudo[40] = { 0 };
    memcpy(pseudo, src, 16);
    memcpy(pseudo + 16, dst, 16);
    pseudo[32] = (uint8_t)(len >> 24);
    pseudo[33] = (uint8_t)(len >> 16);
    pseudo[34] = (uint8_t)(len >> 8);
    pseudo[35] = (uint8_t)len;
    pseudo[39] = 6;
    struct tl_cksum_vec v[2] = { { pseudo, sizeof pseudo }, { seg, len } };
    return tl_cksum(v, 2);
}

static int group_setup(void **state)
{
    static struct guard g;
    if (guard_init(&g, 1 << 18) != 0) {
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

static void test_checksum_ipv4_header_good(void **state)
{
    (void)state;
    uint8_t hdr[20];
    struct tl_cksum_vec v = { seed_syn + ETH_LEN, 20 };
    assert_int_equal(tl_cksum(&v, 1), 0); /* verifies as sent */
    memcpy(hdr, seed_syn + ETH_LEN, 20);
    hdr[10] = hdr[11] = 0;
    v.ptr = hdr;
    assert_int_equal(tl_cksum(&v, 1), 0xe12d); /* what the sender computed */
}

static void test_checksum_ipv4_header_bad(void **state)
{
    (void)state;
    struct tl_cksum_vec v = { bad_iphdr + ETH_LEN, 20 };
    uint16_t s = tl_cksum(&v, 1);
    assert_int_not_equal(s, 0);
    assert_int_equal(tl_cksum_shouldbe(0x1234, s), 0x4e85);
    uint8_t hdr[20];
    memcpy(hdr, bad_iphdr + ETH_LEN, 20);
    hdr[10] = hdr[11] = 0;
    v.ptr = hdr;
    assert_int_equal(tl_cksum(&v, 1), 0x4e85);
}

static void test_checksum_tcp_ipv4_good(void **state)
{
    (void)state;
    uint8_t buf[128];
    assert_int_equal(ipv4_tcp_sum(seed_syn), 0);
    size_t n = ipv4_tcp_sum_input(seed_syn, buf, 0);
    struct tl_cksum_vec v = { buf, n };
    assert_int_equal(tl_cksum(&v, 1), 0xf35a);
    assert_int_equal(ref_cksum(buf, n), 0xf35a);
}

static void test_checksum_tcp_ipv4_bad(void **state)
{
    (void)state;
    uint16_t s = ipv4_tcp_sum(bad_synack);
    assert_int_not_equal(s, 0);
    assert_int_equal(tl_cksum_shouldbe(0xbeef, s), 0xa3cf);
    uint8_t buf[128];
    size_t n = ipv4_tcp_sum_input(bad_synack, buf, 0);
    struct tl_cksum_vec v = { buf, n };
    assert_int_equal(tl_cksum(&v, 1), 0xa3cf);
}

static void test_checksum_tcp_ipv4_odd_length_bad(void **state)
{
    (void)state;
    uint16_t s = ipv4_tcp_sum(zero_data); /* 39-byte segment: the last byte is padded */
    assert_int_not_equal(s, 0);
    assert_int_equal(tl_cksum_shouldbe(0x0000, s), 0x25eb);
    uint8_t buf[128];
    size_t n = ipv4_tcp_sum_input(zero_data, buf, 0x25eb);
    struct tl_cksum_vec v = { buf, n };
    assert_int_equal(n, 12 + 39);
    assert_int_equal(tl_cksum(&v, 1), 0);
}

static void test_checksum_tcp_ipv4_ffff_alias(void **state)
{
    (void)state;
    uint8_t buf[128];
    assert_int_equal(ipv4_tcp_sum(ffff_data), 0); /* 0xffff verifies ... */
    size_t n = ipv4_tcp_sum_input(ffff_data, buf, 0);
    struct tl_cksum_vec v = { buf, n };
    assert_int_equal(tl_cksum(&v, 1), 0x0000); /* ... where the sender computed 0x0000 */
}

static void test_checksum_tcp_ipv6_good(void **state)
{
    (void)state;
    const uint8_t *ip6 = v6_hbh_data + ETH_LEN;
    const uint8_t *tcp = ip6 + 40 + 8; /* after the 8-byte hop-by-hop header */
    assert_int_equal(ipv6_tcp_sum(ip6 + 8, ip6 + 24, tcp, 38), 0);
    uint8_t seg[38];
    memcpy(seg, tcp, sizeof seg);
    seg[16] = seg[17] = 0;
    assert_int_equal(ipv6_tcp_sum(ip6 + 8, ip6 + 24, seg, 38), 0xc1a2);
}

static void test_checksum_tcp_ipv6_bad(void **state)
{
    (void)state;
    const uint8_t *ip6 = v6_hoa_syn + ETH_LEN;
    const uint8_t *hoa = ip6 + 40 + 8;  /* option data inside the destination options */
    const uint8_t *tcp = ip6 + 40 + 24; /* after the 24-byte destination options header */
    uint16_t s = ipv6_tcp_sum(hoa, ip6 + 24, tcp, 20);
    assert_int_not_equal(s, 0);
    assert_int_equal(tl_cksum_shouldbe(0x0001, s), 0xb713);
    s = ipv6_tcp_sum(ip6 + 8, ip6 + 24, tcp, 20); /* tcpdump's sum, without the option */
    assert_int_equal(tl_cksum_shouldbe(0x0001, s), 0x2f8a);
    /* a good IPv6 vector made bad by one bit fails too */
    uint8_t seg[38];
    memcpy(seg, v6_hbh_data + ETH_LEN + 48, sizeof seg);
    seg[37] ^= 0x01;
    s = ipv6_tcp_sum(v6_hbh_data + ETH_LEN + 8, v6_hbh_data + ETH_LEN + 24, seg, 38);
    assert_int_not_equal(s, 0);
    assert_int_equal(tl_cksum_shouldbe(0xc1a2, s), 0xc1a1);
}

static void test_checksum_empty_and_zero(void **state)
{
    (void)state;
    static const uint8_t zeros[64];
    static const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };
    struct tl_cksum_vec v = { zeros, 0 };
    assert_int_equal(tl_cksum(&v, 0), 0xffff);
    assert_int_equal(tl_cksum(&v, 1), 0xffff);
    v.len = sizeof zeros;
    assert_int_equal(tl_cksum(&v, 1), 0xffff);
    v.ptr = ones;
    v.len = sizeof ones;
    assert_int_equal(tl_cksum(&v, 1), 0x0000);
    v.len = 1; /* 0xff00 */
    assert_int_equal(tl_cksum(&v, 1), 0x00ff);
}

static void test_checksum_matches_reference(void **state)
{
    struct guard *g = *state;
    static uint8_t data[1 << 17];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 131 + 7);
    }
    for (size_t n = 0; n <= 300; n++) {
        struct tl_cksum_vec v = { guard_place(g, data, n), n };
        assert_int_equal(tl_cksum(&v, 1), ref_cksum(data, n));
    }
    /* long runs of 0xff: every addition carries */
    memset(data, 0xff, sizeof data);
    for (size_t n = sizeof data - 3; n <= sizeof data; n++) {
        struct tl_cksum_vec v = { guard_place(g, data, n), n };
        assert_int_equal(tl_cksum(&v, 1), ref_cksum(data, n));
    }
}

/* The odd-length vector (pseudo-header + 39-byte segment = 51 bytes) cut into three pieces
 * at every pair of offsets, with empty pieces in between, sums as the whole. */
static void test_checksum_split_every_offset(void **state)
{
    struct guard *g = *state;
    uint8_t buf[128];
    size_t n = ipv4_tcp_sum_input(zero_data, buf, -1);
    const uint8_t *b = guard_place(g, buf, n); /* the last piece ends at the guard page */
    struct tl_cksum_vec whole = { b, n };
    uint16_t want = tl_cksum(&whole, 1);
    assert_int_equal(n % 2, 1);
    assert_int_equal(want, ref_cksum(buf, n));
    assert_int_equal(tl_cksum_shouldbe(0, want), 0x25eb);
    for (size_t i = 0; i <= n; i++) {
        struct tl_cksum_vec two[2] = { { b, i }, { b + i, n - i } };
        assert_int_equal(tl_cksum(two, 2), want);
        for (size_t j = i; j <= n; j++) {
            struct tl_cksum_vec v[5] = {
                { b, i }, { b + i, 0 }, { b + i, j - i }, { b + j, 0 }, { b + j, n - j },
            };
            assert_int_equal(tl_cksum(v, 5), want);
        }
    }
    /* one byte per piece */
    struct tl_cksum_vec each[128];
    for (size_t i = 0; i < n; i++) {
        each[i].ptr = b + i;
        each[i].len = 1;
    }
    assert_int_equal(tl_cksum(each, n), want);
}

/* tl_cksum_shouldbe() finds the right value whatever the field held. */
static void test_checksum_shouldbe_every_field(void **state)
{
    (void)state;
    uint8_t buf[128];
    for (long field = 0; field <= 0xffff; field++) {
        size_t n = ipv4_tcp_sum_input(bad_synack, buf, field);
        struct tl_cksum_vec v = { buf, n };
        uint16_t s = tl_cksum(&v, 1);
        assert_int_equal(s == 0, field == 0xa3cf);
        assert_int_equal(tl_cksum_shouldbe((uint16_t)field, s), 0xa3cf);
    }
    assert_int_equal(tl_cksum_shouldbe(0xf35a, 0), 0xf35a); /* a correct field stays */
}

struct verdict_case {
    const char *name;
    const uint8_t *frame;
    size_t len;
    enum tl_cksum ip_status;
    uint16_t ip_field, ip_expected;
    enum tl_cksum tcp_status;
    uint16_t tcp_field, tcp_expected;
    enum tl_anomaly anomaly; /* expected on the packet, or TL_AN_NONE for none at all */
};

static bool has_anomaly(const struct tl_packet *p, enum tl_anomaly a)
{
    for (unsigned i = 0; i < p->n_anomalies; i++) {
        if (p->anomalies[i] == a) {
            return true;
        }
    }
    return false;
}

/* What the decoder says of each vector: status, field and expected value (tcpdump's). */
static void test_checksum_decoder_verdicts(void **state)
{
    struct guard *g = *state;
    static const struct verdict_case cases[] = {
        { "seed SYN", seed_syn, sizeof seed_syn, TL_CKSUM_CORRECT, 0xe12d, 0xe12d, TL_CKSUM_CORRECT,
          0xf35a, 0xf35a, TL_AN_NONE },
        { "bad TCP", bad_synack, sizeof bad_synack, TL_CKSUM_CORRECT, 0x4e85, 0x4e85,
          TL_CKSUM_INCORRECT, 0xbeef, 0xa3cf, TL_AN_NONE },
        { "bad IP", bad_iphdr, sizeof bad_iphdr, TL_CKSUM_INCORRECT, 0x1234, 0x4e85,
          TL_CKSUM_CORRECT, 0x37f8, 0x37f8, TL_AN_NONE },
        { "0xffff", ffff_data, sizeof ffff_data, TL_CKSUM_CORRECT, 0x4e8d, 0x4e8d, TL_CKSUM_CORRECT,
          0xffff, 0x0000, TL_AN_TCP_CKSUM_FFFF },
        { "0x0000", zero_data, sizeof zero_data, TL_CKSUM_CORRECT, 0x4e86, 0x4e86,
          TL_CKSUM_INCORRECT, 0x0000, 0x25eb, TL_AN_NONE },
        { "IPv6 good", v6_hbh_data, sizeof v6_hbh_data, TL_CKSUM_UNVERIFIED, 0, 0, TL_CKSUM_CORRECT,
          0xc1a2, 0xc1a2, TL_AN_NONE },
        { "IPv6 home address", v6_hoa_syn, sizeof v6_hoa_syn, TL_CKSUM_UNVERIFIED, 0, 0,
          TL_CKSUM_INCORRECT, 0x0001, 0xb713, TL_AN_NONE },
    };
    static struct tl_packet p;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct verdict_case *c = &cases[i];
        const uint8_t *d = guard_place(g, c->frame, c->len);
        tl_packet_decode(&p, TL_DLT_EN10MB, d, (uint32_t)c->len, (uint32_t)c->len);
        print_message("%s\n", c->name);
        assert_true(p.has_tcp);
        const struct tl_ip *ip = tl_packet_ip(&p);
        assert_int_equal(ip->checksum_status, c->ip_status);
        if (ip->version == 4) {
            assert_int_equal(ip->checksum, c->ip_field);
            assert_int_equal(ip->checksum_expected, c->ip_expected);
        }
        assert_int_equal(p.tcp.checksum_status, c->tcp_status);
        assert_int_equal(p.tcp.checksum, c->tcp_field);
        assert_int_equal(p.tcp.checksum_expected, c->tcp_expected);
        if (c->anomaly == TL_AN_NONE) {
            assert_int_equal(p.n_anomalies, 0);
        } else {
            assert_int_equal(p.n_anomalies, 1);
            assert_true(has_anomaly(&p, c->anomaly));
        }
    }
}

/* One byte missing from the capture: the TCP checksum cannot be judged, never "incorrect". */
static void test_checksum_unverified_when_cut(void **state)
{
    struct guard *g = *state;
    static struct tl_packet p;
    const uint8_t *d = guard_place(g, bad_synack, sizeof bad_synack - 1);
    tl_packet_decode(&p, TL_DLT_EN10MB, d, sizeof bad_synack - 1, sizeof bad_synack);
    assert_true(p.has_tcp);
    assert_int_equal(p.tcp.checksum_status, TL_CKSUM_UNVERIFIED);
    assert_int_equal(tl_packet_ip(&p)->checksum_status, TL_CKSUM_CORRECT);
    assert_string_equal(tl_cksum_name(p.tcp.checksum_status), "unverified");
    assert_string_equal(tl_cksum_name(TL_CKSUM_CORRECT), "correct");
    assert_string_equal(tl_cksum_name(TL_CKSUM_INCORRECT), "incorrect");
}

/*
 * Checksum offload (Linux CHECKSUM_PARTIAL): the field holds the folded, uncomplemented sum
 * of the pseudo-header alone. The sums below are RFC 1071 arithmetic done by hand:
 *   seed SYN  192.168.3.10 > 114.215.206.177, TCP length 44:
 *             c0a8+030a+72d7+ceb1+0006+002c = 0x2056c -> 0x056e
 *   zero_data 192.0.2.1 > 198.51.100.2, TCP length 39 (odd):
 *             c000+0201+c633+6402+0006+0027 = 0x1ec63 -> 0xec64
 *   v6_hbh    2001:db8::1 > 2001:db8:1::2, length 38, next header 6:
 *             2001+0db8+0001+2001+0db8+0001+0002+0026+0006 = 0x05ba2 -> 0x5ba2
 * With that value in the field the packet is `offloaded`, and checksum_expected is what the
 * card writes on the wire (the value of the frame as captured correctly).
 */
static void test_checksum_offloaded_verdicts(void **state)
{
    struct guard *g = *state;
    static const struct {
        const char *name;
        const uint8_t *frame;
        size_t len, field_at;
        uint16_t partial, wire;
        uint8_t wire_status; /* of the frame as it is */
    } cases[] = {
        { "IPv4 even", seed_syn, sizeof seed_syn, ETH_LEN + 20 + 16, 0x056e, 0xf35a,
          TL_CKSUM_CORRECT },
        { "IPv4 odd", zero_data, sizeof zero_data, ETH_LEN + 20 + 16, 0xec64, 0x25eb,
          TL_CKSUM_INCORRECT },
        { "IPv6", v6_hbh_data, sizeof v6_hbh_data, ETH_LEN + 48 + 16, 0x5ba2, 0xc1a2,
          TL_CKSUM_CORRECT },
    };
    static struct tl_packet p;
    uint8_t buf[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("%s\n", cases[i].name);
        memcpy(buf, cases[i].frame, cases[i].len);
        tl_packet_decode(&p, TL_DLT_EN10MB, guard_place(g, buf, cases[i].len),
                         (uint32_t)cases[i].len, (uint32_t)cases[i].len);
        assert_int_equal(p.tcp.checksum_status, cases[i].wire_status); /* not offloaded */
        buf[cases[i].field_at] = (uint8_t)(cases[i].partial >> 8);
        buf[cases[i].field_at + 1] = (uint8_t)cases[i].partial;
        tl_packet_decode(&p, TL_DLT_EN10MB, guard_place(g, buf, cases[i].len),
                         (uint32_t)cases[i].len, (uint32_t)cases[i].len);
        assert_int_equal(p.tcp.checksum, cases[i].partial);
        assert_int_equal(p.tcp.checksum_status, TL_CKSUM_OFFLOADED);
        assert_int_equal(p.tcp.checksum_expected, cases[i].wire);
        assert_string_equal(tl_cksum_name(p.tcp.checksum_status), "offloaded");
        /* one off either way is an ordinary wrong checksum */
        for (int delta = -1; delta <= 1; delta += 2) {
            uint16_t v = (uint16_t)(cases[i].partial + delta);
            buf[cases[i].field_at] = (uint8_t)(v >> 8);
            buf[cases[i].field_at + 1] = (uint8_t)v;
            tl_packet_decode(&p, TL_DLT_EN10MB, guard_place(g, buf, cases[i].len),
                             (uint32_t)cases[i].len, (uint32_t)cases[i].len);
            assert_int_equal(p.tcp.checksum_status, TL_CKSUM_INCORRECT);
        }
        /* cut by the snapshot length: unverified, whatever the field */
        buf[cases[i].field_at] = (uint8_t)(cases[i].partial >> 8);
        buf[cases[i].field_at + 1] = (uint8_t)cases[i].partial;
        tl_packet_decode(&p, TL_DLT_EN10MB, guard_place(g, buf, cases[i].len - 1),
                         (uint32_t)cases[i].len - 1, (uint32_t)cases[i].len);
        assert_int_equal(p.tcp.checksum_status, TL_CKSUM_UNVERIFIED);
    }
}

/*
 * A pseudo-header whose sum folds to 0xffff: 255.255.255.249 > 0.0.0.0, TCP length 0:
 * ffff+fff9+0000+0000+0006+0000 = 0x1fffe -> 0xfffe + 1 = 0xffff. Both 0xffff and 0x0000
 * (the two ones' complement zeros) then match; 0xfffe and 0x0001 do not.
 */
static void test_checksum_partial_ffff_and_zero(void **state)
{
    (void)state;
    static const uint8_t pseudo[12] = { 0xff, 0xff, 0xff, 0xf9, 0, 0, 0, 0, 0, 6, 0, 0 };
    assert_true(tl_cksum_is_partial(0xffff, pseudo, sizeof pseudo));
    assert_true(tl_cksum_is_partial(0x0000, pseudo, sizeof pseudo));
    assert_false(tl_cksum_is_partial(0xfffe, pseudo, sizeof pseudo));
    assert_false(tl_cksum_is_partial(0x0001, pseudo, sizeof pseudo));
    /* an ordinary sum has one form only: 0x0000 is not the seed's 0x056e */
    static const uint8_t seed[12] = { 0xc0, 0xa8, 0x03, 0x0a, 0x72, 0xd7, 0xce, 0xb1, 0, 6, 0, 44 };
    assert_true(tl_cksum_is_partial(0x056e, seed, sizeof seed));
    assert_false(tl_cksum_is_partial(0x0000, seed, sizeof seed));
    assert_false(tl_cksum_is_partial(0xffff, seed, sizeof seed));
    assert_false(tl_cksum_is_partial(0x6e05, seed, sizeof seed)); /* byte-swapped */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_ipv4_header_good),
        cmocka_unit_test(test_checksum_ipv4_header_bad),
        cmocka_unit_test(test_checksum_tcp_ipv4_good),
        cmocka_unit_test(test_checksum_tcp_ipv4_bad),
        cmocka_unit_test(test_checksum_tcp_ipv4_odd_length_bad),
        cmocka_unit_test(test_checksum_tcp_ipv4_ffff_alias),
        cmocka_unit_test(test_checksum_tcp_ipv6_good),
        cmocka_unit_test(test_checksum_tcp_ipv6_bad),
        cmocka_unit_test(test_checksum_empty_and_zero),
        cmocka_unit_test(test_checksum_matches_reference),
        cmocka_unit_test(test_checksum_split_every_offset),
        cmocka_unit_test(test_checksum_shouldbe_every_field),
        cmocka_unit_test(test_checksum_decoder_verdicts),
        cmocka_unit_test(test_checksum_unverified_when_cut),
        cmocka_unit_test(test_checksum_offloaded_verdicts),
        cmocka_unit_test(test_checksum_partial_ffff_and_zero),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
