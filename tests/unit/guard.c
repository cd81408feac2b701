/*
 * guard.c - input bytes placed flush against a PROT_NONE page (see guard.h).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guard.h"

int guard_init(struct guard *g, size_t max)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t usable = (max + page - 1) / page * page;
    if (usable == 0) {
        usable = page;
    }
    void *m = mmap(NULL, usable + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        return -1;
    }
    if (mprotect((uint8_t *)m + usable, page, PROT_NONE) != 0) {
        munmap(m, usable + page);
        return -1;
    }
    g->map = m;
    g->usable = usable;
    g->map_len = usable + page;
    return 0;
}

void guard_free(struct guard *g)
{
    if (g->map) {
        munmap(g->map, g->map_len);
    }
    g->map = NULL;
    g->usable = g->map_len = 0;
}

const uint8_t *guard_place(struct guard *g, const void *src, size_t n)
{
    uint8_t *dst = g->map + g->usable - n;
    if (n > 0) {
        memcpy(dst, src, n);
    }
    return dst;
}
