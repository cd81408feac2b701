/*
 * log.c - stderr lines: `ts=... level=info msg="..."` and `ts=... access method=GET ...`.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void tl_now_rfc3339(char *buf, unsigned size)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = size ? strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) : 0;
    if (n == 0 || size - n < sizeof ".000000Z") { /* too small: nothing rather than a cut time */
        if (size) {
            buf[0] = '\0';
        }
        return;
    }
    unsigned usec = (unsigned)tv.tv_usec % 1000000u;
    snprintf(buf + n, size - n, ".%06uZ", usec);
}

/* Quote a value for logfmt: printable ASCII kept, '"' and '\' escaped, the rest as \xNN. */
static size_t quote(char *dst, size_t size, const char *s)
{
    size_t n = 0;
    if (size < 3) {
        return 0;
    }
    dst[n++] = '"';
    for (; s && *s && n + 5 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[n++] = '\\';
            dst[n++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            n += (size_t)snprintf(dst + n, size - n, "\\x%02x", c);
        } else {
            dst[n++] = (char)c;
        }
    }
    dst[n++] = '"';
    dst[n] = '\0';
    return n;
}

static void emit(const char *line, size_t len)
{
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void tl_log(const char *fmt, ...)
{
    char msg[1024], q[2200], line[2400], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tl_now_rfc3339(ts, sizeof ts);
    quote(q, sizeof q, msg);
    int n = snprintf(line, sizeof line, "ts=%s level=info msg=%s\n", ts, q);
    if (n > 0) {
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}

void tl_log_access(const struct tl_access *a)
{
    char ts[40], path[700], remote[80], line[1200];
    tl_now_rfc3339(ts, sizeof ts);
    quote(path, sizeof path, a->path);
    quote(remote, sizeof remote, a->remote);
    int n =
        snprintf(line, sizeof line,
                 "ts=%s level=info access=1 remote=%s method=%s path=%s route=%s status=%u "
                 "bytes_in=%llu bytes_out=%llu duration_ms=%.3f\n",
                 ts, remote, a->method, path, a->route, a->status, (unsigned long long)a->bytes_in,
                 (unsigned long long)a->bytes_out, a->seconds * 1000.0);
    if (n > 0) {
        emit(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
}
