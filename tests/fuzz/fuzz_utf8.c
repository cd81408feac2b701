/*
 * fuzz_utf8.c - the one UTF-8 validator of every JSON string the server emits
 * (server/reply.c): sanitised text is valid UTF-8, a cleaned name is valid, has no control
 * characters and fits, and an error document built from any bytes is valid JSON.
 */
#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct tl_buf b;
    tl_buf_init(&b, size * 3 + 16);
    tl_utf8_sanitize(&b, s, size);
    assert(!b.overflow);
    assert(tl_utf8_valid(b.data ? b.data : "", b.len));
    if (tl_utf8_valid(s, size)) {
        assert(b.len == size && (size == 0 || memcmp(b.data, s, size) == 0));
    }
    size_t p = tl_utf8_prefix(s, size);
    assert(p <= size && tl_utf8_valid(s, p));
    tl_buf_cleanup(&b);

    char *z = malloc(size + 1);
    if (!z) {
        return 0;
    }
    memcpy(z, data, size);
    z[size] = '\0';
    char name[256];
    snprintf(name, sizeof name, "%s", z);
    if (tl_name_clean(name, sizeof name)) {
        size_t n = strlen(name);
        assert(n < sizeof name && tl_utf8_valid(name, n));
        for (size_t i = 0; i < n; i++) {
            assert((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
        }
    }
    const char *allowed[] = { z, "port", NULL };
    char *doc = tl_error_doc(TL_ERR_UNKNOWN_PARAMETER, z, z, allowed);
    if (doc) {
        json_error_t je;
        json_t *j = json_loads(doc, 0, &je);
        assert(j != NULL);
        json_decref(j);
        free(doc);
    }
    free(z);
    return 0;
}
