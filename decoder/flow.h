/*
 * flow.h - the flow table: packets grouped into TCP connections.
 *
 * A flow is one connection: the address/port pair in both directions, looked up through a
 * canonical key (lower endpoint first) so both directions land on one entry. A new SYN on a
 * tuple whose connection closed or reset starts a new flow (port reuse). The table has a
 * fixed cap on flows, checked before growing; per-packet records for timelines live in
 * fixed-size chunks recycled through a free list, so nothing is allocated per packet once
 * the pools are warm.
 */
#ifndef TL_FLOW_H
#define TL_FLOW_H

#include <stdio.h>

#include "conn.h"
#include "tcplens.h"

enum tl_orientation {
    TL_ORIENT_SYN = 0, /* client sent the first SYN */
    TL_ORIENT_SYN_ACK, /* client received the first SYN-ACK */
    TL_ORIENT_GUESSED, /* client sent the first packet */
};

const char *tl_orientation_name(enum tl_orientation o);

enum tl_dir {
    TL_C2S = 0,
    TL_S2C = 1,
};

/* What the flow knows of one direction (the sender's side of it). */
struct tl_flow_side {
    uint64_t packets;
    uint64_t bytes; /* TCP payload bytes */
    uint32_t isn;   /* valid when syn_seen */
    uint32_t base;  /* relative sequence base (Wireshark's): ISN, or first seq - 1 */
    bool base_set;
    bool syn_seen;
    bool fin_seen;
    bool rst_seen;
    int32_t mss;    /* from this side's SYN, -1 when absent */
    int16_t wscale; /* shift from this side's SYN, -1 when absent */
    bool sack_permitted;
    bool timestamps;
};

struct tl_rec_chunk;
struct tl_flow_pkt;

struct tl_flow {
    uint64_t index; /* 0-based, in order of first packet */
    uint8_t ip_version;
    uint8_t addr[2][16]; /* [TL_C2S] client, [TL_S2C] server */
    uint16_t port[2];
    enum tl_orientation orientation;
    int64_t first_sec, last_sec;
    uint32_t first_nsec, last_nsec;
    struct tl_flow_side side[2]; /* [TL_C2S] what the client sends, [TL_S2C] the server */
    bool syn_ack_seen;
    bool scale_known[2]; /* whether side[d]'s window is scaled and by what */
    int16_t scale[2];
    /* tcpdump's relative numbering (print-tcp.c tcp_seq_hash), in its collating order */
    bool td_valid;
    uint32_t td_seq, td_ack;
    struct tl_conn conn; /* the classifier's view (conn.h) */
    /* timeline records */
    struct tl_rec_chunk *rec_head, *rec_tail;
    uint64_t n_recs;
    /* table bookkeeping */
    bool closed; /* FIN both ways or a RST: a new SYN starts a new flow */
    bool retired;
};

/* One packet as stored for a timeline: metadata, then `len` header bytes from the IP header. */
struct tl_rec {
    uint64_t frame;
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t l3_caplen, l3_wirelen;
    uint16_t len;
    uint8_t dir;
    uint8_t tcp_cksum; /* enum tl_cksum as computed over the whole segment */
    uint16_t tcp_cksum_expected;
    uint8_t n_anomalies;
    uint8_t anomalies[TL_MAX_ANOMALIES];
    uint32_t td_seq_sub, td_ack_sub, td_sack_sub; /* what tcpdump subtracts (0: absolute) */
    uint32_t seq_rel, ack_rel;
    uint8_t ack_rel_known;
    int8_t scale;            /* shift applied to the window, -1 when unknown */
    struct tl_conn_pkt conn; /* event, states, analysis */
    uint8_t bytes[];
};

#define TL_REC_MAX_BYTES 1024 /* header bytes kept per packet (IP + TCP headers) */

/* Bytes a record needs for `hdr_len` header bytes (8-byte aligned). */
size_t tl_rec_size(size_t hdr_len);
/* How many header bytes of p a record keeps: IP and TCP headers, at most TL_REC_MAX_BYTES. */
size_t tl_rec_header_len(const struct tl_packet *p);
/* Fill r (tl_rec_size(len) bytes) from a packet and what it did to its flow. */
void tl_rec_fill(struct tl_rec *r, const struct tl_packet *p, const struct tl_flow_pkt *fp,
                 size_t len);
/* Decode a record back into p: the headers again, verdicts and anomalies as recorded. */
void tl_rec_decode(const struct tl_rec *r, struct tl_packet *p);

/* Iterate a flow's records in capture order. */
struct tl_rec_iter {
    const struct tl_rec_chunk *chunk;
    size_t pos;
};

void tl_rec_iter_init(struct tl_rec_iter *it, const struct tl_flow *f);
const struct tl_rec *tl_rec_iter_next(struct tl_rec_iter *it);

/* What a packet did to its flow (filled by tl_flow_table_add). */
struct tl_flow_pkt {
    struct tl_flow *flow;
    enum tl_dir dir;
    bool new_flow;
    /* Wireshark-style relative numbers, and whether ack_rel is known */
    uint32_t seq_rel, ack_rel;
    bool ack_rel_known;
    int8_t scale; /* shift applied to the window, -1 when unknown */
    /* what tcpdump subtracts from seq, ack and SACK edges when printing (0: absolute) */
    uint32_t td_seq_sub, td_ack_sub, td_sack_sub;
    struct tl_conn_pkt conn; /* the classifier's verdict */
};

struct tl_flow_table;

#define TL_FLOW_CAP_DEFAULT 4000000

/*
 * Create a table holding at most max_flows flows; keep_records makes it store each packet's
 * headers for timelines. Returns NULL when out of memory. Free with tl_flow_table_free().
 */
struct tl_flow_table *tl_flow_table_new(uint64_t max_flows, bool keep_records);
void tl_flow_table_free(struct tl_flow_table *t);

/*
 * Account one decoded TCP packet (p->has_tcp) to its flow, creating the flow if needed.
 * Returns TL_OK, TL_E_TOO_LARGE when the flow cap is reached (the packet is not counted in
 * any flow; the caller counts it), or TL_E_NOMEM.
 */
enum tl_err tl_flow_table_add(struct tl_flow_table *t, const struct tl_packet *p,
                              struct tl_flow_pkt *out);

uint64_t tl_flow_table_count(const struct tl_flow_table *t);
bool tl_flow_table_cap_hit(const struct tl_flow_table *t);

/*
 * Hand every flow that is closed and quiet for `grace_sec` of capture time before `now_sec`
 * (all remaining flows when `all`) to `cb`, in index order of the ones found, then release
 * it: its slot and records are recycled. The flow pointer is valid only during the call.
 */
typedef void (*tl_flow_cb)(struct tl_flow *f, void *arg);
void tl_flow_table_retire(struct tl_flow_table *t, int64_t now_sec, int64_t grace_sec, bool all,
                          tl_flow_cb cb, void *arg);

#endif
