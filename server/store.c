/*
 * store.c - the SQLite store: migrations, one connection per thread with prepared
 * statements, the upload transaction and the queries of the API.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "embed.h"
#include "log.h"

#define BUSY_TIMEOUT_MS 2000 /* a worker never waits longer: 503 + Retry-After */

enum stmt_id {
    ST_CAPTURE_INSERT,
    ST_COUNTER_GET,
    ST_COUNTER_SET,
    ST_PACKET_INSERT,
    ST_FLOW_INSERT,
    ST_CAPTURE_FINISH,
    ST_CAPTURE_GET,
    ST_CAPTURES_LIST,
    ST_FLOW_GET,
    ST_FLOW_PACKETS,
    ST_DEL_PACKETS,
    ST_DEL_FLOWS,
    ST_DEL_CAPTURE,
    ST_PING,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_CAPTURE_INSERT] = "INSERT INTO captures (name, file, size_bytes, uploaded_at, format, "
                          "packets, flows, truncated, first_flow, last_flow, doc) "
                          "VALUES (?1, '', ?2, ?3, ?4, 0, 0, 0, 0, 0, '{}')",
    [ST_COUNTER_GET] = "SELECT value FROM counters WHERE name = 'flow_id'",
    [ST_COUNTER_SET] = "UPDATE counters SET value = ?1 WHERE name = 'flow_id'",
    [ST_PACKET_INSERT] = "INSERT INTO packets (id, event, rec) VALUES (?1, ?2, ?3)",
    [ST_FLOW_INSERT] = "INSERT INTO flows (id, capture_id, idx, ip_version, client_ip, "
                       "client_port, server_ip, server_port, first_ns, last_ns, handshake, "
                       "teardown, conn_state, history, completeness, packets, bytes, nsec, "
                       "checksums) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                       "?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    [ST_CAPTURE_FINISH] = "UPDATE captures SET file = ?2, doc = ?3, packets = ?4, flows = ?5, "
                          "truncated = ?6, first_flow = ?7, last_flow = ?8 WHERE id = ?1",
    [ST_CAPTURE_GET] = "SELECT doc, file, name, first_flow, last_flow, flows FROM captures "
                       "WHERE id = ?1",
    [ST_CAPTURES_LIST] = "SELECT id, doc FROM captures WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    [ST_FLOW_GET] = "SELECT id, capture_id, idx, nsec, checksums FROM flows WHERE id = ?1",
    [ST_FLOW_PACKETS] = "SELECT id, rec FROM packets WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
    [ST_DEL_PACKETS] = "DELETE FROM packets WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_FLOWS] = "DELETE FROM flows WHERE capture_id = ?1",
    [ST_DEL_CAPTURE] = "DELETE FROM captures WHERE id = ?1",
    [ST_PING] = "SELECT 1",
};

struct tl_db {
    sqlite3 *h;
    sqlite3_stmt *st[ST_COUNT];
    struct tl_store *store;
};

struct tl_store {
    char *path;
    char *data_dir;
    int version;
    pthread_key_t key;
};

static void db_close(struct tl_db *db)
{
    if (!db) {
        return;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(db->st[i]);
    }
    sqlite3_close(db->h);
    free(db);
}

static void db_destroy(void *p)
{
    db_close(p);
}

static enum tl_db_rc rc_of(struct tl_db *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) {
        return TL_DB_OK;
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        return TL_DB_BUSY; /* the caller answers 503 (and the access log shows it) */
    }
    if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM) {
        tl_log("store: %s: %s", what, db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        return TL_DB_READONLY;
    }
    if (rc == SQLITE_FULL) {
        tl_log("store: %s: %s", what, db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        return TL_DB_FULL;
    }
    tl_log("store: %s: %s", what, db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
    return TL_DB_ERROR;
}

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK && err) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
    }
    sqlite3_free(msg);
    return rc;
}

static sqlite3 *open_handle(const char *path, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(
        path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(h, 0);
    if (exec(h,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
             "PRAGMA cache_size=-32000;",
             err, errlen) != SQLITE_OK) {
        sqlite3_close(h);
        return NULL;
    }
    return h;
}

static int user_version(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

/* Apply schema files NNN_*.sql with NNN above user_version, each in its own transaction. */
static bool migrate(sqlite3 *h, int *version, char *err, size_t errlen)
{
    int v = user_version(h);
    if (v < 0) {
        snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(h));
        return false;
    }
    int latest = 0;
    for (size_t i = 0; i < tl_embedded_count; i++) {
        const struct tl_embedded *e = &tl_embedded_files[i];
        size_t n = strlen(e->name);
        if (n < 5 || strcmp(e->name + n - 4, ".sql") != 0) {
            continue;
        }
        int num = atoi(e->name);
        if (num <= 0) {
            continue;
        }
        latest = num > latest ? num : latest;
        if (num <= v) {
            continue;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", num);
        if (exec(h, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK ||
            exec(h, (const char *)e->data, err, errlen) != SQLITE_OK ||
            exec(h, pragma, err, errlen) != SQLITE_OK || exec(h, "COMMIT", err, errlen)) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            exec(h, "ROLLBACK", NULL, 0);
            snprintf(err, errlen, "migration %s failed: %s", e->name, why);
            return false;
        }
        tl_log("store: applied migration %s", e->name);
        v = num;
    }
    if (v > latest) {
        snprintf(err, errlen,
                 "the database has schema version %d, newer than this server knows (%d)", v,
                 latest);
        return false;
    }
    *version = v;
    return true;
}

static bool captured_id_exists(sqlite3 *h, uint64_t id)
{
    sqlite3_stmt *st = NULL;
    bool found = true; /* on doubt, keep the file */
    if (sqlite3_prepare_v2(h, "SELECT 1 FROM captures WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* Remove temporary uploads and files of captures that never committed. */
static void clean_data_dir(sqlite3 *h, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)) != NULL) {
        unsigned long long id = 0;
        bool orphan = false;
        if (strncmp(de->d_name, "upload-", 7) == 0) {
            orphan = true;
        } else if (sscanf(de->d_name, "capture-%llu.", &id) == 1) {
            orphan = !captured_id_exists(h, id);
        }
        if (orphan && snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path) {
            if (unlink(path) == 0) {
                tl_log("store: removed %s, left by an interrupted upload", path);
            }
        }
    }
    closedir(d);
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* Before any connection: no global memory statistics (a mutex on every allocation). */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

struct tl_store *tl_store_open(const char *path, const char *data_dir, char *err, size_t errlen)
{
    pthread_once(&sqlite_once, sqlite_setup);
    struct tl_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path)) || !(s->data_dir = strdup(data_dir))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (pthread_key_create(&s->key, db_destroy) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        goto fail;
    }
    sqlite3 *h = open_handle(path, err, errlen);
    if (!h) {
        pthread_key_delete(s->key);
        goto fail;
    }
    bool ok = migrate(h, &s->version, err, errlen);
    if (ok) {
        clean_data_dir(h, data_dir);
    }
    sqlite3_close(h);
    if (!ok) {
        pthread_key_delete(s->key);
        goto fail;
    }
    return s;
fail:
    if (s) {
        free(s->path);
        free(s->data_dir);
        free(s);
    }
    return NULL;
}

void tl_store_close(struct tl_store *s)
{
    if (!s) {
        return;
    }
    tl_store_thread_done(s);
    pthread_key_delete(s->key);
    free(s->path);
    free(s->data_dir);
    free(s);
}

const char *tl_store_data_dir(const struct tl_store *s)
{
    return s->data_dir;
}

int tl_store_version(const struct tl_store *s)
{
    return s->version;
}

struct tl_db *tl_store_db(struct tl_store *s)
{
    struct tl_db *db = pthread_getspecific(s->key);
    if (db) {
        return db;
    }
    char err[256];
    db = calloc(1, sizeof *db);
    if (!db) {
        return NULL;
    }
    db->store = s;
    db->h = open_handle(s->path, err, sizeof err);
    if (!db->h) {
        tl_log("store: %s", err);
        free(db);
        return NULL;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(db->h, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->st[i],
                               NULL) != SQLITE_OK) {
            tl_log("store: preparing statement %d: %s", i, sqlite3_errmsg(db->h));
            db_close(db);
            return NULL;
        }
    }
    pthread_setspecific(s->key, db);
    return db;
}

void tl_store_thread_done(struct tl_store *s)
{
    struct tl_db *db = pthread_getspecific(s->key);
    if (db) {
        pthread_setspecific(s->key, NULL);
        db_close(db);
    }
}

static sqlite3_stmt *stmt(struct tl_db *db, enum stmt_id i)
{
    sqlite3_stmt *st = db->st[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

void tl_db_busy_timeout(struct tl_db *db, unsigned ms)
{
    sqlite3_busy_timeout(db->h, (int)ms);
}

bool tl_db_ping(struct tl_db *db)
{
    sqlite3_stmt *st = stmt(db, ST_PING);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return ok;
}

/* --- upload ----------------------------------------------------------------------------- */

enum tl_db_rc tl_db_upload_begin(struct tl_db *db, const struct tl_upload_info *u,
                                 uint64_t *capture_id, uint64_t *flow_base)
{
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "begin upload");
    }
    sqlite3_stmt *st = stmt(db, ST_CAPTURE_INSERT);
    sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)u->size_bytes);
    sqlite3_bind_text(st, 3, u->uploaded_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, u->format, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        enum tl_db_rc r = rc_of(db, rc, "insert capture");
        tl_db_upload_rollback(db);
        return r;
    }
    *capture_id = (uint64_t)sqlite3_last_insert_rowid(db->h);
    st = stmt(db, ST_COUNTER_GET);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        enum tl_db_rc r = rc_of(db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "flow counter");
        tl_db_upload_rollback(db);
        return r;
    }
    *flow_base = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return TL_DB_OK;
}

/*
 * A packet's stored record: little-endian, version 1.
 *   u8 version, u64 frame, i64 ts_sec, u32 ts_nsec, u32 l3_caplen, u32 l3_wirelen,
 *   u8 tcp checksum verdict, u16 expected checksum, u8 flags (bit 0: the decoder saw a
 *   reused tuple, which a flow replayed alone cannot see), u8 n anomalies, n anomaly codes,
 *   then the IP and TCP header bytes.
 */
#define REC_VERSION 1
#define REC_FIXED   (1 + 8 + 8 + 4 + 4 + 4 + 1 + 2 + 1 + 1)

static uint8_t *put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        *p++ = (uint8_t)(v >> (8 * i));
    }
    return p;
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static uint64_t packet_key(uint64_t flow_id, uint64_t idx)
{
    return flow_id << 32 | (idx & 0xffffffffu);
}

enum tl_db_rc tl_db_add_packet(struct tl_db *db, uint64_t flow_id, uint64_t idx,
                               const struct tl_packet *p, const struct tl_flow_pkt *fp)
{
    uint8_t rec[REC_FIXED + TL_MAX_ANOMALIES + TL_REC_MAX_BYTES];
    unsigned na = p->n_anomalies > TL_MAX_ANOMALIES ? TL_MAX_ANOMALIES : p->n_anomalies;
    size_t hl = tl_rec_header_len(p);
    uint8_t *w = rec;
    *w++ = REC_VERSION;
    w = put_le(w, p->frame, 8);
    w = put_le(w, (uint64_t)p->ts_sec, 8);
    w = put_le(w, p->ts_nsec, 4);
    w = put_le(w, p->l3_caplen, 4);
    w = put_le(w, p->l3_wirelen, 4);
    *w++ = (uint8_t)p->tcp.checksum_status;
    w = put_le(w, p->tcp.checksum_expected, 2);
    *w++ = (fp->conn.analysis & TL_AF_REUSED_PORTS) ? 1 : 0;
    *w++ = (uint8_t)na;
    memcpy(w, p->anomalies, na);
    w += na;
    memcpy(w, p->l3, hl);
    w += hl;
    if (idx > 0xffffffffu) {
        return TL_DB_ERROR; /* a flow of more than 4G packets: not stored past that */
    }
    sqlite3_stmt *st = db->st[ST_PACKET_INSERT];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)packet_key(flow_id, idx));
    sqlite3_bind_text(st, 2, tl_event_name((enum tl_event)fp->conn.event), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, rec, (int)(w - rec), SQLITE_STATIC);
    int rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "insert packet");
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

static int64_t ns_of(int64_t sec, uint32_t nsec)
{
    return sec * 1000000000 + nsec;
}

enum tl_db_rc tl_db_add_flow(struct tl_db *db, uint64_t flow_id, uint64_t capture_id,
                             const struct tl_flow *f, bool nsec)
{
    uint8_t ca[16], sa[16];
    unsigned initiator, reset_by;
    addr16(f->ip_version, f->addr[TL_C2S], ca);
    addr16(f->ip_version, f->addr[TL_S2C], sa);
    sqlite3_stmt *st = db->st[ST_FLOW_INSERT];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)flow_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)capture_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->index);
    sqlite3_bind_int(st, 4, f->ip_version);
    sqlite3_bind_blob(st, 5, ca, 16, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, f->port[TL_C2S]);
    sqlite3_bind_blob(st, 7, sa, 16, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 8, f->port[TL_S2C]);
    sqlite3_bind_int64(st, 9, ns_of(f->first_sec, f->first_nsec));
    sqlite3_bind_int64(st, 10, ns_of(f->last_sec, f->last_nsec));
    sqlite3_bind_text(st, 11, tl_handshake_name(tl_conn_handshake(f)), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, tl_teardown_name(tl_conn_teardown(f, &initiator, &reset_by)), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 13, tl_conn_zeek_state(f), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, tl_conn_history(f), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 15, (int)tl_conn_completeness(f));
    sqlite3_bind_int64(st, 16, (sqlite3_int64)(f->side[0].packets + f->side[1].packets));
    sqlite3_bind_int64(st, 17, (sqlite3_int64)(f->side[0].bytes + f->side[1].bytes));
    sqlite3_bind_int(st, 18, nsec);
    sqlite3_bind_int(st, 19, f->cksum_mode);
    int rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "insert flow");
}

enum tl_db_rc tl_db_upload_commit(struct tl_db *db, uint64_t capture_id, const char *file,
                                  const char *doc, uint64_t packets, uint64_t flows, bool truncated,
                                  uint64_t first_flow, uint64_t last_flow)
{
    sqlite3_stmt *st = stmt(db, ST_CAPTURE_FINISH);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)capture_id);
    sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)packets);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)flows);
    sqlite3_bind_int(st, 6, truncated);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)first_flow);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)last_flow);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_COUNTER_SET);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)last_flow);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        enum tl_db_rc r = rc_of(db, rc, "commit upload");
        tl_db_upload_rollback(db);
        return r;
    }
    return TL_DB_OK;
}

void tl_db_upload_rollback(struct tl_db *db)
{
    if (!sqlite3_get_autocommit(db->h)) {
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* --- reading ---------------------------------------------------------------------------- */

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void row_of(sqlite3_stmt *st, uint64_t id, struct tl_capture_row *row)
{
    row->id = id;
    copy_col(st, 1, row->file, sizeof row->file);
    copy_col(st, 2, row->name, sizeof row->name);
    row->first_flow = (uint64_t)sqlite3_column_int64(st, 3);
    row->last_flow = (uint64_t)sqlite3_column_int64(st, 4);
    row->flows = (uint64_t)sqlite3_column_int64(st, 5);
}

enum tl_db_rc tl_db_capture_get(struct tl_db *db, uint64_t id, struct tl_buf *out,
                                struct tl_capture_row *row)
{
    sqlite3_stmt *st = stmt(db, ST_CAPTURE_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        return TL_DB_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        return rc_of(db, rc, "get capture");
    }
    if (out) {
        tl_buf_put(out, (const char *)sqlite3_column_text(st, 0),
                   (size_t)sqlite3_column_bytes(st, 0));
    }
    if (row) {
        row_of(st, id, row);
    }
    sqlite3_reset(st);
    return TL_DB_OK;
}

enum tl_db_rc tl_db_captures_list(struct tl_db *db, uint64_t before, unsigned limit,
                                  tl_db_doc_cb cb, void *arg)
{
    sqlite3_stmt *st = stmt(db, ST_CAPTURES_LIST);
    sqlite3_bind_int64(st, 1, before ? (sqlite3_int64)before : INT64_MAX);
    sqlite3_bind_int(st, 2, (int)limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cb(arg, (uint64_t)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "list captures");
}

enum tl_db_rc tl_db_capture_delete(struct tl_db *db, uint64_t id, struct tl_capture_row *row)
{
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "begin delete");
    }
    enum tl_db_rc r = tl_db_capture_get(db, id, NULL, row);
    if (r != TL_DB_OK) {
        tl_db_upload_rollback(db);
        return r;
    }
    sqlite3_stmt *st = stmt(db, ST_DEL_PACKETS);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)packet_key(row->first_flow, 0));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)packet_key(row->last_flow, 0xffffffffu));
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_DEL_FLOWS);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_DEL_CAPTURE);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        r = rc_of(db, rc, "delete capture");
        tl_db_upload_rollback(db);
        return r;
    }
    return TL_DB_OK;
}

/*
 * The flow query. Parameters are numbered by role (the same number may appear in several
 * branches): ?1 cursor, ?2/?3 host range, ?4/?5 client, ?6/?7 server, ?8 port, ?9 client port,
 * ?10 server port, ?11 handshake, ?12 teardown, ?13 conn_state, ?14 capture, ?15 since,
 * ?16 until, ?17..?19 the IP version of the host, client and server prefixes. A filter on either
 * endpoint (port, host) is an OR that SQLite would answer by collecting and sorting every match; it
 * is written instead as a UNION of two branches, each walking one (column, id) index in id order
 * and stopping at the limit.
 */
static void range_cond(struct tl_buf *sql, const struct tl_addr_range *r, const char *col, int at)
{
    if (memcmp(r->lo, r->hi, 16) == 0) {
        tl_buf_printf(sql, " AND %s = ?%d", col, at); /* one address: the index stays ordered */
    } else {
        tl_buf_printf(sql, " AND %s BETWEEN ?%d AND ?%d", col, at, at + 1);
    }
}

/* The conditions every branch shares. */
static void common_conds(struct tl_buf *sql, const struct tl_flow_filter *f)
{
    if (f->client.set) {
        range_cond(sql, &f->client, "client_ip", 4);
        tl_buf_puts(sql, " AND ip_version = ?18");
    }
    if (f->server.set) {
        range_cond(sql, &f->server, "server_ip", 6);
        tl_buf_puts(sql, " AND ip_version = ?19");
    }
    if (f->host.set) {
        tl_buf_puts(sql, " AND ip_version = ?17");
    }
    if (f->client_port >= 0) {
        tl_buf_puts(sql, " AND client_port = ?9");
    }
    if (f->server_port >= 0) {
        tl_buf_puts(sql, " AND server_port = ?10");
    }
    if (f->handshake) { /* "a,b": any of them (values checked against the vocabulary) */
        tl_buf_puts(sql, strchr(f->handshake, ',')
                             ? " AND instr(',' || ?11 || ',', ',' || handshake || ',') > 0"
                             : " AND handshake = ?11");
    }
    if (f->teardown) { /* "a,b": any of them (values checked against the vocabulary) */
        tl_buf_puts(sql, strchr(f->teardown, ',')
                             ? " AND instr(',' || ?12 || ',', ',' || teardown || ',') > 0"
                             : " AND teardown = ?12");
    }
    if (f->conn_state) { /* "a,b": any of them (values checked against the vocabulary) */
        tl_buf_puts(sql, strchr(f->conn_state, ',')
                             ? " AND instr(',' || ?13 || ',', ',' || conn_state || ',') > 0"
                             : " AND conn_state = ?13");
    }
    if (f->capture) {
        tl_buf_puts(sql, " AND capture_id = ?14");
    }
    if (f->since_set) {
        tl_buf_puts(sql, " AND first_ns >= ?15");
    }
    if (f->until_set) {
        tl_buf_puts(sql, " AND first_ns < ?16");
    }
}

/* One branch: `side` 0 puts the either-endpoint filters on the client's columns, 1 on the
 * server's, -1 on both (an OR, used when there is nothing to split). */
static void branch(struct tl_buf *sql, const struct tl_flow_filter *f, int side)
{
    tl_buf_puts(sql, "SELECT id, capture_id, idx, nsec, checksums FROM flows WHERE id > ?1");
    common_conds(sql, f);
    if (f->port >= 0) {
        if (side < 0) {
            tl_buf_puts(sql, " AND (client_port = ?8 OR server_port = ?8)");
        } else {
            tl_buf_printf(sql, " AND %s = ?8", side == 0 ? "client_port" : "server_port");
        }
    }
    if (f->host.set) {
        if (side < 0 || f->port >= 0) { /* split on the port already: the host stays an OR */
            tl_buf_puts(sql, " AND (1 = 0");
            const char *cols[2] = { "client_ip", "server_ip" };
            for (int k = 0; k < 2; k++) {
                if (memcmp(f->host.lo, f->host.hi, 16) == 0) {
                    tl_buf_printf(sql, " OR %s = ?2", cols[k]);
                } else {
                    tl_buf_printf(sql, " OR %s BETWEEN ?2 AND ?3", cols[k]);
                }
            }
            tl_buf_puts(sql, ")");
        } else {
            range_cond(sql, &f->host, side == 0 ? "client_ip" : "server_ip", 2);
        }
    }
    tl_buf_printf(sql, " ORDER BY id LIMIT %u", f->limit);
}

enum tl_db_rc tl_db_flows_query(struct tl_db *db, const struct tl_flow_filter *f, tl_db_flow_cb cb,
                                void *arg)
{
    char mem[3072];
    struct tl_buf sql;
    tl_buf_init_fixed(&sql, mem, sizeof mem);
    if (f->port >= 0 || f->host.set) {
        tl_buf_puts(&sql, "SELECT * FROM (SELECT * FROM (");
        branch(&sql, f, 0);
        tl_buf_puts(&sql, ") UNION SELECT * FROM (");
        branch(&sql, f, 1);
        tl_buf_printf(&sql, ")) ORDER BY id LIMIT %u", f->limit);
    } else {
        branch(&sql, f, -1);
    }
    if (sql.overflow) {
        return TL_DB_ERROR;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->h, tl_buf_cstr(&sql), (int)sql.len, &st, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "prepare flow query");
    }
    /* bind what the text uses; unused numbers stay NULL */
    int n = sqlite3_bind_parameter_count(st);
    for (int k = 1; k <= n; k++) {
        const char *name = sqlite3_bind_parameter_name(st, k);
        int role = name ? atoi(name + 1) : 0;
        const struct tl_addr_range *r = NULL;
        bool hi = false;
        switch (role) {
            case 1:
                sqlite3_bind_int64(st, k, (sqlite3_int64)f->after_id);
                break;
            case 2:
            case 3:
                r = &f->host;
                hi = role == 3;
                break;
            case 4:
            case 5:
                r = &f->client;
                hi = role == 5;
                break;
            case 6:
            case 7:
                r = &f->server;
                hi = role == 7;
                break;
            case 8:
                sqlite3_bind_int(st, k, f->port);
                break;
            case 9:
                sqlite3_bind_int(st, k, f->client_port);
                break;
            case 10:
                sqlite3_bind_int(st, k, f->server_port);
                break;
            case 11:
                sqlite3_bind_text(st, k, f->handshake, -1, SQLITE_STATIC);
                break;
            case 12:
                sqlite3_bind_text(st, k, f->teardown, -1, SQLITE_STATIC);
                break;
            case 13:
                sqlite3_bind_text(st, k, f->conn_state, -1, SQLITE_STATIC);
                break;
            case 14:
                sqlite3_bind_int64(st, k, (sqlite3_int64)f->capture);
                break;
            case 15:
                sqlite3_bind_int64(st, k, f->since_ns);
                break;
            case 16:
                sqlite3_bind_int64(st, k, f->until_ns);
                break;
            case 17:
                sqlite3_bind_int(st, k, f->host.version);
                break;
            case 18:
                sqlite3_bind_int(st, k, f->client.version);
                break;
            case 19:
                sqlite3_bind_int(st, k, f->server.version);
                break;
            default:
                break;
        }
        if (r) {
            sqlite3_bind_blob(st, k, hi ? r->hi : r->lo, 16, SQLITE_STATIC);
        }
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_flow_ref ref = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .capture_id = (uint64_t)sqlite3_column_int64(st, 1),
            .index = (uint64_t)sqlite3_column_int64(st, 2),
            .nsec = sqlite3_column_int(st, 3) != 0,
            .cksum_mode = (uint8_t)sqlite3_column_int(st, 4),
        };
        if (!cb(arg, &ref)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    enum tl_db_rc r = rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "flow query");
    sqlite3_finalize(st);
    return r;
}

enum tl_db_rc tl_db_flow_get(struct tl_db *db, uint64_t id, struct tl_flow_ref *ref)
{
    sqlite3_stmt *st = stmt(db, ST_FLOW_GET);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        return TL_DB_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        return rc_of(db, rc, "get flow");
    }
    ref->id = (uint64_t)sqlite3_column_int64(st, 0);
    ref->capture_id = (uint64_t)sqlite3_column_int64(st, 1);
    ref->index = (uint64_t)sqlite3_column_int64(st, 2);
    ref->nsec = sqlite3_column_int(st, 3) != 0;
    ref->cksum_mode = (uint8_t)sqlite3_column_int(st, 4);
    sqlite3_reset(st);
    return TL_DB_OK;
}

enum tl_db_rc tl_db_flow_packets(struct tl_db *db, uint64_t flow_id, tl_db_packet_cb cb, void *arg)
{
    /* its own statement: a flow list replays each flow while the list query is stepping */
    sqlite3_stmt *st = stmt(db, ST_FLOW_PACKETS);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)packet_key(flow_id, 0));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)packet_key(flow_id, 0xffffffffu));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *r = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        if (!r || n < REC_FIXED || r[0] != REC_VERSION ||
            n < (size_t)REC_FIXED + r[REC_FIXED - 1]) {
            tl_log("store: packet %lld of flow %llu has an unreadable record; skipped",
                   (long long)sqlite3_column_int64(st, 0), (unsigned long long)flow_id);
            continue;
        }
        size_t na = r[REC_FIXED - 1];
        struct tl_db_packet p = {
            .idx = (uint64_t)sqlite3_column_int64(st, 0) & 0xffffffffu,
            .frame = get_le(r + 1, 8),
            .ts_sec = (int64_t)get_le(r + 9, 8),
            .ts_nsec = (uint32_t)get_le(r + 17, 4),
            .l3_caplen = (uint32_t)get_le(r + 21, 4),
            .l3_wirelen = (uint32_t)get_le(r + 25, 4),
            .cksum = r[29],
            .cksum_expected = (uint16_t)get_le(r + 30, 2),
            .anomalies = r + REC_FIXED,
            .n_anomalies = na,
            .hdr = r + REC_FIXED + na,
            .hdr_len = n - REC_FIXED - na,
            .reused_ports = (r[32] & 1) != 0,
        };
        if (!cb(arg, &p)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "flow packets");
}
