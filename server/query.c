/*
 * query.c - query strings and parameter schemas (see query.h).
 */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "flow.h"
#include "params.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decode s[0..n) into out (NUL-terminated); false on %00. A '%' without two hex digits is kept
 * as it is (as browsers send it). */
static bool decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
            if (c == '\0') {
                return false;
            }
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return true;
}

enum tl_query_rc tl_query_parse(const char *raw, size_t len, struct tl_query *q)
{
    q->n = 0;
    q->buf = NULL;
    if (!raw || !len) {
        return TL_Q_OK;
    }
    q->buf = malloc(2 * len + 2); /* "a&b": each key gets two NULs */
    if (!q->buf) {
        return TL_Q_NOMEM;
    }
    char *out = q->buf;
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(raw + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - raw) : len;
        if (end > i) {
            const char *eq = memchr(raw + i, '=', end - i);
            size_t klen = eq ? (size_t)(eq - (raw + i)) : end - i;
            if (q->n == TL_QUERY_MAX_PARAMS) {
                return TL_Q_TOO_MANY;
            }
            /* key and value decoded one after the other; decoding never lengthens */
            char *k = out;
            if (!decode(raw + i, klen, k)) {
                return TL_Q_NUL;
            }
            out = k + strlen(k) + 1;
            char *v = out;
            if (eq) {
                size_t vlen = end - i - klen - 1;
                if (!decode(eq + 1, vlen, v)) {
                    return TL_Q_NUL;
                }
                out = v + strlen(v) + 1;
            } else {
                *v = '\0';
                out = v + 1;
            }
            q->kv[q->n].key = k;
            q->kv[q->n].value = v;
            q->n++;
        }
        i = end + 1;
    }
    return TL_Q_OK;
}

void tl_query_free(struct tl_query *q)
{
    free(q->buf);
    q->buf = NULL;
    q->n = 0;
}

static void list_of(char *out, size_t size, const char *const *values)
{
    size_t k = 0;
    out[0] = '\0';
    for (const char *const *w = values; *w && k < size; w++) {
        k += (size_t)snprintf(out + k, size - k, "%s%s", w == values ? "" : ", ", *w);
    }
}

/* One value of spec into v (a list item when the spec is a list). */
static bool bind_one(const struct tl_param_spec *sp, const char *s, struct tl_param_val *v)
{
    uint64_t u;
    switch (sp->type) {
        case TL_P_UINT:
            if (!tl_param_uint(s, sp->min, sp->max, &u)) {
                return false;
            }
            v->u = u;
            return true;
        case TL_P_ID:
            if (!tl_param_uint(s, 1, INT64_MAX, &u)) {
                return false;
            }
            v->u = u;
            return true;
        case TL_P_PORT:
            if (!tl_param_uint(s, 0, 65535, &u)) {
                return false;
            }
            v->u = u;
            return true;
        case TL_P_CIDR:
            return tl_param_cidr(s, &v->range);
        case TL_P_TIME:
            return tl_param_time(s, &v->t);
        case TL_P_ENUM:
            for (int k = 0; sp->values[k]; k++) {
                if (strcmp(s, sp->values[k]) == 0) {
                    v->i = k;
                    return true;
                }
            }
            return false;
        case TL_P_LANG:
            v->i = tl_lang_parse(s);
            return v->i >= 0;
        case TL_P_CKSUM:
            v->i = tl_cksum_mode_parse(s);
            return v->i >= 0;
        case TL_P_BOOL:
            if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
                v->u = 1;
                return true;
            }
            if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
                v->u = 0;
                return true;
            }
            return false;
        case TL_P_STR:
            return true;
    }
    return false;
}

static void bad_message(const struct tl_param_spec *sp, char *out, size_t size)
{
    char vals[400];
    switch (sp->type) {
        case TL_P_UINT:
            snprintf(out, size, "%s: must be an integer from %llu to %llu", sp->name,
                     (unsigned long long)sp->min, (unsigned long long)sp->max);
            return;
        case TL_P_ENUM:
            list_of(vals, sizeof vals, sp->values);
            snprintf(out, size, "%s: one of %s%s", sp->name, vals,
                     sp->list ? " (several: a,b)" : "");
            return;
        default:
            break;
    }
    static const char *const what[] = {
        [TL_P_ID] = "must be a positive integer id",
        [TL_P_PORT] = "must be an integer from 0 to 65535",
        [TL_P_CIDR] = "not an IPv4 or IPv6 address or CIDR prefix",
        [TL_P_TIME] = "must be an RFC 3339 time, e.g. 2024-05-01T12:00:00Z",
        [TL_P_LANG] = "must be en or zh",
        [TL_P_CKSUM] = "must be auto, verify or ignore",
        [TL_P_BOOL] = "must be true or false",
        [TL_P_STR] = "bad value",
    };
    snprintf(out, size, "%s: %s", sp->name, sp->hint ? sp->hint : what[sp->type]);
}

bool tl_params_bind(const struct tl_query *q, const struct tl_param_spec *spec, unsigned n,
                    struct tl_param_val *vals, struct tl_param_err *err)
{
    memset(vals, 0, sizeof *vals * n);
    for (unsigned i = 0; i < q->n; i++) {
        const char *key = q->kv[i].key, *value = q->kv[i].value;
        unsigned k = 0;
        while (k < n && strcmp(spec[k].name, key) != 0) {
            k++;
        }
        if (k == n) {
            char names[400];
            size_t len = 0;
            names[0] = '\0';
            for (unsigned j = 0; j < n && len < sizeof names; j++) {
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", j ? ", " : "",
                                        spec[j].name);
            }
            err->kind = TL_PE_UNKNOWN;
            err->name = key;
            snprintf(err->message, sizeof err->message, "unknown parameter \"%.64s\"; %s%s", key,
                     n ? "this endpoint takes: " : "this endpoint takes no parameters", names);
            return false;
        }
        const struct tl_param_spec *sp = &spec[k];
        struct tl_param_val *v = &vals[k];
        err->name = sp->name;
        if (v->set) {
            err->kind = TL_PE_REPEATED;
            snprintf(err->message, sizeof err->message, "%s is given more than once%s", sp->name,
                     sp->list ? "; give several values as one list: a,b" : "");
            return false;
        }
        v->set = true;
        v->raw = value;
        if (sp->list) {
            /* "a,b": each item checked; items point into a copy kept in the query buffer */
            const char *p = value;
            while (true) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                char item[128];
                if (v->n == TL_LIST_MAX) {
                    err->kind = TL_PE_BAD;
                    snprintf(err->message, sizeof err->message, "%s: at most %d values in one list",
                             sp->name, TL_LIST_MAX);
                    return false;
                }
                if (len == 0 || len >= sizeof item) {
                    err->kind = TL_PE_BAD;
                    bad_message(sp, err->message, sizeof err->message);
                    return false;
                }
                memcpy(item, p, len);
                item[len] = '\0';
                if (!bind_one(sp, item, v)) {
                    err->kind = TL_PE_BAD;
                    bad_message(sp, err->message, sizeof err->message);
                    return false;
                }
                v->uitems[v->n] = v->u;
                v->items[v->n++] = sp->type == TL_P_ENUM ? sp->values[v->i] : NULL;
                if (!comma) {
                    break;
                }
                p = comma + 1;
            }
        } else if (!bind_one(sp, value, v)) {
            err->kind = TL_PE_BAD;
            bad_message(sp, err->message, sizeof err->message);
            return false;
        }
    }
    return true;
}

bool tl_path_check(const char *p, size_t len, const char **why)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\0') {
            *why = "the path contains a NUL byte";
            return false;
        }
        if (p[i] != '%') {
            continue;
        }
        if (i + 2 >= len) {
            *why = "the path has a '%' without two hex digits";
            return false;
        }
        int hi = hexval(p[i + 1]), lo = hi >= 0 ? hexval(p[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            *why = "the path has a '%' without two hex digits";
            return false;
        }
        int c = hi * 16 + lo;
        if (c == 0) {
            *why = "the path contains %00";
            return false;
        }
        if (c == '/' || c == '\\') {
            *why = "the path contains an encoded '/' or '\\' (%2F, %5C) inside a segment";
            return false;
        }
    }
    return true;
}
