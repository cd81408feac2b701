/*
 * gen_capture.c - deterministic synthetic capture for the tcplens benchmarks.
 *
 * Writes a classic little-endian, microsecond pcap (link type Ethernet) as seen on a busy
 * server: many clients (about one in ten over IPv6) open TCP connections to a handful of
 * server addresses, exchange data both ways and end in one of seven ways (four-way close,
 * three-segment close, reset by client, reset by server, refused, unanswered SYN with
 * retransmissions, half-close). A sliding window keeps a few thousand connections active at
 * once, so their packets interleave; each connection has its own round-trip time and the
 * capture timestamps strictly increase. IPv4 header and TCP checksums are correct. The same
 * options and seed always produce the same bytes.
 *
 * Usage: tl_gen_capture [-p PACKETS] [-c CONNECTIONS] [-w ACTIVE] [-s SEED] -o FILE
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PACKETS     1000000u
#define DEFAULT_CONNECTIONS 100000u
#define DEFAULT_ACTIVE      4096u
#define DEFAULT_SEED        0x7463706c656e73ull /* "tcplens" */
#define MAX_CONNECTIONS     ((1u << 24) - 2)    /* client IPv4 addresses come from 10.0.0.0/8 */

#define PCAP_MAGIC_USEC   0xa1b2c3d4u
#define PCAP_SNAPLEN      262144u
#define PCAP_LINKTYPE_EN  1u
#define PCAP_FILE_HDR_LEN 24u
#define PCAP_REC_HDR_LEN  16u
#define BASE_TIME_SEC     1700000000u

#define ETH_HDR_LEN       14u
#define ETH_MIN_FRAME_LEN 60u /* without FCS: what a receiving NIC hands to the capture */
#define ETHERTYPE_IPV4    0x0800u
#define ETHERTYPE_IPV6    0x86ddu
#define IPV4_HDR_LEN      20u
#define IPV6_HDR_LEN      40u
#define IPPROTO_TCP_NUM   6u
#define TCP_HDR_LEN       20u
#define TCP_OPT_MAX_LEN   40u

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_PSH 0x08u
#define TH_ACK 0x10u

#define MSS_IPV4_BYTES 1460u
#define MSS_IPV6_BYTES 1440u
#define FRAME_MAX_LEN                                                                              \
    (ETH_HDR_LEN + IPV6_HDR_LEN + TCP_HDR_LEN + TCP_OPT_MAX_LEN + MSS_IPV4_BYTES + VXLAN_WRAP_LEN)
/* -x: each frame inside VXLAN (RFC 7348): outer Ethernet, IPv4, UDP 4789, VXLAN header */
#define VXLAN_WRAP_LEN (ETH_HDR_LEN + IPV4_HDR_LEN + 8 + 8)

#define OUTBUF_BYTES    (8u << 20)
#define PATTERN_BYTES   4096u    /* payload source; offsets stay below PATTERN_BYTES - MSS */
#define SYN_RTO_US      1000000u /* RFC 6298 §2.1: initial RTO of one second, doubled per retry */
#define SYN_SENDS_MAX   4u       /* the SYN and up to three retransmissions */
#define START_SPREAD_US 200000u  /* the first window of connections opens over 200 ms */

enum dir { DIR_C2S = 0, DIR_S2C = 1 };

enum kind {
    K_CLOSE4,     /* FIN, ACK, FIN, ACK */
    K_CLOSE3,     /* FIN, FIN+ACK (acks the first FIN), ACK */
    K_RST_CLIENT, /* client aborts with RST+ACK */
    K_RST_SERVER, /* server aborts with RST+ACK */
    K_REFUSED,    /* SYN answered by RST+ACK */
    K_NOANSWER,   /* SYN and its retransmissions, never answered */
    K_HALFCLOSE,  /* client FIN first, server keeps sending, then closes */
    K_COUNT
};

static const char *const kind_names[K_COUNT] = {
    "four-way-close", "three-segment-close", "reset-by-client", "reset-by-server",
    "refused",        "unanswered-syn",      "half-close",
};

/* Share of each kind in a thousand connections. */
static const uint32_t kind_weights[K_COUNT] = { 440, 200, 80, 70, 50, 40, 120 };

/* Packets outside the data phase; K_NOANSWER is its SYN count instead (mean used below). */
static const uint32_t kind_overhead[K_COUNT] = { 7, 6, 4, 4, 2, 0, 7 };

struct rng {
    uint64_t state;
};

/* One packet of a connection's script; sequence numbers are filled in when it is written. */
struct step {
    uint32_t gap_us; /* after the connection's previous packet */
    uint16_t len;    /* TCP payload bytes */
    uint8_t dir;     /* enum dir */
    uint8_t flags;   /* TH_* */
};

struct endpoint {
    uint8_t addr[16];
    uint16_t port;
    uint32_t isn;
    uint32_t nxt; /* SND.NXT */
    uint32_t ts_off;
    uint32_t ts_recent; /* last TSval received from the peer */
    uint32_t flow_label;
    uint16_t ip_id;
    uint16_t win;     /* window field once established (scaled) */
    uint16_t syn_win; /* window field on SYN / SYN-ACK (unscaled) */
    uint16_t mss;     /* announced */
    uint8_t wscale;
    uint8_t ttl;
    uint8_t mac[6];
    bool bsd_opts; /* SYN options in BSD/macOS order instead of Linux order */
    bool synced;   /* has sent its SYN */
};

struct conn {
    uint64_t next_us; /* time of the next packet */
    uint64_t id;
    struct step *steps;
    uint32_t nsteps;
    uint32_t cap;
    uint32_t pos;         /* next step to write */
    uint32_t last_active; /* after this step the connection leaves the active window */
    uint32_t rtt_us;
    struct endpoint ep[2]; /* indexed by enum dir of the packets it sends */
    bool v6;
    bool counted; /* occupies a place in the active window */
};

struct gen {
    bool vxlan; /* -x: wrap every frame in VXLAN */
    uint32_t vni;
    struct rng rng;
    FILE *out;
    uint8_t *buf;
    size_t used;
    struct conn *pool;
    uint32_t pool_len;
    uint32_t pool_cap;
    uint32_t *free_slots;
    uint32_t nfree;
    uint32_t *heap; /* pool indices, min-heap on (next_us, id) */
    uint32_t heap_len;
    uint64_t packets_target;
    uint64_t packets_out;
    uint64_t bytes_out;
    uint64_t conns_target;
    uint64_t conns_started;
    int64_t assigned; /* packets promised to started connections */
    uint32_t active_max;
    uint32_t live;
    uint64_t last_us;
    double mean_overhead; /* expected packets outside the data phase */
    double data_share;    /* share of connections with a data phase */
    uint64_t kinds[K_COUNT];
    uint8_t pattern[PATTERN_BYTES];
};

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014): small, fast, and fully determined by the seed. */
static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. Lemire's multiply-shift, bias below 2^-32. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]; lo <= hi < UINT32_MAX. */
static uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static void put_le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RFC 1071 sum of big-endian 16-bit words, not yet folded or complemented. */
static uint64_t sum16(const uint8_t *p, size_t len)
{
    uint64_t sum = 0;
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    }
    if (i < len) {
        sum += (uint32_t)p[i] << 8;
    }
    return sum;
}

static uint16_t fold_cksum(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/*
 * Writes the buffered records to the file. Returns false (errno set by stdio) when the write
 * fails; the buffer is emptied either way.
 */
static bool flush_out(struct gen *g)
{
    size_t n = g->used;
    g->used = 0;
    return fwrite(g->buf, 1, n, g->out) == n;
}

/* Heap order: earlier time first, then the older connection, so ties are deterministic. */
static bool heap_less(const struct gen *g, uint32_t a, uint32_t b)
{
    const struct conn *ca = &g->pool[a];
    const struct conn *cb = &g->pool[b];
    if (ca->next_us != cb->next_us) {
        return ca->next_us < cb->next_us;
    }
    return ca->id < cb->id;
}

static void heap_up(struct gen *g, uint32_t i)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!heap_less(g, g->heap[i], g->heap[parent])) {
            break;
        }
        uint32_t t = g->heap[i];
        g->heap[i] = g->heap[parent];
        g->heap[parent] = t;
        i = parent;
    }
}

static void heap_down(struct gen *g, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1;
        uint32_t best = i;
        if (l < g->heap_len && heap_less(g, g->heap[l], g->heap[best])) {
            best = l;
        }
        if (l + 1 < g->heap_len && heap_less(g, g->heap[l + 1], g->heap[best])) {
            best = l + 1;
        }
        if (best == i) {
            return;
        }
        uint32_t t = g->heap[i];
        g->heap[i] = g->heap[best];
        g->heap[best] = t;
        i = best;
    }
}

/*
 * Takes a free connection slot, growing the pool (and the heap and free list with it) when
 * none is left. Returns the slot index, or UINT32_MAX when memory runs out; pointers into
 * the pool are invalid after a successful call.
 */
static uint32_t slot_alloc(struct gen *g)
{
    if (g->nfree > 0) {
        return g->free_slots[--g->nfree];
    }
    if (g->pool_len == g->pool_cap) {
        uint32_t cap = g->pool_cap ? g->pool_cap * 2 : 1024;
        struct conn *pool = realloc(g->pool, (size_t)cap * sizeof(*pool));
        if (pool == NULL) {
            return UINT32_MAX;
        }
        g->pool = pool;
        uint32_t *heap = realloc(g->heap, (size_t)cap * sizeof(*heap));
        if (heap == NULL) {
            return UINT32_MAX;
        }
        g->heap = heap;
        uint32_t *free_slots = realloc(g->free_slots, (size_t)cap * sizeof(*free_slots));
        if (free_slots == NULL) {
            return UINT32_MAX;
        }
        g->free_slots = free_slots;
        g->pool_cap = cap;
    }
    struct conn *c = &g->pool[g->pool_len];
    memset(c, 0, sizeof(*c));
    return g->pool_len++;
}

/* Appends one step; false when memory runs out (the script is then unusable). */
static bool push_step(struct conn *c, uint8_t dir, uint8_t flags, uint32_t len, uint32_t gap_us)
{
    if (c->nsteps == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 32;
        struct step *steps = realloc(c->steps, (size_t)cap * sizeof(*steps));
        if (steps == NULL) {
            return false;
        }
        c->steps = steps;
        c->cap = cap;
    }
    c->steps[c->nsteps++] =
        (struct step){ .gap_us = gap_us, .len = (uint16_t)len, .dir = dir, .flags = flags };
    return true;
}

/*
 * The gap before a packet, seen from a capture on the server: segments in a row leave
 * back to back, the server answers within a fraction of a millisecond, and a client answer
 * takes one round trip.
 */
static uint32_t auto_gap(struct rng *r, const struct conn *c, uint8_t dir)
{
    if (c->nsteps == 0) {
        return 0;
    }
    if (c->steps[c->nsteps - 1].dir == dir) {
        return rng_range(r, 2, 60);
    }
    if (dir == DIR_S2C) {
        return rng_range(r, 15, 800);
    }
    return c->rtt_us + rng_below(r, c->rtt_us / 8 + 1);
}

static bool push(struct gen *g, struct conn *c, uint8_t dir, uint8_t flags, uint32_t len)
{
    return push_step(c, dir, flags, len, auto_gap(&g->rng, c, dir));
}

static uint32_t send_mss(const struct conn *c, uint8_t dir)
{
    uint32_t a = c->ep[dir].mss;
    uint32_t b = c->ep[!dir].mss;
    return a < b ? a : b;
}

/* A request-sized payload: mostly small, sometimes up to a full segment. */
static uint32_t request_len(struct gen *g, const struct conn *c)
{
    if (rng_below(&g->rng, 10) < 7) {
        return rng_range(&g->rng, 40, 600);
    }
    return rng_range(&g->rng, 600, send_mss(c, DIR_C2S));
}

/*
 * One side sends up to n segments (full-sized but for the last) and the other side
 * acknowledges every second one and the last, as delayed ACK does (RFC 1122 §4.2.3.2).
 * Pushes exactly min(n + acks, *budget) steps and takes them from *budget.
 */
static bool push_burst(struct gen *g, struct conn *c, uint8_t dir, uint32_t n, bool small,
                       uint32_t *budget)
{
    uint32_t mss = send_mss(c, dir);
    for (uint32_t i = 0; i<n && * budget> 0; i++) {
        bool last = i + 1 == n || *budget == 1; /* the last one sent carries PSH */
        uint32_t len = mss;
        if (small) {
            len = rng_range(&g->rng, 20, 600);
        } else if (last) {
            len = rng_range(&g->rng, 1, mss);
        }
        if (!push(g, c, dir, (uint8_t)(TH_ACK | (last ? TH_PSH : 0)), len)) {
            return false;
        }
        --*budget;
        if ((i % 2 == 1 || last) && *budget > 0) {
            if (!push(g, c, (uint8_t)!dir, TH_ACK, 0)) {
                return false;
            }
            --*budget;
        }
    }
    return true;
}

/* Request/response rounds filling exactly `budget` packets. */
static bool push_exchange(struct gen *g, struct conn *c, uint32_t budget)
{
    struct rng *r = &g->rng;
    while (budget > 0) {
        uint32_t nreq = rng_below(r, 8) == 0 ? 2 : 1;
        for (uint32_t i = 0; i < nreq && budget > 0; i++) {
            uint8_t flags = (uint8_t)(TH_ACK | (i + 1 == nreq || budget == 1 ? TH_PSH : 0));
            if (!push(g, c, DIR_C2S, flags, request_len(g, c))) {
                return false;
            }
            budget--;
        }
        uint32_t pick = rng_below(r, 100);
        uint32_t nresp = pick < 50 ? 1 : pick < 85 ? rng_range(r, 2, 4) : rng_range(r, 5, 16);
        if (!push_burst(g, c, DIR_S2C, nresp, nresp == 1, &budget)) {
            return false;
        }
    }
    return true;
}

/* Client SYN, server SYN-ACK, client ACK (RFC 9293 §3.5). */
static bool push_handshake(struct gen *g, struct conn *c)
{
    return push(g, c, DIR_C2S, TH_SYN, 0) && push(g, c, DIR_S2C, TH_SYN | TH_ACK, 0) &&
           push(g, c, DIR_C2S, TH_ACK, 0);
}

/*
 * Fills the connection's script for kind k with `data` packets in its data phase (ignored
 * by K_REFUSED and K_NOANSWER) and `syns` SYNs for K_NOANSWER. The script has exactly
 * kind_overhead[k] + data packets, or `syns` for K_NOANSWER. False when memory runs out.
 */
static bool build_script(struct gen *g, struct conn *c, enum kind k, uint32_t data, uint32_t syns)
{
    struct rng *r = &g->rng;
    uint8_t closer = rng_below(r, 10) < 6 ? DIR_C2S : DIR_S2C;
    uint8_t other = (uint8_t)!closer;

    c->nsteps = 0;
    c->pos = 0;
    switch (k) {
        case K_NOANSWER:
            for (uint32_t i = 0; i < syns; i++) {
                uint32_t gap = i == 0 ? 0 : (SYN_RTO_US << (i - 1)) + rng_below(r, 2000);
                if (!push_step(c, DIR_C2S, TH_SYN, 0, gap)) {
                    return false;
                }
            }
            c->last_active = 0; /* waiting for a retransmission is not activity */
            return true;
        case K_REFUSED:
            c->last_active = 1;
            return push(g, c, DIR_C2S, TH_SYN, 0) && push(g, c, DIR_S2C, TH_RST | TH_ACK, 0);
        default:
            break;
    }
    if (!push_handshake(g, c)) {
        return false;
    }
    switch (k) {
        case K_CLOSE4:
            if (!push_exchange(g, c, data) || !push(g, c, closer, TH_FIN | TH_ACK, 0) ||
                !push(g, c, other, TH_ACK, 0) ||
                !push_step(c, other, TH_FIN | TH_ACK, 0, rng_range(r, 20, 5000)) ||
                !push(g, c, closer, TH_ACK, 0)) {
                return false;
            }
            break;
        case K_CLOSE3:
            if (!push_exchange(g, c, data) || !push(g, c, closer, TH_FIN | TH_ACK, 0) ||
                !push(g, c, other, TH_FIN | TH_ACK, 0) || !push(g, c, closer, TH_ACK, 0)) {
                return false;
            }
            break;
        case K_RST_CLIENT:
        case K_RST_SERVER:
            if (!push_exchange(g, c, data) ||
                !push(g, c, k == K_RST_CLIENT ? DIR_C2S : DIR_S2C, TH_RST | TH_ACK, 0)) {
                return false;
            }
            break;
        case K_HALFCLOSE: {
            /* The client sends its request and shuts down its side; the server keeps sending. */
            uint32_t request = data > 0 ? 1 : 0;
            uint32_t rest = data - request;
            if ((request && !push(g, c, DIR_C2S, TH_ACK | TH_PSH, request_len(g, c))) ||
                !push(g, c, DIR_C2S, TH_FIN | TH_ACK, 0) || !push(g, c, DIR_S2C, TH_ACK, 0)) {
                return false;
            }
            while (rest > 0) {
                if (!push_burst(g, c, DIR_S2C, rng_range(r, 1, 16), false, &rest)) {
                    return false;
                }
            }
            if (!push(g, c, DIR_S2C, TH_FIN | TH_ACK, 0) || !push(g, c, DIR_C2S, TH_ACK, 0)) {
                return false;
            }
            break;
        }
        default:
            break;
    }
    c->last_active = c->nsteps - 1;
    return true;
}

static enum kind pick_kind(struct rng *r)
{
    uint32_t x = rng_below(r, 1000);
    for (int k = 0; k < K_COUNT; k++) {
        if (x < kind_weights[k]) {
            return (enum kind)k;
        }
        x -= kind_weights[k];
    }
    return K_CLOSE4;
}

static bool kind_has_data(enum kind k)
{
    return k != K_REFUSED && k != K_NOANSWER;
}

/*
 * Chooses kind, data-phase length and SYN count so that, on average, the connections still
 * to start share the packets still unassigned; the last connection takes the exact
 * remainder, so the capture holds exactly the packets asked for.
 */
static void plan_conn(struct gen *g, enum kind *k, uint32_t *data, uint32_t *syns)
{
    struct rng *r = &g->rng;
    int64_t left = (int64_t)g->packets_target - g->assigned;
    uint64_t conns_left = g->conns_target - g->conns_started;

    *data = 0;
    *syns = 1 + rng_below(r, SYN_SENDS_MAX);
    if (conns_left == 1 && left >= 1) {
        if (left >= 7) {
            *k = K_CLOSE4;
            *data = (uint32_t)(left - 7 > UINT32_MAX / 2 ? UINT32_MAX / 2 : left - 7);
        } else if (left == 6) {
            *k = K_CLOSE3;
        } else if (left == 5) {
            *k = K_RST_CLIENT;
            *data = 1;
        } else {
            *k = K_NOANSWER;
            *syns = (uint32_t)left;
        }
        return;
    }
    double m = left > 0 ? (double)left / (double)conns_left : 0.0;
    *k = pick_kind(r);
    if (kind_has_data(*k) && kind_overhead[*k] > 1.5 * m) {
        /* Too many connections for the packets: the short kinds keep the count honest. */
        *k = rng_below(r, 2) ? K_REFUSED : K_NOANSWER;
    }
    if (*k == K_NOANSWER && *syns > m && m >= 1.0) {
        *syns = (uint32_t)m;
    } else if (*k == K_NOANSWER && m < 1.0) {
        *syns = 1;
    }
    if (!kind_has_data(*k)) {
        return;
    }
    /* Data-phase size: a mean chosen to keep the total on target, with a heavy tail. */
    double mean = (m - g->mean_overhead) / g->data_share;
    if (mean <= 0) {
        return;
    }
    double x = rng_below(r, 50) == 0 ? 5.0 + 10.0 * rng_unit(r) : 0.1 + 1.43 * rng_unit(r);
    double d = mean * x + 0.5;
    *data = d > 1e6 ? 1000000u : (uint32_t)d;
}

static void fill_addr(struct conn *c, uint64_t id, struct rng *r)
{
    struct endpoint *cli = &c->ep[DIR_C2S];
    struct endpoint *srv = &c->ep[DIR_S2C];
    uint32_t server = (uint32_t)(id % 4);

    memset(cli->addr, 0, sizeof(cli->addr));
    memset(srv->addr, 0, sizeof(srv->addr));
    if (c->v6) {
        /* 2001:db8:c000::/48 clients, 2001:db8::10..13 servers (RFC 3849 documentation). */
        static const uint8_t cli_pfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0xc0, 0x00 };
        static const uint8_t srv_pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };
        memcpy(cli->addr, cli_pfx, sizeof(cli_pfx));
        put_be32(cli->addr + 8, (uint32_t)(id >> 32));
        put_be32(cli->addr + 12, (uint32_t)id + 1);
        memcpy(srv->addr, srv_pfx, sizeof(srv_pfx));
        srv->addr[15] = (uint8_t)(0x10 + server);
    } else {
        /* Multiplying by an odd number is a bijection mod 2^24: one distinct 10/8 host each. */
        uint32_t host = (uint32_t)(((id + 1) * 2654435761u) & 0xffffffu);
        put_be32(cli->addr, 0x0a000000u | host);
        put_be32(srv->addr, 0xc000020au + server); /* 192.0.2.10..13 (RFC 5737) */
    }
    cli->port = (uint16_t)rng_range(r, 32768, 60999); /* Linux ephemeral range */
    uint32_t pick = rng_below(r, 100);
    srv->port = pick < 60 ? 443 : pick < 85 ? 80 : pick < 95 ? 8080 : 22;
}

/*
 * Starts connection number g->conns_started at time t_us: addresses, ports, per-side TCP
 * parameters and its whole packet script, then queues it. False when memory runs out.
 */
static bool start_conn(struct gen *g, uint64_t t_us)
{
    static const uint8_t gw_mac[6] = { 0x00, 0x1c, 0x73, 0x00, 0x00, 0x99 };
    static const uint8_t srv_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    struct rng *r = &g->rng;
    uint32_t slot = slot_alloc(g);
    if (slot == UINT32_MAX) {
        return false;
    }
    struct conn *c = &g->pool[slot];
    struct endpoint *cli = &c->ep[DIR_C2S];
    struct endpoint *srv = &c->ep[DIR_S2C];

    c->id = g->conns_started;
    c->v6 = rng_below(r, 10) == 0;
    c->rtt_us = 500 + rng_below(r, rng_below(r, 120000) + 1);
    c->next_us = t_us;
    fill_addr(c, c->id, r);

    cli->bsd_opts = rng_below(r, 10) < 3;
    srv->bsd_opts = false;
    for (int d = 0; d < 2; d++) {
        struct endpoint *e = &c->ep[d];
        e->isn = (uint32_t)rng_next(r);
        e->nxt = e->isn;
        e->ts_off = (uint32_t)rng_next(r);
        e->ts_recent = 0;
        e->flow_label = rng_below(r, 1u << 20);
        e->ip_id = (uint16_t)rng_next(r);
        e->win = (uint16_t)rng_range(r, 400, 2048);
        e->synced = false;
        e->mss = c->v6 ? MSS_IPV6_BYTES : MSS_IPV4_BYTES;
    }
    if (rng_below(r, 10) == 0) {
        cli->mss = (uint16_t)(cli->mss - 60); /* a tunnel on the client's path */
    }
    cli->syn_win = cli->bsd_opts ? 65535 : c->v6 ? 64800 : 64240;
    cli->wscale = cli->bsd_opts ? 6 : 7;
    cli->ttl = (uint8_t)(64 - rng_range(r, 3, 20));
    memcpy(cli->mac, gw_mac, sizeof(cli->mac));
    srv->syn_win = c->v6 ? 64800 : 65160;
    srv->wscale = 7;
    srv->ttl = 64;
    memcpy(srv->mac, srv_mac, sizeof(srv->mac));

    enum kind k;
    uint32_t data;
    uint32_t syns;
    plan_conn(g, &k, &data, &syns);
    if (!build_script(g, c, k, data, syns)) {
        return false;
    }
    g->assigned += c->nsteps;
    g->kinds[k]++;
    g->conns_started++;
    c->counted = true;
    g->live++;
    g->heap[g->heap_len] = slot;
    heap_up(g, g->heap_len++);
    return true;
}

/* TCP options: SYN and SYN-ACK carry MSS, SACK-permitted, timestamps and window scale. */
static uint32_t build_options(uint8_t *o, const struct endpoint *me, uint8_t flags, uint32_t tsval,
                              uint32_t tsecr)
{
    uint32_t n = 0;
    if (flags & TH_RST) {
        return 0;
    }
    if (flags & TH_SYN) {
        o[n++] = 2; /* MSS, RFC 9293 §3.7.1 */
        o[n++] = 4;
        put_be16(o + n, me->mss);
        n += 2;
        if (me->bsd_opts) {
            o[n++] = 1;
            o[n++] = 3; /* window scale, RFC 7323 §2 */
            o[n++] = 3;
            o[n++] = me->wscale;
            o[n++] = 1;
            o[n++] = 1;
        } else {
            o[n++] = 4; /* SACK permitted, RFC 2018 §2 */
            o[n++] = 2;
        }
    } else {
        o[n++] = 1;
        o[n++] = 1;
    }
    o[n++] = 8; /* timestamps, RFC 7323 §3 */
    o[n++] = 10;
    put_be32(o + n, tsval);
    put_be32(o + n + 4, tsecr);
    n += 8;
    if (flags & TH_SYN) {
        if (me->bsd_opts) {
            o[n++] = 4;
            o[n++] = 2;
            o[n++] = 0; /* EOL, padding to a multiple of four */
            o[n++] = 0;
        } else {
            o[n++] = 1;
            o[n++] = 3;
            o[n++] = 3;
            o[n++] = me->wscale;
        }
    }
    return n;
}

/* Writes one step of connection c at time t_us as a pcap record; false when writing fails. */
static bool emit(struct gen *g, struct conn *c, const struct step *s, uint64_t t_us)
{
    struct endpoint *me = &c->ep[s->dir];
    struct endpoint *peer = &c->ep[!s->dir];
    uint8_t opts[TCP_OPT_MAX_LEN];

    uint32_t seq;
    if (s->flags & TH_SYN) {
        seq = me->isn;
    } else if (!me->synced) {
        seq = 0; /* RFC 9293 §3.10.7.1: a reset answering a segment without ACK */
    } else {
        seq = me->nxt;
    }
    uint32_t ack = (s->flags & TH_ACK) ? peer->nxt : 0;
    uint32_t tsval = me->ts_off + (uint32_t)(t_us / 1000);
    uint32_t tsecr = (s->flags & TH_ACK) ? me->ts_recent : 0;
    uint32_t olen = build_options(opts, me, s->flags, tsval, tsecr);
    uint32_t win = (s->flags & TH_RST) ? 0 : (s->flags & TH_SYN) ? me->syn_win : me->win;

    uint32_t ip_len = c->v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
    uint32_t tcp_len = TCP_HDR_LEN + olen + s->len;
    uint32_t frame_len = ETH_HDR_LEN + ip_len + tcp_len;
    uint32_t pad = 0;
    if (s->dir == DIR_C2S && frame_len < ETH_MIN_FRAME_LEN) {
        pad = ETH_MIN_FRAME_LEN - frame_len; /* received short frames arrive padded */
    }
    if (g->used + PCAP_REC_HDR_LEN + FRAME_MAX_LEN > OUTBUF_BYTES && !flush_out(g)) {
        return false;
    }

    uint8_t *rec = g->buf + g->used;
    put_le32(rec, BASE_TIME_SEC + (uint32_t)(t_us / 1000000));
    put_le32(rec + 4, (uint32_t)(t_us % 1000000));
    put_le32(rec + 8, frame_len + pad);
    put_le32(rec + 12, frame_len + pad);

    uint32_t wrap = g->vxlan ? VXLAN_WRAP_LEN : 0;
    uint8_t *eth = rec + PCAP_REC_HDR_LEN + wrap;
    if (wrap) { /* the record holds the outer headers too */
        put_le32(rec + 8, wrap + frame_len + pad);
        put_le32(rec + 12, wrap + frame_len + pad);
    }
    memcpy(eth, peer->mac, 6);
    memcpy(eth + 6, me->mac, 6);
    put_be16(eth + 12, c->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);

    uint8_t *ip = eth + ETH_HDR_LEN;
    uint8_t *tcp = ip + ip_len;
    uint64_t pseudo;
    if (c->v6) {
        put_be32(ip, 0x60000000u | me->flow_label);
        put_be16(ip + 4, tcp_len);
        ip[6] = IPPROTO_TCP_NUM;
        ip[7] = me->ttl;
        memcpy(ip + 8, me->addr, 16);
        memcpy(ip + 24, peer->addr, 16);
        pseudo = sum16(ip + 8, 32) + tcp_len + IPPROTO_TCP_NUM; /* RFC 8200 §8.1 */
    } else {
        ip[0] = 0x45;
        ip[1] = 0;
        put_be16(ip + 2, ip_len + tcp_len);
        put_be16(ip + 4, me->ip_id++);
        put_be16(ip + 6, 0x4000); /* DF */
        ip[8] = me->ttl;
        ip[9] = IPPROTO_TCP_NUM;
        put_be16(ip + 10, 0);
        memcpy(ip + 12, me->addr, 4);
        memcpy(ip + 16, peer->addr, 4);
        put_be16(ip + 10, fold_cksum(sum16(ip, IPV4_HDR_LEN))); /* RFC 791 §3.1 */
        pseudo = sum16(ip + 12, 8) + tcp_len + IPPROTO_TCP_NUM; /* RFC 9293 §3.1 */
    }

    put_be16(tcp, me->port);
    put_be16(tcp + 2, peer->port);
    put_be32(tcp + 4, seq);
    put_be32(tcp + 8, ack);
    tcp[12] = (uint8_t)(((TCP_HDR_LEN + olen) / 4) << 4);
    tcp[13] = s->flags;
    put_be16(tcp + 14, win);
    put_be16(tcp + 16, 0);
    put_be16(tcp + 18, 0);
    memcpy(tcp + TCP_HDR_LEN, opts, olen);
    memcpy(tcp + TCP_HDR_LEN + olen, g->pattern + (seq & 1023u), s->len);
    put_be16(tcp + 16, fold_cksum(pseudo + sum16(tcp, tcp_len)));
    memset(tcp + tcp_len, 0, pad);

    if (wrap) {
        /* between two hypervisors 192.0.2.1 and 192.0.2.2; the UDP source port from the
         * inner flow (RFC 7348 §5), UDP checksum 0 (allowed over IPv4) */
        uint8_t *o = rec + PCAP_REC_HDR_LEN;
        static const uint8_t hv_mac[2][6] = { { 2, 0, 0, 0, 0xaa, 1 }, { 2, 0, 0, 0, 0xaa, 2 } };
        memcpy(o, hv_mac[!s->dir], 6);
        memcpy(o + 6, hv_mac[s->dir], 6);
        put_be16(o + 12, ETHERTYPE_IPV4);
        uint8_t *oip = o + ETH_HDR_LEN;
        uint32_t inner = frame_len + pad;
        memset(oip, 0, IPV4_HDR_LEN);
        oip[0] = 0x45;
        put_be16(oip + 2, IPV4_HDR_LEN + 8 + 8 + inner);
        oip[8] = 64;
        oip[9] = 17;
        put_be32(oip + 12, s->dir == DIR_C2S ? 0xc0000201u : 0xc0000202u);
        put_be32(oip + 16, s->dir == DIR_C2S ? 0xc0000202u : 0xc0000201u);
        put_be16(oip + 10, fold_cksum(sum16(oip, IPV4_HDR_LEN)));
        uint8_t *udp = oip + IPV4_HDR_LEN;
        put_be16(udp, 49152 + (uint32_t)((me->port ^ peer->port) & 0x3fff));
        put_be16(udp + 2, 4789);
        put_be16(udp + 4, 8 + 8 + inner);
        put_be16(udp + 6, 0);
        put_be32(udp + 8, 0x08000000u); /* I flag */
        put_be32(udp + 12, g->vni << 8);
    }
    g->used += PCAP_REC_HDR_LEN + wrap + frame_len + pad;
    g->packets_out++;
    g->bytes_out += wrap + frame_len + pad;

    if (s->flags & TH_SYN) {
        me->synced = true;
        me->nxt = me->isn + 1;
    } else if (!(s->flags & TH_RST)) {
        me->nxt = seq + s->len + ((s->flags & TH_FIN) ? 1 : 0);
    }
    if (olen > 0) {
        peer->ts_recent = tsval;
    }
    return true;
}

static void write_file_header(struct gen *g)
{
    uint8_t *h = g->buf;
    put_le32(h, PCAP_MAGIC_USEC);
    put_le16(h + 4, 2);
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);  /* thiszone */
    put_le32(h + 12, 0); /* sigfigs */
    put_le32(h + 16, PCAP_SNAPLEN);
    put_le32(h + 20, PCAP_LINKTYPE_EN);
    g->used = PCAP_FILE_HDR_LEN;
}

/* Expected packets outside the data phase, and the share of kinds that have one. */
static void kind_stats(struct gen *g)
{
    double overhead = 0;
    double share = 0;
    for (int k = 0; k < K_COUNT; k++) {
        double w = kind_weights[k] / 1000.0;
        double o = k == K_NOANSWER ? (1 + SYN_SENDS_MAX) / 2.0 : kind_overhead[k];
        overhead += w * o;
        if (kind_has_data((enum kind)k)) {
            share += w;
        }
    }
    g->mean_overhead = overhead;
    g->data_share = share;
}

/*
 * Runs the simulation: always writes the connection whose next packet is earliest, and
 * opens a new connection whenever one leaves the active window. Stops after exactly
 * g->packets_target packets. False when writing or allocation fails.
 */
static bool generate(struct gen *g)
{
    uint32_t first = g->conns_target < g->active_max ? (uint32_t)g->conns_target : g->active_max;
    for (uint32_t i = 0; i < first; i++) {
        if (!start_conn(g, 1 + rng_below(&g->rng, START_SPREAD_US))) {
            return false;
        }
    }
    while (g->packets_out < g->packets_target && g->heap_len > 0) {
        uint32_t slot = g->heap[0];
        struct conn *c = &g->pool[slot];
        uint64_t t = c->next_us > g->last_us ? c->next_us : g->last_us + 1;
        g->last_us = t;
        if (!emit(g, c, &c->steps[c->pos], t)) {
            return false;
        }
        if (c->counted && c->pos == c->last_active) {
            c->counted = false;
            g->live--;
        }
        c->pos++;
        if (c->pos == c->nsteps) {
            g->heap[0] = g->heap[--g->heap_len];
            g->free_slots[g->nfree++] = slot;
        } else {
            c->next_us = t + c->steps[c->pos].gap_us;
        }
        heap_down(g, 0);
        while (g->live < g->active_max && g->conns_started < g->conns_target) {
            if (!start_conn(g, t + rng_range(&g->rng, 1, 200))) {
                return false;
            }
        }
    }
    return flush_out(g);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tl_gen_capture [-p PACKETS] [-c CONNECTIONS] [-w ACTIVE] [-s SEED] [-x VNI]\n"
            "                      -o FILE\n"
            "  -p  packets to write (default %u)\n"
            "  -c  connections to open (default %u, at most %u)\n"
            "  -w  connections active at once (default %u)\n"
            "  -s  PRNG seed (default fixed)\n"
            "  -x  the same traffic, each frame inside VXLAN with this VNI (UDP 4789)\n"
            "  -o  output pcap file\n",
            DEFAULT_PACKETS, DEFAULT_CONNECTIONS, MAX_CONNECTIONS, DEFAULT_ACTIVE);
}

/* Parses a positive decimal no larger than max; false on anything else. */
static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max || s[0] == '-') {
        return false;
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    struct gen *g = NULL;
    const char *path = NULL;
    uint64_t packets = DEFAULT_PACKETS;
    uint64_t conns = DEFAULT_CONNECTIONS;
    uint64_t active = DEFAULT_ACTIVE;
    uint64_t seed = DEFAULT_SEED;
    uint64_t vni = 0;
    int rc = 1;
    int opt;

    while ((opt = getopt(argc, argv, "p:c:w:s:x:o:h")) != -1) {
        switch (opt) {
            case 'p':
                if (!parse_count(optarg, UINT64_MAX / 2, &packets)) {
                    fprintf(stderr, "tl_gen_capture: bad packet count '%s'\n", optarg);
                    return 2;
                }
                break;
            case 'c':
                if (!parse_count(optarg, MAX_CONNECTIONS, &conns)) {
                    fprintf(stderr, "tl_gen_capture: bad connection count '%s'\n", optarg);
                    return 2;
                }
                break;
            case 'w':
                if (!parse_count(optarg, 1u << 24, &active)) {
                    fprintf(stderr, "tl_gen_capture: bad active count '%s'\n", optarg);
                    return 2;
                }
                break;
            case 's':
                if (!parse_count(optarg, UINT64_MAX, &seed)) {
                    fprintf(stderr, "tl_gen_capture: bad seed '%s'\n", optarg);
                    return 2;
                }
                break;
            case 'x':
                if (!parse_count(optarg, 0xffffff, &vni)) {
                    fprintf(stderr, "tl_gen_capture: bad VNI '%s' (1 to 16777215)\n", optarg);
                    return 2;
                }
                break;
            case 'o':
                path = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return 2;
        }
    }
    if (path == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }

    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        fprintf(stderr, "tl_gen_capture: out of memory\n");
        goto out;
    }
    g->rng.state = seed;
    g->vxlan = vni != 0;
    g->vni = (uint32_t)vni;
    g->packets_target = packets;
    g->conns_target = conns;
    g->active_max = (uint32_t)active;
    for (uint32_t i = 0; i < PATTERN_BYTES; i++) {
        g->pattern[i] = (uint8_t)(0x20 + (i * 7 + i / 95) % 95); /* printable ASCII */
    }
    kind_stats(g);
    g->buf = malloc(OUTBUF_BYTES);
    if (g->buf == NULL) {
        fprintf(stderr, "tl_gen_capture: out of memory\n");
        goto out;
    }
    g->out = fopen(path, "wb");
    if (g->out == NULL) {
        fprintf(stderr, "tl_gen_capture: %s: %s\n", path, strerror(errno));
        goto out;
    }
    write_file_header(g);
    if (!generate(g)) {
        fprintf(stderr, "tl_gen_capture: %s: %s\n", path,
                errno ? strerror(errno) : "out of memory");
        goto out;
    }
    if (fclose(g->out) != 0) {
        g->out = NULL;
        fprintf(stderr, "tl_gen_capture: %s: %s\n", path, strerror(errno));
        goto out;
    }
    g->out = NULL;

    fprintf(stderr,
            "tl_gen_capture: %s: %" PRIu64 " packets, %" PRIu64 " connections, %" PRIu64
            " frame bytes, %.3f s of traffic\n",
            path, g->packets_out, g->conns_started, g->bytes_out, (double)g->last_us / 1e6);
    for (int k = 0; k < K_COUNT; k++) {
        fprintf(stderr, "  %-20s %" PRIu64 "\n", kind_names[k], g->kinds[k]);
    }
    rc = 0;
out:
    if (g != NULL) {
        if (g->out != NULL) {
            fclose(g->out);
        }
        for (uint32_t i = 0; i < g->pool_len; i++) {
            free(g->pool[i].steps);
        }
        free(g->pool);
        free(g->heap);
        free(g->free_slots);
        free(g->buf);
        free(g);
    }
    return rc;
}
