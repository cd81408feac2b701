/*
 * fuzz_pcapng.c - the pcapng block reader (decoder/pcapng.c) on any bytes: every record it
 * hands over lies inside the bytes it read, and every packet decodes without a report.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    uint8_t *copy = malloc(size);
    if (!copy) {
        return 0;
    }
    memcpy(copy, data, size);
    FILE *f = fmemopen(copy, size, "rb");
    struct tl_pcapng *r = f ? tl_pcapng_new(f) : NULL;
    if (r) {
        struct tl_pcapng_rec rec;
        struct tl_errbuf err;
        struct tl_packet p;
        for (int n = 0; n < 100000 && tl_pcapng_next(r, &rec, &err) == 1; n++) {
            assert(rec.caplen <= size && rec.caplen <= rec.wirelen);
            tl_packet_decode(&p, rec.linktype, rec.data, rec.caplen, rec.wirelen);
        }
    }
    tl_pcapng_free(r);
    if (f) {
        fclose(f);
    }
    free(copy);
    return 0;
}
