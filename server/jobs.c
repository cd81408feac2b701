/*
 * jobs.c - background ingest jobs (see jobs.h). The table holds the jobs of this run, at most
 * MAX_JOBS; when it is full, the oldest finished job makes room (its row stays in the store).
 */
#include "jobs.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_JOBS 256

enum job_state { JOB_QUEUED = 0, JOB_RUNNING, JOB_DONE, JOB_FAILED };
static const char *const state_names[] = { "queued", "running", "done", "failed" };

struct tl_job {
    bool used;
    uint64_t id;
    enum job_state state;
    char name[256];
    uint64_t size_bytes;
    struct tl_ingest_progress progress;
    struct timespec started; /* monotonic, when it began running */
    uint64_t capture_id, packets, flows;
    char error_code[40], error[512];
    char created_at[40], finished_at[40];
};

struct tl_jobs {
    pthread_mutex_t lock;
    bool shared;
    unsigned lease_s;
    char owner[96]; /* this server, among those sharing the store: host, process, start */
    struct tl_job slots[MAX_JOBS];
};

struct tl_jobs *tl_jobs_new(struct tl_store *s, unsigned lease_s)
{
    struct tl_jobs *j = calloc(1, sizeof *j);
    if (!j) {
        return NULL;
    }
    pthread_mutex_init(&j->lock, NULL);
    j->lease_s = lease_s ? lease_s : 30;
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    snprintf(j->owner, sizeof j->owner, "%.60s/%ld/%lld.%09ld", host, (long)getpid(),
             (long long)t.tv_sec, t.tv_nsec);
    struct tl_db *db = tl_store_db(s);
    j->shared = db && tl_db_jobs_shared(db);
    char now[40];
    tl_now_rfc3339(now, sizeof now);
    uint64_t n = 0;
    if (db && !j->shared &&
        tl_db_jobs_abandon(db,
                           "the server stopped before this job finished: nothing of it "
                           "was stored; upload the file again",
                           now, &n) == TL_DB_OK &&
        n > 0) {
        tl_log("jobs: %llu job(s) left unfinished by the previous run marked failed",
               (unsigned long long)n);
    }
    return j;
}

void tl_jobs_free(struct tl_jobs *j)
{
    if (j) {
        pthread_mutex_destroy(&j->lock);
        free(j);
    }
}

/* A free slot, or the oldest finished job's (lock held); NULL when every job is live. */
static struct tl_job *slot(struct tl_jobs *j)
{
    struct tl_job *oldest = NULL;
    for (size_t i = 0; i < MAX_JOBS; i++) {
        struct tl_job *s = &j->slots[i];
        if (!s->used) {
            return s;
        }
        if ((s->state == JOB_DONE || s->state == JOB_FAILED) && (!oldest || s->id < oldest->id)) {
            oldest = s;
        }
    }
    return oldest;
}

/*
 * The slot is taken first, then the row is written: when every slot holds a live job no row is
 * written at all (a row without a job would stay "queued" until the next start), and when the
 * row cannot be written the slot is given back. A taken slot has id 0 until then: no lookup
 * finds it and slot() does not hand it out again (it is queued).
 */
bool tl_jobs_shared(const struct tl_jobs *j)
{
    return j->shared;
}

unsigned tl_jobs_lease(const struct tl_jobs *j)
{
    return j->lease_s;
}

const char *tl_jobs_owner(const struct tl_jobs *j)
{
    return j->owner;
}

void tl_jobs_renew(struct tl_jobs *j, struct tl_db *db)
{
    if (j->shared && db && tl_db_jobs_renew(db, j->owner, j->lease_s) != TL_DB_OK) {
        tl_log("jobs: the leases of this server's jobs could not be renewed");
    }
}

struct claim_ctx {
    struct tl_job_row row;
    char state[16], name[256], created_at[40];
    char *options;
    size_t len;
    bool got;
};

static void claimed(void *arg, const struct tl_job_row *r)
{
    struct claim_ctx *c = arg;
    c->row = *r;
    snprintf(c->name, sizeof c->name, "%s", r->name ? r->name : "");
    snprintf(c->created_at, sizeof c->created_at, "%s", r->created_at ? r->created_at : "");
    snprintf(c->options, c->len, "%s", r->options ? r->options : "");
    c->got = true;
}

struct tl_job *tl_job_claim(struct tl_jobs *j, struct tl_db *db, char *options, size_t len)
{
    if (!j->shared || !db || !len) {
        return NULL;
    }
    /* a slot first: a job claimed without room here would wait for its lease to run out */
    pthread_mutex_lock(&j->lock);
    struct tl_job *job = slot(j);
    if (job) {
        memset(job, 0, sizeof *job);
        job->used = true; /* id 0: not found by lookups, not handed out again (queued) */
        job->state = JOB_QUEUED;
    }
    pthread_mutex_unlock(&j->lock);
    if (!job) {
        return NULL;
    }
    struct claim_ctx c = { .options = options, .len = len };
    enum tl_db_rc rc = tl_db_job_claim(db, j->owner, j->lease_s, claimed, &c);
    pthread_mutex_lock(&j->lock);
    if (rc == TL_DB_OK && c.got) {
        job->id = c.row.id;
        snprintf(job->name, sizeof job->name, "%s", c.name);
        job->size_bytes = c.row.size_bytes;
        snprintf(job->created_at, sizeof job->created_at, "%s", c.created_at);
    } else {
        job->used = false;
        job = NULL;
    }
    pthread_mutex_unlock(&j->lock);
    if (rc != TL_DB_OK && rc != TL_DB_NOT_FOUND) {
        tl_log("jobs: could not look for jobs to take over");
    }
    return job;
}

struct tl_job *tl_job_create(struct tl_jobs *j, struct tl_db *db, const char *name, uint64_t size,
                             const char *options, enum tl_db_rc *rc)
{
    char now[40];
    tl_now_rfc3339(now, sizeof now);
    pthread_mutex_lock(&j->lock);
    struct tl_job *job = slot(j);
    if (job) {
        memset(job, 0, sizeof *job);
        job->used = true;
        job->state = JOB_QUEUED;
        snprintf(job->name, sizeof job->name, "%s", name);
        job->size_bytes = size;
        snprintf(job->created_at, sizeof job->created_at, "%s", now);
    }
    pthread_mutex_unlock(&j->lock);
    if (!job) {
        *rc = TL_DB_BUSY; /* MAX_JOBS jobs queued or running: the caller answers 503 */
        return NULL;
    }
    struct tl_job_row row = {
        .state = state_names[JOB_QUEUED],
        .name = name,
        .size_bytes = size,
        .created_at = now,
        .owner = j->shared ? j->owner : NULL,
        .options = j->shared ? options : NULL,
        .lease_s = j->lease_s,
    };
    uint64_t id = 0;
    *rc = tl_db_job_create(db, &row, &id);
    pthread_mutex_lock(&j->lock);
    if (*rc == TL_DB_OK) {
        job->id = id;
    } else {
        job->used = false;
        job = NULL;
    }
    pthread_mutex_unlock(&j->lock);
    return job;
}

uint64_t tl_job_id(const struct tl_job *job)
{
    return job->id;
}

const char *tl_job_name(const struct tl_job *job)
{
    return job->name;
}

uint64_t tl_job_size(const struct tl_job *job)
{
    return job->size_bytes;
}

size_t tl_job_queued_json(const struct tl_job *job, char *buf, size_t len)
{
    char name[sizeof job->name * 6];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)job->name; *p; p++) {
        if (*p == '"' || *p == '\\') {
            name[k++] = '\\';
            name[k++] = (char)*p;
        } else if (*p < 0x20) {
            k += (size_t)snprintf(name + k, sizeof name - k, "\\u%04x", *p);
        } else {
            name[k++] = (char)*p;
        }
    }
    name[k] = '\0';
    int n = snprintf(buf, len,
                     "{\"id\":%llu,\"state\":\"%s\",\"name\":\"%s\",\"size_bytes\":%llu,"
                     "\"bytes_done\":0,\"packets\":0,\"flows\":0,\"eta_s\":null,\"capture\":null,"
                     "\"location\":null,\"error\":null,\"created_at\":\"%s\",\"finished_at\":null}",
                     (unsigned long long)job->id, state_names[JOB_QUEUED], name,
                     (unsigned long long)job->size_bytes, job->created_at);
    return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

struct tl_ingest_progress *tl_job_progress(struct tl_job *job)
{
    return &job->progress;
}

/* The job's row updated from its state; false when another server has taken the job over
 * (its lease ran out): the slot is given up, and GET reads the job from the store. */
static bool store_row(struct tl_jobs *j, struct tl_db *db, struct tl_job *job)
{
    struct tl_job_row row = {
        .id = job->id,
        .state = state_names[job->state],
        .packets = job->packets,
        .flows = job->flows,
        .capture_id = job->capture_id,
        .error_code = job->error_code[0] ? job->error_code : NULL,
        .error = job->error[0] ? job->error : NULL,
        .finished_at = job->finished_at[0] ? job->finished_at : NULL,
        .owner = j->shared ? j->owner : NULL,
    };
    enum tl_db_rc rc = db ? tl_db_job_update(db, &row) : TL_DB_ERROR;
    if (rc == TL_DB_NOT_FOUND && j->shared) {
        tl_log("jobs: job %llu was taken over by another server (this one's lease ran out)",
               (unsigned long long)job->id);
        pthread_mutex_lock(&j->lock);
        job->used = false;
        pthread_mutex_unlock(&j->lock);
        return false;
    }
    if (rc != TL_DB_OK) {
        tl_log("jobs: job %llu: its state could not be stored", (unsigned long long)job->id);
    }
    return true;
}

bool tl_job_running(struct tl_jobs *j, struct tl_job *job, struct tl_db *db)
{
    pthread_mutex_lock(&j->lock);
    job->state = JOB_RUNNING;
    clock_gettime(CLOCK_MONOTONIC, &job->started);
    pthread_mutex_unlock(&j->lock);
    return store_row(j, db, job);
}

bool tl_job_finish(struct tl_jobs *j, struct tl_job *job, struct tl_db *db, uint64_t capture_id,
                   uint64_t packets, uint64_t flows, const char *error_code, const char *error)
{
    pthread_mutex_lock(&j->lock);
    job->state = error_code ? JOB_FAILED : JOB_DONE;
    job->capture_id = capture_id;
    job->packets = packets;
    job->flows = flows;
    snprintf(job->error_code, sizeof job->error_code, "%s", error_code ? error_code : "");
    snprintf(job->error, sizeof job->error, "%s", error ? error : "");
    tl_now_rfc3339(job->finished_at, sizeof job->finished_at);
    pthread_mutex_unlock(&j->lock);
    return store_row(j, db, job);
}

static json_t *text_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

/* The document from a row (a job's own state, or the store's). */
static json_t *job_doc(const struct tl_job_row *r, uint64_t bytes_done, double eta_s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)r->id));
    json_object_set_new(o, "state", json_string(r->state));
    json_object_set_new(o, "name", json_string(r->name ? r->name : ""));
    json_object_set_new(o, "size_bytes", json_integer((json_int_t)r->size_bytes));
    json_object_set_new(o, "bytes_done", json_integer((json_int_t)bytes_done));
    json_object_set_new(o, "packets", json_integer((json_int_t)r->packets));
    json_object_set_new(o, "flows", json_integer((json_int_t)r->flows));
    json_object_set_new(o, "eta_s", eta_s >= 0 ? json_real(eta_s) : json_null());
    json_object_set_new(o, "capture",
                        r->capture_id ? json_integer((json_int_t)r->capture_id) : json_null());
    if (r->capture_id) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/captures/%llu", (unsigned long long)r->capture_id);
        json_object_set_new(o, "location", json_string(loc));
    } else {
        json_object_set_new(o, "location", json_null());
    }
    if (r->error_code && r->error_code[0]) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(r->error_code));
        json_object_set_new(e, "message", json_string(r->error ? r->error : ""));
        json_object_set_new(o, "error", e);
    } else {
        json_object_set_new(o, "error", json_null());
    }
    json_object_set_new(o, "created_at", text_or_null(r->created_at));
    json_object_set_new(o, "finished_at", text_or_null(r->finished_at));
    return o;
}

struct get_ctx {
    json_t *doc;
};

static void from_store(void *arg, const struct tl_job_row *r)
{
    struct get_ctx *c = arg;
    bool done = strcmp(r->state, "done") == 0;
    c->doc = job_doc(r, done ? r->size_bytes : 0, -1);
}

char *tl_job_json(struct tl_jobs *j, struct tl_db *db, uint64_t id, enum tl_db_rc *rc)
{
    json_t *doc = NULL;
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < MAX_JOBS && !doc; i++) {
        const struct tl_job *job = &j->slots[i];
        if (!job->used || job->id != id) {
            continue;
        }
        uint64_t packets = job->packets, flows = job->flows;
        uint64_t bytes = job->state == JOB_DONE ? job->size_bytes : 0;
        double eta = -1;
        if (job->state == JOB_RUNNING) {
            packets = atomic_load(&job->progress.packets);
            flows = atomic_load(&job->progress.flows);
            bytes = atomic_load(&job->progress.bytes);
            bytes = bytes > job->size_bytes ? job->size_bytes : bytes;
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double secs = (double)(now.tv_sec - job->started.tv_sec) +
                          (double)(now.tv_nsec - job->started.tv_nsec) / 1e9;
            if (bytes > 0 && secs > 0) { /* at the rate so far */
                eta = (double)(job->size_bytes - bytes) / ((double)bytes / secs);
            }
        }
        struct tl_job_row r = {
            .id = job->id,
            .state = state_names[job->state],
            .name = job->name,
            .size_bytes = job->size_bytes,
            .packets = packets,
            .flows = flows,
            .capture_id = job->capture_id,
            .error_code = job->error_code,
            .error = job->error,
            .created_at = job->created_at,
            .finished_at = job->finished_at,
        };
        doc = job_doc(&r, bytes, eta);
    }
    pthread_mutex_unlock(&j->lock);
    *rc = TL_DB_OK;
    if (!doc) {
        struct get_ctx c = { 0 };
        *rc = db ? tl_db_job_get(db, id, from_store, &c) : TL_DB_ERROR;
        doc = c.doc;
    }
    if (!doc) {
        if (*rc == TL_DB_OK) {
            *rc = TL_DB_ERROR;
        }
        return NULL;
    }
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(doc);
    if (!text) {
        *rc = TL_DB_ERROR;
    }
    return text;
}
