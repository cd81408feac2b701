/*
 * housekeeping.h - removing captures: one capture with everything it owns (DELETE
 * /api/v1/captures/{id} and retention both go through tl_capture_remove), and retention
 * (--retention DAYS): captures uploaded more than DAYS ago are removed once at start-up and
 * then periodically by a thread of their own.
 */
#ifndef TL_HOUSEKEEPING_H
#define TL_HOUSEKEEPING_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Delete capture `id`: its rows (flows, groups, annotations, the capture: one transaction,
 * tl_db_capture_delete), then its stored file in the data directory. row gets its row. */
enum tl_db_rc tl_capture_remove(struct tl_db *db, uint64_t id, struct tl_capture_row *row);

/* The largest --retention, in days (100 years). */
#define TL_RETENTION_MAX_DAYS 36500.0

/* One sweep: every capture uploaded more than `days` days ago removed (each logged once);
 * how many were removed. A capture that cannot be removed now (busy) is left to the next
 * sweep. */
uint64_t tl_retention_sweep(struct tl_store *s, double days);

/* How long between sweeps, in seconds: a tenth of the retention, at most 600 and at least 1. */
double tl_retention_interval(double days);

struct tl_housekeeping;

/* The thread that sweeps every tl_retention_interval(days) (its first sweep one interval
 * from now: the start-up sweep is the caller's). NULL with the reason in err on failure. */
struct tl_housekeeping *tl_housekeeping_start(struct tl_store *s, double days, char *err,
                                              size_t errlen);
/* Wake the thread, wait for it to end (a sweep in progress ends after its current capture). */
void tl_housekeeping_stop(struct tl_housekeeping *h);

#endif
