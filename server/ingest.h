/*
 * ingest.h - an uploaded file (already streamed to a private temporary file) decoded and
 * stored in one transaction, then kept under the data directory as capture-ID.EXT.
 */
#ifndef TL_INGEST_H
#define TL_INGEST_H

#include <stdatomic.h>
#include <stdint.h>

#include "flow.h"
#include "store.h"

enum tl_ingest_status {
    TL_INGEST_OK = 0,
    TL_INGEST_NOT_CAPTURE, /* 415: libpcap does not recognise it */
    TL_INGEST_UNREADABLE,  /* 422: recognised, cannot be read */
    TL_INGEST_BUSY,        /* 503: the write lock did not come within busy_wait_ms */
    TL_INGEST_READONLY,    /* 503: the database cannot be written */
    TL_INGEST_DISK_FULL,   /* 507 */
    TL_INGEST_FAILED,      /* 500: storage or memory failure */
    TL_INGEST_BAD_FILTER,  /* 400: libpcap cannot compile the filter for this capture */
    TL_INGEST_TOO_LARGE,   /* 413: it decompresses past a limit */
    TL_INGEST_DUPLICATE,   /* 200: the same capture is stored already (capture_id is it) */
    TL_INGEST_TAKEN_OVER,  /* a job another server took over: nothing was stored */
};

struct tl_ingest_result {
    enum tl_ingest_status status;
    uint64_t capture_id;
    uint64_t packets, tcp_packets, flows;
    char message[512];
};

/* How far an ingest has come, read by other threads while it runs (a background job). */
struct tl_ingest_progress {
    _Atomic uint64_t packets, flows;
    _Atomic uint64_t bytes; /* of the file, about: records read and their headers */
};

struct tl_ingest_opts {
    uint64_t max_flows;            /* live flows held while decoding */
    enum tl_cksum_mode cksum_mode; /* what a bad checksum means for the connections */
    unsigned busy_wait_ms;         /* waiting for the write lock (another process): then BUSY */
    const char *filter;            /* BPF expression records are kept by, or NULL */
    uint64_t max_decompressed;     /* a compressed upload's decompressed bytes, at most (0: none) */
    const char *sha256;            /* of the uploaded bytes (hex), for duplicates; NULL: unknown */
    bool keep_duplicate;           /* store it even when the same capture is stored already */
    struct tl_ingest_progress *progress; /* or NULL */
    uint64_t job_id;       /* a job in a shared store: marked done with the commit, ... */
    const char *job_owner; /* ... only while this server holds it (TL_INGEST_TAKEN_OVER) */
};

/*
 * Decode `tmp_path` and store it as capture `name` (size_bytes as uploaded). On success the
 * file is renamed into the data directory; on failure it is left for the caller to remove.
 * A gzip or zstd upload is stored decompressed (written beside it while it is decoded; the
 * caller removes tmp_path as always).
 */
void tl_ingest(struct tl_store *s, const struct tl_ingest_opts *opts, const char *tmp_path,
               const char *name, uint64_t size_bytes, struct tl_ingest_result *res);

/*
 * Captures stored by a server older than schema version 9 (packet rows, no positions): each
 * is read again from its stored file by the same decoder, and its flows' positions and its
 * layout are stored in one transaction, its packet rows removed. Run once at start-up,
 * before requests are served; a capture whose file cannot be read is logged and left.
 */
void tl_ingest_upgrade(struct tl_store *s, uint64_t max_flows);

#endif
