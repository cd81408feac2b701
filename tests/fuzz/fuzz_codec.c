/*
 * fuzz_codec.c - what a replay reads from a database it must not trust: a flow's packet
 * positions (track/positions.h) and a pcapng layout with the file bytes it describes
 * (pcapng.h). Positions decode or are refused, and what decodes writes back to the same
 * bytes; a layout and file of any bytes seek and read or are refused, never past their ends.
 *
 * Input: one byte n, then n bytes of positions, then one byte m, m bytes of layout, then
 * the file.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pcapng.h"
#include "positions.h"

static void positions(const uint8_t *b, size_t n)
{
    struct tl_pos_reader r;
    if (!tl_pos_reader_init(&r, b, n)) {
        return;
    }
    struct tl_pos_writer w = { 0 };
    uint64_t frame, pos;
    int rc;
    while ((rc = tl_pos_next(&r, &frame, &pos)) == 1) {
        assert(tl_pos_add(&w, frame, pos));
    }
    if (rc == 0 && w.count > 0) {
        tl_pos_set_flags(&w, r.flags);
        /* a blob that decodes whole is what the writer writes, unless a varint was not in
         * its shortest form (which the writer never makes) */
        assert(w.n <= n);
    }
    tl_pos_writer_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t n = data[0];
    if (1 + n + 1 > size) {
        return 0;
    }
    positions(data + 1, n);
    size_t m = data[1 + n];
    const uint8_t *lay = data + 2 + n;
    if (2 + n + m > size) {
        return 0;
    }
    const uint8_t *file = lay + m;
    size_t flen = size - 2 - n - m;
    uint8_t *copy = malloc(flen ? flen : 1);
    uint8_t *lcopy = malloc(m ? m : 1);
    if (!copy || !lcopy) {
        free(copy);
        free(lcopy);
        return 0;
    }
    memcpy(copy, file, flen);
    memcpy(lcopy, lay, m);
    FILE *f = fmemopen(copy, flen ? flen : 1, "rb");
    struct tl_pcapng *r = f ? tl_pcapng_new(f) : NULL;
    if (r) {
        for (uint64_t at = 0; at < flen && at < 64; at += 4) {
            struct tl_pcapng_rec rec;
            struct tl_errbuf err;
            if (tl_pcapng_seek(r, at, lcopy, m) && tl_pcapng_next(r, &rec, &err) == 1) {
                assert(rec.caplen == 0 || rec.data != NULL);
            }
        }
    }
    tl_pcapng_free(r);
    if (f) {
        fclose(f);
    }
    free(copy);
    free(lcopy);
    return 0;
}
