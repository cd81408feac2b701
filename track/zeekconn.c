/*
 * zeekconn.c - Zeek's conn.log numbers for one connection (see zeekconn.h). The rules follow
 * Zeek's TCPSessionAdapter::Process (init_endpoint, update_ack_seq, update_last_seq, the
 * last-time rule), TCP_Endpoint::Size, the ConnSize analyzer and the TCP reassembler's gap
 * reports (report_gap: both endpoints established, or closed after being established).
 * Sequence numbers are taken modulo 2^32 relative to each endpoint's start: a direction
 * carrying more than 4 GiB is not sized correctly (Zeek counts the wraps).
 */
#include "zeekconn.h"

#include <assert.h>
#include <string.h>

#include "conn.h"
#include "tcplens.h"

/* Zeek's TCP_Endpoint states, numbered as TCP_Endpoint.h numbers them (and conn.c keeps them
 * in tl_conn_dir.zeek_state / zeek_prev). */
enum { Z_INACTIVE = 0, Z_SYN_SENT, Z_SYN_ACK_SENT, Z_PARTIAL, Z_ESTABLISHED, Z_CLOSED, Z_RESET };

#define TOO_LARGE_SEQ_DELTA 1048576 /* TCPSessionAdapter.cc */

static bool is_clean(const struct tl_conn_dir *d)
{
    return d->zeek_state == Z_ESTABLISHED ||
           (d->zeek_state == Z_CLOSED && d->zeek_prev == Z_ESTABLISHED);
}

/* Absorb the ranges the contiguous part now reaches. */
static void absorb(struct tl_zeek_dir *e)
{
    bool again = true;
    while (again) {
        again = false;
        for (uint8_t i = 0; i < e->n_blocks; i++) {
            if ((int32_t)(e->blocks[i].lo - e->reassem) <= 0) {
                if ((int32_t)(e->blocks[i].hi - e->reassem) > 0) {
                    e->reassem = e->blocks[i].hi;
                }
                e->blocks[i] = e->blocks[--e->n_blocks];
                again = true;
                break;
            }
        }
    }
}

/* Data [lo, hi) of e's stream reached the reassembler whole. */
static void data_in(struct tl_zeek_dir *e, uint32_t lo, uint32_t hi)
{
    if ((int32_t)(hi - e->reassem) <= 0) {
        return; /* all of it delivered already */
    }
    if ((int32_t)(lo - e->reassem) <= 0) {
        e->reassem = hi;
        absorb(e);
        return;
    }
    for (uint8_t i = 0; i < e->n_blocks; i++) { /* overlapping or touching: merge */
        if ((int32_t)(lo - e->blocks[i].hi) <= 0 && (int32_t)(e->blocks[i].lo - hi) <= 0) {
            if ((int32_t)(lo - e->blocks[i].lo) < 0) {
                e->blocks[i].lo = lo;
            }
            if ((int32_t)(hi - e->blocks[i].hi) > 0) {
                e->blocks[i].hi = hi;
            }
            return;
        }
    }
    if (e->n_blocks < TL_ZEEK_BLOCKS) {
        e->blocks[e->n_blocks].lo = lo;
        e->blocks[e->n_blocks].hi = hi;
        e->n_blocks++;
        return;
    }
    /* no room: the ranges in order, then the two with the smallest hole between them become
     * one (the bytes of that hole count as received: the error is the smallest possible) */
    struct {
        uint32_t lo, hi;
    } all[TL_ZEEK_BLOCKS + 1];
    uint8_t n = 0;
    for (uint8_t i = 0; i <= TL_ZEEK_BLOCKS; i++) {
        uint32_t l = i < TL_ZEEK_BLOCKS ? e->blocks[i].lo : lo;
        uint32_t h = i < TL_ZEEK_BLOCKS ? e->blocks[i].hi : hi;
        uint8_t k = n++;
        while (k > 0 && (int32_t)(all[k - 1].lo - l) > 0) {
            all[k] = all[k - 1];
            k--;
        }
        all[k].lo = l;
        all[k].hi = h;
    }
    uint8_t best = 0;
    uint32_t best_gap = UINT32_MAX;
    for (uint8_t i = 0; i + 1 < n; i++) {
        uint32_t gap = all[i + 1].lo - all[i].hi;
        if (gap < best_gap) {
            best_gap = gap;
            best = i;
        }
    }
    if ((int32_t)(all[best + 1].hi - all[best].hi) > 0) {
        all[best].hi = all[best + 1].hi;
    }
    for (uint8_t i = 0, j = 0; i < n; i++) {
        if (i != best + 1) {
            e->blocks[j].lo = all[i].lo;
            e->blocks[j].hi = all[i].hi;
            j++;
        }
    }
}

/* The peer acknowledged e's stream up to `upto` (relative): what never arrived is a gap. */
static void ack_in(struct tl_zeek_dir *e, uint32_t upto, bool report)
{
    if ((int32_t)(upto - e->reassem) <= 0) {
        return;
    }
    uint64_t missing = upto - e->reassem;
    for (uint8_t i = 0; i < e->n_blocks; i++) {
        uint32_t lo = e->blocks[i].lo, hi = e->blocks[i].hi;
        if ((int32_t)(lo - upto) >= 0) {
            continue;
        }
        if ((int32_t)(hi - upto) > 0) {
            hi = upto;
        }
        missing -= hi - lo <= missing ? hi - lo : missing;
    }
    if (report) {
        e->missed += missing;
    }
    e->reassem = upto;
    absorb(e);
}

static void init_seq(struct tl_zeek_dir *e, uint32_t start, uint32_t last)
{
    e->start = start;
    e->ack = start;
    e->last = last;
    e->reassem = 1; /* the first data byte: a SYN (real or assumed) takes number 0 */
    e->n_blocks = 0;
}

void tl_zeek_packet(struct tl_zeek *z, const struct tl_conn *c, int dir, const struct tl_packet *p,
                    bool delivered)
{
    assert(z && c && p && p->has_tcp && (dir == 0 || dir == 1));
    if (!delivered) {
        return; /* skipped by Zeek before any analysis (TCPAnalyzer::DeliverPacket) */
    }
    const struct tl_tcp *t = &p->tcp;
    struct tl_zeek_dir *e = &z->d[dir], *pe = &z->d[!dir];
    bool syn = t->flags & TL_TH_SYN, fin = t->flags & TL_TH_FIN, rst = t->flags & TL_TH_RST;
    bool ack = t->flags & TL_TH_ACK;
    uint32_t len = t->payload_length;
    uint32_t seg_len = (rst ? 0 : len) + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    uint32_t one_past = t->seq + seg_len;

    /* ConnSize: packets and IP bytes as the IP header gives them */
    e->pkts++;
    e->ip_bytes += tl_packet_ip(p)->total_length;
    /* the connection's last time moves until both endpoints have closed */
    if (!(z->d[0].closed && z->d[1].closed)) {
        z->last_set = true;
        z->last_sec = p->ts_sec;
        z->last_nsec = p->ts_nsec;
    }

    /* init_endpoint: the first packet sets the sequence space; a SYN with a new number
     * starts it again */
    if (!e->active) {
        e->active = true;
        if (syn) {
            init_seq(e, t->seq, one_past);
        } else {
            init_seq(e, t->seq - 1, t->seq);
        }
    } else if (syn && t->seq != e->start) {
        init_seq(e, t->seq, one_past);
    }
    /* update_ack_seq: the peer's acknowledged end (not from a RST) */
    if (ack && pe->active && !rst) {
        int32_t d = (int32_t)(t->ack - pe->ack);
        if (!(t->ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0) {
            pe->ack = t->ack;
        }
    }
    /* update_last_seq */
    int32_t dl = (int32_t)(one_past - e->last);
    if ((syn || rst) && (dl > TOO_LARGE_SEQ_DELTA || dl < -TOO_LARGE_SEQ_DELTA)) {
        /* not trusted */
    } else if (fin && e->last == e->start + 1) {
        e->last = one_past;
    } else if (e->reset) {
        /* nothing after a RST is trusted */
    } else if (dl > 0) {
        e->last = one_past;
    }
    if (fin) {
        e->fin = true;
        e->fin_end = (t->seq - e->start) + seg_len;
    }
    /* the peer's stream: this acknowledgement shows what of it never arrived */
    if (ack && pe->active && (int32_t)(t->ack - pe->start) > 0) {
        uint32_t upto = t->ack - pe->start;
        if (pe->fin && (int32_t)(upto - pe->fin_end) >= 0) {
            upto = pe->fin_end - 1; /* the FIN's number is not data */
        }
        ack_in(pe, upto, is_clean(&c->d[dir]) && is_clean(&c->d[!dir]));
    }
    /* this packet's data into its stream, when all of it was captured */
    uint64_t need = (uint64_t)t->offset + t->header_length + len;
    if (len > 0 && !rst && (uint64_t)p->l3_caplen >= need && (int32_t)(t->seq - e->start) >= 0) {
        uint32_t lo = t->seq - e->start + (syn ? 1u : 0u);
        data_in(e, lo, lo + len);
    }
    if (rst) {
        e->reset = true;
    }
    if (fin || rst) {
        e->closed = true;
    }
}

uint64_t tl_zeek_size(const struct tl_zeek *z, const struct tl_conn *c, int dir)
{
    assert(z && c && (dir == 0 || dir == 1));
    const struct tl_zeek_dir *e = &z->d[dir];
    if (!e->active) {
        return 0; /* numbered from the peer's acknowledgements alone: nothing sent */
    }
    const struct tl_conn_dir *o = &c->d[dir], *r = &c->d[!dir];
    uint32_t ack_rel = e->ack - e->start;
    if (o->zeek_prev == Z_SYN_SENT && o->zeek_state == Z_RESET && r->zeek_state == Z_INACTIVE &&
        !(ack_rel == 0 || ack_rel == 1)) {
        return 0; /* a half-open connection found and aborted */
    }
    uint64_t last_rel = (uint32_t)(e->last - e->start);
    uint64_t size = last_rel > ack_rel ? last_rel : ack_rel;
    if (size != 0) {
        size--; /* the SYN's number (real or assumed) */
    }
    if (e->fin && size != 0) {
        size--; /* the FIN's */
    }
    return size;
}
