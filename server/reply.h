/*
 * reply.h - what tcplensd answers when something is wrong, in one place: an error enum that
 * maps to an HTTP status, a stable code and a default message (the curl/SQLite pattern); the
 * one UTF-8 validator every JSON string we emit passes through (invalid sequences become
 * U+FFFD); names cut at character boundaries; the small documents (errors, /healthz) built with
 * Jansson; and the health of the write path (`degraded` while writes fail).
 */
#ifndef TL_REPLY_H
#define TL_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum tl_error {
    TL_ERR_BAD_PARAMETER = 0,  /* 400 bad_parameter: a value outside its type or range */
    TL_ERR_UNKNOWN_PARAMETER,  /* 400 unknown_parameter */
    TL_ERR_REPEATED_PARAMETER, /* 400 repeated_parameter */
    TL_ERR_BAD_REQUEST,        /* 400 bad_request: the request itself (body, path, headers) */
    TL_ERR_UNAUTHORIZED,       /* 401 */
    TL_ERR_FORBIDDEN,          /* 403: not from this address */
    TL_ERR_NOT_FOUND,          /* 404 */
    TL_ERR_METHOD_NOT_ALLOWED, /* 405 */
    TL_ERR_LENGTH_REQUIRED,    /* 411 */
    TL_ERR_TOO_LARGE,          /* 413 */
    TL_ERR_URI_TOO_LONG,       /* 414 */
    TL_ERR_NOT_A_CAPTURE,      /* 415 */
    TL_ERR_UNSUPPORTED_MEDIA,  /* 415: a JSON body sent as something else */
    TL_ERR_UNREADABLE,         /* 422 */
    TL_ERR_HEADERS_TOO_LARGE,  /* 431 */
    TL_ERR_TOO_MANY_UPLOADS,   /* 429: this address already sends as many as it may */
    TL_ERR_OVERLOADED,         /* 503 overloaded: queue full, shutting down */
    TL_ERR_DB_BUSY,            /* 503 database_busy */
    TL_ERR_DB_READONLY,        /* 503 database_read_only */
    TL_ERR_DISK_FULL,          /* 507 insufficient_storage */
    TL_ERR_INTERNAL,           /* 500: never expected */
    TL_ERR_COUNT
};

struct tl_error_info {
    unsigned status;
    const char *code;
    const char *message;  /* default message */
    unsigned retry_after; /* seconds, 0: no Retry-After */
};

const struct tl_error_info *tl_error_info(enum tl_error e);

/*
 * The error document {"error": {"code", "message", "parameter"?, "allowed"?}} as a malloc'd
 * string (free() it); NULL only when out of memory. `message` may hold any bytes: it goes
 * through the UTF-8 validator. `allowed` (may be NULL) is a NULL-terminated list.
 */
char *tl_error_doc(enum tl_error e, const char *message, const char *param,
                   const char *const *allowed);

/* --- UTF-8 ------------------------------------------------------------------------------ */

/* Is s[0..len) well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points above
 * U+10FFFF)? NUL bytes count as valid. */
bool tl_utf8_valid(const char *s, size_t len);
/* The length of the longest valid prefix of s[0..len) ending at a character boundary. */
size_t tl_utf8_prefix(const char *s, size_t len);
/* Append s[0..len) to out with each invalid sequence replaced by U+FFFD. */
void tl_utf8_sanitize(struct tl_buf *out, const char *s, size_t len);
/*
 * A name as it will be stored and shown: invalid sequences become U+FFFD, control characters
 * '?', then cut to at most `max` bytes (including the NUL) at a character boundary. In place
 * when it fits; returns false when out of memory (name unchanged).
 */
bool tl_name_clean(char *name, size_t max);

/* --- the health of the write path --------------------------------------------------------- */

/* A write failed for `reason` (logged once while the state lasts). */
void tl_health_write_failed(enum tl_error e, const char *reason);
/* A write succeeded: the degraded state, if any, ends. */
void tl_health_write_ok(void);
/* The /healthz document: {"status": "ok"} or {"status": "degraded", "reason": ...} or
 * {"status": "unavailable", "reason": ...}; malloc'd. *status gets the HTTP status. */
char *tl_health_doc(bool db_answers, bool stopping, const char *data_dir, unsigned *status);

#endif
