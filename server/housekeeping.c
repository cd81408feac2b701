/*
 * housekeeping.c - removing captures (see housekeeping.h): the one path from a capture id to
 * nothing left of it, and the retention sweep that takes it for every capture past its age.
 */
#include "housekeeping.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

#define SWEEP_BATCH       64     /* capture ids asked of the store at a time */
#define SWEEP_MAX_BATCHES 100000 /* a bound on one sweep, far above any real store */
#define INTERVAL_MAX_SEC  600.0
#define INTERVAL_MIN_SEC  1.0
#define US_PER_DAY        86400000000.0

enum tl_db_rc tl_capture_remove(struct tl_db *db, uint64_t id, struct tl_capture_row *row)
{
    enum tl_db_rc rc = tl_db_capture_delete(db, id, row);
    if (rc != TL_DB_OK) {
        return rc;
    }
    /* the rows are gone: the file follows (a name with a slash was never the server's) */
    const char *dir = tl_db_data_dir(db);
    char path[4096];
    if (row->file[0] && !strchr(row->file, '/') &&
        snprintf(path, sizeof path, "%s/%s", dir, row->file) < (int)sizeof path &&
        unlink(path) != 0 && errno != ENOENT) {
        tl_log("store: capture %" PRIu64 " deleted, but its file %s stays: %s", id, path,
               strerror(errno));
    }
    return TL_DB_OK;
}

static const char *rc_text(enum tl_db_rc rc)
{
    switch (rc) {
        case TL_DB_BUSY:
            return "the database is busy";
        case TL_DB_READONLY:
            return "the database is read-only";
        case TL_DB_FULL:
            return "the disk is full";
        default:
            return "a database error";
    }
}

/* Now less `days`, as tl_now_rfc3339 writes times (microseconds, UTC): the cut-off. */
static void cutoff(double days, char *buf, size_t size)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    int64_t now_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    int64_t cut = now_us - (int64_t)(days * US_PER_DAY);
    if (cut < 0) {
        cut = 0;
    }
    time_t sec = (time_t)(cut / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%06uZ", (unsigned)(cut % 1000000));
}

static uint64_t sweep(struct tl_store *s, double days, const atomic_bool *stop)
{
    if (!(days > 0)) {
        return 0;
    }
    struct tl_db *db = tl_store_db(s);
    if (!db) {
        tl_log("retention: no database connection: no sweep this time");
        return 0;
    }
    char before[48];
    cutoff(days, before, sizeof before);
    uint64_t after = 0, removed = 0;
    for (unsigned b = 0; b < SWEEP_MAX_BATCHES; b++) {
        uint64_t ids[SWEEP_BATCH];
        unsigned n = 0;
        enum tl_db_rc rc = tl_db_captures_before(db, before, after, ids, SWEEP_BATCH, &n);
        if (rc != TL_DB_OK) {
            tl_log("retention: cannot list the captures uploaded before %s: %s", before,
                   rc_text(rc));
            break;
        }
        for (unsigned i = 0; i < n; i++) {
            if (stop && atomic_load(stop)) {
                return removed;
            }
            after = ids[i];
            struct tl_capture_row row;
            rc = tl_capture_remove(db, ids[i], &row);
            if (rc == TL_DB_OK) {
                removed++;
                tl_metrics_retention_removed(1);
                tl_log("retention: removed capture %" PRIu64 " (%s), uploaded before %s", ids[i],
                       row.name, before);
            } else if (rc != TL_DB_NOT_FOUND) { /* NOT_FOUND: deleted meanwhile, by anyone */
                tl_log("retention: capture %" PRIu64 " stays until the next sweep: %s", ids[i],
                       rc_text(rc));
            }
        }
        if (n < SWEEP_BATCH) {
            break;
        }
    }
    return removed;
}

uint64_t tl_retention_sweep(struct tl_store *s, double days)
{
    return sweep(s, days, NULL);
}

double tl_retention_interval(double days)
{
    double sec = days * 86400.0 / 10.0;
    if (sec > INTERVAL_MAX_SEC) {
        sec = INTERVAL_MAX_SEC;
    }
    return sec < INTERVAL_MIN_SEC ? INTERVAL_MIN_SEC : sec;
}

struct tl_housekeeping {
    struct tl_store *store;
    double days;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    atomic_bool stop;
};

static void *housekeeping_main(void *arg)
{
    struct tl_housekeeping *h = arg;
    double interval = tl_retention_interval(h->days);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)interval;
        until.tv_nsec += (long)((interval - (double)(time_t)interval) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&h->lock);
        while (!atomic_load(&h->stop) &&
               pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT) {
        }
        pthread_mutex_unlock(&h->lock);
        if (atomic_load(&h->stop)) {
            break;
        }
        sweep(h->store, h->days, &h->stop);
    }
    tl_store_thread_done(h->store);
    return NULL;
}

struct tl_housekeeping *tl_housekeeping_start(struct tl_store *s, double days, char *err,
                                              size_t errlen)
{
    struct tl_housekeeping *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->store = s;
    h->days = days;
    atomic_init(&h->stop, false);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&h->lock, NULL);
    int e = pthread_create(&h->thread, NULL, housekeeping_main, h);
    if (e != 0) {
        snprintf(err, errlen, "cannot start the housekeeping thread: %s", strerror(e));
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
        free(h);
        return NULL;
    }
    return h;
}

void tl_housekeeping_stop(struct tl_housekeeping *h)
{
    if (!h) {
        return;
    }
    pthread_mutex_lock(&h->lock);
    atomic_store(&h->stop, true);
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
