/*
 * params.h - the values a request can carry, parsed strictly: integers in a range, an
 * address or CIDR prefix, an RFC 3339 time, a language from Accept-Language, a size with a
 * K/M/G suffix. Each returns false on anything it does not fully understand.
 */
#ifndef TL_PARAMS_H
#define TL_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* A decimal integer in [min, max], nothing else (no sign, no spaces, no 0x). */
bool tl_param_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* "192.0.2.7", "192.0.2.0/24", "2001:db8::1", "2001:db8::/32" into a 16-byte range. */
bool tl_param_cidr(const char *s, struct tl_addr_range *r);

/* RFC 3339 ("2024-05-01T12:00:00Z", fractional seconds and offsets allowed) to ns. */
bool tl_param_time(const char *s, int64_t *ns);

/* The best of en/zh in an Accept-Language header (q-values honoured); -1 for neither. */
int tl_accept_language(const char *header);

/* "1073741824", "512K", "64M", "1G" (binary multiples). */
bool tl_param_size(const char *s, uint64_t *out);

#endif
