/*
 * render_zeek.c - Zeek conn.log rows (see render_zeek.h).
 *
 * Field by field, as base/protocols/conn/main.zeek fills Conn::Info at the connection's end:
 *   ts            the first packet's time (c$start_time), in microseconds as Zeek gets them
 *   uid           tl_zeek_uid()
 *   id.*          Zeek's originator and responder (conn.c: zeek_orig, after any flip)
 *   proto         tcp
 *   service       track/service.h's guess, unset when unsure
 *   duration, orig_bytes, resp_bytes
 *                 set only when the duration is over 0 (`if ( c$duration > 0secs )`):
 *                 last_time - start_time, and TCP_Endpoint::Size() of each endpoint
 *   conn_state, history (unset when empty)
 *   local_orig, local_resp
 *                 unset: they need Site::local_nets, which a capture does not tell
 *   missed_bytes  the content gaps of both directions (0 when none)
 *   orig_pkts ... resp_ip_bytes
 *                 the ConnSize analyzer: packets and the sum of their IP total lengths
 *   tunnel_parents
 *                 unset: the uids of tunnel connections, which this log does not hold
 * TSV follows Zeek's ASCII writer (logging/writers/ascii, threading/formatters/Ascii.cc):
 * time and interval with 6 decimals, unset fields "-", empty strings "(empty)", bytes that
 * are not printable, the separator and the backslash as \xNN. JSON lines follow its JSON
 * formatter: numbers as numbers (doubles in their shortest form, as rapidjson writes them),
 * unset fields left out.
 */
#include "render_zeek.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "service.h"

static const char *const field_names[] = {
    "ts",         "uid",           "id.orig_h",      "id.orig_p",  "id.resp_h",  "id.resp_p",
    "proto",      "service",       "duration",       "orig_bytes", "resp_bytes", "conn_state",
    "local_orig", "local_resp",    "missed_bytes",   "history",    "orig_pkts",  "orig_ip_bytes",
    "resp_pkts",  "resp_ip_bytes", "tunnel_parents",
};
static const char *const field_types[] = {
    "time",   "string",   "addr",  "port",  "addr",   "port",  "enum",
    "string", "interval", "count", "count", "string", "bool",  "bool",
    "count",  "string",   "count", "count", "count",  "count", "set[string]",
};
#define N_FIELDS (sizeof field_names / sizeof field_names[0])

static void put_time_line(struct tl_buf *b, const char *tag, int64_t sec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    char when[32] = "1970-01-01-00-00-00";
    if (gmtime_r(&t, &tm)) {
        strftime(when, sizeof when, "%Y-%m-%d-%H-%M-%S", &tm);
    }
    tl_buf_puts(b, tag);
    tl_buf_putc(b, '\t');
    tl_buf_puts(b, when);
    tl_buf_putc(b, '\n');
}

void tl_zeek_header(struct tl_buf *b, enum tl_zeek_format fmt, int64_t open_sec)
{
    assert(b);
    if (fmt != TL_ZEEK_TSV) {
        return;
    }
    tl_buf_puts(b, "#separator \\x09\n"
                   "#set_separator\t,\n"
                   "#empty_field\t(empty)\n"
                   "#unset_field\t-\n"
                   "#path\tconn\n");
    put_time_line(b, "#open", open_sec);
    tl_buf_puts(b, "#fields");
    for (size_t i = 0; i < N_FIELDS; i++) {
        tl_buf_putc(b, '\t');
        tl_buf_puts(b, field_names[i]);
    }
    tl_buf_puts(b, "\n#types");
    for (size_t i = 0; i < N_FIELDS; i++) {
        tl_buf_putc(b, '\t');
        tl_buf_puts(b, field_types[i]);
    }
    tl_buf_putc(b, '\n');
}

void tl_zeek_footer(struct tl_buf *b, enum tl_zeek_format fmt, int64_t close_sec)
{
    assert(b);
    if (fmt == TL_ZEEK_TSV) {
        put_time_line(b, "#close", close_sec);
    }
}

/* ---- the uid ------------------------------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void base62(char **o, char *end, uint64_t v)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[v % 62];
        v /= 62;
    } while (v && n < (int)sizeof tmp);
    while (n > 0 && *o < end) {
        *(*o)++ = tmp[--n];
    }
}

void tl_zeek_uid(const struct tl_flow *f, char *out, size_t size)
{
    assert(f && out && size >= TL_ZEEK_UID_SIZE);
    uint8_t key[8 + 8 + 4 + 32 + 4 + 8 + 1];
    size_t k = 0;
    memcpy(key + k, &f->index, 8), k += 8;
    memcpy(key + k, &f->first_sec, 8), k += 8;
    memcpy(key + k, &f->first_nsec, 4), k += 4;
    memcpy(key + k, f->addr[0], 16), k += 16;
    memcpy(key + k, f->addr[1], 16), k += 16;
    memcpy(key + k, &f->port[0], 2), k += 2;
    memcpy(key + k, &f->port[1], 2), k += 2;
    memcpy(key + k, &f->tun_key, 8), k += 8;
    key[k++] = f->ip_version;
    uint64_t h1 = fnv1a(0xcbf29ce484222325ULL, key, k);
    uint64_t h2 = fnv1a(h1 ^ 0x9e3779b97f4a7c15ULL, key, k);
    char *o = out, *end = out + size - 1;
    *o++ = 'C';
    base62(&o, end, h1);
    base62(&o, end, h2 & 0xffffffffu);
    *o = '\0';
}

/* ---- values ------------------------------------------------------------------------------- */

/* A double as rapidjson's Writer::Double writes it: the shortest digits that read back as
 * the same value (Grisu2), laid out by its Prettify (12.34, 0.001234, 1e-7, 12340000000.0). */
static void put_json_double(struct tl_buf *b, double v)
{
    char tmp[48];
    if (v == 0) {
        tl_buf_puts(b, "0.0");
        return;
    }
    if (v < 0) {
        tl_buf_putc(b, '-');
        v = -v;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    char digits[24];
    int len = 0;
    const char *p = tmp;
    for (; *p && *p != 'e' && len < (int)sizeof digits - 1; p++) {
        if (*p >= '0' && *p <= '9') {
            digits[len++] = *p;
        }
    }
    while (len > 1 && digits[len - 1] == '0') {
        len--;
    }
    digits[len] = '\0';
    int e10 = *p == 'e' ? atoi(p + 1) : 0;
    int kk = e10 + 1; /* where the decimal point goes */
    int k = kk - len; /* value = digits x 10^k */
    if (k >= 0 && kk <= 21) {
        tl_buf_put(b, digits, (size_t)len);
        for (int i = 0; i < k; i++) {
            tl_buf_putc(b, '0');
        }
        tl_buf_puts(b, ".0");
    } else if (kk > 0 && kk <= 21) {
        tl_buf_put(b, digits, (size_t)kk);
        tl_buf_putc(b, '.');
        tl_buf_put(b, digits + kk, (size_t)(len - kk));
    } else if (kk > -6 && kk <= 0) {
        tl_buf_puts(b, "0.");
        for (int i = 0; i < -kk; i++) {
            tl_buf_putc(b, '0');
        }
        tl_buf_put(b, digits, (size_t)len);
    } else {
        tl_buf_putc(b, digits[0]);
        if (len > 1) {
            tl_buf_putc(b, '.');
            tl_buf_put(b, digits + 1, (size_t)(len - 1));
        }
        tl_buf_printf(b, "e%d", kk - 1);
    }
}

/* A string field in the ASCII format: "(empty)" when empty, an exact "-" escaped so it is
 * not read as unset, unprintable bytes (the tab separator among them) and the backslash as
 * \xNN. */
static void put_tsv_str(struct tl_buf *b, const char *s)
{
    if (!s || !*s) {
        tl_buf_puts(b, "(empty)");
        return;
    }
    for (size_t i = 0; s[i]; i++) {
        uint8_t c = (uint8_t)s[i];
        bool esc = c < 0x20 || c >= 0x7f || c == '\\' || (i == 0 && strcmp(s, "-") == 0);
        if (esc) {
            tl_buf_printf(b, "\\x%02x", c);
        } else {
            tl_buf_putc(b, (char)c);
        }
    }
}

struct row {
    struct tl_buf *b;
    enum tl_zeek_format fmt;
    bool first;
};

static void key(struct row *r, const char *name)
{
    if (r->fmt == TL_ZEEK_TSV) {
        if (!r->first) {
            tl_buf_putc(r->b, '\t');
        }
    } else {
        tl_buf_puts(r->b, r->first ? "{\"" : ",\"");
        tl_buf_puts(r->b, name);
        tl_buf_puts(r->b, "\":");
    }
    r->first = false;
}

static void unset(struct row *r)
{
    if (r->fmt == TL_ZEEK_TSV) {
        if (!r->first) {
            tl_buf_putc(r->b, '\t');
        }
        tl_buf_putc(r->b, '-');
        r->first = false;
    }
}

/* Only ASCII letters, digits and punctuation reach here (names, letters, addresses). */
static void str(struct row *r, const char *name, const char *s)
{
    if (!s) {
        unset(r);
        return;
    }
    key(r, name);
    if (r->fmt == TL_ZEEK_TSV) {
        put_tsv_str(r->b, s);
        return;
    }
    tl_buf_putc(r->b, '"');
    for (size_t i = 0; s[i]; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
            tl_buf_printf(r->b, "\\u%04x", c);
        } else {
            tl_buf_putc(r->b, (char)c);
        }
    }
    tl_buf_putc(r->b, '"');
}

static void count(struct row *r, const char *name, uint64_t v)
{
    key(r, name);
    tl_buf_u64(r->b, v);
}

static void seconds(struct row *r, const char *name, double v)
{
    key(r, name);
    if (r->fmt == TL_ZEEK_TSV) {
        tl_buf_printf(r->b, "%.6f", v);
    } else {
        put_json_double(r->b, v);
    }
}

/* A packet's time as Zeek holds it: libpcap hands Zeek microseconds (a nanosecond file's
 * times are cut to microseconds, not rounded), and Zeek adds them to the seconds as a double. */
static double ts_double(int64_t sec, uint32_t nsec)
{
    return (double)sec + (double)(nsec / 1000) / 1e6;
}

void tl_zeek_row(struct tl_buf *b, const struct tl_flow *f, enum tl_zeek_format fmt)
{
    assert(b && f);
    struct row r = { b, fmt, true };
    const struct tl_conn *c = &f->conn;
    int o = c->zeek_orig ? 1 : 0, p = !o; /* our direction indexes of orig and resp */
    char uid[TL_ZEEK_UID_SIZE], oa[64], ra[64];
    tl_zeek_uid(f, uid, sizeof uid);
    tl_addr_str(f->ip_version, f->addr[o], oa, sizeof oa);
    tl_addr_str(f->ip_version, f->addr[p], ra, sizeof ra);

    double start = ts_double(f->first_sec, f->first_nsec);
    double dur = 0;
    if (f->zeek.last_set) {
        dur = ts_double(f->zeek.last_sec, f->zeek.last_nsec) - start;
    }
    seconds(&r, "ts", start);
    str(&r, "uid", uid);
    str(&r, "id.orig_h", oa);
    count(&r, "id.orig_p", f->port[o]);
    str(&r, "id.resp_h", ra);
    count(&r, "id.resp_p", f->port[p]);
    str(&r, "proto", "tcp");
    str(&r, "service", tl_service_name(tl_service_of(&f->svc, f->port[0], f->port[1])));
    if (dur > 0) {
        seconds(&r, "duration", dur);
        count(&r, "orig_bytes", tl_zeek_size(&f->zeek, c, o));
        count(&r, "resp_bytes", tl_zeek_size(&f->zeek, c, p));
    } else {
        unset(&r);
        unset(&r);
        unset(&r);
    }
    str(&r, "conn_state", tl_conn_zeek_state(f));
    unset(&r); /* local_orig */
    unset(&r); /* local_resp */
    count(&r, "missed_bytes", f->zeek.d[0].missed + f->zeek.d[1].missed);
    const char *h = tl_conn_history(f);
    str(&r, "history", h && *h ? h : NULL);
    count(&r, "orig_pkts", f->zeek.d[o].pkts);
    count(&r, "orig_ip_bytes", f->zeek.d[o].ip_bytes);
    count(&r, "resp_pkts", f->zeek.d[p].pkts);
    count(&r, "resp_ip_bytes", f->zeek.d[p].ip_bytes);
    unset(&r); /* tunnel_parents */
    tl_buf_puts(b, fmt == TL_ZEEK_TSV ? "\n" : "}\n");
}
