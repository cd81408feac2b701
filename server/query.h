/*
 * query.h - a request's query string parsed by us (not by libmicrohttpd, which would keep
 * each parameter in the connection's memory pool) and bound to a route's parameter schema:
 * every parameter declared with its type and range; an unknown one, a repeated single-valued
 * one or a bad value is an error naming it. List parameters take `a,b` (OR within).
 */
#ifndef TL_QUERY_H
#define TL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define TL_QUERY_MAX_PARAMS 1000 /* more is a 414 */
#define TL_LIST_MAX         16   /* values of one list parameter */

enum tl_ptype {
    TL_P_UINT,  /* integer in [min, max] */
    TL_P_ID,    /* a positive id (capture, cursor) */
    TL_P_PORT,  /* 0..65535 */
    TL_P_CIDR,  /* address or prefix */
    TL_P_TIME,  /* RFC 3339 */
    TL_P_ENUM,  /* one of `values` */
    TL_P_LANG,  /* en | zh */
    TL_P_CKSUM, /* auto | verify | ignore */
    TL_P_BOOL,  /* true | false | 1 | 0 */
    TL_P_STR,   /* any text */
};

struct tl_param_spec {
    const char *name;
    enum tl_ptype type;
    uint64_t min, max;         /* TL_P_UINT */
    const char *const *values; /* TL_P_ENUM, NULL-terminated */
    bool list;                 /* takes a,b */
    const char *hint;          /* what a good value looks like, for messages */
};

struct tl_param_val {
    bool set;
    const char *raw; /* decoded text (into the query's buffer) */
    uint64_t u;      /* UINT, ID, PORT, BOOL */
    int i;           /* ENUM index, LANG, CKSUM */
    int64_t t;       /* TIME in ns */
    struct tl_addr_range range;
    unsigned n; /* list: how many */
    const char *items[TL_LIST_MAX];
    uint64_t uitems[TL_LIST_MAX]; /* list of UINT/PORT: each value */
};

struct tl_query {
    char *buf; /* decoded keys and values, NUL-separated */
    unsigned n;
    struct {
        const char *key, *value;
    } kv[TL_QUERY_MAX_PARAMS];
};

enum tl_query_rc {
    TL_Q_OK = 0,
    TL_Q_NUL,      /* %00 in a key or value */
    TL_Q_TOO_MANY, /* more than TL_QUERY_MAX_PARAMS */
    TL_Q_NOMEM,
};

/* Parse `raw` (after the '?', may be NULL or empty): '&'-separated key[=value], %XX and '+'
 * decoded. Empty pieces ("a&&b") are skipped. Free with tl_query_free. */
enum tl_query_rc tl_query_parse(const char *raw, size_t len, struct tl_query *q);
void tl_query_free(struct tl_query *q);

enum tl_param_err_kind {
    TL_PE_UNKNOWN = 1,
    TL_PE_REPEATED,
    TL_PE_BAD,
};
struct tl_param_err {
    enum tl_param_err_kind kind;
    const char *name; /* the parameter (points into the query or the spec) */
    char message[512];
};

/* Bind q to the schema spec[0..n): vals[i] for spec[i]. False with *err on the first problem. */
bool tl_params_bind(const struct tl_query *q, const struct tl_param_spec *spec, unsigned n,
                    struct tl_param_val *vals, struct tl_param_err *err);

/* Percent-decode a path segment in place; false for %00, an encoded '/', or a bad escape. */
bool tl_path_check(const char *raw_path, size_t len, const char **why);

#endif
