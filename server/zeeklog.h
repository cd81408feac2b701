/*
 * zeeklog.h - GET /api/v1/flows.log: the stored flows a filter of GET /api/v1/flows selects,
 * as Zeek's conn.log (render/render_zeek.h), in Zeek's TSV format or as JSON lines.
 *
 * Each flow is rebuilt from its stored headers (server/replay.c), the same path the /flows
 * list takes, and written as one row. With a `limit`, the page is built before answering (at
 * most FLOWS_MAX_LIMIT rows) and the next page's cursor is known; without one, every
 * matching flow is written, fetched and replayed a chunk at a time while the answer streams,
 * so memory stays bounded whatever the number of flows.
 */
#ifndef TL_ZEEKLOG_H
#define TL_ZEEKLOG_H

#include <microhttpd.h>
#include <stdbool.h>

#include "render_zeek.h"
#include "store.h"

struct tl_zeeklog;

/*
 * Start a log over the flows `flt` selects (copied, strings too): fetches and writes the
 * first rows now, so a storage failure is known before anything is answered. `paged`: stop
 * after flt->limit rows (flt->after_id is the cursor in both cases). Returns TL_DB_OK with
 * *out set, or the storage error (TL_DB_ERROR when out of memory) with *out NULL.
 */
enum tl_db_rc tl_zeeklog_start(struct tl_store *store, const struct tl_flow_filter *flt, bool paged,
                               enum tl_zeek_format fmt, struct tl_zeeklog **out);

/* Paged logs: the cursor of the next page, 0 when this page is the last. */
uint64_t tl_zeeklog_next_cursor(const struct tl_zeeklog *zl);

/*
 * The answer's body: a response that writes the log and frees zl when done (it owns zl from
 * here, even when NULL is returned because MHD could not allocate the response).
 */
struct MHD_Response *tl_zeeklog_response(struct tl_zeeklog *zl);

/* Free a log that was never turned into a response; NULL is a no-op. */
void tl_zeeklog_free(struct tl_zeeklog *zl);

/* The content type of a format's answer. */
const char *tl_zeeklog_content_type(enum tl_zeek_format fmt);

#endif
