/*
 * json_writer.c - streaming JSON text: commas, nesting and RFC 8259 string escaping.
 */
#include <string.h>

#include "json_writer.h"

void tl_jw_init(struct tl_jw *w, struct tl_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->need_comma[0] = false;
    w->after_key = false;
}

/* Before any value or key: the comma that separates it from the previous one. */
static void sep(struct tl_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth]) {
        tl_buf_putc(w->b, ',');
    }
    w->need_comma[w->depth] = true;
}

static void open(struct tl_jw *w, char c)
{
    sep(w);
    tl_buf_putc(w->b, c);
    if (w->depth + 1 < TL_JW_MAX_DEPTH) {
        w->depth++;
    } else {
        w->b->overflow = true;
    }
    w->need_comma[w->depth] = false;
}

static void close_(struct tl_jw *w, char c)
{
    tl_buf_putc(w->b, c);
    if (w->depth > 0) {
        w->depth--;
    }
}

void tl_jw_obj(struct tl_jw *w)
{
    open(w, '{');
}

void tl_jw_obj_end(struct tl_jw *w)
{
    close_(w, '}');
}

void tl_jw_arr(struct tl_jw *w)
{
    open(w, '[');
}

void tl_jw_arr_end(struct tl_jw *w)
{
    close_(w, ']');
}

static void put_string(struct tl_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    tl_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        tl_buf_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                tl_buf_put(b, "\\\"", 2);
                break;
            case '\\':
                tl_buf_put(b, "\\\\", 2);
                break;
            case '\n':
                tl_buf_put(b, "\\n", 2);
                break;
            case '\t':
                tl_buf_put(b, "\\t", 2);
                break;
            case '\r':
                tl_buf_put(b, "\\r", 2);
                break;
            default: {
                char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };
                tl_buf_put(b, u, 6);
                break;
            }
        }
    }
    tl_buf_put(b, s + run, n - run);
    tl_buf_putc(b, '"');
}

void tl_jw_key(struct tl_jw *w, const char *key)
{
    size_t n = strlen(key);
    sep(w);
    tl_buf_putc(w->b, '"');
    tl_buf_put(w->b, key, n);
    tl_buf_put(w->b, "\":", 2);
    w->after_key = true;
}

void tl_jw_strn(struct tl_jw *w, const char *s, size_t n)
{
    sep(w);
    put_string(w->b, s, n);
}

void tl_jw_str(struct tl_jw *w, const char *s)
{
    if (!s) {
        tl_jw_null(w);
        return;
    }
    tl_jw_strn(w, s, strlen(s));
}

void tl_jw_int(struct tl_jw *w, int64_t v)
{
    sep(w);
    tl_buf_i64(w->b, v);
}

void tl_jw_uint(struct tl_jw *w, uint64_t v)
{
    sep(w);
    tl_buf_u64(w->b, v);
}

void tl_jw_bool(struct tl_jw *w, bool v)
{
    sep(w);
    if (v) {
        tl_buf_put(w->b, "true", 4);
    } else {
        tl_buf_put(w->b, "false", 5);
    }
}

void tl_jw_null(struct tl_jw *w)
{
    sep(w);
    tl_buf_put(w->b, "null", 4);
}

void tl_jw_hex16(struct tl_jw *w, uint16_t v)
{
    sep(w);
    tl_buf_put(w->b, "\"0x", 3);
    tl_buf_hex(w->b, v, 4);
    tl_buf_putc(w->b, '"');
}

void tl_jw_raw(struct tl_jw *w, const char *json, size_t n)
{
    sep(w);
    tl_buf_put(w->b, json, n);
}

void tl_jw_kstr(struct tl_jw *w, const char *key, const char *s)
{
    tl_jw_key(w, key);
    tl_jw_str(w, s);
}

void tl_jw_kint(struct tl_jw *w, const char *key, int64_t v)
{
    tl_jw_key(w, key);
    tl_jw_int(w, v);
}

void tl_jw_kuint(struct tl_jw *w, const char *key, uint64_t v)
{
    tl_jw_key(w, key);
    tl_jw_uint(w, v);
}

void tl_jw_kbool(struct tl_jw *w, const char *key, bool v)
{
    tl_jw_key(w, key);
    tl_jw_bool(w, v);
}

void tl_jw_knull(struct tl_jw *w, const char *key)
{
    tl_jw_key(w, key);
    tl_jw_null(w);
}
