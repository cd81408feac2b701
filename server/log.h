/*
 * log.h - one line per event on stderr: operational messages (tl_log) and the access log,
 * both as logfmt-style lines with an RFC 3339 timestamp, written whole with one write().
 */
#ifndef TL_LOG_H
#define TL_LOG_H

#include <stdint.h>

void tl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct tl_access {
    const char *remote, *method, *path, *route;
    unsigned status;
    uint64_t bytes_in, bytes_out;
    double seconds;
};
void tl_log_access(const struct tl_access *a);

/* The current time as RFC 3339 UTC with microseconds. */
void tl_now_rfc3339(char *buf, unsigned size);

#endif
