/*
 * http.c - the HTTP API on libmicrohttpd: one route table (method, path pattern, handler, who
 * may call it, parameter schema) in front of the handlers; strict checks before it (the raw
 * URL, Content-Length, the query string parsed by us); uploads streamed to a private temporary
 * file on the worker, then decoded and stored by an ingest thread pool while the connection is
 * suspended; deadlines for slow clients (a watchdog); JSON answers written element by element;
 * static files for the dashboard; the access log and metrics of every request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "embed.h"
#include "explain.h"
#include "housekeeping.h"
#include "ingest.h"
#include "jobs.h"
#include "log.h"
#include "messages.h"
#include "metrics.h"
#include "note_body.h"
#include "params.h"
#include "query.h"
#include "replay.h"
#include "reply.h"
#include "server.h"
#include "service.h"
#include "zeeklog.h"

#define FLOWS_DEFAULT_LIMIT    100
#define FLOWS_MAX_LIMIT        1000
#define TIMELINE_DEFAULT_LIMIT 1000
#define TIMELINE_MAX_LIMIT     10000
#define MAX_EXAMPLES           64
#define MAX_ROUTE_PARAMS       32
#define JSON_TYPE              "application/json; charset=utf-8"
#define DRAIN_MAX              ((uint64_t)64 << 20) /* bytes read past --max-upload, then cut */
#define BODY_RATE_WINDOW_SEC   10                   /* --min-body-rate is measured over this */
#define MAX_INFLATION          16 /* a compressed upload decompresses to 16 x --max-upload at most */
#define RESERVE_GRACE_SEC      2 /* waiting this long for a request: may be closed for the reserve */

struct example {
    char name[64], file[96];
    /* per language (enum tl_lang): examples/README.md, then README.<code>.md; empty: none */
    char klass[TL_LANG_COUNT][160], description[TL_LANG_COUNT][640];
    uint64_t size;
};

struct req;

/* One open connection, as the watchdog sees it (NOTIFY_CONNECTION started .. closed). */
enum conn_phase {
    PH_HEADERS = 0, /* waiting for a request line and headers (the header deadline runs) */
    PH_BODY,        /* receiving an upload's body (the minimum rate applies) */
    PH_WORKING,     /* being answered: no deadline of ours */
};
struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    enum conn_phase phase;
    struct timespec since; /* start of the phase */
    struct timespec window_start;
    atomic_uint_fast64_t body_bytes; /* bytes of body received in the current window */
    bool cut;
    char remote[64];
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
    struct tl_jobs *jobs; /* background ingest jobs */
    /* the ingest pool */
    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    struct req *qhead, *qtail;
    unsigned queued, running;
    bool pool_stop;
    pthread_t *ingest_threads;
    unsigned n_ingest;
    /* the watchdog */
    pthread_mutex_t clock_;
    struct conn_track *conns;
    unsigned n_live; /* tracked connections not cut (lock clock_) */
    pthread_t watchdog;
    bool watchdog_on;
    atomic_bool watchdog_stop;
    /* shared stores: renewing this server's job leases, taking over the jobs of stopped ones */
    pthread_t jobs_thread;
    bool jobs_on;
    atomic_bool jobs_stop;
    /* uploads in flight per client address (lock ulock_); each holds a connection, so there
     * are at most --max-connections addresses */
    pthread_mutex_t ulock_;
    struct upload_count {
        char addr[64];
        unsigned n;
    } * ucount;
    unsigned n_ucount, cap_ucount;
};

enum req_kind {
    REQ_PLAIN = 0,
    REQ_UPLOAD,
    REQ_JSON, /* a small JSON body, held in memory (at most TL_NOTE_BODY_MAX bytes) */
};

enum ingest_state {
    ING_NONE = 0,
    ING_QUEUED, /* the connection is suspended until an ingest thread answers */
    ING_DONE,   /* answered: q->pending is queued on the next call */
};

struct route;

/* One request, from its request line to its completion. */
struct req {
    enum req_kind kind;
    struct timespec t0;
    const char *route;  /* a route pattern, for logs and metrics */
    const char *method; /* a constant string, for metrics */
    char path[512];
    char *raw_uri; /* as the client sent it (percent-encoded, with the query) */
    unsigned status;
    uint64_t bytes_out, bytes_in;
    bool head;
    bool answer_next; /* a request without a body: dispatched on the call after the first */
    struct conn_track *ct;
    /* routing */
    const struct route *rt;
    struct tl_query query;
    enum tl_query_rc query_rc_bad;
    struct tl_param_val vals[MAX_ROUTE_PARAMS];
    uint64_t id;
    char seg_name[256];
    /* upload */
    int fd;
    char tmp[4096];
    bool too_large, write_failed, multipart, pp_failed, saw_file, saw_name;
    bool too_many; /* the address has no upload slot left: read and dropped, then 429 */
    bool has_slot; /* holds one of slot_addr's upload slots */
    char slot_addr[64];
    int write_errno;
    char dup_part[64]; /* a part that may appear once, seen twice */
    uint64_t file_bytes;
    uint8_t cksum_mode;   /* enum tl_cksum_mode the upload is classified under */
    struct tl_sha256 sha; /* of the body's file bytes as they arrive */
    char sha256[65];      /* its hex digest once the body has ended */
    bool keep_duplicate;  /* ?duplicate=keep */
    struct tl_job *job;   /* a background job: this copy belongs to the ingest pool */
    /* a JSON body */
    char *body;
    size_t body_len;
    bool body_too_large;
    char filter[1024]; /* `filter`: the BPF expression records are kept by ("": all) */
    enum tl_lang lang;
    struct MHD_PostProcessor *pp;
    char name[256];
    size_t name_len;
    char filename[256];
    const char *display_name; /* what ingest stores */
    /* ingest off the worker */
    struct MHD_Connection *conn;
    enum ingest_state ing;
    bool deferred; /* answers are kept in pending instead of queued */
    struct MHD_Response *pending;
    unsigned pending_status;
    struct req *qnext;
};

/* What a handler gets: the server, the connection, the request and its bound parameters. */
struct call {
    struct tl_server *s;
    struct MHD_Connection *c;
    struct req *q;
};

/* sort=: each key ascending, then descending ("-"), in enum tl_sort_key's order after id */
static const char *const sorts[] = { "id",        "first_ts",      "-first_ts",      "duration",
                                     "-duration", "rtt",           "-rtt",           "bytes",
                                     "-bytes",    "packets",       "-packets",       "retrans",
                                     "-retrans",  "retrans_bytes", "-retrans_bytes", NULL };
/* group_by=, in enum tl_group_key's order */
static const char *const groups[] = { "conn_state",  "handshake", "teardown", "service",
                                      "server_port", "capture",   NULL };
/* sort=NAME for a key and direction: sorts[] holds id, then each key ascending, descending */
static const char *sort_name(const struct tl_flow_filter *f)
{
    return f->sort == TL_SORT_ID ? "id" : sorts[2 * (int)f->sort - (f->desc ? 0 : 1)];
}

static enum MHD_Result send_jansson(struct call *x, unsigned status, json_t *doc,
                                    const char *location);

/* --- responses ------------------------------------------------------------------------- */

static void common_headers(struct tl_server *s, struct MHD_Response *r)
{
    if (s->cfg.cors_origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", s->cfg.cors_origin);
        MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "Access-Control-Expose-Headers", "Location, X-Next-Cursor");
    }
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

/* Queue r now, or keep it for the worker when the request is answered from an ingest thread. */
static enum MHD_Result emit(struct call *x, unsigned status, struct MHD_Response *r, uint64_t bytes)
{
    struct req *q = x->q;
    q->status = status;
    q->bytes_out = bytes;
    if (q->deferred) {
        q->pending = r;
        q->pending_status = status;
        return MHD_YES;
    }
    enum MHD_Result ret = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_buf(struct call *x, unsigned status, const char *type, const char *data,
                                size_t len, const char *location)
{
    bool json = strncmp(type, "application/json", 16) == 0;
    struct tl_buf clean = { 0 };
    if (json && !tl_utf8_valid(data, len)) {
        /* the one validator: every JSON answer is valid UTF-8 (bad bytes become U+FFFD) */
        tl_buf_init(&clean, len * 3 + 16);
        tl_utf8_sanitize(&clean, data, len);
        data = clean.data ? clean.data : "";
        len = clean.len;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
    if (json) {
        tl_buf_cleanup(&clean);
    }
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    if (location) {
        MHD_add_response_header(r, "Location", location);
    }
    if (json) {
        MHD_add_response_header(r, "Cache-Control", "no-store");
    }
    common_headers(x->s, r);
    return emit(x, status, r, len);
}

/*
 * The one way to answer an error: the enum gives status and code; fmt the message (any bytes:
 * the document is built with Jansson from validated UTF-8); param names the parameter; allow
 * (405) the Allow header; allowed lists valid names or values.
 */
static enum MHD_Result reply_error(struct call *x, enum tl_error e, const char *param,
                                   const char *allow, const char *const *allowed, const char *fmt,
                                   ...) __attribute__((format(printf, 6, 7)));

static enum MHD_Result reply_error(struct call *x, enum tl_error e, const char *param,
                                   const char *allow, const char *const *allowed, const char *fmt,
                                   ...)
{
    char msg[768];
    msg[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    const struct tl_error_info *info = tl_error_info(e);
    char *doc = tl_error_doc(e, msg, param, allowed);
    static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
    const char *body = doc ? doc : oom;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_MUST_COPY);
    size_t len = strlen(body);
    free(doc);
    if (!r) {
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", JSON_TYPE);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (info->status == 401) {
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"tcplens\"");
    }
    if (info->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", info->retry_after);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    if (allow) {
        MHD_add_response_header(r, "Allow", allow);
    }
    common_headers(x->s, r);
    return emit(x, info->status, r, len);
}

#define FAIL(x, e, ...)      reply_error((x), (e), NULL, NULL, NULL, __VA_ARGS__)
#define BAD_PARAM(x, p, ...) reply_error((x), TL_ERR_BAD_PARAMETER, (p), NULL, NULL, __VA_ARGS__)

static enum MHD_Result send_json(struct call *x, unsigned status, struct tl_buf *b,
                                 const char *location)
{
    if (b->overflow) {
        return FAIL(x, TL_ERR_INTERNAL, "the answer is too large");
    }
    return send_buf(x, status, JSON_TYPE, b->data ? b->data : "", b->len, location);
}

static enum MHD_Result send_fd(struct call *x, int fd, uint64_t size, const char *type,
                               const char *disposition)
{
    struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);
    if (!r) {
        close(fd);
        return FAIL(x, TL_ERR_INTERNAL, "cannot send the file");
    }
    MHD_add_response_header(r, "Content-Type", type);
    if (disposition) {
        MHD_add_response_header(r, "Content-Disposition", disposition);
    }
    common_headers(x->s, r);
    return emit(x, 200, r, size);
}

/* A storage failure: the error it is, and the write path's health. */
static enum tl_error db_error_kind(enum tl_db_rc rc)
{
    switch (rc) {
        case TL_DB_NOT_FOUND:
            return TL_ERR_NOT_FOUND;
        case TL_DB_BUSY:
            return TL_ERR_DB_BUSY;
        case TL_DB_READONLY:
            return TL_ERR_DB_READONLY;
        case TL_DB_FULL:
            return TL_ERR_DISK_FULL;
        case TL_DB_TOO_SLOW:
            return TL_ERR_OVERLOADED;
        default:
            return TL_ERR_INTERNAL;
    }
}

static enum MHD_Result db_error(struct call *x, enum tl_db_rc rc, const char *what)
{
    enum tl_error e = db_error_kind(rc);
    if (e == TL_ERR_NOT_FOUND) {
        return FAIL(x, e, "no such %s", what);
    }
    if (rc == TL_DB_TOO_SLOW) {
        return FAIL(x, e,
                    "the query ran past this server's budget (--query-timeout); narrow it "
                    "with capture=, since=/until= or an address");
    }
    if (e == TL_ERR_DB_READONLY || e == TL_ERR_DISK_FULL) {
        tl_health_write_failed(e, e == TL_ERR_DISK_FULL ? "the database's disk is full"
                                                        : "the database is read-only");
    }
    return FAIL(x, e, NULL);
}

static enum MHD_Result no_db(struct call *x)
{
    return FAIL(x, TL_ERR_DB_BUSY, "the database is unavailable");
}

/* --- small helpers ---------------------------------------------------------------------- */

static bool is(const char *method, const char *m)
{
    return strcmp(method, m) == 0;
}

static bool parse_id(const char *s, uint64_t *id)
{
    return tl_param_uint(s, 1, INT64_MAX, id);
}

/* The client's address as text, and whether it is loopback. */
static bool client_address(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "-");
    if (!ci || !ci->client_addr) {
        return false;
    }
    const struct sockaddr *sa = ci->client_addr;
    getnameinfo(
        sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
        out, size, NULL, 0, NI_NUMERICHOST);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
    }
    return false;
}

/* Does the Bearer token match one of keys? Constant time in the token and over every key. */
static bool key_matches(struct MHD_Connection *c, const char *const *keys)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0) {
        return false;
    }
    const char *k = h + 7;
    size_t n = strlen(k);
    unsigned any = 0;
    for (; *keys; keys++) {
        const char *want = *keys;
        size_t m = strlen(want);
        unsigned diff = (unsigned)(n ^ m);
        for (size_t i = 0; i < m; i++) { /* the same time whatever the first wrong byte */
            diff |= (unsigned)(want[i] ^ (i < n ? k[i] : 0));
        }
        any |= diff == 0;
    }
    return any != 0;
}

/* --- examples --------------------------------------------------------------------------- */

/* Read examples/README.md's table: | `file` | class | what it shows | ... */
static void examples_read(struct tl_server *s, const char *readme, enum tl_lang lang)
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
        if (lang != TL_LANG_EN) { /* another language's words of an example README.md listed */
            for (unsigned i = 0; i < s->n_examples; i++) {
                struct example *e = &s->examples[i];
                if (strcmp(e->file, file) == 0) {
                    snprintf(e->klass[lang], sizeof e->klass[lang], "%s", cells[1]);
                    snprintf(e->description[lang], sizeof e->description[lang], "%s", cells[2]);
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
        memset(x->klass, 0, sizeof x->klass);
        memset(x->description, 0, sizeof x->description);
        snprintf(x->klass[TL_LANG_EN], sizeof x->klass[TL_LANG_EN], "%s", cells[1]);
        snprintf(x->description[TL_LANG_EN], sizeof x->description[TL_LANG_EN], "%s", cells[2]);
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

/* examples/README.md's table, then each other language's class and description from its
 * README.<code>.md (README.zh.md). */
static void examples_load(struct tl_server *s)
{
    examples_read(s, "README.md", TL_LANG_EN);
    for (int l = 0; l < TL_LANG_COUNT; l++) {
        if (l != TL_LANG_EN) {
            char name[64];
            snprintf(name, sizeof name, "README.%s.md", tl_messages((enum tl_lang)l)->code);
            examples_read(s, name, (enum tl_lang)l);
        }
    }
}

/* --- uploads ---------------------------------------------------------------------------- */

/* The last part of a path: a file's name within the data directory. */
static const char *file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool tmp_open(struct tl_server *s, struct req *q)
{
    /* upload-HOST-PID-...: replicas sharing the data directory leave each other's files
     * alone (server/store.c, clean_data_dir) */
    snprintf(q->tmp, sizeof q->tmp, "%s/upload-%s-%ld-XXXXXX", s->cfg.data_dir, tl_host_tag(),
             (long)getpid());
    q->fd = mkstemp(q->tmp); /* mode 0600: private to the server's user */
    if (q->fd < 0) {
        q->write_errno = errno;
        q->tmp[0] = '\0';
        return false;
    }
    tl_sha256_init(&q->sha); /* without it, duplicates are not recognised: not an error */
    return true;
}

static void tmp_discard(struct req *q)
{
    tl_sha256_abort(&q->sha);
    if (q->fd >= 0) {
        close(q->fd);
        q->fd = -1;
    }
    if (q->tmp[0]) {
        unlink(q->tmp);
        q->tmp[0] = '\0';
    }
}

static bool write_all(int fd, const char *data, size_t n, int *err)
{
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            *err = errno;
            return false;
        }
        data += w;
        n -= (size_t)w;
    }
    return true;
}

/* The upload's file bytes: to the temporary file and into its digest. */
static bool tmp_write(struct req *q, const char *data, size_t n)
{
    if (!write_all(q->fd, data, n, &q->write_errno)) {
        return false;
    }
    tl_sha256_update(&q->sha, data, n);
    return true;
}

/* The temporary file could not be written: 507 when the disk is full, else 500; logged. */
static enum MHD_Result write_error(struct call *x, int err)
{
    if (err == ENOSPC || err == EDQUOT) {
        tl_health_write_failed(TL_ERR_DISK_FULL, "no space left for uploads in the data directory");
        return FAIL(x, TL_ERR_DISK_FULL, "no space left on the server's disk for this upload");
    }
    if (err == EROFS) {
        tl_health_write_failed(TL_ERR_DB_READONLY, "the data directory is read-only");
        return FAIL(x, TL_ERR_DB_READONLY, "the server's storage is read-only");
    }
    tl_log("upload: cannot write a temporary file in %s: %s", x->s->cfg.data_dir, strerror(err));
    return FAIL(x, TL_ERR_INTERNAL, "cannot store the upload");
}

/*
 * multipart/form-data: exactly one part `file` and at most one `name`; a second of either is
 * a 400 naming it. Other parts are ignored (browsers add some).
 */
static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    struct req *q = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    if (!key) {
        return MHD_YES;
    }
    if (strcmp(key, "file") == 0) {
        if (off == 0 && q->saw_file) {
            snprintf(q->dup_part, sizeof q->dup_part, "file");
            return MHD_NO;
        }
        if (!q->saw_file && filename) {
            snprintf(q->filename, sizeof q->filename, "%s", filename);
        }
        q->saw_file = true;
        if (size && !tmp_write(q, data, size)) {
            q->write_failed = true;
            return MHD_NO;
        }
        q->file_bytes += size;
    } else if (strcmp(key, "name") == 0) {
        if (off == 0 && q->saw_name) {
            snprintf(q->dup_part, sizeof q->dup_part, "name");
            return MHD_NO;
        }
        q->saw_name = true;
        size_t room = sizeof q->name - 1 - q->name_len;
        size_t n = size < room ? size : room;
        memcpy(q->name + q->name_len, data, n);
        q->name_len += n;
        q->name[q->name_len] = '\0';
    }
    return MHD_YES;
}

/* Names are shown back to users: valid UTF-8, no control characters, cut at a character. */
static void clean_name(char *n, size_t size, const char *fallback)
{
    if (!n[0]) {
        snprintf(n, size, "%s", fallback);
    }
    if (!tl_name_clean(n, size)) {
        snprintf(n, size, "%s", "upload");
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
    bool last_null; /* the last flow's sort value */
    int64_t last_value;
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
    p->last_null = ref->sort_null;
    p->last_value = ref->sort_value;
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
        char cur[96];
        if (flt->sort == TL_SORT_ID) {
            snprintf(cur, sizeof cur, "%" PRIu64, p.last_id);
        } else if (p.last_null) {
            snprintf(cur, sizeof cur, "%s:null:%" PRIu64, sort_name(flt), p.last_id);
        } else {
            snprintf(cur, sizeof cur, "%s:%" PRId64 ":%" PRIu64, sort_name(flt), p.last_value,
                     p.last_id);
        }
        tl_jw_kstr(w, "next_cursor", cur);
    } else {
        tl_jw_knull(w, "next_cursor");
    }
    return rc;
}

/* {"capture": ..., "flows": [first `limit` flows], "next_cursor": ...} */
/* The capture document; `duplicate`: an upload found it stored already ("duplicate": true). */
static enum MHD_Result send_capture(struct call *x, uint64_t id, unsigned status, enum tl_lang lang,
                                    unsigned limit, bool duplicate)
{
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
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
        if (duplicate) {
            tl_jw_kbool(&w, "duplicate", true);
        }
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
        ret = db_error(x, rc, "capture");
    } else {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/captures/%" PRIu64, id);
        ret = send_json(x, status, &b, status == 201 ? loc : NULL);
    }
    tl_buf_cleanup(&b);
    return ret;
}

/* What an upload asked for, as the ingest takes it (a synchronous upload's or a job's). */
static struct tl_ingest_opts ingest_opts(const struct tl_server *s, const struct req *q)
{
    return (struct tl_ingest_opts){
        .max_flows = s->cfg.max_flows,
        .cksum_mode = (enum tl_cksum_mode)q->cksum_mode,
        .busy_wait_ms = s->cfg.busy_wait_ms,
        .filter = q->filter[0] ? q->filter : NULL,
        .sha256 = q->sha256[0] ? q->sha256 : NULL,
        .keep_duplicate = q->keep_duplicate,
        .max_decompressed = s->cfg.max_upload > UINT64_MAX / MAX_INFLATION
                                ? UINT64_MAX
                                : s->cfg.max_upload * MAX_INFLATION,
    };
}

/* On an ingest thread: decode and store q->tmp, and prepare the answer. */
static void run_ingest(struct tl_server *s, struct req *q)
{
    struct call x = { .s = s, .c = q->conn, .q = q };
    struct tl_ingest_opts io = ingest_opts(s, q);
    struct tl_ingest_result res;
    struct timespec t0, t1;
    const char *name = q->display_name;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tl_ingest(s->store, &io, q->tmp, name, q->file_bytes, &res);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* stored: the file was renamed; otherwise it goes now */
    unlink(q->tmp);
    q->tmp[0] = '\0';
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    tl_metrics_upload(q->file_bytes, res.packets, res.flows, res.status == TL_INGEST_OK);
    switch (res.status) {
        case TL_INGEST_OK:
            tl_health_write_ok();
            tl_log("stored capture %" PRIu64 " \"%s\": %" PRIu64 " packets, %" PRIu64
                   " flows, decoded and stored in %.3f s",
                   res.capture_id, name, res.packets, res.flows, secs);
            send_capture(&x, res.capture_id, 201, q->lang, FLOWS_DEFAULT_LIMIT, false);
            return;
        case TL_INGEST_DUPLICATE:
            tl_log("upload \"%s\" is capture %" PRIu64 ", stored already (sha256 %s)", name,
                   res.capture_id, q->sha256);
            send_capture(&x, res.capture_id, 200, q->lang, FLOWS_DEFAULT_LIMIT, true);
            return;
        case TL_INGEST_NOT_CAPTURE:
            FAIL(&x, TL_ERR_NOT_A_CAPTURE, "not a pcap or pcapng capture: %s", res.message);
            return;
        case TL_INGEST_UNREADABLE:
            FAIL(&x, TL_ERR_UNREADABLE, "the capture cannot be read: %s", res.message);
            return;
        case TL_INGEST_BAD_FILTER:
            BAD_PARAM(&x, "filter", "libpcap cannot apply the filter to this capture: %s",
                      res.message);
            return;
        case TL_INGEST_TOO_LARGE:
            FAIL(&x, TL_ERR_TOO_LARGE, "nothing was stored: %s", res.message);
            return;
        case TL_INGEST_BUSY:
            FAIL(&x, TL_ERR_DB_BUSY, "%s", res.message);
            return;
        case TL_INGEST_READONLY:
            tl_health_write_failed(TL_ERR_DB_READONLY, "the database is read-only");
            FAIL(&x, TL_ERR_DB_READONLY, "%s", res.message);
            return;
        case TL_INGEST_DISK_FULL:
            tl_health_write_failed(TL_ERR_DISK_FULL, "the disk holding the database is full");
            FAIL(&x, TL_ERR_DISK_FULL, "%s", res.message);
            return;
        default:
            FAIL(&x, TL_ERR_INTERNAL, "%s", res.message);
            return;
    }
}

/* A background job on an ingest thread: decode and store, then record how it ended. */
static void run_job(struct tl_server *s, struct req *q, bool stop)
{
    struct tl_db *db = tl_store_db(s->store);
    bool shared = tl_jobs_shared(s->jobs);
    if (stop && shared) { /* its lease runs out: another server takes it over */
        tl_log("job %" PRIu64 ": left to the other servers (this one is stopping)",
               tl_job_id(q->job));
        return;
    }
    if (stop) {
        unlink(q->tmp);
        tl_job_finish(s->jobs, q->job, db, 0, 0, 0, "interrupted",
                      "the server stopped before this job began: upload the file again");
        return;
    }
    if (!tl_job_running(s->jobs, q->job, db)) {
        return; /* another server took it over before it began here */
    }
    struct tl_ingest_opts io = ingest_opts(s, q);
    io.progress = tl_job_progress(q->job);
    if (shared) {
        io.job_id = tl_job_id(q->job);
        io.job_owner = tl_jobs_owner(s->jobs);
    }
    struct tl_ingest_result res;
    tl_ingest(s->store, &io, q->tmp, q->name, q->file_bytes, &res);
    if (res.status == TL_INGEST_TAKEN_OVER) { /* the file is the other server's now */
        tl_log("job %" PRIu64 ": %s", tl_job_id(q->job), res.message);
        return;
    }
    unlink(q->tmp);
    if (tl_store_blobs(s->store)) { /* the upload's copy in the database: its capture has one */
        tl_db_blob_delete(db, file_name(q->tmp));
    }
    tl_metrics_upload(q->file_bytes, res.packets, res.flows,
                      res.status == TL_INGEST_OK || res.status == TL_INGEST_DUPLICATE);
    if (res.status == TL_INGEST_OK || res.status == TL_INGEST_DUPLICATE) {
        tl_log("job %" PRIu64 ": capture %" PRIu64 " \"%s\"%s", tl_job_id(q->job), res.capture_id,
               q->name, res.status == TL_INGEST_DUPLICATE ? ", stored already" : "");
        tl_job_finish(s->jobs, q->job, db, res.capture_id, res.packets, res.flows, NULL, NULL);
        return;
    }
    static const struct {
        enum tl_ingest_status st;
        enum tl_error e;
    } map[] = {
        { TL_INGEST_NOT_CAPTURE, TL_ERR_NOT_A_CAPTURE },
        { TL_INGEST_UNREADABLE, TL_ERR_UNREADABLE },
        { TL_INGEST_BAD_FILTER, TL_ERR_BAD_PARAMETER },
        { TL_INGEST_TOO_LARGE, TL_ERR_TOO_LARGE },
        { TL_INGEST_BUSY, TL_ERR_DB_BUSY },
        { TL_INGEST_READONLY, TL_ERR_DB_READONLY },
        { TL_INGEST_DISK_FULL, TL_ERR_DISK_FULL },
    };
    enum tl_error e = TL_ERR_INTERNAL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].st == res.status) {
            e = map[i].e;
        }
    }
    tl_job_finish(s->jobs, q->job, db, 0, res.packets, res.flows, tl_error_info(e)->code,
                  res.message);
}

static void *ingest_main(void *arg)
{
    struct tl_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->qlock);
        while (!s->qhead && !s->pool_stop) {
            pthread_cond_wait(&s->qcond, &s->qlock);
        }
        struct req *q = s->qhead;
        if (!q) { /* stopping, and nothing left */
            pthread_mutex_unlock(&s->qlock);
            break;
        }
        s->qhead = q->qnext;
        if (!s->qhead) {
            s->qtail = NULL;
        }
        s->queued--;
        s->running++;
        bool stop = s->pool_stop;
        pthread_mutex_unlock(&s->qlock);
        if (q->job) { /* a background job: nobody waits on a connection */
            run_job(s, q, stop);
            pthread_mutex_lock(&s->qlock);
            s->running--;
            pthread_mutex_unlock(&s->qlock);
            free(q);
            continue;
        }
        q->deferred = true;
        if (stop) {
            struct call x = { .s = s, .c = q->conn, .q = q };
            unlink(q->tmp);
            q->tmp[0] = '\0';
            FAIL(&x, TL_ERR_OVERLOADED, "the server is shutting down");
        } else {
            run_ingest(s, q);
        }
        q->ing = ING_DONE;
        pthread_mutex_lock(&s->qlock);
        s->running--;
        pthread_mutex_unlock(&s->qlock);
        MHD_resume_connection(q->conn); /* the worker queues q->pending */
    }
    tl_store_thread_done(s->store);
    return NULL;
}

static void queue_push(struct tl_server *s, struct req *q)
{
    pthread_mutex_lock(&s->qlock);
    q->qnext = NULL;
    if (s->qtail) {
        s->qtail->qnext = q;
    } else {
        s->qhead = q;
    }
    s->qtail = q;
    s->queued++;
    pthread_cond_signal(&s->qcond);
    pthread_mutex_unlock(&s->qlock);
}

/* What a job's upload asked for, as JSON text (malloc'ed): what another server needs to run it
 * (the file within the shared data directory, the settings). */
static char *job_options(const char *file, const struct req *q)
{
    json_t *o =
        json_pack("{s:s, s:i, s:s, s:s, s:b}", "file", file, "checksums", (int)q->cksum_mode,
                  "filter", q->filter, "sha256", q->sha256, "keep_duplicate", q->keep_duplicate);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

/* A job another server began, from its options: the settings into j, its upload's file name
 * into file; false when the options cannot be read. */
static bool job_from_options(const char *options, struct req *j, char *file_out, size_t len)
{
    json_t *o = json_loads(options, 0, NULL);
    const char *file = NULL, *filter = "", *sha = "";
    int cks = 0, keep = 0;
    bool ok = o && json_unpack(o, "{s:s, s:i, s?s, s?s, s?b}", "file", &file, "checksums", &cks,
                               "filter", &filter, "sha256", &sha, "keep_duplicate", &keep) == 0;
    ok = ok && strlen(file) < len && cks >= 0 && cks < 256 && strlen(filter) < sizeof j->filter &&
         strlen(sha) < sizeof j->sha256;
    if (ok) {
        snprintf(file_out, len, "%s", file);
        snprintf(j->filter, sizeof j->filter, "%s", filter);
        snprintf(j->sha256, sizeof j->sha256, "%s", sha);
        j->cksum_mode = (uint8_t)cks;
        j->keep_duplicate = keep;
    }
    json_decref(o);
    return ok;
}

/*
 * A background job (RFC 7240 Prefer: respond-async, or a body above --async-above): the
 * upload's file and settings move to a copy the ingest pool owns, and the answer is 202 with
 * the job's document and its Location, at once.
 */
static enum MHD_Result enqueue_job(struct call *x)
{
    struct tl_server *s = x->s;
    struct req *q = x->q;
    struct tl_db *db = tl_store_db(s->store);
    if (!db) {
        tmp_discard(q);
        return no_db(x);
    }
    struct req *j = calloc(1, sizeof *j);
    if (!j) {
        tmp_discard(q);
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    /* job-...: a name the start-up clean-up of temporary uploads leaves alone, so that the file
     * waits for whichever server runs the job */
    const char *base = file_name(q->tmp);
    int n = snprintf(j->tmp, sizeof j->tmp, "%s/job-%.200s", s->cfg.data_dir,
                     strncmp(base, "upload-", 7) == 0 ? base + 7 : base);
    if (n < 0 || (size_t)n >= sizeof j->tmp || rename(q->tmp, j->tmp) != 0) {
        snprintf(j->tmp, sizeof j->tmp, "%s", q->tmp);
    }
    q->tmp[0] = '\0'; /* the file is the job's now */
    /* with the files in the database, the upload waits there too: any server can run it */
    const char *job_file = file_name(j->tmp);
    enum tl_db_rc brc = tl_store_blobs(s->store) ? tl_db_blob_put(db, job_file, j->tmp) : TL_DB_OK;
    if (brc != TL_DB_OK) {
        unlink(j->tmp);
        free(j);
        tmp_discard(q);
        return db_error(x, brc, "job");
    }
    char *options = job_options(job_file, q);
    enum tl_db_rc rc = TL_DB_ERROR;
    struct tl_job *job =
        options ? tl_job_create(s->jobs, db, q->display_name, q->file_bytes, options, &rc) : NULL;
    free(options);
    if (!job) {
        if (tl_store_blobs(s->store)) {
            tl_db_blob_delete(db, job_file);
        }
        unlink(j->tmp);
        free(j);
        tmp_discard(q);
        return rc == TL_DB_BUSY ? FAIL(x, TL_ERR_OVERLOADED, "too many background jobs at once")
                                : db_error(x, rc, "job");
    }
    j->job = job;
    j->fd = -1;
    snprintf(j->name, sizeof j->name, "%s", q->display_name);
    j->display_name = j->name;
    j->file_bytes = q->file_bytes;
    j->cksum_mode = q->cksum_mode;
    memcpy(j->filter, q->filter, sizeof j->filter);
    memcpy(j->sha256, q->sha256, sizeof j->sha256);
    j->keep_duplicate = q->keep_duplicate;
    j->lang = q->lang;
    /* the answer is written before the pool may touch the job, and cannot fail: once the job
     * is queued, the client is told where it is */
    char doc[TL_JOB_DOC_MAX];
    size_t doc_len = tl_job_queued_json(job, doc, sizeof doc);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/jobs/%" PRIu64, tl_job_id(job));
    queue_push(s, j);
    return send_buf(x, 202, JSON_TYPE, doc, doc_len, loc);
}

/*
 * The body is on disk: hand it to the ingest pool and suspend the connection until it is
 * stored; a full queue is a 503 at once.
 */
static enum MHD_Result enqueue_ingest(struct call *x, const char *name)
{
    struct tl_server *s = x->s;
    struct req *q = x->q;
    q->display_name = name;
    tl_sha256_final_hex(&q->sha, q->sha256); /* the body is whole: its identity */
    pthread_mutex_lock(&s->qlock);
    bool full = s->queued >= s->cfg.ingest_queue;
    pthread_mutex_unlock(&s->qlock);
    if (full) {
        tmp_discard(q);
        tl_metrics_upload(q->file_bytes, 0, 0, false);
        return FAIL(x, TL_ERR_OVERLOADED, "%u uploads are waiting to be decoded; try again shortly",
                    s->cfg.ingest_queue);
    }
    const char *prefer = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Prefer");
    if ((prefer && strstr(prefer, "respond-async")) ||
        (s->cfg.async_above && q->file_bytes > s->cfg.async_above)) {
        return enqueue_job(x);
    }
    q->conn = x->c;
    q->ing = ING_QUEUED;
    MHD_suspend_connection(x->c); /* before the queue: the answer may come at once */
    queue_push(s, q);
    return MHD_YES;
}

static void watch_phase(struct tl_server *s, struct req *q, enum conn_phase ph);

/* One of the client address's upload slots (--uploads-per-ip) for q; false when it has none
 * left. */
static bool upload_slot_take(struct tl_server *s, struct req *q, struct MHD_Connection *c)
{
    client_address(c, q->slot_addr, sizeof q->slot_addr);
    bool ok = false;
    pthread_mutex_lock(&s->ulock_);
    struct upload_count *free_slot = NULL;
    for (unsigned i = 0; i < s->n_ucount; i++) {
        struct upload_count *u = &s->ucount[i];
        if (u->n && strcmp(u->addr, q->slot_addr) == 0) {
            ok = u->n < s->cfg.uploads_per_ip;
            u->n += ok;
            goto out;
        }
        if (!u->n && !free_slot) {
            free_slot = u;
        }
    }
    if (!free_slot && s->n_ucount < s->cap_ucount) {
        free_slot = &s->ucount[s->n_ucount++];
    }
    if (free_slot) { /* none would mean more uploads than connections: cannot happen */
        snprintf(free_slot->addr, sizeof free_slot->addr, "%s", q->slot_addr);
        free_slot->n = 1;
        ok = true;
    }
out:
    pthread_mutex_unlock(&s->ulock_);
    q->has_slot = ok;
    return ok;
}

static void upload_slot_give(struct tl_server *s, struct req *q)
{
    if (!q->has_slot) {
        return;
    }
    q->has_slot = false;
    pthread_mutex_lock(&s->ulock_);
    for (unsigned i = 0; i < s->n_ucount; i++) {
        struct upload_count *u = &s->ucount[i];
        if (u->n && strcmp(u->addr, q->slot_addr) == 0) {
            u->n--;
            break;
        }
    }
    pthread_mutex_unlock(&s->ulock_);
}

/* The first call of an upload: checks that need no body, then the temporary file. */
static enum MHD_Result upload_start(struct call *x, const char *put_name)
{
    struct tl_server *s = x->s;
    struct req *q = x->q;
    const char *cl = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Content-Length");
    uint64_t len;
    bool has_len = cl && tl_param_uint(cl, 0, UINT64_MAX, &len);
    if (has_len && len > s->cfg.max_upload) {
        if (len - s->cfg.max_upload > DRAIN_MAX) { /* answered now, the connection closed */
            return FAIL(x, TL_ERR_TOO_LARGE,
                        "the body has %" PRIu64 " bytes; this server takes at most %" PRIu64, len,
                        s->cfg.max_upload);
        }
        /* Read and dropped, then answered: a connection closed while the client still sends
         * is reset by the kernel, and the client may never read the 413 queued before. */
        q->kind = REQ_UPLOAD;
        q->too_large = true;
        return MHD_YES;
    }
    if (!upload_slot_take(s, q, x->c)) {
        if (has_len && len > DRAIN_MAX) {
            return FAIL(x, TL_ERR_TOO_MANY_UPLOADS,
                        "%s is already sending %u uploads; send this one when one of them is "
                        "answered",
                        q->slot_addr, s->cfg.uploads_per_ip);
        }
        q->kind = REQ_UPLOAD; /* read and dropped, then answered, as a body too large */
        q->too_many = true;
        return MHD_YES;
    }
    if (!tmp_open(s, q)) {
        return write_error(x, q->write_errno);
    }
    q->kind = REQ_UPLOAD;
    const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Content-Type");
    if (!put_name && ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
        q->multipart = true;
        q->pp = MHD_create_post_processor(x->c, 64 * 1024, post_iter, q);
        if (!q->pp) {
            tmp_discard(q);
            return FAIL(x, TL_ERR_BAD_REQUEST, "multipart/form-data without a usable boundary");
        }
    }
    if (put_name) {
        snprintf(q->name, sizeof q->name, "%s", put_name);
    }
    q->name_len = strlen(q->name);
    watch_phase(s, q, PH_BODY);
    return MHD_YES;
}

static enum MHD_Result upload_chunk(struct tl_server *s, struct req *q, const char *data,
                                    size_t *size)
{
    size_t n = *size;
    *size = 0;
    q->bytes_in += n;
    if (q->ct) {
        atomic_fetch_add(&q->ct->body_bytes, n);
    }
    if (q->too_large) {
        /*
         * libmicrohttpd 0.9 answers only once the body has ended, so the rest is read and
         * dropped; a body that goes on far past the limit is cut off (connection closed).
         */
        return q->bytes_in > s->cfg.max_upload && q->bytes_in - s->cfg.max_upload > DRAIN_MAX
                   ? MHD_NO
                   : MHD_YES;
    }
    if (q->too_many) {
        return q->bytes_in > DRAIN_MAX ? MHD_NO : MHD_YES;
    }
    if (q->pp_failed || q->write_failed || q->dup_part[0]) {
        return MHD_YES; /* discard the rest: the answer is already decided */
    }
    if (q->bytes_in > s->cfg.max_upload) {
        q->too_large = true;
        tmp_discard(q); /* the partial file goes at once */
        return MHD_YES;
    }
    if (q->multipart) {
        if (MHD_post_process(q->pp, data, n) != MHD_YES && !q->dup_part[0] && !q->write_failed) {
            q->pp_failed = true;
        }
    } else if (!tmp_write(q, data, n)) {
        q->write_failed = true;
    } else {
        q->file_bytes += n;
    }
    if (q->write_failed || q->dup_part[0]) {
        tmp_discard(q);
    }
    return MHD_YES;
}

static enum MHD_Result upload_end(struct call *x)
{
    struct req *q = x->q;
    watch_phase(x->s, q, PH_WORKING);
    if (q->status) { /* an early answer was queued */
        return MHD_YES;
    }
    if (q->too_large) {
        return FAIL(x, TL_ERR_TOO_LARGE,
                    "the body is larger than this server takes (%" PRIu64 " bytes)",
                    x->s->cfg.max_upload);
    }
    if (q->too_many) {
        return FAIL(x, TL_ERR_TOO_MANY_UPLOADS,
                    "%s is already sending %u uploads; send this one when one of them is "
                    "answered",
                    q->slot_addr, x->s->cfg.uploads_per_ip);
    }
    if (q->multipart) {
        if (MHD_destroy_post_processor(q->pp) != MHD_YES && !q->dup_part[0]) {
            q->pp_failed = true;
        }
        q->pp = NULL;
    }
    if (q->write_failed) {
        tmp_discard(q);
        return write_error(x, q->write_errno);
    }
    if (q->dup_part[0]) {
        tmp_discard(q);
        return reply_error(x, TL_ERR_BAD_REQUEST, q->dup_part, NULL, NULL,
                           "the multipart body has more than one part named \"%s\"; send one",
                           q->dup_part);
    }
    if (q->pp_failed || (q->multipart && !q->saw_file)) {
        tmp_discard(q);
        return FAIL(x, TL_ERR_BAD_REQUEST, "%s",
                    q->pp_failed ? "the multipart body is malformed"
                                 : "the multipart body has no part named \"file\"");
    }
    if (q->file_bytes == 0) {
        tmp_discard(q);
        return FAIL(x, TL_ERR_BAD_REQUEST, "the body is empty: send a pcap or pcapng file");
    }
    close(q->fd);
    q->fd = -1;
    clean_name(q->name, sizeof q->name, q->filename[0] ? q->filename : "upload");
    return enqueue_ingest(x, q->name);
}

/* --- routes, parameters, access ----------------------------------------------------------- */

typedef enum MHD_Result (*handler_fn)(struct call *x);

enum access {
    ACC_PUBLIC, /* anyone: health, metrics, the description, the dashboard */
    ACC_READ,   /* with --read-key: that key (or a write key) */
    ACC_WRITE,  /* with --api-key: that key; without one: loopback clients only */
};

enum route_flags {
    RF_BODY = 1,       /* the handler takes a streamed body (uploads) */
    RF_JSON = 8,       /* the handler takes a JSON body, read whole first (TL_NOTE_BODY_MAX) */
    RF_ANY_PARAMS = 2, /* static files: the query is not ours to judge */
};

struct route {
    const char *method;
    const char *pattern; /* segments; {id}: a positive integer, {name}: any text, "*": static */
    handler_fn fn;
    enum access access;
    const struct tl_param_spec *params;
    unsigned n_params;
    unsigned flags;
};

/* The parameter `name` of this request's route (its schema declares it). */
static const struct tl_param_val *P(struct call *x, const char *name)
{
    const struct route *rt = x->q->rt;
    for (unsigned i = 0; i < rt->n_params; i++) {
        if (strcmp(rt->params[i].name, name) == 0) {
            return &x->q->vals[i];
        }
    }
    abort(); /* a handler asked for a parameter its route does not declare */
}

/* Whether this request's route declares the parameter `name`. */
static bool route_has(struct call *x, const char *name)
{
    const struct route *rt = x->q->rt;
    for (unsigned i = 0; i < rt->n_params; i++) {
        if (strcmp(rt->params[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static enum tl_lang request_lang(struct call *x)
{
    const struct tl_param_val *v = P(x, "lang");
    if (v->set) {
        return (enum tl_lang)v->i;
    }
    int l =
        tl_accept_language(MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Accept-Language"));
    return l < 0 ? TL_LANG_EN : (enum tl_lang)l;
}

static uint64_t uint_or(struct call *x, const char *name, uint64_t dflt)
{
    const struct tl_param_val *v = P(x, name);
    return v->set ? v->u : dflt;
}

/* --- handlers --------------------------------------------------------------------------- */

static enum MHD_Result h_health(struct call *x)
{
    struct tl_db *db = tl_store_db(x->s->store);
    unsigned status;
    char *doc = tl_health_doc(db && tl_db_ping(db), atomic_load(&x->s->stopping),
                              x->s->cfg.data_dir, &status);
    if (!doc) {
        return MHD_NO;
    }
    enum MHD_Result ret = send_buf(x, status, JSON_TYPE, doc, strlen(doc), NULL);
    free(doc);
    return ret;
}

static enum MHD_Result h_metrics(struct call *x)
{
    struct tl_buf b;
    tl_buf_init(&b, (size_t)1 << 20);
    tl_metrics_render(&b);
    enum MHD_Result ret = send_buf(x, 200, "text/plain; version=0.0.4; charset=utf-8",
                                   b.data ? b.data : "", b.len, NULL);
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result h_openapi(struct call *x)
{
    const struct tl_embedded *e = tl_embedded_find("openapi.yaml");
    if (!e) {
        return FAIL(x, TL_ERR_NOT_FOUND, "no API description built in");
    }
    return send_buf(x, 200, "application/yaml; charset=utf-8", (const char *)e->data, e->len, NULL);
}

static void capture_list_cb(void *arg, uint64_t id, const char *doc, size_t len)
{
    struct page_ctx *p = arg;
    if (p->n == p->limit) {
        p->more = true;
        return;
    }
    tl_jw_raw(p->w, doc, len); /* stored names may predate the validator: send_buf cleans */
    p->n++;
    p->last_id = id;
}

static enum MHD_Result h_captures_list(struct call *x)
{
    uint64_t limit = uint_or(x, "limit", FLOWS_DEFAULT_LIMIT);
    uint64_t before = uint_or(x, "cursor", 0);
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
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
    enum MHD_Result ret = rc == TL_DB_OK ? send_json(x, 200, &b, NULL) : db_error(x, rc, "capture");
    tl_buf_cleanup(&b);
    return ret;
}

/* An upload's `filter` (compiled later, for the file's link type) and `duplicate`; false: the
 * filter is too long. */
static bool take_filter(struct call *x)
{
    const struct tl_param_val *d = P(x, "duplicate");
    x->q->keep_duplicate = d->set ? d->i == 1 : x->s->cfg.keep_duplicates;
    const struct tl_param_val *v = P(x, "filter");
    if (!v->set) {
        return true;
    }
    size_t n = strlen(v->raw);
    if (n >= sizeof x->q->filter) {
        return false;
    }
    memcpy(x->q->filter, v->raw, n + 1);
    return true;
}

static enum MHD_Result h_upload_post(struct call *x)
{
    struct req *q = x->q;
    const struct tl_param_val *v = P(x, "name");
    if (v->set) {
        snprintf(q->name, sizeof q->name, "%s", v->raw);
    }
    q->lang = request_lang(x);
    if (P(x, "checksums")->set) {
        q->cksum_mode = (uint8_t)P(x, "checksums")->i;
    }
    if (!take_filter(x)) {
        return BAD_PARAM(x, "filter", "the filter is longer than %zu bytes", sizeof q->filter - 1);
    }
    return upload_start(x, NULL);
}

static enum MHD_Result h_upload_put(struct call *x)
{
    struct req *q = x->q;
    q->lang = request_lang(x);
    if (P(x, "checksums")->set) {
        q->cksum_mode = (uint8_t)P(x, "checksums")->i;
    }
    if (!take_filter(x)) {
        return BAD_PARAM(x, "filter", "the filter is longer than %zu bytes", sizeof q->filter - 1);
    }
    return upload_start(x, q->seg_name[0] ? q->seg_name : "upload");
}

static enum MHD_Result h_capture_get(struct call *x)
{
    return send_capture(x, x->q->id, 200, request_lang(x),
                        (unsigned)uint_or(x, "limit", FLOWS_DEFAULT_LIMIT), false);
}

static enum MHD_Result h_capture_delete(struct call *x)
{
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    struct tl_capture_row row;
    enum tl_db_rc rc = tl_capture_remove(db, x->q->id, &row); /* rows, then file */
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "capture");
    }
    tl_log("deleted capture %" PRIu64, x->q->id);
    return send_buf(x, 204, JSON_TYPE, "", 0, NULL);
}

/* The capture's stored file, opened (fetched from the database first when it keeps the files
 * and this server has no copy yet); -1 when there is none. */
static int open_capture_file(struct tl_db *db, const struct tl_capture_row *row, char *path,
                             size_t size)
{
    if (tl_db_local_file(db, row->file, path, size) != TL_DB_OK) {
        return -1;
    }
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

static enum MHD_Result h_capture_pcap(struct call *x)
{
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    struct tl_capture_row row;
    enum tl_db_rc rc = tl_db_capture_get(db, x->q->id, NULL, &row);
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "capture");
    }
    char path[4096], disp[300];
    int fd = open_capture_file(db, &row, path, sizeof path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return FAIL(x, TL_ERR_NOT_FOUND, "the stored file is missing");
    }
    disposition(disp, sizeof disp, row.name, "");
    bool ng = strstr(row.file, ".pcapng") != NULL;
    return send_fd(x, fd, (uint64_t)st.st_size,
                   ng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap", disp);
}

/* A list parameter as the store takes it: "a,b" (values checked against the vocabulary). */
static const char *list_param(struct call *x, const char *name)
{
    const struct tl_param_val *v = P(x, name);
    return v->set ? v->raw : NULL;
}

/* The cursor of a sorted list: "SORT:VALUE:ID" ("null" for an unknown value), as
 * write_flow_page gives it out; false when it is not one for this sort. */
static bool parse_sort_cursor(const char *c, struct tl_flow_filter *f)
{
    const char *name = sort_name(f);
    size_t n = strlen(name);
    if (strncmp(c, name, n) != 0 || c[n] != ':') {
        return false;
    }
    c += n + 1;
    const char *colon = strchr(c, ':');
    if (!colon) {
        return false;
    }
    char val[24];
    size_t vl = (size_t)(colon - c);
    if (vl == 0 || vl >= sizeof val) {
        return false;
    }
    memcpy(val, c, vl);
    val[vl] = '\0';
    f->after_null = strcmp(val, "null") == 0;
    uint64_t v = 0;
    if (!f->after_null && !tl_param_uint(val, 0, INT64_MAX, &v)) {
        return false;
    }
    f->after_value = (int64_t)v;
    f->after_set = true;
    return parse_id(colon + 1, &f->after_id);
}

/* The filters of GET /api/v1/flows (and /flows.log, /stats) from the bound parameters; false
 * when the cursor is not one this server gave out (the 400 is sent). */
static bool flows_filter(struct call *x, struct tl_flow_filter *fp)
{
    struct tl_flow_filter f = {
        .port = -1, .client_port = -1, .server_port = -1, .limit = FLOWS_DEFAULT_LIMIT
    };
    static const char *const addr_keys[] = { "host", "client", "server" };
    struct tl_addr_range *ranges[] = { &f.host, &f.client, &f.server };
    for (int i = 0; i < 3; i++) {
        const struct tl_param_val *v = P(x, addr_keys[i]);
        if (v->set) {
            *ranges[i] = v->range;
        }
    }
    static const char *const port_keys[] = { "port", "client_port", "server_port" };
    int *ports[] = { &f.port, &f.client_port, &f.server_port };
    for (int i = 0; i < 3; i++) {
        const struct tl_param_val *v = P(x, port_keys[i]);
        if (v->set) {
            *ports[i] = (int)(v->n > 0 ? v->uitems[0] : v->u);
        }
    }
    const struct tl_param_val *pv = P(x, "port");
    if (pv->set && pv->n > 1) { /* port=a,b: any of them */
        for (unsigned i = 0; i < pv->n && i < TL_FLOW_PORTS_MAX; i++) {
            f.ports[f.n_ports++] = (uint16_t)pv->uitems[i];
        }
    }
    f.service = list_param(x, "service");
    f.tunnel_kinds = list_param(x, "tunnel");
    f.vlans = list_param(x, "vlan");
    if (P(x, "vni")->set) {
        f.vni_set = true;
        f.vni = (uint32_t)P(x, "vni")->u;
    }
    if (P(x, "outer_host")->set) {
        f.outer = P(x, "outer_host")->range;
    }
    f.min_rtt_us = (int64_t)uint_or(x, "min_rtt_us", 0);
    f.min_retrans = (int64_t)uint_or(x, "min_retrans", 0);
    f.min_bytes = (int64_t)uint_or(x, "min_bytes", 0);
    f.min_duration_us = (int64_t)uint_or(x, "min_duration_us", 0);
    f.handshake = list_param(x, "handshake");
    f.teardown = list_param(x, "teardown");
    f.conn_state = list_param(x, "conn_state");
    f.capture = uint_or(x, "capture", 0);
    const struct tl_param_val *v;
    if ((v = P(x, "since"))->set) {
        f.since_ns = v->t;
        f.since_set = true;
    }
    if ((v = P(x, "until"))->set) {
        f.until_ns = v->t;
        f.until_set = true;
    }
    f.limit = route_has(x, "limit") ? (unsigned)uint_or(x, "limit", FLOWS_DEFAULT_LIMIT)
                                    : FLOWS_DEFAULT_LIMIT;
    const struct tl_param_val *sv = route_has(x, "sort") ? P(x, "sort") : NULL;
    if (sv && sv->set && sv->i > 0) {
        f.sort = (enum tl_sort_key)((sv->i + 1) / 2);
        f.desc = sv->i % 2 == 0;
    }
    const struct tl_param_val *cv = route_has(x, "cursor") ? P(x, "cursor") : NULL;
    if (cv && cv->set) {
        bool good =
            f.sort == TL_SORT_ID ? parse_id(cv->raw, &f.after_id) : parse_sort_cursor(cv->raw, &f);
        if (!good) {
            BAD_PARAM(x, "cursor", "cursor: not a cursor this server gave out for sort=%s",
                      sort_name(&f));
            return false;
        }
    }
    *fp = f;
    return true;
}

/* GET /api/v1/flows.log: Zeek's conn.log of the same flows (server/zeeklog.c). */
static enum MHD_Result h_flows_log(struct call *x)
{
    struct tl_flow_filter f;
    if (!flows_filter(x, &f)) {
        return MHD_YES;
    }
    const struct tl_param_val *fv = P(x, "format");
    enum tl_zeek_format fmt = fv->set && fv->i == 1 ? TL_ZEEK_JSON : TL_ZEEK_TSV;
    struct tl_zeeklog *zl = NULL;
    enum tl_db_rc rc = tl_zeeklog_start(x->s->store, &f, P(x, "limit")->set, fmt, &zl);
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "flow");
    }
    char next[32] = "";
    if (tl_zeeklog_next_cursor(zl)) {
        snprintf(next, sizeof next, "%" PRIu64, tl_zeeklog_next_cursor(zl));
    }
    struct MHD_Response *r = tl_zeeklog_response(zl);
    if (!r) {
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    MHD_add_response_header(r, "Content-Type", tl_zeeklog_content_type(fmt));
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (next[0]) {
        MHD_add_response_header(r, "X-Next-Cursor", next);
    }
    common_headers(x->s, r);
    return emit(x, 200, r, 0);
}

static enum MHD_Result h_flows(struct call *x)
{
    struct tl_flow_filter f;
    if (!flows_filter(x, &f)) {
        return MHD_YES;
    }
    enum tl_lang lang = request_lang(x);
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)256 << 20);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    enum tl_db_rc rc = write_flow_page(db, &f, lang, &w);
    tl_jw_obj_end(&w);
    enum MHD_Result ret = rc == TL_DB_OK ? send_json(x, 200, &b, NULL) : db_error(x, rc, "flow");
    tl_buf_cleanup(&b);
    return ret;
}

struct stats_ctx {
    json_t *groups;
    uint64_t flows, packets, bytes, retrans_packets, retrans_bytes;
};

static bool stats_cb(void *arg, const struct tl_stats_row *r)
{
    struct stats_ctx *c = arg;
    json_t *g = json_object();
    json_object_set_new(g, "key", r->key ? json_string(r->key) : json_null());
    json_object_set_new(g, "flows", json_integer((json_int_t)r->flows));
    json_object_set_new(g, "packets", json_integer((json_int_t)r->packets));
    json_object_set_new(g, "bytes", json_integer((json_int_t)r->bytes));
    json_object_set_new(g, "retrans_packets", json_integer((json_int_t)r->retrans_packets));
    json_object_set_new(g, "retrans_bytes", json_integer((json_int_t)r->retrans_bytes));
    c->flows += r->flows;
    c->packets += r->packets;
    c->bytes += r->bytes;
    c->retrans_packets += r->retrans_packets;
    c->retrans_bytes += r->retrans_bytes;
    return json_array_append_new(c->groups, g) == 0;
}

/* GET /api/v1/stats: totals of the matching flows and their counts by one column; each
 * group's share of the flows, in percent. A small document: built with Jansson. */
static enum MHD_Result h_stats(struct call *x)
{
    struct tl_flow_filter f;
    if (!flows_filter(x, &f)) {
        return MHD_YES;
    }
    const struct tl_param_val *g = P(x, "group_by");
    enum tl_group_key key = g->set ? (enum tl_group_key)g->i : TL_GROUP_CONN_STATE;
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    struct stats_ctx c = { .groups = json_array() };
    enum tl_db_rc rc = tl_db_flow_stats(db, &f, key, stats_cb, &c);
    if (rc != TL_DB_OK) {
        json_decref(c.groups);
        return db_error(x, rc, "flow");
    }
    size_t i;
    json_t *grp;
    json_array_foreach (c.groups, i, grp) {
        uint64_t n = (uint64_t)json_integer_value(json_object_get(grp, "flows"));
        double share = c.flows ? 100.0 * (double)n / (double)c.flows : 0.0;
        json_object_set_new(grp, "share", json_real((double)(int64_t)(share * 100 + 0.5) / 100));
    }
    json_t *doc = json_object();
    json_t *tot = json_object();
    json_object_set_new(tot, "flows", json_integer((json_int_t)c.flows));
    json_object_set_new(tot, "packets", json_integer((json_int_t)c.packets));
    json_object_set_new(tot, "bytes", json_integer((json_int_t)c.bytes));
    json_object_set_new(tot, "retrans_packets", json_integer((json_int_t)c.retrans_packets));
    json_object_set_new(tot, "retrans_bytes", json_integer((json_int_t)c.retrans_bytes));
    json_object_set_new(doc, "group_by", json_string(groups[key]));
    json_object_set_new(doc, "total", tot);
    json_object_set_new(doc, "groups", c.groups);
    return send_jansson(x, 200, doc, NULL);
}

/* This thread's database and the flow; false with the error answer queued in *err. */
static bool flow_lookup(struct call *x, struct tl_db **db, struct tl_flow_ref *ref,
                        enum MHD_Result *err)
{
    *db = tl_store_db(x->s->store);
    if (!*db) {
        *err = no_db(x);
        return false;
    }
    enum tl_db_rc rc = tl_db_flow_get(*db, x->q->id, ref);
    if (rc != TL_DB_OK) {
        *err = db_error(x, rc, "flow");
        return false;
    }
    const struct tl_param_val *v = P(x, "checksums");
    if (v->set) { /* classify again another way */
        ref->cksum_mode = (uint8_t)v->i;
    }
    return true;
}

/* GET /flows/{id} (a page of its timeline) and /flows/{id}/packets/{index} (one packet). */
static enum MHD_Result flow_packets(struct call *x, bool one)
{
    uint64_t offset = 0, limit = TIMELINE_DEFAULT_LIMIT;
    struct tl_replay_view v = { .lang = request_lang(x), .fields = true };
    if (one) {
        const char *seg = strrchr(x->q->path, '/') + 1; /* the route matched: there is one */
        char *end;
        errno = 0;
        unsigned long long n = strtoull(seg, &end, 10);
        if (seg[0] < '0' || seg[0] > '9' || *end || errno == ERANGE) {
            return FAIL(x, TL_ERR_NOT_FOUND, "no such packet: the index is a number from 0");
        }
        offset = n;
    } else {
        offset = uint_or(x, "offset", 0);
        limit = uint_or(x, "limit", TIMELINE_DEFAULT_LIMIT);
        v.fields = uint_or(x, "fields", 0) != 0;
    }
    struct tl_flow_ref ref;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(x, &db, &ref, &err)) {
        return err;
    }
    v.nsec = ref.nsec;
    struct tl_replay *rp = tl_replay_new();
    if (!rp) {
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)512 << 20);
    tl_jw_init(&w, &b);
    enum tl_db_rc rc = one ? tl_replay_packet(rp, db, &ref, &v, offset, &w)
                           : tl_replay_flow_timeline(rp, db, &ref, &v, offset, limit, &w);
    tl_replay_free(rp);
    enum MHD_Result ret =
        rc == TL_DB_OK ? send_json(x, 200, &b, NULL) : db_error(x, rc, one ? "packet" : "flow");
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result h_flow(struct call *x)
{
    return flow_packets(x, false);
}

static enum MHD_Result h_flow_packet(struct call *x)
{
    return flow_packets(x, true);
}

static enum MHD_Result h_flow_ladder(struct call *x)
{
    const struct tl_param_val *scale = P(x, "scale");
    bool time_scale = scale->set && scale->i == 0;
    enum tl_lang lang = request_lang(x);
    struct tl_flow_ref ref;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(x, &db, &ref, &err)) {
        return err;
    }
    struct tl_replay *rp = tl_replay_new();
    if (!rp) {
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    struct tl_buf b;
    tl_buf_init(&b, (size_t)64 << 20);
    enum tl_db_rc rc = tl_replay_ladder(rp, db, &ref, time_scale, lang, &b);
    tl_replay_free(rp);
    enum MHD_Result ret =
        rc == TL_DB_OK && !b.overflow
            ? send_buf(x, 200, "image/svg+xml; charset=utf-8", b.data ? b.data : "", b.len, NULL)
            : db_error(x, rc == TL_DB_OK ? TL_DB_ERROR : rc, "flow");
    tl_buf_cleanup(&b);
    return ret;
}

static enum MHD_Result h_flow_tsg(struct call *x)
{
    const struct tl_param_val *dir = P(x, "dir");
    enum tl_lang lang = request_lang(x);
    struct tl_flow_ref ref;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(x, &db, &ref, &err)) {
        return err;
    }
    struct tl_replay *rp = tl_replay_new();
    if (!rp) {
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    struct tl_buf b;
    tl_buf_init(&b, (size_t)64 << 20);
    enum tl_db_rc rc =
        tl_replay_tsg(rp, db, &ref, dir->set ? (int)dir->i : -1, lang, (long)uint_or(x, "width", 0),
                      (long)uint_or(x, "height", 0), &b);
    tl_replay_free(rp);
    enum MHD_Result ret =
        rc == TL_DB_OK && !b.overflow
            ? send_buf(x, 200, "image/svg+xml; charset=utf-8", b.data ? b.data : "", b.len, NULL)
            : db_error(x, rc == TL_DB_OK ? TL_DB_ERROR : rc, "flow");
    tl_buf_cleanup(&b);
    return ret;
}

/* The flow's frames, copied from the original file into a new pcap file. */
static enum MHD_Result h_flow_pcap(struct call *x)
{
    struct tl_server *s = x->s;
    uint64_t id = x->q->id;
    struct tl_flow_ref ref;
    struct tl_capture_row row;
    struct tl_db *db = NULL;
    enum MHD_Result err;
    if (!flow_lookup(x, &db, &ref, &err)) {
        return err;
    }
    enum tl_db_rc rc = tl_db_capture_get(db, ref.capture_id, NULL, &row);
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "flow");
    }
    uint64_t *frames = NULL;
    size_t n = 0;
    rc = tl_replay_frames(db, &ref, &frames, &n);
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "flow");
    }
    char src[4096], out[4096], errbuf[PCAP_ERRBUF_SIZE];
    int in_fd = open_capture_file(db, &row, src, sizeof src);
    if (in_fd < 0) {
        free(frames);
        return FAIL(x, TL_ERR_NOT_FOUND, "the stored file is missing");
    }
    close(in_fd);
    pcap_t *in = pcap_open_offline_with_tstamp_precision(src, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    snprintf(out, sizeof out, "%s/upload-%s-%ld-XXXXXX", s->cfg.data_dir, tl_host_tag(),
             (long)getpid());
    int out_fd = in ? mkstemp(out) : -1;
    int mk_errno = errno;
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
        if (in && out_fd < 0 && (mk_errno == ENOSPC || mk_errno == EDQUOT)) {
            return write_error(x, mk_errno);
        }
        return FAIL(x, TL_ERR_INTERNAL, "cannot write the flow's pcap");
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
    bool flushed = pcap_dump_flush(dump) == 0;
    int fd = dup(out_fd);
    long size = ftell(of);
    pcap_dump_close(dump); /* closes of and out_fd */
    if (fd < 0 || size < 0 || !flushed) {
        if (fd >= 0) {
            close(fd);
        }
        if (!flushed) {
            return write_error(x, ENOSPC);
        }
        return FAIL(x, TL_ERR_INTERNAL, "cannot write the flow's pcap");
    }
    lseek(fd, 0, SEEK_SET);
    char disp[300], suffix[48];
    snprintf(suffix, sizeof suffix, "-flow-%" PRIu64 ".pcap", id);
    disposition(disp, sizeof disp, row.name, suffix);
    return send_fd(x, fd, (uint64_t)size, "application/vnd.tcpdump.pcap", disp);
}

static enum MHD_Result h_examples(struct call *x)
{
    struct tl_server *s = x->s;
    enum tl_lang lang = request_lang(x);
    struct tl_buf b;
    struct tl_jw w;
    tl_buf_init(&b, (size_t)1 << 20);
    tl_jw_init(&w, &b);
    tl_jw_obj(&w);
    tl_jw_key(&w, "examples");
    tl_jw_arr(&w);
    for (unsigned i = 0; i < s->n_examples; i++) {
        const struct example *e = &s->examples[i];
        tl_jw_obj(&w);
        tl_jw_kstr(&w, "name", e->name);
        tl_jw_kstr(&w, "file", e->file);
        tl_jw_kstr(&w, "class", e->klass[lang][0] ? e->klass[lang] : e->klass[TL_LANG_EN]);
        tl_jw_kstr(&w, "description",
                   e->description[lang][0] ? e->description[lang] : e->description[TL_LANG_EN]);
        tl_jw_kuint(&w, "size_bytes", e->size);
        tl_jw_obj_end(&w);
    }
    tl_jw_arr_end(&w);
    tl_jw_obj_end(&w);
    enum MHD_Result ret = send_json(x, 200, &b, NULL);
    tl_buf_cleanup(&b);
    return ret;
}

/* The vocabulary (track/vocab.c): every event, state and verdict with its words. */
static enum MHD_Result h_vocabulary(struct call *x)
{
    char *doc = tl_vocab_json();
    if (!doc) {
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    enum MHD_Result ret = send_buf(x, 200, "application/json", doc, strlen(doc), NULL);
    free(doc);
    return ret;
}

/* --- JSON bodies and annotations ---------------------------------------------------------- */

/* A route that takes a JSON body: checks that need no body, then read it whole (bounded). */
static enum MHD_Result json_start(struct call *x)
{
    const char *ct = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Content-Type");
    size_t n = ct ? strcspn(ct, ";") : 0;
    while (n > 0 && ct[n - 1] == ' ') {
        n--;
    }
    if (!ct || n != 16 || strncasecmp(ct, "application/json", 16) != 0) {
        return FAIL(x, TL_ERR_UNSUPPORTED_MEDIA, "the body must be application/json, not %s",
                    ct ? ct : "untyped");
    }
    const char *cl = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Content-Length");
    uint64_t len;
    if (cl && tl_param_uint(cl, 0, UINT64_MAX, &len) && len > TL_NOTE_BODY_MAX) {
        return FAIL(x, TL_ERR_TOO_LARGE, "the body has %" PRIu64 " bytes; at most %d", len,
                    TL_NOTE_BODY_MAX);
    }
    x->q->kind = REQ_JSON;
    return MHD_YES;
}

static void json_chunk(struct req *q, const char *data, size_t n)
{
    q->bytes_in += n;
    if (q->body_too_large || n > TL_NOTE_BODY_MAX - q->body_len) {
        q->body_too_large = true; /* the rest is read and dropped; the answer is a 413 */
        return;
    }
    if (!q->body && !(q->body = malloc(TL_NOTE_BODY_MAX))) {
        q->body_too_large = true;
        return;
    }
    memcpy(q->body + q->body_len, data, n);
    q->body_len += n;
}

static enum MHD_Result json_end(struct call *x)
{
    struct req *q = x->q;
    q->kind = REQ_PLAIN;
    if (q->status) {
        return MHD_YES;
    }
    if (q->body_too_large) {
        return q->body
                   ? FAIL(x, TL_ERR_TOO_LARGE, "the body is larger than %d bytes", TL_NOTE_BODY_MAX)
                   : FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    return q->rt->fn(x);
}

/* Small documents are built with Jansson: an annotation as the API shows it. */
static json_t *note_json(const struct tl_annotation *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)a->id));
    json_object_set_new(o, "capture", json_integer((json_int_t)a->capture_id));
    json_object_set_new(o, "flow", a->flow_id ? json_integer((json_int_t)a->flow_id) : json_null());
    json_object_set_new(o, "packet",
                        a->has_packet ? json_integer((json_int_t)a->packet) : json_null());
    json_object_set_new(o, "author", json_string(a->author ? a->author : ""));
    json_object_set_new(o, "text", json_string(a->text ? a->text : ""));
    json_object_set_new(o, "created_at", json_string(a->created_at ? a->created_at : ""));
    return o;
}

static enum MHD_Result send_jansson(struct call *x, unsigned status, json_t *doc,
                                    const char *location)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(doc);
    if (!text) {
        return FAIL(x, TL_ERR_INTERNAL, "out of memory");
    }
    enum MHD_Result ret = send_buf(x, status, JSON_TYPE, text, strlen(text), location);
    free(text);
    return ret;
}

/* POST /captures/{id}/annotations and /flows/{id}/annotations: the body parsed, the target
 * checked, the note stored. */
static enum MHD_Result note_add(struct call *x, bool on_flow)
{
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    static _Thread_local struct tl_note_in in;
    char why[256];
    const char *field;
    if (!tl_note_parse(x->q->body ? x->q->body : "", x->q->body_len, on_flow, &in, why, sizeof why,
                       &field)) {
        return reply_error(x, TL_ERR_BAD_REQUEST, field, NULL, NULL, "%s", why);
    }
    struct tl_annotation a = { .author = in.author, .text = in.text };
    enum tl_db_rc rc;
    if (on_flow) {
        struct tl_flow_ref ref;
        rc = tl_db_flow_get(db, x->q->id, &ref);
        if (rc != TL_DB_OK) {
            return db_error(x, rc, "flow");
        }
        a.capture_id = ref.capture_id;
        a.flow_id = ref.id;
        if (in.has_packet) {
            uint64_t *frames = NULL;
            size_t n = 0;
            rc = tl_replay_frames(db, &ref, &frames, &n);
            free(frames);
            if (rc != TL_DB_OK) {
                return db_error(x, rc, "flow");
            }
            if (in.packet >= n) {
                return reply_error(x, TL_ERR_BAD_REQUEST, "packet", NULL, NULL,
                                   "flow %" PRIu64 " has %zu packets (0 to %zu)", ref.id, n,
                                   n ? n - 1 : 0);
            }
            a.has_packet = true;
            a.packet = in.packet;
        }
    } else {
        rc = tl_db_capture_get(db, x->q->id, NULL, NULL);
        if (rc != TL_DB_OK) {
            return db_error(x, rc, "capture");
        }
        a.capture_id = x->q->id;
    }
    char now[40];
    tl_now_rfc3339(now, sizeof now);
    a.created_at = now;
    rc = tl_db_annotation_add(db, &a, &a.id);
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "annotation");
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/annotations/%" PRIu64, a.id);
    return send_jansson(x, 201, note_json(&a), loc);
}

static enum MHD_Result h_note_add_capture(struct call *x)
{
    return note_add(x, false);
}

static enum MHD_Result h_note_add_flow(struct call *x)
{
    return note_add(x, true);
}

static bool note_list_cb(void *arg, const struct tl_annotation *a)
{
    return json_array_append_new(arg, note_json(a)) == 0;
}

static enum MHD_Result note_list(struct call *x, bool of_flow)
{
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    enum tl_db_rc rc;
    if (of_flow) {
        struct tl_flow_ref ref;
        rc = tl_db_flow_get(db, x->q->id, &ref);
    } else {
        rc = tl_db_capture_get(db, x->q->id, NULL, NULL);
    }
    if (rc != TL_DB_OK) {
        return db_error(x, rc, of_flow ? "flow" : "capture");
    }
    json_t *list = json_array();
    rc = tl_db_annotations_list(db, of_flow ? 0 : x->q->id, of_flow ? x->q->id : 0, note_list_cb,
                                list);
    if (rc != TL_DB_OK) {
        json_decref(list);
        return db_error(x, rc, "annotation");
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "annotations", list);
    return send_jansson(x, 200, doc, NULL);
}

static enum MHD_Result h_notes_capture(struct call *x)
{
    return note_list(x, false);
}

static enum MHD_Result h_notes_flow(struct call *x)
{
    return note_list(x, true);
}

static enum MHD_Result h_job(struct call *x)
{
    struct tl_db *db = tl_store_db(x->s->store);
    enum tl_db_rc rc;
    char *doc = tl_job_json(x->s->jobs, db, x->q->id, &rc);
    if (!doc) {
        return db_error(x, rc, "job");
    }
    enum MHD_Result ret = send_buf(x, 200, JSON_TYPE, doc, strlen(doc), NULL);
    free(doc);
    return ret;
}

static enum MHD_Result h_note_delete(struct call *x)
{
    struct tl_db *db = tl_store_db(x->s->store);
    if (!db) {
        return no_db(x);
    }
    enum tl_db_rc rc = tl_db_annotation_delete(db, x->q->id);
    if (rc != TL_DB_OK) {
        return db_error(x, rc, "annotation");
    }
    return send_buf(x, 204, JSON_TYPE, "", 0, NULL);
}

static enum MHD_Result h_example_load(struct call *x)
{
    struct tl_server *s = x->s;
    struct req *q = x->q;
    const char *name = q->seg_name;
    const struct example *e = NULL;
    for (unsigned i = 0; i < s->n_examples; i++) {
        if (strcmp(s->examples[i].name, name) == 0 || strcmp(s->examples[i].file, name) == 0) {
            e = &s->examples[i];
        }
    }
    if (!e) {
        return FAIL(x, TL_ERR_NOT_FOUND, "no example named \"%s\"", name);
    }
    q->lang = request_lang(x);
    if (P(x, "checksums")->set) {
        q->cksum_mode = (uint8_t)P(x, "checksums")->i;
    }
    if (!take_filter(x)) {
        return BAD_PARAM(x, "filter", "the filter is longer than %zu bytes", sizeof q->filter - 1);
    }
    char src[4096];
    snprintf(src, sizeof src, "%s/%s", s->cfg.examples_dir, e->file);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return FAIL(x, TL_ERR_INTERNAL, "cannot read the example");
    }
    if (!tmp_open(s, q)) {
        close(in);
        return write_error(x, q->write_errno);
    }
    char buf[65536];
    ssize_t r;
    uint64_t total = 0;
    bool ok = true;
    while ((r = read(in, buf, sizeof buf)) > 0) {
        ok = ok && tmp_write(q, buf, (size_t)r);
        total += (uint64_t)r;
    }
    close(in);
    close(q->fd);
    q->fd = -1;
    if (!ok || r < 0) {
        tmp_discard(q);
        return ok ? FAIL(x, TL_ERR_INTERNAL, "cannot copy the example")
                  : write_error(x, q->write_errno);
    }
    q->file_bytes = total;
    snprintf(q->name, sizeof q->name, "%s", e->file);
    return enqueue_ingest(x, q->name);
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

static enum MHD_Result h_static(struct call *x)
{
    char path[4096];
    const char *url = x->q->path;
    struct tl_server *s = x->s;
    if (!s->cfg.web_dir || strstr(url, "..") || strchr(url, '\\') || url[0] != '/') {
        return FAIL(x, TL_ERR_NOT_FOUND, "no such page: %s", url);
    }
    const char *rel = strcmp(url, "/") == 0 ? "/index.html" : url;
    snprintf(path, sizeof path, "%s%s", s->cfg.web_dir, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        return FAIL(x, TL_ERR_NOT_FOUND, "no such page: %s", url);
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
    return emit(x, 200, r, (uint64_t)st.st_size);
}

/* --- the route table ---------------------------------------------------------------------- */

static const char *const handshakes[] = { "complete", "simultaneous-open", "no-reply",
                                          "rejected", "no-final-ack",      "not-seen",
                                          NULL };
static const char *const teardowns[] = { "four-way", "three-segment", "simultaneous-close",
                                         "reset",    "half-closed",   "open",
                                         NULL };
static const char *const conn_states[] = { "S0",   "S1",     "SF",    "REJ", "S2",  "S3",  "RSTO",
                                           "RSTR", "RSTOS0", "RSTRH", "SH",  "SHR", "OTH", NULL };
static const char *const scales[] = { "time", "compressed", NULL };
static const char *const zeek_formats[] = { "zeek", "zeek-json", NULL };

#define PARAM_LANG                                                                                 \
    {                                                                                              \
        .name = "lang", .type = TL_P_LANG                                                          \
    }
#define PARAM_CHECKSUMS                                                                            \
    {                                                                                              \
        .name = "checksums", .type = TL_P_CKSUM                                                    \
    }
#define PARAMS(a) a, sizeof a / sizeof a[0]

#define PARAM_FILTER                                                                               \
    {                                                                                              \
        .name = "filter", .type = TL_P_STR                                                         \
    }
static const char *const duplicate_values[] = { "reuse", "keep", NULL };
#define PARAM_DUPLICATE                                                                            \
    {                                                                                              \
        .name = "duplicate", .type = TL_P_ENUM, .values = duplicate_values                         \
    }

static const struct tl_param_spec p_upload[] = {
    { .name = "name", .type = TL_P_STR },
    PARAM_LANG,
    PARAM_CHECKSUMS,
    PARAM_FILTER,
    PARAM_DUPLICATE,
};
static const struct tl_param_spec p_put[] = { PARAM_LANG, PARAM_CHECKSUMS, PARAM_FILTER,
                                              PARAM_DUPLICATE };
static const struct tl_param_spec p_captures[] = {
    { .name = "limit", .type = TL_P_UINT, .min = 1, .max = FLOWS_MAX_LIMIT },
    { .name = "cursor", .type = TL_P_ID, .hint = "not a cursor this server gave out" },
    PARAM_LANG,
};
static const struct tl_param_spec p_capture[] = {
    { .name = "limit", .type = TL_P_UINT, .min = 1, .max = FLOWS_MAX_LIMIT },
    PARAM_LANG,
};
/* service=: Zeek's names (track/service.c), filled in by tl_server_start */
static const char *services[TL_SVC_COUNT];
/* tunnel=: the decoder's names of encapsulations, filled in by tl_server_start */
static const char *tunnel_kinds[TL_TUN_COUNT];

/* the filters of GET /api/v1/flows, shared by /flows.log and /stats */
/* clang-format off */
#define FLOW_FILTER_PARAMS                                                                         \
    { .name = "host", .type = TL_P_CIDR },                                                         \
    { .name = "client", .type = TL_P_CIDR },                                                       \
    { .name = "server", .type = TL_P_CIDR },                                                       \
    { .name = "port", .type = TL_P_PORT, .list = true },                                           \
    { .name = "client_port", .type = TL_P_PORT },                                                  \
    { .name = "server_port", .type = TL_P_PORT },                                                  \
    { .name = "handshake", .type = TL_P_ENUM, .values = handshakes, .list = true },                \
    { .name = "teardown", .type = TL_P_ENUM, .values = teardowns, .list = true },                  \
    { .name = "conn_state", .type = TL_P_ENUM, .values = conn_states, .list = true },              \
    { .name = "capture", .type = TL_P_ID, .hint = "must be a capture id (a positive integer)" },   \
    { .name = "since", .type = TL_P_TIME },                                                        \
    { .name = "until", .type = TL_P_TIME },                                                        \
    { .name = "service", .type = TL_P_ENUM, .values = services, .list = true },                    \
    { .name = "min_rtt_us", .type = TL_P_UINT, .min = 0, .max = INT64_MAX / 1000 },                \
    { .name = "min_retrans", .type = TL_P_UINT, .min = 0, .max = INT64_MAX },                      \
    { .name = "min_bytes", .type = TL_P_UINT, .min = 0, .max = INT64_MAX },                        \
    { .name = "min_duration_us", .type = TL_P_UINT, .min = 0, .max = INT64_MAX / 1000 },          \
    { .name = "tunnel", .type = TL_P_ENUM, .values = tunnel_kinds, .list = true },                 \
    { .name = "vlan", .type = TL_P_UINT, .min = 0, .max = 4095, .list = true },                    \
    { .name = "vni", .type = TL_P_UINT, .min = 0, .max = 0xffffff },                               \
    { .name = "outer_host", .type = TL_P_CIDR }
#define FLOW_PAGE_PARAMS                                                                           \
    { .name = "limit", .type = TL_P_UINT, .min = 1, .max = FLOWS_MAX_LIMIT },                      \
    { .name = "cursor", .type = TL_P_STR, .hint = "not a cursor this server gave out" }
/* clang-format on */
static const struct tl_param_spec p_flows[] = {
    FLOW_FILTER_PARAMS,
    FLOW_PAGE_PARAMS,
    PARAM_LANG,
    { .name = "sort", .type = TL_P_ENUM, .values = sorts },
};
static const struct tl_param_spec p_stats[] = {
    FLOW_FILTER_PARAMS,
    PARAM_LANG,
    { .name = "group_by", .type = TL_P_ENUM, .values = groups },
};
static const struct tl_param_spec p_flows_log[] = {
    FLOW_FILTER_PARAMS,
    FLOW_PAGE_PARAMS,
    PARAM_LANG,
    { .name = "format", .type = TL_P_ENUM, .values = zeek_formats },
};
static const struct tl_param_spec p_flow[] = {
    { .name = "offset", .type = TL_P_UINT, .min = 0, .max = (uint64_t)1 << 40 },
    { .name = "limit", .type = TL_P_UINT, .min = 1, .max = TIMELINE_MAX_LIMIT },
    { .name = "fields", .type = TL_P_BOOL },
    PARAM_LANG,
    PARAM_CHECKSUMS,
};
static const struct tl_param_spec p_packet[] = {
    PARAM_LANG,
    PARAM_CHECKSUMS,
};
static const struct tl_param_spec p_ladder[] = {
    { .name = "scale", .type = TL_P_ENUM, .values = scales },
    PARAM_LANG,
    PARAM_CHECKSUMS,
};
static const char *const tsg_dirs[] = { "c2s", "s2c", NULL }; /* as enum tl_dir */
static const struct tl_param_spec p_tsg[] = {
    { .name = "dir", .type = TL_P_ENUM, .values = tsg_dirs },
    { .name = "width", .type = TL_P_UINT, .min = TL_TSG_MIN_W, .max = TL_TSG_MAX_W },
    { .name = "height", .type = TL_P_UINT, .min = TL_TSG_MIN_H, .max = TL_TSG_MAX_H },
    PARAM_LANG,
    PARAM_CHECKSUMS,
};
static const struct tl_param_spec p_flow_pcap[] = { PARAM_CHECKSUMS, PARAM_LANG };
static const struct tl_param_spec p_lang[] = { PARAM_LANG };
static const struct tl_param_spec p_example[] = { PARAM_LANG, PARAM_CHECKSUMS, PARAM_FILTER,
                                                  PARAM_DUPLICATE };

/*
 * Every route, in one table: 405 and Allow come from it, HEAD is answered wherever GET is,
 * parameters are bound to their schema before the handler runs, access is checked from it.
 * Patterns are matched segment by segment; the first row whose pattern and method match wins.
 */
static const struct route routes[] = {
    { "GET", "/healthz", h_health, ACC_PUBLIC, NULL, 0, 0 },
    { "GET", "/metrics", h_metrics, ACC_PUBLIC, NULL, 0, 0 },
    { "GET", "/api/v1/openapi.yaml", h_openapi, ACC_PUBLIC, NULL, 0, 0 },
    { "GET", "/api/v1/captures", h_captures_list, ACC_READ, PARAMS(p_captures), 0 },
    { "POST", "/api/v1/captures", h_upload_post, ACC_WRITE, PARAMS(p_upload), RF_BODY },
    { "GET", "/api/v1/captures/{id}", h_capture_get, ACC_READ, PARAMS(p_capture), 0 },
    { "PUT", "/api/v1/captures/{name}", h_upload_put, ACC_WRITE, PARAMS(p_put), RF_BODY },
    { "DELETE", "/api/v1/captures/{id}", h_capture_delete, ACC_WRITE, PARAMS(p_lang), 0 },
    { "GET", "/api/v1/captures/{id}/pcap", h_capture_pcap, ACC_READ, PARAMS(p_lang), 0 },
    { "GET", "/api/v1/flows", h_flows, ACC_READ, PARAMS(p_flows), 0 },
    { "GET", "/api/v1/flows.log", h_flows_log, ACC_READ, PARAMS(p_flows_log), 0 },
    { "GET", "/api/v1/stats", h_stats, ACC_READ, PARAMS(p_stats), 0 },
    { "GET", "/api/v1/flows/{id}", h_flow, ACC_READ, PARAMS(p_flow), 0 },
    { "GET", "/api/v1/flows/{id}/packets/{index}", h_flow_packet, ACC_READ, PARAMS(p_packet), 0 },
    { "GET", "/api/v1/flows/{id}/pcap", h_flow_pcap, ACC_READ, PARAMS(p_flow_pcap), 0 },
    { "GET", "/api/v1/flows/{id}/ladder.svg", h_flow_ladder, ACC_READ, PARAMS(p_ladder), 0 },
    { "GET", "/api/v1/flows/{id}/tsg.svg", h_flow_tsg, ACC_READ, PARAMS(p_tsg), 0 },
    { "GET", "/api/v1/examples", h_examples, ACC_READ, PARAMS(p_lang), 0 },
    { "POST", "/api/v1/examples/{name}", h_example_load, ACC_WRITE, PARAMS(p_example), 0 },
    { "GET", "/api/v1/vocabulary", h_vocabulary, ACC_READ, PARAMS(p_lang), 0 },
    { "GET", "/api/v1/captures/{id}/annotations", h_notes_capture, ACC_READ, PARAMS(p_lang), 0 },
    { "POST", "/api/v1/captures/{id}/annotations", h_note_add_capture, ACC_WRITE, PARAMS(p_lang),
      RF_JSON },
    { "GET", "/api/v1/flows/{id}/annotations", h_notes_flow, ACC_READ, PARAMS(p_lang), 0 },
    { "POST", "/api/v1/flows/{id}/annotations", h_note_add_flow, ACC_WRITE, PARAMS(p_lang),
      RF_JSON },
    { "DELETE", "/api/v1/annotations/{id}", h_note_delete, ACC_WRITE, PARAMS(p_lang), 0 },
    { "GET", "/api/v1/jobs/{id}", h_job, ACC_READ, PARAMS(p_lang), 0 },
    { "GET", "*", h_static, ACC_PUBLIC, NULL, 0, RF_ANY_PARAMS },
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

/*
 * Does path match pattern? {id} takes a non-empty segment (a non-number is a 404 later),
 * {name} any segment (PUT /api/v1/captures/ has an empty one), "*" any path outside /api/
 * and the fixed routes.
 */
static bool path_matches(const char *pattern, const char *path)
{
    if (strcmp(pattern, "*") == 0) {
        return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0;
    }
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (*p == '{') {
            bool any = strncmp(p, "{name}", 6) == 0;
            const char *pe = strchr(p, '}') + 1;
            const char *ue = strchr(u, '/');
            ue = ue ? ue : u + strlen(u);
            if (!any && ue == u) {
                return false;
            }
            p = pe;
            u = ue;
            continue;
        }
        if (*p != *u) {
            return false;
        }
        p++;
        u++;
    }
    if (*p == '{' && strncmp(p, "{name}", 6) == 0 && !*u) {
        return p[6] == '\0'; /* "/api/v1/captures/" + empty name */
    }
    return !*p && !*u;
}

/* The value of the first {x} segment of the path (pattern and path match). */
static void path_arg(const char *pattern, const char *path, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = pattern, *u = path;
    while (*p && *u && *p != '{') {
        p++;
        u++;
    }
    if (*p != '{') {
        return;
    }
    const char *ue = strchr(u, '/');
    size_t n = ue ? (size_t)(ue - u) : strlen(u);
    snprintf(out, size, "%.*s", (int)n, u);
}

static void allow_list(const char *path, char *out, size_t size)
{
    size_t k = 0;
    out[0] = '\0';
    bool get = false;
    for (size_t i = 0; i < N_ROUTES; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = is(routes[j].method, routes[i].method) && path_matches(routes[j].pattern, path);
        }
        if (seen || !path_matches(routes[i].pattern, path)) {
            continue;
        }
        k += (size_t)snprintf(out + k, size - k, "%s%s", k ? ", " : "", routes[i].method);
        if (is(routes[i].method, "GET") && !get) {
            get = true;
            k += (size_t)snprintf(out + k, size - k, ", HEAD");
        }
        if (k >= size) {
            break;
        }
    }
}

static enum MHD_Result check_access(struct call *x, enum access a)
{
    struct tl_server *s = x->s;
    if (a == ACC_PUBLIC) {
        return MHD_YES;
    }
    if (a == ACC_READ) {
        if (!s->cfg.read_keys || !s->cfg.read_keys[0]) {
            return MHD_YES;
        }
        if (key_matches(x->c, s->cfg.read_keys) ||
            (s->cfg.api_keys && s->cfg.api_keys[0] && key_matches(x->c, s->cfg.api_keys))) {
            return MHD_YES;
        }
        reply_error(x, TL_ERR_UNAUTHORIZED, NULL, NULL, NULL,
                    "this server needs Authorization: Bearer <read key> to read");
        return MHD_NO;
    }
    if (s->cfg.api_keys && s->cfg.api_keys[0]) {
        if (key_matches(x->c, s->cfg.api_keys)) {
            return MHD_YES;
        }
        reply_error(x, TL_ERR_UNAUTHORIZED, NULL, NULL, NULL,
                    "this server needs Authorization: Bearer <api key> to change data");
        return MHD_NO;
    }
    char remote[64];
    if (client_address(x->c, remote, sizeof remote)) {
        return MHD_YES;
    }
    reply_error(x, TL_ERR_FORBIDDEN, NULL, NULL, NULL,
                "without --api-key this server takes changes only from its own host (%s is "
                "not loopback)",
                remote);
    return MHD_NO;
}

struct hdr_scan {
    unsigned n_cl, n_te;
    const char *cl;
    const char *problem;
};

static enum MHD_Result hdr_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    struct hdr_scan *h = cls;
    (void)kind;
    if (memchr(key, '\0', key_size) || (value && memchr(value, '\0', value_size)) ||
        strlen(key) != key_size || (value && strlen(value) != value_size)) {
        h->problem = "a header contains a NUL byte";
        return MHD_NO;
    }
    for (size_t i = 0; i < key_size; i++) {
        unsigned char ch = (unsigned char)key[i];
        if (ch <= ' ' || ch == ':' || ch >= 0x7f) {
            h->problem = "a header name contains whitespace or a control character";
            return MHD_NO;
        }
    }
    for (size_t i = 0; value && i < value_size; i++) {
        unsigned char ch = (unsigned char)value[i];
        if ((ch < ' ' && ch != '\t') || ch == 0x7f) {
            h->problem = "a header value contains a control character (or a folded line)";
            return MHD_NO;
        }
    }
    if (strcasecmp(key, "Content-Length") == 0) {
        uint64_t v;
        if (!value || !tl_param_uint(value, 0, UINT64_MAX, &v)) {
            h->problem = "Content-Length is not a number";
            return MHD_NO;
        }
        if (h->n_cl++ && strcmp(h->cl, value) != 0) {
            h->problem = "two different Content-Length headers";
            return MHD_NO;
        }
        h->cl = value;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        h->n_te++;
    }
    return MHD_YES;
}

/* What is wrong with the headers (RFC 9112 section 6.3), or NULL. */
static const char *header_problem(struct MHD_Connection *c)
{
    struct hdr_scan h = { 0 };
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, hdr_iter, &h);
    if (!h.problem && h.n_cl && h.n_te) {
        h.problem = "both Content-Length and Transfer-Encoding";
    }
    return h.problem;
}

/*
 * Route one request (first call, headers complete): strict checks on the raw URL, the route,
 * its access, its parameters, then the handler. For uploads the body follows in later calls.
 */
static enum MHD_Result dispatch(struct call *x, const char *method)
{
    struct tl_server *s = x->s;
    struct req *q = x->q;
    const char *raw = q->raw_uri ? q->raw_uri : q->path;
    const char *qm = strchr(raw, '?');
    size_t plen = qm ? (size_t)(qm - raw) : strlen(raw);
    const char *why = NULL;
    if (!tl_path_check(raw, plen, &why)) {
        return FAIL(x, TL_ERR_BAD_REQUEST, "%s", why);
    }
    const char *hp = header_problem(x->c);
    if (hp) {
        return FAIL(x, TL_ERR_BAD_REQUEST, "%s", hp);
    }
    if (q->query_rc_bad) {
        return q->query_rc_bad == TL_Q_TOO_MANY
                   ? FAIL(x, TL_ERR_URI_TOO_LONG, "more than %d query parameters",
                          TL_QUERY_MAX_PARAMS)
                   : FAIL(x, TL_ERR_BAD_REQUEST, "the query string contains %%00");
    }
    bool head = is(method, "HEAD");
    const char *m = head ? "GET" : method;
    const struct route *rt = NULL;
    bool path_known = false;
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].pattern, q->path)) {
            continue;
        }
        path_known = true;
        if (is(routes[i].method, m)) {
            rt = &routes[i];
            break;
        }
    }
    if (!rt) {
        if (!path_known) {
            q->route = "unknown";
            return FAIL(x, TL_ERR_NOT_FOUND, "no such route: %s", q->path);
        }
        char allow[128];
        allow_list(q->path, allow, sizeof allow);
        for (size_t i = 0; i < N_ROUTES; i++) {
            if (path_matches(routes[i].pattern, q->path)) {
                q->route = strcmp(routes[i].pattern, "*") == 0 ? "static" : routes[i].pattern;
                break;
            }
        }
        return reply_error(x, TL_ERR_METHOD_NOT_ALLOWED, NULL, allow, NULL,
                           "%s is not allowed here; allowed: %s", method, allow);
    }
    q->rt = rt;
    q->route = strcmp(rt->pattern, "*") == 0 ? "static" : rt->pattern;
    if (check_access(x, rt->access) != MHD_YES) {
        return MHD_YES; /* answered */
    }
    if (!(rt->flags & RF_ANY_PARAMS)) {
        struct tl_param_err perr;
        if (!tl_params_bind(&q->query, rt->params, rt->n_params, q->vals, &perr)) {
            if (perr.kind == TL_PE_UNKNOWN) {
                const char *names[MAX_ROUTE_PARAMS + 1];
                for (unsigned i = 0; i < rt->n_params; i++) {
                    names[i] = rt->params[i].name;
                }
                names[rt->n_params] = NULL;
                return reply_error(x, TL_ERR_UNKNOWN_PARAMETER, perr.name, NULL, names, "%s",
                                   perr.message);
            }
            return reply_error(
                x, perr.kind == TL_PE_REPEATED ? TL_ERR_REPEATED_PARAMETER : TL_ERR_BAD_PARAMETER,
                perr.name, NULL, NULL, "%s", perr.message);
        }
    }
    if (strstr(rt->pattern, "{")) {
        path_arg(rt->pattern, q->path, q->seg_name, sizeof q->seg_name);
        if (strstr(rt->pattern, "{id}") && !parse_id(q->seg_name, &q->id)) {
            return FAIL(x, TL_ERR_NOT_FOUND, "no %s \"%s\"",
                        strstr(rt->pattern, "flows")          ? "flow"
                        : strstr(rt->pattern, "annotations/") ? "annotation"
                        : strstr(rt->pattern, "jobs/")        ? "job"
                                                              : "capture",
                        q->seg_name);
        }
    }
    (void)s;
    if (rt->flags & RF_JSON) {
        return json_start(x);
    }
    return rt->fn(x);
}

/* --- the watchdog: deadlines for slow clients --------------------------------------------- */

static double since_sec(const struct timespec *t, const struct timespec *now)
{
    return (double)(now->tv_sec - t->tv_sec) + (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

static void watch_phase(struct tl_server *s, struct req *q, enum conn_phase ph)
{
    struct conn_track *ct = q->ct;
    if (!ct) {
        return;
    }
    pthread_mutex_lock(&s->clock_);
    ct->phase = ph;
    clock_gettime(CLOCK_MONOTONIC, &ct->since);
    ct->window_start = ct->since;
    atomic_store(&ct->body_bytes, 0);
    pthread_mutex_unlock(&s->clock_);
}

/* Shut a connection down (lock clock_ held); libmicrohttpd then closes it. */
static void conn_cut(struct tl_server *s, struct conn_track *ct, const char *why,
                     const char *metric, unsigned status, const struct timespec *now)
{
    ct->cut = true;
    s->n_live--;
    shutdown(ct->fd, SHUT_RDWR);
    tl_log("closed a connection from %s: %s", ct->remote, why);
    tl_metrics_request(metric, "other", status, since_sec(&ct->since, now));
}

/*
 * The reserve (lock clock_ held): --reserve-connections of --max-connections are kept for
 * requests that complete quickly. While more connections are open than the rest, the ones
 * that have waited longest for a request line and headers (slow headers, or idle between
 * keep-alive requests), each for RESERVE_GRACE_SEC at least, are closed, oldest first, at most
 * `max` of them. Connections receiving a body or being answered are never closed for it.
 */
static void reserve_evict(struct tl_server *s, const struct timespec *now, unsigned max)
{
    unsigned limit = s->cfg.connection_limit, reserve = s->cfg.reserve_conns;
    if (!reserve || reserve >= limit) {
        return;
    }
    for (; max && s->n_live > limit - reserve; max--) {
        struct conn_track *old = NULL;
        for (struct conn_track *ct = s->conns; ct; ct = ct->next) {
            if (!ct->cut && ct->phase == PH_HEADERS &&
                since_sec(&ct->since, now) >= RESERVE_GRACE_SEC &&
                (!old || since_sec(&ct->since, &old->since) > 0)) {
                old = ct;
            }
        }
        if (!old) {
            return;
        }
        conn_cut(s, old, "waited longest for a request while the connection reserve was needed",
                 "cut-reserve", 503, now);
    }
}

/*
 * Every 250 ms: a connection still waiting for its request line and headers after
 * --header-timeout, or whose body arrives slower than --min-body-rate over a 10 s window (after
 * the first 10 s), is shut down; libmicrohttpd then closes it and the request's temporary file
 * is removed in on_completed. The socket is shut down under the lock that the close
 * notification takes, so it is never a descriptor reused by another connection. Then the
 * reserve is made free again if connections are using it.
 */
static void *watchdog_main(void *arg)
{
    struct tl_server *s = arg;
    while (!atomic_load(&s->watchdog_stop)) {
        struct timespec ts = { 0, 250 * 1000 * 1000 }, now;
        nanosleep(&ts, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        pthread_mutex_lock(&s->clock_);
        for (struct conn_track *ct = s->conns; ct; ct = ct->next) {
            if (ct->cut) {
                continue;
            }
            const char *why = NULL;
            if (ct->phase == PH_HEADERS && s->cfg.header_timeout &&
                since_sec(&ct->since, &now) > s->cfg.header_timeout) {
                why = "no complete request line and headers within --header-timeout";
            } else if (ct->phase == PH_BODY && s->cfg.min_body_rate &&
                       since_sec(&ct->window_start, &now) >= BODY_RATE_WINDOW_SEC) {
                double el = since_sec(&ct->window_start, &now);
                uint64_t got = atomic_exchange(&ct->body_bytes, 0);
                if ((double)got < (double)s->cfg.min_body_rate * el) {
                    why = "the body arrives slower than --min-body-rate";
                }
                ct->window_start = now;
            }
            if (why) {
                conn_cut(s, ct, why, ct->phase == PH_HEADERS ? "cut-headers" : "cut-body", 408,
                         &now);
            }
        }
        reserve_evict(s, &now, UINT_MAX);
        pthread_mutex_unlock(&s->clock_);
    }
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct tl_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn_track *ct = calloc(1, sizeof *ct);
        *socket_context = ct;
        if (!ct) {
            return;
        }
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        ct->fd = ci ? ci->connect_fd : -1;
        client_address(c, ct->remote, sizeof ct->remote);
        clock_gettime(CLOCK_MONOTONIC, &ct->since);
        pthread_mutex_lock(&s->clock_);
        ct->next = s->conns;
        if (s->conns) {
            s->conns->prev = ct;
        }
        s->conns = ct;
        s->n_live++;
        reserve_evict(s, &ct->since, 1); /* one in, the longest waiting out */
        pthread_mutex_unlock(&s->clock_);
        return;
    }
    struct conn_track *ct = *socket_context;
    if (!ct) {
        return;
    }
    pthread_mutex_lock(&s->clock_);
    if (!ct->cut) {
        s->n_live--;
    }
    if (ct->prev) {
        ct->prev->next = ct->next;
    } else {
        s->conns = ct->next;
    }
    if (ct->next) {
        ct->next->prev = ct->prev;
    }
    pthread_mutex_unlock(&s->clock_);
    free(ct);
    *socket_context = NULL;
}

/* --- requests ----------------------------------------------------------------------------- */

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

static enum MHD_Result preflight(struct call *x)
{
    x->q->route = "preflight";
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        return MHD_NO;
    }
    struct tl_server *s = x->s;
    const char *origin = MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "Origin");
    if (s->cfg.cors_origin && origin && strcmp(origin, s->cfg.cors_origin) == 0) {
        MHD_add_response_header(r, "Access-Control-Allow-Methods",
                                "GET, HEAD, POST, PUT, DELETE, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, Accept-Language");
        MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    }
    common_headers(s, r);
    return emit(x, 204, r, 0);
}

/*
 * The request line has arrived (libmicrohttpd's URI log callback, before it parses the
 * query): the request's state starts here, with the URL exactly as sent. The query is parsed
 * by us (query.c) and cut from libmicrohttpd's buffer, so that parameters never fill the
 * connection's memory pool (libmicrohttpd 0.9.75 then leaves the connection without an answer).
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct tl_server *s = cls;
    struct req *q = calloc(1, sizeof *q);
    if (!q) {
        return NULL;
    }
    q->fd = -1;
    q->route = "unknown";
    clock_gettime(CLOCK_MONOTONIC, &q->t0);
    q->raw_uri = strdup(uri ? uri : "");
    char *qm = uri ? strchr(uri, '?') : NULL;
    if (qm) {
        size_t len = strlen(qm + 1);
        enum tl_query_rc rc = tl_query_parse(qm + 1, len, &q->query);
        if (rc != TL_Q_OK) {
            q->query_rc_bad = rc;
            tl_query_free(&q->query);
        }
        qm[1] = '\0'; /* libmicrohttpd's copy: nothing left for it to parse */
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    q->ct = ci ? ci->socket_context : NULL;
    atomic_fetch_add(&s->active, 1);
    return q;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct tl_server *s = cls;
    struct req *q = *con_cls;
    (void)version;
    if (!q) {
        return MHD_NO; /* out of memory in on_uri */
    }
    struct call x = { .s = s, .c = c, .q = q };
    if (!q->method) { /* the first call: headers complete */
        q->method = method_name(method);
        snprintf(q->path, sizeof q->path, "%s", url);
        q->head = is(method, "HEAD");
        watch_phase(s, q, PH_WORKING);
        if (atomic_load(&s->stopping)) {
            return FAIL(&x, TL_ERR_OVERLOADED, "the server is shutting down");
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") &&
            (!cl || strcmp(cl, "0") == 0)) {
            /* No body: answered on the next call, when libmicrohttpd has read the whole
             * request. An answer queued on this first call makes it close the connection
             * after the answer (no keep-alive). */
            q->answer_next = true;
            return MHD_YES;
        }
        if (is(method, "OPTIONS")) {
            return preflight(&x);
        }
        return dispatch(&x, method);
    }
    if (q->answer_next) {
        q->answer_next = false;
        *upload_data_size = 0;
        if (is(method, "OPTIONS")) {
            return preflight(&x);
        }
        return dispatch(&x, method);
    }
    if (q->ing == ING_DONE) { /* resumed: the ingest thread's answer */
        q->ing = ING_NONE;
        q->deferred = false;
        struct MHD_Response *r = q->pending;
        q->pending = NULL;
        if (!r) {
            return MHD_NO;
        }
        enum MHD_Result ret = MHD_queue_response(c, q->pending_status, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (q->ing == ING_QUEUED) {
        return MHD_YES;
    }
    if (q->kind == REQ_JSON) {
        if (*upload_data_size) {
            json_chunk(q, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        return json_end(&x);
    }
    if (q->kind != REQ_UPLOAD) {
        *upload_data_size = 0; /* a body where none is expected: ignored */
        return MHD_YES;
    }
    if (*upload_data_size) {
        return upload_chunk(s, q, upload_data, upload_data_size);
    }
    return upload_end(&x);
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
    free(q->body);
    if (q->pending) {
        MHD_destroy_response(q->pending);
    }
    tmp_discard(q);
    upload_slot_give(s, q);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = since_sec(&q->t0, &t1);
    char remote[64];
    client_address(c, remote, sizeof remote);
    if (!q->status) {
        q->status = 499; /* the client went away (or was cut off) before an answer */
    }
    if (q->method) {
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
    }
    if (q->ct) { /* the next request's header deadline starts now */
        watch_phase(s, q, PH_HEADERS);
    }
    tl_query_free(&q->query);
    free(q->raw_uri);
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

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

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

static void pool_stop(struct tl_server *s)
{
    pthread_mutex_lock(&s->qlock);
    s->pool_stop = true;
    pthread_cond_broadcast(&s->qcond);
    pthread_mutex_unlock(&s->qlock);
    for (unsigned i = 0; i < s->n_ingest; i++) {
        pthread_join(s->ingest_threads[i], NULL);
    }
    free(s->ingest_threads);
    s->ingest_threads = NULL;
    s->n_ingest = 0;
}

/* A job another server began and stopped renewing (it stopped or was killed), claimed here:
 * queued for this server's ingest pool, or failed when its upload cannot be found. */
static void take_over(struct tl_server *s, struct tl_db *db, struct tl_job *job,
                      const char *options)
{
    struct req *j = calloc(1, sizeof *j);
    if (!j) {
        tl_job_finish(s->jobs, job, db, 0, 0, 0, tl_error_info(TL_ERR_INTERNAL)->code,
                      "out of memory");
        return;
    }
    j->fd = -1;
    j->job = job;
    char file[256];
    if (!options[0] || !job_from_options(options, j, file, sizeof file)) {
        tl_job_finish(s->jobs, job, db, 0, 0, 0, "interrupted",
                      "the server that received this upload stopped, and the job has no record "
                      "of its file: upload the file again");
        free(j);
        return;
    }
    if (tl_db_local_file(db, file, j->tmp, sizeof j->tmp) != TL_DB_OK) {
        tl_log("job %" PRIu64 ": its upload %s is neither in this server's data directory nor in "
               "the database",
               tl_job_id(job), file);
        tl_job_finish(s->jobs, job, db, 0, 0, 0, "interrupted",
                      "the server that received this upload stopped, and its file cannot be "
                      "found: servers sharing a database must share one --data-dir or keep "
                      "files in the database (--blob-store db); upload the file again");
        free(j);
        return;
    }
    snprintf(j->name, sizeof j->name, "%s", tl_job_name(job));
    j->display_name = j->name;
    j->file_bytes = tl_job_size(job);
    tl_log("job %" PRIu64 ": taken over from a server that stopped renewing it", tl_job_id(job));
    queue_push(s, j);
}

/* Every lease/3: this server's jobs keep their leases, and while an ingest thread is idle and
 * nothing waits for it, one job whose server stopped is taken over. */
static void *jobs_main(void *arg)
{
    struct tl_server *s = arg;
    unsigned period_ms = tl_jobs_lease(s->jobs) * 1000 / 3;
    char options[8192];
    while (!atomic_load(&s->jobs_stop)) {
        struct tl_db *db = tl_store_db(s->store);
        if (db) {
            tl_jobs_renew(s->jobs, db);
            pthread_mutex_lock(&s->qlock);
            bool idle = !s->pool_stop && s->queued == 0 && s->running < s->n_ingest;
            pthread_mutex_unlock(&s->qlock);
            struct tl_job *job = idle ? tl_job_claim(s->jobs, db, options, sizeof options) : NULL;
            if (job) {
                take_over(s, db, job, options);
            }
        }
        for (unsigned t = 0; t < period_ms && !atomic_load(&s->jobs_stop); t += 100) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    tl_store_thread_done(s->store);
    return NULL;
}

static void server_free(struct tl_server *s)
{
    if (s->jobs_on) {
        atomic_store(&s->jobs_stop, true);
        pthread_join(s->jobs_thread, NULL);
    }
    if (s->watchdog_on) {
        atomic_store(&s->watchdog_stop, true);
        pthread_join(s->watchdog, NULL);
    }
    pool_stop(s);
    pthread_mutex_destroy(&s->qlock);
    pthread_cond_destroy(&s->qcond);
    pthread_mutex_destroy(&s->clock_);
    pthread_mutex_destroy(&s->ulock_);
    free(s->ucount);
    free(s->tls_cert);
    free(s->tls_key);
    tl_jobs_free(s->jobs);
    free(s);
}

struct tl_server *tl_server_start(const struct tl_server_config *cfg, struct tl_store *store,
                                  char *err, size_t errlen)
{
    for (size_t i = 0; i < N_ROUTES; i++) { /* the request keeps one value per parameter */
        if (routes[i].n_params > MAX_ROUTE_PARAMS) {
            snprintf(err, errlen, "route %s declares %u parameters, more than %d",
                     routes[i].pattern, routes[i].n_params, MAX_ROUTE_PARAMS);
            return NULL;
        }
    }
    for (int k = TL_TUN_NONE + 1; k < TL_TUN_COUNT; k++) { /* NULL-terminated, like services */
        tunnel_kinds[k - 1] = tl_tunnel_kind_name((enum tl_tunnel_kind)k);
    }
    for (int k = TL_SVC_NONE + 1; k < TL_SVC_COUNT; k++) { /* NULL-terminated by the last slot */
        services[k - 1] = tl_service_name((enum tl_service)k);
    }
    struct tl_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->store = store;
    s->jobs = tl_jobs_new(store, cfg->job_lease);
    if (!s->jobs) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    if (!s->cfg.ingest_queue) {
        s->cfg.ingest_queue = 64;
    }
    pthread_mutex_init(&s->qlock, NULL);
    pthread_cond_init(&s->qcond, NULL);
    pthread_mutex_init(&s->clock_, NULL);
    pthread_mutex_init(&s->ulock_, NULL);
    s->cap_ucount = s->cfg.connection_limit ? s->cfg.connection_limit : 1024;
    s->ucount = calloc(s->cap_ucount, sizeof *s->ucount);
    if (!s->ucount) {
        snprintf(err, errlen, "out of memory");
        server_free(s);
        return NULL;
    }
    if (!s->cfg.uploads_per_ip) {
        s->cfg.uploads_per_ip = 8;
    }
    examples_load(s);
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!parse_listen(cfg->listen, &ss, &sl, err, errlen)) {
        server_free(s);
        return NULL;
    }
    (void)sl;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
#if MHD_VERSION >= 0x00095300
    flags |= MHD_USE_EPOLL;
#endif
    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key) {
            snprintf(err, errlen, "--tls-cert and --tls-key go together");
            server_free(s);
            return NULL;
        }
        s->tls_cert = read_file(cfg->tls_cert, err, errlen);
        s->tls_key = s->tls_cert ? read_file(cfg->tls_key, err, errlen) : NULL;
        if (!s->tls_key) {
            server_free(s);
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    unsigned n_ingest = cfg->ingest_threads ? cfg->ingest_threads : 2;
    s->ingest_threads = calloc(n_ingest, sizeof *s->ingest_threads);
    for (unsigned i = 0; s->ingest_threads && i < n_ingest; i++) {
        if (pthread_create(&s->ingest_threads[i], NULL, ingest_main, s) != 0) {
            break;
        }
        s->n_ingest++;
    }
    if (s->n_ingest == 0) {
        snprintf(err, errlen, "cannot start the ingest threads");
        server_free(s);
        return NULL;
    }
    if (tl_jobs_shared(s->jobs)) {
        if (pthread_create(&s->jobs_thread, NULL, jobs_main, s) != 0) {
            snprintf(err, errlen, "cannot start the jobs thread");
            server_free(s);
            return NULL;
        }
        s->jobs_on = true;
    }
    if (pthread_create(&s->watchdog, NULL, watchdog_main, s) == 0) {
        s->watchdog_on = true;
    }
    struct MHD_OptionItem opts[20];
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
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s };
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s };
    /* 1: Host required on HTTP/1.1, no spaces in the URL or before a header's colon */
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
    if (s->tls_cert) {
        opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert };
        opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key };
    }
    opts[k++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s (in use, or not allowed?)", cfg->listen);
        server_free(s);
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
    /* in-flight requests (and the uploads they wait for) finish, up to the grace period */
    for (unsigned i = 0; i < s->cfg.shutdown_grace_sec * 20 && atomic_load(&s->active) > 0; i++) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    pool_stop(s); /* what is still queued is answered 503 and resumed */
    MHD_stop_daemon(s->d);
    if (lfd != MHD_INVALID_SOCKET) {
        close(lfd);
    }
    server_free(s);
}
