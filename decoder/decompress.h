/*
 * decompress.h - compressed captures (gzip, zstd) read as a stream, private to the decoder.
 *
 * The compressed bytes come from a prefix already read (the sniffed first bytes) and then a
 * FILE; the decompressed bytes go out through a glibc cookie stream that libpcap reads like
 * a file. Limits against decompression bombs: the output may not exceed
 * max(ratio x compressed bytes consumed, floor), nor an absolute size when one is given.
 */
#ifndef TL_DECOMPRESS_H
#define TL_DECOMPRESS_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"

struct tl_decomp;

struct tl_decomp_limits {
    uint64_t ratio;     /* decompressed bytes per compressed byte, at most */
    uint64_t floor;     /* bytes always allowed, whatever the ratio */
    uint64_t max_total; /* absolute limit on decompressed bytes; 0: none */
};

/* A decompressor of `kind` (not TL_COMP_NONE) over pre[0..pre_len) then src (not owned: the
 * caller closes it after the decompressor). NULL when out of memory. */
struct tl_decomp *tl_decomp_new(enum tl_compression kind, FILE *src, const unsigned char *pre,
                                size_t pre_len, const struct tl_decomp_limits *lim);

/* The decompressed stream (a cookie FILE; fclose does not free the decompressor). */
FILE *tl_decomp_stream(struct tl_decomp *d);

/*
 * TL_OK while all is well or at a clean end; TL_E_TOO_LARGE when a limit stopped it;
 * TL_E_MALFORMED for corrupt or cut compressed data; TL_E_IO when src could not be read;
 * TL_E_NOMEM. *msg (may be NULL) says why, in English.
 */
enum tl_err tl_decomp_status(const struct tl_decomp *d, const char **msg);

/* Bytes consumed and produced so far. */
void tl_decomp_counts(const struct tl_decomp *d, uint64_t *in, uint64_t *out);

void tl_decomp_free(struct tl_decomp *d);

#endif
