/*
 * render_perf.c - a flow's "perf" object (track/perf.h): per direction, the RTT of that
 * direction's data, retransmissions, gaps, duplicate ACKs, zero-window periods, SACK blocks,
 * idle time and goodput. Definitions: docs/connections.md, "perf".
 */
#include <stdio.h>

#include "perf.h"
#include "render.h"

static void num(struct tl_jw *w, const char *key, double v)
{
    char s[48];
    int n = snprintf(s, sizeof s, "%.1f", v);
    tl_jw_key(w, key);
    tl_jw_raw(w, s, (size_t)n);
}

/* {"count", "min", "avg", "max", "stdev"} in microseconds; null figures without samples */
static void stat_write(struct tl_jw *w, const char *key, const struct tl_perf_stat *s)
{
    tl_jw_key(w, key);
    tl_jw_obj(w);
    tl_jw_kuint(w, "count", s->n);
    if (s->n) {
        tl_jw_kint(w, "min", s->min_ns / 1000);
        num(w, "avg", tl_perf_mean(s) / 1000.0);
        tl_jw_kint(w, "max", s->max_ns / 1000);
        num(w, "stdev", tl_perf_stdev(s) / 1000.0);
    } else {
        tl_jw_knull(w, "min");
        tl_jw_knull(w, "avg");
        tl_jw_knull(w, "max");
        tl_jw_knull(w, "stdev");
    }
    tl_jw_obj_end(w);
}

static void dir_write(struct tl_jw *w, const char *key, const struct tl_perf *pf, int dir)
{
    const struct tl_perf_dir *d = &pf->d[dir];
    int64_t dur = pf->last_ns - pf->first_ns;
    tl_jw_key(w, key);
    tl_jw_obj(w);
    stat_write(w, "rtt_us", &d->rtt);
    stat_write(w, "rtt_ts_us", &d->rtt_ts);
    tl_jw_kuint(w, "packets", d->packets);
    tl_jw_kuint(w, "data_packets", d->data_packets);
    tl_jw_kuint(w, "data_bytes", d->data_bytes);
    tl_jw_kuint(w, "unique_bytes", d->unique_bytes);
    tl_jw_key(w, "goodput_bytes_per_s");
    if (dur > 0) {
        tl_jw_uint(w, (uint64_t)((double)d->unique_bytes * 1e9 / (double)dur));
    } else {
        tl_jw_null(w);
    }
    tl_jw_kuint(w, "retransmitted_packets", d->retx_packets);
    tl_jw_kuint(w, "retransmitted_bytes", d->retx_bytes);
    tl_jw_kuint(w, "fast_retransmissions", d->fast_retx);
    tl_jw_kuint(w, "timeout_retransmissions", d->timeouts);
    tl_jw_kuint(w, "spurious_retransmissions", d->spurious);
    stat_write(w, "rto_us", &d->rto);
    tl_jw_kuint(w, "out_of_order", d->out_of_order);
    tl_jw_kuint(w, "segments_not_captured", d->lost_segments);
    tl_jw_kuint(w, "bytes_not_captured", d->lost_bytes);
    tl_jw_kuint(w, "acked_unseen", d->ack_lost);
    tl_jw_kuint(w, "duplicate_acks", d->dup_acks);
    tl_jw_key(w, "zero_window");
    tl_jw_obj(w);
    tl_jw_kuint(w, "packets", d->zero_window_packets);
    tl_jw_kuint(w, "periods", d->zw_periods);
    tl_jw_kint(w, "total_us", tl_perf_zero_window_ns(pf, dir) / 1000);
    tl_jw_kint(w, "max_us", tl_perf_zero_window_max_ns(pf, dir) / 1000);
    tl_jw_obj_end(w);
    tl_jw_kuint(w, "sack_packets", d->sack_packets);
    tl_jw_kuint(w, "sack_blocks", d->sack_blocks);
    tl_jw_kint(w, "max_idle_us", d->max_idle_ns / 1000);
    tl_jw_obj_end(w);
}

void tl_json_perf(struct tl_jw *w, const struct tl_flow *f)
{
    const struct tl_perf *pf = &f->conn.perf;
    tl_jw_obj(w);
    tl_jw_kint(w, "duration_us", (pf->last_ns - pf->first_ns) / 1000);
    tl_jw_kint(w, "max_idle_us", pf->max_idle_ns / 1000);
    dir_write(w, "c2s", pf, TL_C2S);
    dir_write(w, "s2c", pf, TL_S2C);
    tl_jw_obj_end(w);
}
