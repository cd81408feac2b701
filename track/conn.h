/*
 * conn.h - the connection classifier: what each packet does to its connection.
 *
 * Fed one packet at a time, in capture order, it keeps per flow: each endpoint's RFC 9293
 * state as an observer infers it, Zeek's endpoint states and history letters, Wireshark's
 * completeness bits and sequence analysis (retransmission, out-of-order, duplicate ACK,
 * zero window, keep-alive, window update), and the handshake and teardown as they happen.
 * It gives each packet one event. The rules are in docs/connections.md. Nothing here
 * allocates: the state is a fixed part of struct tl_flow.
 */
#ifndef TL_CONN_H
#define TL_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "perf.h"

enum tl_event {
    TL_EV_OTHER = 0,
    TL_EV_SYN,
    TL_EV_SYN_ACK,
    TL_EV_HANDSHAKE_ACK,
    TL_EV_SYN_RETX,
    TL_EV_SYN_ACK_RETX,
    TL_EV_DATA,
    TL_EV_ACK,
    TL_EV_RETX,
    TL_EV_OUT_OF_ORDER,
    TL_EV_DUP_ACK,
    TL_EV_ZERO_WINDOW,
    TL_EV_ZERO_WINDOW_PROBE,
    TL_EV_WINDOW_UPDATE,
    TL_EV_KEEP_ALIVE,
    TL_EV_DISCARDED,
    TL_EV_FIN,
    TL_EV_FIN_ACK_PIGGY,
    TL_EV_CLOSE_ACK,
    TL_EV_RST,
    TL_EV_COUNT
};

const char *tl_event_name(enum tl_event e);

/* Comparisons in 32-bit sequence space (RFC 9293 §3.4: modulo 2^32). */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* RFC 9293 connection states. */
enum tl_state {
    TL_ST_CLOSED = 0,
    TL_ST_LISTEN,
    TL_ST_SYN_SENT,
    TL_ST_SYN_RECEIVED,
    TL_ST_ESTABLISHED,
    TL_ST_FIN_WAIT_1,
    TL_ST_FIN_WAIT_2,
    TL_ST_CLOSE_WAIT,
    TL_ST_CLOSING,
    TL_ST_LAST_ACK,
    TL_ST_TIME_WAIT,
    TL_ST_COUNT
};

const char *tl_state_name(enum tl_state s);

/* Wireshark's tcp.analysis flags (a packet may have several). */
enum {
    TL_AF_RETRANSMISSION = 1u << 0,
    TL_AF_FAST_RETRANSMISSION = 1u << 1,
    TL_AF_SPURIOUS_RETRANSMISSION = 1u << 2,
    TL_AF_OUT_OF_ORDER = 1u << 3,
    TL_AF_LOST_SEGMENT = 1u << 4,
    TL_AF_ACK_LOST_SEGMENT = 1u << 5,
    TL_AF_DUPLICATE_ACK = 1u << 6,
    TL_AF_ZERO_WINDOW = 1u << 7,
    TL_AF_ZERO_WINDOW_PROBE = 1u << 8,
    TL_AF_ZERO_WINDOW_PROBE_ACK = 1u << 9,
    TL_AF_WINDOW_UPDATE = 1u << 10,
    TL_AF_WINDOW_FULL = 1u << 11,
    TL_AF_KEEP_ALIVE = 1u << 12,
    TL_AF_KEEP_ALIVE_ACK = 1u << 13,
    TL_AF_REUSED_PORTS = 1u << 14,
    TL_AF_COUNT = 15
};

/* Names as in tshark's tcp.analysis.<name>. */
const char *tl_analysis_name(unsigned bit_index);

enum tl_handshake {
    TL_HS_COMPLETE = 0,
    TL_HS_SIMULTANEOUS_OPEN,
    TL_HS_NO_REPLY,
    TL_HS_REJECTED,
    TL_HS_NO_FINAL_ACK,
    TL_HS_NOT_SEEN,
};

enum tl_teardown {
    TL_TD_FOUR_WAY = 0,
    TL_TD_THREE_SEGMENT,
    TL_TD_SIMULTANEOUS,
    TL_TD_RESET,
    TL_TD_HALF_CLOSED,
    TL_TD_OPEN,
};

const char *tl_handshake_name(enum tl_handshake h);
const char *tl_teardown_name(enum tl_teardown t);

/* Who: a bit per side (1 client, 2 server). */
enum { TL_WHO_CLIENT = 1, TL_WHO_SERVER = 2, TL_WHO_BOTH = 3 };
const char *tl_who_name(unsigned who); /* NULL for 0 */

#define TL_HISTORY_MAX   24
#define TL_SYN_TIMES_MAX 6

/* What the classifier keeps of one direction (the sender's). */
struct tl_conn_dir {
    /* Wireshark's sequence analysis (packet-tcp.c tcp_analyze_sequence_number) */
    uint32_t nextseq;         /* after the highest segment seen; 0 unknown */
    uint32_t maxseqtobeacked; /* 0 unknown */
    uint32_t lastack;         /* the last ack field sent */
    uint32_t window;          /* the last raw window sent, 0xffffffff before any */
    uint32_t dupacknum;
    uint32_t ws_base;      /* Wireshark's relative base */
    int64_t nextseq_ns;    /* when nextseq last advanced */
    int64_t lastack_ns;    /* time of the last packet */
    uint16_t lastsegflags; /* TL_AF_* of the last packet */
    int8_t ws_scale;       /* -1 unknown, -2 none, else the shift */
    bool is_first_ack;
    bool ws_base_set;
    /* the handshake and teardown */
    uint32_t syn_seq; /* of the last SYN or SYN-ACK sent */
    uint32_t fin_end; /* the FIN's sequence number + 1 */
    uint8_t syns;     /* SYNs (without ACK) sent, saturating */
    uint8_t synacks;  /* SYN-ACKs sent, saturating */
    bool sent_syn, sent_synack, sent_fin, sent_rst;
    bool fin_acked;      /* the peer acknowledged this side's FIN */
    bool acked_peer_fin; /* this side acknowledged the peer's FIN */
    int64_t last_syn_ns;
    uint32_t syn_us[TL_SYN_TIMES_MAX]; /* when each SYN was sent, us after the first packet */
    /* Zeek (TCP_Endpoint) */
    uint8_t zeek_state, zeek_prev;
    uint16_t zeek_letters; /* once-per-direction letters recorded */
    bool zeek_seq_init;
    uint32_t zeek_syn_seq, zeek_fin_pos, zeek_rst_seq;
    uint32_t zeek_last_seq, zeek_gap_acked;
    uint32_t zeek_have_seq; /* end of the highest segment whose payload was captured whole */
    uint32_t zeek_c, zeek_t, zeek_w, zeek_g;
    /* counts for the summary */
    uint32_t retransmissions, out_of_order, dup_acks, zero_windows, keep_alives;
    uint32_t zero_window_probes;
    uint32_t cksum_bad, cksum_checked, cksum_offloaded;
    uint32_t discarded; /* packets its receiver dropped (bad checksum), as finally judged */
    uint8_t state;      /* enum tl_state of the sender */
    /* how this endpoint met CLOSING (RFC 9293 §3.6: the peer's FIN arrived before its own FIN
     * was acknowledged): 0 never, 1 shown in CLOSING, 2 passed through it between two captured
     * packets (FIN-WAIT-1 straight to TIME-WAIT); the summary tells what the states show */
    uint8_t closing;
};

struct tl_conn {
    struct tl_conn_dir d[2];    /* [TL_C2S] the client's, [TL_S2C] the server's */
    uint8_t completeness;       /* Wireshark's bits, as its first pass leaves them */
    uint8_t completeness_first; /* what the first packet adds on tshark's second pass */
    bool completeness_more;     /* more than one packet */
    /* handshake */
    bool hs_ack_seen;
    bool client_acked;                   /* the client sent an ACK past its SYN */
    int64_t syn_ns, synack_ns, hsack_ns; /* the answered SYN, first SYN-ACK, handshake ACK */
    int64_t first_ns;
    /* teardown */
    uint8_t first_fin_who; /* TL_WHO_* of the first FIN */
    uint8_t fin_kind;      /* enum tl_teardown of the second FIN, when seen */
    bool second_fin;
    uint8_t rst_who;
    uint8_t first_rst_who;
    bool rejected; /* the server's RST answered the client's SYN */
    /* Zeek */
    uint8_t zeek_orig;      /* our direction index of Zeek's originator */
    bool zeek_synack_first; /* began with a SYN-ACK from Zeek's originator: may flip */
    char history[TL_HISTORY_MAX + 1];
    uint8_t history_len;
    /* analysis */
    int64_t irtt_ns;    /* Wireshark's initial RTT, 0 when unknown */
    int64_t mru_syn_ns; /* the latest pure SYN */
    /* performance per direction (perf.h) */
    struct tl_perf perf;
};

/* One packet's verdict. */
struct tl_conn_pkt {
    uint8_t event;      /* enum tl_event */
    uint8_t state[2];   /* enum tl_state of the client and the server after the packet */
    uint16_t analysis;  /* TL_AF_* */
    int32_t ack_rtt_us; /* the RTT sample this packet's ACK gave for the peer's data, or -1 */
};

struct tl_packet;
struct tl_flow;

/*
 * Account one packet of flow f going in direction dir (0 client to server). A packet that is
 * not `delivered` (its receiver dropped it for a bad checksum) takes part in Wireshark's
 * analysis and completeness only: it gets the event `discarded`, Zeek's C letter, and
 * changes no state.
 */
void tl_conn_packet(struct tl_flow *f, int dir, const struct tl_packet *p, bool first,
                    bool delivered, struct tl_conn_pkt *out);

/* The flow-level results (valid at any time; final once the flow has ended). */
enum tl_handshake tl_conn_handshake(const struct tl_flow *f);
enum tl_teardown tl_conn_teardown(const struct tl_flow *f, unsigned *initiator, unsigned *reset_by);
const char *tl_conn_zeek_state(const struct tl_flow *f);
const char *tl_conn_history(const struct tl_flow *f);
/* Wireshark's final completeness bits, as tshark -2 shows them. */
unsigned tl_conn_completeness(const struct tl_flow *f);
/* The handshake's round trips in microseconds, -1 when unknown: SYN to SYN-ACK, SYN-ACK to the
 * ACK that acknowledges it, and their sum. A simultaneous open has none (no SYN waited for a
 * SYN-ACK). */
void tl_conn_handshake_rtt(const struct tl_flow *f, int64_t *syn_to_synack_us,
                           int64_t *synack_to_ack_us, int64_t *total_us);
/* Completeness text "RFDASS" with U+00B7 for absent bits, or "[ Null ]" for 0 (buf >= 16). */
const char *tl_completeness_text(unsigned value, char *buf, unsigned size);

#endif
