/*
 * positions.c - a flow's packet positions as varints (see positions.h).
 */
#include "positions.h"

#include <stdlib.h>

static bool grow(struct tl_pos_writer *w, size_t extra)
{
    if (w->cap - w->n >= extra) {
        return true;
    }
    size_t cap = w->cap ? w->cap : 32;
    while (cap - w->n < extra) {
        cap *= 2;
    }
    uint8_t *b = realloc(w->b, cap);
    if (!b) {
        return false;
    }
    w->b = b;
    w->cap = cap;
    return true;
}

static void put_varint(struct tl_pos_writer *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

bool tl_pos_add(struct tl_pos_writer *w, uint64_t frame, uint64_t pos)
{
    if (!grow(w, TL_POS_HEADER_BYTES + 20)) {
        return false;
    }
    if (w->n == 0) {
        w->b[w->n++] = TL_POS_VERSION;
        w->b[w->n++] = 0;
    }
    if (w->count > 0 && (frame < w->frame || pos < w->pos)) {
        return false;
    }
    put_varint(w, frame - w->frame);
    put_varint(w, pos - w->pos);
    w->frame = frame;
    w->pos = pos;
    w->count++;
    return true;
}

void tl_pos_set_flags(struct tl_pos_writer *w, uint8_t flags)
{
    if (w->n >= TL_POS_HEADER_BYTES) {
        w->b[1] |= flags;
    }
}

void tl_pos_writer_free(struct tl_pos_writer *w)
{
    free(w->b);
    *w = (struct tl_pos_writer){ 0 };
}

bool tl_pos_reader_init(struct tl_pos_reader *r, const uint8_t *b, size_t n)
{
    *r = (struct tl_pos_reader){ .b = b, .n = n, .off = TL_POS_HEADER_BYTES };
    if (n < TL_POS_HEADER_BYTES || b[0] != TL_POS_VERSION) {
        return false;
    }
    r->flags = b[1];
    return true;
}

static bool get_varint(struct tl_pos_reader *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->off >= r->n) {
            return false;
        }
        uint8_t c = r->b[r->off++];
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false; /* longer than a 64-bit value */
}

int tl_pos_next(struct tl_pos_reader *r, uint64_t *frame, uint64_t *pos)
{
    if (r->off >= r->n) {
        return 0;
    }
    uint64_t df, dp;
    if (!get_varint(r, &df) || !get_varint(r, &dp) || r->frame + df < r->frame ||
        r->pos + dp < r->pos) {
        r->off = r->n;
        return -1;
    }
    r->frame += df;
    r->pos += dp;
    *frame = r->frame;
    *pos = r->pos;
    return 1;
}
