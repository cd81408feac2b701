/*
 * store_backend.h - what a storage backend implements: the operations behind store.h.
 *
 * A backend embeds struct tl_store as the first member of its store and struct tl_db as the
 * first member of its per-thread connection, and fills one const struct tl_store_ops. It
 * keeps its SQL text in its own file, one dialect per file; nothing else sees it. store.c
 * chooses the backend by the --db value and forwards each tl_db_* call to it.
 */
#ifndef TL_STORE_BACKEND_H
#define TL_STORE_BACKEND_H

#include "store.h"

struct tl_store_ops;

struct tl_store {
    const struct tl_store_ops *ops;
    char *data_dir;
    int version;              /* schema version after migration */
    unsigned query_budget_ms; /* tl_store_set_query_budget */
    bool blobs;               /* capture files are kept in the database (tl_store_use_blobs) */
};

struct tl_db {
    const struct tl_store_ops *ops;
    struct tl_store *store;
};

struct tl_store_ops {
    const char *name;
    /* Open and migrate; the backend allocates its store (data_dir is set by store.c). */
    struct tl_store *(*open)(const char *uri, char *err, size_t errlen);
    void (*close)(struct tl_store *s);
    /* Is a capture with this id committed? (on doubt: true) */
    bool (*capture_exists)(struct tl_store *s, uint64_t id);
    struct tl_db *(*db)(struct tl_store *s);
    void (*thread_done)(struct tl_store *s);

    void (*busy_timeout)(struct tl_db *db, unsigned ms);
    bool (*ping)(struct tl_db *db);

    enum tl_db_rc (*upload_begin)(struct tl_db *db, const struct tl_upload_info *u,
                                  uint64_t *capture_id, uint64_t *flow_base);
    enum tl_db_rc (*add_flow)(struct tl_db *db, const struct tl_flow_row *row);
    enum tl_db_rc (*upload_commit)(struct tl_db *db, uint64_t capture_id,
                                   const struct tl_upload_done *d);
    void (*upload_rollback)(struct tl_db *db);
    enum tl_db_rc (*legacy_next)(struct tl_db *db, uint64_t after, struct tl_legacy_capture *c);
    enum tl_db_rc (*legacy_store)(struct tl_db *db, uint64_t capture_id, const uint8_t *layout,
                                  size_t layout_len, const struct tl_flow_positions *flows,
                                  size_t n);

    enum tl_db_rc (*job_create)(struct tl_db *db, const struct tl_job_row *row, uint64_t *id);
    enum tl_db_rc (*job_update)(struct tl_db *db, const struct tl_job_row *row);
    enum tl_db_rc (*job_get)(struct tl_db *db, uint64_t id, tl_db_job_cb cb, void *arg);
    enum tl_db_rc (*jobs_abandon)(struct tl_db *db, const char *why, const char *at, uint64_t *n);
    /* files in the database (NULL: the backend keeps none) */
    enum tl_db_rc (*blob_put)(struct tl_db *db, const char *name, const char *path);
    enum tl_db_rc (*blob_get)(struct tl_db *db, const char *name, const char *path);
    enum tl_db_rc (*blob_delete)(struct tl_db *db, const char *name);
    /* shared stores only (NULL otherwise) */
    enum tl_db_rc (*jobs_renew)(struct tl_db *db, const char *owner, unsigned lease_s);
    enum tl_db_rc (*job_claim)(struct tl_db *db, const char *owner, unsigned lease_s,
                               tl_db_job_cb cb, void *arg);
    enum tl_db_rc (*annotation_add)(struct tl_db *db, const struct tl_annotation *a, uint64_t *id);
    enum tl_db_rc (*annotations_list)(struct tl_db *db, uint64_t capture_id, uint64_t flow_id,
                                      tl_db_annotation_cb cb, void *arg);
    enum tl_db_rc (*annotation_delete)(struct tl_db *db, uint64_t id);

    enum tl_db_rc (*capture_get)(struct tl_db *db, uint64_t id, struct tl_buf *out,
                                 struct tl_capture_row *row);
    enum tl_db_rc (*captures_list)(struct tl_db *db, uint64_t before, unsigned limit,
                                   tl_db_doc_cb cb, void *arg);
    enum tl_db_rc (*capture_delete)(struct tl_db *db, uint64_t id, struct tl_capture_row *row);
    enum tl_db_rc (*captures_before)(struct tl_db *db, const char *before, uint64_t after,
                                     uint64_t *ids, unsigned max, unsigned *n);
    enum tl_db_rc (*flows_query)(struct tl_db *db, const struct tl_flow_filter *f, tl_db_flow_cb cb,
                                 void *arg);
    enum tl_db_rc (*flow_get)(struct tl_db *db, uint64_t id, struct tl_flow_ref *ref);
    enum tl_db_rc (*flow_stats)(struct tl_db *db, const struct tl_flow_filter *f,
                                enum tl_group_key g, tl_db_stats_cb cb, void *arg);
    enum tl_db_rc (*flow_positions)(struct tl_db *db, uint64_t flow_id, struct tl_buf *pos,
                                    struct tl_buf *layout, char file[64]);
};

/* The backends built into this server. */
extern const struct tl_store_ops tl_store_sqlite;
#ifdef TL_HAVE_POSTGRESQL
extern const struct tl_store_ops tl_store_pg; /* store_pg.c: --db postgresql://... */
#endif

#endif
