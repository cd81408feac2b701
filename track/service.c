/*
 * service.c - the application protocol of a connection from its first payload bytes (see
 * service.h). Each rule reads a protocol's opening as its specification writes it: the HTTP
 * request and status lines (RFC 9112 §3, §4), the TLS record and handshake headers (RFC 8446
 * §5.1, §4), the SSH identification string (RFC 4253 §4.2), the SMTP greeting and EHLO/HELO
 * (RFC 5321 §4.1.1, §4.2), FTP's 220 reply and USER (RFC 959 §4.1.1, §5.4), IMAP's greeting
 * (RFC 9051 §7.1), POP3's +OK (RFC 1939 §4), Redis's RESP arrays (redis.io protocol spec),
 * PostgreSQL's StartupMessage and SSLRequest (its frontend/backend protocol, "Message
 * Formats"), MySQL's protocol-10 handshake (its client/server protocol, "Initial Handshake"),
 * DNS over TCP (RFC 1035 §4.2.2, §4.1.1) and Telnet option negotiation (RFC 854). Every read
 * is checked against the bytes kept.
 */
#include "service.h"

#include <assert.h>
#include <string.h>

static const char *const names[TL_SVC_COUNT] = {
    [TL_SVC_NONE] = NULL,       [TL_SVC_HTTP] = "http",
    [TL_SVC_SSL] = "ssl",       [TL_SVC_SSH] = "ssh",
    [TL_SVC_SMTP] = "smtp",     [TL_SVC_FTP] = "ftp",
    [TL_SVC_IMAP] = "imap",     [TL_SVC_POP3] = "pop3",
    [TL_SVC_REDIS] = "redis",   [TL_SVC_POSTGRESQL] = "postgresql",
    [TL_SVC_MYSQL] = "mysql",   [TL_SVC_DNS] = "dns",
    [TL_SVC_TELNET] = "telnet",
};

const char *tl_service_name(enum tl_service s)
{
    return (unsigned)s < TL_SVC_COUNT ? names[s] : NULL;
}

enum tl_service tl_service_parse(const char *name)
{
    if (!name) {
        return TL_SVC_NONE;
    }
    for (unsigned i = 1; i < TL_SVC_COUNT; i++) {
        if (strcmp(names[i], name) == 0) {
            return (enum tl_service)i;
        }
    }
    return TL_SVC_NONE;
}

void tl_service_feed(struct tl_svc *s, int dir, uint32_t seq, const uint8_t *payload,
                     size_t captured)
{
    assert(s && (dir == 0 || dir == 1));
    struct tl_svc_dir *d = &s->d[dir];
    if (captured == 0 || !payload) {
        return;
    }
    if (!d->started) {
        d->started = true;
        d->next_seq = seq;
    }
    /* where this segment starts relative to the bytes kept: before them (a retransmission,
     * its new part only), at their end, or after a hole (nothing) */
    int32_t off = (int32_t)(seq - d->next_seq);
    if (off > 0) {
        return;
    }
    uint32_t skip = (uint32_t)(-(int64_t)off);
    if (skip >= captured) {
        return;
    }
    size_t room = TL_SVC_PEEK - d->len;
    size_t n = captured - skip;
    n = n < room ? n : room;
    if (n == 0) {
        return;
    }
    memcpy(d->buf + d->len, payload + skip, n);
    d->len = (uint8_t)(d->len + n);
    d->next_seq += (uint32_t)n;
}

/* ---- the rules ---------------------------------------------------------------------------- */

static bool starts(const uint8_t *b, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(b, lit, n) == 0;
}

/* Case-insensitive ASCII prefix (SMTP, FTP and POP3 commands are case-insensitive). */
static bool starts_ci(const uint8_t *b, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (len < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (c >= 'a' && c <= 'z') {
            c = (uint8_t)(c - 'a' + 'A');
        }
        if (c != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* A command word then a space, CR or the end of the bytes kept. */
static bool command(const uint8_t *b, size_t len, const char *word)
{
    size_t n = strlen(word);
    return starts_ci(b, len, word) && (len == n || b[n] == ' ' || b[n] == '\r');
}

/* Does `lit` occur in b[0..len)? */
static bool contains(const uint8_t *b, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        if (memcmp(b + i, lit, n) == 0) {
            return true;
        }
    }
    return false;
}

/* RFC 9112 §3: method SP request-target SP HTTP-version; the target is origin-form ("/..."),
 * absolute-form ("http://..."), authority-form (CONNECT) or "*" (OPTIONS). */
static bool http_request(const uint8_t *b, size_t len)
{
    static const char *const methods[] = { "GET ",   "POST ",    "HEAD ",    "PUT ",  "DELETE ",
                                           "PATCH ", "OPTIONS ", "CONNECT ", "TRACE " };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t n = strlen(methods[i]);
        if (!starts(b, len, methods[i]) || len <= n) {
            continue;
        }
        const uint8_t *t = b + n;
        size_t tl = len - n;
        bool target = t[0] == '/' || t[0] == '*' || starts_ci(t, tl, "HTTP://") ||
                      starts_ci(t, tl, "HTTPS://") || (i == 7 && t[0] > ' ' && t[0] < 0x7f);
        if (!target) {
            return false;
        }
        /* the version, if the line ends within the bytes kept, must be HTTP/1.x or 0.9 */
        for (size_t j = 0; j < tl; j++) {
            if (t[j] == '\r' || t[j] == '\n') {
                return contains(t, j, " HTTP/1.") || contains(t, j, " HTTP/0.9") ||
                       (j > 0 && !contains(t, j, " "));
            }
            if (t[j] < 0x20 || t[j] == 0x7f) {
                return false;
            }
        }
        return true;
    }
    return false;
}

/* RFC 9112 §4: HTTP-version SP 3DIGIT SP */
static bool http_status(const uint8_t *b, size_t len)
{
    return (starts(b, len, "HTTP/1.0 ") || starts(b, len, "HTTP/1.1 ")) && len >= 12 &&
           is_digit(b[9]) && is_digit(b[10]) && is_digit(b[11]);
}

/* RFC 8446 §5.1: ContentType handshake(22), legacy_record_version 3.x, a length; §4: the
 * handshake type at the fifth byte, ClientHello (1) or ServerHello (2). */
static bool tls_hello(const uint8_t *b, size_t len, uint8_t type)
{
    if (len < 6 || b[0] != 22 || b[1] != 3 || b[2] > 4) {
        return false;
    }
    unsigned rec_len = (unsigned)b[3] << 8 | b[4];
    return rec_len >= 4 && rec_len <= 16384 + 2048 && b[5] == type;
}

/* RFC 4253 §4.2: "SSH-protoversion-softwareversion"; 1.99 announces 2.0 compatibility. */
static bool ssh_banner(const uint8_t *b, size_t len)
{
    return starts(b, len, "SSH-2.0-") || starts(b, len, "SSH-1.99-");
}

/* RFC 5321 §4.2: a reply is a 3-digit code, then SP or "-" (a multiline reply). */
static bool reply_220(const uint8_t *b, size_t len)
{
    return len >= 4 && starts(b, len, "220") && (b[3] == ' ' || b[3] == '-');
}

/* RESP: an array "*<count>\r\n" whose first element is a bulk string "$<len>\r\n". */
static bool redis_array(const uint8_t *b, size_t len)
{
    size_t i = 1;
    if (len < 1 || b[0] != '*') {
        return false;
    }
    size_t digits = 0;
    while (i < len && is_digit(b[i]) && digits < 6) {
        i++, digits++;
    }
    if (digits == 0 || i + 3 > len || b[i] != '\r' || b[i + 1] != '\n' || b[i + 2] != '$') {
        return false;
    }
    i += 3;
    digits = 0;
    while (i < len && is_digit(b[i]) && digits < 10) {
        i++, digits++;
    }
    return digits > 0 && i + 2 <= len && b[i] == '\r' && b[i + 1] == '\n';
}

/* RESP's inline commands (a command word, arguments separated by spaces, CRLF) answered by a
 * RESP reply: integer ":", bulk "$", array "*", "+OK", "+PONG" or an error "-ERR"/"-NOAUTH"/
 * "-WRONGTYPE" (the Redis protocol specification, "Inline commands"). */
static bool redis_inline(const uint8_t *c, size_t clen, const uint8_t *s, size_t slen)
{
    static const char *const words[] = { "PING",    "ECHO",      "HELLO",      "SELECT", "GET",
                                         "SET",     "DEL",       "EXISTS",     "INCR",   "INFO",
                                         "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "LPUSH",  "RPUSH",
                                         "HGET",    "HSET",      "KEYS",       "CLIENT", "CONFIG" };
    bool word = false;
    for (size_t i = 0; i < sizeof words / sizeof words[0] && !word; i++) {
        size_t n = strlen(words[i]);
        word = starts_ci(c, clen, words[i]) && clen > n && (c[n] == ' ' || c[n] == '\r');
    }
    if (!word || slen < 3) {
        return false;
    }
    if ((s[0] == ':' || s[0] == '$' || s[0] == '*') && (is_digit(s[1]) || s[1] == '-')) {
        return true;
    }
    return starts(s, slen, "+OK\r\n") || starts(s, slen, "+PONG\r\n") || starts(s, slen, "-ERR ") ||
           starts(s, slen, "-NOAUTH ") || starts(s, slen, "-WRONGTYPE ");
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* PostgreSQL: Int32 length (itself included), then Int32 196608 (protocol 3.0) for a
 * StartupMessage, or length 8 and 80877103 (SSLRequest) / 80877104 (GSSENCRequest). */
static bool pg_startup(const uint8_t *b, size_t len)
{
    if (len < 8) {
        return false;
    }
    uint32_t mlen = be32(b), code = be32(b + 4);
    if (code == 196608) {
        return mlen >= 9 && mlen <= 10000;
    }
    return mlen == 8 && (code == 80877103 || code == 80877104);
}

/* MySQL: a packet header (3-byte little-endian payload length, sequence id 0), protocol
 * version 10, then the NUL-terminated server version, which starts with a digit. */
static bool mysql_greeting(const uint8_t *b, size_t len)
{
    if (len < 7 || b[3] != 0 || b[4] != 10) {
        return false;
    }
    uint32_t plen = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
    if (plen < 20 || plen > 1024 || !is_digit(b[5])) {
        return false;
    }
    for (size_t i = 5; i < len; i++) {
        if (b[i] == 0) {
            return true;
        }
        if (b[i] < 0x20 || b[i] > 0x7e) {
            return false;
        }
    }
    return len - 5 < 64; /* the version ran past the bytes kept: still plausible */
}

/* RFC 1035 §4.2.2: a 2-byte length, then §4.1.1's header: QDCOUNT 1 in a query, opcode 0-5,
 * Z zero; the message at least a header long. */
static bool dns_tcp(const uint8_t *b, size_t len, bool response)
{
    if (len < 14) {
        return false;
    }
    unsigned mlen = (unsigned)b[0] << 8 | b[1];
    const uint8_t *h = b + 2;
    bool qr = h[2] & 0x80;
    unsigned opcode = (h[2] >> 3) & 0xf;
    unsigned z = (h[3] >> 6) & 0x1;
    unsigned qd = (unsigned)h[4] << 8 | h[5];
    unsigned an = (unsigned)h[6] << 8 | h[7];
    if (mlen < 12 || qr != response || opcode > 5 || z != 0 || qd > 1) {
        return false;
    }
    return response ? true : (qd == 1 && an == 0);
}

/* RFC 854: IAC (255) then WILL (251), WONT (252), DO (253) or DONT (254), then an option. */
static bool telnet_iac(const uint8_t *b, size_t len)
{
    return len >= 3 && b[0] == 255 && b[1] >= 251 && b[1] <= 254;
}

/* RFC 9051 §7.1: the greeting is an untagged OK, PREAUTH or BYE. */
static bool imap_greeting(const uint8_t *b, size_t len)
{
    return starts(b, len, "* OK") || starts(b, len, "* PREAUTH");
}

/* An IMAP command: tag SP CAPABILITY / LOGIN / AUTHENTICATE / STARTTLS. */
static bool imap_command(const uint8_t *b, size_t len)
{
    size_t i = 0;
    while (i < len && i < 32 && b[i] > ' ' && b[i] < 0x7f && b[i] != '(' && b[i] != '{' &&
           b[i] != '*' && b[i] != '+') {
        i++;
    }
    if (i == 0 || i >= len || b[i] != ' ') {
        return false;
    }
    const uint8_t *c = b + i + 1;
    size_t cl = len - i - 1;
    return command(c, cl, "CAPABILITY") || command(c, cl, "LOGIN") ||
           command(c, cl, "AUTHENTICATE") || command(c, cl, "STARTTLS");
}

enum tl_service tl_service_classify(const uint8_t *c, size_t clen, const uint8_t *s, size_t slen,
                                    uint16_t client_port, uint16_t server_port)
{
    if (!c) {
        clen = 0;
    }
    if (!s) {
        slen = 0;
    }
    if (tls_hello(c, clen, 1) || tls_hello(s, slen, 2)) {
        return TL_SVC_SSL;
    }
    if (ssh_banner(c, clen) || ssh_banner(s, slen)) {
        return TL_SVC_SSH;
    }
    if (http_request(c, clen) || http_status(s, slen)) {
        return TL_SVC_HTTP;
    }
    if (redis_array(c, clen) || redis_inline(c, clen, s, slen)) {
        return TL_SVC_REDIS;
    }
    if (pg_startup(c, clen)) {
        return TL_SVC_POSTGRESQL;
    }
    if (mysql_greeting(s, slen)) {
        return TL_SVC_MYSQL;
    }
    if (telnet_iac(s, slen) || telnet_iac(c, clen)) {
        return TL_SVC_TELNET;
    }
    bool helo = command(c, clen, "EHLO") || command(c, clen, "HELO");
    if (helo) {
        return TL_SVC_SMTP;
    }
    if (reply_220(s, slen) &&
        (command(c, clen, "USER") || command(c, clen, "AUTH") || command(c, clen, "FEAT") ||
         command(c, clen, "SYST") || command(c, clen, "OPTS"))) {
        return TL_SVC_FTP;
    }
    if (imap_greeting(s, slen) || imap_command(c, clen)) {
        return TL_SVC_IMAP;
    }
    if ((starts(s, slen, "+OK ") || starts(s, slen, "+OK\r")) &&
        (clen == 0 || command(c, clen, "USER") || command(c, clen, "CAPA") ||
         command(c, clen, "APOP") || command(c, clen, "AUTH") || command(c, clen, "STLS"))) {
        return TL_SVC_POP3;
    }
    if ((server_port == 53 || client_port == 53) &&
        (dns_tcp(c, clen, false) || dns_tcp(s, slen, true))) {
        return TL_SVC_DNS;
    }
    return TL_SVC_NONE;
}

enum tl_service tl_service_of(const struct tl_svc *s, uint16_t client_port, uint16_t server_port)
{
    assert(s);
    const struct tl_svc_dir *c = &s->d[0], *v = &s->d[1];
    enum tl_service g =
        tl_service_classify(c->buf, c->len, v->buf, v->len, client_port, server_port);
    if (g == TL_SVC_NONE) { /* the roles may be the other way round (a guessed orientation) */
        g = tl_service_classify(v->buf, v->len, c->buf, c->len, server_port, client_port);
    }
    return g;
}

/* ---- TLS server name ----------------------------------------------------------------------- */

/* A bounds-checked reader over one buffer. */
struct rd {
    const uint8_t *b;
    size_t len, pos;
};

static bool rd_skip(struct rd *r, size_t n)
{
    if (r->len - r->pos < n) {
        return false;
    }
    r->pos += n;
    return true;
}

static bool rd_u8(struct rd *r, unsigned *v)
{
    if (r->len - r->pos < 1) {
        return false;
    }
    *v = r->b[r->pos++];
    return true;
}

static bool rd_u16(struct rd *r, unsigned *v)
{
    if (r->len - r->pos < 2) {
        return false;
    }
    *v = (unsigned)r->b[r->pos] << 8 | r->b[r->pos + 1];
    r->pos += 2;
    return true;
}

static bool rd_u24(struct rd *r, size_t *v)
{
    if (r->len - r->pos < 3) {
        return false;
    }
    *v = (size_t)r->b[r->pos] << 16 | (size_t)r->b[r->pos + 1] << 8 | r->b[r->pos + 2];
    r->pos += 3;
    return true;
}

bool tl_service_tls_sni(const uint8_t *rec, size_t len, char *out, size_t size)
{
    assert(out && size > 0);
    out[0] = '\0';
    if (!rec || !tls_hello(rec, len, 1)) {
        return false;
    }
    struct rd r = { rec, len, 0 };
    unsigned v, rec_len;
    size_t hs_len;
    /* record header (§5.1): type, version, length; handshake header (§4): type, length */
    if (!rd_skip(&r, 3) || !rd_u16(&r, &rec_len) || !rd_skip(&r, 1) || !rd_u24(&r, &hs_len)) {
        return false;
    }
    /* read only what both the record and the handshake message hold */
    size_t end = r.pos + hs_len;
    if (hs_len > rec_len - 4 || end > len) {
        if (len - r.pos < hs_len) {
            end = len; /* cut by the capture: read what is here, still checked */
        } else {
            return false;
        }
    }
    r.len = end;
    /* ClientHello (§4.1.2): legacy_version, random[32], session id<0..32>, cipher suites
     * <2..2^16-2>, compression methods<1..2^8-1>, extensions<8..2^16-1> */
    if (!rd_skip(&r, 2 + 32) || !rd_u8(&r, &v) || v > 32 || !rd_skip(&r, v) || !rd_u16(&r, &v) ||
        !rd_skip(&r, v) || !rd_u8(&r, &v) || !rd_skip(&r, v)) {
        return false;
    }
    unsigned ext_total;
    if (!rd_u16(&r, &ext_total)) {
        return false;
    }
    size_t ext_end = r.len - r.pos < ext_total ? r.len : r.pos + ext_total;
    while (ext_end - r.pos >= 4) {
        unsigned type, elen;
        if (!rd_u16(&r, &type) || !rd_u16(&r, &elen) || ext_end - r.pos < elen) {
            return false;
        }
        if (type != 0) { /* server_name is extension 0 (RFC 6066 §3) */
            r.pos += elen;
            continue;
        }
        struct rd e = { r.b, r.pos + elen, r.pos };
        unsigned list_len;
        if (!rd_u16(&e, &list_len) || e.len - e.pos < list_len) {
            return false;
        }
        e.len = e.pos + list_len;
        while (e.len - e.pos >= 3) {
            unsigned name_type, name_len;
            if (!rd_u8(&e, &name_type) || !rd_u16(&e, &name_len) || e.len - e.pos < name_len) {
                return false;
            }
            if (name_type != 0) { /* host_name */
                e.pos += name_len;
                continue;
            }
            if (name_len == 0 || name_len >= size) {
                return false;
            }
            for (unsigned i = 0; i < name_len; i++) {
                uint8_t ch = e.b[e.pos + i];
                if (ch <= 0x20 || ch >= 0x7f) {
                    out[0] = '\0';
                    return false;
                }
                out[i] = (char)ch;
            }
            out[name_len] = '\0';
            return true;
        }
        return false;
    }
    return false;
}
