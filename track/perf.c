/*
 * perf.c - per-direction performance figures of a connection (see perf.h and
 * docs/connections.md, "perf").
 *
 * RTT from sequence numbers follows Wireshark's tcp.analysis.ack_rtt: an ACK whose ack equals
 * the end of a data segment still unacknowledged gives one sample, the time since that
 * segment was sent; segments an ACK passes without an exact match are dropped unsampled, and
 * a segment partly acknowledged keeps waiting for the rest. Unlike Wireshark, a segment whose
 * range was sent more than once gives no sample (Karn's rule, RFC 6298 §3), and only
 * TL_PERF_RING segments per direction are timed at once (the oldest unacknowledged ones: a
 * segment sent while the ring is full is not timed). With timestamps, RFC 7323 §4.1: a
 * packet that acknowledges new data and echoes in TSecr a TSval the peer sent gives the time
 * since that TSval was first sent, retransmitted or not.
 */
#include <math.h>
#include <string.h>

#include "conn.h"
#include "perf.h"
#include "tcplens.h"

static void stat_add(struct tl_perf_stat *s, int64_t ns)
{
    if (s->n == 0 || ns < s->min_ns) {
        s->min_ns = ns;
    }
    if (s->n == 0 || ns > s->max_ns) {
        s->max_ns = ns;
    }
    s->n++;
    double x = (double)ns, d = x - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (x - s->mean);
}

double tl_perf_mean(const struct tl_perf_stat *s)
{
    return s->n ? s->mean : 0.0;
}

double tl_perf_stdev(const struct tl_perf_stat *s)
{
    return s->n ? sqrt(s->m2 / (double)s->n) : 0.0;
}

int64_t tl_perf_zero_window_ns(const struct tl_perf *pf, int dir)
{
    const struct tl_perf_dir *d = &pf->d[dir];
    return d->zw_total_ns + (d->zw_open ? pf->last_ns - d->zw_start_ns : 0);
}

int64_t tl_perf_zero_window_max_ns(const struct tl_perf *pf, int dir)
{
    const struct tl_perf_dir *d = &pf->d[dir];
    int64_t open = d->zw_open ? pf->last_ns - d->zw_start_ns : 0;
    return open > d->zw_max_ns ? open : d->zw_max_ns;
}

static unsigned sack_blocks(const struct tl_tcp *t)
{
    unsigned n = 0;
    for (unsigned i = 0; i < t->n_opts; i++) {
        if (t->opts[i].kind == 5 && !t->opts[i].error) { /* SACK (RFC 2018) */
            n += t->opts[i].v.sack.count;
        }
    }
    return n;
}

/* A packet tshark flags as a retransmission (data, SYN or FIN): fast or by timeout, and for a
 * timeout the RTO observed: the time since the range was first sent (the timed segment that
 * overlaps it, else the oldest one timed, else when the sender last sent new sequence space,
 * tshark's tcp.analysis.rto reference). */
static void perf_retx(struct tl_perf_dir *s, const struct tl_tcp *t, uint32_t len, uint16_t af,
                      int64_t now)
{
    uint32_t seq = t->seq, end = t->seq + len;
    s->retx_packets++;
    if (af & TL_AF_SPURIOUS_RETRANSMISSION) {
        s->spurious++;
    }
    if (af & TL_AF_FAST_RETRANSMISSION) {
        s->fast_retx++;
        return;
    }
    s->timeouts++;
    int64_t since = s->new_ns;
    bool found = false;
    for (unsigned i = 0; i < s->n_ring && len > 0; i++) {
        if (SEQ_LT(s->ring[i].seq, end) && SEQ_GT(s->ring[i].end, seq)) {
            since = s->ring[i].t_ns;
            found = true;
            break;
        }
    }
    if (!found && s->n_ring) {
        since = s->ring[0].t_ns;
    }
    if (s->new_set && now >= since) {
        stat_add(&s->rto, now - since);
    }
}

/* The sender's data: timing, Karn, new bytes, gaps. */
static void perf_data(struct tl_perf_dir *s, const struct tl_tcp *t, uint32_t len, uint16_t af,
                      int64_t now)
{
    uint32_t seq = t->seq, end = t->seq + len;
    bool resent = s->high_set && SEQ_LT(seq, s->high_end);
    resent |= (af & (TL_AF_RETRANSMISSION | TL_AF_FAST_RETRANSMISSION |
                     TL_AF_SPURIOUS_RETRANSMISSION | TL_AF_OUT_OF_ORDER)) != 0;

    s->data_packets++;
    s->data_bytes += len;
    if (af & (TL_AF_RETRANSMISSION | TL_AF_FAST_RETRANSMISSION | TL_AF_SPURIOUS_RETRANSMISSION)) {
        s->retx_bytes += len;
    }
    if (s->high_set && SEQ_GT(seq, s->high_end)) { /* previous segment(s) not captured */
        s->lost_bytes += seq - s->high_end;
    }
    if (!s->high_set) {
        s->unique_bytes += len;
    } else if (SEQ_GT(end, s->high_end)) {
        s->unique_bytes += SEQ_GT(seq, s->high_end) ? len : end - s->high_end;
    }
    /* Karn: every timed segment this one overlaps is ambiguous from now on */
    if (resent) {
        for (unsigned i = 0; i < s->n_ring; i++) {
            if (SEQ_LT(s->ring[i].seq, end) && SEQ_GT(s->ring[i].end, seq)) {
                s->ring[i].retx = true;
            }
        }
    }
    if (s->n_ring < TL_PERF_RING) {
        struct tl_perf_seg *g = &s->ring[s->n_ring++];
        g->seq = seq;
        g->end = end;
        g->t_ns = now;
        g->retx = resent;
    }
    if (!s->high_set || SEQ_GT(end, s->high_end)) {
        s->high_end = end;
        s->high_ns = now;
        s->high_set = true;
    }
}

/* The sender's ACK of the peer's data r: Wireshark's exact match, Karn, then RFC 7323. */
static int64_t perf_ack(struct tl_perf_dir *s, struct tl_perf_dir *r, const struct tl_tcp *t,
                        int64_t now)
{
    uint32_t ack = t->ack;
    int64_t sample = -1;
    bool matched = false;
    unsigned kept = 0;
    for (unsigned i = 0; i < r->n_ring; i++) {
        struct tl_perf_seg *g = &r->ring[i];
        if (g->end == ack) {
            if (!matched && !g->retx && now >= g->t_ns) {
                sample = now - g->t_ns;
            }
            matched = true;
            continue;
        }
        if (SEQ_GT(ack, g->seq) && SEQ_LT(ack, g->end)) {
            g->seq = ack; /* partly acknowledged: waits for the rest */
        } else if (SEQ_GT(ack, g->end)) {
            continue; /* passed without an exact match: not sampled */
        }
        r->ring[kept++] = *g;
    }
    r->n_ring = (uint8_t)kept;
    if (sample >= 0) {
        stat_add(&r->rtt, sample);
    }
    bool new_ack = !s->ack_set || SEQ_GT(ack, s->high_ack);
    if (t->has_ts && t->ts_ecr != 0 && new_ack && s->ack_set) {
        for (unsigned i = 0; i < r->n_tsv; i++) {
            if (r->tsv[i].val == t->ts_ecr) {
                if (now >= r->tsv[i].t_ns) {
                    stat_add(&r->rtt_ts, now - r->tsv[i].t_ns);
                }
                break;
            }
        }
    }
    if (new_ack) {
        s->high_ack = ack;
        s->ack_set = true;
    }
    return sample;
}

static void perf_tsval(struct tl_perf_dir *s, uint32_t val, int64_t now)
{
    for (unsigned i = 0; i < s->n_tsv; i++) {
        if (s->tsv[i].val == val) {
            return; /* the first send of this TSval is the one to time */
        }
    }
    struct tl_perf_tsv *v = &s->tsv[s->tsv_next];
    v->val = val;
    v->t_ns = now;
    s->tsv_next = (uint8_t)((s->tsv_next + 1) % TL_PERF_TSV);
    if (s->n_tsv < TL_PERF_TSV) {
        s->n_tsv++;
    }
}

int64_t tl_perf_packet(struct tl_perf *pf, int dir, const struct tl_tcp *t, uint32_t seglen,
                       bool analyzed, uint16_t af, int64_t now)
{
    struct tl_perf_dir *s = &pf->d[dir], *r = &pf->d[!dir];
    uint16_t fl = t->flags;
    int64_t sample = -1;

    if (!pf->started) {
        pf->started = true;
        pf->first_ns = now;
    } else if (now - pf->last_ns > pf->max_idle_ns) {
        pf->max_idle_ns = now - pf->last_ns;
    }
    if (s->packets && now - s->last_ns > s->max_idle_ns) {
        s->max_idle_ns = now - s->last_ns;
    }
    if (now > pf->last_ns || pf->last_ns == 0) {
        pf->last_ns = now;
    }
    s->last_ns = now;
    s->packets++;

    /* the counts of Wireshark's flags */
    s->out_of_order += (af & TL_AF_OUT_OF_ORDER) != 0;
    s->lost_segments += (af & TL_AF_LOST_SEGMENT) != 0;
    s->ack_lost += (af & TL_AF_ACK_LOST_SEGMENT) != 0;
    s->dup_acks += (af & TL_AF_DUPLICATE_ACK) != 0;
    s->zero_window_packets += (af & TL_AF_ZERO_WINDOW) != 0;
    unsigned nsack = sack_blocks(t);
    s->sack_blocks += nsack;
    s->sack_packets += nsack > 0;

    /* zero-window periods: from the first window 0 this side advertises to its next
     * non-zero window (a RST closes nothing: it advertises no window) */
    if (!(fl & (TL_TH_SYN | TL_TH_RST))) {
        if (t->window == 0 && !s->zw_open) {
            s->zw_open = true;
            s->zw_start_ns = now;
            s->zw_periods++;
        } else if (t->window != 0 && s->zw_open) {
            int64_t d = now - s->zw_start_ns;
            s->zw_open = false;
            s->zw_total_ns += d;
            if (d > s->zw_max_ns) {
                s->zw_max_ns = d;
            }
        }
    }
    if (!analyzed) {
        return -1;
    }
    if (af & (TL_AF_RETRANSMISSION | TL_AF_FAST_RETRANSMISSION | TL_AF_SPURIOUS_RETRANSMISSION)) {
        perf_retx(s, t, seglen, af, now);
    }
    if (seglen > 0 && !(fl & (TL_TH_SYN | TL_TH_RST)) && !(af & TL_AF_KEEP_ALIVE) &&
        !(af & TL_AF_ZERO_WINDOW_PROBE)) {
        perf_data(s, t, seglen, af, now);
    }
    if (fl & TL_TH_ACK) {
        sample = perf_ack(s, r, t, now);
    }
    if (t->has_ts && !(fl & TL_TH_RST)) {
        perf_tsval(s, t->ts_val, now);
    }
    uint32_t next = t->seq + seglen + ((fl & (TL_TH_SYN | TL_TH_FIN)) ? 1 : 0);
    if (!(fl & TL_TH_RST) && (seglen || (fl & (TL_TH_SYN | TL_TH_FIN))) &&
        (!s->new_set || SEQ_GT(next, s->new_next))) {
        s->new_next = next;
        s->new_ns = now;
        s->new_set = true;
    }
    return sample;
}
