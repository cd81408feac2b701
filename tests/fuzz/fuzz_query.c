/*
 * fuzz_query.c - the server's query-string parser and parameter binding (server/query.c) and
 * the raw-path check, over a schema with every parameter type: whatever the bytes, no crash,
 * and a bound value is what its type promises.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "query.h"

static const char *const words[] = { "complete", "no-reply", "rejected", NULL };
static const struct tl_param_spec spec[] = {
    { .name = "host", .type = TL_P_CIDR },
    { .name = "port", .type = TL_P_PORT },
    { .name = "handshake", .type = TL_P_ENUM, .values = words, .list = true },
    { .name = "scale", .type = TL_P_ENUM, .values = words },
    { .name = "capture", .type = TL_P_ID },
    { .name = "since", .type = TL_P_TIME },
    { .name = "limit", .type = TL_P_UINT, .min = 1, .max = 1000 },
    { .name = "lang", .type = TL_P_LANG },
    { .name = "checksums", .type = TL_P_CKSUM },
    { .name = "fields", .type = TL_P_BOOL },
    { .name = "name", .type = TL_P_STR },
};
#define N_SPEC (sizeof spec / sizeof spec[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    (void)tl_path_check((const char *)data, size, &why);
    struct tl_query *q = malloc(sizeof *q);
    struct tl_param_val *vals = malloc(sizeof *vals * N_SPEC);
    if (!q || !vals) {
        free(q);
        free(vals);
        return 0;
    }
    if (tl_query_parse((const char *)data, size, q) == TL_Q_OK) {
        assert(q->n <= TL_QUERY_MAX_PARAMS);
        struct tl_param_err err;
        if (tl_params_bind(q, spec, N_SPEC, vals, &err)) {
            assert(!vals[1].set || vals[1].u <= 65535);
            assert(!vals[6].set || (vals[6].u >= 1 && vals[6].u <= 1000));
            assert(!vals[4].set || vals[4].u >= 1);
            assert(!vals[2].set || (vals[2].n >= 1 && vals[2].n <= TL_LIST_MAX));
            for (unsigned i = 0; vals[2].set && i < vals[2].n; i++) {
                assert(vals[2].items[i] != NULL);
            }
        } else {
            assert(err.name != NULL && err.message[0]);
        }
    }
    tl_query_free(q);
    free(q);
    free(vals);
    return 0;
}
