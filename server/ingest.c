/*
 * ingest.c - decode a temporary file into the store: each live flow collects where its
 * packets are in the file (track/positions.h) and is written when it ends, so memory holds
 * only the live flows and their positions (a few bytes per packet). Uploads are
 * serialised by a mutex that only the ingest threads take (SQLite has one writer anyway; HTTP
 * workers and readers never wait for it); the transaction covers everything. When another
 * process holds the write lock, the upload waits for it outside the mutex, up to
 * busy_wait_ms, then gives up with TL_INGEST_BUSY (503).
 */
#include "ingest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "capture.h"
#include "conn.h"
#include "log.h"
#include "pipeline.h"
#include "positions.h"
#include "render.h"
#include "seek.h"

static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

/* A live flow's positions (flow->user), on a list so that an upload that stops early frees
 * them all. */
struct flow_pos {
    struct flow_pos *prev, *next;
    struct tl_pos_writer w;
};

/*
 * Ended flows on their way from the decoding thread to the one that stores them: decoding and
 * storing overlap, and a full queue holds the decoder back, so memory stays bounded.
 */
#define ROWQ_CAP   1024
#define ROWQ_BATCH 64 /* rows the storer takes at once; it sleeps until that many wait */
struct row_msg {
    struct tl_flow_row row;
    char history[TL_HISTORY_MAX + 1]; /* row.history points here once the row is taken */
    uint8_t *pos;                     /* the positions (row.pos), owned */
};
struct rowq {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct row_msg *v;
    size_t head, n;
    bool done;        /* the decoder has finished: what is queued is all */
    bool prod_asleep; /* the decoder waits for room: woken when the queue is half empty */
};

struct ingest_ctx {
    struct tl_ingest_progress *progress; /* or NULL */
    const struct tl_capture_stats *st;
    struct tl_db *db;
    uint64_t capture_id, flow_base;
    bool nsec;
    enum tl_db_rc rc;     /* the decoder's first failure (memory) */
    _Atomic int store_rc; /* the storer's first failure (enum tl_db_rc) */
    struct rowq *q;       /* where ended flows go (NULL: an upgrade collects them) */
    struct flow_pos *live;
    /* an upgrade (tl_ingest_upgrade): the flows' positions are collected, not stored */
    bool collect;
    struct tl_flow_positions *done;
    size_t n_done, cap_done;
};

static void pos_free(struct ingest_ctx *c, struct flow_pos *fp)
{
    if (fp->prev) {
        fp->prev->next = fp->next;
    } else {
        c->live = fp->next;
    }
    if (fp->next) {
        fp->next->prev = fp->prev;
    }
    tl_pos_writer_free(&fp->w);
    free(fp);
}

static void on_packet(void *arg, const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    struct ingest_ctx *c = arg;
    if (!fp || c->rc != TL_DB_OK || atomic_load(&c->store_rc) != TL_DB_OK) {
        return;
    }
    if (c->progress && (c->st->packets & 1023) == 0) { /* every 1024 records */
        atomic_store(&c->progress->packets, c->st->packets);
        atomic_store(&c->progress->bytes, c->st->bytes + 16 * c->st->packets);
    }
    struct tl_flow *f = fp->flow;
    struct flow_pos *pos = f->user;
    if (!pos) {
        pos = calloc(1, sizeof *pos);
        if (!pos) {
            c->rc = TL_DB_ERROR;
            return;
        }
        pos->next = c->live;
        if (c->live) {
            c->live->prev = pos;
        }
        c->live = pos;
        f->user = pos;
    }
    if (!tl_pos_add(&pos->w, p->frame, p->pos)) {
        c->rc = TL_DB_ERROR;
        return;
    }
    if (pos->w.count == 1 && (fp->conn.analysis & TL_AF_REUSED_PORTS)) {
        tl_pos_set_flags(&pos->w, TL_POS_FLAG_REUSED);
    }
}

/* 16 bytes: IPv6 as is, IPv4 as ::ffff:a.b.c.d */
static void addr16(int version, const uint8_t *a, uint8_t out[16])
{
    if (version == 6) {
        memcpy(out, a, 16);
        return;
    }
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, a, 4);
}

/* The tunnel path's filter columns: kinds and VLAN ids as ",a,b,", the first VNI, the
 * outermost IP tunnel's addresses. */
static void tunnel_columns(const struct tl_flow *f, struct tl_flow_row *row)
{
    struct tl_buf k, v;
    tl_buf_init_fixed(&k, row->tunnels, sizeof row->tunnels);
    tl_buf_init_fixed(&v, row->vlans, sizeof row->vlans);
    row->vni = -1;
    row->outer_version = 0;
    unsigned n = f->n_tunnels < TL_FLOW_TUNNELS ? f->n_tunnels : TL_FLOW_TUNNELS;
    for (unsigned i = 0; i < n; i++) {
        const struct tl_tunnel *t = &f->tunnels[i];
        tl_buf_printf(&k, "%s%s,", i == 0 ? "," : "",
                      tl_tunnel_kind_name((enum tl_tunnel_kind)t->kind));
        if (t->kind == TL_TUN_VLAN) {
            tl_buf_printf(&v, "%s%u,", v.len == 0 ? "," : "", (unsigned)t->id);
        }
        if (row->vni < 0 &&
            (t->kind == TL_TUN_VXLAN || t->kind == TL_TUN_VXLAN_GPE || t->kind == TL_TUN_GENEVE)) {
            row->vni = t->id;
        }
        if (!row->outer_version && (t->ip_version == 4 || t->ip_version == 6)) {
            row->outer_version = t->ip_version;
            addr16(t->ip_version, t->src, row->outer_src);
            addr16(t->ip_version, t->dst, row->outer_dst);
        }
    }
    /* at most TL_FLOW_TUNNELS short names and VLAN ids: the buffers cannot fill */
    tl_buf_cstr(&k);
    tl_buf_cstr(&v);
}

static void on_flow(struct tl_flow *f, void *arg)
{
    struct ingest_ctx *c = arg;
    struct flow_pos *pos = f->user;
    f->user = NULL;
    if (c->rc != TL_DB_OK || !pos || atomic_load(&c->store_rc) != TL_DB_OK) {
        if (pos) {
            pos_free(c, pos);
        }
        return;
    }
    if (c->collect) {
        if (c->n_done == c->cap_done) {
            size_t cap = c->cap_done ? c->cap_done * 2 : 64;
            struct tl_flow_positions *v = realloc(c->done, cap * sizeof *v);
            if (!v) {
                c->rc = TL_DB_ERROR;
                pos_free(c, pos);
                return;
            }
            c->done = v;
            c->cap_done = cap;
        }
        c->done[c->n_done++] = (struct tl_flow_positions){ .id = c->flow_base + f->index + 1,
                                                           .pos = pos->w.b,
                                                           .len = pos->w.n };
        pos->w.b = NULL; /* the list owns it now */
        pos_free(c, pos);
        return;
    }
    unsigned initiator, reset_by;
    struct tl_flow_row row = {
        .id = c->flow_base + f->index + 1,
        .capture_id = c->capture_id,
        .index = f->index,
        .ip_version = f->ip_version,
        .client_port = f->port[TL_C2S],
        .server_port = f->port[TL_S2C],
        .first_ns = f->first_sec * 1000000000 + f->first_nsec,
        .last_ns = f->last_sec * 1000000000 + f->last_nsec,
        .handshake = tl_handshake_name(tl_conn_handshake(f)),
        .teardown = tl_teardown_name(tl_conn_teardown(f, &initiator, &reset_by)),
        .conn_state = tl_conn_zeek_state(f),
        .history = tl_conn_history(f),
        .completeness = tl_conn_completeness(f),
        .packets = f->side[0].packets + f->side[1].packets,
        .bytes = f->side[0].bytes + f->side[1].bytes,
        .nsec = c->nsec,
        .cksum_mode = f->cksum_mode,
        .service = tl_service_name(tl_service_of(&f->svc, f->port[TL_C2S], f->port[TL_S2C])),
    };
    int64_t a_us, b_us;
    tl_conn_handshake_rtt(f, &a_us, &b_us, &row.rtt_us);
    tunnel_columns(f, &row);
    const struct tl_perf *pf = &f->conn.perf;
    row.retrans_packets = pf->d[0].retx_packets + pf->d[1].retx_packets;
    row.retrans_bytes = pf->d[0].retx_bytes + pf->d[1].retx_bytes;
    row.duration_ns = (f->last_sec - f->first_sec) * 1000000000 +
                      ((int64_t)f->last_nsec - (int64_t)f->first_nsec);
    addr16(f->ip_version, f->addr[TL_C2S], row.client_ip);
    addr16(f->ip_version, f->addr[TL_S2C], row.server_ip);
    row.pos_len = pos->w.n;
    row.history = NULL; /* in the message: the flow's memory is reused once it is handed out */
    struct rowq *q = c->q;
    /* Each side sleeps until there is a batch for it, not a row: flows end in bursts (at each
     * retirement), and waking the other thread for every row costs more than storing it. */
    pthread_mutex_lock(&q->mu);
    while (q->n == ROWQ_CAP) {
        q->prod_asleep = true;
        pthread_cond_wait(&q->not_full, &q->mu);
    }
    q->prod_asleep = false;
    struct row_msg *m = &q->v[(q->head + q->n) % ROWQ_CAP];
    m->row = row;
    snprintf(m->history, sizeof m->history, "%s", tl_conn_history(f));
    m->pos = pos->w.b;
    pos->w.b = NULL; /* the message owns it now */
    if (++q->n == ROWQ_BATCH) {
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->mu);
    pos_free(c, pos);
}

struct decode_job {
    struct tl_reader *r;
    const struct tl_pipeline *pl;
    struct ingest_ctx *c;
    struct tl_errbuf err;
    enum tl_err e;
};

/* The decoding thread: the whole capture through the pipeline, then the queue is closed. */
static void *decode_main(void *arg)
{
    struct decode_job *j = arg;
    j->e = tl_pipeline_run(j->r, j->pl, &j->err);
    while (j->c->live) { /* flows the pipeline dropped without handing them over (it stopped) */
        pos_free(j->c, j->c->live);
    }
    struct rowq *q = j->c->q;
    pthread_mutex_lock(&q->mu);
    q->done = true;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Decode on a thread of its own while this one stores the flows it ends, in the upload's
 * transaction (this thread's connection). Returns what the pipeline returned. */
static enum tl_err decode_and_store(struct ingest_ctx *c, struct tl_reader *r,
                                    const struct tl_pipeline *pl, struct tl_errbuf *err)
{
    struct rowq q = { .v = malloc(ROWQ_CAP * sizeof(struct row_msg)) };
    struct row_msg *batch = malloc(ROWQ_BATCH * sizeof *batch); /* taken out of q at once */
    if (!q.v || !batch) {
        free(q.v);
        free(batch);
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return TL_E_NOMEM;
    }
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.not_empty, NULL);
    pthread_cond_init(&q.not_full, NULL);
    c->q = &q;
    struct decode_job j = { .r = r, .pl = pl, .c = c };
    pthread_t th;
    bool threaded = pthread_create(&th, NULL, decode_main, &j) == 0;
    if (!threaded) { /* decoding here instead would block on a full queue: the upload fails */
        snprintf(j.err.msg, sizeof j.err.msg, "no thread could be started to decode the capture");
        j.e = TL_E_NOMEM;
        q.done = true;
    }
    for (;;) {
        pthread_mutex_lock(&q.mu);
        while (q.n < ROWQ_BATCH && !q.done) {
            pthread_cond_wait(&q.not_empty, &q.mu);
        }
        size_t k = 0;
        while (k < ROWQ_BATCH && q.n > 0) {
            batch[k++] = q.v[q.head];
            q.head = (q.head + 1) % ROWQ_CAP;
            q.n--;
        }
        if (q.prod_asleep && q.n <= ROWQ_CAP / 2) {
            pthread_cond_signal(&q.not_full);
        }
        pthread_mutex_unlock(&q.mu);
        if (k == 0) {
            break; /* done, and nothing left */
        }
        for (size_t i = 0; i < k; i++) {
            struct row_msg *m = &batch[i];
            if (atomic_load(&c->store_rc) == TL_DB_OK) {
                m->row.history = m->history;
                m->row.pos = m->pos;
                enum tl_db_rc rc = tl_db_add_flow(c->db, &m->row);
                if (rc != TL_DB_OK) {
                    atomic_store(&c->store_rc, rc);
                }
            }
            free(m->pos);
        }
        if (c->progress) {
            atomic_fetch_add(&c->progress->flows, k);
        }
    }
    if (threaded) {
        pthread_join(th, NULL);
    }
    pthread_cond_destroy(&q.not_full);
    pthread_cond_destroy(&q.not_empty);
    pthread_mutex_destroy(&q.mu);
    free(batch);
    free(q.v);
    c->q = NULL;
    *err = j.err;
    if (j.e == TL_OK && c->rc == TL_DB_OK) {
        c->rc = (enum tl_db_rc)atomic_load(&c->store_rc);
    }
    return j.e;
}

static enum tl_ingest_status status_of(enum tl_db_rc rc)
{
    switch (rc) {
        case TL_DB_BUSY:
            return TL_INGEST_BUSY;
        case TL_DB_READONLY:
            return TL_INGEST_READONLY;
        case TL_DB_FULL:
            return TL_INGEST_DISK_FULL;
        default:
            return TL_INGEST_FAILED;
    }
}

static const char *rc_message(enum tl_db_rc rc)
{
    switch (rc) {
        case TL_DB_BUSY:
            return "the database is busy; try again";
        case TL_DB_READONLY:
            return "the database is read-only: the upload could not be stored";
        case TL_DB_FULL:
            return "the disk is full: the upload could not be stored";
        default:
            return "the upload could not be stored";
    }
}

static void fail(struct tl_ingest_result *res, enum tl_ingest_status st, const char *msg)
{
    res->status = st;
    snprintf(res->message, sizeof res->message, "%s", msg);
}

/* plain: a compressed upload's decompressed copy, written while decoding, stored instead */
static void ingest_one(struct tl_store *s, const struct tl_ingest_opts *opts, const char *tmp_path,
                       const char *name, uint64_t size_bytes, struct tl_ingest_result *res,
                       FILE *plain, const char *plain_path)
{
    struct tl_errbuf err = { { 0 } };
    struct tl_reader *r = NULL;
    memset(res, 0, sizeof *res);

    struct tl_reader_opts rdo = {
        .filter = opts->filter,
        .max_decompressed = opts->max_decompressed,
        .tee = plain,
    };
    enum tl_err e = tl_reader_open_with(tmp_path, &rdo, &r, &err);
    if (e == TL_E_USAGE) {
        fail(res, TL_INGEST_BAD_FILTER, err.msg);
        return;
    }
    if (e == TL_E_TOO_LARGE) {
        fail(res, TL_INGEST_TOO_LARGE, err.msg);
        return;
    }
    if (e == TL_E_FORMAT) {
        fail(res, TL_INGEST_NOT_CAPTURE, err.msg);
        return;
    }
    if (e == TL_E_UNSUPPORTED) {
        fail(res, TL_INGEST_UNREADABLE, err.msg);
        return;
    }
    if (e != TL_OK) {
        fail(res, TL_INGEST_FAILED, err.msg[0] ? err.msg : tl_strerror(e));
        return;
    }
    const struct tl_capture_stats *st = tl_reader_stats(r);
    struct tl_db *db = tl_store_db(s);
    if (!db) {
        tl_reader_close(r);
        fail(res, TL_INGEST_FAILED, "the database cannot be opened");
        return;
    }
    char uploaded_at[40];
    tl_now_rfc3339(uploaded_at, sizeof uploaded_at);
    struct tl_upload_info info = {
        .name = name,
        .format = st->format,
        .size_bytes = size_bytes,
        .uploaded_at = uploaded_at,
        .sha256 = opts->sha256,
        .filter = opts->filter,
        .keep_duplicate = opts->keep_duplicate,
    };
    struct ingest_ctx c = { .db = db, .nsec = st->nsec, .progress = opts->progress, .st = st };

    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum tl_db_rc rc;
    for (;;) {
        pthread_mutex_lock(&writer);
        tl_db_busy_timeout(db, 0); /* no waiting inside the mutex */
        rc = tl_db_upload_begin(db, &info, &c.capture_id, &c.flow_base);
        tl_db_busy_timeout(db, 2000);
        if (rc != TL_DB_BUSY) {
            break;
        }
        pthread_mutex_unlock(&writer);
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
        if (waited * 1000 >= opts->busy_wait_ms) {
            tl_reader_close(r);
            fail(res, TL_INGEST_BUSY, "the database is locked by another writer; try again");
            return;
        }
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    if (rc == TL_DB_DUPLICATE) { /* nothing begun: the stored one answers */
        pthread_mutex_unlock(&writer);
        tl_reader_close(r);
        res->status = TL_INGEST_DUPLICATE;
        res->capture_id = c.capture_id;
        return;
    }
    if (rc != TL_DB_OK) {
        pthread_mutex_unlock(&writer);
        tl_reader_close(r);
        fail(res, status_of(rc), rc_message(rc));
        return;
    }
    struct tl_pipeline pl = {
        .packet = on_packet,
        .flow_done = on_flow,
        .arg = &c,
        .max_flows = opts->max_flows,
        .cksum_mode = opts->cksum_mode,
    };
    e = decode_and_store(&c, r, &pl, &err);
    enum tl_err rs = e == TL_OK ? tl_reader_status(r, &err) : TL_OK;
    if (rs == TL_OK && plain && fflush(plain) != 0) {
        rs = TL_E_IO;
        snprintf(err.msg, sizeof err.msg, "the decompressed capture could not be written");
    }
    if (rs != TL_OK) { /* a decompression bomb, or its copy could not be written */
        tl_db_upload_rollback(db);
        pthread_mutex_unlock(&writer);
        fail(res, rs == TL_E_TOO_LARGE ? TL_INGEST_TOO_LARGE : TL_INGEST_FAILED, err.msg);
        tl_reader_close(r);
        return;
    }
    if (e == TL_OK && st->packets == 0 && st->filtered_out == 0 && st->truncated) {
        /* libpcap gave up before the first record: not something we can store */
        tl_db_upload_rollback(db);
        pthread_mutex_unlock(&writer);
        fail(res, TL_INGEST_UNREADABLE, st->warnings[0]);
        tl_reader_close(r);
        return;
    }
    if (e != TL_OK || c.rc != TL_DB_OK) {
        tl_db_upload_rollback(db);
        pthread_mutex_unlock(&writer);
        fail(res, e != TL_OK ? TL_INGEST_FAILED : status_of(c.rc),
             e != TL_OK ? err.msg : rc_message(c.rc));
        tl_reader_close(r);
        return;
    }

    /* the capture object: the decoder's, plus what the server knows */
    struct tl_buf doc;
    struct tl_jw w;
    struct tl_render_opts ro = { .nsec = st->nsec };
    tl_buf_init(&doc, (size_t)1 << 20);
    tl_jw_init(&w, &doc);
    tl_json_capture_begin(&w, st, c.capture_id, name, &ro);
    tl_jw_kuint(&w, "size_bytes", size_bytes);
    tl_jw_kstr(&w, "uploaded_at", uploaded_at);
    tl_jw_kstr(&w, "checksums", tl_cksum_mode_name(opts->cksum_mode));
    tl_jw_obj_end(&w);

    char final_path[4096];
    const char *ext = strcmp(st->format, "pcapng") == 0 ? "pcapng" : "pcap";
    snprintf(final_path, sizeof final_path, "%s/capture-%llu.%s", tl_store_data_dir(s),
             (unsigned long long)c.capture_id, ext);
    const char *stored = plain ? plain_path : tmp_path;
    /* how a packet is read back from its position: the format, a pcapng's sections */
    uint8_t *layout = NULL;
    size_t layout_len = 0;
    enum tl_err le = tl_layout_scan(stored, &layout, &layout_len, &err);
    bool ok = le == TL_OK && !doc.overflow && rename(stored, final_path) == 0;
    if (ok) {
        /* renamed first: a crash before the commit leaves a file the start-up removes */
        char file[64];
        snprintf(file, sizeof file, "capture-%llu.%s", (unsigned long long)c.capture_id, ext);
        struct tl_upload_done done = {
            .file = file,
            .layout = layout,
            .layout_len = layout_len,
            .doc = tl_buf_cstr(&doc),
            .packets = st->packets,
            .flows = st->flows,
            .truncated = st->truncated,
            .first_flow = c.flow_base + 1,
            .last_flow = c.flow_base + st->flows,
            .job_id = opts->job_id,
            .job_owner = opts->job_owner,
            .blob_path = tl_store_blobs(s) ? final_path : NULL,
        };
        rc = tl_db_upload_commit(db, c.capture_id, &done);
        if (rc != TL_DB_OK) {
            ok = false;
            if (rename(final_path, stored) != 0) {
                remove(final_path);
            }
        }
    } else {
        tl_db_upload_rollback(db);
    }
    pthread_mutex_unlock(&writer);
    tl_buf_cleanup(&doc);
    free(layout);
    if (!ok && le != TL_OK) {
        fail(res, le == TL_E_TOO_LARGE ? TL_INGEST_UNREADABLE : TL_INGEST_FAILED, err.msg);
    } else if (!ok && rc == TL_DB_NOT_FOUND && opts->job_id) {
        fail(res, TL_INGEST_TAKEN_OVER,
             "another server took this job over (this one's lease ran out): nothing stored");
    } else if (!ok) {
        fail(res, status_of(rc),
             rc == TL_DB_OK ? "the stored file could not be moved into place" : rc_message(rc));
    } else {
        res->status = TL_INGEST_OK;
        res->capture_id = c.capture_id;
        res->packets = st->packets;
        res->tcp_packets = st->tcp_packets;
        res->flows = st->flows;
    }
    tl_reader_close(r);
}

void tl_ingest(struct tl_store *s, const struct tl_ingest_opts *opts, const char *tmp_path,
               const char *name, uint64_t size_bytes, struct tl_ingest_result *res)
{
    /* gzip or zstd (by the first bytes): the decompressed copy is what gets stored */
    unsigned char magic[4];
    FILE *f = fopen(tmp_path, "rb");
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f) {
        fclose(f);
    }
    if (tl_compression_sniff(magic, n) == TL_COMP_NONE) {
        ingest_one(s, opts, tmp_path, name, size_bytes, res, NULL, NULL);
        return;
    }
    char plain_path[4200];
    snprintf(plain_path, sizeof plain_path, "%s-plain", tmp_path); /* upload-*: swept at start */
    int fd = open(plain_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *plain = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!plain) {
        if (fd >= 0) {
            close(fd);
            unlink(plain_path);
        }
        memset(res, 0, sizeof *res);
        fail(res, errno == ENOSPC ? TL_INGEST_DISK_FULL : TL_INGEST_FAILED,
             "the decompressed capture cannot be written");
        return;
    }
    ingest_one(s, opts, tmp_path, name, size_bytes, res, plain, plain_path);
    fclose(plain);
    if (res->status != TL_INGEST_OK) {
        unlink(plain_path); /* nothing of a refused upload stays */
    }
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = ((const struct tl_flow_positions *)a)->id;
    uint64_t y = ((const struct tl_flow_positions *)b)->id;
    return x < y ? -1 : x > y;
}

/* One capture of an older server read again: its flows' positions and its layout stored. */
static bool upgrade_one(struct tl_store *s, struct tl_db *db, const struct tl_legacy_capture *lc,
                        uint64_t max_flows, char *why, size_t whylen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", tl_store_data_dir(s), lc->file);
    struct tl_errbuf err = { { 0 } };
    struct tl_reader *r = NULL;
    struct tl_reader_opts rdo = { .filter = lc->filter[0] ? lc->filter : NULL };
    if (tl_reader_open_with(path, &rdo, &r, &err) != TL_OK) {
        snprintf(why, whylen, "%s", err.msg);
        return false;
    }
    struct ingest_ctx c = {
        .db = db, .st = tl_reader_stats(r), .flow_base = lc->first_flow - 1, .collect = true
    };
    struct tl_pipeline pl = {
        .packet = on_packet,
        .flow_done = on_flow,
        .arg = &c,
        .max_flows = max_flows,
        .cksum_mode =
            lc->cksum_mode <= TL_CKM_IGNORE ? (enum tl_cksum_mode)lc->cksum_mode : TL_CKM_AUTO,
    };
    enum tl_err e = tl_pipeline_run(r, &pl, &err);
    while (c.live) {
        pos_free(&c, c.live);
    }
    tl_reader_close(r);
    uint8_t *layout = NULL;
    size_t layout_len = 0;
    bool ok = false;
    if (e != TL_OK || c.rc != TL_DB_OK) {
        snprintf(why, whylen, "%s", e != TL_OK ? err.msg : "out of memory");
    } else if (c.n_done != lc->flows) {
        snprintf(why, whylen, "read again it gives %zu flows, not the %llu stored", c.n_done,
                 (unsigned long long)lc->flows);
    } else if (tl_layout_scan(path, &layout, &layout_len, &err) != TL_OK) {
        snprintf(why, whylen, "%s", err.msg);
    } else {
        qsort(c.done, c.n_done, sizeof *c.done, by_id);
        enum tl_db_rc rc = tl_db_legacy_store(db, lc->id, layout, layout_len, c.done, c.n_done);
        ok = rc == TL_DB_OK;
        if (!ok) {
            snprintf(why, whylen, "%s", rc_message(rc));
        }
    }
    for (size_t i = 0; i < c.n_done; i++) {
        free((void *)(uintptr_t)c.done[i].pos); /* its own copy: the positions it collected */
    }
    free(c.done);
    free(layout);
    return ok;
}

void tl_ingest_upgrade(struct tl_store *s, uint64_t max_flows)
{
    struct tl_db *db = tl_store_db(s);
    if (!db) {
        return;
    }
    struct tl_legacy_capture *lc = malloc(sizeof *lc);
    uint64_t after = 0, done = 0, failed = 0;
    while (lc && tl_db_legacy_next(db, after, lc) == TL_DB_OK) {
        char why[512];
        after = lc->id;
        pthread_mutex_lock(&writer);
        bool ok = upgrade_one(s, db, lc, max_flows, why, sizeof why);
        pthread_mutex_unlock(&writer);
        if (ok) {
            done++;
        } else {
            failed++;
            tl_log("store: capture %llu (%s) keeps no packet positions: %s; its flows are listed "
                   "but cannot be opened until it is uploaded again",
                   (unsigned long long)lc->id, lc->file, why);
        }
    }
    free(lc);
    if (done || failed) {
        tl_log("store: %llu capture(s) of an older version read again for their packet positions "
               "(%llu failed)",
               (unsigned long long)done, (unsigned long long)failed);
    }
}
