/*
 * pcapng_build.h - pcapng files written byte by byte for the tests, from the pcapng
 * specification (draft-ietf-opsawg-pcapng): blocks with their leading and trailing lengths,
 * a section header, interface descriptions with if_tsresol and if_tsoffset, enhanced packet
 * blocks; in either byte order (`big`). Shared by test_pcapng.c and test_seek.c.
 */
#ifndef TL_TEST_PCAPNG_BUILD_H
#define TL_TEST_PCAPNG_BUILD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

struct out {
    uint8_t b[4096];
    size_t n;
    bool big;
};

static inline void put(struct out *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static inline void u16(struct out *o, uint16_t v)
{
    uint8_t b[2] = { o->big ? v >> 8 : v & 0xff, o->big ? v & 0xff : v >> 8 };
    put(o, b, 2);
}

static inline void u32(struct out *o, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = (uint8_t)(o->big ? v >> (24 - 8 * i) : v >> (8 * i));
    }
    put(o, b, 4);
}

/* A block: type, total length, body (padded to 4), total length again. */
static inline void block(struct out *o, uint32_t type, const struct out *body)
{
    size_t pad = (4 - body->n % 4) % 4;
    uint32_t total = (uint32_t)(12 + body->n + pad);
    static const uint8_t zero[4];
    u32(o, type);
    u32(o, total);
    put(o, body->b, body->n);
    put(o, zero, pad);
    u32(o, total);
}

static inline void shb(struct out *o)
{
    struct out b = { .big = o->big };
    u32(&b, 0x1A2B3C4D);
    u16(&b, 1);
    u16(&b, 0);
    u32(&b, 0xffffffff); /* section length unknown */
    u32(&b, 0xffffffff);
    block(o, 0x0A0D0D0A, &b);
}

static inline void idb(struct out *o, uint16_t lt, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    struct out b = { .big = o->big };
    u16(&b, lt);
    u16(&b, 0);
    u32(&b, snaplen);
    if (tsresol >= 0) {
        u16(&b, 9);
        u16(&b, 1);
        uint8_t v[4] = { (uint8_t)tsresol, 0, 0, 0 };
        put(&b, v, 4);
    }
    if (tsoffset) {
        u16(&b, 14);
        u16(&b, 8);
        uint64_t v = (uint64_t)tsoffset;
        if (o->big) {
            u32(&b, (uint32_t)(v >> 32));
            u32(&b, (uint32_t)v);
        } else {
            u32(&b, (uint32_t)v);
            u32(&b, (uint32_t)(v >> 32));
        }
    }
    u16(&b, 0);
    u16(&b, 0);
    block(o, 1, &b);
}

static inline void epb(struct out *o, uint32_t ifid, uint64_t ts, const void *data, uint32_t caplen,
                       uint32_t wirelen)
{
    struct out b = { .big = o->big };
    u32(&b, ifid);
    u32(&b, (uint32_t)(ts >> 32));
    u32(&b, (uint32_t)ts);
    u32(&b, caplen);
    u32(&b, wirelen);
    put(&b, data, caplen);
    block(o, 6, &b);
}

#endif
