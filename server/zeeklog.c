/*
 * zeeklog.c - GET /api/v1/flows.log (see zeeklog.h): stored flows replayed and written as
 * Zeek conn.log rows, a chunk of flows at a time.
 */
#include "zeeklog.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define CHUNK_FLOWS     128                /* flows fetched and written per refill */
#define ZEEKLOG_BUF_MAX ((size_t)64 << 20) /* one refill's text, far above CHUNK_FLOWS rows */

struct tl_zeeklog {
    struct tl_store *store;
    struct tl_flow_filter flt;
    char *lists[3]; /* the filter's handshake, teardown and conn_state lists, copied */
    bool paged;
    enum tl_zeek_format fmt;
    struct tl_replay *rp;
    struct tl_buf rows; /* one refill's rows */
    struct tl_buf out;  /* what the response sends next, from `off` */
    size_t off;
    uint64_t last_id;     /* the last flow written: the keyset cursor */
    uint64_t next_cursor; /* paged: where the next page starts, 0 when none */
    bool header_done, done, failed;
    bool open_set;
    int64_t open_sec, close_sec;
};

struct chunk {
    struct tl_zeeklog *zl;
    struct tl_db *db;
    unsigned want, n;
    bool more;
    enum tl_db_rc rc;
};

static bool chunk_cb(void *arg, const struct tl_flow_ref *ref)
{
    struct chunk *c = arg;
    struct tl_zeeklog *zl = c->zl;
    if (c->n == c->want) {
        c->more = true;
        return false;
    }
    int64_t first = 0, last = 0;
    enum tl_db_rc rc = tl_replay_flow_zeek(zl->rp, c->db, ref, zl->fmt, &zl->rows, &first, &last);
    if (rc != TL_DB_OK && rc != TL_DB_NOT_FOUND) { /* deleted meanwhile: skipped */
        c->rc = rc;
        return false;
    }
    if (rc == TL_DB_OK) {
        if (!zl->open_set) { /* the log opens at its first row's time */
            zl->open_set = true;
            zl->open_sec = zl->close_sec = first;
        }
        zl->close_sec = last > zl->close_sec ? last : zl->close_sec;
    }
    c->n++;
    zl->last_id = ref->id;
    return true;
}

/* The next rows into zl->out (after the header the first time, then the footer at the end). */
static enum tl_db_rc fill(struct tl_zeeklog *zl)
{
    struct tl_db *db = tl_store_db(zl->store);
    if (!db) {
        return TL_DB_ERROR;
    }
    tl_buf_reset(&zl->out);
    tl_buf_reset(&zl->rows);
    zl->off = 0;
    struct chunk c = { .zl = zl, .db = db, .rc = TL_DB_OK };
    struct tl_flow_filter f = zl->flt;
    f.after_id = zl->last_id;
    c.want = zl->paged ? zl->flt.limit : CHUNK_FLOWS;
    f.limit = c.want + 1; /* one more tells whether more exist */
    enum tl_db_rc rc = tl_db_flows_query(db, &f, chunk_cb, &c);
    if (rc == TL_DB_OK) {
        rc = c.rc;
    }
    if (rc != TL_DB_OK) {
        return rc;
    }
    if (zl->paged) {
        zl->next_cursor = c.more ? zl->last_id : 0;
        zl->done = true;
    } else {
        zl->done = !c.more;
    }
    if (!zl->header_done) {
        tl_zeek_header(&zl->out, zl->fmt, zl->open_sec);
        zl->header_done = true;
    }
    tl_buf_put(&zl->out, zl->rows.data ? zl->rows.data : "", zl->rows.len);
    if (zl->done) {
        tl_zeek_footer(&zl->out, zl->fmt, zl->close_sec);
    }
    return zl->out.overflow || zl->rows.overflow ? TL_DB_ERROR : TL_DB_OK;
}

void tl_zeeklog_free(struct tl_zeeklog *zl)
{
    if (!zl) {
        return;
    }
    for (int i = 0; i < 3; i++) {
        free(zl->lists[i]);
    }
    tl_replay_free(zl->rp);
    tl_buf_cleanup(&zl->rows);
    tl_buf_cleanup(&zl->out);
    free(zl);
}

static bool copy_list(char **dst, const char **field)
{
    if (!*field) {
        return true;
    }
    *dst = strdup(*field);
    *field = *dst;
    return *dst != NULL;
}

enum tl_db_rc tl_zeeklog_start(struct tl_store *store, const struct tl_flow_filter *flt, bool paged,
                               enum tl_zeek_format fmt, struct tl_zeeklog **out)
{
    assert(store && flt && out);
    *out = NULL;
    struct tl_zeeklog *zl = calloc(1, sizeof *zl);
    if (!zl) {
        return TL_DB_ERROR;
    }
    zl->store = store;
    zl->flt = *flt;
    zl->paged = paged;
    zl->fmt = fmt;
    zl->last_id = flt->after_id;
    tl_buf_init(&zl->rows, ZEEKLOG_BUF_MAX);
    tl_buf_init(&zl->out, ZEEKLOG_BUF_MAX);
    zl->rp = tl_replay_new();
    if (!zl->rp || !copy_list(&zl->lists[0], &zl->flt.handshake) ||
        !copy_list(&zl->lists[1], &zl->flt.teardown) ||
        !copy_list(&zl->lists[2], &zl->flt.conn_state)) {
        tl_zeeklog_free(zl);
        return TL_DB_ERROR;
    }
    enum tl_db_rc rc = fill(zl);
    if (rc != TL_DB_OK) {
        tl_zeeklog_free(zl);
        return rc;
    }
    *out = zl;
    return TL_DB_OK;
}

uint64_t tl_zeeklog_next_cursor(const struct tl_zeeklog *zl)
{
    return zl->next_cursor;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct tl_zeeklog *zl = cls;
    (void)pos;
    while (zl->off >= zl->out.len) {
        if (zl->failed) {
            return MHD_CONTENT_READER_END_WITH_ERROR; /* the client sees a cut answer */
        }
        if (zl->done) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        zl->failed = fill(zl) != TL_DB_OK;
    }
    size_t n = zl->out.len - zl->off;
    n = n < max ? n : max;
    memcpy(buf, zl->out.data + zl->off, n);
    zl->off += n;
    return (ssize_t)n;
}

static void reader_free(void *cls)
{
    tl_zeeklog_free(cls);
}

struct MHD_Response *tl_zeeklog_response(struct tl_zeeklog *zl)
{
    assert(zl);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, reader, zl, reader_free);
    if (!r) {
        tl_zeeklog_free(zl);
    }
    return r;
}

const char *tl_zeeklog_content_type(enum tl_zeek_format fmt)
{
    return fmt == TL_ZEEK_JSON ? "application/x-ndjson" : "text/plain; charset=utf-8";
}
