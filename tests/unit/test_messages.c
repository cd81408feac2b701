/*
 * test_messages.c - the message tables (render/messages.h): every message exists in every
 * language and takes the same arguments with the same conversions as English; formats number
 * their arguments all or none, and number them whenever there is more than one; every
 * language's code parses back to it; tl_msg() fills a format, reordered arguments and long
 * texts included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "messages.h"

static const char *const msg_names[TL_MSG_COUNT] = {
#define NAME(n) [TL_MSG_##n] = #n,
    TL_MESSAGES(NAME)
#undef NAME
};

#define MAX_CONV 16

/* One conversion specification: the argument it takes and its type ("u", "llu", "s"). */
struct conv {
    int pos;
    char type[8];
};

struct spec {
    struct conv c[MAX_CONV];
    int n;
    int positional; /* how many conversions carry `n$` */
    int bad;        /* a conversion this parser does not know */
};

static bool is_conv_char(char ch)
{
    return ch && strchr("diouxXeEfFgGaAcsp", ch) != NULL;
}

/* The conversions of a printf format; flags, width and precision are left out. */
static struct spec parse(const char *f)
{
    struct spec s;
    memset(&s, 0, sizeof s);
    for (const char *p = f; *p; p++) {
        if (*p != '%') {
            continue;
        }
        p++;
        if (*p == '%') {
            continue;
        }
        int pos = 0;
        const char *q = p;
        while (*q >= '0' && *q <= '9') {
            pos = pos * 10 + (*q++ - '0');
        }
        if (*q == '$' && q > p) {
            p = q + 1;
            s.positional++;
        } else {
            pos = s.n + 1; /* in order */
        }
        while (*p && strchr("-+ #0'", *p)) {
            p++;
        }
        while ((*p >= '0' && *p <= '9') || *p == '*') {
            p++;
        }
        if (*p == '.') {
            p++;
            while ((*p >= '0' && *p <= '9') || *p == '*') {
                p++;
            }
        }
        char type[8] = { 0 };
        size_t k = 0;
        while (*p && strchr("hljztL", *p) && k < 4) {
            type[k++] = *p++;
        }
        if (!is_conv_char(*p) || s.n == MAX_CONV) {
            s.bad++;
            return s;
        }
        type[k] = *p;
        s.c[s.n].pos = pos;
        memcpy(s.c[s.n].type, type, sizeof type);
        s.n++;
    }
    return s;
}

/* Does spec a use argument pos with this type? */
static bool uses(const struct spec *a, const struct conv *c)
{
    for (int i = 0; i < a->n; i++) {
        if (a->c[i].pos == c->pos && !strcmp(a->c[i].type, c->type)) {
            return true;
        }
    }
    return false;
}

static void test_every_message_in_every_language(void **state)
{
    (void)state;
    for (int l = 0; l < TL_LANG_COUNT; l++) {
        const struct tl_messages *t = tl_messages((enum tl_lang)l);
        assert_non_null(t);
        assert_non_null(t->code);
        for (int id = 0; id < TL_MSG_COUNT; id++) {
            if (!t->format[id]) {
                fail_msg("%s: message %s has no format", t->code, msg_names[id]);
            }
        }
    }
}

static void test_formats_well_formed(void **state)
{
    (void)state;
    for (int l = 0; l < TL_LANG_COUNT; l++) {
        const struct tl_messages *t = tl_messages((enum tl_lang)l);
        for (int id = 0; id < TL_MSG_COUNT; id++) {
            struct spec s = parse(t->format[id]);
            if (s.bad) {
                fail_msg("%s %s: a conversion this test does not know: \"%s\"", t->code,
                         msg_names[id], t->format[id]);
            }
            if (s.positional != 0 && s.positional != s.n) {
                fail_msg("%s %s: numbered and unnumbered arguments mixed", t->code, msg_names[id]);
            }
            if (s.n > 1 && s.positional == 0) {
                fail_msg("%s %s: more than one argument, not numbered (%%1$s...)", t->code,
                         msg_names[id]);
            }
        }
    }
}

/* English uses every argument 1..n, each with one type. */
static void test_english_arguments_contiguous(void **state)
{
    (void)state;
    for (int id = 0; id < TL_MSG_COUNT; id++) {
        struct spec en = parse(tl_messages_en.format[id]);
        int max = 0;
        for (int i = 0; i < en.n; i++) {
            max = en.c[i].pos > max ? en.c[i].pos : max;
            for (int j = 0; j < en.n; j++) {
                if (en.c[i].pos == en.c[j].pos && strcmp(en.c[i].type, en.c[j].type)) {
                    fail_msg("en %s: argument %d with two types", msg_names[id], en.c[i].pos);
                }
            }
        }
        for (int pos = 1; pos <= max; pos++) {
            bool seen = false;
            for (int i = 0; i < en.n; i++) {
                seen |= en.c[i].pos == pos;
            }
            if (!seen) {
                fail_msg("en %s: argument %d unused", msg_names[id], pos);
            }
        }
    }
}

/* Every language takes exactly English's arguments: same numbers, same conversions. */
static void test_same_placeholders_as_english(void **state)
{
    (void)state;
    for (int l = 0; l < TL_LANG_COUNT; l++) {
        const struct tl_messages *t = tl_messages((enum tl_lang)l);
        for (int id = 0; id < TL_MSG_COUNT; id++) {
            struct spec en = parse(tl_messages_en.format[id]), x = parse(t->format[id]);
            for (int i = 0; i < en.n; i++) {
                if (!uses(&x, &en.c[i])) {
                    fail_msg("%s %s: does not use argument %d as %%%s: \"%s\"", t->code,
                             msg_names[id], en.c[i].pos, en.c[i].type, t->format[id]);
                }
            }
            for (int i = 0; i < x.n; i++) {
                if (!uses(&en, &x.c[i])) {
                    fail_msg("%s %s: argument %d as %%%s, which English does not take: \"%s\"",
                             t->code, msg_names[id], x.c[i].pos, x.c[i].type, t->format[id]);
                }
            }
        }
    }
}

static void test_language_codes(void **state)
{
    (void)state;
    for (int l = 0; l < TL_LANG_COUNT; l++) {
        const char *code = tl_messages((enum tl_lang)l)->code;
        char region[16];
        assert_int_equal(tl_lang_parse(code), l);
        snprintf(region, sizeof region, "%s-XX", code);
        assert_int_equal(tl_lang_parse(region), l);
        snprintf(region, sizeof region, "%sx", code);
        assert_int_equal(tl_lang_parse(region), -1);
    }
    assert_int_equal(tl_lang_parse("EN"), TL_LANG_EN);
    assert_int_equal(tl_lang_parse("zh_CN"), TL_LANG_ZH);
    assert_int_equal(tl_lang_parse("fr"), -1);
    assert_int_equal(tl_lang_parse(""), -1);
    assert_int_equal(tl_lang_parse(NULL), -1);
}

static void test_msg_fills_format(void **state)
{
    (void)state;
    struct tl_buf b;
    tl_buf_init(&b, 1 << 16);
    /* arguments in another order than English's */
    TL_MSG(&b, TL_LANG_EN, REUSE_ISN, 5u, "higher than", 3u, "the client");
    assert_string_equal(tl_buf_cstr(&b),
                        "its ISN 5 is higher than 3, the client's next sequence number on the "
                        "old connection");
    tl_buf_reset(&b);
    TL_MSG(&b, TL_LANG_ZH, REUSE_ISN, 5u, "大于", 3u, "客户端");
    assert_string_equal(tl_buf_cstr(&b), "这个 SYN 的 ISN 5 大于旧连接里客户端的下一个序列号 3");
    /* an argument Chinese does not use, and no argument */
    tl_buf_reset(&b);
    TL_MSG(&b, TL_LANG_ZH, SUM_RETX, 2u, "s");
    TL_MSG0(&b, TL_LANG_ZH, FULL_STOP);
    assert_string_equal(tl_buf_cstr(&b), "2 次重传。");
    tl_buf_reset(&b);
    TL_MSG(&b, TL_LANG_EN, SUM_RETX, 2u, tl_msg_text(TL_LANG_EN, TL_MSG_PL_OTHER));
    assert_string_equal(tl_buf_cstr(&b), "2 retransmissions");
    /* longer than the first attempt's 256 bytes */
    tl_buf_reset(&b);
    TL_MSG(&b, TL_LANG_ZH, ZERO_WINDOW_PROBE_KEEPALIVE, "客户端", "服务器", "客户端", 7u);
    char want[2048];
    int n = snprintf(want, sizeof want, "%s", "客户端发送零窗口探测：服务器最后通告的窗口是 0，");
    assert_true(n > 0 && b.len > 256);
    assert_memory_equal(tl_buf_cstr(&b), want, (size_t)n);
    assert_non_null(strstr(tl_buf_cstr(&b), "序列号 7 比下一个新序列号小 1"));
    assert_false(b.overflow);
    tl_buf_cleanup(&b);
    /* a buffer too small overflows, it is not overrun */
    char mem[16];
    tl_buf_init_fixed(&b, mem, sizeof mem);
    TL_MSG(&b, TL_LANG_EN, SUM_HS_SYNS, 3u);
    assert_true(b.overflow);
    assert_true(b.len < sizeof mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_in_every_language),
        cmocka_unit_test(test_formats_well_formed),
        cmocka_unit_test(test_english_arguments_contiguous),
        cmocka_unit_test(test_same_placeholders_as_english),
        cmocka_unit_test(test_language_codes),
        cmocka_unit_test(test_msg_fills_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
