/*
 * jobs.h - background ingest jobs: a big upload (or one sent with Prefer: respond-async) is
 * answered 202 at once and decoded by the ingest pool while GET /api/v1/jobs/{id} tells how
 * far it has come. A job lives in memory while it runs (its progress) and in the store (its
 * row), so its outcome is known after a restart; jobs a stopped server left unfinished are
 * marked failed at the next start, never left "running".
 */
#ifndef TL_JOBS_H
#define TL_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "store.h"

struct tl_jobs;
struct tl_job;

/*
 * The table. A store of one server (SQLite): the jobs a previous run left unfinished are
 * marked failed. A store several servers share (PostgreSQL): each job is held under a lease of
 * lease_s seconds that tl_jobs_renew extends, and a job whose server stopped renewing is taken
 * over by another (tl_job_claim).
 */
struct tl_jobs *tl_jobs_new(struct tl_store *s, unsigned lease_s);
void tl_jobs_free(struct tl_jobs *j);

/* A new queued job for an upload of `size` bytes named `name`, with what a server taking it
 * over needs to run it (`options`, JSON text; shared stores); NULL with *rc on failure. */
struct tl_job *tl_job_create(struct tl_jobs *j, struct tl_db *db, const char *name, uint64_t size,
                             const char *options, enum tl_db_rc *rc);
/* Whether the store is shared (leases, claims), the lease, and this server's name in it. */
bool tl_jobs_shared(const struct tl_jobs *j);
unsigned tl_jobs_lease(const struct tl_jobs *j);
const char *tl_jobs_owner(const struct tl_jobs *j);
/* Every job this server holds keeps its lease (call every lease/3). */
void tl_jobs_renew(struct tl_jobs *j, struct tl_db *db);
/* Claims a job whose lease ran out, if any: the job (queued, this server's now) and its
 * options copied into options (at most len bytes); NULL when there is none or no room. */
struct tl_job *tl_job_claim(struct tl_jobs *j, struct tl_db *db, char *options, size_t len);
uint64_t tl_job_id(const struct tl_job *job);
const char *tl_job_name(const struct tl_job *job);
uint64_t tl_job_size(const struct tl_job *job);
/* The document of a job just created (queued, not yet handed to the pool) into buf, without
 * allocating: the 202's answer, which must not fail once the job exists. Its length, or 0 when
 * len is too small (TL_JOB_DOC_MAX always suffices). */
#define TL_JOB_DOC_MAX 2048
size_t tl_job_queued_json(const struct tl_job *job, char *buf, size_t len);
/* Where the ingest reports its progress. */
struct tl_ingest_progress *tl_job_progress(struct tl_job *job);
/* The ingest starts; false when another server has taken the job over already. */
bool tl_job_running(struct tl_jobs *j, struct tl_job *job, struct tl_db *db);
/* It ended: done (capture_id) or failed (error_code and message from the API's vocabulary).
 * False when another server took the job over meanwhile (its lease ran out): what this one
 * stored is not the job's, and the caller removes it. */
bool tl_job_finish(struct tl_jobs *j, struct tl_job *job, struct tl_db *db, uint64_t capture_id,
                   uint64_t packets, uint64_t flows, const char *error_code, const char *error);

/* The job document of GET /api/v1/jobs/{id} (malloc'ed JSON text), from memory while the
 * job is known there, else from the store; NULL with *rc (TL_DB_NOT_FOUND...) otherwise. */
char *tl_job_json(struct tl_jobs *j, struct tl_db *db, uint64_t id, enum tl_db_rc *rc);

#endif
