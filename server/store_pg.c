/*
 * store_pg.c - the PostgreSQL backend of the store (store_backend.h), chosen for a --db of
 * postgresql://... or postgres://...: migrations from schema/pg/NNN_*.sql tracked in
 * schema_version, one libpq connection per thread with its prepared statements, the upload
 * transaction and the queries of the API. All of PostgreSQL's SQL text is in this file.
 *
 * Parameters travel in binary (integers as 8 bytes in network order, addresses and packet
 * positions as bytea) and results come back in binary. An upload's flows are buffered per
 * connection and written with COPY ... FROM STDIN (FORMAT binary) in batches of
 * about COPY_BATCH bytes, inside the upload's transaction.
 *
 * Several servers may share one database: an upload holds the counters row 'flow_id' locked
 * (SELECT ... FOR UPDATE) from its start to its commit, so flow and capture ids are handed out
 * once; migrations run under an advisory lock.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "log.h"
#include "store_backend.h"

#define LOCK_TIMEOUT_MS 2000         /* a worker never waits longer: 503 + Retry-After */
#define COPY_BATCH      (1u << 20)   /* bytes of COPY data buffered before they are sent */
#define MIGRATION_LOCK  0x74636c656e /* pg_advisory_lock key: "tclen" */
#define MAX_PARAMS      256
#define TL_PG_STR_(x)   #x
#define TL_PG_STR(x)    TL_PG_STR_(x)

enum stmt_id {
    ST_COUNTER_LOCK,
    ST_COUNTER_LOCK_NOWAIT,
    ST_FIND_DUPLICATE,
    ST_CAPTURE_ID,
    ST_CAPTURE_INSERT,
    ST_COUNTER_SET,
    ST_CAPTURE_FINISH,
    ST_CAPTURE_GET,
    ST_CAPTURE_LOCK,
    ST_CAPTURE_EXISTS,
    ST_CAPTURES_LIST,
    ST_FLOW_GET,
    ST_FLOW_POSITIONS,
    ST_LEGACY_NEXT,
    ST_LEGACY_FLOW,
    ST_LEGACY_CAPTURE,
    ST_DEL_PACKETS,
    ST_DEL_FLOWS,
    ST_DEL_CAPTURE_NOTES,
    ST_DEL_CAPTURE,
    ST_DEL_CAPTURE_BLOB,
    ST_BLOB_INSERT,
    ST_BLOB_CHUNK,
    ST_BLOB_DELETE,
    ST_DEL_GROUPS,
    ST_CAPTURES_BEFORE,
    ST_NOTE_INSERT,
    ST_NOTES_CAPTURE,
    ST_NOTES_FLOW,
    ST_NOTE_DELETE,
    ST_JOB_INSERT,
    ST_JOB_UPDATE,
    ST_JOB_GET,
    ST_JOBS_RENEW,
    ST_JOB_DONE,
    ST_JOB_CLAIM,
    ST_PING,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_COUNTER_LOCK] = "SELECT value FROM counters WHERE name = 'flow_id' FOR UPDATE",
    [ST_COUNTER_LOCK_NOWAIT] = "SELECT value FROM counters WHERE name = 'flow_id' "
                               "FOR UPDATE NOWAIT",
    [ST_FIND_DUPLICATE] = "SELECT id FROM captures WHERE sha256 = $1::text AND filter = $2::text "
                          "AND sha256 <> '' ORDER BY id LIMIT 1",
    [ST_CAPTURE_ID] = "UPDATE counters SET value = value + 1 WHERE name = 'capture_id' "
                      "RETURNING value",
    [ST_CAPTURE_INSERT] = "INSERT INTO captures (id, name, file, size_bytes, uploaded_at, format, "
                          "packets, flows, truncated, first_flow, last_flow, doc, sha256, filter) "
                          "VALUES ($1::int8, $2::text, '', $3::int8, $4::text, $5::text, 0, 0, 0, "
                          "0, 0, '{}', $6::text, $7::text)",
    [ST_COUNTER_SET] = "UPDATE counters SET value = $1::int8 WHERE name = 'flow_id'",
    [ST_CAPTURE_FINISH] =
        "UPDATE captures SET file = $2::text, doc = $3::text, packets = $4::int8, "
        "flows = $5::int8, truncated = $6::int4, first_flow = $7::int8, "
        "last_flow = $8::int8, layout = $9::bytea WHERE id = $1::int8",
    [ST_CAPTURE_GET] = "SELECT doc, file, name, first_flow, last_flow, flows FROM captures "
                       "WHERE id = $1::int8",
    [ST_CAPTURE_LOCK] = "SELECT doc, file, name, first_flow, last_flow, flows FROM captures "
                        "WHERE id = $1::int8 FOR UPDATE",
    [ST_CAPTURE_EXISTS] = "SELECT 1 FROM captures WHERE id = $1::int8",
    [ST_CAPTURES_LIST] = "SELECT id, doc FROM captures WHERE id < $1::int8 ORDER BY id DESC "
                         "LIMIT $2::int8",
    [ST_FLOW_GET] = "SELECT id, capture_id, idx, nsec, checksums, service FROM flows "
                    "WHERE id = $1::int8",
    [ST_LEGACY_NEXT] = "SELECT c.id, c.file, c.filter, c.first_flow, c.flows, (SELECT checksums "
                       "FROM flows WHERE capture_id = c.id ORDER BY id LIMIT 1) FROM captures c "
                       "WHERE c.layout IS NULL AND c.file <> '' AND c.id > $1::int8 "
                       "ORDER BY c.id LIMIT 1",
    [ST_LEGACY_FLOW] = "UPDATE flows SET pos = $2::bytea WHERE id = $1::int8",
    [ST_LEGACY_CAPTURE] = "UPDATE captures SET layout = $2::bytea WHERE id = $1::int8",
    [ST_FLOW_POSITIONS] = "SELECT f.pos, c.layout, c.file FROM flows f JOIN captures c "
                          "ON c.id = f.capture_id WHERE f.id = $1::int8",
    [ST_DEL_PACKETS] = "DELETE FROM packets WHERE id BETWEEN $1::int8 AND $2::int8",
    [ST_DEL_FLOWS] = "DELETE FROM flows WHERE capture_id = $1::int8",
    [ST_DEL_CAPTURE_NOTES] = "DELETE FROM annotations WHERE capture_id = $1::int8",
    [ST_DEL_CAPTURE] = "DELETE FROM captures WHERE id = $1::int8",
    [ST_DEL_CAPTURE_BLOB] = "DELETE FROM blobs WHERE name = "
                            "(SELECT file FROM captures WHERE id = $1::int8)",
    [ST_BLOB_INSERT] = "INSERT INTO blobs (name, n, data) VALUES ($1::text, $2::int8, $3::bytea)",
    [ST_BLOB_CHUNK] = "SELECT data FROM blobs WHERE name = $1::text AND n = $2::int8",
    [ST_BLOB_DELETE] = "DELETE FROM blobs WHERE name = $1::text",
    [ST_DEL_GROUPS] = "DELETE FROM flow_groups WHERE capture_id = $1::int8",
    /* uploaded_at is RFC 3339 UTC text: compared byte by byte, whatever the database's
     * collation */
    [ST_CAPTURES_BEFORE] = "SELECT id FROM captures WHERE uploaded_at COLLATE \"C\" < $1::text "
                           "AND id > $2::int8 ORDER BY id LIMIT $3::int8",
    [ST_NOTE_INSERT] = "INSERT INTO annotations (capture_id, flow_id, packet, author, text, "
                       "created_at) VALUES ($1::int8, $2::int8, $3::int8, $4::text, $5::text, "
                       "$6::text) RETURNING id",
    [ST_NOTES_CAPTURE] = "SELECT id, capture_id, flow_id, packet, author, text, created_at "
                         "FROM annotations WHERE capture_id = $1::int8 ORDER BY id",
    [ST_NOTES_FLOW] = "SELECT id, capture_id, flow_id, packet, author, text, created_at "
                      "FROM annotations WHERE flow_id = $1::int8 ORDER BY id",
    [ST_NOTE_DELETE] = "DELETE FROM annotations WHERE id = $1::int8",
    [ST_JOB_INSERT] = "INSERT INTO jobs (state, name, size_bytes, created_at, owner, options, "
                      "lease_until) VALUES ($1::text, $2::text, $3::int8, $4::text, $5::text, "
                      "$6::text, now() + $7::int8 * interval '1 second') RETURNING id",
    /* only while the owner holds it: a job another server took over is that server's */
    [ST_JOB_UPDATE] = "UPDATE jobs SET state = $2::text, packets = $3::int8, flows = $4::int8, "
                      "capture_id = $5::int8, error_code = $6::text, error = $7::text, "
                      "finished_at = $8::text "
                      "WHERE id = $1::int8 AND owner IS NOT DISTINCT FROM $9::text",
    [ST_JOB_GET] = "SELECT id, state, name, size_bytes, packets, flows, capture_id, error_code, "
                   "error, created_at, finished_at FROM jobs WHERE id = $1::int8",
    [ST_JOB_DONE] = "UPDATE jobs SET state = 'done', capture_id = $2::int8, packets = $3::int8, "
                    "flows = $4::int8, finished_at = $5::text "
                    "WHERE id = $1::int8 AND owner = $6::text AND state IN ('queued', 'running')",
    [ST_JOBS_RENEW] = "UPDATE jobs SET lease_until = now() + $2::int8 * interval '1 second' "
                      "WHERE owner = $1::text AND state IN ('queued', 'running')",
    /* the oldest unfinished job whose lease ran out, skipping those another server is claiming
     * at this moment; a job from before leases (no lease) counts as run out */
    [ST_JOB_CLAIM] = "UPDATE jobs SET owner = $1::text, state = 'queued', attempts = attempts + 1, "
                     "lease_until = now() + $2::int8 * interval '1 second' "
                     "WHERE id = (SELECT id FROM jobs WHERE state IN ('queued', 'running') "
                     "AND (lease_until IS NULL OR lease_until < now()) ORDER BY id "
                     "LIMIT 1 FOR UPDATE SKIP LOCKED) "
                     "RETURNING id, state, name, size_bytes, packets, flows, capture_id, "
                     "error_code, error, created_at, finished_at, options",
    [ST_PING] = "SELECT 1",
};

/* A COPY stream being filled: the binary header, then rows; sent by copy_flush. */
struct copy_buf {
    const char *sql; /* COPY table (columns) FROM STDIN (FORMAT binary) */
    struct tl_buf b;
    uint64_t rows;
};

struct pg_db {
    struct tl_db base; /* first: a struct tl_db * is a struct pg_db * */
    PGconn *c;
    bool prepared[ST_COUNT];
    unsigned lock_ms;         /* what tl_db_busy_timeout asked */
    unsigned lock_ms_applied; /* what the session's lock_timeout is */
    unsigned stmt_ms_applied; /* the session's statement_timeout (0: none) */
    struct copy_buf flows;
};

struct pg_store {
    struct tl_store base; /* first */
    char *uri;
    pthread_key_t key;
};

static struct pg_db *PG(struct tl_db *db)
{
    return (struct pg_db *)db;
}

/* --- parameters ------------------------------------------------------------------------ */

/* Binary parameters of one statement; integers kept in network order in `num`. */
struct params {
    int n;
    bool overflow;
    const char *val[MAX_PARAMS];
    int len[MAX_PARAMS], fmt[MAX_PARAMS];
    uint64_t num[MAX_PARAMS];
};

/* Each returns the parameter's number ($n), 0 when there is no room. */
static int p_i64(struct params *p, int64_t v)
{
    if (p->n >= MAX_PARAMS) {
        p->overflow = true;
        return 0;
    }
    int i = p->n++;
    p->num[i] = htobe64((uint64_t)v);
    p->val[i] = (const char *)&p->num[i];
    p->len[i] = 8;
    p->fmt[i] = 1;
    return i + 1;
}

static int p_i32(struct params *p, int32_t v)
{
    if (p->n >= MAX_PARAMS) {
        p->overflow = true;
        return 0;
    }
    int i = p->n++;
    uint32_t be = htobe32((uint32_t)v);
    memcpy(&p->num[i], &be, 4);
    p->val[i] = (const char *)&p->num[i];
    p->len[i] = 4;
    p->fmt[i] = 1;
    return i + 1;
}

static int p_bytes(struct params *p, const void *v, size_t n)
{
    if (p->n >= MAX_PARAMS) {
        p->overflow = true;
        return 0;
    }
    int i = p->n++;
    p->val[i] = v;
    p->len[i] = (int)n;
    p->fmt[i] = 1;
    return i + 1;
}

/* Text in text format (the server converts from the client encoding); NULL is SQL NULL. */
static int p_text(struct params *p, const char *s)
{
    if (p->n >= MAX_PARAMS) {
        p->overflow = true;
        return 0;
    }
    int i = p->n++;
    p->val[i] = s;
    p->len[i] = 0;
    p->fmt[i] = 0;
    return i + 1;
}

static int p_null(struct params *p)
{
    return p_text(p, NULL);
}

/* --- results ----------------------------------------------------------------------------- */

/* An integer column of a binary result (int2, int4 or int8); NULL reads as 0. */
static int64_t col_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col)) {
        return 0;
    }
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
    int n = PQgetlength(r, row, col);
    uint64_t u = 0;
    if (n != 2 && n != 4 && n != 8) {
        return 0;
    }
    for (int k = 0; k < n; k++) {
        u = u << 8 | v[k];
    }
    if (n < 8 && (v[0] & 0x80)) { /* sign-extend */
        u |= ~(uint64_t)0 << (n * 8);
    }
    return (int64_t)u;
}

static const char *col_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* --- errors ------------------------------------------------------------------------------ */

static bool sqlstate_is(const char *st, const char *want)
{
    return st && strncmp(st, want, strlen(want)) == 0;
}

/* The rc of a failed result (r may be NULL: the connection failed); logged unless BUSY. */
static enum tl_db_rc rc_of(struct pg_db *db, const PGresult *r, const char *what)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : "";
    if (!msg || !msg[0]) {
        msg = PQerrorMessage(db->c);
    }
    /* serialization failure, deadlock, lock not available, lock_timeout/statement_timeout */
    if (sqlstate_is(st, "40001") || sqlstate_is(st, "40P01") || sqlstate_is(st, "55P03") ||
        sqlstate_is(st, "57014")) {
        return TL_DB_BUSY;
    }
    enum tl_db_rc rc = TL_DB_ERROR;
    /* read-only transaction or standby, no privilege to write */
    if (sqlstate_is(st, "25006") || sqlstate_is(st, "42501")) {
        rc = TL_DB_READONLY;
    } else if (sqlstate_is(st, "53100")) { /* disk_full */
        rc = TL_DB_FULL;
    }
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
        n--;
    }
    tl_log("store: %s: %.*s", what, (int)n, msg);
    return rc;
}

static bool result_ok(const PGresult *r)
{
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* A statement without parameters or rows (BEGIN, COMMIT, SET ...). */
static enum tl_db_rc exec_cmd(struct pg_db *db, const char *sql, const char *what)
{
    PGresult *r = PQexec(db->c, sql);
    enum tl_db_rc rc = result_ok(r) ? TL_DB_OK : rc_of(db, r, what);
    PQclear(r);
    return rc;
}

/* Run prepared statement `id` (prepared on this connection at first use); binary results.
 * Returns NULL with *rc set on failure. */
static PGresult *run(struct pg_db *db, enum stmt_id id, const struct params *p, enum tl_db_rc *rc,
                     const char *what)
{
    char name[16];
    snprintf(name, sizeof name, "tl%d", (int)id);
    if (!db->prepared[id]) {
        PGresult *r = PQprepare(db->c, name, stmt_sql[id], 0, NULL);
        if (!result_ok(r)) {
            *rc = rc_of(db, r, "prepare");
            PQclear(r);
            return NULL;
        }
        PQclear(r);
        db->prepared[id] = true;
    }
    PGresult *r = PQexecPrepared(db->c, name, p ? p->n : 0, p ? p->val : NULL, p ? p->len : NULL,
                                 p ? p->fmt : NULL, 1);
    if (!result_ok(r)) {
        *rc = rc_of(db, r, what);
        PQclear(r);
        return NULL;
    }
    *rc = TL_DB_OK;
    return r;
}

/* --- connections ------------------------------------------------------------------------- */

static PGconn *connect_uri(const char *uri, char *err, size_t errlen)
{
    PGconn *c = PQconnectdb(uri);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        const char *m = c ? PQerrorMessage(c) : "out of memory";
        size_t n = strlen(m);
        while (n > 0 && m[n - 1] == '\n') {
            n--;
        }
        snprintf(err, errlen, "cannot connect to the PostgreSQL database: %.*s", (int)n, m);
        PQfinish(c);
        return NULL;
    }
    PGresult *r = PQexec(c, "SET client_encoding = 'UTF8'; SET lock_timeout = " TL_PG_STR(
                                LOCK_TIMEOUT_MS) "; SET client_min_messages = warning");
    bool ok = result_ok(r);
    PQclear(r);
    if (!ok) {
        snprintf(err, errlen, "cannot set up the PostgreSQL session: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

static void copy_init(struct copy_buf *cb, const char *sql)
{
    cb->sql = sql;
    cb->rows = 0;
    tl_buf_init(&cb->b, (size_t)COPY_BATCH * 4);
}

static void db_close(struct pg_db *db)
{
    if (!db) {
        return;
    }
    PQfinish(db->c);
    tl_buf_cleanup(&db->flows.b);
    free(db);
}

static void db_destroy(void *p)
{
    db_close(p);
}

/* --- migrations -------------------------------------------------------------------------- */

static int query_int(PGconn *c, const char *sql, bool *ok)
{
    PGresult *r = PQexec(c, sql);
    *ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    int v = *ok ? atoi(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return v;
}

static bool exec_text(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    bool ok = result_ok(r);
    if (!ok && err) {
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        size_t n = strlen(err);
        while (n > 0 && err[n - 1] == '\n') {
            err[--n] = '\0';
        }
    }
    PQclear(r);
    return ok;
}

/* Apply pg/NNN_*.sql files with NNN above the recorded version, each in its own transaction,
 * under an advisory lock so that servers starting together migrate once. */
static bool migrate_locked(PGconn *c, int *version, char *err, size_t errlen)
{
    if (!exec_text(c,
                   "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                   err, errlen)) {
        return false;
    }
    bool ok;
    int v = query_int(c, "SELECT coalesce(max(version), 0) FROM schema_version", &ok);
    if (!ok) {
        snprintf(err, errlen, "cannot read the schema version: %s", PQerrorMessage(c));
        return false;
    }
    int latest = 0;
    for (size_t i = 0; i < tl_embedded_count; i++) {
        const struct tl_embedded *e = &tl_embedded_files[i];
        size_t n = strlen(e->name);
        if (strncmp(e->name, "pg/", 3) != 0 || n < 8 || strcmp(e->name + n - 4, ".sql") != 0) {
            continue;
        }
        int num = atoi(e->name + 3);
        if (num <= 0) {
            continue;
        }
        latest = num > latest ? num : latest;
        if (num <= v) {
            continue;
        }
        char record[160];
        snprintf(record, sizeof record,
                 "INSERT INTO schema_version (version, name) VALUES (%d, '%.64s')", num,
                 e->name + 3);
        if (!exec_text(c, "BEGIN", err, errlen) ||
            !exec_text(c, (const char *)e->data, err, errlen) ||
            !exec_text(c, record, err, errlen) || !exec_text(c, "COMMIT", err, errlen)) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            exec_text(c, "ROLLBACK", NULL, 0);
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

static bool migrate(PGconn *c, int *version, char *err, size_t errlen)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%lld)", (long long)MIGRATION_LOCK);
    if (!exec_text(c, "SET lock_timeout = 0", err, errlen) || !exec_text(c, sql, err, errlen)) {
        return false;
    }
    bool ok = migrate_locked(c, version, err, errlen);
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%lld)", (long long)MIGRATION_LOCK);
    exec_text(c, sql, NULL, 0);
    return ok;
}

/* --- the store --------------------------------------------------------------------------- */

static struct tl_store *pg_open(const char *uri, char *err, size_t errlen)
{
    struct pg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->uri = strdup(uri))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (pthread_key_create(&s->key, db_destroy) != 0) {
        snprintf(err, errlen, "pthread_key_create failed");
        goto fail;
    }
    PGconn *c = connect_uri(uri, err, errlen);
    if (!c) {
        pthread_key_delete(s->key);
        goto fail;
    }
    bool ok = migrate(c, &s->base.version, err, errlen);
    PQfinish(c);
    if (!ok) {
        pthread_key_delete(s->key);
        goto fail;
    }
    return &s->base;
fail:
    if (s) {
        free(s->uri);
        free(s);
    }
    return NULL;
}

static void pg_thread_done(struct tl_store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_db *db = pthread_getspecific(s->key);
    if (db) {
        pthread_setspecific(s->key, NULL);
        db_close(db);
    }
}

static void pg_close(struct tl_store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    pg_thread_done(base);
    pthread_key_delete(s->key);
    free(s->uri);
    free(s);
}

static struct tl_db *pg_db(struct tl_store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_db *db = pthread_getspecific(s->key);
    if (db) {
        if (PQstatus(db->c) == CONNECTION_OK) {
            return &db->base;
        }
        /* the server went away: connect again (prepared statements are gone with it) */
        PQreset(db->c);
        memset(db->prepared, 0, sizeof db->prepared);
        db->lock_ms_applied = LOCK_TIMEOUT_MS;
        db->stmt_ms_applied = 0;
        if (PQstatus(db->c) != CONNECTION_OK) {
            tl_log("store: the PostgreSQL connection is lost: %s", PQerrorMessage(db->c));
            return NULL;
        }
        exec_cmd(db, "SET lock_timeout = " TL_PG_STR(LOCK_TIMEOUT_MS), "session");
        return &db->base;
    }
    char err[512];
    db = calloc(1, sizeof *db);
    if (!db) {
        return NULL;
    }
    db->base.ops = &tl_store_pg;
    db->base.store = base;
    db->lock_ms = db->lock_ms_applied = LOCK_TIMEOUT_MS;
    copy_init(&db->flows,
              "COPY flows (id, capture_id, idx, ip_version, client_ip, client_port, server_ip, "
              "server_port, first_ns, last_ns, handshake, teardown, conn_state, history, "
              "completeness, packets, bytes, nsec, checksums, service, rtt_us, retrans_pkts, "
              "retrans_bytes, duration_ns, tunnels, vlans, vni, outer_version, outer_src, "
              "outer_dst, pos) FROM STDIN (FORMAT binary)");
    db->c = connect_uri(s->uri, err, sizeof err);
    if (!db->c) {
        tl_log("store: %s", err);
        db_close(db);
        return NULL;
    }
    pthread_setspecific(s->key, db);
    return &db->base;
}

static void pg_busy_timeout(struct tl_db *d, unsigned ms)
{
    PG(d)->lock_ms = ms; /* applied before the next statement that takes a lock */
}

/* lock_timeout as asked (0 asks for no waiting: upload_begin then uses NOWAIT). */
static enum tl_db_rc apply_lock_timeout(struct pg_db *db)
{
    if (db->lock_ms == 0 || db->lock_ms == db->lock_ms_applied) {
        return TL_DB_OK;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "SET lock_timeout = %u", db->lock_ms);
    enum tl_db_rc rc = exec_cmd(db, sql, "set lock_timeout");
    if (rc == TL_DB_OK) {
        db->lock_ms_applied = db->lock_ms;
    }
    return rc;
}

/* The session's statement_timeout: the store's query budget for flow lists and stats, none
 * for uploads and deletes (set only when it changes). */
static enum tl_db_rc statement_timeout(struct pg_db *db, unsigned ms)
{
    if (ms == db->stmt_ms_applied) {
        return TL_DB_OK;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "SET statement_timeout = %u", ms);
    enum tl_db_rc rc = exec_cmd(db, sql, "set statement_timeout");
    if (rc == TL_DB_OK) {
        db->stmt_ms_applied = ms;
    }
    return rc;
}

/* A list or stats query that failed: past the budget (query_canceled) is TL_DB_TOO_SLOW. */
static enum tl_db_rc query_rc(struct pg_db *db, const PGresult *r, const char *what)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (sqlstate_is(st, "57014")) {
        return TL_DB_TOO_SLOW;
    }
    return rc_of(db, r, what);
}

static bool pg_ping(struct tl_db *d)
{
    struct pg_db *db = PG(d);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_PING, NULL, &rc, "ping");
    PQclear(r);
    return r != NULL;
}

/* --- upload ------------------------------------------------------------------------------ */

static void pg_upload_rollback(struct tl_db *d)
{
    struct pg_db *db = PG(d);
    tl_buf_reset(&db->flows.b);
    db->flows.rows = 0;
    if (PQtransactionStatus(db->c) != PQTRANS_IDLE) {
        PGresult *r = PQexec(db->c, "ROLLBACK");
        PQclear(r);
    }
}

static uint64_t packet_key(uint64_t flow_id, uint64_t idx)
{
    return flow_id << 32 | (idx & 0xffffffffu);
}

static enum tl_db_rc pg_legacy_next(struct tl_db *d, uint64_t after, struct tl_legacy_capture *c)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, (int64_t)after);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_LEGACY_NEXT, &p, &rc, "captures to upgrade");
    if (!r) {
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return TL_DB_NOT_FOUND;
    }
    const char *file = col_text(r, 0, 1), *filter = col_text(r, 0, 2);
    c->id = (uint64_t)col_i64(r, 0, 0);
    snprintf(c->file, sizeof c->file, "%s", file ? file : "");
    snprintf(c->filter, sizeof c->filter, "%s", filter ? filter : "");
    c->first_flow = (uint64_t)col_i64(r, 0, 3);
    c->flows = (uint64_t)col_i64(r, 0, 4);
    c->cksum_mode = (uint8_t)col_i64(r, 0, 5);
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_legacy_store(struct tl_db *d, uint64_t capture_id, const uint8_t *layout,
                                     size_t layout_len, const struct tl_flow_positions *flows,
                                     size_t n)
{
    struct pg_db *db = PG(d);
    enum tl_db_rc rc = exec_cmd(db, "BEGIN", "begin upgrade");
    for (size_t i = 0; i < n && rc == TL_DB_OK; i++) {
        struct params p = { 0 };
        p_i64(&p, (int64_t)flows[i].id);
        p_bytes(&p, flows[i].pos, flows[i].len);
        PQclear(run(db, ST_LEGACY_FLOW, &p, &rc, "store upgrade"));
    }
    if (rc == TL_DB_OK) {
        struct params p = { 0 };
        p_i64(&p, (int64_t)capture_id);
        p_bytes(&p, layout, layout_len);
        PQclear(run(db, ST_LEGACY_CAPTURE, &p, &rc, "store upgrade"));
    }
    if (rc == TL_DB_OK && n > 0) {
        struct params p = { 0 };
        p_i64(&p, (int64_t)packet_key(flows[0].id, 0));
        p_i64(&p, (int64_t)packet_key(flows[n - 1].id, 0xffffffffu));
        PQclear(run(db, ST_DEL_PACKETS, &p, &rc, "store upgrade"));
    }
    if (rc == TL_DB_OK) {
        rc = exec_cmd(db, "COMMIT", "commit upgrade");
    }
    if (rc != TL_DB_OK) {
        pg_upload_rollback(d);
    }
    return rc;
}

static enum tl_db_rc pg_upload_begin(struct tl_db *d, const struct tl_upload_info *u,
                                     uint64_t *capture_id, uint64_t *flow_base)
{
    struct pg_db *db = PG(d);
    enum tl_db_rc rc = apply_lock_timeout(db);
    if (rc == TL_DB_OK) {
        rc = statement_timeout(db, 0);
    }
    if (rc == TL_DB_OK) {
        rc = exec_cmd(db, "BEGIN", "begin upload");
    }
    if (rc != TL_DB_OK) {
        return rc;
    }
    tl_buf_reset(&db->flows.b);
    db->flows.rows = 0;
    /* the flow-id counter, held until COMMIT: uploads of every server take turns here */
    PGresult *r = run(db, db->lock_ms == 0 ? ST_COUNTER_LOCK_NOWAIT : ST_COUNTER_LOCK, NULL, &rc,
                      "flow counter");
    if (!r) {
        pg_upload_rollback(d);
        return rc;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        tl_log("store: the counters row 'flow_id' is missing");
        pg_upload_rollback(d);
        return TL_DB_ERROR;
    }
    *flow_base = (uint64_t)col_i64(r, 0, 0);
    PQclear(r);

    const char *sha = u->sha256 ? u->sha256 : "", *filter = u->filter ? u->filter : "";
    struct params p = { 0 };
    if (!u->keep_duplicate && sha[0]) { /* inside the lock: two at once cannot both pass */
        p_text(&p, sha);
        p_text(&p, filter);
        r = run(db, ST_FIND_DUPLICATE, &p, &rc, "find duplicate");
        if (!r) {
            pg_upload_rollback(d);
            return rc;
        }
        bool dup = PQntuples(r) > 0;
        if (dup) {
            *capture_id = (uint64_t)col_i64(r, 0, 0);
        }
        PQclear(r);
        if (dup) {
            pg_upload_rollback(d);
            return TL_DB_DUPLICATE;
        }
    }
    r = run(db, ST_CAPTURE_ID, NULL, &rc, "capture id");
    if (!r || PQntuples(r) != 1) {
        if (r) {
            tl_log("store: the counters row 'capture_id' is missing");
            rc = TL_DB_ERROR;
        }
        PQclear(r);
        pg_upload_rollback(d);
        return rc;
    }
    *capture_id = (uint64_t)col_i64(r, 0, 0);
    PQclear(r);

    p = (struct params){ 0 };
    p_i64(&p, (int64_t)*capture_id);
    p_text(&p, u->name);
    p_i64(&p, (int64_t)u->size_bytes);
    p_text(&p, u->uploaded_at);
    p_text(&p, u->format);
    p_text(&p, sha);
    p_text(&p, filter);
    r = run(db, ST_CAPTURE_INSERT, &p, &rc, "insert capture");
    if (!r) {
        pg_upload_rollback(d);
        return rc;
    }
    PQclear(r);
    return TL_DB_OK;
}

/* Send what the COPY buffer holds (nothing when it is empty). */
static enum tl_db_rc copy_flush(struct pg_db *db, struct copy_buf *cb, const char *what)
{
    if (cb->rows == 0) {
        return TL_DB_OK;
    }
    static const char trailer[2] = { (char)0xff, (char)0xff };
    tl_buf_put(&cb->b, trailer, 2);
    if (cb->b.overflow) {
        tl_log("store: %s: the COPY buffer overflowed", what);
        return TL_DB_ERROR;
    }
    enum tl_db_rc rc = TL_DB_OK;
    PGresult *r = PQexec(db->c, cb->sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = rc_of(db, r, what);
        PQclear(r);
        goto done;
    }
    PQclear(r);
    if (PQputCopyData(db->c, cb->b.data, (int)cb->b.len) != 1) {
        PQputCopyEnd(db->c, "client error");
    } else {
        PQputCopyEnd(db->c, NULL);
    }
    while ((r = PQgetResult(db->c)) != NULL) {
        if (!result_ok(r) && rc == TL_DB_OK) {
            rc = rc_of(db, r, what);
        }
        PQclear(r);
    }
done:
    tl_buf_reset(&cb->b);
    cb->rows = 0;
    return rc;
}

/* The start of a row: the binary header first when the buffer is empty, then its field count. */
static void copy_row(struct copy_buf *cb, uint16_t fields)
{
    if (cb->rows == 0 && cb->b.len == 0) {
        static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
        tl_buf_put(&cb->b, header, sizeof header);
    }
    uint16_t be = htobe16(fields);
    tl_buf_put(&cb->b, (const char *)&be, 2);
    cb->rows++;
}

static void copy_bytes(struct copy_buf *cb, const void *v, size_t n)
{
    uint32_t be = htobe32((uint32_t)n);
    tl_buf_put(&cb->b, (const char *)&be, 4);
    tl_buf_put(&cb->b, v, n);
}

static void copy_text(struct copy_buf *cb, const char *s)
{
    if (!s) {
        uint32_t null = 0xffffffffu;
        tl_buf_put(&cb->b, (const char *)&null, 4);
        return;
    }
    copy_bytes(cb, s, strlen(s));
}

static void copy_i64(struct copy_buf *cb, int64_t v)
{
    uint64_t be = htobe64((uint64_t)v);
    copy_bytes(cb, &be, 8);
}

static void copy_i32(struct copy_buf *cb, int32_t v)
{
    uint32_t be = htobe32((uint32_t)v);
    copy_bytes(cb, &be, 4);
}

static enum tl_db_rc pg_add_flow(struct tl_db *d, const struct tl_flow_row *f)
{
    struct pg_db *db = PG(d);
    struct copy_buf *cb = &db->flows;
    copy_row(cb, 31);
    copy_i64(cb, (int64_t)f->id);
    copy_i64(cb, (int64_t)f->capture_id);
    copy_i64(cb, (int64_t)f->index);
    copy_i32(cb, f->ip_version);
    copy_bytes(cb, f->client_ip, 16);
    copy_i32(cb, f->client_port);
    copy_bytes(cb, f->server_ip, 16);
    copy_i32(cb, f->server_port);
    copy_i64(cb, f->first_ns);
    copy_i64(cb, f->last_ns);
    copy_text(cb, f->handshake);
    copy_text(cb, f->teardown);
    copy_text(cb, f->conn_state);
    copy_text(cb, f->history);
    copy_i32(cb, (int32_t)f->completeness);
    copy_i64(cb, (int64_t)f->packets);
    copy_i64(cb, (int64_t)f->bytes);
    copy_i32(cb, f->nsec);
    copy_i32(cb, f->cksum_mode);
    copy_text(cb, f->service);
    if (f->rtt_us >= 0) {
        copy_i64(cb, f->rtt_us);
    } else {
        copy_text(cb, NULL);
    }
    copy_i64(cb, (int64_t)f->retrans_packets);
    copy_i64(cb, (int64_t)f->retrans_bytes);
    copy_i64(cb, f->duration_ns);
    copy_text(cb, f->tunnels);
    copy_text(cb, f->vlans);
    if (f->vni >= 0) {
        copy_i64(cb, f->vni);
    } else {
        copy_text(cb, NULL);
    }
    copy_i32(cb, f->outer_version);
    if (f->outer_version) {
        copy_bytes(cb, f->outer_src, 16);
        copy_bytes(cb, f->outer_dst, 16);
    } else {
        copy_text(cb, NULL);
        copy_text(cb, NULL);
    }
    copy_bytes(cb, f->pos, f->pos_len);
    return cb->b.len >= COPY_BATCH ? copy_flush(db, cb, "insert flows") : TL_DB_OK;
}

/* --- files in the database (--blob-store db) ------------------------------------------------ */

#define BLOB_CHUNK ((size_t)1 << 20)

/* The file at path as blob `name`, in the transaction open on db. */
static enum tl_db_rc blob_write(struct pg_db *db, const char *name, const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(BLOB_CHUNK);
    enum tl_db_rc rc = f && buf ? TL_DB_OK : TL_DB_ERROR;
    if (!f || !buf) {
        tl_log("store: blob %s: cannot read %s", name, path);
    }
    for (int64_t n = 0; rc == TL_DB_OK; n++) {
        size_t len = fread(buf, 1, BLOB_CHUNK, f);
        if (len == 0) {
            if (ferror(f)) {
                tl_log("store: blob %s: read error on %s", name, path);
                rc = TL_DB_ERROR;
            }
            break;
        }
        struct params p = { 0 };
        p_text(&p, name);
        p_i64(&p, n);
        p_bytes(&p, buf, len);
        PGresult *r = run(db, ST_BLOB_INSERT, &p, &rc, "store file");
        PQclear(r);
    }
    free(buf);
    if (f) {
        fclose(f);
    }
    return rc;
}

static enum tl_db_rc pg_blob_put(struct tl_db *d, const char *name, const char *path)
{
    struct pg_db *db = PG(d);
    enum tl_db_rc rc = exec_cmd(db, "BEGIN", "begin file");
    if (rc == TL_DB_OK) {
        rc = blob_write(db, name, path);
    }
    if (rc == TL_DB_OK) {
        rc = exec_cmd(db, "COMMIT", "commit file");
    }
    if (rc != TL_DB_OK) {
        pg_upload_rollback(d);
    }
    return rc;
}

/* Blob `name` written to the file at path, chunk by chunk (TL_DB_NOT_FOUND: no such blob). */
static enum tl_db_rc pg_blob_get(struct tl_db *d, const char *name, const char *path)
{
    struct pg_db *db = PG(d);
    FILE *f = fopen(path, "wb");
    if (!f) {
        tl_log("store: blob %s: cannot write %s", name, path);
        return TL_DB_ERROR;
    }
    enum tl_db_rc rc = TL_DB_OK;
    int64_t n = 0;
    for (;; n++) {
        struct params p = { 0 };
        p_text(&p, name);
        p_i64(&p, n);
        PGresult *r = run(db, ST_BLOB_CHUNK, &p, &rc, "read file");
        if (!r) {
            break;
        }
        bool got = PQntuples(r) == 1;
        if (got && fwrite(PQgetvalue(r, 0, 0), 1, (size_t)PQgetlength(r, 0, 0), f) !=
                       (size_t)PQgetlength(r, 0, 0)) {
            rc = errno == ENOSPC ? TL_DB_FULL : TL_DB_ERROR;
        }
        PQclear(r);
        if (!got || rc != TL_DB_OK) {
            break;
        }
    }
    if (fclose(f) != 0 && rc == TL_DB_OK) {
        rc = errno == ENOSPC ? TL_DB_FULL : TL_DB_ERROR;
    }
    if (rc == TL_DB_OK && n == 0) {
        rc = TL_DB_NOT_FOUND;
    }
    return rc;
}

static enum tl_db_rc pg_blob_delete(struct tl_db *d, const char *name)
{
    struct params p = { 0 };
    p_text(&p, name);
    enum tl_db_rc rc;
    PGresult *r = run(PG(d), ST_BLOB_DELETE, &p, &rc, "delete file");
    PQclear(r);
    return rc;
}

static enum tl_db_rc pg_upload_commit(struct tl_db *d, uint64_t capture_id,
                                      const struct tl_upload_done *u)
{
    struct pg_db *db = PG(d);
    enum tl_db_rc rc = copy_flush(db, &db->flows, "insert flows");
    PGresult *r = NULL;
    if (rc == TL_DB_OK) {
        struct params p = { 0 };
        p_i64(&p, (int64_t)capture_id);
        p_text(&p, u->file);
        p_text(&p, u->doc);
        p_i64(&p, (int64_t)u->packets);
        p_i64(&p, (int64_t)u->flows);
        p_i32(&p, u->truncated);
        p_i64(&p, (int64_t)u->first_flow);
        p_i64(&p, (int64_t)u->last_flow);
        p_bytes(&p, u->layout, u->layout_len);
        r = run(db, ST_CAPTURE_FINISH, &p, &rc, "finish capture");
        PQclear(r);
    }
    if (rc == TL_DB_OK) {
        struct params p = { 0 };
        p_i64(&p, (int64_t)u->last_flow);
        r = run(db, ST_COUNTER_SET, &p, &rc, "flow counter");
        PQclear(r);
    }
    if (rc == TL_DB_OK && u->blob_path) { /* the file, in the same transaction */
        rc = blob_write(db, u->file, u->blob_path);
    }
    if (rc == TL_DB_OK && u->job_id) { /* the job is done with its capture, or not at all */
        char now[40];
        tl_now_rfc3339(now, sizeof now);
        struct params p = { 0 };
        p_i64(&p, (int64_t)u->job_id);
        p_i64(&p, (int64_t)capture_id);
        p_i64(&p, (int64_t)u->packets);
        p_i64(&p, (int64_t)u->flows);
        p_text(&p, now);
        p_text(&p, u->job_owner);
        r = run(db, ST_JOB_DONE, &p, &rc, "finish job");
        if (r && strcmp(PQcmdTuples(r), "0") == 0) {
            rc = TL_DB_NOT_FOUND; /* another server holds the job now */
        }
        PQclear(r);
    }
    if (rc == TL_DB_OK) {
        rc = exec_cmd(db, "COMMIT", "commit upload");
    }
    if (rc != TL_DB_OK) {
        pg_upload_rollback(d);
    }
    return rc;
}

/* --- background jobs --------------------------------------------------------------------- */

static enum tl_db_rc pg_job_create(struct tl_db *d, const struct tl_job_row *row, uint64_t *id)
{
    struct params p = { 0 };
    p_text(&p, row->state);
    p_text(&p, row->name);
    p_i64(&p, (int64_t)row->size_bytes);
    p_text(&p, row->created_at);
    p_text(&p, row->owner);
    p_text(&p, row->options);
    p_i64(&p, row->lease_s ? (int64_t)row->lease_s : 30);
    enum tl_db_rc rc;
    PGresult *r = run(PG(d), ST_JOB_INSERT, &p, &rc, "insert job");
    if (!r) {
        return rc;
    }
    *id = PQntuples(r) == 1 ? (uint64_t)col_i64(r, 0, 0) : 0;
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_job_update(struct tl_db *d, const struct tl_job_row *row)
{
    struct params p = { 0 };
    p_i64(&p, (int64_t)row->id);
    p_text(&p, row->state);
    p_i64(&p, (int64_t)row->packets);
    p_i64(&p, (int64_t)row->flows);
    if (row->capture_id) {
        p_i64(&p, (int64_t)row->capture_id);
    } else {
        p_null(&p);
    }
    p_text(&p, row->error_code); /* NULL stays NULL */
    p_text(&p, row->error);
    p_text(&p, row->finished_at);
    p_text(&p, row->owner);
    enum tl_db_rc rc;
    PGresult *r = run(PG(d), ST_JOB_UPDATE, &p, &rc, "update job");
    if (r && strcmp(PQcmdTuples(r), "0") == 0) {
        rc = TL_DB_NOT_FOUND; /* taken over by another server (or deleted) */
    }
    PQclear(r);
    return rc;
}

/* The first row of a job query (id, state, name, size_bytes, packets, flows, capture_id,
 * error_code, error, created_at, finished_at[, options]) to cb. */
static void job_row_cb(PGresult *r, tl_db_job_cb cb, void *arg)
{
    struct tl_job_row row = {
        .id = (uint64_t)col_i64(r, 0, 0),
        .state = col_text(r, 0, 1),
        .name = col_text(r, 0, 2),
        .size_bytes = (uint64_t)col_i64(r, 0, 3),
        .packets = (uint64_t)col_i64(r, 0, 4),
        .flows = (uint64_t)col_i64(r, 0, 5),
        .capture_id = (uint64_t)col_i64(r, 0, 6), /* NULL reads as 0 */
        .error_code = col_text(r, 0, 7),
        .error = col_text(r, 0, 8),
        .created_at = col_text(r, 0, 9),
        .finished_at = col_text(r, 0, 10),
        .options = PQnfields(r) > 11 ? col_text(r, 0, 11) : NULL,
    };
    cb(arg, &row);
}

/* A statement giving at most one job row, its row to cb; TL_DB_NOT_FOUND when none. */
static enum tl_db_rc job_query(struct tl_db *d, enum stmt_id id, const struct params *p,
                               const char *what, tl_db_job_cb cb, void *arg)
{
    enum tl_db_rc rc;
    PGresult *r = run(PG(d), id, p, &rc, what);
    if (!r) {
        return rc;
    }
    if (PQntuples(r) == 0) {
        rc = TL_DB_NOT_FOUND;
    } else {
        job_row_cb(r, cb, arg);
    }
    PQclear(r);
    return rc;
}

static enum tl_db_rc pg_job_get(struct tl_db *d, uint64_t id, tl_db_job_cb cb, void *arg)
{
    struct params p = { 0 };
    p_i64(&p, (int64_t)id);
    return job_query(d, ST_JOB_GET, &p, "get job", cb, arg);
}

/* Several servers share this store's jobs: none is abandoned at start-up; a job whose lease ran
 * out is claimed by whichever server asks first. */
static enum tl_db_rc pg_jobs_renew(struct tl_db *d, const char *owner, unsigned lease_s)
{
    struct params p = { 0 };
    p_text(&p, owner);
    p_i64(&p, (int64_t)lease_s);
    enum tl_db_rc rc;
    PGresult *r = run(PG(d), ST_JOBS_RENEW, &p, &rc, "renew job leases");
    PQclear(r);
    return rc;
}

static enum tl_db_rc pg_job_claim(struct tl_db *d, const char *owner, unsigned lease_s,
                                  tl_db_job_cb cb, void *arg)
{
    struct params p = { 0 };
    p_text(&p, owner);
    p_i64(&p, (int64_t)lease_s);
    return job_query(d, ST_JOB_CLAIM, &p, "claim a job", cb, arg);
}

/* --- annotations ------------------------------------------------------------------------- */

static enum tl_db_rc pg_annotation_add(struct tl_db *d, const struct tl_annotation *a, uint64_t *id)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, (int64_t)a->capture_id);
    if (a->flow_id) {
        p_i64(&p, (int64_t)a->flow_id);
    } else {
        p_null(&p);
    }
    if (a->has_packet) {
        p_i64(&p, (int64_t)a->packet);
    } else {
        p_null(&p);
    }
    p_text(&p, a->author);
    p_text(&p, a->text);
    p_text(&p, a->created_at);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_NOTE_INSERT, &p, &rc, "insert annotation");
    if (!r) {
        return rc;
    }
    *id = PQntuples(r) == 1 ? (uint64_t)col_i64(r, 0, 0) : 0;
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_annotations_list(struct tl_db *d, uint64_t capture_id, uint64_t flow_id,
                                         tl_db_annotation_cb cb, void *arg)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, (int64_t)(flow_id ? flow_id : capture_id));
    enum tl_db_rc rc;
    PGresult *r = run(db, flow_id ? ST_NOTES_FLOW : ST_NOTES_CAPTURE, &p, &rc, "list annotations");
    if (!r) {
        return rc;
    }
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        struct tl_annotation a = {
            .id = (uint64_t)col_i64(r, i, 0),
            .capture_id = (uint64_t)col_i64(r, i, 1),
            .flow_id = (uint64_t)col_i64(r, i, 2), /* NULL reads as 0 */
            .has_packet = !PQgetisnull(r, i, 3),
            .packet = (uint64_t)col_i64(r, i, 3),
            .author = col_text(r, i, 4),
            .text = col_text(r, i, 5),
            .created_at = col_text(r, i, 6),
        };
        if (!cb(arg, &a)) {
            break;
        }
    }
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_annotation_delete(struct tl_db *d, uint64_t id)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, (int64_t)id);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_NOTE_DELETE, &p, &rc, "delete annotation");
    if (!r) {
        return rc;
    }
    bool gone = atoi(PQcmdTuples(r)) > 0;
    PQclear(r);
    return gone ? TL_DB_OK : TL_DB_NOT_FOUND;
}

/* --- reading ----------------------------------------------------------------------------- */

static bool pg_capture_exists(struct tl_store *s, uint64_t id)
{
    struct tl_db *d = pg_db(s);
    if (!d) {
        return true; /* on doubt, keep the file */
    }
    struct params p = { 0 };
    p_i64(&p, (int64_t)id);
    enum tl_db_rc rc;
    PGresult *r = run(PG(d), ST_CAPTURE_EXISTS, &p, &rc, "capture exists");
    if (!r) {
        return true;
    }
    bool yes = PQntuples(r) > 0;
    PQclear(r);
    return yes;
}

static void row_of(const PGresult *r, uint64_t id, struct tl_capture_row *row)
{
    const char *file = col_text(r, 0, 1), *name = col_text(r, 0, 2);
    row->id = id;
    snprintf(row->file, sizeof row->file, "%s", file ? file : "");
    snprintf(row->name, sizeof row->name, "%s", name ? name : "");
    row->first_flow = (uint64_t)col_i64(r, 0, 3);
    row->last_flow = (uint64_t)col_i64(r, 0, 4);
    row->flows = (uint64_t)col_i64(r, 0, 5);
}

static enum tl_db_rc capture_read(struct pg_db *db, enum stmt_id st, uint64_t id,
                                  struct tl_buf *out, struct tl_capture_row *row)
{
    struct params p = { 0 };
    p_i64(&p, (int64_t)id);
    enum tl_db_rc rc;
    PGresult *r = run(db, st, &p, &rc, "get capture");
    if (!r) {
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return TL_DB_NOT_FOUND;
    }
    if (out) {
        tl_buf_put(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    }
    if (row) {
        row_of(r, id, row);
    }
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_capture_get(struct tl_db *d, uint64_t id, struct tl_buf *out,
                                    struct tl_capture_row *row)
{
    return capture_read(PG(d), ST_CAPTURE_GET, id, out, row);
}

static enum tl_db_rc pg_captures_list(struct tl_db *d, uint64_t before, unsigned limit,
                                      tl_db_doc_cb cb, void *arg)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, before ? (int64_t)before : INT64_MAX);
    p_i64(&p, (int64_t)limit);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_CAPTURES_LIST, &p, &rc, "list captures");
    if (!r) {
        return rc;
    }
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        cb(arg, (uint64_t)col_i64(r, i, 0), PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
    }
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_capture_delete(struct tl_db *d, uint64_t id, struct tl_capture_row *row)
{
    struct pg_db *db = PG(d);
    enum tl_db_rc rc = apply_lock_timeout(db);
    if (rc == TL_DB_OK) {
        rc = statement_timeout(db, 0);
    }
    if (rc == TL_DB_OK) {
        rc = exec_cmd(db, "BEGIN", "begin delete");
    }
    if (rc != TL_DB_OK) {
        return rc;
    }
    rc = capture_read(db, ST_CAPTURE_LOCK, id, NULL, row);
    static const enum stmt_id steps[] = {
        ST_DEL_PACKETS,       ST_DEL_FLOWS,        ST_DEL_GROUPS,
        ST_DEL_CAPTURE_NOTES, ST_DEL_CAPTURE_BLOB, ST_DEL_CAPTURE
    };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0] && rc == TL_DB_OK; k++) {
        struct params p = { 0 };
        if (steps[k] == ST_DEL_PACKETS) {
            p_i64(&p, (int64_t)packet_key(row->first_flow, 0));
            p_i64(&p, (int64_t)packet_key(row->last_flow, 0xffffffffu));
        } else {
            p_i64(&p, (int64_t)id);
        }
        PGresult *r = run(db, steps[k], &p, &rc, "delete capture");
        PQclear(r);
    }
    if (rc == TL_DB_OK) {
        rc = exec_cmd(db, "COMMIT", "commit delete");
    }
    if (rc != TL_DB_OK) {
        pg_upload_rollback(d);
    }
    return rc;
}

static enum tl_db_rc pg_captures_before(struct tl_db *d, const char *before, uint64_t after,
                                        uint64_t *ids, unsigned max, unsigned *n)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_text(&p, before);
    p_i64(&p, (int64_t)after);
    p_i64(&p, (int64_t)max);
    enum tl_db_rc rc;
    *n = 0;
    PGresult *r = run(db, ST_CAPTURES_BEFORE, &p, &rc, "captures before");
    if (!r) {
        return rc;
    }
    int rows = PQntuples(r);
    for (int i = 0; i < rows && *n < max; i++) {
        ids[(*n)++] = (uint64_t)col_i64(r, i, 0);
    }
    PQclear(r);
    return TL_DB_OK;
}

/*
 * The flow query, built like SQLite's (store_sqlite.c) with numbered parameters: each
 * condition appends its values and writes their numbers. A filter on either endpoint (port,
 * host) is a UNION of two branches, each walking one (column, id) index in id order.
 */
static void range_cond(struct tl_buf *sql, struct params *p, const struct tl_addr_range *r,
                       const char *col)
{
    if (memcmp(r->lo, r->hi, 16) == 0) {
        tl_buf_printf(sql, " AND %s = $%d::bytea", col, p_bytes(p, r->lo, 16));
    } else {
        int lo = p_bytes(p, r->lo, 16);
        tl_buf_printf(sql, " AND %s BETWEEN $%d::bytea AND $%d::bytea", col, lo,
                      p_bytes(p, r->hi, 16));
    }
}

/* "a,b" matches any of them (values checked against the vocabulary before). */
static void list_cond(struct tl_buf *sql, struct params *p, const char *value, const char *col)
{
    if (strchr(value, ',')) {
        tl_buf_printf(sql, " AND %s = ANY (string_to_array($%d::text, ','))", col,
                      p_text(p, value));
    } else {
        tl_buf_printf(sql, " AND %s = $%d::text", col, p_text(p, value));
    }
}

static void common_conds(struct tl_buf *sql, struct params *p, const struct tl_flow_filter *f)
{
    if (f->client.set) {
        range_cond(sql, p, &f->client, "client_ip");
        tl_buf_printf(sql, " AND ip_version = $%d::int4", p_i32(p, f->client.version));
    }
    if (f->server.set) {
        range_cond(sql, p, &f->server, "server_ip");
        tl_buf_printf(sql, " AND ip_version = $%d::int4", p_i32(p, f->server.version));
    }
    if (f->host.set) {
        tl_buf_printf(sql, " AND ip_version = $%d::int4", p_i32(p, f->host.version));
    }
    if (f->client_port >= 0) {
        tl_buf_printf(sql, " AND client_port = $%d::int4", p_i32(p, f->client_port));
    }
    if (f->server_port >= 0) {
        tl_buf_printf(sql, " AND server_port = $%d::int4", p_i32(p, f->server_port));
    }
    if (f->handshake) {
        list_cond(sql, p, f->handshake, "handshake");
    }
    if (f->teardown) {
        list_cond(sql, p, f->teardown, "teardown");
    }
    if (f->conn_state) {
        list_cond(sql, p, f->conn_state, "conn_state");
    }
    if (f->capture) {
        tl_buf_printf(sql, " AND capture_id = $%d::int8", p_i64(p, (int64_t)f->capture));
    }
    if (f->since_set) {
        tl_buf_printf(sql, " AND first_ns >= $%d::int8", p_i64(p, f->since_ns));
    }
    if (f->until_set) {
        tl_buf_printf(sql, " AND first_ns < $%d::int8", p_i64(p, f->until_ns));
    }
    if (f->service) {
        list_cond(sql, p, f->service, "service");
    }
    if (f->tunnel_kinds) { /* "a,b": a kind of either on the path (stored as ",a,b,") */
        tl_buf_printf(sql,
                      " AND string_to_array(tunnels, ',') && "
                      "array_remove(string_to_array($%d::text, ','), '')",
                      p_text(p, f->tunnel_kinds));
    }
    if (f->vlans) {
        tl_buf_printf(sql,
                      " AND string_to_array(vlans, ',') && "
                      "array_remove(string_to_array($%d::text, ','), '')",
                      p_text(p, f->vlans));
    }
    if (f->vni_set) {
        tl_buf_printf(sql, " AND vni = $%d::int8", p_i64(p, f->vni));
    }
    if (f->outer.set) {
        int v = p_i32(p, f->outer.version), lo = p_bytes(p, f->outer.lo, 16),
            hi = p_bytes(p, f->outer.hi, 16);
        tl_buf_printf(sql,
                      " AND outer_version = $%d::int4 AND (outer_src BETWEEN $%d::bytea AND "
                      "$%d::bytea OR outer_dst BETWEEN $%d::bytea AND $%d::bytea)",
                      v, lo, hi, lo, hi);
    }
    if (f->min_rtt_us > 0) {
        tl_buf_printf(sql, " AND rtt_us >= $%d::int8", p_i64(p, f->min_rtt_us));
    }
    if (f->min_retrans > 0) {
        tl_buf_printf(sql, " AND retrans_pkts >= $%d::int8", p_i64(p, f->min_retrans));
    }
    if (f->min_bytes > 0) {
        tl_buf_printf(sql, " AND bytes >= $%d::int8", p_i64(p, f->min_bytes));
    }
    if (f->min_duration_us > 0) {
        int64_t ns = f->min_duration_us > INT64_MAX / 1000 ? INT64_MAX : f->min_duration_us * 1000;
        tl_buf_printf(sql, " AND duration_ns >= $%d::int8", p_i64(p, ns));
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
 * them by id. Ties go the key's way, as in store_sqlite.c.
 */
static void keyset_cond(struct tl_buf *sql, struct params *p, const struct tl_flow_filter *f)
{
    if (f->sort == TL_SORT_ID) {
        tl_buf_printf(sql, " WHERE id > $%d::int8", p_i64(p, (int64_t)f->after_id));
        return;
    }
    const char *c = sort_col[f->sort];
    if (!f->after_set) {
        tl_buf_puts(sql, " WHERE true");
    } else if (f->after_null) {
        tl_buf_printf(sql, " WHERE (%s IS NULL AND id %s $%d::int8)", c, f->desc ? "<" : ">",
                      p_i64(p, (int64_t)f->after_id));
    } else {
        int v = p_i64(p, f->after_value), a = p_i64(p, (int64_t)f->after_id);
        tl_buf_printf(sql,
                      " WHERE (%s %s $%d::int8 OR (%s = $%d::int8 AND id %s $%d::int8) OR "
                      "%s IS NULL)",
                      c, f->desc ? "<" : ">", v, c, v, f->desc ? "<" : ">", a, c);
    }
}

/* Inside a branch by the columns; around a UNION by its output names (sort_value, id). */
static void order_by(struct tl_buf *sql, const struct tl_flow_filter *f, bool outer)
{
    if (f->sort == TL_SORT_ID) {
        tl_buf_puts(sql, " ORDER BY id");
    } else {
        tl_buf_printf(sql, " ORDER BY %s %s NULLS LAST, id %s",
                      outer ? "sort_value" : sort_col[f->sort], f->desc ? "DESC" : "ASC",
                      f->desc ? "DESC" : "ASC");
    }
}

/* port=a,b: either endpoint on any of them */
static void ports_cond(struct tl_buf *sql, struct params *p, const struct tl_flow_filter *f)
{
    int num[TL_FLOW_PORTS_MAX];
    unsigned n = f->n_ports < TL_FLOW_PORTS_MAX ? f->n_ports : TL_FLOW_PORTS_MAX;
    for (unsigned i = 0; i < n; i++) {
        num[i] = p_i32(p, f->ports[i]);
    }
    const char *cols[2] = { "client_port", "server_port" };
    tl_buf_puts(sql, " AND (");
    for (int k = 0; k < 2; k++) {
        tl_buf_printf(sql, "%s%s IN (", k ? " OR " : "", cols[k]);
        for (unsigned i = 0; i < n; i++) {
            tl_buf_printf(sql, "%s$%d::int4", i ? ", " : "", num[i]);
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

/* One branch: `side` 0 puts the either-endpoint filters on the client's columns, 1 on the
 * server's, -1 on both (an OR, used when there is nothing to split). */
static void branch(struct tl_buf *sql, struct params *p, const struct tl_flow_filter *f, int side)
{
    tl_buf_printf(sql,
                  "SELECT id, capture_id, idx, nsec, checksums, service, %s AS sort_value "
                  "FROM flows",
                  sort_col[f->sort]);
    keyset_cond(sql, p, f);
    common_conds(sql, p, f);
    if (f->n_ports > 1) {
        ports_cond(sql, p, f);
    } else if (f->port >= 0) {
        int n = p_i32(p, f->port);
        if (side < 0) {
            tl_buf_printf(sql, " AND (client_port = $%d::int4 OR server_port = $%d::int4)", n, n);
        } else {
            tl_buf_printf(sql, " AND %s = $%d::int4", side == 0 ? "client_port" : "server_port", n);
        }
    }
    if (f->host.set) {
        if (side < 0 || port_split(f)) { /* split on the port already: the host stays an OR */
            int lo = p_bytes(p, f->host.lo, 16), hi = p_bytes(p, f->host.hi, 16);
            bool one = memcmp(f->host.lo, f->host.hi, 16) == 0;
            tl_buf_puts(sql, " AND (");
            const char *cols[2] = { "client_ip", "server_ip" };
            for (int k = 0; k < 2; k++) {
                if (one) {
                    tl_buf_printf(sql, "%s%s = $%d::bytea", k ? " OR " : "", cols[k], lo);
                } else {
                    tl_buf_printf(sql, "%s%s BETWEEN $%d::bytea AND $%d::bytea", k ? " OR " : "",
                                  cols[k], lo, hi);
                }
            }
            tl_buf_puts(sql, ")");
        } else {
            range_cond(sql, p, &f->host, side == 0 ? "client_ip" : "server_ip");
        }
    }
    order_by(sql, f, false);
    tl_buf_printf(sql, " LIMIT %u", f->limit);
}

static void ref_of(const PGresult *r, int i, struct tl_flow_ref *ref)
{
    ref->id = (uint64_t)col_i64(r, i, 0);
    ref->capture_id = (uint64_t)col_i64(r, i, 1);
    ref->index = (uint64_t)col_i64(r, i, 2);
    ref->nsec = col_i64(r, i, 3) != 0;
    ref->cksum_mode = (uint8_t)col_i64(r, i, 4);
    const char *svc = col_text(r, i, 5);
    snprintf(ref->service, sizeof ref->service, "%s", svc ? svc : "");
    if (PQnfields(r) > 6) {
        ref->sort_null = PQgetisnull(r, i, 6);
        ref->sort_value = col_i64(r, i, 6);
    }
}

static enum tl_db_rc pg_flows_query(struct tl_db *d, const struct tl_flow_filter *f,
                                    tl_db_flow_cb cb, void *arg)
{
    struct pg_db *db = PG(d);
    char mem[4096];
    struct tl_buf sql;
    struct params p = { 0 };
    tl_buf_init_fixed(&sql, mem, sizeof mem);
    if (port_split(f) || f->host.set) {
        tl_buf_puts(&sql, "(");
        branch(&sql, &p, f, 0);
        tl_buf_puts(&sql, ") UNION (");
        branch(&sql, &p, f, 1);
        tl_buf_puts(&sql, ")");
        order_by(&sql, f, true);
        tl_buf_printf(&sql, " LIMIT %u", f->limit);
    } else {
        branch(&sql, &p, f, -1);
    }
    if (sql.overflow || p.overflow) {
        tl_log("store: the flow query does not fit");
        return TL_DB_ERROR;
    }
    enum tl_db_rc brc = statement_timeout(db, db->base.store->query_budget_ms);
    if (brc != TL_DB_OK) {
        return brc;
    }
    /* the whole page is read before the callbacks: they may query this connection again */
    PGresult *r =
        PQexecParams(db->c, tl_buf_cstr(&sql), p.n, NULL, p.val, p.len, p.fmt, 1 /* binary */);
    if (!result_ok(r)) {
        enum tl_db_rc rc = query_rc(db, r, "flow query");
        PQclear(r);
        return rc;
    }
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        struct tl_flow_ref ref;
        ref_of(r, i, &ref);
        if (!cb(arg, &ref)) {
            break;
        }
    }
    PQclear(r);
    return TL_DB_OK;
}

/* GET /api/v1/stats: the filter's conditions, grouped (the keyset and the limit do not apply).
 * Ordered as SQLite orders: most flows first, then the key with NULL first and text by bytes. */
static enum tl_db_rc pg_flow_stats(struct tl_db *d, const struct tl_flow_filter *f,
                                   enum tl_group_key g, tl_db_stats_cb cb, void *arg)
{
    static const char *const group_col[TL_GROUP_COUNT] = {
        [TL_GROUP_CONN_STATE] = "conn_state",   [TL_GROUP_HANDSHAKE] = "handshake",
        [TL_GROUP_TEARDOWN] = "teardown",       [TL_GROUP_SERVICE] = "service",
        [TL_GROUP_SERVER_PORT] = "server_port", [TL_GROUP_CAPTURE] = "capture_id",
    };
    if ((unsigned)g >= TL_GROUP_COUNT) {
        return TL_DB_ERROR;
    }
    bool text = g != TL_GROUP_SERVER_PORT && g != TL_GROUP_CAPTURE;
    struct pg_db *db = PG(d);
    struct tl_flow_filter all = *f;
    all.sort = TL_SORT_ID;
    all.after_id = 0;
    char mem[4096];
    struct tl_buf sql;
    struct params p = { 0 };
    tl_buf_init_fixed(&sql, mem, sizeof mem);
    tl_buf_printf(&sql,
                  "SELECT CAST(%s AS TEXT), count(*), sum(packets)::int8, sum(bytes)::int8, "
                  "sum(retrans_pkts)::int8, sum(retrans_bytes)::int8 FROM flows",
                  group_col[g]);
    keyset_cond(&sql, &p, &all);
    common_conds(&sql, &p, &all);
    if (all.n_ports > 1) {
        ports_cond(&sql, &p, &all);
    } else if (all.port >= 0) {
        int n = p_i32(&p, all.port);
        tl_buf_printf(&sql, " AND (client_port = $%d::int4 OR server_port = $%d::int4)", n, n);
    }
    if (all.host.set) {
        int lo = p_bytes(&p, all.host.lo, 16), hi = p_bytes(&p, all.host.hi, 16);
        if (memcmp(all.host.lo, all.host.hi, 16) == 0) {
            tl_buf_printf(&sql, " AND (client_ip = $%d::bytea OR server_ip = $%d::bytea)", lo, lo);
        } else {
            tl_buf_printf(&sql,
                          " AND (client_ip BETWEEN $%d::bytea AND $%d::bytea OR server_ip "
                          "BETWEEN $%d::bytea AND $%d::bytea)",
                          lo, hi, lo, hi);
        }
    }
    tl_buf_printf(&sql, " GROUP BY %s ORDER BY count(*) DESC, %s%s ASC NULLS FIRST", group_col[g],
                  group_col[g], text ? " COLLATE \"C\"" : "");
    if (sql.overflow || p.overflow) {
        tl_log("store: the flow stats query does not fit");
        return TL_DB_ERROR;
    }
    enum tl_db_rc brc = statement_timeout(db, db->base.store->query_budget_ms);
    if (brc != TL_DB_OK) {
        return brc;
    }
    PGresult *r = PQexecParams(db->c, tl_buf_cstr(&sql), p.n, NULL, p.val, p.len, p.fmt, 1);
    if (!result_ok(r)) {
        enum tl_db_rc rc = query_rc(db, r, "flow stats");
        PQclear(r);
        return rc;
    }
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        struct tl_stats_row row = {
            .key = col_text(r, i, 0),
            .flows = (uint64_t)col_i64(r, i, 1),
            .packets = (uint64_t)col_i64(r, i, 2),
            .bytes = (uint64_t)col_i64(r, i, 3),
            .retrans_packets = (uint64_t)col_i64(r, i, 4),
            .retrans_bytes = (uint64_t)col_i64(r, i, 5),
        };
        if (!cb(arg, &row)) {
            break;
        }
    }
    PQclear(r);
    return TL_DB_OK;
}

static enum tl_db_rc pg_flow_get(struct tl_db *d, uint64_t id, struct tl_flow_ref *ref)
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, (int64_t)id);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_FLOW_GET, &p, &rc, "get flow");
    if (!r) {
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return TL_DB_NOT_FOUND;
    }
    ref_of(r, 0, ref);
    PQclear(r);
    return TL_DB_OK;
}

static void put_column(struct tl_buf *b, const PGresult *r, int col)
{
    if (!PQgetisnull(r, 0, col)) {
        tl_buf_put(b, PQgetvalue(r, 0, col), (size_t)PQgetlength(r, 0, col));
    }
}

static enum tl_db_rc pg_flow_positions(struct tl_db *d, uint64_t flow_id, struct tl_buf *pos,
                                       struct tl_buf *layout, char file[64])
{
    struct pg_db *db = PG(d);
    struct params p = { 0 };
    p_i64(&p, (int64_t)flow_id);
    enum tl_db_rc rc;
    PGresult *r = run(db, ST_FLOW_POSITIONS, &p, &rc, "flow positions");
    if (!r) {
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return TL_DB_NOT_FOUND;
    }
    put_column(pos, r, 0);
    put_column(layout, r, 1);
    const char *f = col_text(r, 0, 2);
    snprintf(file, 64, "%s", f ? f : "");
    PQclear(r);
    return TL_DB_OK;
}

const struct tl_store_ops tl_store_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .capture_exists = pg_capture_exists,
    .db = pg_db,
    .thread_done = pg_thread_done,
    .busy_timeout = pg_busy_timeout,
    .ping = pg_ping,
    .upload_begin = pg_upload_begin,
    .add_flow = pg_add_flow,
    .upload_commit = pg_upload_commit,
    .upload_rollback = pg_upload_rollback,
    .legacy_next = pg_legacy_next,
    .legacy_store = pg_legacy_store,
    .job_create = pg_job_create,
    .job_update = pg_job_update,
    .job_get = pg_job_get,
    .jobs_renew = pg_jobs_renew,
    .blob_put = pg_blob_put,
    .blob_get = pg_blob_get,
    .blob_delete = pg_blob_delete,
    .job_claim = pg_job_claim,
    .annotation_add = pg_annotation_add,
    .annotations_list = pg_annotations_list,
    .annotation_delete = pg_annotation_delete,
    .capture_get = pg_capture_get,
    .captures_list = pg_captures_list,
    .capture_delete = pg_capture_delete,
    .captures_before = pg_captures_before,
    .flows_query = pg_flows_query,
    .flow_stats = pg_flow_stats,
    .flow_get = pg_flow_get,
    .flow_positions = pg_flow_positions,
};
