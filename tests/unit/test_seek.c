/*
 * test_seek.c - packets read again from their positions (decoder/include/seek.h), in files
 * written here byte by byte: a little-endian microsecond pcap and a big-endian nanosecond one
 * (read through libpcap), and a pcapng whose second packet follows a statistics block and a
 * new interface description (read through the layout). Each packet read at its position
 * equals the same bytes decoded directly; a position that holds no record is refused with a
 * message; a layout of an unknown version is refused.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pcapng_build.h"
#include "seek.h"

/* Frame 1 of the seed capture (the client's SYN): Ethernet, IPv4 (20), TCP (44). */
static const uint8_t seed1[78] = {
    0x00, 0x1b, 0x21, 0x00, 0x00, 0x02, 0xa4, 0x5e, 0x60, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x10,
    0x00, 0x40, 0x54, 0x3f, 0x40, 0x00, 0x40, 0x06, 0xe1, 0x2d, 0xc0, 0xa8, 0x03, 0x0a, 0x72, 0xd7,
    0xce, 0xb1, 0xe4, 0xb0, 0x15, 0xb3, 0x68, 0x8d, 0x94, 0xcb, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x02,
    0xff, 0xff, 0xf3, 0x5a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x05, 0x01, 0x01,
    0x08, 0x0a, 0x30, 0x5f, 0x16, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

static char *write_file(const struct out *o, char *path)
{
    strcpy(path, "/tmp/tl-test-seek-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, o->b, o->n), (ssize_t)o->n);
    close(fd);
    return path;
}

/* The packet at pos, compared with the same frame decoded directly. */
static void check_packet(struct tl_seek *s, uint64_t pos, uint64_t frame, int dlt,
                         const uint8_t *data, uint32_t caplen, int64_t sec, uint32_t nsec)
{
    struct tl_packet got, want;
    struct tl_errbuf err = { { 0 } };
    memset(&got, 0, sizeof got);
    memset(&want, 0, sizeof want);
    assert_true(tl_seek_read(s, pos, frame, &got, &err));
    tl_packet_decode(&want, dlt, data, caplen, caplen);
    assert_int_equal(got.frame, frame);
    assert_int_equal(got.ts_sec, sec);
    assert_int_equal(got.ts_nsec, nsec);
    assert_true(got.has_tcp && want.has_tcp);
    assert_int_equal(got.caplen, caplen);
    assert_int_equal(got.tcp.seq, want.tcp.seq);
    assert_int_equal(got.tcp.checksum_status, want.tcp.checksum_status);
    assert_memory_equal(got.l3, want.l3, got.l3_avail);
}

static void pcap_file(bool big, bool nsec)
{
    struct out o = { .big = big };
    u32(&o, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
    u16(&o, 2);
    u16(&o, 4);
    u32(&o, 0);
    u32(&o, 0);
    u32(&o, 65535);
    u32(&o, 1); /* Ethernet */
    uint64_t at[2];
    for (int i = 0; i < 2; i++) {
        at[i] = o.n;
        u32(&o, 1464776640 + (uint32_t)i);
        u32(&o, nsec ? 265744123 : 265744);
        u32(&o, sizeof seed1);
        u32(&o, sizeof seed1);
        put(&o, seed1, sizeof seed1);
    }
    char path[64];
    write_file(&o, path);
    uint8_t *layout;
    size_t len;
    struct tl_errbuf err = { { 0 } };
    assert_int_equal(tl_layout_scan(path, &layout, &len, &err), TL_OK);
    assert_int_equal(len, 2);
    assert_int_equal(layout[1], 1); /* pcap */
    struct tl_seek *s;
    assert_int_equal(tl_seek_open(path, layout, len, &s, &err), TL_OK);
    uint32_t ns = nsec ? 265744123 : 265744000;
    check_packet(s, at[1], 2, 1, seed1, sizeof seed1, 1464776641, ns); /* backwards too */
    check_packet(s, at[0], 1, 1, seed1, sizeof seed1, 1464776640, ns);
    struct tl_packet p;
    assert_false(tl_seek_read(s, o.n, 3, &p, &err)); /* the end of the file */
    assert_non_null(strstr(err.msg, "no record at byte"));
    tl_seek_close(s);
    free(layout);
    unlink(path);
}

static void pcap_both_orders(void **state)
{
    (void)state;
    pcap_file(false, false);
    pcap_file(true, true);
}

static void pcapng_layout(void **state)
{
    (void)state;
    struct out o = { .big = true };
    shb(&o);
    idb(&o, 1, 0, 6, 0); /* Ethernet, microseconds */
    uint64_t first = o.n;
    epb(&o, 0, 1464776640265744ull, seed1, sizeof seed1, sizeof seed1);
    uint64_t after_first = o.n; /* where libpcap's stream stands before the next packet */
    struct out isb = { .big = true };
    u32(&isb, 0);
    u32(&isb, 0);
    u32(&isb, 0);
    block(&o, 5, &isb);    /* interface statistics: skipped */
    idb(&o, 101, 0, 9, 0); /* raw IP, nanoseconds: interface 1 */
    epb(&o, 1, 1464776641000000007ull, seed1 + 14, sizeof seed1 - 14, sizeof seed1 - 14);
    char path[64];
    write_file(&o, path);
    uint8_t *layout;
    size_t len;
    struct tl_errbuf err = { { 0 } };
    assert_int_equal(tl_layout_scan(path, &layout, &len, &err), TL_OK);
    assert_int_equal(layout[1], 2);        /* pcapng */
    assert_int_equal(len, 2 + 4 + 3 * 27); /* one section, two interfaces */
    struct tl_seek *s;
    assert_int_equal(tl_seek_open(path, layout, len, &s, &err), TL_OK);
    check_packet(s, after_first, 2, 101, seed1 + 14, sizeof seed1 - 14, 1464776641, 7);
    check_packet(s, first, 1, 1, seed1, sizeof seed1, 1464776640, 265744000);
    struct tl_packet p;
    assert_false(tl_seek_read(s, 4, 1, &p, &err)); /* inside the section header */
    tl_seek_close(s);
    layout[0] = 9;
    assert_int_equal(tl_seek_open(path, layout, len, &s, &err), TL_E_MALFORMED);
    assert_null(s);
    free(layout);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcap_both_orders),
        cmocka_unit_test(pcapng_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
