/*
 * buf.c - growable text buffer with a hard maximum; the appenders avoid printf on hot paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void tl_buf_init(struct tl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->overflow = false;
    b->fixed = false;
}

void tl_buf_init_fixed(struct tl_buf *b, char *mem, size_t size)
{
    tl_buf_init(b, size ? size - 1 : 0);
    b->data = mem;
    b->cap = size;
    b->fixed = true;
}

void tl_buf_cleanup(struct tl_buf *b)
{
    if (!b->fixed) {
        free(b->data);
    }
    tl_buf_init(b, b->max);
}

void tl_buf_reset(struct tl_buf *b)
{
    b->len = 0;
    b->overflow = false;
}

bool tl_buf_reserve(struct tl_buf *b, size_t extra)
{
    if (b->overflow) {
        return false;
    }
    if (b->cap > 0 && extra < b->cap - b->len) {
        return true;
    }
    if (b->fixed || extra > b->max || b->len + extra > b->max) {
        b->overflow = true;
        return false;
    }
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1) {
        ncap *= 2;
    }
    if (ncap > b->max + 1) {
        ncap = b->max + 1;
    }
    char *nd = realloc(b->data, ncap);
    if (!nd) {
        b->overflow = true;
        return false;
    }
    b->data = nd;
    b->cap = ncap;
    return true;
}

void tl_buf_put_slow(struct tl_buf *b, const char *s, size_t n)
{
    if (!tl_buf_reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

void tl_buf_u64(struct tl_buf *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tl_buf_put(b, tmp + sizeof tmp - n, n);
}

void tl_buf_i64(struct tl_buf *b, int64_t v)
{
    if (v < 0) {
        tl_buf_putc(b, '-');
        tl_buf_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        tl_buf_u64(b, (uint64_t)v);
    }
}

void tl_buf_hex(struct tl_buf *b, uint64_t v, int min_digits)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    if (min_digits > 16) {
        min_digits = 16;
    }
    do {
        tmp[sizeof tmp - 1 - n++] = digits[v & 0xf];
        v >>= 4;
    } while (v || n < min_digits);
    tl_buf_put(b, tmp + sizeof tmp - n, (size_t)n);
}

void tl_buf_printf(struct tl_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->overflow = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        tl_buf_put(b, small, (size_t)n);
        return;
    }
    if (!tl_buf_reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *tl_buf_cstr(struct tl_buf *b)
{
    if (!tl_buf_reserve(b, 0) && !b->data) {
        return "";
    }
    if (!b->data) {
        return "";
    }
    b->data[b->len] = '\0';
    return b->data;
}
