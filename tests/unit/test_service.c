/*
 * test_service.c - the service guess (track/service.h): each protocol's opening bytes as its
 * specification writes them give Zeek's service name; unsure bytes give none; every prefix of
 * every sample and hostile lengths are read within bounds (ASan watches, guard.h puts the
 * bytes against an unreadable page); the per-direction buffer keeps the stream's first bytes
 * in sequence order; the TLS server name is found, and refused when any length lies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "guard.h"
#include "service.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

/* RFC 9112 §3 and §4 (the request and status lines; the examples use GET /hello.txt). */
static const char http_req[] = "GET /hello.txt HTTP/1.1\r\nHost: www.example.com\r\n";
static const char http_resp[] = "HTTP/1.1 200 OK\r\nDate: Mon, 27 Jul 2009 12:28:53 GMT\r\n";
/* RFC 4253 §4.2: SSH-protoversion-softwareversion SP comments CR LF */
static const char ssh_banner[] = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n";
/* RFC 5321 Appendix D.1 */
static const char smtp_greet[] = "220 foo.com Simple Mail Transfer Service Ready\r\n";
static const char smtp_ehlo[] = "EHLO bar.com\r\n";
/* RFC 959 §5.4: 220 Service ready for new user; USER <SP> <username> */
static const char ftp_greet[] = "220 Service ready for new user.\r\n";
static const char ftp_user[] = "USER anonymous\r\n";
/* RFC 9051 §7.1.1 and §6.1.1 examples */
static const char imap_greet[] = "* OK IMAP4rev2 Service Ready\r\n";
static const char imap_cap[] = "abcd CAPABILITY\r\n";
/* RFC 1939 §7 example session */
static const char pop3_greet[] = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n";
static const char pop3_apop[] = "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n";
/* The Redis protocol specification (RESP): a command is an array of bulk strings */
static const char redis_cmd[] = "*2\r\n$4\r\nLLEN\r\n$6\r\nmylist\r\n";
/* ... and its inline commands, with the replies the specification shows */
static const char redis_ping[] = "PING\r\n";
static const char redis_pong[] = "+PONG\r\n";
static const char redis_exists[] = "EXISTS somekey\r\n";
static const char redis_zero[] = ":0\r\n";
/* PostgreSQL frontend/backend protocol: SSLRequest (Int32 8, Int32 80877103) and a
 * StartupMessage (Int32 length, Int32 196608, "user" NUL "postgres" NUL NUL) */
static const uint8_t pg_ssl[] = { 0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f };
static const uint8_t pg_startup[] = { 0x00, 0x00, 0x00, 0x17, 0x00, 0x03, 0x00, 0x00,
                                      'u',  's',  'e',  'r',  0x00, 'p',  'o',  's',
                                      't',  'g',  'r',  'e',  's',  0x00, 0x00 };
/* MySQL Initial Handshake (protocol 10): length 74 (4a 00 00), sequence 0, 0x0a, "8.0.32" NUL,
 * connection id, the first 8 bytes of auth-plugin-data, a filler */
static const uint8_t mysql_greet[] = { 0x4a, 0x00, 0x00, 0x00, 0x0a, '8',  '.',  '0',  '.',
                                       '3',  '2',  0x00, 0x08, 0x00, 0x00, 0x00, 0x3b, 0x25,
                                       0x4f, 0x5a, 0x1c, 0x2e, 0x60, 0x11, 0x00 };
/* RFC 1035 §4.2.2 + §4.1.1: length 29, id 0x1234, RD, QDCOUNT 1, "example.com" A IN */
static const uint8_t dns_query[] = { 0x00, 0x1d, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 'e',
                                     'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',
                                     'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01 };
/* RFC 854 / RFC 1091: IAC DO TERMINAL-TYPE */
static const uint8_t telnet_do[] = { 0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20 };

/* A TLS 1.2/1.3 ClientHello (RFC 8446 §4.1.2) with server_name (RFC 6066 §3) `name`, built
 * field by field: record header, handshake header, version, random, session id, cipher
 * suites, compression methods, extensions. Returns its length. */
static size_t client_hello(uint8_t *b, size_t size, const char *name)
{
    size_t nl = strlen(name), i = 0;
    size_t ext_len = 4 + 2 + 3 + nl; /* type, length, list length, name type + length, name */
    size_t body = 2 + 32 + 1 + 4 + 2 + 2 + ext_len;
    assert_true(size >= 9 + body);
    b[i++] = 22, b[i++] = 3, b[i++] = 1;
    b[i++] = (uint8_t)((body + 4) >> 8), b[i++] = (uint8_t)(body + 4);
    b[i++] = 1, b[i++] = 0, b[i++] = (uint8_t)(body >> 8), b[i++] = (uint8_t)body;
    b[i++] = 3, b[i++] = 3;
    for (int k = 0; k < 32; k++) {
        b[i++] = (uint8_t)k;
    }
    b[i++] = 0;                                           /* session id */
    b[i++] = 0, b[i++] = 2, b[i++] = 0x13, b[i++] = 0x01; /* TLS_AES_128_GCM_SHA256 */
    b[i++] = 1, b[i++] = 0;                               /* null compression */
    b[i++] = (uint8_t)(ext_len >> 8), b[i++] = (uint8_t)ext_len;
    b[i++] = 0, b[i++] = 0; /* server_name */
    b[i++] = (uint8_t)((nl + 5) >> 8), b[i++] = (uint8_t)(nl + 5);
    b[i++] = (uint8_t)((nl + 3) >> 8), b[i++] = (uint8_t)(nl + 3);
    b[i++] = 0; /* host_name */
    b[i++] = (uint8_t)(nl >> 8), b[i++] = (uint8_t)nl;
    memcpy(b + i, name, nl);
    return i + nl;
}

static struct guard G; /* one page and a guard page, for the whole file */

static const uint8_t *at_guard(const void *b, size_t n)
{
    return guard_place(&G, b, n);
}

static enum tl_service guess(const uint8_t *c, size_t cl, const uint8_t *s, size_t sl,
                             uint16_t port)
{
    return tl_service_classify(c, cl, s, sl, 40000, port);
}

static void test_service_names_round_trip(void **state)
{
    (void)state;
    assert_null(tl_service_name(TL_SVC_NONE));
    assert_null(tl_service_name(TL_SVC_COUNT));
    for (int i = 1; i < TL_SVC_COUNT; i++) {
        assert_int_equal(tl_service_parse(tl_service_name((enum tl_service)i)), i);
    }
    assert_int_equal(tl_service_parse("gopher"), TL_SVC_NONE);
    assert_int_equal(tl_service_parse(NULL), TL_SVC_NONE);
    assert_string_equal(tl_service_name(TL_SVC_SSL), "ssl");
    assert_string_equal(tl_service_name(TL_SVC_POSTGRESQL), "postgresql");
}

static void test_service_each_protocol_opening(void **state)
{
    (void)state;
    uint8_t ch[256];
    size_t chl = client_hello(ch, sizeof ch, "example.ulfheim.net");
    assert_int_equal(guess(S(http_req), NULL, 0, 8080), TL_SVC_HTTP);
    assert_int_equal(guess(NULL, 0, S(http_resp), 8080), TL_SVC_HTTP);
    assert_int_equal(guess(ch, chl, NULL, 0, 8443), TL_SVC_SSL);
    assert_int_equal(guess(S(ssh_banner), S(ssh_banner), 2222), TL_SVC_SSH);
    assert_int_equal(guess(S(smtp_ehlo), S(smtp_greet), 2525), TL_SVC_SMTP);
    assert_int_equal(guess(S(ftp_user), S(ftp_greet), 2121), TL_SVC_FTP);
    assert_int_equal(guess(NULL, 0, S(imap_greet), 1143), TL_SVC_IMAP);
    assert_int_equal(guess(S(imap_cap), NULL, 0, 1143), TL_SVC_IMAP);
    assert_int_equal(guess(S(pop3_apop), S(pop3_greet), 1110), TL_SVC_POP3);
    assert_int_equal(guess(S(redis_cmd), NULL, 0, 7000), TL_SVC_REDIS);
    assert_int_equal(guess(S(redis_ping), S(redis_pong), 7000), TL_SVC_REDIS);
    assert_int_equal(guess(S(redis_exists), S(redis_zero), 7000), TL_SVC_REDIS);
    assert_int_equal(guess(pg_ssl, sizeof pg_ssl, NULL, 0, 5433), TL_SVC_POSTGRESQL);
    assert_int_equal(guess(pg_startup, sizeof pg_startup, NULL, 0, 5433), TL_SVC_POSTGRESQL);
    assert_int_equal(guess(NULL, 0, mysql_greet, sizeof mysql_greet, 3307), TL_SVC_MYSQL);
    assert_int_equal(guess(dns_query, sizeof dns_query, NULL, 0, 53), TL_SVC_DNS);
    assert_int_equal(guess(NULL, 0, telnet_do, sizeof telnet_do, 23), TL_SVC_TELNET);
}

static void test_service_unsure_is_none(void **state)
{
    (void)state;
    /* a port alone says nothing */
    assert_int_equal(guess(NULL, 0, NULL, 0, 80), TL_SVC_NONE);
    assert_int_equal(guess(S("hello\r\n"), S("world\r\n"), 443), TL_SVC_NONE);
    /* DNS over TCP only on port 53 */
    assert_int_equal(guess(dns_query, sizeof dns_query, NULL, 0, 5353), TL_SVC_NONE);
    /* a 220 greeting without the client's command: SMTP or FTP cannot be told */
    assert_int_equal(guess(NULL, 0, S(smtp_greet), 25), TL_SVC_NONE);
    /* almost HTTP: a lower-case method, no target, another protocol version */
    assert_int_equal(guess(S("get / HTTP/1.1\r\n"), NULL, 0, 80), TL_SVC_NONE);
    assert_int_equal(guess(S("GET\r\n"), NULL, 0, 80), TL_SVC_NONE);
    assert_int_equal(guess(S("GET / HTTP/2.0\r\n"), NULL, 0, 80), TL_SVC_NONE);
    /* almost TLS: an alert record, an SSLv2-looking version, a ServerHello from the client */
    const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 };
    assert_int_equal(guess(alert, sizeof alert, NULL, 0, 443), TL_SVC_NONE);
    const uint8_t v9[] = { 22, 9, 1, 0, 10, 1, 0, 0, 6, 3, 3 };
    assert_int_equal(guess(v9, sizeof v9, NULL, 0, 443), TL_SVC_NONE);
    /* RESP with no digits, PostgreSQL with a wrong protocol, MySQL protocol 9 */
    assert_int_equal(guess(S("*\r\n$3\r\nGET\r\n"), NULL, 0, 6379), TL_SVC_NONE);
    /* an inline command without a RESP reply, and a reply without a Redis command */
    assert_int_equal(guess(S(redis_ping), NULL, 0, 6379), TL_SVC_NONE);
    assert_int_equal(guess(S("HELLOWORLD\r\n"), S(redis_pong), 6379), TL_SVC_NONE);
    assert_int_equal(guess(S("PING\r\n"), S("PONG\r\n"), 6379), TL_SVC_NONE);
    const uint8_t pg_bad[] = { 0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00 };
    assert_int_equal(guess(pg_bad, sizeof pg_bad, NULL, 0, 5432), TL_SVC_NONE);
    uint8_t my9[sizeof mysql_greet];
    memcpy(my9, mysql_greet, sizeof my9);
    my9[4] = 9;
    assert_int_equal(guess(NULL, 0, my9, sizeof my9, 3306), TL_SVC_NONE);
}

/* Every prefix of every sample, in both directions, against a guard page: no read past it. */
static void test_service_prefixes_stay_in_bounds(void **state)
{
    (void)state;
    uint8_t ch[256];
    size_t chl = client_hello(ch, sizeof ch, "example.ulfheim.net");
    const struct {
        const uint8_t *b;
        size_t n;
    } samples[] = {
        { S(http_req) },
        { S(http_resp) },
        { ch, chl },
        { S(ssh_banner) },
        { S(smtp_greet) },
        { S(smtp_ehlo) },
        { S(ftp_user) },
        { S(imap_greet) },
        { S(imap_cap) },
        { S(pop3_greet) },
        { S(redis_cmd) },
        { pg_ssl, sizeof pg_ssl },
        { pg_startup, sizeof pg_startup },
        { mysql_greet, sizeof mysql_greet },
        { dns_query, sizeof dns_query },
        { telnet_do, sizeof telnet_do },
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        for (size_t n = 0; n <= samples[i].n; n++) {
            const uint8_t *g = at_guard(samples[i].b, n);
            (void)guess(g, n, NULL, 0, 53);
            (void)guess(NULL, 0, g, n, 53);
            struct tl_svc s;
            memset(&s, 0, sizeof s);
            tl_service_feed(&s, 0, 7, g, n);
            tl_service_feed(&s, 1, 9, g, n);
            (void)tl_service_of(&s, 53, 53);
            char sni[64];
            (void)tl_service_tls_sni(g, n, sni, sizeof sni);
        }
    }
}

/* Rules that read both directions: every prefix of one against the whole other, the prefix
 * against the guard page. */
static void test_service_pair_prefixes_stay_in_bounds(void **state)
{
    (void)state;
    const struct {
        const char *c, *s;
    } pairs[] = {
        { smtp_ehlo, smtp_greet },  { ftp_user, ftp_greet },   { redis_exists, redis_zero },
        { redis_ping, redis_pong }, { pop3_apop, pop3_greet },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const uint8_t *c = (const uint8_t *)pairs[i].c, *s = (const uint8_t *)pairs[i].s;
        size_t cl = strlen(pairs[i].c), sl = strlen(pairs[i].s);
        for (size_t n = 0; n <= cl; n++) {
            (void)guess(at_guard(c, n), n, s, sl, 25);
        }
        for (size_t n = 0; n <= sl; n++) {
            (void)guess(c, cl, at_guard(s, n), n, 25);
        }
    }
}

static void test_service_hostile_lengths(void **state)
{
    (void)state;
    /* RESP counts too long to be real */
    assert_int_equal(guess(S("*99999999999999\r\n$3\r\nGET\r\n"), NULL, 0, 6379), TL_SVC_NONE);
    /* PostgreSQL startup claiming 2 GiB */
    const uint8_t pg_huge[] = { 0x7f, 0xff, 0xff, 0xff, 0x00, 0x03, 0x00, 0x00 };
    assert_int_equal(guess(pg_huge, sizeof pg_huge, NULL, 0, 5432), TL_SVC_NONE);
    /* a TLS record of length 0, and one longer than TLS allows */
    const uint8_t tls0[] = { 22, 3, 1, 0, 0, 1, 0, 0, 0 };
    assert_int_equal(guess(tls0, sizeof tls0, NULL, 0, 443), TL_SVC_NONE);
    const uint8_t tls_big[] = { 22, 3, 1, 0xff, 0xff, 1, 0, 0, 0 };
    assert_int_equal(guess(tls_big, sizeof tls_big, NULL, 0, 443), TL_SVC_NONE);
    /* all 0xff, all 0x00 */
    uint8_t ff[64], zero[64];
    memset(ff, 0xff, sizeof ff);
    memset(zero, 0, sizeof zero);
    assert_int_equal(guess(ff, sizeof ff, zero, sizeof zero, 53), TL_SVC_NONE);
    assert_int_equal(guess(zero, sizeof zero, ff, sizeof ff, 53), TL_SVC_NONE);
}

static void test_service_tls_sni_found(void **state)
{
    (void)state;
    uint8_t ch[256];
    size_t chl = client_hello(ch, sizeof ch, "example.ulfheim.net");
    char sni[64];
    assert_true(tl_service_tls_sni(ch, chl, sni, sizeof sni));
    assert_string_equal(sni, "example.ulfheim.net");
    /* too small an output: refused, never cut */
    char small[8];
    assert_false(tl_service_tls_sni(ch, chl, small, sizeof small));
    assert_string_equal(small, "");
    /* cut by the capture before the name ends: no name */
    for (size_t n = 0; n < chl; n++) {
        const uint8_t *g = at_guard(ch, n);
        assert_false(tl_service_tls_sni(g, n, sni, sizeof sni));
    }
}

static void test_service_tls_sni_lying_lengths(void **state)
{
    (void)state;
    uint8_t ch[256];
    size_t chl = client_hello(ch, sizeof ch, "example.ulfheim.net");
    char sni[64];
    /* every single byte of the hello set to 0xff in turn: never a read out of bounds, and a
     * name, when one is still returned, is printable and NUL-terminated */
    for (size_t i = 0; i < chl; i++) {
        uint8_t bad[256];
        memcpy(bad, ch, chl);
        bad[i] = 0xff;
        const uint8_t *g = at_guard(bad, chl);
        if (tl_service_tls_sni(g, chl, sni, sizeof sni)) {
            for (size_t k = 0; sni[k]; k++) {
                assert_true(sni[k] > 0x20 && sni[k] < 0x7f);
            }
        }
    }
    /* a name with a control byte is refused */
    size_t n2 = client_hello(ch, sizeof ch, "bad\nname");
    assert_false(tl_service_tls_sni(ch, n2, sni, sizeof sni));
}

static void test_service_feed_keeps_stream_order(void **state)
{
    (void)state;
    struct tl_svc s;
    memset(&s, 0, sizeof s);
    /* "GET /a HTTP/1.1\r\n" in three segments, the second sent twice, the third after a hole
     * first (ignored), then in place */
    tl_service_feed(&s, 0, 1000, (const uint8_t *)"GET ", 4);
    tl_service_feed(&s, 0, 1004, (const uint8_t *)"/a H", 4);
    tl_service_feed(&s, 0, 1004, (const uint8_t *)"/a H", 4);
    tl_service_feed(&s, 0, 1020, (const uint8_t *)"zzzz", 4);
    tl_service_feed(&s, 0, 1006, (const uint8_t *)" HTTP/1.1\r\n", 11); /* overlaps 2 bytes */
    assert_int_equal(s.d[0].len, 17);
    assert_memory_equal(s.d[0].buf, "GET /a HTTP/1.1\r\n", 17);
    assert_int_equal(tl_service_of(&s, 40000, 80), TL_SVC_HTTP);
    /* nothing past TL_SVC_PEEK bytes */
    uint8_t big[200];
    memset(big, 'x', sizeof big);
    tl_service_feed(&s, 1, 5, big, sizeof big);
    tl_service_feed(&s, 1, 205, big, sizeof big);
    assert_int_equal(s.d[1].len, TL_SVC_PEEK);
    /* empty payloads and NULL change nothing */
    tl_service_feed(&s, 1, 0, NULL, 0);
    assert_int_equal(s.d[1].len, TL_SVC_PEEK);
    /* sequence numbers that wrap */
    struct tl_svc w;
    memset(&w, 0, sizeof w);
    tl_service_feed(&w, 1, 0xfffffffeu, (const uint8_t *)"SS", 2);
    tl_service_feed(&w, 1, 0, (const uint8_t *)"H-2.0-x\r\n", 9);
    assert_int_equal(tl_service_of(&w, 40000, 22), TL_SVC_SSH);
}

static void test_service_roles_swapped(void **state)
{
    (void)state;
    struct tl_svc s;
    memset(&s, 0, sizeof s);
    /* a guessed orientation: the "client" is really the server answering */
    tl_service_feed(&s, 1, 1, (const uint8_t *)redis_cmd, sizeof redis_cmd - 1);
    assert_int_equal(tl_service_of(&s, 6379, 50000), TL_SVC_REDIS);
    /* nothing kept: no guess */
    struct tl_svc r;
    memset(&r, 0, sizeof r);
    assert_int_equal(tl_service_of(&r, 1, 2), TL_SVC_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_names_round_trip),
        cmocka_unit_test(test_service_each_protocol_opening),
        cmocka_unit_test(test_service_unsure_is_none),
        cmocka_unit_test(test_service_prefixes_stay_in_bounds),
        cmocka_unit_test(test_service_pair_prefixes_stay_in_bounds),
        cmocka_unit_test(test_service_hostile_lengths),
        cmocka_unit_test(test_service_tls_sni_found),
        cmocka_unit_test(test_service_tls_sni_lying_lengths),
        cmocka_unit_test(test_service_feed_keeps_stream_order),
        cmocka_unit_test(test_service_roles_swapped),
    };
    if (guard_init(&G, 4096) != 0) {
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    guard_free(&G);
    return rc;
}
