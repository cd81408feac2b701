/*
 * store_sqlite.c - the SQLite backend of the store (store_backend.h): migrations, one
 * connection per thread with its prepared statements, the upload transaction and the
 * queries of the API. All of SQLite's SQL text is in this file; parameters are named.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embed.h"
#include "log.h"
#include "store_backend.h"

#define BUSY_TIMEOUT_MS 2000 /* a worker never waits longer: 503 + Retry-After */

enum stmt_id {
    ST_CAPTURE_INSERT,
    ST_COUNTER_GET,
    ST_COUNTER_SET,
    ST_FLOW_INSERT,
    ST_CAPTURE_FINISH,
    ST_CAPTURE_GET,
    ST_CAPTURE_EXISTS,
    ST_CAPTURES_LIST,
    ST_FLOW_GET,
    ST_FLOW_POSITIONS,
    ST_LEGACY_NEXT,
    ST_LEGACY_FLOW,
    ST_LEGACY_CAPTURE,
    ST_DEL_PACKETS,
    ST_DEL_FLOWS,
    ST_DEL_CAPTURE,
    ST_DEL_CAPTURE_NOTES,
    ST_CAPTURES_BEFORE,
    ST_FIND_DUPLICATE,
    ST_NOTE_INSERT,
    ST_NOTES_CAPTURE,
    ST_NOTES_FLOW,
    ST_NOTE_DELETE,
    ST_PING,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_CAPTURE_INSERT] = "INSERT INTO captures (name, file, size_bytes, uploaded_at, format, "
                          "packets, flows, truncated, first_flow, last_flow, doc, sha256, filter) "
                          "VALUES (:name, '', :size, :uploaded_at, :format, 0, 0, 0, 0, 0, '{}', "
                          ":sha256, :filter)",
    [ST_COUNTER_GET] = "SELECT value FROM counters WHERE name = 'flow_id'",
    [ST_COUNTER_SET] = "UPDATE counters SET value = :value WHERE name = 'flow_id'",
    [ST_FLOW_INSERT] = "INSERT INTO flows (id, capture_id, idx, ip_version, client_ip, "
                       "client_port, server_ip, server_port, first_ns, last_ns, handshake, "
                       "teardown, conn_state, history, completeness, packets, bytes, nsec, "
                       "checksums, service, rtt_us, retrans_pkts, retrans_bytes, duration_ns, "
                       "tunnels, vlans, vni, outer_version, outer_src, outer_dst, pos) "
                       "VALUES (:id, :capture_id, :idx, :ip_version, "
                       ":client_ip, :client_port, :server_ip, :server_port, :first_ns, :last_ns, "
                       ":handshake, :teardown, :conn_state, :history, :completeness, :packets, "
                       ":bytes, :nsec, :checksums, :service, :rtt_us, :retrans_pkts, "
                       ":retrans_bytes, :duration_ns, :tunnels, :vlans, :vni, :outer_version, "
                       ":outer_src, :outer_dst, :pos)",
    [ST_CAPTURE_FINISH] = "UPDATE captures SET file = :file, layout = :layout, doc = :doc, "
                          "packets = :packets, "
                          "flows = :flows, truncated = :truncated, first_flow = :first_flow, "
                          "last_flow = :last_flow WHERE id = :id",
    [ST_CAPTURE_GET] = "SELECT doc, file, name, first_flow, last_flow, flows FROM captures "
                       "WHERE id = :id",
    [ST_CAPTURE_EXISTS] = "SELECT 1 FROM captures WHERE id = :id",
    [ST_CAPTURES_LIST] = "SELECT id, doc FROM captures WHERE id < :before ORDER BY id DESC "
                         "LIMIT :limit",
    [ST_FLOW_GET] = "SELECT id, capture_id, idx, nsec, checksums, service FROM flows "
                    "WHERE id = :id",
    [ST_LEGACY_NEXT] = "SELECT c.id, c.file, c.filter, c.first_flow, c.flows, (SELECT checksums "
                       "FROM flows WHERE capture_id = c.id ORDER BY id LIMIT 1) FROM captures c "
                       "WHERE c.layout IS NULL AND c.file <> '' AND c.id > :after "
                       "ORDER BY c.id LIMIT 1",
    [ST_LEGACY_FLOW] = "UPDATE flows SET pos = :pos WHERE id = :id",
    [ST_LEGACY_CAPTURE] = "UPDATE captures SET layout = :layout WHERE id = :id",
    [ST_FLOW_POSITIONS] = "SELECT f.pos, c.layout, c.file FROM flows f JOIN captures c "
                          "ON c.id = f.capture_id WHERE f.id = :id",
    [ST_DEL_PACKETS] = "DELETE FROM packets WHERE id BETWEEN :lo AND :hi",
    [ST_DEL_FLOWS] = "DELETE FROM flows WHERE capture_id = :capture_id",
    [ST_DEL_CAPTURE] = "DELETE FROM captures WHERE id = :id",
    [ST_DEL_CAPTURE_NOTES] = "DELETE FROM annotations WHERE capture_id = :capture_id",
    [ST_CAPTURES_BEFORE] = "SELECT id FROM captures WHERE uploaded_at < :before AND id > :after "
                           "ORDER BY id LIMIT :limit",
    [ST_FIND_DUPLICATE] = "SELECT id FROM captures WHERE sha256 = :sha256 AND filter = :filter "
                          "AND sha256 <> '' ORDER BY id LIMIT 1",
    [ST_NOTE_INSERT] = "INSERT INTO annotations (capture_id, flow_id, packet, author, text, "
                       "created_at) VALUES (:capture_id, :flow_id, :packet, :author, :text, "
                       ":created_at)",
    [ST_NOTES_CAPTURE] = "SELECT id, capture_id, flow_id, packet, author, text, created_at "
                         "FROM annotations WHERE capture_id = :capture_id ORDER BY id",
    [ST_NOTES_FLOW] = "SELECT id, capture_id, flow_id, packet, author, text, created_at "
                      "FROM annotations WHERE flow_id = :flow_id ORDER BY id",
    [ST_NOTE_DELETE] = "DELETE FROM annotations WHERE id = :id",
    [ST_PING] = "SELECT 1",
};

/*
 * Background jobs are kept in a file of their own beside the database (DB-jobs): an upload
 * holds the database's one write lock for its whole transaction, and recording a new job
 * (the 202 answer) must not wait for it.
 */
enum { JS_INSERT, JS_UPDATE, JS_GET, JS_ABANDON, JS_COUNT };
static const char *const jobs_sql[JS_COUNT] = {
    [JS_INSERT] = "INSERT INTO jobs (state, name, size_bytes, created_at) "
                  "VALUES (:state, :name, :size, :created_at)",
    [JS_UPDATE] = "UPDATE jobs SET state = :state, packets = :packets, flows = :flows, "
                  "capture_id = :capture_id, error_code = :error_code, error = :error, "
                  "finished_at = :finished_at WHERE id = :id",
    [JS_GET] = "SELECT id, state, name, size_bytes, packets, flows, capture_id, error_code, "
               "error, created_at, finished_at FROM jobs WHERE id = :id",
    [JS_ABANDON] = "UPDATE jobs SET state = 'failed', error_code = 'interrupted', "
                   "error = :why, finished_at = :at WHERE state IN ('queued', 'running')",
};
static const char jobs_schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, state TEXT NOT NULL, "
    "name TEXT NOT NULL, size_bytes INTEGER NOT NULL, packets INTEGER NOT NULL DEFAULT 0, "
    "flows INTEGER NOT NULL DEFAULT 0, capture_id INTEGER, error_code TEXT, error TEXT, "
    "created_at TEXT NOT NULL, finished_at TEXT);";

struct sq_db {
    struct tl_db base; /* first: a struct tl_db * is a struct sq_db * */
    sqlite3 *h;
    sqlite3_stmt *st[ST_COUNT];
    sqlite3 *jh; /* the jobs file (DB-jobs), opened on first use */
    sqlite3_stmt *jst[JS_COUNT];
};

struct sq_store {
    struct tl_store base; /* first */
    char *path;
    char *jobs_path; /* background jobs live beside the database: see jobs_db() */
    pthread_key_t key;
};

static struct sq_db *SQ(struct tl_db *db)
{
    return (struct sq_db *)db;
}

/* The index of a named parameter (0, which SQLite ignores, when the text has none). */
static int P(sqlite3_stmt *st, const char *name)
{
    return sqlite3_bind_parameter_index(st, name);
}

static void db_close(struct sq_db *db)
{
    if (!db) {
        return;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(db->st[i]);
    }
    for (int i = 0; i < JS_COUNT; i++) {
        sqlite3_finalize(db->jst[i]);
    }
    sqlite3_close(db->jh);
    sqlite3_close(db->h);
    free(db);
}

static void db_destroy(void *p)
{
    db_close(p);
}

static enum tl_db_rc rc_of(struct sq_db *db, int rc, const char *what)
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

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

/* Before any connection: no global memory statistics (a mutex on every allocation). */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

static struct tl_store *sq_open(const char *path, char *err, size_t errlen)
{
    pthread_once(&sqlite_once, sqlite_setup);
    struct sq_store *s = calloc(1, sizeof *s);
    size_t pl = strlen(path);
    if (!s || !(s->path = strdup(path)) || !(s->jobs_path = malloc(pl + 6))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(s->jobs_path, pl + 6, "%s-jobs", path);
    if (pthread_key_create(&s->key, db_destroy) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        goto fail;
    }
    sqlite3 *h = open_handle(path, err, errlen);
    if (!h) {
        pthread_key_delete(s->key);
        goto fail;
    }
    bool ok = migrate(h, &s->base.version, err, errlen);
    sqlite3_close(h);
    if (!ok) {
        pthread_key_delete(s->key);
        goto fail;
    }
    return &s->base;
fail:
    if (s) {
        free(s->path);
        free(s->jobs_path);
        free(s);
    }
    return NULL;
}

static void sq_thread_done(struct tl_store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_db *db = pthread_getspecific(s->key);
    if (db) {
        pthread_setspecific(s->key, NULL);
        db_close(db);
    }
}

static void sq_close(struct tl_store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    sq_thread_done(base);
    pthread_key_delete(s->key);
    free(s->path);
    free(s->jobs_path);
    free(s);
}

static struct tl_db *sq_db(struct tl_store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_db *db = pthread_getspecific(s->key);
    if (db) {
        return &db->base;
    }
    char err[256];
    db = calloc(1, sizeof *db);
    if (!db) {
        return NULL;
    }
    db->base.ops = &tl_store_sqlite;
    db->base.store = base;
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
    return &db->base;
}

static sqlite3_stmt *stmt(struct sq_db *db, enum stmt_id i)
{
    sqlite3_stmt *st = db->st[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void sq_busy_timeout(struct tl_db *d, unsigned ms)
{
    struct sq_db *db = SQ(d);
    sqlite3_busy_timeout(db->h, (int)ms);
}

static bool sq_ping(struct tl_db *d)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_PING);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return ok;
}

static void sq_upload_rollback(struct tl_db *d);

/* The grouping columns, as enum tl_group_key. */
static const char *const group_col[TL_GROUP_COUNT] = {
    [TL_GROUP_CONN_STATE] = "conn_state",   [TL_GROUP_HANDSHAKE] = "handshake",
    [TL_GROUP_TEARDOWN] = "teardown",       [TL_GROUP_SERVICE] = "service",
    [TL_GROUP_SERVER_PORT] = "server_port", [TL_GROUP_CAPTURE] = "capture_id",
};

/* A capture's counts per grouping (flow_groups, schema/007), inside its upload's transaction. */
static int groups_fill(struct sq_db *db, uint64_t capture_id)
{
    for (int g = 0; g < TL_GROUP_COUNT; g++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "INSERT INTO flow_groups SELECT capture_id, %d, CAST(%s AS TEXT), count(*), "
                 "sum(packets), sum(bytes), sum(retrans_pkts), sum(retrans_bytes) FROM flows "
                 "WHERE capture_id = %" PRIu64 " GROUP BY %s",
                 g, group_col[g], capture_id, group_col[g]);
        int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            return rc;
        }
    }
    return SQLITE_DONE;
}

/* --- upload ----------------------------------------------------------------------------- */

static enum tl_db_rc sq_upload_begin(struct tl_db *d, const struct tl_upload_info *u,
                                     uint64_t *capture_id, uint64_t *flow_base)
{
    struct sq_db *db = SQ(d);
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "begin upload");
    }
    const char *sha = u->sha256 ? u->sha256 : "", *filter = u->filter ? u->filter : "";
    sqlite3_stmt *st;
    if (!u->keep_duplicate && sha[0]) { /* inside the write lock: two at once cannot both pass */
        st = stmt(db, ST_FIND_DUPLICATE);
        sqlite3_bind_text(st, P(st, ":sha256"), sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, P(st, ":filter"), filter, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *capture_id = (uint64_t)sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            sq_upload_rollback(&db->base);
            return TL_DB_DUPLICATE;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            enum tl_db_rc r = rc_of(db, rc, "find duplicate");
            sq_upload_rollback(&db->base);
            return r;
        }
    }
    st = stmt(db, ST_CAPTURE_INSERT);
    sqlite3_bind_text(st, P(st, ":sha256"), sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":filter"), filter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":name"), u->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, P(st, ":size"), (sqlite3_int64)u->size_bytes);
    sqlite3_bind_text(st, P(st, ":uploaded_at"), u->uploaded_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":format"), u->format, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        enum tl_db_rc r = rc_of(db, rc, "insert capture");
        sq_upload_rollback(&db->base);
        return r;
    }
    *capture_id = (uint64_t)sqlite3_last_insert_rowid(db->h);
    st = stmt(db, ST_COUNTER_GET);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        enum tl_db_rc r = rc_of(db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "flow counter");
        sq_upload_rollback(&db->base);
        return r;
    }
    *flow_base = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return TL_DB_OK;
}

static uint64_t packet_key(uint64_t flow_id, uint64_t idx)
{
    return flow_id << 32 | (idx & 0xffffffffu);
}

static enum tl_db_rc sq_add_flow(struct tl_db *d, const struct tl_flow_row *f)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = db->st[ST_FLOW_INSERT];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)f->id);
    sqlite3_bind_int64(st, P(st, ":capture_id"), (sqlite3_int64)f->capture_id);
    sqlite3_bind_int64(st, P(st, ":idx"), (sqlite3_int64)f->index);
    sqlite3_bind_int(st, P(st, ":ip_version"), f->ip_version);
    sqlite3_bind_blob(st, P(st, ":client_ip"), f->client_ip, 16, SQLITE_STATIC);
    sqlite3_bind_int(st, P(st, ":client_port"), f->client_port);
    sqlite3_bind_blob(st, P(st, ":server_ip"), f->server_ip, 16, SQLITE_STATIC);
    sqlite3_bind_int(st, P(st, ":server_port"), f->server_port);
    sqlite3_bind_int64(st, P(st, ":first_ns"), f->first_ns);
    sqlite3_bind_int64(st, P(st, ":last_ns"), f->last_ns);
    sqlite3_bind_text(st, P(st, ":handshake"), f->handshake, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":teardown"), f->teardown, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":conn_state"), f->conn_state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":history"), f->history, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, P(st, ":completeness"), (int)f->completeness);
    sqlite3_bind_int64(st, P(st, ":packets"), (sqlite3_int64)f->packets);
    sqlite3_bind_int64(st, P(st, ":bytes"), (sqlite3_int64)f->bytes);
    sqlite3_bind_int(st, P(st, ":nsec"), f->nsec);
    sqlite3_bind_int(st, P(st, ":checksums"), f->cksum_mode);
    if (f->rtt_us >= 0) {
        sqlite3_bind_int64(st, P(st, ":rtt_us"), f->rtt_us);
    } else {
        sqlite3_bind_null(st, P(st, ":rtt_us"));
    }
    sqlite3_bind_int64(st, P(st, ":retrans_pkts"), (sqlite3_int64)f->retrans_packets);
    sqlite3_bind_int64(st, P(st, ":retrans_bytes"), (sqlite3_int64)f->retrans_bytes);
    sqlite3_bind_int64(st, P(st, ":duration_ns"), f->duration_ns);
    sqlite3_bind_text(st, P(st, ":tunnels"), f->tunnels, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":vlans"), f->vlans, -1, SQLITE_STATIC);
    if (f->vni >= 0) {
        sqlite3_bind_int64(st, P(st, ":vni"), f->vni);
    } else {
        sqlite3_bind_null(st, P(st, ":vni"));
    }
    sqlite3_bind_int(st, P(st, ":outer_version"), f->outer_version);
    if (f->outer_version) {
        sqlite3_bind_blob(st, P(st, ":outer_src"), f->outer_src, 16, SQLITE_STATIC);
        sqlite3_bind_blob(st, P(st, ":outer_dst"), f->outer_dst, 16, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, P(st, ":outer_src"));
        sqlite3_bind_null(st, P(st, ":outer_dst"));
    }
    if (f->service) {
        sqlite3_bind_text(st, P(st, ":service"), f->service, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, P(st, ":service"));
    }
    sqlite3_bind_blob(st, P(st, ":pos"), f->pos, (int)f->pos_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "insert flow");
}

static enum tl_db_rc sq_upload_commit(struct tl_db *d, uint64_t capture_id,
                                      const struct tl_upload_done *u)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_CAPTURE_FINISH);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)capture_id);
    sqlite3_bind_text(st, P(st, ":file"), u->file, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, P(st, ":layout"), u->layout, (int)u->layout_len, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":doc"), u->doc, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, P(st, ":packets"), (sqlite3_int64)u->packets);
    sqlite3_bind_int64(st, P(st, ":flows"), (sqlite3_int64)u->flows);
    sqlite3_bind_int(st, P(st, ":truncated"), u->truncated);
    sqlite3_bind_int64(st, P(st, ":first_flow"), (sqlite3_int64)u->first_flow);
    sqlite3_bind_int64(st, P(st, ":last_flow"), (sqlite3_int64)u->last_flow);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = groups_fill(db, capture_id);
    }
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_COUNTER_SET);
        sqlite3_bind_int64(st, P(st, ":value"), (sqlite3_int64)u->last_flow);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        enum tl_db_rc r = rc_of(db, rc, "commit upload");
        sq_upload_rollback(&db->base);
        return r;
    }
    return TL_DB_OK;
}

static enum tl_db_rc sq_legacy_next(struct tl_db *d, uint64_t after, struct tl_legacy_capture *c)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_LEGACY_NEXT);
    sqlite3_bind_int64(st, P(st, ":after"), (sqlite3_int64)after);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        return TL_DB_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        return rc_of(db, rc, "captures to upgrade");
    }
    const unsigned char *file = sqlite3_column_text(st, 1), *filter = sqlite3_column_text(st, 2);
    c->id = (uint64_t)sqlite3_column_int64(st, 0);
    snprintf(c->file, sizeof c->file, "%s", file ? (const char *)file : "");
    snprintf(c->filter, sizeof c->filter, "%s", filter ? (const char *)filter : "");
    c->first_flow = (uint64_t)sqlite3_column_int64(st, 3);
    c->flows = (uint64_t)sqlite3_column_int64(st, 4);
    c->cksum_mode = (uint8_t)sqlite3_column_int(st, 5);
    sqlite3_reset(st);
    return TL_DB_OK;
}

static enum tl_db_rc sq_legacy_store(struct tl_db *d, uint64_t capture_id, const uint8_t *layout,
                                     size_t layout_len, const struct tl_flow_positions *flows,
                                     size_t n)
{
    struct sq_db *db = SQ(d);
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "begin upgrade");
    }
    rc = SQLITE_DONE;
    for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
        sqlite3_stmt *st = stmt(db, ST_LEGACY_FLOW);
        sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)flows[i].id);
        sqlite3_bind_blob(st, P(st, ":pos"), flows[i].pos, (int)flows[i].len, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        sqlite3_stmt *st = stmt(db, ST_LEGACY_CAPTURE);
        sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)capture_id);
        sqlite3_bind_blob(st, P(st, ":layout"), layout, (int)layout_len, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE && n > 0) {
        sqlite3_stmt *st = stmt(db, ST_DEL_PACKETS);
        sqlite3_bind_int64(st, P(st, ":lo"), (sqlite3_int64)packet_key(flows[0].id, 0));
        sqlite3_bind_int64(st, P(st, ":hi"),
                           (sqlite3_int64)packet_key(flows[n - 1].id, 0xffffffffu));
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        enum tl_db_rc r = rc_of(db, rc, "store upgrade");
        sq_upload_rollback(&db->base);
        return r;
    }
    return TL_DB_OK;
}

static void sq_upload_rollback(struct tl_db *d)
{
    struct sq_db *db = SQ(d);
    if (!sqlite3_get_autocommit(db->h)) {
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* --- background jobs --------------------------------------------------------------------- */

/* A statement on this thread's connection to the jobs file (opened and prepared on first use);
 * NULL when it cannot be opened. */
static sqlite3_stmt *jobs_stmt(struct sq_db *db, int i)
{
    if (!db->jh) {
        const struct sq_store *s = (const struct sq_store *)db->base.store;
        char err[256];
        db->jh = open_handle(s->jobs_path, err, sizeof err);
        if (!db->jh || exec(db->jh, jobs_schema, err, sizeof err) != SQLITE_OK) {
            tl_log("store: %s", err);
            sqlite3_close(db->jh);
            db->jh = NULL;
            return NULL;
        }
        for (int k = 0; k < JS_COUNT; k++) {
            if (sqlite3_prepare_v3(db->jh, jobs_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &db->jst[k],
                                   NULL) != SQLITE_OK) {
                tl_log("store: preparing job statement %d: %s", k, sqlite3_errmsg(db->jh));
                return NULL;
            }
        }
    }
    sqlite3_stmt *st = db->jst[i];
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return st;
}

static enum tl_db_rc jobs_rc(struct sq_db *db, int rc, const char *what)
{
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        return TL_DB_BUSY;
    }
    tl_log("store: %s: %s", what, db->jh ? sqlite3_errmsg(db->jh) : sqlite3_errstr(rc));
    return TL_DB_ERROR;
}

static enum tl_db_rc sq_job_create(struct tl_db *d, const struct tl_job_row *row, uint64_t *id)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = jobs_stmt(db, JS_INSERT);
    if (!st) {
        return TL_DB_ERROR;
    }
    sqlite3_bind_text(st, P(st, ":state"), row->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":name"), row->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, P(st, ":size"), (sqlite3_int64)row->size_bytes);
    sqlite3_bind_text(st, P(st, ":created_at"), row->created_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return jobs_rc(db, rc, "insert job");
    }
    *id = (uint64_t)sqlite3_last_insert_rowid(db->jh);
    return TL_DB_OK;
}

static void bind_opt_text(sqlite3_stmt *st, const char *name, const char *v)
{
    if (v) {
        sqlite3_bind_text(st, P(st, name), v, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, P(st, name));
    }
}

static enum tl_db_rc sq_job_update(struct tl_db *d, const struct tl_job_row *row)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = jobs_stmt(db, JS_UPDATE);
    if (!st) {
        return TL_DB_ERROR;
    }
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)row->id);
    sqlite3_bind_text(st, P(st, ":state"), row->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, P(st, ":packets"), (sqlite3_int64)row->packets);
    sqlite3_bind_int64(st, P(st, ":flows"), (sqlite3_int64)row->flows);
    if (row->capture_id) {
        sqlite3_bind_int64(st, P(st, ":capture_id"), (sqlite3_int64)row->capture_id);
    }
    bind_opt_text(st, ":error_code", row->error_code);
    bind_opt_text(st, ":error", row->error);
    bind_opt_text(st, ":finished_at", row->finished_at);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? TL_DB_OK : jobs_rc(db, rc, "update job");
}

static enum tl_db_rc sq_job_get(struct tl_db *d, uint64_t id, tl_db_job_cb cb, void *arg)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = jobs_stmt(db, JS_GET);
    if (!st) {
        return TL_DB_ERROR;
    }
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return TL_DB_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return jobs_rc(db, rc, "get job");
    }
    struct tl_job_row row = {
        .id = (uint64_t)sqlite3_column_int64(st, 0),
        .state = (const char *)sqlite3_column_text(st, 1),
        .name = (const char *)sqlite3_column_text(st, 2),
        .size_bytes = (uint64_t)sqlite3_column_int64(st, 3),
        .packets = (uint64_t)sqlite3_column_int64(st, 4),
        .flows = (uint64_t)sqlite3_column_int64(st, 5),
        .capture_id = (uint64_t)sqlite3_column_int64(st, 6),
        .error_code = (const char *)sqlite3_column_text(st, 7),
        .error = (const char *)sqlite3_column_text(st, 8),
        .created_at = (const char *)sqlite3_column_text(st, 9),
        .finished_at = (const char *)sqlite3_column_text(st, 10),
    };
    cb(arg, &row);
    sqlite3_reset(st);
    return TL_DB_OK;
}

static enum tl_db_rc sq_jobs_abandon(struct tl_db *d, const char *why, const char *at, uint64_t *n)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = jobs_stmt(db, JS_ABANDON);
    if (!st) {
        return TL_DB_ERROR;
    }
    sqlite3_bind_text(st, P(st, ":why"), why, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":at"), at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return jobs_rc(db, rc, "abandon jobs");
    }
    *n = (uint64_t)sqlite3_changes(db->jh);
    return TL_DB_OK;
}

/* --- annotations ------------------------------------------------------------------------- */

static enum tl_db_rc sq_annotation_add(struct tl_db *d, const struct tl_annotation *a, uint64_t *id)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_NOTE_INSERT);
    sqlite3_bind_int64(st, P(st, ":capture_id"), (sqlite3_int64)a->capture_id);
    if (a->flow_id) {
        sqlite3_bind_int64(st, P(st, ":flow_id"), (sqlite3_int64)a->flow_id);
    }
    if (a->has_packet) {
        sqlite3_bind_int64(st, P(st, ":packet"), (sqlite3_int64)a->packet);
    }
    sqlite3_bind_text(st, P(st, ":author"), a->author ? a->author : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":text"), a->text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":created_at"), a->created_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return rc_of(db, rc, "insert annotation");
    }
    *id = (uint64_t)sqlite3_last_insert_rowid(db->h);
    return TL_DB_OK;
}

static enum tl_db_rc sq_annotations_list(struct tl_db *d, uint64_t capture_id, uint64_t flow_id,
                                         tl_db_annotation_cb cb, void *arg)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, flow_id ? ST_NOTES_FLOW : ST_NOTES_CAPTURE);
    if (flow_id) {
        sqlite3_bind_int64(st, P(st, ":flow_id"), (sqlite3_int64)flow_id);
    } else {
        sqlite3_bind_int64(st, P(st, ":capture_id"), (sqlite3_int64)capture_id);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_annotation a = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .capture_id = (uint64_t)sqlite3_column_int64(st, 1),
            .flow_id = (uint64_t)sqlite3_column_int64(st, 2), /* NULL reads as 0 */
            .has_packet = sqlite3_column_type(st, 3) != SQLITE_NULL,
            .packet = (uint64_t)sqlite3_column_int64(st, 3),
            .author = (const char *)sqlite3_column_text(st, 4),
            .text = (const char *)sqlite3_column_text(st, 5),
            .created_at = (const char *)sqlite3_column_text(st, 6),
        };
        if (!cb(arg, &a)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "list annotations");
}

static enum tl_db_rc sq_annotation_delete(struct tl_db *d, uint64_t id)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_NOTE_DELETE);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        return rc_of(db, rc, "delete annotation");
    }
    return sqlite3_changes(db->h) > 0 ? TL_DB_OK : TL_DB_NOT_FOUND;
}

static bool sq_capture_exists(struct tl_store *s, uint64_t id)
{
    struct tl_db *d = sq_db(s);
    if (!d) {
        return true; /* on doubt, keep the file */
    }
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_CAPTURE_EXISTS);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc != SQLITE_DONE;
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

static enum tl_db_rc sq_capture_get(struct tl_db *d, uint64_t id, struct tl_buf *out,
                                    struct tl_capture_row *row)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_CAPTURE_GET);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)id);
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

static enum tl_db_rc sq_captures_list(struct tl_db *d, uint64_t before, unsigned limit,
                                      tl_db_doc_cb cb, void *arg)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_CAPTURES_LIST);
    sqlite3_bind_int64(st, P(st, ":before"), before ? (sqlite3_int64)before : INT64_MAX);
    sqlite3_bind_int(st, P(st, ":limit"), (int)limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cb(arg, (uint64_t)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "list captures");
}

static enum tl_db_rc sq_capture_delete(struct tl_db *d, uint64_t id, struct tl_capture_row *row)
{
    struct sq_db *db = SQ(d);
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "begin delete");
    }
    enum tl_db_rc r = sq_capture_get(&db->base, id, NULL, row);
    if (r != TL_DB_OK) {
        sq_upload_rollback(&db->base);
        return r;
    }
    sqlite3_stmt *st = stmt(db, ST_DEL_PACKETS);
    sqlite3_bind_int64(st, P(st, ":lo"), (sqlite3_int64)packet_key(row->first_flow, 0));
    sqlite3_bind_int64(st, P(st, ":hi"), (sqlite3_int64)packet_key(row->last_flow, 0xffffffffu));
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_DEL_FLOWS);
        sqlite3_bind_int64(st, P(st, ":capture_id"), (sqlite3_int64)id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM flow_groups WHERE capture_id = %" PRIu64, id);
        rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        rc = rc == SQLITE_OK ? SQLITE_DONE : rc;
    }
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_DEL_CAPTURE_NOTES);
        sqlite3_bind_int64(st, P(st, ":capture_id"), (sqlite3_int64)id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        st = stmt(db, ST_DEL_CAPTURE);
        sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_DONE) {
        rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        r = rc_of(db, rc, "delete capture");
        sq_upload_rollback(&db->base);
        return r;
    }
    return TL_DB_OK;
}

static enum tl_db_rc sq_captures_before(struct tl_db *d, const char *before, uint64_t after,
                                        uint64_t *ids, unsigned max, unsigned *n)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_CAPTURES_BEFORE);
    sqlite3_bind_text(st, P(st, ":before"), before, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, P(st, ":after"), (sqlite3_int64)after);
    sqlite3_bind_int64(st, P(st, ":limit"), (sqlite3_int64)max);
    int rc = SQLITE_DONE;
    *n = 0;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ids[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
    }
    if (*n == max) {
        rc = SQLITE_DONE;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? TL_DB_OK : rc_of(db, rc, "captures before");
}

/*
 * The flow query. Parameters are named by role (the same name may appear in several
 * branches). A filter on either endpoint (port, host) is an OR that SQLite would answer by
 * collecting and sorting every match; it is written instead as a UNION of two branches, each
 * walking one (column, id) index in id order and stopping at the limit.
 */
static void range_cond(struct tl_buf *sql, const struct tl_addr_range *r, const char *col,
                       const char *name)
{
    if (memcmp(r->lo, r->hi, 16) == 0) {
        tl_buf_printf(sql, " AND %s = :%s_lo", col,
                      name); /* one address: the index stays ordered */
    } else {
        tl_buf_printf(sql, " AND %s BETWEEN :%s_lo AND :%s_hi", col, name, name);
    }
}

/* "a,b" matches any of them (values checked against the vocabulary before). */
static void list_cond(struct tl_buf *sql, const char *value, const char *col)
{
    if (strchr(value, ',')) {
        tl_buf_printf(sql, " AND instr(',' || :%s || ',', ',' || %s || ',') > 0", col, col);
    } else {
        tl_buf_printf(sql, " AND %s = :%s", col, col);
    }
}

/* The conditions every branch shares. */
static void common_conds(struct tl_buf *sql, const struct tl_flow_filter *f)
{
    if (f->client.set) {
        range_cond(sql, &f->client, "client_ip", "client");
        tl_buf_puts(sql, " AND ip_version = :client_v");
    }
    if (f->server.set) {
        range_cond(sql, &f->server, "server_ip", "server");
        tl_buf_puts(sql, " AND ip_version = :server_v");
    }
    if (f->host.set) {
        tl_buf_puts(sql, " AND ip_version = :host_v");
    }
    if (f->client_port >= 0) {
        tl_buf_puts(sql, " AND client_port = :client_port");
    }
    if (f->server_port >= 0) {
        tl_buf_puts(sql, " AND server_port = :server_port");
    }
    if (f->handshake) {
        list_cond(sql, f->handshake, "handshake");
    }
    if (f->teardown) {
        list_cond(sql, f->teardown, "teardown");
    }
    if (f->conn_state) {
        list_cond(sql, f->conn_state, "conn_state");
    }
    if (f->capture) {
        tl_buf_puts(sql, " AND capture_id = :capture");
    }
    if (f->since_set) {
        tl_buf_puts(sql, " AND first_ns >= :since");
    }
    if (f->until_set) {
        tl_buf_puts(sql, " AND first_ns < :until");
    }
    if (f->service) {
        list_cond(sql, f->service, "service");
    }
    if (f->tunnel_kinds) { /* "a,b": a kind of either on the path */
        tl_buf_puts(sql, " AND (instr(tunnels, ',' || :tunnel0 || ',') > 0");
        unsigned n = 1;
        for (const char *p = strchr(f->tunnel_kinds, ','); p && n < 16; p = strchr(p + 1, ',')) {
            tl_buf_printf(sql, " OR instr(tunnels, ',' || :tunnel%u || ',') > 0", n++);
        }
        tl_buf_puts(sql, ")");
    }
    if (f->vlans) {
        tl_buf_puts(sql, " AND (instr(vlans, ',' || :vlan0 || ',') > 0");
        unsigned n = 1;
        for (const char *p = strchr(f->vlans, ','); p && n < 16; p = strchr(p + 1, ',')) {
            tl_buf_printf(sql, " OR instr(vlans, ',' || :vlan%u || ',') > 0", n++);
        }
        tl_buf_puts(sql, ")");
    }
    if (f->vni_set) {
        tl_buf_puts(sql, " AND vni = :vni");
    }
    if (f->outer.set) {
        tl_buf_puts(sql, " AND outer_version = :outer_v AND (outer_src BETWEEN :outer_lo AND "
                         ":outer_hi OR outer_dst BETWEEN :outer_lo AND :outer_hi)");
    }
    if (f->min_rtt_us > 0) {
        tl_buf_puts(sql, " AND rtt_us >= :min_rtt_us");
    }
    if (f->min_retrans > 0) {
        tl_buf_puts(sql, " AND retrans_pkts >= :min_retrans");
    }
    if (f->min_bytes > 0) {
        tl_buf_puts(sql, " AND bytes >= :min_bytes");
    }
    if (f->min_duration_us > 0) {
        tl_buf_puts(sql, " AND duration_ns >= :min_duration_ns");
    }
}

/* The column of each sort key (TL_SORT_ID: the id itself). */
static const char *const sort_col[TL_SORT_COUNT] = {
    [TL_SORT_ID] = "id",
    [TL_SORT_FIRST_TS] = "first_ns",
    [TL_SORT_DURATION] = "duration_ns",
    [TL_SORT_RTT] = "rtt_us",
    [TL_SORT_BYTES] = "bytes",
    [TL_SORT_PACKETS] = "packets",
    [TL_SORT_RETRANS] = "retrans_pkts",
    [TL_SORT_RETRANS_BYTES] = "retrans_bytes",
};

/*
 * Where the keyset cursor leaves off. By id: after it. By another key, in the order
 * (key ASC NULLS LAST, id ASC) or (key DESC NULLS LAST, id DESC): the rows after (after_value,
 * after_id), then the unknown values; a cursor already in the unknown values continues among
 * them by id. Ties go the key's way, so one (key, id) index serves both directions.
 */
static void keyset_cond(struct tl_buf *sql, const struct tl_flow_filter *f)
{
    if (f->sort == TL_SORT_ID) {
        tl_buf_puts(sql, " WHERE id > :after");
        return;
    }
    const char *c = sort_col[f->sort];
    if (!f->after_set) {
        tl_buf_puts(sql, " WHERE 1 = 1");
    } else if (f->after_null) {
        tl_buf_printf(sql, " WHERE (%s IS NULL AND id %s :after)", c, f->desc ? "<" : ">");
    } else {
        tl_buf_printf(sql,
                      " WHERE (%s %s :after_value OR (%s = :after_value AND id %s :after) OR "
                      "%s IS NULL)",
                      c, f->desc ? "<" : ">", c, f->desc ? "<" : ">", c);
    }
}

static void order_by(struct tl_buf *sql, const struct tl_flow_filter *f)
{
    if (f->sort == TL_SORT_ID) {
        tl_buf_puts(sql, " ORDER BY id");
    } else {
        tl_buf_printf(sql, " ORDER BY %s %s NULLS LAST, id %s", sort_col[f->sort],
                      f->desc ? "DESC" : "ASC", f->desc ? "DESC" : "ASC");
    }
}

/* One branch: `side` 0 puts the either-endpoint filters on the client's columns, 1 on the
 * server's, -1 on both (an OR, used when there is nothing to split). */
/* port=a,b: either endpoint on any of them */
static void ports_cond(struct tl_buf *sql, const struct tl_flow_filter *f)
{
    const char *cols[2] = { "client_port", "server_port" };
    tl_buf_puts(sql, " AND (");
    for (int k = 0; k < 2; k++) {
        tl_buf_printf(sql, "%s%s IN (", k ? " OR " : "", cols[k]);
        for (unsigned i = 0; i < f->n_ports; i++) {
            tl_buf_printf(sql, "%s:port%u", i ? ", " : "", i);
        }
        tl_buf_puts(sql, ")");
    }
    tl_buf_puts(sql, ")");
}

/* Whether the query splits on the port: one port, as the UNION of client and server side. */
static bool port_split(const struct tl_flow_filter *f)
{
    return f->port >= 0 && f->n_ports <= 1;
}

static void branch(struct tl_buf *sql, const struct tl_flow_filter *f, int side)
{
    tl_buf_printf(sql, "SELECT id, capture_id, idx, nsec, checksums, service, %s FROM flows",
                  sort_col[f->sort]);
    keyset_cond(sql, f);
    common_conds(sql, f);
    if (f->n_ports > 1) {
        ports_cond(sql, f);
    } else if (f->port >= 0) {
        if (side < 0) {
            tl_buf_puts(sql, " AND (client_port = :port OR server_port = :port)");
        } else {
            tl_buf_printf(sql, " AND %s = :port", side == 0 ? "client_port" : "server_port");
        }
    }
    if (f->host.set) {
        if (side < 0 || port_split(f)) { /* split on the port already: the host stays an OR */
            tl_buf_puts(sql, " AND (1 = 0");
            const char *cols[2] = { "client_ip", "server_ip" };
            for (int k = 0; k < 2; k++) {
                if (memcmp(f->host.lo, f->host.hi, 16) == 0) {
                    tl_buf_printf(sql, " OR %s = :host_lo", cols[k]);
                } else {
                    tl_buf_printf(sql, " OR %s BETWEEN :host_lo AND :host_hi", cols[k]);
                }
            }
            tl_buf_puts(sql, ")");
        } else {
            range_cond(sql, &f->host, side == 0 ? "client_ip" : "server_ip", "host");
        }
    }
    order_by(sql, f);
    tl_buf_printf(sql, " LIMIT %u", f->limit);
}

static void bind_range(sqlite3_stmt *st, const char *name, const struct tl_addr_range *r)
{
    char key[32];
    snprintf(key, sizeof key, ":%s_lo", name);
    sqlite3_bind_blob(st, P(st, key), r->lo, 16, SQLITE_STATIC);
    snprintf(key, sizeof key, ":%s_hi", name);
    sqlite3_bind_blob(st, P(st, key), r->hi, 16, SQLITE_STATIC);
}

/* The query budget: SQLite calls this every few thousand steps; non-zero interrupts. */
static int past_deadline(void *arg)
{
    const struct timespec *deadline = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec > deadline->tv_nsec);
}

/* Arm (ms > 0) or disarm (ms == 0) the budget of this connection's next statements. */
static void budget(struct sq_db *db, unsigned ms, struct timespec *deadline)
{
    if (ms == 0) {
        sqlite3_progress_handler(db->h, 0, NULL, NULL);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += ms / 1000;
    deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
    sqlite3_progress_handler(db->h, 10000, past_deadline, deadline);
}

/* The items of a list value "a,b" to :NAME0, :NAME1, ... (copied: SQLITE_TRANSIENT). */
static void bind_items(sqlite3_stmt *st, const char *name, const char *list)
{
    unsigned n = 0;
    for (const char *p = list; p && n < 16; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char key[32];
        snprintf(key, sizeof key, "%s%u", name, n);
        sqlite3_bind_text(st, P(st, key), p, (int)len, SQLITE_TRANSIENT);
        p = comma ? comma + 1 : NULL;
    }
}

/* Every role the text may use; those it does not use are index 0, which SQLite ignores. */
static void bind_filter(sqlite3_stmt *st, const struct tl_flow_filter *f)
{
    sqlite3_bind_int64(st, P(st, ":after"), (sqlite3_int64)f->after_id);
    bind_range(st, "host", &f->host);
    bind_range(st, "client", &f->client);
    bind_range(st, "server", &f->server);
    sqlite3_bind_int(st, P(st, ":host_v"), f->host.version);
    sqlite3_bind_int(st, P(st, ":client_v"), f->client.version);
    sqlite3_bind_int(st, P(st, ":server_v"), f->server.version);
    sqlite3_bind_int(st, P(st, ":port"), f->port);
    sqlite3_bind_int(st, P(st, ":client_port"), f->client_port);
    sqlite3_bind_int(st, P(st, ":server_port"), f->server_port);
    sqlite3_bind_text(st, P(st, ":handshake"), f->handshake, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":teardown"), f->teardown, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, P(st, ":conn_state"), f->conn_state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, P(st, ":capture"), (sqlite3_int64)f->capture);
    sqlite3_bind_int64(st, P(st, ":since"), f->since_ns);
    sqlite3_bind_int64(st, P(st, ":until"), f->until_ns);
    sqlite3_bind_text(st, P(st, ":service"), f->service, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, P(st, ":min_rtt_us"), f->min_rtt_us);
    sqlite3_bind_int64(st, P(st, ":min_retrans"), f->min_retrans);
    sqlite3_bind_int64(st, P(st, ":min_bytes"), f->min_bytes);
    sqlite3_bind_int64(st, P(st, ":min_duration_ns"),
                       f->min_duration_us > INT64_MAX / 1000 ? INT64_MAX
                                                             : f->min_duration_us * 1000);
    sqlite3_bind_int64(st, P(st, ":after_value"), f->after_value);
    bind_items(st, ":tunnel", f->tunnel_kinds);
    bind_items(st, ":vlan", f->vlans);
    sqlite3_bind_int64(st, P(st, ":vni"), f->vni);
    bind_range(st, "outer", &f->outer);
    sqlite3_bind_int(st, P(st, ":outer_v"), f->outer.version);
    for (unsigned i = 0; i < f->n_ports && i < TL_FLOW_PORTS_MAX; i++) {
        char key[16];
        snprintf(key, sizeof key, ":port%u", i);
        sqlite3_bind_int(st, P(st, key), f->ports[i]);
    }
}

static enum tl_db_rc sq_flows_query(struct tl_db *d, const struct tl_flow_filter *f,
                                    tl_db_flow_cb cb, void *arg)
{
    struct sq_db *db = SQ(d);
    char mem[3072];
    struct tl_buf sql;
    tl_buf_init_fixed(&sql, mem, sizeof mem);
    if (port_split(f) || f->host.set) {
        tl_buf_puts(&sql, "SELECT * FROM (SELECT * FROM (");
        branch(&sql, f, 0);
        tl_buf_puts(&sql, ") UNION SELECT * FROM (");
        branch(&sql, f, 1);
        tl_buf_puts(&sql, "))");
        order_by(&sql, f);
        tl_buf_printf(&sql, " LIMIT %u", f->limit);
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
    bind_filter(st, f);
    struct timespec deadline;
    budget(db, db->base.store->query_budget_ms, &deadline);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_flow_ref ref = {
            .id = (uint64_t)sqlite3_column_int64(st, 0),
            .capture_id = (uint64_t)sqlite3_column_int64(st, 1),
            .index = (uint64_t)sqlite3_column_int64(st, 2),
            .nsec = sqlite3_column_int(st, 3) != 0,
            .cksum_mode = (uint8_t)sqlite3_column_int(st, 4),
        };
        const unsigned char *svc = sqlite3_column_text(st, 5);
        snprintf(ref.service, sizeof ref.service, "%s", svc ? (const char *)svc : "");
        ref.sort_null = sqlite3_column_type(st, 6) == SQLITE_NULL;
        ref.sort_value = sqlite3_column_int64(st, 6);
        if (!cb(arg, &ref)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    budget(db, 0, NULL);
    enum tl_db_rc r = rc == SQLITE_DONE        ? TL_DB_OK
                      : rc == SQLITE_INTERRUPT ? TL_DB_TOO_SLOW
                                               : rc_of(db, rc, "flow query");
    sqlite3_finalize(st);
    return r;
}

/* A filter that selects whole captures (none, or only `capture`): their stored counts answer.
 * Compared field by field: a struct's padding is not part of its value. */
static bool whole_captures(const struct tl_flow_filter *f)
{
    return !f->host.set && !f->client.set && !f->server.set && f->port < 0 && f->client_port < 0 &&
           f->server_port < 0 && f->n_ports == 0 && !f->handshake && !f->teardown &&
           !f->conn_state && !f->service && !f->since_set && !f->until_set && f->min_rtt_us <= 0 &&
           f->min_retrans <= 0 && f->min_bytes <= 0 && f->min_duration_us <= 0 &&
           !f->tunnel_kinds && !f->vlans && !f->vni_set && !f->outer.set;
}

/* GET /api/v1/stats: the filter's conditions, grouped (the keyset and the limit do not apply). */
static enum tl_db_rc sq_flow_stats(struct tl_db *d, const struct tl_flow_filter *f,
                                   enum tl_group_key g, tl_db_stats_cb cb, void *arg)
{
    struct sq_db *db = SQ(d);
    struct tl_flow_filter all = *f;
    all.sort = TL_SORT_ID;
    all.after_id = 0;
    char mem[3072];
    struct tl_buf sql;
    tl_buf_init_fixed(&sql, mem, sizeof mem);
    if (whole_captures(&all)) {
        /* whole captures: their stored counts (flow_groups), not a scan of the flows */
        tl_buf_printf(&sql,
                      "SELECT key, sum(flows), sum(packets), sum(bytes), sum(retrans_pkts), "
                      "sum(retrans_bytes) FROM flow_groups WHERE dim = %d%s GROUP BY key "
                      "ORDER BY sum(flows) DESC, key",
                      (int)g, f->capture ? " AND capture_id = :capture" : "");
        goto run;
    }
    tl_buf_printf(&sql,
                  "SELECT CAST(%s AS TEXT), count(*), sum(packets), sum(bytes), "
                  "sum(retrans_pkts), sum(retrans_bytes) FROM flows WHERE id > :after",
                  group_col[g]);
    common_conds(&sql, &all);
    if (all.n_ports > 1) {
        ports_cond(&sql, &all);
    } else if (all.port >= 0) {
        tl_buf_puts(&sql, " AND (client_port = :port OR server_port = :port)");
    }
    if (all.host.set) {
        bool one = memcmp(all.host.lo, all.host.hi, 16) == 0;
        tl_buf_puts(&sql, one ? " AND (client_ip = :host_lo OR server_ip = :host_lo)"
                              : " AND (client_ip BETWEEN :host_lo AND :host_hi OR server_ip "
                                "BETWEEN :host_lo AND :host_hi)");
    }
    tl_buf_printf(&sql, " GROUP BY %s ORDER BY count(*) DESC, %s", group_col[g], group_col[g]);
run:
    if (sql.overflow) {
        return TL_DB_ERROR;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->h, tl_buf_cstr(&sql), (int)sql.len, &st, NULL);
    if (rc != SQLITE_OK) {
        return rc_of(db, rc, "prepare flow stats");
    }
    bind_filter(st, &all);
    struct timespec deadline;
    budget(db, db->base.store->query_budget_ms, &deadline);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct tl_stats_row row = {
            .key = (const char *)sqlite3_column_text(st, 0),
            .flows = (uint64_t)sqlite3_column_int64(st, 1),
            .packets = (uint64_t)sqlite3_column_int64(st, 2),
            .bytes = (uint64_t)sqlite3_column_int64(st, 3),
            .retrans_packets = (uint64_t)sqlite3_column_int64(st, 4),
            .retrans_bytes = (uint64_t)sqlite3_column_int64(st, 5),
        };
        if (!cb(arg, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    budget(db, 0, NULL);
    enum tl_db_rc r = rc == SQLITE_DONE        ? TL_DB_OK
                      : rc == SQLITE_INTERRUPT ? TL_DB_TOO_SLOW
                                               : rc_of(db, rc, "flow stats");
    sqlite3_finalize(st);
    return r;
}

static enum tl_db_rc sq_flow_get(struct tl_db *d, uint64_t id, struct tl_flow_ref *ref)
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_FLOW_GET);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)id);
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
    const unsigned char *svc = sqlite3_column_text(st, 5);
    snprintf(ref->service, sizeof ref->service, "%s", svc ? (const char *)svc : "");
    sqlite3_reset(st);
    return TL_DB_OK;
}

static void put_column(struct tl_buf *b, sqlite3_stmt *st, int col)
{
    const void *v = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (v && n > 0) {
        tl_buf_put(b, v, (size_t)n);
    }
}

static enum tl_db_rc sq_flow_positions(struct tl_db *d, uint64_t flow_id, struct tl_buf *pos,
                                       struct tl_buf *layout, char file[64])
{
    struct sq_db *db = SQ(d);
    sqlite3_stmt *st = stmt(db, ST_FLOW_POSITIONS);
    sqlite3_bind_int64(st, P(st, ":id"), (sqlite3_int64)flow_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        return TL_DB_NOT_FOUND;
    }
    if (rc != SQLITE_ROW) {
        return rc_of(db, rc, "flow positions");
    }
    put_column(pos, st, 0);
    put_column(layout, st, 1);
    const unsigned char *f = sqlite3_column_text(st, 2);
    snprintf(file, 64, "%s", f ? (const char *)f : "");
    sqlite3_reset(st);
    return TL_DB_OK;
}

const struct tl_store_ops tl_store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .capture_exists = sq_capture_exists,
    .db = sq_db,
    .thread_done = sq_thread_done,
    .busy_timeout = sq_busy_timeout,
    .ping = sq_ping,
    .upload_begin = sq_upload_begin,
    .add_flow = sq_add_flow,
    .upload_commit = sq_upload_commit,
    .upload_rollback = sq_upload_rollback,
    .legacy_next = sq_legacy_next,
    .legacy_store = sq_legacy_store,
    .job_create = sq_job_create,
    .job_update = sq_job_update,
    .job_get = sq_job_get,
    .jobs_abandon = sq_jobs_abandon,
    .annotation_add = sq_annotation_add,
    .annotations_list = sq_annotations_list,
    .annotation_delete = sq_annotation_delete,
    .capture_get = sq_capture_get,
    .captures_list = sq_captures_list,
    .capture_delete = sq_capture_delete,
    .captures_before = sq_captures_before,
    .flows_query = sq_flows_query,
    .flow_get = sq_flow_get,
    .flow_stats = sq_flow_stats,
    .flow_positions = sq_flow_positions,
};
