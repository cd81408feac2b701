/*
 * test_ladder.c - the SVG ladder diagram (render/ladder.h): a well-formed document with one
 * arrow per packet for the seed capture's six packets, caller text escaped and cleaned (markup,
 * control bytes, invalid UTF-8, very long strings), the "first n of total" note, the styles of
 * retransmissions, resets and the piggybacked FIN, time drawn to scale with rows kept apart and
 * the height capped, no packets at all, the TL_LADDER_MAX limit, and a buffer that overflows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ladder.h"

#define OUT_MAX_BYTES (8u << 20)

/*
 * The seed capture (tests/golden/seed_telnet): 192.168.3.10:58544 opens to 114.215.206.177:5555
 * and closes in three segments 13 s later, the server's FIN carrying the ACK of the client's FIN.
 * Times, relative numbers and states are the decoder's for that capture.
 */
static const struct tl_ladder_pkt seed_pkts[] = {
    { 0, 0, true, "S", 0, 0, false, 0, "syn", "SYN-SENT", "LISTEN" },
    { 1, 20949, false, "S.", 0, 1, true, 0, "syn-ack", "ESTABLISHED", "SYN-RECEIVED" },
    { 2, 21005, true, ".", 1, 1, true, 0, "handshake-ack", "ESTABLISHED", "ESTABLISHED" },
    { 3, 13060939, true, "F.", 1, 1, true, 0, "fin", "FIN-WAIT-1", "ESTABLISHED" },
    { 4, 13081603, false, "F.", 1, 2, true, 0, "fin-ack-piggybacked", "FIN-WAIT-2", "LAST-ACK" },
    { 5, 13081692, true, ".", 2, 2, true, 0, "close-ack", "TIME-WAIT", "CLOSED" },
};
#define SEED_N (sizeof seed_pkts / sizeof seed_pkts[0])

static struct tl_ladder seed_ladder(void)
{
    struct tl_ladder l = { "192.168.3.10:58544",
                           "114.215.206.177:5555",
                           "three-segment close",
                           seed_pkts,
                           SEED_N,
                           SEED_N,
                           false,
                           false };
    return l;
}

/* Render into a fresh buffer; the caller frees it with tl_buf_cleanup(). */
static const char *render(struct tl_buf *b, const struct tl_ladder *l)
{
    tl_buf_init(b, OUT_MAX_BYTES);
    tl_ladder_svg(b, l);
    assert_false(b->overflow);
    return tl_buf_cstr(b);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* Every '&' starts an entity: "&name;" or "&#digits;". */
static bool entities_ok(const char *s)
{
    for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&')) {
        size_t k = strspn(p + 1, "#abcdefghijklmnopqrstuvwxyz0123456789");
        if (k == 0 || k > 8 || p[1 + k] != ';') {
            return false;
        }
    }
    return true;
}

/*
 * A tiny well-formedness check: skips <?...?> and <!--...-->, requires quoted attribute values
 * without '<', and matches every start tag with its end tag under a single root <svg>.
 */
static bool tags_balance(const char *s)
{
    char stack[32][24];
    size_t depth = 0, roots = 0;
    while ((s = strchr(s, '<')) != NULL) {
        const char *end;
        if (strncmp(s, "<?", 2) == 0 && (end = strstr(s, "?>")) != NULL) {
            s = end + 2;
            continue;
        }
        if (strncmp(s, "<!--", 4) == 0 && (end = strstr(s, "-->")) != NULL) {
            s = end + 3;
            continue;
        }
        bool closing = s[1] == '/';
        const char *name = s + 1 + closing;
        size_t nlen =
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:");
        if (nlen == 0 || nlen >= sizeof stack[0]) {
            return false;
        }
        const char *p = name + nlen;
        char quote = 0;
        for (; *p && (quote || *p != '>'); p++) {
            if (*p == '<') {
                return false;
            }
            if (quote && *p == quote) {
                quote = 0;
            } else if (!quote && (*p == '"' || *p == '\'')) {
                quote = *p;
            } else if (!quote && *p == '=' && p[1] != '"' && p[1] != '\'') {
                return false; /* unquoted attribute value */
            }
        }
        if (!*p) {
            return false;
        }
        bool self = p[-1] == '/';
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != nlen ||
                strncmp(stack[depth - 1], name, nlen) != 0) {
                return false;
            }
            depth--;
        } else {
            if (depth == 0 && (roots++ > 0 || nlen != 3 || strncmp(name, "svg", 3) != 0)) {
                return false;
            }
            if (!self) {
                if (depth == sizeof stack / sizeof stack[0]) {
                    return false;
                }
                memcpy(stack[depth], name, nlen);
                stack[depth][nlen] = '\0';
                depth++;
            }
        }
        s = p + 1;
    }
    return depth == 0 && roots == 1;
}

/* Well-formed UTF-8 (RFC 3629) with no control byte but '\n'. */
static bool clean_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        size_t len = c < 0x80                 ? 1
                     : c >= 0xc2 && c <= 0xdf ? 2
                     : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4
                                              : 0;
        if (len == 0 || (c < 0x20 && c != '\n') || c == 0x7f) {
            return false;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[k] & 0xc0) != 0x80) {
                return false;
            }
        }
        s += len;
    }
    return true;
}

static long attr_long(const char *doc, const char *attr)
{
    const char *p = strstr(doc, attr);
    assert_non_null(p);
    return strtol(p + strlen(attr), NULL, 10);
}

static void test_ladder_seed_is_a_balanced_svg_document(void **state)
{
    (void)state;
    struct tl_buf b;
    struct tl_ladder l = seed_ladder();
    const char *svg = render(&b, &l);

    assert_true(strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "viewBox=\"0 0 "));
    assert_non_null(strstr(svg, "<title>"));
    assert_int_equal(count(svg, "class=\"arrow"), SEED_N);
    assert_true(tags_balance(svg));
    assert_true(entities_ok(svg));
    assert_true(clean_utf8(svg));
    /* Self-contained: the namespace is the only URL; no script, no external font or image. */
    assert_int_equal(count(svg, "://"), 1);
    assert_null(strstr(svg, "<script"));
    assert_null(strstr(svg, "<image"));
    assert_null(strstr(svg, "@import"));

    assert_non_null(strstr(svg, ">0.000 ms<"));
    assert_non_null(strstr(svg, ">20.949 ms<"));
    assert_non_null(strstr(svg, ">21.005 ms<"));
    assert_non_null(strstr(svg, ">13081.692 ms<"));
    assert_non_null(strstr(svg, "[S.] seq 0 ack 1"));
    assert_non_null(strstr(svg, "[S] seq 0<")); /* no ack when it is not known */
    assert_non_null(strstr(svg, "FIN (piggybacked ACK)"));
    assert_non_null(strstr(svg, ">SYN-RECEIVED<"));
    assert_non_null(strstr(svg, ">TIME-WAIT<"));
    assert_non_null(strstr(svg, ">192.168.3.10:58544<"));
    assert_non_null(strstr(svg, ">handshake<"));
    assert_non_null(strstr(svg, ">teardown<"));
    assert_null(strstr(svg, ">data<")); /* nothing between the handshake and the close */
    assert_null(strstr(svg, "first ")); /* all packets shown */
    tl_buf_cleanup(&b);
}

static void test_ladder_escapes_caller_text(void **state)
{
    (void)state;
    struct tl_ladder_pkt p[] = {
        { 0, 0, true, "<&>", 0, 0, false, 3, "a<&>b", "\"q'", "x\x01y\x1fz\n" },
        { 1, 5, false, "S\xff\xc0\xaf", 0, 1, true, 0, "\xed\xa0\x80 \xef\xbf\xbe", NULL, NULL },
    };
    struct tl_ladder l = { "<script>alert(1)</script>",
                           "[2001:db8::1]:443",
                           "x <&> \xc3\xa9t\xc3\xa9",
                           p,
                           2,
                           2,
                           false,
                           false };
    struct tl_buf b;
    const char *svg = render(&b, &l);

    assert_non_null(strstr(svg, "[&lt;&amp;&gt;] seq 0 len 3"));
    assert_non_null(strstr(svg, "a&lt;&amp;&gt;b"));
    assert_non_null(strstr(svg, "&quot;q&#39;"));
    assert_non_null(strstr(svg, "x?y?z?"));
    assert_non_null(strstr(svg, "x &lt;&amp;&gt; \xc3\xa9t\xc3\xa9")); /* UTF-8 kept */
    assert_non_null(strstr(svg, "&lt;script&gt;"));
    assert_null(strstr(svg, "<&>"));
    assert_null(strstr(svg, "<script"));
    assert_int_equal(count(svg, "class=\"arrow"), 2);
    assert_true(tags_balance(svg));
    assert_true(entities_ok(svg));
    assert_true(clean_utf8(svg)); /* invalid bytes, surrogates and U+FFFE were replaced */
    tl_buf_cleanup(&b);
}

static void test_ladder_shortens_long_text(void **state)
{
    (void)state;
    static char addr[3000], state_name[600];
    for (size_t i = 0; i + 2 < sizeof addr; i += 2) {
        memcpy(addr + i, "\xc3\xa9", 2); /* é: an ellipsis must not cut it in half */
    }
    memset(state_name, 'S', sizeof state_name - 1);
    struct tl_ladder_pkt p = { 0, 0, true, "S", 0, 0, false, 0, "syn", state_name, state_name };
    struct tl_ladder l = { addr, addr, addr, &p, 1, 1, true, false };
    struct tl_buf b;
    const char *svg = render(&b, &l);

    assert_non_null(strstr(svg, "\xe2\x80\xa6"));      /* the ellipsis */
    assert_null(strstr(svg, "SSSSSSSSSSSSSSSSSSSSS")); /* 21 in a row: cut */
    assert_true(attr_long(svg, " width=\"") < 3000);
    assert_true(tags_balance(svg));
    assert_true(clean_utf8(svg));
    tl_buf_cleanup(&b);
}

static void test_ladder_notes_first_n_of_total(void **state)
{
    (void)state;
    struct tl_ladder l = seed_ladder();
    l.n = 3;
    l.total = 10;
    struct tl_buf b;
    const char *svg = render(&b, &l);
    assert_non_null(strstr(svg, "first 3 of 10"));
    assert_non_null(strstr(svg, "7 more packets"));
    assert_int_equal(count(svg, "class=\"arrow"), 3);
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);

    l.total = 3; /* all shown: no note */
    svg = render(&b, &l);
    assert_null(strstr(svg, "first 3"));
    assert_null(strstr(svg, "more packets"));
    tl_buf_cleanup(&b);
}

static void test_ladder_styles_special_packets(void **state)
{
    (void)state;
    struct tl_ladder_pkt p[] = {
        { 0, 0, true, "P.", 1, 1, true, 100, "data", "ESTABLISHED", "ESTABLISHED" },
        { 1, 200000, true, "P.", 1, 1, true, 100, "retransmission", "ESTABLISHED", "ESTABLISHED" },
        { 2, 200100, false, ".", 1, 1, true, 0, "duplicate-ack", "ESTABLISHED", "ESTABLISHED" },
        { 3, 200200, true, "P.", 201, 1, true, 100, "out-of-order", "ESTABLISHED", "ESTABLISHED" },
        { 4, 300000, false, "R.", 1, 301, true, 0, "rst", "CLOSED", "CLOSED" },
        { 5, 300001, false, "S", 0, 0, false, 0, "something-new", "CLOSED", "CLOSED" },
    };
    struct tl_ladder l = { "10.0.0.1:40000", "10.0.0.2:80", NULL, p, 6, 6, false, false };
    struct tl_buf b;
    const char *svg = render(&b, &l);

    assert_int_equal(count(svg, "class=\"arrow c2s\""), 1);
    assert_int_equal(count(svg, "class=\"arrow c2s warn\""), 2);
    assert_int_equal(count(svg, "class=\"arrow s2c warn\""), 1);
    assert_int_equal(count(svg, "class=\"arrow s2c rst\""), 1);
    assert_int_equal(count(svg, "class=\"arrow s2c\""), 1);
    assert_non_null(strstr(svg, "stroke-dasharray"));
    assert_non_null(strstr(svg, "len 100"));
    assert_non_null(strstr(svg, ">something-new<")); /* unknown events are shown as given */
    assert_non_null(strstr(svg, ">data<"));          /* no handshake: data from the start */
    assert_non_null(strstr(svg, ">teardown<"));
    assert_null(strstr(svg, ">handshake<"));
    assert_non_null(strstr(svg, ">TCP connection<")); /* the heading without a title */
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);
}

static void test_ladder_to_scale_keeps_rows_apart_and_caps_height(void **state)
{
    (void)state;
    struct tl_ladder l = seed_ladder();
    struct tl_buf b;
    long compressed = attr_long(render(&b, &l), " height=\"");
    tl_buf_cleanup(&b);

    l.to_scale = true;
    const char *svg = render(&b, &l);
    long scaled = attr_long(svg, " height=\"");
    assert_true(scaled > compressed);         /* the 13 s silence shows */
    assert_true(scaled <= compressed + 1600); /* but within the cap */
    assert_non_null(strstr(svg, "13.040 s idle"));
    /* Rows stay at least a row apart, even 56 us apart (packets 1 and 2). */
    long prev = -1000;
    for (const char *p = strstr(svg, "class=\"arrow"); p; p = strstr(p + 1, "class=\"arrow")) {
        long y1 = attr_long(p, " y1=\"");
        assert_true(y1 - prev >= 50);
        prev = y1;
    }
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);

    /* Extreme times: no overflow in the arithmetic (UBSan), the height still capped. */
    struct tl_ladder_pkt p[] = {
        { 0, INT64_MIN, true, "S", 0, 0, false, 0, "syn", "SYN-SENT", "LISTEN" },
        { 1, INT64_MAX, false, "S.", 0, 1, true, 0, "syn-ack", "ESTABLISHED", "SYN-RECEIVED" },
        { 2, 0, true, ".", 1, 1, true, 0, "handshake-ack", "ESTABLISHED", "ESTABLISHED" },
    };
    struct tl_ladder x = { "a", "b", NULL, p, 3, 3, true, false };
    svg = render(&b, &x);
    assert_true(attr_long(svg, " height=\"") < 3000);
    assert_non_null(strstr(svg, ">-9223372036854775.808 ms<"));
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);
}

static void test_ladder_without_packets(void **state)
{
    (void)state;
    struct tl_ladder l = { NULL, NULL, NULL, NULL, 0, 0, true, false };
    struct tl_buf b;
    const char *svg = render(&b, &l);
    assert_int_equal(count(svg, "class=\"arrow"), 0);
    assert_non_null(strstr(svg, "no packets"));
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);

    struct tl_ladder_pkt p = { 0 }; /* every string NULL */
    struct tl_ladder one = { NULL, NULL, NULL, &p, 1, 0, false, false };
    svg = render(&b, &one);
    assert_int_equal(count(svg, "class=\"arrow"), 1);
    assert_non_null(strstr(svg, "[none] seq 0"));
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);
}

static void test_ladder_draws_at_most_max_packets(void **state)
{
    (void)state;
    size_t n = TL_LADDER_MAX + 5;
    struct tl_ladder_pkt *p = calloc(n, sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = (struct tl_ladder_pkt){
            i,     (int64_t)i * 1000, i % 2 == 0,   ".", (uint32_t)i, 1, true, 0,
            "ack", "ESTABLISHED",     "ESTABLISHED"
        };
    }
    struct tl_ladder l = { "c", "s", "many", p, n, n, true, false };
    struct tl_buf b;
    const char *svg = render(&b, &l);
    assert_int_equal(count(svg, "class=\"arrow"), TL_LADDER_MAX);
    assert_non_null(strstr(svg, "first 2000 of 2005"));
    assert_true(tags_balance(svg));
    tl_buf_cleanup(&b);
    free(p);
}

/*
 * lang=zh: the picture's own words in Chinese (the dashboard's, web/ladder.js and web/i18n.js),
 * while the TCP vocabulary (flags, seq/ack, state names) stays as it is on the wire.
 */
static void test_ladder_speaks_chinese(void **state)
{
    (void)state;
    struct tl_ladder l = seed_ladder();
    l.title = NULL;
    l.lang = TL_LANG_ZH;
    struct tl_buf b;
    const char *svg = render(&b, &l);
    assert_non_null(strstr(svg, ">TCP 连接</text>")); /* heading without a title */
    assert_non_null(strstr(svg, "6 个报文"));         /* sub-heading */
    assert_non_null(strstr(svg, ">客户端</text>"));   /* lifeline boxes */
    assert_non_null(strstr(svg, ">服务器</text>"));
    assert_non_null(strstr(svg, ">握手</text>")); /* phase bands */
    assert_non_null(strstr(svg, ">断开</text>"));
    /* event labels: the vocabulary's Chinese column (track/vocab.c), as the dashboard's */
    assert_non_null(strstr(svg, ">FIN（捎带 ACK）</text>"));
    assert_non_null(strstr(svg, ">ACK</text>"));
    assert_non_null(strstr(svg, "客户端 \xe2\x86\x92 服务器</text>")); /* legend */
    assert_non_null(strstr(svg, ">[S.] seq 0 ack 1</text>"));          /* numbers as on the wire */
    assert_null(strstr(svg, ">client</text>"));
    assert_null(strstr(svg, "handshake</text>"));
    assert_null(strstr(svg, "one row per packet"));
    assert_null(strstr(svg, ">FIN (piggybacked ACK)</text>"));
    tl_buf_cleanup(&b);
}

static void test_ladder_overflow_sets_the_flag(void **state)
{
    (void)state;
    struct tl_ladder l = seed_ladder();
    struct tl_buf b;
    tl_buf_init(&b, 1000);
    tl_ladder_svg(&b, &l);
    assert_true(b.overflow);
    assert_true(b.len <= 1000);
    tl_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ladder_seed_is_a_balanced_svg_document),
        cmocka_unit_test(test_ladder_escapes_caller_text),
        cmocka_unit_test(test_ladder_shortens_long_text),
        cmocka_unit_test(test_ladder_notes_first_n_of_total),
        cmocka_unit_test(test_ladder_styles_special_packets),
        cmocka_unit_test(test_ladder_to_scale_keeps_rows_apart_and_caps_height),
        cmocka_unit_test(test_ladder_without_packets),
        cmocka_unit_test(test_ladder_draws_at_most_max_packets),
        cmocka_unit_test(test_ladder_speaks_chinese),
        cmocka_unit_test(test_ladder_overflow_sets_the_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
