/*
 * digest.h - SHA-256 of a stream (GnuTLS, which libmicrohttpd already brings): a capture's
 * identity, to recognise the same file uploaded again.
 */
#ifndef TL_DIGEST_H
#define TL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

struct tl_sha256 {
    void *h; /* the GnuTLS hash handle, NULL when not running */
};

bool tl_sha256_init(struct tl_sha256 *d);
void tl_sha256_update(struct tl_sha256 *d, const void *data, size_t n);
/* The digest as 64 lowercase hex digits and a NUL; the hash is then finished. */
void tl_sha256_final_hex(struct tl_sha256 *d, char out[65]);
/* Finish without a result (safe to call when not running). */
void tl_sha256_abort(struct tl_sha256 *d);

#endif
