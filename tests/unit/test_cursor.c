/*
 * test_cursor.c - the bounds-checked cursor (decoder/include/cursor.h): every getter at exactly its
 * length, one byte short and at zero length; peeks at and after the end, including offsets
 * whose sum would wrap; and no read outside the buffer, which sits flush against a PROT_NONE
 * page so that a one-byte over-read faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cursor.h"
#include "guard.h"

/* Bytes with the high bit set in every position, to catch sign extension. */
static const uint8_t pattern[8] = { 0xfe, 0xdc, 0xba, 0x98, 0x87, 0x65, 0x43, 0x21 };

enum getter {
    G_U8,
    G_BE16,
    G_BE32,
    G_LE32,
    G_COPY3,
    G_SKIP5,
};

static const struct {
    enum getter g;
    const char *name;
    size_t width;
} getters[] = {
    { G_U8, "u8", 1 },     { G_BE16, "be16", 2 },   { G_BE32, "be32", 4 },
    { G_LE32, "le32", 4 }, { G_COPY3, "copy3", 3 }, { G_SKIP5, "skip5", 5 },
};

/* Run one getter; the value read (or 0) goes to *out. */
static bool run_getter(enum getter g, struct tl_cur *c, uint64_t *out)
{
    uint8_t u8 = 0, cp[3] = { 0 };
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    bool ok = false;
    *out = 0;
    switch (g) {
        case G_U8:
            ok = tl_cur_u8(c, &u8);
            *out = u8;
            break;
        case G_BE16:
            ok = tl_cur_be16(c, &u16);
            *out = u16;
            break;
        case G_BE32:
            ok = tl_cur_be32(c, &u32);
            *out = u32;
            break;
        case G_LE32:
            ok = tl_cur_le32(c, &u32);
            *out = u32;
            break;
        case G_COPY3:
            ok = tl_cur_copy(c, cp, sizeof cp);
            *out = (uint64_t)cp[0] << 16 | (uint64_t)cp[1] << 8 | cp[2];
            break;
        case G_SKIP5:
            ok = tl_cur_skip(c, 5);
            break;
    }
    return ok;
}

/* What each getter must read from `pattern`. */
static uint64_t expected_value(enum getter g)
{
    switch (g) {
        case G_U8:
            return 0xfe;
        case G_BE16:
            return 0xfedc;
        case G_BE32:
            return 0xfedcba98;
        case G_LE32:
            return 0x98badcfe;
        case G_COPY3:
            return 0xfedcba;
        case G_SKIP5:
            return 0;
    }
    return 0;
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

static void test_cursor_getters_at_exact_length(void **state)
{
    struct guard *g = *state;
    for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
        struct tl_cur c;
        uint64_t v;
        tl_cur_init(&c, guard_place(g, pattern, getters[i].width), getters[i].width);
        assert_true(run_getter(getters[i].g, &c, &v));
        assert_int_equal(v, expected_value(getters[i].g));
        assert_int_equal(c.off, getters[i].width);
        assert_int_equal(tl_cur_left(&c), 0);
        /* and nothing more: the next read of any kind fails without moving */
        for (size_t k = 0; k < sizeof getters / sizeof getters[0]; k++) {
            assert_false(run_getter(getters[k].g, &c, &v));
            assert_int_equal(c.off, getters[i].width);
        }
    }
}

static void test_cursor_getters_one_short(void **state)
{
    struct guard *g = *state;
    for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
        struct tl_cur c;
        uint64_t v;
        size_t n = getters[i].width - 1;
        tl_cur_init(&c, guard_place(g, pattern, n), n);
        assert_false(run_getter(getters[i].g, &c, &v));
        assert_int_equal(c.off, 0); /* left where it was */
        assert_int_equal(tl_cur_left(&c), n);
    }
}

static void test_cursor_getters_zero_length(void **state)
{
    struct guard *g = *state;
    for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
        struct tl_cur c;
        uint64_t v;
        /* the buffer pointer is the first byte of the guard page: any read faults */
        tl_cur_init(&c, guard_place(g, pattern, 0), 0);
        assert_false(run_getter(getters[i].g, &c, &v));
        assert_int_equal(c.off, 0);
        assert_int_equal(tl_cur_left(&c), 0);
    }
    struct tl_cur c;
    tl_cur_init(&c, NULL, 0);
    assert_true(tl_cur_has(&c, 0));
    assert_false(tl_cur_has(&c, 1));
    assert_true(tl_cur_skip(&c, 0));
    assert_int_equal(c.off, 0);
    uint8_t dst[1] = { 0x5a };
    tl_cur_init(&c, guard_place(g, pattern, 0), 0);
    assert_true(tl_cur_copy(&c, dst, 0)); /* n == 0 fits even at the end */
    assert_int_equal(dst[0], 0x5a);
}

static void test_cursor_getters_one_short_after_reads(void **state)
{
    struct guard *g = *state;
    struct tl_cur c;
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    tl_cur_init(&c, guard_place(g, pattern, 7), 7);
    assert_true(tl_cur_be32(&c, &u32));
    assert_int_equal(u32, 0xfedcba98);
    assert_false(tl_cur_be32(&c, &u32)); /* 3 left */
    assert_false(tl_cur_le32(&c, &u32));
    assert_int_equal(c.off, 4);
    assert_true(tl_cur_be16(&c, &u16));
    assert_int_equal(u16, 0x8765);
    assert_false(tl_cur_be16(&c, &u16)); /* 1 left */
    assert_false(tl_cur_skip(&c, 2));
    assert_int_equal(c.off, 6);
    assert_true(tl_cur_u8(&c, &u8));
    assert_int_equal(u8, 0x43);
    assert_false(tl_cur_u8(&c, &u8));
    assert_int_equal(c.off, 7);
    assert_true(tl_cur_skip(&c, 0));
}

static void test_cursor_has_and_skip_huge(void **state)
{
    struct guard *g = *state;
    struct tl_cur c;
    tl_cur_init(&c, guard_place(g, pattern, 8), 8);
    assert_true(tl_cur_skip(&c, 3));
    assert_true(tl_cur_has(&c, 5));
    assert_false(tl_cur_has(&c, 6));
    assert_false(tl_cur_has(&c, SIZE_MAX));
    assert_false(tl_cur_has(&c, SIZE_MAX - 2)); /* off + n would wrap to 0 */
    assert_false(tl_cur_skip(&c, SIZE_MAX));
    assert_int_equal(c.off, 3);
    uint8_t big[8];
    assert_false(tl_cur_copy(&c, big, 6));
    assert_true(tl_cur_copy(&c, big, 5));
    assert_memory_equal(big, pattern + 3, 5);
}

static void test_cursor_peek_at_and_after_end(void **state)
{
    struct guard *g = *state;
    struct tl_cur c;
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    tl_cur_init(&c, guard_place(g, pattern, 8), 8);

    assert_true(tl_cur_peek_u8(&c, 7, &u8));
    assert_int_equal(u8, 0x21);
    assert_false(tl_cur_peek_u8(&c, 8, &u8));
    assert_false(tl_cur_peek_u8(&c, 9, &u8));
    assert_false(tl_cur_peek_u8(&c, SIZE_MAX, &u8));

    assert_true(tl_cur_peek_be16(&c, 6, &u16));
    assert_int_equal(u16, 0x4321);
    assert_false(tl_cur_peek_be16(&c, 7, &u16));
    assert_false(tl_cur_peek_be16(&c, 8, &u16));
    assert_false(tl_cur_peek_be16(&c, 9, &u16));
    assert_false(tl_cur_peek_be16(&c, SIZE_MAX, &u16));
    assert_false(tl_cur_peek_be16(&c, SIZE_MAX - 1, &u16)); /* at + 2 wraps to 0 */

    assert_true(tl_cur_peek_be32(&c, 4, &u32));
    assert_int_equal(u32, 0x87654321);
    assert_false(tl_cur_peek_be32(&c, 5, &u32));
    assert_false(tl_cur_peek_be32(&c, 8, &u32));
    assert_false(tl_cur_peek_be32(&c, SIZE_MAX - 3, &u32)); /* at + 4 wraps to 0 */
    assert_false(tl_cur_peek_be32(&c, SIZE_MAX, &u32));

    assert_true(tl_cur_peek_be32(&c, 0, &u32));
    assert_int_equal(u32, 0xfedcba98);
    assert_int_equal(c.off, 0); /* peeks never move the cursor */
}

static void test_cursor_peek_ignores_offset(void **state)
{
    struct guard *g = *state;
    struct tl_cur c;
    uint8_t u8 = 0;
    tl_cur_init(&c, guard_place(g, pattern, 4), 4);
    assert_true(tl_cur_skip(&c, 4));
    assert_true(tl_cur_peek_u8(&c, 0, &u8)); /* peeks are absolute, not from off */
    assert_int_equal(u8, 0xfe);
    assert_false(tl_cur_peek_u8(&c, 4, &u8));
}

static void test_cursor_peek_zero_length(void **state)
{
    struct guard *g = *state;
    struct tl_cur c;
    uint8_t u8 = 0x5a;
    uint16_t u16 = 0x5a5a;
    uint32_t u32 = 0x5a5a5a5a;
    tl_cur_init(&c, guard_place(g, pattern, 0), 0);
    assert_false(tl_cur_peek_u8(&c, 0, &u8));
    assert_false(tl_cur_peek_be16(&c, 0, &u16));
    assert_false(tl_cur_peek_be32(&c, 0, &u32));
    /* a failed read leaves the output alone */
    assert_int_equal(u8, 0x5a);
    assert_int_equal(u16, 0x5a5a);
    assert_int_equal(u32, 0x5a5a5a5a);
}

/* Every getter and peek at every offset of a buffer of every length up to 8. */
static void test_cursor_sweep_lengths_and_offsets(void **state)
{
    struct guard *g = *state;
    for (size_t len = 0; len <= sizeof pattern; len++) {
        for (size_t at = 0; at <= len + 2; at++) {
            struct tl_cur c;
            uint8_t u8;
            uint16_t u16;
            uint32_t u32;
            tl_cur_init(&c, guard_place(g, pattern, len), len);
            assert_int_equal(tl_cur_peek_u8(&c, at, &u8), at + 1 <= len);
            assert_int_equal(tl_cur_peek_be16(&c, at, &u16), at + 2 <= len);
            assert_int_equal(tl_cur_peek_be32(&c, at, &u32), at + 4 <= len);
            if (at > len) {
                continue;
            }
            for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
                uint64_t v;
                tl_cur_init(&c, guard_place(g, pattern, len), len);
                c.off = at;
                bool ok = run_getter(getters[i].g, &c, &v);
                assert_int_equal(ok, at + getters[i].width <= len);
                assert_int_equal(c.off, ok ? at + getters[i].width : at);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_getters_at_exact_length),
        cmocka_unit_test(test_cursor_getters_one_short),
        cmocka_unit_test(test_cursor_getters_zero_length),
        cmocka_unit_test(test_cursor_getters_one_short_after_reads),
        cmocka_unit_test(test_cursor_has_and_skip_huge),
        cmocka_unit_test(test_cursor_peek_at_and_after_end),
        cmocka_unit_test(test_cursor_peek_ignores_offset),
        cmocka_unit_test(test_cursor_peek_zero_length),
        cmocka_unit_test(test_cursor_sweep_lengths_and_offsets),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
