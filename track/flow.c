/*
 * flow.c - the flow table: canonical-key hash over a slot array, port reuse, orientation,
 * relative sequence numbers (Wireshark's and tcpdump's), window scaling, and per-flow
 * record chunks for timelines.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "vocab.h"

#define REC_CHUNK_SIZE   2048
#define HASH_MIN_BUCKETS 1024
#define REDO_SUSPECTS    8 /* packets awaiting an acknowledgement, per flow */

/*
 * Mode auto, for a flow with a packet whose checksum is incorrect (not offloaded): whether its
 * receiver dropped it shows only later, when the peer acknowledges it or not. Until then it
 * counts as dropped; the flow as it was before the first such packet is kept, with the
 * records from there on, so the flow can be classified again once one is acknowledged.
 */
struct tl_flow_redo {
    struct tl_flow snap; /* the flow before its first suspect packet */
    uint64_t snap_recs;  /* records it had then */
    struct {
        struct tl_rec *rec;
        uint32_t end; /* sequence number after it: an ack at or past it shows it arrived */
        uint8_t dir;
    } susp[REDO_SUSPECTS];
    uint8_t n_susp;
};

struct tl_rec_chunk {
    struct tl_rec_chunk *next;
    uint32_t used;
    uint32_t pad;
    unsigned char data[REC_CHUNK_SIZE - 16];
};

struct tl_flow_table {
    uint64_t max_flows;
    bool keep_records;
    bool cap_hit;
    struct tl_flow *slots; /* flow storage, reused through free_slots */
    uint64_t n_slots, cap_slots;
    uint64_t *free_slots;
    uint64_t n_free;
    uint64_t *hash; /* (hash32 << 32) | (slot + 1), 0 empty; open addressing, linear probing */
    uint64_t n_buckets, n_used;
    uint64_t n_flows; /* flows ever created: next index */
    struct tl_rec_chunk *free_chunks;
    size_t chunk_bytes;
    /* slots of flows that closed, in closing order: the candidates for retirement */
    uint64_t *closed_q;
    uint64_t closed_head, closed_len, closed_cap;
    /* checksums */
    enum tl_cksum_mode mode;
    uint64_t *accepted; /* frames known to have been accepted (tl_flow_table_accept), sorted */
    size_t n_accepted, cap_accepted;
    struct tl_packet *scratch; /* a record decoded again, when a flow is classified again */
    uint64_t errors;           /* allocations that failed without losing a flow (see .h) */
};

const char *tl_cksum_mode_name(enum tl_cksum_mode m)
{
    size_t n;
    const struct tl_vocab_entry *rows = tl_vocab_rows(TL_VOCAB_CHECKSUM_MODE, &n);
    return (unsigned)m < n ? rows[m].name : "auto";
}

int tl_cksum_mode_parse(const char *s)
{
    size_t n;
    const struct tl_vocab_entry *rows = tl_vocab_rows(TL_VOCAB_CHECKSUM_MODE, &n);
    const struct tl_vocab_entry *v = tl_vocab_find(TL_VOCAB_CHECKSUM_MODE, s);
    return v ? (int)(v - rows) : -1;
}

void tl_flow_table_set_cksum_mode(struct tl_flow_table *t, enum tl_cksum_mode m)
{
    t->mode = m;
}

enum tl_err tl_flow_table_accept(struct tl_flow_table *t, uint64_t frame)
{
    if (t->n_accepted && t->accepted[t->n_accepted - 1] >= frame) {
        return t->accepted[t->n_accepted - 1] == frame ? TL_OK : TL_E_USAGE;
    }
    if (t->n_accepted == t->cap_accepted) {
        size_t nc = t->cap_accepted ? t->cap_accepted * 2 : 16;
        uint64_t *na = realloc(t->accepted, nc * sizeof *na);
        if (!na) {
            return TL_E_NOMEM;
        }
        t->accepted = na;
        t->cap_accepted = nc;
    }
    t->accepted[t->n_accepted++] = frame;
    return TL_OK;
}

static bool frame_accepted(const struct tl_flow_table *t, uint64_t frame)
{
    size_t lo = 0, hi = t->n_accepted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->accepted[mid] < frame) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < t->n_accepted && t->accepted[lo] == frame;
}

/*
 * Whether the receiver took the packet in, as the mode judges it. Zeek without -C also drops
 * an IPv4 packet whose header checksum fails, before any connection sees it.
 */
static bool cksum_delivered(const struct tl_flow_table *t, const struct tl_packet *p, bool accepted)
{
    enum tl_cksum st = p->tcp.checksum_status;
    switch (t->mode) {
        case TL_CKM_IGNORE:
            return true;
        case TL_CKM_VERIFY:
            for (unsigned i = 0; i < p->n_ip; i++) {
                if (p->ip[i].checksum_status == TL_CKSUM_INCORRECT) {
                    return false;
                }
            }
            return st != TL_CKSUM_INCORRECT && st != TL_CKSUM_OFFLOADED;
        case TL_CKM_AUTO:
            break;
    }
    return st != TL_CKSUM_INCORRECT || accepted;
}

const char *tl_orientation_name(enum tl_orientation o)
{
    switch (o) {
        case TL_ORIENT_SYN:
            return "syn";
        case TL_ORIENT_SYN_ACK:
            return "syn-ack";
        case TL_ORIENT_GUESSED:
            break;
    }
    return "guessed";
}

struct tl_flow_table *tl_flow_table_new(uint64_t max_flows, bool keep_records)
{
    struct tl_flow_table *t = calloc(1, sizeof *t);
    if (!t) {
        return NULL;
    }
    t->max_flows = max_flows ? max_flows : TL_FLOW_CAP_DEFAULT;
    t->keep_records = keep_records;
    t->n_buckets = HASH_MIN_BUCKETS;
    t->hash = calloc(t->n_buckets, sizeof *t->hash);
    if (!t->hash) {
        free(t);
        return NULL;
    }
    return t;
}

static void chunks_free(struct tl_rec_chunk *c)
{
    while (c) {
        struct tl_rec_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void tl_flow_table_free(struct tl_flow_table *t)
{
    if (!t) {
        return;
    }
    for (uint64_t i = 0; i < t->n_slots; i++) {
        if (!t->slots[i].retired) {
            chunks_free(t->slots[i].rec_head);
            free(t->slots[i].redo);
        }
    }
    chunks_free(t->free_chunks);
    free(t->accepted);
    free(t->scratch);
    free(t->closed_q);
    free(t->slots);
    free(t->free_slots);
    free(t->hash);
    free(t);
}

#define BUCKET_SLOT(v)    (((v)&0xffffffffu) - 1)
#define BUCKET_TAG(v)     ((uint32_t)((v) >> 32))
#define BUCKET(tag, slot) ((uint64_t)(tag) << 32 | ((slot) + 1))

/* FNV-1a over the canonical key, then a final mix, folded to 32 bits. */
static uint32_t key_hash(int version, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb,
                         uint64_t tun_key)
{
    size_t alen = version == 6 ? 16 : 4;
    uint64_t h = 1469598103934665603ull ^ tun_key;
    for (size_t i = 0; i < alen; i++) {
        h = (h ^ a[i]) * 1099511628211ull;
        h = (h ^ b[i]) * 1099511628211ull;
    }
    h ^= ((uint64_t)pa << 16 | pb) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return (uint32_t)(h ^ (h >> 32));
}

/* Order the endpoints: lower (address, port) first, tcpdump's "arbitrary collating order". */
static int endpoint_cmp(int version, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, version == 6 ? 16 : 4);
    if (c != 0) {
        return c;
    }
    return (int)pa - (int)pb;
}

static bool flow_matches(const struct tl_flow *f, int version, const uint8_t *src, uint16_t sp,
                         const uint8_t *dst, uint16_t dp, uint64_t tun_key, enum tl_dir *dir)
{
    size_t alen = version == 6 ? 16 : 4;
    if (f->ip_version != version || f->tun_key != tun_key) {
        return false;
    }
    if (f->port[0] == sp && f->port[1] == dp && !memcmp(f->addr[0], src, alen) &&
        !memcmp(f->addr[1], dst, alen)) {
        *dir = TL_C2S;
        return true;
    }
    if (f->port[0] == dp && f->port[1] == sp && !memcmp(f->addr[0], dst, alen) &&
        !memcmp(f->addr[1], src, alen)) {
        *dir = TL_S2C;
        return true;
    }
    return false;
}

static bool hash_grow(struct tl_flow_table *t)
{
    uint64_t nb = t->n_buckets * 2;
    uint64_t *nh = calloc(nb, sizeof *nh);
    if (!nh) {
        return false;
    }
    for (uint64_t i = 0; i < t->n_buckets; i++) {
        uint64_t v = t->hash[i];
        if (!v) {
            continue;
        }
        uint64_t j = BUCKET_TAG(v) & (nb - 1);
        while (nh[j]) {
            j = (j + 1) & (nb - 1);
        }
        nh[j] = v;
    }
    free(t->hash);
    t->hash = nh;
    t->n_buckets = nb;
    return true;
}

/* Remove bucket i, re-seating the probe run after it (linear-probing deletion). */
static void hash_delete(struct tl_flow_table *t, uint64_t i)
{
    uint64_t mask = t->n_buckets - 1;
    t->hash[i] = 0;
    t->n_used--;
    for (uint64_t j = (i + 1) & mask; t->hash[j]; j = (j + 1) & mask) {
        uint64_t v = t->hash[j];
        t->hash[j] = 0;
        uint64_t k = BUCKET_TAG(v) & mask;
        while (t->hash[k]) {
            k = (k + 1) & mask;
        }
        t->hash[k] = v;
    }
}

static struct tl_flow *slot_alloc(struct tl_flow_table *t, uint64_t *slot)
{
    if (t->n_free > 0) {
        *slot = t->free_slots[--t->n_free];
        return &t->slots[*slot];
    }
    if (t->n_slots == t->cap_slots) {
        /* a small table (a replay: one flow and the one it replaced) stays small */
        uint64_t first = t->max_flows < 1024 ? t->max_flows + 1 : 1024;
        uint64_t nc = t->cap_slots ? t->cap_slots * 2 : first;
        struct tl_flow *ns = realloc(t->slots, nc * sizeof *ns);
        if (!ns) {
            return NULL;
        }
        uint64_t *nf = realloc(t->free_slots, nc * sizeof *nf);
        if (!nf) {
            t->slots = ns;
            return NULL;
        }
        t->slots = ns;
        t->free_slots = nf;
        t->cap_slots = nc;
    }
    *slot = t->n_slots++;
    return &t->slots[*slot];
}

/* Remember a flow that closed; if the queue cannot grow, the flow waits for the end. */
static void closed_push(struct tl_flow_table *t, uint64_t slot)
{
    if (t->closed_head + t->closed_len == t->closed_cap) {
        if (t->closed_head > 0) { /* slide down before growing */
            memmove(t->closed_q, t->closed_q + t->closed_head, t->closed_len * sizeof *t->closed_q);
            t->closed_head = 0;
        }
        if (t->closed_len == t->closed_cap) {
            uint64_t nc = t->closed_cap ? t->closed_cap * 2 : 1024;
            uint64_t *nq = realloc(t->closed_q, nc * sizeof *nq);
            if (!nq) {
                return;
            }
            t->closed_q = nq;
            t->closed_cap = nc;
        }
    }
    t->closed_q[t->closed_head + t->closed_len++] = slot;
}

static struct tl_rec_chunk *chunk_get(struct tl_flow_table *t)
{
    struct tl_rec_chunk *c = t->free_chunks;
    if (c) {
        t->free_chunks = c->next;
    } else {
        c = malloc(sizeof *c);
        if (!c) {
            return NULL;
        }
        t->chunk_bytes += sizeof *c;
    }
    c->next = NULL;
    c->used = 0;
    return c;
}

size_t tl_rec_size(size_t len)
{
    return (offsetof(struct tl_rec, bytes) + len + 7) & ~(size_t)7;
}

/* The IP and TCP headers of p present in memory, from the first IP header. */
static size_t rec_l3_len(const struct tl_packet *p)
{
    size_t want = (size_t)p->tcp.offset + p->tcp.header_length;
    return want > p->l3_avail ? p->l3_avail : want;
}

/*
 * Whether a record keeps p from its first IP header on, as a raw IP frame: only when the link
 * layers (a long radiotap or NFLOG header) would push the TCP header past TL_REC_MAX_BYTES
 * while the IP and TCP headers alone fit. Otherwise it keeps the frame from its start.
 */
static bool rec_from_l3(const struct tl_packet *p)
{
    size_t l3 = rec_l3_len(p);
    return (size_t)p->link.l3_offset + l3 > TL_REC_MAX_BYTES && l3 <= TL_REC_MAX_BYTES;
}

size_t tl_rec_header_len(const struct tl_packet *p)
{
    size_t want = rec_l3_len(p) + (rec_from_l3(p) ? 0 : p->link.l3_offset);
    return want > TL_REC_MAX_BYTES ? TL_REC_MAX_BYTES : want;
}

/* What the flow table and the classifier said of the packet: numbering and verdict. */
static void rec_verdict(struct tl_rec *r, const struct tl_flow_pkt *fp)
{
    r->dir = (uint8_t)fp->dir;
    r->cksum_accepted = fp->cksum_accepted;
    r->td_seq_sub = fp->td_seq_sub;
    r->td_ack_sub = fp->td_ack_sub;
    r->td_sack_sub = fp->td_sack_sub;
    r->seq_rel = fp->seq_rel;
    r->ack_rel = fp->ack_rel;
    r->ack_rel_known = fp->ack_rel_known;
    r->scale = fp->scale;
    r->conn = fp->conn;
}

void tl_rec_fill(struct tl_rec *r, const struct tl_packet *p, const struct tl_flow_pkt *fp,
                 size_t len)
{
    r->frame = p->frame;
    r->ts_sec = p->ts_sec;
    r->ts_nsec = p->ts_nsec;
    if (rec_from_l3(p)) { /* the IP header as a frame of its own (tl_linktype IPV4/IPV6) */
        r->caplen = p->l3_caplen;
        r->wirelen = p->l3_wirelen;
        r->dlt = p->link.ethertype == ETHERTYPE_IPV6 ? TL_DLT_IPV6 : TL_DLT_IPV4;
    } else {
        r->caplen = p->caplen;
        r->wirelen = p->wirelen;
        r->dlt = p->link.dlt;
    }
    r->len = (uint16_t)len;
    r->tcp_cksum = (uint8_t)p->tcp.checksum_status;
    r->tcp_cksum_expected = p->tcp.checksum_expected;
    r->n_anomalies = p->n_anomalies;
    memcpy(r->anomalies, p->anomalies, sizeof r->anomalies);
    rec_verdict(r, fp);
    memcpy(r->bytes, rec_from_l3(p) ? p->l3 : p->l3 - p->link.l3_offset, len);
}

void tl_rec_decode(const struct tl_rec *r, struct tl_packet *p)
{
    p->frame = r->frame;
    p->ts_sec = r->ts_sec;
    p->ts_nsec = r->ts_nsec;
    tl_packet_decode_frame(p, r->dlt, r->bytes, r->len, r->caplen, r->wirelen, false);
    p->tcp.checksum_status = (enum tl_cksum)r->tcp_cksum;
    p->tcp.checksum_expected = r->tcp_cksum_expected;
    p->n_anomalies = r->n_anomalies;
    memcpy(p->anomalies, r->anomalies, sizeof p->anomalies);
}

static enum tl_err rec_append(struct tl_flow_table *t, struct tl_flow *f, const struct tl_packet *p,
                              const struct tl_flow_pkt *fp, struct tl_rec **added)
{
    size_t want = tl_rec_header_len(p);
    size_t need = tl_rec_size(want);
    struct tl_rec_chunk *c = f->rec_tail;
    if (!c || sizeof c->data - c->used < need) {
        struct tl_rec_chunk *n = chunk_get(t);
        if (!n) {
            return TL_E_NOMEM;
        }
        if (c) {
            c->next = n;
        } else {
            f->rec_head = n;
        }
        f->rec_tail = n;
        c = n;
    }
    struct tl_rec *r = (struct tl_rec *)(void *)(c->data + c->used);
    c->used += (uint32_t)need;
    tl_rec_fill(r, p, fp, want);
    f->n_recs++;
    *added = r;
    return TL_OK;
}

void tl_rec_iter_init(struct tl_rec_iter *it, const struct tl_flow *f)
{
    it->chunk = f->rec_head;
    it->pos = 0;
}

const struct tl_rec *tl_rec_iter_next(struct tl_rec_iter *it)
{
    while (it->chunk && it->pos >= it->chunk->used) {
        it->chunk = it->chunk->next;
        it->pos = 0;
    }
    if (!it->chunk) {
        return NULL;
    }
    const struct tl_rec *r = (const struct tl_rec *)(const void *)(it->chunk->data + it->pos);
    it->pos += tl_rec_size(r->len);
    return r;
}

static void flow_init(struct tl_flow *f, uint64_t index, const struct tl_packet *p,
                      const struct tl_ip *ip)
{
    uint16_t fl = p->tcp.flags;
    bool src_is_client = true;
    memset(f, 0, sizeof *f);
    f->index = index;
    f->ip_version = ip->version;
    if ((fl & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN) {
        f->orientation = TL_ORIENT_SYN;
    } else if ((fl & (TL_TH_SYN | TL_TH_ACK)) == (TL_TH_SYN | TL_TH_ACK)) {
        f->orientation = TL_ORIENT_SYN_ACK;
        src_is_client = false;
    } else {
        f->orientation = TL_ORIENT_GUESSED;
    }
    size_t alen = ip->version == 6 ? 16 : 4;
    memcpy(f->addr[src_is_client ? TL_C2S : TL_S2C], ip->src, alen);
    memcpy(f->addr[src_is_client ? TL_S2C : TL_C2S], ip->dst, alen);
    f->port[src_is_client ? TL_C2S : TL_S2C] = p->tcp.src_port;
    f->port[src_is_client ? TL_S2C : TL_C2S] = p->tcp.dst_port;
    f->first_sec = f->last_sec = p->ts_sec;
    f->first_nsec = f->last_nsec = p->ts_nsec;
    f->tun_key = tl_tunnel_key(p);
    f->n_tunnels = p->n_tunnels;
    for (unsigned i = 0; i < p->n_tunnels && i < TL_FLOW_TUNNELS; i++) {
        f->tunnels[i] = p->tunnels[i];
    }
    for (int d = 0; d < 2; d++) {
        f->side[d].mss = -1;
        f->side[d].wscale = -1;
        f->scale[d] = -1;
    }
}

/* tcpdump print-tcp.c: relative numbers keyed in its collating order, ACK packets only. */
static void tcpdump_numbers(struct tl_flow *f, const struct tl_packet *p, const struct tl_ip *ip,
                            struct tl_flow_pkt *out)
{
    const struct tl_tcp *tcp = &p->tcp;
    out->td_seq_sub = out->td_ack_sub = out->td_sack_sub = 0;
    if (!(tcp->flags & TL_TH_ACK)) {
        return;
    }
    bool rev =
        tcp->src_port > tcp->dst_port ||
        (tcp->src_port == tcp->dst_port && memcmp(ip->src, ip->dst, ip->version == 6 ? 16 : 4) > 0);
    if (!f->td_valid || (tcp->flags & TL_TH_SYN)) {
        f->td_valid = true;
        if (rev) {
            f->td_ack = tcp->seq;
            f->td_seq = tcp->ack - 1;
        } else {
            f->td_seq = tcp->seq;
            f->td_ack = tcp->ack - 1;
        }
    } else {
        out->td_seq_sub = rev ? f->td_ack : f->td_seq;
        out->td_ack_sub = rev ? f->td_seq : f->td_ack;
    }
    out->td_sack_sub = rev ? f->td_seq : f->td_ack;
}

/* Window scaling (RFC 7323 §2.2): in effect once SYN and SYN-ACK both carried the option. */
static void handshake_scale(struct tl_flow *f, enum tl_dir d, const struct tl_tcp *tcp)
{
    enum tl_dir o = d == TL_C2S ? TL_S2C : TL_C2S;
    int16_t mine = tcp->wscale_used;
    if (f->side[o].syn_seen) {
        bool on = mine >= 0 && f->side[o].wscale >= 0;
        int16_t theirs = f->side[o].wscale > 14 ? 14 : f->side[o].wscale;
        f->scale[d] = on ? mine : 0;
        f->scale[o] = on ? theirs : 0;
    } else if (mine >= 0) {
        /* the peer's SYN was not captured, but a SYN-ACK may carry the option only when the
         * SYN did (RFC 7323 §1.3): our own shift is known, the peer's is not */
        f->scale[d] = mine;
        f->scale[o] = -1;
    } else {
        f->scale[d] = f->scale[o] = 0;
    }
}

static void flow_account(struct tl_flow_table *t, struct tl_flow *f, enum tl_dir dir,
                         const struct tl_packet *p, bool first, bool accepted,
                         struct tl_flow_pkt *out);

/* Keep the flow as it is now: the first packet that may have been dropped comes next. */
static enum tl_err redo_begin(struct tl_flow *f)
{
    struct tl_flow_redo *rd = calloc(1, sizeof *rd);
    if (!rd) {
        return TL_E_NOMEM;
    }
    rd->snap = *f;
    rd->snap_recs = f->n_recs;
    f->redo = rd;
    return TL_OK;
}

static void redo_suspect(struct tl_flow *f, struct tl_rec *rec, uint32_t end, enum tl_dir dir)
{
    struct tl_flow_redo *rd = f->redo;
    if (rd->n_susp == REDO_SUSPECTS) { /* the oldest stays dropped */
        memmove(rd->susp, rd->susp + 1, (REDO_SUSPECTS - 1) * sizeof rd->susp[0]);
        rd->n_susp--;
    }
    rd->susp[rd->n_susp].rec = rec;
    rd->susp[rd->n_susp].end = end;
    rd->susp[rd->n_susp].dir = (uint8_t)dir;
    rd->n_susp++;
}

/* A packet of `dir` whose checksum holds: its ack shows which suspects of the peer arrived. */
static void redo_acked(struct tl_flow *f, enum tl_dir dir, const struct tl_tcp *tcp)
{
    struct tl_flow_redo *rd = f->redo;
    if (!(tcp->flags & TL_TH_ACK)) {
        return;
    }
    uint8_t kept = 0;
    for (uint8_t i = 0; i < rd->n_susp; i++) {
        if (rd->susp[i].dir != dir && SEQ_GEQ(tcp->ack, rd->susp[i].end)) {
            rd->susp[i].rec->cksum_accepted = 1;
            f->redo_needed = true;
        } else {
            rd->susp[kept++] = rd->susp[i];
        }
    }
    rd->n_susp = kept;
}

void tl_flow_table_resolve(struct tl_flow_table *t, struct tl_flow *f)
{
    struct tl_flow_redo *rd = f->redo;
    if (!rd || !f->redo_needed) {
        return;
    }
    if (!t->scratch && !(t->scratch = malloc(sizeof *t->scratch))) {
        t->errors++; /* out of memory: the verdicts stay those of the first pass */
        return;
    }
    struct tl_rec_chunk *head = f->rec_head, *tail = f->rec_tail;
    uint64_t n_recs = f->n_recs;
    bool closed = f->closed;
    struct tl_svc svc = f->svc;
    void *user = f->user;
    *f = rd->snap;
    f->svc = svc;
    f->user = user;
    f->rec_head = head;
    f->rec_tail = tail;
    f->n_recs = n_recs;
    f->closed = closed;
    f->redo = rd;
    f->redo_needed = false;

    uint64_t i = 0;
    for (struct tl_rec_chunk *c = f->rec_head; c; c = c->next) {
        for (uint32_t pos = 0; pos < c->used;) {
            struct tl_rec *r = (struct tl_rec *)(void *)(c->data + pos);
            pos += (uint32_t)tl_rec_size(r->len);
            if (i++ < rd->snap_recs) {
                continue;
            }
            struct tl_flow_pkt fp;
            memset(&fp, 0, sizeof fp);
            tl_rec_decode(r, t->scratch);
            bool first = f->side[0].packets + f->side[1].packets == 0;
            flow_account(t, f, (enum tl_dir)r->dir, t->scratch, first, r->cksum_accepted, &fp);
            fp.conn.analysis |= r->conn.analysis & TL_AF_REUSED_PORTS;
            rec_verdict(r, &fp);
        }
    }
}

enum tl_err tl_flow_table_add(struct tl_flow_table *t, const struct tl_packet *p,
                              struct tl_flow_pkt *out)
{
    const struct tl_ip *ip = tl_packet_ip(p);
    const struct tl_tcp *tcp = &p->tcp;
    const uint8_t *a = ip->src, *b = ip->dst;
    uint16_t pa = tcp->src_port, pb = tcp->dst_port;
    struct tl_flow *f = NULL;
    enum tl_dir dir = TL_C2S;
    uint64_t bucket, slot;
    bool pure_syn = (tcp->flags & (TL_TH_SYN | TL_TH_ACK)) == TL_TH_SYN;

    memset(out, 0, sizeof *out);
    if (endpoint_cmp(ip->version, a, pa, b, pb) > 0) {
        a = ip->dst, b = ip->src, pa = tcp->dst_port, pb = tcp->src_port;
    }
    uint64_t mask = t->n_buckets - 1;
    uint64_t tun_key = tl_tunnel_key(p);
    uint32_t tag = key_hash(ip->version, a, pa, b, pb, tun_key);
    for (bucket = tag & mask; t->hash[bucket]; bucket = (bucket + 1) & mask) {
        if (BUCKET_TAG(t->hash[bucket]) != tag) {
            continue;
        }
        struct tl_flow *c = &t->slots[BUCKET_SLOT(t->hash[bucket])];
        if (flow_matches(c, ip->version, ip->src, tcp->src_port, ip->dst, tcp->dst_port, tun_key,
                         &dir)) {
            f = c;
            break;
        }
    }
    /* Port reuse: a new SYN after the connection closed, or with another ISN (Wireshark). */
    bool reuse = f && pure_syn &&
                 (f->closed ||
                  (dir == TL_C2S && f->side[TL_C2S].syn_seen && f->side[TL_C2S].isn != tcp->seq &&
                   (f->syn_ack_seen || f->side[TL_S2C].packets > 0)));
    if (!f || reuse) {
        if (t->n_slots - t->n_free >= t->max_flows) { /* live flows, checked before growing */
            t->cap_hit = true;
            return TL_E_TOO_LARGE;
        }
        bool td_valid = false;
        uint32_t td_seq = 0, td_ack = 0;
        struct tl_flow_prev prev = { 0 };
        if (reuse) { /* tcpdump's table is keyed by the tuple alone: carry it over */
            td_valid = f->td_valid;
            td_seq = f->td_seq;
            td_ack = f->td_ack;
            /* what a TIME-WAIT endpoint of the old connection compares the SYN with
             * (RFC 9293 3.6.1, RFC 6191): the sender's next sequence number and TSval */
            prev.set = true;
            for (int d = 0; d < 2; d++) {
                if (f->conn.d[d].state == TL_ST_TIME_WAIT) {
                    prev.time_wait |= (uint8_t)(1u << d);
                }
            }
            prev.next_seq = f->conn.d[dir].nextseq;
            prev.ts_set = f->side[dir].ts_last_set;
            prev.ts_val = f->side[dir].ts_last;
        } else if ((t->n_used + 1) * 2 > t->n_buckets) {
            if (!hash_grow(t)) {
                return TL_E_NOMEM;
            }
            mask = t->n_buckets - 1;
            for (bucket = tag & mask; t->hash[bucket]; bucket = (bucket + 1) & mask) {
            }
        }
        f = slot_alloc(t, &slot);
        if (!f) {
            return TL_E_NOMEM;
        }
        flow_init(f, t->n_flows++, p, ip);
        f->cksum_mode = (uint8_t)t->mode;
        f->td_valid = td_valid;
        f->td_seq = td_seq;
        f->td_ack = td_ack;
        f->prev = prev; /* the old flow's sender is the new flow's client: a pure SYN */
        if (!reuse) {
            t->n_used++;
        }
        t->hash[bucket] = BUCKET(tag, slot);
        out->new_flow = true;
        dir = f->orientation == TL_ORIENT_SYN_ACK ? TL_S2C : TL_C2S;
    }

    /* mode auto: an incorrect checksum waits for the peer's acknowledgement */
    const struct tl_tcp *tcp0 = tcp;
    bool suspect = false, accepted = false;
    uint32_t susp_end = 0;
    if (t->mode == TL_CKM_AUTO) {
        if (f->redo && tcp0->checksum_status != TL_CKSUM_INCORRECT) {
            redo_acked(f, dir, tcp0);
        }
        if (tcp0->checksum_status == TL_CKSUM_INCORRECT) {
            accepted = frame_accepted(t, p->frame);
            uint16_t fl = tcp0->flags;
            susp_end = tcp0->seq + tcp0->payload_length + ((fl & TL_TH_SYN) ? 1 : 0) +
                       ((fl & TL_TH_FIN) ? 1 : 0);
            suspect = !accepted && !(fl & TL_TH_RST) && susp_end != tcp0->seq;
            if (suspect && !f->redo && redo_begin(f) != TL_OK) {
                return TL_E_NOMEM;
            }
        }
    }
    flow_account(t, f, dir, p, out->new_flow, accepted, out);
    if (tcp->payload_captured > 0 && !(tcp->flags & TL_TH_RST)) {
        size_t at = (size_t)tcp->offset + tcp->header_length;
        size_t have = p->l3_avail > at ? p->l3_avail - at : 0;
        have = have < tcp->payload_captured ? have : tcp->payload_captured;
        tl_service_feed(&f->svc, dir, tcp->seq + ((tcp->flags & TL_TH_SYN) ? 1u : 0u),
                        have ? p->l3 + at : NULL, have);
    }
    if (reuse && out->new_flow && dir == TL_C2S) {
        out->conn.analysis |= TL_AF_REUSED_PORTS;
    }
    if (!f->closed && ((f->side[0].fin_seen && f->side[1].fin_seen) || f->side[0].rst_seen ||
                       f->side[1].rst_seen)) {
        f->closed = true;
        closed_push(t, (uint64_t)(f - t->slots));
    }
    if (t->keep_records || f->redo) {
        struct tl_rec *rec = NULL;
        enum tl_err e = rec_append(t, f, p, out, &rec);
        if (e == TL_OK && suspect) {
            redo_suspect(f, rec, susp_end, dir);
        }
        return e;
    }
    return TL_OK;
}

/* Account a packet to its flow: counts, numbering, scaling, the classifier. */
static void flow_account(struct tl_flow_table *t, struct tl_flow *f, enum tl_dir dir,
                         const struct tl_packet *p, bool first, bool accepted,
                         struct tl_flow_pkt *out)
{
    const struct tl_ip *ip = tl_packet_ip(p);
    const struct tl_tcp *tcp = &p->tcp;
    enum tl_dir o = dir == TL_C2S ? TL_S2C : TL_C2S;
    struct tl_flow_side *s = &f->side[dir], *r = &f->side[o];
    out->flow = f;
    out->dir = dir;
    f->last_sec = p->ts_sec;
    f->last_nsec = p->ts_nsec;
    s->packets++;
    s->bytes += tcp->payload_length;
    if (tcp->has_ts) {
        s->ts_last = tcp->ts_val;
        s->ts_last_set = true;
    }

    /* relative sequence numbers, Wireshark's way */
    if (tcp->flags & TL_TH_SYN) {
        bool first_syn = !s->syn_seen;
        if (first_syn) {
            s->syn_seen = true;
            s->isn = tcp->seq;
            s->mss = tcp->mss;
            s->wscale = tcp->wscale;
            s->sack_permitted = tcp->sack_permitted;
            s->timestamps = tcp->has_ts;
            if (!(tcp->flags & TL_TH_ACK) && tcp->wscale < 0 && !f->syn_ack_seen &&
                tcp->opts_captured + 20u == tcp->header_length) {
                f->scale[TL_C2S] = f->scale[TL_S2C] = 0; /* not offered: never in effect */
            } else if (!(tcp->flags & TL_TH_ACK) && f->syn_ack_seen) {
                /* the SYN-ACK came first in the file (reordered at the capture point): now
                 * both offers are known, as if they had come in order */
                handshake_scale(f, dir, tcp);
            } else if (!(tcp->flags & TL_TH_ACK) && tcp->wscale_used >= 0) {
                /* no answer yet (perhaps none captured): as Wireshark does, the sender's own
                 * windows are scaled by the shift its SYN announced; the peer's stay unknown
                 * (tcp.window_size_scalefactor -1) until its SYN-ACK shows its own */
                f->scale[dir] = tcp->wscale_used;
            }
        }
        if ((tcp->flags & TL_TH_ACK) && !f->syn_ack_seen) {
            f->syn_ack_seen = true;
            if (!first_syn) { /* simultaneous open: this side's SYN came first */
                s->wscale = tcp->wscale >= 0 ? tcp->wscale : s->wscale;
            }
            handshake_scale(f, dir, tcp);
        }
        s->base = s->isn;
        s->base_set = true;
    } else if (!s->base_set) {
        s->base = tcp->seq - 1;
        s->base_set = true;
    }
    if ((tcp->flags & TL_TH_ACK) && !r->base_set) {
        r->base = tcp->ack - 1;
        r->base_set = true;
    }
    out->seq_rel = tcp->seq - s->base;
    out->ack_rel_known = (tcp->flags & TL_TH_ACK) && r->base_set;
    out->ack_rel = out->ack_rel_known ? tcp->ack - r->base : 0;
    out->scale = (tcp->flags & TL_TH_SYN) ? -1 : (int8_t)f->scale[dir];

    tcpdump_numbers(f, p, ip, out);

    if (tcp->flags & TL_TH_FIN) {
        s->fin_seen = true;
    }
    if (tcp->flags & TL_TH_RST) {
        s->rst_seen = true;
    }
    bool delivered = cksum_delivered(t, p, accepted);
    out->cksum_accepted = accepted && tcp->checksum_status == TL_CKSUM_INCORRECT;
    tl_conn_packet(f, dir, p, first, delivered, &out->conn);
    tl_zeek_packet(&f->zeek, &f->conn, dir, p, delivered);
}

uint64_t tl_flow_table_errors(const struct tl_flow_table *t)
{
    return t->errors;
}

uint64_t tl_flow_table_count(const struct tl_flow_table *t)
{
    return t->n_flows;
}

bool tl_flow_table_cap_hit(const struct tl_flow_table *t)
{
    return t->cap_hit;
}

static int cmp_index(const void *x, const void *y, void *arg)
{
    const struct tl_flow_table *t = arg;
    uint64_t a = t->slots[*(const uint64_t *)x].index;
    uint64_t b = t->slots[*(const uint64_t *)y].index;
    return a < b ? -1 : a > b;
}

/* Give a flow back: out of the hash if it is the tuple's current flow, records recycled. */
static void flow_release(struct tl_flow_table *t, uint64_t slot)
{
    struct tl_flow *f = &t->slots[slot];
    const uint8_t *a = f->addr[0], *b = f->addr[1];
    uint16_t pa = f->port[0], pb = f->port[1];
    if (endpoint_cmp(f->ip_version, a, pa, b, pb) > 0) {
        a = f->addr[1], b = f->addr[0], pa = f->port[1], pb = f->port[0];
    }
    uint64_t mask = t->n_buckets - 1;
    uint32_t tag = key_hash(f->ip_version, a, pa, b, pb, f->tun_key);
    for (uint64_t i = tag & mask; t->hash[i]; i = (i + 1) & mask) {
        if (t->hash[i] == BUCKET(tag, slot)) {
            hash_delete(t, i);
            break;
        }
    }
    if (f->rec_tail) {
        f->rec_tail->next = t->free_chunks;
        t->free_chunks = f->rec_head;
    }
    f->rec_head = f->rec_tail = NULL;
    free(f->redo);
    f->redo = NULL;
    f->retired = true;
    t->free_slots[t->n_free++] = slot;
}

void tl_flow_table_retire(struct tl_flow_table *t, int64_t now_sec, int64_t grace_sec, bool all,
                          tl_flow_cb cb, void *arg)
{
    uint64_t n = 0, *list = NULL;

    if (all) {
        list = malloc((t->n_slots ? t->n_slots : 1) * sizeof *list);
        if (!list) { /* no memory to sort them: every flow still goes out, in slot order */
            t->errors++;
            for (uint64_t i = 0; i < t->n_slots; i++) {
                if (!t->slots[i].retired) {
                    tl_flow_table_resolve(t, &t->slots[i]);
                    if (cb) {
                        cb(&t->slots[i], arg);
                    }
                    flow_release(t, i);
                }
            }
            t->closed_head = t->closed_len = 0;
            return;
        }
        for (uint64_t i = 0; i < t->n_slots; i++) {
            if (!t->slots[i].retired) {
                list[n++] = i;
            }
        }
        t->closed_head = t->closed_len = 0;
    } else {
        /* closed flows quiet for grace_sec, taken from the front of the closing order */
        list = malloc((t->closed_len ? t->closed_len : 1) * sizeof *list);
        if (!list) {
            return; /* they stay in the table and go out with the rest at the end */
        }
        uint64_t kept = 0, end = t->closed_head + t->closed_len;
        for (uint64_t i = t->closed_head; i < end; i++) {
            uint64_t slot = t->closed_q[i];
            const struct tl_flow *f = &t->slots[slot];
            if (f->retired) {
                continue;
            }
            if (now_sec - f->last_sec > grace_sec) {
                list[n++] = slot;
            } else {
                t->closed_q[t->closed_head + kept++] = slot;
            }
        }
        t->closed_len = kept;
    }
    qsort_r(list, n, sizeof *list, cmp_index, t);
    for (uint64_t i = 0; i < n; i++) {
        tl_flow_table_resolve(t, &t->slots[list[i]]);
        if (cb) {
            cb(&t->slots[list[i]], arg);
        }
        flow_release(t, list[i]);
    }
    free(list);
}
