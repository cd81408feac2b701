/*
 * test_buf.c - the bounded text buffer (render/buf.h): every appender's text, growth, the
 * maximum size (an append that does not fit sets `overflow` and is dropped whole), reset and
 * cleanup leaving the buffer reusable, and buffers over caller memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void test_buf_init_is_empty(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 100);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 100);
    assert_false(b.overflow);
    assert_string_equal(tl_buf_cstr(&b), "");
    tl_buf_cleanup(&b);
}

static void test_buf_appenders(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 4096);
    tl_buf_put(&b, "ab|", 2); /* only n bytes */
    tl_buf_puts(&b, "cd");
    tl_buf_putc(&b, 'e');
    tl_buf_putc(&b, ' ');
    tl_buf_u64(&b, 0);
    tl_buf_putc(&b, ' ');
    tl_buf_u64(&b, UINT64_MAX);
    tl_buf_putc(&b, ' ');
    tl_buf_i64(&b, INT64_MIN);
    tl_buf_putc(&b, ' ');
    tl_buf_i64(&b, -1);
    tl_buf_putc(&b, ' ');
    tl_buf_i64(&b, 0);
    tl_buf_putc(&b, ' ');
    tl_buf_i64(&b, INT64_MAX);
    tl_buf_putc(&b, ' ');
    tl_buf_hex(&b, 0, 1);
    tl_buf_putc(&b, ' ');
    tl_buf_hex(&b, 0, 0);
    tl_buf_putc(&b, ' ');
    tl_buf_hex(&b, 0xdeadbeef, 0);
    tl_buf_putc(&b, ' ');
    tl_buf_hex(&b, 0xa, 4);
    tl_buf_putc(&b, ' ');
    tl_buf_hex(&b, UINT64_MAX, 2);
    tl_buf_putc(&b, ' ');
    tl_buf_hex(&b, 1, 40); /* at most 16 digits */
    tl_buf_putc(&b, ' ');
    tl_buf_printf(&b, "%s=%d/%04x", "win", 4103, 0xf35a);
    assert_false(b.overflow);
    assert_string_equal(tl_buf_cstr(&b), "abcde 0 18446744073709551615 -9223372036854775808 -1 0 "
                                         "9223372036854775807 0 0 deadbeef 000a ffffffffffffffff "
                                         "0000000000000001 win=4103/f35a");
    assert_int_equal(b.len, strlen(b.data));
    tl_buf_cleanup(&b);
}

static void test_buf_numbers_match_printf(void **state)
{
    (void)state;
    struct tl_buf b;
    char want[64];
    tl_buf_init(&b, 64);
    uint64_t v = 1;
    for (int k = 0; k < 20; k++, v *= 10) {
        const uint64_t vals[3] = { v - 1, v, v + 1 };
        for (int j = 0; j < 3; j++) {
            tl_buf_reset(&b);
            tl_buf_u64(&b, vals[j]);
            snprintf(want, sizeof want, "%llu", (unsigned long long)vals[j]);
            assert_string_equal(tl_buf_cstr(&b), want);
            tl_buf_reset(&b);
            tl_buf_i64(&b, -(int64_t)(vals[j] >> 1));
            snprintf(want, sizeof want, "%lld", -(long long)(vals[j] >> 1));
            assert_string_equal(tl_buf_cstr(&b), want);
            for (int digits = 0; digits <= 17; digits++) {
                tl_buf_reset(&b);
                tl_buf_hex(&b, vals[j], digits);
                snprintf(want, sizeof want, "%0*llx", digits > 16 ? 16 : digits,
                         (unsigned long long)vals[j]);
                assert_string_equal(tl_buf_cstr(&b), want);
            }
        }
    }
    tl_buf_cleanup(&b);
}

static void test_buf_grows(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 1 << 20);
    for (int i = 0; i < 100000; i++) {
        tl_buf_putc(&b, (char)('a' + i % 26));
    }
    assert_false(b.overflow);
    assert_int_equal(b.len, 100000);
    const char *s = tl_buf_cstr(&b);
    for (int i = 0; i < 100000; i++) {
        if (s[i] != (char)('a' + i % 26)) {
            fail_msg("byte %d is %c", i, s[i]);
        }
    }
    assert_int_equal(s[100000], '\0');
    tl_buf_cleanup(&b);
}

static void test_buf_max_exact_fit(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 8);
    tl_buf_puts(&b, "12345678");
    assert_false(b.overflow);
    assert_string_equal(tl_buf_cstr(&b), "12345678");
    tl_buf_putc(&b, '9');
    assert_true(b.overflow);
    assert_int_equal(b.len, 8);
    assert_string_equal(tl_buf_cstr(&b), "12345678");
    tl_buf_cleanup(&b);
}

static void test_buf_overflow_drops_whole_append(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 8);
    tl_buf_puts(&b, "abcde");
    tl_buf_puts(&b, "fghi"); /* 9 > 8: nothing of it goes in */
    assert_true(b.overflow);
    assert_int_equal(b.len, 5);
    tl_buf_putc(&b, 'f'); /* would fit, but the buffer already overflowed */
    tl_buf_u64(&b, 1);
    tl_buf_hex(&b, 1, 1);
    tl_buf_printf(&b, "%d", 1);
    assert_true(b.overflow);
    assert_int_equal(b.len, 5);
    assert_string_equal(tl_buf_cstr(&b), "abcde");
    tl_buf_cleanup(&b);

    tl_buf_init(&b, 20);
    tl_buf_puts(&b, "x");
    tl_buf_u64(&b, UINT64_MAX); /* 20 digits after 1 byte */
    assert_true(b.overflow);
    assert_int_equal(b.len, 1);
    tl_buf_cleanup(&b);
}

static void test_buf_reset_clears_overflow_keeps_memory(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 4);
    tl_buf_puts(&b, "abcd");
    tl_buf_puts(&b, "e");
    assert_true(b.overflow);
    char *mem = b.data;
    size_t cap = b.cap;
    tl_buf_reset(&b);
    assert_false(b.overflow);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.cap, cap);
    tl_buf_puts(&b, "wxyz");
    assert_false(b.overflow);
    assert_string_equal(tl_buf_cstr(&b), "wxyz");
    tl_buf_cleanup(&b);
}

static void test_buf_cleanup_leaves_reusable(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 16);
    tl_buf_puts(&b, "0123456789abcdefg");
    assert_true(b.overflow);
    tl_buf_cleanup(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 16);
    assert_false(b.overflow);
    tl_buf_puts(&b, "again");
    assert_string_equal(tl_buf_cstr(&b), "again");
    tl_buf_cleanup(&b);
    tl_buf_cleanup(&b); /* twice is harmless */
}

static void test_buf_printf_longer_than_its_stack_buffer(void **state)
{
    (void)state;
    char text[301];
    memset(text, 'p', 300);
    text[300] = '\0';
    struct tl_buf b;
    tl_buf_init(&b, 1000);
    tl_buf_puts(&b, "<");
    tl_buf_printf(&b, "%s>", text);
    assert_false(b.overflow);
    assert_int_equal(b.len, 302);
    assert_int_equal(tl_buf_cstr(&b)[301], '>');
    assert_memory_equal(b.data + 1, text, 300);
    tl_buf_cleanup(&b);

    tl_buf_init(&b, 300);
    tl_buf_printf(&b, "%s", text); /* exactly the maximum */
    assert_false(b.overflow);
    assert_int_equal(b.len, 300);
    tl_buf_cleanup(&b);

    tl_buf_init(&b, 299);
    tl_buf_printf(&b, "%s", text);
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);
    tl_buf_cleanup(&b);
}

/* An append no buffer can hold must not claim to fit: `extra + 1` must not wrap. */
static void test_buf_reserve_huge_sets_overflow(void **state)
{
    (void)state;
    struct tl_buf b;
    bool fits[3], overflow[3];
    tl_buf_init(&b, 1 << 20);
    fits[0] = tl_buf_reserve(&b, SIZE_MAX); /* empty buffer */
    overflow[0] = b.overflow;
    tl_buf_reset(&b);
    tl_buf_puts(&b, "x"); /* now with memory */
    fits[1] = tl_buf_reserve(&b, SIZE_MAX);
    overflow[1] = b.overflow;
    tl_buf_reset(&b);
    tl_buf_puts(&b, "x");
    fits[2] = tl_buf_reserve(&b, SIZE_MAX - 1);
    overflow[2] = b.overflow;
    tl_buf_cleanup(&b); /* before asserting: a failure must not leak */
    for (int i = 0; i < 3; i++) {
        if (fits[i] || !overflow[i]) {
            fail_msg("case %d: tl_buf_reserve(huge) returned %d, overflow %d; want 0, 1", i,
                     fits[i], overflow[i]);
        }
    }
}

static void test_buf_fixed_memory(void **state)
{
    (void)state;
    char mem[8];
    struct tl_buf b;
    tl_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(b.max, 7);
    tl_buf_puts(&b, "1234567");
    assert_false(b.overflow);
    assert_ptr_equal(tl_buf_cstr(&b), mem);
    assert_string_equal(mem, "1234567");
    tl_buf_putc(&b, '8'); /* the NUL needs the last byte */
    assert_true(b.overflow);
    assert_int_equal(b.len, 7);
    tl_buf_reset(&b);
    tl_buf_printf(&b, "%s", "a longer text than eight bytes, past the stack buffer? no");
    assert_true(b.overflow);
    assert_int_equal(b.len, 0);
    tl_buf_reset(&b);
    tl_buf_u64(&b, 42);
    assert_string_equal(tl_buf_cstr(&b), "42");
    assert_ptr_equal(b.data, mem);
    tl_buf_cleanup(&b); /* must not free caller memory (ASan would say) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_init_is_empty),
        cmocka_unit_test(test_buf_appenders),
        cmocka_unit_test(test_buf_numbers_match_printf),
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_buf_max_exact_fit),
        cmocka_unit_test(test_buf_overflow_drops_whole_append),
        cmocka_unit_test(test_buf_reset_clears_overflow_keeps_memory),
        cmocka_unit_test(test_buf_cleanup_leaves_reusable),
        cmocka_unit_test(test_buf_printf_longer_than_its_stack_buffer),
        cmocka_unit_test(test_buf_reserve_huge_sets_overflow),
        cmocka_unit_test(test_buf_fixed_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
