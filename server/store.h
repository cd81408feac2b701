/*
 * store.h - where captures, flows and packets live. The rest of the server speaks to the
 * store only through these functions and plain values: no SQL, no database type.
 *
 * One struct tl_store per process (the database and the data directory); each thread gets
 * its own connection through tl_store_db(). Behind the functions is a backend, a struct of
 * operations (store_backend.h): SQLite (store_sqlite.c) is the one built today, chosen for
 * any --db that is a file path. A second backend is a new file with its own ops table.
 *
 * An upload is one transaction: tl_db_upload_begin .. add flows (with their packets'
 * positions in the stored file) ..
 * tl_db_upload_commit (or _rollback). Nothing of it is visible before the commit.
 */
#ifndef TL_STORE_H
#define TL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct tl_store;
struct tl_db;

enum tl_db_rc {
    TL_DB_OK = 0,
    TL_DB_NOT_FOUND,
    TL_DB_BUSY,      /* locked past the busy timeout */
    TL_DB_READONLY,  /* the database (or its directory) cannot be written */
    TL_DB_FULL,      /* the disk is full */
    TL_DB_ERROR,     /* anything else: logged with the backend's message */
    TL_DB_DUPLICATE, /* upload_begin: the same capture is stored already (its id returned) */
    TL_DB_TOO_SLOW,  /* a list or stats query ran past the store's query budget */
};

/*
 * Open (creating when absent) the database `uri` (a file path: SQLite), apply pending
 * migrations, and remove what a crash left behind in `data_dir` (temporary upload files,
 * capture files without a committed row). On failure returns NULL with the reason in err.
 */
struct tl_store *tl_store_open(const char *uri, const char *data_dir, char *err, size_t errlen);
/* How long one flow list or stats query may run (0: no limit; default 10 s): past it the
 * query stops with TL_DB_TOO_SLOW, so that no question holds a worker for long. */
void tl_store_set_query_budget(struct tl_store *s, unsigned ms);
/* The backend's name ("sqlite"). */
const char *tl_store_backend(const struct tl_store *s);
void tl_store_close(struct tl_store *s);
const char *tl_store_data_dir(const struct tl_store *s);
/* The same, from a connection. */
const char *tl_db_data_dir(const struct tl_db *db);
/* This machine's name, letters and digits only, for temporary files in a data directory that
 * other servers may share (upload-HOST-PID-...). */
const char *tl_host_tag(void);
/*
 * Capture files in the database (tcplensd --blob-store db; PostgreSQL): a capture's file is
 * written into the database with its commit and deleted with it, so servers sharing the
 * database need no shared directory. --data-dir is then each server's cache: a file missing
 * there is fetched whole from the database on first use (tl_db_local_file). False when the
 * backend cannot keep files.
 */
bool tl_store_use_blobs(struct tl_store *s);
bool tl_store_blobs(const struct tl_store *s);
/* The path of `file` (a name within the data directory) in path; with files in the database,
 * fetched into the data directory first when it is not there. TL_DB_NOT_FOUND: no such file. */
enum tl_db_rc tl_db_local_file(struct tl_db *db, const char *file, char *path, size_t size);
/* Keep the file at path in the database as `name` (its own transaction); drop one. */
enum tl_db_rc tl_db_blob_put(struct tl_db *db, const char *name, const char *path);
enum tl_db_rc tl_db_blob_delete(struct tl_db *db, const char *name);
/* The schema version after migration (the highest schema/NNN_*.sql applied). */
int tl_store_version(const struct tl_store *s);

/* This thread's connection (opened on first use; NULL when it cannot be opened). */
struct tl_db *tl_store_db(struct tl_store *s);
/* Close this thread's connection, if any (threads call it before they end). */
void tl_store_thread_done(struct tl_store *s);

/* How long this thread's connection waits for a lock before TL_DB_BUSY (default 2000 ms). */
void tl_db_busy_timeout(struct tl_db *db, unsigned ms);

/* Is the database answering? */
bool tl_db_ping(struct tl_db *db);

/* --- one upload ------------------------------------------------------------------------ */

struct tl_upload_info {
    const char *name;
    const char *format; /* "pcap" / "pcapng" */
    uint64_t size_bytes;
    const char *uploaded_at; /* RFC 3339 */
    const char *sha256;      /* of the bytes as uploaded, 64 hex digits ("" when unknown) */
    const char *filter;      /* the BPF expression kept ("" for none) */
    bool keep_duplicate;     /* store it even when the same capture is stored already */
};

/*
 * Start the upload's transaction: reserves the capture id and the first flow id. When a
 * capture with the same sha256 and filter is stored and keep_duplicate is false, nothing is
 * begun: TL_DB_DUPLICATE with that capture's id in *capture_id.
 */
enum tl_db_rc tl_db_upload_begin(struct tl_db *db, const struct tl_upload_info *u,
                                 uint64_t *capture_id, uint64_t *flow_base);
/* A flow's columns: what every filter of GET /api/v1/flows needs. */
struct tl_flow_row {
    uint64_t id, capture_id, index;
    uint8_t ip_version;
    uint8_t client_ip[16], server_ip[16]; /* IPv4 as ::ffff:a.b.c.d */
    uint16_t client_port, server_port;
    int64_t first_ns, last_ns; /* since the Unix epoch */
    const char *handshake, *teardown, *conn_state, *history;
    unsigned completeness;
    uint64_t packets, bytes;
    bool nsec;          /* its capture has nanosecond timestamps */
    uint8_t cksum_mode; /* enum tl_cksum_mode it was classified under */
    int64_t rtt_us;     /* the handshake's round trip, -1 when unknown */
    /* the tunnel path: kinds and VLAN ids as ",a,b," ("" for none), the first VNI (-1 none),
     * the outermost IP tunnel's addresses (outer_version 0: none) */
    char tunnels[128], vlans[64];
    int64_t vni;
    uint8_t outer_version;
    uint8_t outer_src[16], outer_dst[16];
    int64_t duration_ns;
    uint64_t retrans_packets, retrans_bytes;
    /* Zeek's name of its protocol (track/service.h), NULL when unsure */
    const char *service;
    /* where its packets are in the capture file (track/positions.h) */
    const uint8_t *pos;
    size_t pos_len;
};
/* A flow, once ended. */
enum tl_db_rc tl_db_add_flow(struct tl_db *db, const struct tl_flow_row *row);
/* What an upload ends with: the stored file's name and layout (decoder seek.h), the
 * capture's document and counters, and its flows' ids. */
struct tl_upload_done {
    const char *file;
    const uint8_t *layout;
    size_t layout_len;
    const char *doc;
    uint64_t packets, flows;
    bool truncated;
    uint64_t first_flow, last_flow;
    /* a background job in a shared store (tl_db_jobs_shared): it is marked done in the same
     * transaction, only while job_owner holds it; otherwise nothing is committed and the
     * answer is TL_DB_NOT_FOUND (another server took the job over) */
    uint64_t job_id;
    const char *job_owner;
    /* with the files in the database (tl_store_blobs): the file to keep there as `file`, in the
     * same transaction */
    const char *blob_path;
};
/* Finish: the capture's row, its groups, the flow-id counter, then COMMIT. */
enum tl_db_rc tl_db_upload_commit(struct tl_db *db, uint64_t capture_id,
                                  const struct tl_upload_done *d);
void tl_db_upload_rollback(struct tl_db *db);

/* --- captures stored before packet positions --------------------------------------------- */

/* A capture stored by a server older than schema version 9: packet rows, no layout. */
struct tl_legacy_capture {
    uint64_t id;
    char file[64];     /* its stored file within the data directory */
    char filter[4096]; /* the BPF expression it was stored with ("" for none) */
    uint64_t first_flow, flows;
    uint8_t cksum_mode; /* enum tl_cksum_mode its flows were classified under */
};
/* The first such capture with an id above `after` (TL_DB_NOT_FOUND: none is left). */
enum tl_db_rc tl_db_legacy_next(struct tl_db *db, uint64_t after, struct tl_legacy_capture *c);
/* One flow's positions (track/positions.h). */
struct tl_flow_positions {
    uint64_t id;
    const uint8_t *pos;
    size_t len;
};
/* In one transaction: the capture's layout and its flows' positions; its packet rows go. */
enum tl_db_rc tl_db_legacy_store(struct tl_db *db, uint64_t capture_id, const uint8_t *layout,
                                 size_t layout_len, const struct tl_flow_positions *flows,
                                 size_t n);

/* --- background jobs --------------------------------------------------------------------- */

/* A job's row: its state ("queued", "running", "done", "failed") and what it came to. */
struct tl_job_row {
    uint64_t id;
    const char *state, *name;
    uint64_t size_bytes, packets, flows;
    uint64_t capture_id;            /* 0: none */
    const char *error_code, *error; /* NULL when none */
    const char *created_at, *finished_at;
    /* stores shared by several servers (tl_db_jobs_shared) */
    const char *owner;   /* the server that runs the job */
    const char *options; /* what the upload asked for (JSON text), for a server taking over */
    unsigned lease_s;    /* job_create: how long the owner's claim holds unless renewed */
};
typedef void (*tl_db_job_cb)(void *arg, const struct tl_job_row *row);
/* A new job (row->id is assigned and returned in *id). */
enum tl_db_rc tl_db_job_create(struct tl_db *db, const struct tl_job_row *row, uint64_t *id);
/* A job's new state and results (by row->id). In a shared store only while row->owner still
 * holds it: TL_DB_NOT_FOUND when another server has taken it over. */
enum tl_db_rc tl_db_job_update(struct tl_db *db, const struct tl_job_row *row);
/*
 * Jobs in a store several servers share (PostgreSQL): each job has an owner and a lease the
 * owner renews while it works; a job whose lease ran out (its server stopped or was killed) is
 * claimed by another server, one at a time (FOR UPDATE SKIP LOCKED). A store of one server
 * (SQLite) has neither: its unfinished jobs fail at the next start (tl_db_jobs_abandon).
 */
bool tl_db_jobs_shared(const struct tl_db *db);
/* Every job `owner` holds keeps it lease_s seconds more. */
enum tl_db_rc tl_db_jobs_renew(struct tl_db *db, const char *owner, unsigned lease_s);
/* Claims for `owner` the oldest queued or running job whose lease ran out, and passes its row
 * (with options) to cb; TL_DB_NOT_FOUND when there is none. */
enum tl_db_rc tl_db_job_claim(struct tl_db *db, const char *owner, unsigned lease_s,
                              tl_db_job_cb cb, void *arg);
/* One job (strings valid during cb). */
enum tl_db_rc tl_db_job_get(struct tl_db *db, uint64_t id, tl_db_job_cb cb, void *arg);
/* At start-up: every job still queued or running failed with `why`; how many in *n. */
enum tl_db_rc tl_db_jobs_abandon(struct tl_db *db, const char *why, const char *at, uint64_t *n);

/* --- annotations ------------------------------------------------------------------------ */

/* A teacher's note on a capture, a flow (flow_id != 0) or one packet of it (has_packet). */
struct tl_annotation {
    uint64_t id, capture_id, flow_id;
    bool has_packet;
    uint64_t packet;
    const char *author, *text, *created_at;
};

/* Store a (its id is assigned and returned in *id). */
enum tl_db_rc tl_db_annotation_add(struct tl_db *db, const struct tl_annotation *a, uint64_t *id);
/* The notes of a capture (flow_id 0: all of its notes, flows' and packets' too) or of one flow
 * (its own and its packets'), oldest first; cb may return false to stop. */
typedef bool (*tl_db_annotation_cb)(void *arg, const struct tl_annotation *a);
enum tl_db_rc tl_db_annotations_list(struct tl_db *db, uint64_t capture_id, uint64_t flow_id,
                                     tl_db_annotation_cb cb, void *arg);
/* Delete one note (TL_DB_NOT_FOUND when there is none). Strings given to cb above are valid
 * during the call only. */
enum tl_db_rc tl_db_annotation_delete(struct tl_db *db, uint64_t id);

/* --- reading ---------------------------------------------------------------------------- */

struct tl_capture_row {
    uint64_t id;
    char file[64]; /* name of the stored file within the data directory */
    char name[256];
    uint64_t first_flow, last_flow;
    uint64_t flows;
};

/* The capture's document (its JSON object) appended to out, and its row when row != NULL. */
enum tl_db_rc tl_db_capture_get(struct tl_db *db, uint64_t id, struct tl_buf *out,
                                struct tl_capture_row *row);
/* Captures newest first, ids below `before` (0: from the newest); each document to cb. */
typedef void (*tl_db_doc_cb)(void *arg, uint64_t id, const char *doc, size_t len);
enum tl_db_rc tl_db_captures_list(struct tl_db *db, uint64_t before, unsigned limit,
                                  tl_db_doc_cb cb, void *arg);
/* Delete a capture, its flows, packets and annotations (one transaction); row gets its file
 * name. */
enum tl_db_rc tl_db_capture_delete(struct tl_db *db, uint64_t id, struct tl_capture_row *row);
/* Retention: the ids of the captures uploaded before `before` (RFC 3339 UTC as
 * tl_now_rfc3339 writes it; compared as text) with an id above `after`, lowest first, at most
 * `max` of them into ids and their number into *n (fewer than max: there are no more). */
enum tl_db_rc tl_db_captures_before(struct tl_db *db, const char *before, uint64_t after,
                                    uint64_t *ids, unsigned max, unsigned *n);

/* The filters of GET /api/v1/flows; zero/false fields do not filter. */
struct tl_addr_range {
    bool set;
    uint8_t version;        /* 4 or 6: an IPv6 prefix never matches an IPv4 flow */
    uint8_t lo[16], hi[16]; /* IPv4 as ::ffff:a.b.c.d */
};
#define TL_FLOW_PORTS_MAX 16

/* What a flow list is ordered by (then by id); every key but id may be unknown (NULL), and
 * unknown values come last in either direction. */
enum tl_sort_key {
    TL_SORT_ID = 0,
    TL_SORT_FIRST_TS,
    TL_SORT_DURATION,
    TL_SORT_RTT, /* the handshake's round trip, SYN to the ACK of the SYN-ACK */
    TL_SORT_BYTES,
    TL_SORT_PACKETS,
    TL_SORT_RETRANS,       /* retransmitted packets, both directions */
    TL_SORT_RETRANS_BYTES, /* retransmitted payload bytes, both directions */
    TL_SORT_COUNT
};

struct tl_flow_filter {
    struct tl_addr_range host, client, server;
    int port, client_port, server_port; /* -1: any */
    unsigned n_ports;                   /* port=a,b: more than one port, any of them */
    uint16_t ports[TL_FLOW_PORTS_MAX];
    const char *handshake, *teardown, *conn_state;
    const char *service; /* "a,b": any of them */
    /* the tunnel path: a kind on it (list), a VLAN id on it (list), the first VNI, either outer
     * address of the outermost IP tunnel */
    const char *tunnel_kinds, *vlans;
    bool vni_set;
    uint32_t vni;
    struct tl_addr_range outer;
    uint64_t capture;
    bool since_set, until_set;
    int64_t since_ns, until_ns;
    /* ranges: at least this much (0: any; a flow without a handshake RTT has none) */
    int64_t min_rtt_us, min_retrans, min_bytes, min_duration_us;
    /* order, and the keyset cursor: after (after_value, after_id) in that order */
    enum tl_sort_key sort;
    bool desc;
    bool after_set, after_null; /* after_null: the cursor is in the unknown values */
    int64_t after_value;
    uint64_t after_id;
    unsigned limit;
};

struct tl_flow_ref {
    uint64_t id, capture_id, index;
    bool nsec;          /* its capture has nanosecond timestamps */
    uint8_t cksum_mode; /* enum tl_cksum_mode it was stored under, or as a read asks */
    char service[16];   /* the service guessed at upload, "" when none */
    bool sort_null;     /* the value of the list's sort key: unknown, or sort_value */
    int64_t sort_value;
};
/* Matching flows in the filter's order; cb may return false to stop. */
typedef bool (*tl_db_flow_cb)(void *arg, const struct tl_flow_ref *ref);
enum tl_db_rc tl_db_flows_query(struct tl_db *db, const struct tl_flow_filter *f, tl_db_flow_cb cb,
                                void *arg);
enum tl_db_rc tl_db_flow_get(struct tl_db *db, uint64_t id, struct tl_flow_ref *ref);

/* Totals of the matching flows grouped by one column (GET /api/v1/stats). */
enum tl_group_key {
    TL_GROUP_CONN_STATE = 0,
    TL_GROUP_HANDSHAKE,
    TL_GROUP_TEARDOWN,
    TL_GROUP_SERVICE,
    TL_GROUP_SERVER_PORT,
    TL_GROUP_CAPTURE,
    TL_GROUP_COUNT
};
struct tl_stats_row {
    const char *key; /* the group's value as text; NULL for flows without one (service) */
    uint64_t flows, packets, bytes, retrans_packets, retrans_bytes;
};
typedef bool (*tl_db_stats_cb)(void *arg, const struct tl_stats_row *row);
/* One row per group, most flows first (then by key); the filter's order, cursor and limit are
 * not used. */
enum tl_db_rc tl_db_flow_stats(struct tl_db *db, const struct tl_flow_filter *f,
                               enum tl_group_key g, tl_db_stats_cb cb, void *arg);

/*
 * Where a flow's packets are: its positions (track/positions.h) appended to `pos`, its
 * capture's layout (decoder seek.h) to `layout` and the stored file's name (within the data
 * directory) into `file`. TL_DB_NOT_FOUND when there is no such flow.
 */
enum tl_db_rc tl_db_flow_positions(struct tl_db *db, uint64_t flow_id, struct tl_buf *pos,
                                   struct tl_buf *layout, char file[64]);

#endif
