/*
 * pipeline.c - one capture through the reader and the flow table, ended flows handed out as
 * they go quiet.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#define RETIRE_EVERY     65536 /* packets between looks for ended flows */
#define RETIRE_GRACE_SEC 5     /* Zeek's tcp_close_delay */

enum tl_err tl_pipeline_run(struct tl_reader *r, const struct tl_pipeline *pl,
                            struct tl_errbuf *err)
{
    struct tl_flow_table *t = tl_flow_table_new(pl->max_flows, pl->keep_records);
    struct tl_packet *p = malloc(sizeof *p);
    struct tl_capture_stats *s = tl_reader_counters(r);
    enum tl_err rc = TL_OK;
    uint64_t since_retire = 0;

    if (!t || !p) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        rc = TL_E_NOMEM;
        goto out;
    }
    memset(p, 0, sizeof *p);
    tl_flow_table_set_cksum_mode(t, pl->cksum_mode);
    while (tl_reader_next(r, p) == 1) {
        struct tl_flow_pkt fp;
        const struct tl_flow_pkt *fpp = NULL;
        if (p->has_tcp) {
            enum tl_err e = tl_flow_table_add(t, p, &fp);
            if (e == TL_OK) {
                fpp = &fp;
            } else if (e == TL_E_TOO_LARGE) {
                if (s->flow_cap_dropped++ == 0) {
                    tl_stats_warn(s,
                                  "flow limit reached at packet %llu: later new "
                                  "connections are counted, not tracked",
                                  (unsigned long long)p->frame);
                }
            } else {
                snprintf(err->msg, sizeof err->msg, "out of memory at packet %llu",
                         (unsigned long long)p->frame);
                rc = e;
                goto out;
            }
        }
        if (pl->packet) {
            pl->packet(pl->arg, p, fpp);
        }
        if (++since_retire >= RETIRE_EVERY) {
            since_retire = 0;
            tl_flow_table_retire(t, p->ts_sec, RETIRE_GRACE_SEC, false, pl->flow_done, pl->arg);
        }
    }
    s->flows = tl_flow_table_count(t);
    tl_flow_table_retire(t, 0, 0, true, pl->flow_done, pl->arg);
    s->errors = tl_flow_table_errors(t);

out:
    free(p);
    tl_flow_table_free(t);
    return rc;
}
