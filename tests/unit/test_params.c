/*
 * test_params.c - the strict parsers of request parameters (server/params.h): integers with
 * ranges, IPv4/IPv6 addresses and CIDR prefixes as 16-byte ranges, RFC 3339 times (checked
 * against values computed by `date -u -d ... +%s`), Accept-Language weights, sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "explain.h"
#include "params.h"

static void test_uint(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(tl_param_uint("0", 0, 65535, &v));
    assert_int_equal(v, 0);
    assert_true(tl_param_uint("65535", 0, 65535, &v));
    assert_int_equal(v, 65535);
    assert_false(tl_param_uint("65536", 0, 65535, &v));
    assert_false(tl_param_uint("70000", 0, 65535, &v));
    assert_false(tl_param_uint("-1", 0, 65535, &v));
    assert_false(tl_param_uint("", 0, 65535, &v));
    assert_false(tl_param_uint(NULL, 0, 65535, &v));
    assert_false(tl_param_uint("1e3", 0, 65535, &v));
    assert_false(tl_param_uint(" 1", 0, 65535, &v));
    assert_false(tl_param_uint("0x10", 0, 65535, &v));
    assert_false(tl_param_uint("0", 1, 1000, &v));
    assert_false(tl_param_uint("18446744073709551616", 0, UINT64_MAX, &v)); /* 2^64 */
    assert_true(tl_param_uint("18446744073709551615", 0, UINT64_MAX, &v));
    assert_true(v == UINT64_MAX);
}

static void test_cidr_v4(void **state)
{
    (void)state;
    struct tl_addr_range r;
    static const uint8_t lo[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 3, 0 };
    static const uint8_t hi[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 3, 255 };
    assert_true(tl_param_cidr("192.168.3.10/24", &r));
    assert_true(r.set);
    assert_memory_equal(r.lo, lo, 16);
    assert_memory_equal(r.hi, hi, 16);
    assert_true(tl_param_cidr("192.168.3.10", &r));
    assert_int_equal(r.lo[15], 10);
    assert_int_equal(r.hi[15], 10);
    assert_true(tl_param_cidr("10.0.0.0/0", &r));
    assert_int_equal(r.lo[12], 0);
    assert_int_equal(r.hi[12], 255);
    assert_int_equal(r.lo[10], 0xff); /* still only IPv4 space */
    assert_false(tl_param_cidr("banana", &r));
    assert_false(tl_param_cidr("192.168.3.10/33", &r));
    assert_false(tl_param_cidr("192.168.3.10/", &r));
    assert_false(tl_param_cidr("192.168.3/24", &r));
    assert_false(tl_param_cidr("1.1.1.1' OR '1'='1", &r));
}

static void test_cidr_v6(void **state)
{
    (void)state;
    struct tl_addr_range r;
    assert_true(tl_param_cidr("2001:db8::1/32", &r));
    static const uint8_t lo[16] = { 0x20, 0x01, 0x0d, 0xb8 };
    assert_memory_equal(r.lo, lo, 16);
    assert_int_equal(r.hi[3], 0xb8);
    assert_int_equal(r.hi[4], 0xff);
    assert_int_equal(r.hi[15], 0xff);
    assert_true(tl_param_cidr("fd00::2", &r));
    assert_memory_equal(r.lo, r.hi, 16);
    assert_true(tl_param_cidr("2001:db8::/33", &r));
    assert_int_equal(r.hi[4], 0x7f);
    assert_false(tl_param_cidr("2001:db8::/129", &r));
    assert_false(tl_param_cidr("2001:db8:::1", &r));
}

static void test_time(void **state)
{
    (void)state;
    int64_t ns = 0;
    /* date -u -d 2016-06-01T10:24:00Z +%s -> 1464776640 */
    assert_true(tl_param_time("2016-06-01T10:24:00Z", &ns));
    assert_true(ns == 1464776640LL * 1000000000);
    assert_true(tl_param_time("2016-06-01T10:24:00.265744Z", &ns));
    assert_true(ns == 1464776640LL * 1000000000 + 265744000);
    assert_true(tl_param_time("2016-06-01T18:24:00+08:00", &ns));
    assert_true(ns == 1464776640LL * 1000000000);
    /* date -u -d 2000-02-29T00:00:00Z +%s -> 951782400 */
    assert_true(tl_param_time("2000-02-29T00:00:00Z", &ns));
    assert_true(ns == 951782400LL * 1000000000);
    assert_false(tl_param_time("yesterday", &ns));
    assert_false(tl_param_time("2016-06-01", &ns));
    assert_false(tl_param_time("2016-13-01T00:00:00Z", &ns));
    assert_false(tl_param_time("2016-06-01T10:24:00", &ns)); /* no zone */
    assert_false(tl_param_time("2016-06-01T10:24:00Zjunk", &ns));
}

static void test_accept_language(void **state)
{
    (void)state;
    assert_int_equal(tl_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), TL_LANG_ZH);
    assert_int_equal(tl_accept_language("en-US,en;q=0.9,zh;q=0.5"), TL_LANG_EN);
    assert_int_equal(tl_accept_language("fr;q=1, zh-TW;q=0.3, en;q=0.2"), TL_LANG_ZH);
    assert_int_equal(tl_accept_language("fr, de"), -1);
    assert_int_equal(tl_accept_language(NULL), -1);
    assert_int_equal(tl_accept_language("zhx, enx"), -1);
    assert_int_equal(tl_accept_language("en;q=0, zh;q=0"), -1);
}

static void test_size(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(tl_param_size("1G", &v));
    assert_true(v == 1073741824ULL);
    assert_true(tl_param_size("64K", &v));
    assert_true(v == 65536);
    assert_true(tl_param_size("3m", &v));
    assert_true(v == 3145728);
    assert_true(tl_param_size("1000", &v));
    assert_true(v == 1000);
    assert_false(tl_param_size("G", &v));
    assert_false(tl_param_size("1T", &v));
    assert_false(tl_param_size("0", &v));
    assert_false(tl_param_size("-1K", &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint),
        cmocka_unit_test(test_cidr_v4),
        cmocka_unit_test(test_cidr_v6),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_accept_language),
        cmocka_unit_test(test_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
