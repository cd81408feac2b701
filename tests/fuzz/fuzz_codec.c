/*
 * fuzz_codec.c - a stored packet record (track/rec_codec.h) from any bytes, as a replay reads
 * a row of a database it must not trust: it decodes or is refused; a decoded record runs
 * through the decoder and encodes back to the same bytes.
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "rec_codec.h"
#include "tcplens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tl_rec_space space;
    static uint8_t again[TL_REC_CODEC_MAX];
    struct tl_rec *r = TL_REC_OF(space);
    (void)tl_rec_encoded_frame(data, size);
    if (!tl_rec_decode_bytes(data, size, r)) {
        return 0;
    }
    struct tl_packet p;
    tl_rec_decode(r, &p);
    size_t n = tl_rec_encode(r, again);
    assert(n == size && memcmp(again, data, n) == 0);
    return 0;
}
