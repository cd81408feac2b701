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
#include "service.h"
#include "tcplens.h"
#include "zeekconn.h"

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
    bool ts_last_set;
    uint32_t ts_last; /* the latest TSval this side sent */
};

/* Port reuse: the connection a new SYN replaced on its tuple, as the SYN found it. */
struct tl_flow_prev {
    bool set;
    uint8_t time_wait; /* 1 << dir of each of its endpoints then in TIME-WAIT */
    uint32_t next_seq; /* the SYN sender's next sequence number on it (seq + len + SYN/FIN) */
    bool ts_set;
    uint32_t ts_val; /* the SYN sender's latest TSval on it */
};

struct tl_rec_chunk;
struct tl_flow_pkt;
struct tl_flow_redo;

/*
 * How TCP checksums decide what the endpoints received (RFC 9293 §3.1: a receiver drops a
 * segment whose checksum fails). A packet judged not received is shown in the timeline as
 * `discarded` and changes no state, history letter (but Zeek's C), handshake or teardown.
 */
enum tl_cksum_mode {
    TL_CKM_AUTO = 0, /* correct, offloaded, or acknowledged by the peer: received */
    TL_CKM_VERIFY,   /* Zeek's default: every failed checksum (offloaded too) dropped */
    TL_CKM_IGNORE,   /* `zeek -C`: checksums not consulted */
};

const char *tl_cksum_mode_name(enum tl_cksum_mode m);
/* The mode named `s` ("auto", "verify", "ignore"), or -1. */
int tl_cksum_mode_parse(const char *s);

#define TL_FLOW_TUNNELS 6 /* tunnel layers a flow keeps for its document */

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
    struct tl_flow_prev prev; /* set when a new SYN started this flow on a used tuple */
    /* the tunnel path (part of the key, as Zeek keys tunnelled connections): its identity
     * (tl_tunnel_key, 0 when not tunnelled) and the first packet's outermost layers */
    uint64_t tun_key;
    uint8_t n_tunnels; /* layers of the path; the first TL_FLOW_TUNNELS are kept */
    struct tl_tunnel tunnels[TL_FLOW_TUNNELS];
    struct tl_conn conn; /* the classifier's view (conn.h) */
    struct tl_zeek zeek; /* Zeek's conn.log numbers (zeekconn.h) */
    struct tl_svc svc;   /* the first payload bytes, for the service guess (service.h) */
    /* timeline records */
    struct tl_rec_chunk *rec_head, *rec_tail;
    uint64_t n_recs;
    /* checksums (mode auto): the state before the first suspect packet, to classify again */
    uint8_t cksum_mode; /* enum tl_cksum_mode it was classified under */
    struct tl_flow_redo *redo;
    bool redo_needed; /* a suspect packet was acknowledged since the last classification */
    /* table bookkeeping */
    bool closed; /* FIN both ways or a RST: a new SYN starts a new flow */
    bool retired;
    void *user; /* the table user's, NULL when the flow begins; the tracker never reads it */
};

/*
 * One packet as stored for a timeline: metadata, then `len` bytes of the frame from its start
 * (its link header, tags, labels, tunnels, every IP header) to the end of the TCP header,
 * decoded again from them with the frame's link type (tl_rec_decode).
 */
struct tl_rec {
    uint64_t frame;
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen, wirelen; /* of the whole frame, as captured and on the wire */
    uint16_t len;
    uint8_t dir;
    uint8_t tcp_cksum;      /* enum tl_cksum as computed over the whole segment */
    uint8_t cksum_accepted; /* incorrect, but the peer acknowledged it (mode auto) */
    uint16_t tcp_cksum_expected;
    uint8_t n_anomalies;
    uint8_t anomalies[TL_MAX_ANOMALIES];
    uint32_t td_seq_sub, td_ack_sub, td_sack_sub; /* what tcpdump subtracts (0: absolute) */
    uint32_t seq_rel, ack_rel;
    uint8_t ack_rel_known;
    int8_t scale;            /* shift applied to the window, -1 when unknown */
    uint16_t dlt;            /* the frame's link type */
    struct tl_conn_pkt conn; /* event, states, analysis */
    uint8_t bytes[];
};

#define TL_REC_MAX_BYTES 1024 /* header bytes kept per packet (link, tunnel, IP, TCP headers) */

/* A record with room for the largest header a record keeps (struct tl_rec ends in a flexible
 * array, so it is kept as aligned bytes). */
struct tl_rec_space {
    _Alignas(struct tl_rec) uint8_t bytes[sizeof(struct tl_rec) + TL_REC_MAX_BYTES + 8];
};
#define TL_REC_OF(space) ((struct tl_rec *)(void *)(space).bytes)

/* Bytes a record needs for `hdr_len` header bytes (8-byte aligned). */
size_t tl_rec_size(size_t hdr_len);
/* How many bytes of p's frame a record keeps: from the frame's start to the end of the TCP
 * header, at most TL_REC_MAX_BYTES (from the first IP header on, as a raw IP frame, when the
 * link layers alone would push the TCP header past it). */
size_t tl_rec_header_len(const struct tl_packet *p);
/* Fill r (tl_rec_size(len) bytes) from a packet and what it did to its flow. */
void tl_rec_fill(struct tl_rec *r, const struct tl_packet *p, const struct tl_flow_pkt *fp,
                 size_t len);
/* Decode a record back into p: every header again from the frame's start (tunnels and layers
 * as the decoder found them), checksum verdicts and anomalies as recorded. */
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
    bool cksum_accepted;     /* an incorrect checksum the peer's acknowledgement overrules */
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

/* The checksum mode (default auto); set before the first packet. */
void tl_flow_table_set_cksum_mode(struct tl_flow_table *t, enum tl_cksum_mode m);

/*
 * Mode auto: frame numbers whose incorrect checksum the peer is known to have accepted (from
 * an earlier pass over the same packets), so they count as received where they stand. Frames
 * must be given in increasing order.
 */
enum tl_err tl_flow_table_accept(struct tl_flow_table *t, uint64_t frame);

/*
 * Mode auto: classify f again if a packet first judged dropped has since been acknowledged,
 * so every verdict treats it as received from where it stands. Retirement does this before
 * handing a flow out; call it before reading a flow that is still in the table.
 */
void tl_flow_table_resolve(struct tl_flow_table *t, struct tl_flow *f);

uint64_t tl_flow_table_count(const struct tl_flow_table *t);
/*
 * Allocations that failed on the way without losing a flow (flows handed out unsorted, a flow
 * left with its first-pass checksum verdicts); a failure that would lose a packet or a flow
 * makes tl_flow_table_add() return TL_E_NOMEM instead.
 */
uint64_t tl_flow_table_errors(const struct tl_flow_table *t);
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
