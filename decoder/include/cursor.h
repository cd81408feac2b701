/*
 * cursor.h - the one way packet bytes are read: a bounds-checked cursor.
 *
 * Every getter checks the remaining length first and converts byte order in the same step;
 * on a short read it returns false and leaves the cursor where it was. Lengths are compared,
 * never pointers past the end (forming such a pointer is undefined behaviour).
 */
#ifndef TL_CURSOR_H
#define TL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tl_cur {
    const uint8_t *buf;
    size_t len; /* bytes readable from buf */
    size_t off; /* next byte to read, <= len */
};

static inline void tl_cur_init(struct tl_cur *c, const uint8_t *buf, size_t len)
{
    c->buf = buf;
    c->len = len;
    c->off = 0;
}

static inline size_t tl_cur_left(const struct tl_cur *c)
{
    return c->len - c->off;
}

static inline bool tl_cur_has(const struct tl_cur *c, size_t n)
{
    return n <= c->len - c->off;
}

static inline bool tl_cur_skip(struct tl_cur *c, size_t n)
{
    if (!tl_cur_has(c, n)) {
        return false;
    }
    c->off += n;
    return true;
}

static inline bool tl_cur_u8(struct tl_cur *c, uint8_t *out)
{
    if (!tl_cur_has(c, 1)) {
        return false;
    }
    *out = c->buf[c->off];
    c->off += 1;
    return true;
}

static inline bool tl_cur_be16(struct tl_cur *c, uint16_t *out)
{
    if (!tl_cur_has(c, 2)) {
        return false;
    }
    const uint8_t *b = c->buf + c->off;
    *out = (uint16_t)((unsigned)b[0] << 8 | b[1]);
    c->off += 2;
    return true;
}

static inline bool tl_cur_be32(struct tl_cur *c, uint32_t *out)
{
    if (!tl_cur_has(c, 4)) {
        return false;
    }
    const uint8_t *b = c->buf + c->off;
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    c->off += 4;
    return true;
}

static inline bool tl_cur_le16(struct tl_cur *c, uint16_t *out)
{
    if (!tl_cur_has(c, 2)) {
        return false;
    }
    const uint8_t *b = c->buf + c->off;
    *out = (uint16_t)((unsigned)b[1] << 8 | b[0]);
    c->off += 2;
    return true;
}

static inline bool tl_cur_le32(struct tl_cur *c, uint32_t *out)
{
    if (!tl_cur_has(c, 4)) {
        return false;
    }
    const uint8_t *b = c->buf + c->off;
    *out = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
    c->off += 4;
    return true;
}

static inline bool tl_cur_copy(struct tl_cur *c, void *dst, size_t n)
{
    if (!tl_cur_has(c, n)) {
        return false;
    }
    memcpy(dst, c->buf + c->off, n);
    c->off += n;
    return true;
}

/* Read at an absolute offset without moving: false when [at, at+n) is not inside. */
static inline bool tl_cur_peek_u8(const struct tl_cur *c, size_t at, uint8_t *out)
{
    if (at >= c->len) {
        return false;
    }
    *out = c->buf[at];
    return true;
}

static inline bool tl_cur_peek_be16(const struct tl_cur *c, size_t at, uint16_t *out)
{
    if (at > c->len || c->len - at < 2) {
        return false;
    }
    *out = (uint16_t)((unsigned)c->buf[at] << 8 | c->buf[at + 1]);
    return true;
}

static inline bool tl_cur_peek_be32(const struct tl_cur *c, size_t at, uint32_t *out)
{
    if (at > c->len || c->len - at < 4) {
        return false;
    }
    const uint8_t *b = c->buf + at;
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return true;
}

#endif
