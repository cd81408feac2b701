/*
 * test_pcapng.c - the pcapng block reader (decoder/pcapng.c) on files built here byte by byte
 * from the pcapng specification (draft-ietf-opsawg-pcapng): interfaces of different link types
 * and snapshot lengths in one section, if_tsresol and if_tsoffset, simple and obsolete packet
 * blocks, blocks it must skip, a big-endian section after a little-endian one; every prefix
 * of the file and every corrupted length is refused with a message, never read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pcapng.h"
#include "pcapng_build.h"

static const uint8_t frame_a[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
static const uint8_t frame_b[] = { 0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x40, 0x00 };

/* Two sections: LE with Ethernet (ns resolution) and Linux cooked (2^-10, offset 100 s)
 * interfaces, a custom block, a simple packet block; then BE with a raw-IP interface. */
static size_t build(struct out *o)
{
    memset(o, 0, sizeof *o);
    shb(o);
    idb(o, 1, 65535, 9, 0);
    idb(o, 113, 262144, 0x80 | 10, 100);
    epb(o, 0, 1700000000123456789ull, frame_a, sizeof frame_a, 60);
    struct out custom = { 0 };
    u32(&custom, 32473); /* a private enterprise number, then anything */
    u32(&custom, 0x12345678);
    block(o, 0x00000BAD, &custom);
    epb(o, 1, (1700000000ull << 10) | 512, frame_b, sizeof frame_b, sizeof frame_b);
    struct out spb = { 0 };
    u32(&spb, 3);
    put(&spb, "abc", 3);
    block(o, 3, &spb);
    o->big = true;
    shb(o);
    idb(o, 101, 0, -1, 0);
    epb(o, 0, 1700000001000000ull, frame_b, 4, 40);
    return o->n;
}

static int read_all(const uint8_t *b, size_t n, struct tl_pcapng_rec *recs, int max,
                    struct tl_errbuf *err)
{
    static uint8_t copy[4096];
    memcpy(copy, b, n);
    FILE *f = fmemopen(copy, n ? n : 1, "rb");
    assert_non_null(f);
    if (n == 0) {
        fgetc(f); /* an empty stream */
    }
    struct tl_pcapng *r = tl_pcapng_new(f);
    int k = 0, rc;
    static uint8_t copies[8][64];
    while (k < max && (rc = tl_pcapng_next(r, &recs[k], err)) == 1) {
        memcpy(copies[k], recs[k].data, recs[k].caplen < 64 ? recs[k].caplen : 64);
        recs[k].data = copies[k];
        k++;
    }
    tl_pcapng_free(r);
    fclose(f);
    return rc < 0 ? -1 - k : k;
}

static void reads_every_interface(void **state)
{
    (void)state;
    struct out o;
    size_t n = build(&o);
    struct tl_pcapng_rec recs[8];
    struct tl_errbuf err = { { 0 } };
    int k = read_all(o.b, n, recs, 8, &err);
    assert_int_equal(k, 4);
    assert_int_equal(recs[0].linktype, 1);
    assert_int_equal(recs[0].ts_sec, 1700000000);
    assert_int_equal(recs[0].ts_nsec, 123456789);
    assert_int_equal(recs[0].caplen, 5);
    assert_int_equal(recs[0].wirelen, 60);
    assert_memory_equal(recs[0].data, frame_a, 5);
    assert_int_equal(recs[1].linktype, 113);
    assert_int_equal(recs[1].interface_id, 1);
    assert_int_equal(recs[1].ts_sec, 1700000100); /* + if_tsoffset */
    assert_int_equal(recs[1].ts_nsec, 500000000); /* 512 / 1024 s */
    assert_int_equal(recs[2].linktype, 1);        /* a simple packet block: interface 0 */
    assert_int_equal(recs[2].caplen, 3);
    assert_int_equal(recs[2].wirelen, 3);
    assert_int_equal(recs[3].linktype, 101); /* the big-endian section's own interface 0 */
    assert_int_equal(recs[3].ts_sec, 1700000001);
    assert_int_equal(recs[3].ts_nsec, 0);
    assert_int_equal(recs[3].caplen, 4);
    assert_int_equal(recs[3].wirelen, 40);
    assert_memory_equal(recs[3].data, frame_b, 4);
}

/* Every prefix: the packets before the cut, then a clean end (at a block boundary) or an
 * error, never a crash or a record that was not all there. */
static void every_prefix(void **state)
{
    (void)state;
    struct out o;
    size_t n = build(&o);
    struct tl_pcapng_rec recs[8];
    for (size_t cut = 0; cut < n; cut++) {
        struct tl_errbuf err = { { 0 } };
        int k = read_all(o.b, cut, recs, 8, &err);
        int got = k < 0 ? -1 - k : k;
        assert_true(got <= 4);
        if (k < 0) {
            assert_non_null(strstr(err.msg, "pcapng block at byte"));
        }
    }
}

static void refused(void **state)
{
    (void)state;
    struct out o;
    struct tl_pcapng_rec recs[8];
    struct tl_errbuf err = { { 0 } };
    size_t n = build(&o);
    uint8_t bad[4096];
    memcpy(bad, o.b, n);
    bad[0] = 1; /* not a section header first */
    assert_true(read_all(bad, n, recs, 8, &err) < 0);
    assert_non_null(strstr(err.msg, "no section header"));

    /* a packet of an interface never described */
    struct out p;
    memset(&p, 0, sizeof p);
    shb(&p);
    epb(&p, 0, 0, frame_a, 5, 5);
    assert_int_equal(read_all(p.b, p.n, recs, 8, &err), -1);
    assert_non_null(strstr(err.msg, "not described"));

    /* a captured length past the block */
    memset(&p, 0, sizeof p);
    shb(&p);
    idb(&p, 1, 0, -1, 0);
    size_t at = p.n;
    epb(&p, 0, 0, frame_a, 5, 5);
    p.b[at + 8 + 12] = 200; /* caplen */
    assert_int_equal(read_all(p.b, p.n, recs, 8, &err), -1);
    assert_non_null(strstr(err.msg, "past its block"));

    /* trailing length differs */
    p.b[at + 8 + 12] = 5;
    p.b[p.n - 4] ^= 4;
    assert_int_equal(read_all(p.b, p.n, recs, 8, &err), -1);
    assert_non_null(strstr(err.msg, "trailing"));

    /* a length that is not a multiple of 4, and one above the limit */
    p.b[p.n - 4] ^= 4;
    p.b[at + 4] += 1;
    assert_int_equal(read_all(p.b, p.n, recs, 8, &err), -1);
    p.b[at + 4] -= 1;
    p.b[at + 7] = 0x7f;
    assert_int_equal(read_all(p.b, p.n, recs, 8, &err), -1);
    assert_non_null(strstr(err.msg, "16 MiB"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_every_interface),
        cmocka_unit_test(every_prefix),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
