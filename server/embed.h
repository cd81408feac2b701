/*
 * embed.h - files built into the server: the SQL migrations and the OpenAPI description
 * (generated from schema/ by embed.cmake), so a bare binary carries its schema.
 */
#ifndef TL_EMBED_H
#define TL_EMBED_H

#include <stddef.h>

struct tl_embedded {
    const char *name; /* e.g. "001_init.sql", "openapi.yaml" */
    const unsigned char *data;
    size_t len;
};

/* Sorted by name. */
extern const struct tl_embedded tl_embedded_files[];
extern const size_t tl_embedded_count;

const struct tl_embedded *tl_embedded_find(const char *name);

#endif
