/*
 * guard.h - test helper: put input bytes flush against a PROT_NONE page, so that reading one
 * byte past the end faults at once (the h2o/picohttpparser mmap/mprotect trick) instead of
 * silently reading a neighbour, as an over-read inside a malloc'd block could.
 */
#ifndef TL_TEST_GUARD_H
#define TL_TEST_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct guard {
    uint8_t *map;   /* the whole mapping: usable pages, then the guard page */
    size_t usable;  /* bytes before the guard page */
    size_t map_len; /* usable + one page */
};

/* Map at least `max` usable bytes followed by a PROT_NONE page. Returns 0, or -1 on failure. */
int guard_init(struct guard *g, size_t max);

/* Unmap; the struct may be initialised again. */
void guard_free(struct guard *g);

/*
 * Copy `n` bytes of `src` so that they end exactly where the guard page starts, and return
 * where they begin (for n == 0, the first byte of the guard page itself). n must be <= usable.
 */
const uint8_t *guard_place(struct guard *g, const void *src, size_t n);

#endif
