/*
 * ingest.c - decode a temporary file into the store: packets are written as the decoder
 * meets them and flows when they end, so memory holds only the live flows. Uploads are
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
#include "rec_codec.h"
#include "render.h"

static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

struct ingest_ctx {
    struct tl_ingest_progress *progress; /* or NULL */
    const struct tl_capture_stats *st;
    struct tl_db *db;
    uint64_t capture_id, flow_base;
    bool nsec;
    enum tl_db_rc rc;                  /* first storage failure */
    uint8_t encoded[TL_REC_CODEC_MAX]; /* the packet being stored, as its record */
};

static void on_packet(void *arg, const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    struct ingest_ctx *c = arg;
    if (!fp || c->rc != TL_DB_OK) {
        return;
    }
    if (c->progress && (c->st->packets & 1023) == 0) { /* every 1024 records */
        atomic_store(&c->progress->packets, c->st->packets);
        atomic_store(&c->progress->bytes, c->st->bytes + 16 * c->st->packets);
    }
    const struct tl_flow *f = fp->flow;
    uint64_t idx = f->side[0].packets + f->side[1].packets - 1;
    size_t n = tl_rec_encode_packet(p, fp, c->encoded);
    c->rc = tl_db_add_packet(c->db, c->flow_base + f->index + 1, idx, c->encoded, n,
                             tl_event_name((enum tl_event)fp->conn.event));
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
    if (c->rc != TL_DB_OK) {
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
    c->rc = tl_db_add_flow(c->db, &row);
    if (c->progress) {
        atomic_fetch_add(&c->progress->flows, 1);
    }
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
    e = tl_pipeline_run(r, &pl, &err);
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
    bool ok = !doc.overflow && rename(stored, final_path) == 0;
    if (ok) {
        /* renamed first: a crash before the commit leaves a file the start-up removes */
        char file[64];
        snprintf(file, sizeof file, "capture-%llu.%s", (unsigned long long)c.capture_id, ext);
        rc = tl_db_upload_commit(db, c.capture_id, file, tl_buf_cstr(&doc), st->packets, st->flows,
                                 st->truncated, c.flow_base + 1, c.flow_base + st->flows);
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
    if (!ok) {
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
