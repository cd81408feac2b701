/*
 * http.c - the HTTP API on libmicrohttpd: routing, uploads streamed to a private temporary
 * file, JSON answers written element by element, static files for the dashboard, and the
 * access log and metrics of every request.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "embed.h"
#include "explain.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "params.h"
#include "replay.h"
#include "server.h"

#define FLOWS_DEFAULT_LIMIT    100
#define FLOWS_MAX_LIMIT        1000
#define TIMELINE_DEFAULT_LIMIT 1000
#define TIMELINE_MAX_LIMIT     10000
#define MAX_EXAMPLES           64
#define JSON_TYPE              "application/json; charset=utf-8"
#define DRAIN_MAX              ((uint64_t)64 << 20) /* bytes read past --max-upload, then cut */

struct example {
    char name[64], file[96], klass[96], description[400];
    char klass_zh[160], description_zh[640]; /* from README.zh.md; empty: none */
    uint64_t size;
};

struct tl_server {
    struct tl_server_config cfg;
    struct tl_store *store;
    struct MHD_Daemon *d;
    char *tls_cert, *tls_key;
    atomic_int active;
    atomic_bool stopping;
    struct example examples[MAX_EXAMPLES];
    unsigned n_examples;
};

enum req_kind {
    REQ_PLAIN = 0,
    REQ_UPLOAD,
};

/* One request, from its first call to its completion. */
struct req {
    enum req_kind kind;
    struct timespec t0;
    const char *route;  /* a route pattern, for logs and metrics */
    const char *method; /* a constant string, for metrics */
    char path[512];
    unsigned status;
    uint64_t bytes_out, bytes_in;
    /* upload */
    int fd;
    char tmp[4096];
    bool too_large, write_failed, multipart, pp_failed, saw_file;
    uint64_t file_bytes;
    uint8_t cksum_mode; /* enum tl_cksum_mode the upload is classified under */
    struct MHD_PostProcessor *pp;
    char name[256];
    size_t name_len;
    char filename[256];
};

/* --- responses ------------------------------------------------------------------------- */

static void common_headers(struct tl_server *s, struct MHD_Response *r)
{
    if (s->cfg.cors_origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", s->cfg.cors_origin);
        MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "Access-Control-Expose-Headers", "Location");
    }
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result send_buf(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                unsigned status, const char *type, const char *data, size_t len,
                                const char *location)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    if (location) {
        MHD_add_response_header(r, "Location", location);
    }
    if (strncmp(type, "application/json", 16) == 0) {
        MHD_add_response_header(r, "Cache-Control", "no-store");
    }
    common_headers(s, r);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    if (ret == MHD_YES) {
        q->status = status;
        q->bytes_out = len;
    }
    return ret;
}

static enum MHD_Result send_json(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                 unsigned status, struct tl_buf *b, const char *location)
{
    if (b->overflow) {
        static const char msg[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"the answer is too large\"}}";
        return send_buf(s, c, q, 500, JSON_TYPE, msg, sizeof msg - 1, NULL);
    }
    return send_buf(s, c, q, status, JSON_TYPE, b->data ? b->data : "", b->len, location);
}

static enum MHD_Result send_error(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                  unsigned status, const char *code, const char *param,
                                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static enum MHD_Result send_error(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                  unsigned status, const char *code, const char *param,
                                  const char *fmt, ...)
{
    char msg[768], mem[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init_fixed(&b, mem, sizeof mem);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    tl_jw_key(&w, "error");
    tl_jw_obj(&w);
    tl_jw_kstr(&w, "code", code);
    tl_jw_kstr(&w, "message", msg);
    if (param) {
        tl_jw_kstr(&w, "parameter", param);
    }
    tl_jw_obj_end(&w);
    tl_jw_obj_end(&w);
    struct MHD_Response *r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", JSON_TYPE);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == 401) {
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"tcplens\"");
    }
    if (status == 503) {
        MHD_add_response_header(r, "Retry-After", "1");
    }
    common_headers(s, r);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    if (ret == MHD_YES) {
        q->status = status;
        q->bytes_out = b.len;
    }
    return ret;
}

static enum MHD_Result method_not_allowed(struct tl_server *s, struct MHD_Connection *c,
                                          struct req *q, const char *method, const char *allow)
{
    char mem[512];
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init_fixed(&b, mem, sizeof mem);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    tl_jw_key(&w, "error");
    tl_jw_obj(&w);
    tl_jw_kstr(&w, "code", "method_not_allowed");
    char msg[160];
    snprintf(msg, sizeof msg, "%s is not allowed here; allowed: %s", method, allow);
    tl_jw_kstr(&w, "message", msg);
    tl_jw_obj_end(&w);
    tl_jw_obj_end(&w);
    struct MHD_Response *r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", JSON_TYPE);
    MHD_add_response_header(r, "Allow", allow);
    common_headers(s, r);
    q->status = 405;
    q->bytes_out = b.len;
    enum MHD_Result ret = MHD_queue_response(c, 405, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_fd(struct tl_server *s, struct MHD_Connection *c, struct req *q, int fd,
                               uint64_t size, const char *type, const char *disposition)
{
    struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);
    if (!r) {
        close(fd);
        return send_error(s, c, q, 500, "internal", NULL, "cannot send the file");
    }
    MHD_add_response_header(r, "Content-Type", type);
    if (disposition) {
        MHD_add_response_header(r, "Content-Disposition", disposition);
    }
    common_headers(s, r);
    q->status = 200;
    q->bytes_out = size;
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result db_error(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                enum tl_db_rc rc, const char *what)
{
    if (rc == TL_DB_NOT_FOUND) {
        return send_error(s, c, q, 404, "not_found", NULL, "no such %s", what);
    }
    if (rc == TL_DB_BUSY) {
        return send_error(s, c, q, 503, "overloaded", NULL, "the database is busy; try again");
    }
    return send_error(s, c, q, 500, "internal", NULL, "the database failed");
}

/* --- small helpers ---------------------------------------------------------------------- */

static const char *arg(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

static int request_lang(struct MHD_Connection *c, bool *bad)
{
    const char *l = arg(c, "lang");
    *bad = false;
    if (l) {
        int v = tl_lang_parse(l);
        *bad = v < 0;
        return v < 0 ? TL_LANG_EN : v;
    }
    int v = tl_accept_language(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
    return v < 0 ? TL_LANG_EN : v;
}

/* `checksums=auto|verify|ignore` into *mode (unchanged when absent); false when invalid. */
static bool request_cksum_mode(struct MHD_Connection *c, uint8_t *mode)
{
    const char *v = arg(c, "checksums");
    if (!v) {
        return true;
    }
    int m = tl_cksum_mode_parse(v);
    if (m < 0) {
        return false;
    }
    *mode = (uint8_t)m;
    return true;
}

#define CKSUM_MODE_ERROR "checksums: must be auto, verify or ignore"

static bool authorized(struct tl_server *s, struct MHD_Connection *c)
{
    if (!s->cfg.api_key) {
        return true;
    }
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0) {
        return false;
    }
    const char *k = h + 7, *want = s->cfg.api_key;
    size_t n = strlen(k), m = strlen(want);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < m; i++) { /* the same time whatever the first wrong byte */
        diff |= (unsigned)(want[i] ^ (i < n ? k[i] : 0));
    }
    return diff == 0;
}

/* "/api/v1/flows/12/pcap" -> segments after the prefix; returns how many. */
static unsigned split_path(const char *path, char seg[][256], unsigned max)
{
    unsigned n = 0;
    const char *p = path;
    while (*p == '/') {
        p++;
    }
    while (*p && n < max) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= 256) {
            len = 255;
        }
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        if (!e) {
            return n;
        }
        p = e + 1;
        if (!*p) { /* a trailing slash: an empty last segment */
            if (n < max) {
                seg[n++][0] = '\0';
            }
            return n;
        }
    }
    return *p ? max + 1 : n;
}

static bool parse_id(const char *s, uint64_t *id)
{
    return tl_param_uint(s, 1, INT64_MAX, id);
}

/* --- examples --------------------------------------------------------------------------- */

/* Read examples/README.md's table: | `file` | class | what it shows | ... */
static void examples_read(struct tl_server *s, const char *readme, bool zh)
{
    char path[4096], line[2048];
    if (!s->cfg.examples_dir) {
        return;
    }
    snprintf(path, sizeof path, "%s/%s", s->cfg.examples_dir, readme);
    FILE *f = fopen(path, "r");
    if (!f) {
        return;
    }
    while (fgets(line, sizeof line, f) && s->n_examples < MAX_EXAMPLES) {
        char *cells[4];
        unsigned n = 0;
        if (strncmp(line, "| `", 3) != 0) {
            continue;
        }
        char *p = line + 1;
        while (n < 4 && p) {
            char *e = strchr(p, '|');
            if (!e) {
                break;
            }
            *e = '\0';
            while (*p == ' ') {
                p++;
            }
            char *end = e;
            while (end > p && end[-1] == ' ') {
                *--end = '\0';
            }
            cells[n++] = p;
            p = e + 1;
        }
        if (n < 3) {
            continue;
        }
        struct example *x = &s->examples[s->n_examples];
        char *file = cells[0];
        size_t fl = strlen(file);
        if (fl < 3 || file[0] != '`' || file[fl - 1] != '`') {
            continue;
        }
        file[fl - 1] = '\0';
        file++;
        if (strchr(file, '/') || strlen(file) >= sizeof x->file) {
            continue;
        }
        if (zh) { /* the Chinese words of an example README.md listed */
            for (unsigned i = 0; i < s->n_examples; i++) {
                struct example *e = &s->examples[i];
                if (strcmp(e->file, file) == 0) {
                    snprintf(e->klass_zh, sizeof e->klass_zh, "%s", cells[1]);
                    snprintf(e->description_zh, sizeof e->description_zh, "%s", cells[2]);
                }
            }
            continue;
        }
        snprintf(x->file, sizeof x->file, "%s", file);
        snprintf(x->name, sizeof x->name, "%s", file);
        char *dot = strrchr(x->name, '.');
        if (dot) {
            *dot = '\0';
        }
        snprintf(x->klass, sizeof x->klass, "%s", cells[1]);
        snprintf(x->description, sizeof x->description, "%s", cells[2]);
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", s->cfg.examples_dir, x->file);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        x->size = (uint64_t)st.st_size;
        s->n_examples++;
    }
    fclose(f);
}

/* examples/README.md's table, then the Chinese class and description from README.zh.md's. */
static void examples_load(struct tl_server *s)
{
    examples_read(s, "README.md", false);
    examples_read(s, "README.zh.md", true);
}

/* --- uploads ---------------------------------------------------------------------------- */

static bool tmp_open(struct tl_server *s, struct req *q)
{
    snprintf(q->tmp, sizeof q->tmp, "%s/upload-XXXXXX", s->cfg.data_dir);
    q->fd = mkstemp(q->tmp); /* mode 0600: private to the server's user */
    if (q->fd < 0) {
        q->tmp[0] = '\0';
        return false;
    }
    return true;
}

static void tmp_discard(struct req *q)
{
    if (q->fd >= 0) {
        close(q->fd);
        q->fd = -1;
    }
    if (q->tmp[0]) {
        unlink(q->tmp);
        q->tmp[0] = '\0';
    }
}

static bool write_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += w;
        n -= (size_t)w;
    }
    return true;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    struct req *q = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    if (!key) {
        return MHD_YES;
    }
    if (strcmp(key, "file") == 0) {
        if (!q->saw_file && filename) {
            snprintf(q->filename, sizeof q->filename, "%s", filename);
        }
        q->saw_file = true;
        if (size && !write_all(q->fd, data, size)) {
            q->write_failed = true;
            return MHD_NO;
        }
        q->file_bytes += size;
    } else if (strcmp(key, "name") == 0) {
        size_t room = sizeof q->name - 1 - q->name_len;
        size_t n = size < room ? size : room;
        memcpy(q->name + q->name_len, data, n);
        q->name_len += n;
        q->name[q->name_len] = '\0';
    }
    return MHD_YES;
}

/* Names are shown back to users: control characters become '?'. */
static void clean_name(char *n, const char *fallback)
{
    if (!n[0]) {
        snprintf(n, 256, "%s", fallback);
    }
    for (char *p = n; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
}

struct page_ctx {
    struct tl_server *s;
    struct tl_db *db;
    struct tl_replay *rp;
    struct tl_jw *w;
    enum tl_lang lang;
    unsigned limit, n;
    uint64_t last_id;
    bool more;
    enum tl_db_rc rc;
};

static bool page_flow_cb(void *arg, const struct tl_flow_ref *ref)
{
    struct page_ctx *p = arg;
    if (p->n == p->limit) {
        p->more = true;
        return false;
    }
    enum tl_db_rc rc = tl_replay_flow_json(p->rp, p->db, ref, p->lang, ref->nsec, p->w);
    if (rc != TL_DB_OK && rc != TL_DB_NOT_FOUND) {
        p->rc = rc;
        return false;
    }
    p->n++;
    p->last_id = ref->id;
    return true;
}

/* "flows": [...], "next_cursor": ... for a filter (limit+1 rows tell whether more exist). */
static enum tl_db_rc write_flow_page(struct tl_db *db, struct tl_flow_filter *flt,
                                     enum tl_lang lang, struct tl_jw *w)
{
    struct page_ctx p = { .db = db, .w = w, .lang = lang, .limit = flt->limit };
    p.rp = tl_replay_new();
    if (!p.rp) {
        return TL_DB_ERROR;
    }
    flt->limit++;
    tl_jw_key(w, "flows");
    tl_jw_arr(w);
    enum tl_db_rc rc = tl_db_flows_query(db, flt, page_flow_cb, &p);
    tl_jw_arr_end(w);
    flt->limit--;
    tl_replay_free(p.rp);
    if (rc == TL_DB_OK) {
        rc = p.rc;
    }
    if (p.more) {
        char cur[32];
        snprintf(cur, sizeof cur, "%" PRIu64, p.last_id);
        tl_jw_kstr(w, "next_cursor", cur);
    } else {
        tl_jw_knull(w, "next_cursor");
    }
    return rc;
}

/* {"capture": ..., "flows": [first `limit` flows], "next_cursor": ...} */
static enum MHD_Result send_capture(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                    uint64_t id, unsigned status, enum tl_lang lang, unsigned limit)
{
    struct tl_db *db = tl_store_db(s->store);
    if (!db) {
        return send_error(s, c, q, 503, "overloaded", NULL, "the database is unavailable");
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)256 << 20);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    tl_jw_key(&w, "capture");
    enum tl_db_rc rc = tl_db_capture_get(db, id, &b, NULL);
    if (rc == TL_DB_OK) {
        w.need_comma[w.depth] = true;
        w.after_key = false;
        struct tl_flow_filter flt = {
            .port = -1,
            .client_port = -1,
            .server_port = -1,
            .capture = id,
            .limit = limit,
        };
        rc = write_flow_page(db, &flt, lang, &w);
    }
    tl_jw_obj_end(&w);
    enum MHD_Result ret;
    if (rc != TL_DB_OK) {
        ret = db_error(s, c, q, rc, "capture");
    } else {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/captures/%" PRIu64, id);
        ret = send_json(s, c, q, status, &b, status == 201 ? loc : NULL);
    }
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result finish_ingest(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                     const char *path, const char *name, uint64_t size,
                                     enum tl_lang lang)
{
    struct tl_ingest_opts io = { .max_flows = s->cfg.max_flows,
                                 .cksum_mode = (enum tl_cksum_mode)q->cksum_mode };
    struct tl_ingest_result res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tl_ingest(s->store, &io, path, name, size, &res);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    tl_metrics_upload(size, res.packets, res.flows, res.status == TL_INGEST_OK);
    switch (res.status) {
        case TL_INGEST_OK:
            tl_log("stored capture %" PRIu64 " \"%s\": %" PRIu64 " packets, %" PRIu64
                   " flows, decoded and stored in %.3f s",
                   res.capture_id, name, res.packets, res.flows, secs);
            return send_capture(s, c, q, res.capture_id, 201, lang, FLOWS_DEFAULT_LIMIT);
        case TL_INGEST_NOT_CAPTURE:
            return send_error(s, c, q, 415, "not_a_capture", NULL,
                              "not a pcap or pcapng capture: %s", res.message);
        case TL_INGEST_UNREADABLE:
            return send_error(s, c, q, 422, "unreadable_capture", NULL,
                              "the capture cannot be read: %s", res.message);
        case TL_INGEST_BUSY:
            return send_error(s, c, q, 503, "overloaded", NULL, "%s", res.message);
        default:
            return send_error(s, c, q, 500, "internal", NULL, "%s", res.message);
    }
}

/* The first call of an upload: checks that need no body, then the temporary file. */
static enum MHD_Result upload_start(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                    const char *put_name)
{
    if (!authorized(s, c)) {
        return send_error(s, c, q, 401, "unauthorized", NULL,
                          "this server needs Authorization: Bearer <api key> to change data");
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    uint64_t len;
    if (cl && tl_param_uint(cl, 0, UINT64_MAX, &len) && len > s->cfg.max_upload) {
        return send_error(s, c, q, 413, "too_large", NULL,
                          "the body has %" PRIu64 " bytes; this server takes at most %" PRIu64, len,
                          s->cfg.max_upload);
    }
    bool bad;
    request_lang(c, &bad);
    if (bad) {
        return send_error(s, c, q, 400, "bad_parameter", "lang", "lang: must be en or zh");
    }
    if (!request_cksum_mode(c, &q->cksum_mode)) {
        return send_error(s, c, q, 400, "bad_parameter", "checksums", CKSUM_MODE_ERROR);
    }
    if (!tmp_open(s, q)) {
        tl_log("upload: cannot create a temporary file in %s: %s", s->cfg.data_dir,
               strerror(errno));
        return send_error(s, c, q, 500, "internal", NULL, "cannot store the upload");
    }
    q->kind = REQ_UPLOAD;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!put_name && ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
        q->multipart = true;
        q->pp = MHD_create_post_processor(c, 64 * 1024, post_iter, q);
        if (!q->pp) {
            tmp_discard(q);
            return send_error(s, c, q, 400, "bad_request", NULL,
                              "multipart/form-data without a usable boundary");
        }
    }
    if (put_name) {
        snprintf(q->name, sizeof q->name, "%s", put_name);
    } else if (arg(c, "name")) {
        snprintf(q->name, sizeof q->name, "%s", arg(c, "name"));
    }
    q->name_len = strlen(q->name);
    return MHD_YES;
}

static enum MHD_Result upload_chunk(struct tl_server *s, struct req *q, const char *data,
                                    size_t *size)
{
    size_t n = *size;
    *size = 0;
    q->bytes_in += n;
    if (q->too_large) {
        /*
         * libmicrohttpd 0.9 answers only once the body has ended, so the rest is read and
         * dropped; a body that goes on far past the limit is cut off (connection closed).
         */
        return q->bytes_in - s->cfg.max_upload > DRAIN_MAX ? MHD_NO : MHD_YES;
    }
    if (q->pp_failed || q->write_failed) {
        return MHD_YES; /* discard the rest: the answer is already decided */
    }
    if (q->bytes_in > s->cfg.max_upload) {
        q->too_large = true;
        tmp_discard(q); /* the partial file goes at once */
        return MHD_YES;
    }
    if (q->multipart) {
        if (MHD_post_process(q->pp, data, n) != MHD_YES) {
            q->pp_failed = true;
        }
    } else if (!write_all(q->fd, data, n)) {
        q->write_failed = true;
    } else {
        q->file_bytes += n;
    }
    return MHD_YES;
}

static enum MHD_Result upload_end(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    if (q->status) { /* an early answer was queued */
        return MHD_YES;
    }
    if (q->too_large) {
        return send_error(s, c, q, 413, "too_large", NULL,
                          "the body is larger than this server takes (%" PRIu64 " bytes)",
                          s->cfg.max_upload);
    }
    if (q->multipart) {
        if (MHD_destroy_post_processor(q->pp) != MHD_YES) {
            q->pp_failed = true;
        }
        q->pp = NULL;
    }
    if (q->write_failed) {
        tmp_discard(q);
        return send_error(s, c, q, 500, "internal", NULL, "cannot store the upload");
    }
    if (q->pp_failed || (q->multipart && !q->saw_file)) {
        tmp_discard(q);
        return send_error(s, c, q, 400, "bad_request", NULL,
                          q->pp_failed ? "the multipart body is malformed"
                                       : "the multipart body has no part named \"file\"");
    }
    if (q->file_bytes == 0) {
        tmp_discard(q);
        return send_error(s, c, q, 400, "bad_request", NULL,
                          "the body is empty: send a pcap or pcapng file");
    }
    close(q->fd);
    q->fd = -1;
    clean_name(q->name, q->filename[0] ? q->filename : "upload");
    bool bad;
    enum tl_lang lang = (enum tl_lang)request_lang(c, &bad);
    enum MHD_Result ret = finish_ingest(s, c, q, q->tmp, q->name, q->file_bytes, lang);
    /* stored: the file was renamed; otherwise it goes now */
    unlink(q->tmp);
    q->tmp[0] = '\0';
    return ret;
}

/* --- handlers --------------------------------------------------------------------------- */

static enum MHD_Result h_health(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    struct tl_db *db = tl_store_db(s->store);
    bool ok = db && tl_db_ping(db) && !atomic_load(&s->stopping);
    const char *body = ok ? "{\"status\":\"ok\"}" : "{\"status\":\"unavailable\"}";
    return send_buf(s, c, q, ok ? 200 : 503, JSON_TYPE, body, strlen(body), NULL);
}

static enum MHD_Result h_metrics(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    struct tl_buf b;
    tl_buf_init(&b, (size_t)1 << 20);
    tl_metrics_render(&b);
    enum MHD_Result ret = send_buf(s, c, q, 200, "text/plain; version=0.0.4; charset=utf-8",
                                   b.data ? b.data : "", b.len, NULL);
    tl_buf_cleanup(&b);
    return ret;
}

static void capture_list_cb(void *arg, uint64_t id, const char *doc, size_t len)
{
    struct page_ctx *p = arg;
    if (p->n == p->limit) {
        p->more = true;
        return;
    }
    tl_jw_raw(p->w, doc, len);
    p->n++;
    p->last_id = id;
}

static enum MHD_Result h_captures_list(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    uint64_t limit = FLOWS_DEFAULT_LIMIT, before = 0;
    const char *v;
    if ((v = arg(c, "limit")) && !tl_param_uint(v, 1, FLOWS_MAX_LIMIT, &limit)) {
        return send_error(s, c, q, 400, "bad_parameter", "limit",
                          "limit: must be an integer from 1 to %d", FLOWS_MAX_LIMIT);
    }
    if ((v = arg(c, "cursor")) && !parse_id(v, &before)) {
        return send_error(s, c, q, 400, "bad_parameter", "cursor",
                          "cursor: not a cursor this server gave out");
    }
    struct tl_db *db = tl_store_db(s->store);
    if (!db) {
        return send_error(s, c, q, 503, "overloaded", NULL, "the database is unavailable");
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)256 << 20);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    tl_jw_key(&w, "captures");
    tl_jw_arr(&w);
    struct page_ctx p = { .w = &w, .limit = (unsigned)limit };
    enum tl_db_rc rc = tl_db_captures_list(db, before, (unsigned)limit + 1, capture_list_cb, &p);
    tl_jw_arr_end(&w);
    if (p.more) {
        char cur[32];
        snprintf(cur, sizeof cur, "%" PRIu64, p.last_id);
        tl_jw_kstr(&w, "next_cursor", cur);
    } else {
        tl_jw_knull(&w, "next_cursor");
    }
    tl_jw_obj_end(&w);
    enum MHD_Result ret =
        rc == TL_DB_OK ? send_json(s, c, q, 200, &b, NULL) : db_error(s, c, q, rc, "capture");
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result h_capture_delete(struct tl_server *s, struct MHD_Connection *c,
                                        struct req *q, uint64_t id)
{
    if (!authorized(s, c)) {
        return send_error(s, c, q, 401, "unauthorized", NULL,
                          "this server needs Authorization: Bearer <api key> to change data");
    }
    struct tl_db *db = tl_store_db(s->store);
    if (!db) {
        return send_error(s, c, q, 503, "overloaded", NULL, "the database is unavailable");
    }
    struct tl_capture_row row;
    enum tl_db_rc rc = tl_db_capture_delete(db, id, &row);
    if (rc != TL_DB_OK) {
        return db_error(s, c, q, rc, "capture");
    }
    char path[4096];
    if (row.file[0] && !strchr(row.file, '/') &&
        snprintf(path, sizeof path, "%s/%s", s->cfg.data_dir, row.file) < (int)sizeof path) {
        unlink(path);
    }
    tl_log("deleted capture %" PRIu64, id);
    return send_buf(s, c, q, 204, JSON_TYPE, "", 0, NULL);
}

static int open_capture_file(struct tl_server *s, const struct tl_capture_row *row, char *path,
                             size_t size)
{
    if (!row->file[0] || strchr(row->file, '/')) {
        return -1;
    }
    snprintf(path, size, "%s/%s", s->cfg.data_dir, row->file);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* Content-Disposition with the name reduced to safe characters. */
static void disposition(char *out, size_t size, const char *name, const char *suffix)
{
    char safe[200];
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < sizeof safe; p++) {
        char ch = *p;
        safe[n++] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                            (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'
                        ? ch
                        : '_';
    }
    safe[n] = '\0';
    snprintf(out, size, "attachment; filename=\"%s%s\"", n ? safe : "capture", suffix);
}

static enum MHD_Result h_capture_pcap(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                      uint64_t id)
{
    struct tl_db *db = tl_store_db(s->store);
    if (!db) {
        return send_error(s, c, q, 503, "overloaded", NULL, "the database is unavailable");
    }
    struct tl_capture_row row;
    enum tl_db_rc rc = tl_db_capture_get(db, id, NULL, &row);
    if (rc != TL_DB_OK) {
        return db_error(s, c, q, rc, "capture");
    }
    char path[4096], disp[300];
    int fd = open_capture_file(s, &row, path, sizeof path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return send_error(s, c, q, 404, "not_found", NULL, "the stored file is missing");
    }
    disposition(disp, sizeof disp, row.name, "");
    bool ng = strstr(row.file, ".pcapng") != NULL;
    return send_fd(s, c, q, fd, (uint64_t)st.st_size,
                   ng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap", disp);
}

static bool parse_u16_param(struct MHD_Connection *c, const char *key, int *out, bool *bad)
{
    const char *v = arg(c, key);
    uint64_t x;
    if (!v) {
        return true;
    }
    if (!tl_param_uint(v, 0, 65535, &x)) {
        *bad = true;
        return false;
    }
    *out = (int)x;
    return true;
}

static bool one_of(const char *v, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(v, *list) == 0) {
            return true;
        }
    }
    return false;
}

static enum MHD_Result h_flows(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    static const char *const handshakes[] = { "complete", "simultaneous-open", "no-reply",
                                              "rejected", "no-final-ack",      "not-seen",
                                              NULL };
    static const char *const teardowns[] = { "four-way", "three-segment", "simultaneous-close",
                                             "reset",    "half-closed",   "open",
                                             NULL };
    static const char *const states[] = { "S0",   "S1",     "SF",    "REJ", "S2",  "S3",  "RSTO",
                                          "RSTR", "RSTOS0", "RSTRH", "SH",  "SHR", "OTH", NULL };
    struct tl_flow_filter f = {
        .port = -1, .client_port = -1, .server_port = -1, .limit = FLOWS_DEFAULT_LIMIT
    };
    const char *v;
    bool bad = false;
    static const char *const addr_keys[] = { "host", "client", "server" };
    struct tl_addr_range *ranges[] = { &f.host, &f.client, &f.server };
    for (int i = 0; i < 3; i++) {
        if ((v = arg(c, addr_keys[i])) && !tl_param_cidr(v, ranges[i])) {
            return send_error(s, c, q, 400, "bad_parameter", addr_keys[i],
                              "%s: not an IPv4 or IPv6 address or CIDR prefix", addr_keys[i]);
        }
    }
    static const char *const port_keys[] = { "port", "client_port", "server_port" };
    int *ports[] = { &f.port, &f.client_port, &f.server_port };
    for (int i = 0; i < 3; i++) {
        if (!parse_u16_param(c, port_keys[i], ports[i], &bad)) {
            return send_error(s, c, q, 400, "bad_parameter", port_keys[i],
                              "%s: must be an integer from 0 to 65535", port_keys[i]);
        }
    }
    /* the classifier's vocabularies: a value outside them is a 400 listing them */
    const struct {
        const char *key;
        const char *const *values;
        const char **dst;
    } words[] = {
        { "handshake", handshakes, &f.handshake },
        { "teardown", teardowns, &f.teardown },
        { "conn_state", states, &f.conn_state },
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!(v = arg(c, words[i].key))) {
            continue;
        }
        if (!one_of(v, words[i].values)) {
            char list[256];
            struct tl_buf lb;
            tl_buf_init_fixed(&lb, list, sizeof list);
            for (const char *const *w = words[i].values; *w; w++) {
                tl_buf_puts(&lb, w == words[i].values ? *w : ", ");
                if (w != words[i].values) {
                    tl_buf_puts(&lb, *w);
                }
            }
            return send_error(s, c, q, 400, "bad_parameter", words[i].key, "%s: one of %s",
                              words[i].key, tl_buf_cstr(&lb));
        }
        *words[i].dst = v;
    }
    if ((v = arg(c, "capture")) && !parse_id(v, &f.capture)) {
        return send_error(s, c, q, 400, "bad_parameter", "capture",
                          "capture: must be a capture id (a positive integer)");
    }
    if ((v = arg(c, "since"))) {
        if (!tl_param_time(v, &f.since_ns)) {
            return send_error(s, c, q, 400, "bad_parameter", "since",
                              "since: must be an RFC 3339 time, e.g. 2024-05-01T12:00:00Z");
        }
        f.since_set = true;
    }
    if ((v = arg(c, "until"))) {
        if (!tl_param_time(v, &f.until_ns)) {
            return send_error(s, c, q, 400, "bad_parameter", "until",
                              "until: must be an RFC 3339 time, e.g. 2024-05-01T12:00:00Z");
        }
        f.until_set = true;
    }
    uint64_t x;
    if ((v = arg(c, "limit"))) {
        if (!tl_param_uint(v, 1, FLOWS_MAX_LIMIT, &x)) {
            return send_error(s, c, q, 400, "bad_parameter", "limit",
                              "limit: must be an integer from 1 to %d", FLOWS_MAX_LIMIT);
        }
        f.limit = (unsigned)x;
    }
    if ((v = arg(c, "cursor")) && !parse_id(v, &f.after_id)) {
        return send_error(s, c, q, 400, "bad_parameter", "cursor",
                          "cursor: not a cursor this server gave out");
    }
    enum tl_lang lang = (enum tl_lang)request_lang(c, &bad);
    if (bad) {
        return send_error(s, c, q, 400, "bad_parameter", "lang", "lang: must be en or zh");
    }
    struct tl_db *db = tl_store_db(s->store);
    if (!db) {
        return send_error(s, c, q, 503, "overloaded", NULL, "the database is unavailable");
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)256 << 20);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    enum tl_db_rc rc = write_flow_page(db, &f, lang, &w);
    tl_jw_obj_end(&w);
    enum MHD_Result ret =
        rc == TL_DB_OK ? send_json(s, c, q, 200, &b, NULL) : db_error(s, c, q, rc, "flow");
    tl_buf_cleanup(&b);
    return ret;
}

/* This thread's database and the flow `id`; false with the error answer queued in *err. */
static bool flow_lookup(struct tl_server *s, struct MHD_Connection *c, struct req *q, uint64_t id,
                        struct tl_db **db, struct tl_flow_ref *ref, enum MHD_Result *err)
{
    *db = tl_store_db(s->store);
    if (!*db) {
        *err = send_error(s, c, q, 503, "overloaded", NULL, "the database is unavailable");
        return false;
    }
    enum tl_db_rc rc = tl_db_flow_get(*db, id, ref);
    if (rc != TL_DB_OK) {
        *err = db_error(s, c, q, rc, "flow");
        return false;
    }
    if (!request_cksum_mode(c, &ref->cksum_mode)) { /* classify again another way */
        *err = send_error(s, c, q, 400, "bad_parameter", "checksums", CKSUM_MODE_ERROR);
        return false;
    }
    return true;
}

static enum MHD_Result h_flow(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                              uint64_t id)
{
    uint64_t offset = 0, limit = TIMELINE_DEFAULT_LIMIT;
    const char *v;
    if ((v = arg(c, "offset")) && !tl_param_uint(v, 0, (uint64_t)1 << 40, &offset)) {
        return send_error(s, c, q, 400, "bad_parameter", "offset",
                          "offset: must be a non-negative integer");
    }
    if ((v = arg(c, "limit")) && !tl_param_uint(v, 1, TIMELINE_MAX_LIMIT, &limit)) {
        return send_error(s, c, q, 400, "bad_parameter", "limit",
                          "limit: must be an integer from 1 to %d", TIMELINE_MAX_LIMIT);
    }
    bool bad;
    enum tl_lang lang = (enum tl_lang)request_lang(c, &bad);
    if (bad) {
        return send_error(s, c, q, 400, "bad_parameter", "lang", "lang: must be en or zh");
    }
    struct tl_flow_ref ref;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(s, c, q, id, &db, &ref, &err)) {
        return err;
    }
    enum tl_db_rc rc;
    struct tl_replay *rp = tl_replay_new();
    if (!rp) {
        return send_error(s, c, q, 500, "internal", NULL, "out of memory");
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)512 << 20);
    tl_jw_init(&w, &b);
    rc = tl_replay_flow_timeline(rp, db, &ref, lang, ref.nsec, offset, limit, &w);
    tl_replay_free(rp);
    enum MHD_Result ret =
        rc == TL_DB_OK ? send_json(s, c, q, 200, &b, NULL) : db_error(s, c, q, rc, "flow");
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result h_flow_ladder(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                     uint64_t id)
{
    const char *scale = arg(c, "scale");
    if (scale && strcmp(scale, "time") != 0 && strcmp(scale, "compressed") != 0) {
        return send_error(s, c, q, 400, "bad_parameter", "scale", "scale: time or compressed");
    }
    bool bad_lang = false;
    enum tl_lang lang = (enum tl_lang)request_lang(c, &bad_lang);
    if (bad_lang) {
        return send_error(s, c, q, 400, "bad_parameter", "lang", "lang: must be en or zh");
    }
    struct tl_flow_ref ref;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(s, c, q, id, &db, &ref, &err)) {
        return err;
    }
    enum tl_db_rc rc;
    struct tl_replay *rp = tl_replay_new();
    if (!rp) {
        return send_error(s, c, q, 500, "internal", NULL, "out of memory");
    }
    struct tl_buf b;
    tl_buf_init(&b, (size_t)64 << 20);
    rc = tl_replay_ladder(rp, db, &ref, scale && strcmp(scale, "time") == 0, lang, &b);
    tl_replay_free(rp);
    enum MHD_Result ret = rc == TL_DB_OK && !b.overflow
                              ? send_buf(s, c, q, 200, "image/svg+xml; charset=utf-8",
                                         b.data ? b.data : "", b.len, NULL)
                              : db_error(s, c, q, rc == TL_DB_OK ? TL_DB_ERROR : rc, "flow");
    tl_buf_cleanup(&b);
    return ret;
}

/* The flow's frames, copied from the original file into a new pcap file. */
static enum MHD_Result h_flow_pcap(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                   uint64_t id)
{
    struct tl_flow_ref ref;
    struct tl_capture_row row;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(s, c, q, id, &db, &ref, &err)) {
        return err;
    }
    enum tl_db_rc rc = tl_db_capture_get(db, ref.capture_id, NULL, &row);
    if (rc != TL_DB_OK) {
        return db_error(s, c, q, rc, "flow");
    }
    uint64_t *frames = NULL;
    size_t n = 0;
    rc = tl_replay_frames(db, &ref, &frames, &n);
    if (rc != TL_DB_OK) {
        return db_error(s, c, q, rc, "flow");
    }
    char src[4096], out[4096], errbuf[PCAP_ERRBUF_SIZE];
    int in_fd = open_capture_file(s, &row, src, sizeof src);
    if (in_fd < 0) {
        free(frames);
        return send_error(s, c, q, 404, "not_found", NULL, "the stored file is missing");
    }
    close(in_fd);
    pcap_t *in = pcap_open_offline_with_tstamp_precision(src, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    snprintf(out, sizeof out, "%s/upload-XXXXXX", s->cfg.data_dir);
    int out_fd = in ? mkstemp(out) : -1;
    FILE *of = out_fd >= 0 ? fdopen(out_fd, "w+b") : NULL;
    pcap_dumper_t *dump = of ? pcap_dump_fopen(in, of) : NULL;
    if (!dump) {
        if (of) {
            fclose(of);
        } else if (out_fd >= 0) {
            close(out_fd);
        }
        if (out_fd >= 0) {
            unlink(out);
        }
        if (in) {
            pcap_close(in);
        }
        free(frames);
        return send_error(s, c, q, 500, "internal", NULL, "cannot write the flow's pcap");
    }
    unlink(out); /* private: gone from the directory, alive until the response is sent */
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    size_t k = 0;
    while (k < n && pcap_next_ex(in, &h, &data) == 1) {
        frame++;
        if (frame == frames[k]) {
            pcap_dump((u_char *)dump, h, data);
            k++;
        }
    }
    pcap_close(in);
    free(frames);
    pcap_dump_flush(dump);
    int fd = dup(out_fd);
    long size = ftell(of);
    pcap_dump_close(dump); /* closes of and out_fd */
    if (fd < 0 || size < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return send_error(s, c, q, 500, "internal", NULL, "cannot write the flow's pcap");
    }
    lseek(fd, 0, SEEK_SET);
    char disp[300], suffix[48];
    snprintf(suffix, sizeof suffix, "-flow-%" PRIu64 ".pcap", id);
    disposition(disp, sizeof disp, row.name, suffix);
    return send_fd(s, c, q, fd, (uint64_t)size, "application/vnd.tcpdump.pcap", disp);
}

static enum MHD_Result h_examples(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    bool bad = false;
    bool zh = request_lang(c, &bad) == TL_LANG_ZH;
    if (bad) {
        return send_error(s, c, q, 400, "bad_parameter", "lang", "lang: must be en or zh");
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)1 << 20);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    tl_jw_key(&w, "examples");
    tl_jw_arr(&w);
    for (unsigned i = 0; i < s->n_examples; i++) {
        const struct example *x = &s->examples[i];
        tl_jw_obj(&w);
        tl_jw_kstr(&w, "name", x->name);
        tl_jw_kstr(&w, "file", x->file);
        tl_jw_kstr(&w, "class", zh && x->klass_zh[0] ? x->klass_zh : x->klass);
        tl_jw_kstr(&w, "description",
                   zh && x->description_zh[0] ? x->description_zh : x->description);
        tl_jw_kuint(&w, "size_bytes", x->size);
        tl_jw_obj_end(&w);
    }
    tl_jw_arr_end(&w);
    tl_jw_obj_end(&w);
    enum MHD_Result ret = send_json(s, c, q, 200, &b, NULL);
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result h_example_load(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                      const char *name)
{
    if (!authorized(s, c)) {
        return send_error(s, c, q, 401, "unauthorized", NULL,
                          "this server needs Authorization: Bearer <api key> to change data");
    }
    const struct example *x = NULL;
    for (unsigned i = 0; i < s->n_examples; i++) {
        if (strcmp(s->examples[i].name, name) == 0 || strcmp(s->examples[i].file, name) == 0) {
            x = &s->examples[i];
        }
    }
    if (!x) {
        return send_error(s, c, q, 404, "not_found", NULL, "no example named \"%s\"", name);
    }
    bool bad;
    enum tl_lang lang = (enum tl_lang)request_lang(c, &bad);
    if (!request_cksum_mode(c, &q->cksum_mode)) {
        return send_error(s, c, q, 400, "bad_parameter", "checksums", CKSUM_MODE_ERROR);
    }
    char src[4096];
    snprintf(src, sizeof src, "%s/%s", s->cfg.examples_dir, x->file);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0 || !tmp_open(s, q)) {
        if (in >= 0) {
            close(in);
        }
        return send_error(s, c, q, 500, "internal", NULL, "cannot read the example");
    }
    char buf[65536];
    ssize_t r;
    uint64_t total = 0;
    bool ok = true;
    while ((r = read(in, buf, sizeof buf)) > 0) {
        ok = ok && write_all(q->fd, buf, (size_t)r);
        total += (uint64_t)r;
    }
    close(in);
    close(q->fd);
    q->fd = -1;
    if (!ok || r < 0) {
        tmp_discard(q);
        return send_error(s, c, q, 500, "internal", NULL, "cannot copy the example");
    }
    enum MHD_Result ret = finish_ingest(s, c, q, q->tmp, x->file, total, lang);
    unlink(q->tmp);
    q->tmp[0] = '\0';
    return ret;
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".mjs", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".ico", "image/x-icon" },
        { ".json", "application/json" },
        { ".woff2", "font/woff2" },
        { ".txt", "text/plain" },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return "application/octet-stream";
}

static enum MHD_Result h_static(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                const char *url)
{
    char path[4096];
    if (!s->cfg.web_dir || strstr(url, "..") || strchr(url, '\\') || url[0] != '/') {
        return send_error(s, c, q, 404, "not_found", NULL, "no such page: %s", url);
    }
    const char *rel = strcmp(url, "/") == 0 ? "/index.html" : url;
    snprintf(path, sizeof path, "%s%s", s->cfg.web_dir, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        return send_error(s, c, q, 404, "not_found", NULL, "no such page: %s", url);
    }
    struct MHD_Response *r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", mime_of(path));
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self' "
                            "'unsafe-inline'; connect-src 'self'");
    common_headers(s, r);
    q->status = 200;
    q->bytes_out = (uint64_t)st.st_size;
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result h_openapi(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    const struct tl_embedded *e = tl_embedded_find("openapi.yaml");
    if (!e) {
        return send_error(s, c, q, 404, "not_found", NULL, "no API description built in");
    }
    return send_buf(s, c, q, 200, "application/yaml; charset=utf-8", (const char *)e->data, e->len,
                    NULL);
}

/* --- dispatch --------------------------------------------------------------------------- */

static bool is(const char *method, const char *m)
{
    return strcmp(method, m) == 0;
}

/*
 * Route one request (first call). Sets q->route; for uploads returns after upload_start
 * and the body follows in later calls.
 */
static enum MHD_Result dispatch(struct tl_server *s, struct MHD_Connection *c, struct req *q,
                                const char *url, const char *method)
{
    char seg[6][256];
    unsigned n = split_path(url, seg, 6);
    uint64_t id = 0;

    if (strcmp(url, "/healthz") == 0) {
        q->route = "/healthz";
        return is(method, "GET") || is(method, "HEAD") ? h_health(s, c, q)
                                                       : method_not_allowed(s, c, q, method, "GET");
    }
    if (strcmp(url, "/metrics") == 0) {
        q->route = "/metrics";
        return is(method, "GET") ? h_metrics(s, c, q) : method_not_allowed(s, c, q, method, "GET");
    }
    if (n < 2 || strcmp(seg[0], "api") != 0) {
        q->route = "static";
        if (!is(method, "GET") && !is(method, "HEAD")) {
            return method_not_allowed(s, c, q, method, "GET");
        }
        return h_static(s, c, q, url);
    }
    q->route = "unknown";
    if (strcmp(seg[1], "v1") != 0 || n < 3 || n > 5) {
        return send_error(s, c, q, 404, "not_found", NULL, "no such route: %s", url);
    }
    const char *res = seg[2];
    if (strcmp(res, "openapi.yaml") == 0 && n == 3) {
        q->route = "/api/v1/openapi.yaml";
        return is(method, "GET") ? h_openapi(s, c, q) : method_not_allowed(s, c, q, method, "GET");
    }
    if (strcmp(res, "captures") == 0) {
        if (n == 3) {
            q->route = "/api/v1/captures";
            if (is(method, "GET")) {
                return h_captures_list(s, c, q);
            }
            if (is(method, "POST")) {
                return upload_start(s, c, q, NULL);
            }
            return method_not_allowed(s, c, q, method, "GET, POST");
        }
        if (n == 4) {
            q->route = "/api/v1/captures/{id}";
            if (is(method, "PUT")) {
                q->route = "/api/v1/captures/{name}";
                return upload_start(s, c, q, seg[3][0] ? seg[3] : "upload");
            }
            if (!parse_id(seg[3], &id)) {
                return send_error(s, c, q, 404, "not_found", NULL, "no capture \"%s\"", seg[3]);
            }
            if (is(method, "GET")) {
                bool bad;
                enum tl_lang lang = (enum tl_lang)request_lang(c, &bad);
                if (bad) {
                    return send_error(s, c, q, 400, "bad_parameter", "lang",
                                      "lang: must be en or zh");
                }
                uint64_t limit = FLOWS_DEFAULT_LIMIT;
                const char *v = arg(c, "limit");
                if (v && !tl_param_uint(v, 1, FLOWS_MAX_LIMIT, &limit)) {
                    return send_error(s, c, q, 400, "bad_parameter", "limit",
                                      "limit: must be an integer from 1 to %d", FLOWS_MAX_LIMIT);
                }
                return send_capture(s, c, q, id, 200, lang, (unsigned)limit);
            }
            if (is(method, "DELETE")) {
                return h_capture_delete(s, c, q, id);
            }
            return method_not_allowed(s, c, q, method, "GET, PUT, DELETE");
        }
        if (n == 5 && strcmp(seg[4], "pcap") == 0) {
            q->route = "/api/v1/captures/{id}/pcap";
            if (!parse_id(seg[3], &id)) {
                return send_error(s, c, q, 404, "not_found", NULL, "no capture \"%s\"", seg[3]);
            }
            return is(method, "GET") ? h_capture_pcap(s, c, q, id)
                                     : method_not_allowed(s, c, q, method, "GET");
        }
    }
    if (strcmp(res, "flows") == 0) {
        if (n == 3) {
            q->route = "/api/v1/flows";
            return is(method, "GET") ? h_flows(s, c, q)
                                     : method_not_allowed(s, c, q, method, "GET");
        }
        q->route = n == 4                        ? "/api/v1/flows/{id}"
                   : strcmp(seg[4], "pcap") == 0 ? "/api/v1/flows/{id}/pcap"
                                                 : "/api/v1/flows/{id}/ladder.svg";
        if (n == 5 && strcmp(seg[4], "pcap") != 0 && strcmp(seg[4], "ladder.svg") != 0) {
            q->route = "unknown";
            return send_error(s, c, q, 404, "not_found", NULL, "no such route: %s", url);
        }
        if (!parse_id(seg[3], &id)) {
            return send_error(s, c, q, 404, "not_found", NULL, "no flow \"%s\"", seg[3]);
        }
        if (!is(method, "GET")) {
            return method_not_allowed(s, c, q, method, "GET");
        }
        if (n == 4) {
            return h_flow(s, c, q, id);
        }
        return strcmp(seg[4], "pcap") == 0 ? h_flow_pcap(s, c, q, id) : h_flow_ladder(s, c, q, id);
    }
    if (strcmp(res, "examples") == 0 && n <= 4) {
        if (n == 3) {
            q->route = "/api/v1/examples";
            return is(method, "GET") ? h_examples(s, c, q)
                                     : method_not_allowed(s, c, q, method, "GET");
        }
        q->route = "/api/v1/examples/{name}";
        return is(method, "POST") ? h_example_load(s, c, q, seg[3])
                                  : method_not_allowed(s, c, q, method, "POST");
    }
    return send_error(s, c, q, 404, "not_found", NULL, "no such route: %s", url);
}

static enum MHD_Result preflight(struct tl_server *s, struct MHD_Connection *c, struct req *q)
{
    q->route = "preflight";
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        return MHD_NO;
    }
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (s->cfg.cors_origin && origin && strcmp(origin, s->cfg.cors_origin) == 0) {
        MHD_add_response_header(r, "Access-Control-Allow-Methods",
                                "GET, POST, PUT, DELETE, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, Accept-Language");
        MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    }
    common_headers(s, r);
    q->status = 204;
    enum MHD_Result ret = MHD_queue_response(c, 204, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *method_name(const char *m)
{
    static const char *const known[] = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(m, known[i]) == 0) {
            return known[i];
        }
    }
    return "other";
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct tl_server *s = cls;
    struct req *q = *con_cls;
    (void)version;
    if (!q) {
        q = calloc(1, sizeof *q);
        if (!q) {
            return MHD_NO;
        }
        q->fd = -1;
        q->route = "unknown";
        q->method = method_name(method);
        snprintf(q->path, sizeof q->path, "%s", url);
        clock_gettime(CLOCK_MONOTONIC, &q->t0);
        *con_cls = q;
        atomic_fetch_add(&s->active, 1);
        if (atomic_load(&s->stopping)) {
            return send_error(s, c, q, 503, "overloaded", NULL, "the server is shutting down");
        }
        if (is(method, "OPTIONS")) {
            return preflight(s, c, q);
        }
        return dispatch(s, c, q, url, method);
    }
    if (q->kind != REQ_UPLOAD) {
        *upload_data_size = 0; /* a body where none is expected: ignored */
        return MHD_YES;
    }
    if (*upload_data_size) {
        return upload_chunk(s, q, upload_data, upload_data_size);
    }
    return upload_end(s, c, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct tl_server *s = cls;
    struct req *q = *con_cls;
    (void)toe;
    if (!q) {
        return;
    }
    if (q->pp) {
        MHD_destroy_post_processor(q->pp);
    }
    tmp_discard(q);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - q->t0.tv_sec) + (double)(t1.tv_nsec - q->t0.tv_nsec) / 1e9;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char remote[64] = "-";
    if (ci && ci->client_addr) {
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                    remote, sizeof remote, NULL, 0, NI_NUMERICHOST);
    }
    if (!q->status) {
        q->status = 499; /* the client went away before an answer */
    }
    struct tl_access a = {
        .remote = remote,
        .method = q->method,
        .path = q->path,
        .route = q->route,
        .status = q->status,
        .bytes_in = q->bytes_in,
        .bytes_out = q->bytes_out,
        .seconds = secs,
    };
    tl_log_access(&a);
    tl_metrics_request(q->route, q->method, q->status, secs);
    free(q);
    *con_cls = NULL;
    atomic_fetch_sub(&s->active, 1);
}

/* --- start and stop --------------------------------------------------------------------- */

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + r + 1 > cap) {
            cap = (len + r + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "out of memory reading %s", path);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, r);
        len += r;
    }
    fclose(f);
    if (!buf || len > (1u << 20)) {
        free(buf);
        snprintf(err, errlen, "%s is empty or too large for a PEM file", path);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* "127.0.0.1:8080", "[::1]:8080", "localhost:0" */
static bool parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, char *err,
                         size_t errlen)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        snprintf(err, errlen, "--listen %s: expected ADDRESS:PORT", spec);
        return false;
    }
    size_t hl = (size_t)(colon - spec);
    if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
        spec++;
        hl -= 2;
    }
    if (hl >= sizeof host) {
        snprintf(err, errlen, "--listen: address too long");
        return false;
    }
    memcpy(host, spec, hl);
    host[hl] = '\0';
    uint64_t port;
    if (!tl_param_uint(colon + 1, 0, 65535, &port)) {
        snprintf(err, errlen, "--listen: bad port '%s'", colon + 1);
        return false;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE },
                    *ai = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, errlen, "--listen %s: %s", host, gai_strerror(rc));
        return false;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sl = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) {
        msg[--n] = '\0';
    }
    tl_log("libmicrohttpd: %s", msg);
}

struct tl_server *tl_server_start(const struct tl_server_config *cfg, struct tl_store *store,
                                  char *err, size_t errlen)
{
    struct tl_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->store = store;
    examples_load(s);
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!parse_listen(cfg->listen, &ss, &sl, err, errlen)) {
        free(s);
        return NULL;
    }
    (void)sl;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
#if MHD_VERSION >= 0x00095300
    flags |= MHD_USE_EPOLL;
#endif
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key) {
            snprintf(err, errlen, "--tls-cert and --tls-key go together");
            free(s);
            return NULL;
        }
        s->tls_cert = read_file(cfg->tls_cert, err, errlen);
        s->tls_key = s->tls_cert ? read_file(cfg->tls_key, err, errlen) : NULL;
        if (!s->tls_key) {
            free(s->tls_cert);
            free(s);
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem opts[16];
    unsigned k = 0;
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
                                         cfg->threads ? cfg->threads : 1, NULL };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit, NULL };
    opts[k++] =
        (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit, NULL };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout, NULL };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                         (intptr_t)cfg->conn_memory, NULL };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s };
    if (s->tls_cert) {
        opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert };
        opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key };
    }
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s (in use, or not allowed?)", cfg->listen);
        free(s->tls_cert);
        free(s->tls_key);
        free(s);
        return NULL;
    }
    return s;
}

unsigned tl_server_port(const struct tl_server *s)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

void tl_server_stop(struct tl_server *s)
{
    if (!s) {
        return;
    }
    atomic_store(&s->stopping, true);
    MHD_socket lfd = MHD_quiesce_daemon(s->d); /* no new connections */
    /* in-flight requests finish, up to the grace period */
    for (unsigned i = 0; i < s->cfg.shutdown_grace_sec * 20 && atomic_load(&s->active) > 0; i++) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    if (lfd != MHD_INVALID_SOCKET) {
        close(lfd);
    }
    free(s->tls_cert);
    free(s->tls_key);
    free(s);
}
