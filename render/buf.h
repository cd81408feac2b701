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
#include <string.h>

struct tl_buf {
    char *data;
    size_t len, cap, max;
    bool overflow; /* an append hit max or allocation failed */
    bool fixed;    /* memory is the caller's: never reallocated or freed */
};

void tl_buf_init(struct tl_buf *b, size_t max);
/* A buffer over caller memory that never grows: appends past `size - 1` set overflow. */
void tl_buf_init_fixed(struct tl_buf *b, char *mem, size_t size);
void tl_buf_cleanup(struct tl_buf *b);
void tl_buf_reset(struct tl_buf *b); /* len = 0, memory kept */
bool tl_buf_reserve(struct tl_buf *b, size_t extra);
void tl_buf_put_slow(struct tl_buf *b, const char *s, size_t n);

/* Append n bytes (inline fast path when they fit). */
static inline void tl_buf_put(struct tl_buf *b, const char *s, size_t n)
{
    if (b->cap - b->len > n && !b->overflow) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        return;
    }
    tl_buf_put_slow(b, s, n);
}

static inline void tl_buf_putc(struct tl_buf *b, char c)
{
    if (b->cap - b->len > 1 && !b->overflow) {
        b->data[b->len++] = c;
        return;
    }
    tl_buf_put_slow(b, &c, 1);
}

static inline void tl_buf_puts(struct tl_buf *b, const char *s)
{
    tl_buf_put(b, s, strlen(s));
}
void tl_buf_u64(struct tl_buf *b, uint64_t v);
void tl_buf_i64(struct tl_buf *b, int64_t v);
void tl_buf_hex(struct tl_buf *b, uint64_t v, int min_digits); /* lower case, no 0x */
void tl_buf_printf(struct tl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A NUL-terminated view of the contents (the NUL is not counted in len). */
const char *tl_buf_cstr(struct tl_buf *b);

#endif
