/*
 * server.h - tcplensd's HTTP side: configuration, start, stop.
 */
#ifndef TL_SERVER_H
#define TL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct tl_server_config {
    const char *listen; /* ADDR:PORT, [V6]:PORT */
    const char *db;
    const char *data_dir;
    const char *web_dir;
    const char *examples_dir;
    uint64_t max_upload;
    unsigned threads;
    const char *const *api_keys;  /* NULL-terminated; none: writes from loopback only */
    const char *const *read_keys; /* NULL-terminated; none: reads open to all */
    const char *cors_origin;
    const char *tls_cert, *tls_key;
    uint64_t max_flows;          /* live flows while decoding one upload */
    unsigned connection_limit;   /* open connections in all */
    unsigned per_ip_limit;       /* open connections per client address */
    unsigned uploads_per_ip;     /* uploads one client address may send at once */
    unsigned reserve_conns;      /* of connection_limit, for requests that end quickly */
    unsigned idle_timeout;       /* seconds a connection may stay silent */
    uint64_t conn_memory;        /* bytes of request buffers per connection */
    unsigned shutdown_grace_sec; /* how long in-flight requests get to finish */
    unsigned header_timeout;     /* seconds for the request line and headers (0: none) */
    uint64_t min_body_rate;      /* bytes/s an upload's body must keep up (0: none) */
    unsigned ingest_threads;     /* threads that decode and store uploads */
    unsigned ingest_queue;       /* uploads waiting for them, at most (then 503) */
    unsigned busy_wait_ms;       /* how long an upload waits for the database's write lock */
    bool keep_duplicates;        /* uploads without ?duplicate=: store a file stored before */
    uint64_t async_above;        /* bodies larger become background jobs (202; 0: never) */
    unsigned job_lease;          /* seconds a job's claim holds in a shared store (PostgreSQL) */
};

struct tl_server;

/* Start listening; NULL with the reason in err on failure. */
struct tl_server *tl_server_start(const struct tl_server_config *cfg, struct tl_store *store,
                                  char *err, size_t errlen);
/* The port actually bound (for --listen ...:0). */
unsigned tl_server_port(const struct tl_server *s);
/* Stop accepting, let in-flight requests finish (up to the grace period), stop. */
void tl_server_stop(struct tl_server *s);

#endif
