/*
 * reply.c - errors, UTF-8 and health (see reply.h).
 */
#include "reply.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "log.h"

static const struct tl_error_info errors[TL_ERR_COUNT] = {
    [TL_ERR_BAD_PARAMETER] = { 400, "bad_parameter", "a parameter has a bad value", 0 },
    [TL_ERR_UNKNOWN_PARAMETER] = { 400, "unknown_parameter", "unknown parameter", 0 },
    [TL_ERR_REPEATED_PARAMETER] = { 400, "repeated_parameter", "a parameter is repeated", 0 },
    [TL_ERR_BAD_REQUEST] = { 400, "bad_request", "the request is malformed", 0 },
    [TL_ERR_UNAUTHORIZED] = { 401, "unauthorized", "a valid key is needed", 0 },
    [TL_ERR_FORBIDDEN] = { 403, "forbidden", "not allowed from this address", 0 },
    [TL_ERR_NOT_FOUND] = { 404, "not_found", "not found", 0 },
    [TL_ERR_METHOD_NOT_ALLOWED] = { 405, "method_not_allowed", "method not allowed", 0 },
    [TL_ERR_LENGTH_REQUIRED] = { 411, "length_required", "Content-Length is required", 0 },
    [TL_ERR_TOO_LARGE] = { 413, "too_large", "the body is too large", 0 },
    [TL_ERR_URI_TOO_LONG] = { 414, "uri_too_long", "the URL is too long", 0 },
    [TL_ERR_NOT_A_CAPTURE] = { 415, "not_a_capture", "not a pcap or pcapng capture", 0 },
    [TL_ERR_UNSUPPORTED_MEDIA] = { 415, "unsupported_media_type", "send application/json", 0 },
    [TL_ERR_UNREADABLE] = { 422, "unreadable_capture", "the capture cannot be read", 0 },
    [TL_ERR_HEADERS_TOO_LARGE] = { 431, "headers_too_large", "the request is too large", 0 },
    [TL_ERR_TOO_MANY_UPLOADS] = { 429, "too_many_uploads", "too many uploads at once", 5 },
    [TL_ERR_OVERLOADED] = { 503, "overloaded", "the server is busy; try again", 2 },
    [TL_ERR_DB_BUSY] = { 503, "database_busy", "the database is busy; try again", 2 },
    [TL_ERR_DB_READONLY] = { 503, "database_read_only", "the database cannot be written", 30 },
    [TL_ERR_DISK_FULL] = { 507, "insufficient_storage", "the disk is full", 0 },
    [TL_ERR_INTERNAL] = { 500, "internal", "internal error", 0 },
};

const struct tl_error_info *tl_error_info(enum tl_error e)
{
    return &errors[(unsigned)e < TL_ERR_COUNT ? e : TL_ERR_INTERNAL];
}

/* --- UTF-8 ------------------------------------------------------------------------------ */

/* The length of the valid sequence at s (1..4), or 0 when it is invalid or cut. */
static size_t seq_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlongs */
        hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

bool tl_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = seq_len(p + i, len - i);
        if (!n) {
            return false;
        }
        i += n;
    }
    return true;
}

size_t tl_utf8_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = seq_len(p + i, len - i);
        if (!n) {
            break;
        }
        i += n;
    }
    return i;
}

void tl_utf8_sanitize(struct tl_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < len) {
        size_t n = seq_len(p + i, len - i);
        if (n) {
            i += n;
            continue;
        }
        tl_buf_put(out, s + run, i - run);
        tl_buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD for the maximal invalid subpart */
        i++;
        while (i < len && p[i] >= 0x80 && p[i] <= 0xbf) { /* stray continuation bytes */
            i++;
        }
        run = i;
    }
    tl_buf_put(out, s + run, len - run);
}

bool tl_name_clean(char *name, size_t max)
{
    size_t len = strlen(name);
    struct tl_buf b;
    tl_buf_init(&b, len * 3 + 16);
    tl_utf8_sanitize(&b, name, len);
    if (b.overflow) {
        tl_buf_cleanup(&b);
        return false;
    }
    char empty[1] = "";
    char *v = b.data ? b.data : empty;
    size_t n = b.len;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
            v[i] = '?';
        }
    }
    if (n > max - 1) {
        n = tl_utf8_prefix(v, max - 1);
    }
    memcpy(name, v, n);
    name[n] = '\0';
    tl_buf_cleanup(&b);
    return true;
}

/* A string for Jansson: valid UTF-8 whatever the input. */
static json_t *jstr(const char *s)
{
    size_t len = strlen(s);
    if (tl_utf8_valid(s, len)) {
        return json_stringn(s, len);
    }
    struct tl_buf b;
    tl_buf_init(&b, len * 3 + 16);
    tl_utf8_sanitize(&b, s, len);
    json_t *j = b.overflow ? json_string("") : json_stringn(b.data ? b.data : "", b.len);
    tl_buf_cleanup(&b);
    return j;
}

char *tl_error_doc(enum tl_error e, const char *message, const char *param,
                   const char *const *allowed)
{
    const struct tl_error_info *info = tl_error_info(e);
    json_t *err = json_object();
    json_object_set_new(err, "code", json_string(info->code));
    json_object_set_new(err, "message", jstr(message && *message ? message : info->message));
    if (param) {
        json_object_set_new(err, "parameter", jstr(param));
    }
    if (allowed) {
        json_t *a = json_array();
        for (; *allowed; allowed++) {
            json_array_append_new(a, jstr(*allowed));
        }
        json_object_set_new(err, "allowed", a);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "error", err);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}

/* --- health ----------------------------------------------------------------------------- */

static pthread_mutex_t health_lock = PTHREAD_MUTEX_INITIALIZER;
static bool write_failing;
static enum tl_error write_error;
static char write_reason[256];

void tl_health_write_failed(enum tl_error e, const char *reason)
{
    pthread_mutex_lock(&health_lock);
    bool first = !write_failing || write_error != e;
    write_failing = true;
    write_error = e;
    snprintf(write_reason, sizeof write_reason, "%s", reason);
    pthread_mutex_unlock(&health_lock);
    if (first) {
        tl_log("writes fail (%s): %s; /healthz reports degraded until one succeeds",
               tl_error_info(e)->code, reason);
    }
}

void tl_health_write_ok(void)
{
    pthread_mutex_lock(&health_lock);
    bool was = write_failing;
    write_failing = false;
    pthread_mutex_unlock(&health_lock);
    if (was) {
        tl_log("writes succeed again: /healthz reports ok");
    }
}

char *tl_health_doc(bool db_answers, bool stopping, const char *data_dir, unsigned *status)
{
    json_t *doc = json_object();
    char reason[300] = "";
    const char *st = "ok";
    *status = 200;
    if (stopping) {
        st = "unavailable";
        snprintf(reason, sizeof reason, "the server is shutting down");
        *status = 503;
    } else if (!db_answers) {
        st = "unavailable";
        snprintf(reason, sizeof reason, "the database does not answer");
        *status = 503;
    } else {
        pthread_mutex_lock(&health_lock);
        if (write_failing) {
            st = "degraded";
            snprintf(reason, sizeof reason, "%s", write_reason);
        }
        pthread_mutex_unlock(&health_lock);
        struct statvfs vfs;
        if (!reason[0] && data_dir && statvfs(data_dir, &vfs) == 0 &&
            (uint64_t)vfs.f_bavail * vfs.f_frsize < ((uint64_t)1 << 20)) {
            st = "degraded";
            snprintf(reason, sizeof reason, "less than 1 MiB free in the data directory");
        }
    }
    json_object_set_new(doc, "status", json_string(st));
    if (reason[0]) {
        json_object_set_new(doc, "reason", jstr(reason));
    }
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}
