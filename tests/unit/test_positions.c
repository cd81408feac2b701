/*
 * test_positions.c - a flow's packet positions (track/positions.h): the bytes follow the
 * documented version-1 layout, worked out here by hand from the LEB128 rule (7 bits per byte,
 * low group first, high bit set on every byte but the last); a blob survives write/read; a
 * cut blob, an unknown version, a varint longer than 64 bits and positions that go backwards
 * are refused, never read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guard.h"
#include "positions.h"

static void documented_bytes(void **state)
{
    (void)state;
    struct tl_pos_writer w = { 0 };
    /* frame 1 at byte 24 (a pcap's first record); frame 3 at 300; frame 130 at 70000 */
    assert_true(tl_pos_add(&w, 1, 24));
    assert_true(tl_pos_add(&w, 3, 300));
    assert_true(tl_pos_add(&w, 130, 70000));
    tl_pos_set_flags(&w, TL_POS_FLAG_REUSED);
    /* 276 = 0b10_0001_0100: 0010100 | 0x80, 10 -> 0x94 0x02;
     * 69700 = 0b1_0001_0000_0100_0100: 1000100 | 0x80, 0100000 | 0x80, 100 -> 0xc4 0xa0 0x04 */
    static const uint8_t want[] = {
        1,    1,                /* version 1, flags: reused */
        0x01, 0x18,             /* +1, +24 */
        0x02, 0x94, 0x02,       /* +2, +276 */
        0x7f, 0xc4, 0xa0, 0x04, /* +127, +69700 */
    };
    assert_int_equal(w.n, sizeof want);
    assert_memory_equal(w.b, want, sizeof want);
    assert_int_equal(w.count, 3);

    struct tl_pos_reader r;
    uint64_t frame, pos;
    assert_true(tl_pos_reader_init(&r, w.b, w.n));
    assert_int_equal(r.flags, TL_POS_FLAG_REUSED);
    assert_int_equal(tl_pos_next(&r, &frame, &pos), 1);
    assert_int_equal(frame, 1);
    assert_int_equal(pos, 24);
    assert_int_equal(tl_pos_next(&r, &frame, &pos), 1);
    assert_int_equal(frame, 3);
    assert_int_equal(pos, 300);
    assert_int_equal(tl_pos_next(&r, &frame, &pos), 1);
    assert_int_equal(frame, 130);
    assert_int_equal(pos, 70000);
    assert_int_equal(tl_pos_next(&r, &frame, &pos), 0);
    tl_pos_writer_free(&w);
}

static void round_trip_large(void **state)
{
    (void)state;
    struct tl_pos_writer w = { 0 };
    uint64_t f = 0, p = 0;
    for (unsigned i = 0; i < 100000; i++) {
        f += 1 + i % 977;
        p += (uint64_t)(i % 3 == 0 ? 1u << 31 : 64 + i % 1500);
        assert_true(tl_pos_add(&w, f, p));
    }
    struct tl_pos_reader r;
    assert_true(tl_pos_reader_init(&r, w.b, w.n));
    uint64_t f2 = 0, p2 = 0, frame, pos;
    for (unsigned i = 0; i < 100000; i++) {
        f2 += 1 + i % 977;
        p2 += (uint64_t)(i % 3 == 0 ? 1u << 31 : 64 + i % 1500);
        assert_int_equal(tl_pos_next(&r, &frame, &pos), 1);
        assert_int_equal(frame, f2);
        assert_int_equal(pos, p2);
    }
    assert_int_equal(tl_pos_next(&r, &frame, &pos), 0);
    tl_pos_writer_free(&w);
}

static void refused(void **state)
{
    (void)state;
    struct tl_pos_writer w = { 0 };
    assert_true(tl_pos_add(&w, 5, 1000));
    assert_false(tl_pos_add(&w, 4, 2000)); /* an earlier frame */
    assert_false(tl_pos_add(&w, 6, 999));  /* an earlier position */
    assert_true(tl_pos_add(&w, 6, 3000));

    struct tl_pos_reader r;
    uint64_t frame, pos;
    static const uint8_t v2[] = { 2, 0, 1, 1 };
    assert_false(tl_pos_reader_init(&r, v2, sizeof v2));
    assert_false(tl_pos_reader_init(&r, w.b, 1));

    /* every cut: whole packets, then the end or a refusal, never a read past the cut */
    struct guard g;
    assert_int_equal(guard_init(&g, 4096), 0);
    for (size_t cut = TL_POS_HEADER_BYTES; cut <= w.n; cut++) {
        const uint8_t *b = guard_place(&g, w.b, cut);
        assert_true(tl_pos_reader_init(&r, b, cut));
        int n = 0, rc;
        while ((rc = tl_pos_next(&r, &frame, &pos)) == 1) {
            n++;
        }
        assert_true(n <= 2);
        assert_true(rc == 0 || rc == -1);
        assert_int_equal(rc == 0 && n == 2, cut == w.n);
    }
    /* eleven continuation bytes: more than 64 bits */
    static const uint8_t longv[] = { 1,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00 };
    const uint8_t *b = guard_place(&g, longv, sizeof longv);
    assert_true(tl_pos_reader_init(&r, b, sizeof longv));
    assert_int_equal(tl_pos_next(&r, &frame, &pos), -1);
    assert_int_equal(tl_pos_next(&r, &frame, &pos), 0); /* and stays ended */
    guard_free(&g);
    tl_pos_writer_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(documented_bytes),
        cmocka_unit_test(round_trip_large),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
