/*
 * json_writer.h - a streaming JSON writer into a struct tl_buf.
 *
 * The capture document can hold millions of packets and flows; building them as Jansson
 * trees costs an allocation per value (about 12 us per flow), so the renderers write JSON
 * text directly, one element at a time. Commas and nesting are tracked here; strings are
 * escaped per RFC 8259. The writer never fails: errors surface as the buffer's overflow flag.
 */
#ifndef TL_JSON_WRITER_H
#define TL_JSON_WRITER_H

#include "buf.h"

#define TL_JW_MAX_DEPTH 32

struct tl_jw {
    struct tl_buf *b;
    unsigned depth;
    bool need_comma[TL_JW_MAX_DEPTH];
    bool after_key;
};

void tl_jw_init(struct tl_jw *w, struct tl_buf *b);
void tl_jw_obj(struct tl_jw *w);     /* { */
void tl_jw_obj_end(struct tl_jw *w); /* } */
void tl_jw_arr(struct tl_jw *w);     /* [ */
void tl_jw_arr_end(struct tl_jw *w); /* ] */
/* A key: the program's own names (plain ASCII, nothing to escape), never input data. */
void tl_jw_key(struct tl_jw *w, const char *key);
void tl_jw_str(struct tl_jw *w, const char *s);
void tl_jw_strn(struct tl_jw *w, const char *s, size_t n);
void tl_jw_int(struct tl_jw *w, int64_t v);
void tl_jw_uint(struct tl_jw *w, uint64_t v);
void tl_jw_bool(struct tl_jw *w, bool v);
void tl_jw_null(struct tl_jw *w);
void tl_jw_hex16(struct tl_jw *w, uint16_t v);               /* "0x1234" */
void tl_jw_raw(struct tl_jw *w, const char *json, size_t n); /* an already encoded value */

/* key + value in one call */
void tl_jw_kstr(struct tl_jw *w, const char *key, const char *s);
void tl_jw_kint(struct tl_jw *w, const char *key, int64_t v);
void tl_jw_kuint(struct tl_jw *w, const char *key, uint64_t v);
void tl_jw_kbool(struct tl_jw *w, const char *key, bool v);
void tl_jw_knull(struct tl_jw *w, const char *key);

#endif
