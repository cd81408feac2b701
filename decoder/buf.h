/*
 * buf.h - a growable text buffer with a maximum size, and fast appenders for the renderers.
 *
 * tl_buf_init() cannot fail; appends past `max` set `overflow` and are dropped, so callers
 * check once at the end. tl_buf_cleanup() frees and leaves the buffer reusable.
 */
#ifndef TL_BUF_H
#define TL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_buf {
    char *data;
    size_t len, cap, max;
    bool overflow; /* an append hit max or allocation failed */
};

void tl_buf_init(struct tl_buf *b, size_t max);
void tl_buf_cleanup(struct tl_buf *b);
void tl_buf_reset(struct tl_buf *b); /* len = 0, memory kept */
bool tl_buf_reserve(struct tl_buf *b, size_t extra);
void tl_buf_put(struct tl_buf *b, const char *s, size_t n);
void tl_buf_puts(struct tl_buf *b, const char *s);
void tl_buf_putc(struct tl_buf *b, char c);
void tl_buf_u64(struct tl_buf *b, uint64_t v);
void tl_buf_i64(struct tl_buf *b, int64_t v);
void tl_buf_hex(struct tl_buf *b, uint64_t v, int min_digits); /* lower case, no 0x */
void tl_buf_printf(struct tl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A NUL-terminated view of the contents (the NUL is not counted in len). */
const char *tl_buf_cstr(struct tl_buf *b);

#endif
