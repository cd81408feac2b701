/*
 * digest.c - SHA-256 through GnuTLS (see digest.h).
 */
#include "digest.h"

#include <gnutls/crypto.h>
#include <stdio.h>

bool tl_sha256_init(struct tl_sha256 *d)
{
    gnutls_hash_hd_t h;
    d->h = NULL;
    if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
        return false;
    }
    d->h = h;
    return true;
}

void tl_sha256_update(struct tl_sha256 *d, const void *data, size_t n)
{
    if (d->h && n) {
        gnutls_hash((gnutls_hash_hd_t)d->h, data, n);
    }
}

void tl_sha256_final_hex(struct tl_sha256 *d, char out[65])
{
    unsigned char md[32];
    out[0] = '\0';
    if (!d->h) {
        return;
    }
    gnutls_hash_deinit((gnutls_hash_hd_t)d->h, md);
    d->h = NULL;
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

void tl_sha256_abort(struct tl_sha256 *d)
{
    if (d->h) {
        gnutls_hash_deinit((gnutls_hash_hd_t)d->h, NULL);
        d->h = NULL;
    }
}
