/*
 * store.c - the store's front: chooses the backend for a --db value, keeps the data
 * directory tidy, and forwards every tl_db_* call to the backend's operations.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store_backend.h"

#define SHARED_GRACE_SEC 600 /* a capture file younger than this may be another server's */

/*
 * Remove temporary uploads and files of captures that never committed. Several servers may
 * share the data directory (replicas on one PostgreSQL database): a temporary upload is named
 * after its server's machine and process (upload-HOST-PID-...) and removed only when it is
 * this machine's and no such process runs (or it is a day old); a capture file without a row only
 * once it is older than SHARED_GRACE_SEC, unless the database is a SQLite file (one server).
 */
const char *tl_host_tag(void)
{
    static char tag[32];
    if (!tag[0]) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        size_t k = 0;
        for (const char *p = host; *p && k < sizeof tag - 1; p++) { /* [A-Za-z0-9] only */
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
                tag[k++] = *p;
            }
        }
        if (k == 0) {
            tag[k++] = 'h';
        }
        tag[k] = '\0';
    }
    return tag;
}

/* A temporary upload (upload-HOST-PID-...) whose server is no longer running: it ran on this
 * machine and no process has its id now. */
static bool process_gone(const char *name)
{
    char host[32];
    long pid = 0;
    if (sscanf(name, "upload-%31[A-Za-z0-9]-%ld-", host, &pid) != 2 || pid <= 0) {
        return true; /* an older server's name: nobody else writes it */
    }
    if (strcmp(host, tl_host_tag()) != 0) {
        return false; /* another machine's: only its age tells */
    }
    return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void clean_data_dir(struct tl_store *s)
{
    DIR *d = opendir(s->data_dir);
    if (!d) {
        return;
    }
    bool shared = s->ops != &tl_store_sqlite;
    (void)tl_host_tag(); /* made here, before any other thread asks for it */
    time_t now = time(NULL);
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)) != NULL) {
        unsigned long long id = 0;
        bool orphan = false;
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", s->data_dir, de->d_name) >= (int)sizeof path ||
            stat(path, &st) != 0) {
            continue;
        }
        if (strncmp(de->d_name, "upload-", 7) == 0) {
            orphan = process_gone(de->d_name) || now - st.st_mtime > 86400;
        } else if (strncmp(de->d_name, "job-", 4) == 0) {
            /* a background job's upload: one server's jobs end with it (marked failed at this
             * start); shared jobs wait for a server to take them over, a day at most */
            orphan = !shared || now - st.st_mtime > 86400;
        } else if (sscanf(de->d_name, "capture-%llu.", &id) == 1) {
            orphan =
                !s->ops->capture_exists(s, id) && (!shared || now - st.st_mtime > SHARED_GRACE_SEC);
        }
        if (orphan) {
            if (unlink(path) == 0) {
                tl_log("store: removed %s, left by an interrupted upload", path);
            }
        }
    }
    closedir(d);
}

static const struct tl_store_ops *backend_for(const char *uri, char *err, size_t errlen)
{
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
#ifdef TL_HAVE_POSTGRESQL
        (void)err;
        (void)errlen;
        return &tl_store_pg;
#else
        snprintf(err, errlen, "this tcplensd is built without the PostgreSQL backend");
        return NULL;
#endif
    }
    return &tl_store_sqlite;
}

struct tl_store *tl_store_open(const char *uri, const char *data_dir, char *err, size_t errlen)
{
    const struct tl_store_ops *ops = backend_for(uri, err, errlen);
    if (!ops) {
        return NULL;
    }
    char *dir = strdup(data_dir);
    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct tl_store *s = ops->open(uri, err, errlen);
    if (!s) {
        free(dir);
        return NULL;
    }
    s->ops = ops;
    s->data_dir = dir;
    s->query_budget_ms = 10000;
    clean_data_dir(s);
    return s;
}

void tl_store_close(struct tl_store *s)
{
    if (!s) {
        return;
    }
    char *dir = s->data_dir;
    s->ops->close(s);
    free(dir);
}

void tl_store_set_query_budget(struct tl_store *s, unsigned ms)
{
    s->query_budget_ms = ms;
}

const char *tl_store_backend(const struct tl_store *s)
{
    return s->ops->name;
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
    return s->ops->db(s);
}

void tl_store_thread_done(struct tl_store *s)
{
    s->ops->thread_done(s);
}

void tl_db_busy_timeout(struct tl_db *db, unsigned ms)
{
    db->ops->busy_timeout(db, ms);
}

bool tl_db_ping(struct tl_db *db)
{
    return db->ops->ping(db);
}

enum tl_db_rc tl_db_upload_begin(struct tl_db *db, const struct tl_upload_info *u,
                                 uint64_t *capture_id, uint64_t *flow_base)
{
    return db->ops->upload_begin(db, u, capture_id, flow_base);
}

enum tl_db_rc tl_db_add_flow(struct tl_db *db, const struct tl_flow_row *row)
{
    return db->ops->add_flow(db, row);
}

enum tl_db_rc tl_db_upload_commit(struct tl_db *db, uint64_t capture_id,
                                  const struct tl_upload_done *d)
{
    return db->ops->upload_commit(db, capture_id, d);
}

enum tl_db_rc tl_db_legacy_next(struct tl_db *db, uint64_t after, struct tl_legacy_capture *c)
{
    return db->ops->legacy_next(db, after, c);
}

enum tl_db_rc tl_db_legacy_store(struct tl_db *db, uint64_t capture_id, const uint8_t *layout,
                                 size_t layout_len, const struct tl_flow_positions *flows, size_t n)
{
    return db->ops->legacy_store(db, capture_id, layout, layout_len, flows, n);
}

void tl_db_upload_rollback(struct tl_db *db)
{
    db->ops->upload_rollback(db);
}

/* Operations a backend may not have yet (a newer store than it): an error, never a crash. */
#define OPTIONAL_OP(db, op, ...) ((db)->ops->op ? (db)->ops->op(__VA_ARGS__) : TL_DB_ERROR)

enum tl_db_rc tl_db_job_create(struct tl_db *db, const struct tl_job_row *row, uint64_t *id)
{
    return OPTIONAL_OP(db, job_create, db, row, id);
}

enum tl_db_rc tl_db_job_update(struct tl_db *db, const struct tl_job_row *row)
{
    return OPTIONAL_OP(db, job_update, db, row);
}

enum tl_db_rc tl_db_job_get(struct tl_db *db, uint64_t id, tl_db_job_cb cb, void *arg)
{
    return OPTIONAL_OP(db, job_get, db, id, cb, arg);
}

bool tl_db_jobs_shared(const struct tl_db *db)
{
    return db->ops->job_claim != NULL;
}

enum tl_db_rc tl_db_jobs_renew(struct tl_db *db, const char *owner, unsigned lease_s)
{
    return OPTIONAL_OP(db, jobs_renew, db, owner, lease_s);
}

enum tl_db_rc tl_db_job_claim(struct tl_db *db, const char *owner, unsigned lease_s,
                              tl_db_job_cb cb, void *arg)
{
    return OPTIONAL_OP(db, job_claim, db, owner, lease_s, cb, arg);
}

enum tl_db_rc tl_db_jobs_abandon(struct tl_db *db, const char *why, const char *at, uint64_t *n)
{
    *n = 0;
    return OPTIONAL_OP(db, jobs_abandon, db, why, at, n);
}

enum tl_db_rc tl_db_annotation_add(struct tl_db *db, const struct tl_annotation *a, uint64_t *id)
{
    return db->ops->annotation_add(db, a, id);
}

enum tl_db_rc tl_db_annotations_list(struct tl_db *db, uint64_t capture_id, uint64_t flow_id,
                                     tl_db_annotation_cb cb, void *arg)
{
    return db->ops->annotations_list(db, capture_id, flow_id, cb, arg);
}

enum tl_db_rc tl_db_annotation_delete(struct tl_db *db, uint64_t id)
{
    return db->ops->annotation_delete(db, id);
}

enum tl_db_rc tl_db_capture_get(struct tl_db *db, uint64_t id, struct tl_buf *out,
                                struct tl_capture_row *row)
{
    return db->ops->capture_get(db, id, out, row);
}

enum tl_db_rc tl_db_captures_list(struct tl_db *db, uint64_t before, unsigned limit,
                                  tl_db_doc_cb cb, void *arg)
{
    return db->ops->captures_list(db, before, limit, cb, arg);
}

enum tl_db_rc tl_db_capture_delete(struct tl_db *db, uint64_t id, struct tl_capture_row *row)
{
    return db->ops->capture_delete(db, id, row);
}

enum tl_db_rc tl_db_captures_before(struct tl_db *db, const char *before, uint64_t after,
                                    uint64_t *ids, unsigned max, unsigned *n)
{
    *n = 0;
    return OPTIONAL_OP(db, captures_before, db, before, after, ids, max, n);
}

enum tl_db_rc tl_db_flows_query(struct tl_db *db, const struct tl_flow_filter *f, tl_db_flow_cb cb,
                                void *arg)
{
    return db->ops->flows_query(db, f, cb, arg);
}

enum tl_db_rc tl_db_flow_get(struct tl_db *db, uint64_t id, struct tl_flow_ref *ref)
{
    return db->ops->flow_get(db, id, ref);
}

enum tl_db_rc tl_db_flow_stats(struct tl_db *db, const struct tl_flow_filter *f,
                               enum tl_group_key g, tl_db_stats_cb cb, void *arg)
{
    return db->ops->flow_stats(db, f, g, cb, arg);
}

bool tl_store_use_blobs(struct tl_store *s)
{
    if (!s->ops->blob_put) {
        return false;
    }
    s->blobs = true;
    return true;
}

bool tl_store_blobs(const struct tl_store *s)
{
    return s->blobs;
}

enum tl_db_rc tl_db_local_file(struct tl_db *db, const char *file, char *path, size_t size)
{
    const char *dir = db->store->data_dir;
    int n = snprintf(path, size, "%s/%s", dir, file);
    if (!file[0] || strchr(file, '/') || strcmp(file, ".") == 0 || strcmp(file, "..") == 0 ||
        n < 0 || (size_t)n >= size) {
        return TL_DB_NOT_FOUND;
    }
    if (access(path, R_OK) == 0) {
        return TL_DB_OK;
    }
    if (!db->store->blobs) {
        return TL_DB_NOT_FOUND;
    }
    /* fetched beside it under a name of this process's, then moved into place whole */
    char tmp[4096];
    n = snprintf(tmp, sizeof tmp, "%s/upload-%s-%ld-XXXXXX", dir, tl_host_tag(), (long)getpid());
    int fd = n > 0 && (size_t)n < sizeof tmp ? mkstemp(tmp) : -1;
    if (fd < 0) {
        return errno == ENOSPC ? TL_DB_FULL : TL_DB_ERROR;
    }
    close(fd);
    enum tl_db_rc rc = db->ops->blob_get(db, file, tmp);
    if (rc == TL_DB_OK && rename(tmp, path) != 0) {
        rc = TL_DB_ERROR;
    }
    if (rc != TL_DB_OK) {
        unlink(tmp);
    }
    return rc;
}

enum tl_db_rc tl_db_blob_put(struct tl_db *db, const char *name, const char *path)
{
    return OPTIONAL_OP(db, blob_put, db, name, path);
}

enum tl_db_rc tl_db_blob_delete(struct tl_db *db, const char *name)
{
    return OPTIONAL_OP(db, blob_delete, db, name);
}

const char *tl_db_data_dir(const struct tl_db *db)
{
    return db->store->data_dir;
}

enum tl_db_rc tl_db_flow_positions(struct tl_db *db, uint64_t flow_id, struct tl_buf *pos,
                                   struct tl_buf *layout, char file[64])
{
    return db->ops->flow_positions(db, flow_id, pos, layout, file);
}
